#!/bin/sh
# Re-makes the PNG samples with Debian's imagemagick (and pngcrush):
#   cd tests/data/png && sh make.sh
# CONVERT may name ImageMagick's convert when another one comes first on PATH.
set -eu
CONVERT=${CONVERT:-/usr/bin/convert}
# Time stamps would make every run differ.
nodate="-define png:exclude-chunks=date,time"

"$CONVERT" -size 40x30 gradient:navy-orange -fill white -draw 'circle 20,15 20,5' \
	-strip $nodate PNG24:rgb.png
"$CONVERT" -size 40x30 -seed 7 plasma:fractal -colors 16 -strip $nodate \
	PNG8:palette.png
"$CONVERT" -size 40x30 radial-gradient:'rgba(255,0,0,1)'-'rgba(0,0,255,0)' \
	-strip $nodate PNG32:alpha.png
"$CONVERT" -size 64x48 gradient:green-yellow -interlace PNG -strip $nodate \
	PNG24:interlaced.png
# pngcrush re-chunks the data into several small IDAT chunks.
pngcrush -q -max 256 -force rgb.png multi-idat.png >/dev/null 2>&1

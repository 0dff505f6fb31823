#!/bin/sh
# Re-makes the BMP samples with Debian's imagemagick:
#   cd tests/data/bmp && sh make.sh
# CONVERT may name ImageMagick's convert when another one comes first on PATH.
set -eu
CONVERT=${CONVERT:-/usr/bin/convert}

# 24-bit, 40-byte header (BMP3); 37 pixels a row leaves row padding.
"$CONVERT" -size 37x23 gradient:navy-orange -fill white \
	-draw 'circle 18,11 18,3' -strip -type truecolor BMP3:rgb24.bmp
# 8-bit with a colour table (BMP3, palette).
"$CONVERT" -size 37x23 gradient:navy-orange -colors 50 -strip \
	-type palette -compress none BMP3:pal8.bmp
# 8-bit run-length encoded (RLE8): the stream is walked to its end code.
"$CONVERT" -size 40x23 gradient:navy-orange -colors 20 -strip \
	-type palette -compress rle BMP3:rle8.bmp
# 32-bit with alpha: BITMAPV5HEADER (124 bytes) and bit fields.
"$CONVERT" -size 20x16 radial-gradient:'rgba(255,0,0,1)'-'rgba(0,0,255,0)' \
	-strip -type truecoloralpha BMP:argb32.bmp
# OS/2 / Windows 2 core header (12 bytes).
"$CONVERT" -size 21x9 gradient:red-blue -strip -type truecolor BMP2:core24.bmp

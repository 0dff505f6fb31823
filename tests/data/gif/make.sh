#!/bin/sh
# Re-makes the GIF samples with Debian's imagemagick and gifsicle:
#   cd tests/data/gif && sh make.sh
# CONVERT may name ImageMagick's convert when another one comes first on PATH.
set -eu
CONVERT=${CONVERT:-/usr/bin/convert}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One image with a global colour table (GIF89a from ImageMagick).
"$CONVERT" -size 40x30 gradient:navy-orange -fill white -draw 'circle 20,15 20,5' \
	-colors 32 -strip static.gif
# Six frames with a loop extension and per-frame graphic control blocks.
for i in 0 1 2 3 4 5; do
	"$CONVERT" -size 32x24 xc:white -fill "hsl($((i * 60)),100%,50%)" \
		-draw "circle $((8 + i * 3)),12 $((8 + i * 3)),4" "$tmp/f$i.gif"
done
"$CONVERT" -delay 10 -loop 0 "$tmp"/f?.gif -strip anim.gif
# gifsicle's optimiser: sub-rectangle frames, and a comment extension.
gifsicle -O2 --no-warnings --comment "dredge sample" \
	anim.gif > anim-opt.gif
# GIF87a: without extensions gifsicle writes the older version.
gifsicle --no-warnings --no-comments --no-extensions --no-loopcount \
	static.gif > static87.gif

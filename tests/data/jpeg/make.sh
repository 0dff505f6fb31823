#!/bin/sh
# Re-makes the JPEG test samples in this folder with Debian tools:
#   imagemagick (convert, 6.9.11), libjpeg-turbo-progs (cjpeg, jpegtran
#   2.1.5), libimage-exiftool-perl (exiftool 12.x).
# Sources are ImageMagick's built-in rose: picture and a plasma fractal with
# a fixed seed, so the pixels are the same on every run.  Run from anywhere;
# the files land beside this script.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
CONVERT=${CONVERT:-/usr/bin/convert}   # the real ImageMagick, not a stand-in
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$CONVERT" rose: -resize '160x120!' "$tmp/rose.ppm"
"$CONVERT" -size 96x240 -seed 7 plasma:fractal "$tmp/plasma.ppm"
"$CONVERT" rose: -resize '64x48!' "$tmp/small.ppm"

# 4:4:4 baseline (SOF0), 160x120.
cjpeg -quality 85 -sample 1x1 -outfile "$here/baseline.jpg" "$tmp/rose.ppm"
# progressive (SOF2), several scans with DHT between them, 160x120.
cjpeg -quality 85 -progressive -outfile "$here/progressive.jpg" "$tmp/rose.ppm"
# 4:2:0 subsampled baseline, 96x240.
cjpeg -quality 80 -sample 2x2 -outfile "$here/sub420.jpg" "$tmp/plasma.ppm"
# grayscale, one component, 96x240.
cjpeg -quality 80 -grayscale -outfile "$here/gray.jpg" "$tmp/plasma.ppm"
# a restart marker after every MCU row (15 rows: RST0..RST7 wrap around).
cjpeg -quality 80 -restart 1 -outfile "$here/restart.jpg" "$tmp/plasma.ppm"
# arithmetic coding (SOF9), 160x120.
cjpeg -quality 85 -arithmetic -outfile "$here/arith.jpg" "$tmp/rose.ppm"
# A flat picture (a faint ramp), 4:2:0, 256x192: about 6 bits a block,
# so few that the validator decodes it before it believes the walk.
LC_ALL=C awk 'BEGIN { printf "P6\n256 192\n255\n"
	for (y = 0; y < 192; y++) for (x = 0; x < 256; x++) {
		v = 96 + int(x * 16 / 256); printf "%c%c%c", v, v + 8, v + 16 } }' \
	> "$tmp/flat.ppm"
cjpeg -quality 85 -outfile "$here/flat.jpg" "$tmp/flat.ppm"

# A camera-like file: EXIF (make, model, DateTimeOriginal) in APP1 with a
# 64x48 JPEG thumbnail (its own SOI .. EOI) inside IFD1, main image 160x120.
cjpeg -quality 85 -outfile "$tmp/main.jpg" "$tmp/rose.ppm"
cjpeg -quality 75 -outfile "$tmp/thumb.jpg" "$tmp/small.ppm"
rm -f "$here/exif_thumb.jpg"
exiftool -q -overwrite_original -o "$here/exif_thumb.jpg" \
	-Make='Dredge Optical' -Model='DX-100 Mark II' \
	-DateTimeOriginal='2021:07:14 09:26:53' -Orientation#=1 \
	'-ThumbnailImage<='"$tmp/thumb.jpg" "$tmp/main.jpg"

#!/bin/sh
# Re-makes the larger JPEG samples the fragmentation tests cut apart
# (tests/unit/test_jpeg_frag.c), with Debian tools: ffmpeg (5.1) for the
# source picture, libjpeg-turbo-progs (cjpeg, jpegtran 2.1.5) to encode it.
# The picture is a Mandelbrot view with fixed-seed noise, which codes like
# a photograph (dense AC coefficients); 320x240 keeps each file at 10 to
# 25 KB.  Run from anywhere; the files land beside this script.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ffmpeg -loglevel error -y -f lavfi \
	-i "mandelbrot=s=320x240:end_pts=1,noise=alls=8:allf=t" \
	-frames:v 1 "$tmp/src.ppm"

# baseline 4:2:0, standard Huffman tables
cjpeg -quality 85 -sample 2x2 -outfile "$here/frag_420.jpg" "$tmp/src.ppm"
# baseline 4:4:4 with optimised Huffman tables
cjpeg -quality 90 -sample 1x1 -optimize -outfile "$here/frag_444.jpg" \
	"$tmp/src.ppm"
# grayscale
cjpeg -quality 85 -grayscale -outfile "$here/frag_gray.jpg" "$tmp/src.ppm"
# restart interval of 7 MCUs (not a whole row)
cjpeg -quality 85 -restart 7B -outfile "$here/frag_rst.jpg" "$tmp/src.ppm"
# progressive 4:2:0 (cjpeg's script: spectral selection and successive
# approximation, DC and AC refinement scans)
cjpeg -quality 85 -progressive -outfile "$here/frag_prog.jpg" "$tmp/src.ppm"
# progressive 4:2:0 with a restart interval of 3 MCUs (jpegtran)
jpegtran -progressive -restart 3B -outfile "$here/frag_progrst.jpg" \
	"$here/frag_420.jpg"

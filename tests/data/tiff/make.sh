#!/bin/sh
# Re-makes the TIFF samples with Debian tools (imagemagick, libtiff-tools,
# libimage-exiftool-perl):  cd tests/data/tiff && sh make.sh
# CONVERT may name ImageMagick's convert when another one comes first on PATH.
# Camera RAW files cannot be made here; the RAW-like cases (NEF, DNG, CR2,
# ...) are synthetic structures built in tests/unit/test_tiff.c.
set -eu
CONVERT=${CONVERT:-/usr/bin/convert}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A small picture to start from: a gradient with some shapes on it.
"$CONVERT" -size 48x32 gradient:navy-orange -fill white -draw 'circle 24,16 24,6' \
	-strip "$tmp/base.ppm"

# Uncompressed strips, little-endian (libtiff puts the IFD after the data).
"$CONVERT" "$tmp/base.ppm" -strip -compress none -define tiff:endian=lsb \
	-define tiff:rows-per-strip=8 le-strips.tif
# LZW, big-endian.
"$CONVERT" "$tmp/base.ppm" -strip -compress lzw -define tiff:endian=msb be-lzw.tif
# Tiled, 16x16 tiles, re-written by tiffcp.
tiffcp -c none -t -w 16 -l 16 le-strips.tif tiled.tif
# Three pages (an IFD chain), each page its own size.
"$CONVERT" "$tmp/base.ppm" \( "$tmp/base.ppm" -resize 24x16 \) \
	\( "$tmp/base.ppm" -rotate 90 \) -strip -compress zip multipage.tif
# Camera-style tags in IFD0 and an EXIF IFD, written by exiftool (which
# puts the directories before the image data).
cp le-strips.tif exif.tif
exiftool -q -overwrite_original -Make='Test Camera Co' -Model='TC-1' \
	-DateTimeOriginal='2021:06:05 14:30:00' -ModifyDate='2021:06:06 08:00:00' \
	exif.tif

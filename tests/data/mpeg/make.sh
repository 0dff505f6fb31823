#!/bin/sh
# Re-makes the MPEG program stream samples in this folder (Debian 12:
# ffmpeg 5.1, mjpegtools 2.1 for mplex).  Run from this folder: sh make.sh
#
# mplex ends its streams with the 00 00 01 B9 end code; ffmpeg's muxer
# never writes one (to make concatenation easy), so its output is kept as
# the example of a stream that simply stops.
set -eu
ff="ffmpeg -hide_banner -loglevel error -y"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

$ff -f lavfi -i testsrc=size=64x48:rate=25 -t 0.6 -c:v mpeg1video -q:v 20 \
    -fflags +bitexact -f mpeg1video "$tmp/v.m1v"
$ff -f lavfi -i sine=frequency=440:sample_rate=32000 -t 0.6 -c:a mp2 \
    -b:a 32k -ac 1 -fflags +bitexact -f mp2 "$tmp/a32.mp2"
$ff -f lavfi -i testsrc=size=96x64:rate=25 -t 0.4 -c:v mpeg2video -q:v 20 \
    -fflags +bitexact -f mpeg2video "$tmp/v.m2v"
$ff -f lavfi -i sine=frequency=440:sample_rate=48000 -t 0.4 -c:a mp2 \
    -b:a 64k -ac 1 -fflags +bitexact -f mp2 "$tmp/a48.mp2"

# MPEG-1 system stream (mplex format 0: generic MPEG-1).
mplex -v 0 -f 0 -r 1500 -o mpeg1.mpg "$tmp/v.m1v" "$tmp/a32.mp2"
# MPEG-2 program stream (mplex format 3: generic MPEG-2).
mplex -v 0 -f 3 -r 2000 -o mpeg2.mpg "$tmp/v.m2v" "$tmp/a48.mp2"
# MPEG-2 program stream from ffmpeg's vob muxer: no end code.
$ff -f lavfi -i testsrc=size=64x48:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 \
    -t 0.4 -c:v mpeg2video -q:v 20 -c:a mp2 -b:a 64k -ac 1 -fflags +bitexact \
    -f vob ffmpeg_noend.vob

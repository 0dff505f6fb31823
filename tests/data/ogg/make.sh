#!/bin/sh
# Re-makes the Ogg samples in this folder (Debian 12: vorbis-tools 1.4,
# opus-tools 0.2, ffmpeg 5.1, sox 14.4).  Run from this folder: sh make.sh
set -eu
ff="ffmpeg -hide_banner -loglevel error -y"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sox -R -n -r 22050 -c 1 -b 16 "$tmp/mo22.wav" synth 1 sine 440
sox -R -n -r 48000 -c 2 -b 16 "$tmp/st48.wav" synth 0.5 sine 300 sine 500

# Vorbis with oggenc (low quality, mono 22.05 kHz).
oggenc -Q -q -1 --serial 1234 -o vorbis.ogg "$tmp/mo22.wav"
# Opus with opusenc (stereo, 16 kbit/s).
opusenc --quiet --bitrate 16 --serial 4321 "$tmp/st48.wav" opus.opus
# FLAC in Ogg with ffmpeg.
$ff -i "$tmp/mo22.wav" -t 0.3 -c:a flac -fflags +bitexact -f ogg flac.oga
# Theora video and Vorbis audio multiplexed (two logical streams).
$ff -f lavfi -i testsrc=size=64x48:rate=5 -f lavfi -i sine=frequency=440:sample_rate=22050 \
    -t 1 -c:v libtheora -q:v 1 -c:a libvorbis -q:a 0 -ac 1 -fflags +bitexact \
    -f ogg theora_vorbis.ogv

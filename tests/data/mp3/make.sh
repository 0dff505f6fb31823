#!/bin/sh
# Re-makes the MP3 samples in this folder (Debian 12: lame 3.100,
# ffmpeg 5.1 with libmp3lame, sox 14.4).  Run from this folder: sh make.sh
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sox -R -n -r 44100 -c 2 -b 16 "$tmp/st44.wav" synth 1.5 sine 220-2000 sine 330
sox -R -n -r 22050 -c 1 -b 16 "$tmp/mo22.wav" synth 1 sine 440

# CBR 48 kbit/s MPEG-1 32 kHz joint stereo with an ID3v2 tag and an ID3v1 tag.
lame --quiet -b 48 --resample 32 --add-id3v2 --pad-id3v2-size 100 --tt "Sweep" \
    --ta "dredge" --ty 2024 "$tmp/st44.wav" cbr_id3v2_id3v1.mp3
# VBR MPEG-1 32 kHz (Xing header frame), no tags.
lame --quiet -V 9 --resample 32 --noreplaygain "$tmp/st44.wav" vbr_xing.mp3
# CBR MPEG-1 44.1 kHz without the LAME Info frame and without tags: bare frames.
lame --quiet -b 32 --resample 44.1 -t "$tmp/st44.wav" cbr_bare.mp3
# MPEG-2 (22.05 kHz) mono through ffmpeg: ID3v2.4 tag, Info frame.
ffmpeg -hide_banner -loglevel error -y -i "$tmp/mo22.wav" \
    -c:a libmp3lame -b:a 24k -metadata title=tone -fflags +bitexact \
    mpeg2_ffmpeg.mp3
# MPEG-2.5 (8 kHz) mono, 8 kbit/s, ID3v1 only.
lame --quiet --resample 8 -m m -b 8 --id3v1-only --tt "low" \
    "$tmp/mo22.wav" mpeg25_id3v1.mp3
# MPEG-2 Layer II (no tags): only reached through an ID3v2 tag, which the
# test puts in front.
ffmpeg -hide_banner -loglevel error -y -i "$tmp/mo22.wav" \
    -c:a mp2 -b:a 32k -fflags +bitexact -f mp2 layer2.mp2

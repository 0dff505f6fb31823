#!/bin/sh
# Re-makes the RIFF samples in this folder (Debian 12: ffmpeg 5.1, sox 14.4,
# webp 1.2).  Run from this folder: sh make.sh
set -eu
ff="ffmpeg -hide_banner -loglevel error -y"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# AVI: Motion JPEG video with 8-bit PCM audio, and MPEG-4 part 2 video alone.
$ff -f lavfi -i testsrc=size=64x48:rate=10 \
    -f lavfi -i sine=frequency=440:sample_rate=8000 -t 1 \
    -c:v mjpeg -q:v 20 -c:a pcm_u8 -fflags +bitexact -f avi mjpeg_pcm.avi
$ff -f lavfi -i testsrc=size=96x64:rate=15 -t 1 \
    -c:v mpeg4 -q:v 25 -fflags +bitexact -f avi mpeg4.avi

# WAV: 16-bit PCM 8 kHz mono; 24-bit stereo 48 kHz (sox writes
# WAVE_FORMAT_EXTENSIBLE for 24 bits); 8-bit mono with an odd data size
# (the data chunk carries a pad byte).
sox -R -n -r 8000 -c 1 -b 16 pcm8k_mono.wav synth 0.5 sine 440
sox -R -n -r 48000 -c 2 -b 24 s24_stereo.wav synth 0.1 sine 440 sine 660
sox -R -n -r 8000 -c 1 -b 8 -e unsigned-integer u8_odd.wav synth 1001s sine 300
# RF64 (ds64 chunk, 64-bit sizes) as ffmpeg writes it when asked.
$ff -f lavfi -i sine=frequency=500:sample_rate=11025 -t 0.5 \
    -c:a pcm_s16le -rf64 always -fflags +bitexact rf64.wav

# WebP: lossy (VP8), lossless (VP8L), and with alpha (VP8X + ALPH + VP8).
$ff -f lavfi -i testsrc=size=80x60 -frames:v 1 "$tmp/in.png"
$ff -f lavfi -i testsrc=size=80x60 -vf "format=rgba,geq=r='r(X\,Y)':g='g(X\,Y)':b='b(X\,Y)':a='X*3'" \
    -frames:v 1 "$tmp/alpha.png"
cwebp -quiet -q 40 "$tmp/in.png" -o lossy.webp
cwebp -quiet -lossless "$tmp/in.png" -o lossless.webp
cwebp -quiet -q 40 "$tmp/alpha.png" -o alpha.webp

#!/bin/sh
# Re-makes the MPEG transport stream samples used by tests/unit/test_ts.c
# (Debian 12: ffmpeg 5.1 with libx264).
#   h264_aac.ts   -f mpegts: 188-byte packets, PAT, PMT, H.264 and AAC
#                 streams, SDT, PCR on the video PID
#   mpeg2.ts      -f mpegts: MPEG-2 video and MP2 audio
#   avchd.m2ts    -mpegts_m2ts_mode 1: 192-byte packets, each behind a
#                 4-byte arrival time stamp, as AVCHD cameras write them
set -eu
cd "$(dirname "$0")"
ff="ffmpeg -hide_banner -loglevel error -y"
bx="-fflags +bitexact -flags +bitexact"
video="-f lavfi -i testsrc=size=64x48:rate=25"
audio="-f lavfi -i sine=frequency=440:sample_rate=48000"

$ff $video $audio -t 0.4 -c:v libx264 -preset ultrafast -c:a aac -b:a 32k \
    -ac 1 $bx -f mpegts h264_aac.ts
$ff $video $audio -t 0.4 -c:v mpeg2video -q:v 20 -c:a mp2 -b:a 64k -ac 1 \
    $bx -f mpegts mpeg2.ts
$ff $video $audio -t 0.4 -c:v libx264 -preset ultrafast -c:a aac -b:a 32k \
    -ac 1 $bx -f mpegts -mpegts_m2ts_mode 1 avchd.m2ts

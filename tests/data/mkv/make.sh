#!/bin/sh
# Re-makes the Matroska / WebM samples used by tests/unit/test_mkv.c
# (Debian 12: ffmpeg 5.1 with libx264, libvpx, libopus; python3).
#   h264_opus.mkv    seekable output: Segment of known size, SeekHead,
#                    Info, Tracks, Clusters with CRC-32, Cues
#   vp9.webm         the webm muxer: DocType "webm", VP9 and Opus
#   live.mkv         -live 1 written to a pipe: the Segment has the
#                    "unknown size" marker, Clusters have sizes, no Cues
#   live_unknown.mkv live.mkv with every Cluster's size rewritten to the
#                    "unknown size" marker of the same width, as
#                    streaming recorders write them
set -eu
cd "$(dirname "$0")"
ff="ffmpeg -hide_banner -loglevel error -y"
bx="-fflags +bitexact -flags +bitexact"
video="-f lavfi -i testsrc=size=64x48:rate=25"
audio="-f lavfi -i sine=frequency=440:sample_rate=48000"

$ff $video $audio -t 0.5 -c:v libx264 -preset ultrafast -c:a libopus \
    -b:a 24k -ac 1 -cluster_time_limit 200 $bx h264_opus.mkv
$ff $video $audio -t 0.5 -c:v libvpx-vp9 -b:v 40k -c:a libopus -b:a 24k \
    -ac 1 $bx vp9.webm
$ff $video -t 0.5 -c:v libx264 -preset ultrafast $bx -live 1 -cluster_time_limit 120 \
    -f matroska - | cat > live.mkv

python3 - <<'PY'
d = bytearray(open("live.mkv", "rb").read())
i = 0
while True:
    i = d.find(b"\x1f\x43\xb6\x75", i)
    if i < 0:
        break
    s = d[i + 4]
    n = 1
    while not s & (0x80 >> (n - 1)):
        n += 1
    d[i + 4] = (0xff >> n) | (0x80 >> (n - 1))
    for k in range(1, n):
        d[i + 4 + k] = 0xff
    i += 4 + n
open("live_unknown.mkv", "wb").write(d)
PY

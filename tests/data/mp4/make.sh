#!/bin/sh
# Re-makes the ISO-BMFF / QuickTime samples used by tests/unit/test_mp4.c.
# Tools (Debian 12): ffmpeg 5.1 (libx264, libx265, h263, aac encoders),
# heif-enc from libheif-examples 1.15.
#   apt-get install -y ffmpeg libheif-examples
# The inputs are synthetic (lavfi testsrc/sine), and -bitexact plus a fixed
# creation_time keep the output stable for a given tool version.  Each clip
# is one second (two for the fragmented one), tiny, low bitrate.
set -eu
cd "$(dirname "$0")"
ff="ffmpeg -nostdin -hide_banner -loglevel error -y"
vsrc="-f lavfi -i testsrc=size=96x64:rate=25:duration=1"
asrc="-f lavfi -i sine=frequency=440:sample_rate=8000:duration=1"
when="-metadata creation_time=2024-05-01T12:34:56Z"
x264="-c:v libx264 -preset veryfast -crf 30 -pix_fmt yuv420p -g 12 -threads 1 -x264-params bframes=0"
aac="-c:a aac -b:a 16k -ac 1"
bx="-fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1"

# H.264 + AAC, moov after mdat: ffmpeg's default, and the dashcam layout.
# Two seconds of a busier picture so the mdat (~50 KB) can lose a whole
# 32 KiB cluster in the corruption tests.
$ff -f lavfi -i testsrc2=size=176x144:rate=25:duration=2 \
	-f lavfi -i sine=frequency=440:sample_rate=8000:duration=2 \
	$x264 -crf 25 $aac $bx $when dashcam.mp4
# A noisy picture at a high rate: P slices of 3 to 11 KB, so that a
# 512-byte block can sit inside one (the slice-seam test).
$ff -f lavfi -i "testsrc2=size=160x120:rate=10:duration=1,noise=alls=30:allf=t:all_seed=5" \
	-c:v libx264 -preset veryfast -b:v 320k -pix_fmt yuv420p -g 10 -threads 1 \
	$bx -movflags +faststart noisy.mp4
# The same with the moov first.
$ff $vsrc $asrc $x264 $aac $bx $when -movflags +faststart h264_faststart.mp4
# QuickTime.
$ff $vsrc $asrc $x264 $aac $bx $when -f mov h264.mov
# Fragmented MP4: empty moov with mvex, then moof/mdat pairs.
$ff -f lavfi -i testsrc=size=96x64:rate=25:duration=2 \
	-f lavfi -i sine=frequency=440:sample_rate=8000:duration=2 \
	$x264 $aac $bx $when -movflags frag_keyframe+empty_moov fragmented.mp4
# Audio only.
$ff $asrc $aac $bx $when -f ipod audio.m4a
# 3GP: H.263 (sub-QCIF is the smallest size H.263 allows) with AAC.
$ff -f lavfi -i testsrc=size=128x96:rate=10:duration=1 $asrc \
	-c:v h263 -b:v 24k $aac $bx $when -f 3gp clip.3gp
# H.265.
$ff $vsrc $asrc -c:v libx265 -preset veryfast -crf 32 -pix_fmt yuv420p \
	-x265-params log-level=error:keyint=12:bframes=0:pools=1:frame-threads=1 \
	-tag:v hvc1 $aac $bx $when h265.mp4
# HEIF still image: ftyp + meta + mdat, no moov.
$ff -f lavfi -i testsrc=size=64x64:rate=1:duration=1 -frames:v 1 \
	-fflags +bitexact -flags:v +bitexact heif_src.png
heif-enc -q 30 -o image.heic heif_src.png >/dev/null
rm -f heif_src.png
ls -l *.mp4 *.mov *.m4a *.3gp *.heic

#!/bin/sh
# A truncated file ends where its evidence ends, and a scan never writes
# more than it read.  A card is made of recordings each cut off before its
# index (ftyp + mdat, no moov; the mdat size 0 or one running past the
# cut), back to back, each cut part-way by the next: H.264 and H.265, with
# and without AAC audio.  Every clip comes out as exactly its original's
# prefix up to the last whole video sample present (found independently
# from ffprobe's packet positions), and the output stays below the image.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
need_tools ffmpeg ffprobe
tap_workdir truncbound
SEED=${TRUNCBOUND_SEED:-11}

rnd=$SEED
next_rnd() { rnd=$(( (rnd * 1103515245 + 12345) % 2147483648 )); }

# rec OUT CODEC AUDIO SEED: a recording, moov after the media data
rec() {
	if [ "$3" = aac ]; then
		set -- "$1" "$2" "$3" "$4" -f lavfi -i \
			"sine=frequency=$((300 + $4 * 41 % 700)):sample_rate=16000" \
			-c:a aac -b:a 32k
	else
		set -- "$1" "$2" "$3" "$4" -an
	fi
	out=$1 codec=$2 seed=$4
	shift 4
	ffmpeg -nostdin -hide_banner -loglevel error -y \
		-f lavfi -i "testsrc2=size=320x240:rate=25" "$@" -t 3 \
		-vf "hue=h=$((seed * 47 % 360))" -c:v "$codec" -preset ultrafast \
		-g 25 -threads 1 -pix_fmt yuv420p -x265-params log-level=0 \
		-tag:v "$([ "$codec" = libx265 ] && echo hvc1 || echo avc1)" "$out"
}

# box_at FILE TYPE: offset of the first TYPE box header (4 before its name)
box_at() { echo $(( $(grep -obUa "$2" "$1" | head -1 | cut -d: -f1) - 4 )); }

# last_sample FILE CUT: end of the last whole video packet before CUT
last_sample() {
	ffprobe -v error -select_streams v:0 -show_entries packet=pos,size \
		-of csv=p=0 "$1" | awk -F, -v cut="$2" '
		{ e = $2 + $1; if (e <= cut && e > m) m = e } END { print m + 0 }'
}

img=$work/card.img
: > "$img"
off=0 n=0 made=0
for spec in libx264:aac libx264:none libx265:aac libx265:none \
            libx264:aac libx265:aac libx264:none libx265:aac; do
	n=$((n + 1))
	codec=${spec%:*} audio=${spec#*:}
	rec "$work/o$n.mp4" "$codec" "$audio" $((SEED + n)) || continue
	made=$((made + 1))
	mdat=$(box_at "$work/o$n.mp4" mdat)
	moov=$(box_at "$work/o$n.mp4" moov)
	next_rnd
	lo=$((mdat + 8 + (moov - mdat) / 3))
	cut=$((lo + rnd % (moov - 16 - lo)))
	head -c "$cut" "$work/o$n.mp4" > "$work/p$n"
	if [ $((n % 2)) -eq 1 ]; then   # size never filled in
		printf '\000\000\000\000' |
			dd of="$work/p$n" bs=1 seek="$mdat" conv=notrunc 2>/dev/null
	fi
	dd if="$work/p$n" of="$img" bs=512 seek=$((off / 512)) conv=notrunc \
		2>/dev/null
	eval "off_$n=$off want_$n=$(last_sample "$work/o$n.mp4" "$cut")"
	off=$(( (off + cut + 511) / 512 * 512 ))
done
is "$made" 8 "ffmpeg made 8 recordings (H.264, H.265, with and without AAC)"
# the card ends in free space, then seeded noise in which no chain
# resumes (noise right after a cut sample could be its payload: only the
# zeros, which a NAL unit never holds three of, show where it stops)
content "$work/noise" 262144 $SEED
dd if="$work/noise" of="$img" bs=512 seek=$((off / 512 + 128)) \
	conv=notrunc 2>/dev/null
size=$(wc -c < "$img")

D scan "$img" -o "$work/out" -j 2 >/dev/null 2>&1
ok $? "scan of the card"

i=0
while [ $i -lt "$n" ]; do
	i=$((i + 1))
	eval "o=\$off_$i w=\$want_$i"
	f=$work/out/mp4/t$(printf '%07d' $((o / 512))).mp4
	got=$(wc -c < "$f" 2>/dev/null || echo none)
	is "$got" "$w" "clip $i: ends at its last whole video sample"
	head -c "$w" "$work/p$i" | cmp -s - "$f"
	ok $? "clip $i: the original's prefix"
done

entry() { grep -F "\"offset\":$1," "$work/out/report.jsonl" | head -1; }
for i in 1 4 8; do
	eval "o=\$off_$i w=\$want_$i"
	e=$(entry "$o")
	printf '%s\n' "$e" | grep -qF "\"status\":\"truncated\",\"offset\":$o," &&
	printf '%s\n' "$e" | grep -qF "\"size\":$w," &&
	printf '%s\n' "$e" | grep -qF "\"reason\":\"no moov box (recording cut off)\""
	ok $? "clip $i: report says truncated at $o, $w bytes, no moov"
done

# written never exceeds read
bound() {  # bound DIR IMAGE WHAT
	w=$(find "$1" -type f ! -name 'report.*' -exec cat {} + | wc -c)
	r=$(wc -c < "$2")
	[ "$w" -le "$r" ]
	ok $? "$3: $w bytes written for $r read"
}
bound "$work/out" "$img" "dashcam card"
rm -rf "$work/out"

# The same with everything cut at the image's end: the open-ended last
# file runs to the end and no further, nothing is written twice over.
"$MKIMAGE" -o "$work/mixed.img" -z 4M -s "$SEED" \
	"$DATA/mp4/dashcam.mp4@0" "$DATA/jpeg/gray.jpg@1M" \
	"$work/p1@2M" "$work/p2@3M"
D scan "$work/mixed.img" -o "$work/mixed" >/dev/null 2>&1
ok $? "scan of mixed samples"
bound "$work/mixed" "$work/mixed.img" "mixed samples"
rm -rf "$work/mixed"


# An AVI whose data run out at the image's end: its chunks were walked
# whole up to the cut, so the MJPEG frames inside it (each a whole JPEG,
# found with --any-offset) are part of it and do not cut it short; with
# --keep-embedded they are kept too, and the AVI ends with its last whole
# chunk.
AVI=$DATA/riff/mjpeg_pcm.avi
entries() {  # type status offset size, one line per report entry
	sed -n 's/.*"type":"\([a-z0-9]*\)","status":"\([a-z]*\)","offset":\([0-9]*\),.*"size":\([0-9]*\),.*/\1 \2 \3 \4/p' "$1"
}
"$MKIMAGE" -o "$work/avi.img" -z 28192 -s "$SEED" "$AVI@8192+20000"
D scan "$work/avi.img" -o "$work/avi" --any-offset >/dev/null 2>&1
ok $? "scan of an AVI cut by the image's end"
is "$(entries "$work/avi/report.jsonl")" "avi truncated 8192 20000" \
	"AVI cut by the end: one truncated file to the end, frames inside it"
head -c 20000 "$AVI" > "$work/avi.head"
is "$("$XXH128SUM" "$work/avi.head" | cut -d' ' -f1)" \
	"$("$XXH128SUM" "$work/avi/avi/t0000016.avi" | cut -d' ' -f1)" \
	"... and it is the original's first 20000 bytes"
D scan "$work/avi.img" -o "$work/avik" --any-offset --keep-embedded \
	>/dev/null 2>&1
n=$(grep -c '"type":"jpg","status":"complete"' "$work/avik/report.jsonl")
is "$n" 6 "--keep-embedded: the six whole frames in the cut AVI are kept"
s=$(sed -n 's/.*"type":"avi","status":"truncated","offset":8192,"sector":16,"size":\([0-9]*\),.*/\1/p' \
	"$work/avik/report.jsonl")
[ -n "$s" ] && [ "$s" -lt 20000 ] && [ "$s" -gt 18148 ]
ok $? "... and the AVI ends with its last whole chunk ($s bytes)"
bound "$work/avi" "$work/avi.img" "cut AVI"
rm -rf "$work/avi" "$work/avik"

tap_done

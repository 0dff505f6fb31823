#!/bin/sh
# End to end: clips cut off before their index.  A single-channel FAT32
# card (32 KiB clusters) gets four front clips (H.264) and four rear clips
# (H.265) as eight recordings, every third cut off before its moov (its
# mdat's size 0, as a recorder that lost power leaves it), all deleted
# (tests/tools/mkdashcam.c).
#
# scan --unallocated reports each cut clip truncated, reason "no moov
# box (recording cut off)", its bytes those on the card up to the last
# whole video sample, and up to its last AAC frame, the clip byte-exact,
# when its last cluster holds only zeros after it (as on this card);
# `dredge repair` makes it, and the raw bytes as
# written, playable with a whole clip of the same camera as the
# reference: ffmpeg decodes it without an error, at least 95% of the
# original's frames.  A scan by sectors brings both back byte-exact as
# well.  Bad input gets a clear message.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
. "$srcdir/tests/e2e/dash_lib.sh"
. "$srcdir/tests/e2e/dash_card.sh"
need_tools mkfs.vfat ffmpeg ffprobe
tap_workdir dash_repair
clips=$work/clips

dash_clips "$clips" 4 7
ok $? "ffmpeg made 4 front (H.264) and 4 rear (H.265) clips"
list=
for i in 000 001 002 003; do
	list="$list $clips/front_$i.mp4 $clips/rear_$i.mp4"
done
# src REC: the clip recording REC played
src() { echo $list | tr ' ' '\n' | sed -n "$1p"; }
img=$work/card.img t=$work/truth
# shellcheck disable=SC2086
dash_card "$img" 16384 512 64 3 "$t" -cut 3 -keep 1 single $list
ok $? "mkdashcam played 8 recordings, cut off 2, deleted them all"
is "$(dash_truth "$t" '$5 == 1' | tr '\n' ' ')" "F0003.MP4 F0006.MP4 " \
	"recordings 3 and 6 were cut off"
ds=$(D fs info "$img" | sed -n 's/^  data start (source): *//p')
dash_cut_tails "$img" "$t" 32768 "$ds" '$7 == 1' >"$work/tails"
is "$(tr '\n' ' ' <"$work/tails")" "F0003.MP4 zeros F0006.MP4 zeros " \
	"both end in a cluster that holds only zeros after them"

frames() {
	ffprobe -v error -count_frames -select_streams v:0 \
		-show_entries stream=nb_read_frames -of csv=p=0 "$1"
}
# playable NAME FILE ORIG: decodes without an error, >= 95% of ORIG's frames
playable() {
	ffmpeg -nostdin -v error -i "$2" -f null - >"$work/dec" 2>&1
	is "$?:$(head -3 "$work/dec")" "0:" "$1: ffmpeg decodes it without an error"
	_a=$(frames "$2") _b=$(frames "$3")
	case $_a in ''|*[!0-9]*) _a=0 ;; esac
	echo "# $1: $_a of the original's $_b frames"
	check "$1: at least 95% of the original's frames ($_a of $_b)" \
		test $((_a * 100)) -ge $((_b * 95))
}

D scan "$img" -o "$work/out" --unallocated -q 2>"$work/err"
ok $? "scan --unallocated exits 0"
b=$(out_bytes "$work/out") s=$(wc -c <"$img")
check "--unallocated wrote $b bytes, no more than the card's $s" \
	test "$b" -le "$s"
for n in F0003 F0006; do
	rec=${n#F000}
	orig=$(src "$rec")
	case $orig in *front*) ref=$clips/front_000.mp4 ;;
	*) ref=$clips/rear_000.mp4 ;; esac
	first=$(grep "^$n.MP4 " "$t/manifest" | awk '{ print $9 }' | sed 's/+.*//')
	f=mp4/$(printf 't%07d' "$first").mp4
	check "$n: the scan wrote $f" test -s "$work/out/$f"
	is "$(report_field "$work/out" "$f" status)" truncated "$n: status truncated"
	is "$(report_field "$work/out" "$f" reason)" "no moov box (recording cut off)" \
		"$n: reason: no index"
	s=$(wc -c <"$work/out/$f") w=$(wc -c <"$t/truth/$n.MP4")
	cmp -s -n "$s" "$work/out/$f" "$t/truth/$n.MP4"
	ok $? "$n: its $s bytes are the card's (of the $w written)"
	is "$s" "$w" "$n: all of them, its last audio chunk too"
	echo "# $n: $s of the $w bytes written recovered exactly"

	D repair "$work/out/$f" --reference "$ref" -o "$work/$n.rep.mp4" \
		>"$work/msg" 2>"$work/err"
	ok $? "$n: dredge repair of the recovered clip exits 0"
	playable "$n (recovered, repaired)" "$work/$n.rep.mp4" "$orig"
	D repair "$t/truth/$n.MP4" --reference "$ref" -o "$work/$n.raw.mp4" -q
	ok $? "$n: dredge repair of the raw bytes written exits 0"
	playable "$n (raw, repaired)" "$work/$n.raw.mp4" "$orig"
done
case $(cat "$work/msg") in
*" H.265 frames ("*" key frames, "*" bytes) indexed, "*" bytes of other media data kept unindexed -> $work/F0006.rep.mp4")
	ok 0 "repair says what it indexed" ;;
*) ok 1 "repair says what it indexed: $(cat "$work/msg")" ;;
esac

# ---- by sectors, no file system gone by: the same two clips followed
# by their content alone (the AAC frames between the NAL units tell the
# chain where it resumes), byte-exact too
D scan "$img" -o "$work/sec" -q 2>"$work/err"
ok $? "sectors: scan exits 0"
set -- $(dash_cut_check "$work/sec" "$t" "$work/tails")
echo "# sectors: cut-off clips byte-exact $1/$2"
is "$1 of $2, $5" "2 of 2, 0" \
	"sectors: both cut-off clips byte-exact, no file with a clip's start holding bytes not its own"
b=$(out_bytes "$work/sec") s=$(wc -c <"$img")
check "sectors: wrote $b bytes, no more than the card's $s" test "$b" -le "$s"
rm -rf "$work/sec"

# ---- bad input
D repair "$t/manifest" --reference "$clips/front_000.mp4" -o "$work/x.mp4" 2>"$work/err"
is "$?:$(cat "$work/err")" "1:dredge: cannot repair '$t/manifest': the clip does not start with an ftyp box" \
	"a clip that is no MP4: refused"
D repair "$t/truth/F0003.MP4" --reference "$t/manifest" -o "$work/x.mp4" 2>"$work/err"
is "$?:$(cat "$work/err")" "1:dredge: cannot use '$t/manifest' as the reference: the reference has no movie box" \
	"a reference that is no MP4: refused"
D repair "$t/truth/F0003.MP4" --reference "$t/truth/F0006.MP4" -o "$work/x.mp4" 2>"$work/err"
is "$?:$(cat "$work/err")" "1:dredge: cannot use '$t/truth/F0006.MP4' as the reference: the reference has no movie box" \
	"a reference cut off itself: refused"
D repair "$t/truth/F0003.MP4" --reference "$clips/front_000.mp4" -o "$work/F0003.raw.mp4" 2>"$work/err"
is "$?:$(cat "$work/err")" "1:dredge: cannot create '$work/F0003.raw.mp4': File exists" \
	"an output that exists: refused, left alone"
check "... and no file is left for a refused repair" test ! -e "$work/x.mp4"
D repair "$t/truth/F0003.MP4" -o "$work/y.mp4" 2>/dev/null
is "$?" 2 "no --reference: usage error"
tap_done

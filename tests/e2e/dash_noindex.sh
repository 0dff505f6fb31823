#!/bin/sh
# End to end: front+rear clips cut off before their index, with nothing
# to place their clusters by but their own structure.  Twelve recordings,
# each a front clip (H.264 + AAC) and a rear clip (H.265 + AAC) written at
# once, taking the free clusters in turn in chunks of 1..16 clusters;
# every third recording is cut off before its moov (the mdat's size 0),
# loop recording deletes the oldest, and a third of what is left is
# deleted at the end (half on the 128 KiB card; tests/tools/mkdashcam.c,
# its manifest is the truth).  FAT32 with 32 KiB and 128 KiB clusters.
#
# Each cut-off clip is followed as a chain of length-prefixed NAL units
# (and the audio chunks between them) across cluster ends, together with
# its partner (src/reassemble/mp4_chain.c).  Its raw bytes must be those
# written, up to the last whole video sample: at most one audio chunk
# (4 KiB) short of what the recorder wrote, or all of it; this must hold
# for 95% of the cut-off clips that survive, with --unallocated (the
# deleted ones), --fs and, with the FAT wiped, by sectors (the cluster
# grid found by the chain).  The audio chunk after the last video sample
# is vouched for by its AAC frames (src/formats/mp4.c, mp4_aac_tail):
# every clip whose last cluster holds only zeros after it must come back
# byte-exact, one followed by older data of the card's at its last video
# sample, truncated for want of its index, and no file holding a cut-off
# clip's start may hold bytes that are not the clip's.  No deleted cut-off clip is called complete, no file
# called complete is wrong, and no scan writes more than the card holds.
# The fractions byte-exact are printed.  With --repair (on the
# --unallocated scans) each of them is also written playable: ffmpeg
# decodes it without an error, at least 95% of the original's frames.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
. "$srcdir/tests/e2e/dash_card.sh"
need_tools mkfs.vfat ffmpeg ffprobe md5sum cmp
tap_workdir dash_noindex
clips=$work/clips

dash_clips "$clips" 12 7
ok $? "ffmpeg made 12 front (H.264) and 12 rear (H.265) clips"
pairs=$(dash_pairs "$clips" 12)

# cut_score OUTDIR TRUTHDIR FILTER: "EXACT NEAR TOTAL" over the clips
# FILTER selects: exact, some recovered file is the clip; near, some is a
# prefix of it at most 4 KiB short (or exact)
cut_score() {
	_e=0 _n=0 _t=0
	for _c in $(dash_truth "$2" "$3"); do
		_t=$((_t + 1))
		_w=$(wc -c <"$2/truth/$_c")
		_best=0
		for _f in $(find "$1" -name '*.mp4' ! -name '*.repaired.mp4'); do
			_s=$(wc -c <"$_f")
			[ "$_s" -le "$_w" ] && [ "$_s" -gt "$_best" ] &&
				cmp -s -n "$_s" "$_f" "$2/truth/$_c" && _best=$_s
		done
		[ "$_best" -eq "$_w" ] && _e=$((_e + 1))
		[ "$_best" -gt 0 ] && [ $((_w - _best)) -le 4096 ] &&
			_n=$((_n + 1))
	done
	echo "$_e $_n $_t"
}
# complete_cut OUTDIR TRUTHDIR: files the report calls complete that hold
# a deleted cut-off clip's start (its first 4 KiB; a live one is whole by
# its cluster chain)
complete_cut() {
	for _c in $(dash_truth "$2" '$5 == 1 && $6 == "deleted"'); do
		head -c 4096 "$2/truth/$_c" | md5sum | sed 's/ .*//'
	done | sort -u >"$1.cut"
	sed -n 's/.*"filename":"\([^"]*\)".*"status":"complete".*/\1/p' \
		"$1/report.jsonl" |
	while read -r _f; do
		head -c 4096 "$1/$_f" | md5sum | sed 's/ .*//'
	done | grep -cxF -f "$1.cut"
	rm -f "$1.cut"
	return 0
}

frames() {
	ffprobe -v error -count_frames -select_streams v:0 \
		-show_entries stream=nb_read_frames -of csv=p=0 "$1"
}
# repaired GEO OUTDIR TRUTHDIR: scan --repair wrote, for each deleted
# cut-off clip recovered, NAME.repaired.mp4 listed in report.repair.jsonl;
# ffmpeg decodes it without an error, >= 95% of the original's frames
# (the clip ffmpeg made whose media data the cut-off one holds)
repaired() {
	_n=0
	for _c in $(dash_truth "$3" '$5 == 1 && $7 == 1 && $6 == "deleted"'); do
		_o=
		for _s in "$clips"/*.mp4; do
			cmp -s -i 64 -n 8192 "$3/truth/$_c" "$_s" && _o=$_s && break
		done
		_h=$(head -c 4096 "$3/truth/$_c" | md5sum | sed 's/ .*//')
		_raw=
		for _f in $(find "$2" -name 't*.mp4' ! -name '*.repaired.mp4'); do
			[ "$(head -c 4096 "$_f" | md5sum | sed 's/ .*//')" = "$_h" ] &&
				_raw=${_f#"$2"/} && break
		done
		_r=${_raw%.mp4}.repaired.mp4
		grep -qF "{\"filename\":\"$_r\",\"repaired\":\"$_raw\"," \
			"$2/report.repair.jsonl"
		ok $? "$1 --repair: $_c: $_r is listed in report.repair.jsonl"
		ffmpeg -nostdin -v error -i "$2/$_r" -f null - >"$work/dec" 2>&1
		is "$?:$(head -3 "$work/dec")" "0:" \
			"$1 --repair: $_c: ffmpeg decodes $_r without an error"
		_a=$(frames "$2/$_r") _b=$(frames "$_o")
		case $_a in ''|*[!0-9]*) _a=0 ;; esac
		case $_b in ''|*[!0-9]*) _b=1000000 ;; esac
		echo "# $1 --repair: $_c: $_a of the original's $_b frames"
		check "$1 --repair: $_c: at least 95% of the original's frames ($_a of $_b)" \
			test $((_a * 100)) -ge $((_b * 95))
		_n=$((_n + 1))
	done
	is "$(grep -c . "$2/report.repair.jsonl")" "$_n" \
		"$1 --repair: one entry per clip cut off"
}

for geo in "32K 512 64 12288 3" "128K 4096 32 16384 2"; do
	set -- $geo
	g=$1 img=$work/card$1.img t=$work/truth$1
	# shellcheck disable=SC2086
	dash_card "$img" "$4" "$2" "$3" 11 "$t" -cut 3 -event 5 -keep "$5" \
		pair $pairs
	ok $? "$g: mkdashcam played 12 recordings over a $4 KiB FAT32 card"
	s=$(wc -c <"$img")
	dead='$5 == 1 && $7 == 1 && $6 == "deleted"'
	n=$(dash_truth "$t" "$dead" | wc -l)
	check "$g: cut-off clips deleted and surviving whole ($n)" \
		test "$n" -ge 2
	ds=$(D fs info "$img" | sed -n 's/^  data start (source): *//p')
	dash_cut_tails "$img" "$t" $(($2 * $3)) "$ds" '$7 == 1' >"$t.tails"
	dash_truth "$t" "$dead" | grep -F -f - "$t.tails" >"$t.dead"
	# --fs: the deleted ones by their chain, the live ones by their
	# directory entries (whole whatever follows them)
	{ cat "$t.dead"; dash_truth "$t" '$6 == "live"' |
		grep -F -f - "$t.tails" | grep ' zeros$'; } >"$t.fs"
	check "$g: surviving cut-off clips whose last cluster ends in zeros ($(grep -c zeros "$t.tails"))" \
		test "$(grep -c zeros "$t.tails")" -ge 2
	for mode in --unallocated --fs sectors; do
		if [ "$mode" = sectors ]; then
			ds=$(D fs info "$img" |
			     sed -n 's/^  data start (source): *//p')
			dd if=/dev/zero of="$img" bs=512 count=$((ds / 512)) \
				conv=notrunc 2>/dev/null
			D scan "$img" -o "$work/o" -q 2>"$work/err"
			rc=$?
			sel='$5 == 1 && $7 == 1'
			tails=$t.tails
		elif [ "$mode" = --unallocated ]; then
			D scan "$img" -o "$work/o" $mode --repair -q 2>"$work/err"
			rc=$?
			sel=$dead
		else
			D scan "$img" -o "$work/o" $mode -q 2>"$work/err"
			rc=$?
			sel=$dead
			if [ "$mode" = --fs ]; then sel='$5 == 1 && $7 == 1'; fi
		fi
		[ "$mode" = --unallocated ] && tails=$t.dead
		[ "$mode" = --fs ] && tails=$t.fs
		ok $rc "$g $mode: scan exits 0" || sed 's/^/# /' "$work/err"
		set -- $(cut_score "$work/o" "$t" "$sel")
		echo "# $g $mode: cut-off clips byte-exact $1/$3 ($(pct "$1" "$3")%), up to the last video sample $2/$3 ($(pct "$2" "$3")%)"
		check "$g $mode: >= 95% of the cut-off clips recovered to their last video sample ($2 of $3)" \
			test $(($2 * 100)) -ge $(($3 * 95))
		set -- $(dash_cut_check "$work/o" "$t" "$tails")
		echo "# $g $mode: cut-off clips ending in zeros byte-exact $1/$2, followed by older data at their last video sample $3/$4"
		is "$1" "$2" "$g $mode: every cut-off clip whose cluster ends in zeros is byte-exact"
		is "$3" "$4" "$g $mode: every one followed by older data ends at its last video sample, truncated (no moov box)"
		is "$5" 0 "$g $mode: no file holding a cut-off clip's start holds bytes not its own"
		is "$(complete_cut "$work/o" "$t")" 0 \
			"$g $mode: no cut-off clip is called complete"
		is "$(dash_wrong "$work/o" "$t")" 0 \
			"$g $mode: nothing called complete that is not a clip written"
		b=$(find "$work/o" -type f ! -name 'report.*' \
		    ! -name '*.repaired.mp4' -printf '%s\n' |
		    awk '{ s += $1 } END { print s + 0 }')
		check "$g $mode: wrote $b bytes, no more than the card's $s" \
			test "$b" -le "$s"
		[ "$mode" = --unallocated ] && repaired "$g" "$work/o" "$t"
		rm -rf "$work/o"
	done
done
# --reference goes with --repair; a reference that is no clip is refused
# for each cut-off clip, which stays written raw
D scan "$work/card32K.img" -o "$work/bad" --reference "$clips/front_000.mp4" \
	-q 2>"$work/err"
is "$?:$(cat "$work/err")" "2:dredge: --reference goes with --repair" \
	"--reference without --repair: usage error"
head -c 4096 /dev/zero >"$work/zero.mp4"
D scan "$work/card32K.img" -o "$work/bad" --unallocated --repair \
	--reference "$work/zero.mp4" -q 2>"$work/err"
ok $? "--repair with a reference that is no clip: the scan exits 0"
is "$(grep -c . "$work/bad/report.repair.jsonl")" 0 \
	"... and repairs nothing"
check "... saying why for each clip" grep -q "^dredge: --repair: mp4/t" \
	"$work/err"
rm -rf "$work/bad"
tap_done

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
# grid found by the chain).  No deleted cut-off clip is called complete, no file
# called complete is wrong, and no scan writes more than the card holds.
# The fractions byte-exact are printed.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
. "$srcdir/tests/e2e/dash_card.sh"
need_tools mkfs.vfat ffmpeg md5sum cmp
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
		for _f in $(find "$1" -name '*.mp4'); do
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
	for mode in --unallocated --fs sectors; do
		if [ "$mode" = sectors ]; then
			ds=$(D fs info "$img" |
			     sed -n 's/^  data start (source): *//p')
			dd if=/dev/zero of="$img" bs=512 count=$((ds / 512)) \
				conv=notrunc 2>/dev/null
			D scan "$img" -o "$work/o" -q 2>"$work/err"
			rc=$?
			sel='$5 == 1 && $7 == 1'
		else
			D scan "$img" -o "$work/o" $mode -q 2>"$work/err"
			rc=$?
			sel=$dead
			if [ "$mode" = --fs ]; then sel='$5 == 1 && $7 == 1'; fi
		fi
		ok $rc "$g $mode: scan exits 0"
		set -- $(cut_score "$work/o" "$t" "$sel")
		echo "# $g $mode: cut-off clips byte-exact $1/$3 ($(pct "$1" "$3")%), up to the last video sample $2/$3 ($(pct "$2" "$3")%)"
		check "$g $mode: >= 95% of the cut-off clips recovered to their last video sample ($2 of $3)" \
			test $(($2 * 100)) -ge $(($3 * 95))
		is "$(complete_cut "$work/o" "$t")" 0 \
			"$g $mode: no cut-off clip is called complete"
		is "$(dash_wrong "$work/o" "$t")" 0 \
			"$g $mode: nothing called complete that is not a clip written"
		b=$(out_bytes "$work/o")
		check "$g $mode: wrote $b bytes, no more than the card's $s" \
			test "$b" -le "$s"
		rm -rf "$work/o"
	done
done
tap_done

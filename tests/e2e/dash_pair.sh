#!/bin/sh
# End to end: a front+rear dashcam card.  Twenty recordings, each a front
# clip (H.264 1280x720 + AAC) and a rear clip (H.265 640x360 + AAC)
# written at once, the two files taking the free clusters in turn in
# chunks of 1..16 clusters (in proportion to their bit rates); loop
# recording deletes the oldest when the card is full, every fifth
# recording is an event clip kept, every sixth is cut off before its
# moov, and at the end the user deletes a third of what is left
# (tests/tools/mkdashcam.c; its manifest is the truth).  FAT32 with 32 KiB
# and with 128 KiB clusters, and with 4 KiB; then the clips as
# single recordings on a card with 8 KiB clusters, fragmented round
# other clips.  Then the pairs on an exFAT card (32 KiB clusters), and
# clips that wrap round the card's end (16 KiB clusters, FAT32 and exFAT).
#
# scan --unallocated must bring back at least 95% of the deleted clips
# that survive whole, byte-exact (each clip's clusters are shared out
# with its partner's by their sample tables), and --fs the same plus the
# live ones; with the FAT wiped, a scan by sectors must find 95% of all
# the clips that survive by content alone (cluster grids of 128 KiB down
# to 4 KiB tried); no scan may call a file complete that is not a clip
# written, nor write more bytes than the card holds.  The fractions
# reached are printed.  The deleted clips cut off before their index
# (32 and 128 KiB; by sectors with the FAT wiped, the live ones too)
# must come back byte-exact when their last cluster holds only zeros
# after them (the audio after the last video sample is vouched for by
# its AAC frames), and at their last video sample, truncated, when it
# holds older data.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
. "$srcdir/tests/e2e/dash_card.sh"
need_tools mkfs.vfat ffmpeg md5sum
tap_workdir dash_pair
clips=$work/clips

dash_clips "$clips" 20 5
ok $? "ffmpeg made 20 front (H.264) and 20 rear (H.265) clips"
pairs=$(dash_pairs "$clips" 20)

deleted='$6 == "deleted" && $7 == 1 && $5 == 0'
live='$6 == "live" && $5 == 0'
cut_tails=

# scan_mode TAG IMG TRUTHDIR FILTER WHAT ASSERT [SCAN-OPTIONS...]: scans
# IMG (a sector scan without options) and checks that it exits 0, calls
# nothing complete that is not a clip written and writes no more bytes
# than the card holds; the fraction of the clips FILTER selects (WHAT)
# brought back byte-exact is printed, and with ASSERT 1 must be >= 95%.
scan_mode() {
	_tag=$1 _img=$2 _t=$3 _sel=$4 _what=$5 _assert=$6
	shift 6
	rm -rf "$work/out"
	D scan "$_img" -o "$work/out" "$@" -q 2>"$work/err"
	ok $? "$_tag: scan exits 0" || sed 's/^/# /' "$work/err"
	set -- $(dash_score "$work/out" "$_t" "$_sel")
	echo "# $_tag: $_what byte-exact $1/$4 ($(pct "$1" "$4")%), prefix $2, missed $3"
	if [ "$_assert" = 1 ]; then
		check "$_tag: >= 95% of the $_what exact ($1 of $4)" \
			test $(($1 * 100)) -ge $(($4 * 95))
	fi
	is "$(dash_wrong "$work/out" "$_t")" 0 \
		"$_tag: calls nothing complete that is not a clip written"
	if [ -n "$cut_tails" ]; then
		set -- $(dash_cut_check "$work/out" "$_t" "$cut_tails")
		echo "# $_tag: cut-off clips ending in zeros byte-exact $1/$2, followed by older data at their last video sample $3/$4"
		is "$1" "$2" "$_tag: every cut-off clip whose cluster ends in zeros is byte-exact"
		is "$3" "$4" "$_tag: every one followed by older data ends at its last video sample, truncated (no moov box)"
		is "$5" 0 "$_tag: no file holding a cut-off clip's start holds bytes not its own"
	fi
	_b=$(out_bytes "$work/out") _s=$(wc -c <"$_img")
	check "$_tag: wrote $_b bytes, no more than the card's $_s" \
		test "$_b" -le "$_s"
	rm -rf "$work/out"
}

for geo in "32K 512 64 12288" "128K 4096 32 16384"; do
	set -- $geo
	cs=$1 img=$work/card$1.img t=$work/truth$1
	# shellcheck disable=SC2086
	dash_card "$img" "$4" "$2" "$3" 11 "$t" -cut 6 -event 5 -keep 3 \
		pair $pairs
	ok $? "$cs: mkdashcam played 20 recordings over a $4 KiB FAT32 card"
	n=$(dash_truth "$t" '$6 == "deleted" && $7 == 0' | wc -l)
	check "$cs: loop recording overwrote deleted clips ($n)" test "$n" -ge 4
	n=$(dash_truth "$t" "$deleted" | wc -l)
	check "$cs: deleted clips survive whole ($n)" test "$n" -ge 6

	# the deleted clips cut off before their index, and what their
	# last cluster holds after them
	ds=$(D fs info "$img" | sed -n 's/^  data start (source): *//p')
	cut_tails=$t.tails
	dash_cut_tails "$img" "$t" $(($2 * $3)) "$ds" \
		'$6 == "deleted" && $7 == 1' >"$cut_tails"
	check "$cs: deleted cut-off clips survive ($(grep -c . "$cut_tails"))" \
		test "$(grep -c . "$cut_tails")" -ge 2
	scan_mode "$cs --unallocated" "$img" "$t" "$deleted" \
		"deleted surviving clips" 1 --unallocated
	scan_mode "$cs --fs" "$img" "$t" "$deleted || ($live)" \
		"live and deleted surviving clips" 1 --fs
	# With no file system every cut-off clip that survives is followed
	# by content alone, live ones too: each must come back as above,
	# its partner's clusters and older data left out.
	dash_cut_tails "$img" "$t" $(($2 * $3)) "$ds" '$7 == 1' >"$cut_tails"
	check "$cs: cut-off clips survive ($(grep -c . "$cut_tails"))" \
		test "$(grep -c . "$cut_tails")" -ge 3
	# The FAT gone: boot sector, FSInfo and FATs zeroed, a scan by
	# sectors with no file system to go by.
	dd if=/dev/zero of="$img" bs=512 count=$((ds / 512)) conv=notrunc \
		2>/dev/null
	ok $? "$cs: FAT wiped (first $ds bytes zeroed)"
	scan_mode "$cs sectors, FAT wiped" "$img" "$t" '$7 == 1 && $5 == 0' \
		"surviving clips" 1
	cut_tails=
done

# ---- 4 KiB clusters: chunks of 1..16 clusters are 4..64 KiB, and a
# front sample spans clusters with nothing to check in them (no unit
# boundary), which either clip could have taken: the front clip's H.264
# samples are decoded over them to tell (mp4_index.c), and the rear clip
# gets what is left.  The same 95% as above; a build without libavcodec
# (dredge version says so) cannot tell, and the fractions are printed.
img=$work/card4K.img t=$work/truth4K
decodes=0
"$DREDGE" version | grep -q '^h264 slices: decoded' && decodes=1
# shellcheck disable=SC2086
dash_card "$img" 12288 512 8 11 "$t" -cut 6 -event 5 -keep 3 pair $pairs
ok $? "4K: mkdashcam played 20 recordings over a 12288 KiB FAT32 card"
for mode in --unallocated --fs ""; do
	# shellcheck disable=SC2086
	scan_mode "4K ${mode:-sectors}" "$img" "$t" "$deleted" \
		"deleted surviving clips" "$decodes" $mode
done
# Decoders are kept from one sample to the next and verdicts remembered
# (h264_decode_av.c): which thread decoded what first must not show.
for j in 1 4; do
	rm -rf "$work/j$j"
	D scan "$img" -o "$work/j$j" -q -j $j --hash none
done
cmp -s "$work/j1/report.jsonl" "$work/j4/report.jsonl"
ok $? "4K sectors: the same report with 1 and with 4 threads"
rm -rf "$work/j1" "$work/j4"
# While a clip is being placed, the scan runs on past it (pipeline.h,
# PIPELINE_AHEAD), but past a shard's end only as far as before: the
# batches of the chunks in flight, 16 with 2 threads and 4 reads in
# flight, beyond where its writer hands over (one chunk more for the
# chunk that holds that point).
rm -rf "$work/sh"
D scan "$img" -o "$work/sh" -q --fs --shard 1/4 --chunk-size 64K -j 2 \
	--queue-depth 4
ok $? "4K --fs, shard 1/4 of 4: the scan completes"
past=$(awk '$1 == "handover" { h = $2 } $1 == "read_end" { e = $2 }
	END { print e - h }' "$work/sh/.dredge-shard")
check "4K --fs, shard 1/4: read $past bytes past its hand-over, at most 17 chunks" \
	test "$past" -le $((17 * 65536))
rm -rf "$work/sh"

# ---- exFAT, as SDXC cards come formatted: the same recorder over a
# 12 MiB volume with 32 KiB clusters (mkfs.exfat; fsck.exfat finds it
# clean; the user deletes half of what is left), the same targets in the
# three modes.
if command -v mkfs.exfat >/dev/null 2>&1; then
	img=$work/exfat.img t=$work/truthx
	# shellcheck disable=SC2086
	dash_card_exfat "$img" 12288 32K 12 "$t" -cut 6 -event 5 -keep 2 \
		pair $pairs
	ok $? "exFAT: mkdashcam played 20 recordings over a 12288 KiB exFAT card"
	if command -v fsck.exfat >/dev/null 2>&1; then
		fsck.exfat -n "$img" >/dev/null 2>&1
		ok $? "exFAT: fsck.exfat finds the card clean"
	fi
	n=$(dash_truth "$t" "$deleted" | wc -l)
	check "exFAT: deleted clips survive whole ($n)" test "$n" -ge 4
	scan_mode "exFAT --unallocated" "$img" "$t" "$deleted" \
		"deleted surviving clips" 1 --unallocated
	scan_mode "exFAT --fs" "$img" "$t" "$deleted || ($live)" \
		"live and deleted surviving clips" 1 --fs
	scan_mode "exFAT sectors" "$img" "$t" '$7 == 1 && $5 == 0' \
		"surviving clips" 1
else
	ok 0 "exFAT # SKIP mkfs.exfat is not installed"
fi

# ---- round the card's end: the driver's next-free pointer wraps round
# to the first free cluster, so the recording under way when it does has
# its last clusters near the card's start, among the free clusters before
# its first one; on cards of 16 KiB clusters with few free clusters left
# the ones a search keeps back for a partner's start are those (on the
# card of seed 10, even the 32 free clusters nearest before the rear
# clip's start reach them).  Every deleted clip (and its partner) whose
# clusters wrap must come back exact, with --unallocated and with --fs.
for card in "fat32 7" "fat32 10" "exfat 5"; do
	set -- $card
	tag="$1, seed $2"
	img=$work/wrap-$1-$2.img t=$work/truthw-$1-$2
	if [ "$1" = exfat ]; then
		command -v mkfs.exfat >/dev/null 2>&1 || {
			ok 0 "wrap $tag # SKIP mkfs.exfat is not installed"
			continue
		}
		# shellcheck disable=SC2086
		dash_card_exfat "$img" 12288 16K "$2" "$t" -cut 6 -event 5 \
			-keep 3 pair $pairs
	else
		# shellcheck disable=SC2086
		dash_card "$img" 12288 512 32 "$2" "$t" -cut 6 -event 5 \
			-keep 3 pair $pairs
	fi
	ok $? "wrap $tag: mkdashcam played 20 recordings over a 12288 KiB card of 16 KiB clusters"
	wrapped=$(dash_wrapping "$t" "$deleted")
	n=$(dash_truth "$t" "$wrapped" | wc -l)
	check "wrap $tag: deleted clips surviving whole wrap round the card's end ($n)" \
		test "$n" -ge 2
	for mode in --unallocated --fs; do
		rm -rf "$work/out"
		D scan "$img" -o "$work/out" -t mp4 -q --hash none $mode \
			2>"$work/err"
		ok $? "wrap $tag $mode: scan exits 0" || sed 's/^/# /' "$work/err"
		set -- $(dash_score "$work/out" "$t" "$wrapped")
		is "$1/$4" "$4/$4" \
			"wrap $tag $mode: every clip that wraps round the card's end exact"
		is "$(dash_wrong "$work/out" "$t")" 0 \
			"wrap $tag $mode: calls nothing complete that is not a clip written"
	done
	rm -rf "$work/out"
done

# ---- one channel: the same 40 clips as single recordings on an 8 MiB
# card with 8 KiB clusters, front and rear sizes mixed, so that loop
# recording writes clips into the holes of smaller ones: fragments apart
# by the clusters of other clips, deleted since, and round the card's end.
img=$work/single.img t=$work/truths
# shellcheck disable=SC2086
dash_card "$img" 8192 512 16 11 "$t" -cut 7 -event 3 -keep 2 single $pairs
ok $? "single channel: mkdashcam played 40 recordings over an 8 MiB card"
frag='$6 == "deleted" && $7 == 1 && $5 == 0 && $9 ~ /,/'
n=$(dash_truth "$t" "$frag" | wc -l)
check "single channel: deleted clips surviving whole are fragmented ($n)" \
	test "$n" -ge 1
D scan "$img" -o "$work/single" --unallocated -q 2>"$work/err"
ok $? "single channel: scan --unallocated exits 0"
set -- $(dash_score "$work/single" "$t" "$deleted")
echo "# single channel --unallocated: deleted surviving clips byte-exact $1/$4 ($(pct "$1" "$4")%), prefix $2, missed $3"
check "single channel: >= 95% of the deleted surviving clips exact ($1 of $4)" \
	test $(($1 * 100)) -ge $(($4 * 95))
set -- $(dash_score "$work/single" "$t" "$frag")
check "single channel: every fragmented one among them ($1 of $4)" \
	test "$1" -eq "$4"
tap_done

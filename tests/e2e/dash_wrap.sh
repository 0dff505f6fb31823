#!/bin/sh
# End to end: a front+rear recording written round the end of a card
# with 4 KiB clusters, scanned by sectors.  150 recordings (the second
# card of bench/dashcam.sh pair: seed 9, a card holding about 40% of
# them).  Recording 60's front clip runs to the card's last cluster and
# goes on at the first free one after the directories; it is placed
# together with its rear clip and with recording 147's pair, which lies
# just before it and whose movie boxes were written after the wrap too,
# four clips sharing 395 clusters.  Inside a unit of one clip, and in
# the other clips' clusters taken blind, nothing tells which clip a
# cluster is; the sharing's search comes back to the same states of the
# four clips many times over, and only remembering the states that led
# nowhere (mp4_index.c) lets it finish within its checks.
#
# Checked: the scan exits 0, calls nothing complete that is not a clip
# written, writes no more than the card holds, and brings back recording
# 60's front clip byte-exact; recording 115's rear clip, which its
# placing could share out only up to a guess, comes back as that much of
# it, with the reason, and --repair makes it playable; the fraction of
# all the clips that survive brought back exact is printed.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
. "$srcdir/tests/e2e/dash_card.sh"
need_tools mkfs.vfat ffmpeg md5sum
tap_workdir dash_wrap

img=$work/card.img t=$work/truth
dash_loop_card "$work" 150 9 46550
ok $? "ffmpeg and mkdashcam played 150 recordings over a 46550 KiB FAT32 card"
# the front clip's runs: up to the card's last cluster, then from the
# first clusters after the directories
is "$(awk '$1 == "F0060.MP4" { n = split($9, r, ","); print $7, r[n - 6], r[n - 5] }' \
	"$t/manifest")" "1 11610+2 10+7" \
	"recording 60's front clip survives, written round the card's end"

dash_sectors_check "$img" "$t" "$work/out"
if "$DREDGE" version | grep -q '^h264 slices: decoded'; then
	is "$(dash_score "$work/out" "$t" '$1 == "F0060.MP4"')" "1 0 0 1" \
		"sectors: recording 60's front clip, shared with three others round the card's end, exact"
else
	ok 0 "recording 60's front clip # SKIP this build decodes no H.264 (dredge version)"
fi
# Recording 115's rear clip (H.265, not decoded) is placed with its front
# clip; clusters wholly inside its units that the front clip might own
# are a guess, and it comes back as far as the first: a proper prefix,
# longer than its first run (the contiguous carve there runs on into
# the front clip's cluster), with the reason saying why it ends there.
if "$DREDGE" version | grep -q '^h264 slices: decoded'; then
	clip=$t/truth/R0115.MP4
	h=$(head -c 4096 "$clip" | md5sum)
	f=$(find "$work/out" -name '*.mp4' | while read -r x; do
		[ "$(head -c 4096 "$x" | md5sum)" = "$h" ] && echo "$x"; done | head -1)
	run=$(awk '$1 == "R0115.MP4" { split($9, r, ","); split(r[1], a, "+");
		print a[2] * 4096 }' "$t/manifest")
	sz=$(wc -c <"${f:-/dev/null}")
	check "sectors: recording 115's rear clip comes back as a proper prefix ($sz bytes), longer than its first run ($run)" \
		sh -c "[ $sz -gt ${run:-0} ] && [ $sz -lt $(wc -c <"$clip") ] && cmp -s -n $sz '$f' '$clip'"
	is "$(grep -F "\"filename\":\"${f#"$work/out/"}\"" "$work/out/report.jsonl" |
		sed -n 's/.*"status":"\([a-z]*\)".*"reason":"\([^"]*\)".*/\1: \2/p')" \
		"truncated: placed up to clusters nothing tells from another clip's" \
		"sectors: and it is truncated, placed up to clusters nothing tells apart"
	# --repair writes such a clip playable too, as one cut off
	rel=${f#"$work/out/"}
	D scan "$img" -o "$work/rep" -q -t mp4 --hash none --repair 2>/dev/null
	rep=$work/rep/${rel%.mp4}.repaired.mp4
	n=$(ffprobe -v error -count_frames -select_streams v:0 \
		-show_entries stream=nb_read_frames -of csv=p=0 "$rep" 2>/dev/null)
	err=$(ffmpeg -v error -i "$rep" -f null - 2>&1 | head -3)
	check "sectors --repair: $rel written playable ($n frames, decoded without errors)" \
		sh -c "grep -qF '\"repaired\":\"$rel\"' '$work/rep/report.repair.jsonl' && [ '${n:-0}' -gt 20 ] && [ -z '$err' ]"
	rm -rf "$work/rep"
else
	ok 0 "recording 115's rear clip # SKIP this build decodes no H.264 (dredge version)"
	ok 0 "and its reason # SKIP this build decodes no H.264 (dredge version)"
	ok 0 "and --repair # SKIP this build decodes no H.264 (dredge version)"
fi
rm -rf "$work/out"

tap_done

#!/bin/sh
# End to end: event clips kept round event clips, on a front+rear card
# with 4 KiB clusters scanned by sectors.  Sixty recordings (the card of
# bench/dashcam.sh pair: seed 7, a card holding about 40% of them), so
# that loop recording writes recording 40, an event clip, round the
# clusters of recording 20, another one kept, and later recordings round
# both.  Placing recording 20's front clip takes six clips at once; its
# clusters with nothing to check are decided by decoding its H.264
# samples, and where that still leaves a guess, the samples over it
# must vouch for it (mp4_index.c) for the clip to come back whole.
# Recording 40's front clip, whose moov lies past recording 20, is
# placed with the same clips, and deciding by decoding must reach back
# to its first guessed cluster.  Recording 20's rear clip (H.265, not
# decoded) is placed by its front clip's decoded samples.
#
# Checked: the scan exits 0, calls nothing complete that is not a clip
# written, writes no more than the card holds, and brings back the
# front clips of recordings 20 and 40 and the rear clip of 20
# byte-exact; the fraction of all the clips that survive brought back
# exact is printed.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
. "$srcdir/tests/e2e/dash_card.sh"
need_tools mkfs.vfat ffmpeg md5sum
tap_workdir dash_events

if ! "$DREDGE" version | grep -q '^h264 slices: decoded'; then
	ok 0 "event clips # SKIP this build decodes no H.264 (dredge version)"
	tap_done
	exit 0
fi

img=$work/card.img t=$work/truth
dash_loop_card "$work" 60 7 18657
ok $? "ffmpeg and mkdashcam played 60 recordings over an 18657 KiB FAT32 card"
is "$(awk '$1 == "F0020.MP4" || $1 == "F0040.MP4" { print $1, $4, $7 }' \
	"$t/manifest" | tr '\n' ' ')" "F0020.MP4 1 1 F0040.MP4 1 1 " \
	"recordings 20 and 40 are event clips that survive"

dash_sectors_check "$img" "$t" "$work/out"
is "$(dash_score "$work/out" "$t" '$1 == "F0020.MP4"')" "1 0 0 1" \
	"sectors: recording 20's front clip, placed with five others, exact"
# Recording 40's front clip is placed with the same five: deciding by
# decoding must reach its first guessed cluster, 135 H.264 samples of
# the three front clips back.
is "$(dash_score "$work/out" "$t" '$1 == "F0040.MP4"')" "1 0 0 1" \
	"sectors: recording 40's front clip, its moov past recording 20, exact"
# Recording 20's rear clip (H.265, which is not decoded) gets what its
# front clip leaves: the search must try a front sample's placings until
# one decodes, nine here, for the front clip's clusters to be settled.
is "$(dash_score "$work/out" "$t" '$1 == "R0020.MP4"')" "1 0 0 1" \
	"sectors: recording 20's rear clip, beside its decoded front clip, exact"
rm -rf "$work/out"

tap_done

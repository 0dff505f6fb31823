#!/bin/sh
# End to end: deleted clips written around other files, found by their
# own index with no file system to go by.  A FAT32 image (4 KiB clusters)
# is filled by mtools with clips made by ffmpeg and two files of random
# bytes; four clips are deleted and two longer ones written into their
# holes: L runs on from the first hole past a clip (D) and a random file
# into the second hole and on into the third (three runs, its index at
# the end of the third, thousands of clusters on), and K from the rest of
# the third past a random file into the fourth (two runs).  Then L, K and
# D are deleted.
#
# A scan by sectors (no --fs), and another with the FAT wiped (the grid
# then comes from the clips' starts, which here all lie a multiple of
# 16 KiB apart: the finer grids must be tried too), must give L and K
# byte-exact and reassembled in exactly their runs
# (src/reassemble/mp4_index.c, runs_place: the head walked until a sample
# fails, a middle run found where the next sample opens, the rest just
# before the index; K's split settled by decoding, so only in a build
# with libavcodec), D byte-exact as it lies, and no MP4 called whole or
# reassembled that is not one of the clips written.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
. "$srcdir/tests/e2e/dash_lib.sh"
need_tools mkfs.vfat mcopy mdel mmd mshowfat minfo ffmpeg
tap_workdir dash_runs
img=$work/card.img
c=$work/src
mkdir -p "$c"

# big OUT SECONDS SEED: a clip at a recorder's rate (8 Mbit/s of noisy
# video, as bench/dashcam.sh records): its video samples span several
# clusters, most of which hold no sample boundary to check
big() {
	ffmpeg -nostdin -hide_banner -loglevel error -y \
		-f lavfi -i "testsrc2=size=480x270:rate=25" \
		-f lavfi -i "sine=frequency=$((150 + $3 * 53 % 900)):sample_rate=16000" \
		-t "$2" -vf "hue=h=$(($3 * 37 % 360)),noise=alls=20:allf=t:all_seed=$3" \
		-c:v libx264 -preset ultrafast -b:v 8M -maxrate 8M -bufsize 4M \
		-g 25 -threads 1 -c:a aac -b:a 64k "$1"
}
big "$c/A.MP4" 2 61 && big "$c/B.MP4" 3 62 && big "$c/D.MP4" 5 63 &&
big "$c/F.MP4" 1 65 && big "$c/G.MP4" 2 66 && big "$c/H.MP4" 3 69 &&
big "$c/J.MP4" 3 70 && big "$c/L.MP4" 5 67 && big "$c/K.MP4" 3 71
ok $? "ffmpeg made 9 clips at 8 Mbit/s"
content "$c/R.BIN" 6000000 68 && content "$c/X.BIN" 1000000 72
ok $? "two files of random bytes"

mkfs.vfat -C -a -R 33 -F 32 -s 8 -n DASHCAM "$img" 270336 >/dev/null 2>&1
ok $? "mkfs.vfat made a 264 MiB FAT32 image with 4 KiB clusters"
put() {
	for f in "$@"; do
		mcopy -i "$img" "$c/$f" "::/DCIM/$f" || return 1
	done
}
rm_() { for f in "$@"; do mdel -i "$img" "::/DCIM/$f" || return 1; done; }
mmd -i "$img" ::/DCIM &&
put A.MP4 B.MP4 D.MP4 R.BIN F.MP4 G.MP4 H.MP4 X.BIN J.MP4 &&
run_B=$(chain "$img" /DCIM/B.MP4) && run_D=$(chain "$img" /DCIM/D.MP4) &&
rm_ B.MP4 F.MP4 H.MP4 J.MP4 &&
next_free "$img" "$(first_cluster "$run_B")" &&
put L.MP4 K.MP4
ok $? "mtools wrote the card, deleted B, F, H and J and wrote L and K into their holes"
run_L=$(chain "$img" /DCIM/L.MP4)
run_K=$(chain "$img" /DCIM/K.MP4)
# nruns RUNS: how many runs "START+COUNT,..." holds
nruns() { printf '%s\n' "$1" | tr ',' '\n' | grep -c '+'; }
is "$(nruns "$run_L")" 3 "L lies in three runs ($run_L)"
is "$(nruns "$run_K")" 2 "K lies in two runs ($run_K)"
rm_ L.MP4 K.MP4 D.MP4
ok $? "deleted L, K and D (in L's first gap)"

# The files of DIR whose hashes are the clips' (NAME HASH lines).
hashes() {
	for f in A B D F G H J K L; do
		echo "$f $(hash "$c/$f.MP4")"
	done >"$work/want"
}
hashes
# found DIR NAME: the recovered file that is clip NAME, or nothing
found() {
	want=$(awk -v n="$2" '$1 == n { print $2 }' "$work/want")
	find "$1" -name '*.mp4' -type f | while read -r f; do
		[ "$(hash "$f")" = "$want" ] && { echo "${f#"$1"/}"; break; }
	done
}
# runs_clusters DIR NAME DS: the clusters of a report entry's runs, on a
# volume with its data at byte DS and 4 KiB clusters
runs_clusters() {
	grep -F "\"filename\":\"$2\"" "$1/report.jsonl" |
	grep -o '"img_offset":[0-9]*,"len":[0-9]*' |
	sed 's/"img_offset":\([0-9]*\),"len":\([0-9]*\)/\1 \2/' |
	awk -v ds="$3" '{ printf "%s%d+%d", (n++ ? "," : ""),
		($1 - ds) / 4096 + 2, ($2 + 4095) / 4096 } END { print "" }'
}
fatlen=$(minfo -i "$img" :: | sed -n 's/^Big fatlen=\([0-9]*\).*/\1/p')
ds=$(( ( $(minfo_val "$img" "reserved (boot) sectors") + 2 * fatlen ) * 512 ))
check "the data area starts past the FATs (byte $ds)" test "$ds" -gt 65536

# reassembled LABEL NAME RUNS: clip NAME came back byte-exact in $out,
# reassembled in exactly its runs
reassembled() {
	f=$(found "$out" "$2")
	check "$1: $2 is byte-exact (${f:-not found})" test -n "$f"
	is "$(report_field "$out" "$f" status)" reassembled \
		"$1: $2 is reported reassembled"
	is "$(runs_clusters "$out" "$f" "$ds")" "$3" \
		"$1: $2's runs are its clusters $3"
}

decodes=
"$DREDGE" version | grep -q '^h264 slices: decoded' && decodes=1

sectors() {  # sectors LABEL: the checks of a scan by sectors
	out=$work/out-$1
	D scan "$img" -o "$out" -q 2>"$work/err"
	ok $? "$1: scan exits 0" || sed 's/^/# /' "$work/err"
	reassembled "$1" L "$run_L"
	# Several of K's splits pass every sample check; the one whose
	# samples decode is taken, so a build without libavcodec leaves K
	# truncated (and the last check below still holds).
	if [ -n "$decodes" ]; then
		reassembled "$1" K "$run_K"
	else
		echo "# $1: K not checked: this build does not decode H.264"
	fi
	f=$(found "$out" D)
	check "$1: D, in L's gap, is byte-exact (${f:-not found})" test -n "$f"
	# every MP4 called complete or reassembled is a clip written
	wrong=0
	for f in $(grep '"format":"mp4"' "$out/report.jsonl" |
	           grep -E '"status":"(complete|reassembled)"' |
	           sed 's/.*"filename":"\([^"]*\)".*/\1/'); do
		h=$(hash "$out/$f")
		grep -q " $h\$" "$work/want" || wrong=$((wrong + 1))
	done
	is "$wrong" 0 "$1: no MP4 called whole that is not a clip written"
}
sectors sectors
dd if=/dev/zero of="$img" bs=512 count=$((ds / 512)) conv=notrunc 2>/dev/null
ok $? "FAT wiped (first $ds bytes zeroed)"
sectors "FAT wiped"
tap_done

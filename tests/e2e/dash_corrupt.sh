#!/bin/sh
# End to end: file-system-aware scans of damaged and hostile cards.  A live
# cluster chain that loops or leaves the volume, a directory that contains
# itself, a cluster number far out of range, a boot sector with zero
# sectors per cluster or none at all: each gets a warning that says what
# is wrong and ends "carving the whole source", the scan falls back to
# sectors (and still finds the deleted clip), and nothing hangs.  Damage
# in a deleted file's chain is no reason to distrust the live map.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
. "$srcdir/tests/e2e/dash_lib.sh"
need_tools mkfs.vfat mcopy mdel mmd mshowfat ffmpeg
tap_workdir dash_corrupt
c=$work/src
mkdir -p "$c"
clip "$c/A.MP4" 3 81 && clip "$c/B.MP4" 3 82 && clip "$c/GONE.MP4" 4 83
ok $? "ffmpeg made three clips"

base=$work/base.img
mkfs.vfat -C -F 32 -s 4 "$base" 135168 >/dev/null 2>&1 &&
mmd -i "$base" ::/DCIM ::/DCIM/SUB &&
mcopy -i "$base" "$c/A.MP4" ::/DCIM/A.MP4 &&
mcopy -i "$base" "$c/GONE.MP4" ::/DCIM/GONE.MP4 &&
mcopy -i "$base" "$c/B.MP4" ::/DCIM/B.MP4 &&
mdel -i "$base" ::/DCIM/GONE.MP4
ok $? "a FAT32 card with two live clips and a deleted one"
fat=$(( $(minfo_val "$base" "reserved (boot) sectors") * 512 ))
a0=$(first_cluster "$(chain "$base" /DCIM/A.MP4)")
sub0=$(first_cluster "$(chain "$base" /DCIM/SUB)")
dcim0=$(first_cluster "$(chain "$base" /DCIM)")
data=$(D fs info "$base" | sed -n 's/^  data start (source): *//p')
le32() { printf '%02x%02x%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) \
	$(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }

D scan "$base" -o "$work/good" --unallocated -q 2>"$work/err"
ok $? "the undamaged card: scan --unallocated exits 0" ||
	sed 's/^/# /' "$work/err"
is "$(files "$work/good")" "mp4/$(cname $((a0 + ($(wc -c <"$c/A.MP4") + 2047) / 2048))).mp4 " \
	"... and finds the deleted clip by its cluster"
gone_name=$(files "$work/good" | tr -d ' ')

damaged() {  # damaged IMG WARNING WHAT: falls back with that last warning
	D scan "$1" -o "$work/o.$3" --unallocated -q 2>"$work/err"
	is "$?" 0 "$3: scan exits 0 (no hang, no failure)"
	is "$(tail -1 "$work/err")" "dredge: warning: $1: $2; carving the whole source" \
		"$3: says so, and that it carves the whole source"
	g=$(files "$work/o.$3")
	case $g in
	*mp4/f*) ok 0 "$3: files are named by sector ($g)" ;;
	*) ok 1 "$3: files are named by sector ($g)" ;;
	esac
	found=0
	for f in "$work/o.$3"/mp4/*; do
		cmp -s "$f" "$c/GONE.MP4" && found=1
	done
	is "$found" 1 "$3: the deleted clip is still carved, byte-exact"
}

# A live chain that loops: A.MP4's 4th cluster points back to its 2nd.
img=$work/loop.img
cp "$base" "$img"
patch "$img" $((fat + 4 * (a0 + 3))) "$(le32 $((a0 + 1)))"
damaged "$img" "the FAT32 volume at byte 0 is damaged (the cluster chain of /DCIM/A.MP4 loops)" "FAT loop"
check "FAT loop: the fs layer's own warning comes first" \
	grep -q "warning: $img: A.MP4: cluster chain loops (cluster $((a0 + 1)) comes again" "$work/err"

# A FAT entry out of range.
img=$work/range.img
cp "$base" "$img"
patch "$img" $((fat + 4 * (a0 + 2))) 00ffff0f
damaged "$img" "the FAT32 volume at byte 0 is damaged (/DCIM/A.MP4 has a cluster number out of range)" "FAT entry out of range"

# A huge first cluster in a directory entry.
img=$work/huge.img
cp "$base" "$img"
e=$(find_bytes "$img" "B       MP4")
patch "$img" $((e + 20)) ffef && patch "$img" $((e + 26)) ffff
damaged "$img" "the FAT32 volume at byte 0 is damaged (/DCIM/B.MP4 has a cluster number out of range)" "huge cluster number"

# A directory that contains itself: SUB's first cluster is DCIM's.
img=$work/dirloop.img
cp "$base" "$img"
e=$(find_bytes "$img" "SUB        ")
patch "$img" $((e + 20)) "$(le32 "$dcim0" | cut -c5-8)"
patch "$img" $((e + 26)) "$(le32 "$dcim0" | cut -c1-4)"
damaged "$img" "the FAT32 volume at byte 0 is damaged (the directory /DCIM/SUB contains itself or an ancestor)" "directory loop"

# Boot sectors.
img=$work/spc0.img
cp "$base" "$img"
patch "$img" 13 00
damaged "$img" "no usable file system at byte 0 (sectors per cluster is 0)" "zero sectors per cluster"
img=$work/noboot.img
cp "$base" "$img"
dd if=/dev/zero of="$img" bs=512 count=1 conv=notrunc status=none
damaged "$img" "no partition table and no FAT or exFAT boot sector at byte 0" "a zeroed boot sector"

# Other options fall back the same way; the fallback is resumable.
D scan "$work/spc0.img" -o "$work/fb" --clusters 3-9 -q 2>"$work/err"
is "$?:$(tail -1 "$work/err")" \
	"0:dredge: warning: $work/spc0.img: no usable file system at byte 0 (sectors per cluster is 0); carving the whole source" \
	"--clusters on a card without a usable boot sector: same fallback"
D scan "$work/loop.img" -o "$work/fr" --unallocated -q --stop-at 8M 2>/dev/null
D scan "$work/loop.img" -o "$work/fr" --unallocated -q --resume 2>/dev/null
ok $? "a fallen-back scan resumes"
diff -r -x report.xml -x report.html "$work/o.FAT loop" "$work/fr" >/dev/null
ok $? "... to the same result"

# A loop in a deleted file's chain is not the live map's business.
img=$work/deadloop.img
cp "$base" "$img"
gc=$(echo "$gone_name" | sed 's/.*c0*\([0-9]*\)\.mp4/\1/')
patch "$img" $((fat + 4 * (gc + 2))) "$(le32 "$gc")"
D scan "$img" -o "$work/dead" --unallocated -q 2>"$work/err"
is "$?:$(cat "$work/err")" "0:" "a loop in a deleted chain: no warning"
is "$(files "$work/dead")" "$(files "$work/good")" "... and the same result"

tap_done

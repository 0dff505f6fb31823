#!/bin/sh
# An output folder on the image's own file system, where that file system
# shares extents (XFS): the kernel's copy (copy_file_range) gives each
# recovered file the image's blocks wherever the file starts and runs on
# a block boundary, and copies the rest.  The files are byte-exact either
# way, the image keeps its bytes and times, and writing into a recovered
# file later leaves the image as it was.  Real loop devices, real mounts.
. "$srcdir/tests/e2e/tap.sh"

[ "$(id -u)" -eq 0 ] || skip_all "loop devices need root"
for t in losetup mkfs.xfs filefrag truncate; do
	command -v $t >/dev/null 2>&1 || skip_all "no $t"
done

tap_mountdir reflink

# mkfs.xfs wants 300 MiB at least; the file is sparse.
truncate -s 320M "$work/xfs.img"
loop=$(losetup -f --show "$work/xfs.img" 2>"$work/err") ||
	skip_all "cannot set up a loop device: $(head -1 "$work/err")"
loops=$loop
mkfs.xfs -q -f "$loop" >"$work/err" 2>&1 ||
	skip_all "mkfs.xfs failed on $loop: $(head -1 "$work/err")"
mount "$loop" "$mnt" 2>"$work/err" ||
	skip_all "cannot mount $loop here: $(head -1 "$work/err")"
mounted=1

hash() { "$XXH128SUM" "$1" | cut -d' ' -f1; }
shared() { filefrag -v "$1" | grep -c ' shared'; }

# The evidence, on the XFS: a 6 MB picture at 1 MiB (a block boundary;
# its length is not a multiple of a block) and a JPEG at 8 MiB + 512
# (a sector boundary, inside a block).
"$MKIMAGE" -o "$work/noise" -z 6000000 -s 31 &&
{ printf 'P6\n2000 1000\n255\n'; cat "$work/noise"; } >"$work/big.ppm"
J=$DATA/jpeg/frag_444.jpg
"$MKIMAGE" -o "$mnt/evidence.img" -z 24M -s 9 "$work/big.ppm@1048576" \
	"$J@8389120"
ok $? "24 MiB image on an XFS"
sync
before=$(hash "$mnt/evidence.img")
times=$(stat -c '%y %z' "$mnt/evidence.img")

out=$mnt/out
"$DREDGE" scan "$mnt/evidence.img" -o "$out" -q
ok $? "scan into a folder on the same XFS"
ppm=$out/ppm/f0002048.ppm
jpg=$out/jpg/f0016385.jpg
check "the picture is recovered byte-exact" cmp "$ppm" "$work/big.ppm"
check "so is the JPEG" cmp "$jpg" "$J"
sync
n=$(shared "$ppm")
check "the picture's blocks are the image's ($n extents shared)" \
	test "$n" -ge 1
check "its last, partial block is its own" sh -c \
	"filefrag -v '$ppm' | grep ' last' | grep -qv ' shared'"
is "$(shared "$jpg")" 0 "the JPEG, not on a block boundary, shares none"
check "the report's XXH3-128 is the picture's" \
	grep -q "\"xxh3_128\":\"$(hash "$work/big.ppm")\"" "$out/report.jsonl"

is "$(hash "$mnt/evidence.img")" "$before" "the image's bytes are unchanged"
is "$(stat -c '%y %z' "$mnt/evidence.img")" "$times" \
	"its modification and change times too"

# The shared blocks are copied on write: the image keeps its own.
printf 'XXXXXXXX' | dd of="$ppm" bs=1 seek=4096 conv=notrunc 2>/dev/null
sync
check "a recovered file written into differs from the picture" \
	sh -c "! cmp -s '$ppm' '$work/big.ppm'"
is "$(hash "$mnt/evidence.img")" "$before" \
	"and the image still holds what it held"
"$DREDGE" scan "$mnt/evidence.img" -o "$mnt/again" -q
ok $? "a second scan of the image"
check "finds the picture as it was" cmp "$mnt/again/ppm/f0002048.ppm" \
	"$work/big.ppm"

# The same scan into a folder off the XFS: the same files and entries.
"$DREDGE" scan "$mnt/evidence.img" -o "$work/off" -q
ok $? "scan into a folder on another file system"
check "the same picture" cmp "$work/off/ppm/f0002048.ppm" "$work/big.ppm"
check "the same report entries" cmp "$work/off/report.jsonl" \
	"$mnt/again/report.jsonl"
tap_done

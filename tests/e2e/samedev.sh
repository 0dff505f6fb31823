#!/bin/sh
# dredge never writes onto the device it recovers: an output folder on a
# file system that lives on the source device, or on a partition of it, is
# refused before anything is created.  Real loop devices, real mounts.
. "$srcdir/tests/e2e/tap.sh"

[ "$(id -u)" -eq 0 ] || skip_all "loop devices need root"
command -v losetup >/dev/null 2>&1 || skip_all "no losetup"
command -v mkfs.ext4 >/dev/null 2>&1 || skip_all "no mkfs.ext4"

tap_mountdir samedev

# A whole device holding a file system.
"$MKIMAGE" -o "$work/whole.img" -z 16M -f zero
loop=$(losetup -f --show "$work/whole.img" 2>"$work/err") ||
	skip_all "cannot set up a loop device: $(head -1 "$work/err")"
loops=$loop
mkfs.ext4 -q -F "$loop" >/dev/null 2>&1 || skip_all "mkfs.ext4 failed on $loop"
mount "$loop" "$mnt" 2>"$work/err" ||
	skip_all "cannot mount $loop here: $(head -1 "$work/err")"
mounted=1

"$DREDGE" scan "$loop" -o "$mnt/out" 2>"$work/err"
is "$?" 1 "output on the source device: refused"
is "$(head -1 "$work/err")" \
	"dredge: output folder '$mnt/out' is on the device being recovered ($loop); choose a folder on another disk" \
	"output on the source device: the message says so"
check "output on the source device: nothing was created on it" test ! -e "$mnt/out"
"$DREDGE" scan "$loop" -o "$mnt/new/deeper" 2>"$work/err"
is "$(head -1 "$work/err")" \
	"dredge: output folder '$mnt/new/deeper' is on the device being recovered ($loop); choose a folder on another disk" \
	"a folder still to be made there is refused too"
check "and its parent was not made" test ! -e "$mnt/new"
"$DREDGE" scan "$loop" -o "$work/out" -q
ok $? "the same device scans into a folder on another disk"
umount "$mnt"
mounted=0

# A partitioned device, the file system on its first partition.
if ! command -v sfdisk >/dev/null 2>&1; then
	echo "ok $((tap_n + 1)) # SKIP no sfdisk to partition an image"
	tap_n=$((tap_n + 1))
	tap_done
fi
"$MKIMAGE" -o "$work/parted.img" -z 16M -f zero
printf 'label: dos\nstart=2048, size=16384, type=83\n' |
	sfdisk -q "$work/parted.img" >/dev/null 2>&1
ploop=$(losetup -f --show -P "$work/parted.img")
loops="$loops $ploop"
part=${ploop}p1
# Some kernels (or containers) need to be told about the partitions.
[ -b "$part" ] || partx -a "$ploop" >/dev/null 2>&1
i=0
while [ ! -b "$part" ] && [ "$i" -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -b "$part" ]; then
	echo "ok $((tap_n + 1)) # SKIP no partition device for $ploop here"
	tap_n=$((tap_n + 1))
	tap_done
fi
mkfs.ext4 -q -F "$part" >/dev/null 2>&1
mount "$part" "$mnt" && mounted=1
ok $? "a partition of a loop device mounted"
"$DREDGE" scan "$ploop" -o "$mnt/out" 2>"$work/err"
is "$?" 1 "output on a partition of the source: refused"
is "$(head -1 "$work/err")" \
	"dredge: output folder '$mnt/out' is on $part, a partition of the device being recovered ($ploop); choose a folder on another disk" \
	"output on a partition of the source: the message names both"
"$DREDGE" scan "$part" -o "$mnt/out" 2>"$work/err"
is "$(head -1 "$work/err")" \
	"dredge: output folder '$mnt/out' is on the device being recovered ($part); choose a folder on another disk" \
	"scanning the partition itself into it: refused"
check "nothing was created on it" test ! -e "$mnt/out"
"$DREDGE" scan "$ploop" -o "$work/out2" -q
ok $? "the partitioned device scans into a folder on another disk"

tap_done

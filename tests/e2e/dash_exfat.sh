#!/bin/sh
# End to end: the dashcam case on exFAT (32 KiB clusters, as SDXC cards
# come formatted).  mkfs.exfat makes the image; the test writer exfat_put
# fills it (fsck.exfat finds it clean): clips stored contiguous, two
# deleted, a long clip written into the first free clusters (so it
# fragments around the clips still there), then deleted, with one of the
# clips in its gaps.  The clusters exfat_put reports before deleting are
# the truth.  Also: a volume inside an MBR partition, chosen by -p and by
# --offset.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
. "$srcdir/tests/e2e/dash_lib.sh"
need_tools mkfs.exfat fsck.exfat ffmpeg sfdisk
tap_workdir dash_exfat
PUT="$top_builddir/tests/tools/exfat_put"
img=$work/card.img
c=$work/src
mkdir -p "$c"

for i in 1 2 3 4 5 6; do
	clip "$c/c$i.mp4" $((3 + i % 3)) "$((60 + i))" || break
done
clip "$c/long.mp4" 14 70 && photo "$c/p1.jpg" 71
ok $? "ffmpeg made 7 clips and a photo"

truncate -s 96M "$img" && mkfs.exfat -c 32K -L DASHCAM "$img" >/dev/null
ok $? "mkfs.exfat made a 96 MiB volume with 32 KiB clusters"
"$PUT" "$img" mkdir /DCIM &&
for f in c1.mp4 c2.mp4 p1.jpg c3.mp4 c4.mp4 c5.mp4 c6.mp4; do
	"$PUT" "$img" put "$c/$f" "/DCIM/$f" contig || break
done &&
"$PUT" "$img" rm /DCIM/c2.mp4 && "$PUT" "$img" rm /DCIM/c4.mp4 &&
"$PUT" "$img" put "$c/long.mp4" /DCIM/long.mp4 fill
ok $? "exfat_put wrote the clips, deleted two, and wrote a long one into the holes"
for f in c1 c3 c5 c6 long; do
	eval "run_$f=\$(\"\$PUT\" \"\$img\" runs /DCIM/$f.mp4)"
done
run_p1=$("$PUT" "$img" runs /DCIM/p1.jpg)
case $run_long in
*,*,*) ok 0 "long.mp4 is fragmented around live clips ($run_long)" ;;
*) ok 1 "long.mp4 is fragmented around live clips ($run_long)" ;;
esac
"$PUT" "$img" rm /DCIM/long.mp4 && "$PUT" "$img" rm /DCIM/c3.mp4 &&
"$PUT" "$img" rm /DCIM/p1.jpg
ok $? "deleted long.mp4, c3.mp4 (in its first gap) and p1.jpg"
fsck.exfat -n "$img" >/dev/null 2>&1
ok $? "fsck.exfat finds the image clean"

lsd=$(D fs ls "$img" /DCIM --deleted)
for f in long c3; do
	eval "r=\$run_$f"
	is "$(ls_field "$lsd" "/DCIM/$f.mp4" 1) $(ls_field "$lsd" "/DCIM/$f.mp4" 6)" \
		"D $(first_cluster "$r")" "fs ls --deleted: /DCIM/$f.mp4 and its first cluster"
done

out=$work/out
D scan "$img" -o "$out" --unallocated -q 2>"$work/err"
ok $? "scan --unallocated exits 0" || sed 's/^/# /' "$work/err"
whole() {  # whole WHAT RUNS FILE [DIR]
	n=$(cname "$(first_cluster "$2")")
	e=${3##*.}
	[ "$e" = jpg ] || e=mp4
	cmp -s "${4:-$out}/$e/$n.$e" "$c/$3"
	ok $? "$1: $e/$n.$e is byte-identical"
	is "$(report_clusters "${4:-$out}" "$e/$n.$e")" "$2" "$1: its clusters $2"
}
whole "long.mp4 (fragmented)" "$run_long" long.mp4
whole "c3.mp4 (in a gap of long.mp4)" "$run_c3" c3.mp4
whole "p1.jpg (in a gap of long.mp4)" "$run_p1" p1.jpg
is "$(files "$out")" "$(printf '%s\n' "jpg/$(cname "$(first_cluster "$run_p1")").jpg" \
	"mp4/$(cname "$(first_cluster "$run_long")").mp4" \
	"mp4/$(cname "$(first_cluster "$run_c3")").mp4" | sort | tr '\n' ' ')" \
	"exactly the deleted files whose clusters survive"
for f in c1 c5 c6; do
	eval "r=\$run_$f"
	all_report_clusters "$out" | grep -qx "$(first_cluster "$r")"
	is "$?" 1 "live $f.mp4's clusters are not carved"
done

# The same card inside an MBR partition at 1 MiB.
disk=$work/disk.img
truncate -s 1M "$disk" && cat "$img" >>"$disk" &&
truncate -s $((1 + 96 + 1))M "$disk" &&
printf 'label: dos\nstart=2048, size=196608, type=7\n' | sfdisk -q "$disk" >/dev/null 2>&1
ok $? "sfdisk put the volume in partition 1 of a disk image"
D scan "$disk" -o "$work/p1" -p 1 --unallocated -q
ok $? "scan -p 1 --unallocated exits 0"
diff -r -x 'report.*' "$out" "$work/p1" >/dev/null
ok $? "... the same files, the same names (clusters count in the volume)"
D scan "$disk" -o "$work/off" --offset 1M --unallocated -q
diff -r -x 'report.*' "$out" "$work/off" >/dev/null
ok $? "--offset 1M: the same"
D scan "$disk" -o "$work/auto" --unallocated -q
diff -r -x 'report.*' "$out" "$work/auto" >/dev/null
ok $? "without -p: the only exFAT partition is used"
check "the DFXML report names the volume" \
	grep -q "<dredge:volume type='exFAT' offset='1048576' cluster_size='32768'" "$work/p1/report.xml"
D scan "$disk" -o "$work/p3" -p 3 --unallocated -q 2>"$work/err"
is "$?:$(cat "$work/err")" "1:dredge: $disk: there is no partition 3" \
	"-p 3 on a disk with one partition: refused"
D scan "$disk" -o "$work/r1" -p 1 --unallocated -q --stop-at 4M
D scan "$disk" -o "$work/r1" --offset 0 --unallocated -q --resume 2>"$work/err"
is "$(tail -1 "$work/err")" \
	"dredge: cannot resume the scan in '$work/r1': the volume differs (-p, --offset): the interrupted scan carved the volume at byte 1048576, this one the whole source" \
	"a resume on another volume is refused"
is "$(head -1 "$work/err")" \
	"dredge: warning: $disk: no usable file system at byte 0 (bytes per sector is 0 (a power of two from 512 to 4096 expected)); carving the whole source" \
	"... after saying that --offset 0 holds no volume"
D scan "$disk" -o "$work/r1" --offset 1M --unallocated -q --resume
ok $? "resuming with --offset 1M for -p 1 is the same volume: completes"

tap_done

#!/bin/sh
# End to end: exFAT images made by mkfs.exfat and filled by the test tool
# exfat_put (checked clean by fsck.exfat).  fs info matches dump.exfat;
# live files (contiguous, chained, fragmented) and deleted ones (entry sets
# with in-use bits clear), also inside a deleted folder, come back
# byte-identical; damaged checksums are reported.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
need_tools mkfs.exfat fsck.exfat dump.exfat
tap_workdir fs_exfat
PUT="$top_builddir/tests/tools/exfat_put"

exfat_suite() {  # exfat_suite CLUSTER_SIZE LABEL
	cs=$1 label=$2
	img=$work/ex$cs.img
	c=$work/c$cs
	mkdir -p "$c"
	truncate -s 48M "$img"
	mkfs.exfat -L "$label" -c "$cs" "$img" >/dev/null
	ok $? "exFAT/$cs: mkfs.exfat made the image"
	content "$c/clip" 150000 "${cs}1"
	content "$c/frag" 70000 "${cs}2"
	content "$c/long" 9000 "${cs}3"
	content "$c/gone" 40000 "${cs}4"
	content "$c/gonefrag" 50000 "${cs}5"
	content "$c/old" 12345 "${cs}6"
	"$PUT" "$img" mkdir /DCIM &&
	"$PUT" "$img" put "$c/clip" "/DCIM/clip 0001.mp4" contig &&
	"$PUT" "$img" put "$c/frag" /DCIM/frag.bin frag &&
	"$PUT" "$img" put "$c/long" "/a name longer than fifteen characters.txt" chain &&
	"$PUT" "$img" put "$c/gone" "/deleted clip.mp4" contig &&
	"$PUT" "$img" put "$c/gonefrag" "/deleted fragments.bin" frag &&
	"$PUT" "$img" mkdir /OLD &&
	"$PUT" "$img" put "$c/old" "/OLD/old photo.bin" contig &&
	"$PUT" "$img" rm "/deleted clip.mp4" &&
	"$PUT" "$img" rm "/deleted fragments.bin" &&
	"$PUT" "$img" rm "/OLD/old photo.bin" &&
	"$PUT" "$img" rm /OLD
	ok $? "exFAT/$cs: files written and deleted"
	fsck.exfat -n "$img" >/dev/null 2>&1
	ok $? "exFAT/$cs: fsck.exfat finds the image clean"

	info=$(D fs info "$img")
	ok $? "exFAT/$cs: fs info exits 0"
	dump=$(dump.exfat "$img" 2>/dev/null)
	dv() { printf '%s\n' "$dump" | sed -n "s/^$1[^:]*: *//p" | tr -d '\t ' | head -1; }
	bps=$((1 << $(dv "Sector Size Bits")))
	is "$(info_val "$info" "file system")" exFAT "exFAT/$cs: type"
	is "$(info_val "$info" "sector size")" "$bps" "exFAT/$cs: sector size"
	is "$(info_val "$info" "cluster size")" "$cs" "exFAT/$cs: cluster size as mkfs was told"
	is "$(info_val "$info" "sectors per cluster")" "$((1 << $(dv "Sector per Cluster bits")))" \
		"exFAT/$cs: sectors per cluster"
	is "$(info_val "$info" "FAT offset")" "$(( $(dv "FAT Offset") * bps ))" "exFAT/$cs: FAT offset"
	is "$(info_val "$info" "FAT size")" "$(( $(dv "FAT Length") * bps ))" "exFAT/$cs: FAT size"
	is "$(info_val "$info" "data start")" "$(( $(dv "Cluster Heap Offset") * bps ))" \
		"exFAT/$cs: data area (cluster heap) start"
	is "$(info_val "$info" "cluster count")" "$(dv "Cluster Count")" "exFAT/$cs: cluster count"
	is "$(info_val "$info" "root cluster")" "$(dv "Root Cluster")" "exFAT/$cs: root cluster"
	is "$(info_val "$info" "bitmap cluster")" "$(dv "Bitmap start cluster")" "exFAT/$cs: bitmap cluster"
	is "$(info_val "$info" "size")" "$(( $(dv "Volume Length") * bps ))" "exFAT/$cs: volume size"
	is "$(info_val "$info" "label")" "$label" "exFAT/$cs: label"
	is "$(info_val "$info" "serial" | tr -d -)" \
		"$(dv "Volume Serial" | sed 's/^0x//' | tr a-f A-F)" "exFAT/$cs: serial"
	# dump.exfat reads the free count from the same bitmap, after our writes.
	is "$(info_val "$info" "free clusters")" "$(dv "Free Clusters")" "exFAT/$cs: free clusters"

	ls=$(D fs ls "$img" -r)
	ok $? "exFAT/$cs: fs ls -r exits 0"
	got=$(printf '%s\n' "$ls" | sed -E 's/^ *([^ ]+ +){7}//' | sort | tr '\n' '|')
	is "$got" "/DCIM/|/DCIM/clip 0001.mp4|/DCIM/frag.bin|/a name longer than fifteen characters.txt|" \
		"exFAT/$cs: the live tree"
	is "$(ls_field "$ls" "/DCIM/clip 0001.mp4" 3)" 150000 "exFAT/$cs: size of the clip"
	nruns=$(ls_field "$ls" /DCIM/frag.bin 7 | tr ',' '\n' | wc -l)
	is "$nruns" "$(( (70000 + cs - 1) / cs > 8 ? 9 : (70000 + cs - 1) / cs ))" \
		"exFAT/$cs: the fragmented file has a run per cluster"
	for pf in "/DCIM/clip 0001.mp4:clip" /DCIM/frag.bin:frag \
	          "/a name longer than fifteen characters.txt:long"; do
		p=${pf%:*} f=${pf##*:}
		D fs cat "$img" "$p" >"$work/out" && cmp -s "$work/out" "$c/$f"
		ok $? "exFAT/$cs: fs cat $p is byte-identical"
	done

	lsd=$(D fs ls "$img" -r --deleted)
	ok $? "exFAT/$cs: fs ls -r --deleted exits 0"
	for pf in "/deleted clip.mp4:gone:40000" "/deleted fragments.bin:gonefrag:50000" \
	          "/OLD/old photo.bin:old:12345"; do
		p=${pf%%:*} rest=${pf#*:} f=${rest%:*} size=${rest#*:}
		is "$(ls_field "$lsd" "$p" 1) $(ls_field "$lsd" "$p" 3)" "D $size" \
			"exFAT/$cs: $p is listed deleted, with its size"
		D fs cat "$img" "$p" >"$work/out" && cmp -s "$work/out" "$c/$f"
		ok $? "exFAT/$cs: deleted $p comes back byte-identical"
	done
	is "$(ls_field "$lsd" /OLD 1) $(ls_field "$lsd" /OLD 2)" "D d----" \
		"exFAT/$cs: the deleted folder keeps its name"
	D fs export "$img" / -o "$work/exp$cs" --deleted >/dev/null 2>&1
	ok $? "exFAT/$cs: export --deleted exits 0"
	check "exFAT/$cs: export wrote the deleted fragmented file" \
		cmp "$work/exp$cs/deleted fragments.bin" "$c/gonefrag"

	# A damaged entry set checksum is reported; a damaged boot region too.
	cp "$img" "$work/bad.img"
	e=$(grep -obUaP 'f\x00r\x00a\x00g\x00\.' "$work/bad.img" | head -1 | cut -d: -f1)
	patch "$work/bad.img" "$((e - 2 - 64 + 4))" 07
	D fs ls "$work/bad.img" /DCIM >/dev/null 2>"$work/err"
	ok $? "exFAT/$cs: a bad set checksum: fs ls exits 0"
	check "exFAT/$cs: ... and reports the mismatch" grep -q "checksum mismatch" "$work/err"
	cp "$img" "$work/bad.img"
	patch "$work/bad.img" 120 41
	D fs ls "$work/bad.img" >/dev/null 2>"$work/err"
	ok $? "exFAT/$cs: a damaged boot sector: the backup region is used"
	check "exFAT/$cs: ... with a warning" grep -q "boot region checksum mismatch; using the backup" "$work/err"
}

exfat_suite 4096 DASHCAM
exfat_suite 32768 CAM32K

# Bad exFAT boot sectors: one clear line, exit 1.
img=$work/ex4096.img
cp "$img" "$work/b.img"
patch "$work/b.img" 109 11   # 2^17 sectors per cluster
D fs info "$work/b.img" >/dev/null 2>"$work/err"
is "$?:$(cat "$work/err")" "1:dredge: $work/b.img: sectors per cluster is 2^17, beyond the 32 MiB cluster limit" \
	"exFAT: an impossible cluster size"
cp "$img" "$work/b.img"
patch "$work/b.img" 92 ffffff00
D fs info "$work/b.img" >/dev/null 2>"$work/err"
is "$?:$(cat "$work/err")" "1:dredge: $work/b.img: cluster count 16777215 does not fit the volume" \
	"exFAT: a cluster count larger than the volume"

tap_done

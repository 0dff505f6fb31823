#!/bin/sh
# End to end: FAT12, FAT16 and FAT32 images made by mkfs.vfat and filled
# with mtools from seeded content.  fs info matches what mkfs was told and
# what minfo reads; fs ls matches mdir's names and mshowfat's clusters;
# deleted files and a file inside a deleted directory are listed under
# their long names and come back byte-identical; export writes the tree.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
need_tools mkfs.vfat mcopy mdir mdel mdeltree mmd minfo mshowfat
tap_workdir fs_fat

fat_suite() {  # fat_suite BITS SIZE_KIB SECTORS_PER_CLUSTER LABEL SERIAL
	t=$1 kb=$2 spc=$3 label=$4 serial=$5
	img=$work/fat$t.img
	c=$work/c$t
	mkdir -p "$c"
	mkfs.vfat -C -F "$t" -s "$spc" -n "$label" -i "$serial" "$img" "$kb" >/dev/null
	ok $? "FAT$t: mkfs.vfat made a $kb KiB image"

	content "$c/readme" 3000 "${t}01"
	content "$c/clip1" 70000 "${t}02"
	content "$c/clip2" 12345 "${t}03"
	content "$c/gone" 9000 "${t}04"
	content "$c/filler" 2600 "${t}05"
	content "$c/frag" 20000 "${t}06"
	content "$c/old" 7777 "${t}07"
	content "$c/tiny" 1 "${t}08"
	mmd -i "$img" ::/DCIM ::/DCIM/100CAM ::/OLD &&
	mcopy -i "$img" "$c/readme" ::/README.TXT &&
	mcopy -i "$img" "$c/clip1" "::/DCIM/100CAM/clip 0001.bin" &&
	mcopy -i "$img" "$c/filler" ::/FILLER.BIN &&
	mcopy -i "$img" "$c/clip2" "::/DCIM/100CAM/clip 0002.bin" &&
	mcopy -i "$img" "$c/old" "::/OLD/old photo.bin" &&
	mcopy -i "$img" "$c/tiny" "::/DCIM/tiny.txt" &&
	mdel -i "$img" ::/FILLER.BIN &&
	# FAT32 allocates after FSInfo's next-free hint: point it back at
	# the start so the freed hole is reused and the next file fragments.
	{ [ "$t" != 32 ] || patch "$img" $((512 + 492)) 02000000; } &&
	mcopy -i "$img" "$c/frag" "::/fragmented file.bin" &&
	mcopy -i "$img" "$c/gone" "::/DCIM/gone with the wind.dat"
	ok $? "FAT$t: mtools filled the image"
	gone_runs=$(runs_of "$img" "/DCIM/gone with the wind.dat")
	frag_runs=$(runs_of "$img" "/fragmented file.bin")
	live_files="/README.TXT:readme
/DCIM/100CAM/clip 0001.bin:clip1
/DCIM/100CAM/clip 0002.bin:clip2
/DCIM/tiny.txt:tiny
/fragmented file.bin:frag"
	mdel -i "$img" "::/DCIM/gone with the wind.dat" &&
	mdeltree -i "$img" ::/OLD
	ok $? "FAT$t: mdel and mdeltree deleted a file and a folder"
	case $frag_runs in
	*,*) ok 0 "FAT$t: the test file is fragmented ($frag_runs)" ;;
	*) ok 1 "FAT$t: the test file is fragmented ($frag_runs)" ;;
	esac

	# ---- info: the geometry mkfs was told, and what minfo reads
	info=$(D fs info "$img")
	ok $? "FAT$t: fs info exits 0"
	bps=$(minfo_val "$img" "sector size")
	spc_m=$(minfo_val "$img" "cluster size")
	res=$(minfo_val "$img" "reserved (boot) sectors")
	nfats=$(minfo_val "$img" "fats")
	rootent=$(minfo_val "$img" "max available root directory slots")
	fatsz=$(minfo_val "$img" "sectors per fat")
	[ "$fatsz" = 0 ] && fatsz=$(minfo -i "$img" :: | sed -n 's/^Big fatlen=//p')
	total=$(minfo_val "$img" "small size")
	[ "$total" = 0 ] && total=$(minfo_val "$img" "big size")
	rootsecs=$(( (rootent * 32 + bps - 1) / bps ))
	datasec=$(( res + nfats * fatsz + rootsecs ))
	clusters=$(( (total - datasec) / spc_m ))
	is "$(info_val "$info" "file system")" "FAT$t" "FAT$t: type"
	is "$(info_val "$info" "sector size")" "$bps" "FAT$t: sector size"
	is "$spc_m" "$spc" "FAT$t: minfo agrees with mkfs on sectors per cluster"
	is "$(info_val "$info" "cluster size")" "$((bps * spc))" "FAT$t: cluster size"
	is "$(info_val "$info" "reserved sectors")" "$res" "FAT$t: reserved sectors"
	is "$(info_val "$info" "FAT count")" "$nfats" "FAT$t: FAT count"
	is "$(info_val "$info" "FAT offset")" "$((res * bps))" "FAT$t: FAT offset"
	is "$(info_val "$info" "FAT size")" "$((fatsz * bps))" "FAT$t: FAT size"
	is "$(info_val "$info" "data start")" "$((datasec * bps))" "FAT$t: data area start"
	is "$(info_val "$info" "cluster count")" "$clusters" "FAT$t: cluster count"
	is "$(info_val "$info" "size")" "$((kb * 1024))" "FAT$t: volume size"
	is "$(info_val "$info" "label")" "$label" "FAT$t: label"
	is "$(info_val "$info" "serial")" \
		"$(echo "$serial" | tr a-f A-F | sed 's/^\(....\)/\1-/')" "FAT$t: serial"
	used=$(mdir -i "$img" :: | sed -n 's/^ *\([0-9 ]*\) bytes free$/\1/p' | tr -d ' ')
	is "$(info_val "$info" "free clusters")" "$((used / (bps * spc)))" \
		"FAT$t: free clusters match mdir's free bytes"

	# ---- ls: names, sizes, clusters
	ls=$(D fs ls "$img" -r)
	ok $? "FAT$t: fs ls -r exits 0"
	got=$(printf '%s\n' "$ls" | sed -E 's/^ *([^ ]+ +){7}//; s/  \[.*//; s:/$::' | sort)
	want=$(mdir -i "$img" -/ -b :: | sed 's/^:://; s:/$::' | sort)
	is "$got" "$want" "FAT$t: ls -r lists exactly mdir's paths"
	while IFS=: read -r p f; do
		[ -n "$p" ] || continue
		is "$(ls_field "$ls" "$p" 3) $(ls_field "$ls" "$p" 7)" \
			"$(wc -c <"$c/$f" | tr -d ' ') $(runs_of "$img" "$p")" \
			"FAT$t: $p: size and clusters as mshowfat shows them"
		D fs cat "$img" "$p" >"$work/out" && cmp -s "$work/out" "$c/$f"
		ok $? "FAT$t: fs cat $p is byte-identical"
	done <<EOF
$live_files
EOF
	is "$(ls_field "$ls" "/fragmented file.bin" 7)" "$frag_runs" \
		"FAT$t: the fragmented file's runs"
	check "FAT$t: deleted entries are not listed without --deleted" \
		sh -c "! printf '%s\n' \"\$1\" | grep -q 'gone with'" - "$ls"

	# ---- deleted entries
	lsd=$(D fs ls "$img" -r --deleted)
	ok $? "FAT$t: fs ls -r --deleted exits 0"
	line=$(ls_line "$lsd" "/DCIM/gone with the wind.dat")
	is "$(echo "$line" | awk '{print $1, $3, $7}')" "D 9000 $gone_runs" \
		"FAT$t: the deleted file is listed under its long name, size and clusters"
	check "FAT$t: with its short name, first character lost" \
		sh -c "printf '%s\n' \"\$1\" | grep -q 'short _ONEWI~1.DAT'" - "$line"
	D fs cat "$img" "/DCIM/gone with the wind.dat" >"$work/out" &&
		cmp -s "$work/out" "$c/gone"
	ok $? "FAT$t: the deleted file comes back byte-identical"
	D fs cat "$img" "/dcim/_ONEWI~1.DAT" >"$work/out" && cmp -s "$work/out" "$c/gone"
	ok $? "FAT$t: ... also by its short name with '_' (any case)"
	is "$(ls_field "$lsd" "/_LD" 1) $(ls_field "$lsd" "/_LD" 2)" "D d----" \
		"FAT$t: the deleted folder is listed (short name, first letter lost)"
	is "$(ls_field "$lsd" "/_LD/old photo.bin" 3)" 7777 \
		"FAT$t: the file inside it is listed with its long name"
	D fs cat "$img" "/_LD/old photo.bin" >"$work/out" && cmp -s "$work/out" "$c/old"
	ok $? "FAT$t: the file in the deleted folder comes back byte-identical"
	D fs cat "$img" "/DCIM/gone with the wind.dat" --offset 0 >/dev/null
	ok $? "FAT$t: --offset 0 selects the same volume"

	# ---- export
	D fs export "$img" / -o "$work/exp$t" --deleted >"$work/explog" 2>&1
	ok $? "FAT$t: fs export / --deleted exits 0"
	check "FAT$t: export wrote the live clip" cmp "$work/exp$t/DCIM/100CAM/clip 0001.bin" "$c/clip1"
	check "FAT$t: export wrote the deleted file" cmp "$work/exp$t/DCIM/gone with the wind.dat" "$c/gone"
	check "FAT$t: export wrote the file of the deleted folder" cmp "$work/exp$t/_LD/old photo.bin" "$c/old"
	D fs export "$img" /DCIM/100CAM "/DCIM/100CAM/clip 0002.bin" -o "$work/sel$t" >/dev/null 2>&1
	is "$(cd "$work/sel$t" && find . -type f | sort | tr '\n' ' ')" \
		"./100CAM/clip 0001.bin ./100CAM/clip 0002.bin ./clip 0002.bin " \
		"FAT$t: export of a folder and a file"
	# Another process holds the folder: export refuses to write there.
	mkdir "$work/busy$t"
	flock "$work/busy$t" "$DREDGE" fs export "$img" / -o "$work/busy$t" \
		>/dev/null 2>"$work/busyerr"
	is "$?" 1 "FAT$t: fs export into a locked folder fails"
	is "$(tail -1 "$work/busyerr")" "dredge: output folder '$work/busy$t' is in use: another dredge is writing there" \
		"FAT$t: and says another dredge is writing there"
	check "FAT$t: nothing exported into the locked folder" test -z "$(ls -A "$work/busy$t")"
}

fat_suite 12 2048 2 CAM12 12ab34cd
fat_suite 16 16384 4 CAM16 0000beef
fat_suite 32 40960 1 DASHCAM 0badcafe

tap_done

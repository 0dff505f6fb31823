#!/bin/sh
# End to end: `dredge fs ls --body` writes The Sleuth Kit's body file.
# FAT16 and FAT32 images made by mkfs.vfat, files with known times put
# there by mtools (mcopy -m keeps the source's time), some deleted.  The
# exact lines are checked (times, inode numbers, " (deleted)", modes); the
# lines equal what `fls -r -m` writes for the same image (less fls's
# virtual files and the volume label); names holding '|', a newline or a
# backslash stay one line of 11 fields; and `mactime -b` lists the deleted
# entries at the right dates.  fls and mactime come with sleuthkit
# (tests/setup.sh); without them those checks skip.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
need_tools mkfs.vfat mcopy mdel mmd mattrib
tap_workdir fs_body
# mtools writes FAT times in the local zone: make that UTC, as dredge
# reads them by default, and as fls and mactime are told below.
TZ=UTC
export TZ

skip() { echo "ok $((tap_n + 1)) # SKIP $1"; tap_n=$((tap_n + 1)); }
has() { command -v "$1" >/dev/null 2>&1; }

# inode OUT_INFO OUT_LONG PATH: TSK's number for the entry, from the
# entry's byte (fs ls -l) and the end of the FATs (fs info)
inode() {
	_fo=$(info_val "$1" "FAT offset")
	_fs=$(info_val "$1" "FAT size")
	_nf=$(info_val "$1" "FAT count")
	_at=$(printf '%s\n' "$2" | awk -v p=" $3" '
		f { sub(/.*entry at byte /, ""); sub(/ .*/, ""); print; exit }
		{ i = index($0, p); r = substr($0, i + length(p)) }
		i && (r == "" || r ~ /^  \[/) { f = 1 }')
	echo $(( (_at - _fo - _nf * _fs) / 32 + 3 ))
}

# fls_lines IMG: fls -r -m / without its virtual files and label, with
# TSK's mode for read-only files written as dredge writes it
fls_lines() {
	fls -r -m / "$1" | grep -v -e '|v/v-' -e '|V/V-' -e '(Volume Label Entry)|' |
		sed 's,|r/r-wx-wx-wx|,|r/rr-xr-xr-x|,' | sort
}

c=$work/c
mkdir -p "$c"
content "$c/a" 3000 101
content "$c/b" 7000 102
content "$c/k" 100 103
content "$c/o" 5000 104
touch -d '2021-03-04 05:06:08' "$c/a"
touch -d '2019-12-31 23:59:58' "$c/b"
touch -d '2000-02-29 12:00:00' "$c/k"
touch -d '1999-07-01 08:30:00' "$c/o"

for t in 16 32; do
	img=$work/fat$t.img
	kb=$([ "$t" = 32 ] && echo 40000 || echo 16384)
	mkfs.vfat -C -F "$t" -n BODY "$img" "$kb" >/dev/null &&
	mmd -i "$img" ::/DCIM ::/OLD &&
	mcopy -m -i "$img" "$c/a" "::/DCIM/clip one.bin" &&
	mcopy -m -i "$img" "$c/b" ::/GONE.TXT &&
	mcopy -m -i "$img" "$c/k" ::/KEEP.TXT &&
	mcopy -m -i "$img" "$c/o" "::/OLD/old photo.jpg" &&
	mattrib -i "$img" +r ::/KEEP.TXT &&
	mdel -i "$img" ::/GONE.TXT "::/DCIM/clip one.bin"
	ok $? "FAT$t: image made, two files deleted"

	info=$(D fs info "$img")
	long=$(D fs ls "$img" -r --deleted -l)
	body=$(D fs ls "$img" -r --deleted --body)
	ok $? "FAT$t: fs ls --body exits 0"
	ia=$(inode "$info" "$long" "/DCIM/clip one.bin")
	ib=$(inode "$info" "$long" "/_ONE.TXT")
	ik=$(inode "$info" "$long" "/KEEP.TXT")
	io=$(inode "$info" "$long" "/OLD/old photo.jpg")
	is "$(printf '%s\n' "$body" | grep -F '/DCIM/clip one.bin')" \
	   "0|/DCIM/clip one.bin (deleted)|$ia|r/rrwxrwxrwx|0|0|3000|1614816000|1614834368|0|1614834368" \
	   "FAT$t: a deleted file with its long name"
	is "$(printf '%s\n' "$body" | grep -F '/_ONE.TXT')" \
	   "0|/_ONE.TXT (deleted)|$ib|r/rrwxrwxrwx|0|0|7000|1577750400|1577836798|0|1577836798" \
	   "FAT$t: a deleted short name, '_' for its first character"
	is "$(printf '%s\n' "$body" | grep -F '/KEEP.TXT')" \
	   "0|/KEEP.TXT|$ik|r/rr-xr-xr-x|0|0|100|951782400|951825600|0|951825600" \
	   "FAT$t: a live read-only file (29 Feb 2000)"
	is "$(printf '%s\n' "$body" | grep -F '/OLD/old photo.jpg')" \
	   "0|/OLD/old photo.jpg|$io|r/rrwxrwxrwx|0|0|5000|930787200|930817800|0|930817800" \
	   "FAT$t: a live file in a folder (1999)"
	csize=$(info_val "$info" "cluster size")
	is "$(printf '%s\n' "$body" | grep -E '^0\|/OLD\|' | cut -d'|' -f3-7)" \
	   "$(inode "$info" "$long" "/OLD/")|d/drwxrwxrwx|0|0|$csize" \
	   "FAT$t: a folder: d/drwxrwxrwx, its cluster's bytes"
	is "$(printf '%s\n' "$body" | wc -l)" 6 "FAT$t: one line per entry"
	live=$(D fs ls "$img" -r --body)
	is "$(printf '%s\n' "$live" | grep -c deleted)" 0 \
	   "FAT$t: without --deleted no deleted entries"
	is "$(D fs ls "$img" --body -m C: | grep KEEP | cut -d'|' -f2)" \
	   "C:/KEEP.TXT" "FAT$t: -m C: puts the prefix before the path"
	is "$(D fs ls "$img" --body --mount /mnt/card/ /OLD | cut -d'|' -f2)" \
	   "/mnt/card/OLD/old photo.jpg" \
	   "FAT$t: --mount drops the prefix's trailing '/', PATH lists a folder"
	is "$(D fs ls "$img" --body --tz +01:00 /KEEP.TXT | cut -d'|' -f8-11)" \
	   "951778800|951822000|0|951822000" "FAT$t: --tz +01:00 is an hour earlier"
	is "$(D fs ls "$img" --body --tz -05:30 /KEEP.TXT | cut -d'|' -f9)" \
	   "$((951825600 + 19800))" "FAT$t: --tz -05:30"

	if has fls; then
		is "$(printf '%s\n' "$body" | sort)" "$(fls_lines "$img")" \
		   "FAT$t: the lines equal fls -r -m's"
	else
		skip "fls not installed (sleuthkit, tests/setup.sh)"
	fi
	if has mactime; then
		printf '%s\n' "$body" >"$work/body$t"
		tl=$(mactime -b "$work/body$t" -d -y -z UTC)
		is "$(printf '%s\n' "$tl" | grep -F 'clip one.bin' | grep m..b)" \
		   "2021-03-04T05:06:08Z,3000,m..b,r/rrwxrwxrwx,0,0,$ia,\"/DCIM/clip one.bin (deleted)\"" \
		   "FAT$t: mactime lists the deleted file at its time"
		is "$(printf '%s\n' "$tl" | grep -F '_ONE.TXT' | grep -v '^0000' | cut -d, -f1,3 | tr '\n' ' ')" \
		   "2019-12-31T00:00:00Z,.a.. 2019-12-31T23:59:58Z,m..b " \
		   "FAT$t: mactime: access day and modify/birth time of the other"
		in=$(mactime -b "$work/body$t" -d -y -z UTC 2019-12-31..2020-01-01 |
		     grep -c deleted)
		is "$in" 2 "FAT$t: mactime's date range finds the deleted file"
	else
		skip "mactime not installed (sleuthkit, tests/setup.sh)"
		skip "mactime not installed"
		skip "mactime not installed"
	fi
done

# ---- hostile names: '|', newline and backslash written into long names
img=$work/fat16.img
mcopy -m -i "$img" "$c/k" "::/pQQQp name.txt" &&
mcopy -m -i "$img" "$c/k" "::/nZZZn.txt" &&
mcopy -m -i "$img" "$c/k" "::/bXXXb.txt" &&
mcopy -m -i "$img" "$c/k" "::/dQQQd gone.txt" &&
mdel -i "$img" "::/dQQQd gone.txt"
ok $? "names to be made hostile are there"
# patch_u16 PATTERN BYTE: the first UTF-16 character of each PATTERN
# (three characters, UTF-16LE in the long-name entries) becomes BYTE
patch_u16() {
	for _o in $(grep -obUaP "$1\\x00$1\\x00$1\\x00" "$img" | cut -d: -f1); do
		patch "$img" "$_o" "$2"
	done
}
patch_u16 Q 7c
patch_u16 Z 0a
patch_u16 X 5c
body=$(D fs ls "$img" -r --deleted --body)
ok $? "fs ls --body on hostile names exits 0"
is "$(printf '%s\n' "$body" | wc -l)" 10 "still one line per entry"
is "$(printf '%s\n' "$body" | awk -F'|' 'NF != 11' | wc -l)" 0 \
   "every line has 11 fields"
is "$(printf '%s\n' "$body" | grep -F 'name.txt' | cut -d'|' -f2)" \
   '/p\x7cQQp name.txt' "'|' is written \\x7c"
is "$(printf '%s\n' "$body" | grep -F 'ZZn.txt' | cut -d'|' -f2)" \
   '/n\x0aZZn.txt' "a newline is written \\x0a"
is "$(printf '%s\n' "$body" | grep -F 'XXb.txt' | cut -d'|' -f2)" \
   '/b\\XXb.txt' "a backslash is written \\\\"
is "$(printf '%s\n' "$body" | grep -F 'gone.txt' | cut -d'|' -f2)" \
   '/d\x7cQQd gone.txt (deleted)' "a deleted hostile name"
if has mactime; then
	printf '%s\n' "$body" >"$work/hostile"
	is "$(mactime -b "$work/hostile" -d -y -z UTC 2>&1 | grep 'QQ' | grep -c '^2000-02-29T')" 4 \
	   "mactime reads every hostile line (two times each of two)"
else
	skip "mactime not installed"
fi

# ---- command-line errors
D fs ls "$img" --tz 25 --body >/dev/null 2>&1
is $? 2 "--tz 25 is refused (exit 2)"
D fs ls "$img" -m C: >/dev/null 2>&1
is $? 2 "--mount without --body is refused"
D fs info "$img" --body >/dev/null 2>&1
is $? 2 "--body is an ls option"
tap_done

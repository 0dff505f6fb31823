#!/bin/sh
# End to end: damaged and hostile FAT images.  A looping cluster chain, a
# directory that contains itself, cluster numbers out of range and bad
# boot sectors get a clear message, the right exit status and no hang;
# names made of "..", "/" and control characters are made safe on export.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
need_tools mkfs.vfat mcopy mmd mshowfat
tap_workdir fs_corrupt

img=$work/bad.img
mkfs.vfat -C -F 16 -s 1 -i 0000cafe "$img" 16384 >/dev/null
content "$work/ten" 5120 11
content "$work/three" 1536 12
mmd -i "$img" ::/LOOPDIR ::/LOOPDIR/SUB &&
mcopy -i "$img" "$work/ten" ::/LOOP.BIN &&
mcopy -i "$img" "$work/three" ::/RANGE.BIN &&
mcopy -i "$img" "$work/three" ::/NEXT.BIN
ok $? "a FAT16 image to damage"
fatoff=$(( $(minfo_val "$img" "reserved (boot) sectors") * 512 ))
first() { mshowfat -i "$img" "::$1" | sed 's/^[^<]*<\([0-9]*\).*/\1/'; }
le16() { printf '%02x%02x' $(($1 & 255)) $(($1 >> 8)); }

# A chain that loops: the 5th cluster of LOOP.BIN points back to its 2nd.
s=$(first /LOOP.BIN)
patch "$img" $((fatoff + 2 * (s + 4))) "$(le16 $((s + 1)))"
D fs cat "$img" /LOOP.BIN >"$work/out" 2>"$work/err"
is "$?" 1 "a looping chain: fs cat exits 1"
check "... saying the chain loops" grep -q "LOOP.BIN: cluster chain loops (cluster $((s + 1)) comes again after 5 clusters); cut there" "$work/err"
check "... and how much was read" grep -q "dredge: $img: /LOOP.BIN: only 2560 of 5120 bytes could be read (the cluster chain loops)" "$work/err"
check "... which are the file's first bytes" cmp -n 2560 "$work/out" "$work/ten"

# A start cluster out of range, and a FAT entry pointing out of range.
e=$(find_bytes "$img" "RANGE   BIN")
patch "$img" $((e + 26)) f0ff
D fs cat "$img" /RANGE.BIN >"$work/out" 2>"$work/err"
is "$?" 1 "a first cluster out of range: fs cat exits 1"
check "... naming the cluster" grep -q "RANGE.BIN: first cluster 65520 is out of range (2 to" "$work/err"
n=$(first /NEXT.BIN)
patch "$img" $((fatoff + 2 * n)) f0ff
D fs cat "$img" /NEXT.BIN >"$work/out" 2>"$work/err"
is "$?" 1 "a FAT entry out of range: fs cat exits 1"
check "... naming both clusters" grep -q "NEXT.BIN: cluster $n points to cluster 65520, out of range" "$work/err"

# A directory that contains itself: SUB's first cluster is LOOPDIR's.
l=$(first /LOOPDIR)
e=$(find_bytes "$img" "SUB        ")
patch "$img" $((e + 26)) "$(le16 "$l")"
D fs ls "$img" -r --deleted >"$work/out" 2>"$work/err"
is "$?" 0 "a directory that contains itself: fs ls -r exits 0"
check "... reports the loop" grep -q "/LOOPDIR/SUB: directory loop: cluster $l is a directory already entered" "$work/err"
is "$(grep -c '/LOOPDIR/SUB/' "$work/out")" 1 "... and lists SUB once, not forever"
D fs export "$img" / -o "$work/loopexp" >/dev/null 2>&1
is "$?" 1 "export of the damaged tree ends, exit 1 for the files cut short"
check "... and still wrote the folders once" test -d "$work/loopexp/LOOPDIR/SUB" -a ! -e "$work/loopexp/LOOPDIR/SUB/SUB"

# Bad boot sectors: one clear line, exit 1.
bad_boot() {  # bad_boot OFFSET HEX MESSAGE
	cp "$img" "$work/boot.img"
	patch "$work/boot.img" "$1" "$2"
	D fs info "$work/boot.img" >/dev/null 2>"$work/err"
	is "$?:$(cat "$work/err")" "1:dredge: $work/boot.img: $3" "boot sector: $3"
	D fs ls "$work/boot.img" >/dev/null 2>&1
	is "$?" 1 "boot sector: $3: fs ls exits 1 too"
}
bad_boot 13 00 "sectors per cluster is 0"
bad_boot 13 03 "sectors per cluster is 3, not a power of two"
bad_boot 11 2c01 "bytes per sector is 300 (a power of two from 512 to 4096 expected)"
bad_boot 16 00 "FAT count is 0 (1 to 4 expected)"
bad_boot 14 0000 "reserved sector count is 0"
bad_boot 19 8000 "the data area would start at sector 287, past the volume's 128 sectors"
: >"$work/empty.img"
D fs info "$work/empty.img" >/dev/null 2>"$work/err"
is "$?:$(cat "$work/err")" "1:dredge: cannot read source '$work/empty.img': it is empty (0 bytes)" \
	"an empty source"
head -c 1M /dev/zero >"$work/zero.img"
D fs ls "$work/zero.img" >/dev/null 2>"$work/err"
is "$?:$(cat "$work/err")" "1:dredge: $work/zero.img: no partition table and no FAT or exFAT boot sector at byte 0" \
	"a source without a volume"
D fs ls "$work/zero.img" --offset 4096 >/dev/null 2>"$work/err"
is "$?:$(cat "$work/err")" "1:dredge: $work/zero.img (volume at byte 4096): no FAT or exFAT boot sector at byte 4096 (no 55 AA signature)" \
	"--offset where no volume starts"
D fs 2>/dev/null
is "$?" 2 "fs without a command: exit 2"
D fs ls 2>/dev/null
is "$?" 2 "fs ls without a source: exit 2"
D fs cat "$img" 2>/dev/null
is "$?" 2 "fs cat without a path: exit 2"
D fs export "$img" / 2>/dev/null
is "$?" 2 "fs export without -o: exit 2"

# Hostile names: entries renamed "..", "/ETC", "A/B" and "X^A^[Y.TXT" by
# patching their 8.3 names; export turns them into safe, unique names.
h=$work/names.img
mkfs.vfat -C -F 12 -s 2 "$h" 2048 >/dev/null
content "$work/n1" 100 21
content "$work/n2" 200 22
content "$work/n3" 300 23
content "$work/n4" 400 24
content "$work/n5" 500 25
mcopy -i "$h" "$work/n1" ::/AAAAAAAA.TXT && mcopy -i "$h" "$work/n2" ::/BBBBBBBB.TXT &&
mcopy -i "$h" "$work/n3" ::/A_B && mcopy -i "$h" "$work/n4" ::/CCCCCCCC.TXT &&
mcopy -i "$h" "$work/n5" ::/DDDDDDDD.TXT
ok $? "an image for hostile names"
patch "$h" "$(find_bytes "$h" "AAAAAAAATXT")" 2e2e2020202020202020202020   # ".."
patch "$h" "$(find_bytes "$h" "BBBBBBBBTXT")" 2f4554432020202020202020   # "/ETC"
patch "$h" "$(find_bytes "$h" "CCCCCCCCTXT")" 412f422020202020202020     # "A/B"
patch "$h" "$(find_bytes "$h" "DDDDDDDDTXT")" 58011b5920202020545854     # X^A^[Y.TXT
D fs ls "$h" >"$work/out" 2>&1
ok $? "fs ls lists the hostile names"
check "control characters are escaped on the terminal" grep -q ' /X\\x01\\x1bY.TXT$' "$work/out"
D fs export "$h" / -o "$work/names" >/dev/null 2>&1
ok $? "fs export of the hostile names exits 0"
is "$(cd "$work/names" && ls -A | tr '\n' ' ')" "A_B A_B_2 X__Y.TXT _ETC __ " \
	"names are sanitised and made unique"
check "nothing was written outside the output folder" \
	test "$(find "$work" -newer "$h" -type f -name 'ETC' | wc -l)" -eq 0
check "'..' became a file holding its entry's bytes" cmp "$work/names/__" "$work/n1"
check "'A/B' did not overwrite the real A_B" cmp "$work/names/A_B" "$work/n3"
check "... it became A_B_2" cmp "$work/names/A_B_2" "$work/n4"

tap_done

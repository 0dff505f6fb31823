#!/bin/sh
# End to end: partition tables.  An MBR disk (sfdisk) with a primary FAT16
# partition and an extended one holding two logical FAT volumes, and a GPT
# disk (sgdisk) with a FAT16 partition: fs info lists them, -p N and
# --offset choose a volume, a damaged primary GPT falls back to the backup,
# and a looping EBR chain is cut.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
need_tools mkfs.vfat mcopy mmd sfdisk sgdisk
tap_workdir fs_part

# mkvol FILE KIB BITS LABEL SEED: a FAT volume holding one seeded file
mkvol() {
	mkfs.vfat -C -F "$3" -s $(($3 == 12 ? 2 : 1)) -n "$4" "$1" "$2" >/dev/null &&
	content "$1.data" $((12000 + $5)) "$5" &&
	mmd -i "$1" ::/DCIM &&
	mcopy -i "$1" "$1.data" "::/DCIM/clip $4.bin"
}
# place VOL DISK SECTOR: writes a volume image into a disk image
place() { dd if="$1" of="$2" bs=512 seek="$3" conv=notrunc status=none; }

# ---- MBR with an extended partition
disk=$work/mbr.img
truncate -s 64M "$disk"
printf 'label: dos\nlabel-id: 0x1234abcd\nstart=2048, size=20480, type=e\nstart=24576, size=36864, type=5\nstart=26624, size=4096, type=1\nstart=32768, size=16384, type=6\n' |
	sfdisk -q "$disk"
ok $? "sfdisk wrote an MBR with an extended partition"
mkvol "$work/p1" 10240 16 PRIMARY 1 && mkvol "$work/p5" 2048 12 LOGICAL5 5 &&
	mkvol "$work/p6" 8192 16 LOGICAL6 6
ok $? "three FAT volumes made"
place "$work/p1" "$disk" 2048 && place "$work/p5" "$disk" 26624 &&
	place "$work/p6" "$disk" 32768
ok $? "volumes written into their partitions"

info=$(D fs info "$disk")
ok $? "fs info exits 0"
is "$(printf '%s\n' "$info" | sed -n 's/^partition table: //p')" \
	"MBR, disk signature 1234ABCD" "the MBR and its signature"
got=$(printf '%s\n' "$info" | sed -n '/^partitions:/,/^volume/p' | awk '$1 ~ /^[0-9]+$/ {print $1, $2, $3, $4, $NF}')
is "$got" "1 1048576 10485760 0x0e FAT16
2 12582912 18874368 0x05 (container)
5 13631488 2097152 0x01 FAT12
6 16777216 8388608 0x06 FAT16" "partitions, logical ones numbered from 5"
is "$(printf '%s\n' "$info" | grep -c '^volume in partition')" 3 \
	"the three FAT volumes are described"
is "$(printf '%s\n' "$info" | sed -n '/^volume in partition 5:/,/^volume/s/^  label: *//p')" \
	LOGICAL5 "the logical volume's label"

D fs ls "$disk" >/dev/null 2>"$work/err"
is "$?:$(cat "$work/err")" \
	"1:dredge: $disk: 3 FAT/exFAT volumes; choose one with -p N (see 'dredge fs info')" \
	"without -p, several volumes are refused with a hint"
for p in 1 5 6; do
	case $p in 1) l=PRIMARY ;; 5) l=LOGICAL5 ;; 6) l=LOGICAL6 ;; esac
	D fs cat "$disk" -p $p "/DCIM/clip $l.bin" >"$work/out" &&
		cmp -s "$work/out" "$work/p$p.data"
	ok $? "-p $p: the file of that volume is byte-identical"
done
D fs cat "$disk" --offset 13631488 "/DCIM/clip LOGICAL5.bin" >"$work/out" &&
	cmp -s "$work/out" "$work/p5.data"
ok $? "--offset BYTES selects the logical volume too"
D fs ls "$disk" -p 2 >/dev/null 2>"$work/err"
is "$?:$(cat "$work/err")" "1:dredge: $disk: partition 2 is an extended partition (a container); choose one of its logical partitions" \
	"-p on the extended container is refused"
D fs ls "$disk" -p 9 >/dev/null 2>"$work/err"
is "$?:$(cat "$work/err")" "1:dredge: $disk: there is no partition 9" "-p of a missing partition"
D fs ls "$disk" -p x >/dev/null 2>&1
is "$?" 2 "-p with a non-number is a command-line error"

# An EBR chain that points back at an earlier EBR is cut, not followed.
cp "$disk" "$work/loop.img"
# The second EBR (sector 32768 - 2048 = 30720) gets a link back to the
# first EBR (offset 0 from the extended start).
patch "$work/loop.img" $((30720 * 512 + 462)) 00000000050000000000000000080000
D fs info "$work/loop.img" >"$work/out" 2>"$work/err"
ok $? "a looping EBR chain: fs info still exits 0"
check "... and says the chain loops" grep -q "EBR chain loops back to sector" "$work/err"

# ---- GPT
gpt=$work/gpt.img
truncate -s 32M "$gpt"
sgdisk -n 1:2048:+4M -t 1:8300 -c 1:linux -n 2:0:+16M -t 2:0700 -c 2:CAMERA "$gpt" >/dev/null 2>&1
ok $? "sgdisk wrote a GPT"
start2=$(sgdisk -i 2 "$gpt" | sed -n 's/^First sector: \([0-9]*\).*/\1/p')
mkvol "$work/g2" 16384 16 GPTVOL 7 && place "$work/g2" "$gpt" "$start2"
ok $? "a FAT16 volume in GPT partition 2"
info=$(D fs info "$gpt")
ok $? "fs info on the GPT disk exits 0"
check "the table is GPT" sh -c "printf '%s\n' \"\$1\" | grep -q '^partition table: GPT, disk GUID'" - "$info"
got=$(printf '%s\n' "$info" | awk '$1 == "2" {print $2, $3, $4, $5, $6, $7, $8}')
is "$got" "$((start2 * 512)) 16777216 Microsoft basic data FAT16 \"CAMERA\"" \
	"partition 2: start, size, type, contents and name"
D fs cat "$gpt" "/DCIM/clip GPTVOL.bin" >"$work/out" && cmp -s "$work/out" "$work/g2.data"
ok $? "the only FAT volume is chosen without -p"
D fs cat "$gpt" -p 2 "/DCIM/clip GPTVOL.bin" >"$work/out" && cmp -s "$work/out" "$work/g2.data"
ok $? "-p 2 selects it"

cp "$gpt" "$work/gpt-bad.img"
patch "$work/gpt-bad.img" $((512 + 24)) ff   # inside the primary header
D fs cat "$work/gpt-bad.img" -p 2 "/DCIM/clip GPTVOL.bin" >"$work/out" 2>"$work/err" &&
	cmp -s "$work/out" "$work/g2.data"
ok $? "a damaged primary GPT header: the backup is used"
check "... with a warning about the CRC" grep -q "primary GPT header: CRC32 mismatch" "$work/err"
cp "$gpt" "$work/gpt-bad2.img"
patch "$work/gpt-bad2.img" $((1024 + 128 + 56)) 41   # entry 2's name
D fs info "$work/gpt-bad2.img" >"$work/out" 2>"$work/err"
ok $? "a damaged primary entry array: fs info exits 0"
check "... the entry array CRC mismatch is reported" grep -q "primary GPT entry array: CRC32 mismatch" "$work/err"
check "... and the backup's table is shown" grep -q "GPT (backup header)" "$work/out"

tap_done

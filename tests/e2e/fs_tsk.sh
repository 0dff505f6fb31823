#!/bin/sh
# End to end: file systems read through The Sleuth Kit.  An ext4 volume
# made by mke2fs -d and changed by debugfs (a clip written into the holes
# two deleted files left, so fragmented; a sparse file; a photo deleted
# last), an NTFS volume written through ntfs-3g (two clips appended in
# turns, so both fragmented; a resident small file; a sparse file; a
# compressed file (where python3 can set the folder's attribute); a photo
# deleted; a deleted file whose clusters a new file took), the NTFS volume
# again inside an MBR partition and as an E01, and an ISO 9660 image from
# genisoimage.  The truth is what the tools wrote: the files, debugfs's
# block lists, dumpe2fs's counts.
#
# fs info gives type, block size and counts; fs ls lists files with their
# sizes and runs; fs cat is byte-exact for every live file (fragmented,
# sparse, resident) and for an NTFS deleted file whose clusters are free,
# and says so when they are not; scan --fs writes every live file
# byte-exact with its path: those in blocks named by their first block,
# sparse ones with their holes as zeros (fill runs in both reports), a
# resident one from its MFT entry (named by it, a resident run, the hash
# of its content); scan --unallocated carves the deleted photos and
# writes no live file.  A build without the library says so.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
. "$srcdir/tests/e2e/dash_lib.sh"
need_tools ffmpeg mke2fs debugfs dumpe2fs
tap_workdir fs_tsk
c=$work/src
mkdir -p "$c/e4/sub"

clip "$c/A.MP4" 4 301 && clip "$c/B.MP4" 3 302 && clip "$c/C.MP4" 3 303 &&
photo "$c/P1.JPG" 304 && photo "$c/DEL.JPG" 305 && photo "$c/OLD.JPG" 306 &&
content "$c/LOG.TXT" 7000 307 &&
content "$c/SP" 5000 309 && content "$c/SP.tail" 5000 310 &&
dd if="$c/SP.tail" of="$c/SP" bs=1000 seek=300 conv=notrunc status=none
ok $? "ffmpeg and mkimage made 3 clips, 3 photos and 3 other files"

# entry DIR PATH: the report line of the live file PATH
entry() { grep -F "\"path\":\"$2\"" "$1/report.jsonl"; }
fname() { entry "$1" "$2" | sed 's/^{"id":[0-9]*,"filename":"\([^"]*\)".*/\1/'; }
# runs LIST: block numbers (one a line or blank-separated) as dredge
# prints runs: "1272-1371,1472-1571"
runs() {
	tr ' ' '\n' | grep . | awk 'NR == 1 { a = b = $1; next }
		$1 == b + 1 { b = $1; next }
		{ printf "%s%s,", a, (a == b ? "" : "-" b); a = b = $1 }
		END { if (NR) printf "%s%s\n", a, (a == b ? "" : "-" b) }'
}
# ls_runs OUTPUT PATH: the runs column of an ls line
ls_runs() { ls_field "$1" "$2" 7; }
# written DIR FILE: whether some recovered file in DIR equals FILE
written() {
	for _f in $(find "$1" -type f ! -name 'report.*'); do
		cmp -s "$_f" "$2" && return 0
	done
	return 1
}

# ------------------------------------------------------------ ext4
e4=$work/e4.img
for f in X1 X2 X3 X4; do
	content "$c/$f" 102400 "3${f#X}1" && cp "$c/$f" "$c/e4/$f" || break
done
cp "$c/P1.JPG" "$c/DEL.JPG" "$c/e4/" && cp "$c/LOG.TXT" "$c/e4/sub/" &&
cp --sparse=always "$c/SP" "$c/e4/SP" &&
truncate -s 16M "$e4" && mke2fs -q -t ext4 -b 1024 -d "$c/e4" "$e4" &&
debugfs -w -R "rm /X2" "$e4" 2>/dev/null &&
debugfs -w -R "rm /X4" "$e4" 2>/dev/null &&
debugfs -w -R "write $c/A.MP4 /A.MP4" "$e4" >/dev/null 2>&1 &&
runs_A=$(debugfs -R "blocks /A.MP4" "$e4" 2>/dev/null | runs) &&
runs_SP=$(debugfs -R "blocks /SP" "$e4" 2>/dev/null | runs) &&
del_blocks=$(debugfs -R "blocks /DEL.JPG" "$e4" 2>/dev/null | runs) &&
debugfs -w -R "rm /DEL.JPG" "$e4" 2>/dev/null
ok $? "mke2fs and debugfs made the ext4 volume (A.MP4 in $runs_A)"

if D fs info "$e4" 2>&1 | grep -q "built without The Sleuth Kit"; then
	D fs ls "$e4" 2>"$work/err"
	is "$?:$(cat "$work/err")" "1:dredge: $e4: an ext4 volume at byte 0: this dredge was built without The Sleuth Kit (libtsk), which it reads ext4 through; rebuild with libtsk-dev installed" \
		"a build without The Sleuth Kit says so"
	is "$(D version | grep '^NTFS')" \
		"NTFS, ext4, HFS+, ISO 9660: not read (built without The Sleuth Kit)" \
		"dredge version says so too"
	tap_done
	exit 0
fi

info=$(D fs info "$e4")
is "$(info_val "$info" "file system")" ext4 "ext4: fs info gives the type"
# The library is loaded when a volume is first opened through it (tsk.c),
# not when dredge starts: the dynamic loader (LD_DEBUG=files) loads it for
# fs info of the ext4 volume, and not for `dredge types`, which opens none.
loads() { grep -c 'file=libtsk.*generating link map'; }
is "$(LD_DEBUG=files D fs info "$e4" 2>&1 >/dev/null | loads)" 1 \
	"ext4: fs info loads The Sleuth Kit's library"
is "$(LD_DEBUG=files D types 2>&1 >/dev/null | loads)" 0 \
	"dredge types does not load it"
D version >"$work/version"
check "dredge version: those file systems read, and the library's name" \
	grep -Eq '^NTFS, ext4, HFS\+, ISO 9660: read \(libtsk\.so\.[0-9]+\)$' \
	"$work/version"
# The library there but unloadable (/dev/null bound over it in a mount
# namespace of this test's own): fs info says so, and why, and exits 1;
# dredge version says they are not read.
lib=$(sed -n 's/^NTFS.*read (\(.*\))$/\1/p' "$work/version")
lib=$(ldconfig -p 2>/dev/null | awk -v l="$lib" '$1 == l {print $NF; exit}')
if [ "$(id -u)" -eq 0 ] && [ -n "$lib" ] &&
   unshare -m true 2>/dev/null; then
	unshare -m sh -c 'mount --bind /dev/null "$1" && shift &&
		timeout 60 "$@" version | grep "^NTFS" &&
		timeout 60 "$@" fs info "$0" 2>&1 >/dev/null; echo "rc=$?"' \
		"$e4" "$lib" "$DREDGE" >"$work/nolib" 2>&1
	check "no library: dredge version says those file systems are not read" \
		grep -Eq '^NTFS, ext4, HFS\+, ISO 9660: not read \(.+\)$' "$work/nolib"
	check "no library: fs info names the volume and why it is not read" \
		grep -Eq "^dredge: $e4: an ext4 volume at byte 0: The Sleuth Kit's library, which dredge reads ext4 through, cannot be loaded: .+" \
		"$work/nolib"
	check "no library: fs info exits 1" grep -qx "rc=1" "$work/nolib"
else
	ok 0 "no library # SKIP needs root, unshare and ldconfig"
fi
is "$(info_val "$info" "block size")" 1024 "ext4: ... the block size"
is "$(info_val "$info" "block count")" \
	"$(dumpe2fs -h "$e4" 2>/dev/null | sed -n 's/^Block count: *//p')" \
	"ext4: ... the block count dumpe2fs gives"
is "$(info_val "$info" "free blocks")" \
	"$(dumpe2fs -h "$e4" 2>/dev/null | sed -n 's/^Free blocks: *//p')" \
	"ext4: ... the free blocks dumpe2fs gives"

l=$(D fs ls "$e4" -r --deleted)
for f in A.MP4 P1.JPG SP X1 X3 sub/LOG.TXT; do
	is "$(ls_field "$l" "/$f" 3)" "$(stat -c %s "$c/${f#sub/}")" "ext4: fs ls: /$f and its size"
done
is "$(ls_field "$l" /X2 1)" D "ext4: ... the deleted X2 is listed as deleted"
is "$(ls_runs "$l" /A.MP4)" "$runs_A" "ext4: A.MP4's runs are debugfs's blocks"
case $runs_A in *,*) f=1 ;; *) f=0 ;; esac
is "$f" 1 "ext4: ... and A.MP4 is fragmented"
is "$(ls_runs "$l" /SP | tr ',' '\n' | grep -v sparse | tr '-' ' ' |
	awk '{ for (i = $1; i <= ($2 == "" ? $1 : $2); i++) print i }' | runs)" \
	"$runs_SP" "ext4: SP's blocks are debugfs's"
check "ext4: SP's hole is a sparse run" sh -c "printf '%s' '$(ls_runs "$l" /SP)' | grep -q sparse:"
is "$(ls_field "$l" /DEL.JPG 1)" D "ext4: fs ls --deleted lists the deleted photo"

for f in A.MP4 P1.JPG SP X1 X3 sub/LOG.TXT; do
	D fs cat "$e4" "/$f" >"$work/cat" 2>"$work/err"
	is "$?:$(cat "$work/err")" "0:" "ext4: fs cat /$f exits 0"
	check "ext4: ... byte-exact" cmp -s "$work/cat" "$c/${f#sub/}"
done
# debugfs frees a file's blocks but leaves its extents (the kernel clears
# them): with its blocks free, the deleted photo reads back whole.
D fs cat "$e4" /DEL.JPG >"$work/cat" 2>"$work/err"
is "$?:$(cat "$work/err")" "0:" "ext4: fs cat of the deleted photo exits 0"
check "ext4: ... byte-exact (its extents and blocks survive)" cmp -s "$work/cat" "$c/DEL.JPG"

out=$work/e4fs
D scan "$e4" -o "$out" --fs -q 2>"$work/err"
is "$?:$(cat "$work/err")" "0:" "ext4: scan --fs exits 0"
for pf in /A.MP4:A.MP4:mp4 /P1.JPG:P1.JPG:jpg /X1:X1:file /X3:X3:file /sub/LOG.TXT:LOG.TXT:txt; do
	p=${pf%%:*} t=${pf##*:} f=${pf#*:}; f=${f%:*}
	n=$(fname "$out" "$p")
	r=$(ls_runs "$l" "$p")
	is "$n" "$t/$(cname "${r%%[-,]*}").$t" "ext4: scan --fs: $p named by its first block"
	check "ext4: ... $p byte-exact" cmp -s "$out/$n" "$c/${f}"
	is "$(report_field "$out" "$n" origin)" live "ext4: ... $p: origin live"
done
n=$(fname "$out" /SP)
is "$n" "file/$(cname "${runs_SP%%[-,]*}").file" "ext4: scan --fs: the sparse /SP named by its first block"
check "ext4: ... /SP byte-exact, its hole as zeros" cmp -s "$out/$n" "$c/SP"
check "ext4: ... its hole is a fill run in report.jsonl" sh -c \
	"grep -F '\"path\":\"/SP\"' '$out/report.jsonl' | grep -q '{\"offset\":[0-9]*,\"fill\":0,\"len\":[0-9]*}'"
check "ext4: ... and a byte_run with fill='0' in report.xml" grep -q "<byte_run offset='[0-9]*' fill='0' len='[0-9]*'/>" "$out/report.xml"
is "$(grep -c '"origin":"live"' "$out/report.jsonl")" 6 "ext4: six live files written"
check "ext4: scan --fs also carves the deleted photo" written "$out/jpg" "$c/DEL.JPG"

un=$work/e4un
D scan "$e4" -o "$un" --unallocated -q 2>"$work/err"
is "$?:$(cat "$work/err")" "0:" "ext4: scan --unallocated exits 0"
n=$(grep -F "\"cluster\":${del_blocks%%[-,]*}," "$un/report.jsonl" | sed 's/^{"id":[0-9]*,"filename":"\([^"]*\)".*/\1/')
check "ext4: --unallocated carves the deleted photo byte-exact from its block" cmp -s "$un/$n" "$c/DEL.JPG"
for f in A.MP4 P1.JPG X1 X3 LOG.TXT; do
	written "$un" "$c/$f"
	is "$?" 1 "ext4: --unallocated writes no live file ($f)"
done

# ------------------------------------------------------------ NTFS
nt=$work/nt.img
mnt=$work/mnt
mkdir -p "$mnt"
have_ntfs=0
if command -v mkfs.ntfs >/dev/null 2>&1 && command -v ntfs-3g >/dev/null 2>&1; then
	truncate -s 32M "$nt" && mkfs.ntfs -F -q -c 4096 -L TSKTEST "$nt" >/dev/null 2>&1 &&
	ntfs-3g -o compression "$nt" "$mnt" 2>/dev/null && have_ntfs=1
fi
if [ "$have_ntfs" = 1 ]; then
	# B.MP4 and C.MP4 appended 8 KiB in turns: ntfs-3g gives each the
	# next free clusters, so both end up in many runs.  A zero-filled
	# FILL leaves so little room that NEW.BIN, written after OLD.JPG
	# was deleted, must take OLD.JPG's clusters.
	cp "$c/P1.JPG" "$mnt/P1.JPG" && printf 'a resident file\n' >"$mnt/small.txt" &&
	mkdir "$mnt/clips" && cp "$c/OLD.JPG" "$mnt/OLD.JPG" &&
	nb=$(( ($(stat -c %s "$c/B.MP4") + 8191) / 8192 )) &&
	nc=$(( ($(stat -c %s "$c/C.MP4") + 8191) / 8192 )) &&
	i=0 && while [ "$i" -lt "$nb" ] || [ "$i" -lt "$nc" ]; do
		dd if="$c/B.MP4" bs=8192 skip="$i" count=1 status=none >>"$mnt/clips/B.MP4" &&
		sync "$mnt/clips/B.MP4" &&
		dd if="$c/C.MP4" bs=8192 skip="$i" count=1 status=none >>"$mnt/clips/C.MP4" &&
		sync "$mnt/clips/C.MP4" || break
		i=$((i + 1))
	done &&
	cp --sparse=always "$c/SP" "$mnt/SP" && cp "$c/DEL.JPG" "$mnt/DEL.JPG" &&
	# A folder marked compressed (FILE_ATTRIBUTE_COMPRESSED through
	# ntfs-3g's attribute xattr): the file written into it is compressed.
	have_comp=0 && mkdir "$mnt/comp" &&
	if command -v python3 >/dev/null 2>&1 &&
	   python3 -c "import os, struct; os.setxattr('$mnt/comp', 'system.ntfs_attrib_be', struct.pack('>I', 0x810))" 2>/dev/null; then
		yes 'a line of text that compresses well, 0123456789' | head -c 300000 >"$c/Z.TXT" &&
		cp "$c/Z.TXT" "$mnt/comp/Z.TXT" && have_comp=1
	fi &&
	sync && free=$(df -B1 --output=avail "$mnt" | tail -1) &&
	head -c $((free - 200000)) /dev/zero >"$mnt/FILL" && sync &&
	rm "$mnt/OLD.JPG" && sync &&
	free=$(df -B1 --output=avail "$mnt" | tail -1) &&
	content "$c/NEW.BIN" $((free - 8192)) 308 && cp "$c/NEW.BIN" "$mnt/NEW.BIN" &&
	sync && rm "$mnt/DEL.JPG" && sync
	rc=$?
	umount "$mnt"
	ok "$rc" "ntfs-3g wrote the NTFS volume"

	info=$(D fs info "$nt")
	is "$(info_val "$info" "file system"):$(info_val "$info" "block size")" NTFS:4096 \
		"NTFS: fs info gives the type and cluster size"
	is "$(info_val "$info" "root inode")" 5 "NTFS: ... the root's MFT entry"

	l=$(D fs ls "$nt" -r --deleted)
	for f in P1.JPG clips/B.MP4 clips/C.MP4 SP small.txt NEW.BIN; do
		b=$(basename "$f")
		[ "$b" = small.txt ] && want=16 || want=$(stat -c %s "$c/$b")
		is "$(ls_field "$l" "/$f" 3)" "$want" "NTFS: fs ls: /$f and its size"
	done
	for f in B C; do
		case $(ls_runs "$l" "/clips/$f.MP4") in *,*,*) r=1 ;; *) r=0 ;; esac
		is "$r" 1 "NTFS: $f.MP4 is fragmented ($(ls_runs "$l" "/clips/$f.MP4" | tr ',' '\n' | wc -l) runs)"
	done
	is "$(ls_runs "$l" /small.txt)" - "NTFS: the small file is resident (no clusters)"
	check "NTFS: SP has a sparse run" sh -c "printf '%s' '$(ls_runs "$l" /SP)' | grep -q sparse:"
	is "$(ls_field "$l" /DEL.JPG 1):$(ls_field "$l" /DEL.JPG 3)" "D:$(stat -c %s "$c/DEL.JPG")" \
		"NTFS: fs ls --deleted lists the deleted photo with its size"
	check "NTFS: ... and says the deleted OLD.JPG's content is another file's" sh -c \
		"printf '%s\n' '$(ls_line "$l" /OLD.JPG)' | grep -q -e 'metadata entry now describes another file' -e 'blocks now in use by another file'"

	for f in P1.JPG clips/B.MP4 clips/C.MP4 SP; do
		D fs cat "$nt" "/$f" >"$work/cat" 2>"$work/err"
		is "$?:$(cat "$work/err")" "0:" "NTFS: fs cat /$f exits 0"
		check "NTFS: ... byte-exact" cmp -s "$work/cat" "$c/$(basename "$f")"
	done
	is "$(D fs cat "$nt" /small.txt)" "a resident file" "NTFS: fs cat of a resident file"
	D fs cat "$nt" /DEL.JPG >"$work/cat" 2>"$work/err"
	is "$?:$(cat "$work/err")" "0:" "NTFS: fs cat of the deleted photo (its clusters free) exits 0"
	check "NTFS: ... byte-exact, from its MFT entry's runlist" cmp -s "$work/cat" "$c/DEL.JPG"
	D fs cat "$nt" /OLD.JPG >"$work/cat" 2>"$work/err"
	rc=$?
	is "$rc:$(cat "$work/err")" \
		"1:dredge: warning: /OLD.JPG: its blocks are in use by another file now; the content is probably not the deleted file's" \
		"NTFS: fs cat of a deleted file whose clusters were taken warns and exits 1"

	out=$work/ntfs
	D scan "$nt" -o "$out" --fs -q 2>"$work/err"
	is "$?:$(cat "$work/err")" "0:" "NTFS: scan --fs exits 0"
	for pf in /P1.JPG:P1.JPG:jpg /clips/B.MP4:B.MP4:mp4 /clips/C.MP4:C.MP4:mp4 /NEW.BIN:NEW.BIN:bin; do
		p=${pf%%:*} t=${pf##*:} f=${pf#*:}; f=${f%:*}
		n=$(fname "$out" "$p")
		r=$(ls_runs "$l" "$p")
		is "$n" "$t/$(cname "${r%%[-,]*}").$t" "NTFS: scan --fs: $p named by its first cluster"
		check "NTFS: ... $p byte-exact" cmp -s "$out/$n" "$c/$f"
	done
	n=$(fname "$out" /SP)
	check "NTFS: scan --fs writes the sparse /SP byte-exact ($n)" cmp -s "$out/$n" "$c/SP"
	check "NTFS: ... its hole is a fill run in report.jsonl" sh -c \
		"grep -F '\"path\":\"/SP\"' '$out/report.jsonl' | grep -q '{\"offset\":[0-9]*,\"fill\":0,\"len\":[0-9]*}'"
	n=$(fname "$out" /small.txt)
	case $n in txt/m[0-9]*.txt) r=named ;; *) r=$n ;; esac
	is "$r" named "NTFS: scan --fs writes the resident /small.txt, named by its MFT entry ($n)"
	is "$(cat "$out/$n")" "a resident file" "NTFS: ... byte-exact from its MFT entry"
	check "NTFS: ... its run is resident in report.jsonl" sh -c \
		"grep -F '\"path\":\"/small.txt\"' '$out/report.jsonl' | grep -q '\"runs\":\[{\"offset\":0,\"len\":16,\"type\":\"resident\"}\]'"
	check "NTFS: ... and in report.xml" grep -q "<byte_run offset='0' len='16' type='resident'/>" "$out/report.xml"
	is "$(report_field "$out" "$n" xxh3_128)" "$(printf 'a resident file\n' >"$work/small" && "$XXH128SUM" "$work/small" | cut -d' ' -f1)" \
		"NTFS: ... its hash is of its content"
	if [ "$have_comp" = 1 ]; then
		n=$(fname "$out" /comp/Z.TXT)
		check "NTFS: scan --fs writes the compressed /comp/Z.TXT byte-exact ($n)" cmp -s "$out/$n" "$c/Z.TXT"
		check "NTFS: ... its run is compressed in report.jsonl" sh -c \
			"grep -F '\"path\":\"/comp/Z.TXT\"' '$out/report.jsonl' | grep -q '\"runs\":\[{\"offset\":0,\"len\":300000,\"type\":\"compressed\"}\]'"
		is "$(report_field "$out" "$n" xxh3_128)" "$("$XXH128SUM" "$c/Z.TXT" | cut -d' ' -f1)" \
			"NTFS: ... its hash is of its content"
	else
		echo "# NTFS compressed file skipped: python3 or ntfs-3g's attribute xattr missing"
	fi
	is "$(grep -c '"origin":"live"' "$out/report.jsonl")" $((7 + have_comp)) "NTFS: every live file written (FILL, SP, small.txt, the compressed one too), no metadata file"
	# The reports read back: a --report-only scan's sparse file is
	# extracted from the source with its hole as zeros; the resident one
	# is not in the source's bytes, and extract says so.
	D scan "$nt" -o "$work/ntro" --fs --report-only -q 2>/dev/null
	sp=$(grep -F '"path":"/SP"' "$work/ntro/report.jsonl" | sed 's/^{"id":\([0-9]*\),.*/\1/')
	sm=$(grep -F '"path":"/small.txt"' "$work/ntro/report.jsonl" | sed 's/^{"id":\([0-9]*\),.*/\1/')
	D extract "$nt" "$work/ntro" -o "$work/ntex" --id "$sp" -q 2>"$work/err"
	is "$?:$(cat "$work/err")" "0:dredge: extracted 1 files (305000 bytes) into $work/ntex" \
		"NTFS: extract of the sparse file from a --report-only scan exits 0"
	check "NTFS: ... byte-exact" cmp -s "$work/ntex/$(fname "$work/ntro" /SP)" "$c/SP"
	D extract "$nt" "$work/ntro" -o "$work/ntex" --id "$sm" -q 2>"$work/err"
	is "$?:$(head -1 "$work/err")" "1:dredge: file $sm ($(fname "$work/ntro" /small.txt)) is content its file system holds in its metadata entry, not bytes of the source: dredge fs export writes it" \
		"NTFS: extract of the resident file says fs export writes it"
	rm -rf "$work/ntro" "$work/ntex"
	check "NTFS: DFXML gives the path" grep -q "<dredge:path>/clips/B.MP4</dredge:path>" "$out/report.xml"

	D fs export "$nt" / -o "$work/exp" 2>"$work/err"
	is "$?" 0 "NTFS: fs export of the whole tree exits 0"
	for f in P1.JPG clips/B.MP4 clips/C.MP4 SP; do
		check "NTFS: ... /$f exported byte-exact" cmp -s "$work/exp/$f" "$c/$(basename "$f")"
	done
	is "$(cat "$work/exp/small.txt")" "a resident file" "NTFS: ... and the resident file"
	rc=$(ls_runs "$l" /P1.JPG); rc=${rc%%[-,]*}
	D scan "$nt" -o "$work/ntcl" --fs --clusters "$rc-$((rc + 1))" -q 2>/dev/null
	is "$(files "$work/ntcl")" "jpg/$(cname "$rc").jpg " "NTFS: --fs --clusters: only the file starting there"

	un=$work/ntun
	D scan "$nt" -o "$un" --unallocated -q 2>"$work/err"
	is "$?:$(cat "$work/err")" "0:" "NTFS: scan --unallocated exits 0"
	check "NTFS: --unallocated carves the deleted photo byte-exact" written "$un" "$c/DEL.JPG"
	for f in P1.JPG B.MP4 C.MP4 NEW.BIN; do
		written "$un" "$c/$f"
		is "$?" 1 "NTFS: --unallocated writes no live file ($f)"
	done

	# The same volume in an MBR partition, and as an E01.
	disk=$work/disk.img
	truncate -s 1M "$disk" && cat "$nt" >>"$disk" && truncate -s +1M "$disk" &&
	printf 'start=2048, size=%d, type=7\n' $(( $(stat -c %s "$nt") / 512 )) |
		sfdisk -q "$disk" >/dev/null 2>&1
	ok $? "sfdisk put the NTFS volume in partition 1 of a disk"
	is "$(D fs info "$disk" | grep -c '^  1 .* NTFS$')" 1 "fs info: partition 1 holds NTFS"
	D fs cat "$disk" -p 1 /clips/C.MP4 >"$work/cat"
	check "NTFS in a partition: fs cat byte-exact" cmp -s "$work/cat" "$c/C.MP4"
	D scan "$disk" -o "$work/part" --fs -q 2>/dev/null
	is "$(files "$work/part")" "$(files "$out")" \
		"NTFS in a partition: scan --fs writes the same files"
	if command -v ewfacquire >/dev/null 2>&1 &&
	   ewfacquire -u -q -t "$work/nt" -c fast -S 1048576 -C case -D nt \
		-e examiner -E 1 -N notes "$nt" >"$work/ewflog" 2>&1 &&
	   ! D fs info "$work/nt.E01" 2>&1 | grep -q "without libewf"; then
		D fs cat "$work/nt.E01" /clips/B.MP4 >"$work/cat"
		check "NTFS in an E01: fs cat byte-exact" cmp -s "$work/cat" "$c/B.MP4"
		D scan "$work/nt.E01" -o "$work/ewf" --fs -q 2>/dev/null
		is "$(files "$work/ewf")" "$(files "$out")" "NTFS in an E01: scan --fs writes the same files"
		check "NTFS in an E01: ... the same report.jsonl" \
			cmp -s "$work/ewf/report.jsonl" "$out/report.jsonl"
	fi
	rm -f "$disk" "$work"/nt.E0*
else
	echo "# NTFS skipped: mkfs.ntfs/ntfs-3g missing or FUSE mounts not allowed here"
fi

# ------------------------------------------------------------ ISO 9660
if command -v genisoimage >/dev/null 2>&1; then
	iso=$work/cd.iso
	mkdir -p "$c/iso/docs" && cp "$c/A.MP4" "$c/P1.JPG" "$c/iso/" &&
	cp "$c/LOG.TXT" "$c/iso/docs/" &&
	genisoimage -quiet -J -R -V TSKCD -o "$iso" "$c/iso" 2>/dev/null
	ok $? "genisoimage made an ISO 9660 image"
	info=$(D fs info "$iso")
	is "$(info_val "$info" "file system"):$(info_val "$info" "block size")" ISO9660:2048 \
		"ISO 9660: fs info gives the type and block size"
	l=$(D fs ls "$iso" -r)
	for f in A.MP4 P1.JPG docs/LOG.TXT; do
		is "$(ls_field "$l" "/$f" 3)" "$(stat -c %s "$c/$(basename "$f")")" "ISO 9660: fs ls: /$f and its size"
		D fs cat "$iso" "/$f" >"$work/cat"
		check "ISO 9660: fs cat /$f byte-exact" cmp -s "$work/cat" "$c/$(basename "$f")"
	done
	out=$work/iso
	D scan "$iso" -o "$out" --fs -q 2>"$work/err"
	is "$?:$(cat "$work/err")" "0:" "ISO 9660: scan --fs exits 0"
	for pf in /A.MP4:A.MP4 /P1.JPG:P1.JPG /docs/LOG.TXT:LOG.TXT; do
		n=$(fname "$out" "${pf%%:*}")
		check "ISO 9660: scan --fs writes ${pf%%:*} byte-exact ($n)" cmp -s "$out/$n" "$c/${pf#*:}"
	done
fi

tap_done

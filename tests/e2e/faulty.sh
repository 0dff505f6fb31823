#!/bin/sh
# A failing drive, for real: the image is served through faultfs (a FUSE
# file system, tests/tools/faultfs.c) that fails reads of chosen ranges with
# EIO, heals "flaky" ranges once the image was read to its end, and can
# vanish (ENXIO) to emulate an unplugged device.  Every read engine must
# report exactly the unreadable ranges, recover every file away from them
# byte-exact, mark the file that overlaps one, re-read with --retries, and
# end cleanly, resumably, when the source disappears.
. "$srcdir/tests/e2e/tap.sh"

FAULTFS=$top_builddir/tests/tools/faultfs
[ -x "$FAULTFS" ] || skip_all "faultfs not built (libfuse3 not found by configure)"
[ -c /dev/fuse ] || skip_all "no /dev/fuse here"
command -v fusermount3 >/dev/null 2>&1 || skip_all "no fusermount3 (package fuse3)"

tap_workdir faulty
mnt=$work/mnt
mkdir -p "$mnt"
mounted=0
unmount() {
	if [ "$mounted" -eq 1 ]; then
		fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
		mounted=0
		# faultfs writes its counts at unmount: wait for them.
		i=0
		while [ "$i" -lt 200 ] && [ ! -s "$work/log.$mounts" ]; do
			sleep 0.1
			i=$((i + 1))
		done
	fi
}
trap 'unmount; rm -rf "$work"' EXIT
mounts=0
mount_ff() {  # mount_ff FAULTFS-OPTIONS...: serves $img as $mnt/disk.img
	mounts=$((mounts + 1))
	"$FAULTFS" "$img" "$mnt" --log "$work/log.$mounts" "$@" \
		2>"$work/mount.err" || return 1
	mounted=1
	# It answers (and so will write its counts at unmount).
	[ -f "$mnt/disk.img" ] || { echo "no disk.img in the mount" >"$work/mount.err"; return 1; }
}

J=$DATA/jpeg
img=$work/drive.img
# 8 MiB + 700 bytes: the last sector is a partial one (188 bytes).
"$MKIMAGE" -o "$img" -z 8389308 -s 4242 \
	"$J/gray.jpg@64K" "$J/baseline.jpg@2M" "$J/arith.jpg@3M" \
	"$J/progressive.jpg@7M"
ok $? "drive image generated"

# Bad sectors: the first one; two in filler; one inside baseline.jpg (its
# bytes 2048..2559); two straddling the 4 MiB chunk edge; the partial last
# sector.  A flaky range at 5 MiB reads only after a whole pass.
EIO="--eio 0:512 --eio 1052672:1024 --eio 2099200:512 --eio 4193792:1024 --eio 8389120:188"
FLAKY="--flaky 5M:1536"
if ! mount_ff $EIO $FLAKY; then
	skip_all "cannot mount a FUSE file system here: $(head -1 "$work/mount.err")"
fi
unmount

bad_lines() {  # the expected unreadable ranges, as JSONL
	for r in "$@"; do
		echo "{\"unreadable\":{\"img_offset\":${r%:*},\"len\":${r#*:}}}"
	done
}
want_bad=$(bad_lines 0:512 1052672:1024 2099200:512 4193792:1024 \
	5242880:1536 8389120:188)
xml_bad() {  # the unreadable ranges of a DFXML report, as JSONL
	sed -n "s|.*<dredge:unreadable img_offset='\([0-9]*\)' len='\([0-9]*\)'/>|{\"unreadable\":{\"img_offset\":\1,\"len\":\2}}|p" "$1"
}
hash() { "$XXH128SUM" "$1" | cut -d' ' -f1; }
# baseline.jpg as it reads from the drive: 512 zeros from byte 2048.
{ head -c 2048 "$J/baseline.jpg"; head -c 512 /dev/zero
  tail -c +2561 "$J/baseline.jpg"; } >"$work/baseline.holed"
strip_times() { grep -v -e '<start_time>' -e 'end_time>' -e '<command_line>' \
	-e 'io_engine' "$1"; }

for io in uring pread mmap; do
	out=$work/$io
	mount_ff $EIO $FLAKY
	"$DREDGE" scan "$mnt/disk.img" -o "$out" --io $io --direct off \
		--chunk-size 64K --threads 2 2>"$work/err"
	ok $? "$io: the scan through failing reads completes"
	unmount
	is "$(grep '^{"unreadable"' "$out/report.jsonl")" "$want_bad" \
		"$io: JSONL lists exactly the unreadable ranges"
	is "$(xml_bad "$out/report.xml")" "$want_bad" \
		"$io: DFXML lists exactly the unreadable ranges"
	check "$io: gray.jpg (away from bad sectors) is byte-exact" \
		cmp "$out/jpg/f0000128.jpg" "$J/gray.jpg"
	check "$io: arith.jpg is byte-exact" cmp "$out/jpg/f0006144.jpg" "$J/arith.jpg"
	check "$io: progressive.jpg (after the chunk-edge damage) is byte-exact" \
		cmp "$out/jpg/f0014336.jpg" "$J/progressive.jpg"
	check "$io: the file over a bad sector holds zeros there, the rest exact" \
		cmp "$out/jpg/f0004096.jpg" "$work/baseline.holed"
	is "$(grep -c '"unreadable_bytes":512' "$out/report.jsonl")" 1 \
		"$io: JSONL marks that one file with unreadable_bytes 512"
	check "$io: JSONL marks it on the right entry" sh -c \
		"grep '\"offset\":2097152,' '$out/report.jsonl' | grep -q '\"unreadable_bytes\":512'"
	is "$(grep -c '"unreadable_bytes":0' "$out/report.jsonl")" 3 \
		"$io: the other three are marked 0"
	is "$(grep -c '<dredge:unreadable_bytes>512</dredge:unreadable_bytes>' "$out/report.xml")" 1 \
		"$io: DFXML marks it too"
	check "$io: DFXML summary counts ranges, bytes and marked files" grep -q \
		"unreadable_ranges='6' unreadable_bytes='4796' files_with_unreadable_bytes='1' status='completed'" \
		"$out/report.xml"
	check "$io: the summary says so" grep -q \
		"^dredge: 4 files recovered (4 jpg); 0 truncated, 0 duplicates, 6 unreadable ranges$" \
		"$work/err"
	check "$io: and counts the bytes and the marked file" grep -q \
		"^dredge: unreadable: 4796 bytes, read as zeros; 0 read on retry; 1 of the files hold some$" \
		"$work/err"
	if command -v xmllint >/dev/null 2>&1; then
		check "$io: xmllint accepts report.xml" xmllint --noout "$out/report.xml"
	fi
done
strip_times "$work/uring/report.xml" >"$work/a.xml"
for io in pread mmap; do
	check "$io writes the same files and JSONL report as uring" \
		diff -r -x report.xml -x report.html "$work/uring" "$work/$io"
	strip_times "$work/$io/report.xml" >"$work/b.xml"
	check "$io: the same DFXML report apart from times" \
		cmp "$work/a.xml" "$work/b.xml"
done

# Through the page cache the mmap engine maps the image: a chunk holding a
# page that cannot be read would raise SIGBUS when scanned.  It must be
# read instead, exactly as pread reads it (here the kernel fails whole
# pages, so the unreadable ranges are the pages around the bad sectors).
want_pages=$(bad_lines 0:4096 1052672:4096 2097152:4096 4190208:8192 \
	8388608:700)
for io in pread mmap; do
	out=$work/cached$io
	mount_ff --cached $EIO
	"$DREDGE" scan "$mnt/disk.img" -o "$out" --io $io --direct off \
		--chunk-size 64K --threads 2 2>"$work/err"
	ok $? "$io, page cache: the scan through failing pages completes"
	unmount
	is "$(grep '^{"unreadable"' "$out/report.jsonl")" "$want_pages" \
		"$io, page cache: JSONL lists the unreadable pages"
	check "$io, page cache: files away from them are byte-exact" sh -c \
		"cmp '$out/jpg/f0000128.jpg' '$J/gray.jpg' && cmp '$out/jpg/f0006144.jpg' '$J/arith.jpg' && cmp '$out/jpg/f0014336.jpg' '$J/progressive.jpg'"
done
check "page cache: mmap writes the same files and JSONL report as pread" \
	diff -r -x report.xml -x report.html "$work/cachedpread" "$work/cachedmmap"
strip_times "$work/cachedpread/report.xml" >"$work/c.xml"
strip_times "$work/cachedmmap/report.xml" >"$work/d.xml"
check "page cache: and the same DFXML report apart from times" \
	cmp "$work/c.xml" "$work/d.xml"

# --retries: the flaky range reads on retry and leaves the unreadable list;
# the bad sectors stay.
for io in uring pread mmap; do
	out=$work/retry$io
	mount_ff $EIO $FLAKY
	"$DREDGE" scan "$mnt/disk.img" -o "$out" --io $io --direct off \
		--chunk-size 64K --retries 3 2>"$work/err"
	ok $? "$io --retries 3: completes"
	unmount
	is "$(grep '^{"unreadable"' "$out/report.jsonl")" \
		"$(bad_lines 0:512 1052672:1024 2099200:512 4193792:1024 8389120:188)" \
		"$io --retries 3: the flaky range is no longer unreadable, the bad ones are"
	is "$(grep '^{"read_on_retry"' "$out/report.jsonl")" \
		'{"read_on_retry":{"img_offset":5242880,"len":1536}}' \
		"$io --retries 3: JSONL lists it as read on retry"
	check "$io --retries 3: so does DFXML" grep -q \
		"<dredge:read_on_retry img_offset='5242880' len='1536'/>" "$out/report.xml"
	check "$io --retries 3: the summary counts it" grep -q \
		"^dredge: unreadable: 3260 bytes, read as zeros; 1536 read on retry; 1 of the files hold some$" \
		"$work/err"
	diff -r -x 'report.*' "$work/uring" "$out" >/dev/null
	ok $? "$io --retries 3: the same files as without retries"
done
# A persistent bad sector is tried again exactly N times per sector: the
# 7 sectors left bad (the partial one included) cost 7 * N more failed reads.
mount_ff $EIO
"$DREDGE" scan "$mnt/disk.img" -o "$work/r0" --io pread --direct off \
	--chunk-size 64K -q
unmount
e0=$(awk '{print $4}' "$work/log.$mounts")
mount_ff $EIO
"$DREDGE" scan "$mnt/disk.img" -o "$work/r5" --io pread --direct off \
	--chunk-size 64K -q --retries 5
unmount
e5=$(awk '{print $4}' "$work/log.$mounts")
is "$((e5 - e0))" 35 "--retries 5 reads each of the 7 bad sectors 5 more times"

# The drive vanishes at 6 MiB: the run ends with a clear message, closed
# reports and a checkpoint; once it is back, --resume ends like a whole run.
for io in uring pread mmap; do
	out=$work/gone$io
	mount_ff $EIO $FLAKY --vanish-at 6M
	"$DREDGE" scan "$mnt/disk.img" -o "$out" --io $io --direct off \
		--chunk-size 64K --threads 2 2>"$work/err"
	is "$?" 1 "$io, drive unplugged: exit status 1"
	unmount
	msg=$(head -1 "$work/err")
	case $msg in
	"dredge: source '$mnt/disk.img' disappeared while reading offset "*": No such device or address")
		ok 0 "$io, drive unplugged: the message names the source and the reason" ;;
	*)	ok 1 "$io, drive unplugged: the message names the source and the reason"
		echo "#   got: $msg" ;;
	esac
	check "$io, drive unplugged: DFXML is closed, with that status" sh -c \
		"tail -1 '$out/report.xml' | grep -q '</dfxml>' && grep -q \"status='source .* disappeared\" '$out/report.xml'"
	check "$io, drive unplugged: a checkpoint is left" test -f "$out/.dredge-checkpoint"
	check "$io, drive unplugged: the files before it are there" sh -c \
		"cmp '$out/jpg/f0000128.jpg' '$J/gray.jpg' && cmp '$out/jpg/f0006144.jpg' '$J/arith.jpg'"
	find "$out" -name '*.part' >"$work/parts"
	is "$(cat "$work/parts")" "" "$io, drive unplugged: no partial file is left"
	mount_ff $EIO $FLAKY
	"$DREDGE" scan "$mnt/disk.img" -o "$out" --io $io --direct off \
		--chunk-size 64K --resume -q
	ok $? "$io, drive back: --resume completes"
	unmount
	diff -r -x report.xml -x report.html "$work/uring" "$out" >"$work/diff" 2>&1
	ok $? "$io, drive back: same files and JSONL report as the whole run"
	strip_times "$out/report.xml" >"$work/b.xml"
	cmp -s "$work/a.xml" "$work/b.xml"
	ok $? "$io, drive back: same DFXML report apart from times"
done

# What was injected, for the record.
awk '{ r += $2; e += $4; f += $6; x += $8 } END {
	printf "# faultfs served %d reads: %d EIO (bad), %d EIO (flaky), %d ENXIO (vanished), over %d mounts\n", r, e, f, x, NR }' "$work"/log.*
tap_done

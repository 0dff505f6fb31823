#!/bin/sh
# End to end: the same media read as a raw image, as an E01 container
# (ewfacquire, deflate "fast", several segment files) and as a split raw
# image (split -b, segment sizes not a multiple of 512) gives the same
# recovered files and the same reports, with either read engine and one or
# two threads, in plain and file-system scans; `fs ls` lists the same tree;
# `extract` from a --report-only scan writes the same files; a scan
# stopped with --stop-at resumes to the same result.  Two images:
# the demo's planted samples, and a FAT16 volume with deleted files.
#
# What is stripped before comparing report.xml, and only that: the lines
# holding <command_line>, <start_time>, <dredge:end_time> (the run), the
# <image_filename> (the path named) and <dredge:io_engine> (io_uring cannot
# read a container, so those runs say pread).  <imagesize> and
# <sectorsize> stay: the E01's media and the concatenated segments must be
# exactly the raw image.  report.jsonl is compared whole.
#
# Then the error paths: a damaged chunk inside the E01 (read as zeros and
# reported unreadable, the other files intact), sectors the acquisition
# could not read (the container's list), a truncated E01, an E01
# segment missing, a split segment missing or unreadable, a directory
# named disk.001, and `bench` on a container.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
need_tools mkfs.vfat mcopy mdel mmd split
tap_workdir sources

have_ewf=0
if command -v ewfacquire >/dev/null 2>&1; then
	have_ewf=1
fi

# ---- the images
plants=""
off=$((64 * 1024))
for f in "$DATA"/*/*; do
	case "$f" in *.sh|*/.keep) continue ;; esac
	[ -f "$f" ] || continue
	plants="$plants $f@$off"
	off=$(( (off + $(wc -c <"$f") + 4096 + 511) / 512 * 512 ))
done
"$MKIMAGE" -o "$work/demo.img" -z $((off + 1024 * 1024)) -s 2026 $plants
ok $? "demo image made"

fat=$work/fat.img
mkfs.vfat -C -F 16 -s 2 -n SOURCES -i 5eed0001 "$fat" 8192 >/dev/null &&
mmd -i "$fat" ::/DCIM &&
mcopy -i "$fat" "$DATA/jpeg/baseline.jpg" ::/DCIM/A.JPG &&
mcopy -i "$fat" "$DATA/mp4/dashcam.mp4" ::/DCIM/CLIP.MP4 &&
mcopy -i "$fat" "$DATA/jpeg/progressive.jpg" ::/DCIM/B.JPG &&
mcopy -i "$fat" "$DATA/gif/anim.gif" ::/ANIM.GIF &&
mcopy -i "$fat" "$DATA/mp4/h264.mov" ::/DCIM/OLD.MOV &&
mcopy -i "$fat" "$DATA/jpeg/sub420.jpg" ::/C.JPG &&
mdel -i "$fat" ::/DCIM/B.JPG ::/DCIM/OLD.MOV
ok $? "FAT16 image made, two files deleted"

# form NAME IMG: $work/NAME.raw, NAME.E01 (when ewfacquire is there) and
# NAME.split.001 ... of IMG
form() {
	cp "$2" "$work/$1.raw"
	split -b 300007 -a 3 --numeric-suffixes=1 "$2" "$work/$1.split."
	if [ "$have_ewf" = 1 ]; then
		ewfacquire -u -q -t "$work/$1" -c fast -S 1048576 \
			-C case -D "$1" -e examiner -E 1 -N notes "$2" \
			>"$work/$1.ewflog" 2>&1
		ok $? "$1: ewfacquire made an E01 container ($(ls "$work/$1".E0* | wc -l) segment file(s))"
	fi
}
form demo "$work/demo.img"
form fat "$fat"
segs=$(ls "$work"/demo.split.* | wc -l)
[ "$segs" -ge 3 ]
ok $? "demo: split into $segs segments of 300007 bytes"

# A build without libewf says so; its E01 checks are skipped.
if [ "$have_ewf" = 1 ] &&
   timeout 60 "$DREDGE" fs info "$work/demo.E01" 2>&1 | grep -q 'without libewf'; then
	echo "# this dredge is built without libewf: E01 checks skipped"
	have_ewf=0
fi
forms="raw split.001"
[ "$have_ewf" = 1 ] && forms="$forms E01"

strip_run() {
	grep -v -e '<command_line>' -e '<start_time>' -e '<dredge:end_time>' \
		-e '<image_filename>' -e '<dredge:io_engine ' "$1"
}

# same REF OUT WHAT: OUT holds the same files and reports as REF
same() {
	diff -r -x 'report.*' "$1" "$2" >"$work/diff" 2>&1
	ok $? "$3: the same recovered files"
	cmp -s "$1/report.jsonl" "$2/report.jsonl"
	ok $? "$3: the same report.jsonl"
	strip_run "$1/report.xml" >"$work/a.xml"
	strip_run "$2/report.xml" >"$work/b.xml"
	cmp -s "$work/a.xml" "$work/b.xml"
	ok $? "$3: the same report.xml but for the run's lines"
	[ "$(grep -c '<dredge:io_engine views=' "$2/report.xml")" = 1 ] &&
	[ "$(grep -c '<image_filename>' "$2/report.xml")" = 1 ]
	ok $? "$3: exactly the stripped lines differ in kind"
}

# scans NAME MIN [OPTIONS]: every form of NAME, each engine and thread
# count, against the raw image with one thread and pread, which finds at
# least MIN files
scans() {
	name=$1 min=$2
	shift 2
	tag=$name${1:+ $*}
	ref=$work/ref-$name$(printf '%s' "$*" | tr -c 'a-z0-9' _)
	D scan "$work/$name.raw" -o "$ref" -q --threads 1 --io pread "$@" \
		2>"$work/err"
	ok $? "$tag: raw, 1 thread, pread: exit 0"
	n=$(grep -c . "$ref/report.jsonl")
	[ "$n" -ge "$min" ]
	ok $? "$tag: raw: $n files found"
	for f in $forms; do
		for run in "1 pread" "2 uring" "2 pread" "2 mmap"; do
			t=${run% *} io=${run#* }
			out=$work/o-$name-$f-$t-$io$(printf '%s' "$*" | tr -c 'a-z0-9' _)
			D scan "$work/$name.$f" -o "$out" -q --threads "$t" \
				--io "$io" "$@" 2>"$work/err"
			ok $? "$tag: $f, $t threads, $io: exit 0"
			same "$ref" "$out" "$tag: $f, $t threads, $io"
		done
	done
}

scans demo 70
scans fat 6
scans fat 2 --fs --unallocated
grep -q "unallocated='1'" "$work/ref-fat__fs___unallocated/report.xml"
ok $? "fat --fs --unallocated: the report names the volume"

# ---- an interrupted scan of each form resumes to the same result
for f in $forms; do
	D scan "$work/demo.$f" -o "$work/res-$f" -q --chunk-size 64K \
		--stop-at 900000 2>"$work/err"
	rc=$?
	D scan "$work/demo.$f" -o "$work/res-$f" -q --chunk-size 64K \
		--resume 2>"$work/err" &&
	diff -r -x 'report.*' "$work/ref-demo" "$work/res-$f" >/dev/null 2>&1 &&
	cmp -s "$work/ref-demo/report.jsonl" "$work/res-$f/report.jsonl"
	ok $? "$f: stopped (exit $rc) and resumed: the same files and report.jsonl"
done

# ---- --io uring on a container says what it does
if [ "$have_ewf" = 1 ]; then
	D scan "$work/demo.E01" -o "$work/say" --io uring 2>"$work/err"
	grep -q -- '--io uring: the source (an E01 image or a split image) has no single descriptor for io_uring; it was read with pread' "$work/err"
	ok $? "E01 with --io uring: says it reads with pread"
	grep -q "<dredge:io_engine views='copied'>pread</dredge:io_engine>" "$work/say/report.xml"
	ok $? "E01 with --io uring: the report names pread"
fi
if [ "$have_ewf" = 1 ]; then
	D scan "$work/demo.E01" -o "$work/say2" --io mmap 2>"$work/err"
	grep -q -- '--io mmap: the source is not an image file that can be mapped; it was read with pread' "$work/err"
	ok $? "E01 with --io mmap: says it reads with pread"
fi

# ---- the sector size comes from the container
if [ "$have_ewf" = 1 ]; then
	ewfacquire -u -q -t "$work/s4k" -c fast -P 4096 -C c -D d -e e -E 1 \
		-N n "$work/demo.raw" >/dev/null 2>&1 &&
	D scan "$work/s4k.E01" -o "$work/o-4k" -q 2>"$work/err"
	ok $? "E01 of 4096-byte sectors: exit 0"
	grep -q '<sectorsize>4096</sectorsize>' "$work/o-4k/report.xml"
	ok $? "E01 of 4096-byte sectors: the report says 4096"
	sed 's/.*"xxh3_128":"\([0-9a-f]*\)".*/\1/' "$work/o-4k/report.jsonl" |
		sort >"$work/h4k"
	sed 's/.*"xxh3_128":"\([0-9a-f]*\)".*/\1/' "$work/ref-demo/report.jsonl" |
		sort >"$work/h512"
	cmp -s "$work/h4k" "$work/h512"
	ok $? "E01 of 4096-byte sectors: the same file contents"
fi

# ---- fs ls and fs info: the same tree and geometry from every form
for f in $forms; do
	D fs ls "$work/fat.$f" -r --deleted >"$work/ls-$f" 2>&1
	ok $? "fs ls on $f: exit 0"
	cmp -s "$work/ls-raw" "$work/ls-$f"
	ok $? "fs ls on $f: the same listing as raw"
	D fs info "$work/fat.$f" | grep -v '^source: ' >"$work/info-$f"
	cmp -s "$work/info-raw" "$work/info-$f"
	ok $? "fs info on $f: the same volume as raw"
done
grep -q '^D .* /DCIM/_\.JPG  \[valid\]$' "$work/ls-raw"
ok $? "fs ls lists the deleted file"

# ---- extract from a --report-only scan of each form
for f in $forms; do
	D scan "$work/demo.$f" -o "$work/ro-$f" -q --report-only 2>"$work/err"
	ok $? "$f: --report-only scan exits 0"
	cmp -s "$work/ref-demo/report.jsonl" "$work/ro-$f/report.jsonl"
	ok $? "$f: --report-only gives the same report.jsonl"
	D extract "$work/demo.$f" "$work/ro-$f" -o "$work/ex-$f" -q 2>"$work/err"
	ok $? "$f: extract exits 0"
	diff -r -x 'report.*' -x thumbs "$work/ref-demo" "$work/ex-$f" >/dev/null 2>&1
	ok $? "$f: extract wrote the same files as the raw scan"
done
if [ "$have_ewf" = 1 ]; then
	D extract "$work/demo.E01" "$work/ro-raw" -o "$work/ex-cross" -q \
		2>"$work/err" &&
	diff -r -x 'report.*' -x thumbs "$work/ref-demo" "$work/ex-cross" >/dev/null 2>&1
	ok $? "the raw image's report extracts from the E01: media offsets"
fi

# ---- error paths: split images
mkdir -p "$work/gap"
cp "$work"/demo.split.* "$work/gap/"
rm "$work/gap/demo.split.002"
D scan "$work/gap/demo.split.001" -o "$work/o-gap" 2>"$work/err"
is "$?:$(cat "$work/err")" \
	"1:dredge: cannot read split image '$work/gap/demo.split.001': segment '$work/gap/demo.split.002' is missing, but '$work/gap/demo.split.003' exists" \
	"split: a missing segment is refused, naming it"
if [ "$(id -u)" != 0 ]; then
	cp "$work"/demo.split.002 "$work/gap/demo.split.002"
	chmod 000 "$work/gap/demo.split.002"
	D scan "$work/gap/demo.split.001" -o "$work/o-gap" 2>"$work/err"
	is "$?:$(cat "$work/err")" \
		"1:dredge: cannot read split image '$work/gap/demo.split.001': segment '$work/gap/demo.split.002': Permission denied" \
		"split: an unreadable segment is refused, naming it"
else
	echo "ok $((tap_n + 1)) # SKIP unreadable segment: running as root"
	tap_n=$((tap_n + 1))
fi
mkdir -p "$work/dir/disk.001"
D scan "$work/dir/disk.001" -o "$work/o-dir" 2>"$work/err"
is "$?:$(cat "$work/err")" \
	"1:dredge: cannot read source '$work/dir/disk.001': it is a directory, not a disk image or device" \
	"a directory named disk.001: refused"
mkdir -p "$work/dir/disk.002"
D scan "$work/dir/disk.001" -o "$work/o-dir" 2>"$work/err"
is "$?:$(cat "$work/err")" \
	"1:dredge: cannot read split image '$work/dir/disk.001': segment '$work/dir/disk.001' is a directory, not an image segment" \
	"a directory named disk.001 beside disk.002: refused"
cp "$work/demo.raw" "$work/dir/only.001"
D scan "$work/dir/only.001" -o "$work/o-only" -q --threads 1 --io pread 2>"$work/err" &&
	cmp -s "$work/ref-demo/report.jsonl" "$work/o-only/report.jsonl"
ok $? "a lone disk.001 is a plain image"

# ---- error paths: E01
if [ "$have_ewf" = 1 ]; then
	mkdir -p "$work/bad"
	head -c 500000 "$work/demo.E01" >"$work/bad/trunc.E01"
	D scan "$work/bad/trunc.E01" -o "$work/o-tr" 2>"$work/err"
	is "$?:$(cat "$work/err")" \
		"1:dredge: cannot read E01 image '$work/bad/trunc.E01': the container is incomplete (1 segment file found; one is truncated, or the next one is missing)" \
		"E01: a truncated container is refused"
	nseg=$(ls "$work"/demo.E0* | wc -l)
	for s in "$work"/demo.E0*; do cp "$s" "$work/bad/"; done
	rm "$work/bad/demo.E02"
	D scan "$work/bad/demo.E01" -o "$work/o-miss" 2>"$work/err"
	is "$?:$(cat "$work/err")" \
		"1:dredge: cannot read E01 image '$work/bad/demo.E01': the container is incomplete (1 segment file found; one is truncated, or the next one is missing)" \
		"E01: a missing segment ($nseg made) is refused"

	(head -c 8 "$work/demo.E01"; head -c 5000 /dev/zero) >"$work/bad/junk.E01"
	D scan "$work/bad/junk.E01" -o "$work/o-junk" 2>"$work/err"
	rc=$?
	# libewf's own words vary with its version: only the start is ours.
	case "$rc:$(cat "$work/err")" in
	"1:dredge: cannot read E01 image '$work/bad/junk.E01': libewf cannot open it: "?*)
		ok 0 "E01: a signature and nothing else is refused, with libewf's reason" ;;
	*)	ok 1 "E01: a signature and nothing else is refused, with libewf's reason"
		sed 's/^/#   /' "$work/err" ;;
	esac
	# An E01 of one segment under another name is found by its signature.
	cp "$work/fat.E01" "$work/bad/card image.img"
	D scan "$work/bad/card image.img" -o "$work/o-named" -q --threads 1 \
		--io pread 2>"$work/err"
	ok $? "E01 named .img: the scan completes"
	same "$work/ref-fat" "$work/o-named" "E01 named .img"

	# A damaged chunk: overwrite compressed bytes in the middle of the
	# first segment; libewf's checksum catches it.
	cp "$work/demo.E01" "$work/bad/dmg.E01"
	for s in "$work"/demo.E0[2-9]; do
		[ -f "$s" ] && cp "$s" "$work/bad/dmg.E0${s##*.E0}"
	done
	printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' |
		dd of="$work/bad/dmg.E01" bs=1 seek=300000 conv=notrunc status=none
	D scan "$work/bad/dmg.E01" -o "$work/o-dmg" -q --threads 2 2>"$work/err"
	ok $? "E01 with a damaged chunk: the scan completes"
	ranges=$(sed -n "s/.*<dredge:unreadable img_offset='\([0-9]*\)' len='\([0-9]*\)'.*/\1+\2/p" \
		"$work/o-dmg/report.xml")
	case $ranges in
	*+32768) ok 0 "E01 damaged chunk: one chunk unreadable ($ranges)" ;;
	*) ok 1 "E01 damaged chunk: one chunk unreadable ($ranges)" ;;
	esac
	# Every file clear of that chunk is the same as from the raw image.
	bo=${ranges%+*} bl=${ranges#*+}
	lost=0 kept=0
	while read -r line; do
		fn=$(printf '%s\n' "$line" | sed 's/.*"filename":"\([^"]*\)".*/\1/')
		o=$(printf '%s\n' "$line" | sed 's/.*"runs":\[{"offset":0,"img_offset":\([0-9]*\),"len":\([0-9]*\)}.*/\1/')
		l=$(printf '%s\n' "$line" | sed 's/.*"runs":\[{"offset":0,"img_offset":\([0-9]*\),"len":\([0-9]*\)}.*/\2/')
		if [ $((o + l)) -le "$bo" ] || [ "$o" -ge $((bo + bl)) ]; then
			cmp -s "$work/ref-demo/$fn" "$work/o-dmg/$fn" || lost=$((lost + 1))
			kept=$((kept + 1))
		fi
	done <"$work/ref-demo/report.jsonl"
	[ "$lost" = 0 ] && [ "$kept" -ge 4 ]
	ok $? "E01 damaged chunk: the $kept files clear of it are intact ($lost differ)"

	# Sectors the acquisition could not read (the container's list,
	# written by tests/tools/mkewf): unreadable ranges, exactly those.
	MKEWF=$top_builddir/tests/tools/mkewf
	if [ -x "$MKEWF" ]; then
		"$MKEWF" "$work/demo.raw" "$work/bad/acq" 130:2 3000:1 &&
		D scan "$work/bad/acq.E01" -o "$work/o-acq" -q 2>"$work/err"
		ok $? "E01 with acquiry errors: the scan completes"
		got=$(grep '<dredge:unreadable ' "$work/o-acq/report.xml" | tr -d ' ' | tr '\n' ' ')
		is "$got" "<dredge:unreadableimg_offset='66560'len='1024'/> <dredge:unreadableimg_offset='1536000'len='512'/> " \
			"E01 with acquiry errors: sectors 130-131 and 3000 unreadable"
		# The file the raw scan found over sector 130 (whichever
		# sample the demo puts there) is reported with unreadable bytes.
		over=$(sed -n 's/.*"filename":"\([^"]*\)",.*"status":"complete","offset":\([0-9]*\),.*"size":\([0-9]*\),.*/\1 \2 \3/p' \
			"$work/ref-demo/report.jsonl" |
			awk '$2 <= 66560 && $2 + $3 > 66560 { print $2; exit }')
		[ -n "$over" ] &&
		grep -q "\"offset\":$over,.*\"unreadable_bytes\":[1-9]" "$work/o-acq/report.jsonl"
		ok $? "E01 with acquiry errors: the file over them says so (at ${over:-none found})"
	fi

	D bench "$work/demo.E01" 2>"$work/err"
	rc=$?
	is "$rc:$(cat "$work/err")" \
		"1:dredge: cannot measure '$work/demo.E01' (E01 container): bench measures the reads of a device or raw image through its descriptor, and this source has none; time 'dredge scan' on it instead" \
		"bench on an E01: refused, saying why"
fi

tap_done

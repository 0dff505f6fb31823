#!/bin/sh
# How recovered files reach the output: hashed by the validators (in the
# chunk, then through a mapping of the image a window at a time), copied
# by the kernel (copy_file_range) when the output lies on the image's
# file system and through a buffer otherwise; a content seen before is
# not written again.  Whatever the engine, the thread count or the path,
# the files and reports are the same, and the hashes are the files'.
. "$srcdir/tests/e2e/tap.sh"
tap_workdir copy
J=$DATA/jpeg

hash() { "$XXH128SUM" "$1" | cut -d' ' -f1; }
strip_times() { grep -v -e '<start_time>' -e 'end_time>' -e '<command_line>' \
	-e 'io_engine' "$1"; }

# A 6 MB picture (far larger than a 64 KiB chunk and than a mapped
# window), twice, and a small JPEG between.
"$MKIMAGE" -o "$work/noise" -z 6000000 -s 31 &&
{ printf 'P6\n2000 1000\n255\n'; cat "$work/noise"; } >"$work/big.ppm"
"$MKIMAGE" -o "$work/img" -z 24M -s 9 "$work/big.ppm@1049088" \
	"$J/gray.jpg@8M" "$work/big.ppm@12582912"
ok $? "24 MiB image with a 6 MB picture twice and a JPEG"

out=$work/mmap
"$DREDGE" scan "$work/img" -o "$out" -q --chunk-size 64K --io mmap
ok $? "scan with 64 KiB chunks"
check "the picture is recovered byte-exact" cmp "$out/ppm/f0002049.ppm" "$work/big.ppm"
check "so is the JPEG" cmp "$out/jpg/f0016384.jpg" "$J/gray.jpg"
is "$(ls "$out/ppm")" "f0002049.ppm" "the second copy is not written"
check "it is reported as a duplicate of the first" sh -c \
	"grep '\"offset\":12582912,' '$out/report.jsonl' | grep -q '\"duplicate_of\":1,'"
check "the report's XXH3-128 is the picture's" \
	grep -q "\"xxh3_128\":\"$(hash "$work/big.ppm")\"" "$out/report.jsonl"
if command -v md5sum >/dev/null; then
	m=$(md5sum "$work/big.ppm" | cut -d' ' -f1)
	is "$(grep -c "\"md5\":\"$m\"" "$out/report.jsonl")" 2 \
		"both entries carry the picture's md5"
fi

strip_times "$out/report.xml" >"$work/a.xml"
for variant in "--io uring" "--io pread --threads 1" "--io mmap --threads 1" \
               "--io uring --direct on --threads 3" "--report-only"; do
	d=$work/v$(echo "$variant" | tr -dc 'a-z0-9')
	"$DREDGE" scan "$work/img" -o "$d" -q --chunk-size 64K $variant
	if [ "$variant" = --report-only ]; then
		check "$variant: the same JSONL report" \
			cmp "$out/report.jsonl" "$d/report.jsonl"
		continue
	fi
	check "$variant: same files and JSONL report" \
		diff -r -x report.xml -x report.html "$out" "$d"
	strip_times "$d/report.xml" >"$work/b.xml"
	check "$variant: same DFXML report apart from times" \
		cmp "$work/a.xml" "$work/b.xml"
done

# Another file system: the kernel will not copy across, the buffer does.
shm=/dev/shm
if [ -d "$shm" ] && [ -w "$shm" ] &&
   [ "$(stat -f -c %T "$shm")" != "$(stat -f -c %T "$work")" ]; then
	d=$(mktemp -d "$shm/dredge-copy.XXXXXX")
	"$DREDGE" scan "$work/img" -o "$d/o" -q --chunk-size 64K
	check "output on $(stat -f -c %T "$shm"): same files and JSONL report" \
		diff -r -x report.xml -x report.html "$out" "$d/o"
	rm -rf "$d"
else
	echo "ok $((tap_n + 1)) # SKIP no /dev/shm on another file system"
	tap_n=$((tap_n + 1))
fi

tap_done

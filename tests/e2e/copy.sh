#!/bin/sh
# How recovered files reach the output: hashed by the validators (in the
# chunk, then through a mapping of the image a window at a time, or a
# copy where mappings cost more: DREDGE_VIEWS), copied by the kernel
# (copy_file_range) when the output lies on the image's file system and
# with sendfile otherwise; a content seen before is not written again.
# Whatever the engine, the views, the thread count or the path, the files
# and reports are the same, and the hashes are the files'.
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

# Views of the page cache or copies of it, forced either way: the same
# again; the DFXML report says which, and auto reads through views (the
# mmap engine) only with them.
engine_of() {  # engine_of DIR: "views engine" from its DFXML report
	sed -n "s:.*<dredge\\:io_engine views='\\([a-z]*\\)'>\\(.*\\)</dredge\\:io_engine>.*:\\1 \\2:p" \
		"$1/report.xml"
}
for views in on off; do
	d=$work/views$views
	DREDGE_VIEWS=$views "$DREDGE" scan "$work/img" -o "$d" -q --chunk-size 64K
	check "DREDGE_VIEWS=$views: same files and JSONL report" \
		diff -r -x report.xml -x report.html "$out" "$d"
	if [ $views = on ]; then want="viewed mmap"; else want="copied $(
		engine_of "$d" | grep -q pread && echo pread || echo io_uring)"; fi
	is "$(engine_of "$d")" "$want" "DREDGE_VIEWS=$views: $want"
done
d=$work/viewsoffmmap
DREDGE_VIEWS=off "$DREDGE" scan "$work/img" -o "$d" -q --io mmap
is "$(engine_of "$d")" "viewed mmap" \
	"DREDGE_VIEWS=off --io mmap: --io says, views and the mmap engine"
DREDGE_VIEWS=yes "$DREDGE" scan "$work/img" -o "$work/viewsbad" -q \
	2>"$work/err"
is $? 2 "DREDGE_VIEWS=yes: exit status 2"
is "$(cat "$work/err")" \
	"dredge: DREDGE_VIEWS must be auto, on or off, not 'yes'" \
	"DREDGE_VIEWS=yes: the message names the values"
check "DREDGE_VIEWS=yes: nothing written" test ! -e "$work/viewsbad"
d=$work/viewsauto
"$DREDGE" scan "$work/img" -o "$d" -q
case $(engine_of "$d") in
"viewed mmap"|"copied io_uring"|"copied pread") r=0 ;;
*) r=1 ;;
esac
ok $r "auto: the mmap engine reads where views were measured to pay ($(
	engine_of "$d"))"
"$DREDGE" version >"$work/version"
check "dredge version: the page cache line" grep -Eq \
	'^page cache: (viewed|copied) \(2 MiB: viewed in [0-9]+ us, copied in [0-9]+ us\)$' \
	"$work/version"

# Another file system: the kernel will not copy across, sendfile does.
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

#!/bin/sh
# End to end: JPEGs planted in a seeded image come back byte-exact, named by
# start sector, with exact report entries; truncated, unaligned and false
# starts are handled; output is the same for any thread count and engine.
. "$srcdir/tests/e2e/tap.sh"
tap_workdir scan_jpeg
J=$DATA/jpeg
img=$work/card.img

# Layout: aligned JPEGs (found), two unaligned ones (found only with
# --any-offset), a truncated copy, false SOIs, and a chunk-straddling one
# (the scan below uses 64 KiB chunks, so 3 MiB - 512 crosses no boundary
# but 4 MiB - 2 does with --any-offset).
"$MKIMAGE" -o "$img" -z 6M -s 20261121 \
	"$J/baseline.jpg@4096" \
	"$J/progressive.jpg@64K" \
	"$J/exif_thumb.jpg@1M" \
	"$J/gray.jpg@1536K" \
	"$J/restart.jpg@2M" \
	"$J/sub420.jpg@2560K+3000" \
	"$J/arith.jpg@3M-512" \
	"$J/baseline.jpg@3670017" \
	"$J/gray.jpg@4194302" \
	"hex:ffd8ffe000104a464946@5M" \
	"hex:ffd8ffd9@5632K" \
	"hex:ffd8ff@6143K" 2>/dev/null || {
	# "3M-512" is not a size the generator reads: spell offsets out.
	"$MKIMAGE" -o "$img" -z 6M -s 20261121 \
		"$J/baseline.jpg@4096" \
		"$J/progressive.jpg@65536" \
		"$J/exif_thumb.jpg@1048576" \
		"$J/gray.jpg@1572864" \
		"$J/restart.jpg@2097152" \
		"$J/sub420.jpg@2621440+3000" \
		"$J/arith.jpg@3145216" \
		"$J/baseline.jpg@3670017" \
		"$J/gray.jpg@4194302" \
		"hex:ffd8ffe000104a464946@5242880" \
		"hex:ffd8ffd9@5767168" \
		"hex:ffd8ff@6290432"
}
ok $? "seeded image generated"

size() { wc -c <"$1" | tr -d ' '; }
hash() { "$XXH128SUM" "$1" | cut -d' ' -f1; }

# The complete files expected in block mode, as report fields:
# filename status offset size hash
expect_line() {  # expect_line NAME OFFSET FILE
	echo "$1 complete $2 $(size "$3") $(hash "$3")"
}
expected=$(
	expect_line jpg/f0000008.jpg 4096 "$J/baseline.jpg"
	expect_line jpg/f0000128.jpg 65536 "$J/progressive.jpg"
	expect_line jpg/f0002048.jpg 1048576 "$J/exif_thumb.jpg"
	expect_line jpg/f0003072.jpg 1572864 "$J/gray.jpg"
	expect_line jpg/f0004096.jpg 2097152 "$J/restart.jpg"
	expect_line jpg/f0006143.jpg 3145216 "$J/arith.jpg"
)

fields() {  # filename status offset size hash, one line per report entry
	sed -n 's/.*"filename":"\([^"]*\)".*"status":"\([a-z]*\)","offset":\([0-9]*\),.*"size":\([0-9]*\),.*"xxh3_128":"\([0-9a-f]*\)".*/\1 \2 \3 \4 \5/p' "$1"
}

out=$work/out1
"$DREDGE" scan "$img" -o "$out" --types jpg --chunk-size 64K --threads 2 \
	2>"$work/err1"
ok $? "scan exits 0"
got=$(fields "$out/report.jsonl" | grep ' complete ')
is "$got" "$expected" "report lists exactly the complete JPEGs, in order"

# Recovered bytes equal the originals.
for pair in f0000008:baseline f0000128:progressive f0002048:exif_thumb \
            f0003072:gray f0004096:restart f0006143:arith; do
	name=${pair%%:*}
	orig=${pair#*:}
	check "jpg/$name.jpg is byte-identical to $orig.jpg" \
		cmp "$out/jpg/$name.jpg" "$J/$orig.jpg"
done

# The truncated copy: named t..., reported truncated, a prefix of the
# original's first 3000 bytes (the validator decodes the scan and keeps
# only what decoded, less the 2 KiB the foreign bytes after a cut may
# still decode for).
trunc=$(fields "$out/report.jsonl" | grep ' truncated ')
is "$(echo "$trunc" | cut -d' ' -f1-3)" "jpg/t0005120.jpg truncated 2621440" \
	"the cut JPEG is reported truncated under a t name"
tsize=$(size "$out/jpg/t0005120.jpg")
head -c 3000 "$J/sub420.jpg" >"$work/prefix"
check "the truncated file is the original's first $tsize bytes (900..3000)" \
	sh -c "[ $tsize -ge 900 ] && [ $tsize -le 3000 ] &&
	       cmp -n $tsize '$out/jpg/t0005120.jpg' '$work/prefix'"
is "$(ls "$out/jpg" | wc -l | tr -d ' ')" 7 "nothing else was written"
check "no .part files are left" sh -c "! ls '$out/jpg' | grep -q part"

# The DFXML report holds the same facts.
xml=$out/report.xml
check "DFXML names the exif JPEG with its byte run" grep -q \
	"<byte_run offset='0' img_offset='1048576' len='$(size "$J/exif_thumb.jpg")'/>" "$xml"
check "DFXML carries the xxh3-128 digest" grep -q \
	"<hashdigest type='xxh3-128'>$(hash "$J/exif_thumb.jpg")</hashdigest>" "$xml"
check "DFXML records the command line" grep -q \
	"<command_line>.*scan .*card.img -o .*</command_line>" "$xml"
check "DFXML is well-formed and closed" sh -c "tail -1 '$xml' | grep -q '</dfxml>'"
if command -v xmllint >/dev/null 2>&1; then
	check "xmllint accepts report.xml" xmllint --noout "$xml"
fi
check "summary goes to stderr" grep -q \
	"dredge: 7 files recovered (7 jpg); 1 truncated, 0 duplicates, 0 unreadable ranges" \
	"$work/err1"

# The EXIF thumbnail is dropped by default and kept on request.
"$DREDGE" scan "$img" -o "$work/keep" --types jpg --keep-embedded -q
thumbs=$(fields "$work/keep/report.jsonl" | awk '$3 > 1048576 && $3 < 1048576 + 5963' | wc -l)
is "$thumbs" 0 "block-aligned scan sees no thumbnail start (it is not sector-aligned)"
"$DREDGE" scan "$img" -o "$work/keep2" --types jpg --keep-embedded --any-offset -q
thumbs=$(fields "$work/keep2/report.jsonl" | awk '$3 > 1048576 && $3 < 1048576 + 5963 && $2 == "complete"' | wc -l)
is "$thumbs" 1 "--any-offset --keep-embedded also recovers the EXIF thumbnail"
"$DREDGE" scan "$img" -o "$work/any" --types jpg --any-offset -q
thumbs=$(fields "$work/any/report.jsonl" | awk '$3 > 1048576 && $3 < 1048576 + 5963' | wc -l)
is "$thumbs" 0 "--any-offset alone drops the thumbnail inside the accepted JPEG"

# --any-offset finds the unaligned files, one straddling a chunk edge.
got=$(fields "$work/any/report.jsonl" | awk '$3 == 3670017 || $3 == 4194302 {print $1, $2, $4}')
is "$got" "jpg/f0007168_1.jpg complete $(size "$J/baseline.jpg")
jpg/f0008191_510.jpg complete $(size "$J/gray.jpg")" \
	"--any-offset recovers unaligned JPEGs (one across a chunk edge)"
is "$(fields "$work/any/report.jsonl" | awk '$3 == 4194302 {print $5}')" \
	"$(hash "$J/gray.jpg")" "the unaligned gray JPEG has the original's hash"
check "it is reported as a duplicate of the aligned copy, not written twice" \
	sh -c "grep '\"offset\":4194302,' '$work/any/report.jsonl' | grep -q '\"duplicate_of\":4,'"
check "so is the unaligned baseline JPEG, of the first entry" \
	sh -c "grep '\"offset\":3670017,' '$work/any/report.jsonl' | grep -q '\"duplicate_of\":1,'"

# Determinism: threads and engines do not change a byte of the output.
strip_times() { grep -v -e '<start_time>' -e 'end_time>' -e '<command_line>' \
	-e 'io_engine' "$1"; }
for variant in "--threads 1" "--threads 8" "--io pread" "--io uring" \
               "--io mmap" "--io mmap --threads 1 --chunk-size 128K" \
               "--io pread --threads 3 --chunk-size 128K" "--direct on"; do
	d=$work/v$(echo "$variant" | tr -dc 'a-z0-9')
	"$DREDGE" scan "$img" -o "$d" --types jpg --chunk-size 64K -q $variant
	check "$variant: same files as the first run" \
		diff -r -x report.xml -x report.html "$out" "$d"
	strip_times "$out/report.xml" >"$work/a.xml"
	strip_times "$d/report.xml" >"$work/b.xml"
	check "$variant: same DFXML report apart from times" \
		cmp "$work/a.xml" "$work/b.xml"
done

# Duplicate content is written once; every location is reported.
"$MKIMAGE" -o "$work/dup.img" -z 1M -s 5 "$J/gray.jpg@0" "$J/gray.jpg@512K"
"$DREDGE" scan "$work/dup.img" -o "$work/dup" -q
is "$(ls "$work/dup/jpg")" "f0000000.jpg" "identical content is written once"
is "$(grep -c '"duplicate_of":1' "$work/dup/report.jsonl")" 1 \
	"the second location is reported as a duplicate of the first"

tap_done

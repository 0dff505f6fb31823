#!/bin/sh
# Hostile density: a candidate at every sector (a JPEG header and garbage;
# then every format's signatures in turn), and with --any-offset one every
# three bytes.  Memory stays bounded, the scan finishes, and no candidate
# is lost: real files hidden among the false ones are still found.
. "$srcdir/tests/e2e/tap.sh"
tap_workdir dense
J=$DATA/jpeg

# Peak memory bound for a 256 MiB image scanned with 4 threads.  What the
# pipeline holds: the chunk ring, (queue depth 4 + 2 x 4 threads + 2) x
# 2 MiB = 28 MiB; validation windows, 5 x 256 KiB; batches, at most 24 alive,
# each compacted at 32768 candidates of 48 bytes (1.5 MiB) = 36 MiB; the
# copy buffer and the de-duplication table, a few MiB.  About 80 MiB at
# worst: 256 MiB leaves room for allocator slack and sanitizer builds,
# and is far below what the image would cost if memory followed it.
BOUND_KIB=262144
[ -n "$DREDGE_SANITIZED" ] && BOUND_KIB=1048576   # ASan/TSan shadow memory

peak() {  # peak KIB-VAR LOG -- COMMAND...: runs COMMAND, its peak RSS
	log=$2
	shift 3
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -v "$@" 2>"$log"
		rc=$?
		kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
	else
		"$@" 2>"$log"
		rc=$?
		kib=""
	fi
	return $rc
}
seconds() { sed -n 's/^dredge: scanned .* in \([0-9.]*\) s .*/\1/p' "$1"; }

# One false JPEG start at every sector of 256 MiB, random bytes after it.
# Real JPEGs among them: at a 2 MiB boundary, in the sector after one,
# and in the last sector before one, where a scan worker's chunk ends
# and it screens the starts it still holds.
"$MKIMAGE" -o "$work/dense.img" -z 256M -s 5 "hex:ffd8ffe0@0/512" \
	"$J/gray.jpg@100M" "$J/arith.jpg@209715712" \
	"$J/baseline.jpg@167771648"
ok $? "256 MiB image with a JPEG header at every sector"
"$MKIMAGE" -o "$work/normal.img" -z 256M -s 5 "$J/gray.jpg@100M" \
	"$J/arith.jpg@209715712" "$J/baseline.jpg@167771648"
peak kib "$work/dense.log" -- "$DREDGE" scan "$work/dense.img" -o "$work/d" \
	--threads 4
ok $? "the dense image scan finishes"
is "$(ls "$work/d/jpg" | tr '\n' ' ')" \
	"f0204800.jpg f0327679.jpg f0409601.jpg " \
	"the three real JPEGs among 524288 false starts are found"
check "and they are exact" sh -c \
	"cmp '$work/d/jpg/f0204800.jpg' '$J/gray.jpg' && cmp '$work/d/jpg/f0327679.jpg' '$J/baseline.jpg' && cmp '$work/d/jpg/f0409601.jpg' '$J/arith.jpg'"
if [ -n "$kib" ]; then
	check "peak memory ${kib} KiB stays under ${BOUND_KIB} KiB" test "$kib" -lt "$BOUND_KIB"
	echo "# dense image: peak RSS $kib KiB"
else
	echo "ok $((tap_n + 1)) # SKIP no /usr/bin/time (package time) to measure memory"
	tap_n=$((tap_n + 1))
fi
"$DREDGE" scan "$work/normal.img" -o "$work/n" --threads 4 2>"$work/normal.log"
ok $? "the same image without the false starts scans"
diff -r -x 'report.*' "$work/d" "$work/n" >/dev/null 2>&1
ok $? "and gives the same files"
echo "# throughput: dense $(seconds "$work/dense.log") s, normal $(seconds "$work/normal.log") s (256 MiB each, 4 threads)"

# Every format's signatures, one per sector in turn.
sigs=$("$DREDGE" types | awk 'NR > 1 { for (i = 4; i <= NF; i++)
	if ($i ~ /^[0-9]+:[0-9a-f]+$/) print $i }')
n=$(echo "$sigs" | wc -l | tr -d ' ')
plants=""
i=0
for s in $sigs; do
	plants="$plants hex:${s#*:}@$((i * 512 + ${s%%:*}))/$((n * 512))"
	i=$((i + 1))
done
"$MKIMAGE" -o "$work/all.img" -z 256M -s 6 $plants "$J/gray.jpg@100M"
ok $? "256 MiB image with each of the $n signatures in turn at every sector"
rm -f "$work/dense.img" "$work/normal.img"
peak kib "$work/all.log" -- "$DREDGE" scan "$work/all.img" -o "$work/a" \
	--threads 4
ok $? "the all-signatures image scan finishes"
check "the real JPEG among them is found" cmp "$work/a/jpg/f0204800.jpg" "$J/gray.jpg"
if [ -n "$kib" ]; then
	check "peak memory ${kib} KiB stays under ${BOUND_KIB} KiB" test "$kib" -lt "$BOUND_KIB"
	echo "# all-signatures image: peak RSS $kib KiB, $(seconds "$work/all.log") s"
fi
rm -f "$work/all.img"

# --any-offset over "ffd8ff" repeated: 350000 candidates in each 1 MiB
# chunk, ten times what a batch holds before it is compacted.  The JPEGs
# among them (not sector-aligned) are found, whatever the engine or thread
# count; before batches were compacted, candidates past a cap were lost.
"$MKIMAGE" -o "$work/any.img" -z 2M -s 7 "hex:ffd8ff@0/3" \
	"$J/arith.jpg@800003" "$J/gray.jpg@1900001"
first=""
for variant in "--threads 1" "--threads 3 --io pread" "--threads 2 --io mmap" \
               "--threads 1 --io uring"; do
	out=$work/any$(echo "$variant" | tr -dc 'a-z0-9')
	"$DREDGE" scan "$work/any.img" -o "$out" --any-offset --chunk-size 1M \
		-q $variant
	ok $? "any-offset, $variant: the scan finishes"
	is "$(ls "$out/jpg" | tr '\n' ' ')" "f0001562_259.jpg f0003710_481.jpg " \
		"any-offset, $variant: both JPEGs among 700000 false starts are found"
	if [ -z "$first" ]; then
		first=$out
		check "any-offset: they are exact" sh -c \
			"cmp '$out/jpg/f0001562_259.jpg' '$J/arith.jpg' && cmp '$out/jpg/f0003710_481.jpg' '$J/gray.jpg'"
	else
		check "any-offset, $variant: same files and JSONL report" \
			diff -r -x report.xml -x report.html "$first" "$out"
	fi
done

tap_done

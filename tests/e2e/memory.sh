#!/bin/sh
# Memory follows the ring, and the ring follows the source and a cap
# (RING_MAX_BYTES, 256 MiB, stated in dredge(1)), never the options alone:
# --chunk-size 1G on a small image, or the largest chunk, queue depth and
# thread count together, stay bounded and give the same files.
. "$srcdir/tests/e2e/tap.sh"
tap_workdir memory
J=$DATA/jpeg

if [ ! -x /usr/bin/time ]; then
	echo "1..0 # SKIP no /usr/bin/time (package time) to measure memory"
	exit 0
fi
# Sanitizer builds add shadow memory and allocator quarantine.
SMALL_KIB=65536 BIG_KIB=458752
# (TSan: about 1.8 GiB with 256 threads, still far below the 7 GiB and more
# that chunks x slots would cost unbounded.)
[ -n "$DREDGE_SANITIZED" ] && SMALL_KIB=524288 BIG_KIB=3145728

peak() {  # peak LOG COMMAND...: runs COMMAND; sets rc and kib
	log=$1
	shift
	/usr/bin/time -v "$@" 2>"$log"
	rc=$?
	kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
}

"$MKIMAGE" -o "$work/small.img" -z 8M -s 9 "$J/gray.jpg@8192" \
	"$J/baseline.jpg@5M"
"$DREDGE" scan "$work/small.img" -o "$work/ref" -q
ok $? "8 MiB image, default chunk size"

# Seven chunks of 1 GiB used to be allocated and registered for 8 MiB.
peak "$work/small.log" "$DREDGE" scan "$work/small.img" -o "$work/big" -q \
	--chunk-size 1G
is "$rc" 0 "--chunk-size 1G on 8 MiB: the scan completes"
check "--chunk-size 1G on 8 MiB: peak RSS $kib KiB under $SMALL_KIB KiB" \
	test "$kib" -lt "$SMALL_KIB"
check "--chunk-size 1G on 8 MiB: the same files and JSONL report" \
	diff -r -x report.xml -x report.html "$work/ref" "$work/big"

# Every option at its largest: the ring stays at its cap.
truncate -s 512M "$work/sparse.img"
"$MKIMAGE" -o "$work/head.img" -z 1M -s 9 "$J/gray.jpg@4096"
dd if="$work/head.img" of="$work/sparse.img" conv=notrunc status=none
peak "$work/sparse.log" "$DREDGE" scan "$work/sparse.img" -o "$work/max" -q \
	--chunk-size 1G --queue-depth 256 --threads 256
is "$rc" 0 "512 MiB with --chunk-size 1G --queue-depth 256 --threads 256: completes"
check "and its peak RSS $kib KiB stays under $BIG_KIB KiB" \
	test "$kib" -lt "$BIG_KIB"
check "and the JPEG is found" cmp "$work/max/jpg/f0000008.jpg" "$J/gray.jpg"
echo "# peak RSS: 8 MiB at 1G chunks $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/small.log") KiB, every option at its largest $kib KiB"

tap_done

#!/usr/bin/env bash
# shard.sh - what sharding costs and gains: on a seeded image (a JPEG every
# MiB, an MP4 every 4 MiB), hot in the page cache, times one scan, each of
# two shards alone, both at once (one core each), one scan with two
# threads and the merge, in interleaved rounds; checks that the merge
# equals the one scan before printing; then scans 7 shards and prints how
# far each handed over and read past its range end, and the merge time.
#   bench/shard.sh [BUILD_DIR] [SIZE] [ROUNDS] [SCAN OPTIONS...]
# defaults: build 1G 3 --any-offset --simd scalar (CPU-bound)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
size=${2:-1G}
rounds=${3:-3}
shift $(($# < 3 ? $# : 3))
opts=("$@")
[ ${#opts[@]} -gt 0 ] || opts=(--any-offset --simd scalar)
D=$build/src/dredge
work=$build/bench-shard
rm -rf "$work" && mkdir -p "$work" && cd "$work"
"$build/tests/tools/mkimage" -o img -z "$size" -s 5 \
	"$top/tests/data/jpeg/baseline.jpg@4096/1048576" \
	"$top/tests/data/mp4/dashcam.mp4@300000/4194304"
cat img >/dev/null
t() { local s; s=$(date +%s.%N); "$@"; echo "$(date +%s.%N) - $s" | bc; }
scan() { "$D" scan img -q --no-progress --threads 1 "${opts[@]}" "$@"; }
for r in $(seq 1 "$rounds"); do
	rm -rf o1 o2 os1 os2 op1 op2 om
	one=$(t scan -o o1)
	s1=$(t scan -o os1 --shard 1/2)
	s2=$(t scan -o os2 --shard 2/2)
	par=$(t bash -c "$(declare -f scan); D=$D; opts=(${opts[*]}); scan -o op1 --shard 1/2 & scan -o op2 --shard 2/2 & wait")
	two=$(t "$D" scan img -o o2 -q --no-progress --threads 2 "${opts[@]}")
	m=$(t "$D" merge -q -o om op1 op2)
	diff -r -x report.xml o1 om >/dev/null || { echo "merge differs from one scan" >&2; exit 1; }
	echo "round $r: one $one s; shard 1/2 $s1 s; shard 2/2 $s2 s; both at once $par s; one with 2 threads $two s; merge $m s"
done
rm -rf s7 && mkdir s7
for k in $(seq 1 7); do scan -o s7/$k --shard $k/7; done
for k in $(seq 1 7); do
	awk -v k=$k '/^range/{hi=$3} /^read_end/{r=$2} /^handover/{h=$2}
	    END{print "shard " k "/7: handed over " h-hi " bytes past its end, read " r-hi " past it"}' s7/$k/.dredge-shard
done
m=$(t "$D" merge -q -o s7m s7/1 s7/2 s7/3 s7/4 s7/5 s7/6 s7/7)
diff -r -x report.xml o1 s7m >/dev/null || { echo "7-shard merge differs" >&2; exit 1; }
echo "merge of 7 shards: $m s ($(wc -l <o1/report.jsonl) entries)"

#!/usr/bin/env bash
# hash.sh - what --hash costs: the same scan of one image with --hash none
# and with the default digests (md5,sha256), alternating, hot cache, both
# writing files and --report-only.  Every run is checked before a time is
# printed: each planted photo reported whole with its XXH3-128 (and every
# file written byte-exact), and with digests, each written file's MD5 and
# SHA-256 equal to md5sum's and sha256sum's.
#
#   bench/hash.sh [BUILD] [SIZE] [RUNS]     (defaults: build 256M 3)
#
# The image is bench/common.sh's dense camera card (distinct noise photos
# back to back: the case where the writer, which does the hashing, is the
# limit), made from a seed and reused.  Needs cjpeg (libjpeg-turbo-progs).
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/bench/common.sh"
BUILD=$(cd "${1:-$src/build}" 2>/dev/null && pwd) || die "no build folder"
SIZE_B=$(to_bytes "${2:-256M}")
RUNS=${3:-3}
SEED=1
DREDGE=$BUILD/src/dredge
MKIMAGE=$BUILD/tests/tools/mkimage
XXH128SUM=$BUILD/tests/tools/xxh128sum
DIR=$BUILD/bench
PLANTDIR=$DIR/plants
OUT=$DIR/hash-out
mkdir -p "$DIR"
img=$DIR/dense-hash-$(human "$SIZE_B").img
gen_dense "$img" "$SIZE_B"

# digests_right OUT: every written file's md5/sha256 is the report's.
digests_right() {
	local f m s
	grep '"duplicate_of":null' "$1/report.jsonl" |
		sed 's/.*"filename":"\([^"]*\)".*"md5":"\([0-9a-f]*\)","sha256":"\([0-9a-f]*\)".*/\1 \2 \3/' |
		while read -r f m s; do
			[ "$(md5sum <"$1/$f" | cut -d' ' -f1)" = "$m" ] &&
			[ "$(sha256sum <"$1/$f" | cut -d' ' -f1)" = "$s" ] ||
				{ echo "$f"; break; }
		done
}

declare -A T
for ((r = 1; r <= RUNS; r++)); do
	for mode in write report-only; do
		for h in none md5,sha256; do
			extra=()
			[ $mode = report-only ] && extra=(--report-only)
			rm -rf "$OUT"
			cache_hot "$img"
			timed "$DIR/hash-run.log" "$DREDGE" scan "$img" -o "$OUT" -q \
				--hash "$h" "${extra[@]}"
			((RC == 0)) || die "dredge failed: $(tail -1 "$DIR/hash-run.log")"
			if [ $mode = write ]; then
				verify_dredge "$OUT" "$img.manifest" || die "wrong results: $BAD"
			fi
			if [ $h != none ] && [ $mode = write ]; then
				bad=$(digests_right "$OUT")
				[ -z "$bad" ] || die "wrong digest for $bad"
			fi
			T[$mode,$h]+="$ELAPSED "
		done
	done
done
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "image: $img ($(human "$SIZE_B"), $(grep -vc '^#' "$img.manifest") photos), $RUNS runs each, hot, median seconds"
printf '%-12s %10s %14s %8s\n' mode "hash none" "md5,sha256" ratio
for mode in write report-only; do
	a=$(echo "${T[$mode,none]}" | median)
	b=$(echo "${T[$mode,md5,sha256]}" | median)
	printf '%-12s %10s %14s %8s\n' "$mode" "$a" "$b" \
		"$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }')"
done
rm -rf "$OUT"

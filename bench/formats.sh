#!/bin/bash
# bench/formats.sh - what each carver recovers, format by format.
#
#   bench/formats.sh [BUILDDIR] [WORKDIR]
#
# Builds two seeded images from the real samples in tests/data (every
# format dredge knows):
#   spaced  each sample at a sector boundary after a gap of random filler
#           (the end-to-end test's layout);
#   packed  samples back to back on sector boundaries, like a camera card,
#           every sample twice (two rounds, 256 KiB of filler between
#           them), every fifth one overwritten part-way by random data;
# then runs dredge and, where installed, PhotoRec, foremost and scalpel
# with every file type they know enabled, and classifies each planted file:
#   exact    an output file is byte-identical to it
#   partial  no exact copy, but an output starts with its first 512 bytes
#            (cut short, or run on past its end)
#   missed   nothing starts like it
# and counts "extra" outputs: files that begin like no planted file.
# Nothing here is a test; it prints a table.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
work=${2:-$build/bench-formats}
DREDGE=$build/src/dredge
MKIMAGE=$build/tests/tools/mkimage
XXH=$build/tests/tools/xxh128sum
XXH128SUM=$XXH
# shellcheck source=bench/common.sh
. "$src/bench/common.sh"
mkdir -p "$work"

h() { "$XXH" "$1" | cut -d' ' -f1; }
h512() { head -c 512 "$1" | "$XXH" /dev/stdin | cut -d' ' -f1; }

samples=()
for f in "$src"/tests/data/*/*; do
	case "$f" in *.sh|*.txt|*.md|*/.keep) continue ;; esac
	[ -f "$f" ] && samples+=("$f")
done

# ------------------------------------------------------------- images
# Each image gets a truth file: OFFSET PLANTED-BYTES WHOLE-HASH HEAD-HASH
# FORMAT/NAME; a planted file overwritten part-way keeps its whole hash
# (what should have been there) so it can only count as partial.
make_spaced() {
	local img=$work/spaced.img truth=$work/spaced.truth off=65536 i=0 plants=()
	: >"$truth"
	for f in "${samples[@]}"; do
		local size; size=$(stat -c %s "$f")
		echo "$off $size $(h "$f") $(h512 "$f") ${f#$src/tests/data/}" >>"$truth"
		plants+=("$f@$off")
		i=$((i + 1))
		off=$(( (off + size + 4096 + (i * 7919 % 65536) + 511) / 512 * 512 ))
	done
	"$MKIMAGE" -o "$img" -z $((off + 1048576)) -s 31337 "${plants[@]}"
}

make_packed() {
	local img=$work/packed.img truth=$work/packed.truth off=0 i=0 plants=()
	: >"$truth"
	for round in 1 2; do
		for f in "${samples[@]}"; do
			local size; size=$(stat -c %s "$f")
			# The second round repeats the samples: de-duplication
			# must not lose a location.
			echo "$off $size $(h "$f") $(h512 "$f") ${f#$src/tests/data/}" >>"$truth"
			plants+=("$f@$off")
			i=$((i + 1))
			if [ $((i % 5)) -eq 0 ] && [ "$size" -gt 2048 ]; then
				plants+=("rand:1024@$((off + size / 2))")
			fi
			off=$(( (off + size + 511) / 512 * 512 ))
		done
		off=$((off + 262144))   # filler between the rounds
	done
	"$MKIMAGE" -o "$img" -z $((off + 1048576)) -s 4242 "${plants[@]}"
}

# ----------------------------------------------------------- carvers
run_tool() {  # run_tool TOOL IMG OUT: runs it, prints seconds (common.sh)
	carver_run "$1" "$2" "$3" "$work"
}

classify() {  # classify TRUTH OUT: prints "exact partial missed extra outputs"
	local truth=$1 out=$2
	find "$out" -type f ! -name 'report.*' ! -name '*.log' ! -name 'audit.txt' \
		! -name '.dredge-checkpoint' ! -name 'report.xml' -size +0 |
	while read -r f; do echo "$(h "$f") $(h512 "$f")"; done >"$out.hashes"
	awk -v hashes="$out.hashes" '
		BEGIN { while ((getline l < hashes) > 0) { split(l, a, " ");
		        whole[a[1]] = 1; head[a[2]]++; n++; outhead[n] = a[2] } }
		{ planted_head[$4] = 1
		  if ($3 in whole) exact++
		  else if ($4 in head) partial++
		  else missed++ }
		END { for (i = 1; i <= n; i++) if (!(outhead[i] in planted_head)) extra++
		      printf "%d %d %d %d %d\n", exact, partial, missed, extra, n }' "$truth"
}

make_spaced
make_packed
tools="dredge"
tools="$tools $(peers_installed)"
tools=${tools% }

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(uname -r)"
echo "command: $0 $*"
echo "samples: ${#samples[@]} real files of $(ls -d "$src"/tests/data/*/ | wc -l) formats"
printf '%-8s %-9s %6s %8s %7s %7s %8s %8s\n' image tool exact partial missed extra outputs seconds
for im in spaced packed; do
	n=$(wc -l <"$work/$im.truth")
	for t in $tools; do
		secs=$(run_tool "$t" "$work/$im.img" "$work/out-$im-$t")
		read -r ex pa mi xt no <<<"$(classify "$work/$im.truth" "$work/out-$im-$t")"
		printf '%-8s %-9s %6s %8s %7s %7s %8s %8s\n' "$im($n)" "$t" \
			"$ex" "$pa" "$mi" "$xt" "$no" "$secs"
	done
done

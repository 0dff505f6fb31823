#!/usr/bin/env bash
# device.sh - how much of a device's read rate dredge keeps: `dd
# iflag=direct`, `dredge bench` (its best raw setting and its scan pass)
# and a plain `dredge scan --direct on`, side by side on the same bytes.
#
# The bytes are a seeded sparse image (bench/common.sh's gen_sparse:
# random data, JPEGs planted at known offsets), read three ways:
#   file      the image itself, O_DIRECT (the virtual disk under it);
#   loop      a read-only loop device over it (losetup -r): its reads are
#             served from the page cache that holds the image, a fast
#             device whose rate is a memory copy;
#   loop-dio  the same with --direct-io=on: the loop device reads the
#             virtual disk, like a drive would.
# Loop devices need root; without it only `file` runs.  Before any time
# is printed, a scan of every target (io_uring O_DIRECT, and pread) must
# report exactly the planted files, with the same report entries as the
# mmap scan of the image.  Then every round runs each tool once on each
# target, interleaved, and the table prints medians (min-max).
set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
# shellcheck source=bench/common.sh
. "$here/common.sh"

usage() {
	cat <<EOF
usage: bench/device.sh [OPTIONS]

  -b, --build DIR     build folder holding src/dredge (default: $src/build)
  -d, --dir DIR       image and results (default: BUILD/bench)
      --size SIZE     image size (default 2G)
      --runs N        rounds, medians reported (default 5)
      --seconds S     dredge bench's time per setting (default 0.5)
      --sizes LIST    dredge bench's block sizes (default 64K,256K,1M,4M)
      --depths LIST   dredge bench's depths (default 1,4,16)
      --targets LIST  file,loop,loop-dio (default: all that can run)
      --seed N        image seed (default 2026)
  -h, --help          this text
EOF
}

BUILD=$src/build DIR="" SIZE=2G RUNS=5 BSECS=0.5 SEED=2026
BSIZES=64K,256K,1M,4M BDEPTHS=1,4,16 TARGETS=""
option() {
	case $1 in
	-b|--build) BUILD=$2 ;;
	-d|--dir) DIR=$2 ;;
	--size) SIZE=$2 ;;
	--runs) RUNS=$2 ;;
	--seconds) BSECS=$2 ;;
	--sizes) BSIZES=$2 ;;
	--depths) BDEPTHS=$2 ;;
	--targets) TARGETS=$2 ;;
	--seed) SEED=$2 ;;
	esac
}
parse_options "" "-b --build -d --dir --size --runs --seconds --sizes
	--depths --targets --seed" "$@"
case $RUNS in ''|*[!0-9]*|0) die "--runs takes a positive count" ;; esac
case $SEED in ''|*[!0-9]*) die "--seed needs a number" ;; esac
bench_build "$BUILD" "$DIR" bench
[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is needed for the CPU columns"
BYTES=$(to_bytes "$SIZE")
IMG=$DIR/device-$(human "$BYTES")-s$SEED.img
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/dredge-device-XXXXXX") || die "no scratch folder"
LOOPS=()
cleanup() {
	local l
	for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null; done
	rm -rf "$SCRATCH"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gen_sparse "$IMG" "$BYTES"

# ------------------------------------------------------------- targets
declare -A DEV
DEV[file]=$IMG
if [ -z "$TARGETS" ]; then
	TARGETS=file
	[ "$(id -u)" = 0 ] && TARGETS=file,loop,loop-dio
fi
IFS=, read -r -a TLIST <<<"$TARGETS"
for t in "${TLIST[@]}"; do
	case $t in
	file) ;;
	loop|loop-dio)
		opt=()
		[ "$t" = loop-dio ] && opt=(--direct-io=on)
		l=$(losetup -r -f --show "${opt[@]}" "$IMG") ||
			die "losetup failed for $t (root needed)"
		LOOPS+=("$l")
		DEV[$t]=$l ;;
	*) die "unknown target '$t'" ;;
	esac
done

# -------------------------------------------------------------- checks
# The entries of a report that must not change with the engine.
entries() { report_fields "$1/report.jsonl" | cut -d' ' -f1-5 | sort; }

log "checking what each target and engine recovers"
"$DREDGE" scan "$IMG" -o "$SCRATCH/ref" -q --hash none ||
	die "the reference scan (mmap) failed"
verify_dredge "$SCRATCH/ref" "$IMG.manifest" || die "reference scan: $BAD"
entries "$SCRATCH/ref" >"$SCRATCH/ref.entries"
for t in "${TLIST[@]}"; do
	for io in uring pread; do
		out=$SCRATCH/chk-$t-$io
		"$DREDGE" scan "${DEV[$t]}" -o "$out" -q --hash none --direct on \
			--io "$io" || die "scan of $t with $io failed"
		verify_dredge "$out" "$IMG.manifest" || die "$t, $io: $BAD"
		entries "$out" | cmp -s - "$SCRATCH/ref.entries" ||
			die "$t, $io: the report differs from the mmap scan's"
		rm -rf "$out"
	done
	log "$t (${DEV[$t]}): $FOUND planted files right with io_uring and pread, reports identical"
done
rm -rf "$SCRATCH/ref"

# -------------------------------------------------------------- rounds
# cpu_run LOG CMD...: runs CMD; sets WALL (s) and CPU (user+sys s).
cpu_run() {
	local logf=$1
	shift
	/usr/bin/time -f '%e %U %S' -o "$logf.time" "$@" >"$logf" 2>&1 || return 1
	read -r WALL u s <"$logf.time"
	CPU=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
}
jfield() { grep -o "\"$1\":[^,}]*" | cut -d: -f2; }
mbps() { awk -v b="$BYTES" -v t="$1" 'BEGIN { printf "%.1f", b / t / 1e6 }'; }

declare -A R   # R[target,column] = values, space-separated
add() { R[$1,$2]="${R[$1,$2]:-}$3 "; }
log "$RUNS rounds over ${TLIST[*]}; load $(cut -d' ' -f1-3 /proc/loadavg)"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= RUNS; r++)); do
	for t in "${TLIST[@]}"; do
		d=${DEV[$t]}
		cpu_run "$SCRATCH/dd" dd if="$d" of=/dev/null bs=1M iflag=direct ||
			die "dd on $t failed"
		add "$t" dd "$(mbps "$WALL")"
		add "$t" ddcpu "$(awk -v c="$CPU" -v w="$WALL" 'BEGIN { printf "%.2f", c / w }')"

		j=$("$DREDGE" bench "$d" --seconds "$BSECS" --sizes "$BSIZES" \
			--depths "$BDEPTHS" --json) || die "dredge bench on $t failed"
		best=$(echo "$j" | jfield best)
		add "$t" raw "$(echo "$j" | jfield mbps | sed -n "$((best + 1))p")"
		add "$t" rawset "$(echo "$j" | jfield block_size | sed -n "$((best + 1))p" | awk '{ printf "%dK", $1 / 1024 }')x$(echo "$j" | jfield depth | sed -n "$((best + 1))p")"
		sc=${j##*\"scan\":}
		add "$t" bscan "$(echo "$sc" | jfield mbps)"
		add "$t" bshare "$(echo "$sc" | jfield share_of_best)"
		add "$t" bset "$(echo "$sc" | jfield block_size | awk '{ printf "%dK", $1 / 1024 }')x$(echo "$sc" | jfield depth)"
		add "$t" bcores "$(echo "$sc" | jfield cpu)"
		add "$t" bread "$(echo "$sc" | jfield read_cpu)"

		rm -rf "$SCRATCH/out"
		cpu_run "$SCRATCH/scan" "$DREDGE" scan "$d" --direct on -o "$SCRATCH/out" \
			--hash none || die "dredge scan on $t failed: $(tail -1 "$SCRATCH/scan")"
		verify_dredge "$SCRATCH/out" "$IMG.manifest" || die "scan of $t, round $r: $BAD"
		add "$t" scan "$(mbps "$WALL")"
		add "$t" scores "$(awk -v c="$CPU" -v w="$WALL" 'BEGIN { printf "%.2f", c / w }')"
	done
	log "round $r of $RUNS done"
done

# med VALUES: "median (min-max)".
med() {
	tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%s (%s-%s)", m, v[1], v[NR] }'
}
medv() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 }
	END { printf "%s", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
most() { tr ' ' '\n' | grep -v '^$' | sort | uniq -c | sort -rn | head -1 | awk '{ print $2 }'; }

echo
echo "dredge device bench: $(basename "$IMG") ($(human "$BYTES")), $RUNS rounds, $(nproc) CPUs, load $LOAD_START -> $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench grid: --sizes $BSIZES --depths $BDEPTHS --seconds $BSECS; MB/s are medians (min-max)"
echo
for t in "${TLIST[@]}"; do
	dd=$(echo "${R[$t,dd]}" | medv)
	raw=$(echo "${R[$t,raw]}" | medv)
	echo "$t (${DEV[$t]})"
	printf '  %-34s %s, %s cores\n' "dd bs=1M iflag=direct" \
		"$(echo "${R[$t,dd]}" | med)" "$(echo "${R[$t,ddcpu]}" | medv)"
	printf '  %-34s %s, mostly %s\n' "bench: best raw setting" \
		"$(echo "${R[$t,raw]}" | med)" "$(echo "${R[$t,rawset]}" | most)"
	printf '  %-34s %s, %s cores (reader %s); share of best raw: %s\n' \
		"bench: scan pass ($(echo "${R[$t,bset]}" | most))" \
		"$(echo "${R[$t,bscan]}" | med)" "$(echo "${R[$t,bcores]}" | medv)" \
		"$(echo "${R[$t,bread]}" | medv)" "$(echo "${R[$t,bshare]}" | med)"
	sc=$(echo "${R[$t,scan]}" | medv)
	printf '  %-34s %s, %s cores; %s of dd, %s of best raw\n' \
		"scan --direct on (2M x 4, files)" "$(echo "${R[$t,scan]}" | med)" \
		"$(echo "${R[$t,scores]}" | medv)" \
		"$(awk -v a="$sc" -v b="$dd" 'BEGIN { printf "%.0f%%", 100 * a / b }')" \
		"$(awk -v a="$sc" -v b="$raw" 'BEGIN { printf "%.0f%%", 100 * a / b }')"
done

#!/usr/bin/env bash
# run.sh - dredge's benchmark against plain reads and other carvers.
#
# Generates seeded images into the bench folder (a sparse drive: random
# data with JPEGs every ~20 MiB; a dense camera card: photos back to back),
# checks that dredge recovers every planted file exactly before any speed
# is printed, then times plain reads (cat, dd, fio), dredge in several
# configurations and the peers that are installed (PhotoRec, foremost,
# scalpel), each several times with the page cache hot or cold, and prints
# one table of median rates.  `bench/run.sh --help` lists the options;
# bench/README.md explains the columns and the targets.  With --grid it
# times dredge over chunk sizes and queue depths instead (bench/grid.sh).
set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
# shellcheck source=bench/common.sh
. "$here/common.sh"

usage() {
	cat <<EOF
usage: bench/run.sh [OPTIONS]

  -b, --build DIR       build folder holding src/dredge (default: $src/build)
  -d, --dir DIR         images, plants and results (default: BUILD/bench)
      --scratch DIR     where recovered files go during runs (default: a
                        folder in /dev/shm when it has room, else DIR/out)
      --size SIZE       sparse image size (default 4G)
      --dense-size SIZE dense image size (default 1G)
      --peers-size SIZE sparse image for the other carvers, which are slow
                        (default 1G; dredge also runs on it, for the ratios)
      --peers-dense-size SIZE  dense image for the other carvers (default 256M)
      --runs N          timed runs per configuration, median reported (3)
      --peer-runs N     timed runs per peer configuration (default: --runs)
      --states LIST     cache states, comma-separated: hot,cold (default both)
      --peers LIST      photorec,foremost,scalpel or none (default: all
                        that are installed)
      --matrix short|full  dredge configurations: one change at a time from
                        the default (short), or every combination (full)
      --seed N          image seed (default 2026)
      --timeout SECONDS a run that takes longer is stopped and counted as
                        failed (default 1800)
      --grid            time dredge over --chunks x --depths instead
      --grid-image sparse|dense  image the grid runs on (default sparse)
      --chunks LIST     grid chunk sizes (default 1M,2M,4M,8M,16M)
      --depths LIST     grid queue depths (default 2,4,8)
      --install         apt-get install the peers, fio, cjpeg and GNU time first
      --keep            keep the last run's recovered files
  -h, --help            this text
EOF
}

BUILD=$src/build DIR="" SCRATCH="" SIZE=4G DENSE_SIZE=1G PEERS_SIZE=1G
PEERS_DENSE_SIZE=256M
RUNS=3 PEER_RUNS="" STATES="hot,cold" PEERS_OPT="" MATRIX=short SEED=2026
GRID=0 GRID_IMAGE=sparse CHUNKS="1M,2M,4M,8M,16M" DEPTHS="2,4,8"
INSTALL=0 KEEP=0 TIMEOUT=1800
CMDLINE="bench/run.sh $*"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

option() {
	case $1 in
	--grid) GRID=1 ;;
	--install) INSTALL=1 ;;
	--keep) KEEP=1 ;;
	-b|--build) BUILD=$2 ;;
	-d|--dir) DIR=$2 ;;
	--scratch) SCRATCH=$2 ;;
	--size) SIZE=$2 ;;
	--dense-size) DENSE_SIZE=$2 ;;
	--peers-size) PEERS_SIZE=$2 ;;
	--peers-dense-size) PEERS_DENSE_SIZE=$2 ;;
	--runs) RUNS=$2 ;;
	--peer-runs) PEER_RUNS=$2 ;;
	--states) STATES=$2 ;;
	--peers) PEERS_OPT=$2 ;;
	--matrix) MATRIX=$2 ;;
	--seed) SEED=$2 ;;
	--timeout) TIMEOUT=$2 ;;
	--grid-image) GRID_IMAGE=$2 ;;
	--chunks) CHUNKS=$2 ;;
	--depths) DEPTHS=$2 ;;
	esac
}
parse_options "--grid --install --keep" "-b --build -d --dir --scratch --size
	--dense-size --peers-size --peers-dense-size --runs --peer-runs --states
	--peers --matrix --seed --timeout --grid-image --chunks --depths" "$@"

case $RUNS in ''|*[!0-9]*|0) die "--runs needs a number >= 1" ;; esac
PEER_RUNS=${PEER_RUNS:-$RUNS}
case $PEER_RUNS in ''|*[!0-9]*|0) die "--peer-runs needs a number >= 1" ;; esac
case $MATRIX in short|full) ;; *) die "--matrix is short or full" ;; esac
case $GRID_IMAGE in sparse|dense) ;; *) die "--grid-image is sparse or dense" ;; esac
case $SEED in ''|*[!0-9]*) die "--seed needs a number" ;; esac
case $TIMEOUT in ''|*[!0-9]*|0) die "--timeout needs a number of seconds" ;; esac
STATES=${STATES//,/ }
for s in $STATES; do
	case $s in hot|cold) ;; *) die "unknown cache state '$s'" ;; esac
done
SIZE_B=$(to_bytes "$SIZE") DENSE_B=$(to_bytes "$DENSE_SIZE")
PEERS_B=$(to_bytes "$PEERS_SIZE") PEERS_DENSE_B=$(to_bytes "$PEERS_DENSE_SIZE")

bench_build "$BUILD" "$DIR" bench

if [ $INSTALL = 1 ]; then
	log "installing peers and tools with apt-get"
	apt-get install -y testdisk foremost scalpel fio libjpeg-turbo-progs time >&2 ||
		die "apt-get install failed (run apt-get update first?)"
fi
command -v fincore >/dev/null || die "fincore (util-linux) is needed to check the page cache"

# Peers that are installed (or those asked for).
select_peers "$PEERS_OPT"
HAVE_FIO=0
command -v fio >/dev/null && HAVE_FIO=1

# Scratch space for recovered files: tmpfs keeps writes off the disk that
# is being read, so the runs measure reading and carving.
if [ -z "$SCRATCH" ]; then
	need=$(( (DENSE_B > PEERS_B ? DENSE_B : PEERS_B) * 2 / 1024 + (1 << 20) ))
	avail=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
	if [ -n "$avail" ] && [ "$avail" -gt "$need" ]; then
		SCRATCH=/dev/shm/dredge-bench.$$
	else
		SCRATCH=$DIR/out
	fi
fi
mkdir -p "$SCRATCH" || die "cannot create $SCRATCH"
SCRATCH=$(cd "$SCRATCH" && pwd)
cleanup() {
	if [ $KEEP = 0 ]; then
		rm -rf "$SCRATCH/run"
		case $SCRATCH in /dev/shm/dredge-bench.*) rm -rf "$SCRATCH" ;; esac
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
OUT=$SCRATCH/run
DISK_STAT=$(disk_stat_path "$DIR")

NPROC=$(nproc)
THREADS="1"
[ "$NPROC" -gt 1 ] && THREADS="1 $NPROC"

# ---------------------------------------------------------------- header
machine() {
	echo "dredge benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'))"
	echo "command:  $CMDLINE"
	echo "machine:  $NPROC CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
		"$(awk '/^MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)," \
		"$(uname -sr)"
	echo "storage:  $DIR on $(findmnt -no SOURCE,FSTYPE -T "$DIR" | head -1 | tr -s ' ')${DISK_STAT:+ ($DISK_STAT)}," \
		"recovered files to $SCRATCH ($(findmnt -no FSTYPE -T "$SCRATCH" | head -1))"
	echo "load:     $LOAD_START (1, 5, 15 min) at the start"
	echo "dredge:   $("$DREDGE" version 2>/dev/null)$(cd "$src" && git describe --always --dirty 2>/dev/null | sed 's/^/, git /')"
	local v=""
	for p in "${PEERS[@]}"; do
		case $p in
		photorec) v+=", $(photorec /version 2>/dev/null | sed -n 's/^Version: /photorec /p' | head -1)" ;;
		foremost) v+=", foremost $(foremost -V 2>&1 | head -1 | awk '{ print $NF }')" ;;
		scalpel) v+=", $(scalpel -V 2>&1 | sed -n 's/^Scalpel version /scalpel /p' | head -1)" ;;
		esac
	done
	[ $HAVE_FIO = 1 ] && v+=", $(fio --version)"
	echo "others:   ${v#, }${MISSING_PEERS:+ (not installed:$MISSING_PEERS)}"
}

# ---------------------------------------------------------------- images
# An image is named by its kind and size (sparse-4G, dense-1G); results
# are keyed by that name.  The peers get smaller images of their own unless
# the sizes are the same.
SP=sparse-$(human "$SIZE_B") DN=dense-$(human "$DENSE_B")
PSP=sparse-$(human "$PEERS_B") PDN=dense-$(human "$PEERS_DENSE_B")
if [ ${#PEERS[@]} = 0 ]; then PSP=$SP PDN=$DN; fi
img_of() { echo "$DIR/$1.img"; }

# ---------------------------------------------------------------- running
RESULTS=$DIR/results.tsv
FAILED=""

# run_one IMAGE_KEY TOOL CONFIG STATE RUN: one timed run, checked, and a
# line in RESULTS.  CONFIG for dredge is "TYPES IO THREADS [direct]
# [chunk=SIZE] [depth=N]".
run_one() {
	local key=$1 tool=$2 cfg=$3 state=$4 run=$5 img man bytes cmd=()
	img=$(img_of "$key") man=$img.manifest bytes=$(fsize "$img")
	rm -rf "$OUT"
	case $tool in
	cat) cmd=(sh -c 'cat "$1" >/dev/null' sh "$img") ;;
	dd) cmd=(dd if="$img" of=/dev/null bs=4M iflag=direct status=none) ;;
	fio) cmd=(fio --name=seqread --filename="$img" --readonly --rw=read --bs=4M
	          --ioengine=io_uring --direct=1 --iodepth=4 --size="$bytes"
	          --output-format=terse --terse-version=3) ;;
	dredge)
		local types io th flags=()
		read -r types io th _ <<<"$cfg"
		[ "$types" = jpg ] && flags+=(--types jpg)
		case " $cfg " in *" direct "*) flags+=(--direct on) ;; esac
		case " $cfg " in *" chunk="*) local c=${cfg#*chunk=}; flags+=(--chunk-size "${c%% *}") ;; esac
		case " $cfg " in *" depth="*) local d=${cfg#*depth=}; flags+=(--queue-depth "${d%% *}") ;; esac
		cmd=("$DREDGE" scan "$img" -o "$OUT" --io "$io" --threads "${th#j}" "${flags[@]}" -q) ;;
	photorec|foremost|foremost-q|scalpel)
		peer_cmd "$tool" jpg "$img" "$OUT" "$DIR"
		cmd=("${CMD[@]}") ;;
	esac
	set_cache "$state" "$img"
	timed "$DIR/last-run.log" timeout "$TIMEOUT" "${cmd[@]}"
	if [ "$tool" = fio ] && [ $RC = 0 ]; then
		# fio's own runtime: its start-up (~0.4 s) is not reading.
		local ms
		ms=$(awk -F';' '/^3;/ { print $9 }' "$DIR/last-run.log")
		[ -n "$ms" ] && [ "$ms" -gt 0 ] && ELAPSED=$(awk -v m="$ms" 'BEGIN { printf "%.4f", m / 1000 }')
	fi
	local found=- planted=- extra=- ok=ok note=""
	if [ $RC = 124 ]; then
		ok=fail note="stopped after $TIMEOUT s (--timeout)"
		FAILED+="  $key $tool $cfg $state run $run: $note"$'\n'
	elif [ $RC != 0 ]; then
		ok=fail note="exit $RC: $(tail -1 "$DIR/last-run.log" | cut -c1-100)"
		FAILED+="  $key $tool $cfg $state run $run: $note"$'\n'
	fi
	case $tool in
	dredge)
		if verify_dredge "$OUT" "$man"; then :; else
			ok=wrong note=$BAD
			FAILED+="  $key dredge $cfg $state run $run: $BAD"$'\n'
		fi
		planted=$PLANTED found=$FOUND extra=$EXTRA ;;
	photorec|foremost|foremost-q|scalpel)
		count_exact "$OUT" "$man"
		found=$FOUND planted=$PLANTED extra=$NOUT ;;
	esac
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$tool" "$cfg" "$state" \
		"$CACHE" "$run" "$ELAPSED" "$bytes" "$found" "$planted" "$extra" "$ok${note:+: $note}" \
		"$DISKREAD" >>"$RESULTS"
	log "$(printf '%-6s %-10s %-22s %-5s run %d: %7.0f MB/s %s' "$key" "$tool" "$cfg" "$CACHE" "$run" \
		"$(awk -v b="$bytes" -v t="$ELAPSED" 'BEGIN { print b / t / 1e6 }')" \
		"${found}/${planted}${ok:+ $ok}")"
	[ $KEEP = 1 ] || rm -rf "$OUT"
}

# dredge configurations: the default (jpg, io_uring, all CPUs) and one
# change at a time, or every combination with --matrix full.
dredge_configs() {  # dredge_configs STATE
	local state=$1 t i j
	if [ $MATRIX = full ]; then
		for t in jpg all; do for i in uring pread; do for j in $THREADS; do
			echo "$t $i j$j"
			[ "$state" = cold ] && echo "$t $i j$j direct"
		done; done; done
	else
		echo "jpg uring j$NPROC"
		echo "all uring j$NPROC"
		echo "jpg pread j$NPROC"
		[ "$NPROC" -gt 1 ] && echo "jpg uring j1"
		[ "$state" = cold ] && echo "jpg uring j$NPROC direct"
	fi
}

# ---------------------------------------------------------------- table
# print_table: medians per (image, tool, config, state) in the order they
# were first run, the rate against cat (hot) or fio (cold) on the same
# image, and the files recovered exactly.
print_table() {
	awk -F'\t' -v runs="$RUNS" -v have_fio="$HAVE_FIO" '
	function median(list,    n, a, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{
		k = $1 SUBSEP $2 SUBSEP $3 SUBSEP $4
		if (!(k in times)) { order[++nk] = k; img[k] = $1; tool[k] = $2; cfg[k] = $3; st[k] = $4; bytes[k] = $8 }
		times[k] = times[k] " " $7
		rate = $8 / $7 / 1e6
		if (!(k in lo) || rate < lo[k]) lo[k] = rate
		if (!(k in hi) || rate > hi[k]) hi[k] = rate
		nrun[k]++
		if ($13 != "-" && $13 != "") disk[k] = disk[k] " " $13 / $8
		if ($5 != $4) partial[k] = $5
		if ($12 !~ /^ok/) bad[k] = $12
		if ($9 != "-") {
			f = $9 "/" $10
			if (!(k in found)) found[k] = f
			else if (found[k] != f) { varied[k] = 1; if ($9 + 0 < found[k] + 0) found[k] = f }
		}
	}
	END {
		for (i = 1; i <= nk; i++) {
			k = order[i]
			med[k] = bytes[k] / median(times[k]) / 1e6
			if (tool[k] == "cat" && st[k] == "hot") ref[img[k], "hot"] = med[k]
			if (tool[k] == "fio" && st[k] == "cold") ref[img[k], "cold"] = med[k]
			if (tool[k] == "dd" && st[k] == "cold" && !have_fio) ref[img[k], "cold"] = med[k]
		}
		printf "%-11s %-30s %-6s %9s %17s %7s %13s %5s  %s\n", "image", "tool / config", "cache",
		       "MB/s", "(min-max)", "ratio", "exact/planted", "disk", "notes"
		for (i = 1; i <= nk; i++) {
			k = order[i]
			name = tool[k] (cfg[k] == "-" ? "" : " " cfg[k])
			r = (img[k], st[k]) in ref ? sprintf("%.2f", med[k] / ref[img[k], st[k]]) : "-"
			mbs = sprintf("%.0f", med[k])
			note = ""
			if (k in bad) { mbs = "WRONG"; r = "-"; note = bad[k] }
			if (k in partial) note = note " cache " partial[k]
			if (k in varied) note = note " (min over runs)"
			if (nrun[k] != runs) note = note " " nrun[k] " runs"
			dk = (k in disk) ? sprintf("%.2f", median(disk[k])) : "-"
			if (st[k] == "hot" && dk != "-" && dk + 0 > 0.05) note = note " read from disk in a hot run"
			printf "%-11s %-30s %-6s %9s %17s %7s %13s %5s  %s\n", img[k], name, st[k], mbs,
			       sprintf("(%.0f-%.0f)", lo[k], hi[k]), r, (k in found) ? found[k] : "-", dk, note
		}
	}' "$RESULTS"
}

# print_ratios: dredge's default configuration against each peer on the
# images both ran on, and the two targets.
print_ratios() {
	awk -F'\t' -v nproc="$NPROC" -v sp="$SP" -v keys="$SP $PSP $DN $PDN" -v peers="${PEERS[*]}" '
	function median(list,    n, a, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function verdict(ok, good) { return ok ? (good ? "met" : "NOT met") : "WRONG RESULTS" }
	{ k = $1 SUBSEP $2 SUBSEP $3 SUBSEP $4; times[k] = times[k] " " $7; bytes[k] = $8
	  if ($12 !~ /^ok/) bad[k] = 1
	  if ($9 != "-") ex[k] = $9 "/" $10 }
	END {
		dcfg = "jpg uring j" nproc
		for (k in times) rate[k] = bytes[k] / median(times[k]) / 1e6
		np = split(peers, P, " "); n = split(keys, ims, " "); m = split("hot cold", sts, " ")
		if (np) printf "dredge (%s) against the other carvers, same image, same cache state:\n", dcfg
		for (i = 1; i <= n; i++) {
			if (ims[i] in done) continue
			done[ims[i]] = 1
			for (p = 1; p <= np; p++) for (j = 1; j <= m; j++) {
				d = ims[i] SUBSEP "dredge" SUBSEP dcfg SUBSEP sts[j]
				q = ims[i] SUBSEP P[p] SUBSEP "-" SUBSEP sts[j]
				if ((d in rate) && (q in rate))
					printf "  %-10s %-4s dredge/%-9s %7.1fx  (%.0f vs %.0f MB/s; exact: dredge %s, %s %s)\n",
					       ims[i], sts[j], P[p], rate[d] / rate[q], rate[d], rate[q], ex[d], P[p], ex[q]
			}
		}
		print ""
		print "targets:"
		nt = 0
		for (j = 1; j <= m; j++) {
			d = sp SUBSEP "dredge" SUBSEP dcfg SUBSEP sts[j]; c = sp SUBSEP "cat" SUBSEP "-" SUBSEP sts[j]
			if (sts[j] == "hot" && (d in rate) && (c in rate)) {
				nt++
				printf "  dredge >= 80%% of hot-cache cat (%s): %.0f%% of cat: %s\n",
				       sp, 100 * rate[d] / rate[c], verdict(!(d in bad), rate[d] >= 0.8 * rate[c])
			}
		}
		for (i = 1; i <= n; i++) {
			if (ims[i] !~ /^dense-/) continue
			for (j = 1; j <= m; j++) {
				d = ims[i] SUBSEP "dredge" SUBSEP dcfg SUBSEP sts[j]; q = ims[i] SUBSEP "photorec" SUBSEP "-" SUBSEP sts[j]
				if ((d in rate) && (q in rate) && !((ims[i], sts[j]) in shown)) {
					shown[ims[i], sts[j]] = 1
					nt++
					printf "  dredge >= 10x PhotoRec (%s, %s): %.1fx: %s\n", ims[i], sts[j],
					       rate[d] / rate[q], verdict(!(d in bad), rate[d] >= 10 * rate[q])
				}
			}
		}
		if (!nt) print "  not measured in this run (they need the hot cache, and PhotoRec)"
	}' "$RESULTS"
}

# ---------------------------------------------------------------- main
main_bench() {
	local r key s cfg p img keys
	keys=$(printf '%s\n' "$SP" "$PSP" "$DN" "$PDN" | awk '!seen[$0]++' | tr '\n' ' ')

	gen_sparse "$(img_of "$SP")" "$SIZE_B"
	[ "$PSP" != "$SP" ] && gen_sparse "$(img_of "$PSP")" "$PEERS_B"
	gen_dense "$(img_of "$DN")" "$DENSE_B"
	[ "$PDN" != "$DN" ] && gen_dense "$(img_of "$PDN")" "$PEERS_DENSE_B"

	# Results first: one untimed run of the default configuration per
	# image must find every planted file, or no speed is worth printing.
	for key in $keys; do
		img=$(img_of "$key")
		rm -rf "$OUT"
		"$DREDGE" scan "$img" -o "$OUT" --types jpg -q 2>"$DIR/last-run.log" ||
			die "dredge failed on $img: $(tail -1 "$DIR/last-run.log")"
		verify_dredge "$OUT" "$img.manifest" ||
			die "dredge's results on $img are wrong, so no speeds: $BAD (reproduce: $DREDGE scan $img -o OUT --types jpg)"
		log "checked: dredge finds all $PLANTED files planted in $key"
	done
	rm -rf "$OUT"

	: >"$RESULTS"
	# Runs go round-robin (run 1 of everything, then run 2, ...) so that
	# a noisy minute on the machine spreads over all the configurations.
	for r in $(seq 1 "$RUNS"); do
		for key in $keys; do
			for s in $STATES; do
				if [ "$key" = "$SP" ] || [ "$key" = "$DN" ]; then
					run_one "$key" cat - "$s" "$r"
					if [ "$s" = cold ]; then
						run_one "$key" dd - cold "$r"
						[ $HAVE_FIO = 1 ] && run_one "$key" fio - cold "$r"
					fi
					while read -r cfg; do
						run_one "$key" dredge "$cfg" "$s" "$r"
					done < <(dredge_configs "$s")
				else
					# A smaller image for the peers: the reference read and
					# dredge's default run on it too, so the ratios compare
					# like with like.
					if [ "$s" = hot ]; then run_one "$key" cat - hot "$r"
					elif [ $HAVE_FIO = 1 ]; then run_one "$key" fio - cold "$r"
					else run_one "$key" dd - cold "$r"; fi
					run_one "$key" dredge "jpg uring j$NPROC" "$s" "$r"
				fi
				if [ "$key" = "$PSP" ] || [ "$key" = "$PDN" ]; then
					if [ "$r" -le "$PEER_RUNS" ]; then
						for p in "${PEERS[@]}"; do
							run_one "$key" "$p" - "$s" "$r"
						done
					fi
				fi
			done
		done
	done

	echo
	machine
	local desc=""
	for key in $keys; do
		case $key in
		sparse-*) desc+=", $key ($(grep -vc '^#' "$(img_of "$key").manifest") JPEGs, every ~20 MiB)" ;;
		dense-*) desc+=", $key ($(grep -vc '^#' "$(img_of "$key").manifest") photos back to back)" ;;
		esac
	done
	echo "images:   ${desc#, }; seed $SEED"
	[ ${#PEERS[@]} -gt 0 ] && echo "peers:    on $PSP and $PDN only (--peers-size, --peers-dense-size)"
	echo "runs:     $RUNS per configuration (peers: $PEER_RUNS), median shown; MB = 10^6 bytes"
	echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo
	print_table
	echo
	print_ratios
}

main_grid() {
	local key img r s c d
	if [ "$GRID_IMAGE" = sparse ]; then
		key=$SP img=$(img_of "$key")
		gen_sparse "$img" "$SIZE_B"
	else
		key=$DN img=$(img_of "$key")
		gen_dense "$img" "$DENSE_B"
	fi
	rm -rf "$OUT"
	"$DREDGE" scan "$img" -o "$OUT" --types jpg -q 2>"$DIR/last-run.log" &&
		verify_dredge "$OUT" "$img.manifest" ||
		die "dredge's results on $img are wrong, so no speeds: $BAD"
	RESULTS=$DIR/grid.tsv
	: >"$RESULTS"
	for r in $(seq 1 "$RUNS"); do
		for s in $STATES; do
			[ "$s" = hot ] && run_one "$key" cat - hot "$r"
			[ "$s" = cold ] && [ $HAVE_FIO = 1 ] && run_one "$key" fio - cold "$r"
			for c in ${CHUNKS//,/ }; do
				for d in ${DEPTHS//,/ }; do
					run_one "$key" dredge "jpg uring j$NPROC chunk=$c depth=$d" "$s" "$r"
				done
			done
		done
	done
	echo
	machine
	echo "image:    $key $(human "$(fsize "$img")") ($(grep -vc '^#' "$img.manifest") JPEGs), seed $SEED"
	echo "runs:     $RUNS per point, median MB/s shown (MB = 10^6 bytes); dredge --types jpg --io uring --threads $NPROC"
	echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo
	awk -F'\t' -v chunks="${CHUNKS//,/ }" -v depths="${DEPTHS//,/ }" '
	function median(list,    n, a, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{
		k = $2 SUBSEP $3 SUBSEP $4; times[k] = times[k] " " $7; bytes[k] = $8; seen[$4] = 1
		if ($12 !~ /^ok/) bad[k] = 1
		r = $8 / $7 / 1e6
		if (!(k in lo) || r < lo[k]) lo[k] = r
		if (!(k in hi) || r > hi[k]) hi[k] = r
	}
	END {
		nc = split(chunks, C, " "); nd = split(depths, D, " ")
		split("hot cold", S, " ")
		for (si = 1; si <= 2; si++) {
			s = S[si]; if (!(s in seen)) continue
			ref = s == "hot" ? "cat" SUBSEP "-" SUBSEP s : "fio" SUBSEP "-" SUBSEP s
			printf "%s cache: dredge MB/s (median)%s\n", s,
			       (ref in times) ? sprintf(", %s reads at %.0f MB/s", s == "hot" ? "cat" : "fio", bytes[ref] / median(times[ref]) / 1e6) : ""
			printf "  %-8s", "chunk"
			for (j = 1; j <= nd; j++) printf " %10s", "depth " D[j]
			printf "\n"
			best = 0; spreads = ""
			for (i = 1; i <= nc; i++) {
				printf "  %-8s", C[i]
				for (j = 1; j <= nd; j++) {
					k = "dredge" SUBSEP "jpg uring j'"$NPROC"' chunk=" C[i] " depth=" D[j] SUBSEP s
					if (!(k in times)) { printf " %10s", "-"; continue }
					if (k in bad) { printf " %10s", "WRONG"; continue }
					v = bytes[k] / median(times[k]) / 1e6
					spreads = spreads " " (hi[k] - lo[k]) / v
					printf " %10.0f", v
					if (v > best) { best = v; bc = C[i]; bd = D[j] }
				}
				printf "\n"
			}
			if (best == 0) continue
			sp = median(spreads)
			printf "  best: --chunk-size %s --queue-depth %s, %.0f MB/s\n", bc, bd, best
			printf "  run-to-run spread: the runs of one point differ by %.0f%% of their median (median over the points)\n", 100 * sp
			d4 = "dredge" SUBSEP "jpg uring j'"$NPROC"' chunk=4M depth=4" SUBSEP s
			if ((d4 in times) && !(d4 in bad)) {
				dv = bytes[d4] / median(times[d4]) / 1e6
				verdict = (best / dv - 1 > sp) ? "more than the spread: worth a closer look" : "within the spread: keep the default"
				printf "  default 4M/4: %.0f MB/s; the best is %+.0f%%: %s\n", dv, 100 * (best / dv - 1), verdict
			}
			printf "\n"
		}
	}' "$RESULTS"
}

if [ $GRID = 1 ]; then
	main_grid
else
	main_bench
fi
if [ -n "$FAILED" ]; then
	printf '\nruns that failed or gave wrong results:\n%s' "$FAILED"
	exit 1
fi
exit 0

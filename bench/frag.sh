#!/bin/bash
# bench/frag.sh - fragmented files without a file system: what each carver
# recovers, and what looking for fragments costs dredge.
#
#   bench/frag.sh [BUILDDIR] [WORKDIR]
#   FRAG_FILES=N (files per format, default 24)  FRAG_MB=M (image MiB, 256)
#   DREDGE_BASE=PATH (another dredge binary to time on the plain image)
#   FRAG_FORMATS="zip pdf" (only those formats of the table)
#
# For each format of the table (name, extension, maker) it generates, from
# a seed, N sample files and two images of the same size:
#   frag    the samples in 2..6 fragments on 512-byte sectors (half of them
#           bifragmented), gaps of random data, of zeros, of another whole
#           sample, or (samples 3 and 4, 11 and 12, ...) two fragmented
#           samples interleaved; one sample in eight has its second
#           fragment's first blocks overwritten (it cannot come back whole);
#   plain   the same samples, each in one piece.
# Each carver installed (dredge, PhotoRec, foremost, scalpel) runs on the
# frag image, and each planted sample is classified by hash first:
#   exact    an output is byte-identical to it
#   prefix   no exact copy, but an output is a strict prefix of it
#   missed   neither
# and outputs that start like a sample but are neither it nor a prefix of
# it count as junk (a wrong file that looks right), outputs that start
# like no sample as extra.  For dredge, entries its report calls whole
# (complete or reassembled) whose hash is no sample's are counted as
# false whole.  Then dredge's throughput on plain vs frag (hot cache, best
# of FRAG_RUNS=5 by wall clock, with its CPU time) is the cost of the
# search.  Nothing here is a test.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
work=${2:-$build/bench-frag}
DREDGE=$build/src/dredge
MKIMAGE=$build/tests/tools/mkimage
XXH=$build/tests/tools/xxh128sum
XXH128SUM=$XXH
# shellcheck source=bench/common.sh
. "$src/bench/common.sh"
NFILES=${FRAG_FILES:-24}
MB=${FRAG_MB:-256}
BS=512
mkdir -p "$work"
[ -s "$work/zeros" ] || head -c 1048576 /dev/zero >"$work/zeros"

# name ext maker: one line per format whose validator gives a
# fragmentation point (add JPEG, ZIP, ... here as they do).
FORMATS=(
	"png png make_png"
	"jpeg jpg make_jpeg"
	"zip zip make_zip"
	"pdf pdf make_pdf"
	"tiff tif make_tiff"
	"mp4 mp4 make_mp4"
	"avi avi make_avi"
)
# make_zip, make_pdf, make_tiff, make_mp4, make_avi: the test's makers
# shellcheck source=tests/e2e/frag_make.sh
. "$src/tests/e2e/frag_make.sh"

# make_png OUT N: a noisy PNG of a few hundred KiB (ffmpeg's PNG encoder
# writes 4 KiB IDAT chunks)
make_png() {
	local w=$((256 + $2 % 5 * 64)) h=$((192 + $2 % 3 * 48))
	ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi \
		-i "testsrc2=size=${w}x${h},hue=h=$(($2 * 37 % 360)),noise=alls=$((20 + $2 % 50)):allf=t:all_seed=$2" \
		-frames:v 1 "$1"
}

# make_jpeg OUT N: a noisy baseline JPEG of a few hundred KiB (ffmpeg's
# MJPEG encoder)
make_jpeg() {
	local w=$((320 + $2 % 5 * 64)) h=$((240 + $2 % 3 * 48))
	ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi \
		-i "testsrc2=size=${w}x${h},hue=h=$(($2 * 37 % 360)),noise=alls=$((20 + $2 % 50)):allf=t:all_seed=$2" \
		-frames:v 1 -q:v $((2 + $2 % 4)) "$1"
}

h() { "$XXH" "$1" | cut -d' ' -f1; }
head64() { od -An -tx1 -N64 "$1" | tr -d ' \n'; }
RNG=7
rng() { RNG=$(( (RNG * 1103515245 + 12345) % 2147483648 )); R=$((RNG % $1)); }
blocks() { echo $(( ($1 + BS - 1) / BS * BS )); }

# ------------------------------------------------------------- images
# split_file FILE N: PIECES=("FROM LEN" ...), N pieces cut at multiples
# of BS near FILE's N-th parts
split_file() {
	local s k from=0 c
	s=$(fsize "$1")
	PIECES=()
	for ((k = 1; k < $2; k++)); do
		rng $((s / $2 / 3 + 1))
		c=$(( (s * k / $2 + R - s / $2 / 6) / BS * BS ))
		((c <= from)) && c=$((from + BS))
		PIECES+=("$from $((c - from))")
		from=$c
	done
	PIECES+=("$from $((s - from))")
}

# plant_piece FILE "FROM LEN": that piece at $pos, which moves past it
plant_piece() {
	local from=${2% *} len=${2#* }
	plants+=("$1:$from+$len@$pos")
	pos=$((pos + $(blocks "$len")))
}

# plant_lost FILE "FROM LEN": the piece with its first blocks overwritten
plant_lost() {
	local from=${2% *} len=${2#* }
	plants+=("rand:$((2 * BS))@$pos")
	plants+=("$1:$((from + 2 * BS))+$((len - 2 * BS))@$((pos + 2 * BS))")
	echo "$1" >>"$dir/lost"
	pos=$((pos + $(blocks "$len")))
}

# Truth: one line per sample: WHOLE-HASH HEAD SIZE PATH (HEAD: its first
# 64 bytes in hex)
build_images() {
	local name=$1 ext=$2 maker=$3 dir=$work/$1 i
	mkdir -p "$dir"
	: >"$dir/truth"
	for ((i = 0; i < NFILES; i++)); do
		local f=$dir/s$i.$ext
		[ -s "$f" ] || $maker "$f" $((i * 13 + 1)) || return 1
		echo "$(h "$f") $(head64 "$f") $(fsize "$f") $f" >>"$dir/truth"
	done
	: >"$dir/gtruth"
	for ((i = 0; i < 4; i++)); do   # the whole files put in gaps
		local f=$dir/g$i.$ext
		[ -s "$f" ] || $maker "$f" $((i * 17 + 900)) || return 1
		echo "$(h "$f") $(head64 "$f") $(fsize "$f") $f" >>"$dir/gtruth"
	done
	cat "$dir/truth" "$dir/gtruth" >"$dir/truth.plain"
	cp "$dir/truth" "$dir/truth.frag"
	local size=$((MB << 20)) step=$(( (MB << 20) / NFILES / 1048576 * 1048576 ))
	((step >= 2 << 20)) || { echo "FRAG_MB must give each sample 2 MiB" >&2; return 1; }
	# plain: sample i at i * step
	local plants=()
	for ((i = 0; i < NFILES; i++)); do
		plants+=("$dir/s$i.$ext@$((i * step + 65536))")
	done
	for ((i = 0; i < 4; i++)); do
		plants+=("$dir/g$i.$ext@$(( (2 * i + 1) * step + step / 2 ))")
	done
	"$MKIMAGE" -o "$dir/plain.img" -z $size -s 11 "${plants[@]}" || return 1
	# frag: sample i from i * step on, in pieces; samples 3, 11, 19 ...
	# interleaved with the next one
	plants=()
	: >"$dir/lost"
	for ((i = 0; i < NFILES; i++)); do
		local pos=$((i * step + 65536)) n a b
		if ((i % 2 == 0)); then n=2; else rng 5; n=$((2 + R)); fi
		if ((i % 8 == 3 && i + 1 < NFILES)); then
			split_file "$dir/s$i.$ext" "$n"
			a=("${PIECES[@]}")
			split_file "$dir/s$((i + 1)).$ext" "$n"
			b=("${PIECES[@]}")
			for ((k = 0; k < n; k++)); do
				plant_piece "$dir/s$i.$ext" "${a[k]}"
				rng 32; pos=$((pos + (1 + R) * BS))
				plant_piece "$dir/s$((i + 1)).$ext" "${b[k]}"
				rng 32; pos=$((pos + (1 + R) * BS))
			done
			i=$((i + 1))
			continue
		fi
		split_file "$dir/s$i.$ext" "$n"
		for ((k = 0; k < n; k++)); do
			if ((i % 8 == 7 && k == 1)); then
				plant_lost "$dir/s$i.$ext" "${PIECES[k]}"
			else
				plant_piece "$dir/s$i.$ext" "${PIECES[k]}"
			fi
			((k == n - 1)) && break
			rng 4
			case $(( (i + k + R) % 4 )) in
			0) rng 64; pos=$((pos + (1 + R) * BS)) ;;     # random
			1) rng 64; plants+=("$work/zeros:0+$(( (1 + R) * BS ))@$pos")
			   pos=$((pos + (1 + R) * BS)) ;;              # zeros
			2) local g=$dir/g$(( (i + k) % 4 )).$ext        # another file
			   plants+=("$g@$pos")
			   grep -q " $g\$" "$dir/truth.frag" ||
				grep " $g\$" "$dir/gtruth" >>"$dir/truth.frag"
			   pos=$((pos + $(blocks "$(fsize "$g")") + BS)) ;;
			3) rng 8; pos=$((pos + (1 + R) * BS)) ;;       # short gap
			esac
		done
	done
	"$MKIMAGE" -o "$dir/frag.img" -z $size -s 11 "${plants[@]}" || return 1
}

# ----------------------------------------------------------- carvers
run_tool() {  # run_tool TOOL IMG OUT: runs it, prints seconds (common.sh)
	carver_run "$1" "$2" "$3" "$work"
}

# classify TRUTH OUT: "exact prefix missed junk extra" over TRUTH's samples
# (thousands of outputs from a carver that finds junk in random data: the
# hashes and heads are read in batches, not a process per file)
classify() {
	local truth=$1 out=$2
	# (dredge's thumbs/ are report.html's pictures, not recovered files)
	find "$out" -path "$out/thumbs" -prune -o -type f ! -name 'report.*' \
		! -name '*.log' ! -name 'audit.txt' ! -name '.dredge-checkpoint' \
		-size +0 -print0 >"$out.list"
	xargs -0 -r "$XXH" <"$out.list" | awk '{ print $1, $2 }' >"$out.whole"
	xargs -0 -r perl -e 'for my $f (@ARGV) { open(my $h, "<", $f) or next;
		binmode $h; read($h, my $b, 64); printf "%s %d %s\n",
		unpack("H*", $b), -s $f, $f }' <"$out.list" >"$out.heads"
	# OUTS: whole-hash head size path
	awk 'NR == FNR { w[$2] = $1; next } { print w[$3], $1, $2, $3 }' \
		"$out.whole" "$out.heads" >"$out.outs"
	# a strict prefix: an output starting like sample S, shorter, whose
	# hash is that of S's first bytes
	while read -r wh hh sz f; do
		awk -v hh="$hh" -v sz="$sz" '$2 == hh && $3 < sz { print $3, $4 }' \
			"$out.outs" | while read -r osz o; do
			[ "$(head -c "$osz" "$f" | "$XXH" /dev/stdin | cut -d' ' -f1)" = \
			  "$(h "$o")" ] && echo "$wh $o"
		done
	done <"$truth" >"$out.prefixes"
	awk -v outs="$out.outs" -v pre="$out.prefixes" '
		BEGIN { while ((getline l < outs) > 0) { split(l, a, " ");
		        whole[a[1]] = 1; n++; oh[n] = a[1]; ohd[n] = a[2]; of[n] = a[4] }
		        while ((getline l < pre) > 0) { split(l, a, " ");
		        haspre[a[1]] = 1; isprefix[a[2]] = 1 } }
		{ sample[$1] = 1; head[$2] = 1
		  if ($1 in whole) exact++
		  else if ($1 in haspre) prefix++
		  else missed++ }
		END { for (i = 1; i <= n; i++) {
		        if (oh[i] in sample || of[i] in isprefix) continue
		        if (ohd[i] in head) junk++; else extra++ }
		      printf "%d %d %d %d %d\n", exact, prefix, missed, junk, extra }' \
		"$truth"
}

# false_whole TRUTH OUT: dredge entries called whole that are no sample
false_whole() {
	grep -E '"status":"(complete|reassembled)"' "$2/report.jsonl" |
		sed 's/.*"xxh3_128":"\([0-9a-f]*\)".*/\1/' | while read -r x; do
		grep -q "^$x " "$1" || echo "$x"
	done | wc -l
}

# best_of TOOL IMG OUT: "wall cpu" seconds, the fastest of FRAG_RUNS runs
# (default 5) by wall clock, with that run's user + system CPU time
best_of() {
	local b= c= t
	for ((r = 0; r < ${FRAG_RUNS:-5}; r++)); do
		rm -rf "$3"
		local bin=$DREDGE
		[ "$1" = base ] && bin=$DREDGE_BASE
		/usr/bin/time -f '%e %U %S' -o "$3.time" "$bin" scan "$2" -o "$3" \
			-q >/dev/null 2>&1
		t=$(tail -1 "$3.time")
		local w=${t%% *} u
		u=$(echo "$t" | awk '{ printf "%.2f", $2 + $3 }')
		if [ -z "$b" ] || awk -v a="$w" -v b="$b" 'BEGIN { exit !(a < b) }'; then
			b=$w c=$u
		fi
	done
	echo "$b $c"
}

tools="dredge"
tools="$tools $(peers_installed)"
tools=${tools% }
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(uname -r)"
echo "command: $0 $* (FRAG_FILES=$NFILES FRAG_MB=$MB)"
for spec in "${FORMATS[@]}"; do
	read -r name ext maker <<<"$spec"
	case " ${FRAG_FORMATS:-$name} " in *" $name "*) ;; *) continue ;; esac
	build_images "$name" "$ext" "$maker" || { echo "$name: no samples"; continue; }
	dir=$work/$name
	nlost=$(wc -l <"$dir/lost")
	ngaps=$(( $(wc -l <"$dir/truth.frag") - NFILES ))
	cat "$dir/frag.img" "$dir/plain.img" >/dev/null   # hot cache
	echo
	echo "$name: $NFILES samples in 2..6 fragments ($nlost with an overwritten tail), $ngaps other whole ones in gaps; ${MB} MiB"
	printf '%-9s %6s %7s %7s %5s %6s %9s %8s\n' tool exact prefix missed junk extra false-whole seconds
	for t in $tools; do
		secs=$(run_tool "$t" "$dir/frag.img" "$dir/out-$t")
		read -r ex pr mi ju xt <<<"$(classify "$dir/truth.frag" "$dir/out-$t")"
		fw=-
		[ "$t" = dredge ] && fw=$(false_whole "$dir/truth.frag" "$dir/out-$t")
		printf '%-9s %6s %7s %7s %5s %6s %9s %8s\n' "$t" "$ex" "$pr" "$mi" \
			"$ju" "$xt" "$fw" "$secs"
	done
	# the cost: the same samples unfragmented vs fragmented
	read -r tp cp <<<"$(best_of dredge "$dir/plain.img" "$dir/o-plain")"
	pl=$(classify "$dir/truth.plain" "$dir/o-plain")
	read -r tf cf <<<"$(best_of dredge "$dir/frag.img" "$dir/o-frag")"
	echo "dredge plain image: $tp s wall, $cp s CPU ($(awk -v s="$tp" -v m="$MB" 'BEGIN { printf "%.0f", m / s }') MiB/s; exact/prefix/missed/junk/extra: $pl)"
	echo "dredge frag image:  $tf s wall, $cf s CPU ($(awk -v s="$tf" -v m="$MB" 'BEGIN { printf "%.0f", m / s }') MiB/s); frag/plain: wall x$(awk -v a="$tf" -v b="$tp" 'BEGIN { printf "%.2f", a / b }'), CPU x$(awk -v a="$cf" -v b="$cp" 'BEGIN { printf "%.2f", a / b }')"
	if [ -n "${DREDGE_BASE:-}" ]; then
		read -r tb cb <<<"$(best_of base "$dir/plain.img" "$dir/o-base")"
		echo "base dredge, plain image: $tb s wall, $cb s CPU; this/base: wall x$(awk -v a="$tp" -v b="$tb" 'BEGIN { printf "%.2f", a / b }'), CPU x$(awk -v a="$cp" -v b="$cb" 'BEGIN { printf "%.2f", a / b }')"
	fi
	rm -rf "$dir"/out-* "$dir"/o-*
done

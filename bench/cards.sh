#!/usr/bin/env bash
# cards.sh - the cards table: dredge against PhotoRec, foremost and scalpel
# on the kinds of media people recover from, side by side in one run.
#
# Generates, from a seed, into the bench folder (reused while current):
#   random     random data with one distinct JPEG every 8 MiB (--size)
#   dense      a camera card: distinct photos back to back (--dense-size)
#   falsestart a JPEG header at every sector, two real JPEGs among them,
#              and the same image without the false starts (--falsestart-size)
#   cut        a camera card whose photos were all overwritten from their
#              middle on: a photo's first 96 KiB every 128 KiB, random data
#              between (--cut-size); nothing on it is whole, and a carver
#              that looks for the rest of each finds none
#   fat32      a dashcam card recorded in a loop (bench/dashcam.sh)
#   exfat      the same on exFAT (bench/dashcam.sh, DASHCAM_FS=exfat)
# then times, with the image hot in the page cache, `cat` and `fio`
# (reading ceilings), dredge, and each peer that is installed, --runs
# times each (median).  Every run's result is checked before any time is
# printed: dredge's report entry by entry and its files by hash against
# what was planted, the peers' files by hash (how many planted files they
# got back byte-exact); on the dashcam cards, how many of the deleted
# clips that are still intact each tool got back byte-exact.  The table
# gives the median, the rate, the files found, and the ratios the targets
# speak of: dredge against cat on the random image, each peer's time over
# dredge's, and the false-start image's throughput against the clean one.
#
# After each dredge --hash none run, the files it wrote are copied once
# more (copy-out): the time any carver needs to write out those bytes.
#
#   bench/cards.sh [--size 4G|--big] [--runs 3] [--only LIST] ...
#
# `bench/cards.sh --help` lists the options.  Nothing here is a test.
set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
# shellcheck source=bench/common.sh
. "$here/common.sh"

usage() {
	cat <<EOF
usage: bench/cards.sh [OPTIONS]

  -b, --build DIR        build folder holding src/dredge (default: $src/build)
  -d, --dir DIR          images and results (default: BUILD/bench-cards)
      --scratch DIR      where recovered files go (default: a folder in
                         /dev/shm when it has room, else DIR/out).  On the
                         images' file system dredge copies in the kernel
                         (copy_file_range), but ext4 then pays for creating
                         files where the last run's were just deleted
      --size SIZE        random image size (default 4G, 2G when the disk has
                         less than 3 times that free)
      --big              random image of 8G (the issue's size)
      --dense-size SIZE  camera card size (default 512M)
      --falsestart-size SIZE  sector-dense false-start image size (default 512M)
      --cut-size SIZE    cut-photo card size (default 64M)
      --dashcam-mib N    dashcam card size in MiB (default 512; 2200 is a
                         real card, and takes long to record)
      --only LIST        images to run, comma-separated (default all:
                         random,dense,falsestart,cut,fat32,exfat)
      --peers LIST       photorec,foremost,scalpel or none (default: all
                         that are installed)
      --peers-random     also run the peers on the random image (slow)
      --runs N           timed runs per tool, median reported (default 3)
      --seed N           image seed (default 2026)
      --timeout SECONDS  a run that takes longer is stopped and failed (1800)
      --keep             keep the last run's recovered files
      --xfs              also run the dashcam cards with the image and the
                         recovered files on one XFS (made for the run on a
                         loop device over a file in the scratch folder;
                         root, xfsprogs): rows fat32-xfs, exfat-xfs, where
                         dredge's copies become shared extents
  -h, --help             this text
EOF
}

BUILD=$src/build DIR="" SCRATCH="" SIZE="" DENSE_SIZE=512M FS_SIZE=512M
CUT_SIZE=64M DASH_MIB=512 ONLY="random,dense,falsestart,cut,fat32,exfat"
PEERS_OPT=""
PEERS_RANDOM=0 RUNS=3 SEED=2026 TIMEOUT=1800 KEEP=0 XFS=0
CMDLINE="bench/cards.sh $*"
option() {
	case $1 in
	-b|--build) BUILD=$2 ;;
	-d|--dir) DIR=$2 ;;
	--scratch) SCRATCH=$2 ;;
	--size) SIZE=$2 ;;
	--big) SIZE=8G ;;
	--dense-size) DENSE_SIZE=$2 ;;
	--falsestart-size) FS_SIZE=$2 ;;
	--cut-size) CUT_SIZE=$2 ;;
	--dashcam-mib) DASH_MIB=$2 ;;
	--only) ONLY=$2 ;;
	--peers) PEERS_OPT=$2 ;;
	--peers-random) PEERS_RANDOM=1 ;;
	--runs) RUNS=$2 ;;
	--seed) SEED=$2 ;;
	--timeout) TIMEOUT=$2 ;;
	--keep) KEEP=1 ;;
	--xfs) XFS=1 ;;
	esac
}
parse_options "--big --peers-random --keep --xfs" "-b --build -d --dir --scratch
	--size --dense-size --falsestart-size --cut-size --dashcam-mib --only
	--peers --runs
	--seed --timeout" "$@"
case $RUNS in ''|*[!0-9]*|0) die "--runs needs a number >= 1" ;; esac
case $SEED in ''|*[!0-9]*) die "--seed needs a number" ;; esac
case $DASH_MIB in ''|*[!0-9]*) die "--dashcam-mib needs a number" ;; esac
for k in ${ONLY//,/ }; do
	case $k in random|dense|falsestart|cut|fat32|exfat) ;;
	*) die "unknown image '$k'" ;; esac
done
want() { case ",$ONLY," in *",$1,"*) return 0 ;; esac; return 1; }
if [ $XFS = 1 ]; then
	[ "$(id -u)" = 0 ] || die "--xfs needs root (a loop device and a mount)"
	for t in mkfs.xfs losetup mountpoint truncate; do
		command -v $t >/dev/null || die "--xfs needs $t"
	done
fi

bench_build "$BUILD" "$DIR" bench-cards
command -v fincore >/dev/null || die "fincore (util-linux) is needed to check the page cache"

# The random image: 4G when the disk holds three times that, else 2G.
if [ -z "$SIZE" ]; then
	avail=$(df -Pk "$DIR" | awk 'NR == 2 { print $4 }')
	if [ "$avail" -gt $((3 * 4 * 1024 * 1024)) ]; then SIZE=4G; else SIZE=2G; fi
fi
SIZE_B=$(to_bytes "$SIZE") DENSE_B=$(to_bytes "$DENSE_SIZE") FS_B=$(to_bytes "$FS_SIZE")
CUT_B=$(to_bytes "$CUT_SIZE")

select_peers "$PEERS_OPT"
HAVE_FIO=0
command -v fio >/dev/null && HAVE_FIO=1

if [ -z "$SCRATCH" ]; then
	avail=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
	if [ -n "$avail" ] && [ "$avail" -gt $((4 * 1024 * 1024)) ]; then
		SCRATCH=/dev/shm/dredge-cards.$$
	else
		SCRATCH=$DIR/out
	fi
fi
mkdir -p "$SCRATCH" || die "cannot create $SCRATCH"
SCRATCH=$(cd "$SCRATCH" && pwd)
OUT=$SCRATCH/run
XIMG="" XMNT="" XLOOP=""
cleanup() {
	declare -F xfs_done >/dev/null && xfs_done
	[ $KEEP = 1 ] || rm -rf "$OUT"
	case $SCRATCH in /dev/shm/dredge-cards.*) [ $KEEP = 1 ] || rm -rf "$SCRATCH" ;; esac
}
trap cleanup EXIT
trap 'exit 130' INT TERM
RESULTS=$DIR/cards.tsv
: >"$RESULTS"

# ---------------------------------------------------------------- images
# gen_random IMG BYTES: random data, one distinct JPEG (a sample with a
# comment naming its slot) at a seeded sector in every 8 MiB.
gen_random() {
	local img=$1 bytes=$2 man=$1.manifest header slot=$((8 << 20)) i=0 off s f
	header="# dredge-cards v$BENCH_GEN_VERSION kind=random bytes=$bytes seed=$SEED samples=$(samples_id)"
	if image_current "$img" "$man" "$header"; then
		log "reusing $img"
		return 0
	fi
	log "generating $img ($(human "$bytes"), one JPEG per 8 MiB)"
	mkdir -p "$PLANTDIR"
	PLANTS=() MANIFEST_LINES=""
	rng_seed "$SEED"
	while ((i * slot + slot <= bytes)); do
		s=${SAMPLES[i % ${#SAMPLES[@]}]}
		rng 8192; off=$((i * slot + R * 512))
		((off + $(fsize "$s") + 4096 <= (i + 1) * slot)) || off=$((i * slot))
		f=$PLANTDIR/random-s$SEED-$i.jpg
		[ -f "$f" ] || jpeg_variant "$s" "$f" "dredge-cards random seed $SEED slot $i"
		plant_line "$f" "$off" "unique:$(basename "$f")"
		i=$((i + 1))
	done
	((i > 0)) || die "image of $bytes bytes is too small for one slot"
	make_image "$img" "$man" "$header" "$bytes"
}

# gen_falsestart IMG BYTES FALSE: two sample JPEGs at fixed places, and
# with FALSE=1 a JPEG header (FF D8 FF E0) at every other sector.
gen_falsestart() {
	local img=$1 bytes=$2 false=$3 man=$1.manifest header
	header="# dredge-cards v$BENCH_GEN_VERSION kind=falsestart false=$false bytes=$bytes seed=$SEED samples=$(samples_id)"
	if image_current "$img" "$man" "$header"; then
		log "reusing $img"
		return 0
	fi
	log "generating $img ($(human "$bytes"), false starts: $false)"
	PLANTS=() MANIFEST_LINES=""
	[ "$false" = 1 ] && PLANTS+=("hex:ffd8ffe0@0/512")
	plant_line "${SAMPLES[0]}" $((bytes / 3 / 512 * 512)) "sample:$(basename "${SAMPLES[0]}")"
	plant_line "${SAMPLES[1]}" $((bytes * 2 / 3 / 512 * 512 + 512)) "sample:$(basename "${SAMPLES[1]}")"
	make_image "$img" "$man" "$header" "$bytes"
}

# gen_cut IMG BYTES: random data and, at the start of every 128 KiB, the
# first 96 KiB of a distinct camera photo (cut inside its image data).
# The manifest lists the heads.
gen_cut() {
	local img=$1 bytes=$2 man=$1.manifest header k=0 slot=$((128 << 10))
	local head=$((96 << 10)) b f
	header="# dredge-cards v$BENCH_GEN_VERSION kind=cut bytes=$bytes seed=$SEED bases=$(bases_id)"
	photos_start "$img" "$man" "$header" \
		"$(human "$bytes"), photos cut in their data" || return 0
	while (((k + 1) * slot <= bytes)); do
		b=${BASES[k % ${#BASES[@]}]}
		f=$PLANTDIR/cut-s$SEED-$k.jpg
		[ -f "$f" ] || jpeg_variant "$b" "$f" "dredge-cards cut seed $SEED photo $k"
		PLANTS+=("$f@$((k * slot))+$head")
		MANIFEST_LINES+="$((k * slot)) $head - cut:$(basename "$f")"$'\n'
		k=$((k + 1))
	done
	((k > 0)) || die "image of $bytes bytes is too small for one photo"
	make_image "$img" "$man" "$header" "$bytes"
	rm -f "$PLANTDIR"/cut-s"$SEED"-*.jpg
}

# count_whole DIR MANIFEST TOOL: the files a tool wrote as whole photos
# on the cut card (none is): for dredge, the report's entries called
# complete or reassembled; for a peer, the JPEGs it wrote.  Prints
# "whole heads".
count_whole() {
	local n heads
	heads=$(grep -c ' cut:' "$2")
	if [ "${3%-*}" = dredge ]; then
		n=$(grep -c '"status":"\(complete\|reassembled\)"' "$1/d/report.jsonl")
	else
		n=$(find "$1" -type f -iname '*.jpg' | wc -l)
	fi
	echo "$n $heads"
}

# gen_dashcam FS: records the card with bench/dashcam.sh (once).
gen_dashcam() {
	local fs=$1 work=$DIR/dashcam-$1-$DASH_MIB
	if [ -s "$work/intact" ] && [ -f "$work/card.img" ]; then
		log "reusing $work/card.img"
		return 0
	fi
	log "recording a $DASH_MIB MiB $fs dashcam card (bench/dashcam.sh; takes a while)"
	DASHCAM_FS=$fs DASHCAM_RECORD_ONLY=1 "$here/dashcam.sh" "$BUILD" "$work" \
		"$DASH_MIB" 7 >"$work.log" 2>&1 || die "recording failed: $(tail -1 "$work.log")"
}

# ---------------------------------------------------------------- checks
# count_clips OUT INTACT: intact deleted clips found byte-exact in OUT.
count_clips() {
	find "$1" -type f \( -iname '*.mp4' -o -iname '*.mov' \) -size +0 -print0 |
		xargs -0 -r "$XXH128SUM" | awk '{ print $1 }' | sort -u >"$DIR/got.hashes"
	awk -v got="$DIR/got.hashes" '
		BEGIN { while ((getline l < got) > 0) have[l] = 1 }
		{ n++; if ($1 in have) ok++ }
		END { printf "%d %d\n", ok, n }' "$2"
}

# ---------------------------------------------------------------- XFS
# xfs_setup BYTES: an XFS of BYTES (a sparse file in the scratch folder,
# on a loop device) mounted at XMNT.
xfs_setup() {
	XIMG=$SCRATCH/xfs.img XMNT=$SCRATCH/xfs
	rm -f "$XIMG"
	truncate -s "$1" "$XIMG" || die "cannot make $XIMG"
	XLOOP=$(losetup -f --show "$XIMG") || die "cannot set up a loop device"
	mkfs.xfs -q -f "$XLOOP" || die "mkfs.xfs failed on $XLOOP"
	mkdir -p "$XMNT"
	mount "$XLOOP" "$XMNT" || die "cannot mount $XLOOP"
}

xfs_done() {
	if [ -n "$XMNT" ] && mountpoint -q "$XMNT"; then umount "$XMNT"; fi
	[ -n "$XLOOP" ] && losetup -d "$XLOOP"
	[ -n "$XIMG" ] && rm -f "$XIMG"
	[ -n "$XMNT" ] && rmdir "$XMNT" 2>/dev/null
	XIMG="" XMNT="" XLOOP=""
}

# on_xfs KEY IMG CHECK TOOL...: runs KEY-xfs: IMG copied onto the XFS,
# every tool's files written there too.
on_xfs() {
	local key=$1 img=$2 check=$3 saved=$OUT
	shift 3
	[ -n "$XMNT" ] || xfs_setup 3G
	cp "$img" "$XMNT/card.img" || die "cannot copy $img onto the XFS"
	OUT=$XMNT/run
	runs "$key-xfs" "$XMNT/card.img" "$check" "$@"
	rm -rf "$OUT"
	OUT=$saved
	rm -f "$XMNT/card.img"
}

# ---------------------------------------------------------------- running
# run KEY IMG CHECK TOOL: one timed run, checked, a line in RESULTS.  CHECK
# is "manifest FILE" (planted JPEGs), "clips FILE" (intact clips) or
# "none".
run() {
	local key=$1 img=$2 check=$3 tool=$4 bytes cmd=() found=- planted=- ok=ok
	bytes=$(fsize "$img")
	rm -rf "$OUT"
	mkdir -p "$OUT"
	local types=jpg kind=jpg
	case $check in clips*) types=mp4 kind=video ;; esac
	case $tool in
	cat) cmd=(sh -c 'cat "$1" >/dev/null' sh "$img") ;;
	# fio reading the page cache (no invalidation first): through a
	# mapping (the ceiling of a zero-copy scan) and with read(2).
	fio-mmap|fio-read)
		local e=mmap
		[ "$tool" = fio-read ] && e=psync
		cmd=(fio --name=hot --filename="$img" --readonly --invalidate=0
		     --rw=read --bs=2M --ioengine=$e --size="$bytes"
		     --output-format=terse --terse-version=3) ;;
	dredge) cmd=("$DREDGE" scan "$img" -o "$OUT/d" -t "$types" -q) ;;
	# Without the forensic digests (MD5, SHA-256), which the peers do
	# not compute: the same work as theirs.
	dredge-nohash)
		cmd=("$DREDGE" scan "$img" -o "$OUT/d" -t "$types" -q --hash none) ;;
	# A card's free space only, through its file system, against
	# PhotoRec's free-space mode.
	dredge-free)
		cmd=("$DREDGE" scan "$img" -o "$OUT/d" -t "$types" -q --hash none
		     --unallocated) ;;
	photorec-free)
		peer_cmd photorec "$kind" "$img" "$OUT/photorec" "$DIR"
		cmd=("${CMD[@]/,search/,freespace,search}") ;;
	photorec|foremost|scalpel)
		peer_cmd "$tool" "$kind" "$img" "$OUT/$tool" "$DIR"
		cmd=("${CMD[@]}") ;;
	esac
	cache_hot "$img"
	timed "$DIR/last-run.log" timeout "$TIMEOUT" "${cmd[@]}"
	if [ "${tool%-*}" = fio ] && [ $RC = 0 ]; then
		local ms
		ms=$(awk -F';' '/^3;/ { print $9 }' "$DIR/last-run.log")
		[ -n "$ms" ] && [ "$ms" -gt 0 ] && ELAPSED=$(awk -v m="$ms" 'BEGIN { printf "%.4f", m / 1000 }')
	fi
	[ $RC = 0 ] || ok="fail:exit-$RC"
	case $tool in cat|fio-*) check=none ;; esac
	case $check in
	manifest*)
		FOUND=- PLANTED=-
		if [ "${tool%-*}" = dredge ]; then
			verify_dredge "$OUT/d" "${check#manifest }" || ok="wrong:$BAD"
		else
			count_exact "$OUT" "${check#manifest }"
		fi
		found=$FOUND planted=$PLANTED ;;
	clips*)
		read -r found planted <<<"$(count_clips "$OUT" "${check#clips }")" ;;
	cut*)
		read -r found planted <<<"$(count_whole "$OUT" "${check#cut }" "$tool")" ;;
	esac
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$tool" "$ELAPSED" "$bytes" \
		"$found" "$planted" "$ok" >>"$RESULTS"
	log "$(printf '%-12s %-9s %8.3f s  %s/%s %s' "$key" "$tool" "$ELAPSED" "$found" "$planted" "$ok")"
	[ "$tool" = dredge-nohash ] && [ "$ok" = ok ] && copy_out "$key" "$bytes"
	[ $KEEP = 1 ] || rm -rf "$OUT"
}

# copy_out KEY BYTES: times copying the files dredge-nohash just wrote, on
# the same file system, as a row "copy-out": the floor of any carver that
# writes those bytes out (one copy of each, as dredge's own).
copy_out() {
	local n
	n=$(du -sb "$OUT/d" | cut -f1)
	timed "$DIR/last-run.log" cp -r --reflink=never "$OUT/d" "$OUT/copy"
	[ $RC = 0 ] || return 0
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" copy-out "$ELAPSED" "$2" \
		- - ok >>"$RESULTS"
	log "$(printf '%-12s %-9s %8.3f s  (%s bytes)' "$1" copy-out "$ELAPSED" "$n")"
	rm -rf "$OUT/copy"
}

runs() {  # runs KEY IMG CHECK TOOL...: each tool RUNS times, interleaved
	local key=$1 img=$2 check=$3 r t
	shift 3
	for ((r = 1; r <= RUNS; r++)); do
		for t in "$@"; do run "$key" "$img" "$check" "$t"; done
	done
}

echo "dredge cards benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo "command:  $CMDLINE"
echo "machine:  $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
	"$(awk '/^MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "storage:  $DIR on $(findmnt -no SOURCE,FSTYPE -T "$DIR" | head -1 | tr -s ' '), recovered files to $SCRATCH"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) at the start"
echo "dredge:   $("$DREDGE" version 2>/dev/null | head -1)$(cd "$src" && git describe --always --dirty 2>/dev/null | sed 's/^/, git /')"
echo

PEER_TOOLS=("${PEERS[@]}")
CEIL=(cat)
[ $HAVE_FIO = 1 ] && CEIL+=(fio-mmap fio-read)
if want random; then
	img=$DIR/random-$(human "$SIZE_B").img
	gen_random "$img" "$SIZE_B"
	p=()
	[ $PEERS_RANDOM = 1 ] && p=("${PEER_TOOLS[@]}")
	runs random "$img" "manifest $img.manifest" "${CEIL[@]}" dredge "${p[@]}"
fi
if want dense; then
	img=$DIR/dense-$(human "$DENSE_B").img
	gen_dense "$img" "$DENSE_B"
	runs dense "$img" "manifest $img.manifest" cat dredge dredge-nohash \
		"${PEER_TOOLS[@]}"
fi
if want falsestart; then
	img=$DIR/falsestart-$(human "$FS_B").img
	clean=$DIR/clean-$(human "$FS_B").img
	gen_falsestart "$img" "$FS_B" 1
	gen_falsestart "$clean" "$FS_B" 0
	runs clean "$clean" "manifest $clean.manifest" dredge
	# Not the peers: a header at every sector makes header-and-footer
	# carvers write a file per sector.
	runs falsestart "$img" "manifest $img.manifest" cat dredge
fi
if want cut; then
	img=$DIR/cut-$(human "$CUT_B").img
	gen_cut "$img" "$CUT_B"
	# PhotoRec only: header-and-footer carvers write each head out to
	# their largest size.
	p=()
	for t in "${PEER_TOOLS[@]}"; do [ "$t" = photorec ] && p+=("$t"); done
	runs cut "$img" "cut $img.manifest" cat dredge dredge-nohash "${p[@]}"
fi
for fs in fat32 exfat; do
	want $fs || continue
	gen_dashcam $fs
	w=$DIR/dashcam-$fs-$DASH_MIB
	# scalpel writes every start out to the largest clip's size.
	p=()
	for t in "${PEER_TOOLS[@]}"; do [ "$t" = scalpel ] || p+=("$t"); done
	f=()
	for t in "${PEER_TOOLS[@]}"; do [ "$t" = photorec ] && f=(dredge-free photorec-free); done
	runs "$fs" "$w/card.img" "clips $w/intact" cat dredge dredge-nohash "${p[@]}" "${f[@]}"
	[ $XFS = 1 ] && on_xfs "$fs" "$w/card.img" "clips $w/intact" cat dredge \
		dredge-nohash "${p[@]}" "${f[@]}"
done

# ---------------------------------------------------------------- table
echo
awk -F'\t' '
function median(list,    n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	k = $1 SUBSEP $2
	if (!(k in t)) { order[++n] = k; key[k] = $1; tool[k] = $2; bytes[k] = $4 }
	t[k] = t[k] " " $3
	found[k] = $5; planted[k] = $6
	if ($7 != "ok") bad[k] = $7
}
END {
	for (i = 1; i <= n; i++) { k = order[i]; med[k] = median(t[k]) }
	printf "%-11s %-13s %9s %10s %9s  %s\n", "image", "tool", "median s", "MB/s", "found", "ratio"
	for (i = 1; i <= n; i++) {
		k = order[i]
		if (k in bad) { printf "%-11s %-13s %s\n", key[k], tool[k], "FAILED: " bad[k]; continue }
		d = key[k] SUBSEP "dredge"
		dn = key[k] SUBSEP "dredge-nohash"
		if (tool[k] == "photorec-free") { d = key[k] SUBSEP "dredge-free"; dn = "" }
		c = key[k] SUBSEP "cat"
		ratio = ""
		if (tool[k] == "copy-out" && (dn in med))
			ratio = sprintf("%.0f%% of dredge-nohash'"'"'s time", 100 * med[k] / med[dn])
		else if (key[k] == "falsestart" && tool[k] == "dredge" && ("clean" SUBSEP "dredge") in med)
			ratio = sprintf("%.0f%% of the clean image'"'"'s rate", 100 * med["clean" SUBSEP "dredge"] / med[k])
		else if (tool[k] == "cat" || tool[k] ~ /^fio/ || (key[k] == "random" && tool[k] == "dredge"))
			ratio = (c in med) ? sprintf("%.2f x cat'"'"'s rate", med[c] / med[k]) : ""
		else if (tool[k] !~ /^dredge/ && (d in med) && !(d in bad)) {
			ratio = sprintf("dredge %.2fx its rate", med[k] / med[d])
			if ((dn in med) && !(dn in bad))
				ratio = ratio sprintf(", --hash none %.2fx", med[k] / med[dn])
		}
		f = found[k] == "-" ? "" : found[k] "/" planted[k]
		printf "%-11s %-13s %9.3f %10.0f %9s  %s\n", key[k], tool[k], med[k], bytes[k] / med[k] / 1e6, f, ratio
	}
}' "$RESULTS"
echo
echo "found: planted JPEGs (random, dense, falsestart) or intact deleted clips"
echo "(fat32, exfat) recovered byte-exact; dredge's report is also checked entry"
echo "by entry.  On the cut card: the heads written as whole photos (none is"
echo "whole, so 0 is right).  Times are medians of $RUNS runs, image hot in the"
echo "page cache."
echo "dredge computes MD5 and SHA-256 of every file by default; dredge-nohash"
echo "(--hash none) does what the peers do.  \"dredge Nx its rate\": dredge's"
echo "rate over that tool's.  On the dashcam cards dredge-free (--unallocated"
echo "--hash none) and photorec-free scan the free space only, through the file"
echo "system; photorec-free's ratio is against dredge-free."
[ $XFS = 1 ] && echo "*-xfs: the image and every tool's files on one XFS (loop device over a file
in $SCRATCH); there dredge's copies of clusters on the block grid are
shared extents, copy-out's are copies."
echo "copy-out: cp of the files dredge-nohash wrote, to the same file system"
echo "(one copy of each byte, as dredge's own): no carver that writes them out"
echo "takes less; its MB/s is over the image's size, as every row's."

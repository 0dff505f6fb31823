#!/bin/bash
# bench/camera.sh - a camera card whose deleted photos are fragmented:
# what each carver gets back, side by side in one run.
#
#   bench/camera.sh [BUILDDIR] [WORKDIR]
#   CAMERA_SEEDS="3 4 5" (one card each)  CAMERA_MIB=320  CAMERA_FAT=32
#   CAMERA_SPC=8 (sectors per cluster)  CAMERA_SHOTS="60 30 3" (rounds)
#
# Each card is made by tests/e2e/card_make.sh: a FAT volume on which a
# camera (mtools) takes a first round of shots, some of them deleted, a
# second round that the FAT driver writes round the live ones (so those
# are fragmented), all deleted, and a third round taking some of their
# clusters.  The second round's photos that survive whole are what a
# recovery should bring back.  dredge scans each card as a user would
# (`dredge scan card.img -o out`, no file-system option) and by its free
# clusters (--unallocated); PhotoRec, foremost and scalpel where
# installed, each on the whole card for JPEG.  Every output file is
# hashed; the table gives, per tool, the surviving deleted photos found
# byte-exact (fragmented and contiguous apart), the other output files
# that are a strict prefix of a photo written (prefix) or not even that
# (junk), and the seconds.
# Nothing here is a test; the cards are deleted at the end.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
work=${2:-$build/bench-camera}
DREDGE=$build/src/dredge
MKIMAGE=$build/tests/tools/mkimage
XXH128SUM=$build/tests/tools/xxh128sum
# shellcheck source=bench/common.sh
. "$src/bench/common.sh"
# shellcheck source=tests/e2e/fs_lib.sh
. "$src/tests/e2e/fs_lib.sh"
# shellcheck source=tests/e2e/card_make.sh
. "$src/tests/e2e/card_make.sh"

SEEDS=${CAMERA_SEEDS:-3 4 5}
MIB=${CAMERA_MIB:-320}
FAT=${CAMERA_FAT:-32}
SPC=${CAMERA_SPC:-8}
read -r R1 R2 R3 <<<"${CAMERA_SHOTS:-60 30 3}"
[ -x "$DREDGE" ] || die "no dredge at $DREDGE (build first)"
for t in ffmpeg mkfs.vfat mcopy mdel mshowfat; do
	command -v "$t" >/dev/null 2>&1 || die "$t is not installed"
done
tools="dredge dredge-unalloc"
for p in photorec foremost scalpel; do
	command -v "$p" >/dev/null 2>&1 && tools="$tools $p"
done
mkdir -p "$work"
# Recovered files go to memory when it has room (on the cards' own file
# system dredge copies in the kernel, but ext4 then pays for creating
# files where the last run's were just deleted, and so would the peers).
out=$work/out
avail=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
if [ "${avail:-0}" -gt $((2 * 1024 * 1024)) ]; then
	out=/dev/shm/dredge-camera.$$
	trap 'rm -rf "$out"' EXIT
fi

# run TOOL IMG OUT: prints the seconds
run() {
	local t0 t1
	rm -rf "$3"
	case $1 in
	dredge) CMD=("$DREDGE" scan "$2" -o "$3" -q) ;;
	dredge-unalloc) CMD=("$DREDGE" scan "$2" -o "$3" -q --unallocated) ;;
	*) peer_cmd "$1" jpg "$2" "$3" "$work" ;;
	esac
	cache_hot "$2"
	t0=$(date +%s.%N)
	"${CMD[@]}" >/dev/null 2>&1
	t1=$(date +%s.%N)
	echo "$t1 $t0" | awk '{printf "%.2f", $1 - $2}'
}

# head_key FILE: the hash of its first 4 KiB (a prefix's key)
head_key() { head -c 4096 "$1" >"$work/head"; xxh "$work/head"; }

# score OUT CARDWORK: "FRAG_EXACT CONTIG_EXACT PREFIX JUNK" for the JPEG
# files in OUT (not dredge's report thumbnails): the surviving deleted photos found byte-exact, the other
# outputs that are a strict prefix of a photo written, and the rest
score() {
	local f h k sz p pre=0 junk=0
	cut -d' ' -f1 "$2/shots" | sort -u >"$work/written"
	: >"$work/got"
	while IFS= read -r -d '' f; do
		h=$("$XXH128SUM" "$f" | cut -d' ' -f1)
		echo "$h" >>"$work/got"
		grep -qx "$h" "$work/written" && continue
		k=$(head_key "$f") sz=$(fsize "$f") p=0
		for c in $(awk -v k="$k" '$1 == k { print $2 }' "$work/keys"); do
			[ "$(fsize "$c")" -gt "$sz" ] && cmp -s -n "$sz" "$f" "$c" && p=1
		done
		[ $p = 1 ] && pre=$((pre + 1)) || junk=$((junk + 1))
	done < <(find "$1" -type f \( -iname '*.jpg' -o -iname '*.jpeg' \) \
	         -not -path '*/thumbs/*' -print0)
	awk -v pre="$pre" -v junk="$junk" 'NR == FNR { got[$1] = 1; next }
		$3 == "yes" && ($1 in got) { n[$2]++ }
		END { printf "%d %d %d %d\n", n["fragmented"], n["contiguous"], pre, junk }' \
		"$work/got" "$2/deleted"
}

declare -A sec fx cx px jk
totf=0 totc=0 cards=0
for seed in $SEEDS; do
	cw=$work/card$seed
	mkdir -p "$cw"
	img=$cw/card.img
	log "card $seed: FAT$FAT, $((SPC * 512 / 1024)) KiB clusters, $MIB MiB, shots $R1 $R2 $R3"
	CARD_KEEP_SHOTS=1 make_card "$img" "$cw" "$seed" "$FAT" "$SPC" \
		$((MIB * 1024)) "$R1" "$R2" "$R3" || die "could not make card $seed"
	for f in "$cw"/shot*.jpg; do echo "$(head_key "$f") $f"; done >"$work/keys"
	# the card written out, then read into the page cache: every tool
	# reads it hot, none pays for the writing
	sync
	cache_hot "$img"
	nf=$(awk '$2 == "fragmented" && $3 == "yes"' "$cw/deleted" | wc -l)
	nc=$(awk '$2 == "contiguous" && $3 == "yes"' "$cw/deleted" | wc -l)
	totf=$((totf + nf)) totc=$((totc + nc)) cards=$((cards + 1))
	log "card $seed: $nf fragmented and $nc contiguous deleted photos survive"
	for t in $tools; do
		s=$(run "$t" "$img" "$out")
		read -r f c pf j <<<"$(score "$out" "$cw")"
		sec[$t]=$(echo "${sec[$t]:-0} $s" | awk '{printf "%.2f", $1 + $2}')
		fx[$t]=$(( ${fx[$t]:-0} + f )) cx[$t]=$(( ${cx[$t]:-0} + c ))
		px[$t]=$(( ${px[$t]:-0} + pf )) jk[$t]=$(( ${jk[$t]:-0} + j ))
		log "card $seed: $t ${s}s fragmented $f/$nf contiguous $c/$nc prefix $pf junk $j"
		rm -rf "$out"
	done
	rm -rf "$cw"
done

echo "dredge camera-card benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo "command: bench/camera.sh; seeds $SEEDS; FAT$FAT, $((SPC * 512 / 1024)) KiB clusters, $MIB MiB; shots $R1 $R2 $R3"
echo "dredge:  $("$DREDGE" --version 2>/dev/null | head -1)"
echo
printf '%-16s %22s %22s %7s %6s %9s\n' tool "fragmented exact" "contiguous exact" \
	prefix junk seconds
for t in $tools; do
	printf '%-16s %16s of %-3s %16s of %-3s %7s %6s %9s\n' "$t" "${fx[$t]}" "$totf" \
		"${cx[$t]}" "$totc" "${px[$t]}" "${jk[$t]}" "${sec[$t]}"
done
echo
echo "The deleted photos of the second round that no later shot overwrote,"
echo "over $cards cards; exact: an output file byte-identical to the photo;"
echo "prefix: other outputs that are a strict prefix of a photo written (a"
echo "photo cut short); junk: outputs that are neither."
rm -f "$work/got" "$work/written" "$work/keys" "$work/head"

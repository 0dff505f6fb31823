#!/bin/bash
# bench/dashcam.sh - a dashcam card, recorded in a loop, and what each
# carver gets back of the clips it deleted.
#
#   bench/dashcam.sh [BUILDDIR] [WORKDIR] [SIZE_MIB] [SEED]
#
# DASHCAM_FS=exfat records on an exFAT card instead (mkfs.exfat, 32 KiB
# clusters, written by tests/tools/exfat_put, which takes the first free
# clusters as a driver does); DASHCAM_RECORD_ONLY=1 stops once the card
# is recorded and its truth written (WORKDIR/intact, WORKDIR/all-clips),
# for bench/cards.sh.
#
# Makes a FAT32 image (default 2200 MiB, 32 KiB clusters) and records on
# it the way a car recorder does: clips (H.264 + AAC from ffmpeg, moov
# last, 6-14 s at 8 Mbit/s, each different) each with a small GPS log in
# /DCIM; every sixth clip is an event clip, copied to /EVENT and kept;
# when the card is full, the oldest clips and their logs are deleted until
# the next clip fits with 15% of the card to spare (recorders keep such a
# reserve), and the next clip takes the free clusters from where the last
# write ended, wrapping round the card (mtools allocates from FSInfo's
# next-free pointer as recorders do).  So clips fragment around event
# clips and logs, and the clips deleted last, ahead of the write pointer,
# are still intact.  Recording goes on until three times the card has
# been written, so that the clips still intact were themselves written
# round event clips.
#
# The truth is every write's FAT chain, taken as it is written.  A deleted
# clip is intact when no later write took any of its clusters; intact
# clips are split into contiguous and fragmented ones.  Then dredge
# (--unallocated, and the whole volume), PhotoRec (whole space and free
# space), foremost and scalpel run on the image with only their MP4/MOV
# carving on, and the table says how many intact deleted clips each
# brought back byte-exact, how many files it wrote, and how long it took.
# dredge's own output is checked first: every file it calls complete must
# be a clip that was written.  Nothing here is a test.
#
#   bench/dashcam.sh pair [BUILDDIR] [WORKDIR] [PAIRS] [SEED]
#
# The front+rear recorder instead: tests/tools/mkdashcam plays PAIRS
# (default 60) recordings of a front clip (H.264 1280x720) and a rear clip
# (H.265 640x360), 3 s each, written at once in chunks of 1..16 clusters,
# loop-recorded round FAT32 cards (DASHCAM_FS=exfat: exFAT cards) of
# 4 KiB, 32 KiB and 128 KiB clusters (every fifth an event clip, every
# sixth cut off before its moov, a third of the rest deleted by the user
# at the end), and each carver's output is scored against the truth by
# content: exact, a proper prefix, or missed, for the deleted clips that
# survive whole and for every clip that survives; with output bytes and
# time.  The row dredge-wiped is a scan by sectors of a copy of the card
# whose file system is gone (everything before its first cluster zeroed).
#
#   bench/dashcam.sh speed IMG [RUNS] [DREDGE...]
#
# A sector scan of the whole card IMG (the way a user without a file
# system runs it) by each DREDGE binary given (default: the build's), with
# and without --hash none, and by PhotoRec (whole space, MP4/MOV only),
# the runs interleaved; prints the median wall and CPU (user + system)
# seconds of RUNS (default 7) each.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = speed ]; then
	img=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
	runs=${3:-7}
	shift 3 2>/dev/null || shift $#
	[ $# -gt 0 ] || set -- "$src/build/src/dredge"
	tmp=$(mktemp -d) || exit 1
	trap 'rm -rf "$tmp"' EXIT
	med() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
	for _ in $(seq "$runs"); do
		i=0
		for d in "$@"; do
			i=$((i + 1))
			for h in "" none; do
				rm -rf "$tmp/o"
				/usr/bin/time -f "dredge$i${h:+-nohash} %e %U %S" -a \
					-o "$tmp/t" "$d" scan "$img" -o "$tmp/o" -q \
					${h:+--hash $h} >/dev/null 2>&1
			done
		done
		if command -v photorec >/dev/null; then
			rm -rf "$tmp/o" && mkdir "$tmp/o"
			(cd "$tmp/o" && /usr/bin/time -f "photorec %e %U %S" -a \
				-o "$tmp/t" photorec /log /d "$tmp/o/recup" /cmd "$img" \
				"fileopt,everything,disable,mov,enable,wholespace,search" \
				>/dev/null 2>&1)
		fi
	done
	i=0
	for d in "$@"; do i=$((i + 1)); echo "dredge$i: $d"; done
	echo "card: $img ($(stat -c %s "$img") bytes), $runs runs, medians"
	for t in $(awk '{ print $1 }' "$tmp/t" | awk '!s[$1]++'); do
		printf '%-16s wall %6.2f s   cpu %6.2f s\n' "$t" \
			"$(awk -v t="$t" '$1 == t { print $2 }' "$tmp/t" | med)" \
			"$(awk -v t="$t" '$1 == t { print $3 + $4 }' "$tmp/t" | med)"
	done
	exit 0
fi
if [ "${1:-}" = pair ]; then
	shift
	build=$(cd "${1:-$src/build}" && pwd)
	work=${2:-$build/bench-dashcam-pair}
	# absolute: PhotoRec runs from inside each output folder
	mkdir -p "$work" && work=$(cd "$work" && pwd)
	pairs=${3:-60}
	seed=${4:-7}
	DREDGE=$build/src/dredge
	top_builddir=$build
	export PATH=$PATH:/usr/sbin:/sbin
	# shellcheck source=../tests/e2e/dash_card.sh
	. "$src/tests/e2e/dash_card.sh"
	mkdir -p "$work"
	[ -s "$work/clips/rear_$(printf %03d $((pairs - 1))).mp4" ] ||
		dash_clips "$work/clips" "$pairs" "$seed" || exit 1
	list=$(dash_pairs "$work/clips" "$pairs")
	echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(uname -r)"
	echo "command: $0 pair $*"
	fs=${DASHCAM_FS:-fat32}
	case $fs in
	fat32) name=FAT32 ;;
	exfat) name=exFAT ;;
	*) echo "dashcam.sh: DASHCAM_FS is fat32 or exfat" >&2; exit 2 ;;
	esac
	for geo in "4K 512 8" "32K 512 64" "128K 4096 32"; do
		set -- $geo
		img=$work/$fs-$1.img t=$work/truth-$fs-$1
		# a card holding about 40% of what is recorded: loop recording
		kib=$(( $(du -sk "$work/clips" | cut -f1) * 2 / 5 ))
		# shellcheck disable=SC2086
		if [ "$fs" = exfat ]; then
			dash_card_exfat "$img" "$kib" "$1" "$seed" "$t" -cut 6 \
				-event 5 -keep 3 pair $list
		else
			dash_card "$img" "$kib" "$2" "$3" "$seed" "$t" -cut 6 \
				-event 5 -keep 3 pair $list
		fi || exit 1
		# the same card with its file system gone
		ds=$("$DREDGE" fs info "$img" |
			sed -n 's/^  data start (source): *//p')
		case $ds in
		''|*[!0-9]*) echo "dashcam.sh: no data start for $img" >&2
			exit 1 ;;
		esac
		cp "$img" "$work/wiped.img" &&
		dd if=/dev/zero of="$work/wiped.img" bs=512 count=$((ds / 512)) \
			conv=notrunc 2>/dev/null || exit 1
		del='$6 == "deleted" && $7 == 1 && $5 == 0'
		echo
		echo "card: $name, $1 clusters, $((kib / 1024)) MiB, $pairs recordings;" \
			"$(dash_truth "$t" '$2 != "fill"' | wc -l) clips written," \
			"$(dash_truth "$t" "$del" | wc -l) deleted and surviving whole" \
			"(not cut off), $(dash_truth "$t" '$7 == 1 && $5 == 0' | wc -l) surviving in all"
		printf '%-16s %8s %22s %14s %12s %7s\n' tool seconds \
			"deleted exact/prefix/missed" "all exact" "out bytes" "out/card"
		for tool in dredge-unalloc dredge-fs dredge-sectors dredge-wiped \
		            photorec-whole photorec-free foremost scalpel; do
			case $tool in
			photorec-*) command -v photorec >/dev/null || continue ;;
			foremost|scalpel) command -v "$tool" >/dev/null || continue ;;
			esac
			out=$work/out-$1-$tool
			rm -rf "$out"
			mkdir -p "$out"
			t0=$(date +%s.%N)
			case $tool in
			dredge-unalloc) "$DREDGE" scan "$img" -o "$out/d" -t mp4 -q --unallocated ;;
			dredge-fs) "$DREDGE" scan "$img" -o "$out/d" -t mp4 -q --fs ;;
			dredge-sectors) "$DREDGE" scan "$img" -o "$out/d" -t mp4 -q ;;
			dredge-wiped) "$DREDGE" scan "$work/wiped.img" -o "$out/d" -t mp4 -q ;;
			photorec-whole|photorec-free)
				(cd "$out" && photorec /log /d "$out/recup" /cmd "$img" \
					"fileopt,everything,disable,mov,enable,${tool#photorec-}space,search" \
					>/dev/null 2>&1) ;;
			foremost) foremost -Q -t mov,mp4 -i "$img" -o "$out/f" >/dev/null 2>&1 ;;
			scalpel)
				printf 'mp4\ty\t16000000\t????ftyp\n' >"$work/scalpel.conf"
				scalpel -c "$work/scalpel.conf" -o "$out/s" "$img" >/dev/null 2>&1 ;;
			esac
			t1=$(date +%s.%N)
			secs=$(echo "$t1 $t0" | awk '{printf "%.2f", $1 - $2}')
			read -r de dp dm dt <<<"$(dash_score "$out" "$t" "$del")"
			read -r ae _ _ at <<<"$(dash_score "$out" "$t" '$7 == 1 && $5 == 0')"
			b=$(out_bytes "$out")
			printf '%-16s %8s %14s %7s %6s/%-4s %12s %7s\n' "$tool" "$secs" \
				"$de/$dp/$dm" "of $dt" "$ae" "$at" "$b" \
				"$(echo "$b $(stat -c %s "$img")" | awk '{printf "%.2f", $1 / $2}')"
			rm -rf "$out"
		done
		rm -f "$work/wiped.img"
	done
	exit 0
fi
build=$(cd "${1:-$src/build}" && pwd)
work=${2:-$build/bench-dashcam}
# absolute: PhotoRec runs from inside its output folder
mkdir -p "$work" && work=$(cd "$work" && pwd)
size_mib=${3:-2200}
seed=${4:-7}
DREDGE=$build/src/dredge
XXH=$build/tests/tools/xxh128sum
PUT=$build/tests/tools/exfat_put
FS=${DASHCAM_FS:-fat32}
export PATH=$PATH:/usr/sbin:/sbin MTOOLS_SKIP_CHECK=1 MTOOLS_NO_VFAT=0
case $FS in
fat32) tools="mkfs.vfat mcopy mdel mshowfat mdir ffmpeg" ;;
exfat) tools="mkfs.exfat ffmpeg" ;;
*) echo "dashcam.sh: DASHCAM_FS is fat32 or exfat" >&2; exit 2 ;;
esac
for t in $tools; do
	command -v "$t" >/dev/null || { echo "dashcam.sh: $t is needed" >&2; exit 1; }
done
mkdir -p "$work"
img=$work/card.img
h() { "$XXH" "$1" | cut -d' ' -f1; }

# --------------------------------------------------------- recording
# chain IMG PATH: the file's clusters as "START+COUNT,..."
chain() {
	mshowfat -i "$1" "::$2" | sed 's/^[^<]*//' | tr -d '<>' | tr ' ' '\n' |
	awk -F- 'NF { a = $1; b = (NF > 1 ? $2 : $1);
		printf "%s%d+%d", (n++ ? "," : ""), a, b - a + 1 } END { print "" }'
}
free_bytes() { mdir -i "$img" ::/ | sed -n 's/^ *\([0-9 ]*\) bytes free$/\1/p' | tr -d ' '; }
# The same four operations on an exFAT card (exfat_put, allocating from
# where the last write ended, as drivers do); its free space is counted
# here, in 32 KiB clusters.
EX_USED=0 EX_NEXT=2
clusters_of() { echo $(( ($1 + 32767) / 32768 * 32768 )); }
fs_free() {
	if [ "$FS" = fat32 ]; then free_bytes
	else echo $(( size_mib * 1048576 * 97 / 100 - EX_USED )); fi
}
fs_put() {  # fs_put SRC PATH
	if [ "$FS" = fat32 ]; then mcopy -i "$img" "$1" "::$2"
	else "$PUT" "$img" put "$1" "$2" "fill@$EX_NEXT" &&
		EX_USED=$((EX_USED + $(clusters_of "$(stat -c %s "$1")"))) &&
		EX_NEXT=$("$PUT" "$img" runs "$2" | tr ',' '\n' | tail -1 |
			awk -F+ '{ print $1 + $2 }')
	fi
}
fs_del() {  # fs_del PATH SIZE
	if [ "$FS" = fat32 ]; then mdel -i "$img" "::$1"
	else "$PUT" "$img" rm "$1" && EX_USED=$((EX_USED - $(clusters_of "$2")))
	fi
}
fs_chain() {  # fs_chain PATH
	if [ "$FS" = fat32 ]; then chain "$img" "$1"; else "$PUT" "$img" runs "$1"; fi
}

make_clip() {  # make_clip OUT SECONDS N
	ffmpeg -nostdin -hide_banner -loglevel error -y \
		-f lavfi -i "testsrc2=size=480x270:rate=25" \
		-f lavfi -i "sine=frequency=$((150 + $3 * 53 % 900)):sample_rate=16000" \
		-t "$2" -vf "hue=h=$(($3 * 37 % 360)),noise=alls=20:allf=t:all_seed=$(($3 + seed))" \
		-c:v libx264 -preset ultrafast -b:v 8M -maxrate 8M -bufsize 4M -g 25 \
		-threads 2 -c:a aac -b:a 64k "$1"
}

record() {
	local n=0 written=0 cap=$((size_mib * 1048576)) rnd=$seed
	rm -f "$img"
	if [ "$FS" = fat32 ]; then
		# 32 KiB clusters, smaller on a card too small for FAT32 to
		# have 65525 of them.
		local spc=64
		while [ $((size_mib * 2048 / spc)) -lt 66000 ] && [ $spc -gt 1 ]; do
			spc=$((spc / 2))
		done
		mkfs.vfat -C -F 32 -s $spc -n DASHCAM "$img" $((size_mib * 1024)) >/dev/null 2>&1
		mmd -i "$img" ::/DCIM ::/EVENT
	else
		truncate -s $((size_mib * 1048576)) "$img" &&
		mkfs.exfat -c 32K -L DASHCAM "$img" >/dev/null &&
		"$PUT" "$img" mkdir /DCIM && "$PUT" "$img" mkdir /EVENT || exit 1
	fi
	: >"$work/writes"   # SEQ PATH HASH SIZE CHAIN
	: >"$work/live"     # recording order of deletable clips: PATH LOGPATH
	: >"$work/deleted"  # PATH
	while [ "$written" -lt $((cap * 3)) ]; do
		n=$((n + 1))
		rnd=$(( (rnd * 1103515245 + 12345) % 2147483648 ))
		local secs=$((6 + rnd % 9)) name clip log
		name=$(printf 'REC%05d' "$n")
		clip=$work/tmp.mp4
		log=$work/tmp.nmea
		make_clip "$clip" "$secs" "$n" || exit 1
		head -c $((20000 + rnd % 40000)) /dev/urandom | base64 >"$log"
		local need=$(( $(stat -c %s "$clip") + $(stat -c %s "$log") +
		               cap * 15 / 100 ))
		# Full: the oldest clips go, with their logs.
		while [ "$(fs_free)" -lt "$need" ] && [ -s "$work/live" ]; do
			read -r old oldlog oldsz oldlogsz <"$work/live"
			fs_del "$old" "$oldsz"
			fs_del "$oldlog" "$oldlogsz"
			echo "$old" >>"$work/deleted"
			sed -i 1d "$work/live"
		done
		local dir=/DCIM
		[ $((n % 6)) -eq 0 ] && dir=/EVENT
		fs_put "$clip" "$dir/$name.MP4" || exit 1
		echo "$n $dir/$name.MP4 $(h "$clip") $(stat -c %s "$clip") $(fs_chain "$dir/$name.MP4")" >>"$work/writes"
		fs_put "$log" "$dir/$name.NMA" || exit 1
		echo "$n.5 $dir/$name.NMA - $(stat -c %s "$log") $(fs_chain "$dir/$name.NMA")" >>"$work/writes"
		[ "$dir" = /DCIM ] && echo "$dir/$name.MP4 $dir/$name.NMA $(stat -c %s "$clip") $(stat -c %s "$log")" >>"$work/live"
		written=$((written + $(stat -c %s "$clip") + $(stat -c %s "$log")))
	done
	rm -f "$clip" "$log"
	echo "recorded $n clips ($((written / 1048576)) MiB written), $(wc -l <"$work/deleted") deleted"
}

# A deleted clip is intact when no later write took one of its clusters.
truth() {
	awk -v del="$work/deleted" '
		BEGIN { while ((getline l < del) > 0) deleted[l] = 1 }
		{ seq[NR] = $1; path[NR] = $2; hash[NR] = $3; runs[NR] = $5
		  nr = split($5, r, ",")
		  for (i = 1; i <= nr; i++) { split(r[i], p, "+")
		      for (k = 0; k < p[2]; k++) last[p[1] + k] = NR } }
		END { for (w = 1; w <= NR; w++) {
		      if (!(path[w] in deleted) || hash[w] == "-") continue
		      ok = 1; nr = split(runs[w], r, ",")
		      for (i = 1; i <= nr && ok; i++) { split(r[i], p, "+")
		          for (k = 0; k < p[2]; k++) if (last[p[1] + k] != w) ok = 0 }
		      if (ok) print hash[w], (nr > 1 ? "fragmented" : "contiguous"), path[w], runs[w] } }' \
		"$work/writes" >"$work/intact"
	awk '$3 != "-" { print $3 }' "$work/writes" >"$work/all-clips"
}

# ---------------------------------------------------------- carvers
run_tool() {  # run_tool NAME OUT: prints seconds
	local t=$1 out=$2 t0 t1
	rm -rf "$out"
	mkdir -p "$out"
	t0=$(date +%s.%N)
	case $t in
	dredge-unalloc) "$DREDGE" scan "$img" -o "$out/d" -t mp4 -q --unallocated ;;
	dredge-whole) "$DREDGE" scan "$img" -o "$out/d" -t mp4 -q --fs ;;
	dredge-sectors) "$DREDGE" scan "$img" -o "$out/d" -t mp4 -q ;;
	photorec-whole|photorec-free)
		(cd "$out" && photorec /log /d "$out/recup" /cmd "$img" \
			"fileopt,everything,disable,mov,enable,${t#photorec-}space,search" \
			>/dev/null 2>&1) ;;
	foremost) foremost -Q -t mov,mp4 -i "$img" -o "$out/f" >/dev/null 2>&1 ;;
	scalpel)
		grep -E '^#[[:space:]]*mov[[:space:]]' /etc/scalpel/scalpel.conf |
			sed 's/^#[[:space:]]*//' >"$work/scalpel.conf"
		# No footer: each start is carved to the largest clip's size.
		printf 'mp4\ty\t16000000\t????ftyp\n' >>"$work/scalpel.conf"
		scalpel -c "$work/scalpel.conf" -o "$out/s" "$img" >/dev/null 2>&1 ;;
	esac
	t1=$(date +%s.%N)
	echo "$t1 $t0" | awk '{printf "%.1f", $1 - $2}'
}

count() {  # count OUT: "contiguous fragmented files"
	find "$1" -type f \( -iname '*.mp4' -o -iname '*.mov' \) -size +0 |
	while read -r f; do h "$f"; done | sort -u >"$1.hashes"
	awk -v got="$1.hashes" '
		BEGIN { while ((getline l < got) > 0) have[l] = 1 }
		{ n[$2]++; if ($1 in have) ok[$2]++ }
		END { printf "%d %d\n", ok["contiguous"], ok["fragmented"] }' "$work/intact"
	find "$1" -type f \( -iname '*.mp4' -o -iname '*.mov' \) | wc -l
}

if [ ! -s "$work/writes" ] || [ ! -f "$img" ]; then
	record
fi
truth
[ -n "${DASHCAM_RECORD_ONLY:-}" ] && exit 0
nc=$(grep -c ' contiguous ' "$work/intact")
nf=$(grep -c ' fragmented ' "$work/intact")
nd=$(wc -l <"$work/deleted")

# dredge's result, checked: what it calls complete must be a clip written,
# and every fragmented intact clip it names must carry that clip's runs.
"$DREDGE" scan "$img" -o "$work/check" -t mp4 -q --unallocated --force
bad=0
grep '"status":"complete"' "$work/check/report.jsonl" |
	sed 's/.*"xxh3_128":"\([0-9a-f]*\)".*/\1/' | sort -u >"$work/check.complete"
bad=$(comm -23 "$work/check.complete" <(sort -u "$work/all-clips") | wc -l)
wrongruns=0
while read -r hash kind path runs; do
	got=$(grep "\"xxh3_128\":\"$hash\"" "$work/check/report.jsonl" | head -1 |
		sed -n 's/.*"clusters":\[\([^]]*\)\].*/\1/p' |
		sed 's/{"start":\([0-9]*\),"count":\([0-9]*\)}/\1+\2/g')
	[ -n "$got" ] && [ "$got" != "$runs" ] && wrongruns=$((wrongruns + 1))
done <"$work/intact"

echo
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(uname -r)"
echo "command: $0 $*"
echo "image: $size_mib MiB $FS, 32 KiB clusters; $(wc -l <"$work/all-clips") clips recorded, $nd deleted: $nc intact contiguous, $nf intact fragmented"
echo "dredge check: $bad files called complete that are no recorded clip; $wrongruns recovered clips with other cluster runs than their FAT chain"
printf '%-16s %9s %12s %12s %8s\n' tool seconds contiguous fragmented "mp4 out"
for t in dredge-unalloc dredge-whole dredge-sectors photorec-whole photorec-free foremost scalpel; do
	case $t in
	photorec-*) command -v photorec >/dev/null || continue ;;
	foremost|scalpel) command -v "$t" >/dev/null || continue ;;
	esac
	# scalpel writes every start out to the largest clip's size
	if [ "$t" = scalpel ] &&
	   [ "$(df -Pk "$work" | awk 'NR == 2 {print $4}')" -lt $((size_mib * 1024 * 12)) ]; then
		printf '%-16s skipped: needs about %d GiB free\n' "$t" $((size_mib * 12 / 1024))
		continue
	fi
	secs=$(run_tool "$t" "$work/out-$t")
	{ read -r c f; read -r files; } <<<"$(count "$work/out-$t")"
	printf '%-16s %9s %8s/%-3s %8s/%-3s %8s\n' "$t" "$secs" "$c" "$nc" "$f" "$nf" "$files"
	# Carvers that cannot find an end write a lot; keep the disk free.
	[ "$t" = dredge-unalloc ] || rm -rf "$work/out-$t"
done

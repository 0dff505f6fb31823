# common.sh - shared by the bench scripts (run.sh, grid.sh, cards.sh,
# formats.sh, frag.sh; sourced, bash).
#
# The command line and the build's tools, seeded test images with JPEGs
# planted at known offsets, page-cache control for one file (hot: read it
# and check with fincore; cold: evict it with posix_fadvise through dd and
# check again), wall-clock timing, the checks that a run recovered what
# was planted (dredge's report entry by entry, other tools' output files
# by hash), and the peer carvers: which are installed and how each runs.
#
# A manifest lists what an image holds, one planted file a line:
#   OFFSET SIZE XXH3-128 LABEL
# after a header line that says how the image was made; an image whose
# header still matches is reused.

# Results are handed back in global variables (ELAPSED, FOUND, ...), read
# by run.sh.
# shellcheck disable=SC2034
BENCH_GEN_VERSION=1

die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
log() { printf '[%4ds] %s\n' "$SECONDS" "$*" >&2; }

# to_bytes SIZE: a byte count with an optional K/M/G suffix (powers of 1024).
to_bytes() {
	local s=$1 n
	case $s in
	*[kK]) n=${s%?}; n=$((n * 1024)) ;;
	*[mM]) n=${s%?}; n=$((n * 1024 * 1024)) ;;
	*[gG]) n=${s%?}; n=$((n * 1024 * 1024 * 1024)) ;;
	*) n=$s ;;
	esac
	case $n in ''|*[!0-9]*) die "not a size: '$s'" ;; esac
	printf '%s\n' "$n"
}

# human BYTES: "4G", "512M", "1536K" when exact, else the byte count.
human() {
	local b=$1
	if ((b % (1 << 30) == 0)); then echo "$((b >> 30))G"
	elif ((b % (1 << 20) == 0)); then echo "$((b >> 20))M"
	elif ((b % 1024 == 0)); then echo "$((b >> 10))K"
	else echo "$b"; fi
}

# ---------------------------------------------------------------- random
# A 64-bit LCG (bash arithmetic wraps): the same layout on every machine.
RNG=1
rng_seed() { RNG=$(( ($1 * 6364136223846793005 + 1442695040888963407) )); }
# rng N: sets R to a number in [0, N).
rng() {
	RNG=$(( RNG * 6364136223846793005 + 1442695040888963407 ))
	R=$(( ((RNG >> 33) & 0x7fffffff) % $1 ))
}

align512() { echo $(( ($1 + 511) / 512 * 512 )); }
fsize() { stat -c %s "$1"; }
xxh() { "$XXH128SUM" "$1" | cut -d' ' -f1; }

# jpeg_variant SRC DST TEXT: SRC with a COM segment holding TEXT put after
# its first APPn segment (or right after SOI when there is none), so the
# result is a valid, distinct JPEG that still starts the way SRC does
# (JFIF or Exif: what header-matching carvers look for).
jpeg_variant() {
	local src=$1 dst=$2 text=$3 m1 m2 l1 l2 pos len
	read -r m1 m2 l1 l2 <<<"$(od -An -tu1 -j2 -N4 "$src")"
	if ((m1 == 255 && m2 >= 224 && m2 <= 239)); then
		pos=$((4 + l1 * 256 + l2))
	else
		pos=2
	fi
	len=$((${#text} + 2))
	((len < 65536)) || die "comment too long"
	{
		head -c "$pos" "$src"
		printf '\377\376'
		printf "\\$(printf '%03o' $((len >> 8)))\\$(printf '%03o' $((len & 255)))"
		printf '%s' "$text"
		tail -c +$((pos + 1)) "$src"
	} >"$dst.tmp" && mv "$dst.tmp" "$dst"
}

# ---------------------------------------------------------------- images
# image_current IMG MANIFEST HEADER: true when IMG was made with HEADER.
image_current() {
	[ -f "$1" ] && [ -f "$2" ] && [ "$(head -1 "$2")" = "$3" ] &&
		[ "$(fsize "$1")" = "$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' "$2" | head -1)" ]
}

# samples_id: names and hashes of the sample JPEGs (part of the header, so
# new samples make new images).
samples_id() {
	"$XXH128SUM" "${SAMPLES[@]}" | sed 's|  .*/|:|' | tr '\n' ' ' |
		"$XXH128SUM" /dev/stdin | cut -c1-12
}

# plant_line FILE OFFSET LABEL: one manifest line, and FILE@OFFSET queued
# for mkimage.
plant_line() {
	local sz
	sz=$(fsize "$1")
	PLANTS+=("$1@$2")
	MANIFEST_LINES+="$2 $sz $(xxh "$1") $3"$'\n'
}

# make_image IMG MANIFEST HEADER: runs mkimage with the queued plants.
make_image() {
	local img=$1 man=$2 header=$3 bytes=$4
	rm -f "$img" "$man"
	"$MKIMAGE" -o "$img" -z "$bytes" -s "$SEED" "${PLANTS[@]}" ||
		die "mkimage failed for $img"
	# Written pages are dirty: flush them so that eviction works later.
	sync "$img"
	{ printf '%s\n' "$header"; printf '%s' "$MANIFEST_LINES"; } >"$man.tmp"
	mv "$man.tmp" "$man"
}

# gen_sparse IMG BYTES: random data, and in every 20 MiB slot one sample
# JPEG (cycling through tests/data/jpeg, so the same content repeats) and a
# JPEG unique to that slot, both at seeded sector-aligned offsets.
gen_sparse() {
	local img=$1 bytes=$2 man=$1.manifest header slot=$((20 << 20)) i=0
	local base off s u uoff
	header="# dredge-bench v$BENCH_GEN_VERSION kind=sparse bytes=$bytes seed=$SEED samples=$(samples_id)"
	if image_current "$img" "$man" "$header"; then
		log "reusing $img"
		return 0
	fi
	log "generating $img ($(human "$bytes"), sparse)"
	mkdir -p "$PLANTDIR"
	PLANTS=() MANIFEST_LINES=""
	rng_seed "$SEED"
	while :; do
		base=$((i * slot + (1 << 20)))
		rng 2048; off=$((base + R * 512))
		s=${SAMPLES[i % ${#SAMPLES[@]}]}
		u=${SAMPLES[(i + 3) % ${#SAMPLES[@]}]}
		rng 64; uoff=$(align512 $((off + $(fsize "$s") + 512 + R * 512)))
		((uoff + (64 << 10) <= bytes && uoff < base + slot - (64 << 10))) || break
		local uf=$PLANTDIR/sparse-s$SEED-$i.jpg
		[ -f "$uf" ] || jpeg_variant "$u" "$uf" "dredge-bench sparse seed $SEED slot $i"
		plant_line "$s" "$off" "sample:$(basename "$s")"
		plant_line "$uf" "$uoff" "unique:$(basename "$uf")"
		i=$((i + 1))
	done
	((i > 0)) || die "image of $bytes bytes is too small for a sparse layout"
	make_image "$img" "$man" "$header" "$bytes"
}

# Photos for the dense image: seeded noise pictures encoded by cjpeg in
# several camera-like sizes and codings (baseline 4:2:0, progressive,
# restart markers, 4:4:4, optimised Huffman).  Noise makes a dense
# entropy-coded segment with many stuffed 0xFF bytes: the slow case for a
# validator that walks the scan.
DENSE_BASES=(
	"2048 1536 -quality 85"
	"2592 1944 -quality 90 -progressive"
	"1920 1080 -quality 85 -restart 1"
	"2304 1728 -quality 80 -sample 1x1"
	"1600 1200 -quality 92 -optimize"
	"3000 2000 -quality 75"
)

make_bases() {
	local j w h opts ppm=$PLANTDIR/noise.ppm
	BASES=()
	for j in "${!DENSE_BASES[@]}"; do
		local f=$PLANTDIR/base-s$SEED-$j.jpg
		BASES+=("$f")
		[ -s "$f" ] && continue
		command -v cjpeg >/dev/null ||
			die "cjpeg not found: apt-get install -y libjpeg-turbo-progs"
		read -r w h opts <<<"${DENSE_BASES[j]}"
		"$MKIMAGE" -o "$ppm.raw" -z $((w * h * 3)) -s $((SEED * 100 + j + 1)) ||
			die "mkimage failed"
		{ printf 'P6\n%d %d\n255\n' "$w" "$h"; cat "$ppm.raw"; } >"$ppm"
		# shellcheck disable=SC2086
		cjpeg $opts -outfile "$f.tmp" "$ppm" || die "cjpeg failed"
		mv "$f.tmp" "$f"
		rm -f "$ppm" "$ppm.raw"
	done
}

# bases_id: the camera photos' settings, for an image's header.
bases_id() {
	echo "${#DENSE_BASES[@]}:$(printf '%s;' "${DENSE_BASES[@]}" | "$XXH128SUM" /dev/stdin | cut -c1-12)"
}

# photos_start IMG MANIFEST HEADER WHAT: false (and says so) when IMG is
# current; else says what it generates (WHAT), and readies the camera
# photos and an empty list of plants.
photos_start() {
	if image_current "$1" "$2" "$3"; then
		log "reusing $1"
		return 1
	fi
	log "generating $1 ($4)"
	mkdir -p "$PLANTDIR"
	make_bases
	PLANTS=() MANIFEST_LINES=""
}

# gen_dense IMG BYTES: a camera card: photos back to back from sector 2048
# on, each starting on the next sector boundary after the previous one, all
# distinct; the rest of the card is random.
gen_dense() {
	local img=$1 bytes=$2 man=$1.manifest header k=0 off=$((1 << 20)) b f
	header="# dredge-bench v$BENCH_GEN_VERSION kind=dense bytes=$bytes seed=$SEED bases=$(bases_id)"
	photos_start "$img" "$man" "$header" "$(human "$bytes"), dense" || return 0
	while :; do
		b=${BASES[k % ${#BASES[@]}]}
		f=$PLANTDIR/dense-s$SEED-$k.jpg
		[ -f "$f" ] || jpeg_variant "$b" "$f" "dredge-bench dense seed $SEED photo $k"
		((off + $(fsize "$f") <= bytes)) || break
		plant_line "$f" "$off" "photo:$(basename "$f")"
		off=$(align512 $((off + $(fsize "$f"))))
		k=$((k + 1))
	done
	((k > 0)) || die "image of $bytes bytes is too small for one photo"
	make_image "$img" "$man" "$header" "$bytes"
}

# ---------------------------------------------------------------- cache
# resident IMG: bytes of IMG in the page cache.
resident() { fincore -b -n -o RES "$1" | tr -d ' '; }

# cache_hot IMG: read IMG into the page cache right before a timed run and
# check that it stayed there; sets CACHE to "hot", or "hot~NN%" when less
# than 99% of it is resident (memory pressure).
cache_hot() {
	local img=$1 sz res pct _
	sz=$(fsize "$img")
	for _ in 1 2; do
		cat "$img" >/dev/null
		res=$(resident "$img")
		((res * 100 >= sz * 99)) && { CACHE=hot; return 0; }
	done
	pct=$((res * 100 / sz))
	CACHE="hot~$pct%"
	log "warning: only $pct% of $img stays in the page cache"
}

# cache_cold IMG: evict IMG from the page cache (posix_fadvise DONTNEED
# through dd, then drop_caches as a last resort) and check; sets CACHE to
# "cold", or "cold~NN%" when more than 1% is still resident.
cache_cold() {
	local img=$1 sz res
	sz=$(fsize "$img")
	dd if="$img" iflag=nocache count=0 status=none 2>/dev/null
	res=$(resident "$img")
	if ((res * 100 > sz)); then
		sync "$img"
		dd if="$img" iflag=nocache count=0 status=none 2>/dev/null
		res=$(resident "$img")
	fi
	if ((res * 100 > sz)) && [ -w /proc/sys/vm/drop_caches ]; then
		sync
		echo 1 >/proc/sys/vm/drop_caches 2>/dev/null
		res=$(resident "$img")
	fi
	if ((res * 100 > sz)); then
		CACHE="cold~$((res * 100 / sz))%"
		log "warning: $img could not be evicted from the page cache"
	else
		CACHE=cold
	fi
}

# set_cache STATE IMG: hot, cold, or direct (O_DIRECT: nothing to do).
set_cache() {
	case $1 in
	hot) cache_hot "$2" ;;
	cold) cache_cold "$2" ;;
	*) CACHE=$1 ;;
	esac
}

# disk_stat_path DIR: the block layer's counters (/sys/dev/block/M:N/stat)
# of the device holding DIR, or nothing (tmpfs, overlay, no sysfs).
disk_stat_path() {
	local mm
	mm=$(findmnt -no MAJ:MIN -T "$1" 2>/dev/null | head -1 | tr -d ' ')
	[ -n "$mm" ] && [ -r "/sys/dev/block/$mm/stat" ] && echo "/sys/dev/block/$mm/stat"
}

# disk_read_bytes: bytes the device under the images has read so far
# (sectors of 512 bytes), or "-" when unknown.
disk_read_bytes() {
	if [ -n "${DISK_STAT:-}" ]; then
		awk '{ printf "%.0f\n", $3 * 512 }' "$DISK_STAT"
	else
		echo -
	fi
}

# ---------------------------------------------------------------- timing
# timed LOG CMD...: runs CMD with its output in LOG; sets ELAPSED (seconds),
# RC, and DISKREAD: the bytes CMD (its threads and children included) had
# read from a disk, from getrusage's ru_inblock through GNU time; without
# /usr/bin/time, what the images' device read meanwhile, other processes'
# reads included; "-" when neither is known.
timed() {
	local logf=$1 t0 t1 d0 d1 blocks
	shift
	if [ -x /usr/bin/time ]; then
		t0=$EPOCHREALTIME
		/usr/bin/time -f '%I' -o "$logf.rusage" "$@" >"$logf" 2>&1
		RC=$?
		t1=$EPOCHREALTIME
		blocks=$(tail -1 "$logf.rusage")
		case $blocks in ''|*[!0-9]*) DISKREAD=- ;; *) DISKREAD=$((blocks * 512)) ;; esac
	else
		d0=$(disk_read_bytes)
		t0=$EPOCHREALTIME
		"$@" >"$logf" 2>&1
		RC=$?
		t1=$EPOCHREALTIME
		d1=$(disk_read_bytes)
		if [ "$d0" = - ]; then DISKREAD=-; else DISKREAD=$((d1 - d0)); fi
	fi
	ELAPSED=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
}

# ---------------------------------------------------------------- checks
# report_fields REPORT: "offset status size hash duplicate_of filename" per
# report entry (the nested "runs" and "meta" objects are dropped first:
# they hold offsets and free text of their own).
report_fields() {
	awk '{
		gsub(/"runs":\[[^]]*\]/, "")
		gsub(/"meta":\{[^}]*\}/, "")
		o = s = z = h = d = f = "-"
		if (match($0, /"offset":[0-9]+/)) o = substr($0, RSTART + 9, RLENGTH - 9)
		if (match($0, /"status":"[a-z_]*"/)) s = substr($0, RSTART + 10, RLENGTH - 11)
		if (match($0, /"size":[0-9]+/)) z = substr($0, RSTART + 7, RLENGTH - 7)
		if (match($0, /"xxh3_128":"[0-9a-f]*"/)) h = substr($0, RSTART + 12, RLENGTH - 13)
		if (match($0, /"duplicate_of":[0-9a-z]+/)) d = substr($0, RSTART + 15, RLENGTH - 15)
		if (match($0, /"filename":"[^"]*"/)) f = substr($0, RSTART + 12, RLENGTH - 13)
		print o, s, z, h, d, f
	}' "$1"
}

# verify_dredge OUTDIR MANIFEST: every planted file is in the report as
# "complete" at its offset with its size and hash, and each distinct
# complete file written is byte-exact.  Sets FOUND (planted files
# reported right), EXTRA (complete entries at offsets not planted) and
# BAD (a text saying what is wrong, empty when all is right).
verify_dredge() {
	local out=$1 man=$2 res
	BAD=""
	if [ ! -s "$out/report.jsonl" ]; then
		FOUND=0 EXTRA=0 BAD="no report.jsonl"
		return 1
	fi
	res=$(report_fields "$out/report.jsonl" | awk '
		NR == FNR { st[$1] = $2; sz[$1] = $3; h[$1] = $4; next }
		/^#/ { next }
		{
			planted[$1] = 1; n++
			if (st[$1] == "complete" && sz[$1] == $2 && h[$1] == $3) ok++
			else if (nbad++ < 3)
				bad = bad sprintf(" [offset %s: want %s %s, got %s %s %s]",
				                  $1, $2, $3, st[$1] == "" ? "nothing" : st[$1], sz[$1], h[$1])
		}
		END {
			for (o in st) if (st[o] == "complete" && !(o in planted)) extra++
			printf "%d %d %d%s\n", ok, n, extra, bad
		}' - "$man")
	read -r FOUND PLANTED EXTRA BAD <<<"$res"
	if ((FOUND != PLANTED)); then
		BAD="$((PLANTED - FOUND)) of $PLANTED planted files not reported right:$BAD"
		return 1
	fi
	# The files written: one per distinct complete content, named in the
	# report; each must hash to what the report says.
	local wrong
	wrong=$(report_fields "$out/report.jsonl" | awk '$2 == "complete" && $5 == "null" { print $4, $6 }' |
		while read -r h f; do
			[ -f "$out/$f" ] || { echo "missing $f"; continue; }
			[ "$(xxh "$out/$f")" = "$h" ] || echo "wrong bytes in $f"
		done | head -3 | tr '\n' ' ')
	if [ -n "$wrong" ]; then
		BAD="written files: $wrong"
		return 1
	fi
	return 0
}

# count_exact OUTDIR MANIFEST: how many planted files have a byte-exact copy
# among the *.jpg files under OUTDIR (a content planted k times needs k
# copies).  Sets FOUND, PLANTED, NOUT (files written).
count_exact() {
	local out=$1 man=$2 res
	res=$(
		{ find "$out" -type f \( -name '*.jpg' -o -name '*.JPG' \) -print0 |
			xargs -0 -r "$XXH128SUM" | awk '{ print "out", $1 }'
		  awk '!/^#/ { print "man", $3 }' "$man"; } |
		awk '$1 == "out" { have[$2]++; nout++ }
		     $1 == "man" { want[$2]++; n++ }
		     END { for (h in want) ok += (have[h] < want[h] ? have[h] : want[h])
		           printf "%d %d %d\n", ok, n, nout }')
	read -r FOUND PLANTED NOUT <<<"$res"
}

# ----------------------------------------------------------- options
# parse_options FLAGS VALUED ARGS...: a bench script's command line, each
# option as "--opt VALUE" or "--opt=VALUE".  FLAGS and VALUED are the
# names (separated by blanks) of the options that take no value and one
# value; the script's option OPT [VALUE] is called for each, its usage
# for -h or --help (then exit 0) or before dying on an unknown option.
parse_options() {
	local flags="|${1//[[:space:]]/|}|" valued="|${2//[[:space:]]/|}|" opt val
	shift 2
	while [ $# -gt 0 ]; do
		opt=$1 val=""
		case $opt in --*=*) val=${opt#*=}; opt=${opt%%=*} ;; esac
		shift
		if [ "$opt" = -h ] || [ "$opt" = --help ]; then
			usage
			exit 0
		elif [[ $flags == *"|$opt|"* ]]; then
			option "$opt"
		elif [[ $valued == *"|$opt|"* ]]; then
			if [ -z "$val" ]; then
				[ $# -ge 1 ] || die "$opt needs a value"
				val=$1
				shift
			fi
			option "$opt" "$val"
		else
			usage >&2
			die "unknown option '$opt'"
		fi
	done
}

# bench_build BUILD DIR NAME: the tools of the build folder BUILD (DREDGE,
# MKIMAGE, XXH128SUM, each checked) and the bench folder DIR, by default
# BUILD/NAME, made if missing, with PLANTDIR in it; SAMPLES: the sample
# JPEGs of the source tree $src.  BUILD and DIR are set to absolute paths.
bench_build() {
	local t
	BUILD=$(cd "$1" 2>/dev/null && pwd) ||
		die "no build folder (configure and make first)"
	DREDGE=$BUILD/src/dredge
	MKIMAGE=$BUILD/tests/tools/mkimage
	XXH128SUM=$BUILD/tests/tools/xxh128sum
	for t in "$DREDGE" "$MKIMAGE" "$XXH128SUM"; do
		[ -x "$t" ] || die "$t is missing: run make in $BUILD first"
	done
	DIR=${2:-$BUILD/$3}
	mkdir -p "$DIR" || die "cannot create $DIR"
	DIR=$(cd "$DIR" && pwd)
	PLANTDIR=$DIR/plants
	SAMPLES=("$src"/tests/data/jpeg/*.jpg)
	[ -f "${SAMPLES[0]}" ] || die "no sample JPEGs in $src/tests/data/jpeg"
}

# ----------------------------------------------------------- carvers

# The peer carvers, in the order they are run.
PEER_CARVERS="photorec foremost scalpel"

# peers_installed: the peer carvers on PATH, space-separated.
peers_installed() {
	local t
	for t in $PEER_CARVERS; do
		command -v "$t" >/dev/null 2>&1 && printf '%s ' "$t"
	done
}

# select_peers LIST: PEERS, the carvers of LIST (comma-separated; empty:
# all of them; "none": none) that are installed; those that are not are
# said and listed in MISSING_PEERS.
select_peers() {
	local p
	PEERS=() MISSING_PEERS=""
	[ "$1" = none ] && return 0
	for p in $(echo "${1:-$PEER_CARVERS}" | tr ',' ' '); do
		case " $PEER_CARVERS " in *" $p "*) ;; *) die "unknown peer '$p'" ;; esac
		if command -v "$p" >/dev/null; then
			PEERS+=("$p")
		else
			log "$p is not installed (apt-get install -y ${p/photorec/testdisk}): skipped"
			MISSING_PEERS+=" $p"
		fi
	done
}

# peer_cmd TOOL KIND IMG OUT CONF: sets CMD to the command that runs the
# peer carver TOOL (photorec, foremost, or foremost-q: foremost's quick
# mode, starts at sector boundaries only) on IMG into the folder OUT,
# quietly, for KIND: all (every file type it knows), jpg, or video (MP4
# and QuickTime).  scalpel's configuration for KIND is written to the
# folder CONF.
peer_cmd() {
	local tool=$1 kind=$2 img=$3 out=$4 conf=$5/scalpel-$2.conf
	local prt=jpg fmt=jpg
	case $kind in
	all) prt=everything fmt=all ;;
	video) prt=mov fmt=mov,mp4 ;;
	esac
	case $tool in
	photorec)
		local opts=fileopt,everything,disable,$prt,enable,search
		[ "$kind" = all ] && opts=fileopt,everything,enable,search
		CMD=(sh -c 'mkdir -p "$1" && cd "$1" &&
		     exec photorec /log /d "$1/recup" /cmd "$2" "$3"' sh "$out"
		     "$img" "$opts") ;;
	foremost) CMD=(foremost -Q -t "$fmt" -i "$img" -o "$out") ;;
	foremost-q) CMD=(foremost -Q -q -t "$fmt" -i "$img" -o "$out") ;;
	scalpel)
		case $kind in
		# every type scalpel's own configuration lists
		all) sed 's/^#\s*\([a-z0-9]\+\s\+[yn]\s\)/\1/' \
			/etc/scalpel/scalpel.conf >"$conf" ;;
		# any SOI followed by a marker, up to the first EOI (no
		# REVERSE: searching back from the size limit would swallow
		# the random data or the photos that follow), 32 MB at most
		jpg) printf 'jpg\ty\t32000000\t\\xff\\xd8\\xff\t\\xff\\xd9\n' >"$conf" ;;
		video) printf 'mp4\ty\t16000000\t????ftyp\n' >"$conf" ;;
		esac
		CMD=(scalpel -c "$conf" -o "$out" "$img") ;;
	*) die "unknown carver '$tool'" ;;
	esac
}

# carver_run TOOL IMG OUT SCRATCH: runs one carver on IMG into OUT (made
# anew) with every file type it knows, quietly, and prints its wall-clock
# seconds.  TOOL: dredge ($DREDGE), base ($DREDGE_BASE, another dredge
# binary), or a peer carver (peer_cmd); SCRATCH holds scalpel's
# configuration.
carver_run() {
	local tool=$1 img=$2 out=$3 scratch=$4 t0 t1
	rm -rf "$out"
	case $tool in
	dredge) CMD=("$DREDGE" scan "$img" -o "$out" -q) ;;
	base) CMD=("$DREDGE_BASE" scan "$img" -o "$out" -q) ;;
	*) peer_cmd "$tool" all "$img" "$out" "$scratch" ;;
	esac
	t0=$(date +%s.%N)
	"${CMD[@]}" >/dev/null 2>&1
	t1=$(date +%s.%N)
	echo "$t1 $t0" | awk '{printf "%.2f", $1 - $2}'
}

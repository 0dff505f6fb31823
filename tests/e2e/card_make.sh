# card_make.sh - a camera card whose deleted photos are fragmented, for
# tests/e2e/frag_card.sh and bench/camera.sh (sourced after fs_lib.sh).
#
# make_card IMG WORK SEED FAT SPC KIB [R1 R2 R3]: formats IMG as FAT16 or
# FAT32 (FAT = 16 or 32) with SPC sectors per cluster, KIB KiB, and plays
# a camera on it with mtools: R1 shots (default 16); a seeded third of
# them deleted; R2 more (default 10), which the FAT driver puts in the
# first free clusters, so that they are written round the live shots
# (fragmented); all of those deleted; then R3 more (default 2), which
# take some of the freed clusters again.  Photos are 1280x960 JPEGs made
# by ffmpeg from the seed (about 0.5 to 0.9 MB each).
#
# The truth goes to WORK:
#   WORK/shots    every photo written: "XXH128 PATH RUNS"
#   WORK/deleted  the second round's photos, deleted: "XXH128 KIND
#                 SURVIVES PATH RUNS", KIND fragmented or contiguous,
#                 SURVIVES yes when no later shot took one of its clusters
# RUNS are cluster runs as runs_of prints them (2-9,14-20).  With
# CARD_KEEP_SHOTS set, the photos stay in WORK as shotN.jpg.

# card_shot IMG WORK N: photo N to /DCIM/100CAMER/IMG_N.JPG
card_shot() {
	_f=$2/shot$3.jpg
	ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi \
		-i "testsrc2=size=1280x960,hue=h=$(($3 * 53 % 360)),noise=alls=$((18 + $3 % 30)):allf=t:all_seed=$3" \
		-frames:v 1 -q:v $((2 + $3 % 4)) "$_f" || return 1
	_p=$(printf '/DCIM/100CAMER/IMG_%04d.JPG' "$3")
	mcopy -i "$1" "$_f" "::$_p" || return 1
	echo "$("$XXH128SUM" "$_f" | cut -d' ' -f1) $_p $(runs_of "$1" "$_p")" >>"$2/shots"
	[ -n "${CARD_KEEP_SHOTS:-}" ] || rm -f "$_f"
}

# card_rewind IMG: on FAT32, clears the FSInfo sector's next-free hint, as
# a camera that takes the first free cluster behaves (mtools then looks
# from the volume's start; FAT16 has no hint)
card_rewind() {
	_fsi=$(od -An -tu2 -j48 -N2 "$1" | tr -d ' ')
	[ "$(od -An -c -j82 -N5 "$1" | tr -d ' ')" = FAT32 ] || return 0
	printf '\377\377\377\377' |
		dd of="$1" bs=1 seek=$((_fsi * 512 + 492)) conv=notrunc 2>/dev/null
}

# card_overlap RUNS1 RUNS2: whether two run lists share a cluster
card_overlap() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		na = split(a, x, ","); nb = split(b, y, ",")
		for (i = 1; i <= na; i++) {
			split(x[i], p, "-"); if (p[2] == "") p[2] = p[1]
			for (j = 1; j <= nb; j++) {
				split(y[j], q, "-"); if (q[2] == "") q[2] = q[1]
				if (p[1] + 0 <= q[2] + 0 && q[1] + 0 <= p[2] + 0) exit 0
			}
		}
		exit 1 }'
}

make_card() {
	_img=$1 _w=$2 _seed=$3
	_r1=${7:-16} _r2=${8:-10} _r3=${9:-2}
	rm -f "$_img" "$_w/shots" "$_w/deleted"
	mkfs.vfat -C -F "$4" -s "$5" -n CAMERA "$_img" "$6" >/dev/null 2>&1 || return 1
	mmd -i "$_img" ::/DCIM ::/DCIM/100CAMER || return 1
	_n=$((_seed * 100))
	_k=0
	while [ $_k -lt "$_r1" ]; do
		card_shot "$_img" "$_w" $((_n + _k)) || return 1
		_k=$((_k + 1))
	done
	# a seeded third of the first round deleted: the gaps
	_rnd=$_seed
	_k=0
	while [ $_k -lt "$_r1" ]; do
		_rnd=$(( (_rnd * 1103515245 + 12345) % 2147483648 ))
		if [ $((_rnd / 65536 % 5)) -lt 2 ]; then
			mdel -i "$_img" "$(printf '::/DCIM/100CAMER/IMG_%04d.JPG' $((_n + _k)))" || return 1
		fi
		_k=$((_k + 1))
	done
	# the second round, written round the live shots, then deleted
	card_rewind "$_img" || return 1
	_k=0
	while [ $_k -lt "$_r2" ]; do
		card_shot "$_img" "$_w" $((_n + _r1 + _k)) || return 1
		_k=$((_k + 1))
	done
	tail -n "$_r2" "$_w/shots" >"$_w/round2"
	while read -r _h _p _runs; do
		mdel -i "$_img" "::$_p" || return 1
	done <"$_w/round2"
	# the third round takes some of the freed clusters
	card_rewind "$_img" || return 1
	_k=0
	while [ $_k -lt "$_r3" ]; do
		card_shot "$_img" "$_w" $((_n + _r1 + _r2 + _k)) || return 1
		_k=$((_k + 1))
	done
	tail -n "$_r3" "$_w/shots" | cut -d' ' -f3 | paste -sd, - >"$_w/round3"
	_later=$(cat "$_w/round3")
	while read -r _h _p _runs; do
		_kind=contiguous
		case $_runs in *,*) _kind=fragmented ;; esac
		_s=yes
		[ -n "$_later" ] && card_overlap "$_runs" "$_later" && _s=no
		echo "$_h $_kind $_s $_p $_runs"
	done <"$_w/round2" >"$_w/deleted"
	rm -f "$_w/round2" "$_w/round3"
}

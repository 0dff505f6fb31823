# dash_card.sh - dashcam cards for the tests and the benchmark (sourced
# after tap.sh and fs_lib.sh, or by bench/dashcam.sh with MKDASHCAM set).
# Clips come from ffmpeg's lavfi sources, one encode per channel cut into
# 3-second segments (each a whole MP4, its moov after the media data, as a
# recorder writes it); mkdashcam plays the recorder over an empty FAT
# image and writes the truth.

MKDASHCAM=${MKDASHCAM:-$top_builddir/tests/tools/mkdashcam}

# dash_clips DIR N SEED: N front clips (H.264 1280x720, with AAC) and N rear
# clips (H.265 640x360, with AAC) as DIR/front_NNN.mp4 and DIR/rear_NNN.mp4
dash_clips() {
	mkdir -p "$1" &&
	ffmpeg -nostdin -hide_banner -loglevel error -y \
		-f lavfi -i "testsrc2=size=1280x720:rate=15,hue=h=$(($3 * 47 % 360)),noise=alls=12:allf=t+u" \
		-f lavfi -i "sine=frequency=$((200 + $3 * 37 % 800)):sample_rate=16000" \
		-t $(($2 * 3)) -c:v libx264 -preset ultrafast -b:v 1500k -g 15 \
		-threads 1 -pix_fmt yuv420p -c:a aac -b:a 32k \
		-f segment -segment_time 3 -reset_timestamps 1 \
		"$1/front_%03d.mp4" &&
	ffmpeg -nostdin -hide_banner -loglevel error -y \
		-f lavfi -i "testsrc2=size=640x360:rate=15,hue=h=$(($3 * 29 % 360)),noise=alls=12:allf=t+u" \
		-f lavfi -i "sine=frequency=$((300 + $3 * 41 % 700)):sample_rate=16000" \
		-t $(($2 * 3)) -c:v libx265 -preset ultrafast -b:v 500k -g 15 \
		-x265-params log-level=error:pools=1:frame-threads=1:no-open-gop=1 \
		-tag:v hvc1 \
		-pix_fmt yuv420p -c:a aac -b:a 32k \
		-f segment -segment_time 3 -reset_timestamps 1 \
		"$1/rear_%03d.mp4" &&
	[ "$(ls "$1" | grep -c '^front_')" -ge "$2" ] &&
	[ "$(ls "$1" | grep -c '^rear_')" -ge "$2" ]
}

# dash_pairs DIR N: "DIR/front_000.mp4 DIR/rear_000.mp4 ..." for N pairs
dash_pairs() {
	_i=0
	while [ "$_i" -lt "$2" ]; do
		_n=$(printf %03d "$_i")
		printf '%s %s ' "$1/front_$_n.mp4" "$1/rear_$_n.mp4"
		_i=$((_i + 1))
	done
}

# dash_card IMG KIB SECTOR SPC SEED TRUTHDIR MKDASHCAM-ARGS...: an empty
# FAT32 image of KIB KiB (SECTOR-byte sectors, SPC sectors a cluster)
# played by mkdashcam
dash_card() {
	_img=$1 _kib=$2 _ss=$3 _spc=$4 _seed=$5 _truth=$6
	shift 6
	rm -f "$_img" &&
	mkfs.vfat -C -a -F 32 -S "$_ss" -s "$_spc" -n DASHCAM "$_img" "$_kib" \
		>/dev/null 2>&1 &&
	"$MKDASHCAM" "$_img" "$_seed" "$_truth" "$@"
}

# dash_loop_card DIR PAIRS SEED KIB: the 4 KiB card of bench/dashcam.sh
# pair: PAIRS recordings of the clips ffmpeg makes from SEED, played over
# a FAT32 card of KIB KiB (every sixth recording cut off before its moov,
# every fifth an event clip, three of them kept), into DIR/card.img with
# its truth in DIR/truth; the clips are removed once played
dash_loop_card() {
	dash_clips "$1/clips" "$2" "$3" || return 1
	# shellcheck disable=SC2046
	dash_card "$1/card.img" "$4" 512 8 "$3" "$1/truth" -cut 6 -event 5 \
		-keep 3 pair $(dash_pairs "$1/clips" "$2")
	_rc=$?
	rm -rf "$1/clips"
	return $_rc
}

# dash_sectors_check IMG TRUTHDIR OUTDIR: scans IMG by sectors for MP4
# into OUTDIR (no digests); checks that the scan exits 0, calls nothing
# complete that is not a clip written, and writes no more than the card
# holds; prints how many of the clips that survive came back exact
dash_sectors_check() {
	D scan "$1" -o "$3" -q -t mp4 --hash none 2>"$3.err"
	ok $? "sectors: scan exits 0" || sed 's/^/# /' "$3.err"
	# shellcheck disable=SC2046
	set -- "$1" "$2" "$3" $(dash_score "$3" "$2" '$7 == 1 && $5 == 0')
	echo "# sectors: surviving clips byte-exact $4/$7 ($(pct "$4" "$7")%)," \
		"prefix $5, missed $6"
	is "$(dash_wrong "$3" "$2")" 0 \
		"sectors: calls nothing complete that is not a clip written"
	_b=$(out_bytes "$3") _s=$(wc -c <"$1")
	check "sectors: wrote $_b bytes, no more than the card's $_s" \
		test "$_b" -le "$_s"
}

# dash_card_exfat IMG KIB CLUSTER SEED TRUTHDIR MKDASHCAM-ARGS...: an
# empty exFAT image of KIB KiB with CLUSTER clusters (mkfs.exfat -c, e.g.
# 32K) played by mkdashcam
dash_card_exfat() {
	_img=$1 _kib=$2 _cs=$3 _seed=$4 _truth=$5
	shift 5
	rm -f "$_img" &&
	truncate -s "${_kib}K" "$_img" &&
	mkfs.exfat -c "$_cs" -L DASHCAM "$_img" >/dev/null 2>&1 &&
	"$MKDASHCAM" "$_img" "$_seed" "$_truth" "$@"
}

# dash_truth TRUTHDIR FILTER: the names of the manifest's clips that FILTER
# (an awk condition over $1 name, $2 kind, $4 event, $5 cut, $6 state,
# $7 survives) selects
dash_truth() {
	awk "\$2 != \"fill\" && ($2) { print \$1 }" "$1/manifest"
}

# dash_wrapping TRUTHDIR FILTER: a filter for the two above, selecting the
# clips FILTER selects whose clusters go round the card's end (a run that
# starts below the one before it); 0 when there is none
dash_wrapping() {
	awk "\$2 != \"fill\" && ($2)"' {
		n = split($9, r, ","); back = 0; prev = 0
		for (i = 1; i <= n; i++) {
			split(r[i], a, "+")
			if (a[1] + 0 < prev)
				back = 1
			prev = a[1] + 0
		}
		if (back)
			f = f (f == "" ? "" : " || ") "$1 == \"" $1 "\""
	}
	END { print f == "" ? 0 : f }' "$1/manifest"
}

# dash_score OUTDIR TRUTHDIR FILTER: "EXACT PREFIX MISSED TOTAL" for the
# clips FILTER selects.  Exact: some recovered file is byte-identical;
# prefix: some recovered file is a proper prefix of it (4 KiB at least);
# missed: neither.  Files are matched by content, so any tool's output
# folder can be scored.
dash_score() {
	find "$1" -type f -size +4k ! -name 'report.*' \
		! -name '*.xml' ! -name '*.txt' -print0 2>/dev/null |
		xargs -0 -r md5sum | sed 's/ .*//' | sort -u >"$1.whole"
	find "$1" -type f -size +4k ! -name 'report.*' \
		! -name '*.xml' ! -name '*.txt' 2>/dev/null |
	while read -r _f; do
		printf '%s %s\n' "$(head -c 4096 "$_f" | md5sum | sed 's/ .*//')" \
			"$_f"
	done | sort >"$1.heads"
	_e=0 _p=0 _m=0 _t=0
	for _n in $(dash_truth "$2" "$3"); do
		_t=$((_t + 1))
		_w=$(md5sum <"$2/truth/$_n" | sed 's/ .*//')
		if grep -qx "$_w" "$1.whole"; then
			_e=$((_e + 1))
			continue
		fi
		_h=$(head -c 4096 "$2/truth/$_n" | md5sum | sed 's/ .*//')
		_hit=0
		for _f in $(grep "^$_h " "$1.heads" | sed 's/^[^ ]* //'); do
			_s=$(wc -c <"$_f")
			if [ "$_s" -lt "$(wc -c <"$2/truth/$_n")" ] &&
			   cmp -s -n "$_s" "$_f" "$2/truth/$_n"; then
				_hit=1
				break
			fi
		done
		if [ "$_hit" = 1 ]; then _p=$((_p + 1)); else _m=$((_m + 1)); fi
	done
	rm -f "$1.whole" "$1.heads"
	echo "$_e $_p $_m $_t"
}

# dash_wrong OUTDIR TRUTHDIR: how many files dredge's report calls
# complete or reassembled (whole) that are no file the card was given (a
# clip put together wrongly and passed off as whole)
dash_wrong() {
	md5sum "$2"/truth/* | sed 's/ .*//' | sort -u >"$1.truth"
	_re='.*"filename":"\([^"]*\)".*"status":"\(complete\|reassembled\)".*'
	sed -n "s/$_re/\\1/p" "$1/report.jsonl" |
	while read -r _f; do
		md5sum <"$1/$_f" | sed 's/ .*//'
	done | grep -cvxF -f "$1.truth"
	rm -f "$1.truth"
}

# out_bytes DIR: bytes of the recovered files (reports left out)
out_bytes() {
	find "$1" -type f ! -name 'report.*' -printf '%s\n' 2>/dev/null |
		awk '{ s += $1 } END { print s + 0 }'
}

# dash_cut_tails IMG TRUTHDIR CLUSTER DATASTART FILTER: for each clip cut
# off before its index that FILTER selects, "NAME zeros" when the rest of
# its last cluster on IMG (CLUSTER bytes, the data area at DATASTART)
# holds only zeros, "NAME data" when it holds older data
dash_cut_tails() {
	for _n in $(dash_truth "$2" "\$5 == 1 && ($5)"); do
		set -- "$1" "$2" "$3" "$4" "$5" \
			$(awk -v n="$_n" '$1 == n { print $8, $9 }' "$2/manifest")
		_r=${7##*,}
		_u=$(($6 - ($6 - 1) / $3 * $3))
		_o=$(($4 + (${_r%+*} + ${_r#*+} - 3) * $3 + _u))
		_z=$(tail -c +$((_o + 1)) "$1" | head -c $(($3 - _u)) |
		     tr -d '\000' | wc -c)
		[ "$_z" -eq 0 ] && echo "$_n zeros" || echo "$_n data"
	done
}

# dash_cut_check OUTDIR TRUTHDIR TAILS: for each "NAME zeros|data" line
# of TAILS, the recovered file holding the clip's start (its first 4 KiB)
# is the clip byte for byte ("zeros": it ends at its last non-zero byte,
# the end of its last audio frame), or ("data") a proper prefix of it at
# most 4 KiB short (its last video sample), reported truncated for the
# missing index; prints "EXACT ZEROS PREFIX DATA WRONG", WRONG counting
# the files holding a clip's start that are no prefix of it
dash_cut_check() {
	_e=0 _z=0 _p=0 _d=0 _x=0
	while read -r _n _k; do
		_w=$(wc -c <"$2/truth/$_n")
		_h=$(head -c 4096 "$2/truth/$_n" | md5sum)
		_best=0 _bf=
		for _f in $(find "$1" -name '*.mp4' ! -name '*.repaired.mp4'); do
			[ "$(head -c 4096 "$_f" | md5sum)" = "$_h" ] || continue
			_s=$(wc -c <"$_f")
			if [ "$_s" -gt "$_w" ] || ! cmp -s -n "$_s" "$_f" "$2/truth/$_n"
			then
				_x=$((_x + 1))
			elif [ "$_s" -gt "$_best" ]; then
				_best=$_s _bf=${_f#"$1"/}
			fi
		done
		if [ "$_k" = zeros ]; then
			_z=$((_z + 1))
			[ "$_best" -eq "$_w" ] && _e=$((_e + 1))
		else
			_d=$((_d + 1))
			[ "$_best" -gt 0 ] && [ "$_best" -lt "$_w" ] &&
			[ $((_w - _best)) -le 4096 ] &&
			grep -F "\"filename\":\"$_bf\"" "$1/report.jsonl" |
			grep -F '"status":"truncated"' |
			grep -qF '"reason":"no moov box (recording cut off)"' &&
				_p=$((_p + 1))
		fi
	done <"$3"
	echo "$_e $_z $_p $_d $_x"
}

# pct A B: A of B as a whole percentage (100 when B is 0)
pct() { [ "$2" -gt 0 ] && echo $(($1 * 100 / $2)) || echo 100; }

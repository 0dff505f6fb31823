#!/bin/sh
# Shards merged equal one run: scan --shard K/N of 1, 2, 3 and 7 shards,
# then dredge merge, give the same files under the same names and the same
# reports (apart from times and command line) as one uninterrupted scan,
# with files crossing every shard edge, duplicates across shards, files
# embedded across an edge, and an interrupted shard resumed.  Merges of
# shards that do not belong together are refused, saying which.
. "$srcdir/tests/e2e/tap.sh"
tap_workdir shard
J=$DATA/jpeg
R=$DATA/riff
img=$work/card.img

# 16 MiB, 512-byte blocks: the shard edges are k*16M/N rounded down to
# 512.  A file crosses each edge of 2, 3 and 7 shards; at 8M a WAV crosses
# with a JPEG inside it past the edge (embedded: dropped by one run, kept
# by shard 2 until the merge); baseline.jpg is everywhere (duplicates).
"$MKIMAGE" -o "$img" -z 16M -s 4242 \
	"$R/s24_stereo.wav@8380416" "$J/gray.jpg@8392704" \
	"$J/baseline.jpg@1M" "$J/baseline.jpg@6M" "$J/baseline.jpg@15M" \
	"$J/baseline.jpg@5591040" "$J/sub420.jpg@11183616" \
	"$J/progressive.jpg@2395648" "$J/arith.jpg@4792320" \
	"$DATA/mp4/dashcam.mp4@7169536" "$J/restart.jpg@9585664+3000" \
	"$J/gray.jpg@9587712" "$J/exif_thumb.jpg@11982336" \
	"$J/baseline.jpg@14379008" "$R/mjpeg_pcm.avi@14000000" \
	"$J/baseline.jpg@16776704+400"

"$DREDGE" scan "$img" -o "$work/one" -q
ok $? "one uninterrupted scan"

same_as_one() {  # same_as_one DIR WHAT [REF]
	ref=${3:-$work/one}
	diff -r -x report.xml -x report.html "$ref" "$1" >"$work/diff" 2>&1
	ok $? "$2: the same files, names and JSONL report as one run"
	[ -s "$work/diff" ] && sed 's/^/#   /' "$work/diff" | head -20
	# the views attribute is measured by each run (source_map.c): a fact of
	# the run, like its times
	strip='<start_time>\|end_time>\|<command_line>\|<dredge:io_engine '
	grep -v "$strip" "$ref/report.xml" >"$work/a.xml"
	grep -v "$strip" "$1/report.xml" >"$work/b.xml"
	cmp -s "$work/a.xml" "$work/b.xml"
	ok $? "$2: the same DFXML report apart from times, command line and engine"
	is "$(grep -c '<dredge:io_engine views=' "$1/report.xml")" 1 \
		"$2: the DFXML report names one engine"
	a=$(grep -o '<tr>' "$ref/report.html" 2>/dev/null | wc -l)
	b=$(grep -o '<tr>' "$1/report.html" 2>/dev/null | wc -l)
	[ "$a" -gt 0 ] && [ "$a" -eq "$b" ]
	ok $? "$2: report.html lists the same rows as one run's ($b of $a)"
}

n_dup=$(grep -c '"duplicate_of":[0-9]' "$work/one/report.jsonl")
check "the image has duplicates ($n_dup)" test "$n_dup" -ge 4

for n in 1 2 3 7; do
	dirs=
	k=1
	while [ $k -le $n ]; do
		"$DREDGE" scan "$img" -o "$work/n$n/s$k" -q --shard $k/$n \
			--chunk-size 64K --threads $(( (k % 3) + 1 ))
		is $? 0 "shard $k/$n completes"
		dirs="$dirs $work/n$n/s$k"
		k=$((k + 1))
	done
	# any order
	"$DREDGE" merge -o "$work/n$n/merged" -q $(echo $dirs | tr ' ' '\n' | sort -r)
	ok $? "$n shards merge"
	same_as_one "$work/n$n/merged" "$n shards"
	check "$n shards: the shard records are not in the merged folder" \
		test ! -e "$work/n$n/merged/.dredge-shard"
done

# The cases are there: shard 2/2 kept the JPEG inside the WAV that
# crosses its start, one run drops it.
check "shard 2/2 kept the JPEG embedded across its start" \
	grep -q '"offset":8392704,' "$work/n2/s2/report.jsonl"
check "one run drops it" \
	sh -c "! grep -q '\"offset\":8392704,' '$work/one/report.jsonl'"

# The shard record says where it handed over; with 7 shards shard 3's
# range ends inside the MP4 at 7M: it reads on to its end.
hand=$(sed -n 's/^handover //p' "$work/n7/s3/.dredge-shard")
check "a shard hands over past a file that crosses its end ($hand)" \
	test "$hand" -ge $((7169536 + 51628))
check "the shard's DFXML names it" \
	grep -q "<dredge:shard index='3' count='7'" "$work/n7/s3/report.xml"
check "the merged DFXML does not" \
	sh -c "! grep -q '<dredge:shard' '$work/n7/merged/report.xml'"
check "the merged DFXML gives the merge's command line" \
	grep -q '<command_line>.*dredge merge' "$work/n7/merged/report.xml"
check "merged files are hard links to the shards' files" \
	test "$(stat -c %h "$work/n2/merged/jpg/f0002048.jpg")" -ge 2

# --any-offset: the EXIF thumbnail at 11982336+368 lies past the 3-shard
# edge 11983360? (no: 11982704); with 7 shards too.  The thumbnail inside
# exif_thumb.jpg is embedded wherever the edge falls.
"$DREDGE" scan "$img" -o "$work/any" -q --any-offset --types jpg
for k in 1 2 3; do
	"$DREDGE" scan "$img" -o "$work/anys$k" -q --any-offset --types jpg \
		--shard $k/3 --chunk-size 64K
done
"$DREDGE" merge -o "$work/anym" -q "$work/anys1" "$work/anys2" "$work/anys3"
ok $? "--any-offset: 3 shards merge"
same_as_one "$work/anym" "--any-offset, 3 shards" "$work/any"

# --report-only shards merge into a report-only result.
"$DREDGE" scan "$img" -o "$work/ro" -q --report-only
for k in 1 2; do
	"$DREDGE" scan "$img" -o "$work/ros$k" -q --report-only --shard $k/2
done
"$DREDGE" merge -o "$work/rom" -q "$work/ros1" "$work/ros2"
ok $? "--report-only: 2 shards merge"
same_as_one "$work/rom" "--report-only, 2 shards" "$work/ro"

# An interrupted shard is refused until it is resumed; then the merge is
# the same.
d=$work/int
"$DREDGE" scan "$img" -o "$d/s1" -q --shard 1/3
"$DREDGE" scan "$img" -o "$d/s2" -q --shard 2/3 --chunk-size 64K \
	--stop-at 7M 2>/dev/null
is $? 3 "shard 2/3 stopped at 7M (exit 3)"
"$DREDGE" scan "$img" -o "$d/s3" -q --shard 3/3
"$DREDGE" merge -o "$d/m" -q "$d/s1" "$d/s2" "$d/s3" 2>"$work/err"
is $? 1 "an unfinished shard is refused"
is "$(cat "$work/err")" "dredge: '$d/s2' is an unfinished shard: it was interrupted (finish it with the same dredge scan and --resume)" \
	"the message names the unfinished shard"
"$DREDGE" scan "$img" -o "$d/s2" -q --shard 2/4 --resume 2>"$work/err"
is "$(cat "$work/err")" "dredge: cannot resume the scan in '$d/s2': --shard differs: the interrupted scan scanned shard 2/3, this one shard 2/4" \
	"a resume as another shard is refused"
"$DREDGE" scan "$img" -o "$d/s2" -q --shard 2/3 --resume --threads 1
is $? 0 "the shard resumes"
"$DREDGE" merge -o "$d/m" -q "$d/s1" "$d/s2" "$d/s3"
ok $? "then the merge runs"
same_as_one "$d/m" "3 shards, one interrupted and resumed"

# File-system scans shard on the cluster grid: the 16 MiB card as one
# file in a FAT16 volume (its files then cross cluster-grid edges), some
# deleted.
if command -v mkfs.vfat >/dev/null 2>&1 && command -v mcopy >/dev/null 2>&1
then
	fat=$work/fat.img
	truncate -s 40M "$fat" && mkfs.vfat -F 16 -s 4 "$fat" >/dev/null 2>&1 &&
	mcopy -i "$fat" "$J/gray.jpg" ::/a.jpg &&
	mcopy -i "$fat" "$img" ::/card.bin &&
	mcopy -i "$fat" "$DATA/mp4/dashcam.mp4" ::/b.mp4 &&
	mdel -i "$fat" ::/card.bin
	ok $? "a FAT16 volume with the card in it"
	for opt in --fs --unallocated; do
		"$DREDGE" scan "$fat" -o "$work/fs$opt" -q $opt
		for n in 3 7; do
			k=1
			while [ $k -le $n ]; do
				"$DREDGE" scan "$fat" -o "$work/fs$opt$n/s$k" -q \
					$opt --shard $k/$n --chunk-size 64K
				k=$((k + 1))
			done
			"$DREDGE" merge -o "$work/fs$opt$n/m" -q "$work/fs$opt$n"/s*
			ok $? "$opt: $n shards merge"
			same_as_one "$work/fs$opt$n/m" "$opt, $n shards" "$work/fs$opt"
		done
	done
	lo=$(sed -n 's/^range \([0-9]*\) .*/\1/p' "$work/fs--fs7/s4/.dredge-shard")
	ds=$("$DREDGE" fs info "$fat" | sed -n 's/^  data start: *//p')
	check "--fs shard edges lie on the cluster grid ($lo, data at $ds)" \
		test $(( (lo - ds) % 2048 )) -eq 0
else
	echo "# no mkfs.vfat or mcopy: file-system shards not tested"
fi

# Refusals, each naming the shard.
refuse() {  # refuse MESSAGE DESCRIPTION SHARDS...
	msg=$1 desc=$2
	shift 2
	rm -rf "$work/bad"
	"$DREDGE" merge -o "$work/bad" -q "$@" 2>"$work/err"
	st=$?
	is "$st:$(cat "$work/err")" "1:dredge: $msg" "$desc"
}
N3=$work/n3
refuse "shard 3/3 is missing (all 3 shard folders are needed)" \
	"a missing shard is refused" "$N3/s1" "$N3/s2"
refuse "shard 2/3 is given twice: '$N3/s2' and '$N3/s2'" \
	"a shard given twice is refused" "$N3/s1" "$N3/s2" "$N3/s2" "$N3/s3"
refuse "'$work/n2/s2' is shard 2/2 but '$N3/s1' is shard 1/3: the shard counts differ" \
	"shards of different counts are refused" "$N3/s1" "$work/n2/s2"
"$DREDGE" scan "$img" -o "$work/ke2" -q --shard 2/3 --keep-embedded
refuse "the shards are of different scans: --keep-embedded differs: shard 1/3 ('$N3/s1') ran without it, shard 2/3 ('$work/ke2') with it" \
	"shards with other options are refused" "$N3/s1" "$work/ke2" "$N3/s3"
refuse "'$work/one' is not a finished shard: it holds no shard record (still running, failed, or not a dredge scan --shard)" \
	"a folder that is no shard is refused" "$work/one"
"$MKIMAGE" -o "$work/other.img" -z 16M -s 7
"$DREDGE" scan "$work/other.img" -o "$work/o2" -q --shard 2/3
refuse "the shards are of different scans: the source's first MiB differs from shard 1/3 ('$N3/s1')'s source" \
	"shards of different sources are refused" "$N3/s1" "$work/o2" "$N3/s3"
"$DREDGE" merge -o "$N3/merged" -q "$N3/s1" "$N3/s2" "$N3/s3" 2>"$work/err"
is "$?:$(cat "$work/err")" "1:dredge: output folder '$N3/merged' already holds files (use --force to write into it anyway)" \
	"a merge into a folder holding files is refused"

tap_done

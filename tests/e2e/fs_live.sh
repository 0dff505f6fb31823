#!/bin/sh
# End to end: live files in whole-volume scans (scan --fs).  A FAT32 card
# written the way a front+rear recorder writes it (clips of two cameras
# interleaved, old ones deleted, new ones written into the holes, so live
# clips are fragmented), a photo, a log of no known format, an empty file;
# and an exFAT card with a live clip written around others.  The chains
# recorded by mtools / exfat_put are the truth.
#
# scan --fs must write every live file byte-exact from its own chain,
# named by start cluster, its path, cluster runs, digests and validator
# verdict in both reports; carve the deleted clips as --unallocated does; never write
# a live file twice; give the same result for 1 and 4 threads and after a
# resume; and carve a live file whose chain loops from its start instead,
# with a warning and the damage in its report entry.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
. "$srcdir/tests/e2e/dash_lib.sh"
need_tools mkfs.vfat mcopy mdel mmd mshowfat ffmpeg
tap_workdir fs_live
img=$work/card.img
c=$work/src
mkdir -p "$c"

for i in 1 2 3 4 5 6; do
	clip "$c/F$i.MP4" $((2 + i % 3)) "$((100 + i))" &&
	clip "$c/R$i.MP4" $((2 + (i + 1) % 3)) "$((120 + i))" || break
done
clip "$c/F7.MP4" 7 141 && clip "$c/R7.MP4" 6 142 &&
photo "$c/P1.JPG" 143 && content "$c/GPS.LOG" 5000 144 && : >"$c/EMPTY.TXT"
ok $? "ffmpeg made 14 clips and a photo"

mkfs.vfat -C -a -R 33 -F 32 -s 4 -n DASHCAM "$img" 135168 >/dev/null 2>&1 &&
mmd -i "$img" ::/DCIM ::/DCIM/FRONT ::/DCIM/REAR ::/GPS &&
for i in 1 2 3 4 5 6; do
	mcopy -i "$img" "$c/F$i.MP4" ::/DCIM/FRONT/F$i.MP4 &&
	mcopy -i "$img" "$c/R$i.MP4" ::/DCIM/REAR/R$i.MP4 || break
done &&
mdel -i "$img" ::/DCIM/FRONT/F2.MP4 ::/DCIM/REAR/R3.MP4 ::/DCIM/FRONT/F4.MP4 &&
next_free "$img" 2 &&
mcopy -i "$img" "$c/F7.MP4" ::/DCIM/FRONT/F7.MP4 &&
mcopy -i "$img" "$c/R7.MP4" ::/DCIM/REAR/R7.MP4 &&
mcopy -i "$img" "$c/P1.JPG" ::/DCIM/P1.JPG &&
mcopy -i "$img" "$c/GPS.LOG" ::/GPS/GPS.LOG &&
mcopy -i "$img" "$c/EMPTY.TXT" ::/GPS/EMPTY.TXT &&
run_F1=$(chain "$img" /DCIM/FRONT/F1.MP4) &&
mdel -i "$img" ::/DCIM/FRONT/F1.MP4
ok $? "mtools wrote the card, deleted clips and wrote new ones into the holes"

live="/DCIM/FRONT/F3.MP4:F3.MP4 /DCIM/FRONT/F5.MP4:F5.MP4 /DCIM/FRONT/F6.MP4:F6.MP4
/DCIM/FRONT/F7.MP4:F7.MP4 /DCIM/REAR/R1.MP4:R1.MP4 /DCIM/REAR/R2.MP4:R2.MP4
/DCIM/REAR/R4.MP4:R4.MP4 /DCIM/REAR/R5.MP4:R5.MP4 /DCIM/REAR/R6.MP4:R6.MP4
/DCIM/REAR/R7.MP4:R7.MP4 /DCIM/P1.JPG:P1.JPG /GPS/GPS.LOG:GPS.LOG"
nfrag=0
for pf in $live; do
	p=${pf%%:*}
	r=$(chain "$img" "$p")
	case $r in *,*) nfrag=$((nfrag + 1)) ;; esac
done
check "some live clips are fragmented ($nfrag)" test "$nfrag" -ge 2

# entry DIR PATH: the report line of the live file PATH
entry() { grep -F "\"path\":\"$2\"" "$1/report.jsonl"; }
fname() { entry "$1" "$2" | sed 's/^{"id":[0-9]*,"filename":"\([^"]*\)".*/\1/'; }

out=$work/out
D scan "$img" -o "$out" --fs -q 2>"$work/err"
is "$?:$(cat "$work/err")" "0:" "scan --fs exits 0 without warnings"
for pf in $live; do
	p=${pf%%:*} f=${pf#*:}
	r=$(chain "$img" "$p")
	n=$(fname "$out" "$p")
	case $f in *.MP4) t=mp4 ;; *.JPG) t=jpg ;; *) t=log ;; esac
	is "$n" "$t/$(cname "$(first_cluster "$r")").$t" "$p: named by its first cluster"
	check "$p: byte-exact" cmp -s "$out/$n" "$c/$f"
	is "$(report_clusters "$out" "$n" | sed 's/,$//')" "$r" "$p: its cluster runs in the report"
	is "$(report_field "$out" "$n" origin)" live "$p: origin live"
	is "$(report_field "$out" "$n" md5) $(report_field "$out" "$n" sha256)" \
		"$(md5sum <"$c/$f" | cut -d' ' -f1) $(sha256sum <"$c/$f" | cut -d' ' -f1)" \
		"$p: its MD5 and SHA-256 in the report"
done
is "$(report_field "$out" "$(fname "$out" /DCIM/FRONT/F7.MP4)" validator)" valid \
	"a live clip: the validator's word is in the report"
is "$(report_field "$out" "$(fname "$out" /GPS/GPS.LOG)" format):$(entry "$out" /GPS/GPS.LOG | grep -c validator)" \
	"unknown:0" "a file of no known format: written, no validator verdict"
is "$(entry "$out" /GPS/EMPTY.TXT)" "" "an empty file has nothing to write"
check "DFXML gives the path and origin" grep -q \
	"<dredge:path>/DCIM/FRONT/F7.MP4</dredge:path>" "$out/report.xml"
check "... and the validator's word" grep -q \
	"<dredge:origin>live</dredge:origin>" "$out/report.xml"

# The deleted clip carved as --unallocated carves it; nothing twice.
d=mp4/$(cname "$(first_cluster "$run_F1")").mp4
check "the deleted F1 is carved byte-exact ($d)" cmp -s "$out/$d" "$c/F1.MP4"
is "$(report_field "$out" "$d" origin)" "" "... and is not called live"
nl=$(printf '%s\n' $live | wc -l)
is "$(grep -c '"origin":"live"' "$out/report.jsonl")" "$nl" "every live file has one entry"
is "$(all_report_clusters "$out" | sort -n | uniq -d | head -3 | tr '\n' ' ')" "" \
	"no cluster lies in two report entries"
D scan "$img" -o "$work/un" --unallocated -q 2>/dev/null
is "$(grep -vc '"origin":"live"' "$out/report.jsonl")" \
	"$(wc -l <"$work/un/report.jsonl")" "the rest is what --unallocated carves"

# Threads and resuming change nothing.
D scan "$img" -o "$work/t1" --fs -q -j 1 && D scan "$img" -o "$work/t4" --fs -q -j 4
ok $? "scan --fs with 1 and 4 threads"
diff -r -x report.xml -x report.html "$work/t1" "$work/t4" >/dev/null
ok $? "... the same files and report.jsonl"
diff -r -x report.xml -x report.html "$out" "$work/t1" >/dev/null
ok $? "... as the default run"
f7=$(first_cluster "$(chain "$img" /DCIM/FRONT/F7.MP4)")
stop=$(( $(D fs info "$img" | sed -n 's/^  data start (source): *//p') + f7 * 2048 ))
D scan "$img" -o "$work/res" --fs -q --chunk-size 64K --stop-at "$stop"
is "$?" 3 "--fs --stop-at: exit 3"
D scan "$img" -o "$work/res" --fs -q --resume
ok $? "--resume --fs completes"
diff -r -x report.xml -x report.html "$out" "$work/res" >/dev/null
ok $? "... with the same files and report.jsonl"

# --types keeps to the types asked for.
D scan "$img" -o "$work/jpg" --fs --types jpg -q
is "$(files "$work/jpg")" "jpg/$(cname "$(first_cluster "$(chain "$img" /DCIM/P1.JPG)")").jpg " \
	"--types jpg: the live photo only"

# A live chain that loops: carved from its start instead.
fat=$(( $(minfo_val "$img" "reserved (boot) sectors") * 512 ))
le32() { printf '%02x%02x%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) \
	$(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
r6=$(first_cluster "$(chain "$img" /DCIM/REAR/R6.MP4)")
cp "$img" "$work/loop.img"
patch "$work/loop.img" $((fat + 4 * (r6 + 3))) "$(le32 $((r6 + 1)))"
D scan "$work/loop.img" -o "$work/loop" --fs -q 2>"$work/err"
is "$?" 0 "a live chain that loops: scan --fs exits 0"
is "$(grep -c "" "$work/err"):$(tail -1 "$work/err")" \
	"2:dredge: warning: $work/loop.img: /DCIM/REAR/R6.MP4: the cluster chain loops; carving it from cluster $r6 instead" \
	"... warns after the fs layer's own warning, and carves it instead"
n=mp4/$(cname "$r6").mp4
is "$(report_field "$work/loop" "$n" origin):$(report_field "$work/loop" "$n" fs_damage)" \
	"carved:the cluster chain loops" "... its report entry says so"
check "... and the carve is byte-exact" cmp -s "$work/loop/$n" "$c/R6.MP4"
is "$(grep -c '"origin":"live"' "$work/loop/report.jsonl")" "$((nl - 1))" \
	"... the other live files are written from their chains"

# ---- exFAT: a live clip written around others
if command -v mkfs.exfat >/dev/null 2>&1; then
	PUT="$top_builddir/tests/tools/exfat_put"
	x=$work/x.img
	truncate -s 64M "$x" && mkfs.exfat -c 32K "$x" >/dev/null &&
	"$PUT" "$x" mkdir /DCIM &&
	for i in 1 2 3 4; do
		"$PUT" "$x" put "$c/F$i.MP4" /DCIM/f$i.mp4 contig || break
	done &&
	"$PUT" "$x" rm /DCIM/f2.mp4 &&
	"$PUT" "$x" put "$c/F7.MP4" /DCIM/long.mp4 fill &&
	"$PUT" "$x" rm /DCIM/f1.mp4
	ok $? "exfat_put wrote an exFAT card with a live fragmented clip"
	rl=$("$PUT" "$x" runs /DCIM/long.mp4)
	case $rl in
	*,*) ok 0 "long.mp4 is fragmented ($rl)" ;;
	*) ok 1 "long.mp4 is fragmented ($rl)" ;;
	esac
	D scan "$x" -o "$work/xo" --fs -q
	ok $? "exFAT: scan --fs exits 0"
	for pf in /DCIM/long.mp4:F7.MP4 /DCIM/f3.mp4:F3.MP4 /DCIM/f4.mp4:F4.MP4; do
		p=${pf%%:*} f=${pf#*:}
		n=$(fname "$work/xo" "$p")
		check "exFAT: $p written byte-exact ($n)" cmp -s "$work/xo/$n" "$c/$f"
	done
	is "$(report_clusters "$work/xo" "$(fname "$work/xo" /DCIM/long.mp4)")" "$rl" \
		"exFAT: the fragmented clip's cluster runs"
	found=0
	for f in "$work/xo"/mp4/*; do cmp -s "$f" "$c/F1.MP4" && found=1; done
	is "$found" 1 "exFAT: the deleted f1 is carved byte-exact"
fi

tap_done

#!/bin/sh
# End to end: the dashcam case on FAT32.  A 132 MiB FAT32 image (2 KiB
# clusters, the data area deliberately not on a multiple of the cluster
# size) is filled by mtools with real H.264/AAC clips made by ffmpeg,
# JPEGs and a log, the way a recorder fills a stick: clips written in
# order, old ones deleted, a long clip written into the holes (fragmented
# around the clips still there), more clips after it, then a round of
# deletions and a live file written over the middle of one deleted clip.
# The FAT chains recorded before deleting are the truth.
#
# dredge scan --unallocated must bring back every deleted clip whose
# clusters survive, byte-exact, named by start cluster, the fragmented one
# reassembled with exactly its cluster runs (its gaps hold live clips and,
# since deleted, a clip, a faststart clip and a JPEG); report the
# overwritten clip truncated; carve nothing a live file owns; and do the
# same for --clusters ranges, resumed scans, --report-only plus extract,
# any thread count, and a card reformatted since.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
. "$srcdir/tests/e2e/dash_lib.sh"
need_tools mkfs.vfat mcopy mdel mmd mshowfat mdir ffmpeg
tap_workdir dash_fat
img=$work/card.img
c=$work/src
mkdir -p "$c"

# ---- the clips and files
for i in 1 2 3 4 5 6 7 8 9 10; do
	clip "$c/C$i.MP4" $((2 + i % 4)) "$i" || break
done
clip "$c/F1.MP4" 3 21 faststart &&
clip "$c/G1.MP4" 12 31 &&
photo "$c/P1.JPG" 41 && photo "$c/P2.JPG" 42 &&
content "$c/LOG1.TXT" 3000 51 && content "$c/NEW1.BIN" 40000 52
ok $? "ffmpeg made 12 clips and 2 photos"

mkfs.vfat -C -a -R 33 -F 32 -s 4 -n DASHCAM "$img" 135168 >/dev/null 2>&1
ok $? "mkfs.vfat made a 132 MiB FAT32 image with 2 KiB clusters"
# Long names, as recorders write them: their long-name entries outlive a
# delete, so fs ls --deleted can show the names.
lname() { echo "rec_$1_front.$2" | tr A-Z a-z; }
put() {
	for f in "$@"; do
		mcopy -i "$img" "$c/$f" "::/DCIM/$(lname "${f%.*}" "${f#*.}")" ||
			return 1
	done
}
rm_() { for f in "$@"; do mdel -i "$img" "::/DCIM/$(lname "${f%.*}" "${f#*.}")" || return 1; done; }
mmd -i "$img" ::/DCIM ::/DATA &&
put C1.MP4 C2.MP4 P1.JPG C3.MP4 C4.MP4 LOG1.TXT C5.MP4 F1.MP4 C6.MP4 \
	C7.MP4 P2.JPG C8.MP4 &&
rm_ C2.MP4 C4.MP4 LOG1.TXT &&
next_free "$img" 2 &&
put G1.MP4 C9.MP4 C10.MP4
ok $? "mtools wrote the card, deleted old clips and wrote a long one into the holes"

for f in C1 C2 C3 C4 C5 C6 C7 C8 C9 C10 F1 G1 P1 P2; do
	ext=MP4
	case $f in P*) ext=JPG ;; esac
	[ "$f" = C2 ] || [ "$f" = C4 ] ||
		eval "run_$f=\$(chain \"\$img\" /DCIM/$(lname $f $ext))"
done
case $run_G1 in
*,*,*) ok 0 "G1 is fragmented around live clips ($run_G1)" ;;
*) ok 1 "G1 is fragmented around live clips ($run_G1)" ;;
esac

# Delete the long clip and three things in its gaps; delete C10 and
# write a live file over its middle.
rm_ G1.MP4 F1.MP4 C6.MP4 P2.JPG C10.MP4 &&
next_free "$img" $(( $(first_cluster "$run_C10") + 20 )) &&
mcopy -i "$img" "$c/NEW1.BIN" ::/DATA/NEW1.BIN
ok $? "deleted G1, F1, C6, P2, C10; a live file overwrote part of C10"
run_NEW1=$(chain "$img" /DATA/NEW1.BIN)
n0=$(first_cluster "$run_NEW1")
c10=$(first_cluster "$run_C10")
check "NEW1 lies inside C10's old clusters ($run_NEW1 in $run_C10)" \
	test "$n0" -gt "$c10" -a "$n0" -lt $((c10 + ${run_C10#*+}))

# ---- fs ls --deleted shows them
lsd=$(D fs ls "$img" /DCIM --deleted)
for f in G1.MP4 F1.MP4 C6.MP4 P2.JPG C10.MP4; do
	eval "r=\$run_${f%.*}"
	p=/DCIM/$(lname "${f%.*}" "${f#*.}")
	is "$(ls_field "$lsd" "$p" 1) $(ls_field "$lsd" "$p" 3) $(ls_field "$lsd" "$p" 6)" \
		"D $(wc -c <"$c/$f" | tr -d ' ') $(first_cluster "$r")" \
		"fs ls --deleted: $p, deleted, size, first cluster"
done

# ---- the scan
out=$work/out
D scan "$img" -o "$out" --unallocated -q 2>"$work/err"
ok $? "scan --unallocated exits 0"
check "... without warnings" test ! -s "$work/err"

whole() {  # whole NAME RUNS FILE DIR: came back whole and exact
	n=$(cname "$(first_cluster "$2")")
	e=$(echo "$3" | sed 's/.*\.//' | tr A-Z a-z)
	cmp -s "${4:-$out}/$e/$n.$e" "$c/$3"
	ok $? "$1: ${4:+$4: }$e/$n.$e is byte-identical"
	is "$(report_clusters "${4:-$out}" "$e/$n.$e")" "$2" \
		"$1: ${4:+$4: }the report gives its clusters $2"
}
whole "G1 (fragmented, 3 gaps holding deleted files)" "$run_G1" G1.MP4
whole "F1 (faststart, in G1's gap)" "$run_F1" F1.MP4
whole "C6 (in G1's gap)" "$run_C6" C6.MP4
whole "P2 (JPEG in G1's gap)" "$run_P2" P2.JPG
is "$(report_field "$out" "mp4/$(cname "$(first_cluster "$run_G1")").mp4" status)" \
	reassembled "G1, in several runs, is reported reassembled"
check "G1's DFXML entry lists its cluster runs" \
	grep -q "<dredge:cluster_run start='$(first_cluster "$run_G1")' count='$(echo "${run_G1%%,*}" | cut -d+ -f2)'/>" "$out/report.xml"
t10=mp4/$(cname "$c10" t).mp4
check "C10, partly overwritten, is reported truncated ($t10)" test -f "$out/$t10"
is "$(report_field "$out" "$t10" status)" truncated "... with status truncated"
check "... and never as whole" test ! -e "$out/mp4/$(cname "$c10").mp4"
is "$(files "$out")" "$(printf '%s\n' "jpg/$(cname "$(first_cluster "$run_P2")").jpg" \
	"mp4/$(cname "$(first_cluster "$run_G1")").mp4" \
	"mp4/$(cname "$(first_cluster "$run_F1")").mp4" \
	"mp4/$(cname "$(first_cluster "$run_C6")").mp4" "$t10" | sort | tr '\n' ' ')" \
	"exactly those files, nothing else"

# Nothing a live file owns: the root, DATA, every live file.
{
	expand "$(chain "$img" /)"
	mdir -i "$img" -/ -b :: | sed 's/^:://; s:/$::' |
	while read -r p; do expand "$(chain "$img" "$p")"; done
} | sort -u >"$work/live"
all_report_clusters "$out" | sort -u >"$work/carved"
check "the live map holds C1's and NEW1's first clusters" \
	sh -c "grep -qx $(first_cluster "$run_C1") '$work/live' && grep -qx $n0 '$work/live'"
is "$(comm -12 "$work/live" "$work/carved" | head -3 | tr '\n' ' ')" "" \
	"no cluster of any report entry is owned by a live file"

# ---- threads and engines give the same result
D scan "$img" -o "$work/j1" --unallocated -q -j 1 --io pread --chunk-size 64K
diff -r -x report.xml -x report.html "$out" "$work/j1" >/dev/null
ok $? "one thread, pread, 64K chunks: the same files and JSONL report"
# A chunk of live clusters only is not read, by any engine: the same
# result, and the summary says how much was left unread.
for e in uring mmap; do
	D scan "$img" -o "$work/io$e" --unallocated -q --io $e --chunk-size 64K
	diff -r -x report.xml -x report.html "$out" "$work/io$e" >/dev/null
	ok $? "--io $e, 64K chunks: the same files and JSONL report"
done
info=$(D fs info "$img")
ds=$(echo "$info" | sed -n 's/^  data start (source): *//p')
cs=$(echo "$info" | sed -n 's/^  cluster size: *//p')
ncl=$(echo "$info" | sed -n 's/^  cluster count: *//p')
# The 64K chunks from the first free cluster (its start rounded down to
# 4096) to the last one's end that hold live clusters only.
unread=$(awk -v ds="$ds" -v cs="$cs" -v ncl="$ncl" -v size="$(wc -c <"$img")" '
	{ live[$1] = 1 }
	END {
		for (f = 2; f <= ncl + 1 && (f in live); f++) ;
		for (l = ncl + 1; l >= f && (l in live); l--) ;
		s = ds + (f - 2) * cs; s -= s % 4096
		e = ds + (l - 1) * cs; if (e > size) e = size
		for (; s < e; s += 65536) {
			t = s + 65536 < e ? s + 65536 : e
			a = int(((s > ds ? s : ds) - ds) / cs) + 2
			b = int((t - 1 - ds) / cs) + 2
			if (a < f) a = f
			if (b > l) b = l
			for (k = a; k <= b && (k in live); k++) ;
			if (k > b) skip += t - s
		}
		printf "%.1f", skip / 1048576
	}' "$work/live")
D scan "$img" -o "$work/sum" --unallocated --chunk-size 64K 2>"$work/err" >/dev/null
is "$(grep 'not read' "$work/err")" \
	"dredge: $unread MiB of it not read: clusters of live files, where no file is carved" \
	"the summary gives the live clusters not read ($unread MiB)"
check "... some" test "$unread" != 0.0
# A card mostly taken by a live file between free clusters, out of the
# page cache: a scan of its free clusters leaves the live file's chunks
# unread, not even read ahead (before, all 64 MiB were read).
big=$work/big.img
content "$work/LIVE.BIN" 48M 7 && content "$work/OLD.BIN" 1M 8 &&
mkfs.vfat -C -F 32 -n BIG "$big" 65536 >/dev/null 2>&1 &&
mcopy -i "$big" "$work/OLD.BIN" ::/OLD.BIN &&
mcopy -i "$big" "$work/LIVE.BIN" ::/LIVE.BIN && mdel -i "$big" ::/OLD.BIN
ok $? "a 64 MiB card: a deleted file, then a 48 MiB live one"
sync "$big" && dd if="$big" iflag=nocache count=0 status=none
res=$(fincore -b -n -o RES "$big" 2>/dev/null)
if [ -z "$res" ] || [ "$res" -gt $((1 << 20)) ]; then
	ok 0 "--unallocated on a cold card # SKIP the image stays in the page cache (${res:-no fincore})"
else
	D scan "$big" -o "$work/big" --unallocated -q --io mmap --chunk-size 1M
	res=$(fincore -b -n -o RES "$big")
	check "--unallocated on a cold card: the live file's chunks stay unread ($res bytes resident)" \
		test "$res" -lt $((40 << 20))
fi

# ---- --clusters A-B: only starts in the range
a=$(( $(first_cluster "$run_F1") + 1 ))
b=$(first_cluster "$run_C6")
D scan "$img" -o "$work/range" --unallocated --clusters "$a-$b" -q
ok $? "--clusters $a-$b exits 0"
is "$(files "$work/range")" "mp4/$(cname "$b").mp4 " \
	"--clusters $a-$b finds only C6, which starts in it"
cmp -s "$work/range/mp4/$(cname "$b").mp4" "$c/C6.MP4"
ok $? "... byte-identical"
D scan "$img" -o "$work/range2" --unallocated \
	--clusters "$(first_cluster "$run_G1")-$(first_cluster "$run_G1")" -q
cmp -s "$work/range2/mp4/$(cname "$(first_cluster "$run_G1")").mp4" "$c/G1.MP4"
ok $? "--clusters of G1's first cluster alone: G1, reassembled past the range"
D scan "$img" -o "$work/range3" --clusters 5-99999999 -q 2>"$work/err"
is "$?:$(cat "$work/err")" "1:dredge: --clusters 5-99999999 is outside the volume's clusters (2-67313)" \
	"--clusters past the volume: refused"

# ---- --report-only, then extract
D scan "$img" -o "$work/ro" --unallocated --report-only -q
ok $? "--report-only exits 0"
is "$(files "$work/ro")" "" "--report-only writes no files"
diff "$out/report.jsonl" "$work/ro/report.jsonl" >/dev/null
ok $? "... and the same JSONL report"
D extract "$img" "$work/ro" -o "$work/ex" -q 2>"$work/err"
ok $? "extract exits 0"
diff -r -x 'report.*' -x thumbs "$out" "$work/ex" >/dev/null
ok $? "extract wrote the same files, byte for byte, as the full scan"
D extract "$img" "$work/ro/report.jsonl" -o "$work/ex2" --type mp4 \
	--min-size 400K -q
is "$(files "$work/ex2")" "mp4/$(cname "$(first_cluster "$run_G1")").mp4 " \
	"extract --type mp4 --min-size 400K: only G1"
id=$(grep -n "$(cname "$(first_cluster "$run_C6")")" "$work/ro/report.jsonl" | cut -d: -f1)
D extract "$img" "$work/ro" -o "$work/ex3" --id "$id" -q
is "$(files "$work/ex3")" "mp4/$(cname "$b").mp4 " "extract --id $id: only that file"
cp "$img" "$work/other.img"
patch "$work/other.img" $(( $(D fs info "$img" | sed -n 's/^  data start (source): *//p') + \
	(b - 2) * 2048 + 1000 )) 4242424242
D extract "$work/other.img" "$work/ro" -o "$work/ex4" --id "$id" 2>"$work/err" >/dev/null
is "$?" 1 "extract from a changed source: exit 1"
is "$(head -1 "$work/err")" \
	"dredge: file $id (mp4/$(cname "$b").mp4) does not match the report's hash: is this the same source?" \
	"... refused with the file named"
check "... and the file is not left behind" test ! -e "$work/ex4/mp4/$(cname "$b").mp4"

# ---- interrupted and resumed
start=$(D fs info "$img" | sed -n 's/^  data start (source): *//p')
stop=$(( start + ($(first_cluster "$run_C6") - 2) * 2048 + 4096 ))
D scan "$img" -o "$work/res" --unallocated -q --chunk-size 64K --stop-at "$stop"
is "$?" 3 "--unallocated --stop-at inside G1's gaps: exit 3"
D scan "$img" -o "$work/res" -q --resume 2>"$work/err"
is "$?:$(head -1 "$work/err")" \
	"1:dredge: cannot resume the scan in '$work/res': --unallocated differs: the interrupted scan ran with it, this one without it" \
	"a resume without --unallocated is refused"
D scan "$img" -o "$work/res" -q --resume --unallocated --clusters 2-500 2>"$work/err"
is "$?:$(head -1 "$work/err")" \
	"1:dredge: cannot resume the scan in '$work/res': --clusters differs: the interrupted scan used all clusters, this one 2-500" \
	"a resume with other --clusters is refused"
D scan "$img" -o "$work/res" -q --resume --unallocated
ok $? "--resume --unallocated completes"
diff -r -x report.xml -x report.html "$out" "$work/res" >/dev/null
ok $? "... with the same files and JSONL report as one run"

# ---- the whole volume (--fs): live files too, by cluster
D scan "$img" -o "$work/fs" --fs -q
ok $? "--fs exits 0"
whole "C1 (live) under --fs" "$run_C1" C1.MP4 "$work/fs"
whole "G1 under --fs" "$run_G1" G1.MP4 "$work/fs"
D scan "$img" -o "$work/plain" -q
check "without file-system options, names stay by sector" \
	sh -c "ls '$work/plain/mp4' | grep -q '^f' && ! ls '$work/plain/mp4' | grep -q '^c'"

# ---- a card reformatted since: the new FAT knows nothing
cp "$img" "$work/new.img"
mkfs.vfat -a -R 33 -F 32 -s 4 -n NEWCARD "$work/new.img" >/dev/null 2>&1
ok $? "mkfs.vfat reformatted a copy"
D scan "$work/new.img" -o "$work/ref" --unallocated -q
ok $? "scan --unallocated of the reformatted card exits 0"
for f in C1 C3 C5 C7 C8 C9; do
	whole "reformatted: $f" "$(eval echo \$run_$f)" $f.MP4 "$work/ref"
done
whole "reformatted: G1, its live gaps now free too" "$run_G1" G1.MP4 "$work/ref"

tap_done

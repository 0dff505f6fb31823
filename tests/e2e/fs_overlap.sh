#!/bin/sh
# End to end: deleted files told honestly.  The situation of DFTT image #6
# (FAT undelete test), made with mtools: two photos written into the holes
# of deleted spacer files, so each is fragmented and they interleave
# (J J K K J J K K by runs), then both deleted.  The clusters assumed for
# a deleted file (from its first on, the free ones, in order) then hold
# the other one's data.  fs ls must say so per entry; fs cat and fs export
# must warn naming the other file and exit 1; a deleted file whose first
# cluster a live file took is warned about with exit 1 too; a deleted file
# nobody else claims is copied quietly with exit 0.  And a deleted folder
# that grew after files were written into it (its second cluster lies
# after them): fs ls --deleted finds the entries of its second cluster.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
. "$srcdir/tests/e2e/dash_lib.sh"
need_tools mkfs.vfat mcopy mdel mdeltree mmd mshowfat ffmpeg
tap_workdir fs_overlap
img=$work/card.img
c=$work/src
mkdir -p "$c"

photo "$c/J.JPG" 201 && photo "$c/K.JPG" 202 &&
for i in 1 2 3 4; do content "$c/P$i.BIN" 12288 $((210 + i)) || break; done &&
content "$c/Q.BIN" 6000 220 && content "$c/LIVE.BIN" 4096 221
ok $? "two photos and spacer files"
check "each photo takes at most two 6-cluster holes" test \
	"$(wc -c <"$c/J.JPG")" -le 24576 -a "$(wc -c <"$c/K.JPG")" -le 24576

mkfs.vfat -C -a -R 33 -F 32 -s 4 "$img" 135168 >/dev/null 2>&1 &&
mmd -i "$img" ::/DCIM ::/DATA &&
for i in 1 2 3 4; do mcopy -i "$img" "$c/P$i.BIN" ::/DCIM/P$i.BIN || break; done &&
mcopy -i "$img" "$c/Q.BIN" ::/DCIM/q_small_file.bin
ok $? "four spacers and a small file"
p1=$(first_cluster "$(chain "$img" /DCIM/P1.BIN)")
q0=$(first_cluster "$(chain "$img" /DCIM/q_small_file.bin)")
mdel -i "$img" ::/DCIM/P1.BIN ::/DCIM/P3.BIN && next_free "$img" "$p1" &&
mcopy -i "$img" "$c/J.JPG" ::/DCIM/rec_j_front.jpg &&
mdel -i "$img" ::/DCIM/P2.BIN ::/DCIM/P4.BIN && next_free "$img" "$p1" &&
mcopy -i "$img" "$c/K.JPG" ::/DCIM/rec_k_front.jpg
ok $? "J written into P1's and P3's holes, K into P2's and P4's"
rj=$(chain "$img" /DCIM/rec_j_front.jpg)
rk=$(chain "$img" /DCIM/rec_k_front.jpg)
case $rj,$rk in
*,*,*,*) ok 0 "J ($rj) and K ($rk) are fragmented and interleave" ;;
*) ok 1 "J ($rj) and K ($rk) are fragmented and interleave" ;;
esac
mdel -i "$img" ::/DCIM/rec_j_front.jpg ::/DCIM/rec_k_front.jpg ::/DCIM/q_small_file.bin &&
next_free "$img" "$q0" && mcopy -i "$img" "$c/LIVE.BIN" ::/DATA/live_file_x.bin
ok $? "J, K and Q deleted; a live file took Q's first cluster"
is "$(first_cluster "$(chain "$img" /DATA/live_file_x.bin)")" "$q0" "LIVE.BIN starts where Q did"

lsd=$(D fs ls "$img" / -r --deleted)
is "$?" 0 "fs ls --deleted exits 0"
jl=$(ls_line "$lsd" /DCIM/rec_j_front.jpg)
kl=$(ls_line "$lsd" /DCIM/rec_k_front.jpg)
case $jl in
*"clusters also assumed for /DCIM/rec_k_front.jpg"*) ok 0 "fs ls: J's entry names K" ;;
*) ok 1 "fs ls: J's entry names K ($jl)" ;;
esac
case $kl in
*"clusters also assumed for /DCIM/rec_j_front.jpg"*) ok 0 "fs ls: K's entry names J" ;;
*) ok 1 "fs ls: K's entry names J ($kl)" ;;
esac
case $(ls_line "$lsd" /DCIM/q_small_file.bin) in
*"first cluster now owned by a live file"*) ok 0 "fs ls: Q's first cluster is a live file's" ;;
*) ok 1 "fs ls: Q's first cluster is a live file's" ;;
esac
case $(ls_line "$lsd" /DATA/live_file_x.bin) in
*"also assumed"*) ok 1 "fs ls: no note on the live file" ;;
*) ok 0 "fs ls: no note on the live file" ;;
esac

D fs cat "$img" /DCIM/rec_j_front.jpg >"$work/j" 2>"$work/err"
is "$?:$(cat "$work/err")" \
	"1:dredge: warning: /DCIM/rec_j_front.jpg: its clusters are also assumed for the deleted /DCIM/rec_k_front.jpg; the content may be that file's" \
	"fs cat J: warns naming K and exits 1"
D fs cat "$img" /DCIM/rec_k_front.jpg >"$work/k" 2>"$work/err"
is "$?:$(cat "$work/err")" \
	"1:dredge: warning: /DCIM/rec_k_front.jpg: its clusters are also assumed for the deleted /DCIM/rec_j_front.jpg; the content may be that file's" \
	"fs cat K: warns naming J and exits 1"
check "... and what it printed is not J (the assumption is wrong)" \
	test "$(hash "$work/j")" != "$(hash "$c/J.JPG")"
D fs cat "$img" /DCIM/q_small_file.bin >/dev/null 2>"$work/err"
is "$?:$(cat "$work/err")" \
	"1:dredge: warning: /DCIM/q_small_file.bin: its first cluster now belongs to a live file; the content is probably not the deleted file's" \
	"fs cat Q: warns of the live file and exits 1"
D fs cat "$img" /DATA/live_file_x.bin >"$work/l" 2>"$work/err"
is "$?:$(cat "$work/err")" "0:" "fs cat of a live file: exit 0, no warning"

D fs export "$img" / -o "$work/ex" --deleted >"$work/exout" 2>"$work/err"
is "$?" 1 "fs export / --deleted exits 1"
check "... warns about J" grep -qF "dredge: warning: /DCIM/rec_j_front.jpg: its clusters are also assumed for the deleted /DCIM/rec_k_front.jpg" "$work/err"
check "... and about K" grep -qF "dredge: warning: /DCIM/rec_k_front.jpg: its clusters are also assumed for the deleted /DCIM/rec_j_front.jpg" "$work/err"
check "... the live file is exported byte-exact" cmp -s "$work/ex/DATA/live_file_x.bin" "$c/LIVE.BIN"

# A deleted file nobody else claims is copied without a word.
img2=$work/plain.img
mkfs.vfat -C -a -R 33 -F 32 -s 4 "$img2" 135168 >/dev/null 2>&1 &&
mmd -i "$img2" ::/DCIM && mcopy -i "$img2" "$c/J.JPG" ::/DCIM/rec_j_front.jpg &&
mcopy -i "$img2" "$c/K.JPG" ::/DCIM/rec_k_front.jpg && mdel -i "$img2" ::/DCIM/rec_j_front.jpg
ok $? "a card with one contiguous deleted photo"
D fs cat "$img2" /DCIM/rec_j_front.jpg >"$work/j2" 2>"$work/err"
is "$?:$(cat "$work/err")" "0:" "fs cat of it: exit 0, no warning"
check "... byte-exact" cmp -s "$work/j2" "$c/J.JPG"

# A deleted folder that grew after files were written into it: its second
# cluster is not the one after its first.
img3=$work/dir.img
mkfs.vfat -C -a -R 33 -F 32 -s 4 "$img3" 135168 >/dev/null 2>&1 &&
mmd -i "$img3" ::/old_recordings && mmd -i "$img3" ::/KEEP &&
for i in $(seq 10 33); do
	content "$c/s$i" 1000 $((300 + i)) &&
	mcopy -i "$img3" "$c/s$i" "::/old_recordings/clip_0000$i""_front.mp4" || break
done
ok $? "a folder of 24 long-named files, 3 entries each: two clusters"
rd=$(chain "$img3" /old_recordings)
case $rd in
*,*) ok 0 "its clusters are not contiguous ($rd)" ;;
*) ok 1 "its clusters are not contiguous ($rd)" ;;
esac
mdeltree -i "$img3" ::/old_recordings
ok $? "the folder deleted with everything in it"
lso=$(D fs ls "$img3" / -r --deleted)
is "$(printf '%s\n' "$lso" | grep -c ' /old_recordings/clip_0000[0-9]*_front.mp4')" 24 \
	"fs ls --deleted lists all 24 entries, those in its second cluster too"
check "... the last one written among them" ls_line "$lso" /old_recordings/clip_000033_front.mp4
D fs cat "$img3" /old_recordings/clip_000033_front.mp4 >"$work/s33" 2>/dev/null
check "... and fs cat gives its content" cmp -s "$work/s33" "$c/s33"

tap_done

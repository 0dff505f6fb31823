#!/bin/sh
# End to end: a deleted file's clusters chosen by its validator.  A FAT
# card made with mtools: a spacer A, a file B, A deleted, then a photo C
# written (mtools puts it in A's hole, around B, and on after B), then C
# and B deleted.  The clusters assumed for C (its first on, in order) run
# into B's; the JPEG validator finds where C stops being C, and the free
# clusters after that which no other deleted file claims continue it.
# The truth is C as written and its chain (mshowfat) before deletion.
#
# fs cat and fs export write C byte-exact with exit 0 (export notes the
# choice); where C's second fragment was overwritten the choice fails and
# fs cat keeps warning of the overlap with B (exit 1); with B live (its
# clusters skipped) and C's tail overwritten, nothing overlaps, and the
# validator's verdict is the warning (exit 1).  A deleted TIFF round a
# live file, with clusters inside a strip overwritten, is validated with
# every check over its assumed clusters (a guess): not called valid, and
# fs cat warns (exit 1).
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
. "$srcdir/tests/e2e/dash_lib.sh"
need_tools mkfs.vfat mcopy mdel mshowfat ffmpeg
tap_workdir fs_choose
c=$work/src
mkdir -p "$c"

photo "$c/C.JPG" 401 && content "$c/A.BIN" 12288 402 &&
content "$c/B.BIN" 4096 403
ok $? "a photo and two spacers"

# card IMG KEEP_B [FILE NAME CHAIN]: the card, FILE (C.JPG) written as
# /NAME (photo_c.jpg) where spacer A was, round B, then deleted; its
# chain goes to CHAIN ($work/chain)
card() {
	_f=${3:-$c/C.JPG} _n=${4:-photo_c.jpg}
	mkfs.vfat -C -a -F 12 -s 4 "$1" 8192 >/dev/null 2>&1 &&
	mcopy -i "$1" "$c/A.BIN" ::/spacer_a.bin &&
	mcopy -i "$1" "$c/B.BIN" ::/spacer_b.bin &&
	mdel -i "$1" ::/spacer_a.bin &&
	mcopy -i "$1" "$_f" "::/$_n" &&
	chain "$1" "/$_n" >"${5:-$work/chain}" &&
	mdel -i "$1" "::/$_n" &&
	if [ "$2" != keep ]; then mdel -i "$1" ::/spacer_b.bin; fi
}
# spoil IMG CLUSTER: random bytes over two clusters from CLUSTER
spoil() {
	_ds=$(D fs info "$1" | sed -n 's/^ *data start: *\([0-9]*\).*/\1/p')
	"$MKIMAGE" -o "$work/junk" -z 4096 -s 404 &&
	dd if="$work/junk" of="$1" bs=1 seek=$((_ds + ($2 - 2) * 2048)) \
		conv=notrunc status=none
}

img=$work/card.img
card "$img"
ok $? "mtools wrote the card, C in $(cat "$work/chain"), then deleted C and B"
case $(cat "$work/chain") in *,*) f=1 ;; *) f=0 ;; esac
is "$f" 1 "C is fragmented around B"
second=$(cut -d, -f2 "$work/chain" | sed 's/+.*//')

l=$(D fs ls "$img" --deleted)
check "fs ls: the clusters assumed for C are also assumed for B" sh -c \
	"printf '%s\n' '$(ls_line "$l" /_hoto_c.jpg)' | grep -q 'clusters also assumed for /_pacer_b.bin'"

D fs cat "$img" /_hoto_c.jpg >"$work/cat" 2>"$work/err"
is "$?:$(cat "$work/err")" "0:" "fs cat of C exits 0 and says nothing"
check "... byte-exact: its validator chose the clusters after B" cmp -s "$work/cat" "$c/C.JPG"

D fs export "$img" /_hoto_c.jpg -o "$work/exp" >"$work/out" 2>"$work/err"
is "$?" 0 "fs export of C exits 0"
check "... byte-exact" cmp -s "$work/exp/_hoto_c.jpg" "$c/C.JPG"
check "... and notes the choice" grep -q "deleted: valid; clusters chosen by its validator)" "$work/out"

bad=$work/bad.img
cp "$img" "$bad" && spoil "$bad" "$((second + 1))"
ok $? "C's second fragment overwritten from its second cluster on"
D fs cat "$bad" /_hoto_c.jpg >"$work/cat" 2>"$work/err"
is "$?:$(cat "$work/err")" "1:dredge: warning: /_hoto_c.jpg: its clusters are also assumed for the deleted /_pacer_b.bin; the content may be that file's" \
	"fs cat of C that cannot be made whole keeps the overlap warning, exit 1"

live=$work/live.img
card "$live" keep && spoil "$live" "$((second + 1))"
ok $? "the card again with B live and C's tail overwritten"
D fs cat "$live" /_hoto_c.jpg >"$work/cat" 2>"$work/err"
rc=$?
is "$rc:$(sed 's/ (.*), and/ (...), and/' "$work/err")" "1:dredge: warning: /_hoto_c.jpg: its format's validator does not take it whole over the clusters assumed (...), and no free clusters after them make it whole; the content is probably not the deleted file's" \
	"fs cat of C with no overlap but a broken tail warns with the validator's verdict, exit 1"

# A deleted TIFF (JPEG strips, its directory last) fragmented round the
# live B, two clusters inside one of its strips overwritten: the
# directory walk alone takes them for the strip's own.  The clusters
# assumed for it, two runs round B, are a guess, which the validator
# checks with everything it has (the strips decoded), so fs ls does not
# call it valid and fs cat warns instead of passing the clusters off as
# the file's.
. "$srcdir/tests/e2e/frag_make.sh"
make_tiff "$c/T.TIF" 7
ok $? "a TIFF of JPEG strips"
tif=$work/tif.img
card "$tif" keep "$c/T.TIF" strips.tif "$work/tchain"
ok $? "mtools wrote the TIFF in $(cat "$work/tchain") round the live B, then deleted it"
case $(cat "$work/tchain") in *,*) f=1 ;; *) f=0 ;; esac
is "$f" 1 "the TIFF is fragmented around B"
D fs cat "$tif" /_trips.tif >"$work/cat" 2>"$work/err"
is "$?:$(cat "$work/err")" "0:" "fs cat of the TIFF as written exits 0 and says nothing"
check "... byte-exact" cmp -s "$work/cat" "$c/T.TIF"
# its strips' offsets (tag 273 of its one directory), and two clusters
# of its second run, from its 20th on, that hold no strip's start
u() { od -An -t"u$1" --endian=little -j"$2" -N"$1" "$c/T.TIF" | tr -d ' '; }
ifd=$(u 4 4) i=0 starts=
while [ "$i" -lt "$(u 2 "$ifd")" ]; do
	e=$((ifd + 2 + i * 12))
	[ "$(u 2 $e)" = 273 ] && starts=$(od -An -v -tu4 --endian=little \
		-j"$(u 4 $((e + 8)))" -N$(($(u 4 $((e + 4))) * 4)) "$c/T.TIF")
	i=$((i + 1))
done
head=$(( $(cut -d, -f1 "$work/tchain" | sed 's/.*+//') * 2048 ))
j=20
while :; do
	lo=$((head + j * 2048)) hit=
	for s in $starts; do
		[ "$s" -ge "$lo" ] && [ "$s" -lt $((lo + 4096)) ] && hit=1
	done
	[ -z "$hit" ] && break
	j=$((j + 1))
done
check "its 20 strips' offsets read" test "$(echo $starts | wc -w)" -eq 20
tsecond=$(cut -d, -f2 "$work/tchain" | sed 's/+.*//')
spoil "$tif" "$((tsecond + j))"
ok $? "clusters $((tsecond + j))-$((tsecond + j + 1)), inside a strip, overwritten"
l=$(D fs ls "$tif" --deleted)
check "fs ls: the spoilt TIFF is not called valid" sh -c \
	"printf '%s\n' '$(ls_line "$l" /_trips.tif)' | grep -q 'live clusters skipped; truncated'"
D fs cat "$tif" /_trips.tif >"$work/cat" 2>"$work/err"
rc=$?
is "$rc:$(sed 's/ (.*), and/ (...), and/' "$work/err")" "1:dredge: warning: /_trips.tif: its format's validator does not take it whole over the clusters assumed (...), and no free clusters after them make it whole; the content is probably not the deleted file's" \
	"fs cat of the spoilt TIFF warns with the validator's verdict, exit 1"

tap_done

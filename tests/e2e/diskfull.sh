#!/bin/sh
# A full output disk, for real (a small tmpfs): the run stops with a message
# naming the file, the reports are closed and list exactly what was
# written, no partial file is left, a checkpoint is; once space is freed,
# --resume ends with what an uninterrupted run gives.
. "$srcdir/tests/e2e/tap.sh"

[ "$(id -u)" -eq 0 ] || skip_all "mounting a tmpfs needs root"

tap_workdir diskfull
disk=$work/disk
mkdir -p "$disk"
mounted=0
trap '[ "$mounted" -eq 1 ] && umount "$disk"; rm -rf "$work"' EXIT
mount -t tmpfs -o size=512k tmpfs "$disk" 2>"$work/mount.err" ||
	skip_all "cannot mount a tmpfs here: $(head -1 "$work/mount.err")"
mounted=1

# 60 distinct JPEGs (one byte of each one's entropy-coded data differs, so
# de-duplication does not spare the disk), 16 KiB apart.
J=$DATA/jpeg
plants=""
i=0
while [ "$i" -lt 60 ]; do
	off=$((65536 + i * 16384))
	plants="$plants $J/baseline.jpg@$off hex:$(printf '%02x' $((i + 16)))@$((off + 4084))"
	i=$((i + 1))
done
img=$work/card.img
"$MKIMAGE" -o "$img" -z 2M -s 31 $plants
ok $? "image with 60 distinct JPEGs generated"
"$DREDGE" scan "$img" -o "$work/whole" -q --chunk-size 64K
ok $? "uninterrupted reference run"
is "$(ls "$work/whole/jpg" | wc -l | tr -d ' ')" 60 "the reference run recovers 60 files"

out=$disk/out
"$DREDGE" scan "$img" -o "$out" --chunk-size 64K 2>"$work/err"
is "$?" 1 "disk full: exit status 1"
msg=$(head -1 "$work/err")
# The last pages may go to a photo or to the reports' entries (which of
# them depends on when the gallery's thumbnails, made while the scan goes
# on, took theirs): either write is named.
case $msg in
"dredge: output disk full writing '$out/jpg/f"*".jpg': No space left on device" | \
"dredge: output disk full writing the reports in '$out': No space left on device")
	ok 0 "disk full: the message names the file and the reason" ;;
*)	ok 1 "disk full: the message names the file and the reason"
	echo "#   got: $msg" ;;
esac
written=$(ls "$out/jpg" | wc -l | tr -d ' ')
check "disk full: some files were written before ($written)" \
	test "$written" -gt 0 -a "$written" -lt 60
check "disk full: DFXML is closed" sh -c "tail -1 '$out/report.xml' | grep -q '</dfxml>'"
if command -v xmllint >/dev/null 2>&1; then
	check "disk full: xmllint accepts report.xml" xmllint --noout "$out/report.xml"
fi
check "disk full: DFXML status says why" grep -q "status='output disk full writing" \
	"$out/report.xml"
listed() {  # filenames in a JSONL report, one per line, sorted
	sed -n 's/.*"filename":"\([^"]*\)".*/\1/p' "$1" | sort
}
is "$(listed "$out/report.jsonl")" "$(cd "$out" && ls jpg/* | sort)" \
	"disk full: the JSONL report lists exactly the files on disk"
is "$(grep -c '<fileobject>' "$out/report.xml")" "$written" \
	"disk full: so does DFXML"
check "disk full: no partial file is left" sh -c "! ls -a '$out/jpg' | grep -q part"
check "disk full: a checkpoint is left" test -f "$out/.dredge-checkpoint"
check "disk full: the space held back is given back" test ! -e "$out/.dredge-reserve"

mount -o remount,size=8m "$disk"
ok $? "space freed (tmpfs grown to 8 MiB)"
"$DREDGE" scan "$img" -o "$out" --chunk-size 1M --resume -q
ok $? "--resume completes"
diff -r -x report.xml -x report.html "$work/whole" "$out" >"$work/diff" 2>&1
ok $? "same files and JSONL report as the uninterrupted run"
strip='<start_time>\|end_time>\|<command_line>'
grep -v "$strip" "$work/whole/report.xml" >"$work/a.xml"
grep -v "$strip" "$out/report.xml" >"$work/b.xml"
cmp -s "$work/a.xml" "$work/b.xml"
ok $? "same DFXML report apart from times and command line"

# A disk already too full for the reserve is refused at the start.
rm -rf "$out"
mount -o remount,size=64k "$disk"
"$DREDGE" scan "$img" -o "$out" 2>"$work/err"
is "$?" 1 "no room at all: exit status 1"
is "$(head -1 "$work/err")" \
	"dredge: output disk full in '$out': cannot set aside 65536 bytes to close the reports with: No space left on device" \
	"no room at all: refused at the start, saying why"
check "no room at all: the reports are closed" sh -c \
	"tail -1 '$out/report.xml' | grep -q '</dfxml>'"

tap_done

#!/bin/sh
# Bad input gets one clear line naming the path and the reason, and a
# non-zero exit; the source is never written.
. "$srcdir/tests/e2e/tap.sh"
tap_workdir errors

run() {  # run EXPECTED-STATUS EXPECTED-STDERR DESCRIPTION -- ARGS...
	want_rc=$1 want_err=$2 desc=$3
	shift 4
	"$DREDGE" "$@" >"$work/stdout" 2>"$work/stderr"
	rc=$?
	is "$rc" "$want_rc" "$desc: exit status $want_rc"
	is "$(head -1 "$work/stderr")" "$want_err" "$desc: message"
}

"$MKIMAGE" -o "$work/img" -z 1M -s 3 "$DATA/jpeg/gray.jpg@8192"
: >"$work/empty"
mkdir -p "$work/full" && echo x >"$work/full/old.txt"
echo x >"$work/afile"

run 1 "dredge: cannot read source '$work/missing': No such file or directory" \
	"missing source" -- scan "$work/missing" -o "$work/o1"
run 1 "dredge: cannot read source '$work': it is a directory, not a disk image or device" \
	"directory as source" -- scan "$work" -o "$work/o2"
run 1 "dredge: cannot read source '$work/empty': it is empty (0 bytes)" \
	"empty source" -- scan "$work/empty" -o "$work/o3"
run 1 "dredge: cannot read source '/dev/null': not a regular file or block device" \
	"character device as source" -- scan /dev/null -o "$work/o4"
run 1 "dredge: output folder '$work/full' already holds files (use --force to write into it anyway)" \
	"output folder with files" -- scan "$work/img" -o "$work/full"
run 1 "dredge: output folder '$work/afile' is not a folder" \
	"output path is a file" -- scan "$work/img" -o "$work/afile"
run 1 "dredge: cannot create output folder '$work/afile/sub': Not a directory" \
	"output folder cannot be created" -- scan "$work/img" -o "$work/afile/sub"
run 1 "dredge: unknown file type 'xyz' (see 'dredge types')" \
	"unknown type" -- scan "$work/img" -o "$work/o5" --types jpg,xyz
run 2 "dredge: scan needs an output folder (-o DIR)" \
	"no output folder" -- scan "$work/img"
run 2 "dredge: scan needs a SOURCE (an image file or block device)" \
	"no source" -- scan -o "$work/o6"
run 2 "dredge: --io must be auto, uring or pread, not 'aio'" \
	"bad engine" -- scan "$work/img" -o "$work/o7" --io aio
run 2 "dredge: invalid value '12x' for --threads" \
	"bad thread count" -- scan "$work/img" -o "$work/o8" --threads 12x
run 1 "dredge: block size 384 is not a power of two" \
	"bad block size" -- scan "$work/img" -o "$work/o9" --block-size 384
run 2 "dredge: unknown command 'scna'" "unknown command" -- scna
"$DREDGE" scan "$work/img" -o "$work/hex" -q --stop-at 0x80000 --chunk-size 0x10000
is "$?" 3 "sizes and offsets may be written in hex (0x...)"
run 2 "dredge: invalid value '0x' for --stop-at" \
	"a bare 0x is refused" -- scan "$work/img" -o "$work/o10" --stop-at 0x
check "nothing was created for refused runs" test ! -e "$work/o1" -a ! -e "$work/o5"

# --force writes into a folder that holds files, and keeps them.
"$DREDGE" scan "$work/img" -o "$work/full" --force -q
ok $? "--force scans into a folder that holds files"
check "the folder's own file is untouched" test "$(cat "$work/full/old.txt")" = x
check "and the JPEG is there" cmp "$work/full/jpg/f0000016.jpg" "$DATA/jpeg/gray.jpg"

# The source is opened read-only: content and times unchanged.
before=$("$XXH128SUM" "$work/img" | cut -d' ' -f1)
mtime=$(stat -c %Y "$work/img")
chmod 0444 "$work/img"
"$DREDGE" scan "$work/img" -o "$work/ro" -q
ok $? "a read-only source scans"
is "$("$XXH128SUM" "$work/img" | cut -d' ' -f1)" "$before" "the source's bytes are unchanged"
is "$(stat -c %Y "$work/img")" "$mtime" "the source's modification time is unchanged"

tap_done

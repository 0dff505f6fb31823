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
run 2 "dredge: unknown file type 'xyz' (see 'dredge types')" \
	"unknown type" -- scan "$work/img" -o "$work/o5" --types jpg,xyz
run 2 "dredge: scan needs an output folder (-o DIR)" \
	"no output folder" -- scan "$work/img"
run 2 "dredge: scan needs a SOURCE (an image file or block device)" \
	"no source" -- scan -o "$work/o6"
run 2 "dredge: --io must be auto, uring, pread or mmap, not 'aio'" \
	"bad engine" -- scan "$work/img" -o "$work/o7" --io aio
run 2 "dredge: invalid value '12x' for --threads" \
	"bad thread count" -- scan "$work/img" -o "$work/o8" --threads 12x
run 2 "dredge: block size 384 is not a power of two" \
	"bad block size" -- scan "$work/img" -o "$work/o9" --block-size 384
run 2 "dredge: unknown command 'scna'" "unknown command" -- scna
"$DREDGE" scan "$work/img" -o "$work/hex" -q --stop-at 0x80000 --chunk-size 0x10000
is "$?" 3 "sizes and offsets may be written in hex (0x...)"
run 2 "dredge: invalid value '0x' for --stop-at" \
	"a bare 0x is refused" -- scan "$work/img" -o "$work/o10" --stop-at 0x

# Every option value has an error path, and every command-line error
# exits 2 with one "dredge: " line.
run 2 "dredge: --types names no file type (see 'dredge types')" \
	"an empty --types list" -- scan "$work/img" -o "$work/e1" --types ,
run 2 "dredge: --types names no file type (see 'dredge types')" \
	"a --types list of commas" -- scan "$work/img" -o "$work/e1" --types ,,
run 2 "dredge: --types names no file type (see 'dredge types')" \
	"an empty --types" -- scan "$work/img" -o "$work/e1" --types ""
check "an empty --types leaves nothing behind" test ! -e "$work/e1"
run 2 "dredge: block size 0 is not a power of two" \
	"block size 0" -- scan "$work/img" -o "$work/e2" --block-size 0
run 2 "dredge: invalid value '2G' for --block-size" \
	"block size too large" -- scan "$work/img" -o "$work/e2" --block-size 2G
run 2 "dredge: chunk size 1024 must be a multiple of 4096 from 64 KiB to 1 GiB" \
	"chunk size too small" -- scan "$work/img" -o "$work/e2" --chunk-size 1K
run 2 "dredge: chunk size 65537 must be a multiple of 4096 from 64 KiB to 1 GiB" \
	"chunk size not a multiple of 4096" -- scan "$work/img" -o "$work/e2" --chunk-size 65537
run 2 "dredge: chunk size 2147483648 must be a multiple of 4096 from 64 KiB to 1 GiB" \
	"chunk size too large" -- scan "$work/img" -o "$work/e2" --chunk-size 2G
run 2 "dredge: invalid value 'big' for --chunk-size" \
	"chunk size not a number" -- scan "$work/img" -o "$work/e2" --chunk-size big
run 2 "dredge: queue depth 0 must be from 1 to 256" \
	"queue depth 0" -- scan "$work/img" -o "$work/e2" --queue-depth 0
run 2 "dredge: queue depth 257 must be from 1 to 256" \
	"queue depth too large" -- scan "$work/img" -o "$work/e2" --queue-depth 257
run 2 "dredge: --threads must be at least 1" \
	"no threads" -- scan "$work/img" -o "$work/e2" --threads 0
run 2 "dredge: invalid value '257' for --threads" \
	"too many threads" -- scan "$work/img" -o "$work/e2" --threads 257
run 2 "dredge: invalid value '-1' for --stop-at" \
	"negative --stop-at" -- scan "$work/img" -o "$work/e2" --stop-at -1
run 2 "dredge: invalid value '1001' for --retries" \
	"too many retries" -- scan "$work/img" -o "$work/e2" --retries 1001
run 2 "dredge: partitions are numbered from 1" \
	"partition 0" -- scan "$work/img" -o "$work/e2" -p 0
run 2 "dredge: invalid value 'x' for --offset" \
	"bad --offset" -- scan "$work/img" -o "$work/e2" --offset x
run 2 "dredge: -p and --offset cannot be combined" \
	"-p with --offset" -- scan "$work/img" -o "$work/e2" -p 1 --offset 0
run 2 "dredge: --clusters takes A-B, cluster numbers from 2 with A <= B, not '9-3'" \
	"bad --clusters" -- scan "$work/img" -o "$work/e2" --clusters 9-3
run 2 "dredge: --simd must be auto, scalar, sse2, avx2 or avx512, not 'mmx'" \
	"bad --simd" -- scan "$work/img" -o "$work/e2" --simd mmx
run 2 "dredge: --direct must be auto, on or off, not 'maybe'" \
	"bad --direct" -- scan "$work/img" -o "$work/e2" --direct maybe
run 2 "dredge: -o needs a folder name, not an empty one" \
	"an empty -o" -- scan "$work/img" -o ""
run 2 "dredge: scan takes one SOURCE; unexpected 'more'" \
	"two sources" -- scan "$work/img" more -o "$work/e2"
run 2 "dredge: unrecognized option '--bogus'" \
	"an unknown option" -- scan "$work/img" -o "$work/e2" --bogus
run 2 "dredge: option '--output' requires an argument" \
	"an option without its value" -- scan "$work/img" --output
run 2 "dredge: unrecognized option '--bogus'" \
	"an unknown extract option" -- extract "$work/img" r.jsonl -o "$work/e2" --bogus
run 2 "dredge: -o needs a folder name, not an empty one" \
	"an empty extract -o" -- extract "$work/img" r.jsonl -o ""
run 2 "dredge: invalid value 'x' for --min-size" \
	"bad extract --min-size" -- extract "$work/img" r.jsonl -o "$work/e2" --min-size x
run 2 "dredge: unrecognized option '--bogus'" \
	"an unknown fs option" -- fs export "$work/img" / -o "$work/e2" --bogus
run 2 "dredge: -o needs a folder name, not an empty one" \
	"an empty fs export -o" -- fs export "$work/img" / -o ""
run 2 "dredge: unrecognized option '--bogus'" \
	"an unknown bench option" -- bench "$work/img" --bogus
check "nothing was created for refused runs" \
	test ! -e "$work/o1" -a ! -e "$work/o5" -a ! -e "$work/e1" -a ! -e "$work/e2"

# One dredge at a time per output folder: a folder another process has
# locked is refused, for scan, --resume, extract and fs export alike.
mkdir "$work/busy"
busy="dredge: output folder '$work/busy' is in use: another dredge is writing there"
flock "$work/busy" "$DREDGE" scan "$work/img" -o "$work/busy" 2>"$work/stderr"
is "$?" 1 "scan into a locked folder: exit status 1"
is "$(head -1 "$work/stderr")" "$busy" "scan into a locked folder: message"
check "scan into a locked folder: nothing written" test -z "$(ls -A "$work/busy")"
flock "$work/busy" "$DREDGE" scan "$work/img" -o "$work/busy" --resume 2>"$work/stderr"
is "$(head -1 "$work/stderr")" "$busy" "--resume into a locked folder: refused"
"$DREDGE" scan "$work/img" -o "$work/rep" -q --report-only
flock "$work/busy" "$DREDGE" extract "$work/img" "$work/rep/report.jsonl" \
	-o "$work/busy" 2>"$work/stderr"
is "$?" 1 "extract into a locked folder: exit status 1"
is "$(head -1 "$work/stderr")" "$busy" "extract into a locked folder: message"


# Two scans started into the same folder: the second is refused while
# the first goes on, and the first's report is its own.
truncate -s 4G "$work/slow.img"
"$DREDGE" scan "$work/slow.img" -o "$work/both" -q --io pread \
	--chunk-size 64K --threads 1 2>/dev/null &
first=$!
i=0
while [ ! -s "$work/both/report.xml" ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
"$DREDGE" scan "$work/slow.img" -o "$work/both" -q 2>"$work/stderr"
is "$?" 1 "a second scan into a folder in use: exit status 1"
is "$(head -1 "$work/stderr")" "dredge: output folder '$work/both' is in use: another dredge is writing there" \
	"a second scan into a folder in use: message"
kill -INT $first
wait $first
is "$?" 130 "the first scan stops on SIGINT as usual"
check "and its report is well-formed" xmllint --noout "$work/both/report.xml"
rm -f "$work/slow.img"

# A report is input too: a run whose end wraps past 2^64 is refused, not
# read at a wrapped offset.
sed 's/"img_offset":8192/"img_offset":18446744073709551610/' \
	"$work/rep/report.jsonl" >"$work/wrap.jsonl"
run 1 "dredge: $work/wrap.jsonl: line 1 is not a dredge report entry" \
	"extract: a run past 2^64" -- extract "$work/img" "$work/wrap.jsonl" -o "$work/x1"
sed 's/"img_offset":8192/"img_offset":1046528/' \
	"$work/rep/report.jsonl" >"$work/past.jsonl"
run 1 "dredge: file 1 (jpg/f0000016.jpg) lies past the end of '$work/img' (1048576 bytes): is this the same source?" \
	"extract: a run past the source's end" -- extract "$work/img" "$work/past.jsonl" -o "$work/x2"

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

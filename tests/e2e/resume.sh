#!/bin/sh
# Interrupted scans resume where they stopped and end with exactly the
# output of an uninterrupted run; a resume that does not match the
# interrupted scan is refused with a message saying what differs.
. "$srcdir/tests/e2e/tap.sh"
tap_workdir resume
J=$DATA/jpeg
img=$work/card.img

"$MKIMAGE" -o "$img" -z 16M -s 77 \
	"$J/baseline.jpg@4096" "$J/gray.jpg@1M" "$J/progressive.jpg@2M+3000" \
	"$J/exif_thumb.jpg@3M" "$J/restart.jpg@4194000" "$J/arith.jpg@5M" \
	"$J/sub420.jpg@6M" "$J/gray.jpg@9M" "$J/baseline.jpg@12M" \
	"$J/restart.jpg@16773120"
"$DREDGE" scan "$img" -o "$work/whole" -q --chunk-size 64K
ok $? "uninterrupted reference run"

same_as_whole() {  # same_as_whole DIR WHAT
	diff -r -x report.xml "$work/whole" "$1" >"$work/diff" 2>&1
	ok $? "$2: same files and JSONL report as the uninterrupted run"
	strip='<start_time>\|end_time>\|<command_line>'
	grep -v "$strip" "$work/whole/report.xml" >"$work/a.xml"
	grep -v "$strip" "$1/report.xml" >"$work/b.xml"
	cmp -s "$work/a.xml" "$work/b.xml"
	ok $? "$2: same DFXML report apart from times and command line"
}

# Stop at several points: before any file, inside a file's chunk run,
# right at a file start, near the end.
for at in 65536 1114112 3145728 3211264 9437184 16711680; do
	d=$work/stop$at
	"$DREDGE" scan "$img" -o "$d" -q --chunk-size 64K --stop-at $at \
		2>"$work/err"
	is "$?" 3 "--stop-at $at: exit status 3"
	check "--stop-at $at: a checkpoint is left" test -f "$d/.dredge-checkpoint"
	check "--stop-at $at: the DFXML report is closed, status interrupted" \
		grep -q "status='interrupted after $at of 16777216 bytes" "$d/report.xml"
	"$DREDGE" scan "$img" -o "$d" -q --chunk-size 1M --resume
	is "$?" 0 "--stop-at $at: --resume completes"
	check "--stop-at $at: the checkpoint is gone once complete" \
		test ! -e "$d/.dredge-checkpoint"
	same_as_whole "$d" "stopped at $at"
done

# Stop twice, resuming in between, with other thread counts and engines.
d=$work/twice
"$DREDGE" scan "$img" -o "$d" -q --stop-at 2M --threads 1
"$DREDGE" scan "$img" -o "$d" -q --resume --stop-at 10M --io pread --threads 3
is "$?" 3 "a resumed scan can stop again"
"$DREDGE" scan "$img" -o "$d" -q --resume --threads 2
is "$?" 0 "and resume again to the end"
same_as_whole "$d" "stopped twice"

# Refusals.
"$DREDGE" scan "$img" -o "$work/r" -q --stop-at 4M
"$DREDGE" scan "$img" -o "$work/r2" -q --stop-at 4M --types jpg
refuse() {  # refuse MESSAGE DESCRIPTION ARGS...
	msg=$1 desc=$2
	shift 2
	"$DREDGE" scan "$@" 2>"$work/err" >/dev/null
	is "$?" 1 "$desc: refused"
	is "$(head -1 "$work/err")" "dredge: $msg" "$desc: says what differs"
}
all=$("$DREDGE" types | awk 'NR > 1 {print $1}' | paste -sd, -)
if [ "$all" != jpeg ]; then
	refuse "cannot resume the scan in '$work/r2': --types differs: the interrupted scan used 'jpeg', this one '$all'" \
		"other types" "$img" -o "$work/r2" --resume
fi
"$MKIMAGE" -o "$work/other.img" -z 16M -s 78
refuse "cannot resume the scan in '$work/r': the source's first MiB differs from the interrupted scan's source" \
	"another source of the same size" "$work/other.img" -o "$work/r" --resume
"$MKIMAGE" -o "$work/small.img" -z 8M -s 77
refuse "cannot resume the scan in '$work/r': the source is 8388608 bytes, but the interrupted scan read one of 16777216 bytes" \
	"a source of another size" "$work/small.img" -o "$work/r" --resume
refuse "cannot resume the scan in '$work/r': --block-size differs: the interrupted scan used 512, this one 4096" \
	"another block size" "$img" -o "$work/r" --resume --block-size 4096
refuse "cannot resume the scan in '$work/r': --any-offset differs: the interrupted scan ran without it, this one with it" \
	"--any-offset added" "$img" -o "$work/r" --resume --any-offset
refuse "there is no interrupted scan to resume in '$work/whole'" \
	"a completed scan" "$img" -o "$work/whole" --resume
"$DREDGE" scan "$img" -o "$work/r" -q --resume
is "$?" 0 "after the refusals the right resume still completes"
same_as_whole "$work/r" "resumed after refusals"

# A real SIGINT: the scan stops cleanly with status 130, and resumes.
"$MKIMAGE" -o "$work/big.img" -z 6G -f zero \
	"$J/gray.jpg@1M" "$J/baseline.jpg@3G" "$J/arith.jpg@6143M"
"$DREDGE" scan "$work/big.img" -o "$work/sigwhole" -q
"$DREDGE" scan "$work/big.img" -o "$work/sig" -q --io pread \
	--chunk-size 64K --threads 1 &
pid=$!
sleep 0.3
kill -INT $pid
wait $pid
rc=$?
if [ "$rc" -eq 0 ]; then
	echo "ok $((tap_n + 1)) - # SKIP the scan finished before the signal"
	tap_n=$((tap_n + 1))
else
	is "$rc" 130 "SIGINT: exit status 130"
	check "SIGINT: a checkpoint is left" test -f "$work/sig/.dredge-checkpoint"
	"$DREDGE" scan "$work/big.img" -o "$work/sig" -q --resume
	is "$?" 0 "SIGINT: --resume completes"
	check "SIGINT: same files and JSONL report as an uninterrupted run" \
		diff -r -x report.xml "$work/sigwhole" "$work/sig"
fi

tap_done

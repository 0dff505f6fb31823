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
	# report.html gives this run's times; its table is checked in html.sh
	diff -r -x report.xml -x report.html "$work/whole" "$1" >"$work/diff" 2>&1
	ok $? "$2: same files and JSONL report as the uninterrupted run"
	# (and the engine: the first run's, which need not be auto's)
	strip='<start_time>\|end_time>\|<command_line>\|<dredge:io_engine '
	grep -v "$strip" "$work/whole/report.xml" >"$work/a.xml"
	grep -v "$strip" "$1/report.xml" >"$work/b.xml"
	cmp -s "$work/a.xml" "$work/b.xml"
	ok $? "$2: same DFXML report apart from times, command line and engine"
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
"$DREDGE" scan "$img" -o "$d" -q --stop-at 2M --threads 1 --io mmap
"$DREDGE" scan "$img" -o "$d" -q --resume --stop-at 10M --io pread --threads 3
is "$?" 3 "a resumed scan can stop again"
"$DREDGE" scan "$img" -o "$d" -q --resume --threads 2 --io uring
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

# A checkpoint's numbers are input like any other: each one is checked
# against the source and the reports, and a resume that would trust a
# wrong one is refused with a message naming the field.
"$DREDGE" scan "$img" -o "$work/t" -q --chunk-size 64K --stop-at 9437184
ck() { sed -n "s/^$1 //p" "$work/t/.dredge-checkpoint"; }
files=$(ck files) next=$(ck next_id) xlen=$(ck xml_len) jlen=$(ck jsonl_len)
check "the checkpoint to tamper with holds files" test "$files" -gt 2
tamper() {  # tamper SED-EXPR MESSAGE DESCRIPTION
	rm -rf "$work/tt" && cp -a "$work/t" "$work/tt"
	sed -i "$1" "$work/tt/.dredge-checkpoint"
	timeout 60 "$DREDGE" scan "$img" -o "$work/tt" -q --resume \
		2>"$work/err" >/dev/null
	is "$?" 1 "$3: refused"
	is "$(head -1 "$work/err")" "dredge: $2" "$3: the message names the field"
}
no="cannot resume the scan in '$work/tt'"
dmg="the checkpoint in '$work/tt' is damaged"
again="start a new scan in another folder"
tamper 's/^resume_offset .*/resume_offset 331000000000/' \
	"$no: the checkpoint's resume_offset 331000000000 lies past the end of what this scan reads (16777216)" \
	"resume_offset past the source's end"
tamper 's/^resume_offset .*/resume_offset 1000/' \
	"$no: the checkpoint's resume_offset 1000 is not where a read of this scan starts" \
	"resume_offset inside a block"
tamper 's/^cover_hi .*/cover_hi 16777217/' \
	"$no: the checkpoint's cover_hi 16777217 lies past the source's end (16777216)" \
	"cover_hi past the source's end"
tamper 's/^trunc_fmt .*/trunc_fmt 4000/' \
	"$no: the checkpoint's trunc_fmt 4000 is not one of its $(ck formats | tr , '\n' | wc -l) formats" \
	"trunc_fmt not a format"
tamper 's/^jsonl_len .*/jsonl_len 0/' \
	"$no: the checkpoint's files $files differs from report.jsonl's 0 in its first jsonl_len bytes" \
	"jsonl_len 0"
tamper "s/^jsonl_len .*/jsonl_len $((jlen - 1))/" \
	"$no: the checkpoint's jsonl_len $((jlen - 1)) does not end a line of report.jsonl" \
	"jsonl_len inside a line"
tamper 's/^jsonl_len .*/jsonl_len 99999999/' \
	"$no: the checkpoint's jsonl_len 99999999 lies past the end of report.jsonl ($(stat -c %s "$work/t/report.jsonl"))" \
	"jsonl_len past the report's end"
tamper 's/^xml_len .*/xml_len 99999999/' \
	"$no: the checkpoint's xml_len 99999999 lies past the end of report.xml ($(stat -c %s "$work/t/report.xml"))" \
	"xml_len past the report's end"
tamper 's/^xml_len .*/xml_len 600/' \
	"$no: the checkpoint's xml_len 600 does not match report.xml: its first xml_len bytes hold 0 file objects, report.jsonl $((next - 1))" \
	"xml_len short of the entries"
tamper 's/^files .*/files -5/' \
	"$dmg (its files '-5' is not a value dredge writes); $again" \
	"a negative count"
tamper 's/^files .*/files 18446744073709551616/' \
	"$dmg (its files '18446744073709551616' is not a value dredge writes); $again" \
	"a count past 64 bits"
tamper "s/^files .*/files $((files + 1))/" \
	"$no: the checkpoint's files $((files + 1)) differs from report.jsonl's $files in its first jsonl_len bytes" \
	"one file too many"
tamper 's/^duplicates .*/duplicates 7/' \
	"$no: the checkpoint's duplicates 7 differs from report.jsonl's $(ck duplicates) in its first jsonl_len bytes" \
	"duplicates miscounted"
tamper 's/^truncated .*/truncated 9/' \
	"$no: the checkpoint's truncated 9 differs from report.jsonl's $(ck truncated) in its first jsonl_len bytes" \
	"truncated miscounted"
tamper 's/^next_id .*/next_id 0/' \
	"$no: the checkpoint's next_id 0 differs from report.jsonl's $next (the id after its last entry)" \
	"next_id 0"
tamper 's/^type jpg .*/type jpg 1000/' \
	"$no: the checkpoint's type jpg 1000 differs from report.jsonl's $(ck 'type jpg') in its first jsonl_len bytes" \
	"a type count"
tamper 's/^end$/bad 16000000 4096\nend/' \
	"$no: the checkpoint's bad range 16000000 4096 is empty, overlaps another, or lies past resume_offset" \
	"an unreadable range past resume_offset"
tamper 's/^any_offset .*/any_offset 2/' \
	"$dmg (its any_offset '2' is not a value dredge writes); $again" \
	"a flag that is not 0 or 1"
tamper '/^next_id /d' "$dmg (its field next_id is missing); $again" \
	"a field missing"
tamper 's/^files \(.*\)/files \1\nfiles \1/' \
	"$dmg (its field files appears twice); $again" "a field twice"
tamper 's/^end$/colour blue\nend/' \
	"$dmg (it has an unknown field 'colour'); $again" "an unknown field"
tamper '/^end$/d' "$dmg (it ends before its 'end' line); $again" \
	"no end line"
tamper '1s/.*/dredge-checkpoint 9/' \
	"$dmg (it does not begin with 'dredge-checkpoint 1'); $again" \
	"another version"
# Files of the folder replaced by FIFOs: refused at once (an open that
# waited for a writer would hang the scan until the time limit).
fifo_for() {  # fifo_for NAME MESSAGE DESCRIPTION
	rm -rf "$work/tt" && cp -a "$work/t" "$work/tt"
	rm "$work/tt/$1" && mkfifo "$work/tt/$1"
	timeout 60 "$DREDGE" scan "$img" -o "$work/tt" -q --resume \
		2>"$work/err"
	is "$?" 1 "$3: refused, not waited on"
	is "$(head -1 "$work/err")" "dredge: $2" "$3: the message says so"
}
fifo_for .dredge-checkpoint "$dmg (it is not a regular file); $again" \
	"a FIFO for the checkpoint"
fifo_for report.jsonl "$no: its report.jsonl is not a regular file" \
	"a FIFO for report.jsonl"
rm -f "$work/t/report.jsonl.x"
mv "$work/t/report.jsonl" "$work/t/report.jsonl.x"
timeout 60 "$DREDGE" scan "$img" -o "$work/t" -q --resume 2>"$work/err"
is "$(head -1 "$work/err")" "dredge: cannot resume the scan in '$work/t': its report.jsonl is missing" \
	"a report missing: refused"
mv "$work/t/report.jsonl.x" "$work/t/report.jsonl"
timeout 60 "$DREDGE" scan "$img" -o "$work/t" -q --resume
is "$?" 0 "the untampered checkpoint still resumes"
same_as_whole "$work/t" "resumed after the tampered copies"

"$DREDGE" scan "$img" -o "$work/r" -q --resume
is "$?" 0 "after the refusals the right resume still completes"
same_as_whole "$work/r" "resumed after refusals"

# A real SIGINT: the scan stops cleanly with status 130, and resumes.
"$MKIMAGE" -o "$work/big.img" -z 6G -f zero \
	"$J/gray.jpg@1M" "$J/baseline.jpg@3G" "$J/arith.jpg@6143M"
"$DREDGE" scan "$work/big.img" -o "$work/sigwhole" -q --io pread
"$DREDGE" scan "$work/big.img" -o "$work/sig" -q --io pread \
	--chunk-size 64K --threads 1 &
pid=$!
# Signal once the scan is under way (its report exists), not on a guess.
i=0
while [ ! -s "$work/sig/report.xml" ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -INT $pid
wait $pid
rc=$?
# 6 GiB in 64 KiB reads on one thread takes seconds: a scan that ends
# with status 0 here ignored the signal.
is "$rc" 130 "SIGINT: exit status 130 (not 0: the signal is not ignored)"
check "SIGINT: a checkpoint is left" test -f "$work/sig/.dredge-checkpoint"
"$DREDGE" scan "$work/big.img" -o "$work/sig" -q --resume
is "$?" 0 "SIGINT: --resume completes"
diff -r -x report.xml -x report.html "$work/sigwhole" "$work/sig" >"$work/diff" 2>&1
ok $? "SIGINT: same files and JSONL report as an uninterrupted run"
# The image is large enough for each run to measure views of the page
# cache against copies; on a loaded machine that measure can go either
# way, so io_engine's views attribute is a fact of the run, like its
# times.  The engine itself (--io pread) must match.
strip='<start_time>\|end_time>\|<command_line>'
unviews="s/<dredge:io_engine views='[a-z]*'>/<dredge:io_engine>/"
grep -v "$strip" "$work/sigwhole/report.xml" | sed "$unviews" >"$work/a.xml"
grep -v "$strip" "$work/sig/report.xml" | sed "$unviews" >"$work/b.xml"
cmp -s "$work/a.xml" "$work/b.xml"
ok $? "SIGINT: same DFXML report apart from times, command line and views"
is "$(grep -c '<dredge:io_engine>pread</dredge:io_engine>' "$work/b.xml")" 1 \
	"SIGINT: the report names the engine of the first run (pread)"

tap_done

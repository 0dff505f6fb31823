#!/bin/sh
# dredge plan --parallel: the GNU parallel command lines it prints scan two
# drives in 3 shards each and merge them into exactly one scan's result;
# run again after an interruption, they resume.
. "$srcdir/tests/e2e/tap.sh"

command -v parallel >/dev/null 2>&1 ||
	skip_all "no GNU parallel (package parallel)"
parallel --version 2>/dev/null | grep -q 'GNU parallel' ||
	skip_all "'parallel' is not GNU parallel"

tap_workdir parallel
J=$DATA/jpeg
"$MKIMAGE" -o "$work/a.img" -z 12M -s 11 "$J/baseline.jpg@4194000" \
	"$DATA/mp4/dashcam.mp4@8376320" "$J/baseline.jpg@9M" "$J/gray.jpg@1M"
"$MKIMAGE" -o "$work/b.img" -z 9M -s 12 "$J/sub420.jpg@3144704" \
	"$J/restart.jpg@6290432" "$J/sub420.jpg@8M"
for d in a b; do
	"$DREDGE" scan "$work/$d.img" -o "$work/one-$d" -q
done

"$DREDGE" plan "$work/a.img" "$work/b.img" -o "$work/out" --shards 3 \
	--cpus-per-task 1 --parallel -J 2 --dredge "$DREDGE" >"$work/run.sh"
ok $? "dredge plan --parallel"
# an interrupted shard first: the plan resumes it
"$DREDGE" scan "$work/a.img" -o "$work/out/a.img/shard-2" -q --shard 2/3 \
	--stop-at 5M --chunk-size 64K 2>/dev/null
is $? 3 "shard 2/3 of a.img interrupted beforehand"
HOME=$work sh "$work/run.sh" >"$work/log" 2>&1
ok $? "the GNU parallel lines run"
[ $? -ne 0 ] && sed 's/^/#   /' "$work/log" | head -20

for d in a b; do
	m=$work/out/$d.img/merged
	diff -r -x report.xml -x report.html "$work/one-$d" "$m" >/dev/null 2>&1
	ok $? "$d.img: the same files and JSONL report as one run"
	# the views attribute is measured by each run (source_map.c): a fact of
	# the run, like its times
	strip='<start_time>\|end_time>\|<command_line>\|<dredge:io_engine '
	grep -v "$strip" "$work/one-$d/report.xml" >"$work/a.xml"
	grep -v "$strip" "$m/report.xml" >"$work/b.xml" 2>/dev/null
	cmp -s "$work/a.xml" "$work/b.xml"
	ok $? "$d.img: the same DFXML report apart from times, command line and engine"
done
tap_done

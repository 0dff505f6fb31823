#!/bin/sh
# Images of awkward sizes: 1 byte, less than a sector, not a multiple of
# the sector size, one byte less than a chunk, exactly one chunk, one byte
# more, a short last chunk; JPEGs at their very end, whole or cut by it.
# Each is scanned the same way by every engine, buffered or O_DIRECT.
. "$srcdir/tests/e2e/tap.sh"
tap_workdir edges
J=$DATA/jpeg

size() { wc -c <"$1" | tr -d ' '; }
hash() { "$XXH128SUM" "$1" | cut -d' ' -f1; }
fields() {  # filename status offset size, one line per report entry
	sed -n 's/.*"filename":"\([^"]*\)".*"status":"\([a-z]*\)","offset":\([0-9]*\),.*"size":\([0-9]*\),.*/\1 \2 \3 \4/p' "$1"
}
strip_times() { grep -v -e '<start_time>' -e 'end_time>' -e '<command_line>' \
	-e 'io_engine' "$1"; }

# case NAME SIZE EXPECTED-ENTRIES PLANT...
edge() {
	name=$1 isize=$2 want=$3
	shift 3
	img=$work/$name.img
	"$MKIMAGE" -o "$img" -z "$isize" -s 11 "$@"
	first=""
	for variant in "--io uring" "--io pread --threads 1" \
	               "--io uring --direct on --threads 3" "--io pread --direct on" \
	               "--io mmap" "--io mmap --threads 1"; do
		out=$work/$name.$(echo "$variant" | tr -dc 'a-z0-9')
		"$DREDGE" scan "$img" -o "$out" -q --chunk-size 64K $variant \
			2>"$work/err"
		rc=$?
		if [ -z "$first" ]; then
			first=$out
			is "$rc" 0 "$name ($isize bytes): scan completes"
			is "$(fields "$out/report.jsonl")" "$want" \
				"$name: exactly the expected files"
			check "$name: all $isize bytes scanned" grep -q \
				"bytes_scanned='$isize' .* status='completed'" "$out/report.xml"
			continue
		fi
		if [ "$rc" -ne 0 ]; then
			ok 1 "$name, $variant: scan completes"
			sed 's/^/#   /' "$work/err"
			continue
		fi
		diff -r -x report.xml -x report.html "$first" "$out" >/dev/null 2>&1 &&
		strip_times "$first/report.xml" >"$work/a.xml" &&
		strip_times "$out/report.xml" >"$work/b.xml" &&
		cmp -s "$work/a.xml" "$work/b.xml"
		ok $? "$name, $variant: same files and reports"
	done
}

g=$(size "$J/gray.jpg")
edge one-byte 1 ""
edge sub-sector 100 ""
edge ragged $((4096 + g)) "jpg/f0000008.jpg complete 4096 $g" "$J/gray.jpg@4096"
check "ragged: the JPEG ending at the image's last byte is exact" \
	cmp "$first/jpg/f0000008.jpg" "$J/gray.jpg"
edge chunk-less-1 65535 "jpg/f0000120.jpg complete 61440 $g" "$J/gray.jpg@61440"
edge chunk 65536 "jpg/f0000120.jpg complete 61440 $g" "$J/gray.jpg@61440"
check "chunk: the JPEG in the last bytes of the only chunk is exact" \
	cmp "$first/jpg/f0000120.jpg" "$J/gray.jpg"
edge chunk-plus-1 65537 "jpg/f0000008.jpg complete 4096 $g
jpg/t0000124.jpg truncated 63488 2049" "$J/gray.jpg@4096" "$J/baseline.jpg@63488+2049"
head -c 2049 "$J/baseline.jpg" >"$work/prefix"
check "chunk-plus-1: the JPEG cut by the image end is what was there" \
	cmp "$first/jpg/t0000124.jpg" "$work/prefix"
edge short-tail $((131072 + 512 + g)) "jpg/f0000257.jpg complete 131584 $g" \
	"$J/gray.jpg@131584"
check "short-tail: the JPEG filling the last, short chunk is exact" \
	cmp "$first/jpg/f0000257.jpg" "$J/gray.jpg"
p=$(size "$J/progressive.jpg")
edge odd-tail $((512 * 20 + 1)) "jpg/f0000012.jpg complete 6144 $p" \
	"$J/progressive.jpg@6144"

tap_done

#!/bin/sh
# dredge bench: every setting of the grid reads what it should, the best
# setting is the fastest, the scan pass covers the same bytes and finds the
# planted file; block devices work through a read-only loop device.
. "$srcdir/tests/e2e/tap.sh"
tap_workdir bench
img=$work/dev.img
"$MKIMAGE" -o "$img" -z 8M -s 9 "$DATA/jpeg/gray.jpg@1M"

field() {  # field NAME JSON: every value of "NAME":VALUE, one per line
	echo "$2" | grep -o "\"$1\":[^,}]*" | cut -d: -f2
}

json=$("$DREDGE" bench "$img" --seconds 30 --sizes 64K,1M --depths 1,4 --json)
ok $? "bench --json exits 0"
rows=${json%%\"scan\":*}   # the settings, without the scan pass
is "$(field block_size "$rows" | tr '\n' ' ')" "65536 65536 1048576 1048576 " \
	"four settings: each block size with each depth"
is "$(field depth "$rows" | tr '\n' ' ')" "1 4 1 4 " "depths in order"
is "$(field bytes "$json" | sort -u | tr '\n' ' ')" "8388608 " \
	"with time to spare every setting reads the whole source exactly once"
best=$(field best "$json")
fastest=$(field mbps "$json" | head -4 | awk '{print NR - 1, $1}' | sort -k2 -g | tail -1 | cut -d' ' -f1)
is "$best" "$fastest" "the best setting is the fastest one"
is "$(field files "$json")" 1 "the scan pass finds the planted JPEG"
scan=${json##*\"scan\":}
is "$(field bytes "$scan")" 8388608 "the scan pass covers the same bytes"
bs=$(field block_size "$json" | sed -n "$((best + 1))p")
dp=$(field depth "$json" | sed -n "$((best + 1))p")
[ "$dp" -lt 2 ] && dp=2
is "$(field block_size "$scan") $(field depth "$scan")" "$bs $dp" \
	"the scan pass reads with the best block size and its depth, 2 at least"
json1=$("$DREDGE" bench "$img" --seconds 30 --sizes 256K --depths 1 --json)
scan1=${json1##*\"scan\":}
is "$(field block_size "$scan1") $(field depth "$scan1") $(field files "$scan1")" \
	"262144 2 1" "a best setting of depth 1: the scan pass keeps 2 reads in flight"
cores=$(field cpu "$json1" | head -1)
check "every row says how many cores it kept busy ($cores)" \
	awk -v c="$cores" 'BEGIN { exit !(c ~ /^[0-9]+\.[0-9]+$/ && c + 0 < 64) }'
check "and so does the scan pass, with its reader's share" \
	awk -v a="$(field cpu "$scan1")" -v r="$(field read_cpu "$scan1")" \
	'BEGIN { exit !(a ~ /^[0-9]+\.[0-9]+$/ && r ~ /^[0-9]+\.[0-9]+$/ && r + 0 <= a + 0.05) }'

json=$("$DREDGE" bench "$img" --seconds 30 --sizes 64K,1M --depths 2 --bytes 1M --no-scan --json)
is "$(field bytes "$json" | tr '\n' ' ')" "1048576 1048576 " "--bytes bounds each setting"
check "--no-scan skips the scan pass" sh -c "! echo '$json' | grep -q scan"

out=$("$DREDGE" bench "$img" --seconds 30 --sizes 1M --depths 1)
ok $? "the table form exits 0"
echo "$out" | grep -q "^      1M      1 .*<- best" 
ok $? "the table marks the best row"
echo "$out" | grep -q "^scan pass (every format, 1M x 2 in flight): .* of the best raw rate; [0-9.]* cores (reader [0-9.]*); 1 files found$"
ok $? "the table ends with the scan share, the scan's setting and its cores"

# The scan pass works in a scratch folder under $TMPDIR and leaves
# nothing behind; a $TMPDIR it cannot use is said so.
mkdir "$work/tmp"
json=$(TMPDIR=$work/tmp "$DREDGE" bench "$img" --seconds 30 --sizes 1M --depths 2 --json)
is "$(field files "$json")" 1 "the scan pass under \$TMPDIR finds the JPEG"
is "$(ls -A "$work/tmp")" "" "and leaves nothing in \$TMPDIR"
TMPDIR=$work/none "$DREDGE" bench "$img" --seconds 30 --sizes 1M --depths 2 2>"$work/err" >/dev/null
is "$?" 1 "a \$TMPDIR that does not exist: exit 1"
is "$(cat "$work/err")" "dredge: scan pass: cannot make a scratch folder in $work/none: No such file or directory" \
	"a \$TMPDIR that does not exist: message"

"$DREDGE" bench "$work/none" 2>"$work/err"
is "$?" 1 "a missing source: exit 1"
is "$(cat "$work/err")" "dredge: cannot read source '$work/none': No such file or directory" \
	"a missing source: message"
"$DREDGE" bench "$img" --sizes 1000 2>"$work/err"
is "$?" 2 "a bad block size: exit 2"
is "$(cat "$work/err")" "dredge: --sizes takes up to 8 sizes, multiples of 4K up to 64M" \
	"a bad block size: message"

# A real block device: a read-only loop device over the image.
if loop=$(losetup -f --show --read-only "$img" 2>/dev/null); then
	trap 'losetup -d "$loop" 2>/dev/null; rm -rf "$work"' EXIT
	json=$("$DREDGE" bench "$loop" --seconds 30 --sizes 1M --depths 4 --json)
	ok $? "bench on the loop device $loop"
	is "$(field size "$json" | head -1)" 8388608 "its size comes from the device"
	is "$(field direct "$json")" true "block devices are read with O_DIRECT"
	is "$(field bytes "$json" | head -1)" 8388608 "the whole device is read"
	is "$(field files "$json")" 1 "the scan pass over the device finds the JPEG"
	"$DREDGE" scan "$loop" -o "$work/fromloop" -q
	ok $? "dredge scan reads the block device"
	check "the JPEG recovered from the device is byte-identical" \
		cmp "$work/fromloop/jpg/f0002048.jpg" "$DATA/jpeg/gray.jpg"
	# A JPEG that starts 2 bytes before a 64 KiB chunk's end: its
	# signature is matched with the bytes read past the chunk, here
	# through the device's O_DIRECT descriptor.
	"$MKIMAGE" -o "$work/edge.img" -z 2M -s 10 "$DATA/jpeg/gray.jpg@1048574"
	if loop2=$(losetup -f --show --read-only "$work/edge.img" 2>/dev/null); then
		trap 'losetup -d "$loop" "$loop2" 2>/dev/null; rm -rf "$work"' EXIT
		"$DREDGE" scan "$loop2" -o "$work/edge" -q --direct on \
			--chunk-size 64K --any-offset -t jpg --hash none
		ok $? "scan --direct on --any-offset of a device"
		check "the JPEG across the chunk edge is recovered byte-identical" \
			cmp "$work/edge/jpg/f0002047_510.jpg" "$DATA/jpeg/gray.jpg"
	else
		ok 1 "a second loop device"
	fi
else
	echo "ok $((tap_n + 1)) - # SKIP no loop device here (losetup failed)"
	tap_n=$((tap_n + 1))
fi
tap_done

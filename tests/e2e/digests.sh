#!/bin/sh
# --hash: the MD5, SHA-1 and SHA-256 of every recovered file in both
# reports equal md5sum/sha1sum/sha256sum of the file written; duplicates
# carry the digests of the file they duplicate; --report-only computes
# the same digests from the bytes; --hash none gives none; bad values are
# refused; extract checks the digests and finds a tampered one.
. "$srcdir/tests/e2e/tap.sh"
tap_workdir digests
img=$work/card.img

"$MKIMAGE" -o "$img" -z 8M -s 4242 \
	"$DATA/jpeg/baseline.jpg@4096" "$DATA/jpeg/exif_thumb.jpg@512K" \
	"$DATA/png/rgb.png@1M" "$DATA/gif/static.gif@1536K" \
	"$DATA/mp4/h264.mov@2M" "$DATA/pdf/basic.pdf@4M" \
	"$DATA/jpeg/baseline.jpg@5M" "$DATA/bmp/rgb24.bmp@6M" \
	"$DATA/jpeg/gray.jpg@7M+2000"

# jsonl_pairs FILE KEY: "filename digest" per entry with that key
jsonl_pairs() {
	sed -n "s/.*\"filename\":\"\([^\"]*\)\".*\"$2\":\"\([0-9a-f]*\)\".*/\1 \2/p" "$1"
}
# xml_pairs FILE TYPE: "filename digest" per fileobject with that digest
xml_pairs() {
	awk -v t="$2" '
		/<filename>/ { sub(/.*<filename>/, ""); sub(/<\/filename>.*/, ""); f = $0 }
		index($0, "<hashdigest type='"'"'" t "'"'"'>") {
			sub(/.*'"'"'>/, ""); sub(/<\/hashdigest>.*/, ""); print f, $0 }' "$1"
}
# sums DIR TOOL [REPORTDIR]: "filename digest" of every file the report
# (in DIR, or REPORTDIR) lists
sums() {
	sed -n 's/.*"filename":"\([^"]*\)".*"duplicate_of":null.*/\1/p' \
		"${3:-$1}/report.jsonl" | while read -r f; do
		echo "$f $($2 "$1/$f" | cut -d' ' -f1)"
	done
}
# written FILE: the pairs of entries that are not duplicates
written() {
	sed -n 's/.*"filename":"\([^"]*\)".*"duplicate_of":null.*/\1/p' \
		"$1" >"$work/names"
}

d=$work/def
"$DREDGE" scan "$img" -o "$d" -q
ok $? "a scan with the default --hash"
n=$(grep -c '"filename"' "$d/report.jsonl")
check "it found the planted files (and a duplicate)" test "$n" -ge 8
sums "$d" md5sum >"$work/md5.want"
sums "$d" sha256sum >"$work/sha256.want"
check "every written file was summed" test "$(wc -l <"$work/md5.want")" -ge 7
written "$d/report.jsonl"
for k in md5 sha256; do
	jsonl_pairs "$d/report.jsonl" $k | grep -F -f "$work/names" >"$work/got"
	is "$(cat "$work/got")" "$(cat "$work/$k.want")" \
		"JSONL: the $k of every file is ${k}sum's"
	xml_pairs "$d/report.xml" $k | grep -F -f "$work/names" >"$work/got"
	is "$(cat "$work/got")" "$(cat "$work/$k.want")" \
		"DFXML: the $k of every file is ${k}sum's"
	is "$(jsonl_pairs "$d/report.jsonl" $k | wc -l)" "$n" \
		"JSONL: every entry has an $k, duplicates too"
	is "$(xml_pairs "$d/report.xml" $k | wc -l)" "$n" \
		"DFXML: every fileobject has an $k, duplicates too"
done
check "no sha1 by default" sh -c "! grep -q 'sha1' '$d/report.jsonl' '$d/report.xml'"
check "the XXH3-128 is still there" grep -q "<hashdigest type='xxh3-128'>" "$d/report.xml"
# The duplicate (the second baseline.jpg) carries the digests of the first.
dupline=$(grep '"duplicate_of":[0-9]' "$d/report.jsonl" | head -1)
dupof=$(echo "$dupline" | sed 's/.*"duplicate_of":\([0-9]*\).*/\1/')
orig=$(grep "^{\"id\":$dupof," "$d/report.jsonl")
for k in md5 sha256; do
	a=$(echo "$dupline" | sed "s/.*\"$k\":\"\([0-9a-f]*\)\".*/\1/")
	b=$(echo "$orig" | sed "s/.*\"$k\":\"\([0-9a-f]*\)\".*/\1/")
	check "a duplicate carries the $k of the file it duplicates" \
		test -n "$a" -a "$a" = "$b"
done

# --report-only: the same digests, from the bytes.
r=$work/ronly
"$DREDGE" scan "$img" -o "$r" -q --report-only
ok $? "a --report-only scan"
for k in md5 sha256; do
	is "$(jsonl_pairs "$r/report.jsonl" $k)" \
		"$(jsonl_pairs "$d/report.jsonl" $k)" \
		"--report-only: the same $k for every entry"
done

# --hash sha1 alone.
s=$work/sha1
"$DREDGE" scan "$img" -o "$s" -q --hash sha1
ok $? "--hash sha1"
sums "$s" sha1sum >"$work/sha1.want"
written "$s/report.jsonl"
is "$(jsonl_pairs "$s/report.jsonl" sha1 | grep -F -f "$work/names")" \
	"$(cat "$work/sha1.want")" "--hash sha1: JSONL sha1 is sha1sum's"
is "$(xml_pairs "$s/report.xml" sha1 | grep -F -f "$work/names")" \
	"$(cat "$work/sha1.want")" "--hash sha1: DFXML sha1 is sha1sum's"
check "--hash sha1: no md5 or sha256" \
	sh -c "! grep -q 'md5\|sha256' '$s/report.jsonl' '$s/report.xml'"
"$DREDGE" scan "$img" -o "$work/all" -q --hash SHA256,md5,sha1
ok $? "--hash takes any order and case"
is "$(grep -c '"md5":.*"sha1":.*"sha256":' "$work/all/report.jsonl")" "$n" \
	"--hash md5,sha1,sha256: all three for every entry"

# --hash none.
"$DREDGE" scan "$img" -o "$work/none" -q --hash none
ok $? "--hash none"
check "--hash none: no digest but XXH3-128 in either report" \
	sh -c "! grep -q 'md5\|sha1\|sha256' '$work/none/report.jsonl' '$work/none/report.xml'"
is "$(grep -c '"xxh3_128"' "$work/none/report.jsonl")" "$n" \
	"--hash none: the XXH3-128 is still there"

# Bad values: exit 2, the exact message.
for bad in bogus md5,crc32 '' , none,md5 md5sum; do
	"$DREDGE" scan "$img" -o "$work/bad" --hash "$bad" 2>"$work/err"
	is "$?" 2 "--hash '$bad': exit status 2"
	want=$bad
	case $bad in md5,crc32) want=crc32 ;; esac
	is "$(cat "$work/err")" "dredge: --hash takes md5, sha1, sha256 (comma-separated) or none, not '$want'" \
		"--hash '$bad': says what is wrong"
done
check "a refused --hash writes nothing" test ! -e "$work/bad"

# A resume with other digests is refused.
"$DREDGE" scan "$img" -o "$work/stop" -q --stop-at 2M
"$DREDGE" scan "$img" -o "$work/stop" -q --resume --hash sha1 2>"$work/err"
is "$?" 1 "a resume with another --hash: refused"
is "$(cat "$work/err")" "dredge: cannot resume the scan in '$work/stop': --hash differs: the interrupted scan used 'md5,sha256', this one 'sha1'" \
	"a resume with another --hash: says what differs"

# extract checks the digests.
"$DREDGE" extract "$img" "$r" -o "$work/x1" >/dev/null
ok $? "extract from the --report-only report"
sums "$work/x1" md5sum "$r" >"$work/x1.md5"
is "$(cat "$work/x1.md5")" "$(cat "$work/md5.want")" \
	"extract: the files have the report's md5"
first=$(head -1 "$work/md5.want" | cut -d' ' -f1)
id=$(grep "\"filename\":\"$first\"" "$r/report.jsonl" | sed 's/^{"id":\([0-9]*\),.*/\1/')
for k in md5 sha256; do
	mkdir "$work/t$k"
	good=$(grep "^{\"id\":$id," "$r/report.jsonl" | sed "s/.*\"$k\":\"\([0-9a-f]*\)\".*/\1/")
	bad=$(echo "$good" | sed 's/^./0/; s/^00/11/')
	sed "s/\"$k\":\"$good\"/\"$k\":\"$bad\"/" "$r/report.jsonl" >"$work/t$k/report.jsonl"
	"$DREDGE" extract "$img" "$work/t$k" -o "$work/xt$k" --id "$id" 2>"$work/err"
	is "$?" 1 "extract with a tampered $k: fails"
	is "$(head -1 "$work/err")" "dredge: file $id ($first) does not match the report's $k: is this the same source?" \
		"extract with a tampered $k: says which digest"
	check "extract with a tampered $k: nothing kept" test ! -e "$work/xt$k/$first"
	check "extract with a tampered $k: no .part left" test ! -e "$work/xt$k/$first.part"
done
# A file already there is left alone only when its digests match too.
mkdir "$work/x2" && cp -r "$work/x1/." "$work/x2/"
"$DREDGE" extract "$img" "$work/tmd5" -o "$work/x2" --id "$id" 2>"$work/err"
is "$?" 1 "extract over a present file with a tampered md5: refused"

tap_done

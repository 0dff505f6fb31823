#!/bin/sh
# End to end, every format: each real sample file in tests/data/*/ is
# planted at a sector-aligned offset between seeded random filler; a scan
# with every format enabled must report each one complete at its offset
# with its hash, and write nothing that is not one of them.
. "$srcdir/tests/e2e/tap.sh"
tap_workdir scan_all
img=$work/all.img
list=$work/planted

hash() { "$XXH128SUM" "$1" | cut -d' ' -f1; }

# Samples whose end cannot be proven by their format, recovered whole but
# reported truncated: an MPEG program stream without its end code.
unprovable="mpeg/ffmpeg_noend.vob"

# Lay the files out: each at the next 4 KiB boundary after a gap of
# 4-68 KiB of filler (gaps vary with a fixed pattern).
off=65536
i=0
: >"$list"
for f in "$DATA"/*/*; do
	case "$f" in *.sh|*.txt|*.md|*/.keep) continue ;; esac
	[ -f "$f" ] || continue
	echo "$off $(hash "$f") $f" >>"$list"
	size=$(wc -c <"$f")
	i=$((i + 1))
	off=$(( (off + size + 4096 + (i * 7919 % 65536) + 4095) / 4096 * 4096 ))
done
n=$(wc -l <"$list" | tr -d ' ')
plants=$(awk '{print $3 "@" $1}' "$list")
"$MKIMAGE" -o "$img" -z $((off + 1048576)) -s 31337 $plants
ok $? "image with $n planted sample files"

"$DREDGE" scan "$img" -o "$work/out" -q
ok $? "scan with every format exits 0"
report=$work/out/report.jsonl

# Every planted file: reported complete at its offset with its hash.
missing=""
while read -r at h f; do
	status=complete
	case " $unprovable " in *" ${f#$DATA/} "*) status=truncated ;; esac
	grep -q "\"status\":\"$status\",\"offset\":$at,.*\"xxh3_128\":\"$h\"" "$report" ||
		missing="$missing ${f#$DATA/}@$at"
done <"$list"
is "$missing" "" "every planted file is recovered whole at its offset"

# The extension comes from the format's own reading of the file: the
# Canon CR3 (an ISO-BMFF file, brand crx) is written as a .cr3.
at=$(awk '$3 ~ /\/canon\.cr3$/ {print $1}' "$list")
grep -q "\"filename\":\"cr3/[^\"]*\.cr3\",\"format\":\"mp4\",\"type\":\"cr3\",\"status\":\"complete\",\"offset\":$at," "$report"
ok $? "the Canon CR3 is recovered as cr3"

# Nothing else: every written file is one of the planted ones.
cut -d' ' -f2 "$list" | sort -u >"$work/want"
(cd "$work/out" && find . -type f ! -name 'report.*' ! -path './thumbs/*' -exec "$XXH128SUM" {} + ) |
	cut -d' ' -f1 | sort -u >"$work/got"
extra=$(comm -13 "$work/want" "$work/got" | wc -l | tr -d ' ')
is "$extra" 0 "no output matches no planted file"
is "$(grep -c '"status":"truncated"' "$report")" "$(echo $unprovable | wc -w)" \
	"only the samples with no provable end are reported truncated"
entries=$(grep -c '"filename"' "$report")
is "$entries" "$n" "one report entry per planted file"
if [ "$entries" != "$n" ] || [ "$missing" != "" ]; then
	sed 's/^/# /' "$report" | cut -c1-200
fi

tap_done

#!/bin/sh
# report.html: written in every output folder (also after an interrupted
# scan and with --report-only), self-contained, with small thumbnails in
# thumbs/, metadata from the medium escaped; in headless Chromium every
# picture loads, a click on a column header sorts the table, the filter
# box filters it, and a screenshot lands in the build folder.  Without a
# Chromium that runs, the browser checks are skipped, saying why.
. "$srcdir/tests/e2e/tap.sh"
tap_workdir html
img=$work/card.img

skip() {  # skip REASON
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $1"
}

# A camera whose make is markup: the page must show it as text.
perl -0777 -pe 's/Dredge Optical/<img src=x>&\x27"/' \
	"$DATA/jpeg/exif_thumb.jpg" >"$work/hostile.jpg"
"$MKIMAGE" -o "$img" -z 8M -s 9090 \
	"$DATA/jpeg/baseline.jpg@4096" "$work/hostile.jpg@512K" \
	"$DATA/jpeg/progressive.jpg@1M" "$DATA/png/rgb.png@1536K" \
	"$DATA/gif/static.gif@2M" "$DATA/bmp/rgb24.bmp@2560K" \
	"$DATA/mp4/h264.mov@3M" "$DATA/mp4/dashcam.mp4@4M" \
	"$DATA/pdf/basic.pdf@5M" "$DATA/jpeg/baseline.jpg@6M" \
	"$DATA/jpeg/sub420.jpg@7M"

d=$work/out
"$DREDGE" scan "$img" -o "$d" -q
ok $? "a scan"
page=$d/report.html
check "report.html is written" test -s "$page"
check "no report.html.part is left" test ! -e "$d/report.html.part"
n=$(grep -c '"filename"' "$d/report.jsonl")
is "$(grep -c '^<tr><td class="n id"' "$page")" "$n" \
	"the table has a row for every report entry ($n)"
njpg=$(grep '"type":"jpg"' "$d/report.jsonl" | grep -c '"duplicate_of":null')
is "$(ls "$d/thumbs" | wc -l)" "$njpg" "a thumbnail for every JPEG written"
# jpeg_size FILE: "W H" of a baseline JPEG (what thumbnails are)
jpeg_size() {
	od -An -tx1 -v "$1" | tr -s ' \n' '\n\n' | awk '
		k > 0 { b[k++] = $1; if (k == 9) exit; next }
		p == "ff" && $1 == "c0" { k = 1 }
		{ p = $1 }
		END { print b[6] b[7], b[4] b[5] }' |
		{ read -r w h; echo $((0x$w)) $((0x$h)); }
}
big=0
for t in "$d"/thumbs/*; do
	set -- $(jpeg_size "$t")
	[ "$1" -ge 1 ] && [ "$1" -le 160 ] && [ "$2" -ge 1 ] && [ "$2" -le 160 ] ||
		{ big=1; echo "# $t is $1 x $2"; }
done
ok $big "every thumbnail is at most 160 pixels a side"
is "$(jpeg_size "$d/thumbs/f0001024.jpg")" "64 48" \
	"a photo with an EXIF thumbnail gets that one (64 x 48)"
check "thumbnails are small files" \
	sh -c "test \$(cat '$d'/thumbs/* | wc -c) -lt $((njpg * 16384))"
check "no URL outside the output folder" \
	sh -c "! grep -Eiq 'https?:|(src|href)=\"(//|/)|@import|url\\(' '$page'"
check "CSS and JavaScript are inline" \
	sh -c "grep -q '<style>' '$page' && grep -q '<script>(function' '$page' && ! grep -q '<script src\\|<link' '$page'"
check "markup from the medium is escaped" \
	grep -qF '&lt;img src=x&gt;&amp;&#39;&quot;' "$page"
check "and never left raw" sh -c "! grep -qF '<img src=x>' '$page'"
check "the videos are in <video> elements" \
	grep -q '<video controls preload="metadata" src="mp4/f0008192.mp4">' "$page"
for k in md5 sha256; do
	h=$(grep '"filename":"png/' "$d/report.jsonl" | sed "s/.*\"$k\":\"\([0-9a-f]*\)\".*/\1/")
	check "the table gives the $k" grep -q "$k&nbsp;$h" "$page"
done
check "the summary names the source" grep -qF "dredge report: $img</h1>" "$page"

# A second scan's thumbnails are byte-identical (made from the files).
"$DREDGE" scan "$img" -o "$work/again" -q
check "thumbnails are the same on every run" diff -r "$d/thumbs" "$work/again/thumbs"

# Interrupted, then resumed: the page shows what the reports list.
s=$work/stop
"$DREDGE" scan "$img" -o "$s" -q --stop-at 3M
is "$?" 3 "a scan stopped at 3M"
ns=$(grep -c '"filename"' "$s/report.jsonl")
is "$(grep -c '^<tr><td class="n id"' "$s/report.html")" "$ns" \
	"after an interruption report.html lists the $ns files recovered"
check "and says the scan was interrupted" \
	grep -q '<td id="status">interrupted' "$s/report.html"
"$DREDGE" scan "$img" -o "$s" -q --resume
is "$(grep -c '^<tr><td class="n id"' "$s/report.html")" "$n" \
	"after the resume it lists all $n"
check "the resumed run's thumbnails are the uninterrupted run's" \
	diff -r "$d/thumbs" "$s/thumbs"

# --report-only: no files, no gallery, the whole table.
"$DREDGE" scan "$img" -o "$work/ronly" -q --report-only
is "$(grep -c '^<tr><td class="n id"' "$work/ronly/report.html")" "$n" \
	"--report-only: the table lists every entry"
check "--report-only: no pictures, no thumbnails" \
	sh -c "! grep -q '<img\\|<video' '$work/ronly/report.html' && test ! -e '$work/ronly/thumbs'"

# ---- in a browser
chromium=$(command -v chromium || command -v chromium-browser || true)
browse() {  # browse URL-SUFFIX: the DOM after load, on stdout
	timeout 120 "$chromium" --headless --no-sandbox --disable-gpu \
		--no-first-run --user-data-dir="$work/profile" \
		--virtual-time-budget=10000 --dump-dom "file://$page$1" \
		2>>"$work/chromium.err"
}
why=""
if [ -z "$chromium" ]; then
	why="no chromium installed (Debian: chromium)"
elif ! browse "" >"$work/dom" || ! grep -q 'id="imgstatus"' "$work/dom"; then
	why="chromium does not run here: $(grep -v dbus "$work/chromium.err" | tail -1)"
fi
if [ -n "$why" ]; then
	for i in 1 2 3 4 5 6; do skip "$why"; done
	tap_done
fi
pics=$(grep -c '<img src=' "$page")
loaded=$(sed -n 's/.*id="imgstatus" data-loaded="\([0-9]*\)" data-total="\([0-9]*\)".*/\1 \2/p' "$work/dom")
is "$loaded" "$pics $pics" "Chromium: every picture loaded (naturalWidth > 0)"
sizes() { grep -o '<td class="n size" data-v="[0-9]*"' "$1" | tr -dc '0-9\n' | tr '\n' ' '; }
browse "#sort=size" >"$work/asc"
is "$(sizes "$work/asc")" "$(sizes "$page" | tr ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' ')" \
	"Chromium: a click on 'size' sorts the table by size"
browse "#sort=-size" >"$work/desc"
is "$(sizes "$work/desc")" "$(sizes "$page" | tr ' ' '\n' | sed '/^$/d' | sort -rn | tr '\n' ' ')" \
	"Chromium: a second click sorts it the other way"
check "Chromium: the sorted column is marked" grep -q 'data-sorted="-size"' "$work/desc"
browse "#sort=id&filter=png" >"$work/filt"
is "$(grep -o '<tr style="display: none;">' "$work/filt" | wc -l)" "$((n - 1))" \
	"Chromium: the filter box hides every row but the PNG's"
shot=$top_builddir/report-screenshot.png
rm -f "$shot"
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
	--user-data-dir="$work/profile" --hide-scrollbars --window-size=1280,1600 \
	--virtual-time-budget=10000 --screenshot="$shot" "file://$page" \
	2>>"$work/chromium.err" >/dev/null
check "Chromium: a screenshot in the build folder" \
	sh -c "test -s '$shot' && head -c 8 '$shot' | od -An -tx1 | grep -q '89 50 4e 47'"

# Every format: each sample of tests/data planted in one image, as the
# demo does; the page lists every entry and every picture in its gallery
# loads in Chromium.
plants="" off=65536
for f in "$DATA"/*/*; do
	case "$f" in *.sh|*/.keep) continue ;; esac
	[ -f "$f" ] || continue
	plants="$plants $f@$off"
	off=$(( (off + $(wc -c <"$f") + 4096 + 511) / 512 * 512 ))
done
"$MKIMAGE" -o "$work/all.img" -z $((off + 1048576)) -s 2026 $plants
"$DREDGE" scan "$work/all.img" -o "$work/all" -q
ok $? "every format: a scan of all the samples"
page=$work/all/report.html
na=$(grep -c '"filename"' "$work/all/report.jsonl")
nt=$(sed -n 's/.*"type":"\([a-z0-9]*\)".*/\1/p' "$work/all/report.jsonl" |
	sort -u | wc -l)
is "$(grep -c '^<tr><td class="n id"' "$page")" "$na" \
	"every format: a row for each of the $na entries ($nt types)"
browse "" >"$work/alldom"
pics=$(grep -c '<img src=' "$page")
loaded=$(sed -n 's/.*id="imgstatus" data-loaded="\([0-9]*\)" data-total="\([0-9]*\)".*/\1 \2/p' "$work/alldom")
[ "$pics" -gt 10 ] && [ "$loaded" = "$pics $pics" ]
ok $? "every format: Chromium loads all $pics pictures ($loaded)"
tap_done

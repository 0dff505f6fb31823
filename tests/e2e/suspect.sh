#!/bin/sh
# A container accepted on its structure's word for data nobody can check
# does not hide a file that validates whole inside it.  A NEF-like TIFF
# (Make NIKON, CFA photometric, one raw strip) declares 5,600,000 bytes;
# only its first 3.25 MiB survive and an intact JPEG (with its own EXIF
# thumbnail) lies right after them, followed by other data up to and past
# the declared end.  Both are written: the JPEG whole and exact (its
# thumbnail still dropped as embedded), the NEF at its declared size with
# status "suspect" and the reason, in the JSONL and the DFXML.  A second,
# intact NEF whose IFD names a JPEG preview stays "complete", and its
# preview is not written on its own (it is the NEF's, and checked).
. "$srcdir/tests/e2e/tap.sh"
tap_workdir suspect
J=$DATA/jpeg
img=$work/card.img

# le16/le32 V: V as little-endian hex
le16() { printf '%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)); }
le32() { echo "$(le16 $(($1 & 65535)))$(le16 $(($1 >> 16)))"; }
# entry TAG TYPE COUNT VALUE (a SHORT value is left-justified)
entry() {
	if [ "$2" = 3 ]; then v="$(le16 "$4")0000"; else v=$(le32 "$4"); fi
	echo "$(le16 "$1")$(le16 "$2")$(le32 "$3")$v"
}
# nef_hex STRIP_OFF [PREVIEW_OFF PREVIEW_LEN]: the TIFF header and IFD0
# (width, height, compression 1, CFA, Make at 200, one raw strip from
# STRIP_OFF to the declared end, and a JPEG preview when given)
nef_hex() {
	n=7
	[ $# -gt 1 ] && n=9
	h="49492a0008000000$(le16 $n)"
	h=$h$(entry 256 3 1 4000)$(entry 257 3 1 3000)$(entry 259 3 1 1)
	h=$h$(entry 262 3 1 32803)$(entry 271 2 18 200)
	h=$h$(entry 273 4 1 "$1")$(entry 279 4 1 $((DECL - $1)))
	[ $# -gt 1 ] && h=$h$(entry 513 4 1 "$2")$(entry 514 4 1 "$3")
	echo "${h}00000000"
}
make="4e494b4f4e20434f52504f524154494f4e00"   # "NIKON CORPORATION"
A=1048576 B=8388608 CUT=3407872 DECL=5600000
plen=$(wc -c < "$J/baseline.jpg" | tr -d ' ')

# A: cut at 3.25 MiB, a JPEG after the cut; B: intact, with a preview
# JPEG its IFD names at 4096, the raw strip from 16384
"$MKIMAGE" -o "$img" -z 16M -s 20261204 \
	"hex:$(nef_hex 4096)@$A" "hex:$make@$((A + 200))" \
	"$J/exif_thumb.jpg@$((A + CUT))" \
	"hex:$(nef_hex 16384 4096 "$plen")@$B" "hex:$make@$((B + 200))" \
	"$J/baseline.jpg@$((B + 4096))"
ok $? "image generated"

hash() { "$XXH128SUM" "$1" | cut -d' ' -f1; }
fields() {  # filename status offset size hash reason
	sed -n 's/.*"filename":"\([^"]*\)".*"status":"\([a-z]*\)","offset":\([0-9]*\),.*"size":\([0-9]*\),.*"xxh3_128":"\([0-9a-f]*\)".*"reason":\(null\|"[^"]*"\).*/\1 \2 \3 \4 \5 \6/p' "$1"
}
slice() {  # slice OFF LEN: hash of those bytes of the image
	tail -c +$(($1 + 1)) "$img" | head -c "$2" > "$work/slice"
	hash "$work/slice"
}

out=$work/out
"$DREDGE" scan "$img" -o "$out" --types tiff,jpeg --threads 2 2>"$work/err"
ok $? "scan exits 0"
jlen=$(wc -c < "$J/exif_thumb.jpg" | tr -d ' ')
want="nef/f0002048.nef suspect $A $DECL $(slice $A $DECL) \"raw sensor data not checked\"
jpg/f0008704.jpg complete $((A + CUT)) $jlen $(hash "$J/exif_thumb.jpg") null
nef/f0016384.nef complete $B $DECL $(slice $B $DECL) null"
got=$(fields "$out/report.jsonl" | sort -k3n)
is "$got" "$want" "the NEF suspect, the JPEG inside it kept, the intact NEF complete"
is "$(hash "$out/jpg/f0008704.jpg")" "$(hash "$J/exif_thumb.jpg")" \
	"the JPEG written byte-exact"
is "$(hash "$out/nef/f0002048.nef")" "$(slice $A $DECL)" \
	"the suspect NEF written at its declared size"
check "DFXML says suspect with the reason" \
	grep -q "<dredge:status>suspect</dredge:status>" "$out/report.xml"
check "DFXML reason" \
	grep -q "<dredge:reason>raw sensor data not checked</dredge:reason>" \
	"$out/report.xml"
is "$(grep -c '"status":"suspect"' "$out/report.jsonl")" 1 \
	"one suspect entry"

# With --keep-embedded the same two and the JPEG's thumbnail besides.
out2=$work/out2
"$DREDGE" scan "$img" -o "$out2" --types tiff,jpeg --keep-embedded \
	2>"$work/err2"
ok $? "scan --keep-embedded exits 0"
is "$(grep -c '"status":"suspect"' "$out2/report.jsonl")" 1 \
	"--keep-embedded: the NEF still suspect"

tap_done

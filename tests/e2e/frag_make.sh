# frag_make.sh - sample makers for the fragmented-file test and bench
# (tests/e2e/frag.sh, bench/frag.sh): make_FORMAT OUT N writes sample N of
# FORMAT to OUT, the same bytes for the same N.  They need ffmpeg, zip and
# $MKIMAGE (tests/tools/mkimage, for seeded random content).

# le VALUE BYTES: VALUE little-endian
le() {
	_v=$1 _n=$2
	while [ "$_n" -gt 0 ]; do
		# shellcheck disable=SC2059
		printf "\\$(printf '%03o' $((_v & 255)))"
		_v=$((_v >> 8)) _n=$((_n - 1))
	done
}

# make_zip OUT N: a ZIP of ten seeded random members (stored: only their
# CRC-32 can tell a break, anywhere in the member, and the search tries
# 64 block starts back from its end, so they are kept under 32 KiB) and a
# text one (deflated: inflate shows the break), about 250 KiB
make_zip() {
	_d=$1.src
	rm -rf "$_d" "$1"
	mkdir -p "$_d"
	_i=0
	while [ $_i -lt 10 ]; do
		"$MKIMAGE" -o "$_d/r$_i.bin" -z $((4096 + ($2 * 7919 + _i * 3571) % 24576)) \
			-s $(($2 * 10 + _i + 1)) || return 1
		_i=$((_i + 1))
	done
	seq "$2" 3 $(($2 + 90000)) >"$_d/numbers.txt"
	touch -d 2024-01-01 "$_d"/*
	zip -q -X -j "$1" "$_d"/*
	_r=$?
	rm -rf "$_d"
	return $_r
}

# make_pdf OUT N: a PDF of 40 pages of text, each page and its content
# stream an object, with an exact xref table
make_pdf() {
	LC_ALL=C awk -v seed="$2" '
	function put(s) { printf "%s", s; off += length(s) }
	function obj(n, body) { ofs[n] = off; put(n " 0 obj\n" body "\nendobj\n") }
	BEGIN {
		srand(seed); off = 0; np = 40
		put("%PDF-1.4\n")
		kids = ""
		for (p = 0; p < np; p++) kids = kids (4 + 2 * p) " 0 R "
		obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
		obj(2, "<< /Type /Pages /Kids [" kids "] /Count " np " >>")
		obj(3, "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>")
		for (p = 0; p < np; p++) {
			s = "BT /F1 9 Tf 20 800 Td 11 TL\n"
			lines = 40 + int(rand() * 40)
			for (l = 0; l < lines; l++) {
				t = ""
				for (c = 0; c < 60; c++) t = t sprintf("%c", 97 + int(rand() * 26))
				s = s "(" t ") '"'"'\n"
			}
			s = s "ET"
			obj(4 + 2 * p, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents " (5 + 2 * p) " 0 R >>")
			obj(5 + 2 * p, "<< /Length " length(s) " >>\nstream\n" s "\nendstream")
		}
		n = 4 + 2 * np
		x = off
		put("xref\n0 " n "\n0000000000 65535 f \n")
		for (i = 1; i < n; i++) put(sprintf("%010d 00000 n \n", ofs[i]))
		put("trailer\n<< /Size " n " /Root 1 0 R >>\nstartxref\n" x "\n%%EOF\n")
	}' >"$1"
}

# make_pdf_flate OUT N: as make_pdf, its content streams compressed
# (/FlateDecode, zlib through python3) and each page's text its own
make_pdf_flate() {
	python3 - "$1" "$2" <<'PYEOF'
import random, sys, zlib
out, seed = sys.argv[1], int(sys.argv[2])
rnd = random.Random(seed)
buf, ofs, np = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"), {}, 40
def obj(n, body):
    ofs[n] = len(buf)
    buf.extend(b"%d 0 obj\n" % n + body + b"\nendobj\n")
kids = b" ".join(b"%d 0 R" % (4 + 2 * p) for p in range(np))
obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
obj(2, b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % np)
obj(3, b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>")
for p in range(np):
    s = b"BT /F1 9 Tf 20 800 Td 11 TL\n"
    for l in range(40 + rnd.randrange(40)):
        t = bytes(97 + rnd.randrange(26) for _ in range(60))
        s += b"(" + t + b") '\n"
    z = zlib.compress(s + b"ET", 6)
    obj(4 + 2 * p, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * p))
    obj(5 + 2 * p, b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(z) + z + b"\nendstream")
n = 4 + 2 * np
x = len(buf)
buf.extend(b"xref\n0 %d\n0000000000 65535 f \n" % n)
for i in range(1, n):
    buf.extend(b"%010d 00000 n \n" % ofs[i])
buf.extend(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (n, x))
open(out, "wb").write(buf)
PYEOF
}

# make_tiff OUT N: a 320x960 TIFF in 20 JPEG-compressed strips of 48 rows
# (compression 7, each strip a whole JPEG from ffmpeg), directory last
make_tiff() {
	_d=$1.src
	rm -rf "$_d"
	mkdir -p "$_d"
	ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi \
		-i "testsrc2=size=320x48,hue=h=$(($2 * 37 % 360)),noise=alls=$((20 + $2 % 40)):allf=t:all_seed=$2" \
		-frames:v 20 -q:v 2 "$_d/s%02d.jpg" || return 1
	_off=8 _offs= _cnts=
	for _s in "$_d"/s*.jpg; do
		_c=$(wc -c <"$_s" | tr -d ' ')
		_offs="$_offs $_off" _cnts="$_cnts $_c"
		_off=$((_off + _c))
	done
	_ifd=$(( (_off + 1) / 2 * 2 ))
	_ne=10
	_arr=$((_ifd + 2 + _ne * 12 + 4))
	{
		printf 'II*\0'; le $_ifd 4
		cat "$_d"/s*.jpg
		[ $_ifd -gt $_off ] && printf '\0'
		le $_ne 2
		ent() { le "$1" 2; le "$2" 2; le "$3" 4; le "$4" 4; }
		ent 256 4 1 320
		ent 257 4 1 960
		ent 258 3 1 8
		ent 259 3 1 7
		ent 262 3 1 6
		ent 273 4 20 $_arr
		ent 277 3 1 3
		ent 278 3 1 48
		ent 279 4 20 $((_arr + 80))
		ent 284 3 1 1
		le 0 4
		for _o in $_offs; do le "$_o" 4; done
		for _o in $_cnts; do le "$_o" 4; done
	} >"$1"
	rm -rf "$_d"
}

# make_mp4 OUT N: a 4 s noisy H.264 MP4, its moov first (faststart)
make_mp4() {
	ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi \
		-i "testsrc2=size=320x240:rate=15,hue=h=$(($2 * 37 % 360)),noise=alls=$((20 + $2 % 40)):allf=t:all_seed=$2" \
		-t 4 -c:v libx264 -preset veryfast -g 15 -b:v 600k -pix_fmt yuv420p \
		-movflags +faststart -map_metadata -1 -fflags +bitexact "$1"
}

# make_avi OUT N: a 2 s noisy MJPEG AVI
make_avi() {
	ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi \
		-i "testsrc2=size=320x240:rate=8,hue=h=$(($2 * 37 % 360)),noise=alls=$((20 + $2 % 40)):allf=t:all_seed=$2" \
		-t 2 -c:v mjpeg -q:v 8 -fflags +bitexact "$1"
}

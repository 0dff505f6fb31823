#!/bin/sh
# Re-makes the PDF samples used by tests/unit/test_pdf.c.
# Needs: ghostscript (gs), qpdf, and POSIX sh/grep/sed/wc/printf.
#   basic.pdf        gs pdfwrite from a two-page PostScript program
#                    (classic xref table, one revision)
#   linearized.pdf   qpdf --linearize basic.pdf: first-page xref + %%EOF near
#                    the start ("startxref 0"), main xref at the end
#   xrefstream.pdf   qpdf --object-streams=generate: cross-reference stream,
#                    no "xref" keyword at all
#   incremental.pdf  basic.pdf plus one incremental update appended here:
#                    a new Info object, an xref subsection and a trailer
#                    whose /Prev points at basic.pdf's xref
#   lin-update.pdf   linearized.pdf plus the same kind of update (its /Prev
#                    is the first-page xref the last startxref names)
# qpdf --check accepts every file.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/two.ps" <<'PS'
%!PS
/Helvetica findfont 24 scalefont setfont
72 720 moveto (dredge test page one) show
showpage
72 720 moveto (page two) show
newpath 100 100 moveto 300 300 lineto stroke
showpage
PS
gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=pdfwrite -o basic.pdf "$tmp/two.ps"
qpdf --linearize --deterministic-id basic.pdf linearized.pdf
qpdf --object-streams=generate --deterministic-id basic.pdf xrefstream.pdf

# append_update IN OUT TITLE: writes IN plus an incremental update section
# that replaces the document information dictionary with a new object.
append_update() {
	in=$1 out=$2 title=$3
	prev=$(tail -c 64 "$in" | grep -a -A1 '^startxref' | tail -n 1 | tr -d '\r')
	size=$(grep -a -o '/Size [0-9]*' "$in" | sed 's,/Size ,,' | sort -n | tail -n 1)
	root=$(grep -a -o '/Root [0-9]* [0-9]* R' "$in" | tail -n 1)
	len=$(wc -c < "$in")
	cp "$in" "$out"
	obj=$size
	printf '%s 0 obj\n<< /Title (%s) /Producer (dredge make.sh) >>\nendobj\n' \
		"$obj" "$title" >> "$out"
	xref=$(wc -c < "$out")
	printf 'xref\n0 1\n0000000000 65535 f \n%s 1\n%010d 00000 n \n' \
		"$obj" "$len" >> "$out"
	printf 'trailer\n<< /Size %s %s /Info %s 0 R /Prev %s >>\nstartxref\n%s\n%%%%EOF\n' \
		"$((size + 1))" "$root" "$obj" "$prev" "$xref" >> "$out"
}
append_update basic.pdf incremental.pdf "dredge incremental update"
append_update linearized.pdf lin-update.pdf "update after linearization"

for f in basic.pdf linearized.pdf xrefstream.pdf incremental.pdf lin-update.pdf; do
	qpdf --check "$f" >/dev/null
done

#!/bin/sh
# Re-makes the Netpbm samples used by tests/unit/test_pnm.c (Debian 12:
# netpbm 10.97).
#   gradient.pgm     pgmramp -diag: binary greymap (P5), maxval 255
#   deep.pgm         pgmramp -maxval 1000: 16-bit samples (P5)
#   colour.ppm       a ramp coloured by pgmtoppm: binary pixmap (P6)
#   checker.pbm      pbmmake -g, 19 pixels wide: binary bitmap (P4),
#                    rows padded to whole bytes
#   plain.pbm        pnmtoplainpnm of checker.pbm (P1)
#   plain.pgm        pnmtoplainpnm of a small ramp (P2)
#   plain.ppm        pnmtoplainpnm of a small colour ramp (P3)
#   commented.ppm    colour.ppm with comment lines in its header
#   colour.pam       pamtopam of colour.ppm: PAM (P7), TUPLTYPE RGB
#   alpha.pam        pamstack of colour.ppm and a ramp: RGB_ALPHA, depth 4
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pgmramp -diag 33 21 > gradient.pgm
pgmramp -lr -maxval 1000 23 11 > deep.pgm
pgmramp -diag 31 17 | pgmtoppm rgb:20/c0/ff > colour.ppm
pbmmake -g 19 13 > checker.pbm
pnmtoplainpnm checker.pbm > plain.pbm
pgmramp -lr 9 5 | pnmtoplainpnm > plain.pgm
pgmramp -diag 7 4 | pgmtoppm rgb:ff/80/00 | pnmtoplainpnm > plain.ppm
{
	printf 'P6\n# written by dredge tests/data/pnm/make.sh\n'
	printf '31 # width\n17\n# maxval next\n255\n'
	tail -c $((31 * 17 * 3)) colour.ppm
} > commented.ppm
pamtopam < colour.ppm > colour.pam
pgmramp -lr 31 17 > "$tmp/a.pgm"
pamstack -tupletype RGB_ALPHA colour.ppm "$tmp/a.pgm" 2>/dev/null > alpha.pam

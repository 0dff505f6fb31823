#!/bin/sh
# Fragmented ZIP and PDF (text and Flate-compressed) without a file system: frag.sh's cases
# for these formats, as a test of its own (its own time limit, run side by
# side with the other parts).
FRAG_PART="zip pdf pdf_flate"
. "$srcdir/tests/e2e/frag.sh"

#!/bin/sh
# Fragmented TIFF, MP4 and AVI without a file system: frag.sh's cases
# for these formats, as a test of its own (its own time limit, run side by
# side with the other parts).
FRAG_PART="tiff mp4 avi"
. "$srcdir/tests/e2e/frag.sh"

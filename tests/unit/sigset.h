/*
 * sigset.h - synthetic signature tables for the matcher tests and its
 * benchmark: what a full format list will look like (about 40 magic
 * numbers, 2 to 16 bytes, some at an offset, some masked, some aligned),
 * whatever formats this build carries.
 */
#ifndef DREDGE_TESTS_SIGSET_H
#define DREDGE_TESTS_SIGSET_H

#include "formats/format.h"

/* Real-world magic numbers: the benchmark's "40 signatures". */
extern const struct format *const sigset_real[];
extern const unsigned sigset_real_count;

/* Awkward cases for the tests: masked first bytes, a mask-0 byte, very
 * frequent and overlapping signatures, two signatures of one format that
 * match at the same start, a reach of 32 (the limit before tar). */
extern const struct format *const sigset_odd[];
extern const unsigned sigset_odd_count;
/* Signatures at offsets 200..263, with a few near ones among them. */
extern const struct format *const sigset_far[];
extern const unsigned sigset_far_count;

/* Number of signatures in a format list. */
unsigned sigset_nsigs(const struct format *const *fl, unsigned n);

#endif

/*
 * sigs.h - the matcher's patterns, taken from the format descriptors.
 *
 * The scan stage knows byte patterns, not formats (src/scan includes no
 * formats/ header); the pipeline, which knows both, turns the chosen
 * formats' signatures into the matcher's pattern list here.  The matcher's
 * tests and benchmark build their matchers the same way, so they test what
 * a scan runs.
 */
#ifndef DREDGE_PIPELINE_SIGS_H
#define DREDGE_PIPELINE_SIGS_H

#include <stdint.h>

#include "formats/format.h"
#include "scan/match.h"

/*
 * The patterns of fl[0..n)'s signatures, format by format in list order,
 * each carrying its format's index in fl and its alignment (its own, else
 * its format's, else 1).  *out is malloc'd (free it); 0 or -ENOMEM.
 */
int sigs_collect(const struct format *const *fl, unsigned n,
                 struct match_pattern **out, unsigned *nout);

/* match_init over sigs_collect(fl, n): candidates name indices in fl. */
int sigs_match_init(struct matcher *m, const struct format *const *fl,
                    unsigned n, uint32_t block, int any_offset);

#endif

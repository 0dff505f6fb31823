/*
 * sigs.c - format signatures as matcher patterns (see sigs.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "pipeline/sigs.h"

_Static_assert(FORMAT_SIG_MAX_REACH <= MATCH_MAX_REACH,
               "every format signature must fit the matcher");
_Static_assert(FORMAT_SIG_MAX_LEN <= MATCH_MAX_LEN,
               "every format signature's bytes must fit the matcher");

int sigs_collect(const struct format *const *fl, unsigned n,
                 struct match_pattern **out, unsigned *nout)
{
	size_t total = 0;

	*out = NULL;
	*nout = 0;
	for (unsigned f = 0; f < n; f++)
		total += fl[f]->nsigs;
	struct match_pattern *p = calloc(total ? total : 1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	for (unsigned f = 0; f < n; f++) {
		for (unsigned s = 0; s < fl[f]->nsigs; s++) {
			const struct format_sig *g = &fl[f]->sigs[s];
			p[*nout] = (struct match_pattern){
				.bytes = g->bytes, .mask = g->mask,
				.len = g->len, .offset = g->offset,
				.align = g->align ? g->align
				         : fl[f]->align ? fl[f]->align : 1,
				.fmt = f,
			};
			(*nout)++;
		}
	}
	*out = p;
	return 0;
}

int sigs_match_init(struct matcher *m, const struct format *const *fl,
                    unsigned n, uint32_t block, int any_offset)
{
	struct match_pattern *p;
	unsigned np;
	int rc = sigs_collect(fl, n, &p, &np);

	if (rc != 0)
		return rc;
	rc = match_init(m, p, np, block, any_offset);
	free(p);
	return rc;
}

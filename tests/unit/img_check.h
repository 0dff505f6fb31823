/*
 * img_check.h - checks shared by the image format tests (tiff, png, gif,
 * bmp): a sample embedded in random filler must come back whole, and a
 * sample cut short must never be accepted.
 */
#ifndef DREDGE_TESTS_IMG_CHECK_H
#define DREDGE_TESTS_IMG_CHECK_H

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "fmt_util.h"

#define IC_LEAD 4096     /* filler before the sample */
#define IC_TAIL 3000     /* filler after it */

/*
 * The check every format test makes of a real sample: data put at lead
 * between seeded random filler (tail bytes after it) is accepted with its
 * exact length, and the same end whatever follows the file.  *res keeps
 * the result.
 */
__attribute__((unused))
static void ic_embedded_at(const struct format *fmt, const char *name,
                           const uint8_t *data, size_t len, size_t lead,
                           size_t tail, uint64_t seed,
                           struct carve_result *res)
{
	size_t total = lead + len + tail;
	uint8_t *buf = malloc(total);

	if (buf == NULL)
		tap_bail("out of memory");
	tu_random(buf, total, seed);
	memcpy(buf + lead, data, len);
	enum carve_verdict v = tu_validate(fmt, buf, total, lead, res);
	if (!ok(v == CARVE_ACCEPT, "%s: accepted inside filler", name))
		printf("#   verdict %d, reason %s\n", (int)v,
		       res->reason ? res->reason : "-");
	is_u64(res->length, len, "%s: exact length", name);
	/* Where the file ends is read from the file, not from what follows
	 * it: other filler after it, or a second copy of it, gives the same
	 * end. */
	struct carve_result again;
	tu_random(buf + lead + len, tail, seed ^ 0x9e3779b97f4a7c15u);
	if (len <= tail)
		memcpy(buf + lead + len, data, len);
	tu_validate(fmt, buf, total, lead, &again);
	is_u64(again.length, res->length, "%s: the same end before other "
	       "bytes", name);
	free(buf);
}

/* ic_embedded_at with the image tests' filler. */
__attribute__((unused))
static void ic_embedded(const struct format *fmt, const char *name,
                        const uint8_t *data, size_t len, uint64_t seed,
                        struct carve_result *res)
{
	ic_embedded_at(fmt, name, data, len, IC_LEAD, IC_TAIL, seed, res);
}

/*
 * Cuts data at many points (the source ends there) and checks that no cut
 * is accepted and that no truncated result claims bytes that are not
 * there.  Returns how many cuts came back truncated.
 */
__attribute__((unused))
static unsigned ic_cuts(const struct format *fmt, const char *name,
                        const uint8_t *data, size_t len)
{
	unsigned bad = 0, truncated = 0, tried = 0;
	struct carve_result res;

	for (unsigned k = 1; k <= 24; k++) {
		size_t cut = k < 24 ? len * k / 24 : len - 1;
		if (cut == 0)
			continue;
		enum carve_verdict v = tu_validate(fmt, data, cut, 0, &res);
		tried++;
		if (v == CARVE_ACCEPT || (v == CARVE_TRUNCATED &&
		                          res.length > cut)) {
			printf("#   cut at %zu: verdict %d length %llu\n", cut,
			       (int)v, (unsigned long long)res.length);
			bad++;
		}
		if (v == CARVE_TRUNCATED)
			truncated++;
	}
	ok(bad == 0, "%s: %u cuts, none accepted or overlong (%u truncated)",
	   name, tried, truncated);
	return truncated;
}

#endif

/*
 * media_util.h - checks shared by the RIFF, MP3, Ogg and MPEG validator
 * tests: a real sample embedded in random filler must come back whole, a
 * cut sample must never be accepted, and metadata is looked up by key.
 */
#ifndef DREDGE_TESTS_MEDIA_UTIL_H
#define DREDGE_TESTS_MEDIA_UTIL_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "fmt_util.h"
#include "img_check.h"

#define MU_LEAD 4096u    /* filler before an embedded sample */
#define MU_TRAIL 3000u   /* filler after it */

/* Checks that metadata key is want. */
__attribute__((unused))
static void mu_meta_is(const struct carve_result *res, const char *key,
                       const char *want, const char *what)
{
	is_str(tu_meta(res, key), want, "%s: %s is %s", what, key, want);
}

/* A malloc'd buffer: seeded filler, the sample at MU_LEAD, more filler. */
__attribute__((unused))
static uint8_t *mu_embed(const uint8_t *file, size_t len, uint64_t seed,
                         size_t *total)
{
	*total = MU_LEAD + len + MU_TRAIL;
	uint8_t *buf = malloc(*total);
	if (buf == NULL)
		tap_bail("out of memory");
	tu_random(buf, *total, seed);
	memcpy(buf + MU_LEAD, file, len);
	return buf;
}

/*
 * Validates file embedded in filler (ic_embedded_at: ACCEPT, exact length,
 * the same end whatever follows) and checks its extension when want_ext
 * is not NULL.  *res keeps the result for metadata checks.
 */
__attribute__((unused))
static void mu_check_embedded(const struct format *fmt, const char *name,
                              const uint8_t *file, size_t len,
                              const char *want_ext, uint64_t seed,
                              struct carve_result *res)
{
	ic_embedded_at(fmt, name, file, len, MU_LEAD, MU_TRAIL, seed, res);
	if (want_ext != NULL) {
		const char *ext = res->ext ? res->ext : fmt->ext;
		is_str(ext, want_ext, "%s: extension", name);
	}
}

/*
 * Cuts file at each of n points (as the end of the medium) and checks the
 * validator never accepts, and that a truncated verdict keeps at most
 * what is there.  Returns how many cuts came back TRUNCATED.
 */
__attribute__((unused))
static unsigned mu_check_cuts(const struct format *fmt, const char *name,
                              const uint8_t *file, const size_t *cuts,
                              unsigned n)
{
	unsigned truncated = 0;

	for (unsigned i = 0; i < n; i++) {
		struct carve_result res;
		enum carve_verdict v = tu_validate(fmt, file, cuts[i], 0, &res);
		if (!ok(v != CARVE_ACCEPT && res.length <= cuts[i],
		        "%s cut at %zu: not accepted (verdict %d, %s)", name,
		        cuts[i], v, res.reason ? res.reason : "-"))
			printf("#   length %llu\n", (unsigned long long)res.length);
		if (v == CARVE_TRUNCATED)
			truncated++;
	}
	return truncated;
}

/*
 * Validates test file `first` directly followed by `second` and checks
 * that fmt accepts the first at exactly its own size: a validator must end
 * where its file ends, not run on into the next one.
 */
__attribute__((unused))
static void mu_back_to_back(const struct format *fmt, const char *first,
                            const char *second)
{
	size_t l1, l2;
	uint8_t *a = tu_load_data(first, &l1);
	uint8_t *b = tu_load_data(second, &l2);
	uint8_t *o = malloc(l1 + l2);
	struct carve_result res;

	if (o == NULL)
		tap_bail("out of memory");
	memcpy(o, a, l1);
	memcpy(o + l1, b, l2);
	tu_validate(fmt, o, l1 + l2, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == l1,
	   "%s then %s: the first at its size", first, second);
	free(o);
	free(a);
	free(b);
}

/* Seconds since some fixed point, for timing diagnostics (never asserted:
 * speed is measured in bench/). */
__attribute__((unused))
static double mu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif

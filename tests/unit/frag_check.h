/*
 * frag_check.h - the fragmentation-point check every format test with a
 * fragmentation-point test makes: a whole sample is accepted at its exact
 * length; the same sample cut at a sector boundary with other bytes
 * inserted (random, zeros, another file) is truncated with a
 * CARVE_NOTE_FRAGMENT at or after the cut and within the format's bound;
 * and the two pieces read in order as two extents (a correct
 * reassembly) are accepted whole again, with and without the thorough
 * checks.
 */
#ifndef DREDGE_TESTS_FRAG_CHECK_H
#define DREDGE_TESTS_FRAG_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"
#include "fmt_util.h"
#include "formats/run.h"

/* What fills the gap between the head and the rest of the file. */
enum fc_gap { FC_RANDOM, FC_ZEROS, FC_OTHER };

/* Validates extents ext[0..next) of the memory image img with fmt. */
__attribute__((unused))
static void fc_run(const struct format *fmt, const uint8_t *img, size_t len,
                   const struct extent *ext, unsigned next, bool thorough,
                   struct carve_result *res)
{
	int fd = memfd_create("frag-test", MFD_CLOEXEC);
	struct source src;

	if (fd < 0)
		tap_bail("memfd_create");
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, img + done, len - done);
		if (w <= 0)
			tap_bail("write");
		done += (size_t)w;
	}
	if (source_open_fd(&src, fd, "frag") != 0)
		tap_bail("source");
	struct run_req req = { .src = &src, .ext = ext, .next = next,
	                       .thorough = thorough };
	if (run_validate(fmt, &req, res, NULL) != 0)
		tap_bail("run_validate");
	source_close(&src);
	close(fd);
}

/*
 * Lays f out as f[0, cut) | gap | f[cut, len) | 4 KiB of random bytes and
 * checks the three verdicts above.  gap (glen bytes) is the caller's;
 * bound is how far after the cut the format promises to notice.
 */
__attribute__((unused))
static void fc_check(const struct format *fmt, const char *name,
                     const uint8_t *f, size_t len, size_t cut,
                     const uint8_t *gap, size_t glen, uint64_t bound)
{
	size_t trail = 4096, total = len + glen + trail;
	uint8_t *img = malloc(total);
	struct carve_result res;

	if (img == NULL)
		tap_bail("out of memory");
	memcpy(img, f, cut);
	memcpy(img + cut, gap, glen);
	memcpy(img + cut + glen, f + cut, len - cut);
	tu_random(img + len + glen, trail, 99);

	/* whole, alone: today's exact length */
	struct extent whole = { 0, len };
	fc_run(fmt, f, len, &whole, 1, false, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len,
	   "%s: whole sample accepted at %zu", name, len);

	/* head, gap, rest as one run: the point at or after the cut */
	struct extent one = { 0, total };
	fc_run(fmt, img, total, &one, 1, false, &res);
	if (!ok(res.verdict == CARVE_TRUNCATED &&
	        res.note == CARVE_NOTE_FRAGMENT && res.note_off >= cut &&
	        res.note_off <= cut + bound && res.length <= res.note_off,
	        "%s: cut at %zu, %zu bytes inserted: fragment point in "
	        "[%zu, +%llu]", name, cut, glen, cut,
	        (unsigned long long)bound))
		printf("#   verdict %d note %d at %llu, length %llu (%s)\n",
		       (int)res.verdict, (int)res.note,
		       (unsigned long long)res.note_off,
		       (unsigned long long)res.length,
		       res.reason ? res.reason : "-");

	/* the two pieces in order: whole again, thorough or not */
	struct extent two[2] = { { 0, cut }, { cut + glen, len - cut } };
	for (int t = 0; t < 2; t++) {
		fc_run(fmt, img, total, two, 2, t == 1, &res);
		if (!ok(res.verdict == CARVE_ACCEPT && res.length == len,
		        "%s: reassembled from two extents accepted%s", name,
		        t ? " (thorough)" : ""))
			printf("#   verdict %d length %llu (%s)\n",
			       (int)res.verdict,
			       (unsigned long long)res.length,
			       res.reason ? res.reason : "-");
	}
	free(img);
}

/* Fills a gap of glen bytes as kind says; other (olen bytes) is another
 * file of the format for FC_OTHER. */
__attribute__((unused))
static uint8_t *fc_gap(enum fc_gap kind, size_t glen, const uint8_t *other,
                       size_t olen, uint64_t seed)
{
	uint8_t *g = malloc(glen);

	if (g == NULL)
		tap_bail("out of memory");
	if (kind == FC_ZEROS) {
		memset(g, 0, glen);
	} else {
		tu_random(g, glen, seed);
		if (kind == FC_OTHER)
			memcpy(g, other, olen < glen ? olen : glen);
	}
	return g;
}

/* The name of a gap kind, for test names. */
__attribute__((unused))
static const char *fc_gap_name(enum fc_gap kind)
{
	return kind == FC_RANDOM ? "random" : kind == FC_ZEROS ? "zeros" :
	       "another file";
}

#endif

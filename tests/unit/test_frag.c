/*
 * test_frag.c - the fragment search (src/reassemble/frag.c) on images made
 * of a toy format whose validator behaves like a chunked one with CRCs
 * (PNG): a file is chunks of 2 KiB (four 512-byte blocks) carrying the
 * file's id, the chunk's index and a CRC-32 of the rest; a chunk that does
 * not check gives a fragmentation point at its start, whose boundary may
 * be anywhere in the chunk.  Bifragmented and many-fragment files, a tail
 * in blocks the caller says are taken, a whole file and another file's
 * head in the gap, a file whose rest is gone, and the budgets.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"
#include "fmt_util.h"
#include "common/crc32.h"
#include "formats/run.h"
#include "reassemble/frag.h"

#define CHUNK 2048u
#define BS 512u
#define IMG (4u << 20)

/* Whether the toy validator checks only chunk headers, not the CRC: a
 * validator that cannot see where in a chunk's payload a boundary is. */
static bool toy_weak;
/* When set, a chunk that does not check gives its point at the next
 * chunk's start and says these 4 bytes must lie there (as a ZIP member
 * shown wrong only at its end says where the next header is). */
static const char *toy_expect;

/* chunk: "TOYF" (the first) or "TOYC", id, index, last flag, payload,
 * CRC-32 of bytes 0..2043 */
static void toy_validate(struct bread *br, struct carve_result *res)
{
	uint32_t id = 0;

	for (uint32_t k = 0; k < 4096; k++) {
		uint64_t off = (uint64_t)k * CHUNK;
		const uint8_t *p = bread_peek(br, off, CHUNK);
		if (p == NULL) {
			if (k == 0)
				carve_reject(res, "short");
			else
				carve_truncated(res, off, "ran out");
			return;
		}
		if (k == 0 && memcmp(p, "TOYF", 4) != 0) {
			carve_reject(res, "no magic");
			return;
		}
		if (k == 0)
			id = mem_le32(p + 4);
		if (memcmp(p, k ? "TOYC" : "TOYF", 4) != 0 ||
		    mem_le32(p + 4) != id ||
		    mem_le32(p + 8) != k ||
		    (!toy_weak &&
		     crc32_update(0, p, CHUNK - 4) != mem_le32(p + CHUNK - 4))) {
			carve_truncated(res, off, "bad chunk");
			carve_note(res, CARVE_NOTE_FRAGMENT, off + CHUNK - 1);
			if (toy_expect != NULL) {
				carve_note(res, CARVE_NOTE_FRAGMENT, off + CHUNK);
				memcpy(res->expect, toy_expect, 4);
				res->expect_len = 4;
			}
			return;
		}
		if (p[12] == 1) {
			carve_accept(res, off + CHUNK);
			return;
		}
	}
	carve_reject(res, "too long");
}

static const struct format_sig toy_sigs[] = { FORMAT_SIG("TOYF", 0) };
static const struct format toy = {
	.name = "toy", .ext = "toy", .description = "toy chunks",
	FORMAT_SIGS(toy_sigs), .align = 1, .min_size = CHUNK,
	.max_size = 64u << 20, .validate = toy_validate,
};

static uint8_t *img;
static int fd;

/* A toy file: id, nchunks chunks. */
static uint8_t *toy_file(uint32_t id, unsigned n, size_t *len)
{
	uint8_t *d = malloc((size_t)n * CHUNK);
	for (unsigned k = 0; k < n; k++) {
		uint8_t *p = d + (size_t)k * CHUNK;
		tu_random(p, CHUNK, id * 1000u + k);
		memcpy(p, k ? "TOYC" : "TOYF", 4);
		mem_put_le32(p + 4, id);
		mem_put_le32(p + 8, k);
		p[12] = k + 1 == n;
		mem_put_le32(p + CHUNK - 4, crc32_update(0, p, CHUNK - 4));
	}
	*len = (size_t)n * CHUNK;
	return d;
}

/* Lays d's pieces: from[i] bytes (cuts in file order) at at[i]. */
static void lay(const uint8_t *d, size_t len, const size_t *cut,
                const uint64_t *at, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		size_t from = i ? cut[i - 1] : 0, to = i + 1 < n ? cut[i] : len;
		memcpy(img + at[i], d + from, to - from);
	}
}

struct claims {
	uint64_t lo, hi;
};

static bool taken(void *arg, uint64_t off, uint64_t len)
{
	const struct claims *c = arg;
	return off < c->hi && c->lo < off + len;
}

/* Searches the file at off; rc as frag_reassemble. */
static int search(uint64_t off, const struct claims *cl, uint64_t *budget,
                  struct frag_result *fr)
{
	static uint8_t win[256 * 1024];
	const struct format *fl[] = { &toy };
	struct source src;
	struct carve_result first;
	int err;

	if (ftruncate(fd, 0) != 0 || pwrite(fd, img, IMG, 0) != (ssize_t)IMG ||
	    source_open_fd(&src, fd, "frag") != 0)
		tap_bail("image");
	struct extent one = { off, IMG - off };
	struct run_req req = { .src = &src, .ext = &one, .next = 1 };
	run_validate(&toy, &req, &first, &err);
	if (first.note != CARVE_NOTE_FRAGMENT)
		tap_bail("the head is not cut at a fragmentation point");
	struct frag_req rq = {
		.fmt = &toy, .src = &src, .src_end = IMG,
		.grid = { 0, BS }, .off = off, .length = first.length,
		.note_off = first.note_off,
		.taken = cl ? taken : NULL, .taken_arg = (void *)cl,
		.formats = fl, .nformats = 1,
		.win = win, .win_cap = sizeof(win), .budget = budget,
	};
	int rc = frag_reassemble(&rq, fr);
	source_close(&src);
	return rc;
}

/* The runs of fr are exactly at[i] with the lengths the cuts give. */
static int runs_are(const struct frag_result *fr, size_t len,
                    const size_t *cut, const uint64_t *at, unsigned n)
{
	if (fr->next != n)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		size_t from = i ? cut[i - 1] : 0, to = i + 1 < n ? cut[i] : len;
		if (fr->ext[i].img_off != at[i] || fr->ext[i].len != to - from)
			return 0;
	}
	return 1;
}

int main(void)
{
	struct frag_result fr;
	uint64_t budget;
	size_t len;

	fd = memfd_create("frag", 0);
	img = malloc(IMG);
	if (fd < 0 || img == NULL)
		tap_bail("setup");

	/* Two fragments, the boundary in the middle of a chunk. */
	uint8_t *a = toy_file(7, 20, &len);
	tu_random(img, IMG, 1);
	{
		size_t cut[] = { 5 * CHUNK + 3 * BS };
		uint64_t at[] = { 65536, 65536 + cut[0] + 9 * BS };
		lay(a, len, cut, at, 2);
		budget = UINT64_MAX;
		is_u64((uint64_t)search(65536, NULL, &budget, &fr), 1,
		       "bifragmented: reassembled");
		ok(runs_are(&fr, len, cut, at, 2), "... with its two runs");
		is_u64(fr.res.length, len, "... and its whole length");
		is_u64(UINT64_MAX - budget, fr.spent,
		       "... its cost taken from the scan's budget");
		free(fr.ext);

		/* The tail's first block taken by another file: never
		 * offered, so the file stays cut. */
		struct claims cl = { at[1], at[1] + BS };
		budget = UINT64_MAX;
		is_u64((uint64_t)search(65536, &cl, &budget, &fr), 0,
		       "a tail in taken blocks is not used");
		ok(fr.validations > 0 &&
		   fr.validations <= FRAG_MAX_VALIDATIONS,
		   "... after a bounded search (%u runs)", fr.validations);

		/* A validator that does not check the bytes around the
		 * boundary accepts several maps with other bytes: the file
		 * is left cut, not guessed. */
		toy_weak = true;
		budget = UINT64_MAX;
		is_u64((uint64_t)search(65536, NULL, &budget, &fr), 0,
		       "a validator that cannot tell the maps apart: not reassembled");
		toy_weak = false;

		/* The verdict says what lies at its point: only the gap
		 * that puts it there is tried, at every boundary. */
		budget = UINT64_MAX;
		search(65536, NULL, &budget, &fr);
		unsigned plain = fr.validations;
		free(fr.ext);
		toy_expect = "TOYC";
		budget = UINT64_MAX;
		is_u64((uint64_t)search(65536, NULL, &budget, &fr), 1,
		       "a point that says what lies there: reassembled");
		ok(runs_are(&fr, len, cut, at, 2), "... with its two runs");
		ok(fr.validations * 3 < plain,
		   "... in %u validator runs (%u without)", fr.validations,
		   plain);
		free(fr.ext);
		toy_expect = "XXXX";
		budget = UINT64_MAX;
		is_u64((uint64_t)search(65536, NULL, &budget, &fr), 0,
		       "what it says lies nowhere: not reassembled");
		is_u64(fr.validations, 1, "... without a run past the first");
		toy_expect = NULL;

		/* No budget left: nothing is tried. */
		budget = 0;
		is_u64((uint64_t)search(65536, NULL, &budget, &fr), 0,
		       "no budget: not reassembled");
		is_u64(fr.validations, 0, "... and no validator run");
	}

	/* Five fragments: gaps of random data, zeros, a whole toy file and
	 * the head of another fragmented one. */
	tu_random(img, IMG, 2);
	{
		size_t blen, clen;
		uint8_t *b = toy_file(8, 4, &blen);
		uint8_t *c = toy_file(9, 12, &clen);
		size_t cut[] = { 3 * CHUNK + BS, 7 * CHUNK, 9 * CHUNK + 2 * BS,
		                 15 * CHUNK + 3 * BS };
		uint64_t at[5];
		at[0] = 1u << 20;
		at[1] = at[0] + cut[0] + 3 * BS;                /* random */
		at[2] = at[1] + (cut[1] - cut[0]) + 16 * BS;    /* zeros */
		memset(img + at[2] - 16 * BS, 0, 16 * BS);
		at[3] = at[2] + (cut[2] - cut[1]) + blen + BS;  /* whole file */
		memcpy(img + at[3] - blen - BS, b, blen);
		at[4] = at[3] + (cut[3] - cut[2]) + 6 * CHUNK;  /* c's head */
		memcpy(img + at[4] - 6 * CHUNK, c, 6 * CHUNK);
		lay(a, len, cut, at, 5);
		budget = UINT64_MAX;
		is_u64((uint64_t)search(at[0], NULL, &budget, &fr), 1,
		       "five fragments: reassembled");
		ok(runs_are(&fr, len, cut, at, 5), "... with its five runs in order");
		free(fr.ext);
		free(b);
		free(c);
	}

	/* The rest overwritten: no map ends the file; the search stops at
	 * its bounds and says so. */
	tu_random(img, IMG, 3);
	{
		memcpy(img + 8192, a, 4 * CHUNK + BS);
		budget = UINT64_MAX;
		is_u64((uint64_t)search(8192, NULL, &budget, &fr), 0,
		       "rest overwritten: not reassembled");
		is_u64(fr.validations, 1 + FRAG_STEP_VALIDATIONS,
		       "... after the most validator runs a step may have");
		budget = 100000;
		search(8192, NULL, &budget, &fr);
		ok(budget == 0 && fr.spent < 100000 + 2 * 64 * CHUNK,
		   "... or the scan's budget, whichever ends first");
	}

	free(a);
	free(img);
	close(fd);
	return tap_done();
}

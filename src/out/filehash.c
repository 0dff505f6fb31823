/*
 * filehash.c - hashing a file the writer will take (see filehash.h).
 *
 * The part of the file that lies in the chunk it was found in is hashed
 * in place.  The rest, on an image file, is hashed through a mapping of
 * it, a window at a time, each window's pages made resident first
 * (MADV_POPULATE_READ) so that an unreadable page fails there instead of
 * raising SIGBUS; a window that fails, and any source that cannot be
 * mapped, is read through the source in pieces of a buffer the hasher
 * keeps, the way the writer's copy reads it (unreadable sectors as zeros).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io/source_map.h"
#include "out/filehash.h"

#define FILEHASH_BUF (1u << 20)
/* A mapped window; a file's rest shorter than FILEHASH_MAP_MIN is read
 * instead (a view costs a few system calls, a short read is cheaper). */
#define FILEHASH_MAP (4u << 20)
#define FILEHASH_MAP_MIN (64u << 10)

struct filehash {
	XXH3_state_t *st;
	struct digest *dg;
	uint8_t *buf;
	/* the caller's bad-sector callback, and the count of zeroed bytes */
	source_bad_fn bad;
	void *bad_arg;
	uint64_t zeroed;
};

int filehash_create(struct filehash **fhp, unsigned mask)
{
	struct filehash *fh = calloc(1, sizeof(*fh));

	*fhp = NULL;
	if (fh == NULL)
		return -ENOMEM;
	fh->st = XXH3_createState();
	fh->buf = malloc(FILEHASH_BUF);
	if (fh->st == NULL || fh->buf == NULL ||
	    digest_create(&fh->dg, mask) != 0) {
		filehash_free(fh);
		return -ENOMEM;
	}
	*fhp = fh;
	return 0;
}

void filehash_free(struct filehash *fh)
{
	if (fh == NULL)
		return;
	if (fh->st != NULL)
		XXH3_freeState(fh->st);
	digest_free(fh->dg);
	free(fh->buf);
	free(fh);
}

static void filehash_bad(void *arg, uint64_t off, uint64_t len, int err)
{
	struct filehash *fh = arg;

	fh->zeroed += len;
	if (fh->bad != NULL)
		fh->bad(fh->bad_arg, off, len, err);
}

static void filehash_update(struct filehash *fh, const uint8_t *p, size_t n)
{
	XXH3_128bits_update(fh->st, p, n);
	digest_update(fh->dg, p, n);
}

/* Hashes [at, at + n) of src through a view of it; 0, or -1 when it
 * cannot be viewed or a page cannot be read (nothing hashed). */
static int filehash_mapped(struct filehash *fh, const struct source *src,
                           uint64_t at, size_t n)
{
	struct source_map m;

	if (source_map(src, at, n, &m) != 0)
		return -1;
	filehash_update(fh, m.p, n);
	source_unmap(&m);
	return 0;
}

/* Hashes [off, off + len) of src on into fh's state. */
static int hash_range(struct filehash *fh, const struct source *src,
                      uint64_t off, uint64_t len, const uint8_t *mem,
                      uint64_t mem_off, size_t mem_len, int mappable)
{
	uint64_t pos = 0;

	while (pos < len) {
		uint64_t at = off + pos;
		size_t n;
		if (mem != NULL && at >= mem_off && at - mem_off < mem_len) {
			size_t in = (size_t)(at - mem_off);
			n = mem_len - in;
			if (n > len - pos)
				n = (size_t)(len - pos);
			filehash_update(fh, mem + in, n);
		} else if (mappable && len - pos >= FILEHASH_MAP_MIN &&
		           filehash_mapped(fh, src, at, n = len - pos <
		                           FILEHASH_MAP ? (size_t)(len - pos)
		                           : FILEHASH_MAP) == 0) {
			/* n bytes hashed in place */
		} else {
			n = len - pos < FILEHASH_BUF ? (size_t)(len - pos)
			    : FILEHASH_BUF;
			int rc = source_read(src, fh->buf, at, n, 0,
			                     filehash_bad, fh);
			if (rc != 0)
				return rc;
			filehash_update(fh, fh->buf, n);
		}
		pos += n;
	}
	return 0;
}

int filehash_runs(struct filehash *fh, const struct source *src,
                  const struct extent *runs, unsigned nruns,
                  const uint8_t *mem, uint64_t mem_off, size_t mem_len,
                  source_bad_fn bad, void *bad_arg, struct file_hash **out)
{
	struct file_hash *h = malloc(sizeof(*h));
	int mappable = source_mappable(src);
	uint64_t len = 0;

	*out = NULL;
	if (h == NULL)
		return -ENOMEM;
	fh->bad = bad;
	fh->bad_arg = bad_arg;
	fh->zeroed = 0;
	XXH3_128bits_reset(fh->st);
	digest_reset(fh->dg);
	for (unsigned i = 0; i < nruns; i++) {
		int rc = hash_range(fh, src, runs[i].img_off, runs[i].len, mem,
		                    mem_off, mem_len, mappable);
		if (rc != 0) {
			free(h);
			return rc;
		}
		len += runs[i].len;
	}
	h->len = len;
	h->zeroed = fh->zeroed;
	h->xxh = XXH3_128bits_digest(fh->st);
	if (digest_final(fh->dg, &h->digests) != 0) {
		free(h);
		return -EIO;
	}
	*out = h;
	return 0;
}

int filehash_run(struct filehash *fh, const struct source *src, uint64_t off,
                 uint64_t len, const uint8_t *mem, uint64_t mem_off,
                 size_t mem_len, source_bad_fn bad, void *bad_arg,
                 struct file_hash **out)
{
	struct extent one = { .img_off = off, .len = len };

	return filehash_runs(fh, src, &one, 1, mem, mem_off, mem_len, bad,
	                     bad_arg, out);
}

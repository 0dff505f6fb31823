/*
 * filehash.h - a recovered file's hashes, computed before the writer
 * takes it.
 *
 * The writer copies files one at a time, in order; hashing them there
 * (XXH3-128 for de-duplication, and the --hash digests) made hashing as
 * slow as one core.  The validators hash each file they keep right after
 * the verdict instead, in parallel, reading the chunk it was found in from
 * memory; the writer then looks the content up, and copies only what is
 * new (out/output.c), with no read of its own where the kernel can copy.
 * The bytes hashed are read as the writer's copy reads them (source_read:
 * unreadable sectors are zeros, counted), so the hashes are the ones the
 * writer would have computed.
 */
#ifndef DREDGE_OUT_FILEHASH_H
#define DREDGE_OUT_FILEHASH_H

#include <stddef.h>
#include <stdint.h>
#include <xxhash.h>

#include "common/bread.h"
#include "io/source.h"
#include "out/digest.h"

/* The hashes of bytes [off, off + len) of the source. */
struct file_hash {
	uint64_t len;                /* bytes hashed from the candidate's start */
	uint64_t zeroed;             /* unreadable bytes among them */
	XXH128_hash_t xxh;
	struct digest_hex digests;   /* the --hash digests ("" when not) */
};

struct filehash;

/* A hasher for the digests in mask (DREDGE_HASH_* bits); 0 or -errno. */
int filehash_create(struct filehash **fh, unsigned mask);

/* Frees fh; accepts NULL. */
void filehash_free(struct filehash *fh);

/*
 * Hashes [off, off + len) of src into *out (allocated; the caller frees
 * it), reading what lies in [mem_off, mem_off + mem_len) from mem (may be
 * NULL).  Unreadable sectors read as zeros and go to bad (may be NULL).
 * 0, or -errno (the source is gone, out of memory): *out is then NULL.
 */
int filehash_run(struct filehash *fh, const struct source *src, uint64_t off,
                 uint64_t len, const uint8_t *mem, uint64_t mem_off,
                 size_t mem_len, source_bad_fn bad, void *bad_arg,
                 struct file_hash **out);

/* As filehash_run, for the bytes of runs[0..nruns) one after another (a
 * file reassembled from pieces); len is their sum. */
int filehash_runs(struct filehash *fh, const struct source *src,
                  const struct extent *runs, unsigned nruns,
                  const uint8_t *mem, uint64_t mem_off, size_t mem_len,
                  source_bad_fn bad, void *bad_arg, struct file_hash **out);

#endif

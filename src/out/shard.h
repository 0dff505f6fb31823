/*
 * shard.h - the record a shard leaves when it completes (--shard K/N).
 *
 * A shard is a whole scan of the starts in one of N equal ranges of the
 * source; its output folder holds its files and reports like any scan,
 * and this record says which shard it was, of what scan (the same facts
 * a checkpoint identifies a scan by), and where it handed over to the
 * shards after it (output.c: "How a shard ends").  dredge merge (merge.h)
 * reads it; its presence says the shard completed.
 */
#ifndef DREDGE_OUT_SHARD_H
#define DREDGE_OUT_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "out/checkpoint.h"

#define SHARD_NAME ".dredge-shard"

struct shard_rec {
	unsigned index, count;       /* K of N, from 1 */
	uint64_t lo, hi;             /* the starts it owns */
	uint64_t handover;           /* its entries end there */
	uint64_t read_end;           /* how far it read the source */
	uint64_t bytes_scanned;      /* as its report says */
	/* what the scan was (source, formats, options): the identifying
	 * fields of a checkpoint, shard_index and shard_count included */
	struct checkpoint desc;
};

/*
 * The shard edges of a scan over [start, end) whose starts lie on a grid
 * of `unit` bytes from `base`: edges[0] = start, edges[n] = end, and
 * edges[k] the grid point closest below start + k(end-start)/n.
 */
void shard_edges(uint64_t start, uint64_t end, uint64_t base, uint64_t unit,
                 unsigned n, uint64_t *edges);

/* Saves r in dirfd atomically; 0 or -errno. */
int shard_save(int dirfd, const struct shard_rec *r);

/* Loads the record in dirfd: 0, -ENOENT when there is none, -EINVAL when
 * it is damaged (the reason in r->desc.error). */
int shard_load(int dirfd, struct shard_rec *r);

/* Removes a record (a scan with --force into an old shard's folder). */
void shard_remove(int dirfd);

#endif

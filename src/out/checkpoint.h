/*
 * checkpoint.h - where a scan stands, saved so that an interrupted run can
 * resume and end with exactly the output an uninterrupted run gives.
 *
 * The writer commits batches in source order, so "everything before
 * resume_offset is done" is a complete description of progress, together
 * with the writer's own state (ids, counts, the end of the last accepted
 * file) and the lengths of the two reports at that moment.  The file is
 * replaced atomically (temporary file, fsync, rename).
 */
#ifndef DREDGE_OUT_CHECKPOINT_H
#define DREDGE_OUT_CHECKPOINT_H

#include <stdint.h>

#include "dredge.h"

#define CHECKPOINT_NAME ".dredge-checkpoint"
#define CHECKPOINT_MAX_TYPES DREDGE_MAX_EXTS

struct checkpoint {
	/* what the scan was: a resume must match all of it */
	uint64_t source_size;
	uint64_t source_sample;      /* XXH3-64 of the source's first MiB */
	char formats[512];           /* selected formats, comma-separated */
	uint32_t block_size;
	int any_offset;
	int keep_embedded;
	int report_only;
	unsigned hashes;             /* --hash: DREDGE_HASH_* bits */
	int fs;                      /* --fs, --unallocated, --clusters as asked */
	int unallocated;
	uint32_t cluster_first, cluster_last;
	uint64_t volume;             /* the volume carved (source byte), or
	                                UINT64_MAX: the whole source */
	unsigned shard_index, shard_count;   /* --shard K/N, or 0 0 */
	/* where it stands */
	uint64_t resume_offset;
	uint64_t cover_hi;
	uint64_t trunc_end;          /* the last truncated file's end, format */
	unsigned trunc_fmt;
	uint64_t frag_spent;         /* what reassembly spent (output.h) */
	/* the writer's counts (all but reassembled, which a resume learns
	 * again from the report) */
	struct dredge_counts count;
	uint64_t xml_len, jsonl_len;
	/* unreadable ranges before resume_offset (a failing drive may have
	 * many: the list grows as needed) */
	size_t nbad, capbad;
	struct checkpoint_range {
		uint64_t off, len;
	} *bad;
	/* not saved: the range this scan reads, for checking a loaded
	 * checkpoint's offsets (describe the scan with them) */
	uint64_t scan_lo, scan_hi;
	/* not saved: why checkpoint_load found the file damaged */
	char error[160];
};

/* Appends an unreadable range to ck; 0 or -ENOMEM. */
int checkpoint_add_bad(struct checkpoint *ck, uint64_t off, uint64_t len);

/* Frees what ck holds (not ck itself); accepts a zeroed checkpoint. */
void checkpoint_clear(struct checkpoint *ck);

/* Saves ck in dirfd atomically; 0 or -errno. */
int checkpoint_save(int dirfd, const struct checkpoint *ck);

/* Loads the checkpoint in dirfd; -ENOENT when there is none, -EINVAL when
 * it is damaged (a line, a field or a value that dredge does not write, a
 * field missing), with the field named in ck->error. */
int checkpoint_load(int dirfd, struct checkpoint *ck);

/* Removes the checkpoint (a scan that completed needs none). */
void checkpoint_remove(int dirfd);

/*
 * Compares the scan described by want with the one saved in have; returns
 * 0, or -EINVAL with a sentence saying what differs in why.
 */
int checkpoint_compare(const struct checkpoint *have,
                       const struct checkpoint *want, char *why, size_t len);

/* The same, naming the scans: have_name and want_name ("shard 1"). */
int checkpoint_compare_as(const struct checkpoint *have,
                          const struct checkpoint *want, const char *have_name,
                          const char *want_name, char *why, size_t len);

/*
 * Everything a resume trusts, checked: the scan matches (as
 * checkpoint_compare), every offset in have lies within the source and
 * the range want->scan_lo..scan_hi, and the reports in dirfd hold, in
 * their first xml_len and jsonl_len bytes, exactly the entries, ids and
 * counts that have claims.  Returns 0, or -EINVAL with a sentence naming
 * the field in why.
 */
int checkpoint_check(int dirfd, const struct checkpoint *have,
                     const struct checkpoint *want, char *why, size_t len);

#endif

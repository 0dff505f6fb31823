/*
 * resume.c - taking up an interrupted scan (see resume.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "out/regular.h"
#include "out/report_read.h"
#include "out/resume.h"

/* The source's first bytes that identify it (checkpoint.source_sample),
 * hashed a piece at a time. */
#define RESUME_SAMPLE ((size_t)1 << 20)
#define RESUME_PIECE ((size_t)64 << 10)

void resume_describe(struct checkpoint *ck, const struct dredge_scan_config *cfg,
                     const struct source *src,
                     const struct format *const *formats, unsigned nformats,
                     const struct fsview *fsv)
{
	size_t n = 0, want = src->size < RESUME_SAMPLE ? (size_t)src->size
	                     : RESUME_SAMPLE;
	uint8_t *buf = malloc(RESUME_PIECE);
	XXH3_state_t *st = XXH3_createState();

	ck->source_size = src->size;
	if (buf != NULL && st != NULL && XXH3_64bits_reset(st) == XXH_OK) {
		/* A piece at a time: the hash is the whole sample's (XXH3
		 * streams), and only a piece's memory is faulted in, which
		 * costs more than the reading on some virtual machines.
		 * Unreadable sectors read as zeros here too, so that a resume
		 * on the same failing drive recognises it. */
		for (size_t at = 0; at < want; at += RESUME_PIECE) {
			size_t k = want - at < RESUME_PIECE ? want - at
			           : RESUME_PIECE;
			source_read(src, buf, at, k, 0, NULL, NULL);
			XXH3_64bits_update(st, buf, k);
		}
		ck->source_sample = XXH3_64bits_digest(st);
	}
	XXH3_freeState(st);
	free(buf);
	for (unsigned i = 0; i < nformats; i++)
		n += (size_t)snprintf(ck->formats + n, sizeof(ck->formats) - n,
		                      "%s%s", i ? "," : "", formats[i]->name);
	ck->block_size = cfg->block_size;
	ck->any_offset = cfg->any_offset;
	ck->keep_embedded = cfg->keep_embedded;
	ck->report_only = cfg->report_only;
	ck->hashes = cfg->hashes;
	ck->fs = cfg->fs;
	ck->unallocated = cfg->unallocated;
	ck->cluster_first = cfg->cluster_first;
	ck->cluster_last = cfg->cluster_last;
	ck->volume = fsv ? fsv->vol_offset : UINT64_MAX;
}

int resume_load(int dirfd, const char *outdir, const struct checkpoint *want,
                struct checkpoint *have, char *err, size_t errlen)
{
	char why[256];
	int rc = checkpoint_load(dirfd, have);

	if (rc == -ENOENT) {
		snprintf(err, errlen, "there is no interrupted scan to resume "
		         "in '%s'", outdir);
	} else if (rc != 0) {
		snprintf(err, errlen, "the checkpoint in '%s' is damaged (%s); "
		         "start a new scan in another folder", outdir,
		         have->error);
	} else if ((rc = checkpoint_check(dirfd, have, want, why,
	                                  sizeof(why))) != 0) {
		snprintf(err, errlen, "cannot resume the scan in '%s': %s",
		         outdir, why);
	}
	return rc;
}

/* Parses the 32 hex digits of a canonical XXH3-128 into *h. */
static void resume_parse_hash(const char *hex, XXH128_hash_t *h)
{
	XXH128_canonical_t c;

	for (int i = 0; i < 16; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		c.digest[i] = (unsigned char)v;
	}
	*h = XXH128_hashFromCanonical(&c);
}

int resume_relearn(int dirfd, uint64_t len, struct dedup *seen,
                   resume_fragment_fn fragment, void *arg,
                   uint64_t *reassembled)
{
	int fd = openat_regular(dirfd, "report.jsonl", NULL);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	char *line = NULL;
	size_t cap = 0;
	uint64_t pos = 0;

	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	ssize_t n;
	while (pos < len && (n = getline(&line, &cap, f)) > 0) {
		pos += (uint64_t)n;
		struct report_rec rec;
		if (report_parse_line(line, &rec) == 0) {
			/* A live file's fragments hide nothing, and it was
			 * not reassembled (output.c). */
			for (unsigned i = 1; rec.complete && !rec.live &&
			     i < rec.nruns; i++)
				fragment(arg, rec.runs[i]);
			*reassembled += rec.nruns > 1 && !rec.live &&
			                rec.duplicate_of == 0;
			report_rec_free(&rec);
		}
		uint64_t id;
		char hex[33];
		const char *h = strstr(line, "\"xxh3_128\":\"");
		if (sscanf(line, "{\"id\":%" SCNu64, &id) != 1 || h == NULL ||
		    strstr(line, "\"duplicate_of\":null") == NULL ||
		    sscanf(h + 12, "%32[0-9a-f]", hex) != 1 || strlen(hex) != 32)
			continue;
		XXH128_hash_t hash;
		resume_parse_hash(hex, &hash);
		dedup_check(seen, hash, id);
	}
	free(line);
	fclose(f);
	return 0;
}

/*
 * shard.c - a shard's record (see shard.h), as "key value" lines like the
 * checkpoint's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out/regular.h"
#include "out/shard.h"

#define SHARD_TMP ".dredge-shard.tmp"
#define SHARD_MAGIC "dredge-shard 1"

void shard_edges(uint64_t start, uint64_t end, uint64_t base, uint64_t unit,
                 unsigned n, uint64_t *edges)
{
	edges[0] = start;
	for (unsigned k = 1; k < n; k++) {
		/* (end - start) * k / n without overflow */
		uint64_t span = end - start;
		uint64_t at = start + span / n * k + span % n * k / n;
		if (unit > 1 && at > base)
			at = base + (at - base) / unit * unit;
		if (at < edges[k - 1])
			at = edges[k - 1];
		edges[k] = at;
	}
	edges[n] = end;
	for (unsigned k = 1; k < n; k++)
		if (edges[k] > end)
			edges[k] = end;
}

int shard_save(int dirfd, const struct shard_rec *r)
{
	const struct checkpoint *d = &r->desc;
	int fd = openat(dirfd, SHARD_TMP, O_WRONLY | O_CREAT | O_TRUNC |
	                O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(fd, "w");
	if (f == NULL) {
		int e = errno;
		close(fd);
		return -e;
	}
	fprintf(f, SHARD_MAGIC "\nshard %u %u\nrange %" PRIu64 " %" PRIu64
	        "\nhandover %" PRIu64 "\nread_end %" PRIu64
	        "\nbytes_scanned %" PRIu64 "\n"
	        "source_size %" PRIu64 "\nsource_sample %016" PRIx64 "\n"
	        "formats %s\nblock_size %" PRIu32 "\nany_offset %d\n"
	        "keep_embedded %d\nreport_only %d\nfs %d\nunallocated %d\n"
	        "clusters %" PRIu32 " %" PRIu32 "\nvolume %" PRIu64 "\nend\n",
	        r->index, r->count, r->lo, r->hi, r->handover, r->read_end,
	        r->bytes_scanned, d->source_size, d->source_sample,
	        d->formats, d->block_size, d->any_offset, d->keep_embedded,
	        d->report_only, d->fs, d->unallocated, d->cluster_first,
	        d->cluster_last, d->volume);
	int rc = 0;
	if (fflush(f) != 0 || ferror(f) || fsync(fd) != 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && renameat(dirfd, SHARD_TMP, dirfd, SHARD_NAME) != 0)
		rc = -errno;
	if (rc != 0)
		unlinkat(dirfd, SHARD_TMP, 0);
	return rc;
}

/* Fields, each required once. */
enum { S_SHARD, S_RANGE, S_HAND, S_READ, S_BYTES, S_SIZE, S_SAMPLE,
       S_FORMATS, S_BLOCK, S_ANY, S_KEEP, S_RONLY, S_FS, S_UNALLOC,
       S_CLUSTERS, S_VOLUME, S_N };
static const char *const shard_field[S_N] = {
	"shard", "range", "handover", "read_end", "bytes_scanned",
	"source_size", "source_sample", "formats", "block_size", "any_offset",
	"keep_embedded", "report_only", "fs", "unallocated", "clusters",
	"volume",
};

/* One "key value" line into r; 0 or -1. */
static int shard_line(struct shard_rec *r, const char *key, const char *val,
                      unsigned *seen)
{
	struct checkpoint *d = &r->desc;
	unsigned long long a = 0, b = 0;
	char rest;
	int f;

	for (f = 0; f < S_N && strcmp(key, shard_field[f]) != 0; f++)
		;
	if (f == S_N || (*seen & (1u << f)))
		return -1;
	*seen |= 1u << f;
	if (f == S_FORMATS) {
		if (strlen(val) >= sizeof(d->formats))
			return -1;
		snprintf(d->formats, sizeof(d->formats), "%s", val);
		return 0;
	}
	int two = f == S_SHARD || f == S_RANGE || f == S_CLUSTERS;
	int n = two ? sscanf(val, "%llu %llu%c", &a, &b, &rest)
	        : sscanf(val, f == S_SAMPLE ? "%llx%c" : "%llu%c", &a, &rest);
	if (n != (two ? 2 : 1))
		return -1;
	switch (f) {
	case S_SHARD: r->index = (unsigned)a; r->count = (unsigned)b; break;
	case S_RANGE: r->lo = a; r->hi = b; break;
	case S_HAND: r->handover = a; break;
	case S_READ: r->read_end = a; break;
	case S_BYTES: r->bytes_scanned = a; break;
	case S_SIZE: d->source_size = a; break;
	case S_SAMPLE: d->source_sample = a; break;
	case S_BLOCK: d->block_size = (uint32_t)a; break;
	case S_ANY: d->any_offset = a != 0; break;
	case S_KEEP: d->keep_embedded = a != 0; break;
	case S_RONLY: d->report_only = a != 0; break;
	case S_FS: d->fs = a != 0; break;
	case S_UNALLOC: d->unallocated = a != 0; break;
	case S_CLUSTERS:
		d->cluster_first = (uint32_t)a;
		d->cluster_last = (uint32_t)b;
		break;
	case S_VOLUME: d->volume = a; break;
	default: break;
	}
	return 0;
}

int shard_load(int dirfd, struct shard_rec *r)
{
	char line[640];
	int fd = openat_regular(dirfd, SHARD_NAME, NULL);

	memset(r, 0, sizeof(*r));
	if (fd < 0) {
		int e = errno;
		snprintf(r->desc.error, sizeof(r->desc.error), "%s",
		         regular_error(e));
		return -e;
	}
	FILE *f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return -ENOMEM;
	}
	int magic = 0, ended = 0, failed = 0;
	unsigned seen = 0;
	while (!failed && fgets(line, sizeof(line), f) != NULL) {
		char key[32], val[600] = "";
		line[strcspn(line, "\n")] = '\0';
		if (!magic) {
			magic = strcmp(line, SHARD_MAGIC) == 0;
			failed = !magic;
			continue;
		}
		if (strcmp(line, "end") == 0) {
			ended = 1;
			break;
		}
		if (sscanf(line, "%31s %599[^\n]", key, val) < 1 ||
		    shard_line(r, key, val, &seen) != 0) {
			snprintf(r->desc.error, sizeof(r->desc.error),
			         "its line '%.60s' is not one dredge writes", line);
			failed = 1;
		}
	}
	fclose(f);
	if (!failed && (!magic || !ended || seen != (1u << S_N) - 1))
		snprintf(r->desc.error, sizeof(r->desc.error), "it is %s",
		         magic ? "incomplete" : "not a shard record");
	else if (!failed && (r->count == 0 || r->index == 0 ||
	                     r->index > r->count || r->lo > r->hi ||
	                     r->handover < r->hi))
		snprintf(r->desc.error, sizeof(r->desc.error), "its shard, "
		         "range or hand-over are not ones dredge writes");
	if (failed && r->desc.error[0] == '\0')
		snprintf(r->desc.error, sizeof(r->desc.error),
		         "it is not a shard record");
	if (r->desc.error[0] != '\0')
		return -EINVAL;
	r->desc.shard_index = r->index;
	r->desc.shard_count = r->count;
	return 0;
}

void shard_remove(int dirfd)
{
	unlinkat(dirfd, SHARD_NAME, 0);
}

/*
 * merge.c - dredge merge: the folders of N shards (scan --shard K/N) made
 * into exactly what one scan of the whole source writes.
 *
 * The rule (output.c, "How a shard ends"): each shard decides as one run
 * would from the point where the previous shard handed over to it, and
 * goes on past its own range until it can hand over in turn.  So the
 * merge walks the shards in order, taking from each the report entries
 * that start between the hand-over it got and the one it gave; a shard
 * that a long file covered wholly is passed over, and so are the entries
 * a shard kept at its start that one run drops (inside a file of the
 * shard before).  Everything else one run decides across shards is done
 * again here, in that order:
 *
 *  - ids: 1, 2, ... in the order taken;
 *  - de-duplication: by the XXH3-128 in each entry, the first location
 *    taken is written and later ones name it in duplicate_of; a shard
 *    knows only its own files, so its own duplicate marks are ignored;
 *  - files: names come from the start, as in one run; the content of an
 *    entry written comes from its shard's file with that content (its
 *    own, or the one the shard wrote for an earlier location), hard-linked
 *    (or moved) when on the same file system, else copied;
 *  - the reports: each entry's text as the shard wrote it, with the id and
 *    duplicate_of renumbered; the DFXML header is shard 1's with the
 *    merge's command line (its start_time is shard 1's), the closing part
 *    one run's: the unreadable ranges of all shards together, the bytes
 *    scanned, the counts, and the merge's end time.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "dredge.h"
#include "io/badlist.h"
#include "out/checkpoint.h"
#include "out/dedup.h"
#include "out/html.h"
#include "out/lock.h"
#include "out/regular.h"
#include "out/report.h"
#include "out/report_read.h"
#include "out/shard.h"

struct shard_in {
	const char *dir;
	int dirfd;
	struct shard_rec rec;
	char **names;                /* files it wrote, by its own ids */
	size_t nnames;
};

struct merge {
	const struct dredge_merge_config *cfg;
	struct dredge_merge_summary *sum;
	struct shard_in *in;         /* by index - 1 */
	unsigned n;
	int outfd;
	struct report *rep;
	struct dedup *seen;
	struct badlist bad, reread;
	uint64_t files_unreadable;
	int report_only;
	char *buf;                   /* for copying across file systems */
	char source[512];            /* the source's name, from the head */
	char volume[256];            /* the file system carved, as a scan says */
	uint32_t sector_size;
	char started[32];
	double t0;
};

__attribute__((format(printf, 2, 3)))
static int merge_err(struct merge *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->sum->error, sizeof(m->sum->error), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* --------------------------------------------------------- the shards */

/* Opens one shard folder and reads its record; 0 or -errno. */
static int shard_open(struct merge *m, const char *dir, struct shard_in *s)
{
	char why[200];
	int rc;

	s->dir = dir;
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		rc = -errno;
		merge_err(m, "cannot open shard folder '%s': %s", dir,
		          strerror(-rc));
		return rc;
	}
	if (faccessat(s->dirfd, CHECKPOINT_NAME, F_OK, 0) == 0)
		return merge_err(m, "'%s' is an unfinished shard: it was "
		                 "interrupted (finish it with the same dredge "
		                 "scan and --resume)", dir);
	rc = shard_load(s->dirfd, &s->rec);
	if (rc == -ENOENT)
		return merge_err(m, "'%s' is not a finished shard: it holds no "
		                 "shard record (still running, failed, or not "
		                 "a dredge scan --shard)", dir);
	if (rc != 0) {
		snprintf(why, sizeof(why), "%s", s->rec.desc.error);
		return merge_err(m, "the shard record in '%s' is damaged (%s)",
		                 dir, why);
	}
	return 0;
}

/* Checks that the shards given are shards 1..N of one scan; 0 or
 * -EINVAL.  m->in is indexed by shard then. */
static int shards_check(struct merge *m, struct shard_in *given)
{
	const struct shard_in *a = &given[0];
	unsigned n = a->rec.count;
	char an[300], bn[300], why[300];

	snprintf(an, sizeof(an), "shard %u/%u ('%s')", a->rec.index, n,
	         a->dir);
	for (unsigned i = 1; i < m->cfg->nshards; i++) {
		const struct shard_in *b = &given[i];
		if (b->rec.count != n)
			return merge_err(m, "'%s' is shard %u/%u but '%s' is "
			                 "shard %u/%u: the shard counts differ",
			                 b->dir, b->rec.index, b->rec.count,
			                 a->dir, a->rec.index, n);
		snprintf(bn, sizeof(bn), "shard %u/%u ('%s')", b->rec.index, n,
		         b->dir);
		struct checkpoint da = a->rec.desc, db = b->rec.desc;
		da.shard_index = db.shard_index = 0;   /* these differ */
		if (checkpoint_compare_as(&da, &db, an, bn, why,
		                          sizeof(why)) != 0)
			return merge_err(m, "the shards are of different scans: "
			                 "%s", why);
	}
	m->n = n;
	m->in = calloc(n, sizeof(*m->in));
	if (m->in == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < m->cfg->nshards; i++) {
		struct shard_in *s = &m->in[given[i].rec.index - 1];
		if (s->dir != NULL)
			return merge_err(m, "shard %u/%u is given twice: '%s' "
			                 "and '%s'", given[i].rec.index, n,
			                 s->dir, given[i].dir);
		*s = given[i];
		given[i].dirfd = -1;     /* m->in owns it now */
	}
	for (unsigned k = 0; k < n; k++)
		if (m->in[k].dir == NULL)
			return merge_err(m, "shard %u/%u is missing (all %u "
			                 "shard folders are needed)", k + 1, n, n);
	for (unsigned k = 0; k + 1 < n; k++)
		if (m->in[k].rec.hi != m->in[k + 1].rec.lo)
			return merge_err(m, "shards %u and %u of %u do not meet "
			                 "('%s' ends at byte %" PRIu64 ", '%s' "
			                 "starts at %" PRIu64 "): not one scan",
			                 k + 1, k + 2, n, m->in[k].dir,
			                 m->in[k].rec.hi, m->in[k + 1].dir,
			                 m->in[k + 1].rec.lo);
	return 0;
}

/* ------------------------------------------------------------- output */

static int out_prepare(struct merge *m)
{
	const char *dir = m->cfg->outdir;
	struct stat st, ss;
	char err[400];
	int rc;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		rc = -errno;
		merge_err(m, "cannot create output folder '%s': %s", dir,
		          strerror(-rc));
		return rc;
	}
	m->outfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->outfd < 0) {
		rc = -errno;
		merge_err(m, "cannot open output folder '%s': %s", dir,
		          strerror(-rc));
		return rc;
	}
	if (fstat(m->outfd, &st) == 0)
		for (unsigned k = 0; k < m->n; k++)
			if (fstat(m->in[k].dirfd, &ss) == 0 &&
			    ss.st_dev == st.st_dev && ss.st_ino == st.st_ino)
				return merge_err(m, "the output folder '%s' is "
				                 "shard %u's folder", dir, k + 1);
	if ((rc = lock_dir(m->outfd, dir, err, sizeof(err))) != 0) {
		snprintf(m->sum->error, sizeof(m->sum->error), "%s", err);
		return rc;
	}
	int fd = dup(m->outfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	int found = 0;
	if (d == NULL && fd >= 0)
		close(fd);
	for (struct dirent *e; d && !found && (e = readdir(d)) != NULL;)
		found = strcmp(e->d_name, ".") != 0 &&
		        strcmp(e->d_name, "..") != 0;
	if (d != NULL)
		closedir(d);
	if (found && !m->cfg->force)
		return merge_err(m, "output folder '%s' already holds files "
		                 "(use --force to write into it anyway)", dir);
	return 0;
}

/* Copies name from one folder to another (across file systems). */
static int copy_file(struct merge *m, int from, const char *src, int to,
                     const char *dst)
{
	int in = openat_regular(from, src, NULL);
	int out = in >= 0 ? openat(to, dst, O_WRONLY | O_CREAT | O_TRUNC |
	                           O_CLOEXEC, 0644) : -1;
	int rc = 0;

	if (out < 0) {
		rc = -errno;
		if (in >= 0)
			close(in);
		return rc;
	}
	for (;;) {
		ssize_t r = read(in, m->buf, 1u << 20);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : 0;
			break;
		}
		for (ssize_t w, done = 0; done < r; done += w) {
			w = write(out, m->buf + done, (size_t)(r - done));
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w < 0) {
				rc = -errno;
				break;
			}
		}
		if (rc != 0)
			break;
	}
	close(in);
	if (close(out) != 0 && rc == 0)
		rc = -errno;
	if (rc != 0)
		unlinkat(to, dst, 0);
	return rc;
}

/* Puts shard s's file src into the output as name. */
static int place_file(struct merge *m, struct shard_in *s, const char *src,
                      const char *name)
{
	const char *slash = strchr(name, '/');
	int rc;

	if (slash != NULL) {
		char sub[256];
		snprintf(sub, sizeof(sub), "%.*s", (int)(slash - name), name);
		if (mkdirat(m->outfd, sub, 0755) != 0 && errno != EEXIST)
			return -errno;
	}
	unlinkat(m->outfd, name, 0);   /* --force over an older merge */
	if (m->cfg->move) {
		if (renameat(s->dirfd, src, m->outfd, name) == 0) {
			m->sum->moved++;
			return 0;
		}
	} else if (linkat(s->dirfd, src, m->outfd, name, 0) == 0) {
		m->sum->linked++;
		return 0;
	}
	if (errno != EXDEV && errno != EPERM && errno != EMLINK)
		return -errno;
	if ((rc = copy_file(m, s->dirfd, src, m->outfd, name)) == 0)
		m->sum->copied++;
	return rc;
}

/* ------------------------------------------------------------ entries */

static XXH128_hash_t parse_hash(const char *hex)
{
	XXH128_canonical_t c;

	for (int i = 0; i < 16; i++) {
		unsigned v = 0;
		sscanf(hex + 2 * i, "%2x", &v);
		c.digest[i] = (unsigned char)v;
	}
	return XXH128_hashFromCanonical(&c);
}

/* Remembers the name of a file shard s wrote under its id. */
static int remember(struct shard_in *s, uint64_t id, const char *name)
{
	if (id >= s->nnames) {
		size_t cap = s->nnames ? s->nnames : 64;
		while (cap <= id)
			cap *= 2;
		char **nn = realloc(s->names, cap * sizeof(*nn));
		if (nn == NULL)
			return -ENOMEM;
		memset(nn + s->nnames, 0, (cap - s->nnames) * sizeof(*nn));
		s->names = nn;
		s->nnames = cap;
	}
	free(s->names[id]);
	s->names[id] = strdup(name);
	return s->names[id] ? 0 : -ENOMEM;
}

/* A JSONL entry line with another id and duplicate_of, into *out. */
static int renumber_json(const char *line, uint64_t id, uint64_t dup,
                         char **out, size_t *len)
{
	const char *comma = strchr(line, ',');
	const char *d = strstr(line, ",\"duplicate_of\":");
	const char *r = d ? strstr(d, ",\"reason\":") : NULL;
	FILE *f;

	if (comma == NULL || r == NULL || (f = open_memstream(out, len)) == NULL)
		return -EINVAL;
	fprintf(f, "{\"id\":%" PRIu64, id);
	fwrite(comma, 1, (size_t)(d - comma), f);
	fputs(",\"duplicate_of\":", f);
	if (dup)
		fprintf(f, "%" PRIu64, dup);
	else
		fputs("null", f);
	fputs(r, f);
	return fclose(f) == 0 ? 0 : -ENOMEM;
}

/* A DFXML fileobject with another id and duplicate_of, into *out. */
static int renumber_xml(const char *blk, uint64_t id, uint64_t dup,
                        char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);

	if (f == NULL)
		return -ENOMEM;
	for (const char *p = blk; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		if (strncmp(p, "    <dredge:id>", 15) == 0) {
			fprintf(f, "    <dredge:id>%" PRIu64 "</dredge:id>\n", id);
		} else if (strncmp(p, "    <dredge:duplicate_of>", 25) == 0) {
			;   /* written after the status, when it is one */
		} else {
			fwrite(p, 1, n, f);
			if (dup && strncmp(p, "    <dredge:status>", 19) == 0)
				fprintf(f, "    <dredge:duplicate_of>%" PRIu64
				        "</dredge:duplicate_of>\n", dup);
		}
		p += n;
	}
	return fclose(f) == 0 ? 0 : -ENOMEM;
}

/* An unreadable or read-on-retry line of a report's closing part. */
static void closing_line(struct merge *m, const char *line)
{
	unsigned long long off, len;

	if (sscanf(line, "{\"unreadable\":{\"img_offset\":%llu,\"len\":%llu}}",
	           &off, &len) == 2)
		badlist_add(&m->bad, off, len);
	else if (sscanf(line, "{\"read_on_retry\":{\"img_offset\":%llu,"
	                "\"len\":%llu}}", &off, &len) == 2)
		badlist_add(&m->reread, off, len);
}

/* Reads the next fileobject of a DFXML report into *blk. */
static int next_block(FILE *x, char **blk, size_t *cap, char **line,
                      size_t *lcap)
{
	size_t n = 0;
	int in = 0;

	for (ssize_t r; (r = getline(line, lcap, x)) > 0;) {
		if (!in && strcmp(*line, "  <fileobject>\n") != 0)
			continue;
		in = 1;
		if (n + (size_t)r + 1 > *cap) {
			size_t c = (*cap ? *cap : 4096);
			while (c < n + (size_t)r + 1)
				c *= 2;
			char *nb = realloc(*blk, c);
			if (nb == NULL)
				return -ENOMEM;
			*blk = nb;
			*cap = c;
		}
		memcpy(*blk + n, *line, (size_t)r + 1);
		n += (size_t)r;
		if (strcmp(*line, "  </fileobject>\n") == 0)
			return 0;
	}
	return -EINVAL;
}

/*
 * Goes through shard s's report: its closing part's ranges always, and
 * its entries starting in [from, to) into the merged output.
 */
static int take_entries(struct merge *m, struct shard_in *s, uint64_t from,
                        uint64_t to, int use)
{
	int jfd = openat_regular(s->dirfd, "report.jsonl", NULL);
	int xfd = openat_regular(s->dirfd, "report.xml", NULL);
	FILE *j = jfd >= 0 ? fdopen(jfd, "r") : NULL;
	FILE *x = xfd >= 0 ? fdopen(xfd, "r") : NULL;
	char *line = NULL, *xl = NULL, *blk = NULL, *nj = NULL, *nx = NULL;
	size_t cap = 0, xlcap = 0, bcap = 0, njl, nxl;
	int rc = 0;

	if (j == NULL || x == NULL) {
		rc = merge_err(m, "cannot read the reports of shard %u ('%s')",
		               s->rec.index, s->dir);
		goto out;
	}
	for (ssize_t r; rc == 0 && (r = getline(&line, &cap, j)) > 0;) {
		struct report_rec rec;
		int kind = report_parse_line(line, &rec);
		if (kind == 1) {
			closing_line(m, line);
			continue;
		}
		if (kind < 0 || next_block(x, &blk, &bcap, &xl, &xlcap) != 0) {
			rc = merge_err(m, "the reports of shard %u ('%s') are "
			               "damaged or do not match", s->rec.index,
			               s->dir);
			break;
		}
		if (rec.duplicate_of == 0 && !m->report_only)
			rc = remember(s, rec.id, rec.filename);
		uint64_t off = rec.offset;   /* its first run's, or its place */
		if (rc != 0 || !use || off < from || off >= to) {
			m->sum->dropped += use && rc == 0;
			report_rec_free(&rec);
			continue;
		}
		uint64_t id = ++m->sum->entries;
		uint64_t dup = dedup_check(m->seen, parse_hash(rec.hash), id);
		const char *ub = strstr(line, ",\"unreadable_bytes\":");
		unsigned long long unread = 0;
		if (ub != NULL)
			sscanf(ub + 20, "%llu", &unread);
		if (dup != 0) {
			m->sum->duplicates++;
		} else {
			m->sum->files++;
			m->sum->truncated += !rec.complete;
			m->files_unreadable += unread > 0;
		}
		if (dup == 0 && !m->report_only) {
			const char *src = rec.duplicate_of == 0 ? rec.filename
			        : rec.duplicate_of < s->nnames
			          ? s->names[rec.duplicate_of] : NULL;
			if (src == NULL)
				rc = merge_err(m, "shard %u ('%s'): entry %" PRIu64
				               " is a duplicate of an entry its "
				               "report does not list",
				               s->rec.index, s->dir, rec.id);
			else if ((rc = place_file(m, s, src, rec.filename)) != 0)
				merge_err(m, "cannot put '%s/%s' into '%s/%s': %s",
				          s->dir, src, m->cfg->outdir,
				          rec.filename, strerror(-rc));
		}
		if (rc == 0 &&
		    (renumber_json(line, id, dup, &nj, &njl) != 0 ||
		     renumber_xml(blk, id, dup, &nx, &nxl) != 0))
			rc = merge_err(m, "the reports of shard %u ('%s') are "
			               "damaged", s->rec.index, s->dir);
		if (rc == 0 && (rc = report_add_raw(m->rep, nx, nxl, nj,
		                                    njl)) != 0)
			merge_err(m, "cannot write the report in '%s': %s",
			          m->cfg->outdir, strerror(-rc));
		free(nj);
		free(nx);
		nj = nx = NULL;
		report_rec_free(&rec);
	}
out:
	free(line);
	free(xl);
	free(blk);
	if (j != NULL)
		fclose(j);
	else if (jfd >= 0)
		close(jfd);
	if (x != NULL)
		fclose(x);
	else if (xfd >= 0)
		close(xfd);
	return rc;
}

/* Shard 1's DFXML header: everything up to its </source>. */
static int read_head(struct merge *m, char **head, size_t *len)
{
	int fd = openat_regular(m->in[0].dirfd, "report.xml", NULL);
	FILE *x = fd >= 0 ? fdopen(fd, "r") : NULL;
	FILE *h = open_memstream(head, len);
	char *line = NULL;
	size_t cap = 0;
	int found = 0;

	if (x == NULL || h == NULL) {
		if (x != NULL)
			fclose(x);
		else if (fd >= 0)
			close(fd);
		if (h != NULL)
			fclose(h);
		return merge_err(m, "cannot read the report of shard 1 ('%s')",
		                 m->in[0].dir);
	}
	while (!found && getline(&line, &cap, x) > 0) {
		fputs(line, h);
		found = strcmp(line, "  </source>\n") == 0;
	}
	free(line);
	fclose(x);
	fclose(h);
	if (!found)
		return merge_err(m, "the report of shard 1 ('%s') is damaged",
		                 m->in[0].dir);
	return 0;
}

struct ranges {
	struct report_range *v;
	size_t n;
	uint64_t bytes;
};

static int range_add(void *arg, uint64_t off, uint64_t len)
{
	struct ranges *r = arg;

	r->v[r->n].off = off;
	r->v[r->n++].len = len;
	r->bytes += len;
	return 0;
}

static struct ranges ranges_of(struct badlist *bl)
{
	size_t n = badlist_count(bl);
	struct ranges r = { .v = calloc(n ? n : 1, sizeof(*r.v)) };

	if (r.v != NULL)
		badlist_each(bl, range_add, &r);
	return r;
}

static double now_seconds(void);

/* What one value of the merged DFXML head says, unescaped enough for a
 * title: the text between <TAG> and </TAG>, or "". */
static void head_value(const char *head, size_t len, const char *tag,
                       char *out, size_t cap)
{
	char open[64], close[64];
	const char *a, *b;

	out[0] = '\0';
	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	a = memmem(head, len, open, strlen(open));
	if (a == NULL)
		return;
	a += strlen(open);
	b = memmem(a, len - (size_t)(a - head), close, strlen(close));
	if (b == NULL || (size_t)(b - a) >= cap)
		return;
	memcpy(out, a, (size_t)(b - a));
	out[b - a] = '\0';
}

/* The volume line a file-system scan's summary gives, from the head's
 * dredge:volume element (as src/pipeline words it), or "". */
static void head_volume(const char *head, size_t len, char *out, size_t cap)
{
	const char *v = memmem(head, len, "<dredge:volume ", 15);
	char type[16];
	unsigned long long off;
	unsigned cs, first, last;
	int unalloc;

	out[0] = '\0';
	if (v != NULL &&
	    sscanf(v, "<dredge:volume type='%15[^']' offset='%llu' "
	           "cluster_size='%u' data_start='%*u' cluster_count='%*u' "
	           "first='%u' last='%u' unallocated='%d'", type, &off, &cs,
	           &first, &last, &unalloc) == 6)
		snprintf(out, cap, "%s volume at byte %llu, %u-byte clusters; "
		         "%s %u-%u", type, off, cs,
		         unalloc ? "unallocated clusters" : "clusters", first,
		         last);
}

/* report.html for the merged folder, as a scan writes it (its thumbnails
 * made the same way, in report order); 0 or -errno. */
static int merge_html(struct merge *m, const struct report_end *end)
{
	char ended[32], hashes[32];
	const struct checkpoint *d = &m->in[0].rec.desc;
	struct html_info hi = {
		.source = m->source,
		.source_size = d->source_size,
		.sector_size = m->sector_size,
		.command_line = m->cfg->command_line ? m->cfg->command_line : "",
		.hashes = dredge_hash_names(d->hashes, hashes, sizeof(hashes)),
		.volume = m->volume,
		.status = end->status,
		.started = m->started,
		.ended = ended,
		.seconds = now_seconds() - m->t0,
		.bytes_scanned = end->bytes_scanned,
		.files = end->files,
		.truncated = end->truncated,
		.duplicates = end->duplicates,
		.bad = end->bad,
		.nbad = end->nbad,
		.report_only = m->report_only,
	};

	report_time(ended, sizeof(ended));
	return html_write(m->outfd, &hi);
}

/* Walks the shards from hand-over to hand-over; 0 or -errno. */
static int merge_all(struct merge *m)
{
	uint64_t at = m->in[0].rec.lo, scanned = 0;
	unsigned k = 0;
	int rc = 0;

	for (unsigned i = 0; i < m->n && rc == 0; i++) {
		struct shard_in *s = &m->in[i];
		int use = i == k && at < m->in[m->n - 1].rec.hi;
		uint64_t to = s->rec.handover;
		if (scanned < s->rec.bytes_scanned)
			scanned = s->rec.bytes_scanned;
		rc = take_entries(m, s, at, to, use);
		if (!use)
			continue;
		/* the shard whose range holds the hand-over goes on */
		at = to;
		while (k < m->n && at >= m->in[k].rec.hi)
			k++;
	}
	if (rc != 0)
		return rc;

	struct ranges bad = ranges_of(&m->bad), reread = ranges_of(&m->reread);
	struct report_end end = {
		.bad = bad.v,
		.nbad = bad.n,
		.reread = reread.v,
		.nreread = reread.n,
		.bytes_scanned = scanned,
		.files = m->sum->files,
		.truncated = m->sum->truncated,
		.duplicates = m->sum->duplicates,
		.files_unreadable = m->files_unreadable,
		.status = "completed",
	};
	rc = report_close(m->rep, &end);
	m->rep = NULL;
	if (rc != 0)
		merge_err(m, "cannot finish the report in '%s': %s",
		          m->cfg->outdir, strerror(-rc));
	else if ((rc = merge_html(m, &end)) != 0)
		merge_err(m, "cannot write '%s/report.html': %s",
		          m->cfg->outdir, strerror(-rc));
	free(bad.v);
	free(reread.v);
	return rc;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int dredge_merge(const struct dredge_merge_config *cfg,
                 struct dredge_merge_summary *sum)
{
	struct merge m = { .cfg = cfg, .sum = sum, .outfd = -1 };
	struct shard_in *given = NULL;
	char *head = NULL;
	size_t hlen = 0;
	double t0 = now_seconds();
	int rc;

	memset(sum, 0, sizeof(*sum));
	if (cfg->outdir == NULL || cfg->nshards == 0)
		return merge_err(&m, "an output folder and the shard folders "
		                 "are needed");
	badlist_init(&m.bad);
	badlist_init(&m.reread);
	given = calloc(cfg->nshards, sizeof(*given));
	m.buf = malloc(1u << 20);
	if (given == NULL || m.buf == NULL || dedup_create(&m.seen) != 0) {
		rc = -ENOMEM;
		merge_err(&m, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < cfg->nshards; i++)
		given[i].dirfd = -1;
	for (unsigned i = 0; i < cfg->nshards; i++)
		if ((rc = shard_open(&m, cfg->shards[i], &given[i])) != 0)
			goto out;
	if ((rc = shards_check(&m, given)) != 0)
		goto out;
	sum->shards = m.n;
	m.report_only = m.in[0].rec.desc.report_only;
	if ((rc = out_prepare(&m)) != 0 || (rc = read_head(&m, &head, &hlen)) != 0)
		goto out;
	{
		char v[32];
		head_value(head, hlen, "image_filename", m.source,
		           sizeof(m.source));
		head_value(head, hlen, "sectorsize", v, sizeof(v));
		m.sector_size = (uint32_t)strtoul(v, NULL, 10);
		report_time(m.started, sizeof(m.started));
		m.t0 = t0;
		head_volume(head, hlen, m.volume, sizeof(m.volume));
	}
	if ((rc = report_open_merged(&m.rep, m.outfd, head, hlen,
	                             cfg->command_line)) != 0) {
		merge_err(&m, "cannot write to output folder '%s': %s",
		          cfg->outdir, strerror(-rc));
		goto out;
	}
	rc = merge_all(&m);
out:
	if (m.rep != NULL)
		report_close(m.rep, &(struct report_end){ .status = sum->error });
	for (unsigned i = 0; given != NULL && i < cfg->nshards; i++)
		if (given[i].dirfd >= 0)
			close(given[i].dirfd);
	for (unsigned k = 0; m.in != NULL && k < m.n; k++) {
		if (m.in[k].dirfd >= 0)
			close(m.in[k].dirfd);
		for (size_t i = 0; i < m.in[k].nnames; i++)
			free(m.in[k].names[i]);
		free(m.in[k].names);
	}
	if (m.outfd >= 0)
		close(m.outfd);
	free(m.in);
	free(given);
	free(head);
	free(m.buf);
	dedup_free(m.seen);
	badlist_destroy(&m.bad);
	badlist_destroy(&m.reread);
	sum->seconds = now_seconds() - t0;
	return rc;
}

/*
 * extract.c - the engine side of `dredge extract`: dredge_extract() of
 * dredge.h.
 *
 * Reads a report.jsonl a --report-only scan wrote (through report_read,
 * strictly), chooses entries by type, size or id, and copies each chosen
 * file from its runs in the source through source_read, so unreadable
 * sectors read as zeros exactly as they did for the scan.  Every file is
 * hashed as it is copied and must match the report's XXH3-128, or it is
 * not kept and extraction stops: the source is then not the one scanned.
 * The MD5, SHA-1 and SHA-256 digests the report gives (--hash) are
 * checked the same way, each by name.
 * A file is written to NAME.part and renamed, so a name under the output
 * folder is only ever a whole, checked file.  Problems are told to the
 * caller one line at a time; nothing here prints.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "dredge.h"
#include "fs/fsview.h"
#include "io/source.h"
#include "out/digest.h"
#include "out/lock.h"
#include "out/regular.h"
#include "out/report_read.h"

#define COPY_BUF (1u << 20)

struct entries {
	struct report_rec *v;
	size_t n, cap;
};

static void say(const struct dredge_extract_config *cfg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Tells the caller one problem, as one line. */
static void say(const struct dredge_extract_config *cfg, const char *fmt, ...)
{
	char msg[2 * PATH_MAX + 512];
	va_list ap;

	if (cfg->error_fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg->error_fn(cfg->error_arg, msg);
}

/* Whether a name from the report is one dredge writes: TYPE/NAME, plain
 * characters, nothing that climbs out of the output folder. */
static int safe_name(const char *name)
{
	const char *slash = strchr(name, '/');

	if (slash == NULL || slash == name || strchr(slash + 1, '/') != NULL ||
	    slash[1] == '\0' || name[0] == '.' || slash[1] == '.')
		return 0;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	              "0123456789._-/") == strlen(name);
}

static int has_type(const char *types, const struct report_rec *r)
{
	char *list = strdup(types), *save = NULL;
	int hit = 0;

	if (list == NULL)
		return 0;
	for (char *t = strtok_r(list, ",", &save); t != NULL && !hit;
	     t = strtok_r(NULL, ",", &save))
		hit = strcasecmp(t, r->type) == 0 || strcasecmp(t, r->format) == 0;
	free(list);
	return hit;
}

/* Reads every entry of the report; 0, or -1 after saying why. */
static int load_report(const struct dredge_extract_config *cfg,
                       const char *path, struct entries *es)
{
	char file[PATH_MAX];
	struct stat st;
	FILE *f;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(file, sizeof(file), "%s/report.jsonl", path);
	else
		snprintf(file, sizeof(file), "%s", path);
	f = fopen(file, "r");
	if (f == NULL) {
		say(cfg, "cannot read the report '%s': %s", file, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t lineno = 0;
	int rc = 0;
	while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
		struct report_rec r;
		lineno++;
		if ((size_t)n > REPORT_LINE_MAX) {
			rc = -1;
			break;
		}
		int k = report_parse_line(line, &r);
		if (k == 1)
			continue;
		if (k != 0 || !safe_name(r.filename) ||
		    (es->n > 0 && r.id <= es->v[es->n - 1].id)) {
			if (k == 0)
				report_rec_free(&r);
			rc = -1;
			break;
		}
		if (es->n == es->cap) {
			size_t ncap = es->cap ? es->cap * 2 : 256;
			struct report_rec *v = realloc(es->v, ncap * sizeof(*v));
			if (v == NULL) {
				report_rec_free(&r);
				say(cfg, "out of memory");
				free(line);
				fclose(f);
				return -1;
			}
			es->v = v;
			es->cap = ncap;
		}
		es->v[es->n++] = r;
	}
	if (rc != 0)
		say(cfg, "%s: line %" PRIu64 " is not a dredge report entry", file,
		    lineno);
	else if (ferror(f))
		say(cfg, "cannot read the report '%s': %s", file, strerror(errno));
	rc = rc != 0 || ferror(f) ? -1 : 0;
	free(line);
	fclose(f);
	return rc;
}

static struct report_rec *by_id(struct entries *es, uint64_t id)
{
	size_t lo = 0, hi = es->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (es->v[mid].id == id)
			return &es->v[mid];
		if (es->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void hex_of(XXH128_hash_t h, char out[33])
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, h);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", c.digest[i]);
}

/* The algorithms whose digests r gives (DREDGE_HASH_* bits). */
static unsigned digests_given(const struct report_rec *r)
{
	unsigned mask = 0;

	for (unsigned i = 0; i < DIGEST_N; i++)
		if (r->digests.hex[i][0] != '\0')
			mask |= 1u << i;
	return mask;
}

/* The first digest of r that have does not match, or -1. */
static int digest_mismatch(const struct report_rec *r,
                           const struct digest_hex *have)
{
	for (unsigned i = 0; i < DIGEST_N; i++)
		if (r->digests.hex[i][0] != '\0' &&
		    strcmp(r->digests.hex[i], have->hex[i]) != 0)
			return (int)i;
	return -1;
}

/* The XXH3-128 of an existing file as hex, and r's digests of it; 0 or
 * -1. */
static int hash_file(const char *path, uint8_t *buf, char out[33],
                     const struct report_rec *r, struct digest_hex *dh)
{
	int fd = openat_regular(AT_FDCWD, path, NULL);
	XXH3_state_t *st = XXH3_createState();
	ssize_t n;

	if (fd < 0 || st == NULL) {
		if (fd >= 0)
			close(fd);
		XXH3_freeState(st);
		return -1;
	}
	struct digest *dg = NULL;
	if (digest_create(&dg, digests_given(r)) != 0) {
		close(fd);
		XXH3_freeState(st);
		return -1;
	}
	XXH3_128bits_reset(st);
	while ((n = read(fd, buf, COPY_BUF)) > 0) {
		XXH3_128bits_update(st, buf, (size_t)n);
		digest_update(dg, buf, (size_t)n);
	}
	hex_of(XXH3_128bits_digest(st), out);
	XXH3_freeState(st);
	int bad = digest_final(dg, dh) != 0;
	digest_free(dg);
	close(fd);
	return n < 0 || bad ? -1 : 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Writes one file; 0 written, 1 already there, -1 failed (said why).
 * The bytes are hashed as they are copied and must match the report.
 */
static int extract_one(const struct dredge_extract_config *cfg,
                       const struct source *src, const char *dir,
                       const struct report_rec *r, int force, uint8_t *buf)
{
	char path[PATH_MAX], part[PATH_MAX + 8], sub[PATH_MAX], have[33];
	struct digest_hex dh;
	struct stat st;

	for (unsigned i = 0; i < r->nruns; i++)
		if (r->runs[i].img_off == FSVIEW_RESIDENT ||
		    r->runs[i].img_off == FSVIEW_DECODED) {
			say(cfg, "file %" PRIu64 " (%s) is content its file system "
			    "holds %s, not bytes of the source: dredge fs export "
			    "writes it", r->id, r->filename,
			    r->runs[i].img_off == FSVIEW_RESIDENT
			    ? "in its metadata entry" : "compressed");
			return -1;
		} else if (r->runs[i].img_off != FSVIEW_HOLE &&
		           (r->runs[i].len > src->size ||
		            r->runs[i].img_off > src->size - r->runs[i].len)) {
			say(cfg, "file %" PRIu64 " (%s) lies past the end of '%s' (%"
			    PRIu64 " bytes): is this the same source?", r->id,
			    r->filename, src->path, src->size);
			return -1;
		}
	snprintf(path, sizeof(path), "%s/%s", dir, r->filename);
	snprintf(part, sizeof(part), "%s.part", path);
	snprintf(sub, sizeof(sub), "%s/%.*s", dir,
	         (int)(strchr(r->filename, '/') - r->filename), r->filename);
	if (lstat(path, &st) == 0) {
		if (S_ISREG(st.st_mode) && (uint64_t)st.st_size == r->size &&
		    hash_file(path, buf, have, r, &dh) == 0 &&
		    strcmp(have, r->hash) == 0 && digest_mismatch(r, &dh) < 0)
			return 1;
		if (!force) {
			say(cfg, "'%s' already exists and differs from file %" PRIu64
			    " of the report (use --force to replace it)", path, r->id);
			return -1;
		}
	}
	if (mkdir(sub, 0755) != 0 && errno != EEXIST) {
		say(cfg, "cannot create '%s': %s", sub, strerror(errno));
		return -1;
	}
	int fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		say(cfg, "cannot write '%s': %s", part, strerror(errno));
		return -1;
	}
	XXH3_state_t *hs = XXH3_createState();
	struct digest *dg = NULL;
	int bad = hs == NULL || digest_create(&dg, digests_given(r)) != 0;
	if (hs != NULL)
		XXH3_128bits_reset(hs);
	for (unsigned i = 0; i < r->nruns && !bad; i++) {
		for (uint64_t pos = 0; pos < r->runs[i].len && !bad;) {
			size_t n = r->runs[i].len - pos < COPY_BUF ?
			           (size_t)(r->runs[i].len - pos) : COPY_BUF;
			/* Unreadable sectors read as zeros, as they did
			 * for the scan; so does a live file's hole. */
			if (r->runs[i].img_off == FSVIEW_HOLE)
				memset(buf, 0, n);
			else
				source_read(src, buf, r->runs[i].img_off + pos,
				            n, 0, NULL, NULL);
			XXH3_128bits_update(hs, buf, n);
			digest_update(dg, buf, n);
			bad = write_all(fd, buf, n) != 0;
			pos += n;
		}
	}
	if (close(fd) != 0)
		bad = 1;
	if (bad) {
		say(cfg, "cannot write '%s': %s", path, strerror(errno));
		XXH3_freeState(hs);
		digest_free(dg);
		unlink(part);
		return -1;
	}
	hex_of(XXH3_128bits_digest(hs), have);
	XXH3_freeState(hs);
	int dgbad = digest_final(dg, &dh);
	digest_free(dg);
	if (strcmp(have, r->hash) != 0) {
		unlink(part);
		say(cfg, "file %" PRIu64 " (%s) does not match the report's hash: "
		    "is this the same source?", r->id, r->filename);
		return -1;
	}
	int which = dgbad == 0 ? digest_mismatch(r, &dh) : 0;
	if (dgbad != 0 || which >= 0) {
		unlink(part);
		say(cfg, "file %" PRIu64 " (%s) does not match the report's %s: "
		    "is this the same source?", r->id, r->filename,
		    digest_name((unsigned)which));
		return -1;
	}
	if (rename(part, path) != 0) {
		say(cfg, "cannot write '%s': %s", path, strerror(errno));
		unlink(part);
		return -1;
	}
	return 0;
}

int dredge_extract(const struct dredge_extract_config *cfg,
                   struct dredge_extract_summary *sum)
{
	struct entries es = { 0 };
	struct source src = { 0 };
	const char *outdir = cfg->outdir;
	char err[512];
	uint8_t *buf = NULL;
	int status = -EINVAL, lockfd = -1;

	memset(sum, 0, sizeof(*sum));
	if (load_report(cfg, cfg->report, &es) != 0)
		goto out;
	if (source_open(&src, cfg->source, 0, err, sizeof(err)) != 0) {
		say(cfg, "%s", err);
		goto out;
	}
	buf = malloc(COPY_BUF);
	if (buf == NULL || (mkdir(outdir, 0755) != 0 && errno != EEXIST)) {
		status = buf ? -errno : -ENOMEM;
		say(cfg, "cannot create output folder '%s': %s", outdir,
		    buf ? strerror(-status) : "out of memory");
		goto out;
	}
	if ((lockfd = lock_open(outdir, err, sizeof(err))) < 0) {
		status = lockfd;
		say(cfg, "%s", err);
		goto out;
	}
	/* What is chosen: entries passing the filters, or the ids named;
	 * a duplicate stands for the entry whose file holds its content. */
	unsigned char *want = calloc(es.n ? es.n : 1, 1);
	if (want == NULL) {
		status = -ENOMEM;
		goto out;
	}
	sum->chosen = 1;
	status = 0;
	for (unsigned i = 0; i < cfg->nids; i++)
		if (by_id(&es, cfg->ids[i]) == NULL) {
			say(cfg, "there is no file %" PRIu64 " in the report",
			    cfg->ids[i]);
			status = -ENOENT;
		}
	for (size_t i = 0; i < es.n && status == 0; i++) {
		const struct report_rec *r = &es.v[i];
		int pick = (cfg->types == NULL || has_type(cfg->types, r)) &&
		           r->size >= cfg->min_size;
		if (cfg->nids > 0) {
			int named = 0;
			for (unsigned k = 0; k < cfg->nids; k++)
				named |= cfg->ids[k] == r->id;
			pick &= named;
		} else {
			pick &= r->duplicate_of == 0;
		}
		if (!pick)
			continue;
		const struct report_rec *o = r->duplicate_of ?
		                             by_id(&es, r->duplicate_of) : r;
		if (o == NULL || o->duplicate_of != 0) {
			say(cfg, "file %" PRIu64 " duplicates file %" PRIu64 ", which "
			    "the report does not hold", r->id, r->duplicate_of);
			status = -EINVAL;
			break;
		}
		want[o - es.v] = 1;
	}
	for (size_t i = 0; i < es.n && status == 0; i++) {
		if (!want[i])
			continue;
		int rc = extract_one(cfg, &src, outdir, &es.v[i], cfg->force, buf);
		if (rc < 0) {
			status = -EIO;
			break;
		}
		if (rc == 1) {
			sum->present++;
			continue;
		}
		sum->files++;
		sum->bytes += es.v[i].size;
		if (cfg->file_fn != NULL)
			cfg->file_fn(cfg->file_arg, es.v[i].filename, es.v[i].size);
	}
	free(want);
out:
	for (size_t i = 0; i < es.n; i++)
		report_rec_free(&es.v[i]);
	free(es.v);
	free(buf);
	source_close(&src);
	if (lockfd >= 0)
		close(lockfd);
	return status;
}

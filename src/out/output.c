/*
 * output.c - the writer: commits validated batches in chunk order.
 *
 * For each candidate, in source order: a start inside a file already
 * accepted is dropped (an EXIF thumbnail, a JPEG inside a video) unless
 * embedded files are kept; a truncated file never hides what lies inside
 * it.  Each file's bytes are copied from the source while XXH3-128 hashes
 * them; content already written once is not written again, but every
 * location still gets its report entry.  A file is written under a .part
 * name and renamed when complete, so an interrupted run never leaves a
 * partial file under a final name.
 *
 * A full output disk must not cost the reports: a reserve file
 * (.dredge-reserve) holds back enough space to close both reports and
 * save the checkpoint, growing with the list of unreadable ranges they
 * will hold.  When a write fails for lack of space, the run stops, the
 * reserve is given back, and the reports and checkpoint are written into
 * it; --resume finishes the job once space is freed.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "io/blockdev.h"
#include "out/checkpoint.h"
#include "out/lock.h"
#include "out/output.h"
#include "out/report.h"
#include "out/report_read.h"

#define COPY_BUF (1u << 20)
#define WRITER_WINDOW (256u * 1024u)
#define RESERVE_NAME ".dredge-reserve"
/* The closing parts of both reports and a checkpoint (twice, while it is
 * replaced) take a few KiB; each unreadable range adds a line to each. */
#define RESERVE_BASE (64u * 1024u)
#define RESERVE_PER_RANGE 256u

struct seen {
	XXH128_hash_t hash;
	uint64_t id;          /* 0: empty slot */
};

struct type_count {
	char ext[16];
	uint64_t n;
};

struct output {
	struct pipeline *p;
	int dirfd;
	struct report *rep;
	uint8_t *buf;
	uint8_t *win;
	struct seen *seen;
	size_t seen_cap, seen_n;
	uint64_t next_id;
	uint64_t cover_hi;
	/* Later fragments of accepted reassembled files that lie ahead:
	 * a start inside one is inside that file.  Only the first fragment
	 * counts towards cover_hi, so a start in a gap is not hidden. */
	struct extent *cover;
	size_t ncover, capcover;
	char dirs[64][16];           /* type folders made so far */
	unsigned ndirs;
	uint64_t trunc_end;          /* the last truncated file: its end */
	unsigned trunc_fmt;          /* and its format */
	uint64_t files, truncated, duplicates, reassembled;
	uint64_t files_unreadable;   /* written files holding zero-filled bytes */
	uint64_t zeroed;             /* bytes of the file being copied */
	struct type_count types[DREDGE_MAX_TYPES * 4];
	unsigned ntypes;
	/* where the last whole batch left things, for the checkpoint */
	struct checkpoint *ck;
	double ck_time;
	int reserve_fd;              /* -1: none */
	uint64_t reserve_size;
	atomic_uint_fast64_t nfiles_live;
	/* progress */
	pthread_t progress;
	int progress_on;
	pthread_mutex_t plock;
	pthread_cond_t pcond;
	int pstop;
	struct timespec t0;
};

void output_free_batch(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->cand[i].meta);
		free(b->cand[i].runs);
	}
	free(b->cand);
	free(b);
}

/* ------------------------------------------------------------- folder */

static int mkdir_parents(const char *path)
{
	char tmp[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, len + 1);
	for (char *s = tmp + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int dir_has_entries(int dirfd)
{
	int fd = dup(dirfd);
	if (fd < 0)
		return 0;
	DIR *d = fdopendir(fd);
	int found = 0;

	if (d == NULL) {
		close(fd);
		return 0;
	}
	for (struct dirent *e; !found && (e = readdir(d)) != NULL;)
		found = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return found;
}

/*
 * Refuses an output folder whose file system lives on the source device,
 * on a partition of it, or on the disk holding it: judged by the folder,
 * or the nearest existing folder above it when it is still to be made.
 */
static int check_not_on_source(struct pipeline *p)
{
	const char *dir = p->cfg->outdir;
	char path[4096], why[400];
	struct stat st;

	if (!p->src.is_blockdev)
		return 0;
	if (strlen(dir) >= sizeof(path))
		return -ENAMETOOLONG;
	snprintf(path, sizeof(path), "%s", dir);
	while (stat(path, &st) != 0) {
		if (strcmp(path, ".") == 0 || strcmp(path, "/") == 0)
			return 0;   /* mkdir will say what is wrong */
		char *slash = strrchr(path, '/');
		if (slash == NULL)
			snprintf(path, sizeof(path), ".");
		else if (slash == path)
			path[1] = '\0';
		else
			*slash = '\0';
	}
	if (st.st_dev == p->src.rdev)
		snprintf(why, sizeof(why), "is on the device being recovered "
		         "(%s)", p->src.path);
	else if (!blockdev_shares_source(p->src.rdev, p->src.path, st.st_dev,
	                                 why, sizeof(why)))
		return 0;
	snprintf(p->sum->error, sizeof(p->sum->error), "output folder '%s' %s; "
	         "choose a folder on another disk", dir, why);
	return -EXDEV;
}

static int prepare_dir(struct pipeline *p, int *dirfd)
{
	const char *dir = p->cfg->outdir;
	char *err = p->sum->error;
	size_t errlen = sizeof(p->sum->error);
	struct stat st;
	int rc;

	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "output folder '%s' is not a folder", dir);
		return -ENOTDIR;
	}
	/* Before anything is created: even a new folder is a write. */
	if ((rc = check_not_on_source(p)) != 0)
		return rc;
	if ((rc = mkdir_parents(dir)) != 0) {
		snprintf(err, errlen, "cannot create output folder '%s': %s",
		         dir, strerror(-rc));
		return rc;
	}
	*dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open output folder '%s': %s", dir,
		         strerror(-rc));
		return rc;
	}
	if ((rc = lock_dir(*dirfd, dir, err, errlen)) != 0)
		return rc;
	if (!p->cfg->force && !p->cfg->resume && dir_has_entries(*dirfd)) {
		snprintf(err, errlen, "output folder '%s' already holds files "
		         "(use --force to write into it anyway)", dir);
		return -EEXIST;
	}
	if (faccessat(*dirfd, ".", W_OK, AT_EACCESS) != 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot write to output folder '%s': %s",
		         dir, strerror(-rc));
		return rc;
	}
	return 0;
}

/* ------------------------------------------------------------- dedup */

static uint64_t seen_slot(const struct output *out, XXH128_hash_t h)
{
	return (h.low64 ^ (h.high64 >> 7)) & (out->seen_cap - 1);
}

/* Returns the id already written with hash h, or 0 after recording id. */
static uint64_t seen_check(struct output *out, XXH128_hash_t h, uint64_t id)
{
	if (out->seen_n * 2 >= out->seen_cap) {
		size_t cap = out->seen_cap * 2;
		struct seen *ns = calloc(cap, sizeof(*ns));
		if (ns != NULL) {
			struct seen *old = out->seen;
			size_t oldcap = out->seen_cap;
			out->seen = ns;
			out->seen_cap = cap;
			for (size_t i = 0; i < oldcap; i++) {
				if (old[i].id == 0)
					continue;
				uint64_t s = seen_slot(out, old[i].hash);
				while (out->seen[s].id != 0)
					s = (s + 1) & (cap - 1);
				out->seen[s] = old[i];
			}
			free(old);
		}
	}
	uint64_t s = seen_slot(out, h);
	while (out->seen[s].id != 0) {
		if (XXH128_isEqual(out->seen[s].hash, h))
			return out->seen[s].id;
		s = (s + 1) & (out->seen_cap - 1);
	}
	out->seen[s].hash = h;
	out->seen[s].id = id;
	out->seen_n++;
	return 0;
}

/* ----------------------------------------------------------- coverage */

/* Fragments remembered at most: a pathological image ends up with some
 * embedded files kept rather than with unbounded memory. */
#define COVER_MAX (1u << 22)

/* Remembers fragment e of an accepted file if it lies beyond from. */
static void cover_push(struct output *out, struct extent e, uint64_t from)
{
	if (e.len == 0 || e.img_off + e.len <= from || out->ncover >= COVER_MAX)
		return;
	if (out->ncover == out->capcover) {
		size_t cap = out->capcover ? out->capcover * 2 : 64;
		struct extent *n = realloc(out->cover, cap * sizeof(*n));
		if (n == NULL)
			return;
		out->cover = n;
		out->capcover = cap;
	}
	out->cover[out->ncover++] = e;
}

/* Whether a start at off lies inside a file already accepted.  Starts
 * come in increasing order, so fragments ending before off are dropped. */
static int covered(struct output *out, uint64_t off)
{
	int hit = off < out->cover_hi;
	size_t k = 0;

	for (size_t i = 0; i < out->ncover; i++) {
		struct extent e = out->cover[i];
		if (e.img_off + e.len <= off)
			continue;
		out->cover[k++] = e;
		hit |= e.img_off <= off;
	}
	out->ncover = k;
	return hit;
}

/* ------------------------------------------------------- reserve */

/* Grows the reserve to size bytes; 0 or -errno (-ENOSPC: disk full). */
static int reserve_grow(struct output *out, uint64_t size)
{
	if (out->reserve_fd < 0 || size <= out->reserve_size)
		return 0;
	int rc = posix_fallocate(out->reserve_fd, 0, (off_t)size);
	if (rc == ENOSPC || rc == EDQUOT)
		return -rc;
	if (rc != 0) {
		/* The file system cannot reserve space (not even by
		 * writing zeros): go on without a reserve. */
		close(out->reserve_fd);
		unlinkat(out->dirfd, RESERVE_NAME, 0);
		out->reserve_fd = -1;
		return 0;
	}
	out->reserve_size = size;
	return 0;
}

static uint64_t reserve_wanted(struct pipeline *p)
{
	pthread_mutex_lock(&p->bad_lock);
	size_t n = p->nbad;
	pthread_mutex_unlock(&p->bad_lock);
	return RESERVE_BASE + (uint64_t)RESERVE_PER_RANGE * n;
}

/* Gives the reserved space back, for the reports' closing parts. */
static void reserve_release(struct output *out)
{
	if (out->reserve_fd < 0)
		return;
	close(out->reserve_fd);
	unlinkat(out->dirfd, RESERVE_NAME, 0);
	out->reserve_fd = -1;
	out->reserve_size = 0;
}

static int reserve_open(struct output *out)
{
	struct pipeline *p = out->p;

	out->reserve_fd = openat(out->dirfd, RESERVE_NAME, O_WRONLY | O_CREAT |
	                         O_TRUNC | O_CLOEXEC, 0600);
	if (out->reserve_fd < 0)
		return 0;   /* no reserve; a later write will say why */
	int rc = reserve_grow(out, reserve_wanted(p));
	if (rc != 0) {
		reserve_release(out);
		snprintf(p->sum->error, sizeof(p->sum->error),
		         "output disk full in '%s': cannot set aside %" PRIu64
		         " bytes to close the reports with: %s", p->cfg->outdir,
		         reserve_wanted(p), strerror(-rc));
	}
	return rc;
}

/* ------------------------------------------------------- checkpoints */

static void checkpoint_flush(struct output *out);

/* What identifies this scan, for comparing with a checkpoint. */
static void describe_scan(struct pipeline *p, struct checkpoint *ck)
{
	const struct dredge_scan_config *cfg = p->cfg;
	size_t n = 0, want = p->src.size < (1u << 20) ? (size_t)p->src.size
	                     : (1u << 20);
	uint8_t *buf = malloc(want);

	ck->source_size = p->src.size;
	if (buf != NULL) {
		/* Unreadable sectors read as zeros here too, so that a resume
		 * on the same failing drive recognises it. */
		source_read(p->src.fd, p->src.sector_size, buf, 0, want, 0,
		            NULL, NULL);
		ck->source_sample = XXH3_64bits(buf, want);
		free(buf);
	}
	for (unsigned i = 0; i < p->nformats; i++)
		n += (size_t)snprintf(ck->formats + n, sizeof(ck->formats) - n,
		                      "%s%s", i ? "," : "", p->formats[i]->name);
	ck->block_size = cfg->block_size;
	ck->any_offset = cfg->any_offset;
	ck->keep_embedded = cfg->keep_embedded;
	ck->report_only = cfg->report_only;
	ck->fs = cfg->fs;
	ck->unallocated = cfg->unallocated;
	ck->cluster_first = cfg->cluster_first;
	ck->cluster_last = cfg->cluster_last;
	ck->volume = p->fsv ? p->fsv->vol_offset : UINT64_MAX;
	ck->scan_lo = p->start;
	ck->scan_hi = p->end;
}

/* Re-learns the content already written from the report's first len
 * bytes, so de-duplication goes on as if the scan had not stopped; and
 * the fragments of reassembled files that lie beyond from. */
static int reload_seen(struct output *out, uint64_t len, uint64_t from)
{
	int fd = openat(out->dirfd, "report.jsonl", O_RDONLY | O_CLOEXEC);
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
			for (unsigned i = 1; rec.complete && i < rec.nruns; i++)
				cover_push(out, rec.runs[i], from);
			out->reassembled += rec.nruns > 1 && rec.duplicate_of == 0;
			report_rec_free(&rec);
		}
		uint64_t id;
		char hex[33];
		const char *h = strstr(line, "\"xxh3_128\":\"");
		if (sscanf(line, "{\"id\":%" SCNu64, &id) != 1 || h == NULL ||
		    strstr(line, "\"duplicate_of\":null") == NULL ||
		    sscanf(h + 12, "%32[0-9a-f]", hex) != 1 || strlen(hex) != 32)
			continue;
		XXH128_canonical_t c;
		for (int i = 0; i < 16; i++) {
			unsigned v;
			sscanf(hex + 2 * i, "%2x", &v);
			c.digest[i] = (unsigned char)v;
		}
		seen_check(out, XXH128_hashFromCanonical(&c), id);
	}
	free(line);
	fclose(f);
	return 0;
}

/* Takes up an interrupted scan's state from its checkpoint. */
static int resume_state(struct output *out)
{
	struct pipeline *p = out->p;
	char *err = p->sum->error;
	size_t errlen = sizeof(p->sum->error);
	const char *dir = p->cfg->outdir;
	struct checkpoint *have = malloc(sizeof(*have));
	char why[256];
	int rc;

	if (have == NULL)
		return -ENOMEM;
	rc = checkpoint_load(out->dirfd, have);
	if (rc == -ENOENT) {
		snprintf(err, errlen, "there is no interrupted scan to resume "
		         "in '%s'", dir);
	} else if (rc != 0) {
		snprintf(err, errlen, "the checkpoint in '%s' is damaged (%s); "
		         "start a new scan in another folder", dir, have->error);
	} else if ((rc = checkpoint_check(out->dirfd, have, out->ck, why,
	                                  sizeof(why))) != 0) {
		snprintf(err, errlen, "cannot resume the scan in '%s': %s",
		         dir, why);
	} else if ((rc = report_reopen(&out->rep, out->dirfd, have->xml_len,
	                               have->jsonl_len)) != 0 ||
	           (rc = reload_seen(out, have->jsonl_len,
	                             have->resume_offset)) != 0) {
		snprintf(err, errlen, "cannot resume the scan in '%s': its "
		         "reports are missing or shorter than its checkpoint "
		         "says", dir);
		rc = -EINVAL;
	}
	if (rc != 0) {
		free(have);
		return rc;
	}
	p->start = have->resume_offset;
	out->cover_hi = have->cover_hi;
	out->trunc_end = have->trunc_end;
	out->trunc_fmt = have->trunc_fmt;
	atomic_store(&p->cover_hi, have->cover_hi);
	out->next_id = have->next_id;
	out->files = have->files;
	out->truncated = have->truncated;
	out->duplicates = have->duplicates;
	out->files_unreadable = have->files_unreadable;
	atomic_store(&out->nfiles_live, have->files);
	for (unsigned i = 0; i < have->ntypes && i < DREDGE_MAX_TYPES * 4; i++) {
		memcpy(out->types[i].ext, have->types[i].ext,
		       sizeof(out->types[i].ext));
		out->types[i].n = have->types[i].n;
		out->ntypes = i + 1;
	}
	for (size_t i = 0; i < have->nbad; i++)
		pipeline_add_bad(p, have->bad[i].off, have->bad[i].len);
	checkpoint_clear(out->ck);
	free(out->ck);
	out->ck = have;
	return 0;
}

/* Records the state after a whole batch ending at hi was committed, and
 * saves it at most once a second (or when forced). */
static void checkpoint_note(struct output *out, uint64_t hi, int force)
{
	struct pipeline *p = out->p;
	struct checkpoint *ck = out->ck;
	struct timespec t;

	ck->resume_offset = hi;
	ck->cover_hi = out->cover_hi;
	ck->trunc_end = out->trunc_end;
	ck->trunc_fmt = out->trunc_fmt;
	ck->next_id = out->next_id;
	ck->files = out->files;
	ck->truncated = out->truncated;
	ck->duplicates = out->duplicates;
	ck->files_unreadable = out->files_unreadable;
	ck->ntypes = out->ntypes < CHECKPOINT_MAX_TYPES ? out->ntypes
	             : CHECKPOINT_MAX_TYPES;
	for (unsigned i = 0; i < ck->ntypes; i++) {
		memcpy(ck->types[i].ext, out->types[i].ext, sizeof(ck->types[i].ext));
		ck->types[i].n = out->types[i].n;
	}
	/* Only what lies before hi: the reader may be further on, and a
	 * resume reads from hi again. */
	pthread_mutex_lock(&p->bad_lock);
	ck->nbad = 0;
	for (size_t i = 0; i < p->nbad && p->bad[i].off < hi; i++) {
		uint64_t len = p->bad[i].len;
		if (len > hi - p->bad[i].off)
			len = hi - p->bad[i].off;
		checkpoint_add_bad(ck, p->bad[i].off, len);
	}
	pthread_mutex_unlock(&p->bad_lock);
	if (report_lengths(out->rep, &ck->xml_len, &ck->jsonl_len) != 0)
		return;
	/* More unreadable ranges make longer closing parts: keep room for
	 * them, or stop now while there is. */
	int rc = reserve_grow(out, reserve_wanted(p));
	if (rc != 0)
		pipeline_fail(p, rc, "output disk full in '%s': no room left to "
		              "close the reports: %s", p->cfg->outdir,
		              strerror(-rc));
	clock_gettime(CLOCK_MONOTONIC, &t);
	double now = (double)t.tv_sec + (double)t.tv_nsec / 1e9;
	if (force || now - out->ck_time >= 1.0) {
		checkpoint_flush(out);
		out->ck_time = now;
	}
}

/* Makes everything the checkpoint speaks of durable, then saves it. */
static void checkpoint_flush(struct output *out)
{
	syncfs(out->dirfd);
	checkpoint_save(out->dirfd, out->ck);
}

/* -------------------------------------------------------------- open */

/* Frees out and what it holds (a half-opened one too). */
static void output_free(struct output *out)
{
	if (out->dirfd >= 0)
		close(out->dirfd);
	free(out->cover);
	if (out->ck != NULL)
		checkpoint_clear(out->ck);
	free(out->ck);
	free(out->buf);
	free(out->win);
	free(out->seen);
	pthread_mutex_destroy(&out->plock);
	pthread_cond_destroy(&out->pcond);
	free(out);
}

int output_open(struct pipeline *p, struct output **outp)
{
	struct output *out = calloc(1, sizeof(*out));
	int rc;

	if (out == NULL)
		return -ENOMEM;
	out->p = p;
	out->dirfd = -1;
	out->reserve_fd = -1;
	out->next_id = 1;
	out->buf = malloc(COPY_BUF);
	out->win = malloc(WRITER_WINDOW);
	out->seen_cap = 1024;
	out->seen = calloc(out->seen_cap, sizeof(*out->seen));
	pthread_mutex_init(&out->plock, NULL);
	pthread_cond_init(&out->pcond, NULL);
	clock_gettime(CLOCK_MONOTONIC, &out->t0);
	if (out->buf == NULL || out->win == NULL || out->seen == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = prepare_dir(p, &out->dirfd)) != 0)
		goto fail;

	/* From the config, as match_use resolves it. */
	enum dredge_simd simd = p->cfg->simd != DREDGE_SIMD_AUTO ? p->cfg->simd
	                        : dredge_simd_auto();
	struct report_info info = {
		.source = p->src.path,
		.source_size = p->src.size,
		.sector_size = p->src.sector_size,
		.command_line = p->cfg->command_line,
		.io_engine = p->engine,
		.block_size = p->fsv ? p->fsv->cluster_size : p->cfg->block_size,
		.any_offset = p->cfg->any_offset,
		.fs = p->fsv,
		.simd = dredge_simd_name(simd),
	};
	out->ck = calloc(1, sizeof(*out->ck));
	if (out->ck == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	describe_scan(p, out->ck);
	if (p->cfg->resume) {
		if ((rc = resume_state(out)) != 0)
			goto fail;
	} else {
		rc = report_open(&out->rep, out->dirfd, &info);
		if (rc != 0) {
			snprintf(p->sum->error, sizeof(p->sum->error),
			         "cannot write to output folder '%s': %s",
			         p->cfg->outdir, strerror(-rc));
			goto fail;
		}
		checkpoint_remove(out->dirfd);   /* one left by --force */
		out->ck->resume_offset = p->start;
		out->ck->next_id = out->next_id;
		report_lengths(out->rep, &out->ck->xml_len, &out->ck->jsonl_len);
	}
	if ((rc = reserve_open(out)) != 0) {
		report_close(out->rep, &(struct report_end){
			.status = p->sum->error });
		goto fail;
	}
	*outp = out;
	return 0;
fail:
	output_free(out);
	return rc;
}

/* ------------------------------------------------------------- files */

static void count_type(struct output *out, const char *ext)
{
	for (unsigned i = 0; i < out->ntypes; i++)
		if (strcmp(out->types[i].ext, ext) == 0) {
			out->types[i].n++;
			return;
		}
	if (out->ntypes < sizeof(out->types) / sizeof(out->types[0])) {
		snprintf(out->types[out->ntypes].ext,
		         sizeof(out->types[0].ext), "%s", ext);
		out->types[out->ntypes++].n = 1;
	}
}

static void copy_bad(void *arg, uint64_t off, uint64_t len, int err)
{
	struct output *out = arg;

	out->zeroed += len;
	pipeline_note_bad(out->p, off, len, err);
}

/* Reads source bytes for the copy; an unreadable sector reads as zeros,
 * as it did for the scan, and is counted in out->zeroed.  0, or -errno
 * when the source is gone. */
static int copy_read(struct output *out, uint8_t *dst, uint64_t off,
                     size_t len)
{
	return source_read(out->p->src.fd, out->p->src.sector_size, dst, off,
	                   len, 0, copy_bad, out);
}

static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * Copies runs into fd (or only hashes them when fd < 0); 0 or -errno of a
 * failed write, or of a failed read with *read_failed set.
 */
static int copy_runs(struct output *out, const struct extent *runs,
                     unsigned nruns, int fd, XXH128_hash_t *hash,
                     int *read_failed)
{
	XXH3_state_t *st = XXH3_createState();
	int rc = 0;

	if (st == NULL)
		return -ENOMEM;
	XXH3_128bits_reset(st);
	for (unsigned i = 0; i < nruns && rc == 0; i++) {
		for (uint64_t pos = 0; pos < runs[i].len && rc == 0;) {
			size_t n = runs[i].len - pos < COPY_BUF
			           ? (size_t)(runs[i].len - pos) : COPY_BUF;
			if ((rc = copy_read(out, out->buf, runs[i].img_off + pos,
			                    n)) != 0) {
				*read_failed = 1;
				break;
			}
			XXH3_128bits_update(st, out->buf, n);
			if (fd >= 0)
				rc = write_all(fd, out->buf, n);
			pos += n;
		}
	}
	*hash = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	return rc;
}

static void hash_hex(XXH128_hash_t h, char out[33])
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, h);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", c.digest[i]);
}

/*
 * The name of c's file: by start sector, or in a file system by start
 * cluster; a start inside a sector or cluster (--any-offset) adds the byte
 * within it.  f (c in a file system) for whole files, t for truncated.
 */
static void file_name(const struct output *out, const struct candidate *c,
                      int truncated, char *name, size_t len)
{
	const struct fsview *v = out->p->fsv;
	uint64_t unit, in;
	char lead;

	if (v != NULL) {
		uint32_t cl = fsview_cluster(v, c->off);
		unit = cl;
		in = c->off - fsview_offset(v, cl);
		lead = truncated ? 't' : 'c';
	} else {
		uint32_t ss = out->p->src.sector_size;
		unit = c->off / ss;
		in = c->off % ss;
		lead = truncated ? 't' : 'f';
	}
	if (in == 0)
		snprintf(name, len, "%s/%c%07" PRIu64 ".%s", c->ext, lead, unit,
		         c->ext);
	else
		snprintf(name, len, "%s/%c%07" PRIu64 "_%" PRIu64 ".%s", c->ext,
		         lead, unit, in, c->ext);
}

/* Whether the type folder ext was made already (remembered from now on). */
static int dir_known(struct output *out, const char *ext)
{
	for (unsigned i = 0; i < out->ndirs; i++)
		if (strcmp(out->dirs[i], ext) == 0)
			return 1;
	if (out->ndirs < sizeof(out->dirs) / sizeof(out->dirs[0]))
		snprintf(out->dirs[out->ndirs++], sizeof(out->dirs[0]), "%s", ext);
	return 0;
}

/* Stops the run after a failed write of the output file name. */
static void write_failed(struct pipeline *p, int rc, const char *name)
{
	if (rc == -ENOSPC || rc == -EDQUOT)
		pipeline_fail(p, rc, "output disk full writing '%s/%s': %s",
		              p->cfg->outdir, name, strerror(-rc));
	else
		pipeline_fail(p, rc, "cannot write '%s/%s': %s",
		              p->cfg->outdir, name, strerror(-rc));
}

static int commit_file(struct output *out, struct candidate *c)
{
	struct pipeline *p = out->p;
	const struct format *fmt = p->formats[c->fmt];
	uint32_t ss = p->src.sector_size;
	int truncated = c->verdict == CARVE_TRUNCATED;
	char name[256], part[300];
	struct extent one = { .img_off = c->off, .len = c->length };
	const struct extent *runs = c->nruns > 1 ? c->runs : &one;
	unsigned nruns = c->nruns > 1 ? c->nruns : 1;
	struct fsview_run *clusters = NULL;
	unsigned nclusters = 0;
	XXH128_hash_t h;
	int fd = -1, rc, read_failed = 0;

	file_name(out, c, truncated, name, sizeof(name));
	snprintf(part, sizeof(part), "%s.part", name);

	if (!p->cfg->report_only) {
		if (!dir_known(out, c->ext) &&
		    mkdirat(out->dirfd, c->ext, 0755) != 0 && errno != EEXIST) {
			rc = -errno;
			if (rc == -ENOSPC || rc == -EDQUOT)
				pipeline_fail(p, rc, "output disk full creating "
				              "'%s/%s': %s", p->cfg->outdir, c->ext,
				              strerror(-rc));
			else
				pipeline_fail(p, rc, "cannot create '%s/%s': %s",
				              p->cfg->outdir, c->ext, strerror(-rc));
			return rc;
		}
		fd = openat(out->dirfd, part, O_WRONLY | O_CREAT | O_TRUNC |
		            O_CLOEXEC, 0644);
		if (fd < 0) {
			rc = -errno;
			write_failed(p, rc, name);
			return rc;
		}
	}
	out->zeroed = 0;
	rc = copy_runs(out, runs, nruns, fd, &h, &read_failed);
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc != 0) {
		/* Nothing half-written stays behind, and the file is not
		 * reported: a resume writes it whole. */
		if (fd >= 0)
			unlinkat(out->dirfd, part, 0);
		if (read_failed)
			pipeline_fail(p, rc, "source '%s' disappeared while "
			              "copying '%s/%s': %s", p->src.path,
			              p->cfg->outdir, name, strerror(-rc));
		else
			write_failed(p, rc, name);
		return rc;
	}
	uint64_t zeroed = out->zeroed;

	uint64_t id = out->next_id++;
	uint64_t dup = seen_check(out, h, id);
	if (dup != 0) {
		if (fd >= 0)
			unlinkat(out->dirfd, part, 0);
	} else if (fd >= 0 &&
	           renameat(out->dirfd, part, out->dirfd, name) != 0) {
		rc = -errno;
		unlinkat(out->dirfd, part, 0);
		write_failed(p, rc, name);
		return rc;
	}

	if (p->fsv != NULL) {
		clusters = malloc(nruns * sizeof(*clusters));
		if (clusters != NULL)
			nclusters = fsview_cluster_runs(p->fsv, runs, nruns,
			                                clusters, nruns);
	}
	char hex[33];
	hash_hex(h, hex);
	struct report_entry e = {
		.id = id,
		.filename = name,
		.format = fmt->name,
		.ext = c->ext,
		.truncated = truncated,
		.size = c->length,
		.runs = runs,
		.nruns = nruns,
		.hash = hex,
		.duplicate_of = dup,
		.reason = truncated ? c->reason : NULL,
		.meta = c->meta,
		.nmeta = c->nmeta,
		.sector_size = ss,
		.clusters = clusters,
		.nclusters = nclusters,
		.unreadable = zeroed,
	};
	rc = report_add(out->rep, &e);
	free(clusters);
	if (rc == 0) {
		if (dup != 0) {
			out->duplicates++;
		} else {
			out->files++;
			out->files_unreadable += zeroed > 0;
			out->truncated += truncated;
			out->reassembled += nruns > 1;
			count_type(out, c->ext);
			atomic_fetch_add(&out->nfiles_live, 1);
		}
		return 0;
	}
	/* The report must list exactly the files on disk: one it cannot
	 * list is taken back (a resume writes it again). */
	if (dup == 0 && fd >= 0)
		unlinkat(out->dirfd, name, 0);
	if (rc == -ENOSPC || rc == -EDQUOT)
		pipeline_fail(p, rc, "output disk full writing the reports in "
		              "'%s': %s", p->cfg->outdir, strerror(-rc));
	else
		pipeline_fail(p, rc, "cannot write the report in '%s': %s",
		              p->cfg->outdir, strerror(-rc));
	return rc;
}

static int commit_batch(struct output *out, struct batch *b)
{
	struct pipeline *p = out->p;
	struct bread br;

	for (size_t i = 0; i < b->n; i++) {
		struct candidate *c = &b->cand[i];

		if (!p->cfg->keep_embedded && covered(out, c->off))
			continue;   /* inside a file already accepted */
		if (c->skipped)
			pipeline_validate(p, c, &br, out->win, WRITER_WINDOW);
		if (c->verdict == CARVE_REJECT)
			continue;
		/* A truncated file does not hide what lies inside it, except
		 * its own tail: a same-format truncated start inside it that
		 * ends exactly where it ends is a suffix of the same stream
		 * (a pack of an MPEG stream with no end code), not news. */
		if (c->verdict == CARVE_TRUNCATED && c->fmt == out->trunc_fmt &&
		    c->off < out->trunc_end &&
		    candidate_last_end(c) == out->trunc_end)
			continue;
		int rc = commit_file(out, c);
		if (rc != 0)
			return rc;
		if (c->verdict == CARVE_TRUNCATED) {
			out->trunc_fmt = c->fmt;
			out->trunc_end = candidate_last_end(c);
		}
		if (c->verdict != CARVE_ACCEPT)
			continue;
		if (candidate_first_end(c) > out->cover_hi) {
			out->cover_hi = candidate_first_end(c);
			atomic_store(&p->cover_hi, out->cover_hi);
		}
		for (unsigned k = 1; !p->cfg->keep_embedded && k < c->nruns; k++)
			cover_push(out, c->runs[k], c->off);
	}
	return 0;
}

void *writer_main(void *arg)
{
	struct output *out = arg;
	struct pipeline *p = out->p;
	unsigned window = p->max_credits;
	struct batch **pending = calloc(window, sizeof(*pending));

	if (pending == NULL) {
		pipeline_fail(p, -ENOMEM, "out of memory");
		return NULL;
	}
	uint64_t next = 0;
	while (next < p->nchunks) {
		struct batch *b = pending[next % window];
		if (b != NULL && b->seq == next) {
			pending[next % window] = NULL;
			/* After a failure, verdicts may rest on a vanished
			 * source: commit nothing more. */
			int rc = atomic_load(&p->fatal) != 0 ? -ECANCELED
			         : commit_batch(out, b);
			uint64_t hi = b->hi;
			output_free_batch(b);
			pipeline_give_credit(p);
			if (rc != 0)
				break;
			checkpoint_note(out, hi, 0);
			next++;
			continue;
		}
		b = queue_pop(&p->done_q);
		if (b == NULL)
			break;   /* aborted, or the pipeline ran dry */
		pending[b->seq % window] = b;
	}
	for (unsigned i = 0; i < window; i++)
		if (pending[i] != NULL)
			output_free_batch(pending[i]);
	/* No more files: the space held back is for the checkpoint and the
	 * reports' closing parts now. */
	reserve_release(out);
	/* A scan that stopped early keeps a checkpoint of its last whole
	 * batch; one that completed needs none. */
	if (next == p->nchunks && atomic_load(&p->fatal) == 0)
		checkpoint_remove(out->dirfd);
	else
		checkpoint_flush(out);
	free(pending);
	return NULL;
}

/* ------------------------------------------------------------ progress */

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress_line(struct output *out, int final)
{
	struct pipeline *p = out->p;
	double secs = since(&out->t0);
	uint64_t done = atomic_load(&p->bytes_scanned);
	uint64_t total = p->end - p->start;
	double rate = secs > 0 ? (double)done / secs : 0;
	char eta[32] = "--:--";

	if (rate > 0 && done < total) {
		uint64_t left = (uint64_t)((double)(total - done) / rate);
		snprintf(eta, sizeof(eta), "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64,
		         left / 3600, left / 60 % 60, left % 60);
	}
	fprintf(stderr, "\r\033[K%.2f / %.2f GiB  %5.1f%%  %7.1f MB/s  ETA %s  "
	        "files %" PRIu64 "%s", (double)done / (1u << 30),
	        (double)total / (1u << 30),
	        total ? 100.0 * (double)done / (double)total : 100.0,
	        rate / 1e6, eta, (uint64_t)atomic_load(&out->nfiles_live),
	        final ? "\n" : "");
	fflush(stderr);
}

static void *progress_main(void *arg)
{
	struct output *out = arg;
	struct timespec ts;

	pthread_mutex_lock(&out->plock);
	while (!out->pstop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&out->pcond, &out->plock, &ts);
		if (!out->pstop)
			progress_line(out, 0);
	}
	pthread_mutex_unlock(&out->plock);
	progress_line(out, 1);
	return NULL;
}

void output_progress_start(struct output *out)
{
	int on = out->p->cfg->progress;

	if (on < 0)
		on = isatty(STDERR_FILENO);
	if (!on)
		return;
	out->progress_on = pthread_create(&out->progress, NULL, progress_main,
	                                  out) == 0;
}

void output_progress_stop(struct output *out)
{
	if (!out->progress_on)
		return;
	pthread_mutex_lock(&out->plock);
	out->pstop = 1;
	pthread_cond_signal(&out->pcond);
	pthread_mutex_unlock(&out->plock);
	pthread_join(out->progress, NULL);
	out->progress_on = 0;
}

/* ------------------------------------------------------------- closing */

int output_close(struct output *out, int status)
{
	struct pipeline *p = out->p;
	struct dredge_summary *sum = p->sum;
	struct report_range *bad = NULL, *reread = NULL;
	uint64_t bad_bytes = 0, reread_bytes = 0;

	reserve_release(out);   /* if the writer did not run */

	if (p->nbad > 0) {
		bad = calloc(p->nbad, sizeof(*bad));
		for (size_t i = 0; bad && i < p->nbad; i++) {
			bad[i].off = p->bad[i].off;
			bad[i].len = p->bad[i].len;
			bad_bytes += bad[i].len;
		}
	}
	if (p->nreread > 0) {
		reread = calloc(p->nreread, sizeof(*reread));
		for (size_t i = 0; reread && i < p->nreread; i++) {
			reread[i].off = p->reread[i].off;
			reread[i].len = p->reread[i].len;
			reread_bytes += reread[i].len;
		}
	}
	struct report_end end = {
		.bad = bad,
		.nbad = bad ? p->nbad : 0,
		.reread = reread,
		.nreread = reread ? p->nreread : 0,
		/* over the whole scan, resumed parts included */
		.bytes_scanned = p->start + atomic_load(&p->bytes_scanned),
		.files = out->files,
		.truncated = out->truncated,
		.duplicates = out->duplicates,
		.files_unreadable = out->files_unreadable,
		.status = status == 0 ? "completed" : sum->error,
	};
	int rc = report_close(out->rep, &end);
	free(bad);
	free(reread);
	sum->bad_ranges = p->nbad;
	sum->bad_bytes = bad_bytes;
	sum->reread_bytes = reread_bytes;
	if (rc != 0 && status == 0)
		snprintf(sum->error, sizeof(sum->error),
		         "cannot finish the report in '%s': %s", p->cfg->outdir,
		         strerror(-rc));

	sum->files = out->files;
	sum->truncated = out->truncated;
	sum->reassembled = out->reassembled;
	sum->duplicates = out->duplicates;
	sum->files_unreadable = out->files_unreadable;
	sum->ntypes = out->ntypes < DREDGE_MAX_TYPES ? out->ntypes
	              : DREDGE_MAX_TYPES;
	for (unsigned i = 0; i < sum->ntypes; i++) {
		memcpy(sum->per_type[i].ext, out->types[i].ext,
		       sizeof(sum->per_type[i].ext));
		sum->per_type[i].count = out->types[i].n;
	}
	output_free(out);
	return rc;
}

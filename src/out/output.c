/*
 * output.c - the writer: commits validated batches in chunk order.
 *
 * For each candidate, in source order: a start inside a file already
 * accepted is dropped (an EXIF thumbnail, a JPEG inside a video) unless
 * embedded files are kept; a truncated file never hides what lies inside
 * it.  A file accepted on its structure's word for data its validator could
 * not check (raw sensor strips) hides nothing there that validates whole:
 * such a file is kept, and the container reported as suspect.  Each
 * file's bytes are copied from the source while XXH3-128 hashes
 * them; content already written once is not written again (dedup.h), but
 * every location still gets its report entry.  A file is written under a
 * .part name and renamed when complete, so an interrupted run never leaves
 * a partial file under a final name.
 *
 * A full output disk must not cost the reports (reserve.h): when a write
 * fails for lack of space, the run stops, the reserve is given back, and
 * the reports and checkpoint are written into it; --resume (resume.h)
 * finishes the job once space is freed.
 *
 * The batches come from the ordered commit (pipeline/commit.h); the rest
 * of the scan is reached through the hooks in output.h only.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "io/blockdev.h"
#include "io/source_map.h"
#include "out/checkpoint.h"
#include "out/dedup.h"
#include "out/filehash.h"
#include "out/html.h"
#include "out/digest.h"
#include "out/lock.h"
#include "out/output.h"
#include "out/report.h"
#include "out/reserve.h"
#include "out/resume.h"
#include "out/shard.h"

#define COPY_BUF (1u << 20)
#define WRITER_WINDOW (256u * 1024u)

/*
 * What the writer's decisions depend on, apart from the candidates: how
 * far accepted files reach, later fragments of reassembled ones, the last
 * truncated file, and the open-ended file held back.  A shard keeps a
 * second one, `dry`, that decides without writing (output.c's shard part).
 */
struct wstate {
	uint64_t cover_hi;
	/* Later fragments of accepted reassembled files that lie ahead:
	 * a start inside one is inside that file.  Only the first fragment
	 * counts towards cover_hi, so a start in a gap is not hidden. */
	struct extent *cover;
	size_t ncover, capcover;
	uint64_t trunc_end;          /* the last truncated file: its end */
	unsigned trunc_fmt;          /* and its format */
	/* An open-ended truncated file held back until the next file kept
	 * says where it ends at the latest (see commit_batch). */
	struct candidate pending;
	int have_pending;
	/* An accepted file with a part its validator could not check
	 * (candidate.unverified), held until the batches pass its end: a
	 * whole file found starting in that part is written and makes
	 * this one suspect (see suspect_inner). */
	struct candidate susp;
	int have_susp;
	int dry;                     /* decides only, writes nothing */
};

struct output {
	struct html_early *early;    /* thumbnails made as files come, or
	                                NULL (html.h) */
	const struct writer_config *wc;
	const struct dredge_scan_config *cfg;
	const struct source *src;
	struct writer_hooks hooks;
	int dirfd;
	struct report *rep;
	uint8_t *buf;
	uint8_t *win;
	struct dedup *seen;
	struct digest *dg;           /* --hash digests of the file copied */
	struct dredge_counts count;  /* saved by the checkpoint, summed up */
	/* What decides the next candidate (see commit_batch). */
	struct wstate live;
	uint64_t cover_from;         /* a resume: fragments before it are done */
	char dirs[64][16];           /* type folders made so far */
	unsigned ndirs;
	/* A shard (--shard K/N): the range it owns ends at shard_hi; past it
	 * the writer goes on as one run would until it can hand over (see
	 * shard_settled), keeping `next`, the view of the shard that owns the
	 * candidates, which started fresh at edges[edge]. */
	int sharded;
	uint64_t shard_hi;
	const uint64_t *edges;       /* shard starts, then the scan's end */
	unsigned nedges, edge;
	struct wstate next;
	int handed;                  /* handed over: commit nothing more */
	uint64_t handover;
	uint64_t zeroed;             /* bytes of the file being copied */
	uint64_t frag_spent;         /* what reassembly spent (output.h) */
	int no_cfr;                  /* copy_file_range does not work here */
	int no_sendfile;             /* nor sendfile */
	/* where the last whole batch left things, for the checkpoint */
	struct checkpoint *ck;
	double ck_time;
	struct reserve reserve;
	atomic_uint_fast64_t nfiles_live;
	char started[32];            /* this run, for report.html */
	struct timespec t0;
};

/* Stops the run with a message (hooks.fail). */
__attribute__((format(printf, 3, 4)))
static void output_fail(struct output *out, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out->hooks.fail(out->hooks.arg, code, msg);
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
static int check_not_on_source(const struct writer_config *wc)
{
	const struct source *src = wc->src;
	const char *dir = wc->cfg->outdir;
	char path[4096], why[400];
	struct stat st;

	if (!src->is_blockdev)
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
	if (st.st_dev == src->rdev)
		snprintf(why, sizeof(why), "is on the device being recovered "
		         "(%s)", src->path);
	else if (!blockdev_shares_source(src->rdev, src->path, st.st_dev,
	                                 why, sizeof(why)))
		return 0;
	snprintf(wc->sum->error, sizeof(wc->sum->error), "output folder '%s' %s; "
	         "choose a folder on another disk", dir, why);
	return -EXDEV;
}

static int prepare_dir(const struct writer_config *wc, int *dirfd)
{
	const struct dredge_scan_config *cfg = wc->cfg;
	const char *dir = cfg->outdir;
	char *err = wc->sum->error;
	size_t errlen = sizeof(wc->sum->error);
	struct stat st;
	int rc;

	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "output folder '%s' is not a folder", dir);
		return -ENOTDIR;
	}
	/* Before anything is created: even a new folder is a write. */
	if ((rc = check_not_on_source(wc)) != 0)
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
	if (!cfg->force && !cfg->resume && dir_has_entries(*dirfd)) {
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

/* ----------------------------------------------------------- coverage */

/* Fragments remembered at most: a pathological image ends up with some
 * embedded files kept rather than with unbounded memory. */
#define COVER_MAX (1u << 22)

/* Remembers fragment e of an accepted file if it lies beyond from. */
static void cover_push(struct wstate *s, struct extent e, uint64_t from)
{
	if (e.len == 0 || e.img_off + e.len <= from || s->ncover >= COVER_MAX)
		return;
	if (s->ncover == s->capcover) {
		size_t cap = s->capcover ? s->capcover * 2 : 64;
		struct extent *n = realloc(s->cover, cap * sizeof(*n));
		if (n == NULL)
			return;
		s->cover = n;
		s->capcover = cap;
	}
	s->cover[s->ncover++] = e;
}

/* Whether a start at off lies inside a file already accepted.  Starts
 * come in increasing order, so fragments ending before off are dropped. */
static int covered(struct wstate *s, uint64_t off)
{
	int hit = off < s->cover_hi;
	size_t k = 0;

	for (size_t i = 0; i < s->ncover; i++) {
		struct extent e = s->cover[i];
		if (e.img_off + e.len <= off)
			continue;
		s->cover[k++] = e;
		hit |= e.img_off <= off;
	}
	s->ncover = k;
	return hit;
}

/* Forgets everything s holds: a fresh start. */
static void wstate_clear(struct wstate *s)
{
	int dry = s->dry;

	free(s->cover);
	if (s->have_pending)
		free(s->pending.meta);
	if (s->have_susp) {
		free(s->susp.meta);
		free(s->susp.hash);
	}
	memset(s, 0, sizeof(*s));
	s->dry = dry;
}

/* ------------------------------------------------------- checkpoints */

static void checkpoint_flush(struct output *out);

/* A later fragment of a reassembled file a resumed scan's report lists. */
static void relearn_fragment(void *arg, struct extent e)
{
	struct output *out = arg;

	cover_push(&out->live, e, out->cover_from);
}

/* Takes up an interrupted scan's state from its checkpoint. */
static int resume_state(struct output *out)
{
	const char *dir = out->cfg->outdir;
	char *err = out->wc->sum->error;
	size_t errlen = sizeof(out->wc->sum->error);
	struct checkpoint *have = malloc(sizeof(*have));
	uint64_t reassembled = 0;
	int rc;

	if (have == NULL)
		return -ENOMEM;
	rc = resume_load(out->dirfd, dir, out->ck, have, err, errlen);
	if (rc == 0) {
		out->cover_from = have->resume_offset;
		if ((rc = report_reopen(&out->rep, out->dirfd, have->xml_len,
		                        have->jsonl_len)) != 0 ||
		    (rc = resume_relearn(out->dirfd, have->jsonl_len, out->seen,
		                         relearn_fragment, out,
		                         &reassembled)) != 0) {
			snprintf(err, errlen, "cannot resume the scan in '%s': "
			         "its reports are missing or shorter than its "
			         "checkpoint says", dir);
			rc = -EINVAL;
		}
	}
	if (rc != 0) {
		free(have);
		return rc;
	}
	out->live.cover_hi = have->cover_hi;
	out->live.trunc_end = have->trunc_end;
	out->live.trunc_fmt = have->trunc_fmt;
	out->frag_spent = have->frag_spent;
	out->hooks.cover(out->hooks.arg, have->cover_hi);
	/* reassembled: learnt again from the report */
	have->count.reassembled = reassembled;
	out->count = have->count;
	atomic_store(&out->nfiles_live, have->count.files);
	for (size_t i = 0; i < have->nbad; i++)
		out->hooks.note_bad(out->hooks.arg, have->bad[i].off,
		                    have->bad[i].len, 0);
	checkpoint_clear(out->ck);
	free(out->ck);
	out->ck = have;
	return 0;
}

/* Adds an unreadable range, clipped to where the checkpoint stands. */
static void checkpoint_bad(void *arg, uint64_t off, uint64_t len)
{
	struct checkpoint *ck = arg;
	uint64_t hi = ck->resume_offset;

	if (len > hi - off)
		len = hi - off;
	checkpoint_add_bad(ck, off, len);
}

/* Records the state after a whole batch ending at hi was committed, and
 * saves it at most once a second (or when forced). */
static void checkpoint_note(struct output *out, uint64_t hi, int force)
{
	struct checkpoint *ck = out->ck;
	struct timespec t;

	ck->resume_offset = hi;
	ck->cover_hi = out->live.cover_hi;
	ck->trunc_end = out->live.trunc_end;
	ck->trunc_fmt = out->live.trunc_fmt;
	ck->frag_spent = out->frag_spent;
	ck->count = out->count;
	/* Only what lies before hi: the reader may be further on, and a
	 * resume reads from hi again. */
	ck->nbad = 0;
	out->hooks.bad_each(out->hooks.arg, hi, checkpoint_bad, ck);
	if (report_lengths(out->rep, &ck->xml_len, &ck->jsonl_len) != 0)
		return;
	/* More unreadable ranges make longer closing parts: keep room for
	 * them, or stop now while there is. */
	int rc = reserve_grow(&out->reserve,
	                      reserve_wanted(out->hooks.bad_count(out->hooks.arg)));
	if (rc != 0)
		output_fail(out, rc, "output disk full in '%s': no room left to "
		            "close the reports: %s", out->cfg->outdir,
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
	html_early_free(out->early);
	if (out->dirfd >= 0)
		close(out->dirfd);
	wstate_clear(&out->live);
	wstate_clear(&out->next);
	if (out->ck != NULL)
		checkpoint_clear(out->ck);
	free(out->ck);
	free(out->buf);
	free(out->win);
	dedup_free(out->seen);
	digest_free(out->dg);
	free(out);
}

/* Holds back the reserve; 0 or -errno with the error set. */
static int output_reserve(struct output *out)
{
	uint64_t want = reserve_wanted(out->hooks.bad_count(out->hooks.arg));
	int rc = reserve_open(&out->reserve, out->dirfd, want);

	if (rc != 0)
		snprintf(out->wc->sum->error, sizeof(out->wc->sum->error),
		         "output disk full in '%s': cannot set aside %" PRIu64
		         " bytes to close the reports with: %s",
		         out->cfg->outdir, want, strerror(-rc));
	return rc;
}

int output_open(const struct writer_config *wc,
                const struct writer_hooks *hooks, uint64_t *start,
                struct output **outp)
{
	const struct dredge_scan_config *cfg = wc->cfg;
	struct output *out = calloc(1, sizeof(*out));
	int rc;

	if (out == NULL)
		return -ENOMEM;
	out->wc = wc;
	out->cfg = cfg;
	out->src = wc->src;
	out->hooks = *hooks;
	out->dirfd = -1;
	out->reserve.fd = -1;
	out->count.next_id = 1;
	report_time(out->started, sizeof(out->started));
	clock_gettime(CLOCK_MONOTONIC, &out->t0);
	out->next.dry = 1;
	if (wc->shard_count > 1) {
		out->sharded = 1;
		out->edges = wc->shard_edges;
		out->nedges = wc->shard_count + 1;
		out->edge = wc->shard_index;
		out->shard_hi = wc->shard_edges[wc->shard_index];
	}
	out->buf = malloc(COPY_BUF);
	out->win = malloc(WRITER_WINDOW);
	rc = dedup_create(&out->seen);
	if (out->buf == NULL || out->win == NULL || rc != 0 ||
	    digest_create(&out->dg, cfg->hashes) != 0) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = prepare_dir(wc, &out->dirfd)) != 0)
		goto fail;

	/* From the config, as match_use resolves it. */
	enum dredge_simd simd = cfg->simd != DREDGE_SIMD_AUTO ? cfg->simd
	                        : dredge_simd_auto();
	struct report_info info = {
		.source = wc->src->path,
		.source_size = wc->src->size,
		.sector_size = wc->src->sector_size,
		.command_line = cfg->command_line,
		.io_engine = wc->engine,
		.io_views = source_mappable(wc->src) ? "viewed" : "copied",
		.block_size = wc->fsv ? wc->fsv->cluster_size : cfg->block_size,
		.any_offset = cfg->any_offset,
		.fs = wc->fsv,
		.simd = dredge_simd_name(simd),
		.shard_index = wc->shard_index,
		.shard_count = wc->shard_count,
		.shard_lo = wc->shard_count ? wc->shard_edges[wc->shard_index - 1]
		            : 0,
		.shard_hi = wc->shard_count ? wc->shard_edges[wc->shard_index]
		            : 0,
	};
	out->ck = calloc(1, sizeof(*out->ck));
	if (out->ck == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	resume_describe(out->ck, cfg, wc->src, wc->formats, wc->nformats,
	                wc->fsv);
	out->ck->shard_index = wc->shard_index;
	out->ck->shard_count = wc->shard_count;
	out->ck->scan_lo = wc->scan_lo;
	out->ck->scan_hi = wc->scan_hi;
	if (cfg->resume) {
		if ((rc = resume_state(out)) != 0)
			goto fail;
		*start = out->ck->resume_offset;
	} else {
		rc = report_open(&out->rep, out->dirfd, &info);
		if (rc != 0) {
			snprintf(wc->sum->error, sizeof(wc->sum->error),
			         "cannot write to output folder '%s': %s",
			         cfg->outdir, strerror(-rc));
			goto fail;
		}
		checkpoint_remove(out->dirfd);   /* one left by --force */
		shard_remove(out->dirfd);
		/* (without it the page's thumbnails are all made at the end) */
		if (!cfg->report_only)
			html_early_start(&out->early, out->dirfd);
		out->ck->resume_offset = *start;
		out->ck->count.next_id = out->count.next_id;
		report_lengths(out->rep, &out->ck->xml_len, &out->ck->jsonl_len);
	}
	if ((rc = output_reserve(out)) != 0) {
		report_close(out->rep, &(struct report_end){
			.status = wc->sum->error });
		goto fail;
	}
	*outp = out;
	return 0;
fail:
	output_free(out);
	return rc;
}

/* ------------------------------------------------------------- files */

static void count_type(struct dredge_counts *n, const char *ext)
{
	for (unsigned i = 0; i < n->ntypes; i++)
		if (strcmp(n->per_type[i].ext, ext) == 0) {
			n->per_type[i].count++;
			return;
		}
	if (n->ntypes < DREDGE_MAX_EXTS) {
		snprintf(n->per_type[n->ntypes].ext,
		         sizeof(n->per_type[0].ext), "%s", ext);
		n->per_type[n->ntypes++].count = 1;
	}
}

static void copy_bad(void *arg, uint64_t off, uint64_t len, int err)
{
	struct output *out = arg;

	out->zeroed += len;
	out->hooks.note_bad(out->hooks.arg, off, len, err);
}

/* Reads source bytes for the copy; an unreadable sector reads as zeros,
 * as it did for the scan, and is counted in out->zeroed.  0, or -errno
 * when the source is gone. */
static int copy_read(struct output *out, uint8_t *dst, uint64_t off,
                     size_t len)
{
	return source_read(out->src, dst, off, len, 0, copy_bad, out);
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
                     unsigned nruns, const uint8_t *held, int fd,
                     XXH128_hash_t *hash, int *read_failed)
{
	uint64_t lo = 0;   /* the file's byte where run i starts */

	XXH3_state_t *st = XXH3_createState();
	int rc = 0;

	if (st == NULL)
		return -ENOMEM;
	XXH3_128bits_reset(st);
	digest_reset(out->dg);
	int mappable = source_mappable(out->src);
	for (unsigned i = 0; i < nruns && rc == 0; lo += runs[i++].len) {
		for (uint64_t pos = 0; pos < runs[i].len && rc == 0;) {
			size_t n = runs[i].len - pos < COPY_BUF
			           ? (size_t)(runs[i].len - pos) : COPY_BUF;
			/* From a view of the page cache where there is one
			 * (source_map.h), else through the buffer; a live
			 * file's hole is zeros, its held content is in held
			 * (fsview.h). */
			struct source_map m;
			const uint8_t *p = out->buf;
			if (runs[i].img_off == FSVIEW_HOLE) {
				memset(out->buf, 0, n);
			} else if (!fsview_ext_is_source(&runs[i])) {
				if (held == NULL) {
					rc = -EIO;
					*read_failed = 1;
					break;
				}
				p = held + lo + pos;
			} else if (mappable &&
			           source_map(out->src, runs[i].img_off + pos,
			                           n, &m) == 0) {
				p = m.p;
			} else if ((rc = copy_read(out, out->buf,
			                           runs[i].img_off + pos, n)) != 0) {
				*read_failed = 1;
				break;
			}
			XXH3_128bits_update(st, p, n);
			digest_update(out->dg, p, n);
			if (fd >= 0)
				rc = write_all(fd, p, n);
			if (p != out->buf && fsview_ext_is_source(&runs[i]))
				source_unmap(&m);
			pos += n;
		}
	}
	*hash = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	return rc;
}

/*
 * Copies [off, off + len) of the source into fd as it is, for a file
 * already hashed (filehash.h): in the kernel where the source is a plain
 * descriptor, with copy_file_range (a reflink where the file system
 * shares extents), else with sendfile (between file systems: one copy,
 * from the page cache into the file); else, and from wherever that stops
 * (an unreadable sector), from views of the image's page cache
 * (source_map.h) where they pay, and else or where a view fails through
 * the buffer, which isolates unreadable sectors.  0 or -errno of a failed
 * write, or of a failed read with *read_failed set.
 */
static int copy_plain(struct output *out, uint64_t off, uint64_t len, int fd,
                      int *read_failed)
{
	int sfd = source_fd(out->src, 0);
	uint64_t done = 0;

	for (int k = 0; k < 2 && sfd >= 0; k++) {
		int *no = k == 0 ? &out->no_cfr : &out->no_sendfile;
		while (!*no && done < len) {
			loff_t in = (loff_t)(off + done);
			size_t want = len - done < (1u << 30)
			              ? (size_t)(len - done) : (1u << 30);
			ssize_t n = k == 0
			            ? copy_file_range(sfd, &in, fd, NULL, want, 0)
			            : sendfile(fd, sfd, &in, want);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == ENOSPC || errno == EDQUOT))
				return -errno;
			if (n <= 0) {
				/* Not between these files, or not here at
				 * all: the next way from now on.  An I/O
				 * error (an unreadable sector) is the
				 * buffer's to isolate. */
				if (n < 0 && errno != EIO)
					*no = 1;
				else
					sfd = -1;
				break;
			}
			done += (size_t)n;
		}
	}
	int mappable = source_mappable(out->src);
	while (done < len) {
		size_t n = len - done < COPY_BUF ? (size_t)(len - done) : COPY_BUF;
		struct source_map m;
		/* Written from a view of the page cache: one copy, not two. */
		if (mappable && source_map(out->src, off + done, n, &m) == 0) {
			int rc = write_all(fd, m.p, n);
			source_unmap(&m);
			if (rc != 0)
				return rc;
			done += n;
			continue;
		}
		int rc = copy_read(out, out->buf, off + done, n);
		if (rc != 0) {
			*read_failed = 1;
			return rc;
		}
		if ((rc = write_all(fd, out->buf, n)) != 0)
			return rc;
		done += n;
	}
	return 0;
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
	const struct fsview *v = out->wc->fsv;
	uint64_t unit, in;
	char lead;

	if (c->live != NULL && (c->live->flags & FSVIEW_F_NOPLACE)) {
		/* no block of its own: its metadata address */
		snprintf(name, len, "%s/m%07" PRIu64 ".%s", c->ext,
		         c->live->meta, c->ext);
		return;
	}
	if (v != NULL) {
		uint32_t cl = fsview_cluster(v, c->off);
		unit = cl;
		in = c->off - fsview_offset(v, cl);
		lead = truncated ? 't' : 'c';
	} else {
		uint32_t ss = out->src->sector_size;
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
static void write_failed(struct output *out, int rc, const char *name)
{
	if (rc == -ENOSPC || rc == -EDQUOT)
		output_fail(out, rc, "output disk full writing '%s/%s': %s",
		            out->cfg->outdir, name, strerror(-rc));
	else
		output_fail(out, rc, "cannot write '%s/%s': %s",
		            out->cfg->outdir, name, strerror(-rc));
}

/*
 * What a whole-volume scan's report says of c beyond what it carved: the
 * path of the live file it is (or of the damaged live file whose start it
 * carved), and what the live file's validator said (into buf).
 */
static void live_facts(const struct output *out, const struct candidate *c,
                       struct report_entry *e, char *buf, size_t len)
{
	const struct fsview *v = out->wc->fsv;

	if (c->live != NULL) {
		e->path = c->live->path;
		e->live = 1;
		switch (c->check) {
		case CARVE_ACCEPT:
			if (c->check_reason != NULL)
				snprintf(buf, len, "valid: %s", c->check_reason);
			else
				snprintf(buf, len, "valid");
			break;
		case CARVE_TRUNCATED:
			snprintf(buf, len, "truncated: %s",
			         c->check_reason ? c->check_reason : "");
			break;
		case CARVE_REJECT:
			snprintf(buf, len, "invalid: %s",
			         c->check_reason ? c->check_reason : "");
			break;
		default:
			return;   /* no validator, or too many fragments */
		}
		e->validator = buf;
		return;
	}
	if (v == NULL || !v->write_live)
		return;
	for (size_t i = fsview_file_at(v, c->off);
	     i < v->nfiles && v->files[i].off == c->off; i++)
		if (v->files[i].flags & FSVIEW_F_DAMAGED) {
			e->path = v->files[i].path;
			e->damage = v->files[i].damage;
			return;
		}
}

/* Entry e, just reported, to the thumbnails made as files come, as
 * report.html will read it back. */
static void early_add(struct output *out, const struct report_entry *e)
{
	struct report_rec r = {
		.id = e->id,
		.complete = !e->truncated,
		.duplicate_of = e->duplicate_of,
	};

	if ((size_t)snprintf(r.filename, sizeof(r.filename), "%s",
	                     e->filename) >= sizeof(r.filename) ||
	    (size_t)snprintf(r.type, sizeof(r.type), "%s",
	                     e->ext != NULL ? e->ext : "") >= sizeof(r.type))
		return;   /* html_write will not take the jobs from here on */
	html_early_add(out->early, &r);
}

static int commit_file(struct output *out, struct candidate *c)
{
	const struct dredge_scan_config *cfg = out->cfg;
	const struct fsview *fsv = out->wc->fsv;
	const struct format *fmt = c->fmt != CANDIDATE_NO_FORMAT
	                           ? out->wc->formats[c->fmt] : NULL;
	uint32_t ss = out->src->sector_size;
	int truncated = c->verdict == CARVE_TRUNCATED;
	char name[256], part[300];
	struct extent one = { .img_off = c->off, .len = c->length };
	/* A live file's runs may be a single hole or held content. */
	int own = c->runs != NULL && (c->nruns > 1 || c->live != NULL);
	const struct extent *runs = own ? c->runs : &one;
	unsigned nruns = own ? c->nruns : 1;
	struct fsview_run *clusters = NULL;
	unsigned nclusters = 0;
	XXH128_hash_t h;
	int fd = -1, rc, read_failed = 0;

	file_name(out, c, truncated, name, sizeof(name));
	snprintf(part, sizeof(part), "%s.part", name);

	if (!cfg->report_only) {
		if (!dir_known(out, c->ext) &&
		    mkdirat(out->dirfd, c->ext, 0755) != 0 && errno != EEXIST) {
			rc = -errno;
			if (rc == -ENOSPC || rc == -EDQUOT)
				output_fail(out, rc, "output disk full creating "
				            "'%s/%s': %s", cfg->outdir, c->ext,
				            strerror(-rc));
			else
				output_fail(out, rc, "cannot create '%s/%s': %s",
				            cfg->outdir, c->ext, strerror(-rc));
			return rc;
		}
		fd = openat(out->dirfd, part, O_WRONLY | O_CREAT | O_TRUNC |
		            O_CLOEXEC, 0644);
		if (fd < 0) {
			rc = -errno;
			write_failed(out, rc, name);
			return rc;
		}
	}
	out->zeroed = 0;
	/* Hashed by its validator: the content is looked up first, and only
	 * new content is copied. */
	uint64_t runs_len = 0;
	for (unsigned i = 0; i < nruns; i++)
		runs_len += runs[i].len;
	const struct file_hash *pre = c->hash != NULL &&
	                              c->hash->len == c->length &&
	                              runs_len == c->length ? c->hash : NULL;
	uint64_t id = 0, dup = 0;
	if (pre != NULL) {
		h = pre->xxh;
		id = out->count.next_id++;
		dup = dedup_check(out->seen, h, id);
		rc = 0;
		for (unsigned i = 0; i < nruns && fd >= 0 && dup == 0 &&
		     rc == 0; i++)
			rc = copy_plain(out, runs[i].img_off, runs[i].len, fd,
			                &read_failed);
	} else {
		rc = copy_runs(out, runs, nruns,
		               c->live != NULL ? c->live->held : NULL, fd, &h,
		               &read_failed);
	}
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc != 0) {
		/* Nothing half-written stays behind, and the file is not
		 * reported: a resume writes it whole. */
		if (fd >= 0)
			unlinkat(out->dirfd, part, 0);
		if (read_failed)
			output_fail(out, rc, "source '%s' disappeared while "
			            "copying '%s/%s': %s", out->src->path,
			            cfg->outdir, name, strerror(-rc));
		else
			write_failed(out, rc, name);
		return rc;
	}
	uint64_t zeroed = out->zeroed;
	if (pre != NULL && pre->zeroed > zeroed)
		zeroed = pre->zeroed;

	if (pre == NULL) {
		id = out->count.next_id++;
		dup = dedup_check(out->seen, h, id);
	}
	if (dup != 0) {
		if (fd >= 0)
			unlinkat(out->dirfd, part, 0);
	} else if (fd >= 0 &&
	           renameat(out->dirfd, part, out->dirfd, name) != 0) {
		rc = -errno;
		unlinkat(out->dirfd, part, 0);
		write_failed(out, rc, name);
		return rc;
	}

	if (fsv != NULL) {
		clusters = malloc(nruns * sizeof(*clusters));
		if (clusters != NULL)
			nclusters = fsview_cluster_runs(fsv, runs, nruns,
			                                clusters, nruns);
	}
	char hex[33];
	struct digest_hex digests;
	hash_hex(h, hex);
	if (pre != NULL)
		digests = pre->digests;
	else if (digest_final(out->dg, &digests) != 0)
		output_fail(out, -EIO, "libcrypto failed to hash '%s'", name);
	struct report_entry e = {
		.id = id,
		.filename = name,
		.format = fmt != NULL ? fmt->name : "unknown",
		.ext = c->ext,
		.truncated = truncated,
		.size = c->length,
		.runs = runs,
		.nruns = nruns,
		.offset = c->off,
		.hash = hex,
		.digests = &digests,
		.duplicate_of = dup,
		.reason = truncated ? c->reason : NULL,
		.suspect = truncated ? NULL : c->suspect,
		.meta = c->meta,
		.nmeta = c->nmeta,
		.sector_size = ss,
		.clusters = clusters,
		.nclusters = nclusters,
		.unreadable = zeroed,
	};
	char check[160];
	live_facts(out, c, &e, check, sizeof(check));
	rc = report_add(out->rep, &e);
	free(clusters);
	if (rc == 0 && out->early != NULL)
		early_add(out, &e);
	if (rc == 0) {
		if (dup != 0) {
			out->count.duplicates++;
		} else {
			out->count.files++;
			out->count.files_unreadable += zeroed > 0;
			out->count.truncated += truncated;
			out->count.reassembled += nruns > 1 && c->live == NULL;
			count_type(&out->count, c->ext);
			atomic_fetch_add(&out->nfiles_live, 1);
		}
		return 0;
	}
	/* The report must list exactly the files on disk: one it cannot
	 * list is taken back (a resume writes it again). */
	if (dup == 0 && fd >= 0)
		unlinkat(out->dirfd, name, 0);
	if (rc == -ENOSPC || rc == -EDQUOT)
		output_fail(out, rc, "output disk full writing the reports in "
		            "'%s': %s", cfg->outdir, strerror(-rc));
	else
		output_fail(out, rc, "cannot write the report in '%s': %s",
		            cfg->outdir, strerror(-rc));
	return rc;
}

/*
 * Writes the held open-ended file of s, cut at `at` when that lies inside
 * it: its length said only where the data ran out, and the next file kept
 * starts there, so nothing proves the held one runs on over it.  Cut
 * below its format's smallest size, it is no file and is dropped.  A dry
 * state only decides where it ends.
 */
static int pending_commit(struct output *out, struct wstate *s, uint64_t at)
{
	struct candidate *p = &s->pending;
	const struct format *fmt = out->wc->formats[p->fmt];
	int rc = 0;

	if (!s->have_pending)
		return 0;
	s->have_pending = 0;
	/* What its structure showed to be its own is never cut off. */
	if (at - p->off < p->vouched)
		at = p->off + p->vouched;
	if (at > p->off && at - p->off < p->length)
		p->length = at - p->off;
	if (!s->dry && p->length >= fmt->min_size)
		rc = commit_file(out, p);
	s->trunc_fmt = p->fmt;
	s->trunc_end = p->off + p->length;
	free(p->meta);
	p->meta = NULL;
	return rc;
}

/* Advances s's cover to hi, telling the scan when s is the live state. */
static void cover_to(struct output *out, struct wstate *s, uint64_t hi)
{
	if (hi > s->cover_hi) {
		s->cover_hi = hi;
		if (!s->dry)
			out->hooks.cover(out->hooks.arg, hi);
	}
}

/* Writes the held file with a part not checked (suspect when a whole
 * file was found there); a dry state only forgets it. */
static int suspect_commit(struct output *out, struct wstate *s)
{
	struct candidate *p = &s->susp;
	int rc = 0;

	if (!s->have_susp)
		return 0;
	s->have_susp = 0;
	if (!s->dry)
		rc = commit_file(out, p);
	cover_to(out, s, p->off + p->length);
	free(p->meta);
	p->meta = NULL;
	free(p->hash);
	p->hash = NULL;
	return rc;
}

/*
 * Candidate c starts in the unchecked part of the held file: a file that
 * validates whole there, within the held file's extent, is no part of it
 * (its own preview or thumbnail would lie where its structure points,
 * which is checked).  It is written and the held file becomes suspect.
 * Returns 1 when c was decided here, 0 when it goes the usual way
 * (--keep-embedded), or an error.
 */
static int suspect_inner(struct output *out, struct wstate *s,
                         struct candidate *c)
{
	struct candidate *p = &s->susp;
	struct bread br;
	int rc;

	if (c->skipped) {
		out->hooks.validate(out->hooks.arg, c, &br, out->win,
		                    WRITER_WINDOW);
		c->skipped = 0;
	}
	if (c->verdict != CARVE_ACCEPT || c->nruns > 1 ||
	    c->off + c->length > p->off + p->length)
		return out->cfg->keep_embedded ? 0 : 1;
	p->suspect = p->unverified_why != NULL ? p->unverified_why :
	             "data not checked";
	if (out->cfg->keep_embedded)
		return 0;
	if (!s->dry && (rc = commit_file(out, c)) != 0)
		return rc;
	cover_to(out, s, c->off + c->length);   /* its own thumbnail */
	return 1;
}

/*
 * Decides candidate c with the state s, and (unless s is dry) writes it.
 * A truncated file whose end is only where the data ran out
 * (candidate.open_end) is held back until the next file kept, in any
 * format, starts, and cut there; it is written when that start is seen,
 * when the batches have passed its end, or when the scan completes.
 * Holding one file and writing it before the next keeps the order and the
 * ids the files would have had anyway.  The part its structure vouched
 * for (carve_result.vouched) is never cut off, and a file starting inside
 * that part is dropped as embedded (kept with --keep-embedded).  A
 * reassembled file (several runs) is not held: reassembly offered it only
 * clusters no other file owns.  --keep-embedded changes nothing here:
 * what lies inside a truncated file is kept either way.
 */
static int commit_one(struct output *out, struct wstate *s,
                      struct candidate *c)
{
	int keep_embedded = out->cfg->keep_embedded;
	struct bread br;
	int rc;

	/* A live file of a whole-volume scan: the carved files around it
	 * never took its clusters, and it hides nothing (starts in its
	 * clusters were never candidates). */
	if (c->live != NULL) {
		if (c->verdict == CARVE_REJECT)
			return 0;
		if ((rc = pending_commit(out, s, c->off)) != 0)
			return rc;
		return s->dry ? 0 : commit_file(out, c);
	}
	if (s->have_susp && c->off >= s->susp.off + s->susp.length &&
	    (rc = suspect_commit(out, s)) != 0)
		return rc;
	if (!keep_embedded && covered(s, c->off))
		return 0;   /* inside a file already accepted */
	/* In the part of the held file its validator could not check. */
	if (s->have_susp && c->off >= s->susp.off + s->susp.unverified) {
		rc = suspect_inner(out, s, c);
		if (rc != 0)
			return rc < 0 ? rc : 0;
	}
	/* Inside what the held file's structure showed to be its own (an
	 * AVI's frames): part of it, like a file inside one accepted. */
	if (!keep_embedded && s->have_pending && c->off > s->pending.off &&
	    c->off - s->pending.off < s->pending.vouched)
		return 0;
	if (c->skipped) {
		out->hooks.validate(out->hooks.arg, c, &br, out->win,
		                    WRITER_WINDOW);
		c->skipped = 0;
	}
	if (c->verdict == CARVE_REJECT)
		return 0;
	/* A truncated file does not hide what lies inside it, except its own
	 * tail: a same-format truncated start inside it that ends exactly
	 * where it ends is a suffix of the same stream (a pack of an MPEG
	 * stream with no end code), not news. */
	if (c->verdict == CARVE_TRUNCATED && c->fmt == s->trunc_fmt &&
	    c->off < s->trunc_end && candidate_last_end(c) == s->trunc_end)
		return 0;
	/* Cut short at a fragmentation point: the rest is looked for here,
	 * in source order, so that which blocks it may take depends only on
	 * the files kept before it.  Once per candidate: a shard deciding it
	 * in two states (see shard_at) searches with the first, the one of
	 * the shard that owns it. */
	if (c->fragment && c->verdict == CARVE_TRUNCATED &&
	    out->hooks.reassemble != NULL) {
		rc = out->hooks.reassemble(out->hooks.arg, c, s->cover,
		                           s->ncover, &out->frag_spent,
		                           out->win, WRITER_WINDOW);
		if (rc != 0) {
			output_fail(out, rc, "out of memory reassembling the "
			            "file at offset %" PRIu64, c->off);
			return rc;
		}
		if (c->verdict == CARVE_REJECT)
			return 0;   /* too short a head, and no rest */
	}
	if ((rc = pending_commit(out, s, c->off)) != 0)
		return rc;
	if (c->verdict == CARVE_TRUNCATED && c->open_end && c->nruns <= 1) {
		s->pending = *c;
		s->pending.hash = NULL;   /* it may be cut: hashed on writing */
		if (s->dry) {
			s->pending.meta = NULL;   /* the batch keeps its own */
			s->pending.nmeta = 0;
		} else {
			c->meta = NULL;           /* the held copy owns it now */
			c->nmeta = 0;
		}
		s->pending.runs = NULL;
		s->pending.ahead = NULL;
		s->have_pending = 1;
		s->trunc_fmt = c->fmt;
		s->trunc_end = c->off + c->length;
		return 0;
	}
	if (c->verdict == CARVE_ACCEPT && c->unverified != 0 &&
	    c->unverified < c->length && c->nruns <= 1 && !s->have_susp) {
		s->susp = *c;
		if (s->dry) {
			s->susp.meta = NULL;      /* the batch keeps its own */
			s->susp.nmeta = 0;
			s->susp.hash = NULL;
		} else {
			c->meta = NULL;           /* the held copy owns it now */
			c->nmeta = 0;
			c->hash = NULL;
		}
		s->susp.runs = NULL;
		s->susp.ahead = NULL;
		s->susp.suspect = NULL;
		s->have_susp = 1;
		cover_to(out, s, c->off + c->unverified);
		return 0;
	}
	if (!s->dry && (rc = commit_file(out, c)) != 0)
		return rc;
	if (c->verdict == CARVE_TRUNCATED) {
		s->trunc_fmt = c->fmt;
		s->trunc_end = candidate_last_end(c);
	}
	if (c->verdict != CARVE_ACCEPT)
		return 0;
	cover_to(out, s, candidate_first_end(c));
	for (unsigned k = 1; !keep_embedded && k < c->nruns; k++)
		cover_push(s, c->runs[k], c->off);
	return 0;
}

/* ------------------------------------------------------------- shards */

/*
 * How a shard ends so that shards merged give one run's result.
 *
 * The writer's decisions on a candidate depend on the candidates before
 * it only through a wstate: a start inside an accepted file (cover_hi,
 * later fragments) or inside a held file's vouched part is dropped, a
 * truncated file's own tail is skipped, a held file is cut by the next
 * file kept.  Where a state holds nothing that reaches a position x (no
 * file accepted or truncated, no fragment, no held file ends past x), it
 * decides everything from x on exactly as an empty one: the run then no
 * longer depends on what came before x.  (De-duplication changes no
 * decision, only which location is written: merge does it again.)
 *
 * Shard K owns the starts in [lo, hi).  Past hi it goes on deciding as
 * one run would (its state came right from the last hand-over, see
 * below), and beside it keeps `next`: the state of the shard that owns
 * the candidates there, which began empty at that shard's start.  At the
 * first x at or past hi where both are settled, it hands over: candidates
 * from x on are the later shard's, whose decisions from x on are one
 * run's, because both its state and one run's are empty there.  dredge
 * merge takes each shard's entries from the previous hand-over to its
 * own, in order.  A file crossing hi costs reading on to its end (and to
 * the end of what the next shard kept wrongly at its start); without one,
 * the shard hands over at the end of the batch holding hi.
 */

/* Whether nothing s holds reaches x or past it; a held file that ends
 * before x is written then (nothing kept came before its end, so nothing
 * cuts it).  *rc: 0, or the error of that write. */
static int settled(struct output *out, struct wstate *s, uint64_t x, int *rc)
{
	if (s->cover_hi > x || s->trunc_end > x)
		return 0;
	for (size_t i = 0; i < s->ncover; i++)
		if (s->cover[i].img_off + s->cover[i].len > x)
			return 0;
	if (s->have_susp && s->susp.off + s->susp.length > x)
		return 0;
	if (s->have_pending) {
		if (s->pending.off + s->pending.length > x)
			return 0;
		*rc = pending_commit(out, s, UINT64_MAX);
	}
	if (*rc == 0)
		*rc = suspect_commit(out, s);
	return *rc == 0;
}

/* Past the range a shard owns, before deciding at x: hands over when it
 * can (1), after starting `next` afresh at each shard start passed. */
static int shard_at(struct output *out, uint64_t x, int *rc)
{
	while (out->edge + 1 < out->nedges && x >= out->edges[out->edge + 1]) {
		out->edge++;
		wstate_clear(&out->next);
	}
	if (!settled(out, &out->next, x, rc) ||
	    !settled(out, &out->live, x, rc))
		return 0;
	out->handed = 1;
	out->handover = x;
	out->hooks.handover(out->hooks.arg, x);
	return 1;
}

/* Commits one batch: each candidate is decided in source order. */
static int commit_batch(struct output *out, struct batch *b)
{
	struct wstate *s = &out->live;
	int rc = 0;

	if (s->have_pending && b->lo >= s->pending.off + s->pending.length &&
	    (rc = pending_commit(out, s, UINT64_MAX)) != 0)
		return rc;
	if (s->have_susp && b->lo >= s->susp.off + s->susp.length &&
	    (rc = suspect_commit(out, s)) != 0)
		return rc;
	for (size_t i = 0; i < b->n; i++) {
		struct candidate *c = &b->cand[i];

		if (out->sharded && c->off >= out->shard_hi) {
			if (shard_at(out, c->off, &rc) || rc != 0)
				return rc;
			if ((rc = commit_one(out, &out->next, c)) != 0)
				return rc;
		}
		if ((rc = commit_one(out, s, c)) != 0)
			return rc;
	}
	if (out->sharded && b->hi > out->shard_hi)
		shard_at(out, b->hi, &rc);
	return rc;
}

int output_commit(struct output *out, struct batch *b)
{
	if (out->handed)
		return 0;   /* read ahead of the hand-over: a later shard's */
	int rc = commit_batch(out, b);

	/* While a file is held, the checkpoint stays where it was: a
	 * resume then reads the held file's start again and decides it as
	 * this run would have.  A shard's checkpoint stays in its range,
	 * so that a resume sets out `next` afresh. */
	if (rc == 0 && !out->live.have_pending && !out->live.have_susp &&
	    (!out->sharded || b->hi <= out->shard_hi))
		checkpoint_note(out, b->hi, 0);
	return rc;
}

void output_finish(struct output *out, int completed)
{
	/* Every batch is in: nothing can cut the held file any more.  A
	 * run that stopped early leaves it to the resume. */
	if (completed && out->live.have_pending &&
	    pending_commit(out, &out->live, UINT64_MAX) != 0)
		completed = 0;
	if (completed && out->live.have_susp &&
	    suspect_commit(out, &out->live) != 0)
		completed = 0;
	/* No more files: the space held back is for the checkpoint and the
	 * reports' closing parts now. */
	reserve_release(&out->reserve);
	/* A scan that stopped early keeps a checkpoint of its last whole
	 * batch; one that completed needs none. */
	if (completed)
		checkpoint_remove(out->dirfd);
	else
		checkpoint_flush(out);
}

uint64_t output_files(struct output *out)
{
	return atomic_load(&out->nfiles_live);
}

/* ------------------------------------------------------------- closing */

/* Writes report.html from the report just closed; rc: the close's. */
static int output_html(struct output *out, const struct report_end *rend,
                       int rc)
{
	const struct dredge_scan_config *cfg = out->cfg;
	struct timespec t;
	char ended[32], hashes[32];

	if (rc != 0)
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &t);
	report_time(ended, sizeof(ended));
	struct html_info hi = {
		.source = out->src->path,
		.source_size = out->src->size,
		.sector_size = out->src->sector_size,
		.command_line = cfg->command_line,
		.hashes = dredge_hash_names(cfg->hashes, hashes, sizeof(hashes)),
		.volume = out->wc->sum->volume,
		.status = rend->status,
		.started = out->started,
		.ended = ended,
		.seconds = (double)(t.tv_sec - out->t0.tv_sec) +
		           (double)(t.tv_nsec - out->t0.tv_nsec) / 1e9,
		.bytes_scanned = rend->bytes_scanned,
		.files = rend->files,
		.truncated = rend->truncated,
		.duplicates = rend->duplicates,
		.bad = rend->bad,
		.nbad = rend->nbad,
		.report_only = cfg->report_only,
		.threads = cfg->threads,
		.early = out->early,
	};
	return html_write(out->dirfd, &hi);
}

int output_close(struct output *out, int status, const struct writer_end *end)
{
	struct dredge_summary *sum = out->wc->sum;

	reserve_release(&out->reserve);   /* if the writer did not run */

	struct report_end rend = {
		.bad = end->bad,
		.nbad = end->nbad,
		.reread = end->reread,
		.nreread = end->nreread,
		.bytes_scanned = end->bytes_scanned,
		.files = out->count.files,
		.truncated = out->count.truncated,
		.duplicates = out->count.duplicates,
		.files_unreadable = out->count.files_unreadable,
		.status = status == 0 ? "completed" : sum->error,
	};
	int rc = report_close(out->rep, &rend);
	if (rc != 0 && status == 0)
		snprintf(sum->error, sizeof(sum->error),
		         "cannot finish the report in '%s': %s", out->cfg->outdir,
		         strerror(-rc));
	/* A shard that completed says so, and where it handed over, for
	 * dredge merge (out/shard.h). */
	if (rc == 0 && status == 0 && out->wc->shard_count > 0) {
		struct shard_rec r = {
			.index = out->wc->shard_index,
			.count = out->wc->shard_count,
			.lo = out->wc->shard_edges[out->wc->shard_index - 1],
			.hi = out->wc->shard_edges[out->wc->shard_index],
			.handover = out->handed ? out->handover
			            : out->wc->shard_edges[out->wc->shard_count],
			.read_end = end->read_end,
			.bytes_scanned = end->bytes_scanned,
		};
		r.desc = *out->ck;
		r.desc.bad = NULL;
		r.desc.nbad = r.desc.capbad = 0;
		rc = shard_save(out->dirfd, &r);
		if (rc != 0)
			snprintf(sum->error, sizeof(sum->error),
			         "cannot write the shard record in '%s': %s",
			         out->cfg->outdir, strerror(-rc));
	}
	if (out->rep != NULL && (rc = output_html(out, &rend, rc)) != 0 &&
	    status == 0 && sum->error[0] == '\0')
		snprintf(sum->error, sizeof(sum->error), "cannot write '%s/"
		         "report.html': %s", out->cfg->outdir, strerror(-rc));
	sum->count = out->count;
	output_free(out);
	return rc;
}

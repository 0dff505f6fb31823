/*
 * pipeline.c - dredge_scan(): sets the pipeline up, runs its threads, and
 * takes it down.  Also the scan workers and the validator pool, the two
 * stages simple enough to live beside the plumbing, and the writer's
 * thread and hooks: the door between the writer (out/output.h) and the
 * pipeline.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "out/filehash.h"
#include "out/output.h"
#include "out/progress.h"
#include "out/shard.h"
#include "pipeline/commit.h"
#include "pipeline/pipeline.h"
#include "reassemble/frag.h"
#include "reassemble/reassemble.h"
#include "formats/h264_decode.h"
#include "formats/run.h"
#include "pipeline/sigs.h"

#define VALIDATE_WINDOW (256u * 1024u)
/* The memory the first validations of fragment searches made ahead may
 * hold at once (frag_ahead): each may keep a decoder's state, some
 * 100 KiB for a JPEG, a few MiB for a large progressive one. */
#define FRAG_AHEAD_BYTES (48ull << 20)
/*
 * Candidates a batch holds before its scan worker validates them on the
 * spot and drops the rejected ones.  Real media give a few per chunk; a
 * hostile image can give one per sector, or per byte with --any-offset.
 * Compacting keeps a batch's memory near the candidates that are real
 * files (which the output holds anyway) without losing any: the verdicts
 * are the ones the validators would give, so the output is unchanged.
 * 32768 candidates are 1.5 MiB, and the batches alive hold no more
 * entries than 16 or so such batches would (cand_max, pipeline.h).
 */
#define BATCH_SOFT_CAP (1u << 15)

/* ------------------------------------------------------------ plumbing */

void pipeline_abort(struct pipeline *p)
{
	pthread_mutex_lock(&p->credit_lock);
	p->aborted = 1;
	pthread_cond_broadcast(&p->credit_cond);
	pthread_mutex_unlock(&p->credit_lock);
	ring_abort(&p->ring);
	queue_abort(&p->scan_q);
	queue_abort(&p->valid_q);
	queue_abort(&p->done_q);
}

void pipeline_fail(struct pipeline *p, int code, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&p->fatal_lock);
	if (atomic_load(&p->fatal) == 0) {
		va_start(ap, fmt);
		vsnprintf(p->fatal_msg, sizeof(p->fatal_msg), fmt, ap);
		va_end(ap);
		atomic_store(&p->fatal, code ? code : -EIO);
	}
	pthread_mutex_unlock(&p->fatal_lock);
	pipeline_abort(p);
}

/* Credits that must stay free for the reader to take one now. */
static unsigned credits_kept(const struct pipeline *p)
{
	return p->next_off >= p->ahead_end ? PIPELINE_AHEAD : 0;
}

int pipeline_take_credit(struct pipeline *p)
{
	int rc = 0;

	pthread_mutex_lock(&p->credit_lock);
	while ((p->credits <= credits_kept(p) ||
	        p->cand_held >= p->cand_max) && !p->aborted)
		pthread_cond_wait(&p->credit_cond, &p->credit_lock);
	if (p->aborted)
		rc = -ECANCELED;
	else
		p->credits--;
	pthread_mutex_unlock(&p->credit_lock);
	return rc;
}

int pipeline_try_credit(struct pipeline *p)
{
	int got = 0;

	pthread_mutex_lock(&p->credit_lock);
	if (p->credits > credits_kept(p) && p->cand_held < p->cand_max &&
	    !p->aborted) {
		p->credits--;
		got = 1;
	}
	pthread_mutex_unlock(&p->credit_lock);
	return got;
}

void pipeline_give_credit(struct pipeline *p, size_t held)
{
	pthread_mutex_lock(&p->credit_lock);
	p->credits++;
	p->cand_held -= held;
	pthread_cond_signal(&p->credit_cond);
	pthread_mutex_unlock(&p->credit_lock);
}

/* ----------------------------------------------------- the reader's sink */

/* The reader sees the pipeline only through these: a slot comes with a
 * batch credit (which bounds the batches alive), a filled chunk goes to
 * the scan queue, and unreadable ranges go to the list. */

static struct chunk *sink_acquire(void *arg)
{
	struct pipeline *p = arg;

	if (pipeline_take_credit(p) != 0)
		return NULL;
	return ring_acquire(&p->ring);
}

static struct chunk *sink_try_acquire(void *arg)
{
	struct pipeline *p = arg;

	if (!pipeline_try_credit(p))
		return NULL;
	struct chunk *c = ring_try_acquire(&p->ring);
	if (c == NULL)
		pipeline_give_credit(p, 0);
	return c;
}

/* Only on the way out of a failed or aborted run: the slot goes back for
 * the ring's teardown, and nothing waits on its credit any more. */
static void sink_release(void *arg, struct chunk *c)
{
	struct pipeline *p = arg;

	ring_release(&p->ring, c);
}

static int sink_deliver(void *arg, struct chunk *c)
{
	struct pipeline *p = arg;

	atomic_fetch_add(&p->bytes_read, c->len);
	if (c->skip)
		atomic_fetch_add(&p->bytes_skipped, c->len);
	if (queue_push(&p->scan_q, c) != 0) {
		ring_release(&p->ring, c);
		return -EPIPE;
	}
	return 0;
}

/* Asked before each chunk's slot is taken, with the chunk's offset. */
static int sink_stop(void *arg, uint64_t off)
{
	struct pipeline *p = arg;

	p->next_off = off;
	return pipeline_stop_requested(p, off);
}

/* In a file system, a chunk of clusters no candidate may start in (live
 * ones, with --unallocated or --fs) is not read: nothing is scanned in
 * it, and validators read through the source, not the chunk. */
static int sink_wanted(void *arg, uint64_t off, size_t len)
{
	struct pipeline *p = arg;

	return fsview_owns_some(p->fsv, off, len);
}

static void sink_fail(void *arg, int code, const char *msg)
{
	pipeline_fail(arg, code, "%s", msg);
}

static void sink_bad(void *arg, uint64_t off, uint64_t len, int err)
{
	struct pipeline *p = arg;

	badlist_note(&p->bad, off, len, err);
}

/* ------------------------------------------------------------ scanning */

/*
 * Starts a scan worker holds back before screening them (format.screen)
 * while their first far bytes are fetched (format.prefetch): on a drive
 * with a false start at every sector, the screen then finds them in the
 * cache, and the rejected ones never become candidates.
 */
#define SCREEN_AHEAD 8

/* A scan worker's state while it turns one chunk into a batch. */
struct scan_ctx {
	struct pipeline *p;
	struct batch *b;
	const struct fsview *fsv;    /* drop starts this volume does not own */
	size_t limit;                /* compact when the batch holds this many */
	uint8_t *win;                /* validation window, made when needed */
	int failed;
	/* Starts waiting for their format's screen (screen_held): their far
	 * bytes are being fetched meanwhile.  chunk_bad: the chunk has
	 * unreadable sectors, so nothing is screened in it. */
	struct { uint64_t off; unsigned fmt; } held[SCREEN_AHEAD];
	unsigned nheld, first;
	bool chunk_bad;
};

static void validate_in(struct pipeline *p, struct candidate *c,
                        const struct chunk *ch, uint8_t *win, size_t win_cap);
static bool screen_says_no(const struct pipeline *p, unsigned fmt_index,
                           uint64_t off, const struct chunk *ch);

/* Candidates ahead of the one validated whose first far bytes are
 * prefetched (format.prefetch), and twice as far, whose start is. */
#define PREFETCH_AHEAD 4

/* Prefetches for the candidates i and 2i of b that start in b's chunk. */
static void prefetch_cand(const struct pipeline *p, const struct batch *b,
                          size_t i)
{
	const struct chunk *ch = b->chunk;
	if (ch == NULL)
		return;
	if (i + PREFETCH_AHEAD < b->n) {
		const struct candidate *c = &b->cand[i + PREFETCH_AHEAD];
		if (c->off >= ch->off && c->off - ch->off < ch->len)
			__builtin_prefetch(ch->buf + (c->off - ch->off));
	}
	if (i >= b->n)
		return;
	const struct candidate *c = &b->cand[i];
	if (c->live != NULL || c->validated || c->fmt == CANDIDATE_NO_FORMAT ||
	    p->formats[c->fmt]->prefetch == NULL || c->off < ch->off ||
	    c->off - ch->off >= ch->len)
		return;
	size_t at = (size_t)(c->off - ch->off);
	p->formats[c->fmt]->prefetch(ch->buf + at, ch->len - at);
}

/* Gives the chunk a batch holds back to the ring. */
static void batch_drop_chunk(struct pipeline *p, struct batch *b)
{
	if (b->chunk != NULL) {
		ring_release(&p->ring, b->chunk);
		b->chunk = NULL;
	}
}

/* Validates what the batch holds and keeps only accepted and truncated
 * candidates. */
static void batch_compact(struct scan_ctx *x)
{
	struct batch *b = x->b;
	size_t kept = 0;

	if (x->win == NULL && (x->win = malloc(VALIDATE_WINDOW)) == NULL) {
		x->failed = 1;
		pipeline_fail(x->p, -ENOMEM, "out of memory");
		return;
	}
	for (size_t i = 0; i < b->n; i++) {
		struct candidate *c = &b->cand[i];
		prefetch_cand(x->p, b, i + PREFETCH_AHEAD);
		if (!c->validated) {
			validate_in(x->p, c, b->chunk, x->win, VALIDATE_WINDOW);
			c->validated = 1;
		}
		if (c->verdict != CARVE_REJECT)
			b->cand[kept++] = *c;
	}
	b->n = kept;
	/* Next time once it has doubled: compacting stays linear even when
	 * most candidates are kept. */
	x->limit = 2 * kept > BATCH_SOFT_CAP ? 2 * kept : BATCH_SOFT_CAP;
}

static struct candidate *batch_push(struct scan_ctx *x, uint64_t start,
                                    unsigned fmt);

/* Adds a start to the batch, validating and compacting it first when it
 * has grown to its limit. */
static void batch_keep(struct scan_ctx *x, uint64_t start, unsigned fmt)
{
	if (x->b->n >= x->limit) {
		batch_compact(x);
		if (x->failed)
			return;
	}
	batch_push(x, start, fmt);
}

/* Screens the start held longest, and keeps it unless its format's
 * screen rejects it: the validator would, by the same bytes. */
static void screen_held(struct scan_ctx *x)
{
	uint64_t off = x->held[x->first].off;
	unsigned fmt = x->held[x->first].fmt;

	x->first = (x->first + 1) % SCREEN_AHEAD;
	x->nheld--;
	if (!screen_says_no(x->p, fmt, off, x->b->chunk))
		batch_keep(x, off, fmt);
}

static void batch_emit(void *arg, uint64_t start, unsigned fmt)
{
	struct scan_ctx *x = arg;
	struct batch *b = x->b;

	if (x->fsv != NULL && !fsview_owns_start(x->fsv, start))
		return;   /* outside the clusters scanned, or live */
	if (start < x->p->shard_lo)
		return;   /* an earlier shard's */

	if (x->failed)
		return;
	b->emitted++;
	const struct chunk *ch = b->chunk;
	const struct format *f = x->p->formats[fmt];
	if (x->chunk_bad || ch == NULL || f->screen == NULL ||
	    start < ch->off || start - ch->off >= ch->len) {
		batch_keep(x, start, fmt);
		return;
	}
	if (f->prefetch != NULL) {
		size_t at = (size_t)(start - ch->off);
		f->prefetch(ch->buf + at, ch->len - at);
	}
	if (x->nheld == SCREEN_AHEAD) {
		screen_held(x);
		if (x->failed)
			return;
	}
	unsigned k = (x->first + x->nheld++) % SCREEN_AHEAD;
	x->held[k].off = start;
	x->held[k].fmt = fmt;
}

/*
 * A whole-volume scan's live files whose first cluster lies in this
 * batch's range join it as candidates: they are committed at that place
 * in source order like a carved file, so ids and names do not depend on
 * where chunks end or how many threads run.  A file of a type the scan
 * was not asked for is left out (one of no known type only when every
 * type is asked for); a damaged one is carved instead (fsview.h).
 */
static void batch_add_live(struct scan_ctx *x)
{
	const struct fsview *v = x->fsv;
	struct pipeline *p = x->p;
	struct batch *b = x->b;
	const char *types = p->cfg->types;
	int all = types == NULL || *types == '\0' || strcmp(types, "all") == 0;

	if (v == NULL || !v->write_live)
		return;
	for (size_t i = fsview_file_at(v, b->lo);
	     i < v->nfiles && v->files[i].off < b->hi && !x->failed; i++) {
		const struct fsview_file *f = &v->files[i];
		unsigned fmt = CANDIDATE_NO_FORMAT;
		if (f->flags & (FSVIEW_F_DAMAGED | FSVIEW_F_SHARED))
			continue;
		for (unsigned k = 0; f->fmt != NULL && k < p->nformats; k++)
			if (p->formats[k] == f->fmt)
				fmt = k;
		if (fmt == CANDIDATE_NO_FORMAT && !(all && f->fmt == NULL))
			continue;
		struct candidate *c = batch_push(x, f->off, fmt);
		if (c != NULL)
			c->live = f;
	}
}

/* Appends a zeroed candidate to the batch (NULL and the run failed when
 * out of memory). */
static struct candidate *batch_push(struct scan_ctx *x, uint64_t start,
                                    unsigned fmt)
{
	struct batch *b = x->b;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct candidate *nc = realloc(b->cand, cap * sizeof(*nc));
		if (nc == NULL) {
			/* Never lose a candidate silently: the run fails. */
			x->failed = 1;
			pipeline_fail(x->p, -ENOMEM, "out of memory holding the "
			              "candidates found near offset %" PRIu64,
			              start);
			return NULL;
		}
		b->cand = nc;
		b->cap = cap;
	}
	struct candidate *c = &b->cand[b->n++];
	memset(c, 0, sizeof(*c));
	c->off = start;
	c->fmt = (uint16_t)fmt;
	return c;
}

static int cand_cmp(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return (int)x->fmt - (int)y->fmt;
}

/* Matches signatures that straddle the end of chunk c, using the bytes
 * that follow it on the source. */
static void scan_tail(struct pipeline *p, struct chunk *c, struct scan_ctx *x)
{
	uint8_t tail[2 * FORMAT_SIG_MAX_REACH];
	uint64_t hi = c->off + c->len;
	size_t keep = p->match.reach - 1, extra = p->match.reach - 1;

	if (hi >= p->src.size || p->match.reach < 2)
		return;
	if (keep > c->len)
		keep = c->len;
	if (extra > p->src.size - hi)
		extra = (size_t)(p->src.size - hi);
	memcpy(tail, c->buf + c->len - keep, keep);
	/* Not a buffered read: on a block device read O_DIRECT that would
	 * send a read with readahead into the middle of the reader's. */
	ssize_t r = source_peek(&p->src, tail + keep, extra, hi);
	if (r <= 0)
		return;
	match_scan(&p->match, tail, keep + (size_t)r, hi - keep, hi - keep,
	           hi, hi, batch_emit, x);
}

static void *scan_main(void *arg)
{
	struct pipeline *p = arg;
	struct scan_ctx x = { .p = p, .fsv = p->fsv };
	struct chunk *c;

	while ((c = queue_pop(&p->scan_q)) != NULL) {
		struct batch *b = calloc(1, sizeof(*b));
		if (b == NULL) {
			ring_release(&p->ring, c);
			pipeline_fail(p, -ENOMEM, "out of memory");
			break;
		}
		b->seq = c->seq;
		b->lo = c->off;
		b->hi = c->off + c->len;
		b->chunk = c;   /* the validators read it from memory */
		b->pool = &p->cand_pool;
		b->cand = cand_pool_take(&p->cand_pool, &b->cap);
		x.b = b;
		x.limit = BATCH_SOFT_CAP;
		if (c->skip) {
			/* not read: no start is wanted in it, and its live
			 * files are read from the source */
			b->chunk = NULL;
			ring_release(&p->ring, c);
		} else {
			x.chunk_bad = badlist_overlaps(&p->bad, c->off, c->len);
			x.nheld = x.first = 0;
			match_scan(&p->match, c->buf, c->len, c->off, b->lo,
			           b->hi, 0, batch_emit, &x);
			scan_tail(p, c, &x);
			while (x.nheld > 0 && !x.failed)
				screen_held(&x);
		}
		batch_add_live(&x);
		/* Candidates come in signature order, not offset order (and
		 * no list at all when there are none: qsort wants a pointer). */
		size_t k = 1;
		while (k < b->n && cand_cmp(&b->cand[k - 1], &b->cand[k]) < 0)
			k++;   /* one signature's hits come in order */
		if (k < b->n)
			qsort(b->cand, b->n, sizeof(*b->cand), cand_cmp);
		atomic_fetch_add(&p->bytes_scanned, b->hi - b->lo);
		atomic_fetch_add(&p->ncandidates, b->emitted);
		pthread_mutex_lock(&p->credit_lock);
		b->held = b->cap;
		p->cand_held += b->held;
		pthread_mutex_unlock(&p->credit_lock);
		if (x.failed || queue_push(&p->valid_q, b) != 0) {
			batch_drop_chunk(p, b);
			batch_free(b);
			break;
		}
	}
	free(x.win);
	return NULL;
}

/* ---------------------------------------------------------- validating */

/* Validates c over the clusters no live file owns from its start on. */
static void validate_clusters(struct pipeline *p, struct candidate *c,
                              uint8_t *win, size_t win_cap,
                              struct carve_result *res, uint64_t *size)
{
	struct reasm_result rr;
	int rc = reassemble(p->fsv, &p->src, p->src.size, p->formats[c->fmt],
	                    p->formats, p->nformats, c->off, win, win_cap, &rr);

	if (rc != 0) {
		carve_reject(res, "reassembly failed");
		*size = 0;
		return;
	}
	*res = rr.res;
	*size = res->length;
	if (res->verdict != CARVE_REJECT && rr.next > 1) {
		c->runs = rr.ext;
		c->nruns = rr.next;
	} else {
		free(rr.ext);
	}
}

/*
 * Without a file system, for a file starting at source byte off: the
 * cluster size of the volume the source holds (pipeline.vgrid) when off
 * opens one of its clusters, else 0.  A file the volume stored lies in
 * its clusters, whatever has become of its directory entry and chain;
 * the grid narrows the places a fragment search and a clip's placing
 * look at.
 */
static uint64_t vol_grid(const struct pipeline *p, uint64_t off)
{
	const struct fsview_grid *g = &p->vgrid;

	if (g->cluster_size == 0 || off < g->origin || off >= g->end ||
	    (off - g->origin) % g->cluster_size != 0)
		return 0;
	return g->cluster_size;
}

/* Without a file system: a clip cut short may be whole on a cluster grid
 * (reassemble_grid); its extents replace the verdict when it is, and
 * when it is a clip cut off before its index, followed by its own
 * structure on one (the contiguous verdict walks its partner's clusters
 * too). */
static void validate_grid(struct pipeline *p, struct candidate *c,
                          uint8_t *win, size_t win_cap,
                          struct carve_result *res)
{
	struct reasm_result rr;
	int rc = reassemble_grid(&p->src, p->src.size, p->formats[c->fmt],
	                         c->off, win, win_cap, p->starts,
	                         vol_grid(p, c->off) != 0 ? &p->vgrid : NULL,
	                         &rr);

	/* the head of a placing that guessed: kept when it vouches for
	 * more of the clip than the contiguous verdict does */
	if (rc == 3 && (res->verdict == CARVE_ACCEPT ||
	                rr.res.length <= res->length))
		rc = 0;
	if (rc != 1 && rc != 2 && rc != 3) {
		free(rr.ext);
		return;
	}
	*res = rr.res;
	if (rr.next > 1) {
		c->runs = rr.ext;
		c->nruns = rr.next;
	} else {
		free(rr.ext);
	}
}

/*
 * A live file: written whole from its chain whatever its validator says
 * (the file system vouches for it); the validator's verdict goes to the
 * report.  Truncated only when the chain holds less than the size.
 */
static void validate_live(struct pipeline *p, struct candidate *c,
                          uint8_t *win, size_t win_cap)
{
	const struct fsview_file *f = c->live;
	const struct format *fmt = c->fmt != CANDIDATE_NO_FORMAT
	                           ? p->formats[c->fmt] : NULL;
	struct carve_result res;
	int err = 0;

	c->verdict = f->flags & FSVIEW_F_SHORT ? CARVE_TRUNCATED : CARVE_ACCEPT;
	c->length = f->size;
	c->ext = f->ext_name;
	c->reason = f->flags & FSVIEW_F_SHORT ? "the cluster chain ends "
	            "before the size in its directory entry" : NULL;
	c->check = CANDIDATE_UNCHECKED;
	if (f->next == 0) {
		c->verdict = CARVE_REJECT;
		c->reason = "no clusters";
		return;
	}
	/* Holes and held content are in the runs the writer takes
	 * (fsview.h); no validator reads them. */
	int plain = !(f->flags & (FSVIEW_F_HELD | FSVIEW_F_HOLES));
	if (f->next > 1 || !plain) {
		c->runs = malloc(f->next * sizeof(*c->runs));
		if (c->runs == NULL) {
			pipeline_fail(p, -ENOMEM, "out of memory");
			c->verdict = CARVE_REJECT;
			return;
		}
		memcpy(c->runs, f->ext, f->next * sizeof(*c->runs));
		c->nruns = f->next;
	}
	if (fmt == NULL || f->next > BREAD_MAX_EXTENTS || !plain)
		return;
	struct run_req req = {
		.src = &p->src, .ext = f->ext, .next = f->next,
		.win = win, .win_cap = win_cap,
		.bad = badlist_note, .bad_arg = &p->bad,
	};
	memset(&res, 0, sizeof(res));
	if (run_validate(fmt, &req, &res, &err) != 0)
		return;
	if (err != 0 && source_gone(-err)) {
		pipeline_fail(p, err, "source '%s' disappeared while reading "
		              "offset %" PRIu64 ": %s", p->src.path, c->off,
		              strerror(-err));
		c->verdict = CARVE_REJECT;
		return;
	}
	c->check = (uint8_t)res.verdict;
	c->check_reason = res.reason;
	if (res.verdict == CARVE_ACCEPT && res.length != f->size)
		c->check_reason = "the format ends before the file does";
	if (res.verdict != CARVE_REJECT && res.nmeta > 0) {
		unsigned n = res.nmeta < CARVE_META_MAX ? res.nmeta
		             : CARVE_META_MAX;
		c->meta = malloc(n * sizeof(*c->meta));
		if (c->meta != NULL) {
			memcpy(c->meta, res.meta, n * sizeof(*c->meta));
			c->nmeta = n;
		}
	}
}

void pipeline_validate(struct pipeline *p, struct candidate *c,
                       struct bread *br, uint8_t *win, size_t win_cap)
{
	(void)br;   /* the runner opens its own reader */
	validate_in(p, c, NULL, win, win_cap);
}

/*
 * Whether format fmt rejects a start at off by its first bytes in chunk
 * ch (format.screen): those that are the file's in every map the
 * validation may give it (the first cluster's, on a volume).  Only for a
 * chunk without unreadable sectors, whose zeros the validator would read
 * as the drive's (the caller checks).
 */
static bool screen_says_no(const struct pipeline *p, unsigned fmt_index,
                           uint64_t off, const struct chunk *ch)
{
	const struct format *fmt = p->formats[fmt_index];

	if (fmt->screen == NULL || ch == NULL || off < ch->off ||
	    off - ch->off >= ch->len)
		return false;
	size_t at = (size_t)(off - ch->off), n = ch->len - at;
	if (p->fsv != NULL) {
		uint64_t cs = p->fsv->cluster_size, ds = p->fsv->data_start;
		if (off < ds || cs == 0)
			return false;
		uint64_t rest = cs - (off - ds) % cs;
		if (n > rest)
			n = (size_t)rest;
	}
	if (n > fmt->max_size)
		n = (size_t)fmt->max_size;
	return !fmt->screen(ch->buf + at, n);
}

/* Whether c's format rejects it by its first bytes in the chunk. */
static bool screened_out(struct pipeline *p, const struct candidate *c,
                         const struct chunk *ch)
{
	return screen_says_no(p, c->fmt, c->off, ch) &&
	       !badlist_overlaps(&p->bad, ch->off, ch->len);
}

/* pipeline_validate, reading what lies in chunk ch (may be NULL) from
 * memory. */
static void validate_in(struct pipeline *p, struct candidate *c,
                        const struct chunk *ch, uint8_t *win, size_t win_cap)
{
	if (c->live != NULL) {
		free(c->runs);
		c->runs = NULL;
		c->nruns = 0;
		validate_live(p, c, win, win_cap);
		return;
	}

	const struct format *fmt = p->formats[c->fmt];
	uint64_t size = p->src.size - c->off;
	struct carve_result res;
	uint32_t cl = p->fsv ? fsview_cluster(p->fsv, c->off) : 0;

	c->skipped = 0;
	c->fragment = 0;
	frag_first_free(c->ahead);
	c->ahead = NULL;
	free(c->runs);
	c->runs = NULL;
	c->nruns = 0;
	if (screened_out(p, c, ch)) {
		c->verdict = CARVE_REJECT;
		c->length = 0;
		c->reason = "its first bytes cannot start such a file";
		return;
	}
	if (size > fmt->max_size)
		size = fmt->max_size;
	carve_result_clear(&res);
	int err = 0;
	if (cl != 0 && !fsview_is_live(p->fsv, cl)) {
		validate_clusters(p, c, win, win_cap, &res, &size);
	} else {
		struct extent one = { .img_off = c->off, .len = size };
		/* A chunk with unreadable sectors is read again through the
		 * source, so the reader can tell the validator which zeros
		 * are the drive's, not the file's (bread.unreadable). */
		if (ch != NULL && badlist_overlaps(&p->bad, ch->off, ch->len))
			ch = NULL;
		struct run_req req = {
			.src = &p->src, .ext = &one, .next = 1,
			.win = win, .win_cap = win_cap,
			.bad = badlist_note, .bad_arg = &p->bad,
			.mem = ch != NULL ? ch->buf : NULL,
			.mem_off = ch != NULL ? ch->off : 0,
			.mem_len = ch != NULL ? ch->len : 0,
		};
		if (run_validate(fmt, &req, &res, &err) != 0) {
			c->verdict = CARVE_REJECT;
			c->reason = res.reason;
			return;
		}
		if (p->fsv == NULL && res.verdict != CARVE_ACCEPT && err == 0)
			validate_grid(p, c, win, win_cap, &res);
	}
	if (err != 0 && source_gone(-err)) {
		/* What the validator saw is not the file: stop the run before
		 * this verdict can be committed. */
		pipeline_fail(p, err, "source '%s' disappeared while reading "
		              "offset %" PRIu64 ": %s", p->src.path, c->off,
		              strerror(-err));
		c->verdict = CARVE_REJECT;
		c->reason = "source disappeared";
		free(c->runs);
		c->runs = NULL;
		c->nruns = 0;
		return;
	}
	/* A file cut at a fragmentation point before its format's least
	 * size (a ZIP broken inside its first member), whose point lies
	 * past that size, goes to the fragment search all the same, which
	 * drops it if it finds no rest. */
	if (res.verdict != CARVE_REJECT && res.length < fmt->min_size &&
	    !(res.verdict == CARVE_TRUNCATED &&
	      res.note == CARVE_NOTE_FRAGMENT &&
	      res.note_off >= fmt->min_size))
		carve_reject(&res, "smaller than the format allows");
	c->verdict = (uint8_t)res.verdict;
	c->open_end = res.verdict == CARVE_TRUNCATED && res.open_end;
	c->vouched = c->open_end ? res.vouched : 0;
	c->fragment = res.verdict == CARVE_TRUNCATED &&
	              res.note == CARVE_NOTE_FRAGMENT;
	c->note_off = c->fragment ? res.note_off : 0;
	c->unverified = res.verdict == CARVE_ACCEPT ? res.unverified_off : 0;
	c->unverified_why = res.unverified_why;
	c->length = res.verdict == CARVE_REJECT ? 0 : res.length;
	c->ext = res.ext ? res.ext : fmt->ext;
	c->reason = res.reason;
	if (res.verdict == CARVE_REJECT) {
		free(c->runs);
		c->runs = NULL;
		c->nruns = 0;
	} else if (res.nmeta > 0) {
		unsigned n = res.nmeta < CARVE_META_MAX ? res.nmeta
		             : CARVE_META_MAX;
		c->meta = malloc(n * sizeof(*c->meta));
		if (c->meta != NULL) {
			memcpy(c->meta, res.meta, n * sizeof(*c->meta));
			c->nmeta = n;
		}
	}
}

/* Whether the writer copies live file f as plain runs of the source: no
 * holes, no content held in memory, a chain that holds its size. */
static bool live_plain(const struct fsview_file *f)
{
	return !(f->flags & (FSVIEW_F_HELD | FSVIEW_F_HOLES |
	                     FSVIEW_F_SHORT));
}

/*
 * Hashes the files of batch b the writer will take (out/filehash.h), here
 * in the validator pool rather than on the writer's one thread.  A file
 * the writer cuts, a live one with holes or held content, or one whose
 * hashing failed is hashed by the writer as it copies it.
 */
static void batch_hash(struct pipeline *p, struct batch *b,
                       struct filehash *fh)
{
	const struct chunk *ch = b->chunk;

	for (size_t i = 0; fh != NULL && i < b->n; i++) {
		struct candidate *c = &b->cand[i];
		if (c->verdict == CARVE_REJECT || c->skipped ||
		    (c->live != NULL && !live_plain(c->live)) ||
		    c->hash != NULL || c->length == 0 ||
		    (c->verdict == CARVE_TRUNCATED && c->open_end))
			continue;
		if (atomic_load(&p->fatal) != 0)
			return;
		struct extent one = { .img_off = c->off, .len = c->length };
		filehash_runs(fh, &p->src, c->nruns > 1 ? c->runs : &one,
		              c->nruns > 1 ? c->nruns : 1,
		              ch != NULL ? ch->buf : NULL, ch != NULL ? ch->off : 0,
		              ch != NULL ? ch->len : 0, badlist_note, &p->bad,
		              &c->hash);
	}
}

/* What the fragment search of candidate c is asked, but for what only
 * the writer knows: the files it keeps, its budget, its window. */
static void frag_request(const struct pipeline *p, const struct candidate *c,
                         struct frag_req *rq)
{
	memset(rq, 0, sizeof(*rq));
	rq->fmt = p->formats[c->fmt];
	rq->src = &p->src;
	rq->src_end = p->src.size;
	rq->grid = (struct frag_grid){ 0, p->cfg->block_size };
	rq->off = c->off;
	rq->length = c->length;
	rq->note_off = c->note_off;
	if (p->fsv != NULL) {
		rq->grid.origin = p->fsv->data_start;
		rq->grid.block = p->fsv->cluster_size;
		uint64_t end = fsview_offset(p->fsv,
		                             (uint32_t)fsview_end(p->fsv));
		if (end < rq->src_end)
			rq->src_end = end;
	} else if (vol_grid(p, c->off) != 0) {
		rq->grid.origin = p->vgrid.origin;
		rq->grid.block = p->vgrid.cluster_size;
		if (p->vgrid.end < rq->src_end)
			rq->src_end = p->vgrid.end;
	}
}

/*
 * A candidate just validated (validate_in dropped what it held) and cut
 * at a fragmentation point: its search's first validation, which does
 * not depend on the files the writer keeps, made here in the validator
 * pool, so that the writer (one thread, in source order) starts from
 * it.  Not while FRAG_AHEAD_BYTES are held, nor once the searches'
 * budget is spent.
 */
static void frag_ahead(struct pipeline *p, struct candidate *c, uint8_t *win,
                       size_t win_cap)
{
	struct frag_req rq;

	if (!c->fragment || c->verdict != CARVE_TRUNCATED || c->live != NULL ||
	    frag_total_budget(c->off) <= atomic_load(&p->frag_spent) ||
	    atomic_load(&p->frag_ahead) >= FRAG_AHEAD_BYTES)
		return;
	frag_request(p, c, &rq);
	rq.win = win;
	rq.win_cap = win_cap;
	c->ahead = frag_first_make(&rq, &p->frag_ahead);
}

/*
 * The files validators accepted ahead of the writer (pipeline.h, covers):
 * a start inside one is skipped as one inside a file of its own batch is.
 * Nothing depends on what the table holds but the work done: the writer
 * validates a skipped start itself should the file covering it not be
 * kept.  A full table gives up the entry the writer has passed, or the
 * one ending first.
 */
static void covers_note(struct pipeline *p, uint64_t lo, uint64_t hi)
{
	uint64_t passed = atomic_load(&p->cover_hi);
	unsigned k = 0;

	pthread_mutex_lock(&p->covers_lock);
	for (unsigned i = 0; i < PIPELINE_COVERS; i++) {
		if (p->covers[i][1] <= passed) {
			k = i;
			break;
		}
		if (p->covers[i][1] < p->covers[k][1])
			k = i;
	}
	if (hi > p->covers[k][1]) {
		p->covers[k][0] = lo;
		p->covers[k][1] = hi;
	}
	if (hi > atomic_load(&p->covers_hi))
		atomic_store(&p->covers_hi, hi);
	pthread_mutex_unlock(&p->covers_lock);
}

static bool covers_hold(struct pipeline *p, uint64_t off)
{
	bool in = false;

	if (off >= atomic_load(&p->covers_hi))
		return false;
	pthread_mutex_lock(&p->covers_lock);
	for (unsigned i = 0; i < PIPELINE_COVERS && !in; i++)
		in = off >= p->covers[i][0] && off < p->covers[i][1];
	pthread_mutex_unlock(&p->covers_lock);
	return in;
}

/*
 * Validates candidate c of batch b (unless its scan worker did, or it
 * starts inside a file already accepted: then it is marked skipped), and
 * moves *covered, the end of the last file accepted, past it.
 */
static void validate_cand(struct pipeline *p, const struct batch *b,
                          struct candidate *c, uint8_t *win,
                          uint64_t *covered)
{
	if (c->validated) {   /* by its scan worker */
		if (c->verdict == CARVE_ACCEPT && !c->live &&
		    c->off + c->length > *covered)
			*covered = c->off + c->length;
		return;
	}
	/* A start inside a file already accepted will be dropped by the
	 * writer: skip the work.  The writer validates a skipped candidate
	 * itself should the covering file not be kept after all. */
	if (!p->cfg->keep_embedded && c->live == NULL &&
	    (c->off < *covered || c->off < atomic_load(&p->cover_hi) ||
	     covers_hold(p, c->off))) {
		c->skipped = 1;
		return;
	}
	validate_in(p, c, b->chunk, win, VALIDATE_WINDOW);
	frag_ahead(p, c, win, VALIDATE_WINDOW);
	if (c->verdict == CARVE_ACCEPT && c->live == NULL &&
	    candidate_first_end(c) > *covered) {
		*covered = candidate_first_end(c);
		if (*covered > b->hi)
			covers_note(p, c->off, *covered);
	}
}

static void *validate_main(void *arg)
{
	struct pipeline *p = arg;
	uint8_t *win = malloc(VALIDATE_WINDOW);
	struct filehash *fh = NULL;
	struct batch *b;

	if (win == NULL) {
		pipeline_fail(p, -ENOMEM, "out of memory");
		return NULL;
	}
	/* Without it the writer hashes as it copies: slower, same result. */
	filehash_create(&fh, p->cfg->hashes);
	while ((b = queue_pop(&p->valid_q)) != NULL) {
		uint64_t covered = 0;
		size_t kept = 0;
		for (size_t i = 0; i < b->n; i++) {
			struct candidate *c = &b->cand[i];
			prefetch_cand(p, b, i + PREFETCH_AHEAD);
			validate_cand(p, b, c, win, &covered);
			/* A rejected start is nothing to the writer: on a
			 * sector-dense image it would otherwise walk and free
			 * thousands a chunk (batch_compact drops them too). */
			if (c->verdict == CARVE_REJECT && !c->skipped) {
				candidate_release(c);
				continue;
			}
			if (kept != i)
				b->cand[kept] = *c;
			kept++;
		}
		b->n = kept;
		batch_hash(p, b, fh);
		batch_drop_chunk(p, b);
		/* After a failure no verdict is trusted (the source may have
		 * vanished under the validator): nothing more is committed. */
		if (atomic_load(&p->fatal) != 0 ||
		    queue_push(&p->done_q, b) != 0) {
			batch_free(b);
			break;
		}
	}
	filehash_free(fh);
	free(win);
	return NULL;
}

/* -------------------------------------------------------------- writer */

static void writer_fail(void *arg, int code, const char *msg)
{
	pipeline_fail(arg, code, "%s", msg);
}

static void writer_cover(void *arg, uint64_t hi)
{
	struct pipeline *p = arg;

	atomic_store(&p->cover_hi, hi);
}

static void writer_validate(void *arg, struct candidate *c, struct bread *br,
                            uint8_t *win, size_t win_cap)
{
	pipeline_validate(arg, c, br, win, win_cap);
}

/* What a fragment search may not take: later fragments of files kept,
 * and in a file system the clusters of live files. */
struct frag_claims {
	const struct extent *claims;
	size_t nclaims;
	const struct fsview *fsv;
};

static bool frag_taken(void *arg, uint64_t off, uint64_t len)
{
	const struct frag_claims *fc = arg;

	for (size_t i = 0; i < fc->nclaims; i++) {
		const struct extent *e = &fc->claims[i];
		if (off < e->img_off + e->len && e->img_off < off + len)
			return true;
	}
	if (fc->fsv != NULL && len > 0) {
		uint32_t first = fsview_cluster(fc->fsv, off);
		uint32_t last = fsview_cluster(fc->fsv, off + len - 1);
		for (uint64_t cl = first; cl != 0 && cl <= last; cl++)
			if (fsview_is_live(fc->fsv, (uint32_t)cl))
				return true;
	}
	return false;
}

static int writer_reassemble(void *arg, struct candidate *c,
                             const struct extent *claims, size_t nclaims,
                             uint64_t *spent, uint8_t *win, size_t win_cap)
{
	struct pipeline *p = arg;
	const struct format *fmt = p->formats[c->fmt];
	struct frag_claims fc = { claims, nclaims, p->fsv };
	uint64_t total = frag_total_budget(c->off);
	uint64_t left = total > *spent ? total - *spent : 0;
	struct frag_req rq;
	struct frag_result fr;

	frag_request(p, c, &rq);
	rq.taken = frag_taken;
	rq.taken_arg = &fc;
	rq.formats = p->formats;
	rq.nformats = p->nformats;
	rq.win = win;
	rq.win_cap = win_cap;
	rq.budget = &left;
	rq.first = c->ahead;
	c->fragment = 0;
	int rc = frag_reassemble(&rq, &fr);
	frag_first_free(c->ahead);
	c->ahead = NULL;
	*spent += rc == 1 ? fr.spent / FRAG_FOUND_SHARE : fr.spent;
	atomic_store(&p->frag_spent, *spent);
	if (rc < 0)
		return rc;
	if (rc == 1 && fr.res.length < fmt->min_size) {
		free(fr.ext);   /* a whole too short to be the format's */
		rc = 0;
	}
	if (rc == 0) {
		/* nothing found: the head stays as it was, unless it is too
		 * short to keep on its own */
		if (c->length < fmt->min_size) {
			c->verdict = CARVE_REJECT;
			c->reason = "smaller than the format allows";
			c->length = 0;
			free(c->runs);
			c->runs = NULL;
			c->nruns = 0;
		}
		return 0;
	}
	c->verdict = CARVE_ACCEPT;
	c->length = fr.res.length;
	c->open_end = 0;
	c->vouched = 0;
	c->reason = NULL;
	c->ext = fr.res.ext ? fr.res.ext : fmt->ext;
	free(c->runs);
	c->runs = fr.ext;
	c->nruns = fr.next;
	if (fr.res.nmeta > 0) {
		unsigned n = fr.res.nmeta < CARVE_META_MAX ? fr.res.nmeta
		             : CARVE_META_MAX;
		struct carve_meta *m = malloc(n * sizeof(*m));
		if (m != NULL) {
			memcpy(m, fr.res.meta, n * sizeof(*m));
			free(c->meta);
			c->meta = m;
			c->nmeta = n;
		}
	}
	return 0;
}

static void writer_handover(void *arg, uint64_t off)
{
	struct pipeline *p = arg;

	atomic_store(&p->handover, off);
}

static size_t writer_bad_count(void *arg)
{
	struct pipeline *p = arg;

	return badlist_count(&p->bad);
}

static void writer_note_bad(void *arg, uint64_t off, uint64_t len, int err)
{
	struct pipeline *p = arg;

	badlist_note(&p->bad, off, len, err);
}

/* The writer's range callback over the ranges that start before a bound. */
struct bad_before {
	uint64_t before;
	writer_range_fn fn;
	void *fn_arg;
};

static int bad_before_each(void *arg, uint64_t off, uint64_t len)
{
	struct bad_before *b = arg;

	if (off >= b->before)
		return 1;
	b->fn(b->fn_arg, off, len);
	return 0;
}

static void writer_bad_each(void *arg, uint64_t before, writer_range_fn fn,
                            void *fn_arg)
{
	struct pipeline *p = arg;
	struct bad_before b = { .before = before, .fn = fn, .fn_arg = fn_arg };

	badlist_each(&p->bad, bad_before_each, &b);
}

/* Commits the next batch in chunk order, then frees it. */
static int writer_take(void *arg, struct batch *b)
{
	struct pipeline *p = arg;
	/* After a failure, verdicts may rest on a vanished source: commit
	 * nothing more. */
	int rc = atomic_load(&p->fatal) != 0 ? -ECANCELED
	         : output_commit(p->out, b);

	size_t held = b->held;
	batch_free(b);
	pipeline_give_credit(p, held);
	return rc;
}

static void *writer_main(void *arg)
{
	struct pipeline *p = arg;
	uint64_t taken;

	if (commit_run(&p->done_q, p->nchunks, p->max_credits, writer_take, p,
	               &taken) != 0) {
		pipeline_fail(p, -ENOMEM, "out of memory");
		return NULL;
	}
	/* A shard that handed over had all it needed, though the reader
	 * stopped early. */
	output_finish(p->out, (taken == p->nchunks ||
	                       atomic_load(&p->handover) != UINT64_MAX) &&
	                      atomic_load(&p->fatal) == 0);
	return NULL;
}

static uint64_t progress_done(void *arg)
{
	struct pipeline *p = arg;

	return atomic_load(&p->bytes_scanned);
}

static uint64_t progress_files(void *arg)
{
	struct pipeline *p = arg;

	return output_files(p->out);
}

/* Unreadable ranges copied into the report's form. */
struct ranges_out {
	struct report_range *v;
	size_t n, cap;
	uint64_t bytes;
};

static int ranges_add(void *arg, uint64_t off, uint64_t len)
{
	struct ranges_out *o = arg;

	if (o->n == o->cap)
		return 1;
	o->v[o->n].off = off;
	o->v[o->n++].len = len;
	o->bytes += len;
	return 0;
}

/* A copy of a list's ranges for the report (v NULL when none, or out of
 * memory). */
static struct ranges_out ranges_copy(struct badlist *bl)
{
	size_t n = badlist_count(bl);
	struct ranges_out o = { .v = n > 0 ? calloc(n, sizeof(*o.v)) : NULL };

	if (o.v != NULL) {
		o.cap = n;
		badlist_each(bl, ranges_add, &o);
	}
	return o;
}

/* Closes the writer with the scan's unreadable ranges; 0 or -errno. */
static int writer_close(struct pipeline *p, int status)
{
	struct dredge_summary *sum = p->sum;
	size_t nbad = badlist_count(&p->bad);
	struct ranges_out bad = ranges_copy(&p->bad);
	struct ranges_out reread = ranges_copy(&p->reread);
	struct writer_end end = {
		.bytes_scanned = p->start + atomic_load(&p->bytes_scanned),
		.read_end = p->start + atomic_load(&p->bytes_read),
		.bad = bad.v,
		.nbad = bad.n,
		.reread = reread.v,
		.nreread = reread.n,
	};

	sum->bad_ranges = nbad;
	sum->bad_bytes = bad.bytes;
	sum->reread_bytes = reread.bytes;
	int rc = output_close(p->out, status, &end);
	p->out = NULL;
	free(bad.v);
	free(reread.v);
	return rc;
}

/* -------------------------------------------------------------- set-up */

static int select_formats(struct pipeline *p, const char *types)
{
	if (types == NULL || *types == '\0' || strcmp(types, "all") == 0) {
		for (unsigned i = 0; i < format_count && i < DREDGE_MAX_TYPES; i++)
			p->formats[p->nformats++] = format_table[i];
		return 0;
	}
	char *list = strdup(types), *save = NULL;
	if (list == NULL)
		return -ENOMEM;
	for (char *t = strtok_r(list, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		const struct format *f = format_find(t);
		if (f == NULL) {
			snprintf(p->sum->error, sizeof(p->sum->error),
			         "unknown file type '%s' (see 'dredge types')", t);
			free(list);
			return -EINVAL;
		}
		int dup = 0;
		for (unsigned i = 0; i < p->nformats; i++)
			dup |= p->formats[i] == f;
		if (!dup && p->nformats < DREDGE_MAX_TYPES)
			p->formats[p->nformats++] = f;
	}
	free(list);
	if (p->nformats == 0) {
		snprintf(p->sum->error, sizeof(p->sum->error),
		         "no file type selected (see 'dredge types')");
		return -EINVAL;
	}
	/* Keep the table's order so the result does not depend on how the
	 * list was written. */
	for (unsigned i = 1; i < p->nformats; i++)
		for (unsigned j = i; j > 0; j--) {
			unsigned a = 0, b = 0;
			for (unsigned k = 0; k < format_count; k++) {
				if (format_table[k] == p->formats[j - 1]) a = k;
				if (format_table[k] == p->formats[j]) b = k;
			}
			if (a < b)
				break;
			const struct format *t = p->formats[j];
			p->formats[j] = p->formats[j - 1];
			p->formats[j - 1] = t;
		}
	return 0;
}

static int check_config(const struct dredge_scan_config *cfg, char *err,
                        size_t errlen)
{
	if (cfg->source == NULL || cfg->outdir == NULL) {
		snprintf(err, errlen, "a source and an output folder are needed");
		return -EINVAL;
	}
	if (cfg->block_size == 0 || (cfg->block_size & (cfg->block_size - 1))) {
		snprintf(err, errlen, "block size %u is not a power of two",
		         cfg->block_size);
		return -EINVAL;
	}
	if (cfg->chunk_size < 65536 || cfg->chunk_size % 4096 != 0 ||
	    cfg->chunk_size > (1u << 30)) {
		snprintf(err, errlen, "chunk size %u must be a multiple of 4096 "
		         "from 64 KiB to 1 GiB", cfg->chunk_size);
		return -EINVAL;
	}
	if (cfg->queue_depth == 0 || cfg->queue_depth > 256) {
		snprintf(err, errlen, "queue depth %u must be from 1 to 256",
		         cfg->queue_depth);
		return -EINVAL;
	}
	if (cfg->threads > 256) {
		snprintf(err, errlen, "%u threads is more than the 256 allowed",
		         cfg->threads);
		return -EINVAL;
	}
	if (cfg->shard_count > 65536 ||
	    (cfg->shard_count > 0 &&
	     (cfg->shard_index == 0 || cfg->shard_index > cfg->shard_count))) {
		snprintf(err, errlen, "shard %u/%u: K must be from 1 to N, and N "
		         "at most 65536", cfg->shard_index, cfg->shard_count);
		return -EINVAL;
	}
	if (dredge_simd_name(cfg->simd) == NULL) {
		snprintf(err, errlen, "unknown SIMD variant %d", (int)cfg->simd);
		return -EINVAL;
	}
	if (!dredge_simd_supported(cfg->simd)) {
		snprintf(err, errlen, "the %s search does not run on this "
		         "machine ('dredge version' lists those that do)",
		         dredge_simd_name(cfg->simd));
		return -ENOTSUP;
	}
	return 0;
}

void dredge_scan_config_init(struct dredge_scan_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->block_size = 512;
	cfg->chunk_size = DREDGE_DEFAULT_CHUNK;
	cfg->queue_depth = DREDGE_DEFAULT_DEPTH;
	cfg->io = DREDGE_IO_AUTO;
	cfg->direct = -1;
	cfg->progress = -1;
	cfg->hashes = DREDGE_HASH_DEFAULT;
}

/* Whether cfg asks for a file-system-aware scan. */
static int wants_fs(const struct dredge_scan_config *cfg)
{
	return cfg->fs || cfg->unallocated || cfg->cluster_first != 0 ||
	       cfg->cluster_last != 0 || cfg->partition != 0 ||
	       cfg->volume_offset_set;
}

/*
 * The source range a file-system scan reads: from the first cluster it
 * scans to the last (with --unallocated, the first and last free ones),
 * the start rounded down to 4096 for O_DIRECT.
 */
static void fs_range(struct pipeline *p)
{
	const struct fsview *v = p->fsv;
	uint64_t lo = v->first, hi = v->last;
	const char *what = v->unallocated ? "unallocated clusters" : "clusters";

	if (v->unallocated) {
		lo = fsview_next_free(v, lo);
		while (hi >= lo && hi >= 2 && fsview_is_live(v, (uint32_t)hi))
			hi--;
	}
	if (lo > hi || lo >= fsview_end(v)) {
		p->start = p->end = v->data_start & ~(uint64_t)4095;
	} else {
		p->start = fsview_offset(v, (uint32_t)lo) & ~(uint64_t)4095;
		p->end = fsview_offset(v, (uint32_t)hi) + v->cluster_size;
		if (p->end > p->src.size)
			p->end = p->src.size;
		if (p->start > p->end)
			p->start = p->end;
	}
	snprintf(p->sum->volume, sizeof(p->sum->volume), "%s volume at byte "
	         "%" PRIu64 ", %u-byte clusters; %s %u-%u", fsview_type_name(v),
	         v->vol_offset, v->cluster_size, what, v->first, v->last);
}

/*
 * A shard's part of the range [start, end): the edges of all shards on
 * the block grid (or the cluster grid from the data area), and where this
 * one starts reading (rounded down to 4096 for O_DIRECT; starts before
 * its own are dropped as they are found).
 */
static int shard_range(struct pipeline *p)
{
	const struct dredge_scan_config *cfg = p->cfg;
	unsigned n = cfg->shard_count;

	p->shard_edges = calloc(n + 1, sizeof(*p->shard_edges));
	if (p->shard_edges == NULL)
		return -ENOMEM;
	if (p->fsv != NULL)
		shard_edges(p->start, p->end, p->fsv->data_start,
		            p->fsv->cluster_size, n, p->shard_edges);
	else
		shard_edges(p->start, p->end, 0,
		            cfg->any_offset ? 1 : cfg->block_size, n,
		            p->shard_edges);
	p->shard_lo = p->shard_edges[cfg->shard_index - 1];
	p->ahead_end = p->shard_edges[cfg->shard_index];
	p->start = p->shard_lo & ~(uint64_t)4095;
	return 0;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *reader_main(void *arg)
{
	struct pipeline *p = arg;
	const struct reader_config cfg = {
		.src = &p->src,
		.start = p->start,
		.end = p->end,
		.chunk_size = p->chunk_size,
		.depth = p->queue_depth,
		.direct = p->direct,
		.engine = p->engine[0] == 'i' ? READER_URING
		          : p->engine[0] == 'm' ? READER_MMAP : READER_PREAD,
		.slots = p->ring.slots,
		.nslots = p->ring.nslots,
	};
	const struct reader_sink sink = {
		.arg = p,
		.acquire = sink_acquire,
		.try_acquire = sink_try_acquire,
		.release = sink_release,
		.deliver = sink_deliver,
		.stop = sink_stop,
		.wanted = p->fsv != NULL ? sink_wanted : NULL,
		.fail = sink_fail,
		.bad = sink_bad,
	};
	struct reader_result res = { .direct = p->direct };
	int rc = reader_run(&cfg, &sink, &res);

	p->direct = res.direct;
	p->sum->reader_cpu = res.cpu_seconds;

	if (rc < 0 && atomic_load(&p->fatal) == 0)
		pipeline_fail(p, rc, "reading '%s' failed: %s", p->src.path,
		              strerror(-rc));
	queue_close(&p->scan_q);
	return NULL;
}

/* Reads piece bytes at off whole; 1 when read, 0 when not, -errno when
 * the source is gone. */
static int read_piece(struct pipeline *p, uint8_t *buf, uint64_t off,
                      size_t piece)
{
	size_t done = 0;

	while (done < piece) {
		ssize_t r = source_pread(&p->src, buf + done, piece - done,
		                         off + done, 0);
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r < 0 && source_gone((int)-r))
			return (int)r;
		if (r <= 0)
			return 0;
		done += (size_t)r;
	}
	return 1;
}

/*
 * --retries: once the whole source has been read, each unreadable sector
 * is read again, up to cfg->retries times.  Retrying at the end rather
 * than on the spot keeps a failing drive reading good areas first (each
 * failed read of a bad sector can take seconds), and keeps the main pass
 * the same with or without retries.  A sector that reads leaves the
 * unreadable list for p->reread: the report says so.  The recovered
 * bytes are not copied into files already written (they keep the zeros
 * the report counts in their unreadable_bytes); scanning again recovers
 * them whole.  A stop request or a vanished source ends the retries; the
 * sectors not retried stay unreadable.
 */
static void retry_bad(struct pipeline *p)
{
	uint32_t ss = p->src.sector_size;
	uint8_t *buf = malloc(ss);
	struct bad_range *old = NULL;
	size_t nold;
	int give_up = 0;

	if (buf == NULL || badlist_count(&p->bad) == 0) {
		free(buf);
		return;
	}
	nold = badlist_take(&p->bad, &old);
	for (size_t i = 0; i < nold; i++) {
		uint64_t end = old[i].off + old[i].len;
		for (uint64_t at = old[i].off; at < end;) {
			size_t piece = ss - (size_t)(at % ss);
			if (piece > end - at)
				piece = (size_t)(end - at);
			int got = 0;
			for (unsigned k = 0; k < p->cfg->retries && !give_up &&
			     !got; k++) {
				if (p->cfg->stop != NULL &&
				    atomic_load(p->cfg->stop)) {
					give_up = 1;
					break;
				}
				got = read_piece(p, buf, at, piece);
				if (got < 0)
					give_up = 1;
			}
			/* A sector that read goes to the reread list; one
			 * that did not, or that the list has no room for,
			 * stays unreadable. */
			if (got <= 0 ||
			    badlist_add(&p->reread, at, piece) != 0)
				badlist_add(&p->bad, at, piece);
			at += piece;
		}
	}
	free(old);
	free(buf);
}

static int choose_engine(struct pipeline *p)
{
	const struct dredge_scan_config *cfg = p->cfg;

	if (cfg->io == DREDGE_IO_PREAD) {
		p->engine = "pread";
		return 0;
	}
	/* An image file is read through a mapping of the page cache, with
	 * no copy; auto leaves that to a scan not told to read O_DIRECT, on
	 * a machine where views pay (source_views_pay) or where the user
	 * turned them on.  --io mmap turns them on everywhere. */
	if (cfg->io == DREDGE_IO_MMAP && reader_mmap_probe(&p->src) == 0) {
		p->engine = "mmap";
		p->direct = 0;
		return 0;
	}
	if (cfg->io == DREDGE_IO_AUTO && cfg->direct != 1 &&
	    source_mappable(&p->src)) {
		p->engine = "mmap";
		p->direct = 0;
		return 0;
	}
	/* io_uring reads a descriptor; an E01 container or a split image has
	 * none, and is read through the source's read operation. */
	if (source_fd(&p->src, 0) < 0) {
		p->engine = "pread";
		return 0;
	}
	int rc = reader_uring_probe(cfg->queue_depth * 2);
	if (rc == 0) {
		p->engine = "io_uring";
		return 0;
	}
	if (cfg->io == DREDGE_IO_URING) {
		snprintf(p->sum->error, sizeof(p->sum->error),
		         "io_uring is not available here: %s (use --io=pread)",
		         strerror(-rc));
		return rc;
	}
	p->engine = "pread";   /* ENOSYS, EPERM (seccomp), old kernel */
	return 0;
}

static void pipeline_destroy(struct pipeline *p)
{
	match_free(&p->match);
	ring_destroy(&p->ring);
	queue_destroy(&p->scan_q);
	queue_destroy(&p->valid_q);
	queue_destroy(&p->done_q);
	pthread_mutex_destroy(&p->credit_lock);
	pthread_cond_destroy(&p->credit_cond);
	pthread_mutex_destroy(&p->covers_lock);
	pthread_mutex_destroy(&p->fatal_lock);
	cand_pool_destroy(&p->cand_pool);
	badlist_destroy(&p->bad);
	badlist_destroy(&p->reread);
	fsview_free(p->fsv);
	free(p->fsv);
	grid_starts_free(p->starts);
	free(p->shard_edges);
	source_close(&p->src);
}

int dredge_scan(const struct dredge_scan_config *cfg,
                struct dredge_summary *sum)
{
	struct pipeline *p;
	int rc;

	memset(sum, 0, sizeof(*sum));
	if ((rc = check_config(cfg, sum->error, sizeof(sum->error))) != 0)
		return rc;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->cfg = cfg;
	p->ahead_end = UINT64_MAX;
	p->sum = sum;
	pthread_mutex_init(&p->credit_lock, NULL);
	pthread_cond_init(&p->credit_cond, NULL);
	pthread_mutex_init(&p->covers_lock, NULL);
	cand_pool_init(&p->cand_pool);
	badlist_init(&p->bad);
	badlist_init(&p->reread);
	pthread_mutex_init(&p->fatal_lock, NULL);

	double t0 = now_seconds();
	if ((rc = select_formats(p, cfg->types)) != 0)
		goto out;
	rc = source_open(&p->src, cfg->source, cfg->direct, sum->error,
	                 sizeof(sum->error));
	if (rc != 0)
		goto out;
	sum->source_size = p->src.size;
	p->src.views = cfg->views == DREDGE_VIEWS_ON ? SOURCE_VIEWS_ON
	               : cfg->views == DREDGE_VIEWS_OFF ? SOURCE_VIEWS_OFF
	               : SOURCE_VIEWS_AUTO;
	if (cfg->io == DREDGE_IO_MMAP)
		p->src.views = SOURCE_VIEWS_ON;
	p->start = 0;
	p->end = p->src.size;
	if (wants_fs(cfg)) {
		rc = fsview_open(&p->fsv, &p->src, p->src.size, p->src.path,
		                 cfg, sum->error, sizeof(sum->error));
		if (rc != 0)
			goto out;
		if (p->fsv != NULL)
			fs_range(p);
	}
	if (p->fsv == NULL && !cfg->any_offset) {
		/* the volume's clusters as the grid, when the blocks the
		 * scan looks at fall on them */
		rc = fsview_grid(&p->src, p->src.size, &p->vgrid);
		if (rc < 0) {
			snprintf(sum->error, sizeof(sum->error), "out of memory");
			goto out;
		}
		if (rc > 0 || p->vgrid.cluster_size % cfg->block_size != 0)
			memset(&p->vgrid, 0, sizeof(p->vgrid));
		rc = 0;
	}
	if (p->fsv == NULL)
		p->starts = grid_starts_new(p->src.size);
	atomic_store(&p->handover, UINT64_MAX);
	if (cfg->shard_count > 0 && (rc = shard_range(p)) != 0)
		goto out;
	p->chunk_size = cfg->chunk_size;
	p->threads = cfg->threads;
	if (p->threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		p->threads = n > 0 ? (unsigned)(n > 64 ? 64 : n) : 1;
	}
	p->queue_depth = cfg->queue_depth;
	p->direct = source_fd(&p->src, 1) >= 0;
	if ((rc = choose_engine(p)) != 0)
		goto out;

	rc = sigs_match_init(&p->match, p->formats, p->nformats,
	                     p->fsv ? p->fsv->cluster_size : cfg->block_size,
	                     cfg->any_offset);
	if (rc == 0 && p->fsv != NULL)
		match_set_base(&p->match, p->fsv->data_start);
	if (rc == 0)
		rc = match_use(&p->match, cfg->simd);
	if (rc != 0)
		goto out;
	sum->simd = dredge_simd_name(p->match.simd);

	/* The writer comes next: a resumed scan's checkpoint says where
	 * this run starts, and the pipeline is built over [start, end). */
	const struct writer_config wc = {
		.cfg = cfg,
		.sum = sum,
		.src = &p->src,
		.formats = p->formats,
		.nformats = p->nformats,
		.fsv = p->fsv,
		.engine = p->engine,
		.scan_lo = p->start,
		.scan_hi = p->end,
		.shard_index = cfg->shard_count ? cfg->shard_index : 0,
		.shard_count = cfg->shard_count,
		.shard_edges = p->shard_edges,
	};
	const struct writer_hooks hooks = {
		.arg = p,
		.fail = writer_fail,
		.cover = writer_cover,
		.validate = writer_validate,
		.reassemble = writer_reassemble,
		.note_bad = writer_note_bad,
		.bad_count = writer_bad_count,
		.bad_each = writer_bad_each,
		.handover = writer_handover,
	};
	rc = output_open(&wc, &hooks, &p->start, &p->out);
	if (rc != 0)
		goto out;
	/* A chunk is held from its read until its batch is validated.  The
	 * mmap engine has no reads in flight. */
	unsigned nslots = (p->engine[0] == 'm' ? 1 : p->queue_depth) +
	                  2 * p->threads + 2;
	ring_plan(p->end - p->start, &p->chunk_size, &nslots);
	p->nchunks = (p->end - p->start + p->chunk_size - 1) / p->chunk_size;

	/* The batches of the chunks in the ring and in the workers' hands,
	 * and PIPELINE_AHEAD more that hold little; their candidates no
	 * more than those batches would hold at BATCH_SOFT_CAP each. */
	unsigned base = nslots + 2 * p->threads + 2;
	p->max_credits = p->credits = base + PIPELINE_AHEAD;
	p->cand_max = (size_t)base * BATCH_SOFT_CAP;
	if (rc != 0 ||
	    (rc = ring_init(&p->ring, nslots, p->chunk_size)) != 0 ||
	    (rc = queue_init(&p->scan_q, nslots)) != 0 ||
	    (rc = queue_init(&p->valid_q, p->max_credits)) != 0 ||
	    (rc = queue_init(&p->done_q, p->max_credits)) != 0) {
		snprintf(sum->error, sizeof(sum->error),
		         "cannot allocate %u chunks of %zu bytes: %s", nslots,
		         p->chunk_size, strerror(-rc));
		writer_close(p, rc);
		goto out;
	}

	pthread_t reader, writer, scanners[256], validators[256];
	pthread_create(&writer, NULL, writer_main, p);
	for (unsigned i = 0; i < p->threads; i++) {
		pthread_create(&validators[i], NULL, validate_main, p);
		pthread_create(&scanners[i], NULL, scan_main, p);
	}
	struct progress *progress = NULL;
	const struct progress_feed feed = {
		.total = p->end - p->start,
		.done = progress_done,
		.files = progress_files,
		.arg = p,
	};
	if (cfg->progress != 0)
		progress_start(&progress, cfg->progress_fn, cfg->progress_arg,
		               &feed);
	pthread_create(&reader, NULL, reader_main, p);

	pthread_join(reader, NULL);
	for (unsigned i = 0; i < p->threads; i++)
		pthread_join(scanners[i], NULL);
	queue_close(&p->valid_q);
	for (unsigned i = 0; i < p->threads; i++)
		pthread_join(validators[i], NULL);
	queue_close(&p->done_q);
	pthread_join(writer, NULL);
	progress_stop(progress);
	/* An aborted run leaves work in the queues. */
	for (struct batch *b; (b = queue_take_left(&p->valid_q)) != NULL;) {
		batch_drop_chunk(p, b);
		batch_free(b);
	}
	for (struct batch *b; (b = queue_take_left(&p->done_q)) != NULL;)
		batch_free(b);

	sum->bytes_scanned = atomic_load(&p->bytes_scanned);
	sum->bytes_skipped = atomic_load(&p->bytes_skipped);
	/* A shard that handed over read what it owns: it completed. */
	int whole = sum->bytes_scanned >= p->end - p->start ||
	            atomic_load(&p->handover) != UINT64_MAX;
	if (atomic_load(&p->fatal) == 0 && whole && cfg->retries > 0)
		retry_bad(p);
	sum->candidates = atomic_load(&p->ncandidates);
	sum->io_engine = p->engine;
	sum->direct = p->direct;
	sum->seconds = now_seconds() - t0;
	rc = atomic_load(&p->fatal);
	if (rc != 0) {
		snprintf(sum->error, sizeof(sum->error), "%s", p->fatal_msg);
	} else if (!whole) {
		/* Only a stop request ends a run early without an error. */
		rc = -EINTR;
		sum->interrupted = 1;
		snprintf(sum->error, sizeof(sum->error), "interrupted after %"
		         PRIu64 " of %" PRIu64 " bytes; a checkpoint is in '%s' "
		         "(continue with --resume)",
		         p->start + sum->bytes_scanned, p->end, cfg->outdir);
	}
	int rc2 = writer_close(p, rc);
	if (rc == 0)
		rc = rc2;
out:
	pipeline_destroy(p);
	free(p);
	return rc;
}

const char *dredge_strerror(int code)
{
	return strerror(code < 0 ? -code : code);
}

const char *dredge_version(void)
{
	return PACKAGE_STRING;
}

int dredge_h264_slices(void)
{
	return h264_decode_available();
}

int dredge_views_pay(double *map_us, double *copy_us)
{
	return source_views_pay(map_us, copy_us);
}

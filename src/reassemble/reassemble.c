/*
 * reassemble.c - a candidate validated over a cluster map, and the search
 * for the clusters that do not belong in it.
 *
 * The base map of a candidate is the sequence of clusters from its start
 * cluster on that no live file owns, wrapping round to cluster 2 at the
 * volume's end (a recorder's next-free pointer wraps too).  Clusters are
 * numbered by their index in that sequence, and a candidate map is the base
 * map minus some dropped index ranges.  The first validation is over the
 * base map alone: a clip written around files that are still live comes
 * back whole at once.
 *
 * When the clusters in the way were freed too, the base map holds foreign
 * clusters, and the ISO-BMFF validator says where the data went wrong in
 * the verdict's note (see mp4_validate's verdicts):
 *
 *   CARVE_NOTE_FRAGMENT at X, TRUNCATED (CARVE_NOTE_CODEC_MISMATCH and
 *   REJECT when the first sample checked is already wrong): the data went wrong at X or a
 *   little before, so a foreign run starts in X's cluster or one shortly
 *   before it.  Where a file of a known format starts there, the run is
 *   that file's clusters, with the files right after it while that is not
 *   enough (what the clip was written around); with an anchor (below), all
 *   the guessed clusters as one gap there; else short runs, nearest and
 *   shortest first.  A drop is kept only when the first wrong byte moves
 *   on, which a wrong drop cannot make it do.
 *
 *   CARVE_NOTE_NO_INDEX at E, TRUNCATED, E the end of the media data:
 *   the box that follows it lies after a gap.  The clusters
 *   after E's are searched for a plausible box header at E's place in the
 *   cluster (box sizes line up), stepping over files of known formats
 *   whole; the cluster found is the anchor, and the gap is first assumed
 *   to lie just before it ("guessed" clusters), so that the sample tables
 *   can be read and the codec check can tell where the gaps really are:
 *   each one found takes the place of as many guessed clusters.
 *
 * Everything is bounded: REASM_MAX_VALIDATIONS validator runs, at most
 * REASM_MAX_DROPS dropped runs, a map of at most BREAD_MAX_EXTENTS extents
 * that starts at REASM_FIRST_WINDOW bytes and grows four-fold only while
 * the validator runs out of data at its end.  Searching the live map goes a
 * 64-bit word at a time.  If no map is accepted, the verdict over the base
 * map stands: a clip that lost clusters to a live file is reported
 * truncated, never passed off as whole.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/mem.h"
#include "reassemble/reassemble.h"
#include "reassemble/mp4_index.h"
#include "reassemble/mp4_chain.h"
#include "formats/mp4.h"
#include "formats/run.h"

#define NONE UINT64_MAX

/* A run of the base map: count clusters from cluster, base index first. */
struct brun {
	uint32_t cluster, count;
	uint64_t first;
};

/* Base indices [a, b) left out of the map. */
struct drop {
	uint64_t a, b;
};

struct state {
	struct drop drop[REASM_MAX_DROPS];   /* sorted, disjoint */
	unsigned ndrop;
	uint64_t anchor;        /* base index of the box after the media data */
	uint64_t anchor_at;     /* the logical offset it must land at */
};

struct reasm {
	const struct fsview *v;
	const struct source *src;
	uint64_t size;
	const struct format *fmt;
	const struct format *const *formats;
	unsigned nformats;
	uint64_t off;
	uint32_t c0, cs;
	uint64_t s0;            /* bytes of the start cluster before off */
	uint64_t limit;         /* the format's largest file */
	uint64_t window;        /* map bytes wanted */
	uint8_t *win;
	size_t win_cap;
	unsigned validations;
	/* the base map */
	struct brun *base;
	unsigned nbase, capbase;
	uint64_t nclusters;     /* in the base map */
	bool base_more;         /* free clusters beyond it remain */
	/* the map built last */
	struct extent *ext;
	unsigned next, capext;
	uint64_t map_size;
	struct drop full[REASM_MAX_DROPS + 1];   /* its drops, guesses too */
	unsigned nfull;
};

struct verdict {
	struct carve_result res;
	bool ok;                /* a map could be built and validated */
};

/* ------------------------------------------------------------ base map */

static int base_push(struct reasm *r, uint32_t c, uint32_t n)
{
	if (r->nbase > 0) {
		struct brun *l = &r->base[r->nbase - 1];
		if (l->cluster + l->count == c) {
			l->count += n;
			r->nclusters += n;
			return 0;
		}
	}
	if (r->nbase == r->capbase) {
		unsigned cap = r->capbase ? r->capbase * 2 : 64;
		struct brun *b = realloc(r->base, cap * sizeof(*b));
		if (b == NULL)
			return -ENOMEM;
		r->base = b;
		r->capbase = cap;
	}
	r->base[r->nbase++] = (struct brun){ c, n, r->nclusters };
	r->nclusters += n;
	return 0;
}

/* Free clusters in [a, b) in order, until the base map holds want. */
static int base_segment(struct reasm *r, uint64_t a, uint64_t b,
                        uint64_t want)
{
	const struct fsview *v = r->v;
	uint64_t c = a;

	while (c < b && r->nclusters < want) {
		uint64_t f = fsview_next_free(v, c);
		if (f >= b)
			return 0;
		if (fsview_offset(v, (uint32_t)f) >= r->size)
			return 0;   /* the source ends inside the volume */
		if (r->nbase >= BREAD_MAX_EXTENTS / 2)
			return 0;   /* room for the drops' splits */
		uint64_t l = fsview_next_live(v, f);
		if (l > b)
			l = b;
		uint64_t fit = (r->size - fsview_offset(v, (uint32_t)f) +
		                r->cs - 1) / r->cs;
		if (l - f > fit)
			l = f + fit;
		if (l - f > want - r->nclusters)
			l = f + (want - r->nclusters);
		int rc = base_push(r, (uint32_t)f, (uint32_t)(l - f));
		if (rc != 0)
			return rc;
		c = l;
	}
	if (c < b && r->nclusters >= want &&
	    fsview_next_free(r->v, c) < b)
		r->base_more = true;
	return 0;
}

/* (Re)builds the base map to cover the window. */
static int base_build(struct reasm *r)
{
	uint64_t want = (r->window + r->s0 + r->cs - 1) / r->cs;
	uint64_t end = fsview_end(r->v);
	int rc;

	r->nbase = 0;
	r->nclusters = 0;
	r->base_more = false;
	rc = base_segment(r, r->c0, end, want);
	if (rc == 0 && r->nclusters < want && !r->base_more)
		rc = base_segment(r, 2, r->c0, want);
	return rc;
}

/* The cluster at base index j (j < nclusters). */
static uint32_t base_cluster(const struct reasm *r, uint64_t j)
{
	unsigned lo = 0, hi = r->nbase;

	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;
		if (r->base[mid].first <= j)
			lo = mid;
		else
			hi = mid;
	}
	return r->base[lo].cluster + (uint32_t)(j - r->base[lo].first);
}

/* ------------------------------------------------------------ drops */

static bool in_drops(const struct drop *d, unsigned n, uint64_t j)
{
	for (unsigned i = 0; i < n && d[i].a <= j; i++)
		if (j < d[i].b)
			return true;
	return false;
}

/* Adds [a, b) to a sorted, disjoint list of room cap; false when full. */
static bool drops_add(struct drop *d, unsigned *n, unsigned cap, uint64_t a,
                      uint64_t b)
{
	unsigned i = 0, k;

	while (i < *n && d[i].b < a)
		i++;
	for (k = i; k < *n && d[k].a <= b; k++) {
		if (d[k].a < a)
			a = d[k].a;
		if (d[k].b > b)
			b = d[k].b;
	}
	/* d[i..k) merge into one */
	if (k == i) {
		if (*n >= cap)
			return false;
		memmove(d + i + 1, d + i, (*n - i) * sizeof(*d));
		(*n)++;
	} else if (k > i + 1) {
		memmove(d + i + 1, d + k, (*n - k) * sizeof(*d));
		*n -= k - i - 1;
	}
	d[i] = (struct drop){ a, b };
	return true;
}

/* Indices of [0, j) that are dropped. */
static uint64_t dropped_before(const struct drop *d, unsigned n, uint64_t j)
{
	uint64_t k = 0;

	for (unsigned i = 0; i < n && d[i].a < j; i++)
		k += (d[i].b < j ? d[i].b : j) - d[i].a;
	return k;
}

/* The base index of logical cluster index lj of the map with drops d. */
static uint64_t base_of_logical(const struct drop *d, unsigned n, uint64_t lj)
{
	uint64_t j = lj;

	for (unsigned i = 0; i < n && d[i].a <= j; i++)
		j += d[i].b - d[i].a;
	return j;
}

/* The kept index just before j (0 when none: index 0 is never dropped). */
static uint64_t prev_kept(const struct drop *d, unsigned n, uint64_t j)
{
	while (j > 0) {
		j--;
		bool hit = false;
		for (unsigned i = 0; i < n; i++)
			if (d[i].a <= j && j < d[i].b) {
				j = d[i].a;
				hit = true;
				break;
			}
		if (!hit)
			return j;
	}
	return 0;
}

/*
 * The full drop list of st into r->full: its drops, and with an anchor the
 * kept clusters just before it that must go so that it lands at its
 * logical offset.  false when that cannot be (more is dropped already).
 */
static bool full_drops(struct reasm *r, const struct state *st)
{
	memcpy(r->full, st->drop, st->ndrop * sizeof(*st->drop));
	r->nfull = st->ndrop;
	if (st->anchor == NONE)
		return true;
	uint64_t want = (st->anchor_at + r->s0) / r->cs;
	uint64_t have = st->anchor - dropped_before(st->drop, st->ndrop,
	                                            st->anchor);
	if (have < want)
		return false;
	uint64_t g = have - want, lo = st->anchor;
	for (int k = (int)st->ndrop - 1; g > 0; k--) {
		while (k >= 0 && st->drop[k].a >= lo)
			k--;
		uint64_t floor = k >= 0 ? st->drop[k].b : 0;
		if (floor > lo)
			floor = lo;
		if (lo - floor >= g) {
			lo -= g;
			g = 0;
			break;
		}
		g -= lo - floor;
		if (k < 0)
			return false;
		lo = st->drop[k].a;
	}
	if (lo < 1)
		return false;
	if (lo < st->anchor &&
	    !drops_add(r->full, &r->nfull, REASM_MAX_DROPS + 1, lo, st->anchor))
		return false;
	return true;
}

/* ------------------------------------------------------------ maps */

static int ext_push(struct reasm *r, uint64_t img, uint64_t len)
{
	if (len == 0)
		return 0;
	if (r->next > 0 && r->ext[r->next - 1].img_off +
	    r->ext[r->next - 1].len == img) {
		r->ext[r->next - 1].len += len;
	} else {
		if (r->next == BREAD_MAX_EXTENTS)
			return 1;
		if (r->next == r->capext) {
			unsigned cap = r->capext ? r->capext * 2 : 64;
			struct extent *e = realloc(r->ext, cap * sizeof(*e));
			if (e == NULL)
				return -ENOMEM;
			r->ext = e;
			r->capext = cap;
		}
		r->ext[r->next++] = (struct extent){ img, len };
	}
	r->map_size += len;
	return 0;
}

/* Base indices [a, b) as extents. */
static int map_range(struct reasm *r, uint64_t a, uint64_t b)
{
	while (a < b) {
		unsigned lo = 0, hi = r->nbase;
		while (hi - lo > 1) {
			unsigned mid = lo + (hi - lo) / 2;
			if (r->base[mid].first <= a)
				lo = mid;
			else
				hi = mid;
		}
		const struct brun *u = &r->base[lo];
		uint64_t end = u->first + u->count < b ? u->first + u->count : b;
		uint64_t img = fsview_offset(r->v, u->cluster +
		                             (uint32_t)(a - u->first));
		uint64_t len = (end - a) * r->cs;
		if (a == 0) {
			img += r->s0;
			len -= r->s0;
		}
		int rc = ext_push(r, img, len);
		if (rc != 0)
			return rc;
		a = end;
	}
	return 0;
}

/* Builds the map of r->full over the base map, cut at the format's limit
 * and the source's end.  0, or -errno. */
static int map_build(struct reasm *r)
{
	uint64_t j = 0;

	r->next = 0;
	r->map_size = 0;
	for (unsigned i = 0; i <= r->nfull; i++) {
		uint64_t stop = i < r->nfull ? r->full[i].a : r->nclusters;
		if (stop > r->nclusters)
			stop = r->nclusters;
		if (j < stop) {
			int rc = map_range(r, j, stop);
			if (rc < 0)
				return rc;
			if (rc > 0)
				break;   /* as many extents as a reader takes */
		}
		if (i < r->nfull && r->full[i].b > j)
			j = r->full[i].b;
	}
	/* Trim to the format's limit and the source. */
	uint64_t total = 0;
	for (unsigned i = 0; i < r->next; i++) {
		struct extent *e = &r->ext[i];
		if (e->img_off >= r->size) {
			r->next = i;
			break;
		}
		if (e->len > r->size - e->img_off)
			e->len = r->size - e->img_off;
		if (e->len > r->limit - total)
			e->len = r->limit - total;
		total += e->len;
		if (total >= r->limit) {
			r->next = i + 1;
			break;
		}
	}
	r->map_size = total;
	return 0;
}

/* ------------------------------------------------------------ validating */

/* Validates the map built last.  A map of several extents is a guess
 * (clusters no live file owns, taken in order, some dropped): the
 * validator is asked for every check it has (bread.thorough), so that a
 * foreign cluster inside the file's data is not taken for its own.  One
 * extent is the candidate's bytes as they lie, read as the scan reads
 * them.  placed: a clip's index placed the map with nothing guessed
 * (bread.seams_placed). */
static void map_validate(struct reasm *r, const struct format *fmt,
                         bool placed, struct carve_result *res)
{
	struct run_req req = {
		.src = r->src, .ext = r->ext, .next = r->next,
		.win = r->win, .win_cap = r->win_cap,
		.thorough = r->next > 1, .seams_placed = placed,
	};

	memset(res, 0, sizeof(*res));
	r->validations++;
	/* Reads go through the caller's window only: never allocate one
	 * per try. */
	if (r->next == 0 || r->win == NULL) {
		carve_reject(res, r->next == 0 ? "no clusters to read"
		                  : "reader setup failed");
		return;
	}
	run_validate(fmt, &req, res, NULL);
}

/*
 * Validates the candidate over the map of st, growing the window while the
 * validator runs out of data at its end.  v->ok is false when st cannot be
 * mapped (its anchor cannot land) or the budget is spent.
 */
static int run(struct reasm *r, const struct state *st, struct verdict *v)
{
	v->ok = false;
	memset(&v->res, 0, sizeof(v->res));
	for (;;) {
		if (r->validations >= REASM_MAX_VALIDATIONS)
			return 0;
		if (!full_drops(r, st))
			return 0;
		int rc = map_build(r);
		if (rc != 0)
			return rc;
		map_validate(r, r->fmt, false, &v->res);
		v->ok = true;
		if (v->res.verdict == CARVE_TRUNCATED &&
		    v->res.length >= r->map_size && r->base_more &&
		    r->window < r->limit) {
			r->window = r->window > r->limit / 4 ? r->limit
			            : r->window * 4;
			if ((rc = base_build(r)) != 0)
				return rc;
			continue;
		}
		return 0;
	}
}

/* The codec check failed: from the first sample (CODEC_MISMATCH, a
 * rejection) or after good ones (a fragmentation point). */
static bool is_codec(const struct carve_result *res)
{
	return (res->note == CARVE_NOTE_CODEC_MISMATCH ||
	        res->note == CARVE_NOTE_FRAGMENT) &&
	       res->verdict != CARVE_ACCEPT;
}

static bool is_nomoov(const struct carve_result *res)
{
	return res->note == CARVE_NOTE_NO_INDEX &&
	       res->verdict == CARVE_TRUNCATED;
}

/* How far a verdict vouches for its map: more is better. */
static uint64_t score(const struct verdict *v)
{
	if (!v->ok)
		return 0;
	if (v->res.verdict == CARVE_ACCEPT)
		return NONE;
	if (is_codec(&v->res))
		return v->res.verdict == CARVE_REJECT ? 1 : v->res.length + 2;
	return 0;
}

/* Builds the map of st without validating it (for the final extents). */
static int run_map_only(struct reasm *r, const struct state *st)
{
	if (!full_drops(r, st)) {
		r->next = 0;
		r->map_size = 0;
		return 0;
	}
	return map_build(r);
}

/* ------------------------------------------------------------ probes */

static int read_at(const struct reasm *r, uint64_t img, uint8_t *buf,
                   size_t n)
{
	if (img >= r->size || n > r->size - img)
		return -1;
	return source_pread(r->src, buf, n, img, 0) == (ssize_t)n ? 0 : -1;
}

/*
 * Whether a file of one of the scan's formats starts at base index j: its
 * length in clusters when validated over the base map from there (0: no
 * file).  That is what a clip was written around when the gap is a file.
 */
static uint64_t foreign_file(struct reasm *r, uint64_t j)
{
	uint8_t head[FORMAT_SIG_MAX_REACH];
	uint32_t c = base_cluster(r, j);
	uint64_t img = fsview_offset(r->v, c);
	size_t n = sizeof(head);

	/* A file near the image's end has fewer bytes than the longest
	 * reach; its signatures that fit are still worth a look. */
	if (img >= r->size)
		return 0;
	if (n > r->size - img)
		n = (size_t)(r->size - img);
	if (read_at(r, img, head, n) != 0)
		return 0;
	for (unsigned f = 0; f < r->nformats; f++) {
		const struct format *fmt = r->formats[f];
		bool hit = false;
		for (unsigned s = 0; s < fmt->nsigs && !hit; s++) {
			const struct format_sig *g = &fmt->sigs[s];
			if (g->offset + g->len > n)
				continue;
			hit = true;
			for (unsigned k = 0; k < g->len && hit; k++) {
				uint8_t m = g->mask ? g->mask[k] : 0xff;
				hit = (head[g->offset + k] & m) == (g->bytes[k] & m);
			}
		}
		if (!hit || r->validations >= REASM_MAX_VALIDATIONS)
			continue;
		/* The base map from j on, unbroken: the foreign file's own
		 * clusters by the same rule. */
		struct carve_result res;
		uint64_t save_s0 = r->s0;
		r->s0 = 0;
		r->nfull = 0;
		r->next = 0;
		r->map_size = 0;
		int rc = map_range(r, j, r->nclusters);
		r->s0 = save_s0;
		if (rc < 0)
			return 0;
		uint64_t lim = fmt->max_size;
		if (r->map_size > lim) {
			uint64_t t = 0;
			for (unsigned i = 0; i < r->next; i++) {
				if (r->ext[i].len > lim - t)
					r->ext[i].len = lim - t;
				t += r->ext[i].len;
				if (t == lim) {
					r->next = i + 1;
					break;
				}
			}
			r->map_size = lim;
		}
		map_validate(r, fmt, false, &res);
		if (res.verdict != CARVE_REJECT && res.length > 0)
			return (res.length + r->cs - 1) / r->cs;
	}
	return 0;
}

/* Whether base clusters j and k hold the same bytes: 1 (also when one
 * cannot be read: not known to differ), 0, or -errno. */
static int same_cluster(const struct reasm *r, uint64_t j, uint64_t k)
{
	uint8_t *x = malloc(2 * (size_t)r->cs);
	int rc = 1;

	if (x == NULL)
		return -ENOMEM;
	if (read_at(r, fsview_offset(r->v, base_cluster(r, j)), x,
	            r->cs) == 0 &&
	    read_at(r, fsview_offset(r->v, base_cluster(r, k)), x + r->cs,
	            r->cs) == 0)
		rc = memcmp(x, x + r->cs, r->cs) == 0;
	free(x);
	return rc;
}

/* Clusters of a dropped run tried in place of each cluster at its ends
 * (drop_ambiguous). */
#define REASM_SWAPS 16

/* The map of cur with runs [a1, b1) and [a2, b2) dropped (either may be
 * empty): whether it passes as far as v with other bytes than v's map,
 * which keeps cluster lost where it keeps kept.  1, 0, or -errno. */
static int swap_passes(struct reasm *r, const struct state *cur,
                       const struct verdict *v, uint64_t a1, uint64_t b1,
                       uint64_t a2, uint64_t b2, uint64_t lost,
                       uint64_t kept)
{
	struct state t = *cur;
	struct verdict w;

	if (lost == 0 || lost >= r->nclusters || b1 > r->nclusters ||
	    b2 > r->nclusters || in_drops(cur->drop, cur->ndrop, lost) ||
	    (a1 < b1 && !drops_add(t.drop, &t.ndrop, REASM_MAX_DROPS, a1, b1)) ||
	    (a2 < b2 && !drops_add(t.drop, &t.ndrop, REASM_MAX_DROPS, a2, b2)))
		return 0;
	int rc = run(r, &t, &w);
	if (rc != 0)
		return rc;
	if (!w.ok || score(&w) < score(v))
		return 0;
	rc = same_cluster(r, lost, kept);
	return rc < 0 ? rc : !rc;
}

/*
 * Whether the map of cur with the drop [a, b), which verdict v took,
 * passes as far with a cluster of the run kept in place of one at its
 * ends (a - 1, b): 1 when one does with other bytes (the validator did
 * not look into that end, such as the middle of a video sample that no
 * decoding judges, or looked at one byte only, an audio frame's first,
 * which a foreign cluster passes often: taking the run is a guess), 0,
 * or -errno.  The REASM_SWAPS clusters of the run nearest each end are
 * tried.
 */
static int drop_ambiguous(struct reasm *r, const struct state *cur,
                          const struct verdict *v, uint64_t a, uint64_t b)
{
	for (uint64_t k = 0; k < REASM_SWAPS && k < b - a; k++) {
		/* j kept instead of a - 1, then instead of b */
		uint64_t j = a + k, i = b - 1 - k;
		int rc = swap_passes(r, cur, v, a - 1, j, j + 1, b, a - 1, j);
		if (rc == 0)
			rc = swap_passes(r, cur, v, a, i, i + 1, b + 1, b, i);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Adopts st + drop [a, b) if it validates better than *best, unless
 * where the run lies is a guess (drop_ambiguous). */
static int try_drop(struct reasm *r, struct state *cur, struct verdict *best,
                    uint64_t a, uint64_t b, bool *took)
{
	struct state t = *cur;
	struct verdict v;

	*took = false;
	if (a == 0 || !drops_add(t.drop, &t.ndrop, REASM_MAX_DROPS, a, b))
		return 0;
	int rc = run(r, &t, &v);
	if (rc != 0)
		return rc;
	if (!v.ok || score(&v) <= score(best))
		return 0;
	if ((rc = drop_ambiguous(r, cur, &v, a, b)) != 0)
		return rc < 0 ? rc : 0;
	*cur = t;
	*best = v;
	*took = true;
	return 0;
}

/*
 * The data went wrong at logical x (NONE: in the first sample).  Tries, in
 * this order, dropping: a file of a known format starting at or shortly
 * before x's cluster (its clusters as one run, with the files right after
 * it while that is not enough); with an anchor, all the
 * clusters still guessed, as one gap starting near x (a clip written round
 * one file); short runs starting near x, nearest and shortest first.
 */
static int fix_codec(struct reasm *r, struct state *cur, struct verdict *best,
                     uint64_t x, bool *took)
{
	struct drop full[REASM_MAX_DROPS + 1];
	uint64_t back[REASM_LOOK_BACK];
	int rc;

	*took = false;
	if (!full_drops(r, cur))
		return 0;
	uint64_t jx = x == NONE ? REASM_LOOK_BACK :
	              base_of_logical(r->full, r->nfull, (x + r->s0) / r->cs);
	if (jx >= r->nclusters)
		return 0;
	unsigned nfull = r->nfull;
	memcpy(full, r->full, sizeof(full));
	/* guessed clusters left: the anchor's kept distance minus its due */
	uint64_t g = 0;
	if (cur->anchor != NONE) {
		g = dropped_before(full, nfull, cur->anchor) -
		    dropped_before(cur->drop, cur->ndrop, cur->anchor);
	}

	/* The kept indices at and before jx, nearest first. */
	unsigned nb = 0;
	for (uint64_t j = jx; nb < REASM_LOOK_BACK && j > 0;
	     j = prev_kept(full, nfull, j))
		back[nb++] = j;

	uint64_t j = jx;
	for (unsigned n = 0; n < REASM_PROBE_BACK && j > 0; n++) {
		uint64_t len = foreign_file(r, j), end = j + len;
		/* Files written one after another lie in one gap: while the
		 * data stays wrong, take the next file along as well. */
		for (unsigned k = 0; len > 0 && k < REASM_CHAIN; k++) {
			rc = try_drop(r, cur, best, j, end, took);
			if (rc != 0 || *took)
				return rc;
			if (g > 0 && end - j >= g)
				break;   /* the gaps hold no more than that */
			while (in_drops(full, nfull, end))
				end++;
			if (end >= r->nclusters || (len = foreign_file(r, end)) == 0)
				break;
			end += len;
		}
		j = prev_kept(full, nfull, j);
	}
	for (unsigned i = 0; g > 0 && i < nb; i++) {
		rc = try_drop(r, cur, best, back[i], back[i] + g, took);
		if (rc != 0 || *took)
			return rc;
	}
	for (unsigned d = 1; d <= REASM_SHORT_RUN; d++) {
		for (unsigned i = 0; i < d && i < nb; i++) {
			uint64_t len = d - i;
			if (len == g)
				continue;   /* tried above */
			rc = try_drop(r, cur, best, back[i], back[i] + len, took);
			if (rc != 0 || *took)
				return rc;
		}
	}
	return 0;
}

/*
 * The media data end at logical e and no box follows: find the anchor.
 * The kept clusters after e's are tried in turn for a box header at e's
 * place; a file of a known format starting in the way is stepped over
 * whole.  At most REASM_ANCHOR_STEPS single clusters and REASM_CHAIN files
 * are stepped over, so a clip that lost its end costs little.
 */
static int fix_nomoov(struct reasm *r, struct state *cur,
                      struct verdict *best, uint64_t e, bool *took)
{
	struct drop full[REASM_MAX_DROPS + 1];
	uint8_t b[MP4_BOX_PROBE];
	int rc;

	*took = false;
	if (!full_drops(r, cur))
		return 0;
	unsigned nfull = r->nfull;
	memcpy(full, r->full, sizeof(full));
	uint64_t je = base_of_logical(full, nfull, (e + r->s0) / r->cs);
	uint64_t in = (e + r->s0) % r->cs;
	uint64_t j = je;
	unsigned steps = 0, files = 0;
	while (steps < REASM_ANCHOR_STEPS &&
	       r->validations < REASM_MAX_VALIDATIONS) {
		j++;
		while (in_drops(full, nfull, j))
			j++;
		while (j >= r->nclusters) {
			if (!r->base_more || r->window >= r->limit)
				return 0;
			r->window = r->window > r->limit / 4 ? r->limit
			            : r->window * 4;
			if ((rc = base_build(r)) != 0)
				return rc;
		}
		uint64_t img = fsview_offset(r->v, base_cluster(r, j)) + in;
		size_t first = r->cs - in < sizeof(b) ? r->cs - in : sizeof(b);
		bool have = read_at(r, img, b, first) == 0;
		if (have && first < sizeof(b)) {
			/* the header runs on into the next kept cluster */
			uint64_t n = j + 1;
			while (in_drops(full, nfull, n))
				n++;
			have = n < r->nclusters &&
			       read_at(r, fsview_offset(r->v, base_cluster(r, n)),
			               b + first, sizeof(b) - first) == 0;
		}
		if (have && mp4_box_follows_mdat(b)) {
			struct state t = *cur;
			struct verdict v;
			t.anchor = j;
			t.anchor_at = e;
			if ((rc = run(r, &t, &v)) != 0)
				return rc;
			if (v.ok && score(&v) > score(best)) {
				*cur = t;
				*best = v;
				*took = true;
				return 0;
			}
			continue;
		}
		uint64_t len = files < REASM_CHAIN ? foreign_file(r, j) : 0;
		if (len > 0) {
			files++;
			j += len - 1;
		} else {
			steps++;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ entry */

unsigned reasm_trim(struct extent *ext, unsigned n, uint64_t len)
{
	unsigned k = 0;

	while (k < n && len > 0) {
		if (ext[k].len > len)
			ext[k].len = len;
		len -= ext[k].len;
		k++;
	}
	return k;
}

/*
 * A clip cut short ends, at the latest, where the map reaches a cluster
 * that starts another clip (an ftyp box at its start): a recording that
 * lost its index, or one whose partner's clusters interleave with its
 * own, would otherwise run on through the clips after it, every one of
 * them NAL units as good as its own.  The length kept of len.
 */
static uint64_t before_next_clip(const struct reasm *r, uint64_t len)
{
	uint64_t at = 0;

	for (unsigned i = 0; i < r->next && at < len; i++) {
		const struct extent *e = &r->ext[i];
		/* the cluster starts in this extent, past the clip's first */
		uint64_t rel = (e->img_off - r->v->data_start) % r->cs;
		uint64_t k = rel ? r->cs - rel : 0;
		for (; k < e->len && at + k < len; k += r->cs) {
			uint8_t h[8];
			if (at + k == 0)
				continue;
			if (read_at(r, e->img_off + k, h, sizeof(h)) == 0 &&
			    memcmp(h + 4, "ftyp", 4) == 0)
				return at + k;
		}
		at += e->len;
	}
	return len;
}

/*
 * Whether res, the validator's verdict on a placing of len bytes that
 * guessed, vouches for a head of it: the clusters before the first guess,
 * as far as their samples hold.
 */
static bool is_head(const struct carve_result *res, uint64_t len)
{
	return res->verdict == CARVE_TRUNCATED && res->length > 0 &&
	       res->length <= len;
}

/* That head put in *out: the verdict res, the map ext of n extents (out's
 * now) trimmed to it. */
static void take_head(struct reasm_result *out,
                      const struct carve_result *res, struct extent *ext,
                      unsigned n)
{
	out->res = *res;
	out->res.reason = MI_WHY_GUESS;
	out->ext = ext;
	out->next = reasm_trim(ext, n, res->length);
}

/*
 * A clip placed by its own index (mp4_index.h), kept when the validator
 * accepts it whole over that map: 1 with out filled.  When only the start
 * of its media data could be placed, out holds that: 2 when the clusters
 * were shared with other clips (no search over a cluster map can do
 * better), 3 when the clip was alone (the search may).  0 when nothing was
 * placed, -errno.
 */
static int by_index(struct reasm *r, struct reasm_result *out)
{
	struct extent *ext;
	unsigned n, clips;
	uint64_t len;
	int rc = mp4_index_reassemble(r->v, r->src, r->size, r->off, MI_BUDGET,
	                              &ext, &n, &len, &clips);
	if (rc <= 0)
		return rc;
	free(r->ext);
	r->ext = ext;
	r->next = n;
	r->capext = n;
	r->map_size = len;
	map_validate(r, r->fmt, rc == 1, &out->res);
	if (rc == 1 && out->res.verdict == CARVE_ACCEPT &&
	    out->res.length == len) {
		out->ext = ext;
		out->next = n;
		out->validations = r->validations;
		r->ext = NULL;   /* out's now */
		r->next = r->capext = 0;
		return 1;
	}
	if (rc == 2 && is_head(&out->res, len)) {
		take_head(out, &out->res, ext, n);
		out->validations = r->validations;
		r->ext = NULL;   /* out's now */
		r->next = r->capext = 0;
		return clips > 1 ? 2 : 3;
	}
	memset(&out->res, 0, sizeof(out->res));
	return 0;
}

/*
 * A clip cut off before its index, followed by its NAL unit chain
 * (mp4_chain.h): put in *part when the validator vouches for more of it
 * than *part holds.  0 or -errno.
 */
static int by_chain(struct reasm *r, struct reasm_result *part)
{
	struct reasm_result c;
	int rc = mp4_chain_place(r->v, r->src, r->size, r->fmt, r->off,
	                         r->win, r->win_cap, &c);

	r->validations += c.validations;
	if (rc <= 0)
		return rc;
	if (part->ext != NULL && c.res.length <= part->res.length) {
		free(c.ext);
		return 0;
	}
	free(part->ext);
	*part = c;
	return 0;
}

int reassemble(const struct fsview *v, const struct source *src,
               uint64_t size, const struct format *fmt,
               const struct format *const *formats, unsigned nformats, uint64_t off, uint8_t *win, size_t win_cap,
               struct reasm_result *out)
{
	struct reasm *r = calloc(1, sizeof(*r));
	struct state *cur = calloc(1, sizeof(*cur));
	struct verdict first, now;
	int rc;

	memset(&first, 0, sizeof(first));
	memset(out, 0, sizeof(*out));
	if (r == NULL || cur == NULL) {
		free(r);
		free(cur);
		return -ENOMEM;
	}
	r->v = v;
	r->src = src;
	r->size = size;
	r->fmt = fmt;
	r->formats = formats;
	r->nformats = nformats;
	r->off = off;
	r->cs = v->cluster_size;
	r->c0 = fsview_cluster(v, off);
	r->s0 = off - fsview_offset(v, r->c0);
	r->limit = fmt->max_size ? fmt->max_size : UINT64_MAX;
	r->window = REASM_FIRST_WINDOW < r->limit ? REASM_FIRST_WINDOW : r->limit;
	r->win = win;
	r->win_cap = win_cap;
	cur->anchor = NONE;
	rc = r->c0 == 0 ? -EINVAL : 0;
	struct reasm_result part = { .ext = NULL };
	if (rc == 0 && r->s0 == 0 && strcmp(fmt->name, "mp4") == 0) {
		rc = by_index(r, out);
		if (rc == 1 || rc == 2) {
			free(r->ext);
			free(r);
			free(cur);
			return 0;
		}
		if (rc == 3) {
			/* kept unless the search does better */
			part = *out;
			memset(out, 0, sizeof(*out));
			rc = 0;
		}
		if (rc == 0)
			rc = by_chain(r, &part);
	}
	if (rc == 0)
		rc = base_build(r);
	if (rc == 0)
		rc = run(r, cur, &first);
	now = first;
	/* The search works on whole clusters: a start inside a cluster
	 * (--any-offset) is an embedded file, not a recording. */
	while (rc == 0 && first.ok && r->s0 == 0 &&
	       now.res.verdict != CARVE_ACCEPT &&
	       r->validations < REASM_MAX_VALIDATIONS) {
		bool took = false;
		if (is_codec(&now.res))
			rc = fix_codec(r, cur, &now, now.res.verdict == CARVE_REJECT
			               ? NONE : now.res.note_off, &took);
		else if (is_nomoov(&now.res) && cur->anchor == NONE)
			rc = fix_nomoov(r, cur, &now, now.res.note_off, &took);
		if (!took)
			break;
	}
	if (rc == 0) {
		const struct verdict *pick = now.res.verdict == CARVE_ACCEPT ?
		                             &now : &first;
		struct state base = { .anchor = NONE };
		rc = run_map_only(r, pick == &now ? cur : &base);
		out->res = pick->res;
	}
	if (rc == 0 && out->res.verdict == CARVE_TRUNCATED &&
	    strcmp(fmt->name, "mp4") == 0) {
		uint64_t len = out->res.length;
		out->res.length = before_next_clip(r, len);
		/* a clip cut off before its index: the audio after its
		 * last video sample, in that sample's cluster */
		if (r->s0 == 0 && r->win != NULL && out->res.length == len)
			rc = mp4_chain_tail(src, r->ext, r->next, r->map_size,
			                    r->cs, r->win, r->win_cap,
			                    &out->res);
	}
	if (rc == 0 && out->res.verdict != CARVE_REJECT) {
		unsigned n = reasm_trim(r->ext, r->next, out->res.length);
		out->ext = malloc((n ? n : 1) * sizeof(*out->ext));
		if (out->ext == NULL) {
			rc = -ENOMEM;
		} else {
			memcpy(out->ext, r->ext, n * sizeof(*out->ext));
			out->next = n;
		}
	}
	out->validations = r->validations;
	if (rc == 0 && part.ext != NULL && out->res.verdict != CARVE_ACCEPT &&
	    part.res.length > (out->res.verdict == CARVE_REJECT ? 0
	                       : out->res.length)) {
		free(out->ext);
		*out = part;
		out->validations = r->validations;
	} else {
		free(part.ext);
	}
	free(r->base);
	free(r->ext);
	free(r);
	free(cur);
	return rc;
}

/* Cluster sizes tried when no file system gives one, largest first: a
 * finer grid than the card's also holds the clip, a coarser one not. */
static const uint32_t grid_sizes[REASM_GRIDS] = {
	128u << 10, 64u << 10, 32u << 10, 16u << 10, 8u << 10, 4u << 10,
};

/* Bytes either side of a clip's start searched for other clips' starts,
 * which tell the card's cluster size, and the step they are looked for
 * at (a sector). */
#define GRID_PROBE (4ull << 20)
#define GRID_STEP 512u
#define GRID_READ (64u << 10)

/* For clips starting d bytes apart: the index in grid_sizes of the
 * largest grid holding d, or the count of them when none does. */
static size_t grid_index(uint64_t d)
{
	const size_t ng = sizeof(grid_sizes) / sizeof(*grid_sizes);
	size_t i = 0;

	while (i < ng && d % grid_sizes[i] != 0)
		i++;
	return i;
}

/* Whether the 16 bytes at h open a clip: an ftyp box of a sane size. */
static bool is_start(const uint8_t *h)
{
	uint32_t bs = mem_be32(h);

	return memcmp(h + 4, "ftyp", 4) == 0 && bs >= 16 && bs <= 4096;
}

/*
 * The cluster size of the grid the clips round source byte off start on:
 * every ftyp box found within GRID_PROBE bytes either side, at a sector
 * boundary, lies a multiple of it away from off.  The largest of
 * grid_sizes that holds them all; 0 when no other clip's start was found
 * (nothing to tell it by) or one lies off every grid (clips stored one
 * after another, not in clusters).
 */
static uint64_t grid_of_starts(const struct source *src, uint64_t size,
                               uint64_t off, uint8_t *buf)
{
	const size_t ng = sizeof(grid_sizes) / sizeof(*grid_sizes);
	uint64_t lo = off > GRID_PROBE ? off - GRID_PROBE : off % GRID_STEP;
	uint64_t hi = size - off > GRID_PROBE ? off + GRID_PROBE : size;
	size_t best = 0;
	bool found = false;

	for (uint64_t at = lo; at < hi; at += GRID_READ) {
		size_t want = hi - at < GRID_READ + 16 ? hi - at : GRID_READ + 16;
		ssize_t got = source_pread(src, buf, want, at, 0);
		if (got < 16)
			break;
		for (size_t k = 0; k + 16 <= (size_t)got && k < GRID_READ;
		     k += GRID_STEP) {
			if (at + k == off || !is_start(buf + k))
				continue;
			uint64_t d = at + k > off ? at + k - off : off - at - k;
			size_t i = grid_index(d);
			if (i == ng)
				return 0;
			if (!found || i > best)
				best = i;
			found = true;
		}
	}
	return found ? grid_sizes[best] : 0;
}

/* The stretch of the source a grid_starts scans at once. */
#define GS_BLOCK (1ull << 20)

struct grid_starts {
	pthread_mutex_t lock;
	uint64_t size;               /* the source's */
	uint8_t *done;               /* per GS_BLOCK: its starts are in at */
	uint64_t *at;                /* the starts found, ascending */
	size_t n, cap;
};

struct grid_starts *grid_starts_new(uint64_t size)
{
	struct grid_starts *gs = calloc(1, sizeof(*gs));

	if (gs == NULL)
		return NULL;
	gs->size = size;
	gs->done = calloc(size / GS_BLOCK + 1, 1);
	if (gs->done == NULL) {
		free(gs);
		return NULL;
	}
	pthread_mutex_init(&gs->lock, NULL);
	return gs;
}

void grid_starts_free(struct grid_starts *gs)
{
	if (gs == NULL)
		return;
	pthread_mutex_destroy(&gs->lock);
	free(gs->done);
	free(gs->at);
	free(gs);
}

/* Adds the sorted starts f[0..nf) of stretch b, unless another thread
 * did first.  0 or -ENOMEM. */
static int gs_merge(struct grid_starts *gs, uint64_t b, const uint64_t *f,
                    size_t nf)
{
	int rc = 0;

	pthread_mutex_lock(&gs->lock);
	if (gs->done[b] || nf == 0)
		goto out_done;
	if (gs->n + nf > gs->cap) {
		size_t cap = gs->cap ? gs->cap : 64;
		while (cap < gs->n + nf)
			cap *= 2;
		uint64_t *at = realloc(gs->at, cap * sizeof(*at));
		if (at == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		gs->at = at;
		gs->cap = cap;
	}
	/* stretches come in any order: insert after the last start below */
	size_t k = gs->n;
	while (k > 0 && nf > 0 && gs->at[k - 1] > f[0])
		k--;
	memmove(gs->at + k + nf, gs->at + k, (gs->n - k) * sizeof(*gs->at));
	memcpy(gs->at + k, f, nf * sizeof(*f));
	gs->n += nf;
out_done:
	gs->done[b] = 1;
out:
	pthread_mutex_unlock(&gs->lock);
	return rc;
}

/* Finds the starts of stretch b (once for the scan), reading it through
 * buf (GRID_READ + 16 bytes).  0, or -errno (the read failed). */
static int gs_fill(struct grid_starts *gs, const struct source *src,
                   uint64_t b, uint8_t *buf)
{
	uint64_t f[GS_BLOCK / GRID_STEP];
	size_t nf = 0;
	uint64_t end = (b + 1) * GS_BLOCK < gs->size ? (b + 1) * GS_BLOCK
	                                             : gs->size;

	pthread_mutex_lock(&gs->lock);
	bool done = gs->done[b] != 0;
	pthread_mutex_unlock(&gs->lock);
	if (done)
		return 0;
	for (uint64_t at = b * GS_BLOCK; at < end; at += GRID_READ) {
		/* a start needs its 16 bytes inside the source */
		uint64_t lim = gs->size - at < GRID_READ + 16 ? gs->size - at
		                                              : GRID_READ + 16;
		if (lim < 16)
			break;
		int rc = source_read_full(src, buf, (size_t)lim, at);
		if (rc != 0)
			return rc;
		for (size_t k = 0; k + 16 <= lim && k < GRID_READ;
		     k += GRID_STEP) {
			if (!is_start(buf + k))
				continue;
			f[nf++] = at + k;
		}
	}
	return gs_merge(gs, b, f, nf);
}

/*
 * grid_of_starts through gs: the same answer, from the starts found once
 * per stretch.  Returns 0 with *cs set, or -errno when a stretch could
 * not be read (the caller reads round the clip itself then).
 */
static int grid_of_starts_in(struct grid_starts *gs, const struct source *src,
                             uint64_t off, uint8_t *buf, uint64_t *cs)
{
	const size_t ng = sizeof(grid_sizes) / sizeof(*grid_sizes);
	uint64_t size = gs->size;
	uint64_t lo = off > GRID_PROBE ? off - GRID_PROBE : off % GRID_STEP;
	uint64_t hi = size - off > GRID_PROBE ? off + GRID_PROBE : size;
	size_t best = 0;
	bool found = false;

	if (off % GRID_STEP != 0 || off >= size)
		return -EINVAL;
	for (uint64_t b = lo / GS_BLOCK; b * GS_BLOCK < hi; b++) {
		int rc = gs_fill(gs, src, b, buf);
		if (rc != 0)
			return rc;
	}
	*cs = 0;
	pthread_mutex_lock(&gs->lock);
	size_t l = 0, r = gs->n;
	while (l < r) {
		size_t m = l + (r - l) / 2;
		if (gs->at[m] < lo)
			l = m + 1;
		else
			r = m;
	}
	for (size_t k = l; k < gs->n && gs->at[k] + 16 <= hi; k++) {
		uint64_t p = gs->at[k];
		if (p == off)
			continue;
		size_t i = grid_index(p > off ? p - off : off - p);
		if (i == ng) {
			found = false;
			break;
		}
		if (!found || i > best)
			best = i;
		found = true;
	}
	pthread_mutex_unlock(&gs->lock);
	*cs = found ? grid_sizes[best] : 0;
	return 0;
}

/*
 * The grid of cs-byte clusters that lies over [lo, hi) and has one
 * opening at off (lo <= off < hi), in *v: 1, 0 when it holds fewer than
 * two clusters, -errno.
 */
static int grid_view(struct fsview *v, uint64_t off, uint64_t cs,
                     uint64_t lo, uint64_t hi)
{
	uint64_t base = lo + (off - lo) % cs;
	uint64_t n = (hi - base) / cs;

	if (n < 2 || n > UINT32_MAX - 2)
		return 0;
	int rc = fsview_init(v, base, (uint32_t)cs, (uint32_t)n);
	return rc != 0 ? rc : 1;
}

/*
 * A clip cut off before its index, without a file system: followed by its
 * NAL unit chain (mp4_chain.h) on the grid the clips round it start on
 * (cs, one of grid_sizes; 0: not known), over [lo, hi).  2 with out
 * filled (a truncated verdict), 0 when there is no such grid or the chain
 * does not go on past its first cluster.
 */
static int chain_grid(const struct source *src, uint64_t size,
                      const struct format *fmt, uint64_t off, uint8_t *win,
                      size_t win_cap, uint64_t cs, uint64_t lo, uint64_t hi,
                      struct reasm_result *out)
{
	bool known = false;
	for (size_t i = 0; i < REASM_GRIDS; i++)
		known |= grid_sizes[i] == cs;
	struct fsview v;
	int rc = known ? grid_view(&v, off, cs, lo, hi) : 0;
	if (rc <= 0)
		return rc;
	struct reasm_result c;
	rc = mp4_chain_place(&v, src, size, fmt, off, win, win_cap, &c);
	fsview_free(&v);
	if (rc < 0)
		return rc;
	out->validations += c.validations;
	if (rc == 1 && c.res.length == 0)
		free(c.ext);
	if (rc != 1 || c.res.length == 0)
		return 0;
	c.validations = out->validations;
	*out = c;
	return 2;
}

/*
 * The clip at source byte off placed by its index on the grid of cs-byte
 * clusters that lies over [lo, hi) and has one opening at off (deciding
 * by decoding when decode): 1 with out filled when the validator accepts
 * the placing whole, 0 when not, -errno.  A placing that guessed leaves
 * the head before its guess in *head, when longer than the one there.
 */
static int grid_try(const struct source *src, uint64_t size,
                    const struct format *fmt, uint64_t off, uint8_t *win,
                    size_t win_cap, uint64_t cs, uint64_t lo, uint64_t hi,
                    bool decode, struct reasm_result *out,
                    struct reasm_result *head)
{
	struct fsview v;
	struct extent *ext;
	unsigned next;
	uint64_t len;
	int rc = grid_view(&v, off, cs, lo, hi);
	if (rc <= 0)
		return rc;
	unsigned clips;
	rc = mp4_index_reassemble_bounded(&v, src, size, off, MI_GRID_BUDGET,
	                                  MI_GRID_PER_POS, decode, &ext, &next,
	                                  &len, &clips);
	fsview_free(&v);
	if (rc < 0)
		return rc;
	if (rc != 1 && rc != 2)
		return 0;
	/* the clusters the index placed: a map, checked as one */
	struct carve_result res;
	struct run_req req = {
		.src = src, .ext = ext, .next = next,
		.win = win, .win_cap = win_cap,
		.thorough = next > 1, .seams_placed = true,
	};
	memset(&res, 0, sizeof(res));
	run_validate(fmt, &req, &res, NULL);
	out->validations++;
	if (rc == 1 && res.verdict == CARVE_ACCEPT && res.length == len) {
		out->res = res;
		out->ext = ext;
		out->next = next;
		return 1;
	}
	if (rc == 2 && is_head(&res, len) && res.length > head->res.length) {
		/* a guess: the head before it, kept when longer than one
		 * found at another grid; the caller weighs it against the
		 * contiguous verdict */
		free(head->ext);
		take_head(head, &res, ext, next);
		return 0;
	}
	free(ext);
	return 0;
}

/* reassemble_grid's answer rc, the head of a guess it kept no longer
 * wanted. */
static int grid_done(int rc, struct reasm_result *head)
{
	free(head->ext);
	head->ext = NULL;
	return rc;
}

int reassemble_grid(const struct source *src, uint64_t size,
                    const struct format *fmt, uint64_t off, uint8_t *win,
                    size_t win_cap, struct grid_starts *gs,
                    const struct fsview_grid *vol, struct reasm_result *out)
{
	uint64_t vol_cs = vol != NULL ? vol->cluster_size : 0;
	/* the grid's clusters: the volume's data region, when off lies in
	 * it (a clip that wraps round the card goes on at its first
	 * cluster, not in the file allocation tables), else the source */
	uint64_t lo = 0, hi = size;

	out->ext = NULL;
	if (strcmp(fmt->name, "mp4") != 0 || win == NULL)
		return 0;
	memset(out, 0, sizeof(*out));
	struct reasm_result head = { .ext = NULL };
	uint8_t *buf = malloc(GRID_READ + 16);
	if (buf == NULL)
		return -ENOMEM;
	bool vol_known = false;
	for (size_t i = 0; i < REASM_GRIDS; i++)
		vol_known |= grid_sizes[i] == vol_cs;
	if (!vol_known || off < vol->origin || off >= vol->end ||
	    vol->end > size)
		vol_cs = 0;
	if (vol_cs != 0) {
		lo = vol->origin;
		hi = vol->end;
	}
	uint64_t only;
	if (gs == NULL || gs->size != size ||
	    grid_of_starts_in(gs, src, off, buf, &only) != 0)
		only = grid_of_starts(src, size, off, buf);
	free(buf);
	uint64_t finest = vol_cs != 0 ? vol_cs : grid_sizes[REASM_GRIDS - 1];
	/* On a volume, its own clusters first, without decoding: a clip
	 * they place with nothing guessed needs no coarser grid (of the
	 * FAT32 dashcam card's fragmented clips, all that were placed).
	 * Else the coarser grids and the volume's again, as below. */
	if (vol_cs != 0 && (only == 0 || only > vol_cs)) {
		int rc = grid_try(src, size, fmt, off, win, win_cap, vol_cs, lo,
		                  hi, false, out, &head);
		if (rc != 0)
			return grid_done(rc, &head);
	}
	for (size_t i = 0; i < REASM_GRIDS; i++) {
		uint64_t cs = grid_sizes[i];
		/* The grid other clips' starts lie on and each finer one (a
		 * few starts may lie a multiple of a larger size apart than
		 * the card's clusters), else each.  On a volume, each
		 * multiple of its cluster size up to that: a coarser grid
		 * holds fewer places to share out, and often all the clip's
		 * runs (a recorder writing in large pieces). */
		if (vol_cs != 0 ? cs % vol_cs != 0 || (only != 0 && cs > only)
		                : only != 0 && only % cs != 0)
			continue;
		int rc = grid_try(src, size, fmt, off, win, win_cap, cs, lo, hi,
		                  cs == finest, out, &head);
		if (rc != 0)
			return grid_done(rc, &head);
	}
	/* The clips round it lie on a grid the volume's clusters do not
	 * divide: they were written before the volume was made (a card
	 * formatted again), and the volume says nothing of their grid.
	 * The grids their starts tell are tried over the whole source. */
	if (vol_cs != 0 && only != 0 && only % vol_cs != 0) {
		finest = 0;
		for (size_t i = 0; i < REASM_GRIDS; i++)
			if (only % grid_sizes[i] == 0 &&
			    grid_sizes[i] % vol_cs != 0)
				finest = grid_sizes[i];
		for (size_t i = 0; i < REASM_GRIDS; i++) {
			uint64_t cs = grid_sizes[i];
			if (only % cs != 0 || cs % vol_cs == 0)
				continue;
			int rc = grid_try(src, size, fmt, off, win, win_cap, cs,
			                  0, size, cs == finest, out, &head);
			if (rc != 0)
				return grid_done(rc, &head);
		}
	}
	int rc = chain_grid(src, size, fmt, off, win, win_cap,
	                    vol_cs != 0 ? vol_cs : only, lo, hi, out);
	if (rc != 0 || head.ext == NULL)
		return grid_done(rc, &head);
	unsigned validations = out->validations;
	free(out->ext);
	*out = head;
	out->validations += validations;
	return 3;
}


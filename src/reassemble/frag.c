/*
 * frag.c - the fragment search of frag.h.
 *
 * The file being built is a list of finished fragments plus the last one,
 * which starts at image byte `ls` (logical byte `lstart`) and runs on as
 * far as the source goes; its validator's verdict gives the consistent
 * length L and the fragmentation point N.  A step picks a boundary block
 * start P in the last fragment (between L's block and N) and a tail start
 * T = P + G blocks, and validates the map "fragments, [ls, P), [T, end)".
 * Logical byte x lies at image byte ls + (x - lstart) while x is in the
 * last fragment.
 *
 * Whether a block may start a tail is decided once per step and kept in a
 * byte per block (a step looks at most FRAG_MAX_BOUNDARIES_EXPECT +
 * FRAG_MAX_GAP_BLOCKS blocks), so the caller's claims, the signature test
 * and may_continue cost one look per block, not one per map tried.  The
 * blocks are looked at in source order, as far as the tails tried reach,
 * so that a whole file found starting at one block rules out the blocks
 * it covers before any of them is offered.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "formats/run.h"
#include "reassemble/frag.h"

/* What a step knows about a block as a tail start. */
enum { BLK_NO = 0, BLK_OK };

struct frag_state {
	const struct frag_req *rq;
	struct frag_result *out;
	struct extent runs[FRAG_MAX_FRAGMENTS + 1];
	unsigned nruns;              /* finished fragments */
	uint64_t ls, lstart;         /* the last fragment */
	uint64_t L, N;               /* consistent length, fragment point */
	uint8_t *probe;              /* one block's first bytes */
	size_t probe_cap;
	uint64_t limit;              /* bytes this candidate may spend */
	/* the step's window of blocks: block k is base + k * block */
	uint8_t *blk;
	size_t nblk, looked;         /* blocks looked at: [0, looked) */
	uint64_t base;
	uint64_t whole_end;          /* a whole file found covers up to it */
	/* The validator's saved progress over this candidate's maps
	 * (format.h validate_resume), and the logical bytes that every map
	 * tried since shares: those before the step's lowest boundary. */
	struct carve_resume *resume;
	uint64_t stable;
	/* What the last verdict says must lie at N (carve_result.expect),
	 * and the bits of it that may hold anything. */
	uint8_t expect[sizeof(((struct carve_result *)0)->expect)];
	uint8_t expect_any[sizeof(((struct carve_result *)0)->expect)];
	uint8_t expect_len;
	uint64_t expect_at;          /* logical, at or past N */
};

uint64_t frag_total_budget(uint64_t off)
{
	if (off > (UINT64_MAX - FRAG_TOTAL_BASE) / FRAG_TOTAL_PER_BYTE)
		return UINT64_MAX;
	return FRAG_TOTAL_BASE + off * FRAG_TOTAL_PER_BYTE;
}

/* Whether the bytes p[0..n) start with one of fmt's signatures. */
static bool starts_file(const struct format *fmt, const uint8_t *p, size_t n)
{
	for (unsigned i = 0; i < fmt->nsigs; i++) {
		const struct format_sig *s = &fmt->sigs[i];
		size_t k;

		if ((size_t)s->offset + s->len > n)
			continue;
		for (k = 0; k < s->len; k++) {
			uint8_t m = s->mask ? s->mask[k] : 0xff;
			if ((p[s->offset + k] & m) != (s->bytes[k] & m))
				break;
		}
		if (k == s->len)
			return true;
	}
	return false;
}

/* Counts cost bytes against the candidate's and the scan's budgets. */
static void spend(struct frag_state *st, uint64_t cost)
{
	uint64_t *budget = st->rq->budget;

	st->out->spent += cost;
	*budget = *budget > cost ? *budget - cost : 0;
}

/* Whether a file of one of the scan's formats starts at t (the probe
 * holds n of its bytes): a whole one, or the head of another fragmented
 * one (its consistent bytes); where that ends into *end. */
static bool whole_file_at(struct frag_state *st, uint64_t t, size_t n,
                          uint64_t *end)
{
	const struct frag_req *rq = st->rq;
	struct extent one = { .img_off = t, .len = rq->src_end - t };
	struct carve_result res;

	for (unsigned i = 0; i < rq->nformats; i++) {
		const struct format *f = rq->formats[i];
		if (!starts_file(f, st->probe, n))
			continue;
		struct run_req req = {
			.src = rq->src, .ext = &one, .next = 1,
			.win = rq->win, .win_cap = rq->win_cap,
		};
		if (run_validate(f, &req, &res, NULL) != 0)
			continue;
		spend(st, res.length + rq->grid.block);
		if (res.verdict == CARVE_ACCEPT && res.length >= f->min_size) {
			*end = t + res.length;
			return true;
		}
		/* The head of another fragmented file: what its validator
		 * showed consistent is that file's. */
		if (res.verdict == CARVE_TRUNCATED &&
		    res.note == CARVE_NOTE_FRAGMENT && res.length > 0) {
			*end = t + res.length;
			return true;
		}
	}
	return false;
}

/* Decides whether the block at t may start a tail. */
static bool block_ok(struct frag_state *st, uint64_t t)
{
	const struct frag_req *rq = st->rq;
	uint64_t n = rq->src_end - t, end;

	if (t < st->whole_end)
		return false;
	if (rq->taken != NULL && rq->taken(rq->taken_arg, t, rq->grid.block))
		return false;
	if (n > st->probe_cap)
		n = st->probe_cap;
	if (n > rq->grid.block)
		n = rq->grid.block;
	if (source_read(rq->src, st->probe, t, (size_t)n, 0, NULL, NULL) != 0)
		return false;
	if (whole_file_at(st, t, (size_t)n, &end)) {
		st->whole_end = end;
		return false;
	}
	if (starts_file(rq->fmt, st->probe, (size_t)n))
		return false;
	return rq->fmt->may_continue == NULL ||
	       rq->fmt->may_continue(st->probe, (size_t)n);
}

/* Whether block k of the window may start a tail: the blocks up to it
 * are looked at first, in order. */
static bool window_ok(struct frag_state *st, size_t k)
{
	const uint64_t bs = st->rq->grid.block;

	while (st->looked <= k && st->looked < st->nblk) {
		uint64_t t = st->base + st->looked * bs;
		st->blk[st->looked++] = block_ok(st, t) ? BLK_OK : BLK_NO;
	}
	return k < st->nblk && st->blk[k] == BLK_OK;
}

/* The map of the current fragments with the last one cut at P and a tail
 * from T on, validated; 0 or -errno.  shared: P is one of the step's
 * boundaries, so the map holds the bytes before st->stable that every
 * map tried with st->resume held, and the validator may resume. */
static int try_map(struct frag_state *st, uint64_t P, uint64_t T,
                   bool shared, struct carve_result *res)
{
	const struct frag_req *rq = st->rq;
	struct extent ext[FRAG_MAX_FRAGMENTS + 1];
	unsigned n = st->nruns;
	uint64_t searched = 0;
	int err = 0;

	memcpy(ext, st->runs, n * sizeof(*ext));
	ext[n++] = (struct extent){ .img_off = st->ls, .len = P - st->ls };
	ext[n++] = (struct extent){ .img_off = T, .len = rq->src_end - T };
	struct run_req req = {
		.src = rq->src, .ext = ext, .next = n,
		.win = rq->win, .win_cap = rq->win_cap,
		.thorough = true,
		.resume = shared ? &st->resume : NULL, .stable = st->stable,
		/* every map of the step holds the last fragment up to P */
		.shared = shared ? st->lstart + (P - st->ls) : 0,
		.searched = &searched,
	};
	int rc = run_validate(rq->fmt, &req, res, &err);
	if (rc != 0)
		return rc;
	/* A run costs what the validator got through, its setting up (at
	 * least the block it was offered), and whatever its searches looked
	 * through (a document's table sought megabytes ahead of a broken
	 * piece). */
	uint64_t cost = res->length > res->note_off ? res->length
	                : res->note_off;
	/* A validator that resumes keeps what it found in the bytes every
	 * map of the step shares (before stable) and checks them again
	 * only by their structure: those cost a sixteenth, and what it
	 * says it did besides (carve_result.rework). */
	if (shared && rq->fmt->validate_resume != NULL && cost > st->stable)
		cost = cost - st->stable + st->stable / 16 + res->rework;
	cost += (rq->grid.block > FRAG_TRY_COST ? rq->grid.block
	         : FRAG_TRY_COST) + searched / FRAG_SEARCH_SHARE;
	st->out->validations++;
	spend(st, cost);
	return 0;
}

/* Whether the candidate may spend another validator run. */
static bool can_spend(const struct frag_state *st)
{
	return st->out->validations < FRAG_MAX_VALIDATIONS &&
	       st->out->spent < st->limit && *st->rq->budget > 0;
}

/* Whether image bytes [a, a + n) and [b, b + n) are the same; 1, 0, or
 * -errno. */
static int same_bytes(struct frag_state *st, uint64_t a, uint64_t b,
                      uint64_t n)
{
	const struct frag_req *rq = st->rq;
	size_t half = st->probe_cap / 2;

	while (n > 0) {
		size_t k = n < half ? (size_t)n : half;
		int rc = source_read(rq->src, st->probe, a, k, 0, NULL, NULL);
		if (rc == 0)
			rc = source_read(rq->src, st->probe + half, b, k, 0,
			                 NULL, NULL);
		if (rc != 0)
			return rc;
		if (memcmp(st->probe, st->probe + half, k) != 0)
			return 0;
		a += k;
		b += k;
		n -= k;
	}
	return 1;
}

/*
 * A map (boundary bnd[i], a gap of g blocks) that the validator accepted
 * or that moved the point (*res): whether a lower boundary with the same
 * gap gives another file the validator takes as well (the later
 * boundaries of the step, then FRAG_CHECK_BELOW blocks under the lowest,
 * for a validator whose consistent length ran past bytes it does not
 * check).  Such maps differ only in which blocks hold the bytes around
 * the boundary; a validator that does not check those bytes (a video
 * frame's payload) takes both, and picking one would be a guess.  Maps
 * that give the same bytes (the gap starts like the tail) are the same
 * file.  1 ambiguous (also when the budget runs out before it is known),
 * 0 not, or -errno.
 */
static int ambiguous(struct frag_state *st, const uint64_t *bnd, unsigned nb,
                     unsigned i, uint64_t g, const struct carve_result *res)
{
	const uint64_t bs = st->rq->grid.block;
	struct carve_result other;

	for (unsigned j = i + 1; j < nb + FRAG_CHECK_BELOW; j++) {
		uint64_t P;
		if (j < nb)
			P = bnd[j];
		else if (bnd[nb - 1] - st->ls > (uint64_t)(j - nb + 1) * bs)
			P = bnd[nb - 1] - (uint64_t)(j - nb + 1) * bs;
		else
			break;
		uint64_t T = P + g * bs;
		if (T >= st->rq->src_end)
			continue;
		if (!can_spend(st))
			return 1;
		int rc = try_map(st, P, T, j < nb, &other);
		if (rc != 0)
			return rc;
		bool alike = res->verdict == CARVE_ACCEPT
		             ? other.verdict == CARVE_ACCEPT
		             : other.verdict == CARVE_TRUNCATED &&
		               other.note == CARVE_NOTE_FRAGMENT &&
		               other.note_off > st->N &&
		               other.length >= res->length;
		if (!alike)
			continue;
		/* this map holds image [P, bnd[i]) where the other holds
		 * the tail's [T, T + (bnd[i] - P)) */
		rc = same_bytes(st, P, T, bnd[i] - P);
		if (rc <= 0)
			return rc < 0 ? rc : 1;
	}
	return 0;
}

/* Takes the point of a verdict: L, N and what must lie at N. */
static void set_point(struct frag_state *st, const struct carve_result *res)
{
	st->L = res->length;
	st->N = res->note_off;
	st->expect_len = res->expect_len <= sizeof(st->expect)
	                 ? res->expect_len : 0;
	memcpy(st->expect, res->expect, st->expect_len);
	memcpy(st->expect_any, res->expect_any, st->expect_len);
	st->expect_at = res->expect_at > res->note_off ? res->expect_at
	                : res->note_off;
}

/* Whether image byte at holds what must lie at N or past it (always,
 * when nothing is said): with a gap of g blocks, a logical byte at or
 * past N lies g blocks further into the image than in the last fragment,
 * whatever the boundary, so one look rules out every map of that gap. */
static bool expect_ok(struct frag_state *st, uint64_t at)
{
	uint8_t b[sizeof(st->expect)];

	if (st->expect_len == 0)
		return true;
	if (at > st->rq->src_end || st->rq->src_end - at < st->expect_len)
		return false;
	if (source_read(st->rq->src, b, at, st->expect_len, 0, NULL,
	                NULL) != 0)
		return false;
	for (unsigned i = 0; i < st->expect_len; i++)
		if ((b[i] ^ st->expect[i]) & ~st->expect_any[i])
			return false;
	return true;
}

/*
 * The boundaries a step from a last fragment starting at image byte ls
 * tries, into bnd[] (maxb at most): the block starts from the one holding
 * image byte imgN (the fragmentation point) back to the one holding imgL
 * (the consistent length), after ls.  Returns how many.
 */
static unsigned boundaries(const struct frag_req *rq, uint64_t ls,
                           uint64_t imgN, uint64_t imgL, unsigned maxb,
                           uint64_t *bnd)
{
	const uint64_t bs = rq->grid.block, org = rq->grid.origin;
	unsigned nb = 0;

	if (imgN < org || imgN >= rq->src_end)
		return 0;
	uint64_t hi = org + (imgN - org) / bs * bs;
	uint64_t lo = imgL < org ? org : org + (imgL - org) / bs * bs;
	for (uint64_t P = hi; nb < maxb && P > ls && P >= lo; P -= bs) {
		bnd[nb++] = P;
		if (P < bs)
			break;
	}
	return nb;
}

/* What a step found: a whole file, or a map that moved N forward. */
struct step {
	int found;                   /* 0 none, 1 progress, 2 accepted */
	uint64_t P, T;
	struct carve_result res;
};

/*
 * One step: the boundaries from N's block back to L's, and for each gap
 * size the tail that far after each boundary.  0 or -errno, with *sp.
 */
static int step(struct frag_state *st, struct step *sp)
{
	const struct frag_req *rq = st->rq;
	const uint64_t bs = rq->grid.block;
	uint64_t imgN = st->ls + (st->N - st->lstart);
	uint64_t imgL = st->ls + (st->L - st->lstart);
	uint64_t bnd[FRAG_MAX_BOUNDARIES_EXPECT];
	unsigned nb = 0, v0 = 0, vstart = st->out->validations;
	unsigned maxb = st->expect_len > 0 ? FRAG_MAX_BOUNDARIES_EXPECT
	                : FRAG_MAX_BOUNDARIES;
	struct carve_result res;
	int rc = 0;

	memset(sp, 0, sizeof(*sp));
	nb = boundaries(rq, st->ls, imgN, imgL, maxb, bnd);
	if (nb == 0)
		return 0;
	/* Steps move forward: the lowest boundary never goes back. */
	st->stable = st->lstart + (bnd[nb - 1] - st->ls);
	/* Blocks from just after the lowest boundary to the farthest tail. */
	st->base = bnd[nb - 1] + bs;
	st->nblk = (size_t)((bnd[0] - bnd[nb - 1]) / bs) + FRAG_MAX_GAP_BLOCKS;
	st->looked = 0;
	st->whole_end = 0;
	st->blk = calloc(st->nblk, 1);
	if (st->blk == NULL)
		return -ENOMEM;
	for (uint64_t g = 1; g <= FRAG_MAX_GAP_BLOCKS && sp->found != 2; g++) {
		bool any = false;
		uint64_t e = st->ls + (st->expect_at - st->lstart) + g * bs;
		if (!expect_ok(st, e)) {
			if (e >= rq->src_end)
				break;   /* so are the next gaps' */
			continue;
		}
		for (unsigned i = 0; i < nb; i++) {
			uint64_t P = bnd[i], T = P + g * bs;
			if (T >= rq->src_end || T < P)
				continue;
			any = true;
			if (!can_spend(st))
				goto done;
			if (!window_ok(st, (size_t)((T - st->base) / bs)))
				continue;
			if (!can_spend(st) ||
			    st->out->validations - vstart >= FRAG_STEP_VALIDATIONS ||
			    (sp->found == 1 &&
			     st->out->validations - v0 >= FRAG_AFTER_PROGRESS))
				goto done;
			if ((rc = try_map(st, P, T, true, &res)) != 0)
				goto done;
			uint64_t x = st->lstart + (P - st->ls);
			if (res.length <= x)
				continue;   /* nothing of the tail was shown */
			uint64_t tail = res.length - x;
			if (rq->taken != NULL &&
			    rq->taken(rq->taken_arg, T, tail))
				continue;   /* runs into another file's blocks */
			bool whole = res.verdict == CARVE_ACCEPT;
			/* Moved forward, with at least a block of the tail
			 * shown consistent: data that merely decode for a few
			 * bytes (a JPEG's entropy-coded data take random bytes
			 * for a while) are no fragment. */
			bool moved = sp->found == 0 &&
			             res.verdict == CARVE_TRUNCATED &&
			             res.note == CARVE_NOTE_FRAGMENT &&
			             res.note_off > st->N && tail >= bs;
			if (!whole && !moved)
				continue;
			int amb = ambiguous(st, bnd, nb, i, g, &res);
			if (amb < 0) {
				rc = amb;
				goto done;
			}
			if (amb) {
				/* The validator cannot tell where the boundary
				 * lies: nothing is guessed for it. */
				sp->found = 0;
				goto done;
			}
			sp->P = P;
			sp->T = T;
			sp->res = res;
			if (whole) {
				sp->found = 2;
				break;
			}
			sp->found = 1;
			v0 = st->out->validations;
		}
		if (!any)
			break;   /* every tail would start past the source */
	}
done:
	free(st->blk);
	st->blk = NULL;
	return rc;
}

/* The stable offset of the first step when the thorough verdict places
 * the point where the scan's did (its lowest boundary, as step() finds
 * it without an expectation), or 0 when that step tries none. */
static uint64_t first_stable(const struct frag_req *rq)
{
	uint64_t bnd[FRAG_MAX_BOUNDARIES];
	unsigned nb = boundaries(rq, rq->off, rq->off + rq->note_off,
	                         rq->off + rq->length, FRAG_MAX_BOUNDARIES, bnd);

	return nb > 0 ? bnd[nb - 1] - rq->off : 0;
}

/* Whether rq asks for a search at all: a grid, a fragmentation point at
 * or past the consistent bytes, a start inside the source. */
static bool searchable(const struct frag_req *rq)
{
	return rq->grid.block != 0 && rq->note_off >= rq->length &&
	       rq->off < rq->src_end;
}

/* The candidate alone, validated thoroughly into *res, the validator's
 * progress kept in *rs up to stable (first_stable). */
static int first_run(const struct frag_req *rq, uint64_t stable,
                     struct carve_resume **rs, struct carve_result *res)
{
	struct extent one = { .img_off = rq->off, .len = rq->src_end - rq->off };
	bool resume = rq->fmt->validate_resume != NULL && stable > 0;
	struct run_req req = {
		.src = rq->src, .ext = &one, .next = 1,
		.win = rq->win, .win_cap = rq->win_cap, .thorough = true,
		.resume = resume ? rs : NULL, .stable = stable,
	};

	return run_validate(rq->fmt, &req, res, NULL);
}

/* The candidate alone, validated thoroughly (or that verdict made ahead,
 * rq->first): 1 with st's L and N set when it ends at a fragmentation
 * point, 0 when not, or -errno.  A validator that resumes keeps its
 * progress up to where the first step's maps will likely share bytes,
 * so that their first run does not walk the head again. */
static int first_point(struct frag_state *st)
{
	const struct frag_req *rq = st->rq;
	struct frag_first *f = rq->first;
	uint64_t stable = first_stable(rq);
	struct carve_result res;

	if (f != NULL && f->fmt == rq->fmt && f->stable == stable) {
		res = f->res;
		st->resume = f->resume;
		f->resume = NULL;
		f->fmt = NULL;   /* taken */
	} else {
		int rc = first_run(rq, stable, &st->resume, &res);
		if (rc != 0)
			return rc;
	}
	st->out->validations++;
	spend(st, (res.length > res.note_off ? res.length : res.note_off) +
	      rq->grid.block);
	if (res.verdict != CARVE_TRUNCATED || res.note != CARVE_NOTE_FRAGMENT ||
	    res.note_off < res.length)
		return 0;
	set_point(st, &res);
	return 1;
}

struct frag_first *frag_first_make(const struct frag_req *rq,
                                   atomic_uint_fast64_t *held)
{
	if (!searchable(rq))
		return NULL;
	struct frag_first *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->stable = first_stable(rq);
	if (first_run(rq, f->stable, &f->resume, &f->res) != 0) {
		if (f->resume != NULL && rq->fmt->resume_free != NULL)
			rq->fmt->resume_free(f->resume);
		free(f);
		return NULL;
	}
	f->fmt = rq->fmt;
	f->bytes = sizeof(*f);
	if (f->resume != NULL)
		f->bytes += rq->fmt->resume_size != NULL
		            ? rq->fmt->resume_size(f->resume) : 4096;
	f->held = held;
	if (held != NULL)
		atomic_fetch_add(held, f->bytes);
	return f;
}

void frag_first_free(struct frag_first *f)
{
	if (f == NULL)
		return;
	if (f->resume != NULL && f->fmt != NULL && f->fmt->resume_free != NULL)
		f->fmt->resume_free(f->resume);
	if (f->held != NULL)
		atomic_fetch_sub(f->held, f->bytes);
	free(f);
}

int frag_reassemble(const struct frag_req *rq, struct frag_result *out)
{
	struct frag_state st = {
		.rq = rq, .out = out, .ls = rq->off, .lstart = 0,
		.L = rq->length, .N = rq->note_off,
		.limit = FRAG_MAX_BYTES,
	};
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!searchable(rq))
		return 0;
	st.probe_cap = rq->grid.block < FRAG_PROBE_MAX ? rq->grid.block
	               : FRAG_PROBE_MAX;
	st.probe = malloc(st.probe_cap);
	if (st.probe == NULL)
		return -ENOMEM;
	/* The scan's verdict came from the validator's ordinary checks; its
	 * thorough ones may place the point better (earlier), and the maps
	 * are judged by those. */
	if (!can_spend(&st) || (rc = first_point(&st)) <= 0) {
		free(st.probe);
		return rc;
	}
	while (st.nruns + 2 <= FRAG_MAX_FRAGMENTS) {
		struct step sp;
		if ((rc = step(&st, &sp)) != 0 || sp.found == 0)
			break;
		uint64_t x = st.lstart + (sp.P - st.ls);
		st.runs[st.nruns++] = (struct extent){
			.img_off = st.ls, .len = sp.P - st.ls };
		st.ls = sp.T;
		st.lstart = x;
		if (sp.found == 2) {
			st.runs[st.nruns++] = (struct extent){
				.img_off = sp.T, .len = sp.res.length - x };
			out->ext = malloc(st.nruns * sizeof(*out->ext));
			if (out->ext == NULL) {
				rc = -ENOMEM;
				break;
			}
			memcpy(out->ext, st.runs, st.nruns * sizeof(*out->ext));
			out->next = st.nruns;
			out->res = sp.res;
			rc = 1;
			break;
		}
		set_point(&st, &sp.res);
	}
	free(st.probe);
	if (st.resume != NULL && rq->fmt->resume_free != NULL)
		rq->fmt->resume_free(st.resume);
	return rc;
}

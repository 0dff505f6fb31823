/*
 * match.c - the signature matcher: set-up, the choice of variant, and the
 * scalar reference.
 *
 * Block mode visits one position per block; a table keyed by byte value
 * lists the signatures whose first byte accepts it, so a position costs one
 * lookup per distinct signature offset.  Any-offset mode in the scalar
 * reference looks at every byte once through the same table.
 *
 * The SIMD variants of any-offset mode share a prefilter built here (see
 * struct match_filter): each signature gets an anchor window of MATCH_WIN
 * bytes, and the variants flag the positions where some window may match
 * before checking those exactly.  Signatures aligned to MATCH_ALIGN_PASS or
 * more are only tried at their aligned starts.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scan/match.h"
#include "scan/match_impl.h"

/* ------------------------------------------------------------- helpers */

/* Whether signature byte i of s accepts c. */
static int sig_accepts(const struct match_sig *s, unsigned i, unsigned c)
{
	return (c & s->mask[i]) == s->bytes[i];
}

/*
 * Fills first[0..257) and a list (malloc'd into *list) of the items whose
 * accepts(ctx, item, c) holds for each byte value c: list[first[c] ..
 * first[c + 1]).
 */
static int index_by_byte(uint16_t first[257], uint16_t **list,
                         unsigned nitems,
                         int (*accepts)(const void *ctx, unsigned item,
                                        unsigned c),
                         const void *ctx)
{
	size_t n = 0;

	for (unsigned c = 0; c < 256; c++)
		for (unsigned i = 0; i < nitems; i++)
			n += accepts(ctx, i, c) != 0;
	if (n > UINT16_MAX)
		return -E2BIG;
	*list = calloc(n ? n : 1, sizeof(**list));
	if (*list == NULL)
		return -ENOMEM;
	n = 0;
	for (unsigned c = 0; c < 256; c++) {
		first[c] = (uint16_t)n;
		for (unsigned i = 0; i < nitems; i++)
			if (accepts(ctx, i, c))
				(*list)[n++] = (uint16_t)i;
	}
	first[256] = (uint16_t)n;
	return 0;
}

static int sig_first_accepts(const void *ctx, unsigned item, unsigned c)
{
	const struct matcher *m = ctx;
	return sig_accepts(&m->sigs[item], 0, c);
}

static int anchor_first_accepts(const void *ctx, unsigned item, unsigned c)
{
	const struct match_filter *f = ctx;
	const struct match_anchor *a = &f->anchors[item];
	return (c & a->mask[0]) == a->val[0];
}

/* ------------------------------------------------------ the prefilter */

/* How often a masked byte value turns up in real data, roughly: zero and
 * 0xff runs fill unused space, and free bits widen what a byte accepts. */
static unsigned byte_cost(uint8_t val, uint8_t mask)
{
	unsigned cost = 8 - (unsigned)__builtin_popcount(mask);

	if (mask == 0)
		return 16;
	if (val == 0x00)
		cost += 6;
	else if (val == 0xff)
		cost += 4;
	else if (val == 0x20 || val == 0x0a || val == 0x0d)
		cost += 1;
	return cost;
}

/* Index of (val, mask) in byte set j, or -1. */
static int set_find(const struct match_filter *f, unsigned j, uint8_t val,
                    uint8_t mask)
{
	for (unsigned i = 0; i < f->set_n[j]; i++)
		if (f->set_val[j][i] == val && f->set_mask[j][i] == mask)
			return (int)i;
	return -1;
}

static void set_add(struct match_filter *f, unsigned j, uint8_t val,
                    uint8_t mask)
{
	if (f->set_any[j])
		return;
	if (mask == 0 || f->set_n[j] == MATCH_SET_MAX) {
		f->set_any[j] = 1;
		return;
	}
	if (set_find(f, j, val, mask) < 0) {
		f->set_val[j][f->set_n[j]] = val;
		f->set_mask[j][f->set_n[j]] = mask;
		f->set_n[j]++;
	}
}

/* Nibble values (a 16-bit set) that a masked byte accepts in its low
 * (shift 0) or high (shift 4) half. */
static unsigned nibbles(uint8_t val, uint8_t mask, unsigned shift)
{
	unsigned v = (val >> shift) & 15, mk = (mask >> shift) & 15, set = 0;

	for (unsigned x = 0; x < 16; x++)
		if ((x & mk) == v)
			set |= 1u << x;
	return set;
}

/* Fraction of random positions a bucket with these nibble sets lets
 * through (0 for an empty bucket). */
static double bucket_rate(const unsigned lo[MATCH_WIN],
                          const unsigned hi[MATCH_WIN])
{
	double p = 1;

	for (unsigned j = 0; j < MATCH_WIN; j++)
		p *= __builtin_popcount(lo[j]) * __builtin_popcount(hi[j]) / 256.0;
	return p;
}

/*
 * Picks each signature's anchor window.  Windows whose bytes are rare in
 * real data are preferred, and so are windows whose first two bytes are
 * already in the SSE2 filter's byte sets (each new value costs that filter
 * one compare per vector).
 */
static void choose_anchor(struct match_filter *f, const struct match_sig *s,
                          struct match_anchor *a)
{
	unsigned best = ~0u, nwin = s->len > MATCH_WIN ? s->len - MATCH_WIN + 1
	                                                : 1;

	for (unsigned i = 0; i < nwin; i++) {
		unsigned cost = 0;
		for (unsigned j = 0; j < MATCH_WIN; j++) {
			if (i + j >= s->len) {
				cost += byte_cost(0, 0);
				continue;
			}
			uint8_t v = s->bytes[i + j], mk = s->mask[i + j];
			cost += 4 * byte_cost(v, mk);
			if (j < 2 && set_find(f, j, v, mk) < 0)
				cost += 3;
		}
		if (cost < best) {
			best = cost;
			a->k = (uint16_t)(s->offset + i);
			for (unsigned j = 0; j < MATCH_WIN; j++) {
				int in = i + j < s->len;
				a->val[j] = in ? s->bytes[i + j] : 0;
				a->mask[j] = in ? s->mask[i + j] : 0;
			}
		}
	}
}

/* An anchor's own nibble sets. */
static void anchor_nibbles(const struct match_anchor *a, unsigned lo[MATCH_WIN],
                           unsigned hi[MATCH_WIN])
{
	for (unsigned j = 0; j < MATCH_WIN; j++) {
		lo[j] = nibbles(a->val[j], a->mask[j], 0);
		hi[j] = nibbles(a->val[j], a->mask[j], 4);
	}
}

/*
 * Shares the anchors out among the buckets of the nibble tables.  A bucket
 * lets through the product of its nibble sets, so anchors are placed one
 * by one where the bucket's pass rate grows least, the loosest anchors
 * (short or masked windows) first, while there is still a bucket to keep
 * them apart from the others.
 */
static int assign_buckets(struct match_filter *f)
{
	unsigned blo[MATCH_BUCKETS][MATCH_WIN] = { { 0 } };
	unsigned bhi[MATCH_BUCKETS][MATCH_WIN] = { { 0 } };
	unsigned n = f->nanchors ? f->nanchors : 1;
	uint16_t *order = malloc(n * sizeof(*order));
	double *rate = malloc(n * sizeof(*rate));

	if (order == NULL || rate == NULL) {
		free(order);
		free(rate);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < f->nanchors; i++) {
		unsigned lo[MATCH_WIN], hi[MATCH_WIN], k = i;
		anchor_nibbles(&f->anchors[i], lo, hi);
		rate[i] = bucket_rate(lo, hi);
		/* Insertion sort, loosest first, ties in table order. */
		while (k > 0 && rate[order[k - 1]] < rate[i]) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = (uint16_t)i;
	}
	for (unsigned i = 0; i < f->nanchors; i++) {
		struct match_anchor *a = &f->anchors[order[i]];
		unsigned lo[MATCH_WIN], hi[MATCH_WIN], best = 0;
		double best_rise = 2;

		anchor_nibbles(a, lo, hi);
		for (unsigned b = 0; b < MATCH_BUCKETS; b++) {
			unsigned nlo[MATCH_WIN], nhi[MATCH_WIN];
			for (unsigned j = 0; j < MATCH_WIN; j++) {
				nlo[j] = blo[b][j] | lo[j];
				nhi[j] = bhi[b][j] | hi[j];
			}
			double rise = bucket_rate(nlo, nhi) -
			              bucket_rate(blo[b], bhi[b]);
			if (rise < best_rise) {
				best_rise = rise;
				best = b;
			}
		}
		a->bucket = (uint8_t)best;
		for (unsigned j = 0; j < MATCH_WIN; j++) {
			blo[best][j] |= lo[j];
			bhi[best][j] |= hi[j];
		}
	}
	for (unsigned b = 0; b < MATCH_BUCKETS; b++)
		for (unsigned j = 0; j < MATCH_WIN; j++)
			for (unsigned x = 0; x < 16; x++) {
				if (blo[b][j] >> x & 1)
					f->lo[j][x] |= (uint8_t)(1u << b);
				if (bhi[b][j] >> x & 1)
					f->hi[j][x] |= (uint8_t)(1u << b);
			}
	free(order);
	free(rate);
	return 0;
}

/* Builds m->filter from m->sigs. */
static int filter_init(struct matcher *m)
{
	struct match_filter *f = &m->filter;

	f->anchors = calloc(m->nsigs ? m->nsigs : 1, sizeof(*f->anchors));
	f->aligned = calloc(m->nsigs ? m->nsigs : 1, sizeof(*f->aligned));
	if (f->anchors == NULL || f->aligned == NULL)
		return -ENOMEM;
	f->kmin = MATCH_MAX_REACH;
	for (unsigned s = 0; s < m->nsigs; s++) {
		const struct match_sig *ms = &m->sigs[s];
		if (ms->align >= MATCH_ALIGN_PASS) {
			f->aligned[f->naligned++] = (uint16_t)s;
			continue;
		}
		struct match_anchor *a = &f->anchors[f->nanchors++];
		a->sig = (uint16_t)s;
		choose_anchor(f, ms, a);
		for (unsigned j = 0; j < 2; j++)
			set_add(f, j, a->val[j], a->mask[j]);
		if (a->k < f->kmin)
			f->kmin = a->k;
		if (a->k > f->kmax)
			f->kmax = a->k;
	}
	if (f->nanchors == 0)
		f->kmin = 0;
	int rc = assign_buckets(f);
	if (rc != 0)
		return rc;
	return index_by_byte(f->first, &f->by_byte, f->nanchors,
	                     anchor_first_accepts, f);
}

static void filter_free(struct match_filter *f)
{
	free(f->anchors);
	free(f->aligned);
	free(f->by_byte);
}

/* ------------------------------------------------------------ the scan */

/* Tests signature si for a start at source offset start. */
static inline void try_sig(const struct match_run *r, unsigned si,
                           uint64_t start)
{
	const struct match_sig *s = &r->m->sigs[si];
	uint64_t at = start + s->offset;
	/* Block mode counts alignment from the grid's base (start >= base
	 * there); any-offset alignments are sector-sized, which a file
	 * system's data area always honours. */
	uint64_t rel = r->m->any_offset ? start : start - r->m->base;

	if (rel % s->align != 0 || at < r->data_off ||
	    at + s->len > r->data_off + r->len || start + s->reach <= r->need_end)
		return;
	const uint8_t *p = r->data + (at - r->data_off);
	for (unsigned i = 0; i < s->len; i++)
		if ((p[i] & s->mask[i]) != s->bytes[i])
			return;
	r->emit(r->arg, start, s->fmt);
}

/* Block mode: at each block start, the signatures whose first byte accepts
 * the byte at their offset. */
static void scan_blocks(const struct match_run *r)
{
	const struct matcher *m = r->m;
	uint64_t end = r->data_off + r->len;
	uint64_t p = r->lo <= m->base ? m->base :
	             m->base + (r->lo - m->base + m->block - 1) / m->block *
	             m->block;

	for (; p < r->hi; p += m->block) {
		/* One byte a block: the hardware does not see the stride
		 * across pages, and a hit's work stalls the loads after it */
		if (p + 8 * m->block < end)
			__builtin_prefetch(r->data + (p + 8 * m->block -
			                              r->data_off));
		for (unsigned o = 0; o < m->noffsets; o++) {
			uint64_t at = p + m->offsets[o];
			if (at >= end)
				break;
			unsigned c = r->data[at - r->data_off];
			for (unsigned i = m->first[c]; i < m->first[c + 1]; i++)
				if (m->sigs[m->anchor[i]].offset == m->offsets[o])
					try_sig(r, m->anchor[i], p);
		}
	}
}

/* The scalar any-offset reference: every byte q, through the table, tries
 * the signatures whose first byte could lie at q. */
static void scan_bytes(const struct match_run *r)
{
	const struct matcher *m = r->m;
	const uint8_t *data = r->data;
	const uint16_t *first = m->first;
	uint64_t data_off = r->data_off, lo = r->lo, hi = r->hi;
	/* A start p is found through its first signature byte at p+offset,
	 * so look at bytes from lo (offset 0) to hi + max offset. */
	uint64_t q_lo = lo - data_off;
	uint64_t q_hi = hi - data_off + m->reach;
	if (q_hi > r->len)
		q_hi = r->len;

	for (uint64_t q = q_lo; q < q_hi; q++) {
		unsigned c = data[q], i = first[c], end = first[c + 1];
		if (i == end)
			continue;
		for (; i < end; i++) {
			const struct match_sig *s = &m->sigs[m->anchor[i]];
			uint64_t at = data_off + q;
			if (at < lo + s->offset)
				continue;
			uint64_t start = at - s->offset;
			if (start < hi)
				try_sig(r, m->anchor[i], start);
		}
	}
}

void match_scan_aligned(const struct match_run *r)
{
	const struct match_filter *f = &r->m->filter;

	for (unsigned i = 0; i < f->naligned; i++) {
		unsigned si = f->aligned[i];
		const struct match_sig *s = &r->m->sigs[si];
		uint64_t p = (r->lo + s->align - 1) / s->align * s->align;
		for (; p < r->hi; p += s->align)
			match_try(r, si, p);
	}
}

void match_scan(const struct matcher *m, const uint8_t *data, size_t len,
                uint64_t data_off, uint64_t own_lo, uint64_t own_hi,
                uint64_t need_end, match_emit_fn emit, void *arg)
{
	struct match_run r = {
		.m = m, .data = data, .len = len, .data_off = data_off,
		.lo = own_lo, .hi = own_hi, .need_end = need_end,
		.emit = emit, .arg = arg,
	};

	if (r.lo < data_off)
		r.lo = data_off;
	if (r.hi > data_off + len)
		r.hi = data_off + len;
	if (r.lo >= r.hi || m->nsigs == 0)
		return;
	if (m->any_offset)
		m->scan_any(&r);
	else
		scan_blocks(&r);
}

/* ------------------------------------------------------------ variants */

static const char *const simd_names[] = {
	[DREDGE_SIMD_AUTO] = "auto",
	[DREDGE_SIMD_SCALAR] = "scalar",
	[DREDGE_SIMD_SSE2] = "sse2",
	[DREDGE_SIMD_AVX2] = "avx2",
	[DREDGE_SIMD_AVX512] = "avx512",
};

#define NSIMD (sizeof(simd_names) / sizeof(simd_names[0]))

const char *dredge_simd_name(enum dredge_simd v)
{
	return (unsigned)v < NSIMD ? simd_names[v] : NULL;
}

int dredge_simd_parse(const char *s, enum dredge_simd *v)
{
	for (unsigned i = 0; i < NSIMD; i++) {
		if (strcmp(s, simd_names[i]) == 0) {
			*v = (enum dredge_simd)i;
			return 0;
		}
	}
	return -EINVAL;
}

int dredge_simd_supported(enum dredge_simd v)
{
	switch (v) {
	case DREDGE_SIMD_AUTO:
	case DREDGE_SIMD_SCALAR:
		return 1;
#if MATCH_X86
	case DREDGE_SIMD_SSE2:
		return __builtin_cpu_supports("sse2");
	case DREDGE_SIMD_AVX2:
		return __builtin_cpu_supports("avx2");
	case DREDGE_SIMD_AVX512:
		return __builtin_cpu_supports("avx512f") &&
		       __builtin_cpu_supports("avx512bw");
#endif
	default:
		return 0;
	}
}

enum dredge_simd dredge_simd_auto(void)
{
	static const enum dredge_simd order[] = {
		DREDGE_SIMD_AVX2, DREDGE_SIMD_SSE2,
	};

	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (dredge_simd_supported(order[i]))
			return order[i];
	return DREDGE_SIMD_SCALAR;
}

int match_use(struct matcher *m, enum dredge_simd v)
{
	if (v == DREDGE_SIMD_AUTO)
		v = dredge_simd_auto();
	if (!dredge_simd_supported(v))
		return -ENOTSUP;
	switch (v) {
#if MATCH_X86
	case DREDGE_SIMD_SSE2: m->scan_any = match_scan_sse2; break;
	case DREDGE_SIMD_AVX2: m->scan_any = match_scan_avx2; break;
	case DREDGE_SIMD_AVX512: m->scan_any = match_scan_avx512; break;
#endif
	default: m->scan_any = scan_bytes; v = DREDGE_SIMD_SCALAR; break;
	}
	m->simd = v;
	return 0;
}

/* ---------------------------------------------------------- set-up */

int match_init(struct matcher *m, const struct match_pattern *pats,
               unsigned npats, uint32_t block, int any_offset)
{
	int rc;

	memset(m, 0, sizeof(*m));
	if (block == 0)
		return -EINVAL;
	if (npats > UINT16_MAX)
		return -E2BIG;
	m->sigs = calloc(npats ? npats : 1, sizeof(*m->sigs));
	if (m->sigs == NULL)
		return -ENOMEM;
	m->block = block;
	m->any_offset = any_offset;
	for (unsigned p = 0; p < npats; p++) {
		const struct match_pattern *ps = &pats[p];
		struct match_sig *ms = &m->sigs[m->nsigs++];

		if (ps->len == 0 || ps->len > MATCH_MAX_LEN ||
		    ps->offset + ps->len > MATCH_MAX_REACH ||
		    ps->fmt > UINT16_MAX) {
			match_free(m);
			return -EINVAL;
		}
		memcpy(ms->bytes, ps->bytes, ps->len);
		for (unsigned i = 0; i < ps->len; i++) {
			ms->mask[i] = ps->mask ? ps->mask[i] : 0xff;
			ms->bytes[i] &= ms->mask[i];
		}
		ms->len = ps->len;
		ms->offset = ps->offset;
		ms->reach = (uint16_t)(ps->offset + ps->len);
		ms->fmt = (uint16_t)ps->fmt;
		uint32_t a = ps->align ? ps->align : 1;
		if (!any_offset && a < block)
			a = block;
		ms->align = a;
		if (ms->reach > m->reach)
			m->reach = ms->reach;
		/* Bytes past the signature have mask 0: they match. */
		uint8_t wb[8] = { 0 }, wm[8] = { 0 };
		unsigned wl = ms->len < 8 ? ms->len : 8;
		memcpy(wb, ms->bytes, wl);
		memcpy(wm, ms->mask, wl);
		memcpy(&ms->word, wb, 8);
		memcpy(&ms->wmask, wm, 8);
	}
	for (unsigned s = 0; s < m->nsigs; s++) {
		unsigned o = m->sigs[s].offset, i = 0;
		while (i < m->noffsets && m->offsets[i] < o)
			i++;
		if (i < m->noffsets && m->offsets[i] == o)
			continue;
		memmove(m->offsets + i + 1, m->offsets + i,
		        (m->noffsets - i) * sizeof(m->offsets[0]));
		m->offsets[i] = (uint16_t)o;
		m->noffsets++;
	}
	if ((rc = index_by_byte(m->first, &m->anchor, m->nsigs,
	                        sig_first_accepts, m)) != 0 ||
	    (rc = filter_init(m)) != 0) {
		match_free(m);
		return rc;
	}
	match_use(m, DREDGE_SIMD_AUTO);
	return 0;
}

void match_free(struct matcher *m)
{
	free(m->sigs);
	free(m->anchor);
	filter_free(&m->filter);
	memset(m, 0, sizeof(*m));
}

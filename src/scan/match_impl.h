/*
 * match_impl.h - what the scalar matcher shares with its SIMD variants.
 *
 * Each variant file (match_sse2.c, match_avx2.c, match_avx512.c) turns a
 * run of 64 positions into a bit mask of possible anchor positions with its
 * own instructions; everything around that - which positions to look at,
 * the aligned pass, and the exact check of each candidate - lives here and
 * in match.c, so that the variants differ only in the filter.
 */
#ifndef DREDGE_SCAN_MATCH_IMPL_H
#define DREDGE_SCAN_MATCH_IMPL_H

#include <string.h>

#include "scan/match.h"

/* The x86 variants, unless configure --disable-simd asked for the scalar
 * matcher alone. */
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && \
    !defined(DREDGE_NO_SIMD)
#define MATCH_X86 1
#else
#define MATCH_X86 0
#endif

/* Signatures aligned at least this coarsely skip the byte filter and are
 * tried at their aligned starts only. */
#define MATCH_ALIGN_PASS 64

/* Positions one filter call covers. */
#define MATCH_STEP 64

/* Whether s matches at p, which has avail >= s->len readable bytes. */
static inline int match_sig_at(const struct match_sig *s, const uint8_t *p,
                               size_t avail)
{
	unsigned i = 0;

	if (avail >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		if ((v & s->wmask) != s->word)
			return 0;
		i = 8;
	}
	for (; i < s->len; i++)
		if ((p[i] & s->mask[i]) != s->bytes[i])
			return 0;
	return 1;
}

/* Tests signature si for a start at source offset start >= r->data_off:
 * alignment, room in the data, need_end, then the bytes. */
static inline void match_try(const struct match_run *r, unsigned si,
                             uint64_t start)
{
	const struct match_sig *s = &r->m->sigs[si];
	uint64_t at = start + s->offset;

	if (at + s->len > r->data_off + r->len ||
	    start + s->reach <= r->need_end ||
	    (s->align > 1 && start % s->align != 0))
		return;
	size_t i = (size_t)(at - r->data_off);
	if (match_sig_at(s, r->data + i, r->len - i))
		r->emit(r->arg, start, s->fmt);
}

/* Checks every anchor that could sit at data[q]: the filter said the
 * window there may match. */
static inline void match_verify_at(const struct match_run *r, size_t q)
{
	const struct match_filter *f = &r->m->filter;
	unsigned c = r->data[q];
	uint64_t at = r->data_off + q;

	for (unsigned i = f->first[c]; i < f->first[c + 1]; i++) {
		const struct match_anchor *a = &f->anchors[f->by_byte[i]];
		if (at < r->lo + a->k || at - a->k >= r->hi)
			continue;
		match_try(r, a->sig, at - a->k);
	}
}

/* Verifies each set bit i of bits as position q + i. */
static inline void match_verify_bits(const struct match_run *r, size_t q,
                                     uint64_t bits)
{
	while (bits != 0) {
		match_verify_at(r, q + (size_t)__builtin_ctzll(bits));
		bits &= bits - 1;
	}
}

/*
 * A filter over p[0..MATCH_STEP + MATCH_WIN - 1): bit i set when position
 * i may hold an anchor.  A bit may be set in error, never missed.  ctx is
 * the variant's own form of the filter tables, prepared once per scan.
 */
typedef uint64_t (*match_filter_fn)(const void *ctx, const uint8_t *p);

/*
 * The body every SIMD variant shares: the aligned pass, then the filter
 * over each MATCH_STEP positions where an anchor can lie, with a zero-padded
 * copy where the window would read past the data.  Inlined into each
 * variant so that the filter call is direct.
 */
void match_scan_aligned(const struct match_run *r);

static inline __attribute__((always_inline))
void match_scan_filtered(const struct match_run *r, match_filter_fn filter,
                         const void *ctx)
{
	const struct match_filter *f = &r->m->filter;
	const uint8_t *data = r->data;
	size_t len = r->len;

	match_scan_aligned(r);
	if (f->nanchors == 0)
		return;
	/* Anchor positions: q = start + k, start in [lo, hi). */
	uint64_t q_lo = r->lo - r->data_off + f->kmin;
	uint64_t q_end = r->hi - r->data_off + f->kmax;
	if (q_end > len)
		q_end = len;
	size_t q = (size_t)q_lo;
	for (; q < q_end && q + MATCH_STEP + MATCH_WIN - 1 <= len;
	     q += MATCH_STEP) {
		uint64_t bits = filter(ctx, data + q);
		if (q_end - q < MATCH_STEP)
			bits &= (UINT64_C(1) << (q_end - q)) - 1;
		match_verify_bits(r, q, bits);
	}
	for (; q < q_end; q += MATCH_STEP) {
		uint8_t pad[MATCH_STEP + MATCH_WIN - 1];
		size_t n = len - q < sizeof(pad) ? len - q : sizeof(pad);
		memcpy(pad, data + q, n);
		memset(pad + n, 0, sizeof(pad) - n);
		uint64_t bits = filter(ctx, pad);
		if (q_end - q < MATCH_STEP)
			bits &= (UINT64_C(1) << (q_end - q)) - 1;
		match_verify_bits(r, q, bits);
	}
}

#if MATCH_X86
void match_scan_sse2(const struct match_run *r);
void match_scan_avx2(const struct match_run *r);
void match_scan_avx512(const struct match_run *r);
#endif

#endif

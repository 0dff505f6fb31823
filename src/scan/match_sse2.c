/*
 * match_sse2.c - the any-offset search with SSE2 byte compares.
 *
 * SSE2 has no byte shuffle to look nibbles up with, so this variant tests
 * the first two window bytes against the distinct values anchors want
 * there (one compare per value and position, 16 positions at a time) and
 * keeps the positions where both pass.  Slower than the nibble tables when
 * there are many distinct anchor bytes, but it runs on every x86-64 CPU.
 */
#include "config.h"

#include "scan/match_impl.h"

#if MATCH_X86
#include <emmintrin.h>

#define SSE2 __attribute__((target("sse2")))

struct sse2_set {
	__m128i val[MATCH_SET_MAX];     /* exact values first */
	__m128i mask[MATCH_SET_MAX];
	unsigned nexact, n;
	int any;
};

struct sse2_ctx {
	struct sse2_set set[2];
};

/* Masks of the bytes of a, b, c, d (64 positions) that set s accepts.
 * Each value is compared with all four vectors: four independent OR
 * chains instead of one long one. */
struct sse2_quad {
	__m128i a, b, c, d;
};

static inline __attribute__((always_inline)) SSE2 struct sse2_quad
sse2_in_set(const struct sse2_set *s, struct sse2_quad v)
{
	struct sse2_quad m;
	unsigned i = 0;

	if (s->any) {
		m.a = m.b = m.c = m.d = _mm_set1_epi8(-1);
		return m;
	}
	m.a = m.b = m.c = m.d = _mm_setzero_si128();
	for (; i < s->nexact; i++) {
		__m128i x = s->val[i];
		m.a = _mm_or_si128(m.a, _mm_cmpeq_epi8(v.a, x));
		m.b = _mm_or_si128(m.b, _mm_cmpeq_epi8(v.b, x));
		m.c = _mm_or_si128(m.c, _mm_cmpeq_epi8(v.c, x));
		m.d = _mm_or_si128(m.d, _mm_cmpeq_epi8(v.d, x));
	}
	for (; i < s->n; i++) {
		__m128i x = s->val[i], k = s->mask[i];
		m.a = _mm_or_si128(m.a, _mm_cmpeq_epi8(_mm_and_si128(v.a, k), x));
		m.b = _mm_or_si128(m.b, _mm_cmpeq_epi8(_mm_and_si128(v.b, k), x));
		m.c = _mm_or_si128(m.c, _mm_cmpeq_epi8(_mm_and_si128(v.c, k), x));
		m.d = _mm_or_si128(m.d, _mm_cmpeq_epi8(_mm_and_si128(v.d, k), x));
	}
	return m;
}

static inline SSE2 struct sse2_quad sse2_load(const uint8_t *p)
{
	struct sse2_quad v = {
		_mm_loadu_si128((const __m128i *)p),
		_mm_loadu_si128((const __m128i *)(p + 16)),
		_mm_loadu_si128((const __m128i *)(p + 32)),
		_mm_loadu_si128((const __m128i *)(p + 48)),
	};
	return v;
}

static inline SSE2 uint64_t sse2_bits(__m128i m0, __m128i m1)
{
	return (uint32_t)_mm_movemask_epi8(_mm_and_si128(m0, m1));
}

static SSE2 uint64_t sse2_filter(const void *ctx, const uint8_t *p)
{
	const struct sse2_ctx *c = ctx;
	struct sse2_quad m0 = sse2_in_set(&c->set[0], sse2_load(p));
	struct sse2_quad m1 = sse2_in_set(&c->set[1], sse2_load(p + 1));

	return sse2_bits(m0.a, m1.a) | sse2_bits(m0.b, m1.b) << 16 |
	       sse2_bits(m0.c, m1.c) << 32 | sse2_bits(m0.d, m1.d) << 48;
}

SSE2 void match_scan_sse2(const struct match_run *r)
{
	const struct match_filter *f = &r->m->filter;
	struct sse2_ctx c;

	for (unsigned j = 0; j < 2; j++) {
		struct sse2_set *s = &c.set[j];
		s->any = f->set_any[j];
		s->n = 0;
		for (int pass = 0; pass < 2; pass++) {
			for (unsigned i = 0; i < f->set_n[j]; i++) {
				uint8_t mk = f->set_mask[j][i];
				if ((mk == 0xff) != (pass == 0))
					continue;
				s->val[s->n] = _mm_set1_epi8((char)f->set_val[j][i]);
				s->mask[s->n] = _mm_set1_epi8((char)mk);
				s->n++;
			}
			if (pass == 0)
				s->nexact = s->n;
		}
	}
	match_scan_filtered(r, sse2_filter, &c);
}
#else
typedef int match_sse2_unused;
#endif

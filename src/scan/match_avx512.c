/*
 * match_avx512.c - the nibble-table search of match_avx2.c on 64-byte
 * vectors (AVX-512BW), with the candidate mask straight from a byte test.
 * Compiled at baseline flags; match_use only picks it when the CPU has
 * AVX-512F and AVX-512BW.
 */
#include "config.h"

#include "scan/match_impl.h"

#if MATCH_X86
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512bw")))

struct avx512_ctx {
	__m512i lo[MATCH_WIN], hi[MATCH_WIN];
};

static AVX512 uint64_t avx512_filter(const void *ctx, const uint8_t *p)
{
	const struct avx512_ctx *c = ctx;
	const __m512i low = _mm512_set1_epi8(0x0f);
	__m512i acc = _mm512_set1_epi8(-1);

	for (unsigned j = 0; j < MATCH_WIN; j++) {
		__m512i v = _mm512_loadu_si512((const void *)(p + j));
		__m512i l = _mm512_and_si512(v, low);
		__m512i h = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
		acc = _mm512_and_si512(acc, _mm512_and_si512(
			_mm512_shuffle_epi8(c->lo[j], l),
			_mm512_shuffle_epi8(c->hi[j], h)));
	}
	return _mm512_test_epi8_mask(acc, acc);
}

AVX512 void match_scan_avx512(const struct match_run *r)
{
	const struct match_filter *f = &r->m->filter;
	struct avx512_ctx c;

	for (unsigned j = 0; j < MATCH_WIN; j++) {
		c.lo[j] = _mm512_broadcast_i32x4(
			_mm_loadu_si128((const __m128i *)f->lo[j]));
		c.hi[j] = _mm512_broadcast_i32x4(
			_mm_loadu_si128((const __m128i *)f->hi[j]));
	}
	match_scan_filtered(r, avx512_filter, &c);
}
#else
typedef int match_avx512_unused;
#endif

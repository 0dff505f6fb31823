/*
 * match_avx2.c - the any-offset search with AVX2 nibble tables.
 *
 * For each of the MATCH_WIN window positions, two byte shuffles map the
 * low and high nibble of 32 bytes at once to the set of buckets (bits) that
 * accept them there; ANDing the six lookups leaves, for each position, the
 * buckets whose anchor window may start there.  The cost does not depend
 * on the number of signatures; only the rate of false candidates does.
 * Compiled at baseline flags: the target attribute enables AVX2 for these
 * functions alone, and match_use only picks them when the CPU has it.
 */
#include "config.h"

#include "scan/match_impl.h"

#if MATCH_X86
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

struct avx2_ctx {
	__m256i lo[MATCH_WIN], hi[MATCH_WIN];
};

static inline AVX2 __m256i avx2_buckets(const struct avx2_ctx *c,
                                        const uint8_t *p)
{
	const __m256i low = _mm256_set1_epi8(0x0f);
	__m256i acc = _mm256_set1_epi8(-1);

	for (unsigned j = 0; j < MATCH_WIN; j++) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(p + j));
		__m256i l = _mm256_and_si256(v, low);
		__m256i h = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
		acc = _mm256_and_si256(acc, _mm256_and_si256(
			_mm256_shuffle_epi8(c->lo[j], l),
			_mm256_shuffle_epi8(c->hi[j], h)));
	}
	return acc;
}

static AVX2 uint64_t avx2_filter(const void *ctx, const uint8_t *p)
{
	const struct avx2_ctx *c = ctx;
	const __m256i zero = _mm256_setzero_si256();
	__m256i a = avx2_buckets(c, p), b = avx2_buckets(c, p + 32);
	uint32_t ma = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, zero));
	uint32_t mb = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, zero));

	return ~((uint64_t)mb << 32 | ma);
}

AVX2 void match_scan_avx2(const struct match_run *r)
{
	const struct match_filter *f = &r->m->filter;
	struct avx2_ctx c;

	for (unsigned j = 0; j < MATCH_WIN; j++) {
		c.lo[j] = _mm256_broadcastsi128_si256(
			_mm_loadu_si128((const __m128i *)f->lo[j]));
		c.hi[j] = _mm256_broadcastsi128_si256(
			_mm_loadu_si128((const __m128i *)f->hi[j]));
	}
	match_scan_filtered(r, avx2_filter, &c);
}
#else
typedef int match_avx2_unused;
#endif

/*
 * zeros.c - two zero bytes in a row (see zeros.h).
 *
 * Sixteen positions at a time where SSE2 is there (every x86-64): the
 * bytes at i and at i + 1 are loaded side by side, OR-ed and compared
 * with zero, and the lowest set bit of the mask is the first pair.  The
 * scalar loop finishes the tail and is the whole search elsewhere, and
 * in builds configured with --disable-simd.
 */
#include "config.h"

#include "common/zeros.h"

#if defined(__SSE2__) && !defined(DREDGE_NO_SIMD)
#include <emmintrin.h>
#define ZEROS_SSE2 1
#endif

static const uint8_t *pair_scalar(const uint8_t *p, size_t i, size_t n)
{
	for (; i + 1 < n; i++) {
		if (p[i + 1] != 0)
			i++;            /* neither i nor i + 1 starts a pair */
		else if (p[i] == 0)
			return p + i;
	}
	return NULL;
}

const uint8_t *zero_pair(const uint8_t *p, size_t n)
{
	size_t i = 0;

#ifdef ZEROS_SSE2
	const __m128i zero = _mm_setzero_si128();
	/* positions i..i+15, reading bytes i..i+16 */
	for (; n >= 17 && i <= n - 17; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 1));
		unsigned m = (unsigned)_mm_movemask_epi8(
			_mm_cmpeq_epi8(_mm_or_si128(a, b), zero));
		if (m != 0)
			return p + i + (unsigned)__builtin_ctz(m);
	}
#endif
	return pair_scalar(p, i, n);
}

bool zeros_payload_ok(const uint8_t *p, size_t n)
{
	return zeros_payload_bad(p, n, NULL, 0) == 0;
}

unsigned zeros_payload_bad(const uint8_t *p, size_t n, uint32_t *at,
                           unsigned max)
{
	size_t a = 0;
	unsigned k = 0;

	while (n - a >= 3) {
		/* a pair starting at n - 3 or before */
		const uint8_t *x = zero_pair(p + a, n - a - 1);
		if (x == NULL)
			break;
		a = (size_t)(x - p);
		if (p[a + 2] <= 2) {
			if (k == max)
				return max + 1;
			at[k++] = (uint32_t)a;
		}
		a++;
	}
	return k;
}

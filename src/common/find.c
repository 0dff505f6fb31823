/*
 * find.c - finding a short byte string (see find.h).
 *
 * Where SSE2 is there (every x86-64), the bytes at i and at i + k - 1 are
 * loaded side by side and compared with the needle's first and last
 * bytes; the AND of the two masks marks the positions worth a full
 * compare.  In coded video, where every byte value is about as common,
 * that is one position in 65536 for a needle of distinct ends.  The
 * scalar loop finishes the tail and is the whole search elsewhere, and
 * in builds configured with --disable-simd.
 */
#include "config.h"

#include <string.h>

#include "common/find.h"

#if defined(__SSE2__) && !defined(DREDGE_NO_SIMD)
#include <emmintrin.h>
#define FIND_SSE2 1
#endif

/* Positions i and on, scalar. */
static const uint8_t *find_scalar(const uint8_t *p, size_t i, size_t n,
                                  const uint8_t *nd, size_t k)
{
	for (; i + k <= n; i++) {
		const uint8_t *x = memchr(p + i, nd[0], n - k + 1 - i);
		if (x == NULL)
			return NULL;
		i = (size_t)(x - p);
		if (memcmp(x + 1, nd + 1, k - 1) == 0)
			return x;
	}
	return NULL;
}

const uint8_t *mem_find(const uint8_t *p, size_t n, const void *needle,
                        size_t k)
{
	const uint8_t *nd = needle;
	size_t i = 0;

	if (k == 0)
		return p;
	if (k > n)
		return NULL;
	if (k == 1)
		return memchr(p, nd[0], n);
#ifdef FIND_SSE2
	const __m128i first = _mm_set1_epi8((char)nd[0]);
	const __m128i last = _mm_set1_epi8((char)nd[k - 1]);
	/* positions i..i+15, reading bytes i..i+15+k-1 */
	for (; n - k >= 15 && i <= n - k - 15; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i b = _mm_loadu_si128(
			(const __m128i *)(const void *)(p + i + k - 1));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(
			_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last)));
		while (m != 0) {
			unsigned j = (unsigned)__builtin_ctz(m);
			if (memcmp(p + i + j + 1, nd + 1, k - 2) == 0)
				return p + i + j;
			m &= m - 1;
		}
	}
#endif
	return find_scalar(p, i, n, nd, k);
}

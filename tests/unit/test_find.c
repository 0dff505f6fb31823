/*
 * test_find.c - mem_find against the plain byte-by-byte search: a needle
 * at every offset of a 64-byte window (both sides of each 16-byte step,
 * and its last byte cut off), needles of 1 to 9 bytes with equal and
 * distinct ends, near misses (first and last bytes right, a middle byte
 * wrong), and random buffers of a small alphabet from a seed, each
 * searched from every start and length up to 80 bytes.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "common/find.h"

/* The first i with p[i, i + k) == nd[0, k) and i + k <= n, or -1. */
static long naive(const uint8_t *p, size_t n, const uint8_t *nd, size_t k)
{
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, nd, k) == 0)
			return (long)i;
	return -1;
}

static long found(const uint8_t *p, size_t n, const uint8_t *nd, size_t k)
{
	const uint8_t *x = mem_find(p, n, nd, k);
	return x == NULL ? -1 : (long)(x - p);
}

/* Every start and length within buf[0, len): how many disagreed. */
static unsigned sweep(const uint8_t *buf, size_t len, const uint8_t *nd,
                      size_t k)
{
	unsigned bad = 0;
	for (size_t a = 0; a <= len; a++)
		for (size_t n = 0; a + n <= len; n++)
			bad += found(buf + a, n, nd, k) !=
			       naive(buf + a, n, nd, k);
	return bad;
}

/* The next number of a xorshift sequence. */
static uint64_t next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

int main(void)
{
	static const uint8_t moov[] = "moov", zeros[3] = { 0 };
	static const uint8_t nine[] = "abcdefgha";
	uint8_t b[80];
	unsigned bad = 0;

	memset(b, 'x', sizeof(b));
	ok(found(b, sizeof(b), moov, 4) == -1, "no needle: not found");
	ok(mem_find(b, 3, moov, 4) == NULL && mem_find(b, 0, moov, 4) == NULL,
	   "a needle longer than the bytes is not found");
	ok(mem_find(b, 0, moov, 0) == b && mem_find(b, 5, moov, 0) == b,
	   "the empty needle is found at the start");

	for (size_t k = 1; k <= 9; k++)
		for (size_t at = 0; at + k <= 64; at++) {
			memset(b, 'x', sizeof(b));
			memcpy(b + at, nine, k);
			bad += found(b, 64, nine, k) != (long)at;
			/* its last byte left out */
			bad += found(b, at + k - 1, nine, k) != -1;
			bad += found(b, at + k, nine, k) != (long)at;
		}
	is_u64(bad, 0, "needles of 1 to 9 bytes at each offset of 64 bytes, "
	       "and cut before their last byte");

	bad = 0;
	for (size_t at = 0; at + 4 <= 64; at++) {
		memset(b, 'x', sizeof(b));
		memcpy(b + at, "mxov", 4);     /* ends right, middle wrong */
		bad += found(b, 64, moov, 4) != -1;
		memcpy(b + 70, "moov", 4);
		bad += found(b, sizeof(b), moov, 4) != 70;
	}
	is_u64(bad, 0, "near misses before each offset, the needle after");

	memset(b, 0, sizeof(b));
	is_u64(sweep(b, sizeof(b), zeros, 3), 0,
	       "all zeros: three zeros at every start");

	uint64_t x = 0x9E3779B97F4A7C15ull;     /* the seed */
	bad = 0;
	for (unsigned round = 0; round < 100; round++) {
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (uint8_t)(next(&x) >> 8 & 3);
		uint8_t nd[6];
		for (size_t i = 0; i < sizeof(nd); i++)
			nd[i] = (uint8_t)(next(&x) >> 8 & 3);
		for (size_t k = 1; k <= sizeof(nd); k++)
			bad += sweep(b, sizeof(b), nd, k);
	}
	is_u64(bad, 0, "100 random buffers of 4 byte values, needles of 1 to "
	       "6, every start and length");
	return tap_done();
}

/*
 * test_zeros.c - zero_pair against the plain byte-by-byte search: pairs
 * at every offset of a 64-byte window (both sides of each 16-byte step
 * and the last two bytes), lone zeros, runs of zeros, and random buffers
 * from a seed, each searched from every start and length up to 80 bytes;
 * and zeros_payload_ok against the plain search for 00 00 00/01/02, the
 * same way, on random buffers of small byte values; and zeros_payload_bad
 * against the plain list of those triples, and every range judged by it.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "common/zeros.h"

/* The first i with p[i] == p[i + 1] == 0 and i + 1 < n, or -1. */
static long naive(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (p[i] == 0 && p[i + 1] == 0)
			return (long)i;
	return -1;
}

static long found(const uint8_t *p, size_t n)
{
	const uint8_t *z = zero_pair(p, n);
	return z == NULL ? -1 : (long)(z - p);
}

/* Whether p[0, n) holds no 00 00 0x with x <= 2. */
static bool naive_payload_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++)
		if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] <= 2)
			return false;
	return true;
}

/* zeros_payload_bad against the plain search of p[0, n), max 4: how many
 * disagreed, and whether each range of it is judged as zeros_payload_ok
 * judges it by the offsets (when they are all there). */
static unsigned bad_offsets(const uint8_t *p, size_t n)
{
	uint32_t want[80], got[5];
	unsigned nw = 0, bad = 0;
	for (size_t i = 0; i + 2 < n; i++)
		if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] <= 2)
			want[nw++] = (uint32_t)i;
	unsigned ng = zeros_payload_bad(p, n, got, 4);
	if (ng != (nw > 4 ? 5 : nw))
		return 1;
	for (unsigned i = 0; i < ng && i < 4; i++)
		bad += got[i] != want[i];
	if (ng > 4)
		return bad;
	for (size_t a = 0; a <= n; a++)
		for (size_t e = a; e <= n; e++) {
			bool pass = true;
			for (unsigned i = 0; i < ng; i++)
				pass &= !(got[i] >= a && got[i] + 3 <= e);
			bad += pass != zeros_payload_ok(p + a, e - a);
		}
	return bad;
}

/* Every start and length within buf[0, len): how many disagreed. */
static unsigned sweep(const uint8_t *buf, size_t len)
{
	unsigned bad = 0;
	for (size_t a = 0; a <= len; a++)
		for (size_t n = 0; a + n <= len; n++)
			bad += found(buf + a, n) != naive(buf + a, n);
	return bad;
}

/* The same for zeros_payload_ok. */
static unsigned sweep_payload(const uint8_t *buf, size_t len)
{
	unsigned bad = 0;
	for (size_t a = 0; a <= len; a++)
		for (size_t n = 0; a + n <= len; n++)
			bad += zeros_payload_ok(buf + a, n) !=
			       naive_payload_ok(buf + a, n);
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
	uint8_t b[80];
	unsigned bad = 0;

	memset(b, 0x55, sizeof(b));
	is_u64((uint64_t)(found(b, sizeof(b)) + 1), 0, "no zeros: no pair");
	ok(zero_pair(b, 0) == NULL && zero_pair(b, 1) == NULL,
	   "0 and 1 bytes hold no pair");
	for (size_t i = 0; i < sizeof(b); i += 2)
		b[i] = 0;
	is_u64(sweep(b, sizeof(b)), 0, "every other byte zero: never a pair");

	for (size_t at = 0; at + 1 < 64; at++) {
		memset(b, 0x11, sizeof(b));
		b[at] = b[at + 1] = 0;
		bad += found(b, 64) != (long)at;
		bad += found(b, at + 1) != -1;     /* its second byte left out */
		bad += found(b, at + 2) != (long)at;
	}
	is_u64(bad, 0, "a pair at each offset of 64 bytes, and cut before its "
	       "second byte");

	memset(b, 0, sizeof(b));
	is_u64(sweep(b, sizeof(b)), 0, "all zeros: a pair at every start");

	uint64_t x = 0x9E3779B97F4A7C15ull;     /* the seed */
	bad = 0;
	for (unsigned round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(b); i++) {
			uint64_t r = next(&x);
			/* zeros one byte in four, so pairs come now and then */
			b[i] = (r & 3) == 0 ? 0 : (uint8_t)(r >> 8 | 1);
		}
		bad += sweep(b, sizeof(b));
	}
	is_u64(bad, 0, "200 random buffers, every start and length");

	memset(b, 0x55, sizeof(b));
	ok(zeros_payload_ok(b, sizeof(b)) && zeros_payload_ok(b, 0),
	   "payload: no zeros, and nothing, pass");
	bad = 0;
	for (unsigned v = 0; v < 5; v++)
		for (size_t at = 0; at + 2 < 64; at++) {
			memset(b, 0x11, sizeof(b));
			b[at] = b[at + 1] = 0;
			b[at + 2] = (uint8_t)v;
			bad += zeros_payload_ok(b, 64) != (v > 2);
			/* cut before the third byte: only a pair */
			bad += !zeros_payload_ok(b, at + 2);
		}
	is_u64(bad, 0, "payload: 00 00 0x at each offset of 64 bytes, x 0-4, "
	       "and cut before x");
	bad = 0;
	for (unsigned round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(b); i++) {
			uint64_t r = next(&x);
			/* zeros one byte in three, the rest 1 to 7 */
			b[i] = r % 3 == 0 ? 0 : (uint8_t)(r >> 8 & 7);
		}
		bad += sweep_payload(b, sizeof(b));
	}
	is_u64(bad, 0, "payload: 200 random buffers of small bytes, every "
	       "start and length");
	bad = 0;
	unsigned many = 0;
	for (unsigned round = 0; round < 400; round++) {
		for (size_t i = 0; i < sizeof(b); i++) {
			uint64_t r = next(&x);
			/* zeros one byte in 3 to 10, the rest 1 to 7 */
			b[i] = r % (3 + round % 8) == 0 ? 0 : (uint8_t)(r >> 8 & 7);
		}
		uint32_t at[5];
		many += zeros_payload_bad(b, sizeof(b), at, 4) > 4;
		bad += bad_offsets(b, sizeof(b));
	}
	is_u64(bad, 0, "payload: the offsets that break it, first 4 of them, "
	       "and every range judged by them, 400 random buffers");
	ok(many > 0 && many < 400, "payload: some of the buffers had more than "
	   "4 such offsets, some fewer (%u)", many);
	uint32_t none[1];
	ok(zeros_payload_bad(b, 2, none, 0) == 0 &&
	   zeros_payload_bad(b, 0, none, 0) == 0,
	   "payload: 0 and 2 bytes break nothing");
	return tap_done();
}

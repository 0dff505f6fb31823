/*
 * match_speed.c - how fast each any-offset search variant scans, single
 * threaded.
 *
 * The data is pseudo-random bytes from a seed (256 MiB unless told), scanned
 * in 4 MiB chunks the way a scan worker does (each chunk sees the bytes
 * after it, so no start is lost at a seam).  Signature tables: the
 * synthetic 40-odd magic numbers of tests/unit/sigset.c, and the real
 * format table of this build.  Before any timing, every variant's candidate
 * set must equal the scalar one; then each variant scans the data five
 * times and the median is printed in GB/s (10^9 bytes per second) of the
 * thread's CPU time, with the wall-clock rate beside it.  A last line per
 * table gives block mode (a start every 512 bytes) for comparison.
 *
 * usage: match_speed [MiB [seed]]   (make bench-match [BENCH_MIB=N] runs it)
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scan/match.h"
#include "pipeline/sigs.h"
#include "../tests/unit/fmt_util.h"
#include "../tests/unit/sigset.h"

#define CHUNK (4u << 20)
#define RUNS 5

struct tally {
	uint64_t n;
	uint64_t sum;            /* order-free digest of the (start, fmt) set */
	uint64_t *list;          /* start << 16 | fmt, when recording */
	size_t cap;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static void count(void *arg, uint64_t start, unsigned fmt)
{
	struct tally *t = arg;
	uint64_t key = start << 16 | fmt;

	if (t->cap) {
		if (t->n == t->cap) {
			t->cap *= 2;
			t->list = realloc(t->list, t->cap * sizeof(*t->list));
			if (t->list == NULL) {
				fprintf(stderr, "match_speed: out of memory\n");
				exit(1);
			}
		}
		t->list[t->n] = key;
	}
	t->n++;
	t->sum += mix(key);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void scan_all(const struct matcher *m, const uint8_t *d, size_t len,
                     struct tally *t)
{
	for (size_t lo = 0; lo < len; lo += CHUNK) {
		size_t hi = len - lo < CHUNK ? len : lo + CHUNK;
		size_t end = len - hi < FORMAT_SIG_MAX_REACH ? len
		             : hi + FORMAT_SIG_MAX_REACH - 1;
		match_scan(m, d + lo, end - lo, lo, lo, hi, 0, count, t);
	}
}

/* Seconds of CPU this thread used: on a shared machine, time spent
 * waiting for a CPU would otherwise count as scanning time. */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Block mode (one start per 512 bytes) has no variants: one line. */
static void bench_blocks(const struct format *const *fl, unsigned nf,
                         const uint8_t *d, size_t len)
{
	struct matcher m;
	double secs[RUNS];
	struct tally q = { 0 };

	if (sigs_match_init(&m, fl, nf, 512, 0) != 0)
		return;
	for (unsigned r = 0; r < RUNS; r++) {
		q.n = 0;
		double t0 = cpu_now();
		scan_all(&m, d, len, &q);
		secs[r] = cpu_now() - t0;
	}
	qsort(secs, RUNS, sizeof(secs[0]), dbl_cmp);
	printf("  %-7s %6.2f GB/s  (CPU time, median of %d; %" PRIu64
	       " candidates)\n", "blocks", len / secs[RUNS / 2] / 1e9, RUNS,
	       q.n);
	match_free(&m);
}

static const enum dredge_simd variants[] = {
	DREDGE_SIMD_SCALAR, DREDGE_SIMD_SSE2, DREDGE_SIMD_AVX2,
	DREDGE_SIMD_AVX512,
};
#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

/* Verifies, then times every variant on one table; 0 when all agreed. */
static int bench_table(const char *name, const struct format *const *fl,
                       unsigned nf, const uint8_t *d, size_t len)
{
	struct matcher m;
	struct tally ref = { 0 };
	int rc = 0;

	printf("%s: %u signatures in %u formats\n", name,
	       sigset_nsigs(fl, nf), nf);
	if (sigset_nsigs(fl, nf) == 0) {
		printf("  (nothing to match: skipped)\n");
		return 0;
	}
	if (sigs_match_init(&m, fl, nf, 512, 1) != 0) {
		fprintf(stderr, "match_speed: match_init failed\n");
		return 1;
	}
	for (unsigned v = 0; v < NVARIANTS; v++) {
		const char *vname = dredge_simd_name(variants[v]);
		if (match_use(&m, variants[v]) != 0) {
			printf("  %-7s not supported here\n", vname);
			continue;
		}
		/* Verify: the full candidate list equals the scalar one. */
		struct tally t = { .cap = 1024 };
		t.list = malloc(t.cap * sizeof(*t.list));
		scan_all(&m, d, len, &t);
		qsort(t.list, t.n, sizeof(*t.list), u64_cmp);
		if (v == 0) {
			ref = t;
		} else {
			int same = t.n == ref.n && (t.n == 0 ||
			           memcmp(t.list, ref.list, t.n * 8) == 0);
			free(t.list);
			if (!same) {
				printf("  %-7s MISMATCH: %" PRIu64 " candidates, "
				       "scalar %" PRIu64 "\n", vname, t.n, ref.n);
				rc = 1;
				continue;
			}
		}
		double secs[RUNS], wall[RUNS];
		for (unsigned r = 0; r < RUNS; r++) {
			struct tally q = { 0 };
			double t0 = cpu_now(), w0 = wall_now();
			scan_all(&m, d, len, &q);
			secs[r] = cpu_now() - t0;
			wall[r] = wall_now() - w0;
			if (q.n != ref.n || q.sum != ref.sum) {
				printf("  %-7s MISMATCH on run %u\n", vname, r);
				rc = 1;
			}
		}
		qsort(secs, RUNS, sizeof(secs[0]), dbl_cmp);
		qsort(wall, RUNS, sizeof(wall[0]), dbl_cmp);
		printf("  %-7s %6.2f GB/s  (CPU time, median of %d: %.3f s; "
		       "wall clock %.2f GB/s; %" PRIu64 " candidates)\n", vname,
		       len / secs[RUNS / 2] / 1e9, RUNS, secs[RUNS / 2],
		       len / wall[RUNS / 2] / 1e9, ref.n);
		fflush(stdout);
	}
	free(ref.list);
	match_free(&m);
	bench_blocks(fl, nf, d, len);
	return rc;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 20261121;
	size_t len = mib << 20;

	if (len == 0) {
		fprintf(stderr, "usage: match_speed [MiB [seed]]\n");
		return 2;
	}
	uint8_t *d = malloc(len);
	if (d == NULL) {
		fprintf(stderr, "match_speed: cannot allocate %zu MiB\n", mib);
		return 1;
	}
	tu_random(d, len, seed);
	printf("any-offset search, %zu MiB of random bytes (seed %" PRIu64
	       "), %u KiB chunks, one thread; auto picks %s\n", mib, seed,
	       CHUNK >> 10, dredge_simd_name(dredge_simd_auto()));
	int rc = bench_table("synthetic set", sigset_real, sigset_real_count,
	                     d, len);
	rc |= bench_table("real formats", format_table, format_count, d, len);
	free(d);
	return rc;
}

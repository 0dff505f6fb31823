/*
 * test_pipeline_parts.c - the ring, the queue and the signature matcher.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "fmt_util.h"
#include "scan/match.h"
#include "pipeline/sigs.h"
#include "pipeline/queue.h"
#include "pipeline/ring.h"

/* ------------------------------------------------------------ queue */

struct qarg {
	struct queue *q;
	long sum;
	int count;
};

static void *consumer(void *arg)
{
	struct qarg *a = arg;
	void *item;

	while ((item = queue_pop(a->q)) != NULL) {
		a->sum += (long)(intptr_t)item;
		a->count++;
	}
	return NULL;
}

static void test_queue(void)
{
	struct queue q;
	pthread_t t[3];
	struct qarg a[3];

	ok(queue_init(&q, 4) == 0, "queue of 4");
	for (int i = 0; i < 3; i++) {
		a[i] = (struct qarg){ .q = &q };
		pthread_create(&t[i], NULL, consumer, &a[i]);
	}
	long want = 0;
	for (long i = 1; i <= 10000; i++) {
		queue_push(&q, (void *)(intptr_t)i);
		want += i;
	}
	queue_close(&q);
	long sum = 0;
	int count = 0;
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		sum += a[i].sum;
		count += a[i].count;
	}
	ok(count == 10000 && sum == want,
	   "3 consumers drain 10000 items through 4 slots exactly once");
	ok(queue_push(&q, (void *)1) == -EPIPE, "push after close fails");
	ok(queue_pop(&q) == NULL, "pop after close and drain is NULL");
	queue_destroy(&q);

	queue_init(&q, 2);
	queue_push(&q, (void *)1);
	queue_abort(&q);
	ok(queue_pop(&q) == NULL, "abort discards what is queued");
	queue_destroy(&q);
}

/* ------------------------------------------------------------- ring */

static void test_ring(void)
{
	struct ring r;
	struct chunk *c[3];

	ok(ring_init(&r, 3, 65536) == 0, "ring of 3 x 64 KiB");
	ok(ring_init(&(struct ring){0}, 3, 1000) == -EINVAL,
	   "chunk sizes must be multiples of 4096");
	for (int i = 0; i < 3; i++)
		c[i] = ring_acquire(&r);
	ok(c[0] && c[1] && c[2] && c[0] != c[1] && c[1] != c[2],
	   "three distinct slots");
	int aligned = 1;
	for (int i = 0; i < 3; i++)
		aligned &= ((uintptr_t)c[i]->buf % 4096) == 0;
	ok(aligned, "slots are 4096-aligned");
	ok(ring_try_acquire(&r) == NULL, "a full ring has nothing to give");
	ring_release(&r, c[1]);
	ok(ring_try_acquire(&r) == c[1], "a released slot comes back");
	ring_abort(&r);
	ok(ring_acquire(&r) == NULL, "acquire after abort returns NULL");
	ring_destroy(&r);
}

/* ---------------------------------------------------------- matcher */

struct hits {
	uint64_t off[64];
	unsigned fmt[64];
	unsigned n;
};

static void collect(void *arg, uint64_t start, unsigned fmt)
{
	struct hits *h = arg;
	if (h->n < 64) {
		h->off[h->n] = start;
		h->fmt[h->n++] = fmt;
	}
}

static void dummy_validate(struct bread *br, struct carve_result *res)
{
	carve_reject(res, "test");
}

static const struct format_sig sig_a[] = { FORMAT_SIG("\xff\xd8\xff", 0) };
static const struct format_sig sig_b[] = { FORMAT_SIG("ftyp", 4) };
static const struct format fmt_a = { .name = "a", .ext = "a", FORMAT_SIGS(sig_a),
	.align = 1, .max_size = 1 << 20, .validate = dummy_validate };
static const struct format fmt_b = { .name = "b", .ext = "b", FORMAT_SIGS(sig_b),
	.align = 1, .max_size = 1 << 20, .validate = dummy_validate };

static void test_match(void)
{
	const struct format *fl[] = { &fmt_a, &fmt_b };
	struct matcher m;
	struct hits h;
	uint8_t *buf = calloc(1, 8192);

	memcpy(buf + 512, "\xff\xd8\xff", 3);
	memcpy(buf + 1024 + 4, "ftyp", 4);
	memcpy(buf + 1500, "\xff\xd8\xff", 3);   /* unaligned */
	memcpy(buf + 8192 - 2, "\xff\xd8", 2);   /* cut by the buffer end */

	ok(sigs_match_init(&m, fl, 2, 512, 0) == 0, "block matcher");
	h.n = 0;
	match_scan(&m, buf, 8192, 0, 0, 8192, 0, collect, &h);
	ok(h.n == 2 && h.off[0] == 512 && h.fmt[0] == 0 && h.off[1] == 1024 &&
	   h.fmt[1] == 1, "block mode finds the aligned starts only");
	h.n = 0;
	match_scan(&m, buf, 8192, 1 << 20, (1 << 20) + 600, (1 << 20) + 8192, 0,
	           collect, &h);
	ok(h.n == 1 && h.off[0] == (1 << 20) + 1024,
	   "own range and data offset are honoured");
	match_free(&m);

	/* Cluster grid: 2048-byte blocks starting at byte 1500 (a data area
	 * that does not start at a multiple of the cluster size). */
	ok(sigs_match_init(&m, fl, 2, 2048, 0) == 0, "cluster-sized blocks");
	match_set_base(&m, 1500 + 2048 * 3);
	is_u64(m.base, 1500, "the base is kept modulo the block");
	memcpy(buf + 1500 + 2048 + 4, "ftyp", 4);
	h.n = 0;
	match_scan(&m, buf, 8192, 0, 0, 8192, 0, collect, &h);
	ok(h.n == 2 && h.off[0] == 1500 && h.fmt[0] == 0 &&
	   h.off[1] == 1500 + 2048 && h.fmt[1] == 1,
	   "starts are found on the grid only, not at multiples of the block");
	h.n = 0;
	match_scan(&m, buf, 8192, 0, 1501, 8192, 0, collect, &h);
	ok(h.n == 1 && h.off[0] == 1500 + 2048, "the grid rounds the range up");
	memset(buf + 1500 + 2048 + 4, 0, 4);
	match_free(&m);

	ok(sigs_match_init(&m, fl, 2, 512, 1) == 0, "any-offset matcher");
	h.n = 0;
	match_scan(&m, buf, 8192, 0, 0, 8192, 0, collect, &h);
	ok(h.n == 3 && h.off[2] == 1500, "any-offset also finds the unaligned start");

	/* A start whose signature runs past the chunk is reported by the
	 * tail pass only (need_end = chunk end). */
	uint8_t tail[8] = { 0xff, 0xd8, 0xff, 0, 0, 0, 0, 0 };
	h.n = 0;
	match_scan(&m, tail, 8, 8190, 8190, 8192, 8192, collect, &h);
	ok(h.n == 1 && h.off[0] == 8190, "straddling start found by the tail pass");
	h.n = 0;
	match_scan(&m, tail, 8, 8190, 8190, 8192, 8193 + 8, collect, &h);
	ok(h.n == 0, "need_end filters starts the main pass reported");
	match_free(&m);

	/* Scalar sanity on random data: every reported start really holds
	 * the signature, and a brute-force count agrees. */
	uint8_t *rnd = malloc(1 << 20);
	tu_random(rnd, 1 << 20, 99);
	for (int i = 0; i < 200; i++) {
		size_t at = ((size_t)i * 5237) % ((1 << 20) - 8);
		memcpy(rnd + at, i % 2 ? "\xff\xd8\xff" : "\0\0\0\0ftyp", i % 2 ? 3 : 8);
	}
	unsigned brute = 0;
	for (size_t p = 0; p + 3 <= (1 << 20); p++)
		brute += memcmp(rnd + p, "\xff\xd8\xff", 3) == 0;
	for (size_t p = 0; p + 8 <= (1 << 20); p++)
		brute += memcmp(rnd + p + 4, "ftyp", 4) == 0;
	sigs_match_init(&m, fl, 2, 512, 1);
	struct hits many = { .n = 0 };
	unsigned total = 0;
	for (size_t lo = 0; lo < (1 << 20); lo += 65536) {
		many.n = 0;
		match_scan(&m, rnd, 1 << 20, 0, lo, lo + 65536, 0, collect, &many);
		total += many.n;
	}
	is_u64(total, brute, "any-offset count equals a brute-force count");
	match_free(&m);
	free(rnd);
	free(buf);
}

/* The ring follows the source and the cap, not the options alone. */
static void test_ring_plan(void)
{
	size_t chunk = (size_t)1 << 30;
	unsigned n = 7;

	ring_plan(8u << 20, &chunk, &n);
	is_u64(chunk, 8u << 20, "1 GiB chunks on 8 MiB: one chunk of 8 MiB");
	is_u64(n, 1, "and one slot");
	chunk = (size_t)1 << 30;
	n = 513;
	ring_plan((uint64_t)1 << 40, &chunk, &n);
	is_u64(chunk, RING_MAX_BYTES / 2, "1 GiB chunks on 1 TiB: half the cap");
	is_u64(n, 2, "and two slots");
	ok(chunk * n <= RING_MAX_BYTES, "within RING_MAX_BYTES");
	chunk = 2u << 20;
	n = 513;
	ring_plan((uint64_t)1 << 40, &chunk, &n);
	is_u64(chunk, 2u << 20, "2 MiB chunks stay 2 MiB");
	is_u64(n, RING_MAX_BYTES / (2u << 20), "and as many as the cap holds");
	chunk = 65536;
	n = 9;
	ring_plan(5000, &chunk, &n);
	is_u64(chunk, 8192, "a 5000-byte source: one 8 KiB chunk");
	is_u64(n, 1, "in one slot");
	chunk = 65536;
	n = 9;
	ring_plan(0, &chunk, &n);
	ok(chunk == 4096 && n == 1, "nothing to read: one 4 KiB slot");
	chunk = 65536;
	n = 6;
	ring_plan(UINT64_MAX, &chunk, &n);
	ok(chunk == 65536 && n == 6, "the largest span does not overflow");
}

int main(void)
{
	test_queue();
	test_ring();
	test_ring_plan();
	test_match();
	return tap_done();
}

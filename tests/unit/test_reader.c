/*
 * test_reader.c - both read engines deliver every chunk of a source, each
 * exactly once with the right bytes, whatever the queue depth, with and
 * without O_DIRECT, for a source whose size is not a multiple of anything;
 * and source_peek, the look past a chunk's end, gives the source's bytes
 * wherever it starts and however near the end; and source_piece holds the
 * source's bytes, viewed or copied (a small source once, whole, until
 * source_close), reusing a copy's memory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "fmt_util.h"
#include "io/reader.h"
#include "io/source_map.h"
#include "pipeline/queue.h"
#include "pipeline/ring.h"

/* A sink over a ring and a queue, as the pipeline's, without batches. */
struct sink {
	struct ring ring;
	struct queue q;
	size_t nbad;
};

static struct chunk *t_acquire(void *arg)
{
	return ring_acquire(&((struct sink *)arg)->ring);
}

static struct chunk *t_try_acquire(void *arg)
{
	return ring_try_acquire(&((struct sink *)arg)->ring);
}

static void t_release(void *arg, struct chunk *c)
{
	ring_release(&((struct sink *)arg)->ring, c);
}

static int t_deliver(void *arg, struct chunk *c)
{
	struct sink *k = arg;

	if (queue_push(&k->q, c) != 0) {
		ring_release(&k->ring, c);
		return -EPIPE;
	}
	return 0;
}

static int t_stop(void *arg, uint64_t off)
{
	(void)arg;
	(void)off;
	return 0;
}

static void t_fail(void *arg, int code, const char *msg)
{
	(void)arg;
	printf("# reader failed: %s (%d)\n", msg, code);
}

static void t_bad(void *arg, uint64_t off, uint64_t len, int err)
{
	(void)off;
	(void)len;
	(void)err;
	((struct sink *)arg)->nbad++;
}

struct consume {
	struct sink *k;
	const struct reader_config *cfg;
	const uint8_t *data;
	unsigned *seen;
	int bad;
};

static void *consume_main(void *arg)
{
	struct consume *c = arg;
	const struct reader_config *cfg = c->cfg;
	struct chunk *ch;

	while ((ch = queue_pop(&c->k->q)) != NULL) {
		uint64_t want_off = cfg->start + ch->seq * cfg->chunk_size;
		size_t want_len = cfg->end - want_off < cfg->chunk_size
		                  ? (size_t)(cfg->end - want_off)
		                  : cfg->chunk_size;
		if (ch->off != want_off || ch->len != want_len ||
		    memcmp(ch->buf, c->data + ch->off, ch->len) != 0)
			c->bad++;
		c->seen[ch->seq]++;
		ring_release(&c->k->ring, ch);
	}
	return NULL;
}

static void run_case(const char *path, const uint8_t *data, uint64_t size,
                     int uring, int direct, unsigned depth, size_t chunk)
{
	struct sink k = { .nbad = 0 };
	struct source src;
	char err[256];
	pthread_t t;

	if (source_open(&src, path, direct, err, sizeof(err)) != 0)
		tap_bail(err);
	ring_init(&k.ring, depth + 2, chunk);
	queue_init(&k.q, depth + 2);

	const struct reader_config cfg = {
		.src = &src,
		.start = 0,
		.end = size,
		.chunk_size = chunk,
		.depth = depth,
		.direct = direct,
		.engine = uring ? READER_URING : READER_PREAD,
		.slots = k.ring.slots,
		.nslots = k.ring.nslots,
	};
	const struct reader_sink sink = {
		.arg = &k,
		.acquire = t_acquire,
		.try_acquire = t_try_acquire,
		.release = t_release,
		.deliver = t_deliver,
		.stop = t_stop,
		.fail = t_fail,
		.bad = t_bad,
	};
	uint64_t nchunks = (size + chunk - 1) / chunk;
	struct consume c = { .k = &k, .cfg = &cfg, .data = data };
	struct reader_result res;

	c.seen = calloc(nchunks, sizeof(*c.seen));
	pthread_create(&t, NULL, consume_main, &c);
	int rc = reader_run(&cfg, &sink, &res);
	queue_close(&k.q);
	pthread_join(t, NULL);

	int once = 1;
	for (uint64_t i = 0; i < nchunks; i++)
		once &= c.seen[i] == 1;
	ok(rc == 0 && once && c.bad == 0 && k.nbad == 0,
	   "%s, O_DIRECT %s, depth %u, chunk %zu: %llu chunks, each once, "
	   "bytes right", uring ? "io_uring" : "pread",
	   direct ? (source_fd(&src, 1) >= 0 ? "on" : "refused") : "off",
	   depth, chunk, (unsigned long long)nchunks);
	free(c.seen);
	ring_destroy(&k.ring);
	queue_destroy(&k.q);
	source_close(&src);
}

/* source_peek against the bytes written, with and without O_DIRECT. */
static void peek_cases(const char *path, const uint8_t *data, uint64_t size)
{
	static const struct { uint64_t off; size_t len; } at[] = {
		{ 0, 263 }, { 4096, 263 }, { 4000, 263 }, { 8191, 2 },
		{ 12345, 2048 }, { 3u << 20, 5000 }, { 65536 - 1, 1 },
	};
	uint8_t buf[SOURCE_PEEK_MAX];
	char err[256];

	for (int direct = 0; direct <= 1; direct++) {
		struct source src;
		int right = 1;
		if (source_open(&src, path, direct, err, sizeof(err)) != 0)
			tap_bail(err);
		/* Peeks read O_DIRECT on block devices only: read this
		 * file as one would be. */
		src.is_blockdev = direct;
		for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
			size_t want = at[i].len > SOURCE_PEEK_MAX ? SOURCE_PEEK_MAX
			              : at[i].len;
			memset(buf, 0xa5, sizeof(buf));
			ssize_t r = source_peek(&src, buf, at[i].len, at[i].off);
			if (r != (ssize_t)want ||
			    memcmp(buf, data + at[i].off, want) != 0) {
				printf("#   peek %zu at %llu: %zd\n", at[i].len,
				       (unsigned long long)at[i].off, r);
				right = 0;
			}
		}
		ok(right, "source_peek, O_DIRECT %s: the bytes at aligned, "
		   "unaligned and block-crossing offsets, at most %d",
		   direct ? (source_fd(&src, 1) >= 0 ? "on" : "refused") : "off",
		   SOURCE_PEEK_MAX);
		memset(buf, 0xa5, sizeof(buf));
		ssize_t r = source_peek(&src, buf, 100, size - 10);
		ok(r == 10 && memcmp(buf, data + size - 10, 10) == 0,
		   "source_peek, O_DIRECT %s: 10 bytes before the end give 10 "
		   "(got %zd)", direct ? "on" : "off", r);
		ok(source_peek(&src, buf, 100, size) == 0,
		   "source_peek, O_DIRECT %s: at the end, 0", direct ? "on" : "off");
		source_close(&src);
	}
}

/* The pieces at[] of src, set to views, each checked against data;
 * how names the case.  The memory of the first piece in *first. */
static void pieces(struct source *src, int views, const char *how,
                   const uint8_t *data, struct source_map *m, void **first)
{
	static const struct { uint64_t off; size_t len; } at[] = {
		{ 0, 2u << 20 }, { 4096, 1000 }, { 12345, 65536 },
		{ (3u << 20) - 7, 12345 + 7 },
	};
	int copied = views == SOURCE_VIEWS_ON ? SOURCE_MAP_CACHED
	             : src->size < SOURCE_VIEWS_MEASURED_FROM ? SOURCE_MAP_SHARED
	             : 1;

	src->views = views;
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < sizeof(at) / sizeof(*at); i++) {
		int rc = source_piece(src, at[i].off, at[i].len, m);
		ok(rc == 0 && m->p != NULL &&
		   memcmp(m->p, data + at[i].off, at[i].len) == 0 &&
		   m->copied == copied,
		   "source_piece %s: %zu bytes at %llu are the source's "
		   "(rc %d)", how, at[i].len, (unsigned long long)at[i].off, rc);
		if (i == 0)
			*first = m->base;
		else if (copied == SOURCE_MAP_SHARED)
			ok(m->p == (const uint8_t *)*first + at[i].off,
			   "source_piece %s: in the one copy of the source", how);
	}
}

/* Views of src (viewed) are shared by the readers of a piece, and kept
 * when given back. */
static void shared_views(struct source *src, const uint8_t *data)
{
	struct source_map a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	int ra = source_piece(src, 1u << 20, 4096, &a);
	int rb = source_piece(src, 1u << 20, 100, &b);
	ok(ra == 0 && rb == 0 && a.p != NULL && a.p == b.p &&
	   a.copied == SOURCE_MAP_CACHED && b.copied == SOURCE_MAP_CACHED &&
	   memcmp(b.p, data + (1u << 20), 100) == 0,
	   "source_piece viewed: two readers of a piece share one view");
	const uint8_t *p = a.p;
	source_unmap(&a);
	source_unmap(&b);
	ok(a.p == NULL && b.p == NULL && a.base == NULL,
	   "source_unmap viewed: the readers hold nothing");
	ok(source_piece(src, 1u << 20, 4096, &a) == 0 && a.p == p,
	   "source_piece viewed: the view given back is kept for the next "
	   "reader");
	source_unmap(&a);
}

static void piece_cases(const char *path, const uint8_t *data, uint64_t size)
{
	struct source src;
	struct source_map m;
	char err[256];
	void *first = NULL;

	/* viewed, and a small source copied whole once */
	for (int views = SOURCE_VIEWS_ON; views <= SOURCE_VIEWS_OFF; views++) {
		const char *how = views == SOURCE_VIEWS_ON ? "viewed"
		                  : "copied whole";
		if (source_open(&src, path, 0, err, sizeof(err)) != 0)
			tap_bail(err);
		pieces(&src, views, how, data, &m, &first);
		if (views == SOURCE_VIEWS_ON)
			shared_views(&src, data);
		ok(source_piece(&src, size - 10, 11, &m) == -EINVAL && m.p == NULL,
		   "source_piece %s: past the end, -EINVAL and nothing held", how);
		source_unmap(&m);
		ok(m.base == NULL && m.p == NULL && m.len == 0 && m.cap == 0,
		   "source_unmap %s: nothing held", how);
		source_close(&src);
	}

	/* the copy goes with source_close: the file written anew and opened
	 * again in the same place gives its new bytes */
	uint8_t *other = malloc(size);
	if (other == NULL)
		tap_bail("out of memory");
	for (uint64_t i = 0; i < size; i++)
		other[i] = (uint8_t)~data[i];
	int fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, other, size) != (ssize_t)size || close(fd) != 0)
		tap_bail("cannot write the test image again");
	if (source_open(&src, path, 0, err, sizeof(err)) != 0)
		tap_bail(err);
	pieces(&src, SOURCE_VIEWS_OFF, "copied whole, reopened", other, &m,
	       &first);
	source_unmap(&m);
	source_close(&src);
	/* ... and the views kept go with it: a new file by the same name,
	 * opened in the same place, is viewed anew */
	if (unlink(path) != 0)
		tap_bail("cannot remove the test image");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) != 0)
		tap_bail("cannot write the test image again");
	if (source_open(&src, path, 0, err, sizeof(err)) != 0)
		tap_bail(err);
	pieces(&src, SOURCE_VIEWS_ON, "viewed, a new file", data, &m, &first);
	source_unmap(&m);
	source_close(&src);

	/* a source of SOURCE_VIEWS_MEASURED_FROM bytes or more: each piece
	 * copied, into memory used again */
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size ||
	    ftruncate(fd, (off_t)SOURCE_VIEWS_MEASURED_FROM + 4096) != 0 ||
	    close(fd) != 0)
		tap_bail("cannot write the large test image");
	if (source_open(&src, path, 0, err, sizeof(err)) != 0)
		tap_bail(err);
	pieces(&src, SOURCE_VIEWS_OFF, "copied", data, &m, &first);
	ok(m.base == first, "source_piece copied: later, smaller pieces reuse "
	   "the first one's memory");
	source_unmap(&m);
	source_close(&src);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) != 0)
		tap_bail("cannot write the test image back");
	free(other);

	double map_us = -1, copy_us = -1;
	int pays = source_views_pay(&map_us, &copy_us);
	ok((pays == 0 || pays == 1) && map_us >= 0 && copy_us >= 0 &&
	   (map_us == 0 || pays == (map_us <= copy_us)),
	   "source_views_pay: %d, views %.0f us, copies %.0f us", pays,
	   map_us, copy_us);
	ok(source_views_pay(NULL, NULL) == pays,
	   "source_views_pay: measured once, the same after");

	/* auto: a source below SOURCE_VIEWS_MEASURED_FROM bytes is copied
	 * whatever the measure says; from there on, as it says */
	if (source_open(&src, path, 0, err, sizeof(err)) != 0)
		tap_bail(err);
	src.views = SOURCE_VIEWS_AUTO;
	ok(source_mappable(&src) == 0,
	   "source_mappable, auto: a %llu-byte image is copied",
	   (unsigned long long)src.size);
	src.size = SOURCE_VIEWS_MEASURED_FROM;
	ok(source_mappable(&src) == pays,
	   "source_mappable, auto: at %llu bytes, viewed as measured (%d)",
	   (unsigned long long)src.size, pays);
	src.size = size;
	src.views = SOURCE_VIEWS_ON;
	ok(source_mappable(&src) == 1,
	   "source_mappable, on: the small image is viewed");
	source_close(&src);
}

int main(void)
{
	const char *dir = getenv("top_builddir");
	char path[4096];
	uint64_t size = (3u << 20) + 12345;   /* no power of two divides it */
	uint8_t *data = malloc(size);

	snprintf(path, sizeof(path), "%s/tests/reader-test.img", dir ? dir : ".");
	tu_random(data, size, 7);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) != 0)
		tap_bail("cannot write the test image");

	int have_uring = reader_uring_probe(4) == 0;
	for (int uring = 0; uring <= 1; uring++) {
		if (uring && !have_uring) {
			printf("ok %d - # SKIP io_uring unavailable here\n", ++tap_n);
			continue;
		}
		for (int direct = 0; direct <= 1; direct++) {
			run_case(path, data, size, uring, direct, 1, 65536);
			run_case(path, data, size, uring, direct, 4, 65536);
			run_case(path, data, size, uring, direct, 8, 1 << 20);
		}
	}
	peek_cases(path, data, size);
	piece_cases(path, data, size);
	unlink(path);
	free(data);
	return tap_done();
}

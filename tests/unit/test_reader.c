/*
 * test_reader.c - both read engines deliver every chunk of a source, each
 * exactly once with the right bytes, whatever the queue depth, with and
 * without O_DIRECT, for a source whose size is not a multiple of anything.
 */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "fmt_util.h"
#include "pipeline/pipeline.h"

struct consume {
	struct pipeline *p;
	const uint8_t *data;
	unsigned *seen;
	int bad;
};

static void *consume_main(void *arg)
{
	struct consume *c = arg;
	struct chunk *ch;

	while ((ch = queue_pop(&c->p->scan_q)) != NULL) {
		uint64_t want_off = c->p->start + ch->seq * c->p->chunk_size;
		size_t want_len = c->p->end - want_off < c->p->chunk_size
		                  ? (size_t)(c->p->end - want_off)
		                  : c->p->chunk_size;
		if (ch->off != want_off || ch->len != want_len ||
		    memcmp(ch->buf, c->data + ch->off, ch->len) != 0)
			c->bad++;
		c->seen[ch->seq]++;
		ring_release(&c->p->ring, ch);
		pipeline_give_credit(c->p);
	}
	return NULL;
}

static void run_case(const char *path, const uint8_t *data, uint64_t size,
                     int uring, int direct, unsigned depth, size_t chunk)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	char err[256];
	struct consume c = { .p = p, .data = data };
	struct dredge_scan_config cfg;
	pthread_t t;

	dredge_scan_config_init(&cfg);
	p->cfg = &cfg;

	pthread_mutex_init(&p->credit_lock, NULL);
	pthread_cond_init(&p->credit_cond, NULL);
	pthread_mutex_init(&p->bad_lock, NULL);
	pthread_mutex_init(&p->fatal_lock, NULL);
	if (source_open(&p->src, path, direct, err, sizeof(err)) != 0)
		tap_bail(err);
	p->start = 0;
	p->end = size;
	p->chunk_size = chunk;
	p->nchunks = (size + chunk - 1) / chunk;
	p->queue_depth = depth;
	p->use_direct = p->src.fd_direct >= 0;
	p->credits = depth + 2;
	ring_init(&p->ring, depth + 2, chunk);
	queue_init(&p->scan_q, depth + 2);
	c.seen = calloc(p->nchunks, sizeof(*c.seen));
	pthread_create(&t, NULL, consume_main, &c);
	int rc = uring ? reader_uring_run(p) : reader_pread_run(p);
	queue_close(&p->scan_q);
	pthread_join(t, NULL);

	int once = 1;
	for (uint64_t i = 0; i < p->nchunks; i++)
		once &= c.seen[i] == 1;
	ok(rc == 0 && once && c.bad == 0 && p->nbad == 0,
	   "%s, O_DIRECT %s, depth %u, chunk %zu: %llu chunks, each once, "
	   "bytes right", uring ? "io_uring" : "pread",
	   direct ? (p->src.fd_direct >= 0 ? "on" : "refused") : "off", depth,
	   chunk, (unsigned long long)p->nchunks);
	free(c.seen);
	ring_destroy(&p->ring);
	queue_destroy(&p->scan_q);
	source_close(&p->src);
	free(p);
}

/* The unreadable list is sorted and merged whatever the order ranges are
 * met in (io_uring completes chunks out of order; validators and the
 * writer meet bad sectors too). */
static void test_bad_list(void)
{
	static const struct { uint64_t off, len; } in[] = {
		{ 8192, 512 }, { 0, 512 }, { 4096, 1024 }, { 512, 512 },
		{ 9216, 512 }, { 8704, 512 }, { 4608, 256 }, { 20000, 100 },
		{ 3000, 1096 }, { 0, 512 }, { 19000, 2000 },
	};
	static const struct { uint64_t off, len; } want[] = {
		{ 0, 1024 }, { 3000, 2120 }, { 8192, 1536 }, { 19000, 2000 },
	};
	struct pipeline *p = calloc(1, sizeof(*p));
	int same = 1;

	pthread_mutex_init(&p->bad_lock, NULL);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		pipeline_add_bad(p, in[i].off, in[i].len);
	same = p->nbad == sizeof(want) / sizeof(want[0]);
	for (size_t i = 0; same && i < p->nbad; i++)
		same = p->bad[i].off == want[i].off && p->bad[i].len == want[i].len;
	ok(same, "unreadable ranges met out of order come out sorted and merged");
	free(p->bad);
	pthread_mutex_destroy(&p->bad_lock);
	free(p);
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

	test_bad_list();
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
	unlink(path);
	free(data);
	return tap_done();
}

/*
 * reader.c - what both read engines share: placing a chunk in the range,
 * the buffered path that fills it isolating unreadable sectors, and the
 * entry point that picks the engine.
 *
 * When a large read fails, the range is re-read a sector at a time so that
 * one bad sector costs one sector, not a chunk: the unreadable sectors are
 * zero-filled and recorded, and the scan goes on.  The validators' reader
 * and the writer's copy read the same way (source_read), so every stage
 * sees the same bytes.  A source that vanishes (device unplugged) is the
 * one read failure that stops the run.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "io/reader_impl.h"

double rusage_seconds(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

uint64_t reader_chunk_off(const struct reader *r, uint64_t seq)
{
	return r->cfg->start + seq * r->cfg->chunk_size;
}

size_t reader_chunk_len(const struct reader *r, uint64_t seq)
{
	const struct reader_config *cfg = r->cfg;
	uint64_t off = reader_chunk_off(r, seq);

	return cfg->end - off < cfg->chunk_size ? (size_t)(cfg->end - off)
	                                        : cfg->chunk_size;
}

int reader_wants(const struct reader *r, uint64_t seq)
{
	const struct reader_sink *s = r->sink;

	return s->wanted == NULL ||
	       s->wanted(s->arg, reader_chunk_off(r, seq), reader_chunk_len(r, seq));
}

void reader_place(const struct reader *r, struct chunk *c, uint64_t seq)
{
	c->seq = seq;
	c->off = reader_chunk_off(r, seq);
	c->len = reader_chunk_len(r, seq);
	c->done = 0;
	c->skip = 0;
}

int reader_skip(struct chunk *c, int wanted)
{
	if (wanted)
		return 0;
	c->skip = 1;
	c->done = c->len;
	return 1;
}

int reader_fill(const struct reader *r, struct chunk *c, size_t from)
{
	const struct reader_sink *s = r->sink;
	int rc = source_read(r->cfg->src, c->buf + from, c->off + from,
	                     c->len - from, 0, s->bad, s->arg);

	if (rc != 0) {
		char msg[512];
		snprintf(msg, sizeof(msg), "source '%s' disappeared while "
		         "reading offset %llu: %s", r->cfg->src->path,
		         (unsigned long long)(c->off + from), strerror(-rc));
		s->fail(s->arg, rc, msg);
		return rc;
	}
	c->done = c->len;
	return 0;
}

int reader_run(const struct reader_config *cfg, const struct reader_sink *sink,
               struct reader_result *res)
{
	struct reader r = {
		.cfg = cfg,
		.sink = sink,
		.nchunks = cfg->end > cfg->start
		           ? (cfg->end - cfg->start + cfg->chunk_size - 1) /
		             cfg->chunk_size : 0,
		.direct = cfg->direct && source_fd(cfg->src, 1) >= 0,
	};
	double cpu0 = rusage_seconds(RUSAGE_THREAD);
	int rc;

	/* io_uring reads a descriptor: a source without one reads through
	 * its read operation. */
	if (cfg->engine == READER_URING && source_fd(cfg->src, 0) >= 0)
		rc = reader_uring_run(&r);
	else if (cfg->engine == READER_MMAP &&
	         reader_mmap_probe(cfg->src) == 0) {
		r.direct = 0;   /* the page cache is what it reads */
		rc = reader_mmap_run(&r);
	}
	else
		rc = reader_pread_run(&r);
	if (res != NULL) {
		res->direct = r.direct;
		res->cpu_seconds = rusage_seconds(RUSAGE_THREAD) - cpu0;
	}
	return rc;
}

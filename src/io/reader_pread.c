/*
 * reader_pread.c - the plain read engine: one synchronous read per chunk.
 *
 * Used when io_uring cannot be set up (old kernel, seccomp) or when asked
 * for with --io=pread.  It fills the same chunks in the same order as the
 * io_uring engine, so results are identical.
 */
#include "config.h"

#include <errno.h>

#include "io/reader_impl.h"

/* Reads a chunk with O_DIRECT; returns bytes read, or -errno. */
static ssize_t read_direct(const struct reader *r, struct chunk *c)
{
	size_t want = (c->len + 4095) & ~(size_t)4095;
	size_t done = 0;

	while (done < want) {
		ssize_t n = source_pread(r->cfg->src, c->buf + done,
		                         want - done, c->off + done,
		                         SOURCE_DIRECT);
		if (n == -EINTR)
			continue;
		if (n < 0)
			return n;
		if (n == 0 || (n % 4096) != 0) {
			done += (size_t)n;
			break;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int reader_pread_run(struct reader *r)
{
	const struct reader_sink *s = r->sink;

	for (uint64_t seq = 0; seq < r->nchunks; seq++) {
		if (s->stop(s->arg, reader_chunk_off(r, seq)))
			return 0;
		struct chunk *c = s->acquire(s->arg);
		if (c == NULL)
			return 0;
		reader_place(r, c, seq);
		if (reader_skip(c, reader_wants(r, c->seq))) {
			/* nothing to read */
		} else if (r->direct) {
			ssize_t n = read_direct(r, c);
			if (n == -EINVAL)
				r->direct = 0;   /* not here after all */
			else if (n > 0)
				c->done = (size_t)n < c->len ? (size_t)n : c->len;
		}
		if (c->done < c->len) {
			int rc = reader_fill(r, c, c->done);
			if (rc != 0) {
				s->release(s->arg, c);
				return rc;
			}
		}
		if (s->deliver(s->arg, c) != 0)
			return 0;
	}
	return 0;
}

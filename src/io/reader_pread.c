/*
 * reader_pread.c - the plain read engine: one synchronous read per chunk.
 *
 * Used when io_uring cannot be set up (old kernel, seccomp) or when asked
 * for with --io=pread.  It fills the same chunks in the same order as the
 * io_uring engine, so results are identical.
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "pipeline/pipeline.h"

/* Reads a chunk with O_DIRECT; returns bytes read, or -errno. */
static ssize_t read_direct(struct pipeline *p, struct chunk *c)
{
	size_t want = (c->len + 4095) & ~(size_t)4095;
	size_t done = 0;

	while (done < want) {
		ssize_t r = pread(p->src.fd_direct, c->buf + done, want - done,
		                  (off_t)(c->off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0 || (r % 4096) != 0) {
			done += (size_t)r;
			break;
		}
		done += (size_t)r;
	}
	return (ssize_t)done;
}

int reader_pread_run(struct pipeline *p)
{
	for (uint64_t seq = 0; seq < p->nchunks; seq++) {
		if (pipeline_stop_requested(p, p->start + seq * p->chunk_size) ||
		    pipeline_take_credit(p) != 0)
			return 0;
		struct chunk *c = ring_acquire(&p->ring);
		if (c == NULL)
			return 0;
		c->seq = seq;
		c->off = p->start + seq * p->chunk_size;
		c->len = p->end - c->off < p->chunk_size
		         ? (size_t)(p->end - c->off) : p->chunk_size;
		c->done = 0;
		if (p->use_direct) {
			ssize_t r = read_direct(p, c);
			if (r == -EINVAL)
				p->use_direct = 0;   /* not here after all */
			else if (r > 0)
				c->done = (size_t)r < c->len ? (size_t)r : c->len;
		}
		if (c->done < c->len && reader_fill_pread(p, c, c->done) != 0) {
			ring_release(&p->ring, c);
			return atomic_load(&p->fatal);
		}
		atomic_fetch_add(&p->bytes_read, c->len);
		if (pipeline_chunk_ready(p, c) != 0)
			return 0;
	}
	return 0;
}

/*
 * reader_uring.c - the io_uring read engine.
 *
 * Keeps up to queue_depth large reads in flight into the ring's chunks
 * (registered once as fixed buffers), submits in batches, waits for one
 * completion and drains the rest with peek.  Every completion is checked:
 * errors fall back to the sector-isolating pread path, short reads are
 * finished, -EAGAIN is resubmitted.  Chunks may complete out of order; their
 * sequence numbers keep the output ordered downstream.
 */
#include "config.h"

#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>

#include "io/reader_impl.h"

struct uring_reader {
	struct reader *r;
	struct io_uring ring;
	int fd, fd_direct;  /* the source's descriptors */
	int fixed;          /* chunks registered as fixed buffers */
	unsigned inflight;
};

int reader_uring_probe(unsigned depth)
{
	struct io_uring ring;
	int rc = io_uring_queue_init(depth ? depth : 4, &ring, 0);

	if (rc == 0)
		io_uring_queue_exit(&ring);
	return rc;
}

/* Queues the read of what is left of chunk c. */
static int submit_chunk(struct uring_reader *u, struct chunk *c)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	size_t want = c->len - c->done;
	int fd = u->fd;

	if (sqe == NULL) {
		io_uring_submit(&u->ring);
		sqe = io_uring_get_sqe(&u->ring);
		if (sqe == NULL)
			return -EBUSY;
	}
	if (u->r->direct) {
		fd = u->fd_direct;
		want = (want + 4095) & ~(size_t)4095;  /* within the slot */
	}
	if (u->fixed)
		io_uring_prep_read_fixed(sqe, fd, c->buf + c->done,
		                         (unsigned)want, c->off + c->done,
		                         (int)c->index);
	else
		io_uring_prep_read(sqe, fd, c->buf + c->done, (unsigned)want,
		                   c->off + c->done);
	io_uring_sqe_set_data(sqe, c);
	u->inflight++;
	return 0;
}

/* Finishes c with buffered reads from c->done and passes it on; 0 or
 * -errno. */
static int finish_pread(struct uring_reader *u, struct chunk *c)
{
	const struct reader_sink *s = u->r->sink;
	int rc = reader_fill(u->r, c, c->done);

	if (rc != 0) {
		s->release(s->arg, c);
		return rc;
	}
	return s->deliver(s->arg, c);
}

/* Handles one completion; 0 to go on, non-zero to stop. */
static int complete(struct uring_reader *u, struct chunk *c, int res)
{
	const struct reader_sink *s = u->r->sink;

	u->inflight--;
	if (res == -EAGAIN || res == -EINTR)
		return submit_chunk(u, c);
	if (res == -EINVAL && u->r->direct) {
		u->r->direct = 0;   /* O_DIRECT refused after all */
		return submit_chunk(u, c);
	}
	if (res < 0 || res == 0)
		return finish_pread(u, c);   /* error or early end */
	c->done += (size_t)res;
	if (c->done >= c->len) {
		c->done = c->len;
		return s->deliver(s->arg, c);
	}
	/* A short read: an O_DIRECT tail that is not block-aligned is
	 * finished buffered; anything else is asked for again. */
	if (u->r->direct && c->done % 4096 != 0)
		return finish_pread(u, c);
	return submit_chunk(u, c);
}

static int register_chunks(struct uring_reader *u)
{
	const struct reader_config *cfg = u->r->cfg;

	if (cfg->slots == NULL || cfg->nslots == 0)
		return -EINVAL;
	struct iovec *iov = calloc(cfg->nslots, sizeof(*iov));
	if (iov == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < cfg->nslots; i++) {
		iov[i].iov_base = cfg->slots[i].buf;
		iov[i].iov_len = cfg->chunk_size;
	}
	int rc = io_uring_register_buffers(&u->ring, iov, cfg->nslots);
	free(iov);
	return rc;
}

int reader_uring_run(struct reader *r)
{
	const struct reader_config *cfg = r->cfg;
	const struct reader_sink *s = r->sink;
	struct uring_reader u;
	uint64_t seq = 0;
	int rc;

	memset(&u, 0, sizeof(u));
	u.r = r;
	u.fd = source_fd(cfg->src, 0);
	u.fd_direct = source_fd(cfg->src, 1);
	rc = io_uring_queue_init(cfg->depth * 2, &u.ring, 0);
	if (rc < 0)
		return rc;
	/* Fixed buffers save a page-pinning per read; without them (a low
	 * RLIMIT_MEMLOCK on older kernels) plain reads work the same. */
	u.fixed = register_chunks(&u) == 0;

	rc = 0;
	for (;;) {
		while (u.inflight < cfg->depth && seq < r->nchunks &&
		       !s->stop(s->arg, reader_chunk_off(r, seq))) {
			struct chunk *c;
			if (u.inflight == 0) {
				c = s->acquire(s->arg);
				if (c == NULL)
					goto out;
			} else {
				c = s->try_acquire(s->arg);
				if (c == NULL)
					break;
			}
			reader_place(r, c, seq);
			seq++;
			if (reader_skip(c, reader_wants(r, c->seq))) {
				/* nothing to read: on at once (the chunks'
				 * numbers say where they go) */
				if (s->deliver(s->arg, c) != 0)
					goto out;
				continue;
			}
			if ((rc = submit_chunk(&u, c)) != 0)
				goto out;
		}
		if (u.inflight == 0)
			break;
		struct io_uring_cqe *cqe;
		rc = io_uring_submit_and_wait(&u.ring, 1);
		if (rc < 0 && rc != -EINTR)
			goto out;
		rc = 0;
		unsigned head, n = 0;
		struct chunk *done[64];
		int res[64];
		io_uring_for_each_cqe(&u.ring, head, cqe) {
			done[n] = io_uring_cqe_get_data(cqe);
			res[n] = cqe->res;
			if (++n == 64)
				break;
		}
		io_uring_cq_advance(&u.ring, n);
		for (unsigned i = 0; i < n; i++) {
			if ((rc = complete(&u, done[i], res[i])) == 0)
				continue;
			/* The rest of this batch has completed too: its
			 * chunks go back, or the wait below never ends. */
			for (unsigned k = i + 1; k < n; k++) {
				u.inflight--;
				s->release(s->arg, done[k]);
			}
			goto out;
		}
	}
out:
	/* Reads still in flight target ring memory: wait for them before
	 * the ring can be torn down.  Some may only be queued (a short read
	 * asked again just before the failure): submit those first, or
	 * their completions would never come. */
	if (u.inflight > 0)
		io_uring_submit(&u.ring);
	while (u.inflight > 0) {
		struct io_uring_cqe *cqe;
		if (io_uring_wait_cqe(&u.ring, &cqe) != 0)
			break;
		struct chunk *c = io_uring_cqe_get_data(cqe);
		io_uring_cqe_seen(&u.ring, cqe);
		u.inflight--;
		s->release(s->arg, c);
	}
	if (u.fixed)
		io_uring_unregister_buffers(&u.ring);
	io_uring_queue_exit(&u.ring);
	return rc == -EPIPE ? 0 : rc;
}

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

#include "pipeline/pipeline.h"

struct uring_reader {
	struct io_uring ring;
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
static int submit_chunk(struct pipeline *p, struct uring_reader *u,
                        struct chunk *c)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	size_t want = c->len - c->done;
	int fd = p->src.fd;

	if (sqe == NULL) {
		io_uring_submit(&u->ring);
		sqe = io_uring_get_sqe(&u->ring);
		if (sqe == NULL)
			return -EBUSY;
	}
	if (p->use_direct) {
		fd = p->src.fd_direct;
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

/* Finishes c with pread from c->done and passes it on; 0 or -errno. */
static int finish_pread(struct pipeline *p, struct chunk *c)
{
	int rc = reader_fill_pread(p, c, c->done);
	if (rc != 0) {
		ring_release(&p->ring, c);
		return rc;
	}
	atomic_fetch_add(&p->bytes_read, c->len);
	return pipeline_chunk_ready(p, c);
}

/* Handles one completion; 0 to go on, non-zero to stop. */
static int complete(struct pipeline *p, struct uring_reader *u,
                    struct chunk *c, int res)
{
	u->inflight--;
	if (res == -EAGAIN || res == -EINTR)
		return submit_chunk(p, u, c);
	if (res == -EINVAL && p->use_direct) {
		p->use_direct = 0;   /* O_DIRECT refused after all */
		return submit_chunk(p, u, c);
	}
	if (res < 0 || res == 0)
		return finish_pread(p, c);   /* error or early end */
	c->done += (size_t)res;
	if (c->done >= c->len) {
		c->done = c->len;
		atomic_fetch_add(&p->bytes_read, c->len);
		return pipeline_chunk_ready(p, c);
	}
	/* A short read: an O_DIRECT tail that is not block-aligned is
	 * finished buffered; anything else is asked for again. */
	if (p->use_direct && c->done % 4096 != 0)
		return finish_pread(p, c);
	return submit_chunk(p, u, c);
}

static int register_chunks(struct pipeline *p, struct uring_reader *u)
{
	struct iovec *iov = calloc(p->ring.nslots, sizeof(*iov));

	if (iov == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < p->ring.nslots; i++) {
		iov[i].iov_base = p->ring.slots[i].buf;
		iov[i].iov_len = p->ring.chunk_size;
	}
	int rc = io_uring_register_buffers(&u->ring, iov, p->ring.nslots);
	free(iov);
	return rc;
}

int reader_uring_run(struct pipeline *p)
{
	struct uring_reader u;
	uint64_t seq = 0;
	int rc;

	memset(&u, 0, sizeof(u));
	rc = io_uring_queue_init(p->queue_depth * 2, &u.ring, 0);
	if (rc < 0)
		return rc;
	/* Fixed buffers save a page-pinning per read; without them (a low
	 * RLIMIT_MEMLOCK on older kernels) plain reads work the same. */
	u.fixed = register_chunks(p, &u) == 0;

	rc = 0;
	for (;;) {
		while (u.inflight < p->queue_depth && seq < p->nchunks &&
		       !pipeline_stop_requested(p, p->start + seq * p->chunk_size)) {
			struct chunk *c;
			if (u.inflight == 0) {
				if (pipeline_take_credit(p) != 0)
					goto out;
				c = ring_acquire(&p->ring);
				if (c == NULL)
					goto out;
			} else {
				if (!pipeline_try_credit(p))
					break;
				c = ring_try_acquire(&p->ring);
				if (c == NULL) {
					pipeline_give_credit(p);
					break;
				}
			}
			c->seq = seq;
			c->off = p->start + seq * p->chunk_size;
			c->len = p->end - c->off < p->chunk_size
			         ? (size_t)(p->end - c->off) : p->chunk_size;
			c->done = 0;
			seq++;
			if ((rc = submit_chunk(p, &u, c)) != 0)
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
			if ((rc = complete(p, &u, done[i], res[i])) == 0)
				continue;
			/* The rest of this batch has completed too: its
			 * chunks go back, or the wait below never ends. */
			for (unsigned k = i + 1; k < n; k++) {
				u.inflight--;
				ring_release(&p->ring, done[k]);
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
		ring_release(&p->ring, c);
	}
	if (u.fixed)
		io_uring_unregister_buffers(&u.ring);
	io_uring_queue_exit(&u.ring);
	return rc == -EPIPE ? 0 : rc;
}

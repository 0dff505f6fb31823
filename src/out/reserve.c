/*
 * reserve.c - holding back space in the output folder (see reserve.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "out/reserve.h"

/* The closing parts of both reports and a checkpoint (twice, while it is
 * replaced) take a few KiB; each unreadable range adds a line to each. */
#define RESERVE_BASE (64u * 1024u)
#define RESERVE_PER_RANGE 256u

uint64_t reserve_wanted(size_t nbad)
{
	return RESERVE_BASE + (uint64_t)RESERVE_PER_RANGE * nbad;
}

int reserve_grow(struct reserve *r, uint64_t size)
{
	if (r->fd < 0 || size <= r->size)
		return 0;
	int rc = posix_fallocate(r->fd, 0, (off_t)size);
	if (rc == ENOSPC || rc == EDQUOT)
		return -rc;
	if (rc != 0) {
		/* The file system cannot reserve space (not even by
		 * writing zeros): go on without a reserve. */
		close(r->fd);
		unlinkat(r->dirfd, RESERVE_NAME, 0);
		r->fd = -1;
		return 0;
	}
	r->size = size;
	return 0;
}

void reserve_release(struct reserve *r)
{
	if (r->fd < 0)
		return;
	close(r->fd);
	unlinkat(r->dirfd, RESERVE_NAME, 0);
	r->fd = -1;
	r->size = 0;
}

int reserve_open(struct reserve *r, int dirfd, uint64_t size)
{
	r->dirfd = dirfd;
	r->size = 0;
	r->fd = openat(dirfd, RESERVE_NAME, O_WRONLY | O_CREAT | O_TRUNC |
	               O_CLOEXEC, 0600);
	if (r->fd < 0)
		return 0;   /* no reserve; a later write will say why */
	int rc = reserve_grow(r, size);
	if (rc != 0)
		reserve_release(r);
	return rc;
}

/*
 * regular.h - opening a file of an output folder to read it back.
 *
 * The files there are dredge's own (reports, the checkpoint, recovered
 * files), but anyone may have replaced one by hand: a FIFO would make the
 * open wait for a writer for ever, a device would be read without end.
 * Only a regular file is opened, and the open itself never waits.
 */
#ifndef DREDGE_OUT_REGULAR_H
#define DREDGE_OUT_REGULAR_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* As openat(dirfd, name, O_RDONLY | O_CLOEXEC): the descriptor (and
 * its status in *st when not NULL), or -1 with errno set (EINVAL: not a
 * regular file). */
static inline int openat_regular(int dirfd, const char *name,
                                 struct stat *st)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat own;

	if (st == NULL)
		st = &own;
	if (fd < 0)
		return -1;
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* What an openat_regular that failed with error e says, for a message. */
static inline const char *regular_error(int e)
{
	return e == EINVAL ? "it is not a regular file" : strerror(e);
}

#endif

/*
 * lock.c - the output folder's lock.
 *
 * The lock is flock(2) on the folder's own descriptor rather than on a
 * lock file inside it: nothing is left behind to make the folder look
 * used, the emptiness check sees the folder as the user left it, there is
 * no stale lock after a crash (the kernel drops the lock with the last
 * descriptor), and no window where one run unlinks a lock file another
 * has just opened.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "dredge.h"
#include "out/lock.h"

int lock_dir(int dirfd, const char *path, char *err, size_t errlen)
{
	if (flock(dirfd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	int rc = -errno;
	if (rc == -EWOULDBLOCK) {
		snprintf(err, errlen, "output folder '%s' is in use: another "
		         "dredge is writing there", path);
		return -EBUSY;
	}
	snprintf(err, errlen, "cannot lock output folder '%s': %s", path,
	         strerror(-rc));
	return rc;
}

int lock_open(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		int rc = -errno;
		snprintf(err, errlen, "cannot open output folder '%s': %s", path,
		         strerror(-rc));
		return rc;
	}
	int rc = lock_dir(fd, path, err, errlen);
	if (rc != 0) {
		close(fd);
		return rc;
	}
	return fd;
}

int dredge_output_lock(const char *dir, char *err, size_t errlen)
{
	return lock_open(dir, err, errlen);
}

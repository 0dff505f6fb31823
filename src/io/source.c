/*
 * source.c - opening an image file or block device read-only, with its
 * size and sector size.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_LINUX_FS_H
#include <linux/fs.h>
#endif

#include "io/source.h"

static int source_fail(struct source *src, int code, char *err, size_t errlen,
                       const char *path, const char *why)
{
	snprintf(err, errlen, "cannot read source '%s': %s", path, why);
	source_close(src);
	return code;
}

int source_open(struct source *src, const char *path, int direct,
                char *err, size_t errlen)
{
	struct stat st;

	memset(src, 0, sizeof(*src));
	src->fd = -1;
	src->fd_direct = -1;
	src->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (src->fd < 0) {
		int e = errno;
		return source_fail(src, -e, err, errlen, path, strerror(e));
	}
	if (fstat(src->fd, &st) != 0) {
		int e = errno;
		return source_fail(src, -e, err, errlen, path, strerror(e));
	}
	if (S_ISDIR(st.st_mode))
		return source_fail(src, -EISDIR, err, errlen, path,
		                   "it is a directory, not a disk image or device");
	if (S_ISREG(st.st_mode)) {
		src->size = (uint64_t)st.st_size;
		src->sector_size = 512;
		src->dev = st.st_dev;
	} else if (S_ISBLK(st.st_mode)) {
		src->is_blockdev = 1;
		src->rdev = st.st_rdev;
#if defined(BLKGETSIZE64) && defined(BLKSSZGET)
		uint64_t bytes = 0;
		int ssz = 0;
		if (ioctl(src->fd, BLKGETSIZE64, &bytes) != 0) {
			int e = errno;
			return source_fail(src, -e, err, errlen, path, strerror(e));
		}
		src->size = bytes;
		src->sector_size = ioctl(src->fd, BLKSSZGET, &ssz) == 0 && ssz > 0
		                   ? (uint32_t)ssz : 512;
#else
		return source_fail(src, -ENOTSUP, err, errlen, path,
		                   "block devices are not supported on this system");
#endif
	} else {
		return source_fail(src, -EINVAL, err, errlen, path,
		                   "not a regular file or block device");
	}
	if (src->size == 0)
		return source_fail(src, -ENODATA, err, errlen, path,
		                   "it is empty (0 bytes)");

	/* Prove the source is readable now rather than deep in a thread.
	 * An unreadable first sector (EIO) is not a reason to give up on a
	 * failing drive: the reader records it like any other. */
	uint8_t probe[512];
	if (pread(src->fd, probe, sizeof(probe), 0) < 0 && errno != EIO) {
		int e = errno;
		return source_fail(src, -e, err, errlen, path, strerror(e));
	}

	if (direct == 1) {
		src->fd_direct = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
		                      O_DIRECT);
		/* tmpfs and some FUSE file systems refuse O_DIRECT: read
		 * buffered there. */
	}
	src->path = strdup(path);
	if (src->path == NULL)
		return source_fail(src, -ENOMEM, err, errlen, path,
		                   strerror(ENOMEM));
	return 0;
}

int source_gone(int err)
{
	return err == ENODEV || err == ENXIO || err == ESHUTDOWN ||
	       err == ENOMEDIUM;
}

/* Reads [off, off+len) a sector at a time; see source_read. */
static int read_sectors(int fd, uint32_t ss, uint8_t *dst, uint64_t off,
                        size_t len, int end_is_error, source_bad_fn bad,
                        void *arg)
{
	size_t done = 0;

	while (done < len) {
		uint64_t at = off + done;
		size_t want = ss - (size_t)(at % ss);
		if (want > len - done)
			want = len - done;
		ssize_t r;
		do
			r = pread(fd, dst + done, want, (off_t)at);
		while (r < 0 && (errno == EINTR || errno == EAGAIN));
		if (r > 0) {
			done += (size_t)r;   /* a short read asks again */
			continue;
		}
		int e = r < 0 ? errno : 0;
		if (r < 0 && source_gone(e))
			return -e;
		if (r == 0 && end_is_error)
			return -ENODATA;
		/* Unreadable, or past an early end: zeros, and say so. */
		memset(dst + done, 0, want);
		if (bad != NULL)
			bad(arg, at, want, e);
		done += want;
	}
	return 0;
}

int source_read(int fd, uint32_t ss, uint8_t *dst, uint64_t off, size_t len,
                int end_is_error, source_bad_fn bad, void *arg)
{
	size_t done = 0;

	if (ss == 0)
		ss = 512;
	while (done < len) {
		ssize_t r = pread(fd, dst + done, len - done, (off_t)(off + done));
		if (r > 0) {
			done += (size_t)r;
			continue;
		}
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0 && source_gone(errno))
			return -errno;
		/* An error or an early end somewhere in what is left: narrow
		 * it down to the sector. */
		return read_sectors(fd, ss, dst + done, off + done, len - done,
		                    end_is_error, bad, arg);
	}
	return 0;
}

void source_close(struct source *src)
{
	if (src->fd_direct >= 0)
		close(src->fd_direct);
	if (src->fd >= 0)
		close(src->fd);
	src->fd = src->fd_direct = -1;
	free(src->path);
	src->path = NULL;
}

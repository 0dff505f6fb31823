/*
 * source_raw.c - the raw source backend: an image file or a block device,
 * read with pread, with its size and sector size.
 *
 * It holds a buffered descriptor and, when asked for and accepted, an
 * O_DIRECT one for the reader's large sequential reads.  A descriptor the
 * caller opened (source_open_fd) is borrowed and never closed here.
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

#include "io/source_backend.h"

struct raw {
	int fd;              /* buffered, O_RDONLY */
	int fd_direct;       /* O_DIRECT, or -1 */
	int borrowed;        /* fd is the caller's */
};

static ssize_t raw_read(const struct source *src, void *buf, size_t len,
                        uint64_t off, unsigned flags)
{
	const struct raw *r = src->impl;
	int fd = r->fd;

	if (flags & SOURCE_DIRECT) {
		if (r->fd_direct < 0)
			return -EINVAL;
		fd = r->fd_direct;
	}
	ssize_t n = pread(fd, buf, len, (off_t)off);
	return n < 0 ? -errno : n;
}

static int raw_fd(const struct source *src, int direct)
{
	const struct raw *r = src->impl;
	int fd = direct ? r->fd_direct : r->fd;

	return fd >= 0 ? fd : -ENOTSUP;
}

static void raw_close(struct source *src)
{
	struct raw *r = src->impl;

	if (r == NULL)
		return;
	if (r->fd_direct >= 0)
		close(r->fd_direct);
	if (r->fd >= 0 && !r->borrowed)
		close(r->fd);
	free(r);
	src->impl = NULL;
}

static const struct source_ops raw_ops = {
	.kind = "raw",
	.read = raw_read,
	.fd = raw_fd,
	.close = raw_close,
};

static int raw_fail(struct source *src, int code, char *err, size_t errlen,
                    const char *path, const char *why)
{
	snprintf(err, errlen, "cannot read source '%s': %s", path, why);
	source_close(src);
	return code;
}

/* Size and sector size of the open descriptor fd; 0, or -errno with why
 * set to the reason. */
static int raw_stat(struct source *src, int fd, const char **why)
{
	struct stat st;

	*why = NULL;
	if (fstat(fd, &st) != 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		*why = "it is a directory, not a disk image or device";
		return -EISDIR;
	}
	if (S_ISREG(st.st_mode)) {
		src->size = (uint64_t)st.st_size;
		src->sector_size = 512;
		src->dev = st.st_dev;
		src->is_file = 1;
	} else if (S_ISBLK(st.st_mode)) {
		src->is_blockdev = 1;
		src->rdev = st.st_rdev;
#if defined(BLKGETSIZE64) && defined(BLKSSZGET)
		uint64_t bytes = 0;
		int ssz = 0;
		if (ioctl(fd, BLKGETSIZE64, &bytes) != 0)
			return -errno;
		src->size = bytes;
		src->sector_size = ioctl(fd, BLKSSZGET, &ssz) == 0 && ssz > 0
		                   ? (uint32_t)ssz : 512;
#else
		*why = "block devices are not supported on this system";
		return -ENOTSUP;
#endif
	} else {
		*why = "not a regular file or block device";
		return -EINVAL;
	}
	return 0;
}

/* Sets src up around r (taking it); 0 or -ENOMEM. */
static int raw_attach(struct source *src, struct raw *r, const char *name)
{
	src->ops = &raw_ops;
	src->impl = r;
	src->path = strdup(name);
	return src->path != NULL ? 0 : -ENOMEM;
}

int source_raw_open(struct source *src, const char *path, int direct,
                    char *err, size_t errlen)
{
	struct raw *r = malloc(sizeof(*r));
	const char *why;

	memset(src, 0, sizeof(*src));
	if (r == NULL)
		return raw_fail(src, -ENOMEM, err, errlen, path,
		                strerror(ENOMEM));
	r->fd_direct = -1;
	r->borrowed = 0;
	r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (r->fd < 0) {
		int e = errno;
		free(r);
		return raw_fail(src, -e, err, errlen, path, strerror(e));
	}
	src->ops = &raw_ops;
	src->impl = r;
	int rc = raw_stat(src, r->fd, &why);
	if (rc != 0)
		return raw_fail(src, rc, err, errlen, path,
		                why ? why : strerror(-rc));
	if (src->size == 0)
		return raw_fail(src, -ENODATA, err, errlen, path,
		                "it is empty (0 bytes)");

	/* Prove the source is readable now rather than deep in a thread.
	 * An unreadable first sector (EIO) is not a reason to give up on a
	 * failing drive: the reader records it like any other. */
	uint8_t probe[512];
	if (pread(r->fd, probe, sizeof(probe), 0) < 0 && errno != EIO) {
		int e = errno;
		return raw_fail(src, -e, err, errlen, path, strerror(e));
	}

	if (direct == 1) {
		r->fd_direct = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
		                    O_DIRECT);
		/* tmpfs and some FUSE file systems refuse O_DIRECT: read
		 * buffered there. */
	}
	if (raw_attach(src, r, path) != 0)
		return raw_fail(src, -ENOMEM, err, errlen, path,
		                strerror(ENOMEM));
	return 0;
}

int source_raw_open_fd(struct source *src, int fd, const char *name)
{
	struct raw *r = malloc(sizeof(*r));
	const char *why;

	memset(src, 0, sizeof(*src));
	if (r == NULL)
		return -ENOMEM;
	r->fd = fd;
	r->fd_direct = -1;
	r->borrowed = 1;
	src->ops = &raw_ops;
	src->impl = r;
	int rc = raw_stat(src, fd, &why);
	if (rc == 0)
		rc = raw_attach(src, r, name);
	if (rc != 0)
		source_close(src);
	return rc;
}

/*
 * source.c - what every source shares, whatever reads it: opening by
 * name, closing, and source_read, the one read path that isolates
 * unreadable sectors so that every stage sees the same bytes.
 *
 * The backends (source_raw.c, source_split.c, source_ewf.c) only supply
 * single reads through struct source_ops; the retrying, the sector
 * isolation and the zero-filling live here, once.  source_open picks the
 * backend: an EWF container by its signature (whatever its name), the
 * first segment of a split image by its name (disk.001 with a disk.002
 * beside it), and anything else raw.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/source_backend.h"
#include "io/source_map.h"

/* Whether path is a regular file that starts like an EWF segment file:
 * "EVF" 09 0D 0A FF 00 (EWF-E01) or "EVF2" 0D 0A 81 00 (EWF2-Ex01). */
static int source_is_ewf(const char *path)
{
	static const uint8_t e01[8] = { 'E', 'V', 'F', 0x09, 0x0d, 0x0a,
	                                0xff, 0x00 };
	static const uint8_t ex01[8] = { 'E', 'V', 'F', '2', 0x0d, 0x0a,
	                                 0x81, 0x00 };
	uint8_t sig[8];
	struct stat st;
	int fd, is = 0;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return 0;
	if (pread(fd, sig, sizeof(sig), 0) == (ssize_t)sizeof(sig))
		is = memcmp(sig, e01, 8) == 0 || memcmp(sig, ex01, 8) == 0;
	close(fd);
	return is;
}

int source_open(struct source *src, const char *path, int direct,
                char *err, size_t errlen)
{
	if (source_is_ewf(path))
		return source_ewf_open(src, path, err, errlen);
	if (source_split_probe(path))
		return source_split_open(src, path, err, errlen);
	return source_raw_open(src, path, direct, err, errlen);
}

int source_open_fd(struct source *src, int fd, const char *name)
{
	return source_raw_open_fd(src, fd, name);
}

void source_close(struct source *src)
{
	source_forget(src);
	if (src->ops != NULL)
		src->ops->close(src);
	src->ops = NULL;
	src->impl = NULL;
	free(src->path);
	src->path = NULL;
}

int source_fd(const struct source *src, int direct)
{
	if (src->ops == NULL)
		return -EBADF;
	return src->ops->fd != NULL ? src->ops->fd(src, direct) : -ENOTSUP;
}

int source_gone(int err)
{
	return err == ENODEV || err == ENXIO || err == ESHUTDOWN ||
	       err == ENOMEDIUM;
}

int source_read_full(const struct source *src, void *buf, size_t len,
                     uint64_t off)
{
	if (source_whole_read(src, buf, len, off) == 0)
		return 0;
	return source_pread_full(src, buf, len, off);
}

int source_pread_full(const struct source *src, void *buf, size_t len,
                      uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = source_pread(src, (uint8_t *)buf + done, len - done,
		                         off + done, 0);
		if (r < 0) {
			if (r == -EINTR)
				continue;
			return (int)r;
		}
		if (r == 0)
			return -EIO;
		done += (size_t)r;
	}
	return 0;
}

ssize_t source_peek(const struct source *src, void *buf, size_t len,
                    uint64_t off)
{
	/* Two blocks: the bytes asked for may cross a block boundary. */
	_Alignas(4096) uint8_t bounce[8192];
	uint64_t at = off & ~(uint64_t)4095;
	size_t skip = (size_t)(off - at);

	if (len > SOURCE_PEEK_MAX)
		len = SOURCE_PEEK_MAX;
	if (src->is_blockdev && off < src->size && source_fd(src, 1) >= 0) {
		size_t want = skip + len <= 4096 ? 4096 : 8192;
		ssize_t r;
		do
			r = source_pread(src, bounce, want, at, SOURCE_DIRECT);
		while (r == -EINTR || r == -EAGAIN);
		if (r > (ssize_t)skip) {
			size_t got = (size_t)r - skip;
			if (got > len)
				got = len;
			memcpy(buf, bounce + skip, got);
			return (ssize_t)got;
		}
		/* Refused, failed or short: the buffered read says why. */
	}
	return source_pread(src, buf, len, off, 0);
}

/* Reads [off, off+len) a sector at a time; see source_read. */
static int read_sectors(const struct source *src, uint32_t ss, uint8_t *dst,
                        uint64_t off, size_t len, int end_is_error,
                        source_bad_fn bad, void *arg)
{
	size_t done = 0;

	while (done < len) {
		uint64_t at = off + done;
		size_t want = ss - (size_t)(at % ss);
		if (want > len - done)
			want = len - done;
		ssize_t r;
		do
			r = source_pread(src, dst + done, want, at, 0);
		while (r == -EINTR || r == -EAGAIN);
		if (r > 0) {
			done += (size_t)r;   /* a short read asks again */
			continue;
		}
		int e = r < 0 ? (int)-r : 0;
		if (r < 0 && source_gone(e)) {
			memset(dst + done, 0, len - done);
			return -e;
		}
		if (r == 0 && end_is_error) {
			memset(dst + done, 0, len - done);
			return -ENODATA;
		}
		/* Unreadable, or past an early end: zeros, and say so. */
		memset(dst + done, 0, want);
		if (bad != NULL)
			bad(arg, at, want, e);
		done += want;
	}
	return 0;
}

int source_read(const struct source *src, uint8_t *dst, uint64_t off,
                size_t len, int end_is_error, source_bad_fn bad, void *arg)
{
	uint32_t ss = src->sector_size ? src->sector_size : 512;
	size_t done = 0;

	if (source_whole_read(src, dst, len, off) == 0)
		return 0;
	while (done < len) {
		ssize_t r = source_pread(src, dst + done, len - done, off + done,
		                         0);
		if (r > 0) {
			done += (size_t)r;
			continue;
		}
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r < 0 && source_gone((int)-r)) {
			memset(dst + done, 0, len - done);
			return (int)r;
		}
		/* An error or an early end somewhere in what is left: narrow
		 * it down to the sector. */
		return read_sectors(src, ss, dst + done, off + done, len - done,
		                    end_is_error, bad, arg);
	}
	return 0;
}

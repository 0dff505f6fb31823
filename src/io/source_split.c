/*
 * source_split.c - the split raw image backend: disk.001, disk.002, ...
 * (or disk.000, ..., or disk.aa, disk.ab, ...) read as one image, the
 * segments concatenated in order.
 *
 * The user names the first segment; the others are found by counting the
 * suffix up in the same width and alphabet until a name does not exist.
 * Segments may have any sizes (split -b, FTK, dd | split all differ), so a
 * read looks its segment up by offset and may run on into the next one.
 * A segment that is missing in the middle (disk.003 absent, disk.004
 * present), unreadable, empty, or not a regular file is an error at open:
 * a silently shorter image would shift nothing but lose everything after
 * the gap.  A missing last segment cannot be told from the end of the set.
 *
 * There is no one descriptor for the whole image, so the fd operation says
 * -ENOTSUP and the reader reads through the read operation (pread engine).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/source_backend.h"

/* How many names past the last segment are looked at for a gap. */
#define SPLIT_GAP_LOOKAHEAD 8
/* A bound on segments, so a hostile folder cannot run us out of fds. */
#define SPLIT_MAX_SEGMENTS 100000

struct segment {
	int fd;
	uint64_t start;      /* image offset of the segment's first byte */
	uint64_t size;
};

struct split {
	struct segment *seg;
	size_t nseg;
};

/* Index of the segment holding image offset off (off < image size). */
static size_t split_find(const struct split *s, uint64_t off)
{
	size_t lo = 0, hi = s->nseg;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->seg[mid].start <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static ssize_t split_read(const struct source *src, void *buf, size_t len,
                          uint64_t off, unsigned flags)
{
	const struct split *s = src->impl;
	size_t done = 0;

	if (flags & SOURCE_DIRECT)
		return -EINVAL;
	if (off >= src->size)
		return 0;
	if (len > src->size - off)
		len = (size_t)(src->size - off);
	size_t i = split_find(s, off);
	while (done < len && i < s->nseg) {
		const struct segment *g = &s->seg[i];
		uint64_t at = off + done - g->start;
		size_t want = len - done;
		if (want > g->size - at)
			want = (size_t)(g->size - at);
		ssize_t n = pread(g->fd, (uint8_t *)buf + done, want, (off_t)at);
		if (n < 0)
			return done > 0 ? (ssize_t)done : -errno;
		if (n == 0)   /* the segment shrank since it was opened */
			break;
		done += (size_t)n;
		if ((size_t)n == want)
			i++;
		else
			break;   /* short: the caller asks again */
	}
	return (ssize_t)done;
}

static int split_fd(const struct source *src, int direct)
{
	(void)src;
	(void)direct;
	return -ENOTSUP;
}

static void split_free(struct split *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nseg; i++)
		if (s->seg[i].fd >= 0)
			close(s->seg[i].fd);
	free(s->seg);
	free(s);
}

static void split_close(struct source *src)
{
	split_free(src->impl);
	src->impl = NULL;
}

static const struct source_ops split_ops = {
	.kind = "split raw image",
	.read = split_read,
	.fd = split_fd,
	.close = split_close,
};

/* Where the counting suffix of path starts (after the last '.'), or 0
 * when path is not the first segment of a set: ".000", ".001" (digits,
 * at least three, the value 0 or 1) or ".aa" (letters, at least two, all
 * 'a').  *alpha tells which. */
static size_t split_suffix(const char *path, int *alpha)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');

	if (dot == NULL || (slash != NULL && dot < slash) || dot == path ||
	    dot[-1] == '/')
		return 0;
	const char *suf = dot + 1;
	size_t n = strlen(suf);
	if (n >= 3 && strspn(suf, "0123456789") == n) {
		for (size_t i = 0; i + 1 < n; i++)
			if (suf[i] != '0')
				return 0;
		if (suf[n - 1] != '0' && suf[n - 1] != '1')
			return 0;
		*alpha = 0;
		return (size_t)(suf - path);
	}
	if (n >= 2 && n <= 4 && strspn(suf, "a") == n) {
		*alpha = 1;
		return (size_t)(suf - path);
	}
	return 0;
}

/* Counts the suffix in name (from at) up by one; 0, or -ERANGE when the
 * width is exhausted. */
static int split_next(char *name, size_t at, int alpha)
{
	for (size_t i = strlen(name); i-- > at;) {
		char lim = alpha ? 'z' : '9';
		if (name[i] != lim) {
			name[i]++;
			return 0;
		}
		name[i] = alpha ? 'a' : '0';
	}
	return -ERANGE;
}

int source_split_probe(const char *path)
{
	int alpha;
	size_t at = split_suffix(path, &alpha);
	struct stat st;

	if (at == 0)
		return 0;
	/* A set is two segments at least; one alone is a plain image.  A
	 * later segment with the second missing is a set with a gap, which
	 * source_split_open refuses. */
	char *next = strdup(path);
	int found = 0;
	for (int k = 0; next != NULL && !found && k <= SPLIT_GAP_LOOKAHEAD; k++) {
		if (split_next(next, at, alpha) != 0)
			break;
		found = stat(next, &st) == 0;
	}
	free(next);
	return found;
}

static int split_fail(struct source *src, struct split *s, int code,
                      char *err, size_t errlen, const char *path,
                      const char *why)
{
	snprintf(err, errlen, "cannot read split image '%s': %s", path, why);
	split_free(s);
	src->impl = NULL;
	source_close(src);
	return code;
}

/* Opens one segment into g; 0 or -errno with *why set. */
static int split_segment(struct segment *g, const char *name, const char **why)
{
	struct stat st;

	*why = NULL;
	g->fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (g->fd < 0)
		return -errno;
	if (fstat(g->fd, &st) != 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		*why = "is a directory, not an image segment";
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "is not a regular file";
		return -EINVAL;
	}
	if (st.st_size == 0) {
		*why = "is empty (0 bytes)";
		return -ENODATA;
	}
	g->size = (uint64_t)st.st_size;
	return 0;
}

int source_split_open(struct source *src, const char *path, char *err,
                      size_t errlen)
{
	struct split *s = calloc(1, sizeof(*s));
	int alpha = 0;
	size_t at = split_suffix(path, &alpha), cap = 0;
	char *name = strdup(path);
	struct stat st;
	const char *why = NULL;
	char msg[4096 + 64];
	int rc = 0, full = 0;

	memset(src, 0, sizeof(*src));
	src->path = strdup(path);
	if (s == NULL || name == NULL || src->path == NULL || at == 0) {
		free(name);
		return split_fail(src, s, at == 0 ? -EINVAL : -ENOMEM, err,
		                  errlen, path, at == 0 ? "not the first "
		                  "segment of a set" : strerror(ENOMEM));
	}
	src->ops = &split_ops;
	for (;;) {
		if (s->nseg == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct segment *g = realloc(s->seg, ncap * sizeof(*g));
			if (g == NULL) {
				rc = -ENOMEM;
				break;
			}
			s->seg = g;
			cap = ncap;
		}
		struct segment *g = &s->seg[s->nseg];
		g->start = src->size;
		rc = split_segment(g, name, &why);
		if (rc == -ENOENT && s->nseg > 0) {
			rc = 0;
			break;   /* the end of the set, unless a gap follows */
		}
		s->nseg++;
		if (rc != 0)
			break;
		src->size += g->size;
		if (s->nseg >= SPLIT_MAX_SEGMENTS) {
			rc = -E2BIG;
			why = "too many segments";
			break;
		}
		if (split_next(name, at, alpha) != 0) {
			full = 1;   /* every name of this width is taken */
			break;
		}
	}
	if (rc != 0) {
		snprintf(msg, sizeof(msg), why ? "segment '%s' %s" :
		         "segment '%s': %s", name, why ? why : strerror(-rc));
		free(name);
		return split_fail(src, s, rc, err, errlen, path, msg);
	}
	/* name is the first missing one: a segment after it means a gap. */
	char *probe = full ? NULL : strdup(name);
	for (int k = 0; probe != NULL && k < SPLIT_GAP_LOOKAHEAD; k++) {
		if (split_next(probe, at, alpha) != 0)
			break;
		if (stat(probe, &st) == 0) {
			snprintf(msg, sizeof(msg), "segment '%s' is missing, "
			         "but '%s' exists", name, probe);
			free(probe);
			free(name);
			return split_fail(src, s, -ENOENT, err, errlen, path,
			                  msg);
		}
	}
	free(probe);
	free(name);
	if (fstat(s->seg[0].fd, &st) == 0)
		src->dev = st.st_dev;
	src->impl = s;
	src->sector_size = 512;
	return 0;
}

/*
 * source_ewf.c - the E01 (Expert Witness Format) backend, through libewf:
 * the media data of case.E01 and the case.E02 ... segments libewf's glob
 * finds next to it.  Offsets are media offsets, so every report speaks of
 * the imaged disk, not of the container files.
 *
 * Unreadable media: the sectors the acquisition could not read (the
 * container's acquiry error list) and the chunks whose checksum or
 * compressed data is found damaged while reading (libewf's checksum error
 * list, which grows as chunks are read) are answered with -EIO, so that
 * source_read isolates them to the sector, zero-fills and records them like
 * a bad sector on a drive.  A read that libewf itself fails is -EIO too.
 *
 * A libewf handle must not be used by two threads at once.  The scan reads
 * from the reader thread and from every validator, so the handle sits
 * behind a mutex.  A pool of four handles (a read takes a free one) was
 * measured against it on a 1.4 GiB E01 with 2 threads: 1.5-1.7 s against
 * 1.7-2.0 s, for 20 MiB more memory and every handle reading the
 * container's tables again.  The single reader thread's decompression and
 * checksums are what costs, and no number of handles makes those parallel,
 * so one handle it is.  There is no descriptor of the media, so the fd
 * operation says -ENOTSUP and the reader reads through the read operation.
 */
#include "config.h"

#include <errno.h>
#include <libewf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/source_backend.h"

/* An unreadable byte range of the media. */
struct ewf_bad {
	uint64_t off, len;
};

struct ewf {
	pthread_mutex_t lock;        /* guards everything below */
	libewf_handle_t *h;
	struct ewf_bad *bad;         /* acquiry and checksum errors */
	size_t nbad, capbad;
	uint32_t nchecksum;          /* checksum errors copied into bad */
	uint32_t bps;                /* bytes per sector */
};

/* Adds [first sector, +count) to the bad ranges; 0 or -ENOMEM. */
static int ewf_add_bad(struct ewf *e, uint64_t first, uint64_t count)
{
	if (e->nbad == e->capbad) {
		size_t ncap = e->capbad ? e->capbad * 2 : 16;
		struct ewf_bad *b = realloc(e->bad, ncap * sizeof(*b));
		if (b == NULL)
			return -ENOMEM;
		e->bad = b;
		e->capbad = ncap;
	}
	e->bad[e->nbad].off = first * e->bps;
	e->bad[e->nbad].len = count * e->bps;
	e->nbad++;
	return 0;
}

/* Copies checksum errors libewf found since the last call (lock held). */
static void ewf_sync_checksum(struct ewf *e)
{
	uint32_t n = 0;

	if (libewf_handle_get_number_of_checksum_errors(e->h, &n, NULL) != 1)
		return;
	for (; e->nchecksum < n; e->nchecksum++) {
		uint64_t first, count;
		if (libewf_handle_get_checksum_error(e->h, e->nchecksum, &first,
		                                     &count, NULL) != 1 ||
		    ewf_add_bad(e, first, count) != 0)
			break;
	}
}

/* The first bad byte in [off, off+len), or off+len when none (lock
 * held). */
static uint64_t ewf_first_bad(const struct ewf *e, uint64_t off, uint64_t len)
{
	uint64_t first = off + len;

	for (size_t i = 0; i < e->nbad; i++) {
		const struct ewf_bad *b = &e->bad[i];
		if (b->off < off + len && b->off + b->len > off) {
			uint64_t at = b->off > off ? b->off : off;
			if (at < first)
				first = at;
		}
	}
	return first;
}

static ssize_t ewf_read(const struct source *src, void *buf, size_t len,
                        uint64_t off, unsigned flags)
{
	struct ewf *e = src->impl;
	ssize_t n;

	if (flags & SOURCE_DIRECT)
		return -EINVAL;
	if (off >= src->size)
		return 0;
	if (len > src->size - off)
		len = (size_t)(src->size - off);
	pthread_mutex_lock(&e->lock);
	n = libewf_handle_read_random(e->h, buf, len, (off64_t)off, NULL);
	if (n >= 0) {
		ewf_sync_checksum(e);
		/* Good bytes before a bad range are a short read; a read
		 * starting in one fails, and source_read narrows it down. */
		uint64_t bad = ewf_first_bad(e, off, (uint64_t)n);
		if (bad < off + (uint64_t)n)
			n = bad > off ? (ssize_t)(bad - off) : -EIO;
	} else {
		n = -EIO;
	}
	pthread_mutex_unlock(&e->lock);
	return n;
}

static int ewf_fd(const struct source *src, int direct)
{
	(void)src;
	(void)direct;
	return -ENOTSUP;
}

static void ewf_free(struct ewf *e)
{
	if (e == NULL)
		return;
	if (e->h != NULL) {
		libewf_handle_close(e->h, NULL);
		libewf_handle_free(&e->h, NULL);
	}
	pthread_mutex_destroy(&e->lock);
	free(e->bad);
	free(e);
}

static void ewf_close(struct source *src)
{
	ewf_free(src->impl);
	src->impl = NULL;
}

static const struct source_ops ewf_ops = {
	.kind = "E01 container",
	.read = ewf_read,
	.fd = ewf_fd,
	.close = ewf_close,
};

/* libewf's innermost reason (the first line of its backtrace, without the
 * function name), into buf; frees error. */
static const char *ewf_why(libewf_error_t *error, char *buf, size_t len)
{
	char trace[1024];

	snprintf(buf, len, "libewf cannot open it");
	if (error == NULL)
		return buf;
	if (libewf_error_backtrace_sprint(error, trace, sizeof(trace)) > 0) {
		trace[strcspn(trace, "\n")] = '\0';
		const char *why = strstr(trace, ": ");
		why = why != NULL ? why + 2 : trace;
		size_t n = strlen(why);
		while (n > 0 && (why[n - 1] == '.' || why[n - 1] == ' '))
			n--;
		snprintf(buf, len, "libewf cannot open it: %.*s", (int)n, why);
	}
	libewf_error_free(&error);
	return buf;
}

static int ewf_fail(struct source *src, struct ewf *e, int code, char *err,
                    size_t errlen, const char *path, const char *why)
{
	snprintf(err, errlen, "cannot read E01 image '%s': %s", path, why);
	if (src->impl != e)
		ewf_free(e);   /* else source_close frees it */
	source_close(src);
	return code;
}

int source_ewf_open(struct source *src, const char *path, char *err,
                    size_t errlen)
{
	struct ewf *e = calloc(1, sizeof(*e));
	libewf_error_t *error = NULL;
	char **names = NULL;
	int nnames = 0;
	char why[512];
	struct stat st;

	memset(src, 0, sizeof(*src));
	if (e == NULL)
		return ewf_fail(src, NULL, -ENOMEM, err, errlen, path,
		                strerror(ENOMEM));
	pthread_mutex_init(&e->lock, NULL);
	/* The glob knows the segment names (.E01, .E02 ... .EAA ...); a file
	 * with another extension is opened alone, as a one-segment set. */
	char *alone[1] = { (char *)path };
	int globbed = libewf_glob(path, strlen(path), LIBEWF_FORMAT_UNKNOWN,
	                          &names, &nnames, NULL) == 1;
	if (!globbed) {
		names = alone;
		nnames = 1;
	}
	int ok = libewf_handle_initialize(&e->h, &error) == 1 &&
	         libewf_handle_open(e->h, names, nnames, LIBEWF_OPEN_READ,
	                            &error) == 1;
	if (globbed)
		libewf_glob_free(names, nnames, NULL);
	if (!ok)
		return ewf_fail(src, e, -EINVAL, err, errlen, path,
		                ewf_why(error, why, sizeof(why)));
	/* A truncated segment or a missing one leaves libewf without the
	 * tables that say where the media lies: every read would fail, and a
	 * scan of zeros helps nobody.  A damaged chunk is not this: it is
	 * found while reading and costs only its sectors. */
	if (libewf_handle_segment_files_corrupted(e->h, NULL) == 1) {
		snprintf(why, sizeof(why), "the container is incomplete (%d "
		         "segment file%s found; one is truncated, or the next "
		         "one is missing)", nnames, nnames == 1 ? "" : "s");
		return ewf_fail(src, e, -EINVAL, err, errlen, path, why);
	}
	size64_t size = 0;
	uint32_t bps = 0, nacq = 0;
	if (libewf_handle_get_media_size(e->h, &size, &error) != 1 ||
	    libewf_handle_get_bytes_per_sector(e->h, &bps, &error) != 1)
		return ewf_fail(src, e, -EINVAL, err, errlen, path,
		                ewf_why(error, why, sizeof(why)));
	if (size == 0)
		return ewf_fail(src, e, -ENODATA, err, errlen, path,
		                "its media is empty (0 bytes)");
	/* Damaged chunks read as zeros (and are listed), never as the
	 * damaged bytes. */
	libewf_handle_set_read_zero_chunk_on_error(e->h, 1, NULL);
	e->bps = bps ? bps : 512;
	if (libewf_handle_get_number_of_acquiry_errors(e->h, &nacq, NULL) == 1)
		for (uint32_t i = 0; i < nacq; i++) {
			uint64_t first, count;
			if (libewf_handle_get_acquiry_error(e->h, i, &first,
			                                    &count, NULL) == 1 &&
			    ewf_add_bad(e, first, count) != 0)
				return ewf_fail(src, e, -ENOMEM, err, errlen,
				                path, strerror(ENOMEM));
		}
	src->ops = &ewf_ops;
	src->impl = e;
	src->size = (uint64_t)size;
	src->sector_size = e->bps;
	if (stat(path, &st) == 0)
		src->dev = st.st_dev;
	src->path = strdup(path);
	if (src->path == NULL)
		return ewf_fail(src, e, -ENOMEM, err, errlen, path,
		                strerror(ENOMEM));
	return 0;
}

/*
 * test_thumb.c - report.html's thumbnails: an EXIF thumbnail costs no
 * decoding budget, a photo without one is decoded only within the budget,
 * and a thumbnail is never larger than THUMB_MAX a side.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "fmt_util.h"
#include "out/thumb.h"

/* Copies tests/data/NAME into dir as NAME's base name. */
static void put(int dirfd, const char *name, const char *as, size_t *len)
{
	uint8_t *d = tu_load_data(name, len);
	int fd = openat(dirfd, as, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, d, *len) != (ssize_t)*len)
		tap_bail("cannot write a test file");
	close(fd);
	free(d);
}

/* Width and height from a baseline JPEG's SOF0 (what encode writes). */
static int dims(int dirfd, const char *name, unsigned *w, unsigned *h)
{
	uint8_t b[4096];
	int fd = openat(dirfd, name, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, b, sizeof(b)) : -1;

	if (fd >= 0)
		close(fd);
	for (ssize_t i = 2; i + 9 < n; i++)
		if (b[i] == 0xFF && (b[i + 1] == 0xC0 || b[i + 1] == 0xC1)) {
			*h = (unsigned)b[i + 5] << 8 | b[i + 6];
			*w = (unsigned)b[i + 7] << 8 | b[i + 8];
			return 0;
		}
	return -1;
}

int main(void)
{
	char tmpl[] = "/tmp/dredge-thumb.XXXXXX";
	char *dir = mkdtemp(tmpl);
	int dirfd = dir ? open(dir, O_RDONLY | O_DIRECTORY) : -1;
	size_t plain, exif;
	struct stat st;
	unsigned w = 0, h = 0;
	uint64_t budget;

	if (dirfd < 0)
		tap_bail("no scratch folder");
	put(dirfd, "jpeg/baseline.jpg", "plain.jpg", &plain);
	put(dirfd, "jpeg/exif_thumb.jpg", "exif.jpg", &exif);

	budget = 0;
	is_u64(thumb_jpeg(dirfd, "exif.jpg", "t-exif.jpg", &budget), 0,
	       "an EXIF thumbnail is used with no decoding budget left");
	int got = dims(dirfd, "t-exif.jpg", &w, &h);
	ok(got == 0 && w > 0 && h > 0 && w <= THUMB_MAX && h <= THUMB_MAX,
	   "... and fits %u pixels (%u x %u)", THUMB_MAX, w, h);

	budget = plain - 1;
	is_u64((uint64_t)(int64_t)thumb_jpeg(dirfd, "plain.jpg", "t-plain.jpg",
	                                     &budget),
	       (uint64_t)(int64_t)-EFBIG,
	       "a photo without one, over the budget: -EFBIG");
	ok(fstatat(dirfd, "t-plain.jpg", &st, 0) != 0 &&
	   fstatat(dirfd, "t-plain.jpg.part", &st, 0) != 0,
	   "... and no thumbnail file, not even a part");
	is_u64(budget, plain - 1, "... and the budget is untouched");

	budget = plain + 100;
	is_u64(thumb_jpeg(dirfd, "plain.jpg", "t-plain.jpg", &budget), 0,
	       "within the budget it is decoded");
	is_u64(budget, 100, "... and its size is taken off the budget");
	got = dims(dirfd, "t-plain.jpg", &w, &h);
	ok(got == 0 && w > 0 && w <= THUMB_MAX && h <= THUMB_MAX, "... and fits %u pixels (%u x %u)", THUMB_MAX, w, h);

	budget = 1u << 20;
	ok(thumb_jpeg(dirfd, "missing.jpg", "t-m.jpg", &budget) < 0,
	   "a missing file: an error, no thumbnail");

	/* A FIFO where a photo was (an output folder edited by hand): the
	 * open must not wait for a writer. */
	if (mkfifoat(dirfd, "fifo.jpg", 0644) != 0)
		tap_bail("mkfifo");
	budget = 1u << 20;
	is_u64((uint64_t)(int64_t)thumb_jpeg(dirfd, "fifo.jpg", "t-f.jpg",
	                                     &budget),
	       (uint64_t)(int64_t)-EINVAL,
	       "a FIFO in a photo's place: -EINVAL at once, no thumbnail");

	const char *names[] = { "plain.jpg", "exif.jpg", "t-exif.jpg",
	                        "t-plain.jpg", "fifo.jpg" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlinkat(dirfd, names[i], 0);
	close(dirfd);
	rmdir(dir);
	return tap_done();
}

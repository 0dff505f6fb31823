/*
 * test_source_split.c - a split raw image reads as its segments
 * concatenated: segments of odd sizes (1 byte, 511, 513, ...), reads of
 * every length at every kind of offset across the boundaries, through the
 * backend's one read and through source_read; the names it accepts as a
 * first segment; and the sets it refuses.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "io/source.h"

static char dir[] = "/tmp/dredge-test-split-XXXXXX";

static void put(const char *name, const uint8_t *data, size_t len)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		tap_bail("writing a segment");
	close(fd);
}

static int open_src(struct source *src, const char *name, char *err,
                    size_t errlen)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err[0] = '\0';
	return source_open(src, path, 0, err, errlen);
}

static void test_concat(void)
{
	static const size_t sizes[] = { 1000, 1, 511, 513, 4096, 7, 70000,
	                                2 };
	const size_t nseg = sizeof(sizes) / sizeof(sizes[0]);
	size_t total = 0;
	uint8_t *img, *buf;
	char name[32], err[512];
	struct source src;

	for (size_t i = 0; i < nseg; i++)
		total += sizes[i];
	img = malloc(total);
	buf = malloc(total + 1024);
	if (img == NULL || buf == NULL)
		tap_bail("malloc");
	srand(7);
	for (size_t i = 0; i < total; i++)
		img[i] = (uint8_t)rand();
	size_t at = 0;
	for (size_t i = 0; i < nseg; i++) {
		snprintf(name, sizeof(name), "disk.%03zu", i + 1);
		put(name, img + at, sizes[i]);
		at += sizes[i];
	}

	ok(open_src(&src, "disk.001", err, sizeof(err)) == 0,
	   "eight segments open as one source (%s)", err);
	is_u64(src.size, total, "its size is the sum of the segments");
	is_u64(src.sector_size, 512, "sector size 512");
	ok(source_fd(&src, 0) < 0, "it has no single descriptor");

	/* Every length from every offset near each boundary, one read. */
	int bad = 0, checked = 0;
	at = 0;
	for (size_t i = 0; i < nseg; i++) {
		at += sizes[i];
		for (size_t d = 0; d < 5; d++) {
			uint64_t off = at > d ? at - d : 0;
			for (size_t len = 1; len < 1100; len += 37) {
				size_t want = off + len <= total ? len
				              : total - off;
				memset(buf, 0xee, len);
				ssize_t n = source_pread(&src, buf, len, off, 0);
				checked++;
				if (n != (ssize_t)want ||
				    memcmp(buf, img + off, want) != 0)
					bad++;
			}
		}
	}
	ok(bad == 0, "%d reads across segment boundaries return the "
	   "concatenated bytes (%d wrong)", checked, bad);

	/* Random reads through source_read, the path every stage uses. */
	bad = 0;
	for (int k = 0; k < 2000; k++) {
		uint64_t off = (uint64_t)rand() % total;
		size_t len = (size_t)rand() % (total - off) + 1;
		if (source_read(&src, buf, off, len, 1, NULL, NULL) != 0 ||
		    memcmp(buf, img + off, len) != 0)
			bad++;
	}
	ok(bad == 0, "2000 random source_reads match (%d wrong)", bad);
	ok(source_pread(&src, buf, 10, total, 0) == 0, "a read at the end "
	   "gives 0");
	ok(source_read(&src, buf, total - 5, 10, 1, NULL, NULL) == -ENODATA,
	   "a read past the end with end_is_error: -ENODATA");
	ok(source_pread(&src, buf, 4096, 0, SOURCE_DIRECT) == -EINVAL,
	   "O_DIRECT is refused");
	source_close(&src);

	/* Naming the second segment reads it alone. */
	ok(open_src(&src, "disk.002", err, sizeof(err)) == 0 &&
	   src.size == sizes[1], "disk.002 named alone is a 1-byte image");
	source_close(&src);
	free(img);
	free(buf);
}

static void test_names(void)
{
	static const uint8_t a[300] = { 1 }, b[200] = { 2 };
	char err[512];
	struct source src;

	put("x.aa", a, sizeof(a));
	put("x.ab", b, sizeof(b));
	ok(open_src(&src, "x.aa", err, sizeof(err)) == 0 && src.size == 500,
	   "x.aa, x.ab: one 500-byte source (%s)", err);
	source_close(&src);

	put("y.000", a, sizeof(a));
	put("y.001", b, sizeof(b));
	put("y.002", b, sizeof(b));
	ok(open_src(&src, "y.000", err, sizeof(err)) == 0 && src.size == 700,
	   "y.000 .. y.002 (split -d): one 700-byte source");
	source_close(&src);

	put("z.001", a, sizeof(a));
	ok(open_src(&src, "z.001", err, sizeof(err)) == 0 && src.size == 300 &&
	   source_fd(&src, 0) >= 0, "a lone z.001 is a raw image");
	source_close(&src);

	put("g.001", a, sizeof(a));
	put("g.002", b, sizeof(b));
	put("g.004", b, sizeof(b));
	ok(open_src(&src, "g.001", err, sizeof(err)) == -ENOENT &&
	   strstr(err, "g.003' is missing, but '") != NULL &&
	   strstr(err, "g.004' exists") != NULL, "a gap is refused: %s", err);

	put("e.001", a, sizeof(a));
	put("e.002", a, 0);
	put("e.003", b, sizeof(b));
	ok(open_src(&src, "e.001", err, sizeof(err)) == -ENODATA &&
	   strstr(err, "e.002' is empty") != NULL,
	   "an empty segment is refused: %s", err);
}

int main(void)
{
	if (mkdtemp(dir) == NULL)
		tap_bail("mkdtemp");
	test_concat();
	test_names();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_bail("rm");
	return tap_done();
}

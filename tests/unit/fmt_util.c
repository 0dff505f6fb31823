/*
 * fmt_util.c - shared by the format validator tests and the fuzz drivers.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include "fmt_util.h"

const char *tu_datadir(void)
{
	const char *d = getenv("DREDGE_TEST_DATA");
	if (d != NULL)
		return d;
	const char *src = getenv("srcdir");
	static char buf[4096];
	snprintf(buf, sizeof(buf), "%s/tests/data", src ? src : ".");
	return buf;
}

uint8_t *tu_load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		printf("Bail out! cannot open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		if (buf == NULL)
			abort();
		size_t r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	*len = n;
	return buf;
}

uint8_t *tu_load_data(const char *name, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", tu_datadir(), name);
	return tu_load(path, len);
}

enum carve_verdict tu_validate(const struct format *fmt, const uint8_t *buf,
                               size_t len, size_t off,
                               struct carve_result *res)
{
	return tu_validate_thorough(fmt, buf, len, off, false, res);
}

/* A memfd holding buf, for a source; exits on failure. */
static int tu_memfd(const uint8_t *buf, size_t len)
{
	int fd = memfd_create("dredge-test", MFD_CLOEXEC);

	if (fd < 0) {
		printf("Bail out! memfd_create: %s\n", strerror(errno));
		exit(1);
	}
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, buf + done, len - done);
		if (w <= 0) {
			printf("Bail out! write: %s\n", strerror(errno));
			exit(1);
		}
		done += (size_t)w;
	}
	return fd;
}

/* Validates the bytes of buf the extents ext[0..n) name, in their order,
 * with the reader's thorough flag as given; aborts on a length past the
 * reader. */
enum carve_verdict tu_validate_extents(const struct format *fmt,
                                       const uint8_t *buf, size_t len,
                                       const struct extent *ext, unsigned n,
                                       bool thorough,
                                       struct carve_result *res)
{
	struct bread br;
	struct source src;
	int fd = tu_memfd(buf, len);

	memset(res, 0, sizeof(*res));
	if (source_open_fd(&src, fd, "fmt") != 0 ||
	    bread_open_extents(&br, &src, ext, n, 0) != 0)
		abort();
	if (fmt->max_size != 0)
		bread_limit(&br, fmt->max_size);
	br.thorough = thorough;
	fmt->validate(&br, res);
	uint64_t size = bread_size(&br);
	bread_close(&br);
	source_close(&src);
	close(fd);
	if (res->verdict != CARVE_REJECT && res->length > size) {
		printf("# validator %s claimed %llu bytes of %llu\n", fmt->name,
		       (unsigned long long)res->length,
		       (unsigned long long)size);
		abort();
	}
	return res->verdict;
}

enum carve_verdict tu_validate_pieces(const struct format *fmt,
                                      const uint8_t *buf, size_t len,
                                      bool thorough,
                                      struct carve_result *res)
{
	size_t a = len / 3, b = len - len / 3;
	struct extent ext[3] = {
		{ 0, a }, { b, len - b }, { a, b - a },
	};

	return tu_validate_extents(fmt, buf, len, ext, 3, thorough, res);
}

enum carve_verdict tu_validate_thorough(const struct format *fmt,
                                        const uint8_t *buf, size_t len,
                                        size_t off, bool thorough,
                                        struct carve_result *res)
{
	struct extent one = { off, off <= len ? len - off : 0 };

	return tu_validate_extents(fmt, buf, len, &one, 1, thorough, res);
}

const char *tu_meta(const struct carve_result *res, const char *key)
{
	for (unsigned i = 0; i < res->nmeta; i++)
		if (strcmp(res->meta[i].key, key) == 0)
			return res->meta[i].val;
	return NULL;
}

void tu_hash_hex(const void *buf, size_t len, char out[33])
{
	XXH128_hash_t h = XXH3_128bits(buf, len);
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, h);
	for (int i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", c.digest[i]);
	out[32] = '\0';
}

void tu_random(uint8_t *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed ? seed : 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < len; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		buf[i] = (uint8_t)((x * 0x2545f4914f6cdd1dull) >> 56);
	}
}

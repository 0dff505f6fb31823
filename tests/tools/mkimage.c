/*
 * mkimage.c - builds a test drive image from a seed.
 *
 *   mkimage -o IMG -z SIZE [-s SEED] [-f random|zero] PLANT...
 *
 * The image is SIZE bytes of filler made from SEED, with each PLANT written
 * over it:
 *   FILE@OFFSET          the whole file at OFFSET
 *   FILE@OFFSET+LEN      only its first LEN bytes (a truncated copy)
 *   FILE:SKIP+LEN@OFFSET its bytes [SKIP, SKIP+LEN) at OFFSET: one
 *                        fragment of a file written in pieces (FILE:SKIP
 *                        alone: from SKIP to its end).  A test writes a
 *                        fragmented file as one such plant per fragment,
 *                        with whatever it likes between them (random
 *                        filler, rand:, zeros via hex:, other files, or the
 *                        fragments of another file interleaved)
 *   hex:HEXBYTES@OFFSET  raw bytes (false signatures, damage)
 *   rand:LEN@OFFSET      LEN seeded random bytes (overwrites, garbage)
 *   FILE@OFFSET/STEP, hex:HEXBYTES@OFFSET/STEP
 *                        the same at OFFSET and every STEP bytes after it,
 *                        as far as it fits (dense hostile images)
 * OFFSET and LEN accept K/M/G suffixes.  Repeated plants go down first,
 * then the others in order.  A sparse image is made when the
 * filler is zero.  Images are generated into the build folder by the tests
 * and the benchmarks; the same seed gives the same bytes on every machine.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	/* xorshift64*: fast, and the same on every platform. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void rng_fill(uint8_t *buf, size_t len)
{
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t v = rng_next();
		memcpy(buf + i, &v, 8);
	}
	if (i < len) {
		uint64_t v = rng_next();
		memcpy(buf + i, &v, len - i);
	}
}

static int parse_size(const char *s, uint64_t *out, const char **end)
{
	char *e;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 0);
	if (errno || e == s)
		return -1;
	if (*e == 'K' || *e == 'k') { v <<= 10; e++; }
	else if (*e == 'M' || *e == 'm') { v <<= 20; e++; }
	else if (*e == 'G' || *e == 'g') { v <<= 30; e++; }
	*out = v;
	if (end)
		*end = e;
	return 0;
}

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkimage: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void pwrite_all(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t w = pwrite(fd, buf, len, (off_t)off);
		if (w <= 0)
			die("write failed: %s", strerror(errno));
		buf += w;
		len -= (size_t)w;
		off += (uint64_t)w;
	}
}

/* A repeated plant: blen bytes at off, off + step, ... */
struct repeat {
	uint8_t *buf;
	size_t blen;
	uint64_t off, step;
};

static void plant(int fd, uint64_t size, const char *spec, uint64_t seed,
                  struct repeat *rep)
{
	char *at = strrchr(spec, '@');
	uint64_t off, len = UINT64_MAX, step = 0;
	const char *e;

	if (at == NULL)
		die("plant '%s' has no @OFFSET", spec);
	if (parse_size(at + 1, &off, &e) != 0)
		die("bad offset in '%s'", spec);
	if (*e == '+' && parse_size(e + 1, &len, &e) != 0)
		die("bad length in '%s'", spec);
	if (*e == '/' && (parse_size(e + 1, &step, &e) != 0 || step == 0))
		die("bad step in '%s'", spec);
	if (*e != '\0')
		die("trailing text in '%s'", spec);
	if ((step != 0) != (rep != NULL))
		return;   /* not this pass */

	size_t nlen = (size_t)(at - spec);
	char *what = strndup(spec, nlen);
	uint8_t *buf = NULL;
	size_t blen = 0;

	if (strncmp(what, "hex:", 4) == 0) {
		const char *h = what + 4;
		blen = strlen(h) / 2;
		buf = malloc(blen + 1);
		for (size_t i = 0; i < blen; i++) {
			unsigned v;
			if (sscanf(h + 2 * i, "%2x", &v) != 1)
				die("bad hex in '%s'", spec);
			buf[i] = (uint8_t)v;
		}
	} else if (strncmp(what, "rand:", 5) == 0) {
		uint64_t n;
		if (parse_size(what + 5, &n, NULL) != 0 || n > (1ull << 32))
			die("bad length in '%s'", spec);
		blen = (size_t)n;
		buf = malloc(blen + 1);
		uint64_t save = rng_state;
		rng_state = seed ^ (off * 0x9e3779b97f4a7c15ull) ^ n;
		if (rng_state == 0)
			rng_state = 1;
		rng_fill(buf, blen);
		rng_state = save;
	} else {
		/* FILE:SKIP[+LEN]: a byte range of the file */
		uint64_t skip = 0, rlen = UINT64_MAX;
		char *colon = strrchr(what, ':');
		if (colon != NULL) {
			const char *re;
			if (parse_size(colon + 1, &skip, &re) != 0 ||
			    (*re == '+' && parse_size(re + 1, &rlen, &re) != 0) ||
			    *re != '\0')
				die("bad byte range in '%s'", spec);
			*colon = '\0';
		}
		FILE *f = fopen(what, "rb");
		if (f == NULL)
			die("cannot open '%s'", what);
		fseek(f, 0, SEEK_END);
		long fl = ftell(f);
		fseek(f, 0, SEEK_SET);
		blen = (size_t)fl;
		buf = malloc(blen + 1);
		if (fread(buf, 1, blen, f) != blen)
			die("cannot read '%s'", what);
		fclose(f);
		if (skip > blen)
			die("plant '%s' starts past the end of its file", spec);
		memmove(buf, buf + skip, blen - (size_t)skip);
		blen -= (size_t)skip;
		if (rlen < blen)
			blen = (size_t)rlen;
	}
	if (len < blen)
		blen = (size_t)len;
	if (off > size || blen > size - off)
		die("plant '%s' runs past the image end", spec);
	free(what);
	if (rep != NULL) {
		if (blen == 0 || blen > step)
			die("plant '%s' is longer than its step", spec);
		rep->buf = buf;
		rep->blen = blen;
		rep->off = off;
		rep->step = step;
		return;
	}
	pwrite_all(fd, buf, blen, off);
	free(buf);
}

/* Lays the repeated plants over block [boff, boff+n) of the image. */
static void overlay(uint8_t *block, uint64_t boff, size_t n, uint64_t size,
                    const struct repeat *r, int nrep)
{
	for (int i = 0; i < nrep; i++) {
		uint64_t k = boff > r[i].off
		             ? (boff - r[i].off + r[i].step - 1) / r[i].step : 0;
		/* the occurrence that may start before the block */
		if (k > 0)
			k--;
		for (uint64_t at = r[i].off + k * r[i].step;
		     at < boff + n; at += r[i].step) {
			if (at + r[i].blen > size)
				break;   /* only whole copies */
			for (size_t j = 0; j < r[i].blen; j++)
				if (at + j >= boff && at + j < boff + n)
					block[at + j - boff] = r[i].buf[j];
		}
	}
}

int main(int argc, char **argv)
{
	const char *out = NULL, *fill = "random";
	uint64_t size = 0, seed = 1;
	int c;

	while ((c = getopt(argc, argv, "o:z:s:f:")) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'z':
			if (parse_size(optarg, &size, NULL) != 0)
				die("bad size '%s'", optarg);
			break;
		case 's':
			if (parse_size(optarg, &seed, NULL) != 0)
				die("bad seed '%s'", optarg);
			break;
		case 'f': fill = optarg; break;
		default:
			fprintf(stderr, "usage: mkimage -o IMG -z SIZE [-s SEED] "
			        "[-f random|zero] PLANT...\n");
			return 2;
		}
	}
	if (out == NULL || size == 0)
		die("need -o IMG and -z SIZE");
	rng_state = seed ? seed * 0x9e3779b97f4a7c15ull : 1;

	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("cannot create '%s'", out);
	if (ftruncate(fd, (off_t)size) != 0)
		die("cannot size '%s'", out);
	struct repeat *reps = calloc((size_t)argc, sizeof(*reps));
	int nrep = 0;
	for (int i = optind; i < argc; i++) {
		plant(fd, size, argv[i], seed, &reps[nrep]);
		nrep += reps[nrep].buf != NULL;
	}
	int random = strcmp(fill, "random") == 0;
	if (!random && strcmp(fill, "zero") != 0)
		die("unknown filler '%s'", fill);
	if (random || nrep > 0) {
		size_t bs = 1 << 20;
		uint8_t *buf = malloc(bs);
		for (uint64_t off = 0; off < size; off += bs) {
			size_t n = size - off < bs ? (size_t)(size - off) : bs;
			if (random)
				rng_fill(buf, n);
			else
				memset(buf, 0, n);
			overlay(buf, off, n, size, reps, nrep);
			pwrite_all(fd, buf, n, off);
		}
		free(buf);
	}
	for (int i = 0; i < nrep; i++)
		free(reps[i].buf);
	free(reps);
	for (int i = optind; i < argc; i++)
		plant(fd, size, argv[i], seed, NULL);
	if (close(fd) != 0)
		die("cannot write '%s'", out);
	return 0;
}

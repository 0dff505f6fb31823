/*
 * test_rar.c - the RAR validator.  RAR archives cannot be made with free
 * tools (rar is non-free), so the samples (tests/data/rar/make.sh) are
 * written byte by byte from the format descriptions, with stored members
 * and right CRCs (7-Zip reads and tests them).  Here they are embedded in
 * random bytes and cut short, and edited into hostile variants (with their
 * header CRCs made right again, so that the walk reaches the bad field).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "fmt_util.h"
#include "img_check.h"
#include "common/crc32.h"

extern const struct format format_rar;

static const struct sample {
	const char *file;
	const char *version;
	const char *files;
} samples[] = {
	{ "rar/v4.rar", "4", "2" },
	{ "rar/v4large.rar", "4", "1" },
	{ "rar/v5.rar", "5", "2" },
};

static void check_sample(const struct sample *s)
{
	size_t len;
	uint8_t *f = tu_load_data(s->file, &len);
	struct carve_result res;

	ic_embedded_at(&format_rar, s->file, f, len, 4096, 3000, 19, &res);
	is_str(tu_meta(&res, "version"), s->version, "%s: version", s->file);
	is_str(tu_meta(&res, "files"), s->files, "%s: files", s->file);
	unsigned bad = 0;
	for (size_t cut = 1; cut < len; cut++) {
		enum carve_verdict v = tu_validate(&format_rar, f, cut, 0, &res);
		if (v == CARVE_ACCEPT || (v == CARVE_TRUNCATED && res.length > cut))
			bad++;
	}
	is_u64(bad, 0, "%s: no cut of %zu accepted or overlong", s->file, len);
	free(f);
}

/* Makes the RAR 4 header CRC at off right again. */
static void fix4(uint8_t *b, size_t off)
{
	unsigned hsize = b[off + 5] | (unsigned)b[off + 6] << 8;
	uint32_t crc = crc32_update(0, b + off + 2, hsize - 2);
	b[off] = crc & 0xff;
	b[off + 1] = (crc >> 8) & 0xff;
}

static void check_v4(void)
{
	size_t len;
	uint8_t *f = tu_load_data("rar/v4.rar", &len);
	struct carve_result res;
	const size_t file1 = 7 + 13;   /* marker, main header */
	unsigned h1 = f[file1 + 5] | (unsigned)f[file1 + 6] << 8;
	uint32_t pack1 = mem_le32(f + file1 + 7);
	size_t file2 = file1 + h1 + pack1;

	f[file1 + 10] ^= 1;   /* packed size, CRC not fixed */
	tu_validate(&format_rar, f, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == file1,
	   "bad header CRC: truncated before the block");
	f[file1 + 10] ^= 1;
	/* packed size 4 GiB - 1, CRC fixed */
	memset(f + file1 + 7, 0xff, 4);
	fix4(f, file1);
	tu_validate(&format_rar, f, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len,
	   "packed size 2^32-1: truncated at what is there");
	mem_put_le32(f + file1 + 7, pack1);
	fix4(f, file1);
	/* the end block's type changed: not a RAR block */
	f[len - 5] = 0x20;
	fix4(f, len - 7);
	tu_validate(&format_rar, f, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len - 7,
	   "unknown block type: truncated before it");
	f[len - 5] = 0x7b;
	fix4(f, len - 7);
	/* encrypted headers */
	f[7 + 3] |= 0x80;
	fix4(f, 7);
	tu_validate(&format_rar, f, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == file1,
	   "encrypted headers: truncated after the main header");
	f[7 + 3] &= 0x7f;
	fix4(f, 7);
	/* the first file header with a HEAD_SIZE shorter than its fields */
	f[file2 + 5] = 20;
	f[file2 + 6] = 0;
	fix4(f, file2);
	tu_validate(&format_rar, f, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == file2,
	   "file header of 20 bytes: truncated before it");
	free(f);

	/* a million and one empty comment blocks: stops at the bound */
	size_t n = 1000001, blen = 20 + n * 7;
	uint8_t *b = malloc(blen);
	f = tu_load_data("rar/v4.rar", &len);
	memcpy(b, f, 20);
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = b + 20 + i * 7;
		memcpy(p, "\0\0\x75\0\0\x07\0", 7);
		fix4(b, 20 + i * 7);
	}
	clock_t t0 = clock();
	tu_validate(&format_rar, b, blen, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == 20 + 999999u * 7,
	   "a million and one blocks: truncated at the bound (%llu)",
	   (unsigned long long)res.length);
	printf("# walked in %.2f s CPU (not asserted)\n",
	       (double)(clock() - t0) / CLOCKS_PER_SEC);
	free(b);
	free(f);
}

/* Makes the RAR 5 header CRC at off right again (size vint of 1 byte). */
static void fix5(uint8_t *b, size_t off)
{
	mem_put_le32(b + off, crc32_update(0, b + off + 4, 1u + b[off + 4]));
}

static void check_v5(void)
{
	size_t len;
	uint8_t *f = tu_load_data("rar/v5.rar", &len);
	struct carve_result res;
	const size_t main = 8, file1 = main + 4 + 1 + f[main + 4];

	/* file1: CRC, size, type 2, flags 2, data size (1 byte: 20) */
	ok(f[file1 + 5] == 2 && f[file1 + 6] == 2 && f[file1 + 7] == 20,
	   "v5.rar: first file header as written");
	f[file1 + 7] ^= 1;
	tu_validate(&format_rar, f, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == file1,
	   "bad header CRC: truncated before the header");
	f[file1 + 7] ^= 1;
	/* data size 2^63 in a ten-byte vint: the header grows by nine */
	size_t blen = len + 9;
	uint8_t *b = malloc(blen);
	memcpy(b, f, file1 + 7);
	memcpy(b + file1 + 7, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 10);
	memcpy(b + file1 + 17, f + file1 + 8, len - file1 - 8);
	b[file1 + 4] = (uint8_t)(f[file1 + 4] + 9);
	fix5(b, file1);
	tu_validate(&format_rar, b, blen, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == blen,
	   "data size 2^63: truncated at what is there");
	/* an eleven-byte vint: no value */
	b[file1 + 16] = 0x81;
	fix5(b, file1);
	tu_validate(&format_rar, b, blen, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == file1,
	   "vint of more than 64 bits: truncated before the header");
	free(b);
	/* header size 3 MiB: past the format's limit */
	b = malloc(len + 2);
	memcpy(b, f, file1 + 4);
	memcpy(b + file1 + 4, "\x80\x80\xc0\x01", 4);
	memcpy(b + file1 + 8, f + file1 + 6, len - file1 - 6);
	tu_validate(&format_rar, b, len + 2, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == file1,
	   "header size past 2 MiB: truncated before the header");
	free(b);
	/* the archive encryption header first */
	b = malloc(64);
	tu_random(b, 64, 9);
	memcpy(b, "Rar!\x1a\x07\x01\x00\0\0\0\0\x03\x04\0\0", 16);
	fix5(b, 8);
	tu_validate(&format_rar, b, 64, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == 16,
	   "encrypted archive: truncated after the encryption header");
	free(b);
	free(f);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		check_sample(&samples[i]);
	check_v4();
	check_v5();
	return tap_done();
}

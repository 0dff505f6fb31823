/*
 * test_zip.c - the ZIP validator: real archives and packages made by zip,
 * jar and python3's zipfile (tests/data/zip/make.sh), embedded in random
 * bytes; cut, corrupted and hostile variants; archives built here for the
 * layouts the tools did not produce (unsigned data descriptors, many
 * members, bombs).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "tap.h"
#include "fmt_util.h"
#include "img_check.h"
#include "frag_check.h"
#include "common/crc32.h"

extern const struct format format_zip;

static const struct sample {
	const char *file;
	const char *ext;      /* NULL: plain zip */
	unsigned entries;
	const char *kind;
} samples[] = {
	{ "zip/deflate.zip", NULL, 4, "zip" },
	{ "zip/stored.zip", NULL, 2, "zip" },
	{ "zip/stream.zip", NULL, 2, "zip" },
	{ "zip/pystream.zip", NULL, 2, "zip" },
	{ "zip/zip64.zip", NULL, 2, "zip" },
	{ "zip/zip64fz.zip", NULL, 2, "zip" },
	{ "zip/nested.zip", NULL, 3, "zip" },
	{ "zip/hello.jar", "jar", 5, "jar" },
	{ "zip/minimal.docx", "docx", 3, "docx" },
	{ "zip/minimal.xlsx", "xlsx", 5, "xlsx" },
	{ "zip/minimal.odt", "odt", 3, "odt" },
	{ "zip/minimal.epub", "epub", 4, "epub" },
	{ "zip/layout.apk", "apk", 3, "apk" },
	{ "zip/signed.apk", "apk", 2, "apk" },
};

/* Offset of the last occurrence of a 4-byte signature, or SIZE_MAX. */
static size_t find_last(const uint8_t *b, size_t len, const char *sig)
{
	size_t at = SIZE_MAX;

	for (size_t i = 0; i + 4 <= len; i++)
		if (memcmp(b + i, sig, 4) == 0)
			at = i;
	return at;
}

static size_t find_first(const uint8_t *b, size_t len, size_t from,
                         const char *sig)
{
	for (size_t i = from; i + 4 <= len; i++)
		if (memcmp(b + i, sig, 4) == 0)
			return i;
	return SIZE_MAX;
}

/* Embeds a sample at 4096 between random bytes: exact length and end. */
static void check_embedded(const struct sample *s)
{
	size_t len;
	uint8_t *f = tu_load_data(s->file, &len);
	struct carve_result res;

	ic_embedded_at(&format_zip, s->file, f, len, 4096, 8192, 7, &res);
	is_str(res.ext, s->ext, "%s: extension", s->file);
	const char *n = tu_meta(&res, "entries");
	is_u64(n ? strtoul(n, NULL, 10) : 0, s->entries, "%s: entries",
	       s->file);
	is_str(tu_meta(&res, "kind"), s->kind, "%s: kind", s->file);

	/* alone, ending exactly where the buffer ends */
	tu_validate(&format_zip, f, len, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len,
	   "%s: accepted at the very end of the medium", s->file);
	free(f);
}

/*
 * Every cut, bare or followed by random bytes, is never accepted; except
 * that garbage after a cut inside the archive comment completes it (a
 * comment is any bytes), and then the archive's own length is the answer.
 */
static void check_cuts(const char *file)
{
	size_t len;
	uint8_t *f = tu_load_data(file, &len);
	uint8_t *buf = malloc(len + 4096);
	struct carve_result res;
	unsigned bad = 0, bad_filler = 0, over = 0;
	size_t comment = find_last(f, len, "PK\x05\x06") + 22;

	for (size_t cut = 1; cut < len; cut++) {
		tu_validate(&format_zip, f, cut, 0, &res);
		if (res.verdict == CARVE_ACCEPT)
			bad++;
		if (res.verdict != CARVE_REJECT && res.length > cut)
			over++;
		memcpy(buf, f, cut);
		tu_random(buf + cut, 4096, cut);
		tu_validate(&format_zip, buf, cut + 4096, 0, &res);
		if (res.verdict == CARVE_ACCEPT &&
		    (cut < comment || res.length != len))
			bad_filler++;
	}
	is_u64(bad, 0, "%s: no cut of %zu is accepted", file, len);
	is_u64(over, 0, "%s: no cut claims bytes past the cut", file);
	is_u64(bad_filler, 0, "%s: no cut followed by garbage is accepted",
	       file);
	free(buf);
	free(f);
}

/* ---- a small archive builder for layouts the tools do not write ---- */

struct zb {
	uint8_t *b;
	size_t len, cap;
};

static void zb_bytes(struct zb *z, const void *p, size_t n)
{
	if (z->len + n > z->cap) {
		z->cap = (z->len + n) * 2 + 1024;
		z->b = realloc(z->b, z->cap);
		if (z->b == NULL)
			tap_bail("out of memory");
	}
	memcpy(z->b + z->len, p, n);
	z->len += n;
}

static void zb_u16(struct zb *z, unsigned v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	zb_bytes(z, b, 2);
}

static void zb_u32(struct zb *z, uint32_t v)
{
	uint8_t b[4];
	mem_put_le32(b, v);
	zb_bytes(z, b, 4);
}

static void zb_u64(struct zb *z, uint64_t v)
{
	zb_u32(z, (uint32_t)v);
	zb_u32(z, (uint32_t)(v >> 32));
}

/* A local header for a stored member. */
static void zb_local(struct zb *z, uint16_t flags, uint32_t size,
                     const char *name, uint16_t xlen)
{
	zb_u32(z, 0x04034b50);
	zb_u16(z, 20);
	zb_u16(z, flags);
	zb_u16(z, 0);
	zb_u32(z, 0);
	zb_u32(z, 0);           /* crc: not checked */
	zb_u32(z, size);
	zb_u32(z, size);
	zb_u16(z, (uint16_t)strlen(name));
	zb_u16(z, xlen);
	zb_bytes(z, name, strlen(name));
}

static void zb_central(struct zb *z, uint32_t size, const char *name,
                       uint32_t lho)
{
	zb_u32(z, 0x02014b50);
	zb_u16(z, 0x031e);
	zb_u16(z, 20);
	zb_u16(z, 0);
	zb_u16(z, 0);
	zb_u32(z, 0);
	zb_u32(z, 0);
	zb_u32(z, size);
	zb_u32(z, size);
	zb_u16(z, (uint16_t)strlen(name));
	zb_u16(z, 0);
	zb_u16(z, 0);
	zb_u16(z, 0);
	zb_u16(z, 0);
	zb_u32(z, 0);
	zb_u32(z, lho);
	zb_bytes(z, name, strlen(name));
}

static void zb_end(struct zb *z, unsigned n, uint32_t cd_size, uint32_t cd_off,
                   uint16_t clen)
{
	zb_u32(z, 0x06054b50);
	zb_u32(z, 0);
	zb_u16(z, n);
	zb_u16(z, n);
	zb_u32(z, cd_size);
	zb_u32(z, cd_off);
	zb_u16(z, clen);
}

/*
 * Two stored members with data descriptors (signed or not, 32- or 64-bit
 * sizes), the second holding a fake "PK" run, then directory and end.
 */
static void check_built_descriptors(void)
{
	for (int sig = 0; sig < 2; sig++) {
		for (int wide = 0; wide < 2; wide++) {
			struct zb z = { 0 };
			static const char d1[] = "first member data";
			static const char d2[] =
				"PK\x03\x04 PK\x07\x08 PK looks";
			uint32_t l1, l2, cd;
			struct carve_result res;

			l1 = 0;
			zb_local(&z, 8, 0, "one.txt", 0);
			zb_bytes(&z, d1, sizeof(d1));
			if (sig)
				zb_u32(&z, 0x08074b50);
			zb_u32(&z, 0);
			if (wide) {
				zb_u64(&z, sizeof(d1));
				zb_u64(&z, sizeof(d1));
			} else {
				zb_u32(&z, sizeof(d1));
				zb_u32(&z, sizeof(d1));
			}
			l2 = (uint32_t)z.len;
			zb_local(&z, 8, 0, "two.txt", 0);
			zb_bytes(&z, d2, sizeof(d2));
			if (sig)
				zb_u32(&z, 0x08074b50);
			zb_u32(&z, 0);
			if (wide) {
				zb_u64(&z, sizeof(d2));
				zb_u64(&z, sizeof(d2));
			} else {
				zb_u32(&z, sizeof(d2));
				zb_u32(&z, sizeof(d2));
			}
			cd = (uint32_t)z.len;
			zb_central(&z, sizeof(d1), "one.txt", l1);
			zb_central(&z, sizeof(d2), "two.txt", l2);
			zb_end(&z, 2, (uint32_t)z.len - cd, cd, 0);
			size_t zlen = z.len;
			uint8_t junk[300];
			tu_random(junk, sizeof(junk), 99);
			zb_bytes(&z, junk, sizeof(junk));
			tu_validate(&format_zip, z.b, z.len, 0, &res);
			ok(res.verdict == CARVE_ACCEPT && res.length == zlen,
			   "descriptors %s signature, %s sizes: exact end",
			   sig ? "with" : "without",
			   wide ? "64-bit" : "32-bit");
			free(z.b);
		}
	}
}

/* Many tiny members, and the member count bound. */
static void check_many(void)
{
	struct zb z = { 0 };
	struct carve_result res;
	enum { N = 70000 };   /* past 16 bits: counts wrap */
	char name[16];

	for (unsigned i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "%u", i);
		zb_local(&z, 0, 0, name, 0);
	}
	uint32_t cd = (uint32_t)z.len;
	uint32_t lho = 0;
	for (unsigned i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "%u", i);
		zb_central(&z, 0, name, lho);
		lho += 30 + (uint32_t)strlen(name);
	}
	zb_end(&z, N, (uint32_t)z.len - cd, cd, 0);
	clock_t t0 = clock();
	tu_validate(&format_zip, z.b, z.len, 0, &res);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	ok(res.verdict == CARVE_ACCEPT && res.length == z.len,
	   "%u empty members: accepted whole", N);
	is_str(tu_meta(&res, "entries"), "70000", "%u empty members: counted", N);
	printf("# %u members walked in %.2f s CPU (not asserted)\n", N, secs);
	free(z.b);

	/* more local headers than the bound, no directory */
	z = (struct zb){ 0 };
	for (unsigned i = 0; i < 1000001; i++)
		zb_local(&z, 0, 0, "x", 0);
	t0 = clock();
	tu_validate(&format_zip, z.b, z.len, 0, &res);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	ok(res.verdict == CARVE_TRUNCATED && res.length == 1000000u * 31,
	   "a million and one members: stops at the bound (%s)",
	   res.reason ? res.reason : "");
	printf("# a million members walked in %.2f s CPU (not asserted)\n", secs);
	free(z.b);
}

static void check_bombs(void)
{
	struct carve_result res;
	struct zb z = { 0 };
	uint8_t *big;
	size_t blen = 1 << 20;

	/* name length 65535 and sizes all ones */
	zb_u32(&z, 0x04034b50);
	zb_u16(&z, 20);
	zb_u16(&z, 0);
	zb_u16(&z, 8);
	zb_u32(&z, 0);
	zb_u32(&z, 0);
	zb_u32(&z, 0xffffffff);
	zb_u32(&z, 0xffffffff);
	zb_u16(&z, 0xffff);
	zb_u16(&z, 0xffff);
	big = malloc(blen);
	tu_random(big, blen, 5);
	memcpy(big, z.b, z.len);
	tu_validate(&format_zip, big, blen, 0, &res);
	ok(res.verdict == CARVE_REJECT, "name length 65535: rejected");
	is_str(res.reason, "bad name length", "name length 65535: reason");
	free(z.b);

	/* sizes all ones without a ZIP64 extra field */
	z = (struct zb){ 0 };
	zb_local(&z, 0, 0xffffffff, "a.bin", 0);
	memcpy(big, z.b, z.len);
	tu_validate(&format_zip, big, blen, 0, &res);
	ok(res.verdict == CARVE_REJECT, "all-ones sizes, no ZIP64 field: "
	   "rejected");
	is_str(res.reason, "ZIP64 sizes missing", "all-ones sizes: reason");
	free(z.b);

	/* ZIP64 extra field with 2^64-1 sizes */
	z = (struct zb){ 0 };
	zb_local(&z, 0, 0xffffffff, "a.bin", 20);
	zb_u16(&z, 1);
	zb_u16(&z, 16);
	zb_u64(&z, UINT64_MAX);
	zb_u64(&z, UINT64_MAX);
	memcpy(big, z.b, z.len);
	tu_validate(&format_zip, big, blen, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == blen,
	   "2^64-1 ZIP64 sizes: truncated at what is there");
	is_str(res.reason, "member data cut off", "2^64-1 sizes: reason");
	free(z.b);

	/* a second member of 2^64-1 bytes after a good one */
	z = (struct zb){ 0 };
	zb_local(&z, 0, 4, "a.bin", 0);
	zb_bytes(&z, "data", 4);
	/* its CRC-32 right: a member failing it is a fragmentation point */
	uint32_t dcrc = crc32_update(0, "data", 4);
	for (int i = 0; i < 4; i++)
		z.b[14 + i] = (uint8_t)(dcrc >> (8 * i));
	size_t first_end = z.len;
	zb_local(&z, 0, 0xffffffff, "b.bin", 20);
	zb_u16(&z, 1);
	zb_u16(&z, 16);
	zb_u64(&z, UINT64_MAX);
	zb_u64(&z, UINT64_MAX);
	memcpy(big, z.b, z.len);
	tu_validate(&format_zip, big, blen, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == first_end,
	   "huge second member: truncated after the first (%llu)",
	   (unsigned long long)res.length);
	free(z.b);

	/* streamed member whose descriptor never comes */
	z = (struct zb){ 0 };
	zb_local(&z, 8, 0, "s.bin", 0);
	memcpy(big, z.b, z.len);
	clock_t t0 = clock();
	tu_validate(&format_zip, big, blen, 0, &res);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	ok(res.verdict == CARVE_TRUNCATED && res.length == blen,
	   "missing data descriptor: truncated at what is there");
	printf("# missing data descriptor: searched 1 MiB in %.2f s CPU (not asserted)\n",
	   secs);
	free(z.b);

	/* control characters in the first name: stray signature */
	z = (struct zb){ 0 };
	zb_local(&z, 0, 4, "a\x01z", 0);
	zb_bytes(&z, "data", 4);
	memcpy(big, z.b, z.len);
	tu_validate(&format_zip, big, blen, 0, &res);
	ok(res.verdict == CARVE_REJECT, "control characters in a name: "
	   "rejected");
	free(z.b);
	free(big);
}

/* Corruptions of a real archive's directory and end records. */
static void check_corrupt(void)
{
	size_t len;
	uint8_t *f = tu_load_data("zip/deflate.zip", &len);
	uint8_t *b = malloc(len + 4096);
	struct carve_result res;
	size_t eocd = find_last(f, len, "PK\x05\x06");
	size_t cd = find_first(f, len, 0, "PK\x01\x02");
	size_t second = find_first(f, len, 4, "PK\x03\x04");

	ok(eocd != SIZE_MAX && cd != SIZE_MAX && second != SIZE_MAX,
	   "deflate.zip: records found");

#define MUTATE(what, at, delta)                                            \
	do {                                                               \
		memcpy(b, f, len);                                         \
		mem_put_le32(b + (at), mem_le32(b + (at)) + (delta));      \
		(void)what;                                                \
	} while (0)

	MUTATE("cd offset", eocd + 16, 1);
	tu_validate(&format_zip, b, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "EOCD directory offset + 1: rejected");
	is_str(res.reason, "central directory offset mismatch",
	       "EOCD directory offset + 1: reason");

	MUTATE("cd size", eocd + 12, 5);
	tu_validate(&format_zip, b, len, 0, &res);
	is_str(res.reason, "central directory size mismatch",
	       "EOCD directory size + 5: rejected for its size");
	ok(res.verdict == CARVE_REJECT, "EOCD directory size + 5: rejected");

	MUTATE("entries", eocd + 8, 0x10001);
	tu_validate(&format_zip, b, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "EOCD entry counts + 1: rejected");
	is_str(res.reason, "entry count mismatch", "EOCD entry counts: reason");

	MUTATE("lho", cd + 42, 1);
	tu_validate(&format_zip, b, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "directory entry names no local "
	   "header: rejected");
	is_str(res.reason, "local header offset mismatch",
	       "bad local header offset: reason");

	MUTATE("csize", cd + 20, 1);
	tu_validate(&format_zip, b, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "directory size of a member + 1: "
	   "rejected");
	is_str(res.reason, "member size mismatch",
	       "directory size of a member: reason");

	memcpy(b, f, len);
	b[eocd + 20] = 0xff;
	b[eocd + 21] = 0xff;
	tu_validate(&format_zip, b, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len,
	   "comment length past the end: truncated at the end");
	is_str(res.reason, "archive comment cut off", "comment length: reason");

	memcpy(b, f, len);
	b[eocd + 1] = 'X';
	tu_validate(&format_zip, b, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == eocd,
	   "destroyed end record: truncated before it");
	is_str(res.reason, "no end of central directory",
	       "destroyed end record: reason");

	/* directory gone: garbage where it should be */
	memcpy(b, f, cd);
	tu_random(b + cd, len + 4096 - cd, 3);
	tu_validate(&format_zip, b, len + 4096, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == cd,
	   "garbage instead of the directory: truncated after the members");
	is_str(res.reason, "no central directory", "missing directory: reason");

	/* cut inside the second member: ends after the first one */
	tu_validate(&format_zip, f, second + 40, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == second,
	   "cut in the second member: truncated after the first");

	/* a candidate at the second member is not an archive start */
	tu_validate(&format_zip, f, len, second, &res);
	ok(res.verdict == CARVE_REJECT, "start at the second member: rejected "
	   "(%s)", res.reason ? res.reason : "");
	free(b);
	free(f);

	/* a streamed member whose directory size disagrees with the
	 * descriptor the walk found */
	f = tu_load_data("zip/stream.zip", &len);
	b = malloc(len);
	cd = find_first(f, len, 0, "PK\x01\x02");
	memcpy(b, f, len);
	mem_put_le32(b + cd + 20, mem_le32(b + cd + 20) - 1);
	tu_validate(&format_zip, b, len, 0, &res);
	is_str(res.reason, "member size mismatch",
	       "streamed member, directory size - 1: rejected");
	free(b);
	free(f);

	/* ZIP64 end record with a 2^64-1 record size and offsets */
	f = tu_load_data("zip/zip64fz.zip", &len);
	b = malloc(len);
	size_t z64 = find_last(f, len, "PK\x06\x06");
	ok(z64 != SIZE_MAX, "zip64fz.zip: ZIP64 end record found");
	memcpy(b, f, len);
	memset(b + z64 + 4, 0xff, 8);
	tu_validate(&format_zip, b, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "ZIP64 record size 2^64-1: rejected");
	is_str(res.reason, "bad ZIP64 end record", "ZIP64 record size: reason");
	memcpy(b, f, len);
	memset(b + z64 + 48, 0xff, 8);
	tu_validate(&format_zip, b, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "ZIP64 directory offset 2^64-1: "
	   "rejected");
	memcpy(b, f, len);
	memset(b + z64 + 24, 0xff, 16);
	tu_validate(&format_zip, b, len, 0, &res);
	is_str(res.reason, "entry count mismatch",
	       "ZIP64 entry count 2^64-1: rejected");
	size_t loc = find_last(f, len, "PK\x06\x07");
	memcpy(b, f, len);
	mem_put_le32(b + loc + 8, mem_le32(b + loc + 8) + 1);
	tu_validate(&format_zip, b, len, 0, &res);
	is_str(res.reason, "bad ZIP64 end locator",
	       "ZIP64 locator pointing off its record: rejected");
	free(b);
	free(f);
}

/* The APK signing block between the members and the directory. */
static void check_apk_sig_block(void)
{
	size_t len;
	uint8_t *f = tu_load_data("zip/signed.apk", &len);
	struct carve_result res;
	size_t magic = find_last(f, len, "APK ");
	size_t cd = find_first(f, len, 0, "PK\x01\x02");
	size_t members_end = find_first(f, len, 0, "dex\n035") + 8;

	ok(magic != SIZE_MAX && cd != SIZE_MAX, "signed.apk: signing block "
	   "and directory found");
	f[magic] = 'a';
	tu_validate(&format_zip, f, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == members_end,
	   "signing block with a bad magic: truncated after the members");
	f[magic] = 'A';
	f[members_end + 5] = 1;   /* in the zero padding */
	tu_validate(&format_zip, f, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == members_end,
	   "signing block after non-zero padding: truncated after the members");
	free(f);
}

/* A stored zip inside a zip: the inner one is a file of its own. */
static void check_nested(void)
{
	size_t len, ilen;
	uint8_t *f = tu_load_data("zip/nested.zip", &len);
	uint8_t *in = tu_load_data("zip/deflate.zip", &ilen);
	struct carve_result res;
	size_t at = SIZE_MAX;

	for (size_t i = 1; i + ilen <= len; i++)
		if (memcmp(f + i, in, ilen) == 0)
			at = i;
	ok(at != SIZE_MAX, "nested.zip holds deflate.zip stored");
	if (at == SIZE_MAX)
		return;
	tu_validate(&format_zip, f, len, at, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == ilen,
	   "the inner archive is found whole at its own start");
	free(in);
	free(f);
}

/* Appends n bytes to a growing buffer. */
static void put(uint8_t **b, size_t *len, const void *p, size_t n)
{
	*b = realloc(*b, *len + n);
	if (*b == NULL)
		tap_bail("out of memory");
	memcpy(*b + *len, p, n);
	*len += n;
}

static void put16(uint8_t **b, size_t *len, unsigned v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	put(b, len, x, 2);
}

static void put32(uint8_t **b, size_t *len, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	                 (uint8_t)(v >> 24) };
	put(b, len, x, 4);
}

/*
 * An archive of n members of about size bytes each (text-like, so that
 * deflate has work), stored and deflated in turn (all deflated when
 * deflate_all), with its central directory and end record.
 */
static uint8_t *build_zip(unsigned n, size_t size, bool deflate_all,
                          uint64_t seed, size_t *out_len)
{
	static const char *words[] = { "carve ", "sector ", "cluster ",
	                               "fragment ", "header ", "zip\n" };
	uint8_t *z = NULL, *cd = NULL;
	size_t zlen = 0, cdlen = 0;
	uint64_t x = seed | 1;

	for (unsigned i = 0; i < n; i++) {
		char name[32];
		uint8_t *data = NULL, *comp;
		size_t dlen = 0;
		uLongf clen;
		bool deflated = deflate_all || i % 2 == 1;

		while (dlen < size) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			const char *w = words[x % 6];
			put(&data, &dlen, w, strlen(w));
			if (x % 7 == 0) {
				uint8_t r = (uint8_t)(x >> 40);
				put(&data, &dlen, &r, 1);
			}
		}
		uint32_t crc = crc32_update(0, data, dlen);
		clen = compressBound(dlen);
		comp = malloc(clen);
		if (comp == NULL)
			tap_bail("out of memory");
		if (deflated) {
			z_stream s;
			memset(&s, 0, sizeof(s));
			if (deflateInit2(&s, 6, Z_DEFLATED, -MAX_WBITS, 8,
			                 Z_DEFAULT_STRATEGY) != Z_OK)
				tap_bail("deflateInit2");
			s.next_in = data;
			s.avail_in = (uInt)dlen;
			s.next_out = comp;
			s.avail_out = (uInt)clen;
			if (deflate(&s, Z_FINISH) != Z_STREAM_END)
				tap_bail("deflate");
			clen = s.total_out;
			deflateEnd(&s);
		} else {
			memcpy(comp, data, dlen);
			clen = dlen;
		}
		int nlen = snprintf(name, sizeof(name), "dir/member%03u.txt", i);
		uint32_t lho = (uint32_t)zlen;
		put32(&z, &zlen, 0x04034b50u);
		put16(&z, &zlen, 20);
		put16(&z, &zlen, 0);
		put16(&z, &zlen, deflated ? 8 : 0);
		put32(&z, &zlen, 0);
		put32(&z, &zlen, crc);
		put32(&z, &zlen, (uint32_t)clen);
		put32(&z, &zlen, (uint32_t)dlen);
		put16(&z, &zlen, (unsigned)nlen);
		put16(&z, &zlen, 0);
		put(&z, &zlen, name, (size_t)nlen);
		put(&z, &zlen, comp, clen);

		put32(&cd, &cdlen, 0x02014b50u);
		put16(&cd, &cdlen, 20);
		put16(&cd, &cdlen, 20);
		put16(&cd, &cdlen, 0);
		put16(&cd, &cdlen, deflated ? 8 : 0);
		put32(&cd, &cdlen, 0);
		put32(&cd, &cdlen, crc);
		put32(&cd, &cdlen, (uint32_t)clen);
		put32(&cd, &cdlen, (uint32_t)dlen);
		put16(&cd, &cdlen, (unsigned)nlen);
		put16(&cd, &cdlen, 0);
		put16(&cd, &cdlen, 0);
		put16(&cd, &cdlen, 0);
		put16(&cd, &cdlen, 0);
		put32(&cd, &cdlen, 0);
		put32(&cd, &cdlen, lho);
		put(&cd, &cdlen, name, (size_t)nlen);
		free(data);
		free(comp);
	}
	uint32_t cd_off = (uint32_t)zlen;
	put(&z, &zlen, cd, cdlen);
	put32(&z, &zlen, 0x06054b50u);
	put16(&z, &zlen, 0);
	put16(&z, &zlen, 0);
	put16(&z, &zlen, n);
	put16(&z, &zlen, n);
	put32(&z, &zlen, (uint32_t)cdlen);
	put32(&z, &zlen, cd_off);
	put16(&z, &zlen, 0);
	free(cd);
	*out_len = zlen;
	return z;
}

/*
 * Fragmentation points: an archive of stored and deflated members cut at
 * sector boundaries with random bytes, zeros or another archive inserted.
 * A stored member is checked by its CRC-32 and a deflated one by inflating
 * it, so the point comes at the latest at the end of the member the cut
 * falls in; the archives here hold members of at most 6000 bytes.
 */
static void check_fragments(void)
{
	size_t len, olen;
	uint8_t *f = build_zip(12, 6000, false, 7, &len);
	uint8_t *o = build_zip(4, 3000, false, 11, &olen);
	size_t cuts[] = { 4096, 16384, 40960 };

	ok(len > 40000, "built archive of %zu bytes", len);
	for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
		for (int k = FC_RANDOM; k <= FC_OTHER; k++) {
			char name[80];
			uint8_t *g = fc_gap((enum fc_gap)k, 8192, o, olen,
			                    (uint64_t)c + 3);
			snprintf(name, sizeof(name), "zip: %s", fc_gap_name(k));
			fc_check(&format_zip, name, f, len, cuts[c], g, 8192,
			         6000 + 64);
			free(g);
		}
	}
	/* the central directory itself cut: the point where it breaks */
	size_t cd = find_last(f, len, "PK\x01\x02");
	size_t cut = (cd + 4095) & ~(size_t)4095;
	if (cut < len) {
		uint8_t *g = fc_gap(FC_RANDOM, 4096, NULL, 0, 5);
		fc_check(&format_zip, "zip: cut in the directory", f, len, cut,
		         g, 4096, 64);
		free(g);
	}
	free(f);
	free(o);

	/* a block of the same size replaced inside a member: the walk does
	 * not see it, the thorough check does (stored: by its CRC-32, at
	 * the member's end; deflated: where inflating fails, or its end) */
	f = build_zip(4, 6000, false, 21, &len);
	for (int m = 0; m < 2; m++) {
		uint8_t *b = malloc(len);
		struct carve_result res;
		struct extent one = { 0, len };
		/* member m's data: after its header, name and extra field */
		size_t at = 0, data = 0, csize = 0;
		for (int i = 0; i <= m; i++) {
			csize = f[at + 18] | f[at + 19] << 8 | f[at + 20] << 16 |
			        (size_t)f[at + 21] << 24;
			data = at + 30 + (f[at + 26] | f[at + 27] << 8) +
			       (f[at + 28] | f[at + 29] << 8);
			at = data + csize;
		}
		memcpy(b, f, len);
		size_t r = data + csize / 4;
		tu_random(b + r, csize / 2 < 512 ? csize / 2 : 512, 23);
		fc_run(&format_zip, b, len, &one, 1, false, &res);
		ok(res.verdict == CARVE_ACCEPT, "zip: member %d with a block "
		   "replaced: the walk accepts it", m);
		fc_run(&format_zip, b, len, &one, 1, true, &res);
		if (!ok(res.verdict == CARVE_TRUNCATED &&
		        res.note == CARVE_NOTE_FRAGMENT &&
		        res.note_off >= r &&
		        res.note_off <= data + csize && res.length == data,
		        "zip: member %d with a block replaced: the thorough "
		        "check gives its point", m))
			printf("#   verdict %d note %d at %llu (data %zu, "
			       "csize %zu)\n", (int)res.verdict, (int)res.note,
			       (unsigned long long)res.note_off, data, csize);
		free(b);
	}
	free(f);

	/* all deflated: inflating finds the bad byte soon after the cut */
	f = build_zip(3, 40000, true, 13, &len);
	uint8_t *g = fc_gap(FC_RANDOM, 4096, NULL, 0, 17);
	fc_check(&format_zip, "zip: one long deflated member", f, len, 8192,
	         g, 4096, 2048);
	free(g);
	free(f);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		check_embedded(&samples[i]);
	check_cuts("zip/deflate.zip");
	check_cuts("zip/stored.zip");
	check_cuts("zip/stream.zip");
	check_cuts("zip/zip64fz.zip");
	check_cuts("zip/hello.jar");
	check_cuts("zip/signed.apk");
	check_built_descriptors();
	check_corrupt();
	check_nested();
	check_apk_sig_block();
	check_bombs();
	check_many();
	check_fragments();
	return tap_done();
}

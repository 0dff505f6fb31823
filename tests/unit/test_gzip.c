/*
 * test_gzip.c - the gzip validator: files made by GNU gzip, tar and
 * python3 (tests/data/gzip/make.sh) embedded in random bytes and cut
 * short; members with the optional header fields (which GNU gzip does not
 * write) built here around a real deflate stream; deflate streams written
 * bit by bit here for bad codes, back-references before the start and a
 * highly compressed bomb.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "fmt_util.h"
#include "img_check.h"
#include "common/crc32.h"

extern const struct format format_gzip;

static const struct sample {
	const char *file;
	const char *name;     /* original name in the header, or NULL */
	const char *mtime;    /* NULL: none */
	const char *members;
} samples[] = {
	{ "gzip/numbers.gz", "numbers.txt", "2024-01-02T03:04:05Z", "1" },
	{ "gzip/hello.gz", NULL, NULL, "1" },
	{ "gzip/random.gz", NULL, NULL, "1" },
	{ "gzip/members.gz", "a.txt", "2024-01-02T03:04:05Z", "2" },
	{ "gzip/archive.tgz", NULL, NULL, "1" },
	{ "gzip/python.gz", "python.txt", "2024-01-02T03:04:05Z", "1" },
};

/*
 * Embedded between random bytes.  The filler after it is shorter than the
 * file, so that ic_embedded_at does not put a second copy right after it:
 * a copy there is a second member, and the file is then both (checked
 * apart below).
 */
static void check_sample(const struct sample *s)
{
	size_t len;
	uint8_t *f = tu_load_data(s->file, &len);
	struct carve_result res;

	ic_embedded_at(&format_gzip, s->file, f, len, 4096, len - 1, 11, &res);
	is_str(tu_meta(&res, "name"), s->name, "%s: original name", s->file);
	is_str(tu_meta(&res, "mtime"), s->mtime, "%s: mtime", s->file);
	is_str(tu_meta(&res, "members"), s->members, "%s: members", s->file);
	ic_cuts(&format_gzip, s->file, f, len);

	/* every cut, not only 24: never accepted, never past the cut;
	 * except a cut just where a member starts, which leaves a whole
	 * file of the members before it */
	unsigned bad = 0;
	size_t step = len > 4000 ? len / 4000 : 1;
	for (size_t cut = 1; cut < len; cut += step) {
		enum carve_verdict v = tu_validate(&format_gzip, f, cut, 0, &res);
		if (v == CARVE_ACCEPT && res.length == cut && cut + 3 <= len &&
		    memcmp(f + cut, "\x1f\x8b\x08", 3) == 0)
			continue;
		if (v == CARVE_ACCEPT || (v == CARVE_TRUNCATED && res.length > cut))
			bad++;
	}
	is_u64(bad, 0, "%s: no cut accepted or overlong", s->file);

	/* a copy right after it is a second member */
	uint8_t *two = malloc(2 * len + 100);
	memcpy(two, f, len);
	memcpy(two + len, f, len);
	tu_random(two + 2 * len, 100, 3);
	tu_validate(&format_gzip, two, 2 * len + 100, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == 2 * len,
	   "%s: twice in a row is one file of both", s->file);
	free(two);
	free(f);
}

/* Corrupted trailer, data and later members. */
static void check_corrupt(void)
{
	size_t len, mlen;
	uint8_t *f = tu_load_data("gzip/numbers.gz", &len);
	uint8_t *m = tu_load_data("gzip/members.gz", &mlen);
	struct carve_result res;

	f[len - 8] ^= 1;
	tu_validate(&format_gzip, f, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "wrong CRC-32: rejected");
	f[len - 8] ^= 1;
	f[len - 2] ^= 1;
	tu_validate(&format_gzip, f, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "wrong ISIZE: rejected");
	f[len - 2] ^= 1;
	f[3] |= 0x80;
	tu_validate(&format_gzip, f, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "reserved flag bit: rejected");
	f[3] &= 0x7f;
	/* the second half overwritten with random bytes */
	tu_random(f + len / 2, len - len / 2, 77);
	enum carve_verdict v = tu_validate(&format_gzip, f, len, 0, &res);
	ok(v != CARVE_ACCEPT && (v == CARVE_REJECT || res.length <= len),
	   "second half overwritten: not accepted (%s)",
	   res.reason ? res.reason : "");

	/* the second member's CRC broken: cut after the first */
	size_t first = 0;
	for (size_t i = 10; i + 3 <= mlen; i++)
		if (memcmp(m + i, "\x1f\x8b\x08", 3) == 0) {
			first = i;
			break;
		}
	ok(first > 0, "members.gz: second member found");
	m[mlen - 8] ^= 0x40;
	tu_validate(&format_gzip, m, mlen, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == first,
	   "bad second member: truncated after the first (%llu)",
	   (unsigned long long)res.length);
	m[mlen - 8] ^= 0x40;
	/* magic after the first member, then no valid header: ends there */
	uint8_t *x = malloc(first + 12);
	memcpy(x, m, first);
	memcpy(x + first, "\x1f\x8b\x08\xff\0\0\0\0\0\0\0\0", 12);
	tu_validate(&format_gzip, x, first + 12, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == first,
	   "magic without a header after a member: the file ends before it");
	free(x);
	free(m);
	free(f);
}

/* ---- members built here ---- */

struct gb {
	uint8_t *b;
	size_t len, cap;
	uint64_t bits;
	unsigned nbits;
};

static void gb_bytes(struct gb *g, const void *p, size_t n)
{
	if (g->len + n > g->cap) {
		g->cap = (g->len + n) * 2 + 256;
		g->b = realloc(g->b, g->cap);
		if (g->b == NULL)
			tap_bail("out of memory");
	}
	memcpy(g->b + g->len, p, n);
	g->len += n;
}

static void gb_byte(struct gb *g, unsigned v)
{
	uint8_t b = (uint8_t)v;
	gb_bytes(g, &b, 1);
}

static void gb_le32(struct gb *g, uint32_t v)
{
	uint8_t b[4];
	mem_put_le32(b, v);
	gb_bytes(g, b, 4);
}

/* n bits of v, least significant first (deflate's order for values). */
static void gb_put(struct gb *g, uint32_t v, unsigned n)
{
	g->bits |= (uint64_t)v << g->nbits;
	g->nbits += n;
	while (g->nbits >= 8) {
		gb_byte(g, (unsigned)(g->bits & 0xff));
		g->bits >>= 8;
		g->nbits -= 8;
	}
}

/* A Huffman code of n bits, sent from its most significant bit. */
static void gb_code(struct gb *g, uint32_t code, unsigned n)
{
	for (unsigned i = n; i-- > 0;)
		gb_put(g, (code >> i) & 1, 1);
}

static void gb_flush(struct gb *g)
{
	if (g->nbits > 0)
		gb_put(g, 0, 8 - g->nbits);
}

/* Fixed-code literal/length symbol. */
static void gb_fixed_sym(struct gb *g, unsigned sym)
{
	if (sym < 144)
		gb_code(g, 0x30 + sym, 8);
	else if (sym < 256)
		gb_code(g, 0x190 + sym - 144, 9);
	else if (sym < 280)
		gb_code(g, sym - 256, 7);
	else
		gb_code(g, 0xc0 + sym - 280, 8);
}

static void gb_header(struct gb *g, unsigned flags)
{
	gb_bytes(g, "\x1f\x8b\x08", 3);
	gb_byte(g, flags);
	gb_le32(g, 1704164645);
	gb_byte(g, 0);
	gb_byte(g, 3);
}

/* The optional header fields around hello.gz's deflate stream. */
static void check_header_fields(void)
{
	size_t len;
	uint8_t *f = tu_load_data("gzip/hello.gz", &len);
	struct carve_result res;
	struct gb g = { 0 };

	gb_header(&g, 0x1e);   /* FHCRC FEXTRA FNAME FCOMMENT */
	gb_bytes(&g, "\x08\0AP\x04\0abcd", 10);
	gb_bytes(&g, "crafted.txt", 12);
	gb_bytes(&g, "a comment\n", 11);
	uint32_t crc = crc32_update(0, g.b, g.len);
	gb_byte(&g, crc & 0xff);
	gb_byte(&g, (crc >> 8) & 0xff);
	gb_bytes(&g, f + 10, len - 10);
	size_t total = g.len;
	uint8_t pad[64];
	tu_random(pad, sizeof(pad), 5);
	gb_bytes(&g, pad, sizeof(pad));

	tu_validate(&format_gzip, g.b, g.len, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == total,
	   "extra field, name, comment and header CRC: accepted whole");
	is_str(tu_meta(&res, "name"), "crafted.txt", "crafted: name");
	ic_cuts(&format_gzip, "crafted header", g.b, total);
	g.b[30] ^= 1;   /* in the name: the header CRC no longer matches */
	tu_validate(&format_gzip, g.b, g.len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "bad header CRC: rejected");
	free(g.b);

	/* a name that never ends */
	size_t big = 1 << 20;
	uint8_t *b = malloc(big);
	memset(b, 'n', big);
	memcpy(b, "\x1f\x8b\x08\x08\0\0\0\0\0\3", 10);
	tu_validate(&format_gzip, b, big, 0, &res);
	ok(res.verdict == CARVE_REJECT, "name without its NUL: rejected");
	tu_validate(&format_gzip, b, 5000, 0, &res);
	ok(res.verdict == CARVE_REJECT, "name cut by the end: rejected");
	/* an extra field longer than what is there */
	memcpy(b, "\x1f\x8b\x08\x04\0\0\0\0\0\3\xff\xff", 12);
	tu_validate(&format_gzip, b, 4000, 0, &res);
	ok(res.verdict == CARVE_REJECT, "extra field past the end: rejected");
	free(b);
	free(f);
}

/* Deflate streams written here. */
static void check_streams(void)
{
	struct carve_result res;
	struct gb g = { 0 };

	/* fixed block whose first symbol copies from before the start */
	gb_header(&g, 0);
	gb_put(&g, 1, 1);
	gb_put(&g, 1, 2);
	gb_fixed_sym(&g, 257);
	gb_code(&g, 0, 5);
	gb_fixed_sym(&g, 256);
	gb_flush(&g);
	gb_le32(&g, 0);
	gb_le32(&g, 3);
	tu_validate(&format_gzip, g.b, g.len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "distance before the start: rejected");
	free(g.b);

	/* block type 3 */
	g = (struct gb){ 0 };
	gb_header(&g, 0);
	gb_put(&g, 7, 3);
	gb_flush(&g);
	gb_le32(&g, 0);
	gb_le32(&g, 0);
	tu_validate(&format_gzip, g.b, g.len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "reserved block type: rejected");
	free(g.b);

	/* dynamic block with an over-subscribed code length code */
	g = (struct gb){ 0 };
	gb_header(&g, 0);
	gb_put(&g, 1, 1);
	gb_put(&g, 2, 2);
	gb_put(&g, 0, 5);
	gb_put(&g, 0, 5);
	gb_put(&g, 15, 4);
	for (int i = 0; i < 19; i++)
		gb_put(&g, 1, 3);
	gb_flush(&g);
	gb_le32(&g, 0);
	gb_le32(&g, 0);
	tu_validate(&format_gzip, g.b, g.len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "over-subscribed code: rejected");
	free(g.b);

	/* stored block whose NLEN is not LEN's complement */
	g = (struct gb){ 0 };
	gb_header(&g, 0);
	gb_put(&g, 1, 1);
	gb_put(&g, 0, 2);
	gb_flush(&g);
	gb_bytes(&g, "\x05\x00\x05\x00hello", 9);
	gb_le32(&g, 0);
	gb_le32(&g, 5);
	tu_validate(&format_gzip, g.b, g.len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "stored block with a bad NLEN: "
	   "rejected");
	free(g.b);

	/* many empty stored blocks, then an empty final one: a long walk */
	g = (struct gb){ 0 };
	gb_header(&g, 0);
	for (int i = 0; i < 100000; i++) {
		gb_put(&g, 0, 3);
		gb_flush(&g);
		gb_bytes(&g, "\0\0\xff\xff", 4);
	}
	gb_put(&g, 1, 1);
	gb_put(&g, 1, 2);
	gb_fixed_sym(&g, 256);
	gb_flush(&g);
	gb_le32(&g, 0);
	gb_le32(&g, 0);
	tu_validate(&format_gzip, g.b, g.len, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == g.len,
	   "100000 empty stored blocks: accepted whole");
	free(g.b);
}

/* One literal, then 200000 copies of 258 bytes: 51.6 MB from 330 KB. */
static void check_bomb(void)
{
	struct carve_result res;
	struct gb g = { 0 };
	enum { COPIES = 200000 };
	uint8_t as[258];

	gb_header(&g, 0);
	gb_put(&g, 1, 1);
	gb_put(&g, 1, 2);
	gb_fixed_sym(&g, 'a');
	for (int i = 0; i < COPIES; i++) {
		gb_fixed_sym(&g, 285);
		gb_code(&g, 0, 5);
	}
	gb_fixed_sym(&g, 256);
	gb_flush(&g);
	memset(as, 'a', sizeof(as));
	uint32_t crc = crc32_update(0, as, 1);
	for (int i = 0; i < COPIES; i++)
		crc = crc32_update(crc, as, sizeof(as));
	gb_le32(&g, crc);
	gb_le32(&g, 1 + 258u * COPIES);
	clock_t t0 = clock();
	tu_validate(&format_gzip, g.b, g.len, 0, &res);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	ok(res.verdict == CARVE_ACCEPT && res.length == g.len,
	   "a 1:150 bomb with a right CRC: accepted whole");
	printf("# %u bytes inflated in %.2f s CPU (not asserted)\n",
	       1 + 258u * COPIES, secs);
	g.b[g.len - 8] ^= 1;
	tu_validate(&format_gzip, g.b, g.len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "the bomb with a wrong CRC: rejected");
	free(g.b);
}

/* Random bytes after the magic and a plausible header. */
static void check_garbage(void)
{
	struct carve_result res;
	uint8_t b[8192];
	unsigned accepted = 0;

	for (uint64_t seed = 1; seed <= 300; seed++) {
		tu_random(b, sizeof(b), seed);
		memcpy(b, "\x1f\x8b\x08\0\0\0\0\0\0\3", 10);
		if (tu_validate(&format_gzip, b, sizeof(b), 0, &res) ==
		    CARVE_ACCEPT)
			accepted++;
	}
	is_u64(accepted, 0, "300 random streams after a header: none accepted");
}

int main(void)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		check_sample(&samples[i]);
	check_corrupt();
	check_header_fields();
	check_streams();
	check_bomb();
	check_garbage();
	return tap_done();
}

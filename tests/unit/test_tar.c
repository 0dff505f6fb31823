/*
 * test_tar.c - the tar validator: archives written by GNU tar 1.34 in the
 * ustar, GNU and pax formats (tests/data/tar/make.sh) embedded in random
 * bytes and cut short; archives built here block by block for the end
 * rules (one or two zero blocks, record padding) and hostile headers (bad
 * checksum, a base-256 size of 2^63, more members than the cap).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "fmt_util.h"
#include "img_check.h"

extern const struct format format_tar;

/* Names longer than a metadata value are cut to its 79 bytes. */
static const struct sample {
	const char *file;
	const char *members, *name;
} samples[] = {
	{ "tar/ustar.tar", "2", "docs/fox.txt" },
	{ "tar/gnu.tar", "2", "a_directory_with_a_rather_long_name_for_"
	  "testing/and_a_file_name_that_takes_the_" },
	{ "tar/pax.tar", "2", "a_directory_with_a_rather_long_name_for_"
	  "testing/and_a_file_name_that_takes_the_" },
	{ "tar/empty.tar", "1", "empty.txt" },
};

static void check_sample(const struct sample *s)
{
	size_t len;
	uint8_t *f = tu_load_data(s->file, &len);
	struct carve_result res;

	ic_embedded_at(&format_tar, s->file, f, len, 4096, 3000, 41, &res);
	is_str(tu_meta(&res, "members"), s->members, "%s: members", s->file);
	is_str(tu_meta(&res, "name"), s->name, "%s: first name", s->file);
	/* Every cut at a block boundary and in between, not only 24. */
	unsigned bad = 0, trunc = 0;
	for (size_t cut = 1; cut < len; cut += cut < 3000 ? 7 : 97) {
		enum carve_verdict v = tu_validate(&format_tar, f, cut, 0, &res);
		if (v == CARVE_ACCEPT || (v == CARVE_TRUNCATED && res.length > cut))
			bad++;
		trunc += v == CARVE_TRUNCATED;
	}
	is_u64(bad, 0, "%s: no cut accepted or overlong (%u truncated)",
	       s->file, trunc);
	ic_cuts(&format_tar, s->file, f, len);
	free(f);
}

/* ---- archives built here ---- */

/* Fills the checksum field of header h: the sum with it as spaces. */
static void seal(uint8_t *h)
{
	unsigned sum = 0;

	memset(h + 148, ' ', 8);
	for (unsigned i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
}

/* A ustar header at h for a member name of size bytes, type t. */
static void header(uint8_t *h, const char *name, uint64_t size, char t)
{
	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	memcpy(h + 100, "0000644", 8);
	memcpy(h + 108, "0000000", 8);
	memcpy(h + 116, "0000000", 8);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size);
	memcpy(h + 136, "14544335325", 12);
	h[156] = (uint8_t)t;
	memcpy(h + 257, "ustar\0" "00", 8);
	seal(h);
}

static enum carve_verdict check(const uint8_t *b, size_t len,
                                struct carve_result *res)
{
	return tu_validate(&format_tar, b, len, 0, res);
}

/* Random bytes at b[end..end + 512): what follows the archive. */
static size_t then_filler(uint8_t *b, size_t end)
{
	tu_random(b + end, 512, end);
	return end + 512;
}

static void check_built(void)
{
	static uint8_t b[3 * 10240];
	struct carve_result res;

	/* One 600-byte file, two zero blocks, no padding, then filler. */
	memset(b, 0, sizeof(b));
	header(b, "a.txt", 600, '0');
	memset(b + 512, 'x', 600);
	tu_random(b + 512 + 1024 + 1024, 2000, 7);
	ok(check(b, sizeof(b), &res) == CARVE_ACCEPT && res.length == 2560,
	   "two zero blocks end the archive (%llu)",
	   (unsigned long long)res.length);
	is_str(tu_meta(&res, "members"), "1", "one member");

	/* The same with zeros up to the record's end: padding included. */
	memset(b + 2560, 0, sizeof(b) - 2560);
	tu_random(b + 10240, 100, 8);
	ok(check(b, sizeof(b), &res) == CARVE_ACCEPT && res.length == 10240,
	   "zero record padding belongs to the archive");
	/* A non-zero byte inside it: the padding is not the archive's. */
	b[9000] = 1;
	ok(check(b, sizeof(b), &res) == CARVE_ACCEPT && res.length == 2560,
	   "padding that is not all zeros is left out");
	b[9000] = 0;
	/* The source ends inside the padding: cut there. */
	ok(check(b, 6000, &res) == CARVE_TRUNCATED && res.length == 6000,
	   "a source that ends inside the padding: truncated");
	ok(check(b, 2560, &res) == CARVE_ACCEPT && res.length == 2560,
	   "a source that ends right after the end blocks: whole");

	/* One zero block, then filler: GNU tar's lone zero block. */
	tu_random(b + 2048, 4000, 9);
	ok(check(b, sizeof(b), &res) == CARVE_ACCEPT && res.length == 2048,
	   "a lone zero block before other bytes ends the archive");
	ok(check(b, 2048, &res) == CARVE_TRUNCATED && res.length == 2048,
	   "a lone zero block at the source's end: truncated");
	ok(check(b, 2048 + 100, &res) == CARVE_ACCEPT && res.length == 2048,
	   "a lone zero block and a few other bytes: the same end");

	/* Cut inside the member's data. */
	ok(check(b, 800, &res) == CARVE_TRUNCATED && res.length == 800,
	   "cut inside a member: truncated at what is there");
	ok(check(b, 300, &res) == CARVE_REJECT,
	   "a header cut short: rejected");

	/* Links, directories and FIFOs carry no data whatever their size
	 * field says; a pax header's data are skipped like a file's. */
	memset(b, 0, sizeof(b));
	header(b, "dir/", 1000, '5');
	header(b + 512, "link", 99999, '2');
	header(b + 1024, "PaxHeaders/f", 25, 'x');
	memcpy(b + 1536, "25 path=named/by/pax.txt\n", 25);
	header(b + 2048, "f", 1, '0');
	b[2560] = 'y';
	ok(check(b, then_filler(b, 4096), &res) == CARVE_ACCEPT &&
	   res.length == 4096,
	   "links and directories skip no data, pax data are skipped (%llu)",
	   (unsigned long long)res.length);
	is_str(tu_meta(&res, "members"), "3", "pax headers are no members");
	is_str(tu_meta(&res, "name"), "dir/", "first name: the first member");

	/* A first header with the pax path: the name comes from it. */
	memmove(b, b + 1024, 2048);
	memset(b + 2048, 0, 1024);
	ok(check(b, then_filler(b, 3072), &res) == CARVE_ACCEPT &&
	   res.length == 3072,
	   "an archive opening with a pax header");
	is_str(tu_meta(&res, "name"), "named/by/pax.txt", "name from pax path");

	/* Base-256 sizes: a small one is read, 2^63 and negative refused. */
	memset(b, 0, sizeof(b));
	header(b, "big", 0, '0');
	memset(b + 124, 0, 12);
	b[124] = 0x80;
	b[135] = 3;
	seal(b);
	memset(b + 512, 'z', 3);
	ok(check(b, then_filler(b, 2048), &res) == CARVE_ACCEPT &&
	   res.length == 2048,
	   "base-256 size read");
	b[135] = 0;
	b[128] = 0x80;    /* 2^63 */
	seal(b);
	ok(check(b, 8192, &res) == CARVE_REJECT, "base-256 size 2^63 rejected");
	b[128] = 0;
	b[124] = 0xff;    /* negative */
	seal(b);
	ok(check(b, 8192, &res) == CARVE_REJECT, "negative size rejected");

	/* Checksums: a wrong one, a signed one. */
	header(b, "a", 0, '0');
	b[0] ^= 1;
	ok(check(b, 8192, &res) == CARVE_REJECT, "bad checksum rejected");
	header(b, "\xe4\xf6\xfc", 0, '0');
	int ssum = 0;
	memset(b + 148, ' ', 8);
	for (unsigned i = 0; i < 512; i++)
		ssum += (int8_t)b[i];
	snprintf((char *)b + 148, 8, "%06o", (unsigned)ssum);
	memset(b + 512, 0, 1024);
	ok(check(b, then_filler(b, 1536), &res) == CARVE_ACCEPT &&
	   res.length == 1536,
	   "a signed checksum accepted");

	/* A good member, then a block that is no header. */
	header(b, "a", 0, '0');
	header(b + 512, "b", 0, '0');
	b[512 + 10] ^= 0x40;
	ok(check(b, 8192, &res) == CARVE_TRUNCATED && res.length == 512,
	   "a bad header after a good one: truncated before it");

	/* No magic, or a huge octal size. */
	header(b, "a", 0, '0');
	b[257] = 'U';
	seal(b);
	ok(check(b, 8192, &res) == CARVE_REJECT, "no magic: rejected");
	header(b, "a", 0, '0');
	memcpy(b + 124, "77777777777", 11);
	seal(b);
	ok(check(b, 8192, &res) == CARVE_TRUNCATED && res.length == 8192,
	   "an octal size past the source: truncated at its end");
}

/* More members than the cap: no hang, truncated at the cap. */
static void check_cap(void)
{
	const size_t n = 131072 + 100;
	size_t len = (n + 2) * 512;
	uint8_t *b = calloc(1, len);
	struct carve_result res;

	if (b == NULL)
		tap_bail("out of memory");
	header(b, "m", 0, '0');
	for (size_t i = 1; i < n; i++)
		memcpy(b + i * 512, b, 512);
	enum carve_verdict v = check(b, len, &res);
	ok(v == CARVE_TRUNCATED && res.length == 131072 * 512ull,
	   "%zu tiny members: truncated at the cap (%llu)", n,
	   (unsigned long long)res.length);
	free(b);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		check_sample(&samples[i]);
	check_built();
	check_cap();
	return tap_done();
}

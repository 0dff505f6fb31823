/*
 * test_png.c - the PNG validator on real files made by ImageMagick and
 * pngcrush (tests/data/png), and on hand-built chunk sequences: bad CRCs,
 * hostile lengths, missing chunks, an APNG, a flood of tiny chunks.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "fmt_util.h"
#include "img_check.h"

extern const struct format format_png;

/* Bitwise CRC-32, independent of the validator's table. */
static uint32_t crc32_bits(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return c ^ 0xffffffffu;
}

/* Appends a chunk with a correct CRC at *len; returns its offset. */
static size_t put_chunk(uint8_t *buf, size_t *len, const char *type,
                        const uint8_t *data, uint32_t n)
{
	size_t at = *len;

	mem_put_be32(buf + at, n);
	memcpy(buf + at + 4, type, 4);
	if (n)
		memcpy(buf + at + 8, data, n);
	mem_put_be32(buf + at + 8 + n, crc32_bits(buf + at + 4, 4 + (size_t)n));
	*len = at + 12 + n;
	return at;
}

static size_t put_sig_ihdr(uint8_t *buf, uint32_t w, uint32_t h)
{
	uint8_t ihdr[13] = { 0, 0, 0, 0, 0, 0, 0, 0, 8, 2, 0, 0, 0 };
	size_t len = 8;

	memcpy(buf, "\x89PNG\r\n\x1a\n", 8);
	mem_put_be32(ihdr, w);
	mem_put_be32(ihdr + 4, h);
	put_chunk(buf, &len, "IHDR", ihdr, 13);
	return len;
}

static void check_sample(const char *file, const char *w, const char *h,
                         uint64_t seed)
{
	char name[256];
	size_t len;
	struct carve_result res;

	snprintf(name, sizeof(name), "png/%s", file);
	uint8_t *data = tu_load_data(name, &len);
	ic_embedded(&format_png, file, data, len, seed, &res);
	ok(res.ext == NULL, "%s: default extension", file);
	is_str(tu_meta(&res, "width"), w, "%s: width", file);
	is_str(tu_meta(&res, "height"), h, "%s: height", file);
	unsigned t = ic_cuts(&format_png, file, data, len);
	ok(t > 0, "%s: cuts past IHDR come back truncated", file);
	free(data);
}

int main(void)
{
	struct carve_result res;
	size_t len, n;

	check_sample("rgb.png", "40", "30", 1);
	check_sample("palette.png", "40", "30", 2);
	check_sample("alpha.png", "40", "30", 3);
	check_sample("interlaced.png", "64", "48", 4);
	check_sample("multi-idat.png", "40", "30", 5);

	uint8_t *rgb = tu_load_data("png/rgb.png", &len);
	uint8_t *buf = malloc(len + 8192);

	/* A flipped bit in IDAT data: the file is good up to that chunk. */
	memcpy(buf, rgb, len);
	buf[33 + 8 + 100] ^= 0x10;
	is_u64(tu_validate(&format_png, buf, len, 0, &res), CARVE_TRUNCATED,
	       "bad IDAT CRC: truncated");
	is_u64(res.length, 33, "bad IDAT CRC: cut at the IDAT chunk");
	is_str(res.reason, "bad chunk CRC", "bad IDAT CRC: reason");
	is_u64(res.note, CARVE_NOTE_FRAGMENT, "bad IDAT CRC: a fragmentation point");
	is_u64(res.note_off, 33 + 8 + mem_be32(rgb + 33) + 3,
	       "bad IDAT CRC: its boundary at or before the CRC's last byte");

	/* The whole file: accepted, with no note. */
	is_u64(tu_validate(&format_png, rgb, len, 0, &res), CARVE_ACCEPT,
	       "whole: accepted");
	is_u64(res.note, CARVE_NOTE_NONE, "whole: no note");

	/* A flipped bit in IHDR: nothing to trust. */
	memcpy(buf, rgb, len);
	buf[8 + 8 + 3] ^= 0x01;
	is_u64(tu_validate(&format_png, buf, len, 0, &res), CARVE_REJECT,
	       "bad IHDR CRC: rejected");
	is_str(res.reason, "bad chunk CRC", "bad IHDR CRC: reason");

	/* IEND missing, random bytes after the last IDAT. */
	memcpy(buf, rgb, len - 12);
	tu_random(buf + len - 12, 4096, 99);
	is_u64(tu_validate(&format_png, buf, len - 12 + 4096, 0, &res),
	       CARVE_TRUNCATED, "no IEND, garbage after: truncated");
	is_u64(res.length, len - 12, "no IEND: cut where IEND should be");

	/* A chunk length of 0xFFFFFFFF after IHDR. */
	memcpy(buf, rgb, len);
	memset(buf + 33, 0xff, 4);
	is_u64(tu_validate(&format_png, buf, len, 0, &res), CARVE_TRUNCATED,
	       "length 0xFFFFFFFF: truncated");
	is_u64(res.length, 33, "length 0xFFFFFFFF: cut at that chunk");
	is_str(res.reason, "garbage where a chunk should be",
	       "length 0xFFFFFFFF: reason");
	is_u64(res.note, CARVE_NOTE_FRAGMENT, "length 0xFFFFFFFF: a fragmentation point");
	is_u64(res.note_off, 33 + 7, "... within the chunk header");

	/* A legal but huge length: the data runs out at the reader's end. */
	memcpy(buf, rgb, len);
	mem_put_be32(buf + 33, 0x7fffffffu);
	is_u64(tu_validate(&format_png, buf, len, 0, &res), CARVE_TRUNCATED,
	       "length 2^31-1: truncated");
	is_u64(res.length, len, "length 2^31-1: everything that is there");
	is_u64(res.note, CARVE_NOTE_NONE,
	       "length 2^31-1: no fragmentation point (the data ran out)");

	/* Zero width, CRC made right: rejected on content. */
	n = put_sig_ihdr(buf, 0, 10);
	is_u64(tu_validate(&format_png, buf, n, 0, &res), CARVE_REJECT,
	       "zero width: rejected");
	is_str(res.reason, "bad IHDR", "zero width: reason");

	/* Width 2^31: too wide for the spec. */
	n = put_sig_ihdr(buf, 0x80000000u, 10);
	is_u64(tu_validate(&format_png, buf, n, 0, &res), CARVE_REJECT,
	       "width 2^31: rejected");

	/* IHDR then IEND straight away. */
	n = put_sig_ihdr(buf, 4, 4);
	put_chunk(buf, &n, "IEND", NULL, 0);
	is_u64(tu_validate(&format_png, buf, n, 0, &res), CARVE_REJECT,
	       "no IDAT: rejected");
	is_str(res.reason, "no IDAT chunk", "no IDAT: reason");

	/* Another chunk before IHDR. */
	n = 8;
	memcpy(buf, "\x89PNG\r\n\x1a\n", 8);
	put_chunk(buf, &n, "tEXt", (const uint8_t *)"a\0b", 3);
	is_u64(tu_validate(&format_png, buf, n, 0, &res), CARVE_REJECT,
	       "IHDR not first: rejected");

	/* Signature followed by junk. */
	memcpy(buf, "\x89PNG\r\n\x1a\n", 8);
	tu_random(buf + 8, 4096, 5);
	is_u64(tu_validate(&format_png, buf, 4104, 0, &res), CARVE_REJECT,
	       "signature and junk: rejected");

	/* An APNG: acTL, fcTL and fdAT around the real IDAT. */
	{
		uint8_t actl[8] = { 0, 0, 0, 2, 0, 0, 0, 0 };
		uint8_t fctl[26] = { 0 }, fdat[4 + 16];
		uint32_t idat_len = mem_be32(rgb + 33);

		memcpy(buf, rgb, 33);
		n = 33;
		put_chunk(buf, &n, "acTL", actl, 8);
		put_chunk(buf, &n, "fcTL", fctl, 26);
		memcpy(buf + n, rgb + 33, 12 + (size_t)idat_len);
		n += 12 + (size_t)idat_len;
		mem_put_be32(fdat, 2);
		memset(fdat + 4, 0x55, 16);
		put_chunk(buf, &n, "fcTL", fctl, 26);
		put_chunk(buf, &n, "fdAT", fdat, 20);
		put_chunk(buf, &n, "IEND", NULL, 0);
		ic_embedded(&format_png, "apng", buf, n, 77, &res);
		is_str(tu_meta(&res, "frames"), "2", "apng: frame count");
	}
	free(buf);

	/* 200,000 empty private chunks between IHDR and IDAT. */
	{
		size_t cap = 33 + 200000 * 12 + len;
		uint8_t *big = malloc(cap);
		memcpy(big, rgb, 33);
		n = 33;
		for (unsigned i = 0; i < 200000; i++)
			put_chunk(big, &n, "prVt", NULL, 0);
		memcpy(big + n, rgb + 33, len - 33);
		n += len - 33;
		is_u64(tu_validate(&format_png, big, n, 0, &res), CARVE_ACCEPT,
		       "200k tiny chunks: accepted");
		is_u64(res.length, n, "200k tiny chunks: exact length");
		free(big);
	}
	/* More chunks than the walk allows: a quick rejection. */
	{
		size_t cap = 33 + 1000001ull * 12;
		uint8_t *big = malloc(cap);
		memcpy(big, rgb, 33);
		n = 33;
		for (unsigned i = 0; i < 1000001; i++)
			put_chunk(big, &n, "prVt", NULL, 0);
		is_u64(tu_validate(&format_png, big, n, 0, &res), CARVE_REJECT,
		       "a million tiny chunks: rejected");
		is_str(res.reason, "too many chunks", "a million chunks: reason");
		free(big);
	}
	free(rgb);
	return tap_done();
}

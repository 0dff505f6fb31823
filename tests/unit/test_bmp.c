/*
 * test_bmp.c - the BMP validator on real files made by ImageMagick
 * (tests/data/bmp: 24-bit, 8-bit paletted, RLE8, 32-bit V5, OS/2 core
 * header) and on edited headers: wrong or zero file size fields, absurd
 * dimensions, bad fields, an embedded ICC profile, RLE without an end.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "fmt_util.h"
#include "img_check.h"

extern const struct format format_bmp;

static void check_sample(const char *file, const char *w, const char *h,
                         const char *bpp, uint64_t seed)
{
	char name[256];
	size_t len;
	struct carve_result res;

	snprintf(name, sizeof(name), "bmp/%s", file);
	uint8_t *data = tu_load_data(name, &len);
	ic_embedded(&format_bmp, file, data, len, seed, &res);
	is_str(tu_meta(&res, "width"), w, "%s: width", file);
	is_str(tu_meta(&res, "height"), h, "%s: height", file);
	is_str(tu_meta(&res, "bpp"), bpp, "%s: bits per pixel", file);
	unsigned t = ic_cuts(&format_bmp, file, data, len);
	ok(t > 0, "%s: cuts in the pixels come back truncated", file);

	/* The file size field zeroed: the headers alone give the end. */
	uint8_t *copy = malloc(len);
	memcpy(copy, data, len);
	mem_put_le32(copy + 2, 0);
	ic_embedded(&format_bmp, "zero size field", copy, len, seed + 100, &res);
	/* ... or nonsense. */
	mem_put_le32(copy + 2, 0x7fffffffu);
	ic_embedded(&format_bmp, "huge size field", copy, len, seed + 200, &res);
	free(copy);
	free(data);
}

/* Validates buf[0..len) with filler after it; returns the verdict. */
static enum carve_verdict run(const uint8_t *data, size_t len,
                              struct carve_result *res)
{
	uint8_t *buf = malloc(len + 4096);
	memcpy(buf, data, len);
	tu_random(buf + len, 4096, 31);
	enum carve_verdict v = tu_validate(&format_bmp, buf, len + 4096, 0, res);
	free(buf);
	return v;
}

int main(void)
{
	struct carve_result res;
	size_t len;

	check_sample("rgb24.bmp", "37", "23", "24", 21);
	check_sample("pal8.bmp", "37", "23", "8", 22);
	check_sample("rle8.bmp", "40", "23", "8", 23);
	check_sample("argb32.bmp", "20", "16", "32", 24);
	check_sample("core24.bmp", "21", "9", "24", 25);

	uint8_t *rgb = tu_load_data("bmp/rgb24.bmp", &len);
	uint8_t *b = malloc(len + 4096);

	/* Two bytes of padding the file size field counts. */
	memcpy(b, rgb, len);
	b[len] = b[len + 1] = 0;
	mem_put_le32(b + 2, (uint32_t)len + 2);
	ic_embedded(&format_bmp, "padded by 2", b, len + 2, 26, &res);

#define EDIT(what, off, put, val, why)                              \
	do {                                                              \
		memcpy(b, rgb, len);                                      \
		put(b + (off), (val));                                    \
		is_u64(run(b, len, &res), CARVE_REJECT, what ": rejected"); \
		is_str(res.reason, why, what ": reason");                 \
	} while (0)
#define PUT16(p, v) (p)[0] = (uint8_t)(v), (p)[1] = (uint8_t)((v) >> 8)

	EDIT("width 2^31-1", 18, mem_put_le32, 0x7fffffffu,
	     "absurd dimensions");
	EDIT("height -2^31", 22, mem_put_le32, 0x80000000u,
	     "absurd dimensions");
	EDIT("width 0", 18, mem_put_le32, 0, "absurd dimensions");
	EDIT("planes 2", 26, PUT16, 2, "planes is not 1");
	EDIT("7 bits a pixel", 28, PUT16, 7,
	     "bad bit depth or compression");
	EDIT("compression 9", 30, mem_put_le32, 9,
	     "bad bit depth or compression");
	EDIT("reserved field set", 6, mem_put_le32, 1,
	     "reserved fields not zero");
	EDIT("DIB size 99", 14, mem_put_le32, 99,
	     "unknown DIB header size");
	EDIT("pixels inside the header", 10, mem_put_le32, 20,
	     "pixel offset inside the headers");

	/* 100000 x 100000 at 32 bits: more than the format allows. */
	memcpy(b, rgb, len);
	mem_put_le32(b + 18, 100000);
	mem_put_le32(b + 22, 100000);
	PUT16(b + 28, 32);
	is_u64(run(b, len, &res), CARVE_REJECT, "10^10 pixels: rejected");
	is_str(res.reason, "image too large", "10^10 pixels: reason");

	/* Top-down rows (negative height) are fine uncompressed. */
	memcpy(b, rgb, len);
	mem_put_le32(b + 22, (uint32_t)-23);
	is_u64(run(b, len, &res), CARVE_ACCEPT, "top-down: accepted");
	is_u64(res.length, len, "top-down: exact length");
	free(rgb);

	/* RLE8 whose end-of-bitmap code was overwritten. */
	uint8_t *rle = tu_load_data("bmp/rle8.bmp", &len);
	memcpy(b, rle, len);
	b[len - 1] = 0x00;            /* 00 01 becomes 00 00: end of line */
	memset(b + len, 0x11, 600);   /* then runs, never an end code */
	is_u64(tu_validate(&format_bmp, b, len + 600, 0, &res), CARVE_REJECT,
	       "RLE8 without its end code: rejected");
	is_str(res.reason, "RLE stream has no end", "RLE8 without end: reason");
	free(rle);

	/* A hand-made 4x3 RLE4 image: runs, an odd literal, a delta. */
	{
		static const uint8_t stream[] = {
			0x04, 0x12, 0x00, 0x00,             /* run, end of line */
			0x00, 0x03, 0x12, 0x30, 0x01, 0x05, /* literal, run */
			0x00, 0x00,
			0x00, 0x02, 0x01, 0x00,             /* delta */
			0x03, 0x44, 0x00, 0x01,             /* run, end of bitmap */
		};
		size_t off = 14 + 40 + 16 * 4;
		memset(b, 0, off);
		b[0] = 'B';
		b[1] = 'M';
		mem_put_le32(b + 10, (uint32_t)off);
		mem_put_le32(b + 14, 40);
		mem_put_le32(b + 18, 4);
		mem_put_le32(b + 22, 3);
		PUT16(b + 26, 1);
		PUT16(b + 28, 4);
		mem_put_le32(b + 30, 2);                     /* BI_RLE4 */
		memcpy(b + off, stream, sizeof(stream));
		ic_embedded(&format_bmp, "RLE4", b, off + sizeof(stream), 29,
		            &res);
		is_u64(tu_validate(&format_bmp, b, off + sizeof(stream) - 1, 0,
		                   &res), CARVE_TRUNCATED,
		       "RLE4 without its last byte: truncated");
	}

	/* A V5 header with an ICC profile after the pixels. */
	uint8_t *v5 = tu_load_data("bmp/argb32.bmp", &len);
	memcpy(b, v5, len);
	mem_put_le32(b + 14 + 56, 0x4d424544u);              /* 'MBED' */
	mem_put_le32(b + 14 + 112, (uint32_t)len - 14);
	mem_put_le32(b + 14 + 116, 300);
	tu_random(b + len, 300, 8);
	mem_put_le32(b + 2, (uint32_t)len + 300);
	ic_embedded(&format_bmp, "V5 with profile", b, len + 300, 27, &res);
	mem_put_le32(b + 2, 0);
	ic_embedded(&format_bmp, "V5 with profile, no size field", b, len + 300,
	            28, &res);
	is_u64(tu_validate(&format_bmp, b, len + 100, 0, &res), CARVE_TRUNCATED,
	       "V5 profile cut: truncated");
	is_u64(res.length, len + 100, "V5 profile cut: all that is there");
	free(v5);

	/* "BM" and junk. */
	unsigned accepted = 0;
	for (unsigned s = 1; s <= 2000; s++) {
		tu_random(b, 4096, s);
		b[0] = 'B';
		b[1] = 'M';
		if (tu_validate(&format_bmp, b, 4096, 0, &res) != CARVE_REJECT)
			accepted++;
	}
	is_u64(accepted, 0, "\"BM\" and junk: always rejected (2000 seeds)");
	free(b);
	return tap_done();
}

/*
 * bmp.c - Windows and OS/2 bitmap (BMP/DIB) validator.
 *
 * A BMP is a 14-byte file header ("BM", file size, two reserved words,
 * offset of the pixels), a DIB header whose size names its version, an
 * optional colour table, the pixel array and, for V5 headers, an optional
 * embedded ICC profile.  There is no end marker: the end is worked out from
 * the headers (row stride times height, or the stored image size for
 * compressed pixels; RLE streams are walked to their end-of-bitmap code),
 * then reconciled with the file size field, which some writers fill in
 * wrongly or leave at zero.  "BM" is only two bytes, so the header fields
 * are checked hard and the format is only tried at block starts.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>

#include "formats/format.h"

#define BMP_FILE_HDR 14
#define BMP_MAX_DIM 100000u
#define BMP_MAX_SIZE (512ull << 20)
/* Extra bytes past the computed end that a file size field may cover. */
#define BMP_SLACK 1024u

enum {
	BMP_RGB = 0, BMP_RLE8 = 1, BMP_RLE4 = 2, BMP_BITFIELDS = 3,
	BMP_JPEG = 4, BMP_PNG = 5, BMP_ALPHABITFIELDS = 6,
};

static const struct format_sig bmp_sigs[] = {
	FORMAT_SIG("BM", 0),
};

/* The DIB header sizes Windows and OS/2 writers use. */
static bool bmp_dib_size_ok(uint32_t n)
{
	return n == 12 || n == 40 || n == 52 || n == 56 || n == 108 || n == 124;
}

/*
 * Walks an RLE4/RLE8 stream from off to its end-of-bitmap code, within
 * [off, stop).  Returns the offset just past that code, or 0 when the
 * stream leaves the range first (or runs past the readable bytes).
 * Pairs are read straight out of the reader's window, since a hostile
 * stream can be hundreds of megabytes of them.
 */
static uint64_t bmp_rle_end(struct bread *br, uint64_t off, uint64_t stop,
                            bool four)
{
	while (off + 2 <= stop) {
		size_t avail, i = 0;
		const uint8_t *p = bread_span(br, off, &avail);

		if (p == NULL)
			return 0;
		if (avail < 2) {
			/* A pair straddles the window's end: refill at off. */
			p = bread_peek(br, off, 2);
			if (p == NULL)
				return 0;
			avail = 2;
		}
		if (avail > stop - off)
			avail = (size_t)(stop - off);
		while (i + 2 <= avail) {
			uint8_t count = p[i], code = p[i + 1];

			i += 2;
			if (count != 0)
				continue;           /* a run: count and value */
			if (code == 1)              /* end of bitmap */
				return off + i;
			if (code == 2) {            /* delta: dx, dy */
				i += 2;
			} else if (code > 2) {      /* literal, word aligned */
				size_t n = four ? (code + 1u) / 2 : code;
				i += (n + 1) & ~(size_t)1;
			}                           /* 0: end of line */
		}
		off += i;
	}
	return 0;
}

/* Checks the headers and works out the file's end. */
static void bmp_validate(struct bread *br, struct carve_result *res)
{
	const uint64_t size = bread_size(br);
	uint8_t h[BMP_FILE_HDR + 124];
	size_t got = bread_read(br, 0, h, sizeof(h));

	if (got < BMP_FILE_HDR + 16 || h[0] != 'B' || h[1] != 'M') {
		carve_reject(res, "no BMP header");
		return;
	}
	uint32_t file_size = mem_le32(h + 2);
	uint32_t pix_off = mem_le32(h + 10);
	uint32_t dib = mem_le32(h + 14);
	if (mem_le32(h + 6) != 0) {
		carve_reject(res, "reserved fields not zero");
		return;
	}
	if (!bmp_dib_size_ok(dib)) {
		carve_reject(res, "unknown DIB header size");
		return;
	}
	if (got < BMP_FILE_HDR + dib) {
		carve_reject(res, "DIB header past the end");
		return;
	}
	const uint8_t *d = h + BMP_FILE_HDR;
	int64_t width, height;
	uint32_t planes, bpp, comp = BMP_RGB, size_image = 0, colors = 0;
	if (dib == 12) {            /* OS/2 1.x and Windows 2 core header */
		width = mem_le16(d + 4);
		height = mem_le16(d + 6);
		planes = mem_le16(d + 8);
		bpp = mem_le16(d + 10);
	} else {
		width = (int32_t)mem_le32(d + 4);
		height = (int32_t)mem_le32(d + 8);
		planes = mem_le16(d + 12);
		bpp = mem_le16(d + 14);
		comp = mem_le32(d + 16);
		size_image = mem_le32(d + 20);
		colors = mem_le32(d + 32);
	}
	bool top_down = height < 0;
	uint64_t rows = (uint64_t)(top_down ? -height : height);
	if (width <= 0 || width > BMP_MAX_DIM || rows == 0 || rows > BMP_MAX_DIM) {
		carve_reject(res, "absurd dimensions");
		return;
	}
	if (planes != 1) {
		carve_reject(res, "planes is not 1");
		return;
	}
	bool bpp_ok = bpp == 1 || bpp == 4 || bpp == 8 || bpp == 16 ||
	              bpp == 24 || bpp == 32;
	bool comp_ok;
	switch (comp) {
	case BMP_RGB:
		comp_ok = bpp_ok;
		break;
	case BMP_RLE8:
		comp_ok = bpp == 8 && !top_down;
		break;
	case BMP_RLE4:
		comp_ok = bpp == 4 && !top_down;
		break;
	case BMP_BITFIELDS:
	case BMP_ALPHABITFIELDS:
		comp_ok = bpp == 16 || bpp == 32;
		break;
	case BMP_JPEG:
	case BMP_PNG:           /* an embedded JPEG or PNG stream */
		comp_ok = (bpp == 0 || bpp_ok) && size_image > 0;
		break;
	default:
		comp_ok = false;
	}
	if (!comp_ok) {
		carve_reject(res, "bad bit depth or compression");
		return;
	}
	if (bpp <= 8 && bpp > 0 && colors > (1u << bpp)) {
		carve_reject(res, "colour table larger than the bit depth");
		return;
	}
	/* A 40-byte header keeps its channel masks after itself. */
	uint32_t masks = 0;
	if (dib == 40 && comp == BMP_BITFIELDS)
		masks = 12;
	else if (dib == 40 && comp == BMP_ALPHABITFIELDS)
		masks = 16;
	if (pix_off < BMP_FILE_HDR + dib + masks || pix_off >= BMP_MAX_SIZE) {
		carve_reject(res, "pixel offset inside the headers");
		return;
	}

	uint64_t pixels_end;
	if (comp == BMP_RGB || comp == BMP_BITFIELDS ||
	    comp == BMP_ALPHABITFIELDS) {
		uint64_t stride = ((uint64_t)width * bpp + 31) / 32 * 4;
		pixels_end = pix_off + stride * rows;
	} else if (comp == BMP_RLE8 || comp == BMP_RLE4) {
		/*
		 * The walk is bounded by the stored size when there is one,
		 * otherwise by what a worst-case stream could take.
		 */
		uint64_t cap = size_image ? size_image :
		               ((uint64_t)width + 2) * 2 * rows + 2;
		uint64_t stop = pix_off + cap;
		if (stop > size)
			stop = size;
		uint64_t end = bmp_rle_end(br, pix_off, stop, comp == BMP_RLE4);
		if (end == 0) {
			if (pix_off + cap <= size)
				carve_reject(res, "RLE stream has no end");
			else
				carve_truncated(res, size, "pixel data runs past the end");
			return;
		}
		/* The stored size may add the word padding after the code. */
		pixels_end = end;
		if (size_image && pix_off + (uint64_t)size_image >= end &&
		    pix_off + (uint64_t)size_image - end < 4)
			pixels_end = pix_off + (uint64_t)size_image;
	} else {
		pixels_end = pix_off + (uint64_t)size_image;
	}
	if (pixels_end > BMP_MAX_SIZE) {
		carve_reject(res, "image too large");
		return;
	}

	uint64_t end = pixels_end;
	/* A V5 header may carry an ICC profile, usually after the pixels. */
	if (dib == 124 && mem_le32(d + 56) == 0x4d424544u) {   /* 'MBED' */
		uint64_t prof = BMP_FILE_HDR + (uint64_t)mem_le32(d + 112);
		uint64_t prof_end = prof + mem_le32(d + 116);
		if (prof_end > BMP_MAX_SIZE) {
			carve_reject(res, "bad embedded profile");
			return;
		}
		if (prof_end > end)
			end = prof_end;
	}
	/*
	 * Trust the file size field when it covers the computed end with a
	 * little slack (writers pad); otherwise the headers decide.
	 */
	if (file_size >= end && file_size - end <= BMP_SLACK)
		end = file_size;
	if (end > size) {
		carve_truncated(res, size, "pixel data runs past the end");
		return;
	}
	carve_meta_add(res, "width", "%u", (unsigned)width);
	carve_meta_add(res, "height", "%u", (unsigned)rows);
	carve_meta_add(res, "bpp", "%u", (unsigned)bpp);
	carve_accept(res, end);
}

const struct format format_bmp = {
	.name = "bmp",
	.ext = "bmp",
	.description = "Windows or OS/2 bitmap image (BMP)",
	FORMAT_SIGS(bmp_sigs),
	.align = 512,
	.min_size = BMP_FILE_HDR + 12 + 4,
	.max_size = BMP_MAX_SIZE,
	.validate = bmp_validate,
};

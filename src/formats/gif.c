/*
 * gif.c - GIF (87a and 89a) validator.
 *
 * A GIF is a header with the logical screen, an optional global colour
 * table, then a sequence of blocks: images (descriptor, optional local
 * colour table, LZW code size, data sub-blocks) and extensions (label and
 * sub-blocks), closed by the one-byte trailer 0x3B.  Sub-blocks are
 * length-prefixed, so the walk reaches the trailer without decoding LZW.
 * A file whose block sequence stops at garbage after a whole image was cut
 * or overwritten there: what came before is returned as truncated.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "formats/format.h"

#define GIF_HEADER_LEN 13          /* signature and logical screen */
#define GIF_MAX_BLOCKS 1000000u
#define GIF_MAX_SUBBLOCKS (16u << 20)

#define GIF_IMAGE 0x2c
#define GIF_EXTENSION 0x21
#define GIF_TRAILER 0x3b

static const struct format_sig gif_sigs[] = {
	FORMAT_SIG("GIF87a", 0),
	FORMAT_SIG("GIF89a", 0),
};

enum gif_step { GIF_OK, GIF_PAST_END, GIF_TOO_MANY };

/*
 * Skips a chain of data sub-blocks starting at *off up to and including
 * its zero-length terminator; *budget counts sub-blocks over the file.
 */
static enum gif_step gif_skip_subblocks(struct bread *br, uint64_t *off,
                                        uint32_t *budget)
{
	uint64_t at = *off;

	for (;;) {
		uint8_t n;

		if (*budget == 0)
			return GIF_TOO_MANY;
		(*budget)--;
		if (bread_u8(br, at, &n) != 0)
			return GIF_PAST_END;
		at += 1 + (uint64_t)n;
		if (n == 0)
			break;
	}
	if (at > bread_size(br))
		return GIF_PAST_END;
	*off = at;
	return GIF_OK;
}

/* Size in bytes of the colour table announced by a packed flags byte. */
static uint64_t gif_table_len(uint8_t flags)
{
	return (flags & 0x80) ? 3ull << ((flags & 7) + 1) : 0;
}

/* Walks the blocks from the header to the trailer. */
static void gif_validate(struct bread *br, struct carve_result *res)
{
	const uint64_t size = bread_size(br);
	uint8_t hdr[GIF_HEADER_LEN];
	uint32_t budget = GIF_MAX_SUBBLOCKS;
	unsigned frames = 0, width, height;

	if (bread_read(br, 0, hdr, sizeof(hdr)) != sizeof(hdr) ||
	    (memcmp(hdr, "GIF87a", 6) != 0 && memcmp(hdr, "GIF89a", 6) != 0)) {
		carve_reject(res, "no GIF header");
		return;
	}
	width = mem_le16(hdr + 6);
	height = mem_le16(hdr + 8);
	uint64_t off = GIF_HEADER_LEN + gif_table_len(hdr[10]);

	for (unsigned n = 0; n < GIF_MAX_BLOCKS; n++) {
		uint64_t start = off;
		enum gif_step step;
		uint8_t b;

		if (bread_u8(br, off, &b) != 0) {
			carve_truncated(res, size, "missing trailer");
			return;
		}
		if (b == GIF_TRAILER) {
			if (frames == 0) {
				carve_reject(res, "no image before the trailer");
				return;
			}
			carve_meta_add(res, "width", "%u", width);
			carve_meta_add(res, "height", "%u", height);
			carve_meta_add(res, "frames", "%u", frames);
			carve_accept(res, off + 1);
			return;
		}
		if (b == GIF_IMAGE) {
			uint8_t desc[10], lzw;

			if (bread_read(br, off, desc, sizeof(desc)) != sizeof(desc)) {
				carve_truncated(res, size, "image descriptor past the end");
				return;
			}
			off += sizeof(desc) + gif_table_len(desc[9]);
			if (bread_u8(br, off, &lzw) != 0) {
				carve_truncated(res, size, "image data past the end");
				return;
			}
			/* LZW starts at 2..8 bits: one more than a pixel's. */
			if (lzw < 2 || lzw > 8) {
				if (frames == 0)
					carve_reject(res, "bad LZW code size");
				else
					carve_truncated(res, start, "bad LZW code size");
				return;
			}
			off++;
			step = gif_skip_subblocks(br, &off, &budget);
			if (step == GIF_OK && frames++ == 0 &&
			    (width == 0 || height == 0)) {
				width = mem_le16(desc + 5);
				height = mem_le16(desc + 7);
			}
		} else if (b == GIF_EXTENSION) {
			off += 2;   /* introducer and label: any label is skippable */
			step = gif_skip_subblocks(br, &off, &budget);
		} else {
			if (frames == 0)
				carve_reject(res, "bad block type");
			else
				carve_truncated(res, start, "missing trailer");
			return;
		}
		if (step == GIF_PAST_END) {
			carve_truncated(res, size, "data runs past the end");
			return;
		}
		if (step == GIF_TOO_MANY) {
			carve_reject(res, "too many sub-blocks");
			return;
		}
	}
	carve_reject(res, "too many blocks");
}

const struct format format_gif = {
	.name = "gif",
	.ext = "gif",
	.description = "Graphics Interchange Format image (GIF87a, GIF89a)",
	FORMAT_SIGS(gif_sigs),
	.align = 1,
	/* header, one image descriptor, code size, one empty block, trailer */
	.min_size = GIF_HEADER_LEN + 10 + 1 + 1 + 1,
	.max_size = 256ull << 20,
	.validate = gif_validate,
};

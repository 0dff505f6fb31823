/*
 * png.c - PNG (and APNG) validator.
 *
 * A PNG is an 8-byte signature and a run of chunks, each a big-endian
 * length, a four-letter type, the data and a CRC-32 over type and data.
 * IHDR comes first and IEND last, so walking the chunks and checking every
 * CRC finds the exact end and rejects almost any junk.  A chunk whose CRC
 * fails after a good IHDR, or a chunk header that is no chunk header,
 * marks the point where the file was overwritten, cut, or continues
 * elsewhere (fragmented): what came before is returned as truncated, with
 * CARVE_NOTE_FRAGMENT.  Its note_off is the last byte the failing test
 * covered (the CRC field's last byte, the header's last byte): some byte
 * up to it is not this file's, so a fragment boundary lies at or before
 * it; length is where the failing chunk starts, everything before having
 * passed its CRC.
 *
 * Reassembly validates one candidate over many maps that share a head:
 * the walk's state at the start of a chunk depends only on the bytes
 * before it, so the last such state before the shared head ends is kept
 * (validate_resume) and the next map's walk starts there.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/crc32.h"
#include "formats/format.h"

#define PNG_SIG_LEN 8
#define PNG_MAX_CHUNK_LEN 0x7fffffffu
#define PNG_MAX_CHUNKS 1000000u
#define PNG_MAX_DIM 0x7fffffffu

static const uint8_t png_sig_bytes[PNG_SIG_LEN] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
};

static const struct format_sig png_sigs[] = {
	FORMAT_SIG("\x89PNG\r\n\x1a\n", 0),
};

/* A chunk type is four ASCII letters. */
static bool png_type_ok(const uint8_t *t)
{
	for (int i = 0; i < 4; i++) {
		uint8_t c = t[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
			return false;
	}
	return true;
}

/* True when the chunk type t is name. */
static bool png_type_is(const uint8_t *t, const char *name)
{
	return t[0] == (uint8_t)name[0] && t[1] == (uint8_t)name[1] &&
	       t[2] == (uint8_t)name[2] && t[3] == (uint8_t)name[3];
}

/* True when the 13 IHDR data bytes describe an image a decoder accepts. */
static bool png_ihdr_ok(const uint8_t *d, uint32_t *w, uint32_t *h)
{
	uint8_t depth = d[8], color = d[9];
	bool depth_ok;

	*w = mem_be32(d);
	*h = mem_be32(d + 4);
	if (*w == 0 || *h == 0 || *w > PNG_MAX_DIM || *h > PNG_MAX_DIM)
		return false;
	switch (color) {
	case 0:   /* grey: every depth */
		depth_ok = depth == 1 || depth == 2 || depth == 4 ||
		           depth == 8 || depth == 16;
		break;
	case 3:   /* palette: at most 8 bits an index */
		depth_ok = depth == 1 || depth == 2 || depth == 4 || depth == 8;
		break;
	case 2:   /* RGB, grey + alpha, RGBA */
	case 4:
	case 6:
		depth_ok = depth == 8 || depth == 16;
		break;
	default:
		depth_ok = false;
	}
	/* compression 0, filter method 0, interlace none or Adam7 */
	return depth_ok && d[10] == 0 && d[11] == 0 && d[12] <= 1;
}

/* Truncated at the chunk starting at off: a fragmentation point whose
 * boundary lies at or before last. */
static void png_fragment(struct carve_result *res, uint64_t off,
                         uint64_t last, const char *why)
{
	carve_truncated(res, off, why);
	carve_note(res, CARVE_NOTE_FRAGMENT, last);
}

/* The walk at the start of one chunk (off): all it knows. */
struct carve_resume {
	uint64_t off;
	unsigned n;
	bool seen_ihdr, seen_idat;
	uint32_t width, height, frames;
	bool valid;
};

/* Walks the chunks from the signature to IEND; with rs, from its chunk
 * when it lies at or before stable, saving into it each chunk start at
 * or before stable. */
static void png_walk(struct bread *br, struct carve_result *res,
                     struct carve_resume *rs, uint64_t stable)
{
	const uint64_t size = bread_size(br);
	const uint8_t *p = bread_peek(br, 0, PNG_SIG_LEN);
	uint64_t off = PNG_SIG_LEN;
	bool seen_ihdr = false, seen_idat = false;
	uint32_t width = 0, height = 0, frames = 0;
	unsigned n0 = 0;

	if (p == NULL || memcmp(p, png_sig_bytes, PNG_SIG_LEN) != 0) {
		carve_reject(res, "no PNG signature");
		return;
	}
	if (rs != NULL && rs->valid && rs->off <= stable) {
		off = rs->off;
		n0 = rs->n;
		seen_ihdr = rs->seen_ihdr;
		seen_idat = rs->seen_idat;
		width = rs->width;
		height = rs->height;
		frames = rs->frames;
	}
	for (unsigned n = n0; n < PNG_MAX_CHUNKS; n++) {
		uint8_t hdr[8], type[4];

		if (rs != NULL && off <= stable) {
			*rs = (struct carve_resume){
				.off = off, .n = n, .seen_ihdr = seen_ihdr,
				.seen_idat = seen_idat, .width = width,
				.height = height, .frames = frames,
				.valid = true,
			};
		}

		if (bread_read(br, off, hdr, sizeof(hdr)) != sizeof(hdr)) {
			if (!seen_ihdr)
				carve_reject(res, "no IHDR chunk");
			else
				carve_truncated(res, size, "chunk header past the end");
			return;
		}
		uint32_t len = mem_be32(hdr);
		memcpy(type, hdr + 4, 4);
		if (len > PNG_MAX_CHUNK_LEN || !png_type_ok(type)) {
			if (!seen_ihdr)
				carve_reject(res, "bad first chunk");
			else
				png_fragment(res, off, off + 7,
				             "garbage where a chunk should be");
			return;
		}
		bool is_ihdr = png_type_is(type, "IHDR");
		/*
		 * IHDR must come first; Apple's CgBI variant puts its own
		 * chunk before it.
		 */
		if (!seen_ihdr && !is_ihdr && !(n == 0 && png_type_is(type, "CgBI"))) {
			carve_reject(res, "IHDR is not the first chunk");
			return;
		}
		if (seen_ihdr && is_ihdr) {
			png_fragment(res, off, off + 7, "second IHDR chunk");
			return;
		}
		uint64_t data = off + 8, crc_at = data + len;
		if (crc_at + 4 > size) {
			if (!seen_ihdr)
				carve_reject(res, "IHDR past the end");
			else
				carve_truncated(res, size, "chunk runs past the end");
			return;
		}
		uint32_t crc, want;
		if (bread_crc32(br, off + 4, 4 + (uint64_t)len, &crc) != 0 ||
		    bread_be32(br, crc_at, &want) != 0) {
			carve_truncated(res, size, "read error");
			return;
		}
		if (crc != want) {
			if (!seen_ihdr)
				carve_reject(res, "bad chunk CRC");
			else
				png_fragment(res, off, crc_at + 3, "bad chunk CRC");
			return;
		}
		if (is_ihdr) {
			uint8_t d[13];
			if (len != 13 || bread_read(br, data, d, 13) != 13 ||
			    !png_ihdr_ok(d, &width, &height)) {
				carve_reject(res, "bad IHDR");
				return;
			}
			seen_ihdr = true;
		} else if (png_type_is(type, "IDAT")) {
			seen_idat = true;
		} else if (png_type_is(type, "acTL") && len == 8) {
			/* APNG: the animation control chunk counts frames. */
			if (bread_be32(br, data, &frames) != 0)
				frames = 0;
		} else if (png_type_is(type, "IEND")) {
			if (!seen_idat) {
				carve_reject(res, "no IDAT chunk");
				return;
			}
			carve_meta_add(res, "width", "%u", (unsigned)width);
			carve_meta_add(res, "height", "%u", (unsigned)height);
			if (frames > 0)
				carve_meta_add(res, "frames", "%u", (unsigned)frames);
			carve_accept(res, crc_at + 4);
			return;
		}
		off = crc_at + 4;
	}
	carve_reject(res, "too many chunks");
}

static void png_validate(struct bread *br, struct carve_result *res)
{
	png_walk(br, res, NULL, 0);
}

static void png_validate_resume(struct bread *br, struct carve_result *res,
                                struct carve_resume **rs, uint64_t stable)
{
	if (*rs == NULL)
		*rs = calloc(1, sizeof(**rs));
	png_walk(br, res, *rs, stable);
}

static void png_resume_free(struct carve_resume *rs)
{
	free(rs);
}

const struct format format_png = {
	.name = "png",
	.ext = "png",
	.description = "Portable Network Graphics image (PNG, APNG)",
	FORMAT_SIGS(png_sigs),
	.align = 1,
	/* signature, IHDR, one IDAT and IEND */
	.min_size = PNG_SIG_LEN + 25 + 12 + 12,
	.max_size = 512ull << 20,
	.validate = png_validate,
	.validate_resume = png_validate_resume,
	.resume_free = png_resume_free,
};

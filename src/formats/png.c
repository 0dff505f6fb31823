/*
 * png.c - PNG (and APNG) validator.
 *
 * A PNG is an 8-byte signature and a run of chunks, each a big-endian
 * length, a four-letter type, the data and a CRC-32 over type and data.
 * IHDR comes first and IEND last, so walking the chunks and checking every
 * CRC finds the exact end and rejects almost any junk.  A chunk whose CRC
 * fails after a good IHDR marks the point where the file was overwritten
 * or cut: what came before is returned as truncated.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "formats/format.h"

#define PNG_SIG_LEN 8
#define PNG_MAX_CHUNK_LEN 0x7fffffffu
#define PNG_MAX_CHUNKS 1000000u
#define PNG_MAX_DIM 0x7fffffffu

/* CRC-32 (ISO 3309, reflected polynomial 0xEDB88320), one byte per step. */
static const uint32_t png_crc_table[256] = {
	0x00000000, 0x77073096, 0xee0e612c, 0x990951ba,
	0x076dc419, 0x706af48f, 0xe963a535, 0x9e6495a3,
	0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988,
	0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91,
	0x1db71064, 0x6ab020f2, 0xf3b97148, 0x84be41de,
	0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
	0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec,
	0x14015c4f, 0x63066cd9, 0xfa0f3d63, 0x8d080df5,
	0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172,
	0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b,
	0x35b5a8fa, 0x42b2986c, 0xdbbbc9d6, 0xacbcf940,
	0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
	0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116,
	0x21b4f4b5, 0x56b3c423, 0xcfba9599, 0xb8bda50f,
	0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924,
	0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d,
	0x76dc4190, 0x01db7106, 0x98d220bc, 0xefd5102a,
	0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
	0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818,
	0x7f6a0dbb, 0x086d3d2d, 0x91646c97, 0xe6635c01,
	0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e,
	0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457,
	0x65b0d9c6, 0x12b7e950, 0x8bbeb8ea, 0xfcb9887c,
	0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
	0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2,
	0x4adfa541, 0x3dd895d7, 0xa4d1c46d, 0xd3d6f4fb,
	0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0,
	0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9,
	0x5005713c, 0x270241aa, 0xbe0b1010, 0xc90c2086,
	0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
	0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4,
	0x59b33d17, 0x2eb40d81, 0xb7bd5c3b, 0xc0ba6cad,
	0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a,
	0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683,
	0xe3630b12, 0x94643b84, 0x0d6d6a3e, 0x7a6a5aa8,
	0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
	0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe,
	0xf762575d, 0x806567cb, 0x196c3671, 0x6e6b06e7,
	0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc,
	0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5,
	0xd6d6a3e8, 0xa1d1937e, 0x38d8c2c4, 0x4fdff252,
	0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
	0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60,
	0xdf60efc3, 0xa867df55, 0x316e8eef, 0x4669be79,
	0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236,
	0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f,
	0xc5ba3bbe, 0xb2bd0b28, 0x2bb45a92, 0x5cb36a04,
	0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
	0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a,
	0x9c0906a9, 0xeb0e363f, 0x72076785, 0x05005713,
	0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38,
	0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21,
	0x86d3d2d4, 0xf1d4e242, 0x68ddb3f8, 0x1fda836e,
	0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
	0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c,
	0x8f659eff, 0xf862ae69, 0x616bffd3, 0x166ccf45,
	0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2,
	0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db,
	0xaed16a4a, 0xd9d65adc, 0x40df0b66, 0x37d83bf0,
	0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
	0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6,
	0xbad03605, 0xcdd70693, 0x54de5729, 0x23d967bf,
	0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94,
	0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

static const uint8_t png_sig_bytes[PNG_SIG_LEN] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
};

static const struct format_sig png_sigs[] = {
	FORMAT_SIG("\x89PNG\r\n\x1a\n", 0),
};

/* Feeds n bytes into a running (pre-inverted) CRC. */
static uint32_t png_crc_update(uint32_t crc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		crc = png_crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return crc;
}

/* CRC-32 of [off, off+n) read through br; 0, or -1 when not all readable. */
static int png_crc_range(struct bread *br, uint64_t off, uint64_t n,
                         uint32_t *out)
{
	uint32_t crc = 0xffffffffu;

	while (n > 0) {
		size_t len;
		const uint8_t *p = bread_span(br, off, &len);
		if (p == NULL)
			return -1;
		if (len > n)
			len = (size_t)n;
		crc = png_crc_update(crc, p, len);
		off += len;
		n -= len;
	}
	*out = crc ^ 0xffffffffu;
	return 0;
}

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

/* Walks the chunks from the signature to IEND. */
static void png_validate(struct bread *br, struct carve_result *res)
{
	const uint64_t size = bread_size(br);
	const uint8_t *p = bread_peek(br, 0, PNG_SIG_LEN);
	uint64_t off = PNG_SIG_LEN;
	bool seen_ihdr = false, seen_idat = false;
	uint32_t width = 0, height = 0, frames = 0;

	if (p == NULL || memcmp(p, png_sig_bytes, PNG_SIG_LEN) != 0) {
		carve_reject(res, "no PNG signature");
		return;
	}
	for (unsigned n = 0; n < PNG_MAX_CHUNKS; n++) {
		uint8_t hdr[8], type[4];

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
				carve_truncated(res, off, "garbage where a chunk should be");
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
			carve_truncated(res, off, "second IHDR chunk");
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
		if (png_crc_range(br, off + 4, 4 + (uint64_t)len, &crc) != 0 ||
		    bread_be32(br, crc_at, &want) != 0) {
			carve_truncated(res, size, "read error");
			return;
		}
		if (crc != want) {
			if (!seen_ihdr)
				carve_reject(res, "bad chunk CRC");
			else
				carve_truncated(res, off, "bad chunk CRC");
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
};

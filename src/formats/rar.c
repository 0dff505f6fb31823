/*
 * rar.c - RAR archive validator, format 4 (RAR 1.5 to 4.x) and format 5.
 *
 * Both are a signature and a run of blocks, each with a header that gives
 * its own size, the size of the data after it and a CRC over the header,
 * ending with an end-of-archive block.  Walking the blocks and checking
 * every header CRC finds the exact end and rejects almost any junk.
 *
 * RAR 4: "Rar!\x1a\x07\x00", then blocks of HEAD_CRC (the low 16 bits of
 * the CRC-32 of the rest of the header), HEAD_TYPE, HEAD_FLAGS, HEAD_SIZE
 * and, when HEAD_FLAGS has LONG_BLOCK (0x8000), a 32-bit ADD_SIZE (for
 * file headers: the packed size, with 32 more high bits in the header when
 * the LARGE flag is set).  The end-of-archive block is type 0x7b.
 *
 * RAR 5: "Rar!\x1a\x07\x01\x00", then headers of a CRC-32, a header size
 * (a vint: 7 bits a byte, low first, high bit for more), and in the header
 * its type, flags, an optional extra area size and an optional data size
 * (flags 1 and 2).  Type 5 ends the archive.
 *
 * Headers that are encrypted (RAR 4 main header flag 0x80, the RAR 5
 * archive encryption header) cannot be walked without the password: such
 * an archive is returned truncated after the last header read in clear.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/crc32.h"
#include "formats/format.h"

#define RAR4_SIG_LEN      7u
#define RAR5_SIG_LEN      8u
#define RAR_MAX_BLOCKS    1000000u
#define RAR5_MAX_HEADER   (2u << 20)     /* the format's own limit */
#define RAR_MAX_SIZE      (1ull << 40)

#define RAR4_MAIN         0x73u
#define RAR4_FILE         0x74u
#define RAR4_NEWSUB       0x7au
#define RAR4_END          0x7bu
#define RAR4_LONG_BLOCK   0x8000u
#define RAR4_LARGE        0x0100u
#define RAR4_MAIN_CRYPT   0x0080u

#define RAR5_MAIN         1u
#define RAR5_FILE         2u
#define RAR5_CRYPT        4u
#define RAR5_END          5u
#define RAR5_HAS_EXTRA    0x1u
#define RAR5_HAS_DATA     0x2u

static const struct format_sig rar_sigs[] = {
	FORMAT_SIG("Rar!\x1a\x07\x00", 0),
	FORMAT_SIG("Rar!\x1a\x07\x01\x00", 0),
};

/* Verdict on a block that is not right after n good ones. */
static void rar_stop(struct carve_result *res, unsigned n, uint64_t off,
                     const char *why)
{
	if (n == 0)
		carve_reject(res, why);
	else
		carve_truncated(res, off, why);
}

static void rar4_validate(struct bread *br, struct carve_result *res)
{
	const uint64_t size = bread_size(br);
	uint64_t off = RAR4_SIG_LEN;
	unsigned files = 0;

	for (unsigned n = 0; n < RAR_MAX_BLOCKS; n++) {
		uint8_t h[11];
		size_t got = bread_read(br, off, h, sizeof(h));

		if (got < 7) {
			if (n == 0)
				carve_reject(res, "main header cut off");
			else
				carve_truncated(res, size, "block header cut off");
			return;
		}
		uint8_t type = h[2];
		uint16_t flags = mem_le16(h + 3), hsize = mem_le16(h + 5);
		if (type < 0x72 || type > RAR4_END || hsize < 7 ||
		    ((flags & RAR4_LONG_BLOCK) && hsize < 11)) {
			rar_stop(res, n, off, "not a RAR block");
			return;
		}
		if (n == 0 && type != RAR4_MAIN) {
			carve_reject(res, "no main archive header");
			return;
		}
		uint32_t crc;
		if ((type == RAR4_FILE || type == RAR4_NEWSUB) &&
		    (!(flags & RAR4_LONG_BLOCK) || hsize < 32)) {
			rar_stop(res, n, off, "bad file header");
			return;
		}
		if (off + hsize > size) {
			if (n == 0)
				carve_reject(res, "main header cut off");
			else
				carve_truncated(res, size, "block header cut off");
			return;
		}
		if (bread_crc32(br, off + 2, hsize - 2u, &crc) != 0) {
			carve_truncated(res, size, "read error");
			return;
		}
		if ((crc & 0xffffu) != mem_le16(h)) {
			rar_stop(res, n, off, "bad header CRC");
			return;
		}
		uint64_t data = 0;
		if (flags & RAR4_LONG_BLOCK)
			data = mem_le32(h + 7);
		if ((type == RAR4_FILE || type == RAR4_NEWSUB) &&
		    (flags & RAR4_LARGE)) {
			uint32_t high;
			if (hsize < 36 || bread_le32(br, off + 32, &high) != 0) {
				rar_stop(res, n, off, "bad file header");
				return;
			}
			data |= (uint64_t)high << 32;
		}
		if (type == RAR4_FILE)
			files++;
		uint64_t next = off + hsize + data;
		if (type == RAR4_END) {
			carve_meta_add(res, "version", "4");
			carve_meta_add(res, "files", "%u", files);
			carve_accept(res, next);
			return;
		}
		if (next > size) {
			carve_truncated(res, size, "block data cut off");
			return;
		}
		if (type == RAR4_MAIN && (flags & RAR4_MAIN_CRYPT)) {
			carve_truncated(res, next, "encrypted headers");
			return;
		}
		off = next;
	}
	carve_truncated(res, off, "too many blocks");
}

/* Reads a vint at *off (advancing it) below end; -1 when bad or cut. */
static int rar5_vint(struct bread *br, uint64_t *off, uint64_t end,
                     uint64_t *v)
{
	*v = 0;
	for (unsigned i = 0; i < 10 && *off < end; i++) {
		uint8_t b;
		if (bread_u8(br, (*off)++, &b) != 0)
			return -1;
		if (i == 9 && b > 1)
			return -1;   /* more than 64 bits */
		*v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

static void rar5_validate(struct bread *br, struct carve_result *res)
{
	const uint64_t size = bread_size(br);
	uint64_t off = RAR5_SIG_LEN;
	unsigned files = 0;

	for (unsigned n = 0; n < RAR_MAX_BLOCKS; n++) {
		uint32_t want, crc;
		uint64_t hsize, type, flags, extra = 0, data = 0;
		uint64_t p = off + 4;

		if (bread_le32(br, off, &want) != 0 ||
		    rar5_vint(br, &p, off + 7, &hsize) != 0) {
			if (off + 7 > size) {
				if (n == 0)
					carve_reject(res, "main header cut off");
				else
					carve_truncated(res, size, "header cut off");
			} else {
				rar_stop(res, n, off, "bad header size");
			}
			return;
		}
		if (hsize < 2 || hsize > RAR5_MAX_HEADER) {
			rar_stop(res, n, off, "bad header size");
			return;
		}
		uint64_t hend = p + hsize;
		if (hend > size) {
			if (n == 0)
				carve_reject(res, "main header cut off");
			else
				carve_truncated(res, size, "header cut off");
			return;
		}
		if (bread_crc32(br, off + 4, hend - off - 4, &crc) != 0) {
			carve_truncated(res, size, "read error");
			return;
		}
		if (crc != want) {
			rar_stop(res, n, off, "bad header CRC");
			return;
		}
		if (rar5_vint(br, &p, hend, &type) != 0 ||
		    rar5_vint(br, &p, hend, &flags) != 0 ||
		    ((flags & RAR5_HAS_EXTRA) &&
		     rar5_vint(br, &p, hend, &extra) != 0) ||
		    ((flags & RAR5_HAS_DATA) &&
		     rar5_vint(br, &p, hend, &data) != 0) ||
		    extra > hend - p || type == 0 || type > RAR5_END) {
			rar_stop(res, n, off, "bad header fields");
			return;
		}
		if (n == 0 && type != RAR5_MAIN && type != RAR5_CRYPT) {
			carve_reject(res, "no main archive header");
			return;
		}
		if (type == RAR5_FILE)
			files++;
		if (type == RAR5_END) {
			carve_meta_add(res, "version", "5");
			carve_meta_add(res, "files", "%u", files);
			carve_accept(res, hend);
			return;
		}
		if (type == RAR5_CRYPT) {
			carve_truncated(res, hend, "encrypted headers");
			return;
		}
		if (data > RAR_MAX_SIZE || hend + data > size) {
			carve_truncated(res, size, "data area cut off");
			return;
		}
		off = hend + data;
	}
	carve_truncated(res, off, "too many headers");
}

static void rar_validate(struct bread *br, struct carve_result *res)
{
	const uint8_t *p = bread_peek(br, 0, RAR5_SIG_LEN);

	if (p != NULL && memcmp(p, "Rar!\x1a\x07\x01\x00", 8) == 0)
		rar5_validate(br, res);
	else if (p != NULL && memcmp(p, "Rar!\x1a\x07\x00", 7) == 0)
		rar4_validate(br, res);
	else
		carve_reject(res, "no RAR signature");
}

const struct format format_rar = {
	.name = "rar",
	.ext = "rar",
	.description = "RAR archive (format 4 and 5)",
	FORMAT_SIGS(rar_sigs),
	.align = 1,
	.min_size = RAR4_SIG_LEN + 13 + 7,
	.max_size = RAR_MAX_SIZE,
	.validate = rar_validate,
};

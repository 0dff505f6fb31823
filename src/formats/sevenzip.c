/*
 * sevenzip.c - 7z archive validator.
 *
 * A 7z archive opens with a 32-byte signature header: the magic
 * "7z\xbc\xaf\x27\x1c", a format version (major 0), the CRC-32 of the next
 * 20 bytes (the "start header"), and in those bytes the offset (from the
 * end of the signature header), size and CRC-32 of the next header, which
 * closes the archive after the packed streams.  So the archive is
 * 32 + offset + size bytes long, and the start header's CRC makes the
 * sizes trustworthy.  The next header itself is read back when it is
 * within reach: its CRC must match and its first byte must be a header or
 * an encoded (packed) header.
 *
 * An archive whose next header is past the end of what can be read was cut
 * short and is truncated there; one whose next header is present but
 * wrong was overwritten after its packed streams, and is truncated at
 * their end.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "common/crc32.h"
#include "formats/format.h"

#define SZ_SIG_LEN     32u
#define SZ_ID_HEADER   0x01u
#define SZ_ID_ENCODED  0x17u
#define SZ_MAX_SIZE    (1ull << 40)

static const struct format_sig sevenzip_sigs[] = {
	FORMAT_SIG("7z\xbc\xaf\x27\x1c", 0),
};

static void sevenzip_validate(struct bread *br, struct carve_result *res)
{
	const uint64_t size = bread_size(br);
	uint8_t h[SZ_SIG_LEN];

	if (bread_read(br, 0, h, sizeof(h)) != sizeof(h) ||
	    memcmp(h, "7z\xbc\xaf\x27\x1c", 6) != 0) {
		carve_reject(res, "no 7z signature header");
		return;
	}
	if (h[6] != 0) {
		carve_reject(res, "unknown 7z major version");
		return;
	}
	if (crc32_update(0, h + 12, 20) != mem_le32(h + 8)) {
		carve_reject(res, "start header CRC mismatch");
		return;
	}
	uint64_t noff = mem_le64(h + 12), nsize = mem_le64(h + 20);
	uint32_t ncrc = mem_le32(h + 28);
	if (noff > SZ_MAX_SIZE || nsize > SZ_MAX_SIZE) {
		carve_reject(res, "next header out of range");
		return;
	}
	uint64_t at = SZ_SIG_LEN + noff, end = at + nsize;
	carve_meta_add(res, "version", "%u.%u", (unsigned)h[6], (unsigned)h[7]);
	if (nsize == 0) {
		/* an empty archive: nothing follows the signature header */
		if (noff != 0 || ncrc != 0) {
			carve_reject(res, "empty next header with an offset");
			return;
		}
		carve_accept(res, SZ_SIG_LEN);
		return;
	}
	if (end > size) {
		carve_truncated(res, size,
		                "next header past the end");
		return;
	}
	uint32_t crc;
	uint8_t id;
	if (bread_crc32(br, at, nsize, &crc) != 0 || bread_u8(br, at, &id) != 0) {
		carve_truncated(res, size, "read error");
		return;
	}
	if (crc != ncrc || (id != SZ_ID_HEADER && id != SZ_ID_ENCODED)) {
		carve_truncated(res, at, "bad next header");
		return;
	}
	carve_accept(res, end);
}

const struct format format_sevenzip = {
	.name = "sevenzip",
	.ext = "7z",
	.description = "7-Zip archive",
	FORMAT_SIGS(sevenzip_sigs),
	.align = 1,
	.min_size = SZ_SIG_LEN,
	.max_size = SZ_MAX_SIZE,
	.validate = sevenzip_validate,
};

/*
 * evtx.c - Windows XML event log (EVTX) validator.
 *
 * An EVTX file is a 4096-byte file header block and a run of 64 KiB
 * chunks.  The header ("ElfFile\0") gives the header size (128), the
 * format version (3.x), the header block size (4096) and the number of
 * chunks, and closes its first 128 bytes with the CRC-32 of the first 120.
 * Each chunk ("ElfChnk\0") carries the CRC-32 of its header (bytes 0..120
 * and 128..512: the header and its string and template tables) and the
 * CRC-32 of its event records (from 512 up to the free space offset); the
 * records themselves are framed by a "**\0\0" signature and their size,
 * repeated at their end.  So the file is 4096 + chunks x 65536 bytes, and
 * every chunk is checked.
 *
 * A chunk that fails its checks after good ones ends the file there
 * (overwritten); a file whose chunks run past the end of what can be read
 * is truncated.  The chunk count is the header's; chunks a dirty log wrote
 * after its header was last updated are not claimed.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "common/crc32.h"
#include "formats/format.h"

#define EVTX_HDR_BLOCK    4096u
#define EVTX_HDR_LEN      128u
#define EVTX_CHUNK        65536u
#define EVTX_CHUNK_HDR    512u
#define EVTX_REC_MIN      28u   /* signature, size, id, time, size copy */
#define EVTX_MAX_SIZE     (EVTX_HDR_BLOCK + 65535ull * EVTX_CHUNK)

static const struct format_sig evtx_sigs[] = {
	FORMAT_SIG("ElfFile\0", 0),
};

/* Why a chunk is not right, or NULL; *records counts its records. */
static const char *evtx_chunk(const uint8_t *c, unsigned *records)
{
	if (memcmp(c, "ElfChnk", 8) != 0)
		return "no chunk signature";
	uint32_t crc = crc32_update(0, c, 120);
	crc = crc32_update(crc, c + EVTX_HDR_LEN, EVTX_CHUNK_HDR - EVTX_HDR_LEN);
	if (crc != mem_le32(c + 124))
		return "bad chunk header CRC";
	uint32_t last = mem_le32(c + 44), free_off = mem_le32(c + 48);
	if (mem_le32(c + 40) != EVTX_HDR_LEN || free_off < EVTX_CHUNK_HDR ||
	    free_off > EVTX_CHUNK)
		return "bad chunk header";
	if (crc32_update(0, c + EVTX_CHUNK_HDR, free_off - EVTX_CHUNK_HDR) !=
	    mem_le32(c + 52))
		return "bad event records CRC";
	/* the records tile [512, free space offset) */
	unsigned n = 0;
	uint32_t off = EVTX_CHUNK_HDR, prev = 0;
	while (off < free_off) {
		if (free_off - off < EVTX_REC_MIN ||
		    memcmp(c + off, "\x2a\x2a\0\0", 4) != 0)
			return "bad event record";
		uint32_t size = mem_le32(c + off + 4);
		if (size < EVTX_REC_MIN || size > free_off - off ||
		    mem_le32(c + off + size - 4) != size)
			return "bad event record size";
		prev = off;
		off += size;
		n++;
	}
	if (n > 0 && last != prev)
		return "last record offset does not match";
	*records = n;
	return NULL;
}

static void evtx_validate(struct bread *br, struct carve_result *res)
{
	const uint64_t size = bread_size(br);
	uint8_t h[EVTX_HDR_LEN];

	if (bread_read(br, 0, h, sizeof(h)) != sizeof(h) ||
	    memcmp(h, "ElfFile", 8) != 0) {
		carve_reject(res, "no EVTX file header");
		return;
	}
	if (crc32_update(0, h, 120) != mem_le32(h + 124)) {
		carve_reject(res, "bad file header CRC");
		return;
	}
	if (mem_le32(h + 32) != EVTX_HDR_LEN || mem_le16(h + 38) != 3 ||
	    mem_le16(h + 40) != EVTX_HDR_BLOCK) {
		carve_reject(res, "bad file header");
		return;
	}
	unsigned chunks = mem_le16(h + 42), records = 0;
	uint64_t off = EVTX_HDR_BLOCK;
	carve_meta_add(res, "version", "%u.%u", (unsigned)mem_le16(h + 38),
	               (unsigned)mem_le16(h + 36));
	carve_meta_add(res, "chunks", "%u", chunks);
	for (unsigned i = 0; i < chunks; i++, off += EVTX_CHUNK) {
		const uint8_t *c = bread_peek(br, off, EVTX_CHUNK);
		unsigned n = 0;

		if (c == NULL) {
			if (off + EVTX_CHUNK > size)
				carve_truncated(res, size, "chunk cut off");
			else
				carve_truncated(res, off, "read error");
			return;
		}
		const char *why = evtx_chunk(c, &n);
		if (why != NULL) {
			if (i == 0)
				carve_reject(res, why);
			else
				carve_truncated(res, off, why);
			return;
		}
		records += n;
	}
	carve_meta_add(res, "records", "%u", records);
	carve_accept(res, off);
}

const struct format format_evtx = {
	.name = "evtx",
	.ext = "evtx",
	.description = "Windows XML event log (EVTX)",
	FORMAT_SIGS(evtx_sigs),
	.align = 1,
	.min_size = EVTX_HDR_BLOCK,
	.max_size = EVTX_MAX_SIZE,
	.validate = evtx_validate,
};

/*
 * sqlite.c - SQLite 3 database validator.
 *
 * A database file is a whole number of pages.  Its first 100 bytes are the
 * database header: the magic "SQLite format 3\0", the page size (a power
 * of two from 512 to 32768, or 1 for 65536), and since SQLite 3.7.0 the
 * database size in pages, which is valid when the file change counter
 * equals the "version-valid-for" number beside it.  The length is then the
 * page size times the page count.  The rest of the header has fixed or
 * small-range fields (payload fractions 64/32/32, schema format 1-4, text
 * encoding 1-3, a zeroed reserved area) that junk rarely matches, and page
 * 1 holds the schema table's b-tree page, whose header (after the 100
 * bytes) must say table leaf or table interior.
 *
 * A header whose page count is not valid (written by a SQLite older than
 * 3.7.0, or by a tool that does not keep the count) gives no end: such a
 * file is rejected rather than guessed at.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "formats/format.h"

#define SQLITE_HDR_LEN   100u
#define SQLITE_MAX_SIZE  (1ull << 42)

static const struct format_sig sqlite_sigs[] = {
	FORMAT_SIG("SQLite format 3\0", 0),
};

static void sqlite_validate(struct bread *br, struct carve_result *res)
{
	const uint64_t size = bread_size(br);
	uint8_t h[SQLITE_HDR_LEN + 12];

	if (bread_read(br, 0, h, sizeof(h)) != sizeof(h) ||
	    memcmp(h, "SQLite format 3", 16) != 0) {
		carve_reject(res, "no SQLite header");
		return;
	}
	uint32_t page = mem_be16(h + 16);
	if (page == 1)
		page = 65536;
	if (page < 512 || page > 65536 || (page & (page - 1)) != 0) {
		carve_reject(res, "bad page size");
		return;
	}
	/* write and read versions: 1 legacy, 2 WAL */
	if (h[18] < 1 || h[18] > 2 || h[19] < 1 || h[19] > 2) {
		carve_reject(res, "bad file format version");
		return;
	}
	/* reserved bytes per page leave at least 480 usable */
	if (page - h[20] < 480) {
		carve_reject(res, "bad reserved space");
		return;
	}
	if (h[21] != 64 || h[22] != 32 || h[23] != 32) {
		carve_reject(res, "bad payload fractions");
		return;
	}
	uint32_t schema = mem_be32(h + 44), enc = mem_be32(h + 56);
	if (schema > 4 || enc > 3) {
		carve_reject(res, "bad schema format or text encoding");
		return;
	}
	for (unsigned i = 72; i < 92; i++)
		if (h[i] != 0) {
			carve_reject(res, "reserved header bytes are not zero");
			return;
		}
	uint32_t counter = mem_be32(h + 24), pages = mem_be32(h + 28);
	uint32_t valid_for = mem_be32(h + 92);
	if (pages == 0 || counter != valid_for) {
		carve_reject(res, "no valid page count in the header");
		return;
	}
	uint32_t trunk = mem_be32(h + 32), nfree = mem_be32(h + 36);
	if (trunk > pages || nfree >= pages || (trunk == 0) != (nfree == 0)) {
		carve_reject(res, "free list outside the database");
		return;
	}
	/* page 1's b-tree: the schema table, a table leaf or interior */
	uint8_t type = h[SQLITE_HDR_LEN];
	if (type != 0x0d && type != 0x05) {
		carve_reject(res, "page 1 is not a table b-tree page");
		return;
	}
	uint32_t usable = page - h[20];
	uint32_t ncells = mem_be16(h + SQLITE_HDR_LEN + 3);
	uint32_t content = mem_be16(h + SQLITE_HDR_LEN + 5);
	uint32_t ptrs = SQLITE_HDR_LEN + (type == 0x05 ? 12u : 8u) + 2 * ncells;
	if (content == 0)
		content = 65536;
	if ((ncells > 0 || type == 0x05) && (content < ptrs || content > usable)) {
		carve_reject(res, "page 1 cells outside the page");
		return;
	}
	uint64_t len = (uint64_t)page * pages;
	uint32_t ver = mem_be32(h + 96);
	carve_meta_add(res, "page_size", "%u", (unsigned)page);
	carve_meta_add(res, "pages", "%u", (unsigned)pages);
	if (ver >= 3000000 && ver < 4000000)
		carve_meta_add(res, "sqlite_version", "%u.%u.%u",
		               (unsigned)(ver / 1000000),
		               (unsigned)(ver / 1000 % 1000),
		               (unsigned)(ver % 1000));
	if (len > size) {
		carve_truncated(res, size, "database cut off");
		return;
	}
	carve_accept(res, len);
}

const struct format format_sqlite = {
	.name = "sqlite",
	.ext = "sqlite",
	.description = "SQLite 3 database",
	FORMAT_SIGS(sqlite_sigs),
	.align = 1,
	.min_size = 512,
	.max_size = SQLITE_MAX_SIZE,
	.validate = sqlite_validate,
};

/*
 * test_sevenzip.c - the 7z validator: archives made by 7z
 * (tests/data/7z/make.sh) embedded in random bytes and cut short; start
 * headers rewritten here (with their CRC made right) for sizes past the
 * end, a broken next header and an empty archive.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "fmt_util.h"
#include "img_check.h"
#include "common/crc32.h"

extern const struct format format_sevenzip;

static const char *const samples[] = {
	"7z/lzma2.7z", "7z/plain.7z", "7z/stored.7z",
};

static void check_sample(const char *file)
{
	size_t len;
	uint8_t *f = tu_load_data(file, &len);
	struct carve_result res;

	ic_embedded_at(&format_sevenzip, file, f, len, 4096, 3000, 17, &res);
	is_str(tu_meta(&res, "version"), "0.4", "%s: version", file);
	unsigned t = ic_cuts(&format_sevenzip, file, f, len);
	ok(t >= 20, "%s: cuts are truncated (%u)", file, t);
	free(f);
}

/* Rewrites the start header's next header fields and its CRC. */
static void set_next(uint8_t *f, uint64_t off, uint64_t size, uint32_t crc)
{
	mem_put_le32(f + 12, (uint32_t)off);
	mem_put_le32(f + 16, (uint32_t)(off >> 32));
	mem_put_le32(f + 20, (uint32_t)size);
	mem_put_le32(f + 24, (uint32_t)(size >> 32));
	mem_put_le32(f + 28, crc);
	mem_put_le32(f + 8, crc32_update(0, f + 12, 20));
}

static void check_hostile(void)
{
	size_t len;
	uint8_t *f = tu_load_data("7z/plain.7z", &len);
	struct carve_result res;
	uint64_t off = mem_le64(f + 12), size = mem_le64(f + 20);
	uint32_t crc = mem_le32(f + 28);

	f[13] ^= 1;
	tu_validate(&format_sevenzip, f, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "start header CRC wrong: rejected");
	f[13] ^= 1;

	set_next(f, UINT64_MAX - 10, 100, 0);
	tu_validate(&format_sevenzip, f, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "next header offset 2^64-11: rejected");
	set_next(f, 1ull << 39, 1ull << 39, 0);
	tu_validate(&format_sevenzip, f, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len,
	   "next header 512 GiB away: truncated at what is there");
	set_next(f, off, size, crc ^ 1);
	tu_validate(&format_sevenzip, f, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == 32 + off,
	   "next header CRC wrong: truncated after the packed streams");
	set_next(f, off, size, crc);
	tu_validate(&format_sevenzip, f, len, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len,
	   "restored: accepted");

	/* an empty archive: the signature header alone */
	uint8_t e[64];
	tu_random(e, sizeof(e), 1);
	memcpy(e, f, 8);
	set_next(e, 0, 0, 0);
	tu_validate(&format_sevenzip, e, sizeof(e), 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == 32,
	   "empty archive: 32 bytes");
	set_next(e, 5, 0, 0);
	tu_validate(&format_sevenzip, e, sizeof(e), 0, &res);
	ok(res.verdict == CARVE_REJECT, "no next header but an offset: rejected");
	free(f);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		check_sample(samples[i]);
	check_hostile();
	return tap_done();
}

/*
 * test_crc32.c - the one CRC-32: the standard check value, chaining, and
 * the CRC a real PNG chunk carries.
 */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "common/crc32.h"

int main(void)
{
	const char *check = "123456789";
	/* IHDR of a 1x1 8-bit greyscale PNG, and the CRC it carries */
	static const uint8_t ihdr[] = {
		'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0,
	};

	is_u64(crc32_update(0, check, 9), 0xCBF43926u,
	       "CRC-32 of \"123456789\" is the standard check value");
	is_u64(crc32_update(crc32_update(0, check, 4), check + 4, 5),
	       0xCBF43926u, "chained in two parts it is the same");
	is_u64(crc32_update(0, "", 0), 0, "nothing hashes to 0");
	is_u64(crc32_update(0, ihdr, sizeof(ihdr)), 0x3A7E9B55u,
	       "a PNG IHDR chunk's CRC");
	return tap_done();
}

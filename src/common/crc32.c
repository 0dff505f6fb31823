/*
 * crc32.c - CRC-32 as ISO 3309 / ITU-T V.42 define it (the one PNG chunks,
 * GPT headers, ZIP and gzip members carry).
 *
 * zlib, a required dependency for deflated ZIP members and gzip, already
 * computes this CRC with its own multi-byte tables, faster than a
 * slicing-by-8 loop here; this file only feeds it lengths that fit its
 * unsigned int.  Validators checksum every byte of a PNG or a ZIP member,
 * and reassembly validates the same file many times over, so this is where
 * their time goes.
 */
#include "config.h"

#include <limits.h>
#include <zlib.h>

#include "common/crc32.h"

uint32_t crc32_update(uint32_t crc, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	uLong c = crc;

	while (n > 0) {
		uInt step = n > UINT_MAX ? UINT_MAX : (uInt)n;

		c = crc32(c, p, step);
		p += step;
		n -= step;
	}
	return (uint32_t)c;
}

/*
 * crc32.h - the CRC-32 of PNG chunks, GPT headers and ZIP members, once.
 */
#ifndef DREDGE_COMMON_CRC32_H
#define DREDGE_COMMON_CRC32_H

#include <stddef.h>
#include <stdint.h>

/*
 * The CRC-32 of n more bytes after those that gave crc (0 to begin), so
 * that crc32_update(crc32_update(0, a, n), b, m) is the CRC of a then b.
 */
uint32_t crc32_update(uint32_t crc, const void *buf, size_t n);

#endif

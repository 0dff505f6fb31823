/*
 * mem.h - unaligned, endian-explicit loads.
 *
 * Every multi-byte value parsed out of the medium goes through these
 * helpers: a memcpy into a local is the only portable unaligned read, and
 * compilers turn it into a single load.  Never cast a byte pointer to a
 * wider type.
 */
#ifndef DREDGE_COMMON_MEM_H
#define DREDGE_COMMON_MEM_H

#include <stdint.h>
#include <string.h>

static inline uint16_t mem_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t mem_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline uint64_t mem_le64(const uint8_t *p)
{
	return (uint64_t)mem_le32(p) | ((uint64_t)mem_le32(p + 4) << 32);
}

static inline uint16_t mem_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t mem_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline uint64_t mem_be64(const uint8_t *p)
{
	return ((uint64_t)mem_be32(p) << 32) | (uint64_t)mem_be32(p + 4);
}

/* A big-endian value of n bytes, n at most 8: the length prefix of an
 * H.264/H.265 NAL unit, whose width (1, 2 or 4) the stream declares. */
static inline uint64_t mem_be_n(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static inline void mem_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void mem_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void mem_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif

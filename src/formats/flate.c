/*
 * flate.c - the inflate loop of flate.h: the range goes to zlib span by
 * span (bread_span), each output buffer to the caller's function.
 */
#include "config.h"

#include "formats/flate.h"

int flate_range(struct bread *br, z_stream *z, uint64_t off, uint64_t end,
                uint8_t *buf, size_t cap, flate_out_fn out, void *arg,
                uint64_t *at)
{
	uint64_t pos = off;
	int zr = Z_OK;
	bool more = true;

	if (cap > UINT32_MAX)
		cap = UINT32_MAX;
	while (zr == Z_OK && more && pos < end) {
		size_t n;
		const uint8_t *p = bread_span(br, pos, &n);

		if (p == NULL)
			break;
		if (n > end - pos)
			n = (size_t)(end - pos);
		if (n > UINT32_MAX)
			n = UINT32_MAX;
		z->next_in = (Bytef *)(uintptr_t)p;
		z->avail_in = (uInt)n;
		do {
			z->next_out = buf;
			z->avail_out = (uInt)cap;
			zr = inflate(z, Z_NO_FLUSH);
			more = out(arg, buf, cap - z->avail_out);
		} while (zr == Z_OK && more && z->avail_out == 0);
		pos += n - z->avail_in;
		if (zr == Z_BUF_ERROR)
			zr = Z_OK;   /* wants more input */
	}
	*at = pos;
	return zr;
}

/*
 * flate.h - inflating a range of a file through the bounded reader.
 *
 * Validators that check deflated data (ZIP members, PDF FlateDecode
 * streams) feed zlib the bytes of one range as the reader's window gives
 * them, and look at what comes out (a CRC-32, a count); this is that loop,
 * once.  The caller sets the z_stream up (raw deflate or zlib wrapper) and
 * ends it, and reads the outcome from the return code and the byte where
 * inflating stopped.
 */
#ifndef DREDGE_FORMATS_FLATE_H
#define DREDGE_FORMATS_FLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

#include "common/bread.h"

/* Takes n bytes of output; false to stop inflating. */
typedef bool (*flate_out_fn)(void *arg, const uint8_t *p, size_t n);

/*
 * Inflates [off, end) of br through z (initialised by the caller) into
 * buf (cap bytes, reused), giving out each piece of output.  Returns
 * zlib's last code: Z_STREAM_END, an error (Z_DATA_ERROR, Z_NEED_DICT,
 * Z_MEM_ERROR), or Z_OK when the range or the reader ended first or out
 * asked to stop; *at is the first byte zlib did not take.
 */
int flate_range(struct bread *br, z_stream *z, uint64_t off, uint64_t end,
                uint8_t *buf, size_t cap, flate_out_fn out, void *arg,
                uint64_t *at);

#endif

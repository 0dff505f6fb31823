/*
 * fmt_util.h - helpers for format validator tests: run a validator over a
 * file or a buffer the way the pipeline does, load test data, hash bytes.
 */
#ifndef DREDGE_TESTS_FMT_UTIL_H
#define DREDGE_TESTS_FMT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/format.h"
#include "io/source.h"

/* Directory of committed test files ($srcdir/tests/data). */
const char *tu_datadir(void);

/* Reads a whole file into a malloc'd buffer; bails out of the test on error. */
uint8_t *tu_load(const char *path, size_t *len);

/* Reads tests/data/NAME. */
uint8_t *tu_load_data(const char *name, size_t *len);

/*
 * Validates buf[off..len) with fmt through a bounded reader over an
 * in-memory file, limited to min(len - off, fmt->max_size) as the pipeline
 * does.  Returns the verdict; *res receives the full result.
 */
enum carve_verdict tu_validate(const struct format *fmt, const uint8_t *buf,
                               size_t len, size_t off,
                               struct carve_result *res);

/* As tu_validate, with the reader's thorough flag (bread.h) set as
 * given. */
enum carve_verdict tu_validate_thorough(const struct format *fmt,
                                        const uint8_t *buf, size_t len,
                                        size_t off, bool thorough,
                                        struct carve_result *res);

/* As tu_validate_thorough, over the extents ext[0..n) of buf in order. */
enum carve_verdict tu_validate_extents(const struct format *fmt,
                                       const uint8_t *buf, size_t len,
                                       const struct extent *ext, unsigned n,
                                       bool thorough,
                                       struct carve_result *res);

/* As tu_validate_thorough, over the buffer read as three pieces out of
 * order (its middle third last), so that the reader has seams. */
enum carve_verdict tu_validate_pieces(const struct format *fmt,
                                      const uint8_t *buf, size_t len,
                                      bool thorough,
                                      struct carve_result *res);

/* The value of metadata key in res, or NULL. */
const char *tu_meta(const struct carve_result *res, const char *key);

/* XXH3-128 of a buffer as 32 lowercase hex digits. */
void tu_hash_hex(const void *buf, size_t len, char out[33]);

/* Deterministic pseudo-random bytes (xorshift64*). */
void tu_random(uint8_t *buf, size_t len, uint64_t seed);

#endif

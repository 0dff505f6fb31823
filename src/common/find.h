/*
 * find.h - finding a short byte string in memory.
 *
 * The validators look for box types ("ftyp", "moov") and byte patterns
 * ("\0\0\0") across megabytes of coded media.  glibc's memmem is built for
 * long needles and steps through such data at about a byte a cycle; here
 * a needle's first and last bytes are compared sixteen positions at a
 * time, and only the positions where both match are compared in full.
 */
#ifndef DREDGE_COMMON_FIND_H
#define DREDGE_COMMON_FIND_H

#include <stddef.h>
#include <stdint.h>

/*
 * The first position of p[0, n) where the k bytes of needle lie whole,
 * or NULL when there is none (or k is larger than n).  k == 0 finds p.
 */
const uint8_t *mem_find(const uint8_t *p, size_t n, const void *needle,
                        size_t k);

#endif

/*
 * zeros.h - finding two zero bytes in a row.
 *
 * Inside an H.264 or H.265 NAL unit, emulation prevention keeps two zero
 * bytes from being followed by 00, 01 or 02 (it writes 00 00 03 instead),
 * so every test of "could these bytes be a NAL unit's payload" starts by
 * finding the pairs of zeros.  A zero byte alone is common in coded video
 * (about one in 200); a pair is rare, so looking for pairs directly
 * steps over the lone ones instead of stopping at each.
 */
#ifndef DREDGE_COMMON_ZEROS_H
#define DREDGE_COMMON_ZEROS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The first byte of p[0, n) that is zero and followed by a zero, both
 * within the n bytes; NULL when there is none.
 */
const uint8_t *zero_pair(const uint8_t *p, size_t n);

/*
 * Whether p[0, n) could lie inside a NAL unit's payload: it holds none of
 * 00 00 00, 00 00 01 and 00 00 02 (a run of zeros, a start code, another
 * file's structure), which emulation prevention keeps out of one.
 */
bool zeros_payload_ok(const uint8_t *p, size_t n);

/*
 * Where p[0, n) breaks that rule: the offsets of its 00 00 00, 00 00 01
 * and 00 00 02, in order, the first max of them in at[] (which may be
 * NULL when max is 0).  Returns how many there are, or max + 1 when there
 * are more (n below 4 GiB).  A range p[a, e) then passes zeros_payload_ok
 * exactly when no offset x has a <= x and x + 3 <= e.
 */
unsigned zeros_payload_bad(const uint8_t *p, size_t n, uint32_t *at,
                           unsigned max);

#endif

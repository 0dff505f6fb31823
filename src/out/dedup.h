/*
 * dedup.h - de-duplication by content: the writer hashes each file it
 * copies with XXH3-128 and asks here whether that content was written
 * already.  Content is written once; every location still gets its own
 * report entry, pointing at the first one's id.  A resumed scan fills the
 * table again from its report (resume.h).
 */
#ifndef DREDGE_OUT_DEDUP_H
#define DREDGE_OUT_DEDUP_H

#include <stdint.h>
#include <xxhash.h>

struct dedup;

/* Makes an empty table; 0 or -ENOMEM. */
int dedup_create(struct dedup **d);

/* Frees d; accepts NULL. */
void dedup_free(struct dedup *d);

/* Returns the id recorded for content hash h, or 0 after recording id
 * (never 0) for it. */
uint64_t dedup_check(struct dedup *d, XXH128_hash_t h, uint64_t id);

#endif

/*
 * badlist.h - the list of unreadable source ranges.
 *
 * Every stage that reads the source meets bad sectors: the reader while
 * filling chunks, the validators through the bounded reader, the writer
 * while copying.  Each tells this list (badlist_note is a source_bad_fn),
 * the writer saves it in checkpoints and the report, and --retries reads
 * its ranges again at the end.  The list is kept sorted, and overlapping
 * or adjacent ranges are merged whatever order they are met in, so what
 * it holds never depends on thread timing.  It has its own lock: adding
 * never waits on anything else.
 */
#ifndef DREDGE_IO_BADLIST_H
#define DREDGE_IO_BADLIST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An unreadable range [off, off+len) of the source. */
struct bad_range {
	uint64_t off, len;
};

struct badlist {
	pthread_mutex_t lock;
	struct bad_range *v;         /* sorted, disjoint, not adjacent */
	size_t n, cap;
	atomic_bool any;             /* n > 0: lookups skip the lock until */
};

/* Sets up an empty list; 0 or -errno. */
int badlist_init(struct badlist *bl);

/* Frees the ranges and the lock; accepts a zeroed list. */
void badlist_destroy(struct badlist *bl);

/* Records [off, off+len), merging it with the ranges it overlaps or
 * touches.  0, or -ENOMEM (the range is not recorded then). */
int badlist_add(struct badlist *bl, uint64_t off, uint64_t len);

/* A source_bad_fn (arg: the list) that records the piece. */
void badlist_note(void *arg, uint64_t off, uint64_t len, int err);

/* Whether any range recorded so far meets [off, off+len). */
bool badlist_overlaps(struct badlist *bl, uint64_t off, uint64_t len);

/* How many disjoint ranges the list holds now. */
size_t badlist_count(struct badlist *bl);

/* Calls fn on each range in order, under the list's lock (fn must not
 * touch the list), until fn returns non-zero. */
void badlist_each(struct badlist *bl,
                  int (*fn)(void *arg, uint64_t off, uint64_t len),
                  void *arg);

/* Moves every range out to the caller (*out, to free; NULL when none)
 * and leaves the list empty; returns the count. */
size_t badlist_take(struct badlist *bl, struct bad_range **out);

#endif

/*
 * dedup.c - the table of content written so far: open addressing over
 * XXH3-128 hashes, kept at most half full.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "out/dedup.h"

struct seen {
	XXH128_hash_t hash;
	uint64_t id;          /* 0: empty slot */
};

struct dedup {
	struct seen *seen;
	size_t cap, n;        /* cap: a power of two */
};

int dedup_create(struct dedup **dp)
{
	struct dedup *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return -ENOMEM;
	d->cap = 1024;
	d->seen = calloc(d->cap, sizeof(*d->seen));
	if (d->seen == NULL) {
		free(d);
		return -ENOMEM;
	}
	*dp = d;
	return 0;
}

void dedup_free(struct dedup *d)
{
	if (d == NULL)
		return;
	free(d->seen);
	free(d);
}

static uint64_t dedup_slot(const struct dedup *d, XXH128_hash_t h)
{
	return (h.low64 ^ (h.high64 >> 7)) & (d->cap - 1);
}

/* Doubles the table; keeps the old one when memory is short. */
static void dedup_grow(struct dedup *d)
{
	size_t cap = d->cap * 2;
	struct seen *ns = calloc(cap, sizeof(*ns));

	if (ns == NULL)
		return;
	struct seen *old = d->seen;
	size_t oldcap = d->cap;
	d->seen = ns;
	d->cap = cap;
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].id == 0)
			continue;
		uint64_t s = dedup_slot(d, old[i].hash);
		while (d->seen[s].id != 0)
			s = (s + 1) & (cap - 1);
		d->seen[s] = old[i];
	}
	free(old);
}

uint64_t dedup_check(struct dedup *d, XXH128_hash_t h, uint64_t id)
{
	if (d->n * 2 >= d->cap)
		dedup_grow(d);
	uint64_t s = dedup_slot(d, h);
	while (d->seen[s].id != 0) {
		if (XXH128_isEqual(d->seen[s].hash, h))
			return d->seen[s].id;
		s = (s + 1) & (d->cap - 1);
	}
	d->seen[s].hash = h;
	d->seen[s].id = id;
	d->n++;
	return 0;
}

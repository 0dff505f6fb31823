/*
 * badlist.c - the sorted, merged list of unreadable source ranges; see
 * badlist.h.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io/badlist.h"

int badlist_init(struct badlist *bl)
{
	memset(bl, 0, sizeof(*bl));
	atomic_init(&bl->any, false);
	return -pthread_mutex_init(&bl->lock, NULL);
}

void badlist_destroy(struct badlist *bl)
{
	free(bl->v);
	bl->v = NULL;
	bl->n = bl->cap = 0;
	pthread_mutex_destroy(&bl->lock);
}

/* Inserts or joins [off, off+len) with the lock held. */
static int add_locked(struct badlist *bl, uint64_t off, uint64_t len)
{
	/* Chunks complete out of order (io_uring), and validators and the
	 * writer meet bad sectors too: insert in order, so the list and the
	 * report do not depend on timing. */
	size_t lo = 0, hi = bl->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (bl->v[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* lo: first range starting at or after off.  Join the one before
	 * when it reaches off. */
	size_t at = lo;
	if (at > 0 && bl->v[at - 1].off + bl->v[at - 1].len >= off) {
		at--;
		uint64_t end = off + len;
		if (end > bl->v[at].off + bl->v[at].len)
			bl->v[at].len = end - bl->v[at].off;
	} else {
		if (bl->n == bl->cap) {
			size_t cap = bl->cap ? bl->cap * 2 : 64;
			struct bad_range *nv = realloc(bl->v, cap * sizeof(*nv));
			if (nv == NULL)
				return -ENOMEM;
			bl->v = nv;
			bl->cap = cap;
		}
		memmove(&bl->v[at + 1], &bl->v[at],
		        (bl->n - at) * sizeof(*bl->v));
		bl->v[at].off = off;
		bl->v[at].len = len;
		bl->n++;
		atomic_store_explicit(&bl->any, true, memory_order_release);
	}
	/* Swallow the ranges that the grown one now reaches. */
	size_t next = at + 1;
	while (next < bl->n &&
	       bl->v[next].off <= bl->v[at].off + bl->v[at].len) {
		uint64_t end = bl->v[next].off + bl->v[next].len;
		if (end > bl->v[at].off + bl->v[at].len)
			bl->v[at].len = end - bl->v[at].off;
		next++;
	}
	if (next > at + 1) {
		memmove(&bl->v[at + 1], &bl->v[next],
		        (bl->n - next) * sizeof(*bl->v));
		bl->n -= next - (at + 1);
	}
	return 0;
}

int badlist_add(struct badlist *bl, uint64_t off, uint64_t len)
{
	if (len == 0)
		return 0;
	pthread_mutex_lock(&bl->lock);
	int rc = add_locked(bl, off, len);
	pthread_mutex_unlock(&bl->lock);
	return rc;
}

void badlist_note(void *arg, uint64_t off, uint64_t len, int err)
{
	(void)err;
	badlist_add(arg, off, len);
}

bool badlist_overlaps(struct badlist *bl, uint64_t off, uint64_t len)
{
	bool hit = false;
	if (!atomic_load_explicit(&bl->any, memory_order_acquire))
		return false;   /* a clean source: every candidate asks */
	pthread_mutex_lock(&bl->lock);
	/* The ranges are sorted and disjoint: find the first that ends
	 * after off. */
	size_t lo = 0, hi = bl->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (bl->v[mid].off + bl->v[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < bl->n && len != 0 && bl->v[lo].off < off + len)
		hit = true;
	pthread_mutex_unlock(&bl->lock);
	return hit;
}

size_t badlist_count(struct badlist *bl)
{
	pthread_mutex_lock(&bl->lock);
	size_t n = bl->n;
	pthread_mutex_unlock(&bl->lock);
	return n;
}

void badlist_each(struct badlist *bl,
                  int (*fn)(void *arg, uint64_t off, uint64_t len),
                  void *arg)
{
	pthread_mutex_lock(&bl->lock);
	for (size_t i = 0; i < bl->n; i++)
		if (fn(arg, bl->v[i].off, bl->v[i].len) != 0)
			break;
	pthread_mutex_unlock(&bl->lock);
}

size_t badlist_take(struct badlist *bl, struct bad_range **out)
{
	pthread_mutex_lock(&bl->lock);
	size_t n = bl->n;
	*out = bl->v;
	bl->v = NULL;
	bl->n = bl->cap = 0;
	pthread_mutex_unlock(&bl->lock);
	return n;
}

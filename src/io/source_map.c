/*
 * source_map.c - populated views of an image file (see source_map.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "io/source_map.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

int source_can_map(const struct source *src)
{
	return src->is_file && source_fd(src, 0) >= 0;
}

int source_mappable(const struct source *src)
{
	return src->views != SOURCE_VIEWS_OFF && source_can_map(src) &&
	       (src->views == SOURCE_VIEWS_ON ||
	        (src->size >= SOURCE_VIEWS_MEASURED_FROM &&
	         source_views_pay(NULL, NULL)));
}

/* ------------------------------------------------------- the measure */

#define PROBE_LEN ((size_t)2 << 20)   /* a chunk's worth */
#define PROBE_ROUNDS 5                /* the best of */

static struct {
	int pays;
	double map_us, copy_us;
} probe;
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Reads a byte a sector of p[0, len), as the scan does. */
static unsigned touch(const volatile uint8_t *p, size_t len)
{
	unsigned sum = 0;

	for (size_t i = 0; i < len; i += 512)
		sum += p[i];
	return sum;
}

/* Microseconds to view fd's first len bytes (made, populated, read, and
 * ended), or a negative number when it cannot be viewed. */
static double time_view(int fd, size_t len)
{
	double t0 = now_us();
	void *v = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);

	if (v == MAP_FAILED)
		return -1;
	if (madvise(v, len, MADV_POPULATE_READ) != 0) {
		munmap(v, len);
		return -1;
	}
	touch(v, len);
	munmap(v, len);
	return now_us() - t0;
}

/* Microseconds to copy them into buf and read it, or a negative number. */
static double time_copy(int fd, uint8_t *buf, size_t len)
{
	double t0 = now_us();

	if (pread(fd, buf, len, 0) != (ssize_t)len)
		return -1;
	touch(buf, len);
	return now_us() - t0;
}

/* The measure, on pages of memory (a memfd): no file of the user's is
 * read for it, and no disk is timed.  The buffer's pages are made in one
 * call (MADV_POPULATE_WRITE), not a fault at a time: where faults are
 * dear (a guest), filling it by hand cost more than the measure. */
static void measure(void)
{
	uint8_t *buf = mmap(NULL, PROBE_LEN, PROT_READ | PROT_WRITE,
	                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = memfd_create("dredge-probe", MFD_CLOEXEC);

	probe.pays = 1;   /* where it cannot be measured: views, as before */
	if (buf == MAP_FAILED || fd < 0)
		goto out;
	if (madvise(buf, PROBE_LEN, MADV_POPULATE_WRITE) != 0)
		memset(buf, 0, PROBE_LEN);
	if (pwrite(fd, buf, PROBE_LEN, 0) != (ssize_t)PROBE_LEN)
		goto out;
	double best_map = 0, best_copy = 0;
	for (int i = 0; i < PROBE_ROUNDS; i++) {
		double m = time_view(fd, PROBE_LEN);
		double c = time_copy(fd, buf, PROBE_LEN);
		if (m < 0 || c < 0)
			goto out;
		if (i == 0 || m < best_map)
			best_map = m;
		if (i == 0 || c < best_copy)
			best_copy = c;
	}
	probe.map_us = best_map;
	probe.copy_us = best_copy;
	probe.pays = best_map <= best_copy;
out:
	if (fd >= 0)
		close(fd);
	if (buf != MAP_FAILED)
		munmap(buf, PROBE_LEN);
}

int source_views_pay(double *map_us, double *copy_us)
{
	pthread_once(&probe_once, measure);
	if (map_us != NULL)
		*map_us = probe.map_us;
	if (copy_us != NULL)
		*copy_us = probe.copy_us;
	return probe.pays;
}

/* The size of a page of memory (a power of two). */
static uint64_t page_size(void)
{
	long pg = sysconf(_SC_PAGESIZE);

	return pg > 0 && (pg & (pg - 1)) == 0 ? (uint64_t)pg : 4096;
}

int source_map(const struct source *src, uint64_t off, size_t len,
               struct source_map *m)
{
	int fd = source_fd(src, 0);
	uint64_t page = page_size();
	uint64_t base = off & ~(page - 1);
	size_t lead = (size_t)(off - base);

	m->base = NULL;
	m->len = 0;
	m->p = NULL;
	m->copied = 0;
	m->cap = 0;
	if (fd < 0)
		return fd;
	if (len == 0 || off + len > src->size)
		return -EINVAL;
	void *v = mmap(NULL, lead + len, PROT_READ, MAP_SHARED, fd, (off_t)base);
	if (v == MAP_FAILED)
		return -errno;
	if (madvise(v, lead + len, MADV_POPULATE_READ) != 0) {
		int e = errno;
		munmap(v, lead + len);
		return -e;
	}
	m->base = v;
	m->len = lead + len;
	m->p = (const uint8_t *)v + lead;
	return 0;
}

/*
 * The memory of copies ended, kept for the next ones: new memory costs a
 * page fault a page on first touch, as much as a view on the machines
 * where copies are chosen, and placings come and go by the hundred.
 */
#define POOL_MAX 40                   /* buffers kept */
#define POOL_BYTES ((size_t)80 << 20) /* and their bytes */

static struct {
	pthread_mutex_t lock;
	void *buf[POOL_MAX];
	size_t cap[POOL_MAX];
	unsigned n;
	size_t bytes;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Makes the pages of new memory b[0, len) at once, not a fault each
 * (EINVAL before Linux 5.14: faulted as before). */
static void populate(void *b, size_t len)
{
	uintptr_t mask = (uintptr_t)page_size() - 1;
	uintptr_t a = ((uintptr_t)b + mask) & ~mask;
	uintptr_t z = ((uintptr_t)b + len) & ~mask;

	if (z > a)
		(void)madvise((void *)a, z - a, MADV_POPULATE_WRITE);
}

/* Memory of at least len bytes, from the pool or new; its size in *cap. */
static void *pool_take(size_t len, size_t *cap)
{
	void *b = NULL;

	pthread_mutex_lock(&pool.lock);
	for (unsigned i = 0; i < pool.n && b == NULL; i++) {
		if (pool.cap[i] >= len) {
			b = pool.buf[i];
			*cap = pool.cap[i];
			pool.bytes -= pool.cap[i];
			pool.n--;
			pool.buf[i] = pool.buf[pool.n];
			pool.cap[i] = pool.cap[pool.n];
		}
	}
	pthread_mutex_unlock(&pool.lock);
	if (b == NULL && (b = malloc(len)) != NULL) {
		*cap = len;
		populate(b, len);
	}
	return b;
}

static void pool_give(void *b, size_t cap)
{
	pthread_mutex_lock(&pool.lock);
	if (pool.n < POOL_MAX && pool.bytes + cap <= POOL_BYTES) {
		pool.buf[pool.n] = b;
		pool.cap[pool.n++] = cap;
		pool.bytes += cap;
		b = NULL;
	}
	pthread_mutex_unlock(&pool.lock);
	free(b);
}

/*
 * Image files too small for the measure (SOURCE_VIEWS_MEASURED_FROM) that
 * are not viewed: copied once, into memory all their readers' pieces and
 * windows point into, SOURCE_WHOLE_PART at a time as first asked for.
 * Each MP4 placing looks at the same clusters again and again from pieces
 * of its own, and a copy each made those bytes again (on an 18 MiB
 * dashcam card, 0.04 s a scan against 0.02 s viewed).  A part that cannot
 * be read whole is marked so and its pieces fail, as a copy of them would
 * (the reader reads the usual way then).  source_close forgets a
 * source's copy.
 */
#define WHOLES 4                      /* sources held at once */

enum { PART_UNREAD = 0, PART_READ, PART_BAD };

static struct {
	pthread_mutex_t lock;
	struct whole {
		const struct source *src;   /* NULL: a free slot */
		uint8_t *buf;               /* src->size bytes */
		uint8_t *part;              /* PART_* per SOURCE_WHOLE_PART */
	} w[WHOLES];
} wholes = { .lock = PTHREAD_MUTEX_INITIALIZER };

int source_whole_wanted(const struct source *src)
{
	return src->size > 0 && src->size < SOURCE_VIEWS_MEASURED_FROM &&
	       source_can_map(src) && !source_mappable(src);
}

/* [off, off + len) of src in the copy of it all: its bytes, or NULL
 * (*rc: -EIO when a part of it cannot be read, -ENOMEM when no copy can
 * be held). */
static const uint8_t *whole_bytes(const struct source *src, uint64_t off,
                                  size_t len, int *rc)
{
	struct whole *w = NULL;
	const uint8_t *p = NULL;

	*rc = -ENOMEM;
	pthread_mutex_lock(&wholes.lock);
	for (unsigned i = 0; i < WHOLES && w == NULL; i++)
		if (wholes.w[i].src == src)
			w = &wholes.w[i];
	for (unsigned i = 0; i < WHOLES && w == NULL; i++)
		if (wholes.w[i].src == NULL) {
			uint64_t parts = (src->size + SOURCE_WHOLE_PART - 1) /
			                 SOURCE_WHOLE_PART;
			uint8_t *buf = malloc((size_t)src->size);
			uint8_t *part = calloc((size_t)parts, 1);
			if (buf == NULL || part == NULL) {
				free(buf);
				free(part);
				goto out;
			}
			populate(buf, (size_t)src->size);
			w = &wholes.w[i];
			*w = (struct whole){ src, buf, part };
		}
	if (w == NULL)
		goto out;
	*rc = 0;
	for (uint64_t k = off / SOURCE_WHOLE_PART;
	     *rc == 0 && k <= (off + len - 1) / SOURCE_WHOLE_PART; k++) {
		uint64_t a = k * SOURCE_WHOLE_PART;
		size_t n = (size_t)(src->size - a < SOURCE_WHOLE_PART
		                    ? src->size - a : SOURCE_WHOLE_PART);
		if (w->part[k] == PART_UNREAD)
			w->part[k] = source_pread_full(src, w->buf + a, n, a) == 0
			             ? PART_READ : PART_BAD;
		if (w->part[k] == PART_BAD)
			*rc = -EIO;
	}
	if (*rc == 0)
		p = w->buf + off;
out:
	pthread_mutex_unlock(&wholes.lock);
	return p;
}

const uint8_t *source_whole(const struct source *src, uint64_t off,
                            size_t len)
{
	int rc;

	if (len == 0 || off > src->size || len > src->size - off ||
	    !source_whole_wanted(src))
		return NULL;
	return whole_bytes(src, off, len, &rc);
}

int source_whole_read(const struct source *src, void *dst, size_t len,
                      uint64_t off)
{
	const uint8_t *p = source_whole(src, off, len);

	if (p == NULL)
		return -1;
	memcpy(dst, p, len);
	return 0;
}

static void cached_forget(const struct source *src);

void source_forget(const struct source *src)
{
	cached_forget(src);
	pthread_mutex_lock(&wholes.lock);
	for (unsigned i = 0; i < WHOLES; i++)
		if (wholes.w[i].src == src) {
			free(wholes.w[i].buf);
			free(wholes.w[i].part);
			wholes.w[i] = (struct whole){ NULL, NULL, NULL };
		}
	pthread_mutex_unlock(&wholes.lock);
}

/*
 * Views kept for source_piece: a view is mapped and populated once (a
 * page-table entry a page) and each reader asking for the same piece
 * takes a reference to it.  The MP4 placings each looked at the same
 * pieces of a card in views of their own: mapping and unmapping them was
 * 17% of the CPU of a sector scan of a 181 MiB pair card.  Views no
 * reader holds stay until their slot is needed (the one looked in least
 * recently) or their source closes, SOURCE_KEPT_VIEWS of them at most
 * (16 MiB of pages the process maps, on top of the pieces held); at most
 * SOURCE_CACHED_VIEWS are shared, and a piece asked for when every slot
 * is held is a view of the reader's own, as before.
 */
#define SOURCE_CACHED_VIEWS 32
#define SOURCE_KEPT_VIEWS 8          /* ... of them no reader holds */

static struct {
	pthread_mutex_t lock;
	struct cached {
		const struct source *src;   /* NULL: a free slot */
		uint64_t off;
		struct source_map m;        /* the view */
		unsigned refs;              /* readers holding it */
		uint64_t used;              /* when last asked for */
	} v[SOURCE_CACHED_VIEWS];
	uint64_t clock;
} cached = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The cached view of [off, off + len) of src, taken: its slot, or
 * SOURCE_CACHED_VIEWS when none holds it.  Called locked. */
static unsigned cached_take(const struct source *src, uint64_t off,
                            size_t len)
{
	for (unsigned i = 0; i < SOURCE_CACHED_VIEWS; i++) {
		struct cached *c = &cached.v[i];
		if (c->src == src && c->off == off &&
		    source_map_bytes(&c->m) >= len) {
			c->refs++;
			c->used = ++cached.clock;
			return i;
		}
	}
	return SOURCE_CACHED_VIEWS;
}

/* The held view no reader holds that was looked in least recently, or
 * SOURCE_CACHED_VIEWS when there is none; *idle how many there are.
 * Called locked. */
static unsigned cached_idle(unsigned *idle)
{
	unsigned lru = SOURCE_CACHED_VIEWS;

	*idle = 0;
	for (unsigned i = 0; i < SOURCE_CACHED_VIEWS; i++) {
		const struct cached *c = &cached.v[i];
		if (c->src == NULL || c->refs > 0)
			continue;
		++*idle;
		if (lru == SOURCE_CACHED_VIEWS || c->used < cached.v[lru].used)
			lru = i;
	}
	return lru;
}

/* *m as a piece of the cached view in slot i. */
static void cached_piece(unsigned i, struct source_map *m)
{
	m->base = cached.v[i].m.base;
	m->p = cached.v[i].m.p;
	m->len = source_map_bytes(&cached.v[i].m);
	m->copied = SOURCE_MAP_CACHED;
	m->cap = 0;
	m->slot = i;
}

/* A view of [off, off + len) of src in *m, shared through the cache
 * where a slot is free or held by no reader.  0 or -errno. */
static int cached_view(const struct source *src, uint64_t off, size_t len,
                       struct source_map *m)
{
	struct source_map v = { .p = NULL }, old = { .p = NULL };

	pthread_mutex_lock(&cached.lock);
	unsigned i = cached_take(src, off, len);
	pthread_mutex_unlock(&cached.lock);
	if (i < SOURCE_CACHED_VIEWS) {
		cached_piece(i, m);
		return 0;
	}
	/* mapped and populated unlocked: another reader may map it too */
	int rc = source_map(src, off, len, &v);
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&cached.lock);
	i = cached_take(src, off, len);
	if (i == SOURCE_CACHED_VIEWS) {
		/* a free slot, else the idle one looked in least recently */
		unsigned idle;
		for (unsigned k = 0; k < SOURCE_CACHED_VIEWS; k++)
			if (cached.v[k].src == NULL && i == SOURCE_CACHED_VIEWS)
				i = k;
		if (i == SOURCE_CACHED_VIEWS)
			i = cached_idle(&idle);
		if (i < SOURCE_CACHED_VIEWS) {
			old = cached.v[i].m;
			cached.v[i] = (struct cached){ src, off, v, 1,
			                               ++cached.clock };
			v.base = NULL;   /* the cache's now */
		}
	}
	if (i < SOURCE_CACHED_VIEWS)
		cached_piece(i, m);
	pthread_mutex_unlock(&cached.lock);
	source_unmap(&old);
	if (i == SOURCE_CACHED_VIEWS)
		*m = v;   /* every slot held: the reader's own */
	else
		source_unmap(&v);
	return 0;
}

/* Gives back the reference m holds to a cached view; past
 * SOURCE_KEPT_VIEWS views no reader holds, the one looked in least
 * recently is ended. */
static void cached_give(const struct source_map *m)
{
	struct source_map gone = { .p = NULL };
	unsigned idle;

	pthread_mutex_lock(&cached.lock);
	if (m->slot < SOURCE_CACHED_VIEWS && cached.v[m->slot].refs > 0)
		cached.v[m->slot].refs--;
	unsigned lru = cached_idle(&idle);
	if (idle > SOURCE_KEPT_VIEWS) {
		gone = cached.v[lru].m;
		cached.v[lru] = (struct cached){ .src = NULL };
	}
	pthread_mutex_unlock(&cached.lock);
	source_unmap(&gone);
}

/* Ends the cached views of src (source_close: none is held then). */
static void cached_forget(const struct source *src)
{
	struct source_map gone[SOURCE_CACHED_VIEWS];
	unsigned n = 0;

	pthread_mutex_lock(&cached.lock);
	for (unsigned i = 0; i < SOURCE_CACHED_VIEWS; i++)
		if (cached.v[i].src == src) {
			gone[n++] = cached.v[i].m;
			cached.v[i] = (struct cached){ .src = NULL };
		}
	pthread_mutex_unlock(&cached.lock);
	for (unsigned i = 0; i < n; i++)
		source_unmap(&gone[i]);
}

int source_piece(const struct source *src, uint64_t off, size_t len,
                 struct source_map *m)
{
	if (source_mappable(src)) {
		source_unmap(m);
		return cached_view(src, off, len, m);
	}
	if (m->copied != 1)
		source_unmap(m);   /* no memory of its own to use again */
	m->p = NULL;
	m->len = 0;
	if (len == 0 || off > src->size || len > src->size - off)
		return -EINVAL;
	if (source_whole_wanted(src)) {
		int rc;
		const uint8_t *p = whole_bytes(src, off, len, &rc);
		if (p != NULL) {
			source_unmap(m);   /* the copy's memory is not needed */
			m->base = (void *)(uintptr_t)p;
			m->p = p;
			m->len = len;
			m->copied = SOURCE_MAP_SHARED;
			return 0;
		}
		if (rc != -ENOMEM)
			return rc;
	}
	if (m->base == NULL || m->cap < len) {
		source_unmap(m);
		if ((m->base = pool_take(len, &m->cap)) == NULL)
			return -ENOMEM;
		m->copied = 1;
	}
	int rc = source_read_full(src, m->base, len, off);
	if (rc != 0)
		return rc;   /* (the memory is kept) */
	m->len = len;
	m->p = m->base;
	return 0;
}

void source_unmap(struct source_map *m)
{
	if (m->base != NULL && m->copied == SOURCE_MAP_SHARED)
		;   /* the source's copy, kept until source_close */
	else if (m->base != NULL && m->copied == SOURCE_MAP_CACHED)
		cached_give(m);
	else if (m->base != NULL && m->copied)
		pool_give(m->base, m->cap);
	else if (m->base != NULL)
		munmap(m->base, m->len);
	m->base = NULL;
	m->len = 0;
	m->p = NULL;
	m->copied = 0;
	m->cap = 0;
}

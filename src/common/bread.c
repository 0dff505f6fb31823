/*
 * bread.c - bounded random-access reader over one candidate file.
 *
 * Validators ask for small pieces at arbitrary logical offsets; the reader
 * maps them through the file's extents onto the source and keeps one window
 * of recently read bytes.  Nothing here trusts a length: every request is
 * checked against the logical size first.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bread.h"
#include "common/crc32.h"
#include "common/find.h"

#define BREAD_DEFAULT_WINDOW (256u * 1024u)
/*
 * Most candidates are rejected after a few bytes, so the first read is
 * small; each further refill doubles, so walking a large file quickly
 * reaches whole-window reads.
 */
#define BREAD_FIRST_FILL 4096u
/*
 * A validator walking on through a file (each refill going on from the
 * window, once the refills reach BREAD_MAP_MIN: not a false start being
 * rejected) reads an image file through views of its page cache, each
 * twice as long as the last up to BREAD_MAP_WINDOW: no copy, and a few
 * system calls per view instead of one read per window.  A jump elsewhere
 * goes back to reads (a view made for a few bytes would cost more than
 * it saves).  A view that cannot be made (a page that cannot be read, a
 * source that is not a file) falls back to the read, which isolates
 * unreadable sectors.
 */
#define BREAD_MAP_MIN (64u * 1024u)
#define BREAD_MAP_FIRST (256u * 1024u)
#define BREAD_MAP_WINDOW (4u << 20)

static int bread_alloc(struct bread *br, size_t win_cap)
{
	br->win_cap = win_cap ? win_cap : BREAD_DEFAULT_WINDOW;
	br->win = malloc(br->win_cap);
	if (br->win == NULL)
		return -ENOMEM;
	br->own_win = 1;
	br->fill = BREAD_FIRST_FILL;
	br->win_off = 0;
	br->win_len = 0;
	br->err = 0;
	return 0;
}

int bread_open(struct bread *br, const struct source *src, uint64_t img_off,
               uint64_t size, size_t win_cap)
{
	memset(br, 0, sizeof(*br));
	br->src = src;
	br->one.img_off = img_off;
	br->one.len = size;
	br->ext = &br->one;
	br->next = 1;
	br->size = size;
	return bread_alloc(br, win_cap);
}

/* Sets br up over ext (without a window); 0 or -errno. */
static int bread_set_extents(struct bread *br, const struct source *src,
                             const struct extent *ext, unsigned next)
{
	uint64_t total = 0;

	memset(br, 0, sizeof(*br));
	if (next == 0 || next > BREAD_MAX_EXTENTS)
		return -EINVAL;
	if (next > 1) {
		/* Logical starts, for finding an extent by binary search:
		 * validators jump back and forth (tables at the end, samples
		 * at the front) over maps of thousands of fragments. */
		br->starts = malloc(next * sizeof(*br->starts));
		if (br->starts == NULL)
			return -ENOMEM;
	}
	for (unsigned i = 0; i < next; i++) {
		if (ext[i].len > UINT64_MAX - total) {
			free(br->starts);
			br->starts = NULL;
			return -EINVAL;
		}
		if (br->starts != NULL)
			br->starts[i] = total;
		total += ext[i].len;
	}
	br->src = src;
	br->ext = ext;
	br->next = next;
	br->size = total;
	return 0;
}

int bread_open_extents(struct bread *br, const struct source *src,
                       const struct extent *ext, unsigned next,
                       size_t win_cap)
{
	int rc = bread_set_extents(br, src, ext, next);

	if (rc == 0 && (rc = bread_alloc(br, win_cap)) != 0)
		bread_close(br);
	return rc;
}

int bread_open_extents_window(struct bread *br, const struct source *src,
                              const struct extent *ext, unsigned next,
                              uint8_t *win, size_t win_cap)
{
	if (win == NULL || win_cap == 0) {
		memset(br, 0, sizeof(*br));
		return -EINVAL;
	}
	int rc = bread_set_extents(br, src, ext, next);
	if (rc != 0)
		return rc;
	br->win = win;
	br->win_cap = win_cap;
	br->fill = BREAD_FIRST_FILL;
	return 0;
}

int bread_open_window(struct bread *br, const struct source *src,
                      uint64_t img_off, uint64_t size, uint8_t *win,
                      size_t win_cap)
{
	memset(br, 0, sizeof(*br));
	if (win == NULL || win_cap == 0)
		return -EINVAL;
	br->src = src;
	br->one.img_off = img_off;
	br->one.len = size;
	br->ext = &br->one;
	br->next = 1;
	br->size = size;
	br->win = win;
	br->win_cap = win_cap;
	br->fill = BREAD_FIRST_FILL;
	return 0;
}

void bread_close(struct bread *br)
{
	source_unmap(&br->map);
	if (br->own_win)
		free(br->win);
	free(br->starts);
	br->starts = NULL;
	br->own_win = 0;
	br->win = NULL;
	br->win_len = 0;
}

void bread_limit(struct bread *br, uint64_t size)
{
	if (size < br->size)
		br->size = size;
	if (br->win_off >= br->size)
		br->win_len = 0;
	else if (br->win_off + br->win_len > br->size)
		br->win_len = (size_t)(br->size - br->win_off);
}

/* Counts what could not be read, then tells the caller's callback. */
static void bread_saw_bad(void *arg, uint64_t off, uint64_t len, int err)
{
	struct bread *br = arg;

	br->unreadable += len;
	if (br->bad != NULL)
		br->bad(br->bad_arg, off, len, err);
}

/* The extent to start looking for logical offset off in, and in *base
 * the logical offset it starts at: with the starts index, the last extent
 * starting at or before off; without it, the first (callers walk on). */
static unsigned bread_extent_at(const struct bread *br, uint64_t off,
                                uint64_t *base)
{
	unsigned lo = 0, hi = br->next;

	*base = 0;
	if (br->starts == NULL)
		return 0;
	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;
		if (br->starts[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	*base = br->starts[lo];
	return lo;
}

uint64_t bread_seam_in(const struct bread *br, uint64_t lo, uint64_t hi)
{
	uint64_t base;

	if (br->starts == NULL || br->next < 2 || lo >= hi)
		return UINT64_MAX;
	unsigned i = bread_extent_at(br, lo, &base);
	if (base < lo || i == 0)
		i++;
	for (; i < br->next && br->starts[i] < hi; i++) {
		const struct extent *a = &br->ext[i - 1], *b = &br->ext[i];
		if (a->img_off + a->len != b->img_off)
			return br->starts[i];
	}
	return UINT64_MAX;
}

/* Reads logical [off, off+n) into dst through the extents; 0 or -errno. */
static int bread_fetch(struct bread *br, uint64_t off, uint8_t *dst, size_t n)
{
	uint64_t base;
	unsigned i = bread_extent_at(br, off, &base);

	for (; i < br->next && n > 0; i++) {
		const struct extent *e = &br->ext[i];

		if (off >= base + e->len) {
			base += e->len;
			continue;
		}
		uint64_t in = off - base;
		size_t take = (size_t)(e->len - in < n ? e->len - in : n);
		int rc = source_read(br->src, dst, e->img_off + in, take, 1,
		                     bread_saw_bad, br);
		if (rc != 0)
			return rc == -ENODATA ? -EIO : rc;
		dst += take;
		off += take;
		n -= take;
		base += e->len;
	}
	return n == 0 ? 0 : -EIO;
}

/* Where logical offset off lies in the source: its image offset in *img,
 * and the bytes from there to the end of its extent (and of the file) in
 * *len; false when off lies in no extent. */
static bool bread_in_extent(const struct bread *br, uint64_t off,
                            uint64_t *img, uint64_t *len)
{
	uint64_t base;
	unsigned i = bread_extent_at(br, off, &base);
	const struct extent *e = &br->ext[i];

	if (off < base || off - base >= e->len)
		return false;
	*img = e->img_off + (off - base);
	*len = e->len - (off - base);
	if (*len > br->size - off)
		*len = br->size - off;
	return true;
}

/* Points the window at p, the bytes [off, off + len) of the file. */
static void bread_point(struct bread *br, const uint8_t *p, uint64_t off,
                        uint64_t len)
{
	br->cur = p;
	br->win_off = off;
	br->win_len = (size_t)len;
}

/* Points the window at a view of [off, ...) of the source, at least n
 * bytes, within one extent; 0, or -1 (nothing changed). */
static int bread_map(struct bread *br, uint64_t off, size_t n, size_t want)
{
	uint64_t img, len;

	if (br->mappable == 0)
		br->mappable = source_mappable(br->src) ? 1 : -1;
	if (br->mappable < 0 || !bread_in_extent(br, off, &img, &len))
		return -1;
	if (len > want)
		len = want;
	if (len < n || source_map(br->src, img, (size_t)len, &br->map) != 0)
		return -1;
	bread_point(br, br->map.p, off, len);
	return 0;
}

/* Points the window at the copy of the whole source (source_map.h) from
 * off on, at least n bytes, within one extent, up to the end of the part
 * of the copy that holds off + n; 0, or -1 (nothing changed). */
static int bread_whole(struct bread *br, uint64_t off, size_t n)
{
	uint64_t img, len;

	if (br->whole == 0)
		br->whole = source_whole_wanted(br->src) ? 1 : -1;
	if (br->whole < 0 || !bread_in_extent(br, off, &img, &len))
		return -1;
	uint64_t part = SOURCE_WHOLE_PART - (img + n) % SOURCE_WHOLE_PART;
	if (len > n + part)
		len = n + part;
	const uint8_t *p = len < n ? NULL : source_whole(br->src, img,
	                                                 (size_t)len);
	if (p == NULL)
		return -1;
	source_unmap(&br->map);
	br->map_len = 0;
	bread_point(br, p, off, len);
	return 0;
}

/* Makes [off, off+n) resident in the window; 0 or -1. */
static int bread_fill(struct bread *br, uint64_t off, size_t n)
{
	if (br->err != 0 || off >= br->size || n > br->size - off ||
	    n > br->win_cap)
		return -1;
	if (off >= br->win_off && off + n <= br->win_off + br->win_len)
		return 0;
	if (br->mem != NULL && br->next == 1) {
		/* In the caller's memory: the window points there. */
		uint64_t at = br->ext[0].img_off + off;
		if (at >= br->mem_off && at - br->mem_off < br->mem_len &&
		    n <= br->mem_len - (at - br->mem_off)) {
			size_t in = (size_t)(at - br->mem_off);
			size_t len = br->mem_len - in;
			if (len > br->size - off)
				len = (size_t)(br->size - off);
			br->cur = br->mem + in;
			br->win_off = off;
			br->win_len = len;
			return 0;
		}
	}

	if (bread_whole(br, off, n) == 0)
		return 0;

	size_t want = br->fill < br->win_cap ? br->fill : br->win_cap;
	if (want < n)
		want = n;
	if (br->fill < br->win_cap)
		br->fill *= 2;
	if (want > br->size - off)
		want = (size_t)(br->size - off);
	source_unmap(&br->map);
	if (want >= BREAD_MAP_MIN && br->win_len > 0 && off >= br->win_off &&
	    off <= br->win_off + br->win_len) {
		/* on from the window */
		br->map_len = br->map_len == 0 ? BREAD_MAP_FIRST :
		              br->map_len < BREAD_MAP_WINDOW ? 2 * br->map_len :
		              BREAD_MAP_WINDOW;
		size_t len = br->map_len > want ? br->map_len : want;
		if (bread_map(br, off, n, len) == 0)
			return 0;
	} else {
		br->map_len = 0;
	}
	int rc = bread_fetch(br, off, br->win, want);
	if (rc != 0) {
		br->err = rc;
		br->win_len = 0;
		br->cur = br->win;
		return -1;
	}
	br->cur = br->win;
	br->win_off = off;
	br->win_len = want;
	return 0;
}

const uint8_t *bread_peek(struct bread *br, uint64_t off, size_t n)
{
	if (n == 0)
		n = 1;
	if (bread_fill(br, off, n) != 0)
		return NULL;
	return br->cur + (off - br->win_off);
}

const uint8_t *bread_span(struct bread *br, uint64_t off, size_t *len)
{
	if (bread_fill(br, off, 1) != 0) {
		*len = 0;
		return NULL;
	}
	*len = br->win_len - (size_t)(off - br->win_off);
	return br->cur + (off - br->win_off);
}

size_t bread_read(struct bread *br, uint64_t off, void *dst, size_t n)
{
	size_t done = 0;

	while (done < n) {
		size_t len;
		const uint8_t *p = bread_span(br, off + done, &len);
		if (p == NULL)
			break;
		if (len > n - done)
			len = n - done;
		memcpy((uint8_t *)dst + done, p, len);
		done += len;
	}
	return done;
}

uint64_t bread_find(struct bread *br, uint64_t off, uint64_t end,
                    const void *needle, size_t nlen)
{
	if (end > br->size)
		end = br->size;
	if (nlen == 0 || nlen > br->win_cap / 2)
		return UINT64_MAX;

	while (off < end && end - off >= nlen) {
		size_t len;
		const uint8_t *p = bread_span(br, off, &len);
		if (p == NULL)
			return UINT64_MAX;
		if (len > end - off)
			len = (size_t)(end - off);
		if (len < nlen) {
			/* The window ends too close: a window that holds
			 * the needle's length from here (read from the
			 * source when the caller's memory ends too close). */
			if (bread_peek(br, off, nlen) == NULL)
				return UINT64_MAX;
			p = bread_span(br, off, &len);
			if (p == NULL || len < nlen)
				return UINT64_MAX;
			if (len > end - off)
				len = (size_t)(end - off);
		}
		const uint8_t *hit = mem_find(p, len, needle, nlen);
		if (hit != NULL) {
			br->searched += (uint64_t)(hit - p) + nlen;
			return off + (uint64_t)(hit - p);
		}
		br->searched += len;
		off += len - (nlen - 1);
	}
	return UINT64_MAX;
}

#define BREAD_GETTER(name, type, width, load)                             \
	int bread_##name(struct bread *br, uint64_t off, type *v)          \
	{                                                                  \
		const uint8_t *p = bread_peek(br, off, width);             \
		if (p == NULL)                                             \
			return -1;                                         \
		*v = load(p);                                              \
		return 0;                                                  \
	}

static inline uint8_t mem_u8(const uint8_t *p)
{
	return p[0];
}

BREAD_GETTER(u8, uint8_t, 1, mem_u8)
BREAD_GETTER(le16, uint16_t, 2, mem_le16)
BREAD_GETTER(le32, uint32_t, 4, mem_le32)
BREAD_GETTER(le64, uint64_t, 8, mem_le64)
BREAD_GETTER(be16, uint16_t, 2, mem_be16)
BREAD_GETTER(be32, uint32_t, 4, mem_be32)
BREAD_GETTER(be64, uint64_t, 8, mem_be64)

int bread_crc32(struct bread *br, uint64_t off, uint64_t n, uint32_t *crc)
{
	uint32_t c = 0;

	if (bread_crc32_update(br, off, n, &c) != 0)
		return -1;
	*crc = c;
	return 0;
}

int bread_crc32_update(struct bread *br, uint64_t off, uint64_t n,
                       uint32_t *crc)
{
	uint32_t c = *crc;

	while (n > 0) {
		size_t len;
		const uint8_t *p = bread_span(br, off, &len);
		if (p == NULL)
			return -1;
		if (len > n)
			len = (size_t)n;
		c = crc32_update(c, p, len);
		off += len;
		n -= len;
	}
	*crc = c;
	return 0;
}

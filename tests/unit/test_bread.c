/*
 * test_bread.c - the bounded reader: limits, windows, extents, find.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"
#include "fmt_util.h"
#include "common/bread.h"
#include "io/source_map.h"

/* Where a walk's spans came from (walk). */
enum { SPAN_BUFFER = 1, SPAN_WHOLE = 2, SPAN_VIEW = 4 };

/* Walks all of br span by span, br reading data from byte from of src on:
 * the SPAN_* kinds the spans came from, or -1 at the first span that does
 * not hold data's bytes. */
static int walk(struct bread *br, const struct source *src,
                const uint8_t *data, uint64_t from)
{
	uint64_t size = bread_size(br);
	int kinds = 0;

	for (uint64_t w = 0; w < size;) {
		size_t n = 0;
		const uint8_t *q = bread_span(br, w, &n);
		if (q == NULL || n == 0 || n > size - w ||
		    memcmp(q, data + from + w, n) != 0)
			return -1;
		if (q >= br->win && q + n <= br->win + br->win_cap)
			kinds |= SPAN_BUFFER;
		else if (q == source_whole(src, from + w, n))
			kinds |= SPAN_WHOLE;
		else if (n > br->win_cap)
			kinds |= SPAN_VIEW;
		w += n;
	}
	return kinds;
}

int main(void)
{
	enum { N = 1 << 20 };
	uint8_t *data = malloc(N);
	struct bread br;
	int fd = memfd_create("bread", 0);

	tu_random(data, N, 42);
	if (fd < 0 || write(fd, data, N) != N)
		tap_bail("memfd");
	struct source src;
	if (source_open_fd(&src, fd, "bread") != 0)
		tap_bail("source");

	ok(bread_open(&br, &src, 1000, 5000, 4096) == 0, "open a 5000-byte view");
	is_u64(bread_size(&br), 5000, "size is the view's");
	const uint8_t *p = bread_peek(&br, 0, 16);
	ok(p && memcmp(p, data + 1000, 16) == 0, "peek at 0 maps to 1000");
	ok(bread_peek(&br, 4990, 10) != NULL, "peek ending at the limit");
	ok(bread_peek(&br, 4991, 10) == NULL, "peek past the limit fails");
	ok(bread_peek(&br, UINT64_MAX - 2, 8) == NULL, "overflowing offset fails");
	ok(bread_peek(&br, 0, 8192) == NULL, "peek wider than the window fails");
	uint8_t tmp[6000];
	is_u64(bread_read(&br, 0, tmp, sizeof(tmp)), 5000, "read stops at limit");
	ok(memcmp(tmp, data + 1000, 5000) == 0, "read returns the right bytes");
	uint32_t v;
	ok(bread_le32(&br, 4, &v) == 0 && v == mem_le32(data + 1004), "le32");
	ok(bread_be32(&br, 4997, &v) == -1, "be32 across the limit fails");
	uint64_t at = bread_find(&br, 0, 5000, data + 1000 + 4500, 8);
	is_u64(at, 4500, "find across window refills");
	is_u64(bread_find(&br, 0, 4000, data + 1000 + 4500, 8), UINT64_MAX,
	       "find honours its end");
	uint32_t c1, c2;
	ok(bread_crc32(&br, 0, 4800, &c1) == 0 &&
	   bread_crc32(&br, 0, 1234, &c2) == 0 &&
	   bread_crc32_update(&br, 1234, 4800 - 1234, &c2) == 0 && c1 == c2,
	   "crc32_update continues a CRC across window refills");
	c2 = 77;
	ok(bread_crc32_update(&br, 4000, 1001, &c2) == -1 && c2 == 77,
	   "crc32_update past the limit fails and keeps the CRC");
	bread_limit(&br, 100);
	ok(bread_peek(&br, 96, 8) == NULL, "limit narrows the view");
	bread_close(&br);

	struct extent ext[3] = { { 0, 100 }, { 5000, 50 }, { 200, 1000 } };
	ok(bread_open_extents(&br, &src, ext, 3, 64) == 0, "open three extents");
	is_u64(bread_size(&br), 1150, "size is the sum of extents");
	is_u64(bread_read(&br, 90, tmp, 70), 70, "read across two seams");
	ok(memcmp(tmp, data + 90, 10) == 0 && memcmp(tmp + 10, data + 5000, 50)
	   == 0 && memcmp(tmp + 60, data + 200, 10) == 0,
	   "bytes come from each extent in order");
	is_u64(bread_seam_in(&br, 0, 1150), 100, "the first seam");
	is_u64(bread_seam_in(&br, 100, 1150), 100, "a seam at lo is in");
	is_u64(bread_seam_in(&br, 101, 1150), 150, "the next seam");
	is_u64(bread_seam_in(&br, 101, 150), UINT64_MAX, "a seam at hi is out");
	is_u64(bread_seam_in(&br, 151, 1150), UINT64_MAX, "none after the last");
	is_u64(bread_seam_in(&br, 50, 50), UINT64_MAX, "an empty range has none");
	bread_close(&br);
	/* pieces that follow each other in the source meet at no seam */
	struct extent runs[3] = { { 0, 100 }, { 100, 50 }, { 400, 10 } };
	ok(bread_open_extents(&br, &src, runs, 3, 64) == 0, "open runs");
	is_u64(bread_seam_in(&br, 0, 160), 150,
	       "pieces that run on in the source are no seam");
	bread_close(&br);
	ok(bread_open(&br, &src, 0, 5000, 4096) == 0 &&
	   bread_seam_in(&br, 0, 5000) == UINT64_MAX, "one extent: no seam");
	bread_close(&br);

	/* Thousands of fragments, read backwards and forwards: the extent
	 * index must send every offset to its own fragment. */
	enum { NF = 5000 };
	struct extent *many = calloc(NF, sizeof(*many));
	uint64_t *lstart = calloc(NF, sizeof(*lstart));
	uint32_t seed = 7;
	uint64_t total = 0;
	for (unsigned i = 0; i < NF; i++) {
		seed = seed * 1103515245u + 12345u;
		many[i].len = i % 7 == 3 ? 0 : 1 + (seed >> 16) % 150;
		many[i].img_off = (seed >> 3) % (N - 200);
		lstart[i] = total;
		total += many[i].len;
	}
	ok(bread_open_extents(&br, &src, many, NF, 4096) == 0, "open 5000 extents");
	is_u64(bread_size(&br), total, "size is the sum of 5000 extents");
	int good = 1;
	for (unsigned k = 0; k < 3000 && good; k++) {
		unsigned i = (k * 2654435761u) % NF;
		if (many[i].len == 0)
			continue;
		uint8_t b;
		uint64_t last = lstart[i] + many[i].len - 1;
		good = bread_u8(&br, last, &b) == 0 &&
		       b == data[many[i].img_off + many[i].len - 1];
		good = good && bread_u8(&br, lstart[i], &b) == 0 &&
		       b == data[many[i].img_off];
		br.win_len = 0;   /* force a fetch each time */
	}
	ok(good, "random reads land in the right fragment");
	bread_close(&br);
	uint8_t win[8192];
	ok(bread_open_extents_window(&br, &src, many, NF, win, sizeof(win)) == 0 &&
	   br.win == win, "open over the caller's window");
	is_u64(bread_read(&br, lstart[100], tmp, 300), 300, "read across fragments");
	uint64_t want_off = 0;
	int same = 1;
	for (unsigned i = 100; want_off < 300; i++)
		for (uint64_t j = 0; j < many[i].len && want_off < 300; j++)
			same &= tmp[want_off++] == data[many[i].img_off + j];
	ok(same, "... with each fragment's bytes in order");
	bread_close(&br);
	ok(bread_open_extents(&br, &src, many, BREAD_MAX_EXTENTS + 1, 0) == -EINVAL,
	   "more extents than the reader takes are refused");
	free(many);
	free(lstart);

	/* Bytes the caller holds (a chunk): windows inside them point there
	 * and read nothing; the rest is read from the source.  The held
	 * copy differs from the file here only so that the test can tell
	 * where a byte came from. */
	enum { MOFF = 65536, MLEN = 8192 };
	uint8_t *held = malloc(MLEN);
	for (unsigned i = 0; i < MLEN; i++)
		held[i] = (uint8_t)(data[MOFF + i] ^ 0x5a);
	ok(bread_open(&br, &src, MOFF + 100, 20000, 4096) == 0,
	   "open a view starting in held memory");
	bread_use_memory(&br, held, MOFF, MLEN);
	p = bread_peek(&br, 0, 16);
	ok(p == held + 100, "a window inside the held bytes points into them");
	size_t span = 0;
	p = bread_span(&br, 50, &span);
	ok(p == held + 150 && span == MLEN - 150,
	   "a span runs to the end of the held bytes");
	p = bread_peek(&br, MLEN - 110, 20);
	ok(p != NULL && p[0] == data[MOFF + MLEN - 10] &&
	   p[19] == data[MOFF + MLEN + 9],
	   "a window crossing their end is read from the source");
	is_u64(bread_read(&br, 0, tmp, 200), 200, "read from held memory");
	ok(tmp[0] == held[100] && tmp[199] == held[299],
	   "... gives the held bytes");
	bread_limit(&br, 1000);
	p = bread_span(&br, 900, &span);
	ok(p == held + 1000 && span == 100, "the limit cuts a held span");
	bread_close(&br);
	struct extent two[2] = { { MOFF, 100 }, { MOFF + 200, 100 } };
	ok(bread_open_extents(&br, &src, two, 2, 4096) == 0,
	   "open two extents over held memory");
	bread_use_memory(&br, held, MOFF, MLEN);
	p = bread_peek(&br, 0, 8);
	ok(p != NULL && p[0] == data[MOFF] && p != held,
	   "several extents are always read from the source");
	bread_close(&br);
	/* A needle that crosses the end of the held bytes is found: the
	 * search reads on from the source there. */
	memcpy(held, data + MOFF, MLEN);
	ok(bread_open(&br, &src, MOFF, 20000, 4096) == 0,
	   "open a view over a held copy");
	bread_use_memory(&br, held, MOFF, MLEN);
	uint8_t needle[8];
	memcpy(needle, data + MOFF + MLEN - 3, sizeof(needle));
	is_u64(bread_find(&br, 0, 20000, needle, sizeof(needle)), MLEN - 3,
	       "a needle across the end of the held bytes is found");
	bread_close(&br);
	free(held);

	/* A long walk over an image file: once the refills have grown, the
	 * window is a view of the page cache (longer than the buffer) where
	 * views are used, and every byte is the file's; where they are not
	 * (copies pay more here: source_map.h), the window is the copy of
	 * the whole file when it is small, else the buffer. */
	src.views = SOURCE_VIEWS_OFF;
	ok(source_whole_wanted(&src), "views off: a 1 MiB file is copied whole");
	ok(bread_open(&br, &src, 3000, N - 3000, 0) == 0,
	   "open a reader over most of the file, views off");
	ok(walk(&br, &src, data, 3000) == SPAN_WHOLE,
	   "views off: a walk by spans gives the file's bytes, from the copy "
	   "of the whole file");
	bread_close(&br);
	if (ftruncate(fd, (off_t)SOURCE_VIEWS_MEASURED_FROM) != 0)
		tap_bail("ftruncate");
	src.size = SOURCE_VIEWS_MEASURED_FROM;
	ok(!source_whole_wanted(&src), "views off: a 16 MiB file is not");
	ok(bread_open(&br, &src, 3000, N - 3000, 0) == 0,
	   "open a reader over the first MiB of it");
	ok(walk(&br, &src, data, 3000) == SPAN_BUFFER,
	   "views off: a walk by spans gives the file's bytes, through the "
	   "buffer only");
	bread_close(&br);
	if (ftruncate(fd, N) != 0)
		tap_bail("ftruncate");
	src.size = N;
	src.views = SOURCE_VIEWS_ON;
	ok(bread_open(&br, &src, 3000, N - 3000, 0) == 0,
	   "open a view over most of the file");
	int spans = walk(&br, &src, data, 3000);
	ok(spans > 0, "a walk by spans gives the file's bytes");
	ok(spans & SPAN_VIEW, "... later spans from a view, past the window's "
	   "size");
	p = bread_peek(&br, 10, 64);
	ok(p != NULL && memcmp(p, data + 3010, 64) == 0,
	   "going back to the start reads it again");
	bread_close(&br);
	ok(br.map.base == NULL, "closing ends the view");

	ok(bread_open(&br, &src, N - 10, 100, 0) == 0, "view past the file end");
	ok(bread_peek(&br, 0, 20) == NULL && br.err == -EIO,
	   "reading past the source end fails with EIO");
	bread_close(&br);
	ok(br.win == NULL && br.starts == NULL && !br.own_win,
	   "closing drops the window and the extent table");
	bread_close(&br);   /* a second free would fail under ASan */
	ok(br.win == NULL && br.starts == NULL,
	   "closing twice leaves the reader closed");

	source_close(&src);
	close(fd);
	free(data);
	return tap_done();
}

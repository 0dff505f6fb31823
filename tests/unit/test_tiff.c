/*
 * test_tiff.c - the TIFF validator on real files made by ImageMagick,
 * tiffcp and exiftool (tests/data/tiff), and on hand-built TIFF structures.
 *
 * Camera RAW files cannot be made with the tools at hand, so the NEF, DNG,
 * CR2, RW2, ORF, PEF and ARW cases below are SYNTHETIC: small TIFFs laid
 * out the way those files are (a raw CFA image in a SubIFD, a Nikon type-3
 * maker note with its own TIFF header and a preview IFD, a CR2 header with
 * the raw IFD's offset, Canon maker notes as a bare IFD).  They exercise
 * the RAW naming and the SubIFD and maker-note walks, not real camera data.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "fmt_util.h"
#include "img_check.h"
#include "frag_check.h"

extern const struct format format_tiff;

/* ---------------------------------------------------------- a TIFF builder */

#define CAP (1u << 16)

struct tb {
	uint8_t b[CAP];
	bool be;
};

struct ent {
	uint16_t tag, type;
	uint32_t count, value;   /* value: inline number or offset */
};

enum { BYTE = 1, ASCII = 2, SHORT = 3, LONG = 4, RATIONAL = 5, UNDEF = 7,
       DOUBLE = 12, IFD = 13 };

static void p16(struct tb *t, size_t off, uint32_t v)
{
	if (t->be) {
		t->b[off] = (uint8_t)(v >> 8);
		t->b[off + 1] = (uint8_t)v;
	} else {
		t->b[off] = (uint8_t)v;
		t->b[off + 1] = (uint8_t)(v >> 8);
	}
}

static void p32(struct tb *t, size_t off, uint32_t v)
{
	if (t->be)
		mem_put_be32(t->b + off, v);
	else
		mem_put_le32(t->b + off, v);
}

/* Random bytes everywhere (strip data), then the header. */
static void tb_init(struct tb *t, bool be, uint32_t ifd0, uint64_t seed)
{
	tu_random(t->b, CAP, seed);
	t->be = be;
	memcpy(t->b, be ? "MM\0*" : "II*\0", 4);
	p32(t, 4, ifd0);
}

/* Writes an IFD at off; returns the offset just past its next pointer. */
static size_t tb_ifd(struct tb *t, size_t off, const struct ent *e,
                     unsigned n, uint32_t next)
{
	p16(t, off, n);
	for (unsigned i = 0; i < n; i++) {
		size_t at = off + 2 + 12 * i;
		p16(t, at, e[i].tag);
		p16(t, at + 2, e[i].type);
		p32(t, at + 4, e[i].count);
		if (e[i].type == SHORT && e[i].count == 1) {
			p16(t, at + 8, e[i].value);
			p16(t, at + 10, 0);
		} else {
			p32(t, at + 8, e[i].value);
		}
	}
	p32(t, off + 2 + 12 * n, next);
	return off + 2 + 12 * n + 4;
}

static void tb_str(struct tb *t, size_t off, const char *s)
{
	memcpy(t->b + off, s, strlen(s) + 1);
}

static void tb_longs(struct tb *t, size_t off, const uint32_t *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p32(t, off + 4 * i, v[i]);
}

/* Validates t->b[0..len) exactly (the source ends there). */
static enum carve_verdict tb_run(const struct tb *t, size_t len,
                                 struct carve_result *res)
{
	return tu_validate(&format_tiff, t->b, len, 0, res);
}

static struct tb T;   /* one scratch file, reused by every case */

/* ---------------------------------------------------------- real files */

static void check_sample(const char *file, const char *w, const char *h,
                         bool ifd_first, uint64_t seed)
{
	char name[256];
	size_t len;
	struct carve_result res;

	snprintf(name, sizeof(name), "tiff/%s", file);
	uint8_t *data = tu_load_data(name, &len);
	ic_embedded(&format_tiff, file, data, len, seed, &res);
	ok(res.ext == NULL, "%s: plain TIFF keeps the tif extension", file);
	is_str(tu_meta(&res, "width"), w, "%s: width", file);
	is_str(tu_meta(&res, "height"), h, "%s: height", file);
	unsigned t = ic_cuts(&format_tiff, file, data, len);
	if (ifd_first)
		ok(t > 0, "%s: directories first, so cuts are truncated", file);
	free(data);
}

static void real_files(void)
{
	struct carve_result res;
	size_t len;

	check_sample("le-strips.tif", "48", "32", false, 41);
	check_sample("be-lzw.tif", "48", "32", false, 42);
	check_sample("tiled.tif", "48", "32", false, 43);
	check_sample("multipage.tif", "48", "32", false, 44);
	check_sample("exif.tif", "48", "32", true, 45);

	uint8_t *d = tu_load_data("tiff/exif.tif", &len);
	ic_embedded(&format_tiff, "exif.tif again", d, len, 46, &res);
	is_str(tu_meta(&res, "make"), "Test Camera Co", "exif.tif: make");
	is_str(tu_meta(&res, "model"), "TC-1", "exif.tif: model");
	is_str(tu_meta(&res, "datetime"), "2021-06-05 14:30:00",
	       "exif.tif: datetime from DateTimeOriginal");
	free(d);

	/* The multi-page file cut after IFD0: the next pages are out of reach. */
	d = tu_load_data("tiff/multipage.tif", &len);
	uint32_t ifd0 = mem_le32(d + 4);
	is_u64(tu_validate(&format_tiff, d, ifd0 + 600, 0, &res),
	       CARVE_TRUNCATED, "multipage cut after page 1: truncated");
	is_u64(res.length, ifd0 + 600, "multipage cut: all that is there");
	free(d);
}

/* ---------------------------------------------------------- layouts */

static void layouts(void)
{
	struct carve_result res;

	/* Strips after the IFD, not in file order; out-of-line values. */
	tb_init(&T, false, 8, 1);
	const struct ent a[] = {
		{ 256, SHORT, 1, 16 }, { 257, SHORT, 1, 8 },
		{ 258, SHORT, 3, 200 }, { 259, SHORT, 1, 1 },
		{ 262, SHORT, 1, 2 }, { 273, LONG, 2, 210 },
		{ 277, SHORT, 1, 3 }, { 278, SHORT, 1, 4 },
		{ 279, LONG, 2, 220 }, { 282, RATIONAL, 1, 230 },
	};
	tb_ifd(&T, 8, a, 10, 0);
	tb_longs(&T, 210, (const uint32_t[]){ 500, 300 }, 2);
	tb_longs(&T, 220, (const uint32_t[]){ 184, 196 }, 2);
	is_u64(tb_run(&T, 2000, &res), CARVE_ACCEPT, "strips after IFD: accepted");
	is_u64(res.length, 684, "strips after IFD: the furthest strip ends it");
	is_str(tu_meta(&res, "width"), "16", "strips after IFD: width");
	is_u64(tb_run(&T, 600, &res), CARVE_TRUNCATED,
	       "strips after IFD, cut in a strip: truncated");
	is_u64(res.length, 600, "strips after IFD, cut: all that is there");
	is_str(res.reason, "references data past the end", "cut: reason");

	/* The IFD after the strips (the way libtiff writes), big-endian. */
	tb_init(&T, true, 1000, 2);
	const struct ent b[] = {
		{ 256, LONG, 1, 31 }, { 257, LONG, 1, 32 },
		{ 259, SHORT, 1, 1 }, { 273, LONG, 1, 8 },
		{ 279, LONG, 1, 992 },
	};
	size_t end = tb_ifd(&T, 1000, b, 5, 0);
	is_u64(tb_run(&T, 4000, &res), CARVE_ACCEPT, "IFD after strips: accepted");
	is_u64(res.length, end, "IFD after strips: the IFD ends it");
	is_str(tu_meta(&res, "height"), "32", "IFD after strips: height (LONG)");
	is_u64(tb_run(&T, 1010, &res), CARVE_REJECT,
	       "IFD after strips, IFD cut: rejected");

	/* Tiles, with an IFD chain of two pages. */
	tb_init(&T, false, 8, 3);
	const struct ent c0[] = {
		{ 256, SHORT, 1, 32 }, { 257, SHORT, 1, 32 },
		{ 322, SHORT, 1, 16 }, { 323, SHORT, 1, 16 },
		{ 324, LONG, 4, 300 }, { 325, LONG, 4, 320 },
	};
	const struct ent c1[] = {
		{ 256, SHORT, 1, 8 }, { 257, SHORT, 1, 8 },
		{ 273, LONG, 1, 2000 }, { 279, SHORT, 1, 64 },
	};
	tb_ifd(&T, 8, c0, 6, 100);
	tb_ifd(&T, 100, c1, 4, 0);
	tb_longs(&T, 300, (const uint32_t[]){ 400, 656, 912, 1168 }, 4);
	tb_longs(&T, 320, (const uint32_t[]){ 256, 256, 256, 256 }, 4);
	is_u64(tb_run(&T, 3000, &res), CARVE_ACCEPT, "tiles + page 2: accepted");
	is_u64(res.length, 2064, "tiles + page 2: page 2's strip ends it");
	is_str(tu_meta(&res, "width"), "32", "tiles + page 2: largest image");
	p32(&T, 8 + 2 + 6 * 12, 5000);   /* page 2 moved out of reach */
	is_u64(tb_run(&T, 3000, &res), CARVE_TRUNCATED,
	       "next IFD past the end: truncated");
	is_u64(res.length, 3000, "next IFD past the end: all that is there");
	p32(&T, 8 + 2 + 6 * 12, 0);
	is_u64(tb_run(&T, 3000, &res), CARVE_ACCEPT, "one page: accepted");
	is_u64(res.length, 1424, "one page: the last tile ends it");

	/* A JPEG thumbnail (513/514) further than the strips. */
	tb_init(&T, true, 8, 4);
	const struct ent d[] = {
		{ 256, SHORT, 1, 4 }, { 257, SHORT, 1, 4 },
		{ 273, LONG, 1, 100 }, { 279, LONG, 1, 48 },
		{ 513, LONG, 1, 700 }, { 514, LONG, 1, 321 },
	};
	tb_ifd(&T, 8, d, 6, 0);
	memcpy(T.b + 700, "\xff\xd8\xff", 3);   /* a JPEG starts with SOI */
	is_u64(tb_run(&T, 1500, &res), CARVE_ACCEPT, "JPEG thumbnail: accepted");
	is_u64(res.length, 1021, "JPEG thumbnail: it ends the file");

	/* A big out-of-line value (XMP) is the furthest byte. */
	tb_init(&T, false, 8, 5);
	const struct ent x[] = {
		{ 256, SHORT, 1, 4 }, { 257, SHORT, 1, 4 },
		{ 273, LONG, 1, 100 }, { 279, LONG, 1, 48 },
		{ 700, BYTE, 3000, 500 },
	};
	tb_ifd(&T, 8, x, 5, 0);
	is_u64(tb_run(&T, 5000, &res), CARVE_ACCEPT, "XMP packet: accepted");
	is_u64(res.length, 3500, "XMP packet: it ends the file");
}

/* ---------------------------------------------------------- hostile input */

static void hostile(void)
{
	struct carve_result res;

	/* IFD0 and IFD1 point at each other. */
	tb_init(&T, false, 8, 6);
	const struct ent a[] = {
		{ 256, SHORT, 1, 4 }, { 257, SHORT, 1, 4 },
		{ 273, LONG, 1, 200 }, { 279, LONG, 1, 50 },
	};
	const struct ent b[] = {
		{ 256, SHORT, 1, 2 }, { 257, SHORT, 1, 2 },
		{ 273, LONG, 1, 300 }, { 279, LONG, 1, 12 },
	};
	tb_ifd(&T, 8, a, 4, 100);
	tb_ifd(&T, 100, b, 4, 8);
	clock_t t0 = clock();
	is_u64(tb_run(&T, 1000, &res), CARVE_ACCEPT, "IFD ring: accepted");
	is_u64(res.length, 312, "IFD ring: both IFDs' strips counted once");

	/* An IFD whose next pointer is itself. */
	tb_ifd(&T, 8, a, 4, 8);
	is_u64(tb_run(&T, 1000, &res), CARVE_ACCEPT, "self loop: accepted");
	is_u64(res.length, 250, "self loop: sane length");

	/* SubIFD and EXIF pointers back to IFD0. */
	const struct ent c[] = {
		{ 256, SHORT, 1, 4 }, { 257, SHORT, 1, 4 },
		{ 273, LONG, 1, 200 }, { 279, LONG, 1, 50 },
		{ 330, LONG, 1, 8 }, { 34665, LONG, 1, 8 },
	};
	tb_ifd(&T, 8, c, 6, 0);
	is_u64(tb_run(&T, 1000, &res), CARVE_ACCEPT, "SubIFD loop: accepted");
	is_u64(res.length, 250, "SubIFD loop: sane length");
	printf("# IFD loops: %.3f s CPU (not asserted)\n",
	       (double)(clock() - t0) / CLOCKS_PER_SEC);

	/* IFD0 claims 65535 entries; the data is not there. */
	tb_init(&T, false, 8, 7);
	p16(&T, 8, 65535);
	t0 = clock();
	is_u64(tb_run(&T, 1000, &res), CARVE_REJECT, "65535 entries: rejected");
	is_str(res.reason, "bad first IFD", "65535 entries: reason");
	is_u64(tb_run(&T, CAP, &res), CARVE_REJECT,
	       "65535 entries, 64 KiB there: rejected");
	printf("# 65535 entries: %.3f s CPU (not asserted)\n",
	       (double)(clock() - t0) / CLOCKS_PER_SEC);

	/* An EXIF IFD claiming 65535 entries is skipped. */
	tb_init(&T, false, 8, 8);
	const struct ent e[] = {
		{ 256, SHORT, 1, 4 }, { 257, SHORT, 1, 4 },
		{ 273, LONG, 1, 200 }, { 279, LONG, 1, 50 },
		{ 34665, LONG, 1, 100 },
	};
	tb_ifd(&T, 8, e, 5, 0);
	p16(&T, 100, 65535);
	is_u64(tb_run(&T, 1000, &res), CARVE_ACCEPT,
	       "EXIF IFD with 65535 entries: skipped, accepted");
	is_u64(res.length, 250, "EXIF IFD with 65535 entries: length");
	/* ... but for a reader that asks for every check, junk where a
	 * pointer names a directory is a byte of another file */
	tu_validate_thorough(&format_tiff, T.b, 1000, 0, true, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.note == CARVE_NOTE_FRAGMENT &&
	   res.note_off == 100, "EXIF IFD with 65535 entries, thorough: "
	   "fragmentation point at the directory");

	/* Value sizes and strip ranges far past the end. */
	tb_init(&T, false, 8, 9);
	const struct ent f[] = {
		{ 256, SHORT, 1, 4 }, { 257, SHORT, 1, 4 },
		{ 273, LONG, 1, 200 }, { 279, LONG, 1, 50 },
		{ 33432, DOUBLE, 0xffffffffu, 100 },
	};
	tb_ifd(&T, 8, f, 5, 0);
	is_u64(tb_run(&T, 1000, &res), CARVE_TRUNCATED,
	       "count 2^32-1 DOUBLEs: truncated");
	is_u64(res.length, 1000, "count 2^32-1 DOUBLEs: all that is there");
	const struct ent g[] = {
		{ 256, SHORT, 1, 4 }, { 257, SHORT, 1, 4 },
		{ 273, LONG, 1, 0xfffffff0u }, { 279, LONG, 1, 0xffffffffu },
	};
	tb_ifd(&T, 8, g, 4, 0);
	is_u64(tb_run(&T, 1000, &res), CARVE_TRUNCATED,
	       "strip at 2^32-16 of 2^32-1 bytes: truncated");
	const struct ent h[] = {
		{ 256, SHORT, 1, 4 }, { 257, SHORT, 1, 4 },
		{ 273, LONG, 0xffffffffu, 100 }, { 279, LONG, 0xffffffffu, 100 },
	};
	tb_ifd(&T, 8, h, 4, 0);
	is_u64(tb_run(&T, 1000, &res), CARVE_TRUNCATED,
	       "2^32-1 strips: truncated");

	/* Descending tags and unknown field types: not a TIFF. */
	tb_init(&T, false, 8, 10);
	const struct ent k[] = {
		{ 279, LONG, 1, 50 }, { 273, LONG, 1, 200 },
		{ 257, SHORT, 1, 4 }, { 256, SHORT, 1, 4 },
	};
	tb_ifd(&T, 8, k, 4, 0);
	is_u64(tb_run(&T, 1000, &res), CARVE_REJECT, "descending tags: rejected");
	const struct ent l[] = {
		{ 256, 99, 1, 4 }, { 257, 0, 1, 4 },
		{ 273, 200, 1, 200 }, { 279, LONG, 1, 50 },
	};
	tb_ifd(&T, 8, l, 4, 0);
	is_u64(tb_run(&T, 1000, &res), CARVE_REJECT, "unknown types: rejected");
	p32(&T, 4, 4);
	is_u64(tb_run(&T, 1000, &res), CARVE_REJECT, "IFD0 at 4: rejected");
	p32(&T, 4, 0xfffffff0u);
	is_u64(tb_run(&T, 1000, &res), CARVE_REJECT, "IFD0 past the end: rejected");

	/* Junk after each signature. */
	static const char *const sigs[] = { "II*\0", "MM\0*", "IIU\0", "IIRO" };
	unsigned accepted = 0;
	for (unsigned s = 0; s < 4; s++) {
		for (unsigned i = 1; i <= 500; i++) {
			tu_random(T.b, CAP, i * 7 + s);
			memcpy(T.b, sigs[s], 4);
			if (tb_run(&T, CAP, &res) != CARVE_REJECT)
				accepted++;
			/* ... and with the first IFD pointed at the junk. */
			T.b[4] = 8;
			T.b[5] = T.b[6] = T.b[7] = 0;
			if (sigs[s][0] == 'M') {
				T.b[7] = 8;
				T.b[4] = 0;
			}
			if (tb_run(&T, CAP, &res) != CARVE_REJECT)
				accepted++;
		}
	}
	is_u64(accepted, 0, "TIFF signatures and junk: always rejected");

	/* 2000 chained IFDs: the walk stops at its IFD limit. */
	tb_init(&T, false, 8, 11);
	const struct ent m[] = { { 256, SHORT, 1, 1 } };
	for (unsigned i = 0; i < 2000; i++)
		tb_ifd(&T, 8 + 18 * i, m, 1, i < 1999 ? 8 + 18 * (i + 1) : 0);
	t0 = clock();
	is_u64(tb_run(&T, 8 + 18 * 2000, &res), CARVE_ACCEPT,
	       "2000 chained IFDs: accepted");
	is_u64(res.length, 8 + 18 * 1024, "2000 chained IFDs: walk stops at 1024");
	printf("# 2000 chained IFDs: %.3f s CPU (not asserted)\n",
	       (double)(clock() - t0) / CLOCKS_PER_SEC);

	/* 100,000 one-byte strips, every one checked. */
	{
		enum { NS = 100000 };
		size_t offs = 100, cnts = offs + 4 * NS, data = cnts + 4 * NS;
		size_t total = data + NS + 10;
		uint8_t *big = malloc(total);
		tu_random(big, total, 12);
		memcpy(big, "II*\0\x08\0\0\0", 8);
		struct tb *tp = malloc(sizeof(*tp));
		tp->be = false;
		const struct ent s[] = {
			{ 256, SHORT, 1, 1 }, { 257, LONG, 1, NS },
			{ 273, LONG, NS, (uint32_t)offs },
			{ 278, SHORT, 1, 1 },
			{ 279, LONG, NS, (uint32_t)cnts },
		};
		tb_ifd(tp, 8, s, 5, 0);
		memcpy(big + 8, tp->b + 8, 2 + 12 * 5 + 4);
		for (uint32_t i = 0; i < NS; i++) {
			mem_put_le32(big + offs + 4 * i, (uint32_t)(data + NS - 1 - i));
			mem_put_le32(big + cnts + 4 * i, 1);
		}
		t0 = clock();
		is_u64(tu_validate(&format_tiff, big, total, 0, &res),
		       CARVE_ACCEPT, "100k strips: accepted");
		is_u64(res.length, data + NS, "100k strips: exact length");
		printf("# 100k strips: %.3f s CPU (not asserted)\n",
	       (double)(clock() - t0) / CLOCKS_PER_SEC);
		free(tp);
		free(big);
	}
}

/* ---------------------------------------------------------- synthetic RAW */

/*
 * A NEF-like file (synthetic): big-endian, IFD0 with a small RGB preview,
 * Make/Model/DateTime, a SubIFD with the CFA raw strip, an EXIF IFD with a
 * Nikon type-3 maker note whose preview IFD points at a JPEG past the raw.
 * Returns the expected length.
 */
static size_t make_nef(void)
{
	tb_init(&T, true, 8, 13);
	const struct ent ifd0[] = {
		{ 254, LONG, 1, 1 }, { 256, SHORT, 1, 32 },
		{ 257, SHORT, 1, 16 }, { 259, SHORT, 1, 1 },
		{ 262, SHORT, 1, 2 }, { 271, ASCII, 18, 400 },
		{ 272, ASCII, 9, 420 }, { 273, LONG, 1, 1000 },
		{ 279, LONG, 1, 1536 }, { 306, ASCII, 20, 440 },
		{ 330, LONG, 1, 200 }, { 34665, LONG, 1, 300 },
	};
	tb_ifd(&T, 8, ifd0, 12, 0);
	tb_str(&T, 400, "NIKON CORPORATION");
	tb_str(&T, 420, "NIKON D9");
	tb_str(&T, 440, "2020:01:02 03:04:05");
	const struct ent sub[] = {
		{ 254, LONG, 1, 0 }, { 256, LONG, 1, 640 },
		{ 257, LONG, 1, 480 }, { 259, SHORT, 1, 1 },
		{ 262, SHORT, 1, 32803 }, { 273, LONG, 1, 3000 },
		{ 279, LONG, 1, 4000 },
	};
	tb_ifd(&T, 200, sub, 7, 0);
	const struct ent exif[] = {
		{ 36867, ASCII, 20, 470 }, { 37500, UNDEF, 120, 500 },
	};
	tb_ifd(&T, 300, exif, 2, 0);
	tb_str(&T, 470, "2020:01:02 03:04:06");
	/* Maker note: "Nikon\0", version 2.10, then a TIFF header at 510. */
	memcpy(T.b + 500, "Nikon\0\x02\x10\0\0MM\0*\0\0\0\x08", 18);
	const size_t base = 510;
	const struct ent mn[] = {
		{ 0x0001, UNDEF, 4, 0x30323130 }, { 0x0011, LONG, 1, 40 },
	};
	tb_ifd(&T, base + 8, mn, 2, 0);
	const struct ent prev[] = {
		{ 0x0201, LONG, 1, 8000 - base }, { 0x0202, LONG, 1, 777 },
	};
	tb_ifd(&T, base + 40, prev, 2, 0);
	return 8000 + 777;
}

static void synthetic_raw(void)
{
	struct carve_result res;
	size_t n;

	n = make_nef();
	ic_embedded(&format_tiff, "synthetic NEF", T.b, n, 51, &res);
	is_str(res.ext, "nef", "synthetic NEF: named nef");
	is_str(tu_meta(&res, "width"), "640", "synthetic NEF: raw width");
	is_str(tu_meta(&res, "height"), "480", "synthetic NEF: raw height");
	is_str(tu_meta(&res, "make"), "NIKON CORPORATION", "synthetic NEF: make");
	is_str(tu_meta(&res, "model"), "NIKON D9", "synthetic NEF: model");
	is_str(tu_meta(&res, "datetime"), "2020-01-02 03:04:06",
	       "synthetic NEF: DateTimeOriginal wins");
	is_u64(tb_run(&T, 5000, &res), CARVE_TRUNCATED,
	       "synthetic NEF cut in the raw strip: truncated");
	is_u64(res.length, 5000, "synthetic NEF cut: all that is there");

	/* The preview lies outside the file: the maker note is not trusted. */
	n = make_nef();
	is_u64(tb_run(&T, 7500, &res), CARVE_ACCEPT,
	       "synthetic NEF, preview out of reach: accepted");
	is_u64(res.length, 7000, "synthetic NEF, preview out of reach: raw ends it");

	/* Without the "Nikon" header the maker note is left alone. */
	n = make_nef();
	T.b[500] = 'X';
	is_u64(tb_run(&T, n, &res), CARVE_ACCEPT, "unknown maker note: accepted");
	is_u64(res.length, 7000, "unknown maker note: not walked");

	/* A NIKON TIFF without raw data (no SubIFD, no CFA) stays tif. */
	make_nef();
	p16(&T, 8 + 2 + 10 * 12, 331);     /* tag 330 becomes 331 */
	is_u64(tb_run(&T, 9000, &res), CARVE_ACCEPT, "NIKON TIFF: accepted");
	ok(res.ext == NULL, "NIKON TIFF without raw data: plain tif");

	/* DNG-like (synthetic): DNGVersion wins over Make; raw in tiles. */
	tb_init(&T, false, 8, 14);
	const struct ent dng0[] = {
		{ 254, LONG, 1, 1 }, { 256, SHORT, 1, 16 },
		{ 257, SHORT, 1, 16 }, { 271, ASCII, 6, 300 },
		{ 273, LONG, 1, 400 }, { 279, LONG, 1, 768 },
		{ 330, LONG, 1, 150 }, { 50706, BYTE, 4, 0x00000401 },
	};
	tb_ifd(&T, 8, dng0, 8, 0);
	tb_str(&T, 300, "Canon");
	const struct ent dngr[] = {
		{ 256, LONG, 1, 64 }, { 257, LONG, 1, 64 },
		{ 262, SHORT, 1, 32803 }, { 322, SHORT, 1, 32 },
		{ 323, SHORT, 1, 32 }, { 324, LONG, 4, 1200 },
		{ 325, LONG, 4, 1220 },
	};
	tb_ifd(&T, 150, dngr, 7, 0);
	tb_longs(&T, 1200, (const uint32_t[]){ 3000, 5048, 7096, 9144 }, 4);
	tb_longs(&T, 1220, (const uint32_t[]){ 2048, 2048, 2048, 2048 }, 4);
	ic_embedded(&format_tiff, "synthetic DNG", T.b, 11192, 52, &res);
	is_str(res.ext, "dng", "synthetic DNG: named dng");
	is_str(tu_meta(&res, "width"), "64", "synthetic DNG: raw width");

	/*
	 * CR2-like (synthetic): the raw IFD is reachable only through the
	 * offset after the "CR" marker; the Canon maker note is a bare IFD
	 * with an out-of-line value.
	 */
	tb_init(&T, false, 16, 15);
	memcpy(T.b + 8, "CR\x02\0", 4);
	p32(&T, 12, 600);
	const struct ent cr0[] = {
		{ 256, SHORT, 1, 32 }, { 257, SHORT, 1, 24 },
		{ 271, ASCII, 6, 200 }, { 272, ASCII, 13, 210 },
		{ 273, LONG, 1, 1000 }, { 279, LONG, 1, 2000 },
		{ 34665, LONG, 1, 300 },
	};
	tb_ifd(&T, 16, cr0, 7, 0);
	tb_str(&T, 200, "Canon");
	tb_str(&T, 210, "Canon EOS 9D");
	const struct ent crx[] = { { 37500, UNDEF, 100, 400 } };
	tb_ifd(&T, 300, crx, 1, 0);
	const struct ent crm[] = {
		{ 0x0001, SHORT, 1, 5 }, { 0x0002, SHORT, 4, 520 },
		{ 0x0099, LONG, 200, 9000 },
	};
	tb_ifd(&T, 400, crm, 3, 0);
	const struct ent cr3[] = {
		{ 256, LONG, 1, 1000 }, { 257, LONG, 1, 600 },
		{ 259, SHORT, 1, 6 }, { 273, LONG, 1, 4000 },
		{ 279, LONG, 1, 5000 },
	};
	tb_ifd(&T, 600, cr3, 5, 0);
	memcpy(T.b + 4000, "\xff\xd8\xff", 3);  /* the JPEG strip's SOI */
	ic_embedded(&format_tiff, "synthetic CR2", T.b, 9800, 53, &res);
	is_str(res.ext, "cr2", "synthetic CR2: named cr2");
	is_str(tu_meta(&res, "width"), "1000", "synthetic CR2: raw IFD's width");
	is_str(tu_meta(&res, "model"), "Canon EOS 9D", "synthetic CR2: model");
	p32(&T, 400 + 2 + 2 * 12 + 8, 100);  /* maker-note value moved back */
	is_u64(tb_run(&T, 9800, &res), CARVE_ACCEPT, "synthetic CR2 2: accepted");
	is_u64(res.length, 9000, "synthetic CR2 2: the raw strip ends it");
	memcpy(T.b + 8, "XX", 2);            /* no CR marker: no raw IFD */
	is_u64(tb_run(&T, 9800, &res), CARVE_ACCEPT, "no CR marker: accepted");
	is_u64(res.length, 3000, "no CR marker: the raw IFD is not reached");
	ok(res.ext == NULL, "no CR marker: plain tif");

	/* Header variants and makes. */
	static const struct {
		const char *hdr, *make, *ext;
	} kinds[] = {
		{ "IIU\0", "Panasonic", "rw2" },
		{ "IIRO", "OLYMPUS IMAGING CORP.", "orf" },
		{ "IIRS", "OLYMPUS IMAGING CORP.", "orf" },
		{ "MMOR", "OLYMPUS IMAGING CORP.", "orf" },
		{ "II*\0", "PENTAX Corporation", "pef" },
		{ "II*\0", "RICOH IMAGING COMPANY, LTD.", "pef" },
		{ "MM\0*", "SONY", "arw" },
		{ "II*\0", "OM Digital Solutions", "orf" },
		{ "II*\0", "Panasonic", "rw2" },
		{ "II*\0", "Some Other Maker", NULL },
	};
	for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		tb_init(&T, kinds[i].hdr[0] == 'M', 8, 16 + i);
		memcpy(T.b, kinds[i].hdr, 4);
		const struct ent r[] = {
			{ 256, SHORT, 1, 40 }, { 257, SHORT, 1, 30 },
			{ 262, SHORT, 1, 32803 },
			{ 271, ASCII, (uint32_t)strlen(kinds[i].make) + 1, 200 },
			{ 273, LONG, 1, 300 }, { 279, LONG, 1, 1200 },
		};
		tb_ifd(&T, 8, r, 6, 0);
		tb_str(&T, 200, kinds[i].make);
		is_u64(tb_run(&T, 1500, &res), CARVE_ACCEPT, "%s %s: accepted",
		       kinds[i].hdr[2] == '*' || kinds[i].hdr[2] == '\0' ?
		       "TIFF" : kinds[i].hdr, kinds[i].make);
		is_u64(res.length, 1500, "%s: exact length", kinds[i].make);
		is_str(res.ext, kinds[i].ext, "%s: extension", kinds[i].make);
	}
}


/*
 * A little-endian TIFF of one IFD at 8: compression comp, nstrips strips
 * of the given contents back to back after the IFD and its arrays, and
 * (thumb != NULL) a JPEG thumbnail (513/514) after them.  *len: its size.
 */
static uint8_t *build_tiff(uint32_t comp, const uint8_t *strip, size_t slen,
                           unsigned nstrips, const uint8_t *thumb,
                           size_t tlen, size_t *len)
{
	unsigned n = thumb ? 7 : 5;
	size_t ifd_end = 8 + 2 + 12 * (size_t)n + 4;
	size_t arr = ifd_end, cnts = arr + 4 * (size_t)nstrips;
	size_t data = cnts + 4 * (size_t)nstrips;
	size_t total = data + slen * nstrips + tlen;
	uint8_t *b = calloc(1, total);

	if (b == NULL)
		tap_bail("out of memory");
	memcpy(b, "II*\0", 4);
	mem_put_le32(b + 4, 8);
	mem_put_le16(b + 8, n);
	const uint32_t ents[7][4] = {
		{ 256, 3, 1, 64 }, { 257, 3, 1, 8 * nstrips },
		{ 259, 3, 1, comp },
		{ 273, 4, nstrips, (uint32_t)arr },
		{ 279, 4, nstrips, (uint32_t)cnts },
		{ 513, 4, 1, (uint32_t)(data + slen * nstrips) },
		{ 514, 4, 1, (uint32_t)tlen },
	};
	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = b + 10 + 12 * i;
		mem_put_le16(e, ents[i][0]);
		mem_put_le16(e + 2, ents[i][1]);
		mem_put_le32(e + 4, ents[i][2]);
		if (ents[i][1] == 3 && ents[i][2] == 1)
			mem_put_le16(e + 8, ents[i][3]);
		else if (ents[i][2] == 1 || ents[i][0] >= 513)
			mem_put_le32(e + 8, ents[i][3]);
		else
			mem_put_le32(e + 8, ents[i][3]);
	}
	if (nstrips == 1) {
		/* one value fits in the entry itself */
		mem_put_le32(b + 10 + 12 * 3 + 8, (uint32_t)data);
		mem_put_le32(b + 10 + 12 * 4 + 8, (uint32_t)slen);
	}
	for (unsigned i = 0; i < nstrips; i++) {
		mem_put_le32(b + arr + 4 * i, (uint32_t)(data + slen * i));
		mem_put_le32(b + cnts + 4 * i, (uint32_t)slen);
		memcpy(b + data + slen * i, strip, slen);
	}
	if (thumb != NULL)
		memcpy(b + data + slen * nstrips, thumb, tlen);
	*len = total;
	return b;
}

/*
 * Fragmentation points: JPEG-compressed strips each start with SOI, so a
 * TIFF cut inside a strip with other bytes inserted shows its point at the
 * next strip's start, at most one strip (here 5584 bytes) after the cut.
 * Uncompressed strips cannot be checked: no point, and the result says
 * from where the data went unchecked.
 */
static void fragments(void)
{
	size_t jlen, len, olen;
	uint8_t *jpg = tu_load_data("jpeg/baseline.jpg", &jlen);
	uint8_t *f = build_tiff(7, jpg, jlen, 8, NULL, 0, &len);
	uint8_t *o = build_tiff(7, jpg, jlen, 2, NULL, 0, &olen);
	struct carve_result res;
	size_t cuts[] = { 8192, 16384, 36864 };

	for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
		for (int k = FC_RANDOM; k <= FC_OTHER; k++) {
			char name[80];
			uint8_t *g = fc_gap((enum fc_gap)k, 4096 * (c + 1), o,
			                    olen, c + 5);
			snprintf(name, sizeof(name), "tiff jpeg strips: %s",
			         fc_gap_name(k));
			fc_check(&format_tiff, name, f, len, cuts[c], g,
			         4096 * (c + 1), jlen);
			free(g);
		}
	}
	tu_validate(&format_tiff, f, len, 0, &res);
	is_u64(res.unverified_off, 0, "jpeg strips: all checked");
	free(f);
	free(o);

	/* raw strips: nothing to check them by, and the result says so */
	uint8_t raw[20000];
	tu_random(raw, sizeof(raw), 3);
	f = build_tiff(1, raw, sizeof(raw), 3, NULL, 0, &len);
	size_t first = len - 3 * sizeof(raw);
	uint8_t *img = malloc(len + 8192);
	memcpy(img, f, 8192);
	tu_random(img + 8192, 8192, 4);
	memcpy(img + 16384, f + 8192, len - 8192);
	tu_validate(&format_tiff, img, len + 8192, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.note == CARVE_NOTE_NONE,
	   "raw strips, 8 KiB inserted: no point can be told");
	is_u64(res.unverified_off, first, "raw strips: unchecked from the "
	       "first strip");
	is_str(res.unverified_why, "strip data not checked",
	       "raw strips: why");
	free(img);
	free(f);

	/* raw strips then the thumbnail the IFD names: a JPEG found there
	 * is the file's own, and one offset cannot say "before it", so
	 * nothing is declared unchecked (the part a reader can trust) */
	f = build_tiff(1, raw, sizeof(raw), 2, jpg, jlen, &len);
	tu_validate(&format_tiff, f, len, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len,
	   "raw strips + thumbnail: accepted");
	is_u64(res.unverified_off, 0, "raw strips + thumbnail: the checked "
	       "thumbnail ends the file");
	/* the thumbnail overwritten: its start is no JPEG */
	memset(f + len - jlen, 0, 16);
	tu_validate(&format_tiff, f, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.note == CARVE_NOTE_FRAGMENT &&
	   res.note_off == len - jlen, "thumbnail overwritten: the point at "
	   "its start");
	free(f);
	free(jpg);
}

int main(void)
{
	real_files();
	layouts();
	hostile();
	synthetic_raw();
	fragments();
	return tap_done();
}

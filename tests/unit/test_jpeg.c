/*
 * test_jpeg.c - the JPEG validator on real samples (tests/data/jpeg, made
 * by make.sh there) and on cut, corrupted and hostile variants of them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "fmt_util.h"

#define FILLER 4096

static const struct format *fmt;

struct sample {
	const char *file;
	unsigned width, height, components;
	const char *coding;
};

static const struct sample samples[] = {
	{ "jpeg/baseline.jpg", 160, 120, 3, "baseline" },
	{ "jpeg/progressive.jpg", 160, 120, 3, "progressive" },
	{ "jpeg/sub420.jpg", 96, 240, 3, "baseline" },
	{ "jpeg/gray.jpg", 96, 240, 1, "baseline" },
	{ "jpeg/restart.jpg", 96, 240, 3, "baseline" },
	{ "jpeg/arith.jpg", 160, 120, 3, "extended arithmetic" },
	{ "jpeg/exif_thumb.jpg", 160, 120, 3, "baseline" },
	/* few bits a block: decoded before it is called whole */
	{ "jpeg/flat.jpg", 256, 192, 3, "baseline" },
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Validates a whole buffer (the reader ends where it ends). */
static enum carve_verdict run(const uint8_t *buf, size_t len,
                              struct carve_result *res)
{
	return tu_validate(fmt, buf, len, 0, res);
}

/* Builds filler + data + filler; *off receives where data starts. */
static uint8_t *embed(const uint8_t *data, size_t len, size_t tail,
                      uint64_t seed, size_t *total)
{
	uint8_t *buf = malloc(FILLER + len + tail);

	if (buf == NULL)
		tap_bail("out of memory");
	tu_random(buf, FILLER + len + tail, seed);
	memcpy(buf + FILLER, data, len);
	*total = FILLER + len + tail;
	return buf;
}

/* Offset of the first occurrence of needle at or after from, or -1. */
static long find(const uint8_t *buf, size_t len, size_t from,
                 const void *needle, size_t nlen)
{
	for (size_t i = from; i + nlen <= len; i++)
		if (memcmp(buf + i, needle, nlen) == 0)
			return (long)i;
	return -1;
}

/*
 * Offset of the nth (0-based) segment with marker m among the header
 * segments (a plain walk by length up to the first SOS), or -1.
 */
static long seg(const uint8_t *buf, size_t len, uint8_t m, int nth)
{
	size_t off = 2;

	while (off + 4 <= len && buf[off] == 0xff) {
		if (buf[off + 1] == m && nth-- == 0)
			return (long)off;
		if (buf[off + 1] == 0xda)
			break;
		off += 2 + mem_be16(buf + off + 2);
	}
	return -1;
}

/* Offset just past the first SOS segment (where scan data starts). */
static size_t scan_start(const uint8_t *buf, size_t len)
{
	long sos = seg(buf, len, 0xda, 0);

	if (sos < 0)
		tap_bail("sample has no SOS");
	return (size_t)sos + 2 + mem_be16(buf + sos + 2);
}

/* Copy of buf with n bytes ins inserted at at. */
static uint8_t *insert(const uint8_t *buf, size_t len, size_t at,
                       const uint8_t *ins, size_t n, size_t *out)
{
	uint8_t *b = malloc(len + n);

	if (b == NULL)
		tap_bail("out of memory");
	memcpy(b, buf, at);
	memcpy(b + at, ins, n);
	memcpy(b + at + n, buf + at, len - at);
	*out = len + n;
	return b;
}

/* Each sample inside random filler: accepted whole, metadata right. */
static void test_sample(const struct sample *s, unsigned idx)
{
	size_t len, total;
	struct carve_result res;
	char want[33], got[33], num[16];
	uint8_t *data = tu_load_data(s->file, &len);
	uint8_t *buf = embed(data, len, 8192, 100 + idx, &total);

	tu_validate(fmt, buf, total, FILLER, &res);
	ok(res.verdict == CARVE_ACCEPT, "%s: accepted inside filler", s->file);
	is_u64(res.length, len, "%s: exact length", s->file);
	tu_hash_hex(data, len, want);
	tu_hash_hex(buf + FILLER, res.length <= len ? res.length : len, got);
	is_str(got, want, "%s: carved bytes hash like the file", s->file);
	snprintf(num, sizeof(num), "%u", s->width);
	is_str(tu_meta(&res, "width"), num, "%s: width", s->file);
	snprintf(num, sizeof(num), "%u", s->height);
	is_str(tu_meta(&res, "height"), num, "%s: height", s->file);
	snprintf(num, sizeof(num), "%u", s->components);
	is_str(tu_meta(&res, "components"), num, "%s: components", s->file);
	is_str(tu_meta(&res, "coding"), s->coding, "%s: coding", s->file);

	/* The file alone, the reader ending with it. */
	run(data, len, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len,
	   "%s: accepted when it is the whole input", s->file);
	free(buf);
	free(data);
}

/*
 * True when res is a truncated file ending at most slack bytes before cut
 * (a cut data byte FF reads as a fill byte, a cut on zeros drops them), or
 * a rejection because that leaves no scan data after sd.
 */
static int near_cut(const struct carve_result *res, size_t cut, size_t sd,
                    size_t slack)
{
	if (res->verdict == CARVE_REJECT)
		return cut <= sd + slack;
	return res->verdict == CARVE_TRUNCATED && res->length <= cut &&
	       res->length + slack >= cut;
}

/*
 * True when res is a fragmentation point for data cut at cut: a truncated
 * file with CARVE_NOTE_FRAGMENT, length at most the cut, and the first bad
 * byte from the cut (the byte before it when that is an FF, which a marker
 * then follows) to lag bytes after it.
 */
static int frag_at(const struct carve_result *res, const uint8_t *data,
                   size_t cut, size_t lag)
{
	size_t from = cut - (data[cut - 1] == 0xff);

	return res->verdict == CARVE_TRUNCATED &&
	       res->note == CARVE_NOTE_FRAGMENT && res->length <= cut &&
	       res->length <= res->note_off && res->note_off >= from &&
	       res->note_off <= cut + lag;
}

/*
 * Cuts: the reader ends at each cut.  In the headers that is a rejection;
 * in the scan data a truncated file of exactly the cut.  Then the cut file
 * followed by another JPEG, by zeros, by erased flash, by random bytes.
 */
static void test_cuts(const struct sample *s, unsigned idx)
{
	size_t len;
	uint8_t *data = tu_load_data(s->file, &len);
	size_t sd = scan_start(data, len);
	size_t cuts[] = { 3, 4, 20, 100, sd - 3, sd, sd + 1, sd + 100,
	                  (sd + len) / 2, len - 100, len - 2, len - 1 };
	size_t ncut = sizeof(cuts) / sizeof(cuts[0]);
	struct carve_result res;
	size_t other_len;
	uint8_t *other = tu_load_data("jpeg/gray.jpg", &other_len);
	int bad = 0, exact = 0, cat = 0, zeros = 0, ffs = 0, rnd = 0;

	/* Arithmetic-coded scans are not decoded: the marker walk finds
	 * the cut, without a fragmentation point. */
	bool arith = strcmp(s->coding, "extended arithmetic") == 0;

	for (size_t i = 0; i < ncut; i++) {
		size_t cut = cuts[i];

		run(data, cut, &res);
		if (cut <= sd) {
			/* nothing of the image yet: no file */
			bad += res.verdict != CARVE_REJECT;
		} else {
			bad += res.verdict != CARVE_TRUNCATED;
			exact += res.verdict == CARVE_TRUNCATED &&
			         res.length == cut;
		}
		if (cut <= sd)
			continue;

		/* cut, then another JPEG at once: inside the scan data, the
		 * first byte that cannot be the file's is the SOI's code
		 * byte, after the 0xFF (which a stuffed byte of the cut file
		 * could be) */
		uint8_t *b = malloc(cut + other_len + (2u << 20));
		memcpy(b, data, cut);
		memcpy(b + cut, other, other_len);
		run(b, cut + other_len, &res);
		cat += arith ? near_cut(&res, cut, sd, 1) :
		               frag_at(&res, data, cut, 1);

		/* cut, then zeroed sectors (a cut data byte FF and the first
		 * zero read as a stuffed FF 00) */
		memset(b + cut, 0, 2u << 20);
		run(b, cut + (2u << 20), &res);
		/* (decoded: the zeros, or more data than the scan's MCUs
		 * when the cut left the scan whole; under 8 zero bytes the
		 * decoder is not sure they are the gap) */
		zeros += arith ? near_cut(&res, cut + (data[cut - 1] == 0xff),
		                          sd, 16) &&
		                 strcmp(res.reason,
		                        "zeros where scan data should be") == 0
		               : frag_at(&res, data, cut, 8);

		/* cut, then erased flash (the first 0xFF may be a fill
		 * byte of the file's; the one after it cannot) */
		memset(b + cut, 0xff, 8192);
		run(b, cut + 8192, &res);
		ffs += arith ? near_cut(&res, cut, sd, 1) :
		               frag_at(&res, data, cut, 1);

		/* cut, then random bytes: never a whole file, the point
		 * found within a few hundred bytes */
		tu_random(b + cut, 65536, 7 + idx * 100 + i);
		run(b, cut + 65536, &res);
		rnd += res.verdict != CARVE_ACCEPT &&
		       (arith || frag_at(&res, data, cut, 512));
		free(b);
	}
	size_t nscan = 0;
	for (size_t i = 0; i < ncut; i++)
		nscan += cuts[i] > sd;
	ok(bad == 0, "%s: cut in headers rejected, in scans truncated",
	   s->file);
	is_u64(exact, nscan, "%s: truncated length is the cut", s->file);
	is_u64(cat, nscan, "%s: cut + next JPEG: fragment at the cut",
	       s->file);
	is_u64(zeros, nscan, "%s: cut + zeros: fragment at the cut", s->file);
	is_u64(ffs, nscan, "%s: cut + 0xFF fill: fragment at the cut",
	       s->file);
	is_u64(rnd, nscan, "%s: cut + random bytes: fragment soon after the cut",
	       s->file);
	free(other);
	free(data);
}

/* The EXIF sample: metadata, and its thumbnail found on its own. */
static void test_exif(void)
{
	size_t len, total;
	struct carve_result res;
	uint8_t *data = tu_load_data("jpeg/exif_thumb.jpg", &len);
	uint8_t *buf = embed(data, len, 4096, 77, &total);

	tu_validate(fmt, buf, total, FILLER, &res);
	is_str(tu_meta(&res, "make"), "Dredge Optical", "exif: make");
	is_str(tu_meta(&res, "model"), "DX-100 Mark II", "exif: model");
	is_str(tu_meta(&res, "created"), "2021-07-14T09:26:53",
	       "exif: DateTimeOriginal as ISO 8601");

	long th = find(data, len, 3, "\xff\xd8\xff", 3);
	long th_end = th < 0 ? -1 : find(data, len, (size_t)th, "\xff\xd9", 2);
	ok(th > 0 && th_end > th && (size_t)th_end + 2 < len - 1000,
	   "exif: the sample embeds a thumbnail (%ld..%ld)", th, th_end);
	if (th > 0 && th_end > th) {
		size_t th_len = (size_t)(th_end + 2 - th);
		is_u64(th_len, 1441, "exif: thumbnail is 1441 bytes");
		tu_validate(fmt, buf, total, FILLER + (size_t)th, &res);
		ok(res.verdict == CARVE_ACCEPT, "exif: thumbnail accepted at "
		   "its own offset");
		is_u64(res.length, th_len, "exif: thumbnail's exact length");
		is_str(tu_meta(&res, "width"), "64", "exif: thumbnail width");
		is_str(tu_meta(&res, "height"), "48", "exif: thumbnail height");
	}
	free(buf);

	/* Best effort: broken EXIF never costs the image. */
	long app1 = seg(data, len, 0xe1, 0);
	ok(app1 > 0 && memcmp(data + app1 + 4, "Exif\0\0MM", 8) == 0,
	   "exif: APP1 found");
	size_t tiff = (size_t)app1 + 10;
	uint8_t *b = malloc(len);
	memcpy(b, data, len);
	mem_put_be32(b + tiff + 4, 0xfffffff0u);   /* IFD0 out of range */
	run(b, len, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len &&
	   tu_meta(&res, "make") == NULL, "exif: IFD0 offset out of range: "
	   "accepted, no make");
	memcpy(b, data, len);
	uint32_t ifd0 = mem_be32(data + tiff + 4);
	b[tiff + ifd0] = 0xff;                     /* 65535 entries */
	b[tiff + ifd0 + 1] = 0xff;
	run(b, len, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len &&
	   tu_meta(&res, "model") == NULL, "exif: huge IFD count: accepted");
	memcpy(b, data, len);
	b[tiff] = 'X';                              /* byte order */
	run(b, len, &res);
	ok(res.verdict == CARVE_ACCEPT && tu_meta(&res, "make") == NULL &&
	   tu_meta(&res, "width") != NULL, "exif: bad TIFF header: accepted");
	/* Every value offset in IFD0 pointed past the block. */
	memcpy(b, data, len);
	unsigned cnt = mem_be16(data + tiff + ifd0);
	for (unsigned i = 0; i < cnt && i < 64; i++)
		mem_put_be32(b + tiff + ifd0 + 2 + 12 * i + 8, 0x7ffffff0u);
	run(b, len, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len &&
	   tu_meta(&res, "make") == NULL, "exif: value offsets out of range: "
	   "accepted");
	free(b);
	free(data);
}

/* A little-endian EXIF block built here, put into the baseline sample. */
static void test_exif_le(void)
{
	uint8_t app[128];
	size_t len, n;
	struct carve_result res;
	uint8_t *data = tu_load_data("jpeg/baseline.jpg", &len);

	memset(app, 0, sizeof(app));
	memcpy(app, "\xff\xe1\x00\x00" "Exif\0\0" "II*\0\x08\0\0\0", 18);
	uint8_t *t = app + 10;         /* TIFF block; offsets from here */
	/* IFD0 at 8: Make (inline, 4 bytes), Model (at 50), ExifIFD (70) */
	uint8_t ifd0[] = { 3, 0,
		0x0f, 0x01, 2, 0, 4, 0, 0, 0, 'A', 'c', 'm', 0,
		0x10, 0x01, 2, 0, 6, 0, 0, 0, 50, 0, 0, 0,
		0x69, 0x87, 4, 0, 1, 0, 0, 0, 70, 0, 0, 0,
		0, 0, 0, 0 };
	memcpy(t + 8, ifd0, sizeof(ifd0));
	memcpy(t + 50, "Cam 1\0", 6);
	uint8_t exif[] = { 1, 0,
		0x03, 0x90, 2, 0, 20, 0, 0, 0, 90, 0, 0, 0,
		0, 0, 0, 0 };
	memcpy(t + 70, exif, sizeof(exif));
	memcpy(t + 90, "1999:12:31 23:59:59\0", 20);
	size_t alen = 10 + 110;
	app[2] = (uint8_t)((alen - 2) >> 8);
	app[3] = (uint8_t)(alen - 2);
	uint8_t *b = insert(data, len, 2, app, alen, &n);
	run(b, n, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == n,
	   "exif II: accepted whole");
	is_str(tu_meta(&res, "make"), "Acm", "exif II: inline make");
	is_str(tu_meta(&res, "model"), "Cam 1", "exif II: model by offset");
	is_str(tu_meta(&res, "created"), "1999-12-31T23:59:59",
	       "exif II: DateTimeOriginal");

	/* The Exif IFD pointing at IFD0: no loop, same answers. */
	b[2 + 10 + 8 + 2 + 24 + 8] = 8;
	run(b, n, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == n &&
	   tu_meta(&res, "created") == NULL && tu_meta(&res, "make") != NULL,
	   "exif II: self-referencing Exif IFD is harmless");
	free(b);
	free(data);
}

/* Two files back to back, and candidates that are not files at all. */
static void test_neighbours(void)
{
	size_t alen, blen;
	struct carve_result res;
	uint8_t *a = tu_load_data("jpeg/baseline.jpg", &alen);
	uint8_t *bb = tu_load_data("jpeg/progressive.jpg", &blen);
	uint8_t *buf = malloc(alen + blen);

	memcpy(buf, a, alen);
	memcpy(buf + alen, bb, blen);
	run(buf, alen + blen, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == alen,
	   "back to back: first accepted at its own length");
	tu_validate(fmt, buf, alen + blen, alen, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == blen,
	   "back to back: second accepted at its own length");
	free(buf);
	free(bb);

	/* SOI + random garbage, many seeds: all rejected, quickly. */
	uint8_t g[65536];
	int rejected = 0;
	double t0 = now();
	for (unsigned i = 0; i < 2000; i++) {
		tu_random(g, sizeof(g), 5000 + i);
		memcpy(g, "\xff\xd8\xff", 3);
		if (i % 2)
			g[3] = (uint8_t)(0xe0 + i % 16);  /* a plausible APPn */
		rejected += run(g, sizeof(g), &res) == CARVE_REJECT;
	}
	double dt = now() - t0;
	is_u64(rejected, 2000, "SOI + random bytes: all 2000 rejected");
	printf("# SOI + random bytes: %.3f s for 2000 (speed is measured in bench/)\n", dt);

	static const struct {
		const char *bytes;
		size_t n;
		const char *why;
	} starts[] = {
		{ "\xff\xd8\xff\xd9", 4, "no header segment after SOI" },
		{ "\xff\xd8\xff\xda\x00\x08", 6,
		  "no header segment after SOI" },
		{ "\xff\xd8\xff\x00", 4, "no header segment after SOI" },
		{ "\xff\xd8\xff", 3, "shorter than a marker" },
		{ "\xff\xd9\xff\xe0", 4, "no SOI marker" },
		{ "\xff\xd8\xff\xe0\x00\x01", 6, "bad segment length" },
		{ "\xff\xd8\xff\xfe\x00\x02\xff\xd9", 8,
		  "EOI before any image data" },
		{ "\xff\xd8\xff\xfe\x00\x02\x00\xff\xd9", 9,
		  "no marker where one was due" },
		{ "\xff\xd8\xff\xe0\xff\xff", 6, "data ends inside a segment" },
		{ "\xff\xd8\xff\xe0", 4, "data ends in a segment header" },
	};
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		uint8_t tmp[16];
		memcpy(tmp, starts[i].bytes, starts[i].n);
		run(tmp, starts[i].n, &res);
		ok(res.verdict == CARVE_REJECT &&
		   strcmp(res.reason, starts[i].why) == 0,
		   "start %zu rejected: %s", i, starts[i].why);
		if (res.reason && strcmp(res.reason, starts[i].why) != 0)
			printf("#   reason: %s\n", res.reason);
	}
	free(a);
}

/* Segments changed one at a time in the baseline sample. */
static void test_corrupt(void)
{
	size_t len, n;
	struct carve_result res;
	uint8_t *data = tu_load_data("jpeg/baseline.jpg", &len);
	uint8_t *b = malloc(len + 4096);
	long dqt = seg(data, len, 0xdb, 0);
	long sof = seg(data, len, 0xc0, 0);
	long dht = seg(data, len, 0xc4, 0);
	long sos = seg(data, len, 0xda, 0);

	ok(dqt > 0 && sof > dqt && dht > sof && sos > dht,
	   "baseline: DQT, SOF0, DHT, SOS found");

#define CHECK(verdict_, len_, why_, what)                                  \
	do {                                                               \
		run(b, len, &res);                                         \
		ok(res.verdict == (verdict_) && res.length == (len_) &&    \
		   res.reason != NULL && strcmp(res.reason, why_) == 0,    \
		   "%s: %s", what, why_);                                  \
		if (res.verdict != (verdict_) || res.length != (len_) ||   \
		    (res.reason && strcmp(res.reason, why_) != 0))         \
			printf("#   got %d %llu %s\n", res.verdict,       \
			       (unsigned long long)res.length,           \
			       res.reason ? res.reason : "-");            \
		memcpy(b, data, len);                                      \
	} while (0)

	memcpy(b, data, len);
	b[dqt + 4] = 0x05;                     /* table slot 5 */
	CHECK(CARVE_REJECT, 0, "bad quantization table", "DQT slot 5");
	b[dqt + 3] = (uint8_t)(b[dqt + 3] - 1);   /* one byte short */
	CHECK(CARVE_REJECT, 0, "bad quantization table", "DQT length - 1");
	b[sof + 9] = 0;                        /* no components */
	CHECK(CARVE_REJECT, 0, "bad frame header", "SOF with 0 components");
	b[sof + 7] = 0;                        /* width 0 */
	b[sof + 8] = 0;
	CHECK(CARVE_REJECT, 0, "bad frame header", "SOF width 0");
	b[sof + 4] = 12;                       /* 12-bit baseline */
	CHECK(CARVE_REJECT, 0, "bad frame header", "12-bit SOF0");
	b[sof + 11] = 0x51;                    /* sampling 5x1 */
	CHECK(CARVE_REJECT, 0, "bad frame header", "sampling factor 5");
	b[dht + 5] = 2;                        /* 2 codes of length 1 + more */
	b[dht + 6] = 2;
	CHECK(CARVE_REJECT, 0, "bad Huffman table", "over-subscribed DHT");
	b[dht + 4] = 0x24;                     /* class 2 */
	CHECK(CARVE_REJECT, 0, "bad Huffman table", "DHT class 2");
	b[sos + 5] = 9;                        /* component 9 not in frame */
	CHECK(CARVE_REJECT, 0, "bad scan header", "SOS unknown component");
	b[sof + 1] = 0x02;                     /* reserved marker */
	CHECK(CARVE_REJECT, 0, "invalid marker", "reserved marker FF 02");
	b[sof + 1] = 0xf7;                     /* JPEG-LS, not handled */
	CHECK(CARVE_REJECT, 0, "reserved JPEG extension marker",
	      "JPEG-LS SOF55");
	b[dht] = 0x00;                         /* no FF where due */
	CHECK(CARVE_REJECT, 0, "no marker where one was due", "stray byte");
	b[dqt + 1] = 0xc1;                     /* DQT read as a SOF1 */
	CHECK(CARVE_REJECT, 0, "bad frame header", "SOF with a wrong length");
	b[sof + 5] = 0;                        /* height 0, no DNL */
	b[sof + 6] = 0;
	CHECK(CARVE_REJECT, 0, "no image height", "SOF height 0");
	uint8_t *f;

	/* Height 0 in the frame header, given by a DNL after the scan. */
	b[sof + 5] = 0;
	b[sof + 6] = 0;
	f = insert(b, len, len - 2, (const uint8_t *)"\xff\xdc\x00\x04\x00\x78",
	           6, &n);
	run(f, n, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == n,
	   "height 0 + DNL: accepted");
	is_str(tu_meta(&res, "height"), "120", "height 0 + DNL: height from DNL");
	free(f);
	memcpy(b, data, len);

	/* The frame header twice. */
	size_t soflen = 2u + mem_be16(data + sof + 2);
	f = insert(data, len, (size_t)sof + soflen, data + sof,
	                    soflen, &n);
	run(f, n, &res);
	ok(res.verdict == CARVE_REJECT &&
	   strcmp(res.reason, "second frame header") == 0,
	   "two SOF segments: rejected");
	free(f);

	/* No DQT at all: SOF and scan fine, but nothing to dequantize. */
	memcpy(b, data, (size_t)dqt);
	memcpy(b + dqt, data + sof, len - (size_t)sof);
	run(b, len - (size_t)(sof - dqt), &res);
	ok(res.verdict == CARVE_REJECT &&
	   strcmp(res.reason, "no quantization table") == 0,
	   "no DQT: rejected");
	memcpy(b, data, len);

	/* The scan moved before the frame header. */
	b[sof + 1] = 0xfe;                     /* SOF becomes a comment */
	CHECK(CARVE_REJECT, 0, "bad scan header", "SOS before any SOF");

	/* After the scan: what replaces EOI decides. */
	b[len - 1] = 0x02;
	CHECK(CARVE_TRUNCATED, len - 2, "invalid marker", "EOI -> FF 02");
	b[len - 1] = 0xd8;
	CHECK(CARVE_TRUNCATED, len - 2, "another file starts (SOI)",
	      "EOI -> SOI");
	b[len - 1] = 0xc0;
	CHECK(CARVE_TRUNCATED, len, "data ends in a segment header",
	      "EOI -> SOF at the very end");
	b[len - 1] = 0xd0;
	CHECK(CARVE_TRUNCATED, len - 2, "restart marker out of sequence",
	      "EOI -> RST0 without DRI");

	/* Fill bytes before a marker are allowed, a flood of them is not. */
	uint8_t ff[2000];
	memset(ff, 0xff, sizeof(ff));
	f = insert(data, len, (size_t)dht, ff, 7, &n);
	run(f, n, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == n,
	   "7 fill bytes before DHT: accepted");
	free(f);
	f = insert(data, len, len - 2, ff, 7, &n);
	run(f, n, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == n,
	   "7 fill bytes before EOI: accepted");
	free(f);
	f = insert(data, len, (size_t)dht, ff, sizeof(ff), &n);
	run(f, n, &res);
	ok(res.verdict == CARVE_REJECT &&
	   strcmp(res.reason, "too many fill bytes") == 0,
	   "2000 fill bytes before DHT: rejected");
	free(f);

	/* A segment length that runs past the data. */
	memcpy(b, data, len);
	b[dht + 2] = 0xff;
	b[dht + 3] = 0xff;
	CHECK(CARVE_REJECT, 0, "data ends inside a segment",
	      "DHT length 0xFFFF");
	free(b);
	free(data);
}

/* Progressive: garbage between scans, a table length past the end. */
static void test_progressive(void)
{
	size_t len, total;
	struct carve_result res;
	uint8_t *data = tu_load_data("jpeg/progressive.jpg", &len);
	size_t sd = scan_start(data, len);
	long sos2 = find(data, len, sd, "\xff\xda", 2);
	long dht2 = find(data, len, sd, "\xff\xc4", 2);
	int nsos = 0;

	for (long at = 0; (at = find(data, len, (size_t)at, "\xff\xda", 2))
	     >= 0; at++)
		nsos++;
	ok(nsos >= 5, "progressive sample has %d scans", nsos);
	ok(dht2 > 0 && sos2 > 0, "a DHT or SOS between scans");
	long mid = dht2 > 0 ? dht2 : sos2;

	uint8_t *b = malloc(len);
	memcpy(b, data, len);
	b[mid + 2] = 0xff;          /* table length past everything */
	b[mid + 3] = 0xff;
	run(b, len, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len &&
	   strcmp(res.reason, "data ends inside a segment") == 0,
	   "segment length past the end: truncated at the data's end");
	uint8_t *e = embed(b, len, 70000, 31, &total);
	tu_validate(fmt, e, total, FILLER, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == (uint64_t)mid,
	   "segment length into filler: truncated before that segment");
	free(e);

	memcpy(b, data, len);
	b[mid + 1] = 0x02;          /* a marker no file has */
	run(b, len, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == (uint64_t)mid &&
	   strcmp(res.reason, "invalid marker") == 0,
	   "invalid marker between scans: truncated there");
	b[mid + 1] = 0xd8;          /* the next file's SOI */
	run(b, len, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == (uint64_t)mid &&
	   strcmp(res.reason, "another file starts (SOI)") == 0,
	   "SOI between scans: truncated there");
	free(b);
	free(data);
}

/* Restart markers: in order they are data, out of order the file ends. */
static void test_restart(void)
{
	size_t len;
	struct carve_result res;
	uint8_t *data = tu_load_data("jpeg/restart.jpg", &len);
	size_t sd = scan_start(data, len);
	int nrst = 0, wrapped = 0;
	long third = -1;

	ok(seg(data, len, 0xdd, 0) > 0, "restart sample has DRI");
	for (size_t i = sd; i + 1 < len; i++) {
		if (data[i] == 0xff && data[i + 1] >= 0xd0 &&
		    data[i + 1] <= 0xd7) {
			if (nrst == 2)
				third = (long)i;
			wrapped |= nrst >= 8 && data[i + 1] == 0xd0;
			nrst++;
		}
	}
	ok(nrst >= 9 && wrapped, "restart sample: %d RSTs, wraps to RST0",
	   nrst);
	uint8_t *b = malloc(len);
	memcpy(b, data, len);
	b[third + 1] = 0xd5;        /* RST2 -> RST5 */
	run(b, len, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == (uint64_t)third &&
	   strcmp(res.reason, "restart marker out of sequence") == 0,
	   "RST out of sequence: truncated there");

	/* The DRI turned into a comment: RSTs are then not expected. */
	memcpy(b, data, len);
	b[seg(data, len, 0xdd, 0) + 1] = 0xfe;
	run(b, len, &res);
	ok(res.verdict == CARVE_TRUNCATED &&
	   strcmp(res.reason, "restart marker out of sequence") == 0,
	   "RST without DRI: truncated at the first RST");
	free(b);
	free(data);
}

/* Bombs: many segments, a scan longer than the frame allows. */
static void test_bombs(void)
{
	size_t len, n;
	struct carve_result res;
	uint8_t *data = tu_load_data("jpeg/gray.jpg", &len);
	const size_t ncom = 10000;
	uint8_t *coms = malloc(ncom * 4);

	for (size_t i = 0; i < ncom; i++)
		memcpy(coms + 4 * i, "\xff\xfe\x00\x02", 4);
	uint8_t *b = insert(data, len, 2, coms, ncom * 4, &n);
	double t0 = now();
	run(b, n, &res);
	double dt = now() - t0;
	ok(res.verdict == CARVE_REJECT &&
	   strcmp(res.reason, "too many segments") == 0,
	   "10000 empty COM segments: rejected (limit 8192)");
	printf("# 10000 COM segments: %.4f s\n", dt);
	free(b);
	b = insert(data, len, 2, coms, 8000 * 4, &n);
	run(b, n, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == n,
	   "8000 empty COM segments: accepted");
	free(b);

	/* An 8x8 frame followed by 1 MiB of FF-free bytes. */
	long sof = seg(data, len, 0xc0, 0);
	size_t sd = scan_start(data, len);
	size_t big = 1u << 20;
	b = malloc(sd + big);
	memcpy(b, data, sd);
	b[sof + 5] = 0; b[sof + 6] = 8;        /* height 8 */
	b[sof + 7] = 0; b[sof + 8] = 8;        /* width 8 */
	tu_random(b + sd, big, 99);
	for (size_t i = sd; i < sd + big; i++)
		if (b[i] == 0xff)
			b[i] = 0x5a;
	run(b, sd + big, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length <= sd + 1 &&
	   res.note == CARVE_NOTE_FRAGMENT && res.note_off < sd + 1024,
	   "8x8 frame with 1 MiB of scan: decoding finds it in the first "
	   "bytes (%s at %llu)", res.reason,
	   (unsigned long long)res.note_off);
	free(b);

	/* A 4000x3000 frame (room for megabytes of scan) cut mid-scan and
	 * followed by zeroed sectors: the zero-run bound ends it, not the
	 * reader's limit. */
	size_t cut = (sd + len) / 2, zlen = 3u << 20;
	b = malloc(cut + zlen);
	memcpy(b, data, cut);
	b[sof + 5] = 3000 >> 8; b[sof + 6] = 3000 & 255;
	b[sof + 7] = 4000 >> 8; b[sof + 8] = 4000 & 255;
	memset(b + cut, 0, zlen);
	run(b, cut + zlen, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length <= cut &&
	   res.length + 16 >= cut &&
	   strcmp(res.reason, "zeros where scan data should be") == 0,
	   "big frame cut + 3 MiB of zeros: truncated at the cut");
	free(b);

	/* The same frame with FF 00 pairs only: bounded, no hang. */
	b = malloc(sd + big);
	memcpy(b, data, sd);
	for (size_t i = sd; i + 1 < sd + big; i += 2) {
		b[i] = 0xff;
		b[i + 1] = 0x00;
	}
	b[sd + big - 1] = 0x00;
	t0 = now();
	run(b, sd + big, &res);
	dt = now() - t0;
	ok(res.verdict == CARVE_TRUNCATED,
	   "1 MiB of stuffed FF 00: truncated (%.3f s)", dt);
	free(b);
	free(coms);
	free(data);
}

/*
 * The scan's screen (format.screen) rejects a candidate without a
 * validation: it may say no only where the validator rejects.  Every
 * sample passes it at every length; seeded hostile starts (a JPEG's
 * first bytes, then a first segment of any length followed by anything,
 * sometimes by a real file's segments) are rejected by the validator,
 * plain and thorough, wherever the screen says no.
 */
static void test_screen(void)
{
	size_t nsamples = sizeof(samples) / sizeof(samples[0]);
	unsigned bad = 0, no = 0;
	uint64_t r = 0x9e3779b97f4a7c15ull;
	static const uint8_t first[] = { 0xe0, 0xe1, 0xdb, 0xc4, 0xfe, 0xc0,
	                                 0xdd, 0xff, 0xd9, 0x00 };

	ok(fmt->screen != NULL, "jpeg has a screen");
	if (fmt->screen == NULL)
		return;
	for (unsigned i = 0; i < nsamples; i++) {
		size_t len, n;
		uint8_t *data = tu_load_data(samples[i].file, &len);
		for (n = 0; n <= len && fmt->screen(data, n); n++)
			;
		ok(n > len, "%s passes the screen at every length",
		   samples[i].file);
		free(data);
	}
	size_t slen;
	uint8_t *sample = tu_load_data("jpeg/baseline.jpg", &slen);
	for (unsigned t = 0; t < 20000; t++) {
		uint8_t buf[4096];
		struct carve_result res;
		for (size_t k = 0; k < sizeof(buf); k++) {
			r ^= r << 13;
			r ^= r >> 7;
			r ^= r << 17;
			buf[k] = (uint8_t)r;
		}
		size_t n = 6 + (size_t)(r >> 20) % (sizeof(buf) - 6);
		buf[0] = 0xff;
		buf[1] = 0xd8;
		buf[2] = 0xff;
		buf[3] = first[(r >> 8) % sizeof(first)];
		size_t seg = (size_t)(r >> 40) % (t % 2 ? 64 : 4096);
		buf[4] = (uint8_t)(seg >> 8);
		buf[5] = (uint8_t)seg;
		if (t % 3 == 0 && 4 + seg < sizeof(buf))
			buf[4 + seg] = 0xff;
		if (t % 5 == 0 && 4 + seg < sizeof(buf) && slen > 2) {
			/* a real file's segments after the first */
			size_t take = sizeof(buf) - 4 - seg;
			if (take > slen - 2)
				take = slen - 2;
			memcpy(buf + 4 + seg, sample + 2, take);
		}
		if (fmt->screen(buf, n))
			continue;
		no++;
		enum carve_verdict v1 = tu_validate(fmt, buf, sizeof(buf), 0,
		                                    &res);
		enum carve_verdict v2 = tu_validate_thorough(
			fmt, buf, sizeof(buf), 0, true, &res);
		if (v1 != CARVE_REJECT || v2 != CARVE_REJECT)
			bad++;
	}
	free(sample);
	ok(no > 5000, "the screen said no to %u of 20000 hostile starts", no);
	ok(bad == 0, "the validator rejects every start the screen rejects "
	   "(%u not)", bad);
}

/*
 * A photo cut in its data and followed by bytes whose first marker is EOI
 * (random bytes, once in about 256 cuts): the marker walk alone calls it
 * whole.  Holding fewer bits than its frame's blocks take, it is decoded,
 * and the decoding runs out of data before the last block.  (flat.jpg,
 * among the samples, is as sparse and decodes whole.)
 */
static void test_sparse(void)
{
	size_t len;
	uint8_t *data = tu_load_data("jpeg/sub420.jpg", &len);
	size_t sd = scan_start(data, len);
	/* 96x240 in 4:2:0: 540 blocks, sparse below 2160 bytes of data */
	size_t cuts[] = { sd + 64, sd + 500, sd + 1000, sd + 2000 };
	size_t ncut = sizeof(cuts) / sizeof(cuts[0]);
	struct carve_result res;
	unsigned trunc = 0, at_cut = 0;

	for (size_t i = 0; i < ncut; i++) {
		size_t cut = cuts[i], n = cut + 2 + 4096;
		uint8_t *b = malloc(n);
		if (b == NULL)
			tap_bail("out of memory");
		memcpy(b, data, cut);
		b[cut] = 0xff;
		b[cut + 1] = 0xd9;
		tu_random(b + cut + 2, 4096, 41 + i);
		run(b, n, &res);
		trunc += res.verdict == CARVE_TRUNCATED;
		at_cut += res.verdict == CARVE_TRUNCATED &&
		          res.note == CARVE_NOTE_FRAGMENT &&
		          res.length <= cut && res.note_off >= cut - 2 &&
		          res.note_off <= cut + 2;
		free(b);
	}
	is_u64(trunc, ncut, "cut, then EOI: few bits for the frame, truncated");
	is_u64(at_cut, ncut, "cut, then EOI: the fragment point at the cut");
	free(data);
}

int main(void)
{
	size_t nsamples = sizeof(samples) / sizeof(samples[0]);

	fmt = format_find("jpeg");
	if (fmt == NULL)
		tap_bail("no jpeg format");
	ok(strcmp(fmt->ext, "jpg") == 0 && fmt->align == 1 &&
	   fmt->max_size == 256ull << 20 && fmt->min_size == 128,
	   "descriptor: jpg, align 1, 128 B .. 256 MiB");
	for (unsigned i = 0; i < nsamples; i++)
		test_sample(&samples[i], i);
	for (unsigned i = 0; i < nsamples; i++)
		test_cuts(&samples[i], i);
	test_exif();
	test_exif_le();
	test_neighbours();
	test_corrupt();
	test_progressive();
	test_restart();
	test_bombs();
	test_screen();
	test_sparse();
	return tap_done();
}

/*
 * test_mp4.c - the ISO-BMFF / QuickTime validator on real clips made by
 * ffmpeg and heif-enc (tests/data/mp4/make.sh) and on a Canon CR3 built
 * from the box layout (tests/data/mp4/make_cr3.sh: no Canon file ships in
 * Debian), on damaged copies of them
 * (cut, shifted, overwritten, bad counts), on structural bombs, and through
 * an extent map the way a reassembly engine would use it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "fmt_util.h"
#include "frag_check.h"
#include "formats/format.h"
#include "formats/h264_decode.h"
#include "formats/mp4.h"

static const struct format *mp4;

/* ---------------------------------------------------------------- helpers */

static uint32_t fcc(const char *s)
{
	return mem_be32((const uint8_t *)s);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	mem_put_be32(p, (uint32_t)(v >> 32));
	mem_put_be32(p + 4, (uint32_t)v);
}

/* Box size at off (32-bit form only: the samples use no largesize). */
static uint32_t box_size(const uint8_t *b, size_t off)
{
	return mem_be32(b + off);
}

/* Offset of the first top-level box of type t, or SIZE_MAX. */
static size_t top_box(const uint8_t *b, size_t len, const char *t)
{
	for (size_t off = 0; off + 8 <= len;) {
		uint32_t s = box_size(b, off);
		if (mem_be32(b + off + 4) == fcc(t))
			return off;
		if (s < 8)
			break;
		off += s;
	}
	return SIZE_MAX;
}

/* Collects offsets of boxes of type t below [off, end) into out. */
static unsigned find_boxes(const uint8_t *b, size_t off, size_t end,
                           const char *t, size_t *out, unsigned max,
                           unsigned n)
{
	static const char *const cont[] = { "moov", "trak", "mdia", "minf",
	                                    "stbl", NULL };
	while (off + 8 <= end && n < max) {
		uint32_t s = box_size(b, off);
		if (s < 8 || s > end - off)
			break;
		if (mem_be32(b + off + 4) == fcc(t))
			out[n++] = off;
		for (int i = 0; cont[i]; i++)
			if (mem_be32(b + off + 4) == fcc(cont[i]))
				n = find_boxes(b, off + 8, off + s, t, out, max, n);
		off += s;
	}
	return n;
}

/* Adds delta to the stco entries of track only (or of all when -1). */
static void shift_track(uint8_t *b, size_t len, int64_t delta, int only)
{
	size_t at[16];
	unsigned n = find_boxes(b, 0, len, "stco", at, 16, 0);

	for (unsigned i = 0; i < n; i++) {
		if (only >= 0 && (unsigned)only != i)
			continue;
		uint32_t cnt = mem_be32(b + at[i] + 12);
		for (uint32_t e = 0; e < cnt; e++) {
			uint8_t *p = b + at[i] + 16 + 4 * e;
			mem_put_be32(p, (uint32_t)((int64_t)mem_be32(p) + delta));
		}
	}
}

/* Adds delta to every stco entry of the file. */
static void shift_stco(uint8_t *b, size_t len, int64_t delta)
{
	shift_track(b, len, delta, -1);
}

/* Adds delta to the size of every container box that holds pos. */
static void grow_parents(uint8_t *b, size_t off, size_t end, size_t pos,
                         int64_t delta)
{
	static const char *const cont[] = { "moov", "trak", "mdia", "minf",
	                                    "stbl", NULL };
	while (off + 8 <= end) {
		uint32_t s = box_size(b, off);
		if (s < 8 || s > end - off)
			break;
		for (int i = 0; cont[i]; i++) {
			if (mem_be32(b + off + 4) == fcc(cont[i]) &&
			    pos > off && pos < off + s) {
				grow_parents(b, off + 8, off + s, pos, delta);
				mem_put_be32(b + off, (uint32_t)(s + delta));
			}
		}
		off += s;
	}
}

/*
 * Rewrites the first stco of a moov-last file as co64 and the first stsz
 * as an stz2 with fields of the given bits; returns the new buffer.
 */
static uint8_t *rewrite_tables(const uint8_t *d, size_t len, unsigned bits,
                               size_t *out_len)
{
	size_t co, sz;
	uint8_t *b = malloc(2 * len + 64), *t = malloc(2 * len + 64);

	memcpy(b, d, len);
	find_boxes(b, 0, len, "stco", &co, 1, 0);
	uint32_t n = mem_be32(b + co + 12);
	size_t nsz = 16 + 8 * (size_t)n;
	memcpy(t, b, co);
	mem_put_be32(t + co, (uint32_t)nsz);
	memcpy(t + co + 4, "co64", 4);
	memcpy(t + co + 8, b + co + 8, 8);
	for (uint32_t i = 0; i < n; i++) {
		mem_put_be32(t + co + 16 + 8 * i, 0);
		memcpy(t + co + 20 + 8 * i, b + co + 16 + 4 * i, 4);
	}
	memcpy(t + co + nsz, b + co + box_size(b, co), len - co - box_size(b, co));
	grow_parents(t, 0, len, co, (int64_t)nsz - box_size(b, co));
	len += nsz - box_size(b, co);

	find_boxes(t, 0, len, "stsz", &sz, 1, 0);
	n = mem_be32(t + sz + 16);
	nsz = 20 + ((size_t)n * bits + 7) / 8;
	memcpy(b, t, sz);
	mem_put_be32(b + sz, (uint32_t)nsz);
	memcpy(b + sz + 4, "stz2", 4);
	memset(b + sz + 8, 0, 8);
	b[sz + 15] = (uint8_t)bits;
	mem_put_be32(b + sz + 16, n);
	memset(b + sz + 20, 0, nsz - 20);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v = mem_be32(t + sz + 20 + 4 * i);
		uint8_t *e = b + sz + 20;
		if (bits == 16) {
			e[2 * i] = (uint8_t)(v >> 8);
			e[2 * i + 1] = (uint8_t)v;
		} else if (bits == 8) {
			e[i] = (uint8_t)v;
		} else {
			e[i / 2] |= (uint8_t)((v & 15) << (i % 2 ? 0 : 4));
		}
	}
	memcpy(b + sz + nsz, t + sz + box_size(t, sz),
	       len - sz - box_size(t, sz));
	grow_parents(b, 0, len, sz, (int64_t)nsz - box_size(t, sz));
	len += nsz - box_size(t, sz);
	free(t);
	*out_len = len;
	return b;
}

/* filler(pre) + data + filler(post), seeded. */
static uint8_t *embed(const uint8_t *data, size_t len, size_t pre,
                      size_t post, uint64_t seed, size_t *total)
{
	uint8_t *buf = malloc(pre + len + post);

	if (buf == NULL)
		tap_bail("out of memory");
	tu_random(buf, pre, seed);
	memcpy(buf + pre, data, len);
	tu_random(buf + pre + len, post, seed + 1);
	*total = pre + len + post;
	return buf;
}

static enum carve_verdict run(const uint8_t *buf, size_t len,
                              struct carve_result *r)
{
	return tu_validate(mp4, buf, len, 0, r);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- samples */

struct sample {
	const char *file, *ext, *brand, *duration, *codec;
	const char *width, *height, *tracks;
};

static const struct sample samples[] = {
	{ "mp4/dashcam.mp4", "mp4", "isom", "2.000", "avc1", "176", "144", "2" },
	{ "mp4/h264_faststart.mp4", "mp4", "isom", "1.000", "avc1", "96", "64", "2" },
	{ "mp4/h264.mov", "mov", "qt", "1.000", "avc1", "96", "64", "2" },
	{ "mp4/fragmented.mp4", "mp4", "isom", "2.128", "avc1", "96", "64", "2" },
	{ "mp4/audio.m4a", "m4a", "M4A", "1.000", "mp4a", NULL, NULL, "1" },
	{ "mp4/clip.3gp", "3gp", "3gp4", "1.000", "s263", "128", "96", "2" },
	{ "mp4/h265.mp4", "mp4", "isom", "1.000", "hvc1", "96", "64", "2" },
	{ "mp4/image.heic", "heic", "heic", NULL, "hvc1", "64", "64", NULL },
	{ "mp4/canon.cr3", "cr3", "crx", "1.000", "CRAW", "6000", "4000", "4" },
};

static void test_sample(const struct sample *s, uint64_t seed)
{
	size_t len, total;
	uint8_t *data = tu_load_data(s->file, &len);
	uint8_t *buf = embed(data, len, 4096, 8192, seed, &total);
	struct carve_result r;
	char want[33], got[33];

	is_u64(tu_validate(mp4, buf, total, 4096, &r), CARVE_ACCEPT,
	       "%s: accepted inside filler", s->file);
	is_u64(r.length, len, "%s: exact length", s->file);
	tu_hash_hex(data, len, want);
	tu_hash_hex(buf + 4096, r.length <= len ? r.length : len, got);
	is_str(got, want, "%s: recovered bytes hash equal", s->file);
	is_str(r.ext, s->ext, "%s: extension", s->file);
	is_str(tu_meta(&r, "brand"), s->brand, "%s: brand", s->file);
	is_str(tu_meta(&r, "duration"), s->duration, "%s: duration", s->file);
	is_str(tu_meta(&r, "codec"), s->codec, "%s: codec", s->file);
	is_str(tu_meta(&r, "width"), s->width, "%s: width", s->file);
	is_str(tu_meta(&r, "height"), s->height, "%s: height", s->file);
	is_str(tu_meta(&r, "tracks"), s->tracks, "%s: tracks", s->file);
	if (s->duration != NULL)
		is_str(tu_meta(&r, "creation_time"), "2024-05-01T12:34:56Z",
		       "%s: creation time", s->file);

	/* Cut anywhere: never accepted, never longer than what is there. */
	static const double cuts[] = { 0.0, 0.1, 0.33, 0.5, 0.77, 0.999 };
	int never = 1;
	for (unsigned i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		size_t cut = 16 + (size_t)((double)(len - 17) * cuts[i]);
		enum carve_verdict v = run(data, cut, &r);
		if (v == CARVE_ACCEPT || (v == CARVE_TRUNCATED && r.length > cut)) {
			printf("# cut at %zu: verdict %d length %llu\n", cut, v,
			       (unsigned long long)r.length);
			never = 0;
		}
	}
	ok(never, "%s: cut copies are never accepted", s->file);
	free(buf);
	free(data);
}

/* ---------------------------------------------------------------- damage */

static void test_dashcam_damage(void)
{
	size_t len, total;
	uint8_t *d = tu_load_data("mp4/dashcam.mp4", &len);
	size_t moov = top_box(d, len, "moov"), mdat = top_box(d, len, "mdat");
	struct carve_result r;
	uint8_t *buf;

	ok(moov != SIZE_MAX && mdat != SIZE_MAX && mdat < moov,
	   "dashcam: moov after mdat (at %zu)", moov);

	/* The recording cut off before the moov was written. */
	is_u64(run(d, moov, &r), CARVE_TRUNCATED, "moov cut off: truncated");
	is_u64(r.length, moov, "moov cut off: length is the moov offset");
	is_str(r.reason, "no moov box (recording cut off)", "moov cut off: reason");
	is_str(r.ext, "mp4", "moov cut off: extension still known");
	/* ... and followed by unrelated data instead of the end. */
	buf = embed(d, moov, 0, 20000, 11, &total);
	is_u64(run(buf, total, &r), CARVE_TRUNCATED, "moov replaced by junk");
	is_u64(r.length, moov, "moov replaced by junk: length is the moov offset");
	free(buf);

	is_u64(run(d, 30000, &r), CARVE_TRUNCATED, "cut mid-mdat: truncated");
	/* The last sample the NAL units vouch for ends a little before. */
	ok(r.length < 30000 && r.length > 25000,
	   "cut mid-mdat: ends with the last whole sample (%llu)",
	   (unsigned long long)r.length);
	is_str(r.reason, "no moov box (recording cut off)", "cut mid-mdat: reason");

	is_u64(run(d, moov + 100, &r), CARVE_TRUNCATED, "cut inside moov");
	is_str(r.reason, "moov box cut short", "cut inside moov: reason");

	/* A recorder that never filled in the mdat size. */
	buf = embed(d, moov, 0, 0, 0, &total);
	mem_put_be32(buf + mdat, 0);
	is_u64(run(buf, total, &r), CARVE_TRUNCATED, "size-0 mdat, no moov");
	is_u64(r.length, total, "size-0 mdat, no moov: runs to the limit");
	free(buf);

	/* One 32 KiB cluster inside the mdat overwritten. */
	buf = embed(d, len, 0, 0, 0, &total);
	tu_random(buf + 16384, 32768, 5);
	is_u64(run(buf, total, &r), CARVE_TRUNCATED,
	       "a foreign cluster in the mdat: truncated");
	is_str(r.reason, "sample data does not match codec",
	       "a foreign cluster: codec reason");
	ok(r.length > 0 && r.length <= 16384,
	   "a foreign cluster: length %llu ends before it (no byte of it kept)",
	   (unsigned long long)r.length);
	ok(r.note_off >= 16384 && r.note_off < 16384 + 32768,
	   "a foreign cluster: point %llu inside it",
	   (unsigned long long)r.note_off);
	free(buf);

	/* A cluster of zeros, as trimmed or wiped flash reads back. */
	buf = embed(d, len, 0, 0, 0, &total);
	memset(buf + 16384, 0, 4096);
	is_u64(run(buf, total, &r), CARVE_TRUNCATED, "a zeroed cluster: truncated");
	ok(r.length > 0 && r.length <= 16384 &&
	   r.note_off >= 16384 && r.note_off < 16384 + 4096,
	   "a zeroed cluster: length %llu before it, point %llu inside it",
	   (unsigned long long)r.length, (unsigned long long)r.note_off);
	free(buf);

	/* 32 KiB inserted at the start of the mdat: every chunk offset now
	 * points at the wrong bytes, though the box sizes add up. */
	buf = malloc(len + 32768);
	memcpy(buf, d, mdat + 8);
	tu_random(buf + mdat + 8, 32768, 6);
	memcpy(buf + mdat + 8 + 32768, d + mdat + 8, len - mdat - 8);
	mem_put_be32(buf + mdat, box_size(d, mdat) + 32768);
	is_u64(run(buf, len + 32768, &r), CARVE_REJECT,
	       "mdat shifted by 32 KiB: rejected");
	is_str(r.reason, "sample data does not match codec",
	       "mdat shifted: codec reason");
	/* With the offsets moved along it is a good file again. */
	shift_stco(buf, len + 32768, 32768);
	is_u64(run(buf, len + 32768, &r), CARVE_ACCEPT,
	       "mdat shifted with its offsets: accepted");
	is_u64(r.length, len + 32768, "mdat shifted with its offsets: length");
	free(buf);

	/* The video chunk offsets moved by a few bytes. */
	buf = embed(d, len, 0, 0, 0, &total);
	shift_track(buf, total, -3, 0);
	is_u64(run(buf, total, &r), CARVE_REJECT, "video offsets off by 3: rejected");
	is_str(r.reason, "sample data does not match codec",
	       "video offsets off by 3: codec reason");
	free(buf);

	/* Chunk offsets outside any mdat. */
	buf = embed(d, len, 0, 0, 0, &total);
	shift_stco(buf, total, (int64_t)moov);
	is_u64(run(buf, total, &r), CARVE_REJECT, "offsets past the mdat");
	is_str(r.reason, "chunk offset outside mdat", "offsets past the mdat: reason");
	free(buf);

	/* A camera's own box between the mdat and the moov is walked over;
	 * one after the end is not counted. */
	buf = malloc(len + 64 + 4096);
	memcpy(buf, d, moov);
	mem_put_be32(buf + moov, 64);
	memcpy(buf + moov + 4, "camd", 4);
	memset(buf + moov + 8, 0x5a, 56);
	memcpy(buf + moov + 64, d + moov, len - moov);
	tu_random(buf + len + 64, 4096, 7);
	is_u64(run(buf, len + 64 + 4096, &r), CARVE_ACCEPT,
	       "a vendor box before the moov");
	is_u64(r.length, len + 64, "a vendor box before the moov: counted");
	memcpy(buf, d, len);
	mem_put_be32(buf + len, 64);
	memcpy(buf + len + 4, "camd", 4);
	is_u64(run(buf, len + 64 + 4096, &r), CARVE_ACCEPT,
	       "a vendor-like box after the end");
	is_u64(r.length, len, "a vendor-like box after the end: not counted");
	free(buf);

	/* The same tables in their other forms: co64 and a 16-bit stz2. */
	size_t nlen;
	buf = rewrite_tables(d, len, 16, &nlen);
	ok(top_box(buf, nlen, "moov") == moov && nlen != len,
	   "co64 + stz2 copy built (%zu bytes)", nlen);
	is_u64(run(buf, nlen, &r), CARVE_ACCEPT, "co64 + stz2/16: accepted");
	is_u64(r.length, nlen, "co64 + stz2/16: length");
	/* 8-bit fields cannot hold these sizes: the sums no longer match
	 * the chunks, which the codec check sees. */
	free(buf);
	buf = rewrite_tables(d, len, 8, &nlen);
	ok(run(buf, nlen, &r) != CARVE_ACCEPT, "stz2/8 with clipped sizes: not accepted");
	free(buf);
	buf = rewrite_tables(d, len, 4, &nlen);
	ok(run(buf, nlen, &r) != CARVE_ACCEPT, "stz2/4 with clipped sizes: not accepted");
	free(buf);

	/* Two clips back to back: the first ends where the second starts. */
	buf = malloc(2 * len);
	memcpy(buf, d, len);
	memcpy(buf + len, d, len);
	is_u64(run(buf, 2 * len, &r), CARVE_ACCEPT, "two clips back to back");
	is_u64(r.length, len, "two clips: the first ends at the second's ftyp");
	free(buf);

	/* A sample table count the box cannot hold. */
	size_t at[4];
	buf = embed(d, len, 0, 0, 0, &total);
	ok(find_boxes(buf, 0, total, "stco", at, 4, 0) == 2, "two stco boxes");
	mem_put_be32(buf + at[0] + 12, 0xffffffffu);
	is_u64(run(buf, total, &r), CARVE_REJECT, "stco count 0xffffffff");
	is_str(r.reason, "sample table count exceeds its box", "stco count: reason");
	free(buf);
	buf = embed(d, len, 0, 0, 0, &total);
	ok(find_boxes(buf, 0, total, "stsz", at, 4, 0) == 2, "two stsz boxes");
	mem_put_be32(buf + at[0] + 16, 0xfffffff0u);
	is_u64(run(buf, total, &r), CARVE_REJECT, "stsz count 0xfffffff0");
	free(buf);
	buf = embed(d, len, 0, 0, 0, &total);
	ok(find_boxes(buf, 0, total, "stsz", at, 4, 0) == 2, "stsz again");
	mem_put_be32(buf + at[0] + 20, 0x7fffffffu);  /* one huge sample */
	is_u64(run(buf, total, &r), CARVE_REJECT, "a sample bigger than the mdat");
	free(buf);

	/* A trak box growing past its moov. */
	buf = embed(d, len, 0, 0, 0, &total);
	ok(find_boxes(buf, 0, total, "trak", at, 4, 0) == 2, "two trak boxes");
	mem_put_be32(buf + at[1], box_size(buf, at[1]) + 4096);
	is_u64(run(buf, total, &r), CARVE_REJECT, "trak overruns its moov");
	is_str(r.reason, "box overruns its parent", "trak overrun: reason");
	free(buf);

	free(d);
}

static void test_faststart_damage(void)
{
	size_t len, total;
	uint8_t *d = tu_load_data("mp4/h264_faststart.mp4", &len);
	size_t mdat = top_box(d, len, "mdat");
	struct carve_result r;
	uint8_t *buf;

	ok(mdat != SIZE_MAX && top_box(d, len, "moov") < mdat,
	   "faststart: moov before mdat");
	is_u64(run(d, len - 1000, &r), CARVE_TRUNCATED, "faststart cut in mdat");
	is_u64(r.length, len - 1000, "faststart cut: length is what is there");
	is_str(r.reason, "media data cut short", "faststart cut: reason");

	/* Cut, then foreign data where the rest of the mdat should be. */
	buf = embed(d, len - 3000, 0, 3000, 21, &total);
	is_u64(run(buf, total, &r), CARVE_TRUNCATED,
	       "faststart with a foreign tail: truncated");
	is_str(r.reason, "sample data does not match codec",
	       "foreign tail: codec reason");
	ok(r.length >= len - 3000 - 1500 && r.length < len,
	   "foreign tail: length %llu near the seam at %zu",
	   (unsigned long long)r.length, len - 3000);
	free(buf);

	/* mdat size 0, moov before it: the file ends with its last chunk. */
	buf = embed(d, len, 0, 5000, 22, &total);
	mem_put_be32(buf + mdat, 0);
	is_u64(run(buf, total, &r), CARVE_ACCEPT, "size-0 mdat after the moov");
	is_u64(r.length, len, "size-0 mdat: ends with the last chunk");
	free(buf);

	/* Box sizes that claim everything. */
	buf = embed(d, len, 0, 0, 0, &total);
	mem_put_be32(buf + mdat, 0xffffffffu);
	is_u64(run(buf, total, &r), CARVE_TRUNCATED, "mdat size 0xffffffff");
	is_u64(r.length, total, "mdat size 0xffffffff: length is the limit");
	free(buf);

	static const uint8_t bomb[] =
		"\0\0\0\x18" "ftypisom\0\0\0\0isommp41"
		"\0\0\0\x01" "mdat\xff\xff\xff\xff\xff\xff\xff\xff";
	buf = embed(bomb, sizeof(bomb) - 1, 0, 4000, 23, &total);
	double t0 = now();
	is_u64(run(buf, total, &r), CARVE_TRUNCATED, "largesize 2^64-1 mdat");
	is_str(r.reason, "no moov box (recording cut off)", "largesize: reason");
	is_u64(r.length, total, "largesize: length is the limit");
	mem_put_be32(buf + 24, 0xffffffffu);
	memcpy(buf + 28, "moov", 4);
	is_u64(run(buf, total, &r), CARVE_REJECT, "moov size 0xffffffff");
	memcpy(buf + 28, "free", 4);
	mem_put_be32(buf + 24, 1);
	is_u64(run(buf, total, &r), CARVE_REJECT, "free largesize 2^64-1");
	/* A QuickTime start that claims everything. */
	is_u64(run(buf + 24, total - 24, &r), CARVE_REJECT,
	       "free 2^64-1 as a QuickTime start");
	memcpy(buf + 28, "mdat", 4);
	is_u64(run(buf + 24, total - 24, &r), CARVE_REJECT,
	       "mdat 2^64-1 as a QuickTime start");
	printf("# huge sizes turned down in %.3f s\n", now() - t0);
	free(buf);

	/* Tiny box sizes. */
	buf = embed(d, len, 0, 0, 0, &total);
	mem_put_be32(buf + mdat, 7);
	is_u64(run(buf, total, &r), CARVE_REJECT, "mdat size 7");
	free(buf);

	/* The first video sample damaged: nothing good to keep. */
	size_t co[2];
	ok(find_boxes(d, 0, len, "stco", co, 2, 0) == 2, "faststart stco");
	uint32_t first = mem_be32(d + co[0] + 16);
	buf = embed(d, len, 0, 0, 0, &total);
	memset(buf + first, 0xff, 4);
	is_u64(run(buf, total, &r), CARVE_REJECT, "first NAL length wrong");
	is_str(r.reason, "sample data does not match codec", "first NAL: reason");
	free(buf);

	/* An Annex B start code where the first NAL length should be, as
	 * some recorders write: still the codec's data. */
	buf = embed(d, len, 0, 0, 0, &total);
	mem_put_be32(buf + first, 1);
	is_u64(run(buf, total, &r), CARVE_ACCEPT, "Annex B framing: accepted");
	buf[first + 4] = 0x80;
	is_u64(run(buf, total, &r), CARVE_REJECT,
	       "Annex B framing with a bad NAL header: rejected");
	free(buf);

	/* A NAL header with the forbidden bit set, later in the clip. */
	buf = embed(d, len, 0, 0, 0, &total);
	uint32_t last = mem_be32(d + co[0] + 16 + 4 * (mem_be32(d + co[0] + 12) - 1));
	buf[last + 4] |= 0x80;
	is_u64(run(buf, total, &r), CARVE_TRUNCATED, "forbidden bit in the last chunk");
	is_u64(r.note_off, last, "forbidden bit: the point is the bad NAL's offset");
	ok(r.length < last && r.length + 65536 > last,
	   "forbidden bit: length %llu is where the NAL walk before it stopped "
	   "vouching (the last good unit's payload)",
	   (unsigned long long)r.length);
	free(buf);

	free(d);
}

static void test_fragmented(void)
{
	size_t len, total;
	uint8_t *d = tu_load_data("mp4/fragmented.mp4", &len);
	size_t moof[16], n = 0;
	struct carve_result r;
	uint8_t *buf;

	for (size_t off = 0; off + 8 <= len && n < 16; off += box_size(d, off))
		if (mem_be32(d + off + 4) == fcc("moof"))
			moof[n++] = off;
	ok(n >= 4, "fragmented: %zu fragments", n);

	/* Stopped after a whole fragment: a valid fragmented file. */
	is_u64(run(d, moof[3], &r), CARVE_ACCEPT, "cut at a fragment boundary");
	is_u64(r.length, moof[3], "cut at a fragment boundary: length");
	/* Stopped inside a fragment's mdat. */
	is_u64(run(d, moof[3] - 100, &r), CARVE_TRUNCATED, "cut inside a fragment");
	is_str(r.reason, "media data cut short", "cut inside a fragment: reason");
	is_u64(r.length, moof[3] - 100, "cut inside a fragment: length");

	/* A fragment's media data overwritten. */
	buf = embed(d, len, 0, 0, 0, &total);
	tu_random(buf + moof[1] + box_size(d, moof[1]) + 8, 1500, 31);
	is_u64(run(buf, total, &r), CARVE_TRUNCATED, "a foreign fragment payload");
	is_str(r.reason, "sample data does not match codec",
	       "foreign fragment: codec reason");
	is_u64(r.length, moof[1], "foreign fragment: cut at its moof");
	free(buf);

	/* Fragments out of sequence. */
	buf = embed(d, len, 0, 0, 0, &total);
	mem_put_be32(buf + moof[2] + 20, 1);
	is_u64(run(buf, total, &r), CARVE_TRUNCATED, "fragment sequence repeats");
	is_str(r.reason, "bad movie fragment", "fragment sequence: reason");
	is_u64(r.length, moof[2], "fragment sequence: cut at the bad moof");
	free(buf);

	/* No mvex: fragments of nothing. */
	buf = embed(d, len, 0, 0, 0, &total);
	size_t mv = 0;
	for (size_t off = 8 + top_box(d, len, "moov"); off < moof[0];
	     off += box_size(buf, off))
		if (mem_be32(buf + off + 4) == fcc("mvex"))
			mv = off;
	ok(mv != 0, "fragmented: mvex found");
	memcpy(buf + mv + 4, "free", 4);
	is_u64(run(buf, total, &r), CARVE_REJECT, "fragments without mvex");
	free(buf);
	free(d);
}

/* Points every tfhd base_data_offset in the moof at off to base + delta. */
static void rebase_moof(uint8_t *b, size_t off, uint64_t delta, uint32_t seq)
{
	size_t end = off + box_size(b, off);

	mem_put_be32(b + off + 20, seq);    /* mfhd sequence_number */
	for (size_t t = off + 8; t + 8 <= end; t += box_size(b, t)) {
		if (mem_be32(b + t + 4) != fcc("traf"))
			continue;
		size_t h = t + 8;
		if (mem_be32(b + h + 4) == fcc("tfhd") && (b[h + 11] & 1)) {
			uint64_t base = ((uint64_t)mem_be32(b + h + 16) << 32) |
			                mem_be32(b + h + 20);
			base += delta;
			mem_put_be32(b + h + 16, (uint32_t)(base >> 32));
			mem_put_be32(b + h + 20, (uint32_t)base);
		}
	}
}

/* Many fragments: the checked ones are a spread, the last among them. */
static void test_many_fragments(void)
{
	enum { N = 300 };
	size_t len;
	uint8_t *d = tu_load_data("mp4/fragmented.mp4", &len);
	size_t moof = top_box(d, len, "moof");
	size_t pair = box_size(d, moof) + box_size(d, moof + box_size(d, moof));
	size_t total = moof + N * pair;
	uint8_t *buf = malloc(total + 4096);
	size_t at[N];
	struct carve_result r;

	memcpy(buf, d, moof);
	for (unsigned i = 0; i < N; i++) {
		at[i] = moof + i * pair;
		memcpy(buf + at[i], d + moof, pair);
		rebase_moof(buf, at[i], at[i] - moof, i + 1);
	}
	tu_random(buf + total, 4096, 61);
	double t0 = now();
	is_u64(run(buf, total + 4096, &r), CARVE_ACCEPT, "%d fragments: accepted", N);
	is_u64(r.length, total, "%d fragments: length", N);
	printf("# %d fragments: %.3f s\n", N, now() - t0);

	/* From fragment 200 on, foreign media data. */
	for (unsigned i = 200; i < N; i++)
		tu_random(buf + at[i] + box_size(d, moof) + 8, 200, 62 + i);
	is_u64(run(buf, total + 4096, &r), CARVE_TRUNCATED,
	       "foreign data from fragment 200 on: truncated");
	is_str(r.reason, "sample data does not match codec",
	       "foreign data from fragment 200 on: reason");
	ok(r.length >= at[200] && r.length <= at[204],
	   "foreign data from fragment 200 on: cut at a moof near it (%llu)",
	   (unsigned long long)r.length);

	/* Only the last fragment bad: it is always among those checked. */
	for (unsigned i = 200; i < N; i++) {
		memcpy(buf + at[i], d + moof, pair);
		rebase_moof(buf, at[i], at[i] - moof, i + 1);
	}
	tu_random(buf + at[N - 1] + box_size(d, moof) + 8, 200, 63);
	is_u64(run(buf, total + 4096, &r), CARVE_TRUNCATED,
	       "a foreign last fragment: truncated");
	is_u64(r.length, at[N - 1], "a foreign last fragment: cut at its moof");
	free(buf);
	free(d);
}

static void test_quicktime(void)
{
	size_t len;
	uint8_t *d = tu_load_data("mp4/h264.mov", &len);
	size_t ftyp = box_size(d, 0);
	struct carve_result r;

	/* An old QuickTime file: no ftyp, 'wide' first, offsets to match. */
	uint8_t *qt = malloc(len - ftyp + 4096);
	memcpy(qt, d + ftyp, len - ftyp);
	shift_stco(qt, len - ftyp, -(int64_t)ftyp);
	tu_random(qt + len - ftyp, 4096, 41);
	ok(memcmp(qt + 4, "wide", 4) == 0, "QuickTime copy starts with wide");
	is_u64(run(qt, len - ftyp + 4096, &r), CARVE_ACCEPT,
	       "QuickTime without ftyp: accepted");
	is_u64(r.length, len - ftyp, "QuickTime without ftyp: length");
	is_str(r.ext, "mov", "QuickTime without ftyp: mov");
	ok(tu_meta(&r, "brand") == NULL, "QuickTime without ftyp: no brand");
	/* Its offsets left unshifted are wrong by the ftyp's size. */
	shift_stco(qt, len - ftyp, (int64_t)ftyp);
	ok(run(qt, len - ftyp + 4096, &r) != CARVE_ACCEPT,
	   "QuickTime with offsets off by the ftyp: not accepted");
	/* Starting at the inner mdat of a real file is not a file. */
	size_t mdat = top_box(d, len, "mdat");
	ok(run(d + mdat, len - mdat, &r) != CARVE_ACCEPT,
	   "the mdat inside a file is not a QuickTime start");
	free(qt);
	free(d);
}

static void test_heif(void)
{
	size_t len, total;
	uint8_t *d = tu_load_data("mp4/image.heic", &len);
	size_t meta = top_box(d, len, "meta");
	struct carve_result r;

	ok(run(d, len - 10, &r) == CARVE_TRUNCATED && r.length == len - 10,
	   "heic cut in its mdat: truncated");
	uint8_t *buf = embed(d, len, 0, 0, 0, &total);
	/* The iloc is the fourth child of meta in heif-enc output. */
	size_t off = meta + 12, iloc = 0;
	while (off + 8 <= meta + box_size(d, meta)) {
		if (mem_be32(buf + off + 4) == fcc("iloc"))
			iloc = off;
		off += box_size(buf, off);
	}
	ok(iloc != 0, "heic: iloc found");
	/* version 0, offset/length/base sizes 4/4/4: count(2) id(2) dri(2)
	 * base(4) n(2) offset(4) length(4) */
	ok(buf[iloc + 8] == 0 && buf[iloc + 12] == 0x44 &&
	   buf[iloc + 13] == 0x40, "heic: iloc layout as expected");
	mem_put_be32(buf + iloc + 18, (uint32_t)len + 100);
	is_u64(run(buf, total, &r), CARVE_REJECT, "iloc extent past the file");
	is_str(r.reason, "item extent outside the file", "iloc: reason");
	free(buf);
	free(d);
}

/* ---------------------------------------------------------------- bombs */

static void test_bombs(void)
{
	struct carve_result r;
	static const uint8_t ftyp[] = "\0\0\0\x18" "ftypisom\0\0\0\0isommp41";
	size_t n = 1000000, len = 24 + 8 * n;
	uint8_t *buf = calloc(1, len + 8);

	/* A million tiny free boxes. */
	memcpy(buf, ftyp, 24);
	for (size_t i = 0; i < n; i++) {
		mem_put_be32(buf + 24 + 8 * i, 8);
		memcpy(buf + 24 + 8 * i + 4, "free", 4);
	}
	double t0 = now();
	is_u64(run(buf, len, &r), CARVE_REJECT, "a million free boxes: rejected");
	mem_put_be32(buf + len, 8);
	memcpy(buf + len + 4, "free", 4);
	is_u64(run(buf, len + 8, &r), CARVE_REJECT, "a million and one free boxes");
	is_str(r.reason, "too many boxes", "a million and one: reason");
	printf("# a million boxes walked in %.2f s\n", now() - t0);
	free(buf);

	/* Boxes nested deeper than the limit inside a moov. */
	enum { DEPTH = 40 };
	len = 24 + 8 + 8 * DEPTH + 16 + 8;
	buf = calloc(1, len);
	memcpy(buf, ftyp, 24);
	mem_put_be32(buf + 24, (uint32_t)(8 + 8 * DEPTH + 16));
	memcpy(buf + 28, "moov", 4);
	for (unsigned i = 0; i < DEPTH; i++) {
		mem_put_be32(buf + 32 + 8 * i, (uint32_t)(8 * (DEPTH - i) + 16));
		memcpy(buf + 36 + 8 * i, "dinf", 4);
	}
	mem_put_be32(buf + 32 + 8 * DEPTH, 16);
	memcpy(buf + 36 + 8 * DEPTH, "free", 4);
	mem_put_be32(buf + len - 8, 8);
	memcpy(buf + len - 4, "mdat", 4);
	is_u64(run(buf, len, &r), CARVE_REJECT, "boxes nested %d deep", DEPTH);
	is_str(r.reason, "boxes nested too deep", "deep nesting: reason");
	free(buf);

	/* Random bytes with 'ftyp' at 4, and each QuickTime signature. */
	static const char *const sigs[] = { "ftyp", "moov", "mdat", "wide",
	                                    "free", "skip" };
	uint8_t rnd[16384];
	int all = 1;
	for (unsigned s = 0; s < 6; s++) {
		for (uint64_t seed = 1; seed <= 200; seed++) {
			tu_random(rnd, sizeof(rnd), seed * 7 + s);
			memcpy(rnd + 4, sigs[s], 4);
			if (seed & 1)   /* a small, plausible size */
				mem_put_be32(rnd, 8 + (uint32_t)(seed * 8));
			if (run(rnd, sizeof(rnd), &r) != CARVE_REJECT)
				all = 0;
		}
	}
	ok(all, "random bytes with a signature at 4 are rejected");

	/* A valid ftyp followed by junk. */
	memcpy(rnd, ftyp, 24);
	is_u64(run(rnd, sizeof(rnd), &r), CARVE_REJECT, "ftyp then junk");
	is_str(r.reason, "no moov box", "ftyp then junk: reason");
	/* A bad ftyp. */
	mem_put_be32(rnd, 0x1234);
	is_u64(run(rnd, sizeof(rnd), &r), CARVE_REJECT, "ftyp of odd size");
	is_str(r.reason, "bad ftyp box", "odd ftyp: reason");
}

/* ------------------------------------------------------- reassembly use */

/*
 * How a reassembly engine uses the validator: the clip's clusters are
 * scattered on a "medium"; an extent map puts them back in order.  The
 * right map is accepted; a map that takes a foreign cluster in the middle
 * of the mdat comes back TRUNCATED with the codec reason, at a length
 * inside the wrong cluster.
 */
static void test_extents(void)
{
	enum { CL = 4096 };
	size_t len;
	uint8_t *d = tu_load_data("mp4/dashcam.mp4", &len);
	size_t ncl = (len + CL - 1) / CL;
	size_t img_len = (ncl + 8) * CL;
	uint8_t *img = malloc(img_len);
	struct extent ext[3];
	struct carve_result r;
	struct bread br;
	int fd = memfd_create("mp4-extents", 0);

	/* Layout: clusters 0..5 at 0, a foreign cluster at 6, the rest
	 * (6..ncl-1) from cluster 8 on. */
	tu_random(img, img_len, 51);
	memcpy(img, d, 6 * CL);
	memcpy(img + 8 * CL, d + 6 * CL, len - 6 * CL);
	if (fd < 0 || write(fd, img, img_len) != (ssize_t)img_len)
		tap_bail("memfd");

	struct source src;
	if (source_open_fd(&src, fd, "mp4-extents") != 0)
		tap_bail("source");
	ext[0] = (struct extent){ 0, 6 * CL };
	ext[1] = (struct extent){ 8 * CL, len - 6 * CL };
	memset(&r, 0, sizeof(r));
	ok(bread_open_extents(&br, &src, ext, 2, 0) == 0, "extent reader");
	mp4->validate(&br, &r);
	bread_close(&br);
	is_u64(r.verdict, CARVE_ACCEPT, "right extent map: accepted");
	is_u64(r.length, len, "right extent map: whole length");

	/* The engine's wrong guess: cluster 6 is the foreign one. */
	ext[0] = (struct extent){ 0, 6 * CL };
	ext[1] = (struct extent){ 6 * CL, CL };
	ext[2] = (struct extent){ 9 * CL, len - 7 * CL };
	memset(&r, 0, sizeof(r));
	ok(bread_open_extents(&br, &src, ext, 3, 0) == 0, "wrong extent map");
	mp4->validate(&br, &r);
	bread_close(&br);
	is_u64(r.verdict, CARVE_TRUNCATED, "wrong extent map: truncated");
	is_str(r.reason, "sample data does not match codec",
	       "wrong extent map: codec reason");
	ok(r.length <= 6 * CL && r.note_off >= 6 * CL && r.note_off < 8 * CL,
	   "wrong extent map: length %llu before the guessed cluster, the "
	   "point %llu in it or just after", (unsigned long long)r.length,
	   (unsigned long long)r.note_off);
	source_close(&src);
	close(fd);
	free(img);
	free(d);
}

/* ---------------------------------------------------------------- notes */

/*
 * The machine-readable note a reassembly engine decides on: the kind and
 * the offset it concerns, beside the human reason (pinned above).
 */
static void test_notes(void)
{
	size_t len, total;
	uint8_t *d = tu_load_data("mp4/dashcam.mp4", &len);
	size_t moov = top_box(d, len, "moov"), mdat = top_box(d, len, "mdat");
	struct carve_result r;
	uint8_t *buf;

	is_u64(run(d, len, &r), CARVE_ACCEPT, "notes: whole clip accepted");
	is_u64(r.note, CARVE_NOTE_NONE, "notes: a whole clip has no note");

	/* Cut before the moov: no index, at the end of the media data. */
	is_u64(run(d, moov, &r), CARVE_TRUNCATED, "notes: moov cut off");
	is_u64(r.note, CARVE_NOTE_NO_INDEX, "notes: moov cut off: no index");
	is_u64(r.note_off, moov, "notes: no index at the end of the mdat");
	is_u64(run(d, 30000, &r), CARVE_TRUNCATED, "notes: cut mid-mdat");
	is_u64(r.note, CARVE_NOTE_NO_INDEX, "notes: cut mid-mdat: no index");
	is_u64(r.note_off, 30000, "notes: cut mid-mdat: at the limit");

	/* Cut inside the moov: no note, the reason alone says it. */
	is_u64(run(d, moov + 100, &r), CARVE_TRUNCATED, "notes: cut in moov");
	is_u64(r.note, CARVE_NOTE_NONE, "notes: cut in moov: no note");

	/* A foreign cluster in the mdat: the fragmentation point at the
	 * first byte proven wrong; the file is cut where the NAL walk
	 * last vouched for its bytes, before it. */
	buf = embed(d, len, 0, 0, 0, &total);
	tu_random(buf + 16384, 32768, 5);
	is_u64(run(buf, total, &r), CARVE_TRUNCATED, "notes: foreign cluster");
	is_u64(r.note, CARVE_NOTE_FRAGMENT,
	       "notes: foreign cluster: fragmentation point");
	ok(r.length <= 16384 && r.length <= r.note_off,
	   "notes: the cut (%llu) at or before the point",
	   (unsigned long long)r.length);
	ok(r.note_off >= 16384 && r.note_off < 16384 + 32768,
	   "notes: codec mismatch offset %llu inside the foreign cluster",
	   (unsigned long long)r.note_off);
	free(buf);

	/* Every chunk offset wrong: rejected, the note still says where. */
	buf = malloc(len + 32768);
	if (buf == NULL)
		tap_bail("out of memory");
	memcpy(buf, d, mdat + 8);
	tu_random(buf + mdat + 8, 32768, 6);
	memcpy(buf + mdat + 8 + 32768, d + mdat + 8, len - mdat - 8);
	mem_put_be32(buf + mdat, box_size(d, mdat) + 32768);
	is_u64(run(buf, len + 32768, &r), CARVE_REJECT, "notes: mdat shifted");
	is_u64(r.note, CARVE_NOTE_CODEC_MISMATCH,
	       "notes: mdat shifted: codec mismatch");
	ok(r.note_off >= mdat + 8 && r.note_off < mdat + 8 + 32768,
	   "notes: mdat shifted: offset %llu in the inserted bytes",
	   (unsigned long long)r.note_off);
	free(buf);

	/* Not a file at all: no note. */
	buf = embed(d, 0, 0, 4096, 7, &total);
	memcpy(buf + 4, "ftyp", 4);
	run(buf, total, &r);
	is_u64(r.note, CARVE_NOTE_NONE, "notes: junk after ftyp: no note");
	free(buf);
	free(d);
}

/* The box that may follow the media data, as reassembly probes for it. */
static void test_box_follows_mdat(void)
{
	size_t len;
	uint8_t *d = tu_load_data("mp4/dashcam.mp4", &len);
	size_t moov = top_box(d, len, "moov"), mdat = top_box(d, len, "mdat");
	uint8_t b[MP4_BOX_PROBE];

	ok(moov + MP4_BOX_PROBE <= len && mp4_box_follows_mdat(d + moov),
	   "box after mdat: the clip's moov");
	ok(!mp4_box_follows_mdat(d + mdat), "box after mdat: not an mdat");
	memcpy(b, d + moov, sizeof(b));
	memcpy(b + 12, "junk", 4);
	ok(!mp4_box_follows_mdat(b), "box after mdat: moov, unknown child");
	memset(b, 0, sizeof(b));
	mem_put_be32(b, 64);
	memcpy(b + 4, "free", 4);
	ok(mp4_box_follows_mdat(b), "box after mdat: free padding");
	mem_put_be32(b, 4);
	ok(!mp4_box_follows_mdat(b), "box after mdat: size below a header");
	mem_put_be32(b, 0);
	ok(!mp4_box_follows_mdat(b), "box after mdat: size 0");
	mem_put_be32(b, 1);
	mem_put_be32(b + 8, 1);
	mem_put_be32(b + 12, 0);
	ok(!mp4_box_follows_mdat(b), "box after mdat: largesize past 1 GiB");
	mem_put_be32(b + 8, 0);
	mem_put_be32(b + 12, 4096);
	ok(mp4_box_follows_mdat(b), "box after mdat: free with largesize");
	memcpy(b + 4, "moov", 4);
	ok(!mp4_box_follows_mdat(b), "box after mdat: moov with largesize");
	free(d);
}

static void test_box_header(void)
{
	uint8_t b[16] = { 0 };
	struct mp4_box_hdr h;

	mem_put_be32(b, 24);
	memcpy(b + 4, "moov", 4);
	ok(mp4_box_header(b, 8, 100, &h) == 0 && h.size == 24 && h.hdr == 8 &&
	   h.type == mem_be32((const uint8_t *)"moov") && !h.to_end,
	   "box header: 32-bit size");
	ok(mp4_box_header(b, 7, 100, &h) != 0, "box header: 7 bytes are not one");
	mem_put_be32(b, 7);
	ok(mp4_box_header(b, 8, 100, &h) != 0, "box header: size below 8");
	mem_put_be32(b, 0);
	ok(mp4_box_header(b, 8, 100, &h) == 0 && h.to_end && h.size == 100 &&
	   h.hdr == 8, "box header: size 0 runs to the container's end");
	mem_put_be32(b, 1);
	mem_put_be32(b + 8, 1);
	mem_put_be32(b + 12, 16);
	ok(mp4_box_header(b, 16, 100, &h) == 0 && h.hdr == 16 &&
	   h.size == (1ull << 32) + 16, "box header: largesize, unchecked "
	   "against the container");
	ok(mp4_box_header(b, 15, 100, &h) != 0,
	   "box header: a largesize needs 16 bytes");
	mem_put_be32(b + 8, 0);
	mem_put_be32(b + 12, 15);
	ok(mp4_box_header(b, 16, 100, &h) != 0,
	   "box header: largesize below 16");
}

/* ------------------------------------------------------- no-index walk */

/* Appends an H.264 NAL unit (4-byte length) of n bytes, header h. */
static size_t put_nal(uint8_t *b, size_t at, uint8_t h, uint32_t n)
{
	mem_put_be32(b + at, n);
	b[at + 4] = h;
	b[at + 5] = 0x88;                 /* first_mb_in_slice 0 */
	memset(b + at + 6, 0x5a, n - 2);
	return at + 4 + n;
}

static void test_nal_walk(void)
{
	static const uint8_t head[28] = {
		0, 0, 0, 20, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0,
		'i', 's', 'o', 'm', 0, 0, 0, 0, 'm', 'd', 'a', 't' };
	size_t cap = 200000, at, want;
	uint8_t *b = calloc(1, cap);
	struct carve_result r;

	memcpy(b, head, sizeof(head));
	/* Three samples, an audio chunk, two samples, one cut off. */
	at = put_nal(b, 28, 0x65, 900);
	at = put_nal(b, at, 0x41, 300);
	at = put_nal(b, at, 0x41, 310);
	memset(b + at, 0xff, 200);
	at = put_nal(b, at + 200, 0x41, 320);
	want = at = put_nal(b, at, 0x41, 330);
	mem_put_be32(b + at, 5000);
	b[at + 4] = 0x41;
	memset(b + at + 5, 0x5a, 100);
	is_u64(run(b, at + 105, &r), CARVE_TRUNCATED, "walk: truncated");
	is_u64(r.length, want, "walk: over the audio chunk, to the last whole "
	       "sample");
	is_str(r.reason, "no moov box (recording cut off)", "walk: reason");
	is_u64(r.note, CARVE_NOTE_NO_INDEX, "walk: no index note");

	/* A chunk longer than the look-ahead: the walk stops before it. */
	at = put_nal(b, 28, 0x65, 900);
	want = at = put_nal(b, at, 0x41, 300);
	memset(b + at, 0xff, 70000);
	at = put_nal(b, at + 70000, 0x41, 320);
	at = put_nal(b, at, 0x41, 330);
	is_u64(run(b, at, &r), CARVE_TRUNCATED, "no resync: truncated");
	is_u64(r.length, want, "no resync: ends before the foreign run");

	/* Zeros after a cut unit: three zero bytes are never NAL data. */
	at = put_nal(b, 28, 0x65, 900);
	want = at = put_nal(b, at, 0x41, 300);
	at = put_nal(b, at, 0x41, 3000);
	memset(b + at - 2000, 0, 4000);
	is_u64(run(b, at + 2000, &r), CARVE_TRUNCATED, "zeros: truncated");
	is_u64(r.length, want, "zeros: the unit running into them is not "
	       "whole");

	/* Hostile lengths only: nothing vouches, the data's end stands. */
	memset(b + 28, 0xff, 4000);
	is_u64(run(b, 4028, &r), CARVE_TRUNCATED, "hostile: truncated");
	is_u64(r.length, 4028, "hostile: open-ended at the data's end");
	free(b);
}

/* Offset of the first occurrence of the four bytes t in b, or SIZE_MAX. */
static size_t find4(const uint8_t *b, size_t len, const char *t)
{
	for (size_t i = 0; i + 4 <= len; i++)
		if (memcmp(b + i, t, 4) == 0)
			return i;
	return SIZE_MAX;
}

/*
 * Recorder metadata tracks: dashcam.mp4's AAC track relabelled as the
 * timed metadata track a GoPro (gpmd), DJI (djmd, dbgi) or Sony (rtmd)
 * camera writes (handler meta), with the free, skip and uuid padding
 * Canon and GoPro put between mdat and moov.  Such a clip is whole; its
 * metadata samples are only checked for lying inside the mdat.  A bare
 * 8-byte sample entry (no reserved fields) is taken as it is.
 */
static void test_vendor_tracks(void)
{
	static const char *const entry[] = { "gpmd", "djmd", "dbgi", "rtmd" };
	size_t len, total;
	uint8_t *d = tu_load_data("mp4/dashcam.mp4", &len);
	size_t moov = top_box(d, len, "moov");
	size_t soun = find4(d, len, "soun"), mp4a = find4(d, len, "mp4a");
	uint8_t pad[64 + 32 + 40];
	struct carve_result r;

	ok(moov != SIZE_MAX && soun != SIZE_MAX && mp4a != SIZE_MAX &&
	   moov < soun && soun < mp4a, "dashcam.mp4: moov, soun, mp4a");
	memset(pad, 0, sizeof(pad));
	mem_put_be32(pad, 64);
	memcpy(pad + 4, "free", 4);
	mem_put_be32(pad + 64, 32);
	memcpy(pad + 68, "skip", 4);
	mem_put_be32(pad + 96, 40);
	memcpy(pad + 100, "uuid", 4);
	for (unsigned i = 0; i < 16; i++)
		pad[104 + i] = (uint8_t)(0x85 + i);
	uint8_t *f = malloc(len + sizeof(pad));
	for (unsigned k = 0; k < 8; k++) {
		const char *e = entry[k % 4];
		bool bare = k >= 4;
		memcpy(f, d, moov);
		memcpy(f + moov, pad, sizeof(pad));
		memcpy(f + moov + sizeof(pad), d + moov, len - moov);
		memcpy(f + sizeof(pad) + soun, "meta", 4);
		memcpy(f + sizeof(pad) + mp4a, e, 4);
		if (bare)
			mem_put_be32(f + sizeof(pad) + mp4a - 4, 8);
		uint8_t *buf = embed(f, len + sizeof(pad), 4096, 3000, 40 + k,
		                     &total);
		enum carve_verdict v = tu_validate(mp4, buf, total, 4096, &r);
		ok(v == CARVE_ACCEPT, "%s%s track, padding before moov: "
		   "accepted (%s)", bare ? "bare " : "", e,
		   r.reason ? r.reason : "-");
		is_u64(r.length, len + sizeof(pad), "%s%s track: exact length",
		       bare ? "bare " : "", e);
		is_str(tu_meta(&r, "width"), "176", "%s%s track: video size "
		       "from the video track", bare ? "bare " : "", e);
		free(buf);
	}
	free(f);
	free(d);
}

/* Offset of the n-th (from 0) occurrence of the four bytes t, or SIZE_MAX. */
static size_t find4_nth(const uint8_t *b, size_t len, const char *t,
                        unsigned n)
{
	for (size_t i = 0; i + 4 <= len; i++)
		if (memcmp(b + i, t, 4) == 0 && n-- == 0)
			return i;
	return SIZE_MAX;
}

/* A copy of d embedded in filler, validated; returns the verdict. */
static enum carve_verdict run_embedded(const uint8_t *d, size_t len,
                                       uint64_t seed, struct carve_result *r)
{
	size_t total;
	uint8_t *buf = embed(d, len, 4096, 8192, seed, &total);
	enum carve_verdict v = tu_validate(mp4, buf, total, 4096, r);

	free(buf);
	return v;
}

/* Not accepted, and a truncated verdict claims no more than len bytes. */
static bool refused(enum carve_verdict v, const struct carve_result *r,
                    size_t len)
{
	return v == CARVE_REJECT || (v == CARVE_TRUNCATED && r->length <= len);
}

/*
 * Canon CR3 (tests/data/mp4/canon.cr3, built by make_cr3.sh from the box
 * layout): its CRAW tracks have handler vide but are no H.264/H.265, so
 * their samples (here seeded filler) are located only; its chunk offsets,
 * its Canon uuid box and the CTBO table of top-level boxes are checked.
 */
static void test_cr3(void)
{
	size_t len;
	uint8_t *d = tu_load_data("mp4/canon.cr3", &len);
	uint8_t *c = malloc(len);
	size_t co[4], cncv = find4(d, len, "CNCV"), ctbo = find4(d, len, "CTBO");
	size_t mdat = find4(d, len, "mdat") - 4;
	struct carve_result r;
	enum carve_verdict v;

	for (unsigned i = 0; i < 4; i++)
		co[i] = find4_nth(d, len, "co64", i);
	ok(co[3] != SIZE_MAX && cncv != SIZE_MAX && ctbo != SIZE_MAX &&
	   mdat < len, "canon.cr3: co64 x4, CNCV, CTBO, mdat");

	/* The CRAW image's chunk past the end, or far past it. */
	static const uint64_t past[] = { 1, 4096, 1ull << 40, UINT64_MAX - 8 };
	for (unsigned i = 0; i < 4; i++) {
		memcpy(c, d, len);
		put_be64(c + co[2] + 12, i == 0 ? len - 100 : len + past[i]);
		v = run_embedded(c, len, 500 + i, &r);
		ok(refused(v, &r, len), "cr3: raw chunk offset past the end "
		   "(%u): not accepted (%d, %s)", i, v, r.reason ? r.reason : "-");
		/* The same on the cut copy, where the data stops at len. */
		v = run(c, len, &r);
		ok(refused(v, &r, len), "cr3: raw chunk offset past the end "
		   "(%u), nothing after: not accepted (%d)", i, v);
	}
	/* The timed metadata (CTMD) chunk pointing into the moov. */
	memcpy(c, d, len);
	put_be64(c + co[3] + 12, 64);
	v = run_embedded(c, len, 510, &r);
	is_u64(v, CARVE_REJECT, "cr3: CTMD chunk in the moov: rejected");

	/* The Canon uuid box: no CNCV, a child overrunning the box. */
	memcpy(c, d, len);
	memcpy(c + cncv, "XNCV", 4);
	v = run_embedded(c, len, 511, &r);
	is_u64(v, CARVE_REJECT, "cr3: Canon uuid without CNCV: rejected");
	memcpy(c, d, len);
	mem_put_be32(c + cncv - 4, 0x10000);
	v = run_embedded(c, len, 512, &r);
	is_u64(v, CARVE_REJECT, "cr3: Canon uuid child overruns: rejected");

	/* CTBO naming more mdat than the file has: inside filler it is not
	 * this file's box; with the data ending there, the file was cut. */
	memcpy(c, d, len);
	uint32_t n = mem_be32(c + ctbo + 4);
	ok(n == 3 && mem_be64(c + ctbo + 8 + 20 * 2 + 4) == mdat,
	   "cr3: CTBO names the mdat third");
	size_t at = ctbo + 8 + 20 * 2 + 12;
	put_be64(c + at, mem_be64(c + at) + 512);
	v = run_embedded(c, len, 513, &r);
	is_u64(v, CARVE_REJECT, "cr3: CTBO past the last box: rejected");
	v = run(c, len, &r);
	ok(v == CARVE_TRUNCATED && r.length == len,
	   "cr3: CTBO past the end of the data: truncated there (%d)", v);

	/* Relabelled as H.264 the filler samples are checked and fail: the
	 * codec check is not weakened by CRAW being located only. */
	memcpy(c, d, len);
	size_t craw = find4_nth(c, len, "CRAW", 1);
	memcpy(c + craw, "avc1", 4);
	v = run_embedded(c, len, 514, &r);
	ok(v != CARVE_ACCEPT, "cr3: raw track relabelled avc1: not "
	   "accepted (%d, %s)", v, r.reason ? r.reason : "-");

	/* A major brand crx with isom after it still names a cr3. */
	v = run_embedded(d, len, 515, &r);
	ok(v == CARVE_ACCEPT && r.length == len && strcmp(r.ext, "cr3") == 0,
	   "cr3: accepted whole as cr3 inside filler");
	free(c);
	free(d);
}

/* A tiny box writer for building tracks. */
struct bw {
	uint8_t *b;
	size_t n;
};

static size_t bw_open(struct bw *w, const char *t)
{
	size_t at = w->n;
	memcpy(w->b + w->n + 4, t, 4);
	w->n += 8;
	return at;
}

static void bw_close(struct bw *w, size_t at)
{
	mem_put_be32(w->b + at, (uint32_t)(w->n - at));
}

static void bw_u32(struct bw *w, uint32_t v)
{
	mem_put_be32(w->b + w->n, v);
	w->n += 4;
}

static void bw_zero(struct bw *w, size_t n)
{
	memset(w->b + w->n, 0, n);
	w->n += n;
}

/*
 * The trak of a GoPro-style timed metadata track: handler meta, sample
 * entry gpmd, nsamp samples of the given sizes in one chunk at off.
 */
static void gpmd_trak(struct bw *w, const uint32_t *sizes, uint32_t nsamp,
                      uint32_t off)
{
	size_t trak = bw_open(w, "trak"), b, mdia, minf, dinf, dref, stbl, stsd;

	b = bw_open(w, "tkhd");
	bw_u32(w, 3);                   /* version 0, enabled in movie */
	bw_zero(w, 8);
	bw_u32(w, 3);                   /* track id */
	bw_zero(w, 4);
	bw_u32(w, 2000);
	bw_zero(w, 16 + 36 + 8);
	bw_close(w, b);
	mdia = bw_open(w, "mdia");
	b = bw_open(w, "mdhd");
	bw_zero(w, 12);
	bw_u32(w, 1000);
	bw_u32(w, 2000);
	bw_u32(w, 0x55c40000);
	bw_close(w, b);
	b = bw_open(w, "hdlr");
	bw_zero(w, 4 + 4);
	memcpy(w->b + w->n - 4, "meta", 4);
	bw_zero(w, 12);
	memcpy(w->b + w->n, "GoPro MET", 10);
	w->n += 10;
	bw_close(w, b);
	minf = bw_open(w, "minf");
	b = bw_open(w, "nmhd");
	bw_zero(w, 4);
	bw_close(w, b);
	dinf = bw_open(w, "dinf");
	dref = bw_open(w, "dref");
	bw_u32(w, 0);
	bw_u32(w, 1);
	b = bw_open(w, "url ");
	bw_u32(w, 1);
	bw_close(w, b);
	bw_close(w, dref);
	bw_close(w, dinf);
	stbl = bw_open(w, "stbl");
	stsd = bw_open(w, "stsd");
	bw_u32(w, 0);
	bw_u32(w, 1);
	b = bw_open(w, "gpmd");
	bw_zero(w, 6);
	bw_u32(w, 0x00010000);          /* data reference 1, then reserved */
	bw_close(w, b);
	bw_close(w, stsd);
	b = bw_open(w, "stts");
	bw_u32(w, 0);
	bw_u32(w, 1);
	bw_u32(w, nsamp);
	bw_u32(w, 2000 / nsamp);
	bw_close(w, b);
	b = bw_open(w, "stsc");
	bw_u32(w, 0);
	bw_u32(w, 1);
	bw_u32(w, 1);
	bw_u32(w, nsamp);
	bw_u32(w, 1);
	bw_close(w, b);
	b = bw_open(w, "stsz");
	bw_u32(w, 0);
	bw_u32(w, 0);
	bw_u32(w, nsamp);
	for (uint32_t i = 0; i < nsamp; i++)
		bw_u32(w, sizes[i]);
	bw_close(w, b);
	b = bw_open(w, "stco");
	bw_u32(w, 0);
	bw_u32(w, 1);
	bw_u32(w, off);
	bw_close(w, b);
	bw_close(w, stbl);
	bw_close(w, minf);
	bw_close(w, mdia);
	bw_close(w, trak);
}

/*
 * dashcam.mp4 (video, audio, moov after the mdat) with a metadata track
 * added the way a recorder adds one: GPMF samples appended to the mdat,
 * a third trak (handler meta, sample entry gpmd) appended to the moov,
 * box sizes fixed.  The chunk offsets of the first two tracks lie before
 * the added bytes and stay as they are.
 */
static uint8_t *with_gpmd(const uint8_t *d, size_t len, int64_t move,
                          size_t *out_len)
{
	static const uint32_t sizes[] = { 36, 52, 44 };
	size_t mdat = top_box(d, len, "mdat"), moov = top_box(d, len, "moov");
	size_t add = 36 + 52 + 44;
	uint8_t *b = malloc(len + add + 1024);
	struct bw w;

	/* The samples: DEVC holding a DVID and filler, as GPMF nests. */
	memcpy(b, d, moov);
	for (unsigned i = 0, at = (unsigned)moov; i < 3; at += sizes[i++]) {
		memset(b + at, 0, sizes[i]);
		memcpy(b + at, "DEVC", 4);
		b[at + 4] = 0;
		b[at + 5] = 1;
		put_be16(b + at + 6, (uint16_t)(sizes[i] - 8));
		memcpy(b + at + 8, "DVIDL\x04\x00\x01", 8);
		mem_put_be32(b + at + 16, 1);
		for (unsigned k = 20; k < sizes[i]; k++)
			b[at + k] = (uint8_t)(k * 37 + i);
	}
	mem_put_be32(b + mdat, box_size(d, mdat) + (uint32_t)add);
	memcpy(b + moov + add, d + moov, len - moov);
	w.b = b;
	w.n = len + add;
	gpmd_trak(&w, sizes, 3, (uint32_t)((int64_t)moov + move));
	mem_put_be32(b + moov + add, (uint32_t)(box_size(d, moov) + w.n -
	                                         (len + add)));
	*out_len = w.n;
	return b;
}

static void test_gpmd_track(void)
{
	size_t len, n;
	uint8_t *d = tu_load_data("mp4/dashcam.mp4", &len);
	struct carve_result r;
	enum carve_verdict v;
	uint8_t *f;

	ok(top_box(d, len, "moov") > top_box(d, len, "mdat"),
	   "dashcam.mp4: moov after the mdat");
	f = with_gpmd(d, len, 0, &n);
	v = run_embedded(f, n, 600, &r);
	ok(v == CARVE_ACCEPT, "gpmd track added: accepted (%s)",
	   r.reason ? r.reason : "-");
	is_u64(r.length, n, "gpmd track added: exact length");
	is_str(r.ext, "mp4", "gpmd track added: extension");
	is_str(tu_meta(&r, "tracks"), "3", "gpmd track added: three tracks");
	is_str(tu_meta(&r, "codec"), "avc1", "gpmd track added: codec of "
	       "the video track");
	is_str(tu_meta(&r, "width"), "176", "gpmd track added: video width");
	int never = 1;
	for (size_t cut = 16; cut < n; cut += n / 23) {
		v = run(f, cut, &r);
		if (!refused(v, &r, cut))
			never = 0;
	}
	ok(never, "gpmd track added: cut copies are never accepted");
	free(f);

	/* Its chunk past the mdat: in the moov, past the file, far past. */
	static const int64_t moves[] = { 200, 4000, 1 << 20 };
	for (unsigned i = 0; i < 3; i++) {
		f = with_gpmd(d, len, moves[i], &n);
		v = run_embedded(f, n, 610 + i, &r);
		ok(refused(v, &r, n) && v != CARVE_ACCEPT, "gpmd chunk offset "
		   "outside the mdat (+%lld): not accepted (%d, %s)",
		   (long long)moves[i], v, r.reason ? r.reason : "-");
		free(f);
	}
	free(d);
}

/*
 * A wrong block between the samples the spread check picks: a 250-frame
 * clip made with ffmpeg (skipped without it), the start of its third
 * video sample (not a pick) replaced.  The spread check accepts it; a reader
 * that asks for every check finds the point inside that sample.
 */
static void test_thorough(void)
{
	const char *path = "tests/work/mp4_thorough.mp4";
	char cmd[512];
	struct carve_result res;
	unsigned long long pos[64] = { 0 }, size[64] = { 0 };
	int npk = 0;

	snprintf(cmd, sizeof(cmd), "mkdir -p tests/work && ffmpeg -nostdin "
	         "-hide_banner -loglevel error -y -f lavfi -i "
	         "testsrc2=size=160x120:rate=25 -t 10 -c:v libx264 -preset "
	         "ultrafast -g 50 -threads 1 -pix_fmt yuv420p -movflags "
	         "+faststart %s 2>/dev/null", path);
	if (system(cmd) != 0) {
		printf("ok - # SKIP no ffmpeg with libx264\n");
		return;
	}
	snprintf(cmd, sizeof(cmd), "ffprobe -v error -select_streams v:0 "
	         "-show_entries packet=pos,size -of csv=p=0 %s", path);
	FILE *p = popen(cmd, "r");
	for (npk = 0; p != NULL && npk < 64; npk++)
		if (fscanf(p, "%llu,%llu", &size[npk], &pos[npk]) != 2)
			break;
	if (p != NULL)
		pclose(p);
	if (size[2] < 64)
		tap_bail("ffprobe gave no third sample");

	size_t len;
	uint8_t *f = tu_load(path, &len);
	struct extent one = { 0, len };
	fc_run(mp4, f, len, &one, 1, false, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len,
	   "thorough: the clip made is accepted");
	/* from its first NAL length field on: the chain is what is checked
	 * (bytes inside one NAL unit's payload cannot be told) */
	size_t n = size[2] < 512 ? size[2] : 512;
	tu_random(f + pos[2], n, 31);
	fc_run(mp4, f, len, &one, 1, false, &res);
	ok(res.verdict == CARVE_ACCEPT,
	   "thorough: the spread check steps over sample 2");
	fc_run(mp4, f, len, &one, 1, true, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.note == CARVE_NOTE_FRAGMENT &&
	   res.note_off >= pos[2] && res.note_off <= pos[2] + size[2],
	   "thorough: the point inside sample 2 (%llu in [%llu, %llu])",
	   (unsigned long long)res.note_off, pos[2], pos[2] + size[2]);
	free(f);

	/*
	 * A seam inside a NAL unit's payload: the largest sample after the
	 * first (the second IDR slice) cut 1 KiB before its end, 1 KiB of
	 * zeros between the pieces.  Maps whose seam lies a block off (the same
	 * gap) keep every NAL length right; the zeros they put inside the
	 * unit are what only a thorough reader, looking round seams,
	 * finds.
	 */
	f = tu_load(path, &len);
	int big = 1;
	for (int i = 2; i < npk; i++)
		if (size[i] > size[big])
			big = i;
	size_t cut = (size_t)((pos[big] + size[big] - 1024) / 512 * 512);
	if (size[big] < 2560 || cut <= pos[big] + 1024)
		tap_bail("no sample long enough for the seam test");
	uint8_t *img = calloc(1, len + 1024);
	memcpy(img, f, cut);
	memcpy(img + cut + 1024, f + cut, len - cut);
	struct extent right[2] = { { 0, cut }, { cut + 1024, len - cut } };
	struct extent early[2] = { { 0, cut - 512 },
	                           { cut + 512, len - cut + 512 } };
	struct extent late[2] = { { 0, cut + 512 },
	                          { cut + 1536, len - cut - 512 } };
	fc_run(mp4, img, len + 1024, right, 2, true, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len,
	   "seam in a payload: the right map accepted (thorough)");
	fc_run(mp4, img, len + 1024, early, 2, false, &res);
	ok(res.verdict == CARVE_ACCEPT,
	   "seam a block early: the NAL lengths alone cannot tell");
	fc_run(mp4, img, len + 1024, early, 2, true, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.note == CARVE_NOTE_FRAGMENT &&
	   res.note_off >= cut - 512 && res.note_off < cut &&
	   res.length <= cut - 512,
	   "seam a block early: zeros in the unit, point %llu in them, "
	   "length %llu before them (thorough)",
	   (unsigned long long)res.note_off, (unsigned long long)res.length);
	fc_run(mp4, img, len + 1024, late, 2, true, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.note == CARVE_NOTE_FRAGMENT &&
	   res.note_off >= cut && res.note_off < cut + 512,
	   "seam a block late: point %llu in the zeros it took in (thorough)",
	   (unsigned long long)res.note_off);
	/* a unit may not end with a zero byte */
	memcpy(img, f, len);
	struct extent one2 = { 0, len };
	size_t e0 = (size_t)(pos[big] + size[big] - 1);
	img[e0] = 0;
	struct extent at_end[2] = { { 0, e0 - 100 }, { e0 - 100, len - e0 + 100 } };
	fc_run(mp4, img, len, &one2, 1, true, &res);
	ok(res.verdict == CARVE_ACCEPT,
	   "a unit ending in 00 with no seam in it: not looked at");
	at_end[1].img_off = e0 - 100;
	fc_run(mp4, img, len, at_end, 2, true, &res);
	ok(res.verdict == CARVE_ACCEPT,
	   "a seam where the source runs on is no seam: not looked at");
	free(img);
	free(f);
	unlink(path);
}

/*
 * Fragmentation points: a clip with its index first (faststart) cut at
 * sector boundaries in its media data with random bytes, zeros or another
 * clip inserted: the first sample past the cut fails its NAL walk, so the
 * point lies within one sample (1264 bytes here) and its length field of
 * the cut (a cut inside the first sample is rejected with
 * CARVE_NOTE_CODEC_MISMATCH, as when the offsets point at foreign data:
 * test_notes).  A reader that asks for every check finds a replaced block
 * that the spread check would step over.  With the index after the media
 * data, the index is what goes missing (CARVE_NOTE_NO_INDEX at the end of
 * the media data), and the two pieces in order are whole again.
 */
static void test_fragments(void)
{
	size_t len, olen;
	uint8_t *f = tu_load_data("mp4/h264_faststart.mp4", &len);
	uint8_t *o = tu_load_data("mp4/h265.mp4", &olen);
	size_t cuts[] = { 3072, 4096, 5120, 6144 };
	struct carve_result res;

	for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
		for (int k = FC_RANDOM; k <= FC_OTHER; k++) {
			char name[80];
			uint8_t *g = fc_gap((enum fc_gap)k, 4096, o, olen, c + 1);
			snprintf(name, sizeof(name), "mp4 faststart: %s",
			         fc_gap_name(k));
			fc_check(mp4, name, f, len, cuts[c], g, 4096, 1264 + 4);
			free(g);
		}
	}

	free(f);
	test_thorough();

	/* the index after the media data: no index where the sizes lead */
	f = tu_load_data("mp4/dashcam.mp4", &len);
	uint8_t *img = malloc(len + 4096);
	memcpy(img, f, 16384);
	tu_random(img + 16384, 4096, 8);
	memcpy(img + 16384 + 4096, f + 16384, len - 16384);
	struct extent whole = { 0, len + 4096 };
	fc_run(mp4, img, len + 4096, &whole, 1, false, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.note == CARVE_NOTE_NO_INDEX,
	   "mp4 index last, 4 KiB inserted: no index where the sizes lead");
	struct extent two[2] = { { 0, 16384 }, { 16384 + 4096, len - 16384 } };
	fc_run(mp4, img, len + 4096, two, 2, true, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len,
	   "mp4 index last: the two pieces accepted (thorough)");
	free(img);
	free(f);
	free(o);
}

/*
 * A seam placed a block off inside a slice keeps every NAL length right;
 * the slice decoder tells the map that holds the clip's own bytes from
 * those that hold gap bytes in their place (h264_decode.h).  noisy.mp4 is
 * a real x264 clip whose second sample (a P slice of 10556 bytes at
 * 16910) holds the boundary; the gap is one 512-byte block of random
 * bytes, and each map puts its boundary at P with the tail at P + 512.
 */
static void test_slice_seams(void)
{
	const size_t B = 22528, bs = 512;
	unsigned wrong = 0, cut = 0;
	size_t len;
	uint8_t *f = tu_load_data("mp4/noisy.mp4", &len);
	uint8_t *img = malloc(len + bs);
	struct carve_result res;

	if (!h264_decode_available()) {
#ifdef HAVE_LIBAVCODEC
		ok(0, "mp4 slice seams: libavcodec loads");
#else
		printf("ok %d # SKIP built without libavcodec\n", ++tap_n);
#endif
		free(f);
		free(img);
		return;
	}
	for (uint64_t seed = 1; seed <= 4; seed++) {
		memcpy(img, f, B);
		tu_random(img + B, bs, seed);
		memcpy(img + B + bs, f + B, len - B);
		for (int k = -3; k <= 2; k++) {
			size_t P = B + (size_t)((long)k * (long)bs);
			struct extent ext[2] = {
				{ .img_off = 0, .len = P },
				{ .img_off = P + bs, .len = len - P },
			};
			tu_validate_extents(mp4, img, len + bs, ext, 2, true,
			                    &res);
			if (k == 0) {
				ok(res.verdict == CARVE_ACCEPT && res.length == len,
				   "mp4 slice seams, gap %llu: the right map "
				   "accepted whole", (unsigned long long)seed);
				continue;
			}
			wrong++;
			/* cut at the sample holding the seam */
			if (res.verdict == CARVE_TRUNCATED && res.reason != NULL &&
			    strcmp(res.reason,
			           "H.264 slice data do not decode") == 0 &&
			    res.length == 16910 &&
			    res.note == CARVE_NOTE_FRAGMENT && res.note_off == P)
				cut++;
		}
	}
	/* Two of these slices parse to their last macroblock without an
	 * error; what gives them away is that they never read their last
	 * bytes. */
	ok(cut == 20 && wrong == 20,
	   "mp4 slice seams: %u of %u wrong maps cut at the sample holding "
	   "their seam", cut, wrong);
	/* Without the thorough reader nothing is decoded: the lengths
	 * alone take a wrong map. */
	struct extent off1[2] = {
		{ .img_off = 0, .len = B - bs }, { .img_off = B, .len = len - B + bs },
	};
	tu_validate_extents(mp4, img, len + bs, off1, 2, false, &res);
	ok(res.verdict == CARVE_ACCEPT,
	   "mp4 slice seams: an ordinary reader's lengths take the wrong map");
	free(f);
	free(img);
}

/*
 * A clip whose data stop at a block and zeros follow: the unit that ran
 * on into the zeros is where the walk stops vouching, and the thorough
 * reader puts the fragmentation point at the zeros, not at the next
 * length field (sample 2 at 27466, 9583 bytes), which it still gives as
 * what a map must hold there.
 */
static void test_zeros_point(void)
{
	const size_t B = 22528;
	size_t len;
	uint8_t *f = tu_load_data("mp4/noisy.mp4", &len);
	uint8_t *img = calloc(1, len);
	struct carve_result res;

	memcpy(img, f, B);
	tu_validate_thorough(mp4, img, len, 0, true, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.note == CARVE_NOTE_FRAGMENT &&
	   res.note_off == B + 2 && res.length == 16915,
	   "mp4 zeros: the point at the third zero byte, the prefix up to "
	   "the last unit's payload (%llu, %llu)",
	   (unsigned long long)res.note_off, (unsigned long long)res.length);
	ok(res.expect_len == 4 && res.expect_at == 27466 &&
	   memcmp(res.expect, "\0\0\0\0", 4) == 0 &&
	   res.expect_any[0] == 0 && res.expect_any[1] == 0 &&
	   res.expect_any[2] == 0x3f && res.expect_any[3] == 0xff,
	   "mp4 zeros: the next sample's length field must be below 9579");
	tu_validate_thorough(mp4, img, len, 0, false, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.note_off == 27466,
	   "mp4 zeros: an ordinary reader stops at the length field");
	free(f);
	free(img);
}

int main(void)
{
	mp4 = format_find("mp4");
	if (mp4 == NULL)
		tap_bail("no mp4 format");
	ok(format_find("mp4") == mp4 && mp4->max_size == (64ull << 30) &&
	   mp4->min_size == 32, "descriptor limits");
	for (unsigned i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		test_sample(&samples[i], 1000 + i);
	test_dashcam_damage();
	test_faststart_damage();
	test_fragmented();
	test_many_fragments();
	test_quicktime();
	test_heif();
	test_bombs();
	test_extents();
	test_notes();
	test_box_follows_mdat();
	test_box_header();
	test_nal_walk();
	test_vendor_tracks();
	test_cr3();
	test_gpmd_track();
	test_fragments();
	test_slice_seams();
	test_zeros_point();
	return tap_done();
}

/*
 * mp4_repair.c - rebuilding the index of a recording cut off before its
 * movie box was written.
 *
 * What such a clip holds is an ftyp and media data: the recorder's video
 * samples (access units: length-prefixed NAL units, as the reference's
 * avcC or hvcC says) with other tracks' chunks (audio) between them.  The
 * media data is walked NAL unit by NAL unit; a NAL unit opens a new
 * access unit when it is the first slice of a picture (first_mb_in_slice
 * 0, first_slice_segment_in_pic_flag 1), or a parameter set, SEI or
 * delimiter after a slice.  Where the chain of lengths breaks, another
 * track's chunk has begun: the walk looks ahead (at most
 * MP4_REPAIR_MAX_GAP bytes) for the place where an access unit starts
 * (parameter sets, SEI or a delimiter, then a picture's first slice, each
 * with a length inside the data), and takes up the video there.  A NAL unit cut off by the end of
 * the data ends the walk.
 *
 * The movie box written has one track, the video: the reference's track
 * header, media header, handler, media information and sample description
 * (so its codec setup: SPS, PPS, VPS), with new sample tables: every
 * sample lasting the reference's first sample duration, one sample a
 * chunk, sync samples where the access unit holds an IDR or IRAP picture,
 * and the reference's composition offsets group by group (put_ctts).
 * The media data is copied as it was, so the video bytes are exactly the
 * card's.  Audio is not indexed: its frames carry no lengths to find them
 * by.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reassemble/mp4_repair.h"
#include "common/mem.h"
#include "common/zeros.h"
#include "formats/mp4.h"

#define FCC(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
                         (uint32_t)(c) << 8 | (uint32_t)(d))

enum codec { C_H264 = 1, C_H265 };

/* A box: [lo, hi) all of it, payload from lo + hdr. */
struct box {
	uint64_t lo, hi, hdr;
	uint32_t type;
};

/* The box at lo in [lo, hi) of b; false when it does not fit. */
static bool box_at(const uint8_t *b, uint64_t lo, uint64_t hi, struct box *x)
{
	struct mp4_box_hdr h;

	if (lo > hi || mp4_box_header(b + lo, hi - lo, hi - lo, &h) != 0 ||
	    h.size > hi - lo)
		return false;
	*x = (struct box){ lo, lo + h.size, h.hdr, h.type };
	return true;
}

/* The first child of type t among the boxes in [lo, hi). */
static bool find(const uint8_t *b, uint64_t lo, uint64_t hi, uint32_t t,
                 struct box *x)
{
	for (unsigned n = 0; n < 4096 && box_at(b, lo, hi, x); n++) {
		if (x->type == t)
			return true;
		lo = x->hi;
	}
	return false;
}

/* A box's payload as a range. */
static uint64_t plo(const struct box *x) { return x->lo + x->hdr; }

/* ------------------------------------------------------------ reference */

struct ref {
	struct box mvhd, tkhd, mdhd, hdlr, mhd, dinf, stsd;
	struct box ctts, stss;       /* type 0 when it has none */
	uint32_t timescale, delta;
	unsigned lsz;
	enum codec codec;
};

static int fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -EINVAL;
}

static int parse_ref(const uint8_t *b, size_t n, struct ref *r, char *err,
                     size_t errlen)
{
	struct box moov, trak, mdia, minf, stbl, stts, e;

	memset(r, 0, sizeof(*r));
	if (!find(b, 0, n, FCC('m', 'o', 'o', 'v'), &moov))
		return fail(err, errlen, "the reference has no movie box");
	if (!find(b, plo(&moov), moov.hi, FCC('m', 'v', 'h', 'd'), &r->mvhd) ||
	    r->mvhd.hi - plo(&r->mvhd) < 32)
		return fail(err, errlen, "the reference has no movie header");
	uint64_t at = plo(&moov);
	for (unsigned t = 0; t < 64; t++) {
		if (!find(b, at, moov.hi, FCC('t', 'r', 'a', 'k'), &trak))
			break;
		at = trak.hi;
		if (!find(b, plo(&trak), trak.hi, FCC('t', 'k', 'h', 'd'), &r->tkhd) ||
		    !find(b, plo(&trak), trak.hi, FCC('m', 'd', 'i', 'a'), &mdia) ||
		    !find(b, plo(&mdia), mdia.hi, FCC('m', 'd', 'h', 'd'), &r->mdhd) ||
		    !find(b, plo(&mdia), mdia.hi, FCC('h', 'd', 'l', 'r'), &r->hdlr) ||
		    !find(b, plo(&mdia), mdia.hi, FCC('m', 'i', 'n', 'f'), &minf) ||
		    !find(b, plo(&minf), minf.hi, FCC('v', 'm', 'h', 'd'), &r->mhd) ||
		    !find(b, plo(&minf), minf.hi, FCC('d', 'i', 'n', 'f'), &r->dinf) ||
		    !find(b, plo(&minf), minf.hi, FCC('s', 't', 'b', 'l'), &stbl) ||
		    !find(b, plo(&stbl), stbl.hi, FCC('s', 't', 's', 'd'), &r->stsd) ||
		    !find(b, plo(&stbl), stbl.hi, FCC('s', 't', 't', 's'), &stts))
			continue;
		if (r->stsd.hi - plo(&r->stsd) < 16 ||
		    !box_at(b, plo(&r->stsd) + 8, r->stsd.hi, &e))
			continue;
		struct box cfg;
		uint64_t kids = e.lo + 8 + 78;
		if (e.type == FCC('a', 'v', 'c', '1') || e.type == FCC('a', 'v', 'c', '3')) {
			if (kids > e.hi ||
			    !find(b, kids, e.hi, FCC('a', 'v', 'c', 'C'), &cfg) ||
			    cfg.hi - plo(&cfg) < 5)
				continue;
			r->codec = C_H264;
			r->lsz = (b[plo(&cfg) + 4] & 3) + 1u;
		} else if (e.type == FCC('h', 'v', 'c', '1') ||
		           e.type == FCC('h', 'e', 'v', '1')) {
			if (kids > e.hi ||
			    !find(b, kids, e.hi, FCC('h', 'v', 'c', 'C'), &cfg) ||
			    cfg.hi - plo(&cfg) < 23)
				continue;
			r->codec = C_H265;
			r->lsz = (b[plo(&cfg) + 21] & 3) + 1u;
		} else {
			continue;
		}
		uint64_t m = plo(&r->mdhd);
		if (r->mdhd.hi - m < 24)
			continue;
		r->timescale = b[m] == 1 ? (r->mdhd.hi - m >= 32 ? mem_be32(b + m + 20) : 0)
		               : mem_be32(b + m + 12);
		uint64_t s = plo(&stts);
		if (stts.hi - s < 16 || mem_be32(b + s + 4) == 0)
			continue;
		r->delta = mem_be32(b + s + 12);
		if (!find(b, plo(&stbl), stbl.hi, FCC('c', 't', 't', 's'), &r->ctts))
			r->ctts.type = 0;
		if (!find(b, plo(&stbl), stbl.hi, FCC('s', 't', 's', 's'), &r->stss))
			r->stss.type = 0;
		if (r->timescale == 0 || r->delta == 0 || r->lsz < 3)
			continue;
		return 0;
	}
	return fail(err, errlen, "the reference has no H.264 or H.265 video "
	            "track with 3- or 4-byte NAL lengths");
}

/* ------------------------------------------------------------ the walk */

struct frame {
	uint64_t off;
	uint32_t size;
	bool key;
};

struct walk {
	const uint8_t *b;
	uint64_t lo, hi;          /* the media data */
	unsigned lsz;
	enum codec codec;
	struct frame *f;
	uint32_t n, cap;
	uint64_t other;
};

/* The NAL unit at x: its payload length in *len, or false. */
static bool nal_at(const struct walk *w, uint64_t x, uint64_t *len)
{
	if (x + w->lsz + 3 > w->hi)
		return false;
	uint64_t n = mem_be_n(w->b + x, w->lsz);
	const uint8_t *h = w->b + x + w->lsz;
	if (n < 3 || n > w->hi - x - w->lsz || (h[0] & 0x80))
		return false;
	if (w->codec == C_H264) {
		unsigned t = h[0] & 0x1f;
		if (t < 1 || t > 23 || (t >= 14 && t <= 18))
			return false;
	} else {
		unsigned t = h[0] >> 1 & 0x3f, layer = (h[0] & 1) << 5 | h[1] >> 3;
		if (t > 40 || (t >= 10 && t <= 15) || (t >= 22 && t <= 31) ||
		    layer != 0 || (h[1] & 7) == 0)
			return false;
	}
	*len = n;
	return true;
}

/* Whether the NAL unit at x (valid) is a picture's first slice, and
 * whether it is a parameter set, SEI or delimiter, which come before one. */
static bool first_slice(const struct walk *w, uint64_t x)
{
	const uint8_t *h = w->b + x + w->lsz;
	if (w->codec == C_H264) {
		unsigned t = h[0] & 0x1f;
		return (t == 1 || t == 5) && (h[1] & 0x80);
	}
	return (h[0] >> 1 & 0x3f) <= 31 && (h[2] & 0x80);
}

static bool before_slice(const struct walk *w, uint64_t x)
{
	const uint8_t *h = w->b + x + w->lsz;
	if (w->codec == C_H264) {
		unsigned t = h[0] & 0x1f;
		return t >= 6 && t <= 9;
	}
	unsigned t = h[0] >> 1 & 0x3f;
	return (t >= 32 && t <= 35) || t == 39;
}

/* Whether an access unit starts at x: NAL units that come before a
 * picture (at most 8), then its first slice, each length inside the data.
 * Where another track's chunk ends, video takes up like this. */
static bool au_at(const struct walk *w, uint64_t x)
{
	for (unsigned i = 0; i < 9; i++) {
		uint64_t n;
		if (!nal_at(w, x, &n))
			return false;
		if (first_slice(w, x))
			return true;
		if (!before_slice(w, x))
			return false;
		x += w->lsz + n;
	}
	return false;
}

/*
 * Whether the NAL unit at x (n payload bytes) is believable: its payload
 * holds none of what emulation prevention keeps out of one (00 00 00,
 * 00 00 01, 00 00 02: a length read from another track's data runs over
 * other data), and where it ends the data ends, another NAL unit starts,
 * or an access unit starts a little later (after another track's chunk).
 */
static bool nal_fits(const struct walk *w, uint64_t x, uint64_t n)
{
	uint64_t z = x + w->lsz + n, a = x + w->lsz + 1;
	uint64_t m, stop;

	if (z > a && !zeros_payload_ok(w->b + a, (size_t)(z - a)))
		return false;
	if (z == w->hi || nal_at(w, z, &m))
		return true;
	stop = w->hi - z > MP4_REPAIR_LOOK ? z + MP4_REPAIR_LOOK : w->hi;
	for (uint64_t y = z + 1; y < stop; y++)
		if (au_at(w, y))
			return true;
	return stop == w->hi;
}

static int push(struct walk *w, uint64_t lo, uint64_t hi, bool key)
{
	if (hi <= lo)
		return 0;
	if (w->n >= MP4_REPAIR_MAX_FRAMES || hi - lo > UINT32_MAX)
		return -E2BIG;
	if (w->n == w->cap) {
		uint32_t c = w->cap ? w->cap * 2 : 1024;
		struct frame *f = realloc(w->f, c * sizeof(*f));
		if (f == NULL)
			return -ENOMEM;
		w->f = f;
		w->cap = c;
	}
	w->f[w->n++] = (struct frame){ lo, (uint32_t)(hi - lo), key };
	return 0;
}

/* Splits the media data into access units. */
static int walk_media(struct walk *w)
{
	uint64_t x = w->lo, au = w->lo;
	bool in_au = false, key = false, vcl_seen = false;
	int rc;

	while (x < w->hi) {
		uint64_t n;
		if (!nal_at(w, x, &n) || !nal_fits(w, x, n)) {
			/* another track's chunk, or the end */
			if ((rc = push(w, au, x, key)) != 0)
				return rc;
			in_au = vcl_seen = key = false;
			uint64_t stop = w->hi - x > MP4_REPAIR_MAX_GAP
			                ? x + MP4_REPAIR_MAX_GAP : w->hi;
			uint64_t y = x + 1;
			while (y < stop && !(au_at(w, y) && nal_at(w, y, &n) &&
			                     nal_fits(w, y, n)))
				y++;
			w->other += y - x;
			if (y >= stop)
				break;
			x = au = y;
			continue;
		}
		const uint8_t *h = w->b + x + w->lsz;
		bool vcl, first, starts_au, idr;
		if (w->codec == C_H264) {
			unsigned t = h[0] & 0x1f;
			vcl = t == 1 || t == 5;
			first = vcl && (h[1] & 0x80);
			idr = t == 5;
			starts_au = vcl_seen && (first || (!vcl && t >= 6 &&
			                                   t <= 9));
		} else {
			unsigned t = h[0] >> 1 & 0x3f;
			vcl = t <= 31;
			first = vcl && (h[2] & 0x80);
			idr = t >= 16 && t <= 21;
			starts_au = vcl_seen && (first || (!vcl &&
			            ((t >= 32 && t <= 35) || t == 39)));
		}
		if (in_au && starts_au) {
			if ((rc = push(w, au, x, key)) != 0)
				return rc;
			au = x;
			key = false;
			vcl_seen = false;
		}
		if (!in_au) {
			au = x;
			in_au = true;
		}
		if (vcl)
			vcl_seen = true;
		if (idr)
			key = true;
		x += w->lsz + n;
	}
	if (in_au && x <= w->hi && vcl_seen) {
		if ((rc = push(w, au, x, key)) != 0)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------ writing */

struct out {
	uint8_t *b;
	size_t n, cap;
	bool failed;
};

static void grow(struct out *o, size_t k)
{
	if (o->failed || o->n + k <= o->cap)
		return;
	size_t c = o->cap ? o->cap : 4096;
	while (c < o->n + k)
		c *= 2;
	uint8_t *b = realloc(o->b, c);
	if (b == NULL) {
		o->failed = true;
		return;
	}
	o->b = b;
	o->cap = c;
}

static void put(struct out *o, const void *p, size_t k)
{
	grow(o, k);
	if (o->failed)
		return;
	memcpy(o->b + o->n, p, k);
	o->n += k;
}

static void put32(struct out *o, uint32_t v)
{
	uint8_t b[4];
	mem_put_be32(b, v);
	put(o, b, 4);
}

static void put64(struct out *o, uint64_t v)
{
	put32(o, (uint32_t)(v >> 32));
	put32(o, (uint32_t)v);
}

static size_t open_box(struct out *o, uint32_t type)
{
	size_t at = o->n;
	put32(o, 0);
	put32(o, type);
	return at;
}

static void close_box(struct out *o, size_t at)
{
	if (!o->failed)
		mem_put_be32(o->b + at, (uint32_t)(o->n - at));
}

/* Copies box x of b, its duration field (at payload offset d0 in version
 * 0, d1 in version 1) set to dur. */
static void put_timed(struct out *o, const uint8_t *b, const struct box *x,
                      unsigned d0, unsigned d1, uint64_t dur)
{
	size_t at = o->n;
	put(o, b + x->lo, x->hi - x->lo);
	if (o->failed)
		return;
	uint8_t *p = o->b + at + x->hdr;
	uint64_t len = x->hi - x->lo - x->hdr;
	if (p[0] == 1 && d1 + 8 <= len) {
		mem_put_be32(p + d1, (uint32_t)(dur >> 32));
		mem_put_be32(p + d1 + 4, (uint32_t)dur);
	} else if (p[0] == 0 && d0 + 4 <= len) {
		mem_put_be32(p + d0, dur > UINT32_MAX ? UINT32_MAX : (uint32_t)dur);
	}
}

/*
 * Composition offsets for n frames: pictures are decoded out of display
 * order when the camera codes B-frames, and the order repeats every group
 * of pictures.  The reference's offsets (its ctts) are taken over, group
 * by group (the distance between its first two sync samples, or its
 * whole length when it has one); nothing when it has none.
 */
static void put_ctts(struct out *o, const uint8_t *b, const struct ref *r,
                     uint32_t n)
{
	if (r->ctts.type == 0)
		return;
	uint64_t c = plo(&r->ctts), ce = r->ctts.hi;
	if (ce - c < 8)
		return;
	uint32_t ne = mem_be32(b + c + 4);
	if (ne > (ce - c - 8) / 8 || ne == 0)
		return;
	/* the reference's offsets, one a sample, up to one group's worth */
	uint32_t period = 0;
	if (r->stss.type != 0 && r->stss.hi - plo(&r->stss) >= 16 &&
	    mem_be32(b + plo(&r->stss) + 4) >= 2) {
		uint32_t s1 = mem_be32(b + plo(&r->stss) + 8);
		uint32_t s2 = mem_be32(b + plo(&r->stss) + 12);
		if (s1 == 1 && s2 > s1)
			period = s2 - s1;
	}
	uint32_t total = 0;
	for (uint32_t i = 0; i < ne; i++) {
		uint32_t k = mem_be32(b + c + 8 + 8 * (uint64_t)i);
		total = k > UINT32_MAX - total ? UINT32_MAX : total + k;
	}
	if (period == 0 || period > total)
		period = total;
	if (period == 0 || period > MP4_REPAIR_MAX_FRAMES)
		return;
	size_t at = open_box(o, FCC('c', 't', 't', 's'));
	put(o, b + c, 4);               /* version and flags as they were */
	put32(o, n);
	uint32_t e = 0, left = mem_be32(b + c + 8), idx = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (idx == period) {      /* the next group: start over */
			e = 0;
			left = mem_be32(b + c + 8);
			idx = 0;
		}
		while (left == 0 && e + 1 < ne)
			left = mem_be32(b + c + 8 + 8 * (uint64_t)++e);
		put32(o, 1);
		put32(o, mem_be32(b + c + 12 + 8 * (uint64_t)e));
		if (left > 0)
			left--;
		idx++;
	}
	close_box(o, at);
}

int mp4_repair(const uint8_t *clip, size_t clip_len, const uint8_t *ref,
               size_t ref_len, uint8_t **out, size_t *out_len,
               struct mp4_repair_info *info, char *err, size_t errlen)
{
	struct ref r;
	struct walk w;
	struct box ftyp;
	int rc;

	*out = NULL;
	*out_len = 0;
	memset(info, 0, sizeof(*info));
	if ((rc = parse_ref(ref, ref_len, &r, err, errlen)) != 0)
		return rc;
	if (!box_at(clip, 0, clip_len, &ftyp) ||
	    ftyp.type != FCC('f', 't', 'y', 'p'))
		return fail(err, errlen, "the clip does not start with an ftyp box");

	/* The media data: to its size, or to the end of what was written. */
	memset(&w, 0, sizeof(w));
	uint64_t at = ftyp.hi;
	for (unsigned k = 0;; k++) {
		if (k >= 64 || at + 8 > clip_len)
			return fail(err, errlen, "the clip has no media data");
		uint64_t sz = mem_be32(clip + at), h = 8;
		uint32_t t = mem_be32(clip + at + 4);
		if (sz == 1) {
			if (at + 16 > clip_len)
				return fail(err, errlen, "the clip has no media data");
			sz = mem_be64(clip + at + 8);
			h = 16;
		}
		if (t == FCC('m', 'd', 'a', 't')) {
			w.lo = at + h;
			w.hi = sz < h || sz > clip_len - at ? clip_len : at + sz;
			break;
		}
		if (sz < 8 || sz > clip_len - at)
			return fail(err, errlen, "the clip has no media data");
		at += sz;
	}
	w.b = clip;
	w.lsz = r.lsz;
	w.codec = r.codec;
	if ((rc = walk_media(&w)) != 0) {
		free(w.f);
		return rc == -E2BIG ? fail(err, errlen, "the clip holds more "
		                           "frames than a repair indexes") : rc;
	}
	if (w.n == 0) {
		free(w.f);
		return fail(err, errlen, r.codec == C_H264 ?
		            "no H.264 video found in the clip's media data" :
		            "no H.265 video found in the clip's media data");
	}

	uint64_t media = w.hi - w.lo;
	bool big = media + 16 > UINT32_MAX;
	struct out o = { 0 };
	put(&o, clip + ftyp.lo, ftyp.hi - ftyp.lo);
	uint64_t data0 = o.n + (big ? 16 : 8);
	if (big) {
		put32(&o, 1);
		put32(&o, FCC('m', 'd', 'a', 't'));
		put64(&o, media + 16);
	} else {
		put32(&o, (uint32_t)(media + 8));
		put32(&o, FCC('m', 'd', 'a', 't'));
	}
	put(&o, clip + w.lo, media);

	uint64_t mdur = (uint64_t)w.n * r.delta;
	uint64_t ts = mem_be32(ref + plo(&r.mvhd) + (ref[plo(&r.mvhd)] == 1 ? 20 : 12));
	uint64_t vdur = ts ? mdur * ts / r.timescale : 0;
	size_t moov = open_box(&o, FCC('m', 'o', 'o', 'v'));
	put_timed(&o, ref, &r.mvhd, 16, 28, vdur);
	size_t trak = open_box(&o, FCC('t', 'r', 'a', 'k'));
	put_timed(&o, ref, &r.tkhd, 20, 28, vdur);
	size_t mdia = open_box(&o, FCC('m', 'd', 'i', 'a'));
	put_timed(&o, ref, &r.mdhd, 16, 28, mdur);
	put(&o, ref + r.hdlr.lo, r.hdlr.hi - r.hdlr.lo);
	size_t minf = open_box(&o, FCC('m', 'i', 'n', 'f'));
	put(&o, ref + r.mhd.lo, r.mhd.hi - r.mhd.lo);
	put(&o, ref + r.dinf.lo, r.dinf.hi - r.dinf.lo);
	size_t stbl = open_box(&o, FCC('s', 't', 'b', 'l'));
	put(&o, ref + r.stsd.lo, r.stsd.hi - r.stsd.lo);
	size_t b = open_box(&o, FCC('s', 't', 't', 's'));
	put32(&o, 0);
	put32(&o, 1);
	put32(&o, w.n);
	put32(&o, r.delta);
	close_box(&o, b);
	uint32_t keys = 0;
	for (uint32_t i = 0; i < w.n; i++)
		keys += w.f[i].key;
	if (keys > 0 && keys < w.n) {
		b = open_box(&o, FCC('s', 't', 's', 's'));
		put32(&o, 0);
		put32(&o, keys);
		for (uint32_t i = 0; i < w.n; i++)
			if (w.f[i].key)
				put32(&o, i + 1);
		close_box(&o, b);
	}
	put_ctts(&o, ref, &r, w.n);
	b = open_box(&o, FCC('s', 't', 's', 'c'));
	put32(&o, 0);
	put32(&o, 1);
	put32(&o, 1);
	put32(&o, 1);
	put32(&o, 1);
	close_box(&o, b);
	b = open_box(&o, FCC('s', 't', 's', 'z'));
	put32(&o, 0);
	put32(&o, 0);
	put32(&o, w.n);
	for (uint32_t i = 0; i < w.n; i++)
		put32(&o, w.f[i].size);
	close_box(&o, b);
	b = open_box(&o, big ? FCC('c', 'o', '6', '4') : FCC('s', 't', 'c', 'o'));
	put32(&o, 0);
	put32(&o, w.n);
	for (uint32_t i = 0; i < w.n; i++) {
		uint64_t off = data0 + (w.f[i].off - w.lo);
		if (big)
			put64(&o, off);
		else
			put32(&o, (uint32_t)off);
	}
	close_box(&o, b);
	close_box(&o, stbl);
	close_box(&o, minf);
	close_box(&o, mdia);
	close_box(&o, trak);
	close_box(&o, moov);
	if (o.failed) {
		free(o.b);
		free(w.f);
		return -ENOMEM;
	}
	info->frames = w.n;
	info->keyframes = keys;
	for (uint32_t i = 0; i < w.n; i++)
		info->video_bytes += w.f[i].size;
	info->other_bytes = media - info->video_bytes;
	info->codec = r.codec == C_H264 ? "H.264" : "H.265";
	free(w.f);
	*out = o.b;
	*out_len = o.n;
	return 0;
}

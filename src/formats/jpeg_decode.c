/*
 * jpeg_decode.c - Huffman decoding of JPEG scans to find where the data
 * stop being the image's (see jpeg_decode.h).
 *
 * Written here rather than borrowed from libjpeg because what reassembly
 * needs is not pixels: it is the exact byte at which the entropy-coded
 * data first fail to decode, fast enough to run on every candidate a
 * reassembly tries (no dequantisation, no IDCT), with every loop bounded
 * by the frame and every read going through the bounded reader.
 *
 * The bit reader keeps up to 64 bits, left-aligned, fed from the reader's
 * window (eight bytes at once when none of them is FF): FF 00 is a data FF, FF fill bytes before a
 * marker are skipped, and a marker stops the feed (zeros are fed past it so
 * a symbol never reads undefined bits; decoding those zeros is caught by
 * comparing the bits used with the real bits loaded).  Huffman symbols are
 * looked up JDEC_LOOK bits at a time together with the magnitude bits
 * that follow them when both fit, longer codes through the canonical code
 * limits.  Bit positions are counted within one restart interval and
 * turned into byte offsets only when something fails.
 *
 * What counts as "not this image's data": a bit sequence no code of the
 * table starts, a magnitude category above what the precision allows, a
 * coefficient index past 63 (or past the band of a progressive scan), a
 * coefficient or DC level that no 8x8 DCT of in-range samples can give
 * once multiplied by its quantiser (the real bound and a quarter more), an
 * AC symbol the process does not define, a run of 16 zeros that no
 * nonzero coefficient follows, padding bits before a marker that
 * are not 1s, more data after an interval's last MCU, a restart marker out
 * of order or where no interval ends, any other marker before the frame's
 * MCUs are all decoded, an EOB run longer than what is left of the
 * interval, and too many fill bytes.
 *
 * Detection lag (how far after the true end of the image's data the
 * failure is reported) is measured by tests/unit/test_jpeg_frag.c and
 * summed up above jpeg_validate in jpeg.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "formats/jpeg_decode.h"

/*
 * Scans decoded per file.  Real progressive files have about ten; a
 * progressive scan may pass every block in a few bits (EOB runs), so the
 * count, with JDEC_MAX_BLOCKS, bounds the work a hostile file can ask.
 */
#define JDEC_MAX_SCANS 128

/* Bits resolved by one table lookup; longer codes take the slow path. */
#define JDEC_LOOK 9

/* 0xFF fill bytes before a marker; more is erased flash, not a file. */
#define JDEC_MAX_FILL 1024

/*
 * The part of a failed scan called consistent ends this many bytes before
 * the failure (but not before the restart interval that failed begins):
 * foreign data often decode as several MCUs before they break a rule, so
 * the MCU that failed may lie wholly past the true end of the image's
 * data.  The detection lag measured (test_jpeg_frag) stays under this:
 * at most 1207 bytes, for another JPEG's scan data.
 */
#define JDEC_BACK 2048

/* A failure inside a run of at least this many zero bytes is placed where
 * the run begins: the decoder was decoding zeros, not the image. */
#define JDEC_ZERO_IN 8

/* A run of at least this many zero bytes in scan data that then fails is
 * taken as the gap itself (a zeroed sector): the fragmentation point is
 * where it begins.  Looked for at most JDEC_ZERO_LOOKBACK bytes back. */
#define JDEC_ZERO_RUN 512
#define JDEC_ZERO_LOOKBACK (1u << 20)

enum {
	M_SOF0 = 0xc0, M_SOF1 = 0xc1, M_SOF2 = 0xc2, M_DHT = 0xc4,
	M_RST0 = 0xd0, M_DQT = 0xdb, M_DRI = 0xdd,
};

/* One Huffman table. */
struct htab {
	bool defined;
	/* (length << 8) | symbol for codes of at most JDEC_LOOK bits
	 * starting the index; 0: longer, or no code. */
	uint16_t look[1 << JDEC_LOOK];
	/* The same with the value bits that follow the code when they fit
	 * too: value << 16 | (code + value bits) << 8 | symbol, where the
	 * value is the EXTENDed magnitude of the symbol's low 4 bits;
	 * length 0: use look. */
	uint32_t fast[1 << JDEC_LOOK];
	int32_t maxcode[17];    /* largest code of each length, -1: none */
	int32_t valoff[17];     /* vals[code + valoff[len]] */
	uint32_t space;         /* 16-bit prefixes below this are codes */
	uint8_t vals[256];
};

struct comp {
	uint8_t id, h, v, tq;
	uint32_t bw, bh;        /* blocks that cover the component */
	uint32_t pw, ph;        /* the same, padded to whole MCUs */
	uint64_t base;          /* its first block in jdec.nz */
};

struct jdec {
	struct htab dc[4], ac[4];
	uint16_t q[4][64];      /* zigzag order, as DQT stores them */
	bool frame;             /* a frame header this decoder handles */
	bool progressive;
	unsigned prec, ncomp;
	uint32_t mcux, mcuy;
	uint16_t restart;
	struct comp comp[4];
	/* Progressive: which coefficients of each block are nonzero so
	 * far (bit k: zigzag index k), padded blocks included. */
	uint64_t *nz;
	uint64_t nblocks;
	unsigned scans;         /* decoded so far */
	bool hier;              /* a DHP was seen: nothing is decoded */
	/* What every jdec_stream starts from (jdec_tables): a table
	 * specification's tables and restart interval. */
	bool have_base;
	struct htab base_dc[4], base_ac[4];
	uint16_t base_q[4][64];
	uint16_t base_restart;
};

/* The bit reader over one restart interval. */
struct bits {
	struct bread *br;
	const uint8_t *p;       /* the reader's span at pbase */
	size_t plen;
	uint64_t pbase;
	uint64_t start;         /* the interval's first data byte */
	uint64_t pos;           /* the next byte to load */
	uint64_t acc;           /* left-aligned */
	unsigned n;             /* bits in acc */
	uint64_t loaded;        /* bits loaded this interval, zeros included */
	uint64_t real;          /* bits loaded from the data */
	bool hit;               /* loading stopped: marker, end or fill */
	bool data_end;          /* ... at the reader's limit */
	bool bad_fill;          /* ... on too many fill bytes */
	uint8_t m;              /* the marker */
	uint64_t mark;          /* where it (its fill bytes first) starts */
	uint64_t code;          /* ... and where its code byte lies */
	uint64_t errbit;        /* set with a failure: bit in the interval */
	/* A byte of the interval and the data bits before it, where
	 * bits_offset may start counting: start and 0, a resumed point's,
	 * or one the decoding passed (bits_hint). */
	uint64_t hint_pos, hint_bits;
	/* The next hint: the loading's place at an MCU's start, taken as
	 * the hint once the MCUs have used its bits. */
	uint64_t cand_pos, cand_bits;
};

/* ------------------------------------------------------------- tables */

static void htab_build(struct htab *t, const uint8_t *counts,
                       const uint8_t *vals, unsigned total)
{
	uint32_t code = 0;
	unsigned k = 0;

	memset(t, 0, sizeof(*t));
	memcpy(t->vals, vals, total);
	t->maxcode[0] = -1;
	for (unsigned l = 1; l <= 16; l++) {
		unsigned c = counts[l - 1];

		t->valoff[l] = (int32_t)k - (int32_t)code;
		for (unsigned i = 0; i < c; i++, k++, code++) {
			if (code >= (1u << l)) {
				t->defined = false;   /* over-subscribed */
				return;
			}
			if (l > JDEC_LOOK)
				continue;
			unsigned sh = JDEC_LOOK - l;
			for (unsigned j = 0; j < (1u << sh); j++)
				t->look[(code << sh) | j] =
					(uint16_t)(l << 8 | vals[k]);
		}
		t->maxcode[l] = c != 0 ? (int32_t)code - 1 : -1;
		code <<= 1;
	}
	t->space = code >> 1;   /* the next free 16-bit code */
	for (unsigned idx = 0; idx < (1u << JDEC_LOOK); idx++) {
		unsigned e = t->look[idx], l = e >> 8, sz = e & 15;

		if (e == 0 || l + sz > JDEC_LOOK)
			continue;
		int32_t v = (int32_t)(idx >> (JDEC_LOOK - l - sz)) &
		            ((1 << sz) - 1);
		if (sz != 0 && v < (1 << (sz - 1)))
			v -= (1 << sz) - 1;
		t->fast[idx] = (uint32_t)(uint16_t)v << 16 |
		               (l + sz) << 8 | (e & 0xff);
	}
	t->defined = true;
}

static void jdec_dht(struct jdec *d, const uint8_t *s, uint32_t n)
{
	uint32_t at = 0;

	while (n - at >= 17) {
		unsigned tc = s[at] >> 4, th = s[at] & 15, total = 0;

		for (unsigned l = 1; l <= 16; l++)
			total += s[at + l];
		if (tc > 1 || th > 3 || total > 256 || n - at - 17 < total)
			return;
		htab_build(tc ? &d->ac[th] : &d->dc[th], s + at + 1,
		           s + at + 17, total);
		at += 17 + total;
	}
}

static void jdec_dqt(struct jdec *d, const uint8_t *s, uint32_t n)
{
	uint32_t at = 0;

	while (at < n) {
		unsigned pq = s[at] >> 4, tq = s[at] & 15;
		uint32_t len = 1 + 64u * (pq + 1);

		if (pq > 1 || tq > 3 || n - at < len)
			return;
		for (unsigned k = 0; k < 64; k++)
			d->q[tq][k] = pq ? mem_be16(s + at + 1 + 2 * k) :
			                   s[at + 1 + k];
		at += len;
	}
}

static void jdec_sof(struct jdec *d, uint8_t m, const uint8_t *s, uint32_t n)
{
	unsigned hmax = 1, vmax = 1;

	free(d->nz);
	d->nz = NULL;
	d->frame = false;
	if (m == 0xde)
		d->hier = true;
	if (d->hier || n < 6 || (m != M_SOF0 && m != M_SOF1 && m != M_SOF2))
		return;
	unsigned prec = s[0], nf = s[5];
	uint32_t y = mem_be16(s + 1), x = mem_be16(s + 3);
	if (nf < 1 || nf > 4 || n != 6 + 3 * nf || x == 0 || y == 0 ||
	    (prec != 8 && (prec != 12 || m == M_SOF0)))
		return;
	for (unsigned i = 0; i < nf; i++) {
		const uint8_t *c = s + 6 + 3 * i;
		struct comp *k = &d->comp[i];

		k->id = c[0];
		k->h = c[1] >> 4;
		k->v = c[1] & 15;
		k->tq = c[2] & 3;
		if (k->h < 1 || k->h > 4 || k->v < 1 || k->v > 4)
			return;
		hmax = k->h > hmax ? k->h : hmax;
		vmax = k->v > vmax ? k->v : vmax;
	}
	d->mcux = (x + 8 * hmax - 1) / (8 * hmax);
	d->mcuy = (y + 8 * vmax - 1) / (8 * vmax);
	d->nblocks = 0;
	for (unsigned i = 0; i < nf; i++) {
		struct comp *k = &d->comp[i];
		uint32_t cw = (x * k->h + hmax - 1) / hmax;
		uint32_t ch = (y * k->v + vmax - 1) / vmax;

		k->bw = (cw + 7) / 8;
		k->bh = (ch + 7) / 8;
		k->pw = d->mcux * k->h;
		k->ph = d->mcuy * k->v;
		k->base = d->nblocks;
		d->nblocks += (uint64_t)k->pw * k->ph;
	}
	d->prec = prec;
	d->ncomp = nf;
	d->progressive = m == M_SOF2;
	if (d->progressive) {
		if (d->nblocks > JDEC_MAX_BLOCKS)
			return;
		d->nz = calloc(d->nblocks, sizeof(*d->nz));
		if (d->nz == NULL)
			return;
	}
	d->frame = true;
}

struct jdec *jdec_new(void)
{
	return calloc(1, sizeof(struct jdec));
}

void jdec_free(struct jdec *d)
{
	if (d == NULL)
		return;
	free(d->nz);
	free(d);
}

void jdec_segment(struct jdec *d, uint8_t m, const uint8_t *s, uint32_t n)
{
	if (m == M_DHT)
		jdec_dht(d, s, n);
	else if (m == M_DQT)
		jdec_dqt(d, s, n);
	else if (m == M_DRI && n == 2)
		d->restart = mem_be16(s);
	else if ((m >= 0xc0 && m <= 0xcf && m != M_DHT && m != 0xc8 &&
	          m != 0xcc) || m == 0xde)
		jdec_sof(d, m, s, n);   /* anything but SOF0/1/2: no frame */
}

/* ---------------------------------------------------------- bit reader */

/* The byte at off through the cached span; -1 past the reader's end. */
static inline int bits_byte(struct bits *b, uint64_t off, uint8_t *c)
{
	if (off - b->pbase >= b->plen) {
		size_t len;
		const uint8_t *p = bread_span(b->br, off, &len);

		if (p == NULL)
			return -1;
		b->p = p;
		b->plen = len;
		b->pbase = off;
	}
	*c = b->p[off - b->pbase];
	return 0;
}

static void bits_start(struct bits *b, uint64_t off)
{
	b->start = b->pos = off;
	b->acc = 0;
	b->n = 0;
	b->loaded = b->real = 0;
	b->hit = b->data_end = b->bad_fill = false;
	b->m = 0;
	b->mark = b->code = 0;
	b->hint_pos = b->cand_pos = off;
	b->hint_bits = b->cand_bits = 0;
}

/*
 * At an MCU's start, where used bits of the interval are used: moves the
 * hint on, so that a failure's offsets (bits_offset, for bits at or past
 * this MCU's start) are counted from near it rather than from the
 * interval's start.  The loading's place is a hint only for bits it had
 * loaded, so a place is taken as the hint once the MCUs have used them.
 */
static inline void bits_hint(struct bits *b, uint64_t used)
{
	if (b->cand_bits > used)
		return;
	b->hint_pos = b->cand_pos;
	b->hint_bits = b->cand_bits;
	b->cand_pos = b->pos;
	b->cand_bits = b->real;
}

/* Reads an FF's follower at *at (skipping fill FFs): 0 and the byte, or
 * -1 at the reader's end (data_end) or on too much fill (bad_fill). */
static int bits_after_ff(struct bits *b, uint64_t *at, uint8_t *c)
{
	for (unsigned fill = 0;; fill++) {
		if (bits_byte(b, *at, c) != 0) {
			b->data_end = true;
			return -1;
		}
		if (*c != 0xff)
			return 0;
		if (fill >= JDEC_MAX_FILL) {
			b->bad_fill = true;
			return -1;
		}
		(*at)++;
	}
}

/* Loads bytes until more than 56 bits are held (zeros past a marker). */
static void bits_fill(struct bits *b)
{
	/* The common case: eight bytes in the span, none of them FF. */
	uint64_t i = b->pos - b->pbase;
	if (!b->hit && b->n <= 56 && i < b->plen && b->plen - i >= 8) {
		uint64_t w = mem_be64(b->p + i), x = ~w;

		if (((x - 0x0101010101010101ull) & ~x &
		     0x8080808080808080ull) == 0) {
			unsigned take = (64 - b->n) / 8;

			b->acc |= w >> (64 - 8 * take) << (64 - 8 * take -
			                                    b->n);
			b->pos += take;
			b->n += 8 * take;
			b->loaded += 8 * take;
			b->real += 8 * take;
			return;
		}
	}
	while (b->n <= 56) {
		uint8_t c;

		if (b->hit) {
			b->n += 8;
			b->loaded += 8;
			continue;
		}
		if (bits_byte(b, b->pos, &c) != 0) {
			b->hit = b->data_end = true;
			b->mark = b->pos;
			continue;
		}
		if (c == 0xff) {
			uint64_t at = b->pos + 1;
			uint8_t c2;

			if (bits_after_ff(b, &at, &c2) != 0 || c2 != 0) {
				b->hit = true;
				b->mark = b->pos;
				b->code = at;
				b->m = c2;
				continue;
			}
			b->pos = at + 1;
		} else {
			b->pos++;
		}
		b->acc |= (uint64_t)c << (56 - b->n);
		b->n += 8;
		b->loaded += 8;
		b->real += 8;
	}
}

static inline uint64_t bits_used(const struct bits *b)
{
	return b->loaded - b->n;
}

/* s (0..16) bits as an unsigned value; needs s bits held. */
static inline uint32_t bits_get(struct bits *b, unsigned s)
{
	if (s == 0)
		return 0;
	if (b->n < s)
		bits_fill(b);
	uint32_t v = (uint32_t)(b->acc >> (64 - s));
	b->acc <<= s;
	b->n -= s;
	return v;
}

/* The signed value of s magnitude bits (JPEG's EXTEND). */
static inline int32_t bits_value(struct bits *b, unsigned s)
{
	int32_t v = (int32_t)bits_get(b, s);

	if (s != 0 && v < (1 << (s - 1)))
		v -= (1 << s) - 1;
	return v;
}

/* Byte offset holding bit bit of this interval (bit < b->real). */
static uint64_t bits_offset(struct bits *b, uint64_t bit)
{
	uint64_t off = b->start, have = 0;
	uint8_t c;

	if (bit >= b->hint_bits) {
		off = b->hint_pos;
		have = b->hint_bits;
	}

	for (;;) {
		if (bits_byte(b, off, &c) != 0)
			return off;
		if (have + 8 > bit)
			return off;
		have += 8;
		off++;
		if (c == 0xff) {
			if (bits_after_ff(b, &off, &c) != 0)
				return off;
			off++;   /* the stuffed 00 */
		}
	}
}

/* ------------------------------------------------------------ decoding */

/* Fails at bit bit of the interval with why (for the inline decoders). */
#define FAIL(b, bit, why) do { (b)->errbit = (bit); return (why); } while (0)

/*
 * One Huffman symbol into *sym; NULL, or why it failed with errbit the
 * first bit that no code of t can start with.  Needs 16 bits held.
 */
static inline const char *huff(struct bits *b, const struct htab *t,
                               unsigned *sym)
{
	unsigned e = t->look[b->acc >> (64 - JDEC_LOOK)];

	if (e != 0) {
		b->acc <<= e >> 8;
		b->n -= e >> 8;
		*sym = e & 0xff;
		return NULL;
	}
	uint32_t c16 = (uint32_t)(b->acc >> 48);
	for (unsigned l = JDEC_LOOK + 1; l <= 16; l++) {
		int32_t code = (int32_t)(c16 >> (16 - l));
		if (code <= t->maxcode[l]) {
			*sym = t->vals[code + t->valoff[l]];
			b->acc <<= l;
			b->n -= l;
			return NULL;
		}
	}
	/* The codes fill [0, space) of the 16-bit prefixes: the first bit
	 * after which every continuation lies above that is the bad one. */
	unsigned l = 1;
	while (l < 16 && ((c16 >> (16 - l)) << (16 - l)) < t->space)
		l++;
	FAIL(b, bits_used(b) + l - 1, "no Huffman code for these bits");
}

/* What one scan asks for. */
struct scan {
	unsigned ns;
	unsigned ci[4];                 /* frame component index */
	const struct htab *dc[4], *ac[4];
	const uint16_t *q[4];
	unsigned ss, se, ah, al;
	unsigned maxdc, maxac;          /* largest magnitude categories */
	uint64_t bound;                 /* |coefficient * q| never above */
	int32_t pred[4];
	uint32_t eobrun;
	uint64_t bx, by;                /* non-interleaved: the block */
};

static inline bool too_big(const struct scan *sc, int64_t v, unsigned al,
                           uint16_t q)
{
	uint64_t a = (uint64_t)(v < 0 ? -v : v) << al;

	q = q ? q : 1;
	return a * q > sc->bound + q;
}

/*
 * A sequential block of scan component i.  The bit buffer lives in locals
 * here (the hot loop of a baseline file), written back before anything
 * else looks at it.
 */
#define SEQ_SAVE() (b->acc = acc, b->n = n)
#define SEQ_FILL()                                                        \
	do {                                                              \
		if (n < 32) {                                             \
			SEQ_SAVE();                                       \
			bits_fill(b);                                     \
			acc = b->acc;                                     \
			n = b->n;                                         \
		}                                                         \
	} while (0)
#define SEQ_FAIL(back, why)                                               \
	do {                                                              \
		SEQ_SAVE();                                               \
		FAIL(b, bits_used(b) - (back), (why));                    \
	} while (0)

static const char *seq_block(struct scan *sc, struct bits *b, unsigned i)
{
	const struct htab *dc = sc->dc[i], *ac = sc->ac[i];
	const uint16_t *q = sc->q[i];
	const char *why;
	uint64_t acc = b->acc;
	unsigned n = b->n, s, vb, len;
	int32_t v;

	SEQ_FILL();
	/* Code and value bits in one lookup when they fit (vb: the value
	 * bits that came with the code). */
	uint32_t e = dc->fast[acc >> (64 - JDEC_LOOK)];
	if ((e & 0xff00) != 0 && (e & 0xf0) == 0) {
		len = e >> 8 & 0xff;
		acc <<= len;
		n -= len;
		v = (int16_t)(e >> 16);
	} else {
		SEQ_SAVE();
		if ((why = huff(b, dc, &s)) != NULL)
			return why;
		if (s > sc->maxdc)
			FAIL(b, bits_used(b) - 1,
			     "DC magnitude category out of range");
		v = bits_value(b, s);
		acc = b->acc;
		n = b->n;
	}
	sc->pred[i] += v;
	if (too_big(sc, sc->pred[i], 0, q[0]))
		SEQ_FAIL(1, "DC level out of range");
	bool zrl = false;
	for (unsigned k = 1; k < 64; k++) {
		SEQ_FILL();
		e = ac->fast[acc >> (64 - JDEC_LOOK)];
		if ((e & 0xff00) != 0) {
			len = e >> 8 & 0xff;
			acc <<= len;
			n -= len;
			s = e & 0xff;
			vb = s & 15;
			v = (int16_t)(e >> 16);
		} else {
			SEQ_SAVE();
			if ((why = huff(b, ac, &s)) != NULL)
				return why;
			acc = b->acc;
			n = b->n;
			vb = 0;
			v = 0;
		}
		unsigned r = s >> 4;
		s &= 15;
		if (s == 0) {
			/* A run of 16 zeros is coded only before a
			 * nonzero coefficient (T.81 figure F.2). */
			if (r == 0 && zrl)
				SEQ_FAIL(1, "zero run before the end of block");
			if (r == 0)
				break;
			if (r != 15)
				SEQ_FAIL(1, "undefined AC symbol");
			if (k + 15 >= 63)
				SEQ_FAIL(1, "zero run past coefficient 63");
			k += 15;
			zrl = true;
			continue;
		}
		zrl = false;
		k += r;
		if (k > 63)
			SEQ_FAIL(vb + 1, "coefficient index past 63");
		if (vb == 0) {
			if (s > sc->maxac)
				SEQ_FAIL(1, "AC magnitude category out of range");
			/* s <= 16 bits, and SEQ_FILL left at least 32
			 * after a code of at most 16. */
			v = (int32_t)(acc >> (64 - s));
			acc <<= s;
			n -= s;
			if (v < (1 << (s - 1)))
				v -= (1 << s) - 1;
		}
		if (too_big(sc, v, 0, q[k]))
			SEQ_FAIL(1, "AC coefficient out of range");
	}
	SEQ_SAVE();
	return NULL;
}

/* A progressive DC block (first or refining scan) of component i. */
static const char *dc_block(struct scan *sc, struct bits *b, unsigned i)
{
	unsigned s;

	if (b->n < 32)
		bits_fill(b);
	if (sc->ah != 0) {
		bits_get(b, 1);
		return NULL;
	}
	const char *why = huff(b, sc->dc[i], &s);
	if (why != NULL)
		return why;
	if (s > sc->maxdc)
		FAIL(b, bits_used(b) - 1, "DC magnitude category out of range");
	sc->pred[i] += bits_value(b, s);
	if (too_big(sc, sc->pred[i], sc->al, sc->q[i][0]))
		FAIL(b, bits_used(b) - 1, "DC level out of range");
	return NULL;
}

/* A progressive AC first-pass block; *nz is its nonzero history. */
static const char *ac_first(struct scan *sc, struct bits *b, uint64_t *nz)
{
	unsigned s;

	if (sc->eobrun > 0) {
		sc->eobrun--;
		return NULL;
	}
	bool zrl = false;
	for (unsigned k = sc->ss; k <= sc->se; k++) {
		if (b->n < 32)
			bits_fill(b);
		const char *why = huff(b, sc->ac[0], &s);
		if (why != NULL)
			return why;
		unsigned r = s >> 4;
		s &= 15;
		if (s == 0) {
			if (r != 15 && zrl)
				FAIL(b, bits_used(b) - 1,
				     "zero run before the end of block");
			if (r != 15) {
				sc->eobrun = (1u << r) + bits_get(b, r) - 1;
				break;
			}
			if (k + 15 >= sc->se)
				FAIL(b, bits_used(b) - 1,
				     "zero run past the band");
			k += 15;
			zrl = true;
			continue;
		}
		zrl = false;
		k += r;
		if (k > sc->se)
			FAIL(b, bits_used(b) - 1,
			     "coefficient index past the band");
		if (s > sc->maxac)
			FAIL(b, bits_used(b) - 1,
			     "AC magnitude category out of range");
		int32_t v = bits_value(b, s);
		if (too_big(sc, v, sc->al, sc->q[0][k]))
			FAIL(b, bits_used(b) - 1, "AC coefficient out of range");
		*nz |= 1ull << k;
	}
	return NULL;
}

/* Set bits in x (no popcnt instruction at baseline x86-64 flags). */
static inline unsigned popcount64(uint64_t x)
{
	x -= (x >> 1) & 0x5555555555555555ull;
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

/* Bits k..se of a coefficient mask (k <= se <= 63). */
static inline uint64_t band_mask(unsigned k, unsigned se)
{
	return (se == 63 ? ~0ull : (2ull << se) - 1) & ~((1ull << k) - 1);
}

/* Passes cnt (at most 64) bits. */
static void bits_skip(struct bits *b, unsigned cnt)
{
	while (cnt > 0) {
		unsigned take = cnt < 32 ? cnt : 32;
		if (b->n < take)
			bits_fill(b);
		b->acc <<= take;
		b->n -= take;
		cnt -= take;
	}
}

/* Passes the correction bits of the nonzero coefficients of [k, se]: one
 * bit each, whatever their value. */
static void ac_correct(struct scan *sc, struct bits *b, uint64_t nz,
                       unsigned k)
{
	if (k <= sc->se)
		bits_skip(b, (unsigned)popcount64(
			nz & band_mask(k, sc->se)));
}

/* A progressive AC refining block; *nz is its nonzero history. */
static const char *ac_refine(struct scan *sc, struct bits *b, uint64_t *nz)
{
	unsigned k = sc->ss, s;

	if (sc->eobrun == 0) {
		for (; k <= sc->se; k++) {
			if (b->n < 32)
				bits_fill(b);
			const char *why = huff(b, sc->ac[0], &s);
			if (why != NULL)
				return why;
			unsigned r = s >> 4;
			s &= 15;
			if (s != 0) {
				if (s != 1)
					FAIL(b, bits_used(b) - 1,
					     "refinement magnitude not 1");
				bits_get(b, 1);
			} else if (r != 15) {
				sc->eobrun = (1u << r) + bits_get(b, r);
				break;
			}
			/* Pass r zero-history coefficients, correcting
			 * the nonzero ones on the way; stop on the next. */
			uint64_t band = band_mask(k, sc->se);
			uint64_t zeros = ~*nz & band;
			for (unsigned j = 0; j < r && zeros != 0; j++)
				zeros &= zeros - 1;
			if (zeros == 0) {
				ac_correct(sc, b, *nz, k);
				FAIL(b, bits_used(b) - 1,
				     s ? "coefficient index past the band" :
				         "zero run past the band");
			}
			unsigned at = (unsigned)__builtin_ctzll(zeros);
			bits_skip(b, (unsigned)popcount64(
				*nz & band & ((1ull << at) - 1)));
			k = at;
			if (s != 0)
				*nz |= 1ull << k;
		}
	}
	if (sc->eobrun > 0) {
		ac_correct(sc, b, *nz, k);
		sc->eobrun--;
	}
	return NULL;
}

/* Checks the end of an interval after its last MCU: padding 1s, then a
 * marker (its kind is the caller's to judge).  0: at the marker; 1: the
 * reader's limit came first; -1: failed (errbit, *why). */
static int interval_end(struct scan *sc, struct bits *b, const char **why)
{
	uint64_t used = bits_used(b);

	if (sc->eobrun > 0) {
		b->errbit = used;
		*why = "EOB run longer than the interval";
		return -1;
	}
	bits_fill(b);
	uint64_t whole = (used + 7) & ~(uint64_t)7;
	if (!b->hit || b->real > whole) {
		b->errbit = whole;
		*why = "more data than the frame's MCUs";
		return -1;
	}
	unsigned pad = (unsigned)(whole - used);
	if (pad != 0 && (b->acc >> (64 - pad)) != (1u << pad) - 1) {
		b->errbit = used;
		*why = "padding bits before a marker are not 1s";
		return -1;
	}
	if (b->data_end)
		return 1;
	if (b->bad_fill) {
		b->errbit = b->real;
		*why = "too many fill bytes";
		return -1;
	}
	return 0;
}

/* Sets up sc from the SOS payload; false when this decoder cannot do it. */
static bool scan_setup(const struct jdec *d, struct scan *sc,
                       const uint8_t *s, uint32_t n)
{
	memset(sc, 0, sizeof(*sc));
	if (!d->frame || n < 1)
		return false;
	sc->ns = s[0];
	if (sc->ns < 1 || sc->ns > 4 || n != 1 + 2 * sc->ns + 3)
		return false;
	const uint8_t *t = s + 1 + 2 * sc->ns;
	sc->ss = t[0];
	sc->se = t[1];
	sc->ah = t[2] >> 4;
	sc->al = t[2] & 15;
	if (d->progressive) {
		if (sc->ss == 0 ? sc->se != 0 :
		    sc->se < sc->ss || sc->se > 63 || sc->ns != 1)
			return false;
		if ((sc->ah != 0 && sc->al != sc->ah - 1) || sc->al > 13)
			return false;
	} else {
		sc->ss = 0;
		sc->se = 63;
		sc->ah = sc->al = 0;
	}
	for (unsigned i = 0; i < sc->ns; i++) {
		const uint8_t *c = s + 1 + 2 * i;
		unsigned j = 0;

		while (j < d->ncomp && d->comp[j].id != c[0])
			j++;
		if (j == d->ncomp)
			return false;
		for (unsigned k = 0; k < i; k++)
			if (sc->ci[k] == j)
				return false;
		sc->ci[i] = j;
		sc->dc[i] = &d->dc[c[1] >> 4 & 3];
		sc->ac[i] = &d->ac[c[1] & 3];
		sc->q[i] = d->q[d->comp[j].tq];
		bool need_dc = sc->ss == 0 && sc->ah == 0;
		bool need_ac = sc->se != 0;
		if ((need_dc && !sc->dc[i]->defined) ||
		    (need_ac && !sc->ac[i]->defined))
			return false;
	}
	/* Interleaved MCUs hold at most 10 blocks. */
	if (sc->ns > 1) {
		unsigned blocks = 0;
		for (unsigned i = 0; i < sc->ns; i++)
			blocks += d->comp[sc->ci[i]].h * d->comp[sc->ci[i]].v;
		if (blocks > 10)
			return false;
	}
	sc->maxdc = d->prec + 3;
	sc->maxac = d->prec + 2;
	/* Every coefficient of the 8x8 DCT of P-bit samples lies within
	 * 2^(P+2) in magnitude (the largest sum of |cos| products, at
	 * u, v in {0, 4}, times 2^(P-1)), and quantising adds at most half
	 * a step; a quarter more leaves room for encoders that overshoot
	 * (deringing, fixed-point DCTs). */
	sc->bound = (1ull << (d->prec + 2)) + (1ull << d->prec);
	return true;
}

/* Decodes one MCU; NULL or why it failed (errbit set). */
static const char *mcu(const struct jdec *d, struct scan *sc, struct bits *b)
{
	const char *why = NULL;

	if (sc->ns == 1) {
		if (!d->progressive)
			return seq_block(sc, b, 0);
		if (sc->ss == 0)
			return dc_block(sc, b, 0);

		const struct comp *c = &d->comp[sc->ci[0]];
		uint64_t *nz = &d->nz[c->base + sc->by * c->pw + sc->bx];
		return sc->ah == 0 ? ac_first(sc, b, nz) : ac_refine(sc, b, nz);
	}
	for (unsigned i = 0; i < sc->ns && why == NULL; i++) {
		unsigned nb = d->comp[sc->ci[i]].h * d->comp[sc->ci[i]].v;
		for (unsigned j = 0; j < nb && why == NULL; j++)
			why = d->progressive ? dc_block(sc, b, i) :
			                       seq_block(sc, b, i);
	}
	return why;
}

/* The last JDEC_ZERO_RUN-long run of zero bytes in [lo, hi), or hi. */
static uint64_t zero_run(struct bread *br, uint64_t lo, uint64_t hi)
{
	uint64_t found = hi, run = 0, off = lo;

	while (off < hi) {
		size_t len;
		const uint8_t *p = bread_span(br, off, &len);
		if (p == NULL)
			break;
		if (len > hi - off)
			len = (size_t)(hi - off);
		for (size_t i = 0; i < len; i++) {
			if (p[i] != 0) {
				run = 0;
				continue;
			}
			if (++run == JDEC_ZERO_RUN)
				found = off + i + 1 - JDEC_ZERO_RUN;
		}
		off += len;
	}
	return found;
}

/* Resuming points (the block at the end of this file). */
static void point_restore(const struct jdec_point *pt, struct scan *sc,
                          struct bits *b, uint64_t *i, unsigned *rst);
static void point_take(const struct jdec *d, const struct scan *sc,
                       struct bits *b, uint64_t i, unsigned rst,
                       struct jdec_points *pp);
static uint64_t points_zero_from(const struct jdec_points *pp, uint64_t off,
                                 uint64_t lo, uint64_t hi);
static void points_resume(struct jdec_points *pp);

/* jdec_scan, resuming from and taking the points of pp (NULL: none). */
static enum jdec_end scan_run(struct jdec *d, struct bread *br,
                              const uint8_t *s, uint32_t n, uint64_t off,
                              uint64_t *next, struct jdec_fail *fail,
                              struct jdec_points *pp)
{
	struct scan sc;
	struct bits b = { .br = br };
	uint64_t total, mcu_bit = 0, i0 = 0;
	bool whole = false;     /* failed on a marker after whole MCUs */
	unsigned rst = 0;
	const char *why = NULL;
	bool resume = pp != NULL && pp->from != NULL;

	if ((!resume && d->scans >= JDEC_MAX_SCANS) ||
	    !scan_setup(d, &sc, s, n))
		return JDEC_SKIP;
	if (!resume)
		d->scans++;
	if (sc.ns == 1) {
		const struct comp *c = &d->comp[sc.ci[0]];
		total = (uint64_t)c->bw * c->bh;
	} else {
		total = (uint64_t)d->mcux * d->mcuy;
	}
	bits_start(&b, off);
	if (pp != NULL) {
		pp->zoff = pp->zpos = off;
		pp->zcnt = pp->zend = 0;
	}
	if (resume) {
		point_restore(pp->from, &sc, &b, &i0, &rst);
		pp->last = b.pos;
		points_resume(pp);
	}
	for (uint64_t i = i0; i < total; i++) {
		if (pp != NULL && pp->save != NULL)
			point_take(d, &sc, &b, i, rst, pp);
		if (d->restart != 0 && i != 0 && i % d->restart == 0) {
			int rc = interval_end(&sc, &b, &why);
			if (rc > 0)
				return JDEC_DATA_END;
			if (rc < 0) {
				mcu_bit = bits_used(&b);
				goto failed;
			}
			if (b.m != M_RST0 + rst) {
				/* The interval decoded whole: all of it is
				 * good, the marker is not. */
				b.errbit = mcu_bit = b.real;
				whole = true;
				why = "restart marker out of sequence";
				goto failed;
			}
			rst = (rst + 1) & 7;
			bits_start(&b, b.mark + 2);
			memset(sc.pred, 0, sizeof(sc.pred));
		}
		mcu_bit = bits_used(&b);
		bits_hint(&b, mcu_bit);
		why = mcu(d, &sc, &b);
		if (sc.ns == 1 && ++sc.bx == d->comp[sc.ci[0]].bw) {
			sc.bx = 0;
			sc.by++;
		}
		if (why == NULL && bits_used(&b) > b.real) {
			b.errbit = b.real;
			why = "marker inside scan data";
		}
		if (why != NULL)
			goto failed;
	}
	int rc = interval_end(&sc, &b, &why);
	if (rc > 0)
		return JDEC_DATA_END;
	if (rc < 0) {
		mcu_bit = bits_used(&b);
		goto failed;
	}
	if (b.m >= M_RST0 && b.m <= M_RST0 + 7) {
		b.errbit = mcu_bit = b.real;
		whole = true;
		why = "restart marker out of sequence";
		goto failed;
	}
	*next = b.mark;
	return JDEC_OK;

failed:
	if (b.errbit >= b.real) {
		/* The bits ran into what stopped the loading. */
		if (b.data_end)
			return JDEC_DATA_END;
		if (b.bad_fill)
			why = "too many fill bytes";
		else if (b.m >= M_RST0 && b.m <= M_RST0 + 7)
			why = "restart marker out of sequence";
		else
			why = "marker inside scan data";
		/* An 0xFF may be the file's own (stuffed, or a fill byte):
		 * the marker's code byte, or the fill byte after the first,
		 * is the first that cannot be.  A piece that ends on 0xFF
		 * meets the next piece there, and the boundary is the
		 * next byte. */
		fail->bad = b.bad_fill ? b.mark + 1 : b.code;
	} else {
		fail->bad = bits_offset(&b, b.errbit);
	}
	fail->good = mcu_bit < b.real ? bits_offset(&b, mcu_bit) : b.mark;
	if (fail->good > fail->bad)
		fail->good = fail->bad;
	if (!whole) {
		uint64_t back = fail->bad - b.start > JDEC_BACK ?
		                fail->bad - JDEC_BACK : b.start;
		if (fail->good > back)
			fail->good = back;
	}
	fail->why = why;
	/* Failing inside a run of zeros: the zeros are the gap. */
	uint64_t z = fail->bad;
	uint8_t c;
	while (z > off && fail->bad - z <= JDEC_ZERO_LOOKBACK &&
	       bits_byte(&b, z - 1, &c) == 0 && c == 0)
		z--;
	if (fail->bad - z >= JDEC_ZERO_IN) {
		fail->bad = z;
		if (fail->good > z)
			fail->good = z;
		fail->why = "zeros where scan data should be";
		return JDEC_FAIL;
	}
	/* Scan data that fail after a sector of zeros failed at the
	 * zeros: nothing real codes that many zero bits and then breaks. */
	uint64_t lo = fail->bad - off > JDEC_ZERO_LOOKBACK ?
	              fail->bad - JDEC_ZERO_LOOKBACK : off;
	z = zero_run(br, points_zero_from(pp, off, lo, fail->bad), fail->bad);
	if (z < fail->bad) {
		fail->bad = z;
		if (fail->good > z)
			fail->good = z;
		fail->why = "zeros where scan data should be";
	}
	return JDEC_FAIL;
}

enum jdec_end jdec_scan(struct jdec *d, struct bread *br, const uint8_t *s,
                        uint32_t n, uint64_t off, uint64_t *next,
                        struct jdec_fail *fail)
{
	return scan_run(d, br, s, n, off, next, fail, NULL);
}

bool jdec_may_continue(const uint8_t *blk, size_t len)
{
	const uint8_t *p = blk, *end = blk + len;
	unsigned rst = 8, fill = 0;     /* 8: no restart marker yet */

	while (p < end) {
		const uint8_t *ff = memchr(p, 0xff, (size_t)(end - p));
		if (ff == NULL || ff + 1 == end)
			return true;
		uint8_t m = ff[1];
		if (m == 0xff) {
			/* Fill bytes: a few before a marker, never a
			 * block of erased flash. */
			if (++fill > JDEC_MAX_FILL)
				return false;
			p = ff + 1;
			continue;
		}
		fill = 0;
		if (m == 0xd9)
			return true;    /* EOI: what follows is not the file */
		if (m >= 0xd0 && m <= 0xd7) {
			/* Restart markers count up modulo 8 within a scan. */
			if (rst != 8 && m != 0xd0 + ((rst + 1) & 7))
				return false;
			rst = m - 0xd0;
		} else if (m == 0xc4 || m == 0xda || m == 0xdb ||
		           m == 0xdd || m == 0xfe || m == 0xdc) {
			rst = 8;        /* between the scans of a file */
		} else if (m != 0x00) {
			return false;
		}
		p = ff + 2;
	}
	return true;
}

/* ------------------------------------------------- resuming a decode */

/*
 * A point is the whole state of a decode at the start of one MCU: a copy
 * of the decoder (tables, and the progressive history, whose own buffer
 * the point keeps), the scan's predictors, EOB run and block position,
 * and the bit reader (the interval's start, the next byte to load, the
 * bits held).  Every byte the state depends on lies before the next byte
 * to load, so a reader whose bytes are the same up to there resumes from
 * it exactly as the decode went on when it was taken.
 */
struct jdec_point {
	struct jdec d;          /* d.nz: nz below, or NULL */
	uint64_t *nz;
	uint64_t nzcap;         /* entries nz holds */
	int32_t pred[4];
	uint32_t eobrun;
	uint64_t bx, by;
	uint64_t start, pos, acc, loaded, real;
	uint64_t hint_pos, hint_bits;   /* bits.hint: at or before the MCU */
	unsigned n, rst;
	uint64_t i;             /* the MCU it starts */
	/* Zero bytes in a row from the scan's data start up to pos, and
	 * where the last 512 of them in a row ended (jdec_points). */
	uint64_t zcnt, zend;
	bool valid;
};

/* Data bytes between two points, at least; a progressive decoder's
 * history adds a quarter of its size, so that copying it (at memory
 * speed) stays a small fraction of the decoding it saves. */
#define JDEC_POINT_EVERY (4u << 10)
/* In the last bytes before the points' limit (where the tries' shared
 * bytes end, and the next try resumes), a sequential decoder takes a
 * point every few MCUs instead, a progressive one (whose history is
 * copied with each) one: a try decodes again everything between the
 * point and the limit, and most tries of a search fail soon after it. */
#define JDEC_POINT_NEAR 512u
#define JDEC_POINT_NEAR_EVERY 64u

struct jdec_point *jdec_point_new(void)
{
	return calloc(1, sizeof(struct jdec_point));
}

void jdec_point_free(struct jdec_point *pt)
{
	if (pt == NULL)
		return;
	free(pt->nz);
	free(pt);
}

uint64_t jdec_point_off(const struct jdec_point *pt)
{
	return pt->valid ? pt->pos : UINT64_MAX;
}

size_t jdec_point_size(const struct jdec_point *pt)
{
	return sizeof(pt->d) + (pt->d.nz != NULL ?
	                        pt->d.nblocks * sizeof(*pt->nz) : 0);
}

struct jdec *jdec_point_decoder(const struct jdec_point *pt)
{
	if (!pt->valid)
		return NULL;
	struct jdec *d = malloc(sizeof(*d));
	if (d == NULL)
		return NULL;
	*d = pt->d;
	d->nz = NULL;
	if (pt->d.nz != NULL) {
		d->nz = malloc(pt->d.nblocks * sizeof(*d->nz));
		if (d->nz == NULL) {
			free(d);
			return NULL;
		}
		memcpy(d->nz, pt->nz, pt->d.nblocks * sizeof(*d->nz));
	}
	return d;
}

static void point_restore(const struct jdec_point *pt, struct scan *sc,
                          struct bits *b, uint64_t *i, unsigned *rst)
{
	memcpy(sc->pred, pt->pred, sizeof(sc->pred));
	sc->eobrun = pt->eobrun;
	sc->bx = pt->bx;
	sc->by = pt->by;
	b->start = pt->start;
	b->pos = pt->pos;
	b->acc = pt->acc;
	b->n = pt->n;
	b->loaded = pt->loaded;
	b->real = pt->real;
	b->hint_pos = pt->hint_pos;
	b->hint_bits = pt->hint_bits;
	b->cand_pos = pt->pos;
	b->cand_bits = pt->real;
	*i = pt->i;
	*rst = pt->rst;
}

/* The zero runs followed up to the point resumed from. */
static void points_resume(struct jdec_points *pp)
{
	pp->zpos = pp->from->pos;
	pp->zcnt = pp->from->zcnt;
	pp->zend = pp->from->zend;
}

/* Follows the zero runs of the scan's data from pp->zpos up to pos. */
static void points_zeros(struct jdec_points *pp, struct bits *b, uint64_t pos)
{
	for (uint64_t k = pp->zpos; k < pos; k++) {
		uint8_t c;
		if (bits_byte(b, k, &c) != 0)
			break;
		if (c != 0) {
			pp->zcnt = 0;
		} else if (++pp->zcnt >= JDEC_ZERO_RUN) {
			pp->zend = k + 1;
		}
	}
	pp->zpos = pos;
}

/*
 * Where zero_run over [lo, hi) of the scan whose data start at off may
 * begin instead of lo, with the same result: when no JDEC_ZERO_RUN zeros
 * in a row lie in [lo, zpos), a run it finds ends at zpos or later, and
 * its counted start lies at or after zpos - JDEC_ZERO_RUN (or at lo).
 */
static uint64_t points_zero_from(const struct jdec_points *pp, uint64_t off,
                                 uint64_t lo, uint64_t hi)
{
	if (pp == NULL || pp->zoff != off || pp->zpos <= lo || pp->zpos > hi ||
	    (pp->zend != 0 && pp->zend - JDEC_ZERO_RUN >= lo))
		return lo;
	return pp->zpos - lo > JDEC_ZERO_RUN ? pp->zpos - JDEC_ZERO_RUN : lo;
}

static void point_take(const struct jdec *d, const struct scan *sc,
                       struct bits *b, uint64_t i, unsigned rst,
                       struct jdec_points *pp)
{
	struct jdec_point *pt = pp->save;
	uint64_t every = JDEC_POINT_EVERY, before = pp->before;
	bool *saved = &pp->saved;

	if (d->nz != NULL)
		every += d->nblocks * sizeof(*d->nz) / 4;
	if (b->pos > before && pp->save2 != NULL) {
		pt = pp->save2;
		before = pp->before2;
		saved = &pp->saved2;
	}
	if (b->hit || b->pos > before)
		return;
	if (b->pos - pp->last < every &&
	    (before - b->pos >= JDEC_POINT_NEAR ||
	     b->pos - pp->last < (d->nz != NULL ? JDEC_POINT_NEAR
	                          : JDEC_POINT_NEAR_EVERY)))
		return;
	if (d->nz != NULL && pt->nzcap < d->nblocks) {
		uint64_t *nz = realloc(pt->nz, d->nblocks * sizeof(*nz));
		if (nz == NULL)
			return;
		pt->nz = nz;
		pt->nzcap = d->nblocks;
	}
	pt->d = *d;
	if (d->nz != NULL) {
		memcpy(pt->nz, d->nz, d->nblocks * sizeof(*d->nz));
		pt->d.nz = pt->nz;
	}
	memcpy(pt->pred, sc->pred, sizeof(pt->pred));
	pt->eobrun = sc->eobrun;
	pt->bx = sc->bx;
	pt->by = sc->by;
	pt->start = b->start;
	pt->pos = b->pos;
	pt->acc = b->acc;
	pt->n = b->n;
	pt->loaded = b->loaded;
	pt->real = b->real;
	pt->hint_pos = b->hint_pos;
	pt->hint_bits = b->hint_bits;
	pt->i = i;
	pt->rst = rst;
	points_zeros(pp, b, b->pos);
	pt->zcnt = pp->zcnt;
	pt->zend = pp->zend;
	pt->valid = true;
	*saved = true;
	pp->last = b->pos;
}

enum jdec_end jdec_scan_points(struct jdec *d, struct bread *br,
                               const uint8_t *s, uint32_t n, uint64_t off,
                               uint64_t *next, struct jdec_fail *fail,
                               struct jdec_points *pp)
{
	if (pp != NULL && pp->from != NULL && !pp->from->valid)
		return JDEC_SKIP;
	return scan_run(d, br, s, n, off, next, fail, pp);
}

/* ------------------------------------------------------ whole streams */

/*
 * The Huffman tables of T.81 Annex K.3.3 (K.3.3.1 for DC, K.3.3.2 for
 * AC): code counts per length 1..16 and the symbols in code order, for
 * table 0 (luminance) and table 1 (chrominance).  Motion-JPEG frames that
 * carry no DHT are coded with them.
 */
static const uint8_t std_dc_bits[2][16] = {
	{ 0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0 },
	{ 0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0 },
};
static const uint8_t std_dc_vals[12] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
};
static const uint8_t std_ac_bits[2][16] = {
	{ 0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d },
	{ 0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77 },
};
static const uint8_t std_ac_vals[2][162] = {
	{
		0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12,
		0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
		0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08,
		0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
		0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16,
		0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
		0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39,
		0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
		0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
		0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
		0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79,
		0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
		0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
		0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
		0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
		0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4,
		0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
		0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea,
		0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
		0xf9, 0xfa,
	},
	{
		0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21,
		0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
		0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91,
		0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
		0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34,
		0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
		0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38,
		0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
		0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58,
		0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
		0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78,
		0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
		0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96,
		0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
		0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
		0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
		0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2,
		0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
		0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9,
		0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
		0xf9, 0xfa,
	},
};

/* Marker segments of one stream at most (tables, scans, APPn). */
#define JDEC_MAX_SEGMENTS 1024

/* Whether a DHT payload is whole tables that a code can be built from. */
static bool dht_ok(const uint8_t *s, uint32_t n)
{
	uint32_t at = 0;

	if (n == 0)
		return false;
	while (at < n) {
		if (n - at < 17 || s[at] >> 4 > 1 || (s[at] & 15) > 3)
			return false;
		unsigned total = 0;
		uint32_t code = 0;
		for (unsigned l = 1; l <= 16; l++) {
			total += s[at + l];
			code = (code + s[at + l]);
			if (code > (1u << l))
				return false;   /* over-subscribed */
			code <<= 1;
		}
		if (total == 0 || total > 256 || n - at - 17 < total)
			return false;
		at += 17 + total;
	}
	return true;
}

/* Whether a DQT payload is whole tables with no zero quantiser. */
static bool dqt_ok(const uint8_t *s, uint32_t n)
{
	uint32_t at = 0;

	if (n == 0)
		return false;
	while (at < n) {
		unsigned pq = s[at] >> 4, tq = s[at] & 15;
		uint32_t len = 1 + 64u * (pq + 1);

		if (pq > 1 || tq > 3 || n - at < len)
			return false;
		for (unsigned k = 0; k < 64; k++)
			if ((pq ? mem_be16(s + at + 1 + 2 * k) :
			          s[at + 1 + k]) == 0)
				return false;
		at += len;
	}
	return true;
}

/* Whether a SOFn payload is a well-formed frame header. */
static bool sof_ok(const uint8_t *s, uint32_t n)
{
	if (n < 6)
		return false;
	unsigned nf = s[5];
	if (nf < 1 || nf > 4 || n != 6 + 3 * nf || mem_be16(s + 3) == 0 ||
	    (s[0] != 8 && s[0] != 12 && s[0] != 16 && s[0] != 2))
		return false;
	for (unsigned i = 0; i < nf; i++) {
		const uint8_t *c = s + 6 + 3 * i;
		if (c[1] >> 4 < 1 || c[1] >> 4 > 4 || (c[1] & 15) < 1 ||
		    (c[1] & 15) > 4 || c[2] > 3)
			return false;
	}
	return true;
}

/* Restores the tables every stream starts from. */
static void stream_reset(struct jdec *d, unsigned flags)
{
	free(d->nz);
	d->nz = NULL;
	d->frame = false;
	d->hier = false;
	d->scans = 0;
	if (d->have_base) {
		memcpy(d->dc, d->base_dc, sizeof(d->dc));
		memcpy(d->ac, d->base_ac, sizeof(d->ac));
		memcpy(d->q, d->base_q, sizeof(d->q));
		d->restart = d->base_restart;
	} else {
		for (unsigned i = 0; i < 4; i++)
			d->dc[i].defined = d->ac[i].defined = false;
		memset(d->q, 0, sizeof(d->q));
		d->restart = 0;
	}
	if (flags & JDEC_STD_TABLES) {
		for (unsigned i = 0; i < 2; i++) {
			if (!d->dc[i].defined)
				htab_build(&d->dc[i], std_dc_bits[i],
				           std_dc_vals, 12);
			if (!d->ac[i].defined)
				htab_build(&d->ac[i], std_ac_bits[i],
				           std_ac_vals[i], 162);
		}
	}
}

bool jdec_tables(struct jdec *d, const uint8_t *p, size_t n)
{
	size_t at = 2;
	bool any = false;

	d->have_base = false;
	stream_reset(d, 0);
	if (p == NULL || n < 4 || p[0] != 0xff || p[1] != 0xd8)
		return false;
	for (unsigned k = 0; k < JDEC_MAX_SEGMENTS; k++) {
		if (n - at < 2 || p[at] != 0xff)
			return false;
		uint8_t m = p[at + 1];
		if (m == 0xd9)
			break;
		if (n - at < 4)
			return false;
		uint32_t len = mem_be16(p + at + 2);
		if (len < 2 || n - at - 2 < len)
			return false;
		const uint8_t *s = p + at + 4;
		uint32_t sn = len - 2u;
		if ((m == M_DHT && !dht_ok(s, sn)) ||
		    (m == M_DQT && !dqt_ok(s, sn)) ||
		    (m == M_DRI && sn != 2))
			return false;
		if (m == M_DHT || m == M_DQT || m == M_DRI) {
			jdec_segment(d, m, s, sn);
			any = true;
		} else if (!(m >= 0xe0 && m <= 0xef) && m != 0xfe) {
			return false;   /* a frame or scan: not tables only */
		}
		at += 2 + len;
	}
	if (!any)
		return false;
	memcpy(d->base_dc, d->dc, sizeof(d->dc));
	memcpy(d->base_ac, d->ac, sizeof(d->ac));
	memcpy(d->base_q, d->q, sizeof(d->q));
	d->base_restart = d->restart;
	d->have_base = true;
	return true;
}

/* Fills *fail for a stream whose bytes stop being one at bad. */
static enum jdec_end stream_fail(struct jdec_fail *fail, uint64_t good,
                                 uint64_t bad, const char *why)
{
	fail->good = good < bad ? good : bad;
	fail->bad = bad;
	fail->why = why;
	return JDEC_FAIL;
}

enum jdec_end jdec_stream(struct jdec *d, struct bread *br, uint64_t off,
                          uint64_t end, unsigned flags, uint64_t *next,
                          struct jdec_fail *fail)
{
	uint64_t size = bread_size(br);
	uint8_t sos[16];
	bool scanned = false;

	stream_reset(d, flags);
	if (end > size)
		end = size;
	const uint8_t *p = bread_peek(br, off, 2);
	if (p == NULL)
		return JDEC_DATA_END;
	if (p[0] != 0xff)
		return stream_fail(fail, off, off, "no SOI where a JPEG "
		                   "stream should start");
	if (p[1] != 0xd8)
		return stream_fail(fail, off, off + 1, "no SOI where a JPEG "
		                   "stream should start");
	uint64_t pos = off + 2, prev = off;
	for (unsigned k = 0; k < JDEC_MAX_SEGMENTS; k++) {
		uint64_t at = pos;
		uint8_t c;
		unsigned fill = 0;

		for (;;) {
			if (bread_u8(br, pos, &c) != 0)
				return JDEC_DATA_END;
			if (c != 0xff)
				return stream_fail(fail, prev, at,
				                   "no marker where one was due");
			if (bread_u8(br, pos + 1, &c) != 0)
				return JDEC_DATA_END;
			if (c != 0xff)
				break;
			if (++fill > JDEC_MAX_FILL)
				return stream_fail(fail, prev, at,
				                   "too many fill bytes");
			pos++;
		}
		uint8_t m = c;
		pos += 2;
		if (m == 0xd9) {
			if (!scanned)
				return stream_fail(fail, prev, at,
				                   "EOI before any scan");
			if (pos > end)
				return stream_fail(fail, prev, end,
				                   "JPEG stream runs past its "
				                   "container");
			*next = pos;
			return JDEC_OK;
		}
		if (m < 0xc0 || m == 0xd8 || (m >= M_RST0 && m <= M_RST0 + 7))
			return stream_fail(fail, prev, at, "invalid marker");
		uint16_t len;
		if (bread_be16(br, pos, &len) != 0)
			return JDEC_DATA_END;
		if (len < 2)
			return stream_fail(fail, prev, at + 3,
			                   "bad segment length");
		if (pos + len > size)
			return JDEC_DATA_END;
		if (pos + len > end)
			return stream_fail(fail, at, end, "JPEG segment runs "
			                   "past its container");
		uint32_t sn = len - 2u;
		/* Checked tables and frames go to the decoder; a segment
		 * that cannot be one has its bad byte somewhere inside. */
		if (m == M_DHT || m == M_DQT || m == M_DRI ||
		    (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 &&
		     m != 0xcc)) {
			const uint8_t *s = bread_peek(br, pos + 2, sn);
			if (s == NULL)
				return JDEC_DATA_END;
			bool sof = m != M_DHT && m != M_DQT && m != M_DRI;
			if ((m == M_DHT && !dht_ok(s, sn)) ||
			    (m == M_DQT && !dqt_ok(s, sn)) ||
			    (m == M_DRI && sn != 2) || (sof && !sof_ok(s, sn)))
				return stream_fail(fail, at, pos + len,
				                   "a JPEG segment that cannot "
				                   "be one");
			if (sof && (d->frame || scanned))
				return stream_fail(fail, at, pos + len,
				                   "a second frame header");
			jdec_segment(d, m, s, sn);
			if (sof && !d->frame)
				return JDEC_SKIP;   /* a process not decoded */
		} else if (m == 0xcc || m == 0xdc || m == 0xde || m == 0xdf) {
			return JDEC_SKIP;   /* DAC, DNL, DHP, EXP */
		}
		if (m != 0xda) {
			prev = at;
			pos += len;
			continue;
		}
		if (!d->frame)
			return stream_fail(fail, prev, at, "scan before a "
			                   "frame header");
		if (sn > sizeof(sos) || bread_read(br, pos + 2, sos, sn) != sn)
			return stream_fail(fail, at, pos + len,
			                   "a JPEG segment that cannot be one");
		enum jdec_end e = jdec_scan(d, br, sos, sn, pos + len, &pos,
		                            fail);
		if (e == JDEC_FAIL && fail->good < at)
			fail->good = at;
		if (e != JDEC_OK)
			return e;
		scanned = true;
		prev = pos;
	}
	return stream_fail(fail, prev, pos, "too many segments");
}

bool jdec_validate_resume(struct bread *br, struct carve_result *res,
                          struct carve_resume **rs, size_t rs_size,
                          uint64_t stable, jdec_walk_resume_fn *walk)
{
	if (!br->thorough)
		return false;
	if (*rs == NULL)
		*rs = calloc(1, rs_size);
	struct jdec *dec = *rs != NULL ? jdec_new() : NULL;
	if (dec == NULL)
		return false;
	walk(br, res, dec, *rs, stable);
	jdec_free(dec);
	return true;
}

void jdec_validate(struct bread *br, struct carve_result *res, bool every,
                   jdec_walk_fn *walk)
{
	if (!every) {
		walk(br, res, NULL);
		if (res->verdict != CARVE_TRUNCATED ||
		    res->note != CARVE_NOTE_FRAGMENT)
			return;
	}
	struct jdec *dec = jdec_new();
	if (dec == NULL) {
		if (every)
			walk(br, res, NULL);
		return;
	}
	if (every) {
		walk(br, res, dec);
	} else {
		struct carve_result r2;
		carve_result_clear(&r2);
		walk(br, &r2, dec);
		*res = r2;
	}
	jdec_free(dec);
}

/*
 * gzip.c - gzip (RFC 1952) validator.
 *
 * A gzip file is one or more members, each a 10-byte header (magic 1f 8b,
 * method 8, flags, mtime), optional fields the flags announce (extra
 * field, original name, comment, header CRC), a deflate stream (RFC 1951)
 * and an 8-byte trailer: the CRC-32 and the length mod 2^32 of the
 * uncompressed data.  Nothing in the header says where the member ends, so
 * the validator inflates the deflate stream: it decodes every block
 * (stored, fixed and dynamic Huffman), keeps only the 32 KiB window that
 * back-references may reach, and checks the trailer against the CRC and
 * length of what came out.  That proves both the end and the content.
 *
 * Members follow one another; the file ends after the last member whose
 * successor does not start with the gzip magic.  A stream cut by the end
 * of the medium is truncated at what is there (the inflated prefix is
 * still of use); a member whose data go bad after good members is cut
 * before it.
 *
 * Inflating costs time in proportion to the output, and a deflate stream
 * may expand 1032 times; past GZ_CRC_MAX output bytes a member is only
 * walked (every symbol decoded, nothing copied) and its ISIZE checked, so
 * a bomb costs no more than its own length to walk.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/crc32.h"
#include "formats/format.h"

#define GZ_HDR_LEN      10u
#define GZ_TRAILER_LEN  8u
#define GZ_FTEXT        0x01u
#define GZ_FHCRC        0x02u
#define GZ_FEXTRA       0x04u
#define GZ_FNAME        0x08u
#define GZ_FCOMMENT     0x10u
#define GZ_FRESERVED    0xe0u
#define GZ_MAX_FIELD    65536u         /* name and comment, with their NUL */
#define GZ_MAX_MEMBERS  100000u
#define GZ_WSIZE        32768u         /* deflate's window */
#define GZ_CRC_MAX      (16ull << 30)  /* output checked up to this */
#define GZ_MAX_SIZE     (1ull << 36)
#define GZ_MAXBITS      15u
#define GZ_NLITLEN      288u
#define GZ_NDIST        32u

static const struct format_sig gzip_sigs[] = {
	FORMAT_SIG("\x1f\x8b\x08", 0),
};

/* What decoding one member came to. */
enum gz_status {
	GZ_OK = 0,
	GZ_EOF,   /* the input ended inside the member */
	GZ_BAD,   /* the data are not a valid member */
};

/* Bits read LSB first from the bounded reader, a span at a time. */
struct gz_in {
	struct bread *br;
	uint64_t off;            /* offset of the next byte to fetch */
	const uint8_t *p, *end;  /* rest of the current span */
	uint64_t bits;
	unsigned nbits;
};

/* The sliding window, the running CRC and the output count. */
struct gz_out {
	uint8_t *win;
	uint32_t pos;        /* next write in win */
	uint32_t crc_from;   /* win[crc_from, pos) is not in crc yet */
	uint32_t crc;
	uint64_t total;      /* bytes out in this member */
	bool walk_only;      /* past GZ_CRC_MAX: count, copy nothing */
};

/* A canonical Huffman code: how many codes of each length, and the
 * symbols in code order. */
struct gz_huff {
	uint16_t count[GZ_MAXBITS + 1];
	uint16_t sym[GZ_NLITLEN];
};

static const uint16_t gz_len_base[29] = {
	3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
	35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258
};
static const uint8_t gz_len_extra[29] = {
	0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
	3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0
};
static const uint16_t gz_dist_base[30] = {
	1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
	257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193,
	12289, 16385, 24577
};
static const uint8_t gz_dist_extra[30] = {
	0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
	7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13
};
/* The order code length code lengths are sent in. */
static const uint8_t gz_clen_order[19] = {
	16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15
};

static void gz_in_start(struct gz_in *in, struct bread *br, uint64_t off)
{
	in->br = br;
	in->off = off;
	in->p = in->end = NULL;
	in->bits = 0;
	in->nbits = 0;
}

/* Offset of the first byte not wholly consumed. */
static uint64_t gz_in_pos(const struct gz_in *in)
{
	return in->off - in->nbits / 8;
}

/* Makes at least n (<= 32) bits available; -1 when the input ends. */
static int gz_need(struct gz_in *in, unsigned n)
{
	while (in->nbits < n) {
		if (in->p == in->end) {
			size_t len;
			const uint8_t *s = bread_span(in->br, in->off, &len);
			if (s == NULL)
				return -1;
			in->p = s;
			in->end = s + len;
		}
		in->bits |= (uint64_t)*in->p++ << in->nbits;
		in->off++;
		in->nbits += 8;
	}
	return 0;
}

/* Takes n (<= 32) bits; the caller made them available. */
static uint32_t gz_take(struct gz_in *in, unsigned n)
{
	uint32_t v = (uint32_t)(in->bits & ((1ull << n) - 1));

	in->bits >>= n;
	in->nbits -= n;
	return v;
}

/* Reads n bits into *v. */
static enum gz_status gz_bits(struct gz_in *in, unsigned n, uint32_t *v)
{
	if (gz_need(in, n) != 0)
		return GZ_EOF;
	*v = gz_take(in, n);
	return GZ_OK;
}

/* Drops the bits up to the next byte boundary. */
static void gz_align(struct gz_in *in)
{
	gz_take(in, in->nbits % 8);
}

static void gz_out_flush(struct gz_out *o)
{
	if (!o->walk_only && o->pos > o->crc_from)
		o->crc = crc32_update(o->crc, o->win + o->crc_from,
		                      o->pos - o->crc_from);
	o->crc_from = o->pos;
}

static void gz_put(struct gz_out *o, uint8_t b)
{
	o->win[o->pos++] = b;
	if (o->pos == GZ_WSIZE) {
		gz_out_flush(o);
		o->pos = 0;
		o->crc_from = 0;
	}
}

/* Counts n more output bytes; false when the walk-only bound is crossed
 * now (the caller stops copying). */
static bool gz_count(struct gz_out *o, uint64_t n)
{
	o->total += n;
	if (!o->walk_only && o->total > GZ_CRC_MAX) {
		gz_out_flush(o);
		o->walk_only = true;
	}
	return !o->walk_only;
}

/*
 * Builds a code from n code lengths.  Returns the number of unused codes
 * at the longest length (0: complete), or -1 when over-subscribed.
 */
static int gz_build(struct gz_huff *h, const uint8_t *lens, unsigned n)
{
	uint16_t offs[GZ_MAXBITS + 2];
	int left = 1;

	memset(h->count, 0, sizeof(h->count));
	for (unsigned i = 0; i < n; i++)
		h->count[lens[i]]++;
	for (unsigned len = 1; len <= GZ_MAXBITS; len++) {
		left = left * 2 - h->count[len];
		if (left < 0)
			return -1;
	}
	offs[1] = 0;
	for (unsigned len = 1; len <= GZ_MAXBITS; len++)
		offs[len + 1] = (uint16_t)(offs[len] + h->count[len]);
	for (unsigned i = 0; i < n; i++)
		if (lens[i] != 0)
			h->sym[offs[lens[i]]++] = (uint16_t)i;
	return left;
}

/* True when a code built with gz_build's result left may be used: a
 * complete code, one lone code of length 1, or (allow_empty) no code. */
static bool gz_code_ok(const struct gz_huff *h, int left, bool allow_empty)
{
	unsigned used = 0;

	if (left < 0)
		return false;
	if (left == 0)
		return true;
	for (unsigned len = 1; len <= GZ_MAXBITS; len++)
		used += h->count[len];
	if (used == 0)
		return allow_empty;
	return used == 1 && h->count[1] == 1;
}

/* Decodes one symbol, reading the code a bit at a time (codes are sent
 * from their most significant bit). */
static enum gz_status gz_decode(struct gz_in *in, const struct gz_huff *h,
                                unsigned *sym)
{
	int code = 0, first = 0, index = 0;

	for (unsigned len = 1; len <= GZ_MAXBITS; len++) {
		if (in->nbits == 0 && gz_need(in, 1) != 0)
			return GZ_EOF;
		code |= (int)gz_take(in, 1);
		int count = h->count[len];
		if (code - first < count) {
			*sym = h->sym[index + (code - first)];
			return GZ_OK;
		}
		index += count;
		first = (first + count) << 1;
		code <<= 1;
	}
	return GZ_BAD;
}

/* A stored block: LEN, its complement, LEN raw bytes. */
static enum gz_status gz_stored(struct gz_in *in, struct gz_out *o)
{
	uint32_t len, nlen;

	gz_align(in);
	if (gz_bits(in, 16, &len) != GZ_OK || gz_bits(in, 16, &nlen) != GZ_OK)
		return GZ_EOF;
	if ((len ^ 0xffffu) != nlen)
		return GZ_BAD;
	bool copy = gz_count(o, len);
	while (len > 0) {
		if (in->nbits >= 8) {
			uint8_t b = (uint8_t)gz_take(in, 8);
			if (copy)
				gz_put(o, b);
			len--;
			continue;
		}
		if (in->p == in->end) {
			size_t n;
			const uint8_t *s = bread_span(in->br, in->off, &n);
			if (s == NULL)
				return GZ_EOF;
			in->p = s;
			in->end = s + n;
		}
		size_t n = (size_t)(in->end - in->p);
		if (n > len)
			n = len;
		if (copy)
			for (size_t i = 0; i < n; i++)
				gz_put(o, in->p[i]);
		in->p += n;
		in->off += n;
		len -= (uint32_t)n;
	}
	return GZ_OK;
}

/* The literal/length and distance symbols of one Huffman block. */
static enum gz_status gz_codes(struct gz_in *in, struct gz_out *o,
                               const struct gz_huff *lit,
                               const struct gz_huff *dist)
{
	for (;;) {
		unsigned sym;
		uint32_t extra;
		enum gz_status st = gz_decode(in, lit, &sym);

		if (st != GZ_OK)
			return st;
		if (sym < 256) {
			if (gz_count(o, 1))
				gz_put(o, (uint8_t)sym);
			continue;
		}
		if (sym == 256)
			return GZ_OK;
		sym -= 257;
		if (sym >= 29)
			return GZ_BAD;
		if (gz_bits(in, gz_len_extra[sym], &extra) != GZ_OK)
			return GZ_EOF;
		uint32_t len = gz_len_base[sym] + extra;
		if ((st = gz_decode(in, dist, &sym)) != GZ_OK)
			return st;
		if (sym >= 30)
			return GZ_BAD;
		if (gz_bits(in, gz_dist_extra[sym], &extra) != GZ_OK)
			return GZ_EOF;
		uint32_t d = gz_dist_base[sym] + extra;
		if (d > o->total || d > GZ_WSIZE)
			return GZ_BAD;   /* reaches before the stream */
		if (gz_count(o, len)) {
			uint32_t from = (o->pos - d) & (GZ_WSIZE - 1);
			for (uint32_t i = 0; i < len; i++) {
				gz_put(o, o->win[from]);
				from = (from + 1) & (GZ_WSIZE - 1);
			}
		}
	}
}

static void gz_fixed(struct gz_huff *lit, struct gz_huff *dist)
{
	uint8_t lens[GZ_NLITLEN];
	unsigned i = 0;

	for (; i < 144; i++)
		lens[i] = 8;
	for (; i < 256; i++)
		lens[i] = 9;
	for (; i < 280; i++)
		lens[i] = 7;
	for (; i < GZ_NLITLEN; i++)
		lens[i] = 8;
	gz_build(lit, lens, GZ_NLITLEN);
	memset(lens, 5, GZ_NDIST);
	gz_build(dist, lens, GZ_NDIST);
}

/* Reads a dynamic block's code descriptions into lit and dist. */
static enum gz_status gz_dynamic(struct gz_in *in, struct gz_huff *lit,
                                 struct gz_huff *dist)
{
	uint8_t lens[GZ_NLITLEN + GZ_NDIST];
	uint32_t hlit, hdist, hclen, v;
	struct gz_huff cl;

	if (gz_bits(in, 5, &hlit) != GZ_OK || gz_bits(in, 5, &hdist) != GZ_OK ||
	    gz_bits(in, 4, &hclen) != GZ_OK)
		return GZ_EOF;
	hlit += 257;
	hdist += 1;
	hclen += 4;
	if (hlit > 286 || hdist > 30)
		return GZ_BAD;
	memset(lens, 0, 19);
	for (unsigned i = 0; i < hclen; i++) {
		if (gz_bits(in, 3, &v) != GZ_OK)
			return GZ_EOF;
		lens[gz_clen_order[i]] = (uint8_t)v;
	}
	if (gz_build(&cl, lens, 19) != 0)
		return GZ_BAD;   /* the code length code must be complete */
	for (unsigned i = 0; i < hlit + hdist;) {
		unsigned sym, rep;
		uint8_t val = 0;
		enum gz_status st = gz_decode(in, &cl, &sym);

		if (st != GZ_OK)
			return st;
		if (sym < 16) {
			lens[i++] = (uint8_t)sym;
			continue;
		}
		if (sym == 16) {
			if (i == 0)
				return GZ_BAD;
			val = lens[i - 1];
			if (gz_bits(in, 2, &v) != GZ_OK)
				return GZ_EOF;
			rep = 3 + v;
		} else if (sym == 17) {
			if (gz_bits(in, 3, &v) != GZ_OK)
				return GZ_EOF;
			rep = 3 + v;
		} else {
			if (gz_bits(in, 7, &v) != GZ_OK)
				return GZ_EOF;
			rep = 11 + v;
		}
		if (i + rep > hlit + hdist)
			return GZ_BAD;
		while (rep-- > 0)
			lens[i++] = val;
	}
	if (lens[256] == 0)
		return GZ_BAD;   /* no end-of-block code */
	if (!gz_code_ok(lit, gz_build(lit, lens, hlit), false) ||
	    !gz_code_ok(dist, gz_build(dist, lens + hlit, hdist), true))
		return GZ_BAD;
	return GZ_OK;
}

/* Inflates one deflate stream; *blocks counts the blocks finished. */
static enum gz_status gz_inflate(struct gz_in *in, struct gz_out *o,
                                 unsigned *blocks)
{
	struct gz_huff lit, dist;
	uint32_t last, type;

	*blocks = 0;
	do {
		enum gz_status st;

		if (gz_bits(in, 1, &last) != GZ_OK ||
		    gz_bits(in, 2, &type) != GZ_OK)
			return GZ_EOF;
		switch (type) {
		case 0:
			st = gz_stored(in, o);
			break;
		case 1:
			gz_fixed(&lit, &dist);
			st = gz_codes(in, o, &lit, &dist);
			break;
		case 2:
			st = gz_dynamic(in, &lit, &dist);
			if (st == GZ_OK)
				st = gz_codes(in, o, &lit, &dist);
			break;
		default:
			st = GZ_BAD;
		}
		if (st != GZ_OK)
			return st;
		(*blocks)++;
	} while (!last);
	return GZ_OK;
}

/*
 * Steps over a NUL-terminated header field at *pos, copying its start
 * (printable, up to cap - 1 bytes) to keep when keep is not NULL.
 */
static enum gz_status gz_field(struct bread *br, uint64_t *pos, char *keep,
                               size_t cap)
{
	uint64_t nul = bread_find(br, *pos, *pos + GZ_MAX_FIELD, "", 1);

	if (nul == UINT64_MAX)
		return *pos + GZ_MAX_FIELD > bread_size(br) ? GZ_EOF : GZ_BAD;
	if (keep != NULL) {
		size_t n = nul - *pos < cap - 1 ? (size_t)(nul - *pos) : cap - 1;
		n = bread_read(br, *pos, keep, n);
		keep[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if ((uint8_t)keep[i] < 0x20 || keep[i] == 0x7f)
				keep[i] = '?';
	}
	*pos = nul + 1;
	return GZ_OK;
}

/* What the header of one member says. */
struct gz_head {
	uint32_t mtime;
	char name[CARVE_META_VAL];
	uint64_t data;   /* where the deflate stream starts */
};

/* Parses the member header at off. */
static enum gz_status gz_header(struct bread *br, uint64_t off,
                                struct gz_head *h)
{
	uint8_t hdr[GZ_HDR_LEN];
	uint64_t pos = off + GZ_HDR_LEN;

	if (bread_read(br, off, hdr, sizeof(hdr)) != sizeof(hdr))
		return GZ_EOF;
	if (hdr[0] != 0x1f || hdr[1] != 0x8b || hdr[2] != 8 ||
	    (hdr[3] & GZ_FRESERVED) != 0)
		return GZ_BAD;
	h->mtime = mem_le32(hdr + 4);
	h->name[0] = '\0';
	if (hdr[3] & GZ_FEXTRA) {
		uint16_t xlen;
		if (bread_le16(br, pos, &xlen) != 0)
			return GZ_EOF;
		pos += 2 + (uint64_t)xlen;
	}
	if (hdr[3] & GZ_FNAME) {
		enum gz_status st = gz_field(br, &pos, h->name, sizeof(h->name));
		if (st != GZ_OK)
			return st;
	}
	if (hdr[3] & GZ_FCOMMENT) {
		enum gz_status st = gz_field(br, &pos, NULL, 0);
		if (st != GZ_OK)
			return st;
	}
	if (hdr[3] & GZ_FHCRC) {
		uint16_t want;
		uint32_t crc = 0;
		if (bread_le16(br, pos, &want) != 0)
			return GZ_EOF;
		for (uint64_t at = off; at < pos;) {
			size_t n;
			const uint8_t *p = bread_span(br, at, &n);
			if (p == NULL)
				return GZ_EOF;
			if (n > pos - at)
				n = (size_t)(pos - at);
			crc = crc32_update(crc, p, n);
			at += n;
		}
		if ((crc & 0xffffu) != want)
			return GZ_BAD;
		pos += 2;
	}
	if (pos > bread_size(br))
		return GZ_EOF;
	h->data = pos;
	return GZ_OK;
}

/* How far checking one member got. */
enum gz_stage {
	GZ_AT_HEADER = 0,   /* the header is not whole or not valid */
	GZ_AT_DATA,         /* the deflate stream went wrong in its first block */
	GZ_AT_BLOCKS,       /* ... after one block or more */
	GZ_AT_TRAILER,      /* the stream ended; the trailer is missing or wrong */
};

/*
 * Checks one whole member at off.  *end is where it ends, or on failure
 * how far the input was read; *stage says how far the check got.
 */
static enum gz_status gz_member(struct bread *br, uint64_t off,
                                struct gz_head *h, uint8_t *win,
                                uint64_t *end, enum gz_stage *stage)
{
	struct gz_in in;
	struct gz_out o = { .win = win };
	uint32_t crc, isize;
	unsigned blocks;
	enum gz_status st;

	*stage = GZ_AT_HEADER;
	*end = off;
	if ((st = gz_header(br, off, h)) != GZ_OK)
		return st;
	gz_in_start(&in, br, h->data);
	st = gz_inflate(&in, &o, &blocks);
	*end = gz_in_pos(&in);
	if (st != GZ_OK) {
		*stage = blocks > 0 ? GZ_AT_BLOCKS : GZ_AT_DATA;
		return st;
	}
	*stage = GZ_AT_TRAILER;
	gz_out_flush(&o);
	gz_align(&in);
	if (gz_bits(&in, 32, &crc) != GZ_OK || gz_bits(&in, 32, &isize) != GZ_OK)
		return GZ_EOF;
	if ((!o.walk_only && crc != o.crc) || isize != (uint32_t)o.total)
		return GZ_BAD;
	*end = gz_in_pos(&in);
	return GZ_OK;
}

/* The verdict on the first member going wrong. */
static void gz_first_failed(struct carve_result *res, enum gz_status st,
                            enum gz_stage stage, uint64_t size, uint64_t at)
{
	if (st == GZ_EOF) {
		if (stage == GZ_AT_HEADER)
			carve_reject(res, "gzip header cut off");
		else
			carve_truncated(res, size, "deflate data cut off");
		return;
	}
	switch (stage) {
	case GZ_AT_HEADER:
		carve_reject(res, "bad gzip header");
		break;
	case GZ_AT_DATA:
		carve_reject(res, "bad deflate data");
		break;
	case GZ_AT_BLOCKS:
		/* good blocks, then data that are not deflate: overwritten */
		carve_truncated(res, at, "bad deflate data after good blocks");
		break;
	case GZ_AT_TRAILER:
		carve_reject(res, "CRC-32 or length mismatch");
		break;
	}
}

/* Walks the members from the start. */
static void gzip_validate(struct bread *br, struct carve_result *res)
{
	const uint64_t size = bread_size(br);
	uint8_t *win = malloc(GZ_WSIZE);
	struct gz_head first = { 0 }, h;
	uint64_t off = 0;
	unsigned members = 0;

	if (win == NULL) {
		carve_reject(res, "out of memory");
		return;
	}
	for (; members < GZ_MAX_MEMBERS; members++) {
		uint64_t end;
		enum gz_stage stage;
		uint8_t magic[3];

		if (members > 0) {
			size_t got = bread_read(br, off, magic, 3);
			if (got < 3 && got > 0 && off + got == size &&
			    memcmp(magic, "\x1f\x8b\x08", got) == 0) {
				carve_truncated(res, size, "next member cut off");
				free(win);
				return;
			}
			if (got < 3 || memcmp(magic, "\x1f\x8b\x08", 3) != 0)
				break;   /* no further member: the file ends */
		}
		enum gz_status st = gz_member(br, off, members ? &h : &first,
		                              win, &end, &stage);
		if (st == GZ_OK) {
			off = end;
			continue;
		}
		if (members == 0) {
			gz_first_failed(res, st, stage, size, end);
		} else if (st == GZ_EOF) {
			carve_truncated(res, size, "last member cut off");
		} else if (stage == GZ_AT_HEADER) {
			break;   /* magic, but no member header: the file ended */
		} else {
			carve_truncated(res, off, "bad member after good ones");
		}
		free(win);
		return;
	}
	free(win);
	if (members >= GZ_MAX_MEMBERS) {
		carve_truncated(res, off, "too many members");
		return;
	}
	if (first.name[0] != '\0')
		carve_meta_add(res, "name", "%s", first.name);
	if (first.mtime != 0) {
		time_t t = (time_t)first.mtime;
		struct tm tm;
		char buf[32];
		if (gmtime_r(&t, &tm) != NULL &&
		    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
			carve_meta_add(res, "mtime", "%s", buf);
	}
	carve_meta_add(res, "members", "%u", members);
	carve_accept(res, off);
}

const struct format format_gzip = {
	.name = "gzip",
	.ext = "gz",
	.description = "gzip compressed file (RFC 1952), .tar.gz",
	FORMAT_SIGS(gzip_sigs),
	.align = 1,
	/* header, an empty fixed block, trailer */
	.min_size = GZ_HDR_LEN + 2 + GZ_TRAILER_LEN,
	.max_size = GZ_MAX_SIZE,
	.validate = gzip_validate,
};

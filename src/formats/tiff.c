/*
 * tiff.c - TIFF and TIFF-based camera RAW validator (NEF, CR2, DNG, ARW,
 * ORF, RW2, PEF).
 *
 * A TIFF is an 8-byte header and a graph of image file directories (IFDs)
 * joined by offsets: the main chain (IFD0 and its next pointers), SubIFDs,
 * the EXIF, GPS and Interoperability IFDs, and maker notes whose layout is
 * known (Nikon type 3 with its own embedded TIFF header, Canon as a plain
 * IFD, Olympus and OM System with their own header).  The data lives
 * wherever the directories point, before or after them, so the end of the
 * file is the furthest byte that any directory, out-of-line tag value,
 * strip, tile or JPEG thumbnail references.  The walk is cycle-safe (a set
 * of visited IFD offsets), bounded in IFDs, entries, array elements and
 * depth, and checks every offset and size against the reader's limit: a
 * reference past it means the file was cut, and the result is truncated.
 *
 * The four-byte magic is weak, so the first IFD is checked hard before
 * anything else (offset, entry count, known field types, ascending tags).
 * Camera RAW files are named by their header variant (RW2, ORF), the
 * DNGVersion tag, the CR2 marker, or the Make tag when the file also shows
 * raw data (a CFA image, SubIFDs, a raw compression scheme); a camera TIFF
 * without such evidence stays "tif".  Maker notes are trusted less than the
 * main structure: a reference from inside one that leaves the readable
 * bytes is ignored instead of marking the file truncated.
 *
 * What the walk can check of the data it reaches gives the fragmentation
 * point of a file stored in pieces: a JPEG thumbnail or preview and every
 * JPEG-compressed strip or tile (compression 6 and 7) must start with
 * SOI, and, for a reader that asks for every check, every directory a
 * pointer names must be a directory (otherwise junk there only ends the
 * branch, since writers leave stray pointers).  When the reader asks for
 * every check, or that cheap walk found such a cut, each JPEG stream is
 * also decoded whole (jpeg_decode.h: its scans Huffman-decoded with its
 * own tables or the directory's JPEGTables, its EOI within its byte
 * count), so a strip whose bytes stop being its own is told where they
 * stop.  A first directory that is junk (a writer that puts it last: it
 * was lost with the rest of the file) leads to the JPEG streams laid out
 * from byte 8 on, decoded one after another (tiff_streams).  The lowest
 * offset where such an anchor fails is the first byte that cannot belong
 * to the file (CARVE_NOTE_FRAGMENT).  Other strips (uncompressed, LZW,
 * raw sensor data) cannot be checked: the verdict rests on the
 * directories' word for them, and the result says from where
 * (unverified_off), so that a whole file found there is not hidden as a
 * part of this one.  Maker notes are not anchors.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/format.h"
#include "formats/jpeg_decode.h"

#define TIFF_MAX_SIZE (512ull << 20)
#define TIFF_MAX_IFDS 1024u          /* visited set: ends cycles too */
#define TIFF_MAX_ENTRIES 100000u     /* IFD entries over the whole file */
#define TIFF_MAX_VALUES (4u << 20)   /* strip/tile array elements read */
#define TIFF_MAX_IFD_ENTRIES 1000u
#define TIFF_MAX_DEPTH 6             /* IFD0 > EXIF > maker note > ... */
#define TIFF_MAX_CHILDREN 32         /* sub-IFDs followed from one IFD */
#define TIFF_BATCH 64                /* array elements read at once */
#define TIFF_STR 64
#define TIFF_MAX_ANCHORS 256         /* checked ranges remembered */
#define TIFF_MAX_SOI 1024u           /* JPEG starts read per file: each may
                                        cost the reader a window refill */
#define TIFF_MAX_TABLES (64u << 10) /* JPEGTables bytes taken */
#define TIFF_COMP_OJPEG 6
#define TIFF_COMP_JPEG 7

/* Tags the walk acts on. */
enum {
	TAG_WIDTH = 256, TAG_HEIGHT = 257, TAG_COMPRESSION = 259,
	TAG_PHOTOMETRIC = 262, TAG_MAKE = 271, TAG_MODEL = 272,
	TAG_STRIP_OFFSETS = 273, TAG_STRIP_COUNTS = 279, TAG_DATETIME = 306,
	TAG_TILE_OFFSETS = 324, TAG_TILE_COUNTS = 325, TAG_SUBIFDS = 330,
	TAG_JPEG_TABLES = 347,
	TAG_JPEG_OFFSET = 513, TAG_JPEG_LENGTH = 514, TAG_EXIF_IFD = 34665,
	TAG_GPS_IFD = 34853, TAG_DATETIME_ORIGINAL = 36867,
	TAG_MAKER_NOTE = 37500, TAG_INTEROP_IFD = 40965,
	TAG_DNG_VERSION = 50706,
	TAG_NIKON_PREVIEW_IFD = 0x0011,
};

enum {
	TYPE_BYTE = 1, TYPE_ASCII = 2, TYPE_SHORT = 3, TYPE_LONG = 4,
	TYPE_SBYTE = 6, TYPE_UNDEFINED = 7, TYPE_SSHORT = 8, TYPE_SLONG = 9,
	TYPE_IFD = 13,
};

/* Bytes per value of field types 1..13; 0 marks an unknown type. */
static const uint8_t tiff_type_size[14] = {
	0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4
};

enum tiff_kind {
	TIFF_MAIN,      /* IFD0 chain, CR2 raw IFD */
	TIFF_SUB,       /* SubIFDs and other IFD-typed pointers */
	TIFF_EXIF,
	TIFF_GPS,
	TIFF_INTEROP,
	TIFF_MAKER,     /* maker-note IFDs */
};

enum tiff_ifd_status { IFD_OK, IFD_BAD, IFD_PAST, IFD_SEEN };

static const struct format_sig tiff_sigs[] = {
	FORMAT_SIG("II*\0", 0),
	FORMAT_SIG("MM\0*", 0),
	FORMAT_SIG("IIU\0", 0),      /* Panasonic RW2 */
	FORMAT_SIG("IIRO", 0),       /* Olympus ORF */
	FORMAT_SIG("IIRS", 0),
	FORMAT_SIG("MMOR", 0),
};

/*
 * How offsets inside one directory are read: relative to base (a maker
 * note's own TIFF header, else 0), in one byte order; soft directories
 * (maker notes) may not mark the file truncated.
 */
struct tiff_view {
	uint64_t base;
	bool be;
	bool soft;
};

/* One IFD entry, with the absolute position of its values. */
struct tiff_entry {
	uint16_t tag;
	uint16_t type;
	uint32_t count;
	uint64_t pos;       /* values: in the entry or out of line */
	bool inline_val;
};

/* What a run that resumes keeps (tiff_validate_resume): JPEG strips that
 * decoded whole in an earlier run, each with the JPEGTables it decoded
 * with, all of them in bytes before that run's stable offset; and how far
 * the streams from byte 8 on (tiff_streams) decoded whole, in such bytes:
 * up to s_off, s_whole streams in s_n steps. */
#define TIFF_RESUME_MAX 512
struct carve_resume {
	uint64_t s_off;
	unsigned s_whole, s_n;
	unsigned n;
	struct tiff_decoded {
		uint64_t off, len, toff, tlen;
	} ok[TIFF_RESUME_MAX];
};

struct tiff_ctx {
	struct bread *br;
	uint64_t limit;
	uint64_t end;                 /* furthest referenced byte so far */
	bool past;                    /* a hard reference beyond the limit */
	bool exhausted;               /* an entry or value budget ran out */
	bool file_be;
	unsigned nifd;
	uint32_t entries_left;
	uint32_t values_left;
	uint64_t ifd_seen[TIFF_MAX_IFDS];
	/* what the file says about itself */
	bool dng, raw_hint;
	uint64_t best_area;
	uint32_t width, height;
	char make[TIFF_STR], model[TIFF_STR];
	char datetime[TIFF_STR], datetime_orig[TIFF_STR];
	/* fragmentation evidence */
	uint64_t frag;                /* lowest byte shown wrong, or MAX */
	uint64_t frag_good;           /* the bytes before it that are sure */
	/* Decoding each JPEG strip and tile (not NULL: the reader asks for
	 * every check, or the walk without it saw a cut) */
	struct jdec *dec;
	uint64_t dec_left;            /* stream bytes that may be decoded */
	uint64_t toff, tlen;          /* the JPEGTables in force (len 0: none) */
	struct carve_resume *rs;      /* resuming: strips decoded before */
	uint64_t stable;              /* ... and the bytes shared with them */
	uint64_t unv_lo;              /* first unchecked strip, or MAX */
	unsigned soi_left;            /* JPEG starts that may still be read */
	unsigned nanchor;             /* JPEG streams found, in walk order */
	uint64_t anchor_lo[TIFF_MAX_ANCHORS], anchor_hi[TIFF_MAX_ANCHORS];
};

/* What one directory points to, gathered before it is acted on. */
struct tiff_ifd_info {
	struct tiff_entry strip_off, strip_len, tile_off, tile_len;
	bool has_strip_off, has_strip_len, has_tile_off, has_tile_len;
	uint32_t jpeg_off, jpeg_len;
	uint32_t width, height;
	uint32_t compression;
	struct tiff_entry tables;
	bool has_tables;
	uint64_t maker_off, maker_len;
	unsigned nchild;
	uint64_t child[TIFF_MAX_CHILDREN];
	uint8_t child_kind[TIFF_MAX_CHILDREN];
};

/* Loads from memory in the given byte order. */
static uint16_t tiff_mem16(const uint8_t *p, bool be)
{
	return be ? mem_be16(p) : mem_le16(p);
}

static uint32_t tiff_mem32(const uint8_t *p, bool be)
{
	return be ? mem_be32(p) : mem_le32(p);
}

/* Reads a value through the reader in the given byte order; 0 or -1. */
static int tiff_rd16(struct tiff_ctx *c, uint64_t off, bool be, uint16_t *v)
{
	return be ? bread_be16(c->br, off, v) : bread_le16(c->br, off, v);
}

static int tiff_rd32(struct tiff_ctx *c, uint64_t off, bool be, uint32_t *v)
{
	return be ? bread_be32(c->br, off, v) : bread_le32(c->br, off, v);
}

/*
 * Notes that [start, start+len) belongs to the file: it moves the end, or,
 * past the limit, marks the file truncated unless the view is soft.
 */
static void tiff_ref(struct tiff_ctx *c, const struct tiff_view *v,
                     uint64_t start, uint64_t len)
{
	uint64_t end = start + len;

	if (end > c->limit) {
		if (!v->soft)
			c->past = true;
		return;
	}
	if (end > c->end)
		c->end = end;
}

/*
 * Reads up to n unsigned integer values (BYTE, SHORT, LONG or IFD) of e
 * starting at index first; returns how many were read.
 */
static unsigned tiff_elems(struct tiff_ctx *c, const struct tiff_view *v,
                           const struct tiff_entry *e, uint32_t first,
                           unsigned n, uint32_t *out)
{
	uint8_t buf[TIFF_BATCH * 4];
	unsigned sz;

	switch (e->type) {
	case TYPE_BYTE:
	case TYPE_UNDEFINED:
		sz = 1;
		break;
	case TYPE_SHORT:
		sz = 2;
		break;
	case TYPE_LONG:
	case TYPE_IFD:
		sz = 4;
		break;
	default:
		return 0;
	}
	if (first >= e->count)
		return 0;
	if (n > e->count - first)
		n = e->count - first;
	if (n > TIFF_BATCH)
		n = TIFF_BATCH;
	size_t got = bread_read(c->br, e->pos + (uint64_t)first * sz, buf,
	                        (size_t)n * sz);
	n = (unsigned)(got / sz);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p = buf + (size_t)i * sz;
		out[i] = sz == 1 ? p[0] : sz == 2 ? tiff_mem16(p, v->be) :
		         tiff_mem32(p, v->be);
	}
	return n;
}

/* The first value of an integer entry, or 0. */
static uint32_t tiff_first(struct tiff_ctx *c, const struct tiff_view *v,
                           const struct tiff_entry *e)
{
	uint32_t x;

	return tiff_elems(c, v, e, 0, 1, &x) == 1 ? x : 0;
}

/* Copies an ASCII entry into out as printable text (first one wins). */
static void tiff_string(struct tiff_ctx *c, const struct tiff_entry *e,
                        char out[TIFF_STR])
{
	uint8_t buf[TIFF_STR - 1];
	size_t n, len = 0;

	if (out[0] != '\0' || e->type != TYPE_ASCII)
		return;
	n = e->count < sizeof(buf) ? e->count : sizeof(buf);
	n = bread_read(c->br, e->pos, buf, n);
	for (size_t i = 0; i < n && buf[i] != '\0'; i++)
		out[len++] = (buf[i] >= 0x20 && buf[i] < 0x7f) ? (char)buf[i] : '?';
	while (len > 0 && out[len - 1] == ' ')
		len--;
	out[len] = '\0';
}

/* Remembers a directory to walk once the current one is done. */
static void tiff_add_child(struct tiff_ifd_info *info, uint64_t off,
                           enum tiff_kind kind)
{
	if (info->nchild < TIFF_MAX_CHILDREN) {
		info->child[info->nchild] = off;
		info->child_kind[info->nchild] = (uint8_t)kind;
		info->nchild++;
	}
}

/* Remembers [lo, hi) as a JPEG stream that starts as one (a thumbnail, a
 * preview, a strip): the first TIFF_MAX_ANCHORS count. */
static void tiff_anchor(struct tiff_ctx *c, uint64_t lo, uint64_t hi)
{
	if (c->nanchor < TIFF_MAX_ANCHORS) {
		c->anchor_lo[c->nanchor] = lo;
		c->anchor_hi[c->nanchor] = hi;
		c->nanchor++;
	}
}

/* Notes that the byte at off cannot belong to the file, and that the
 * bytes before good are sure to be its own. */
static void tiff_bad_at(struct tiff_ctx *c, uint64_t good, uint64_t off)
{
	if (off < c->frag) {
		c->frag = off;
		c->frag_good = good < off ? good : off;
	}
}

static void tiff_bad(struct tiff_ctx *c, uint64_t off)
{
	tiff_bad_at(c, off, off);
}

/*
 * Checks that the len bytes at off, which the structure says hold a JPEG
 * stream, start with SOI (FF D8 FF); notes the range or the first byte
 * that differs.  When decoding, the stream must decode whole, and end by
 * off + len when exact (a strip's count; a thumbnail's length is often
 * not exact).  Ranges past the reader are the truncation's business.
 */
static void tiff_check_soi(struct tiff_ctx *c, uint64_t off, uint64_t len,
                           bool exact)
{
	static const uint8_t soi[3] = { 0xff, 0xd8, 0xff };
	uint8_t b[3];

	if (len < 3 || off + len > c->limit)
		return;
	if (bread_read(c->br, off, b, 3) != 3)
		return;
	for (unsigned i = 0; i < 3; i++) {
		if (b[i] != soi[i]) {
			tiff_bad(c, off + i);
			return;
		}
	}
	tiff_anchor(c, off, off + len);
	/* Strips that overlap (a hostile directory naming one stream a
	 * thousand times) are decoded only up to twice the file's bytes. */
	if (c->dec != NULL && len <= c->dec_left) {
		c->dec_left -= len;
		/* A strip decoded in an earlier run over the same bytes (its
		 * own and its tables') decodes the same: a stream's decoding
		 * starts from the tables alone. */
		struct carve_resume *rs = exact ? c->rs : NULL;
		for (unsigned i = 0; rs != NULL && i < rs->n; i++)
			if (rs->ok[i].off == off && rs->ok[i].len == len &&
			    rs->ok[i].toff == c->toff &&
			    rs->ok[i].tlen == c->tlen)
				return;
		/* The whole stream must decode, and end within its count. */
		struct jdec_fail fail;
		uint64_t next;
		if (jdec_stream(c->dec, c->br, off, exact ? off + len :
		                c->limit, 0, &next,
		                &fail) == JDEC_FAIL) {
			tiff_bad_at(c, fail.good, fail.bad);
		} else if (rs != NULL && rs->n < TIFF_RESUME_MAX &&
		           off + len <= c->stable &&
		           c->toff + c->tlen <= c->stable) {
			rs->ok[rs->n++] = (struct tiff_decoded){
				off, len, c->toff, c->tlen };
		}
	}
}

/* Notes a strip or tile: JPEG ones are checked, others only remembered
 * as unchecked. */
static void tiff_strip(struct tiff_ctx *c, const struct tiff_view *v,
                       uint64_t off, uint64_t len, bool jpeg)
{
	tiff_ref(c, v, off, len);
	if (v->soft)
		return;
	if (jpeg && c->soi_left > 0) {
		c->soi_left--;
		tiff_check_soi(c, off, len, true);
	} else if (off < c->unv_lo) {
		c->unv_lo = off;
	}
}

/* Notes every strip or tile [offset, offset+count) of a pair of arrays. */
static void tiff_ranges(struct tiff_ctx *c, const struct tiff_view *v,
                        const struct tiff_entry *offs,
                        const struct tiff_entry *lens, uint32_t compression)
{
	bool jpeg = compression == TIFF_COMP_OJPEG ||
	            compression == TIFF_COMP_JPEG;

	uint32_t n = offs->count;

	if (lens == NULL) {
		/* No sizes (old writers): at least each start is in the file. */
		for (uint32_t i = 0; i < n && i < TIFF_BATCH; i++) {
			uint32_t o;
			if (tiff_elems(c, v, offs, i, 1, &o) == 1 && o != 0) {
				tiff_ref(c, v, v->base + o, 1);
				if (!v->soft && v->base + o < c->unv_lo)
					c->unv_lo = v->base + o;
			}
		}
		return;
	}
	if (lens->count < n)
		n = lens->count;
	for (uint32_t i = 0; i < n;) {
		uint32_t o[TIFF_BATCH], l[TIFF_BATCH];
		unsigned k = n - i < TIFF_BATCH ? n - i : TIFF_BATCH;

		if (c->values_left < k) {
			c->exhausted = true;
			return;
		}
		c->values_left -= k;
		unsigned ko = tiff_elems(c, v, offs, i, k, o);
		unsigned kl = tiff_elems(c, v, lens, i, k, l);
		if (ko < k || kl < k)
			return;   /* the arrays themselves were out of reach */
		for (unsigned j = 0; j < k; j++)
			if (l[j] != 0)
				tiff_strip(c, v, v->base + o[j], l[j], jpeg);
		i += k;
	}
}

static void tiff_walk(struct tiff_ctx *c, const struct tiff_view *v,
                      uint64_t off, enum tiff_kind kind, unsigned depth);

/*
 * Walks a maker note at [off, off+len) whose layout is known from its
 * header or from the camera make; others are left alone.
 */
static void tiff_maker_note(struct tiff_ctx *c, const struct tiff_view *parent,
                            uint64_t off, uint64_t len, unsigned depth)
{
	uint8_t h[18];
	struct tiff_view v = { .base = parent->base, .be = parent->be,
	                       .soft = true };

	if (len < sizeof(h) || bread_read(c->br, off, h, sizeof(h)) != sizeof(h))
		return;
	if (memcmp(h, "Nikon\0\x02", 7) == 0) {
		/* Type 3: an embedded TIFF header; offsets count from it. */
		const uint8_t *t = h + 10;
		if (memcmp(t, "II*\0", 4) != 0 && memcmp(t, "MM\0*", 4) != 0)
			return;
		v.base = off + 10;
		v.be = t[0] == 'M';
		tiff_walk(c, &v, v.base + tiff_mem32(t + 4, v.be), TIFF_MAKER,
		          depth);
	} else if (memcmp(h, "OLYMPUS\0", 8) == 0 &&
	           (memcmp(h + 8, "II", 2) == 0 || memcmp(h + 8, "MM", 2) == 0)) {
		/* Newer Olympus: offsets count from the maker note. */
		v.base = off;
		v.be = h[8] == 'M';
		tiff_walk(c, &v, off + 12, TIFF_MAKER, depth);
	} else if (memcmp(h, "OM SYSTEM\0\0\0", 12) == 0 &&
	           (memcmp(h + 12, "II", 2) == 0 || memcmp(h + 12, "MM", 2) == 0)) {
		v.base = off;
		v.be = h[12] == 'M';
		tiff_walk(c, &v, off + 16, TIFF_MAKER, depth);
	} else if (strncasecmp(c->make, "Canon", 5) == 0) {
		/* Canon: a bare IFD, offsets relative to the file's header. */
		tiff_walk(c, &v, off, TIFF_MAKER, depth);
	}
}

/*
 * Checks and reads one directory at off (absolute), notes everything it
 * references and walks its children.  *next receives the absolute offset
 * of the next IFD in its chain, 0 when there is none.
 */
static enum tiff_ifd_status tiff_ifd(struct tiff_ctx *c,
                                     const struct tiff_view *v, uint64_t off,
                                     enum tiff_kind kind, unsigned depth,
                                     uint64_t *next)
{
	struct tiff_ifd_info info;
	uint16_t n;

	*next = 0;
	for (unsigned i = 0; i < c->nifd; i++)
		if (c->ifd_seen[i] == off)
			return IFD_SEEN;
	if (c->nifd >= TIFF_MAX_IFDS)
		return IFD_SEEN;
	if (tiff_rd16(c, off, v->be, &n) != 0)
		return IFD_PAST;
	if (n == 0 || n > TIFF_MAX_IFD_ENTRIES)
		return IFD_BAD;
	uint64_t table = off + 2, table_end = table + 12ull * n;
	if (table_end > c->limit)
		return IFD_PAST;
	if (c->entries_left < n) {
		c->exhausted = true;
		return IFD_SEEN;
	}

	/* Junk gate: field types must be known and tags mostly ascending. */
	unsigned bad = 0;
	uint16_t prev = 0;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p = bread_peek(c->br, table + 12ull * i, 12);
		if (p == NULL)
			return IFD_PAST;
		uint16_t tag = tiff_mem16(p, v->be), type = tiff_mem16(p + 2, v->be);
		if (type == 0 || type > 13)
			bad++;
		if (i > 0 && tag <= prev)
			bad++;
		prev = tag;
	}
	if (bad * 4 > n)
		return IFD_BAD;

	c->ifd_seen[c->nifd++] = off;
	c->entries_left -= n;
	memset(&info, 0, sizeof(info));
	if (kind != TIFF_MAKER) {
		uint32_t nx;
		if (tiff_rd32(c, table_end, v->be, &nx) == 0) {
			tiff_ref(c, v, table_end, 4);
			if (nx != 0)
				*next = v->base + nx;
		} else if (kind == TIFF_MAIN) {
			c->past = true;     /* the chain's link itself is cut */
		}
	}
	tiff_ref(c, v, off, 2 + 12ull * n);

	for (unsigned i = 0; i < n; i++) {
		uint8_t raw[12];
		struct tiff_entry e;

		if (bread_read(c->br, table + 12ull * i, raw, 12) != 12)
			return IFD_PAST;
		e.tag = tiff_mem16(raw, v->be);
		e.type = tiff_mem16(raw + 2, v->be);
		e.count = tiff_mem32(raw + 4, v->be);
		if (e.type == 0 || e.type > 13 || e.count == 0)
			continue;
		uint64_t bytes = (uint64_t)e.count * tiff_type_size[e.type];
		e.inline_val = bytes <= 4;
		if (e.inline_val) {
			e.pos = table + 12ull * i + 8;
		} else {
			e.pos = v->base + tiff_mem32(raw + 8, v->be);
			tiff_ref(c, v, e.pos, bytes);
		}

		switch (e.tag) {
		case TAG_WIDTH:
			info.width = tiff_first(c, v, &e);
			break;
		case TAG_HEIGHT:
			info.height = tiff_first(c, v, &e);
			break;
		case TAG_COMPRESSION: {
			uint32_t x = tiff_first(c, v, &e);
			info.compression = x;
			/* Nikon, Sony, Pentax, packed raw schemes */
			if (x == 34713 || x == 32767 || x == 32769 ||
			    x == 32770 || x == 65000 || x == 65535)
				c->raw_hint = true;
			break;
		}
		case TAG_PHOTOMETRIC: {
			uint32_t x = tiff_first(c, v, &e);
			if (x == 32803 || x == 34892)   /* CFA, LinearRaw */
				c->raw_hint = true;
			break;
		}
		case TAG_MAKE:
			if (kind == TIFF_MAIN)
				tiff_string(c, &e, c->make);
			break;
		case TAG_MODEL:
			if (kind == TIFF_MAIN)
				tiff_string(c, &e, c->model);
			break;
		case TAG_DATETIME:
			if (kind == TIFF_MAIN)
				tiff_string(c, &e, c->datetime);
			break;
		case TAG_DATETIME_ORIGINAL:
			if (kind == TIFF_EXIF)
				tiff_string(c, &e, c->datetime_orig);
			break;
		case TAG_STRIP_OFFSETS:
			info.strip_off = e;
			info.has_strip_off = true;
			break;
		case TAG_STRIP_COUNTS:
			info.strip_len = e;
			info.has_strip_len = true;
			break;
		case TAG_TILE_OFFSETS:
			info.tile_off = e;
			info.has_tile_off = true;
			break;
		case TAG_TILE_COUNTS:
			info.tile_len = e;
			info.has_tile_len = true;
			break;
		case TAG_JPEG_OFFSET:
			info.jpeg_off = tiff_first(c, v, &e);
			break;
		case TAG_JPEG_LENGTH:
			info.jpeg_len = tiff_first(c, v, &e);
			break;
		case TAG_JPEG_TABLES:
			if (e.type == TYPE_UNDEFINED || e.type == TYPE_BYTE) {
				info.tables = e;
				info.has_tables = true;
			}
			break;
		case TAG_SUBIFDS:
			if (kind != TIFF_MAKER)
				c->raw_hint = true;
			/* Zero entries are skipped, so bound the elements read. */
			for (uint32_t k = 0; k < e.count &&
			     k < 8 * TIFF_MAX_CHILDREN;) {
				uint32_t o[TIFF_BATCH];
				unsigned got = tiff_elems(c, v, &e, k, TIFF_BATCH, o);
				if (got == 0)
					break;
				for (unsigned j = 0; j < got; j++)
					if (o[j] != 0)
						tiff_add_child(&info, v->base + o[j],
						               kind == TIFF_MAKER ?
						               TIFF_MAKER : TIFF_SUB);
				k += got;
				if (info.nchild >= TIFF_MAX_CHILDREN)
					break;
			}
			break;
		case TAG_EXIF_IFD:
		case TAG_GPS_IFD:
		case TAG_INTEROP_IFD:
			if (kind != TIFF_MAKER) {
				uint32_t o = tiff_first(c, v, &e);
				enum tiff_kind k = e.tag == TAG_EXIF_IFD ? TIFF_EXIF :
				                   e.tag == TAG_GPS_IFD ? TIFF_GPS :
				                   TIFF_INTEROP;
				if (o != 0)
					tiff_add_child(&info, v->base + o, k);
			}
			break;
		case TAG_MAKER_NOTE:
			if (kind == TIFF_EXIF && !e.inline_val) {
				info.maker_off = e.pos;
				info.maker_len = e.count;
			}
			break;
		case TAG_DNG_VERSION:
			if (kind == TIFF_MAIN)
				c->dng = true;
			break;
		default:
			/* Nikon's preview image sits in an IFD of the maker note. */
			if (e.type == TYPE_IFD ||
			    (kind == TIFF_MAKER && e.tag == TAG_NIKON_PREVIEW_IFD &&
			     e.type == TYPE_LONG &&
			     strncasecmp(c->make, "NIKON", 5) == 0)) {
				uint32_t o = tiff_first(c, v, &e);
				if (o != 0)
					tiff_add_child(&info, v->base + o,
					               kind == TIFF_MAKER ? TIFF_MAKER :
					               TIFF_SUB);
			}
			break;
		}
	}

	/* Abbreviated JPEG strips take their tables from JPEGTables. */
	if (c->dec != NULL && !v->soft) {
		const uint8_t *t = NULL;
		if (info.has_tables && info.tables.count <= TIFF_MAX_TABLES)
			t = bread_peek(c->br, info.tables.pos, info.tables.count);
		(void)jdec_tables(c->dec, t, t != NULL ? info.tables.count : 0);
		c->toff = t != NULL ? info.tables.pos : 0;
		c->tlen = t != NULL ? info.tables.count : 0;
	}
	if (info.has_strip_off)
		tiff_ranges(c, v, &info.strip_off,
		            info.has_strip_len ? &info.strip_len : NULL,
		            info.compression);
	if (info.has_tile_off)
		tiff_ranges(c, v, &info.tile_off,
		            info.has_tile_len ? &info.tile_len : NULL,
		            info.compression);
	if (info.jpeg_off != 0 && info.jpeg_len != 0) {
		tiff_ref(c, v, v->base + info.jpeg_off, info.jpeg_len);
		if (!v->soft)
			tiff_check_soi(c, v->base + info.jpeg_off, info.jpeg_len,
			               false);
	}
	if (kind == TIFF_MAIN || kind == TIFF_SUB) {
		uint64_t area = (uint64_t)info.width * info.height;
		if (area > c->best_area) {
			c->best_area = area;
			c->width = info.width;
			c->height = info.height;
		}
	}

	if (depth < TIFF_MAX_DEPTH) {
		for (unsigned i = 0; i < info.nchild; i++)
			tiff_walk(c, v, info.child[i],
			          (enum tiff_kind)info.child_kind[i], depth + 1);
		if (info.maker_len != 0)
			tiff_maker_note(c, v, info.maker_off, info.maker_len,
			                depth + 1);
	}
	return IFD_OK;
}

/*
 * Walks the directory at off and, for chained kinds, the ones its next
 * pointers lead to.  Junk where a non-first IFD should be ends the branch;
 * a directory past the limit marks the file truncated (unless soft).
 * Returns the status of the first directory.
 */
static enum tiff_ifd_status tiff_chain(struct tiff_ctx *c,
                                       const struct tiff_view *v, uint64_t off,
                                       enum tiff_kind kind, unsigned depth)
{
	enum tiff_ifd_status first = IFD_OK;

	for (unsigned i = 0; off != 0 && i < TIFF_MAX_IFDS; i++) {
		uint64_t next;
		enum tiff_ifd_status st = tiff_ifd(c, v, off, kind, depth, &next);

		if (i == 0)
			first = st;
		if (st == IFD_PAST && !v->soft)
			c->past = true;
		/* Junk where a pointer names a directory ends the branch:
		 * writers leave such pointers, so only a reader that asks
		 * for every check (reassembly trying blocks) takes it for
		 * a byte of another file. */
		if (st == IFD_BAD && !v->soft && (i > 0 || depth > 0) &&
		    c->br->thorough)
			tiff_bad(c, off);
		if (st != IFD_OK)
			break;
		if (kind != TIFF_MAIN && kind != TIFF_SUB)
			break;      /* EXIF, GPS, maker notes: one directory */
		off = next;
	}
	return first;
}

/* Walks a directory (and its chain) reached from inside another one. */
static void tiff_walk(struct tiff_ctx *c, const struct tiff_view *v,
                      uint64_t off, enum tiff_kind kind, unsigned depth)
{
	(void)tiff_chain(c, v, off, kind, depth);
}

/* Case-insensitive prefix test on the Make string. */
static bool tiff_make_is(const struct tiff_ctx *c, const char *prefix)
{
	return strncasecmp(c->make, prefix, strlen(prefix)) == 0;
}

/* The extension a RAW file of this make carries, or NULL. */
static const char *tiff_raw_ext(const struct tiff_ctx *c)
{
	if (tiff_make_is(c, "NIKON"))
		return "nef";
	if (tiff_make_is(c, "SONY"))
		return "arw";
	if (tiff_make_is(c, "OLYMPUS") || tiff_make_is(c, "OM Digital"))
		return "orf";
	if (tiff_make_is(c, "Panasonic"))
		return "rw2";
	if (tiff_make_is(c, "PENTAX") || tiff_make_is(c, "RICOH"))
		return "pef";
	return NULL;
}

/* "YYYY:MM:DD HH:MM:SS" becomes "YYYY-MM-DD HH:MM:SS"; others unchanged. */
static void tiff_meta_time(struct carve_result *res, const char *t)
{
	char buf[TIFF_STR];

	snprintf(buf, sizeof(buf), "%s", t);
	if (strlen(buf) >= 19 && buf[4] == ':' && buf[7] == ':' &&
	    buf[10] == ' ' && buf[13] == ':' && buf[16] == ':') {
		buf[4] = '-';
		buf[7] = '-';
	}
	carve_meta_add(res, "datetime", "%s", buf);
}

/*
 * Says from where the strips could not be checked: from the first
 * unchecked strip, but past every JPEG stream that starts after it (a
 * preview the directories name is the file's own, not news).
 */
static void tiff_unverified(const struct tiff_ctx *c, struct carve_result *res)
{
	uint64_t off = c->unv_lo;

	if (off >= c->end)
		return;
	for (unsigned i = 0; i < c->nanchor; i++)
		if (c->anchor_lo[i] >= c->unv_lo && c->anchor_hi[i] > off)
			off = c->anchor_hi[i];
	if (off >= c->end)
		return;
	res->unverified_off = off;
	res->unverified_why = c->raw_hint ? "raw sensor data not checked" :
	                      "strip data not checked";
}

/*
 * A first directory that is junk (written last, its bytes lost with the
 * rest of a file stored in pieces): when the file's data start right
 * after the header with a JPEG stream, as a writer that puts the
 * directory last lays JPEG strips out, the streams are decoded one after
 * another (with at most 3 zero bytes of padding between them), and the
 * first that stops decoding, or the first place where no stream starts,
 * is the fragmentation point.  It takes at least one whole stream to say
 * so; anything else stays a rejection.
 */
static void tiff_streams(struct tiff_ctx *c, uint64_t ifd0,
                         struct carve_result *res)
{
	struct jdec *dec = c->dec != NULL ? c->dec : jdec_new();
	struct jdec_fail fail;
	uint64_t off = 8, next;
	unsigned whole = 0, n = 0;
	bool cut = false, ended = false;
	/* Streams an earlier run decoded whole in the bytes this one shares
	 * (with no JPEGTables in force: each stream brings its own) are
	 * not decoded again. */
	struct carve_resume *rs = c->dec != NULL && c->tlen == 0 ? c->rs : NULL;

	if (dec == NULL) {
		carve_reject(res, "bad first IFD");
		return;
	}
	if (rs != NULL && rs->s_off != 0 && rs->s_off <= c->stable) {
		off = rs->s_off;
		whole = rs->s_whole;
		n = rs->s_n;
	}
	for (; n < TIFF_MAX_SOI && !cut && !ended; n++) {
		uint8_t b[3] = { 0, 0, 0 };
		size_t got = bread_read(c->br, off, b, 3);
		unsigned pad = 0;
		while (pad < 3 && got == 3 && b[0] == 0 && whole > 0) {
			pad++;
			got = bread_read(c->br, off + pad, b, 3);
		}
		if (got < 3) {
			ended = true;
			break;
		}
		off += pad;
		switch (jdec_stream(dec, c->br, off, c->limit, 0, &next, &fail)) {
		case JDEC_OK:
			whole++;
			off = next;
			if (rs != NULL && next + 16 <= c->stable &&
			    next > rs->s_off) {
				rs->s_off = next;
				rs->s_whole = whole;
				rs->s_n = n + 1;
			}
			break;
		case JDEC_FAIL:
			cut = true;
			break;
		default:
			ended = true;
			break;
		}
	}
	if (dec != c->dec)
		jdec_free(dec);
	if (whole == 0 || (!cut && !ended)) {
		carve_reject(res, "bad first IFD");
		return;
	}
	if (!cut) {
		carve_truncated(res, off, "bad first IFD; JPEG strips "
		                "decoded up to the end of the data");
		return;
	}
	/* The directory lies past where the data stop being the file's. */
	if (fail.bad > ifd0)
		fail.bad = ifd0;
	carve_truncated(res, fail.good < fail.bad ? fail.good : fail.bad,
	                "the first IFD and the JPEG strips before it are not "
	                "where the header says (fragmented?)");
	carve_note(res, CARVE_NOTE_FRAGMENT, fail.bad);
}

/* Checks the header, walks every directory and works out the end; with
 * dec, decoding every JPEG strip, tile and thumbnail, but those rs says
 * decoded before. */
static void tiff_walk_file(struct bread *br, struct carve_result *res,
                           struct jdec *dec, struct carve_resume *rs,
                           uint64_t stable)
{
	struct tiff_ctx c;
	uint8_t h[16];
	const char *ext = NULL;
	size_t got = bread_read(br, 0, h, sizeof(h));

	if (got < 8) {
		carve_reject(res, "no TIFF header");
		return;
	}
	memset(&c, 0, sizeof(c));
	c.br = br;
	c.dec = dec;
	c.rs = rs;
	c.stable = stable;
	c.limit = bread_size(br);
	c.dec_left = 2 * c.limit;
	c.entries_left = TIFF_MAX_ENTRIES;
	c.values_left = TIFF_MAX_VALUES;
	c.frag = UINT64_MAX;
	c.unv_lo = UINT64_MAX;
	c.soi_left = TIFF_MAX_SOI;
	if (memcmp(h, "II*\0", 4) == 0) {
		c.file_be = false;
	} else if (memcmp(h, "MM\0*", 4) == 0) {
		c.file_be = true;
	} else if (memcmp(h, "IIU\0", 4) == 0) {
		ext = "rw2";
	} else if (memcmp(h, "IIRO", 4) == 0 || memcmp(h, "IIRS", 4) == 0) {
		ext = "orf";
	} else if (memcmp(h, "MMOR", 4) == 0) {
		c.file_be = true;
		ext = "orf";
	} else {
		carve_reject(res, "no TIFF header");
		return;
	}

	struct tiff_view v = { .base = 0, .be = c.file_be, .soft = false };
	uint32_t ifd0 = tiff_mem32(h + 4, c.file_be);
	if (ifd0 < 8 || ifd0 >= c.limit) {
		carve_reject(res, "first IFD offset out of range");
		return;
	}
	c.end = 8;
	switch (tiff_chain(&c, &v, ifd0, TIFF_MAIN, 0)) {
	case IFD_OK:
		break;
	case IFD_PAST:
		carve_reject(res, "first IFD past the end");
		return;
	case IFD_BAD:
		tiff_streams(&c, ifd0, res);
		return;
	default:
		carve_reject(res, "bad first IFD");
		return;
	}
	/* CR2: "CR", version 2.0, and the raw IFD's offset after the header. */
	bool cr2 = got >= 16 && !c.file_be && memcmp(h + 8, "CR\x02\0", 4) == 0;
	if (cr2) {
		if (c.end < 16)
			c.end = 16;
		uint32_t raw_ifd = mem_le32(h + 12);
		if (raw_ifd >= 16)
			tiff_walk(&c, &v, raw_ifd, TIFF_MAIN, 0);
	}
	if (c.exhausted) {
		carve_reject(res, "too many IFD entries");
		return;
	}

	if (ext == NULL) {
		if (c.dng)
			ext = "dng";
		else if (cr2)
			ext = "cr2";
		else if (c.raw_hint)
			ext = tiff_raw_ext(&c);
	}
	res->ext = ext;
	if (c.width != 0 && c.height != 0) {
		carve_meta_add(res, "width", "%u", (unsigned)c.width);
		carve_meta_add(res, "height", "%u", (unsigned)c.height);
	}
	if (c.make[0] != '\0')
		carve_meta_add(res, "make", "%s", c.make);
	if (c.model[0] != '\0')
		carve_meta_add(res, "model", "%s", c.model);
	if (c.datetime_orig[0] != '\0')
		tiff_meta_time(res, c.datetime_orig);
	else if (c.datetime[0] != '\0')
		tiff_meta_time(res, c.datetime);
	if (c.frag < c.limit) {
		carve_truncated(res, c.frag_good, "a directory or JPEG stream "
		                "is not where the directories say (fragmented?)");
		carve_note(res, CARVE_NOTE_FRAGMENT, c.frag);
	} else if (c.past) {
		carve_truncated(res, c.limit, "references data past the end");
	} else {
		carve_accept(res, c.end);
		tiff_unverified(&c, res);
	}
}

static void tiff_check(struct bread *br, struct carve_result *res,
                       struct jdec *dec)
{
	tiff_walk_file(br, res, dec, NULL, 0);
}

/*
 * The directory walk alone decides a whole file's length.  JPEG strips,
 * tiles and thumbnails are decoded (jpeg_decode.h) when the caller asks
 * for every check (reassembly telling a right continuation from a wrong
 * one, or validating over a map of several extents such as a volume's
 * clusters) and when the walk finds the file cut short at a JPEG stream that
 * does not start with SOI, so that the fragmentation point is the first
 * byte that stops decoding, not the next strip start: a gap inside a
 * strip no longer passes for the strip's own data.  A file whose walk
 * ends cleanly is not decoded, so a clean scan costs what it did.
 */
static void tiff_validate(struct bread *br, struct carve_result *res)
{
	/* A map someone guessed (reassembly, the clusters of a volume a
	 * file may have used) comes with thorough set: the walk alone takes
	 * any cluster of the right length inside a strip for its own. */
	jdec_validate(br, res, br->thorough, tiff_check);
}

/*
 * tiff_validate for reassembly's tries of one candidate: over a map that
 * asks for every check, a JPEG strip or tile that decoded whole in an
 * earlier try, its bytes and its JPEGTables' wholly before stable, is not
 * decoded again (the directory walk is done in full).  A stream's
 * decoding depends on those bytes alone, so the verdict is
 * tiff_validate's.
 */
static void tiff_validate_resume(struct bread *br, struct carve_result *res,
                                 struct carve_resume **rs, uint64_t stable)
{
	if (!jdec_validate_resume(br, res, rs, sizeof(**rs), stable,
	                          tiff_walk_file))
		tiff_validate(br, res);
}

static void tiff_resume_free(struct carve_resume *rs)
{
	free(rs);
}

const struct format format_tiff = {
	.name = "tiff",
	.ext = "tif",
	.description = "TIFF image and TIFF-based camera RAW (NEF, CR2, DNG, "
	               "ARW, ORF, RW2, PEF)",
	FORMAT_SIGS(tiff_sigs),
	.align = 1,
	.min_size = 8 + 2 + 12 + 4,
	.max_size = TIFF_MAX_SIZE,
	.validate = tiff_validate,
	.validate_resume = tiff_validate_resume,
	.resume_free = tiff_resume_free,
};

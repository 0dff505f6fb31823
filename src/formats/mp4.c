/*
 * mp4.c - ISO base media files: MP4, QuickTime MOV, M4A, 3GP and HEIF.
 *
 * One format serves the whole family; res->ext names the member found from
 * the ftyp brands (a QuickTime file without ftyp is a .mov; Canon's CR3
 * raw photos are brand 'crx ').  This is the
 * format dashcam clips come in: H.264 in MP4 or MOV, usually with the moov
 * box written after the media data, often fragmented on a FAT32 stick.
 *
 * The validator walks the top-level boxes to where the sequence stops, then
 * checks the movie box against the media data: the sample tables must be
 * sane and bounded by their boxes, every chunk must lie inside an mdat, the
 * sample sizes must fit the mdat, and for H.264/H.265 tracks a spread of
 * samples must be made of well-formed length-prefixed NAL units.  Samples
 * of other codecs (AAC, CR3's CRAW images and CTMD records, recorders'
 * metadata) are only located.  The last
 * check is what tells a right set of clusters from a wrong one, so a
 * reassembly engine can judge a candidate extent map with the ordinary
 * verdict (see mp4_validate).  Fragmented files (moof/mdat pairs) get the
 * same checks on a spread of fragments; HEIF images (meta + mdat, no moov)
 * get their item locations checked.
 *
 * Nothing is allocated: the state is one struct on the stack, with fixed
 * room for the first tracks and mdats, and every loop is bounded by a box
 * size it has already checked or by an explicit limit.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/zeros.h"
#include "formats/format.h"
#include "formats/h264_decode.h"
#include "formats/mp4.h"

#define FCC(a, b, c, d)                                                    \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) |                   \
	 ((uint32_t)(c) << 8) | (uint32_t)(d))

#define MP4_MAX_SIZE (64ull << 30)
#define MP4_MAX_TOP_BOXES 1000000u  /* top-level boxes (moof/mdat pairs) */
#define MP4_MAX_UNKNOWN 8u          /* unknown top-level boxes in a row */
#define MP4_MAX_INNER_BOXES 100000u /* boxes inside one moov, moof or meta */
#define MP4_MAX_DEPTH 16u
#define MP4_MAX_TRACKS 32u          /* tracks examined; more are walked only */
#define MP4_MAX_MDATS 16u           /* mdats remembered one by one */
#define MP4_MAX_MOOV (256ull << 20)
#define MP4_MAX_FIRST_BOX (1u << 20) /* free/skip/wide opening a QuickTime file */
#define MP4_SPREAD 64u              /* samples checked per video track */
#define MP4_DENSE 4096u             /* samples rechecked to find the first bad */
#define MP4_THOROUGH (1u << 20)     /* samples checked per track for a
                                       reader that asks for every check */
#define MP4_FRAG_KEEP 128u          /* fragments kept for checking */
#define MP4_MAX_NALS 64u            /* NAL units walked in one sample */
#define MP4_SEAM_SPAN (16u << 10)   /* bytes each side of a seam whose NAL
                                       payload a thorough check reads */
#define MP4_NONE UINT64_MAX         /* no such offset or sample */
#define MP4_DECODE_SEAMS 8u         /* samples holding a seam decoded */
#define MP4_TAB_BUF 2048u
#define MP4_MAX_CTBO 16u            /* CR3 CTBO entries checked */

/* Days from 1904-01-01 (the QuickTime epoch) to 1970-01-01. */
#define MP4_EPOCH_DAYS 24107u

enum mp4_nal_kind { MP4_NAL_NONE, MP4_NAL_AVC, MP4_NAL_HEVC };

/* Boxes a track must have, one bit each. */
enum {
	MP4_TKHD = 1u << 0, MP4_MDHD = 1u << 1, MP4_HDLR = 1u << 2,
	MP4_STSD = 1u << 3, MP4_STSZ = 1u << 4, MP4_STZ2 = 1u << 5,
	MP4_STCO = 1u << 6, MP4_CO64 = 1u << 7, MP4_STSC = 1u << 8,
};

struct mp4_box {
	uint64_t off;       /* header start */
	uint64_t size;      /* header included */
	uint32_t type;
	uint32_t hdr;       /* 8, 16 with largesize, +16 for uuid */
	bool to_end;        /* size 0: runs to the end of the data */
};

struct mp4_track {
	uint32_t seen;              /* MP4_TKHD... */
	uint32_t id;
	uint32_t handler;
	uint32_t codec;
	uint16_t width, height;
	enum mp4_nal_kind nal;
	unsigned nal_len;           /* bytes of each NAL length prefix */
	uint32_t timescale;
	uint64_t frag_end;          /* media time the last fragment reaches */
	uint32_t trex_dur, trex_size;
	/* sample sizes: fixed, or sz_count entries of sz_bits at sz_off */
	uint64_t sz_off;
	uint32_t sz_count, sz_fixed;
	unsigned sz_bits;
	/* chunk offsets (4 or 8 bytes each) and sample-to-chunk runs */
	uint64_t co_off, sc_off;
	uint32_t co_count, sc_count;
	bool co64;
	/* the avcC record's payload, for decoding (0: none) */
	uint64_t cfg_off;
	uint32_t cfg_len;
};

/* An mdat payload; hi is the declared end, which may lie past the limit. */
struct mp4_range {
	uint64_t lo, hi;
};

/* The fragment being examined. */
struct mp4_frag {
	uint64_t moof_off;
	struct mp4_range mdat;      /* the mdat right after the moof */
	bool have_mdat;
	bool last;                  /* the last moof: its end times count */
	uint32_t seq;
	/* the current traf */
	struct mp4_track *t;
	bool tfhd;
	uint64_t base;              /* data offsets are relative to this */
	uint64_t next;              /* data of a trun without data_offset */
	uint64_t data_end;          /* end of the data of the trafs so far */
	uint32_t def_dur, def_size;
	uint64_t time;              /* tfdt, then advanced by durations */
};

struct mp4_file {
	struct bread *br;
	uint64_t limit;
	const char *why;
	const char *ext;

	/* top-level walk */
	uint64_t end;               /* end of the last whole box */
	bool overrun;               /* the box at end runs past the limit */
	uint32_t overrun_type;
	bool ftyp, heif;
	uint32_t major;
	struct mp4_box moov, meta;
	bool have_moov, have_meta;
	unsigned nmdat;             /* mdats seen (ranges kept: the first few) */
	struct mp4_range mdat[MP4_MAX_MDATS];
	struct mp4_range hull;      /* from the first mdat to the last */
	uint64_t mdat_bytes;        /* declared payload bytes of all mdats */
	bool mdat_to_end;
	uint64_t open_lo;           /* payload start of a size-0 mdat */
	uint64_t last_lo;           /* payload start of the last mdat */
	uint64_t nmoof, last_moof;
	uint64_t moofs[MP4_FRAG_KEEP];  /* every stride-th moof */
	unsigned nkeep;
	uint64_t stride;

	/* the movie box */
	unsigned nboxes;            /* budget of one inner walk */
	bool mvhd, mvex;
	uint32_t timescale;
	uint64_t duration, ctime, frag_duration;
	unsigned ntrack_all, ntrack;
	struct mp4_track trak[MP4_MAX_TRACKS];
	struct mp4_track *cur;
	bool in_trak;
	struct { uint32_t id, dur, size; } trex[MP4_MAX_TRACKS];
	unsigned ntrex;

	/* Canon CR3: the uuid box in the moov and its table of boxes */
	bool canon;
	unsigned nctbo;
	struct mp4_range ctbo[MP4_MAX_CTBO];

	/* HEIF items */
	bool pict, iloc;
	uint16_t img_w, img_h;
	uint32_t img_codec;

	struct mp4_frag frag;

	/* sample checks: the first byte found wrong, the first found right,
	 * and where the data shown right before bad_at end (where the check
	 * of the last good sample before the first bad one stopped vouching:
	 * its last NAL unit's payload start; bad_at when unknown) */
	uint64_t bad_at, good_at, bad_lo;
	const char *bad_why;
	/* when bad_at is a NAL length field that did not fit: the bytes its
	 * sample has after the field, and the field's size (else MP4_NONE) */
	uint64_t bad_room, bad_room_at;
	unsigned bad_nal_len;

	/* a caller's saved decodings (mp4_validate_resume), or NULL, and
	 * the bytes [0, stable) every run with it reads the same */
	struct carve_resume *rs;
	uint64_t stable;
	bool cut;                   /* some data lies past the limit */
};

static const char MP4_WHY_CODEC[] = "sample data does not match codec";
static const char MP4_WHY_SLICE[] = "H.264 slice data do not decode";
static const char MP4_WHY_NOMOOV[] = "no moov box (recording cut off)";

/* Records why the file is rejected; returns -1 for the caller to pass on. */
static int mp4_fail(struct mp4_file *f, const char *why)
{
	if (f->why == NULL)
		f->why = why;
	return -1;
}

static uint64_t mp4_sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t mp4_sat_mul(uint64_t a, uint64_t b)
{
	return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* Top-level box types of ISO/IEC 14496-12 and QuickTime. */
static bool mp4_top_known(uint32_t t)
{
	switch (t) {
	case FCC('f', 't', 'y', 'p'): case FCC('m', 'o', 'o', 'v'):
	case FCC('m', 'd', 'a', 't'): case FCC('f', 'r', 'e', 'e'):
	case FCC('s', 'k', 'i', 'p'): case FCC('w', 'i', 'd', 'e'):
	case FCC('u', 'u', 'i', 'd'): case FCC('m', 'e', 't', 'a'):
	case FCC('p', 'd', 'i', 'n'): case FCC('m', 'o', 'o', 'f'):
	case FCC('m', 'f', 'r', 'a'): case FCC('s', 't', 'y', 'p'):
	case FCC('s', 'i', 'd', 'x'): case FCC('s', 's', 'i', 'x'):
	case FCC('p', 'r', 'f', 't'): case FCC('e', 'm', 's', 'g'):
	case FCC('m', 'e', 'c', 'o'): case FCC('p', 'n', 'o', 't'):
	case FCC('P', 'I', 'C', 'T'): case FCC('p', 'r', 'f', 'l'):
	case FCC('u', 'd', 't', 'a'): case FCC('j', 'u', 'n', 'k'):
	case FCC('b', 'l', 'o', 'c'):
		return true;
	}
	return false;
}

/* A plausible vendor box type: letters, digits and spaces, a letter first. */
static bool mp4_vendor_type(uint32_t t)
{
	for (int i = 0; i < 4; i++) {
		uint8_t c = (uint8_t)(t >> (24 - 8 * i));
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		if (!alpha && (i == 0 || !((c >= '0' && c <= '9') || c == ' ')))
			return false;
	}
	return true;
}

/* Boxes whose payload is a sequence of boxes the validator looks into. */
static bool mp4_container(uint32_t t)
{
	switch (t) {
	case FCC('t', 'r', 'a', 'k'): case FCC('m', 'd', 'i', 'a'):
	case FCC('m', 'i', 'n', 'f'): case FCC('s', 't', 'b', 'l'):
	case FCC('e', 'd', 't', 's'): case FCC('d', 'i', 'n', 'f'):
	case FCC('m', 'v', 'e', 'x'): case FCC('t', 'r', 'a', 'f'):
	case FCC('i', 'p', 'r', 'p'): case FCC('i', 'p', 'c', 'o'):
		return true;
	}
	return false;
}

/*
 * Reads the box header at off, which must end by end.  Returns 0, or -1
 * when the bytes are not a well-formed header (sizes below the header
 * length, an unreadable largesize).  The size is not checked against end.
 */
static int mp4_box_read(struct bread *br, uint64_t off, uint64_t end,
                        struct mp4_box *b)
{
	if (off > end || end - off < 8)
		return -1;
	const uint8_t *p = bread_peek(br, off, 8);
	if (p == NULL)
		return -1;
	uint64_t have = 8;
	/* the largesize only when there is one: a box may end the source */
	if (mem_be32(p) == 1 && end - off >= 16) {
		if ((p = bread_peek(br, off, 16)) == NULL)
			return -1;
		have = 16;
	}
	struct mp4_box_hdr h;
	if (mp4_box_header(p, have, end - off, &h) != 0)
		return -1;
	b->off = off;
	b->type = h.type;
	b->hdr = h.hdr;
	b->size = h.size;
	b->to_end = h.to_end;
	if (b->type == FCC('u', 'u', 'i', 'd'))
		b->hdr += 16;
	if (b->size < b->hdr)
		return -1;
	return 0;
}

/* True for the four bytes of a readable brand (letters, digits, space...). */
static bool mp4_brand_ok(uint32_t v, bool zero_ok)
{
	if (v == 0)
		return zero_ok;
	for (int i = 0; i < 4; i++) {
		uint8_t c = (uint8_t)(v >> (24 - 8 * i));
		if (c < 0x20 || c > 0x7e)
			return false;
	}
	return true;
}

/* The extension a brand names, or NULL for brands that say nothing. */
static const char *mp4_brand_ext(uint32_t b, bool *heif)
{
	switch (b) {
	case FCC('q', 't', ' ', ' '):
		return "mov";
	case FCC('c', 'r', 'x', ' '):
		return "cr3";
	case FCC('M', '4', 'A', ' '): case FCC('M', '4', 'B', ' '):
	case FCC('M', '4', 'P', ' '):
		return "m4a";
	case FCC('h', 'e', 'i', 'c'): case FCC('h', 'e', 'i', 'x'):
	case FCC('h', 'e', 'v', 'c'): case FCC('h', 'e', 'v', 'x'):
	case FCC('m', 'i', 'f', '1'): case FCC('m', 's', 'f', '1'):
		*heif = true;
		return "heic";
	case FCC('a', 'v', 'i', 'f'): case FCC('a', 'v', 'i', 's'):
		*heif = true;
		return "avif";
	case FCC('i', 's', 'o', 'm'): case FCC('i', 's', 'o', '2'):
	case FCC('i', 's', 'o', '4'): case FCC('i', 's', 'o', '5'):
	case FCC('i', 's', 'o', '6'): case FCC('m', 'p', '4', '1'):
	case FCC('m', 'p', '4', '2'): case FCC('a', 'v', 'c', '1'):
	case FCC('d', 'a', 's', 'h'): case FCC('M', '4', 'V', ' '):
		return "mp4";
	}
	if ((b >> 8) == FCC(0, '3', 'g', 'p') || (b >> 8) == FCC(0, '3', 'g', '2'))
		return "3gp";
	return NULL;
}

/* Checks the ftyp box at 0 and derives the extension from its brands. */
static int mp4_ftyp(struct mp4_file *f, const struct mp4_box *b)
{
	bool heif = false;

	if (b->hdr != 8 || b->size < 16 || b->size > 4096 ||
	    (b->size - 16) % 4 != 0)
		return mp4_fail(f, "bad ftyp box");
	if (bread_be32(f->br, 8, &f->major) != 0 ||
	    !mp4_brand_ok(f->major, false))
		return mp4_fail(f, "bad ftyp box");
	f->ext = mp4_brand_ext(f->major, &heif);
	for (uint64_t o = 16; o < b->size; o += 4) {
		uint32_t c;
		if (bread_be32(f->br, o, &c) != 0 || !mp4_brand_ok(c, true))
			return mp4_fail(f, "bad ftyp box");
		bool h = false;
		const char *e = mp4_brand_ext(c, &h);
		if (f->ext == NULL && e != NULL)
			f->ext = e;
		/* A compatible HEIF brand matters only to an image file. */
		if (h && f->ext != NULL && (strcmp(f->ext, "heic") == 0 ||
		                            strcmp(f->ext, "avif") == 0))
			heif = true;
	}
	if (f->ext == NULL)
		f->ext = "mp4";
	f->heif = heif;
	f->ftyp = true;
	return 0;
}

/* Remembers one mdat payload [lo, hi); hi may lie past the limit. */
static void mp4_add_mdat(struct mp4_file *f, uint64_t lo, uint64_t hi)
{
	if (f->nmdat < MP4_MAX_MDATS)
		f->mdat[f->nmdat] = (struct mp4_range){ lo, hi };
	if (f->nmdat == 0)
		f->hull.lo = lo;
	f->hull.hi = hi;
	f->last_lo = lo;
	f->nmdat++;
	f->mdat_bytes = mp4_sat_add(f->mdat_bytes, hi - lo);
}

/*
 * Notes a moof.  Every stride-th one is kept; when the set fills, every
 * other one is dropped and the stride doubles, so what stays is spread
 * evenly over the file without a second walk over it.
 */
static void mp4_keep_moof(struct mp4_file *f, uint64_t off)
{
	uint64_t i = f->nmoof++;

	f->last_moof = off;
	if (i % f->stride != 0)
		return;
	if (f->nkeep == MP4_FRAG_KEEP) {
		for (unsigned k = 0; k < MP4_FRAG_KEEP / 2; k++)
			f->moofs[k] = f->moofs[2 * k];
		f->nkeep = MP4_FRAG_KEEP / 2;
		f->stride *= 2;
		if (i % f->stride != 0)
			return;
	}
	f->moofs[f->nkeep++] = off;
}

/*
 * Walks the top-level boxes from 0 to where the sequence stops: an unknown
 * or malformed header, a second ftyp or moov (the next file), the limit, or
 * a box running past the limit (f->overrun).  Returns 0 or -1.
 */
static int mp4_walk_top(struct mp4_file *f)
{
	uint64_t off = 0, known_end = 0;
	unsigned unknown = 0;

	for (unsigned n = 0;; n++) {
		struct mp4_box b;

		if (n >= MP4_MAX_TOP_BOXES)
			return mp4_fail(f, "too many boxes");
		if (mp4_box_read(f->br, off, f->limit, &b) != 0)
			break;
		if (!mp4_top_known(b.type)) {
			/*
			 * Cameras add boxes of their own (DJI's 'camd'...).
			 * A few well-formed ones are walked over, but the
			 * file ends after the last known box, so junk past
			 * the end cannot lengthen it.
			 */
			if (n == 0 || ++unknown > MP4_MAX_UNKNOWN ||
			    !mp4_vendor_type(b.type) || b.to_end ||
			    b.size > f->limit - off)
				break;
			off += b.size;
			continue;
		}
		unknown = 0;
		if (n == 0) {
			if (b.type == FCC('f', 't', 'y', 'p')) {
				if (mp4_ftyp(f, &b) != 0)
					return -1;
			} else if (b.type == FCC('m', 'o', 'o', 'v') ||
			           b.type == FCC('m', 'd', 'a', 't')) {
				f->ext = "mov";
			} else if ((b.type == FCC('f', 'r', 'e', 'e') ||
			            b.type == FCC('s', 'k', 'i', 'p') ||
			            b.type == FCC('w', 'i', 'd', 'e')) &&
			           b.size <= MP4_MAX_FIRST_BOX && !b.to_end) {
				f->ext = "mov";
			} else {
				return mp4_fail(f, "not an ISO-BMFF start");
			}
		} else if (b.type == FCC('f', 't', 'y', 'p') ||
		           (b.type == FCC('m', 'o', 'o', 'v') && f->have_moov)) {
			break;
		}
		/* Size 0 ("to the end of the file") is only sane for the
		 * media data a recorder was still writing, and no real movie
		 * box comes near MP4_MAX_MOOV. */
		if ((b.to_end && b.type != FCC('m', 'd', 'a', 't')) ||
		    (b.type == FCC('m', 'o', 'o', 'v') &&
		     b.size > MP4_MAX_MOOV))
			break;
		if (b.size > f->limit - off) {
			f->overrun = true;
			f->overrun_type = b.type;
			if (b.type == FCC('m', 'd', 'a', 't') &&
			    f->limit - off >= b.hdr)
				mp4_add_mdat(f, off + b.hdr,
				             mp4_sat_add(off, b.size));
			break;
		}
		switch (b.type) {
		case FCC('m', 'o', 'o', 'v'):
			f->moov = b;
			f->have_moov = true;
			break;
		case FCC('m', 'e', 't', 'a'):
			if (!f->have_meta) {
				f->meta = b;
				f->have_meta = true;
			}
			break;
		case FCC('m', 'd', 'a', 't'):
			/* Size 0: where the data ends is not known. */
			mp4_add_mdat(f, off + b.hdr,
			             b.to_end ? UINT64_MAX : off + b.size);
			f->mdat_to_end = b.to_end;
			f->open_lo = off + b.hdr;
			break;
		case FCC('m', 'o', 'o', 'f'):
			mp4_keep_moof(f, off);
			break;
		}
		off += b.size;
		known_end = off;
		if (b.to_end)
			break;
	}
	f->end = known_end;
	return 0;
}

/* ------------------------------------------------------------ movie box */

/* Reads version and flags of a full box; -1 when the payload is empty. */
static int mp4_fullbox(struct mp4_file *f, const struct mp4_box *b,
                       uint8_t *version, uint32_t *flags)
{
	uint32_t vf;

	if (b->size - b->hdr < 4 || bread_be32(f->br, b->off + b->hdr, &vf) != 0)
		return -1;
	*version = (uint8_t)(vf >> 24);
	*flags = vf & 0xffffff;
	return 0;
}

static int mp4_mvhd(struct mp4_file *f, const struct mp4_box *b)
{
	uint64_t p = b->off + b->hdr, len = b->size - b->hdr;
	uint32_t v32, flags;
	uint8_t ver;

	if (f->mvhd)
		return mp4_fail(f, "duplicate mvhd");
	if (mp4_fullbox(f, b, &ver, &flags) != 0 || ver > 1 ||
	    len < (ver == 1 ? 32u : 20u))
		return mp4_fail(f, "bad mvhd");
	if (ver == 1) {
		if (bread_be64(f->br, p + 4, &f->ctime) != 0 ||
		    bread_be32(f->br, p + 20, &f->timescale) != 0 ||
		    bread_be64(f->br, p + 24, &f->duration) != 0)
			return mp4_fail(f, "bad mvhd");
	} else {
		if (bread_be32(f->br, p + 4, &v32) != 0)
			return mp4_fail(f, "bad mvhd");
		f->ctime = v32;
		if (bread_be32(f->br, p + 12, &f->timescale) != 0 ||
		    bread_be32(f->br, p + 16, &v32) != 0)
			return mp4_fail(f, "bad mvhd");
		f->duration = v32 == UINT32_MAX ? UINT64_MAX : v32;
	}
	if (f->timescale == 0)
		return mp4_fail(f, "bad mvhd");
	f->mvhd = true;
	return 0;
}

/* Marks bit as seen in the current track; -1 on a duplicate. */
static int mp4_once(struct mp4_file *f, uint32_t bit)
{
	if (f->cur->seen & bit)
		return mp4_fail(f, "duplicate sample table box");
	f->cur->seen |= bit;
	return 0;
}

/* The avcC/hvcC inside a visual sample entry: NAL length size. */
static int mp4_codec_config(struct mp4_file *f, uint64_t off, uint64_t end)
{
	struct mp4_track *t = f->cur;

	t->nal_len = 4;
	for (unsigned n = 0; n < 32 && end - off >= 8; n++) {
		struct mp4_box c;
		uint8_t v, ver;

		if (mp4_box_read(f->br, off, end, &c) != 0 || c.to_end ||
		    c.size > end - off)
			break;  /* the config is what matters, not neighbours */
		if (t->nal == MP4_NAL_AVC && c.type == FCC('a', 'v', 'c', 'C')) {
			if (c.size - c.hdr < 5 ||
			    bread_u8(f->br, c.off + c.hdr, &ver) != 0 ||
			    bread_u8(f->br, c.off + c.hdr + 4, &v) != 0 ||
			    ver != 1 || (v & 3) == 2)
				return mp4_fail(f, "bad avcC");
			t->nal_len = (v & 3) + 1u;
			t->cfg_off = c.off + c.hdr;
			t->cfg_len = (uint32_t)(c.size - c.hdr);
			return 0;
		}
		if (t->nal == MP4_NAL_HEVC && c.type == FCC('h', 'v', 'c', 'C')) {
			if (c.size - c.hdr < 22 ||
			    bread_u8(f->br, c.off + c.hdr, &ver) != 0 ||
			    bread_u8(f->br, c.off + c.hdr + 21, &v) != 0 ||
			    ver != 1 || (v & 3) == 2)
				return mp4_fail(f, "bad hvcC");
			t->nal_len = (v & 3) + 1u;
			return 0;
		}
		off += c.size;
	}
	return 0;
}

/*
 * True for a video or sound track (or one whose handler is not known):
 * the tracks whose sample entries must be full visual or audio entries.
 * Their samples are checked by codec only where the codec is one the
 * validator knows (t->nal: avc1/avc3, hvc1/hev1); other video entries,
 * such as the CRAW images of a Canon CR3, are located like any sample.
 */
static bool mp4_media_track(const struct mp4_track *t)
{
	return !(t->seen & MP4_HDLR) || t->handler == FCC('v', 'i', 'd', 'e') ||
	       t->handler == FCC('s', 'o', 'u', 'n');
}

/* stsd: the first sample entry names the codec and, for video, the size. */
static int mp4_stsd(struct mp4_file *f, const struct mp4_box *b)
{
	struct mp4_track *t = f->cur;
	uint64_t p = b->off + b->hdr, end = b->off + b->size;
	uint32_t count;
	struct mp4_box e;

	if (b->size - b->hdr < 8 || bread_be32(f->br, p + 4, &count) != 0)
		return mp4_fail(f, "bad stsd");
	if (count == 0)
		return 0;
	if (mp4_box_read(f->br, p + 8, end, &e) != 0 || e.to_end ||
	    e.size > end - (p + 8))
		return mp4_fail(f, "bad stsd");
	t->codec = e.type;
	/*
	 * A video or sound entry holds at least its 8 reserved bytes; the
	 * timed metadata of recorders (GoPro gpmd, DJI djmd/dbgi, Sony
	 * rtmd) may be a bare box, and its samples are only located.
	 */
	if (!mp4_media_track(t)) {
		t->nal = MP4_NAL_NONE;
		return 0;
	}
	if (e.size < 16)
		return mp4_fail(f, "bad stsd");
	switch (e.type) {
	case FCC('a', 'v', 'c', '1'): case FCC('a', 'v', 'c', '3'):
		t->nal = MP4_NAL_AVC;
		break;
	case FCC('h', 'v', 'c', '1'): case FCC('h', 'e', 'v', '1'):
		t->nal = MP4_NAL_HEVC;
		break;
	}
	/* The visual sample entry holds 78 bytes before its child boxes. */
	if (e.size - e.hdr >= 78) {
		uint16_t w, h;
		if (bread_be16(f->br, e.off + e.hdr + 24, &w) == 0 &&
		    bread_be16(f->br, e.off + e.hdr + 26, &h) == 0) {
			t->width = w;
			t->height = h;
		}
		if (t->nal != MP4_NAL_NONE)
			return mp4_codec_config(f, e.off + e.hdr + 78,
			                        e.off + e.size);
	} else if (t->nal != MP4_NAL_NONE) {
		return mp4_fail(f, "bad stsd");
	}
	return 0;
}


/*
 * A sample table (stsz, stz2, stco, co64, stsc): its entry count must fit
 * the box, so no later loop trusts a count the bytes do not back.
 */
static int mp4_table(struct mp4_file *f, const struct mp4_box *b,
                     uint32_t bit)
{
	struct mp4_track *t = f->cur;
	uint64_t p = b->off + b->hdr, len = b->size - b->hdr;
	uint32_t count, fixed;
	uint8_t fs;

	if (mp4_once(f, bit) != 0)
		return -1;
	switch (bit) {
	case MP4_STSZ:
		if (len < 12 || bread_be32(f->br, p + 4, &fixed) != 0 ||
		    bread_be32(f->br, p + 8, &count) != 0)
			return mp4_fail(f, "bad stsz");
		if (fixed == 0 && len - 12 < (uint64_t)count * 4)
			break;
		t->sz_off = p + 12;
		t->sz_count = count;
		t->sz_fixed = fixed;
		t->sz_bits = 32;
		return 0;
	case MP4_STZ2:
		if (len < 12 || bread_u8(f->br, p + 7, &fs) != 0 ||
		    bread_be32(f->br, p + 8, &count) != 0 ||
		    (fs != 4 && fs != 8 && fs != 16))
			return mp4_fail(f, "bad stz2");
		if (len - 12 < ((uint64_t)count * fs + 7) / 8)
			break;
		t->sz_off = p + 12;
		t->sz_count = count;
		t->sz_fixed = 0;
		t->sz_bits = fs;
		return 0;
	case MP4_STCO:
	case MP4_CO64:
		if (len < 8 || bread_be32(f->br, p + 4, &count) != 0)
			return mp4_fail(f, "bad chunk offset table");
		if (len - 8 < (uint64_t)count * (bit == MP4_CO64 ? 8 : 4))
			break;
		t->co_off = p + 8;
		t->co_count = count;
		t->co64 = bit == MP4_CO64;
		return 0;
	default: /* MP4_STSC */
		if (len < 8 || bread_be32(f->br, p + 4, &count) != 0)
			return mp4_fail(f, "bad stsc");
		if (len - 8 < (uint64_t)count * 12)
			break;
		t->sc_off = p + 8;
		t->sc_count = count;
		return 0;
	}
	return mp4_fail(f, "sample table count exceeds its box");
}

/* tkhd, mdhd, hdlr of the current track. */
static int mp4_track_box(struct mp4_file *f, const struct mp4_box *b)
{
	struct mp4_track *t = f->cur;
	uint64_t p = b->off + b->hdr, len = b->size - b->hdr;
	uint32_t flags;
	uint8_t ver;

	if (mp4_fullbox(f, b, &ver, &flags) != 0 || ver > 1)
		return mp4_fail(f, "bad track header");
	switch (b->type) {
	case FCC('t', 'k', 'h', 'd'):
		if (mp4_once(f, MP4_TKHD) != 0 || len < (ver ? 24u : 16u) ||
		    bread_be32(f->br, p + (ver ? 20 : 12), &t->id) != 0)
			return mp4_fail(f, "bad track header");
		return 0;
	case FCC('m', 'd', 'h', 'd'):
		if (mp4_once(f, MP4_MDHD) != 0 || len < (ver ? 24u : 16u) ||
		    bread_be32(f->br, p + (ver ? 20 : 12), &t->timescale) != 0)
			return mp4_fail(f, "bad track header");
		return 0;
	default: /* hdlr */
		if (mp4_once(f, MP4_HDLR) != 0 || len < 12 ||
		    bread_be32(f->br, p + 8, &t->handler) != 0)
			return mp4_fail(f, "bad track header");
		return 0;
	}
}

/* Reads an unsigned field of n bytes (0, 2, 4 or 8) at *p and steps past. */
static int mp4_uint(struct bread *br, uint64_t *p, uint64_t end, unsigned n,
                    uint64_t *v)
{
	uint32_t v32;
	uint16_t v16;

	if (end < *p || end - *p < n)
		return -1;
	switch (n) {
	case 0:
		*v = 0;
		break;
	case 2:
		if (bread_be16(br, *p, &v16) != 0)
			return -1;
		*v = v16;
		break;
	case 4:
		if (bread_be32(br, *p, &v32) != 0)
			return -1;
		*v = v32;
		break;
	case 8:
		if (bread_be64(br, *p, v) != 0)
			return -1;
		break;
	default:
		return -1;
	}
	*p += n;
	return 0;
}

enum mp4_where { MP4_IN, MP4_CUT, MP4_OUT };

/*
 * Where [off, off+len) lies: wholly inside the payload of an mdat and
 * readable (MP4_IN), inside an mdat that runs past the limit (MP4_CUT), or
 * outside every mdat (MP4_OUT).
 */
static enum mp4_where mp4_locate(const struct mp4_file *f, uint64_t off,
                                 uint64_t len)
{
	unsigned n = f->nmdat < MP4_MAX_MDATS ? f->nmdat : MP4_MAX_MDATS;
	const struct mp4_range *r = NULL;

	for (unsigned i = 0; i < n && r == NULL; i++)
		if (off >= f->mdat[i].lo && off <= f->mdat[i].hi &&
		    len <= f->mdat[i].hi - off)
			r = &f->mdat[i];
	/* Past the remembered mdats, the span from the first to the last. */
	if (r == NULL && f->nmdat > MP4_MAX_MDATS && off >= f->hull.lo &&
	    off <= f->hull.hi && len <= f->hull.hi - off)
		r = &f->hull;
	if (r == NULL)
		return MP4_OUT;
	return off > f->limit || len > f->limit - off ? MP4_CUT : MP4_IN;
}

/* HEIF iloc: every extent stored in the file must lie inside it. */
static int mp4_iloc(struct mp4_file *f, const struct mp4_box *b)
{
	uint64_t p = b->off + b->hdr + 4, end = b->off + b->size, v;
	uint64_t count, id, cm, dri, base, next, eoff, elen, skip;
	uint32_t flags;
	uint8_t ver, s1, s2;

	if (f->iloc)
		return mp4_fail(f, "duplicate iloc");
	f->iloc = true;
	if (mp4_fullbox(f, b, &ver, &flags) != 0 || ver > 2 ||
	    end - p < 2 || bread_u8(f->br, p, &s1) != 0 ||
	    bread_u8(f->br, p + 1, &s2) != 0)
		return mp4_fail(f, "bad iloc");
	p += 2;
	unsigned osz = s1 >> 4, lsz = s1 & 15, bsz = s2 >> 4;
	unsigned isz = ver >= 1 ? (s2 & 15u) : 0;
	if (mp4_uint(f->br, &p, end, ver < 2 ? 2 : 4, &count) != 0)
		return mp4_fail(f, "bad iloc");
	/* Each item takes at least six bytes: the loop ends with the box. */
	for (uint64_t i = 0; i < count; i++) {
		if (mp4_uint(f->br, &p, end, ver < 2 ? 2 : 4, &id) != 0 ||
		    mp4_uint(f->br, &p, end, ver >= 1 ? 2 : 0, &cm) != 0 ||
		    mp4_uint(f->br, &p, end, 2, &dri) != 0 ||
		    mp4_uint(f->br, &p, end, bsz, &base) != 0 ||
		    mp4_uint(f->br, &p, end, 2, &next) != 0)
			return mp4_fail(f, "bad iloc");
		for (uint64_t e = 0; e < next; e++) {
			if (mp4_uint(f->br, &p, end, isz, &skip) != 0 ||
			    mp4_uint(f->br, &p, end, osz, &eoff) != 0 ||
			    mp4_uint(f->br, &p, end, lsz, &elen) != 0)
				return mp4_fail(f, "bad iloc");
			/* Only file-offset extents of this file are ours. */
			if ((cm & 15) != 0 || dri != 0)
				continue;
			if (eoff > UINT64_MAX - base)
				return mp4_fail(f, "item extent outside the file");
			v = base + eoff;
			switch (mp4_locate(f, v, elen)) {
			case MP4_IN:
				break;
			case MP4_CUT:
				f->cut = true;
				break;
			case MP4_OUT:
				if (v > f->end || elen > f->end - v)
					return mp4_fail(f, "item extent outside the file");
			}
		}
	}
	return 0;
}

/* HEIF properties: the first image size and codec configuration. */
static int mp4_iprop(struct mp4_file *f, const struct mp4_box *b)
{
	uint32_t w, h;

	if (b->type == FCC('i', 's', 'p', 'e')) {
		if (b->size - b->hdr < 12 ||
		    bread_be32(f->br, b->off + b->hdr + 4, &w) != 0 ||
		    bread_be32(f->br, b->off + b->hdr + 8, &h) != 0)
			return mp4_fail(f, "bad ispe");
		if (f->img_w == 0 && w <= UINT16_MAX && h <= UINT16_MAX) {
			f->img_w = (uint16_t)w;
			f->img_h = (uint16_t)h;
		}
	} else if (f->img_codec == 0) {
		f->img_codec = b->type == FCC('h', 'v', 'c', 'C') ?
			FCC('h', 'v', 'c', '1') : FCC('a', 'v', '0', '1');
	}
	return 0;
}

/* ------------------------------------------------------------ fragments */

/* Records evidence that the data from at on is wrong, and that those up
 * to lo <= at were shown right. */
static void mp4_bad_after(struct mp4_file *f, uint64_t lo, uint64_t at,
                          const char *why)
{
	if (at < f->bad_at) {
		f->bad_at = at;
		f->bad_lo = lo <= at ? lo : at;
		f->bad_why = why;
		f->bad_room = MP4_NONE;
	}
}

/* Records evidence that the data from at on is wrong. */
static void mp4_bad(struct mp4_file *f, uint64_t at, const char *why)
{
	mp4_bad_after(f, at, at, why);
}

static void mp4_good(struct mp4_file *f, uint64_t at)
{
	if (at < f->good_at)
		f->good_at = at;
}

static bool mp4_avc_header(uint8_t b)
{
	unsigned type = b & 31, ref = (b >> 5) & 3;

	if (b & 0x80)
		return false;
	/* 0 and 24..31 are unspecified, 16..18 and 22..23 reserved. */
	if (type == 0 || (type >= 16 && type <= 18) || type >= 22)
		return false;
	/* H.264 7.4.1: an IDR is a reference, SEI/AUD/end/filler are not. */
	if (type == 5 && ref == 0)
		return false;
	if ((type == 6 || (type >= 9 && type <= 12)) && ref != 0)
		return false;
	return true;
}

static bool mp4_hevc_header(uint8_t b0, uint8_t b1)
{
	unsigned type = (b0 >> 1) & 63, layer = ((b0 & 1u) << 5) | (b1 >> 3);

	if (b0 & 0x80 || (b1 & 7) == 0)
		return false;
	/* VCL 0..9 and 16..21, parameter sets and SEI 32..40; the rest is
	 * reserved or unspecified.  Layer 1 appears in MV-HEVC (stereo). */
	if (!(type <= 9 || (type >= 16 && type <= 21) ||
	      (type >= 32 && type <= 40)))
		return false;
	return layer <= 1;
}

/* The one- or two-byte NAL unit header at p is valid for the track. */
static bool mp4_nal_header(const struct mp4_track *t, const uint8_t *p)
{
	return t->nal == MP4_NAL_AVC ? mp4_avc_header(p[0]) :
	       mp4_hevc_header(p[0], p[1]);
}

/*
 * True when the NAL unit [lo, end) holds none of what emulation
 * prevention keeps out of one, in the bytes from lo to hi: 00 00 00,
 * 00 00 01, 00 00 02, and 00 00 03 followed by a byte above 3; nor does
 * it end with 00 (H.264 7.4.1, H.265 7.4.2).  Otherwise *bad is the byte
 * that broke the rule.  Such bytes are what a run of zeros or another
 * file's structure leaves inside a unit; random data rarely has them,
 * so this tells a seam's wrong place only in the former.  Bytes that
 * cannot be read are not judged.
 */
static bool mp4_unit_clean(struct bread *br, uint64_t lo, uint64_t hi,
                           uint64_t end, uint64_t *bad)
{
	const size_t step = 4096;

	if (hi > end)
		hi = end;
	while (lo < hi) {
		/* the triples starting in [lo, lo + k), with a byte more */
		uint64_t k = hi - lo < step ? hi - lo : step;
		size_t n = (size_t)(end - lo < k + 3 ? end - lo : k + 3);
		const uint8_t *p = bread_peek(br, lo, n);
		if (p == NULL)
			return true;
		/* pairs of zeros starting before k */
		size_t lim = n < k + 1 ? n : (size_t)k + 1;
		for (size_t q = 0; q + 1 < lim; q++) {
			const uint8_t *z = zero_pair(p + q, lim - q);
			if (z == NULL)
				break;
			q = (size_t)(z - p);
			if (q + 2 >= n)
				continue;
			if (p[q + 2] <= 2) {
				*bad = lo + q + 2;
				return false;
			}
			if (p[q + 2] == 3 && q + 3 < n && p[q + 3] > 3) {
				*bad = lo + q + 3;
				return false;
			}
		}
		lo += k;
	}
	uint8_t last;
	if (hi == end && bread_u8(br, end - 1, &last) == 0 && last == 0) {
		*bad = end - 1;
		return false;
	}
	return true;
}

/*
 * A thorough check of the NAL unit [lo, end) where the reader's pieces
 * meet inside it: its bytes round each seam (MP4_SEAM_SPAN either side)
 * must be clean (mp4_unit_clean).  The lengths of the units round a seam
 * place it only to within a unit; a seam moved inside a unit's payload
 * onto a run of zeros breaks the rule there.
 */
static bool mp4_seams_clean(struct bread *br, uint64_t lo, uint64_t end,
                            uint64_t *bad)
{
	uint64_t done = lo;

	for (unsigned n = 0; n < 256; n++) {
		uint64_t s = bread_seam_in(br, done, end);
		if (s == UINT64_MAX)
			return true;
		uint64_t a = s - lo > MP4_SEAM_SPAN ? s - MP4_SEAM_SPAN : lo;
		uint64_t b = end - s > MP4_SEAM_SPAN ? s + MP4_SEAM_SPAN : end;
		if (a < done)
			a = done;
		if (!mp4_unit_clean(br, a, b, end, bad))
			return false;
		done = b > s ? b : s + 1;
	}
	return true;
}

/*
 * True when the sample [off, off+size) is a run of length-prefixed NAL
 * units that tiles it exactly (the first MP4_MAX_NALS of them are looked
 * at); *bad_at is then where the last unit's payload starts, the first
 * byte the walk vouches for no more (payloads are not checked, except
 * round seams by a thorough reader).  Otherwise *bad_at is where the walk
 * found the first wrong byte, and *room, when that is a length field, the
 * bytes the sample holds after the field (else MP4_NONE).
 */
static bool mp4_nal_ok(struct bread *br, const struct mp4_track *t,
                       uint64_t off, uint64_t size, uint64_t *bad_at,
                       uint64_t *room)
{
	unsigned ln = t->nal_len, hl = t->nal == MP4_NAL_HEVC ? 2 : 1;
	uint64_t pos = off, end = off + size;

	for (unsigned n = 0; n < MP4_MAX_NALS && pos < end; n++) {
		*bad_at = pos;
		*room = MP4_NONE;
		if (end - pos < ln + hl)
			return false;
		*room = end - pos - ln;
		const uint8_t *p = bread_peek(br, pos, ln + hl);
		if (p == NULL)
			return false;
		uint64_t len = mem_be_n(p, ln);
		if (len < hl || len > end - pos - ln)
			return false;
		if (!mp4_nal_header(t, p + ln))
			return false;
		if (br->thorough &&
		    !mp4_seams_clean(br, pos + ln, pos + ln + len, bad_at)) {
			*room = MP4_NONE;
			return false;
		}
		*bad_at = pos + ln + hl;
		pos += ln + len;
	}
	return true;
}

/*
 * True when the sample starts with an Annex B start code and a valid NAL
 * header: some recorders write their elementary stream into avc1 samples
 * unchanged, and players cope.
 */
static bool mp4_annexb(struct bread *br, const struct mp4_track *t,
                       uint64_t off, uint64_t size)
{
	const uint8_t *p = size >= 6 ? bread_peek(br, off, 6) : NULL;

	if (p == NULL || p[0] != 0 || p[1] != 0)
		return false;
	if (p[2] == 1)
		return mp4_nal_header(t, p + 3);
	return p[2] == 0 && p[3] == 1 && mp4_nal_header(t, p + 4);
}

/* A sample is right when it is length-prefixed NAL units, or Annex B;
 * *bad_at as mp4_nal_ok's (for Annex B, right: the sample's start). */
static bool mp4_sample_ok(struct bread *br, const struct mp4_track *t,
                          uint64_t off, uint64_t size, uint64_t *bad_at,
                          uint64_t *room)
{
	if (mp4_nal_ok(br, t, off, size, bad_at, room))
		return true;
	if (!mp4_annexb(br, t, off, size))
		return false;
	*bad_at = off;
	return true;
}

/* Checks one sample of a fragment; returns false when it is wrong. */
static bool mp4_frag_sample(struct mp4_file *f, const struct mp4_track *t,
                            uint64_t off, uint64_t size)
{
	uint64_t bad, room;

	if (t->nal == MP4_NAL_NONE || size == 0 ||
	    mp4_locate(f, off, size) != MP4_IN)
		return true;
	if (mp4_sample_ok(f->br, t, off, size, &bad, &room)) {
		mp4_good(f, off);
		return true;
	}
	return false;
}

static struct mp4_track *mp4_track_by_id(struct mp4_file *f, uint32_t id)
{
	for (unsigned i = 0; i < f->ntrack; i++)
		if (f->trak[i].id == id)
			return &f->trak[i];
	return NULL;
}

/* tfhd: the track this traf describes and its defaults. */
static int mp4_tfhd(struct mp4_file *f, const struct mp4_box *b)
{
	struct mp4_frag *g = &f->frag;
	uint64_t p = b->off + b->hdr + 4, end = b->off + b->size, v;
	uint32_t flags, id;
	uint8_t ver;

	if (g->tfhd || mp4_fullbox(f, b, &ver, &flags) != 0 ||
	    bread_be32(f->br, p, &id) != 0)
		return mp4_fail(f, "bad movie fragment");
	p += 4;
	g->t = mp4_track_by_id(f, id);
	if (g->t == NULL)
		return mp4_fail(f, "bad movie fragment");
	g->tfhd = true;
	g->def_dur = g->t->trex_dur;
	g->def_size = g->t->trex_size;
	/* Data offsets count from the moof unless told otherwise; a later
	 * traf without either flag follows the previous traf's data. */
	if (!(flags & 0x20000) && g->data_end != 0)
		g->base = g->data_end;
	else
		g->base = g->moof_off;
	if (flags & 0x1) {
		if (mp4_uint(f->br, &p, end, 8, &g->base) != 0)
			return mp4_fail(f, "bad movie fragment");
	}
	if ((flags & 0x2) && mp4_uint(f->br, &p, end, 4, &v) != 0)
		return mp4_fail(f, "bad movie fragment");
	if (flags & 0x8) {
		if (mp4_uint(f->br, &p, end, 4, &v) != 0)
			return mp4_fail(f, "bad movie fragment");
		g->def_dur = (uint32_t)v;
	}
	if (flags & 0x10) {
		if (mp4_uint(f->br, &p, end, 4, &v) != 0)
			return mp4_fail(f, "bad movie fragment");
		g->def_size = (uint32_t)v;
	}
	g->next = g->base;
	g->time = 0;
	return 0;
}

/* A buffered cursor over a table of fixed-size entries. */
struct mp4_tab {
	struct bread *br;
	uint64_t off;       /* next byte to fetch */
	uint64_t left;      /* entries not yet returned */
	unsigned esz;
	size_t pos, len;
	uint8_t buf[MP4_TAB_BUF];
};

static void mp4_tab_init(struct mp4_tab *t, struct bread *br, uint64_t off,
                         uint64_t count, unsigned esz)
{
	t->br = br;
	t->off = off;
	t->left = count;
	t->esz = esz;
	t->pos = 0;
	t->len = 0;
}

/* The next entry, or NULL when the table is done or unreadable. */
static const uint8_t *mp4_tab_next(struct mp4_tab *t)
{
	if (t->left == 0 || t->esz == 0)
		return NULL;
	if (t->len - t->pos < t->esz) {
		size_t n = sizeof(t->buf) / t->esz * t->esz;
		if (t->left < n / t->esz)
			n = (size_t)t->left * t->esz;
		if (bread_read(t->br, t->off, t->buf, n) != n)
			return NULL;
		t->off += n;
		t->pos = 0;
		t->len = n;
	}
	const uint8_t *e = t->buf + t->pos;
	t->pos += t->esz;
	t->left--;
	return e;
}

/* trun: its samples must lie in the fragment's mdat and look right. */
static int mp4_trun(struct mp4_file *f, const struct mp4_box *b)
{
	struct mp4_frag *g = &f->frag;
	struct mp4_track *t = g->t;
	uint64_t p = b->off + b->hdr + 4, end = b->off + b->size, v;
	uint64_t start, pos, count;
	uint32_t flags;
	uint8_t ver;
	struct mp4_tab tab;

	if (!g->tfhd || mp4_fullbox(f, b, &ver, &flags) != 0 ||
	    mp4_uint(f->br, &p, end, 4, &count) != 0)
		return mp4_fail(f, "bad movie fragment");
	start = g->next;
	if (flags & 0x1) {
		if (mp4_uint(f->br, &p, end, 4, &v) != 0)
			return mp4_fail(f, "bad movie fragment");
		int64_t d = (int32_t)(uint32_t)v;
		if (d < 0 ? (uint64_t)-d > g->base :
		    (uint64_t)d > UINT64_MAX - g->base)
			return mp4_fail(f, "bad movie fragment");
		start = d < 0 ? g->base - (uint64_t)-d : g->base + (uint64_t)d;
	}
	if ((flags & 0x4) && mp4_uint(f->br, &p, end, 4, &v) != 0)
		return mp4_fail(f, "bad movie fragment");
	unsigned esz = 0;
	for (unsigned bit = 0x100; bit <= 0x800; bit <<= 1)
		esz += flags & bit ? 4 : 0;
	if ((end - p) < count * esz)
		return mp4_fail(f, "sample table count exceeds its box");
	mp4_tab_init(&tab, f->br, p, esz ? count : 0, esz);
	pos = start;
	for (uint64_t i = 0; i < count; i++) {
		uint32_t dur = g->def_dur, size = g->def_size;
		if (esz != 0) {
			const uint8_t *e = mp4_tab_next(&tab);
			if (e == NULL)
				return mp4_fail(f, "bad movie fragment");
			if (flags & 0x100) {
				dur = mem_be32(e);
				e += 4;
			}
			if (flags & 0x200)
				size = mem_be32(e);
		} else if (count > 2 && i == 1) {
			/* Every sample alike: jump to the last one. */
			pos = mp4_sat_add(pos, mp4_sat_mul(count - 2, size));
			g->time = mp4_sat_add(g->time,
			                      mp4_sat_mul(count - 2, dur));
			i = count - 1;
		}
		/* The first and last sample of each run are checked. */
		if ((i == 0 || i == count - 1) &&
		    !mp4_frag_sample(f, t, pos, size))
			mp4_bad(f, g->moof_off, MP4_WHY_CODEC);
		pos = mp4_sat_add(pos, size);
		g->time = mp4_sat_add(g->time, dur);
	}
	/* The run's data must sit in the mdat that follows the moof (or,
	 * failing that, in some mdat). */
	if (pos == start) {
		/* no data */
	} else if (g->have_mdat && start >= g->mdat.lo && pos <= g->mdat.hi) {
		if (pos > f->limit)
			f->cut = true;
	} else {
		switch (mp4_locate(f, start, pos - start)) {
		case MP4_IN:
			break;
		case MP4_CUT:
			f->cut = true;
			break;
		case MP4_OUT:
			mp4_bad(f, g->moof_off, "bad movie fragment");
		}
	}
	g->next = pos;
	if (pos > g->data_end)
		g->data_end = pos;
	return 0;
}

/* tfdt: the decode time the traf starts at. */
static int mp4_tfdt(struct mp4_file *f, const struct mp4_box *b)
{
	uint64_t p = b->off + b->hdr + 4, end = b->off + b->size;
	uint32_t flags;
	uint8_t ver;

	if (!f->frag.tfhd || mp4_fullbox(f, b, &ver, &flags) != 0 ||
	    mp4_uint(f->br, &p, end, ver == 1 ? 8 : 4, &f->frag.time) != 0)
		return mp4_fail(f, "bad movie fragment");
	return 0;
}

/* ------------------------------------------------------------ Canon CR3 */

/* The uuid of the box in a CR3's moov that holds Canon's own boxes. */
static const uint8_t mp4_canon_uuid[16] = {
	0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0,
	0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48,
};

/*
 * CTBO: Canon's table of the file's top-level boxes (XMP and preview uuid
 * boxes, the mdat), count then entries of index, offset and size.  The
 * first MP4_MAX_CTBO are kept to be checked against the box walk.
 */
static int mp4_ctbo(struct mp4_file *f, const struct mp4_box *b)
{
	uint64_t p = b->off + b->hdr, len = b->size - b->hdr;
	uint32_t count;

	if (len < 4 || bread_be32(f->br, p, &count) != 0 ||
	    (uint64_t)count * 20 > len - 4)
		return mp4_fail(f, "bad Canon CTBO box");
	for (uint32_t i = 0; i < count && f->nctbo < MP4_MAX_CTBO; i++) {
		uint64_t off, size;
		if (bread_be64(f->br, p + 8 + 20 * (uint64_t)i, &off) != 0 ||
		    bread_be64(f->br, p + 16 + 20 * (uint64_t)i, &size) != 0)
			return mp4_fail(f, "bad Canon CTBO box");
		f->ctbo[f->nctbo++] = (struct mp4_range){
			off, mp4_sat_add(off, size) };
	}
	return 0;
}

/*
 * The Canon uuid box of a CR3's moov: a sequence of boxes (CNCV, CCTP,
 * CTBO, CMT1..CMT4, THMB...) that must fill it exactly and name the
 * compressor version.  Returns 0 or -1.
 */
static int mp4_canon(struct mp4_file *f, const struct mp4_box *b)
{
	uint64_t off = b->off + b->hdr, end = b->off + b->size;
	bool cncv = false;

	if (f->canon)
		return mp4_fail(f, "duplicate Canon uuid box");
	while (off < end) {
		struct mp4_box c;

		if (++f->nboxes > MP4_MAX_INNER_BOXES)
			return mp4_fail(f, "too many boxes");
		if (mp4_box_read(f->br, off, end, &c) != 0 || c.to_end ||
		    c.size > end - off)
			return mp4_fail(f, "bad Canon uuid box");
		if (c.type == FCC('C', 'N', 'C', 'V'))
			cncv = true;
		else if (c.type == FCC('C', 'T', 'B', 'O') &&
		         mp4_ctbo(f, &c) != 0)
			return -1;
		off += c.size;
	}
	if (!cncv)
		return mp4_fail(f, "bad Canon uuid box");
	f->canon = true;
	return 0;
}

/*
 * The boxes CTBO lists must be the file's: one running past the data
 * means the file was cut; one ending past the last box walked, inside the
 * data, means the box sequence there is not this file's.
 */
static int mp4_ctbo_check(struct mp4_file *f)
{
	for (unsigned i = 0; i < f->nctbo; i++) {
		const struct mp4_range *r = &f->ctbo[i];
		if (r->hi == r->lo)
			continue;   /* an unused entry */
		if (r->hi > f->limit)
			f->cut = true;
		else if (r->hi > f->end && !f->mdat_to_end)
			return mp4_fail(f, "Canon CTBO box past the file's end");
	}
	return 0;
}

/* ------------------------------------------------------------ the walk */

static int mp4_leaf(struct mp4_file *f, uint32_t parent,
                    const struct mp4_box *b)
{
	uint64_t p = b->off + b->hdr, len = b->size - b->hdr;
	uint32_t v32, flags;
	uint8_t ver;

	switch (b->type) {
	case FCC('m', 'v', 'h', 'd'):
		return parent == FCC('m', 'o', 'o', 'v') ? mp4_mvhd(f, b) : 0;
	case FCC('t', 'k', 'h', 'd'): case FCC('m', 'd', 'h', 'd'):
		if (f->cur == NULL)
			return 0;
		return mp4_track_box(f, b);
	case FCC('h', 'd', 'l', 'r'):
		if (parent == FCC('m', 'e', 't', 'a')) {
			if (len < 12 || bread_be32(f->br, p + 8, &v32) != 0)
				return mp4_fail(f, "bad hdlr");
			f->pict = v32 == FCC('p', 'i', 'c', 't');
			return 0;
		}
		if (f->cur == NULL || parent != FCC('m', 'd', 'i', 'a'))
			return 0;
		return mp4_track_box(f, b);
	case FCC('s', 't', 's', 'd'):
		if (f->cur == NULL)
			return 0;
		if (mp4_once(f, MP4_STSD) != 0)
			return -1;
		return mp4_stsd(f, b);
	case FCC('s', 't', 's', 'z'):
		return f->cur ? mp4_table(f, b, MP4_STSZ) : 0;
	case FCC('s', 't', 'z', '2'):
		return f->cur ? mp4_table(f, b, MP4_STZ2) : 0;
	case FCC('s', 't', 'c', 'o'):
		return f->cur ? mp4_table(f, b, MP4_STCO) : 0;
	case FCC('c', 'o', '6', '4'):
		return f->cur ? mp4_table(f, b, MP4_CO64) : 0;
	case FCC('s', 't', 's', 'c'):
		return f->cur ? mp4_table(f, b, MP4_STSC) : 0;
	case FCC('m', 'e', 'h', 'd'):
		if (mp4_fullbox(f, b, &ver, &flags) != 0)
			return mp4_fail(f, "bad mehd");
		p += 4;
		if (mp4_uint(f->br, &p, b->off + b->size, ver == 1 ? 8 : 4,
		             &f->frag_duration) != 0)
			return mp4_fail(f, "bad mehd");
		return 0;
	case FCC('t', 'r', 'e', 'x'):
		if (len < 24)
			return mp4_fail(f, "bad trex");
		if (f->ntrex < MP4_MAX_TRACKS) {
			if (bread_be32(f->br, p + 4, &f->trex[f->ntrex].id) != 0 ||
			    bread_be32(f->br, p + 12, &f->trex[f->ntrex].dur) != 0 ||
			    bread_be32(f->br, p + 16, &f->trex[f->ntrex].size) != 0)
				return mp4_fail(f, "bad trex");
			f->ntrex++;
		}
		return 0;
	case FCC('m', 'f', 'h', 'd'):
		if (parent != FCC('m', 'o', 'o', 'f'))
			return 0;
		if (len < 8 || bread_be32(f->br, p + 4, &v32) != 0)
			return mp4_fail(f, "bad movie fragment");
		f->frag.seq = v32;
		return 0;
	case FCC('t', 'f', 'h', 'd'):
		return parent == FCC('t', 'r', 'a', 'f') ? mp4_tfhd(f, b) : 0;
	case FCC('t', 'f', 'd', 't'):
		return parent == FCC('t', 'r', 'a', 'f') ? mp4_tfdt(f, b) : 0;
	case FCC('t', 'r', 'u', 'n'):
		return parent == FCC('t', 'r', 'a', 'f') ? mp4_trun(f, b) : 0;
	case FCC('u', 'u', 'i', 'd'): {
		const uint8_t *u;
		if (parent != FCC('m', 'o', 'o', 'v'))
			return 0;
		u = bread_peek(f->br, b->hdr == 24 ? b->off + 8 :
		               b->off + 16, 16);
		if (u == NULL)
			return mp4_fail(f, "bad uuid box");
		return memcmp(u, mp4_canon_uuid, 16) == 0 ? mp4_canon(f, b) : 0;
	}
	case FCC('i', 'l', 'o', 'c'):
		return parent == FCC('m', 'e', 't', 'a') ? mp4_iloc(f, b) : 0;
	case FCC('i', 's', 'p', 'e'): case FCC('h', 'v', 'c', 'C'):
	case FCC('a', 'v', '1', 'C'):
		return parent == FCC('i', 'p', 'c', 'o') ? mp4_iprop(f, b) : 0;
	}
	return 0;
}

/* Entering a container box: tracks and track fragments begin here. */
static int mp4_enter(struct mp4_file *f, uint32_t parent,
                     const struct mp4_box *b)
{
	if (b->type == FCC('t', 'r', 'a', 'k')) {
		if (parent != FCC('m', 'o', 'o', 'v') || f->in_trak)
			return mp4_fail(f, "misplaced trak");
		f->in_trak = true;
		f->ntrack_all++;
		f->cur = f->ntrack < MP4_MAX_TRACKS ? &f->trak[f->ntrack++] :
		         NULL;
	} else if (b->type == FCC('t', 'r', 'a', 'f')) {
		if (parent != FCC('m', 'o', 'o', 'f'))
			return mp4_fail(f, "misplaced traf");
		f->frag.t = NULL;
		f->frag.tfhd = false;
	} else if (b->type == FCC('m', 'v', 'e', 'x')) {
		f->mvex = true;
	}
	return 0;
}

static void mp4_leave(struct mp4_file *f, const struct mp4_box *b)
{
	struct mp4_frag *g = &f->frag;

	if (b->type == FCC('t', 'r', 'a', 'k')) {
		f->in_trak = false;
		f->cur = NULL;
	} else if (b->type == FCC('t', 'r', 'a', 'f') && g->last &&
	           g->t != NULL && g->time > g->t->frag_end) {
		g->t->frag_end = g->time;
	}
}

/*
 * Walks the boxes in [off, end), each of which must lie wholly inside,
 * recursing into containers no deeper than MP4_MAX_DEPTH and visiting no
 * more than MP4_MAX_INNER_BOXES boxes per root.  Returns 0 or -1.
 */
static int mp4_walk(struct mp4_file *f, uint64_t off, uint64_t end,
                    uint32_t parent, unsigned depth)
{
	if (depth > MP4_MAX_DEPTH)
		return mp4_fail(f, "boxes nested too deep");
	/* A remainder under 8 bytes is padding (QuickTime ends some atom
	 * lists with a 32-bit zero). */
	while (end - off >= 8) {
		struct mp4_box b;

		if (++f->nboxes > MP4_MAX_INNER_BOXES)
			return mp4_fail(f, "too many boxes");
		if (mp4_box_read(f->br, off, end, &b) != 0 || b.to_end)
			return mp4_fail(f, "bad box size");
		if (b.size > end - off)
			return mp4_fail(f, "box overruns its parent");
		if (mp4_container(b.type)) {
			if (mp4_enter(f, parent, &b) != 0 ||
			    mp4_walk(f, b.off + b.hdr, b.off + b.size, b.type,
			             depth + 1) != 0)
				return -1;
			mp4_leave(f, &b);
		} else if (mp4_leaf(f, parent, &b) != 0) {
			return -1;
		}
		off += b.size;
	}
	return 0;
}

/* ------------------------------------------------------------ samples */

/* A sample picked for checking. */
struct mp4_pick {
	uint64_t sample, off, size;
};

/*
 * Which samples of a track one pass checks, and what it found.  The spread
 * pass only notes its picks and checks them after the table walk, so the
 * reader's window does not swing between the moov and the mdat per pick.
 */
struct mp4_check {
	bool dense;
	uint64_t lo, hi;            /* dense: the samples lo <= s < hi */
	uint64_t total;
	unsigned j;                 /* spread: index of the next pick */
	unsigned done;
	unsigned max;               /* dense: samples checked at most */
	uint64_t next;              /* next sample to check, or MP4_NONE */
	uint64_t good;              /* last good sample before the first bad */
	uint64_t good_end;          /* ... and where what its check vouches
	                               for ends (its last NAL unit's payload
	                               start) */
	uint64_t good_stop;         /* ... and where that sample ends */
	uint64_t bad, bad_at;       /* first bad sample and its wrong byte */
	uint64_t bad_room;          /* mp4_nal_ok's room for it */
	uint64_t good_at;           /* lowest offset of a good sample */
	unsigned npick;
	struct mp4_pick pick[MP4_SPREAD];
	/* When set, a dense pass hands each sample to visit instead of
	 * checking it, and stops when visit returns false. */
	bool (*visit)(struct mp4_check *c, uint64_t off, uint64_t size);
	void *arg;
};

/* Moves c->next to the sample after it that the pass should check. */
static void mp4_pick_next(struct mp4_check *c, bool first)
{
	uint64_t prev = c->next;

	c->next = MP4_NONE;
	if (c->bad != MP4_NONE)
		return;
	if (c->dense) {
		uint64_t s = first ? c->lo : prev + 1;
		if (s < c->hi && c->done < c->max)
			c->next = s;
		return;
	}
	while (c->j < MP4_SPREAD && c->j < c->total) {
		/* j of MP4_SPREAD picks, from the first sample to the last */
		uint64_t s = c->total <= MP4_SPREAD ? c->j :
		             c->j * (c->total - 1) / (MP4_SPREAD - 1);
		c->j++;
		if (first || s > prev) {
			c->next = s;
			return;
		}
	}
}

static void mp4_check_init(struct mp4_check *c, const struct mp4_track *t,
                           bool dense, uint64_t lo, uint64_t hi)
{
	memset(c, 0, sizeof(*c));
	c->dense = dense;
	c->lo = lo;
	c->hi = hi;
	c->max = MP4_DENSE;
	c->total = t->sz_count;
	c->good = c->bad = c->bad_at = c->good_at = MP4_NONE;
	c->good_end = c->good_stop = MP4_NONE;
	if (t->nal != MP4_NAL_NONE && mp4_media_track(t))
		mp4_pick_next(c, true);
	else
		c->next = MP4_NONE;
}

/* Checks sample number idx, found at [off, off+size). */
static void mp4_test_sample(struct mp4_file *f, const struct mp4_track *t,
                            struct mp4_check *c, uint64_t idx, uint64_t off,
                            uint64_t size)
{
	uint64_t bad, room;

	/* Samples past the limit are the truncation check's business. */
	if (c->bad != MP4_NONE || size == 0 ||
	    mp4_locate(f, off, size) != MP4_IN)
		return;
	c->done++;
	if (mp4_sample_ok(f->br, t, off, size, &bad, &room)) {
		c->good = idx;
		c->good_end = bad;
		c->good_stop = off + size;
		if (off < c->good_at)
			c->good_at = off;
	} else {
		c->bad = idx;
		c->bad_at = bad;
		c->bad_room = room;
	}
}

/* The sample c->next is at [off, off+size): check or note it, pick on. */
static void mp4_check_sample(struct mp4_file *f, const struct mp4_track *t,
                             struct mp4_check *c, uint64_t off, uint64_t size)
{
	if (c->visit != NULL) {
		c->done++;
		if (!c->visit(c, off, size))
			c->bad = c->next;
	} else if (c->dense)
		mp4_test_sample(f, t, c, c->next, off, size);
	else if (c->npick < MP4_SPREAD)
		c->pick[c->npick++] = (struct mp4_pick){ c->next, off, size };
	mp4_pick_next(c, false);
}

/* The next sample size from an stsz/stz2 cursor (4-bit fields in pairs). */
static int mp4_size_next(struct mp4_tab *sz, unsigned bits, int *nib,
                         uint32_t *v)
{
	const uint8_t *e;

	if (bits == 4 && *nib >= 0) {
		*v = (uint32_t)*nib;
		*nib = -1;
		return 0;
	}
	e = mp4_tab_next(sz);
	if (e == NULL)
		return -1;
	switch (bits) {
	case 32:
		*v = mem_be32(e);
		break;
	case 16:
		*v = mem_be16(e);
		break;
	case 8:
		*v = e[0];
		break;
	default:
		*v = e[0] >> 4;
		*nib = e[0] & 15;
	}
	return 0;
}

/*
 * One pass over a track's chunks in order.  Every chunk's samples must lie
 * inside an mdat (f->cut notes those running past the limit); *bytes sums
 * the sample sizes, *data_end is where the furthest chunk ends, and the
 * samples c picks are checked against the codec.  Returns 0 or -1.
 */
static int mp4_track_pass(struct mp4_file *f, const struct mp4_track *t,
                          struct mp4_check *c, uint64_t *bytes,
                          uint64_t *data_end)
{
	struct mp4_tab co, sc, sz;
	uint64_t sample = 0, spc = 0, next_spc = 0, next_first = 0;
	const uint8_t *e;
	int nib = -1;

	mp4_tab_init(&co, f->br, t->co_off, t->co_count, t->co64 ? 8 : 4);
	mp4_tab_init(&sc, f->br, t->sc_off, t->sc_count, 12);
	if (t->sz_fixed != 0)
		mp4_tab_init(&sz, f->br, 0, 0, 4);
	else if (t->sz_bits == 4)
		mp4_tab_init(&sz, f->br, t->sz_off,
		             ((uint64_t)t->sz_count + 1) / 2, 1);
	else
		mp4_tab_init(&sz, f->br, t->sz_off, t->sz_count, t->sz_bits / 8);
	if (t->sc_count > 0) {
		e = mp4_tab_next(&sc);
		if (e == NULL || mem_be32(e) != 1)
			return mp4_fail(f, "bad stsc");
		next_first = 1;
		next_spc = mem_be32(e + 4);
	}
	for (uint64_t ch = 1; ch <= t->co_count; ch++) {
		/* A sample-to-chunk run takes over at its first chunk. */
		if (next_first != 0 && ch >= next_first) {
			spc = next_spc;
			next_first = 0;
			if (sc.left > 0) {
				e = mp4_tab_next(&sc);
				if (e == NULL || mem_be32(e) <= ch)
					return mp4_fail(f, "bad stsc");
				next_first = mem_be32(e);
				next_spc = mem_be32(e + 4);
			}
		}
		e = mp4_tab_next(&co);
		if (e == NULL)
			return mp4_fail(f, "bad chunk offset table");
		uint64_t off = t->co64 ? mem_be64(e) : mem_be32(e);
		uint64_t n = t->sz_count - sample < spc ? t->sz_count - sample :
		             spc;
		uint64_t cb = 0;

		if (t->sz_fixed != 0) {
			while (c->next != MP4_NONE && c->next < sample + n)
				mp4_check_sample(f, t, c, mp4_sat_add(off,
				        mp4_sat_mul(c->next - sample, t->sz_fixed)),
				        t->sz_fixed);
			cb = mp4_sat_mul(n, t->sz_fixed);
		} else {
			for (uint64_t i = 0; i < n; i++) {
				uint32_t z;
				if (mp4_size_next(&sz, t->sz_bits, &nib, &z) != 0)
					return mp4_fail(f, "bad stsz");
				if (sample + i == c->next)
					mp4_check_sample(f, t, c,
					                 mp4_sat_add(off, cb), z);
				cb = mp4_sat_add(cb, z);
			}
		}
		switch (mp4_locate(f, off, cb)) {
		case MP4_IN:
			break;
		case MP4_CUT:
			f->cut = true;
			break;
		case MP4_OUT:
			return mp4_fail(f, "chunk offset outside mdat");
		}
		sample += n;
		*bytes = mp4_sat_add(*bytes, cb);
		if (off + cb > *data_end)
			*data_end = off + cb;
	}
	return 0;
}

/*
 * Records where a dense pass c over a track whose NAL length fields are
 * ln bytes went wrong: at the length field c->bad_at, which did not fit
 * the c->bad_room bytes its sample had after it (MP4_NONE: the pass went
 * wrong on something else), or earlier, for a thorough reader, when the
 * payload of the last unit the pass vouched for, [good_end, good_stop) up
 * to bad_at, holds what emulation prevention keeps out of a unit.  That
 * unit's length reached past the fragmentation point when the walk found
 * the next one wrong; a run of zeros inside it (a gap of zeros, an erased
 * area) shows where its own bytes stopped, often far before bad_at, and
 * the search looks for the boundary between the two.  Either way the
 * length field at bad_at still says what must lie there (mp4_expect).
 */
static void mp4_bad_walk(struct mp4_file *f, const struct mp4_check *c,
                         unsigned ln)
{
	uint64_t lo = c->good_end, stop = c->good_stop, at = c->bad_at, z;

	if (at < f->bad_at) {
		mp4_bad_after(f, lo, at, MP4_WHY_CODEC);
		f->bad_room = c->bad_room;
		f->bad_room_at = at;
		f->bad_nal_len = ln;
	}
	if (!f->br->thorough || lo == MP4_NONE || stop == MP4_NONE ||
	    at == MP4_NONE || stop <= lo || at <= lo ||
	    mp4_unit_clean(f->br, lo, stop < at ? stop : at, stop, &z))
		return;
	uint64_t room = f->bad_room, room_at = f->bad_room_at;
	mp4_bad_after(f, lo, z, MP4_WHY_CODEC);
	if (f->bad_at == z) {
		f->bad_room = room;
		f->bad_room_at = room_at;
	}
}

/*
 * Checks one track's samples: a spread pass over the whole track, then,
 * if a picked sample was wrong, a dense pass between the last good pick
 * and the bad one to find the first wrong sample.  A reader that asks for
 * every check (reassembly trying blocks) gets a dense pass over the whole
 * track (up to MP4_THOROUGH samples) when the spread one found nothing,
 * so that a wrong block between two picks is caught too.
 */
static int mp4_track_samples(struct mp4_file *f, const struct mp4_track *t,
                             uint64_t *bytes, uint64_t *data_end)
{
	struct mp4_check c, d;
	uint64_t b2 = 0, e2 = 0;

	mp4_check_init(&c, t, false, 0, 0);
	if (mp4_track_pass(f, t, &c, bytes, data_end) != 0)
		return -1;
	for (unsigned i = 0; i < c.npick; i++)
		mp4_test_sample(f, t, &c, c.pick[i].sample, c.pick[i].off,
		                c.pick[i].size);
	if (c.bad != MP4_NONE) {
		mp4_check_init(&d, t, true, c.good == MP4_NONE ? 0 : c.good + 1,
		               c.bad);
		if (mp4_track_pass(f, t, &d, &b2, &e2) != 0)
			return -1;
		if (d.bad != MP4_NONE) {
			c.bad_at = d.bad_at;
			c.bad_room = d.bad_room;
		}
		if (d.good_at < c.good_at)
			c.good_at = d.good_at;
		if (d.good_end != MP4_NONE) {
			c.good_end = d.good_end;
			c.good_stop = d.good_stop;
		}
		mp4_bad_walk(f, &c, t->nal_len);
	} else if (f->br->thorough && c.npick > 0) {
		mp4_check_init(&d, t, true, 0, t->sz_count);
		d.max = MP4_THOROUGH;
		if (mp4_track_pass(f, t, &d, &b2, &e2) != 0)
			return -1;
		if (d.good_at < c.good_at)
			c.good_at = d.good_at;
		if (d.bad != MP4_NONE)
			mp4_bad_walk(f, &d, t->nal_len);
	}
	if (c.good_at != MP4_NONE)
		mp4_good(f, c.good_at);
	return 0;
}

/*
 * Resuming (mp4_validate_resume): the decoder's verdicts on samples that
 * lay, with the track's avcC, wholly before stable, so that every later
 * map holds the same bytes there (the samples before seams, and those
 * holding the seams of earlier steps).  The MP4_RESUME_KEEP latest are
 * kept.
 */
#define MP4_RESUME_KEEP 16u

struct carve_resume {
	unsigned next;
	struct {
		uint64_t off, size, seam, cfg_off;
		enum h264_verdict v;
		bool used;
	} k[MP4_RESUME_KEEP];
};

/* The decoder's verdict on the sample [off, off + size) of t with its
 * seam at seam (h264_decode_check), from the saved ones when it was
 * judged in an earlier run. */
static enum h264_verdict mp4_decodes(struct mp4_file *f,
                                     const struct mp4_track *t,
                                     const uint8_t *cfg, uint64_t off,
                                     uint64_t size, uint64_t seam)
{
	struct carve_resume *rs = f->rs;
	bool keep = rs != NULL && off + size <= f->stable &&
	            t->cfg_off + t->cfg_len <= f->stable;

	for (unsigned i = 0; keep && i < MP4_RESUME_KEEP; i++)
		if (rs->k[i].used && rs->k[i].off == off &&
		    rs->k[i].size == size && rs->k[i].seam == seam &&
		    rs->k[i].cfg_off == t->cfg_off)
			return rs->k[i].v;
	enum h264_verdict v = h264_decode_check(f->br, cfg, t->cfg_len,
	                                        t->nal_len, off, size, seam);
	if (keep) {
		unsigned i = rs->next++ % MP4_RESUME_KEEP;
		rs->k[i].off = off;
		rs->k[i].size = size;
		rs->k[i].seam = seam;
		rs->k[i].cfg_off = t->cfg_off;
		rs->k[i].v = v;
		rs->k[i].used = true;
	}
	return v;
}

/* Samples of a track whose bytes hold a seam of the reader, and the one
 * before each when that one holds none (prev_size 0 if not). */
struct mp4_seams {
	struct mp4_file *f;
	unsigned n;
	struct {
		uint64_t off, size, at, prev_off, prev_size;
	} s[MP4_DECODE_SEAMS];
	uint64_t last_off, last_size;   /* the sample visited last */
	bool last_clear;                /* ... lay in one piece */
};

static bool mp4_seam_visit(struct mp4_check *c, uint64_t off, uint64_t size)
{
	struct mp4_seams *sm = c->arg;
	struct mp4_file *f = sm->f;
	bool prev = sm->last_clear;

	sm->last_clear = false;
	/* Samples at and past the first wrong byte are judged already; so is
	 * the last good one before it: a map whose walk goes wrong right
	 * after its seam's sample puts its next piece in the wrong place
	 * (or that piece is shorter than a sample), and decoding would not
	 * make it any better. */
	if (size == 0 || off + size > f->bad_at ||
	    (f->bad_lo != MP4_NONE && f->bad_lo < off + size) ||
	    mp4_locate(f, off, size) != MP4_IN)
		return true;
	uint64_t at = bread_seam_in(f->br, off, off + size);
	if (at == UINT64_MAX) {
		sm->last_off = off;
		sm->last_size = size;
		sm->last_clear = true;
		return true;
	}
	sm->s[sm->n].off = off;
	sm->s[sm->n].size = size;
	sm->s[sm->n].at = at;
	sm->s[sm->n].prev_off = sm->last_off;
	sm->s[sm->n].prev_size = prev ? sm->last_size : 0;
	return ++sm->n < MP4_DECODE_SEAMS;
}

/* A dense pass over the samples of t handing each to visit. */
static int mp4_track_visit(struct mp4_file *f, const struct mp4_track *t,
                           bool (*visit)(struct mp4_check *, uint64_t,
                                         uint64_t),
                           void *arg)
{
	struct mp4_check c;
	uint64_t bytes = 0, data_end = 0;

	mp4_check_init(&c, t, true, 0, t->sz_count);
	c.max = MP4_THOROUGH;
	c.visit = visit;
	c.arg = arg;
	return mp4_track_pass(f, t, &c, &bytes, &data_end);
}

/*
 * A thorough check of the H.264 samples where the reader's pieces meet:
 * each (the first MP4_DECODE_SEAMS) must be judged clean by the slice
 * decoder (h264_decode.h).  The NAL units' lengths place a seam only to
 * within a unit; a seam put a block off inside a slice's payload keeps
 * every length right, and only the slice's own syntax shows it.  A sample
 * that fails makes the data wrong from its seam on, and shown right up to
 * the sample's start.
 *
 * The decoder is trusted with a stream only once it decoded the sample
 * before a seam, which lies in one piece, without error: a stream it cannot
 * decode (a profile or an encoder's habit it does not take, data that are
 * no real slices) is no evidence against a seam.
 */
static void mp4_decode_seams(struct mp4_file *f, const struct mp4_track *t)
{
	struct mp4_seams sm = { .f = f };
	uint8_t *cfg;

	if (!f->br->thorough || f->br->seams_placed || t->nal != MP4_NAL_AVC ||
	    t->cfg_len == 0 ||
	    t->cfg_len > H264_DECODE_MAX_CONFIG ||
	    bread_seam_in(f->br, 0, f->limit) == UINT64_MAX ||
	    !h264_decode_available())
		return;
	if (mp4_track_visit(f, t, mp4_seam_visit, &sm) != 0 ||
	    sm.n == 0 || (cfg = malloc(t->cfg_len)) == NULL)
		return;
	if (bread_read(f->br, t->cfg_off, cfg, t->cfg_len) == t->cfg_len) {
		bool trusted = false;
		for (unsigned i = 0; i < sm.n; i++) {
			if (sm.s[i].at >= f->bad_at)
				continue;
			if (!trusted && sm.s[i].prev_size > 0)
				trusted = mp4_decodes(f, t, cfg,
				        sm.s[i].prev_off, sm.s[i].prev_size,
				        UINT64_MAX) == H264_CLEAN;
			if (trusted &&
			    mp4_decodes(f, t, cfg, sm.s[i].off, sm.s[i].size,
			                sm.s[i].at) == H264_BROKEN)
				mp4_bad_after(f, sm.s[i].off, sm.s[i].at,
				              MP4_WHY_SLICE);
		}
	}
	free(cfg);
}

/*
 * Examines the moof at off: it must parse, name known tracks, keep its data
 * in the mdat after it and carry a sequence number above *seq; its video
 * samples must match the codec.  Returns false once the data is wrong.
 */
static bool mp4_fragment(struct mp4_file *f, uint64_t off, bool last,
                         bool first, uint32_t *seq)
{
	struct mp4_frag *g = &f->frag;
	struct mp4_box b, m;

	if (mp4_box_read(f->br, off, f->end, &b) != 0 ||
	    b.type != FCC('m', 'o', 'o', 'f') || b.size > f->end - off) {
		mp4_bad(f, off, "bad movie fragment");
		return false;
	}
	memset(g, 0, sizeof(*g));
	g->moof_off = off;
	g->last = last;
	if (mp4_box_read(f->br, off + b.size, f->limit, &m) == 0 &&
	    m.type == FCC('m', 'd', 'a', 't')) {
		g->have_mdat = true;
		g->mdat.lo = m.off + m.hdr;
		g->mdat.hi = m.to_end ? UINT64_MAX : mp4_sat_add(m.off, m.size);
	}
	f->nboxes = 0;
	if (mp4_walk(f, off + b.hdr, off + b.size, FCC('m', 'o', 'o', 'f'),
	             1) != 0 || (!first && g->seq <= *seq)) {
		f->why = NULL;
		mp4_bad(f, off, "bad movie fragment");
		return false;
	}
	*seq = g->seq;
	return f->bad_at == MP4_NONE;
}

/* Examines the kept fragments and the last one, in file order. */
static void mp4_fragments(struct mp4_file *f)
{
	uint32_t seq = 0;

	for (unsigned i = 0; i < f->nkeep; i++)
		if (!mp4_fragment(f, f->moofs[i], f->moofs[i] == f->last_moof,
		                  i == 0, &seq))
			return;
	if (f->nkeep > 0 && f->moofs[f->nkeep - 1] != f->last_moof)
		mp4_fragment(f, f->last_moof, true, false, &seq);
}

/* ------------------------------------------------------------ verdict */

/* Four printable characters of a fourcc, trailing spaces dropped. */
static void mp4_fourcc(char out[5], uint32_t v)
{
	int n = 4;

	for (int i = 0; i < 4; i++) {
		uint8_t ch = (uint8_t)(v >> (24 - 8 * i));
		out[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* Milliseconds in units of 1/scale seconds, rounded, saturating. */
static uint64_t mp4_ms(uint64_t units, uint32_t scale)
{
	uint64_t ms = ((units % scale) * 1000 + scale / 2) / scale;

	return mp4_sat_add(mp4_sat_mul(units / scale, 1000), ms);
}

/* Seconds since 1904-01-01 as ISO-8601 UTC; false when out of range. */
static bool mp4_iso_time(uint64_t secs, char *out, size_t cap)
{
	/* Zero means unset; stop at the end of year 9999. */
	if (secs == 0 || secs > 255485145599ull)
		return false;
	uint64_t days = secs / 86400, rem = secs % 86400;
	/* Days since 0000-03-01 in the proleptic Gregorian calendar: years
	 * then run March to February, so the leap day ends each year. */
	uint64_t z = days - MP4_EPOCH_DAYS + 719468;
	uint64_t era = z / 146097, doe = z % 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153;
	uint64_t day = doy - (153 * mp + 2) / 5 + 1;
	uint64_t month = mp < 10 ? mp + 3 : mp - 9;
	uint64_t year = era * 400 + yoe + (month <= 2);

	snprintf(out, cap, "%04llu-%02llu-%02lluT%02llu:%02llu:%02lluZ",
	         (unsigned long long)year, (unsigned long long)month,
	         (unsigned long long)day, (unsigned long long)(rem / 3600),
	         (unsigned long long)(rem / 60 % 60),
	         (unsigned long long)(rem % 60));
	return true;
}

static void mp4_meta_brand(const struct mp4_file *f, struct carve_result *res)
{
	char fcc[5];

	if (f->ftyp) {
		mp4_fourcc(fcc, f->major);
		carve_meta_add(res, "brand", "%s", fcc);
	}
}

static void mp4_meta(const struct mp4_file *f, struct carve_result *res)
{
	const struct mp4_track *v = NULL;
	uint64_t ms = 0;
	char buf[32];

	mp4_meta_brand(f, res);
	if (f->duration != 0 && f->duration != MP4_NONE) {
		ms = mp4_ms(f->duration, f->timescale);
	} else if (f->frag_duration != 0) {
		ms = mp4_ms(f->frag_duration, f->timescale);
	} else {
		for (unsigned i = 0; i < f->ntrack; i++) {
			uint64_t t = mp4_ms(f->trak[i].frag_end,
			                    f->trak[i].timescale);
			if (t > ms)
				ms = t;
		}
	}
	if (ms != 0)
		carve_meta_add(res, "duration", "%llu.%03llu",
		               (unsigned long long)(ms / 1000),
		               (unsigned long long)(ms % 1000));
	if (mp4_iso_time(f->ctime, buf, sizeof(buf)))
		carve_meta_add(res, "creation_time", "%s", buf);
	for (unsigned i = 0; i < f->ntrack && v == NULL; i++)
		if (f->trak[i].handler == FCC('v', 'i', 'd', 'e'))
			v = &f->trak[i];
	if (v != NULL && v->width != 0 && v->height != 0) {
		carve_meta_add(res, "width", "%u", v->width);
		carve_meta_add(res, "height", "%u", v->height);
	}
	if (v == NULL && f->ntrack > 0)
		v = &f->trak[0];
	if (v != NULL && v->codec != 0) {
		mp4_fourcc(buf, v->codec);
		carve_meta_add(res, "codec", "%s", buf);
	}
	carve_meta_add(res, "tracks", "%u", f->ntrack_all);
}

/* A HEIF image: ftyp, meta (with pict handler and iloc), mdat. */
static void mp4_heif(struct mp4_file *f, struct carve_result *res)
{
	const struct mp4_box *m = &f->meta;
	char fcc[5];
	uint32_t flags;
	uint8_t ver;

	f->nboxes = 0;
	if (mp4_fullbox(f, m, &ver, &flags) != 0 ||
	    mp4_walk(f, m->off + m->hdr + 4, m->off + m->size,
	             FCC('m', 'e', 't', 'a'), 1) != 0) {
		carve_reject(res, f->why ? f->why : "bad meta box");
		return;
	}
	if (!f->pict) {
		carve_reject(res, "not a HEIF image");
		return;
	}
	if (!f->iloc) {
		carve_reject(res, "no iloc box");
		return;
	}
	mp4_meta_brand(f, res);
	if (f->img_w != 0 && f->img_h != 0) {
		carve_meta_add(res, "width", "%u", f->img_w);
		carve_meta_add(res, "height", "%u", f->img_h);
	}
	if (f->img_codec != 0) {
		mp4_fourcc(fcc, f->img_codec);
		carve_meta_add(res, "codec", "%s", fcc);
	}
	if (f->overrun || f->cut)
		carve_truncated(res, f->limit, "file cut short");
	else
		carve_accept(res, f->end);
}

/* ------------------------------------------------- media data, no index */

/*
 * Without a moov nothing says where the samples lie, so a recording cut
 * off before its index is judged from the media data alone: recorders
 * write H.264/H.265 samples as 4-byte length-prefixed NAL units, and a
 * walk over them vouches for every sample it crosses.  Another track's
 * chunk (audio) breaks the chain; the walk looks a bounded distance ahead
 * for a NAL unit that resumes it and takes the bytes between for that
 * track's chunk: once one showed AAC frames, each must open with the same
 * channel element, end where a frame may end and be no more than a few
 * times the longest yet (mp4_gap_audio), so the walk does not run on into
 * another file's units.  The file ends after the last video sample the walk saw
 * whole: the walk cannot tell where audio after it ends.  Reassembly,
 * which knows the cluster that sample ends in, asks mp4_aac_tail (below)
 * for the audio chunk after it.
 */
#define MP4_WALK_LEN 4u              /* NAL length prefix recorders write */
#define MP4_WALK_MAX_NALS (1u << 24) /* NAL units walked in one mdat */
#define MP4_RESYNC_SPAN (64u << 10)  /* bytes searched for the chain again */
#define MP4_RESYNC_NAL (4u << 20)    /* largest NAL unit a resync takes
                                        (its length's first byte is 0) */
#define MP4_FOREIGN_SCAN (16u << 20) /* bytes of a NAL searched for an ftyp */
_Static_assert(MP4_RESYNC_NAL < (1u << 24), "a resync steps to zero bytes");

/* A NAL unit as the walk sees it. */
struct mp4_nalu {
	uint64_t len;       /* payload bytes after the length prefix */
	bool vcl;           /* a coded slice */
	bool first;         /* a slice that opens a picture */
	bool opens;         /* a non-VCL unit that opens an access unit */
};

/*
 * Reads the NAL unit at pos for a stream of kind k, ending by end; false
 * when its prefix, length or header is not one (a unit running past end
 * is not one either).
 */
static bool mp4_nalu_at(struct bread *br, enum mp4_nal_kind k, uint64_t pos,
                        uint64_t end, uint64_t cap, struct mp4_nalu *u)
{
	const struct mp4_track t = { .nal = k, .nal_len = MP4_WALK_LEN };
	unsigned hl = k == MP4_NAL_HEVC ? 2 : 1;
	const uint8_t *p;

	if (pos >= end || end - pos < MP4_WALK_LEN + hl + 1)
		return false;
	if ((p = bread_peek(br, pos, MP4_WALK_LEN + hl + 1)) == NULL)
		return false;
	u->len = mem_be32(p);
	if (u->len < hl + 1u || u->len > cap ||
	    u->len > end - pos - MP4_WALK_LEN || !mp4_nal_header(&t, p + 4))
		return false;
	if (k == MP4_NAL_AVC) {
		unsigned type = p[4] & 31;
		u->vcl = type >= 1 && type <= 5;
		/* first_mb_in_slice is ue(v): 0 is the single bit 1 */
		u->first = u->vcl && (p[5] & 0x80);
		u->opens = type == 6 || type == 7 || type == 8 || type == 9;
	} else {
		unsigned type = (p[4] >> 1) & 63;
		u->vcl = type < 32;
		u->first = u->vcl && (p[6] & 0x80);  /* first_slice_segment */
		u->opens = (type >= 32 && type <= 35) || type == 39;
	}
	return true;
}

/* Whether a box that starts another file (an ftyp) begins at pos. */
static bool mp4_next_file_at(struct bread *br, uint64_t pos)
{
	const uint8_t *p = bread_peek(br, pos, 16);

	if (p == NULL || mem_be32(p + 4) != FCC('f', 't', 'y', 'p'))
		return false;
	uint32_t size = mem_be32(p);
	return size >= 16 && size <= 4096 && mp4_brand_ok(mem_be32(p + 8), false);
}

/* Where the next file's ftyp box starts inside [lo, hi) (only the last
 * MP4_FOREIGN_SCAN bytes are searched), or UINT64_MAX. */
static uint64_t mp4_next_file_in(struct bread *br, uint64_t lo, uint64_t hi)
{
	if (hi - lo > MP4_FOREIGN_SCAN)
		lo = hi - MP4_FOREIGN_SCAN;
	for (uint64_t at = lo + 4; at < hi;) {
		uint64_t f = bread_find(br, at, hi, "ftyp", 4);
		if (f == UINT64_MAX)
			return UINT64_MAX;
		if (mp4_next_file_at(br, f - 4))
			return f - 4;
		at = f + 1;
	}
	return UINT64_MAX;
}

/*
 * Whether the chain resumes at q: a NAL unit that opens a picture, or one
 * followed at once by another (a slice alone is all an interleaved
 * recording has between two audio chunks).
 */
static bool mp4_resumes_at(struct bread *br, enum mp4_nal_kind k, uint64_t q,
                           uint64_t end)
{
	struct mp4_nalu u, v;

	if (!mp4_nalu_at(br, k, q, end, MP4_RESYNC_NAL, &u))
		return false;
	if (u.first)
		return true;
	return mp4_nalu_at(br, k, q + MP4_WALK_LEN + u.len, end,
	                   MP4_RESYNC_NAL, &v);
}

/* How many NAL units of kind k follow each other from q (at most 16). */
static unsigned mp4_chain_len(struct bread *br, enum mp4_nal_kind k,
                              uint64_t q, uint64_t end)
{
	struct mp4_nalu u;
	unsigned n = 0;

	while (n < 16 && mp4_nalu_at(br, k, q, end, UINT64_MAX, &u)) {
		q += MP4_WALK_LEN + u.len;
		n++;
	}
	return n;
}

/*
 * Looks for where the chain resumes in [from, from + MP4_RESYNC_SPAN):
 * its offset, or UINT64_MAX when none is found there or the next file
 * starts first.  With *k NONE (the first chain), either codec may start
 * it: the one whose chain runs on longer is taken (a few H.265 headers
 * read as valid H.264 ones), and *k is set.
 */
static uint64_t mp4_resync(struct bread *br, enum mp4_nal_kind *k,
                           uint64_t from, uint64_t end)
{
	uint64_t stop = end - from > MP4_RESYNC_SPAN ? from + MP4_RESYNC_SPAN
	                                              : end;

	for (uint64_t q = from; q < stop; q++) {
		/* Both an ftyp box (16..4096 bytes) and a NAL unit a resync
		 * takes (its length at most MP4_RESYNC_NAL) open with a zero
		 * byte: step over the bytes that are not. */
		size_t n;
		const uint8_t *p = bread_span(br, q, &n);
		if (p != NULL) {
			if (n > stop - q)
				n = (size_t)(stop - q);
			const uint8_t *z = memchr(p, 0, n);
			if (z == NULL) {
				q += n - 1;
				continue;
			}
			q += (uint64_t)(z - p);
		}
		if (mp4_next_file_at(br, q))
			return UINT64_MAX;
		bool avc = *k != MP4_NAL_HEVC &&
		           mp4_resumes_at(br, MP4_NAL_AVC, q, end);
		bool hevc = *k != MP4_NAL_AVC &&
		            mp4_resumes_at(br, MP4_NAL_HEVC, q, end);
		if (avc && hevc)
			avc = mp4_chain_len(br, MP4_NAL_AVC, q, end) >=
			      mp4_chain_len(br, MP4_NAL_HEVC, q, end);
		if (avc || hevc) {
			*k = avc ? MP4_NAL_AVC : MP4_NAL_HEVC;
			return q;
		}
	}
	return UINT64_MAX;
}

/* What the walk knows of the clip's audio chunks (the bytes between two
 * runs of NAL units). */
struct mp4_gaps {
	unsigned elem;      /* the channel element its AAC frames hold */
	bool aac;           /* elem learnt: its audio is AAC */
	uint64_t longest;   /* its longest chunk yet */
};

enum { MP4_GAP_OK, MP4_GAP_NEXT, MP4_GAP_NOT };
#define MP4_GAP_HEAD 128u   /* bytes of a chunk its first frame's head is
                               read in */
#define MP4_GAP_LONGER 4u   /* a chunk this many times the longest yet is
                               none of the clip's */
#define MP4_GAP_TRIES 256u  /* places a chain may resume tried per gap */

/*
 * Whether [g0, q) may be an audio chunk of the clip's, the chain resuming
 * at q: once a chunk showed AAC frames, every one must open with the same
 * channel element, end where a frame may end (ID_END) and be no more than
 * MP4_GAP_LONGER times the longest yet.  MP4_GAP_NEXT when another q may
 * do, MP4_GAP_NOT when none can.
 */
static int mp4_gap_audio(struct bread *br, uint64_t g0, uint64_t q,
                         struct mp4_gaps *g)
{
	size_t n = q - g0 < MP4_GAP_HEAD ? (size_t)(q - g0) : MP4_GAP_HEAD;
	const uint8_t *h = bread_peek(br, g0, n), *e;
	unsigned elem;

	if (h == NULL || q <= g0)
		return MP4_GAP_NOT;
	bool head = mp4_aac_frame_head(h, n, &elem);
	bool two = q - 1 > g0;
	bool end = (e = bread_peek(br, q - 1 - two, 1u + two)) != NULL &&
	           mp4_aac_frame_end(e + two, two);
	if (!g->aac) {
		if (head && end) {
			g->elem = elem;
			g->aac = true;
			g->longest = q - g0;
		}
		return MP4_GAP_OK;
	}
	if (g->longest > 0 && q - g0 > MP4_GAP_LONGER * g->longest)
		return MP4_GAP_NOT;
	if (!head || elem != g->elem)
		return n < MP4_GAP_HEAD ? MP4_GAP_NEXT : MP4_GAP_NOT;
	if (!end)
		return MP4_GAP_NEXT;
	if (q - g0 > g->longest)
		g->longest = q - g0;
	return MP4_GAP_OK;
}

/*
 * One walk over [lo, end) (see mp4_nal_walk); *next is set to where the
 * next file starts when the chain was found to have run into it.
 */
static uint64_t mp4_walk_nals(struct bread *br, uint64_t lo, uint64_t end,
                              uint64_t *next)
{
	enum mp4_nal_kind k = MP4_NAL_NONE;
	uint64_t pos, vouched = lo, chain, unit;
	bool vcl = false;   /* the open sample holds a slice */
	struct mp4_nalu u;
	struct mp4_gaps gaps = { 0 };

	if (end <= lo || (pos = mp4_resync(br, &k, lo, end)) == UINT64_MAX)
		return lo;
	chain = unit = pos;
	for (unsigned n = 0; n < MP4_WALK_MAX_NALS; n++) {
		if (pos == end) {
			if (vcl)
				vouched = pos;
			break;
		}
		if (mp4_nalu_at(br, k, pos, end, UINT64_MAX, &u)) {
			if (vcl && (u.first || u.opens)) {
				vouched = pos;
				vcl = false;
			}
			vcl |= u.vcl;
			unit = pos;
			pos += MP4_WALK_LEN + u.len;
			continue;
		}
		/*
		 * The chain breaks.  If a length ran on into the next file,
		 * the samples are judged again up to its start.  Otherwise
		 * the sample before is whole (a chunk ends with a whole
		 * sample), and what follows is a unit cut off by the end of
		 * the data or another track's chunk: the chain resumes after
		 * the latter only (a resumed unit must fit before end).
		 */
		if ((*next = mp4_next_file_in(br, chain, pos)) != UINT64_MAX)
			return lo;
		/* Three zero bytes never occur inside a NAL unit (emulation
		 * prevention): a last unit holding them ran on into zeroed
		 * or foreign space, and its sample is not whole. */
		if (vcl && unit + MP4_WALK_LEN < pos &&
		    bread_find(br, pos - unit > MP4_FOREIGN_SCAN ?
		               pos - MP4_FOREIGN_SCAN : unit + MP4_WALK_LEN,
		               pos, "\0\0\0", 3) != UINT64_MAX)
			break;
		if (vcl)
			vouched = pos;
		vcl = false;
		/* the chain resumes after the clip's own audio chunk */
		uint64_t g0 = pos;
		int how = MP4_GAP_NEXT;
		for (unsigned t = 0; t < MP4_GAP_TRIES && how == MP4_GAP_NEXT;
		     t++) {
			if ((pos = mp4_resync(br, &k, pos + 1, end)) ==
			    UINT64_MAX || pos - g0 > MP4_RESYNC_SPAN)
				break;
			how = mp4_gap_audio(br, g0, pos, &gaps);
		}
		if (how != MP4_GAP_OK)
			break;
		chain = unit = pos;
	}
	return vouched;
}

/*
 * Walks the media data [lo, end) as length-prefixed NAL units and returns
 * where the last whole video sample ends (lo when none is vouched for).
 * A sample is known whole when the next one opens, when another track's
 * chunk follows it, or when its last unit ends exactly at end; a unit
 * running past end is not, nor is one that runs into the next file.
 */
uint64_t mp4_nal_walk(struct bread *br, uint64_t lo, uint64_t end)
{
	uint64_t next = UINT64_MAX, v = mp4_walk_nals(br, lo, end, &next);

	if (next != UINT64_MAX && next > lo)
		v = mp4_walk_nals(br, lo, next, &next);
	return v;
}

/* ------------------------------------------- the audio after the last sample */

/*
 * A recording cut off before its index often ends with an audio chunk after
 * its last video sample, and nothing gives that chunk's size.  What does:
 * an AAC raw_data_block ends with the ID_END element (the bits 111) and
 * zero bits to the next byte, so every frame's last byte is not zero.  When
 * the clip's last cluster holds, after the last video sample, a run of data
 * and then only zeros to its end (what the card held before), and that data
 * opens the way the clip's other audio chunks open (the same first element,
 * an ics_info and section data an AAC-LC encoder writes), the clip ends at
 * its last non-zero byte.  Anything else leaves the clip at its last video
 * sample.
 */
#define MP4_AAC_TAIL_MAX 4096u  /* audio bytes after the last video sample */
#define MP4_AAC_ZEROS 16u       /* zeros the cluster must end with (a
                                   frame rarely holds so many in a row) */
#define MP4_AAC_REFS 8u         /* the clip's audio chunks compared */
#define MP4_AAC_HEAD 64u        /* bytes of a frame's head parsed */

enum { AAC_SCE = 0, AAC_CPE = 1, AAC_LFE = 3, AAC_DSE = 4, AAC_FIL = 6 };
#define MP4_AAC_HEAD_COPY 256u /* bytes of a frame's head after its fill
                                  elements copied to be parsed */

/* Box types a clip's last cluster may hold after the audio when it held
 * another file before: a finished clip's movie box, the next one's start. */
static const char mp4_aac_not[][5] = {
	"moov", "mvhd", "trak", "mdia", "stbl", "udta", "free", "ftyp",
	"mdat",
};

struct mp4_bits {
	const uint8_t *p;
	size_t nbits, pos;
};

static bool mp4_bits_get(struct mp4_bits *b, unsigned k, unsigned *v)
{
	if (b->nbits - b->pos < k)
		return false;
	*v = 0;
	for (unsigned i = 0; i < k; i++, b->pos++)
		*v = *v << 1 | ((b->p[b->pos >> 3] >> (7 - (b->pos & 7))) & 1u);
	return true;
}

/* ics_info (ISO 14496-3, 4.4.2.1) as AAC-LC has it: *groups and *max_sfb
 * set, *eight for eight short windows; false when it could not be. */
static bool mp4_aac_ics_info(struct mp4_bits *b, bool lfe, unsigned *groups,
                             unsigned *max_sfb, bool *eight)
{
	unsigned reserved, seq, shape, pred, grouping;

	if (!mp4_bits_get(b, 1, &reserved) || !mp4_bits_get(b, 2, &seq) ||
	    !mp4_bits_get(b, 1, &shape) || reserved != 0)
		return false;
	*eight = seq == 2;
	*groups = 1;
	if (*eight) {
		if (lfe || !mp4_bits_get(b, 4, max_sfb) ||
		    !mp4_bits_get(b, 7, &grouping) || *max_sfb > 15)
			return false;
		for (unsigned i = 0; i < 7; i++)
			*groups += !((grouping >> i) & 1u);
		return true;
	}
	/* no prediction in AAC-LC; at most 51 long-window bands at any
	 * sampling rate */
	return mp4_bits_get(b, 6, max_sfb) && *max_sfb <= 51 &&
	       mp4_bits_get(b, 1, &pred) && pred == 0;
}

/* section_data: every band of every group in a section of a codebook that
 * exists (12 is reserved), no section empty. */
static bool mp4_aac_sections(struct mp4_bits *b, unsigned groups,
                             unsigned max_sfb, bool eight)
{
	unsigned w = eight ? 3 : 5, esc = (1u << w) - 1;

	for (unsigned g = 0; g < groups; g++) {
		for (unsigned k = 0; k < max_sfb;) {
			unsigned cb, incr, len = 0;
			if (!mp4_bits_get(b, 4, &cb) || cb == 12)
				return false;
			do {
				if (!mp4_bits_get(b, w, &incr))
					return false;
				len += incr;
			} while (incr == esc && len <= max_sfb);
			if (len == 0 || len > max_sfb - k)
				return false;
			k += len;
		}
	}
	return true;
}

/*
 * The head of the raw_data_block at p (n bytes): its first element (id and
 * instance tag, as id << 4 | tag) in *elem, and whether its first channel
 * stream's ics_info and section data parse as AAC-LC writes them.
 */
static bool mp4_aac_head(const uint8_t *p, size_t n, unsigned *elem)
{
	struct mp4_bits b = { .p = p, .nbits = n * 8 };
	unsigned id, tag, common = 0, gain, groups, max_sfb, ms;
	bool eight;

	if (!mp4_bits_get(&b, 3, &id) || !mp4_bits_get(&b, 4, &tag) ||
	    (id != AAC_SCE && id != AAC_CPE && id != AAC_LFE))
		return false;
	*elem = id << 4 | tag;
	if (id == AAC_CPE) {
		if (!mp4_bits_get(&b, 1, &common))
			return false;
		if (common) {
			if (!mp4_aac_ics_info(&b, false, &groups, &max_sfb,
			                      &eight) ||
			    !mp4_bits_get(&b, 2, &ms) || ms == 3)
				return false;
			for (unsigned i = 0; ms == 1 && i < groups * max_sfb;
			     i++)
				if (!mp4_bits_get(&b, 1, &gain))
					return false;
		}
	}
	if (!mp4_bits_get(&b, 8, &gain))
		return false;
	if (!common && !mp4_aac_ics_info(&b, id == AAC_LFE, &groups,
	                                 &max_sfb, &eight))
		return false;
	return mp4_aac_sections(&b, groups, max_sfb, eight);
}

/* Where the audio chunks of the media data [lo, end) start, as the NAL
 * walk finds them (the bytes before the chain resumes): up to max in at. */
static unsigned mp4_audio_chunks(struct bread *br, uint64_t lo, uint64_t end,
                                 uint64_t *at, unsigned max)
{
	enum mp4_nal_kind k = MP4_NAL_NONE;
	uint64_t pos = mp4_resync(br, &k, lo, end);
	struct mp4_nalu u;
	unsigned n = 0;

	if (pos == UINT64_MAX)
		return 0;
	if (pos > lo)
		at[n++] = lo;
	for (unsigned i = 0; i < MP4_WALK_MAX_NALS && n < max && pos < end;
	     i++) {
		if (mp4_nalu_at(br, k, pos, end, UINT64_MAX, &u)) {
			pos += MP4_WALK_LEN + u.len;
			continue;
		}
		at[n++] = pos;
		if ((pos = mp4_resync(br, &k, pos + 1, end)) == UINT64_MAX)
			break;
	}
	return n;
}

/* Whether the bit string ending at the last set bit of the byte at p[0]
 * (p[-1] before it, when there is one) ends with 111: ID_END. */
static bool mp4_aac_end_at(const uint8_t *p, bool prev)
{
	unsigned v = (prev ? (unsigned)p[-1] << 8 : 0u) | p[0];
	unsigned t = (unsigned)__builtin_ctz(p[0]);

	return ((v >> t) & 7u) == 7u;
}

uint64_t mp4_aac_tail(struct bread *br, uint64_t lo, uint64_t vouched,
                      uint64_t edge)
{
	uint64_t last = UINT64_MAX, run = 0, at[MP4_AAC_REFS];
	const uint8_t *p;
	unsigned elem, want = 0;

	uint64_t bad = br->unreadable;

	if (vouched <= lo || edge <= vouched)
		return vouched;
	/* one run of data, then zeros to the cluster's end (the card's, not
	 * unreadable sectors read as zeros) */
	for (uint64_t q = vouched; q < edge;) {
		size_t n;
		if ((p = bread_span(br, q, &n)) == NULL || n == 0)
			return vouched;
		if (n > edge - q)
			n = (size_t)(edge - q);
		for (size_t i = 0; i < n; i++) {
			if (p[i] == 0) {
				run++;
				continue;
			}
			if ((last != UINT64_MAX && run >= MP4_AAC_ZEROS) ||
			    q + i - vouched >= MP4_AAC_TAIL_MAX)
				return vouched;
			last = q + i;
			run = 0;
		}
		q += n;
	}
	if (br->unreadable != bad || last == UINT64_MAX ||
	    edge - last - 1 < MP4_AAC_ZEROS ||
	    last - vouched >= MP4_AAC_TAIL_MAX)
		return vouched;
	/* older data of the card's (another file's boxes) after the chunk
	 * would make the last non-zero byte theirs */
	for (size_t i = 0; i < sizeof(mp4_aac_not) / sizeof(*mp4_aac_not);
	     i++)
		if (bread_find(br, vouched, last + 1, mp4_aac_not[i], 4) !=
		    UINT64_MAX)
			return vouched;
	/* the frame's end: ID_END and the zero bits after it */
	if ((p = bread_peek(br, last - (last > vouched), 1u + (last > vouched)))
	    == NULL || !mp4_aac_end_at(p + (last > vouched), last > vouched))
		return vouched;
	/* the clip's own audio: its chunks open with one element, and so
	 * does the data after the last sample */
	unsigned n = mp4_audio_chunks(br, lo, vouched, at, MP4_AAC_REFS);
	if (n < 2)
		return vouched;
	for (unsigned i = 0; i < n; i++) {
		size_t len = vouched - at[i] < MP4_AAC_HEAD ?
		             (size_t)(vouched - at[i]) : MP4_AAC_HEAD;
		if ((p = bread_peek(br, at[i], len)) == NULL ||
		    !mp4_aac_frame_head(p, len, &elem) ||
		    (i > 0 && elem != want))
			return vouched;
		want = elem;
	}
	size_t len = last + 1 - vouched < MP4_AAC_HEAD ?
	             (size_t)(last + 1 - vouched) : MP4_AAC_HEAD;
	if ((p = bread_peek(br, vouched, len)) == NULL ||
	    !mp4_aac_frame_head(p, len, &elem) || elem != want)
		return vouched;
	return last + 1;
}

/* Skips the bits of a data stream or fill element (ISO 14496-3, 4.4.2.1)
 * whose id has been read; false when they are not all in b. */
static bool mp4_aac_skip(struct mp4_bits *b, unsigned id)
{
	unsigned cnt, esc, v;

	if (id == AAC_DSE) {
		unsigned align;
		if (!mp4_bits_get(b, 4, &v) || !mp4_bits_get(b, 1, &align) ||
		    !mp4_bits_get(b, 8, &cnt))
			return false;
		if (cnt == 255) {
			if (!mp4_bits_get(b, 8, &esc))
				return false;
			cnt += esc;
		}
		if (align)
			b->pos = (b->pos + 7) & ~(size_t)7;
	} else {
		if (!mp4_bits_get(b, 4, &cnt))
			return false;
		if (cnt == 15) {
			if (!mp4_bits_get(b, 8, &esc))
				return false;
			cnt += esc - 1;
		}
	}
	if (b->pos > b->nbits || b->nbits - b->pos < (size_t)cnt * 8)
		return false;
	b->pos += (size_t)cnt * 8;
	return true;
}

bool mp4_aac_frame_head(const uint8_t *p, size_t n, unsigned *elem)
{
	struct mp4_bits b = { .p = p, .nbits = n * 8 };
	unsigned id;

	/* an encoder may open a frame with fill or data stream elements
	 * (its name, padding): the channel element after them */
	for (unsigned k = 0; k < 4; k++) {
		size_t at = b.pos;
		if (!mp4_bits_get(&b, 3, &id))
			return false;
		if (id != AAC_DSE && id != AAC_FIL) {
			b.pos = at;
			break;
		}
		if (!mp4_aac_skip(&b, id))
			return false;
	}
	if (b.pos % 8 == 0)
		return mp4_aac_head(p + b.pos / 8, n - b.pos / 8, elem);
	/* not byte-aligned: the element's bits copied to the byte */
	uint8_t t[MP4_AAC_HEAD_COPY];
	size_t m = 0;
	unsigned v;
	while (m < sizeof(t) && mp4_bits_get(&b, 8, &v))
		t[m++] = (uint8_t)v;
	return mp4_aac_head(t, m, elem);
}

bool mp4_aac_frame_end(const uint8_t *p, bool prev)
{
	return p[0] != 0 && mp4_aac_end_at(p, prev);
}

/* No moov: a HEIF image, a recording cut off, or not a file at all. */
static void mp4_no_moov(struct mp4_file *f, struct carve_result *res)
{
	if (f->ftyp && f->heif && f->have_meta) {
		mp4_heif(f, res);
		return;
	}
	if (!f->ftyp) {
		carve_reject(res, "no moov box");
		return;
	}
	if (f->overrun && f->overrun_type == FCC('m', 'o', 'o', 'v')) {
		carve_truncated(res, f->limit, "moov box cut short");
	} else if (f->nmdat > 0) {
		/*
		 * ftyp + mdat: what a recorder leaves when the power goes
		 * before it writes the moov.  Neither a size of 0 nor one
		 * running past the data says where the recording stopped,
		 * and a size that fits may still cover the next file when
		 * the data were cut: the last mdat ends where its NAL units
		 * vouch for it.  Its declared end (or the limit) stays the
		 * place the index was due, for reassembly.
		 */
		bool open = f->mdat_to_end || (f->overrun &&
		            f->overrun_type == FCC('m', 'd', 'a', 't'));
		uint64_t due = open ? f->limit : f->end;
		uint64_t lo = f->last_lo, hi = open ? f->limit : f->hull.hi;
		uint64_t e = mp4_nal_walk(f->br, lo, hi);
		if (e == hi && !open)
			e = f->end;   /* whole: the boxes after it too */
		if (e <= lo) {
			/* No NAL units (another codec, Annex B): nothing
			 * vouches for an end, so the file is open-ended. */
			carve_truncated(res, due, MP4_WHY_NOMOOV);
			res->open_end = true;
		} else {
			carve_truncated(res, e, MP4_WHY_NOMOOV);
		}
		carve_note(res, CARVE_NOTE_NO_INDEX, due);
	} else {
		carve_reject(res, "no moov box");
		return;
	}
	mp4_meta_brand(f, res);
}

/* Checks the movie box and its tracks; -1 with f->why when it is bad. */
static int mp4_movie(struct mp4_file *f)
{
	const uint32_t need = MP4_TKHD | MP4_MDHD | MP4_HDLR | MP4_STSD |
	                      MP4_STSC;

	f->nboxes = 0;
	if (mp4_walk(f, f->moov.off + f->moov.hdr, f->moov.off + f->moov.size,
	             FCC('m', 'o', 'o', 'v'), 1) != 0)
		return -1;
	if (!f->mvhd)
		return mp4_fail(f, "no mvhd");
	if (f->ntrack_all == 0)
		return mp4_fail(f, "no tracks");
	for (unsigned i = 0; i < f->ntrack; i++) {
		struct mp4_track *t = &f->trak[i];
		if ((t->seen & need) != need ||
		    !(t->seen & (MP4_STSZ | MP4_STZ2)) ||
		    !(t->seen & (MP4_STCO | MP4_CO64)) ||
		    (t->seen & MP4_STSZ && t->seen & MP4_STZ2) ||
		    (t->seen & MP4_STCO && t->seen & MP4_CO64))
			return mp4_fail(f, "incomplete track");
		if (t->timescale == 0)
			return mp4_fail(f, "bad track header");
	}
	for (unsigned i = 0; i < f->ntrex; i++) {
		for (unsigned n = 0; n < f->ntrack; n++) {
			if (f->trak[n].id == f->trex[i].id) {
				f->trak[n].trex_dur = f->trex[i].dur;
				f->trak[n].trex_size = f->trex[i].size;
			}
		}
	}
	if (f->nmoof > 0 && !f->mvex)
		return mp4_fail(f, "movie fragment without mvex");
	return mp4_ctbo_check(f);
}

/*
 * What a map must hold at the NAL length field that did not fit, at the
 * fragmentation point or past it (carve_result.expect, expect_at): a
 * length that fits the bytes its sample has left, so its top bits are
 * zero.  With a 4-byte field and a 40 KiB sample,
 * 17 bits are known, and the search offers only tails that have them.
 */
static void mp4_expect(const struct mp4_file *f, struct carve_result *res)
{
	unsigned ln = f->bad_nal_len;

	if (f->bad_room == MP4_NONE || ln == 0 || ln > sizeof(res->expect))
		return;
	for (unsigned i = 0; i < ln; i++) {
		uint64_t v = f->bad_room >> (8 * (ln - 1 - i));
		res->expect[i] = 0;
		/* the bits up to the highest one room allows there */
		res->expect_any[i] = v >= 0x80 ? 0xff :
		        v == 0 ? 0 : (uint8_t)((2u << (31 - __builtin_clz(
		                                    (unsigned)v))) - 1);
	}
	res->expect_len = (uint8_t)ln;
	res->expect_at = f->bad_room_at;
}

/*
 * The verdict, for carving and for a reassembly engine judging a candidate
 * extent map alike:
 *   ACCEPT      the box sequence is whole, every chunk lies in an mdat, and
 *               every H.264/H.265 sample checked is well-formed NAL units;
 *   TRUNCATED   "sample data does not match codec": samples up to some
 *               point were right, then one was not.  The first byte
 *               proven wrong is the NAL length field where the walk of the
 *               first bad sample failed (for fragmented files, the moof of
 *               the first bad fragment, so the prefix is itself a playable
 *               fragmented file).  The data went wrong at or before it and
 *               after the end of the last good video sample before it; a
 *               dense recheck (up to MP4_DENSE samples) makes those two
 *               samples neighbours in the track.  length is where that
 *               good sample's check stopped vouching (its last NAL unit's
 *               payload start, whose bytes are not checked; the moof's
 *               offset for fragmented files), so the prefix holds no byte
 *               of what came after the boundary;
 *               CARVE_NOTE_FRAGMENT at the first byte proven wrong, the
 *               fragmentation point the boundary lies at or before;
 *   REJECT      the same reason when the first sample checked is already
 *               wrong: the chunk offsets point at foreign data;
 *               CARVE_NOTE_CODEC_MISMATCH at the first byte proven wrong;
 *   TRUNCATED   "no moov box (recording cut off)": ftyp + mdat and no moov;
 *               length is the end of the mdat, or the limit when the mdat
 *               has size 0 or runs past it; CARVE_NOTE_NO_INDEX at length;
 *   TRUNCATED   "media data cut short", "moov box cut short", "file cut
 *               short", "mdat runs to the end of the data": length is the
 *               limit, where the data ran out.
 */
static void mp4_run(struct bread *br, struct carve_result *res,
                    struct carve_resume *rs, uint64_t stable)
{
	struct mp4_file f;
	uint64_t bytes = 0, data_end = 0, len, note_off = 0;
	const char *why = NULL;
	enum carve_note note = CARVE_NOTE_NONE;

	memset(&f, 0, sizeof(f));
	f.br = br;
	f.rs = rs;
	f.stable = stable;
	f.limit = bread_size(br);
	f.bad_at = f.good_at = f.bad_lo = f.bad_room = MP4_NONE;
	f.stride = 1;
	if (mp4_walk_top(&f) != 0) {
		carve_reject(res, f.why);
		return;
	}
	if (f.ext == NULL) {
		carve_reject(res, "not an ISO-BMFF start");
		return;
	}
	res->ext = f.ext;
	if (!f.have_moov) {
		mp4_no_moov(&f, res);
		return;
	}
	if (mp4_movie(&f) != 0) {
		carve_reject(res, f.why);
		return;
	}
	if (f.nmdat == 0) {
		carve_reject(res, "no mdat box");
		return;
	}
	for (unsigned i = 0; i < f.ntrack; i++) {
		if (mp4_track_samples(&f, &f.trak[i], &bytes, &data_end) != 0) {
			carve_reject(res, f.why);
			return;
		}
	}
	if (bytes > f.mdat_bytes) {
		carve_reject(res, "sample sizes exceed the mdat");
		return;
	}
	for (unsigned i = 0; i < f.ntrack; i++)
		mp4_decode_seams(&f, &f.trak[i]);
	if (f.nmoof > 0)
		mp4_fragments(&f);

	len = f.end;
	if (f.mdat_to_end) {
		/*
		 * Size 0 says the mdat runs to the end of the file, which a
		 * carver cannot see.  With the moov already read, the media
		 * data are exactly the chunks it lists, so the file ends with
		 * the last of them: any bytes past it are no track's data and
		 * most likely the next thing on the medium.  Fragmented files
		 * list no chunks there, so theirs stays open.
		 */
		if (f.nmoof == 0) {
			len = data_end > f.open_lo ? data_end : f.open_lo;
		} else {
			len = f.limit;
			why = "mdat runs to the end of the data";
		}
	}
	if (f.overrun || f.cut) {
		len = f.limit;
		why = f.cut || f.overrun_type == FCC('m', 'd', 'a', 't') ?
		      "media data cut short" : "file cut short";
	}
	if (f.bad_at != MP4_NONE) {
		if (f.good_at >= f.bad_at) {
			carve_reject(res, f.bad_why);
			carve_note(res, CARVE_NOTE_CODEC_MISMATCH, f.bad_at);
			return;
		}
		if (f.bad_at < len) {
			len = f.bad_lo > f.good_at ? f.bad_lo : f.bad_at;
			note_off = f.bad_at;
			why = f.bad_why;
			note = CARVE_NOTE_FRAGMENT;
		}
	}
	mp4_meta(&f, res);
	if (why != NULL) {
		carve_truncated(res, len, why);
		if (note != CARVE_NOTE_NONE)
			carve_note(res, note, note_off);
		if (note == CARVE_NOTE_FRAGMENT)
			mp4_expect(&f, res);
	} else {
		carve_accept(res, len);
	}
}

static void mp4_validate(struct bread *br, struct carve_result *res)
{
	mp4_run(br, res, NULL, 0);
}

/* validate_resume: the verdict mp4_validate gives, reusing the decodings
 * of earlier runs (struct carve_resume). */
static void mp4_validate_resume(struct bread *br, struct carve_result *res,
                                struct carve_resume **rs, uint64_t stable)
{
	if (*rs == NULL)
		*rs = calloc(1, sizeof(**rs));
	mp4_run(br, res, *rs, stable);
}

static void mp4_resume_free(struct carve_resume *rs)
{
	free(rs);
}

int mp4_box_header(const uint8_t *p, uint64_t have, uint64_t room,
                   struct mp4_box_hdr *h)
{
	if (have < 8)
		return -1;
	uint32_t size32 = mem_be32(p);

	h->type = mem_be32(p + 4);
	h->hdr = 8;
	h->size = size32;
	h->to_end = false;
	if (size32 == 1) {
		if (have < 16)
			return -1;
		h->size = mem_be64(p + 8);
		h->hdr = 16;
	} else if (size32 == 0) {
		h->to_end = true;
		h->size = room;
	}
	return h->size < h->hdr ? -1 : 0;
}

bool mp4_box_follows_mdat(const uint8_t *b)
{
	uint32_t size = mem_be32(b), type = mem_be32(b + 4);
	uint64_t big = size;

	if (size == 1)
		big = mem_be64(b + 8);
	if (size == 0 || big < 8 || big > (1ull << 30))
		return false;
	switch (type) {
	case FCC('m', 'o', 'o', 'v'): {
		/* Its first child is known (with a largesize, b + 12 is no
		 * child's type). */
		uint32_t child = mem_be32(b + 12);
		return size != 1 && (child == FCC('m', 'v', 'h', 'd') ||
		       child == FCC('t', 'r', 'a', 'k') ||
		       child == FCC('u', 'd', 't', 'a') ||
		       child == FCC('i', 'o', 'd', 's') ||
		       child == FCC('m', 'e', 't', 'a') ||
		       child == FCC('p', 'r', 'o', 'f') ||
		       child == FCC('c', 'm', 'o', 'v'));
	}
	case FCC('f', 'r', 'e', 'e'): case FCC('s', 'k', 'i', 'p'):
	case FCC('w', 'i', 'd', 'e'): case FCC('u', 'd', 't', 'a'):
	case FCC('u', 'u', 'i', 'd'): case FCC('m', 'e', 't', 'a'):
		return true;
	default:
		return false;
	}
}

/*
 * "ftyp" is a strong magic and a real file may start at any byte (an MP4
 * inside a motion-photo JPEG), so the format scans at align 1.  The older
 * QuickTime starts ('moov', 'mdat', 'wide', 'free', 'skip' at 4) are weak,
 * but the validator turns them down from their first 8 bytes unless the
 * size is plausible, and then needs a whole moov + mdat pair whose chunk
 * offsets land in the mdat: junk is cheap to reject at any alignment.
 */
static const struct format_sig mp4_sigs[] = {
	/* ftyp may start anywhere (an MP4 inside a motion-photo JPEG); the
	 * QuickTime atoms that can open an older file without ftyp are common
	 * words, so they only count at sector starts. */
	FORMAT_SIG("ftyp", 4),
	FORMAT_SIG_ALIGNED("moov", 4, 512),
	FORMAT_SIG_ALIGNED("mdat", 4, 512),
	FORMAT_SIG_ALIGNED("wide", 4, 512),
	FORMAT_SIG_ALIGNED("free", 4, 512),
	FORMAT_SIG_ALIGNED("skip", 4, 512),
};

const struct format format_mp4 = {
	.name = "mp4",
	.ext = "mp4",
	.description = "ISO base media / QuickTime: MP4, MOV, M4A, 3GP, HEIF, CR3",
	FORMAT_SIGS(mp4_sigs),
	.align = 1,
	.min_size = 32,
	.max_size = MP4_MAX_SIZE,
	.validate = mp4_validate,
	.validate_resume = mp4_validate_resume,
	.resume_free = mp4_resume_free,
};

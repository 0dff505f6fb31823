/*
 * mkv.c - Matroska and WebM (EBML) validator.
 *
 * An EBML file is a tree of elements, each a variable-length ID, a
 * variable-length size and the data.  A Matroska file is an EBML header
 * (whose DocType says "matroska" or "webm") followed by one Segment that
 * holds the top-level elements: SeekHead, Info, Tracks, Clusters (the
 * media), Cues, Chapters, Tags, Attachments, Void padding and CRC-32.
 *
 * When the Segment's size is known the file ends where the Segment does,
 * and every top-level element must tile it exactly.  A live recording
 * (a muxer writing to a pipe, a camera streaming to a card) writes the
 * "unknown size" marker instead, on the Segment and often on its
 * Clusters; then the file ends after its last whole element, found by
 * walking Clusters child by child until something that is not an element
 * of the file.  A level-1 element that starts with a CRC-32 child has its
 * data checked against it, so an overwritten stretch is where a file is
 * cut.  Running out of data before the end is a truncated file.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "common/crc32.h"
#include "formats/format.h"

#define MKV_MAX_ELEMENTS (1u << 24)   /* over the whole walk */
#define MKV_MAX_HEADER   4096u        /* the EBML header's size */
#define MKV_MAX_TRACKS   64           /* track numbers remembered */
#define MKV_MAX_META_EL  (1u << 20)   /* Info or Tracks read for metadata */

#define ID_EBML        0x1a45dfa3u
#define ID_EBMLREADVER 0x42f7u
#define ID_DOCTYPE     0x4282u
#define ID_SEGMENT     0x18538067u
#define ID_SEEKHEAD    0x114d9b74u
#define ID_INFO        0x1549a966u
#define ID_TRACKS      0x1654ae6bu
#define ID_CLUSTER     0x1f43b675u
#define ID_CUES        0x1c53bb6bu
#define ID_CHAPTERS    0x1043a770u
#define ID_TAGS        0x1254c367u
#define ID_ATTACH      0x1941a469u
#define ID_VOID        0xecu
#define ID_CRC32       0xbfu
/* Cluster children */
#define ID_TIMECODE    0xe7u
#define ID_SILENT      0x5854u
#define ID_POSITION    0xa7u
#define ID_PREVSIZE    0xabu
#define ID_SIMPLEBLOCK 0xa3u
#define ID_BLOCKGROUP  0xa0u
#define ID_ENCBLOCK    0xafu
/* Info and Tracks children */
#define ID_TCSCALE     0x2ad7b1u
#define ID_DURATION    0x4489u
#define ID_TRACKENTRY  0xaeu
#define ID_TRACKNUMBER 0xd7u
#define ID_CODECID     0x86u
#define ID_VIDEO       0xe0u
#define ID_PIXELWIDTH  0xb0u
#define ID_PIXELHEIGHT 0xbau

/* One element header. */
struct ebml_el {
	uint32_t id;
	uint64_t data;     /* offset of the data */
	uint64_t size;     /* data size when known */
	bool unknown;      /* size is the "unknown" marker */
};

enum head_rc {
	HEAD_OK,
	HEAD_SHORT,        /* the data ran out inside the header */
	HEAD_BAD,          /* not a well-formed element header */
};

struct mkv_walk {
	struct bread *br;
	uint64_t size;          /* bread_size */
	uint32_t nelements;
	bool doc_webm;
	bool seen_tracks, seen_cluster;
	uint64_t tcscale;
	double duration;
	bool have_duration;
	uint32_t width, height;
	char codecs[CARVE_META_VAL];
	unsigned ntracks;
	uint64_t tracks[MKV_MAX_TRACKS];
};

/* Reads the element header at off. */
static enum head_rc ebml_head(struct bread *br, uint64_t off,
                              struct ebml_el *el)
{
	uint8_t b[12];
	size_t got = bread_read(br, off, b, sizeof(b));
	unsigned ilen, slen;

	if (got == 0)
		return HEAD_SHORT;
	if (b[0] == 0)
		return HEAD_BAD;
	ilen = (unsigned)__builtin_clz((unsigned)b[0] << 24) + 1;
	if (ilen > 4)
		return HEAD_BAD;
	if (got < ilen + 1)
		return HEAD_SHORT;
	uint32_t id = 0;
	for (unsigned i = 0; i < ilen; i++)
		id = id << 8 | b[i];
	/* An ID of all value bits set is reserved. */
	uint32_t vmask = (1u << (7 * ilen)) - 1;
	if ((id & vmask) == vmask)
		return HEAD_BAD;
	uint8_t s0 = b[ilen];
	if (s0 == 0)
		return HEAD_BAD;
	slen = (unsigned)__builtin_clz((unsigned)s0 << 24) + 1;
	if (got < ilen + slen)
		return HEAD_SHORT;
	uint64_t v = s0 & (0xffu >> slen);
	bool all = v == (0xffu >> slen);
	for (unsigned i = 1; i < slen; i++) {
		v = v << 8 | b[ilen + i];
		all = all && b[ilen + i] == 0xff;
	}
	el->id = id;
	el->data = off + ilen + slen;
	el->unknown = all;
	el->size = all ? 0 : v;
	return HEAD_OK;
}

/* True for the IDs a Segment holds at its top level. */
static bool mkv_top_id(uint32_t id)
{
	switch (id) {
	case ID_SEEKHEAD: case ID_INFO: case ID_TRACKS: case ID_CLUSTER:
	case ID_CUES: case ID_CHAPTERS: case ID_TAGS: case ID_ATTACH:
	case ID_VOID: case ID_CRC32:
		return true;
	}
	return false;
}

static bool mkv_cluster_child(uint32_t id)
{
	switch (id) {
	case ID_TIMECODE: case ID_SILENT: case ID_POSITION: case ID_PREVSIZE:
	case ID_SIMPLEBLOCK: case ID_BLOCKGROUP: case ID_ENCBLOCK:
	case ID_VOID: case ID_CRC32:
		return true;
	}
	return false;
}

/* Big-endian unsigned integer element of at most 8 bytes. */
static bool mkv_uint(struct bread *br, const struct ebml_el *el, uint64_t *v)
{
	uint8_t b[8];

	if (el->size > 8 || bread_read(br, el->data, b, el->size) != el->size)
		return false;
	*v = 0;
	for (uint64_t i = 0; i < el->size; i++)
		*v = *v << 8 | b[i];
	return true;
}

/* A float element (4 or 8 bytes, big-endian IEEE). */
static bool mkv_float(struct bread *br, const struct ebml_el *el, double *v)
{
	uint64_t u;

	if ((el->size != 4 && el->size != 8) || !mkv_uint(br, el, &u))
		return false;
	if (el->size == 4) {
		uint32_t u32 = (uint32_t)u;
		float f;
		memcpy(&f, &u32, 4);
		*v = f;
	} else {
		memcpy(v, &u, 8);
	}
	return true;
}

/* Counts one element against the walk's budget; false once spent. */
static bool mkv_count(struct mkv_walk *w)
{
	return ++w->nelements <= MKV_MAX_ELEMENTS;
}

/*
 * Checks the CRC-32 child that may open a known-size element's data:
 * true when there is none or it matches.
 */
static bool mkv_crc_ok(struct mkv_walk *w, uint64_t data, uint64_t end)
{
	struct ebml_el c;
	uint8_t want[4];
	uint32_t crc = 0;

	if (ebml_head(w->br, data, &c) != HEAD_OK || c.id != ID_CRC32)
		return true;
	if (c.unknown || c.size != 4 || c.data + 4 > end ||
	    bread_read(w->br, c.data, want, 4) != 4)
		return false;
	return bread_crc32(w->br, c.data + 4, end - (c.data + 4), &crc) == 0 &&
	       crc == mem_le32(want);
}

/* Adds a codec ID to the comma-separated list. */
static void mkv_add_codec(struct mkv_walk *w, const struct ebml_el *el)
{
	char id[40];
	size_t n = el->size < sizeof(id) - 1 ? (size_t)el->size : sizeof(id) - 1;

	n = bread_read(w->br, el->data, id, n);
	id[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (id[i] < 0x20 || id[i] > 0x7e)
			id[i] = '?';
	size_t have = strlen(w->codecs);
	if (have + (have ? 1 : 0) + strlen(id) >= sizeof(w->codecs))
		return;
	if (have)
		w->codecs[have++] = ',';
	memcpy(w->codecs + have, id, strlen(id) + 1);
}

/*
 * Walks the children of a known-size element [data, end) for metadata,
 * descending into TrackEntry and Video.  Returns false when they do not
 * tile it.
 */
static bool mkv_walk_meta(struct mkv_walk *w, uint64_t data, uint64_t end,
                          unsigned depth)
{
	uint64_t off = data;

	while (off < end) {
		struct ebml_el el;
		if (!mkv_count(w) || ebml_head(w->br, off, &el) != HEAD_OK ||
		    el.unknown || el.data > end || el.size > end - el.data)
			return false;
		uint64_t v;
		double d;
		switch (el.id) {
		case ID_TCSCALE:
			if (mkv_uint(w->br, &el, &v) && v > 0)
				w->tcscale = v;
			break;
		case ID_DURATION:
			if (mkv_float(w->br, &el, &d) && d >= 0 && d < 1e18) {
				w->duration = d;
				w->have_duration = true;
			}
			break;
		case ID_TRACKENTRY:
		case ID_VIDEO:
			if (depth < 3 && !mkv_walk_meta(w, el.data,
			                                el.data + el.size,
			                                depth + 1))
				return false;
			break;
		case ID_TRACKNUMBER:
			if (mkv_uint(w->br, &el, &v) && w->ntracks < MKV_MAX_TRACKS)
				w->tracks[w->ntracks++] = v;
			break;
		case ID_CODECID:
			mkv_add_codec(w, &el);
			break;
		case ID_PIXELWIDTH:
			if (mkv_uint(w->br, &el, &v) && v <= UINT32_MAX)
				w->width = (uint32_t)v;
			break;
		case ID_PIXELHEIGHT:
			if (mkv_uint(w->br, &el, &v) && v <= UINT32_MAX)
				w->height = (uint32_t)v;
			break;
		}
		off = el.data + el.size;
	}
	return true;
}

/* True when track is one the Tracks element listed (any, before Tracks). */
static bool mkv_track_known(const struct mkv_walk *w, uint64_t track)
{
	if (w->ntracks == 0)
		return true;
	for (unsigned i = 0; i < w->ntracks; i++)
		if (w->tracks[i] == track)
			return true;
	return false;
}

/* True when a SimpleBlock's data starts with a known track number. */
static bool mkv_block_ok(struct mkv_walk *w, const struct ebml_el *el)
{
	uint8_t b[4];

	if (el->size < 4 || bread_read(w->br, el->data, b, 4) != 4)
		return false;
	/* Track numbers in practice fit a one- or two-byte vint. */
	if (b[0] & 0x80)
		return mkv_track_known(w, b[0] & 0x7fu);
	if (b[0] & 0x40)
		return mkv_track_known(w, (uint64_t)(b[0] & 0x3fu) << 8 | b[1]);
	return false;
}

enum cl_rc {
	CL_OK,     /* children walked; *end is where the cluster ends */
	CL_SHORT,  /* the data ran out */
	CL_BAD,    /* a known-size cluster whose children do not tile it */
};

/*
 * Walks a Cluster's children from data.  With a known end they must tile
 * it; with an unknown size the Cluster ends before the first element that
 * is not a Cluster child (a level-1 element or anything else).
 */
static enum cl_rc mkv_cluster(struct mkv_walk *w, uint64_t data,
                              uint64_t end, bool unknown, uint64_t *stop)
{
	uint64_t off = data;
	bool timecode = false;

	for (;;) {
		struct ebml_el el;
		if (!unknown && off == end)
			break;
		if (!mkv_count(w))
			return CL_BAD;
		enum head_rc hr = ebml_head(w->br, off, &el);
		if (hr == HEAD_SHORT) {
			*stop = off;
			return CL_SHORT;
		}
		if (hr == HEAD_BAD || !mkv_cluster_child(el.id) || el.unknown ||
		    (el.id == ID_TIMECODE && timecode) ||
		    (el.id == ID_SIMPLEBLOCK && unknown && !mkv_block_ok(w, &el))) {
			if (unknown)
				break;
			return CL_BAD;
		}
		if (el.id == ID_TIMECODE)
			timecode = true;
		uint64_t next = el.data + el.size;
		if (next < el.data || (!unknown && next > end)) {
			if (unknown)
				break;
			return CL_BAD;
		}
		if (next > w->size) {
			*stop = off;
			return CL_SHORT;
		}
		off = next;
	}
	*stop = off;
	return CL_OK;
}

/* Reads the EBML header; returns its end, or 0 after rejecting. */
static uint64_t mkv_header(struct mkv_walk *w, struct carve_result *res)
{
	struct ebml_el el;
	char doctype[16] = "";

	if (ebml_head(w->br, 0, &el) != HEAD_OK || el.id != ID_EBML ||
	    el.unknown || el.size > MKV_MAX_HEADER) {
		carve_reject(res, "no EBML header");
		return 0;
	}
	uint64_t end = el.data + el.size, off = el.data;
	if (end > w->size) {
		carve_reject(res, "EBML header past the end");
		return 0;
	}
	while (off < end) {
		struct ebml_el c;
		uint64_t v;
		if (!mkv_count(w) || ebml_head(w->br, off, &c) != HEAD_OK ||
		    c.unknown || c.data > end || c.size > end - c.data) {
			carve_reject(res, "bad EBML header element");
			return 0;
		}
		if (c.id == ID_DOCTYPE && c.size < sizeof(doctype)) {
			size_t n = bread_read(w->br, c.data, doctype, c.size);
			doctype[n] = '\0';
		} else if (c.id == ID_EBMLREADVER &&
		           (!mkv_uint(w->br, &c, &v) || v != 1)) {
			carve_reject(res, "unknown EBML read version");
			return 0;
		}
		off = c.data + c.size;
	}
	if (strcmp(doctype, "webm") == 0) {
		w->doc_webm = true;
	} else if (strcmp(doctype, "matroska") != 0) {
		carve_reject(res, "DocType is not matroska or webm");
		return 0;
	}
	return end;
}

/* Reports what the walk learnt. */
static void mkv_meta(struct mkv_walk *w, struct carve_result *res)
{
	if (w->doc_webm)
		res->ext = "webm";
	carve_meta_add(res, "doctype", "%s", w->doc_webm ? "webm" : "matroska");
	if (w->have_duration)
		carve_meta_add(res, "duration", "%.3f",
		               w->duration * (double)w->tcscale / 1e9);
	if (w->width && w->height) {
		carve_meta_add(res, "width", "%u", (unsigned)w->width);
		carve_meta_add(res, "height", "%u", (unsigned)w->height);
	}
	if (w->codecs[0])
		carve_meta_add(res, "codecs", "%s", w->codecs);
}

/* The data ran out at off inside the file: truncated where it ends. */
static void mkv_short(struct mkv_walk *w, struct carve_result *res,
                      uint64_t whole, const char *why)
{
	carve_truncated(res, w->size, why);
	res->open_end = true;
	res->vouched = whole;
}

static void mkv_validate(struct bread *br, struct carve_result *res)
{
	struct mkv_walk w = { .br = br, .size = bread_size(br),
	                      .tcscale = 1000000 };
	struct ebml_el seg;

	uint64_t hdr_end = mkv_header(&w, res);
	if (hdr_end == 0)
		return;
	if (ebml_head(br, hdr_end, &seg) != HEAD_OK || seg.id != ID_SEGMENT) {
		carve_reject(res, "no Segment after the EBML header");
		return;
	}
	bool seg_known = !seg.unknown;
	uint64_t seg_end = seg_known ? seg.data + seg.size : UINT64_MAX;
	if (seg_known && seg_end < seg.data) {
		carve_reject(res, "Segment size overflows");
		return;
	}
	uint64_t off = seg.data;
	const char *stop_why = NULL;
	bool garbage = false;   /* stopped at bytes that are no element */

	while (!seg_known || off < seg_end) {
		struct ebml_el el;
		if (!mkv_count(&w)) {
			carve_reject(res, "too many elements");
			return;
		}
		enum head_rc hr = ebml_head(br, off, &el);
		if (hr == HEAD_SHORT) {
			if (!w.seen_tracks) {
				carve_reject(res, "cut before Tracks");
				return;
			}
			mkv_short(&w, res, off, "Segment runs past the end");
			mkv_meta(&w, res);
			return;
		}
		if (hr == HEAD_BAD || !mkv_top_id(el.id) ||
		    (el.unknown && el.id != ID_CLUSTER)) {
			stop_why = "garbage where an element should be";
			garbage = true;
			break;
		}
		uint64_t end = el.unknown ? 0 : el.data + el.size;
		if (!el.unknown && (end < el.data || end > seg_end)) {
			stop_why = "element runs past the Segment";
			break;
		}
		if (!el.unknown && end > w.size) {
			if (!w.seen_tracks) {
				carve_reject(res, "cut before Tracks");
				return;
			}
			mkv_short(&w, res, off, "element runs past the end");
			mkv_meta(&w, res);
			return;
		}
		if (!el.unknown && !mkv_crc_ok(&w, el.data, end)) {
			stop_why = "CRC-32 mismatch";
			break;
		}
		if (el.id == ID_INFO || el.id == ID_TRACKS) {
			if (el.size > MKV_MAX_META_EL ||
			    !mkv_walk_meta(&w, el.data, end, 0)) {
				stop_why = "bad Info or Tracks";
				break;
			}
			if (el.id == ID_TRACKS)
				w.seen_tracks = true;
		} else if (el.id == ID_CLUSTER) {
			uint64_t cl_stop = 0;
			enum cl_rc cr = mkv_cluster(&w, el.data, end, el.unknown,
			                            &cl_stop);
			if (cr == CL_SHORT) {
				if (!w.seen_tracks) {
					carve_reject(res, "cut before Tracks");
					return;
				}
				mkv_short(&w, res, off, "Cluster runs past the end");
				mkv_meta(&w, res);
				return;
			}
			if (cr == CL_BAD) {
				stop_why = "damaged Cluster";
				break;
			}
			w.seen_cluster = true;
			if (el.unknown) {
				off = cl_stop;
				continue;
			}
		}
		off = end;
	}
	if (!w.seen_tracks) {
		carve_reject(res, stop_why ? stop_why : "no Tracks");
		return;
	}
	if (seg_known && off == seg_end) {
		carve_accept(res, seg_end);
	} else if (!seg_known && w.seen_cluster &&
	           garbage) {
		/* A live recording ends after its last whole element. */
		carve_accept(res, off);
	} else {
		carve_truncated(res, off, stop_why);
	}
	mkv_meta(&w, res);
}

static const struct format_sig mkv_sigs[] = {
	FORMAT_SIG("\x1a\x45\xdf\xa3", 0),
};

const struct format format_mkv = {
	.name = "mkv",
	.ext = "mkv",
	.description = "Matroska / WebM video (EBML)",
	FORMAT_SIGS(mkv_sigs),
	.align = 1,
	.min_size = 64,
	.max_size = 1ull << 38,
	.validate = mkv_validate,
};

/*
 * xcf.c - GIMP image (XCF) validator.
 *
 * An XCF file is a tree of structures linked by file offsets: the header
 * ("gimp xcf " and a version: "file" for 0, "vNNN" after), the canvas
 * width, height and base type (and from version 4 the precision), a list
 * of image properties closed by PROP_END, then zero-terminated lists of
 * pointers to the layers and to the channels.  A layer (or channel) has
 * its size, name, properties and a pointer to a hierarchy (a layer also to
 * its mask, a channel); a hierarchy has the bytes per pixel and pointers
 * to levels; a level has pointers to its 64x64 tiles.  Pointers are 32
 * bits, or 64 from version 11.
 *
 * Nothing gives the file's length, so it is the end of the furthest
 * structure pointed at (GIMP writes the hierarchy's dummy levels, which
 * have no tiles, after the tiles of the first).  A tile ends where the next tile of its level
 * starts; the last tile of a level is measured by decoding it when it is
 * uncompressed or RLE (GIMP's default).  A zlib-compressed last tile that
 * would end the file cannot be measured without inflating it: such a file
 * is returned truncated at the start of that tile.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "formats/format.h"

#define XCF_MAGIC_LEN    14u
#define XCF_TILE         64u
#define XCF_MAX_DIM      524288u    /* GIMP's own limit */
#define XCF_MAX_PROPS    10000u
#define XCF_MAX_PROP_TYPE 255u
#define XCF_MAX_ITEMS    65536u     /* layers, channels */
#define XCF_MAX_LEVELS   32u
#define XCF_MAX_NAME     65536u
#define XCF_MAX_BPP      16u
#define XCF_MAX_SIZE     (1ull << 40)

#define XCF_PROP_END         0u
#define XCF_PROP_COMPRESSION 17u

enum xcf_comp { XCF_COMP_NONE = 0, XCF_COMP_RLE = 1, XCF_COMP_ZLIB = 2 };

static const struct format_sig xcf_sigs[] = {
	FORMAT_SIG("gimp xcf ", 0),
};

/* The walk: where things are, and how far they reach. */
struct xcf {
	struct bread *br;
	uint64_t size;
	unsigned version;
	unsigned ptr;           /* pointer size: 4 or 8 */
	uint8_t comp;
	uint64_t end;           /* furthest known end */
	uint64_t unmeasured;    /* start of a tile that could not be measured */
	const char *bad;        /* why the file is not right, or NULL */
	bool cut;               /* a structure runs past what can be read */
	uint64_t budget;        /* bytes the walk may still read */
};

static void xcf_reach(struct xcf *x, uint64_t end)
{
	if (end > x->end)
		x->end = end;
}

/* Fails the walk: cut when the read at off could not be made. */
static void xcf_fail(struct xcf *x, uint64_t off, const char *why)
{
	if (x->bad == NULL && !x->cut) {
		if (off >= x->size)
			x->cut = true;
		else
			x->bad = why;
	}
}

/*
 * Charges n bytes read to the walk's budget: structures that share parts
 * (layers pointing at one hierarchy) cannot make the walk read more than
 * the file holds, plus a margin.
 */
static bool xcf_spend(struct xcf *x, uint64_t n)
{
	if (x->budget < n) {
		xcf_fail(x, 0, "structures walked more than once");
		return false;
	}
	x->budget -= n;
	return true;
}

static bool xcf_u32(struct xcf *x, uint64_t off, uint32_t *v)
{
	if (!xcf_spend(x, 4))
		return false;
	if (bread_be32(x->br, off, v) != 0) {
		xcf_fail(x, off + 3, "read error");
		return false;
	}
	return true;
}

static bool xcf_word(struct xcf *x, uint64_t off, uint64_t *v)
{
	if (x->ptr == 8) {
		if (!xcf_spend(x, 8))
			return false;
		if (bread_be64(x->br, off, v) != 0) {
			xcf_fail(x, off + 7, "read error");
			return false;
		}
		return true;
	}
	uint32_t w;
	if (!xcf_u32(x, off, &w))
		return false;
	*v = w;
	return true;
}

/* A pointer must land after the header and inside the file. */
static bool xcf_ptr_ok(struct xcf *x, uint64_t p)
{
	if (p < XCF_MAGIC_LEN + 12) {
		xcf_fail(x, 0, "pointer into the header");
		return false;
	}
	if (p >= x->size) {
		xcf_fail(x, p, "pointer past the end");
		return false;
	}
	return true;
}

/* Walks a property list at *off to PROP_END; keeps the compression. */
static bool xcf_props(struct xcf *x, uint64_t *off)
{
	for (unsigned n = 0; n < XCF_MAX_PROPS; n++) {
		uint32_t type, len;
		if (!xcf_u32(x, *off, &type) || !xcf_u32(x, *off + 4, &len))
			return false;
		if (type > XCF_MAX_PROP_TYPE) {
			xcf_fail(x, 0, "bad property type");
			return false;
		}
		uint64_t next = *off + 8 + (uint64_t)len;
		if (type == XCF_PROP_END) {
			if (len != 0) {
				xcf_fail(x, 0, "PROP_END with a payload");
				return false;
			}
			*off = next;
			return true;
		}
		if (next > x->size) {
			xcf_fail(x, next, "property past the end");
			return false;
		}
		if (type == XCF_PROP_COMPRESSION && len >= 1) {
			uint8_t c;
			if (bread_u8(x->br, *off + 8, &c) != 0) {
				xcf_fail(x, *off + 8, "read error");
				return false;
			}
			x->comp = c;
		}
		*off = next;
	}
	xcf_fail(x, 0, "too many properties");
	return false;
}

/* Steps over a string (32-bit length with the NUL, then the bytes). */
static bool xcf_string(struct xcf *x, uint64_t *off)
{
	uint32_t len;

	if (!xcf_u32(x, *off, &len))
		return false;
	if (len > XCF_MAX_NAME) {
		xcf_fail(x, 0, "name too long");
		return false;
	}
	*off += 4 + (uint64_t)len;
	return true;
}

/* Length of an RLE tile at off of n pixels of bpp bytes; 0 when bad. */
static uint64_t xcf_rle_len(struct xcf *x, uint64_t off, uint32_t n,
                            uint32_t bpp)
{
	uint64_t at = off;

	for (uint32_t ch = 0; ch < bpp; ch++) {
		uint32_t left = n;
		while (left > 0) {
			uint8_t op, b[2];
			uint32_t count;
			bool literal;
			if (!xcf_spend(x, 1))
				return 0;
			if (bread_u8(x->br, at, &op) != 0) {
				xcf_fail(x, at, "read error");
				return 0;
			}
			at++;
			if (op == 127 || op == 128) {
				if (bread_read(x->br, at, b, 2) != 2) {
					xcf_fail(x, at + 1, "read error");
					return 0;
				}
				at += 2;
				count = (uint32_t)b[0] << 8 | b[1];
				literal = op == 128;
			} else if (op > 128) {
				count = 256u - op;
				literal = true;
			} else {
				count = op + 1u;
				literal = false;
			}
			if (count == 0 || count > left) {
				xcf_fail(x, 0, "bad RLE tile");
				return 0;
			}
			if (!xcf_spend(x, literal ? count : 1))
				return 0;
			at += literal ? count : 1;
			left -= count;
		}
	}
	if (at > x->size) {
		xcf_fail(x, at, "tile past the end");
		return 0;
	}
	return at - off;
}

/* A level: its size and its tiles (first), or a dummy level. */
static void xcf_level(struct xcf *x, uint64_t off, uint32_t bpp, bool first)
{
	uint32_t w, h;

	if (!xcf_u32(x, off, &w) || !xcf_u32(x, off + 4, &h))
		return;
	if (w == 0 || h == 0 || w > XCF_MAX_DIM || h > XCF_MAX_DIM) {
		xcf_fail(x, 0, "bad level size");
		return;
	}
	if (!first) {
		/* a dummy level: GIMP ends its empty tile list with a 32-bit
		 * zero, whatever the pointer size */
		uint32_t z;
		if (!xcf_u32(x, off + 8, &z))
			return;
		if (z != 0)
			xcf_fail(x, 0, "dummy level with tiles");
		else
			xcf_reach(x, off + 12);
		return;
	}
	uint64_t cols = (w + XCF_TILE - 1) / XCF_TILE;
	uint64_t rows = (h + XCF_TILE - 1) / XCF_TILE;
	uint64_t ntiles = cols * rows;
	uint64_t at = off + 8, prev = 0;
	for (uint64_t i = 0;; i++, at += x->ptr) {
		uint64_t t;
		if (!xcf_word(x, at, &t))
			return;
		if (t == 0) {
			if (i != ntiles) {
				xcf_fail(x, 0, "wrong tile count");
				return;
			}
			break;
		}
		if (i >= ntiles) {
			xcf_fail(x, 0, "wrong tile count");
			return;
		}
		if (!xcf_ptr_ok(x, t))
			return;
		if (i > 0) {
			if (t <= prev) {
				xcf_fail(x, 0, "tiles out of order");
				return;
			}
			xcf_reach(x, t);
		}
		prev = t;
	}
	xcf_reach(x, at + x->ptr);
	/* the last tile: its pixels, then its length */
	uint32_t tw = w % XCF_TILE ? w % XCF_TILE : XCF_TILE;
	uint32_t th = h % XCF_TILE ? h % XCF_TILE : XCF_TILE;
	uint32_t n = tw * th;
	switch (x->comp) {
	case XCF_COMP_NONE:
		if (prev + (uint64_t)n * bpp > x->size)
			xcf_fail(x, prev + (uint64_t)n * bpp, "tile past the end");
		else
			xcf_reach(x, prev + (uint64_t)n * bpp);
		break;
	case XCF_COMP_RLE: {
		uint64_t len = xcf_rle_len(x, prev, n, bpp);
		if (len != 0)
			xcf_reach(x, prev + len);
		break;
	}
	default:
		if (prev > x->unmeasured)
			x->unmeasured = prev;
		xcf_reach(x, prev + 1);
	}
}

static void xcf_hierarchy(struct xcf *x, uint64_t off)
{
	uint32_t w, h, bpp;

	if (!xcf_u32(x, off, &w) || !xcf_u32(x, off + 4, &h) ||
	    !xcf_u32(x, off + 8, &bpp))
		return;
	if (bpp == 0 || bpp > XCF_MAX_BPP || w == 0 || h == 0 ||
	    w > XCF_MAX_DIM || h > XCF_MAX_DIM) {
		xcf_fail(x, 0, "bad hierarchy");
		return;
	}
	uint64_t at = off + 12;
	for (unsigned i = 0; i <= XCF_MAX_LEVELS; i++, at += x->ptr) {
		uint64_t l;
		if (!xcf_word(x, at, &l))
			return;
		if (l == 0) {
			if (i == 0)
				xcf_fail(x, 0, "hierarchy without levels");
			xcf_reach(x, at + x->ptr);
			return;
		}
		if (!xcf_ptr_ok(x, l))
			return;
		xcf_level(x, l, bpp, i == 0);
		if (x->bad != NULL || x->cut)
			return;
	}
	xcf_fail(x, 0, "too many levels");
}

/* A layer (layer true) or a channel at off. */
static void xcf_drawable(struct xcf *x, uint64_t off, bool layer)
{
	uint32_t w, h, type = 0;
	uint64_t at = off + 8;

	if (!xcf_u32(x, off, &w) || !xcf_u32(x, off + 4, &h))
		return;
	if (w == 0 || h == 0 || w > XCF_MAX_DIM || h > XCF_MAX_DIM) {
		xcf_fail(x, 0, "bad layer size");
		return;
	}
	if (layer) {
		if (!xcf_u32(x, at, &type))
			return;
		if (type > 5) {
			xcf_fail(x, 0, "bad layer type");
			return;
		}
		at += 4;
	}
	uint64_t hier, mask = 0;
	if (!xcf_string(x, &at) || !xcf_props(x, &at) ||
	    !xcf_word(x, at, &hier) ||
	    (layer && !xcf_word(x, at + x->ptr, &mask)))
		return;
	xcf_reach(x, at + (layer ? 2u : 1u) * x->ptr);
	if (!xcf_ptr_ok(x, hier))
		return;
	xcf_hierarchy(x, hier);
	if (mask != 0 && x->bad == NULL && !x->cut && xcf_ptr_ok(x, mask))
		xcf_drawable(x, mask, false);
}

/* Walks a zero-terminated pointer list at *off, visiting each item. */
static unsigned xcf_list(struct xcf *x, uint64_t *off, bool layers)
{
	unsigned n = 0;

	for (;; *off += x->ptr) {
		uint64_t p;
		if (!xcf_word(x, *off, &p))
			return n;
		if (p == 0) {
			*off += x->ptr;
			return n;
		}
		if (n >= XCF_MAX_ITEMS) {
			xcf_fail(x, 0, "too many layers or channels");
			return n;
		}
		if (!xcf_ptr_ok(x, p))
			return n;
		xcf_drawable(x, p, layers);
		if (x->bad != NULL || x->cut)
			return n;
		n++;
	}
}

static void xcf_validate(struct bread *br, struct carve_result *res)
{
	uint8_t m[XCF_MAGIC_LEN];
	struct xcf x = { .br = br, .size = bread_size(br), .ptr = 4 };
	x.budget = x.size + (1u << 20);
	unsigned version = 0;

	if (bread_read(br, 0, m, sizeof(m)) != sizeof(m) ||
	    memcmp(m, "gimp xcf ", 9) != 0 || m[13] != 0) {
		carve_reject(res, "no XCF header");
		return;
	}
	if (memcmp(m + 9, "file", 4) != 0) {
		if (m[9] != 'v' || m[10] < '0' || m[10] > '9' || m[11] < '0' ||
		    m[11] > '9' || m[12] < '0' || m[12] > '9') {
			carve_reject(res, "bad XCF version");
			return;
		}
		version = (m[10] - '0') * 100u + (m[11] - '0') * 10u +
		          (m[12] - '0');
	}
	x.version = version;
	x.ptr = version >= 11 ? 8 : 4;
	uint32_t w, h, base, prec;
	uint64_t off = XCF_MAGIC_LEN + 12;
	if (!xcf_u32(&x, 14, &w) || !xcf_u32(&x, 18, &h) ||
	    !xcf_u32(&x, 22, &base) ||
	    (version >= 4 && !xcf_u32(&x, off, &prec))) {
		carve_reject(res, "XCF header cut off");
		return;
	}
	if (w == 0 || h == 0 || w > XCF_MAX_DIM || h > XCF_MAX_DIM || base > 2) {
		carve_reject(res, "bad canvas");
		return;
	}
	if (version >= 4)
		off += 4;
	unsigned layers = 0;
	if (xcf_props(&x, &off)) {
		xcf_reach(&x, off);
		layers = xcf_list(&x, &off, true);
		if (x.bad == NULL && !x.cut) {
			xcf_list(&x, &off, false);
			xcf_reach(&x, off);
		}
	}
	if (x.bad != NULL) {
		carve_reject(res, x.bad);
		return;
	}
	if (x.cut) {
		carve_truncated(res, x.size, "structure past the end");
		return;
	}
	if (x.unmeasured != 0 && x.unmeasured + 1 >= x.end) {
		carve_truncated(res, x.unmeasured, "last tile compressed with zlib");
		return;
	}
	carve_meta_add(res, "width", "%u", (unsigned)w);
	carve_meta_add(res, "height", "%u", (unsigned)h);
	carve_meta_add(res, "version", "%u", version);
	carve_meta_add(res, "layers", "%u", layers);
	carve_accept(res, x.end);
}

const struct format format_xcf = {
	.name = "xcf",
	.ext = "xcf",
	.description = "GIMP image (XCF)",
	FORMAT_SIGS(xcf_sigs),
	.align = 1,
	.min_size = XCF_MAGIC_LEN + 12 + 8 + 8,
	.max_size = XCF_MAX_SIZE,
	.validate = xcf_validate,
};

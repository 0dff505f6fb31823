/*
 * pnm.c - Netpbm images: PBM, PGM, PPM (plain P1-P3 and binary P4-P6)
 * and PAM (P7).
 *
 * A Netpbm file is a short text header (the magic, the width, the height
 * and, but for bitmaps, the largest sample value, separated by white
 * space, with '#' comments to the end of a line) and the raster.  A
 * binary raster has an exact size that the header gives (bitmap rows
 * padded to whole bytes, two bytes a sample when maxval is over 255), so
 * the file ends there.  A plain raster is decimal numbers (bare 0s and
 * 1s for a bitmap): the walk counts them, each no larger than maxval,
 * and the file ends after the last one and the line end that follows it.
 * PAM's header is lines of WIDTH, HEIGHT, DEPTH, MAXVAL and TUPLTYPE up
 * to ENDHDR.  Two letters of magic are weak, so candidates are only
 * looked for at block starts and a header must make sense to count.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "formats/format.h"

#define PNM_MAX_HEADER  65536u          /* comments included */
#define PNM_MAX_DIM     (1u << 20)
#define PNM_MAX_DEPTH   16u             /* PAM channels */
#define PNM_MAX_RASTER  (1ull << 34)

struct pnm_rd {
	struct bread *br;
	uint64_t off;
	uint64_t size;
};

static bool pnm_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

/* The byte at r->off, or -1 past the end. */
static int pnm_peek(struct pnm_rd *r)
{
	uint8_t b;

	if (r->off >= r->size || bread_u8(r->br, r->off, &b) != 0)
		return -1;
	return b;
}

/*
 * Skips white space and comments in a header; false when the header runs
 * too long or past the end.
 */
static bool pnm_skip(struct pnm_rd *r)
{
	for (;;) {
		if (r->off > PNM_MAX_HEADER)
			return false;
		int c = pnm_peek(r);
		if (c < 0)
			return false;
		if (c == '#') {
			while (c >= 0 && c != '\n' && c != '\r') {
				if (r->off > PNM_MAX_HEADER)
					return false;
				r->off++;
				c = pnm_peek(r);
			}
			continue;
		}
		if (!pnm_space(c))
			return true;
		r->off++;
	}
}

/* A decimal number of at most max; false when there is none. */
static bool pnm_number(struct pnm_rd *r, uint32_t max, uint32_t *v)
{
	uint64_t n = 0;
	unsigned digits = 0;
	int c;

	while ((c = pnm_peek(r)) >= '0' && c <= '9') {
		n = n * 10 + (unsigned)(c - '0');
		if (n > max)
			return false;
		digits++;
		r->off++;
	}
	*v = (uint32_t)n;
	return digits > 0;
}

/* A header number followed by white space or a comment. */
static bool pnm_field(struct pnm_rd *r, uint32_t min, uint32_t max,
                      uint32_t *v)
{
	if (!pnm_skip(r) || !pnm_number(r, max, v) || *v < min)
		return false;
	int c = pnm_peek(r);
	return c >= 0 && (pnm_space(c) || c == '#');
}

/* Reads one PAM header line into line (without its end); false past the
 * header's limits. */
static bool pam_line(struct pnm_rd *r, char *line, size_t cap)
{
	size_t n = 0;

	for (;;) {
		int c = pnm_peek(r);
		if (c < 0 || r->off > PNM_MAX_HEADER)
			return false;
		r->off++;
		if (c == '\n')
			break;
		if (n + 1 < cap)
			line[n++] = (char)c;
	}
	while (n > 0 && pnm_space((unsigned char)line[n - 1]))
		line[--n] = '\0';
	line[n] = '\0';
	return true;
}

/* A PAM header value: the decimal number after the key. */
static bool pam_value(const char *s, uint32_t min, uint32_t max, uint32_t *v)
{
	uint64_t n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		n = n * 10 + (unsigned)(*s - '0');
		if (n > max)
			return false;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	*v = (uint32_t)n;
	return *s == '\0' && n >= min;
}

struct pnm_img {
	unsigned kind;            /* 1..7 */
	uint32_t w, h, maxval, depth;
	char tupltype[24];
};

/* Parses a PAM header after "P7\n"; false when it is not one. */
static bool pam_header(struct pnm_rd *r, struct pnm_img *im)
{
	bool w = false, h = false, d = false, m = false;
	char line[128];

	for (unsigned n = 0; n < 1024; n++) {
		if (!pam_line(r, line, sizeof(line)))
			return false;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strcmp(line, "ENDHDR") == 0)
			return w && h && d && m;
		if (strncmp(line, "WIDTH", 5) == 0 &&
		    pam_value(line + 5, 1, PNM_MAX_DIM, &im->w))
			w = true;
		else if (strncmp(line, "HEIGHT", 6) == 0 &&
		         pam_value(line + 6, 1, PNM_MAX_DIM, &im->h))
			h = true;
		else if (strncmp(line, "DEPTH", 5) == 0 &&
		         pam_value(line + 5, 1, PNM_MAX_DEPTH, &im->depth))
			d = true;
		else if (strncmp(line, "MAXVAL", 6) == 0 &&
		         pam_value(line + 6, 1, 65535, &im->maxval))
			m = true;
		else if (strncmp(line, "TUPLTYPE", 8) == 0 &&
		         (line[8] == ' ' || line[8] == '\t')) {
			const char *t = line + 9;
			while (*t == ' ' || *t == '\t')
				t++;
			size_t tl = strlen(t);
			if (tl >= sizeof(im->tupltype))
				tl = sizeof(im->tupltype) - 1;
			memcpy(im->tupltype, t, tl);
			im->tupltype[tl] = '\0';
			for (size_t i = 0; i < tl; i++)
				if (im->tupltype[i] < 0x20 || im->tupltype[i] > 0x7e)
					return false;
		} else
			return false;
	}
	return false;
}

/*
 * Checks that the 8-bit samples in [off, off + n) are at most maxval;
 * returns the offset of the first that is not, or off + n.
 */
static uint64_t pnm_check8(struct bread *br, uint64_t off, uint64_t n,
                           uint32_t maxval)
{
	uint64_t end = off + n;

	while (off < end) {
		size_t len;
		const uint8_t *p = bread_span(br, off, &len);
		if (p == NULL)
			return off;
		if (len > end - off)
			len = (size_t)(end - off);
		for (size_t i = 0; i < len; i++)
			if (p[i] > maxval)
				return off + i;
		off += len;
	}
	return end;
}

/* Walks a plain raster of count values; returns false with *why set. */
static bool pnm_plain(struct pnm_rd *r, const struct pnm_img *im,
                      uint64_t count, const char **why)
{
	for (uint64_t i = 0; i < count; i++) {
		uint32_t v;
		int c;
		while ((c = pnm_peek(r)) >= 0 && pnm_space(c))
			r->off++;
		if (c < 0) {
			*why = "raster runs past the end";
			return false;
		}
		if (im->kind == 1) {
			/* bitmap digits need no separator */
			if (c != '0' && c != '1') {
				*why = "not a bitmap digit";
				return false;
			}
			r->off++;
			continue;
		}
		if (!pnm_number(r, im->maxval, &v)) {
			*why = "sample missing or over maxval";
			return false;
		}
		c = pnm_peek(r);
		if (c < 0) {
			/* the number itself may have been cut */
			*why = "raster runs past the end";
			return false;
		}
		if (!pnm_space(c)) {
			*why = "sample not followed by white space";
			return false;
		}
	}
	/* the line end after the last value */
	int c;
	while ((c = pnm_peek(r)) == ' ' || c == '\t' || c == '\r')
		r->off++;
	if (c < 0) {
		*why = "raster runs past the end";
		return false;
	}
	if (c == '\n')
		r->off++;
	return true;
}

static const char *const pnm_exts[8] = {
	NULL, "pbm", "pgm", "ppm", "pbm", "pgm", "ppm", "pam",
};

static void pnm_validate(struct bread *br, struct carve_result *res)
{
	struct pnm_rd r = { .br = br, .off = 2, .size = bread_size(br) };
	struct pnm_img im = { .depth = 1, .maxval = 1 };
	const uint8_t *p = bread_peek(br, 0, 3);

	if (p == NULL || p[0] != 'P' || p[1] < '1' || p[1] > '7' ||
	    !pnm_space(p[2])) {
		carve_reject(res, "no Netpbm magic");
		return;
	}
	im.kind = (unsigned)(p[1] - '0');
	if (im.kind == 7) {
		if (p[2] != '\n' || (r.off = 3, !pam_header(&r, &im))) {
			carve_reject(res, "bad PAM header");
			return;
		}
	} else {
		bool bitmap = im.kind == 1 || im.kind == 4;
		if (!pnm_field(&r, 1, PNM_MAX_DIM, &im.w) ||
		    !pnm_field(&r, 1, PNM_MAX_DIM, &im.h) ||
		    (!bitmap && !pnm_field(&r, 1, 65535, &im.maxval))) {
			carve_reject(res, "bad Netpbm header");
			return;
		}
		if (im.kind == 3 || im.kind == 6)
			im.depth = 3;
		/* one white space byte ends the header */
		if (!pnm_space(pnm_peek(&r))) {
			carve_reject(res, "bad Netpbm header");
			return;
		}
		r.off++;
	}
	uint64_t header = r.off;
	uint64_t values = (uint64_t)im.w * im.h * im.depth;
	uint64_t end;

	if (im.kind <= 3) {
		const char *why = NULL;
		r.off = header;
		if (!pnm_plain(&r, &im, values, &why)) {
			if (r.off >= r.size)
				carve_truncated(res, r.size, why);
			else
				carve_reject(res, why);
			return;
		}
		end = r.off;
	} else {
		unsigned bps = im.maxval > 255 ? 2 : 1;
		uint64_t raster = im.kind == 4 ?
		                  (uint64_t)((im.w + 7) / 8) * im.h :
		                  values * bps;
		if (raster > PNM_MAX_RASTER) {
			carve_reject(res, "raster too large");
			return;
		}
		end = header + raster;
		if (bps == 1 && im.maxval < 255 && im.kind != 4) {
			uint64_t n = end <= r.size ? raster : r.size - header;
			uint64_t bad = pnm_check8(br, header, n, im.maxval);
			if (bad < header + n) {
				/* a sample over maxval: not this image's data */
				if (bad == header)
					carve_reject(res, "sample over maxval");
				else
					carve_truncated(res, bad, "sample over maxval");
				return;
			}
		}
		if (end > r.size) {
			carve_truncated(res, r.size, "raster runs past the end");
			goto meta;
		}
	}
	carve_accept(res, end);
meta:
	res->ext = pnm_exts[im.kind];
	carve_meta_add(res, "width", "%u", (unsigned)im.w);
	carve_meta_add(res, "height", "%u", (unsigned)im.h);
	if (im.kind != 1 && im.kind != 4)
		carve_meta_add(res, "maxval", "%u", (unsigned)im.maxval);
	if (im.kind == 7) {
		carve_meta_add(res, "depth", "%u", (unsigned)im.depth);
		if (im.tupltype[0])
			carve_meta_add(res, "tupltype", "%s", im.tupltype);
	}
}

#define PNM_SIGS(d) \
	FORMAT_SIG("P" d "\n", 0), FORMAT_SIG("P" d " ", 0), \
	FORMAT_SIG("P" d "\r", 0), FORMAT_SIG("P" d "\t", 0)

static const struct format_sig pnm_sigs[] = {
	PNM_SIGS("1"), PNM_SIGS("2"), PNM_SIGS("3"), PNM_SIGS("4"),
	PNM_SIGS("5"), PNM_SIGS("6"), FORMAT_SIG("P7\n", 0),
};

const struct format format_pnm = {
	.name = "pnm",
	.ext = "pnm",
	.description = "Netpbm image: PBM, PGM, PPM (plain and binary), PAM",
	FORMAT_SIGS(pnm_sigs),
	/* two letters of magic: only at block starts */
	.align = 512,
	.min_size = 8,
	.max_size = PNM_MAX_RASTER + PNM_MAX_HEADER,
	.validate = pnm_validate,
};

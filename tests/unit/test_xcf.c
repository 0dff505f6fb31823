/*
 * test_xcf.c - the XCF validator: images saved by GIMP 2.10 in batch mode
 * (tests/data/xcf/make.sh; version 11, 64-bit pointers, RLE tiles)
 * embedded in random bytes and cut short; a version 1 file with 32-bit
 * pointers and uncompressed tiles built here from the format description;
 * hostile pointer lists.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "fmt_util.h"
#include "img_check.h"

extern const struct format format_xcf;

static const struct sample {
	const char *file;
	const char *width, *height, *layers;
} samples[] = {
	{ "xcf/two.xcf", "100", "70", "2" },
	{ "xcf/masked.xcf", "200", "150", "1" },
	{ "xcf/gray.xcf", "90", "64", "1" },
};

static void check_sample(const struct sample *s)
{
	size_t len;
	uint8_t *f = tu_load_data(s->file, &len);
	struct carve_result res;

	ic_embedded_at(&format_xcf, s->file, f, len, 4096, 3000, 29, &res);
	is_str(tu_meta(&res, "width"), s->width, "%s: width", s->file);
	is_str(tu_meta(&res, "height"), s->height, "%s: height", s->file);
	is_str(tu_meta(&res, "layers"), s->layers, "%s: layers", s->file);
	is_str(tu_meta(&res, "version"), "11", "%s: version", s->file);
	unsigned bad = 0;
	for (size_t cut = 1; cut < len; cut++) {
		enum carve_verdict v = tu_validate(&format_xcf, f, cut, 0, &res);
		if (v == CARVE_ACCEPT || (v == CARVE_TRUNCATED && res.length > cut))
			bad++;
	}
	is_u64(bad, 0, "%s: no cut of %zu accepted or overlong", s->file, len);
	free(f);
}

/* ---- a version 1 file, built big-endian word by word ---- */

struct xb {
	uint8_t b[65536];
	size_t len;
};

static void xb_u32(struct xb *x, uint32_t v)
{
	mem_put_be32(x->b + x->len, v);
	x->len += 4;
}

static void xb_at(struct xb *x, size_t at, uint32_t v)
{
	mem_put_be32(x->b + at, v);
}

/* One 70x10 RGB layer (two tiles), uncompressed; *layer_ptr is where the
 * layer pointer list starts. */
static void build_v1(struct xb *x, size_t *list)
{
	memset(x, 0, sizeof(*x));
	memcpy(x->b, "gimp xcf v001", 14);
	x->len = 14;
	xb_u32(x, 70);
	xb_u32(x, 10);
	xb_u32(x, 0);
	xb_u32(x, 0);        /* PROP_END */
	xb_u32(x, 0);
	*list = x->len;
	xb_u32(x, 0);        /* layer pointer, filled below */
	xb_u32(x, 0);
	xb_u32(x, 0);        /* no channels */
	size_t layer = x->len;
	xb_at(x, *list, (uint32_t)layer);
	xb_u32(x, 70);
	xb_u32(x, 10);
	xb_u32(x, 0);        /* RGB */
	xb_u32(x, 4);
	memcpy(x->b + x->len, "one", 4);
	x->len += 4;
	xb_u32(x, 0);        /* PROP_END */
	xb_u32(x, 0);
	size_t hp = x->len;
	xb_u32(x, 0);        /* hierarchy */
	xb_u32(x, 0);        /* no mask */
	xb_at(x, hp, (uint32_t)x->len);
	xb_u32(x, 70);
	xb_u32(x, 10);
	xb_u32(x, 3);
	size_t lp = x->len;
	xb_u32(x, 0);
	xb_u32(x, 0);
	xb_at(x, lp, (uint32_t)x->len);
	xb_u32(x, 70);
	xb_u32(x, 10);
	size_t tp = x->len;
	xb_u32(x, 0);
	xb_u32(x, 0);
	xb_u32(x, 0);
	xb_at(x, tp, (uint32_t)x->len);
	memset(x->b + x->len, 0x55, 64 * 10 * 3);
	x->len += 64 * 10 * 3;
	xb_at(x, tp + 4, (uint32_t)x->len);
	memset(x->b + x->len, 0xaa, 6 * 10 * 3);
	x->len += 6 * 10 * 3;
}

static void check_v1(void)
{
	static struct xb x;
	size_t list;
	struct carve_result res;

	build_v1(&x, &list);
	ic_embedded_at(&format_xcf, "built v1", x.b, x.len, 512, 1000, 31, &res);
	is_str(tu_meta(&res, "version"), "1", "built v1: version");
	ic_cuts(&format_xcf, "built v1", x.b, x.len);

	/* the layer pointer past the end */
	xb_at(&x, list, 0x7ffffff0);
	tu_validate(&format_xcf, x.b, x.len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == x.len,
	   "layer pointer past the end: truncated at what is there");
	/* into the header */
	xb_at(&x, list, 4);
	tu_validate(&format_xcf, x.b, x.len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "layer pointer into the header: "
	   "rejected");
}

/* Thousands of layer pointers all naming one layer: bounded work. */
static void check_shared(void)
{
	static struct xb x;
	size_t list;
	struct carve_result res;

	build_v1(&x, &list);
	uint32_t layer = mem_be32(x.b + list);
	size_t n = 60000;   /* about 60 bytes walked each: past the budget */
	size_t blen = x.len + n * 4 + 8;
	uint8_t *b = calloc(1, blen);
	/* header and props, then n pointers, then the rest moved along */
	memcpy(b, x.b, list);
	size_t shift = n * 4 - 4;
	for (size_t i = 0; i < n; i++)
		mem_put_be32(b + list + i * 4, (uint32_t)(layer + shift));
	memcpy(b + list + n * 4, x.b + list + 4, x.len - list - 4);
	/* the structures moved: fix the pointers inside them */
	size_t l2 = layer + shift;
	uint32_t hp = mem_be32(b + l2 + 12 + 4 + 4 + 8);
	mem_put_be32(b + l2 + 12 + 4 + 4 + 8, (uint32_t)(hp + shift));
	uint32_t lp = mem_be32(b + hp + shift + 12);
	mem_put_be32(b + hp + shift + 12, (uint32_t)(lp + shift));
	for (int t = 0; t < 2; t++) {
		size_t tp = lp + shift + 8 + 4 * t;
		mem_put_be32(b + tp, (uint32_t)(mem_be32(b + tp) + shift));
	}
	clock_t t0 = clock();
	enum carve_verdict v = tu_validate(&format_xcf, b, blen, 0, &res);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	ok(v == CARVE_REJECT, "%zu pointers to one layer: rejected (%s)", n,
	   res.reason ? res.reason : "");
	is_str(res.reason, "structures walked more than once",
	       "%zu pointers to one layer: reason", n);
	printf("# walked in %.2f s CPU (not asserted)\n", secs);
	free(b);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		check_sample(&samples[i]);
	check_v1();
	check_shared();
	return tap_done();
}

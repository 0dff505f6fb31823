/*
 * test_match_simd.c - every any-offset search variant finds exactly the
 * candidates the scalar reference finds, and the scalar reference (any
 * offset and block mode) exactly what trying every signature at every
 * start finds.
 *
 * Signature tables: the real format table, and the synthetic ones of
 * sigset.c (40-odd real-world magic numbers; awkward masks, offsets and
 * overlaps; signatures as far as 263 bytes from the file start).  Buffers: random ones with signatures planted whole or cut,
 * and adversarial ones (all 0x00, all 0xff, repeated prefixes, signatures
 * packed end to end, signatures at the edges).  Each buffer is scanned
 * with several own ranges, data offsets and need_end values.  A variant
 * this CPU cannot run is reported as a TAP skip.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "tap.h"
#include "fmt_util.h"
#include "sigset.h"
#include "scan/match.h"
#include "pipeline/sigs.h"

/* ------------------------------------------------------------ hit sets */

struct hit {
	uint64_t start;
	unsigned fmt;
};

struct hits {
	struct hit *v;
	size_t n, cap;
};

static void collect(void *arg, uint64_t start, unsigned fmt)
{
	struct hits *h = arg;

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 256;
		h->v = realloc(h->v, h->cap * sizeof(*h->v));
		if (h->v == NULL)
			tap_bail("out of memory");
	}
	h->v[h->n].start = start;
	h->v[h->n++].fmt = fmt;
}

static int hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->fmt > y->fmt) - (x->fmt < y->fmt);
}

static void hits_sort(struct hits *h)
{
	if (h->n > 1)
		qsort(h->v, h->n, sizeof(*h->v), hit_cmp);
}

/* Whether two sorted hit lists are equal; prints the first difference. */
static int hits_equal(const struct hits *a, const struct hits *b,
                      const char *what)
{
	size_t i = 0;

	while (i < a->n && i < b->n && hit_cmp(&a->v[i], &b->v[i]) == 0)
		i++;
	if (i == a->n && i == b->n)
		return 1;
	printf("# %s: %zu vs %zu hits; first difference at #%zu:", what, a->n,
	       b->n, i);
	if (i < a->n)
		printf(" (%" PRIu64 ", fmt %u)", a->v[i].start, a->v[i].fmt);
	else
		printf(" (none)");
	if (i < b->n)
		printf(" vs (%" PRIu64 ", fmt %u)", b->v[i].start, b->v[i].fmt);
	else
		printf(" vs (none)");
	printf("\n");
	return 0;
}

/* ------------------------------------------------------------ the oracle */

/* Every signature at every start, straight from the format descriptors. */
static void brute(const struct format *const *fl, unsigned nf, uint32_t block,
                  int any, const uint8_t *d, size_t len, uint64_t off,
                  uint64_t lo, uint64_t hi, uint64_t need_end, struct hits *h)
{
	if (lo < off)
		lo = off;
	if (hi > off + len)
		hi = off + len;
	for (unsigned f = 0; f < nf; f++) {
		for (unsigned s = 0; s < fl[f]->nsigs; s++) {
			const struct format_sig *fs = &fl[f]->sigs[s];
			/* A signature's own alignment overrides its format's. */
			uint64_t align = fs->align ? fs->align
			                 : fl[f]->align ? fl[f]->align : 1;
			if (!any && align < block)
				align = block;
			for (uint64_t p = lo; p < hi; p++) {
				if (p % align != 0 || (!any && p % block != 0) ||
				    p + fs->offset + fs->len > off + len ||
				    p + fs->offset + fs->len <= need_end)
					continue;
				const uint8_t *q = d + (p + fs->offset - off);
				unsigned i = 0;
				for (; i < fs->len; i++) {
					uint8_t mk = fs->mask ? fs->mask[i] : 0xff;
					if ((q[i] & mk) != (fs->bytes[i] & mk))
						break;
				}
				if (i == fs->len)
					collect(h, p, f);
			}
		}
	}
	hits_sort(h);
}

/* ------------------------------------------------------------ variants */

static const enum dredge_simd variants[] = {
	DREDGE_SIMD_SSE2, DREDGE_SIMD_AVX2, DREDGE_SIMD_AVX512,
};
#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

static void skip(const char *name, const char *why)
{
	printf("ok %d # SKIP %s: %s\n", ++tap_n, name, why);
}

/*
 * One signature table under test: the block matcher, the scalar
 * any-offset matcher and one matcher per variant, plus counters of the
 * scans each got right.
 */
struct suite {
	const char *name;
	const struct format *const *fl;
	unsigned nf;
	struct matcher block, scalar, simd[NVARIANTS];
	int runs[NVARIANTS];
	unsigned scans, wrong_block, wrong_scalar, wrong[NVARIANTS];
	uint64_t hits;
};

static void suite_init(struct suite *s, const char *name,
                       const struct format *const *fl, unsigned nf)
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->fl = fl;
	s->nf = nf;
	if (sigs_match_init(&s->block, fl, nf, 512, 0) != 0 ||
	    sigs_match_init(&s->scalar, fl, nf, 512, 1) != 0 ||
	    match_use(&s->scalar, DREDGE_SIMD_SCALAR) != 0)
		tap_bail("match_init failed");
	for (unsigned v = 0; v < NVARIANTS; v++) {
		if (sigs_match_init(&s->simd[v], fl, nf, 512, 1) != 0)
			tap_bail("match_init failed");
		int rc = match_use(&s->simd[v], variants[v]);
		s->runs[v] = rc == 0;
		if (rc != 0 && rc != -ENOTSUP)
			tap_bail("match_use failed");
	}
}

static void suite_free(struct suite *s)
{
	match_free(&s->block);
	match_free(&s->scalar);
	for (unsigned v = 0; v < NVARIANTS; v++)
		match_free(&s->simd[v]);
}

/* Scans d[0..len) (at source offset off) for starts in [lo, hi) with
 * every matcher and checks each against the oracle. */
static void check_scan(struct suite *s, const uint8_t *d, size_t len,
                       uint64_t off, uint64_t lo, uint64_t hi,
                       uint64_t need_end, const char *what)
{
	struct hits want = { 0 }, got = { 0 };
	char label[160];

	s->scans++;
	snprintf(label, sizeof(label), "%s, %s, len %zu, off %" PRIu64
	         ", [%" PRIu64 ", %" PRIu64 "), need_end %" PRIu64, s->name,
	         what, len, off, lo, hi, need_end);

	brute(s->fl, s->nf, 512, 1, d, len, off, lo, hi, need_end, &want);
	s->hits += want.n;
	match_scan(&s->scalar, d, len, off, lo, hi, need_end, collect, &got);
	hits_sort(&got);
	if (!hits_equal(&want, &got, label))
		s->wrong_scalar++;
	for (unsigned v = 0; v < NVARIANTS; v++) {
		if (!s->runs[v])
			continue;
		got.n = 0;
		match_scan(&s->simd[v], d, len, off, lo, hi, need_end, collect,
		           &got);
		hits_sort(&got);
		if (!hits_equal(&want, &got, dredge_simd_name(variants[v])))
			s->wrong[v]++;
	}

	want.n = got.n = 0;
	brute(s->fl, s->nf, 512, 0, d, len, off, lo, hi, need_end, &want);
	match_scan(&s->block, d, len, off, lo, hi, need_end, collect, &got);
	hits_sort(&got);
	if (!hits_equal(&want, &got, "block mode"))
		s->wrong_block++;
	free(want.v);
	free(got.v);
}

/* Scans one buffer with a spread of ranges, offsets and need_end values:
 * the whole buffer, cut into pieces the way the pipeline does (each piece
 * seeing the bytes after it), a data offset that is not block-aligned, and
 * a tail pass that only reports starts whose signature runs past a cut. */
static void check_buffer(struct suite *s, const uint8_t *d, size_t len,
                         const char *what, uint64_t seed)
{
	uint64_t offs[] = { 0, 512 * 7, 512 * 3 + 5 + seed % 300 };

	for (unsigned o = 0; o < sizeof(offs) / sizeof(offs[0]); o++) {
		uint64_t off = offs[o];
		check_scan(s, d, len, off, 0, UINT64_MAX, 0, what);
		/* Pieces of odd sizes, each with the following bytes. */
		size_t piece = 37 + (size_t)(seed % 1000) * 13;
		for (size_t lo = 0; lo < len; lo += piece) {
			size_t hi = lo + piece < len ? lo + piece : len;
			size_t end = hi + FORMAT_SIG_MAX_REACH - 1 < len
			             ? hi + FORMAT_SIG_MAX_REACH - 1 : len;
			check_scan(s, d, end, off, off + lo, off + hi, 0, what);
			/* The tail pass over the cut at hi. */
			size_t tlo = hi > FORMAT_SIG_MAX_REACH - 1
			             ? hi - (FORMAT_SIG_MAX_REACH - 1) : 0;
			check_scan(s, d + tlo, end - tlo, off + tlo, off + tlo,
			           off + hi, off + hi, what);
			if (piece < 2000 && lo > 4 * piece)
				lo += 8 * piece;   /* keep the test quick */
		}
	}
}

/* Writes signature sig of format f at start p of d[0..len), with random
 * bits where its mask is clear; bytes past len are dropped (a cut). */
static void plant(uint8_t *d, size_t len, const struct format_sig *sig,
                  size_t p, uint64_t *x)
{
	for (unsigned i = 0; i < sig->len; i++) {
		size_t at = p + sig->offset + i;
		if (at >= len)
			return;
		*x = *x * 6364136223846793005ull + 1442695040888963407ull;
		uint8_t mk = sig->mask ? sig->mask[i] : 0xff;
		uint8_t r = (uint8_t)(*x >> 56);
		d[at] = (uint8_t)((sig->bytes[i] & mk) | (r & ~mk));
	}
}

static const struct format_sig *pick_sig(const struct suite *s, uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	const struct format *f = s->fl[(*x >> 33) % s->nf];
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return &f->sigs[(*x >> 33) % f->nsigs];
}

static void test_random(struct suite *s)
{
	static const size_t sizes[] = { 1, 2, 3, 15, 17, 31, 33, 63, 65, 66,
	                                127, 129, 1000, 4099, 65536 + 13 };

	for (unsigned si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		for (uint64_t seed = 1; seed <= 4; seed++) {
			size_t len = sizes[si];
			uint8_t *d = malloc(len);
			uint64_t x = seed * 7919 + len;
			tu_random(d, len, seed * 1000 + len);
			/* Planted signatures: roughly one per 40 bytes,
			 * some cut by the buffer end. */
			for (size_t i = 0; s->nf && i < len / 40 + 2; i++) {
				x = x * 6364136223846793005ull + 1;
				size_t p = (size_t)(x >> 33) % len;
				if (i == 0)
					p = 0;
				else if (i == 1 && len > 3)
					p = len - 1 - (size_t)(x >> 60) % 3;
				plant(d, len, pick_sig(s, &x), p, &x);
			}
			check_buffer(s, d, len, "random", seed + si);
			free(d);
		}
	}
}

static void test_adversarial(struct suite *s)
{
	const size_t len = 8192 + 77;
	uint8_t *d = malloc(len);
	uint64_t x = 12345;

	memset(d, 0x00, len);
	check_buffer(s, d, len, "all 0x00", 1);
	memset(d, 0xff, len);
	check_buffer(s, d, len, "all 0xff", 2);
	for (size_t i = 0; i < len; i++)
		d[i] = (uint8_t)(i % 2 ? 0xd8 : 0xff);
	check_buffer(s, d, len, "FF D8 repeated", 3);
	for (size_t i = 0; i < len; i++)
		d[i] = (uint8_t)"\xff\xd8\xff\xd8\xff\xe0"[i % 6];
	check_buffer(s, d, len, "FF D8 FF D8 FF E0 repeated", 4);

	/* Every signature end to end, over and over, then the same shifted
	 * by one byte so that alignment-bound ones land both on and off
	 * their alignment. */
	for (unsigned shift = 0; shift < 2 && s->nf; shift++) {
		size_t p = shift;
		memset(d, 0x5a, len);
		while (p < len) {
			for (unsigned f = 0; f < s->nf && p < len; f++)
				for (unsigned k = 0; k < s->fl[f]->nsigs; k++) {
					const struct format_sig *sig =
						&s->fl[f]->sigs[k];
					plant(d, len, sig, p, &x);
					p += sig->offset + sig->len;
				}
		}
		check_buffer(s, d, len, shift ? "packed, shifted" : "packed", 5);
	}

	/* Each signature alone at the first and the last start where it
	 * fits, then cut short by one byte at the end. */
	for (unsigned f = 0; f < s->nf; f++) {
		for (unsigned k = 0; k < s->fl[f]->nsigs; k++) {
			const struct format_sig *sig = &s->fl[f]->sigs[k];
			size_t reach = sig->offset + sig->len, n = 700;
			tu_random(d, n, f * 100 + k + 1);
			plant(d, n, sig, 0, &x);
			plant(d, n, sig, 512, &x);
			plant(d, n, sig, n - reach, &x);
			check_buffer(s, d, n, "edges", f + k);
			plant(d, n, sig, n - reach + 1, &x);
			check_buffer(s, d, n, "cut at the end", f + k);
		}
	}
	free(d);
}

static void report(struct suite *s)
{
	ok(s->wrong_scalar == 0, "%s: scalar any-offset equals trying every "
	   "signature at every start (%u scans, %" PRIu64 " hits)", s->name,
	   s->scans, s->hits);
	ok(s->wrong_block == 0, "%s: block mode equals trying every signature "
	   "at every block start", s->name);
	for (unsigned v = 0; v < NVARIANTS; v++) {
		const char *name = dredge_simd_name(variants[v]);
		if (!s->runs[v])
			skip(name, "this CPU (or build) does not run it");
		else
			ok(s->wrong[v] == 0, "%s: %s finds exactly the scalar "
			   "candidates (%u scans)", s->name, name, s->scans);
	}
}

static void test_table(const char *name, const struct format *const *fl,
                       unsigned nf)
{
	struct suite s;

	suite_init(&s, name, fl, nf);
	test_random(&s);
	test_adversarial(&s);
	report(&s);
	suite_free(&s);
}

/* ------------------------------------------------------------ plumbing */

static void test_choice(void)
{
	enum dredge_simd v;
	struct matcher m;

	ok(dredge_simd_supported(DREDGE_SIMD_SCALAR), "scalar always runs");
	ok(dredge_simd_supported(dredge_simd_auto()) &&
	   dredge_simd_auto() != DREDGE_SIMD_AUTO,
	   "auto stands for a variant that runs here (%s)",
	   dredge_simd_name(dredge_simd_auto()));
	ok(dredge_simd_parse("avx2", &v) == 0 && v == DREDGE_SIMD_AVX2 &&
	   dredge_simd_parse("auto", &v) == 0 && v == DREDGE_SIMD_AUTO &&
	   dredge_simd_parse("neon", &v) == -EINVAL,
	   "variant names parse");
	ok(dredge_simd_name((enum dredge_simd)99) == NULL,
	   "no name for an unknown variant");

	sigs_match_init(&m, sigset_real, sigset_real_count, 512, 1);
	ok(m.simd == dredge_simd_auto(), "match_init picks auto's variant");
	ok(match_use(&m, DREDGE_SIMD_SCALAR) == 0 &&
	   m.simd == DREDGE_SIMD_SCALAR, "the scalar search can be forced");
	int unsupported = -1;
	for (unsigned i = 0; i < NVARIANTS; i++)
		if (!dredge_simd_supported(variants[i]))
			unsupported = (int)i;
	if (unsupported < 0) {
		skip("refusal", "every variant runs on this CPU");
	} else {
		ok(match_use(&m, variants[unsupported]) == -ENOTSUP &&
		   m.simd == DREDGE_SIMD_SCALAR,
		   "a variant the CPU lacks is refused and the choice kept");
	}
	match_free(&m);
	printf("# %u synthetic signatures in %u formats; %u in %u real formats\n",
	       sigset_nsigs(sigset_real, sigset_real_count), sigset_real_count,
	       sigset_nsigs(format_table, format_count), format_count);
}

/*
 * The matcher's own pattern list: what it takes without any format, and
 * what sigs_collect makes of the descriptors.
 */
static void test_patterns(void)
{
	static const uint8_t magic[] = "\x13\x37\xbe\xef";
	struct match_pattern p[2] = {
		{ .bytes = magic, .len = 4, .offset = 2, .align = 0, .fmt = 9 },
		{ .bytes = magic, .len = 2, .offset = 0, .align = 8,
		  .fmt = UINT16_MAX },
	};
	uint8_t d[256] = { 0 };
	struct hits h = { 0 };
	struct matcher m;

	/* The second pattern counts only at multiples of 8: at 80, not at
	 * 66 or 102. */
	memcpy(d + 64 + 2, magic, 4);
	memcpy(d + 80, magic, 4);
	memcpy(d + 100 + 2, magic, 4);
	ok(match_init(&m, p, 2, 512, 1) == 0, "patterns: a matcher");
	match_scan(&m, d, sizeof(d), 0, 0, sizeof(d), 0, collect, &h);
	hits_sort(&h);
	ok(h.n == 4 && h.v[0].start == 64 && h.v[1].start == 78 &&
	   h.v[2].start == 80 && h.v[3].start == 100,
	   "patterns: each start found at its own alignment");
	ok(h.n == 4 && h.v[0].fmt == 9 && h.v[1].fmt == 9 &&
	   h.v[2].fmt == UINT16_MAX && h.v[3].fmt == 9,
	   "patterns: each reports its own fmt");
	match_free(&m);
	free(h.v);

	p[0].len = 0;
	ok(match_init(&m, p, 2, 512, 1) == -EINVAL, "patterns: empty refused");
	p[0].len = 4;
	p[0].offset = MATCH_MAX_REACH - 3;
	ok(match_init(&m, p, 2, 512, 1) == -EINVAL,
	   "patterns: reach past MATCH_MAX_REACH refused");
	p[0].offset = MATCH_MAX_REACH - 4;
	ok(match_init(&m, p, 2, 512, 1) == 0,
	   "patterns: reach of exactly MATCH_MAX_REACH taken");
	match_free(&m);
	p[0].offset = 0;
	p[0].len = MATCH_MAX_LEN + 1;
	ok(match_init(&m, p, 2, 512, 1) == -EINVAL,
	   "patterns: longer than MATCH_MAX_LEN refused");
	p[0].len = 4;
	p[0].offset = 2;
	p[0].fmt = UINT16_MAX + 1u;
	ok(match_init(&m, p, 2, 512, 1) == -EINVAL,
	   "patterns: a format number past 16 bits refused");
	ok(match_init(&m, p, 0, 0, 1) == -EINVAL, "patterns: block 0 refused");

	/* From the descriptors: list order, format index, and a signature's
	 * own alignment before its format's. */
	struct match_pattern *q;
	unsigned nq, k = 0;
	int same = 1;
	ok(sigs_collect(format_table, format_count, &q, &nq) == 0 &&
	   nq == sigset_nsigs(format_table, format_count),
	   "sigs_collect: one pattern per signature (%u)", nq);
	for (unsigned f = 0; f < format_count && k < nq; f++) {
		for (unsigned i = 0; i < format_table[f]->nsigs; i++, k++) {
			const struct format_sig *g = &format_table[f]->sigs[i];
			uint32_t al = g->align ? g->align : format_table[f]->align
			              ? format_table[f]->align : 1;
			same &= q[k].bytes == g->bytes && q[k].mask == g->mask &&
			        q[k].len == g->len && q[k].offset == g->offset &&
			        q[k].fmt == f && q[k].align == al;
		}
	}
	ok(same && k == nq, "sigs_collect: patterns follow the descriptors");
	free(q);
}

int main(void)
{
	test_choice();
	test_patterns();
	test_table("real formats", format_table, format_count);
	test_table("synthetic set", sigset_real, sigset_real_count);
	test_table("odd signatures", sigset_odd, sigset_odd_count);
	test_table("far signatures", sigset_far, sigset_far_count);
	return tap_done();
}

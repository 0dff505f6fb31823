/*
 * test_pdf.c - the PDF validator: real documents made by ghostscript and
 * qpdf (tests/data/pdf/make.sh) embedded in random bytes; documents that
 * follow each other; incremental updates and linearized files; cut,
 * corrupted and hostile variants.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "fmt_util.h"
#include "img_check.h"
#include "frag_check.h"

extern const struct format format_pdf;

static const struct sample {
	const char *file;
	const char *revisions;
	const char *xref;
	int linearized;
	const char *producer;  /* prefix, NULL: none expected */
} samples[] = {
	{ "pdf/basic.pdf", "1", "table", 0, "GPL Ghostscript" },
	{ "pdf/linearized.pdf", "1", "table", 1, "GPL Ghostscript" },
	{ "pdf/xrefstream.pdf", "1", "stream", 0, NULL },
	{ "pdf/incremental.pdf", "2", "table", 0, "dredge make.sh" },
	{ "pdf/lin-update.pdf", "2", "table", 1, "dredge make.sh" },
};

static uint8_t *concat(const uint8_t *a, size_t alen, const uint8_t *b,
                       size_t blen)
{
	uint8_t *r = malloc(alen + blen + 1);

	memcpy(r, a, alen);
	memcpy(r + alen, b, blen);
	return r;
}

/* Offset of the first occurrence of s in b at or after from, or
 * SIZE_MAX. */
static size_t find_from(const uint8_t *b, size_t len, size_t from,
                        const char *s)
{
	size_t n = strlen(s);

	for (size_t i = from; i + n <= len; i++)
		if (memcmp(b + i, s, n) == 0)
			return i;
	return SIZE_MAX;
}

static size_t find_first(const uint8_t *b, size_t len, const char *s)
{
	return find_from(b, len, 0, s);
}

/* Offset of the last occurrence of s in b, or SIZE_MAX. */
static size_t find_last(const uint8_t *b, size_t len, const char *s)
{
	size_t n = strlen(s), at = SIZE_MAX;

	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(b + i, s, n) == 0)
			at = i;
	return at;
}

static void check_embedded(const struct sample *s)
{
	size_t len;
	uint8_t *f = tu_load_data(s->file, &len);
	struct carve_result res;

	ic_embedded_at(&format_pdf, s->file, f, len, 4096, 8192, 11, &res);
	ok(res.ext == NULL, "%s: extension is the format's", s->file);
	is_str(tu_meta(&res, "version"), "1.7", "%s: version", s->file);
	is_str(tu_meta(&res, "revisions"), s->revisions, "%s: revisions",
	       s->file);
	is_str(tu_meta(&res, "xref"), s->xref, "%s: cross-reference kind",
	       s->file);
	is_str(tu_meta(&res, "linearized"), s->linearized ? "yes" : NULL,
	       "%s: linearized", s->file);
	const char *p = tu_meta(&res, "producer");
	ok(s->producer ? p && strncmp(p, s->producer, strlen(s->producer)) == 0
	   : p == NULL, "%s: producer (%s)", s->file, p ? p : "none");
	/* the page tree root is a plain object except in object streams */
	if (strcmp(s->xref, "table") == 0)
		is_str(tu_meta(&res, "pages"), "2", "%s: pages", s->file);

	tu_validate(&format_pdf, f, len, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len,
	   "%s: accepted at the very end of the medium", s->file);

	/* zeros after it, then random bytes */
	size_t off = 4096, total = off + len + 8192;
	uint8_t *buf = malloc(total);
	if (buf == NULL)
		tap_bail("out of memory");
	tu_random(buf, total, 11);
	memcpy(buf + off, f, len);
	memset(buf + off + len, 0, 3000);
	tu_validate(&format_pdf, buf, total, off, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len,
	   "%s: exact length before zero padding", s->file);
	free(buf);
	free(f);
}

/*
 * Cuts at every byte, bare and followed by random bytes: never accepted
 * unless at a complete earlier revision (ends[], each with or without
 * its end-of-line), never longer than the cut.
 */
static void check_cuts(const char *file, const size_t *ends, unsigned nends)
{
	size_t len;
	uint8_t *f = tu_load_data(file, &len);
	uint8_t *buf = malloc(len + 2048);
	struct carve_result res;
	unsigned bad = 0, over = 0, not_obj = 0;

	for (size_t cut = 1; cut < len; cut++) {
		for (int filler = 0; filler < 2; filler++) {
			size_t n = cut + (filler ? 2048 : 0);
			memcpy(buf, f, cut);
			tu_random(buf + cut, 2048, cut);
			tu_validate(&format_pdf, buf, n, 0, &res);
			if (res.verdict != CARVE_REJECT && res.length > cut)
				over++;
			if (res.verdict == CARVE_ACCEPT) {
				int fine = 0;
				for (unsigned i = 0; i < nends; i++)
					if (res.length == ends[i] ||
					    res.length + 1 == ends[i])
						fine = 1;
				bad += !fine;
			}
			if (res.verdict == CARVE_TRUNCATED &&
			    strcmp(res.reason, "no %%EOF") == 0 &&
			    (res.length < 6 ||
			     memcmp(f + res.length - 6, "endobj", 6) != 0))
				not_obj++;
		}
	}
	is_u64(bad, 0, "%s: no cut is accepted but at a revision end", file);
	is_u64(over, 0, "%s: no cut claims bytes past the cut", file);
	is_u64(not_obj, 0, "%s: \"no %%EOF\" lengths end after endobj", file);
	free(buf);
	free(f);
}

/* Two documents back to back: each is found with its own length. */
static void check_pair(const char *a_file, const char *b_file, int strip)
{
	size_t alen, blen;
	uint8_t *a = tu_load_data(a_file, &alen);
	uint8_t *b = tu_load_data(b_file, &blen);
	size_t skip = 0;
	struct carve_result res;

	/* optionally drop the second one's header lines (lost sector) */
	if (strip) {
		for (int lines = 0; lines < 2 && skip < blen; skip++)
			if (b[skip] == '\n')
				lines++;
	}
	uint8_t *buf = concat(a, alen, b + skip, blen - skip);
	tu_validate(&format_pdf, buf, alen + blen - skip, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == alen,
	   "%s then %s%s: the first one's exact end (%llu of %zu)", a_file,
	   strip ? "headerless " : "", b_file,
	   (unsigned long long)res.length, alen);
	if (!strip) {
		tu_validate(&format_pdf, buf, alen + blen, alen, &res);
		ok(res.verdict == CARVE_ACCEPT && res.length == blen,
		   "%s then %s: the second one's exact end", a_file, b_file);
	}
	free(buf);
	free(a);
	free(b);
}

/* Replaces the digits of the last startxref value, keeping the width. */
static void set_startxref(uint8_t *f, size_t len, unsigned long long v)
{
	size_t at = find_last(f, len, "startxref") + 9;
	char tmp[32];

	while (f[at] == '\r' || f[at] == '\n' || f[at] == ' ')
		at++;
	size_t n = 0;
	while (f[at + n] >= '0' && f[at + n] <= '9')
		n++;
	snprintf(tmp, sizeof(tmp), "%0*llu", (int)n, v);
	memcpy(f + at, tmp, n);
}

static void check_updates(void)
{
	size_t blen, ilen;
	uint8_t *base = tu_load_data("pdf/basic.pdf", &blen);
	uint8_t *f = tu_load_data("pdf/incremental.pdf", &ilen);
	struct carve_result res;

	ok(ilen > blen && memcmp(base, f, blen) == 0,
	   "incremental.pdf starts with basic.pdf");

	/* the update's /Prev names no section of this document */
	size_t prev = find_last(f, ilen, "/Prev ") + 6;
	f[prev] = f[prev] == '1' ? '2' : '1';
	tu_validate(&format_pdf, f, ilen, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == blen,
	   "update whose /Prev points elsewhere: ends before it (%llu)",
	   (unsigned long long)res.length);
	free(f);

	/* the update's startxref names nothing */
	f = tu_load_data("pdf/incremental.pdf", &ilen);
	set_startxref(f, ilen, 17);
	tu_validate(&format_pdf, f, ilen, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == blen,
	   "update whose startxref points nowhere: ends before it");
	free(f);

	/* an update appended twice: the copy's startxref names the first
	 * copy's section, which chains to nothing after it: not taken in */
	f = tu_load_data("pdf/incremental.pdf", &ilen);
	uint8_t *twice = concat(f, ilen, f + blen, ilen - blen);
	tu_validate(&format_pdf, twice, ilen + ilen - blen, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == ilen,
	   "an update appended twice: ends after the first copy");
	free(twice);
	free(f);
	free(base);
}

static void check_bad_startxref(void)
{
	size_t len;
	uint8_t *f = tu_load_data("pdf/basic.pdf", &len);
	struct carve_result res;
	size_t sx = find_last(f, len, "startxref");

	set_startxref(f, len, sx);
	tu_validate(&format_pdf, f, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len,
	   "startxref pointing at itself: truncated, whole");
	is_str(res.reason, "startxref points at no xref",
	       "startxref pointing at itself: reason");
	set_startxref(f, len, 9999);
	tu_validate(&format_pdf, f, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED,
	   "startxref pointing past the end: truncated");
	free(f);
}

/* A growing buffer for hand-made documents. */
struct sb {
	char *b;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sb *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(s->b + s->len, s->cap - s->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < s->cap - s->len)
			break;
		s->cap = s->cap * 2 + (size_t)n + 256;
		s->b = realloc(s->b, s->cap);
		if (s->b == NULL)
			tap_bail("out of memory");
	}
	s->len += (size_t)n;
}

static void sb_init(struct sb *s)
{
	s->cap = 4096;
	s->len = 0;
	s->b = malloc(s->cap);
	s->b[0] = '\0';
}

static double run(const struct sb *s, struct carve_result *res)
{
	clock_t t0 = clock();
	tu_validate(&format_pdf, (const uint8_t *)s->b, s->len, 0, res);
	return (double)(clock() - t0) / CLOCKS_PER_SEC;
}

static void check_built(void)
{
	struct sb s;
	struct carve_result res;
	double secs;

	/* two xref sections whose /Prev point at each other */
	sb_init(&s);
	sb_printf(&s, "%%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\n"
	          "endobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\n"
	          "endobj\n");
	static const char sect[] = "xref\n0 1\n0000000000 65535 f \n"
		"trailer\n<< /Size 3 /Root 1 0 R /Prev %06zu >>\nstartxref\n"
		"%04zu\n%%%%EOF\n";
	size_t a = s.len;
	size_t b = a + (size_t)snprintf(NULL, 0, sect, (size_t)0, (size_t)0);
	sb_printf(&s, sect, b, a);
	sb_printf(&s, sect, a, b);
	secs = run(&s, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == s.len,
	   "/Prev loop between two xrefs: a bounded, whole result");
	is_str(tu_meta(&res, "pages"), "0", "hand-made document: page count");
	printf("# /Prev loop: %.3f s CPU (not asserted)\n", secs);
	free(s.b);

	/* a huge xref subsection count */
	sb_init(&s);
	sb_printf(&s, "%%PDF-1.4\n1 0 obj\n<< >>\nendobj\nxref\n0 4000000000\n"
	          "0000000000 65535 f \ntrailer\n<< /Size 1 >>\nstartxref\n33\n"
	          "%%%%EOF\n");
	size_t good = (size_t)(strstr(s.b, "endobj") - s.b) + 6;
	secs = run(&s, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == good,
	   "xref count 4000000000: truncated after the object");
	is_str(res.reason, "no %%EOF", "xref count 4000000000: reason");
	free(s.b);

	/* deep nesting */
	sb_init(&s);
	sb_printf(&s, "%%PDF-1.4\n1 0 obj\n<< >>\nendobj\n2 0 obj\n");
	for (int i = 0; i < 100000; i++)
		sb_printf(&s, "<<[");
	secs = run(&s, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == good,
	   "100000 nested dictionaries: truncated after the good object");
	printf("# deep nesting: %.3f s CPU (not asserted)\n", secs);
	free(s.b);

	/* a string never closed, a stream never ended */
	sb_init(&s);
	sb_printf(&s, "%%PDF-1.4\n1 0 obj\n<< >>\nendobj\n2 0 obj\n(((");
	for (int i = 0; i < 10000; i++)
		sb_printf(&s, "(endobj ");
	run(&s, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == good,
	   "unclosed string: truncated after the good object");
	free(s.b);
	sb_init(&s);
	sb_printf(&s, "%%PDF-1.4\n1 0 obj\n<< /Length 99999999999 >>\nstream\n"
	          "data endobj xref trailer");
	run(&s, &res);
	ok(res.verdict == CARVE_REJECT, "first stream never ends: rejected");
	is_str(res.reason, "no complete object", "first stream: reason");
	free(s.b);
	sb_init(&s);
	sb_printf(&s, "%%PDF-1.4\n1 0 obj\n<< >>\nendobj\n2 0 obj\n"
	          "<< /Length 9 0 R >>\nstream\ndata, cut; then another file\n"
	          "%%PDF-1.4\n1 0 obj\n<< /Length 1 >>\nstream\nx\nendstream\n"
	          "endobj\n");
	run(&s, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == good,
	   "stream cut by another document: truncated before it");
	free(s.b);

	/* lots of tiny objects, a stream with a wrong /Length */
	sb_init(&s);
	sb_printf(&s, "%%PDF-1.5\n");
	for (unsigned i = 1; i <= 200000; i++)
		sb_printf(&s, "%u 0 obj null endobj\n", i);
	sb_printf(&s, "200001 0 obj\n<< /Length 3 >>\nstream\nabcdef\n"
	          "endstream\nendobj\n");
	size_t x = s.len;
	sb_printf(&s, "xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 >>"
	          "\nstartxref\n%zu\n%%%%EOF", x);
	secs = run(&s, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == s.len,
	   "200001 objects: accepted whole");
	is_str(tu_meta(&res, "version"), "1.5", "200001 objects: version");
	printf("# 200001 objects walked in %.3f s CPU (not asserted)\n", secs);
	free(s.b);

	/* tails that name no section, again and again */
	sb_init(&s);
	sb_printf(&s, "%%PDF-1.4\n1 0 obj\n<< >>\nendobj\n");
	size_t tails16 = 0;
	for (int i = 0; i < 100000; i++) {
		sb_printf(&s, "startxref\n1\n%%%%EOF\n");
		if (i == 15)
			tails16 = s.len;
	}
	secs = run(&s, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == tails16,
	   "100000 tails naming nothing: truncated after the 16th");
	is_str(res.reason, "startxref points at no xref",
	       "tails naming nothing: reason");
	printf("# tails naming nothing: %.3f s CPU (not asserted)\n", secs);
	free(s.b);

	/* header, then nothing of PDF */
	sb_init(&s);
	sb_printf(&s, "%%PDF-1.4\n\x01\x02garbage garbage garbage garbage "
	          "garbage garbage garbage garbage");
	run(&s, &res);
	ok(res.verdict == CARVE_REJECT, "header then garbage: rejected");
	is_str(res.reason, "no complete object",
	       "header then garbage: reason");
	free(s.b);
	sb_init(&s);
	sb_printf(&s, "%%PDF-x.y\n1 0 obj\n<< >>\nendobj\n");
	run(&s, &res);
	ok(res.verdict == CARVE_REJECT, "bad version digits: rejected");
	free(s.b);
}

/* Appends printf output to a growing buffer. */
static void pf(char **b, size_t *len, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void pf(char **b, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;

	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(*b + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if (n < 0)
			tap_bail("vsnprintf");
		if ((size_t)n < *cap - *len) {
			*len += (size_t)n;
			return;
		}
		*cap = *cap * 2 + (size_t)n;
		*b = realloc(*b, *cap);
		if (*b == NULL)
			tap_bail("out of memory");
	}
}

/*
 * A document of n content streams of between 1000 and 3000 bytes (text
 * operators) with a catalog and a page tree, an xref table, trailer and
 * tail.  xref_only: streams written with indirect lengths, so that only
 * the xref table can tell where the document went wrong.
 */
static uint8_t *build_pdf(unsigned n, uint64_t seed, bool indirect,
                          size_t *out_len)
{
	size_t cap = 1 << 16, len = 0;
	char *b = malloc(cap);
	unsigned nobj = 2 + n * (indirect ? 2 : 1);
	uint64_t *off = calloc(nobj + 1, sizeof(*off));
	uint64_t x = seed | 1;

	if (b == NULL || off == NULL)
		tap_bail("out of memory");
	pf(&b, &len, &cap, "%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n");
	off[1] = len;
	pf(&b, &len, &cap, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\n"
	   "endobj\n");
	off[2] = len;
	pf(&b, &len, &cap, "2 0 obj\n<< /Type /Pages /Count 0 /Kids [] >>\n"
	   "endobj\n");
	for (unsigned i = 0; i < n; i++) {
		unsigned id = 3 + i * (indirect ? 2 : 1);
		char text[3200];
		size_t tl = 0;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t want = 1000 + x % 2000;
		while (tl + 40 < want) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			tl += (size_t)snprintf(text + tl, sizeof(text) - tl,
			                       "BT /F1 %u Tf %u %u Td (w%llx) Tj ET\n",
			                       (unsigned)(x % 30 + 6),
			                       (unsigned)(x % 500),
			                       (unsigned)(x >> 20) % 700,
			                       (unsigned long long)(x >> 32));
		}
		off[id] = len;
		if (indirect)
			pf(&b, &len, &cap, "%u 0 obj\n<< /Length %u 0 R >>\n"
			   "stream\n", id, id + 1);
		else
			pf(&b, &len, &cap, "%u 0 obj\n<< /Length %zu >>\n"
			   "stream\n", id, tl);
		pf(&b, &len, &cap, "%.*s\nendstream\nendobj\n", (int)tl, text);
		if (indirect) {
			off[id + 1] = len;
			pf(&b, &len, &cap, "%u 0 obj\n%zu\nendobj\n", id + 1, tl);
		}
	}
	size_t xref = len;
	pf(&b, &len, &cap, "xref\n0 %u\n0000000000 65535 f\r\n", nobj + 1);
	for (unsigned i = 1; i <= nobj; i++)
		pf(&b, &len, &cap, "%010llu 00000 n\r\n",
		   (unsigned long long)off[i]);
	pf(&b, &len, &cap, "trailer\n<< /Size %u /Root 1 0 R >>\nstartxref\n"
	   "%zu\n%%%%EOF\n", nobj + 1, xref);
	free(off);
	*out_len = len;
	return (uint8_t *)b;
}

/*
 * Fragmentation points: documents cut at sector boundaries with random
 * bytes, zeros or another document inserted.  The point comes at the
 * latest at the end of the object the cut falls in: a stream's /Length
 * leads to no "endstream", or the next object is not where the xref says.
 * Objects here are at most 3100 bytes.
 */
static void check_fragments(void)
{
	size_t len, olen;
	size_t cuts[] = { 4096, 12288, 24576 };

	for (int ind = 0; ind < 2; ind++) {
		uint8_t *f = build_pdf(24, 5 + (uint64_t)ind, ind == 1, &len);
		uint8_t *o = build_pdf(3, 9, false, &olen);

		ok(len > 30000, "built document of %zu bytes", len);
		for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
			for (int k = FC_RANDOM; k <= FC_OTHER; k++) {
				char name[80];
				uint8_t *g = fc_gap((enum fc_gap)k, 8192, o, olen,
				                    c + 1);
				snprintf(name, sizeof(name), "pdf%s: %s",
				         ind ? " (indirect lengths)" : "",
				         fc_gap_name(k));
				fc_check(&format_pdf, name, f, len, cuts[c], g,
				         8192, 3200);
				free(g);
			}
		}
		free(f);
		free(o);
	}
}

/*
 * The thorough checks reassembly asks for: the real documents' streams
 * (Flate-compressed by ghostscript and qpdf) inflate whole, so each is
 * accepted at its length; bytes changed inside the first Flate stream's
 * data are a fragmentation point at or after them, before the stream's
 * end, and the length kept stops before that stream's object (or, when
 * that object is the first, the document has no complete object).
 */
static void check_thorough(const struct sample *s)
{
	size_t len;
	uint8_t *f = tu_load_data(s->file, &len);
	struct carve_result res;

	tu_validate_thorough(&format_pdf, f, len, 0, true, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len,
	   "%s: accepted whole by the thorough checks", s->file);
	/* the first Flate stream of more than 64 bytes */
	size_t st = SIZE_MAX, en = SIZE_MAX;
	for (size_t fl = find_first(f, len, "/FlateDecode"); fl != SIZE_MAX;
	     fl = find_from(f, len, fl + 1, "/FlateDecode")) {
		st = find_from(f, len, fl, "stream");
		en = st == SIZE_MAX ? SIZE_MAX
		     : find_from(f, len, st, "endstream");
		if (en != SIZE_MAX && en - st > 64)
			break;
		en = SIZE_MAX;
	}
	if (!ok(en != SIZE_MAX, "%s: a Flate stream", s->file)) {
		free(f);
		return;
	}
	size_t at = st + 8 + (en - st - 8) / 2;
	for (size_t i = 0; i < 16; i++)
		f[at + i] = (uint8_t)(0x5a ^ (i * 37));
	tu_validate_thorough(&format_pdf, f, len, 0, true, &res);
	/* (a document whose first object it is has no complete one) */
	if (!ok(res.verdict == CARVE_REJECT ||
	        (res.verdict == CARVE_TRUNCATED &&
	         res.note == CARVE_NOTE_FRAGMENT && res.note_off >= at &&
	         res.note_off <= en && res.length <= st),
	        "%s: a changed Flate stream is a fragmentation point",
	        s->file))
		printf("#   verdict %d note %d at %llu, length %llu (%s); "
		       "changed at %zu\n", (int)res.verdict, (int)res.note,
		       (unsigned long long)res.note_off,
		       (unsigned long long)res.length,
		       res.reason ? res.reason : "-", at);
	/* without the thorough checks, the structure alone still holds */
	tu_validate(&format_pdf, f, len, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len,
	   "%s: ... which the ordinary walk does not read", s->file);
	free(f);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		check_embedded(&samples[i]);
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		check_thorough(&samples[i]);

	size_t blen, llen, ilen, ulen, xlen;
	free(tu_load_data("pdf/basic.pdf", &blen));
	free(tu_load_data("pdf/linearized.pdf", &llen));
	free(tu_load_data("pdf/incremental.pdf", &ilen));
	free(tu_load_data("pdf/lin-update.pdf", &ulen));
	free(tu_load_data("pdf/xrefstream.pdf", &xlen));
	size_t e1[] = { blen };
	size_t e2[] = { llen };
	size_t e3[] = { blen, ilen };
	size_t e4[] = { llen, ulen };
	size_t e5[] = { xlen };
	check_cuts("pdf/basic.pdf", e1, 1);
	check_cuts("pdf/linearized.pdf", e2, 1);
	check_cuts("pdf/incremental.pdf", e3, 2);
	check_cuts("pdf/lin-update.pdf", e4, 2);
	check_cuts("pdf/xrefstream.pdf", e5, 1);
	check_fragments();

	check_pair("pdf/basic.pdf", "pdf/basic.pdf", 0);
	check_pair("pdf/basic.pdf", "pdf/xrefstream.pdf", 0);
	check_pair("pdf/incremental.pdf", "pdf/linearized.pdf", 0);
	check_pair("pdf/linearized.pdf", "pdf/incremental.pdf", 0);
	check_pair("pdf/xrefstream.pdf", "pdf/basic.pdf", 0);
	check_pair("pdf/basic.pdf", "pdf/incremental.pdf", 1);
	check_pair("pdf/basic.pdf", "pdf/basic.pdf", 1);
	check_pair("pdf/linearized.pdf", "pdf/lin-update.pdf", 1);

	check_updates();
	check_bad_startxref();
	check_built();
	return tap_done();
}

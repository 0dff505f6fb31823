/*
 * pdf.c - PDF documents.
 *
 * A PDF is a header ("%PDF-1.7"), a body of indirect objects ("12 0 obj
 * ... endobj", streams inside them), a cross-reference section (an "xref"
 * table with its "trailer" dictionary, or a cross-reference stream object
 * of /Type /XRef), and a tail: "startxref", the offset of that section,
 * "%%EOF".  Incremental updates append more objects, a new section whose
 * /Prev names the previous one, and a new tail; linearized files put a
 * first-page section and tail near the start and the main section later.
 *
 * The validator walks the document from the header, item by item: objects
 * (with a small lexer that knows strings, dictionaries and names, and that
 * skips stream data by a direct /Length, or by searching "endstream" when
 * the length is indirect or wrong), xref tables, trailers and tails.  It
 * never jumps by a startxref offset; it checks that offset instead.  A tail
 * ends a revision when its startxref names a section walked in this
 * document; a later tail extends the file only when its section's /Prev
 * (or, for linearized files, its startxref) names a section walked before
 * the previous end.  That is what tells an update from an unrelated PDF
 * that happens to follow: that one starts with its own header, or, if its
 * header was lost, its offsets are counted from elsewhere.  The walk stops
 * at anything that is not a PDF item (garbage, another file) and, after an
 * end, at anything but an object or an xref table; the file ends after the
 * last good "%%EOF" and its end-of-line.
 *
 * Without any good tail the result is TRUNCATED: at the end of the last
 * complete item ("no %%EOF"), or after a tail whose startxref names no
 * section ("startxref points at no xref").
 *
 * A document stored in pieces is read on past its first piece by the
 * walk, so the truncated result also gives the fragmentation point, the
 * lowest of: where the walk met bytes that are no PDF (the end of the
 * failing token), where a stream's direct /Length leads to no
 * "endstream", and the first object an xref table names that is not at
 * its offset ("N G obj" compared byte by byte).  The tables checked are
 * those walked and the first one found by searching past the last
 * complete item (the document's own table lies after the gap that
 * separates its pieces); a table is the document's only when some of its
 * objects are where it says and all of those lie before every one that
 * is not.  Cross-reference streams are compressed and not read, so for
 * them only the walk and the stream lengths tell.
 *
 * A thorough reader (reassembly trying a map of pieces) also reads the
 * streams' data where the filter tells what they must be: /FlateDecode
 * data inflate (zlib, Adler-32 checked) to the zlib stream's end, and an
 * unfiltered content stream (a page's or a form's) tokenizes as content;
 * the first byte shown wrong is the point, and the walk stops there
 * without searching on (a wrong direct /Length stops it too), so a wrong
 * map costs about the bytes up to the boundary.  Other filters, and
 * streams that are no content (images, fonts), are not judged.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <zlib.h>

#include "formats/flate.h"
#include "formats/format.h"

#define PDF_MAX_SIZE      (2ull << 30)
#define PDF_MAX_XREFS     512u        /* sections remembered per document */
#define PDF_MAX_ITEMS     20000000u   /* objects and sections walked */
#define PDF_MAX_DEPTH     64          /* nested dictionaries and arrays */
#define PDF_MAX_ENTRIES   10000000u   /* xref table entries in a section */
#define PDF_MAX_BAD_TAILS 16u         /* tails naming no section, before
                                         the first good one */
#define PDF_MAX_GAP       (1u << 20)  /* whitespace and comments in a row */
#define PDF_MAX_GAP_AFTER 4096u       /* ... right after an end */
#define PDF_MAX_INT       1000000000000000ll
#define PDF_TEXT          64
#define PDF_XREF_REACH    (64ull << 20) /* searched for a table past the
                                           last complete item */
#define PDF_XBATCH        256u        /* xref entries read, then checked */
#define PDF_MAX_XCHECK    65536u      /* xref entries checked per table */
#define PDF_MAX_INFLATE   (256ull << 20) /* a Flate stream's output read */
#define PDF_INFLATE_OUT   (16u << 10)  /* inflate's output buffer */
#define PDF_MAX_OPERAND   32u          /* bytes of a content stream word */
#define PDF_CONTENT_SURE  64u          /* a first token that long shows a
                                          content stream */

enum pdf_tok_type {
	PT_EOF,          /* the reader ended */
	PT_ERR,          /* bytes that are no PDF token */
	PT_INT,
	PT_REAL,
	PT_NAME,
	PT_STR,
	PT_DICT_OPEN,
	PT_DICT_CLOSE,
	PT_ARR_OPEN,
	PT_ARR_CLOSE,
	PT_KW,           /* obj, endobj, stream, R, xref, trailer, true ... */
};

struct pdf_tok {
	enum pdf_tok_type type;
	uint64_t start, end;
	long long ival;
	char text[PDF_TEXT];   /* name (without '/'), keyword, string start */
};

/*
 * Bytes come from the reader's current span, cached here; any other call
 * on the reader moves its window, so those go through pdf_peek/pdf_find,
 * which drop the cache.
 */
struct pdf_lex {
	struct bread *br;
	uint64_t pos;
	const uint8_t *c;
	uint64_t c_off;
	size_t c_len;
};

/* The keys of one dictionary the walk cares about. */
struct pdf_dict {
	int state;              /* 0 key, 1 value, 2 int seen, 3 int int */
	char key[PDF_TEXT];
	long long ival;
	char type[PDF_TEXT];
	bool has_length, has_prev, has_count, has_parent, linearized;
	long long length, prev, count;
	char producer[PDF_TEXT];
	/* what the stream's data are, for the thorough checks */
	enum { PF_NONE, PF_FLATE, PF_OTHER } filter;
	bool not_content;       /* a key no content stream has */
};

enum pdf_step { PS_OK, PS_CUT, PS_BAD };

struct pdf_xref {
	uint64_t off;
	long long prev;         /* -1: none */
	bool table;             /* an xref table (else a stream) */
};

struct pdf_doc {
	struct pdf_lex lx;
	uint64_t size;
	struct pdf_xref xref[PDF_MAX_XREFS];
	unsigned nxref;
	unsigned nxref_at_end;  /* sections walked before the last end */
	uint64_t end;           /* after the last good %%EOF, 0: none yet */
	unsigned items_at_end;  /* items walked up to that end */
	uint64_t last_good;     /* after the last complete item */
	unsigned bad_tails;
	unsigned revisions;
	unsigned items;
	bool linearized, xref_table, xref_stream;
	/* fragmentation evidence (UINT64_MAX: none) */
	uint64_t stop;          /* where the walk met bytes no PDF has */
	uint64_t len_bad;       /* where a /Length led to no endstream */
	uint64_t len_bad_data;  /* the end of the item before that stream's */
	/* The xref check last run: its highest offset that holds the
	 * object it names (UINT64_MAX: none). */
	uint64_t xpass_hi;
	/* and the first byte shown wrong by its lowest entry that fails
	 * (UINT64_MAX: none), whether or not the table is the document's */
	uint64_t xfail;
	/* Where the object that the fragmentation point follows starts:
	 * its header is the file's, its body may hold the boundary. */
	uint64_t sure;
	/* a stream's data were shown wrong (thorough: contents or length) */
	bool stream_bad;
	long long pages;
	char producer[PDF_TEXT];
};

static bool pdf_is_ws(int c)
{
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' ||
	       c == ' ';
}

static bool pdf_is_delim(int c)
{
	return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' ||
	       c == ']' || c == '{' || c == '}' || c == '/' || c == '%';
}

static bool pdf_is_hex(int c)
{
	return (c >= '0' && c <= '9') ||
	       ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static bool pdf_is_regular(int c)
{
	return c >= 0 && !pdf_is_ws(c) && !pdf_is_delim(c);
}

/* The byte at off, or -1 past the reader's end. */
static int lx_byte(struct pdf_lex *lx, uint64_t off)
{
	size_t len;
	const uint8_t *p;

	if (off - lx->c_off < lx->c_len)
		return lx->c[off - lx->c_off];
	p = bread_span(lx->br, off, &len);
	if (p == NULL) {
		lx->c_len = 0;
		return -1;
	}
	lx->c = p;
	lx->c_off = off;
	lx->c_len = len;
	return p[0];
}

static const uint8_t *pdf_peek(struct pdf_lex *lx, uint64_t off, size_t n)
{
	lx->c_len = 0;
	return bread_peek(lx->br, off, n);
}

static uint64_t pdf_find(struct pdf_lex *lx, uint64_t off, uint64_t end,
                         const char *s)
{
	lx->c_len = 0;
	return bread_find(lx->br, off, end, s, strlen(s));
}

/* Does the text s sit at off? */
static bool lx_match(struct pdf_lex *lx, uint64_t off, const char *s)
{
	size_t n = strlen(s);
	const uint8_t *p = pdf_peek(lx, off, n);

	return p != NULL && memcmp(p, s, n) == 0;
}

/*
 * Skips whitespace and comments from lx->pos, at most limit bytes.
 * Returns 0 at a token, -1 at the reader's end, -2 past the limit.
 */
static int lx_skip(struct pdf_lex *lx, uint64_t limit)
{
	uint64_t start = lx->pos;

	for (;;) {
		int c = lx_byte(lx, lx->pos);

		if (c < 0)
			return -1;
		if (lx->pos - start > limit)
			return -2;
		if (pdf_is_ws(c)) {
			lx->pos++;
		} else if (c == '%') {
			while (c >= 0 && c != '\r' && c != '\n' &&
			       lx->pos - start <= limit)
				c = lx_byte(lx, ++lx->pos);
		} else {
			return 0;
		}
	}
}

/* Copies up to PDF_TEXT-1 regular characters starting at off. */
static uint64_t lx_word(struct pdf_lex *lx, uint64_t off, char *text)
{
	size_t n = 0;
	int c;

	while ((c = lx_byte(lx, off)) >= 0 && pdf_is_regular(c)) {
		if (n + 1 < PDF_TEXT)
			text[n++] = (char)c;
		off++;
	}
	text[n] = '\0';
	return off;
}

/*
 * A literal string from the '(' at lx->pos.  Its first printable ASCII
 * characters are kept (escapes decoded, so that UTF-16 text made of
 * octal escapes still reads as its ASCII letters).
 */
static void lx_string(struct pdf_lex *lx, struct pdf_tok *t)
{
	uint64_t off = lx->pos + 1;
	unsigned depth = 1;
	size_t n = 0;

	for (;;) {
		int c = lx_byte(lx, off++);

		if (c < 0) {
			t->type = PT_EOF;
			return;
		}
		if (c == '\\') {
			c = lx_byte(lx, off++);
			if (c < 0) {
				t->type = PT_EOF;
				return;
			}
			if (c >= '0' && c <= '7') {
				int v = c - '0', d;
				for (int i = 0; i < 2; i++, off++) {
					d = lx_byte(lx, off);
					if (d < '0' || d > '7')
						break;
					v = v * 8 + (d - '0');
				}
				c = v & 0xff;
			} else if (c != 0 && strchr("nrtfb", c) != NULL) {
				c = ' ';
			}
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && --depth == 0) {
			break;
		}
		if (c >= 0x20 && c < 0x7f && n + 1 < PDF_TEXT)
			t->text[n++] = (char)c;
	}
	t->text[n] = '\0';
	t->type = PT_STR;
	lx->pos = off;
}

/* A number from lx->pos: PT_INT when it is a plain integer. */
static void lx_number(struct pdf_lex *lx, struct pdf_tok *t)
{
	uint64_t off = lx->pos;
	int c = lx_byte(lx, off);
	bool neg = false, dot = false, digits = false;
	long long v = 0;

	if (c == '+' || c == '-') {
		neg = c == '-';
		c = lx_byte(lx, ++off);
	}
	for (;; c = lx_byte(lx, ++off)) {
		if (c >= '0' && c <= '9') {
			digits = true;
			if (!dot && v <= PDF_MAX_INT)
				v = v * 10 + (c - '0');
		} else if (c == '.' && !dot) {
			dot = true;
		} else {
			break;
		}
	}
	if (!digits || pdf_is_regular(c)) {
		t->type = PT_ERR;
		return;
	}
	t->type = dot || v > PDF_MAX_INT ? PT_REAL : PT_INT;
	t->ival = neg ? -v : v;
	lx->pos = off;
}

/* Reads the next token; whitespace and comments before it are skipped. */
static void lx_next(struct pdf_lex *lx, struct pdf_tok *t)
{
	int c, s = lx_skip(lx, PDF_MAX_GAP);

	t->text[0] = '\0';
	t->start = lx->pos;
	if (s != 0) {
		t->type = s == -1 ? PT_EOF : PT_ERR;
		t->end = lx->pos;
		return;
	}
	c = lx_byte(lx, lx->pos);
	switch (c) {
	case '/':
		lx->pos = lx_word(lx, lx->pos + 1, t->text);
		t->type = PT_NAME;
		break;
	case '(':
		lx_string(lx, t);
		break;
	case '<':
		if (lx_byte(lx, lx->pos + 1) == '<') {
			t->type = PT_DICT_OPEN;
			lx->pos += 2;
			break;
		}
		for (uint64_t off = lx->pos + 1;; off++) {
			c = lx_byte(lx, off);
			if (c == '>') {
				t->type = PT_STR;
				lx->pos = off + 1;
				break;
			}
			if (c < 0 || !(pdf_is_ws(c) || pdf_is_hex(c))) {
				t->type = c < 0 ? PT_EOF : PT_ERR;
				break;
			}
		}
		break;
	case '>':
		if (lx_byte(lx, lx->pos + 1) == '>') {
			t->type = PT_DICT_CLOSE;
			lx->pos += 2;
		} else {
			t->type = PT_ERR;
		}
		break;
	case '[':
	case '{':
		t->type = PT_ARR_OPEN;
		lx->pos++;
		break;
	case ']':
	case '}':
		t->type = PT_ARR_CLOSE;
		lx->pos++;
		break;
	case ')':
		t->type = PT_ERR;
		break;
	default:
		if ((c >= '0' && c <= '9') || c == '+' || c == '-' ||
		    c == '.') {
			lx_number(lx, t);
		} else {
			uint64_t end = lx_word(lx, lx->pos, t->text);
			/* keywords are short; a long run is text, not PDF */
			t->type = end - lx->pos < PDF_TEXT - 1 ? PT_KW : PT_ERR;
			if (t->type == PT_KW)
				lx->pos = end;
		}
		break;
	}
	t->end = lx->pos;
}

static bool tok_kw(const struct pdf_tok *t, const char *kw)
{
	return t->type == PT_KW && strcmp(t->text, kw) == 0;
}

/* The keys a content stream (a page's or a form's) may have. */
static const char *const pdf_content_keys[] = {
	"Length", "Filter", "Type", "Subtype", "BBox", "Matrix", "Resources",
	"Group", "FormType", "Ref", "Metadata", "PieceInfo", "LastModified",
	"StructParent", "StructParents", "OPI", "OC", "Name", "DecodeParms",
};

/* Notes what one key says about the stream that may follow: its filter,
 * and whether its data can be a content stream (v: the value's first
 * token, NULL for an integer or a reference). */
static void dict_kind(struct pdf_dict *d, const struct pdf_tok *v)
{
	const char *k = d->key;
	bool known = false;

	for (size_t i = 0; i < sizeof(pdf_content_keys) /
	     sizeof(pdf_content_keys[0]); i++)
		if (strcmp(k, pdf_content_keys[i]) == 0)
			known = true;
	if (!known)
		d->not_content = true;
	if (strcmp(k, "Filter") == 0)
		d->filter = v != NULL && v->type == PT_NAME &&
		            (strcmp(v->text, "FlateDecode") == 0 ||
		             strcmp(v->text, "Fl") == 0) ? PF_FLATE : PF_OTHER;
	else if (strcmp(k, "DecodeParms") == 0 && d->filter != PF_FLATE)
		d->filter = PF_OTHER;
	else if (strcmp(k, "Type") == 0 &&
	         (v == NULL || v->type != PT_NAME ||
	          strcmp(v->text, "XObject") != 0))
		d->not_content = true;
	else if (strcmp(k, "Subtype") == 0 &&
	         (v == NULL || v->type != PT_NAME ||
	          strcmp(v->text, "Form") != 0))
		d->not_content = true;
}

/* Records one key of a dictionary: value is an integer, name or string. */
static void dict_commit(struct pdf_dict *d, const struct pdf_tok *v,
                        bool is_int, long long ival)
{
	const char *k = d->key;

	dict_kind(d, v);
	if (strcmp(k, "Type") == 0 && v != NULL && v->type == PT_NAME)
		memcpy(d->type, v->text, sizeof(d->type));
	else if (strcmp(k, "Length") == 0 && is_int) {
		d->has_length = true;
		d->length = ival;
	} else if (strcmp(k, "Prev") == 0 && is_int) {
		d->has_prev = true;
		d->prev = ival;
	} else if (strcmp(k, "Count") == 0 && is_int) {
		d->has_count = true;
		d->count = ival;
	} else if (strcmp(k, "Parent") == 0)
		d->has_parent = true;
	else if (strcmp(k, "Linearized") == 0)
		d->linearized = true;
	else if (strcmp(k, "Producer") == 0 && v != NULL && v->type == PT_STR)
		memcpy(d->producer, v->text, sizeof(d->producer));
}

/*
 * Feeds one token seen directly inside the dictionary (not nested) to the
 * key/value pairing.  "5 0 R" references are told from integers.
 */
static void dict_token(struct pdf_dict *d, const struct pdf_tok *t)
{
	switch (d->state) {
	case 0:
		if (t->type == PT_NAME) {
			memcpy(d->key, t->text, sizeof(d->key));
			d->state = 1;
		}
		return;
	case 1:
		if (t->type == PT_INT) {
			d->ival = t->ival;
			d->state = 2;
			return;
		}
		dict_commit(d, t, false, 0);
		d->state = 0;
		return;
	case 2:
		if (t->type == PT_INT) {
			d->state = 3;
			return;
		}
		dict_commit(d, NULL, true, d->ival);
		d->state = 0;
		dict_token(d, t);   /* the next key */
		return;
	default:
		/* "N G R": a reference, present but not a direct value */
		dict_commit(d, NULL, false, 0);
		d->state = 0;
		if (!tok_kw(t, "R"))
			dict_token(d, t);
		return;
	}
}

/* The dictionary closed: a pending integer value is complete. */
static void dict_close(struct pdf_dict *d)
{
	if (d->state == 2)
		dict_commit(d, NULL, true, d->ival);
	else if (d->state == 3)
		dict_commit(d, NULL, false, 0);
	d->state = 0;
}

/*
 * Reads the tokens of one value that starts with t (already read): up to
 * and including the keyword stop or "endobj" at nesting level 0, or, when
 * stop is NULL, just the value.  Keys of a dictionary value are fed to d.
 * On PS_OK, t is the last token read.
 */
static enum pdf_step pdf_value(struct pdf_doc *doc, struct pdf_tok *t,
                               const char *stop, struct pdf_dict *d)
{
	int depth = 0;               /* dictionaries and arrays open */
	bool top_dict = t->type == PT_DICT_OPEN;

	for (;;) {
		switch (t->type) {
		case PT_EOF:
			return PS_CUT;
		case PT_ERR:
			return PS_BAD;
		case PT_DICT_OPEN:
		case PT_ARR_OPEN:
			if (depth == 1 && top_dict && d != NULL)
				dict_token(d, t);
			if (++depth > PDF_MAX_DEPTH)
				return PS_BAD;
			break;
		case PT_DICT_CLOSE:
		case PT_ARR_CLOSE:
			if (depth == 0)
				return PS_BAD;
			if (--depth == 0 && top_dict && d != NULL)
				dict_close(d);
			break;
		case PT_KW:
			if (depth == 0 && stop != NULL &&
			    (strcmp(t->text, stop) == 0 ||
			     strcmp(t->text, "endobj") == 0))
				return PS_OK;
			/* structure keywords inside a value: a broken object */
			if (strcmp(t->text, "obj") == 0 ||
			    strcmp(t->text, "endobj") == 0 ||
			    strcmp(t->text, "stream") == 0 ||
			    strcmp(t->text, "endstream") == 0 ||
			    strcmp(t->text, "xref") == 0 ||
			    strcmp(t->text, "trailer") == 0 ||
			    strcmp(t->text, "startxref") == 0)
				return PS_BAD;
			/* fall through */
		default:
			if (depth == 1 && top_dict && d != NULL)
				dict_token(d, t);
			break;
		}
		if (depth == 0 && stop == NULL)
			return PS_OK;
		lx_next(&doc->lx, t);
	}
}

/* flate_range's output: counted, up to PDF_MAX_INFLATE. */
static bool pdf_count_out(void *arg, const uint8_t *p, size_t n)
{
	uint64_t *produced = arg;

	(void)p;
	*produced += n;
	return *produced <= PDF_MAX_INFLATE;
}

/*
 * Inflates a FlateDecode stream's data [data, data + len): UINT64_MAX when
 * they are one zlib stream that ends (its Adler-32 checked by zlib) within
 * them, or when it cannot tell (no memory, the reader ended, a huge
 * output, a header zlib refuses from the first bytes: not zlib data at
 * all); else the first byte shown wrong, where zlib met bytes that are no
 * deflate data or where the data end before the zlib stream does.
 */
static uint64_t pdf_flate_check(struct pdf_doc *doc, uint64_t data,
                                uint64_t len)
{
	uint8_t out[PDF_INFLATE_OUT];
	z_stream z;
	uint64_t at, end = data + len, produced = 0;
	int zr;

	doc->lx.c_len = 0;   /* the reader's window moves */
	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return UINT64_MAX;
	zr = flate_range(doc->lx.br, &z, data, end, out, sizeof(out),
	                 pdf_count_out, &produced, &at);
	inflateEnd(&z);
	doc->lx.c_len = 0;
	if (zr == Z_STREAM_END)
		return UINT64_MAX;
	if (zr == Z_DATA_ERROR || zr == Z_NEED_DICT)
		return at - data <= 2 ? UINT64_MAX : at;
	if (zr == Z_OK && at == end)
		return end > data ? end - 1 : UINT64_MAX;   /* ran out */
	return UINT64_MAX;
}

/* The operators of content streams (ISO 32000-1, annex A). */
static const char *const pdf_ops[] = {
	"b", "B", "b*", "B*", "BDC", "BI", "BMC", "BT", "BX", "c", "cm", "CS",
	"cs", "d", "d0", "d1", "Do", "DP", "EI", "EMC", "ET", "EX", "f", "F",
	"f*", "G", "g", "gs", "h", "i", "ID", "j", "J", "K", "k", "l", "m",
	"M", "MP", "n", "q", "Q", "re", "RG", "rg", "ri", "s", "S", "SC", "sc",
	"SCN", "scn", "sh", "T*", "Tc", "Td", "TD", "Tf", "Tj", "TJ", "TL",
	"Tm", "Tr", "Ts", "Tw", "Tz", "v", "w", "W", "W*", "y", "'", "\"",
	"true", "false", "null",
};

/* Whether w (n bytes) is a number: [+-]digits[.digits] or [+-].digits. */
static bool pdf_word_number(const char *w, size_t n)
{
	size_t i = 0, digits = 0;
	bool dot = false;

	if (i < n && (w[i] == '+' || w[i] == '-'))
		i++;
	for (; i < n; i++) {
		if (w[i] >= '0' && w[i] <= '9')
			digits++;
		else if (w[i] == '.' && !dot)
			dot = true;
		else
			return false;
	}
	return digits > 0;
}

/* Whether w (n bytes) is an operator or a keyword of content streams. */
static bool pdf_word_op(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof(pdf_ops) / sizeof(pdf_ops[0]); i++)
		if (strlen(pdf_ops[i]) == n && memcmp(pdf_ops[i], w, n) == 0)
			return true;
	return false;
}

/* A byte that text in a content stream (strings, comments) may hold. */
static bool pdf_text_byte(int c)
{
	return (c >= 0x20 && c != 0x7f) || c == '\t' || c == '\n' ||
	       c == '\r' || c == '\f' || c == '\b';
}

/*
 * Tokenizes an unfiltered content stream's data [data, data + len) the
 * way a PDF reader does: numbers, names, balanced literal strings of
 * text, hex strings, arrays and dictionaries, and the known operators,
 * with PDF whitespace but no NUL between them.  A string holds text on
 * one line: a line end in it is legal but producers escape it, and a
 * boundary inside a string followed by another document's lines (its
 * header, its objects) would read as text otherwise; a document with such
 * a string is only not reassembled.  UINT64_MAX when they
 * tokenize (or when it cannot tell: the reader ended, an inline image's
 * binary data follow, the data are no content at all from their first
 * byte), else the first byte shown wrong (the last byte of a word that is
 * no operator: the boundary may lie inside it).
 */
static uint64_t pdf_content_check(struct pdf_doc *doc, uint64_t data,
                                  uint64_t len)
{
	struct pdf_lex *lx = &doc->lx;
	uint64_t off = data, end = data + len, bad = UINT64_MAX;
	uint64_t nest = 0;      /* one bit per open array (0) or dict (1) */
	unsigned depth = 0, ntok = 0;

	while (off < end && bad == UINT64_MAX) {
		int c = lx_byte(lx, off);
		uint64_t tok = off;

		if (c < 0)
			return UINT64_MAX;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f') {
			off++;
			continue;
		} else if (c == '%') {
			while (++off < end && (c = lx_byte(lx, off)) != '\n' &&
			       c != '\r')
				if (!pdf_text_byte(c)) {
					bad = off;
					break;
				}
		} else if (c == '(') {
			unsigned sd = 1;
			while (sd > 0) {
				if (++off >= end) {
					bad = end - 1;
					break;
				}
				c = lx_byte(lx, off);
				if (c == '\\') {
					if (++off >= end) {
						bad = end - 1;
						break;
					}
					c = lx_byte(lx, off);
				} else if (c == '(') {
					sd++;
				} else if (c == ')') {
					sd--;
				} else if (c == '\n' || c == '\r') {
					bad = off;   /* see above */
					break;
				}
				if (c < 0)
					return UINT64_MAX;
				if (!pdf_text_byte(c)) {
					bad = off;
					break;
				}
			}
			off++;
		} else if (c == '<' && lx_byte(lx, off + 1) == '<') {
			if (depth >= PDF_MAX_DEPTH)
				bad = off + 1;
			nest = nest << 1 | 1;
			depth++;
			off += 2;
		} else if (c == '<') {
			while (++off < end && (c = lx_byte(lx, off)) != '>')
				if (!pdf_is_hex(c) && !pdf_is_ws(c)) {
					bad = off;
					break;
				}
			off++;
		} else if (c == '>') {
			if (lx_byte(lx, off + 1) != '>' || depth == 0 ||
			    (nest & 1) == 0)
				bad = off + 1 < end ? off + 1 : off;
			nest >>= 1;
			depth--;
			off += 2;
		} else if (c == '[') {
			if (depth >= PDF_MAX_DEPTH)
				bad = off;
			nest <<= 1;
			depth++;
			off++;
		} else if (c == ']') {
			if (depth == 0 || (nest & 1) != 0)
				bad = off;
			nest >>= 1;
			depth--;
			off++;
		} else if (c == '/' || (c > 0x20 && c < 0x7f &&
		                        !pdf_is_delim(c))) {
			char w[PDF_MAX_OPERAND];
			size_t n = 0;
			bool name = c == '/';

			if (name)
				off++;
			while (off < end && (c = lx_byte(lx, off)) > 0x20 &&
			       c < 0x7f && !pdf_is_delim(c)) {
				if (n == sizeof(w)) {
					bad = off;
					break;
				}
				w[n++] = (char)c;
				off++;
			}
			if (bad != UINT64_MAX || name)
				continue;
			if (!pdf_word_number(w, n) && !pdf_word_op(w, n))
				bad = off - 1;
			else if (n == 2 && memcmp(w, "ID", 2) == 0)
				return UINT64_MAX;  /* inline image data */
		} else {
			bad = off;   /* a byte content has only in strings */
		}
		/* data whose first token is no content: not a content
		 * stream (unless the token runs on past a block) */
		if (bad != UINT64_MAX && ntok == 0 &&
		    bad - tok < PDF_CONTENT_SURE)
			return UINT64_MAX;
		ntok++;
	}
	if (bad == UINT64_MAX && depth != 0 && end > data)
		bad = end - 1;
	return bad;
}

/*
 * The stream data [data, data + len) checked by their filter when the
 * reader is thorough: UINT64_MAX when right or when it cannot tell (a
 * filter other than Flate, a stream that is no content stream), else the
 * first byte shown wrong.
 */
static uint64_t pdf_stream_check(struct pdf_doc *doc, uint64_t data,
                                 uint64_t len, const struct pdf_dict *d)
{
	if (!doc->lx.br->thorough || len == 0)
		return UINT64_MAX;
	if (d->filter == PF_FLATE)
		return pdf_flate_check(doc, data, len);
	if (d->filter == PF_NONE && !d->not_content)
		return pdf_content_check(doc, data, len);
	return UINT64_MAX;
}

/* Skips stream data after the "stream" keyword ending at kw_end. */
static enum pdf_step pdf_stream(struct pdf_doc *doc, uint64_t kw_end,
                                const struct pdf_dict *d)
{
	struct pdf_lex *lx = &doc->lx;
	uint64_t data = kw_end;
	int c = lx_byte(lx, data);

	if (c == '\r' && lx_byte(lx, data + 1) == '\n')
		data += 2;
	else if (c == '\r' || c == '\n')
		data += 1;
	if (d->has_length && d->length >= 0 &&
	    (uint64_t)d->length <= doc->size - data) {
		uint64_t at = data + (uint64_t)d->length;
		uint64_t bad = pdf_stream_check(doc, data,
		                                (uint64_t)d->length, d);
		if (bad != UINT64_MAX) {
			doc->stream_bad = true;
			lx->pos = bad;
			return PS_BAD;
		}
		for (int i = 0; i < 4 && pdf_is_ws(lx_byte(lx, at)); i++)
			at++;
		if (lx_match(lx, at, "endstream")) {
			lx->pos = at + 9;
			return PS_OK;
		}
		/* the first byte where "endstream" should be and is not */
		for (const char *k = "endstream"; *k != '\0'; k++, at++)
			if (lx_byte(lx, at) != (unsigned char)*k)
				break;
		if (at < doc->len_bad) {
			doc->len_bad = at;
			doc->len_bad_data = doc->last_good;
		}
		/* a thorough reader takes a wrong direct length for what it
		 * is, without searching on for an "endstream" */
		if (lx->br->thorough) {
			doc->stream_bad = true;
			lx->pos = at;
			return PS_BAD;
		}
	}
	/*
	 * Indirect or wrong length: the first "endstream" closes it, unless
	 * another document's header comes first (this one was cut short).
	 */
	uint64_t at = pdf_find(lx, data, UINT64_MAX, "endstream");
	if (at == UINT64_MAX)
		return PS_CUT;
	uint64_t h = pdf_find(lx, data, at, "%PDF-");
	if (h != UINT64_MAX) {
		lx->pos = h;   /* where the other document starts */
		return PS_BAD;
	}
	/* the data up to it (an end-of-line before the keyword is
	 * whitespace to the content check, after the end to zlib) */
	uint64_t bad = pdf_stream_check(doc, data, at - data, d);
	if (bad != UINT64_MAX) {
		doc->stream_bad = true;
		lx->pos = bad;
		return PS_BAD;
	}
	lx->pos = at + 9;
	return PS_OK;
}

/* Remembers a cross-reference section and its /Prev. */
static void pdf_add_xref(struct pdf_doc *doc, uint64_t off,
                         const struct pdf_dict *d)
{
	if (doc->nxref >= PDF_MAX_XREFS)
		return;
	doc->xref[doc->nxref].off = off;
	doc->xref[doc->nxref].prev = d->has_prev ? d->prev : -1;
	doc->xref[doc->nxref].table = strcmp(d->type, "XRef") != 0;
	doc->nxref++;
}

/* One indirect object; its "N G obj" started at start, tokens are read. */
static enum pdf_step pdf_object(struct pdf_doc *doc, uint64_t start)
{
	struct pdf_dict d = { 0 };
	struct pdf_tok t;
	enum pdf_step st;

	lx_next(&doc->lx, &t);
	st = pdf_value(doc, &t, "stream", &d);
	if (st != PS_OK)
		return st;
	if (tok_kw(&t, "stream")) {
		st = pdf_stream(doc, t.end, &d);
		if (st != PS_OK)
			return st;
		lx_next(&doc->lx, &t);
		if (t.type == PT_EOF)
			return PS_CUT;
		if (!tok_kw(&t, "endobj"))
			return PS_BAD;
	}
	if (strcmp(d.type, "XRef") == 0) {
		pdf_add_xref(doc, start, &d);
		doc->xref_stream = true;
	}
	if (doc->items == 0 && d.linearized)
		doc->linearized = true;
	if (strcmp(d.type, "Pages") == 0 && !d.has_parent && d.has_count)
		doc->pages = d.count;
	if (d.producer[0] != '\0')
		memcpy(doc->producer, d.producer, sizeof(doc->producer));
	return PS_OK;
}

/* An xref table from the keyword at start through its trailer. */
static enum pdf_step pdf_xref_table(struct pdf_doc *doc, uint64_t start)
{
	struct pdf_dict d = { 0 };
	struct pdf_tok t;
	uint64_t entries = 0;

	for (;;) {
		long long count;

		lx_next(&doc->lx, &t);
		if (tok_kw(&t, "trailer"))
			break;
		if (t.type != PT_INT || t.ival < 0)
			return t.type == PT_EOF ? PS_CUT : PS_BAD;
		lx_next(&doc->lx, &t);
		if (t.type != PT_INT || t.ival < 0)
			return t.type == PT_EOF ? PS_CUT : PS_BAD;
		count = t.ival;
		/* an entry takes 18 bytes at least: refuse counts that
		 * cannot fit before the reader's end */
		if ((uint64_t)count > PDF_MAX_ENTRIES - entries ||
		    (uint64_t)count > (doc->size - t.end) / 18)
			return PS_BAD;
		entries += (uint64_t)count;
		for (long long i = 0; i < count; i++) {
			lx_next(&doc->lx, &t);
			if (t.type != PT_INT)
				return t.type == PT_EOF ? PS_CUT : PS_BAD;
			lx_next(&doc->lx, &t);
			if (t.type != PT_INT)
				return t.type == PT_EOF ? PS_CUT : PS_BAD;
			lx_next(&doc->lx, &t);
			if (!tok_kw(&t, "n") && !tok_kw(&t, "f"))
				return t.type == PT_EOF ? PS_CUT : PS_BAD;
		}
	}
	lx_next(&doc->lx, &t);
	if (t.type != PT_DICT_OPEN)
		return t.type == PT_EOF ? PS_CUT : PS_BAD;
	enum pdf_step st = pdf_value(doc, &t, NULL, &d);
	if (st != PS_OK)
		return st;
	pdf_add_xref(doc, start, &d);
	doc->xref_table = true;
	return PS_OK;
}

/* Index of the section startxref x names, or -1. */
static int pdf_xref_at(struct pdf_doc *doc, long long x)
{
	for (unsigned i = 0; i < doc->nxref; i++) {
		uint64_t off = doc->xref[i].off;

		if (x == (long long)off)
			return (int)i;
		/* a few blanks before the keyword are forgiven */
		if (x >= 0 && (uint64_t)x < off && off - (uint64_t)x <= 4) {
			uint64_t at = (uint64_t)x;
			while (at < off && pdf_is_ws(lx_byte(&doc->lx, at)))
				at++;
			if (at == off)
				return (int)i;
		}
	}
	return -1;
}

/* Was some section of index [from, to) at offset x? */
static bool pdf_section_in(const struct pdf_doc *doc, unsigned from,
                           unsigned to, long long x)
{
	for (unsigned i = from; i < to; i++)
		if ((long long)doc->xref[i].off == x)
			return true;
	return false;
}

/*
 * "startxref N %%EOF" after the keyword: checks N and, when this tail
 * belongs to the document, moves the end past it.  PS_BAD when the tail
 * is malformed or, after an end, belongs to something else.
 */
static enum pdf_step pdf_tail(struct pdf_doc *doc)
{
	struct pdf_lex *lx = &doc->lx;
	struct pdf_tok t;
	uint64_t at;
	int c;

	lx_next(lx, &t);
	if (t.type != PT_INT)
		return t.type == PT_EOF ? PS_CUT : PS_BAD;
	at = t.end;
	for (int i = 0; i < 64 && pdf_is_ws(lx_byte(lx, at)); i++)
		at++;
	if (!lx_match(lx, at, "%%EOF"))
		return lx_byte(lx, at + 4) < 0 ? PS_CUT : PS_BAD;
	at += 5;
	c = lx_byte(lx, at);
	if (c == '\r' && lx_byte(lx, at + 1) == '\n')
		at += 2;
	else if (c == '\r' || c == '\n')
		at += 1;
	lx->pos = at;

	int i = pdf_xref_at(doc, t.ival);
	bool good = i >= 0;
	if (good && doc->end != 0) {
		/*
		 * An update's new section chains back by /Prev to one before
		 * the end.  A linearized file's last tail names its first-page
		 * section, before the end, whose /Prev chains forward to the
		 * new main section.  A copy of the same document (its header
		 * lost) names an old section that chains to nothing new.
		 */
		unsigned old = doc->nxref_at_end;
		if ((unsigned)i >= old)
			good = pdf_section_in(doc, 0, old, doc->xref[i].prev);
		else
			good = pdf_section_in(doc, old, doc->nxref,
			                      doc->xref[i].prev);
	}
	if (!good) {
		/* a linearized file's first tail names no section (it says
		 * "startxref 0"); more than a few such are not a document */
		if (doc->end != 0 || ++doc->bad_tails > PDF_MAX_BAD_TAILS)
			return PS_BAD;
		return PS_OK;
	}
	doc->end = at;
	doc->items_at_end = doc->items + 1;   /* the tail is an item too */
	doc->nxref_at_end = doc->nxref;
	doc->revisions++;
	return PS_OK;
}

/*
 * Skips whitespace and comments between items, at most limit bytes; 0 at
 * an item.  Another document's header ends this one.
 */
static int pdf_skip_top(struct pdf_doc *doc, uint64_t limit)
{
	struct pdf_lex *lx = &doc->lx;
	uint64_t start = lx->pos;

	for (;;) {
		int c = lx_byte(lx, lx->pos);

		if (c < 0 || lx->pos - start > limit)
			return -1;
		if (pdf_is_ws(c)) {
			lx->pos++;
			continue;
		}
		if (c != '%')
			return 0;
		if (lx_match(lx, lx->pos, "%PDF-"))
			return -1;
		while (c >= 0 && c != '\r' && c != '\n' &&
		       lx->pos - start <= limit)
			c = lx_byte(lx, ++lx->pos);
	}
}

/* Walks the items of the document; fills doc->end and doc->last_good. */
static void pdf_walk(struct pdf_doc *doc, uint64_t body)
{
	struct pdf_lex *lx = &doc->lx;
	struct pdf_tok t;

	lx->pos = body;
	doc->last_good = body;
	while (doc->items < PDF_MAX_ITEMS) {
		enum pdf_step st;
		bool after_end = doc->end != 0 &&
		                 doc->items == doc->items_at_end;
		uint64_t gap = after_end ? PDF_MAX_GAP_AFTER : PDF_MAX_GAP;

		if (pdf_skip_top(doc, gap) != 0) {
			/* another document's header, or too long a gap */
			if (lx_byte(lx, lx->pos) >= 0)
				doc->stop = lx->pos;
			break;
		}
		lx_next(lx, &t);
		uint64_t start = t.start;
		bool table = tok_kw(&t, "xref");
		st = PS_BAD;
		if (t.type == PT_INT) {
			lx_next(lx, &t);
			if (t.type == PT_INT) {
				lx_next(lx, &t);
				if (tok_kw(&t, "obj"))
					st = pdf_object(doc, start);
			}
		} else if (after_end && !table) {
			/* after an end only an update may follow */
			break;
		} else if (table) {
			st = pdf_xref_table(doc, start);
		} else if (tok_kw(&t, "startxref")) {
			st = pdf_tail(doc);
		}
		if (st == PS_BAD && t.type != PT_EOF && !after_end)
			doc->stop = lx->pos > t.end ? lx->pos : t.end;
		if (st != PS_OK)
			break;
		/*
		 * A trailer counts only with the tail after it: random bytes
		 * after a cut often read as the rest of a dictionary.
		 */
		if (!table)
			doc->last_good = lx->pos;
		doc->items++;
	}
}

/*
 * Is object num gen at off ("N G obj")?  0 when it is, else the first
 * byte that differs (off or later).
 */
static uint64_t pdf_obj_at(struct pdf_doc *doc, uint64_t off, long long num,
                           long long gen)
{
	struct pdf_lex *lx = &doc->lx;
	char want[3][24];
	uint64_t at = off;

	snprintf(want[0], sizeof(want[0]), "%lld", num);
	snprintf(want[1], sizeof(want[1]), "%lld", gen);
	snprintf(want[2], sizeof(want[2]), "obj");
	for (int w = 0; w < 3; w++) {
		unsigned ws = 0;

		if (w > 0) {
			while (ws < 16 && pdf_is_ws(lx_byte(lx, at))) {
				at++;
				ws++;
			}
			if (ws == 0)
				return at;
		}
		for (const char *p = want[w]; *p != '\0'; p++, at++)
			if (lx_byte(lx, at) != (unsigned char)*p)
				return at;
	}
	return pdf_is_regular(lx_byte(lx, at)) ? at : 0;
}

/*
 * Checks the in-use entries of the xref table whose keyword is at off
 * against the objects at their offsets counted from base.  Returns the
 * first byte shown wrong by the lowest entry that fails, or UINT64_MAX
 * when the table does not look like that document's (none of its objects
 * found, or one found beyond one that is not) or is unreadable; *npass
 * (may be NULL) is how many objects were found.
 */
/* What checking an xref table's entries against the objects comes to. */
struct pdf_xcheck {
	uint64_t base;          /* offsets are counted from here */
	uint64_t fail, fail_off, pass_hi, passed, checked;
};

/* An in-use entry read from a table, to check once a batch is full. */
struct pdf_xent {
	uint64_t off;
	long long num, gen;
};

/* Checks a batch of entries (read first, so the reader's window goes to
 * the objects once per batch, not once per entry). */
static void pdf_xcheck_batch(struct pdf_doc *doc, struct pdf_xcheck *x,
                             const struct pdf_xent *e, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t bad = pdf_obj_at(doc, x->base + e[i].off, e[i].num,
		                          e[i].gen);
		if (bad == 0) {
			x->passed++;
			if (e[i].off > x->pass_hi)
				x->pass_hi = e[i].off;
		} else if (e[i].off < x->fail_off) {
			x->fail_off = e[i].off;
			x->fail = bad;
		}
	}
	x->checked += n;
}

/*
 * Checks the in-use entries of the xref table whose keyword is at off
 * against the objects at their offsets counted from base (the first
 * PDF_MAX_XCHECK of them).  Returns the first byte shown wrong by the
 * lowest entry that fails, or UINT64_MAX when the table does not look
 * like that document's (none of its objects found, or one found beyond
 * one that is not) or is unreadable; *npass (may be NULL) is how many
 * objects were found.
 */
static uint64_t pdf_xref_check(struct pdf_doc *doc, uint64_t off,
                               uint64_t base, uint64_t *npass)
{
	struct pdf_lex *lx = &doc->lx;
	struct pdf_tok t;
	struct pdf_xcheck x = { .base = base, .fail = UINT64_MAX,
	                        .fail_off = UINT64_MAX };
	struct pdf_xent batch[PDF_XBATCH];
	unsigned nb = 0;
	uint64_t entries = 0;

	if (npass != NULL)
		*npass = 0;
	lx->pos = off;
	lx_next(lx, &t);
	if (!tok_kw(&t, "xref"))
		return UINT64_MAX;
	while (x.checked + nb < PDF_MAX_XCHECK) {
		lx_next(lx, &t);
		if (t.type != PT_INT || t.ival < 0)
			break;
		long long num = t.ival;
		lx_next(lx, &t);
		if (t.type != PT_INT || t.ival < 0 ||
		    (uint64_t)t.ival > PDF_MAX_ENTRIES - entries)
			break;
		long long count = t.ival;
		entries += (uint64_t)count;
		for (long long i = 0; i < count &&
		     x.checked + nb < PDF_MAX_XCHECK; i++, num++) {
			struct pdf_tok o, g, k;

			lx_next(lx, &o);
			lx_next(lx, &g);
			lx_next(lx, &k);
			if (o.type != PT_INT || g.type != PT_INT ||
			    (!tok_kw(&k, "n") && !tok_kw(&k, "f")))
				return UINT64_MAX;
			if (tok_kw(&k, "f") || o.ival <= 0 ||
			    (uint64_t)o.ival >= doc->size - base)
				continue;
			batch[nb++] = (struct pdf_xent){ (uint64_t)o.ival, num,
			                                 g.ival };
			if (nb == PDF_XBATCH) {
				uint64_t pos = lx->pos;
				pdf_xcheck_batch(doc, &x, batch, nb);
				nb = 0;
				lx->pos = pos;
			}
		}
	}
	pdf_xcheck_batch(doc, &x, batch, nb);
	doc->xpass_hi = x.passed > 0 ? x.base + x.pass_hi : UINT64_MAX;
	doc->xfail = x.fail;
	if (npass != NULL)
		*npass = x.passed;
	if (x.passed == 0 || (x.fail_off != UINT64_MAX && x.pass_hi > x.fail_off))
		return UINT64_MAX;
	return x.fail;
}

/*
 * Moves *h to the last "%PDF-" header before to, searching on from *from
 * (which it advances, so that repeated calls with growing to read each
 * byte once); at most 64 headers are taken per call.
 */
static void pdf_header_before(struct pdf_doc *doc, uint64_t *from,
                              uint64_t to, uint64_t *h)
{
	for (unsigned i = 0; i < 64 && *from < to; i++) {
		uint64_t at = pdf_find(&doc->lx, *from, to, "%PDF-");
		if (at == UINT64_MAX) {
			*from = to;
			break;
		}
		*h = at;
		*from = at + 1;
	}
}

/*
 * The fragmentation point of a document the walk did not end (see the
 * top of the file), or UINT64_MAX when nothing shows one.
 */
static uint64_t pdf_fragment(struct pdf_doc *doc)
{
	uint64_t point = doc->stop < doc->len_bad ? doc->stop : doc->len_bad;
	uint64_t x;

	/* a stream whose /Length led to no endstream: its data hold the
	 * boundary */
	if (point == doc->len_bad && point != UINT64_MAX)
		doc->sure = doc->len_bad_data;

	for (unsigned i = 0; i < doc->nxref; i++) {
		if (!doc->xref[i].table)
			continue;
		x = pdf_xref_check(doc, doc->xref[i].off, 0, NULL);
		if (x < point)
			point = x;
	}
	/*
	 * The document's own table, past the piece the walk could read.  A
	 * thorough reader (a map reassembly tries) that found a stream's
	 * data wrong has its point there already; the search, megabytes per
	 * map, could only move it back to an object walked before that is
	 * not where the table says, and a map is accepted only after the
	 * whole walk and every table's check, which still see that.
	 */
	if (doc->lx.br->thorough && doc->stream_bad)
		return point;
	uint64_t from = doc->last_good;
	uint64_t end = from + PDF_XREF_REACH;
	uint64_t h = 0, hfrom = from + 1;
	for (unsigned tries = 0; tries < 64; tries++) {
		uint64_t at = pdf_find(&doc->lx, from, end, "xref");

		if (at == UINT64_MAX)
			break;
		from = at + 4;
		if (at >= 5 && lx_match(&doc->lx, at - 5, "start"))
			continue;
		if (!pdf_is_ws(lx_byte(&doc->lx, at + 4)) ||
		    (at > 0 && pdf_is_regular(lx_byte(&doc->lx, at - 1))))
			continue;
		/* another document's table, when a header before it
		 * makes more of its offsets right */
		uint64_t own, other;
		pdf_header_before(doc, &hfrom, at, &h);
		x = pdf_xref_check(doc, at, 0, &own);
		if (h != 0) {
			(void)pdf_xref_check(doc, at, h, &other);
			if (other > own)
				continue;
		}
		/* A thorough reader walked every object before last_good
		 * where the map puts it: a table that places one of them
		 * elsewhere is another document's (one made alike, whose
		 * first objects lie where this one's do). */
		if (x != UINT64_MAX && doc->lx.br->thorough &&
		    x < doc->last_good)
			continue;
		if (x != UINT64_MAX) {
			if (x < point)
				point = x;
			break;
		}
	}
	return point;
}

/* Whether an xref table of a walked document names an object that is not
 * where it says; if so, the verdict is the fragmentation point there. */
static bool pdf_xrefs_wrong(struct pdf_doc *doc, struct carve_result *res)
{
	for (unsigned i = 0; i < doc->nxref; i++) {
		uint64_t npass;
		if (!doc->xref[i].table)
			continue;
		(void)pdf_xref_check(doc, doc->xref[i].off, 0, &npass);
		uint64_t x = doc->xfail;
		if (x == UINT64_MAX && npass > 0)
			continue;
		if (x == UINT64_MAX || x >= doc->size) {
			carve_truncated(res, doc->last_good,
			                "xref names no object where it says");
			return true;
		}
		uint64_t sure = doc->xpass_hi < x ? doc->xpass_hi : x;
		carve_truncated(res, sure, "xref offsets point at no objects");
		carve_note(res, CARVE_NOTE_FRAGMENT, x);
		return true;
	}
	return false;
}

static void pdf_validate(struct bread *br, struct carve_result *res)
{
	struct pdf_doc storage, *doc = &storage;
	const uint8_t *h = bread_peek(br, 0, 8);

	if (h == NULL || memcmp(h, "%PDF-", 5) != 0 || h[5] < '0' ||
	    h[5] > '9' || h[6] != '.' || h[7] < '0' || h[7] > '9') {
		carve_reject(res, "no %PDF-d.d header");
		return;
	}
	char version[4] = { (char)h[5], '.', (char)h[7], '\0' };

	memset(doc, 0, sizeof(*doc));
	doc->lx.br = br;
	doc->size = bread_size(br);
	doc->pages = -1;
	doc->stop = UINT64_MAX;
	doc->len_bad = UINT64_MAX;
	doc->sure = UINT64_MAX;

	/* the body starts after the header line */
	uint64_t body = 8;
	while (body < 1024) {
		int c = lx_byte(&doc->lx, body);
		if (c < 0 || c == '\r' || c == '\n')
			break;
		body++;
	}
	pdf_walk(doc, body);

	if (doc->end == 0) {
		if (doc->bad_tails > 0)
			carve_truncated(res, doc->last_good,
			                "startxref points at no xref");
		else if (doc->items > 0)
			carve_truncated(res, doc->last_good, "no %%EOF");
		else
			carve_reject(res, "no complete object");
		if (res->verdict != CARVE_REJECT) {
			uint64_t point = pdf_fragment(doc);
			carve_meta_add(res, "version", "%s", version);
			if (point < doc->size) {
				if (res->length > point)
					res->length = point;
				if (res->length > doc->sure)
					res->length = doc->sure;
				carve_note(res, CARVE_NOTE_FRAGMENT, point);
			}
		}
		return;
	}
	/* A reader that must tell a right byte order from a wrong one (the
	 * objects' bodies are not checked, so a map that leaves out or
	 * moves some of them still walks): every object an xref table
	 * names is where it says. */
	if (br->thorough && pdf_xrefs_wrong(doc, res)) {
		carve_meta_add(res, "version", "%s", version);
		return;
	}
	carve_accept(res, doc->end);
	carve_meta_add(res, "version", "%s", version);
	carve_meta_add(res, "revisions", "%u", doc->revisions);
	carve_meta_add(res, "xref", "%s", doc->xref_table && doc->xref_stream ?
	               "hybrid" : doc->xref_stream ? "stream" : "table");
	if (doc->linearized)
		carve_meta_add(res, "linearized", "yes");
	if (doc->pages >= 0)
		carve_meta_add(res, "pages", "%lld", doc->pages);
	if (doc->producer[0] != '\0')
		carve_meta_add(res, "producer", "%s", doc->producer);
}

static const struct format_sig pdf_sigs[] = {
	FORMAT_SIG("%PDF-", 0),
};

const struct format format_pdf = {
	.name = "pdf",
	.ext = "pdf",
	.description = "PDF document",
	FORMAT_SIGS(pdf_sigs),
	.align = 1,
	.min_size = 64,
	.max_size = PDF_MAX_SIZE,
	.validate = pdf_validate,
};

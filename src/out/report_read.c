/*
 * report_read.c - a small JSON reader for report.jsonl lines.
 *
 * Only what dredge writes is accepted: one object per line whose values
 * are strings, unsigned integers, null, and (for runs, clusters and meta)
 * arrays and objects of those, nested at most a few levels.  Unknown keys
 * are skipped, so later report fields do not break older readers.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dredge.h"
#include "fs/fsview.h"
#include "out/report_read.h"

#define MAX_DEPTH 8

struct cur {
	const char *p;
};

static void ws(struct cur *c)
{
	while (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n')
		c->p++;
}

static bool eat(struct cur *c, char ch)
{
	ws(c);
	if (*c->p != ch)
		return false;
	c->p++;
	return true;
}

/* A string into out (cap bytes, NUL included); out may be NULL to skip.
 * \u escapes above 0x7f are kept as '?' (dredge writes Latin-1 there).
 * One longer than out holds is refused, or with cut kept as far as it
 * fits. */
static bool str_to(struct cur *c, char *out, size_t cap, bool cut)
{
	size_t n = 0;

	if (!eat(c, '"'))
		return false;
	for (;;) {
		char ch = *c->p++;
		if (ch == '\0')
			return false;
		if (ch == '"')
			break;
		if (ch == '\\') {
			char e = *c->p++;
			switch (e) {
			case '"': case '\\': case '/': ch = e; break;
			case 'n': ch = '\n'; break;
			case 't': ch = '\t'; break;
			case 'r': ch = '\r'; break;
			case 'b': ch = '\b'; break;
			case 'f': ch = '\f'; break;
			case 'u': {
				unsigned v = 0;
				for (int i = 0; i < 4; i++) {
					char h = *c->p++;
					v <<= 4;
					if (h >= '0' && h <= '9')
						v |= (unsigned)(h - '0');
					else if (h >= 'a' && h <= 'f')
						v |= (unsigned)(h - 'a' + 10);
					else if (h >= 'A' && h <= 'F')
						v |= (unsigned)(h - 'A' + 10);
					else
						return false;
				}
				ch = v < 0x80 ? (char)v : '?';
				break;
			}
			default:
				return false;
			}
		} else if ((unsigned char)ch < 0x20) {
			return false;
		}
		if (out != NULL) {
			if (n + 1 < cap)
				out[n++] = ch;
			else if (!cut)
				return false;
		}
	}
	if (out != NULL)
		out[n] = '\0';
	return true;
}

static bool str(struct cur *c, char *out, size_t cap)
{
	return str_to(c, out, cap, false);
}

static bool u64(struct cur *c, uint64_t *v)
{
	uint64_t x = 0;

	ws(c);
	if (*c->p < '0' || *c->p > '9')
		return false;
	while (*c->p >= '0' && *c->p <= '9') {
		unsigned d = (unsigned)(*c->p++ - '0');
		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

static bool word(struct cur *c, const char *w)
{
	size_t n = strlen(w);

	ws(c);
	if (strncmp(c->p, w, n) != 0)
		return false;
	c->p += n;
	return true;
}

static bool skip(struct cur *c, unsigned depth)
{
	uint64_t v;

	if (depth > MAX_DEPTH)
		return false;
	ws(c);
	switch (*c->p) {
	case '"':
		return str(c, NULL, 0);
	case '{':
		c->p++;
		if (eat(c, '}'))
			return true;
		do {
			if (!str(c, NULL, 0) || !eat(c, ':') || !skip(c, depth + 1))
				return false;
		} while (eat(c, ','));
		return eat(c, '}');
	case '[':
		c->p++;
		if (eat(c, ']'))
			return true;
		do {
			if (!skip(c, depth + 1))
				return false;
		} while (eat(c, ','));
		return eat(c, ']');
	case 'n':
		return word(c, "null");
	case 't':
		return word(c, "true");
	case 'f':
		return word(c, "false");
	default:
		return u64(c, &v);
	}
}

/* "runs":[{"offset":L,"img_offset":I,"len":N},...]; a live file's run may
 * be a hole ("fill":0 for "img_offset") or content its file system holds
 * ("type":"resident" or "compressed"): fsview.h's markers then */
static bool runs(struct cur *c, struct report_rec *r)
{
	unsigned cap = 0;
	uint64_t logical = 0;

	if (!eat(c, '['))
		return false;
	if (eat(c, ']'))
		return true;
	do {
		uint64_t lo = UINT64_MAX, img = UINT64_MAX, len = UINT64_MAX;
		char key[16];
		if (!eat(c, '{'))
			return false;
		unsigned kinds = 0;   /* img_offset, fill, type given */
		do {
			uint64_t v;
			char type[16];
			if (!str(c, key, sizeof(key)) || !eat(c, ':'))
				return false;
			if (strcmp(key, "type") == 0) {
				if (!str(c, type, sizeof(type)))
					return false;
				if (strcmp(type, "resident") == 0)
					img = FSVIEW_RESIDENT;
				else if (strcmp(type, "compressed") == 0)
					img = FSVIEW_DECODED;
				else
					return false;
				kinds++;
				continue;
			}
			if (!u64(c, &v))
				return false;
			if (strcmp(key, "offset") == 0) {
				lo = v;
			} else if (strcmp(key, "img_offset") == 0) {
				if (v >= FSVIEW_DECODED)
					return false;
				img = v;
				kinds++;
			} else if (strcmp(key, "fill") == 0) {
				if (v != 0)
					return false;
				img = FSVIEW_HOLE;
				kinds++;
			} else if (strcmp(key, "len") == 0) {
				len = v;
			}
		} while (eat(c, ','));
		if (!eat(c, '}') || lo != logical || kinds != 1 ||
		    len == UINT64_MAX || len > UINT64_MAX - logical ||
		    (img < FSVIEW_DECODED && img > UINT64_MAX - len))
			return false;
		if (r->nruns == cap) {
			if (cap >= BREAD_MAX_EXTENTS)
				return false;
			unsigned ncap = cap ? cap * 2 : 4;
			struct extent *e = realloc(r->runs, ncap * sizeof(*e));
			if (e == NULL)
				return false;
			r->runs = e;
			cap = ncap;
		}
		r->runs[r->nruns++] = (struct extent){ img, len };
		logical += len;
	} while (eat(c, ','));
	return eat(c, ']');
}

/* Appends s to a field of cap bytes, after a space when it holds some. */
static void append(char *field, size_t cap, const char *s)
{
	size_t n = strlen(field);

	if (n > 0 && n + 1 < cap)
		field[n++] = ' ';
	snprintf(field + n, cap - n, "%s", s);
}

/* "meta":{"key":"value",...}: keeps what report.html shows. */
static bool meta(struct cur *c, struct report_rec *r)
{
	char key[64], val[256];

	if (!eat(c, '{'))
		return false;
	if (eat(c, '}'))
		return true;
	do {
		if (!str(c, key, sizeof(key)) || !eat(c, ':') ||
		    !str(c, val, sizeof(val)))
			return false;
		if (strcmp(key, "make") == 0 || strcmp(key, "model") == 0)
			append(r->camera, sizeof(r->camera), val);
		else if ((strcmp(key, "datetime") == 0 ||
		          strcmp(key, "creation_time") == 0 ||
		          strcmp(key, "created") == 0) && r->date[0] == '\0')
			snprintf(r->date, sizeof(r->date), "%s", val);
		else if (strcmp(key, "width") == 0)
			snprintf(r->width, sizeof(r->width), "%s", val);
		else if (strcmp(key, "height") == 0)
			snprintf(r->height, sizeof(r->height), "%s", val);
	} while (eat(c, ','));
	return eat(c, '}');
}

/* Which digest a JSONL key names, or -1. */
static int digest_key(const char *key)
{
	for (unsigned i = 0; i < DIGEST_N; i++)
		if (strcmp(key, digest_name(i)) == 0)
			return (int)i;
	return -1;
}

/* Whether s is exactly n lowercase hex digits. */
static bool hex_of_len(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

int report_parse_line(const char *line, struct report_rec *r)
{
	struct cur c = { line };
	char key[32];
	bool have_id = false, have_size = false, have_runs = false,
	     have_dup = false;

	memset(r, 0, sizeof(*r));
	if (!eat(&c, '{'))
		return -EINVAL;
	do {
		if (!str(&c, key, sizeof(key)) || !eat(&c, ':'))
			goto bad;
		bool good;
		if (strcmp(key, "unreadable") == 0 ||
		    strcmp(key, "read_on_retry") == 0) {
			report_rec_free(r);
			return 1;
		} else if (strcmp(key, "id") == 0) {
			good = have_id = u64(&c, &r->id);
		} else if (strcmp(key, "filename") == 0) {
			good = str(&c, r->filename, sizeof(r->filename));
		} else if (strcmp(key, "format") == 0) {
			good = str(&c, r->format, sizeof(r->format));
		} else if (strcmp(key, "type") == 0) {
			good = str(&c, r->type, sizeof(r->type));
		} else if (strcmp(key, "status") == 0) {
			good = str(&c, r->status, sizeof(r->status));
		} else if (strcmp(key, "reason") == 0) {
			good = word(&c, "null") ||
			       str_to(&c, r->reason, sizeof(r->reason), true);
		} else if (strcmp(key, "size") == 0) {
			good = have_size = u64(&c, &r->size);
		} else if (strcmp(key, "offset") == 0) {
			good = u64(&c, &r->offset);
		} else if (strcmp(key, "cluster") == 0) {
			good = u64(&c, &r->cluster);
			r->has_cluster = good;
		} else if (strcmp(key, "meta") == 0) {
			good = meta(&c, r);
		} else if (strcmp(key, "runs") == 0) {
			good = have_runs = runs(&c, r);
		} else if (strcmp(key, "xxh3_128") == 0) {
			good = str(&c, r->hash, sizeof(r->hash));
		} else if (digest_key(key) >= 0) {
			unsigned d = (unsigned)digest_key(key);
			good = str(&c, r->digests.hex[d], sizeof(r->digests.hex[d]))
			       && hex_of_len(r->digests.hex[d], digest_hexlen(d));
		} else if (strcmp(key, "origin") == 0) {
			char origin[16];
			good = str(&c, origin, sizeof(origin));
			r->live = good && strcmp(origin, "live") == 0;
		} else if (strcmp(key, "duplicate_of") == 0) {
			have_dup = true;
			good = word(&c, "null") || u64(&c, &r->duplicate_of);
		} else {
			good = skip(&c, 1);
		}
		if (!good)
			goto bad;
	} while (eat(&c, ','));
	if (!eat(&c, '}'))
		goto bad;
	ws(&c);
	if (*c.p != '\0')
		goto bad;
	/* a suspect file is whole by its own structure */
	r->suspect = strcmp(r->status, "suspect") == 0;
	r->complete = strcmp(r->status, "complete") == 0 ||
	              strcmp(r->status, "reassembled") == 0 || r->suspect;
	uint64_t total = 0;
	bool wraps = false;
	for (unsigned i = 0; i < r->nruns; i++) {
		wraps |= r->runs[i].len > UINT64_MAX - total ||
		         (fsview_ext_is_source(&r->runs[i]) &&
		          r->runs[i].img_off > UINT64_MAX - r->runs[i].len);
		total += r->runs[i].len;
	}
	if (!have_id || !have_size || !have_runs || !have_dup || wraps ||
	    r->filename[0] == '\0' || r->nruns == 0 || total != r->size ||
	    !hex_of_len(r->hash, 32) ||
	    (!r->complete && strcmp(r->status, "truncated") != 0) ||
	    r->id == 0 || r->duplicate_of >= r->id)
		goto bad;
	return 0;
bad:
	report_rec_free(r);
	return -EINVAL;
}

void report_rec_free(struct report_rec *r)
{
	free(r->runs);
	r->runs = NULL;
	r->nruns = 0;
}

int dredge_report_files(const char *path,
                        int (*fn)(void *arg,
                                  const struct dredge_report_file *f),
                        void *arg, char *err, size_t errlen)
{
	FILE *in = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	uint64_t lineno = 0;
	ssize_t n;
	int rc = 0;

	if (in == NULL) {
		rc = -errno;
		snprintf(err, errlen, "cannot read '%s': %s", path,
		         strerror(errno));
		return rc;
	}
	while (rc == 0 && (n = getline(&line, &cap, in)) > 0) {
		struct report_rec r;
		int k = -EINVAL;
		lineno++;
		if ((size_t)n <= REPORT_LINE_MAX)
			k = report_parse_line(line, &r);
		if (k == 1)
			continue;
		if (k != 0) {
			snprintf(err, errlen, "%s: line %" PRIu64 " is not a "
			         "dredge report entry", path, lineno);
			rc = -EINVAL;
			break;
		}
		const struct dredge_report_file f = {
			.id = r.id, .filename = r.filename, .format = r.format,
			.status = r.status, .reason = r.reason,
			.offset = r.offset,
		};
		rc = fn(arg, &f);
		report_rec_free(&r);
	}
	if (rc == 0 && ferror(in)) {
		rc = -EIO;
		snprintf(err, errlen, "cannot read '%s': %s", path,
		         strerror(errno));
	}
	free(line);
	fclose(in);
	return rc;
}

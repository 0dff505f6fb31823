/*
 * test_sqlite.c - the SQLite validator: databases made by the sqlite3
 * shell (tests/data/sqlite/make.sh) embedded in random bytes and cut
 * short; headers edited here for the cases the shell does not write (no
 * valid page count, bad page sizes, a huge count, a wrong page 1).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "fmt_util.h"
#include "img_check.h"

extern const struct format format_sqlite;

static const struct sample {
	const char *file;
	const char *page_size;
	const char *pages;
} samples[] = {
	{ "sqlite/default.sqlite", "4096", "4" },
	{ "sqlite/small.sqlite", "512", "24" },
	{ "sqlite/wal.sqlite", "4096", "2" },
	{ "sqlite/empty.sqlite", "1024", "2" },
};

static void check_sample(const struct sample *s)
{
	size_t len;
	uint8_t *f = tu_load_data(s->file, &len);
	struct carve_result res;

	ic_embedded_at(&format_sqlite, s->file, f, len, 4096, 3000, 13, &res);
	is_str(tu_meta(&res, "page_size"), s->page_size, "%s: page size",
	       s->file);
	is_str(tu_meta(&res, "pages"), s->pages, "%s: pages", s->file);
	ok(tu_meta(&res, "sqlite_version") != NULL, "%s: SQLite version",
	   s->file);
	unsigned t = ic_cuts(&format_sqlite, s->file, f, len);
	ok(t >= 20, "%s: cuts past the header are truncated (%u)", s->file, t);
	free(f);
}

/* Validates f with byte at set to v (restored after). */
static enum carve_verdict with_byte(uint8_t *f, size_t len, size_t at,
                                    uint8_t v, struct carve_result *res)
{
	uint8_t old = f[at];
	f[at] = v;
	enum carve_verdict r = tu_validate(&format_sqlite, f, len, 0, res);
	f[at] = old;
	return r;
}

static void check_hostile(void)
{
	size_t len;
	uint8_t *f = tu_load_data("sqlite/default.sqlite", &len);
	struct carve_result res;

	ok(with_byte(f, len, 16, 0x0c, &res) == CARVE_REJECT,
	   "page size 3072: rejected");
	ok(with_byte(f, len, 16, 0x00, &res) == CARVE_REJECT,
	   "page size 0 (16): rejected");
	ok(with_byte(f, len, 27, (uint8_t)(f[27] + 1), &res) == CARVE_REJECT,
	   "change counter not the version-valid-for: rejected");
	ok(with_byte(f, len, 31, 0, &res) == CARVE_REJECT,
	   "page count 0: rejected");
	ok(with_byte(f, len, 100, 0x0a, &res) == CARVE_REJECT,
	   "page 1 an index page: rejected");
	ok(with_byte(f, len, 21, 65, &res) == CARVE_REJECT,
	   "bad payload fraction: rejected");
	ok(with_byte(f, len, 80, 1, &res) == CARVE_REJECT,
	   "reserved bytes not zero: rejected");
	/* page count 2^32-1 with 65536-byte pages: 2^48 bytes claimed */
	uint8_t save[16];
	memcpy(save, f + 16, 16);
	f[16] = 0;
	f[17] = 1;
	memset(f + 28, 0xff, 4);
	tu_validate(&format_sqlite, f, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len,
	   "2^32-1 pages of 64 KiB: truncated at what is there");
	memcpy(f + 16, save, 16);
	free(f);

	/* a page size of 65536 written as 1 */
	size_t big = 3 * 65536;
	uint8_t *b = calloc(1, big);
	f = tu_load_data("sqlite/empty.sqlite", &len);
	memcpy(b, f, 112);
	b[16] = 0;
	b[17] = 1;
	b[31] = 2;
	b[105] = 0;   /* cell content at 65536 (0) */
	b[106] = 0;
	tu_validate(&format_sqlite, b, big, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == 2 * 65536,
	   "page size 1 means 65536");
	free(b);
	free(f);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		check_sample(&samples[i]);
	check_hostile();
	return tap_done();
}

/*
 * test_html.c - report.html's gallery made on several threads is the one
 * made on one: the same page and the same thumbnails, the decoding budget
 * given to the photos in report order (the first ones that need decoding
 * get it, EXIF thumbnails after it ran out are still made), and a photo
 * past the budget shown as itself when whole, left out when truncated.
 * Thumbnails made while the scan runs (html_early), for all the entries
 * or only the first ones, leave the page and the thumbnails as they are.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "fmt_util.h"
#include "out/html.h"
#include "out/report_read.h"
#include "out/thumb.h"

/* Photos that need decoding, each PLAIN_SIZE bytes: the budget takes
 * FIT of them, the rest are past it. */
#define PLAIN_SIZE (1u << 20)
#define FIT (THUMB_DECODE_BUDGET / PLAIN_SIZE)
#define NFILES (FIT + 12)

/* The kind of entry i: 'e' an EXIF thumbnail, 'p' a whole photo to
 * decode, 't' a truncated one. */
static char kind(unsigned i)
{
	if (i % 3 == 2)
		return 'e';
	if (i == NFILES - 2)
		return 't';
	return 'p';
}

static void put(int dirfd, const char *name, const uint8_t *d, size_t len,
                size_t pad)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, d, len) != (ssize_t)len ||
	    (pad > len && ftruncate(fd, (off_t)pad) != 0))
		tap_bail("cannot write a test file");
	close(fd);
}

/* A folder as a scan leaves it: jpg/fN.jpg and report.jsonl. */
static int make_folder(const char *dir)
{
	size_t plain, exif;
	uint8_t *p = tu_load_data("jpeg/baseline.jpg", &plain);
	uint8_t *e = tu_load_data("jpeg/exif_thumb.jpg", &exif);
	char name[64];

	if (mkdir(dir, 0755) != 0)
		tap_bail("cannot make a scratch folder");
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dirfd < 0 || mkdirat(dirfd, "jpg", 0755) != 0)
		tap_bail("cannot make a scratch folder");
	FILE *r = fdopen(openat(dirfd, "report.jsonl",
	                        O_WRONLY | O_CREAT | O_TRUNC, 0644), "w");
	if (r == NULL)
		tap_bail("cannot write report.jsonl");
	for (unsigned i = 0; i < NFILES; i++) {
		char k = kind(i);
		size_t size = k == 'e' ? exif : PLAIN_SIZE;
		snprintf(name, sizeof(name), "jpg/f%04u.jpg", i);
		if (k == 'e')
			put(dirfd, name, e, exif, 0);
		else
			put(dirfd, name, p, plain, PLAIN_SIZE);
		fprintf(r, "{\"id\":%u,\"filename\":\"%s\",\"format\":\"jpeg\","
		        "\"type\":\"jpg\",\"status\":\"%s\",\"offset\":%u,"
		        "\"size\":%zu,\"runs\":[{\"offset\":0,\"img_offset\":%u,"
		        "\"len\":%zu}],\"xxh3_128\":\"%032x\","
		        "\"duplicate_of\":null}\n", i + 1, name,
		        k == 't' ? "truncated" : "complete", i * PLAIN_SIZE,
		        size, i * PLAIN_SIZE, size, i + 1);
	}
	fclose(r);
	free(p);
	free(e);
	return dirfd;
}

/* The whole of file name in dirfd, NUL-terminated; NULL if unreadable. */
static char *slurp(int dirfd, const char *name, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY);
	struct stat st;
	char *b = NULL;

	*len = 0;
	if (fd >= 0 && fstat(fd, &st) == 0 &&
	    (b = malloc((size_t)st.st_size + 1)) != NULL &&
	    read(fd, b, (size_t)st.st_size) == st.st_size) {
		*len = (size_t)st.st_size;
		b[*len] = '\0';
	} else {
		free(b);
		b = NULL;
	}
	if (fd >= 0)
		close(fd);
	return b;
}

/* The first n entries of dir's report.jsonl handed to e, as the writer
 * hands them; how many jobs e then made. */
static size_t feed(struct html_early *e, const char *dir, unsigned n)
{
	char path[300], *line = NULL;
	size_t cap = 0;
	snprintf(path, sizeof(path), "%s/report.jsonl", dir);
	FILE *f = fopen(path, "r");

	if (f == NULL)
		tap_bail("cannot read the test report");
	for (unsigned i = 0; i < n && getline(&line, &cap, f) > 0; i++) {
		struct report_rec r;
		if (report_parse_line(line, &r) != 0)
			tap_bail("cannot parse the test report");
		html_early_add(e, &r);
		report_rec_free(&r);
	}
	free(line);
	fclose(f);
	return html_early_drain(e);
}

/* Whether dir's page and thumbnails are those of the folder ref. */
static bool same_page(int ref, int dirfd)
{
	size_t a, b;
	char *pa = slurp(ref, "report.html", &a);
	char *pb = slurp(dirfd, "report.html", &b);
	bool same = pa != NULL && pb != NULL && a == b &&
	            memcmp(pa, pb, a) == 0;

	free(pa);
	free(pb);
	for (unsigned i = 0; i < NFILES && same; i++) {
		char name[64];
		snprintf(name, sizeof(name), "thumbs/f%04u.jpg", i);
		char *ta = slurp(ref, name, &a), *tb = slurp(dirfd, name, &b);
		same = (ta == NULL && tb == NULL) ||
		       (ta != NULL && tb != NULL && a == b &&
		        memcmp(ta, tb, a) == 0);
		if (!same)
			printf("# %s differs\n", name);
		free(ta);
		free(tb);
	}
	return same;
}

static void remove_folder(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

int main(void)
{
	char tmpl[] = "dredge-html.XXXXXX";
	char *base = mkdtemp(tmpl);
	char one[256], many[256], name[64];
	struct html_info info = {
		.source = "card.img", .source_size = NFILES * PLAIN_SIZE,
		.sector_size = 512, .command_line = "dredge scan card.img",
		.hashes = "none", .volume = "", .status = "completed",
		.started = "2026-01-01T00:00:00Z",
		.ended = "2026-01-01T00:00:01Z", .seconds = 1.0,
		.bytes_scanned = NFILES * PLAIN_SIZE, .files = NFILES,
	};

	if (base == NULL)
		tap_bail("no scratch folder");
	snprintf(one, sizeof(one), "%s/one", base);
	snprintf(many, sizeof(many), "%s/many", base);
	int fd1 = make_folder(one), fdn = make_folder(many);

	info.threads = 1;
	is_u64(html_write(fd1, &info), 0, "report.html made on one thread");
	info.threads = 4;
	is_u64(html_write(fdn, &info), 0, "... and on four");

	size_t n1, nn;
	char *p1 = slurp(fd1, "report.html", &n1);
	char *pn = slurp(fdn, "report.html", &nn);
	ok(p1 != NULL && pn != NULL && n1 == nn && memcmp(p1, pn, n1) == 0,
	   "the two pages are byte-identical (%zu and %zu bytes)", n1, nn);

	/* Which photos got a thumbnail, and how the page shows each. */
	unsigned decoded = 0, same = 0, right = 0;
	for (unsigned i = 0; i < NFILES; i++) {
		char k = kind(i), img[128];
		size_t a, b;
		snprintf(name, sizeof(name), "thumbs/f%04u.jpg", i);
		char *t1 = slurp(fd1, name, &a), *tn = slurp(fdn, name, &b);
		same += (t1 == NULL && tn == NULL) ||
		        (t1 != NULL && tn != NULL && a == b &&
		         memcmp(t1, tn, a) == 0);
		bool has = t1 != NULL, want = true;
		if (k != 'e') {
			want = decoded < FIT;
			decoded += want;
		}
		if (has)
			snprintf(img, sizeof(img), "<img src=\"%s\"", name);
		else
			snprintf(img, sizeof(img), "<img src=\"jpg/f%04u.jpg\"",
			         i);
		bool shown = p1 != NULL && strstr(p1, img) != NULL;
		if (has == want && shown == (has || k != 't'))
			right++;
		else
			printf("# entry %u (%c): thumbnail %d, shown %d\n", i,
			       k, has, shown);
		free(t1);
		free(tn);
	}
	is_u64(same, NFILES, "every thumbnail is the same on one thread and on four");
	is_u64(right, NFILES, "the budget went to the first %u photos to "
	       "decode; past it whole ones are shown as they are, truncated "
	       "ones left out, EXIF thumbnails still made", (unsigned)FIT);

	/* Made while a scan runs: for every entry, or for the first few
	 * (the scan ended before the thread reached the rest).  Were the
	 * budget they spent not taken over, the thumbnails they made would
	 * count as current, and photos past the budget would get one. */
	static const unsigned fed[] = { NFILES, NFILES / 2, 1 };
	for (unsigned k = 0; k < sizeof(fed) / sizeof(fed[0]); k++) {
		char dir[300];
		snprintf(dir, sizeof(dir), "%s/early%u", base, k);
		int fd = make_folder(dir);
		struct html_early *e;
		is_u64(html_early_start(&e, fd), 0, "thumbnails made as %u "
		       "entries are reported", fed[k]);
		is_u64(feed(e, dir, fed[k]), fed[k], "... %u made", fed[k]);
		struct html_info ie = info;
		ie.threads = 4;
		ie.early = e;
		is_u64(html_write(fd, &ie), 0, "... report.html made after them");
		ok(same_page(fd1, fd), "... the same page and thumbnails as "
		   "when all are made at the end");
		html_early_free(e);
		close(fd);
	}

	/* Made again over the same folders: the thumbnails there are
	 * current and take no budget, so the photos past it get some now,
	 * the same ones on one thread and on four. */
	info.threads = 1;
	is_u64(html_write(fd1, &info), 0, "report.html made again on one thread");
	info.threads = 4;
	is_u64(html_write(fdn, &info), 0, "... and on four");
	free(p1);
	free(pn);
	p1 = slurp(fd1, "report.html", &n1);
	pn = slurp(fdn, "report.html", &nn);
	ok(p1 != NULL && pn != NULL && n1 == nn && memcmp(p1, pn, n1) == 0,
	   "... the two pages are the same again");
	snprintf(name, sizeof(name), "thumbs/f%04u.jpg", (unsigned)NFILES - 1);
	size_t a;
	char *last = slurp(fdn, name, &a);
	ok(last != NULL, "... and the last photo, past the budget before, "
	   "has a thumbnail now");
	free(last);

	free(p1);
	free(pn);
	close(fd1);
	close(fdn);
	remove_folder(base);
	return tap_done();
}

/*
 * test_report.c - a report entry is written whole or not at all: when the
 * disk refuses part of it (here a file size limit stands in for a full
 * disk), both reports are cut back to where they were and can still be
 * closed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "out/report.h"

static off_t size_at(int dirfd, const char *name)
{
	struct stat st;
	return fstatat(dirfd, name, &st, 0) == 0 ? st.st_size : -1;
}

static int add(struct report *rep, uint64_t id, uint64_t unreadable)
{
	struct extent run = { .img_off = id * 4096, .len = 3000 };
	struct report_entry e = {
		.id = id,
		.filename = "jpg/f0000008.jpg",
		.format = "jpeg",
		.ext = "jpg",
		.size = 3000,
		.runs = &run,
		.nruns = 1,
		.hash = "0123456789abcdef0123456789abcdef",
		.sector_size = 512,
		.unreadable = unreadable,
	};
	return report_add(rep, &e);
}

int main(void)
{
	const char *top = getenv("top_builddir");
	char dir[4096];
	struct report *rep;
	struct report_info info = {
		.source = "card.img", .source_size = 1 << 20,
		.sector_size = 512, .command_line = "dredge scan card.img",
		.io_engine = "pread", .block_size = 512,
	};

	snprintf(dir, sizeof(dir), "%s/tests/report-test.XXXXXX", top ? top : ".");
	if (mkdtemp(dir) == NULL)
		tap_bail("cannot make a scratch folder");
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY);

	ok(report_open(&rep, dirfd, &info) == 0, "reports open");
	ok(add(rep, 1, 0) == 0, "an entry is added");
	ok(add(rep, 2, 512) == 0, "an entry with unreadable bytes is added");
	off_t x = size_at(dirfd, "report.xml"), j = size_at(dirfd, "report.jsonl");
	uint64_t xl, jl;
	report_lengths(rep, &xl, &jl);
	ok(xl == (uint64_t)x && jl == (uint64_t)j,
	   "the lengths given are the files' sizes");

	/* Room for a few more bytes, not for an entry. */
	struct rlimit old, lim;
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)(x > j ? x : j) + 100;
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &lim);
	int rc = add(rep, 3, 0);
	setrlimit(RLIMIT_FSIZE, &old);
	ok(rc == -EFBIG, "an entry that does not fit fails (%s)", strerror(-rc));
	ok(size_at(dirfd, "report.xml") == x && size_at(dirfd, "report.jsonl") == j,
	   "and neither report keeps any of it");
	report_lengths(rep, &xl, &jl);
	ok(xl == (uint64_t)x && jl == (uint64_t)j, "lengths are unchanged");

	ok(add(rep, 3, 0) == 0, "once there is room the entry goes in");
	struct report_end end = { .files = 3, .status = "completed" };
	ok(report_close(rep, &end) == 0, "the reports close");

	char path[4200], line[4096];
	int entries = 0, closed = 0, marked = 0, xml_marked = 0;
	snprintf(path, sizeof(path), "%s/report.jsonl", dir);
	FILE *f = fopen(path, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		entries += strncmp(line, "{\"id\":", 6) == 0 &&
		           line[strlen(line) - 1] == '\n';
		marked += strstr(line, "\"unreadable_bytes\":512") != NULL;
	}
	if (f != NULL)
		fclose(f);
	snprintf(path, sizeof(path), "%s/report.xml", dir);
	f = fopen(path, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		closed = strcmp(line, "</dfxml>\n") == 0;
		xml_marked += strstr(line, "<dredge:unreadable_bytes>512<") != NULL;
	}
	if (f != NULL)
		fclose(f);
	ok(entries == 3, "JSONL holds three whole entries");
	ok(marked == 1 && xml_marked == 1,
	   "the entry with unreadable bytes is marked in both");
	ok(closed, "DFXML ends closed");

	unlinkat(dirfd, "report.xml", 0);
	unlinkat(dirfd, "report.jsonl", 0);
	close(dirfd);
	rmdir(dir);
	return tap_done();
}

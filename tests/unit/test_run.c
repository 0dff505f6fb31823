/*
 * test_run.c - the validation runner that the validator pool, reassembly
 * and the fs command share: a known-good file validates over one extent
 * and over scattered ones, a cut copy comes back truncated with its note,
 * the reader stops at the format's largest file, a validator that claims
 * more than it could read is cut back, and a reader that cannot be set up
 * gives a rejection and an error.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"
#include "fmt_util.h"
#include "formats/run.h"

/* A format that claims 100 bytes more than its reader holds, and notes
 * the size it was given. */
static void claim_more(struct bread *br, struct carve_result *res)
{
	carve_accept(res, bread_size(br) + 100);
	carve_meta_add(res, "size", "%llu",
	               (unsigned long long)bread_size(br));
}

static const struct format greedy = {
	.name = "greedy", .ext = "bin", .description = "test",
	.validate = claim_more, .max_size = 4096,
};

static int memfd_with(const uint8_t *buf, size_t len)
{
	int fd = memfd_create("run-test", MFD_CLOEXEC);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		tap_bail("memfd");
	return fd;
}

static void test_whole_and_cut(void)
{
	const struct format *mp4 = format_find("mp4");
	size_t len;
	uint8_t *d = tu_load_data("mp4/dashcam.mp4", &len);
	struct carve_result res;
	int fd = memfd_with(d, len), err = -1;
	struct extent one = { 0, len };
	struct source src;
	if (source_open_fd(&src, fd, "run") != 0)
		tap_bail("source");
	struct run_req req = { .src = &src, .ext = &one, .next = 1 };

	if (mp4 == NULL)
		tap_bail("no mp4 format");
	is_u64(run_validate(mp4, &req, &res, &err), 0, "good file: runs");
	is_u64(res.verdict, CARVE_ACCEPT, "good file: accepted");
	is_u64(res.length, len, "good file: its whole length");
	is_u64(err, 0, "good file: no I/O error");

	/* The same file through a caller's window. */
	uint8_t win[64 * 1024];
	req.win = win;
	req.win_cap = sizeof(win);
	is_u64(run_validate(mp4, &req, &res, NULL), 0, "window: runs");
	is_u64(res.verdict, CARVE_ACCEPT, "window: accepted");
	is_u64(res.length, len, "window: whole length");

	/* Cut before its end: truncated, with the note a reassembly engine
	 * acts on. */
	one.len = len / 2;
	is_u64(run_validate(mp4, &req, &res, NULL), 0, "cut file: runs");
	is_u64(res.verdict, CARVE_TRUNCATED, "cut file: truncated");
	ok(res.length <= len / 2, "cut file: no longer than what was there");
	is_u64(res.note, CARVE_NOTE_NO_INDEX, "cut file: no index note");
	is_u64(res.note_off, len / 2, "cut file: note where the data ran out");
	source_close(&src);
	close(fd);
	free(d);
}

/* The file in three pieces scattered on a "medium" with junk between. */
static void test_extents(void)
{
	const struct format *mp4 = format_find("mp4");
	size_t len;
	uint8_t *d = tu_load_data("mp4/dashcam.mp4", &len);
	size_t a = len / 3, b = 2 * len / 3, gap = 8192;
	size_t img_len = len + 2 * gap;
	uint8_t *img = malloc(img_len);
	struct carve_result res;

	if (img == NULL)
		tap_bail("out of memory");
	tu_random(img, img_len, 77);
	memcpy(img, d, a);
	memcpy(img + a + gap, d + a, b - a);
	memcpy(img + b + 2 * gap, d + b, len - b);
	int fd = memfd_with(img, img_len);
	struct extent ext[3] = {
		{ 0, a }, { a + gap, b - a }, { b + 2 * gap, len - b },
	};
	struct source src;
	if (source_open_fd(&src, fd, "run") != 0)
		tap_bail("source");
	struct run_req req = { .src = &src, .ext = ext, .next = 3 };

	is_u64(run_validate(mp4, &req, &res, NULL), 0, "extents: runs");
	is_u64(res.verdict, CARVE_ACCEPT, "extents: accepted");
	is_u64(res.length, len, "extents: whole length");
	/* Without its last piece the file is cut where the second ends. */
	req.next = 2;
	run_validate(mp4, &req, &res, NULL);
	is_u64(res.verdict, CARVE_TRUNCATED, "two of three extents: truncated");
	ok(res.length <= b, "two of three extents: within them");
	source_close(&src);
	close(fd);
	free(img);
	free(d);
}

static void test_limits(void)
{
	uint8_t buf[16384];
	struct carve_result res;
	int fd;

	memset(buf, 0x5a, sizeof(buf));
	fd = memfd_with(buf, sizeof(buf));

	/* The reader stops at max_size; the claim past it is cut back. */
	struct extent one = { 0, sizeof(buf) };
	struct source src;
	if (source_open_fd(&src, fd, "run") != 0)
		tap_bail("source");
	struct run_req req = { .src = &src, .ext = &one, .next = 1 };
	is_u64(run_validate(&greedy, &req, &res, NULL), 0, "greedy: runs");
	is_u64(res.verdict, CARVE_TRUNCATED, "greedy: overclaim truncated");
	is_u64(res.length, 4096, "greedy: cut at the format's largest file");
	is_str(res.reason, "validator overran its reader", "greedy: reason");
	is_u64(res.note, CARVE_NOTE_NONE, "greedy: no note");
	ok(res.nmeta == 1 && strcmp(res.meta[0].val, "4096") == 0,
	   "greedy: saw a reader of max_size bytes");

	/* Below max_size the extent is the bound. */
	one.len = 1000;
	run_validate(&greedy, &req, &res, NULL);
	is_u64(res.length, 1000, "greedy: cut at the extent's end");

	/* No reader: a rejection and an error, never a validate call. */
	req.next = 0;
	ok(run_validate(&greedy, &req, &res, NULL) == -EINVAL,
	   "no extents: -EINVAL");
	is_u64(res.verdict, CARVE_REJECT, "no extents: rejected");
	is_str(res.reason, "reader setup failed", "no extents: reason");
	is_u64(res.nmeta, 0, "no extents: validator not called");
	req.next = 1;
	uint8_t win[512];
	req.win = win;
	req.win_cap = 0;
	ok(run_validate(&greedy, &req, &res, NULL) < 0,
	   "window of 0 bytes: an error");
	is_u64(res.verdict, CARVE_REJECT, "window of 0 bytes: rejected");
	source_close(&src);
	close(fd);
}

int main(void)
{
	test_whole_and_cut();
	test_extents();
	test_limits();
	return tap_done();
}

/*
 * test_writer.c - the writer's parts on their own: the ordered commit
 * hands batches on in sequence order whatever order they arrive in, and
 * the writer, fed through its narrow door (writer_config, writer_hooks),
 * writes content found twice once while reporting both locations.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "formats/format.h"
#include "out/dedup.h"
#include "out/output.h"
#include "out/report_read.h"
#include "pipeline/commit.h"

/* ------------------------------------------------------ ordered commit */

struct order {
	uint64_t seen[256];
	uint64_t n;
	uint64_t fail_at;        /* take fails at this seq (UINT64_MAX: never) */
};

static int order_take(void *arg, struct batch *b)
{
	struct order *o = arg;
	int rc = b->seq == o->fail_at ? -EIO : 0;

	if (rc == 0)
		o->seen[o->n++] = b->seq;
	batch_free(b);
	return rc;
}

static struct batch *batch_make(uint64_t seq)
{
	struct batch *b = calloc(1, sizeof(*b));

	if (b == NULL)
		tap_bail("out of memory");
	b->seq = seq;
	b->lo = seq * 4096;
	b->hi = b->lo + 4096;
	return b;
}

/* Pushes batches 0..n-1 (but skip, when below n) in an order shuffled
 * from seed, then closes q. */
static void push_shuffled(struct queue *q, unsigned n, unsigned skip,
                          unsigned seed)
{
	unsigned order[256];

	for (unsigned i = 0; i < n; i++)
		order[i] = i;
	srand(seed);
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = (unsigned)rand() % (i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (unsigned i = 0; i < n; i++)
		if (order[i] != skip && queue_push(q, batch_make(order[i])) != 0)
			tap_bail("queue refused a batch");
	queue_close(q);
}

static void test_commit_order(void)
{
	for (unsigned seed = 1; seed <= 20; seed++) {
		unsigned n = 8 + seed * 11;
		struct order o = { .fail_at = UINT64_MAX };
		struct queue q;
		uint64_t taken;
		int inorder = 1;

		if (queue_init(&q, n) != 0)
			tap_bail("queue_init");
		push_shuffled(&q, n, n, seed);
		ok(commit_run(&q, n, n, order_take, &o, &taken) == 0,
		   "seed %u: commit runs", seed);
		for (uint64_t i = 0; i < o.n; i++)
			inorder &= o.seen[i] == i;
		is_u64(taken, n, "seed %u: all %u batches taken", seed, n);
		ok(inorder && o.n == n, "seed %u: taken in sequence order", seed);
		queue_destroy(&q);
	}
}

static void test_commit_stops(void)
{
	struct order o = { .fail_at = UINT64_MAX };
	struct queue q;
	uint64_t taken;

	/* Batch 5 never comes: 0-4 go, the rest wait and are freed. */
	if (queue_init(&q, 16) != 0)
		tap_bail("queue_init");
	push_shuffled(&q, 16, 5, 7);
	commit_run(&q, 16, 16, order_take, &o, &taken);
	is_u64(taken, 5, "a missing batch stops the commit before it");
	queue_destroy(&q);

	/* take fails on batch 3: 0-2 count as taken. */
	memset(&o, 0, sizeof(o));
	o.fail_at = 3;
	if (queue_init(&q, 16) != 0)
		tap_bail("queue_init");
	push_shuffled(&q, 16, 16, 9);
	commit_run(&q, 16, 16, order_take, &o, &taken);
	is_u64(taken, 3, "a failed commit stops there");
	is_u64(o.n, 3, "nothing after it is taken");
	queue_destroy(&q);
}

/* --------------------------------------------------------------- dedup */

static void test_dedup_table(void)
{
	struct dedup *d;
	uint8_t a[100], b[100];
	int same = 1;

	if (dedup_create(&d) != 0)
		tap_bail("dedup_create");
	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	XXH128_hash_t ha = XXH3_128bits(a, sizeof(a));
	XXH128_hash_t hb = XXH3_128bits(b, sizeof(b));
	is_u64(dedup_check(d, ha, 1), 0, "new content: recorded");
	is_u64(dedup_check(d, hb, 2), 0, "other content: recorded");
	is_u64(dedup_check(d, ha, 3), 1, "same content: the first id");
	/* Enough entries to grow the table several times. */
	for (uint64_t i = 0; i < 5000; i++) {
		XXH128_hash_t h = XXH3_128bits(&i, sizeof(i));
		dedup_check(d, h, 10 + i);
	}
	for (uint64_t i = 0; i < 5000; i++) {
		XXH128_hash_t h = XXH3_128bits(&i, sizeof(i));
		same &= dedup_check(d, h, 1) == 10 + i;
	}
	ok(same, "ids kept across growth");
	is_u64(dedup_check(d, hb, 4), 2, "earlier content still known");
	dedup_free(d);
}

/* ----------------------------------------------------- writer, dedup */

struct hooks_seen {
	int fails;
	uint64_t cover_hi;
};

static void h_fail(void *arg, int code, const char *msg)
{
	struct hooks_seen *h = arg;

	(void)code;
	printf("# writer failed: %s\n", msg);
	h->fails++;
}

static void h_cover(void *arg, uint64_t hi)
{
	struct hooks_seen *h = arg;

	h->cover_hi = hi;
}

static void h_validate(void *arg, struct candidate *c, struct bread *br,
                       uint8_t *win, size_t win_cap)
{
	(void)arg, (void)c, (void)br, (void)win, (void)win_cap;
}

static void h_note_bad(void *arg, uint64_t off, uint64_t len, int err)
{
	(void)arg, (void)off, (void)len, (void)err;
}

static size_t h_bad_count(void *arg)
{
	(void)arg;
	return 0;
}

static void h_bad_each(void *arg, uint64_t before, writer_range_fn fn,
                       void *fn_arg)
{
	(void)arg, (void)before, (void)fn, (void)fn_arg;
}

static int file_exists(const char *dir, const char *name)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

static void test_writer_dedup(void)
{
	char dir[] = "/tmp/dredge-test-writer-XXXXXX";
	char img[4200], outdir[4200];
	uint8_t data[3 * 4096];

	if (mkdtemp(dir) == NULL)
		tap_bail("mkdtemp");
	snprintf(img, sizeof(img), "%s/img", dir);
	snprintf(outdir, sizeof(outdir), "%s/out", dir);
	/* The same 1000 bytes at 0 and 8192, other bytes at 4096. */
	memset(data, 0, sizeof(data));
	for (int i = 0; i < 1000; i++) {
		data[i] = data[8192 + i] = (uint8_t)(i * 7 + 1);
		data[4096 + i] = (uint8_t)(i * 3 + 2);
	}
	FILE *f = fopen(img, "wb");
	if (f == NULL || fwrite(data, 1, sizeof(data), f) != sizeof(data) ||
	    fclose(f) != 0)
		tap_bail("cannot write the image");

	struct dredge_scan_config cfg;
	struct dredge_summary sum;
	struct source src;
	char err[256];
	dredge_scan_config_init(&cfg);
	cfg.source = img;
	cfg.outdir = outdir;
	memset(&sum, 0, sizeof(sum));
	if (source_open(&src, img, 0, err, sizeof(err)) != 0)
		tap_bail(err);
	const struct format *formats[] = { format_find("jpeg") };
	if (formats[0] == NULL)
		tap_bail("no jpeg format");
	struct writer_config wc = {
		.cfg = &cfg, .sum = &sum, .src = &src, .formats = formats,
		.nformats = 1, .engine = "pread",
	};
	struct hooks_seen hs = { 0 };
	struct writer_hooks hooks = {
		.arg = &hs, .fail = h_fail, .cover = h_cover,
		.validate = h_validate, .note_bad = h_note_bad,
		.bad_count = h_bad_count, .bad_each = h_bad_each,
	};
	struct output *out;
	uint64_t start = 0;
	int rc = output_open(&wc, &hooks, &start, &out);
	ok(rc == 0, "writer opens (%s)", sum.error);
	if (rc != 0)
		tap_bail("cannot go on");
	is_u64(start, 0, "a new scan starts at the range's start");

	struct batch *b = batch_make(0);
	b->hi = sizeof(data);
	b->n = b->cap = 3;
	b->cand = calloc(3, sizeof(*b->cand));
	if (b->cand == NULL)
		tap_bail("out of memory");
	for (int i = 0; i < 3; i++) {
		b->cand[i].off = (uint64_t)i * 4096;
		b->cand[i].verdict = CARVE_ACCEPT;
		b->cand[i].length = 1000;
		b->cand[i].ext = "jpg";
	}
	is_u64(output_commit(out, b), 0, "the batch commits");
	batch_free(b);
	is_u64(hs.cover_hi, 9192, "cover_hi published through the hook");
	output_finish(out, 1);
	struct writer_end end = { .bytes_scanned = sizeof(data) };
	is_u64(output_close(out, 0, &end), 0, "the writer closes");
	is_u64(hs.fails, 0, "nothing failed");

	is_u64(sum.count.files, 2, "two distinct files");
	is_u64(sum.count.duplicates, 1, "one duplicate");
	is_u64(sum.count.next_id, 4, "three report entries");
	ok(file_exists(outdir, "jpg/f0000000.jpg"), "the first copy written");
	ok(file_exists(outdir, "jpg/f0000008.jpg"), "the other content written");
	ok(!file_exists(outdir, "jpg/f0000016.jpg"), "the duplicate not written");

	char path[4300];
	snprintf(path, sizeof(path), "%s/report.jsonl", outdir);
	f = fopen(path, "r");
	char line[4096];
	uint64_t offs[4], dups[4];
	unsigned n = 0;
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		struct report_rec rec;
		if (report_parse_line(line, &rec) != 0)
			continue;
		if (n < 4) {
			offs[n] = rec.nruns ? rec.runs[0].img_off : UINT64_MAX;
			dups[n] = rec.duplicate_of;
		}
		n++;
		report_rec_free(&rec);
	}
	if (f != NULL)
		fclose(f);
	is_u64(n, 3, "the report lists every location");
	if (n == 3) {
		is_u64(offs[0], 0, "first entry at 0");
		is_u64(offs[2], 8192, "the duplicate's own offset reported");
		is_u64(dups[0], 0, "the first copy is nobody's duplicate");
		is_u64(dups[2], 1, "the duplicate points at the first");
	}
	source_close(&src);
	char cmd[4300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

int main(void)
{
	test_commit_order();
	test_commit_stops();
	test_dedup_table();
	test_writer_dedup();
	return tap_done();
}

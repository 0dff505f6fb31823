/*
 * test_jpeg_frag.c - the JPEG validator's fragmentation point: its scans
 * decoded (src/formats/jpeg_decode.c) on real samples (tests/data/jpeg:
 * baseline 4:2:0 and 4:4:4, grayscale, restart intervals, progressive with
 * and without restarts, and one with an EXIF thumbnail spliced in), each
 * whole and cut at every 512-byte boundary of its scan data, the cut
 * followed by random bytes, by zeros, by erased flash, or by another
 * JPEG's scan data.  Prints the detection lag it measured (bytes from the
 * cut to the reported point) and the decoder's speed.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "fmt_util.h"
#include "formats/jpeg_decode.h"
#include "formats/run.h"
#include "io/source.h"
#include "reassemble/frag.h"

/* Bytes after the cut within which the point must be found (the most
 * measured is well below; see the printed distribution). */
#define LAG_BOUND 2048
/* Bytes of foreign data after a cut. */
#define TAIL (64u << 10)
#define SECTOR 512

static const struct format *fmt;

/* A source holding buf[0..len) in memory: its fd, to close after
 * source_close. */
static int mem_source(const uint8_t *buf, size_t len, struct source *src)
{
	int fd = memfd_create("dredge-jpeg-frag", MFD_CLOEXEC);

	if (fd < 0)
		tap_bail("memfd_create failed");
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, buf + done, len - done);
		if (w <= 0)
			tap_bail("write failed");
		done += (size_t)w;
	}
	if (source_open_fd(src, fd, "frag") != 0)
		tap_bail("source setup failed");
	return fd;
}

/* Validates buf[0..len) as the pipeline does, thorough or not. */
static void validate(const uint8_t *buf, size_t len, bool thorough,
                     struct carve_result *res)
{
	struct source src;
	struct bread br;
	int fd = mem_source(buf, len, &src);

	memset(res, 0, sizeof(*res));
	if (bread_open(&br, &src, 0, len < fmt->max_size ? len : fmt->max_size,
	               0) != 0)
		tap_bail("reader setup failed");
	br.thorough = thorough;
	fmt->validate(&br, res);
	bread_close(&br);
	source_close(&src);
	close(fd);
}

/* Offset just past the first SOS segment. */
static size_t scan_start(const uint8_t *buf, size_t len)
{
	size_t off = 2;

	while (off + 4 <= len && buf[off] == 0xff) {
		size_t seglen = 2u + mem_be16(buf + off + 2);
		if (buf[off + 1] == 0xda)
			return off + seglen;
		off += seglen;
	}
	tap_bail("sample has no SOS");
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Lags measured for one kind of file and one kind of filler. */
struct lags {
	uint64_t v[4096];
	size_t n;
};

static void lag_add(struct lags *l, uint64_t v)
{
	if (l->n < sizeof(l->v) / sizeof(l->v[0]))
		l->v[l->n++] = v;
}

static void lag_print(struct lags *l, const char *what)
{
	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof(l->v[0]), cmp_u64);
	printf("# lag %-28s n=%-5zu median %4llu  p90 %4llu  max %4llu\n", what,
	       l->n, (unsigned long long)l->v[l->n / 2],
	       (unsigned long long)l->v[l->n * 9 / 10],
	       (unsigned long long)l->v[l->n - 1]);
}

struct sample {
	const char *file;
	bool progressive;
	uint8_t *data;
	size_t len, sd;
};

static struct sample samples[] = {
	{ "jpeg/frag_420.jpg", false, NULL, 0, 0 },
	{ "jpeg/frag_444.jpg", false, NULL, 0, 0 },
	{ "jpeg/frag_gray.jpg", false, NULL, 0, 0 },
	{ "jpeg/frag_rst.jpg", false, NULL, 0, 0 },
	{ "jpeg/frag_prog.jpg", true, NULL, 0, 0 },
	{ "jpeg/frag_progrst.jpg", true, NULL, 0, 0 },
	{ "exif", false, NULL, 0, 0 },         /* made in main */
	{ "jpeg/baseline.jpg", false, NULL, 0, 0 },
	{ "jpeg/progressive.jpg", true, NULL, 0, 0 },
	{ "jpeg/sub420.jpg", false, NULL, 0, 0 },
	{ "jpeg/gray.jpg", false, NULL, 0, 0 },
	{ "jpeg/restart.jpg", false, NULL, 0, 0 },
};
#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))

/* frag_420.jpg with the APP1 (EXIF and its JPEG thumbnail) of
 * exif_thumb.jpg right after SOI. */
static uint8_t *make_exif(size_t *len)
{
	size_t tlen, blen;
	uint8_t *t = tu_load_data("jpeg/exif_thumb.jpg", &tlen);
	uint8_t *b = tu_load_data("jpeg/frag_420.jpg", &blen);
	size_t off = 2;

	while (off + 4 <= tlen && t[off] == 0xff && t[off + 1] != 0xe1)
		off += 2u + mem_be16(t + off + 2);
	if (off + 4 > tlen || t[off + 1] != 0xe1)
		tap_bail("exif_thumb.jpg has no APP1");
	size_t app1 = 2u + mem_be16(t + off + 2);
	uint8_t *out = malloc(blen + app1);
	if (out == NULL)
		tap_bail("out of memory");
	memcpy(out, b, 2);
	memcpy(out + 2, t + off, app1);
	memcpy(out + 2 + app1, b + 2, blen - 2);
	*len = blen + app1;
	free(t);
	free(b);
	return out;
}

/* Whole files: accepted at their exact length, thorough or not, alone
 * and followed by random bytes. */
static void test_whole(struct sample *s)
{
	struct carve_result res, fast;
	uint8_t *buf = malloc(s->len + 4096);

	validate(s->data, s->len, true, &res);
	validate(s->data, s->len, false, &fast);
	ok(res.verdict == CARVE_ACCEPT && res.length == s->len &&
	   fast.verdict == CARVE_ACCEPT && fast.length == s->len,
	   "%s: whole file decodes, accepted at %zu bytes", s->file, s->len);
	memcpy(buf, s->data, s->len);
	tu_random(buf + s->len, 4096, 5);
	validate(buf, s->len + 4096, true, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == s->len,
	   "%s: whole file then random bytes: accepted at its EOI", s->file);
	free(buf);
}

enum fill { F_RANDOM, F_OTHER, F_ZEROS, F_FLASH, F_N };
static const char *const fill_name[F_N] = {
	"random bytes", "another JPEG's scan", "zeros", "erased flash",
};

/* Fills tail[0..TAIL) after a cut at cut of sample si. */
static void fill(uint8_t *tail, enum fill f, unsigned si, size_t cut)
{
	switch (f) {
	case F_RANDOM:
		tu_random(tail, TAIL, 1000 * si + cut);
		break;
	case F_ZEROS:
		memset(tail, 0, TAIL);
		break;
	case F_FLASH:
		memset(tail, 0xff, TAIL);
		break;
	case F_OTHER: {
		/* The scan data of another sample, from a sector into it. */
		const struct sample *o = &samples[(si + 1) % NSAMPLES];
		size_t from = o->sd + SECTOR * (1 + cut / SECTOR % 4);
		size_t n = o->len - 2 - from;

		if (from >= o->len - 2)
			n = 0, from = o->sd;
		if (n > TAIL)
			n = TAIL;
		memcpy(tail, o->data + from, n);
		tu_random(tail + n, TAIL - n, cut);
		break;
	}
	default:
		break;
	}
}

/*
 * Every sector boundary in the scan data: the cut file, then each filler.
 * The point must be a fragment, first bad byte from the cut (the byte
 * before it when that is an FF) to LAG_BOUND after, length at most the
 * cut.  The same holds without thorough (the marker walk finds the cut
 * file short and decodes to place the point).
 */
static void test_cuts(struct sample *s, unsigned si, struct lags *lags)
{
	uint8_t *buf = malloc(s->len + TAIL);
	unsigned ncut = 0, bad[F_N] = { 0 }, fast_bad = 0, fast_eoi = 0;

	for (size_t cut = (s->sd / SECTOR + 1) * SECTOR; cut + 2 < s->len;
	     cut += SECTOR) {
		/* never before the cut, even when the piece ends on an
		 * 0xFF that the foreign bytes make a marker of: the search
		 * looks for the boundary at and below the point's block */
		size_t from = cut, zfrom = cut - (s->data[cut - 1] == 0xff);
		while (zfrom > s->sd && s->data[zfrom - 1] == 0)
			zfrom--;   /* zeros after zeros: found where they begin */
		ncut++;
		memcpy(buf, s->data, cut);
		for (enum fill f = 0; f < F_N; f++) {
			struct carve_result res;

			fill(buf + cut, f, si, cut);
			validate(buf, cut + TAIL, true, &res);
			bool good = res.verdict == CARVE_TRUNCATED &&
			            res.note == CARVE_NOTE_FRAGMENT &&
			            res.note_off >= (f == F_ZEROS ? zfrom : from) &&
			            res.note_off <= cut + LAG_BOUND &&
			            res.length <= cut &&
			            res.length <= res.note_off;
			if (!good) {
				bad[f]++;
				printf("# %s cut %zu + %s: verdict %d "
				       "length %llu note %d at %llu (%s)\n",
				       s->file, cut, fill_name[f], res.verdict,
				       (unsigned long long)res.length,
				       res.note,
				       (unsigned long long)res.note_off,
				       res.reason ? res.reason : "");
			} else {
				lag_add(&lags[f], res.note_off >= from ?
				        res.note_off - from : 0);
				lag_add(&lags[F_N + f], cut - res.length);
			}
			if (f == F_RANDOM || f == F_OTHER) {
				struct carve_result fast;

				validate(buf, cut + TAIL, false, &fast);
				/* The marker walk alone may take an EOI
				 * in the foreign bytes for the end. */
				if (fast.verdict == CARVE_ACCEPT) {
					fast_eoi++;
					continue;
				}
				if (fast.verdict != res.verdict ||
				    fast.length != res.length ||
				    fast.note != res.note ||
				    fast.note_off != res.note_off) {
					fast_bad++;
					printf("# %s cut %zu + %s, not "
					       "thorough: length %llu note %d "
					       "at %llu (%s)\n", s->file, cut,
					       fill_name[f],
					       (unsigned long long)fast.length,
					       fast.note, (unsigned long long)
					       fast.note_off, fast.reason);
				}
			}
		}
	}
	for (enum fill f = 0; f < F_N; f++)
		is_u64(bad[f], 0, "%s: %u sector cuts + %s: fragment within "
		       "%u bytes of the cut", s->file, ncut, fill_name[f],
		       LAG_BOUND);
	is_u64(fast_bad, 0, "%s: without thorough, the same points (%u "
	       "accepted at an EOI in the foreign bytes)", s->file, fast_eoi);
	free(buf);
}

/*
 * Wrong continuations of a file: its own data with 1..3 sectors left out
 * after a cut (what a reassembly tries when it misjudges a boundary), and
 * the right one.  Only the right one may be accepted; the others are
 * fragments whose first bad byte is not before the cut.  Huffman codes
 * resynchronise, so without restart markers the frame's MCU count at EOI
 * is often what gives them away: the lag is printed, not bounded.
 */
static void test_continuations(struct sample *s, struct lags *lag)
{
	uint8_t *buf = malloc(s->len);
	unsigned right = 0, wrong = 0, tried = 0, cuts = 0;

	for (size_t cut = (s->sd / SECTOR + 1) * SECTOR;
	     cut + 3 * SECTOR + 2 < s->len; cut += SECTOR) {
		struct carve_result res;

		cuts++;
		memcpy(buf, s->data, s->len);
		validate(buf, s->len, true, &res);
		right += res.verdict == CARVE_ACCEPT && res.length == s->len;
		for (size_t skip = 1; skip <= 3; skip++) {
			size_t gap = skip * SECTOR, n = s->len - gap;

			memcpy(buf + cut, s->data + cut + gap, n - cut);
			validate(buf, n, true, &res);
			tried++;
			if (res.verdict == CARVE_TRUNCATED &&
			    res.note == CARVE_NOTE_FRAGMENT &&
			    res.note_off + 1 >= cut && res.length <= res.note_off)
				lag_add(lag, res.note_off + 1 - cut);
			else
				wrong++;
		}
	}
	is_u64(right, cuts, "%s: the right continuation decodes to EOI",
	       s->file);
	is_u64(wrong, 0, "%s: %u continuations missing 1..3 sectors: never "
	       "whole, fragments from the cut on", s->file, tried);
	free(buf);
}

/* Corruptions a decoder must see and a marker walk cannot. */
static void test_flips(struct sample *s)
{
	struct carve_result res;
	uint8_t *buf = malloc(s->len);
	size_t at = s->sd + (s->len - s->sd) / 2;
	unsigned seen = 0, n = 0;

	/* Sector-sized stretches of random data, free of FF, planted over
	 * the middle of the scan data: the marker walk still accepts. */
	for (unsigned k = 0; k < 8; k++) {
		size_t pos = s->sd + 64 + k * (s->len - s->sd - 600) / 8;

		if (pos + SECTOR + 2 >= s->len)
			continue;
		memcpy(buf, s->data, s->len);
		tu_random(buf + pos, SECTOR, 77 + k);
		for (size_t i = pos; i < pos + SECTOR; i++)
			if (buf[i] == 0xff)
				buf[i] = 0x3c;
		n++;
		validate(buf, s->len, true, &res);
		seen += res.verdict == CARVE_TRUNCATED &&
		        res.note == CARVE_NOTE_FRAGMENT &&
		        res.note_off >= pos &&
		        res.note_off <= pos + SECTOR + LAG_BOUND;
	}
	is_u64(seen, n, "%s: a planted sector of FF-free noise is found when "
	       "thorough", s->file);
	(void)at;
	free(buf);
}

/* may_continue: scan data may, foreign blocks mostly may not. */
/*
 * A first piece that ends on an 0xFF of the scan data (the first byte of
 * a stuffed FF 00), then a gap of random bytes, then the rest: the gap's
 * first byte makes a marker of that 0xFF, and the boundary is the byte
 * after it.  The fragment search must try that boundary and bring the
 * file back whole, with its two runs.  Few sector boundaries of a sample
 * fall on such a byte, so the file is laid at the offset that puts one
 * there (a file need not start a sector; its pieces end on the grid):
 * the first 8 such places of each sample, 2 KiB apart at least.
 */
static void test_ff_boundary(struct sample *s, unsigned si)
{
	static uint8_t win[256 * 1024];
	const size_t gap = 5 * SECTOR;
	size_t n = SECTOR + s->len + gap, tried = 0, whole = 0;
	uint8_t *img = malloc(n);

	for (size_t cut = s->sd + 1; cut + 2 < s->len && tried < 8; cut++) {
		if (s->data[cut - 1] != 0xff || s->data[cut] != 0)
			continue;
		tried++;
		size_t o = (SECTOR - cut % SECTOR) % SECTOR;
		memset(img, 0, o);
		memcpy(img + o, s->data, cut);
		tu_random(img + o + cut, gap, 77 + si * 1000 + cut);
		memcpy(img + o + cut + gap, s->data + cut, s->len - cut);
		size_t len = o + s->len + gap;
		struct source src;
		int fd = mem_source(img, len, &src);
		struct extent one = { o, len - o };
		struct run_req req = { .src = &src, .ext = &one, .next = 1 };
		struct carve_result first;
		int err = 0;
		run_validate(fmt, &req, &first, &err);
		const struct format *fl[] = { fmt };
		uint64_t budget = UINT64_MAX;
		struct frag_req rq = {
			.fmt = fmt, .src = &src, .src_end = len,
			.grid = { 0, SECTOR }, .off = o, .length = first.length,
			.note_off = first.note_off,
			.formats = fl, .nformats = 1,
			.win = win, .win_cap = sizeof(win), .budget = &budget,
		};
		struct frag_result fr;
		memset(&fr, 0, sizeof(fr));
		if (first.note == CARVE_NOTE_FRAGMENT &&
		    frag_reassemble(&rq, &fr) == 1 && fr.next == 2 &&
		    fr.ext[0].img_off == o && fr.ext[0].len == cut &&
		    fr.ext[1].img_off == o + cut + gap &&
		    fr.ext[1].len == s->len - cut && fr.res.length == s->len)
			whole++;
		else
			printf("# %s cut %zu on 0xFF: point %llu, not whole\n",
			       s->file, cut, (unsigned long long)first.note_off);
		free(fr.ext);
		source_close(&src);
		close(fd);
		cut += 2048;
	}
	ok(tried > 0 && whole == tried, "%s: a piece ending on 0xFF, a gap, "
	   "the rest: whole with its two runs (%zu of %zu)", s->file, whole,
	   tried);
	free(img);
}

/* The search of a head cut in its data, a gap, and the rest, from the
 * first validation made ahead (frag_first_make, as a validator makes it
 * for the writer) and made by the search itself: the same file, the
 * same validations, the same bytes spent (a resume state misused costs
 * more); one made for another first step is left alone. */
static void test_first_ahead(struct sample *s, unsigned si)
{
	static uint8_t win[256 * 1024];
	const size_t gap = 9 * SECTOR;
	size_t cut = (s->sd + (s->len - s->sd) / 2) / SECTOR * SECTOR;
	size_t n = s->len + gap;
	uint8_t *img = malloc(n);

	if (img == NULL)
		tap_bail("out of memory");
	memcpy(img, s->data, cut);
	tu_random(img + cut, gap, 91 + si);
	memcpy(img + cut + gap, s->data + cut, s->len - cut);
	struct source src;
	int fd = mem_source(img, n, &src);
	struct extent one = { 0, n };
	struct run_req req = { .src = &src, .ext = &one, .next = 1 };
	struct carve_result first;
	int err = 0;
	run_validate(fmt, &req, &first, &err);
	const struct format *fl[] = { fmt };
	uint64_t budget[3] = { UINT64_MAX, UINT64_MAX, UINT64_MAX };
	struct frag_req rq = {
		.fmt = fmt, .src = &src, .src_end = n,
		.grid = { 0, SECTOR }, .off = 0, .length = first.length,
		.note_off = first.note_off,
		.formats = fl, .nformats = 1,
		.win = win, .win_cap = sizeof(win), .budget = &budget[0],
	};
	struct frag_result fr[3];
	int rc[3];
	atomic_uint_fast64_t held = 0;

	memset(fr, 0, sizeof(fr));
	rc[0] = frag_reassemble(&rq, &fr[0]);
	struct frag_first *f = frag_first_make(&rq, &held);
	bool made = f != NULL && atomic_load(&held) >= sizeof(*f);
	rq.first = f;
	rq.budget = &budget[1];
	rc[1] = frag_reassemble(&rq, &fr[1]);
	bool taken = f != NULL && f->fmt == NULL && f->resume == NULL;
	frag_first_free(f);
	bool freed = atomic_load(&held) == 0;
	/* made for a point two blocks further: another first step */
	struct frag_req other = rq;
	other.length += 2 * SECTOR;
	other.note_off += 2 * SECTOR;
	f = frag_first_make(&other, &held);
	rq.first = f;
	rq.budget = &budget[2];
	rc[2] = frag_reassemble(&rq, &fr[2]);
	bool left = f != NULL && f->fmt == fmt;
	frag_first_free(f);
	bool same = true;
	for (unsigned k = 1; k < 3; k++)
		same &= rc[k] == rc[0] && fr[k].next == fr[0].next &&
		        fr[k].validations == fr[0].validations &&
		        fr[k].spent == fr[0].spent &&
		        fr[k].res.length == fr[0].res.length &&
		        (fr[0].next == 0 ||
		         memcmp(fr[k].ext, fr[0].ext,
		                fr[0].next * sizeof(*fr[0].ext)) == 0);
	ok(first.note == CARVE_NOTE_FRAGMENT && rc[0] == 1 && fr[0].next == 2 &&
	   fr[0].ext[1].img_off == cut + gap && made && taken && freed &&
	   left && same && atomic_load(&held) == 0,
	   "%s: the search from a first validation made ahead finds what "
	   "it finds alone (%u validations, %llu bytes spent)", s->file,
	   fr[1].validations, (unsigned long long)fr[1].spent);
	for (unsigned k = 0; k < 3; k++)
		free(fr[k].ext);
	source_close(&src);
	close(fd);
	free(img);
}

static void test_may_continue(void)
{
	uint8_t blk[4096];
	unsigned yes = 0, tried = 0, rnd_no = 0;

	ok(fmt->may_continue != NULL, "jpeg has may_continue");
	for (unsigned i = 0; i < NSAMPLES; i++) {
		const struct sample *s = &samples[i];
		for (size_t off = s->sd; off + SECTOR <= s->len; off += SECTOR) {
			tried++;
			yes += fmt->may_continue(s->data + off, SECTOR);
		}
		/* The last block, with EOI and what follows it. */
		memcpy(blk, s->data + s->len - 100, 100);
		tu_random(blk + 100, SECTOR - 100, i);
		yes += fmt->may_continue(blk, SECTOR);
		tried++;
	}
	is_u64(yes, tried, "may_continue: every sector of scan data (and the "
	       "one with EOI) may continue a file (%u)", tried);
	for (unsigned k = 0; k < 200; k++) {
		tu_random(blk, sizeof(blk), 500 + k);
		rnd_no += !fmt->may_continue(blk, sizeof(blk));
	}
	is_u64(rnd_no, 200, "may_continue: 4 KiB random blocks may not");
	memset(blk, 0, sizeof(blk));
	ok(fmt->may_continue(blk, sizeof(blk)), "may_continue: zeros may");
	memcpy(blk + 100, "\xff\xd8\xff\xe0", 4);
	ok(!fmt->may_continue(blk, sizeof(blk)),
	   "may_continue: a block holding SOI may not");
	memcpy(blk + 100, "\xff\xd3\x12\xff\x00\xff\xc4", 7);
	ok(fmt->may_continue(blk, sizeof(blk)),
	   "may_continue: RST, stuffed FF and a DHT between scans may");
	memcpy(blk + 200, "\x12\xff\xd4\x13\xff\xd6", 6);
	ok(!fmt->may_continue(blk, sizeof(blk)),
	   "may_continue: RST3, RST4, RST6 may not");
	memcpy(blk + 200, "\x12\xff\xd4\x13\xff\xd5", 6);
	ok(fmt->may_continue(blk, sizeof(blk)),
	   "may_continue: RST3, RST4, RST5 may");
	memset(blk, 0xff, sizeof(blk));
	ok(!fmt->may_continue(blk, sizeof(blk)),
	   "may_continue: 4 KiB of erased flash may not");
}

/* Speed of the decoder on the largest samples, thorough validation. */
static void speed(void)
{
	for (unsigned i = 0; i < 6; i++) {
		const struct sample *s = &samples[i];
		struct carve_result res;
		struct timespec t0, t1;
		unsigned reps = 200;

		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		struct source src;
		int fd = mem_source(s->data, s->len, &src);
		for (unsigned r = 0; r < reps; r++) {
			struct bread br;
			if (bread_open(&br, &src, 0, s->len, 0) != 0)
				tap_bail("speed: reader");
			br.thorough = true;
			fmt->validate(&br, &res);
			bread_close(&br);
		}
		source_close(&src);
		close(fd);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		double dt = (double)(t1.tv_sec - t0.tv_sec) +
		            (t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("# speed %s: %.1f MB/s of scan data (thorough, %u runs)\n",
		       s->file, (double)(s->len - s->sd) * reps / dt / 1e6,
		       reps);
	}
}

int main(void)
{
	static struct lags lags[2][2 * F_N];

	fmt = format_find("jpeg");
	if (fmt == NULL)
		tap_bail("no jpeg format");
	for (unsigned i = 0; i < NSAMPLES; i++) {
		struct sample *s = &samples[i];
		if (strcmp(s->file, "exif") == 0) {
			s->data = make_exif(&s->len);
			s->file = "frag_420.jpg + EXIF thumbnail";
		} else {
			s->data = tu_load_data(s->file, &s->len);
		}
		s->sd = scan_start(s->data, s->len);
	}
	for (unsigned i = 0; i < NSAMPLES; i++)
		test_whole(&samples[i]);
	for (unsigned i = 0; i < NSAMPLES; i++)
		test_cuts(&samples[i], i, lags[samples[i].progressive]);
	for (unsigned i = 0; i < NSAMPLES; i++)
		test_flips(&samples[i]);
	static struct lags cont[2];
	for (unsigned i = 0; i < NSAMPLES; i++)
		test_continuations(&samples[i],
		                   &cont[strstr(samples[i].file, "rst") ||
		                         strstr(samples[i].file, "restart")]);
	test_may_continue();
	for (unsigned i = 0; i < NSAMPLES; i++)
		if (!samples[i].progressive)
			test_ff_boundary(&samples[i], i);
	for (unsigned i = 0; i < NSAMPLES; i++)
		test_first_ahead(&samples[i], i);
	for (unsigned p = 0; p < 2; p++) {
		for (enum fill f = 0; f < F_N; f++) {
			char what[80];
			snprintf(what, sizeof(what), "%s, %s",
			         p ? "progressive" : "sequential", fill_name[f]);
			lag_print(&lags[p][f], what);
		}
		for (enum fill f = 0; f < F_N; f++) {
			char what[80];
			snprintf(what, sizeof(what), "%s, %s (cut-length)",
			         p ? "progressive" : "sequential", fill_name[f]);
			lag_print(&lags[p][F_N + f], what);
		}
	}
	lag_print(&cont[0], "sectors left out, no RST");
	lag_print(&cont[1], "sectors left out, with RST");
	speed();
	for (unsigned i = 0; i < NSAMPLES; i++)
		free(samples[i].data);
	return tap_done();
}

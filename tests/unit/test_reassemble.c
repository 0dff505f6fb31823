/*
 * test_reassemble.c - the reassembly engine over a synthetic volume.
 *
 * A memory file plays the data area of a volume with small clusters, so
 * that the real sample clips of tests/data/mp4 span many of them.  Clips
 * are laid out contiguous, around live clusters, around freed clusters of
 * random data and of another file, wrapping round the volume's end,
 * partly overwritten, and interleaved with a partner clip's; each case
 * checks the verdict, the exact bytes of the
 * extents found, and that the work stayed within its bounds.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"
#include "fmt_util.h"
#include "formats/h264_decode.h"
#include "reassemble/reassemble.h"

#define DATA_START 1536u    /* not a multiple of the cluster size */
#define NCL 300u

static const struct format *mp4, *jpeg;
static uint8_t *img;
static size_t img_len;
static int fd;
static struct fsview v;

static uint64_t coff(uint32_t c)
{
	return fsview_offset(&v, c);
}

/* A fresh volume of random clusters, none live, cluster size cs. */
static void volume(uint32_t cs, uint64_t seed)
{
	fsview_free(&v);
	img_len = DATA_START + (size_t)NCL * cs;
	free(img);
	img = malloc(img_len);
	tu_random(img, img_len, seed);
	if (fsview_init(&v, DATA_START, cs, NCL) != 0)
		tap_bail("fsview_init");
}

/* Writes file bytes [from, from + n clusters) into clusters c, c+1, ... */
static void put(const uint8_t *d, size_t len, size_t from_cl, uint32_t c,
                size_t ncl)
{
	size_t cs = v.cluster_size;
	for (size_t k = 0; k < ncl; k++) {
		size_t at = (from_cl + k) * cs;
		if (at >= len)
			break;
		size_t n = len - at < cs ? len - at : cs;
		memcpy(img + coff(c + (uint32_t)k), d + at, n);
	}
}

static void live(uint32_t a, uint32_t n)
{
	for (uint32_t c = a; c < a + n; c++)
		fs_bitmap_set(&v.live, c);
}

static void flush(void)
{
	if (ftruncate(fd, 0) != 0 || pwrite(fd, img, img_len, 0) !=
	    (ssize_t)img_len)
		tap_bail("memfd write");
}

/* Reassembles the candidate at cluster c. */
static void run(uint32_t c, struct reasm_result *out)
{
	static uint8_t win[256 * 1024];
	const struct format *fl[] = { jpeg, mp4 };

	struct source src;

	flush();
	if (source_open_fd(&src, fd, "reassemble") != 0 ||
	    reassemble(&v, &src, img_len, mp4, fl, 2, coff(c), win,
	               sizeof(win), out) != 0)
		tap_bail("reassemble failed");
	source_close(&src);
}

/* The bytes of the extents equal d (len bytes). */
static int same_bytes(const struct reasm_result *r, const uint8_t *d,
                      size_t len)
{
	size_t at = 0;
	for (unsigned i = 0; i < r->next; i++) {
		if (at + r->ext[i].len > len ||
		    memcmp(img + r->ext[i].img_off, d + at, r->ext[i].len) != 0)
			return 0;
		at += r->ext[i].len;
	}
	return at == len;
}

/* Whether any extent touches a live cluster. */
static int touches_live(const struct reasm_result *r)
{
	for (unsigned i = 0; i < r->next; i++)
		for (uint64_t o = 0; o < r->ext[i].len; o += v.cluster_size)
			if (fsview_is_live(&v, fsview_cluster(&v,
			                   r->ext[i].img_off + o)))
				return 1;
	return 0;
}

static void expect_whole(const char *what, uint32_t c, const uint8_t *d,
                         size_t len, unsigned nruns)
{
	struct reasm_result r;

	run(c, &r);
	is_u64(r.res.verdict, CARVE_ACCEPT, "%s: accepted", what);
	is_u64(r.res.length, len, "%s: exact length", what);
	ok(same_bytes(&r, d, len), "%s: the extents hold the file's bytes", what);
	if (nruns)
		is_u64(r.next, nruns, "%s: %u runs", what, nruns);
	ok(!touches_live(&r), "%s: no live cluster taken", what);
	ok(r.validations <= REASM_MAX_VALIDATIONS, "%s: %u validations", what,
	   r.validations);
	free(r.ext);
}

/* The cluster of size cs holding the start of the movie box of the MP4
 * file d (n bytes), or the clusters it has when it has none. */
static uint32_t moov_cluster(const uint8_t *d, size_t n, uint32_t cs)
{
	for (size_t o = 0; o + 8 <= n;) {
		uint32_t sz = (uint32_t)d[o] << 24 | (uint32_t)d[o + 1] << 16 |
		              (uint32_t)d[o + 2] << 8 | d[o + 3];
		if (memcmp(d + o + 4, "moov", 4) == 0)
			return (uint32_t)(o / cs);
		if (sz < 8)
			break;
		o += sz;
	}
	return (uint32_t)((n + cs - 1) / cs);
}

/*
 * A front clip d (dn bytes) and a rear clip e written at once from
 * cluster 20 on, in chunks of 1..6 and 1..3 clusters drawn from seed,
 * on 512-byte clusters; the rear one ends first.  Whatever reassembly
 * of either accepts must be that clip, byte for byte: a cluster a check
 * of one byte (an audio frame's first) gave to the other clip is no
 * proof.  Returns how many of the two were accepted; *wrong counts the
 * ones accepted with other bytes.  head_gone 1: the front clip's first
 * cluster is then written over by a live file, and only the rear clip
 * is reassembled; the movie boxes are written in one piece each, as a
 * recorder writes them when the clips end.  head_gone 2: the front
 * clip's movie box is written over too.
 */
static unsigned pair_layout(const uint8_t *d, size_t dn, const uint8_t *e,
                            size_t en, uint64_t seed, unsigned head_gone,
                            unsigned *wrong)
{
	uint32_t cs = 512, nd = (uint32_t)((dn + cs - 1) / cs);
	uint32_t ne = (uint32_t)((en + cs - 1) / cs), fd0 = 0, fe0 = 0;
	uint32_t at = 20, start_e = 0, moov_d = 0;
	uint8_t draw[256];   /* one a round: more than the clips need */
	unsigned accepted = 0;

	uint32_t tail_d = head_gone ? moov_cluster(d, dn, cs) : nd;
	uint32_t tail_e = head_gone ? moov_cluster(e, en, cs) : ne;
	volume(cs, seed + 100);
	tu_random(draw, sizeof(draw), seed);
	for (size_t i = 0; i < sizeof(draw) && (fd0 < nd || fe0 < ne); i++) {
		uint32_t kd = 1 + draw[i] % 6u, ke = 1 + draw[i] / 6u % 3u;
		if (fd0 < nd) {
			if (kd > nd - fd0 || fd0 >= tail_d)
				kd = nd - fd0;
			if (fd0 >= tail_d)
				moov_d = at;
			put(d, dn, fd0, at, kd);
			fd0 += kd;
			at += kd;
		}
		if (fe0 < ne) {
			if (ke > ne - fe0 || fe0 >= tail_e)
				ke = ne - fe0;
			if (fe0 == 0)
				start_e = at;
			put(e, en, fe0, at, ke);
			fe0 += ke;
			at += ke;
		}
	}
	const uint32_t starts[2] = { 20, start_e };
	const uint8_t *files[2] = { d, e };
	const size_t lens[2] = { dn, en };
	if (head_gone) {
		live(20, 1);
		tu_random(img + coff(20), cs, seed + 200);
	}
	if (head_gone == 2 && moov_d != 0) {
		live(moov_d, nd - tail_d);
		tu_random(img + coff(moov_d), (size_t)(nd - tail_d) * cs,
		          seed + 300);
	}
	for (unsigned k = head_gone > 0; k < 2; k++) {
		struct reasm_result r;
		run(starts[k], &r);
		if (r.res.verdict == CARVE_ACCEPT) {
			accepted++;
			if (r.res.length != lens[k] ||
			    !same_bytes(&r, files[k], lens[k]))
				(*wrong)++;
		}
		free(r.ext);
	}
	return accepted;
}

/*
 * Validators that answer the same whatever the map: cut short half-way,
 * once with the codec reason's words but no note, once with the note and
 * other words.  Reassembly must act on the note alone.
 */
/* A front clip's and a rear clip's chunks as a recorder writes them at
 * once, the rear one's movie box in its clusters 10-14. */
static const struct { bool rear; uint32_t from, n; } pair_chunk[] = {
	{ 0, 0, 4 }, { 1, 0, 2 }, { 0, 4, 4 }, { 1, 2, 2 },
	{ 0, 8, 4 }, { 1, 4, 2 }, { 0, 12, 4 }, { 1, 6, 2 },
	{ 0, 16, 4 }, { 1, 8, 2 }, { 0, 20, 4 }, { 1, 10, 2 },
	{ 0, 24, 4 }, { 1, 12, 3 }, { 0, 28, 4 },
};

/* On volume(cs, seed), the pair laid from cluster 20 as pair_chunk says,
 * the rear clip stopping after the first `near` clusters of its movie box
 * (1 or 2), the front clip going on to its end (n clusters in all); then
 * 100 clusters of zeros and the rest of the rear clip's box.  Returns the
 * cluster after the front clip's end. */
static uint32_t pair_cut(const uint8_t *front, size_t flen,
                         const uint8_t *rear, size_t rlen, uint32_t n,
                         uint32_t cs, uint64_t seed, uint32_t near)
{
	uint32_t at = 20;

	volume(cs, seed);
	for (size_t i = 0; i < sizeof(pair_chunk) / sizeof(*pair_chunk); i++) {
		uint32_t k = pair_chunk[i].n;
		if (pair_chunk[i].rear && pair_chunk[i].from >= 10)
			k = pair_chunk[i].from == 10 ? near : 0;
		if (k == 0)
			continue;
		put(pair_chunk[i].rear ? rear : front,
		    pair_chunk[i].rear ? rlen : flen, pair_chunk[i].from, at, k);
		at += k;
	}
	put(front, flen, 32, at, n - 32);
	at += n - 32;
	memset(img + coff(at), 0, (size_t)100 * cs);
	put(rear, rlen, 10 + near, at + 100, 5 - near);
	return at;
}

static void words_only(struct bread *br, struct carve_result *res)
{
	carve_truncated(res, bread_size(br) / 2,
	                "sample data does not match codec");
}

static void note_only(struct bread *br, struct carve_result *res)
{
	carve_truncated(res, bread_size(br) / 2, "something else");
	carve_note(res, CARVE_NOTE_CODEC_MISMATCH, res->length);
}

static const struct format fake_words = {
	.name = "words", .ext = "bin", .description = "test",
	.validate = words_only, .max_size = 64 * 1024,
};

static const struct format fake_note = {
	.name = "note", .ext = "bin", .description = "test",
	.validate = note_only, .max_size = 64 * 1024,
};

static void test_note_not_words(void)
{
	static uint8_t win[64 * 1024];
	const struct format *fl[] = { jpeg, mp4 };
	struct reasm_result r;

	struct source src;

	volume(4096, 7);
	flush();
	if (source_open_fd(&src, fd, "reassemble") != 0)
		tap_bail("source");
	if (reassemble(&v, &src, img_len, &fake_words, fl, 2, coff(40), win,
	               sizeof(win), &r) != 0)
		tap_bail("reassemble failed");
	is_u64(r.validations, 1, "the codec reason without its note: no search");
	is_u64(r.res.verdict, CARVE_TRUNCATED, "... the verdict stands");
	free(r.ext);
	if (reassemble(&v, &src, img_len, &fake_note, fl, 2, coff(40), win,
	               sizeof(win), &r) != 0)
		tap_bail("reassemble failed");
	ok(r.validations > 1 && r.validations <= REASM_MAX_VALIDATIONS,
	   "the codec note under other words: a search (%u validations)",
	   r.validations);
	is_u64(r.res.verdict, CARVE_TRUNCATED, "... and no map is better");
	is_u64(r.res.length, 32 * 1024, "... the first verdict stands");
	free(r.ext);
	source_close(&src);
}

/*
 * Without a file system: a front clip d and a rear clip e written at once
 * in chunks of 1..4 and 1..2 clusters (4 KiB) from 12 clusters before
 * the end of a volume's data region (320 clusters, opening 1536 bytes
 * into a cluster of the source), going on at its first cluster, as a
 * recorder's next-free pointer wraps round; before the region, 64
 * clusters' worth of other bytes (the file allocation tables).  The grid
 * search is told the volume's geometry, with clusters of vol_cs bytes
 * (4096 as they lie, larger for a card formatted again since); the
 * front clip is placed when rear is false, else the rear one.
 */
static void grid_wrap(const uint8_t *d, size_t dn, const uint8_t *e,
                      size_t en, bool rear, uint32_t vol_cs,
                      struct reasm_result *out)
{
	static uint8_t win[256 * 1024];
	const uint32_t cs = 4096, ncl = 320, first = ncl - 12;
	const uint64_t origin = 64u * cs + 1536u;
	size_t len = origin + (size_t)ncl * cs;
	uint8_t *b = malloc(len), draw[64];
	uint64_t starts[2] = { 0, 0 };
	struct source src;

	if (b == NULL)
		tap_bail("out of memory");
	tu_random(b, len, 77);
	tu_random(draw, sizeof(draw), 78);
	size_t done[2] = { 0, 0 };
	uint32_t at = first;
	for (size_t i = 0; i < sizeof(draw) && (done[0] < dn || done[1] < en);
	     i++) {
		for (unsigned f = 0; f < 2; f++) {
			const uint8_t *x = f ? e : d;
			size_t xn = f ? en : dn;
			unsigned k = f ? 1 + draw[i] / 4u % 2u : 1 + draw[i] % 4u;
			for (; k > 0 && done[f] < xn; k--) {
				size_t n = xn - done[f] < cs ? xn - done[f] : cs;
				uint64_t o = origin + (uint64_t)at * cs;
				if (done[f] == 0)
					starts[f] = o;
				memcpy(b + o, x + done[f], n);
				done[f] += n;
				at = at + 1 == ncl ? 0 : at + 1;
			}
		}
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, b, len, 0) != (ssize_t)len)
		tap_bail("memfd write");
	const struct fsview_grid vol = { origin, len, vol_cs };
	if (source_open_fd(&src, fd, "grid") != 0 ||
	    reassemble_grid(&src, len, mp4, starts[rear], win, sizeof(win),
	                    NULL, &vol, out) < 0)
		tap_bail("reassemble_grid failed");
	source_close(&src);
	free(b);
}

/* fsview_lay_out: the free clusters round a clip's start, in the order
 * a loop recorder writes them. */
static void test_lay_out(void)
{
	uint32_t pos[400];
	unsigned at, n;
	bool cut;

	volume(4096, 3);
	live(95, 5);
	n = fsview_lay_out(&v, img_len, 100, 4, UINT32_MAX, pos, 20, &at,
	                   &cut);
	ok(n == 20 && at == 4 && pos[0] == 91 && pos[3] == 94 &&
	   pos[4] == 100 && pos[19] == 115 && !cut,
	   "lay_out: 4 free before the start, past the live ones, then on");

	/* a card whose last whole cluster is 149: round its end to 2, up to
	 * the ones kept before the start */
	volume(4096, 4);
	live(137, 1);
	uint64_t size = fsview_offset(&v, 150);
	n = fsview_lay_out(&v, size, 140, 3, UINT32_MAX, pos, 400, &at, &cut);
	ok(n == 147 && at == 3 && pos[0] == 136 && pos[1] == 138 &&
	   pos[2] == 139 && pos[3] == 140 && pos[12] == 149 &&
	   pos[13] == 2 && pos[146] == 135 && cut,
	   "lay_out: round the card's end, cut at the ones kept before");
	n = fsview_lay_out(&v, size, 140, 32, 5, pos, 400, &at, &cut);
	ok(at == 4 && pos[0] == 135 && pos[3] == 139 && pos[n - 1] == 134 &&
	   cut, "lay_out: none kept more than span clusters before");
	n = fsview_lay_out(&v, size, 140, 8, UINT32_MAX, pos, 5, &at, &cut);
	ok(n == 5 && at == 4 && pos[4] == 140 && !cut,
	   "lay_out: the start laid out when back fills the room");
	n = fsview_lay_out(&v, size, 3, 8, UINT32_MAX, pos, 400, &at, &cut);
	ok(n == 147 && at == 1 && pos[0] == 2 && pos[1] == 3 &&
	   pos[n - 1] == 149 && cut,
	   "lay_out: nothing before cluster 2");
}

int main(void)
{
	size_t clen, flen, jlen;
	uint8_t *clip = tu_load_data("mp4/dashcam.mp4", &clen);   /* moov last */
	uint8_t *fast = tu_load_data("mp4/h264_faststart.mp4", &flen);
	uint8_t *jpg = tu_load_data("jpeg/baseline.jpg", &jlen);
	struct reasm_result r;

	mp4 = format_find("mp4");
	jpeg = format_find("jpeg");
	fd = memfd_create("volume", 0);
	if (mp4 == NULL || jpeg == NULL || fd < 0)
		tap_bail("setup");

	test_lay_out();

	/* 4 KiB clusters: the 51628-byte clip spans 13. */
	uint32_t cs = 4096, n = (uint32_t)((clen + cs - 1) / cs);

	volume(cs, 1);
	put(clip, clen, 0, 10, n);
	expect_whole("contiguous clip", 10, clip, clen, 1);
	run(10, &r);
	is_u64(r.validations, 1, "a contiguous clip costs one validation");
	free(r.ext);

	volume(cs, 2);
	put(clip, clen, 0, 10, 4);
	live(14, 3);
	put(clip, clen, 4, 17, 5);
	live(22, 1);
	put(clip, clen, 9, 23, n - 9);
	expect_whole("around live clusters", 10, clip, clen, 3);
	run(10, &r);
	is_u64(r.validations, 1, "... found by skipping them, one validation");
	free(r.ext);

	volume(cs, 3);
	put(clip, clen, 0, 40, 6);
	put(clip, clen, 6, 41 + 6, n - 6);        /* cluster 46 is foreign */
	expect_whole("around one freed cluster of other data", 40, clip, clen, 2);

	volume(cs, 4);
	put(clip, clen, 0, 40, 3);
	put(clip, clen, 3, 45, 5);                 /* 43-44 foreign */
	put(clip, clen, 8, 52, n - 8);             /* 50-51 foreign */
	expect_whole("around two freed gaps", 40, clip, clen, 3);

	volume(cs, 12);
	put(clip, clen, 0, 40, 4);
	put(clip, clen, 4, 44 + 9, n - 4);         /* 44-52 foreign */
	expect_whole("around one long freed gap", 40, clip, clen, 2);

	volume(cs, 13);
	put(clip, clen, 0, 40, 2);
	put(clip, clen, 2, 45, 4);                 /* 42-44 foreign */
	put(clip, clen, 6, 51, 3);                 /* 49-50 foreign */
	put(clip, clen, 9, 55, n - 9);             /* 54 foreign */
	expect_whole("around three freed gaps of 3, 2 and 1", 40, clip, clen, 4);

	volume(cs, 5);
	put(clip, clen, 0, 60, 5);
	live(65, 2);
	put(clip, clen, 5, 67, 2);
	put(clip, clen, 7, 70, n - 7);             /* 69 foreign */
	expect_whole("live and freed gaps together", 60, clip, clen, 3);

	/* The gap is a file the recorder wrote around, deleted since: a
	 * JPEG of several clusters, dropped as one run. */
	volume(cs, 6);
	uint32_t jn = (uint32_t)((jlen + cs - 1) / cs);
	put(clip, clen, 0, 80, 7);
	put(jpg, jlen, 0, 87, jn);
	put(clip, clen, 7, 87 + jn, n - 7);
	expect_whole("around a deleted JPEG", 80, clip, clen, 2);

	/* Two files written one after the other fill one gap. */
	volume(cs, 15);
	uint32_t fn = (uint32_t)((flen + cs - 1) / cs);
	put(clip, clen, 0, 80, 5);
	put(jpg, jlen, 0, 85, jn);
	put(fast, flen, 0, 85 + jn, fn);
	put(clip, clen, 5, 85 + jn + fn, n - 5);
	expect_whole("around a JPEG and a clip in one gap", 80, clip, clen, 2);

	/* A recorder's next-free pointer wraps: the clip goes on at 2. */
	volume(cs, 7);
	put(clip, clen, 0, NCL - 1, 3);   /* NCL-1, NCL, NCL+1: the last three */
	live(2, 1);
	put(clip, clen, 3, 3, n - 3);
	expect_whole("wrapping round the volume's end", NCL - 1, clip, clen, 2);

	/* Partly overwritten: a live file took two of the clip's clusters.
	 * Never accepted; reported as what there was. */
	volume(cs, 8);
	put(clip, clen, 0, 100, n);
	live(105, 2);
	tu_random(img + coff(105), 2 * cs, 99);
	run(100, &r);
	is_u64(r.res.verdict, CARVE_TRUNCATED, "partly overwritten: truncated");
	ok(r.res.length < clen + 2 * cs, "partly overwritten: not the whole clip");
	ok(!touches_live(&r), "partly overwritten: no live cluster taken");
	ok(r.validations <= REASM_MAX_VALIDATIONS,
	   "partly overwritten: %u validations", r.validations);
	free(r.ext);

	/* Overwritten by other free data (a later clip deleted too): the
	 * search finds nothing to accept either. */
	volume(cs, 9);
	put(clip, clen, 0, 100, n);
	tu_random(img + coff(104), cs, 98);
	run(100, &r);
	ok(r.res.verdict != CARVE_ACCEPT, "a cluster lost to free data: not accepted");
	ok(r.validations <= REASM_MAX_VALIDATIONS,
	   "... within %u validations (%u)", REASM_MAX_VALIDATIONS, r.validations);
	free(r.ext);

	/* The moov first: the codec check alone finds the foreign cluster.
	 * 1 KiB clusters so the small clip spans several. */
	cs = 1024;
	n = (uint32_t)((flen + cs - 1) / cs);
	volume(cs, 10);
	put(fast, flen, 0, 20, 4);
	put(fast, flen, 4, 25, n - 4);             /* 24 foreign */
	expect_whole("faststart clip around a freed cluster", 20, fast, flen, 2);
	volume(cs, 14);
	put(fast, flen, 0, 20, 3);
	put(fast, flen, 3, 26, n - 3);             /* 23-25 foreign */
	expect_whole("faststart clip around three freed clusters", 20, fast,
	             flen, 2);

	/* Starts no live file owns, a clip's header in a cluster and
	 * random data after it: the validator's verdict stands. */
	volume(4096, 11);
	put(clip, clen, 0, 30, 1);
	run(30, &r);
	ok(r.res.verdict != CARVE_ACCEPT, "a lone header cluster is not a clip");
	ok(r.validations <= REASM_MAX_VALIDATIONS, "... within bounds (%u)",
	   r.validations);
	free(r.ext);

	/* A front and a rear clip written at once in chunks, 512-byte
	 * clusters: the rear one's movie box cut after its second cluster
	 * by a chunk of the front one (its boxes tell where the rest lies),
	 * and once the rear one is done, the front one goes on, then past
	 * 40 clusters of other data to its end.  Each is placed by sharing
	 * the clusters with the other. */
	size_t mlen;
	uint8_t *mov = tu_load_data("mp4/h264.mov", &mlen);  /* moov: 10-14 */
	cs = 512;
	n = (uint32_t)((clen + cs - 1) / cs);
	volume(cs, 16);
	uint32_t at = 20;
	for (size_t i = 0; i < sizeof(pair_chunk) / sizeof(*pair_chunk); i++) {
		put(pair_chunk[i].rear ? mov : clip, pair_chunk[i].rear ? mlen : clen,
		    pair_chunk[i].from, at, pair_chunk[i].n);
		at += pair_chunk[i].n;
	}
	put(clip, clen, 32, at + 40, n - 32);
	if (h264_decode_available()) {
		expect_whole("the rear clip of a pair, its movie box in pieces",
		             24, mov, mlen, 0);
		expect_whole("the front clip of a pair, its end past other "
		             "data", 20, clip, clen, 0);
	} else {
		/* Clusters with nothing to check in them, which only
		 * decoding tells apart: a guess, never accepted. */
		const uint32_t at2[2] = { 24, 20 };
		const uint8_t *f2[2] = { mov, clip };
		const size_t n2[2] = { mlen, clen };
		for (unsigned k = 0; k < 2; k++) {
			run(at2[k], &r);
			ok(r.res.verdict != CARVE_ACCEPT ||
			   same_bytes(&r, f2[k], n2[k]),
			   "the %s clip of a pair, not decoded: not accepted "
			   "wrongly", k == 0 ? "rear" : "front");
			free(r.ext);
		}
	}
	unsigned wrong = 0, accepted = 0;
	for (uint64_t seed = 1; seed <= 100; seed++)
		accepted += pair_layout(clip, clen, mov, mlen, seed, 0, &wrong);
	ok(wrong == 0, "100 pairs written at once in random chunks: every "
	   "clip accepted is the clip (%u accepted, %u wrong)", accepted,
	   wrong);
	/* The front clip's first cluster written over (a later recording
	 * took it): the front clip is no candidate, but its movie box is
	 * still there and tells which clusters are its own, so the rear
	 * one, which no decoding checks (H.265), is placed with them. */
	size_t hlen;
	uint8_t *hevc = tu_load_data("mp4/h265.mp4", &hlen);
	unsigned gained = 0, lost = 0, with = 0, without = 0;
	wrong = 0;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		unsigned a = pair_layout(mov, mlen, hevc, hlen, seed, 1, &wrong);
		unsigned b = pair_layout(mov, mlen, hevc, hlen, seed, 2, &wrong);
		with += a;
		without += b;
		gained += a > b;
		lost += a < b;
	}
	ok(wrong == 0, "40 rear clips whose partner's head is gone, with and "
	   "without the partner's movie box: every clip accepted is the "
	   "clip (%u and %u accepted, %u wrong)", with, without, wrong);
	/* (decoding the front clip's samples settles its own clusters
	 * with nothing to check: without it fewer are placed) */
	unsigned want = h264_decode_available() ? 10 : 3;
	ok(gained >= want && lost == 0, "... the partner's movie box places "
	   "rear clips that nothing else tells apart (%u more, %u fewer; at "
	   "least %u more wanted)", gained, lost, want);
	/* The same pair, the rear clip's movie box opening in its 11th
	 * cluster and its rest (4 clusters) written 100 clusters on, past
	 * the front clip's end and a stretch of zeros (clips kept on the
	 * card that the recorder wrote round, wiped since): no nearer
	 * cluster holds it together, and only one far on does. */
	at = pair_cut(clip, clen, mov, mlen, n, cs, 17, 1);
	if (h264_decode_available())
		expect_whole("the rear clip of a pair, the rest of its movie "
		             "box 100 clusters on", 24, mov, mlen, 0);
	else
		ok(1, "the rear clip of a pair, the rest of its movie box far "
		   "on # SKIP its clusters are told apart by decoding");
	/* ... and a second rest in the stretch before it that holds the
	 * box together as well, one sample's duration (stts) other: no
	 * telling which is the clip's, so neither is taken. */
	uint8_t *mov2 = malloc(mlen);
	if (mov2 == NULL)
		tap_bail("out of memory");
	memcpy(mov2, mov, mlen);
	mov2[6204] ^= 1;   /* the first video sample delta's low byte */
	put(mov2, mlen, 11, at + 50, 4);
	run(24, &r);
	ok(r.res.verdict != CARVE_ACCEPT, "... with a second rest that holds "
	   "the box together as well: not accepted (verdict %d)",
	   r.res.verdict);
	free(r.ext);
	free(mov2);
	/* The same, the box's first two pieces written before the stop
	 * (its clusters 10 and 11 near, 12-14 far on). */
	pair_cut(clip, clen, mov, mlen, n, cs, 19, 2);
	if (h264_decode_available())
		expect_whole("... its movie box's first two pieces near, the "
		             "rest far on", 24, mov, mlen, 0);
	else
		ok(1, "... its movie box's first two pieces near, the rest "
		   "far on # SKIP its clusters are told apart by decoding");

	/* A pair written round two clips kept on the card (event clips),
	 * one after the other, in its middle: each of the four is placed
	 * by sharing the range with all the others.  A kept clip's range
	 * does not reach the other kept clip's, but the pair's does. */
	size_t glen;
	uint8_t *gp = tu_load_data("mp4/clip.3gp", &glen);   /* moov last */
	static const struct { uint8_t f; uint32_t from, n; } round[] = {
		{ 0, 0, 4 }, { 1, 0, 2 }, { 0, 4, 4 }, { 1, 2, 2 },
		{ 0, 8, 4 }, { 1, 4, 2 }, { 2, 0, 24 }, { 3, 0, 18 },
		{ 0, 12, 4 }, { 1, 6, 2 }, { 0, 16, 4 }, { 1, 8, 2 },
		{ 0, 20, 4 }, { 1, 10, 2 }, { 0, 24, 4 }, { 1, 12, 3 },
		{ 0, 28, 73 },
	};
	const uint8_t *four[4] = { clip, mov, gp, hevc };
	const size_t flen4[4] = { clen, mlen, glen, hlen };
	uint32_t start4[4] = { 0, 0, 0, 0 };
	volume(cs, 18);
	at = 20;
	for (size_t i = 0; i < sizeof(round) / sizeof(*round); i++) {
		if (round[i].from == 0)
			start4[round[i].f] = at;
		put(four[round[i].f], flen4[round[i].f], round[i].from, at,
		    round[i].n);
		at += round[i].n;
	}
	static const char *const name4[4] = {
		"the front clip of a pair written round two kept clips",
		"... its rear clip", "... the first kept clip",
		"... the second kept clip",
	};
	for (unsigned k = 0; k < 4; k++) {
		if (k >= 2 || h264_decode_available()) {
			expect_whole(name4[k], start4[k], four[k], flen4[k], 0);
			continue;
		}
		/* (the pair's clusters with nothing to check in them are
		 * told apart by decoding only: without it, a guess) */
		run(start4[k], &r);
		ok(r.res.verdict != CARVE_ACCEPT ||
		   same_bytes(&r, four[k], flen4[k]),
		   "%s, not decoded: not accepted wrongly", name4[k]);
		free(r.ext);
	}
	free(gp);

	/* Without a file system, the volume's geometry known from its boot
	 * sector: a clip wrapping round the data region's end goes on at its
	 * first cluster, not in the tables before it. */
	for (unsigned k = 0; k < 2; k++) {
		const char *which = k ? "rear" : "front";
		grid_wrap(clip, clen, mov, mlen, k, 4096, &r);
		is_u64(r.res.verdict, CARVE_ACCEPT, "grid: the %s clip of a "
		       "pair wrapping round the volume's end is accepted",
		       which);
		is_u64(r.res.length, k ? mlen : clen, "grid: ... whole");
		free(r.ext);
		/* The card formatted again with 32 KiB clusters: the
		 * clips' starts lie on a finer grid than the volume's,
		 * which says nothing of theirs. */
		grid_wrap(clip, clen, mov, mlen, k, 32768, &r);
		is_u64(r.res.verdict, CARVE_ACCEPT, "grid: ... and with a "
		       "volume of 32 KiB clusters made since");
		is_u64(r.res.length, k ? mlen : clen, "grid: ... whole");
		free(r.ext);
	}
	free(hevc);
	free(mov);

	test_note_not_words();

	fsview_free(&v);
	free(img);
	free(clip);
	free(fast);
	free(jpg);
	close(fd);
	return tap_done();
}

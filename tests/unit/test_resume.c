/*
 * test_resume.c - validators that resume (format.h validate_resume): over
 * the maps reassembly tries for one candidate (a head cut at a boundary,
 * then a tail from elsewhere: the right one, one a sector off either way,
 * a misaligned one, random bytes, zeros), the verdict of a run that
 * resumes from the state earlier runs saved is the verdict of a full
 * validation, field by field, while the shared head grows; and a run does
 * resume (a head changed where the state says it need not look is not
 * looked at again).
 * JPEG samples of every kind the decoder takes (tests/data/jpeg), the
 * PNG samples (tests/data/png), ZIP archives of stored, deflated and
 * streamed members (tests/data/zip), and a motion-JPEG AVI
 * (tests/data/riff) whose frames are decoded.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"
#include "fmt_util.h"
#include "formats/run.h"
#include "io/source.h"

#define GAP 4096
#define JUNK (16u << 10)
/* Tails tried after each boundary: the right one, a block on, a block
 * back, a byte on, random bytes, 2 KiB of zeros then random bytes, 1 KiB
 * of zeros then random bytes. */
#define NTAILS 7

struct image {
	uint8_t *buf;
	size_t len;
	size_t copy;            /* where the second copy of the sample lies */
	int fd;
	struct source src;
};

/* The sample at 0, zeros then random bytes, the sample again, random
 * bytes. */
static void image_make(struct image *im, const uint8_t *s, size_t len,
                       uint64_t seed)
{
	im->copy = (len + 511) / 512 * 512 + GAP;
	im->len = im->copy + len + JUNK;
	im->buf = malloc(im->len);
	if (im->buf == NULL)
		tap_bail("out of memory");
	tu_random(im->buf, im->len, seed);
	memset(im->buf + im->copy - GAP, 0, GAP / 2);
	memcpy(im->buf, s, len);
	memcpy(im->buf + im->copy, s, len);
}

static void image_open(struct image *im)
{
	im->fd = memfd_create("dredge-resume", MFD_CLOEXEC);
	if (im->fd < 0)
		tap_bail("memfd_create failed");
	for (size_t done = 0; done < im->len;) {
		ssize_t w = write(im->fd, im->buf + done, im->len - done);
		if (w <= 0)
			tap_bail("write failed");
		done += (size_t)w;
	}
	if (source_open_fd(&im->src, im->fd, "resume") != 0)
		tap_bail("source setup failed");
}

static void image_close(struct image *im)
{
	source_close(&im->src);
	close(im->fd);
	free(im->buf);
}

/* The map [0, P) then [T, end), thoroughly; resumed with *rs when rs is
 * not NULL. */
static void try_map(const struct format *fmt, struct image *im, uint64_t P,
                    uint64_t T, struct carve_resume **rs, uint64_t stable,
                    struct carve_result *res)
{
	struct extent ext[2] = {
		{ .img_off = 0, .len = P },
		{ .img_off = T, .len = im->len - T },
	};
	struct run_req req = {
		.src = &im->src, .ext = ext, .next = 2, .thorough = true,
		.resume = rs, .stable = stable,
	};
	if (run_validate(fmt, &req, res, NULL) != 0)
		tap_bail("run_validate failed");
}

static bool same(const struct carve_result *a, const struct carve_result *b)
{
	if (a->verdict != b->verdict || a->length != b->length ||
	    a->note != b->note || a->note_off != b->note_off ||
	    a->open_end != b->open_end || a->nmeta != b->nmeta ||
	    a->ext != b->ext ||
	    (a->verdict != CARVE_ACCEPT && a->reason != b->reason))
		return false;
	for (unsigned i = 0; i < a->nmeta; i++)
		if (strcmp(a->meta[i].key, b->meta[i].key) != 0 ||
		    strcmp(a->meta[i].val, b->meta[i].val) != 0)
			return false;
	return true;
}

/* Says on stderr (a TAP comment) how two verdicts differ. */
static void diff_print(const char *name, uint64_t P, uint64_t T,
                       const struct carve_result *a,
                       const struct carve_result *b)
{
	fprintf(stderr, "# %s: P %llu T %llu: full %d %llu note %d %llu (%s), "
	        "resumed %d %llu note %d %llu (%s)\n", name,
	        (unsigned long long)P, (unsigned long long)T, a->verdict,
	        (unsigned long long)a->length, a->note,
	        (unsigned long long)a->note_off, a->reason ? a->reason : "-",
	        b->verdict, (unsigned long long)b->length, b->note,
	        (unsigned long long)b->note_off, b->reason ? b->reason : "-");
}

/*
 * One sample: stable grows by blk from blk to the sample's end; at each,
 * boundaries P = stable .. stable + 2 blk and NTAILS tails each, all with
 * one resume state.  Then a head changed in [poke, poke + npoke) (bytes
 * before the last stable that a resumed run must not read again) and the
 * right tail:
 * the full run sees the change, the resumed one does not.
 */
static void check_sample(const struct format *fmt, const char *name,
                         uint8_t *s, size_t len, size_t blk, size_t poke,
                         size_t npoke)
{
	struct image im;
	struct carve_resume *rs = NULL;
	struct carve_result full, resumed;
	unsigned maps = 0, differ = 0, accepted = 0;
	uint64_t stable = blk;

	image_make(&im, s, len, len);
	image_open(&im);
	for (; stable + blk < len; stable += blk) {
		for (uint64_t P = stable; P < len && P <= stable + 2 * blk;
		     P += blk) {
			uint64_t right = im.copy + P;
			uint64_t gap = im.copy - GAP;
			uint64_t tails[NTAILS] = {
				right, right + blk, right - blk, right + 1,
				gap + GAP / 2 + 100, gap, gap + GAP / 4,
			};
			for (unsigned k = 0; k < NTAILS; k++) {
				try_map(fmt, &im, P, tails[k], NULL, 0, &full);
				try_map(fmt, &im, P, tails[k], &rs, stable,
				        &resumed);
				maps++;
				if (!same(&full, &resumed)) {
					differ++;
					diff_print(name, P, tails[k], &full,
					           &resumed);
				}
				accepted += k == 0 &&
				            resumed.verdict == CARVE_ACCEPT &&
				            resumed.length == len;
			}
		}
	}
	tap_ok(maps > 0 && differ == 0,
	       "%s: %u maps, resumed verdicts equal the full ones (%u differ)",
	       name, maps, differ);
	tap_ok(accepted * NTAILS == maps,
	       "%s: the right tails are accepted whole (%u of %u)", name,
	       accepted, maps / NTAILS);

	/* A run over bytes the contract says are unchanged does not read
	 * them: change one and resume. */
	stable -= blk;
	image_close(&im);
	image_make(&im, s, len, len);
	for (size_t i = poke; i < poke + npoke; i++)
		if (im.buf[i - 1] != 0xff && im.buf[i] != 0xff &&
		    (im.buf[i] ^ 0x55) != 0xff)
			im.buf[i] ^= 0x55;
	image_open(&im);
	try_map(fmt, &im, stable, im.copy + stable, NULL, 0, &full);
	try_map(fmt, &im, stable, im.copy + stable, &rs, stable, &resumed);
	tap_ok(full.verdict != CARVE_ACCEPT && resumed.verdict == CARVE_ACCEPT &&
	       resumed.length == len,
	       "%s: a resumed run does not read the head again (full %d, "
	       "resumed %d)", name, full.verdict, resumed.verdict);
	fmt->resume_free(rs);
	image_close(&im);
	free(s);
}

/* check_sample over the sample tests/data/NAME. */
static void check(const struct format *fmt, const char *name, size_t blk,
                  size_t poke, size_t npoke)
{
	size_t len;
	uint8_t *s = tu_load_data(name, &len);

	check_sample(fmt, name, s, len, blk, poke, npoke);
}

/* Offset of the first byte of the first scan's data. */
static size_t jpeg_data(const char *name)
{
	size_t len, off = 2;
	uint8_t *s = tu_load_data(name, &len);

	while (off + 4 <= len && s[off] == 0xff) {
		size_t seg = 2u + mem_be16(s + off + 2);
		if (s[off + 1] == 0xda) {
			free(s);
			return off + seg;
		}
		off += seg;
	}
	tap_bail("sample has no SOS");
	return 0;
}

/*
 * A TIFF of JPEG strips (whole JPEG files, compression 7, no JPEGTables)
 * laid out from byte 8, its directory after them, as a writer that puts
 * the directory last does: a head without it is read as the streams from
 * byte 8 on.  Returns the buffer, its length in *len.
 */
static uint8_t *tiff_of_jpegs(const char *const *names, unsigned n,
                              size_t *len)
{
	enum { NE = 9 };
	uint8_t *j[8];
	size_t jl[8], off = 8;

	for (unsigned i = 0; i < n; i++) {
		j[i] = tu_load_data(names[i], &jl[i]);
		off += jl[i];
	}
	size_t ifd = (off + 1) / 2 * 2, arr = ifd + 2 + NE * 12 + 4;
	*len = arr + 8 * n;
	uint8_t *t = calloc(1, *len);
	if (t == NULL)
		tap_bail("out of memory");
	memcpy(t, "II*\0", 4);
	mem_put_le32(t + 4, (uint32_t)ifd);
	off = 8;
	for (unsigned i = 0; i < n; i++) {
		memcpy(t + off, j[i], jl[i]);
		mem_put_le32(t + arr + 4 * i, (uint32_t)off);
		mem_put_le32(t + arr + 4 * (n + i), (uint32_t)jl[i]);
		off += jl[i];
		free(j[i]);
	}
	static const uint16_t tag[NE] = {
		256, 257, 258, 259, 262, 273, 277, 278, 279 };
	static const uint16_t type[NE] = { 4, 4, 3, 3, 3, 4, 3, 3, 4 };
	uint32_t val[NE] = { 16, 16u * n, 8, 7, 6, (uint32_t)arr, 3, 16,
	                     (uint32_t)(arr + 4 * n) };
	mem_put_le16(t + ifd, NE);
	for (unsigned e = 0; e < NE; e++) {
		uint8_t *p = t + ifd + 2 + 12 * e;
		mem_put_le16(p, tag[e]);
		mem_put_le16(p + 2, type[e]);
		mem_put_le32(p + 4, tag[e] == 273 || tag[e] == 279 ? n : 1);
		mem_put_le32(p + 8, val[e]);
	}
	return t;
}

int main(void)
{
	static const char *const jpegs[] = {
		"jpeg/frag_420.jpg", "jpeg/frag_444.jpg", "jpeg/frag_gray.jpg",
		"jpeg/frag_prog.jpg", "jpeg/frag_progrst.jpg",
		"jpeg/frag_rst.jpg",
	};
	static const char *const pngs[] = {
		"png/alpha.png", "png/palette.png", "png/rgb.png",
		"png/multi-idat.png",
	};
	/* ZIP: a byte of the first member's data (stored or deflated) */
	static const struct {
		const char *name;
		size_t poke;
	} zips[] = {
		{ "zip/stored.zip", 45 }, { "zip/deflate.zip", 141 },
		{ "zip/stream.zip", 141 }, { "zip/minimal.odt", 43 },
		{ "zip/pystream.zip", 40 },
	};
	const struct format *jpeg = format_find("jpeg");
	const struct format *png = format_find("png");
	const struct format *zip = format_find("zip");
	const struct format *riff = format_find("riff");

	if (jpeg == NULL || png == NULL || zip == NULL || riff == NULL ||
	    jpeg->validate_resume == NULL || png->validate_resume == NULL ||
	    zip->validate_resume == NULL || riff->validate_resume == NULL)
		tap_bail("no resuming jpeg, png, zip or riff format");
	for (size_t i = 0; i < sizeof(jpegs) / sizeof(jpegs[0]); i++)
		check(jpeg, jpegs[i], 512, jpeg_data(jpegs[i]) + 40, 64);
	/* PNG: IHDR's width and height (a failing CRC). */
	for (size_t i = 0; i < sizeof(pngs) / sizeof(pngs[0]); i++)
		check(png, pngs[i], 64, 16, 8);
	for (size_t i = 0; i < sizeof(zips) / sizeof(zips[0]); i++)
		check(zip, zips[i].name, 64, zips[i].poke, 1);
	/* AVI: the entropy-coded data of its first frame (its 00dc chunk
	 * at 9948, its scan's data from 10253) */
	check(riff, "riff/mjpeg_pcm.avi", 512, 10253 + 40, 64);
	/* TIFF: JPEG strips, directory last; the first strip's scan data */
	static const char *const strips[] = {
		"jpeg/frag_420.jpg", "jpeg/frag_gray.jpg", "jpeg/frag_444.jpg",
	};
	const struct format *tiff = format_find("tiff");
	if (tiff == NULL || tiff->validate_resume == NULL)
		tap_bail("no resuming tiff format");
	size_t tlen;
	uint8_t *t = tiff_of_jpegs(strips, 3, &tlen);
	check_sample(tiff, "tiff of JPEG strips, directory last", t, tlen, 512,
	             8 + jpeg_data(strips[0]) + 40, 64);
	return tap_done();
}

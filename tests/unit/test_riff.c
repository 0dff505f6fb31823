/*
 * test_riff.c - the RIFF validator on real AVI, WAV, RF64 and WebP files
 * (tests/data/riff, see make.sh there), on cut and corrupted copies, on
 * hostile sizes and nesting, and on a synthetic OpenDML AVI: a real small
 * AVI turned into the first RIFF of an OpenDML file (its odml placeholder
 * made an odml/dmlh list) followed by hand-made "RIFF" "AVIX" chunks.
 * ffmpeg only writes AVIX past 1 GiB, too big to keep here.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "media_util.h"
#include "frag_check.h"

extern const struct format format_riff;
static const struct format *F = &format_riff;

/* A growable byte buffer for building synthetic files. */
struct out {
	uint8_t *p;
	size_t len, cap;
};

static void out_bytes(struct out *o, const void *b, size_t n)
{
	if (o->len + n > o->cap) {
		o->cap = (o->len + n) * 2 + 64;
		o->p = realloc(o->p, o->cap);
		if (o->p == NULL)
			tap_bail("out of memory");
	}
	memcpy(o->p + o->len, b, n);
	o->len += n;
}

static void out_le32(struct out *o, uint32_t v)
{
	uint8_t b[4];
	mem_put_le32(b, v);
	out_bytes(o, b, 4);
}

/* Appends a chunk header; returns the offset of its size field. */
static size_t out_chunk(struct out *o, const char *id, uint32_t size)
{
	out_bytes(o, id, 4);
	size_t at = o->len;
	out_le32(o, size);
	return at;
}

/* Rewrites a size field to cover everything after it up to the end. */
static void out_close(struct out *o, size_t at)
{
	mem_put_le32(o->p + at, (uint32_t)(o->len - at - 4));
}

static void test_samples(void)
{
	static const struct {
		const char *file, *ext;
		const char *k1, *v1, *k2, *v2, *k3, *v3, *k4, *v4;
	} s[] = {
		{ "riff/mjpeg_pcm.avi", "avi", "width", "64", "height", "48",
		  "frames", "10", "duration", "1.000" },
		{ "riff/mpeg4.avi", "avi", "width", "96", "height", "64",
		  "frames", "15", "streams", "1" },
		{ "riff/pcm8k_mono.wav", "wav", "channels", "1", "sample_rate",
		  "8000", "bits", "16", "duration", "0.500" },
		{ "riff/s24_stereo.wav", "wav", "channels", "2", "sample_rate",
		  "48000", "bits", "24", "duration", "0.100" },
		{ "riff/u8_odd.wav", "wav", "channels", "1", "bits", "8",
		  "codec", "pcm", "sample_rate", "8000" },
		{ "riff/rf64.wav", "wav", "channels", "1", "sample_rate",
		  "11025", "bits", "16", "duration", "0.500" },
		{ "riff/lossy.webp", "webp", "width", "80", "height", "60",
		  "codec", "lossy", NULL, NULL },
		{ "riff/lossless.webp", "webp", "width", "80", "height", "60",
		  "codec", "lossless", NULL, NULL },
		{ "riff/alpha.webp", "webp", "width", "80", "height", "60",
		  "codec", "extended", NULL, NULL },
	};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		size_t len;
		uint8_t *file = tu_load_data(s[i].file, &len);
		struct carve_result res;

		mu_check_embedded(F, s[i].file, file, len, s[i].ext, 100 + i,
		                  &res);
		mu_meta_is(&res, s[i].k1, s[i].v1, s[i].file);
		mu_meta_is(&res, s[i].k2, s[i].v2, s[i].file);
		mu_meta_is(&res, s[i].k3, s[i].v3, s[i].file);
		if (s[i].k4 != NULL)
			mu_meta_is(&res, s[i].k4, s[i].v4, s[i].file);

		size_t cuts[] = { 12, 20, 40, len / 3, len / 2, len - 2,
		                  len - 1 };
		mu_check_cuts(F, s[i].file, file, cuts, 7);
		free(file);
	}
}

static void test_cut_wav(void)
{
	size_t len;
	uint8_t *file = tu_load_data("riff/pcm8k_mono.wav", &len);
	struct carve_result res;

	tu_validate(F, file, 5000, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == 5000,
	   "wav cut inside data: truncated at the cut");
	is_str(res.reason, "data ends inside a chunk", "wav cut: reason");
	mu_meta_is(&res, "sample_rate", "8000", "cut wav");
	tu_validate(F, file, 30, 0, &res);
	ok(res.verdict == CARVE_REJECT, "wav cut inside fmt: rejected");
	free(file);

	file = tu_load_data("riff/mjpeg_pcm.avi", &len);
	tu_validate(F, file, 20000, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == 20000,
	   "avi cut inside movi: truncated at the cut");
	mu_meta_is(&res, "width", "64", "cut avi");
	free(file);
}

static void test_corrupt(void)
{
	size_t len, total;
	struct carve_result res;
	uint8_t *file = tu_load_data("riff/pcm8k_mono.wav", &len);
	uint8_t *buf;

	/* RIFF size two short: the data chunk overruns it. */
	buf = mu_embed(file, len, 7, &total);
	mem_put_le32(buf + MU_LEAD + 4, (uint32_t)(len - 8 - 2));
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_REJECT, "RIFF size too small: rejected");
	is_str(res.reason, "chunk runs past the RIFF size", "reason");

	/* RIFF size two long: two stray bytes of filler in the RIFF. */
	mem_put_le32(buf + MU_LEAD + 4, (uint32_t)(len - 8 + 2));
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_REJECT, "RIFF size too large: rejected");
	is_str(res.reason, "chunk sizes do not add up to the RIFF size",
	       "reason");

	/* RIFF size 400 too long: the filler is no chunk, the file is
	 * truncated where it ends. */
	mem_put_le32(buf + MU_LEAD + 4, (uint32_t)(len - 8 + 400));
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len,
	   "RIFF size past the chunks: truncated at the last chunk");
	is_str(res.reason, "garbage where a chunk should be", "reason");

	/* Zero padding inside the RIFF size after the last chunk is fine. */
	memset(buf + MU_LEAD + len, 0, 2);
	mem_put_le32(buf + MU_LEAD + 4, (uint32_t)(len - 8 + 2));
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len + 2,
	   "two zero bytes of padding counted by the RIFF size: accepted");
	free(buf);

	/* fmt with a block align that contradicts channels and bits. */
	buf = mu_embed(file, len, 8, &total);
	buf[MU_LEAD + 32] = 4;
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_REJECT, "bad PCM block align: rejected");
	is_str(res.reason, "PCM block align does not match", "reason");
	buf[MU_LEAD + 32] = 2;
	buf[MU_LEAD + 22] = 0;   /* channels */
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_REJECT, "zero channels: rejected");
	is_str(res.reason, "bad WAV format fields", "reason");
	buf[MU_LEAD + 22] = 1;
	memcpy(buf + MU_LEAD + 12, "fmu ", 4);
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_REJECT, "no fmt chunk: rejected");
	is_str(res.reason, "WAV without fmt chunk", "reason");
	free(buf);
	free(file);

	file = tu_load_data("riff/mjpeg_pcm.avi", &len);
	buf = mu_embed(file, len, 9, &total);
	/* The movi list starts at 9936 in this file. */
	ok(memcmp(buf + MU_LEAD + 9936 + 8, "movi", 4) == 0, "movi at 9936");
	memcpy(buf + MU_LEAD + 9936 + 8, "movj", 4);
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_REJECT, "AVI without movi: rejected");
	is_str(res.reason, "AVI without movi list", "reason");
	memcpy(buf + MU_LEAD + 9936 + 8, "movi", 4);
	/* A chunk id inside movi overwritten: truncated there. */
	ok(memcmp(buf + MU_LEAD + 9948, "00dc", 4) == 0, "first frame at 9948");
	memcpy(buf + MU_LEAD + 9948, "\x00\xff\x01\x02", 4);
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == 9948,
	   "garbage in movi: truncated at it");
	is_str(res.reason, "garbage where a chunk should be", "reason");
	free(buf);
	free(file);

	file = tu_load_data("riff/lossy.webp", &len);
	buf = mu_embed(file, len, 10, &total);
	buf[MU_LEAD + 20 + 3] = 0x9e;   /* 9d 01 2a start code */
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_REJECT, "WebP with a bad VP8 start code");
	is_str(res.reason, "bad VP8 key frame header", "reason");
	free(buf);
	free(file);
}

static void test_bombs(void)
{
	size_t len, total;
	struct carve_result res;
	uint8_t *file = tu_load_data("riff/pcm8k_mono.wav", &len);
	uint8_t *buf = mu_embed(file, len, 11, &total);
	double t0 = mu_now();

	mem_put_le32(buf + MU_LEAD + 4, 0xffffffffu);
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len,
	   "RIFF size 0xFFFFFFFF: truncated where the chunks stop");
	/* data chunk size pointing far past the end. */
	mem_put_le32(buf + MU_LEAD + 40, 0xffffff00u);
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == total - MU_LEAD,
	   "RIFF and data sizes huge: truncated at the end of the medium");
	mem_put_le32(buf + MU_LEAD + 4, (uint32_t)(len - 8));
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_REJECT, "data size past the RIFF end: rejected");
	is_str(res.reason, "chunk runs past the RIFF size", "reason");
	mem_put_le32(buf + MU_LEAD + 4, 0);
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_REJECT, "RIFF size 0: rejected");
	free(buf);
	free(file);

	/* LISTs nested 20 deep. */
	struct out o = { 0 };
	size_t at[24];
	at[0] = out_chunk(&o, "RIFF", 0);
	out_bytes(&o, "AVI ", 4);
	for (int d = 1; d <= 20; d++) {
		at[d] = out_chunk(&o, "LIST", 0);
		out_bytes(&o, "nest", 4);
	}
	out_chunk(&o, "JUNK", 0);
	for (int d = 20; d >= 0; d--)
		out_close(&o, at[d]);
	tu_validate(F, o.p, o.len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "LISTs nested 20 deep: rejected");
	is_str(res.reason, "LISTs nested too deep", "reason");
	free(o.p);

	/* 100,000 empty chunks: quick, and a WAV around them is sound. */
	memset(&o, 0, sizeof(o));
	at[0] = out_chunk(&o, "RIFF", 0);
	out_bytes(&o, "AVI ", 4);
	for (int i = 0; i < 100000; i++)
		out_chunk(&o, "JUNK", 0);
	out_close(&o, at[0]);
	tu_validate(F, o.p, o.len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "100,000 chunks and no hdrl: rejected");
	is_str(res.reason, "AVI without hdrl/avih", "reason");
	free(o.p);

	memset(&o, 0, sizeof(o));
	at[0] = out_chunk(&o, "RIFF", 0);
	out_bytes(&o, "WAVE", 4);
	out_chunk(&o, "fmt ", 16);
	out_bytes(&o, "\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00"
	          "\x02\x00\x10\x00", 16);
	at[1] = out_chunk(&o, "LIST", 0);
	out_bytes(&o, "INFO", 4);
	for (int i = 0; i < 100000; i++)
		out_chunk(&o, "ISFT", 0);
	out_close(&o, at[1]);
	out_chunk(&o, "data", 16000);
	for (int i = 0; i < 4000; i++)
		out_le32(&o, 0);
	out_close(&o, at[0]);
	tu_validate(F, o.p, o.len, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == o.len,
	   "WAV with 100,000 tiny INFO chunks: accepted");
	mu_meta_is(&res, "duration", "1.000", "tiny chunks wav");
	free(o.p);
	printf("# the bombs took %.3f s\n", mu_now() - t0);

	/* RF64 with 2^64-1 sizes. */
	file = tu_load_data("riff/rf64.wav", &len);
	buf = mu_embed(file, len, 12, &total);
	memset(buf + MU_LEAD + 20, 0xff, 8);   /* ds64 RIFF size */
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_REJECT, "RF64 RIFF size 2^64-1: rejected");
	is_str(res.reason, "bad RF64 size", "reason");
	memcpy(buf + MU_LEAD, file, len);
	memset(buf + MU_LEAD + 28, 0xff, 8);   /* ds64 data size */
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_REJECT, "RF64 data size 2^64-1: rejected");
	is_str(res.reason, "chunk runs past the RIFF size", "reason");
	memcpy(buf + MU_LEAD, file, len);
	memcpy(buf + MU_LEAD + 12, "ds65", 4);
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_REJECT, "RF64 without ds64: rejected");
	free(buf);
	free(file);
}

/* Appends a "RIFF" "AVIX" chunk holding a movi list of two frames. */
static void add_avix(struct out *o, unsigned seed)
{
	uint8_t frame[151];
	size_t riff = out_chunk(o, "RIFF", 0);
	out_bytes(o, "AVIX", 4);
	size_t movi = out_chunk(o, "LIST", 0);
	out_bytes(o, "movi", 4);
	tu_random(frame, sizeof(frame), seed);
	out_chunk(o, "00dc", 100);
	out_bytes(o, frame, 100);
	out_chunk(o, "01wb", 51);
	out_bytes(o, frame, 52);   /* 51 and a pad byte */
	out_chunk(o, "ix00", 0);
	out_close(o, movi);
	out_close(o, riff);
}

static void test_opendml(void)
{
	size_t len;
	uint8_t *file = tu_load_data("riff/mjpeg_pcm.avi", &len);
	struct out o = { 0 };
	struct carve_result res;

	/* ffmpeg leaves a 260-byte JUNK at 8644 for the odml list it writes
	 * in files that need it; fill it the same way, counting 12 frames. */
	out_bytes(&o, file, len);
	ok(memcmp(o.p + 8644, "JUNK\x04\x01\x00\x00", 8) == 0,
	   "odml placeholder at 8644");
	memcpy(o.p + 8644, "LIST", 4);
	memcpy(o.p + 8652, "odmldmlh", 8);
	mem_put_le32(o.p + 8660, 248);
	mem_put_le32(o.p + 8664, 12);

	tu_validate(F, o.p, o.len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len,
	   "OpenDML header counting frames that are missing: truncated");
	is_str(res.reason, "AVIX continuation missing", "reason");

	size_t first_end = o.len;
	add_avix(&o, 1);
	size_t two = o.len;
	add_avix(&o, 2);
	size_t three = o.len;

	size_t total;
	uint8_t *buf = mu_embed(o.p, three, 21, &total);
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == three,
	   "AVI with two AVIX continuations: accepted whole");
	mu_meta_is(&res, "riff_chunks", "3", "opendml");
	mu_meta_is(&res, "frames", "12", "opendml");
	mu_meta_is(&res, "duration", "1.200", "opendml");
	free(buf);

	size_t cuts[] = { first_end + 5, first_end + 30, two - 1, two + 12,
	                  three - 1 };
	ok(mu_check_cuts(F, "opendml", o.p, cuts, 5) == 5,
	   "cut OpenDML files are all truncated");

	/* Damage inside the second RIFF's movi list. */
	buf = mu_embed(o.p, three, 22, &total);
	memcpy(buf + MU_LEAD + first_end + 24, "\x01\x02\x03\x04", 4);
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == first_end + 24,
	   "garbage in an AVIX movi: truncated at it");
	/* An AVIX without movi. */
	memcpy(buf + MU_LEAD + first_end + 24, "00dc", 4);
	memcpy(buf + MU_LEAD + first_end + 20, "movj", 4);
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == first_end,
	   "AVIX without movi: truncated before it");
	is_str(res.reason, "AVIX without movi list", "reason");
	free(buf);

	/* The AVIX alone is not a file. */
	tu_validate(F, o.p + first_end, two - first_end, 0, &res);
	ok(res.verdict == CARVE_REJECT, "a lone AVIX: rejected");
	free(o.p);
	free(file);
}

static void test_back_to_back(void)
{
	static const char *const pairs[][2] = {
		{ "riff/mjpeg_pcm.avi", "riff/mpeg4.avi" },
		{ "riff/pcm8k_mono.wav", "riff/s24_stereo.wav" },
		{ "riff/lossy.webp", "riff/mjpeg_pcm.avi" },
		{ "riff/rf64.wav", "riff/u8_odd.wav" },
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		size_t l1, l2;
		uint8_t *a = tu_load_data(pairs[i][0], &l1);
		uint8_t *b = tu_load_data(pairs[i][1], &l2);
		struct out o = { 0 };
		struct carve_result res;

		out_bytes(&o, a, l1);
		out_bytes(&o, b, l2);
		tu_validate(F, o.p, o.len, 0, &res);
		ok(res.verdict == CARVE_ACCEPT && res.length == l1,
		   "%s then %s: the first at its size", pairs[i][0],
		   pairs[i][1]);
		free(o.p);
		free(a);
		free(b);
	}
}

static void test_other_forms(void)
{
	struct out o = { 0 };
	struct carve_result res;
	size_t at = out_chunk(&o, "RIFF", 0);

	/* An animated cursor: anih and a LIST fram of icons. */
	out_bytes(&o, "ACON", 4);
	out_chunk(&o, "anih", 36);
	for (int i = 0; i < 9; i++)
		out_le32(&o, i == 0 ? 36 : 1);
	size_t fram = out_chunk(&o, "LIST", 0);
	out_bytes(&o, "fram", 4);
	out_chunk(&o, "icon", 5);
	out_bytes(&o, "\0\0\1\0\1\0", 6);
	out_close(&o, fram);
	out_close(&o, at);
	tu_validate(F, o.p, o.len, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == o.len,
	   "animated cursor accepted");
	is_str(res.ext, "ani", "animated cursor: extension");

	/* Three stray bytes at the end of the LIST: sizes do not add up. */
	struct out o2 = { 0 };
	out_bytes(&o2, o.p, fram);
	out_le32(&o2, 0);
	out_bytes(&o2, o.p + fram + 4, o.len - fram - 4);
	out_bytes(&o2, "\0\0\0\0", 4);
	/* RIFF and LIST both end one byte before the buffer's end, three
	 * bytes after the icon chunk. */
	mem_put_le32(o2.p + at, (uint32_t)(o2.len - 1 - at - 4));
	mem_put_le32(o2.p + fram, (uint32_t)(o2.len - 1 - fram - 4));
	tu_validate(F, o2.p, o2.len - 1, 0, &res);
	ok(res.verdict == CARVE_REJECT, "stray bytes inside a LIST: rejected");
	is_str(res.reason, "chunk sizes do not add up to the LIST size",
	       "reason");
	free(o2.p);

	memcpy(o.p + 8, "Xyz1", 4);
	tu_validate(F, o.p, o.len, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == o.len,
	   "unknown form with sound chunks accepted");
	is_str(res.ext, "riff", "unknown form: extension");
	memcpy(o.p + 8, "Xy\001z", 4);
	tu_validate(F, o.p, o.len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "unprintable form type: rejected");
	free(o.p);
}

/*
 * Fragmentation points: an AVI cut at sector boundaries inside its movi
 * list with random bytes, zeros or another AVI inserted shows the point at
 * the first chunk header the sizes lead to past the cut: at most one
 * chunk (1024 bytes of frame here) and its 8-byte header after it.
 */
static void test_fragments(void)
{
	size_t len, olen;
	uint8_t *f = tu_load_data("riff/mjpeg_pcm.avi", &len);
	uint8_t *o = tu_load_data("riff/mpeg4.avi", &olen);
	size_t cuts[] = { 12288, 16384, 20480, 24576 };

	for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
		for (int k = FC_RANDOM; k <= FC_OTHER; k++) {
			char name[80];
			uint8_t *g = fc_gap((enum fc_gap)k, 8192, o, olen, c + 1);
			snprintf(name, sizeof(name), "avi: %s", fc_gap_name(k));
			fc_check(F, name, f, len, cuts[c], g, 8192, 1024 + 9);
			free(g);
		}
	}
	free(f);
	free(o);
}

int main(void)
{
	test_samples();
	test_fragments();
	test_cut_wav();
	test_corrupt();
	test_bombs();
	test_opendml();
	test_back_to_back();
	test_other_forms();
	return tap_done();
}

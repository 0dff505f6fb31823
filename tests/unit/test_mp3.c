/*
 * test_mp3.c - the MPEG audio validator on real MP3s made by lame and
 * ffmpeg (tests/data/mp3, see make.sh there): CBR and VBR, MPEG-1, 2 and
 * 2.5, with and without ID3v2, ID3v1 and Xing/Info headers; on cut and
 * damaged copies; on sync bytes in random data and other hostile input.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "media_util.h"

extern const struct format format_mp3;
static const struct format *F = &format_mp3;

/* Concatenates two buffers into a malloc'd one. */
static uint8_t *cat2(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
	uint8_t *o = malloc(la + lb + 1);
	if (o == NULL)
		tap_bail("out of memory");
	memcpy(o, a, la);
	memcpy(o + la, b, lb);
	return o;
}

/* Offset of frame n (0-based) in a tagless stream of fixed-layout frames:
 * walks the headers the way a decoder would. */
static size_t frame_at(const uint8_t *f, size_t start, unsigned n)
{
	static const unsigned kbps1[] = { 0, 32, 40, 48, 56, 64, 80, 96, 112,
	                                  128, 160, 192, 224, 256, 320 };
	static const unsigned rates[] = { 44100, 48000, 32000 };
	size_t off = start;

	for (unsigned i = 0; i < n; i++) {
		/* Only MPEG-1 Layer III is needed here. */
		unsigned bri = f[off + 2] >> 4, sri = (f[off + 2] >> 2) & 3;
		off += 144 * kbps1[bri] * 1000 / rates[sri] + ((f[off + 2] >> 1) & 1);
	}
	return off;
}

static void test_samples(void)
{
	static const struct {
		const char *file;
		const char *codec, *bitrate, *rate, *channels, *duration, *tags;
	} s[] = {
		{ "mp3/cbr_id3v2_id3v1.mp3", "MPEG-1 Layer III", "48", "32000",
		  "2", "1.548", "id3v2 id3v1" },
		{ "mp3/vbr_xing.mp3", "MPEG-1 Layer III", "vbr", "32000", "2",
		  "1.548", NULL },
		{ "mp3/cbr_bare.mp3", "MPEG-1 Layer III", "32", "44100", "2",
		  "1.541", NULL },
		{ "mp3/mpeg2_ffmpeg.mp3", "MPEG-2 Layer III", "24", "22050", "1",
		  "1.071", "id3v2" },
		{ "mp3/mpeg25_id3v1.mp3", "MPEG-2.5 Layer III", "8", "8000", "1",
		  "1.152", "id3v1" },
	};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		size_t len;
		uint8_t *file = tu_load_data(s[i].file, &len);
		struct carve_result res;

		mu_check_embedded(F, s[i].file, file, len, "mp3", 200 + i, &res);
		mu_meta_is(&res, "codec", s[i].codec, s[i].file);
		mu_meta_is(&res, "bitrate", s[i].bitrate, s[i].file);
		mu_meta_is(&res, "sample_rate", s[i].rate, s[i].file);
		mu_meta_is(&res, "channels", s[i].channels, s[i].file);
		mu_meta_is(&res, "duration", s[i].duration, s[i].file);
		is_str(tu_meta(&res, "tags"), s[i].tags, "%s: tags", s[i].file);
		free(file);
	}
}

/*
 * Cuts: inside a frame the chain ends in a partial frame (truncated);
 * with a Xing byte count any cut is short of it; inside a tag the tag is
 * partial.  A cut exactly between two frames of a stream that has
 * neither a Xing count nor a trailing tag looks like a whole stream, so
 * those cuts are not made here.
 */
static void test_cuts(void)
{
	size_t len;
	uint8_t *f;

	f = tu_load_data("mp3/vbr_xing.mp3", &len);
	size_t c1[] = { 3, 100, 576, 577 + 300, frame_at(f, 0, 10),
	                frame_at(f, 0, 30), len / 2, len - 1 };
	ok(mu_check_cuts(F, "vbr_xing", f, c1, 8) == 5,
	   "vbr_xing: cuts past the second frame are truncated");
	struct carve_result res;
	tu_validate(F, f, frame_at(f, 0, 30), 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == frame_at(f, 0, 30),
	   "vbr cut between frames: truncated at the cut (Xing count)");
	is_str(res.reason, "stream shorter than its Xing header says", "reason");
	free(f);

	f = tu_load_data("mp3/cbr_id3v2_id3v1.mp3", &len);
	size_t c2[] = { 5, 12, 200, 260, 251 + 216 * 3 + 7, len / 2,
	                len - 128 + 3, len - 1 };
	mu_check_cuts(F, "cbr_id3v2_id3v1", f, c2, 8);
	tu_validate(F, f, len - 60, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len - 60,
	   "cut inside ID3v1: truncated");
	is_str(res.reason, "data ends inside a tag", "reason");
	tu_validate(F, f, len - 128, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len - 128,
	   "cut exactly before ID3v1: the audio is whole (Info count)");
	free(f);

	f = tu_load_data("mp3/cbr_bare.mp3", &len);
	size_t c3[] = { 50, frame_at(f, 0, 5) + 1, frame_at(f, 0, 20) + 50,
	                frame_at(f, 0, 40) + 2, len - 1 };
	ok(mu_check_cuts(F, "cbr_bare", f, c3, 5) == 3,
	   "cbr_bare: cuts inside frames after 8 frames are truncated");
	tu_validate(F, f, frame_at(f, 0, 20) + 50, 0, &res);
	is_str(res.reason, "data ends inside a frame", "reason");
	free(f);

	f = tu_load_data("mp3/mpeg25_id3v1.mp3", &len);
	size_t c4[] = { 72 * 3 + 5, 72 * 10 + 1, 1200, len - 1 };
	ok(mu_check_cuts(F, "mpeg25", f, c4, 4) == 3,
	   "mpeg25: cuts after 8 frames are truncated");
	free(f);
}

static void test_broken_chain(void)
{
	size_t len, total;
	struct carve_result res;
	uint8_t *f = tu_load_data("mp3/vbr_xing.mp3", &len);
	size_t at20 = frame_at(f, 0, 20), at5 = frame_at(f, 0, 5);
	uint8_t *buf = mu_embed(f, len, 31, &total);

	buf[MU_LEAD + at20 + 1] = 0x12;   /* no sync */
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == at20,
	   "VBR chain broken after 20 frames: truncated there");
	is_str(res.reason, "stream shorter than its Xing header says", "reason");
	buf[MU_LEAD + at20 + 1] = f[at20 + 1];
	/* A frame of another sample rate in the middle. */
	buf[MU_LEAD + at20 + 2] ^= 0x04;
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == at20,
	   "a frame of another sample rate ends the chain");
	free(buf);
	free(f);

	f = tu_load_data("mp3/cbr_bare.mp3", &len);
	at20 = frame_at(f, 0, 20);
	at5 = frame_at(f, 0, 5);
	buf = mu_embed(f, len, 32, &total);
	memset(buf + MU_LEAD + at20, 0x00, 4);
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == at20,
	   "bare chain broken after 20 frames: the 20 frames, nothing more");
	memset(buf + MU_LEAD + at5, 0x00, 4);
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_REJECT, "bare chain broken after 5 frames");
	is_str(res.reason, "too few frames", "reason");
	free(buf);
	free(f);
}

static void test_layer2_and_tags(void)
{
	size_t len, l2;
	struct carve_result res;
	uint8_t *mp2 = tu_load_data("mp3/layer2.mp2", &l2);
	static const uint8_t id3[] = {
		'I', 'D', '3', 3, 0, 0, 0, 0, 0, 20,
		'T', 'I', 'T', '2', 0, 0, 0, 3, 0, 0, 0, 'h', 'i',
		0, 0, 0, 0, 0, 0, 0,   /* padding */
	};
	uint8_t *f = cat2(id3, sizeof(id3), mp2, l2);

	mu_check_embedded(F, "id3v2 + layer II", f, sizeof(id3) + l2, "mp2",
	                  41, &res);
	mu_meta_is(&res, "codec", "MPEG-2 Layer II", "layer II");
	mu_meta_is(&res, "bitrate", "32", "layer II");
	free(f);

	/* ID3v2 with the footer flag (v2.4): the tag is 10 bytes longer. */
	uint8_t id3f[40] = { 'I', 'D', '3', 4, 0, 0x10, 0, 0, 0, 10 };
	memcpy(id3f + 20, "3DI\x04\x00\x10\x00\x00\x00\x0a", 10);
	f = cat2(id3f, 30, mp2, l2);
	mu_check_embedded(F, "id3v2.4 with footer", f, 30 + l2, "mp2", 42,
	                  &res);
	free(f);
	free(mp2);

	/* cbr_bare with an APEv2 tag (header, one item, footer) and ID3v1. */
	uint8_t *bare = tu_load_data("mp3/cbr_bare.mp3", &len);
	uint8_t ape[32 + 16 + 32], v1[128];
	size_t items = 16;
	memset(ape, 0, sizeof(ape));
	memcpy(ape, "APETAGEX", 8);
	mem_put_le32(ape + 8, 2000);
	mem_put_le32(ape + 12, (uint32_t)(items + 32));
	mem_put_le32(ape + 16, 1);
	mem_put_le32(ape + 20, 0xa0000000u);   /* has header, is header */
	mem_put_le32(ape + 32, 2);
	memcpy(ape + 40, "Year\0" "24", 7);
	memcpy(ape + 48, ape, 32);
	mem_put_le32(ape + 48 + 20, 0x80000000u);
	memset(v1, 0, sizeof(v1));
	memcpy(v1, "TAGtitle", 8);
	uint8_t *t1 = cat2(bare, len, ape, sizeof(ape));
	f = cat2(t1, len + sizeof(ape), v1, sizeof(v1));
	size_t flen = len + sizeof(ape) + sizeof(v1);
	mu_check_embedded(F, "bare + APEv2 + ID3v1", f, flen, "mp3", 43, &res);
	mu_meta_is(&res, "tags", "ape id3v1", "APE");
	tu_validate(F, f, len + 40, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len + 40,
	   "cut inside the APE tag: truncated");
	free(t1);
	free(f);

	/* Two frames and an ID3v1 tag are enough. */
	f = cat2(bare, frame_at(bare, 0, 2), v1, sizeof(v1));
	flen = frame_at(bare, 0, 2) + sizeof(v1);
	mu_check_embedded(F, "two frames + ID3v1", f, flen, "mp3", 44, &res);
	free(f);
	/* Two frames alone are not. */
	uint8_t *buf = malloc(frame_at(bare, 0, 2) + 1000);
	tu_random(buf, frame_at(bare, 0, 2) + 1000, 45);
	memcpy(buf, bare, frame_at(bare, 0, 2));
	tu_validate(F, buf, frame_at(bare, 0, 2) + 1000, 0, &res);
	ok(res.verdict == CARVE_REJECT, "two bare frames: rejected");
	free(buf);
	free(bare);
}

static void test_hostile(void)
{
	struct carve_result res;
	uint8_t buf[16384];
	unsigned accepted = 0;
	static const uint8_t syncs[][4] = {
		{ 0xff, 0xfb, 0x90, 0x44 }, { 0xff, 0xfa, 0x50, 0x00 },
		{ 0xff, 0xf3, 0x48, 0xc4 }, { 0xff, 0xe3, 0x18, 0xc4 },
		{ 0xff, 0xf2, 0x80, 0x00 },
	};

	for (unsigned i = 0; i < 500; i++) {
		tu_random(buf, sizeof(buf), 1000 + i);
		memcpy(buf, syncs[i % 5], 4);
		if (tu_validate(F, buf, sizeof(buf), 0, &res) != CARVE_REJECT)
			accepted++;
	}
	is_u64(accepted, 0, "frame sync on random data: 500 rejections");

	/* Random bytes at many sync positions inside random data. */
	accepted = 0;
	tu_random(buf, sizeof(buf), 77);
	for (size_t off = 0; off + 4 < sizeof(buf); off += 97) {
		buf[off] = 0xff;
		buf[off + 1] = 0xfb;
		if (tu_validate(F, buf, sizeof(buf), off, &res) != CARVE_REJECT)
			accepted++;
	}
	is_u64(accepted, 0, "sync bytes sprinkled in random data: rejected");

	/* Free-format bitrate. */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "\xff\xfb\x00\x44", 4);
	tu_validate(F, buf, sizeof(buf), 0, &res);
	ok(res.verdict == CARVE_REJECT, "free-format bitrate: rejected");
	is_str(res.reason, "free-format bitrate", "reason");

	/* ID3v2 size at its synchsafe maximum (256 MiB) on a small medium. */
	memcpy(buf, "ID3\x03\x00\x00\x7f\x7f\x7f\x7f", 10);
	tu_validate(F, buf, sizeof(buf), 0, &res);
	ok(res.verdict == CARVE_REJECT, "ID3v2 size past the end: rejected");
	is_str(res.reason, "data ends inside the ID3v2 tag", "reason");
	memcpy(buf, "ID3\x03\x00\x00\xff\xff\xff\xff", 10);
	tu_validate(F, buf, sizeof(buf), 0, &res);
	ok(res.verdict == CARVE_REJECT, "ID3v2 size not synchsafe: rejected");
	is_str(res.reason, "bad ID3v2 header", "reason");
	/* A small tag followed by 16 KiB of zeros and nothing else. */
	memcpy(buf, "ID3\x03\x00\x00\x00\x00\x00\x10", 10);
	tu_validate(F, buf, sizeof(buf), 0, &res);
	ok(res.verdict == CARVE_REJECT, "ID3v2 then only zeros: rejected");

	/* 100,000 of the smallest frames (MPEG-2.5, 8 kbit/s, 72 bytes). */
	size_t n = 100000, flen = 72;
	uint8_t *big = calloc(n, flen);
	if (big == NULL)
		tap_bail("out of memory");
	for (size_t i = 0; i < n; i++)
		memcpy(big + i * flen, "\xff\xe3\x18\xc4", 4);
	double t0 = mu_now();
	tu_validate(F, big, n * flen, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == n * flen,
	   "100,000 tiny silent frames: accepted whole");
	printf("# ... in %.3f s\n", mu_now() - t0);
	free(big);
}

static void test_back_to_back(void)
{
	static const char *const pairs[][2] = {
		{ "mp3/cbr_id3v2_id3v1.mp3", "mp3/vbr_xing.mp3" },
		{ "mp3/vbr_xing.mp3", "mp3/cbr_bare.mp3" },
		{ "mp3/cbr_bare.mp3", "mp3/mpeg2_ffmpeg.mp3" },
		{ "mp3/mpeg2_ffmpeg.mp3", "mp3/vbr_xing.mp3" },
		{ "mp3/cbr_bare.mp3", "mp3/vbr_xing.mp3" },
		{ "mp3/vbr_xing.mp3", "mp3/vbr_xing.mp3" },
		{ "mp3/mpeg25_id3v1.mp3", "mp3/mpeg25_id3v1.mp3" },
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		mu_back_to_back(F, pairs[i][0], pairs[i][1]);
}

int main(void)
{
	test_samples();
	test_cuts();
	test_broken_chain();
	test_layer2_and_tags();
	test_hostile();
	test_back_to_back();
	return tap_done();
}

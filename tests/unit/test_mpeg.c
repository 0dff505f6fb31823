/*
 * test_mpeg.c - the MPEG program stream validator on real streams from
 * mplex (with the end code) and ffmpeg (without one), see
 * tests/data/mpeg/make.sh; on cut and damaged copies and hostile chains.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "media_util.h"

extern const struct format format_mpeg;
static const struct format *F = &format_mpeg;

static void test_samples(void)
{
	static const struct {
		const char *file, *version, *width, *height;
	} s[] = {
		{ "mpeg/mpeg1.mpg", "mpeg1", "64", "48" },
		{ "mpeg/mpeg2.mpg", "mpeg2", "96", "64" },
	};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		size_t len;
		uint8_t *file = tu_load_data(s[i].file, &len);
		struct carve_result res;

		mu_check_embedded(F, s[i].file, file, len, "mpg", 400 + i, &res);
		mu_meta_is(&res, "version", s[i].version, s[i].file);
		mu_meta_is(&res, "packs", "4", s[i].file);
		mu_meta_is(&res, "width", s[i].width, s[i].file);
		mu_meta_is(&res, "height", s[i].height, s[i].file);

		/* Packs are 2048 bytes: cuts from the second pack on are
		 * truncated, earlier ones rejected. */
		size_t cuts[] = { 3, 13, 1000, 2048, 2070, 3000, 4096, 6150,
		                  len - 4, len - 1 };
		unsigned t = mu_check_cuts(F, s[i].file, file, cuts, 10);
		is_u64(t, 6, "%s: cuts past the second pack are truncated",
		       s[i].file);
		tu_validate(F, file, 3000, 0, &res);
		ok(res.verdict == CARVE_TRUNCATED && res.length == 3000,
		   "%s cut inside a packet: truncated at the cut", s[i].file);
		is_str(res.reason, "data ends inside a packet", "reason");
		free(file);
	}
}

static void test_no_end_code(void)
{
	size_t len;
	uint8_t *file = tu_load_data("mpeg/ffmpeg_noend.vob", &len);
	struct carve_result res;
	size_t total;
	uint8_t *buf = mu_embed(file, len, 61, &total);

	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len,
	   "ffmpeg stream without end code, then filler: truncated, whole");
	is_str(res.reason, "garbage where a packet should be", "reason");
	mu_meta_is(&res, "version", "mpeg2", "ffmpeg vob");
	mu_meta_is(&res, "packs", "3", "ffmpeg vob");
	mu_meta_is(&res, "width", "64", "ffmpeg vob");
	tu_validate(F, file, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len,
	   "... at the end of the medium: truncated, whole");
	is_str(res.reason, "data ends before the end code", "reason");
	free(buf);
	free(file);
}

static void test_damage(void)
{
	size_t len, total;
	struct carve_result res;
	uint8_t *file = tu_load_data("mpeg/mpeg1.mpg", &len);
	uint8_t *buf = mu_embed(file, len, 62, &total);
	uint8_t *f = buf + MU_LEAD;

	/* The audio PES at 4108 one byte longer: the chain lands off. */
	ok(f[4108 + 3] == 0xc0, "audio PES at 4108");
	f[4108 + 5]++;
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == 4562 + 1,
	   "PES length off by one: truncated where the chain lands");
	is_str(res.reason, "garbage where a packet should be", "reason");
	f[4108 + 5]--;
	/* Same damage in the first pack: too little to believe. */
	f[30 + 5]++;
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_REJECT, "broken in the first pack: rejected");
	f[30 + 5]--;
	/* A marker bit of the third pack header cleared. */
	f[4096 + 6] &= 0xfe;
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == 4096,
	   "bad marker bit in a pack header: truncated at it");
	is_str(res.reason, "bad pack header", "reason");
	f[4096 + 6] |= 0x01;
	/* An MPEG-2 pack header in an MPEG-1 stream. */
	memcpy(f + 6144, "\x00\x00\x01\xba\x44\x00\x04\x00\x04\x01\x01\x89\xc3"
	       "\xf8", 14);
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == 6144,
	   "pack of the other MPEG version: truncated at it");
	free(buf);
	free(file);
}

static void test_hostile(void)
{
	struct carve_result res;
	uint8_t buf[8192];
	unsigned bad = 0;
	double t0 = mu_now();

	for (unsigned i = 0; i < 400; i++) {
		tu_random(buf, sizeof(buf), 700 + i);
		memcpy(buf, "\x00\x00\x01\xba", 4);
		if (i & 1)   /* valid MPEG-2 markers too */
			memcpy(buf + 4, "\x44\x00\x04\x00\x04\x01\x01\x89\xc3\xf8",
			       10);
		if (tu_validate(F, buf, sizeof(buf), 0, &res) != CARVE_REJECT)
			bad++;
	}
	is_u64(bad, 0, "pack start code and random bytes: 400 rejections");

	/* One pack, then a PES claiming 65535 bytes on a short medium. */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "\x00\x00\x01\xba\x21\x00\x01\x00\x01\x80\x01\x01"
	       "\x00\x00\x01\xe0\xff\xff", 18);
	tu_validate(F, buf, 4000, 0, &res);
	ok(res.verdict == CARVE_REJECT, "PES length past the end: rejected");

	/* 100,000 empty padding packets in one pack: a valid stream. */
	size_t n = 100000, len = 0;
	uint8_t *big = malloc(12 + n * 6 + 4 + 12 * n);
	if (big == NULL)
		tap_bail("out of memory");
	memcpy(big, buf, 12);
	len = 12;
	for (size_t i = 0; i < n; i++, len += 6)
		memcpy(big + len, "\x00\x00\x01\xbe\x00\x00", 6);
	memcpy(big + len, "\x00\x00\x01\xb9", 4);
	len += 4;
	tu_validate(F, big, len, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len,
	   "100,000 empty packets: accepted whole");
	/* 100,000 pack headers and nothing in them. */
	len = 0;
	for (size_t i = 0; i < n; i++, len += 12)
		memcpy(big + len, buf, 12);
	memcpy(big + len, "\x00\x00\x01\xb9", 4);
	len += 4;
	tu_validate(F, big, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "100,000 empty packs: rejected");
	is_str(res.reason, "no packets before the end code", "reason");
	free(big);
	printf("# hostile inputs took %.3f s\n", mu_now() - t0);
}

static void test_back_to_back(void)
{
	static const char *const pairs[][2] = {
		{ "mpeg/mpeg1.mpg", "mpeg/mpeg2.mpg" },
		{ "mpeg/mpeg2.mpg", "mpeg/mpeg2.mpg" },
		{ "mpeg/mpeg1.mpg", "mpeg/ffmpeg_noend.vob" },
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		mu_back_to_back(F, pairs[i][0], pairs[i][1]);

	/* Without an end code the MPEG-2 stream runs into the next file
	 * unless that one is MPEG-1: the version change stops it. */
	size_t l1, l2;
	uint8_t *a = tu_load_data("mpeg/ffmpeg_noend.vob", &l1);
	uint8_t *b = tu_load_data("mpeg/mpeg1.mpg", &l2);
	uint8_t *o = malloc(l1 + l2);
	struct carve_result res;
	memcpy(o, a, l1);
	memcpy(o + l1, b, l2);
	tu_validate(F, o, l1 + l2, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == l1,
	   "ffmpeg stream then an MPEG-1 one: the first, truncated");
	free(o);
	free(a);
	free(b);
}

int main(void)
{
	test_samples();
	test_no_end_code();
	test_damage();
	test_hostile();
	test_back_to_back();
	return tap_done();
}

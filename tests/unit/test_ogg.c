/*
 * test_ogg.c - the Ogg validator on real files from oggenc, opusenc and
 * ffmpeg (tests/data/ogg, see make.sh there): Vorbis, Opus, FLAC, and
 * Theora multiplexed with Vorbis; on cut copies, bad CRCs, sequence
 * gaps, lost EOS flags, and hostile page runs built here.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "media_util.h"

extern const struct format format_ogg;
static const struct format *F = &format_ogg;

/* Ogg CRC-32, bit by bit (independent of the validator's table). */
static uint32_t crc_ogg(const uint8_t *p, size_t n)
{
	uint32_t c = 0;

	for (size_t i = 0; i < n; i++) {
		c ^= (uint32_t)p[i] << 24;
		for (int b = 0; b < 8; b++)
			c = c & 0x80000000u ? (c << 1) ^ 0x04c11db7u : c << 1;
	}
	return c;
}

static size_t page_len(const uint8_t *p)
{
	size_t n = 27 + p[26];
	for (unsigned i = 0; i < p[26]; i++)
		n += p[27 + i];
	return n;
}

/* Recomputes the CRC of the page at p. */
static void page_fix(uint8_t *p)
{
	mem_put_le32(p + 22, 0);
	mem_put_le32(p + 22, crc_ogg(p, page_len(p)));
}

/* Offset of page n of a file. */
static size_t page_at(const uint8_t *f, unsigned n)
{
	size_t off = 0;
	for (unsigned i = 0; i < n; i++)
		off += page_len(f + off);
	return off;
}

/* Writes a page with one packet of len bytes (len < 255) into out;
 * returns its size. */
static size_t make_page(uint8_t *out, uint8_t flags, uint32_t serial,
                        uint32_t seq, uint64_t granule, const void *data,
                        uint8_t len)
{
	memcpy(out, "OggS", 4);
	out[4] = 0;
	out[5] = flags;
	mem_put_le32(out + 6, (uint32_t)granule);
	mem_put_le32(out + 10, (uint32_t)(granule >> 32));
	mem_put_le32(out + 14, serial);
	mem_put_le32(out + 18, seq);
	out[26] = len ? 1 : 0;
	out[27] = len;
	if (len > 0)
		memcpy(out + 27 + out[26], data, len);
	page_fix(out);
	return page_len(out);
}

static void test_samples(void)
{
	static const struct {
		const char *file, *ext;
		const char *codec, *channels, *rate, *duration;
	} s[] = {
		{ "ogg/vorbis.ogg", "ogg", "vorbis", "1", "22050", "1.000" },
		{ "ogg/opus.opus", "opus", "opus", "2", "48000", "0.500" },
		{ "ogg/flac.oga", "oga", "flac", "1", "22050", "0.300" },
		{ "ogg/theora_vorbis.ogv", "ogv", "vorbis", "1", "22050",
		  "1.000" },
	};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		size_t len;
		uint8_t *file = tu_load_data(s[i].file, &len);
		struct carve_result res;

		mu_check_embedded(F, s[i].file, file, len, s[i].ext, 300 + i,
		                  &res);
		mu_meta_is(&res, "codec", s[i].codec, s[i].file);
		mu_meta_is(&res, "channels", s[i].channels, s[i].file);
		mu_meta_is(&res, "sample_rate", s[i].rate, s[i].file);
		mu_meta_is(&res, "duration", s[i].duration, s[i].file);
		if (strcmp(s[i].ext, "ogv") == 0) {
			mu_meta_is(&res, "video", "theora", s[i].file);
			mu_meta_is(&res, "width", "64", s[i].file);
			mu_meta_is(&res, "height", "48", s[i].file);
			mu_meta_is(&res, "streams", "2", s[i].file);
		}

		size_t p1 = page_at(file, 1);
		size_t cuts[] = { 4, 27, p1 - 1, p1, p1 + 30, len / 2, len - 1 };
		unsigned t = mu_check_cuts(F, s[i].file, file, cuts, 7);
		ok(t == 4, "%s: every cut after the first page is truncated "
		   "(%u)", s[i].file, t);
		struct carve_result r2;
		tu_validate(F, file, p1 + 30, 0, &r2);
		ok(r2.verdict == CARVE_TRUNCATED && r2.length == p1 + 30,
		   "%s: cut in the second page: truncated at the cut",
		   s[i].file);
		free(file);
	}
}

static void test_damage(void)
{
	size_t len, total;
	struct carve_result res;
	uint8_t *f = tu_load_data("ogg/vorbis.ogg", &len);
	size_t p2 = page_at(f, 2);
	uint8_t *buf = mu_embed(f, len, 51, &total);

	buf[MU_LEAD + p2 + 100] ^= 0x10;
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == p2,
	   "bad CRC on page 2: truncated there");
	is_str(res.reason, "bad page CRC", "reason");
	buf[MU_LEAD + p2 + 100] ^= 0x10;
	buf[MU_LEAD + 40] ^= 0x01;
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_REJECT, "bad CRC on the first page: rejected");
	is_str(res.reason, "bad page CRC", "reason");
	buf[MU_LEAD + 40] ^= 0x01;
	buf[MU_LEAD + 22] ^= 0x80;   /* the CRC field itself */
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_REJECT, "bad CRC field: rejected");
	buf[MU_LEAD + 22] ^= 0x80;

	/* Page sequence 2 -> 3: a lost page. */
	mem_put_le32(buf + MU_LEAD + p2 + 18, 3);
	page_fix(buf + MU_LEAD + p2);
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == p2,
	   "sequence gap: truncated at the page");
	is_str(res.reason, "page sequence gap", "reason");
	/* Another serial. */
	mem_put_le32(buf + MU_LEAD + p2 + 18, 2);
	mem_put_le32(buf + MU_LEAD + p2 + 14, 99);
	page_fix(buf + MU_LEAD + p2);
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == p2,
	   "page of an unknown serial: truncated at the page");
	is_str(res.reason, "page of an unknown stream", "reason");
	/* No EOS on the last page: the filler after it is not a page. */
	memcpy(buf + MU_LEAD, f, len);
	buf[MU_LEAD + p2 + 5] = 0;
	page_fix(buf + MU_LEAD + p2);
	tu_validate(F, buf, total, MU_LEAD, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len,
	   "last page without EOS: truncated after it");
	is_str(res.reason, "garbage where a page should be", "reason");
	tu_validate(F, buf + MU_LEAD, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len,
	   "last page without EOS at the end of the medium: truncated");
	is_str(res.reason, "data ends before every stream ended", "reason");
	free(buf);

	/* Without EOS and followed by another file's BOS page. */
	size_t l2;
	uint8_t *g = tu_load_data("ogg/opus.opus", &l2);
	buf = malloc(len + l2);
	memcpy(buf, f, len);
	buf[p2 + 5] = 0;
	page_fix(buf + p2);
	memcpy(buf + len, g, l2);
	tu_validate(F, buf, len + l2, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len,
	   "unended stream then a new BOS page: truncated before it");
	is_str(res.reason, "stream start in mid-file", "reason");
	free(buf);
	free(g);

	/* The first page must be a BOS page. */
	buf = malloc(len);
	memcpy(buf, f, len);
	buf[5] = 0;
	page_fix(buf);
	tu_validate(F, buf, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "first page without BOS: rejected");
	free(buf);
	free(f);
}

static void test_hostile(void)
{
	struct carve_result res;
	uint8_t page[65536 + 512];
	double t0 = mu_now();

	/* The largest page, with a bad CRC. */
	memset(page, 0, sizeof(page));
	memcpy(page, "OggS\0\x02", 6);
	page[26] = 255;
	memset(page + 27, 255, 255);
	tu_validate(F, page, 27 + 255 + 255 * 255, 0, &res);
	ok(res.verdict == CARVE_REJECT, "largest page with a bad CRC: rejected");
	is_str(res.reason, "bad page CRC", "reason");
	/* ... whose segment table points past the end. */
	tu_validate(F, page, 27 + 255 + 1000, 0, &res);
	ok(res.verdict == CARVE_REJECT, "segment table past the end: rejected");

	/* Random data after the signature. */
	unsigned bad = 0;
	for (unsigned i = 0; i < 300; i++) {
		tu_random(page, 4096, 500 + i);
		memcpy(page, "OggS\0\x02", 6);
		if (tu_validate(F, page, 4096, 0, &res) != CARVE_REJECT)
			bad++;
	}
	is_u64(bad, 0, "signature and random bytes: 300 rejections");

	/* 100,000 empty pages between a BOS and an EOS page: all valid. */
	size_t n = 100002, cap = n * 28 + 64, len = 0;
	uint8_t *big = malloc(cap);
	if (big == NULL)
		tap_bail("out of memory");
	len += make_page(big, 2, 7, 0, 0, "\x01vorbis", 7);
	for (uint32_t i = 1; i + 1 < n; i++)
		len += make_page(big + len, 0, 7, i, UINT64_MAX, NULL, 0);
	len += make_page(big + len, 4, 7, (uint32_t)n - 1, 0, "x", 1);
	tu_validate(F, big, len, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len,
	   "100,000 tiny pages: accepted whole");

	/* 33 logical streams. */
	len = 0;
	for (uint32_t i = 0; i < 33; i++)
		len += make_page(big + len, 2, 100 + i, 0, 0, "\x01vorbis", 7);
	tu_validate(F, big, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "33 streams: rejected");
	is_str(res.reason, "too many logical streams", "reason");
	/* A BOS page repeated: the same serial twice. */
	len = make_page(big, 2, 5, 0, 0, "\x01vorbis", 7);
	len += make_page(big + len, 2, 5, 0, 0, "\x01vorbis", 7);
	tu_validate(F, big, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len / 2,
	   "serial started twice: truncated at the second start");
	free(big);
	printf("# hostile inputs took %.3f s\n", mu_now() - t0);
}

static void test_back_to_back(void)
{
	static const char *const pairs[][2] = {
		{ "ogg/vorbis.ogg", "ogg/opus.opus" },
		{ "ogg/opus.opus", "ogg/opus.opus" },
		{ "ogg/theora_vorbis.ogv", "ogg/vorbis.ogg" },
		{ "ogg/flac.oga", "ogg/theora_vorbis.ogv" },
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		mu_back_to_back(F, pairs[i][0], pairs[i][1]);
}

int main(void)
{
	test_samples();
	test_damage();
	test_hostile();
	test_back_to_back();
	return tap_done();
}

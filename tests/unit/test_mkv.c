/*
 * test_mkv.c - the Matroska / WebM validator on files from ffmpeg
 * (tests/data/mkv, see make.sh there): a seekable Matroska file, a WebM,
 * a live recording whose Segment has no size and one whose Clusters have
 * none either; on cut copies, flipped bits under a CRC-32, hostile sizes,
 * deep nesting and element floods built here.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "media_util.h"

extern const struct format format_mkv;
static const struct format *F = &format_mkv;

static void check_sample(const char *file, const char *ext,
                         const char *doctype, uint64_t seed,
                         struct carve_result *res)
{
	char name[256];
	size_t len;

	snprintf(name, sizeof(name), "mkv/%s", file);
	uint8_t *data = tu_load_data(name, &len);
	mu_check_embedded(F, file, data, len, ext, seed, res);
	mu_meta_is(res, "doctype", doctype, file);
	mu_meta_is(res, "width", "64", file);
	mu_meta_is(res, "height", "48", file);
	unsigned t = ic_cuts(F, file, data, len);
	ok(t > 0, "%s: cuts come back truncated", file);
	free(data);
}

/* Offset of the n-th occurrence of the 4-byte ID in buf, or 0. */
static size_t find_id(const uint8_t *buf, size_t len, const char *id,
                      unsigned n)
{
	for (size_t i = 0; i + 4 <= len; i++)
		if (memcmp(buf + i, id, 4) == 0 && n-- == 0)
			return i;
	return 0;
}

/* Writes an EBML header with the given DocType; returns its length. */
static size_t put_header(uint8_t *p, const char *doctype)
{
	size_t dl = strlen(doctype), n = 0;

	memcpy(p, "\x1a\x45\xdf\xa3", 4);
	p[4] = (uint8_t)(0x80 | (4 + 4 + 3 + dl));
	n = 5;
	memcpy(p + n, "\x42\xf7\x81\x01", 4);      /* EBMLReadVersion 1 */
	n += 4;
	memcpy(p + n, "\x42\x87\x81\x04", 4);      /* DocTypeVersion 4 */
	n += 4;
	memcpy(p + n, "\x42\x82", 2);
	p[n + 2] = (uint8_t)(0x80 | dl);
	memcpy(p + n + 3, doctype, dl);
	return n + 3 + dl;
}

int main(void)
{
	struct carve_result res;
	size_t len;

	check_sample("h264_opus.mkv", "mkv", "matroska", 1, &res);
	mu_meta_is(&res, "codecs", "V_MPEG4/ISO/AVC,A_OPUS", "h264_opus.mkv");
	mu_meta_is(&res, "duration", "0.527", "h264_opus.mkv");
	check_sample("vp9.webm", "webm", "webm", 2, &res);
	mu_meta_is(&res, "codecs", "V_VP9,A_OPUS", "vp9.webm");
	check_sample("live.mkv", "mkv", "matroska", 3, &res);
	check_sample("live_unknown.mkv", "mkv", "matroska", 4, &res);

	uint8_t *mkv = tu_load_data("mkv/h264_opus.mkv", &len);
	uint8_t *buf = malloc(len + 65536);

	/* A flipped bit inside the second Cluster: its CRC-32 fails and
	 * the file is good up to that Cluster. */
	size_t cl2 = find_id(mkv, len, "\x1f\x43\xb6\x75", 1);
	ok(cl2 > 0, "second Cluster found");
	memcpy(buf, mkv, len);
	buf[cl2 + 40] ^= 0x08;
	is_u64(tu_validate(F, buf, len, 0, &res), CARVE_TRUNCATED,
	       "flipped bit in a Cluster: truncated");
	is_u64(res.length, cl2, "flipped bit: cut at that Cluster");
	is_str(res.reason, "CRC-32 mismatch", "flipped bit: reason");

	/* Random bytes over the second Cluster's header: damage. */
	memcpy(buf, mkv, len);
	tu_random(buf + cl2, 16, 7);
	buf[cl2] = 0;
	is_u64(tu_validate(F, buf, len, 0, &res), CARVE_TRUNCATED,
	       "overwritten Cluster header: truncated");
	is_u64(res.length, cl2, "overwritten Cluster header: cut there");

	/* A Segment size of 2^56 - 2: the data run out first. */
	size_t seg = find_id(mkv, len, "\x18\x53\x80\x67", 0);
	memcpy(buf, mkv, len);
	memcpy(buf + seg + 4, "\x01\xff\xff\xff\xff\xff\xff\xfe", 8);
	is_u64(tu_validate(F, buf, len, 0, &res), CARVE_TRUNCATED,
	       "huge Segment size: truncated");
	is_u64(res.length, len, "huge Segment size: what is there");

	/* A Cluster claiming more than the Segment holds. */
	memcpy(buf, mkv, len);
	memcpy(buf + cl2 + 4, "\x08\x00\x00\x00\x7f", 5);
	is_u64(tu_validate(F, buf, len, 0, &res), CARVE_TRUNCATED,
	       "Cluster past the Segment: truncated");
	ok(res.length <= cl2 + 5, "Cluster past the Segment: cut at it");

	/* Tracks with the unknown-size marker: only Clusters may have it. */
	size_t trk = find_id(mkv, len, "\x16\x54\xae\x6b", 0);
	memcpy(buf, mkv, len);
	buf[trk + 4] = 0xff;
	ok(tu_validate(F, buf, len, 0, &res) != CARVE_ACCEPT,
	   "Tracks of unknown size: not accepted");

	/* Another DocType, and no EBML header at all. */
	size_t n = put_header(buf, "mkvfake");
	memcpy(buf + n, mkv + seg, len - seg);
	is_u64(tu_validate(F, buf, n + len - seg, 0, &res), CARVE_REJECT,
	       "DocType mkvfake: rejected");
	memcpy(buf, mkv, len);
	buf[1] = 0x46;
	is_u64(tu_validate(F, buf, len, 0, &res), CARVE_REJECT,
	       "no EBML magic: rejected");
	/* The EBML header and random bytes. */
	memcpy(buf, mkv, seg);
	tu_random(buf + seg, 8192, 11);
	is_u64(tu_validate(F, buf, seg + 8192, 0, &res), CARVE_REJECT,
	       "header and junk: rejected");
	free(buf);

	/* Tracks nested 20,000 TrackEntry deep: read to a fixed depth, no
	 * recursion past it, never accepted without a Cluster. */
	{
		size_t depth = 20000, cap = 64 + depth * 6 + 64;
		uint8_t *p = malloc(cap);
		n = put_header(p, "matroska");
		memcpy(p + n, "\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff", 12);
		n += 12;
		memcpy(p + n, "\x16\x54\xae\x6b", 4);
		mem_put_be32(p + n + 4, 0x10000000u | (uint32_t)(depth * 5));
		n += 8;
		for (size_t i = 0; i < depth; i++) {
			size_t inner = (depth - 1 - i) * 5;
			p[n] = 0xae;   /* ID, then a 4-byte size */
			mem_put_be32(p + n + 1, 0x10000000u | (uint32_t)inner);
			n += 5;
		}
		tu_random(p + n, 64, 3);
		ok(tu_validate(F, p, n + 64, 0, &res) != CARVE_ACCEPT,
		   "20,000 nested TrackEntry: not accepted, no crash");
		free(p);
	}
	/* 300,000 one-byte Void elements before the first Cluster of a live
	 * recording: walked, accepted whole. */
	{
		uint8_t *live = tu_load_data("mkv/live.mkv", &len);
		size_t cl = find_id(live, len, "\x1f\x43\xb6\x75", 0);
		size_t voids = 300000, total = len + voids * 2;
		uint8_t *p = malloc(total + 64);
		memcpy(p, live, cl);
		for (size_t i = 0; i < voids; i++)
			memcpy(p + cl + 2 * i, "\xec\x80", 2);
		memcpy(p + cl + voids * 2, live + cl, len - cl);
		tu_random(p + total, 64, 5);
		is_u64(tu_validate(F, p, total + 64, 0, &res), CARVE_ACCEPT,
		       "300k Void elements: accepted");
		is_u64(res.length, total, "300k Void elements: exact length");
		free(p);
		free(live);
	}
	free(mkv);
	return tap_done();
}

/*
 * test_mp4_repair.c - rebuilding the index of clips cut off before their
 * movie box, and the repair's parsing of hostile clips and references.
 *
 * The sample clips of tests/data/mp4 (H.264 and H.265, moov after the
 * media data) are cut where their moov starts, as a recorder that lost
 * power leaves them; the repair with the whole clip as the reference must
 * index as many frames as the clip had and give a file the MP4 validator
 * accepts whole.  Then mutated and truncated clips and references, from
 * a seed, must get a verdict (0 or -EINVAL) and nothing else, under the
 * sanitizers without a complaint.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "fmt_util.h"
#include "common/mem.h"
#include "reassemble/mp4_repair.h"

/* Where the top-level box of type t starts, or 0. */
static size_t box_off(const uint8_t *b, size_t n, const char *t)
{
	size_t o = 0;
	while (o + 8 <= n) {
		uint32_t sz = mem_be32(b + o);
		if (memcmp(b + o + 4, t, 4) == 0)
			return o;
		if (sz < 8)
			return 0;
		o += sz;
	}
	return 0;
}

/* The sample count of the first video track's stsz (its whole-file
 * frames), found by searching for the box: the samples are small files. */
static uint32_t video_samples(const uint8_t *b, size_t n)
{
	for (size_t o = 0; o + 20 <= n; o++)
		if (memcmp(b + o, "vmhd", 4) == 0)
			for (size_t k = o; k + 20 <= n; k++)
				if (memcmp(b + k, "stsz", 4) == 0)
					return mem_be32(b + k + 12);
	return 0;
}

static void whole(const char *name, const char *codec)
{
	size_t n, on;
	uint8_t *b = tu_load_data(name, &n), *o;
	size_t m = box_off(b, n, "moov");
	struct mp4_repair_info info;
	char err[160] = "";
	struct carve_result res;

	ok(m > 0, "%s: its moov comes after the media data", name);
	int rc = mp4_repair(b, m, b, n, &o, &on, &info, err, sizeof(err));
	is_u64(rc, 0, "%s cut before its moov: repaired (%s)", name, err);
	if (rc != 0) {
		free(b);
		return;
	}
	is_u64(info.frames, video_samples(b, n), "%s: every frame indexed", name);
	is_str(info.codec, codec, "%s: the codec is %s", name, codec);
	ok(info.keyframes >= 1, "%s: a key frame (%u)", name, info.keyframes);
	ok(memcmp(o, b, 32) == 0 || box_off(o, on, "ftyp") == 0,
	   "%s: the clip's ftyp first", name);
	enum carve_verdict v = tu_validate(format_find("mp4"), o, on, 0, &res);
	is_u64(v, CARVE_ACCEPT, "%s: the repaired file is accepted whole (%s)",
	       name, res.reason ? res.reason : "");
	is_u64(res.length, on, "%s: ... all %zu bytes of it", name, on);
	free(o);

	/* the media data's size field zeroed, as a recorder leaves it */
	uint8_t *c = malloc(m);
	uint32_t frames = info.frames;
	memcpy(c, b, m);
	mem_put_be32(c + box_off(b, n, "mdat"), 0);
	rc = mp4_repair(c, m, b, n, &o, &on, &info, err, sizeof(err));
	is_u64(rc, 0, "%s with mdat size 0: repaired", name);
	is_u64(info.frames, frames, "%s with mdat size 0: the same frames", name);
	if (rc == 0)
		free(o);
	free(c);
	free(b);
}

static void refused(void)
{
	size_t n, jn, on;
	uint8_t *b = tu_load_data("mp4/dashcam.mp4", &n);
	uint8_t *j = tu_load_data("mp4/audio.m4a", &jn), *o;
	struct mp4_repair_info info;
	char err[160];

	size_t m = box_off(b, n, "moov");
	int rc = mp4_repair(b, m, b, m, &o, &on, &info, err, sizeof(err));
	is_u64(rc, (uint64_t)-EINVAL, "a reference without its moov: refused");
	is_str(err, "the reference has no movie box", "... saying why");
	rc = mp4_repair(b, m, j, jn, &o, &on, &info, err, sizeof(err));
	is_u64(rc, (uint64_t)-EINVAL, "an audio-only reference: refused");
	is_str(err, "the reference has no H.264 or H.265 video track with 3- "
	       "or 4-byte NAL lengths", "... saying why");
	rc = mp4_repair(b + 32, m - 32, b, n, &o, &on, &info, err, sizeof(err));
	is_u64(rc, (uint64_t)-EINVAL, "a clip without its ftyp: refused");
	rc = mp4_repair(b, 40, b, n, &o, &on, &info, err, sizeof(err));
	is_u64(rc, (uint64_t)-EINVAL, "a clip that ends before its media data");
	is_str(err, "the clip has no media data", "... saying why");
	free(b);
	free(j);
}

/* Mutated and truncated clips and references: a verdict every time. */
static void hostile(const char *name, unsigned rounds)
{
	size_t n, on;
	uint8_t *b = tu_load_data(name, &n), *o;
	size_t m = box_off(b, n, "moov");
	uint8_t *c = malloc(n), *r = malloc(n), rnd[16];
	struct mp4_repair_info info;
	char err[160];
	unsigned bad = 0, repaired = 0;

	for (unsigned i = 0; i < rounds; i++) {
		memcpy(c, b, m);
		memcpy(r, b, n);
		tu_random(rnd, sizeof(rnd), 1000 + i);
		unsigned k = rnd[0] % 8 + 1;
		for (unsigned j = 0; j < k; j++) {
			tu_random(rnd, sizeof(rnd), (uint64_t)i * 131 + j);
			uint64_t at = mem_le64(rnd);
			if (rnd[8] & 1)
				c[at % m] = rnd[9];
			else
				r[at % n] = rnd[9];
		}
		size_t cl = rnd[10] & 1 ? m - mem_le32(rnd + 11) % m : m;
		size_t rl = rnd[15] & 1 ? n - mem_le32(rnd + 11) % n : n;
		int rc = mp4_repair(c, cl, r, rl, &o, &on, &info, err,
		                    sizeof(err));
		if (rc == 0) {
			repaired++;
			free(o);
		} else if (rc != -EINVAL) {
			bad++;
		}
	}
	is_u64(bad, 0, "%s: %u mutated clips and references, each repaired "
	       "(%u) or refused", name, rounds, repaired);
	free(b);
	free(c);
	free(r);
}

int main(void)
{
	whole("mp4/dashcam.mp4", "H.264");
	whole("mp4/h265.mp4", "H.265");
	whole("mp4/h264.mov", "H.264");
	refused();
	hostile("mp4/dashcam.mp4", 3000);
	hostile("mp4/h265.mp4", 3000);
	return tap_done();
}

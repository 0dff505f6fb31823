/*
 * mp3.c - MPEG audio streams (MP3, and Layer I/II with an ID3v2 tag):
 * an optional ID3v2 tag, a chain of frames, optional APEv2 and ID3v1 tags.
 *
 * MPEG audio has no container: every frame starts with an 11-bit sync and a
 * header from which its length follows (bitrate, sample rate, padding), so
 * each frame points at the next.  The validator follows that chain while
 * the frames stay consistent (same version, layer, sample rate, channel
 * count) and stops at the first header that is not one, at an ID3v2 tag
 * or Xing/Info/VBRI frame (the next file starts there), or at the trailing
 * tags.  Frame sync bytes are common in any data, so a stream is believed
 * only after a run of frames, and its start is only looked for at block
 * boundaries.  A Xing/Info header tells the stream's byte count, which
 * turns "the chain stopped early" into a truncation.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "formats/format.h"

#define MP3_MIN_FRAMES     8         /* run that makes a bare stream believable */
#define MP3_MIN_FRAMES_TAG 2         /* when tags or a Xing count back it up */
#define MP3_MAX_FRAMES     (1u << 26)
#define MP3_MAX_ID3V2      4         /* tags stacked at the start */
#define MP3_MAX_ZERO_PAD   65536     /* zeros tolerated after an ID3v2 tag */
#define MP3_MAX_APE        (16u << 20)

/* One decoded frame header. */
struct mp3_hdr {
	unsigned version;     /* 1, 2, or 25 for MPEG-2.5 */
	unsigned layer;       /* 1..3 */
	unsigned bitrate;     /* kbit/s */
	unsigned rate;        /* Hz */
	unsigned channels;
	unsigned crc;         /* 2 when a CRC follows the header */
	uint32_t len;         /* bytes, header included */
	uint32_t samples;     /* per frame */
};

static const uint16_t mp3_bitrates[2][3][15] = {
	{   /* MPEG-1: Layer I, II, III */
		{ 0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384,
		  416, 448 },
		{ 0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
		  384 },
		{ 0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256,
		  320 },
	},
	{   /* MPEG-2 and 2.5 */
		{ 0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224,
		  256 },
		{ 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144,
		  160 },
		{ 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144,
		  160 },
	},
};

static const uint32_t mp3_rates[3] = { 44100, 48000, 32000 };

/* Decodes a 4-byte frame header; false when it is not a usable one
 * (free-format bitrate included: its frames have no computable length). */
static bool mp3_parse(const uint8_t *p, struct mp3_hdr *h)
{
	uint32_t v = mem_be32(p);
	unsigned ver = (v >> 19) & 3, lay = (v >> 17) & 3;
	unsigned bri = (v >> 12) & 15, sri = (v >> 10) & 3;
	unsigned pad = (v >> 9) & 1, mode = (v >> 6) & 3, emph = v & 3;

	if ((v >> 21) != 0x7ff || ver == 1 || lay == 0 || bri == 0 ||
	    bri == 15 || sri == 3 || emph == 2)
		return false;
	h->version = ver == 3 ? 1 : ver == 2 ? 2 : 25;
	h->layer = 4 - lay;
	h->bitrate = mp3_bitrates[h->version == 1 ? 0 : 1][h->layer - 1][bri];
	h->rate = mp3_rates[sri] >> (h->version == 1 ? 0 : h->version == 2 ? 1 : 2);
	h->channels = mode == 3 ? 1 : 2;
	h->crc = (v >> 16) & 1 ? 0 : 2;

	uint32_t br = h->bitrate * 1000u;
	if (h->layer == 1) {
		h->len = (12 * br / h->rate + pad) * 4;
		h->samples = 384;
	} else if (h->layer == 2 || h->version == 1) {
		h->len = 144 * br / h->rate + pad;
		h->samples = 1152;
	} else {
		h->len = 72 * br / h->rate + pad;
		h->samples = 576;
	}
	return true;
}

static bool mp3_same_stream(const struct mp3_hdr *a, const struct mp3_hdr *b)
{
	return a->version == b->version && a->layer == b->layer &&
	       a->rate == b->rate && a->channels == b->channels;
}

/* Offset of the Xing/Info tag inside a Layer III frame: after the side
 * information, whose size depends on version and channels. */
static unsigned mp3_xing_at(const struct mp3_hdr *h)
{
	unsigned side = h->version == 1 ? (h->channels == 1 ? 17 : 32) :
	                                  (h->channels == 1 ? 9 : 17);
	return 4 + h->crc + side;
}

/*
 * Whether the frame at off carries a Xing, Info or VBRI header.  When it
 * does and the header states the stream's byte count, *bytes receives it
 * (0 otherwise); *vbr tells a "Xing" or "VBRI" header from an "Info" one.
 */
static bool mp3_info_frame(struct bread *br, uint64_t off,
                           const struct mp3_hdr *h, uint64_t *bytes,
                           bool *vbr)
{
	if (h->layer != 3)
		return false;
	unsigned at = mp3_xing_at(h);
	const uint8_t *p = bread_peek(br, off + at, 12);

	*bytes = 0;
	if (at + 12 <= h->len && p != NULL &&
	    (memcmp(p, "Xing", 4) == 0 || memcmp(p, "Info", 4) == 0)) {
		uint32_t flags = mem_be32(p + 4);
		*vbr = p[0] == 'X';
		if (flags & 2) {
			/* Frames field first when present, then bytes. */
			uint32_t b;
			if (bread_be32(br, off + at + 8 + ((flags & 1) ? 4 : 0),
			               &b) == 0)
				*bytes = b;
		}
		return true;
	}
	p = bread_peek(br, off + 36, 18);
	if (36 + 18 <= h->len && p != NULL && memcmp(p, "VBRI", 4) == 0) {
		*vbr = true;
		*bytes = mem_be32(p + 10);
		return true;
	}
	return false;
}

/* Size of a whole ID3v2 tag at off, 0 when there is none; -1 when the
 * header is damaged. */
static int64_t mp3_id3v2_size(struct bread *br, uint64_t off)
{
	const uint8_t *p = bread_peek(br, off, 10);

	if (p == NULL || memcmp(p, "ID3", 3) != 0)
		return 0;
	if (p[3] < 2 || p[3] > 4 || p[4] == 0xff ||
	    (p[6] | p[7] | p[8] | p[9]) & 0x80)
		return -1;
	int64_t size = ((int64_t)p[6] << 21) | (p[7] << 14) | (p[8] << 7) | p[9];
	/* ID3v2.4 may end with a 10-byte footer. */
	return 10 + size + (p[3] == 4 && (p[5] & 0x10) ? 10 : 0);
}

/* Skips zero bytes from off (at most MP3_MAX_ZERO_PAD); returns the first
 * non-zero offset, or the limit. */
static uint64_t mp3_skip_zeros(struct bread *br, uint64_t off)
{
	uint64_t stop = off + MP3_MAX_ZERO_PAD;

	while (off < stop) {
		size_t len;
		const uint8_t *p = bread_span(br, off, &len);
		if (p == NULL)
			break;
		size_t i = 0;
		while (i < len && p[i] == 0)
			i++;
		off += i;
		if (i < len)
			break;
	}
	return off;
}

/* Length of the tags at off: an APEv2 tag (with its header) and/or an
 * ID3v1 tag.  Returns 0 when none; sets *cut when a tag runs past the
 * reader's limit. */
static uint64_t mp3_tail_tags(struct bread *br, uint64_t off, bool *cut,
                              unsigned *which)
{
	uint64_t start = off;
	const uint8_t *p = bread_peek(br, off, 32);

	*cut = false;
	if (p != NULL && memcmp(p, "APETAGEX", 8) == 0) {
		uint32_t ver = mem_le32(p + 8), size = mem_le32(p + 12);
		uint32_t flags = mem_le32(p + 20);
		/* Only a tag that starts with its header can be measured
		 * from its start. */
		if ((ver == 1000 || ver == 2000) && (flags & (1u << 29)) &&
		    size >= 32 && size <= MP3_MAX_APE) {
			off += 32 + (uint64_t)size;
			*which |= 1;
			if (off > bread_size(br)) {
				*cut = true;
				return bread_size(br) - start;
			}
		}
	}
	p = bread_peek(br, off, 3);
	if (p != NULL && memcmp(p, "TAG", 3) == 0) {
		if (off + 128 > bread_size(br)) {
			*cut = true;
			return bread_size(br) - start;
		}
		off += 128;
		*which |= 2;
	}
	return off - start;
}

/* How the frame chain ended. */
enum mp3_end {
	END_GARBAGE,   /* something that is not the next frame */
	END_LIMIT,     /* the medium ends right after a whole frame */
	END_PARTIAL,   /* the medium ends inside a frame */
	END_XING,      /* the byte count of the Xing header is reached */
};

/* Whether the 1..3 bytes left at the limit could start a frame header. */
static bool mp3_partial_sync(const uint8_t *p, size_t n)
{
	return p[0] == 0xff && (n < 2 || (p[1] & 0xe0) == 0xe0);
}

/* Sets the verdict for a stream of frames frames that ended at off in the
 * way how; returns false when it was rejected. */
static bool mp3_verdict(struct bread *br, struct carve_result *res,
                        enum mp3_end how, uint64_t off, uint32_t frames,
                        bool convincing, bool short_of_xing, unsigned *tags)
{
	uint64_t limit = bread_size(br);

	if (how == END_PARTIAL || (how == END_LIMIT && short_of_xing)) {
		if (!convincing) {
			carve_reject(res, "too few frames before the data ends");
			return false;
		}
		carve_truncated(res, limit, how == END_PARTIAL ?
		                "data ends inside a frame" :
		                "stream shorter than its Xing header says");
		return true;
	}
	bool cut = false;
	uint64_t t = how == END_LIMIT ? 0 : mp3_tail_tags(br, off, &cut, tags);
	if (cut) {
		if (!convincing) {
			carve_reject(res, "too few frames before the data ends");
			return false;
		}
		carve_truncated(res, limit, "data ends inside a tag");
		return true;
	}
	if (frames >= MP3_MIN_FRAMES_TAG && (t > 0 || how == END_XING)) {
		carve_accept(res, off + t);
		return true;
	}
	if (short_of_xing && convincing) {
		carve_truncated(res, off, "stream shorter than its Xing header says");
		return true;
	}
	if (frames >= MP3_MIN_FRAMES && !short_of_xing) {
		carve_accept(res, off);
		return true;
	}
	carve_reject(res, "too few frames");
	return false;
}

static void mp3_validate(struct bread *br, struct carve_result *res)
{
	uint64_t limit = bread_size(br), off = 0;
	bool id3 = false;

	for (unsigned n = 0; n < MP3_MAX_ID3V2; n++) {
		int64_t tag = mp3_id3v2_size(br, off);
		if (tag < 0) {
			carve_reject(res, "bad ID3v2 header");
			return;
		}
		if (tag == 0)
			break;
		if ((uint64_t)tag > limit - off) {
			carve_reject(res, "data ends inside the ID3v2 tag");
			return;
		}
		off += (uint64_t)tag;
		id3 = true;
	}
	if (id3)
		off = mp3_skip_zeros(br, off);

	const uint8_t *p = bread_peek(br, off, 4);
	struct mp3_hdr first, h;
	if (p == NULL || !mp3_parse(p, &first)) {
		bool free_fmt = p != NULL && (mem_be32(p) >> 21) == 0x7ff &&
		                (p[2] >> 4) == 0;
		carve_reject(res, free_fmt ? "free-format bitrate" :
		                             "no MPEG audio frame");
		return;
	}

	uint64_t start = off, xing_bytes = 0;
	bool vbr = false;
	bool xing = mp3_info_frame(br, off, &first, &xing_bytes, &vbr);
	uint32_t frames = 0;
	unsigned br_min = ~0u, br_max = 0;
	enum mp3_end how;

	for (;;) {
		if (off >= limit) {
			how = END_LIMIT;
			break;
		}
		p = bread_peek(br, off, 4);
		if (p == NULL) {
			uint8_t tail[3];
			size_t n = bread_read(br, off, tail, sizeof(tail));
			how = n > 0 && mp3_partial_sync(tail, n) ? END_PARTIAL :
			      END_GARBAGE;
			break;
		}
		if (!mp3_parse(p, &h) || !mp3_same_stream(&first, &h)) {
			how = END_GARBAGE;
			break;
		}
		uint64_t b;
		bool v;
		if (frames > 0 && mp3_info_frame(br, off, &h, &b, &v)) {
			how = END_GARBAGE;   /* the header frame of a new stream */
			break;
		}
		if (h.len > limit - off) {
			how = END_PARTIAL;
			frames++;
			break;
		}
		if (++frames > MP3_MAX_FRAMES) {
			carve_reject(res, "too many frames");
			return;
		}
		if (frames > 1 || !xing) {
			if (h.bitrate < br_min)
				br_min = h.bitrate;
			if (h.bitrate > br_max)
				br_max = h.bitrate;
		}
		off += h.len;
		if (xing_bytes != 0 && off - start == xing_bytes) {
			how = END_XING;
			break;
		}
	}

	bool convincing = frames >= MP3_MIN_FRAMES ||
	                  (frames >= MP3_MIN_FRAMES_TAG && (id3 || xing));
	bool short_of_xing = xing_bytes != 0 && off - start < xing_bytes;
	unsigned tags = 0;
	if (!mp3_verdict(br, res, how, off, frames, convincing, short_of_xing,
	                 &tags))
		return;

	res->ext = first.layer == 3 ? "mp3" : first.layer == 2 ? "mp2" : "mp1";
	carve_meta_add(res, "codec", "MPEG-%s Layer %s",
	               first.version == 1 ? "1" : first.version == 2 ? "2" : "2.5",
	               first.layer == 3 ? "III" : first.layer == 2 ? "II" : "I");
	if (vbr || (br_max > 0 && br_min != br_max))
		carve_meta_add(res, "bitrate", "vbr");
	else if (br_max > 0)
		carve_meta_add(res, "bitrate", "%u", br_min);
	carve_meta_add(res, "sample_rate", "%u", first.rate);
	carve_meta_add(res, "channels", "%u", first.channels);
	uint32_t audio = frames - (xing && frames > 0 ? 1 : 0);
	carve_meta_add(res, "duration", "%.3f",
	               (double)audio * first.samples / first.rate);
	if (id3 || tags)
		carve_meta_add(res, "tags", "%s%s%s", id3 ? "id3v2" : "",
		               tags & 1 ? (id3 ? " ape" : "ape") : "",
		               tags & 2 ? (id3 || (tags & 1) ? " id3v1" : "id3v1") :
		               "");
}

/* Frame sync with a layer field of Layer III or II (any version, CRC or
 * not): 1111 1111  111v vLLp with LL = 01 or 10, so an untagged .mp2 is
 * found as well as an .mp3.  Layer I (LL = 11) has no signature of its
 * own: its sync reads FF FF, the bytes of erased flash and of padding, and
 * a repeating pattern there parses as a chain of Layer I frames.  A Layer
 * I stream is still found through its ID3v2 tag. */
static const struct format_sig mp3_sigs[] = {
	FORMAT_SIG_ALIGNED("ID3", 0, 1),   /* a tag is strong enough */
	{ .bytes = (const uint8_t *)"\xff\xe2", .mask = (const uint8_t *)"\xff\xe6",
	  .len = 2, .offset = 0 },
	{ .bytes = (const uint8_t *)"\xff\xe4", .mask = (const uint8_t *)"\xff\xe6",
	  .len = 2, .offset = 0 },
};

const struct format format_mp3 = {
	.name = "mp3",
	.ext = "mp3",
	.description = "MPEG audio (MP3) with ID3/APE tags",
	FORMAT_SIGS(mp3_sigs),
	.align = 512,
	.min_size = 64,
	.max_size = 1ull << 32,
	.validate = mp3_validate,
};

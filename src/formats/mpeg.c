/*
 * mpeg.c - MPEG-1 system streams and MPEG-2 program streams (.mpg, .vob).
 *
 * A program stream is a run of packs.  Each pack header (00 00 01 BA) has
 * marker bits whose pattern tells MPEG-1 from MPEG-2 and a length that
 * follows from them; after it come an optional system header (00 00 01 BB)
 * and PES packets (00 00 01 and a stream id of BC or more), each with a
 * 16-bit length.  So every element leads to the next, and the stream ends
 * with the end code 00 00 01 B9.  The validator follows that chain.  A
 * stream that stops without the end code (ffmpeg never writes one, and a
 * cut or overwritten file has none) is reported as truncated where the
 * chain stops, once a few packs make it believable; pack headers are too
 * short a magic to be looked for anywhere but at block starts.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "formats/format.h"

#define MPEG_MAX_ELEMENTS (1u << 26)
#define MPEG_MIN_PACKS    2     /* for a stream without an end code */

#define SC_PACK   0xba
#define SC_SYSTEM 0xbb
#define SC_END    0xb9
#define SC_SEQ    0xb3          /* video sequence header */

/*
 * Length of the pack header at p (14 readable bytes, or 12 when n is 12),
 * with its MPEG version in *version; 0 when the marker bits are wrong.
 */
static unsigned mpeg_pack_len(const uint8_t *p, size_t n, unsigned *version)
{
	if ((p[4] & 0xc0) == 0x40) {
		/* MPEG-2: '01' SCR with markers, 22-bit mux rate, '11',
		 * 5 reserved bits and a 3-bit stuffing length. */
		if (n < 14 || !(p[4] & 0x04) || !(p[6] & 0x04) ||
		    !(p[8] & 0x04) || !(p[9] & 0x01) || (p[12] & 0x03) != 0x03)
			return 0;
		uint32_t mux = (uint32_t)p[10] << 14 | (uint32_t)p[11] << 6 |
		               p[12] >> 2;
		if (mux == 0)
			return 0;
		*version = 2;
		return 14 + (p[13] & 7);
	}
	if ((p[4] & 0xf1) == 0x21) {
		/* MPEG-1: '0010' SCR with markers, 22-bit mux rate framed
		 * by markers. */
		if (!(p[6] & 0x01) || !(p[8] & 0x01) || !(p[9] & 0x80) ||
		    !(p[11] & 0x01))
			return 0;
		uint32_t mux = (uint32_t)(p[9] & 0x7f) << 15 |
		               (uint32_t)p[10] << 7 | p[11] >> 1;
		if (mux == 0)
			return 0;
		*version = 1;
		return 12;
	}
	return 0;
}

/* Picture size from the first video sequence header inside the PES
 * packet [off, end); false when there is none. */
static bool mpeg_seq_header(struct bread *br, uint64_t off, uint64_t end,
                            unsigned *w, unsigned *h)
{
	static const uint8_t seq[4] = { 0, 0, 1, SC_SEQ };
	uint64_t at = bread_find(br, off, end, seq, sizeof(seq));
	const uint8_t *p;

	if (at == UINT64_MAX || at + 7 > end ||
	    (p = bread_peek(br, at + 4, 3)) == NULL)
		return false;
	*w = (unsigned)p[0] << 4 | p[1] >> 4;
	*h = (unsigned)(p[1] & 0x0f) << 8 | p[2];
	return *w > 0 && *h > 0;
}

static void mpeg_validate(struct bread *br, struct carve_result *res)
{
	uint64_t limit = bread_size(br), off = 0;
	unsigned version = 0, packs = 0, pes = 0, width = 0, height = 0;
	bool seq_seen = false;
	const char *stop = NULL;
	uint64_t stop_at = 0;

	for (uint32_t n = 0;; n++) {
		if (n == MPEG_MAX_ELEMENTS) {
			carve_reject(res, "too many packets");
			return;
		}
		uint8_t p[14];
		size_t got = bread_read(br, off, p, sizeof(p));
		if (got == 0) {
			stop = "data ends before the end code";
			stop_at = limit;
			break;
		}
		if (got < 4 || p[0] != 0 || p[1] != 0 || p[2] != 1) {
			static const uint8_t prefix[3] = { 0, 0, 1 };
			bool cut = got < 4 && memcmp(p, prefix, got < 3 ? got : 3) == 0;
			stop = cut ? "data ends inside a pack" :
			             "garbage where a packet should be";
			stop_at = cut ? limit : off;
			break;
		}
		uint8_t code = p[3];
		if (n == 0 && code != SC_PACK) {
			carve_reject(res, "no pack header");
			return;
		}
		if (code == SC_END) {
			off += 4;
			break;
		}
		if (code == SC_PACK) {
			unsigned v = 0, len;
			if (got < 12 || (got < 14 && (p[4] & 0xc0) == 0x40)) {
				stop = "data ends inside a pack";
				stop_at = limit;
				break;
			}
			len = mpeg_pack_len(p, got, &v);
			if (len == 0 || (version != 0 && v != version)) {
				stop = "bad pack header";
				stop_at = off;
				break;
			}
			version = v;
			packs++;
			off += len;
			continue;
		}
		if (code < SC_SYSTEM) {
			/* A start code that belongs inside a packet. */
			stop = "garbage where a packet should be";
			stop_at = off;
			break;
		}
		if (got < 6) {
			stop = "data ends inside a pack";
			stop_at = limit;
			break;
		}
		uint64_t end = off + 6 + mem_be16(p + 4);
		if (code == SC_SYSTEM && mem_be16(p + 4) < 6) {
			stop = "bad system header";
			stop_at = off;
			break;
		}
		if (end > limit) {
			stop = "data ends inside a packet";
			stop_at = limit;
			break;
		}
		if (code != SC_SYSTEM)
			pes++;
		if (!seq_seen && (code & 0xf0) == 0xe0)
			seq_seen = mpeg_seq_header(br, off + 6, end, &width, &height);
		off = end;
	}

	if (stop == NULL) {
		if (pes == 0) {
			carve_reject(res, "no packets before the end code");
			return;
		}
		carve_accept(res, off);
	} else if (packs >= MPEG_MIN_PACKS && pes > 0) {
		carve_truncated(res, stop_at, stop);
	} else {
		carve_reject(res, stop);
		return;
	}
	carve_meta_add(res, "version", "mpeg%u", version);
	carve_meta_add(res, "packs", "%u", packs);
	if (seq_seen) {
		carve_meta_add(res, "width", "%u", width);
		carve_meta_add(res, "height", "%u", height);
	}
}

static const struct format_sig mpeg_sigs[] = {
	FORMAT_SIG("\x00\x00\x01\xba", 0),
};

const struct format format_mpeg = {
	.name = "mpeg",
	.ext = "mpg",
	.description = "MPEG-1/MPEG-2 program stream",
	FORMAT_SIGS(mpeg_sigs),
	.align = 512,
	.min_size = 32,
	.max_size = 1ull << 35,
	.validate = mpeg_validate,
};

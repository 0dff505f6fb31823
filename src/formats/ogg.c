/*
 * ogg.c - Ogg files: Vorbis, Opus, FLAC, Speex audio and Theora video.
 *
 * An Ogg file is a run of pages.  Each page has the capture pattern
 * "OggS", a stream serial number, a per-stream page sequence number, a
 * CRC-32 over the whole page, and a segment table giving its length, so a
 * page leads to the next.  Every logical stream starts with a BOS page
 * (all BOS pages come first) and ends with an EOS page.  The validator
 * checks every page's CRC, tracks each stream's serial and sequence, and
 * ends the file at the page that closes the last open stream.  A chained
 * file (a second group of BOS pages after every stream ended) looks
 * exactly like two Ogg files back to back, so each link is carved as a
 * file of its own.  The codec of each stream comes from its first packet.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "formats/format.h"

#define OGG_HEADER     27
#define OGG_MAX_STREAMS 32
#define OGG_MAX_PAGES  (1u << 26)

#define OGG_FLAG_CONT 0x01
#define OGG_FLAG_BOS  0x02
#define OGG_FLAG_EOS  0x04

enum ogg_codec {
	CODEC_UNKNOWN,
	CODEC_VORBIS,
	CODEC_OPUS,
	CODEC_FLAC,
	CODEC_SPEEX,
	CODEC_THEORA,
	CODEC_SKELETON,
};

struct ogg_stream {
	uint32_t serial;
	uint32_t next_seq;
	bool eos;
	enum ogg_codec codec;
	uint32_t rate;            /* samples per second of its granules */
	uint32_t channels;
	uint32_t preskip;         /* Opus: samples to drop at the start */
	uint32_t width, height;   /* Theora */
	uint64_t granule;         /* last known granule position */
};

struct ogg_walk {
	struct bread *br;
	uint32_t crc_table[256];
	struct ogg_stream s[OGG_MAX_STREAMS];
	unsigned n;               /* streams seen */
	unsigned open;            /* streams without EOS yet */
};

/* Ogg's CRC-32: polynomial 0x04C11DB7, MSB first, initial 0, no final
 * xor (not the zlib CRC). */
static void ogg_crc_init(uint32_t table[256])
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t r = i << 24;
		for (int b = 0; b < 8; b++)
			r = r & 0x80000000u ? (r << 1) ^ 0x04c11db7u : r << 1;
		table[i] = r;
	}
}

static uint32_t ogg_crc_bytes(const uint32_t table[256], uint32_t crc,
                              const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		crc = (crc << 8) ^ table[((crc >> 24) ^ p[i]) & 0xff];
	return crc;
}

/* CRC of the page [off, off+len) with its CRC field taken as zero;
 * false when the bytes cannot be read. */
static bool ogg_page_crc(struct ogg_walk *w, uint64_t off, uint64_t len,
                         uint32_t *crc)
{
	static const uint8_t zero[4];
	uint64_t pos = off, end = off + len;
	uint32_t c = 0;

	while (pos < end) {
		size_t n;
		const uint8_t *p = bread_span(w->br, pos, &n);
		if (p == NULL)
			return false;
		if (n > end - pos)
			n = (size_t)(end - pos);
		/* The CRC field, bytes 22..25 of the page, counts as zero. */
		if (pos < off + 26 && pos + n > off + 22) {
			size_t before = pos < off + 22 ? (size_t)(off + 22 - pos) : 0;
			c = ogg_crc_bytes(w->crc_table, c, p, before);
			size_t skip = (size_t)(off + 26 - (pos + before));
			if (skip > n - before)
				skip = n - before;
			c = ogg_crc_bytes(w->crc_table, c, zero, skip);
			n = before + skip;
		} else {
			c = ogg_crc_bytes(w->crc_table, c, p, n);
		}
		pos += n;
	}
	*crc = c;
	return true;
}

/* Identifies a stream from the first packet of its BOS page. */
static void ogg_identify(struct bread *br, uint64_t at, uint32_t plen,
                         struct ogg_stream *s)
{
	uint8_t p[64];
	size_t n = bread_read(br, at, p, plen < sizeof(p) ? plen : sizeof(p));

	if (n >= 16 && memcmp(p, "\x01vorbis", 7) == 0) {
		s->codec = CODEC_VORBIS;
		s->channels = p[11];
		s->rate = mem_le32(p + 12);
	} else if (n >= 19 && memcmp(p, "OpusHead", 8) == 0) {
		s->codec = CODEC_OPUS;
		s->channels = p[9];
		s->preskip = mem_le16(p + 10);
		s->rate = mem_le32(p + 12);   /* the input's rate, for show */
	} else if (n >= 34 && memcmp(p, "\x7f" "FLAC", 5) == 0 &&
	           memcmp(p + 9, "fLaC", 4) == 0) {
		/* STREAMINFO: 20 bits of rate, 3 of channels - 1. */
		s->codec = CODEC_FLAC;
		s->rate = (uint32_t)p[27] << 12 | (uint32_t)p[28] << 4 | p[29] >> 4;
		s->channels = ((p[29] >> 1) & 7) + 1;
	} else if (n >= 52 && memcmp(p, "Speex   ", 8) == 0) {
		s->codec = CODEC_SPEEX;
		s->rate = mem_le32(p + 36);
		s->channels = mem_le32(p + 48);
	} else if (n >= 20 && memcmp(p, "\x80theora", 7) == 0) {
		s->codec = CODEC_THEORA;
		s->width = (uint32_t)p[14] << 16 | (uint32_t)p[15] << 8 | p[16];
		s->height = (uint32_t)p[17] << 16 | (uint32_t)p[18] << 8 | p[19];
	} else if (n >= 8 && memcmp(p, "fishead", 8) == 0) {
		s->codec = CODEC_SKELETON;
	}
}

static struct ogg_stream *ogg_find(struct ogg_walk *w, uint32_t serial)
{
	for (unsigned i = 0; i < w->n; i++)
		if (w->s[i].serial == serial)
			return &w->s[i];
	return NULL;
}

/* Extension and metadata from the streams of a carved file. */
static void ogg_describe(const struct ogg_walk *w, struct carve_result *res)
{
	static const char *const names[] = {
		[CODEC_UNKNOWN] = "unknown", [CODEC_VORBIS] = "vorbis",
		[CODEC_OPUS] = "opus", [CODEC_FLAC] = "flac",
		[CODEC_SPEEX] = "speex", [CODEC_THEORA] = "theora",
		[CODEC_SKELETON] = "skeleton",
	};
	const struct ogg_stream *audio = NULL, *video = NULL;

	for (unsigned i = 0; i < w->n; i++) {
		const struct ogg_stream *s = &w->s[i];
		if (s->codec == CODEC_THEORA && video == NULL)
			video = s;
		else if (s->codec >= CODEC_VORBIS && s->codec <= CODEC_SPEEX &&
		         audio == NULL)
			audio = s;
	}
	if (video != NULL)
		res->ext = "ogv";
	else if (audio != NULL && audio->codec == CODEC_OPUS)
		res->ext = "opus";
	else if (audio != NULL && audio->codec == CODEC_FLAC)
		res->ext = "oga";
	else if (audio != NULL && audio->codec == CODEC_SPEEX)
		res->ext = "spx";
	else
		res->ext = "ogg";

	if (video != NULL) {
		carve_meta_add(res, "video", "%s", names[video->codec]);
		carve_meta_add(res, "width", "%u", video->width);
		carve_meta_add(res, "height", "%u", video->height);
	}
	if (audio != NULL) {
		carve_meta_add(res, "codec", "%s", names[audio->codec]);
		carve_meta_add(res, "channels", "%u", audio->channels);
		carve_meta_add(res, "sample_rate", "%u", audio->rate);
		uint32_t grate = audio->codec == CODEC_OPUS ? 48000 : audio->rate;
		uint64_t g = audio->granule;
		if (audio->codec == CODEC_OPUS)
			g = g > audio->preskip ? g - audio->preskip : 0;
		if (grate > 0)
			carve_meta_add(res, "duration", "%.3f", (double)g / grate);
	} else if (video == NULL && w->n > 0) {
		carve_meta_add(res, "codec", "%s", names[w->s[0].codec]);
	}
	carve_meta_add(res, "streams", "%u", w->n);
}

/* Stops the walk at off: truncated after at least one good page. */
static void ogg_stop(struct carve_result *res, uint32_t pages, uint64_t off,
                     const char *why)
{
	if (pages == 0)
		carve_reject(res, why);
	else
		carve_truncated(res, off, why);
}

static void ogg_validate(struct bread *br, struct carve_result *res)
{
	struct ogg_walk w = { .br = br };
	uint64_t off = 0, limit = bread_size(br);
	bool bos_phase = true;
	uint32_t pages;

	ogg_crc_init(w.crc_table);
	for (pages = 0; pages < OGG_MAX_PAGES; pages++) {
		uint8_t h[OGG_HEADER + 255];
		size_t got = bread_read(br, off, h, OGG_HEADER);

		if (got == 0) {
			ogg_stop(res, pages, limit, "data ends before every stream ended");
			break;
		}
		if (got < OGG_HEADER) {
			/* The medium ends here: inside a page, or on garbage. */
			if (memcmp(h, "OggS", got < 4 ? got : 4) == 0)
				ogg_stop(res, pages, limit, "data ends inside a page");
			else
				ogg_stop(res, pages, off, "garbage where a page should be");
			break;
		}
		if (memcmp(h, "OggS", 4) != 0 || h[4] != 0 ||
		    (h[5] & ~(OGG_FLAG_CONT | OGG_FLAG_BOS | OGG_FLAG_EOS)) != 0) {
			ogg_stop(res, pages, off, "garbage where a page should be");
			break;
		}
		unsigned nseg = h[26];
		if (bread_read(br, off + OGG_HEADER, h + OGG_HEADER, nseg) < nseg) {
			ogg_stop(res, pages, limit, "data ends inside a page");
			break;
		}
		uint32_t body = 0, first_packet = 0;
		bool first_done = false;
		for (unsigned i = 0; i < nseg; i++) {
			body += h[OGG_HEADER + i];
			if (!first_done) {
				first_packet += h[OGG_HEADER + i];
				first_done = h[OGG_HEADER + i] < 255;
			}
		}
		uint64_t hlen = OGG_HEADER + nseg, plen = hlen + body;
		if (plen > limit - off) {
			ogg_stop(res, pages, limit, "data ends inside a page");
			break;
		}
		uint32_t crc;
		if (!ogg_page_crc(&w, off, plen, &crc)) {
			ogg_stop(res, pages, limit, "data ends inside a page");
			break;
		}
		if (crc != mem_le32(h + 22)) {
			ogg_stop(res, pages, off, "bad page CRC");
			break;
		}

		uint8_t flags = h[5];
		uint64_t granule = mem_le64(h + 6);
		uint32_t serial = mem_le32(h + 14), seq = mem_le32(h + 18);
		struct ogg_stream *s = ogg_find(&w, serial);
		if (pages == 0 && !(flags & OGG_FLAG_BOS)) {
			carve_reject(res, "first page is not a stream start");
			return;
		}
		if (flags & OGG_FLAG_BOS) {
			if (!bos_phase || s != NULL) {
				ogg_stop(res, pages, off, "stream start in mid-file");
				break;
			}
			if (w.n == OGG_MAX_STREAMS) {
				carve_reject(res, "too many logical streams");
				return;
			}
			s = &w.s[w.n++];
			memset(s, 0, sizeof(*s));
			s->serial = serial;
			w.open++;
			ogg_identify(br, off + hlen, first_packet, s);
		} else {
			bos_phase = false;
			if (s == NULL || s->eos) {
				ogg_stop(res, pages, off, "page of an unknown stream");
				break;
			}
			if (seq != s->next_seq) {
				ogg_stop(res, pages, off, "page sequence gap");
				break;
			}
		}
		s->next_seq = seq + 1;
		if (granule != UINT64_MAX)
			s->granule = granule;
		off += plen;
		if (flags & OGG_FLAG_EOS) {
			s->eos = true;
			if (--w.open == 0) {
				carve_accept(res, off);
				break;
			}
		}
	}
	if (pages == OGG_MAX_PAGES) {
		carve_reject(res, "too many pages");
		return;
	}
	if (res->verdict != CARVE_REJECT)
		ogg_describe(&w, res);
}

/* "OggS", version 0, and a header type of exactly BOS: a file's first page. */
static const struct format_sig ogg_sigs[] = {
	FORMAT_SIG("OggS\0\x02", 0),
};

const struct format format_ogg = {
	.name = "ogg",
	.ext = "ogg",
	.description = "Ogg: Vorbis, Opus, FLAC, Speex, Theora",
	FORMAT_SIGS(ogg_sigs),
	.align = 1,
	.min_size = 28,
	.max_size = 1ull << 36,
	.validate = ogg_validate,
};

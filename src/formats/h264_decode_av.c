/*
 * h264_decode_av.c - h264_decode.h through libavcodec, loaded with dlopen.
 *
 * libavcodec and the libraries it pulls in take tens of milliseconds to
 * load, more than a scan of a small card takes; most scans never judge a
 * seam.  So the library is opened (by the soname of the major version the
 * build's headers describe, whose ABI they match) only when the first
 * sample is judged, and its few entry points are looked up then.
 *
 * Each decoding opens a decoder on the file's avcC record and feeds it
 * the one sample: a packet the decoder refuses (with AV_EF_EXPLODE it
 * returns the error of a slice it could not parse) or a picture it had to
 * conceal macroblocks in (decode_error_flags) is broken.  Pictures are
 * output even without the references they predict from
 * (AV_CODEC_FLAG2_SHOW_ALL); only parsing matters, so the loop filter is
 * skipped, and one thread decodes.
 *
 * Opening a decoder costs more than decoding a sample with it (measured
 * on a 720p P slice: 2.1 ms against 0.8 ms), and index-guided reassembly
 * decodes a clip's samples one after another.  So a decoder that has
 * decoded nothing but clean slices since it was opened is kept (a few,
 * in h264_kept) and, flushed, decodes the next sample of the same avcC:
 * it then holds nothing a fresh one would not (the parameter sets of the
 * avcC, no references, no SEI), so the verdict is the one a fresh
 * decoder gives, whatever was decoded before and on which thread.  A
 * decoder that saw anything else (a parameter set, an SEI, an error) is
 * closed.  And a verdict depends only on the avcC, the sample's bytes
 * and where its seam is, so the last few thousand are remembered by a
 * 128-bit hash of those (h264_seen), the sample's own decoding and the
 * test of the seam's tail apart: the two clips of a pair placed
 * together, and the maps a search tries, hold the same samples again.
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/log.h>
#include <libavutil/pixfmt.h>
#include <xxhash.h>

#include "common/mem.h"
#include "formats/h264_decode.h"

#define H264_STR2(x) #x
#define H264_STR(x) H264_STR2(x)
#define H264_AVCODEC "libavcodec.so." H264_STR(LIBAVCODEC_VERSION_MAJOR)
#define H264_AVUTIL "libavutil.so." H264_STR(LIBAVUTIL_VERSION_MAJOR)

/* The entry points used. */
struct h264_av {
	const AVCodec *(*find_decoder)(enum AVCodecID);
	AVCodecContext *(*alloc_context3)(const AVCodec *);
	int (*open2)(AVCodecContext *, const AVCodec *, AVDictionary **);
	void (*free_context)(AVCodecContext **);
	int (*send_packet)(AVCodecContext *, const AVPacket *);
	int (*receive_frame)(AVCodecContext *, AVFrame *);
	AVPacket *(*packet_alloc)(void);
	void (*packet_free)(AVPacket **);
	int (*new_packet)(AVPacket *, int);
	AVFrame *(*frame_alloc)(void);
	void (*frame_free)(AVFrame **);
	void (*frame_unref)(AVFrame *);
	void *(*mallocz)(size_t);
	void (*log_set_level)(int);
	void (*flush_buffers)(AVCodecContext *);
	const AVCodec *h264;
};

/*
 * Filled once (pthread_once) and only read after: the process's one view
 * of a shared library, like the library's own globals.  NULL when the
 * library or its H.264 decoder is missing.
 */
static pthread_once_t h264_once = PTHREAD_ONCE_INIT;
static struct h264_av h264_lib;
static const struct h264_av *h264_av;

static void *h264_sym(void *lib, const char *name, bool *ok)
{
	void *p = lib != NULL ? dlsym(lib, name) : NULL;

	if (p == NULL)
		*ok = false;
	return p;
}

static void h264_load(void)
{
	void *codec = dlopen(H264_AVCODEC, RTLD_NOW | RTLD_LOCAL);
	void *util = dlopen(H264_AVUTIL, RTLD_NOW | RTLD_LOCAL);
	struct h264_av *a = &h264_lib;
	bool ok = codec != NULL && util != NULL;

	/* POSIX gives dlsym's void * to function pointers this way. */
#define H264_GET(lib, field, name)                                         \
	*(void **)&a->field = h264_sym(lib, name, &ok)
	H264_GET(codec, find_decoder, "avcodec_find_decoder");
	H264_GET(codec, alloc_context3, "avcodec_alloc_context3");
	H264_GET(codec, open2, "avcodec_open2");
	H264_GET(codec, free_context, "avcodec_free_context");
	H264_GET(codec, send_packet, "avcodec_send_packet");
	H264_GET(codec, receive_frame, "avcodec_receive_frame");
	H264_GET(codec, packet_alloc, "av_packet_alloc");
	H264_GET(codec, packet_free, "av_packet_free");
	H264_GET(codec, new_packet, "av_new_packet");
	H264_GET(codec, flush_buffers, "avcodec_flush_buffers");
	H264_GET(util, frame_alloc, "av_frame_alloc");
	H264_GET(util, frame_free, "av_frame_free");
	H264_GET(util, frame_unref, "av_frame_unref");
	H264_GET(util, mallocz, "av_mallocz");
	H264_GET(util, log_set_level, "av_log_set_level");
#undef H264_GET
	if (ok)
		a->h264 = a->find_decoder(AV_CODEC_ID_H264);
	if (!ok || a->h264 == NULL) {
		if (codec != NULL)
			dlclose(codec);
		if (util != NULL)
			dlclose(util);
		return;
	}
	/* A carver must not print a decoder's complaints about the data
	 * it is testing. */
	a->log_set_level(AV_LOG_QUIET);
	h264_av = a;
}

bool h264_decode_available(void)
{
	pthread_once(&h264_once, h264_load);
	return h264_av != NULL;
}

static AVCodecContext *h264_open(const struct h264_av *av, const uint8_t *cfg,
                                 size_t cfg_len)
{
	AVCodecContext *ctx = av->alloc_context3(av->h264);

	if (ctx == NULL)
		return NULL;
	ctx->extradata = av->mallocz(cfg_len + AV_INPUT_BUFFER_PADDING_SIZE);
	if (ctx->extradata == NULL) {
		av->free_context(&ctx);
		return NULL;
	}
	memcpy(ctx->extradata, cfg, cfg_len);
	ctx->extradata_size = (int)cfg_len;
	ctx->thread_count = 1;
	ctx->err_recognition = AV_EF_EXPLODE | AV_EF_CRCCHECK |
	                       AV_EF_BITSTREAM | AV_EF_BUFFER;
	ctx->skip_loop_filter = AVDISCARD_ALL;
	ctx->flags2 |= AV_CODEC_FLAG2_SHOW_ALL;
	ctx->max_pixels = H264_DECODE_MAX_PIXELS;
	if (av->open2(ctx, av->h264, NULL) < 0)
		av->free_context(&ctx);
	return ctx;
}

/* Verdicts remembered (see the top of this file). */
#define H264_SEEN 65536

static pthread_mutex_t h264_seen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	XXH128_hash_t key;
	uint64_t hash;          /* the picture's, when it decoded clean */
	uint8_t v;
	bool used;
} h264_seen[H264_SEEN];

/* The verdict (and picture hash) remembered for key; false when none
 * is. */
static bool h264_seen_get(XXH128_hash_t key, enum h264_verdict *v,
                          uint64_t *hash)
{
	bool hit;
	size_t i = (size_t)(key.low64 % H264_SEEN);

	pthread_mutex_lock(&h264_seen_lock);
	hit = h264_seen[i].used && XXH128_isEqual(h264_seen[i].key, key);
	if (hit) {
		*v = (enum h264_verdict)h264_seen[i].v;
		*hash = h264_seen[i].hash;
	}
	pthread_mutex_unlock(&h264_seen_lock);
	return hit;
}

static void h264_seen_put(XXH128_hash_t key, enum h264_verdict v,
                          uint64_t hash)
{
	size_t i = (size_t)(key.low64 % H264_SEEN);

	pthread_mutex_lock(&h264_seen_lock);
	h264_seen[i].key = key;
	h264_seen[i].hash = hash;
	h264_seen[i].v = (uint8_t)v;
	h264_seen[i].used = true;
	pthread_mutex_unlock(&h264_seen_lock);
}

/* Decoders kept between checks (see the top of this file). */
#define H264_KEPT 4

static pthread_mutex_t h264_kept_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	AVCodecContext *ctx;
	uint8_t *cfg;
	size_t cfg_len;
} h264_kept[H264_KEPT];
static unsigned h264_kept_next;

/* A decoder for cfg: a kept one, flushed, or a new one (NULL: none). */
static AVCodecContext *h264_take(const struct h264_av *av, const uint8_t *cfg,
                                 size_t cfg_len)
{
	AVCodecContext *ctx = NULL;

	pthread_mutex_lock(&h264_kept_lock);
	for (unsigned i = 0; i < H264_KEPT && ctx == NULL; i++)
		if (h264_kept[i].ctx != NULL && h264_kept[i].cfg_len == cfg_len &&
		    memcmp(h264_kept[i].cfg, cfg, cfg_len) == 0) {
			ctx = h264_kept[i].ctx;
			h264_kept[i].ctx = NULL;
		}
	pthread_mutex_unlock(&h264_kept_lock);
	if (ctx == NULL)
		return h264_open(av, cfg, cfg_len);
	av->flush_buffers(ctx);
	return ctx;
}

/* Keeps ctx for cfg when clean (it decoded only clean slices), else, or
 * when it cannot be kept, closes it. */
static void h264_give(const struct h264_av *av, AVCodecContext *ctx,
                      const uint8_t *cfg, size_t cfg_len, bool clean)
{
	uint8_t *copy = clean ? malloc(cfg_len) : NULL;
	AVCodecContext *old = NULL;

	if (copy == NULL) {
		av->free_context(&ctx);
		return;
	}
	memcpy(copy, cfg, cfg_len);
	pthread_mutex_lock(&h264_kept_lock);
	unsigned i = h264_kept_next++ % H264_KEPT;
	old = h264_kept[i].ctx;
	free(h264_kept[i].cfg);
	h264_kept[i].ctx = ctx;
	h264_kept[i].cfg = copy;
	h264_kept[i].cfg_len = cfg_len;
	pthread_mutex_unlock(&h264_kept_lock);
	if (old != NULL)
		av->free_context(&old);
}

/* Units of a sample walked at most. */
#define H264_MAX_UNITS 4096

/* The payload length of the NAL unit whose length field is at p[pos], in
 * *len; false when there is none or it runs past p[n]. */
static bool h264_unit(const uint8_t *p, size_t n, unsigned nal_len,
                      size_t pos, size_t *len)
{
	if (n - pos < nal_len)
		return false;
	uint64_t l = mem_be_n(p + pos, nal_len);
	if (l == 0 || l > n - pos - nal_len)
		return false;
	*len = (size_t)l;
	return true;
}

/* Whether p[0..n) is length-prefixed NAL units that are all slices
 * (types 1 to 5) or access unit delimiters: nothing a decoder keeps. */
static bool h264_only_slices(const uint8_t *p, size_t n, unsigned nal_len)
{
	size_t pos = 0, l;

	for (unsigned k = 0; k < H264_MAX_UNITS && pos < n; k++) {
		if (!h264_unit(p, n, nal_len, pos, &l))
			return false;
		unsigned t = p[pos + nal_len] & 31;
		if (!((t >= 1 && t <= 5) || t == 9))
			return false;
		pos += nal_len + l;
	}
	return pos == n;
}

/* A hash of a picture's samples (all planes of the 8-bit layouts, the
 * luma of others); false when it has none to hash. */
static bool h264_picture_hash(const AVFrame *fr, uint64_t *hash)
{
	size_t w[3] = { 0 }, h[3] = { 0 }, cw, ch;
	XXH3_state_t *st;
	unsigned planes = 3;

	if (fr->width <= 0 || fr->height <= 0)
		return false;
	w[0] = (size_t)fr->width;
	h[0] = (size_t)fr->height;
	cw = (w[0] + 1) / 2;
	ch = (h[0] + 1) / 2;
	switch (fr->format) {
	case AV_PIX_FMT_YUV420P: case AV_PIX_FMT_YUVJ420P:
		break;
	case AV_PIX_FMT_YUV422P: case AV_PIX_FMT_YUVJ422P:
		ch = h[0];
		break;
	case AV_PIX_FMT_YUV444P: case AV_PIX_FMT_YUVJ444P:
		cw = w[0];
		ch = h[0];
		break;
	default:                     /* grey, or more than 8 bits a sample */
		planes = 1;
		if (fr->format != AV_PIX_FMT_GRAY8)
			w[0] *= 2;
	}
	for (unsigned i = 1; i < planes; i++) {
		w[i] = cw;
		h[i] = ch;
	}
	for (unsigned i = 0; i < planes; i++)
		if (fr->data[i] == NULL || fr->linesize[i] < 0 ||
		    (size_t)fr->linesize[i] < w[i])
			return false;
	if ((st = XXH3_createState()) == NULL)
		return false;
	bool ok = XXH3_64bits_reset(st) == XXH_OK;
	for (unsigned i = 0; i < planes; i++)
		for (size_t y = 0; ok && y < h[i]; y++)
			ok = XXH3_64bits_update(st, fr->data[i] + y *
			                        (size_t)fr->linesize[i], w[i]) ==
			     XXH_OK;
	if (ok)
		*hash = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return ok;
}

/* Takes the pictures the decoder has ready, hashing the last into *hash
 * (hash NULL: none): H264_UNKNOWN when all went well so far, else
 * H264_BROKEN. */
static enum h264_verdict h264_drain(const struct h264_av *av,
                                    AVCodecContext *ctx, AVFrame *fr,
                                    unsigned *pictures, uint64_t *hash)
{
	for (;;) {
		int rc = av->receive_frame(ctx, fr);
		if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
			return H264_UNKNOWN;
		if (rc < 0)
			return H264_BROKEN;
		bool bad = fr->decode_error_flags != 0;
		bool hashed = !bad && (hash == NULL ||
		                       h264_picture_hash(fr, hash));
		av->frame_unref(fr);
		if (bad)
			return H264_BROKEN;
		if (hashed)
			++*pictures;
	}
}

/* Decodes the sample p[0..n) (NAL units with nal_len-byte lengths)
 * alone; when it decodes clean, *hash is its picture's
 * (h264_picture_hash), unless hash is NULL. */
static enum h264_verdict h264_decode_one(const struct h264_av *av,
                                         const uint8_t *cfg, size_t cfg_len,
                                         unsigned nal_len, const uint8_t *p,
                                         size_t n, uint64_t *hash)
{
	AVCodecContext *ctx = h264_take(av, cfg, cfg_len);
	AVPacket *pkt = av->packet_alloc();
	AVFrame *fr = av->frame_alloc();
	enum h264_verdict v = H264_UNKNOWN;
	unsigned pictures = 0;

	if (ctx == NULL || pkt == NULL || fr == NULL ||
	    av->new_packet(pkt, (int)n) < 0)
		goto out;
	memcpy(pkt->data, p, n);
	pkt->flags |= AV_PKT_FLAG_KEY;
	int rc = av->send_packet(ctx, pkt);
	if (rc < 0 && rc != AVERROR(EAGAIN)) {
		v = H264_BROKEN;
		goto out;
	}
	if ((v = h264_drain(av, ctx, fr, &pictures, hash)) != H264_UNKNOWN)
		goto out;
	if (av->send_packet(ctx, NULL) == 0 &&
	    (v = h264_drain(av, ctx, fr, &pictures, hash)) != H264_UNKNOWN)
		goto out;
	/* No error: clean only if a picture came out to be judged. */
	v = pictures > 0 ? H264_CLEAN : H264_UNKNOWN;
out:
	av->packet_free(&pkt);
	av->frame_free(&fr);
	if (ctx != NULL)
		h264_give(av, ctx, cfg, cfg_len, v == H264_CLEAN &&
		          h264_only_slices(p, n, nal_len));
	return v;
}

/* The NAL unit of p[0..n) holding byte at: its start (length field) and
 * payload length; false when the lengths do not tile p. */
static bool h264_unit_at(const uint8_t *p, size_t n, unsigned nal_len,
                         size_t at, size_t *u, size_t *len)
{
	size_t pos = 0, l;

	for (unsigned k = 0; k < H264_MAX_UNITS && n - pos >= nal_len; k++) {
		if (!h264_unit(p, n, nal_len, pos, &l))
			return false;
		if (at < pos + nal_len + l) {
			*u = pos;
			*len = l;
			return true;
		}
		pos += nal_len + l;
	}
	return false;
}

/*
 * The last H264_DECODE_TAIL bytes of the unit at p[u] (length len), before
 * any cabac_zero_words (00 00 03) that pad it: their offset in p, or 0
 * when the unit is too short to tell.
 */
static size_t h264_tail(const uint8_t *p, unsigned nal_len, size_t u,
                        size_t len)
{
	size_t body = u + nal_len, keep = len;

	while (keep >= 4 && p[body + keep - 3] == 0 &&
	       p[body + keep - 2] == 0 && p[body + keep - 1] == 3)
		keep -= 3;
	if (keep < H264_DECODE_TAIL + 16)
		return 0;
	return body + keep - H264_DECODE_TAIL;
}

/* The sample p[0..n) decoded alone (h264_decode_one), its verdict and
 * picture hash remembered under key. */
static enum h264_verdict h264_plain(const struct h264_av *av,
                                    const uint8_t *cfg, size_t cfg_len,
                                    unsigned nal_len, const uint8_t *p,
                                    size_t n, XXH128_hash_t key,
                                    uint64_t *hash)
{
	enum h264_verdict v;

	*hash = 0;
	if (h264_seen_get(key, &v, hash))
		return v;
	v = h264_decode_one(av, cfg, cfg_len, nal_len, p, n, hash);
	h264_seen_put(key, v, v == H264_CLEAN ? *hash : 0);
	return v;
}

/*
 * Whether the slice holding p[at] reads its own last bytes: decoded again
 * with its last H264_DECODE_TAIL bytes (before any cabac_zero_words) set
 * to ones, and when that gives the picture (hash h) it gave as it is, to
 * zeros, it must not give that picture both times.  A slice that stopped
 * before them does.  (The second decoding is needed: a slice that reads
 * them may end the same with either.)  Only slices (types 1 to 5) are
 * tested: their data is what runs to the unit's end; H264_CLEAN for
 * other units.
 */
static enum h264_verdict h264_reads_tail(const struct h264_av *av,
                                         const uint8_t *cfg, size_t cfg_len,
                                         unsigned nal_len, uint8_t *p,
                                         size_t n, size_t at, uint64_t h)
{
	size_t u, len;
	uint64_t h1;

	if (!h264_unit_at(p, n, nal_len, at, &u, &len))
		return H264_UNKNOWN;
	unsigned type = p[u + nal_len] & 31;
	size_t t = h264_tail(p, nal_len, u, len);
	if (type < 1 || type > 5 || t == 0)
		return H264_CLEAN;
	static const uint8_t fills[2] = { 0xff, 0x00 };
	uint8_t keep[H264_DECODE_TAIL];
	enum h264_verdict v = H264_BROKEN;
	memcpy(keep, p + t, H264_DECODE_TAIL);
	for (unsigned i = 0; i < 2 && v == H264_BROKEN; i++) {
		memset(p + t, fills[i], H264_DECODE_TAIL);
		if (memcmp(p + t, keep, H264_DECODE_TAIL) == 0)
			continue;   /* its tail is that already */
		enum h264_verdict v1 = h264_decode_one(av, cfg, cfg_len,
		                                       nal_len, p, n, &h1);
		if (v1 != H264_CLEAN || h1 != h)
			v = H264_CLEAN;   /* it read them */
	}
	memcpy(p + t, keep, H264_DECODE_TAIL);
	return v;
}

enum h264_verdict h264_decode_check(struct bread *br, const uint8_t *cfg,
                                    size_t cfg_len, unsigned nal_len,
                                    uint64_t off, uint64_t size,
                                    uint64_t seam)
{
	const struct h264_av *av;
	enum h264_verdict v = H264_UNKNOWN;
	uint64_t unreadable = br->unreadable, h, h1;
	size_t n = (size_t)size;
	uint8_t *p;

	if (!h264_decode_available() || size == 0 ||
	    size > H264_DECODE_MAX_SAMPLE || cfg_len == 0 ||
	    cfg_len > H264_DECODE_MAX_CONFIG || nal_len < 1 || nal_len > 4 ||
	    (seam != UINT64_MAX && (seam < off || seam - off >= size)))
		return H264_UNKNOWN;
	av = h264_av;
	if ((p = malloc(n)) == NULL)
		return H264_UNKNOWN;
	if (bread_read(br, off, p, n) != n || br->unreadable != unreadable)
		goto out;
	/* remembered apart: the sample decoded as it is, and the tail of
	 * the unit holding the seam */
	uint64_t seed = XXH3_64bits(cfg, cfg_len) ^ nal_len;
	v = h264_plain(av, cfg, cfg_len, nal_len, p, n,
	               XXH3_128bits_withSeed(p, n, seed), &h);
	if (v != H264_CLEAN || seam == UINT64_MAX)
		goto out;
	XXH128_hash_t key = XXH3_128bits_withSeed(p, n, seed ^
	                                          ((seam - off + 1) << 3));
	if (!h264_seen_get(key, &v, &h1)) {
		v = h264_reads_tail(av, cfg, cfg_len, nal_len, p, n,
		                    (size_t)(seam - off), h);
		h264_seen_put(key, v, 0);
	}
out:
	free(p);
	return v;
}

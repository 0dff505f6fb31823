/*
 * riff.c - RIFF containers: AVI (with its OpenDML AVIX continuations), WAV
 * (including RF64/BW64 with 64-bit sizes), WebP, animated cursors, and any
 * other RIFF form whose chunks add up.
 *
 * A RIFF file is "RIFF", a little-endian 32-bit size and a four-letter form
 * type, followed by chunks (four printable letters, a 32-bit size, the data
 * and a pad byte when the size is odd).  LIST chunks hold more chunks.  The
 * validator walks every chunk, descending into LISTs to a fixed depth, and
 * accepts only when the chunks end exactly where the RIFF size says.  The
 * form decides which chunks must be there (fmt and data for WAV, hdrl/avih
 * and movi for AVI, an image chunk first for WebP) and which metadata to
 * report.  An AVI over 1 GiB continues in further "RIFF" "AVIX" chunks
 * written back to back; they are followed and the file is their sum.
 *
 * A file stored in pieces shows where its first piece ends: the chunk
 * chain leads to a header that is no chunk (non-printable, or in an AVI's
 * movi list an id that no stream chunk has, or a size running past the
 * list), and that header is the fragmentation point.  In an AVI it lies
 * at most one chunk (a frame) after the cut; in a WAV the samples are one
 * chunk, so only what follows them can tell.  The movi chain is what an
 * idx1 or OpenDML index would state (each chunk where the sizes lead), so
 * the indexes are not read again.  The frames of a motion-JPEG stream
 * (its strf names MJPG) are decoded when the reader asks for every check
 * or the chain found a cut (riff_validate), which places the cut at the
 * first byte of a frame that stops decoding; other samples are not
 * checked.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "formats/format.h"
#include "formats/jpeg_decode.h"

#define RIFF_MAX_DEPTH   8          /* LIST inside LIST inside ... */
#define RIFF_MAX_CHUNKS  (1u << 23) /* over the whole file, all levels */
#define RIFF_MAX_AVIX    4096       /* OpenDML continuations followed */
#define RIFF_DS64_MAX    64         /* RF64 table entries consulted */
#define RIFF_MAX_STREAMS 32         /* AVI streams whose codec is known */

enum riff_form {
	FORM_OTHER,
	FORM_AVI,
	FORM_AVIX,
	FORM_WAVE,
	FORM_WEBP,
	FORM_ACON,
};

/* How a walk over a run of chunks ended. */
enum riff_status {
	WALK_OK,       /* the chunks ended exactly at the container's end */
	WALK_SHORT,    /* the data ran out at the reader's limit */
	WALK_GARBAGE,  /* something that is not a chunk where one should be */
	WALK_BAD,      /* sizes contradict each other: not a sound file */
};

/* What the form-specific checks found. */
#define HAVE_HDRL  0x001u
#define HAVE_AVIH  0x002u
#define HAVE_MOVI  0x004u
#define HAVE_FMT   0x008u
#define HAVE_DATA  0x010u
#define HAVE_IMAGE 0x020u
#define HAVE_VP8X  0x040u
#define HAVE_ANIH  0x080u
#define HAVE_DMLH  0x100u

/* What a run that resumes keeps: every motion-JPEG frame ending at or
 * before done decoded in an earlier run (done never past that run's
 * stable offset). */
struct carve_resume {
	uint64_t done;
};

struct riff_walk {
	struct bread *br;
	uint64_t limit;           /* bread_size: reads at or past it fail */
	uint32_t nchunks;
	enum riff_form form;
	unsigned have;
	unsigned top_chunks;      /* complete chunks at the top level */

	/* RF64: sizes of chunks whose 32-bit size is 0xFFFFFFFF. */
	bool rf64;
	uint64_t ds64_data;
	uint64_t ds64_table;      /* offset of the table, 0 when none */
	uint32_t ds64_entries;

	enum riff_status status;
	uint64_t stop;            /* where a GARBAGE walk stopped */
	/* The body of the last chunk walked in a movi list: the chunk
	 * whose size led to garbage holds the fragment boundary somewhere
	 * in its data, which is not checked, so only its header is sure to
	 * be the file's. */
	uint64_t movi_body;
	const char *why;

	/* AVI */
	uint32_t usec_per_frame, frames, streams, width, height, dmlh_frames;
	unsigned strl;            /* stream headers (strl lists) seen */
	uint32_t mjpeg;           /* bit n: stream n is motion JPEG */
	/* Decoding each motion-JPEG frame of the movi list (dec not NULL):
	 * a frame that does not decode is where the file's bytes stop
	 * being its own, and good the bytes before it that are sure. */
	struct jdec *dec;
	uint64_t good;
	/* Resuming (riff_validate_resume): frames ending at or before
	 * rs->done decoded in an earlier run over the same bytes, and
	 * stable, up to which this run's bytes are those. */
	struct carve_resume *rs;
	uint64_t stable;
	/* WAV */
	uint16_t tag, channels, block_align, bits;
	uint32_t rate, byte_rate, fact_samples;
	uint64_t data_size;
	bool pcm, has_fact;
	/* WebP */
	uint32_t img_w, img_h;
	const char *img_kind;
};

static bool riff_printable(const uint8_t *id)
{
	for (int i = 0; i < 4; i++)
		if (id[i] < 0x20 || id[i] > 0x7e)
			return false;
	return true;
}

static bool riff_is(const uint8_t *id, const char *want)
{
	return memcmp(id, want, 4) == 0;
}

static bool riff_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static bool riff_alnum(uint8_t c)
{
	return riff_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Can a chunk of an AVI's movi list have this id?  Stream chunks "00dc",
 * "01wb" (stream number, two letters), index chunks "ix00", JUNK, and
 * LIST "rec " groups. */
static bool riff_movi_id(const uint8_t *id)
{
	if (riff_digit(id[0]) && riff_digit(id[1]) && riff_alnum(id[2]) &&
	    riff_alnum(id[3]))
		return true;
	if (id[0] == 'i' && id[1] == 'x' && riff_alnum(id[2]) &&
	    riff_alnum(id[3]))
		return true;
	return riff_is(id, "JUNK") || riff_is(id, "LIST");
}

/* Marks the walk as failed; the first failure wins. */
static void riff_fail(struct riff_walk *w, enum riff_status st, uint64_t at,
                      const char *why)
{
	if (w->status != WALK_OK)
		return;
	w->status = st;
	w->stop = at;
	w->why = why;
}

/* The size of an RF64 chunk whose 32-bit size says "see ds64"; false if
 * ds64 does not list it. */
static bool riff_ds64_size(struct riff_walk *w, const uint8_t *id,
                           uint64_t *size)
{
	if (riff_is(id, "data")) {
		*size = w->ds64_data;
		return true;
	}
	for (uint32_t i = 0; i < w->ds64_entries; i++) {
		const uint8_t *e = bread_peek(w->br, w->ds64_table + 12u * i, 12);
		if (e == NULL)
			return false;
		if (memcmp(e, id, 4) == 0) {
			*size = mem_le64(e + 4);
			return true;
		}
	}
	return false;
}

/* Parses a WAV fmt chunk; sets HAVE_FMT or fails the walk. */
static void riff_wav_fmt(struct riff_walk *w, uint64_t body, uint64_t size)
{
	static const uint8_t guid_tail[14] = {
		0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00,
		0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
	};
	const uint8_t *p;

	if (size < 14) {
		riff_fail(w, WALK_BAD, body, "fmt chunk too small");
		return;
	}
	p = bread_peek(w->br, body, size >= 40 ? 40 : (size_t)size);
	if (p == NULL)
		return;   /* cut inside fmt: the walk reports the shortage */
	w->tag = mem_le16(p);
	w->channels = mem_le16(p + 2);
	w->rate = mem_le32(p + 4);
	w->byte_rate = mem_le32(p + 8);
	w->block_align = mem_le16(p + 12);
	w->bits = size >= 16 ? mem_le16(p + 14) : 0;

	uint16_t sub = w->tag;
	if (w->tag == 0xfffe) {
		/* WAVE_FORMAT_EXTENSIBLE: the real tag leads the GUID. */
		if (size < 40 || mem_le16(p + 16) < 22) {
			riff_fail(w, WALK_BAD, body, "bad extensible fmt chunk");
			return;
		}
		sub = memcmp(p + 26, guid_tail, sizeof(guid_tail)) == 0 ?
		      mem_le16(p + 24) : 0;
	}
	if (w->tag == 0 || w->channels == 0 || w->channels > 256 ||
	    w->block_align == 0) {
		riff_fail(w, WALK_BAD, body, "bad WAV format fields");
		return;
	}
	if (w->rate < 100 || w->rate > 4000000) {
		riff_fail(w, WALK_BAD, body, "implausible WAV sample rate");
		return;
	}
	w->pcm = sub == 1 || sub == 3;
	if (w->pcm && (w->bits == 0 || w->bits > 64 ||
	               w->block_align != w->channels * ((w->bits + 7u) / 8u))) {
		riff_fail(w, WALK_BAD, body, "PCM block align does not match");
		return;
	}
	w->tag = sub ? sub : w->tag;
	w->have |= HAVE_FMT;
}

/* Reads the AVI main header. */
static void riff_avih(struct riff_walk *w, uint64_t body, uint64_t size)
{
	if (size < 56) {
		riff_fail(w, WALK_BAD, body, "avih chunk too small");
		return;
	}
	const uint8_t *p = bread_peek(w->br, body, 56);
	if (p == NULL)
		return;
	w->usec_per_frame = mem_le32(p);
	w->frames = mem_le32(p + 16);
	w->streams = mem_le32(p + 24);
	w->width = mem_le32(p + 32);
	w->height = mem_le32(p + 36);
	if (w->streams > 100) {
		riff_fail(w, WALK_BAD, body, "implausible AVI stream count");
		return;
	}
	w->have |= HAVE_AVIH;
}

/* Notes whether the stream whose strl list holds this strf is motion
 * JPEG (its BITMAPINFOHEADER's compression).  A strh's handler is not
 * trusted: writers put anything there. */
static void riff_strf(struct riff_walk *w, uint64_t body, uint64_t size)
{
	static const char *const mjpeg[] = { "MJPG", "mjpg", "AVRn", "JPEG",
	                                     "jpeg", "dmb1" };
	uint8_t c[4];

	if (w->strl == 0 || w->strl > RIFF_MAX_STREAMS || size < 20 ||
	    bread_read(w->br, body + 16, c, 4) != 4)
		return;
	for (size_t i = 0; i < sizeof(mjpeg) / sizeof(mjpeg[0]); i++)
		if (memcmp(c, mjpeg[i], 4) == 0)
			w->mjpeg |= 1u << (w->strl - 1);
}

/*
 * Decodes the chunk [body, body + size) of a movi list when it is a frame
 * of a motion-JPEG stream; fails the walk at the first byte that is not
 * the frame's.  Frames that cannot be decoded here (a process the
 * decoder does not handle) are taken on the chunks' word.
 */
static void riff_frame(struct riff_walk *w, const uint8_t *id, uint64_t body,
                       uint64_t size)
{
	struct jdec_fail fail;
	uint64_t next;

	if (w->dec == NULL || size == 0 || !riff_digit(id[0]) ||
	    !riff_digit(id[1]) || id[2] != 'd' || (id[3] != 'c' && id[3] != 'b'))
		return;
	unsigned sn = (unsigned)(id[0] - '0') * 10u + (id[1] - '0');
	if (sn >= RIFF_MAX_STREAMS || !(w->mjpeg & (1u << sn)))
		return;
	if (w->rs != NULL && body + size <= w->rs->done)
		return;   /* decoded before, the same bytes */
	if (jdec_stream(w->dec, w->br, body, body + size, JDEC_STD_TABLES,
	                &next, &fail) != JDEC_FAIL) {
		/* every frame before it decoded too: runs that share the
		 * bytes up to stable need not decode them again */
		if (w->rs != NULL && w->status == WALK_OK &&
		    body + size <= w->stable)
			w->rs->done = body + size;
		return;
	}
	riff_fail(w, WALK_GARBAGE, fail.bad, fail.why);
	w->good = fail.good;
}

/* Reads the dimensions out of a WebP image chunk (the first chunk). */
static void riff_webp_image(struct riff_walk *w, const uint8_t *id,
                            uint64_t body, uint64_t size)
{
	if (size < 10) {
		riff_fail(w, WALK_BAD, body, "WebP image chunk too small");
		return;
	}
	const uint8_t *p = bread_peek(w->br, body, 10);
	if (p == NULL)
		return;
	if (riff_is(id, "VP8X")) {
		w->img_w = 1 + (p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16);
		w->img_h = 1 + (p[7] | (uint32_t)p[8] << 8 | (uint32_t)p[9] << 16);
		w->img_kind = "extended";
		w->have |= HAVE_VP8X;
		return;
	}
	if (riff_is(id, "VP8L")) {
		uint32_t v = mem_le32(p + 1);
		if (p[0] != 0x2f || (v >> 29) != 0) {
			riff_fail(w, WALK_BAD, body, "bad VP8L signature");
			return;
		}
		w->img_w = 1 + (v & 0x3fff);
		w->img_h = 1 + ((v >> 14) & 0x3fff);
		w->img_kind = "lossless";
	} else {
		/* A key frame: its tag has bit 0 clear, then 9d 01 2a. */
		if ((p[0] & 1) != 0 || p[3] != 0x9d || p[4] != 0x01 ||
		    p[5] != 0x2a) {
			riff_fail(w, WALK_BAD, body, "bad VP8 key frame header");
			return;
		}
		w->img_w = mem_le16(p + 6) & 0x3fff;
		w->img_h = mem_le16(p + 8) & 0x3fff;
		w->img_kind = "lossy";
	}
	w->have |= HAVE_IMAGE;
}

/*
 * Looks at one complete-header chunk (a leaf, or a LIST of type list) for
 * what the form needs.  parent is the enclosing LIST type, or NULL at the
 * top level.
 */
static void riff_note(struct riff_walk *w, const uint8_t *id,
                      const uint8_t *list, const uint8_t *parent,
                      uint64_t body, uint64_t size, bool first)
{
	switch (w->form) {
	case FORM_AVI:
	case FORM_AVIX:
		if (list != NULL && parent == NULL && riff_is(list, "hdrl"))
			w->have |= HAVE_HDRL;
		else if (list != NULL && parent == NULL && riff_is(list, "movi"))
			w->have |= HAVE_MOVI;
		else if (list == NULL && parent != NULL &&
		         riff_is(parent, "hdrl") && riff_is(id, "avih"))
			riff_avih(w, body, size);
		else if (list != NULL && parent != NULL &&
		         riff_is(parent, "hdrl") && riff_is(list, "strl"))
			w->strl++;
		else if (list == NULL && parent != NULL &&
		         riff_is(parent, "strl") && riff_is(id, "strf"))
			riff_strf(w, body, size);
		else if (list == NULL && parent != NULL &&
		         riff_is(parent, "odml") && riff_is(id, "dmlh") &&
		         size >= 4 && bread_le32(w->br, body, &w->dmlh_frames) == 0)
			w->have |= HAVE_DMLH;
		break;
	case FORM_WAVE:
		if (parent != NULL || list != NULL)
			break;
		if (riff_is(id, "fmt ") && !(w->have & HAVE_FMT)) {
			riff_wav_fmt(w, body, size);
		} else if (riff_is(id, "data") && !(w->have & HAVE_DATA)) {
			w->have |= HAVE_DATA;
			w->data_size = size;
		} else if (riff_is(id, "fact") && size >= 4 &&
		           bread_le32(w->br, body, &w->fact_samples) == 0) {
			w->has_fact = true;
		}
		break;
	case FORM_WEBP:
		if (parent != NULL || list != NULL)
			break;
		if (first) {
			if (riff_is(id, "VP8 ") || riff_is(id, "VP8L") ||
			    riff_is(id, "VP8X"))
				riff_webp_image(w, id, body, size);
			else
				riff_fail(w, WALK_BAD, body,
				          "WebP does not start with an image chunk");
		} else if (riff_is(id, "VP8 ") || riff_is(id, "VP8L") ||
		           riff_is(id, "ANMF")) {
			w->have |= HAVE_IMAGE;
		}
		break;
	case FORM_ACON:
		if (parent == NULL && list == NULL && riff_is(id, "anih"))
			w->have |= HAVE_ANIH;
		break;
	case FORM_OTHER:
		break;
	}
}

/*
 * Walks the chunks in [off, end) at nesting depth depth inside the LIST
 * of type parent (NULL: the top level).  Stops at the first failure,
 * recorded in w.
 */
static void riff_walk_chunks(struct riff_walk *w, uint64_t off, uint64_t end,
                             const uint8_t *parent, unsigned depth)
{
	bool first = true;

	while (off < end && w->status == WALK_OK) {
		if (end - off < 8) {
			/* Too little left for a chunk header: only zero
			 * padding at the very end of the file is forgiven. */
			uint8_t tail[8] = { 0 };
			size_t n = (size_t)(end - off), got;
			got = bread_read(w->br, off, tail, n);
			if (got < n)
				riff_fail(w, WALK_SHORT, off, "data ends inside a chunk");
			else if (parent != NULL ||
			         memcmp(tail, (const uint8_t[8]){ 0 }, n) != 0)
				riff_fail(w, WALK_BAD, off, parent ?
				          "chunk sizes do not add up to the LIST size" :
				          "chunk sizes do not add up to the RIFF size");
			else
				off = end;
			break;
		}
		uint8_t h[12];
		size_t got = bread_read(w->br, off, h, sizeof(h));
		if (got < 8) {
			riff_fail(w, WALK_SHORT, off, "data ends inside a chunk");
			break;
		}
		const uint8_t *id = h, *list = h + 8;
		bool is_list = false;
		uint64_t size = mem_le32(h + 4);
		bool in_movi = parent != NULL && (w->form == FORM_AVI ||
		               w->form == FORM_AVIX) &&
		               (riff_is(parent, "movi") || riff_is(parent, "rec "));
		if (!riff_printable(id) || (in_movi && !riff_movi_id(id))) {
			riff_fail(w, WALK_GARBAGE, off, "garbage where a chunk should be");
			break;
		}
		if (++w->nchunks > RIFF_MAX_CHUNKS) {
			riff_fail(w, WALK_BAD, off, "too many chunks");
			break;
		}
		if (w->rf64 && size == 0xffffffffu && !riff_ds64_size(w, id, &size)) {
			riff_fail(w, WALK_BAD, off, "RF64 chunk size missing from ds64");
			break;
		}
		uint64_t body = off + 8;
		if (size > end - body) {
			/* in the movi list: a header of something else */
			riff_fail(w, in_movi ? WALK_GARBAGE : WALK_BAD, off,
			          parent ? "chunk runs past the end of its LIST" :
			                   "chunk runs past the RIFF size");
			break;
		}
		if (riff_is(id, "LIST")) {
			if (size < 4) {
				riff_fail(w, WALK_BAD, off, "LIST too small");
				break;
			}
			if (got < 12) {
				riff_fail(w, WALK_SHORT, off, "data ends inside a chunk");
				break;
			}
			if (!riff_printable(list)) {
				riff_fail(w, WALK_BAD, off, "bad LIST type");
				break;
			}
			is_list = true;
		}
		riff_note(w, id, is_list ? list : NULL, parent, body, size, first);
		if (w->status != WALK_OK)
			break;
		if (is_list) {
			if (depth + 1 > RIFF_MAX_DEPTH) {
				riff_fail(w, WALK_BAD, off, "LISTs nested too deep");
				break;
			}
			riff_walk_chunks(w, body + 4, body + size, list, depth + 1);
			if (w->status != WALK_OK)
				break;
		} else if (body + size > w->limit) {
			riff_fail(w, WALK_SHORT, off, "data ends inside a chunk");
			break;
		} else if (in_movi) {
			riff_frame(w, id, body, size);
			if (w->status != WALK_OK)
				break;
		}
		/* An odd chunk ending right at its container's end may lack
		 * its pad byte; writers disagree on that one. */
		off = body + size;
		if ((size & 1) && off < end)
			off++;
		if (off > w->limit) {
			riff_fail(w, WALK_SHORT, off, "data ends before a pad byte");
			break;
		}
		if (parent == NULL)
			w->top_chunks++;
		w->movi_body = in_movi ? body : 0;
		first = false;
	}
}

static enum riff_form riff_form_of(const uint8_t *type, const char **ext)
{
	static const struct {
		char type[5];
		enum riff_form form;
		const char *ext;
	} forms[] = {
		{ "AVI ", FORM_AVI, "avi" },
		{ "AVIX", FORM_AVIX, "avi" },
		{ "WAVE", FORM_WAVE, "wav" },
		{ "WEBP", FORM_WEBP, "webp" },
		{ "ACON", FORM_ACON, "ani" },
		{ "RMID", FORM_OTHER, "rmi" },
		{ "sfbk", FORM_OTHER, "sf2" },
		{ "DLS ", FORM_OTHER, "dls" },
		{ "CDXA", FORM_OTHER, "dat" },
		{ "PAL ", FORM_OTHER, "pal" },
		{ "QLCM", FORM_OTHER, "qcp" },
	};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		if (memcmp(type, forms[i].type, 4) == 0) {
			*ext = forms[i].ext;
			return forms[i].form;
		}
	}
	*ext = "riff";
	return FORM_OTHER;
}

/* Whether what the walk saw so far makes a convincing start of the form,
 * so that a cut or overwritten file is worth reporting as truncated. */
static bool riff_convincing(const struct riff_walk *w)
{
	switch (w->form) {
	case FORM_AVI:
		return (w->have & HAVE_AVIH) != 0;
	case FORM_AVIX:
		return true;
	case FORM_WAVE:
		return (w->have & HAVE_FMT) != 0;
	case FORM_WEBP:
		return (w->have & (HAVE_IMAGE | HAVE_VP8X)) != 0;
	case FORM_ACON:
		return (w->have & HAVE_ANIH) != 0;
	case FORM_OTHER:
		break;
	}
	return w->top_chunks >= 2;
}

/* Whether a walk that ended cleanly has the chunks the form requires;
 * sets *why when not. */
static bool riff_complete(const struct riff_walk *w, const char **why)
{
	switch (w->form) {
	case FORM_AVI:
		if ((w->have & (HAVE_HDRL | HAVE_AVIH)) != (HAVE_HDRL | HAVE_AVIH))
			*why = "AVI without hdrl/avih";
		else if (!(w->have & HAVE_MOVI))
			*why = "AVI without movi list";
		else
			return true;
		return false;
	case FORM_AVIX:
		if (w->have & HAVE_MOVI)
			return true;
		*why = "AVIX without movi list";
		return false;
	case FORM_WAVE:
		if (!(w->have & HAVE_FMT))
			*why = "WAV without fmt chunk";
		else if (!(w->have & HAVE_DATA))
			*why = "WAV without data chunk";
		else
			return true;
		return false;
	case FORM_WEBP:
		if (w->have & HAVE_IMAGE)
			return true;
		*why = "WebP without image data";
		return false;
	case FORM_ACON:
		if (w->have & HAVE_ANIH)
			return true;
		*why = "animated cursor without anih";
		return false;
	case FORM_OTHER:
		break;
	}
	if (w->top_chunks > 0)
		return true;
	*why = "RIFF without chunks";
	return false;
}

/*
 * Reads the RF64 ds64 chunk that must come first; returns the 64-bit RIFF
 * size, or 0 after failing the walk.
 */
static uint64_t riff_ds64(struct riff_walk *w, uint32_t size32)
{
	const uint8_t *p = bread_peek(w->br, 12, 8 + 28);

	if (p == NULL) {
		riff_fail(w, WALK_BAD, 12, "RF64 without ds64 chunk");
		return 0;
	}
	uint32_t dsz = mem_le32(p + 4);
	if (!riff_is(p, "ds64") || dsz < 28) {
		riff_fail(w, WALK_BAD, 12, "RF64 without ds64 chunk");
		return 0;
	}
	uint64_t riff64 = mem_le64(p + 8);
	w->ds64_data = mem_le64(p + 16);
	uint32_t entries = mem_le32(p + 32);
	if (entries > (dsz - 28) / 12)
		entries = (dsz - 28) / 12;
	w->ds64_entries = entries < RIFF_DS64_MAX ? entries : RIFF_DS64_MAX;
	w->ds64_table = 12 + 8 + 28;
	w->rf64 = true;
	if (size32 != 0xffffffffu)
		riff64 = size32;
	if (riff64 < 4 + 8 + 28 || riff64 > (1ull << 62)) {
		riff_fail(w, WALK_BAD, 4, "bad RF64 size");
		return 0;
	}
	return riff64;
}

/* Walks the RIFF (or RF64) chunk at off, setting w->form and *ext from
 * its form type.  Returns its end; the outcome is in w->status. */
static uint64_t riff_walk_one(struct riff_walk *w, uint64_t off,
                              const char **ext)
{
	const uint8_t *h = bread_peek(w->br, off, 12);

	if (h == NULL) {
		riff_fail(w, WALK_SHORT, off, "data ends inside a chunk");
		return off;
	}
	bool rf64 = riff_is(h, "RF64") || riff_is(h, "BW64");
	uint32_t size32 = mem_le32(h + 4);
	uint64_t size = size32;
	if (!riff_printable(h + 8)) {
		riff_fail(w, WALK_BAD, off, "bad RIFF form type");
		return off;
	}
	w->form = riff_form_of(h + 8, ext);
	if (rf64) {
		if (w->form != FORM_WAVE) {
			riff_fail(w, WALK_BAD, off, "RF64 that is not WAVE");
			return off;
		}
		size = riff_ds64(w, size32);
		if (w->status != WALK_OK)
			return off;
	}
	if (size < 4) {
		riff_fail(w, WALK_BAD, off, "bad RIFF size");
		return off;
	}
	riff_walk_chunks(w, off + 12, off + 8 + size, NULL, 0);
	return off + 8 + size;
}

/* Where a walk that stopped at garbage shows the file to be its own: up
 * to the garbage, or in a movi list up to the body of the chunk before
 * it (the boundary lies in that chunk's data or at its end). */
static uint64_t riff_sure_end(const struct riff_walk *w)
{
	if (w->good != 0)
		return w->good;
	if (w->movi_body != 0 && w->movi_body < w->stop)
		return w->movi_body;
	return w->stop;
}

/* Turns a failed walk into a verdict: truncated after a convincing start,
 * else rejected. */
static void riff_verdict_failed(const struct riff_walk *w,
                                struct carve_result *res)
{
	if (w->status == WALK_BAD || !riff_convincing(w)) {
		carve_reject(res, w->why);
		return;
	}
	carve_truncated(res, w->status == WALK_SHORT ? w->limit :
	                riff_sure_end(w), w->why);
	/* A header that is no chunk's where the sizes lead: the first piece
	 * of the file ends before it. */
	if (w->status == WALK_GARBAGE && w->stop < w->limit)
		carve_note(res, CARVE_NOTE_FRAGMENT, w->stop);
	/* Data that ran out inside a chunk: every chunk before it was
	 * walked whole. */
	if (w->status == WALK_SHORT)
		res->vouched = w->stop;
}

static void riff_meta_avi(const struct riff_walk *w, struct carve_result *res,
                          unsigned riffs)
{
	uint32_t frames = (w->have & HAVE_DMLH) && w->dmlh_frames > w->frames ?
	                  w->dmlh_frames : w->frames;

	carve_meta_add(res, "width", "%u", w->width);
	carve_meta_add(res, "height", "%u", w->height);
	carve_meta_add(res, "frames", "%u", frames);
	carve_meta_add(res, "streams", "%u", w->streams);
	if (w->usec_per_frame > 0)
		carve_meta_add(res, "duration", "%.3f",
		               (double)frames * w->usec_per_frame / 1e6);
	if (riffs > 1)
		carve_meta_add(res, "riff_chunks", "%u", riffs);
}

static void riff_meta_wav(const struct riff_walk *w, struct carve_result *res)
{
	const char *codec = w->tag == 1 ? "pcm" : w->tag == 3 ? "float" :
	                    w->tag == 6 ? "alaw" : w->tag == 7 ? "ulaw" :
	                    w->tag == 0x55 ? "mp3" : NULL;

	if (codec != NULL)
		carve_meta_add(res, "codec", "%s", codec);
	else
		carve_meta_add(res, "codec", "0x%04x", w->tag);
	carve_meta_add(res, "channels", "%u", w->channels);
	carve_meta_add(res, "sample_rate", "%u", w->rate);
	if (w->bits > 0)
		carve_meta_add(res, "bits", "%u", w->bits);
	if (w->pcm)
		carve_meta_add(res, "duration", "%.3f", (double)w->data_size /
		               ((double)w->rate * w->block_align));
	else if (w->has_fact)
		carve_meta_add(res, "duration", "%.3f",
		               (double)w->fact_samples / w->rate);
	else if (w->byte_rate > 0)
		carve_meta_add(res, "duration", "%.3f",
		               (double)w->data_size / w->byte_rate);
}

/*
 * Follows the OpenDML continuations after the first RIFF AVI chunk, which
 * ended at *end: each must be a whole "RIFF" "AVIX" with a movi list.
 * Returns false after setting a truncated verdict.
 */
static bool riff_follow_avix(struct riff_walk *first, uint64_t *end,
                             unsigned *riffs, struct carve_result *res)
{
	for (unsigned n = 0; n < RIFF_MAX_AVIX; n++) {
		const uint8_t *h = bread_peek(first->br, *end, 12);
		if (h == NULL || !riff_is(h, "RIFF") || !riff_is(h + 8, "AVIX"))
			break;

		struct riff_walk w = {
			.br = first->br,
			.limit = first->limit,
			.nchunks = first->nchunks,
			.mjpeg = first->mjpeg,
			.dec = first->dec,
		};
		const char *ext;
		uint64_t e = riff_walk_one(&w, *end, &ext);
		first->nchunks = w.nchunks;
		if (w.status == WALK_OK && !riff_complete(&w, &w.why))
			riff_fail(&w, WALK_BAD, *end, w.why);
		if (w.status == WALK_SHORT) {
			carve_truncated(res, w.limit, w.why);
			res->vouched = w.stop;
			return false;
		}
		if (w.status != WALK_OK) {
			/* The first RIFF is whole; the damage starts here. */
			carve_truncated(res, w.status == WALK_GARBAGE ?
			                riff_sure_end(&w) : *end, w.why);
			if (w.status == WALK_GARBAGE && w.stop < w.limit)
				carve_note(res, CARVE_NOTE_FRAGMENT, w.stop);
			return false;
		}
		*end = e;
		(*riffs)++;
	}
	if ((first->have & HAVE_DMLH) && first->dmlh_frames > first->frames &&
	    *riffs == 1) {
		/* The OpenDML header counts frames that are not here. */
		if (*end >= first->limit)
			carve_truncated(res, first->limit, "AVIX continuation missing");
		else
			carve_truncated(res, *end, "AVIX continuation missing");
		return false;
	}
	return true;
}

/* Metadata of the form, from what a convincing walk found. */
static void riff_meta(const struct riff_walk *w, struct carve_result *res,
                      unsigned riffs)
{
	switch (w->form) {
	case FORM_AVI:
		riff_meta_avi(w, res, riffs);
		break;
	case FORM_WAVE:
		riff_meta_wav(w, res);
		break;
	case FORM_WEBP:
		carve_meta_add(res, "width", "%u", w->img_w);
		carve_meta_add(res, "height", "%u", w->img_h);
		carve_meta_add(res, "codec", "%s", w->img_kind);
		break;
	default:
		break;
	}
}

/* Walks the file from its start into res; with dec, decoding every
 * motion-JPEG frame on the way, except those rs says decoded before. */
static void riff_walk_file(struct bread *br, struct carve_result *res,
                           struct jdec *dec, struct carve_resume *rs,
                           uint64_t stable)
{
	struct riff_walk w = { .br = br, .limit = bread_size(br), .dec = dec,
	                       .rs = rs, .stable = stable };
	const char *ext = "riff";
	const char *why = NULL;
	const uint8_t *h = bread_peek(br, 0, 12);

	if (h == NULL) {
		carve_reject(res, "too short for RIFF");
		return;
	}
	if (!riff_is(h, "RIFF") && !riff_is(h, "RF64") && !riff_is(h, "BW64")) {
		carve_reject(res, "no RIFF signature");
		return;
	}
	if (riff_is(h + 8, "AVIX")) {
		/* The tail of an OpenDML file whose start is gone. */
		carve_reject(res, "AVIX continuation without its AVI");
		return;
	}
	uint64_t end = riff_walk_one(&w, 0, &ext);
	res->ext = ext;
	if (w.status == WALK_OK && !riff_complete(&w, &why))
		riff_fail(&w, WALK_BAD, 0, why);
	if (w.status != WALK_OK) {
		riff_verdict_failed(&w, res);
		if (res->verdict != CARVE_REJECT)
			riff_meta(&w, res, 1);
		return;
	}

	unsigned riffs = 1;
	if (w.form != FORM_AVI || riff_follow_avix(&w, &end, &riffs, res))
		carve_accept(res, end);
	riff_meta(&w, res, riffs);
}

static void riff_check(struct bread *br, struct carve_result *res,
                       struct jdec *dec)
{
	riff_walk_file(br, res, dec, NULL, 0);
}

/*
 * The chunk walk alone decides a whole file's length.  An AVI's
 * motion-JPEG frames are decoded (jpeg_decode.h) when the caller asks for
 * every check (reassembly telling a right continuation from a wrong one,
 * or validating over a map of several extents such as a volume's clusters)
 * and when the walk finds the file cut short at a header that is no
 * chunk's, so that the fragmentation point is the first byte of a frame
 * that stops decoding, not the next chunk header the sizes lead to: a
 * gap inside a frame no longer passes for the frame's own data.  A file
 * whose walk ends cleanly is not decoded, so a clean scan costs what it
 * did.
 */
static void riff_validate(struct bread *br, struct carve_result *res)
{
	const uint8_t *h = bread_peek(br, 0, 12);

	if (h == NULL || !riff_is(h, "RIFF") || !riff_is(h + 8, "AVI ")) {
		riff_check(br, res, NULL);
		return;
	}
	/* A map someone guessed (reassembly, the clusters of a volume a
	 * file may have used) comes with thorough set: the chunk walk alone
	 * takes any cluster inside a frame for its own. */
	jdec_validate(br, res, br->thorough, riff_check);
}

/*
 * riff_validate for reassembly's tries of one candidate: over a map that
 * asks for every check, the motion-JPEG frames that lie wholly in the
 * bytes every try shares (before stable) and decoded in an earlier try
 * are not decoded again; the chunk walk is done in full.  A frame's
 * decoding depends on its own bytes alone, so the verdict is
 * riff_validate's.
 */
static void riff_validate_resume(struct bread *br, struct carve_result *res,
                                 struct carve_resume **rs, uint64_t stable)
{
	const uint8_t *h = bread_peek(br, 0, 12);

	if (h == NULL || !riff_is(h, "RIFF") || !riff_is(h + 8, "AVI ") ||
	    !jdec_validate_resume(br, res, rs, sizeof(**rs), stable,
	                          riff_walk_file))
		riff_validate(br, res);
}

static void riff_resume_free(struct carve_resume *rs)
{
	free(rs);
}

static const struct format_sig riff_sigs[] = {
	FORMAT_SIG("RIFF", 0),
	FORMAT_SIG("RF64", 0),
	FORMAT_SIG("BW64", 0),
};

const struct format format_riff = {
	.name = "riff",
	.ext = "riff",
	.description = "RIFF: AVI (OpenDML), WAV/RF64, WebP, ANI",
	FORMAT_SIGS(riff_sigs),
	.align = 1,
	.min_size = 20,
	.max_size = 1ull << 38,
	.validate = riff_validate,
	.validate_resume = riff_validate_resume,
	.resume_free = riff_resume_free,
};

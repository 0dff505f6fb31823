/*
 * jpeg.c - the JPEG validator (JFIF, EXIF, plain JPEG interchange files).
 *
 * A JPEG file is SOI, a run of marker segments (tables, frame header,
 * application data, comments), then one scan (baseline) or several
 * (progressive) of entropy-coded data, each opened by an SOS segment, and
 * EOI.  The validator walks that structure from the candidate's start:
 * segments are checked and skipped by their length, entropy-coded data is
 * stepped through with memchr for 0xFF (stuffed FF 00 and in-sequence
 * RST0..7 are data, any other marker ends the scan), and the file ends at
 * the EOI that follows the last scan.  Because APPn segments are skipped by
 * length, the complete JPEG thumbnail inside an EXIF APP1 never ends the
 * main image early; a candidate that starts at the thumbnail's own SOI is
 * accepted at the thumbnail's EOI.
 *
 * This runs on every FF D8 FF on a drive, so a false start must fail in a
 * few bytes: the marker after SOI has to be one a header can begin with,
 * and each segment must end exactly where the next marker starts.
 *
 * Once a frame header and a scan have been seen, the end of the data or
 * garbage where a marker was due (another file's SOI, an invalid marker, a
 * long run of zeros or 0xFF fill) is a truncated file whose good part ends
 * there; before that point it is a rejection.  Metadata: width, height,
 * components, coding process, and make, model and DateTimeOriginal from the
 * first EXIF APP1 (bounded, best effort: bad EXIF never rejects the image).
 *
 * Where the file is cut short, or when the caller asks for every check,
 * the scans are decoded (jpeg_decode.c) to find the first byte that cannot
 * be the image's: the fragmentation point reassembly continues from.
 * Reassembly validates one candidate over many maps that share a head;
 * with validate_resume the decoding resumes from a point the decoder took
 * in an earlier run before the shared bytes end, so a try decodes only
 * the bytes after the head (the marker walk, at memchr speed, still runs
 * over the whole file).
 *
 * Not handled: JPEG-LS (SOF55, whose scans escape FF differently) and the
 * other JPGn extension markers are rejected; hierarchical files are walked
 * but only loosely checked.  MPO and gain-map files are accepted at the
 * first image's EOI; the images after it are candidates of their own.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/format.h"
#include "formats/jpeg_decode.h"

#define JPEG_MIN_SIZE 128
#define JPEG_MAX_SIZE (256ull << 20)

/*
 * Marker segments per file.  A real file has tens (progressive: a few
 * hundred at most, scans plus their tables); the bound keeps a run of tiny
 * segments from costing more than a fraction of a millisecond.
 */
#define JPEG_MAX_SEGMENTS 8192

/* Consecutive 0xFF fill bytes before a marker; more is erased flash. */
#define JPEG_MAX_FILL 1024

/*
 * Zero bytes in a row inside entropy-coded data.  Only a huge, perfectly
 * flat image codes that many zero bits in a row; a cut file followed by
 * zeroed sectors is far more likely, and without this bound the scan would
 * run on to the reader's limit.
 */
#define JPEG_MAX_ZERO_RUN (1u << 20)

/*
 * When a scan ends badly in a run of at least this many zeros (a sector),
 * the good part ends where the zeros begin.
 */
#define JPEG_ZERO_TAIL 512

/*
 * Entropy-coded bytes one 8x8 block can take, generously (the worst case
 * of 8-bit baseline is about 200, of 16-bit lossless 256 per 64 samples),
 * plus slack for scan overheads: beyond this, what we are stepping through
 * is not this image's data.
 */
#define JPEG_BYTES_PER_BLOCK 1024u
#define JPEG_SCAN_SLACK (64u << 10)

/*
 * Entropy-coded bits per 8x8 block below which a Huffman-coded image the
 * walk calls whole is decoded before it is believed (about 0.75 bits a
 * pixel in 4:2:0, a quarter of a camera's usual rate).  A photo cut in its
 * data and followed by other bytes is called whole when an EOI turns up
 * in them before anything a scan cannot hold: random bytes do that once
 * in about 256 cuts, a few hundred bytes past the cut, and such a file
 * holds too few bits for its frame.  Decoding costs time in proportion to
 * the data, which is small here by definition.
 */
#define JPEG_SPARSE_BITS 32u

/* IFD entries looked at per EXIF directory. */
#define EXIF_MAX_ENTRIES 512

#define EXIF_TEXT 64

enum {
	M_SOF0 = 0xc0, M_DHT = 0xc4, M_JPG = 0xc8, M_DAC = 0xcc,
	M_SOF15 = 0xcf, M_RST0 = 0xd0, M_RST7 = 0xd7, M_SOI = 0xd8,
	M_EOI = 0xd9, M_SOS = 0xda, M_DQT = 0xdb, M_DNL = 0xdc,
	M_DRI = 0xdd, M_DHP = 0xde, M_EXP = 0xdf, M_APP0 = 0xe0,
	M_APP1 = 0xe1, M_APP15 = 0xef, M_COM = 0xfe,
};

/* What the walk has seen so far. */
struct jpeg_state {
	uint64_t size;          /* reader limit */
	uint64_t entropy;       /* entropy-coded bytes, all scans */
	uint64_t entropy_max;   /* what the frame's size allows */
	uint64_t blocks;        /* the frame's 8x8 blocks, 0: not known */
	uint64_t data_from;     /* where the first scan's data starts */
	unsigned nsegs;
	uint16_t restart;       /* restart interval (MCUs), 0: none */
	uint16_t width, height;
	uint8_t sof;            /* first frame's SOF marker, 0: none yet */
	uint8_t ncomp;
	uint8_t comp_id[4];
	bool dqt, sos, dhp, exif;
	/* Decoding (jpeg_decode.h): the decoder, or NULL for the marker
	 * walk only; whether a scan has decoded whole. */
	struct jdec *dec;
	bool decoded;
	/* A sector's worth of zeros or more inside scan data that went on
	 * past them: a flat image codes that, but so does a file whose
	 * data were continued after a gap of zeroed sectors, which the
	 * marker walk cannot tell apart. */
	bool zero_gap;
	/* Where the last segment, or the data of the last scan decoded,
	 * began: what comes before it is the file's. */
	uint64_t prev_seg;
	char make[EXIF_TEXT], model[EXIF_TEXT], created[EXIF_TEXT];
};

/* How an entropy-coded run ended. */
enum jpeg_scan_end {
	SCAN_MARKER,    /* at a marker: the walk goes on from there */
	SCAN_DATA_END,  /* the reader's limit */
	SCAN_GARBAGE,   /* something that cannot be this scan's data */
};

static const char *const jpeg_coding[16] = {
	"baseline", "extended", "progressive", "lossless", NULL,
	"differential sequential", "differential progressive",
	"differential lossless", NULL, "extended arithmetic",
	"progressive arithmetic", "lossless arithmetic", NULL,
	"differential sequential arithmetic",
	"differential progressive arithmetic",
	"differential lossless arithmetic",
};

/* Whether a Huffman-coded frame's scans hold fewer bits than its blocks
 * normally take (JPEG_SPARSE_BITS). */
static bool jpeg_sparse(const struct jpeg_state *st)
{
	bool arithmetic = st->sof & 8, lossless = (st->sof & 3) == 3;

	return st->sof != 0 && !arithmetic && !lossless && st->blocks != 0 &&
	       st->entropy < st->blocks * (JPEG_SPARSE_BITS / 8);
}

/* True for the SOFn markers (C0..CF less DHT, JPG and DAC). */
static bool jpeg_is_sof(uint8_t m)
{
	return m >= M_SOF0 && m <= M_SOF15 && m != M_DHT && m != M_JPG &&
	       m != M_DAC;
}

/* True for a marker a file's header may open with, right after SOI. */
static bool jpeg_is_first(uint8_t m)
{
	return (m >= M_APP0 && m <= M_APP15) || m == M_DQT || m == M_DHT ||
	       m == M_COM || m == M_DRI || m == M_DAC || m == M_DHP ||
	       jpeg_is_sof(m) || m == 0xff;
}

/* Emits the metadata gathered so far. */
static void jpeg_meta(struct carve_result *res, const struct jpeg_state *st)
{
	if (st->sof == 0)
		return;
	carve_meta_add(res, "width", "%u", st->width);
	carve_meta_add(res, "height", "%u", st->height);
	carve_meta_add(res, "components", "%u", st->ncomp);
	const char *coding = jpeg_coding[st->sof - M_SOF0];
	if (coding != NULL)
		carve_meta_add(res, "coding", "%s", coding);
	if (st->make[0] != '\0')
		carve_meta_add(res, "make", "%s", st->make);
	if (st->model[0] != '\0')
		carve_meta_add(res, "model", "%s", st->model);
	if (st->created[0] != '\0')
		carve_meta_add(res, "created", "%s", st->created);
}

/*
 * Ends the walk short of an EOI at len: a truncated file when a frame and
 * a scan were seen (there is an image to keep), a rejection otherwise.
 */
static void jpeg_cut(struct carve_result *res, const struct jpeg_state *st,
                     uint64_t len, const char *why)
{
	if (st->decoded && len < st->size) {
		/* After a scan that decoded whole, what stands where the
		 * next marker is due is not this file's, and the segment
		 * before it may not be either. */
		carve_truncated(res, st->prev_seg < len ? st->prev_seg : len,
		                why);
		carve_note(res, CARVE_NOTE_FRAGMENT, len);
		jpeg_meta(res, st);
	} else if (st->sof != 0 && st->sos && len > st->data_from) {
		carve_truncated(res, len, why);
		jpeg_meta(res, st);
	} else {
		carve_reject(res, why);
	}
}

/* ---------------------------------------------------------------- EXIF */

struct exif {
	const uint8_t *p;   /* the TIFF block: offsets count from here */
	uint32_t n;
	bool le;
};

static uint16_t exif_u16(const struct exif *x, uint32_t at)
{
	return x->le ? mem_le16(x->p + at) : mem_be16(x->p + at);
}

static uint32_t exif_u32(const struct exif *x, uint32_t at)
{
	return x->le ? mem_le32(x->p + at) : mem_be32(x->p + at);
}

/*
 * Copies the ASCII value of the IFD entry at e into out as printable text
 * (trailing blanks trimmed); leaves out empty when it is not usable.
 */
static void exif_text(const struct exif *x, uint32_t e, char out[EXIF_TEXT])
{
	uint32_t count = exif_u32(x, e + 4);
	uint32_t at = e + 8;
	size_t k = 0;

	out[0] = '\0';
	if (exif_u16(x, e + 2) != 2 || count == 0)
		return;
	if (count > 4) {
		at = exif_u32(x, e + 8);
		if (at > x->n || count > x->n - at)
			return;
	}
	for (uint32_t i = 0; i < count && k < EXIF_TEXT - 1; i++) {
		uint8_t c = x->p[at + i];
		if (c == '\0')
			break;
		out[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	while (k > 0 && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
}

/* Rewrites an EXIF "YYYY:MM:DD HH:MM:SS" as ISO 8601; empties it if odd. */
static void exif_date(char s[EXIF_TEXT])
{
	static const char pat[] = "dddd:dd:dd dd:dd:dd";

	for (size_t i = 0; i < sizeof(pat) - 1; i++) {
		bool digit = s[i] >= '0' && s[i] <= '9';
		if (pat[i] == 'd' ? !digit : s[i] != pat[i]) {
			s[0] = '\0';
			return;
		}
	}
	if (memcmp(s, "0000", 4) == 0) {
		s[0] = '\0';
		return;
	}
	s[4] = '-';
	s[7] = '-';
	s[10] = 'T';
	s[19] = '\0';
}

/*
 * Reads the tags we want from the IFD at off; returns the Exif sub-IFD
 * offset found there (0 when none).
 */
static uint32_t exif_ifd(const struct exif *x, uint32_t off,
                         struct jpeg_state *st, char *date)
{
	uint32_t sub = 0;

	if (off < 8 || off > x->n - 2)
		return 0;
	uint32_t count = exif_u16(x, off);
	if (count > EXIF_MAX_ENTRIES || count > (x->n - off - 2) / 12)
		return 0;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t e = off + 2 + 12 * i;

		switch (exif_u16(x, e)) {
		case 0x010f:
			exif_text(x, e, st->make);
			break;
		case 0x0110:
			exif_text(x, e, st->model);
			break;
		case 0x0132:    /* DateTime: used when no DateTimeOriginal */
			if (st->created[0] == '\0')
				exif_text(x, e, st->created);
			break;
		case 0x9003:    /* DateTimeOriginal */
			exif_text(x, e, date);
			break;
		case 0x8769:    /* the Exif IFD */
			if (exif_u16(x, e + 2) == 4 || exif_u16(x, e + 2) == 13)
				sub = exif_u32(x, e + 8);
			break;
		}
	}
	return sub;
}

/*
 * Parses an APP1 payload [off, off+n) if it is EXIF: IFD0 and the Exif
 * IFD only, no chains, so no loop is possible.
 */
static void jpeg_exif(struct bread *br, struct jpeg_state *st, uint64_t off,
                      uint32_t n)
{
	char date[EXIF_TEXT] = "";

	if (n < 6 + 8)
		return;
	const uint8_t *p = bread_peek(br, off, n);
	if (p == NULL || memcmp(p, "Exif\0", 5) != 0)
		return;
	st->exif = true;

	struct exif x = { .p = p + 6, .n = n - 6 };
	if (memcmp(x.p, "II*\0", 4) == 0)
		x.le = true;
	else if (memcmp(x.p, "MM\0*", 4) != 0)
		return;
	uint32_t ifd0 = exif_u32(&x, 4);
	uint32_t sub = exif_ifd(&x, ifd0, st, date);
	if (sub != 0 && sub != ifd0)
		exif_ifd(&x, sub, st, date);
	if (date[0] != '\0')
		memcpy(st->created, date, sizeof(date));
	exif_date(st->created);
}

/* ------------------------------------------------------------ segments */

/*
 * Checks a frame header (SOFn or DHP) payload s[0..n) and records the
 * geometry; false when it cannot be one.
 */
static bool jpeg_sof(struct jpeg_state *st, uint8_t m, const uint8_t *s,
                     uint32_t n)
{
	bool lossless = (m & 3) == 3 && m != M_DHP;
	unsigned hmax = 1, vmax = 1, hv = 0;

	if (n < 6)
		return false;
	unsigned prec = s[0], nf = s[5];
	uint16_t y = mem_be16(s + 1), x = mem_be16(s + 3);
	if (nf == 0 || nf > 4 || n != 6 + 3 * nf || x == 0)
		return false;
	if (lossless ? (prec < 2 || prec > 16) :
	    (prec != 8 && (prec != 12 || m == M_SOF0)))
		return false;
	for (unsigned i = 0; i < nf; i++) {
		const uint8_t *c = s + 6 + 3 * i;
		unsigned h = c[1] >> 4, v = c[1] & 15;

		if (h < 1 || h > 4 || v < 1 || v > 4 || c[2] > 3)
			return false;
		for (unsigned j = 0; j < i; j++)
			if (s[6 + 3 * j] == c[0])
				return false;
		hmax = h > hmax ? h : hmax;
		vmax = v > vmax ? v : vmax;
		hv += h * v;
	}
	/* Hierarchical files carry several frames (the DHP header first):
	 * the size is the first header's, the components each frame's. */
	st->ncomp = (uint8_t)nf;
	for (unsigned i = 0; i < nf; i++)
		st->comp_id[i] = s[6 + 3 * i];
	if (m != M_DHP && st->sof == 0)
		st->sof = m;
	if (st->width != 0)
		return true;
	st->width = x;
	st->height = y;
	if (y == 0 || m == M_DHP) {
		/* No bound: the height comes later (DNL), or several frames
		 * share the data. */
		st->entropy_max = UINT64_MAX;
	} else {
		uint64_t mcux = (x + 8u * hmax - 1) / (8u * hmax);
		uint64_t mcuy = (y + 8u * vmax - 1) / (8u * vmax);
		st->entropy_max = mcux * mcuy * hv * JPEG_BYTES_PER_BLOCK +
		                  JPEG_SCAN_SLACK;
		st->blocks = mcux * mcuy * hv;
	}
	return true;
}

/* Checks a DHT payload: whole tables, none over-subscribed. */
static bool jpeg_dht(const uint8_t *s, uint32_t n)
{
	uint32_t at = 0;

	if (n == 0)
		return false;
	while (at < n) {
		if (n - at < 17 || (s[at] >> 4) > 1 || (s[at] & 15) > 3)
			return false;
		uint32_t total = 0, space = 0;
		for (unsigned l = 1; l <= 16; l++) {
			total += s[at + l];
			space += (uint32_t)s[at + l] << (16 - l);
		}
		if (total > 256 || space > (1u << 16) || n - at - 17 < total)
			return false;
		at += 17 + total;
	}
	return true;
}

/* Checks a DQT payload: whole 8- or 16-bit tables for slots 0..3. */
static bool jpeg_dqt(const uint8_t *s, uint32_t n)
{
	uint32_t at = 0;

	if (n == 0)
		return false;
	while (at < n) {
		unsigned pq = s[at] >> 4;
		uint32_t len = 1 + 64u * (pq + 1);

		if (pq > 1 || (s[at] & 15) > 3 || n - at < len)
			return false;
		at += len;
	}
	return true;
}

/* Checks an SOS payload against the frame header. */
static bool jpeg_sos(const struct jpeg_state *st, const uint8_t *s,
                     uint32_t n)
{
	if (st->sof == 0 || n < 1)
		return false;
	unsigned ns = s[0];
	if (ns < 1 || ns > 4 || n != 1 + 2 * ns + 3)
		return false;
	for (unsigned i = 0; i < ns; i++) {
		const uint8_t *c = s + 1 + 2 * i;
		bool found = false;

		for (unsigned j = 0; j < st->ncomp; j++)
			found |= st->comp_id[j] == c[0];
		if (!found || (c[1] >> 4) > 3 || (c[1] & 15) > 3)
			return false;
	}
	const uint8_t *t = s + 1 + 2 * ns;
	return t[0] <= 63 && t[1] <= 63 && (t[2] >> 4) <= 13;
}

/* Checks a DAC payload: conditioning pairs for tables 0..3. */
static bool jpeg_dac(const uint8_t *s, uint32_t n)
{
	if (n == 0 || n % 2 != 0)
		return false;
	for (uint32_t i = 0; i < n; i += 2)
		if ((s[i] >> 4) > 1 || (s[i] & 15) > 3)
			return false;
	return true;
}

/*
 * Checks one length-bearing segment m with payload [off, off+n) and
 * records what it says; the reason when it cannot be real, else NULL.
 */
static const char *jpeg_segment(struct bread *br, struct jpeg_state *st,
                                uint8_t m, uint64_t off, uint32_t n)
{
	if ((m >= M_APP0 && m <= M_APP15) || m == M_COM) {
		if (m == M_APP1 && !st->exif)
			jpeg_exif(br, st, off, n);
		return NULL;   /* opaque: skipped by length */
	}
	if (m == M_JPG || (m >= 0xf0 && m <= 0xfd))
		return "reserved JPEG extension marker";

	/* Table and header segments are small: look at them whole. */
	const uint8_t *s = bread_peek(br, off, n ? n : 1);
	if (s == NULL)
		return "unreadable segment";
	switch (m) {
	case M_DHT:
		return jpeg_dht(s, n) ? NULL : "bad Huffman table";
	case M_DQT:
		st->dqt = true;
		return jpeg_dqt(s, n) ? NULL : "bad quantization table";
	case M_DAC:
		return jpeg_dac(s, n) ? NULL : "bad arithmetic conditioning";
	case M_DRI:
		if (n != 2)
			return "bad restart interval segment";
		st->restart = mem_be16(s);
		return NULL;
	case M_SOS:
		return jpeg_sos(st, s, n) ? NULL : "bad scan header";
	case M_DNL:
		if (n != 2 || !st->sos || mem_be16(s) == 0)
			return "bad line count segment";
		if (st->height == 0)
			st->height = mem_be16(s);
		return NULL;
	case M_DHP:
		if (st->sof != 0 || st->dhp)
			return "hierarchy header after a frame";
		st->dhp = true;
		return jpeg_sof(st, m, s, n) ? NULL : "bad hierarchy header";
	case M_EXP:
		return n == 1 && st->dhp ? NULL : "bad expand segment";
	}
	if (jpeg_is_sof(m)) {
		if (st->sof != 0 && !st->dhp)
			return "second frame header";
		return jpeg_sof(st, m, s, n) ? NULL : "bad frame header";
	}
	return "invalid marker";
}

/* -------------------------------------------------------- entropy data */

/* Number of zero bytes at the end of p[0..n). */
static size_t jpeg_leading_zeros(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n && p[i] == 0)
		i++;
	return i;
}

/*
 * Whether p[0..n) holds min zeros in a row.  Any such run covers a
 * multiple of min/2, so only those bytes are looked at first: data
 * without long runs cost n/(min/2) reads.
 */
static bool jpeg_zero_run(const uint8_t *p, size_t n, size_t min)
{
	size_t step = min / 2;
	for (size_t i = 0; i < n; i += step) {
		if (p[i] != 0)
			continue;
		size_t lo = i, hi = i;
		while (lo > 0 && p[lo - 1] == 0)
			lo--;
		while (hi < n && p[hi] == 0)
			hi++;
		if (hi - lo >= min)
			return true;
		i = hi - hi % step;
	}
	return false;
}

static size_t jpeg_trailing_zeros(const uint8_t *p, size_t n)
{
	size_t k = 0;

	while (k < n && p[n - 1 - k] == 0)
		k++;
	return k;
}

/*
 * Steps through the entropy-coded data of one scan from off.  On return
 * *at is the marker that ends it (SCAN_MARKER), or where the good data
 * ends (with *why): before the garbage (SCAN_GARBAGE) or at the limit
 * (SCAN_DATA_END), in both cases less a trailing run of zeros.
 */
static enum jpeg_scan_end jpeg_scan(struct bread *br, struct jpeg_state *st,
                                    uint64_t off, uint64_t *at,
                                    const char **why)
{
	uint64_t start = off, zrun_from = off, zrun = 0;
	/* The last offset this frame can still have data at. */
	uint64_t room = st->entropy_max - st->entropy;
	uint64_t limit = room > UINT64_MAX - off ? UINT64_MAX : off + room;
	unsigned rst = 0, fill;
	uint8_t m;

	for (;;) {
		size_t len;
		const uint8_t *p;

		if (off > limit) {
			*at = limit;
			*why = "scan data longer than the image allows";
			goto garbage;
		}
		p = bread_span(br, off, &len);
		if (p == NULL)
			goto data_end;
		if (limit - off < len)
			len = (size_t)(limit - off) + 1;
		const uint8_t *ff = memchr(p, 0xff, len);
		size_t n = ff != NULL ? (size_t)(ff - p) : len;

		/* Track runs of zeros; real data almost never ends a stretch
		 * without an FF on a zero, so this costs a byte or two. */
		size_t tz = jpeg_trailing_zeros(p, n);
		if (tz != n && (zrun + jpeg_leading_zeros(p, n) >= JPEG_ZERO_TAIL ||
		                jpeg_zero_run(p, n, JPEG_ZERO_TAIL)))
			st->zero_gap = true;
		if (tz == n) {
			zrun += n;
		} else {
			zrun = tz;
			zrun_from = off + n - tz;
		}
		off += n;
		if (zrun >= JPEG_MAX_ZERO_RUN) {
			*at = off;
			*why = "zeros where scan data should be";
			goto garbage;
		}
		if (ff == NULL)
			continue;

		/* An FF: fill bytes may come before what follows it. */
		uint64_t mark = off;
		if (n + 1 < len && ff[1] != 0xff) {
			m = ff[1];      /* the common case, in the span */
			off += 2;
		} else {
			for (fill = 0, m = 0xff; m == 0xff; fill++) {
				if (fill > JPEG_MAX_FILL) {
					*at = mark;
					*why = "too many fill bytes";
					goto garbage;
				}
				if (bread_u8(br, ++off, &m) != 0)
					goto data_end;
			}
			off++;
		}
		if (m >= M_RST0 && m <= M_RST7) {
			if (st->restart == 0 || m != M_RST0 + rst) {
				*at = mark;
				*why = "restart marker out of sequence";
				goto garbage;
			}
			rst = (rst + 1) & 7;
		} else if (m != 0x00) {         /* 00: a stuffed FF data byte */
			st->entropy += mark - start;
			*at = mark;
			return SCAN_MARKER;
		}
		if (zrun >= JPEG_ZERO_TAIL)
			st->zero_gap = true;
		zrun = 0;
		zrun_from = off;
	}

data_end:
	*at = st->size;
	*why = "data ends inside a scan";
	if (zrun >= JPEG_ZERO_TAIL) {
		*at = zrun_from;
		*why = "zeros where scan data should be";
	}
	return SCAN_DATA_END;
garbage:
	if (zrun >= JPEG_ZERO_TAIL && zrun_from < *at) {
		*at = zrun_from;
		*why = "zeros where scan data should be";
	}
	return SCAN_GARBAGE;
}

/* ------------------------------------------------------------ validate */

/*
 * Hands a checked segment to the decoder, and decodes a scan whose SOS
 * payload is [sos, sos+n) and whose data start at off.  Returns true with
 * *next the marker after the scan when it decoded whole, or when the
 * decoder cannot tell (then the marker walk steps through the scan);
 * false with res filled at a fragmentation point.
 */
static bool jpeg_decode_scan(struct bread *br, struct jpeg_state *st,
                             struct carve_result *res, const uint8_t *hdr,
                             uint32_t n, uint64_t off, uint64_t *next,
                             const char **why, struct jdec_points *pp)
{
	struct jdec_fail fail;

	if (hdr == NULL)
		goto walk;
	switch (jdec_scan_points(st->dec, br, hdr, n, off, next, &fail, pp)) {
	case JDEC_OK:
		st->entropy += *next - off;
		st->decoded = true;
		st->prev_seg = *next;
		return true;
	case JDEC_FAIL:
		carve_truncated(res, fail.good, fail.why);
		carve_note(res, CARVE_NOTE_FRAGMENT, fail.bad);
		jpeg_meta(res, st);
		return false;
	case JDEC_DATA_END:
		break;
	case JDEC_SKIP:
		/* A later scan may build on this one (progressive
		 * refinement): stop decoding altogether. */
		jdec_free(st->dec);
		st->dec = NULL;
		st->decoded = false;
		break;
	}
walk:
	switch (jpeg_scan(br, st, off, next, why)) {
	case SCAN_MARKER:
		return true;
	case SCAN_DATA_END:
	case SCAN_GARBAGE:
		break;
	}
	jpeg_cut(res, st, *next, *why);
	return false;
}

/* A point a decoding resumes from: the walk's state when the scan began
 * whose decoding it resumes, that scan's SOS payload and where its data
 * start, and the decoder's point. */
struct jpeg_mark {
	struct jpeg_state st;   /* st.dec unused */
	uint8_t hdr[16];
	uint32_t n;
	uint64_t data;
	struct jdec_point *pt;
	uint64_t stable;        /* the stable of the run it was taken in */
};

/* Near marks kept: a reassembly step tries a few boundaries, each with
 * many tails. */
#define JPEG_NEAR_MARKS 8

/*
 * Reassembly's saved progress (format.h validate_resume): the last point
 * before stable, and points just before the shared bytes of the tries
 * that read further (br->shared), one for each boundary tried, so that a
 * try decodes again only what lies past its own boundary.
 */
struct carve_resume {
	struct jpeg_mark main;
	struct jpeg_mark near[JPEG_NEAR_MARKS];
	unsigned next;          /* the near mark replaced next */
};

/* The mark a run with stable and shared resumes from, or NULL. */
static struct jpeg_mark *mark_best(struct carve_resume *rs, uint64_t stable,
                                   uint64_t shared)
{
	struct jpeg_mark *best = NULL;
	uint64_t at = 0;

	if (jdec_point_off(rs->main.pt) <= stable) {
		best = &rs->main;
		at = jdec_point_off(rs->main.pt);
	}
	for (unsigned k = 0; shared > stable && k < JPEG_NEAR_MARKS; k++) {
		struct jpeg_mark *m = &rs->near[k];
		uint64_t o = m->pt != NULL ? jdec_point_off(m->pt) : UINT64_MAX;
		if (m->stable == stable && o <= shared && (best == NULL || o > at)) {
			best = m;
			at = o;
		}
	}
	return best;
}

/* The near mark a run with stable saves into (its point made), or NULL:
 * one left from an earlier stable, else the next in turn but never the
 * one resumed from.  It changes only when a point goes into it. */
static struct jpeg_mark *mark_victim(struct carve_resume *rs, uint64_t stable,
                                     const struct jpeg_mark *from)
{
	struct jpeg_mark *m = NULL;

	for (unsigned k = 0; k < JPEG_NEAR_MARKS && m == NULL; k++)
		if (rs->near[k].stable != stable || rs->near[k].pt == NULL)
			m = &rs->near[k];
	if (m == NULL) {
		m = &rs->near[rs->next++ % JPEG_NEAR_MARKS];
		if (m == from)
			m = &rs->near[rs->next++ % JPEG_NEAR_MARKS];
	}
	if (m->pt == NULL && (m->pt = jdec_point_new()) == NULL)
		return NULL;
	return m;
}

/* Sets mark m to the walk's state st (as the scan with SOS payload hdr
 * of n bytes, data at data, began) after a point of a run with stable
 * went into it. */
static void mark_set(struct jpeg_mark *m, const struct jpeg_state *st,
                     const uint8_t *hdr, uint32_t n, uint64_t data,
                     uint64_t stable)
{
	m->stable = stable;
	m->st = *st;
	m->st.dec = NULL;
	memcpy(m->hdr, hdr, sizeof(m->hdr));
	m->n = n;
	m->data = data;
}

/* Walks the file from SOI; decodes its scans when dec is not NULL (the
 * walk then owns it).  With rs, resumes from the furthest of its marks
 * this run's bytes allow, saves points before stable into its main mark
 * and, when the run shares bytes further (br->shared), the last point
 * before those end into a near mark.  Returns whether the walk saw what
 * only decoding settles: a zero gap inside scan data, or too few bits
 * for the frame (jpeg_sparse). */
static bool jpeg_walk(struct bread *br, struct carve_result *res,
                      struct jdec *dec, struct carve_resume *rs,
                      uint64_t stable)
{
	struct jpeg_state st;
	const char *why = NULL;
	struct jdec_points pp = { .before = stable };
	struct jdec_points *ppp = NULL;
	uint8_t hdr[16];
	struct jpeg_mark *from = NULL, *near = NULL;

	memset(&st, 0, sizeof(st));
	st.dec = dec;
	if (rs != NULL && dec != NULL) {
		ppp = &pp;
		pp.save = rs->main.pt;
		from = mark_best(rs, stable, br->shared);
		struct jdec *d = from != NULL ? jdec_point_decoder(from->pt)
		                 : NULL;
		if (d != NULL) {
			jdec_free(dec);
			st = from->st;
			st.dec = d;
			/* the bytes from the point to stable decoded again,
			 * and the state copied (at memory speed) */
			uint64_t at = jdec_point_off(from->pt);
			res->rework = (at < stable ? stable - at : 0) +
			              jdec_point_size(from->pt) / 16;
		} else {
			from = NULL;
			res->rework = stable;   /* all decoded again */
		}
		if (br->shared > stable &&
		    (near = mark_victim(rs, stable, from)) != NULL) {
			pp.save2 = near->pt;
			pp.before2 = br->shared;
		}
	}
	st.size = bread_size(br);
	const uint8_t *p = bread_peek(br, 0, 4);
	if (p == NULL) {
		carve_reject(res, "shorter than a marker");
		goto out;
	}
	if (p[0] != 0xff || p[1] != M_SOI || p[2] != 0xff) {
		carve_reject(res, "no SOI marker");
		goto out;
	}
	if (!jpeg_is_first(p[3])) {
		carve_reject(res, "no header segment after SOI");
		goto out;
	}

	uint64_t off = 2;
	if (from != NULL) {
		/* The walk and the decode went this far in an earlier run
		 * over the same bytes: on from the point. */
		struct jpeg_mark m = *from;
		pp.from = m.pt;
		memcpy(hdr, m.hdr, sizeof(hdr));
		bool ok = jpeg_decode_scan(br, &st, res, hdr, m.n, m.data, &off,
		                           &why, ppp);
		/* a point taken on is of the same scan */
		if (pp.saved2)
			mark_set(near, &m.st, m.hdr, m.n, m.data, stable);
		if (!ok)
			goto out;
		pp.from = NULL;
	}
	for (;;) {
		uint64_t at = off;      /* where the next marker is due */
		unsigned fill = 0;

		for (;;) {
			p = bread_peek(br, off, 2);
			if (p == NULL) {
				jpeg_cut(res, &st, st.size,
				         "data ends between segments");
				goto out;
			}
			if (p[0] != 0xff) {
				jpeg_cut(res, &st, at,
				         "no marker where one was due");
				goto out;
			}
			if (p[1] != 0xff)
				break;
			if (++fill > JPEG_MAX_FILL) {
				jpeg_cut(res, &st, at, "too many fill bytes");
				goto out;
			}
			off++;
		}
		uint8_t m = p[1];
		off += 2;
		if (++st.nsegs > JPEG_MAX_SEGMENTS) {
			jpeg_cut(res, &st, at, "too many segments");
			goto out;
		}

		if (m == M_EOI) {
			if (st.sof == 0 || !st.sos || st.entropy == 0) {
				carve_reject(res, "EOI before any image data");
			} else if (!st.dqt && (st.sof & 3) != 3) {
				carve_reject(res, "no quantization table");
			} else if (st.height == 0) {
				carve_reject(res, "no image height");
			} else {
				carve_accept(res, off);
				jpeg_meta(res, &st);
			}
			goto out;
		}
		if (m == M_SOI) {
			jpeg_cut(res, &st, at, "another file starts (SOI)");
			goto out;
		}
		if (m < M_SOF0 || (m >= M_RST0 && m <= M_RST7)) {
			jpeg_cut(res, &st, at, "invalid marker");
			goto out;
		}

		uint16_t len;
		if (bread_be16(br, off, &len) != 0) {
			jpeg_cut(res, &st, st.size,
			         "data ends in a segment header");
			goto out;
		}
		if (len < 2) {
			jpeg_cut(res, &st, at, "bad segment length");
			goto out;
		}
		if (off + len > st.size) {
			jpeg_cut(res, &st, st.size,
			         "data ends inside a segment");
			goto out;
		}
		why = jpeg_segment(br, &st, m, off + 2, len - 2u);
		if (why != NULL) {
			jpeg_cut(res, &st, at, why);
			/* The bad byte lies somewhere in the segment. */
			if (res->note == CARVE_NOTE_FRAGMENT)
				carve_note(res, CARVE_NOTE_FRAGMENT, off + len);
			goto out;
		}
		if (st.dec != NULL && m != M_SOS && !(m >= M_APP0 &&
		    m <= M_APP15) && m != M_COM && len > 2) {
			const uint8_t *s = bread_peek(br, off + 2, len - 2u);
			if (s != NULL)
				jdec_segment(st.dec, m, s, len - 2u);
		}
		off += len;
		if (m != M_SOS) {
			st.prev_seg = at;
			continue;
		}

		if (!st.sos)
			st.data_from = off;
		st.sos = true;
		if (st.dec != NULL) {
			/* The decoder reads through br, which moves the
			 * window: copy the header. */
			uint32_t n = len - 2u;
			const uint8_t *h = hdr;
			if (n > sizeof(hdr) || bread_read(br, off - len + 2, hdr,
			                                  n) != n)
				h = NULL;
			struct jpeg_state before;
			if (ppp != NULL)
				before = st;
			pp.saved = pp.saved2 = false;
			uint64_t data = off;
			bool ok = jpeg_decode_scan(br, &st, res, h, n, off, &off,
			                           &why, ppp);
			if (ppp != NULL && pp.saved)
				mark_set(&rs->main, &before, hdr, n, data,
				         stable);
			if (ppp != NULL && pp.saved2)
				mark_set(near, &before, hdr, n, data, stable);
			if (!ok)
				goto out;
			continue;
		}
		switch (jpeg_scan(br, &st, off, &off, &why)) {
		case SCAN_MARKER:
			break;
		case SCAN_DATA_END:
		case SCAN_GARBAGE:
			jpeg_cut(res, &st, off, why);
			goto out;
		}
	}
out:
	jdec_free(st.dec);
	return st.zero_gap || jpeg_sparse(&st);
}

/* The decoding walk first, the marker walk only when decoding places no
 * fragmentation point: the verdict jpeg_check gives with br->thorough. */
static void jpeg_decode_check(struct bread *br, struct carve_result *res,
                              struct carve_resume *rs, uint64_t stable)
{
	struct carve_result r2;
	struct jdec *dec = jdec_new();

	memset(&r2, 0, sizeof(r2));
	if (dec != NULL) {
		jpeg_walk(br, &r2, dec, rs, stable);
		if (r2.note == CARVE_NOTE_FRAGMENT) {
			*res = r2;
			return;
		}
	}
	jpeg_walk(br, res, NULL, NULL, 0);
	if (dec != NULL && (res->verdict == CARVE_TRUNCATED ||
	                    res->verdict == CARVE_ACCEPT))
		res->rework = r2.rework;
}

/*
 * The marker walk alone decides a whole file's length.  The scans are
 * decoded (jpeg_decode.h) when the caller asks for every check
 * (br->thorough: reassembly telling a right continuation from a wrong
 * one), and whenever the walk finds the file cut short, to place the cut
 * where the data stop decoding rather than where garbage first shows a
 * marker.  A fragmentation point found that way is a truncated verdict
 * with CARVE_NOTE_FRAGMENT: note_off is the byte where decoding failed
 * (for a Huffman code, the byte holding the first bit no code starts
 * with; for a marker inside the data, its code byte: the 0xFF before it
 * may be the file's, a piece ending on one), and length is what
 * is sure to be the file's: 2 KiB before note_off (JDEC_BACK), but never
 * before the restart interval that failed, and never after the MCU that
 * failed.  After a scan that decoded whole, a segment that cannot follow
 * it ends the file where that segment (or the one before it) begins.
 *
 * Detection lag, the bytes from the true end of the image's data to
 * note_off, measured by test_jpeg_frag (which prints it) over every
 * 512-byte cut of nine samples:
 *   continued by         sequential (median/p90/max)  progressive
 *   random bytes         62 / 188 / 468               7 / 115 / 271
 *   another JPEG's scan  159 / 460 / 1207             5 / 15 / 505
 *   zeros                0 / 0 / 1                    0 / 4 / 16
 *   erased flash (FF)    0 / 0 / 0                    0 / 0 / 16
 * So the true end lies in [length, note_off]: a reassembly that tries the
 * block boundaries in that window finds it.  A continuation that is the
 * file's own data from the wrong place (sectors left out) is never taken
 * for a whole file, but Huffman codes resynchronise: with restart markers
 * it fails within a few hundred bytes, without them often only at EOI,
 * where the frame's MCUs come up short.
 */
static void jpeg_check(struct bread *br, struct carve_result *res,
                       struct carve_resume *rs, uint64_t stable)
{
	if (rs != NULL && br->thorough) {
		/* Reassembly's try: decoding runs whatever the marker
		 * walk says (past a mark its bytes walk alike), and a
		 * point it places is the verdict; the marker walk, which
		 * reads the file from SOI, only when it places none. */
		jpeg_decode_check(br, res, rs, stable);
		return;
	}
	bool doubt = jpeg_walk(br, res, NULL, NULL, 0);
	if (!(res->verdict == CARVE_TRUNCATED ||
	      ((br->thorough || (doubt && br->unreadable == 0)) &&
	       res->verdict == CARVE_ACCEPT)))
		return;
	struct jdec *dec = jdec_new();
	if (dec == NULL)
		return;
	struct carve_result r2;
	memset(&r2, 0, sizeof(r2));
	jpeg_walk(br, &r2, dec, rs, stable);
	if (r2.note == CARVE_NOTE_FRAGMENT)
		*res = r2;
	res->rework = r2.rework;
}

static void jpeg_validate(struct bread *br, struct carve_result *res)
{
	jpeg_check(br, res, NULL, 0);
}

/* Reassembly's tries decode the head once: each resumes from the last
 * point taken before the bytes it shares with earlier tries end. */
static void jpeg_validate_resume(struct bread *br, struct carve_result *res,
                                 struct carve_resume **rs, uint64_t stable)
{
	if (*rs == NULL) {
		*rs = calloc(1, sizeof(**rs));
		if (*rs != NULL &&
		    ((*rs)->main.pt = jdec_point_new()) == NULL) {
			free(*rs);
			*rs = NULL;
		}
	}
	jpeg_check(br, res, *rs, stable);
}

static void jpeg_resume_free(struct carve_resume *rs)
{
	if (rs == NULL)
		return;
	jdec_point_free(rs->main.pt);
	for (unsigned k = 0; k < JPEG_NEAR_MARKS; k++)
		jdec_point_free(rs->near[k].pt);
	free(rs);
}

static size_t jpeg_resume_size(const struct carve_resume *rs)
{
	size_t n = sizeof(*rs);

	if (rs->main.pt != NULL)
		n += jdec_point_size(rs->main.pt);
	for (unsigned k = 0; k < JPEG_NEAR_MARKS; k++)
		if (rs->near[k].pt != NULL)
			n += jdec_point_size(rs->near[k].pt);
	return n;
}

/* The first segment is skipped by its length: the marker due after it
 * is the first byte the walk reads away from the start. */
static void jpeg_prefetch(const uint8_t *p, size_t n)
{
	if (n < 6)
		return;
	size_t at = 4 + ((size_t)p[4] << 8 | p[5]);
	if (at < n)
		__builtin_prefetch(p + at);
}

/* The walk rejects a file whose first segment after SOI is not followed
 * by a marker (nothing before a scan is kept). */
static bool jpeg_screen(const uint8_t *p, size_t n)
{
	if (n < 6 || p[3] == 0xff)
		return true;    /* fill bytes: the walk looks further */
	if (p[0] != 0xff || p[1] != M_SOI || p[2] != 0xff ||
	    !jpeg_is_first(p[3]))
		return false;
	size_t len = (size_t)p[4] << 8 | p[5];
	if (len < 2)
		return false;
	return 4 + len >= n || p[4 + len] == 0xff;
}

static const struct format_sig jpeg_sigs[] = {
	FORMAT_SIG("\xff\xd8\xff", 0),
};

const struct format format_jpeg = {
	.name = "jpeg",
	.ext = "jpg",
	.description = "JPEG image (JFIF, EXIF)",
	FORMAT_SIGS(jpeg_sigs),
	.align = 1,
	.min_size = JPEG_MIN_SIZE,
	.max_size = JPEG_MAX_SIZE,
	.validate = jpeg_validate,
	.may_continue = jdec_may_continue,
	.prefetch = jpeg_prefetch,
	.screen = jpeg_screen,
	.validate_resume = jpeg_validate_resume,
	.resume_size = jpeg_resume_size,
	.resume_free = jpeg_resume_free,
};

/*
 * format.h - what a file format is to dredge.
 *
 * A format is one const descriptor: its name and extension, the magic
 * signatures that mark a possible file start, the limits a real file of the
 * kind respects, and a validate function.  Scan workers match the
 * signatures; the validator pool calls validate on each candidate through a
 * bounded reader; the writer uses the verdict.  Each format lives in its own
 * src/formats/NAME.c and is listed once in formats.def.
 */
#ifndef DREDGE_FORMATS_FORMAT_H
#define DREDGE_FORMATS_FORMAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/bread.h"

enum carve_verdict {
	CARVE_REJECT = 0,   /* not a file of this format */
	CARVE_ACCEPT,       /* a whole file: length is its exact size */
	CARVE_TRUNCATED,    /* a file cut short: length is what was there */
};

#define CARVE_META_MAX 12
#define CARVE_META_KEY 24
#define CARVE_META_VAL 80

/* A little metadata a validator found (dimensions, duration, camera). */
struct carve_meta {
	char key[CARVE_META_KEY];
	char val[CARVE_META_VAL];
};

/*
 * What went wrong, in a form code can read: the reason string is for
 * people, the note is what a caller decides on (reassembly keys on it).
 * Each note comes with the logical byte offset it concerns.
 */
enum carve_note {
	CARVE_NOTE_NONE = 0,
	/* Sample data do not match the codec from the first sample checked
	 * on (REJECT); note_off is the first byte proven wrong.  When some
	 * samples were right first, the verdict is TRUNCATED with
	 * CARVE_NOTE_FRAGMENT instead. */
	CARVE_NOTE_CODEC_MISMATCH,
	/* The media data end and the index that must follow them (an
	 * ISO-BMFF moov) is missing; note_off is where the media data end. */
	CARVE_NOTE_NO_INDEX,
	/* A fragmentation point: the bytes from note_off on cannot belong
	 * to this file (a Huffman code that decodes to nothing, a chunk
	 * whose CRC fails, an offset the index gives that does not hold
	 * what it says).  The verdict is TRUNCATED with length the bytes
	 * shown consistent (length <= note_off); reassembly looks for the
	 * blocks that continue the file.  A validator that cannot tell
	 * where its data stop being consistent never sets this note, and
	 * nothing is guessed for it. */
	CARVE_NOTE_FRAGMENT,
};

/* What validate() returns about one candidate. */
struct carve_result {
	enum carve_verdict verdict;
	uint64_t length;      /* logical bytes of the file from its start */
	const char *ext;      /* extension when not the descriptor's (mov) */
	const char *reason;   /* static text: why rejected or truncated */
	enum carve_note note; /* the reason for code; set after the verdict */
	uint64_t note_off;    /* the logical offset the note concerns */
	/* TRUNCATED only: length is where the data ran out (the reader's
	 * limit), or a guess, not where the file's own evidence ends, so
	 * the writer may cut it at the next file found (run_validate sets
	 * it when length is the reader's size; a validator may too). */
	bool open_end;
	/* With open_end: how many bytes from the start the structure showed
	 * to belong to the file (whole chunks, frames walked), 0 when it
	 * showed none.  A file found starting inside them is part of this
	 * one, not the place where it ends. */
	uint64_t vouched;
	/* ACCEPT only: from this offset on (up to length) the file holds
	 * data the validator could not check, such as raw sensor strips; 0
	 * when it checked all it holds.  The verdict rests on the
	 * structure's word for those bytes, so a file found starting there
	 * that validates whole is not taken for a part of this one: the
	 * writer keeps both and reports this one as suspect, saying
	 * unverified_why (static text). */
	uint64_t unverified_off;
	const char *unverified_why;
	/* TRUNCATED with CARVE_NOTE_FRAGMENT only, when expect_len > 0: the
	 * bytes a map must hold at note_off for the validator to get past
	 * it (a ZIP member that fails its CRC-32 at its end: the next
	 * record's "PK"), wherever the boundary before note_off lies;
	 * reassembly validates no map without them there.  The bits set in
	 * expect_any may hold anything (a length field whose top bytes must
	 * be zero: expect 00 00 xx xx, expect_any 00 00 ff ff).  They lie
	 * at expect_at when that is past note_off (a field the data must
	 * hold further on, wherever the boundary before note_off lies),
	 * else at note_off. */
	uint8_t expect[4];
	uint8_t expect_any[4];
	uint8_t expect_len;
	uint64_t expect_at;
	/* validate_resume only: what the run cost beyond walking the bytes
	 * before stable again, in bytes of such a walk (those it decoded
	 * again, the state it copied to resume); reassembly counts it
	 * against its budget. */
	uint64_t rework;
	unsigned nmeta;
	struct carve_meta meta[CARVE_META_MAX];
};

/*
 * Magic bytes at a fixed distance from the file start.  Every byte must
 * match, except that mask (when not NULL) selects which bits count.
 */
struct format_sig {
	const uint8_t *bytes;
	const uint8_t *mask;
	uint8_t len;             /* at most FORMAT_SIG_MAX_LEN */
	uint16_t offset;
	/* Alignment a start found by this signature has under --any-offset,
	 * when it differs from the format's (0: the format's): a strong
	 * magic may start anywhere while a weak one of the same format only
	 * counts at sector starts. */
	uint32_t align;
};

/* A signature with its own alignment: FORMAT_SIG_ALIGNED("moov", 4, 512). */
#define FORMAT_SIG_ALIGNED(lit, off, al)                                  \
	{ .bytes = (const uint8_t *)(lit), .mask = NULL,                  \
	  .len = sizeof(lit) - 1, .offset = (off), .align = (al) }

/* offset + len of any signature: tar's "ustar" lies at 257. */
#define FORMAT_SIG_MAX_REACH 264
#define FORMAT_SIG_MAX_LEN 32     /* len of any signature */

/* A validator's saved progress over one candidate (validate_resume). */
struct carve_resume;

struct format {
	const char *name;         /* short unique name: "jpeg" */
	const char *ext;          /* default extension and folder: "jpg" */
	const char *description;
	const struct format_sig *sigs;
	unsigned nsigs;
	/*
	 * Alignment a real start has even under --any-offset (1: any byte).
	 * Formats whose magic is short and common use the block size.
	 */
	uint32_t align;
	uint64_t min_size;        /* smaller than this is rejected */
	uint64_t max_size;        /* the reader stops here */
	/* Fills res; reads only through br. Never aborts, never allocates
	 * without bound. */
	void (*validate)(struct bread *br, struct carve_result *res);
	/*
	 * Optional: whether one block could lie inside a file of this
	 * format's data past its headers (JPEG: entropy-coded bytes, where
	 * 0xFF is followed only by 0x00, a restart marker or EOI).  A cheap
	 * test reassembly runs on a block before it spends a validation on
	 * it; false only when the block certainly cannot.  NULL: any block
	 * may continue a file.
	 */
	bool (*may_continue)(const uint8_t *blk, size_t len);
	/*
	 * Optional: p[0..n) is a candidate's start, in memory; asks the CPU
	 * to fetch (__builtin_prefetch, never a read) the bytes validate()
	 * would look at first far from the start, so that on a drive dense
	 * with false starts the caller, prefetching a few candidates ahead,
	 * overlaps their cache misses.  NULL: none.
	 */
	void (*prefetch)(const uint8_t *p, size_t n);
	/*
	 * Optional: p[0..n) is a candidate's start, in memory (n may be
	 * short).  False only when validate() certainly rejects any file
	 * that starts with these bytes, whatever follows them: the caller
	 * then rejects the candidate without setting a reader up, so that
	 * a drive dense with false starts costs a look at each.  NULL:
	 * every candidate is validated.
	 */
	bool (*screen)(const uint8_t *p, size_t n);
	/*
	 * Optional: validate for a caller that validates one candidate many
	 * times over maps sharing their first bytes (reassembly trying
	 * tails after one head).  *rs (NULL at first) is the format's own
	 * state, kept by the caller between runs and given to resume_free
	 * at the end: from it the validator may resume its checks at a
	 * point it saved, so that a run costs only the bytes after the
	 * head.  The caller promises that bytes [0, stable) read the same
	 * in every run with *rs, and stable never decreases from one run
	 * to the next; the validator saves only points that depend on no
	 * byte at or past stable.  A run may also read the same bytes as
	 * others further than stable: any two runs with the same stable
	 * and br->shared not 0 read the same bytes before the smaller of
	 * their shared, so a point saved before one run's shared serves the
	 * runs whose shared is not below it, until stable grows.  The
	 * verdict must be the one validate gives over the same bytes.
	 * NULL: validate is called.
	 */
	void (*validate_resume)(struct bread *br, struct carve_result *res,
	                        struct carve_resume **rs, uint64_t stable);
	void (*resume_free)(struct carve_resume *rs);
	/* Optional: the bytes *rs holds, for a caller keeping many at once.
	 * NULL: a few KiB. */
	size_t (*resume_size)(const struct carve_resume *rs);
};

/* Clears a result: what comes before the metadata (meta[] is read only
 * up to nmeta; 1.2 KiB cleared per false start would cost as much as
 * the validation). */
static inline void carve_result_clear(struct carve_result *res)
{
	memset(res, 0, offsetof(struct carve_result, meta));
}

/*
 * Verdict helpers for validators and for callers that override a verdict.
 * Each clears the note and open_end: they belong to the reason they were
 * given with, so a validator sets them after the verdict.
 */
static inline void carve_accept(struct carve_result *res, uint64_t length)
{
	res->verdict = CARVE_ACCEPT;
	res->length = length;
	res->note = CARVE_NOTE_NONE;
	res->note_off = 0;
	res->open_end = false;
	res->vouched = 0;
	res->unverified_off = 0;
	res->unverified_why = NULL;
	res->expect_len = 0;
	res->expect_at = 0;
	memset(res->expect_any, 0, sizeof(res->expect_any));
}

static inline void carve_truncated(struct carve_result *res, uint64_t length,
                                   const char *why)
{
	res->verdict = CARVE_TRUNCATED;
	res->length = length;
	res->reason = why;
	res->note = CARVE_NOTE_NONE;
	res->note_off = 0;
	res->open_end = false;
	res->vouched = 0;
	res->unverified_off = 0;
	res->unverified_why = NULL;
	res->expect_len = 0;
	res->expect_at = 0;
	memset(res->expect_any, 0, sizeof(res->expect_any));
}

static inline void carve_reject(struct carve_result *res, const char *why)
{
	res->verdict = CARVE_REJECT;
	res->length = 0;
	res->reason = why;
	res->note = CARVE_NOTE_NONE;
	res->note_off = 0;
	res->open_end = false;
	res->vouched = 0;
	res->unverified_off = 0;
	res->unverified_why = NULL;
	res->expect_len = 0;
	res->expect_at = 0;
	memset(res->expect_any, 0, sizeof(res->expect_any));
}

/* Says, for code, what the verdict just given concerns and where. */
static inline void carve_note(struct carve_result *res, enum carve_note note,
                              uint64_t off)
{
	res->note = note;
	res->note_off = off;
}

/* Adds one metadata item (silently dropped once the list is full). */
void carve_meta_add(struct carve_result *res, const char *key,
                    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Signature literal: FORMAT_SIG("\xff\xd8\xff", 0). */
#define FORMAT_SIG(lit, off)                                              \
	{ .bytes = (const uint8_t *)(lit), .mask = NULL,                  \
	  .len = sizeof(lit) - 1, .offset = (off) }

#define FORMAT_SIGS(arr) .sigs = (arr), .nsigs = sizeof(arr) / sizeof((arr)[0])

/* The table of every known format, in formats.def order. */
extern const struct format *const format_table[];  /* NULL-terminated */
extern const unsigned format_count;

/* Looks a format up by name or extension; NULL when unknown. */
const struct format *format_find(const char *name);

#endif

/*
 * jpeg_decode.h - the JPEG entropy decoder that finds a fragmentation
 * point.
 *
 * The JPEG validator (jpeg.c) walks a file's marker segments; when it must
 * know whether the entropy-coded data really are this image's (reassembly
 * asks for it, or the walk already found garbage and the exact place
 * matters) it hands each table, frame, restart and scan header to this
 * decoder and lets it decode each scan MCU by MCU with the file's own
 * Huffman tables: sequential (baseline, extended) and progressive, 8 and 12
 * bit, interleaved or not, with restart intervals.  No sample is
 * reconstructed (no dequantisation, no IDCT): the decoder only proves that
 * the bits are a valid code for exactly the frame's MCUs, and when they are
 * not, says at which byte they stop being one.  Validators of containers
 * whose data are JPEG streams (TIFF strips and tiles, AVI motion-JPEG
 * frames) have each stream walked and decoded whole by jdec_stream.
 *
 * Not decoded (the caller keeps its marker walk for them): arithmetic
 * coding, lossless and hierarchical processes, frames whose height comes
 * from a DNL segment, scans that use a Huffman table the file never defined
 * (motion-JPEG frames that rely on the standard tables, unless
 * jdec_stream is told to use them), progressive
 * frames larger than JDEC_MAX_BLOCKS blocks, and the scans of a file past
 * its 128th.
 */
#ifndef DREDGE_FORMATS_JPEG_DECODE_H
#define DREDGE_FORMATS_JPEG_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bread.h"
#include "formats/format.h"

/*
 * Blocks (8x8, all components) of a progressive frame whose
 * coefficient history the decoder keeps: 8 bytes each, so at most 32 MiB,
 * a 90-megapixel 4:4:4 photograph.
 */
#define JDEC_MAX_BLOCKS (1u << 22)

struct jdec;

/* How one scan ended. */
enum jdec_end {
	JDEC_OK,        /* every MCU decoded; *next is the marker after */
	JDEC_FAIL,      /* the data stop being this scan's: see jdec_fail */
	JDEC_DATA_END,  /* the reader's limit came first: nothing proven */
	JDEC_SKIP,      /* this scan cannot be decoded here (see above) */
};

/* Where a scan's data stopped being consistent. */
struct jdec_fail {
	uint64_t good;       /* bytes before this decoded consistently */
	uint64_t bad;        /* first byte that cannot belong to the scan */
	const char *why;
};

/* A decoder with no tables; NULL when out of memory.  jdec_free(NULL) is
 * fine. */
struct jdec *jdec_new(void);
void jdec_free(struct jdec *d);

/*
 * Tells the decoder of one marker segment m with payload s[0..n) that the
 * walk has already checked (DHT, DQT, SOFn, DRI; other markers are
 * ignored).  The SOS header goes to jdec_scan instead.
 */
void jdec_segment(struct jdec *d, uint8_t m, const uint8_t *s, uint32_t n);

/*
 * Decodes the scan whose SOS payload is s[0..n) and whose entropy-coded
 * data start at off.  JDEC_OK sets *next to the offset of the marker that
 * follows the scan (its FF, after any fill bytes);
 * JDEC_FAIL fills *fail.
 */
enum jdec_end jdec_scan(struct jdec *d, struct bread *br, const uint8_t *s,
                        uint32_t n, uint64_t off, uint64_t *next,
                        struct jdec_fail *fail);

/* jdec_stream flags: Huffman tables 0 and 1 that neither jdec_tables
 * nor the stream defines are the standard ones of T.81 Annex K.3
 * (motion-JPEG frames without a DHT segment). */
#define JDEC_STD_TABLES 1u

/*
 * Takes the tables of an abbreviated table specification p[0..n) (SOI,
 * DQT, DHT, DRI, EOI: a TIFF's JPEGTables) as what every later
 * jdec_stream starts from; false (and no such start) when it is not one
 * (p NULL: forgets the last one).
 */
bool jdec_tables(struct jdec *d, const uint8_t *p, size_t n);

/*
 * Decodes the whole JPEG stream that starts (SOI) at off and must end
 * (EOI) by end: a TIFF strip or tile, a motion-JPEG frame.  It walks the
 * marker segments, checks the tables and frame header, and decodes each
 * scan (jdec_scan); it starts from the tables of jdec_tables (and the
 * standard ones with JDEC_STD_TABLES), and forgets what the stream
 * defined once it is done.
 *   JDEC_OK        the stream is whole; *next is the byte after its EOI
 *   JDEC_FAIL      its bytes stop being a JPEG stream: *fail says where
 *                  (no SOI, no marker where one is due, a table or frame
 *                  header that cannot be, a scan that does not decode,
 *                  an EOI past end)
 *   JDEC_DATA_END  the reader's limit came first
 *   JDEC_SKIP      a frame or scan this decoder does not handle
 */
enum jdec_end jdec_stream(struct jdec *d, struct bread *br, uint64_t off,
                          uint64_t end, unsigned flags, uint64_t *next,
                          struct jdec_fail *fail);

/* A container validator's walk (TIFF's directories, AVI's chunks) that
 * decodes each JPEG stream the file holds with dec (jdec_stream), or
 * decodes none when dec is NULL. */
typedef void jdec_walk_fn(struct bread *br, struct carve_result *res,
                          struct jdec *dec);

/*
 * Validates a container whose data are JPEG streams with walk.  With
 * every, the streams are decoded on the one walk.  Otherwise the walk
 * alone runs first, and only when it ends at a fragmentation point
 * (CARVE_NOTE_FRAGMENT) does it run again decoding every stream, whose
 * verdict replaces the first: a file whose walk ends cleanly costs what
 * the walk costs.  Without memory for a decoder, the verdict is the walk
 * alone's.
 */
void jdec_validate(struct bread *br, struct carve_result *res, bool every,
                   jdec_walk_fn *walk);

/* The same walk for a validate_resume (format.h): rs is the format's
 * saved state, stable the offset up to which this run's bytes are those
 * of the runs rs was saved in. */
typedef void jdec_walk_resume_fn(struct bread *br, struct carve_result *res,
                                 struct jdec *dec, struct carve_resume *rs,
                                 uint64_t stable);

/*
 * validate_resume for a container validated with jdec_validate: over a
 * thorough reader, walks decoding with the state *rs (allocated zeroed,
 * rs_size bytes, on the first run; the format's resume_free frees it).
 * Returns false, having done nothing, when the reader is not thorough or
 * memory ran out: the caller then validates in full.
 */
bool jdec_validate_resume(struct bread *br, struct carve_result *res,
                          struct carve_resume **rs, size_t rs_size,
                          uint64_t stable, jdec_walk_resume_fn *walk);

/*
 * Whether blk[0..len) could be a piece of a JPEG file's entropy-coded data
 * (or of the segments between the scans of a progressive file, or its
 * end): false when it holds a marker that cannot occur there.
 */
bool jdec_may_continue(const uint8_t *blk, size_t len);

/* ------------------------------------------------- resuming a decode */

/*
 * For a caller that decodes the same file again and again with only its
 * end changed (reassembly trying tails after one head): a point is the
 * decoder's whole state at the start of one MCU of a scan, taken during
 * one decode and resumed from in a later one, so that the later decode
 * costs only the bytes after the point.  A decode resumed from a point
 * over a reader whose bytes before jdec_point_off are the same ends
 * exactly as the decode it was taken in would have.
 */
struct jdec_point;

/* An empty point (NULL when out of memory); jdec_point_free(NULL) is
 * fine. */
struct jdec_point *jdec_point_new(void);
void jdec_point_free(struct jdec_point *pt);

/* The first byte the point does not depend on (UINT64_MAX while empty). */
uint64_t jdec_point_off(const struct jdec_point *pt);

/* A new decoder in the state pt was taken in, to hand to
 * jdec_scan_points with pt as from; NULL when empty or out of memory. */
struct jdec *jdec_point_decoder(const struct jdec_point *pt);

/* The bytes jdec_point_decoder copies. */
size_t jdec_point_size(const struct jdec_point *pt);

/* What jdec_scan_points resumes from and saves. */
struct jdec_points {
	/* The point to resume this scan from (the SOS and data offset
	 * must be the scan's it was taken in), or NULL: from the start. */
	const struct jdec_point *from;
	/* Where to take points (each replaces the last), or NULL. */
	struct jdec_point *save;
	/* Points are taken only where every byte they depend on lies
	 * before this offset. */
	uint64_t before;
	/* Past before, points up to before2 go to save2 instead (NULL:
	 * none are taken there). */
	struct jdec_point *save2;
	uint64_t before2;
	/* Where the last point was taken or resumed from (0 at first):
	 * the next is taken a few KiB of data further on, whatever the
	 * scan. */
	uint64_t last;
	bool saved;             /* out: save holds a point of this scan */
	bool saved2;            /* ... and save2 */
	/* The decoder's: how far (zpos) the zero runs of the data of the
	 * scan at zoff have been followed, so that a failure looks for
	 * them only past the last point. */
	uint64_t zoff, zpos, zcnt, zend;
};

/* jdec_scan, resuming from pp->from and taking points into pp->save
 * every few KiB of data. */
enum jdec_end jdec_scan_points(struct jdec *d, struct bread *br,
                               const uint8_t *s, uint32_t n, uint64_t off,
                               uint64_t *next, struct jdec_fail *fail,
                               struct jdec_points *pp);

#endif

/*
 * mp4_index.h - reassembling MP4 clips from their own index: the clusters
 * of clips recorded at once (a dashcam's front and rear channels) are
 * shared out among them so that every sample their tables list starts
 * where the data says a sample starts.
 */
#ifndef DREDGE_REASSEMBLE_MP4_INDEX_H
#define DREDGE_REASSEMBLE_MP4_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "common/bread.h"
#include "fs/fsview.h"

/* Bounds per candidate. */
#define MI_MAX_STREAMS 8              /* clips shared out at once */
#define MI_PARTNER_LOOKS 64           /* clips not taken as partners
                                         remembered, not looked at again */
#define MI_BACK 256                   /* free clusters before the start
                                         searched for a partner's start */
#define MI_BACK_WRAPPED 32            /* ... when the clip is not placed
                                         with as many (its movie box, or a
                                         partner's, may lie among them,
                                         wrapping round the card), */
#define MI_BACK_NEAR 256              /* ... none more than this many
                                         clusters before the start */
#define MI_SPAN 32768                 /* free clusters a clip and its
                                         partners may span */
#define MI_MAX_MOOV (16u << 20)       /* movie box bytes read */
#define MI_REACH 4                    /* the moov is looked for within this
                                         many times the media data's
                                         clusters from the start, */
#define MI_REACH_MIN 2048             /* plus these */
#define MI_MAX_SAMPLES (1u << 20)     /* samples of one clip */
#define MI_BUDGET 250000u             /* sample checks per candidate */
#define MI_GRID_BUDGET 50000u         /* ... per cluster size tried when
                                         no file system gives one, */
#define MI_GRID_PER_POS 8u            /* at most these per position shared */
#define MI_GRID_FLOOR 2000u           /* plus these */
#define MI_DECODE_CHECKS 16           /* checks a decoded sample costs */
#define MI_DECODE_CLUSTERS 4096       /* clusters of a sample decoded */
#define MI_MAX_DECODES 256            /* samples decoded per sharing; a
                                         guess with more past its first
                                         guessed cluster is not shared
                                         again deciding by decoding */
#define MI_VOUCH_STRETCHES 64         /* guessed stretches decoded */
#define MI_DECODE_TRIES 16            /* placings of a sample that fail to
                                         decode before it is left alone */
#define MI_RUN_SEAMS 64               /* splits tried per run for a
                                         clip alone in runs */
#define MI_RUN_MIDDLES 16             /* places of a middle run tried */
#define MI_RUN_PLACINGS 16            /* placings that pass, at most */
#define MI_MOOV_SKIP 64               /* clusters tried for the rest of
                                         a moov that runs on */
#define MI_MOOV_PIECES 8              /* a moov's clusters placed one by
                                         one, at most, */
#define MI_MOOV_PIECE_BYTES (256u << 10) /* ... for a moov this long */
#define MI_MOOV_FAR_BYTES (64u << 20) /* read looking for the rest of a
                                         moov written far on, for all
                                         the clips of a candidate */

/*
 * The clip whose ftyp starts cluster-aligned at source byte off (a
 * cluster no live file owns), its media data followed by its movie box:
 * finds the movie box past the media data, and the other clips starting
 * nearby whose ranges overlap, and shares the free clusters out among
 * them, each cluster to the clip whose samples it continues, within
 * budget sample checks (each sharing tried).  Returns 1
 * with *ext (malloc'd, *next extents, *length bytes in all) when the clip
 * was placed whole; 2 with the same when only the start of its media
 * data was (the clusters before the first one that nothing in the data
 * could tell apart: there the sharing would be a guess); 0 when it could
 * not be placed (no index, not found, budget spent); or -errno.  *clips
 * is how many clips were found to share the clusters (1: the clip was
 * alone), whether or not the sharing with them succeeded.
 */
int mp4_index_reassemble(const struct fsview *v, const struct source *src,
                         uint64_t size, uint64_t off, uint64_t budget,
                         struct extent **ext, unsigned *next,
                         uint64_t *length, unsigned *clips);

/* As mp4_index_reassemble, a sharing of n positions taking at most
 * per_pos * n + MI_GRID_FLOOR checks too (per_pos 0: no such bound), and
 * a sharing that guesses settled by decoding H.264 samples (up to
 * MI_MAX_DECODES each time) only when search_decoding is true, as
 * mp4_index_reassemble always does. */
int mp4_index_reassemble_bounded(const struct fsview *v,
                                 const struct source *src, uint64_t size,
                                 uint64_t off, uint64_t budget,
                                 uint32_t per_pos, bool search_decoding,
                                 struct extent **ext, unsigned *next,
                                 uint64_t *length, unsigned *clips);

/* The reason given for a clip placed by its index only up to its first
 * guess (truncated there; at most 63 bytes, as report readers keep). */
#define MI_WHY_GUESS "placed up to clusters nothing tells from another clip's"

#endif

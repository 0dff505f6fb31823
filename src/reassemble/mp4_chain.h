/*
 * mp4_chain.h - reassembling MP4 clips cut off before their index: the
 * media data is followed as a chain of length-prefixed NAL units across
 * cluster ends, and a clip and its partner (front and rear recorded at
 * once) are followed together, each free cluster going to the clip whose
 * chain it continues.
 */
#ifndef DREDGE_REASSEMBLE_MP4_CHAIN_H
#define DREDGE_REASSEMBLE_MP4_CHAIN_H

#include <stdint.h>

#include "common/bread.h"
#include "fs/fsview.h"
#include "formats/format.h"
#include "reassemble/reassemble.h"

/* Bounds per candidate. */
#define MC_BACK 64                /* free clusters before the start
                                     searched for a partner's start */
#define MC_SPAN 16384             /* free clusters followed */
#define MC_GAP (4u << 10)         /* bytes between NAL units (another
                                     track's chunk) before the chain
                                     is taken to resume */
#define MC_IDLE 48                /* positions a clip may go without a
                                     cluster before it is taken to end */
#define MC_BUDGET 200000u         /* cluster checks per candidate */
#define MC_MAX_NAL (1u << 20)     /* largest NAL unit followed */
#define MC_AHEAD 24               /* positions looked ahead when two
                                     clips could take a cluster */

/*
 * The clip whose ftyp starts cluster-aligned at source byte off (a cluster
 * no live file owns), its media data open (size 0: cut off before its
 * movie box): follows its NAL unit chain over the free clusters from
 * there on, together with a partner's (another such clip starting within
 * MC_BACK free clusters), and returns 1 with *ext (malloc'd, *next
 * extents, *length bytes, whole clusters) when the chain went on past
 * the clip's first cluster; 0 when it did not (not such a clip, another
 * codec); -errno.  The map is only a proposal: the validator says how
 * much of it is vouched for.
 */
int mp4_chain_reassemble(const struct fsview *v, const struct source *src,
                         uint64_t size, uint64_t off, struct extent **ext,
                         unsigned *next, uint64_t *length);

/*
 * The same, the map validated as a candidate of format fmt (reads through
 * win, win_cap bytes): 1 with out filled (a truncated verdict, out->ext
 * cut to the bytes it vouches for; free it), 0 when the chain gave
 * nothing the validator vouches for past the map's start, -errno.
 */
int mp4_chain_place(const struct fsview *v, const struct source *src,
                    uint64_t size, const struct format *fmt, uint64_t off,
                    uint8_t *win, size_t win_cap, struct reasm_result *out);

/*
 * A clip cut off before its index, validated over ext (n extents, len
 * bytes, whole clusters of cs bytes from its first one on) as res,
 * truncated for the missing index at its last video sample: res->length
 * moves on to the end of the audio chunk after that sample when
 * mp4_aac_tail vouches for it within the sample's cluster (the last the
 * recorder wrote to).  Reads through win.  0 or -errno.
 */
int mp4_chain_tail(const struct source *src, const struct extent *ext,
                   unsigned n, uint64_t len, size_t cs, uint8_t *win,
                   size_t win_cap, struct carve_result *res);

#endif

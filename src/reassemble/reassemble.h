/*
 * reassemble.h - validating a candidate over the clusters a deleted file
 * can have used, and finding its fragments.
 *
 * A recorder writing a clip on a FAT stick takes the free clusters in
 * order, so a clip fragments around the clusters other files held at the
 * time.  When those files are still live, the clip is the clusters from its
 * start on that no live file owns (The Sleuth Kit's rule); when some have
 * been deleted since, their clusters lie in the clip's path and must be
 * found and dropped.  The validator is the judge throughout: the candidate
 * is validated over a candidate cluster map, and the verdict says whether
 * the map is right and, for ISO-BMFF video, where it first goes wrong.
 */
#ifndef DREDGE_REASSEMBLE_REASSEMBLE_H
#define DREDGE_REASSEMBLE_REASSEMBLE_H

#include <stddef.h>
#include <stdint.h>

#include "common/bread.h"
#include "fs/fsview.h"
#include "formats/format.h"

/* Bounds per candidate: a pathological image costs at most this much. */
#define REASM_MAX_DROPS 64          /* cluster runs taken out of the map */
#define REASM_MAX_VALIDATIONS 256   /* validator runs */
#define REASM_LOOK_BACK 16          /* gap starts tried before a bad byte */
#define REASM_SHORT_RUN 8           /* short gaps tried: start + length <= this */
#define REASM_PROBE_BACK 64         /* clusters searched for a foreign file */
#define REASM_CHAIN 32              /* files in a row taken as one gap */
#define REASM_ANCHOR_STEPS 256      /* single clusters searched for the
                                       next box (files are stepped over) */
#define REASM_FIRST_WINDOW (32ull << 20)  /* map bytes first validated */

struct grid_starts;

struct reasm_result {
	struct carve_result res;     /* the verdict over the final map */
	struct extent *ext;          /* the file's extents, res.length bytes
	                                in all (malloc'd); NULL when rejected */
	unsigned next;
	unsigned validations;        /* validator runs spent */
};

/*
 * Validates a candidate of format fmt starting at source byte off (in a
 * cluster no live file owns) over the clusters from there on that no live
 * file owns, wrapping round to cluster 2 at the volume's end, and looks
 * for foreign clusters to drop when the verdict says where the data went
 * wrong.  formats[0..nformats) are the formats whose files may lie in the
 * way.  The source is src (size bytes); reads go through win (win_cap
 * bytes).  Returns 0 with out filled (free out->ext), or -errno.
 */
int reassemble(const struct fsview *v, const struct source *src,
               uint64_t size, const struct format *fmt,
               const struct format *const *formats, unsigned nformats, uint64_t off, uint8_t *win, size_t win_cap,
               struct reasm_result *out);

/*
 * A file is the first len bytes of its map: cuts the extents ext[0..n)
 * to them and returns how many are kept.
 */
unsigned reasm_trim(struct extent *ext, unsigned n, uint64_t len);

#define REASM_GRIDS 6            /* cluster sizes a grid is tried at */

/*
 * A candidate of a scan without a file system (a card whose FAT is gone):
 * an MP4 clip starting at source byte off is taken to start a cluster of
 * a grid of 128 KiB down to 4 KiB, and placed by its own index
 * (mp4_index.h) over the grid's clusters, none of them taken as owned.
 * When the starts of other clips round it lie on a grid (found by their
 * ftyp boxes in the image, so the same whatever the thread order), that
 * grid and the finer ones are tried, coarsest first: the card's cluster
 * size divides the distances between starts, but a few starts may all
 * lie a multiple of a larger size apart.  When a volume's boot sector
 * tells its geometry (vol, NULL if none) and off lies in its data region,
 * that cluster size and its multiples up to what the starts tell are
 * tried, over the data region only (a recorder's next-free pointer wraps
 * round to its first cluster), and a clip cut off is followed on it;
 * when the starts lie on a grid the volume's cluster size does not divide
 * (a card formatted again after the clips were written), the grids they
 * tell are then tried over the whole source.
 * Returns 1 with out filled (the
 * verdict accepts it whole; free out->ext); for a clip cut off before its
 * index, 2 with out filled by its NAL unit chain followed on the grid
 * that vouches for most of it (a truncated verdict; mp4_chain.h); 3 when
 * no grid places it whole but a placing that guessed did place its start:
 * out filled with the clusters before the first guess, as far as the
 * validator vouches for them (a truncated verdict; the longest of the
 * grids'); 0 when nothing is placed (only out->ext set, to NULL, when fmt
 * is not MP4), or -errno.
 */
int reassemble_grid(const struct source *src, uint64_t size,
                    const struct format *fmt, uint64_t off, uint8_t *win,
                    size_t win_cap, struct grid_starts *gs,
                    const struct fsview_grid *vol, struct reasm_result *out);

/*
 * The clip starts (ftyp boxes at sector boundaries) of a source, found
 * once per stretch of it and kept for the scan, so that every clip whose
 * grid is looked for reads the image round it once in all rather than
 * once each.  Shared by the validating threads (a mutex inside); what it
 * holds depends on the image only.  grid_starts_new returns NULL when out
 * of memory; reassemble_grid then reads round each clip itself (gs
 * NULL).  grid_starts_free accepts NULL.
 */
struct grid_starts *grid_starts_new(uint64_t size);
void grid_starts_free(struct grid_starts *gs);

#endif

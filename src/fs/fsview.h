/*
 * fsview.h - what a scan knows of the file system it carves.
 *
 * When a scan is file-system aware (--fs, --unallocated, --clusters, -p,
 * --offset), the FAT or exFAT volume is opened once at set-up, the clusters
 * that live files own are marked in a bitmap, and the volume is closed
 * again.  What stays is read-only and shared by every thread: the cluster
 * geometry (where cluster 2 starts, the cluster size and count), the live
 * map, and the cluster range the scan covers.  The matcher puts candidate
 * starts on the cluster grid, scan workers drop starts the scan does not
 * own, the validators reassemble fragmented files around live clusters
 * (reassemble.h), and the writer names files by start cluster and reports
 * cluster runs.
 *
 * A volume that cannot be trusted (no usable boot sector, a live cluster
 * chain that loops or leaves the volume, a directory that contains itself)
 * is not used: the scan falls back to carving the whole source by sectors,
 * after a warning that says why.
 *
 * A whole-volume scan (--fs) also lists the live files (fsview_file): the
 * scan writes each from its own cluster chain, at its first cluster's
 * place in source order, and carves only the clusters no live file owns.
 * There a live file whose chain loops or leaves the volume does not make
 * the volume untrusted: that file alone is reported, its clusters are not
 * marked live, and its start is carved like any other.
 */
#ifndef DREDGE_FS_FSVIEW_H
#define DREDGE_FS_FSVIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "dredge.h"
#include "common/bread.h"
#include "fs/fs.h"

/* fsview_file.flags */
#define FSVIEW_F_SHORT   0x01    /* the chain holds less than the size */
#define FSVIEW_F_DAMAGED 0x02    /* the chain loops or leaves the volume:
                                    carved instead, damage says why */
#define FSVIEW_F_SHARED  0x04    /* its first cluster starts a file listed
                                    before it: not written twice */
#define FSVIEW_F_HELD    0x08    /* its content is not plain blocks of the
                                    source (NTFS resident or compressed):
                                    held, the bytes are in `held` */
#define FSVIEW_F_HOLES   0x10    /* sparse: some extents are FSVIEW_HOLE */
#define FSVIEW_F_NOPLACE 0x20    /* no first block (resident, or a hole
                                    first): listed where the data area
                                    starts, named by its metadata address */

/*
 * Extents of a live file whose img_off is not a source byte: a hole of a
 * sparse file (reads as zeros), and the content a file system holds
 * outside plain blocks (fsview_file.held: in the metadata entry, or
 * decoded from compressed blocks).  Only the writer and the reports see
 * them; a validator is never given such a file's extents.
 */
#define FSVIEW_HOLE     UINT64_MAX
#define FSVIEW_RESIDENT (UINT64_MAX - 1)
#define FSVIEW_DECODED  (UINT64_MAX - 2)

static inline int fsview_ext_is_source(const struct extent *e)
{
	return e->img_off < FSVIEW_DECODED;
}

/* A live file of the volume, as a whole-volume scan writes it. */
struct fsview_file {
	uint64_t off;                /* source byte of its first cluster */
	char *path;                  /* "/DCIM/A.MP4" */
	struct extent *ext;          /* its bytes on the source, in order, */
	unsigned next;               /*   cut at what the chain holds */
	uint64_t size;               /* bytes the extents hold */
	unsigned flags;              /* FSVIEW_F_* */
	const char *damage;          /* with FSVIEW_F_DAMAGED: a phrase */
	const struct format *fmt;    /* by its name's extension, or NULL */
	char ext_name[12];           /* its type folder: the format's
	                                extension, else the name's ("file"
	                                when it has none) */
	uint8_t *held;               /* FSVIEW_F_HELD: its size bytes, read
	                                through the file system at set-up;
	                                ext is one FSVIEW_RESIDENT or
	                                FSVIEW_DECODED extent */
	uint64_t meta;               /* its metadata address (MFT entry,
	                                inode; FAT: its entry's byte), which
	                                names it with FSVIEW_F_NOPLACE */
};

struct fsview {
	enum fs_type type;
	uint64_t vol_offset;         /* source byte where the volume starts */
	uint64_t data_start;         /* source byte of cluster 2 */
	uint32_t cluster_size;
	uint32_t cluster_count;      /* clusters are 2 .. cluster_count + 1 */
	uint32_t first, last;        /* clusters whose starts are scanned */
	int unallocated;             /* only starts in clusters no live file owns */
	struct fs_bitmap live;       /* clusters live files own */
	uint64_t live_clusters;      /* of the whole volume */
	/* --fs: the live files whose first cluster is scanned, by offset
	 * (then path); none otherwise */
	int write_live;
	struct fsview_file *files;
	size_t nfiles;
};

/* Where a cluster run list for the report ends up. */
struct fsview_run {
	uint32_t start, count;
};

/*
 * Opens the volume cfg chooses on the source src (size bytes) and builds the
 * view.  Returns 0 with *out set; 0 with *out NULL when the volume cannot
 * be used (a warning ending in "carving the whole source" has gone to
 * cfg->warn); or -errno with a message in err for a command-line mistake
 * (no such partition, a cluster range outside the volume).
 */
int fsview_open(struct fsview **out, const struct source *src, uint64_t size,
                const char *path, const struct dredge_scan_config *cfg,
                char *err, size_t errlen);

/*
 * The cluster grid of the one FAT or exFAT volume on src (size bytes),
 * for a scan that does not use the file system: the volume chosen as
 * fsview_open would choose it with no options, its data area [origin,
 * end) and its cluster size.  Reads the partition table and the boot
 * sector only, and says nothing.  0 with *g set; 1 when there is no such
 * volume (none, several, or one of another kind, or its clusters are
 * over FSVIEW_GRID_MAX); -ENOMEM.
 */
#define FSVIEW_GRID_MAX (4u << 20)   /* larger clusters are no grid to
                                        search by (exFAT allows 32 MiB) */

struct fsview_grid {
	uint64_t origin, end;
	uint32_t cluster_size;
};

int fsview_grid(const struct source *src, uint64_t size,
                struct fsview_grid *g);

/*
 * Sets up a view from geometry alone, every cluster free and all scanned:
 * for tests, and for callers that mark the live map themselves.
 */
int fsview_init(struct fsview *v, uint64_t data_start, uint32_t cluster_size,
                uint32_t cluster_count);

/* Releases what fsview_init or fsview_open set up; accepts NULL. */
void fsview_free(struct fsview *v);

/* Cluster holding source byte off, or 0 outside the data area. */
static inline uint32_t fsview_cluster(const struct fsview *v, uint64_t off)
{
	if (off < v->data_start)
		return 0;
	uint64_t c = (off - v->data_start) / v->cluster_size;
	return c < v->cluster_count ? (uint32_t)c + 2 : 0;
}

/* Source byte where cluster c starts (c must be in range). */
static inline uint64_t fsview_offset(const struct fsview *v, uint32_t c)
{
	return v->data_start + (uint64_t)(c - 2) * v->cluster_size;
}

static inline int fsview_is_live(const struct fsview *v, uint32_t c)
{
	return fs_bitmap_get(&v->live, c);
}

/* One past the last cluster number. */
static inline uint64_t fsview_end(const struct fsview *v)
{
	return (uint64_t)v->cluster_count + 2;
}

/* Whether live files' clusters are left out of the carving. */
static inline int fsview_skips_live(const struct fsview *v)
{
	return v->unallocated || v->write_live;
}

/* Whether a candidate starting at source byte off belongs to this scan:
 * inside the data area, in the cluster range, and (with --unallocated) in
 * a cluster no live file owns. */
static inline int fsview_owns_start(const struct fsview *v, uint64_t off)
{
	uint32_t c = fsview_cluster(v, off);
	return c != 0 && c >= v->first && c <= v->last &&
	       !(fsview_skips_live(v) && fsview_is_live(v, c));
}

/* Whether a candidate may start anywhere in source bytes [off, off + len)
 * (fsview_owns_start of some cluster they touch). */
int fsview_owns_some(const struct fsview *v, uint64_t off, uint64_t len);

/*
 * The live files whose content is held in memory (FSVIEW_F_HELD) keep at
 * most this many bytes together; one past it is named in a warning, for
 * `dredge fs export`, and not written by the scan.
 */
#define FSVIEW_HELD_MAX (256u << 20)

/* The index of the first live file at or after source byte off (nfiles
 * when none). */
size_t fsview_file_at(const struct fsview *v, uint64_t off);

/* The first cluster at or after c that no live file owns (fsview_end when
 * none is left), and the first live one. */
uint64_t fsview_next_free(const struct fsview *v, uint64_t c);
uint64_t fsview_next_live(const struct fsview *v, uint64_t c);

/*
 * The free clusters round c0 in the order a recorder writes them, into
 * pos[0..cap): up to back free clusters before c0, none more than span
 * clusters before it, in order; c0; the free clusters after it; and past
 * the last cluster wholly within the source's size bytes, the free ones
 * from cluster 2 on (a loop recorder's next-free pointer wraps there) up
 * to the ones before c0.  Returns how many; *at is c0's index, and *cut
 * tells whether the walk round the end stopped at the ones before c0.
 * Fewer than cap are kept before c0, so that c0 is always laid out.
 */
unsigned fsview_lay_out(const struct fsview *v, uint64_t size, uint32_t c0,
                        unsigned back, uint32_t span, uint32_t *pos,
                        unsigned cap, unsigned *at, bool *cut);

/*
 * The cluster runs covering the source extents ext[0..n), in order, merged
 * where one continues the next.  Returns how many there are (only max are
 * written).
 */
unsigned fsview_cluster_runs(const struct fsview *v, const struct extent *ext,
                             unsigned n, struct fsview_run *out, unsigned max);

/* A short description for reports: "FAT32". */
const char *fsview_type_name(const struct fsview *v);

#endif

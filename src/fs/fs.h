/*
 * fs.h - reading FAT12/16/32 and exFAT volumes, live and deleted, and the
 * other file systems The Sleuth Kit reads (NTFS, ext2/3/4, HFS+, ISO 9660).
 *
 * A volume is opened on a read-only source descriptor at a byte offset (the
 * partition's start, or 0 for a "superfloppy" stick without a partition
 * table).  It offers what a recovery tool needs from a file system:
 *
 *   - geometry: sector and cluster size, where the FATs and the data area
 *     are, how many clusters there are, and the mapping between cluster
 *     numbers and byte offsets of the source;
 *   - the directory tree, deleted entries included (long names recovered
 *     where their entries survive), walked with bounded depth and memory and
 *     with loops detected;
 *   - the cluster runs of a file: the FAT chain of a live file, and for a
 *     deleted one the clusters a recovery can assume (see fs_file_runs);
 *   - two allocation views: the clusters owned by live files (walked from
 *     the tree) and the clusters the FAT or exFAT bitmap marks in use.
 *
 * All byte offsets returned by this interface are absolute offsets in the
 * source, unless a field says "in the volume".  Every read goes through
 * the source object; nothing here writes.
 *
 * The other file systems go through The Sleuth Kit's library (tsk.h): the
 * same interface, with a file system block standing for a cluster and
 * numbered as TSK numbers it (block b is "cluster" b, so the data area
 * starts at block 2: blocks 0 and 1 hold boot records on every one of
 * them), an entry's metadata address (MFT entry, inode) in entry_offset,
 * and content that is not in plain blocks (NTFS resident or compressed
 * data) held in memory (fs_runs.data).  Damage (a chain
 * that loops, a cluster number out of range, a directory that contains
 * itself) is reported through the volume's warning hook and cut, never
 * followed without bound.  A volume is not safe for concurrent use; open
 * one per thread.
 */
#ifndef DREDGE_FS_FS_H
#define DREDGE_FS_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/bread.h"

struct format;
struct carve_result;

enum fs_type {
	FS_NONE = 0,
	FS_FAT12,
	FS_FAT16,
	FS_FAT32,
	FS_EXFAT,
	/* read through The Sleuth Kit (tsk.c) */
	FS_NTFS,
	FS_EXT2,
	FS_EXT3,
	FS_EXT4,
	FS_HFS,
	FS_ISO9660,
	FS_UFS,
	FS_TSK_OTHER,
};

/* Whether volumes of type t are read through The Sleuth Kit. */
static inline int fs_type_is_tsk(int t)
{
	return t >= FS_NTFS && t <= FS_TSK_OTHER;
}

#define FS_NAME_MAX 768     /* 255 UTF-16 units as UTF-8, plus NUL */
#define FS_LABEL_MAX 96
#define FS_MAX_DEPTH 32     /* directory levels walked below the root */

/* A timestamp as the medium stores it (FAT: local time, no zone). */
struct fs_time {
	uint16_t year;          /* 0: no time recorded */
	uint8_t month, day, hour, min, sec;
	uint16_t msec;
	int16_t utc_offset;     /* minutes east of UTC, when has_utc_offset */
	uint8_t has_utc_offset;
};

/* Attribute bits (FAT and exFAT share them). */
#define FS_ATTR_RDONLY  0x01
#define FS_ATTR_HIDDEN  0x02
#define FS_ATTR_SYSTEM  0x04
#define FS_ATTR_VOLID   0x08
#define FS_ATTR_DIR     0x10
#define FS_ATTR_ARCHIVE 0x20

/* fs_entry.flags */
#define FS_E_DELETED      0x01   /* the entry itself is marked deleted */
#define FS_E_IN_DELETED   0x02   /* it lies inside a deleted directory */
#define FS_E_DIR          0x04
#define FS_E_LFN          0x08   /* name comes from long-name entries */
#define FS_E_NO_FAT_CHAIN 0x10   /* exFAT: clusters are contiguous */
#define FS_E_ROOT         0x20   /* the root directory itself */
#define FS_E_BAD_CHECKSUM 0x40   /* exFAT set checksum did not match */
#define FS_E_REUSED       0x80   /* TSK: deleted, and its metadata entry
                                    was used again since */

/* One directory entry, as read from the medium. */
struct fs_entry {
	char name[FS_NAME_MAX];  /* UTF-8; long name, else the short name */
	char short_name[16];     /* FAT 8.3 "NAME.EXT"; '_' for a lost first
	                            char of a deleted entry; "" on exFAT */
	uint32_t flags;          /* FS_E_* */
	uint16_t attr;           /* FS_ATTR_* */
	uint64_t size;           /* bytes (exFAT: data length) */
	uint64_t valid_size;     /* exFAT valid data length; else = size */
	uint32_t start_cluster;  /* 0: no clusters (empty file, FAT root) */
	struct fs_time ctime, mtime, atime;
	uint64_t entry_offset;   /* source byte of the (short or 0x85) entry;
	                            TSK volumes: the metadata address */
};

/* Whether recovery has to guess the clusters (deleted or orphaned). */
static inline int fs_entry_is_deleted(const struct fs_entry *e)
{
	return (e->flags & (FS_E_DELETED | FS_E_IN_DELETED)) != 0;
}

static inline int fs_entry_is_dir(const struct fs_entry *e)
{
	return (e->flags & FS_E_DIR) != 0;
}

/* A run of consecutive clusters (cluster 0: a sparse run, zeros). */
struct fs_run {
	uint32_t cluster;
	uint32_t count;
};

/* fs_runs.status bits */
#define FS_RUNS_SHORT       0x01  /* fewer clusters than the size needs */
#define FS_RUNS_LOOP        0x02  /* the chain looped and was cut */
#define FS_RUNS_RANGE       0x04  /* a cluster number out of range */
#define FS_RUNS_OVERWRITTEN 0x08  /* deleted: start cluster owned by a
                                     live file now */
#define FS_RUNS_SKIPPED     0x10  /* deleted: live clusters were skipped */
#define FS_RUNS_IO          0x20  /* the FAT could not be read */
#define FS_RUNS_SPARSE      0x40  /* TSK: sparse runs (read as zeros) */
#define FS_RUNS_HELD        0x80  /* TSK: the content is in data, not in
                                     blocks read as they are (resident,
                                     compressed or encrypted) */

/* The clusters of a file, in file order, and how far they go. */
struct fs_runs {
	struct fs_run *v;
	unsigned n, cap;
	uint64_t clusters;       /* sum of counts */
	uint64_t bytes;          /* file bytes they hold (<= entry size) */
	unsigned status;         /* FS_RUNS_* */
	uint8_t *data;           /* FS_RUNS_HELD: the bytes, runs->bytes */
};

/* A bitmap indexed by cluster number (bits 0 and 1 unused). */
struct fs_bitmap {
	uint64_t nbits;
	uint64_t *w;
};

static inline int fs_bitmap_get(const struct fs_bitmap *b, uint64_t i)
{
	return i < b->nbits && ((b->w[i >> 6] >> (i & 63)) & 1);
}

static inline void fs_bitmap_set(struct fs_bitmap *b, uint64_t i)
{
	if (i < b->nbits)
		b->w[i >> 6] |= (uint64_t)1 << (i & 63);
}

struct fs_cache;
struct fs_tsk;

/* Called with one line (no newline) for each anomaly found. */
typedef void (*fs_warn_fn)(void *arg, const char *msg);

struct fs_volume {
	enum fs_type type;
	const struct source *src;   /* borrowed; never closed here */
	uint64_t offset;         /* source byte where the volume starts */
	uint64_t avail;          /* source bytes from offset on */
	uint64_t size;           /* volume size claimed by the boot sector */
	uint32_t sector_size;
	uint32_t cluster_size;
	uint32_t sectors_per_cluster;
	uint32_t reserved_sectors;   /* FAT; exFAT: FAT offset in sectors */
	unsigned nfats;
	uint64_t fat_offset;     /* first FAT, bytes in the volume */
	uint64_t fat_size;       /* bytes of one FAT */
	uint64_t root_offset;    /* FAT12/16 fixed root: bytes in the volume */
	uint32_t root_entries;   /* FAT12/16 fixed root: entry count */
	uint32_t root_cluster;   /* FAT32/exFAT root directory cluster */
	uint64_t data_offset;    /* cluster 2, bytes in the volume */
	uint32_t cluster_count;  /* valid clusters: 2 .. cluster_count + 1 */
	uint64_t free_clusters;  /* counted from the FAT or exFAT bitmap */
	int64_t fsinfo_free;     /* FAT32 FSInfo hint; -1 when absent */
	int64_t fsinfo_next;
	uint32_t bitmap_cluster; /* exFAT allocation bitmap */
	uint64_t bitmap_size;
	uint32_t upcase_cluster; /* exFAT up-case table (0: none found) */
	uint64_t upcase_size;
	uint32_t serial;
	int has_serial;
	char label[FS_LABEL_MAX];     /* from the root directory, else BPB */
	char bpb_label[12];           /* FAT boot sector label */
	char oem[9];
	uint16_t exfat_revision;
	uint16_t exfat_flags;

	fs_warn_fn warn;         /* may be NULL */
	void *warn_arg;
	unsigned warnings;

	uint64_t inode_count;    /* TSK volumes: metadata addresses */
	uint64_t root_inode;

	/* private */
	struct fs_tsk *tsk;      /* TSK volumes: the library's handles */
	struct fs_cache *cache;
	uint8_t *exfat_bitmap;   /* exFAT: the allocation bitmap, loaded */
	struct fs_bitmap seen;   /* scratch for loop detection */
};

/* Name of a type: "FAT32", "exFAT". */
const char *fs_type_name(enum fs_type t);

/*
 * Probes the first len bytes of a volume: returns the type its boot
 * sector (FAT, exFAT, NTFS) or superblock (ext2/3/4 at byte 1024, HFS+ at
 * 1024, ISO 9660 at 32768: give FS_PROBE_LEN bytes to see them all) looks
 * like, or FS_NONE.  Cheap; does not validate the geometry.
 */
#define FS_PROBE_LEN 36864u
enum fs_type fs_probe(const uint8_t *boot, size_t len);

/*
 * Opens the FAT or exFAT volume at byte offset of src; size is the number of
 * source bytes from offset on (the partition's length, or the rest of the
 * source).  On failure returns -errno and writes a one-line reason ("sectors
 * per cluster is 0") into err.  warn/warn_arg may be NULL.
 */
int fs_open(struct fs_volume *vol, const struct source *src, uint64_t offset,
            uint64_t size, fs_warn_fn warn, void *warn_arg, char *err,
            size_t errlen);

/* Releases the volume; accepts a zeroed or already closed one. */
void fs_close(struct fs_volume *vol);

/* Source byte offset of cluster c, or UINT64_MAX when c is out of range. */
uint64_t fs_cluster_offset(const struct fs_volume *vol, uint32_t c);

/* Cluster holding source byte off, or 0 when off is outside the data area. */
uint32_t fs_offset_cluster(const struct fs_volume *vol, uint64_t off);

/* Source byte offset of the data area (cluster 2). */
static inline uint64_t fs_data_start(const struct fs_volume *vol)
{
	return vol->offset + vol->data_offset;
}

/*
 * The FAT entry of cluster c, normalised: FS_FAT_FREE, FS_FAT_BAD,
 * FS_FAT_EOC, or the next cluster number (which may be out of range: the
 * caller checks).  Returns 0, or -errno when the FAT cannot be read.
 */
#define FS_FAT_FREE 0u
#define FS_FAT_BAD  0xFFFFFFF7u
#define FS_FAT_EOC  0xFFFFFFFFu
int fs_fat_next(struct fs_volume *vol, uint32_t c, uint32_t *next);

/* fs_readdir / fs_walk flags */
#define FS_WALK_DELETED 0x01   /* include deleted entries */
#define FS_WALK_RECURSE 0x02   /* descend into subdirectories */

/*
 * Called for each entry; path is the full path ("/DCIM/A.MP4", names as
 * fs_entry.name) and depth 0 for the entries of the starting directory.
 * Return 0 to go on, 1 not to descend into this directory, < 0 to stop the
 * walk with that code.
 */
typedef int (*fs_walk_fn)(struct fs_volume *vol, const char *path,
                          const struct fs_entry *e, unsigned depth,
                          void *arg);

/* The root directory as an entry (for fs_walk, fs_file_runs). */
void fs_root_entry(const struct fs_volume *vol, struct fs_entry *root);

/*
 * Walks directory dir (NULL: the root), whose path is dir_path (NULL: "").
 * Entries "." and ".." and volume labels are not reported.  Deleted
 * directories are descended into when FS_WALK_DELETED is given and their
 * first cluster still holds a directory.  Depth is bounded by FS_MAX_DEPTH;
 * a directory met twice (a loop) is reported and not entered again.
 * Returns 0, or the first negative code from cb or from reading.
 */
int fs_walk(struct fs_volume *vol, const struct fs_entry *dir,
            const char *dir_path, unsigned flags, fs_walk_fn cb, void *arg);

/*
 * Finds the entry at path ("/", "/DCIM/A.MP4"; case-insensitive).  With
 * FS_WALK_DELETED a component may name a deleted entry by its recovered
 * long name or by its short name with '_' for the lost first character;
 * a live entry wins over a deleted one of the same name.  Returns 0,
 * -ENOENT, -ENOTDIR, or another -errno.
 */
int fs_lookup(struct fs_volume *vol, const char *path, unsigned flags,
              struct fs_entry *out);

/*
 * The clusters of entry e, in order.  A live file follows its FAT chain
 * (exFAT NoFatChain: the contiguous run), cut at the size the entry gives
 * (directories: at the chain's end, at most 256 MiB).  A deleted file (or
 * one inside a deleted directory) starts at its first cluster and takes the
 * clusters from there on in order, skipping those that live files own
 * (alloc, from fs_alloc_map; NULL: the FAT's used view), until the size is
 * covered, as The Sleuth Kit does; exFAT NoFatChain files are taken
 * contiguous.  runs->status says how sure that is.  Returns 0 or -errno.
 */
int fs_file_runs(struct fs_volume *vol, const struct fs_entry *e,
                 const struct fs_bitmap *alloc, struct fs_runs *runs);

void fs_runs_free(struct fs_runs *runs);

/*
 * Source byte extents of runs, cut to runs->bytes; adjacent runs merge.
 * Returns the number of extents needed (which may exceed max: then only
 * max were written).
 */
unsigned fs_runs_extents(const struct fs_volume *vol,
                         const struct fs_runs *runs, struct extent *ext,
                         unsigned max);

/*
 * Bitmap of the clusters owned by live files and directories (and the
 * exFAT system files), walked from the live tree: what a carver must not
 * take for a deleted file.  Returns 0 or -errno; free with fs_bitmap_free.
 */
int fs_alloc_map(struct fs_volume *vol, struct fs_bitmap *map);

/*
 * Calls cb for everything that owns clusters on a live volume: the root
 * directory, exFAT's allocation bitmap and up-case table (as
 * "(allocation bitmap)" and "(up-case table)"), then every live entry of
 * the tree.  Stops at the first non-zero return and returns it.
 */
int fs_walk_owners(struct fs_volume *vol, fs_walk_fn cb, void *arg);

/* Bitmap of the clusters the FAT (exFAT: allocation bitmap) marks used. */
int fs_used_map(struct fs_volume *vol, struct fs_bitmap *map);

/* A zeroed bitmap of nbits; 0 or -ENOMEM. */
int fs_bitmap_alloc(struct fs_bitmap *map, uint64_t nbits);
void fs_bitmap_free(struct fs_bitmap *map);

/*
 * Reads up to n bytes of the file described by runs at logical offset off;
 * returns the count read (short at the end), or -errno.
 */
ssize_t fs_runs_read(struct fs_volume *vol, const struct fs_runs *runs,
                     uint64_t off, void *buf, size_t n);

/*
 * Runs fmt's validator over the file's content (run_validate over its
 * extents, limited to its size and fmt->max_size).  guessed: the runs are
 * an assumption (a deleted file's clusters), not the file system's word;
 * a guess of several extents is then validated with every check the
 * format has (bread.thorough).  Returns 0 and fills res, or -E2BIG when
 * the file has more fragments than a reader takes, or another -errno.
 */
int fs_validate(struct fs_volume *vol, const struct fs_runs *runs,
                const struct format *fmt, bool guessed,
                struct carve_result *res);

/*
 * Formats t as "2024-05-06 10:11:12" (with a zone "...10:11:12+01:00");
 * "0000-00-00 00:00:00" when no time was recorded.
 */
void fs_time_str(const struct fs_time *t, char *buf, size_t len);

#endif

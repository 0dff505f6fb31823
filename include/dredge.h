/*
 * dredge.h - the public interface of the dredge recovery engine.
 *
 * One call runs a whole scan: a source (image file or block device) is read
 * front to back, candidate file starts are found and validated, and the
 * recovered files plus report.xml (DFXML) and report.jsonl are written to an
 * output folder.  The source is only ever opened read-only.
 *
 * Errors are negative errno values; dredge_strerror() names them, and the
 * summary carries a one-line message naming the path involved.
 */
#ifndef DREDGE_H
#define DREDGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

enum dredge_io {
	DREDGE_IO_AUTO = 0,   /* mmap for image files where views of the page
	                         cache pay (dredge_views), else io_uring
	                         (pread when io_uring is unavailable) */
	DREDGE_IO_URING,
	DREDGE_IO_PREAD,
	DREDGE_IO_MMAP,       /* views of the page cache (image files) */
};

/* Whether image files are read through views of the page cache (mmap) or
 * copies of it, by the reader and by every stage that reads the source:
 * auto measures which costs less on this machine, once a process. */
enum dredge_views {
	DREDGE_VIEWS_AUTO = 0,
	DREDGE_VIEWS_ON,
	DREDGE_VIEWS_OFF,
};

/* The any-offset signature search: the scalar reference or a SIMD variant
 * (each finds exactly the same candidates). */
enum dredge_simd {
	DREDGE_SIMD_AUTO = 0,   /* the fastest this CPU runs */
	DREDGE_SIMD_SCALAR,
	DREDGE_SIMD_SSE2,
	DREDGE_SIMD_AVX2,
	DREDGE_SIMD_AVX512,     /* AVX-512F and AVX-512BW */
};

/* Forensic digests of every file, besides the XXH3-128 dredge always
 * computes (for de-duplication): a set of these bits. */
enum dredge_hash {
	DREDGE_HASH_MD5 = 1u << 0,
	DREDGE_HASH_SHA1 = 1u << 1,
	DREDGE_HASH_SHA256 = 1u << 2,
};
#define DREDGE_HASH_DEFAULT (DREDGE_HASH_MD5 | DREDGE_HASH_SHA256)

/*
 * Parses a --hash list ("md5,sha1,sha256" in any order, or "none") into
 * *mask: 0, or -EINVAL with the name not understood copied into bad (the
 * whole list when it names nothing, or mixes none with a digest).
 */
int dredge_hash_parse(const char *list, unsigned *mask, char *bad,
                      size_t badlen);

/* The names of mask's digests, comma-separated ("none" for 0), in buf. */
const char *dredge_hash_names(unsigned mask, char *buf, size_t len);

/* Where a running scan stands, for a progress line. */
struct dredge_progress {
	uint64_t done;             /* bytes scanned by this run */
	uint64_t total;            /* bytes this run scans */
	uint64_t files;            /* distinct files written, resumed too */
	double seconds;            /* since this run started scanning */
	int final;                 /* the last call */
};

struct dredge_scan_config {
	const char *source;        /* image file or block device */
	const char *outdir;        /* created if missing */
	const char *types;         /* comma-separated names; NULL: all */
	const char *command_line;  /* recorded in the report */
	unsigned threads;          /* scan and validator workers; 0: CPUs */
	uint32_t block_size;       /* candidate starts are multiples of it */
	uint32_t chunk_size;       /* bytes per read */
	unsigned queue_depth;      /* reads in flight */
	enum dredge_io io;
	enum dredge_views views;   /* DREDGE_IO_MMAP turns them on */
	int direct;                /* O_DIRECT: 1 on; 0, -1 (auto) buffered */
	int any_offset;            /* candidates at every byte */
	int keep_embedded;         /* keep files found inside other files */
	int force;                 /* write into a folder holding results */
	int progress;              /* progress_fn: 0 off; 1 or -1 on (the CLI
	                              turns -1 into "stderr is a tty") */
	int report_only;           /* report without writing files */
	int resume;                /* continue an interrupted scan in outdir */
	/* When set and it becomes non-zero (a signal handler's flag: a
	 * lock-free atomic, safe to set from a handler and to read from the
	 * reader thread), the scan stops reading, finishes what is in flight,
	 * writes its checkpoint and returns -EINTR. */
	const _Atomic int *stop;
	/* Stop the same way once reading reaches this source offset (0:
	 * never): time-boxed runs, and tests of resuming. */
	uint64_t stop_at;
	enum dredge_simd simd;     /* any-offset search variant */
	unsigned hashes;           /* DREDGE_HASH_* digests in the reports */

	/*
	 * File-system-aware scanning of a FAT12/16/32 or exFAT volume: starts
	 * on the cluster grid, files named by start cluster, cluster runs in
	 * the report, fragments reassembled around clusters live files own.
	 * Any of the fields below asks for it; a volume that cannot be
	 * trusted makes the scan fall back to the whole source (warned).
	 */
	int fs;                    /* the whole volume */
	int unallocated;           /* only clusters no live file owns */
	uint32_t cluster_first;    /* scan starts in these clusters only; */
	uint32_t cluster_last;     /*   0, 0: all */
	unsigned partition;        /* the volume in partition N (0: choose) */
	int volume_offset_set;     /* the volume at this source byte */
	uint64_t volume_offset;
	/* Warnings (a damaged file system, a fallback): one line each, no
	 * newline.  NULL: not shown. */
	void (*warn)(void *arg, const char *msg);
	void *warn_arg;
	/* Progress: called about four times a second from a thread of the
	 * engine's, and once at the end (final set), while progress is
	 * non-zero.  NULL: not shown. */
	void (*progress_fn)(void *arg, const struct dredge_progress *pr);
	void *progress_arg;
	/* Once the whole source has been read, read each unreadable sector
	 * again up to this many times; those that read are no longer
	 * reported unreadable (the files already written keep the zeros
	 * they were copied with; see the README). */
	unsigned retries;
	/* Shard K of N (1 <= K <= N; N 0: no shards): only the candidates
	 * that start in the K-th of N equal ranges of what the scan covers
	 * (on the block or cluster grid); files starting there are followed
	 * past its end.  Its folder can be merged with the others'
	 * (dredge_merge) into exactly one run's result. */
	unsigned shard_index, shard_count;
};

#define DREDGE_MAX_TYPES 64
/* Extensions counted apart: a format may give several (riff: avi, wav). */
#define DREDGE_MAX_EXTS (4 * DREDGE_MAX_TYPES)

/*
 * What the writer has committed.  One set of numbers: the writer keeps it,
 * a checkpoint saves it, a resumed scan takes it up again, and the summary
 * returns it.
 */
struct dredge_counts {
	uint64_t files;            /* distinct files written */
	uint64_t truncated;        /* of which truncated */
	uint64_t reassembled;      /* of which written from several fragments */
	uint64_t files_unreadable; /* of which holding unreadable bytes */
	uint64_t duplicates;       /* locations whose content was written */
	uint64_t next_id;          /* the next report entry's id (from 1) */
	unsigned ntypes;           /* distinct files by extension */
	struct {
		char ext[16];
		uint64_t count;
	} per_type[DREDGE_MAX_EXTS];
};

struct dredge_summary {
	uint64_t source_size;
	uint64_t bytes_scanned;
	uint64_t bytes_skipped;    /* of them, in a file system, not read:
	                              clusters no file may start in */
	uint64_t candidates;
	struct dredge_counts count;  /* files written, by type, duplicates */
	uint64_t bad_ranges;       /* unreadable ranges left at the end */
	uint64_t bad_bytes;        /* their bytes (read as zeros) */
	uint64_t reread_bytes;     /* unreadable bytes that read on retry */
	double seconds;
	const char *io_engine;     /* "io_uring", "pread" or "mmap" */
	const char *simd;          /* the any-offset variant that ran */
	int direct;                /* whether O_DIRECT was used */
	double reader_cpu;         /* CPU seconds the reader thread used */
	int interrupted;           /* stopped early; a checkpoint was written */
	char volume[160];          /* the file system used, or "" */
	char error[512];           /* set when dredge_scan fails */
};

/* Fills cfg with the defaults (all formats, 512-byte blocks, ...). */
void dredge_scan_config_init(struct dredge_scan_config *cfg);

/*
 * Runs one scan.  Returns 0, or -errno with sum->error describing what went
 * wrong; whatever was recovered before a failure stays on disk and in the
 * report.
 */
int dredge_scan(const struct dredge_scan_config *cfg,
                struct dredge_summary *sum);

/* A message for a code returned by dredge_scan. */
const char *dredge_strerror(int code);

/* "scalar", "sse2", "avx2", "avx512" or "auto"; NULL for other values. */
const char *dredge_simd_name(enum dredge_simd v);

/* Parses one of those names into *v: 0, or -EINVAL. */
int dredge_simd_parse(const char *name, enum dredge_simd *v);

/* Whether this build on this CPU runs v (AUTO and SCALAR: always). */
int dredge_simd_supported(enum dredge_simd v);

/* The variant AUTO stands for here. */
enum dredge_simd dredge_simd_auto(void);

/*
 * The formats dredge recovers (`dredge types`), in the order of the
 * registry: index 0 .. dredge_format_count() - 1.
 */
struct dredge_format_info {
	const char *name;          /* "jpeg": what --types takes */
	const char *ext;           /* "jpg": extension and folder */
	const char *description;
	uint32_t align;            /* a real start's alignment (1: any byte) */
	unsigned nsigs;            /* signatures, see dredge_format_signature */
};

/* Magic bytes at a fixed distance from a file's start. */
struct dredge_signature {
	const uint8_t *bytes;
	unsigned len;
	unsigned offset;           /* from the file's start */
	int masked;                /* only some bits of the bytes count */
	uint32_t align;            /* its own alignment (0: the format's) */
};

unsigned dredge_format_count(void);

/* Describes format i: 0, or -ENOENT past the last one. */
int dredge_format_get(unsigned i, struct dredge_format_info *info);

/*
 * Takes the lock every dredge command holds on a folder it writes (scan,
 * extract, fs export), so that a second run into the same folder is
 * refused.  Returns a descriptor to close when the writing is done, or
 * -errno with a one-line message in err ("output folder 'DIR' is in use:
 * another dredge is writing there" when another run holds it).
 */
int dredge_output_lock(const char *dir, char *err, size_t errlen);

/* The index of the format called name, by name or extension (either
 * case), or -ENOENT. */
int dredge_format_find(const char *name);

/* Signature s of format i: 0, or -ENOENT. */
int dredge_format_signature(unsigned i, unsigned s,
                            struct dredge_signature *sig);

/*
 * Partitions and FAT12/16/32 and exFAT volumes (`dredge fs`).
 *
 * A disk is a source opened read-only with its partition table read (MBR,
 * GPT, or none: a "superfloppy" volume at byte 0).  A volume is opened on
 * a disk and borrows it: free the volumes before their disk.  Entries are
 * values the caller keeps; runs are the clusters of one entry, read and
 * checked through the volume they came from.  Nothing here writes to the
 * source, and nothing here is safe to share between threads: open one disk
 * per thread.  Opening calls take a buffer for a one-line reason.
 */
typedef struct dredge_disk dredge_disk;
typedef struct dredge_volume dredge_volume;
typedef struct dredge_runs dredge_runs;

enum dredge_fs {
	DREDGE_FS_NONE = 0,
	DREDGE_FS_FAT12,
	DREDGE_FS_FAT16,
	DREDGE_FS_FAT32,
	DREDGE_FS_EXFAT,
	/* through The Sleuth Kit, when built with it */
	DREDGE_FS_NTFS,
	DREDGE_FS_EXT2,
	DREDGE_FS_EXT3,
	DREDGE_FS_EXT4,
	DREDGE_FS_HFS,
	DREDGE_FS_ISO9660,
	DREDGE_FS_UFS,
	DREDGE_FS_TSK_OTHER,
};

enum dredge_part_scheme {
	DREDGE_PART_NONE = 0,      /* no table: a volume at byte 0, or none */
	DREDGE_PART_MBR,
	DREDGE_PART_GPT,
};

/* "FAT32", "exFAT"; "none" for DREDGE_FS_NONE. */
const char *dredge_fs_name(enum dredge_fs t);

/* Whether NTFS, ext2/3/4, HFS+ and ISO 9660 volumes are read (1, else 0):
 * built with The Sleuth Kit, and its library loads on this system.  *what
 * is then the library's name, else what is missing. */
int dredge_fs_tsk(const char **what);

/* Called with one line (no newline) for each anomaly found. */
typedef void (*dredge_warn_fn)(void *arg, const char *msg);

struct dredge_disk_info {
	uint64_t size;             /* the source's bytes */
	enum dredge_part_scheme scheme;
	uint32_t sector_size;      /* the table's logical sector size */
	uint32_t disk_signature;   /* MBR */
	char disk_guid[40];        /* GPT, as text */
	int gpt_backup;            /* GPT read from the backup header */
	enum dredge_fs whole_fs;   /* no table: what byte 0 holds */
	unsigned nparts;           /* see dredge_disk_partition */
};

struct dredge_partition {
	unsigned index;            /* its number, as -p N takes it */
	uint64_t start;            /* source bytes */
	uint64_t size;
	uint8_t mbr_type;          /* MBR: the type byte; GPT: 0 */
	const char *type_name;     /* "FAT32 (LBA)", "Microsoft basic data" */
	char name[112];            /* GPT: the partition's name (UTF-8) */
	int logical;               /* MBR: inside an extended partition */
	int extended;              /* MBR: an extended partition (container) */
	enum dredge_fs fs;         /* what its first sector looks like */
};

/*
 * Opens the source at path read-only and reads its partition table;
 * anomalies go to warn (may be NULL), for the disk and its volumes.
 * Returns NULL with a one-line reason naming path in err.
 */
dredge_disk *dredge_disk_open(const char *path, dredge_warn_fn warn,
                              void *warn_arg, char *err, size_t errlen);

/* Closes the disk; accepts NULL. */
void dredge_disk_free(dredge_disk *disk);

void dredge_disk_info(const dredge_disk *disk, struct dredge_disk_info *info);

/* Entry i (0 .. nparts - 1, in table order) of the partition table: 0,
 * or -ENOENT. */
int dredge_disk_partition(const dredge_disk *disk, unsigned i,
                          struct dredge_partition *part);

/*
 * Opens a volume of disk: the one at source byte offset when offset_set,
 * else the one in partition number partition (0: choose: the superfloppy
 * volume, or the only FAT/exFAT partition).  Returns NULL with a one-line
 * reason naming the source in err.
 */
dredge_volume *dredge_volume_open(dredge_disk *disk, unsigned partition,
                                  int offset_set, uint64_t offset,
                                  char *err, size_t errlen);

/* Opens the volume in entry i of the partition table (cut to the end of
 * the source); NULL with the file system's reason alone in err. */
dredge_volume *dredge_volume_open_entry(dredge_disk *disk, unsigned i,
                                        char *err, size_t errlen);

/* Closes the volume; accepts NULL. */
void dredge_volume_free(dredge_volume *vol);

struct dredge_volume_info {
	enum dredge_fs type;
	uint64_t offset;           /* source byte where the volume starts */
	uint64_t size;             /* as the boot sector claims it */
	uint32_t sector_size;
	uint32_t cluster_size;
	uint32_t sectors_per_cluster;
	uint32_t reserved_sectors; /* FAT; exFAT: FAT offset in sectors */
	unsigned nfats;
	uint64_t fat_offset;       /* first FAT, bytes in the volume */
	uint64_t fat_size;         /* bytes of one FAT */
	uint64_t root_offset;      /* FAT12/16 fixed root, bytes in the volume */
	uint32_t root_entries;     /* FAT12/16 fixed root: entry count */
	uint32_t root_cluster;     /* FAT32/exFAT root directory */
	uint64_t data_offset;      /* cluster 2, bytes in the volume */
	uint64_t data_start;       /* cluster 2, source byte */
	uint32_t cluster_count;    /* valid clusters: 2 .. cluster_count + 1 */
	uint64_t free_clusters;    /* UINT64_MAX: not known */
	int64_t fsinfo_free;       /* FAT32 FSInfo hint; -1 when absent */
	uint32_t bitmap_cluster;   /* exFAT allocation bitmap */
	uint32_t upcase_cluster;   /* exFAT up-case table (0: none found) */
	uint16_t exfat_revision;   /* major << 8 | minor */
	char label[96];
	int has_serial;
	uint32_t serial;
	char oem[9];
	/* File systems read through The Sleuth Kit: a cluster is a block,
	 * numbered as TSK numbers them; entries carry their metadata
	 * address (MFT entry, inode) in entry_offset. */
	int tsk;
	uint64_t inode_count;
	uint64_t root_inode;
};

/* The volume's geometry; counts the free clusters the first time. */
void dredge_volume_info(dredge_volume *vol, struct dredge_volume_info *info);

enum dredge_fs dredge_volume_type(const dredge_volume *vol);

#define DREDGE_NAME_MAX 768        /* a name in UTF-8, with its NUL */
#define DREDGE_FS_MAX_DEPTH 32     /* directory levels walked below root */

/* A timestamp as the medium stores it (FAT: local time, no zone). */
struct dredge_time {
	uint16_t year;             /* 0: no time recorded */
	uint8_t month, day, hour, min, sec;
	uint16_t msec;
	int16_t utc_offset;        /* minutes east of UTC, when has_utc_offset */
	uint8_t has_utc_offset;
};

/* dredge_entry.attr */
#define DREDGE_ATTR_RDONLY  0x01
#define DREDGE_ATTR_HIDDEN  0x02
#define DREDGE_ATTR_SYSTEM  0x04
#define DREDGE_ATTR_VOLID   0x08
#define DREDGE_ATTR_DIR     0x10
#define DREDGE_ATTR_ARCHIVE 0x20

/* dredge_entry.flags */
#define DREDGE_ENTRY_DELETED      0x01  /* the entry is marked deleted */
#define DREDGE_ENTRY_IN_DELETED   0x02  /* it lies in a deleted directory */
#define DREDGE_ENTRY_DIR          0x04
#define DREDGE_ENTRY_LFN          0x08  /* the name is a long name */
#define DREDGE_ENTRY_NO_FAT_CHAIN 0x10  /* exFAT: clusters contiguous */
#define DREDGE_ENTRY_ROOT         0x20  /* the root directory itself */
#define DREDGE_ENTRY_BAD_CHECKSUM 0x40  /* exFAT set checksum mismatch */
#define DREDGE_ENTRY_REUSED       0x80  /* deleted; its metadata entry
                                           (MFT entry, inode) in use again */

/* One directory entry, as read from the medium. */
struct dredge_entry {
	char name[DREDGE_NAME_MAX];  /* long name, else the short name */
	char short_name[16];       /* FAT 8.3; '_' for a deleted entry's lost
	                              first character; "" on exFAT */
	uint32_t flags;            /* DREDGE_ENTRY_* */
	uint16_t attr;             /* DREDGE_ATTR_* */
	uint64_t size;             /* bytes (exFAT: data length) */
	uint64_t valid_size;       /* exFAT valid data length; else = size */
	uint32_t start_cluster;    /* 0: none (empty file, FAT root) */
	struct dredge_time ctime, mtime, atime;
	uint64_t entry_offset;     /* source byte of the entry */
};

/* Whether recovery has to guess its clusters (deleted or orphaned). */
static inline int dredge_entry_deleted(const struct dredge_entry *e)
{
	return (e->flags & (DREDGE_ENTRY_DELETED | DREDGE_ENTRY_IN_DELETED))
	       != 0;
}

static inline int dredge_entry_dir(const struct dredge_entry *e)
{
	return (e->flags & DREDGE_ENTRY_DIR) != 0;
}

/* "2024-05-06 10:11:12" (with a zone: "...12+01:00"); zeros when no time
 * was recorded. */
void dredge_time_str(const struct dredge_time *t, char *buf, size_t len);

/* dredge_volume_walk and dredge_volume_lookup flags */
#define DREDGE_WALK_DELETED 0x01   /* deleted entries too */
#define DREDGE_WALK_RECURSE 0x02   /* descend into subdirectories */

/*
 * Called for each entry; path is the full path ("/DCIM/A.MP4"), depth 0
 * for the entries of the starting directory.  Return 0 to go on, 1 not to
 * descend into this directory, < 0 to stop the walk with that code.
 */
typedef int (*dredge_walk_fn)(dredge_volume *vol, const char *path,
                              const struct dredge_entry *e, unsigned depth,
                              void *arg);

/*
 * Walks directory dir (NULL: the root) whose path is dir_path (NULL: "").
 * Depth is bounded and loops are cut (and warned).  Returns 0, or the
 * first negative code from cb or from reading.
 */
int dredge_volume_walk(dredge_volume *vol, const struct dredge_entry *dir,
                       const char *dir_path, unsigned flags,
                       dredge_walk_fn cb, void *arg);

/*
 * Finds the entry at path ("/", "/DCIM/A.MP4"; case-insensitive).  With
 * DREDGE_WALK_DELETED a component may name a deleted entry by its
 * recovered long name or its short name with '_' first.  Returns 0,
 * -ENOENT, -ENOTDIR, or another -errno.
 */
int dredge_volume_lookup(dredge_volume *vol, const char *path,
                         unsigned flags, struct dredge_entry *e);

/*
 * Builds the map of clusters live files own, which the runs of deleted
 * entries skip (done once, on first need, otherwise).  0 or -errno.
 */
int dredge_volume_load_owners(dredge_volume *vol);

/* dredge_runs_info.status */
#define DREDGE_RUNS_SHORT       0x01  /* fewer clusters than the size */
#define DREDGE_RUNS_LOOP        0x02  /* the chain looped and was cut */
#define DREDGE_RUNS_RANGE       0x04  /* a cluster number out of range */
#define DREDGE_RUNS_OVERWRITTEN 0x08  /* deleted: first cluster is a live
                                         file's now */
#define DREDGE_RUNS_SKIPPED     0x10  /* deleted: live clusters skipped */
#define DREDGE_RUNS_IO          0x20  /* the FAT could not be read */

struct dredge_runs_info {
	unsigned n;                /* runs; see dredge_runs_get */
	uint64_t clusters;         /* clusters in all */
	uint64_t bytes;            /* file bytes they hold (<= its size) */
	unsigned status;           /* DREDGE_RUNS_* */
};

/* A run of consecutive clusters. */
struct dredge_run {
	uint32_t cluster;
	uint32_t count;
};

/*
 * The clusters of e, in file order: a live file's chain, or for a deleted
 * one the free clusters from its first on, as The Sleuth Kit assumes them.
 * 0 and *runs set, or -errno.
 */
int dredge_entry_runs(dredge_volume *vol, const struct dredge_entry *e,
                      dredge_runs **runs);

/* Releases runs; accepts NULL. */
void dredge_runs_free(dredge_runs *runs);

/* What runs hold; all zero for NULL. */
void dredge_runs_info(const dredge_runs *runs, struct dredge_runs_info *info);

/* Run i: 0, or -ENOENT. */
int dredge_runs_get(const dredge_runs *runs, unsigned i,
                    struct dredge_run *run);

/* Reads up to n bytes of the file at logical offset off: the count read
 * (short at the end), or -errno. */
ssize_t dredge_runs_read(dredge_runs *runs, uint64_t off, void *buf,
                         size_t n);

/*
 * Chooses the clusters of the deleted file e (FAT, exFAT) with its
 * format's validator, when it has one: when the clusters runs assume do
 * not make the file whole (a fragmentation point, or a rejection after
 * some of it), the free clusters after the point (none a live file owns
 * or another deleted file is assumed to hold) are tried in turn for the
 * rest until the validator takes the file whole at its size; bounded.
 * Returns 0 when nothing is to choose (no validator, the assumed
 * clusters are whole, or the validator names no point where the content
 * stops being the file's: its first cluster is not of the format), 1 when runs now hold the clusters chosen, 2 when
 * no clusters make it whole (*why: the validator's reason), or -errno.
 */
int dredge_runs_choose(dredge_volume *vol, const struct dredge_entry *e,
                       dredge_runs *runs, const char **why);

/*
 * Indexes the clusters every deleted file of the volume is assumed to
 * hold (done once, on first need, otherwise; call it before a walk whose
 * callback asks dredge_runs_shared).  0 or -errno.
 */
int dredge_volume_load_claims(dredge_volume *vol);

/*
 * Whether clusters that runs (of the deleted file e) assume are assumed
 * for another deleted file as well: 1 with the first such file's path (in
 * walk order) in other, 0 when none, or -errno.  Then at most one of them
 * can hold what it assumes there.
 */
int dredge_runs_shared(dredge_volume *vol, const struct dredge_entry *e,
                       const dredge_runs *runs, char *other, size_t len);

/* What the validator of an entry's format says about its content. */
enum dredge_check_verdict {
	DREDGE_CHECK_NONE = 0,     /* no validator for its name, or no bytes */
	DREDGE_CHECK_VALID,
	DREDGE_CHECK_TRUNCATED,
	DREDGE_CHECK_INVALID,      /* reason says why */
	DREDGE_CHECK_FRAGMENTED,   /* more fragments than a check reads */
	DREDGE_CHECK_ERROR,        /* error holds the -errno */
};

struct dredge_check {
	enum dredge_check_verdict verdict;
	const char *reason;        /* INVALID: static text, or NULL */
	int error;
};

/* Runs the validator its name's extension names (long name, else short
 * name) over the content runs hold. */
void dredge_runs_check(dredge_runs *runs, const struct dredge_entry *e,
                       struct dredge_check *check);

/*
 * `dredge extract`: writes files a --report-only scan listed, chosen by
 * type, size or report id, under the names and with the bytes a full scan
 * would have written.  Each file's XXH3-128 is checked against the report
 * while it is copied; a mismatch stops extraction (the source is then not
 * the one scanned).  Asking for a duplicate gives the file holding its
 * content.
 */
struct dredge_extract_config {
	const char *source;        /* the image or device that was scanned */
	const char *report;        /* the scan's folder or its report.jsonl */
	const char *outdir;        /* created if missing */
	const char *types;         /* comma-separated types or formats; NULL:
	                              all */
	uint64_t min_size;         /* only files of at least this many bytes */
	const uint64_t *ids;       /* only these report entries (nids > 0) */
	unsigned nids;
	int force;                 /* replace files in outdir that differ */
	/* Called for each file written, with its name under outdir. */
	void (*file_fn)(void *arg, const char *name, uint64_t size);
	void *file_arg;
	/* Called with one line (no newline) for each problem found: a bad
	 * report, a missing id, a file that cannot be written.  Several may
	 * come before dredge_extract returns. */
	void (*error_fn)(void *arg, const char *msg);
	void *error_arg;
};

struct dredge_extract_summary {
	int chosen;                /* the report was read, the source opened
	                              and outdir made: the counts below hold */
	uint64_t files;            /* files written */
	uint64_t bytes;            /* their bytes */
	uint64_t present;          /* chosen files already in outdir */
};

/* Runs one extraction: 0, or -errno after error_fn was told why (except
 * for running out of memory). */
int dredge_extract(const struct dredge_extract_config *cfg,
                   struct dredge_extract_summary *sum);

/* What dredge_repair found in the clip. */
struct dredge_repair_info {
	uint32_t frames;          /* video frames indexed */
	uint32_t keyframes;
	uint64_t video_bytes;     /* their bytes */
	uint64_t other_bytes;     /* media data stepped over (audio, tails) */
	const char *codec;        /* "H.264" or "H.265" */
};

/*
 * Makes a playable MP4 at out (which must not exist) from clip, an MP4
 * recording whose movie box was never written (a dashcam clip cut off by
 * a power loss, or recovered with status truncated, reason "no index"):
 * its video frames are found in its media data and indexed with the codec
 * setup of reference, a whole clip of the same camera.  The media data is
 * copied as it was; audio is not indexed.  0, or -errno with a message
 * naming the file in err.
 */
int dredge_repair(const char *clip, const char *reference, const char *out,
                  struct dredge_repair_info *info, char *err, size_t errlen);

/* One file entry of a scan's report.jsonl, as dredge_report_files gives
 * it (valid during the call). */
struct dredge_report_file {
	uint64_t id;
	const char *filename;      /* under the scan's folder */
	const char *format;
	const char *status;        /* "complete", "reassembled", "suspect"
	                              or "truncated" */
	const char *reason;        /* why truncated or suspect, or "" */
	uint64_t offset;           /* the first byte's place in the source */
};

/*
 * Calls fn with each file entry of the report at path (a report.jsonl
 * dredge wrote), in order; other lines (unreadable ranges) are passed
 * over.  0 when every line was read; fn's non-zero return, which stops
 * the reading; or -errno with err saying why (the file cannot be read, a
 * line is not a dredge report entry).
 */
int dredge_report_files(const char *path,
                        int (*fn)(void *arg,
                                  const struct dredge_report_file *f),
                        void *arg, char *err, size_t errlen);

/*
 * Merging the folders of `dredge scan --shard K/N` (K = 1..N, the same
 * source and options) into exactly the files and reports one scan gives.
 * Files are hard-linked from the shard folders (copied when they lie on
 * another file system), or moved with `move`.
 */
struct dredge_merge_config {
	const char *outdir;        /* created if missing */
	const char *const *shards; /* the shards' folders, any order */
	unsigned nshards;
	const char *command_line;  /* recorded in the report */
	int force;                 /* write into a folder holding results */
	int move;                  /* move files out of the shards */
};

struct dredge_merge_summary {
	unsigned shards;           /* N */
	uint64_t entries;          /* report entries */
	uint64_t files, duplicates, truncated;
	uint64_t linked, copied, moved;   /* how the files came over */
	uint64_t dropped;          /* shard entries one run does not have */
	double seconds;
	char error[512];
};

/* 0, or -errno with sum->error saying which shard is wrong and why. */
int dredge_merge(const struct dredge_merge_config *cfg,
                 struct dredge_merge_summary *sum);

/*
 * `dredge bench`: how fast a source can be read, and scanned.  The source
 * is read read-only with io_uring across a small grid of block sizes and
 * queue depths (O_DIRECT where the source accepts it, so the page cache
 * does not flatter the numbers), recording throughput and the latency of
 * every read; then a bounded scan pass with the best setting's block size
 * shows how much of the raw rate a scan keeps.  The scan keeps at least
 * two reads in flight: with one, the device idles from each completion
 * until the reader thread, competing with the scan workers for the CPUs,
 * gets to submit the next read.
 */
#define DREDGE_BENCH_MAX_SIZES 8
#define DREDGE_BENCH_MAX_DEPTHS 8

struct dredge_bench_config {
	const char *source;
	uint32_t sizes[DREDGE_BENCH_MAX_SIZES];   /* block sizes, bytes */
	unsigned nsizes;
	unsigned depths[DREDGE_BENCH_MAX_DEPTHS];
	unsigned ndepths;
	double seconds;       /* budget per setting */
	uint64_t bytes;       /* budget per setting (0: none) */
	int scan;             /* run the scan pass */
	int direct;           /* -1 auto (try O_DIRECT), 0 off, 1 required */
};

struct dredge_bench_row {
	uint32_t size;
	unsigned depth;
	uint64_t bytes;
	double seconds;
	double mbps;
	double lat_p50_us, lat_p99_us, lat_max_us;
	double cpu;           /* cores busy while it ran (CPU s / wall s) */
};

struct dredge_bench_result {
	uint64_t source_size;
	int direct;           /* whether O_DIRECT was in effect */
	unsigned nrows;
	struct dredge_bench_row rows[DREDGE_BENCH_MAX_SIZES *
	                             DREDGE_BENCH_MAX_DEPTHS];
	unsigned best;        /* index of the fastest row */
	int scanned;          /* the scan pass ran */
	uint64_t scan_bytes;
	double scan_seconds;
	double scan_mbps;
	uint64_t scan_files;  /* files the scan pass found */
	uint32_t scan_size;   /* its reads: bytes each ... */
	unsigned scan_depth;  /* ... and how many in flight (at least 2) */
	double scan_cpu;      /* cores the whole scan kept busy */
	double scan_read_cpu; /* cores its reader thread kept busy */
	char error[512];
};

/* Fills cfg with the default grid (64K..4M x depth 1..16, 2 s each). */
void dredge_bench_config_init(struct dredge_bench_config *cfg);

/* Runs the benchmark; 0 or -errno with res->error set. */
int dredge_bench(const struct dredge_bench_config *cfg,
                 struct dredge_bench_result *res);

/* "dredge 0.1.0". */
const char *dredge_version(void);

/* Whether H.264 slices are decoded to place the boundaries of fragmented
 * videos (1, else 0): built with libavcodec, and the library loads on
 * this system. */
int dredge_h264_slices(void);

/* Whether views of the page cache cost less than copies of it on this
 * machine (1, else 0), as DREDGE_VIEWS_AUTO decides: measured once a
 * process, the microseconds each took for 2 MiB in *map_us and *copy_us
 * (either may be NULL). */
int dredge_views_pay(double *map_us, double *copy_us);

#ifdef __cplusplus
}
#endif

#endif

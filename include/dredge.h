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

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum dredge_io {
	DREDGE_IO_AUTO = 0,   /* io_uring, pread when io_uring is unavailable */
	DREDGE_IO_URING,
	DREDGE_IO_PREAD,
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
	uint64_t candidates;
	struct dredge_counts count;  /* files written, by type, duplicates */
	uint64_t bad_ranges;       /* unreadable ranges left at the end */
	uint64_t bad_bytes;        /* their bytes (read as zeros) */
	uint64_t reread_bytes;     /* unreadable bytes that read on retry */
	double seconds;
	const char *io_engine;     /* "io_uring" or "pread" */
	const char *simd;          /* the any-offset variant that ran */
	int direct;                /* whether O_DIRECT was used */
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

/* Signature s of format i: 0, or -ENOENT. */
int dredge_format_signature(unsigned i, unsigned s,
                            struct dredge_signature *sig);

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

/*
 * `dredge bench`: how fast a source can be read, and scanned.  The source
 * is read read-only with io_uring across a small grid of block sizes and
 * queue depths (O_DIRECT where the source accepts it, so the page cache
 * does not flatter the numbers), recording throughput and the latency of
 * every read; then a bounded scan pass with the best setting shows how
 * much of the raw rate a scan keeps.
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
	char error[512];
};

/* Fills cfg with the default grid (64K..4M x depth 1..16, 2 s each). */
void dredge_bench_config_init(struct dredge_bench_config *cfg);

/* Runs the benchmark; 0 or -errno with res->error set. */
int dredge_bench(const struct dredge_bench_config *cfg,
                 struct dredge_bench_result *res);

/* "dredge 0.1.0". */
const char *dredge_version(void);

#ifdef __cplusplus
}
#endif

#endif

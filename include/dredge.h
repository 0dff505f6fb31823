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
	int direct;                /* O_DIRECT: -1 auto, 0 never, 1 always */
	int any_offset;            /* candidates at every byte */
	int keep_embedded;         /* keep files found inside other files */
	int force;                 /* write into a folder holding results */
	int progress;              /* progress line: -1 on a tty, 0, 1 */
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
	/* Once the whole source has been read, read each unreadable sector
	 * again up to this many times; those that read are no longer
	 * reported unreadable (the files already written keep the zeros
	 * they were copied with; see the README). */
	unsigned retries;
};

#define DREDGE_MAX_TYPES 64

struct dredge_summary {
	uint64_t source_size;
	uint64_t bytes_scanned;
	uint64_t candidates;
	uint64_t files;            /* distinct files written */
	uint64_t truncated;        /* of which truncated */
	uint64_t duplicates;       /* locations whose content was written */
	uint64_t bad_ranges;       /* unreadable ranges left at the end */
	uint64_t bad_bytes;        /* their bytes (read as zeros) */
	uint64_t files_unreadable; /* files written holding some of them */
	uint64_t reread_bytes;     /* unreadable bytes that read on retry */
	double seconds;
	const char *io_engine;     /* "io_uring" or "pread" */
	int direct;                /* whether O_DIRECT was used */
	int interrupted;           /* stopped early; a checkpoint was written */
	unsigned ntypes;
	struct {
		char ext[16];
		uint64_t count;
	} per_type[DREDGE_MAX_TYPES];
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

/* "dredge 0.1.0". */
const char *dredge_version(void);

#ifdef __cplusplus
}
#endif

#endif

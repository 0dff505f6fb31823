/*
 * report.h - report.xml (DFXML) and report.jsonl, written as files are
 * committed.
 *
 * Entries are appended and written one by one, whole or not at all, so a
 * run that ends early (even on a full disk) still leaves a report of
 * everything it wrote.  DFXML is the form
 * PhotoRec, bulk_extractor and The Sleuth Kit write (fileobject, byte_runs,
 * hashdigest); dredge-specific facts go in the dredge: namespace.
 */
#ifndef DREDGE_OUT_REPORT_H
#define DREDGE_OUT_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "common/bread.h"
#include "formats/format.h"
#include "out/digest.h"

struct report;
struct fsview;
struct fsview_run;

/* A shard's line in the DFXML source (merge leaves it out). */
#define REPORT_SHARD_TAG "    <dredge:shard"

struct report_info {
	const char *source;
	uint64_t source_size;
	uint32_t sector_size;
	const char *command_line;
	const char *io_engine;
	const char *io_views;         /* "viewed" or "copied" (source_map.h) */
	uint32_t block_size;
	int any_offset;
	const char *simd;             /* the any-offset search variant */
	const struct fsview *fs;      /* the file system carved, or NULL */
	/* --shard K/N (count 0: none) and the starts it owns */
	unsigned shard_index, shard_count;
	uint64_t shard_lo, shard_hi;
};

struct report_entry {
	uint64_t id;
	const char *filename;         /* relative to the output folder */
	const char *format;
	const char *ext;
	int truncated;
	uint64_t size;
	const struct extent *runs;    /* a live file's may be holes or held
	                                 content (fsview.h) */
	unsigned nruns;
	uint64_t offset;              /* where it starts, when no run is on
	                                 the source (a resident file) */
	const char *hash;             /* xxh3-128, 32 hex digits */
	const struct digest_hex *digests;   /* md5, sha1, sha256, or NULL */
	uint64_t duplicate_of;        /* id of the entry written, or 0 */
	const char *reason;           /* why truncated, or NULL */
	/* whole by its structure, but a whole file lies in the part it
	 * could not check (status "suspect"): why, or NULL */
	const char *suspect;
	const struct carve_meta *meta;    /* metadata, or NULL */
	unsigned nmeta;
	uint32_t sector_size;
	/* in a file system: the clusters the runs lie in */
	const struct fsview_run *clusters;
	unsigned nclusters;
	uint64_t unreadable;          /* bytes read as zeros (bad sectors) */
	/* a whole-volume scan (--fs): the live file's path, and whether the
	 * entry is that live file written from its clusters (live; then
	 * validator is what its format's validator said, NULL when none
	 * ran) or a carve at the start of a live file whose chain is
	 * damaged (damage says how) */
	const char *path;
	int live;
	const char *validator;
	const char *damage;
};

struct report_range {
	uint64_t off, len;
};

struct report_end {
	const struct report_range *bad;
	uint64_t nbad;
	uint64_t bytes_scanned;
	const struct report_range *reread;   /* unreadable, then read on retry */
	uint64_t nreread;
	uint64_t files, truncated, duplicates;
	uint64_t files_unreadable;    /* files holding unreadable bytes */
	const char *status;           /* "completed", or the error */
};

/* Creates both reports in dirfd; 0 or -errno. */
int report_open(struct report **rep, int dirfd, const struct report_info *info);

/* Appends one entry to both reports; 0 or -errno. */
int report_add(struct report *rep, const struct report_entry *e);

/*
 * Opens the reports of an interrupted scan in dirfd for appending, first
 * cutting them back to the given lengths (where its checkpoint stood).
 */
int report_reopen(struct report **rep, int dirfd, uint64_t xml_len,
                  uint64_t jsonl_len);

/* Gives both reports' lengths (everything added is written); 0. */
int report_lengths(struct report *rep, uint64_t *xml_len, uint64_t *jsonl_len);

/* Writes the closing parts and closes both files; 0 or -errno. */
int report_close(struct report *rep, const struct report_end *end);

/*
 * Creates both reports in dirfd for dredge merge: head is a shard's DFXML
 * up to its closing </source>, written with command_line in place of its
 * own and without its shard line; 0 or -errno.
 */
int report_open_merged(struct report **rep, int dirfd, const char *head,
                       size_t len, const char *command_line);

/* Appends one entry as already formatted (a shard's, renumbered). */
int report_add_raw(struct report *rep, const char *xml, size_t xml_len,
                   const char *json, size_t json_len);

/*
 * Writes s as XML/HTML text or a quoted attribute value: markup characters
 * become references (an apostrophe becomes apos: "&apos;" in the DFXML,
 * "&#39;" in report.html), bytes outside ASCII are taken as Latin-1, and
 * control characters other than tab become '?'.
 */
void report_markup_text(FILE *f, const char *s, const char *apos);

/* Formats now as ISO-8601 UTC into buf (at least 32 bytes). */
void report_time(char *buf, size_t len);

#endif

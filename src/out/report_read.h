/*
 * report_read.h - reading the entries of a report.jsonl back.
 *
 * `dredge extract` writes chosen files from a report made with
 * --report-only, a resumed scan re-learns what the interrupted one
 * committed, and `scan --repair` finds the clips cut off before their
 * index (through dredge_report_files, dredge.h); all read the JSON Lines
 * report dredge itself wrote.  The parser is still strict and bounded: a
 * line that is not what dredge writes is refused, never half-read.
 */
#ifndef DREDGE_OUT_REPORT_READ_H
#define DREDGE_OUT_REPORT_READ_H

#include <stdint.h>

#include "common/bread.h"
#include "out/digest.h"

/* Longest report line read (a file of BREAD_MAX_EXTENTS runs fits). */
#define REPORT_LINE_MAX (8u << 20)

struct report_rec {
	uint64_t id;
	char filename[256];
	char format[32];
	char type[16];
	int complete;            /* status "complete", "reassembled" or
	                            "suspect" (else "truncated") */
	int suspect;             /* status "suspect" */
	char status[16];         /* as written */
	char reason[64];         /* why truncated or suspect (its first 63
	                            bytes), or "" */
	uint64_t size;
	struct extent *runs;     /* malloc'd */
	unsigned nruns;
	char hash[33];           /* xxh3-128, lowercase hex */
	struct digest_hex digests;   /* md5, sha1, sha256 given, or "" */
	uint64_t duplicate_of;   /* 0: written under its own name */
	/* for reading, not checked: what report.html shows */
	uint64_t offset;         /* the first byte's place in the source */
	int has_cluster;         /* in a file-system scan: */
	uint64_t cluster;        /*   the start cluster */
	char camera[96];         /* meta make and model, or "" */
	char date[64];           /* meta datetime or creation time, or "" */
	char width[16], height[16];   /* meta, or "" */
	int live;                /* "origin":"live": a live file of --fs */
};

/*
 * Parses one line.  Returns 0 for a file entry (r filled; free it with
 * report_rec_free), 1 for another kind of line (an unreadable range, or
 * one read on retry), or
 * -EINVAL for a line that is not a dredge report entry.
 */
int report_parse_line(const char *line, struct report_rec *r);

void report_rec_free(struct report_rec *r);

#endif

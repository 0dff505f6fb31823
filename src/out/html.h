/*
 * html.h - report.html: a page to look at what a scan recovered.
 *
 * Written when a scan ends (completed, interrupted or failed) from the
 * report.jsonl the writer has just closed, so it shows exactly the files
 * the reports list, a resumed scan's earlier ones included.  The page is
 * self-contained (inline CSS and JavaScript, no URL outside the output
 * folder): a gallery of photos (thumbnails made here, in thumbs/, see
 * thumb.h; PNG, GIF, BMP and WebP shown scaled as they are) and of video
 * clips, a table of every file that sorts and filters, and a summary of
 * the scan.  Everything that came off the medium is HTML-escaped.
 */
#ifndef DREDGE_OUT_HTML_H
#define DREDGE_OUT_HTML_H

#include <stdint.h>

#include "out/report.h"

struct html_info {
	const char *source;
	uint64_t source_size;
	uint32_t sector_size;
	const char *command_line;
	const char *hashes;               /* "md5,sha256", "none" */
	const char *volume;               /* the file system carved, or "" */
	const char *status;               /* "completed", or what stopped it */
	const char *started, *ended;      /* ISO-8601, this run */
	double seconds;                   /* this run */
	uint64_t bytes_scanned;           /* the whole scan, resumed too */
	uint64_t files, truncated, duplicates;
	const struct report_range *bad;   /* unreadable at the end */
	uint64_t nbad;
	int report_only;                  /* no files: no gallery */
	unsigned threads;                 /* making thumbnails; 0: CPUs */
};

/* Writes report.html in dirfd (through report.html.part) and the
 * thumbnails it shows; 0 or -errno. */
int html_write(int dirfd, const struct html_info *info);

#endif

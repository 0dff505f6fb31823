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
#include "out/report_read.h"

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
	struct html_early *early;         /* thumbnails made while the scan
	                                     ran, or NULL: stopped and
	                                     taken here */
};

/* Writes report.html in dirfd (through report.html.part) and the
 * thumbnails it shows; 0 or -errno. */
int html_write(int dirfd, const struct html_info *info);

/*
 * Thumbnails made while a scan runs.  Decoding photos is most of what
 * the page costs; the writer hands each entry it reports, in report
 * order, to a thread that makes the gallery's thumbnails as html_write
 * would, so that html_write, at the end, makes only those it had not
 * reached.  The page is the same either way.  Only for a report this
 * run writes from its first entry (not a resumed one).
 */
struct html_early;

/* Starts the thread making thumbnails in dirfd; 0 or -errno. */
int html_early_start(struct html_early **e, int dirfd);

/* Entry r, just reported. */
void html_early_add(struct html_early *e, const struct report_rec *r);

/* Waits until every thumbnail asked for so far is made (or no more will
 * be); how many are. */
size_t html_early_drain(struct html_early *e);

/* Stops the thread and frees e (NULL: nothing). */
void html_early_free(struct html_early *e);

#endif

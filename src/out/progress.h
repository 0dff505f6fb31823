/*
 * progress.h - the progress of a running scan, handed to the caller's
 * callback (dredge_scan_config.progress_fn) about four times a second
 * from a thread of its own, and once more at the end.  It reads the
 * pipeline's and the writer's numbers through a feed and prints nothing
 * itself: the CLI draws the line on the terminal.
 */
#ifndef DREDGE_OUT_PROGRESS_H
#define DREDGE_OUT_PROGRESS_H

#include <stdint.h>

#include "dredge.h"

/* Where the numbers come from; both readers are called from the progress
 * thread while the scan runs. */
struct progress_feed {
	uint64_t total;                    /* bytes this run scans */
	uint64_t (*done)(void *arg);       /* bytes scanned so far */
	uint64_t (*files)(void *arg);      /* files written so far */
	void *arg;
};

typedef void (*progress_fn)(void *arg, const struct dredge_progress *pr);

struct progress;

/* Starts reporting to fn(fn_arg, …); *pp is NULL when fn is NULL or no
 * thread could be started (the scan goes on without).  0 or -ENOMEM. */
int progress_start(struct progress **pp, progress_fn fn, void *fn_arg,
                   const struct progress_feed *feed);

/* Reports one last time (final set), stops and frees pr; accepts NULL. */
void progress_stop(struct progress *pr);

#endif

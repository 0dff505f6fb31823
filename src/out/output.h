/*
 * output.h - the writer stage: the output folder, recovered files, hashes,
 * de-duplication, the reports and the progress line.
 */
#ifndef DREDGE_OUT_OUTPUT_H
#define DREDGE_OUT_OUTPUT_H

#include "pipeline/pipeline.h"

struct output;

/*
 * Prepares the output folder (created if missing; one that already holds
 * files is refused unless cfg->force) and opens the reports.  0 or -errno
 * with p->sum->error set.
 */
int output_open(struct pipeline *p, struct output **out);

/* The writer thread body (arg: struct output *). */
void *writer_main(void *arg);

/* Starts / stops the progress line (a no-op unless enabled). */
void output_progress_start(struct output *out);
void output_progress_stop(struct output *out);

/* Finishes the reports, fills the summary and frees out; 0 or -errno.
 * status: 0, or the error that ended the run. */
int output_close(struct output *out, int status);

/* Frees a batch and what its candidates hold. */
void output_free_batch(struct batch *b);

#endif

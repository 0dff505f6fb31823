/*
 * resume.h - taking up an interrupted scan: what identifies a scan (so
 * that a resume on another source or with other options is refused), the
 * checkpoint it left, and what it had committed, re-learnt from its
 * report.  The writer runs this before the pipeline is built: the
 * checkpoint's resume offset is where the new run starts reading.
 */
#ifndef DREDGE_OUT_RESUME_H
#define DREDGE_OUT_RESUME_H

#include <stddef.h>
#include <stdint.h>

#include "common/bread.h"
#include "dredge.h"
#include "formats/format.h"
#include "fs/fsview.h"
#include "io/source.h"
#include "out/checkpoint.h"
#include "out/dedup.h"

/* Fills ck with what identifies the scan cfg asks for of src (its size,
 * a hash of its first MiB, the formats, the options that change the
 * result, the volume carved). */
void resume_describe(struct checkpoint *ck, const struct dredge_scan_config *cfg,
                     const struct source *src,
                     const struct format *const *formats, unsigned nformats,
                     const struct fsview *fsv);

/*
 * Loads the checkpoint in dirfd (the folder outdir) into have and checks
 * that it is of the scan want describes.  0, or -errno with a sentence in
 * err: no interrupted scan, a damaged checkpoint, or what differs.
 */
int resume_load(int dirfd, const char *outdir, const struct checkpoint *want,
                struct checkpoint *have, char *err, size_t errlen);

/* Told about each later fragment of a reassembled file in the report. */
typedef void (*resume_fragment_fn)(void *arg, struct extent e);

/*
 * Reads the first len bytes of report.jsonl in dirfd: the content of each
 * file written goes into seen under its id, so de-duplication goes on as
 * if the scan had not stopped; the later fragments of reassembled files
 * go to fragment; *reassembled counts those files.  0 or -errno.
 */
int resume_relearn(int dirfd, uint64_t len, struct dedup *seen,
                   resume_fragment_fn fragment, void *arg,
                   uint64_t *reassembled);

#endif

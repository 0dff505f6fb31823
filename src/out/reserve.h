/*
 * reserve.h - the disk-space reserve of the output folder.
 *
 * A full output disk must not cost the reports: a file (.dredge-reserve)
 * holds back enough space to close both reports and save the checkpoint,
 * growing with the list of unreadable ranges they will hold.  When a write
 * fails for lack of space, the writer stops, gives the reserve back, and
 * the reports and checkpoint are written into the space it held.
 */
#ifndef DREDGE_OUT_RESERVE_H
#define DREDGE_OUT_RESERVE_H

#include <stddef.h>
#include <stdint.h>

#define RESERVE_NAME ".dredge-reserve"

struct reserve {
	int dirfd;            /* the output folder (not owned) */
	int fd;               /* -1: no reserve */
	uint64_t size;
};

/* The space to hold back while the reports will list nbad unreadable
 * ranges. */
uint64_t reserve_wanted(size_t nbad);

/*
 * Creates the reserve in dirfd holding size bytes.  0, also when the
 * folder takes no reserve file (then r->fd is -1 and a later write says
 * why); -ENOSPC or -EDQUOT when the space is not there (nothing is held).
 */
int reserve_open(struct reserve *r, int dirfd, uint64_t size);

/* Grows the reserve to size bytes; 0, or -ENOSPC / -EDQUOT: disk full.
 * A file system that cannot reserve space goes on without a reserve. */
int reserve_grow(struct reserve *r, uint64_t size);

/* Gives the space back (for the reports' closing parts); idempotent. */
void reserve_release(struct reserve *r);

#endif

/*
 * lock.h - one dredge at a time per output folder.
 *
 * Every command that writes a folder (scan, scan --resume, extract,
 * fs export) holds an exclusive lock on it for the whole run, so that a
 * second run started into the same folder is refused at once instead of
 * interleaving its files and reports with the first one's.
 */
#ifndef DREDGE_OUT_LOCK_H
#define DREDGE_OUT_LOCK_H

#include <stddef.h>

/*
 * Locks the open folder dirfd (named path, for the message) for as long
 * as dirfd, or a dup of it, stays open.  Returns 0; -EBUSY when another
 * process holds the folder, with "output folder 'PATH' is in use: another
 * dredge is writing there" in err; or another -errno with a message.
 */
int lock_dir(int dirfd, const char *path, char *err, size_t errlen);

/*
 * Opens the folder path and locks it as lock_dir does.  Returns the
 * descriptor to keep open for the run, or -errno with a message in err.
 */
int lock_open(const char *path, char *err, size_t errlen);

#endif

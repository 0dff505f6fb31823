/*
 * tsk.h - the file systems dredge reads through The Sleuth Kit.
 *
 * FAT and exFAT are dredge's own (fat.c, exfat.c: they name clusters and
 * reassemble recorder clips); NTFS, ext2/3/4, HFS+, ISO 9660 and the rest
 * TSK knows are read through its library, which the field keeps and
 * tests for exactly these.  TSK reads through the volume's source object
 * (raw, split, E01 alike), never the file itself.  fs.c calls these for a
 * volume whose type fs_type_is_tsk; they keep fs.h's contracts, with the
 * differences fs.h lists (blocks as clusters, metadata addresses, held
 * content).  Built without the library (tsk_none.c), opening says so.
 */
#ifndef DREDGE_FS_TSK_H
#define DREDGE_FS_TSK_H

#include <stddef.h>

#include "fs/fs.h"

/*
 * Opens the volume at vol->offset (vol->src, avail, warn set by fs_open)
 * through TSK: fills the type, geometry and root.  On failure returns
 * -errno with a one-line reason in err.
 */
int tsk_vol_open(struct fs_volume *vol, char *err, size_t errlen);

/* Whether the library loads (1, else 0; loaded now if it was not): *what
 * is then its name, else why not. */
int tsk_available(const char **what);

/* Releases what tsk_vol_open set up; a no-op for other volumes. */
void tsk_vol_close(struct fs_volume *vol);

/* fs_walk, fs_lookup, fs_file_runs, fs_walk_owners and fs_used_map (the
 * allocation bitmap, which is also what fs_alloc_map gives here). */
int tsk_vol_walk(struct fs_volume *vol, const struct fs_entry *dir,
                 const char *dir_path, unsigned flags, fs_walk_fn cb,
                 void *arg);
int tsk_vol_lookup(struct fs_volume *vol, const char *path, unsigned flags,
                   struct fs_entry *out);
int tsk_vol_file_runs(struct fs_volume *vol, const struct fs_entry *e,
                      const struct fs_bitmap *alloc, struct fs_runs *r);
int tsk_vol_walk_owners(struct fs_volume *vol, fs_walk_fn cb, void *arg);
int tsk_vol_used_map(struct fs_volume *vol, struct fs_bitmap *map);

#endif

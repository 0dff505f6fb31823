/*
 * fat.h - what the FAT and exFAT back ends offer fs.c.
 *
 * fs.c owns the common work (the FAT cache, cluster chains, loading a
 * directory's bytes, walking the tree, allocation maps); fat.c and exfat.c
 * each parse their own boot sector and directory entries.  Nothing outside
 * src/fs includes this header: the interface is fs.h.
 */
#ifndef DREDGE_FS_FAT_H
#define DREDGE_FS_FAT_H

#include <stddef.h>
#include <stdint.h>

#include "fs/fs.h"

/* Entries parsed out of one directory. */
struct fs_dirlist {
	struct fs_entry *v;
	unsigned n, cap;
	int saw_dot;        /* FAT: the directory starts with "." and ".." */
};

/*
 * Where the bytes of a loaded directory lie: either one fixed region (FAT
 * root) or the runs of its clusters.
 */
struct fs_dirmap {
	uint64_t fixed;               /* source byte, when runs is NULL */
	const struct fs_runs *runs;
};

/* Source byte offset of logical byte off of a loaded directory. */
uint64_t fs_dirmap_offset(const struct fs_volume *vol,
                          const struct fs_dirmap *map, uint64_t off);

/* Appends count clusters from c to r, merging with the last run where
 * they go on (a sparse run, cluster 0, with a sparse one); 0 or -ENOMEM. */
int fs_runs_add(struct fs_runs *r, uint32_t c, uint32_t count);

/* Appends a copy of e; -ENOMEM when the list cannot grow. */
int fs_dirlist_push(struct fs_dirlist *l, const struct fs_entry *e);
void fs_dirlist_free(struct fs_dirlist *l);

/* The longest path a tree walk builds. */
#define FS_PATH_MAX 8192

/*
 * A tree walk: the volume's own parts are the hooks; fs_walker_run does
 * the rest for every back end (paths, the callback, FS_WALK_RECURSE, the
 * depth limit and a bound on the listings held at once).
 */
struct fs_walker {
	struct fs_volume *vol;
	unsigned flags;
	fs_walk_fn cb;
	void *arg;
	/* Lists dir's entries into l: 0, 1 to leave dir out (having said
	 * why), or -errno. */
	int (*list)(struct fs_walker *w, const struct fs_entry *dir,
	            struct fs_dirlist *l);
	/* 1 to leave entry e, found at depth, out unseen; may be NULL. */
	int (*skip)(struct fs_walker *w, const struct fs_entry *e,
	            unsigned depth);
	/* Before directory e is entered: 0 to enter it, 1 not (having said
	 * why, e.g. a loop). */
	int (*enter)(struct fs_walker *w, const struct fs_entry *e);
	/* After e was walked; may be NULL. */
	void (*leave)(struct fs_walker *w, const struct fs_entry *e);
	uint64_t held;              /* bytes of listings held by the walk */
	char path[FS_PATH_MAX];
};

/* Walks dir, whose path is dir_path, with w's hooks; 0 or the first
 * negative value a hook or the callback returned. */
int fs_walker_run(struct fs_walker *w, const struct fs_entry *dir,
                  const char *dir_path);

/* Lists directory dir's entries into l (name: the path component being
 * looked up, for messages); 0 or -errno. */
typedef int (*fs_list_fn)(struct fs_volume *vol, const struct fs_entry *dir,
                          const char *name, unsigned flags,
                          struct fs_dirlist *l);

/*
 * fs_lookup for every back end: follows path's components from the root,
 * listing each directory with list; a live entry before a deleted one, the
 * exact name before another case (or the short name).  0, -ENOENT,
 * -ENOTDIR, -ENAMETOOLONG, -ELOOP, or what list returned.
 */
int fs_lookup_with(struct fs_volume *vol, const char *path, unsigned flags,
                   fs_list_fn list, struct fs_entry *out);

/* Reports one anomaly through vol->warn. */
void fs_warnf(struct fs_volume *vol, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reads n bytes at source byte off; 0 or -errno (-EIO past the end). */
int fs_pread(const struct fs_volume *vol, uint64_t off, void *buf, size_t n);

/*
 * Appends UTF-16LE units (stopping at a NUL unit) to dst as UTF-8; broken
 * surrogates become U+FFFD.  Returns the new length of dst.
 */
size_t fs_utf16_to_utf8(const uint8_t *src, size_t units, char *dst,
                        size_t dlen, size_t pos);

/* What a FAT or exFAT boot sector says of the volume's layout, in
 * sectors of bps bytes. */
struct fs_layout {
	enum fs_type type;
	uint32_t bps, spc;
	uint64_t fat_start, fat_len;     /* the first FAT, and one FAT's size */
	unsigned nfats;
	uint64_t data_start;             /* cluster 2 */
	uint32_t clusters;
	uint64_t total;                  /* the volume */
};

/* Fills vol's geometry from a boot sector's checked layout. */
void fs_set_layout(struct fs_volume *vol, const struct fs_layout *l);

/* FAT12/16/32 */
int fat_open(struct fs_volume *vol, const uint8_t *boot, char *err,
             size_t errlen);
int fat_parse_dir(struct fs_volume *vol, const uint8_t *buf, size_t len,
                  const struct fs_dirmap *map, unsigned flags,
                  uint32_t parent_flags, struct fs_dirlist *out);
enum fs_type fat_probe(const uint8_t *boot);

/* exFAT */
int exfat_open(struct fs_volume *vol, const uint8_t *boot, char *err,
               size_t errlen);
int exfat_parse_dir(struct fs_volume *vol, const uint8_t *buf, size_t len,
                    const struct fs_dirmap *map, unsigned flags,
                    uint32_t parent_flags, struct fs_dirlist *out);
int exfat_probe(const uint8_t *boot);
/*
 * Whether the cluster bytes buf (len) go on a deleted exFAT folder whose
 * entries were dated in years lo..hi (lo 0: none seen): every slot is a
 * file, stream, name, vendor or padding entry (no root-only ones), only
 * end marks follow an end mark, at least one whole entry set lies in it,
 * every whole set's checksum matches, and their dates fall within a year
 * of the folder's.
 */
int exfat_dir_goes_on(const uint8_t *buf, uint32_t len, unsigned lo,
                      unsigned hi);
/* Widens lo..hi by the modification years of buf's file entries. */
void exfat_dir_years(const uint8_t *buf, uint32_t len, unsigned *lo,
                     unsigned *hi);
/* Whether buf holds an end-of-directory mark. */
int exfat_dir_ended(const uint8_t *buf, uint32_t len);
/* Reads the root directory's bitmap and label entries (after open). */
int exfat_load_meta(struct fs_volume *vol, char *err, size_t errlen);

#endif

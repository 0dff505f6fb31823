/*
 * tsk_none.c - the file systems of tsk.h, in a build without The Sleuth
 * Kit: a volume FAT and exFAT do not cover is refused with a reason that
 * says what it is and what the build lacks.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "fs/fat.h"
#include "fs/tsk.h"

int tsk_available(const char **what)
{
	*what = "built without The Sleuth Kit";
	return 0;
}

int tsk_vol_open(struct fs_volume *vol, char *err, size_t errlen)
{
	size_t n = vol->avail < FS_PROBE_LEN ? (size_t)vol->avail : FS_PROBE_LEN;
	uint8_t *b = malloc(n);
	enum fs_type t = FS_NONE;

	if (b != NULL && fs_pread(vol, vol->offset, b, n) == 0)
		t = fs_probe(b, n);
	free(b);
	if (fs_type_is_tsk(t)) {
		snprintf(err, errlen, "an %s volume at byte %llu: this dredge was "
		         "built without The Sleuth Kit (libtsk), which it reads "
		         "%s through; rebuild with libtsk-dev installed",
		         fs_type_name(t), (unsigned long long)vol->offset,
		         fs_type_name(t));
		return -ENOTSUP;
	}
	snprintf(err, errlen, "no FAT or exFAT boot sector at byte %llu "
	         "(no 55 AA signature)", (unsigned long long)vol->offset);
	return -EINVAL;
}

void tsk_vol_close(struct fs_volume *vol)
{
	(void)vol;
}

int tsk_vol_walk(struct fs_volume *vol, const struct fs_entry *dir,
                 const char *dir_path, unsigned flags, fs_walk_fn cb,
                 void *arg)
{
	(void)vol; (void)dir; (void)dir_path; (void)flags; (void)cb; (void)arg;
	return -ENOTSUP;
}

int tsk_vol_lookup(struct fs_volume *vol, const char *path, unsigned flags,
                   struct fs_entry *out)
{
	(void)vol; (void)path; (void)flags; (void)out;
	return -ENOTSUP;
}

int tsk_vol_file_runs(struct fs_volume *vol, const struct fs_entry *e,
                      const struct fs_bitmap *alloc, struct fs_runs *r)
{
	(void)vol; (void)e; (void)alloc; (void)r;
	return -ENOTSUP;
}

int tsk_vol_walk_owners(struct fs_volume *vol, fs_walk_fn cb, void *arg)
{
	(void)vol; (void)cb; (void)arg;
	return -ENOTSUP;
}

int tsk_vol_used_map(struct fs_volume *vol, struct fs_bitmap *map)
{
	(void)vol; (void)map;
	return -ENOTSUP;
}

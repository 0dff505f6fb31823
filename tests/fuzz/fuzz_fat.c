/*
 * fuzz_fat.c - libFuzzer entry point for the partition table, boot sector
 * and directory parsers.
 *
 * The input is a whole (small) disk image, served to the parsers through
 * a memory file descriptor as a real source would be: the partition table
 * is read, the chosen volume opened, its tree walked with deleted entries,
 * every file's runs computed against the live allocation map, and a few
 * lookups made.  Built by `make fuzz` as build/fuzz/fuzz_fat; the same
 * function is what tests/fuzz/replay_fat.c feeds the saved corpus
 * (tests/fuzz/corpus/fat/) and mutations of it to in `make check`.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fs/fs.h"
#include "fs/part.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_walk {
	const struct fs_bitmap *alloc;
	unsigned entries;
};

static int fuzz_entry(struct fs_volume *vol, const char *path,
                      const struct fs_entry *e, unsigned depth, void *arg)
{
	struct fuzz_walk *w = arg;
	struct fs_runs r;
	struct extent ext[8];
	uint8_t buf[64];

	(void)path;
	(void)depth;
	if (++w->entries > 4096)
		return -1;   /* enough for one input */
	if (fs_file_runs(vol, e, w->alloc, &r) == 0) {
		if (r.bytes > r.clusters * (uint64_t)vol->cluster_size)
			abort();
		fs_runs_extents(vol, &r, ext, 8);
		if (fs_runs_read(vol, &r, 0, buf, sizeof(buf)) > (ssize_t)sizeof(buf))
			abort();
		fs_runs_free(&r);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct part_table *pt = malloc(sizeof(*pt));
	struct fs_volume vol;
	char err[512];
	uint64_t off, len;
	int fd = memfd_create("fuzz_fat", 0);

	if (fd < 0 || pt == NULL)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	struct source src;
	if (source_open_fd(&src, fd, "fuzz_fat") != 0)
		abort();
	if (part_read(&src, size, pt, NULL, NULL, err, sizeof(err)) == 0) {
		unsigned idx = 0;
		if (pt->scheme != PART_NONE && pt->n > 0)
			idx = pt->e[0].index;
		if (part_select(pt, size, idx, &off, &len, err, sizeof(err)) == 0 &&
		    fs_open(&vol, &src, off, len, NULL, NULL, err, sizeof(err)) == 0) {
			struct fs_bitmap alloc, used;
			struct fuzz_walk w = { NULL, 0 };
			struct fs_entry e;

			if (fs_alloc_map(&vol, &alloc) == 0)
				w.alloc = &alloc;
			fs_walk(&vol, NULL, "", FS_WALK_DELETED | FS_WALK_RECURSE,
			        fuzz_entry, &w);
			if (fs_used_map(&vol, &used) == 0)
				fs_bitmap_free(&used);
			fs_lookup(&vol, "/DCIM/A.JPG", FS_WALK_DELETED, &e);
			fs_lookup(&vol, "/_LD/x", FS_WALK_DELETED, &e);
			fs_cluster_offset(&vol, 2);
			fs_offset_cluster(&vol, off + 4096);
			if (w.alloc)
				fs_bitmap_free(&alloc);
			fs_close(&vol);
		}
	}
	source_close(&src);
	close(fd);
	free(pt);
	return 0;
}

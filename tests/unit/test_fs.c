/*
 * test_fs.c - the file-system API the carving side builds on: cluster <->
 * byte mapping, runs and extents, the live allocation map against the
 * FAT's view, deleted-file runs that skip live clusters, and validation of
 * a file's content through a format's validator, and the volume's grid a
 * scan by sectors takes.  Uses the small FAT12
 * image saved with the fuzz corpus (made by mkfs.vfat and mtools).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "fmt_util.h"
#include "fs/fs.h"
#include "fs/fsview.h"
#include "fs/part.h"

/* A format whose validator accepts whatever it is given, whole. */
static void accept_all(struct bread *br, struct carve_result *res)
{
	uint8_t buf[512];
	uint64_t n = 0;

	while (n < bread_size(br)) {
		size_t got = bread_read(br, n, buf, sizeof(buf));
		if (got == 0)
			break;
		n += got;
	}
	carve_accept(res, n);
}

static const struct format fake = {
	.name = "fake", .ext = "jpg", .description = "test",
	.validate = accept_all, .max_size = 1 << 20,
};

static int find_entry(struct fs_volume *vol, const char *path,
                      struct fs_entry *e)
{
	return fs_lookup(vol, path, FS_WALK_DELETED, e);
}

int main(void)
{
	char path[4096], err[256];
	const char *src = getenv("srcdir");
	struct fs_volume vol;
	struct part_table pt;

	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/fat/fat12-superfloppy.img",
	         src ? src : ".");
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		tap_bail("cannot open the test image");
	uint64_t size = (uint64_t)lseek(fd, 0, SEEK_END);
	struct source img;
	if (source_open_fd(&img, fd, path) != 0)
		tap_bail("cannot open the test image");

	ok(part_read(&img, size, &pt, NULL, NULL, err, sizeof(err)) == 0 &&
	   pt.scheme == PART_NONE && pt.whole_fs == FS_FAT12,
	   "no partition table: a FAT12 superfloppy");
	if (fs_open(&vol, &img, 0, size, NULL, NULL, err, sizeof(err)) != 0)
		tap_bail(err);
	is_u64(vol.type, FS_FAT12, "type");
	is_str(vol.label, "TINY", "label from the root directory");

	/* Mapping between clusters and source bytes. */
	uint64_t d = fs_data_start(&vol);
	is_u64(fs_cluster_offset(&vol, 2), d, "cluster 2 starts the data area");
	is_u64(fs_cluster_offset(&vol, 5), d + 3ull * vol.cluster_size,
	       "cluster 5 is 3 clusters further");
	is_u64(fs_cluster_offset(&vol, 1), UINT64_MAX, "cluster 1 has no bytes");
	is_u64(fs_cluster_offset(&vol, vol.cluster_count + 2), UINT64_MAX,
	       "the cluster past the last has no bytes");
	is_u64(fs_offset_cluster(&vol, d + 3ull * vol.cluster_size + 7), 5,
	       "a byte inside cluster 5 maps back to it");
	is_u64(fs_offset_cluster(&vol, d - 1), 0, "a byte before the data area: 0");

	/* A live file: its chain, as extents. */
	struct fs_entry e;
	struct fs_runs r;
	struct extent ext[4];
	ok(find_entry(&vol, "/dcim/LONG NAME.JPG", &e) == 0, "lookup is case-insensitive");
	is_u64(e.size, 1500, "size");
	ok(fs_file_runs(&vol, &e, NULL, &r) == 0 && r.n == 1 && r.status == 0,
	   "a live contiguous file has one run");
	is_u64(r.v[0].cluster, e.start_cluster, "the run starts at the entry's cluster");
	is_u64(r.bytes, 1500, "the runs hold the file's bytes");
	is_u64(fs_runs_extents(&vol, &r, ext, 4), 1, "one extent");
	is_u64(ext[0].img_off, fs_cluster_offset(&vol, e.start_cluster), "extent offset");
	is_u64(ext[0].len, 1500, "extent length cut at the size");
	struct carve_result res;
	ok(fs_validate(&vol, &r, &fake, false, &res) == 0 && res.verdict == CARVE_ACCEPT &&
	   res.length == 1500, "the validator reads exactly the file");
	fs_runs_free(&r);

	/* The live map versus the FAT's view. */
	struct fs_bitmap live, used;
	ok(fs_alloc_map(&vol, &live) == 0, "live allocation map");
	ok(fs_used_map(&vol, &used) == 0, "FAT allocation map");
	unsigned nlive = 0, nused = 0, mismatch = 0;
	for (uint32_t c = 2; c < vol.cluster_count + 2; c++) {
		nlive += fs_bitmap_get(&live, c);
		nused += fs_bitmap_get(&used, c);
		mismatch += fs_bitmap_get(&live, c) != fs_bitmap_get(&used, c);
	}
	is_u64(mismatch, 0, "on a clean volume both maps agree (%u clusters)", nlive);
	is_u64(vol.free_clusters, vol.cluster_count - nused, "free clusters counted");

	/* Deleted: a file in a deleted folder; its clusters are free. */
	ok(find_entry(&vol, "/_LD/x y.txt", &e) == 0 && fs_entry_is_deleted(&e),
	   "the file inside the deleted folder is found by its long name");
	ok(fs_file_runs(&vol, &e, &live, &r) == 0 && r.bytes == 700 && r.status == 0,
	   "its runs cover its size");
	ok(!fs_bitmap_get(&live, r.v[0].cluster), "... on clusters no live file owns");
	fs_runs_free(&r);

	/* A deleted file whose next cluster a live file owns: skipped. */
	ok(find_entry(&vol, "/_ONE.BIN", &e) == 0, "deleted 8.3 name with '_'");
	{
		struct fs_bitmap fakemap;
		fs_bitmap_alloc(&fakemap, live.nbits);
		memcpy(fakemap.w, live.w, (live.nbits + 63) / 64 * 8);
		fs_bitmap_set(&fakemap, e.start_cluster + 1);
		ok(fs_file_runs(&vol, &e, &fakemap, &r) == 0 && r.n == 2 &&
		   (r.status & FS_RUNS_SKIPPED) && r.v[1].cluster == e.start_cluster + 2,
		   "a live cluster in the way is skipped (TSK-style)");
		fs_runs_free(&r);
		fs_bitmap_set(&fakemap, e.start_cluster);
		ok(fs_file_runs(&vol, &e, &fakemap, &r) == 0 &&
		   (r.status & FS_RUNS_OVERWRITTEN), "a reused first cluster is flagged");
		fs_runs_free(&r);
		fs_bitmap_free(&fakemap);
	}
	ok(fs_lookup(&vol, "/_ONE.BIN/x", FS_WALK_DELETED, &e) == -ENOTDIR,
	   "a file is not a folder");
	ok(fs_lookup(&vol, "/_ONE.BIN", 0, &e) == -ENOENT,
	   "deleted entries need FS_WALK_DELETED");

	/* The grid a scan by sectors takes from the volume. */
	struct fsview_grid g;
	ok(fsview_grid(&img, size, &g) == 0, "a sector scan finds the volume's grid");
	is_u64(g.origin, d, "... from its data area");
	is_u64(g.cluster_size, vol.cluster_size, "... in its clusters");
	is_u64(g.end, d + (uint64_t)vol.cluster_count * vol.cluster_size,
	       "... to the last cluster's end");
	{
		char zpath[] = "test-fs-zeros-XXXXXX";
		int zfd = mkstemp(zpath);
		struct source z;
		ok(zfd >= 0 && ftruncate(zfd, 1 << 20) == 0 &&
		   source_open_fd(&z, zfd, zpath) == 0, "a source of zeros");
		ok(fsview_grid(&z, 1 << 20, &g) == 1, "... holds no volume's grid");
		/* a boot sector that says nothing sane */
		uint8_t boot[512];
		ok(pread(fd, boot, sizeof(boot), 0) == sizeof(boot) &&
		   (boot[13] = 0, pwrite(zfd, boot, sizeof(boot), 0)) == sizeof(boot),
		   "a FAT boot sector with 0 sectors per cluster");
		ok(fsview_grid(&z, 1 << 20, &g) == 1, "... gives no grid");
		source_close(&z);
		close(zfd);
		unlink(zpath);
	}

	fs_bitmap_free(&live);
	fs_bitmap_free(&used);
	fs_close(&vol);
	fs_close(&vol);   /* twice is harmless */
	source_close(&img);
	close(fd);
	return tap_done();
}

/*
 * faultfs.c - a FUSE file system that serves one image file read-only and
 * fails chosen reads, to test dredge against a failing or vanishing drive.
 *
 *   faultfs IMAGE MOUNTPOINT [--eio OFF:LEN]... [--flaky OFF:LEN]...
 *           [--vanish-at OFF] [--log FILE] [--cached] [-f]
 *
 * The image appears as MOUNTPOINT/disk.img.  A read that touches
 *   --eio OFF:LEN     fails with EIO, always (a bad sector);
 *   --flaky OFF:LEN   fails with EIO until a read has asked for the last
 *                     byte of the image (a sector that reads on a later
 *                     pass);
 *   --vanish-at OFF   fails with ENXIO, and so does every read after it (the
 *                     device was unplugged).
 * OFF and LEN take K/M suffixes.  Files are opened with direct_io, so every
 * read reaches this program as asked, with no page cache in between;
 * --cached serves them through the page cache instead (whole pages are
 * read, and the file can be mapped: a page that fails to read is SIGBUS
 * under a mapping).  At
 * unmount the counts of reads served and failed are appended to --log.
 * Without -f the program returns once the file system is mounted.
 */
#define FUSE_USE_VERSION 31
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_RANGES 64

static int cached;   /* --cached: through the page cache */

struct range {
	uint64_t off, len;
};

/* FUSE callbacks reach their state through fuse_get_context(). */
struct faultfs {
	int fd;
	uint64_t size;
	struct range eio[MAX_RANGES], flaky[MAX_RANGES];
	unsigned neio, nflaky;
	uint64_t vanish_at;           /* UINT64_MAX: never */
	const char *log;
	atomic_int healed;            /* the last byte was read */
	atomic_int vanished;
	atomic_ulong reads, eio_count, flaky_count, enxio_count;
};

static struct faultfs *fs_of(void)
{
	return fuse_get_context()->private_data;
}

static int parse_num(const char *s, uint64_t *v, const char **end)
{
	char *e;
	errno = 0;
	unsigned long long n = strtoull(s, &e, 0);
	if (errno != 0 || e == s)
		return -1;
	if (*e == 'K' || *e == 'k') { n <<= 10; e++; }
	else if (*e == 'M' || *e == 'm') { n <<= 20; e++; }
	*v = n;
	*end = e;
	return 0;
}

static int parse_range(const char *s, struct range *r)
{
	const char *e;
	if (parse_num(s, &r->off, &e) != 0 || *e != ':' ||
	    parse_num(e + 1, &r->len, &e) != 0 || *e != '\0' || r->len == 0)
		return -1;
	return 0;
}

static int touches(const struct range *r, unsigned n, uint64_t off,
                   uint64_t len)
{
	for (unsigned i = 0; i < n; i++)
		if (off < r[i].off + r[i].len && r[i].off < off + len)
			return 1;
	return 0;
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->direct_io = !cached;
	cfg->kernel_cache = 0;
	cfg->attr_timeout = 3600;
	cfg->entry_timeout = 3600;
	return fs_of();
}

static void fs_destroy(void *data)
{
	struct faultfs *fs = data;
	FILE *f = fs->log ? fopen(fs->log, "a") : NULL;

	if (f != NULL) {
		fprintf(f, "reads %lu eio %lu flaky %lu enxio %lu\n",
		        atomic_load(&fs->reads), atomic_load(&fs->eio_count),
		        atomic_load(&fs->flaky_count),
		        atomic_load(&fs->enxio_count));
		fclose(f);
	}
}

static int fs_getattr(const char *path, struct stat *st,
                      struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		return 0;
	}
	if (strcmp(path, "/disk.img") == 0) {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = (off_t)fs_of()->size;
		return 0;
	}
	return -ENOENT;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill,
                      off_t off, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, "disk.img", NULL, 0, 0);
	return 0;
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, "/disk.img") != 0)
		return -ENOENT;
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	fi->direct_io = !cached;
	return 0;
}

static int fs_read(const char *path, char *buf, size_t len, off_t off,
                   struct fuse_file_info *fi)
{
	struct faultfs *fs = fs_of();
	uint64_t at = (uint64_t)off;

	(void)path;
	(void)fi;
	atomic_fetch_add(&fs->reads, 1);
	if (at >= fs->size || len == 0)
		return 0;
	if (len > fs->size - at)
		len = (size_t)(fs->size - at);
	if (atomic_load(&fs->vanished) ||
	    (fs->vanish_at != UINT64_MAX && at + len > fs->vanish_at)) {
		atomic_store(&fs->vanished, 1);
		atomic_fetch_add(&fs->enxio_count, 1);
		return -ENXIO;
	}
	int healed = atomic_load(&fs->healed);
	if (at + len >= fs->size)
		atomic_store(&fs->healed, 1);   /* one pass is done */
	if (touches(fs->eio, fs->neio, at, len)) {
		atomic_fetch_add(&fs->eio_count, 1);
		return -EIO;
	}
	if (!healed && touches(fs->flaky, fs->nflaky, at, len)) {
		atomic_fetch_add(&fs->flaky_count, 1);
		return -EIO;
	}
	size_t done = 0;
	while (done < len) {
		ssize_t r = pread(fs->fd, buf + done, len - done,
		                  (off_t)(at + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (int)done;
}

static const struct fuse_operations ops = {
	.init = fs_init,
	.destroy = fs_destroy,
	.getattr = fs_getattr,
	.readdir = fs_readdir,
	.open = fs_open,
	.read = fs_read,
};

static void usage(void)
{
	fprintf(stderr, "usage: faultfs IMAGE MOUNTPOINT [--eio OFF:LEN]... "
	        "[--flaky OFF:LEN]... [--vanish-at OFF] [--log FILE] [--cached] "
	        "[-f]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct faultfs fs;
	const char *image = NULL, *mnt = NULL;
	int foreground = 0;

	fs.vanish_at = UINT64_MAX;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *e;
		if (strcmp(a, "--eio") == 0 && i + 1 < argc &&
		    fs.neio < MAX_RANGES) {
			if (parse_range(argv[++i], &fs.eio[fs.neio++]) != 0)
				usage();
		} else if (strcmp(a, "--flaky") == 0 && i + 1 < argc &&
		           fs.nflaky < MAX_RANGES) {
			if (parse_range(argv[++i], &fs.flaky[fs.nflaky++]) != 0)
				usage();
		} else if (strcmp(a, "--vanish-at") == 0 && i + 1 < argc) {
			if (parse_num(argv[++i], &fs.vanish_at, &e) != 0 ||
			    *e != '\0')
				usage();
		} else if (strcmp(a, "--log") == 0 && i + 1 < argc) {
			fs.log = argv[++i];
		} else if (strcmp(a, "--cached") == 0) {
			cached = 1;
		} else if (strcmp(a, "-f") == 0) {
			foreground = 1;
		} else if (a[0] == '-' || (image != NULL && mnt != NULL)) {
			usage();
		} else if (image == NULL) {
			image = a;
		} else {
			mnt = a;
		}
	}
	if (image == NULL || mnt == NULL)
		usage();
	fs.fd = open(image, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fs.fd < 0 || fstat(fs.fd, &st) != 0) {
		perror(image);
		return 1;
	}
	fs.size = (uint64_t)st.st_size;
	/* The log is written after the daemon changed to "/". */
	char *log = fs.log ? realpath(fs.log, NULL) : NULL;
	if (fs.log != NULL && log == NULL) {
		FILE *f = fopen(fs.log, "a");
		if (f != NULL)
			fclose(f);
		log = realpath(fs.log, NULL);
	}
	fs.log = log;

	char *fargv[8];
	int fargc = 0;
	fargv[fargc++] = argv[0];
	fargv[fargc++] = (char *)mnt;
	fargv[fargc++] = "-o";
	fargv[fargc++] = "ro,fsname=faultfs,subtype=faultfs";
	if (foreground)
		fargv[fargc++] = "-f";
	fargv[fargc] = NULL;
	int rc = fuse_main(fargc, fargv, &ops, &fs);
	free(log);
	return rc;
}

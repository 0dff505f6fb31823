/*
 * blockdev.c - which sectors of which disk a block device stands on, from
 * sysfs, to keep dredge from writing onto the device it recovers.
 *
 * Each device is reduced to its leaves: the devices it is stacked on
 * (/sys/dev/block/M:m/slaves, recursively), or itself.  A leaf is a range
 * of a whole disk: a partition gives its start and size, a disk all of
 * itself.  Two devices share sectors when leaves of theirs lie on the same
 * disk and their ranges meet.  What is used of a stacked device's lower
 * devices is not known here, so the whole of each counts: when in doubt,
 * refuse.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <dirent.h>

#include "io/blockdev.h"

#define MAX_LEAVES 32
#define MAX_DEPTH 8

struct leaf {
	dev_t dev;          /* the leaf itself */
	dev_t disk;         /* the whole disk it is part of */
	uint64_t start, size;   /* in 512-byte sectors, on the disk */
};

/* Reads the first line of a sysfs file into buf; 0 or -1. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	char *got = fgets(buf, (int)len, f);
	fclose(f);
	if (got == NULL)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int read_u64(const char *path, uint64_t *v)
{
	char buf[64];

	if (read_line(path, buf, sizeof(buf)) != 0)
		return -1;
	*v = strtoull(buf, NULL, 10);
	return 0;
}

static int parse_dev(const char *s, dev_t *dev)
{
	unsigned ma, mi;

	if (sscanf(s, "%u:%u", &ma, &mi) != 2)
		return -1;
	*dev = makedev(ma, mi);
	return 0;
}

/* /sys/dev/block/M:m, resolved to its real folder. */
static char *sys_dir(dev_t dev)
{
	char link[64];

	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(dev),
	         minor(dev));
	return realpath(link, NULL);
}

/* The device's name as /dev/NAME, for messages. */
static void dev_name(dev_t dev, char *buf, size_t len)
{
	char *dir = sys_dir(dev);
	char path[PATH_MAX + 16], line[256];
	FILE *f;

	snprintf(buf, len, "device %u:%u", major(dev), minor(dev));
	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/uevent", dir);
	f = fopen(path, "r");
	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "DEVNAME=", 8) == 0) {
				line[strcspn(line, "\n")] = '\0';
				snprintf(buf, len, "/dev/%s", line + 8);
				break;
			}
		fclose(f);
	}
	free(dir);
}

/* Where a leaf lies: its disk and range; 0 or -1. */
static int leaf_of(dev_t dev, struct leaf *l)
{
	char *dir = sys_dir(dev);
	char path[PATH_MAX + 16], buf[64];
	uint64_t part;
	int rc = -1;

	if (dir == NULL)
		return -1;
	l->dev = dev;
	snprintf(path, sizeof(path), "%s/size", dir);
	if (read_u64(path, &l->size) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/partition", dir);
	if (read_u64(path, &part) != 0) {
		l->disk = dev;   /* a whole disk */
		l->start = 0;
		rc = 0;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/start", dir);
	if (read_u64(path, &l->start) != 0)
		goto out;
	/* A partition's folder sits inside its disk's. */
	snprintf(path, sizeof(path), "%s/../dev", dir);
	if (read_line(path, buf, sizeof(buf)) != 0 || parse_dev(buf, &l->disk))
		goto out;
	rc = 0;
out:
	free(dir);
	return rc;
}

/* Adds the leaves under dev to l[*n..]. */
static void collect(dev_t dev, struct leaf *l, unsigned *n, int depth)
{
	char *dir = sys_dir(dev);
	char path[PATH_MAX + 300], buf[64];
	int stacked = 0;

	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/slaves", dir);
	DIR *d = depth < MAX_DEPTH ? opendir(path) : NULL;
	for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
		dev_t lower;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/slaves/%s/dev", dir, e->d_name);
		if (read_line(path, buf, sizeof(buf)) != 0 ||
		    parse_dev(buf, &lower) != 0)
			continue;
		stacked = 1;
		collect(lower, l, n, depth + 1);
	}
	if (d != NULL)
		closedir(d);
	free(dir);
	if (!stacked && *n < MAX_LEAVES && leaf_of(dev, &l[*n]) == 0)
		(*n)++;
}

/*
 * The block device a file system with st_dev fs_dev is mounted from.  Most
 * file systems report it as st_dev; some (btrfs) report an anonymous
 * device, and mountinfo names the real one.
 */
static dev_t fs_device(dev_t fs_dev)
{
	char *dir = sys_dir(fs_dev);
	if (dir != NULL) {
		free(dir);
		return fs_dev;
	}
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096], want[32];
	dev_t found = 0;

	if (f == NULL)
		return 0;
	snprintf(want, sizeof(want), "%u:%u", major(fs_dev), minor(fs_dev));
	while (found == 0 && fgets(line, sizeof(line), f) != NULL) {
		char id[32], *sep = strstr(line, " - ");
		char fstype[64], source[1024];
		struct stat st;
		if (sscanf(line, "%*s %*s %31s", id) != 1 ||
		    strcmp(id, want) != 0 || sep == NULL ||
		    sscanf(sep + 3, "%63s %1023s", fstype, source) != 2)
			continue;
		if (strncmp(source, "/dev/", 5) == 0 && stat(source, &st) == 0 &&
		    S_ISBLK(st.st_mode))
			found = st.st_rdev;
	}
	fclose(f);
	return found;
}

int blockdev_shares_source(dev_t src, const char *sname, dev_t fs_dev,
                           char *why, size_t len)
{
	struct leaf s[MAX_LEAVES], o[MAX_LEAVES];
	unsigned ns = 0, no = 0;
	dev_t out = fs_device(fs_dev);
	char oname[128];

	if (out == 0)
		return 0;   /* not on a block device (tmpfs, NFS, ...) */
	dev_name(out, oname, sizeof(oname));
	if (out == src) {
		snprintf(why, len, "is on the device being recovered (%s)", sname);
		return 1;
	}
	collect(src, s, &ns, 0);
	collect(out, o, &no, 0);
	for (unsigned i = 0; i < no; i++)
		for (unsigned j = 0; j < ns; j++) {
			if (o[i].disk != s[j].disk ||
			    o[i].start >= s[j].start + s[j].size ||
			    s[j].start >= o[i].start + o[i].size)
				continue;
			/* Say it the way the layout is. */
			if (o[i].dev != out)
				snprintf(why, len, "is on %s, which is built on "
				         "the device being recovered (%s) or "
				         "shares its disk space", oname, sname);
			else if (s[j].dev == src && s[j].disk == src)
				snprintf(why, len, "is on %s, a partition of the "
				         "device being recovered (%s)", oname,
				         sname);
			else if (o[i].disk == out && s[j].dev == src)
				snprintf(why, len, "is on %s, the disk that holds "
				         "the partition being recovered (%s)",
				         oname, sname);
			else
				snprintf(why, len, "is on %s, which shares disk "
				         "space with the device being recovered "
				         "(%s)", oname, sname);
			return 1;
		}
	return 0;
}

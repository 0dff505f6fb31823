/*
 * repair.c - `dredge repair` as dredge.h offers it: the clip and the
 * reference are read whole (clips are small; MP4_REPAIR_MAX_FILE bounds
 * them), the index is rebuilt by mp4_repair (src/reassemble), and the
 * result is written to a new file, removed again if writing fails.
 * It lives beside the scan context because src/reassemble may not
 * include dredge.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dredge.h"
#include "reassemble/mp4_repair.h"

#define MP4_REPAIR_MAX_FILE (4ull << 30)

/* Reads path whole into *buf: 0, or -errno with a message in err. */
static int slurp(const char *path, uint8_t **buf, size_t *len, char *err,
                 size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc = 0;

	*buf = NULL;
	*len = 0;
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(-rc));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > MP4_REPAIR_MAX_FILE) {
		snprintf(err, errlen, "'%s' is not a regular file of at most "
		         "4 GiB", path);
		close(fd);
		return -EINVAL;
	}
	size_t n = (size_t)st.st_size;
	uint8_t *b = malloc(n ? n : 1);
	size_t got = 0;
	if (b == NULL) {
		close(fd);
		snprintf(err, errlen, "out of memory reading '%s'", path);
		return -ENOMEM;
	}
	while (got < n) {
		ssize_t r = read(fd, b + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : -EIO;
			snprintf(err, errlen, "cannot read '%s': %s", path,
			         r < 0 ? strerror(-rc) : "it shrank while read");
			free(b);
			close(fd);
			return rc;
		}
		got += (size_t)r;
	}
	close(fd);
	*buf = b;
	*len = n;
	return 0;
}

int dredge_repair(const char *clip, const char *reference, const char *out,
                  struct dredge_repair_info *info, char *err, size_t errlen)
{
	uint8_t *c = NULL, *r = NULL, *o = NULL;
	size_t cn, rn, on = 0;
	struct mp4_repair_info mi;
	char why[160];
	int rc;

	memset(info, 0, sizeof(*info));
	if ((rc = slurp(clip, &c, &cn, err, errlen)) != 0)
		return rc;
	if ((rc = slurp(reference, &r, &rn, err, errlen)) != 0) {
		free(c);
		return rc;
	}
	rc = mp4_repair(c, cn, r, rn, &o, &on, &mi, why, sizeof(why));
	free(c);
	free(r);
	if (rc != 0) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory repairing '%s'", clip);
		else if (strncmp(why, "the reference", 13) == 0)
			snprintf(err, errlen, "cannot use '%s' as the reference: %s",
			         reference, why);
		else
			snprintf(err, errlen, "cannot repair '%s': %s", clip, why);
		return rc;
	}
	int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot create '%s': %s", out, strerror(-rc));
		free(o);
		return rc;
	}
	size_t put = 0;
	while (put < on) {
		ssize_t w = write(fd, o + put, on - put);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = w < 0 ? -errno : -EIO;
			break;
		}
		put += (size_t)w;
	}
	if (rc == 0 && close(fd) != 0)
		rc = -errno;
	else if (rc != 0)
		close(fd);
	free(o);
	if (rc != 0) {
		snprintf(err, errlen, "cannot write '%s': %s", out, strerror(-rc));
		unlink(out);
		return rc;
	}
	info->frames = mi.frames;
	info->keyframes = mi.keyframes;
	info->video_bytes = mi.video_bytes;
	info->other_bytes = mi.other_bytes;
	info->codec = mi.codec;
	return 0;
}

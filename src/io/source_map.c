/*
 * source_map.c - populated views of an image file (see source_map.h).
 */
#include "config.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/source_map.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

int source_mappable(const struct source *src)
{
	int fd = source_fd(src, 0);
	struct stat st;

	return fd >= 0 && !src->is_blockdev && fstat(fd, &st) == 0 &&
	       S_ISREG(st.st_mode);
}

int source_map(const struct source *src, uint64_t off, size_t len,
               struct source_map *m)
{
	int fd = source_fd(src, 0);
	long pg = sysconf(_SC_PAGESIZE);
	uint64_t page = pg > 0 ? (uint64_t)pg : 4096;
	uint64_t base = off & ~(page - 1);
	size_t lead = (size_t)(off - base);

	m->base = NULL;
	m->len = 0;
	m->p = NULL;
	if (fd < 0)
		return fd;
	if (len == 0 || off + len > src->size)
		return -EINVAL;
	void *v = mmap(NULL, lead + len, PROT_READ, MAP_SHARED, fd, (off_t)base);
	if (v == MAP_FAILED)
		return -errno;
	if (madvise(v, lead + len, MADV_POPULATE_READ) != 0) {
		int e = errno;
		munmap(v, lead + len);
		return -e;
	}
	m->base = v;
	m->len = lead + len;
	m->p = (const uint8_t *)v + lead;
	return 0;
}

void source_unmap(struct source_map *m)
{
	if (m->base != NULL)
		munmap(m->base, m->len);
	m->base = NULL;
	m->len = 0;
	m->p = NULL;
}

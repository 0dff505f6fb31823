/*
 * fuzz_card.h - the card the MP4 placing fuzz targets (fuzz_grid.c,
 * fuzz_chain.c) serve their input as, and the check of what they place.
 *
 * The input's first byte chooses the grid (512 bytes to 4 KiB clusters),
 * the rest is the card image, served through a memory file descriptor as
 * a real source would be, with no cluster live.
 */
#ifndef DREDGE_TESTS_FUZZ_CARD_H
#define DREDGE_TESTS_FUZZ_CARD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/bread.h"
#include "fs/fsview.h"
#include "io/source.h"

struct fuzz_card {
	int fd;
	struct source src;
	struct fsview v;
	uint64_t size;   /* the image's bytes */
	uint32_t cs;     /* its cluster size */
};

/* Opens data[0..size) as a card (name for the memfd); false when it
 * holds fewer than two clusters. */
static bool fuzz_card_open(struct fuzz_card *k, const uint8_t *data,
                           size_t size, const char *name)
{
	if (size < 2)
		return false;
	k->cs = 512u << (data[0] & 3);
	data++;
	size--;
	if (size / k->cs < 2)
		return false;
	k->size = size;
	k->fd = memfd_create(name, 0);
	if (k->fd < 0 || write(k->fd, data, size) != (ssize_t)size)
		abort();
	if (source_open_fd(&k->src, k->fd, name) != 0)
		abort();
	if (fsview_init(&k->v, 0, k->cs, (uint32_t)(size / k->cs)) != 0)
		abort();
	return true;
}

static void fuzz_card_close(struct fuzz_card *k)
{
	fsview_free(&k->v);
	source_close(&k->src);
	close(k->fd);
}

/* Aborts unless ext[0..next) is a placing on k of len bytes from the
 * card's first byte: at most BREAD_MAX_EXTENTS extents, each non-empty,
 * in the image and (whole) made of whole clusters; frees ext. */
static void fuzz_card_placed(const struct fuzz_card *k, struct extent *ext,
                             unsigned next, uint64_t len, bool whole)
{
	uint64_t sum = 0;

	if (ext == NULL || next == 0 || next > BREAD_MAX_EXTENTS)
		abort();
	for (unsigned i = 0; i < next; i++) {
		if (ext[i].len == 0 || ext[i].img_off > k->size ||
		    ext[i].len > k->size - ext[i].img_off ||
		    (whole && (ext[i].img_off % k->cs != 0 ||
		               ext[i].len % k->cs != 0)))
			abort();
		sum += ext[i].len;
	}
	if (sum != len || ext[0].img_off != 0)
		abort();
	free(ext);
}

#endif

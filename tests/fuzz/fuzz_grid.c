/*
 * fuzz_grid.c - libFuzzer entry point for the index-guided placing of MP4
 * clips on a cluster grid with no file system (src/reassemble/mp4_index.c).
 *
 * The first byte of the input chooses the grid (512 bytes to 4 KiB
 * clusters), the rest is the card image, served through a memory file
 * descriptor as a real source would be.  A clip is taken to start at the
 * image's first cluster: its movie box is looked for past its media data,
 * its partners among the clusters, and its clusters are shared out, or
 * placed in runs.  Whatever is placed must lie in the image, in at most
 * BREAD_MAX_EXTENTS extents that add up to the length given.  Built by
 * `make fuzz` as build/fuzz/fuzz_grid; tests/fuzz/replay_grid.c feeds it
 * the saved corpus (tests/fuzz/corpus/grid/: a small clip whole, and in
 * two and three runs with random clusters between) and mutations of it
 * in `make check`.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fs/fsview.h"
#include "io/source.h"
#include "reassemble/mp4_index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks per sharing: enough for the corpus, quick per input. */
#define FUZZ_GRID_BUDGET 20000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint32_t cs = 512u << (data[0] & 3);
	data++;
	size--;
	if (size / cs < 2)
		return 0;
	int fd = memfd_create("fuzz_grid", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	struct source src;
	if (source_open_fd(&src, fd, "fuzz_grid") != 0)
		abort();
	struct fsview v;
	if (fsview_init(&v, 0, cs, (uint32_t)(size / cs)) != 0)
		abort();
	struct extent *ext = NULL;
	unsigned next = 0, clips = 0;
	uint64_t len = 0;
	int rc = mp4_index_reassemble_bounded(&v, &src, size, 0,
	                                      FUZZ_GRID_BUDGET, MI_GRID_PER_POS,
	                                      false, &ext, &next, &len,
	                                      &clips);
	if (rc < 0 && rc != -ENOMEM)
		abort();
	if (rc == 1 || rc == 2) {
		uint64_t sum = 0;
		if (ext == NULL || next == 0 || next > BREAD_MAX_EXTENTS)
			abort();
		for (unsigned i = 0; i < next; i++) {
			if (ext[i].len == 0 || ext[i].img_off > size ||
			    ext[i].len > size - ext[i].img_off)
				abort();
			sum += ext[i].len;
		}
		if (sum != len || ext[0].img_off != 0)
			abort();
		free(ext);
	} else if (ext != NULL) {
		abort();
	}
	fsview_free(&v);
	source_close(&src);
	close(fd);
	return 0;
}

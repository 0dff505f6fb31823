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

#include "fuzz_card.h"
#include "reassemble/mp4_index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks per sharing: enough for the corpus, quick per input. */
#define FUZZ_GRID_BUDGET 20000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_card k;

	if (!fuzz_card_open(&k, data, size, "fuzz_grid"))
		return 0;
	struct extent *ext = NULL;
	unsigned next = 0, clips = 0;
	uint64_t len = 0;
	int rc = mp4_index_reassemble_bounded(&k.v, &k.src, k.size, 0,
	                                      FUZZ_GRID_BUDGET, MI_GRID_PER_POS,
	                                      false, &ext, &next, &len,
	                                      &clips);
	if (rc < 0 && rc != -ENOMEM)
		abort();
	if (rc == 1 || rc == 2)
		fuzz_card_placed(&k, ext, next, len, false);
	else if (ext != NULL)
		abort();
	fuzz_card_close(&k);
	return 0;
}

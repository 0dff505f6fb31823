/*
 * fuzz_chain.c - libFuzzer entry point for the structure-guided
 * reassembly of MP4 clips cut off before their movie box
 * (src/reassemble/mp4_chain.c).
 *
 * The first byte of the input chooses the grid (512 bytes to 4 KiB
 * clusters), the rest is the card image, served through a memory file
 * descriptor as a real source would be.  A clip is taken to start at the
 * image's first cluster: its NAL unit chain is followed over the clusters,
 * with a partner's when another cut-off clip starts near it.  Whatever is
 * placed must start at that cluster and lie in the image, in whole
 * clusters, in at most BREAD_MAX_EXTENTS extents that add up to the
 * length given.  Built by `make fuzz` as build/fuzz/fuzz_chain;
 * tests/fuzz/replay_chain.c feeds it the saved corpus
 * (tests/fuzz/corpus/chain/: a cut-off clip whole, between other
 * clusters, and interleaved with a partner) and mutations of it in
 * `make check`.
 */
#include "config.h"

#include <errno.h>

#include "fuzz_card.h"
#include "reassemble/mp4_chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_card k;

	if (!fuzz_card_open(&k, data, size, "fuzz_chain"))
		return 0;
	struct extent *ext = NULL;
	unsigned next = 0;
	uint64_t len = 0;
	int rc = mp4_chain_reassemble(&k.v, &k.src, k.size, 0, &ext, &next,
	                              &len);
	if (rc < 0 && rc != -ENOMEM)
		abort();
	if (rc == 1)
		fuzz_card_placed(&k, ext, next, len, true);
	else if (rc != 0 || ext != NULL)
		abort();
	fuzz_card_close(&k);
	return 0;
}

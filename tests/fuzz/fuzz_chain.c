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
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fs/fsview.h"
#include "io/source.h"
#include "reassemble/mp4_chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint32_t cs = 512u << (data[0] & 3);
	data++;
	size--;
	if (size / cs < 2)
		return 0;
	int fd = memfd_create("fuzz_chain", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	struct source src;
	if (source_open_fd(&src, fd, "fuzz_chain") != 0)
		abort();
	struct fsview v;
	if (fsview_init(&v, 0, cs, (uint32_t)(size / cs)) != 0)
		abort();
	struct extent *ext = NULL;
	unsigned next = 0;
	uint64_t len = 0;
	int rc = mp4_chain_reassemble(&v, &src, size, 0, &ext, &next, &len);
	if (rc < 0 && rc != -ENOMEM)
		abort();
	if (rc == 1) {
		uint64_t sum = 0;
		if (ext == NULL || next == 0 || next > BREAD_MAX_EXTENTS)
			abort();
		for (unsigned i = 0; i < next; i++) {
			if (ext[i].len == 0 || ext[i].img_off > size ||
			    ext[i].len > size - ext[i].img_off ||
			    ext[i].img_off % cs != 0 || ext[i].len % cs != 0)
				abort();
			sum += ext[i].len;
		}
		if (sum != len || ext[0].img_off != 0)
			abort();
		free(ext);
	} else if (rc != 0 || ext != NULL) {
		abort();
	}
	fsview_free(&v);
	source_close(&src);
	close(fd);
	return 0;
}

/*
 * fuzz_format.c - libFuzzer entry point for one validator.
 *
 * Built once per format with -DFUZZ_FORMAT="name" (see `make fuzz`); the
 * same function is what tests/fuzz/replay.c feeds the saved corpus to in
 * `make check`, so a crash found by fuzzing stays a regression test.
 * Each input is validated three times: as a scan does, with the thorough
 * checks reassembly asks for (bread.thorough), and so again over the
 * input read as pieces out of order (a map with seams).
 */
#include "config.h"

#include <stdlib.h>

#include "fmt_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct format *fmt;
	struct carve_result res;

	if (fmt == NULL) {
		fmt = format_find(FUZZ_FORMAT);
		if (fmt == NULL)
			abort();
	}
	tu_validate(fmt, data, size, 0, &res);
	/* and with every check a reassembly asks for, also over a map of
	 * pieces out of order, as reassembly tries them */
	tu_validate_thorough(fmt, data, size, 0, true, &res);
	tu_validate_pieces(fmt, data, size, true, &res);
	return 0;
}

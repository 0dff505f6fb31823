/*
 * replay.c - runs every validator over its saved fuzz corpus
 * (tests/fuzz/corpus/NAME/) and over seeded random and mutated inputs,
 * without libFuzzer.  A crash, a hang (tests/test-timeout.sh kills it)
 * or a result longer than the input fails the test.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/tap.h"
#include "../unit/fmt_util.h"

static unsigned replay_dir(const struct format *fmt, const char *dir,
                           unsigned *longer)
{
	DIR *d = opendir(dir);
	unsigned n = 0;

	if (d == NULL)
		return 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		char path[4096];
		size_t len;
		struct carve_result res;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		uint8_t *buf = tu_load(path, &len);
		if (tu_validate(fmt, buf, len, 0, &res) != CARVE_REJECT &&
		    res.length > len)
			(*longer)++;
		/* thoroughly, over the input as pieces out of order (a
		 * map with seams; it aborts on a length past its reader) */
		tu_validate_pieces(fmt, buf, len, true, &res);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

/* Random inputs that start with each signature: the cheap fuzz. */
static unsigned replay_random(const struct format *fmt, unsigned rounds,
                              unsigned *longer)
{
	uint8_t buf[8192];
	struct carve_result res;
	unsigned n = 0;

	for (unsigned s = 0; s < fmt->nsigs; s++) {
		const struct format_sig *sig = &fmt->sigs[s];
		for (unsigned r = 0; r < rounds; r++) {
			size_t len = 1 + (r * 7919u) % sizeof(buf);
			tu_random(buf, len, (uint64_t)r * 1000003u + s + 1);
			if ((size_t)sig->offset + sig->len <= len)
				memcpy(buf + sig->offset, sig->bytes, sig->len);
			if (tu_validate(fmt, buf, len, 0, &res) != CARVE_REJECT &&
			    res.length > len)
				(*longer)++;
			n++;
		}
	}
	return n;
}

int main(void)
{
	const char *src = getenv("srcdir");

	for (unsigned i = 0; i < format_count; i++) {
		const struct format *fmt = format_table[i];
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s",
		         src ? src : ".", fmt->name);
		unsigned longer = 0;
		unsigned saved = replay_dir(fmt, dir, &longer);
		unsigned rnd = replay_random(fmt, 300, &longer);
		if (saved == 0)
			printf("# no saved inputs in %s: the corpus is part of "
			       "the test\n", dir);
		ok(saved > 0 && rnd > 0 && !longer, "%s: %u saved inputs, %u "
		   "random inputs, no result longer than its input", fmt->name,
		   saved, rnd);
	}
	return tap_done();
}

/*
 * replay_corpus.h - runs a fuzz target's LLVMFuzzerTestOneInput (defined
 * by the file that includes this) over its saved corpus and over seeded
 * mutations of each saved input, without libFuzzer.  A crash or a hang
 * (caught by the test harness timeout) fails the test.
 */
#ifndef DREDGE_TESTS_FUZZ_REPLAY_CORPUS_H
#define DREDGE_TESTS_FUZZ_REPLAY_CORPUS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/tap.h"
#include "../unit/fmt_util.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

/* Feeds LLVMFuzzerTestOneInput every input saved in
 * tests/fuzz/corpus/NAME/ and 40 seeded mutations of each; the test's
 * exit status. */
static int replay_corpus(const char *name)
{
	const char *src = getenv("srcdir");
	char dir[4096];
	unsigned saved = 0, mutated = 0;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", src ? src : ".",
	         name);
	DIR *d = opendir(dir);
	if (d == NULL) {
		ok(0, "corpus folder %s exists", dir);
		return tap_done();
	}
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		char path[4200];
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		uint8_t *buf = tu_load(path, &len);
		LLVMFuzzerTestOneInput(buf, len);
		saved++;
		/* Mutations where the structures are: the first 64 KiB. */
		uint8_t *m = malloc(len ? len : 1);
		for (unsigned r = 0; r < 40 && len > 0; r++) {
			memcpy(m, buf, len);
			size_t span = len < 65536 ? len : 65536;
			for (unsigned k = 0; k < 1 + r % 8; k++)
				m[next() % span] = (uint8_t)next();
			LLVMFuzzerTestOneInput(m, len);
			mutated++;
		}
		free(m);
		free(buf);
	}
	closedir(d);
	ok(saved > 0, "%s: %u saved inputs, %u mutations survived", name,
	   saved, mutated);
	return tap_done();
}

#endif

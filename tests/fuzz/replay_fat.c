/*
 * replay_fat.c - runs the file-system fuzz target (fuzz_fat.c)
 * over its saved corpus (tests/fuzz/corpus/fat/) and over seeded mutations
 * of each saved input, without libFuzzer (replay_corpus.h).
 */
#include "config.h"

#include "fuzz_fat.c"
#include "replay_corpus.h"

int main(void)
{
	return replay_corpus("fat");
}

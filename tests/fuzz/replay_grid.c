/*
 * replay_grid.c - runs the grid placing fuzz target (fuzz_grid.c)
 * over its saved corpus (tests/fuzz/corpus/grid/) and over seeded mutations
 * of each saved input, without libFuzzer (replay_corpus.h).
 */
#include "config.h"

#include "fuzz_grid.c"
#include "replay_corpus.h"

int main(void)
{
	return replay_corpus("grid");
}

/*
 * replay_chain.c - runs the chained reassembly fuzz target (fuzz_chain.c)
 * over its saved corpus (tests/fuzz/corpus/chain/) and over seeded
 * mutations of each saved input, without libFuzzer (replay_corpus.h).
 */
#include "config.h"

#include "fuzz_chain.c"
#include "replay_corpus.h"

int main(void)
{
	return replay_corpus("chain");
}

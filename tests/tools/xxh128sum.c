/*
 * xxh128sum.c - prints the XXH3-128 of each file (canonical hex, then the
 * name), independently of dredge's own hashing, so tests can check the
 * hashes dredge reports.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <xxhash.h>

int main(int argc, char **argv)
{
	static unsigned char buf[1 << 16];
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (f == NULL) {
			perror(argv[i]);
			rc = 1;
			continue;
		}
		XXH3_state_t *st = XXH3_createState();
		XXH3_128bits_reset(st);
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			XXH3_128bits_update(st, buf, n);
		fclose(f);
		XXH128_canonical_t c;
		XXH128_canonicalFromHash(&c, XXH3_128bits_digest(st));
		XXH3_freeState(st);
		for (int k = 0; k < 16; k++)
			printf("%02x", c.digest[k]);
		printf("  %s\n", argv[i]);
	}
	return rc;
}

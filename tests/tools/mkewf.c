/*
 * mkewf - writes a raw image as an E01 container, with acquiry errors:
 * the sectors an acquisition could not read, which ewfacquire records only
 * when a device fails under it.  For tests/e2e/sources.sh.
 *   mkewf RAW TARGET [FIRST_SECTOR:COUNT ...]   (writes TARGET.E01)
 * The listed sectors are written as zeros, as an acquisition writes them.
 */
#include "config.h"

#include <errno.h>
#include <libewf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, libewf_error_t *error)
{
	fprintf(stderr, "mkewf: %s\n", what);
	if (error != NULL) {
		libewf_error_fprint(error, stderr);
		libewf_error_free(&error);
	}
	return 1;
}

int main(int argc, char **argv)
{
	libewf_handle_t *h = NULL;
	libewf_error_t *error = NULL;
	FILE *in;
	long size;

	if (argc < 3) {
		fprintf(stderr, "usage: mkewf RAW TARGET [SECTOR:COUNT ...]\n");
		return 2;
	}
	in = fopen(argv[1], "rb");
	if (in == NULL || fseek(in, 0, SEEK_END) != 0 || (size = ftell(in)) < 0 ||
	    fseek(in, 0, SEEK_SET) != 0)
		return fail("cannot read the raw image", NULL);
	uint8_t *data = malloc((size_t)size);
	if (data == NULL || fread(data, 1, (size_t)size, in) != (size_t)size)
		return fail("cannot read the raw image", NULL);
	fclose(in);
	char *target = argv[2];
	if (libewf_handle_initialize(&h, &error) != 1 ||
	    libewf_handle_open(h, &target, 1, LIBEWF_OPEN_WRITE, &error) != 1 ||
	    libewf_handle_set_media_size(h, (size64_t)size, &error) != 1)
		return fail("cannot create the container", error);
	for (int i = 3; i < argc; i++) {
		unsigned long long first, count;
		if (sscanf(argv[i], "%llu:%llu", &first, &count) != 2 ||
		    (first + count) * 512 > (unsigned long long)size)
			return fail("bad SECTOR:COUNT", NULL);
		memset(data + first * 512, 0, count * 512);
		if (libewf_handle_append_acquiry_error(h, first, count,
		                                       &error) != 1)
			return fail("cannot record the error", error);
	}
	if (libewf_handle_write_buffer(h, data, (size_t)size, &error) != size ||
	    libewf_handle_write_finalize(h, &error) < 0 ||
	    libewf_handle_close(h, &error) != 0)
		return fail("cannot write the container", error);
	libewf_handle_free(&h, NULL);
	free(data);
	return 0;
}

/*
 * source_ewf_none.c - the E01 backend of a build without libewf: it says
 * so, naming the configure option that adds it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "io/source_backend.h"

int source_ewf_open(struct source *src, const char *path, char *err,
                    size_t errlen)
{
	memset(src, 0, sizeof(*src));
	snprintf(err, errlen, "cannot read '%s': it is an E01 image, and this "
	         "dredge was built without libewf (install libewf-dev and "
	         "configure --with-libewf)", path);
	return -ENOTSUP;
}

/*
 * cmd_version.c - `dredge version`: the version, the any-offset search
 * variants this CPU runs, whether H.264 slices are decoded, whether the
 * file systems The Sleuth Kit reads are read, and whether image files are
 * read through views of the page cache or copies of it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli/cmd.h"
#include "dredge.h"

/* The version, then the search variants this CPU runs and the one chosen
 * by default. */
static int cmd_version(int argc, char **argv, const char *cmdline)
{
	printf("%s\n", dredge_version());
	printf("simd: %s (runs here:", dredge_simd_name(dredge_simd_auto()));
	for (int v = DREDGE_SIMD_SCALAR; dredge_simd_name(v) != NULL; v++)
		if (dredge_simd_supported(v))
			printf(" %s", dredge_simd_name(v));
	printf(")\n");
	printf("h264 slices: %s\n", dredge_h264_slices() ? "decoded (libavcodec)"
	       : "not decoded (no libavcodec)");
	const char *tsk;
	int tsk_reads = dredge_fs_tsk(&tsk);
	printf("NTFS, ext4, HFS+, ISO 9660: %s (%s)\n",
	       tsk_reads ? "read" : "not read", tsk);
	double map_us = 0, copy_us = 0;
	int views = dredge_views_pay(&map_us, &copy_us);
	printf("page cache: %s (2 MiB: viewed in %.0f us, copied in %.0f us)\n",
	       views ? "viewed" : "copied", map_us, copy_us);
	const char *env = getenv("DREDGE_VIEWS");
	if (env != NULL && *env != '\0')
		printf("DREDGE_VIEWS=%s\n", env);
	return 0;
}

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.alias = { "--version" },
	.usage = "version",
	.about = "print the version",
	.exec = cmd_version,
};

/*
 * cmd_repair.c - `dredge repair CLIP --reference GOOD.mp4 -o OUT.mp4`: a
 * playable MP4 from a recording whose index was never written.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "dredge.h"

static void usage(FILE *to)
{
	fprintf(to, "usage: dredge repair CLIP --reference GOOD.mp4 -o OUT.mp4 "
	        "[-q]\n");
}

static int cmd_repair(int argc, char **argv, const char *cmdline)
{
	static const struct option opts[] = {
		{ "reference", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ref = NULL, *out = NULL;
	int quiet = 0, c;

	(void)cmdline;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': ref = optarg; break;
		case 'o': out = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || ref == NULL || out == NULL) {
		fprintf(stderr, "dredge: repair needs one CLIP, --reference and "
		        "-o\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	struct dredge_repair_info info;
	char err[512];
	if (dredge_repair(argv[optind], ref, out, &info, err, sizeof(err)) != 0) {
		fprintf(stderr, "dredge: %s\n", err);
		return 1;
	}
	if (!quiet)
		printf("%s: %u %s frames (%u key frames, %llu bytes) indexed, "
		       "%llu bytes of other media data kept unindexed -> %s\n",
		       argv[optind], info.frames, info.codec, info.keyframes,
		       (unsigned long long)info.video_bytes,
		       (unsigned long long)info.other_bytes, out);
	return 0;
}

const struct cmd_entry cmd_repair_entry = {
	.name = "repair",
	.usage = "repair CLIP --reference GOOD.mp4 -o OUT.mp4",
	.about = "rebuild the index of a clip cut off before it was written",
	.exec = cmd_repair,
};

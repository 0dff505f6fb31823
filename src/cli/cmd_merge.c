/*
 * cmd_merge.c - `dredge merge`: shard folders (scan --shard K/N) into one
 * scan's result.
 *
 *   dredge merge -o DIR SHARD_DIR... [--move] [--force]
 *
 * The folder DIR then holds exactly the files and reports one scan of
 * the whole source writes (the reports differ only in the command line
 * and the times); how, is dredge_merge() (src/out/merge.c).  Shards of
 * different scans, a shard missing or given twice, or one that has not
 * completed are refused with a message naming it.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "dredge.h"

static void merge_usage(FILE *to)
{
	fprintf(to,
	        "usage: dredge merge -o DIR SHARD_DIR... [OPTIONS]\n"
	        "\n"
	        "Merges the folders of 'dredge scan --shard K/N' (all N of them,\n"
	        "any order) into the files and reports one scan writes.\n"
	        "\n"
	        "  -o, --output DIR    where the merged result goes\n"
	        "      --move          move files out of the shard folders (default:\n"
	        "                      hard links, or copies across file systems)\n"
	        "      --force         write into a folder that holds files\n"
	        "  -q, --quiet         no summary\n");
}

static int cmd_merge(int argc, char **argv, const char *cmdline)
{
	enum { O_MOVE = 256, O_FORCE };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "move", no_argument, NULL, O_MOVE },
		{ "force", no_argument, NULL, O_FORCE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dredge_merge_config cfg = { .command_line = cmdline };
	struct dredge_merge_summary sum;
	int c, quiet = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': cfg.outdir = optarg; break;
		case O_MOVE: cfg.move = 1; break;
		case O_FORCE: cfg.force = 1; break;
		case 'q': quiet = 1; break;
		case 'h': merge_usage(stdout); return 0;
		default: merge_usage(stderr); return EXIT_USAGE;
		}
	}
	if (cfg.outdir == NULL || optind >= argc) {
		fprintf(stderr, "dredge: merge needs -o DIR and the shard "
		        "folders\n");
		merge_usage(stderr);
		return EXIT_USAGE;
	}
	cfg.shards = (const char *const *)argv + optind;
	cfg.nshards = (unsigned)(argc - optind);
	if (dredge_merge(&cfg, &sum) != 0) {
		fprintf(stderr, "dredge: %s\n", sum.error);
		return 1;
	}
	if (!quiet)
		fprintf(stderr, "dredge: merged %u shards in %.2f s: %" PRIu64
		        " entries, %" PRIu64 " files (%" PRIu64 " truncated), %"
		        PRIu64 " duplicates; files %" PRIu64 " linked, %" PRIu64
		        " moved, %" PRIu64 " copied; %" PRIu64 " shard entries "
		        "left out\ndredge: report: %s/report.xml, "
		        "%s/report.jsonl\n", sum.shards, sum.seconds,
		        sum.entries, sum.files, sum.truncated, sum.duplicates,
		        sum.linked, sum.moved, sum.copied, sum.dropped,
		        cfg.outdir, cfg.outdir);
	return 0;
}

const struct cmd_entry cmd_merge_entry = {
	.name = "merge",
	.usage = "merge -o DIR SHARD_DIR...",
	.about = "merge the folders of scan --shard K/N into one scan's result",
	.exec = cmd_merge,
};

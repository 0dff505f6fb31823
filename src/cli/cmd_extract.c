/*
 * cmd_extract.c - `dredge extract`: the files a --report-only scan found,
 * written later and only those chosen.
 *
 *   dredge extract SOURCE REPORT -o DIR [--type T] [--id N] [--min-size S]
 *
 * REPORT is the scan's output folder or its report.jsonl.  Each chosen
 * file is copied from its runs in the report, under the same name and with
 * the same bytes a full scan would have written, and its XXH3-128 is
 * checked against the report while it is written: a file whose bytes
 * differ is not kept, and extraction stops, since the source is then not
 * the one scanned.  A file whose content duplicates an earlier one was
 * written under the earlier one's name, so asking for it gives that file.
 * Unreadable sectors read as zeros, as they did for the scan.
 *
 * This file reads the options and prints; the reading of the report and
 * the copying are dredge_extract() (src/out/extract.c).
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "dredge.h"
#include "cli/cli_util.h"

#define MAX_IDS 4096

struct sel {
	const char *types;          /* comma-separated, or NULL */
	uint64_t min_size;
	uint64_t *ids;              /* --id, or none */
	unsigned nids;
	int force, quiet;
};

static void extract_usage(FILE *to)
{
	fprintf(to,
	        "usage: dredge extract SOURCE REPORT -o DIR [OPTIONS]\n"
	        "\n"
	        "Writes files found by 'dredge scan --report-only' (REPORT: its\n"
	        "output folder or report.jsonl), byte-identical to a full scan.\n"
	        "\n"
	        "  -o, --output DIR    where the files go (TYPE/NAME as the scan names them)\n"
	        "  -t, --type LIST     only these types or formats (comma-separated)\n"
	        "      --id N          only report entry N (repeatable, or N,M,...)\n"
	        "      --min-size S    only files of at least S bytes (K, M, G)\n"
	        "      --force         replace files that differ in DIR\n"
	        "  -q, --quiet         no per-file lines\n");
}

static int add_ids(struct sel *s, const char *arg)
{
	char *list = strdup(arg), *save = NULL;
	int rc = 0;

	if (list == NULL)
		return -1;
	for (char *t = strtok_r(list, ",", &save); t != NULL && rc == 0;
	     t = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		if (cli_parse_size(t, &v) != 0 || v == 0 || strpbrk(t, "kKmMgGbB")) {
			fprintf(stderr, "dredge: --id takes report ids (1, 2, ...), "
			        "not '%s'\n", t);
			rc = -1;
		} else if (s->nids == MAX_IDS) {
			fprintf(stderr, "dredge: at most %u --id values\n", MAX_IDS);
			rc = -1;
		} else {
			s->ids[s->nids++] = v;
		}
	}
	free(list);
	return rc;
}

static void print_file(void *arg, const char *name, uint64_t size)
{
	(void)arg;
	printf("%s (%" PRIu64 " bytes)\n", name, size);
}

static void print_error(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "dredge: %s\n", msg);
}

static int cmd_extract(int argc, char **argv, const char *cmdline)
{
	enum { O_ID = 256, O_MIN, O_FORCE };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "type", required_argument, NULL, 't' },
		{ "types", required_argument, NULL, 't' },
		{ "id", required_argument, NULL, O_ID },
		{ "min-size", required_argument, NULL, O_MIN },
		{ "force", no_argument, NULL, O_FORCE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sel s = { 0 };
	const char *outdir = NULL;
	int ch, status;

	s.ids = calloc(MAX_IDS, sizeof(*s.ids));
	if (s.ids == NULL)
		return 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:t:qh", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			if (*optarg == '\0') {
				fprintf(stderr, "dredge: -o needs a folder name, not "
				        "an empty one\n");
				free(s.ids);
				return EXIT_USAGE;
			}
			outdir = optarg;
			break;
		case 't': s.types = optarg; break;
		case O_ID:
			if (add_ids(&s, optarg) != 0) {
				free(s.ids);
				return EXIT_USAGE;
			}
			break;
		case O_MIN:
			if (cli_parse_size(optarg, &s.min_size) != 0) {
				fprintf(stderr, "dredge: invalid value '%s' for "
				        "--min-size\n", optarg);
				free(s.ids);
				return EXIT_USAGE;
			}
			break;
		case O_FORCE: s.force = 1; break;
		case 'q': s.quiet = 1; break;
		case 'h': extract_usage(stdout); free(s.ids); return 0;
		default: extract_usage(stderr); free(s.ids); return EXIT_USAGE;
		}
	}
	if (argc - optind != 2 || outdir == NULL) {
		fprintf(stderr, "dredge: extract needs a SOURCE, a REPORT and an "
		        "output folder (-o DIR)\n");
		extract_usage(stderr);
		free(s.ids);
		return EXIT_USAGE;
	}
	struct dredge_extract_config cfg = {
		.source = argv[optind],
		.report = argv[optind + 1],
		.outdir = outdir,
		.types = s.types,
		.min_size = s.min_size,
		.ids = s.ids,
		.nids = s.nids,
		.force = s.force,
		.file_fn = s.quiet ? NULL : print_file,
		.error_fn = print_error,
	};
	struct dredge_extract_summary sum;

	status = dredge_extract(&cfg, &sum) == 0 ? 0 : 1;
	if (sum.chosen) {
		fprintf(stderr, "dredge: extracted %" PRIu64 " files (%" PRIu64
		        " bytes) into %s", sum.files, sum.bytes, outdir);
		if (sum.present > 0)
			fprintf(stderr, "; %" PRIu64 " were there already",
			        sum.present);
		fputc('\n', stderr);
	}
	free(s.ids);
	fflush(stdout);
	return status;
}

const struct cmd_entry cmd_extract_entry = {
	.name = "extract",
	.usage = "extract SOURCE REPORT -o DIR",
	.about = "write files a --report-only scan found",
	.exec = cmd_extract,
};

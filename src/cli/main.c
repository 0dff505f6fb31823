/*
 * main.c - the dredge command line: subcommands, options, exit codes.
 *
 * Only this file calls exit().  Each subcommand parses its own options and
 * hands a config to the library.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dredge.h"
#include "formats/format.h"

static int cmd_types(int argc, char **argv)
{
	printf("%-8s %-5s %-6s %-30s %s\n", "NAME", "EXT", "ALIGN",
	       "SIGNATURES (offset:hex)", "DESCRIPTION");
	for (unsigned i = 0; i < format_count; i++) {
		const struct format *f = format_table[i];
		char sigs[256] = "";
		size_t n = 0;

		for (unsigned s = 0; s < f->nsigs && n < sizeof(sigs) - 40; s++) {
			n += (size_t)snprintf(sigs + n, sizeof(sigs) - n, "%s%u:",
			                      s ? " " : "", f->sigs[s].offset);
			for (unsigned b = 0; b < f->sigs[s].len && n < sizeof(sigs) - 4; b++)
				n += (size_t)snprintf(sigs + n, sizeof(sigs) - n,
				                      "%02x", f->sigs[s].bytes[b]);
		}
		printf("%-8s %-5s %-6u %-30s %s\n", f->name, f->ext, f->align,
		       sigs, f->description);
	}
	return 0;
}

static void usage(FILE *to)
{
	fprintf(to,
	        "usage: dredge COMMAND [ARGS]\n"
	        "\n"
	        "commands:\n"
	        "  types                       list formats and their signatures\n"
	        "  version                     print the version\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "types") == 0)
		return cmd_types(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("dredge %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "dredge: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

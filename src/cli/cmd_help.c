/*
 * cmd_help.c - `dredge help`: the usage of dredge, one line per command
 * of cmd_table; also printed when the command line names no command.
 */
#include "config.h"

#include <stdio.h>

#include "cli/cmd.h"

void cmd_usage(FILE *to)
{
	fprintf(to,
	        "usage: dredge COMMAND [ARGS]\n"
	        "\n"
	        "commands:\n");
	for (unsigned i = 0; cmd_table[i] != NULL; i++)
		if (cmd_table[i]->usage != NULL)
			fprintf(to, "  %-28s  %s\n", cmd_table[i]->usage,
			        cmd_table[i]->about);
	fprintf(to,
	        "\n"
	        "Run 'dredge scan --help' for the scan options; see dredge(1).\n");
}

static int cmd_help(int argc, char **argv, const char *cmdline)
{
	cmd_usage(stdout);
	return 0;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.alias = { "--help", "-h" },
	.exec = cmd_help,
};

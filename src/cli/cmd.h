/*
 * cmd.h - the dredge commands as a table.
 *
 * Each command file exports one const struct cmd_entry; main.c lists them
 * in cmd_table and runs the one the first argument names, so adding a
 * command is one file and one line of the table.
 */
#ifndef DREDGE_CLI_CMD_H
#define DREDGE_CLI_CMD_H

#include <stdio.h>

#define EXIT_USAGE 2     /* the command line was wrong */

struct cmd_entry {
	const char *name;
	const char *alias[2];      /* other names it answers to, or NULL */
	/* Its line in `dredge help`: the arguments after "dredge", and what
	 * it does.  NULL: not listed. */
	const char *usage;
	const char *about;
	/*
	 * Runs the command; argv[0] is the name it was called by, cmdline
	 * the whole command line as one string (NULL when it could not be
	 * made), for reports.  Returns the exit status.
	 */
	int (*exec)(int argc, char **argv, const char *cmdline);
};

extern const struct cmd_entry cmd_scan_entry;
extern const struct cmd_entry cmd_extract_entry;
extern const struct cmd_entry cmd_merge_entry;
extern const struct cmd_entry cmd_plan_entry;
extern const struct cmd_entry cmd_fs_entry;
extern const struct cmd_entry cmd_bench_entry;
extern const struct cmd_entry cmd_repair_entry;
extern const struct cmd_entry cmd_types_entry;
extern const struct cmd_entry cmd_version_entry;
extern const struct cmd_entry cmd_help_entry;

/* Every command, in the order `dredge help` lists them; NULL-terminated. */
extern const struct cmd_entry *const cmd_table[];

/* The usage of `dredge` itself, listing the commands. */
void cmd_usage(FILE *to);

#endif

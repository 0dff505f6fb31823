/*
 * main.c - the dredge command line: finds the command its first argument
 * names in cmd_table and runs it.
 *
 * Only the CLI calls exit() or decides what the user reads: library calls
 * return codes and one-line messages, printed by the commands as
 * "dredge: MESSAGE".  Exit status: 0 success, 1 the run failed, 2 the
 * command line was wrong; see cmd_scan.c for the scan's own.
 */
#include "config.h"

#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_scan_entry,
	&cmd_extract_entry,
	&cmd_merge_entry,
	&cmd_plan_entry,
	&cmd_fs_entry,
	&cmd_repair_entry,
	&cmd_bench_entry,
	&cmd_types_entry,
	&cmd_version_entry,
	&cmd_help_entry,
	NULL,
};

/* The command line as one string, for the report. */
static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) * 2 + 3;
	char *s = malloc(len), *p = s;
	if (s == NULL)
		return NULL;
	for (int i = 0; i < argc; i++) {
		int quote = argv[i][0] == '\0' || strpbrk(argv[i], " \t'\"") != NULL;
		if (i)
			*p++ = ' ';
		if (quote)
			*p++ = '\'';
		for (const char *a = argv[i]; *a; a++) {
			if (*a == '\'' && quote) {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else {
				*p++ = *a;
			}
		}
		if (quote)
			*p++ = '\'';
	}
	*p = '\0';
	return s;
}

/*
 * Memory a thread frees stays in the process for the next allocation.
 * The validators and the placing of fragmented clips allocate and free
 * buffers of up to megabytes many times a second; glibc gives those back
 * to the kernel (unmapped above its mmap threshold, trimmed off the top
 * of a thread's arena), so the next one is new memory, which costs a page
 * fault a page.  On a virtual machine with shadowed page tables that was
 * measured at about 10 us a page: 2 MiB read into new memory took 5.5 ms,
 * into memory used before 0.08 ms.  The peak does not grow: memory is
 * used again, not added.  GLIBC_TUNABLES naming a glibc.malloc setting
 * wins over this.
 */
static void keep_freed_memory(void)
{
#ifdef HAVE_MALLOPT
	const char *t = getenv("GLIBC_TUNABLES");
	if (t != NULL && strstr(t, "glibc.malloc.") != NULL)
		return;
	mallopt(M_MMAP_THRESHOLD, 32 << 20);   /* glibc's largest */
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

/* The command called name (or by one of its aliases), or NULL. */
static const struct cmd_entry *cmd_find(const char *name)
{
	for (unsigned i = 0; cmd_table[i] != NULL; i++) {
		const struct cmd_entry *e = cmd_table[i];
		if (strcmp(e->name, name) == 0)
			return e;
		for (unsigned k = 0; k < sizeof(e->alias) / sizeof(e->alias[0]);
		     k++)
			if (e->alias[k] != NULL && strcmp(e->alias[k], name) == 0)
				return e;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		cmd_usage(stderr);
		return EXIT_USAGE;
	}
	const struct cmd_entry *cmd = cmd_find(argv[1]);
	if (cmd == NULL) {
		fprintf(stderr, "dredge: unknown command '%s'\n", argv[1]);
		cmd_usage(stderr);
		return EXIT_USAGE;
	}
	keep_freed_memory();
	char *cmdline = join_args(argc, argv);
	argv[1] = (char *)"dredge";   /* getopt's messages begin so */
	int rc = cmd->exec(argc - 1, argv + 1, cmdline);
	free(cmdline);
	return rc;
}

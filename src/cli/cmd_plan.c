/*
 * cmd_plan.c - `dredge plan`: the job script that scans drives in shards
 * on an engine a site already runs, Slurm or GNU parallel.
 *
 *   dredge plan SOURCE... -o DIR [--shards N] [--cpus-per-task C]
 *               [--parallel] [--jobs J] [--sshlogin LIST] [--scan 'OPTIONS']
 *
 * For Slurm it prints a shell script that submits a job array, one task
 * per (source, shard), each scanning into DIR/NAME/shard-K (or DIR/NAME
 * with one shard), and a merge job array that runs once all scans
 * succeeded (--dependency=afterok).  With --parallel it prints the same as
 * two GNU parallel command lines (over ssh with --sshlogin).  A task
 * whose shard completed does nothing, and one that was interrupted goes
 * on with --resume, so the same script can simply be run again.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"

static void plan_usage(FILE *to)
{
	fprintf(to,
	        "usage: dredge plan SOURCE... -o DIR [OPTIONS]\n"
	        "\n"
	        "Prints a Slurm submission script (or, with --parallel, GNU parallel\n"
	        "command lines) that scans each SOURCE in N shards into\n"
	        "DIR/NAME/shard-K and merges them into DIR/NAME/merged.\n"
	        "\n"
	        "  -o, --output DIR       where each source's folders go (shared by all nodes)\n"
	        "  -n, --shards N         shards per source (default 1: one task per source)\n"
	        "  -c, --cpus-per-task C  CPUs per task, also scan --threads (default 2)\n"
	        "      --partition P      Slurm partition\n"
	        "      --time T           Slurm time limit per task\n"
	        "      --dredge PATH      the dredge to run (default: dredge)\n"
	        "      --scan 'OPTIONS'   more dredge scan options, e.g. '--types jpg'\n"
	        "      --parallel         GNU parallel command lines instead\n"
	        "  -J, --jobs J           parallel: tasks at once per host (default: all)\n"
	        "  -S, --sshlogin LIST    parallel: hosts to run on (as parallel's -S)\n");
}

/* Writes s quoted for a POSIX shell. */
static void shq(const char *s)
{
	putchar('\'');
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*s);
	putchar('\'');
}

struct plan {
	char **src;
	int nsrc;
	const char *scan;       /* options passed to each scan, as words */
	const char *out, *dredge, *partition, *time, *sshlogin;
	unsigned shards, cpus, jobs;
};

/* Task T of the array (0-based) scans source T / N, shard T % N + 1. */
static void slurm_plan(const struct plan *p)
{
	unsigned ntasks = (unsigned)p->nsrc * p->shards;

	printf("#!/bin/sh\n# Submits %u scan tasks (%d source(s) x %u shard(s))"
	       " and, once all succeeded, the merges.\n# Made by dredge plan; "
	       "run it again to resume what did not finish.\nset -e\n",
	       ntasks, p->nsrc, p->shards);
	printf("srcs=\"");
	for (int i = 0; i < p->nsrc; i++) {
		printf("%s", i ? " " : "");
		shq(p->src[i]);
	}
	printf("\"\nout=");
	shq(p->out);
	printf("\nmkdir -p \"$out\"\n");
	printf("scan=$(sbatch --parsable --job-name=dredge-scan --array=0-%u "
	       "--cpus-per-task=%u --output=\"$out/slurm-%%A_%%a.out\"%s",
	       ntasks - 1, p->cpus, p->partition || p->time ? "" : "");
	if (p->partition) {
		printf(" --partition=");
		shq(p->partition);
	}
	if (p->time) {
		printf(" --time=");
		shq(p->time);
	}
	printf(" <<EOF\n#!/bin/sh\nset -- $srcs\nn=%u\n"
	       "t=\\$SLURM_ARRAY_TASK_ID\neval \"src=\\\\\\${\\$((t / n + 1))}\"\n"
	       "k=\\$((t %% n + 1))\nname=\\$(basename \"\\$src\")\n",
	       p->shards);
	if (p->shards > 1)
		printf("dir=\"$out/\\$name/shard-\\$k\"\nshard=\"--shard \\$k/%u\"\n",
		       p->shards);
	else
		printf("dir=\"$out/\\$name\"\nshard=\n");
	printf("[ -e \"\\$dir/.dredge-shard\" ] && exit 0\n"
	       "if [ -e \"\\$dir/.dredge-checkpoint\" ]; then again=--resume; "
	       "else again=--force; fi\nexec ");
	shq(p->dredge);
	printf(" scan \"\\$src\" -o \"\\$dir\" \\$shard \\$again --threads "
	       "%u --no-progress", p->cpus);
	if (p->scan)
		printf(" %s", p->scan);
	printf("\nEOF\n)\necho \"scan job array: $scan\"\n");
	if (p->shards <= 1)
		return;
	printf("merge=$(sbatch --parsable --job-name=dredge-merge "
	       "--array=0-%d --dependency=afterok:$scan --cpus-per-task=1 "
	       "--output=\"$out/slurm-%%A_%%a.out\"", p->nsrc - 1);
	if (p->partition) {
		printf(" --partition=");
		shq(p->partition);
	}
	printf(" <<EOF\n#!/bin/sh\nset -- $srcs\n"
	       "eval \"src=\\\\\\${\\$((SLURM_ARRAY_TASK_ID + 1))}\"\n"
	       "name=\\$(basename \"\\$src\")\nexec ");
	shq(p->dredge);
	printf(" merge -o \"$out/\\$name/merged\" --force");
	for (unsigned k = 1; k <= p->shards; k++)
		printf(" \"$out/\\$name/shard-%u\"", k);
	printf("\nEOF\n)\necho \"merge job array: $merge (after $scan)\"\n");
}

static void parallel_plan(const struct plan *p)
{
	printf("# %d source(s) x %u shard(s) with GNU parallel; run again to "
	       "resume.\nout=", p->nsrc, p->shards);
	shq(p->out);
	printf("; export out\nparallel --halt soon,fail=1 --line-buffer");
	if (p->jobs)
		printf(" -j %u", p->jobs);
	if (p->sshlogin) {
		printf(" --env out -S ");
		shq(p->sshlogin);
	}
	printf(" \\\n  'd=\"$out\"/$(basename {1})%s; [ -e \"$d/.dredge-shard\" ] "
	       "|| { if [ -e \"$d/.dredge-checkpoint\" ]; then a=--resume; "
	       "else a=--force; fi; %s scan {1} -o \"$d\"",
	       p->shards > 1 ? "/shard-{2}" : "", p->dredge);
	if (p->shards > 1)
		printf(" --shard {2}/%u", p->shards);
	printf(" $a --threads %u --no-progress", p->cpus);
	if (p->scan)
		printf(" %s", p->scan);
	printf("; }' \\\n  ::: ");
	for (int i = 0; i < p->nsrc; i++) {
		shq(p->src[i]);
		putchar(' ');
	}
	if (p->shards > 1)
		printf("::: $(seq 1 %u)", p->shards);
	putchar('\n');
	if (p->shards <= 1)
		return;
	printf("parallel --halt soon,fail=1%s '%s merge -o \"$out\"/$(basename {})"
	       "/merged --force \"$out\"/$(basename {})/shard-*' ::: ",
	       p->sshlogin ? " --env out" : "", p->dredge);
	for (int i = 0; i < p->nsrc; i++) {
		shq(p->src[i]);
		putchar(' ');
	}
	putchar('\n');
}

static int cmd_plan(int argc, char **argv, const char *cmdline)
{
	enum { O_PARTITION = 256, O_TIME, O_DREDGE, O_PARALLEL, O_SCAN };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "shards", required_argument, NULL, 'n' },
		{ "cpus-per-task", required_argument, NULL, 'c' },
		{ "partition", required_argument, NULL, O_PARTITION },
		{ "time", required_argument, NULL, O_TIME },
		{ "dredge", required_argument, NULL, O_DREDGE },
		{ "parallel", no_argument, NULL, O_PARALLEL },
		{ "scan", required_argument, NULL, O_SCAN },
		{ "jobs", required_argument, NULL, 'J' },
		{ "sshlogin", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct plan p = { .dredge = "dredge", .shards = 1, .cpus = 2 };
	int c, parallel = 0;
	char *end;

	(void)cmdline;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:n:c:J:S:h", opts, NULL)) != -1) {
		unsigned long v = 0;
		if (c == 'n' || c == 'c' || c == 'J') {
			v = strtoul(optarg, &end, 10);
			if (*end != '\0' || v == 0 || v > 65536) {
				fprintf(stderr, "dredge: invalid value '%s' for "
				        "-%c\n", optarg, c);
				return EXIT_USAGE;
			}
		}
		switch (c) {
		case 'o': p.out = optarg; break;
		case 'n': p.shards = (unsigned)v; break;
		case 'c': p.cpus = (unsigned)v; break;
		case 'J': p.jobs = (unsigned)v; break;
		case 'S': p.sshlogin = optarg; break;
		case O_PARTITION: p.partition = optarg; break;
		case O_TIME: p.time = optarg; break;
		case O_DREDGE: p.dredge = optarg; break;
		case O_PARALLEL: parallel = 1; break;
		case O_SCAN: p.scan = optarg; break;
		case 'h': plan_usage(stdout); return 0;
		default: plan_usage(stderr); return EXIT_USAGE;
		}
	}
	p.src = argv + optind;
	p.nsrc = argc - optind;
	if (p.out == NULL || p.nsrc == 0) {
		fprintf(stderr, "dredge: plan needs -o DIR and at least one "
		        "source\n");
		plan_usage(stderr);
		return EXIT_USAGE;
	}
	if (parallel)
		parallel_plan(&p);
	else
		slurm_plan(&p);
	return 0;
}

const struct cmd_entry cmd_plan_entry = {
	.name = "plan",
	.usage = "plan SOURCE... -o DIR [--shards N]",
	.about = "print a Slurm job array (or GNU parallel lines) scanning in shards",
	.exec = cmd_plan,
};

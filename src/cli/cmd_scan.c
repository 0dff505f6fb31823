/*
 * cmd_scan.c - `dredge scan SOURCE -o DIR`: the options of a scan, the
 * progress line and the summary around dredge_scan().
 *
 * Exit status: 0 success, 1 the run failed, 2 the command line was wrong,
 * 3 --stop-at was reached, 128+N stopped by signal N (both resumable with
 * --resume).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "dredge.h"
#include "cli/cli_util.h"
#include "cli/scan_repair.h"

#define EXIT_STOPPED 3   /* --stop-at reached; resumable */

/*
 * The first SIGINT or SIGTERM asks the scan to stop cleanly (finish what
 * is in flight, write the reports and a checkpoint); a second one ends the
 * process at once.  The flag is the one piece of global state: a signal
 * handler has nowhere else to put it.
 */
static _Atomic int stop_signal;

static void on_signal(int sig)
{
	static const char msg[] = "\ndredge: stopping after the data in flight "
	                          "(signal again to quit at once)\n";
	int saved = errno;

	if (atomic_exchange(&stop_signal, sig) != 0)
		_exit(128 + sig);
	ssize_t r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)r;
	errno = saved;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void scan_usage(FILE *to)
{
	fprintf(to,
	        "usage: dredge scan SOURCE -o DIR [OPTIONS]\n"
	        "\n"
	        "  -o, --output DIR       folder for recovered files and reports\n"
	        "  -t, --types LIST       comma-separated formats (default: all)\n"
	        "  -j, --threads N        scan and validator workers (default: CPUs)\n"
	        "      --block-size N     candidate starts at multiples of N (512)\n"
	        "      --any-offset       candidate starts at every byte\n"
	        "      --fs               the FAT/exFAT volume: live files from their\n"
	        "                         chains, the rest carved by clusters\n"
	        "      --unallocated      only clusters no live file owns (implies --fs)\n"
	        "      --clusters A-B     only files starting in clusters A to B\n"
	        "  -p, --partition N      the volume in partition N (see 'dredge fs info')\n"
	        "      --offset BYTES     the volume starting at byte BYTES\n"
	        "      --simd VARIANT     any-offset search: auto, scalar, sse2,\n"
	        "                         avx2 or avx512 (default auto, or\n"
	        "                         $DREDGE_SIMD)\n"
	        "      --chunk-size SIZE  bytes per read (default 2M)\n"
	        "      --queue-depth N    reads in flight (default 4)\n"
	        "      --io ENGINE        auto, uring, pread or mmap (default auto)\n"
	        "      --direct MODE      O_DIRECT reads: on, or off/auto (buffered)\n"
	        "      --keep-embedded    keep files found inside other files\n"
	        "      --report-only      write the report but no files\n"
	        "      --hash LIST        digests in the reports: md5, sha1, sha256,\n"
	        "                         comma-separated, or none (default md5,sha256)\n"
	        "      --resume           continue an interrupted scan in DIR\n"
	        "      --stop-at OFFSET   stop (resumably) once reading reaches OFFSET\n"
	        "      --retries N        read unreadable sectors again N times at the end\n"
	        "      --shard K/N        only files starting in the K-th of N equal\n"
	        "                         ranges (then 'dredge merge' the N folders)\n"
	        "      --repair           also write each MP4 clip cut off before its\n"
	        "                         index playable, as NAME.repaired.mp4\n"
	        "      --reference FILE   a whole clip of the same camera for --repair\n"
	        "                         (default: the nearest whole clip recovered)\n"
	        "      --force            write into a folder that holds files\n"
	        "      --progress         progress line even when not a terminal\n"
	        "      --no-progress      no progress line\n"
	        "  -q, --quiet            no summary\n");
}
static int parse_uint(const char *opt, const char *s, uint64_t max,
                      uint64_t *out)
{
	if (cli_parse_size(s, out) != 0 || *out > max) {
		fprintf(stderr, "dredge: invalid value '%s' for %s\n", s, opt);
		return -1;
	}
	return 0;
}

static int parse_simd(const char *what, const char *s, enum dredge_simd *v)
{
	if (dredge_simd_parse(s, v) != 0) {
		fprintf(stderr, "dredge: %s must be auto, scalar, sse2, avx2 or "
		        "avx512, not '%s'\n", what, s);
		return -1;
	}
	return 0;
}

/*
 * Checks a --types list the way the scan reads it: comma-separated names
 * from 'dredge types', or "all".  A list that names nothing ("," or "")
 * is an error, not a scan for nothing.  0, or -1 after saying why.
 */
static int check_types(const char *list)
{
	char name[64];
	size_t n = 0;
	unsigned named = 0;

	if (strcmp(list, "all") == 0)
		return 0;
	for (const char *s = list;; s++) {
		if (*s != ',' && *s != '\0') {
			if (n + 1 < sizeof(name))
				name[n] = *s;
			n++;
			continue;
		}
		if (n > 0) {
			name[n < sizeof(name) ? n : sizeof(name) - 1] = '\0';
			if (n >= sizeof(name) || dredge_format_find(name) < 0) {
				fprintf(stderr, "dredge: unknown file type '%.*s' "
				        "(see 'dredge types')\n", (int)n, s - n);
				return -1;
			}
			named++;
		}
		n = 0;
		if (*s == '\0')
			break;
	}
	if (named == 0) {
		fprintf(stderr, "dredge: --types names no file type (see "
		        "'dredge types')\n");
		return -1;
	}
	return 0;
}

static void warn_line(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "dredge: warning: %s\n", msg);
}

/* The progress line on stderr, redrawn in place. */
static void progress_line(void *arg, const struct dredge_progress *pr)
{
	double rate = pr->seconds > 0 ? (double)pr->done / pr->seconds : 0;
	char eta[32] = "--:--";

	(void)arg;
	if (rate > 0 && pr->done < pr->total) {
		uint64_t left = (uint64_t)((double)(pr->total - pr->done) / rate);
		snprintf(eta, sizeof(eta), "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64,
		         left / 3600, left / 60 % 60, left % 60);
	}
	fprintf(stderr, "\r\033[K%.2f / %.2f GiB  %5.1f%%  %7.1f MB/s  ETA %s  "
	        "files %" PRIu64 "%s", (double)pr->done / (1u << 30),
	        (double)pr->total / (1u << 30),
	        pr->total ? 100.0 * (double)pr->done / (double)pr->total : 100.0,
	        rate / 1e6, eta, pr->files, pr->final ? "\n" : "");
	fflush(stderr);
}

/* Parses "A-B" (or "A") cluster numbers. */
static int parse_clusters(const char *s, uint32_t *a, uint32_t *b)
{
	char *end;
	errno = 0;
	unsigned long x = strtoul(s, &end, 10), y = x;

	if (errno != 0 || end == s || s[0] == '-' || x > UINT32_MAX)
		return -1;
	if (*end == '-') {
		const char *t = end + 1;
		y = strtoul(t, &end, 10);
		if (errno != 0 || end == t || *t == '-' || y > UINT32_MAX)
			return -1;
	}
	if (*end != '\0' || x < 2 || y < x)
		return -1;
	*a = (uint32_t)x;
	*b = (uint32_t)y;
	return 0;
}

static void print_summary(const struct dredge_summary *s,
                          const struct dredge_scan_config *cfg)
{
	double gib = (double)s->bytes_scanned / (1u << 30);
	double rate = s->seconds > 0 ? (double)s->bytes_scanned / s->seconds / 1e6
	              : 0;

	if (s->volume[0] != '\0')
		fprintf(stderr, "dredge: carved the %s\n", s->volume);
	fprintf(stderr, "dredge: scanned %.2f GiB in %.2f s (%.0f MB/s, %s%s)\n",
	        gib, s->seconds, rate, s->io_engine ? s->io_engine : "-",
	        s->direct ? ", O_DIRECT" : "");
	if (s->bytes_skipped >= (1u << 30))
		fprintf(stderr, "dredge: %.2f GiB of it not read: clusters of "
		        "live files, where no file is carved\n",
		        (double)s->bytes_skipped / (1u << 30));
	else if (s->bytes_skipped > 0)
		fprintf(stderr, "dredge: %.1f MiB of it not read: clusters of "
		        "live files, where no file is carved\n",
		        (double)s->bytes_skipped / (1u << 20));
	/* Only a source without a plain descriptor turns io_uring down. */
	if (cfg->io == DREDGE_IO_URING && s->io_engine != NULL &&
	    strcmp(s->io_engine, "pread") == 0)
		fprintf(stderr, "dredge: --io uring: the source (an E01 image or "
		        "a split image) has no single descriptor for io_uring; "
		        "it was read with pread through its own reads\n");
	if (cfg->io == DREDGE_IO_MMAP && s->io_engine != NULL &&
	    strcmp(s->io_engine, "mmap") != 0)
		fprintf(stderr, "dredge: --io mmap: the source is not an image "
		        "file that can be mapped; it was read with %s\n",
		        s->io_engine);
	fprintf(stderr, "dredge: %" PRIu64 " files recovered", s->count.files);
	for (unsigned i = 0; i < s->count.ntypes; i++)
		fprintf(stderr, "%s%" PRIu64 " %s", i ? ", " : " (",
		        s->count.per_type[i].count, s->count.per_type[i].ext);
	fprintf(stderr, "%s; %" PRIu64 " truncated, %" PRIu64
	        " duplicates, %" PRIu64 " unreadable ranges\n",
	        s->count.ntypes ? ")" : "", s->count.truncated,
	        s->count.duplicates,
	        s->bad_ranges);
	if (s->count.reassembled > 0)
		fprintf(stderr, "dredge: %" PRIu64 " files reassembled from "
		        "fragments\n", s->count.reassembled);
	if (s->bad_ranges > 0 || s->count.files_unreadable > 0 ||
	    s->reread_bytes > 0)
		fprintf(stderr, "dredge: unreadable: %" PRIu64 " bytes, read as "
		        "zeros; %" PRIu64 " read on retry; %" PRIu64 " of the "
		        "files hold some\n", s->bad_bytes, s->reread_bytes,
		        s->count.files_unreadable);
	fprintf(stderr, "dredge: report: %s/report.xml, %s/report.jsonl, "
	        "%s/report.html\n", cfg->outdir, cfg->outdir, cfg->outdir);
}

static int cmd_scan(int argc, char **argv, const char *cmdline)
{
	enum { O_BLOCK = 256, O_ANY, O_CHUNK, O_DEPTH, O_IO, O_DIRECT, O_KEEP,
	       O_REPORT_ONLY, O_FORCE, O_PROGRESS, O_NO_PROGRESS, O_RESUME,
	       O_STOP_AT, O_SIMD, O_FS, O_UNALLOC, O_CLUSTERS, O_OFFSET,
	       O_RETRIES, O_HASH, O_SHARD, O_REPAIR, O_REFERENCE };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "types", required_argument, NULL, 't' },
		{ "threads", required_argument, NULL, 'j' },
		{ "block-size", required_argument, NULL, O_BLOCK },
		{ "any-offset", no_argument, NULL, O_ANY },
		{ "simd", required_argument, NULL, O_SIMD },
		{ "chunk-size", required_argument, NULL, O_CHUNK },
		{ "queue-depth", required_argument, NULL, O_DEPTH },
		{ "io", required_argument, NULL, O_IO },
		{ "direct", required_argument, NULL, O_DIRECT },
		{ "keep-embedded", no_argument, NULL, O_KEEP },
		{ "report-only", no_argument, NULL, O_REPORT_ONLY },
		{ "hash", required_argument, NULL, O_HASH },
		{ "resume", no_argument, NULL, O_RESUME },
		{ "stop-at", required_argument, NULL, O_STOP_AT },
		{ "fs", no_argument, NULL, O_FS },
		{ "unallocated", no_argument, NULL, O_UNALLOC },
		{ "clusters", required_argument, NULL, O_CLUSTERS },
		{ "partition", required_argument, NULL, 'p' },
		{ "offset", required_argument, NULL, O_OFFSET },
		{ "retries", required_argument, NULL, O_RETRIES },
		{ "shard", required_argument, NULL, O_SHARD },
		{ "repair", no_argument, NULL, O_REPAIR },
		{ "reference", required_argument, NULL, O_REFERENCE },
		{ "force", no_argument, NULL, O_FORCE },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "no-progress", no_argument, NULL, O_NO_PROGRESS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dredge_scan_config cfg;
	struct dredge_summary sum;
	int quiet = 0, c, repair = 0;
	const char *reference = NULL;
	uint64_t v;

	dredge_scan_config_init(&cfg);
	cfg.command_line = cmdline;
	/* DREDGE_SIMD forces a variant the way --simd does, so a test suite
	 * can rerun unchanged with each one. */
	const char *env = getenv("DREDGE_SIMD");
	if (env != NULL && *env != '\0' && parse_simd("DREDGE_SIMD", env,
	                                               &cfg.simd) != 0)
		return EXIT_USAGE;
	/* DREDGE_VIEWS: views of the page cache or copies of it, whatever
	 * the measure says (dredge version shows it). */
	env = getenv("DREDGE_VIEWS");
	if (env != NULL && *env != '\0') {
		if (strcmp(env, "on") == 0) {
			cfg.views = DREDGE_VIEWS_ON;
		} else if (strcmp(env, "off") == 0) {
			cfg.views = DREDGE_VIEWS_OFF;
		} else if (strcmp(env, "auto") != 0) {
			fprintf(stderr, "dredge: DREDGE_VIEWS must be auto, on or "
			        "off, not '%s'\n", env);
			return EXIT_USAGE;
		}
	}
	while ((c = getopt_long(argc, argv, "o:t:j:p:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (*optarg == '\0') {
				fprintf(stderr, "dredge: -o needs a folder name, not "
				        "an empty one\n");
				return EXIT_USAGE;
			}
			cfg.outdir = optarg;
			break;
		case 't':
			if (check_types(optarg) != 0)
				return EXIT_USAGE;
			cfg.types = optarg;
			break;
		case 'j':
			if (parse_uint("--threads", optarg, 256, &v) != 0)
				return EXIT_USAGE;
			if (v == 0) {
				fprintf(stderr, "dredge: --threads must be at least 1\n");
				return EXIT_USAGE;
			}
			cfg.threads = (unsigned)v;
			break;
		case O_BLOCK:
			if (parse_uint("--block-size", optarg, 1u << 30, &v) != 0)
				return EXIT_USAGE;
			if (v == 0 || (v & (v - 1)) != 0) {
				fprintf(stderr, "dredge: block size %" PRIu64 " is not "
				        "a power of two\n", v);
				return EXIT_USAGE;
			}
			cfg.block_size = (uint32_t)v;
			break;
		case O_ANY: cfg.any_offset = 1; break;
		case O_SIMD:
			if (parse_simd("--simd", optarg, &cfg.simd) != 0)
				return EXIT_USAGE;
			break;
		case O_CHUNK:
			if (parse_uint("--chunk-size", optarg, UINT64_MAX, &v) != 0)
				return EXIT_USAGE;
			if (v < 65536 || v % 4096 != 0 || v > (1u << 30)) {
				fprintf(stderr, "dredge: chunk size %" PRIu64 " must be "
				        "a multiple of 4096 from 64 KiB to 1 GiB\n", v);
				return EXIT_USAGE;
			}
			cfg.chunk_size = (uint32_t)v;
			break;
		case O_DEPTH:
			if (parse_uint("--queue-depth", optarg, UINT64_MAX, &v) != 0)
				return EXIT_USAGE;
			if (v == 0 || v > 256) {
				fprintf(stderr, "dredge: queue depth %" PRIu64 " must be "
				        "from 1 to 256\n", v);
				return EXIT_USAGE;
			}
			cfg.queue_depth = (unsigned)v;
			break;
		case O_IO:
			if (strcmp(optarg, "auto") == 0)
				cfg.io = DREDGE_IO_AUTO;
			else if (strcmp(optarg, "uring") == 0 ||
			         strcmp(optarg, "io_uring") == 0)
				cfg.io = DREDGE_IO_URING;
			else if (strcmp(optarg, "pread") == 0)
				cfg.io = DREDGE_IO_PREAD;
			else if (strcmp(optarg, "mmap") == 0)
				cfg.io = DREDGE_IO_MMAP;
			else {
				fprintf(stderr, "dredge: --io must be auto, uring, "
				        "pread or mmap, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_DIRECT:
			if (cli_parse_direct(optarg, &cfg.direct) != 0) {
				fprintf(stderr, "dredge: --direct must be auto, on or "
				        "off, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_KEEP: cfg.keep_embedded = 1; break;
		case O_REPORT_ONLY: cfg.report_only = 1; break;
		case O_HASH: {
			char bad[64];
			if (dredge_hash_parse(optarg, &cfg.hashes, bad,
			                      sizeof(bad)) != 0) {
				fprintf(stderr, "dredge: --hash takes md5, sha1, "
				        "sha256 (comma-separated) or none, not "
				        "'%s'\n", bad);
				return EXIT_USAGE;
			}
			break;
		}
		case O_RESUME: cfg.resume = 1; break;
		case O_STOP_AT:
			if (parse_uint("--stop-at", optarg, UINT64_MAX, &v) != 0)
				return EXIT_USAGE;
			cfg.stop_at = v;
			break;
		case O_SHARD: {
			unsigned k, n;
			char end;
			if (sscanf(optarg, "%u/%u%c", &k, &n, &end) != 2 ||
			    k == 0 || n == 0 || k > n || n > 65536) {
				fprintf(stderr, "dredge: --shard takes K/N, 1 <= K "
				        "<= N <= 65536, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			cfg.shard_index = k;
			cfg.shard_count = n;
			break;
		}
		case O_FS: cfg.fs = 1; break;
		case O_UNALLOC: cfg.unallocated = 1; break;
		case O_CLUSTERS:
			if (parse_clusters(optarg, &cfg.cluster_first,
			                   &cfg.cluster_last) != 0) {
				fprintf(stderr, "dredge: --clusters takes A-B, cluster "
				        "numbers from 2 with A <= B, not '%s'\n",
				        optarg);
				return EXIT_USAGE;
			}
			break;
		case 'p':
			if (parse_uint("--partition", optarg, 100000, &v) != 0)
				return EXIT_USAGE;
			if (v == 0) {
				fprintf(stderr, "dredge: partitions are numbered "
				        "from 1\n");
				return EXIT_USAGE;
			}
			cfg.partition = (unsigned)v;
			break;
		case O_OFFSET:
			if (parse_uint("--offset", optarg, UINT64_MAX, &v) != 0)
				return EXIT_USAGE;
			cfg.volume_offset = v;
			cfg.volume_offset_set = 1;
			break;
		case O_RETRIES:
			if (parse_uint("--retries", optarg, 1000, &v) != 0)
				return EXIT_USAGE;
			cfg.retries = (unsigned)v;
			break;
		case O_FORCE: cfg.force = 1; break;
		case O_REPAIR: repair = 1; break;
		case O_REFERENCE: reference = optarg; break;
		case O_PROGRESS: cfg.progress = 1; break;
		case O_NO_PROGRESS: cfg.progress = 0; break;
		case 'q': quiet = 1; break;
		case 'h': scan_usage(stdout); return 0;
		default: scan_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "dredge: scan needs a SOURCE (an image file or "
		        "block device)\n");
		scan_usage(stderr);
		return EXIT_USAGE;
	}
	if (optind + 1 < argc) {
		fprintf(stderr, "dredge: scan takes one SOURCE; unexpected '%s'\n",
		        argv[optind + 1]);
		return EXIT_USAGE;
	}
	if (cfg.outdir == NULL) {
		fprintf(stderr, "dredge: scan needs an output folder (-o DIR)\n");
		return EXIT_USAGE;
	}
	if (reference != NULL && !repair) {
		fprintf(stderr, "dredge: --reference goes with --repair\n");
		return EXIT_USAGE;
	}
	if (cfg.partition != 0 && cfg.volume_offset_set) {
		fprintf(stderr, "dredge: -p and --offset cannot be combined\n");
		return EXIT_USAGE;
	}
	cfg.source = argv[optind];
	cfg.warn = warn_line;
	if (cfg.progress < 0)
		cfg.progress = isatty(STDERR_FILENO);
	cfg.progress_fn = progress_line;
	cfg.stop = &stop_signal;
	catch_signals();

	int rc = dredge_scan(&cfg, &sum);
	if (rc != 0) {
		fprintf(stderr, "dredge: %s\n", sum.error[0] ? sum.error
		        : dredge_strerror(rc));
		if (sum.bytes_scanned > 0 && !quiet)
			print_summary(&sum, &cfg);
		if (sum.interrupted)
			return atomic_load(&stop_signal) ? 128 + atomic_load(&stop_signal)
			       : EXIT_STOPPED;
		return EXIT_FAILURE;
	}
	if (!quiet)
		print_summary(&sum, &cfg);
	if (repair) {
		int n = scan_repair(cfg.outdir, reference);
		if (n < 0)
			return EXIT_FAILURE;
		if (!quiet)
			fprintf(stderr, "dredge: repaired: %d clips cut off "
			        "before their index (%s/report.repair.jsonl)\n",
			        n, cfg.outdir);
	}
	return 0;
}

const struct cmd_entry cmd_scan_entry = {
	.name = "scan",
	.usage = "scan SOURCE -o DIR [OPTIONS]",
	.about = "recover files from an image or device",
	.exec = cmd_scan,
};

/*
 * cmd_bench.c - `dredge bench SOURCE`: how fast a device can be read
 * (io_uring, O_DIRECT, a grid of block sizes and queue depths, with latency
 * percentiles, and the cores each setting kept busy) and how much of that
 * rate a scan keeps, with the block size and depth the scan read with.  Read-only, and
 * bounded by --seconds or --bytes per setting so a huge drive is sampled
 * quickly.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "dredge.h"
#include "cli/cli_util.h"

static void bench_usage(FILE *to)
{
	fprintf(to,
	        "usage: dredge bench SOURCE [OPTIONS]\n"
	        "\n"
	        "      --seconds S      time per setting (default 2)\n"
	        "      --bytes SIZE     bytes per setting at most\n"
	        "      --sizes LIST     block sizes (default 64K,256K,1M,4M)\n"
	        "      --depths LIST    queue depths (default 1,4,16)\n"
	        "      --direct MODE    auto (default), on, off\n"
	        "      --no-scan        skip the scan pass\n"
	        "      --json           one JSON object on stdout\n");
}

/* Parses "a,b,c" into out[0..max); returns the count or -1. */
static int parse_list(const char *s, uint64_t *out, unsigned max)
{
	char *copy = strdup(s), *save = NULL;
	int n = 0;

	if (copy == NULL)
		return -1;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if ((unsigned)n == max || cli_parse_size(t, &out[n]) != 0) {
			free(copy);
			return -1;
		}
		n++;
	}
	free(copy);
	return n;
}

static void human(uint64_t v, char *buf, size_t len)
{
	if (v >= (1u << 20) && v % (1u << 20) == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(v >> 20));
	else if (v >= 1024 && v % 1024 == 0)
		snprintf(buf, len, "%lluK", (unsigned long long)(v >> 10));
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

static void print_json(const char *source, const struct dredge_bench_result *r)
{
	printf("{\"source\":\"");
	for (const char *p = source; *p; p++) {
		if (*p == '"' || *p == '\\')
			putchar('\\');
		if ((unsigned char)*p >= 0x20)
			putchar(*p);
	}
	printf("\",\"size\":%llu,\"direct\":%s,\"settings\":[",
	       (unsigned long long)r->source_size, r->direct ? "true" : "false");
	for (unsigned i = 0; i < r->nrows; i++) {
		const struct dredge_bench_row *w = &r->rows[i];
		printf("%s{\"block_size\":%u,\"depth\":%u,\"bytes\":%llu,"
		       "\"seconds\":%.6f,\"mbps\":%.1f,\"lat_p50_us\":%.1f,"
		       "\"lat_p99_us\":%.1f,\"lat_max_us\":%.1f,\"cpu\":%.3f}",
		       i ? "," : "", w->size, w->depth,
		       (unsigned long long)w->bytes, w->seconds, w->mbps,
		       w->lat_p50_us, w->lat_p99_us, w->lat_max_us, w->cpu);
	}
	printf("],\"best\":%u", r->best);
	if (r->scanned)
		printf(",\"scan\":{\"block_size\":%u,\"depth\":%u,"
		       "\"bytes\":%llu,\"seconds\":%.6f,\"mbps\":%.1f,"
		       "\"files\":%llu,\"share_of_best\":%.3f,\"cpu\":%.3f,"
		       "\"read_cpu\":%.3f}", r->scan_size, r->scan_depth,
		       (unsigned long long)r->scan_bytes, r->scan_seconds,
		       r->scan_mbps, (unsigned long long)r->scan_files,
		       r->rows[r->best].mbps > 0
		       ? r->scan_mbps / r->rows[r->best].mbps : 0, r->scan_cpu,
		       r->scan_read_cpu);
	printf("}\n");
}

static void print_table(const char *source, const struct dredge_bench_result *r)
{
	char b[32];

	printf("dredge bench: %s (%.2f GiB, %s)\n", source,
	       (double)r->source_size / (1u << 30),
	       r->direct ? "O_DIRECT" : "buffered: O_DIRECT refused, the page "
	       "cache may flatter these numbers");
	printf("%8s %6s %10s %10s %10s %10s %6s\n", "block", "depth", "MB/s",
	       "p50 us", "p99 us", "max us", "cores");
	for (unsigned i = 0; i < r->nrows; i++) {
		const struct dredge_bench_row *w = &r->rows[i];
		human(w->size, b, sizeof(b));
		printf("%8s %6u %10.1f %10.1f %10.1f %10.1f %6.2f%s\n", b,
		       w->depth, w->mbps, w->lat_p50_us, w->lat_p99_us,
		       w->lat_max_us, w->cpu, i == r->best ? "  <- best" : "");
	}
	if (r->scanned) {
		const struct dredge_bench_row *w = &r->rows[r->best];
		human(r->scan_size, b, sizeof(b));
		printf("scan pass (every format, %s x %u in flight): %.1f MB/s "
		       "over %.2f GiB = %.1f%% of the best raw rate; %.2f cores "
		       "(reader %.2f); %llu files found\n", b, r->scan_depth,
		       r->scan_mbps, (double)r->scan_bytes / (1u << 30),
		       w->mbps > 0 ? 100.0 * r->scan_mbps / w->mbps : 0,
		       r->scan_cpu, r->scan_read_cpu,
		       (unsigned long long)r->scan_files);
	}
}

static int cmd_bench(int argc, char **argv, const char *cmdline)
{
	enum { O_SECONDS = 256, O_BYTES, O_SIZES, O_DEPTHS, O_DIRECT, O_NOSCAN,
	       O_JSON };
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, O_SECONDS },
		{ "bytes", required_argument, NULL, O_BYTES },
		{ "sizes", required_argument, NULL, O_SIZES },
		{ "depths", required_argument, NULL, O_DEPTHS },
		{ "direct", required_argument, NULL, O_DIRECT },
		{ "no-scan", no_argument, NULL, O_NOSCAN },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dredge_bench_config cfg;
	struct dredge_bench_result res;
	uint64_t list[DREDGE_BENCH_MAX_SIZES];
	int json = 0, c, n;
	char *end;

	dredge_bench_config_init(&cfg);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_SECONDS:
			cfg.seconds = strtod(optarg, &end);
			if (*end != '\0' || !(cfg.seconds > 0)) {
				fprintf(stderr, "dredge: invalid value '%s' for "
				        "--seconds\n", optarg);
				return 2;
			}
			break;
		case O_BYTES:
			if (cli_parse_size(optarg, &cfg.bytes) != 0 || cfg.bytes == 0) {
				fprintf(stderr, "dredge: invalid value '%s' for "
				        "--bytes\n", optarg);
				return 2;
			}
			break;
		case O_SIZES:
			n = parse_list(optarg, list, DREDGE_BENCH_MAX_SIZES);
			for (int i = 0; n > 0 && i < n; i++)
				if (list[i] < 4096 || list[i] % 4096 ||
				    list[i] > (64u << 20))
					n = -1;
			if (n <= 0) {
				fprintf(stderr, "dredge: --sizes takes up to %d sizes, "
				        "multiples of 4K up to 64M\n",
				        DREDGE_BENCH_MAX_SIZES);
				return 2;
			}
			cfg.nsizes = (unsigned)n;
			for (int i = 0; i < n; i++)
				cfg.sizes[i] = (uint32_t)list[i];
			break;
		case O_DEPTHS:
			n = parse_list(optarg, list, DREDGE_BENCH_MAX_DEPTHS);
			for (int i = 0; n > 0 && i < n; i++)
				if (list[i] == 0 || list[i] > 256)
					n = -1;
			if (n <= 0) {
				fprintf(stderr, "dredge: --depths takes up to %d "
				        "depths from 1 to 256\n", DREDGE_BENCH_MAX_DEPTHS);
				return 2;
			}
			cfg.ndepths = (unsigned)n;
			for (int i = 0; i < n; i++)
				cfg.depths[i] = (unsigned)list[i];
			break;
		case O_DIRECT:
			if (cli_parse_direct(optarg, &cfg.direct) != 0) {
				fprintf(stderr, "dredge: --direct must be auto, on or "
				        "off, not '%s'\n", optarg);
				return 2;
			}
			break;
		case O_NOSCAN: cfg.scan = 0; break;
		case O_JSON: json = 1; break;
		case 'h': bench_usage(stdout); return 0;
		default: bench_usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "dredge: bench needs one SOURCE (an image file or "
		        "block device)\n");
		return 2;
	}
	cfg.source = argv[optind];
	int rc = dredge_bench(&cfg, &res);
	if (rc != 0) {
		fprintf(stderr, "dredge: %s\n", res.error[0] ? res.error
		        : strerror(-rc));
		return 1;
	}
	if (json)
		print_json(cfg.source, &res);
	else
		print_table(cfg.source, &res);
	return 0;
}

const struct cmd_entry cmd_bench_entry = {
	.name = "bench",
	.usage = "bench SOURCE [OPTIONS]",
	.about = "raw read and scan throughput",
	.exec = cmd_bench,
};

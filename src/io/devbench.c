/*
 * devbench.c - the raw-read grid and the scan pass behind `dredge bench`:
 * dredge_bench() of dredge.h.
 *
 * Each setting reads sequentially from the start of the source with a
 * fixed number of reads in flight, until its time or byte budget is spent
 * or the source ends.  Latency is the time from a read's submission to its
 * completion; up to DEVBENCH_SAMPLES latencies per setting are kept for the
 * percentiles (reservoir sampling beyond that, seeded, so memory stays
 * fixed).  Each setting also records the CPU the process spent on it, as
 * cores kept busy, so a rate bought with a whole core shows as such.
 *
 * The scan pass reads with the best setting's block size and at least
 * two reads in flight.  A setting with one read in flight is measured by
 * a loop that submits the next read the moment the last completes; the
 * scan's reader thread shares the CPUs with the scan workers and is woken
 * late, and with a single read in flight the device idles meanwhile (the
 * scan pass got about half the raw rate that way).  A second read keeps
 * the device busy across that wakeup; the table says which depth the scan
 * used.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "dredge.h"
#include "io/reader.h"
#include "io/source.h"

#define DEVBENCH_SAMPLES 65536
#define DEVBENCH_SCAN_MIN_DEPTH 2

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void dredge_bench_config_init(struct dredge_bench_config *cfg)
{
	static const uint32_t sizes[] = { 64u << 10, 256u << 10, 1u << 20,
	                                  4u << 20 };
	static const unsigned depths[] = { 1, 4, 16 };

	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->sizes, sizes, sizeof(sizes));
	cfg->nsizes = sizeof(sizes) / sizeof(sizes[0]);
	memcpy(cfg->depths, depths, sizeof(depths));
	cfg->ndepths = sizeof(depths) / sizeof(depths[0]);
	cfg->seconds = 2.0;
	cfg->scan = 1;
	cfg->direct = -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct slot {
	double t0;
	unsigned index;
};

/* One setting of the grid; 0 or -errno. */
static int run_setting(int fd, uint64_t size, int direct, uint32_t bs,
                       unsigned depth, double budget_s, uint64_t budget_b,
                       uint8_t *mem, double *lat, struct dredge_bench_row *row)
{
	struct io_uring ring;
	struct slot *slots = calloc(depth, sizeof(*slots));
	unsigned *free_ix = calloc(depth, sizeof(*free_ix));
	uint64_t next = 0, done_bytes = 0, nlat = 0, seen = 0;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	unsigned inflight = 0, nfree = depth;
	int rc = io_uring_queue_init(depth, &ring, 0);

	if (rc < 0 || slots == NULL || free_ix == NULL) {
		free(slots);
		free(free_ix);
		return rc < 0 ? rc : -ENOMEM;
	}
	for (unsigned i = 0; i < depth; i++)
		free_ix[i] = i;
	double start = now(), deadline = start + budget_s;
	double cpu0 = rusage_seconds(RUSAGE_SELF);
	int stop = 0;

	while (!stop || inflight > 0) {
		while (!stop && nfree > 0) {
			if (next >= size || now() >= deadline ||
			    (budget_b && next >= budget_b)) {
				stop = 1;
				break;
			}
			uint64_t len = size - next < bs ? size - next : bs;
			if (direct)
				len = (len + 4095) & ~(uint64_t)4095;
			unsigned ix = free_ix[--nfree];
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			io_uring_prep_read(sqe, fd, mem + (size_t)ix * bs,
			                   (unsigned)len, next);
			slots[ix].t0 = now();
			slots[ix].index = ix;
			io_uring_sqe_set_data(sqe, &slots[ix]);
			next += len;
			inflight++;
		}
		if (inflight == 0)
			break;
		struct io_uring_cqe *cqe;
		rc = io_uring_submit_and_wait(&ring, 1);
		if (rc < 0 && rc != -EINTR)
			break;
		rc = 0;
		unsigned head, n = 0;
		io_uring_for_each_cqe(&ring, head, cqe) {
			struct slot *s = io_uring_cqe_get_data(cqe);
			double l = now() - s->t0;
			if (cqe->res < 0 && rc == 0)
				rc = cqe->res;
			else if (cqe->res > 0)
				done_bytes += (uint64_t)cqe->res;
			/* Keep a fixed-size uniform sample of latencies. */
			seen++;
			if (nlat < DEVBENCH_SAMPLES) {
				lat[nlat++] = l;
			} else {
				rng ^= rng << 13;
				rng ^= rng >> 7;
				rng ^= rng << 17;
				uint64_t j = rng % seen;
				if (j < DEVBENCH_SAMPLES)
					lat[j] = l;
			}
			free_ix[nfree++] = s->index;
			inflight--;
			n++;
		}
		io_uring_cq_advance(&ring, n);
		if (rc != 0)
			stop = 1;
	}
	double secs = now() - start;
	double cpu = rusage_seconds(RUSAGE_SELF) - cpu0;
	io_uring_queue_exit(&ring);
	free(slots);
	free(free_ix);
	if (rc != 0)
		return rc;

	row->size = bs;
	row->depth = depth;
	row->bytes = done_bytes;
	row->seconds = secs;
	row->mbps = secs > 0 ? (double)done_bytes / secs / 1e6 : 0;
	row->cpu = secs > 0 ? cpu / secs : 0;
	if (nlat > 0) {
		qsort(lat, nlat, sizeof(*lat), cmp_double);
		row->lat_p50_us = lat[nlat / 2] * 1e6;
		row->lat_p99_us = lat[(nlat * 99) / 100] * 1e6;
		row->lat_max_us = lat[nlat - 1] * 1e6;
	}
	return 0;
}

/* Removes the scratch folder dir and what the scan wrote in it: files
 * only, none of them ours to keep. */
static void scratch_remove(const char *dir)
{
	DIR *d = opendir(dir);
	if (d != NULL) {
		int dfd = dirfd(d);
		const struct dirent *e;
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 &&
			    strcmp(e->d_name, "..") != 0)
				unlinkat(dfd, e->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}

/* The scan pass: a report-only scan of the same bytes with the best
 * setting's block size, at least DEVBENCH_SCAN_MIN_DEPTH reads in flight,
 * into a scratch folder under $TMPDIR (else /tmp) that is removed
 * afterwards with everything in it. */
static int scan_pass(const struct dredge_bench_config *cfg,
                     struct dredge_bench_result *res, uint64_t limit)
{
	char dir[PATH_MAX];
	struct dredge_scan_config sc;
	struct dredge_summary sum;
	const struct dredge_bench_row *best = &res->rows[res->best];
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	if ((size_t)snprintf(dir, sizeof(dir), "%s/dredge-bench-XXXXXX",
	                     tmp) >= sizeof(dir))
		return -ENAMETOOLONG;
	if (mkdtemp(dir) == NULL) {
		int err = errno;
		snprintf(res->error, sizeof(res->error),
		         "scan pass: cannot make a scratch folder in %s: %s",
		         tmp, strerror(err));
		return -err;
	}
	dredge_scan_config_init(&sc);
	sc.source = cfg->source;
	sc.outdir = dir;
	sc.report_only = 1;
	sc.force = 1;
	sc.progress = 0;
	sc.direct = res->direct;
	sc.chunk_size = best->size < 65536 ? 65536 : best->size;
	sc.queue_depth = best->depth < DEVBENCH_SCAN_MIN_DEPTH
	                 ? DEVBENCH_SCAN_MIN_DEPTH : best->depth;
	sc.stop_at = limit < res->source_size ? limit : 0;
	double cpu0 = rusage_seconds(RUSAGE_SELF);
	int rc = dredge_scan(&sc, &sum);
	double cpu = rusage_seconds(RUSAGE_SELF) - cpu0;
	if (rc == -EINTR && sum.interrupted)
		rc = 0;   /* stopped at the budget, as asked */
	if (rc == 0) {
		res->scanned = 1;
		res->scan_bytes = sum.bytes_scanned;
		res->scan_seconds = sum.seconds;
		res->scan_files = sum.count.files;
		res->scan_mbps = sum.seconds > 0
		                 ? (double)sum.bytes_scanned / sum.seconds / 1e6 : 0;
		res->scan_size = sc.chunk_size;
		res->scan_depth = sc.queue_depth;
		res->scan_cpu = sum.seconds > 0 ? cpu / sum.seconds : 0;
		res->scan_read_cpu = sum.seconds > 0
		                     ? sum.reader_cpu / sum.seconds : 0;
	} else {
		snprintf(res->error, sizeof(res->error), "scan pass: %s",
		         sum.error);
	}
	scratch_remove(dir);
	return rc;
}

int dredge_bench(const struct dredge_bench_config *cfg, struct dredge_bench_result *res)
{
	struct source src;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = source_open(&src, cfg->source, cfg->direct == 0 ? 0 : 1,
	                 res->error, sizeof(res->error));
	if (rc != 0)
		return rc;
	res->source_size = src.size;
	res->direct = source_fd(&src, 1) >= 0;
	if (cfg->direct == 1 && !res->direct) {
		snprintf(res->error, sizeof(res->error), "'%s' refuses O_DIRECT",
		         cfg->source);
		source_close(&src);
		return -EINVAL;
	}
	/* The measuring loop reads the descriptor itself: the raw speed of
	 * the device is what it measures. */
	int fd = source_fd(&src, res->direct);
	uint64_t size = src.size;
	if (fd < 0) {
		snprintf(res->error, sizeof(res->error), "cannot measure '%s' "
		         "(%s): bench measures the reads of a device or raw "
		         "image through its descriptor, and this source has "
		         "none; time 'dredge scan' on it instead", cfg->source,
		         src.ops->kind);
		source_close(&src);
		return fd;
	}
	uint32_t maxbs = 0;
	unsigned maxdepth = 0;
	for (unsigned i = 0; i < cfg->nsizes; i++)
		if (cfg->sizes[i] > maxbs)
			maxbs = cfg->sizes[i];
	for (unsigned i = 0; i < cfg->ndepths; i++)
		if (cfg->depths[i] > maxdepth)
			maxdepth = cfg->depths[i];
	uint8_t *mem = NULL;
	double *lat = malloc(DEVBENCH_SAMPLES * sizeof(*lat));
	if (lat == NULL ||
	    posix_memalign((void **)&mem, 4096, (size_t)maxbs * maxdepth) != 0) {
		free(lat);
		source_close(&src);
		return -ENOMEM;
	}

	uint64_t furthest = 0;
	for (unsigned s = 0; s < cfg->nsizes && rc == 0; s++) {
		for (unsigned d = 0; d < cfg->ndepths && rc == 0; d++) {
			struct dredge_bench_row *row = &res->rows[res->nrows];
			rc = run_setting(fd, size, res->direct, cfg->sizes[s],
			                 cfg->depths[d], cfg->seconds, cfg->bytes,
			                 mem, lat, row);
			if (rc == -EINVAL && res->direct && cfg->direct != 1) {
				/* O_DIRECT opened but reads refuse it. */
				res->direct = 0;
				fd = source_fd(&src, 0);
				rc = run_setting(fd, size, 0, cfg->sizes[s],
				                 cfg->depths[d], cfg->seconds,
				                 cfg->bytes, mem, lat, row);
			}
			if (rc != 0) {
				snprintf(res->error, sizeof(res->error),
				         "reading '%s' failed: %s", cfg->source,
				         strerror(-rc));
				break;
			}
			if (row->bytes > furthest)
				furthest = row->bytes;
			if (row->mbps > res->rows[res->best].mbps)
				res->best = res->nrows;
			res->nrows++;
		}
	}
	free(mem);
	free(lat);
	source_close(&src);
	if (rc == 0 && cfg->scan && res->nrows > 0)
		rc = scan_pass(cfg, res, furthest ? furthest : size);
	return rc;
}

/*
 * devbench.h - "how fast can this device be read, and scanned?"
 *
 * Reads the source read-only with io_uring across a small grid of block
 * sizes and queue depths (O_DIRECT where the source accepts it, so the
 * page cache does not flatter the numbers), recording throughput and the
 * latency of every read, then runs a bounded scan pass with the best
 * setting to show how much of the raw rate a scan keeps.
 */
#ifndef DREDGE_IO_DEVBENCH_H
#define DREDGE_IO_DEVBENCH_H

#include <stdint.h>

#define DEVBENCH_MAX_SIZES 8
#define DEVBENCH_MAX_DEPTHS 8

struct devbench_config {
	const char *source;
	uint32_t sizes[DEVBENCH_MAX_SIZES];   /* block sizes, bytes */
	unsigned nsizes;
	unsigned depths[DEVBENCH_MAX_DEPTHS];
	unsigned ndepths;
	double seconds;       /* budget per setting */
	uint64_t bytes;       /* budget per setting (0: none) */
	int scan;             /* run the scan pass */
	int direct;           /* -1 auto (try O_DIRECT), 0 off, 1 required */
};

struct devbench_row {
	uint32_t size;
	unsigned depth;
	uint64_t bytes;
	double seconds;
	double mbps;
	double lat_p50_us, lat_p99_us, lat_max_us;
};

struct devbench_result {
	uint64_t source_size;
	int direct;           /* whether O_DIRECT was in effect */
	unsigned nrows;
	struct devbench_row rows[DEVBENCH_MAX_SIZES * DEVBENCH_MAX_DEPTHS];
	unsigned best;        /* index of the fastest row */
	int scanned;          /* the scan pass ran */
	uint64_t scan_bytes;
	double scan_seconds;
	double scan_mbps;
	uint64_t scan_files;  /* files the scan pass found */
	char error[512];
};

/* Fills cfg with the default grid (64K..4M x depth 1..16, 2 s each). */
void devbench_config_init(struct devbench_config *cfg);

/* Runs the benchmark; 0 or -errno with res->error set. */
int devbench_run(const struct devbench_config *cfg, struct devbench_result *res);

#endif

/* cmd_bench.h - `dredge bench SOURCE`: raw read and scan throughput. */
#ifndef DREDGE_CLI_CMD_BENCH_H
#define DREDGE_CLI_CMD_BENCH_H

int cmd_bench(int argc, char **argv);

#endif

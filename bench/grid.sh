#!/usr/bin/env bash
# grid.sh - chooses dredge's read defaults: times dredge (jpg, io_uring,
# all CPUs) on the sparse image for every chunk size and queue depth,
# hot and cold, median of --runs, and names the best pair for each cache
# state next to the current default (4M, depth 4).  The images, checks
# and options are run.sh's:
#   bench/grid.sh [--size 4G] [--runs 3] [--chunks 1M,2M,4M,8M,16M]
#                 [--depths 2,4,8] [--states hot,cold] [--grid-image dense]
exec bash "$(dirname "$0")/run.sh" --grid "$@"

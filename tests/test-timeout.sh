#!/bin/sh
# test-timeout.sh - runs one test of `make check` under a time limit.
#
# The TAP log compilers call it with the test's command line.  A test that
# outlives the limit is killed (with everything it started: timeout runs
# it in its own process group), and the TAP stream gets a "Bail out!" line
# naming the test, so a hang fails the suite instead of stalling it.
#
# The limit, DREDGE_TEST_TIMEOUT seconds (default 600), is generous: ten
# times or more what the slowest test takes in a sanitizer build.
limit=${DREDGE_TEST_TIMEOUT:-600}
for last in "$@"; do :; done
timeout -k 10 "$limit" "$@"
rc=$?
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	echo "Bail out! $last timed out after $limit s (DREDGE_TEST_TIMEOUT)"
	echo "test-timeout: $last timed out after $limit s" >&2
fi
exit "$rc"

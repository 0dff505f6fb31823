#!/bin/sh
# test-timeout.sh - runs one test of `make check` under a time limit.
#
# The TAP log compilers call it with the test's command line.  A test that
# outlives the limit is killed (with everything it started: timeout runs
# it in its own process group), and the TAP stream gets a "Bail out!" line
# naming the test, so a hang fails the suite instead of stalling it.
#
# The limit, DREDGE_TEST_TIMEOUT seconds, is by default 600, and 1200 in
# a sanitizer build (DREDGE_SANITIZED, from make check): the slowest test,
# the front+rear dashcam cards of dash_pair.sh, takes about a minute in a
# plain build and several under ThreadSanitizer sharing the cores.
if [ -n "${DREDGE_SANITIZED:-}" ]; then
	limit=${DREDGE_TEST_TIMEOUT:-1200}
else
	limit=${DREDGE_TEST_TIMEOUT:-600}
fi
for last in "$@"; do :; done
timeout -k 10 "$limit" "$@"
rc=$?
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	echo "Bail out! $last timed out after $limit s (DREDGE_TEST_TIMEOUT)"
	echo "test-timeout: $last timed out after $limit s" >&2
fi
exit "$rc"

#!/bin/sh
# The test harness itself: every test runs under a time limit, and a test
# that hangs is killed, with what it started, and named.
. "$srcdir/tests/e2e/tap.sh"
tap_workdir harness
wrap="$srcdir/tests/test-timeout.sh"

cat >"$work/hang.sh" <<'HANG'
echo "ok 1 - started"
sleep 300 &
echo $! >"$1"
wait
HANG
t0=$(date +%s)
DREDGE_TEST_TIMEOUT=2 sh "$wrap" sh "$work/hang.sh" "$work/child" \
	>"$work/out" 2>"$work/err"
rc=$?
t1=$(date +%s)
is "$rc" 124 "a hanging test: status 124"
check "a hanging test: stopped within the limit and the grace period" \
	test $((t1 - t0)) -lt 30
is "$(tail -1 "$work/out")" "Bail out! $work/child timed out after 2 s (DREDGE_TEST_TIMEOUT)" \
	"a hanging test: the TAP stream bails out naming the test"
sleep 1
# gone, or a zombie its new parent has not reaped yet
state=$(ps -o stat= -p "$(cat "$work/child")" 2>/dev/null)
case $state in ""|Z*) gone=0 ;; *) gone=1 ;; esac
ok "$gone" "a hanging test: what it started is killed too"

printf 'echo "ok 1 - fine"\necho 1..1\n' >"$work/fine.sh"
DREDGE_TEST_TIMEOUT=20 sh "$wrap" sh "$work/fine.sh" >"$work/out" 2>&1
is "$?" 0 "a test within the limit: its own status"
is "$(cat "$work/out")" "ok 1 - fine
1..1" "a test within the limit: its output untouched"
printf 'exit 3\n' >"$work/fail.sh"
DREDGE_TEST_TIMEOUT=20 sh "$wrap" sh "$work/fail.sh" >/dev/null 2>&1
is "$?" 3 "a failing test: its own status"

tap_done

#!/bin/sh
# Builds the libFuzzer targets (make fuzz) and runs each for a bounded
# number of inputs, starting from its saved corpus in tests/fuzz/corpus
# (read only: new inputs go to a scratch folder).  Prints one TAP line per
# target; exits non-zero when a target could not be built or found a crash.
#   tests/fuzz/smoke.sh BUILDDIR [RUNS]
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
runs=${2:-20000}
n=0
failed=0
if ! make -C "$build" fuzz >"$build/fuzz-build.log" 2>&1; then
	echo "not ok 1 - make fuzz (see $build/fuzz-build.log)"
	echo "1..1"
	exit 1
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for bin in "$build"/fuzz/fuzz_*; do
	name=${bin##*/fuzz_}
	n=$((n + 1))
	mkdir -p "$scratch/$name"
	if (cd "$scratch" && timeout 300 "$bin" -runs="$runs" -max_len=65536 \
	    "$scratch/$name" "$src/tests/fuzz/corpus/$name" \
	    >"$build/fuzz/$name.log" 2>&1); then
		secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' \
		       "$build/fuzz/$name.log")
		echo "ok $n - fuzz_$name: $runs inputs in ${secs:-?} s, no crash"
	else
		echo "not ok $n - fuzz_$name (see $build/fuzz/$name.log)"
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]

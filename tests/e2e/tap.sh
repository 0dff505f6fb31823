# tap.sh - TAP helpers for the shell tests (sourced).
# Each check prints "ok N - what" or "not ok N - what"; tap_done prints
# the plan and exits non-zero when anything failed.
tap_n=0
tap_failed=0

ok() {  # ok CONDITION-EXIT-STATUS DESCRIPTION: returns that status
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		# a check marked as a known failure (TAP TODO) that passes
		# is a plain pass: what a seed happens to make may be easier
		echo "ok $tap_n - ${2%% # TODO*}"
	else
		echo "not ok $tap_n - $2"
		# a known failure (TAP TODO) does not fail the test
		case $2 in *"# TODO"*) ;; *) tap_failed=$((tap_failed + 1)) ;; esac
		return 1
	fi
}

check() {  # check DESCRIPTION COMMAND...: passes when COMMAND succeeds
	desc=$1
	shift
	"$@" >/dev/null 2>&1
	ok $? "$desc"
}

is() {  # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2" | head -40
	fi
}

tap_done() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
	exit $?
}

# skip_all WHY: the whole test is skipped, nothing run.
skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

# A scratch folder in the build tree, removed on exit.
tap_workdir() {
	mkdir -p "$top_builddir/tests/work"
	work=$(mktemp -d "$top_builddir/tests/work/$1.XXXXXX")
	# TAP_KEEP=1 keeps it, to look into a failure
	if [ -n "${TAP_KEEP:-}" ]; then
		echo "# work folder kept: $work"
	else
		trap 'rm -rf "$work"' EXIT
	fi
}

# A scratch folder as tap_workdir's with a mount point in it, $mnt, for the
# tests that make file systems on loop devices: on exit the one mounted
# there ($mounted 1) is unmounted and the loop devices in $loops are
# detached before the folder goes.
tap_mountdir() {
	tap_workdir "$1"
	mnt=$work/mnt
	mkdir -p "$mnt"
	loops=""
	mounted=0
	trap tap_unmount EXIT
}

tap_unmount() {
	[ "$mounted" -eq 1 ] && umount "$mnt"
	for l in $loops; do losetup -d "$l"; done
	[ -n "${TAP_KEEP:-}" ] || rm -rf "$work"
}

MKIMAGE="$top_builddir/tests/tools/mkimage"
XXH128SUM="$top_builddir/tests/tools/xxh128sum"
DATA="$srcdir/tests/data"

#!/bin/sh
# End to end: the bash completion (src/cli/dredge.bash) that make install
# puts in bash-completion's folder.  It is sourced into a bash that calls
# its function as bash would, with the built dredge first on the line:
# commands from `dredge help`, scan's options from its --help and their
# fixed values, formats from `dredge types` in a comma list, fs's
# subcommands, and files and folders.
. "$srcdir/tests/e2e/tap.sh"
if ! command -v bash >/dev/null 2>&1; then
	echo "1..0 # SKIP no bash"
	exit 0
fi
tap_workdir completion
mkdir -p "$work/dir/sub" && : >"$work/dir/card.img"

# comp WORD...: the completions bash would offer for the last WORD
comp() {
	bash -c '
		. "$1/src/cli/dredge.bash"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_dredge
		printf "%s\n" "${COMPREPLY[@]}" | sort
	' comp "$srcdir" "$DREDGE" "$@" 2>&1
}
words() { tr '\n' ' ' | sed 's/ $//'; }

cmds=$("$DREDGE" help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }' | sort)
is "$(comp "" | grep -v '^help$' | words)" "$(printf '%s\n' $cmds | words)" \
   "the commands are dredge help's"
is "$(comp s | words)" "scan" "'s' completes to scan"
is "$(comp scan --i | words)" "--io" "scan --i: --io"
scanopts=$(comp scan --)
for o in --output --types --threads --any-offset --io --direct --simd \
         --unallocated --report-only --resume; do
	case " $(printf '%s\n' "$scanopts" | words) " in
	*" $o "*) ok 0 "scan -- offers $o" ;;
	*) ok 1 "scan -- offers $o" ;;
	esac
done
is "$(comp scan img --io "" | words)" "auto mmap pread uring" "--io's values"
is "$(comp scan img --direct "" | words)" "auto off on" "--direct's values"
is "$(comp scan img --simd a | words)" "auto avx2 avx512" "--simd's values"
types=$("$DREDGE" types | awk 'NR > 1 { print $1 }' | sort | words)
is "$(comp scan img --types "" | words)" "$types" "--types: dredge types' names"
pnames=$("$DREDGE" types | awk 'NR > 1 && $1 ~ /^p/ { print "jpeg," $1 }' |
	sort | words)
is "$(comp scan img -t jpeg,p | words)" "$pnames" \
   "--types completes the last item of a comma list"
is "$(comp fs "" | words)" "cat export info ls" "fs's subcommands"
is "$(comp fs ls img --bo | words)" "--body" "fs ls --bo: --body"
is "$(comp scan "$work/dir/c" | words)" "$work/dir/card.img" "a file"
is "$(comp scan "$work/dir/card.img" -o "$work/dir/" | words)" \
   "$work/dir/sub" "-o completes folders only"
tap_done

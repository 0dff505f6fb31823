#!/bin/sh
# The source tree keeps the shape src/README.md gives it: every folder it
# names exists and opens each file with a comment, no file outside them,
# and each file's quoted includes stay within the folders its row allows.
. "$srcdir/tests/e2e/tap.sh"
readme=$srcdir/src/README.md
tap_workdir layout

# "| `folder` | ... | allowed allowed ... |" rows of the table.
rules=$(sed -n 's/^| `\([a-z]*\)` | .* | \([a-z ]*\) |$/\1:\2/p' "$readme")
[ -n "$rules" ]
ok $? "src/README.md has the folder table"

allowed_for() { echo "$rules" | sed -n "s/^$1://p"; }
dredge_h="pipeline out io fs scan cli"

for dir in "$srcdir"/src/*/; do
	d=$(basename "$dir")
	[ -n "$(allowed_for "$d")" ]
	ok $? "src/$d is a folder src/README.md names"
done

echo "$rules" | tr ':' ' ' > "$work/rules"
while read -r d _; do
	[ -d "$srcdir/src/$d" ]
	ok $? "src/$d exists"
	allowed=$(allowed_for "$d")
	bad=""
	nocomment=""
	for f in "$srcdir/src/$d"/*.[ch]; do
		[ -f "$f" ] || continue
		head -1 "$f" | grep -q '^/\*' || nocomment="$nocomment $(basename "$f")"
		for inc in $(sed -n 's/^#[ \t]*include[ \t]*"\([^"]*\)".*/\1/p' "$f"); do
			case $inc in
			config.h) continue ;;
			dredge.h)
				case " $dredge_h " in *" $d "*) continue ;; esac
				bad="$bad $(basename "$f"):$inc"
				continue ;;
			*/*) part=${inc%%/*} ;;
			*) part=$d ;;  # same folder
			esac
			case " $allowed " in
			*" $part "*) ;;
			*) bad="$bad $(basename "$f"):$inc" ;;
			esac
		done
	done
	is "${bad# }" "" "src/$d includes only: $allowed"
	is "${nocomment# }" "" "src/$d: every file opens with a comment"
done < "$work/rules"

# Nothing is left at the top of src/ but this README.
stray=$(find "$srcdir/src" -maxdepth 1 -type f ! -name README.md | wc -l)
is "$stray" 0 "no source files directly in src/"

tap_done

#!/bin/sh
# The README's first command ends here: builds a sample drive image from
# the real sample files in tests/data, scattered between seeded random
# data, and recovers them with dredge.
#   tests/demo.sh BUILDDIR
# DREDGE names another dredge to run (an installed one, say); the image is
# made with BUILDDIR's tests/tools/mkimage all the same.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
dredge=${DREDGE:-$build/src/dredge}
img=$build/sample.img
out=$build/recovered

plants=""
off=$((64 * 1024))
for f in "$src"/tests/data/*/*; do
	case "$f" in *.sh|*/.keep) continue ;; esac
	[ -f "$f" ] || continue
	plants="$plants $f@$off"
	size=$(wc -c <"$f")
	# The next file starts a little past this one, on a sector boundary.
	off=$(( (off + size + 4096 + 511) / 512 * 512 ))
done
"$build/tests/tools/mkimage" -o "$img" -z $((off + 1024 * 1024)) -s 2026 $plants
echo "sample image: $img ($(wc -c <"$img") bytes, $(echo $plants | wc -w) files planted)"
rm -rf "$out"
"$dredge" scan "$img" -o "$out"
echo
echo "recovered into $out:"
(cd "$out" && find . -type f ! -name 'report.*' | sort | sed 's|^\./|  |')

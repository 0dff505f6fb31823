#!/bin/sh
# Re-makes the 7z samples used by tests/unit/test_sevenzip.c.
# Needs: 7z (p7zip-full, or 7zip's 7z).
#   lzma2.7z     7z -mx=9: LZMA2 streams, compressed (encoded) header
#   plain.7z     -mhc=off: the header stored as it is (kHeader)
#   stored.7z    -mx=0: Copy method, two files and a folder
set -eu
cd "$(dirname "$0")"
out=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f ./*.7z

stamp=202401020304.05
mkdir -p "$tmp/files/sub"
cd "$tmp/files"
seq 1 2000 > numbers.txt
printf 'dredge 7z sample\n' > readme.txt
printf 'nested\n' > sub/nested.txt
find . -exec touch -t $stamp {} +
7z a -bd -bso0 -t7z -mx=9 "$out/lzma2.7z" numbers.txt readme.txt
7z a -bd -bso0 -t7z -mx=5 -mhc=off "$out/plain.7z" readme.txt numbers.txt
7z a -bd -bso0 -t7z -mx=0 "$out/stored.7z" readme.txt sub

cd "$out"
for f in *.7z; do
	7z t -bso0 "$f"
done

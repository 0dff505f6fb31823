#!/bin/sh
# Re-makes the tar samples used by tests/unit/test_tar.c and
# tests/e2e/scan_all.sh.  Needs: GNU tar (1.34 made these).
#   ustar.tar   POSIX ustar: two text files in a directory
#   gnu.tar     GNU format: a member whose name is longer than 100 bytes
#               (a 'L' long-name header before it) and a symbolic link
#   pax.tar     POSIX pax: a name longer than 100 bytes (in an 'x' header)
#               and a file with non-ASCII text
#   empty.tar   ustar with a single empty file
# Member contents are plain text, so that a scan finds nothing else inside
# the archives.  Owners, times and order are fixed so that the bytes are
# the same on every run; every archive is padded to GNU tar's 10240-byte
# record.
set -eu
cd "$(dirname "$0")"
out=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f ./*.tar

cd "$tmp"
mkdir -p docs
printf 'The quick brown fox jumps over the lazy dog.\n' >docs/fox.txt
i=0
while [ $i -lt 40 ]; do
	printf 'line %d of a small text file kept in a tar archive\n' $i
	i=$((i + 1))
done >docs/lines.txt
long=a_directory_with_a_rather_long_name_for_testing/and_a_file_name_that_takes_the_path_past_one_hundred_bytes.txt
mkdir -p "$(dirname "$long")"
printf 'A file whose path does not fit the 100-byte name field.\n' >"$long"
ln -s ../docs/fox.txt "$(dirname "$long")/fox-link"
printf 'Gr\303\274\303\237e aus dem Archiv.\n' >docs/gruss.txt
: >empty.txt

opts="--mtime=2024-01-02T03:04:05Z --owner=0 --group=0 --numeric-owner
	--sort=name --mode=go-w"
tar $opts --format=ustar -cf "$out/ustar.tar" docs/fox.txt docs/lines.txt
tar $opts --format=gnu -cf "$out/gnu.tar" "$long" \
	"$(dirname "$long")/fox-link"
tar $opts --format=pax \
	--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
	-cf "$out/pax.tar" "$long" docs/gruss.txt
tar $opts --format=ustar -cf "$out/empty.tar" empty.txt

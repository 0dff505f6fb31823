#!/bin/sh
# Re-makes the gzip samples used by tests/unit/test_gzip.c.
# Needs: GNU gzip, GNU tar, python3 (standard library only).
#   numbers.gz    gzip -9 with the original name and mtime in the header:
#                 dynamic Huffman blocks
#   hello.gz      gzip -n of a short line: one fixed Huffman block, no name
#   random.gz     gzip -1 of seeded pseudo-random bytes: stored blocks
#   members.gz    two members (gzip -c a; gzip -c b) one after the other
#   archive.tgz   tar -cz of a small folder (the tar inside is not seen)
#   python.gz     python3's gzip module (name, mtime, XFL 2, OS 255)
set -eu
cd "$(dirname "$0")"
out=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f ./*.gz ./*.tgz

stamp=202401020304.05
cd "$tmp"
seq 1 3000 > numbers.txt
printf 'hello, dredge\n' > hello.txt
python3 -c '
import random, sys
r = random.Random(1952)
sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(70000)))
' > random.bin
printf 'first member\n' > a.txt
seq 1 200 > b.txt
mkdir -p dir/sub
seq 1 500 > dir/one.txt
printf 'two\n' > dir/sub/two.txt
find . -exec touch -t $stamp {} +

gzip -9 -k numbers.txt && mv numbers.txt.gz "$out/numbers.gz"
gzip -n -c hello.txt > "$out/hello.gz"
gzip -1 -n -c random.bin > "$out/random.gz"
{ gzip -9 -c a.txt; gzip -9 -c b.txt; } > "$out/members.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@1704164645 \
	-cf - dir | gzip -9 -n > "$out/archive.tgz"
python3 -c '
import gzip, sys
with open(sys.argv[1], "wb") as f:
    with gzip.GzipFile("python.txt", "wb", 6, f, mtime=1704164645) as g:
        g.write(b"written by python3 gzip\n" * 40)
' "$out/python.gz"

cd "$out"
for f in *.gz *.tgz; do
	gzip -t "$f"
done

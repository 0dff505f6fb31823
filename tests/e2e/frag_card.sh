#!/bin/sh
# A camera card whose deleted photos are fragmented (card_make.sh): shots
# deleted, later shots written round the live ones and deleted in turn,
# one more shot taking some of their clusters.  A plain scan of the card
# (no file-system options) must bring back every deleted photo that
# survives whole, byte-exact, the fragmented ones with their runs in the
# volume's clusters and the status reassembled; a scan of the free
# clusters (--unallocated) too; and neither may call a file whole that
# is no photo written.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
. "$srcdir/tests/e2e/card_make.sh"
need_tools ffmpeg mkfs.vfat mcopy mdel mshowfat
tap_workdir frag_card
XXH128SUM="$top_builddir/tests/tools/xxh128sum"
MKIMAGE="$top_builddir/tests/tools/mkimage"

img=$work/card.img
make_card "$img" "$work" 3 16 8 65536 20 12 1
ok $? "card: FAT16, 4 KiB clusters, 64 MiB, 33 shots in three rounds"
nfrag=$(awk '$2 == "fragmented" && $3 == "yes"' "$work/deleted" | wc -l)
check "card: at least 3 deleted photos survive fragmented ($nfrag)" \
	test "$nfrag" -ge 3
check "card: a deleted photo was overwritten in part" \
	grep -q ' no ' "$work/deleted"
ds=$(D fs info "$img" | sed -n 's/^  data start: *//p')
cs=4096

# whole_of DIR: "HASH NAME" of every file DIR's report calls whole
whole_of() {
	sed -n 's/.*"filename":"\([^"]*\)".*"status":"\(complete\|reassembled\)".*/\1/p' \
		"$1/report.jsonl" | while read -r n; do
		echo "$("$XXH128SUM" "$1/$n" | cut -d' ' -f1) $n"
	done
}

# byte_runs RUNS SIZE: the JSONL runs of a file in those clusters
byte_runs() {
	awk -v r="$1" -v size="$2" -v ds="$ds" -v cs="$cs" 'BEGIN {
		n = split(r, x, ","); off = 0; out = ""
		for (i = 1; i <= n && off < size; i++) {
			split(x[i], p, "-"); if (p[2] == "") p[2] = p[1]
			len = (p[2] - p[1] + 1) * cs
			if (off + len > size) len = size - off
			out = out (out == "" ? "" : ",") sprintf("{\"offset\":%d,\"img_offset\":%d,\"len\":%d}", off, ds + (p[1] - 2) * cs, len)
			off += len
		}
		print "[" out "]" }'
}

for mode in sectors unallocated; do
	out=$work/out.$mode
	opt=
	[ $mode = unallocated ] && opt=--unallocated
	# shellcheck disable=SC2086
	D scan "$img" -o "$out" -q $opt 2>"$work/err"
	ok $? "$mode: scan exits 0"
	whole_of "$out" >"$work/whole.$mode"
	while read -r h kind survives path runs; do
		[ "$survives" = yes ] || continue
		name=$(awk -v h="$h" '$1 == h { print $2; exit }' "$work/whole.$mode")
		check "$mode: $path ($kind, clusters $runs) is recovered byte-exact" \
			test -n "$name"
		[ -n "$name" ] || continue
		[ "$kind" = fragmented ] || continue
		line=$(grep -F "\"filename\":\"$name\"" "$out/report.jsonl")
		size=$(echo "$line" | sed 's/.*"size":\([0-9]*\).*/\1/')
		is "$(echo "$line" | sed 's/.*"runs":\(\[[^]]*\]\).*/\1/')" \
			"$(byte_runs "$runs" "$size")" "$mode: $path: its runs"
		is "$(echo "$line" | sed 's/.*"status":"\([a-z]*\)".*/\1/')" \
			reassembled "$mode: $path: status reassembled"
	done <"$work/deleted"
	cut -d' ' -f1 "$work/shots" | sort >"$work/hashes"
	bad=$(cut -d' ' -f1 "$work/whole.$mode" | sort |
	      comm -23 - "$work/hashes" | wc -l | tr -d ' ')
	is "$bad" 0 "$mode: every file called whole is a photo written"
	rm -rf "$out"
done

tap_done

#!/bin/sh
# End to end: a deleted exFAT folder that grew around another file.  The
# folder /OLD takes every other free cluster (exfat_put mkdir N frag), a
# file fills the clusters between, twelve files are written into /OLD (so
# its entry sets run over three clusters, one set across a cluster's end),
# then everything is deleted, the file between too, so the clusters
# between hold free data that is no folder's.  With the folder's FAT chain
# intact, dredge follows it; with it cleared (as a driver may leave it,
# or damage), the folder's later clusters are found by what they hold:
# entry sets of the same folder, checksums matching, dates alike; never
# by taking the clusters after the first.  The truth is exfat_put's runs,
# recorded before deletion, and fsck.exfat checks the writer.
. "$srcdir/tests/e2e/tap.sh"
. "$srcdir/tests/e2e/fs_lib.sh"
need_tools mkfs.exfat fsck.exfat
tap_workdir fs_exfat_dir
PUT="$top_builddir/tests/tools/exfat_put"
img=$work/ex.img
c=$work/src
mkdir -p "$c"
names="01 02 03 04 05 06 07 08 09 10 11 12"

truncate -s 8M "$img" && mkfs.exfat -c 512 "$img" >/dev/null &&
"$PUT" "$img" mkdir /OLD 3 frag &&
content "$c/between" 1024 51 && "$PUT" "$img" put "$c/between" /between fill &&
for i in $names; do
	content "$c/f$i" 600 "6$i" &&
	"$PUT" "$img" put "$c/f$i" "/OLD/file_$i.bin" contig || break
done &&
fsck.exfat -n "$img" >/dev/null 2>&1
ok $? "exfat_put wrote a three-cluster folder around another file; fsck.exfat finds it clean"

dir_runs=$("$PUT" "$img" runs /OLD | sed 's/+1//g')
case $dir_runs in *,*,*) r=1 ;; *) r=0 ;; esac
is "$r" 1 "/OLD lies in three separate clusters ($dir_runs)"
l=$(D fs ls "$img" -r)
is "$(printf '%s\n' "$l" | grep -c ' /OLD/file_')" 12 "live: fs ls lists the twelve files"

for i in $names; do "$PUT" "$img" rm "/OLD/file_$i.bin" || break; done &&
"$PUT" "$img" rm /OLD && "$PUT" "$img" rm /between &&
fsck.exfat -n "$img" >/dev/null 2>&1
ok $? "all deleted; fsck.exfat finds the image clean"

# deleted_ok WHAT: the deleted folder lists all twelve, each byte-exact
deleted_ok() {
	l=$(D fs ls "$img" -r --deleted)
	is "$(ls_field "$l" /OLD 7)" "$dir_runs" "$1: the deleted /OLD's clusters"
	is "$(printf '%s\n' "$l" | grep -c '^D .* /OLD/file_')" 12 "$1: fs ls --deleted lists all twelve files"
	for i in $names; do
		D fs cat "$img" "/OLD/file_$i.bin" >"$work/cat" 2>"$work/err"
		is "$?:$(cat "$work/err")" "0:" "$1: fs cat file_$i.bin exits 0"
		check "$1: ... byte-exact" cmp -s "$work/cat" "$c/f$i"
	done
}
deleted_ok "FAT chain intact"

# Clear the folder's FAT entries: nothing says where it goes on.
fat=$(( $(od -An -t u4 -j 80 -N 4 "$img" | tr -d ' ') * 512 ))
for cl in $(printf '%s' "$dir_runs" | tr ',' ' '); do
	patch "$img" $((fat + 4 * cl)) 00000000
done
deleted_ok "FAT chain cleared"

tap_done

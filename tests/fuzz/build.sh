#!/bin/sh
# Builds one libFuzzer binary per format, fuzz_fat for the partition
# table and FAT/exFAT parsers, fuzz_grid for the placing of MP4 clips on a
# cluster grid, and fuzz_chain for the chained reassembly of cut-off
# clips, with clang, ASan and UBSan:
#   tests/fuzz/build.sh BUILDDIR [FORMAT...|fat|grid|chain]
# BUILDDIR is a configured build folder (for config.h); the binaries go to
# BUILDDIR/fuzz/fuzz_FORMAT.  Without FORMAT arguments every format listed
# in src/formats/formats.def is built.  Run one with, for example:
#   BUILDDIR/fuzz/fuzz_jpeg -max_total_time=300 CORPUS_COPY tests/fuzz/corpus/jpeg
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: build.sh BUILDDIR [FORMAT...]}
shift
build=$(cd "$build" && pwd)
CLANG=${CLANG:-clang}
command -v "$CLANG" >/dev/null || { echo "build.sh: $CLANG not found (install clang)" >&2; exit 1; }
names=$*
[ -n "$names" ] || names="$(sed -n 's/^FORMAT(\([a-z0-9_]*\))$/\1/p' "$src/src/formats/formats.def") fat grid chain"
formats=$(sed -n 's/^FORMAT(\([a-z0-9_]*\))$/\1/p' "$src/src/formats/formats.def")
mkdir -p "$build/fuzz"
lib_sources="$src/src/formats/run.c $src/src/common/bread.c $src/src/common/crc32.c $src/src/common/zeros.c $src/src/common/find.c $src/src/io/source.c $src/src/io/source_raw.c $src/src/io/source_split.c $src/src/io/source_ewf_none.c $src/src/io/source_map.c $src/src/formats/registry.c $src/tests/unit/fmt_util.c"
for f in $formats; do
	lib_sources="$lib_sources $src/src/formats/$f.c"
done
# The files formats share beside their own (jpeg_decode.c); of the H.264
# slice decoder's two back-ends, the one the build folder was configured
# with (libavcodec's is loaded with dlopen: only its headers are needed).
if grep -q '^#define HAVE_LIBAVCODEC 1' "$build/config.h"; then
	skip=h264_decode_none.c
	avcodec_cflags=$(pkg-config --cflags libavcodec libavutil)
else
	skip=h264_decode_av.c
	avcodec_cflags=
fi
for f in "$src"/src/formats/*.c; do
	case " $lib_sources " in
	*" $f "*) ;;
	*) [ "${f##*/}" = "$skip" ] || lib_sources="$lib_sources $f" ;;
	esac
done
# Every source is compiled once, two or more at a time, into objects the
# targets share; each target then compiles only its own harness and
# links.  Library objects are instrumented for coverage without
# libFuzzer's main (fuzzer-no-link); the harnesses link it in.
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -std=gnu11 -I$build -I$src/include -I$src/src -I$src/tests/unit $avcodec_cflags $(pkg-config --cflags libxxhash zlib)"
libs=$(pkg-config --libs libxxhash zlib)
fs_sources="$src/src/fs/fs.c $src/src/fs/fat.c $src/src/fs/tsk_none.c $src/src/fs/exfat.c $src/src/fs/part.c"
grid_sources="$src/src/fs/fsview.c $src/src/reassemble/mp4_index.c"
# the chained reassembly, and the reassembly its validated map goes
# through (reasm_trim)
chain_sources="$src/src/reassemble/mp4_chain.c $src/src/reassemble/reassemble.c $src/src/reassemble/frag.c"
obj=$build/fuzz/obj
rm -rf "$obj"
mkdir -p "$obj"
jobs=$(nproc 2>/dev/null || echo 2)
# object name: the source's path under src with / made _
objname() { o=${1#"$src"/}; echo "$obj/$(echo "${o%.c}" | tr / _).o"; }
printf '%s\n' $lib_sources $fs_sources $grid_sources $chain_sources |
	while read -r f; do printf '%s %s\n' "$f" "$(objname "$f")"; done |
	xargs -P "$jobs" -n 2 sh -c '"$0" -c '"$cflags"' -fsanitize=fuzzer-no-link '"$san"' "$1" -o "$2" || exit 255' "$CLANG"
objs_of() { for f in "$@"; do objname "$f"; done; }
lib_objs=$(objs_of $lib_sources)
fs_objs=$(objs_of $fs_sources)
grid_objs=$(objs_of $grid_sources)
chain_objs=$(objs_of $chain_sources)
for name in $names; do
	case $name in
	fat) extra=$fs_objs harness=fuzz_fat.c defs= ;;
	grid) extra="$fs_objs $grid_objs" harness=fuzz_grid.c defs= ;;
	chain) extra="$fs_objs $grid_objs $chain_objs" harness=fuzz_chain.c defs= ;;
	*) extra= harness=fuzz_format.c defs="-DFUZZ_FORMAT=\"$name\"" ;;
	esac
	# shellcheck disable=SC2086
	"$CLANG" $cflags -fsanitize=fuzzer $san $defs \
		"$src/tests/fuzz/$harness" $lib_objs $extra $libs \
		-o "$build/fuzz/fuzz_$name"
	echo "built $build/fuzz/fuzz_$name"
done

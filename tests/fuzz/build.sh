#!/bin/sh
# Builds one libFuzzer binary per format, fuzz_fat for the partition
# table and FAT/exFAT parsers, and fuzz_grid for the placing of MP4 clips
# on a cluster grid, with clang, ASan and UBSan:
#   tests/fuzz/build.sh BUILDDIR [FORMAT...|fat|grid]
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
[ -n "$names" ] || names="$(sed -n 's/^FORMAT(\([a-z0-9_]*\))$/\1/p' "$src/src/formats/formats.def") fat grid"
formats=$(sed -n 's/^FORMAT(\([a-z0-9_]*\))$/\1/p' "$src/src/formats/formats.def")
mkdir -p "$build/fuzz"
lib_sources="$src/src/formats/run.c $src/src/common/bread.c $src/src/common/crc32.c $src/src/io/source.c $src/src/io/source_raw.c $src/src/io/source_split.c $src/src/io/source_ewf_none.c $src/src/io/source_map.c $src/src/formats/registry.c $src/tests/unit/fmt_util.c"
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
for name in $names; do
	if [ "$name" = fat ]; then
		"$CLANG" -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
			-fno-sanitize-recover=undefined \
			-I"$build" -I"$src/include" -I"$src/src" \
			$lib_sources "$src/src/fs/fs.c" "$src/src/fs/fat.c" "$src/src/fs/tsk_none.c" \
			"$src/src/fs/exfat.c" "$src/src/fs/part.c" \
			$(pkg-config --cflags --libs libxxhash zlib) $avcodec_cflags \
			"$src/tests/fuzz/fuzz_fat.c" -o "$build/fuzz/fuzz_fat"
		echo "built $build/fuzz/fuzz_fat"
		continue
	fi
	if [ "$name" = grid ]; then
		"$CLANG" -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
			-fno-sanitize-recover=undefined \
			-I"$build" -I"$src/include" -I"$src/src" \
			$lib_sources "$src/src/fs/fs.c" "$src/src/fs/fat.c" "$src/src/fs/tsk_none.c" \
			"$src/src/fs/exfat.c" "$src/src/fs/part.c" "$src/src/fs/fsview.c" \
			"$src/src/reassemble/mp4_index.c" \
			$(pkg-config --cflags --libs libxxhash zlib) $avcodec_cflags \
			"$src/tests/fuzz/fuzz_grid.c" -o "$build/fuzz/fuzz_grid"
		echo "built $build/fuzz/fuzz_grid"
		continue
	fi
	"$CLANG" -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined \
		-I"$build" -I"$src/include" -I"$src/src" -I"$src/tests/unit" \
		-DFUZZ_FORMAT="\"$name\"" \
		$lib_sources $(pkg-config --cflags --libs libxxhash zlib) \
		$avcodec_cflags "$src/tests/fuzz/fuzz_format.c" \
		-o "$build/fuzz/fuzz_$name"
	echo "built $build/fuzz/fuzz_$name"
done

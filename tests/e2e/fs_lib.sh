# fs_lib.sh - helpers for the file-system tests (sourced after tap.sh).
# Images are made with mkfs.vfat / mkfs.exfat / mtools into the build
# folder; nothing is mounted and nothing is installed here.
PATH=$PATH:/usr/sbin:/sbin
export MTOOLS_SKIP_CHECK=1
export MTOOLS_NO_VFAT=0

need_tools() {  # need_tools TOOL...: skips the whole test when one is missing
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "1..0 # SKIP $t not installed (tests/setup.sh installs it)"
			exit 0
		fi
	done
}

# Every dredge run is bounded: a hang is a failure, not a stuck suite.
# A run killed at its limit exits 124.  Under ThreadSanitizer a sector
# scan of a small card decodes for a minute and more, so sanitizer builds
# (DREDGE_SANITIZED, from make check) give each run five minutes.
if [ -n "${DREDGE_SANITIZED:-}" ]; then D_LIMIT=300; else D_LIMIT=60; fi
D() { timeout "$D_LIMIT" "$DREDGE" "$@"; }

# content FILE SIZE SEED: seeded random bytes
content() { "$MKIMAGE" -o "$1" -z "$2" -s "$3"; }

# ls_field OUTPUT PATH N: field N of the ls line for PATH (path then
# optional "  [notes]" end the line)
ls_line() { printf '%s\n' "$1" | grep -F -- " $2" | grep -E -- " $(printf '%s' "$2" | sed 's/[][\.*^$]/\\&/g')(/)?(  \[.*)?$" | head -1; }
ls_field() { ls_line "$1" "$2" | awk -v n="$3" '{print $n}'; }

# runs_of IMG PATH: the clusters mshowfat gives, as dredge prints runs
runs_of() {
	mshowfat -i "$1" "::$2" | sed 's/^[^<]*//; s/> *</,/g; s/[<>]//g'
}

# minfo_val IMG KEY: a number from minfo's boot sector report
minfo_val() { minfo -i "$1" :: | sed -n "s/^$2: *\([0-9]*\).*/\1/p" | head -1; }

# info_val OUTPUT KEY: the value of "  KEY: value" in fs info output
info_val() { printf '%s\n' "$1" | sed -n "s/^  $2: *//p" | head -1; }

hash() { "$XXH128SUM" "$1" | cut -d' ' -f1; }

# patch IMG OFFSET HEX: overwrite bytes of an image
patch() {
	_oct=""
	for _b in $(printf '%s' "$3" | sed 's/../& /g'); do
		_oct="$_oct$(printf '\\%03o' "0x$_b")"
	done
	printf "$_oct" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# find_bytes IMG STRING: byte offset of the first STRING in IMG
find_bytes() { grep -obUaF -- "$2" "$1" | head -1 | cut -d: -f1; }

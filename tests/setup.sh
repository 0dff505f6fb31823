#!/bin/sh
# Installs what dredge needs to build and test (Debian 12, as root), then
# configures and builds it in ./build.  Extra configure options may be
# given as arguments, e.g. tests/setup.sh --enable-werror.
set -eu
cd "$(dirname "$0")/.."
packages="build-essential autoconf automake pkg-config liburing-dev
	libxxhash-dev libssl-dev libjpeg62-turbo-dev zlib1g-dev libewf-dev ewf-tools libavcodec-dev
	libxml2-utils clang dosfstools exfatprogs mtools fdisk gdisk ffmpeg
	libfuse3-dev fuse3 time sleuthkit debhelper dpkg-dev chromium parallel
	slurm-wlm munge libtsk-dev ntfs-3g e2fsprogs fuse2fs genisoimage xfsprogs"
missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup.sh: missing packages:$missing (run as root to install them)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends $missing
fi
./autogen.sh
mkdir -p build
cd build
# Options given: configure again, so that they are never silently dropped.
if [ ! -f Makefile ] || [ $# -gt 0 ]; then
	../configure "$@"
fi
make -j"$(nproc)"

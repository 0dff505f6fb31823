#!/bin/sh
# Re-makes the RAR samples used by tests/unit/test_rar.c.
# RAR archives cannot be made with free tools (rar is non-free), so these
# are written here byte by byte from the format descriptions (RAR 4.x
# technote, RAR 5.0 archive format), with stored (uncompressed) members
# and every header CRC computed.  Needs: python3 (standard library).
#   v4.rar        RAR 4: marker, main header, two stored files, end block
#   v4large.rar   RAR 4: a file header with the LARGE flag (64-bit sizes)
#                 and a comment sub-block (NEWSUB) with data
#   v5.rar        RAR 5: main header, two stored files (one with an extra
#                 area holding its modification time), end of archive
set -eu
cd "$(dirname "$0")"
rm -f ./*.rar
python3 - <<'PY'
import struct, zlib

def crc(b):
    return zlib.crc32(b) & 0xffffffff

def v4_block(htype, flags, body, add=None):
    """One RAR 4 block header (and its ADD_SIZE when given)."""
    rest = struct.pack("<BHH", htype, flags, 0)
    extra = b"" if add is None else struct.pack("<I", add)
    size = 7 + len(extra) + len(body)
    rest = struct.pack("<BHH", htype, flags, size) + extra + body
    return struct.pack("<H", crc(rest) & 0xffff) + rest

def v4_file(name, data, large=False, htype=0x74):
    flags = 0x8000 | (0x100 if large else 0)
    body = struct.pack("<IBIIBBHI", len(data), 3, crc(data), 0x58226821,
                       29, 0x30, len(name), 0x81a4)
    if large:
        body += struct.pack("<II", 0, 0)
    body += name
    return v4_block(htype, flags, body, add=len(data)) + data

MARK4 = b"Rar!\x1a\x07\x00"
main4 = v4_block(0x73, 0, struct.pack("<HI", 0, 0))
end4 = v4_block(0x7b, 0x4000, b"")

with open("v4.rar", "wb") as f:
    f.write(MARK4 + main4 + v4_file(b"readme.txt", b"dredge rar 4 sample\n")
            + v4_file(b"numbers.txt", "".join("%d\n" % i for i in range(1, 301)).encode())
            + end4)
with open("v4large.rar", "wb") as f:
    f.write(MARK4 + main4
            + v4_file(b"big.txt", b"declared with 64-bit sizes\n" * 8, large=True)
            + v4_file(b"CMT", b"an archive comment", htype=0x7a)
            + end4)

def vint(n):
    out = bytearray()
    while True:
        b = n & 0x7f
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)

def v5_header(htype, flags, fields, extra=b"", data=None):
    """A RAR 5 header: CRC32, size, type, flags, [extra size], [data size]."""
    h = vint(htype) + vint(flags)
    if flags & 1:
        h += vint(len(extra))
    if flags & 2:
        h += vint(len(data))
    h += fields + extra
    sized = vint(len(h)) + h
    return struct.pack("<I", crc(sized)) + sized + (data or b"")

def v5_file(name, data, mtime_extra=False):
    fields = (vint(0x4) + vint(len(data)) + vint(0o644) + struct.pack("<I", crc(data))
              + vint(0) + vint(1) + vint(len(name)) + name)
    extra = b""
    if mtime_extra:
        rec = vint(3) + vint(0x3) + struct.pack("<I", 1704164645)
        extra = vint(len(rec)) + rec
    return v5_header(2, 2 | (1 if extra else 0), fields, extra, data)

with open("v5.rar", "wb") as f:
    f.write(b"Rar!\x1a\x07\x01\x00" + v5_header(1, 0, vint(0))
            + v5_file(b"readme.txt", b"dredge rar 5 sample\n")
            + v5_file(b"dir/numbers.txt", "".join("%d\n" % i for i in range(1, 301)).encode(), True)
            + v5_header(5, 0, vint(0)))
PY

# 7-Zip reads RAR: when it is there, let it test what was written
if command -v 7z >/dev/null; then
	for f in *.rar; do
		7z t -bso0 "$f"
	done
fi

#!/bin/sh
# Re-makes the EVTX samples used by tests/unit/test_evtx.c.
# Event logs are written by Windows only; these are built byte by byte
# from the format description (libevtx's "Windows XML Event Log (EVTX)
# format" document): a file header block and 64 KiB chunks with their
# header and event-record CRCs.  The records are framed as Windows frames
# them (signature, size, identifier, FILETIME, size copy); their payload
# is a short binary XML fragment, not a rendered event.
# Needs: python3 (standard library).
#   one.evtx    one chunk of three records
#   two.evtx    two chunks (records 1-5 and 6-7), the file flagged clean
set -eu
cd "$(dirname "$0")"
rm -f ./*.evtx
python3 - <<'PY'
import struct, zlib

def crc(b):
    return zlib.crc32(b) & 0xffffffff

FILETIME_2024 = 133486382450000000   # 2024-01-02 03:04:05 UTC

def record(num):
    payload = b"\x0f\x01\x01\x00" + ("event %d" % num).encode("utf-16-le") + b"\x00"
    size = 24 + len(payload) + 4
    return (b"\x2a\x2a\x00\x00" + struct.pack("<IQQ", size, num, FILETIME_2024 + num * 10000000)
            + payload + struct.pack("<I", size))

def chunk(first, last):
    recs = b""
    last_off = 0
    for n in range(first, last + 1):
        last_off = 512 + len(recs)
        recs += record(n)
    free = 512 + len(recs)
    tables = bytes(384)
    head = (b"ElfChnk\x00" + struct.pack("<QQQQ", first, last, first, last)
            + struct.pack("<IIII", 128, last_off, free, crc(recs)) + bytes(64)
            + struct.pack("<I", 0))
    assert len(head) == 124
    c = head + struct.pack("<I", crc(head[:120] + tables)) + tables + recs
    return c + bytes(65536 - len(c))

def evtx(chunks, next_id):
    h = (b"ElfFile\x00" + struct.pack("<QQQ", 0, len(chunks) - 1, next_id)
         + struct.pack("<IHHHH", 128, 1, 3, 4096, len(chunks)) + bytes(76)
         + struct.pack("<I", 0))
    assert len(h) == 124
    h += struct.pack("<I", crc(h[:120]))
    return h + bytes(4096 - len(h)) + b"".join(chunks)

open("one.evtx", "wb").write(evtx([chunk(1, 3)], 4))
open("two.evtx", "wb").write(evtx([chunk(1, 5), chunk(6, 7)], 8))
PY

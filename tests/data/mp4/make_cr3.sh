#!/bin/sh
# Writes canon.cr3, a minimal Canon CR3 laid out the way Canon cameras
# write them (ISO-BMFF, brand 'crx '), for tests/unit/test_mp4.c and the
# end-to-end scan.  No Canon file ships in Debian, so this one is built
# from the box layout: ftyp; moov holding the Canon uuid (CNCV, CCTP,
# CTBO, CMT1..CMT4, THMB), mvhd and four tracks (CRAW with a JPEG, CRAW
# small raw, CRAW raw, all handler vide; CTMD timed metadata, handler
# meta) whose co64 offsets point into the mdat; the XMP and PRVW
# (preview) uuid boxes; then the mdat with a 64-bit size.  The JPEGs are
# tests/data/jpeg/gray.jpg; the raw samples are seeded filler, not
# Canon's compressed raw.  Needs python3 only; the output is stable.
set -eu
cd "$(dirname "$0")"
python3 - <<'PY'
import struct

def be16(v): return struct.pack('>H', v)
def be32(v): return struct.pack('>I', v)
def be64(v): return struct.pack('>Q', v)

def box(t, payload):
    return be32(8 + len(payload)) + t + payload

def full(t, ver, flags, payload):
    return box(t, bytes([ver]) + struct.pack('>I', flags)[1:] + payload)

def uuid(u, payload):
    return box(b'uuid', bytes.fromhex(u.replace('-', '')) + payload)

def filler(n, seed):
    out, x = bytearray(), seed
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7fffffff
        out.append((x >> 16) & 0xff)
    return bytes(out)

jpeg = open('../jpeg/gray.jpg', 'rb').read()
CANON = '85c0b687-820f-11e0-8111-f4ce462b6a48'
XMP = 'be7acfcb-97a9-42e8-9c71-999491e3afac'
PRVW = 'eaf42b5e-1c98-4b88-b9fb-b7dc406e4d16'
CTIME = 2082844800 + 1714566896   # 2024-05-01T12:34:56Z, 1904 epoch

def tiff(tag, text):
    # A little-endian TIFF with one ASCII entry, as CMT1..CMT4 hold.
    text = text.encode() + b'\0'
    ifd = struct.pack('<HHHII', 1, tag, 2, len(text), 26) + struct.pack('<I', 0)
    return b'II*\0' + struct.pack('<I', 8) + ifd + text

samples = [jpeg, filler(2048, 1), filler(4096, 2),
           b''.join(struct.pack('<IHBBH', 16 + 8, t, 0, 1, 0) +
                    struct.pack('<HH', 1, 0) + filler(12, 3 + t)
                    for t in (1, 3, 4))]
tracks = [(b'vide', 6000, 4000, b'JPEG'), (b'vide', 3000, 2000, b'CMP1'),
          (b'vide', 6000, 4000, b'CMP1'), (b'meta', 0, 0, None)]

def craw(w, h, kind):
    e = bytes(6) + be16(1) + bytes(16) + be16(w) + be16(h)
    e += be32(0x480000) * 2 + bytes(4) + be16(1) + bytes(32)
    e += be16(0x18) + b'\xff\xff'
    if kind == b'JPEG':
        e += box(b'JPEG', bytes(4))
    else:
        e += box(b'CMP1', be16(0) + be16(0x30) + be32(w) + be32(h) +
                 be32(w // 4) + be32(h // 2) + bytes(36))
        e += box(b'CDI1', bytes(4) + full(b'IAD1', 0, 0, be16(w) + be16(h) +
                                          bytes(28)))
    return box(b'CRAW', e + box(b'free', bytes(2)))

def trak(n, handler, w, h, kind, off, size):
    tkhd = full(b'tkhd', 0, 3, be32(CTIME) * 2 + be32(n) + bytes(4) +
                be32(1) + bytes(8) + bytes(8) +
                b''.join(be32(v) for v in (0x10000, 0, 0, 0, 0x10000, 0,
                                           0, 0, 0x40000000)) +
                be32(w << 16) + be32(h << 16))
    mdhd = full(b'mdhd', 0, 0, be32(CTIME) * 2 + be32(1) + be32(1) +
                be16(0x55c4) + bytes(2))
    hdlr = full(b'hdlr', 0, 0, bytes(4) + handler + bytes(12) + b'\0')
    if handler == b'vide':
        mhd = full(b'vmhd', 0, 1, bytes(8))
        entry = craw(w, h, kind)
    else:
        mhd = full(b'nmhd', 0, 0, b'')
        entry = box(b'CTMD', bytes(6) + be16(1) + bytes(12))
    dinf = box(b'dinf', full(b'dref', 0, 0, be32(1) +
                             full(b'url ', 0, 1, b'')))
    stbl = box(b'stbl',
               full(b'stsd', 0, 0, be32(1) + entry) +
               full(b'stts', 0, 0, be32(1) + be32(1) + be32(1)) +
               full(b'stsc', 0, 0, be32(1) + be32(1) + be32(1) + be32(1)) +
               full(b'stsz', 0, 0, be32(0) + be32(1) + be32(size)) +
               box(b'free', bytes(4)) +
               full(b'co64', 0, 0, be32(1) + be64(off)))
    minf = box(b'minf', mhd + dinf + stbl)
    return box(b'trak', tkhd + box(b'mdia', mdhd + hdlr + minf))

ftyp = box(b'ftyp', b'crx ' + be32(1) + b'crx ' + b'isom')
xmp = uuid(XMP, b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
           b'<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>'
           b'<?xpacket end="w"?>')
prvw = uuid(PRVW, be32(0) + be32(1) +
            box(b'PRVW', be32(0) + be16(1) + be16(1620) + be16(1080) +
                be16(1) + be32(len(jpeg)) + jpeg))

def moov(offs, ctbo):
    cctp = full(b'CCTP', 0, 0, be32(1) + be32(3) + b''.join(
        box(b'CCDT', be64(t) + be32(0) + be32(i + 1))
        for i, t in enumerate((0x10, 0x01, 0x00))))
    ctbo_p = be32(len(ctbo)) + b''.join(
        be32(i + 1) + be64(o) + be64(s) for i, (o, s) in enumerate(ctbo))
    thmb = full(b'THMB', 0, 0, be16(160) + be16(120) + be32(len(jpeg)) +
                be16(0) + be16(1) + jpeg + bytes(-len(jpeg) % 4))
    canon = uuid(CANON,
                 box(b'CNCV', b'CanonCR3_001/00.09.00/00.00.00') + cctp +
                 box(b'CTBO', ctbo_p) + box(b'free', bytes(8)) +
                 box(b'CMT1', tiff(0x10f, 'Canon')) +
                 box(b'CMT2', tiff(0x9003, '2024:05:01 12:34:56')) +
                 box(b'CMT3', tiff(0x0006, 'Canon EOS')) +
                 box(b'CMT4', tiff(0x0000, '')) + thmb)
    mvhd = full(b'mvhd', 0, 0, be32(CTIME) * 2 + be32(1) + be32(1) +
                be32(0x10000) + be16(0x100) + bytes(10) +
                b''.join(be32(v) for v in (0x10000, 0, 0, 0, 0x10000, 0,
                                           0, 0, 0x40000000)) +
                bytes(24) + be32(len(tracks) + 1))
    return box(b'moov', canon + mvhd + b''.join(
        trak(i + 1, *tracks[i], offs[i], len(samples[i]))
        for i in range(len(tracks))))

# Two passes: the offsets have fixed widths, so the moov keeps its size.
size = len(moov([0] * 4, [(0, 0)] * 3))
base = len(ftyp) + size
mdat_at = base + len(xmp) + len(prvw)
offs, o = [], mdat_at + 16
for s in samples:
    offs.append(o)
    o += len(s)
mdat_len = o - mdat_at
ctbo = [(base, len(xmp)), (base + len(xmp), len(prvw)), (mdat_at, mdat_len)]
mv = moov(offs, ctbo)
assert len(mv) == size
mdat = be32(1) + b'mdat' + be64(mdat_len) + b''.join(samples)
open('canon.cr3', 'wb').write(ftyp + mv + xmp + prvw + mdat)
PY

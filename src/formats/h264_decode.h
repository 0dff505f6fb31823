/*
 * h264_decode.h - whether an H.264 sample's slice data are its own.
 *
 * The MP4 validator walks a video sample's NAL units by their length
 * fields; it cannot tell the bytes inside a unit's payload from other
 * bytes, since those are CABAC or CAVLC coded slice data.  When the pieces
 * of a reassembled file meet inside a payload, whether the seam is in the
 * right place is decided by the slice itself:
 *
 *   - decoded alone (slice parsing needs no reference picture), the sample
 *     must give no error and no concealed macroblock: bytes that are not
 *     the slice's make the decoder run off its syntax (a macroblock that
 *     cannot be parsed, a slice that ends before its last macroblock);
 *   - and the slice must read its own last bytes: decoded again with the
 *     last H264_DECODE_TAIL bytes of the unit holding the seam set to
 *     ones, then (when that changed nothing) to zeros, it must not give
 *     the picture it gave as it is both times.
 *     Foreign bytes that happen to parse to the last macroblock almost
 *     never end exactly where the unit does, and then the bytes after
 *     their end are never read.
 *
 * The decoding is libavcodec's (FFmpeg's H.264 decoder), loaded when
 * first needed, so that a scan that judges no seam does not pay for
 * loading it; without it h264_decode_available() is false and every check
 * answers H264_UNKNOWN.  H.265 is not judged: FFmpeg's HEVC decoder
 * reports no such slice as an error.
 */
#ifndef DREDGE_FORMATS_H264_DECODE_H
#define DREDGE_FORMATS_H264_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bread.h"

/* A sample's bytes at most, and the avcC record's. */
#define H264_DECODE_MAX_SAMPLE (16u << 20)
#define H264_DECODE_MAX_CONFIG (64u << 10)
/* Pictures larger than this are not decoded. */
#define H264_DECODE_MAX_PIXELS (4096u * 2304u)
/* Bytes at the end of the unit holding the seam that are overwritten to
 * see whether the slice reads them. */
#define H264_DECODE_TAIL 8u

enum h264_verdict {
	H264_UNKNOWN = 0, /* could not decode, or nothing to judge by */
	H264_CLEAN,       /* the sample decodes, and needs its last bytes */
	H264_BROKEN,      /* it does not, or its slice ended early */
};

/* Whether this build and machine decode at all (libavcodec loads). */
bool h264_decode_available(void);

/*
 * Judges the sample [off, off + size) read through br, made of NAL units
 * with nal_len-byte length fields, with the decoder set up by the avcC
 * record cfg[0..cfg_len); seam is a logical offset inside the sample, and
 * the unit that holds it is the one whose tail is tried (UINT64_MAX: the
 * sample is only decoded).  Bytes the reader could not read make the answer
 * H264_UNKNOWN.  Safe to call from several threads.
 */
enum h264_verdict h264_decode_check(struct bread *br, const uint8_t *cfg,
                                    size_t cfg_len, unsigned nal_len,
                                    uint64_t off, uint64_t size,
                                    uint64_t seam);

#endif

/*
 * h264_decode_none.c - h264_decode.h for a build without libavcodec: no
 * sample is judged, and the MP4 validator keeps to its NAL-unit walk.
 */
#include "config.h"

#include "formats/h264_decode.h"

bool h264_decode_available(void)
{
	return false;
}

enum h264_verdict h264_decode_check(struct bread *br, const uint8_t *cfg,
                                    size_t cfg_len, unsigned nal_len,
                                    uint64_t off, uint64_t size,
                                    uint64_t seam)
{
	(void)br;
	(void)cfg;
	(void)cfg_len;
	(void)nal_len;
	(void)off;
	(void)size;
	(void)seam;
	return H264_UNKNOWN;
}

/*
 * mp4.h - what the ISO-BMFF format offers beyond its descriptor.
 *
 * Reassembly follows a dashcam clip whose movie box was written after a
 * gap: it looks in the clusters past the media data for the box that comes
 * next.  Knowing what such a box looks like is the format's business, so
 * the check lives in mp4.c beside the validator and reassembly calls it.
 */
#ifndef DREDGE_FORMATS_MP4_H
#define DREDGE_FORMATS_MP4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An ISO-BMFF box header. */
struct mp4_box_hdr {
	uint64_t size;      /* header included; room when to_end */
	uint32_t type;
	uint32_t hdr;       /* 8, or 16 with a largesize (a uuid box's
	                       extended type is the caller's) */
	bool to_end;        /* size 0: runs to the end of its container */
};

/*
 * Reads the box header at p, of which have bytes can be read (8 hold a
 * 32-bit size, a largesize needs 16), in a container with room bytes left
 * from p on (what a size of 0 stands for).  Returns 0, or -1 when the
 * header is not in have or its size is below its own length.  The size
 * is not checked against room: callers that need the box whole do.
 */
int mp4_box_header(const uint8_t *p, uint64_t have, uint64_t room,
                   struct mp4_box_hdr *h);

/* Bytes mp4_box_follows_mdat looks at: a box header with its largesize,
 * or the header and the first child's type. */
#define MP4_BOX_PROBE 16

/*
 * Whether the MP4_BOX_PROBE bytes at b look like a top-level box that may
 * follow media data: a movie box whose first child is one a movie box
 * opens with, or the padding and user data written before one.
 */
bool mp4_box_follows_mdat(const uint8_t *b);

/*
 * Walks the media data [lo, end) of br as 4-byte length-prefixed H.264 or
 * H.265 NAL units, stepping over other tracks' chunks (AAC ones checked
 * as the clip's own audio once one is seen), and returns where
 * the last whole video sample ends, or lo when none is vouched for.  For
 * a recording whose index was never written.
 */
struct bread;
uint64_t mp4_nal_walk(struct bread *br, uint64_t lo, uint64_t end);

/*
 * For the same recording, its media data starting at lo and its last
 * whole video sample ending at vouched: where it ends when the bytes from
 * vouched to edge (the end of the cluster vouched lies in, the last one
 * the recorder may have written) are an AAC chunk of the clip's own audio
 * followed only by zeros; vouched when that is not shown.  An AAC frame
 * ends with ID_END and zero bits to the byte, so its last byte is never
 * zero: the clip ends at the last non-zero byte.
 */
uint64_t mp4_aac_tail(struct bread *br, uint64_t lo, uint64_t vouched,
                      uint64_t edge);

/*
 * Whether the n bytes at p open an AAC raw_data_block as an AAC-LC
 * encoder writes it (after any fill or data stream elements, a channel
 * element SCE, CPE or LFE with its ics_info and section data whole within
 * n bytes); *elem is set to that element's id and instance tag
 * (id << 4 | tag), which every frame of one track holds first.
 */
bool mp4_aac_frame_head(const uint8_t *p, size_t n, unsigned *elem);

/*
 * Whether a raw_data_block may end with the byte at p[0] (p[-1] before
 * it when prev): ID_END (the bits 111) then zero bits to the byte, so
 * the byte is never zero.
 */
bool mp4_aac_frame_end(const uint8_t *p, bool prev);

#endif

/*
 * mp4_repair.h - a playable MP4 from a recording whose movie box was never
 * written: the video samples are found by walking the media data as
 * length-prefixed NAL units, and the index is rebuilt around them with
 * the codec setup (sample description, time scale, frame duration) of a
 * reference clip from the same camera.
 */
#ifndef DREDGE_REASSEMBLE_MP4_REPAIR_H
#define DREDGE_REASSEMBLE_MP4_REPAIR_H

#include <stddef.h>
#include <stdint.h>

/* Bounds: media data bytes walked past between two runs of NAL units
 * (another track's chunk), and frames indexed. */
#define MP4_REPAIR_MAX_GAP (8u << 20)
#define MP4_REPAIR_MAX_FRAMES (1u << 22)
#define MP4_REPAIR_LOOK (64u << 10)  /* bytes a NAL unit is checked over */

struct mp4_repair_info {
	uint32_t frames;           /* video samples indexed */
	uint32_t keyframes;
	uint64_t video_bytes;      /* bytes of those samples */
	uint64_t other_bytes;      /* media data stepped over (audio, tails) */
	const char *codec;         /* "H.264" or "H.265" */
};

/*
 * Rebuilds clip[0..clip_len) (an MP4 whose mdat runs to its end, or has
 * a size but no moov after it) into *out (malloc'd, *out_len bytes): its
 * ftyp, its media data as it was, and a movie box with one video track
 * whose setup is the reference's (ref[0..ref_len), a whole MP4 of the same
 * camera).  0, or -EINVAL with a message in err (the clip or the
 * reference cannot be used), or -ENOMEM.
 */
int mp4_repair(const uint8_t *clip, size_t clip_len, const uint8_t *ref,
               size_t ref_len, uint8_t **out, size_t *out_len,
               struct mp4_repair_info *info, char *err, size_t errlen);

#endif

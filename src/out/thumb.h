/*
 * thumb.h - small JPEG thumbnails of recovered photos, for report.html.
 *
 * A thumbnail is made once, when the scan ends, from the file written:
 * the EXIF thumbnail the camera stored when there is one that decodes,
 * else the photo itself decoded by libjpeg-turbo at 1/2 to 1/8 scale (the
 * DCT does the scaling, so most of the picture is never computed), then
 * averaged down to fit THUMB_MAX pixels and encoded small.  Hostile files
 * cost bounded work: libjpeg's memory is capped, huge dimensions are
 * refused, and any decoding error just means no thumbnail.
 */
#ifndef DREDGE_OUT_THUMB_H
#define DREDGE_OUT_THUMB_H

#include <stdint.h>

#define THUMB_MAX 160            /* the longer side, in pixels */

/*
 * Bytes of whole photos (those without a usable EXIF thumbnail) one scan
 * decodes for thumbnails.  Decoding costs about what reading the entropy
 * coded data costs (tens of ms for a 3 MB photo), so a card of such
 * photos would spend longer on thumbnails than on the scan; past the
 * budget the page shows those photos themselves, scaled by the browser.
 * A budget in bytes, not time, keeps the output the same on every run.
 */
#define THUMB_DECODE_BUDGET (16u << 20)

/*
 * Writes a thumbnail of the JPEG file src (relative to dirfd) to dst
 * (relative to dirfd; its folder must exist), through dst.part.  A photo
 * without an EXIF thumbnail is decoded only when its size fits in
 * *budget, which it then uses up.  0, or -errno (-EINVAL: not a JPEG
 * libjpeg can read within the bounds; -EFBIG: over the budget).
 */
int thumb_jpeg(int dirfd, const char *src, const char *dst,
               uint64_t *budget);

/*
 * thumb_jpeg in two halves, for callers that make many thumbnails on
 * several threads and share out the budget themselves, in order, between
 * the two.  thumb_exif makes the thumbnail from the EXIF one: 0, -EAGAIN
 * when there is none that decodes (the photo's size in *size: within the
 * budget, thumb_photo decodes the photo itself), or -errno.  Both are
 * safe to call on several threads at once for different files.
 */
int thumb_exif(int dirfd, const char *src, const char *dst, uint64_t *size);
int thumb_photo(int dirfd, const char *src, const char *dst);

#endif

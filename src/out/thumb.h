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

#define THUMB_MAX 160            /* the longer side, in pixels */

/*
 * Writes a thumbnail of the JPEG file src (relative to dirfd) to dst
 * (relative to dirfd; its folder must exist), through dst.part.  0, or
 * -errno (-EINVAL: not a JPEG libjpeg can read within the bounds).
 */
int thumb_jpeg(int dirfd, const char *src, const char *dst);

#endif

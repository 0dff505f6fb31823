/*
 * thumb.c - JPEG thumbnails with libjpeg-turbo (see thumb.h).
 *
 * libjpeg reports fatal errors through a longjmp out of its error_exit;
 * every call into it happens inside one setjmp frame per decode or
 * encode, and whatever was allocated outside libjpeg is freed on the way
 * out.  Warnings (a truncated file's "premature end of data") are not
 * errors: a photo cut short still gets a thumbnail of what is there.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jpeglib.h>

#include "common/mem.h"
#include "out/regular.h"
#include "out/thumb.h"

#define HEAD_MAX (128u * 1024u)          /* where EXIF is looked for */
#define FILE_MAX (256u << 20)            /* larger photos get none */
#define PIXELS_MAX (200000000ull)        /* width x height decoded */
#define JPEG_MEM_MAX (64l << 20)         /* libjpeg's own allocations */

struct jerr {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
};

static void on_error(j_common_ptr ci)
{
	longjmp(((struct jerr *)ci->err)->jb, 1);
}

static void on_message(j_common_ptr ci)
{
	(void)ci;   /* warnings are not for stderr */
}

static void errors_init(struct jerr *e)
{
	jpeg_std_error(&e->pub);
	e->pub.error_exit = on_error;
	e->pub.output_message = on_message;
}

/* An RGB picture of w x h. */
struct pic {
	unsigned w, h;
	uint8_t *px;
};

/*
 * Decodes the JPEG in buf into a picture no larger than THUMB_MAX a side
 * (box-averaged from a DCT-scaled decode); 0 or -EINVAL.
 */
static int decode_small(const uint8_t *buf, size_t len, struct pic *out)
{
	struct jpeg_decompress_struct ci;
	struct jerr err;
	/* volatile: freed after a longjmp */
	uint32_t *volatile sum = NULL;
	uint32_t *volatile cnt = NULL;
	uint8_t *volatile row = NULL;

	memset(out, 0, sizeof(*out));
	ci.err = NULL;
	errors_init(&err);
	ci.err = &err.pub;
	if (setjmp(err.jb)) {
		jpeg_destroy_decompress(&ci);
		free(sum);
		free(cnt);
		free(row);
		free(out->px);
		out->px = NULL;
		return -EINVAL;
	}
	jpeg_create_decompress(&ci);
	ci.mem->max_memory_to_use = JPEG_MEM_MAX;
	jpeg_mem_src(&ci, buf, (unsigned long)len);
	jpeg_read_header(&ci, TRUE);
	if ((uint64_t)ci.image_width * ci.image_height > PIXELS_MAX ||
	    ci.image_width == 0 || ci.image_height == 0 ||
	    ci.jpeg_color_space == JCS_CMYK || ci.jpeg_color_space == JCS_YCCK)
		longjmp(err.jb, 1);
	ci.out_color_space = JCS_RGB;
	ci.scale_num = 1;
	ci.scale_denom = 1;
	while (ci.scale_denom < 8 &&
	       (ci.image_width / (ci.scale_denom * 2) >= THUMB_MAX ||
	        ci.image_height / (ci.scale_denom * 2) >= THUMB_MAX))
		ci.scale_denom *= 2;
	ci.dct_method = JDCT_IFAST;
	ci.do_fancy_upsampling = FALSE;
	/* A progressive photo: its first scans hold every block's DC
	 * coefficient, all a thumbnail of 1/8 scale or less shows, so only
	 * those are decoded, not the whole photo's later scans. */
	int progressive = jpeg_has_multiple_scans(&ci);
	if (progressive)
		ci.buffered_image = TRUE;
	jpeg_start_decompress(&ci);
	if (progressive) {
		for (unsigned steps = 0;; steps++) {
			int have_dc = 1;
			for (int c = 0; c < ci.num_components; c++)
				have_dc &= ci.coef_bits[c][0] >= 0;
			if (have_dc)
				break;
			int r = jpeg_consume_input(&ci);
			if (r == JPEG_REACHED_EOI || r == JPEG_SUSPENDED ||
			    steps > (1u << 26))
				break;
		}
		jpeg_start_output(&ci, ci.input_scan_number);
	}
	unsigned w = ci.output_width, h = ci.output_height;
	unsigned tw = w, th = h;
	if (tw > THUMB_MAX || th > THUMB_MAX) {
		if (w >= h) {
			tw = THUMB_MAX;
			th = (unsigned)((uint64_t)h * THUMB_MAX / w);
		} else {
			th = THUMB_MAX;
			tw = (unsigned)((uint64_t)w * THUMB_MAX / h);
		}
		tw = tw ? tw : 1;
		th = th ? th : 1;
	}
	sum = calloc((size_t)tw * th * 3, sizeof(*sum));
	cnt = calloc((size_t)tw * th, sizeof(*cnt));
	row = malloc((size_t)w * 3);
	out->px = malloc((size_t)tw * th * 3);
	if (sum == NULL || cnt == NULL || row == NULL || out->px == NULL)
		longjmp(err.jb, 1);
	while (ci.output_scanline < h) {
		JSAMPROW rows[1] = { row };
		unsigned y = ci.output_scanline;
		if (jpeg_read_scanlines(&ci, rows, 1) != 1)
			break;
		unsigned ty = (unsigned)((uint64_t)y * th / h);
		for (unsigned x = 0; x < w; x++) {
			unsigned tx = (unsigned)((uint64_t)x * tw / w);
			size_t k = (size_t)ty * tw + tx;
			sum[3 * k] += row[3 * x];
			sum[3 * k + 1] += row[3 * x + 1];
			sum[3 * k + 2] += row[3 * x + 2];
			cnt[k]++;
		}
	}
	if (progressive) {
		jpeg_finish_output(&ci);
		jpeg_abort_decompress(&ci);
	} else {
		jpeg_finish_decompress(&ci);
	}
	jpeg_destroy_decompress(&ci);
	for (size_t k = 0; k < (size_t)tw * th; k++)
		for (int c = 0; c < 3; c++)
			out->px[3 * k + c] = cnt[k] ? (uint8_t)(sum[3 * k + c] /
			                                        cnt[k]) : 0;
	out->w = tw;
	out->h = th;
	free(sum);
	free(cnt);
	free(row);
	return 0;
}

/* Encodes p as a JPEG into f; 0 or -EINVAL. */
static int encode(const struct pic *p, FILE *f)
{
	struct jpeg_compress_struct ci;
	struct jerr err;

	errors_init(&err);
	ci.err = &err.pub;
	if (setjmp(err.jb)) {
		jpeg_destroy_compress(&ci);
		return -EINVAL;
	}
	jpeg_create_compress(&ci);
	jpeg_stdio_dest(&ci, f);
	ci.image_width = p->w;
	ci.image_height = p->h;
	ci.input_components = 3;
	ci.in_color_space = JCS_RGB;
	jpeg_set_defaults(&ci);
	jpeg_set_quality(&ci, 75, TRUE);
	jpeg_start_compress(&ci, TRUE);
	while (ci.next_scanline < ci.image_height) {
		JSAMPROW rows[1] = { p->px + (size_t)ci.next_scanline * p->w * 3 };
		jpeg_write_scanlines(&ci, rows, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	return 0;
}

static uint16_t rd16(const uint8_t *p, int le)
{
	return le ? mem_le16(p) : mem_be16(p);
}

static uint32_t rd32(const uint8_t *p, int le)
{
	return le ? mem_le32(p) : mem_be32(p);
}

/*
 * Finds the EXIF thumbnail in the first len bytes of a JPEG: the APP1
 * "Exif" segment's second IFD gives its offset and length.  Every offset
 * is checked against the segment.  Returns 0 with *off, *n set, or -1.
 */
static int exif_thumb(const uint8_t *b, size_t len, size_t *off, size_t *n)
{
	size_t pos = 2;

	if (len < 4 || b[0] != 0xFF || b[1] != 0xD8)
		return -1;
	while (pos + 4 <= len && b[pos] == 0xFF) {
		uint8_t m = b[pos + 1];
		size_t seg = mem_be16(b + pos + 2);
		if (m < 0xE0 || m > 0xEF || seg < 2 || pos + 2 + seg > len)
			return -1;
		const uint8_t *s = b + pos + 4;
		size_t slen = seg - 2;
		if (m == 0xE1 && slen >= 14 && memcmp(s, "Exif\0\0", 6) == 0) {
			const uint8_t *t = s + 6;
			size_t tlen = slen - 6;
			int le = t[0] == 'I';
			if ((t[0] != 'I' && t[0] != 'M') || t[1] != t[0])
				return -1;
			uint32_t ifd = rd32(t + 4, le);
			if (ifd < 8 || ifd + 2 > tlen)
				return -1;
			uint32_t ne = rd16(t + ifd, le);
			if ((uint64_t)ifd + 2 + 12ull * ne + 4 > tlen)
				return -1;
			uint32_t ifd1 = rd32(t + ifd + 2 + 12 * ne, le);
			if (ifd1 < 8 || ifd1 == ifd || (uint64_t)ifd1 + 2 > tlen)
				return -1;
			ne = rd16(t + ifd1, le);
			if ((uint64_t)ifd1 + 2 + 12ull * ne > tlen)
				return -1;
			uint32_t at = 0, sz = 0;
			for (uint32_t i = 0; i < ne; i++) {
				const uint8_t *e = t + ifd1 + 2 + 12 * i;
				uint16_t tag = rd16(e, le);
				if (tag == 0x0201)
					at = rd32(e + 8, le);
				else if (tag == 0x0202)
					sz = rd32(e + 8, le);
			}
			if (at == 0 || sz < 4 || (uint64_t)at + sz > tlen)
				return -1;
			*off = (size_t)(t - b) + at;
			*n = sz;
			return 0;
		}
		pos += 2 + seg;
	}
	return -1;
}

/* Reads up to cap bytes of fd from the start into a new buffer. */
static int read_head(int fd, size_t cap, uint8_t **buf, size_t *len)
{
	uint8_t *b = malloc(cap ? cap : 1);
	size_t n = 0;

	if (b == NULL)
		return -ENOMEM;
	while (n < cap) {
		ssize_t r = pread(fd, b + n, cap - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;
			free(b);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = n;
	return 0;
}

/* Writes picture p as a thumbnail to dst (through dst.part) and frees
 * its pixels; 0 or -errno. */
static int put_thumb(int dirfd, const char *dst, struct pic *p)
{
	char part[512];
	int rc;

	snprintf(part, sizeof(part), "%s.part", dst);
	int ofd = openat(dirfd, part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	                 0644);
	FILE *f = ofd >= 0 ? fdopen(ofd, "wb") : NULL;
	if (f == NULL) {
		rc = -errno;
		if (ofd >= 0)
			close(ofd);
		free(p->px);
		return rc;
	}
	rc = encode(p, f);
	free(p->px);
	p->px = NULL;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && renameat(dirfd, part, dirfd, dst) != 0)
		rc = -errno;
	if (rc != 0)
		unlinkat(dirfd, part, 0);
	return rc;
}

/* Opens src for a thumbnail: its descriptor, its size in *size, or
 * -errno (-EINVAL: no regular file, or larger than any photo
 * thumbnailed).  A FIFO put in its place does not block the open. */
static int open_photo(int dirfd, const char *src, uint64_t *size)
{
	struct stat st;
	int fd = openat_regular(dirfd, src, &st);

	if (fd < 0)
		return -errno;
	if ((uint64_t)st.st_size > FILE_MAX) {
		close(fd);
		return -EINVAL;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

int thumb_exif(int dirfd, const char *src, const char *dst, uint64_t *size)
{
	uint8_t *buf = NULL;
	size_t len, off, n;
	struct pic p = { 0 };
	int fd = open_photo(dirfd, src, size), rc;

	if (fd < 0)
		return fd;
	rc = read_head(fd, *size < HEAD_MAX ? (size_t)*size : HEAD_MAX, &buf,
	               &len);
	close(fd);
	if (rc == 0 && (exif_thumb(buf, len, &off, &n) != 0 ||
	                decode_small(buf + off, n, &p) != 0))
		rc = -EAGAIN;
	free(buf);
	return rc != 0 ? rc : put_thumb(dirfd, dst, &p);
}

int thumb_photo(int dirfd, const char *src, const char *dst)
{
	uint8_t *buf = NULL;
	uint64_t size;
	size_t len;
	struct pic p = { 0 };
	int fd = open_photo(dirfd, src, &size), rc;

	if (fd < 0)
		return fd;
	rc = read_head(fd, (size_t)size, &buf, &len);
	close(fd);
	if (rc == 0)
		rc = decode_small(buf, len, &p);
	free(buf);
	return rc != 0 ? rc : put_thumb(dirfd, dst, &p);
}

int thumb_jpeg(int dirfd, const char *src, const char *dst,
               uint64_t *budget)
{
	uint64_t size;
	int rc = thumb_exif(dirfd, src, dst, &size);

	if (rc != -EAGAIN)
		return rc;
	/* No EXIF thumbnail that decodes: the photo itself, within the
	 * budget. */
	if (size > *budget)
		return -EFBIG;
	*budget -= size;
	return thumb_photo(dirfd, src, dst);
}

/*
 * zip.c - ZIP archives, and the formats that are ZIP archives inside:
 * OOXML (docx, xlsx, pptx), ODF (odt, ods, odp, odg), EPUB, JAR and APK.
 *
 * A ZIP file is a run of local entries (a 30-byte local header, the name,
 * an extra field and the member data), then the central directory (one
 * 46-byte header per member), optionally a ZIP64 end record and its
 * locator, and the end-of-central-directory record (22 bytes plus an
 * archive comment).  The validator walks the local entries from the start,
 * then the central directory that must follow them, and accepts the file
 * only when the end record agrees with what was walked: the directory's
 * offset and size (counted from the candidate's start, which is what makes
 * the carved length exact and what tells an archive's first header from
 * its second), the entry count, and the directory entries naming local
 * headers with the same names and data of the same sizes (all of them lie
 * before the directory; the first 64 and then one in 1024 are read back).
 * The file ends after the archive comment.
 *
 * Members written to a stream (general-purpose bit 3) carry their sizes in
 * a data descriptor after the data.  Their end is found by searching for a
 * descriptor whose compressed size equals the distance walked and which is
 * followed by the next header; the central directory then confirms it.
 *
 * Android's APK Signature Scheme v2 and later put a signing block between
 * the last member and the central directory (apksigner may pad the gap
 * before it with zeros to a 4096-byte boundary); it is recognised by its
 * magic and sizes and stepped over.
 *
 * Where the walk breaks (no header where a member's size leads, a central
 * directory naming other offsets) and the reader has not simply ended,
 * the archive may be fragmented: the members are checked again, each
 * one's data against its CRC-32 (stored data directly, deflated data
 * inflated through zlib, which also stops at the first byte that is no
 * deflate code), and the first member whose data fail gives the
 * fragmentation point: the byte where inflating failed, or, when only the
 * CRC or the member's end disagrees, the end of its data.  A reader that
 * asks for every check (bread.thorough) gets the member check on a walk
 * that succeeds too, so that a wrong block inside a member's data is
 * caught, and the first ZIP_CHECK_THOROUGH central directory entries read
 * back against their local headers (not only a sample; each costs the
 * reader's window a jump).  Callers that validate a map someone guessed
 * (reassembly, a volume's free clusters) set it.
 * Members of other methods (bzip2, LZMA) and encrypted ones are checked
 * by their ends only.  When the member that fails is shown wrong only at
 * its end (a stored one, its CRC-32), the verdict says that a map must
 * hold the next record's "PK" there (carve_result.expect), so that the
 * search validates only the gaps that put it there.
 *
 * The specific kind is told by the names inside: "[Content_Types].xml"
 * with word/, xl/ or ppt/ parts, a stored "mimetype" first member for ODF
 * and EPUB, AndroidManifest.xml or classes.dex for APK, and
 * META-INF/MANIFEST.MF for JAR.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "common/crc32.h"
#include "formats/flate.h"
#include "formats/format.h"

#define ZIP_SIG_LOCAL     0x04034b50u   /* PK\3\4 */
#define ZIP_SIG_CENTRAL   0x02014b50u   /* PK\1\2 */
#define ZIP_SIG_DESC      0x08074b50u   /* PK\7\8 */
#define ZIP_SIG_DIGSIG    0x05054b50u   /* PK\5\5 */
#define ZIP_SIG_Z64_END   0x06064b50u   /* PK\6\6 */
#define ZIP_SIG_Z64_LOC   0x07064b50u   /* PK\6\7 */
#define ZIP_SIG_END       0x06054b50u   /* PK\5\6 */

#define ZIP_LOCAL_LEN     30u
#define ZIP_CENTRAL_LEN   46u
#define ZIP_END_LEN       22u
#define ZIP_Z64_LOC_LEN   20u
#define ZIP_Z64_END_MIN   44u          /* record size field, fixed part */

#define ZIP_MAX_ENTRIES   1000000u
#define ZIP_MAX_NAME      4096u        /* longer names are not real paths */
#define ZIP_MAX_Z64_END   (1u << 20)
#define ZIP_CHECK_FIRST   64u          /* local headers checked one by one */
#define ZIP_CHECK_EVERY   1024u        /* ... then one in this many */
#define ZIP_CHECK_THOROUGH 8192u       /* ... or all of these when asked
                                          for every check */
#define ZIP_MAX_SIZE      (1ull << 36)
#define ZIP_MAX_APK_SIG   (64u << 20)  /* an APK signing block */
#define ZIP_APK_SIG_MAGIC "APK Sig Block 42"
#define ZIP_EXTRA_ZIP64   0x0001u
#define ZIP_FLAG_DESC     0x0008u      /* sizes follow the data */
#define ZIP_FLAG_CRYPT    0x0001u      /* encrypted: data not checkable */
#define ZIP_METHOD_STORED 0u
#define ZIP_METHOD_DEFLATE 8u
#define ZIP_INFLATE_OUT   (64u << 10)  /* inflate's output buffer */

/* What the names inside say about the package. */
enum {
	ZIP_HAS_CONTENT_TYPES = 1 << 0,
	ZIP_HAS_WORD          = 1 << 1,
	ZIP_HAS_XL            = 1 << 2,
	ZIP_HAS_PPT           = 1 << 3,
	ZIP_HAS_JAR_MANIFEST  = 1 << 4,
	ZIP_HAS_ANDROID       = 1 << 5,
	ZIP_HAS_APK_SIG_BLOCK = 1 << 6,
};

/* How a step of the walk went. */
enum zip_step {
	ZIP_OK,
	ZIP_CUT,   /* the reader ended inside the structure */
	ZIP_BAD,   /* the bytes there are not the expected structure */
	ZIP_ELSEWHERE, /* consistent, but for an archive starting elsewhere */
};

struct zip_walk {
	struct bread *br;
	uint64_t size;          /* bread_size */
	uint64_t cd_start;      /* where the local entries ended */
	uint32_t nlocal;
	unsigned has;           /* ZIP_HAS_* */
	const char *mime_ext;   /* from a stored "mimetype" first member */
	const char *why;        /* reason of the last ZIP_BAD */
	uint64_t bad_at;        /* ... and the first field it found wrong */
	uint32_t desc_crc;      /* CRC-32 of the last data descriptor found */
	uint64_t desc_at;       /* ... and where it starts */
};

/* What the data of one local entry must match. */
struct zip_member {
	uint64_t data;          /* first byte of the member data */
	uint64_t csize;         /* bytes of member data */
	uint32_t crc;           /* CRC-32 of the uncompressed data */
	uint16_t method;
	bool checkable;         /* not encrypted, crc known */
	bool partial;           /* the reader ends inside: only a byte that
	                           is no deflate data tells */
	bool sized;             /* its size came from its header, so the
	                           next record begins right after it */
};

/* The "mimetype" contents of ODF and EPUB packages. */
static const struct {
	const char *mime;
	const char *ext;
} zip_mimetypes[] = {
	{ "application/vnd.oasis.opendocument.text", "odt" },
	{ "application/vnd.oasis.opendocument.spreadsheet", "ods" },
	{ "application/vnd.oasis.opendocument.presentation", "odp" },
	{ "application/vnd.oasis.opendocument.graphics", "odg" },
	{ "application/epub+zip", "epub" },
};

/* Compression methods of APPNOTE 6.3.10 (and the vendor ones in use). */
static bool zip_method_known(uint16_t m)
{
	return m <= 20 || (m >= 93 && m <= 99);
}

/* Whether every check is asked for: by a caller validating a map someone
 * guessed (reassembly, the free clusters of a volume a file may have
 * used), where the walk alone takes wrong clusters inside a member's data
 * for the member's own. */
static bool zip_every_check(const struct bread *br)
{
	return br->thorough;
}

static bool zip_sig_at(struct zip_walk *w, uint64_t off, uint32_t sig)
{
	uint32_t v;

	return bread_le32(w->br, off, &v) == 0 && v == sig;
}

/*
 * Finds extra-field record id in [off, off+len); sets its data offset and
 * size.  Returns false when absent or when the records are malformed.
 */
static bool zip_extra_find(struct zip_walk *w, uint64_t off, uint32_t len,
                           uint16_t id, uint64_t *data, uint16_t *dlen)
{
	uint64_t end = off + len;

	/* every record is at least 4 bytes, so this bounds the loop */
	while (end - off >= 4) {
		uint16_t rid, rlen;

		if (bread_le16(w->br, off, &rid) != 0 ||
		    bread_le16(w->br, off + 2, &rlen) != 0)
			return false;
		if (rlen > end - off - 4)
			return false;
		if (rid == id) {
			*data = off + 4;
			*dlen = rlen;
			return true;
		}
		off += 4 + (uint64_t)rlen;
	}
	return false;
}

/*
 * An APK signing block at off: its size (not counting the first size
 * field), id-value pairs, the size again, and the magic.  apksigner may
 * align the block to 4096 bytes with zeros before it.  Returns the offset
 * after it, or off when there is none.
 */
static uint64_t zip_apk_sig_block(struct zip_walk *w, uint64_t off)
{
	uint64_t at = off;

	for (int i = 0; i < 2; i++) {
		uint64_t size, size2;
		const uint8_t *m;

		if (i == 1) {
			/* the zero padding up to the next 4096 boundary */
			uint64_t pad = (4096 - (off & 4095)) & 4095;
			const uint8_t *z = bread_peek(w->br, off, (size_t)pad);
			if (pad == 0 || z == NULL)
				break;
			for (uint64_t j = 0; j < pad; j++)
				if (z[j] != 0)
					return off;
			at = off + pad;
		}
		if (bread_le64(w->br, at, &size) != 0 || size < 32 ||
		    size > ZIP_MAX_APK_SIG || at + 8 > w->size ||
		    size > w->size - at - 8)
			continue;
		m = bread_peek(w->br, at + 8 + size - 16, 16);
		if (m == NULL || memcmp(m, ZIP_APK_SIG_MAGIC, 16) != 0)
			continue;
		if (bread_le64(w->br, at + 8 + size - 24, &size2) != 0 ||
		    size2 != size)
			continue;
		w->has |= ZIP_HAS_APK_SIG_BLOCK;
		return at + 8 + size;
	}
	return off;
}

/* Does a record that may follow a member's data start at off? */
static bool zip_follows(struct zip_walk *w, uint64_t off)
{
	return zip_sig_at(w, off, ZIP_SIG_LOCAL) ||
	       zip_sig_at(w, off, ZIP_SIG_CENTRAL) ||
	       zip_apk_sig_block(w, off) != off;
}

/*
 * Is there a data descriptor at p closing member data [d, p), followed by
 * the next header (or an APK signing block)?  z64 says which size width
 * the member should use; the other is tried too, since writers disagree.
 */
static bool zip_desc_at(struct zip_walk *w, uint64_t d, uint64_t p, bool z64,
                        uint64_t *end)
{
	uint64_t dist = p - d;

	for (int i = 0; i < 2; i++) {
		bool wide = (i == 0) == z64;
		uint64_t csize;
		uint64_t len;
		uint32_t v32;

		/* with the optional signature */
		if (zip_sig_at(w, p, ZIP_SIG_DESC)) {
			len = wide ? 24 : 16;
			if (wide ? bread_le64(w->br, p + 8, &csize) != 0 :
			    bread_le32(w->br, p + 8, &v32) != 0)
				continue;
			if (!wide)
				csize = v32;
			if (csize == dist && zip_follows(w, p + len) &&
			    bread_le32(w->br, p + 4, &w->desc_crc) == 0) {
				w->desc_at = p;
				*end = p + len;
				return true;
			}
		}
		/* without it: crc, compressed size, uncompressed size */
		len = wide ? 20 : 12;
		if (wide ? bread_le64(w->br, p + 4, &csize) != 0 :
		    bread_le32(w->br, p + 4, &v32) != 0)
			continue;
		if (!wide)
			csize = v32;
		if (csize == dist && zip_follows(w, p + len) &&
		    bread_le32(w->br, p, &w->desc_crc) == 0) {
			w->desc_at = p;
			*end = p + len;
			return true;
		}
	}
	return false;
}

/*
 * Searches for the data descriptor of a member whose data starts at d.
 * Every candidate is a "PK": a descriptor signature, or the next header
 * with an unsigned descriptor just before it.  ZIP_CUT when none is found
 * before the reader (or a 32-bit descriptor's reach) ends.
 */
static enum zip_step zip_desc_scan(struct zip_walk *w, uint64_t d, bool z64,
                                   uint64_t *end)
{
	uint64_t limit = w->size;

	if (!z64 && limit - d > 0xffffffffull + 64)
		limit = d + 0xffffffffull + 64;
	for (uint64_t at = d; at < limit;) {
		uint64_t p = bread_find(w->br, at, limit, "PK", 2);
		uint8_t b[2];

		if (p == UINT64_MAX)
			break;
		at = p + 1;
		if (bread_read(w->br, p + 2, b, 2) != 2)
			break;
		if (b[0] == 7 && b[1] == 8 && zip_desc_at(w, d, p, z64, end))
			return ZIP_OK;
		if ((b[0] == 3 && b[1] == 4) || (b[0] == 1 && b[1] == 2)) {
			for (uint64_t back = 12; back <= 20; back += 8) {
				if (p - d >= back &&
				    zip_desc_at(w, d, p - back, z64, end) &&
				    *end == p)
					return ZIP_OK;
			}
		}
	}
	return ZIP_CUT;
}

/*
 * Real member names (UTF-8 or an old code page) hold no control
 * characters; random bytes after a stray PK\3\4 almost always do.
 */
static bool zip_name_plausible(struct zip_walk *w, uint64_t off, uint16_t n)
{
	const uint8_t *p = bread_peek(w->br, off, n);

	if (p == NULL)
		return false;
	for (uint16_t i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
	}
	return true;
}

/* Remembers the kind a stored "mimetype" first member declares. */
static void zip_mimetype(struct zip_walk *w, uint64_t data, uint64_t csize)
{
	char buf[64];

	if (csize == 0 || csize >= sizeof(buf))
		return;
	if (bread_read(w->br, data, buf, (size_t)csize) != csize)
		return;
	buf[csize] = '\0';
	for (size_t i = 0; i < sizeof(zip_mimetypes) / sizeof(zip_mimetypes[0]);
	     i++) {
		if (strcmp(buf, zip_mimetypes[i].mime) == 0)
			w->mime_ext = zip_mimetypes[i].ext;
	}
}

/*
 * Walks the local entry at off; on ZIP_OK *next is where the next begins
 * and m (may be NULL) what its data must match.
 */
static enum zip_step zip_local(struct zip_walk *w, uint64_t off,
                               uint64_t *next, struct zip_member *m)
{
	struct zip_member dummy;

	if (m == NULL)
		m = &dummy;
	const uint8_t *h = bread_peek(w->br, off, ZIP_LOCAL_LEN);

	if (h == NULL)
		return ZIP_CUT;
	if (mem_le32(h) != ZIP_SIG_LOCAL) {
		w->why = "no local header";
		return ZIP_BAD;
	}
	uint16_t flags = mem_le16(h + 6);
	uint16_t method = mem_le16(h + 8);
	uint32_t csize32 = mem_le32(h + 18);
	uint32_t usize32 = mem_le32(h + 22);
	uint16_t nlen = mem_le16(h + 26);
	uint16_t xlen = mem_le16(h + 28);

	if (!zip_method_known(method)) {
		w->why = "unknown compression method";
		w->bad_at = off + 8;
		return ZIP_BAD;
	}
	if (nlen == 0 || nlen > ZIP_MAX_NAME) {
		w->why = "bad name length";
		w->bad_at = off + 26;
		return ZIP_BAD;
	}
	uint64_t xoff = off + ZIP_LOCAL_LEN + nlen;
	uint64_t data = xoff + xlen;
	if (data > w->size)
		return ZIP_CUT;
	if (!zip_name_plausible(w, off + ZIP_LOCAL_LEN, nlen)) {
		w->why = "control characters in member name";
		w->bad_at = off + ZIP_LOCAL_LEN;
		return ZIP_BAD;
	}

	uint64_t csize = csize32;
	uint64_t zx;
	uint16_t zlen;
	bool z64 = zip_extra_find(w, xoff, xlen, ZIP_EXTRA_ZIP64, &zx, &zlen);
	if (csize32 == 0xffffffffu || usize32 == 0xffffffffu) {
		/* APPNOTE 4.5.3: the local record holds both sizes, but
		 * take only the marked ones in order if it is short */
		uint64_t at = zx;
		if (!z64) {
			w->why = "ZIP64 sizes missing";
			return ZIP_BAD;
		}
		if (zlen >= 16 || usize32 == 0xffffffffu)
			at += 8;
		if (csize32 == 0xffffffffu && (at + 8 > zx + zlen ||
		    bread_le64(w->br, at, &csize) != 0)) {
			w->why = "ZIP64 sizes missing";
			return ZIP_BAD;
		}
	}

	if (w->nlocal == 0 && method == 0 && nlen == 8 &&
	    !(flags & ZIP_FLAG_DESC)) {
		const uint8_t *n = bread_peek(w->br, off + ZIP_LOCAL_LEN, 8);
		if (n != NULL && memcmp(n, "mimetype", 8) == 0)
			zip_mimetype(w, data, csize);
	}

	m->data = data;
	m->method = method;
	m->checkable = !(flags & ZIP_FLAG_CRYPT);
	m->crc = mem_le32(h + 14);
	m->csize = w->size - data;
	m->partial = true;
	if (flags & ZIP_FLAG_DESC) {
		enum zip_step st = ZIP_OK;

		/* some writers fill in the sizes anyway: try them first */
		if (!(csize != 0 && csize <= w->size - data &&
		      zip_desc_at(w, data, data + csize, z64, next)))
			st = zip_desc_scan(w, data, z64, next);
		if (st == ZIP_OK) {
			m->csize = w->desc_at - data;
			m->crc = w->desc_crc;
			m->partial = false;
		}
		return st;
	}
	if (csize > w->size - data)
		return ZIP_CUT;
	m->csize = csize;
	m->partial = false;
	m->sized = true;
	*next = data + csize;
	return ZIP_OK;
}

/* Notes what one member name says about the package kind. */
static void zip_note_name(struct zip_walk *w, const char *name, size_t n)
{
	static const struct {
		const char *name;
		bool prefix;
		unsigned flag;
	} marks[] = {
		{ "[Content_Types].xml", false, ZIP_HAS_CONTENT_TYPES },
		{ "word/", true, ZIP_HAS_WORD },
		{ "xl/", true, ZIP_HAS_XL },
		{ "ppt/", true, ZIP_HAS_PPT },
		{ "META-INF/MANIFEST.MF", false, ZIP_HAS_JAR_MANIFEST },
		{ "AndroidManifest.xml", false, ZIP_HAS_ANDROID },
		{ "classes.dex", false, ZIP_HAS_ANDROID },
	};

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		size_t len = strlen(marks[i].name);
		if (marks[i].prefix ? n >= len : n == len) {
			if (memcmp(name, marks[i].name, len) == 0)
				w->has |= marks[i].flag;
		}
	}
}

/*
 * Does the central entry's local header offset name a header with the
 * same name, whose data, csize bytes long by the directory, ends where a
 * data descriptor (when the member has one) or the next header begins?
 * This confirms the ends the local walk found by searching.  Returns NULL
 * or why not.
 */
static const char *zip_local_matches(struct zip_walk *w, uint64_t lho,
                                     const char *name, uint16_t nlen,
                                     uint64_t csize)
{
	const uint8_t *h;
	uint64_t data, end;
	uint16_t flags;

	if (lho >= w->cd_start || w->cd_start - lho < ZIP_LOCAL_LEN + nlen)
		return "local header offset mismatch";
	h = bread_peek(w->br, lho, ZIP_LOCAL_LEN + nlen);
	if (h == NULL || mem_le32(h) != ZIP_SIG_LOCAL ||
	    mem_le16(h + 26) != nlen ||
	    memcmp(h + ZIP_LOCAL_LEN, name, nlen) != 0)
		return "local header offset mismatch";
	flags = mem_le16(h + 6);
	data = lho + ZIP_LOCAL_LEN + nlen + mem_le16(h + 28);
	if (data > w->cd_start || csize > w->cd_start - data)
		return "member size mismatch";
	end = data + csize;
	if (flags & ZIP_FLAG_DESC ? zip_desc_at(w, data, end, false, &end) :
	    zip_follows(w, end))
		return NULL;
	return "member size mismatch";
}

/*
 * Walks central directory entry number idx at off; sets *next past it.
 * ZIP_ELSEWHERE when its local header offset names no matching member:
 * the directory belongs to an archive that starts elsewhere, or disagrees
 * with the members.  Only a sample of the members is read back, since
 * each one costs a jump away from the directory in the reader's window.
 */
static enum zip_step zip_central(struct zip_walk *w, uint64_t off,
                                 uint32_t idx, uint64_t *next)
{
	char name[ZIP_MAX_NAME];
	const uint8_t *h = bread_peek(w->br, off, ZIP_CENTRAL_LEN);

	if (h == NULL)
		return ZIP_CUT;
	uint32_t csize32 = mem_le32(h + 20);
	uint32_t usize32 = mem_le32(h + 24);
	uint16_t nlen = mem_le16(h + 28);
	uint16_t xlen = mem_le16(h + 30);
	uint16_t clen = mem_le16(h + 32);
	uint16_t disk = mem_le16(h + 34);
	uint64_t lho = mem_le32(h + 42);

	if (nlen == 0 || nlen > ZIP_MAX_NAME) {
		w->why = "bad central directory entry";
		w->bad_at = off + 28;
		return ZIP_BAD;
	}
	uint64_t rec = ZIP_CENTRAL_LEN + (uint64_t)nlen + xlen + clen;
	if (rec > w->size - off)
		return ZIP_CUT;
	if (bread_read(w->br, off + ZIP_CENTRAL_LEN, name, nlen) != nlen)
		return ZIP_CUT;

	uint64_t csize = csize32;
	if (lho == 0xffffffffu || csize32 == 0xffffffffu) {
		/* ZIP64 extra: only the fields marked all-ones, in order */
		uint64_t zx, at, zend;
		uint16_t zlen;

		if (!zip_extra_find(w, off + ZIP_CENTRAL_LEN + nlen, xlen,
		                    ZIP_EXTRA_ZIP64, &zx, &zlen)) {
			w->why = "ZIP64 fields missing";
			return ZIP_BAD;
		}
		at = zx + (usize32 == 0xffffffffu ? 8 : 0);
		zend = zx + zlen;
		if (csize32 == 0xffffffffu) {
			if (at + 8 > zend ||
			    bread_le64(w->br, at, &csize) != 0) {
				w->why = "ZIP64 fields missing";
				return ZIP_BAD;
			}
			at += 8;
		}
		if (lho == 0xffffffffu &&
		    (at + 8 > zend || bread_le64(w->br, at, &lho) != 0)) {
			w->why = "ZIP64 fields missing";
			return ZIP_BAD;
		}
	}
	if ((disk != 0 && disk != 0xffff) || lho >= w->cd_start) {
		w->why = "local header offset mismatch";
		return ZIP_ELSEWHERE;
	}
	if (idx < ZIP_CHECK_FIRST || idx % ZIP_CHECK_EVERY == 0 ||
	    (zip_every_check(w->br) && idx < ZIP_CHECK_THOROUGH)) {
		w->why = zip_local_matches(w, lho, name, nlen, csize);
		if (w->why != NULL)
			return ZIP_ELSEWHERE;
	}
	zip_note_name(w, name, nlen);
	*next = off + rec;
	return ZIP_OK;
}

/* flate_range's output: the running CRC-32 of the inflated data. */
static bool zip_crc_out(void *arg, const uint8_t *p, size_t n)
{
	uint32_t *crc = arg;

	*crc = crc32_update(*crc, p, n);
	return true;
}

/*
 * Inflates the deflated data of m; 0 when they end exactly at the
 * member's end with its CRC-32, else the first byte shown wrong: where
 * zlib met bytes that are no deflate data, or the member's end when the
 * stream ends elsewhere or its CRC differs.
 */
static uint64_t zip_inflate_check(struct zip_walk *w,
                                  const struct zip_member *m)
{
	uint8_t out[ZIP_INFLATE_OUT];
	z_stream z;
	uint64_t at, end = m->data + m->csize;
	uint32_t crc = 0;
	int zr;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
		return 0;   /* no memory: nothing is claimed */
	zr = flate_range(w->br, &z, m->data, end, out, sizeof(out),
	                 zip_crc_out, &crc, &at);
	inflateEnd(&z);
	if (zr == Z_DATA_ERROR)
		return at > m->data ? at : m->data + 1;
	if (m->partial)
		return 0;
	if (zr == Z_STREAM_END && at == end && crc == m->crc)
		return 0;
	return end;
}

/*
 * Reassembly's saved progress over one candidate (validate_resume): the
 * member check at the local header at off (member i), every member
 * before it having passed, and the running CRC-32 (crc) of that member's
 * stored data [data, upto), upto == data when none was kept.  All of it
 * depends only on bytes before upto (or off).
 */
struct carve_resume {
	bool valid;
	uint32_t i;
	uint64_t off;
	uint64_t data, upto;
	uint32_t crc;
};

/* A stored member's CRC-32 check, from rs's running CRC when it holds
 * this member's (and saving the CRC up to stable into it); as
 * zip_member_check. */
static uint64_t zip_stored_check(struct zip_walk *w,
                                 const struct zip_member *m,
                                 struct carve_resume *rs, uint64_t stable)
{
	uint64_t end = m->data + m->csize, at = m->data;
	uint32_t crc = 0;

	if (m->partial)
		return 0;   /* cut off: the reader's end says so */
	if (rs != NULL && rs->valid && rs->data == m->data &&
	    rs->upto <= stable && rs->upto <= end) {
		at = rs->upto;
		crc = rs->crc;
	}
	if (rs != NULL && stable > at && stable < end) {
		if (bread_crc32_update(w->br, at, stable - at, &crc) != 0)
			return 0;
		at = stable;
		rs->data = m->data;
		rs->upto = stable;
		rs->crc = crc;
	}
	if (bread_crc32_update(w->br, at, end - at, &crc) != 0)
		return 0;
	return crc == m->crc ? 0 : end;
}

/*
 * Checks the data of m against its CRC-32 when that can be done; 0 when
 * they match (or cannot be checked), else the first byte shown wrong.
 */
static uint64_t zip_member_check(struct zip_walk *w,
                                 const struct zip_member *m,
                                 struct carve_resume *rs, uint64_t stable)
{
	if (!m->checkable)
		return 0;
	if (m->method == ZIP_METHOD_STORED)
		return zip_stored_check(w, m, rs, stable);
	if (m->method == ZIP_METHOD_DEFLATE)
		return zip_inflate_check(w, m);
	return 0;
}

/*
 * Walks the local entries again checking their data; the first member
 * that fails gives the fragmentation point (note_off) and the bytes shown
 * consistent (its data start).  Returns whether a point was found.  With
 * rs, the members that passed wholly before stable in an earlier run are
 * not checked again, nor the stored bytes of the next one before stable
 * (the walk's first pass has seen their headers).
 */
static bool zip_fragment(struct zip_walk *w, struct carve_result *res,
                         struct carve_resume *rs, uint64_t stable)
{
	uint64_t off = 0, next;
	struct zip_member m;
	uint32_t i = 0;

	if (rs != NULL && rs->valid && rs->off <= stable) {
		off = rs->off;
		i = rs->i;
	}
	for (; i < ZIP_MAX_ENTRIES && zip_sig_at(w, off, ZIP_SIG_LOCAL); i++) {
		if (rs != NULL && off <= stable && (!rs->valid || off > rs->off)) {
			rs->valid = true;
			rs->off = off;
			rs->i = i;
			rs->data = rs->upto = 0;
			rs->crc = 0;
		}
		/* A header cut off before its data gives no member: nothing
		 * to check (m was the last member's, which had passed). */
		memset(&m, 0, sizeof(m));
		enum zip_step st = zip_local(w, off, &next, &m);
		if (st == ZIP_BAD)
			break;
		uint64_t bad = zip_member_check(w, &m, rs, stable);
		if (bad != 0) {
			carve_truncated(res, m.data, "member data fail their "
			                "CRC-32 (fragmented?)");
			carve_note(res, CARVE_NOTE_FRAGMENT, bad);
			/* Shown wrong only at its end: whatever block the
			 * rest of its data lie in, a right map passes the
			 * CRC-32 and then needs the next header, or the
			 * central directory, where the header's size ends
			 * the member.  (An APK's signing block after its
			 * last member starts otherwise: such a map is not
			 * tried, and the archive stays a prefix.) */
			if (m.sized && bad == m.data + m.csize) {
				memcpy(res->expect, "PK", 2);
				res->expect_len = 2;
			}
			return true;
		}
		if (st != ZIP_OK)
			return false;   /* the reader ends inside: no evidence */
		off = next;
	}
	return false;
}

/*
 * The first byte at off that no record that may come there starts with:
 * a header cut by a fragment boundary keeps its first bytes.
 */
static uint64_t zip_sig_mismatch(struct zip_walk *w, uint64_t off)
{
	static const uint8_t sigs[4][4] = {
		{ 'P', 'K', 3, 4 }, { 'P', 'K', 1, 2 }, { 'P', 'K', 5, 6 },
		{ 'P', 'K', 6, 6 },
	};
	uint8_t b[4];
	size_t n = bread_read(w->br, off, b, 4);
	unsigned best = 0;

	for (unsigned s = 0; s < 4; s++) {
		unsigned m = 0;
		while (m < n && b[m] == sigs[s][m])
			m++;
		if (m > best)
			best = m;
	}
	return off + best;
}

/* A truncated verdict at off where the structure, not the reader, ended:
 * a fragmentation point (at the first byte shown wrong, at) unless the
 * reader ends there. */
static void zip_break(struct zip_walk *w, struct carve_result *res,
                      uint64_t at)
{
	if (res->verdict == CARVE_TRUNCATED && at < w->size)
		carve_note(res, CARVE_NOTE_FRAGMENT, at);
}

/* Does an end-record field equal the walked value (or defer to ZIP64)? */
static bool zip_field_ok(uint64_t field, uint64_t all_ones, uint64_t real,
                         bool z64)
{
	if (z64 && field == all_ones)
		return true;
	return field == (real & all_ones);
}

/* The extension the names inside point to. */
static const char *zip_kind(const struct zip_walk *w)
{
	if (w->mime_ext != NULL)
		return w->mime_ext;
	if (w->has & (ZIP_HAS_ANDROID | ZIP_HAS_APK_SIG_BLOCK))
		return "apk";
	if (w->has & ZIP_HAS_CONTENT_TYPES) {
		if (w->has & ZIP_HAS_WORD)
			return "docx";
		if (w->has & ZIP_HAS_XL)
			return "xlsx";
		if (w->has & ZIP_HAS_PPT)
			return "pptx";
	}
	if (w->has & ZIP_HAS_JAR_MANIFEST)
		return "jar";
	return "zip";
}

static void zip_check(struct bread *br, struct carve_result *res,
                      struct carve_resume *rs, uint64_t stable)
{
	struct zip_walk w = { .br = br, .size = bread_size(br) };
	uint64_t off = 0, next = 0;
	enum zip_step st = ZIP_OK;

	/* local entries, back to back from the start */
	while (w.nlocal < ZIP_MAX_ENTRIES &&
	       zip_sig_at(&w, off, ZIP_SIG_LOCAL)) {
		st = zip_local(&w, off, &next, NULL);
		if (st != ZIP_OK)
			break;
		off = next;
		w.nlocal++;
	}
	/* asked for every check, or the walk broke: the members' data */
	bool broke = st != ZIP_OK ||
	             (!zip_sig_at(&w, off, ZIP_SIG_CENTRAL) &&
	              zip_apk_sig_block(&w, off) == off);
	if ((zip_every_check(br) || broke) && w.nlocal > 0 &&
	    zip_fragment(&w, res, rs, stable))
		return;
	if (w.nlocal == 0) {
		if (st == ZIP_BAD)
			carve_reject(res, w.why);
		else if (st == ZIP_CUT && w.size > ZIP_LOCAL_LEN)
			carve_truncated(res, w.size, "member data cut off");
		else
			carve_reject(res, "no local header");
		return;
	}
	if (st == ZIP_CUT) {
		carve_truncated(res, off, "member data cut off");
		return;
	}
	if (st == ZIP_BAD) {
		/* a header whose fields are no header's */
		carve_truncated(res, off, "no central directory");
		zip_break(&w, res, w.bad_at > off ? w.bad_at : off);
		return;
	}
	if (!zip_sig_at(&w, off, ZIP_SIG_CENTRAL))
		off = zip_apk_sig_block(&w, off);
	w.cd_start = off;

	/* the central directory must follow the last member */
	uint32_t count = 0;
	while (count < ZIP_MAX_ENTRIES &&
	       zip_sig_at(&w, off, ZIP_SIG_CENTRAL)) {
		st = zip_central(&w, off, count, &next);
		if (st == ZIP_CUT) {
			carve_truncated(res, w.size,
			                "central directory cut off");
			return;
		}
		if (st == ZIP_ELSEWHERE) {
			carve_reject(res, w.why);
			return;
		}
		if (st == ZIP_BAD) {
			carve_truncated(res, w.cd_start, w.why);
			zip_break(&w, res, w.bad_at > off ? w.bad_at : off);
			return;
		}
		off = next;
		count++;
	}
	if (count == 0) {
		if (off >= w.size)
			carve_truncated(res, off, "central directory cut off");
		else
			carve_truncated(res, off, "no central directory");
		zip_break(&w, res, zip_sig_mismatch(&w, off));
		return;
	}
	uint64_t cd_len = off - w.cd_start;
	uint16_t siglen;
	if (zip_sig_at(&w, off, ZIP_SIG_DIGSIG) &&
	    bread_le16(br, off + 4, &siglen) == 0)
		off += 6 + (uint64_t)siglen;
	/* the directory size may or may not count the signature record */
	uint64_t cd_len_sig = off - w.cd_start;

	/* ZIP64 end record and locator, then the classic end record */
	bool z64 = false;
	uint64_t z_entries = 0, z_cd_size = 0, z_cd_off = 0;
	if (zip_sig_at(&w, off, ZIP_SIG_Z64_END)) {
		uint64_t rsize, z_disk_entries, loc_at;
		uint32_t disk, cd_disk, ndisks;
		const uint8_t *z = bread_peek(br, off, 12 + ZIP_Z64_END_MIN);

		if (z == NULL) {
			carve_truncated(res, w.size,
			                "ZIP64 end record cut off");
			return;
		}
		rsize = mem_le64(z + 4);
		disk = mem_le32(z + 16);
		cd_disk = mem_le32(z + 20);
		z_disk_entries = mem_le64(z + 24);
		z_entries = mem_le64(z + 32);
		z_cd_size = mem_le64(z + 40);
		z_cd_off = mem_le64(z + 48);
		if (rsize < ZIP_Z64_END_MIN || rsize > ZIP_MAX_Z64_END) {
			carve_reject(res, "bad ZIP64 end record");
			return;
		}
		if (disk != 0 || cd_disk != 0 || z_disk_entries != z_entries) {
			carve_reject(res, "multi-disk archive");
			return;
		}
		loc_at = off + 12 + rsize;
		if (loc_at + ZIP_Z64_LOC_LEN > w.size) {
			carve_truncated(res, w.size,
			                "ZIP64 end record cut off");
			return;
		}
		z = bread_peek(br, loc_at, ZIP_Z64_LOC_LEN);
		if (z == NULL || mem_le32(z) != ZIP_SIG_Z64_LOC ||
		    mem_le64(z + 8) != off) {
			carve_reject(res, "bad ZIP64 end locator");
			return;
		}
		ndisks = mem_le32(z + 16);
		if (mem_le32(z + 4) != 0 || ndisks > 1) {
			carve_reject(res, "multi-disk archive");
			return;
		}
		z64 = true;
		off = loc_at + ZIP_Z64_LOC_LEN;
	}

	const uint8_t *e = bread_peek(br, off, ZIP_END_LEN);
	if (e == NULL) {
		carve_truncated(res, w.size,
		                "end of central directory cut off");
		return;
	}
	if (mem_le32(e) != ZIP_SIG_END) {
		carve_truncated(res, off, "no end of central directory");
		zip_break(&w, res, zip_sig_mismatch(&w, off));
		return;
	}
	uint16_t disk = mem_le16(e + 4), cd_disk = mem_le16(e + 6);
	uint16_t disk_entries = mem_le16(e + 8), entries = mem_le16(e + 10);
	uint32_t cd_size = mem_le32(e + 12), cd_off = mem_le32(e + 16);
	uint16_t clen = mem_le16(e + 20);

	if (!zip_field_ok(disk, 0xffff, 0, z64) ||
	    !zip_field_ok(cd_disk, 0xffff, 0, z64)) {
		carve_reject(res, "multi-disk archive");
		return;
	}
	if (z64 && z_cd_off != w.cd_start) {
		carve_reject(res, "central directory offset mismatch");
		return;
	}
	if (!zip_field_ok(cd_off, 0xffffffffu, w.cd_start, z64)) {
		carve_reject(res, "central directory offset mismatch");
		return;
	}
	if (z64 && z_entries != count) {
		carve_reject(res, "entry count mismatch");
		return;
	}
	if (!zip_field_ok(entries, 0xffff, count, z64) ||
	    !zip_field_ok(disk_entries, 0xffff, count, z64)) {
		carve_reject(res, "entry count mismatch");
		return;
	}
	if (z64 && z_cd_size != cd_len && z_cd_size != cd_len_sig) {
		carve_reject(res, "central directory size mismatch");
		return;
	}
	if (!zip_field_ok(cd_size, 0xffffffffu, cd_len, z64) &&
	    !zip_field_ok(cd_size, 0xffffffffu, cd_len_sig, z64)) {
		carve_reject(res, "central directory size mismatch");
		return;
	}

	uint64_t end = off + ZIP_END_LEN;
	if (clen > w.size - end) {
		carve_truncated(res, w.size, "archive comment cut off");
		return;
	}
	end += clen;

	const char *kind = zip_kind(&w);
	carve_accept(res, end);
	if (strcmp(kind, "zip") != 0)
		res->ext = kind;
	carve_meta_add(res, "entries", "%u", count);
	carve_meta_add(res, "kind", "%s", kind);
	if (z64)
		carve_meta_add(res, "zip64", "yes");
}

static void zip_validate(struct bread *br, struct carve_result *res)
{
	zip_check(br, res, NULL, 0);
}

/* Reassembly's tries check again only the members after the shared head
 * (and a stored member's bytes from where the head ends). */
static void zip_validate_resume(struct bread *br, struct carve_result *res,
                                struct carve_resume **rs, uint64_t stable)
{
	if (*rs == NULL)
		*rs = calloc(1, sizeof(**rs));
	zip_check(br, res, *rs, stable);
}

static void zip_resume_free(struct carve_resume *rs)
{
	free(rs);
}

static const struct format_sig zip_sigs[] = {
	FORMAT_SIG("PK\x03\x04", 0),
};

const struct format format_zip = {
	.name = "zip",
	.ext = "zip",
	.description = "ZIP archive (and OOXML, ODF, EPUB, JAR, APK packages)",
	FORMAT_SIGS(zip_sigs),
	.align = 1,
	.min_size = ZIP_LOCAL_LEN + ZIP_CENTRAL_LEN + ZIP_END_LEN,
	.max_size = ZIP_MAX_SIZE,
	.validate = zip_validate,
	.validate_resume = zip_validate_resume,
	.resume_free = zip_resume_free,
};

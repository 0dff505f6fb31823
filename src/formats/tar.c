/*
 * tar.c - POSIX tar (ustar, pax) and GNU tar validator.
 *
 * A tar archive is a run of 512-byte blocks: each member is a header block
 * followed by its data rounded up to whole blocks, and two blocks of zeros
 * end the archive.  The only magic is "ustar" at offset 257 of a header
 * (POSIX: "ustar\0" "00"; GNU: "ustar  \0"), so the signature reaches byte
 * 262 and, being short, only counts at sector starts.  Old V7 archives,
 * which carry no magic at all, are not found.
 *
 * Each header must carry the magic and a checksum that matches: the sum of
 * its 512 bytes with the checksum field counted as spaces, unsigned or (as
 * some old tars computed it) signed.  Sizes are octal or GNU base-256.
 * Members that carry no data whatever their size field says: hard and
 * symbolic links, devices, FIFOs and directories; every other type,
 * including GNU long names ('L', 'K') and pax headers ('x', 'g'), is
 * followed by size bytes of data, skipped like a file's.
 *
 * The end: two zero blocks, so the archive's length is the end of the
 * second.  GNU tar (and most others) then pad the archive to a record of
 * 10240 bytes with zeros; when those bytes are all present and all zero
 * they belong to the file and are included.  Zeros up to the end of the
 * source that stop short of the record's end make the archive truncated
 * (it was cut inside its padding).  A single zero block followed by
 * anything but zeros ends the archive there, as GNU tar reads it ("a lone
 * zero block"); a single zero block at the very end of the source is
 * truncated, since the writer always writes two.
 *
 * A member cut by the end of the source makes the archive truncated at
 * what is there; a block that is neither a header nor the end after good
 * members makes it truncated before that block.  At most TAR_MAX_HEADERS
 * headers are walked.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "formats/format.h"

#define TAR_BLOCK        512u
#define TAR_RECORD       10240u                /* GNU tar's default record */
#define TAR_MAX_SIZE     (1ull << 42)
#define TAR_MAX_HEADERS  131072u
#define TAR_NAME_MAX     (CARVE_META_VAL - 1)

/* Header fields: offset and length. */
#define TAR_NAME_OFF     0u
#define TAR_NAME_LEN     100u
#define TAR_SIZE_OFF     124u
#define TAR_SIZE_LEN     12u
#define TAR_CHKSUM_OFF   148u
#define TAR_CHKSUM_LEN   8u
#define TAR_TYPE_OFF     156u
#define TAR_MAGIC_OFF    257u
#define TAR_PREFIX_OFF   345u
#define TAR_PREFIX_LEN   155u

static const struct format_sig tar_sigs[] = {
	FORMAT_SIG("ustar", TAR_MAGIC_OFF),
};

/* What one block is. */
enum tar_block {
	TAR_HEADER,
	TAR_ZERO,
	TAR_BAD,
};

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/*
 * An octal field: leading spaces, digits, then NULs or spaces to the end
 * (or digits to the very end).  false when it is not one or is empty.
 */
static bool parse_octal(const uint8_t *p, size_t n, uint64_t *v)
{
	size_t i = 0;
	unsigned digits = 0;

	*v = 0;
	while (i < n && p[i] == ' ')
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++, digits++) {
		if (*v >> 60)
			return false;
		*v = *v << 3 | (uint64_t)(p[i] - '0');
	}
	for (; i < n; i++)
		if (p[i] != ' ' && p[i] != '\0')
			return false;
	return digits > 0;
}

/*
 * The size field: octal, or GNU base-256 (high bit of the first byte set;
 * the rest of that byte and the others, big-endian, two's complement).
 * Negative or larger than TAR_MAX_SIZE: false.
 */
static bool parse_size(const uint8_t *p, uint64_t *v)
{
	if (!(p[0] & 0x80)) {
		if (!parse_octal(p, TAR_SIZE_LEN, v))
			return false;
		return *v <= TAR_MAX_SIZE;
	}
	if (p[0] & 0x40)
		return false;                /* negative */
	if ((p[0] & 0x3f) != 0 || p[1] != 0 || p[2] != 0 || p[3] != 0)
		return false;                /* 2^64 or more */
	*v = 0;
	for (unsigned i = 4; i < TAR_SIZE_LEN; i++)
		*v = *v << 8 | p[i];
	return *v <= TAR_MAX_SIZE;
}

/* Whether the checksum field matches the block, summed either way. */
static bool checksum_ok(const uint8_t *h)
{
	uint64_t want;
	uint32_t usum = 0;
	int32_t ssum = 0;

	if (!parse_octal(h + TAR_CHKSUM_OFF, TAR_CHKSUM_LEN, &want))
		return false;
	for (unsigned i = 0; i < TAR_BLOCK; i++) {
		uint8_t c = i >= TAR_CHKSUM_OFF &&
		            i < TAR_CHKSUM_OFF + TAR_CHKSUM_LEN ? ' ' : h[i];
		usum += c;
		ssum += (int8_t)c;
	}
	return want == usum || (ssum >= 0 && want == (uint64_t)ssum);
}

/* Sorts a block: a header (magic, checksum, type, size), zeros, or not
 * part of an archive.  *size gets the bytes of data that follow it. */
static enum tar_block read_header(const uint8_t *h, uint64_t *size)
{
	if (all_zero(h, TAR_BLOCK))
		return TAR_ZERO;
	if (memcmp(h + TAR_MAGIC_OFF, "ustar", 5) != 0 ||
	    (h[TAR_MAGIC_OFF + 5] != '\0' && h[TAR_MAGIC_OFF + 5] != ' ') ||
	    !checksum_ok(h))
		return TAR_BAD;
	uint8_t type = h[TAR_TYPE_OFF];
	if (type != '\0' && (type < 0x20 || type > 0x7e))
		return TAR_BAD;
	if (!parse_size(h + TAR_SIZE_OFF, size))
		return TAR_BAD;
	switch (type) {
	case '1': case '2': case '3': case '4': case '5': case '6':
		*size = 0;   /* links, devices, directories, FIFOs */
		break;
	default:
		break;       /* files, long names, pax and vendor types */
	}
	return TAR_HEADER;
}

/* Copies a field of at most n bytes up to its NUL into out (bounded). */
static void field_str(char *out, size_t cap, const uint8_t *p, size_t n)
{
	size_t k = strnlen((const char *)p, n);
	size_t at = strlen(out);

	if (at + k >= cap)
		k = cap - 1 - at;
	memcpy(out + at, p, k);
	out[at + k] = '\0';
}

/* The "path" record of pax extended data p[0..n), into out; false when
 * there is none.  Records are "LEN key=value\n". */
static bool pax_path(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t at = 0;

	while (at < n) {
		size_t len = 0, i = at;
		while (i < n && p[i] >= '0' && p[i] <= '9' && len < n)
			len = len * 10 + (size_t)(p[i++] - '0');
		if (len == 0 || i >= n || p[i] != ' ' || len > n - at)
			return false;
		const uint8_t *k = p + i + 1, *end = p + at + len - 1;
		if (end - k > 5 && memcmp(k, "path=", 5) == 0) {
			out[0] = '\0';
			field_str(out, cap, k + 5, (size_t)(end - k - 5));
			return true;
		}
		at += len;
	}
	return false;
}

/* Whether [from, to) is all zeros and readable. */
static bool zeros_at(struct bread *br, uint64_t from, uint64_t to)
{
	while (from < to) {
		size_t n;
		const uint8_t *p = bread_span(br, from, &n);
		if (p == NULL)
			return false;
		if (n > to - from)
			n = (size_t)(to - from);
		if (!all_zero(p, n))
			return false;
		from += n;
	}
	return true;
}

/*
 * After the end of the archive at end: the record padding when present
 * and all zeros, as the file's last bytes.
 */
static void finish(struct bread *br, uint64_t end, struct carve_result *res)
{
	uint64_t rec = (end + TAR_RECORD - 1) / TAR_RECORD * TAR_RECORD;
	uint64_t size = bread_size(br);

	if (rec > end && rec > size && size > end && zeros_at(br, end, size)) {
		carve_truncated(res, size, "cut inside the record padding");
		return;
	}
	carve_accept(res, rec > end && zeros_at(br, end, rec) ? rec : end);
}

static void tar_validate(struct bread *br, struct carve_result *res)
{
	uint64_t off = 0, members = 0, size = bread_size(br);
	unsigned headers = 0;
	char name[TAR_NAME_MAX + 1] = "", pending[TAR_NAME_MAX + 1] = "";
	uint8_t h[TAR_BLOCK];

	for (;;) {
		if (bread_read(br, off, h, TAR_BLOCK) != TAR_BLOCK) {
			if (off == 0)
				carve_reject(res, "header cut short");
			else
				carve_truncated(res, off < size ? size : off,
				                "cut between members");
			return;
		}
		uint64_t dsize;
		enum tar_block kind = read_header(h, &dsize);
		if (kind == TAR_BAD || (kind == TAR_ZERO && off == 0)) {
			if (off == 0) {
				carve_reject(res, "not a tar header");
				return;
			}
			carve_truncated(res, off, "a block that is no header");
			break;
		}
		if (kind == TAR_ZERO) {
			uint8_t z[TAR_BLOCK];
			size_t got = bread_read(br, off + TAR_BLOCK, z, TAR_BLOCK);
			if (got == TAR_BLOCK && all_zero(z, TAR_BLOCK))
				finish(br, off + 2 * TAR_BLOCK, res);
			else if (got < TAR_BLOCK && all_zero(z, got))
				carve_truncated(res, off + TAR_BLOCK + got,
				                "cut after one end block");
			else
				carve_accept(res, off + TAR_BLOCK);
			break;
		}
		if (++headers > TAR_MAX_HEADERS) {
			carve_truncated(res, off, "too many members");
			break;
		}
		uint64_t data = off + TAR_BLOCK;
		uint64_t padded = (dsize + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
		uint8_t type = h[TAR_TYPE_OFF];
		if (type == 'L' || type == 'x') {
			uint8_t buf[TAR_BLOCK];
			size_t n = bread_read(br, data, buf,
			                      dsize < TAR_BLOCK ? (size_t)dsize
			                                        : TAR_BLOCK);
			pending[0] = '\0';
			if (type == 'L')
				field_str(pending, sizeof(pending), buf, n);
			else
				pax_path(buf, n, pending, sizeof(pending));
		} else if (type != 'K' && type != 'g') {
			if (members++ == 0) {
				if (pending[0] != '\0') {
					memcpy(name, pending, sizeof(name));
				} else {
					if (h[TAR_MAGIC_OFF + 5] == '\0' &&
					    h[TAR_PREFIX_OFF] != '\0') {
						field_str(name, sizeof(name),
						          h + TAR_PREFIX_OFF,
						          TAR_PREFIX_LEN);
						field_str(name, sizeof(name),
						          (const uint8_t *)"/", 1);
					}
					field_str(name, sizeof(name),
					          h + TAR_NAME_OFF, TAR_NAME_LEN);
				}
			}
			pending[0] = '\0';
		}
		/* padded <= TAR_MAX_SIZE and off grows by at most that per
		 * header: no overflow in TAR_MAX_HEADERS steps. */
		if (data + padded > size) {
			carve_truncated(res, size, "cut inside a member");
			break;
		}
		off = data + padded;
	}
	carve_meta_add(res, "members", "%" PRIu64, members);
	if (name[0] != '\0')
		carve_meta_add(res, "name", "%s", name);
}

const struct format format_tar = {
	.name = "tar",
	.ext = "tar",
	.description = "tar archive (POSIX ustar and pax, GNU)",
	FORMAT_SIGS(tar_sigs),
	/* "ustar" is short and plain: only sector starts count */
	.align = TAR_BLOCK,
	.min_size = 2 * TAR_BLOCK,   /* a header and one end block */
	.max_size = TAR_MAX_SIZE,
	.validate = tar_validate,
};

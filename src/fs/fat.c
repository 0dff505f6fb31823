/*
 * fat.c - FAT12/16/32: the boot sector (BPB) and directory entries.
 *
 * fat_open checks the BPB the way a careful driver does and turns a bad
 * one into a one-line reason; fat_parse_dir turns a directory's bytes into
 * entries, live and deleted, gluing VFAT long names onto their short entry
 * (checksum checked; a deleted entry's long name is rebuilt from the
 * deleted long-name entries in front of it, whose text survives the
 * delete).  Walking, chains and cluster maps are fs.c's.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fat.h"
#include "common/mem.h"

#define FAT_LFN_MAX_PARTS 20   /* 20 * 13 units >= 255 characters */

static int is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

enum fs_type fat_probe(const uint8_t *b)
{
	if (!(b[0] == 0xEB || b[0] == 0xE9) || b[510] != 0x55 || b[511] != 0xAA)
		return FS_NONE;
	uint16_t bps = mem_le16(b + 11);
	int named = memcmp(b + 54, "FAT", 3) == 0 || memcmp(b + 82, "FAT32", 5) == 0;
	int sane = is_pow2(bps) && bps >= 512 && bps <= 4096 && b[16] >= 1 &&
	           b[16] <= 4 && mem_le16(b + 14) > 0 && is_pow2(b[13]);
	if (!named && !sane)
		return FS_NONE;
	if (mem_le16(b + 22) == 0)
		return FS_FAT32;
	/* The type follows from the cluster count, as in fat_open. */
	uint64_t total = mem_le16(b + 19) ? mem_le16(b + 19) : mem_le32(b + 32);
	uint64_t meta = mem_le16(b + 14) + (uint64_t)b[16] * mem_le16(b + 22) +
	                ((uint64_t)mem_le16(b + 17) * 32 + bps - 1) / (bps ? bps : 1);
	if (b[13] != 0 && total > meta && (total - meta) / b[13] < 4085)
		return FS_FAT12;
	return FS_FAT16;
}

/* Copies a space-padded label, trimmed; "" for "NO NAME". */
static void label_copy(char *dst, size_t len, const uint8_t *src)
{
	size_t n = 11;
	while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == 0))
		n--;
	if (n >= len)
		n = len - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7F) ? (char)src[i] : '?';
	dst[n] = '\0';
	if (strcmp(dst, "NO NAME") == 0)
		dst[0] = '\0';
}

int fat_open(struct fs_volume *vol, const uint8_t *b, char *err, size_t errlen)
{
	uint32_t bps = mem_le16(b + 11);
	uint32_t spc = b[13];
	uint32_t reserved = mem_le16(b + 14);
	uint32_t nfats = b[16];
	uint32_t root_entries = mem_le16(b + 17);
	uint64_t total = mem_le16(b + 19);
	uint64_t fatsz = mem_le16(b + 22);
	int fat32 = fatsz == 0;

	if (!is_pow2(bps) || bps < 512 || bps > 4096) {
		snprintf(err, errlen, "bytes per sector is %u (a power of two "
		         "from 512 to 4096 expected)", bps);
		return -EINVAL;
	}
	if (spc == 0) {
		snprintf(err, errlen, "sectors per cluster is 0");
		return -EINVAL;
	}
	if (!is_pow2(spc)) {
		snprintf(err, errlen, "sectors per cluster is %u, not a power "
		         "of two", spc);
		return -EINVAL;
	}
	if (reserved == 0) {
		snprintf(err, errlen, "reserved sector count is 0");
		return -EINVAL;
	}
	if (nfats < 1 || nfats > 4) {
		snprintf(err, errlen, "FAT count is %u (1 to 4 expected)", nfats);
		return -EINVAL;
	}
	if (total == 0)
		total = mem_le32(b + 32);
	if (total == 0) {
		snprintf(err, errlen, "total sector count is 0");
		return -EINVAL;
	}
	if (fat32)
		fatsz = mem_le32(b + 36);
	if (fatsz == 0) {
		snprintf(err, errlen, "FAT size is 0 sectors");
		return -EINVAL;
	}
	if (fat32 && root_entries != 0) {
		snprintf(err, errlen, "FAT32 boot sector gives %u root entries "
		         "(0 expected)", root_entries);
		return -EINVAL;
	}
	if (!fat32 && root_entries == 0) {
		snprintf(err, errlen, "root directory has 0 entries");
		return -EINVAL;
	}

	uint64_t root_secs = ((uint64_t)root_entries * 32 + bps - 1) / bps;
	uint64_t meta = reserved + nfats * fatsz + root_secs;
	if (meta >= total) {
		snprintf(err, errlen, "the data area would start at sector %llu, "
		         "past the volume's %llu sectors",
		         (unsigned long long)meta, (unsigned long long)total);
		return -EINVAL;
	}
	if (meta * bps > vol->avail) {
		snprintf(err, errlen, "the FATs and root directory end at byte "
		         "%llu, past the source's end (%llu bytes)",
		         (unsigned long long)(meta * bps),
		         (unsigned long long)vol->avail);
		return -EINVAL;
	}
	uint64_t clusters = (total - meta) / spc;
	enum fs_type type = fat32 ? FS_FAT32 : clusters < 4085 ? FS_FAT12 : FS_FAT16;
	unsigned bits = type == FS_FAT12 ? 12 : type == FS_FAT16 ? 16 : 32;
	uint64_t max_clusters = type == FS_FAT12 ? 4084 : type == FS_FAT16 ?
	                        65524 : 0x0FFFFFF5;
	uint64_t fat_entries = fatsz * bps * 8 / bits;

	if (clusters == 0) {
		snprintf(err, errlen, "the volume has no data clusters");
		return -EINVAL;
	}
	if (clusters > max_clusters) {
		snprintf(err, errlen, "%llu clusters is more than %s can address",
		         (unsigned long long)clusters, fs_type_name(type));
		return -EINVAL;
	}
	if (clusters + 2 > fat_entries) {
		snprintf(err, errlen, "a FAT of %llu sectors holds %llu entries, "
		         "fewer than the %llu clusters need",
		         (unsigned long long)fatsz, (unsigned long long)fat_entries,
		         (unsigned long long)clusters + 2);
		return -EINVAL;
	}

	fs_set_layout(vol, &(struct fs_layout){
		.type = type, .bps = bps, .spc = spc, .fat_start = reserved,
		.fat_len = fatsz, .nfats = nfats, .data_start = meta,
		.clusters = (uint32_t)clusters, .total = total });
	vol->root_entries = root_entries;
	vol->root_offset = vol->fat_offset + nfats * vol->fat_size;
	vol->fsinfo_free = -1;
	vol->fsinfo_next = -1;
	memcpy(vol->oem, b + 3, 8);
	vol->oem[8] = '\0';
	for (int i = 0; i < 8; i++)
		if ((unsigned char)vol->oem[i] < 0x20 || (unsigned char)vol->oem[i] >= 0x7F)
			vol->oem[i] = '?';

	const uint8_t *ext = b + (fat32 ? 64 : 36);
	if (ext[2] == 0x29) {
		vol->has_serial = 1;
		vol->serial = mem_le32(ext + 3);
		label_copy(vol->bpb_label, sizeof(vol->bpb_label), ext + 7);
	}

	if (fat32) {
		uint32_t root = mem_le32(b + 44);
		if (root < 2 || root >= clusters + 2) {
			snprintf(err, errlen, "root directory cluster %u is out of "
			         "range (2 to %llu)", root,
			         (unsigned long long)clusters + 1);
			return -EINVAL;
		}
		vol->root_cluster = root;
		uint32_t fsinfo = mem_le16(b + 48);
		if (fsinfo != 0 && fsinfo != 0xFFFF && fsinfo < reserved) {
			uint8_t s[512];
			if (fs_pread(vol, vol->offset + (uint64_t)fsinfo * bps, s,
			             sizeof(s)) == 0 &&
			    mem_le32(s) == 0x41615252 && mem_le32(s + 484) == 0x61417272) {
				uint32_t fr = mem_le32(s + 488), nx = mem_le32(s + 492);
				if (fr != 0xFFFFFFFF)
					vol->fsinfo_free = fr;
				if (nx != 0xFFFFFFFF)
					vol->fsinfo_next = nx;
			}
		}
	}
	if (vol->size > vol->avail)
		fs_warnf(vol, "the volume is %llu bytes but the source holds only "
		         "%llu from its start (a truncated image?)",
		         (unsigned long long)vol->size,
		         (unsigned long long)vol->avail);
	return 0;
}

/* ------------------------------------------------------------ entries */

static uint8_t sfn_checksum(const uint8_t *name11)
{
	uint8_t sum = 0;
	for (int i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name11[i]);
	return sum;
}

/* OEM code page (437) bytes to UTF-8; falls back to '?' per byte. */
static void oem_to_utf8(const uint8_t *src, size_t n, char *dst, size_t dlen)
{
	size_t o = 0;
	iconv_t cd = (iconv_t)-1;

	for (size_t i = 0; i < n && o + 4 < dlen; i++) {
		if (src[i] < 0x80) {
			dst[o++] = (char)src[i];
			continue;
		}
		if (cd == (iconv_t)-1)
			cd = iconv_open("UTF-8", "CP437");
		char in[1] = { (char)src[i] };
		char *ip = in, *op = dst + o;
		size_t il = 1, ol = dlen - o - 1;
		if (cd != (iconv_t)-1 &&
		    iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
			o = (size_t)(op - dst);
		else
			dst[o++] = '?';
	}
	dst[o] = '\0';
	if (cd != (iconv_t)-1)
		iconv_close(cd);
}

/*
 * The 8.3 name of entry d as "NAME.EXT"; lower applies the NT case bits.
 * first replaces the first byte (deleted entries: '_').
 */
static void sfn_name(const uint8_t *d, int first, int lower, char *dst,
                     size_t dlen)
{
	uint8_t raw[12];
	size_t n = 0, base, ext;

	for (base = 8; base > 0 && d[base - 1] == ' '; base--)
		;
	for (ext = 3; ext > 0 && d[8 + ext - 1] == ' '; ext--)
		;
	for (size_t i = 0; i < base; i++) {
		uint8_t c = d[i];
		if (i == 0 && first >= 0)
			c = (uint8_t)first;
		else if (i == 0 && c == 0x05)
			c = 0xE5;
		if (lower && (d[12] & 0x08) && c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		raw[n++] = c;
	}
	if (ext > 0) {
		raw[n++] = '.';
		for (size_t i = 0; i < ext; i++) {
			uint8_t c = d[8 + i];
			if (lower && (d[12] & 0x10) && c >= 'A' && c <= 'Z')
				c = (uint8_t)(c + 32);
			raw[n++] = c;
		}
	}
	oem_to_utf8(raw, n, dst, dlen);
}

static void fat_time(struct fs_time *t, uint16_t date, uint16_t time,
                     uint8_t cs)
{
	memset(t, 0, sizeof(*t));
	if (date == 0)
		return;
	t->year = (uint16_t)(1980 + (date >> 9));
	t->month = (date >> 5) & 15;
	t->day = date & 31;
	t->hour = time >> 11;
	t->min = (time >> 5) & 63;
	t->sec = (uint8_t)((time & 31) * 2 + (cs < 200 ? cs / 100 : 0));
	t->msec = (uint16_t)(cs < 200 ? (cs % 100) * 10 : 0);
}

/* Long-name entries gathered in front of a short entry. */
struct lfn_acc {
	uint8_t part[FAT_LFN_MAX_PARTS][26];
	unsigned n;          /* parts held */
	unsigned expect;     /* live: the next sequence number expected */
	uint8_t csum;
	int deleted;         /* gathered from deleted entries */
	int active;
};

static void lfn_chars(const uint8_t *d, uint8_t *out26)
{
	memcpy(out26, d + 1, 10);
	memcpy(out26 + 10, d + 14, 12);
	memcpy(out26 + 22, d + 28, 4);
}

static void lfn_add(struct lfn_acc *a, const uint8_t *d, int deleted)
{
	uint8_t seq = d[0];

	if (deleted) {
		if (!a->active || !a->deleted || a->csum != d[13]) {
			memset(a, 0, sizeof(*a));
			a->active = 1;
			a->deleted = 1;
			a->csum = d[13];
		}
		if (a->n >= FAT_LFN_MAX_PARTS) {
			a->active = 0;
			return;
		}
		/* Disk order is last part first; reversed when used. */
		lfn_chars(d, a->part[a->n++]);
		return;
	}
	unsigned k = seq & 0x1F;
	if (seq & 0x40) {
		memset(a, 0, sizeof(*a));
		if (k == 0 || k > FAT_LFN_MAX_PARTS)
			return;
		a->active = 1;
		a->csum = d[13];
		a->n = k;
		a->expect = k;
	}
	if (!a->active || a->deleted || k != a->expect || k == 0 ||
	    d[13] != a->csum) {
		a->active = 0;
		return;
	}
	lfn_chars(d, a->part[k - 1]);
	a->expect--;
}

/* The gathered long name as UTF-8, or 0 when it does not belong to sfn. */
static int lfn_take(struct lfn_acc *a, const uint8_t *sfn, int deleted,
                    char *dst, size_t dlen)
{
	uint8_t units[FAT_LFN_MAX_PARTS * 26];

	if (!a->active || a->n == 0 || a->deleted != deleted)
		return 0;
	if (deleted) {
		for (unsigned i = 0; i < a->n; i++)
			memcpy(units + i * 26, a->part[a->n - 1 - i], 26);
	} else {
		if (a->expect != 0 || sfn_checksum(sfn) != a->csum)
			return 0;
		for (unsigned i = 0; i < a->n; i++)
			memcpy(units + i * 26, a->part[i], 26);
	}
	size_t len = fs_utf16_to_utf8(units, a->n * 13, dst, dlen, 0);
	if (len == 0)
		return 0;
	if (deleted) {
		/*
		 * The short entry's first byte is gone, so its checksum can
		 * only be tried: first with the long name's first letter
		 * upper-cased (how short names are derived), then any byte.
		 */
		uint8_t name[11];
		memcpy(name, sfn, 11);
		unsigned char c0 = (unsigned char)dst[0];
		name[0] = (uint8_t)(c0 < 0x80 ? toupper(c0) : c0);
		if (sfn_checksum(name) != a->csum) {
			int hit = 0;
			for (unsigned v = 0x21; v <= 0xFF && !hit; v++) {
				name[0] = (uint8_t)v;
				hit = sfn_checksum(name) == a->csum;
			}
			if (!hit)
				return 0;
		}
	}
	return 1;
}

int fat_parse_dir(struct fs_volume *vol, const uint8_t *buf, size_t len,
                  const struct fs_dirmap *map, unsigned flags,
                  uint32_t parent_flags, struct fs_dirlist *out)
{
	struct lfn_acc acc;
	struct fs_entry e;
	int is_root = (parent_flags & FS_E_ROOT) != 0;
	uint32_t inherit = (parent_flags & (FS_E_DELETED | FS_E_IN_DELETED)) ?
	                   FS_E_IN_DELETED : 0;

	memset(&acc, 0, sizeof(acc));
	for (size_t off = 0; off + 32 <= len; off += 32) {
		const uint8_t *d = buf + off;
		uint8_t attr = d[11];
		int deleted = d[0] == 0xE5;

		if (d[0] == 0x00)
			break;   /* end of the directory */
		if ((attr & 0x3F) == 0x0F) {
			lfn_add(&acc, d, deleted);
			continue;
		}
		/* A real short name never holds NUL bytes: slack or garbage. */
		if (memchr(d + 1, 0, 10) != NULL) {
			acc.active = 0;
			continue;
		}
		if (d[0] == '.' && (attr & FS_ATTR_DIR)) {
			if (off == 0 && memcmp(d, ".          ", 11) == 0)
				out->saw_dot = 1;
			acc.active = 0;
			continue;
		}
		if ((attr & FS_ATTR_VOLID) && !(attr & FS_ATTR_DIR)) {
			if (is_root && !deleted)
				label_copy(vol->label, sizeof(vol->label), d);
			acc.active = 0;
			continue;
		}
		if (deleted && !(flags & FS_WALK_DELETED)) {
			acc.active = 0;
			continue;
		}

		memset(&e, 0, sizeof(e));
		sfn_name(d, deleted ? '_' : -1, 0, e.short_name, sizeof(e.short_name));
		if (lfn_take(&acc, d, deleted, e.name, sizeof(e.name)))
			e.flags |= FS_E_LFN;
		else
			sfn_name(d, deleted ? '_' : -1, 1, e.name, sizeof(e.name));
		acc.active = 0;

		e.attr = attr;
		if (deleted)
			e.flags |= FS_E_DELETED;
		e.flags |= inherit;
		if (attr & FS_ATTR_DIR)
			e.flags |= FS_E_DIR;
		e.size = (attr & FS_ATTR_DIR) ? 0 : mem_le32(d + 28);
		e.valid_size = e.size;
		e.start_cluster = mem_le16(d + 26);
		if (vol->type == FS_FAT32)
			e.start_cluster |= (uint32_t)mem_le16(d + 20) << 16;
		fat_time(&e.ctime, mem_le16(d + 16), mem_le16(d + 14), d[13]);
		fat_time(&e.mtime, mem_le16(d + 24), mem_le16(d + 22), 0);
		fat_time(&e.atime, mem_le16(d + 18), 0, 0);
		e.entry_offset = fs_dirmap_offset(vol, map, off);
		int rc = fs_dirlist_push(out, &e);
		if (rc != 0)
			return rc;
	}
	return 0;
}

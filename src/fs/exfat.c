/*
 * exfat.c - exFAT: the boot region and directory entry sets.
 *
 * exfat_open checks the boot sector and the boot region checksum (sectors
 * 0-10, against sector 11; the backup region at sector 12 is used when the
 * main one is damaged); exfat_parse_dir reads entry sets (a 0x85 file
 * entry, its 0xC0 stream extension and 0xC1 name entries, checksummed as a
 * whole).  A set whose in-use bits are clear (0x05, 0x40, 0x41) is a
 * deleted file: its name, size and first cluster survive the delete.  The
 * allocation bitmap is loaded at open; the up-case table is only located.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fat.h"
#include "common/mem.h"

#define EXFAT_MAX_NAME 255

int exfat_probe(const uint8_t *b)
{
	return memcmp(b + 3, "EXFAT   ", 8) == 0;
}

static uint32_t boot_checksum(const uint8_t *region, uint32_t bps)
{
	uint32_t sum = 0;

	for (uint32_t i = 0; i < 11 * bps; i++) {
		if (i == 106 || i == 107 || i == 112)
			continue;
		sum = ((sum & 1) ? 0x80000000u : 0) + (sum >> 1) + region[i];
	}
	return sum;
}

/* 0 when the 12-sector region at sector first has a matching checksum. */
static int region_ok(struct fs_volume *vol, uint64_t first, uint32_t bps)
{
	uint8_t *r = malloc(12 * (size_t)bps);
	int ok = -1;

	if (r == NULL)
		return -1;
	if (fs_pread(vol, vol->offset + first * bps, r, 12 * (size_t)bps) == 0) {
		uint32_t sum = boot_checksum(r, bps);
		ok = 0;
		for (uint32_t i = 0; i < bps; i += 4)
			if (mem_le32(r + 11 * bps + i) != sum)
				ok = -1;
	}
	free(r);
	return ok;
}

static int exfat_geometry(struct fs_volume *vol, const uint8_t *b, char *err,
                          size_t errlen)
{
	for (int i = 11; i < 64; i++) {
		if (b[i] != 0) {
			snprintf(err, errlen, "exFAT boot sector: bytes 11-63 "
			         "must be zero");
			return -EINVAL;
		}
	}
	unsigned bps_shift = b[108], spc_shift = b[109];
	if (bps_shift < 9 || bps_shift > 12) {
		snprintf(err, errlen, "bytes per sector is 2^%u (512 to 4096 "
		         "expected)", bps_shift);
		return -EINVAL;
	}
	if (spc_shift > 25 - bps_shift) {
		snprintf(err, errlen, "sectors per cluster is 2^%u, beyond the "
		         "32 MiB cluster limit", spc_shift);
		return -EINVAL;
	}
	uint32_t bps = 1u << bps_shift, spc = 1u << spc_shift;
	uint64_t vol_len = mem_le64(b + 72);
	uint32_t fat_off = mem_le32(b + 80), fat_len = mem_le32(b + 84);
	uint32_t heap = mem_le32(b + 88), count = mem_le32(b + 92);
	uint32_t root = mem_le32(b + 96);
	unsigned nfats = b[110];

	if (nfats < 1 || nfats > 2) {
		snprintf(err, errlen, "FAT count is %u (1 or 2 expected)", nfats);
		return -EINVAL;
	}
	if (fat_off < 24 || fat_len == 0) {
		snprintf(err, errlen, "FAT at sector %u, %u sectors long: not a "
		         "valid exFAT layout", fat_off, fat_len);
		return -EINVAL;
	}
	if ((uint64_t)heap < (uint64_t)fat_off + (uint64_t)fat_len * nfats ||
	    heap >= vol_len) {
		snprintf(err, errlen, "cluster heap at sector %u overlaps the FAT "
		         "or lies past the volume", heap);
		return -EINVAL;
	}
	if (count == 0 || count > 0xFFFFFFF5u ||
	    count > (vol_len - heap) >> spc_shift) {
		snprintf(err, errlen, "cluster count %u does not fit the volume",
		         count);
		return -EINVAL;
	}
	if ((uint64_t)fat_len * bps / 4 < (uint64_t)count + 2) {
		snprintf(err, errlen, "a FAT of %u sectors is too small for %u "
		         "clusters", fat_len, count);
		return -EINVAL;
	}
	if (root < 2 || root >= (uint64_t)count + 2) {
		snprintf(err, errlen, "root directory cluster %u is out of range "
		         "(2 to %llu)", root, (unsigned long long)count + 1);
		return -EINVAL;
	}
	if ((uint64_t)heap * bps > vol->avail) {
		snprintf(err, errlen, "the cluster heap starts at byte %llu, past "
		         "the source's end (%llu bytes)",
		         (unsigned long long)heap * bps,
		         (unsigned long long)vol->avail);
		return -EINVAL;
	}
	fs_set_layout(vol, &(struct fs_layout){
		.type = FS_EXFAT, .bps = bps, .spc = spc, .fat_start = fat_off,
		.fat_len = fat_len, .nfats = nfats, .data_start = heap,
		.clusters = count, .total = vol_len });
	vol->root_cluster = root;
	vol->serial = mem_le32(b + 100);
	vol->has_serial = 1;
	vol->exfat_revision = mem_le16(b + 104);
	vol->exfat_flags = mem_le16(b + 106);
	vol->fsinfo_free = vol->fsinfo_next = -1;
	memcpy(vol->oem, "EXFAT   ", 9);
	return 0;
}

int exfat_open(struct fs_volume *vol, const uint8_t *b, char *err,
               size_t errlen)
{
	int rc = exfat_geometry(vol, b, err, errlen);
	if (rc != 0)
		return rc;
	uint32_t bps = vol->sector_size;
	if (region_ok(vol, 0, bps) != 0) {
		uint8_t *backup = malloc(bps);
		char err2[256];
		struct fs_volume alt = *vol;

		if (backup != NULL && region_ok(vol, 12, bps) == 0 &&
		    fs_pread(vol, vol->offset + 12ull * bps, backup, bps) == 0 &&
		    exfat_geometry(&alt, backup, err2, sizeof(err2)) == 0) {
			fs_warnf(vol, "boot region checksum mismatch; using the "
			         "backup boot region");
			*vol = alt;
		} else {
			fs_warnf(vol, "boot region checksum mismatch (and no valid "
			         "backup); going on with the main boot sector");
		}
		free(backup);
	}
	if (vol->size > vol->avail)
		fs_warnf(vol, "the volume is %llu bytes but the source holds only "
		         "%llu from its start (a truncated image?)",
		         (unsigned long long)vol->size,
		         (unsigned long long)vol->avail);
	return 0;
}

int exfat_load_meta(struct fs_volume *vol, char *err, size_t errlen)
{
	uint64_t need = ((uint64_t)vol->cluster_count + 7) / 8;

	if (vol->bitmap_cluster == 0) {
		fs_warnf(vol, "no allocation bitmap entry in the root directory; "
		         "all clusters are taken as used");
		vol->exfat_bitmap = malloc(need);
		if (vol->exfat_bitmap == NULL)
			return -ENOMEM;
		memset(vol->exfat_bitmap, 0xFF, need);
		return 0;
	}
	uint64_t off = fs_cluster_offset(vol, vol->bitmap_cluster);
	if (off == UINT64_MAX || vol->bitmap_size < need) {
		snprintf(err, errlen, "allocation bitmap at cluster %u, %llu bytes: "
		         "out of range or too small for %u clusters",
		         vol->bitmap_cluster, (unsigned long long)vol->bitmap_size,
		         vol->cluster_count);
		return -EINVAL;
	}
	/* need is bounded by the cluster count, itself checked against the
	 * volume length; the bitmap is stored contiguous by convention. */
	vol->exfat_bitmap = malloc(need);
	if (vol->exfat_bitmap == NULL)
		return -ENOMEM;
	int rc = fs_pread(vol, off, vol->exfat_bitmap, need);
	if (rc != 0) {
		snprintf(err, errlen, "cannot read the allocation bitmap at byte "
		         "%llu", (unsigned long long)off);
		return rc;
	}
	return 0;
}

static void exfat_time(struct fs_time *t, uint32_t ts, uint8_t ms10,
                       uint8_t utc)
{
	memset(t, 0, sizeof(*t));
	if (ts == 0)
		return;
	t->year = (uint16_t)(1980 + (ts >> 25));
	t->month = (ts >> 21) & 15;
	t->day = (ts >> 16) & 31;
	t->hour = (ts >> 11) & 31;
	t->min = (ts >> 5) & 63;
	t->sec = (uint8_t)((ts & 31) * 2 + (ms10 < 200 ? ms10 / 100 : 0));
	t->msec = (uint16_t)(ms10 < 200 ? (ms10 % 100) * 10 : 0);
	if (utc & 0x80) {
		int q = utc & 0x7F;
		if (q & 0x40)
			q -= 0x80;
		t->utc_offset = (int16_t)(q * 15);
		t->has_utc_offset = 1;
	}
}

/* Set checksum over count entries, with in-use bits as when written. */
static uint16_t set_checksum(const uint8_t *set, unsigned count)
{
	uint16_t sum = 0;

	for (unsigned i = 0; i < count * 32; i++) {
		uint8_t v = set[i];
		if (i == 2 || i == 3)
			continue;
		if (i % 32 == 0)
			v |= 0x80;
		sum = (uint16_t)(((sum & 1) ? 0x8000 : 0) + (sum >> 1) + v);
	}
	return sum;
}

/* The year of an exFAT timestamp. */
static unsigned ts_year(const uint8_t *p)
{
	return 1980 + (mem_le32(p) >> 25);
}

void exfat_dir_years(const uint8_t *buf, uint32_t len, unsigned *lo,
                     unsigned *hi)
{
	for (uint32_t k = 0; k + 32 <= len; k += 32) {
		const uint8_t *d = buf + k;
		if (d[0] == 0)
			break;
		if ((d[0] & 0x7F) != 0x05 || mem_le32(d + 12) == 0)
			continue;
		unsigned y = ts_year(d + 12);
		if (*lo == 0 || y < *lo)
			*lo = y;
		if (y > *hi)
			*hi = y;
	}
}

int exfat_dir_ended(const uint8_t *buf, uint32_t len)
{
	for (uint32_t k = 0; k + 32 <= len; k += 32)
		if (buf[k] == 0)
			return 1;
	return 0;
}

int exfat_dir_goes_on(const uint8_t *buf, uint32_t len, unsigned lo,
                      unsigned hi)
{
	size_t n = len / 32;
	int ended = 0, sets = 0;

	for (size_t i = 0; i < n; i++) {
		const uint8_t *d = buf + i * 32;
		uint8_t code = d[0] & 0x7F;
		if (ended) {
			if (d[0] != 0)
				return 0;
			continue;
		}
		if (d[0] == 0) {
			ended = 1;
			continue;
		}
		/* File, stream extension, name, vendor extension and
		 * allocation, padding; bitmap, up-case, label and GUID
		 * entries belong to the root alone. */
		if (code != 0x05 && code != 0x40 && code != 0x41 &&
		    code != 0x60 && code != 0x61 && code != 0x21)
			return 0;
		if (code != 0x05)
			continue;
		unsigned sc = d[1];
		if (sc < 2 || sc > 18 || i + sc >= n)
			continue;   /* a set going on in the next cluster */
		if ((d[32] & 0x7F) != 0x40 ||
		    set_checksum(d, sc + 1) != mem_le16(d + 2))
			return 0;
		unsigned y = ts_year(d + 12);
		if (lo != 0 && mem_le32(d + 12) != 0 && (y + 1 < lo || y > hi + 1))
			return 0;
		sets++;
		i += sc;
	}
	return sets > 0;
}

int exfat_parse_dir(struct fs_volume *vol, const uint8_t *buf, size_t len,
                    const struct fs_dirmap *map, unsigned flags,
                    uint32_t parent_flags, struct fs_dirlist *out)
{
	size_t n = len / 32;
	int is_root = (parent_flags & FS_E_ROOT) != 0;
	uint32_t inherit = (parent_flags & (FS_E_DELETED | FS_E_IN_DELETED)) ?
	                   FS_E_IN_DELETED : 0;
	struct fs_entry e;

	for (size_t i = 0; i < n; i++) {
		const uint8_t *d = buf + i * 32;
		uint8_t type = d[0];

		if (type == 0x00)
			break;
		if (is_root && type == 0x81 && vol->bitmap_cluster == 0) {
			vol->bitmap_cluster = mem_le32(d + 20);
			vol->bitmap_size = mem_le64(d + 24);
			continue;
		}
		if (is_root && type == 0x82) {
			vol->upcase_cluster = mem_le32(d + 20);
			vol->upcase_size = mem_le64(d + 24);
			continue;
		}
		if (is_root && type == 0x83) {
			unsigned cnt = d[1] > 11 ? 11 : d[1];
			vol->label[0] = '\0';
			fs_utf16_to_utf8(d + 2, cnt, vol->label, sizeof(vol->label), 0);
			continue;
		}
		if ((type & 0x7F) != 0x05)
			continue;   /* not a file entry: secondaries out of a set,
			               GUIDs, padding, unknown types */
		int deleted = !(type & 0x80);
		if (deleted && !(flags & FS_WALK_DELETED))
			continue;
		unsigned sc = d[1];
		if (sc < 2 || i + sc >= n) {
			if (!deleted && sc >= 2)
				fs_warnf(vol, "exFAT directory entry set at byte %llu "
				         "runs past the directory's end",
				         (unsigned long long)fs_dirmap_offset(vol, map, i * 32));
			continue;
		}
		const uint8_t *st = d + 32;
		/* Secondaries must share the primary's in-use state; a deleted
		 * set whose slots were reused is not a set any more. */
		int broken = (st[0] & 0x7F) != 0x40 || (!(st[0] & 0x80)) != deleted;
		for (unsigned k = 2; k <= sc && !broken; k++) {
			uint8_t t = d[k * 32];
			if ((!(t & 0x80)) != deleted || (t & 0x40) == 0)
				broken = 1;
		}
		if (broken) {
			if (!deleted)
				fs_warnf(vol, "exFAT file entry at byte %llu lacks its "
				         "stream extension or names",
				         (unsigned long long)fs_dirmap_offset(vol, map, i * 32));
			continue;
		}
		memset(&e, 0, sizeof(e));
		if (set_checksum(d, sc + 1) != mem_le16(d + 2)) {
			e.flags |= FS_E_BAD_CHECKSUM;
			if (!deleted)
				fs_warnf(vol, "exFAT entry set at byte %llu: checksum "
				         "mismatch",
				         (unsigned long long)fs_dirmap_offset(vol, map, i * 32));
		}
		unsigned name_len = st[3];
		size_t pos = 0;
		unsigned got = 0;
		for (unsigned k = 2; k <= sc && got < name_len; k++) {
			const uint8_t *ne = d + k * 32;
			if ((ne[0] & 0x7F) != 0x41)
				continue;
			unsigned take = name_len - got < 15 ? name_len - got : 15;
			pos = fs_utf16_to_utf8(ne + 2, take, e.name, sizeof(e.name), pos);
			got += take;
		}
		if (pos == 0)
			snprintf(e.name, sizeof(e.name), "_unnamed_%llu",
			         (unsigned long long)fs_dirmap_offset(vol, map, i * 32));
		e.attr = mem_le16(d + 4);
		if (e.attr & FS_ATTR_DIR)
			e.flags |= FS_E_DIR;
		if (deleted)
			e.flags |= FS_E_DELETED;
		e.flags |= inherit;
		if (st[1] & 0x02)
			e.flags |= FS_E_NO_FAT_CHAIN;
		e.valid_size = mem_le64(st + 8);
		e.start_cluster = mem_le32(st + 20);
		e.size = mem_le64(st + 24);
		if (e.valid_size > e.size)
			e.valid_size = e.size;
		exfat_time(&e.ctime, mem_le32(d + 8), d[20], d[22]);
		exfat_time(&e.mtime, mem_le32(d + 12), d[21], d[23]);
		exfat_time(&e.atime, mem_le32(d + 16), 0, d[24]);
		e.entry_offset = fs_dirmap_offset(vol, map, i * 32);
		int rc = fs_dirlist_push(out, &e);
		if (rc != 0)
			return rc;
		i += sc;
	}
	return 0;
}

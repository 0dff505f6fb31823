/*
 * part.c - MBR (with EBR chains) and GPT partition tables.
 *
 * Nothing read from the medium is trusted: entry counts and sizes are
 * capped before anything is allocated, EBR chains are bounded by
 * PART_MAX links and a list of EBRs already visited, and partitions that
 * reach past the source are kept but reported.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/fat.h"
#include "common/crc32.h"
#include "fs/part.h"
#include "common/mem.h"

#define GPT_MAX_ENTRIES 1024
#define GPT_MAX_ARRAY (1u << 20)

static void pwarn(fs_warn_fn warn, void *arg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void pwarn(fs_warn_fn warn, void *arg, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warn(arg, msg);
}

static int read_at(const struct source *src, uint64_t off, void *buf,
                   size_t n)
{
	return source_read_full(src, buf, n, off);
}

void part_guid_str(const uint8_t *g, char *buf, size_t len)
{
	snprintf(buf, len, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X",
	         mem_le32(g), mem_le16(g + 4), mem_le16(g + 6), g[8], g[9],
	         g[10], g[11], g[12], g[13], g[14], g[15]);
}

static const struct {
	uint8_t type;
	const char *name;
} mbr_types[] = {
	{ 0x01, "FAT12" },
	{ 0x04, "FAT16 (<32M)" },
	{ 0x05, "extended" },
	{ 0x06, "FAT16" },
	{ 0x07, "NTFS/exFAT" },
	{ 0x0B, "FAT32" },
	{ 0x0C, "FAT32 (LBA)" },
	{ 0x0E, "FAT16 (LBA)" },
	{ 0x0F, "extended (LBA)" },
	{ 0x82, "Linux swap" },
	{ 0x83, "Linux" },
	{ 0x85, "Linux extended" },
	{ 0xEE, "GPT protective" },
	{ 0xEF, "EFI system" },
};

static const struct {
	const char *guid;
	const char *name;
} gpt_types[] = {
	{ "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "Microsoft basic data" },
	{ "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI system" },
	{ "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "Linux filesystem" },
	{ "E3C9E316-0B5C-4DB8-817D-F92DF00215AE", "Microsoft reserved" },
	{ "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "Linux swap" },
};

const char *part_type_name(const struct part_table *pt,
                           const struct part_entry *e)
{
	if (pt->scheme == PART_GPT) {
		char g[40];
		part_guid_str(e->type_guid, g, sizeof(g));
		for (size_t i = 0; i < sizeof(gpt_types) / sizeof(gpt_types[0]); i++)
			if (strcmp(g, gpt_types[i].guid) == 0)
				return gpt_types[i].name;
		return "unknown";
	}
	for (size_t i = 0; i < sizeof(mbr_types) / sizeof(mbr_types[0]); i++)
		if (mbr_types[i].type == e->mbr_type)
			return mbr_types[i].name;
	return "unknown";
}

static int is_extended(uint8_t t)
{
	return t == 0x05 || t == 0x0F || t == 0x85;
}

/* Probes the start of a partition for a volume (FAT and exFAT by their
 * boot sector; the others by the magic fs_probe knows). */
static enum fs_type probe_at(const struct source *src, uint64_t size,
                             uint64_t off)
{
	uint8_t *b;
	enum fs_type t = FS_NONE;

	if (off >= size || size - off < 512)
		return FS_NONE;
	size_t n = size - off < FS_PROBE_LEN ? (size_t)(size - off) : FS_PROBE_LEN;
	if ((b = malloc(n)) == NULL)
		return FS_NONE;
	if (read_at(src, off, b, n) == 0)
		t = fs_probe(b, n);
	free(b);
	return t;
}

static struct part_entry *add_entry(struct part_table *pt, fs_warn_fn warn,
                                    void *arg)
{
	if (pt->n >= PART_MAX) {
		if (pt->n == PART_MAX)
			pwarn(warn, arg, "more than %d partitions; the rest are "
			      "ignored", PART_MAX);
		return NULL;
	}
	struct part_entry *e = &pt->e[pt->n++];
	memset(e, 0, sizeof(*e));
	return e;
}

/* Whether the four entries of sector b look like a partition table. */
static int mbr_plausible(const uint8_t *b)
{
	int used = 0;

	if (b[510] != 0x55 || b[511] != 0xAA)
		return 0;
	for (int i = 0; i < 4; i++) {
		const uint8_t *p = b + 446 + 16 * i;
		if (p[0] != 0x00 && p[0] != 0x80)
			return 0;
		if (p[4] == 0)
			continue;
		if (mem_le32(p + 12) == 0)
			return 0;
		used++;
	}
	return used > 0;
}

static void read_ebr_chain(const struct source *src, uint64_t size,
                           struct part_table *pt,
                           uint64_t ext_lba, uint64_t ext_len,
                           fs_warn_fn warn, void *arg)
{
	uint64_t visited[PART_MAX];
	unsigned nvisited = 0, index = 5;
	uint64_t cur = ext_lba;
	uint8_t b[512];

	while (nvisited < PART_MAX) {
		for (unsigned i = 0; i < nvisited; i++) {
			if (visited[i] == cur) {
				pwarn(warn, arg, "extended partition: EBR chain loops "
				      "back to sector %llu; cut there",
				      (unsigned long long)cur);
				return;
			}
		}
		visited[nvisited++] = cur;
		if (read_at(src, cur * 512, b, sizeof(b)) != 0) {
			pwarn(warn, arg, "extended partition: cannot read the EBR at "
			      "sector %llu", (unsigned long long)cur);
			return;
		}
		if (b[510] != 0x55 || b[511] != 0xAA) {
			pwarn(warn, arg, "extended partition: no EBR signature at "
			      "sector %llu", (unsigned long long)cur);
			return;
		}
		const uint8_t *p0 = b + 446, *p1 = b + 462;
		if (p0[4] != 0 && mem_le32(p0 + 12) != 0) {
			struct part_entry *e = add_entry(pt, warn, arg);
			if (e == NULL)
				return;
			e->index = index;
			e->logical = 1;
			e->mbr_type = p0[4];
			e->start = (cur + mem_le32(p0 + 8)) * 512;
			e->size = (uint64_t)mem_le32(p0 + 12) * 512;
			e->fs = probe_at(src, size, e->start);
		}
		index++;
		if (p1[4] == 0 || !is_extended(p1[4]) || mem_le32(p1 + 12) == 0)
			return;
		uint64_t next = ext_lba + mem_le32(p1 + 8);
		if (next < ext_lba || next >= ext_lba + ext_len) {
			pwarn(warn, arg, "extended partition: next EBR at sector %llu "
			      "lies outside the extended partition; cut there",
			      (unsigned long long)next);
			return;
		}
		cur = next;
	}
	pwarn(warn, arg, "extended partition: more than %d EBRs; cut there",
	      PART_MAX);
}

static void read_mbr(const struct source *src, uint64_t size, const uint8_t *b,
                     struct part_table *pt, fs_warn_fn warn, void *arg)
{
	int ext_seen = 0;

	pt->scheme = PART_MBR;
	pt->sector_size = 512;
	pt->disk_signature = mem_le32(b + 440);
	for (int i = 0; i < 4; i++) {
		const uint8_t *p = b + 446 + 16 * i;
		uint64_t lba = mem_le32(p + 8), cnt = mem_le32(p + 12);
		if (p[4] == 0 || cnt == 0)
			continue;
		struct part_entry *e = add_entry(pt, warn, arg);
		if (e == NULL)
			return;
		e->index = (unsigned)i + 1;
		e->mbr_type = p[4];
		e->start = lba * 512;
		e->size = cnt * 512;
		if (e->start >= size || e->size > size - e->start)
			pwarn(warn, arg, "partition %u (sectors %llu-%llu) reaches "
			      "past the source's end", e->index,
			      (unsigned long long)lba,
			      (unsigned long long)(lba + cnt - 1));
		if (is_extended(p[4])) {
			e->extended = 1;
			if (ext_seen++) {
				pwarn(warn, arg, "more than one extended partition; "
				      "only the first is read");
				continue;
			}
			read_ebr_chain(src, size, pt, lba, cnt, warn, arg);
		} else {
			e->fs = probe_at(src, size, e->start);
		}
	}
}

/* Reads and checks one GPT header at lba; 0 when it and its array are good. */
static int gpt_try(const struct source *src, uint64_t size, uint32_t ss,
                   uint64_t lba, struct part_table *pt, fs_warn_fn warn,
                   void *arg, const char *which)
{
	uint8_t h[4096];

	if (lba * ss + ss > size || read_at(src, lba * ss, h, ss) != 0)
		return -1;
	if (memcmp(h, "EFI PART", 8) != 0)
		return -1;
	uint32_t hsize = mem_le32(h + 12);
	if (hsize < 92 || hsize > ss) {
		pwarn(warn, arg, "%s GPT header: size %u is invalid", which, hsize);
		return -1;
	}
	uint32_t want = mem_le32(h + 16);
	uint8_t tmp[4096];
	memcpy(tmp, h, hsize);
	memset(tmp + 16, 0, 4);
	if (crc32_update(0, tmp, hsize) != want) {
		pwarn(warn, arg, "%s GPT header: CRC32 mismatch", which);
		return -1;
	}
	uint64_t arr_lba = mem_le64(h + 72);
	uint32_t count = mem_le32(h + 80), esize = mem_le32(h + 84);
	if (esize < 128 || esize % 8 != 0 || count == 0 ||
	    count > GPT_MAX_ENTRIES || (uint64_t)count * esize > GPT_MAX_ARRAY) {
		pwarn(warn, arg, "%s GPT header: %u entries of %u bytes is not "
		      "a sane entry array", which, count, esize);
		return -1;
	}
	size_t alen = (size_t)count * esize;
	if (arr_lba > size / ss || alen > size - arr_lba * ss) {
		pwarn(warn, arg, "%s GPT header: entry array past the source's end",
		      which);
		return -1;
	}
	uint8_t *a = malloc(alen);
	if (a == NULL || read_at(src, arr_lba * ss, a, alen) != 0) {
		free(a);
		return -1;
	}
	if (crc32_update(0, a, alen) != mem_le32(h + 88)) {
		pwarn(warn, arg, "%s GPT entry array: CRC32 mismatch", which);
		free(a);
		return -1;
	}
	pt->scheme = PART_GPT;
	pt->sector_size = ss;
	memcpy(pt->disk_guid, h + 56, 16);
	pt->n = 0;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *p = a + (size_t)i * esize;
		static const uint8_t zero[16];
		if (memcmp(p, zero, 16) == 0)
			continue;
		uint64_t first = mem_le64(p + 32), last = mem_le64(p + 40);
		struct part_entry *e = add_entry(pt, warn, arg);
		if (e == NULL)
			break;
		e->index = i + 1;
		memcpy(e->type_guid, p, 16);
		fs_utf16_to_utf8(p + 56, 36, e->name, sizeof(e->name), 0);
		if (last < first || first > UINT64_MAX / ss) {
			pwarn(warn, arg, "GPT partition %u: last sector before the "
			      "first", e->index);
			e->start = first > UINT64_MAX / ss ? 0 : first * ss;
			e->size = 0;
			continue;
		}
		e->start = first * ss;
		e->size = (last - first + 1) * ss;
		if (e->start >= size || e->size > size - e->start)
			pwarn(warn, arg, "partition %u reaches past the source's end",
			      e->index);
		e->fs = probe_at(src, size, e->start);
	}
	free(a);
	return 0;
}

int part_read(const struct source *src, uint64_t size, struct part_table *pt,
              fs_warn_fn warn, void *warn_arg, char *err, size_t errlen)
{
	uint8_t b[512];

	memset(pt, 0, sizeof(*pt));
	if (size < sizeof(b)) {
		snprintf(err, errlen, "the source is only %llu bytes, smaller than "
		         "one sector", (unsigned long long)size);
		return -EINVAL;
	}
	int rc = read_at(src, 0, b, sizeof(b));
	if (rc != 0) {
		snprintf(err, errlen, "cannot read sector 0: %s", strerror(-rc));
		return rc;
	}
	pt->whole_fs = probe_at(src, size, 0);
	if (pt->whole_fs != FS_NONE)
		return 0;   /* a superfloppy: the volume starts at byte 0 */
	int protective = 0;
	if (mbr_plausible(b))
		for (int i = 0; i < 4; i++)
			if (b[446 + 16 * i + 4] == 0xEE)
				protective = 1;
	if (protective || !mbr_plausible(b)) {
		static const uint32_t sizes[] = { 512, 4096 };
		for (unsigned k = 0; k < 2; k++) {
			uint32_t ss = sizes[k];
			if (gpt_try(src, size, ss, 1, pt, warn, warn_arg, "primary") == 0)
				return 0;
			if (size / ss >= 2 &&
			    gpt_try(src, size, ss, size / ss - 1, pt, warn, warn_arg,
			            "backup") == 0) {
				pt->gpt_backup = 1;
				pwarn(warn, warn_arg, "the primary GPT is damaged; the "
				      "backup GPT at the disk's end was used");
				return 0;
			}
		}
		if (protective)
			pwarn(warn, warn_arg, "protective MBR but no valid GPT; "
			      "reading the MBR");
	}
	if (mbr_plausible(b))
		read_mbr(src, size, b, pt, warn, warn_arg);
	return 0;
}

int part_select(const struct part_table *pt, uint64_t source_size,
                unsigned index, uint64_t *off, uint64_t *len, char *err,
                size_t errlen)
{
	if (pt->scheme == PART_NONE) {
		if (index != 0) {
			snprintf(err, errlen, "there is no partition table, so no "
			         "partition %u", index);
			return -ENOENT;
		}
		if (pt->whole_fs == FS_NONE) {
			snprintf(err, errlen, "no partition table and no FAT or exFAT "
			         "boot sector at byte 0");
			return -EINVAL;
		}
		*off = 0;
		*len = source_size;
		return 0;
	}
	const struct part_entry *pick = NULL;
	unsigned nfs = 0;
	for (unsigned i = 0; i < pt->n; i++) {
		const struct part_entry *e = &pt->e[i];
		if (index != 0 && e->index == index)
			pick = e;
		if (index == 0 && e->fs != FS_NONE && !e->extended) {
			nfs++;
			pick = e;
		}
	}
	if (index != 0 && pick == NULL) {
		snprintf(err, errlen, "there is no partition %u", index);
		return -ENOENT;
	}
	if (index != 0 && pick->extended) {
		snprintf(err, errlen, "partition %u is an extended partition (a "
		         "container); choose one of its logical partitions", index);
		return -EINVAL;
	}
	if (index == 0 && nfs == 0) {
		snprintf(err, errlen, "no FAT or exFAT volume in the %s partition "
		         "table", pt->scheme == PART_GPT ? "GPT" : "MBR");
		return -ENOENT;
	}
	if (index == 0 && nfs > 1) {
		snprintf(err, errlen, "%u FAT/exFAT volumes; choose one with -p N "
		         "(see 'dredge fs info')", nfs);
		return -EINVAL;
	}
	if (pick->start >= source_size) {
		snprintf(err, errlen, "partition %u starts at byte %llu, past the "
		         "source's end", pick->index,
		         (unsigned long long)pick->start);
		return -EINVAL;
	}
	*off = pick->start;
	*len = pick->size < source_size - pick->start ? pick->size
	       : source_size - pick->start;
	return 0;
}

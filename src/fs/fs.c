/*
 * fs.c - what FAT12/16/32 and exFAT volumes have in common: opening, the
 * cached FAT, cluster chains (loop-safe), loading a directory's bytes,
 * walking the tree (deleted directories too, loops and depth bounded),
 * path lookup, the runs of live and deleted files, and allocation maps.
 * Volumes of the other file systems are handed to tsk.c at open, and each
 * operation below passes them on to it.
 *
 * Bounds: a chain never takes a cluster twice (a per-volume scratch bitmap
 * remembers the clusters taken) nor more than the file's size needs; a
 * directory is read up to 2 MiB (FAT's 65536 entries) or 32 MiB (exFAT);
 * a walk holds at most FS_WALK_MEM bytes of directory listings and goes
 * FS_MAX_DEPTH levels deep; every allocation is bounded by the cluster
 * count, itself checked against the source size at open.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fs/fat.h"
#include "fs/tsk.h"
#include "formats/format.h"
#include "formats/run.h"
#include "common/mem.h"

#define FS_CACHE_SLOTS 16
#define FS_CACHE_BLOCK (64u * 1024u)
#define FS_FAT_DIR_MAX (2u << 20)
#define FS_EXFAT_DIR_MAX (32u << 20)
#define FS_WALK_MEM (256ull << 20)
/* Free clusters searched for a deleted directory's next cluster. */
#define FS_DIR_SEARCH 4096u

struct fs_cache {
	struct {
		uint64_t blk;     /* block index + 1; 0: empty */
		uint32_t len;
		uint8_t data[FS_CACHE_BLOCK];
	} slot[FS_CACHE_SLOTS];
};

/* ------------------------------------------------------------ helpers */

const char *fs_type_name(enum fs_type t)
{
	switch (t) {
	case FS_FAT12: return "FAT12";
	case FS_FAT16: return "FAT16";
	case FS_FAT32: return "FAT32";
	case FS_EXFAT: return "exFAT";
	case FS_NTFS: return "NTFS";
	case FS_EXT2: return "ext2";
	case FS_EXT3: return "ext3";
	case FS_EXT4: return "ext4";
	case FS_HFS: return "HFS+";
	case FS_ISO9660: return "ISO9660";
	case FS_UFS: return "UFS";
	case FS_TSK_OTHER: return "other (The Sleuth Kit)";
	default: return "none";
	}
}

void fs_warnf(struct fs_volume *vol, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	vol->warnings++;
	if (vol->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vol->warn(vol->warn_arg, msg);
}

void fs_set_layout(struct fs_volume *vol, const struct fs_layout *l)
{
	vol->type = l->type;
	vol->sector_size = l->bps;
	vol->sectors_per_cluster = l->spc;
	vol->cluster_size = l->bps * l->spc;
	vol->reserved_sectors = (uint32_t)l->fat_start;
	vol->nfats = l->nfats;
	vol->fat_offset = l->fat_start * l->bps;
	vol->fat_size = l->fat_len * l->bps;
	vol->data_offset = l->data_start * l->bps;
	vol->cluster_count = l->clusters;
	vol->size = l->total * l->bps;
}

int fs_pread(const struct fs_volume *vol, uint64_t off, void *buf, size_t n)
{
	return source_read_full(vol->src, buf, n, off);
}

static void put_utf8(char *dst, size_t dlen, size_t *pos, uint32_t cp)
{
	uint8_t b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xC0 | (cp >> 6));
		b[1] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xE0 | (cp >> 12));
		b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xF0 | (cp >> 18));
		b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 4;
	}
	if (*pos + n < dlen) {
		memcpy(dst + *pos, b, n);
		*pos += n;
	}
	dst[*pos] = '\0';
}

size_t fs_utf16_to_utf8(const uint8_t *src, size_t units, char *dst,
                        size_t dlen, size_t pos)
{
	if (dlen == 0)
		return 0;
	dst[pos < dlen ? pos : dlen - 1] = '\0';
	for (size_t i = 0; i < units; i++) {
		uint32_t u = mem_le16(src + 2 * i);
		if (u == 0)
			break;
		if (u >= 0xD800 && u < 0xDC00 && i + 1 < units) {
			uint32_t lo = mem_le16(src + 2 * i + 2);
			if (lo >= 0xDC00 && lo < 0xE000) {
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				i++;
			} else {
				u = 0xFFFD;
			}
		} else if (u >= 0xD800 && u < 0xE000) {
			u = 0xFFFD;
		}
		put_utf8(dst, dlen, &pos, u);
	}
	return pos;
}

int fs_dirlist_push(struct fs_dirlist *l, const struct fs_entry *e)
{
	if (l->n == l->cap) {
		unsigned cap = l->cap ? l->cap * 2 : 16;
		struct fs_entry *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *e;
	return 0;
}

void fs_dirlist_free(struct fs_dirlist *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int fs_bitmap_alloc(struct fs_bitmap *b, uint64_t nbits)
{
	b->nbits = nbits;
	b->w = calloc((size_t)((nbits + 63) / 64) + 1, sizeof(uint64_t));
	return b->w == NULL ? -ENOMEM : 0;
}

void fs_bitmap_free(struct fs_bitmap *map)
{
	free(map->w);
	map->w = NULL;
	map->nbits = 0;
}

static inline void bitmap_clear(struct fs_bitmap *b, uint64_t i)
{
	if (i < b->nbits)
		b->w[i >> 6] &= ~((uint64_t)1 << (i & 63));
}

void fs_time_str(const struct fs_time *t, char *buf, size_t len)
{
	if (t->year == 0) {
		snprintf(buf, len, "0000-00-00 00:00:00");
		return;
	}
	int n = snprintf(buf, len, "%04u-%02u-%02u %02u:%02u:%02u", t->year,
	                 t->month, t->day, t->hour, t->min, t->sec);
	if (t->has_utc_offset && n > 0 && (size_t)n < len) {
		int m = t->utc_offset < 0 ? -t->utc_offset : t->utc_offset;
		snprintf(buf + n, len - (size_t)n, "%c%02d:%02d",
		         t->utc_offset < 0 ? '-' : '+', m / 60, m % 60);
	}
}

/* ------------------------------------------------------------ geometry */

uint64_t fs_cluster_offset(const struct fs_volume *vol, uint32_t c)
{
	if (c < 2 || (uint64_t)c >= (uint64_t)vol->cluster_count + 2)
		return UINT64_MAX;
	return vol->offset + vol->data_offset +
	       (uint64_t)(c - 2) * vol->cluster_size;
}

uint32_t fs_offset_cluster(const struct fs_volume *vol, uint64_t off)
{
	uint64_t start = vol->offset + vol->data_offset;
	if (off < start)
		return 0;
	uint64_t c = (off - start) / vol->cluster_size;
	if (c >= vol->cluster_count)
		return 0;
	return (uint32_t)c + 2;
}

enum fs_type fs_probe(const uint8_t *boot, size_t len)
{
	if (len < 512)
		return FS_NONE;
	if (exfat_probe(boot))
		return FS_EXFAT;
	if (memcmp(boot + 3, "NTFS    ", 8) == 0 && boot[510] == 0x55 &&
	    boot[511] == 0xAA)
		return FS_NTFS;
	enum fs_type t = fat_probe(boot);
	if (t != FS_NONE)
		return t;
	if (len >= 1024 + 0x68 && boot[1024 + 0x38] == 0x53 &&
	    boot[1024 + 0x39] == 0xEF) {
		uint32_t compat = mem_le32(boot + 1024 + 0x5C);
		uint32_t incompat = mem_le32(boot + 1024 + 0x60);
		if (incompat & (0x40 | 0x80 | 0x200))  /* extents, 64bit, flex_bg */
			return FS_EXT4;
		return compat & 0x4 ? FS_EXT3 : FS_EXT2;   /* has_journal */
	}
	if (len >= 1026 && ((boot[1024] == 'H' && boot[1025] == '+') ||
	                    (boot[1024] == 'H' && boot[1025] == 'X')))
		return FS_HFS;
	if (len >= 32774 && memcmp(boot + 32769, "CD001", 5) == 0)
		return FS_ISO9660;
	return FS_NONE;
}

void fs_root_entry(const struct fs_volume *vol, struct fs_entry *root)
{
	memset(root, 0, sizeof(*root));
	root->flags = FS_E_DIR | FS_E_ROOT;
	root->attr = FS_ATTR_DIR;
	if (fs_type_is_tsk(vol->type)) {
		root->entry_offset = vol->root_inode;
		return;
	}
	root->start_cluster = vol->type == FS_FAT32 || vol->type == FS_EXFAT ?
	                      vol->root_cluster : 0;
}

/* ------------------------------------------------------------ the FAT */

/* Bytes [off, off+n) of the first FAT through the cache; 0 or -errno. */
static int fat_bytes(struct fs_volume *vol, uint64_t off, uint8_t *dst,
                     size_t n)
{
	struct fs_cache *c = vol->cache;

	while (n > 0) {
		uint64_t blk = off / FS_CACHE_BLOCK;
		size_t in = (size_t)(off % FS_CACHE_BLOCK);
		unsigned s = (unsigned)(blk % FS_CACHE_SLOTS);

		if (c->slot[s].blk != blk + 1) {
			uint64_t start = blk * FS_CACHE_BLOCK;
			if (start >= vol->fat_size)
				return -ERANGE;
			uint64_t want = vol->fat_size - start;
			if (want > FS_CACHE_BLOCK)
				want = FS_CACHE_BLOCK;
			c->slot[s].blk = 0;
			int rc = fs_pread(vol, vol->offset + vol->fat_offset + start,
			                  c->slot[s].data, (size_t)want);
			if (rc != 0)
				return rc;
			c->slot[s].blk = blk + 1;
			c->slot[s].len = (uint32_t)want;
		}
		if (in >= c->slot[s].len)
			return -ERANGE;
		size_t take = c->slot[s].len - in;
		if (take > n)
			take = n;
		memcpy(dst, c->slot[s].data + in, take);
		dst += take;
		off += take;
		n -= take;
	}
	return 0;
}

int fs_fat_next(struct fs_volume *vol, uint32_t c, uint32_t *next)
{
	uint8_t b[4];
	uint32_t v;
	int rc;

	if (c >= (uint64_t)vol->cluster_count + 2)
		return -ERANGE;
	switch (vol->type) {
	case FS_FAT12:
		rc = fat_bytes(vol, c + c / 2, b, 2);
		if (rc != 0)
			return rc;
		v = mem_le16(b);
		v = (c & 1) ? v >> 4 : v & 0xFFF;
		*next = v == 0 ? FS_FAT_FREE : v == 0xFF7 ? FS_FAT_BAD :
		        v >= 0xFF8 ? FS_FAT_EOC : v;
		return 0;
	case FS_FAT16:
		rc = fat_bytes(vol, (uint64_t)c * 2, b, 2);
		if (rc != 0)
			return rc;
		v = mem_le16(b);
		*next = v == 0 ? FS_FAT_FREE : v == 0xFFF7 ? FS_FAT_BAD :
		        v >= 0xFFF8 ? FS_FAT_EOC : v;
		return 0;
	case FS_FAT32:
		rc = fat_bytes(vol, (uint64_t)c * 4, b, 4);
		if (rc != 0)
			return rc;
		v = mem_le32(b) & 0x0FFFFFFF;
		*next = v == 0 ? FS_FAT_FREE : v == 0x0FFFFFF7 ? FS_FAT_BAD :
		        v >= 0x0FFFFFF8 ? FS_FAT_EOC : v;
		return 0;
	case FS_EXFAT:
		rc = fat_bytes(vol, (uint64_t)c * 4, b, 4);
		if (rc != 0)
			return rc;
		v = mem_le32(b);
		*next = v == 0 ? FS_FAT_FREE : v == 0xFFFFFFF7 ? FS_FAT_BAD :
		        v >= 0xFFFFFFF8 ? FS_FAT_EOC : v;
		return 0;
	default:
		return -EINVAL;
	}
}

/* Whether the FAT (exFAT: the bitmap) marks cluster c in use. */
static int cluster_used(struct fs_volume *vol, uint32_t c)
{
	if (vol->type == FS_EXFAT) {
		uint32_t i = c - 2;
		if (c < 2 || c >= (uint64_t)vol->cluster_count + 2 ||
		    vol->exfat_bitmap == NULL)
			return 1;
		return (vol->exfat_bitmap[i >> 3] >> (i & 7)) & 1;
	}
	uint32_t next;
	if (fs_fat_next(vol, c, &next) != 0)
		return 1;
	return next != FS_FAT_FREE;
}

/* ------------------------------------------------------------ open */

int fs_open(struct fs_volume *vol, const struct source *src, uint64_t offset,
            uint64_t size, fs_warn_fn warn, void *warn_arg, char *err,
            size_t errlen)
{
	uint8_t boot[512];
	int rc;

	memset(vol, 0, sizeof(*vol));
	vol->src = src;
	vol->offset = offset;
	vol->avail = size;
	vol->warn = warn;
	vol->warn_arg = warn_arg;
	if (size < sizeof(boot)) {
		snprintf(err, errlen, "no room for a boot sector at byte %llu "
		         "(%llu bytes left)", (unsigned long long)offset,
		         (unsigned long long)size);
		return -EINVAL;
	}
	rc = fs_pread(vol, offset, boot, sizeof(boot));
	if (rc != 0) {
		snprintf(err, errlen, "cannot read the boot sector at byte %llu: %s",
		         (unsigned long long)offset, strerror(-rc));
		return rc;
	}
	if (exfat_probe(boot)) {
		rc = exfat_open(vol, boot, err, errlen);
	} else if (fs_type_is_tsk(fs_probe(boot, sizeof(boot))) ||
	           boot[510] != 0x55 || boot[511] != 0xAA) {
		/* NTFS, or no FAT boot sector: whatever The Sleuth Kit
		 * reads (it looks further than this sector). */
		rc = tsk_vol_open(vol, err, errlen);
		if (rc == 0) {
			vol->free_clusters = UINT64_MAX;
			return 0;
		}
		goto fail;
	} else {
		rc = fat_open(vol, boot, err, errlen);
	}
	if (rc != 0)
		goto fail;
	vol->cache = calloc(1, sizeof(*vol->cache));
	if (vol->cache == NULL) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (fs_bitmap_alloc(&vol->seen, (uint64_t)vol->cluster_count + 2) != 0) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* Reading the root directory finds the label (and exFAT's bitmap). */
	struct fs_entry root;
	fs_root_entry(vol, &root);
	rc = fs_walk(vol, &root, "", 0, NULL, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "cannot read the root directory: %s",
		         strerror(-rc));
		goto fail;
	}
	if (vol->type == FS_EXFAT) {
		rc = exfat_load_meta(vol, err, errlen);
		if (rc != 0)
			goto fail;
	} else if (vol->label[0] == '\0') {
		memcpy(vol->label, vol->bpb_label, sizeof(vol->bpb_label));
	}
	vol->free_clusters = UINT64_MAX;
	return 0;
fail:
	fs_close(vol);
	vol->type = FS_NONE;
	return rc;
}

void fs_close(struct fs_volume *vol)
{
	tsk_vol_close(vol);
	free(vol->cache);
	vol->cache = NULL;
	free(vol->exfat_bitmap);
	vol->exfat_bitmap = NULL;
	fs_bitmap_free(&vol->seen);
}

/* ------------------------------------------------------------ runs */

int fs_runs_add(struct fs_runs *r, uint32_t c, uint32_t count)
{
	if (r->n > 0 &&
	    (c == 0 ? r->v[r->n - 1].cluster == 0 :
	     r->v[r->n - 1].cluster != 0 &&
	     r->v[r->n - 1].cluster + r->v[r->n - 1].count == c) &&
	    r->v[r->n - 1].count <= UINT32_MAX - count) {
		r->v[r->n - 1].count += count;
	} else {
		if (r->n == r->cap) {
			unsigned cap = r->cap ? r->cap * 2 : 8;
			struct fs_run *v = realloc(r->v, cap * sizeof(*v));
			if (v == NULL)
				return -ENOMEM;
			r->v = v;
			r->cap = cap;
		}
		r->v[r->n].cluster = c;
		r->v[r->n].count = count;
		r->n++;
	}
	r->clusters += count;
	return 0;
}

void fs_runs_free(struct fs_runs *runs)
{
	free(runs->v);
	free(runs->data);
	memset(runs, 0, sizeof(*runs));
}

static int in_range(const struct fs_volume *vol, uint32_t c)
{
	return c >= 2 && (uint64_t)c < (uint64_t)vol->cluster_count + 2;
}

/*
 * Follows the FAT chain from start for at most max clusters into r.
 * what names the file in warnings.
 */
static int follow_chain(struct fs_volume *vol, uint32_t start, uint64_t max,
                        struct fs_runs *r, const char *what)
{
	uint32_t c = start, next = FS_FAT_EOC;
	int rc = 0;

	if (!in_range(vol, start)) {
		fs_warnf(vol, "%s: first cluster %u is out of range (2 to %llu)",
		         what, start, (unsigned long long)vol->cluster_count + 1);
		r->status |= FS_RUNS_RANGE;
		return 0;
	}
	while (r->clusters < max) {
		if (fs_bitmap_get(&vol->seen, c)) {
			fs_warnf(vol, "%s: cluster chain loops (cluster %u comes "
			         "again after %llu clusters); cut there", what, c,
			         (unsigned long long)r->clusters);
			r->status |= FS_RUNS_LOOP;
			break;
		}
		fs_bitmap_set(&vol->seen, c);
		rc = fs_runs_add(r, c, 1);
		if (rc != 0)
			break;
		rc = fs_fat_next(vol, c, &next);
		if (rc != 0) {
			fs_warnf(vol, "%s: cannot read the FAT entry of cluster %u",
			         what, c);
			r->status |= FS_RUNS_IO;
			rc = 0;
			break;
		}
		if (next == FS_FAT_EOC)
			break;
		if (next == FS_FAT_FREE || next == FS_FAT_BAD) {
			fs_warnf(vol, "%s: cluster chain runs into a %s cluster "
			         "after cluster %u", what,
			         next == FS_FAT_FREE ? "free" : "bad", c);
			r->status |= FS_RUNS_SHORT;
			break;
		}
		if (!in_range(vol, next)) {
			fs_warnf(vol, "%s: cluster %u points to cluster %u, out of "
			         "range (2 to %llu)", what, c, next,
			         (unsigned long long)vol->cluster_count + 1);
			r->status |= FS_RUNS_RANGE;
			break;
		}
		c = next;
	}
	if (rc == 0 && r->clusters == max && max > 0 && next != FS_FAT_EOC &&
	    !(r->status & (FS_RUNS_LOOP | FS_RUNS_IO)))
		fs_warnf(vol, "%s: cluster chain is longer than the file's size",
		         what);
	for (unsigned i = 0; i < r->n; i++)
		for (uint32_t k = 0; k < r->v[i].count; k++)
			bitmap_clear(&vol->seen, (uint64_t)r->v[i].cluster + k);
	return rc;
}

/* Whether a live file or, without a map, the FAT owns cluster c. */
static int owned(struct fs_volume *vol, const struct fs_bitmap *alloc,
                 uint32_t c)
{
	return alloc ? fs_bitmap_get(alloc, c) : cluster_used(vol, c);
}

/*
 * Clusters of a deleted exFAT folder whose FAT chain cannot be followed
 * (cleared, or taken by files written since): its first cluster, then
 * while no end-of-directory mark has been seen and the size asks for more,
 * the next free cluster that holds entry sets of the same folder
 * (exfat_dir_goes_on), searched up to FS_DIR_SEARCH clusters ahead rather
 * than taking the one after whatever it holds.
 */
static int deleted_exfat_dir_runs(struct fs_volume *vol, uint32_t start,
                                  uint64_t need, const struct fs_bitmap *alloc,
                                  struct fs_runs *r)
{
	uint8_t *buf = malloc(vol->cluster_size);
	unsigned lo = 0, hi = 0;
	int rc = 0;

	if (buf == NULL)
		return -ENOMEM;
	if (fs_pread(vol, fs_cluster_offset(vol, start), buf,
	             vol->cluster_size) != 0 ||
	    (rc = fs_runs_add(r, start, 1)) != 0) {
		free(buf);
		return rc;
	}
	for (uint32_t c = start; r->clusters < need;) {
		if (exfat_dir_ended(buf, vol->cluster_size))
			break;
		exfat_dir_years(buf, vol->cluster_size, &lo, &hi);
		uint32_t next = 0;
		for (uint32_t k = 1; k <= FS_DIR_SEARCH && in_range(vol, c + k);
		     k++) {
			if (owned(vol, alloc, c + k) ||
			    fs_pread(vol, fs_cluster_offset(vol, c + k), buf,
			             vol->cluster_size) != 0)
				continue;
			if (exfat_dir_goes_on(buf, vol->cluster_size, lo, hi)) {
				next = c + k;
				break;
			}
		}
		if (next == 0 || (rc = fs_runs_add(r, next, 1)) != 0)
			break;
		c = next;
	}
	free(buf);
	return rc;
}

static int deleted_runs(struct fs_volume *vol, const struct fs_entry *e,
                        uint64_t need, const struct fs_bitmap *alloc,
                        struct fs_runs *r)
{
	uint32_t c = e->start_cluster;
	uint64_t end = (uint64_t)vol->cluster_count + 2;
	int rc = 0;

	if (!in_range(vol, c)) {
		r->status |= FS_RUNS_RANGE;
		return 0;
	}
	if (e->flags & FS_E_NO_FAT_CHAIN) {
		uint64_t take = need;
		if (take > end - c) {
			take = end - c;
			r->status |= FS_RUNS_SHORT;
		}
		for (uint64_t k = 0; k < take; k++)
			if (owned(vol, alloc, (uint32_t)(c + k)))
				r->status |= FS_RUNS_OVERWRITTEN;
		return fs_runs_add(r, c, (uint32_t)take);
	}
	if (vol->type == FS_EXFAT) {
		/* exFAT leaves the FAT alone on delete: a chain of free
		 * clusters of exactly the right length is the file's. */
		struct fs_runs t;
		memset(&t, 0, sizeof(t));
		fs_warn_fn w = vol->warn;
		unsigned nw = vol->warnings;
		vol->warn = NULL;   /* a failed guess is no anomaly */
		rc = follow_chain(vol, c, need, &t, e->name);
		vol->warn = w;
		vol->warnings = nw;
		int good = rc == 0 && t.clusters == need && t.status == 0;
		for (unsigned i = 0; good && i < t.n; i++)
			for (uint32_t k = 0; good && k < t.v[i].count; k++)
				if (owned(vol, alloc, t.v[i].cluster + k))
					good = 0;
		if (good) {
			fs_runs_free(r);
			*r = t;
			return 0;
		}
		fs_runs_free(&t);
	}
	if (vol->type == FS_EXFAT && fs_entry_is_dir(e) && !owned(vol, alloc, c))
		return deleted_exfat_dir_runs(vol, c, need, alloc, r);
	if (owned(vol, alloc, c)) {
		/* The start was reused: what lies there now is shown as is. */
		uint64_t take = need < end - c ? need : end - c;
		r->status |= FS_RUNS_OVERWRITTEN;
		if (take < need)
			r->status |= FS_RUNS_SHORT;
		return fs_runs_add(r, c, (uint32_t)take);
	}
	for (uint64_t k = c; k < end && r->clusters < need; k++) {
		if (owned(vol, alloc, (uint32_t)k)) {
			r->status |= FS_RUNS_SKIPPED;
			continue;
		}
		rc = fs_runs_add(r, (uint32_t)k, 1);
		if (rc != 0)
			return rc;
	}
	if (r->clusters < need)
		r->status |= FS_RUNS_SHORT;
	return 0;
}

static int deleted_fat_dir_runs(struct fs_volume *vol, uint32_t start,
                                struct fs_runs *r);

int fs_file_runs(struct fs_volume *vol, const struct fs_entry *e,
                 const struct fs_bitmap *alloc, struct fs_runs *r)
{
	uint64_t cs = vol->cluster_size;
	int dir = fs_entry_is_dir(e);
	uint64_t dir_max = (vol->type == FS_EXFAT ? FS_EXFAT_DIR_MAX :
	                    FS_FAT_DIR_MAX) / cs;
	uint64_t need;
	int rc;

	memset(r, 0, sizeof(*r));
	if (fs_type_is_tsk(vol->type))
		return tsk_vol_file_runs(vol, e, alloc, r);
	if (dir && (vol->type != FS_EXFAT || (e->flags & FS_E_ROOT)))
		need = dir_max ? dir_max : 1;
	else
		need = (e->size + cs - 1) / cs;
	if (dir && need > dir_max && dir_max > 0)
		need = dir_max;
	if ((e->flags & FS_E_ROOT) && vol->type != FS_FAT32 &&
	    vol->type != FS_EXFAT)
		return 0;   /* the fixed FAT12/16 root has no clusters */
	if (need == 0 || e->start_cluster == 0)
		return 0;
	if (fs_entry_is_deleted(e) && dir && vol->type != FS_EXFAT) {
		/* No size and no chain: the clusters up to the end mark. */
		rc = deleted_fat_dir_runs(vol, e->start_cluster, r);
	} else if (fs_entry_is_deleted(e)) {
		rc = deleted_runs(vol, e, need, alloc, r);
	} else if (e->flags & FS_E_NO_FAT_CHAIN) {
		uint64_t end = (uint64_t)vol->cluster_count + 2;
		if (!in_range(vol, e->start_cluster)) {
			fs_warnf(vol, "%s: first cluster %u is out of range", e->name,
			         e->start_cluster);
			r->status |= FS_RUNS_RANGE;
			return 0;
		}
		uint64_t take = need;
		if (take > end - e->start_cluster) {
			fs_warnf(vol, "%s: contiguous clusters run past the volume's "
			         "end", e->name);
			take = end - e->start_cluster;
		}
		rc = fs_runs_add(r, e->start_cluster, (uint32_t)take);
	} else {
		rc = follow_chain(vol, e->start_cluster, need, r, e->name);
	}
	if (rc != 0) {
		fs_runs_free(r);
		return rc;
	}
	uint64_t have = r->clusters * cs;
	if (dir)
		r->bytes = have;
	else
		r->bytes = e->size < have ? e->size : have;
	if (!dir && r->clusters < need) {
		r->status |= FS_RUNS_SHORT;
		if (!fs_entry_is_deleted(e) &&
		    !(r->status & (FS_RUNS_LOOP | FS_RUNS_RANGE | FS_RUNS_IO)))
			fs_warnf(vol, "%s: cluster chain ends after %llu of %llu "
			         "clusters", e->name,
			         (unsigned long long)r->clusters,
			         (unsigned long long)need);
	}
	return 0;
}

unsigned fs_runs_extents(const struct fs_volume *vol,
                         const struct fs_runs *runs, struct extent *ext,
                         unsigned max)
{
	uint64_t left = runs->bytes;
	unsigned n = 0;

	if (runs->data != NULL)
		return 0;   /* held in memory: no bytes of the source */
	for (unsigned i = 0; i < runs->n && left > 0; i++) {
		uint64_t off = fs_cluster_offset(vol, runs->v[i].cluster);
		uint64_t len = (uint64_t)runs->v[i].count * vol->cluster_size;
		if (off == UINT64_MAX)
			break;
		if (len > left)
			len = left;
		if (n > 0 && n <= max && ext[n - 1].img_off + ext[n - 1].len == off) {
			ext[n - 1].len += len;
		} else {
			if (n < max) {
				ext[n].img_off = off;
				ext[n].len = len;
			}
			n++;
		}
		left -= len;
	}
	return n;
}

ssize_t fs_runs_read(struct fs_volume *vol, const struct fs_runs *runs,
                     uint64_t off, void *buf, size_t n)
{
	uint64_t base = 0;
	size_t done = 0;

	if (off >= runs->bytes)
		return 0;
	if (n > runs->bytes - off)
		n = (size_t)(runs->bytes - off);
	if (runs->data != NULL) {
		memcpy(buf, runs->data + off, n);
		return (ssize_t)n;
	}
	for (unsigned i = 0; i < runs->n && done < n; i++) {
		uint64_t len = (uint64_t)runs->v[i].count * vol->cluster_size;
		uint64_t pos = off + done;
		if (pos >= base + len) {
			base += len;
			continue;
		}
		uint64_t in = pos - base;
		size_t take = (size_t)(len - in < n - done ? len - in : n - done);
		if (runs->v[i].cluster == 0) {   /* sparse: zeros */
			memset((uint8_t *)buf + done, 0, take);
			done += take;
			base += len;
			continue;
		}
		int rc = fs_pread(vol, fs_cluster_offset(vol, runs->v[i].cluster) + in,
		                  (uint8_t *)buf + done, take);
		if (rc != 0)
			return rc;
		done += take;
		base += len;
	}
	return (ssize_t)done;
}

int fs_validate(struct fs_volume *vol, const struct fs_runs *runs,
                const struct format *fmt, bool guessed,
                struct carve_result *res)
{
	memset(res, 0, sizeof(*res));
	if (runs->data != NULL || (runs->status & FS_RUNS_SPARSE))
		return -ENOTSUP;   /* not plain bytes of the source */
	unsigned n = fs_runs_extents(vol, runs, NULL, 0);
	if (n > BREAD_MAX_EXTENTS)
		return -E2BIG;
	if (n == 0) {
		carve_truncated(res, 0, "no content");
		return 0;
	}
	struct extent *ext = malloc(n * sizeof(*ext));
	if (ext == NULL)
		return -ENOMEM;
	n = fs_runs_extents(vol, runs, ext, n);
	struct run_req req = { .src = vol->src, .ext = ext, .next = n,
	                       .thorough = guessed && n > 1 };
	int rc = run_validate(fmt, &req, res, NULL);
	free(ext);
	return rc;
}

/* ------------------------------------------------------------ directories */

uint64_t fs_dirmap_offset(const struct fs_volume *vol,
                          const struct fs_dirmap *map, uint64_t off)
{
	if (map->runs == NULL)
		return map->fixed + off;
	uint64_t base = 0;
	for (unsigned i = 0; i < map->runs->n; i++) {
		uint64_t len = (uint64_t)map->runs->v[i].count * vol->cluster_size;
		if (off < base + len)
			return fs_cluster_offset(vol, map->runs->v[i].cluster) +
			       (off - base);
		base += len;
	}
	return UINT64_MAX;
}


/* Whether 32-byte slot e could be a FAT directory entry (or the end). */
static int dir_slot_ok(const struct fs_volume *vol, const uint8_t *e)
{
	static const char bad[] = "\"*+,./:;<=>?[\\]|";

	if (e[0] == 0)
		return 1;
	if (e[11] == 0x0F)   /* long-name part: type 0, no cluster */
		return e[12] == 0 && e[26] == 0 && e[27] == 0;
	if (e[11] & 0xC0)
		return 0;
	for (int i = 0; i < 11; i++) {
		uint8_t ch = e[i];
		if (i == 0 && ch == 0xE5)
			continue;
		if (ch < 0x20 || (ch >= 'a' && ch <= 'z') ||
		    (ch < 0x80 && strchr(bad, ch) != NULL))
			return 0;
	}
	uint16_t date = mem_le16(e + 24);
	unsigned mon = (date >> 5) & 15, day = date & 31;
	if (date != 0 && (mon < 1 || mon > 12 || day < 1))
		return 0;
	uint32_t c = mem_le16(e + 26) |
	             (vol->type == FS_FAT32 ? (uint32_t)mem_le16(e + 20) << 16
	                                    : 0);
	return c == 0 || in_range(vol, c);
}

/*
 * Whether cluster bytes buf hold directory entries that go on a folder
 * whose entries were dated in years lo..hi (lo 0: none seen): every slot
 * parses, something is there, nothing but the end follows an end mark,
 * it is no folder's first cluster ("." first), and its dates fall within
 * a year of the folder's.
 */
static int dir_cluster_goes_on(const struct fs_volume *vol,
                               const uint8_t *buf, unsigned lo, unsigned hi)
{
	int ended = 0, any = 0;

	if (buf[0] == '.' && buf[1] == ' ')
		return 0;
	for (uint32_t k = 0; k < vol->cluster_size; k += 32) {
		const uint8_t *e = buf + k;
		if (ended) {
			if (e[0] != 0)
				return 0;
			continue;
		}
		if (e[0] == 0) {
			ended = 1;
			continue;
		}
		if (!dir_slot_ok(vol, e))
			return 0;
		any = 1;
		uint16_t date = mem_le16(e + 24);
		unsigned year = 1980 + (date >> 9);
		if (e[11] != 0x0F && date != 0 && lo != 0 &&
		    (year + 1 < lo || year > hi + 1))
			return 0;
	}
	return any;
}

/* Widens lo..hi by the years of the short entries in buf. */
static void dir_years(const struct fs_volume *vol, const uint8_t *buf,
                      unsigned *lo, unsigned *hi)
{
	for (uint32_t k = 0; k < vol->cluster_size; k += 32) {
		const uint8_t *e = buf + k;
		if (e[0] == 0)
			break;
		uint16_t date = mem_le16(e + 24);
		if (e[11] == 0x0F || date == 0)
			continue;
		unsigned year = 1980 + (date >> 9);
		if (*lo == 0 || year < *lo)
			*lo = year;
		if (year > *hi)
			*hi = year;
	}
}

/*
 * Clusters of a deleted FAT directory: its first cluster, then while no
 * end-of-directory mark has been seen, the next free cluster that holds
 * entries of the same folder (dir_cluster_goes_on).  That is usually the
 * one after, but a folder that grew after files were written into it
 * goes on further away: free clusters are searched up to FS_DIR_SEARCH
 * ahead rather than taking the one after whatever it holds.
 */
static int deleted_fat_dir_runs(struct fs_volume *vol, uint32_t start,
                                struct fs_runs *r)
{
	uint64_t max = FS_FAT_DIR_MAX / vol->cluster_size;
	uint8_t *buf = malloc(vol->cluster_size);
	unsigned lo = 0, hi = 0;
	int rc = 0;

	if (buf == NULL)
		return -ENOMEM;
	if (max == 0)
		max = 1;
	if (!in_range(vol, start) ||
	    fs_pread(vol, fs_cluster_offset(vol, start), buf,
	             vol->cluster_size) != 0 ||
	    (rc = fs_runs_add(r, start, 1)) != 0)
		goto out;
	for (uint32_t c = start; r->clusters < max;) {
		int end = 0;
		for (uint32_t k = 0; k < vol->cluster_size; k += 32)
			if (buf[k] == 0)
				end = 1;
		if (end)
			break;
		dir_years(vol, buf, &lo, &hi);
		uint32_t next = 0;
		for (uint32_t k = 1; k <= FS_DIR_SEARCH && in_range(vol, c + k);
		     k++) {
			if (cluster_used(vol, c + k) ||
			    fs_pread(vol, fs_cluster_offset(vol, c + k), buf,
			             vol->cluster_size) != 0)
				continue;
			if (dir_cluster_goes_on(vol, buf, lo, hi)) {
				next = c + k;
				break;
			}
		}
		if (next == 0)
			break;   /* buf no longer holds c: the loop ends here */
		if ((rc = fs_runs_add(r, next, 1)) != 0)
			break;
		c = next;
	}
out:
	free(buf);
	return rc;
}

/*
 * Lists directory dir into out.  flags: FS_WALK_DELETED to include deleted
 * entries.
 */
static int dir_list(struct fs_volume *vol, const struct fs_entry *dir,
                    unsigned flags, struct fs_dirlist *out)
{
	struct fs_runs runs;
	struct fs_dirmap map = { 0, NULL };
	uint8_t *buf = NULL;
	uint64_t len;
	int rc = 0;

	memset(&runs, 0, sizeof(runs));
	memset(out, 0, sizeof(*out));
	if ((dir->flags & FS_E_ROOT) && vol->root_entries > 0 &&
	    vol->type != FS_FAT32 && vol->type != FS_EXFAT) {
		map.fixed = vol->offset + vol->root_offset;
		len = (uint64_t)vol->root_entries * 32;
	} else {
		rc = fs_file_runs(vol, dir, NULL, &runs);
		if (rc != 0)
			return rc;
		if (vol->type == FS_EXFAT && !(dir->flags & FS_E_ROOT))
			runs.bytes = dir->size < runs.clusters * vol->cluster_size ?
			             dir->size : runs.clusters * vol->cluster_size;
		else
			runs.bytes = runs.clusters * vol->cluster_size;
		if (runs.bytes > (vol->type == FS_EXFAT ? FS_EXFAT_DIR_MAX :
		                  FS_FAT_DIR_MAX))
			runs.bytes = vol->type == FS_EXFAT ? FS_EXFAT_DIR_MAX :
			             FS_FAT_DIR_MAX;
		map.runs = &runs;
		len = runs.bytes;
	}
	if (len == 0)
		goto done;
	buf = malloc((size_t)len);
	if (buf == NULL) {
		rc = -ENOMEM;
		goto done;
	}
	if (map.runs == NULL) {
		rc = fs_pread(vol, map.fixed, buf, (size_t)len);
	} else {
		ssize_t got = fs_runs_read(vol, &runs, 0, buf, (size_t)len);
		rc = got < 0 ? (int)got : 0;
		if (got >= 0 && (uint64_t)got < len)
			len = (uint64_t)got;
	}
	if (rc != 0) {
		fs_warnf(vol, "%s: cannot read the directory: %s",
		         dir->flags & FS_E_ROOT ? "/" : dir->name, strerror(-rc));
		rc = 0;
		goto done;
	}
	if (vol->type == FS_EXFAT)
		rc = exfat_parse_dir(vol, buf, (size_t)len, &map, flags,
		                     dir->flags, out);
	else
		rc = fat_parse_dir(vol, buf, (size_t)len, &map, flags, dir->flags,
		                   out);
done:
	free(buf);
	fs_runs_free(&runs);
	if (rc != 0)
		fs_dirlist_free(out);
	return rc;
}

static int walker_dir(struct fs_walker *w, const struct fs_entry *dir,
                      size_t plen, unsigned depth)
{
	struct fs_volume *vol = w->vol;
	struct fs_dirlist l;
	int rc = w->list(w, dir, &l);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	uint64_t bytes = (uint64_t)l.n * sizeof(struct fs_entry);
	if (w->held + bytes > FS_WALK_MEM) {
		fs_warnf(vol, "%s: too many directory entries held at once; not "
		         "listed", w->path);
		fs_dirlist_free(&l);
		return 0;
	}
	w->held += bytes;
	for (unsigned i = 0; i < l.n && rc >= 0; i++) {
		const struct fs_entry *e = &l.v[i];
		size_t nlen = strlen(e->name);

		if (w->skip && w->skip(w, e, depth))
			continue;
		if (plen + 1 + nlen >= sizeof(w->path)) {
			fs_warnf(vol, "%s: path too long; entry skipped", w->path);
			continue;
		}
		w->path[plen] = '/';
		memcpy(w->path + plen + 1, e->name, nlen + 1);
		int r = w->cb ? w->cb(vol, w->path, e, depth, w->arg) : 1;
		if (r < 0) {
			rc = r;
			break;
		}
		if (r == 1 || !fs_entry_is_dir(e) || !(w->flags & FS_WALK_RECURSE))
			continue;
		if (depth + 1 >= FS_MAX_DEPTH) {
			fs_warnf(vol, "%s: deeper than %u levels; not entered",
			         w->path, FS_MAX_DEPTH);
			continue;
		}
		if (w->enter(w, e) != 0)
			continue;
		rc = walker_dir(w, e, plen + 1 + nlen, depth + 1);
		if (w->leave)
			w->leave(w, e);
		w->path[plen + 1 + nlen] = '\0';
	}
	w->held -= bytes;
	fs_dirlist_free(&l);
	return rc;
}

int fs_walker_run(struct fs_walker *w, const struct fs_entry *dir,
                  const char *dir_path)
{
	snprintf(w->path, sizeof(w->path), "%s", dir_path ? dir_path : "");
	size_t plen = strlen(w->path);
	if (plen > 0 && w->path[plen - 1] == '/')
		w->path[--plen] = '\0';
	w->held = 0;
	int rc = walker_dir(w, dir, plen, 0);
	return rc < 0 ? rc : 0;
}

/* FAT and exFAT: directories are known by their first cluster. */
struct walk {
	struct fs_walker base;
	struct fs_bitmap visited;   /* start clusters of directories entered */
	int root_visited;           /* FAT12/16 root (cluster 0) */
};

static int fat_walk_list(struct fs_walker *base, const struct fs_entry *dir,
                         struct fs_dirlist *l)
{
	struct fs_volume *vol = base->vol;
	int rc = dir_list(vol, dir, base->flags, l);

	if (rc != 0)
		return rc;
	if (fs_entry_is_deleted(dir) && vol->type != FS_EXFAT && !l->saw_dot) {
		fs_warnf(vol, "%s: deleted directory's first cluster %u no longer "
		         "holds a directory; not listed", base->path,
		         dir->start_cluster);
		fs_dirlist_free(l);
		return 1;
	}
	return 0;
}

static int fat_walk_enter(struct fs_walker *base, const struct fs_entry *e)
{
	struct walk *w = (struct walk *)base;
	struct fs_volume *vol = base->vol;
	uint32_t c = e->start_cluster;

	if (c == 0 && (vol->type == FS_FAT32 || vol->type == FS_EXFAT)) {
		if (vol->type == FS_FAT32 || e->size != 0)
			fs_warnf(vol, "%s: directory has no first cluster",
			         base->path);
		return 1;
	}
	int loop = c == 0 ? w->root_visited : fs_bitmap_get(&w->visited, c);
	if (c != 0 && !in_range(vol, c)) {
		fs_warnf(vol, "%s: directory's first cluster %u is out of "
		         "range (2 to %llu)", base->path, c,
		         (unsigned long long)vol->cluster_count + 1);
		return 1;
	}
	if (loop) {
		if (fs_entry_is_deleted(e))
			fs_warnf(vol, "%s: deleted directory's cluster %u now "
			         "holds a directory already listed; not "
			         "entered", base->path, c);
		else
			fs_warnf(vol, "%s: directory loop: cluster %u is a "
			         "directory already entered (it contains "
			         "itself or an ancestor); not entered again",
			         base->path, c);
		return 1;
	}
	fs_bitmap_set(&w->visited, c);
	return 0;
}

int fs_walk(struct fs_volume *vol, const struct fs_entry *dir,
            const char *dir_path, unsigned flags, fs_walk_fn cb, void *arg)
{
	struct fs_entry root;
	struct walk *w;
	int rc;

	if (fs_type_is_tsk(vol->type))
		return tsk_vol_walk(vol, dir, dir_path, flags, cb, arg);
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	if (dir == NULL) {
		fs_root_entry(vol, &root);
		dir = &root;
	}
	w->base.vol = vol;
	w->base.flags = flags;
	w->base.cb = cb;
	w->base.arg = arg;
	w->base.list = fat_walk_list;
	w->base.enter = fat_walk_enter;
	rc = fs_bitmap_alloc(&w->visited, (uint64_t)vol->cluster_count + 2);
	if (rc != 0) {
		free(w);
		return rc;
	}
	if (dir->start_cluster == 0)
		w->root_visited = 1;
	else
		fs_bitmap_set(&w->visited, dir->start_cluster);
	if (!(dir->flags & FS_E_ROOT)) {
		/* The root is an ancestor of every directory. */
		if (vol->type == FS_FAT32 || vol->type == FS_EXFAT)
			fs_bitmap_set(&w->visited, vol->root_cluster);
		else
			w->root_visited = 1;
	}
	rc = fs_walker_run(&w->base, dir, dir_path);
	fs_bitmap_free(&w->visited);
	free(w);
	return rc;
}

/* ------------------------------------------------------------ lookup */

int fs_lookup_with(struct fs_volume *vol, const char *path, unsigned flags,
                   fs_list_fn list, struct fs_entry *out)
{
	struct fs_entry cur;
	char comp[FS_NAME_MAX];
	unsigned depth = 0;

	fs_root_entry(vol, &cur);
	for (const char *p = path;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		size_t n = strcspn(p, "/");
		if (n >= sizeof(comp))
			return -ENAMETOOLONG;
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		if (!fs_entry_is_dir(&cur))
			return -ENOTDIR;
		if (++depth > FS_MAX_DEPTH)
			return -ELOOP;
		struct fs_dirlist l;
		int rc = list(vol, &cur, comp, flags & FS_WALK_DELETED, &l);
		if (rc != 0)
			return rc;
		const struct fs_entry *hit = NULL;
		for (int pass = 0; pass < 4 && hit == NULL; pass++) {
			for (unsigned i = 0; i < l.n && hit == NULL; i++) {
				const struct fs_entry *e = &l.v[i];
				if (fs_entry_is_deleted(e) != pass / 2)
					continue;
				if (pass % 2 == 0 ? strcmp(e->name, comp) == 0
				    : strcasecmp(e->name, comp) == 0 ||
				      (e->short_name[0] &&
				       strcasecmp(e->short_name, comp) == 0))
					hit = e;
			}
		}
		if (hit == NULL) {
			fs_dirlist_free(&l);
			return -ENOENT;
		}
		cur = *hit;
		fs_dirlist_free(&l);
	}
	*out = cur;
	return 0;
}

static int fat_lookup_list(struct fs_volume *vol, const struct fs_entry *dir,
                           const char *name, unsigned flags,
                           struct fs_dirlist *l)
{
	(void)name;
	return dir_list(vol, dir, flags, l);
}

int fs_lookup(struct fs_volume *vol, const char *path, unsigned flags,
              struct fs_entry *out)
{
	if (fs_type_is_tsk(vol->type))
		return tsk_vol_lookup(vol, path, flags, out);
	return fs_lookup_with(vol, path, flags, fat_lookup_list, out);
}

/* ------------------------------------------------------------ maps */

static void mark_runs(struct fs_bitmap *map, const struct fs_runs *r)
{
	for (unsigned i = 0; i < r->n; i++)
		for (uint32_t k = 0; k < r->v[i].count; k++)
			fs_bitmap_set(map, (uint64_t)r->v[i].cluster + k);
}

static int mark_entry(struct fs_volume *vol, const char *path,
                      const struct fs_entry *e, unsigned depth, void *arg)
{
	struct fs_runs r;
	int rc = fs_file_runs(vol, e, NULL, &r);

	if (rc != 0)
		return rc;
	mark_runs(arg, &r);
	fs_runs_free(&r);
	return 0;
}

int fs_walk_owners(struct fs_volume *vol, fs_walk_fn cb, void *arg)
{
	struct fs_entry root;

	if (fs_type_is_tsk(vol->type))
		return tsk_vol_walk_owners(vol, cb, arg);
	fs_root_entry(vol, &root);
	int rc = cb(vol, "", &root, 0, arg);
	if (rc == 0 && vol->type == FS_EXFAT) {
		struct fs_entry sys;
		memset(&sys, 0, sizeof(sys));
		snprintf(sys.name, sizeof(sys.name), "allocation bitmap");
		sys.start_cluster = vol->bitmap_cluster;
		sys.size = vol->bitmap_size;
		rc = cb(vol, "(allocation bitmap)", &sys, 0, arg);
		if (rc == 0 && vol->upcase_cluster) {
			snprintf(sys.name, sizeof(sys.name), "up-case table");
			sys.start_cluster = vol->upcase_cluster;
			sys.size = vol->upcase_size;
			rc = cb(vol, "(up-case table)", &sys, 0, arg);
		}
	}
	if (rc == 0)
		rc = fs_walk(vol, NULL, "", FS_WALK_RECURSE, cb, arg);
	return rc;
}

int fs_alloc_map(struct fs_volume *vol, struct fs_bitmap *map)
{
	/* The allocation bitmap: file-system metadata own blocks too. */
	if (fs_type_is_tsk(vol->type))
		return tsk_vol_used_map(vol, map);
	int rc = fs_bitmap_alloc(map, (uint64_t)vol->cluster_count + 2);

	if (rc != 0)
		return rc;
	rc = fs_walk_owners(vol, mark_entry, map);
	if (rc != 0)
		fs_bitmap_free(map);
	return rc;
}

int fs_used_map(struct fs_volume *vol, struct fs_bitmap *map)
{
	uint64_t end = (uint64_t)vol->cluster_count + 2;
	uint64_t free_n = 0;
	int rc;

	if (fs_type_is_tsk(vol->type))
		return tsk_vol_used_map(vol, map);
	rc = fs_bitmap_alloc(map, end);
	if (rc != 0)
		return rc;
	for (uint64_t c = 2; c < end; c++) {
		if (vol->type == FS_EXFAT) {
			if (cluster_used(vol, (uint32_t)c))
				fs_bitmap_set(map, c);
			else
				free_n++;
			continue;
		}
		uint32_t next;
		rc = fs_fat_next(vol, (uint32_t)c, &next);
		if (rc != 0) {
			fs_bitmap_free(map);
			return rc;
		}
		if (next != FS_FAT_FREE)
			fs_bitmap_set(map, c);
		else
			free_n++;
	}
	vol->free_clusters = free_n;
	return 0;
}

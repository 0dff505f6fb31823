/*
 * fs_api.c - partitions and FAT/exFAT volumes as dredge.h offers them:
 * the disk, volume and runs objects behind `dredge fs`.
 *
 * A thin layer over part.h and fs.h: a disk owns the source and its
 * partition table, a volume owns an fs_volume and, once a deleted entry
 * needs it, the map of clusters live files own; runs own an fs_runs and
 * point back at their volume.  Entries cross the interface as values with
 * the same fields and flag bits as fs_entry (checked below), so a caller
 * can hand one back to walk, look up or map it.  Messages name the source
 * the way the command line shows them; nothing here prints.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dredge.h"
#include "formats/format.h"
#include "fs/fat.h"
#include "fs/fs.h"
#include "fs/part.h"
#include "fs/tsk.h"
#include "io/source.h"

struct dredge_disk {
	struct source src;
	struct part_table pt;
	dredge_warn_fn warn;
	void *warn_arg;
};

/* A run of clusters a deleted file is assumed to hold (see claims). */
struct claim {
	uint32_t a, b;             /* clusters a .. b-1 */
	uint32_t who;              /* index into claimants, in walk order */
};

struct dredge_volume {
	dredge_disk *disk;
	struct fs_volume vol;
	struct fs_bitmap owners;   /* clusters live files own, on first need */
	int have_owners;
	/* The clusters every deleted file of the volume is assumed to hold,
	 * on first need (dredge_volume_load_claims). */
	int have_claims;
	struct claim *claims;
	size_t nclaims, capclaims;
	struct claimant {
		char *path;
		uint64_t entry_offset;
	} *claimants;
	size_t nclaimants, capclaimants;
};

/* Deleted files' cluster runs indexed at most: a volume with more keeps
 * listing them, only without the overlap notes beyond. */
#define CLAIMS_MAX (1u << 20)

struct dredge_runs {
	dredge_volume *vol;
	struct fs_runs r;
};

/* The public values mirror the internal ones bit for bit. */
_Static_assert(DREDGE_FS_EXFAT == (int)FS_EXFAT &&
               DREDGE_FS_NTFS == (int)FS_NTFS &&
               DREDGE_FS_EXT4 == (int)FS_EXT4 &&
               DREDGE_FS_TSK_OTHER == (int)FS_TSK_OTHER &&
               DREDGE_FS_FAT12 == (int)FS_FAT12, "enum dredge_fs");
_Static_assert(DREDGE_PART_GPT == (int)PART_GPT &&
               DREDGE_PART_MBR == (int)PART_MBR, "enum dredge_part_scheme");
_Static_assert(DREDGE_ENTRY_DELETED == FS_E_DELETED &&
               DREDGE_ENTRY_IN_DELETED == FS_E_IN_DELETED &&
               DREDGE_ENTRY_DIR == FS_E_DIR &&
               DREDGE_ENTRY_LFN == FS_E_LFN &&
               DREDGE_ENTRY_NO_FAT_CHAIN == FS_E_NO_FAT_CHAIN &&
               DREDGE_ENTRY_ROOT == FS_E_ROOT &&
               DREDGE_ENTRY_BAD_CHECKSUM == FS_E_BAD_CHECKSUM &&
               DREDGE_ENTRY_REUSED == FS_E_REUSED,
               "entry flags");
_Static_assert(DREDGE_ATTR_RDONLY == FS_ATTR_RDONLY &&
               DREDGE_ATTR_HIDDEN == FS_ATTR_HIDDEN &&
               DREDGE_ATTR_SYSTEM == FS_ATTR_SYSTEM &&
               DREDGE_ATTR_VOLID == FS_ATTR_VOLID &&
               DREDGE_ATTR_DIR == FS_ATTR_DIR &&
               DREDGE_ATTR_ARCHIVE == FS_ATTR_ARCHIVE, "attributes");
_Static_assert(DREDGE_RUNS_SHORT == FS_RUNS_SHORT &&
               DREDGE_RUNS_LOOP == FS_RUNS_LOOP &&
               DREDGE_RUNS_RANGE == FS_RUNS_RANGE &&
               DREDGE_RUNS_OVERWRITTEN == FS_RUNS_OVERWRITTEN &&
               DREDGE_RUNS_SKIPPED == FS_RUNS_SKIPPED &&
               DREDGE_RUNS_IO == FS_RUNS_IO, "runs status");
_Static_assert(DREDGE_WALK_DELETED == FS_WALK_DELETED &&
               DREDGE_WALK_RECURSE == FS_WALK_RECURSE, "walk flags");
_Static_assert(DREDGE_NAME_MAX == FS_NAME_MAX &&
               DREDGE_FS_MAX_DEPTH == FS_MAX_DEPTH, "limits");
_Static_assert(sizeof(((struct dredge_volume_info *)0)->label) ==
               FS_LABEL_MAX, "label");

static void time_export(const struct fs_time *in, struct dredge_time *out)
{
	out->year = in->year;
	out->month = in->month;
	out->day = in->day;
	out->hour = in->hour;
	out->min = in->min;
	out->sec = in->sec;
	out->msec = in->msec;
	out->utc_offset = in->utc_offset;
	out->has_utc_offset = in->has_utc_offset;
}

static void time_import(const struct dredge_time *in, struct fs_time *out)
{
	out->year = in->year;
	out->month = in->month;
	out->day = in->day;
	out->hour = in->hour;
	out->min = in->min;
	out->sec = in->sec;
	out->msec = in->msec;
	out->utc_offset = in->utc_offset;
	out->has_utc_offset = in->has_utc_offset;
}

static void entry_export(const struct fs_entry *in, struct dredge_entry *out)
{
	memcpy(out->name, in->name, sizeof(out->name));
	memcpy(out->short_name, in->short_name, sizeof(out->short_name));
	out->flags = in->flags;
	out->attr = in->attr;
	out->size = in->size;
	out->valid_size = in->valid_size;
	out->start_cluster = in->start_cluster;
	time_export(&in->ctime, &out->ctime);
	time_export(&in->mtime, &out->mtime);
	time_export(&in->atime, &out->atime);
	out->entry_offset = in->entry_offset;
}

static void entry_import(const struct dredge_entry *in, struct fs_entry *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->name, in->name, sizeof(out->name));
	out->name[sizeof(out->name) - 1] = '\0';
	memcpy(out->short_name, in->short_name, sizeof(out->short_name));
	out->short_name[sizeof(out->short_name) - 1] = '\0';
	out->flags = in->flags;
	out->attr = in->attr;
	out->size = in->size;
	out->valid_size = in->valid_size;
	out->start_cluster = in->start_cluster;
	time_import(&in->ctime, &out->ctime);
	time_import(&in->mtime, &out->mtime);
	time_import(&in->atime, &out->atime);
	out->entry_offset = in->entry_offset;
}

const char *dredge_fs_name(enum dredge_fs t)
{
	return fs_type_name((enum fs_type)t);
}

int dredge_fs_tsk(const char **what)
{
	return tsk_available(what);
}

void dredge_time_str(const struct dredge_time *t, char *buf, size_t len)
{
	struct fs_time ft;

	time_import(t, &ft);
	fs_time_str(&ft, buf, len);
}

/* ------------------------------------------------------------ disk */

dredge_disk *dredge_disk_open(const char *path, dredge_warn_fn warn,
                              void *warn_arg, char *err, size_t errlen)
{
	dredge_disk *d = calloc(1, sizeof(*d));
	char why[512];

	if (d == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->warn = warn;
	d->warn_arg = warn_arg;
	if (source_open(&d->src, path, 0, err, errlen) != 0) {
		free(d);
		return NULL;
	}
	if (part_read(&d->src, d->src.size, &d->pt, warn, warn_arg, why,
	              sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		dredge_disk_free(d);
		return NULL;
	}
	return d;
}

void dredge_disk_free(dredge_disk *disk)
{
	if (disk == NULL)
		return;
	source_close(&disk->src);
	free(disk);
}

void dredge_disk_info(const dredge_disk *disk, struct dredge_disk_info *info)
{
	const struct part_table *pt = &disk->pt;

	memset(info, 0, sizeof(*info));
	info->size = disk->src.size;
	info->scheme = (enum dredge_part_scheme)pt->scheme;
	info->sector_size = pt->sector_size;
	info->disk_signature = pt->disk_signature;
	if (pt->scheme == PART_GPT)
		part_guid_str(pt->disk_guid, info->disk_guid,
		              sizeof(info->disk_guid));
	info->gpt_backup = pt->gpt_backup;
	info->whole_fs = (enum dredge_fs)pt->whole_fs;
	info->nparts = pt->n;
}

int dredge_disk_partition(const dredge_disk *disk, unsigned i,
                          struct dredge_partition *part)
{
	if (i >= disk->pt.n)
		return -ENOENT;
	const struct part_entry *e = &disk->pt.e[i];
	memset(part, 0, sizeof(*part));
	part->index = e->index;
	part->start = e->start;
	part->size = e->size;
	part->mbr_type = e->mbr_type;
	part->type_name = part_type_name(&disk->pt, e);
	snprintf(part->name, sizeof(part->name), "%s", e->name);
	part->logical = e->logical;
	part->extended = e->extended;
	part->fs = (enum dredge_fs)e->fs;
	return 0;
}

/* ------------------------------------------------------------ volume */

/* Opens the volume at [off, off+len) of the disk; the file system's
 * reason goes to err. */
static dredge_volume *volume_open(dredge_disk *disk, uint64_t off,
                                  uint64_t len, char *err, size_t errlen)
{
	dredge_volume *v = calloc(1, sizeof(*v));

	if (v == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	v->disk = disk;
	if (fs_open(&v->vol, &disk->src, off, len, disk->warn, disk->warn_arg,
	            err, errlen) != 0) {
		free(v);
		return NULL;
	}
	return v;
}

dredge_volume *dredge_volume_open(dredge_disk *disk, unsigned partition,
                                  int offset_set, uint64_t offset,
                                  char *err, size_t errlen)
{
	const char *path = disk->src.path;
	char why[512];
	uint64_t off, len;

	if (offset_set) {
		if (offset >= disk->src.size) {
			snprintf(err, errlen, "%s: offset %" PRIu64 " is past the "
			         "source's end (%" PRIu64 " bytes)", path, offset,
			         disk->src.size);
			return NULL;
		}
		off = offset;
		len = disk->src.size - offset;
	} else if (part_select(&disk->pt, disk->src.size, partition, &off, &len,
	                       why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return NULL;
	}
	dredge_volume *v = volume_open(disk, off, len, why, sizeof(why));
	if (v == NULL) {
		if (off == 0)
			snprintf(err, errlen, "%s: %s", path, why);
		else
			snprintf(err, errlen, "%s (volume at byte %" PRIu64 "): %s",
			         path, off, why);
	}
	return v;
}

dredge_volume *dredge_volume_open_entry(dredge_disk *disk, unsigned i,
                                        char *err, size_t errlen)
{
	if (i >= disk->pt.n) {
		snprintf(err, errlen, "no partition entry %u", i);
		return NULL;
	}
	const struct part_entry *e = &disk->pt.e[i];
	uint64_t size = disk->src.size;
	uint64_t len = e->start < size ? size - e->start : 0;
	if (e->size < len)
		len = e->size;
	return volume_open(disk, e->start, len, err, errlen);
}

void dredge_volume_free(dredge_volume *vol)
{
	if (vol == NULL)
		return;
	if (vol->have_owners)
		fs_bitmap_free(&vol->owners);
	for (size_t i = 0; i < vol->nclaimants; i++)
		free(vol->claimants[i].path);
	free(vol->claimants);
	free(vol->claims);
	fs_close(&vol->vol);
	free(vol);
}

void dredge_volume_info(dredge_volume *vol, struct dredge_volume_info *info)
{
	const struct fs_volume *v = &vol->vol;
	struct fs_bitmap used;

	/* Reading the used map counts the free clusters. */
	if (fs_used_map(&vol->vol, &used) == 0)
		fs_bitmap_free(&used);
	memset(info, 0, sizeof(*info));
	info->type = (enum dredge_fs)v->type;
	info->offset = v->offset;
	info->size = v->size;
	info->sector_size = v->sector_size;
	info->cluster_size = v->cluster_size;
	info->sectors_per_cluster = v->sectors_per_cluster;
	info->reserved_sectors = v->reserved_sectors;
	info->nfats = v->nfats;
	info->fat_offset = v->fat_offset;
	info->fat_size = v->fat_size;
	info->root_offset = v->root_offset;
	info->root_entries = v->root_entries;
	info->root_cluster = v->root_cluster;
	info->data_offset = v->data_offset;
	info->data_start = fs_data_start(v);
	info->cluster_count = v->cluster_count;
	info->free_clusters = v->free_clusters;
	info->fsinfo_free = v->fsinfo_free;
	info->bitmap_cluster = v->bitmap_cluster;
	info->upcase_cluster = v->upcase_cluster;
	info->exfat_revision = v->exfat_revision;
	memcpy(info->label, v->label, sizeof(info->label));
	info->has_serial = v->has_serial;
	info->serial = v->serial;
	memcpy(info->oem, v->oem, sizeof(info->oem));
	info->tsk = fs_type_is_tsk(v->type);
	info->inode_count = v->inode_count;
	info->root_inode = v->root_inode;
}

enum dredge_fs dredge_volume_type(const dredge_volume *vol)
{
	return (enum dredge_fs)vol->vol.type;
}

/* ------------------------------------------------------------ entries */

struct walk_ctx {
	dredge_volume *vol;
	dredge_walk_fn cb;
	void *arg;
};

static int walk_one(struct fs_volume *fv, const char *path,
                    const struct fs_entry *e, unsigned depth, void *arg)
{
	struct walk_ctx *w = arg;
	struct dredge_entry de;

	(void)fv;
	entry_export(e, &de);
	return w->cb(w->vol, path, &de, depth, w->arg);
}

int dredge_volume_walk(dredge_volume *vol, const struct dredge_entry *dir,
                       const char *dir_path, unsigned flags,
                       dredge_walk_fn cb, void *arg)
{
	struct walk_ctx w = { vol, cb, arg };
	struct fs_entry d;

	if (dir != NULL)
		entry_import(dir, &d);
	return fs_walk(&vol->vol, dir ? &d : NULL, dir_path, flags, walk_one,
	               &w);
}

int dredge_volume_lookup(dredge_volume *vol, const char *path,
                         unsigned flags, struct dredge_entry *e)
{
	struct fs_entry fe;
	int rc = fs_lookup(&vol->vol, path, flags, &fe);

	if (rc == 0)
		entry_export(&fe, e);
	return rc;
}

int dredge_volume_load_owners(dredge_volume *vol)
{
	if (!vol->have_owners) {
		int rc = fs_alloc_map(&vol->vol, &vol->owners);
		if (rc != 0)
			return rc < 0 ? rc : -ENOMEM;
		vol->have_owners = 1;
	}
	return 0;
}

/* ------------------------------------------------------------ runs */

int dredge_entry_runs(dredge_volume *vol, const struct dredge_entry *e,
                      dredge_runs **runs)
{
	struct fs_entry fe;
	int rc;

	*runs = NULL;
	if (dredge_entry_deleted(e) &&
	    (rc = dredge_volume_load_owners(vol)) != 0)
		return rc;
	dredge_runs *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->vol = vol;
	entry_import(e, &fe);
	rc = fs_file_runs(&vol->vol, &fe, dredge_entry_deleted(e) ?
	                  &vol->owners : NULL, &r->r);
	if (rc != 0) {
		free(r);
		return rc;
	}
	*runs = r;
	return 0;
}

void dredge_runs_free(dredge_runs *runs)
{
	if (runs == NULL)
		return;
	fs_runs_free(&runs->r);
	free(runs);
}

void dredge_runs_info(const dredge_runs *runs, struct dredge_runs_info *info)
{
	memset(info, 0, sizeof(*info));
	if (runs == NULL)
		return;
	info->n = runs->r.n;
	info->clusters = runs->r.clusters;
	info->bytes = runs->r.bytes;
	info->status = runs->r.status;
}

int dredge_runs_get(const dredge_runs *runs, unsigned i,
                    struct dredge_run *run)
{
	if (runs == NULL || i >= runs->r.n)
		return -ENOENT;
	run->cluster = runs->r.v[i].cluster;
	run->count = runs->r.v[i].count;
	return 0;
}

ssize_t dredge_runs_read(dredge_runs *runs, uint64_t off, void *buf,
                         size_t n)
{
	return fs_runs_read(&runs->vol->vol, &runs->r, off, buf, n);
}

/* The extension of name (after the last dot), or NULL. */
static const char *name_ext(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && dot[1] ? dot + 1 : NULL;
}

void dredge_runs_check(dredge_runs *runs, const struct dredge_entry *e,
                       struct dredge_check *check)
{
	memset(check, 0, sizeof(*check));
	if (runs == NULL)
		return;
	const char *ext = name_ext(e->name);
	const struct format *fmt = ext ? format_find(ext) : NULL;
	if (fmt == NULL && e->short_name[0])
		fmt = (ext = name_ext(e->short_name)) ? format_find(ext) : NULL;
	if (fmt == NULL || fmt->validate == NULL || runs->r.bytes == 0)
		return;
	struct carve_result res;
	/* a deleted file's clusters are assumed; a live file's chain is
	 * the file system's word */
	int rc = fs_validate(&runs->vol->vol, &runs->r, fmt,
	                     dredge_entry_deleted(e), &res);
	if (rc == -E2BIG) {
		check->verdict = DREDGE_CHECK_FRAGMENTED;
	} else if (rc != 0) {
		check->verdict = DREDGE_CHECK_ERROR;
		check->error = rc;
	} else if (res.verdict == CARVE_ACCEPT) {
		check->verdict = DREDGE_CHECK_VALID;
	} else if (res.verdict == CARVE_TRUNCATED) {
		check->verdict = DREDGE_CHECK_TRUNCATED;
	} else {
		check->verdict = DREDGE_CHECK_INVALID;
		check->reason = res.reason;
	}
}

/* ------------------------------------------------------------ overlaps */

/* Notes the clusters one deleted file is assumed to hold. */
static int claim_entry(struct fs_volume *fv, const char *path,
                       const struct fs_entry *e, unsigned depth, void *arg)
{
	dredge_volume *vol = arg;
	struct fs_runs r;

	(void)depth;
	if (!fs_entry_is_deleted(e) || fs_entry_is_dir(e) ||
	    e->start_cluster < 2 || e->size == 0 ||
	    vol->nclaims >= CLAIMS_MAX)
		return 0;
	if (fs_file_runs(fv, e, &vol->owners, &r) != 0)
		return 0;
	if (vol->nclaimants == vol->capclaimants) {
		size_t cap = vol->capclaimants ? 2 * vol->capclaimants : 64;
		struct claimant *n = realloc(vol->claimants, cap * sizeof(*n));
		if (n == NULL)
			goto oom;
		vol->claimants = n;
		vol->capclaimants = cap;
	}
	char *copy = strdup(path);
	if (copy == NULL)
		goto oom;
	uint32_t who = (uint32_t)vol->nclaimants;
	vol->claimants[vol->nclaimants++] =
		(struct claimant){ copy, e->entry_offset };
	for (unsigned i = 0; i < r.n && vol->nclaims < CLAIMS_MAX; i++) {
		if (vol->nclaims == vol->capclaims) {
			size_t cap = vol->capclaims ? 2 * vol->capclaims : 256;
			struct claim *n = realloc(vol->claims, cap * sizeof(*n));
			if (n == NULL)
				goto oom;
			vol->claims = n;
			vol->capclaims = cap;
		}
		vol->claims[vol->nclaims++] = (struct claim){
			r.v[i].cluster, r.v[i].cluster + r.v[i].count, who };
	}
	fs_runs_free(&r);
	return 0;
oom:
	fs_runs_free(&r);
	return -ENOMEM;
}

static int claim_cmp(const void *x, const void *y)
{
	const struct claim *a = x, *b = y;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->who < b->who ? -1 : a->who > b->who;
}

int dredge_volume_load_claims(dredge_volume *vol)
{
	int rc;

	if (vol->have_claims)
		return 0;
	if ((rc = dredge_volume_load_owners(vol)) != 0)
		return rc;
	rc = fs_walk(&vol->vol, NULL, "", FS_WALK_DELETED | FS_WALK_RECURSE,
	             claim_entry, vol);
	if (rc != 0)
		return rc;
	if (vol->nclaims > 1)
		qsort(vol->claims, vol->nclaims, sizeof(*vol->claims), claim_cmp);
	vol->have_claims = 1;
	return 0;
}

int dredge_runs_shared(dredge_volume *vol, const struct dredge_entry *e,
                       const dredge_runs *runs, char *other, size_t len)
{
	uint32_t best = UINT32_MAX;
	int rc;

	if (runs == NULL || !dredge_entry_deleted(e) || dredge_entry_dir(e))
		return 0;
	if ((rc = dredge_volume_load_claims(vol)) != 0)
		return rc;
	for (unsigned i = 0; i < runs->r.n; i++) {
		uint32_t a = runs->r.v[i].cluster;
		uint32_t b = a + runs->r.v[i].count;
		for (size_t k = 0; k < vol->nclaims && vol->claims[k].a < b; k++) {
			const struct claim *c = &vol->claims[k];
			if (c->b <= a || c->who >= best ||
			    vol->claimants[c->who].entry_offset == e->entry_offset)
				continue;
			best = c->who;
		}
	}
	if (best == UINT32_MAX)
		return 0;
	snprintf(other, len, "%s", vol->claimants[best].path);
	return 1;
}

/* ------------------------------------------------------------ choosing */

/* Validations one choice may run, and the clusters around a
 * fragmentation point tried as the last one of the first fragment. */
#define CHOOSE_TRIES 1024
#define CHOOSE_BACK 3
#define CHOOSE_AHEAD 8
/* Clusters of a file the choice handles. */
#define CHOOSE_CLUSTERS (1u << 22)

struct choose {
	dredge_volume *vol;
	const struct fs_entry *e;
	const struct format *fmt;
	uint32_t *try;             /* the clusters being tried, in order */
	uint64_t n;                /* clusters the size needs */
	struct fs_bitmap taken;    /* live, or assumed for another deleted
	                              file */
	struct fs_bitmap mine;     /* scratch: the clusters kept */
	unsigned tries;
};

/* Validates the n clusters of x->try: 0 with res, or -errno. */
static int choose_validate(struct choose *x, struct carve_result *res)
{
	struct fs_runs r;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	for (uint64_t i = 0; i < x->n && rc == 0; i++)
		rc = fs_runs_add(&r, x->try[i], 1);
	if (rc == 0) {
		uint64_t have = r.clusters * x->vol->vol.cluster_size;
		r.bytes = x->e->size < have ? x->e->size : have;
		x->tries++;
		rc = fs_validate(&x->vol->vol, &r, x->fmt, true, res);
	}
	fs_runs_free(&r);
	return rc;
}

/* Whether res says the n clusters are the whole file. */
static int choose_whole(const struct choose *x, const struct carve_result *res)
{
	return res->verdict == CARVE_ACCEPT && res->length == x->e->size;
}

/* Where res says the content stops being this file's, in whole clusters
 * kept (0: nowhere known). */
static uint64_t choose_break(const struct choose *x,
                             const struct carve_result *res)
{
	uint64_t at;

	if (res->verdict == CARVE_ACCEPT)
		return 0;
	if (res->note == CARVE_NOTE_FRAGMENT)
		at = res->note_off;
	else if (res->verdict == CARVE_REJECT && res->note_off > 0)
		at = res->note_off;
	else
		return 0;
	return at / x->vol->vol.cluster_size;
}

/* Fills x->try[k..n) with the free clusters from g on that neither
 * others nor the first k take; 0, or -ENOSPC when the volume ends. */
static int choose_fill(struct choose *x, uint64_t k, uint64_t g)
{
	uint64_t end = (uint64_t)x->vol->vol.cluster_count + 2;

	for (uint64_t i = 0; i < k; i++)
		fs_bitmap_set(&x->mine, x->try[i]);
	for (; k < x->n && g < end; g++)
		if (!fs_bitmap_get(&x->taken, g) && !fs_bitmap_get(&x->mine, g))
			x->try[k++] = (uint32_t)g;
	memset(x->mine.w, 0, (x->mine.nbits + 63) / 64 * 8);
	return k == x->n ? 0 : -ENOSPC;
}

/*
 * Searches for the clusters after the first k of x->try: each free
 * cluster after the k-th in turn starts the rest.  1 when the validator
 * takes one as the whole file (x->try holds it), 0 when none, -errno.
 * A try that gets further (a later fragmentation point) is followed from
 * there.
 */
static int choose_from(struct choose *x, uint64_t k, unsigned depth)
{
	uint64_t end = (uint64_t)x->vol->vol.cluster_count + 2;
	uint32_t *keep = malloc(k * sizeof(*keep));
	struct carve_result res;
	int rc = 0;

	if (keep == NULL)
		return -ENOMEM;
	memcpy(keep, x->try, k * sizeof(*keep));
	for (uint64_t g = (uint64_t)keep[k - 1] + 1;
	     g < end && x->tries < CHOOSE_TRIES && rc == 0; g++) {
		if (fs_bitmap_get(&x->taken, g))
			continue;
		memcpy(x->try, keep, k * sizeof(*keep));
		if (choose_fill(x, k, g) != 0)
			break;
		if (x->try[k] != g)
			continue;   /* g is one of the first k */
		if ((rc = choose_validate(x, &res)) != 0)
			break;
		if (choose_whole(x, &res)) {
			rc = 1;
			break;
		}
		uint64_t b = choose_break(x, &res);
		if (b > k + 1 && depth < 64) {
			for (uint64_t kk = b; kk > k && kk + CHOOSE_BACK >= b &&
			     rc == 0; kk--)
				rc = choose_from(x, kk, depth + 1);
			if (rc != 0)
				break;
			memcpy(x->try, keep, k * sizeof(*keep));
		}
	}
	free(keep);
	return rc < 0 ? rc : rc == 1;
}

int dredge_runs_choose(dredge_volume *vol, const struct dredge_entry *de,
                       dredge_runs *runs, const char **why)
{
	struct choose x = { .vol = vol };
	struct carve_result res;
	struct fs_entry e;
	int rc;

	*why = NULL;
	entry_import(de, &e);
	x.e = &e;
	if (runs == NULL || !fs_entry_is_deleted(&e) || fs_entry_is_dir(&e) ||
	    fs_type_is_tsk(vol->vol.type) || runs->r.data != NULL ||
	    e.size == 0 || runs->r.bytes < e.size)
		return 0;
	const char *ext = name_ext(e.name);
	x.fmt = ext ? format_find(ext) : NULL;
	if (x.fmt == NULL && e.short_name[0])
		x.fmt = (ext = name_ext(e.short_name)) ? format_find(ext) : NULL;
	if (x.fmt == NULL || x.fmt->validate == NULL)
		return 0;
	x.n = (e.size + vol->vol.cluster_size - 1) / vol->vol.cluster_size;
	if (x.n > CHOOSE_CLUSTERS || runs->r.clusters < x.n)
		return 0;
	x.try = malloc(x.n * sizeof(*x.try));
	if (x.try == NULL)
		return -ENOMEM;
	uint64_t k = 0;
	for (unsigned i = 0; i < runs->r.n && k < x.n; i++)
		for (uint32_t j = 0; j < runs->r.v[i].count && k < x.n; j++)
			x.try[k++] = runs->r.v[i].cluster + j;
	rc = choose_validate(&x, &res);
	if (rc != 0 || res.verdict == CARVE_ACCEPT ||
	    (res.verdict == CARVE_TRUNCATED && res.note != CARVE_NOTE_FRAGMENT)) {
		/* whole, or cut short for no reason clusters can fix */
		free(x.try);
		return rc == -E2BIG ? 0 : rc;
	}
	/* A rejection with no point where it stops being the file (its
	 * first bytes are not of the format) leaves nothing to choose: the
	 * first cluster is the entry's. */
	uint64_t b = choose_break(&x, &res);
	if (b == 0) {
		free(x.try);
		return 0;
	}
	*why = res.reason ? res.reason : "its format's validator rejects it";
	/* The clusters others take: live files', and those assumed for
	 * the other deleted files. */
	uint64_t end = (uint64_t)vol->vol.cluster_count + 2;
	if ((rc = dredge_volume_load_claims(vol)) != 0 ||
	    (rc = fs_bitmap_alloc(&x.taken, end)) != 0 ||
	    (rc = fs_bitmap_alloc(&x.mine, end)) != 0)
		goto out;
	for (uint64_t i = 0; i < (end + 63) / 64; i++)
		x.taken.w[i] = vol->owners.w[i];
	for (size_t i = 0; i < vol->nclaims; i++) {
		const struct claim *c = &vol->claims[i];
		if (vol->claimants[c->who].entry_offset == e.entry_offset)
			continue;
		for (uint64_t cl = c->a; cl < c->b; cl++)
			fs_bitmap_set(&x.taken, cl);
	}
	/* The last cluster of the first fragment is at the point the
	 * validator found, or a few before it (a decoder notices late), or
	 * a few after (a checksum covers a whole chunk). */
	rc = 0;
	for (uint64_t d = 0; d <= CHOOSE_BACK + CHOOSE_AHEAD && rc == 0; d++) {
		uint64_t kk = d <= CHOOSE_BACK ? b - d : b + (d - CHOOSE_BACK);
		if (kk == 0 || kk > b + CHOOSE_AHEAD || kk >= x.n ||
		    (d <= CHOOSE_BACK && d > b))
			continue;
		/* the assumed clusters up to kk stay */
		uint64_t k2 = 0;
		for (unsigned i = 0; i < runs->r.n && k2 < kk; i++)
			for (uint32_t j = 0; j < runs->r.v[i].count && k2 < kk; j++)
				x.try[k2++] = runs->r.v[i].cluster + j;
		rc = choose_from(&x, kk, 0);
	}
	if (rc == 1) {
		struct fs_runs r;
		memset(&r, 0, sizeof(r));
		for (uint64_t i = 0; i < x.n && rc == 1; i++)
			if (fs_runs_add(&r, x.try[i], 1) != 0)
				rc = -ENOMEM;
		if (rc == 1) {
			uint64_t have = r.clusters * vol->vol.cluster_size;
			r.bytes = e.size < have ? e.size : have;
			r.status = runs->r.status & ~(FS_RUNS_SHORT);
			fs_runs_free(&runs->r);
			runs->r = r;
			*why = NULL;
		} else {
			fs_runs_free(&r);
		}
	} else if (rc == 0) {
		rc = 2;
	}
out:
	fs_bitmap_free(&x.taken);
	fs_bitmap_free(&x.mine);
	free(x.try);
	return rc;
}

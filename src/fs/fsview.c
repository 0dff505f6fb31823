/*
 * fsview.c - opening the file system a scan carves, once, at set-up.
 *
 * The volume is found as `dredge fs` finds it (-p N, --offset, or the
 * only FAT/exFAT volume), its live tree is walked to mark the clusters live
 * files own, and it is closed again: the threads share only the bitmap and
 * the geometry, never the volume (which is not thread-safe).  The walk is
 * the one fs_alloc_map does, with one addition: it notes damage that makes
 * the map untrustworthy (a live chain that loops or leaves the volume, a
 * directory that contains itself), and then the view is not used at all.
 * Damage a power cut leaves on a recorder's card (a chain longer than the
 * size in its entry, a size the chain does not cover) is only warned about.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/format.h"
#include "fs/fsview.h"
#include "fs/part.h"

/* File-system warnings shown per scan; a badly damaged FAT has thousands. */
#define FSVIEW_MAX_WARNINGS 20

struct fsview_ctx {
	const struct dredge_scan_config *cfg;
	const char *path;
	unsigned warned;
	/* the live walk */
	struct fsview *v;
	struct fs_bitmap dirs;       /* first clusters of directories met */
	uint64_t held;               /* bytes of live files' content held */
	char damage[320];            /* why the map cannot be trusted */
	size_t capfiles;             /* of v->files */
};

static void say(struct fsview_ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(struct fsview_ctx *x, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (x->cfg->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->cfg->warn(x->cfg->warn_arg, msg);
}

/* The volume's own warnings, passed on up to a limit. */
static void fs_warn_cb(void *arg, const char *msg)
{
	struct fsview_ctx *x = arg;

	x->warned++;
	if (x->warned < FSVIEW_MAX_WARNINGS)
		say(x, "%s: %s", x->path, msg);
	else if (x->warned == FSVIEW_MAX_WARNINGS)
		say(x, "%s: more file-system warnings not shown", x->path);
}

static void note_damage(struct fsview_ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note_damage(struct fsview_ctx *x, const char *fmt, ...)
{
	va_list ap;

	if (x->damage[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(x->damage, sizeof(x->damage), fmt, ap);
	va_end(ap);
}

static void mark_runs(struct fsview *v, const struct fs_runs *r)
{
	for (unsigned i = 0; i < r->n; i++)
		for (uint32_t k = 0; k < r->v[i].count; k++)
			fs_bitmap_set(&v->live, (uint64_t)r->v[i].cluster + k);
}

/* The extension of name (after its last dot), or NULL. */
static const char *name_ext(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot != NULL && dot[1] != '\0' ? dot + 1 : NULL;
}

/* The type folder of a live file: its name's extension in lower case
 * when that is a short plain word, else "file". */
static void folder_of(const struct fs_entry *e, char *out, size_t len)
{
	const char *ext = name_ext(e->name);
	size_t n = 0;

	if (ext == NULL && e->short_name[0])
		ext = name_ext(e->short_name);
	for (; ext != NULL && ext[n] != '\0'; n++)
		if (n + 1 >= len || n >= 8 ||
		    !((ext[n] >= 'a' && ext[n] <= 'z') ||
		      (ext[n] >= 'A' && ext[n] <= 'Z') ||
		      (ext[n] >= '0' && ext[n] <= '9')))
			break;
	if (ext == NULL || n == 0 || ext[n] != '\0') {
		snprintf(out, len, "file");
		return;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(ext[i] >= 'A' && ext[i] <= 'Z' ? ext[i] + 32
		                                                : ext[i]);
	out[n] = '\0';
}

/*
 * The extents of runs r with its sparse runs (cluster 0) as FSVIEW_HOLE
 * extents, cut at r->bytes, into ext (max of them); returns how many
 * there are.
 */
static unsigned hole_extents(const struct fs_volume *vol,
                             const struct fs_runs *r, struct extent *ext,
                             unsigned max)
{
	uint64_t left = r->bytes;
	unsigned n = 0;

	for (unsigned i = 0; i < r->n && left > 0; i++) {
		uint64_t len = (uint64_t)r->v[i].count * vol->cluster_size;
		uint64_t off = r->v[i].cluster == 0 ? FSVIEW_HOLE
		               : fs_cluster_offset(vol, r->v[i].cluster);
		if (r->v[i].cluster != 0 && off == UINT64_MAX)
			break;
		if (len > left)
			len = left;
		struct extent *p = n > 0 && n <= max ? &ext[n - 1] : NULL;
		if (p != NULL && p->img_off == FSVIEW_HOLE && off == FSVIEW_HOLE)
			p->len += len;
		else if (p != NULL && off != FSVIEW_HOLE &&
		         p->img_off != FSVIEW_HOLE && p->img_off + p->len == off)
			p->len += len;
		else {
			if (n < max)
				ext[n] = (struct extent){ off, len };
			n++;
		}
		left -= len;
	}
	return n;
}

/* Lists live file e (path, runs r) for a whole-volume scan; 0 or -errno.
 * Content held in memory (r->data) is taken over. */
static int list_file(struct fsview_ctx *x, struct fs_volume *vol,
                     const char *path, const struct fs_entry *e,
                     struct fs_runs *r, const char *damage)
{
	struct fsview *v = x->v;

	if (v->nfiles == x->capfiles) {
		size_t cap = x->capfiles ? 2 * x->capfiles : 64;
		struct fsview_file *n = realloc(v->files, cap * sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		v->files = n;
		x->capfiles = cap;
	}
	struct fsview_file *f = &v->files[v->nfiles];
	memset(f, 0, sizeof(*f));
	f->off = fs_cluster_offset(vol, e->start_cluster);
	f->meta = e->entry_offset;
	f->path = strdup(path);
	if (f->path == NULL)
		return -ENOMEM;
	folder_of(e, f->ext_name, sizeof(f->ext_name));
	const char *ext = name_ext(e->name);
	f->fmt = ext != NULL ? format_find(ext) : NULL;
	if (f->fmt == NULL && (ext = name_ext(e->short_name)) != NULL)
		f->fmt = format_find(ext);
	if (damage != NULL) {
		f->flags = FSVIEW_F_DAMAGED;
		f->damage = damage;
		v->nfiles++;
		return 0;
	}
	/* Content with no first block of its own (resident, or sparse
	 * from its start) is listed where the data area starts. */
	if (e->start_cluster < 2) {
		f->off = fs_data_start(vol);
		f->flags |= FSVIEW_F_NOPLACE;
	}
	unsigned n = 1;
	if (r->status & FS_RUNS_HELD) {
		f->flags |= FSVIEW_F_HELD;
		f->held = r->data;
		r->data = NULL;
	} else if (r->status & FS_RUNS_SPARSE) {
		f->flags |= FSVIEW_F_HOLES;
		n = hole_extents(vol, r, NULL, 0);
	} else {
		n = fs_runs_extents(vol, r, NULL, 0);
	}
	f->ext = n ? malloc(n * sizeof(*f->ext)) : NULL;
	if (n != 0 && f->ext == NULL) {
		free(f->path);
		free(f->held);
		return -ENOMEM;
	}
	if (f->flags & FSVIEW_F_HELD) {
		f->ext[0] = (struct extent){ e->start_cluster < 2
		                             ? FSVIEW_RESIDENT : FSVIEW_DECODED,
		                             r->bytes };
		f->next = r->bytes > 0;
	} else if (f->flags & FSVIEW_F_HOLES) {
		f->next = hole_extents(vol, r, f->ext, n);
	} else {
		f->next = fs_runs_extents(vol, r, f->ext, n);
	}
	f->size = r->bytes;
	if (r->bytes < e->size || (r->status & FS_RUNS_SHORT))
		f->flags |= FSVIEW_F_SHORT;
	v->nfiles++;
	return 0;
}

/* Marks one live entry's clusters, noting damage. */
static int live_entry(struct fs_volume *vol, const char *path,
                      const struct fs_entry *e, unsigned depth, void *arg)
{
	struct fsview_ctx *x = arg;
	const char *name = path[0] ? path : "/";
	struct fs_runs r;

	if (fs_entry_is_dir(e) && !(e->flags & FS_E_ROOT) &&
	    !fs_type_is_tsk(vol->type)) {
		uint32_t c = e->start_cluster;
		if (c == 0 && vol->type != FS_EXFAT)
			note_damage(x, "the directory %s points at the root", name);
		else if (c >= 2 && c < fsview_end(x->v) &&
		         fs_bitmap_get(&x->dirs, c))
			note_damage(x, "the directory %s contains itself or an "
			            "ancestor", name);
		fs_bitmap_set(&x->dirs, c);
	}
	int rc = fs_file_runs(vol, e, NULL, &r);
	if (rc != 0)
		return rc;
	/* Through The Sleuth Kit, a file whose bytes are not plain blocks
	 * of the source is written too: a resident or compressed one from
	 * the content read through the library (held in memory, up to
	 * FSVIEW_HELD_MAX bytes in all), a sparse one with its holes as
	 * zeros.  One whose blocks cannot be read is named, for `dredge fs
	 * export`; the allocation map keeps its blocks from the carver. */
	if (x->v->write_live && fs_type_is_tsk(vol->type) &&
	    !fs_entry_is_dir(e) && path[0] == '/' && e->size > 0) {
		const char *why = NULL;
		if (r.status & FS_RUNS_HELD) {
			if (r.bytes > FSVIEW_HELD_MAX - x->held) {
				why = "its content is compressed or held in its "
				      "metadata entry, and the scan holds no more "
				      "such content in memory";
			} else {
				x->held += r.bytes;
			}
		} else if (r.status & (FS_RUNS_RANGE | FS_RUNS_IO)) {
			why = "its blocks cannot be read";
		} else if (e->start_cluster < 2 &&
		           !(r.status & FS_RUNS_SPARSE)) {
			why = "it lists no blocks";
		}
		if (why != NULL) {
			say(x, "%s: %s: %s; not written by the scan (dredge fs "
			    "export writes it)", x->path, path, why);
			fs_runs_free(&r);
			return 0;
		}
		mark_runs(x->v, &r);
		rc = list_file(x, vol, path, e, &r, NULL);
		fs_runs_free(&r);
		return rc;
	}
	/* A whole-volume scan writes live files from their chains: one
	 * whose chain cannot be followed is carved instead, and its
	 * clusters are left to the carver. */
	if (x->v->write_live && !fs_entry_is_dir(e) && path[0] == '/' &&
	    e->start_cluster >= 2 && e->size > 0) {
		const char *damage =
			(r.status & FS_RUNS_LOOP) ? "the cluster chain loops" :
			(r.status & FS_RUNS_RANGE) ? "the cluster chain leaves "
			                             "the volume" :
			(r.status & FS_RUNS_IO) ? "the FAT cannot be read" :
			NULL;
		if (damage != NULL)
			say(x, "%s: %s: %s; carving it from cluster %u instead",
			    x->path, path, damage, e->start_cluster);
		else
			mark_runs(x->v, &r);
		rc = list_file(x, vol, path, e, &r, damage);
		fs_runs_free(&r);
		return rc;
	}
	if (r.status & FS_RUNS_LOOP)
		note_damage(x, "the cluster chain of %s loops", name);
	else if (r.status & FS_RUNS_RANGE)
		note_damage(x, "%s has a cluster number out of range", name);
	else if (r.status & FS_RUNS_IO)
		note_damage(x, fs_type_is_tsk(vol->type) ?
		            "the metadata of %s cannot be read" :
		            "the FAT entries of %s cannot be read", name);
	mark_runs(x->v, &r);
	fs_runs_free(&r);
	return 0;
}

/* The live map, as fs_alloc_map builds it; 0 or -errno. */
static int live_map(struct fsview_ctx *x, struct fs_volume *vol)
{
	struct fs_entry root;
	int rc;

	rc = fs_bitmap_alloc(&x->dirs, fsview_end(x->v));
	if (rc != 0)
		return rc;
	fs_root_entry(vol, &root);
	if (root.start_cluster != 0)
		fs_bitmap_set(&x->dirs, root.start_cluster);
	rc = fs_walk_owners(vol, live_entry, x);
	fs_bitmap_free(&x->dirs);
	return rc;
}

int fsview_init(struct fsview *v, uint64_t data_start, uint32_t cluster_size,
                uint32_t cluster_count)
{
	memset(v, 0, sizeof(*v));
	if (cluster_size == 0 || cluster_count == 0)
		return -EINVAL;
	v->data_start = data_start;
	v->cluster_size = cluster_size;
	v->cluster_count = cluster_count;
	v->first = 2;
	v->last = cluster_count + 1;
	return fs_bitmap_alloc(&v->live, fsview_end(v));
}

void fsview_free(struct fsview *v)
{
	if (v == NULL)
		return;
	fs_bitmap_free(&v->live);
	for (size_t i = 0; i < v->nfiles; i++) {
		free(v->files[i].path);
		free(v->files[i].ext);
		free(v->files[i].held);
	}
	free(v->files);
	v->files = NULL;
	v->nfiles = 0;
}

static int file_cmp(const void *a, const void *b)
{
	const struct fsview_file *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return strcmp(x->path, y->path);
}

/*
 * Puts the live files in source order, keeps those whose first cluster
 * the scan covers, and marks a file whose first cluster starts one listed
 * before it (a cross-linked FAT): the first, by path, is written.
 */
static void order_files(struct fsview_ctx *x)
{
	struct fsview *v = x->v;
	size_t k = 0;

	if (v->nfiles > 1)
		qsort(v->files, v->nfiles, sizeof(*v->files), file_cmp);
	for (size_t i = 0; i < v->nfiles; i++) {
		struct fsview_file *f = &v->files[i];
		uint32_t c = fsview_cluster(v, f->off);
		if (c < v->first || c > v->last) {
			free(f->path);
			free(f->ext);
			free(f->held);
			continue;
		}
		if (k > 0 && v->files[k - 1].off == f->off &&
		    !(f->flags & (FSVIEW_F_DAMAGED | FSVIEW_F_NOPLACE)) &&
		    !(v->files[k - 1].flags & FSVIEW_F_NOPLACE)) {
			say(x, "%s: %s starts in cluster %u like %s; written "
			    "once, as %s", x->path, f->path, c,
			    v->files[k - 1].path, v->files[k - 1].path);
			f->flags |= FSVIEW_F_SHARED;
		}
		v->files[k++] = *f;
	}
	v->nfiles = k;
}

size_t fsview_file_at(const struct fsview *v, uint64_t off)
{
	size_t lo = 0, hi = v->nfiles;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->files[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Finds the volume's byte range; 0, 1 to fall back, or -errno (err set). */
static int find_volume(struct fsview_ctx *x, const struct source *src,
                       uint64_t size, uint64_t *off, uint64_t *len,
                       char *err, size_t errlen)
{
	const struct dredge_scan_config *cfg = x->cfg;
	struct part_table *pt;
	char why[512];
	int rc;

	if (cfg->volume_offset_set) {
		if (cfg->volume_offset >= size) {
			snprintf(err, errlen, "--offset %llu is past the end of '%s' "
			         "(%llu bytes)", (unsigned long long)cfg->volume_offset,
			         x->path, (unsigned long long)size);
			return -EINVAL;
		}
		*off = cfg->volume_offset;
		*len = size - cfg->volume_offset;
		return 0;
	}
	pt = malloc(sizeof(*pt));
	if (pt == NULL)
		return -ENOMEM;
	rc = part_read(src, size, pt, fs_warn_cb, x, why, sizeof(why));
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", x->path, why);
		free(pt);
		return rc;
	}
	unsigned nfs = 0;
	for (unsigned i = 0; i < pt->n; i++)
		nfs += pt->e[i].fs != FS_NONE && !pt->e[i].extended;
	rc = part_select(pt, size, cfg->partition, off, len, why, sizeof(why));
	free(pt);
	if (rc == 0)
		return 0;
	/* Naming a partition that is not there, or not choosing among
	 * several volumes, is the user's to fix; no volume at all is what a
	 * wiped card looks like, and carving goes on without one. */
	if (cfg->partition != 0 || nfs > 1) {
		snprintf(err, errlen, "%s: %s", x->path, why);
		return rc;
	}
	say(x, "%s: %s; carving the whole source", x->path, why);
	return 1;
}

int fsview_grid(const struct source *src, uint64_t size,
                struct fsview_grid *g)
{
	struct part_table *pt = malloc(sizeof(*pt));
	struct fs_volume vol;
	uint64_t off, len;
	uint8_t boot[512];
	char why[512];
	int rc;

	if (pt == NULL)
		return -ENOMEM;
	rc = part_read(src, size, pt, NULL, NULL, why, sizeof(why));
	if (rc == 0)
		rc = part_select(pt, size, 0, &off, &len, why, sizeof(why));
	free(pt);
	if (rc != 0)
		return rc == -ENOMEM ? rc : 1;
	/* FAT and exFAT only: anything else would be opened through The
	 * Sleuth Kit, which reads far more than a boot sector. */
	if (len < sizeof(boot) ||
	    source_read_full(src, boot, sizeof(boot), off) != 0)
		return 1;
	enum fs_type t = fs_probe(boot, sizeof(boot));
	if (t != FS_FAT12 && t != FS_FAT16 && t != FS_FAT32 && t != FS_EXFAT)
		return 1;
	rc = fs_open(&vol, src, off, len, NULL, NULL, why, sizeof(why));
	if (rc != 0)
		return rc == -ENOMEM ? rc : 1;
	uint64_t origin = fs_data_start(&vol), cs = vol.cluster_size;
	uint64_t end = origin + (uint64_t)vol.cluster_count * cs;
	fs_close(&vol);
	if (end > size)
		end = size;
	if (cs < 512 || cs > FSVIEW_GRID_MAX || origin >= end)
		return 1;
	*g = (struct fsview_grid){ origin, end, (uint32_t)cs };
	return 0;
}

int fsview_open(struct fsview **out, const struct source *src, uint64_t size,
                const char *path, const struct dredge_scan_config *cfg,
                char *err, size_t errlen)
{
	struct fsview_ctx x = { .cfg = cfg, .path = path };
	struct fs_volume vol;
	struct fsview *v = NULL;
	uint64_t off, len;
	char why[512];
	int rc;

	*out = NULL;
	rc = find_volume(&x, src, size, &off, &len, err, errlen);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	rc = fs_open(&vol, src, off, len, fs_warn_cb, &x, why, sizeof(why));
	if (rc != 0) {
		say(&x, "%s: no usable file system at byte %llu (%s); carving the "
		    "whole source", path, (unsigned long long)off, why);
		return 0;
	}
	v = malloc(sizeof(*v));
	if (v == NULL || (rc = fsview_init(v, fs_data_start(&vol),
	                                   vol.cluster_size,
	                                   vol.cluster_count)) != 0) {
		free(v);
		fs_close(&vol);
		snprintf(err, errlen, "out of memory for the cluster map");
		return -ENOMEM;
	}
	v->type = vol.type;
	v->vol_offset = vol.offset;
	v->write_live = !cfg->unallocated;   /* a whole-volume scan */
	x.v = v;
	rc = live_map(&x, &vol);
	if (rc == 0 && fs_type_is_tsk(vol.type)) {
		/* Metadata (MFT, inode tables, journal) owns blocks no file
		 * lists: the allocation map marks them. */
		struct fs_bitmap used;
		rc = fs_used_map(&vol, &used);
		for (uint64_t i = 0; rc == 0 && i < (fsview_end(v) + 63) / 64; i++)
			v->live.w[i] |= used.w[i];
		if (rc == 0)
			fs_bitmap_free(&used);
	}
	fs_close(&vol);
	if (rc != 0 || x.damage[0] != '\0') {
		if (rc != 0)
			snprintf(x.damage, sizeof(x.damage), "%s", strerror(-rc));
		say(&x, "%s: the %s volume at byte %llu is damaged (%s); carving "
		    "the whole source", path, fs_type_name(v->type),
		    (unsigned long long)off, x.damage);
		fsview_free(v);
		free(v);
		return 0;
	}
	for (uint64_t c = 2; c < fsview_end(v); c++)
		v->live_clusters += fs_bitmap_get(&v->live, c);

	if (cfg->cluster_first != 0 || cfg->cluster_last != 0) {
		if (cfg->cluster_first < 2 || cfg->cluster_last < cfg->cluster_first ||
		    cfg->cluster_last >= fsview_end(v)) {
			snprintf(err, errlen, "--clusters %u-%u is outside the "
			         "volume's clusters (2-%llu)", cfg->cluster_first,
			         cfg->cluster_last,
			         (unsigned long long)fsview_end(v) - 1);
			fsview_free(v);
			free(v);
			return -EINVAL;
		}
		v->first = cfg->cluster_first;
		v->last = cfg->cluster_last;
	}
	v->unallocated = cfg->unallocated;
	order_files(&x);
	*out = v;
	return 0;
}

/* ------------------------------------------------------------ queries */

/* The first cluster >= c whose live bit equals want, or the end. */
static uint64_t next_bit(const struct fsview *v, uint64_t c, int want)
{
	uint64_t end = fsview_end(v);

	while (c < end) {
		uint64_t w = v->live.w[c >> 6];
		if (!want)
			w = ~w;
		w &= ~(uint64_t)0 << (c & 63);
		if (w != 0) {
			uint64_t hit = (c & ~(uint64_t)63) + (uint64_t)__builtin_ctzll(w);
			return hit < end ? hit : end;
		}
		c = (c | 63) + 1;
	}
	return end;
}

uint64_t fsview_next_free(const struct fsview *v, uint64_t c)
{
	return next_bit(v, c < 2 ? 2 : c, 0);
}

unsigned fsview_lay_out(const struct fsview *v, uint64_t size, uint32_t c0,
                        unsigned back, uint32_t span, uint32_t *pos,
                        unsigned cap, unsigned *at, bool *cut)
{
	uint64_t low = c0 > span ? c0 - span : 0;
	unsigned n = 0;

	*cut = false;
	if (back >= cap)
		back = cap > 0 ? cap - 1 : 0;
	for (uint64_t k = c0; k > 2 && k > low && n < back;) {
		k--;
		if (!fsview_is_live(v, (uint32_t)k))
			pos[n++] = (uint32_t)k;
	}
	uint32_t stop = n > 0 ? pos[n - 1] : c0;
	for (unsigned i = 0; i < n / 2; i++) {
		uint32_t t = pos[i];
		pos[i] = pos[n - 1 - i];
		pos[n - 1 - i] = t;
	}
	*at = n;
	bool wrapped = false;
	for (uint64_t k = c0; n < cap; k++) {
		k = fsview_next_free(v, k);
		if (!wrapped && (k >= fsview_end(v) ||
		                 fsview_offset(v, (uint32_t)k) +
		                 v->cluster_size > size)) {
			wrapped = true;
			k = fsview_next_free(v, 2);
		}
		if (k >= fsview_end(v) ||
		    fsview_offset(v, (uint32_t)k) + v->cluster_size > size)
			break;
		if (wrapped && k >= stop) {
			*cut = stop < c0;
			break;
		}
		pos[n++] = (uint32_t)k;
	}
	return n;
}

int fsview_owns_some(const struct fsview *v, uint64_t off, uint64_t len)
{
	if (len == 0 || v->cluster_count == 0 || off + len <= v->data_start)
		return 0;
	uint64_t lo = off < v->data_start ? v->data_start : off;
	uint64_t a = (lo - v->data_start) / v->cluster_size + 2;
	uint64_t b = (off + len - 1 - v->data_start) / v->cluster_size + 2;
	if (a < v->first)
		a = v->first;
	if (b > v->last)
		b = v->last;
	if (a > b)
		return 0;
	return !fsview_skips_live(v) || fsview_next_free(v, a) <= b;
}

uint64_t fsview_next_live(const struct fsview *v, uint64_t c)
{
	return next_bit(v, c < 2 ? 2 : c, 1);
}

unsigned fsview_cluster_runs(const struct fsview *v, const struct extent *ext,
                             unsigned n, struct fsview_run *out, unsigned max)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++) {
		if (ext[i].len == 0 || !fsview_ext_is_source(&ext[i]))
			continue;
		uint32_t a = fsview_cluster(v, ext[i].img_off);
		uint32_t b = fsview_cluster(v, ext[i].img_off + ext[i].len - 1);
		if (a == 0 || b == 0)
			continue;   /* outside the data area: no clusters */
		if (k > 0 && k <= max &&
		    out[k - 1].start + out[k - 1].count == a) {
			out[k - 1].count += b - a + 1;
		} else if (k > 0 && k <= max &&
		           out[k - 1].start + out[k - 1].count == a + 1) {
			/* an extent ending mid-cluster and one going on in it */
			out[k - 1].count += b - a;
		} else {
			if (k < max)
				out[k] = (struct fsview_run){ a, b - a + 1 };
			k++;
		}
	}
	return k;
}

const char *fsview_type_name(const struct fsview *v)
{
	return fs_type_name(v->type);
}

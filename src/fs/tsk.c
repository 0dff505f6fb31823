/*
 * tsk.c - NTFS, ext2/3/4, HFS+, ISO 9660 and the other file systems The
 * Sleuth Kit reads, behind fs.h.
 *
 * TSK reads the volume through an image object of ours (a TSK_IMG_INFO
 * whose read callback is the source's), so raw, split and E01 sources and
 * volumes at any offset are all the same to it.  From TSK come the tree
 * (names live and deleted, with their metadata addresses), each file's
 * default data attribute (its block runs, sparse runs, resident or
 * compressed content) and the block allocation map.  What fs.h offers is
 * built from those: a block is a cluster numbered as TSK numbers blocks,
 * sparse runs are runs of cluster 0 that read as zeros, and content that
 * the blocks do not hold as they are (resident, compressed, encrypted, or
 * past NTFS's initialised size) is read by TSK into memory, up to
 * TSK_HELD_MAX bytes.
 *
 * A deleted file's runs are the ones its metadata still lists (NTFS keeps
 * the runlist of a deleted MFT entry; ext4 clears its extents, and then
 * there is nothing to list).  They are exact only while no file owns
 * those blocks again: a run that the allocation bitmap marks used makes
 * the runs FS_RUNS_OVERWRITTEN, as fs.c does for FAT.
 *
 * Bounds: directory depth FS_MAX_DEPTH (and a directory that is its own
 * ancestor is not entered again), TSK_RUNS_MAX runs per file, and the
 * block count within what 32-bit cluster numbers hold.  TSK's own errors
 * become one-line messages (tsk_error_get).
 *
 * The library is loaded (by the soname configure found, TSK_SONAME) when
 * the first volume is opened through it, not when dredge starts.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <tsk/libtsk.h>

#include "fs/fat.h"
#include "fs/tsk.h"
#include "io/source.h"

#define TSK_HELD_MAX (64ull << 20)   /* content held in memory, per file */
#define TSK_RUNS_MAX (1u << 20)      /* runs taken from one attribute */

/* The image TSK reads: its header first, as TSK requires. */
struct tsk_img {
	TSK_IMG_INFO info;
	const struct source *src;
};

struct fs_tsk {
	TSK_IMG_INFO *img;
	TSK_FS_INFO *fs;
};

/* ------------------------------------------------------------ library */

/*
 * The library's entry points used, looked up once (pthread_once) when the
 * first volume is opened through it and only read after: loading it and
 * the libraries it pulls in costs a process about 16 ms, and most scans
 * never open such a volume.  api is NULL when it cannot be loaded, and
 * tsk_load_why then says why.
 */
struct tsk_api {
	__typeof__(tsk_error_get) *error_get;
	__typeof__(tsk_error_reset) *error_reset;
	__typeof__(tsk_error_set_errno) *error_set_errno;
	__typeof__(tsk_error_set_errstr) *error_set_errstr;
	__typeof__(tsk_fs_attr_read) *fs_attr_read;
	__typeof__(tsk_fs_block_walk) *fs_block_walk;
	__typeof__(tsk_fs_close) *fs_close;
	__typeof__(tsk_fs_dir_close) *fs_dir_close;
	__typeof__(tsk_fs_dir_get) *fs_dir_get;
	__typeof__(tsk_fs_dir_getsize) *fs_dir_getsize;
	__typeof__(tsk_fs_dir_open_meta) *fs_dir_open_meta;
	__typeof__(tsk_fs_file_attr_get) *fs_file_attr_get;
	__typeof__(tsk_fs_file_close) *fs_file_close;
	__typeof__(tsk_fs_file_open_meta) *fs_file_open_meta;
	__typeof__(tsk_fs_open_img) *fs_open_img;
	__typeof__(tsk_fs_type_toname) *fs_type_toname;
	__typeof__(tsk_img_close) *img_close;
	__typeof__(tsk_img_open_external) *img_open_external;
};

static pthread_once_t tsk_once = PTHREAD_ONCE_INIT;
static struct tsk_api tsk_lib;
static const struct tsk_api *api;
static char tsk_load_why[256];

static void tsk_load(void)
{
	void *lib = dlopen(TSK_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *missing = NULL;

	if (lib == NULL) {
		const char *e = dlerror();
		snprintf(tsk_load_why, sizeof(tsk_load_why), "%s",
		         e != NULL ? e : TSK_SONAME " cannot be loaded");
		return;
	}
	/* POSIX gives dlsym's void * to function pointers this way. */
#define TSK_GET(name)                                                      \
	do {                                                               \
		*(void **)&tsk_lib.name = dlsym(lib, "tsk_" #name);        \
		if (tsk_lib.name == NULL && missing == NULL)               \
			missing = "tsk_" #name;                            \
	} while (0)
	TSK_GET(error_get);
	TSK_GET(error_reset);
	TSK_GET(error_set_errno);
	TSK_GET(error_set_errstr);
	TSK_GET(fs_attr_read);
	TSK_GET(fs_block_walk);
	TSK_GET(fs_close);
	TSK_GET(fs_dir_close);
	TSK_GET(fs_dir_get);
	TSK_GET(fs_dir_getsize);
	TSK_GET(fs_dir_open_meta);
	TSK_GET(fs_file_attr_get);
	TSK_GET(fs_file_close);
	TSK_GET(fs_file_open_meta);
	TSK_GET(fs_open_img);
	TSK_GET(fs_type_toname);
	TSK_GET(img_close);
	TSK_GET(img_open_external);
#undef TSK_GET
	if (missing != NULL) {
		snprintf(tsk_load_why, sizeof(tsk_load_why),
		         "%s has no %s", TSK_SONAME, missing);
		dlclose(lib);
		return;
	}
	api = &tsk_lib;
}

/* ------------------------------------------------------------ image */

static ssize_t img_read(TSK_IMG_INFO *info, TSK_OFF_T off, char *buf,
                        size_t len)
{
	const struct source *src = ((struct tsk_img *)info)->src;

	if (off < 0 || (uint64_t)off >= src->size)
		return 0;
	if (len > src->size - (uint64_t)off)
		len = (size_t)(src->size - (uint64_t)off);
	/* Unreadable sectors read as zeros, as every other stage sees them. */
	if (source_read(src, (uint8_t *)buf, (uint64_t)off, len, 1, NULL,
	                NULL) != 0) {
		api->error_reset();
		api->error_set_errno(TSK_ERR_IMG_READ);
		api->error_set_errstr("cannot read %zu bytes at byte %lld of %s",
		                      len, (long long)off, src->path);
		return -1;
	}
	return (ssize_t)len;
}

static void img_close(TSK_IMG_INFO *info)
{
	free(info);
}

static void img_stat(TSK_IMG_INFO *info, FILE *f)
{
	fprintf(f, "dredge source: %s\n", ((struct tsk_img *)info)->src->path);
}

/* TSK's last error as one line, then cleared. */
static const char *tsk_why(char *buf, size_t len)
{
	const char *e = api->error_get();

	snprintf(buf, len, "%s", e != NULL && *e ? e : "no reason given");
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	api->error_reset();
	return buf;
}

/* ------------------------------------------------------------ open */

static enum fs_type type_of(TSK_FS_TYPE_ENUM t)
{
	if (TSK_FS_TYPE_ISNTFS(t))
		return FS_NTFS;
	if (t == TSK_FS_TYPE_EXT2)
		return FS_EXT2;
	if (t == TSK_FS_TYPE_EXT3)
		return FS_EXT3;
	if (TSK_FS_TYPE_ISEXT(t))
		return FS_EXT4;
	if (TSK_FS_TYPE_ISHFS(t))
		return FS_HFS;
	if (TSK_FS_TYPE_ISISO9660(t))
		return FS_ISO9660;
	if (TSK_FS_TYPE_ISFFS(t))
		return FS_UFS;
	return FS_TSK_OTHER;
}

int tsk_available(const char **what)
{
	pthread_once(&tsk_once, tsk_load);
	*what = api != NULL ? TSK_SONAME : tsk_load_why;
	return api != NULL;
}

/* What opening the volume at vol->offset says when it holds nothing TSK
 * reads: that it holds no FAT or exFAT either. */
static int no_volume(const struct fs_volume *vol, char *err, size_t errlen)
{
	snprintf(err, errlen, "no FAT or exFAT boot sector at byte %llu (no "
	         "55 AA signature)", (unsigned long long)vol->offset);
	return -EINVAL;
}

int tsk_vol_open(struct fs_volume *vol, char *err, size_t errlen)
{
	const struct source *src = vol->src;
	const char *lib;
	char why[512];
	enum fs_type probed = FS_NONE;

	/* What the first bytes look like, for the message if TSK fails. */
	size_t n = vol->avail < FS_PROBE_LEN ? (size_t)vol->avail : FS_PROBE_LEN;
	uint8_t *b = malloc(n);
	if (b != NULL && fs_pread(vol, vol->offset, b, n) == 0)
		probed = fs_probe(b, n);
	free(b);

	if (!tsk_available(&lib)) {
		if (!fs_type_is_tsk(probed))
			return no_volume(vol, err, errlen);
		snprintf(err, errlen, "an %s volume at byte %llu: The Sleuth "
		         "Kit's library, which dredge reads %s through, cannot "
		         "be loaded: %s", fs_type_name(probed),
		         (unsigned long long)vol->offset, fs_type_name(probed),
		         lib);
		return -ENOTSUP;
	}
	struct fs_tsk *t = calloc(1, sizeof(*t));
	struct tsk_img *img = calloc(1, sizeof(*img));
	if (t == NULL || img == NULL) {
		free(t);
		free(img);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	img->src = src;
	unsigned ss = src->sector_size % 512 == 0 ? src->sector_size : 0;
	api->error_reset();
	t->img = api->img_open_external(img, (TSK_OFF_T)src->size, ss,
	                                img_read, img_close, img_stat);
	if (t->img == NULL) {
		snprintf(err, errlen, "The Sleuth Kit cannot read the source: %s",
		         tsk_why(why, sizeof(why)));
		free(img);
		free(t);
		return -EIO;
	}
	vol->tsk = t;
	t->fs = api->fs_open_img(t->img, (TSK_OFF_T)vol->offset,
	                         TSK_FS_TYPE_DETECT);
	if (t->fs == NULL) {
		tsk_why(why, sizeof(why));
		tsk_vol_close(vol);
		if (!fs_type_is_tsk(probed))
			return no_volume(vol, err, errlen);
		snprintf(err, errlen, "The Sleuth Kit cannot open the %s volume "
		         "at byte %llu: %s", fs_type_name(probed),
		         (unsigned long long)vol->offset, why);
		return -EINVAL;
	}
	TSK_FS_INFO *fs = t->fs;
	uint64_t bs = fs->block_size;
	uint64_t blocks = (uint64_t)fs->last_block + 1;
	uint64_t have = bs ? vol->avail / bs : 0;
	if (bs == 0 || bs > (1u << 24)) {
		snprintf(err, errlen, "the %s volume at byte %llu has %llu-byte "
		         "blocks", api->fs_type_toname(fs->ftype),
		         (unsigned long long)vol->offset, (unsigned long long)bs);
		tsk_vol_close(vol);
		return -EINVAL;
	}
	if (blocks > have)
		blocks = have;   /* a cut image: what the source holds */
	if (blocks > (uint64_t)UINT32_MAX - 2) {
		snprintf(err, errlen, "the %s volume at byte %llu has %llu blocks, "
		         "more than dredge numbers (%u)",
		         api->fs_type_toname(fs->ftype),
		         (unsigned long long)vol->offset,
		         (unsigned long long)blocks, UINT32_MAX - 2);
		tsk_vol_close(vol);
		return -EFBIG;
	}
	if (blocks <= 2) {
		snprintf(err, errlen, "the %s volume at byte %llu has no data "
		         "blocks", api->fs_type_toname(fs->ftype),
		         (unsigned long long)vol->offset);
		tsk_vol_close(vol);
		return -EINVAL;
	}
	vol->type = type_of(fs->ftype);
	vol->cluster_size = (uint32_t)bs;
	vol->sector_size = fs->dev_bsize ? fs->dev_bsize : 512;
	vol->sectors_per_cluster = (uint32_t)(bs / vol->sector_size);
	vol->data_offset = 2 * bs;   /* "cluster" 2 is block 2 */
	vol->cluster_count = (uint32_t)(blocks - 2);
	vol->size = ((uint64_t)fs->last_block + 1) * bs;
	vol->inode_count = fs->inum_count;
	vol->root_inode = fs->root_inum;
	vol->root_cluster = 0;
	return 0;
}

void tsk_vol_close(struct fs_volume *vol)
{
	struct fs_tsk *t = vol->tsk;

	if (t == NULL)
		return;
	if (t->fs != NULL)
		api->fs_close(t->fs);
	if (t->img != NULL)
		api->img_close(t->img);
	free(t);
	vol->tsk = NULL;
}

/* ------------------------------------------------------------ entries */

static void time_of(time_t s, uint32_t nano, struct fs_time *out)
{
	struct tm tm;

	memset(out, 0, sizeof(*out));
	if (s <= 0 || gmtime_r(&s, &tm) == NULL)
		return;
	out->year = (uint16_t)(tm.tm_year + 1900);
	out->month = (uint8_t)(tm.tm_mon + 1);
	out->day = (uint8_t)tm.tm_mday;
	out->hour = (uint8_t)tm.tm_hour;
	out->min = (uint8_t)tm.tm_min;
	out->sec = (uint8_t)tm.tm_sec;
	out->msec = (uint16_t)(nano / 1000000u);
	out->has_utc_offset = 1;
}

/* The first block of f's data that is a block (not sparse), or 0. */
static uint32_t first_block(const struct fs_volume *vol, TSK_FS_FILE *f)
{
	const TSK_FS_ATTR *a = api->fs_file_attr_get(f);
	unsigned k = 0;

	if (a == NULL || !(a->flags & TSK_FS_ATTR_NONRES))
		return 0;
	for (const TSK_FS_ATTR_RUN *r = a->nrd.run; r != NULL && k < 64;
	     r = r->next, k++) {
		if (r->flags & (TSK_FS_ATTR_RUN_FLAG_SPARSE |
		                TSK_FS_ATTR_RUN_FLAG_FILLER) || r->len == 0)
			continue;
		if (r->addr < 2 || r->addr >= (uint64_t)vol->cluster_count + 2)
			return 0;
		return (uint32_t)r->addr;
	}
	return 0;
}

static int is_dir(const TSK_FS_NAME *nm, const TSK_FS_META *m)
{
	return nm->type == TSK_FS_NAME_TYPE_DIR ||
	       (m != NULL && TSK_FS_IS_DIR_META(m->type));
}

/* Whether a deleted name only repeats a live file (an NTFS index entry
 * left in slack after the index moved): its MFT entry is the same one,
 * still in use. */
static int stale_copy(const struct fs_volume *vol, const TSK_FS_FILE *f)
{
	return vol->type == FS_NTFS && f->meta != NULL &&
	       (f->meta->flags & TSK_FS_META_FLAG_ALLOC) &&
	       f->meta->seq == f->name->meta_seq;
}

/*
 * The entry of name nm, its metadata in f (f->meta may be NULL).  A
 * deleted NTFS name whose MFT entry's sequence number moved on by one is
 * the file as it was freed (deleting counts the sequence up); moved on
 * further, or in use, the entry is another file's now.
 */
static void entry_of(struct fs_volume *vol, const TSK_FS_NAME *nm,
                     TSK_FS_FILE *f, uint32_t parent_flags,
                     struct fs_entry *e)
{
	const TSK_FS_META *m = f->meta;

	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", nm->name);
	if (nm->flags & TSK_FS_NAME_FLAG_UNALLOC)
		e->flags |= FS_E_DELETED;
	if (parent_flags & (FS_E_DELETED | FS_E_IN_DELETED))
		e->flags |= FS_E_IN_DELETED;
	e->entry_offset = nm->meta_addr;
	if (is_dir(nm, m)) {
		e->flags |= FS_E_DIR;
		e->attr |= FS_ATTR_DIR;
	}
	if (m == NULL)
		return;
	if ((nm->flags & TSK_FS_NAME_FLAG_UNALLOC) &&
	    ((m->flags & TSK_FS_META_FLAG_ALLOC) ||
	     (vol->type == FS_NTFS && m->seq != nm->meta_seq &&
	      m->seq != (uint16_t)(nm->meta_seq + 1))))
		e->flags |= FS_E_REUSED;
	if (!fs_entry_is_dir(e)) {
		e->size = (uint64_t)m->size;
		e->start_cluster = first_block(vol, f);
	}
	e->valid_size = e->size;
	time_of(m->mtime, m->mtime_nano, &e->mtime);
	time_of(m->atime, m->atime_nano, &e->atime);
	time_of(m->crtime ? m->crtime : m->ctime,
	        m->crtime ? m->crtime_nano : m->ctime_nano, &e->ctime);
}

/* The entries of directory inum, "." and ".." left out; with
 * FS_WALK_DELETED deleted names and TSK's orphan folder too. */
static int list_dir(struct fs_volume *vol, uint64_t inum, const char *path,
                    unsigned flags, uint32_t parent_flags,
                    struct fs_dirlist *out)
{
	char why[512];
	int rc = 0;

	memset(out, 0, sizeof(*out));
	api->error_reset();
	TSK_FS_DIR *d = api->fs_dir_open_meta(vol->tsk->fs, (TSK_INUM_T)inum);
	if (d == NULL) {
		fs_warnf(vol, "%s: cannot read the directory: %s",
		         path[0] ? path : "/", tsk_why(why, sizeof(why)));
		return 0;
	}
	size_t n = api->fs_dir_getsize(d);
	for (size_t i = 0; i < n && rc == 0; i++) {
		TSK_FS_FILE *f = api->fs_dir_get(d, i);
		if (f == NULL)
			continue;
		const TSK_FS_NAME *nm = f->name;
		int skip = nm == NULL || nm->name == NULL ||
		           strcmp(nm->name, ".") == 0 || strcmp(nm->name, "..") == 0;
		if (!skip && (nm->flags & TSK_FS_NAME_FLAG_UNALLOC) &&
		    (!(flags & FS_WALK_DELETED) || stale_copy(vol, f)))
			skip = 1;
		if (!skip && f->meta != NULL &&
		    (f->meta->type == TSK_FS_META_TYPE_VIRT ||
		     (f->meta->type == TSK_FS_META_TYPE_VIRT_DIR &&
		      !(flags & FS_WALK_DELETED))))
			skip = 1;   /* TSK's own: the orphan folder, FAT areas */
		/* TSK leaves out the metadata of a deleted NTFS name whose
		 * sequence number no longer matches: read it by address. */
		TSK_FS_FILE *alt = NULL;
		if (!skip && (nm->flags & TSK_FS_NAME_FLAG_UNALLOC) &&
		    f->meta == NULL) {
			alt = api->fs_file_open_meta(vol->tsk->fs, NULL,
			                             nm->meta_addr);
			api->error_reset();
		}
		if (!skip) {
			struct fs_entry e;
			entry_of(vol, nm, alt != NULL && alt->meta != NULL ? alt : f,
			         parent_flags, &e);
			if (f->meta != NULL &&
			    f->meta->type == TSK_FS_META_TYPE_VIRT_DIR)
				e.flags |= FS_E_IN_DELETED;   /* orphans */
			/* TSK's orphans include the reserved, never used MFT
			 * entries: nothing to show. */
			if (!(parent_flags & FS_E_IN_DELETED) || e.size > 0 ||
			    fs_entry_is_dir(&e))
				rc = fs_dirlist_push(out, &e);
		}
		if (alt != NULL)
			api->fs_file_close(alt);
		api->fs_file_close(f);
	}
	api->fs_dir_close(d);
	if (rc != 0)
		fs_dirlist_free(out);
	return rc;
}

/* ------------------------------------------------------------ walk */

struct twalk {
	struct fs_walker base;
	int owners;                       /* leave NTFS's own files out */
	uint64_t anc[FS_MAX_DEPTH + 2];   /* directories being walked */
	unsigned nanc;
};

static int twalk_list(struct fs_walker *w, const struct fs_entry *dir,
                      struct fs_dirlist *l)
{
	return list_dir(w->vol, dir->entry_offset, w->path, w->flags,
	                dir->flags, l);
}

/* NTFS's metadata files ($MFT, $Bitmap, $Extend ...) own blocks the
 * allocation map marks; they are not files a whole-volume scan writes. */
static int twalk_skip(struct fs_walker *base, const struct fs_entry *e,
                      unsigned depth)
{
	const struct twalk *w = (const struct twalk *)base;

	return w->owners && depth == 0 && base->vol->type == FS_NTFS &&
	       e->name[0] == '$' && e->entry_offset < 27;
}

static int twalk_enter(struct fs_walker *base, const struct fs_entry *e)
{
	struct twalk *w = (struct twalk *)base;
	int loop = 0;

	for (unsigned k = 0; k < w->nanc; k++)
		loop |= w->anc[k] == e->entry_offset;
	if (loop) {
		if (!fs_entry_is_deleted(e))
			fs_warnf(base->vol, "%s: directory loop: entry %llu is a "
			         "directory already being walked; not "
			         "entered again", base->path,
			         (unsigned long long)e->entry_offset);
		return 1;
	}
	w->anc[w->nanc++] = e->entry_offset;
	return 0;
}

static void twalk_leave(struct fs_walker *base, const struct fs_entry *e)
{
	(void)e;
	((struct twalk *)base)->nanc--;
}

static int walk(struct fs_volume *vol, const struct fs_entry *dir,
                const char *dir_path, unsigned flags, fs_walk_fn cb,
                void *arg, int owners)
{
	struct fs_entry root;
	struct twalk *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return -ENOMEM;
	if (dir == NULL) {
		fs_root_entry(vol, &root);
		dir = &root;
	}
	w->base.vol = vol;
	w->base.flags = flags;
	w->base.cb = cb;
	w->base.arg = arg;
	w->base.list = twalk_list;
	w->base.skip = twalk_skip;
	w->base.enter = twalk_enter;
	w->base.leave = twalk_leave;
	w->owners = owners;
	w->anc[w->nanc++] = vol->root_inode;
	if (dir->entry_offset != vol->root_inode)
		w->anc[w->nanc++] = dir->entry_offset;
	int rc = fs_walker_run(&w->base, dir, dir_path);
	free(w);
	return rc;
}

int tsk_vol_walk(struct fs_volume *vol, const struct fs_entry *dir,
                 const char *dir_path, unsigned flags, fs_walk_fn cb,
                 void *arg)
{
	return walk(vol, dir, dir_path, flags, cb, arg, 0);
}

int tsk_vol_walk_owners(struct fs_volume *vol, fs_walk_fn cb, void *arg)
{
	struct fs_entry root;

	fs_root_entry(vol, &root);
	int rc = cb(vol, "", &root, 0, arg);
	if (rc == 0)
		rc = walk(vol, NULL, "", FS_WALK_RECURSE, cb, arg, 1);
	return rc;
}

static int lookup_list(struct fs_volume *vol, const struct fs_entry *dir,
                       const char *name, unsigned flags, struct fs_dirlist *l)
{
	return list_dir(vol, dir->entry_offset, name, flags, dir->flags, l);
}

int tsk_vol_lookup(struct fs_volume *vol, const char *path, unsigned flags,
                   struct fs_entry *out)
{
	return fs_lookup_with(vol, path, flags, lookup_list, out);
}

/* ------------------------------------------------------------ runs */

/* Adds count blocks from c (0: sparse) in pieces 32-bit counts hold;
 * -EFBIG past TSK_RUNS_MAX runs (a hostile size of sparse blocks). */
static int add_blocks(struct fs_runs *r, uint64_t c, uint64_t count)
{
	while (count > 0) {
		if (r->n >= TSK_RUNS_MAX)
			return -EFBIG;
		uint32_t k = count > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)count;
		int rc = fs_runs_add(r, (uint32_t)c, k);
		if (rc != 0)
			return rc;
		if (c != 0)
			c += k;
		count -= k;
	}
	return 0;
}

/* Reads attribute a whole into r->data (TSK decompresses, and zeroes
 * what lies past the initialised size). */
static int hold(struct fs_volume *vol, const struct fs_entry *e,
                const TSK_FS_ATTR *a, uint64_t size, struct fs_runs *r)
{
	char why[512];

	if (size > TSK_HELD_MAX) {
		fs_warnf(vol, "%s: its content (%llu bytes, %s) is read through "
		         "The Sleuth Kit into memory, and that is more than "
		         "dredge holds (%llu MiB)", e->name,
		         (unsigned long long)size,
		         (a->flags & TSK_FS_ATTR_COMP) ? "compressed" :
		         (a->flags & TSK_FS_ATTR_ENC) ? "encrypted" :
		         "not plain blocks",
		         (unsigned long long)(TSK_HELD_MAX >> 20));
		return -EFBIG;
	}
	r->status |= FS_RUNS_HELD;
	r->data = malloc(size ? (size_t)size : 1);
	if (r->data == NULL)
		return -ENOMEM;
	uint64_t done = 0;
	api->error_reset();
	while (done < size) {
		size_t want = size - done < (1u << 20) ? (size_t)(size - done)
		                                        : (1u << 20);
		ssize_t got = api->fs_attr_read(a, (TSK_OFF_T)done,
		                                (char *)r->data + done, want,
		                                TSK_FS_FILE_READ_FLAG_NONE);
		if (got <= 0) {
			fs_warnf(vol, "%s: The Sleuth Kit cannot read byte %llu of "
			         "it: %s", e->name, (unsigned long long)done,
			         tsk_why(why, sizeof(why)));
			r->status |= FS_RUNS_IO | FS_RUNS_SHORT;
			break;
		}
		done += (uint64_t)got;
	}
	r->bytes = done;
	return 0;
}

/* The block runs of non-resident attribute a, up to size bytes; with
 * live, a hole at the end (TSK lists no run) reads as zeros. */
static int block_runs(struct fs_volume *vol, const struct fs_entry *e,
                      const TSK_FS_ATTR *a, uint64_t size, int live,
                      struct fs_runs *r, int *low)
{
	uint64_t bs = vol->cluster_size;
	uint64_t need = (size + bs - 1) / bs, pos = 0;
	uint64_t end = (uint64_t)vol->cluster_count + 2;
	unsigned k = 0;
	int rc = 0;

	for (const TSK_FS_ATTR_RUN *run = a->nrd.run;
	     run != NULL && pos < need && rc == 0; run = run->next) {
		if (++k > TSK_RUNS_MAX) {
			fs_warnf(vol, "%s: more than %u runs; cut there", e->name,
			         TSK_RUNS_MAX);
			r->status |= FS_RUNS_SHORT;
			break;
		}
		uint64_t off = run->offset, len = run->len;
		if (off < pos) {            /* overlaps what is taken: skip it */
			if (off + len <= pos)
				continue;
			len -= pos - off;
			off = pos;
		}
		if (off > pos) {            /* a gap: never written */
			uint64_t gap = off - pos < need - pos ? off - pos : need - pos;
			r->status |= FS_RUNS_SPARSE;
			rc = add_blocks(r, 0, gap);
			pos += gap;
			if (rc != 0 || pos >= need)
				break;
		}
		if (len > need - pos)
			len = need - pos;
		/* A filler is a run TSK did not find in the metadata: in a
		 * live file, a hole (ext4 lists no extent for one); in a
		 * deleted one, not known. */
		if ((run->flags & TSK_FS_ATTR_RUN_FLAG_FILLER) && !live) {
			r->status |= FS_RUNS_SHORT;
			break;
		}
		if (run->flags & (TSK_FS_ATTR_RUN_FLAG_SPARSE |
		                  TSK_FS_ATTR_RUN_FLAG_FILLER)) {
			r->status |= FS_RUNS_SPARSE;
			rc = add_blocks(r, 0, len);
		} else {
			uint64_t addr = run->addr + (off - run->offset);
			if (addr < 2 || addr >= end || len > end - addr) {
				/* Blocks 0 and 1 (boot records: NTFS's $Boot)
				 * have no number here: read through TSK. */
				*low = addr < 2;
				if (addr >= 2)
					fs_warnf(vol, "%s: blocks %llu-%llu are outside "
					         "the volume (2 to %llu)", e->name,
					         (unsigned long long)addr,
					         (unsigned long long)(addr + len - 1),
					         (unsigned long long)end - 1);
				r->status |= FS_RUNS_RANGE;
				break;
			}
			rc = add_blocks(r, addr, len);
		}
		pos += len;
	}
	if (rc == 0 && pos < need && live &&
	    !(r->status & (FS_RUNS_SHORT | FS_RUNS_RANGE))) {
		r->status |= FS_RUNS_SPARSE;
		rc = add_blocks(r, 0, need - pos);
		pos = need;
	}
	if (rc == -EFBIG) {
		fs_warnf(vol, "%s: more than %u runs; cut there", e->name,
		         TSK_RUNS_MAX);
		r->status |= FS_RUNS_SHORT;
		rc = 0;
	}
	if (rc != 0)
		return rc;
	uint64_t have = r->clusters * bs;
	r->bytes = size < have ? size : have;
	if (r->clusters < need)
		r->status |= FS_RUNS_SHORT;
	return 0;
}

int tsk_vol_file_runs(struct fs_volume *vol, const struct fs_entry *e,
                      const struct fs_bitmap *alloc, struct fs_runs *r)
{
	char why[512];
	int deleted = fs_entry_is_deleted(e), dir = fs_entry_is_dir(e);
	int rc = 0;

	memset(r, 0, sizeof(*r));
	api->error_reset();
	TSK_FS_FILE *f = api->fs_file_open_meta(vol->tsk->fs, NULL,
	                                        (TSK_INUM_T)e->entry_offset);
	if (f == NULL || f->meta == NULL) {
		if (!deleted)
			fs_warnf(vol, "%s: The Sleuth Kit cannot read entry %llu: %s",
			         e->name, (unsigned long long)e->entry_offset,
			         tsk_why(why, sizeof(why)));
		api->error_reset();
		if (f != NULL)
			api->fs_file_close(f);
		r->status |= FS_RUNS_IO | (e->size ? FS_RUNS_SHORT : 0);
		return 0;
	}
	/* A deleted name whose metadata is in use again describes another
	 * file now. */
	if (deleted && ((f->meta->flags & TSK_FS_META_FLAG_ALLOC) ||
	                (e->flags & FS_E_REUSED)))
		r->status |= FS_RUNS_OVERWRITTEN;
	uint64_t size = dir ? (uint64_t)f->meta->size : e->size;
	const TSK_FS_ATTR *a = api->fs_file_attr_get(f);
	api->error_reset();
	if (a == NULL || size == 0) {
		if (size > 0 && !dir)
			r->status |= FS_RUNS_SHORT;
		api->fs_file_close(f);
		return 0;
	}
	int low = 0;
	if (a->flags & TSK_FS_ATTR_NONRES)
		rc = block_runs(vol, e, a, size, !deleted, r, &low);
	if (rc == 0 && !dir &&
	    (!(a->flags & TSK_FS_ATTR_NONRES) || low ||
	     (a->flags & (TSK_FS_ATTR_COMP | TSK_FS_ATTR_ENC)) ||
	     a->nrd.initsize < a->size)) {
		r->status &= ~(unsigned)(FS_RUNS_SHORT | FS_RUNS_SPARSE |
		                         (low ? FS_RUNS_RANGE : 0));
		rc = hold(vol, e, a, size, r);
	}
	api->fs_file_close(f);
	if (rc != 0) {
		fs_runs_free(r);
		return rc;
	}
	/* A deleted file's blocks are its own only while free. */
	if (deleted && alloc != NULL)
		for (unsigned i = 0; i < r->n; i++)
			for (uint32_t k = 0; r->v[i].cluster != 0 &&
			     k < r->v[i].count; k++)
				if (fs_bitmap_get(alloc, (uint64_t)r->v[i].cluster + k)) {
					r->status |= FS_RUNS_OVERWRITTEN;
					break;
				}
	return 0;
}

/* ------------------------------------------------------------ maps */

static TSK_WALK_RET_ENUM mark_block(const TSK_FS_BLOCK *b, void *arg)
{
	fs_bitmap_set(arg, (uint64_t)b->addr);
	return TSK_WALK_CONT;
}

int tsk_vol_used_map(struct fs_volume *vol, struct fs_bitmap *map)
{
	TSK_FS_INFO *fs = vol->tsk->fs;
	uint64_t end = (uint64_t)vol->cluster_count + 2;
	char why[512];
	int rc = fs_bitmap_alloc(map, end);

	if (rc != 0)
		return rc;
	TSK_DADDR_T last = end - 1;
	if (last > fs->last_block)
		last = fs->last_block;
	api->error_reset();
	if (api->fs_block_walk(fs, fs->first_block, last,
	                       TSK_FS_BLOCK_WALK_FLAG_ALLOC |
	                       TSK_FS_BLOCK_WALK_FLAG_META |
	                       TSK_FS_BLOCK_WALK_FLAG_CONT |
	                       TSK_FS_BLOCK_WALK_FLAG_AONLY,
	                       mark_block, map) != 0) {
		fs_warnf(vol, "The Sleuth Kit cannot read the allocation map: %s",
		         tsk_why(why, sizeof(why)));
		fs_bitmap_free(map);
		return -EIO;
	}
	uint64_t used = 0;
	for (uint64_t c = 2; c < end; c++)
		used += fs_bitmap_get(map, c);
	vol->free_clusters = vol->cluster_count - used;
	return 0;
}

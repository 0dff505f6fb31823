/*
 * cmd_fs.c - `dredge fs`: partitions and FAT/exFAT volumes of a source.
 *
 *   fs info SOURCE              partition table and volume geometry
 *   fs ls SOURCE [PATH]         directory listing, deleted entries too
 *   fs cat SOURCE PATH          one file's bytes to stdout
 *   fs export SOURCE PATH... -o DIR   files or trees into a folder
 *
 * The source is opened read-only.  A volume is chosen with -p N (partition
 * number as `fs info` shows it) or --offset BYTES; without either, the
 * superfloppy volume or the only FAT/exFAT partition is used.  Names from
 * the medium are escaped on the terminal and sanitised before they become
 * paths.  Exit status: 0 ok, 1 failure, 2 bad command line.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cmd_fs.h"
#include "io/source.h"
#include "formats/format.h"
#include "fs/fs.h"
#include "fs/part.h"
#include "cli/cli_util.h"
#include "out/lock.h"

#define EXIT_USAGE 2
#define RUNS_SHOWN 8

struct fsctx {
	const char *path;
	struct source src;
	struct part_table pt;
	struct fs_volume vol;
	struct fs_bitmap alloc;     /* live clusters, built on first need */
	int have_alloc;
	int vol_open;
	int failed;                 /* a later step failed: exit 1 */
};

static void fs_usage(FILE *to)
{
	fprintf(to,
	        "usage: dredge fs info SOURCE [-p N|--offset B]\n"
	        "       dredge fs ls SOURCE [PATH] [-r] [--deleted] [-l] [-p N|--offset B]\n"
	        "       dredge fs cat SOURCE PATH [-p N|--offset B]\n"
	        "       dredge fs export SOURCE PATH... -o DIR [--deleted] [-p N|--offset B]\n"
	        "\n"
	        "  -p, --partition N   the volume in partition N (see 'fs info')\n"
	        "      --offset B      the volume starting at byte B of SOURCE\n"
	        "  -r, --recursive     ls: descend into directories\n"
	        "  -d, --deleted       ls/export: include deleted entries\n"
	        "  -l, --long          ls: also creation and access times\n"
	        "  -o, --output DIR    export: where files go\n"
	        "\n"
	        "PATH may name deleted entries (by a recovered long name, or the\n"
	        "short name with '_' for its lost first character).\n");
}

static void warn_cb(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "dredge: warning: %s\n", msg);
}

/* Prints s with control characters and backslashes escaped. */
static void put_escaped(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7F)
			fprintf(f, "\\x%02x", *p);
		else if (*p == '\\')
			fputs("\\\\", f);
		else
			fputc(*p, f);
	}
}

static int open_source(struct fsctx *c, const char *path)
{
	char err[512];

	memset(c, 0, sizeof(*c));
	c->path = path;
	int rc = source_open(&c->src, path, 0, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "dredge: %s\n", err);
		return -1;
	}
	rc = part_read(&c->src, c->src.size, &c->pt, warn_cb, NULL, err,
	               sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "dredge: %s: %s\n", path, err);
		return -1;
	}
	return 0;
}

/* Opens the volume chosen by -p / --offset (or by itself). */
static int open_volume(struct fsctx *c, unsigned part, int have_offset,
                       uint64_t offset)
{
	char err[512];
	uint64_t off, len;
	int rc;

	if (have_offset) {
		if (offset >= c->src.size) {
			fprintf(stderr, "dredge: %s: offset %" PRIu64 " is past the "
			        "source's end (%" PRIu64 " bytes)\n", c->path, offset,
			        c->src.size);
			return -1;
		}
		off = offset;
		len = c->src.size - offset;
	} else {
		rc = part_select(&c->pt, c->src.size, part, &off, &len, err,
		                 sizeof(err));
		if (rc != 0) {
			fprintf(stderr, "dredge: %s: %s\n", c->path, err);
			return -1;
		}
	}
	rc = fs_open(&c->vol, &c->src, off, len, warn_cb, NULL, err,
	             sizeof(err));
	if (rc != 0) {
		if (off == 0)
			fprintf(stderr, "dredge: %s: %s\n", c->path, err);
		else
			fprintf(stderr, "dredge: %s (volume at byte %" PRIu64 "): %s\n",
			        c->path, off, err);
		return -1;
	}
	c->vol_open = 1;
	return 0;
}

static void close_ctx(struct fsctx *c)
{
	if (c->have_alloc)
		fs_bitmap_free(&c->alloc);
	if (c->vol_open)
		fs_close(&c->vol);
	source_close(&c->src);
}

static const struct fs_bitmap *alloc_map(struct fsctx *c)
{
	if (!c->have_alloc) {
		if (fs_alloc_map(&c->vol, &c->alloc) != 0)
			return NULL;
		c->have_alloc = 1;
	}
	return &c->alloc;
}

/* ------------------------------------------------------------ info */

static void print_volume(struct fsctx *c)
{
	struct fs_volume *v = &c->vol;
	struct fs_bitmap used;

	if (fs_used_map(v, &used) == 0)
		fs_bitmap_free(&used);
	printf("  file system:         %s\n", fs_type_name(v->type));
	printf("  offset:              %" PRIu64 "\n", v->offset);
	printf("  size:                %" PRIu64 "\n", v->size);
	printf("  sector size:         %u\n", v->sector_size);
	printf("  cluster size:        %u\n", v->cluster_size);
	printf("  sectors per cluster: %u\n", v->sectors_per_cluster);
	printf("  reserved sectors:    %u\n", v->reserved_sectors);
	printf("  FAT count:           %u\n", v->nfats);
	printf("  FAT offset:          %" PRIu64 "\n", v->fat_offset);
	printf("  FAT size:            %" PRIu64 "\n", v->fat_size);
	if (v->type == FS_FAT32 || v->type == FS_EXFAT)
		printf("  root cluster:        %u\n", v->root_cluster);
	else
		printf("  root entries:        %u at %" PRIu64 "\n", v->root_entries,
		       v->root_offset);
	printf("  data start:          %" PRIu64 "\n", v->data_offset);
	printf("  data start (source): %" PRIu64 "\n", fs_data_start(v));
	printf("  cluster count:       %u\n", v->cluster_count);
	if (v->free_clusters != UINT64_MAX)
		printf("  free clusters:       %" PRIu64 "\n", v->free_clusters);
	if (v->fsinfo_free >= 0)
		printf("  FSInfo free:         %" PRId64 "\n", v->fsinfo_free);
	if (v->type == FS_EXFAT) {
		printf("  bitmap cluster:      %u\n", v->bitmap_cluster);
		if (v->upcase_cluster)
			printf("  up-case cluster:     %u\n", v->upcase_cluster);
		printf("  exFAT revision:      %u.%02u\n", v->exfat_revision >> 8,
		       v->exfat_revision & 0xFF);
	}
	printf("  label:               ");
	put_escaped(stdout, v->label);
	printf("\n");
	if (v->has_serial)
		printf("  serial:              %04X-%04X\n", v->serial >> 16,
		       v->serial & 0xFFFF);
	printf("  OEM name:            ");
	put_escaped(stdout, v->oem);
	printf("\n");
}

static int cmd_info(struct fsctx *c, unsigned part, int have_offset,
                    uint64_t offset)
{
	struct part_table *pt = &c->pt;
	int status = 0;

	printf("source: %s (%" PRIu64 " bytes)\n", c->path, c->src.size);
	if (pt->scheme == PART_MBR) {
		printf("partition table: MBR, disk signature %08X\n",
		       pt->disk_signature);
	} else if (pt->scheme == PART_GPT) {
		char g[40];
		part_guid_str(pt->disk_guid, g, sizeof(g));
		printf("partition table: GPT%s, disk GUID %s, %u-byte sectors\n",
		       pt->gpt_backup ? " (backup header)" : "", g,
		       pt->sector_size);
	} else {
		printf("partition table: none (%s)\n", pt->whole_fs != FS_NONE ?
		       "the whole source is one volume" : "and no volume at byte 0");
	}
	if (pt->scheme != PART_NONE) {
		printf("partitions:\n");
		printf("  %-3s %14s %14s  %-4s %-22s %s\n", "#", "start", "size",
		       "type", "", "contents");
		for (unsigned i = 0; i < pt->n; i++) {
			const struct part_entry *e = &pt->e[i];
			char t[8] = "";
			if (pt->scheme == PART_MBR)
				snprintf(t, sizeof(t), "0x%02x", e->mbr_type);
			printf("  %-3u %14" PRIu64 " %14" PRIu64 "  %-4s %-22s %s",
			       e->index, e->start, e->size, t, part_type_name(pt, e),
			       e->extended ? "(container)" : e->fs != FS_NONE ?
			       fs_type_name(e->fs) : "-");
			if (e->name[0]) {
				printf("  \"");
				put_escaped(stdout, e->name);
				printf("\"");
			}
			printf("\n");
		}
	}

	if (have_offset || part != 0 || pt->scheme == PART_NONE) {
		if (open_volume(c, part, have_offset, offset) != 0)
			return 1;
		if (have_offset)
			printf("volume at byte %" PRIu64 ":\n", c->vol.offset);
		else if (part != 0)
			printf("volume in partition %u:\n", part);
		else
			printf("volume:\n");
		print_volume(c);
		return 0;
	}
	for (unsigned i = 0; i < pt->n; i++) {
		const struct part_entry *e = &pt->e[i];
		char err[512];
		if (e->fs == FS_NONE || e->extended)
			continue;
		uint64_t len = e->start < c->src.size ? c->src.size - e->start : 0;
		if (e->size < len)
			len = e->size;
		printf("volume in partition %u:\n", e->index);
		if (fs_open(&c->vol, &c->src, e->start, len, warn_cb, NULL, err,
		            sizeof(err)) != 0) {
			printf("  error: %s\n", err);
			fprintf(stderr, "dredge: %s (partition %u): %s\n", c->path,
			        e->index, err);
			status = 1;
			continue;
		}
		print_volume(c);
		fs_close(&c->vol);
	}
	return status;
}

/* ------------------------------------------------------------ ls */

static void attr_str(const struct fs_entry *e, char out[6])
{
	out[0] = (e->attr & FS_ATTR_DIR) ? 'd' : '-';
	out[1] = (e->attr & FS_ATTR_RDONLY) ? 'r' : '-';
	out[2] = (e->attr & FS_ATTR_HIDDEN) ? 'h' : '-';
	out[3] = (e->attr & FS_ATTR_SYSTEM) ? 's' : '-';
	out[4] = (e->attr & FS_ATTR_ARCHIVE) ? 'a' : '-';
	out[5] = '\0';
}

static void print_runs(const struct fs_runs *r)
{
	if (r->n == 0) {
		printf("-");
		return;
	}
	for (unsigned i = 0; i < r->n && i < RUNS_SHOWN; i++) {
		if (r->v[i].count == 1)
			printf("%s%u", i ? "," : "", r->v[i].cluster);
		else
			printf("%s%u-%u", i ? "," : "", r->v[i].cluster,
			       r->v[i].cluster + r->v[i].count - 1);
	}
	if (r->n > RUNS_SHOWN)
		printf(",...(+%u)", r->n - RUNS_SHOWN);
}

/* The extension of name (after the last dot), or NULL. */
static const char *name_ext(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && dot[1] ? dot + 1 : NULL;
}

/*
 * What recovery can say about a deleted file's content: the run status
 * and, when its format has a validator, the verdict.
 */
static void recovery_note(struct fsctx *c, const struct fs_entry *e,
                          const struct fs_runs *r, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';

#define NOTE(...) do { if (n < len) n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__); } while (0)
	if (r->status & FS_RUNS_OVERWRITTEN)
		NOTE("%sfirst cluster now owned by a live file", n ? "; " : "");
	if (r->status & FS_RUNS_SKIPPED)
		NOTE("%slive clusters skipped", n ? "; " : "");
	if (r->status & FS_RUNS_SHORT)
		NOTE("%sonly %" PRIu64 " of %" PRIu64 " bytes available",
		     n ? "; " : "", r->bytes, e->size);
	if (r->status & FS_RUNS_RANGE)
		NOTE("%sfirst cluster out of range", n ? "; " : "");
	const char *ext = name_ext(e->name);
	const struct format *fmt = ext ? format_find(ext) : NULL;
	if (fmt == NULL && e->short_name[0])
		fmt = (ext = name_ext(e->short_name)) ? format_find(ext) : NULL;
	if (fmt != NULL && fmt->validate != NULL && r->bytes > 0) {
		struct carve_result res;
		int rc = fs_validate(&c->vol, r, fmt, &res);
		if (rc == -E2BIG)
			NOTE("%snot validated: %u fragments", n ? "; " : "", r->n);
		else if (rc != 0)
			NOTE("%snot validated: %s", n ? "; " : "", strerror(-rc));
		else if (res.verdict == CARVE_ACCEPT)
			NOTE("%svalid", n ? "; " : "");
		else if (res.verdict == CARVE_TRUNCATED)
			NOTE("%struncated", n ? "; " : "");
		else
			NOTE("%sinvalid: %s", n ? "; " : "",
			     res.reason ? res.reason : "rejected");
	}
#undef NOTE
}

struct ls_state {
	struct fsctx *c;
	int longfmt;
	int deleted;
};

static int ls_cb(struct fs_volume *vol, const char *path,
                 const struct fs_entry *e, unsigned depth, void *arg)
{
	struct ls_state *st = arg;
	struct fs_runs r;
	char attrs[6], mt[40], note[512] = "";
	const struct fs_bitmap *alloc = NULL;

	if (fs_entry_is_deleted(e)) {
		alloc = alloc_map(st->c);
		if (alloc == NULL)
			return -ENOMEM;
	}
	if (fs_file_runs(vol, e, alloc, &r) != 0)
		memset(&r, 0, sizeof(r));
	attr_str(e, attrs);
	fs_time_str(&e->mtime, mt, sizeof(mt));
	printf("%s %s %12" PRIu64 " %s %10u ",
	       (e->flags & FS_E_DELETED) ? "D" : fs_entry_is_deleted(e) ? "d" : "-",
	       attrs, e->size, mt, e->start_cluster);
	print_runs(&r);
	printf(" ");
	put_escaped(stdout, path);
	if (fs_entry_is_dir(e))
		printf("/");
	if (fs_entry_is_deleted(e) && !fs_entry_is_dir(e))
		recovery_note(st->c, e, &r, note, sizeof(note));
	if ((e->flags & FS_E_LFN) && e->short_name[0]) {
		printf("  [short ");
		put_escaped(stdout, e->short_name);
		printf("%s%s]", note[0] ? "; " : "", note);
	} else if (note[0]) {
		printf("  [%s]", note);
	}
	if (e->flags & FS_E_BAD_CHECKSUM)
		printf("  [entry checksum mismatch]");
	printf("\n");
	if (st->longfmt) {
		char ct[40], at[40];
		fs_time_str(&e->ctime, ct, sizeof(ct));
		fs_time_str(&e->atime, at, sizeof(at));
		printf("      created %s  accessed %s  entry at byte %" PRIu64,
		       ct, at, e->entry_offset);
		if (vol->type == FS_EXFAT)
			printf("  valid size %" PRIu64 "%s", e->valid_size,
			       (e->flags & FS_E_NO_FAT_CHAIN) ? "  no FAT chain" : "");
		printf("\n");
	}
	fs_runs_free(&r);
	return 0;
}

static int lookup_or_fail(struct fsctx *c, const char *path, unsigned flags,
                          struct fs_entry *e)
{
	int rc = fs_lookup(&c->vol, path, flags, e);
	if (rc == 0)
		return 0;
	if (rc == -ENOENT)
		fprintf(stderr, "dredge: %s: no such file or directory: %s%s\n",
		        c->path, path, flags & FS_WALK_DELETED ? "" :
		        " (use --deleted for deleted entries)");
	else
		fprintf(stderr, "dredge: %s: %s: %s\n", c->path, path,
		        strerror(-rc));
	return -1;
}

static int cmd_ls(struct fsctx *c, const char *path, int recursive,
                  int deleted, int longfmt)
{
	struct ls_state st = { c, longfmt, deleted };
	struct fs_entry e;
	unsigned flags = (deleted ? FS_WALK_DELETED : 0) |
	                 (recursive ? FS_WALK_RECURSE : 0);

	if (lookup_or_fail(c, path, FS_WALK_DELETED, &e) != 0)
		return 1;
	if (!fs_entry_is_dir(&e)) {
		char p[FS_NAME_MAX + 8];
		snprintf(p, sizeof(p), "%s", path);
		return ls_cb(&c->vol, p, &e, 0, &st) < 0;
	}
	if (fs_entry_is_deleted(&e))
		flags |= FS_WALK_DELETED;
	int rc = fs_walk(&c->vol, &e, (e.flags & FS_E_ROOT) ? "" : path, flags,
	                 ls_cb, &st);
	if (rc != 0) {
		fprintf(stderr, "dredge: %s: %s: %s\n", c->path, path, strerror(-rc));
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ cat, export */

/*
 * Copies the file e into fd; returns 0 when every byte of its size was
 * there, 1 when only part was (said on stderr), -1 on a write error.
 */
static int copy_file(struct fsctx *c, const char *path,
                     const struct fs_entry *e, int fd, char *note,
                     size_t notelen)
{
	const struct fs_bitmap *alloc = NULL;
	struct fs_runs r;
	static uint8_t buf[1 << 20];

	if (note)
		note[0] = '\0';
	if (fs_entry_is_deleted(e) && (alloc = alloc_map(c)) == NULL) {
		fprintf(stderr, "dredge: %s: out of memory\n", c->path);
		return -1;
	}
	if (fs_file_runs(&c->vol, e, alloc, &r) != 0) {
		fprintf(stderr, "dredge: %s: %s: cannot map its clusters\n",
		        c->path, path);
		return -1;
	}
	for (uint64_t off = 0; off < r.bytes;) {
		ssize_t got = fs_runs_read(&c->vol, &r, off, buf, sizeof(buf));
		if (got <= 0) {
			fprintf(stderr, "dredge: %s: %s: read error at byte %" PRIu64
			        " of the file\n", c->path, path, off);
			fs_runs_free(&r);
			return 1;
		}
		for (ssize_t w = 0; w < got;) {
			ssize_t k = write(fd, buf + w, (size_t)(got - w));
			if (k < 0) {
				if (errno == EINTR)
					continue;
				fprintf(stderr, "dredge: write error: %s\n",
				        strerror(errno));
				fs_runs_free(&r);
				return -1;
			}
			w += k;
		}
		off += (uint64_t)got;
	}
	if (note && fs_entry_is_deleted(e))
		recovery_note(c, e, &r, note, notelen);
	int rc = 0;
	if (r.bytes < e->size) {
		fprintf(stderr, "dredge: %s: %s: only %" PRIu64 " of %" PRIu64
		        " bytes could be read (%s)\n", c->path, path, r.bytes,
		        e->size, r.status & FS_RUNS_LOOP ? "the cluster chain loops" :
		        r.status & FS_RUNS_RANGE ? "a cluster number is out of range" :
		        fs_entry_is_deleted(e) ? "not enough free clusters follow" :
		        "the cluster chain ends early");
		rc = 1;
	} else if (fs_entry_is_deleted(e) && (r.status & FS_RUNS_OVERWRITTEN)) {
		fprintf(stderr, "dredge: warning: %s: its first cluster now "
		        "belongs to a live file; the content is probably not "
		        "the deleted file's\n", path);
	}
	fs_runs_free(&r);
	return rc;
}

static int cmd_cat(struct fsctx *c, const char *path)
{
	struct fs_entry e;

	if (lookup_or_fail(c, path, FS_WALK_DELETED, &e) != 0)
		return 1;
	if (fs_entry_is_dir(&e)) {
		fprintf(stderr, "dredge: %s: %s is a directory\n", c->path, path);
		return 1;
	}
	int rc = copy_file(c, path, &e, STDOUT_FILENO, NULL, 0);
	return rc == 0 ? 0 : 1;
}

/* A name from the medium made safe as one path component. */
static void sanitize(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)in;
	     *p && n + 1 < outlen && n < 240; p++) {
		unsigned char ch = *p;
		if (ch < 0x20 || ch == 0x7F || ch == '/' || ch == '\\')
			ch = '_';
		out[n++] = (char)ch;
	}
	/* Do not end inside a UTF-8 sequence cut by the length limit. */
	while (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0x80) {
		size_t k = n;
		while (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0x80)
			k--;
		if (k == 0)
			break;
		unsigned char lead = (unsigned char)out[k - 1];
		size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
		if (n - (k - 1) == want)
			break;
		n = k - 1;
	}
	out[n] = '\0';
	if (n == 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0) {
		size_t dots = n;
		memset(out, '_', dots ? dots : 1);
		out[dots ? dots : 1] = '\0';
	}
}

/* Creates dir/name (a file when fd is non-NULL, else a directory), made
 * unique with _2, _3 ... before the extension; the path goes to out. */
static int create_unique(const char *dir, const char *name, int *fd,
                         char *out, size_t outlen)
{
	char base[256];
	const char *dot = strrchr(name, '.');
	size_t blen = dot && dot != name && fd ? (size_t)(dot - name) : strlen(name);

	snprintf(base, sizeof(base), "%.*s", (int)blen, name);
	for (unsigned k = 1; k < 100000; k++) {
		if (k == 1)
			snprintf(out, outlen, "%s/%s", dir, name);
		else
			snprintf(out, outlen, "%s/%s_%u%s", dir, base, k,
			         blen < strlen(name) ? name + blen : "");
		if (fd) {
			*fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			if (*fd >= 0)
				return 0;
		} else if (mkdir(out, 0755) == 0) {
			return 0;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

#define EXPORT_DEPTH (FS_MAX_DEPTH + 2)

struct export_state {
	struct fsctx *c;
	char dirs[EXPORT_DEPTH][PATH_MAX];   /* output folder per depth */
	unsigned files, deleted_files, dirs_made;
	int failed;
};

static int export_file(struct export_state *st, const char *path,
                       const struct fs_entry *e, const char *outdir)
{
	char name[256], out[PATH_MAX], note[512];
	int fd;

	sanitize(e->name, name, sizeof(name));
	int rc = create_unique(outdir, name, &fd, out, sizeof(out));
	if (rc != 0) {
		fprintf(stderr, "dredge: cannot create '%s/%s': %s\n", outdir, name,
		        strerror(-rc));
		st->failed = 1;
		return rc == -ENOSPC || rc == -EROFS ? rc : 0;
	}
	int r = copy_file(st->c, path, e, fd, note, sizeof(note));
	if (close(fd) != 0 && r == 0) {
		fprintf(stderr, "dredge: cannot write '%s': %s\n", out,
		        strerror(errno));
		r = -1;
	}
	if (r != 0)
		st->failed = 1;
	if (r < 0)
		return -EIO;
	st->files++;
	if (fs_entry_is_deleted(e))
		st->deleted_files++;
	put_escaped(stdout, path);
	printf(" -> %s (%" PRIu64 " bytes%s%s%s)\n", out, e->size,
	       fs_entry_is_deleted(e) ? ", deleted" : "", note[0] ? ": " : "",
	       note);
	return 0;
}

static int export_cb(struct fs_volume *vol, const char *path,
                     const struct fs_entry *e, unsigned depth, void *arg)
{
	struct export_state *st = arg;

	if (depth + 1 >= EXPORT_DEPTH)
		return 1;
	if (!fs_entry_is_dir(e))
		return export_file(st, path, e, st->dirs[depth]);
	char name[256];
	sanitize(e->name, name, sizeof(name));
	int rc = create_unique(st->dirs[depth], name, NULL, st->dirs[depth + 1],
	                       sizeof(st->dirs[depth + 1]));
	if (rc != 0) {
		fprintf(stderr, "dredge: cannot create folder '%s/%s': %s\n",
		        st->dirs[depth], name, strerror(-rc));
		st->failed = 1;
		return 1;
	}
	st->dirs_made++;
	return 0;
}

static int cmd_export(struct fsctx *c, char **paths, int npaths,
                      const char *outdir, int deleted)
{
	struct export_state *st = calloc(1, sizeof(*st));
	struct stat sb;

	if (st == NULL)
		return 1;
	st->c = c;
	if (mkdir(outdir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "dredge: cannot create output folder '%s': %s\n",
		        outdir, strerror(errno));
		free(st);
		return 1;
	}
	if (stat(outdir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "dredge: output folder '%s' is not a folder\n",
		        outdir);
		free(st);
		return 1;
	}
	char err[512];
	int lockfd = lock_open(outdir, err, sizeof(err));
	if (lockfd < 0) {
		fprintf(stderr, "dredge: %s\n", err);
		free(st);
		return 1;
	}
	for (int i = 0; i < npaths; i++) {
		struct fs_entry e;
		if (lookup_or_fail(c, paths[i], FS_WALK_DELETED, &e) != 0) {
			st->failed = 1;
			continue;
		}
		snprintf(st->dirs[0], sizeof(st->dirs[0]), "%s", outdir);
		if (!fs_entry_is_dir(&e)) {
			if (export_file(st, paths[i], &e, outdir) < 0)
				break;
			continue;
		}
		unsigned flags = FS_WALK_RECURSE |
		                 (deleted || fs_entry_is_deleted(&e) ?
		                  FS_WALK_DELETED : 0);
		const char *base = "";
		if (!(e.flags & FS_E_ROOT)) {
			/* The named folder itself becomes a folder in DIR. */
			if (export_cb(&c->vol, paths[i], &e, 0, st) != 0)
				continue;
			memmove(st->dirs[0], st->dirs[1], sizeof(st->dirs[0]));
			base = paths[i];
		}
		int rc = fs_walk(&c->vol, &e, base, flags, export_cb, st);
		if (rc != 0) {
			fprintf(stderr, "dredge: %s: %s: %s\n", c->path, paths[i],
			        strerror(-rc));
			st->failed = 1;
			break;
		}
	}
	fprintf(stderr, "dredge: exported %u files (%u deleted) and %u folders "
	        "into %s\n", st->files, st->deleted_files, st->dirs_made, outdir);
	int failed = st->failed;
	free(st);
	close(lockfd);
	return failed ? 1 : 0;
}

/* ------------------------------------------------------------ dispatch */

int cmd_fs(int argc, char **argv)
{
	enum { O_OFFSET = 256 };
	static const struct option opts[] = {
		{ "partition", required_argument, NULL, 'p' },
		{ "offset", required_argument, NULL, O_OFFSET },
		{ "recursive", no_argument, NULL, 'r' },
		{ "deleted", no_argument, NULL, 'd' },
		{ "long", no_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *outdir = NULL;
	unsigned part = 0;
	int have_offset = 0, recursive = 0, deleted = 0, longfmt = 0, ch;
	uint64_t offset = 0, v;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fs_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "info") != 0 && strcmp(sub, "ls") != 0 &&
	    strcmp(sub, "cat") != 0 && strcmp(sub, "export") != 0) {
		fprintf(stderr, "dredge: unknown fs command '%s'\n", sub);
		fs_usage(stderr);
		return EXIT_USAGE;
	}
	argc--;
	argv++;
	argv[0] = (char *)"dredge";   /* getopt's messages begin so */
	optind = 1;
	while ((ch = getopt_long(argc, argv, "p:rdlo:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (cli_parse_size(optarg, &v) != 0 || v == 0 || v > 100000) {
				fprintf(stderr, "dredge: invalid partition number '%s'\n",
				        optarg);
				return EXIT_USAGE;
			}
			part = (unsigned)v;
			break;
		case O_OFFSET:
			if (cli_parse_size(optarg, &offset) != 0) {
				fprintf(stderr, "dredge: invalid value '%s' for --offset\n",
				        optarg);
				return EXIT_USAGE;
			}
			have_offset = 1;
			break;
		case 'r': recursive = 1; break;
		case 'd': deleted = 1; break;
		case 'l': longfmt = 1; break;
		case 'o':
			if (*optarg == '\0') {
				fprintf(stderr, "dredge: -o needs a folder name, not "
				        "an empty one\n");
				return EXIT_USAGE;
			}
			outdir = optarg;
			break;
		case 'h': fs_usage(stdout); return 0;
		default: fs_usage(stderr); return EXIT_USAGE;
		}
	}
	if (part != 0 && have_offset) {
		fprintf(stderr, "dredge: -p and --offset cannot be combined\n");
		return EXIT_USAGE;
	}
	int nargs = argc - optind;
	char **args = argv + optind;
	if (nargs < 1) {
		fprintf(stderr, "dredge: fs %s needs a SOURCE (an image file or "
		        "block device)\n", sub);
		return EXIT_USAGE;
	}
	int is_info = strcmp(sub, "info") == 0, is_ls = strcmp(sub, "ls") == 0;
	int is_cat = strcmp(sub, "cat") == 0;
	if ((is_info && nargs > 1) || (is_ls && nargs > 2) ||
	    (is_cat && nargs != 2)) {
		fprintf(stderr, "dredge: fs %s: %s\n", sub, is_cat && nargs < 2 ?
		        "needs a PATH" : "too many arguments");
		return EXIT_USAGE;
	}
	if (!is_info && !is_ls && !is_cat) {
		if (nargs < 2) {
			fprintf(stderr, "dredge: fs export needs at least one PATH\n");
			return EXIT_USAGE;
		}
		if (outdir == NULL) {
			fprintf(stderr, "dredge: fs export needs an output folder "
			        "(-o DIR)\n");
			return EXIT_USAGE;
		}
	}

	struct fsctx *c = calloc(1, sizeof(*c));
	int status = 1;
	if (c == NULL || open_source(c, args[0]) != 0)
		goto out;
	if (is_info) {
		status = cmd_info(c, part, have_offset, offset);
		goto out;
	}
	if (open_volume(c, part, have_offset, offset) != 0)
		goto out;
	if (is_ls)
		status = cmd_ls(c, nargs > 1 ? args[1] : "/", recursive, deleted,
		                longfmt);
	else if (is_cat)
		status = cmd_cat(c, args[1]);
	else
		status = cmd_export(c, args + 1, nargs - 1, outdir, deleted);
out:
	if (c != NULL) {
		close_ctx(c);
		free(c);
	}
	fflush(stdout);
	return status;
}

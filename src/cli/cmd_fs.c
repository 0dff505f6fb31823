/*
 * cmd_fs.c - `dredge fs`: partitions and volumes of a source (FAT and
 * exFAT; NTFS, ext2/3/4, HFS+, ISO 9660 through The Sleuth Kit).
 *
 *   fs info SOURCE              partition table and volume geometry
 *   fs ls SOURCE [PATH]         directory listing, deleted entries too
 *   fs ls SOURCE [PATH] --body  the same as a body file for mactime
 *   fs cat SOURCE PATH          one file's bytes to stdout
 *   fs export SOURCE PATH... -o DIR   files or trees into a folder
 *
 * The source is opened read-only.  A volume is chosen with -p N (partition
 * number as `fs info` shows it) or --offset BYTES; without either, the
 * superfloppy volume or the only FAT/exFAT partition is used.  Names from
 * the medium are escaped on the terminal and sanitised before they become
 * paths.  Exit status: 0 ok, 1 failure, 2 bad command line.
 *
 * The disk, volume and runs objects of dredge.h (src/fs/fs_api.c) do the
 * reading; this file chooses, prints and writes the exported copies.
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

#include "cli/cmd.h"
#include "dredge.h"
#include "cli/cli_util.h"

#define RUNS_SHOWN 8

struct fsctx {
	const char *path;
	dredge_disk *disk;
	dredge_volume *vol;
};

static void fs_usage(FILE *to)
{
	fprintf(to,
	        "usage: dredge fs info SOURCE [-p N|--offset B]\n"
	        "       dredge fs ls SOURCE [PATH] [-r] [--deleted] [-l] [-p N|--offset B]\n"
	        "       dredge fs ls SOURCE [PATH] --body [-m PREFIX] [--tz ZONE] [-r] [--deleted]\n"
	        "       dredge fs cat SOURCE PATH [-p N|--offset B]\n"
	        "       dredge fs export SOURCE PATH... -o DIR [--deleted] [-p N|--offset B]\n"
	        "\n"
	        "  -p, --partition N   the volume in partition N (see 'fs info')\n"
	        "      --offset B      the volume starting at byte B of SOURCE\n"
	        "  -r, --recursive     ls: descend into directories\n"
	        "  -d, --deleted       ls/export: include deleted entries\n"
	        "  -l, --long          ls: also creation and access times\n"
	        "      --body          ls: a body file (TSK 3 format) for 'mactime -b'\n"
	        "  -m, --mount PREFIX  ls --body: put PREFIX before each path (fls -m)\n"
	        "      --tz ZONE       ls --body: FAT times are in ZONE (UTC, +HH:MM,\n"
	        "                      -HH:MM); default UTC\n"
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
	c->disk = dredge_disk_open(path, warn_cb, NULL, err, sizeof(err));
	if (c->disk == NULL) {
		fprintf(stderr, "dredge: %s\n", err);
		return -1;
	}
	return 0;
}

/* Opens the volume chosen by -p / --offset (or by itself). */
static int open_volume(struct fsctx *c, unsigned part, int have_offset,
                       uint64_t offset)
{
	char err[1024];

	c->vol = dredge_volume_open(c->disk, part, have_offset, offset, err,
	                            sizeof(err));
	if (c->vol == NULL) {
		fprintf(stderr, "dredge: %s\n", err);
		return -1;
	}
	return 0;
}

static void close_ctx(struct fsctx *c)
{
	dredge_volume_free(c->vol);
	dredge_disk_free(c->disk);
}

/* ------------------------------------------------------------ info */

static void print_volume(dredge_volume *vol)
{
	struct dredge_volume_info info;
	const struct dredge_volume_info *v = &info;

	dredge_volume_info(vol, &info);
	printf("  file system:         %s\n", dredge_fs_name(v->type));
	if (v->tsk) {
		/* Read through The Sleuth Kit: blocks, not FAT clusters. */
		printf("  read through:        The Sleuth Kit\n");
		printf("  offset:              %" PRIu64 "\n", v->offset);
		printf("  size:                %" PRIu64 "\n", v->size);
		printf("  sector size:         %u\n", v->sector_size);
		printf("  block size:          %u\n", v->cluster_size);
		printf("  block count:         %" PRIu64 "\n",
		       (uint64_t)v->cluster_count + 2);
		if (v->free_clusters != UINT64_MAX)
			printf("  free blocks:         %" PRIu64 "\n",
			       v->free_clusters);
		printf("  inode count:         %" PRIu64 "\n", v->inode_count);
		printf("  root inode:          %" PRIu64 "\n", v->root_inode);
		return;
	}
	printf("  offset:              %" PRIu64 "\n", v->offset);
	printf("  size:                %" PRIu64 "\n", v->size);
	printf("  sector size:         %u\n", v->sector_size);
	printf("  cluster size:        %u\n", v->cluster_size);
	printf("  sectors per cluster: %u\n", v->sectors_per_cluster);
	printf("  reserved sectors:    %u\n", v->reserved_sectors);
	printf("  FAT count:           %u\n", v->nfats);
	printf("  FAT offset:          %" PRIu64 "\n", v->fat_offset);
	printf("  FAT size:            %" PRIu64 "\n", v->fat_size);
	if (v->type == DREDGE_FS_FAT32 || v->type == DREDGE_FS_EXFAT)
		printf("  root cluster:        %u\n", v->root_cluster);
	else
		printf("  root entries:        %u at %" PRIu64 "\n", v->root_entries,
		       v->root_offset);
	printf("  data start:          %" PRIu64 "\n", v->data_offset);
	printf("  data start (source): %" PRIu64 "\n", v->data_start);
	printf("  cluster count:       %u\n", v->cluster_count);
	if (v->free_clusters != UINT64_MAX)
		printf("  free clusters:       %" PRIu64 "\n", v->free_clusters);
	if (v->fsinfo_free >= 0)
		printf("  FSInfo free:         %" PRId64 "\n", v->fsinfo_free);
	if (v->type == DREDGE_FS_EXFAT) {
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
	struct dredge_disk_info dinfo;
	const struct dredge_disk_info *pt = &dinfo;
	int status = 0;

	dredge_disk_info(c->disk, &dinfo);
	printf("source: %s (%" PRIu64 " bytes)\n", c->path, pt->size);
	if (pt->scheme == DREDGE_PART_MBR) {
		printf("partition table: MBR, disk signature %08X\n",
		       pt->disk_signature);
	} else if (pt->scheme == DREDGE_PART_GPT) {
		printf("partition table: GPT%s, disk GUID %s, %u-byte sectors\n",
		       pt->gpt_backup ? " (backup header)" : "", pt->disk_guid,
		       pt->sector_size);
	} else {
		printf("partition table: none (%s)\n",
		       pt->whole_fs != DREDGE_FS_NONE ?
		       "the whole source is one volume" : "and no volume at byte 0");
	}
	if (pt->scheme != DREDGE_PART_NONE) {
		printf("partitions:\n");
		printf("  %-3s %14s %14s  %-4s %-22s %s\n", "#", "start", "size",
		       "type", "", "contents");
		for (unsigned i = 0; i < pt->nparts; i++) {
			struct dredge_partition pe;
			const struct dredge_partition *e = &pe;
			char t[8] = "";
			if (dredge_disk_partition(c->disk, i, &pe) != 0)
				break;
			if (pt->scheme == DREDGE_PART_MBR)
				snprintf(t, sizeof(t), "0x%02x", e->mbr_type);
			printf("  %-3u %14" PRIu64 " %14" PRIu64 "  %-4s %-22s %s",
			       e->index, e->start, e->size, t, e->type_name,
			       e->extended ? "(container)" : e->fs != DREDGE_FS_NONE ?
			       dredge_fs_name(e->fs) : "-");
			if (e->name[0]) {
				printf("  \"");
				put_escaped(stdout, e->name);
				printf("\"");
			}
			printf("\n");
		}
	}

	if (have_offset || part != 0 || pt->scheme == DREDGE_PART_NONE) {
		if (open_volume(c, part, have_offset, offset) != 0)
			return 1;
		if (have_offset)
			printf("volume at byte %" PRIu64 ":\n", offset);
		else if (part != 0)
			printf("volume in partition %u:\n", part);
		else
			printf("volume:\n");
		print_volume(c->vol);
		return 0;
	}
	for (unsigned i = 0; i < pt->nparts; i++) {
		struct dredge_partition e;
		char err[512];
		if (dredge_disk_partition(c->disk, i, &e) != 0)
			break;
		if (e.fs == DREDGE_FS_NONE || e.extended)
			continue;
		printf("volume in partition %u:\n", e.index);
		dredge_volume *vol = dredge_volume_open_entry(c->disk, i, err,
		                                              sizeof(err));
		if (vol == NULL) {
			printf("  error: %s\n", err);
			fprintf(stderr, "dredge: %s (partition %u): %s\n", c->path,
			        e.index, err);
			status = 1;
			continue;
		}
		print_volume(vol);
		dredge_volume_free(vol);
	}
	return status;
}

/* ------------------------------------------------------------ ls */

static void attr_str(const struct dredge_entry *e, char out[6])
{
	out[0] = (e->attr & DREDGE_ATTR_DIR) ? 'd' : '-';
	out[1] = (e->attr & DREDGE_ATTR_RDONLY) ? 'r' : '-';
	out[2] = (e->attr & DREDGE_ATTR_HIDDEN) ? 'h' : '-';
	out[3] = (e->attr & DREDGE_ATTR_SYSTEM) ? 's' : '-';
	out[4] = (e->attr & DREDGE_ATTR_ARCHIVE) ? 'a' : '-';
	out[5] = '\0';
}

static void print_runs(const dredge_runs *runs)
{
	struct dredge_runs_info info;
	const struct dredge_runs_info *r = &info;
	struct dredge_run v;

	dredge_runs_info(runs, &info);
	if (r->n == 0) {
		printf("-");
		return;
	}
	for (unsigned i = 0; i < r->n && i < RUNS_SHOWN; i++) {
		if (dredge_runs_get(runs, i, &v) != 0)
			break;
		if (v.cluster == 0)   /* sparse: no blocks, zeros */
			printf("%ssparse:%u", i ? "," : "", v.count);
		else if (v.count == 1)
			printf("%s%u", i ? "," : "", v.cluster);
		else
			printf("%s%u-%u", i ? "," : "", v.cluster,
			       v.cluster + v.count - 1);
	}
	if (r->n > RUNS_SHOWN)
		printf(",...(+%u)", r->n - RUNS_SHOWN);
}

/*
 * What recovery can say about a deleted file's content: the run status
 * and, when its format has a validator, the verdict.
 */
static void recovery_note(dredge_volume *vol, const struct dredge_entry *e,
                          dredge_runs *runs, char *buf, size_t len)
{
	struct dredge_runs_info info;
	const struct dredge_runs_info *r = &info;
	struct dredge_check check;
	char other[DREDGE_NAME_MAX + 64];
	size_t n = 0;
	buf[0] = '\0';

	dredge_runs_info(runs, &info);
#define NOTE(...) do { if (n < len) n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__); } while (0)
	if (e->flags & DREDGE_ENTRY_REUSED)
		NOTE("%sits metadata entry now describes another file",
		     n ? "; " : "");
	else if ((r->status & DREDGE_RUNS_OVERWRITTEN) &&
	         dredge_volume_type(vol) >= DREDGE_FS_NTFS)
		NOTE("%sblocks now in use by another file", n ? "; " : "");
	else if (r->status & DREDGE_RUNS_OVERWRITTEN)
		NOTE("%sfirst cluster now owned by a live file", n ? "; " : "");
	if (dredge_runs_shared(vol, e, runs, other, sizeof(other)) == 1)
		NOTE("%sclusters also assumed for %s", n ? "; " : "", other);
	if (r->status & DREDGE_RUNS_SKIPPED)
		NOTE("%slive clusters skipped", n ? "; " : "");
	if (r->status & DREDGE_RUNS_SHORT)
		NOTE("%sonly %" PRIu64 " of %" PRIu64 " bytes available",
		     n ? "; " : "", r->bytes, e->size);
	if (r->status & DREDGE_RUNS_RANGE)
		NOTE("%sfirst cluster out of range", n ? "; " : "");
	dredge_runs_check(runs, e, &check);
	switch (check.verdict) {
	case DREDGE_CHECK_NONE:
		break;
	case DREDGE_CHECK_FRAGMENTED:
		NOTE("%snot validated: %u fragments", n ? "; " : "", r->n);
		break;
	case DREDGE_CHECK_ERROR:
		NOTE("%snot validated: %s", n ? "; " : "", strerror(-check.error));
		break;
	case DREDGE_CHECK_VALID:
		NOTE("%svalid", n ? "; " : "");
		break;
	case DREDGE_CHECK_TRUNCATED:
		NOTE("%struncated", n ? "; " : "");
		break;
	case DREDGE_CHECK_INVALID:
		NOTE("%sinvalid: %s", n ? "; " : "",
		     check.reason ? check.reason : "rejected");
		break;
	}
#undef NOTE
}

struct ls_state {
	struct fsctx *c;
	int longfmt;
	int deleted;
	int body;                  /* --body: mactime's body-file lines */
	const char *mount;         /* --mount PREFIX, without a trailing '/' */
	int tz_minutes;            /* --tz: minutes east of UTC */
	uint64_t ino_base;         /* source byte where entry numbers start */
	int tsk;                   /* entries carry their inode */
	uint32_t cluster_size;
};

/* ------------------------------------------------------------ body file */

/*
 * The Sleuth Kit 3 body file, one line per entry, which `mactime -b`
 * turns into a timeline:
 *
 *   MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime
 *
 * written the way `fls -m` writes it for FAT, so that the two tools' lines
 * can be compared: MD5, UID and GID are 0; a deleted entry (or one in a
 * deleted folder) has " (deleted)" after its name; the inode is TSK's
 * address, the 32-byte directory slot of the entry (the short entry, or
 * exFAT's 0x85 entry) counted from the end of the FATs (exFAT: from the
 * cluster heap), plus 3 (the root is 2); mode is d/drwxrwxrwx or
 * r/rrwxrwxrwx, r/rr-xr-xr-x for a read-only file (fls writes
 * r/r-wx-wx-wx there); a folder's size is its clusters' bytes; ctime is 0
 * (FAT records no change time) and crtime the creation time.  Times are
 * Unix seconds, 0 where none was recorded.  FAT records local time with
 * no zone: it is taken as UTC unless --tz names the zone the writer's
 * clock was set to; exFAT times with a recorded UTC offset use it.  A
 * name is escaped so that it cannot break the line: '|' as \x7c, a
 * control character as \xNN, a backslash as \\.
 */

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Unix seconds of t; 0 when no time (or an impossible one) is recorded. */
static int64_t body_time(const struct dredge_time *t, int tz_minutes)
{
	if (t->year == 0 || t->month < 1 || t->month > 12 || t->day < 1 ||
	    t->day > 31 || t->hour > 23 || t->min > 59 || t->sec > 59)
		return 0;
	int64_t s = days_from_civil(t->year, t->month, t->day) * 86400 +
	            t->hour * 3600 + t->min * 60 + t->sec;
	s -= (int64_t)(t->has_utc_offset ? t->utc_offset : tz_minutes) * 60;
	return s > 0 ? s : 0;
}

/* Prints s with '|', control characters and backslashes escaped. */
static void put_body_name(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7F || *p == '|')
			fprintf(f, "\\x%02x", *p);
		else if (*p == '\\')
			fputs("\\\\", f);
		else
			fputc(*p, f);
	}
}

static void body_line(struct ls_state *st, const char *path,
                      const struct dredge_entry *e, dredge_runs *r)
{
	int dir = dredge_entry_dir(e);
	int ro = (e->attr & DREDGE_ATTR_RDONLY) != 0;
	uint64_t ino = 2, size = e->size;

	if (st->tsk)
		ino = e->entry_offset;
	else if (!(e->flags & DREDGE_ENTRY_ROOT) &&
	         e->entry_offset >= st->ino_base)
		ino = (e->entry_offset - st->ino_base) / 32 + 3;
	if (dir) {
		struct dredge_runs_info ri;
		size = 0;
		if (r != NULL) {
			dredge_runs_info(r, &ri);
			size = ri.clusters * st->cluster_size;
		}
	}
	printf("0|");
	put_body_name(stdout, st->mount);
	if (path[0] != '/')
		putchar('/');
	put_body_name(stdout, path);
	printf("%s|%" PRIu64 "|%c/%c%s|0|0|%" PRIu64 "|%" PRId64 "|%" PRId64
	       "|0|%" PRId64 "\n", dredge_entry_deleted(e) ? " (deleted)" : "",
	       ino, dir ? 'd' : 'r', dir ? 'd' : 'r',
	       ro ? "r-xr-xr-x" : "rwxrwxrwx", size,
	       body_time(&e->atime, st->tz_minutes),
	       body_time(&e->mtime, st->tz_minutes),
	       body_time(&e->ctime, st->tz_minutes));
}

/*
 * Parses --tz: "UTC", "Z", or +HH[:MM] / -HH[:MM] (also +HHMM); 0 and
 * *minutes set, or -1.
 */
static int parse_tz(const char *s, int *minutes)
{
	if (strcmp(s, "UTC") == 0 || strcmp(s, "utc") == 0 ||
	    strcmp(s, "Z") == 0) {
		*minutes = 0;
		return 0;
	}
	if (s[0] != '+' && s[0] != '-')
		return -1;
	int sign = s[0] == '-' ? -1 : 1, h, m = 0;
	const char *p = s + 1;
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return -1;
	h = (p[0] - '0') * 10 + (p[1] - '0');
	p += 2;
	if (*p == ':')
		p++;
	if (*p != '\0') {
		if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' ||
		    p[2] != '\0')
			return -1;
		m = (p[0] - '0') * 10 + (p[1] - '0');
	}
	if (h > 14 || m > 59 || h * 60 + m > 14 * 60)
		return -1;
	*minutes = sign * (h * 60 + m);
	return 0;
}

static int ls_cb(dredge_volume *vol, const char *path,
                 const struct dredge_entry *e, unsigned depth, void *arg)
{
	struct ls_state *st = arg;
	dredge_runs *r = NULL;
	char attrs[6], mt[40], note[512] = "";

	if (dredge_entry_deleted(e) && dredge_volume_load_owners(vol) != 0)
		return -ENOMEM;
	if (dredge_entry_runs(vol, e, &r) != 0)
		r = NULL;
	if (st->body) {
		body_line(st, path, e, r);
		dredge_runs_free(r);
		return 0;
	}
	attr_str(e, attrs);
	dredge_time_str(&e->mtime, mt, sizeof(mt));
	printf("%s %s %12" PRIu64 " %s %10u ",
	       (e->flags & DREDGE_ENTRY_DELETED) ? "D" :
	       dredge_entry_deleted(e) ? "d" : "-",
	       attrs, e->size, mt, e->start_cluster);
	print_runs(r);
	printf(" ");
	put_escaped(stdout, path);
	if (dredge_entry_dir(e))
		printf("/");
	if (dredge_entry_deleted(e) && !dredge_entry_dir(e))
		recovery_note(vol, e, r, note, sizeof(note));
	if ((e->flags & DREDGE_ENTRY_LFN) && e->short_name[0]) {
		printf("  [short ");
		put_escaped(stdout, e->short_name);
		printf("%s%s]", note[0] ? "; " : "", note);
	} else if (note[0]) {
		printf("  [%s]", note);
	}
	if (e->flags & DREDGE_ENTRY_BAD_CHECKSUM)
		printf("  [entry checksum mismatch]");
	printf("\n");
	if (st->longfmt) {
		char ct[40], at[40];
		dredge_time_str(&e->ctime, ct, sizeof(ct));
		dredge_time_str(&e->atime, at, sizeof(at));
		printf("      created %s  accessed %s  %s %" PRIu64, ct, at,
		       dredge_volume_type(vol) >= DREDGE_FS_NTFS ? "inode" :
		       "entry at byte", e->entry_offset);
		if (dredge_volume_type(vol) == DREDGE_FS_EXFAT)
			printf("  valid size %" PRIu64 "%s", e->valid_size,
			       (e->flags & DREDGE_ENTRY_NO_FAT_CHAIN) ?
			       "  no FAT chain" : "");
		printf("\n");
	}
	dredge_runs_free(r);
	return 0;
}

static int lookup_or_fail(struct fsctx *c, const char *path, unsigned flags,
                          struct dredge_entry *e)
{
	int rc = dredge_volume_lookup(c->vol, path, flags, e);
	if (rc == 0)
		return 0;
	if (rc == -ENOENT)
		fprintf(stderr, "dredge: %s: no such file or directory: %s%s\n",
		        c->path, path, flags & DREDGE_WALK_DELETED ? "" :
		        " (use --deleted for deleted entries)");
	else
		fprintf(stderr, "dredge: %s: %s: %s\n", c->path, path,
		        strerror(-rc));
	return -1;
}

static int cmd_ls(struct fsctx *c, const char *path, int recursive,
                  int deleted, int longfmt, const struct ls_state *body)
{
	struct ls_state st = { .c = c, .longfmt = longfmt, .deleted = deleted };
	struct dredge_entry e;
	unsigned flags = (deleted ? DREDGE_WALK_DELETED : 0) |
	                 (recursive ? DREDGE_WALK_RECURSE : 0);

	if (body != NULL) {
		struct dredge_volume_info vi;
		dredge_volume_info(c->vol, &vi);
		st.body = 1;
		st.mount = body->mount;
		st.tz_minutes = body->tz_minutes;
		st.cluster_size = vi.cluster_size;
		/* TSK counts FAT entries from the end of the FATs (the fixed
		 * root of FAT12/16 included), exFAT's from the cluster heap. */
		st.tsk = vi.tsk;
		st.ino_base = vi.offset + (vi.type == DREDGE_FS_EXFAT ?
		              vi.data_offset : vi.fat_offset + vi.nfats * vi.fat_size);
	}
	if (lookup_or_fail(c, path, DREDGE_WALK_DELETED, &e) != 0)
		return 1;
	if (!dredge_entry_dir(&e)) {
		char p[DREDGE_NAME_MAX + 8];
		snprintf(p, sizeof(p), "%s", path);
		return ls_cb(c->vol, p, &e, 0, &st) < 0;
	}
	if (dredge_entry_deleted(&e))
		flags |= DREDGE_WALK_DELETED;
	if ((flags & DREDGE_WALK_DELETED) &&
	    dredge_volume_load_claims(c->vol) != 0) {
		fprintf(stderr, "dredge: %s: out of memory\n", c->path);
		return 1;
	}
	int rc = dredge_volume_walk(c->vol, &e, (e.flags & DREDGE_ENTRY_ROOT) ?
	                            "" : path, flags, ls_cb, &st);
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
                     const struct dredge_entry *e, int fd, char *note,
                     size_t notelen)
{
	struct dredge_runs_info info;
	const struct dredge_runs_info *ri = &info;
	dredge_runs *r;
	static uint8_t buf[1 << 20];

	if (note)
		note[0] = '\0';
	if (dredge_entry_deleted(e) && dredge_volume_load_owners(c->vol) != 0) {
		fprintf(stderr, "dredge: %s: out of memory\n", c->path);
		return -1;
	}
	if (dredge_entry_runs(c->vol, e, &r) != 0) {
		fprintf(stderr, "dredge: %s: %s: cannot map its clusters\n",
		        c->path, path);
		return -1;
	}
	/* A deleted file's clusters, chosen by its validator where the
	 * assumed ones do not make it whole. */
	const char *unwhole = NULL;
	int chosen = dredge_entry_deleted(e) && !dredge_entry_dir(e)
	             ? dredge_runs_choose(c->vol, e, r, &unwhole) : 0;
	if (chosen < 0) {
		fprintf(stderr, "dredge: %s: %s: %s\n", c->path, path,
		        strerror(-chosen));
		dredge_runs_free(r);
		return -1;
	}
	dredge_runs_info(r, &info);
	for (uint64_t off = 0; off < ri->bytes;) {
		ssize_t got = dredge_runs_read(r, off, buf, sizeof(buf));
		if (got <= 0) {
			fprintf(stderr, "dredge: %s: %s: read error at byte %" PRIu64
			        " of the file\n", c->path, path, off);
			dredge_runs_free(r);
			return 1;
		}
		for (ssize_t w = 0; w < got;) {
			ssize_t k = write(fd, buf + w, (size_t)(got - w));
			if (k < 0) {
				if (errno == EINTR)
					continue;
				fprintf(stderr, "dredge: write error: %s\n",
				        strerror(errno));
				dredge_runs_free(r);
				return -1;
			}
			w += k;
		}
		off += (uint64_t)got;
	}
	if (note && dredge_entry_deleted(e)) {
		recovery_note(c->vol, e, r, note, notelen);
		if (chosen == 1) {
			size_t k = strlen(note);
			snprintf(note + k, notelen - k, "%sclusters chosen by its "
			         "validator", k ? "; " : "");
		}
	}
	int rc = 0;
	if (ri->bytes < e->size) {
		fprintf(stderr, "dredge: %s: %s: only %" PRIu64 " of %" PRIu64
		        " bytes could be read (%s)\n", c->path, path, ri->bytes,
		        e->size, ri->status & DREDGE_RUNS_LOOP ?
		        "the cluster chain loops" :
		        ri->status & DREDGE_RUNS_RANGE ?
		        "a cluster number is out of range" :
		        dredge_entry_deleted(e) ? "not enough free clusters follow" :
		        "the cluster chain ends early");
		rc = 1;
	} else if (dredge_entry_deleted(e) &&
	           (ri->status & DREDGE_RUNS_OVERWRITTEN)) {
		fprintf(stderr, "dredge: warning: %s: %s; the content is "
		        "probably not the deleted file's\n", path,
		        (e->flags & DREDGE_ENTRY_REUSED) ? "its metadata entry now "
		        "describes another file" :
		        dredge_volume_type(c->vol) >= DREDGE_FS_NTFS ? "its blocks "
		        "are in use by another file now" : "its first cluster now "
		        "belongs to a live file");
		rc = 1;
	}
	/* Clusters assumed for two deleted files hold at most one of them:
	 * the copy may be the other's, and the exit status says so. */
	char other[DREDGE_NAME_MAX + 64];
	if (rc == 0 && dredge_entry_deleted(e) && !dredge_entry_dir(e) &&
	    dredge_runs_shared(c->vol, e, r, other, sizeof(other)) == 1) {
		fprintf(stderr, "dredge: warning: %s: its clusters are also "
		        "assumed for the deleted %s; the content may be that "
		        "file's\n", path, other);
		rc = 1;
	}
	if (rc == 0 && chosen == 2) {
		fprintf(stderr, "dredge: warning: %s: its format's validator "
		        "does not take it whole over the clusters assumed (%s), "
		        "and no free clusters after them make it whole; the "
		        "content is probably not the deleted file's\n", path,
		        unwhole);
		rc = 1;
	}
	dredge_runs_free(r);
	return rc;
}

static int cmd_cat(struct fsctx *c, const char *path)
{
	struct dredge_entry e;

	if (lookup_or_fail(c, path, DREDGE_WALK_DELETED, &e) != 0)
		return 1;
	if (dredge_entry_dir(&e)) {
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

#define EXPORT_DEPTH (DREDGE_FS_MAX_DEPTH + 2)

struct export_state {
	struct fsctx *c;
	char dirs[EXPORT_DEPTH][PATH_MAX];   /* output folder per depth */
	unsigned files, deleted_files, dirs_made;
	int failed;
};

static int export_file(struct export_state *st, const char *path,
                       const struct dredge_entry *e, const char *outdir)
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
	if (dredge_entry_deleted(e))
		st->deleted_files++;
	put_escaped(stdout, path);
	printf(" -> %s (%" PRIu64 " bytes%s%s%s)\n", out, e->size,
	       dredge_entry_deleted(e) ? ", deleted" : "", note[0] ? ": " : "",
	       note);
	return 0;
}

static int export_cb(dredge_volume *vol, const char *path,
                     const struct dredge_entry *e, unsigned depth, void *arg)
{
	struct export_state *st = arg;

	if (depth + 1 >= EXPORT_DEPTH)
		return 1;
	if (!dredge_entry_dir(e))
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
	int lockfd = dredge_output_lock(outdir, err, sizeof(err));
	if (lockfd < 0) {
		fprintf(stderr, "dredge: %s\n", err);
		free(st);
		return 1;
	}
	for (int i = 0; i < npaths; i++) {
		struct dredge_entry e;
		if (lookup_or_fail(c, paths[i], DREDGE_WALK_DELETED, &e) != 0) {
			st->failed = 1;
			continue;
		}
		snprintf(st->dirs[0], sizeof(st->dirs[0]), "%s", outdir);
		if (!dredge_entry_dir(&e)) {
			if (export_file(st, paths[i], &e, outdir) < 0)
				break;
			continue;
		}
		unsigned flags = DREDGE_WALK_RECURSE |
		                 (deleted || dredge_entry_deleted(&e) ?
		                  DREDGE_WALK_DELETED : 0);
		const char *base = "";
		if ((flags & DREDGE_WALK_DELETED) &&
		    dredge_volume_load_claims(c->vol) != 0) {
			fprintf(stderr, "dredge: %s: out of memory\n", c->path);
			st->failed = 1;
			break;
		}
		if (!(e.flags & DREDGE_ENTRY_ROOT)) {
			/* The named folder itself becomes a folder in DIR. */
			if (export_cb(c->vol, paths[i], &e, 0, st) != 0)
				continue;
			memmove(st->dirs[0], st->dirs[1], sizeof(st->dirs[0]));
			base = paths[i];
		}
		int rc = dredge_volume_walk(c->vol, &e, base, flags, export_cb,
		                            st);
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

static int cmd_fs(int argc, char **argv, const char *cmdline)
{
	enum { O_OFFSET = 256, O_BODY, O_TZ };
	static const struct option opts[] = {
		{ "partition", required_argument, NULL, 'p' },
		{ "offset", required_argument, NULL, O_OFFSET },
		{ "recursive", no_argument, NULL, 'r' },
		{ "deleted", no_argument, NULL, 'd' },
		{ "long", no_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ "body", no_argument, NULL, O_BODY },
		{ "mount", required_argument, NULL, 'm' },
		{ "tz", required_argument, NULL, O_TZ },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *outdir = NULL;
	unsigned part = 0;
	int have_offset = 0, recursive = 0, deleted = 0, longfmt = 0, ch;
	int body = 0, body_opt = 0;
	char mount[PATH_MAX] = "";
	struct ls_state bopts = { .mount = mount };
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
	while ((ch = getopt_long(argc, argv, "p:rdlo:m:h", opts, NULL)) != -1) {
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
		case O_BODY: body = 1; break;
		case 'm': {
			/* fls -m MNT: "C:" gives C:/DIR/FILE, "/" gives /DIR/FILE */
			size_t n = strlen(optarg);
			while (n > 0 && optarg[n - 1] == '/')
				n--;
			if (n >= sizeof(mount)) {
				fprintf(stderr, "dredge: --mount prefix too long\n");
				return EXIT_USAGE;
			}
			memcpy(mount, optarg, n);
			mount[n] = '\0';
			body_opt = 1;
			break;
		}
		case O_TZ:
			if (parse_tz(optarg, &bopts.tz_minutes) != 0) {
				fprintf(stderr, "dredge: invalid zone '%s' for --tz (UTC, "
				        "+HH:MM or -HH:MM)\n", optarg);
				return EXIT_USAGE;
			}
			body_opt = 1;
			break;
		case 'h': fs_usage(stdout); return 0;
		default: fs_usage(stderr); return EXIT_USAGE;
		}
	}
	if ((body || body_opt) && strcmp(sub, "ls") != 0) {
		fprintf(stderr, "dredge: --body, --mount and --tz are fs ls options\n");
		return EXIT_USAGE;
	}
	if (body_opt && !body) {
		fprintf(stderr, "dredge: --mount and --tz need --body\n");
		return EXIT_USAGE;
	}
	if (body && longfmt) {
		fprintf(stderr, "dredge: --body and --long cannot be combined\n");
		return EXIT_USAGE;
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
		                longfmt, body ? &bopts : NULL);
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

const struct cmd_entry cmd_fs_entry = {
	.name = "fs",
	.usage = "fs info|ls|cat|export SOURCE",
	.about = "partitions and FAT/exFAT volumes",
	.exec = cmd_fs,
};

/*
 * exfat_put.c - puts files into, and deletes them from, an exFAT image
 * made by mkfs.exfat, without mounting it (no exFAT tool does that).
 *
 *   exfat_put IMG mkdir /DIR [N frag]
 *   exfat_put IMG put SRC /[DIR/]NAME contig|chain|frag|fill|fill@N
 *   exfat_put IMG rm /[DIR/]NAME
 *   exfat_put IMG runs /[DIR/]NAME   (prints START+COUNT,... of a file)
 *
 * contig stores the file in consecutive clusters with the NoFatChain flag;
 * chain writes a FAT chain over consecutive clusters; frag takes every
 * other free cluster and chains them; fill@N is fill searching from
 * cluster N on and round to the start (a driver's next-free hint, so a
 * card written in a loop overwrites its oldest clusters last); fill takes the first free clusters
 * in order, as a driver does, and so fragments around files in the way.
 * rm does what a driver does on
 * delete: clears the in-use bits of the entry set and the file's bits in
 * the allocation bitmap, leaving the FAT and the data alone.  Directories
 * are in the root: one cluster, or with "N frag" N clusters taken as frag
 * takes them and chained (a folder that grew around other files); entry
 * sets go one after the other through the folder's clusters, across their
 * ends, as a driver writes them.  The tests run fsck.exfat -n on the result,
 * so this writer is checked independently of dredge's reader.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fd;
static uint32_t bps, cs, fat_off, heap, count, root;
static uint8_t *bitmap;
static uint32_t bitmap_cl;
static uint64_t bitmap_len;

static void die(const char *m)
{
	fprintf(stderr, "exfat_put: %s\n", m);
	exit(1);
}

static void rd(uint64_t off, void *b, size_t n)
{
	if (pread(fd, b, n, (off_t)off) != (ssize_t)n)
		die("read failed");
}

static void wr(uint64_t off, const void *b, size_t n)
{
	if (pwrite(fd, b, n, (off_t)off) != (ssize_t)n)
		die("write failed");
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

static uint64_t cl_off(uint32_t c) { return (uint64_t)heap * bps + (uint64_t)(c - 2) * cs; }

static int used(uint32_t c) { return (bitmap[(c - 2) / 8] >> ((c - 2) % 8)) & 1; }

static void set_used(uint32_t c, int on)
{
	if (on)
		bitmap[(c - 2) / 8] |= (uint8_t)(1 << ((c - 2) % 8));
	else
		bitmap[(c - 2) / 8] &= (uint8_t)~(1 << ((c - 2) % 8));
}

static void fat_set(uint32_t c, uint32_t v)
{
	uint8_t b[4];
	put32(b, v);
	wr((uint64_t)fat_off * bps + 4ull * c, b, 4);
}

static uint32_t fat_get(uint32_t c)
{
	uint8_t b[4];
	rd((uint64_t)fat_off * bps + 4ull * c, b, 4);
	return le32(b);
}

/* Allocates n clusters; mode 0 contig, 1 chain, 2 every other free one,
 * 3 the first free ones. */
static uint32_t *alloc(uint32_t n, int mode, uint32_t from)
{
	uint32_t *v = calloc(n ? n : 1, sizeof(*v)), got = 0;
	if (mode == 3) {
		if (from < 2 || from >= count + 2)
			from = 2;
		for (uint32_t k = 0; k < count && got < n; k++) {
			uint32_t c = 2 + (from - 2 + k) % count;
			if (!used(c))
				v[got++] = c;
		}
	} else if (mode != 2) {
		for (uint32_t s = 2; s + n <= count + 2 && got < n; s++) {
			uint32_t k;
			for (k = 0; k < n && !used(s + k); k++)
				;
			if (k == n)
				for (got = 0; got < n; got++)
					v[got] = s + got;
		}
	} else {
		int skip = 0;
		for (uint32_t c = 2; c < count + 2 && got < n; c++) {
			if (used(c))
				continue;
			skip ^= 1;
			if (skip)
				v[got++] = c;
		}
	}
	if (got < n)
		die("no room");
	for (uint32_t i = 0; i < n; i++) {
		set_used(v[i], 1);
		if (mode != 0)
			fat_set(v[i], i + 1 < n ? v[i + 1] : 0xFFFFFFFFu);
	}
	return v;
}

static uint16_t name_hash(const uint16_t *name, unsigned len)
{
	uint16_t h = 0;
	for (unsigned i = 0; i < len; i++) {
		uint16_t c = name[i];
		if (c >= 'a' && c <= 'z')
			c = (uint16_t)(c - 32);
		h = (uint16_t)(((h & 1) ? 0x8000 : 0) + (h >> 1) + (c & 0xFF));
		h = (uint16_t)(((h & 1) ? 0x8000 : 0) + (h >> 1) + (c >> 8));
	}
	return h;
}

static uint16_t set_sum(const uint8_t *set, unsigned n)
{
	uint16_t s = 0;
	for (unsigned i = 0; i < n * 32; i++)
		if (i != 2 && i != 3)
			s = (uint16_t)(((s & 1) ? 0x8000 : 0) + (s >> 1) + set[i]);
	return s;
}

/* The directory cluster holding path's parent; *name gets the last part. */
static uint32_t parent_of(const char *path, const char **name);

#define DIR_MAX 64   /* clusters of a folder */

/* A folder's clusters (its FAT chain; a one-cluster NoFatChain folder
 * has none) and its bytes, loaded. */
struct dir {
	uint32_t c[DIR_MAX], n;
	uint8_t *buf;
};

static void dir_load(struct dir *d, uint32_t first)
{
	d->n = 0;
	for (uint32_t c = first; c >= 2 && c < count + 2 && d->n < DIR_MAX;
	     c = fat_get(c))
		d->c[d->n++] = c;
	d->buf = malloc((size_t)d->n * cs);
	for (uint32_t i = 0; i < d->n; i++)
		rd(cl_off(d->c[i]), d->buf + (size_t)i * cs, cs);
}

/* Writes slots [i, i+n) of the loaded folder back. */
static void dir_store(const struct dir *d, uint32_t i, uint32_t n)
{
	for (uint32_t k = i; k < i + n; k++)
		wr(cl_off(d->c[k * 32 / cs]) + k * 32 % cs, d->buf + k * 32, 32);
}

/* Finds the entry set named name in the loaded folder: its slot. */
static int find_set(const struct dir *dd, const char *name)
{
	const uint8_t *buf = dd->buf;
	for (uint32_t i = 0; i < dd->n * cs / 32; i++) {
		const uint8_t *d = buf + i * 32;
		if (d[0] == 0)
			break;
		if (d[0] != 0x85 || i + d[1] >= dd->n * cs / 32)
			continue;
		unsigned sc = d[1], len = d[32 + 3];
		char got[256];
		unsigned k = 0;
		for (unsigned e = 2; e <= sc && k < len; e++)
			for (unsigned j = 0; j < 15 && k < len; j++)
				got[k++] = (char)d[e * 32 + 2 + 2 * j];
		got[k] = '\0';
		if (strcmp(got, name) == 0)
			return (int)i;
	}
	return -1;
}

static uint32_t parent_of(const char *path, const char **name)
{
	const char *slash = strchr(path + 1, '/');
	if (path[0] != '/')
		die("paths start with /");
	if (slash == NULL) {
		*name = path + 1;
		return root;
	}
	char name_[256];
	snprintf(name_, sizeof(name_), "%.*s", (int)(slash - path - 1), path + 1);
	struct dir d;
	dir_load(&d, root);
	int i = find_set(&d, name_);
	if (i < 0)
		die("no such folder");
	uint32_t c = le32(d.buf + i * 32 + 32 + 20);
	free(d.buf);
	*name = slash + 1;
	return c;
}

static void add_set(uint32_t dir, const char *name, uint16_t attr,
                    uint32_t first, uint64_t size, int nofat)
{
	unsigned len = (unsigned)strlen(name), nn = (len + 14) / 15;
	unsigned n = 2 + nn;
	uint8_t set[32 * 20];
	uint16_t uname[255];
	struct dir d;

	if (len == 0 || len > 255)
		die("bad name");
	for (unsigned i = 0; i < len; i++)
		uname[i] = (uint8_t)name[i];
	memset(set, 0, sizeof(set));
	set[0] = 0x85;
	set[1] = (uint8_t)(n - 1);
	put16(set + 4, attr);
	uint32_t ts = (44u << 25) | (5u << 21) | (6u << 16) | (10u << 11) |
	              (11u << 5) | 6u;   /* 2024-05-06 10:11:12 */
	put32(set + 8, ts);
	put32(set + 12, ts);
	put32(set + 16, ts);
	uint8_t *st = set + 32;
	st[0] = 0xC0;
	st[1] = (uint8_t)(0x01 | (nofat ? 0x02 : 0));
	st[3] = (uint8_t)len;
	put16(st + 4, name_hash(uname, len));
	put64(st + 8, size);
	put32(st + 20, first);
	put64(st + 24, size);
	for (unsigned k = 0; k < nn; k++) {
		uint8_t *ne = set + 64 + 32 * k;
		ne[0] = 0xC1;
		for (unsigned j = 0; j < 15 && k * 15 + j < len; j++)
			put16(ne + 2 + 2 * j, uname[k * 15 + j]);
	}
	put16(set + 2, set_sum(set, n));
	dir_load(&d, dir);
	uint32_t i, slots = d.n * cs / 32;
	for (i = 0; i < slots && d.buf[i * 32] != 0; i++)
		;
	if (i + n > slots)
		die("folder full");
	memcpy(d.buf + i * 32, set, n * 32);
	dir_store(&d, i, n);
	free(d.buf);
}

int main(int argc, char **argv)
{
	uint8_t b[512];

	if (argc < 4)
		die("usage: exfat_put IMG mkdir|put|rm ...");
	fd = open(argv[1], O_RDWR);
	if (fd < 0)
		die("cannot open image");
	rd(0, b, sizeof(b));
	if (memcmp(b + 3, "EXFAT   ", 8) != 0)
		die("not exFAT");
	bps = 1u << b[108];
	cs = bps << b[109];
	fat_off = le32(b + 80);
	heap = le32(b + 88);
	count = le32(b + 92);
	root = le32(b + 96);
	uint8_t *rb = malloc(cs);
	rd(cl_off(root), rb, cs);
	for (uint32_t i = 0; i < cs / 32; i++)
		if (rb[i * 32] == 0x81) {
			bitmap_cl = le32(rb + i * 32 + 20);
			bitmap_len = le32(rb + i * 32 + 24);
		}
	free(rb);
	if (bitmap_cl == 0)
		die("no bitmap");
	bitmap = malloc(bitmap_len);
	rd(cl_off(bitmap_cl), bitmap, bitmap_len);

	const char *cmd = argv[2], *name;
	if (strcmp(cmd, "mkdir") == 0) {
		uint32_t dir = parent_of(argv[3], &name);
		uint32_t n = argc == 6 ? (uint32_t)atoi(argv[4]) : 1;
		int frag = argc == 6 && strcmp(argv[5], "frag") == 0;
		if (n == 0 || n > DIR_MAX || (argc == 6 && !frag))
			die("mkdir /DIR [N frag]");
		uint32_t *c = alloc(n, frag ? 2 : 0, 2);
		uint8_t *z = calloc(1, cs);
		for (uint32_t i = 0; i < n; i++)
			wr(cl_off(c[i]), z, cs);
		add_set(dir, name, 0x10, c[0], (uint64_t)n * cs, !frag);
		free(z);
		free(c);
	} else if (strcmp(cmd, "put") == 0 && argc == 6) {
		FILE *f = fopen(argv[3], "rb");
		if (f == NULL)
			die("cannot open source file");
		fseek(f, 0, SEEK_END);
		long size = ftell(f);
		fseek(f, 0, SEEK_SET);
		uint8_t *data = calloc(1, (size_t)size + cs);
		if (fread(data, 1, (size_t)size, f) != (size_t)size)
			die("short read");
		fclose(f);
		int mode = strcmp(argv[5], "contig") == 0 ? 0 :
		           strcmp(argv[5], "chain") == 0 ? 1 :
		           strncmp(argv[5], "fill", 4) == 0 ? 3 : 2;
		uint32_t from = argv[5][4] == '@'
		                ? (uint32_t)strtoul(argv[5] + 5, NULL, 10) : 2;
		uint32_t n = (uint32_t)((size + cs - 1) / cs);
		uint32_t dir = parent_of(argv[4], &name);
		uint32_t *c = alloc(n, mode, from);
		for (uint32_t i = 0; i < n; i++)
			wr(cl_off(c[i]), data + (size_t)i * cs, cs);
		add_set(dir, name, 0x20, n ? c[0] : 0, (uint64_t)size, mode == 0);
		free(c);
		free(data);
	} else if (strcmp(cmd, "runs") == 0) {
		struct dir dd;
		dir_load(&dd, parent_of(argv[3], &name));
		int i = find_set(&dd, name);
		if (i < 0)
			die("no such file");
		uint8_t *d = dd.buf + i * 32;
		uint32_t c = le32(d + 32 + 20), start = c, n = 0;
		uint64_t size = (uint64_t)le32(d + 32 + 24) |
		                (uint64_t)le32(d + 32 + 28) << 32;
		int nofat = d[32 + 1] & 2, first = 1;
		for (uint64_t k = 0; c >= 2 && k < (size + cs - 1) / cs; k++) {
			if (c != start + n) {
				printf("%s%u+%u", first ? "" : ",", start, n);
				first = 0;
				start = c;
				n = 0;
			}
			n++;
			c = nofat ? c + 1 : fat_get(c);
		}
		if (n > 0)
			printf("%s%u+%u", first ? "" : ",", start, n);
		printf("\n");
		free(dd.buf);
	} else if (strcmp(cmd, "rm") == 0) {
		struct dir dd;
		dir_load(&dd, parent_of(argv[3], &name));
		int i = find_set(&dd, name);
		if (i < 0)
			die("no such file");
		uint8_t *d = dd.buf + i * 32;
		unsigned sc = d[1];
		uint32_t c = le32(d + 32 + 20);
		uint64_t size = (uint64_t)le32(d + 32 + 24) |
		                (uint64_t)le32(d + 32 + 28) << 32;
		int nofat = d[32 + 1] & 2;
		for (uint64_t k = 0; c >= 2 && k < (size + cs - 1) / cs; k++) {
			set_used(c, 0);
			c = nofat ? c + 1 : fat_get(c);
		}
		for (unsigned k = 0; k <= sc; k++)
			d[k * 32] &= 0x7F;
		dir_store(&dd, (uint32_t)i, sc + 1);
		free(dd.buf);
	} else {
		die("unknown command");
	}
	wr(cl_off(bitmap_cl), bitmap, bitmap_len);
	if (close(fd) != 0)
		die("close failed");
	return 0;
}

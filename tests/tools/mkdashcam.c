/*
 * mkdashcam.c - plays a dashcam recorder over an empty FAT16, FAT32 or
 * exFAT image (made by mkfs.vfat or mkfs.exfat), from a seed, and writes
 * down the truth.
 *
 *   mkdashcam IMG SEED OUTDIR [-fill BYTES] [-cut N] [-event N] [-keep N]
 *             [-chunk MAX] pair FRONT REAR [FRONT REAR]...
 *   mkdashcam IMG SEED OUTDIR ... single CLIP...
 *
 * pair: each recording is a front and a rear clip written at once, the
 * two files taking the free clusters in turn in chunks of 1..MAX clusters
 * (16 by default), as a recorder with two channels and one FAT driver
 * does.  single: one clip at a time.  Free clusters are taken from the
 * driver's next-free pointer on, wrapping round at the volume's end.
 * When a recording does not fit, the oldest recordings are deleted the
 * way a FAT driver deletes (the entry's first byte becomes 0xE5, the
 * chain's FAT entries 0), loop recording round the card; every Nth
 * recording (-event) is an event clip and never deleted (on exFAT the
 * same: the entry set's in-use bits cleared, the bitmap's bits and the
 * chain's FAT entries 0; files are kept in FAT chains); every Nth
 * (-cut) is cut off before its index: only the bytes before its moov are
 * written and the mdat's size is 0, as a recorder that lost power leaves
 * it.  At the end one in N (-keep, 3 by default) of the recordings still
 * there are deleted by the user.  -fill writes a live file of seeded
 * bytes first (the map data and firmware a card also holds), so a small
 * loop area fills in few recordings.
 *
 * OUTDIR/truth/NAME holds the bytes each file was given, and
 * OUTDIR/manifest one line per file:
 *   NAME KIND REC EVENT CUT STATE SURVIVES SIZE RUNS
 * KIND front|rear|single|fill, STATE live|deleted, SURVIVES 1 when no
 * later file took any of its clusters, RUNS "START+COUNT,..." in order.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void die(const char *m)
{
	fprintf(stderr, "mkdashcam: %s\n", m);
	exit(1);
}

static uint32_t le16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}
static void put32be(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}
static void put16(uint8_t *p, uint32_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

struct file {
	char name[16];          /* "F0001.MP4" */
	const char *kind;
	unsigned rec, event, cut, live, slot;
	uint8_t *data;
	uint64_t size, done;
	uint32_t *cl;
	unsigned ncl, capcl;
};

static int fd;
static uint32_t bps, cs, fat_off, fat_len, nfats, data_off, nclus, root_cl;
static uint32_t root_off, root_slots;   /* FAT16: the fixed root */
static int fat32, exfat;
static uint32_t bitmap_cl, bitmap_len;  /* exFAT: the allocation bitmap */
static uint8_t *touched;                /* exFAT: FAT entries to write */
static uint32_t dir_base;               /* exFAT: bytes of mkfs's entries */
static uint32_t *fat;
static int *owner;
static uint32_t next_free = 2, nfree;
static uint8_t *dir;                    /* the root directory's entries */
static uint32_t dir_slots, dir_used;
static uint32_t *dir_cl;                /* FAT32: its clusters */
static unsigned ndir_cl;
static struct file *files;
static unsigned nfiles, capfiles;

static void pwrite_all(const void *b, size_t n, uint64_t off)
{
	if (pwrite(fd, b, n, (off_t)off) != (ssize_t)n)
		die("write failed");
}

static uint64_t cl_off(uint32_t c)
{
	return (uint64_t)data_off + (uint64_t)(c - 2) * cs;
}

static uint32_t alloc_cluster(void)
{
	if (nfree == 0)
		die("the card is full");
	for (uint32_t n = 0; n < nclus; n++) {
		uint32_t c = next_free;
		next_free = next_free + 1 >= nclus + 2 ? 2 : next_free + 1;
		if (fat[c] == 0) {
			fat[c] = exfat ? 0xffffffff : fat32 ? 0x0ffffff8 : 0xfff8;
			if (exfat)
				touched[c] = 1;
			nfree--;
			return c;
		}
	}
	die("no free cluster");
	return 0;
}

static uint8_t *read_file(const char *path, uint64_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		die("cannot open a clip");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc(n ? n : 1);
	if (b == NULL || fread(b, 1, n, f) != (size_t)n)
		die("cannot read a clip");
	fclose(f);
	*len = n;
	return b;
}

/* Cuts a clip before its moov and makes its mdat run "to the end". */
static void cut_clip(struct file *f)
{
	uint64_t o = 0;
	while (o + 8 <= f->size) {
		uint64_t n = be32(f->data + o);
		if (memcmp(f->data + o + 4, "moov", 4) == 0) {
			f->size = o;
			break;
		}
		if (memcmp(f->data + o + 4, "mdat", 4) == 0 && n > 1)
			put32be(f->data + o, 0);
		if (n < 8)
			die("a clip has a box it cannot step over");
		o += n;
	}
}

static struct file *new_file(const char *kind, unsigned rec, char letter,
                             const char *path)
{
	if (nfiles == capfiles) {
		capfiles = capfiles ? capfiles * 2 : 64;
		files = realloc(files, capfiles * sizeof(*files));
		if (files == NULL)
			die("out of memory");
	}
	struct file *f = &files[nfiles++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%c%04u.%s", letter, rec,
	         path ? "MP4" : "BIN");
	f->kind = kind;
	f->rec = rec;
	f->live = 1;
	if (dir_used == dir_slots)
		die("the root directory is full");
	f->slot = dir_used++;
	if (path)
		f->data = read_file(path, &f->size);
	return f;
}

/* Gives f its next cluster and writes what of it belongs there. */
static void write_cluster(struct file *f, unsigned idx)
{
	uint32_t c = alloc_cluster();
	if (f->ncl == f->capcl) {
		f->capcl = f->capcl ? f->capcl * 2 : 64;
		f->cl = realloc(f->cl, f->capcl * sizeof(*f->cl));
		if (f->cl == NULL)
			die("out of memory");
	}
	if (f->ncl > 0)
		fat[f->cl[f->ncl - 1]] = c;
	f->cl[f->ncl++] = c;
	owner[c] = (int)idx;
	uint64_t n = f->size - f->done < cs ? f->size - f->done : cs;
	pwrite_all(f->data + f->done, n, cl_off(c));
	f->done += n;
}

static uint32_t clusters_of(uint64_t n)
{
	return (uint32_t)((n + cs - 1) / cs);
}

static void delete_file(struct file *f)
{
	for (unsigned i = 0; i < f->ncl; i++) {
		fat[f->cl[i]] = 0;
		nfree++;
	}
	f->live = 0;
}

/* Deletes the oldest recording that may go; 0 when none is left. */
static int delete_oldest(void)
{
	for (unsigned i = 0; i < nfiles; i++) {
		struct file *f = &files[i];
		if (!f->live || f->event || strcmp(f->kind, "fill") == 0)
			continue;
		for (unsigned j = i; j < nfiles; j++)
			if (files[j].rec == f->rec && files[j].live)
				delete_file(&files[j]);
		return 1;
	}
	return 0;
}

static uint16_t ex_sum(const uint8_t *set, unsigned n)
{
	uint16_t v = 0;
	for (unsigned i = 0; i < n * 32; i++)
		if (i != 2 && i != 3)
			v = (uint16_t)(((v & 1) ? 0x8000 : 0) + (v >> 1) +
			               set[i]);
	return v;
}

/* exFAT: a File, a Stream Extension and a File Name entry (names are
 * upper-case ASCII of at most 15 characters). */
static void dir_entry_exfat(const struct file *f)
{
	uint8_t *e = dir + dir_base + (size_t)f->slot * 96;
	unsigned len = (unsigned)strlen(f->name);
	uint16_t h = 0;
	memset(e, 0, 96);
	e[0] = 0x85;
	e[1] = 2;
	put16(e + 4, 0x20);
	uint32_t ts = (45u << 25) | (12u << 21) | (1u << 16) | (12u << 11);
	put32(e + 8, ts);
	put32(e + 12, ts);
	put32(e + 16, ts);
	uint8_t *st = e + 32;
	st[0] = 0xc0;
	st[1] = 0x01;
	st[3] = (uint8_t)len;
	for (unsigned i = 0; i < len; i++) {
		h = (uint16_t)(((h & 1) ? 0x8000 : 0) + (h >> 1) +
		               (uint8_t)f->name[i]);
		h = (uint16_t)(((h & 1) ? 0x8000 : 0) + (h >> 1));
	}
	put16(st + 4, h);
	put32(st + 8, (uint32_t)f->size);
	put32(st + 12, (uint32_t)(f->size >> 32));
	put32(st + 20, f->ncl ? f->cl[0] : 0);
	put32(st + 24, (uint32_t)f->size);
	put32(st + 28, (uint32_t)(f->size >> 32));
	uint8_t *ne = e + 64;
	ne[0] = 0xc1;
	for (unsigned i = 0; i < len && i < 15; i++)
		put16(ne + 2 + 2 * i, (uint8_t)f->name[i]);
	put16(e + 2, ex_sum(e, 3));
	if (!f->live)
		for (unsigned k = 0; k < 3; k++)
			e[k * 32] &= 0x7f;
}

static void dir_entry(const struct file *f)
{
	if (exfat) {
		dir_entry_exfat(f);
		return;
	}
	uint8_t *e = dir + (size_t)f->slot * 32;
	uint32_t c = f->ncl ? f->cl[0] : 0;
	const char *dot = strchr(f->name, '.');
	memset(e, ' ', 11);
	memcpy(e, f->name, (size_t)(dot - f->name));
	memcpy(e + 8, dot + 1, 3);
	e[11] = 0x20;
	memset(e + 12, 0, 20);
	put16(e + 20, fat32 ? c >> 16 : 0);
	put16(e + 26, c & 0xffff);
	put32(e + 28, (uint32_t)f->size);
	put16(e + 22, 0x6000);      /* 12:00 */
	put16(e + 24, 0x5b81);      /* 2025-12-01 */
	put16(e + 16, 0x5b81);
	put16(e + 18, 0x5b81);
	if (!f->live)
		e[0] = 0xe5;
}

static void open_exfat(const uint8_t *bs)
{
	exfat = fat32 = 1;
	bps = 1u << bs[108];
	cs = bps << bs[109];
	fat_off = le32(bs + 80) * bps;
	fat_len = le32(bs + 84) * bps;
	nfats = bs[110];
	data_off = le32(bs + 88) * bps;
	nclus = le32(bs + 92);
	root_cl = le32(bs + 96);
	uint8_t *rb = malloc(cs);
	if (rb == NULL || pread(fd, rb, cs, cl_off(root_cl)) != (ssize_t)cs)
		die("cannot read the root directory");
	for (uint32_t i = 0; i < cs / 32 && rb[i * 32] != 0; i++) {
		if (rb[i * 32] == 0x81) {
			bitmap_cl = le32(rb + i * 32 + 20);
			bitmap_len = le32(rb + i * 32 + 24);
		}
		dir_base = (i + 1) * 32;
	}
	if (bitmap_cl == 0 || bitmap_len < (nclus + 7) / 8)
		die("no allocation bitmap");
	uint8_t *bm = malloc(bitmap_len), *raw = malloc(fat_len);
	fat = calloc(nclus + 2, sizeof(*fat));
	owner = malloc((nclus + 2) * sizeof(*owner));
	touched = calloc(nclus + 2, 1);
	if (bm == NULL || raw == NULL || fat == NULL || owner == NULL ||
	    touched == NULL)
		die("out of memory");
	if (pread(fd, bm, bitmap_len, cl_off(bitmap_cl)) !=
	    (ssize_t)bitmap_len ||
	    pread(fd, raw, fat_len, fat_off) != (ssize_t)fat_len)
		die("cannot read the bitmap or the FAT");
	for (uint32_t c = 0; c < nclus + 2; c++) {
		owner[c] = -1;
		if (c < 2)
			continue;
		/* in use: its FAT entry, or an end mark for a cluster of a
		 * structure kept without a chain */
		int used = (bm[(c - 2) / 8] >> ((c - 2) % 8)) & 1;
		uint32_t v = le32(raw + 4 * c);
		fat[c] = used ? (v ? v : 0xffffffff) : 0;
		if (!used)
			nfree++;
	}
	free(bm);
	free(raw);
	/* the root grown to 1024 sets of three entries, the way a driver
	 * grows it: its chain goes on from its first cluster */
	if (fat[root_cl] != 0xffffffff)
		die("unexpected root directory");
	ndir_cl = (dir_base + 1024 * 96 + cs - 1) / cs;
	dir_cl = malloc(ndir_cl * sizeof(*dir_cl));
	dir = calloc(ndir_cl, cs);
	if (dir_cl == NULL || dir == NULL)
		die("out of memory");
	memcpy(dir, rb, dir_base);
	free(rb);
	dir_cl[0] = root_cl;
	touched[root_cl] = 1;
	next_free = root_cl + 1;
	for (unsigned i = 1; i < ndir_cl; i++) {
		dir_cl[i] = alloc_cluster();
		fat[dir_cl[i - 1]] = dir_cl[i];
	}
	dir_slots = (ndir_cl * cs - dir_base) / 96;
	dir_used = 0;
}

static void close_exfat(void)
{
	uint8_t *raw = malloc(fat_len), *bm = calloc(1, bitmap_len);
	if (raw == NULL || bm == NULL)
		die("out of memory");
	if (pread(fd, raw, fat_len, fat_off) != (ssize_t)fat_len)
		die("cannot read the FAT");
	for (uint32_t c = 2; c < nclus + 2; c++) {
		if (touched[c])
			put32(raw + 4 * c, fat[c]);
		if (fat[c] != 0)
			bm[(c - 2) / 8] |= (uint8_t)(1 << ((c - 2) % 8));
	}
	for (uint32_t i = 0; i < nfats; i++)
		pwrite_all(raw, fat_len, fat_off + (uint64_t)i * fat_len);
	pwrite_all(bm, bitmap_len, cl_off(bitmap_cl));
	free(raw);
	free(bm);
	for (unsigned i = 0; i < nfiles; i++)
		dir_entry(&files[i]);
	for (unsigned i = 0; i < ndir_cl; i++)
		pwrite_all(dir + (size_t)i * cs, cs, cl_off(dir_cl[i]));
	close(fd);
}

static void open_volume(const char *img)
{
	uint8_t bs[512];
	fd = open(img, O_RDWR);
	if (fd < 0 || pread(fd, bs, 512, 0) != 512)
		die("cannot read the boot sector");
	if (memcmp(bs + 3, "EXFAT   ", 8) == 0) {
		open_exfat(bs);
		return;
	}
	bps = le16(bs + 11);
	cs = bps * bs[13];
	uint32_t res = le16(bs + 14);
	nfats = bs[16];
	uint32_t rootents = le16(bs + 17);
	uint32_t tot = le16(bs + 19) ? le16(bs + 19) : le32(bs + 32);
	uint32_t fatsz = le16(bs + 22) ? le16(bs + 22) : le32(bs + 36);
	uint32_t rootsec = (rootents * 32 + bps - 1) / bps;
	fat_off = res * bps;
	fat_len = fatsz * bps;
	root_off = (res + nfats * fatsz) * bps;
	data_off = root_off + rootsec * bps;
	nclus = (tot - res - nfats * fatsz - rootsec) / bs[13];
	fat32 = le16(bs + 22) == 0;
	if (!fat32 && nclus < 4085)
		die("FAT12 is not played");
	root_cl = fat32 ? le32(bs + 44) : 0;
	root_slots = rootents;
	uint8_t *raw = malloc(fat_len);
	fat = calloc(nclus + 2, sizeof(*fat));
	owner = malloc((nclus + 2) * sizeof(*owner));
	if (raw == NULL || fat == NULL || owner == NULL)
		die("out of memory");
	if (pread(fd, raw, fat_len, fat_off) != (ssize_t)fat_len)
		die("cannot read the FAT");
	for (uint32_t c = 0; c < nclus + 2; c++) {
		fat[c] = fat32 ? le32(raw + 4 * c) & 0x0fffffff : le16(raw + 2 * c);
		owner[c] = -1;
		if (c >= 2 && fat[c] == 0)
			nfree++;
	}
	free(raw);
	if (fat32) {
		/* A root of 1024 entries, grown the way a driver grows it. */
		if (fat[root_cl] == 0 || root_cl != 2)
			die("unexpected root cluster");
		ndir_cl = (1024 * 32 + cs - 1) / cs;
		dir_cl = malloc(ndir_cl * sizeof(*dir_cl));
		dir_cl[0] = root_cl;
		next_free = root_cl + 1;
		for (unsigned i = 1; i < ndir_cl; i++) {
			dir_cl[i] = alloc_cluster();
			fat[dir_cl[i - 1]] = dir_cl[i];
		}
		dir_slots = ndir_cl * cs / 32;
	} else {
		dir_slots = root_slots;
	}
	dir = calloc(dir_slots, 32);
	if (dir == NULL)
		die("out of memory");
	/* keep the label entry mkfs wrote */
	uint8_t first[32];
	if (pread(fd, first, 32, fat32 ? cl_off(root_cl) : root_off) == 32 &&
	    first[11] == 0x08) {
		memcpy(dir, first, 32);
		dir_used = 1;
	}
}

static void close_volume(void)
{
	if (exfat) {
		close_exfat();
		return;
	}
	uint8_t *raw = calloc(1, fat_len);
	if (raw == NULL)
		die("out of memory");
	for (uint32_t c = 0; c < nclus + 2; c++) {
		if (fat32)
			put32(raw + 4 * c, fat[c]);
		else
			put16(raw + 2 * c, fat[c]);
	}
	if (fat32) {
		put32(raw, 0x0ffffff8);
		put32(raw + 4, 0x0fffffff);
	} else {
		put16(raw, 0xfff8);
		put16(raw + 2, 0xffff);
	}
	for (uint32_t i = 0; i < nfats; i++)
		pwrite_all(raw, fat_len, fat_off + (uint64_t)i * fat_len);
	free(raw);
	for (unsigned i = 0; i < nfiles; i++)
		dir_entry(&files[i]);
	if (fat32) {
		for (unsigned i = 0; i < ndir_cl; i++)
			pwrite_all(dir + (size_t)i * cs, cs, cl_off(dir_cl[i]));
		uint8_t fsi[512];
		if (pread(fd, fsi, 512, bps) == 512 &&
		    le32(fsi) == 0x41615252) {
			put32(fsi + 488, nfree);
			put32(fsi + 492, next_free - 1 >= 2 ? next_free - 1 : 2);
			pwrite_all(fsi, 512, bps);
		}
	} else {
		pwrite_all(dir, (size_t)root_slots * 32, root_off);
	}
	close(fd);
}

static void record(struct file **ch, unsigned n, unsigned chunk_max)
{
	uint32_t need = 0;
	uint64_t big = 1;
	for (unsigned i = 0; i < n; i++) {
		need += clusters_of(ch[i]->size);
		if (ch[i]->size > big)
			big = ch[i]->size;
	}
	while (nfree < need + 1)
		if (!delete_oldest())
			die("a recording does not fit on the card");
	for (;;) {
		int more = 0;
		for (unsigned i = 0; i < n; i++) {
			struct file *f = ch[i];
			/* chunks in proportion to the channel's bit rate */
			uint64_t m = n > 1 ? chunk_max * f->size / big : 0;
			unsigned k = n > 1 ? 1 + (unsigned)(rng_next() % (m ? m : 1))
			             : UINT32_MAX;
			while (k-- > 0 && f->done < f->size)
				write_cluster(f, (unsigned)(f - files));
			more |= f->done < f->size;
		}
		if (!more)
			break;
	}
}

int main(int argc, char **argv)
{
	if (argc < 6)
		die("usage: mkdashcam IMG SEED OUTDIR [-fill BYTES] [-cut N] "
		    "[-event N] [-keep N] [-chunk MAX] pair|single CLIP...");
	const char *img = argv[1], *out = argv[3];
	uint64_t fill = 0;
	unsigned cut = 0, event = 0, keep = 3, chunk = 16;
	int a = 4;
	rng_state = strtoull(argv[2], NULL, 0) * 0x9e3779b97f4a7c15ull + 1;
	for (; a + 1 < argc && argv[a][0] == '-'; a += 2) {
		uint64_t v = strtoull(argv[a + 1], NULL, 0);
		if (strcmp(argv[a], "-fill") == 0) fill = v;
		else if (strcmp(argv[a], "-cut") == 0) cut = (unsigned)v;
		else if (strcmp(argv[a], "-event") == 0) event = (unsigned)v;
		else if (strcmp(argv[a], "-keep") == 0) keep = (unsigned)v;
		else if (strcmp(argv[a], "-chunk") == 0) chunk = (unsigned)v;
		else die("unknown option");
	}
	if (a >= argc || chunk == 0)
		die("no mode");
	int pair = strcmp(argv[a], "pair") == 0;
	if (!pair && strcmp(argv[a], "single") != 0)
		die("mode is pair or single");
	a++;
	open_volume(img);

	if (fill > 0) {
		struct file *f = new_file("fill", 0, 'M', NULL);
		f->size = fill;
		f->data = malloc(fill);
		if (f->data == NULL)
			die("out of memory");
		for (uint64_t i = 0; i < fill; i += 8) {
			uint64_t r = rng_next();
			memcpy(f->data + i, &r, fill - i < 8 ? fill - i : 8);
		}
		f->event = 1;
		record(&f, 1, 1);
	}
	unsigned rec = 1;
	for (; a < argc; rec++) {
		struct file *ch[2];
		unsigned n = pair ? 2 : 1;
		if (a + (int)n > argc)
			die("a front clip without its rear");
		int is_event = event && rec % event == 0;
		int is_cut = cut && !is_event && rec % cut == 0;
		ch[0] = new_file(pair ? "front" : "single", rec, 'F', argv[a++]);
		if (pair)
			ch[1] = new_file("rear", rec, 'R', argv[a++]);
		for (unsigned i = 0; i < n; i++) {
			ch[i]->event = is_event;
			ch[i]->cut = is_cut;
			if (is_cut)
				cut_clip(ch[i]);
		}
		record(ch, n, chunk);
	}
	/* The user deletes some of what is left. */
	for (unsigned r = 1; keep && r < rec; r++) {
		if (rng_next() % keep != 0)
			continue;
		for (unsigned i = 0; i < nfiles; i++)
			if (files[i].rec == r && files[i].live && !files[i].event)
				delete_file(&files[i]);
	}
	close_volume();

	char path[4096];
	snprintf(path, sizeof(path), "%s/truth", out);
	mkdir(out, 0755);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/manifest", out);
	FILE *m = fopen(path, "w");
	if (m == NULL)
		die("cannot write the manifest");
	for (unsigned i = 0; i < nfiles; i++) {
		struct file *f = &files[i];
		int survives = 1;
		for (unsigned k = 0; k < f->ncl; k++)
			if (owner[f->cl[k]] != (int)i)
				survives = 0;
		fprintf(m, "%s %s %u %u %u %s %d %llu ", f->name, f->kind, f->rec,
		        f->event, f->cut, f->live ? "live" : "deleted", survives,
		        (unsigned long long)f->size);
		for (unsigned k = 0; k < f->ncl;) {
			unsigned j = k + 1;
			while (j < f->ncl && f->cl[j] == f->cl[j - 1] + 1)
				j++;
			fprintf(m, "%s%u+%u", k ? "," : "", f->cl[k], j - k);
			k = j;
		}
		fputc('\n', m);
		if (strcmp(f->kind, "fill") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/truth/%s", out, f->name);
		FILE *t = fopen(path, "wb");
		if (t == NULL || fwrite(f->data, 1, f->size, t) != f->size ||
		    fclose(t) != 0)
			die("cannot write the truth");
	}
	if (fclose(m) != 0)
		die("cannot write the manifest");
	return 0;
}

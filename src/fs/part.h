/*
 * part.h - MBR and GPT partition tables.
 *
 * part_read finds how a source is divided: a GPT (header and entry array
 * CRCs checked, the backup header at the disk's end used when the primary
 * is damaged), an MBR with primary partitions and logical ones chained
 * through EBRs in an extended partition (the chain is bounded and
 * loop-safe), or nothing (a "superfloppy" volume starting at byte 0, as on
 * many camera-formatted sticks).  Each partition is probed for a FAT or
 * exFAT boot sector.  Partitions are numbered as Linux numbers them: MBR
 * primaries 1-4, logicals from 5, GPT entries by slot from 1.
 */
#ifndef DREDGE_FS_PART_H
#define DREDGE_FS_PART_H

#include <stddef.h>
#include <stdint.h>

#include "fs/fs.h"

#define PART_MAX 128

enum part_scheme {
	PART_NONE = 0,
	PART_MBR,
	PART_GPT,
};

struct part_entry {
	unsigned index;          /* the N of -p N */
	uint64_t start;          /* source bytes */
	uint64_t size;
	uint8_t mbr_type;        /* MBR: partition type; GPT: 0 */
	uint8_t type_guid[16];   /* GPT: type GUID as stored */
	char name[112];          /* GPT: partition name (UTF-8) */
	int logical;             /* MBR: inside an extended partition */
	int extended;            /* MBR: an extended partition (container) */
	enum fs_type fs;         /* what its first sector looks like */
};

struct part_table {
	enum part_scheme scheme;
	uint32_t sector_size;    /* the table's logical sector size */
	uint32_t disk_signature; /* MBR */
	uint8_t disk_guid[16];   /* GPT */
	int gpt_backup;          /* GPT: read from the backup header */
	enum fs_type whole_fs;   /* PART_NONE: what sector 0 holds */
	unsigned n;
	struct part_entry e[PART_MAX];
};

/*
 * Reads the partition table of the source src (size bytes).  Anomalies go
 * to warn (may be NULL).  Returns 0 (pt->scheme may be PART_NONE) or
 * -errno with a reason in err.
 */
int part_read(const struct source *src, uint64_t size, struct part_table *pt,
              fs_warn_fn warn, void *warn_arg, char *err, size_t errlen);

/* "FAT32 (LBA)", "Microsoft basic data", ...: a name for the type. */
const char *part_type_name(const struct part_table *pt,
                           const struct part_entry *e);

/* Formats a GPT GUID (mixed-endian on disk) as text. */
void part_guid_str(const uint8_t *g, char *buf, size_t len);

/*
 * Chooses the volume to open: partition index (0: choose by itself: the
 * superfloppy volume, or the only FAT/exFAT partition).  Sets *off and
 * *len; returns 0, or -errno with a reason in err.
 */
int part_select(const struct part_table *pt, uint64_t source_size,
                unsigned index, uint64_t *off, uint64_t *len, char *err,
                size_t errlen);

#endif

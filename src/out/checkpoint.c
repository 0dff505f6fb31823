/*
 * checkpoint.c - saving and loading a scan's checkpoint as "key value"
 * lines, a format a person can read when a resume is refused.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out/checkpoint.h"

#define CHECKPOINT_TMP ".dredge-checkpoint.tmp"
#define CHECKPOINT_MAGIC "dredge-checkpoint 1"

int checkpoint_add_bad(struct checkpoint *ck, uint64_t off, uint64_t len)
{
	if (ck->nbad == ck->capbad) {
		size_t cap = ck->capbad ? ck->capbad * 2 : 64;
		struct checkpoint_range *nb = realloc(ck->bad, cap * sizeof(*nb));
		if (nb == NULL)
			return -ENOMEM;
		ck->bad = nb;
		ck->capbad = cap;
	}
	ck->bad[ck->nbad].off = off;
	ck->bad[ck->nbad++].len = len;
	return 0;
}

void checkpoint_clear(struct checkpoint *ck)
{
	free(ck->bad);
	ck->bad = NULL;
	ck->nbad = ck->capbad = 0;
}

int checkpoint_save(int dirfd, const struct checkpoint *ck)
{
	int fd = openat(dirfd, CHECKPOINT_TMP, O_WRONLY | O_CREAT | O_TRUNC |
	                O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(fd, "w");
	if (f == NULL) {
		int e = errno;
		close(fd);
		return -e;
	}
	fprintf(f, CHECKPOINT_MAGIC "\n"
	        "source_size %" PRIu64 "\nsource_sample %016" PRIx64 "\n"
	        "formats %s\nblock_size %" PRIu32 "\nany_offset %d\n"
	        "keep_embedded %d\nreport_only %d\n"
	        "fs %d\nunallocated %d\nclusters %" PRIu32 " %" PRIu32 "\n"
	        "volume %" PRIu64 "\n"
	        "resume_offset %" PRIu64 "\ncover_hi %" PRIu64 "\n"
	        "trunc_end %" PRIu64 "\ntrunc_fmt %u\n"
	        "next_id %" PRIu64 "\nfiles %" PRIu64 "\ntruncated %" PRIu64
	        "\nduplicates %" PRIu64 "\nfiles_unreadable %" PRIu64
	        "\nxml_len %" PRIu64 "\njsonl_len %" PRIu64 "\n",
	        ck->source_size, ck->source_sample, ck->formats,
	        ck->block_size, ck->any_offset, ck->keep_embedded,
	        ck->report_only, ck->fs, ck->unallocated, ck->cluster_first,
	        ck->cluster_last, ck->volume, ck->resume_offset, ck->cover_hi,
	        ck->trunc_end, ck->trunc_fmt, ck->count.next_id,
	        ck->count.files, ck->count.truncated, ck->count.duplicates,
	        ck->count.files_unreadable,
	        ck->xml_len, ck->jsonl_len);
	for (unsigned i = 0; i < ck->count.ntypes; i++)
		fprintf(f, "type %s %" PRIu64 "\n", ck->count.per_type[i].ext,
		        ck->count.per_type[i].count);
	for (size_t i = 0; i < ck->nbad; i++)
		fprintf(f, "bad %" PRIu64 " %" PRIu64 "\n", ck->bad[i].off,
		        ck->bad[i].len);
	fputs("end\n", f);
	int rc = 0;
	if (fflush(f) != 0 || ferror(f) || fsync(fd) != 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && renameat(dirfd, CHECKPOINT_TMP, dirfd, CHECKPOINT_NAME) != 0)
		rc = -errno;
	if (rc == 0)
		fsync(dirfd);
	else
		unlinkat(dirfd, CHECKPOINT_TMP, 0);
	return rc;
}

int checkpoint_load(int dirfd, struct checkpoint *ck)
{
	char line[640];
	int fd = openat(dirfd, CHECKPOINT_NAME, O_RDONLY | O_CLOEXEC);

	memset(ck, 0, sizeof(*ck));
	ck->volume = UINT64_MAX;   /* checkpoints from before file systems */
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return -ENOMEM;
	}
	int ended = 0, magic = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char key[32], val[600];
		line[strcspn(line, "\n")] = '\0';
		if (!magic) {
			magic = strcmp(line, CHECKPOINT_MAGIC) == 0;
			if (!magic)
				break;
			continue;
		}
		if (strcmp(line, "end") == 0) {
			ended = 1;
			break;
		}
		val[0] = '\0';
		if (sscanf(line, "%31s %599[^\n]", key, val) < 1)
			break;
#define U64(name) else if (strcmp(key, #name) == 0) \
	ck->name = strtoull(val, NULL, 10)
#define INT(name) else if (strcmp(key, #name) == 0) \
	ck->name = atoi(val)
#define COUNT(name) else if (strcmp(key, #name) == 0) \
	ck->count.name = strtoull(val, NULL, 10)
		if (strcmp(key, "source_sample") == 0)
			ck->source_sample = strtoull(val, NULL, 16);
		else if (strcmp(key, "formats") == 0)
			snprintf(ck->formats, sizeof(ck->formats), "%s", val);
		else if (strcmp(key, "block_size") == 0)
			ck->block_size = (uint32_t)strtoul(val, NULL, 10);
		else if (strcmp(key, "clusters") == 0)
			sscanf(val, "%" SCNu32 " %" SCNu32, &ck->cluster_first,
			       &ck->cluster_last);
		U64(source_size);
		U64(volume);
		U64(resume_offset);
		U64(cover_hi);
		U64(trunc_end);
		INT(trunc_fmt);
		COUNT(next_id);
		COUNT(files);
		COUNT(truncated);
		COUNT(duplicates);
		COUNT(files_unreadable);
		U64(xml_len);
		U64(jsonl_len);
		INT(any_offset);
		INT(keep_embedded);
		INT(report_only);
		INT(fs);
		INT(unallocated);
		else if (strcmp(key, "type") == 0 &&
		         ck->count.ntypes < CHECKPOINT_MAX_TYPES) {
			char ext[16];
			uint64_t n;
			if (sscanf(val, "%15s %" SCNu64, ext, &n) == 2) {
				unsigned t = ck->count.ntypes++;
				memcpy(ck->count.per_type[t].ext, ext, sizeof(ext));
				ck->count.per_type[t].count = n;
			}
		} else if (strcmp(key, "bad") == 0) {
			uint64_t off, len;
			if (sscanf(val, "%" SCNu64 " %" SCNu64, &off, &len) == 2 &&
			    checkpoint_add_bad(ck, off, len) != 0)
				break;
		}
#undef U64
#undef INT
#undef COUNT
	}
	fclose(f);
	if (!(magic && ended)) {
		checkpoint_clear(ck);
		return -EINVAL;
	}
	return 0;
}

void checkpoint_remove(int dirfd)
{
	unlinkat(dirfd, CHECKPOINT_NAME, 0);
}

int checkpoint_compare(const struct checkpoint *have,
                       const struct checkpoint *want, char *why, size_t len)
{
	if (have->source_size != want->source_size) {
		snprintf(why, len, "the source is %" PRIu64 " bytes, but the "
		         "interrupted scan read one of %" PRIu64 " bytes",
		         want->source_size, have->source_size);
		return -EINVAL;
	}
	if (have->source_sample != want->source_sample) {
		snprintf(why, len, "the source's first MiB differs from the "
		         "interrupted scan's source");
		return -EINVAL;
	}
	if (strcmp(have->formats, want->formats) != 0) {
		snprintf(why, len, "--types differs: the interrupted scan used "
		         "'%s', this one '%s'", have->formats, want->formats);
		return -EINVAL;
	}
	if (have->block_size != want->block_size) {
		snprintf(why, len, "--block-size differs: the interrupted scan "
		         "used %" PRIu32 ", this one %" PRIu32, have->block_size,
		         want->block_size);
		return -EINVAL;
	}
#define FLAG(name, opt)                                                     \
	if (have->name != want->name) {                                     \
		snprintf(why, len, "%s differs: the interrupted scan ran %s " \
		         "it, this one %s it", opt,                                 \
		         have->name ? "with" : "without",                           \
		         want->name ? "with" : "without");                  \
		return -EINVAL;                                             \
	}
	FLAG(any_offset, "--any-offset")
	FLAG(keep_embedded, "--keep-embedded")
	FLAG(report_only, "--report-only")
	FLAG(fs, "--fs")
	FLAG(unallocated, "--unallocated")
#undef FLAG
	if (have->cluster_first != want->cluster_first ||
	    have->cluster_last != want->cluster_last) {
		char a[32] = "all clusters", b[32] = "all clusters";
		if (have->cluster_first || have->cluster_last)
			snprintf(a, sizeof(a), "%" PRIu32 "-%" PRIu32,
			         have->cluster_first, have->cluster_last);
		if (want->cluster_first || want->cluster_last)
			snprintf(b, sizeof(b), "%" PRIu32 "-%" PRIu32,
			         want->cluster_first, want->cluster_last);
		snprintf(why, len, "--clusters differs: the interrupted scan "
		         "used %s, this one %s", a, b);
		return -EINVAL;
	}
	if (have->volume != want->volume) {
		char a[64] = "the whole source", b[64] = "the whole source";
		if (have->volume != UINT64_MAX)
			snprintf(a, sizeof(a), "the volume at byte %" PRIu64,
			         have->volume);
		if (want->volume != UINT64_MAX)
			snprintf(b, sizeof(b), "the volume at byte %" PRIu64,
			         want->volume);
		snprintf(why, len, "the volume differs (-p, --offset): the "
		         "interrupted scan carved %s, this one %s", a, b);
		return -EINVAL;
	}
	return 0;
}

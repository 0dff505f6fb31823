/*
 * checkpoint.c - saving and loading a scan's checkpoint as "key value"
 * lines, a format a person can read when a resume is refused.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "out/checkpoint.h"
#include "out/digest.h"
#include "out/regular.h"
#include "out/report_read.h"

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
	        "keep_embedded %d\nreport_only %d\nhashes %u\n"
	        "fs %d\nunallocated %d\nclusters %" PRIu32 " %" PRIu32 "\n"
	        "volume %" PRIu64 "\nshard %u %u\n"
	        "resume_offset %" PRIu64 "\ncover_hi %" PRIu64 "\n"
	        "trunc_end %" PRIu64 "\ntrunc_fmt %u\nfrag_spent %" PRIu64 "\n"
	        "next_id %" PRIu64 "\nfiles %" PRIu64 "\ntruncated %" PRIu64
	        "\nduplicates %" PRIu64 "\nfiles_unreadable %" PRIu64
	        "\nxml_len %" PRIu64 "\njsonl_len %" PRIu64 "\n",
	        ck->source_size, ck->source_sample, ck->formats,
	        ck->block_size, ck->any_offset, ck->keep_embedded,
	        ck->report_only, ck->hashes, ck->fs, ck->unallocated,
	        ck->cluster_first, ck->cluster_last, ck->volume, ck->shard_index,
	        ck->shard_count, ck->resume_offset, ck->cover_hi,
	        ck->trunc_end, ck->trunc_fmt, ck->frag_spent, ck->count.next_id,
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

/* Parses a whole unsigned decimal (or, with base 16, hex) number no
 * larger than max: no sign, no space, nothing after it.  0 or -1. */
static int parse_u64(const char *s, int base, uint64_t max, uint64_t *out)
{
	char *end;

	if (!(base == 16 ? isxdigit((unsigned char)*s) : isdigit((unsigned char)*s)))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The scalar fields, each required exactly once. */
enum { F_SIZE, F_SAMPLE, F_FORMATS, F_BLOCK, F_ANY, F_KEEP, F_RONLY, F_FS,
       F_UNALLOC, F_CLUSTERS, F_VOLUME, F_RESUME, F_COVER, F_TEND, F_TFMT,
       F_NEXT, F_FILES, F_TRUNC, F_DUPS, F_FUNREAD, F_XML, F_JSONL, F_HASHES,
       F_SHARD, F_FRAG, F_N };
static const char *const field_name[F_N] = {
	"source_size", "source_sample", "formats", "block_size", "any_offset",
	"keep_embedded", "report_only", "fs", "unallocated", "clusters",
	"volume", "resume_offset", "cover_hi", "trunc_end", "trunc_fmt",
	"next_id", "files", "truncated", "duplicates", "files_unreadable",
	"xml_len", "jsonl_len", "hashes", "shard", "frag_spent",
};

/* Fields older checkpoints lack; they keep the values that meant then. */
#define OPTIONAL ((1u << F_FS) | (1u << F_UNALLOC) | (1u << F_CLUSTERS) | \
                  (1u << F_VOLUME) | (1u << F_FUNREAD) | (1u << F_HASHES) | \
                  (1u << F_SHARD) | (1u << F_FRAG))

/* Reads one "key value" line into ck; 0, or -1 with the reason in ck. */
static int load_line(struct checkpoint *ck, const char *key, const char *val,
                     unsigned *seen)
{
	uint64_t v, w;
	int f;

	if (strcmp(key, "type") == 0) {
		char ext[16], num[32];
		if (ck->count.ntypes >= CHECKPOINT_MAX_TYPES ||
		    sscanf(val, "%15s %31s", ext, num) != 2 ||
		    parse_u64(num, 10, UINT64_MAX, &v) != 0) {
			snprintf(ck->error, sizeof(ck->error), "its type line "
			         "'%.60s' is not a type and a count", val);
			return -1;
		}
		memcpy(ck->count.per_type[ck->count.ntypes].ext, ext, sizeof(ext));
		ck->count.per_type[ck->count.ntypes++].count = v;
		return 0;
	}
	if (strcmp(key, "bad") == 0) {
		char a[32], b[32];
		if (sscanf(val, "%31s %31s", a, b) != 2 ||
		    parse_u64(a, 10, UINT64_MAX, &v) != 0 ||
		    parse_u64(b, 10, UINT64_MAX, &w) != 0) {
			snprintf(ck->error, sizeof(ck->error), "its bad line "
			         "'%.60s' is not an offset and a length", val);
			return -1;
		}
		if (checkpoint_add_bad(ck, v, w) != 0) {
			snprintf(ck->error, sizeof(ck->error), "out of memory");
			return -1;
		}
		return 0;
	}
	for (f = 0; f < F_N && strcmp(key, field_name[f]) != 0; f++)
		;
	if (f == F_N) {
		snprintf(ck->error, sizeof(ck->error), "it has an unknown field "
		         "'%.40s'", key);
		return -1;
	}
	if (*seen & (1u << f)) {
		snprintf(ck->error, sizeof(ck->error), "its field %s appears "
		         "twice", key);
		return -1;
	}
	*seen |= 1u << f;
	if (f == F_FORMATS) {
		if (strlen(val) >= sizeof(ck->formats))
			goto bad;
		snprintf(ck->formats, sizeof(ck->formats), "%s", val);
		return 0;
	}
	if (f == F_SHARD) {
		char a[32], b[32];
		if (sscanf(val, "%31s %31s", a, b) != 2 ||
		    parse_u64(a, 10, 1u << 20, &v) != 0 ||
		    parse_u64(b, 10, 1u << 20, &w) != 0 || v > w ||
		    (w != 0 && v == 0))
			goto bad;
		ck->shard_index = (unsigned)v;
		ck->shard_count = (unsigned)w;
		return 0;
	}
	if (f == F_CLUSTERS) {
		char a[32], b[32];
		if (sscanf(val, "%31s %31s", a, b) != 2 ||
		    parse_u64(a, 10, UINT32_MAX, &v) != 0 ||
		    parse_u64(b, 10, UINT32_MAX, &w) != 0)
			goto bad;
		ck->cluster_first = (uint32_t)v;
		ck->cluster_last = (uint32_t)w;
		return 0;
	}
	uint64_t max = UINT64_MAX;
	if (f == F_ANY || f == F_KEEP || f == F_RONLY || f == F_FS ||
	    f == F_UNALLOC)
		max = 1;
	else if (f == F_BLOCK || f == F_TFMT)
		max = UINT32_MAX;
	else if (f == F_HASHES)
		max = (1u << DIGEST_N) - 1;
	if (parse_u64(val, f == F_SAMPLE ? 16 : 10, max, &v) != 0)
		goto bad;
	switch (f) {
	case F_SIZE: ck->source_size = v; break;
	case F_SAMPLE: ck->source_sample = v; break;
	case F_BLOCK: ck->block_size = (uint32_t)v; break;
	case F_ANY: ck->any_offset = (int)v; break;
	case F_KEEP: ck->keep_embedded = (int)v; break;
	case F_RONLY: ck->report_only = (int)v; break;
	case F_FS: ck->fs = (int)v; break;
	case F_UNALLOC: ck->unallocated = (int)v; break;
	case F_VOLUME: ck->volume = v; break;
	case F_RESUME: ck->resume_offset = v; break;
	case F_COVER: ck->cover_hi = v; break;
	case F_TEND: ck->trunc_end = v; break;
	case F_TFMT: ck->trunc_fmt = (unsigned)v; break;
	case F_NEXT: ck->count.next_id = v; break;
	case F_FILES: ck->count.files = v; break;
	case F_TRUNC: ck->count.truncated = v; break;
	case F_DUPS: ck->count.duplicates = v; break;
	case F_FUNREAD: ck->count.files_unreadable = v; break;
	case F_XML: ck->xml_len = v; break;
	case F_JSONL: ck->jsonl_len = v; break;
	case F_HASHES: ck->hashes = (unsigned)v; break;
	case F_FRAG: ck->frag_spent = v; break;
	default: break;
	}
	return 0;
bad:
	snprintf(ck->error, sizeof(ck->error), "its %s '%.40s' is not a value "
	         "dredge writes", key, val);
	return -1;
}

int checkpoint_load(int dirfd, struct checkpoint *ck)
{
	char line[640];
	int fd = openat_regular(dirfd, CHECKPOINT_NAME, NULL);

	memset(ck, 0, sizeof(*ck));
	ck->volume = UINT64_MAX;   /* checkpoints from before file systems */
	if (fd < 0) {
		int e = errno;
		snprintf(ck->error, sizeof(ck->error), "%s", regular_error(e));
		return -e;
	}
	FILE *f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return -ENOMEM;
	}
	int ended = 0, magic = 0, failed = 0;
	unsigned seen = 0;
	while (!failed && fgets(line, sizeof(line), f) != NULL) {
		char key[32], val[600];
		if (strchr(line, '\n') == NULL) {
			snprintf(ck->error, sizeof(ck->error), "a line is too "
			         "long or unfinished");
			failed = 1;
			break;
		}
		line[strcspn(line, "\n")] = '\0';
		if (!magic) {
			magic = strcmp(line, CHECKPOINT_MAGIC) == 0;
			if (!magic) {
				snprintf(ck->error, sizeof(ck->error), "it does not "
				         "begin with '" CHECKPOINT_MAGIC "'");
				failed = 1;
			}
			continue;
		}
		if (strcmp(line, "end") == 0) {
			ended = 1;
			break;
		}
		val[0] = '\0';
		if (sscanf(line, "%31s %599[^\n]", key, val) < 1 ||
		    load_line(ck, key, val, &seen) != 0)
			failed = 1;
	}
	fclose(f);
	if (!failed && !magic)
		snprintf(ck->error, sizeof(ck->error), "it is empty");
	else if (!failed && !ended)
		snprintf(ck->error, sizeof(ck->error), "it ends before its "
		         "'end' line");
	else if (!failed && (seen | OPTIONAL) != (1u << F_N) - 1)
		for (int i = 0; i < F_N; i++)
			if (!((seen | OPTIONAL) & (1u << i))) {
				snprintf(ck->error, sizeof(ck->error), "its field "
				         "%s is missing", field_name[i]);
				break;
			}
	if (ck->error[0] != '\0') {
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
	return checkpoint_compare_as(have, want, "the interrupted scan",
	                             "this one", why, len);
}

int checkpoint_compare_as(const struct checkpoint *have,
                          const struct checkpoint *want, const char *hn,
                          const char *wn, char *why, size_t len)
{
	if (have->source_size != want->source_size) {
		snprintf(why, len, "the source is %" PRIu64 " bytes, but %s read "
		         "one of %" PRIu64 " bytes", want->source_size, hn,
		         have->source_size);
		return -EINVAL;
	}
	if (have->source_sample != want->source_sample) {
		snprintf(why, len, "the source's first MiB differs from %s's "
		         "source", hn);
		return -EINVAL;
	}
	if (strcmp(have->formats, want->formats) != 0) {
		snprintf(why, len, "--types differs: %s used '%s', %s '%s'", hn,
		         have->formats, wn, want->formats);
		return -EINVAL;
	}
	if (have->block_size != want->block_size) {
		snprintf(why, len, "--block-size differs: %s used %" PRIu32
		         ", %s %" PRIu32, hn, have->block_size, wn,
		         want->block_size);
		return -EINVAL;
	}
#define FLAG(name, opt)                                                     \
	if (have->name != want->name) {                                     \
		snprintf(why, len, "%s differs: %s ran %s it, %s %s it", opt, \
		         hn, have->name ? "with" : "without", wn,                   \
		         want->name ? "with" : "without");                  \
		return -EINVAL;                                             \
	}
	FLAG(any_offset, "--any-offset")
	FLAG(keep_embedded, "--keep-embedded")
	FLAG(report_only, "--report-only")
	if (have->hashes != want->hashes) {
		char a[32], b[32];
		snprintf(why, len, "--hash differs: the interrupted scan used "
		         "'%s', this one '%s'",
		         dredge_hash_names(have->hashes, a, sizeof(a)),
		         dredge_hash_names(want->hashes, b, sizeof(b)));
		return -EINVAL;
	}
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
		snprintf(why, len, "--clusters differs: %s used %s, %s %s", hn,
		         a, wn, b);
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
		snprintf(why, len, "the volume differs (-p, --offset): %s "
		         "carved %s, %s %s", hn, a, wn, b);
		return -EINVAL;
	}
	if (have->shard_count != want->shard_count ||
	    have->shard_index != want->shard_index) {
		char a[48] = "the whole source", b[48] = "the whole source";
		if (have->shard_count)
			snprintf(a, sizeof(a), "shard %u/%u", have->shard_index,
			         have->shard_count);
		if (want->shard_count)
			snprintf(b, sizeof(b), "shard %u/%u", want->shard_index,
			         want->shard_count);
		snprintf(why, len, "--shard differs: %s scanned %s, %s %s", hn,
		         a, wn, b);
		return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------ checking */

/* What the first jsonl_len bytes of report.jsonl hold. */
struct tally {
	uint64_t entries, files, duplicates, truncated, unreadable;
	uint64_t last_id;
	unsigned ntypes;
	struct {
		char ext[16];
		uint64_t n;
	} types[CHECKPOINT_MAX_TYPES];
};

static void tally_type(struct tally *t, const char *ext)
{
	unsigned i;

	for (i = 0; i < t->ntypes && strcmp(t->types[i].ext, ext) != 0; i++)
		;
	if (i == t->ntypes) {
		if (t->ntypes == CHECKPOINT_MAX_TYPES)
			return;
		snprintf(t->types[i].ext, sizeof(t->types[i].ext), "%s", ext);
		t->ntypes++;
	}
	t->types[i].n++;
}

/* The length of file name in dirfd, or -errno. */
static int64_t file_len(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, 0) != 0)
		return -errno;
	return S_ISREG(st.st_mode) ? st.st_size : -EINVAL;
}

/* Counts the entries of report.jsonl's first len bytes into t; 0, or
 * -EINVAL with the reason in why. */
static int tally_jsonl(int dirfd, uint64_t len, struct tally *t, char *why,
                       size_t wlen)
{
	int fd = openat_regular(dirfd, "report.jsonl", NULL);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	char *line = NULL;
	size_t cap = 0;
	uint64_t pos = 0, lineno = 0;
	int rc = 0;

	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		snprintf(why, wlen, "report.jsonl cannot be read: %s",
		         strerror(errno));
		return -EINVAL;
	}
	while (rc == 0 && pos < len) {
		ssize_t n = getline(&line, &cap, f);
		if (n <= 0 || line[n - 1] != '\n' || pos + (uint64_t)n > len) {
			snprintf(why, wlen, "the checkpoint's jsonl_len %" PRIu64
			         " does not end a line of report.jsonl", len);
			rc = -EINVAL;
			break;
		}
		pos += (uint64_t)n;
		lineno++;
		struct report_rec r;
		int k = report_parse_line(line, &r);
		if (k == 1)
			continue;   /* an unreadable range */
		if (k != 0) {
			snprintf(why, wlen, "report.jsonl line %" PRIu64 " is not "
			         "a dredge report entry", lineno);
			rc = -EINVAL;
			break;
		}
		if (r.id != t->last_id + 1) {
			snprintf(why, wlen, "report.jsonl line %" PRIu64 " has id %"
			         PRIu64 " where %" PRIu64 " follows", lineno, r.id,
			         t->last_id + 1);
			rc = -EINVAL;
		} else if (r.duplicate_of >= r.id) {
			snprintf(why, wlen, "report.jsonl line %" PRIu64 " is a "
			         "duplicate of a later entry", lineno);
			rc = -EINVAL;
		}
		t->last_id = r.id;
		t->entries++;
		if (r.duplicate_of != 0) {
			t->duplicates++;
		} else {
			const char *u = strstr(line, "\"unreadable_bytes\":");
			t->files++;
			t->truncated += !r.complete;
			t->unreadable += u != NULL && u[19] != '0';
			tally_type(t, r.type);
		}
		report_rec_free(&r);
	}
	free(line);
	fclose(f);
	return rc;
}

/* Counts "<fileobject>" in report.xml's first len bytes. */
static int count_fileobjects(int dirfd, uint64_t len, uint64_t *n)
{
	static const char tag[] = "<fileobject>";
	enum { T = sizeof(tag) - 1, B = 1 << 16 };
	int fd = openat_regular(dirfd, "report.xml", NULL);
	char *buf = malloc(B + T);
	size_t have = 0;
	uint64_t pos = 0;

	*n = 0;
	if (fd < 0 || buf == NULL) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return -EINVAL;
	}
	while (pos < len) {
		size_t want = len - pos < B ? (size_t)(len - pos) : B;
		ssize_t r = pread(fd, buf + have, want, (off_t)pos);
		if (r <= 0)
			break;
		pos += (uint64_t)r;
		size_t end = have + (size_t)r;
		for (char *p = buf; (p = memmem(p, end - (size_t)(p - buf), tag,
		                                T)) != NULL; p += T)
			(*n)++;
		/* keep a tail shorter than the tag: a tag cut in two */
		have = end < T - 1 ? end : T - 1;
		memmove(buf, buf + end - have, have);
	}
	close(fd);
	free(buf);
	return pos == len ? 0 : -EINVAL;
}

#define FIELD_PAST(name, v, limit, what)                                    \
	if ((v) > (limit)) {                                                \
		snprintf(why, len, "the checkpoint's " name " %" PRIu64     \
		         " lies past %s (%" PRIu64 ")", (uint64_t)(v), what,  \
		         (uint64_t)(limit));                                \
		return -EINVAL;                                             \
	}
#define COUNT_DIFFERS(name, v, real, where)                                 \
	if ((v) != (real)) {                                                \
		snprintf(why, len, "the checkpoint's " name " %" PRIu64     \
		         " differs from report.jsonl's %" PRIu64 " %s",       \
		         (uint64_t)(v), (uint64_t)(real), where);            \
		return -EINVAL;                                             \
	}

/* The checkpoint's counts against what its reports hold. */
static int compare_tally(const struct checkpoint *have, const struct tally *t,
                         int dirfd, char *why, size_t len)
{
	const char *in = "in its first jsonl_len bytes";
	uint64_t objects;

	COUNT_DIFFERS("files", have->count.files, t->files, in)
	COUNT_DIFFERS("duplicates", have->count.duplicates, t->duplicates, in)
	COUNT_DIFFERS("truncated", have->count.truncated, t->truncated, in)
	COUNT_DIFFERS("files_unreadable", have->count.files_unreadable, t->unreadable,
	              in)
	COUNT_DIFFERS("next_id", have->count.next_id, t->last_id + 1,
	              "(the id after its last entry)")
	uint64_t sum = 0;
	for (unsigned i = 0; i < have->count.ntypes; i++) {
		uint64_t real = 0;
		for (unsigned k = 0; k < t->ntypes; k++)
			if (strcmp(t->types[k].ext, have->count.per_type[i].ext) == 0)
				real = t->types[k].n;
		if (have->count.per_type[i].count != real) {
			snprintf(why, len, "the checkpoint's type %s %" PRIu64
			         " differs from report.jsonl's %" PRIu64 " %s",
			         have->count.per_type[i].ext,
			         have->count.per_type[i].count, real, in);
			return -EINVAL;
		}
		sum += real;
	}
	COUNT_DIFFERS("type counts' sum", sum, t->files, in)
	if (count_fileobjects(dirfd, have->xml_len, &objects) != 0 ||
	    objects != t->entries) {
		snprintf(why, len, "the checkpoint's xml_len %" PRIu64 " does "
		         "not match report.xml: its first xml_len bytes hold %"
		         PRIu64 " file objects, report.jsonl %" PRIu64,
		         have->xml_len, objects, t->entries);
		return -EINVAL;
	}
	return 0;
}

int checkpoint_check(int dirfd, const struct checkpoint *have,
                     const struct checkpoint *want, char *why, size_t len)
{
	int rc = checkpoint_compare(have, want, why, len);
	if (rc != 0)
		return rc;

	/* Offsets: within the source and the range this scan reads, and a
	 * resume point where a read may start (a 4096 multiple from the
	 * range's start, for O_DIRECT) or the range's end. */
	uint64_t size = want->source_size;
	FIELD_PAST("resume_offset", have->resume_offset, want->scan_hi,
	           "the end of what this scan reads")
	if (have->resume_offset < want->scan_lo ||
	    ((have->resume_offset - want->scan_lo) % 4096 != 0 &&
	     have->resume_offset != want->scan_hi)) {
		snprintf(why, len, "the checkpoint's resume_offset %" PRIu64
		         " is not where a read of this scan starts",
		         have->resume_offset);
		return -EINVAL;
	}
	FIELD_PAST("cover_hi", have->cover_hi, size, "the source's end")
	FIELD_PAST("trunc_end", have->trunc_end, size, "the source's end")
	unsigned nformats = have->formats[0] != '\0';
	for (const char *c = have->formats; *c; c++)
		nformats += *c == ',';
	if (have->trunc_fmt >= (nformats ? nformats : 1)) {
		snprintf(why, len, "the checkpoint's trunc_fmt %u is not one of "
		         "its %u formats", have->trunc_fmt, nformats);
		return -EINVAL;
	}
	for (size_t i = 0; i < have->nbad; i++) {
		const struct checkpoint_range *b = &have->bad[i];
		if (b->len == 0 || b->off > have->resume_offset ||
		    b->len > have->resume_offset - b->off ||
		    (i > 0 && b->off < have->bad[i - 1].off +
		                        have->bad[i - 1].len)) {
			snprintf(why, len, "the checkpoint's bad range %" PRIu64
			         " %" PRIu64 " is empty, overlaps another, or "
			         "lies past resume_offset", b->off, b->len);
			return -EINVAL;
		}
	}

	/* The reports: at least as long as the checkpoint says (a run
	 * stopped by a signal wrote more: the resume cuts it off), and
	 * holding exactly the entries the counts claim. */
	int64_t xl = file_len(dirfd, "report.xml");
	int64_t jl = file_len(dirfd, "report.jsonl");
	if (xl < 0 || jl < 0) {
		int64_t e = xl < 0 ? xl : jl;
		snprintf(why, len, "its report.%s is %s", xl < 0 ? "xml"
		         : "jsonl", e == -EINVAL ? "not a regular file"
		         : "missing");
		return -EINVAL;
	}
	FIELD_PAST("xml_len", have->xml_len, (uint64_t)xl,
	           "the end of report.xml")
	FIELD_PAST("jsonl_len", have->jsonl_len, (uint64_t)jl,
	           "the end of report.jsonl")
	struct tally *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	rc = tally_jsonl(dirfd, have->jsonl_len, t, why, len);
	if (rc == 0)
		rc = compare_tally(have, t, dirfd, why, len);
	free(t);
	return rc;
}

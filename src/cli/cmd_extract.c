/*
 * cmd_extract.c - `dredge extract`: the files a --report-only scan found,
 * written later and only those chosen.
 *
 *   dredge extract SOURCE REPORT -o DIR [--type T] [--id N] [--min-size S]
 *
 * REPORT is the scan's output folder or its report.jsonl.  Each chosen
 * file is copied from its runs in the report, under the same name and with
 * the same bytes a full scan would have written, and its XXH3-128 is
 * checked against the report while it is written: a file whose bytes
 * differ is not kept, and extraction stops, since the source is then not
 * the one scanned.  A file whose content duplicates an earlier one was
 * written under the earlier one's name, so asking for it gives that file.
 * Unreadable sectors read as zeros, as they did for the scan.
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
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "cli/cmd_extract.h"
#include "out/lock.h"
#include "out/report_read.h"
#include "io/source.h"
#include "cli/cli_util.h"

#define EXIT_USAGE 2
#define COPY_BUF (1u << 20)
#define MAX_IDS 4096

struct sel {
	const char *types;          /* comma-separated, or NULL */
	uint64_t min_size;
	uint64_t *ids;              /* --id, or none */
	unsigned nids;
	int force, quiet;
};

struct entries {
	struct report_rec *v;
	size_t n, cap;
};

static void extract_usage(FILE *to)
{
	fprintf(to,
	        "usage: dredge extract SOURCE REPORT -o DIR [OPTIONS]\n"
	        "\n"
	        "Writes files found by 'dredge scan --report-only' (REPORT: its\n"
	        "output folder or report.jsonl), byte-identical to a full scan.\n"
	        "\n"
	        "  -o, --output DIR    where the files go (TYPE/NAME as the scan names them)\n"
	        "  -t, --type LIST     only these types or formats (comma-separated)\n"
	        "      --id N          only report entry N (repeatable, or N,M,...)\n"
	        "      --min-size S    only files of at least S bytes (K, M, G)\n"
	        "      --force         replace files that differ in DIR\n"
	        "  -q, --quiet         no per-file lines\n");
}

static int add_ids(struct sel *s, const char *arg)
{
	char *list = strdup(arg), *save = NULL;
	int rc = 0;

	if (list == NULL)
		return -1;
	for (char *t = strtok_r(list, ",", &save); t != NULL && rc == 0;
	     t = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		if (cli_parse_size(t, &v) != 0 || v == 0 || strpbrk(t, "kKmMgGbB")) {
			fprintf(stderr, "dredge: --id takes report ids (1, 2, ...), "
			        "not '%s'\n", t);
			rc = -1;
		} else if (s->nids == MAX_IDS) {
			fprintf(stderr, "dredge: at most %u --id values\n", MAX_IDS);
			rc = -1;
		} else {
			s->ids[s->nids++] = v;
		}
	}
	free(list);
	return rc;
}

/* Whether a name from the report is one dredge writes: TYPE/NAME, plain
 * characters, nothing that climbs out of the output folder. */
static int safe_name(const char *name)
{
	const char *slash = strchr(name, '/');

	if (slash == NULL || slash == name || strchr(slash + 1, '/') != NULL ||
	    slash[1] == '\0' || name[0] == '.' || slash[1] == '.')
		return 0;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	              "0123456789._-/") == strlen(name);
}

static int has_type(const char *types, const struct report_rec *r)
{
	char *list = strdup(types), *save = NULL;
	int hit = 0;

	if (list == NULL)
		return 0;
	for (char *t = strtok_r(list, ",", &save); t != NULL && !hit;
	     t = strtok_r(NULL, ",", &save))
		hit = strcasecmp(t, r->type) == 0 || strcasecmp(t, r->format) == 0;
	free(list);
	return hit;
}

/* Reads every entry of the report; 0, or -1 after saying why. */
static int load_report(const char *path, struct entries *es)
{
	char file[PATH_MAX];
	struct stat st;
	FILE *f;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(file, sizeof(file), "%s/report.jsonl", path);
	else
		snprintf(file, sizeof(file), "%s", path);
	f = fopen(file, "r");
	if (f == NULL) {
		fprintf(stderr, "dredge: cannot read the report '%s': %s\n", file,
		        strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t lineno = 0;
	int rc = 0;
	while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
		struct report_rec r;
		lineno++;
		if ((size_t)n > REPORT_LINE_MAX) {
			rc = -1;
			break;
		}
		int k = report_parse_line(line, &r);
		if (k == 1)
			continue;
		if (k != 0 || !safe_name(r.filename) ||
		    (es->n > 0 && r.id <= es->v[es->n - 1].id)) {
			if (k == 0)
				report_rec_free(&r);
			rc = -1;
			break;
		}
		if (es->n == es->cap) {
			size_t ncap = es->cap ? es->cap * 2 : 256;
			struct report_rec *v = realloc(es->v, ncap * sizeof(*v));
			if (v == NULL) {
				report_rec_free(&r);
				fprintf(stderr, "dredge: out of memory\n");
				free(line);
				fclose(f);
				return -1;
			}
			es->v = v;
			es->cap = ncap;
		}
		es->v[es->n++] = r;
	}
	if (rc != 0)
		fprintf(stderr, "dredge: %s: line %" PRIu64 " is not a dredge "
		        "report entry\n", file, lineno);
	else if (ferror(f))
		fprintf(stderr, "dredge: cannot read the report '%s': %s\n", file,
		        strerror(errno));
	rc = rc != 0 || ferror(f) ? -1 : 0;
	free(line);
	fclose(f);
	return rc;
}

static struct report_rec *by_id(struct entries *es, uint64_t id)
{
	size_t lo = 0, hi = es->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (es->v[mid].id == id)
			return &es->v[mid];
		if (es->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void hex_of(XXH128_hash_t h, char out[33])
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, h);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", c.digest[i]);
}

/* The XXH3-128 of an existing file as hex; 0 or -1. */
static int hash_file(const char *path, uint8_t *buf, char out[33])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	XXH3_state_t *st = XXH3_createState();
	ssize_t n;

	if (fd < 0 || st == NULL) {
		if (fd >= 0)
			close(fd);
		XXH3_freeState(st);
		return -1;
	}
	XXH3_128bits_reset(st);
	while ((n = read(fd, buf, COPY_BUF)) > 0)
		XXH3_128bits_update(st, buf, (size_t)n);
	hex_of(XXH3_128bits_digest(st), out);
	XXH3_freeState(st);
	close(fd);
	return n < 0 ? -1 : 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Writes one file; 0 written, 1 already there, -1 failed (said why).
 * The bytes are hashed as they are copied and must match the report.
 */
static int extract_one(const struct source *src, const char *dir,
                       const struct report_rec *r, int force, uint8_t *buf)
{
	char path[PATH_MAX], part[PATH_MAX + 8], sub[PATH_MAX], have[33];
	struct stat st;

	for (unsigned i = 0; i < r->nruns; i++)
		if (r->runs[i].len > src->size ||
		    r->runs[i].img_off > src->size - r->runs[i].len) {
			fprintf(stderr, "dredge: file %" PRIu64 " (%s) lies past the "
			        "end of '%s' (%" PRIu64 " bytes): is this the same "
			        "source?\n", r->id, r->filename, src->path, src->size);
			return -1;
		}
	snprintf(path, sizeof(path), "%s/%s", dir, r->filename);
	snprintf(part, sizeof(part), "%s.part", path);
	snprintf(sub, sizeof(sub), "%s/%.*s", dir,
	         (int)(strchr(r->filename, '/') - r->filename), r->filename);
	if (lstat(path, &st) == 0) {
		if (S_ISREG(st.st_mode) && (uint64_t)st.st_size == r->size &&
		    hash_file(path, buf, have) == 0 && strcmp(have, r->hash) == 0)
			return 1;
		if (!force) {
			fprintf(stderr, "dredge: '%s' already exists and differs from "
			        "file %" PRIu64 " of the report (use --force to "
			        "replace it)\n", path, r->id);
			return -1;
		}
	}
	if (mkdir(sub, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "dredge: cannot create '%s': %s\n", sub,
		        strerror(errno));
		return -1;
	}
	int fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "dredge: cannot write '%s': %s\n", part,
		        strerror(errno));
		return -1;
	}
	XXH3_state_t *hs = XXH3_createState();
	int bad = hs == NULL;
	if (hs != NULL)
		XXH3_128bits_reset(hs);
	for (unsigned i = 0; i < r->nruns && !bad; i++) {
		for (uint64_t pos = 0; pos < r->runs[i].len && !bad;) {
			size_t n = r->runs[i].len - pos < COPY_BUF ?
			           (size_t)(r->runs[i].len - pos) : COPY_BUF;
			/* Unreadable sectors read as zeros, as they did
			 * for the scan. */
			source_read(src, buf, r->runs[i].img_off + pos, n, 0,
			            NULL, NULL);
			XXH3_128bits_update(hs, buf, n);
			bad = write_all(fd, buf, n) != 0;
			pos += n;
		}
	}
	if (close(fd) != 0)
		bad = 1;
	if (bad) {
		fprintf(stderr, "dredge: cannot write '%s': %s\n", path,
		        strerror(errno));
		XXH3_freeState(hs);
		unlink(part);
		return -1;
	}
	hex_of(XXH3_128bits_digest(hs), have);
	XXH3_freeState(hs);
	if (strcmp(have, r->hash) != 0) {
		unlink(part);
		fprintf(stderr, "dredge: file %" PRIu64 " (%s) does not match the "
		        "report's hash: is this the same source?\n", r->id,
		        r->filename);
		return -1;
	}
	if (rename(part, path) != 0) {
		fprintf(stderr, "dredge: cannot write '%s': %s\n", path,
		        strerror(errno));
		unlink(part);
		return -1;
	}
	return 0;
}

int cmd_extract(int argc, char **argv)
{
	enum { O_ID = 256, O_MIN, O_FORCE };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "type", required_argument, NULL, 't' },
		{ "types", required_argument, NULL, 't' },
		{ "id", required_argument, NULL, O_ID },
		{ "min-size", required_argument, NULL, O_MIN },
		{ "force", no_argument, NULL, O_FORCE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sel s = { 0 };
	struct entries es = { 0 };
	struct source src = { 0 };
	const char *outdir = NULL;
	char err[512];
	uint8_t *buf = NULL;
	int ch, status = 1, lockfd = -1;

	s.ids = calloc(MAX_IDS, sizeof(*s.ids));
	if (s.ids == NULL)
		return 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:t:qh", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			if (*optarg == '\0') {
				fprintf(stderr, "dredge: -o needs a folder name, not "
				        "an empty one\n");
				free(s.ids);
				return EXIT_USAGE;
			}
			outdir = optarg;
			break;
		case 't': s.types = optarg; break;
		case O_ID:
			if (add_ids(&s, optarg) != 0) {
				free(s.ids);
				return EXIT_USAGE;
			}
			break;
		case O_MIN:
			if (cli_parse_size(optarg, &s.min_size) != 0) {
				fprintf(stderr, "dredge: invalid value '%s' for "
				        "--min-size\n", optarg);
				free(s.ids);
				return EXIT_USAGE;
			}
			break;
		case O_FORCE: s.force = 1; break;
		case 'q': s.quiet = 1; break;
		case 'h': extract_usage(stdout); free(s.ids); return 0;
		default: extract_usage(stderr); free(s.ids); return EXIT_USAGE;
		}
	}
	if (argc - optind != 2 || outdir == NULL) {
		fprintf(stderr, "dredge: extract needs a SOURCE, a REPORT and an "
		        "output folder (-o DIR)\n");
		extract_usage(stderr);
		free(s.ids);
		return EXIT_USAGE;
	}
	const char *source = argv[optind], *report = argv[optind + 1];

	if (load_report(report, &es) != 0)
		goto out;
	if (source_open(&src, source, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "dredge: %s\n", err);
		goto out;
	}
	buf = malloc(COPY_BUF);
	if (buf == NULL || (mkdir(outdir, 0755) != 0 && errno != EEXIST)) {
		fprintf(stderr, "dredge: cannot create output folder '%s': %s\n",
		        outdir, buf ? strerror(errno) : "out of memory");
		goto out;
	}
	if ((lockfd = lock_open(outdir, err, sizeof(err))) < 0) {
		fprintf(stderr, "dredge: %s\n", err);
		goto out;
	}
	/* What is chosen: entries passing the filters, or the ids named;
	 * a duplicate stands for the entry whose file holds its content. */
	unsigned char *want = calloc(es.n ? es.n : 1, 1);
	if (want == NULL)
		goto out;
	status = 0;
	for (unsigned i = 0; i < s.nids; i++)
		if (by_id(&es, s.ids[i]) == NULL) {
			fprintf(stderr, "dredge: there is no file %" PRIu64 " in the "
			        "report\n", s.ids[i]);
			status = 1;
		}
	for (size_t i = 0; i < es.n && status == 0; i++) {
		const struct report_rec *r = &es.v[i];
		int pick = (s.types == NULL || has_type(s.types, r)) &&
		           r->size >= s.min_size;
		if (s.nids > 0) {
			int named = 0;
			for (unsigned k = 0; k < s.nids; k++)
				named |= s.ids[k] == r->id;
			pick &= named;
		} else {
			pick &= r->duplicate_of == 0;
		}
		if (!pick)
			continue;
		const struct report_rec *o = r->duplicate_of ?
		                             by_id(&es, r->duplicate_of) : r;
		if (o == NULL || o->duplicate_of != 0) {
			fprintf(stderr, "dredge: file %" PRIu64 " duplicates file %"
			        PRIu64 ", which the report does not hold\n", r->id,
			        r->duplicate_of);
			status = 1;
			break;
		}
		want[o - es.v] = 1;
	}
	uint64_t nfiles = 0, nbytes = 0, there = 0;
	for (size_t i = 0; i < es.n && status == 0; i++) {
		if (!want[i])
			continue;
		int rc = extract_one(&src, outdir, &es.v[i], s.force, buf);
		if (rc < 0) {
			status = 1;
			break;
		}
		if (rc == 1) {
			there++;
			continue;
		}
		nfiles++;
		nbytes += es.v[i].size;
		if (!s.quiet)
			printf("%s (%" PRIu64 " bytes)\n", es.v[i].filename,
			       es.v[i].size);
	}
	free(want);
	fprintf(stderr, "dredge: extracted %" PRIu64 " files (%" PRIu64
	        " bytes) into %s", nfiles, nbytes, outdir);
	if (there > 0)
		fprintf(stderr, "; %" PRIu64 " were there already", there);
	fputc('\n', stderr);
out:
	for (size_t i = 0; i < es.n; i++)
		report_rec_free(&es.v[i]);
	free(es.v);
	free(buf);
	free(s.ids);
	source_close(&src);
	if (lockfd >= 0)
		close(lockfd);
	fflush(stdout);
	return status;
}

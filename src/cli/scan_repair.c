/*
 * scan_repair.c - `dredge scan --repair`: the clips a scan recovered cut
 * off before their index, also written playable.
 *
 * The scan's own report says which files those are (format mp4, status
 * truncated, reason "no moov box (recording cut off)", or MI_WHY_GUESS:
 * a clip placed by its index only up to a guess) and which clips
 * came back whole (complete or reassembled); the report is read back
 * through dredge_report_files, which refuses a line that is not an entry
 * dredge writes, and a file name must stay inside the output folder.
 * Each cut-off clip is rebuilt by dredge_repair with the reference given, or with each of the
 * SR_TRIES whole clips nearest to it on the source, keeping the one whose
 * setup finds the most frames in it (another camera's codec finds few;
 * on a tie, the nearest).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dredge.h"
#include "cli/scan_repair.h"

#define SR_MAX_FILES (1u << 20)   /* report entries kept */
#define SR_TRIES 16               /* whole clips tried as the reference */

static const char CUT_REASON[] = "no moov box (recording cut off)";
/* a clip placed by its index up to a guess (reassemble/mp4_index.h,
 * MI_WHY_GUESS): its index is not among its bytes either */
static const char GUESS_REASON[] =
	"placed up to clusters nothing tells from another clip's";

struct entry {
	char *name;
	uint64_t off;
	int cut;        /* 1 cut off, 0 a whole clip */
};

/* A name the scan writes: "DIR/FILE", no way out of the folder. */
static int name_ok(const char *n)
{
	return n[0] != '\0' && n[0] != '/' && strstr(n, "..") == NULL &&
	       strlen(n) < 200;
}

/* JSON string body of s: quotes, backslashes and control bytes escaped. */
static void json_put(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

/* What the report gives: the mp4 clips cut off and the whole ones. */
struct entries {
	struct entry *v;
	size_t n, cap;
	int nomem;
};

static int take_entry(void *arg, const struct dredge_report_file *f)
{
	struct entries *es = arg;
	int cut;

	if (es->n >= SR_MAX_FILES)
		return 1;
	if (strcmp(f->format, "mp4") != 0 || !name_ok(f->filename))
		return 0;
	if (strcmp(f->status, "complete") == 0 ||
	    strcmp(f->status, "reassembled") == 0)
		cut = 0;
	else if (strcmp(f->status, "truncated") == 0 &&
	         (strcmp(f->reason, CUT_REASON) == 0 ||
	          strcmp(f->reason, GUESS_REASON) == 0))
		cut = 1;
	else
		return 0;
	if (es->n == es->cap) {
		size_t nc = es->cap ? es->cap * 2 : 64;
		struct entry *ne = realloc(es->v, nc * sizeof(*ne));
		if (ne == NULL)
			goto nomem;
		es->v = ne;
		es->cap = nc;
	}
	if ((es->v[es->n].name = strdup(f->filename)) == NULL)
		goto nomem;
	es->v[es->n].off = f->offset;
	es->v[es->n].cut = cut;
	es->n++;
	return 0;
nomem:
	es->nomem = 1;
	return 1;
}

static uint64_t dist_from;   /* qsort takes no argument: set per clip */
static int cmp_dist(const void *a, const void *b)
{
	const struct entry *x = *(struct entry *const *)a;
	const struct entry *y = *(struct entry *const *)b;
	uint64_t dx = x->off > dist_from ? x->off - dist_from
	                                 : dist_from - x->off;
	uint64_t dy = y->off > dist_from ? y->off - dist_from
	                                 : dist_from - y->off;
	return dx < dy ? -1 : dx > dy;
}

int scan_repair(const char *outdir, const char *reference)
{
	char path[4096], err[512];
	struct entries es = { 0 };
	struct entry *ents;
	struct entry **whole = NULL;
	size_t n, nwhole = 0;
	int done = 0, rc = 0;
	FILE *list = NULL;

	snprintf(path, sizeof(path), "%s/report.jsonl", outdir);
	rc = dredge_report_files(path, take_entry, &es, err, sizeof(err));
	ents = es.v;
	n = es.n;
	if (es.nomem)
		goto nomem;
	if (rc < 0) {
		fprintf(stderr, "dredge: --repair: %s\n", err);
		rc = -1;
		goto out;
	}
	whole = malloc((n ? n : 1) * sizeof(*whole));
	if (whole == NULL)
		goto nomem;
	for (size_t i = 0; i < n; i++)
		if (!ents[i].cut)
			whole[nwhole++] = &ents[i];

	snprintf(path, sizeof(path), "%s/report.repair.jsonl", outdir);
	if ((list = fopen(path, "w")) == NULL) {
		fprintf(stderr, "dredge: --repair: cannot write '%s': %s\n",
		        path, strerror(errno));
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!ents[i].cut)
			continue;
		char clip[4096], dst[4096], ref[4096];
		const char *nm = ents[i].name;
		size_t nl = strlen(nm);
		snprintf(clip, sizeof(clip), "%s/%s", outdir, nm);
		if (nl > 4 && strcmp(nm + nl - 4, ".mp4") == 0)
			snprintf(dst, sizeof(dst), "%s/%.*s.repaired.mp4",
			         outdir, (int)(nl - 4), nm);
		else
			snprintf(dst, sizeof(dst), "%s/%s.repaired.mp4", outdir,
			         nm);
		remove(dst);   /* a scan rerun into the folder */
		struct dredge_repair_info info;
		int ok = -1;
		const char *used = NULL;
		err[0] = '\0';
		if (reference != NULL) {
			ok = dredge_repair(clip, reference, dst, &info, err,
			                   sizeof(err));
			used = reference;
		} else {
			/* the nearest whole clips, the one whose setup
			 * finds the most frames in the clip (another
			 * codec's setup finds few) */
			char tmp[4112];
			uint32_t best = 0;
			snprintf(tmp, sizeof(tmp), "%s.part", dst);
			dist_from = ents[i].off;
			qsort(whole, nwhole, sizeof(*whole), cmp_dist);
			for (size_t k = 0; k < nwhole && k < SR_TRIES; k++) {
				struct dredge_repair_info t;
				char e2[512];
				snprintf(ref, sizeof(ref), "%s/%s", outdir,
				         whole[k]->name);
				remove(tmp);
				if (dredge_repair(clip, ref, tmp, &t, e2,
				                  sizeof(e2)) != 0) {
					if (ok != 0)
						snprintf(err, sizeof(err), "%s",
						         e2);
					continue;
				}
				if (ok == 0 && t.frames <= best)
					continue;
				if (rename(tmp, dst) != 0) {
					snprintf(err, sizeof(err), "cannot "
					         "write '%s': %s", dst,
					         strerror(errno));
					break;
				}
				ok = 0;
				best = t.frames;
				info = t;
				used = whole[k]->name;
			}
			remove(tmp);
			if (nwhole == 0)
				snprintf(err, sizeof(err), "no whole clip "
				         "recovered to take the codec setup "
				         "from (--reference FILE)");
		}
		if (ok != 0) {
			fprintf(stderr, "dredge: --repair: %s: %s\n", nm, err);
			continue;
		}
		fprintf(list, "{\"filename\":\"%s\",\"repaired\":\"%s\","
		        "\"reference\":\"", dst + strlen(outdir) + 1, nm);
		json_put(list, used);
		fprintf(list, "\",\"codec\":\"%s\",\"frames\":%" PRIu32
		        ",\"keyframes\":%" PRIu32 "}\n", info.codec,
		        info.frames, info.keyframes);
		done++;
	}
	if (fclose(list) != 0) {
		list = NULL;
		fprintf(stderr, "dredge: --repair: cannot write '%s'\n", path);
		rc = -1;
		goto out;
	}
	list = NULL;
	rc = done;
	goto out;
nomem:
	fprintf(stderr, "dredge: --repair: out of memory\n");
	rc = -1;
out:
	if (list != NULL)
		fclose(list);
	for (size_t i = 0; i < n; i++)
		free(ents[i].name);
	free(ents);
	free(whole);
	return rc;
}

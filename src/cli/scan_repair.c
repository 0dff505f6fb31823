/*
 * scan_repair.c - `dredge scan --repair`: the clips a scan recovered cut
 * off before their index, also written playable.
 *
 * The scan's own report says which files those are (format mp4, status
 * truncated, reason "no moov box (recording cut off)") and which clips
 * came back whole (complete or reassembled); the report is read back line by line (each line one
 * JSON object the scan wrote, its fields looked up by name and checked:
 * a file name must stay inside the output folder).  Each cut-off clip is
 * rebuilt by dredge_repair with the reference given, or with each of the
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

#define SR_MAX_LINE (1u << 20)    /* report line bytes read */
#define SR_MAX_FILES (1u << 20)   /* report entries kept */
#define SR_TRIES 16               /* whole clips tried as the reference */

static const char CUT_REASON[] = "no moov box (recording cut off)";

struct entry {
	char *name;
	uint64_t off;
	int cut;        /* 1 cut off, 0 a whole clip */
};

/* The string value of "key" in the JSON line (no escapes: the scan's
 * names and reasons hold none), copied to out; 0, or -1. */
static int field_str(const char *line, const char *key, char *out,
                     size_t cap)
{
	char pat[40];
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	const char *p = strstr(line, pat);
	if (p == NULL)
		return -1;
	p += strlen(pat);
	const char *e = strchr(p, '"');
	if (e == NULL || (size_t)(e - p) >= cap || memchr(p, '\\', e - p))
		return -1;
	memcpy(out, p, e - p);
	out[e - p] = '\0';
	return 0;
}

static int field_u64(const char *line, const char *key, uint64_t *v)
{
	char pat[40];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(line, pat);
	if (p == NULL)
		return -1;
	char *end;
	errno = 0;
	*v = strtoull(p + strlen(pat), &end, 10);
	return errno == 0 && end != p + strlen(pat) ? 0 : -1;
}

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
	char path[4096];
	struct entry *ents = NULL;
	struct entry **whole = NULL;
	size_t n = 0, cap = 0, nwhole = 0;
	char *line = NULL;
	size_t lcap = 0;
	int done = 0, rc = 0;
	FILE *in, *list = NULL;

	snprintf(path, sizeof(path), "%s/report.jsonl", outdir);
	if ((in = fopen(path, "r")) == NULL) {
		fprintf(stderr, "dredge: --repair: cannot read '%s': %s\n",
		        path, strerror(errno));
		return -1;
	}
	ssize_t len;
	while ((len = getline(&line, &lcap, in)) > 0 && n < SR_MAX_FILES) {
		char fmt[16], status[16], reason[64], name[256];
		uint64_t off;
		if ((size_t)len > SR_MAX_LINE ||
		    field_str(line, "format", fmt, sizeof(fmt)) != 0 ||
		    strcmp(fmt, "mp4") != 0 ||
		    field_str(line, "filename", name, sizeof(name)) != 0 ||
		    !name_ok(name) ||
		    field_str(line, "status", status, sizeof(status)) != 0 ||
		    field_u64(line, "offset", &off) != 0)
			continue;
		int cut;
		if (strcmp(status, "complete") == 0 ||
		    strcmp(status, "reassembled") == 0)
			cut = 0;
		else if (strcmp(status, "truncated") == 0 &&
		         field_str(line, "reason", reason,
		                   sizeof(reason)) == 0 &&
		         strcmp(reason, CUT_REASON) == 0)
			cut = 1;
		else
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct entry *ne = realloc(ents, nc * sizeof(*ne));
			if (ne == NULL)
				goto nomem;
			ents = ne;
			cap = nc;
		}
		if ((ents[n].name = strdup(name)) == NULL)
			goto nomem;
		ents[n].off = off;
		ents[n].cut = cut;
		n++;
	}
	fclose(in);
	in = NULL;
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
		char clip[4096], dst[4096], ref[4096], err[512];
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
	if (in != NULL)
		fclose(in);
	if (list != NULL)
		fclose(list);
	for (size_t i = 0; i < n; i++)
		free(ents[i].name);
	free(ents);
	free(whole);
	free(line);
	return rc;
}

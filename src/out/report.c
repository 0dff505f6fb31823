/*
 * report.c - DFXML and JSON Lines reports.
 *
 * Text that came off the medium (metadata such as a camera model) is
 * escaped for each format: bytes outside printable ASCII become character
 * references (XML) or \u escapes (JSON), taking them as Latin-1 so that
 * nothing is silently dropped.
 *
 * Each entry is formatted in memory and written to both files at their
 * known lengths; when a write fails (a full disk) both are cut back to
 * where they were, so the reports never hold half an entry and can still
 * be closed once space is freed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs/fsview.h"
#include "out/report.h"

#define DFXML_NS "http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML"
#define DREDGE_NS "urn:dredge:dfxml:1"

struct report {
	int xml, jsonl;              /* descriptors */
	uint64_t xml_len, jsonl_len; /* what is written and kept */
	/* the piece being formatted */
	FILE *x, *j;
	char *xbuf, *jbuf;
	size_t xsize, jsize;
};

void report_time(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void report_markup_text(FILE *f, const char *s, const char *apos)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs(apos, f); break;
		default:
			if (*p >= 0x80)
				fprintf(f, "&#x%02X;", *p);
			else if (*p < 0x20 && *p != '\t')
				fputc('?', f);   /* not representable in XML 1.0 */
			else
				fputc(*p, f);
		}
	}
}

static void xml_text(FILE *f, const char *s)
{
	report_markup_text(f, s, "&apos;");
}

static void json_string(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (*p < 0x20 || *p >= 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Starts formatting a piece of both reports (rep->x, rep->j). */
static int piece_begin(struct report *rep)
{
	rep->x = open_memstream(&rep->xbuf, &rep->xsize);
	rep->j = rep->x ? open_memstream(&rep->jbuf, &rep->jsize) : NULL;
	if (rep->j == NULL) {
		if (rep->x)
			fclose(rep->x);
		free(rep->xbuf);
		rep->x = NULL;
		rep->xbuf = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int pwrite_all(int fd, const char *buf, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t w = pwrite(fd, buf, len, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		buf += w;
		len -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* Writes the formatted piece to both reports, all or nothing; 0 or
 * -errno. */
static int piece_end(struct report *rep)
{
	int rc = 0;

	if (fclose(rep->x) != 0)
		rc = -ENOMEM;
	if (fclose(rep->j) != 0)
		rc = -ENOMEM;
	rep->x = rep->j = NULL;
	if (rc == 0)
		rc = pwrite_all(rep->xml, rep->xbuf, rep->xsize, rep->xml_len);
	if (rc == 0)
		rc = pwrite_all(rep->jsonl, rep->jbuf, rep->jsize,
		                rep->jsonl_len);
	if (rc == 0) {
		rep->xml_len += rep->xsize;
		rep->jsonl_len += rep->jsize;
	} else {
		/* Give back what part of it reached the disk. */
		if (ftruncate(rep->xml, (off_t)rep->xml_len) != 0 ||
		    ftruncate(rep->jsonl, (off_t)rep->jsonl_len) != 0)
			rc = rc ? rc : -errno;
	}
	free(rep->xbuf);
	free(rep->jbuf);
	rep->xbuf = rep->jbuf = NULL;
	return rc;
}

static int open_at(int dirfd, const char *name)
{
	return openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	              0644);
}

static void report_free(struct report *rep)
{
	if (rep->xml >= 0)
		close(rep->xml);
	if (rep->jsonl >= 0)
		close(rep->jsonl);
	free(rep);
}

/* Creates report.xml and report.jsonl in dirfd and begins their first
 * piece; 0 or -errno. */
static int report_create(int dirfd, struct report **out)
{
	struct report *rep = calloc(1, sizeof(*rep));
	int rc;

	if (rep == NULL)
		return -ENOMEM;
	rep->xml = open_at(dirfd, "report.xml");
	rep->jsonl = rep->xml >= 0 ? open_at(dirfd, "report.jsonl") : -1;
	if (rep->jsonl < 0) {
		rc = -errno;
		report_free(rep);
		return rc;
	}
	if ((rc = piece_begin(rep)) != 0) {
		report_free(rep);
		return rc;
	}
	*out = rep;
	return 0;
}

int report_open(struct report **out, int dirfd, const struct report_info *info)
{
	struct report *rep;
	char now[32];
	int rc;

	if ((rc = report_create(dirfd, &rep)) != 0)
		return rc;
	report_time(now, sizeof(now));
	FILE *f = rep->x;
	fprintf(f, "<?xml version='1.0' encoding='UTF-8'?>\n"
	        "<dfxml xmloutputversion='1.0' xmlns='" DFXML_NS "'\n"
	        "       xmlns:dc='http://purl.org/dc/elements/1.1/'\n"
	        "       xmlns:dredge='" DREDGE_NS "'>\n"
	        "  <metadata>\n    <dc:type>Carve Report</dc:type>\n"
	        "  </metadata>\n  <creator version='1.0'>\n"
	        "    <program>dredge</program>\n    <version>%s</version>\n"
	        "    <execution_environment>\n      <command_line>",
	        PACKAGE_VERSION);
	xml_text(f, info->command_line ? info->command_line : "");
	fprintf(f, "</command_line>\n      <start_time>%s</start_time>\n"
	        "    </execution_environment>\n"
	        "    <dredge:io_engine views='%s'>%s</dredge:io_engine>\n"
	        "    <dredge:block_size>%" PRIu32 "</dredge:block_size>\n"
	        "    <dredge:any_offset>%d</dredge:any_offset>\n",
	        now, info->io_views ? info->io_views : "copied",
	        info->io_engine, info->block_size, info->any_offset);
	if (info->any_offset && info->simd != NULL)
		fprintf(f, "    <dredge:simd>%s</dredge:simd>\n", info->simd);
	fprintf(f, "  </creator>\n  <source>\n    <image_filename>");
	xml_text(f, info->source);
	fprintf(f, "</image_filename>\n    <imagesize>%" PRIu64 "</imagesize>\n"
	        "    <sectorsize>%" PRIu32 "</sectorsize>\n",
	        info->source_size, info->sector_size);
	if (info->fs != NULL)
		fprintf(f, "    <dredge:volume type='%s' offset='%" PRIu64 "' "
		        "cluster_size='%" PRIu32 "' data_start='%" PRIu64 "' "
		        "cluster_count='%" PRIu32 "' first='%" PRIu32 "' last='%"
		        PRIu32 "' unallocated='%d'/>\n", fsview_type_name(info->fs),
		        info->fs->vol_offset, info->fs->cluster_size,
		        info->fs->data_start, info->fs->cluster_count,
		        info->fs->first, info->fs->last, info->fs->unallocated);
	if (info->shard_count > 0)
		fprintf(f, REPORT_SHARD_TAG " index='%u' count='%u' lo='%" PRIu64
		        "' hi='%" PRIu64 "'/>\n", info->shard_index,
		        info->shard_count, info->shard_lo, info->shard_hi);
	fputs("  </source>\n", f);
	if ((rc = piece_end(rep)) != 0) {
		report_free(rep);
		return rc;
	}
	*out = rep;
	return 0;
}

static int reopen_at(int dirfd, const char *name, uint64_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size < len ||
	    ftruncate(fd, (off_t)len) != 0) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

int report_reopen(struct report **out, int dirfd, uint64_t xml_len,
                  uint64_t jsonl_len)
{
	struct report *rep = calloc(1, sizeof(*rep));

	if (rep == NULL)
		return -ENOMEM;
	rep->xml = reopen_at(dirfd, "report.xml", xml_len);
	rep->jsonl = rep->xml >= 0 ? reopen_at(dirfd, "report.jsonl", jsonl_len)
	             : -1;
	if (rep->jsonl < 0) {
		int e = errno;
		report_free(rep);
		return -e;
	}
	rep->xml_len = xml_len;
	rep->jsonl_len = jsonl_len;
	*out = rep;
	return 0;
}

int report_lengths(struct report *rep, uint64_t *xml_len, uint64_t *jsonl_len)
{
	*xml_len = rep->xml_len;
	*jsonl_len = rep->jsonl_len;
	return 0;
}

/* A whole-volume scan's facts of a live file (report_entry.path). */
static void report_live_xml(FILE *x, const struct report_entry *e)
{
	if (e->path == NULL)
		return;
	fputs("    <dredge:path>", x);
	xml_text(x, e->path);
	fprintf(x, "</dredge:path>\n    <dredge:origin>%s</dredge:origin>\n",
	        e->live ? "live" : "carved");
	if (e->validator) {
		fputs("    <dredge:validator>", x);
		xml_text(x, e->validator);
		fputs("</dredge:validator>\n", x);
	}
	if (e->damage) {
		fputs("    <dredge:fs_damage>", x);
		xml_text(x, e->damage);
		fputs("</dredge:fs_damage>\n", x);
	}
}

static void report_live_json(FILE *j, const struct report_entry *e)
{
	if (e->path == NULL)
		return;
	fputs(",\"path\":", j);
	json_string(j, e->path);
	fprintf(j, ",\"origin\":\"%s\"", e->live ? "live" : "carved");
	if (e->validator) {
		fputs(",\"validator\":", j);
		json_string(j, e->validator);
	}
	if (e->damage) {
		fputs(",\"fs_damage\":", j);
		json_string(j, e->damage);
	}
}

int report_add(struct report *rep, const struct report_entry *e)
{
	int rc = piece_begin(rep);
	if (rc != 0)
		return rc;
	FILE *x = rep->x, *j = rep->j;
	/* A whole file from more than one run was put back together:
	 * the runs listed are its pieces in order. */
	const char *status = e->truncated ? "truncated" :
	                     e->suspect ? "suspect" :
	                     e->nruns > 1 ? "reassembled" : "complete";
	const char *reason = e->suspect ? e->suspect : e->reason;

	fputs("  <fileobject>\n    <filename>", x);
	xml_text(x, e->filename);
	fprintf(x, "</filename>\n    <filesize>%" PRIu64 "</filesize>\n"
	        "    <byte_runs>\n", e->size);
	uint64_t lo = 0;
	for (unsigned i = 0; i < e->nruns; i++) {
		/* a live file's hole (DFXML's fill) and content the file
		 * system holds outside plain blocks (fsview.h) */
		uint64_t img = e->runs[i].img_off;
		if (img == FSVIEW_HOLE)
			fprintf(x, "      <byte_run offset='%" PRIu64 "' fill='0' "
			        "len='%" PRIu64 "'/>\n", lo, e->runs[i].len);
		else if (!fsview_ext_is_source(&e->runs[i]))
			fprintf(x, "      <byte_run offset='%" PRIu64 "' len='%"
			        PRIu64 "' type='%s'/>\n", lo, e->runs[i].len,
			        img == FSVIEW_RESIDENT ? "resident" : "compressed");
		else
			fprintf(x, "      <byte_run offset='%" PRIu64 "' img_offset='%"
			        PRIu64 "' len='%" PRIu64 "'/>\n", lo, img,
			        e->runs[i].len);
		lo += e->runs[i].len;
	}
	fputs("    </byte_runs>\n", x);
	for (unsigned i = 0; i < e->nclusters; i++)
		fprintf(x, "    <dredge:cluster_run start='%" PRIu32 "' count='%"
		        PRIu32 "'/>\n", e->clusters[i].start, e->clusters[i].count);
	fprintf(x, "    <hashdigest type='xxh3-128'>%s</hashdigest>\n",
	        e->hash);
	for (unsigned i = 0; e->digests != NULL && i < DIGEST_N; i++)
		if (e->digests->hex[i][0] != '\0')
			fprintf(x, "    <hashdigest type='%s'>%s</hashdigest>\n",
			        digest_name(i), e->digests->hex[i]);
	fprintf(x, "    <dredge:id>%" PRIu64 "</dredge:id>\n"
	        "    <dredge:format>%s</dredge:format>\n"
	        "    <dredge:type>%s</dredge:type>\n"
	        "    <dredge:status>%s</dredge:status>\n",
	        e->id, e->format, e->ext, status);
	if (e->duplicate_of)
		fprintf(x, "    <dredge:duplicate_of>%" PRIu64
		        "</dredge:duplicate_of>\n", e->duplicate_of);
	if (reason) {
		fputs("    <dredge:reason>", x);
		xml_text(x, reason);
		fputs("</dredge:reason>\n", x);
	}
	if (e->unreadable)
		fprintf(x, "    <dredge:unreadable_bytes>%" PRIu64
		        "</dredge:unreadable_bytes>\n", e->unreadable);
	report_live_xml(x, e);
	for (unsigned i = 0; i < e->nmeta; i++) {
		fputs("    <dredge:meta name='", x);
		xml_text(x, e->meta[i].key);
		fputs("'>", x);
		xml_text(x, e->meta[i].val);
		fputs("</dredge:meta>\n", x);
	}
	fputs("  </fileobject>\n", x);

	uint64_t first = e->offset;   /* the first run on the source */
	for (unsigned i = 0; i < e->nruns; i++)
		if (fsview_ext_is_source(&e->runs[i])) {
			first = e->runs[i].img_off;
			break;
		}
	fprintf(j, "{\"id\":%" PRIu64 ",\"filename\":", e->id);
	json_string(j, e->filename);
	fprintf(j, ",\"format\":\"%s\",\"type\":\"%s\",\"status\":\"%s\","
	        "\"offset\":%" PRIu64 ",\"sector\":%" PRIu64 ",\"size\":%"
	        PRIu64 ",\"runs\":[", e->format, e->ext, status,
	        first, first / e->sector_size, e->size);
	lo = 0;
	for (unsigned i = 0; i < e->nruns; i++) {
		uint64_t img = e->runs[i].img_off;
		if (img == FSVIEW_HOLE)
			fprintf(j, "%s{\"offset\":%" PRIu64 ",\"fill\":0,"
			        "\"len\":%" PRIu64 "}", i ? "," : "", lo,
			        e->runs[i].len);
		else if (!fsview_ext_is_source(&e->runs[i]))
			fprintf(j, "%s{\"offset\":%" PRIu64 ",\"len\":%" PRIu64
			        ",\"type\":\"%s\"}", i ? "," : "", lo,
			        e->runs[i].len, img == FSVIEW_RESIDENT
			        ? "resident" : "compressed");
		else
			fprintf(j, "%s{\"offset\":%" PRIu64 ",\"img_offset\":%"
			        PRIu64 ",\"len\":%" PRIu64 "}", i ? "," : "", lo,
			        img, e->runs[i].len);
		lo += e->runs[i].len;
	}
	fputc(']', j);
	if (e->clusters != NULL) {
		fprintf(j, ",\"cluster\":%" PRIu32 ",\"clusters\":[",
		        e->nclusters ? e->clusters[0].start : 0);
		for (unsigned i = 0; i < e->nclusters; i++)
			fprintf(j, "%s{\"start\":%" PRIu32 ",\"count\":%" PRIu32
			        "}", i ? "," : "", e->clusters[i].start,
			        e->clusters[i].count);
		fputc(']', j);
	}
	fprintf(j, ",\"xxh3_128\":\"%s\"", e->hash);
	for (unsigned i = 0; e->digests != NULL && i < DIGEST_N; i++)
		if (e->digests->hex[i][0] != '\0')
			fprintf(j, ",\"%s\":\"%s\"", digest_name(i),
			        e->digests->hex[i]);
	fputs(",\"duplicate_of\":", j);
	if (e->duplicate_of)
		fprintf(j, "%" PRIu64, e->duplicate_of);
	else
		fputs("null", j);
	fputs(",\"reason\":", j);
	json_string(j, reason);
	fprintf(j, ",\"unreadable_bytes\":%" PRIu64, e->unreadable);
	report_live_json(j, e);
	fputs(",\"meta\":{", j);
	for (unsigned i = 0; i < e->nmeta; i++) {
		if (i)
			fputc(',', j);
		json_string(j, e->meta[i].key);
		fputc(':', j);
		json_string(j, e->meta[i].val);
	}
	fputs("}}\n", j);
	return piece_end(rep);
}

int report_close(struct report *rep, const struct report_end *end)
{
	char now[32];
	int rc;

	if (rep == NULL)
		return 0;
	if ((rc = piece_begin(rep)) != 0) {
		report_free(rep);
		return rc;
	}
	report_time(now, sizeof(now));
	FILE *x = rep->x, *j = rep->j;
	uint64_t bad_bytes = 0;
	for (uint64_t i = 0; i < end->nbad; i++) {
		fprintf(x, "  <dredge:unreadable img_offset='%" PRIu64
		        "' len='%" PRIu64 "'/>\n", end->bad[i].off,
		        end->bad[i].len);
		bad_bytes += end->bad[i].len;
	}
	for (uint64_t i = 0; i < end->nreread; i++)
		fprintf(x, "  <dredge:read_on_retry img_offset='%" PRIu64
		        "' len='%" PRIu64 "'/>\n", end->reread[i].off,
		        end->reread[i].len);
	fprintf(x, "  <dredge:summary bytes_scanned='%" PRIu64 "' files='%"
	        PRIu64 "' truncated='%" PRIu64 "' duplicates='%" PRIu64
	        "' unreadable_ranges='%" PRIu64 "' unreadable_bytes='%" PRIu64
	        "' files_with_unreadable_bytes='%" PRIu64 "' status='",
	        end->bytes_scanned, end->files, end->truncated,
	        end->duplicates, end->nbad, bad_bytes, end->files_unreadable);
	xml_text(x, end->status);
	fprintf(x, "'/>\n  <rusage>\n    <dredge:end_time>%s</dredge:end_time>\n"
	        "  </rusage>\n</dfxml>\n", now);
	for (uint64_t i = 0; i < end->nbad; i++)
		fprintf(j, "{\"unreadable\":{\"img_offset\":%" PRIu64
		        ",\"len\":%" PRIu64 "}}\n", end->bad[i].off,
		        end->bad[i].len);
	for (uint64_t i = 0; i < end->nreread; i++)
		fprintf(j, "{\"read_on_retry\":{\"img_offset\":%" PRIu64
		        ",\"len\":%" PRIu64 "}}\n", end->reread[i].off,
		        end->reread[i].len);
	rc = piece_end(rep);
	if (rc == 0 && (fsync(rep->xml) != 0 || fsync(rep->jsonl) != 0))
		rc = -errno;
	if (close(rep->xml) != 0 && rc == 0)
		rc = -errno;
	if (close(rep->jsonl) != 0 && rc == 0)
		rc = -errno;
	free(rep);
	return rc;
}

/* ------------------------------------------------------------ merging */

int report_open_merged(struct report **out, int dirfd, const char *head,
                       size_t len, const char *command_line)
{
	struct report *rep;
	const char *cl = memmem(head, len, "<command_line>", 14);
	const char *ce = cl ? memmem(cl, len - (size_t)(cl - head),
	                             "</command_line>", 15) : NULL;
	int rc;

	if ((rc = report_create(dirfd, &rep)) != 0)
		return rc;
	/* The first shard's header, with the merge's command line and
	 * without the shard's own line. */
	for (const char *p = head, *end = head + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if (n >= strlen(REPORT_SHARD_TAG) &&
		    memcmp(p, REPORT_SHARD_TAG, strlen(REPORT_SHARD_TAG)) == 0) {
			p += n;
			continue;
		}
		if (ce != NULL && cl >= p && cl < p + n) {
			fwrite(p, 1, (size_t)(cl - p) + 14, rep->x);
			xml_text(rep->x, command_line ? command_line : "");
			fwrite(ce, 1, (size_t)(p + n - ce), rep->x);
		} else {
			fwrite(p, 1, n, rep->x);
		}
		p += n;
	}
	if ((rc = piece_end(rep)) != 0) {
		report_free(rep);
		return rc;
	}
	*out = rep;
	return 0;
}

int report_add_raw(struct report *rep, const char *xml, size_t xml_len,
                   const char *json, size_t json_len)
{
	int rc = piece_begin(rep);

	if (rc != 0)
		return rc;
	fwrite(xml, 1, xml_len, rep->x);
	fwrite(json, 1, json_len, rep->j);
	return piece_end(rep);
}

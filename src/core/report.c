/*
 * report.c - DFXML and JSON Lines reports.
 *
 * Text that came off the medium (metadata such as a camera model) is
 * escaped for each format: bytes outside printable ASCII become character
 * references (XML) or \u escapes (JSON), taking them as Latin-1 so that
 * nothing is silently dropped.
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

#include "core/fsview.h"
#include "core/report.h"

#define DFXML_NS "http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML"
#define DREDGE_NS "urn:dredge:dfxml:1"

struct report {
	FILE *xml;
	FILE *jsonl;
	int err;
};

void report_time(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void xml_text(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
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

static int report_flush(struct report *rep)
{
	if (fflush(rep->xml) != 0 || ferror(rep->xml) ||
	    fflush(rep->jsonl) != 0 || ferror(rep->jsonl)) {
		if (rep->err == 0)
			rep->err = errno ? -errno : -EIO;
	}
	return rep->err;
}

static FILE *open_at(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	                0644);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "w");
	if (f == NULL)
		close(fd);
	return f;
}

int report_open(struct report **out, int dirfd, const struct report_info *info)
{
	struct report *rep = calloc(1, sizeof(*rep));
	char now[32];

	if (rep == NULL)
		return -ENOMEM;
	rep->xml = open_at(dirfd, "report.xml");
	rep->jsonl = rep->xml ? open_at(dirfd, "report.jsonl") : NULL;
	if (rep->jsonl == NULL) {
		int e = errno;
		if (rep->xml)
			fclose(rep->xml);
		free(rep);
		return -e;
	}
	report_time(now, sizeof(now));
	FILE *f = rep->xml;
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
	        "    <dredge:io_engine>%s</dredge:io_engine>\n"
	        "    <dredge:block_size>%" PRIu32 "</dredge:block_size>\n"
	        "    <dredge:any_offset>%d</dredge:any_offset>\n",
	        now, info->io_engine, info->block_size, info->any_offset);
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
	fputs("  </source>\n", f);
	*out = rep;
	return report_flush(rep);
}

static FILE *reopen_at(int dirfd, const char *name, uint64_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size < len ||
	    ftruncate(fd, (off_t)len) != 0 ||
	    lseek(fd, 0, SEEK_END) != (off_t)len) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	FILE *f = fdopen(fd, "a");
	if (f == NULL)
		close(fd);
	return f;
}

int report_reopen(struct report **out, int dirfd, uint64_t xml_len,
                  uint64_t jsonl_len)
{
	struct report *rep = calloc(1, sizeof(*rep));

	if (rep == NULL)
		return -ENOMEM;
	rep->xml = reopen_at(dirfd, "report.xml", xml_len);
	rep->jsonl = rep->xml ? reopen_at(dirfd, "report.jsonl", jsonl_len)
	             : NULL;
	if (rep->jsonl == NULL) {
		int e = errno;
		if (rep->xml)
			fclose(rep->xml);
		free(rep);
		return -e;
	}
	*out = rep;
	return 0;
}

int report_lengths(struct report *rep, uint64_t *xml_len, uint64_t *jsonl_len)
{
	int rc = report_flush(rep);
	long x = ftell(rep->xml), j = ftell(rep->jsonl);

	if (rc == 0 && (x < 0 || j < 0))
		rc = -errno;
	*xml_len = (uint64_t)x;
	*jsonl_len = (uint64_t)j;
	return rc;
}

int report_add(struct report *rep, const struct report_entry *e)
{
	FILE *x = rep->xml, *j = rep->jsonl;
	const char *status = e->truncated ? "truncated" : "complete";

	fputs("  <fileobject>\n    <filename>", x);
	xml_text(x, e->filename);
	fprintf(x, "</filename>\n    <filesize>%" PRIu64 "</filesize>\n"
	        "    <byte_runs>\n", e->size);
	uint64_t lo = 0;
	for (unsigned i = 0; i < e->nruns; i++) {
		fprintf(x, "      <byte_run offset='%" PRIu64 "' img_offset='%"
		        PRIu64 "' len='%" PRIu64 "'/>\n", lo,
		        e->runs[i].img_off, e->runs[i].len);
		lo += e->runs[i].len;
	}
	fputs("    </byte_runs>\n", x);
	for (unsigned i = 0; i < e->nclusters; i++)
		fprintf(x, "    <dredge:cluster_run start='%" PRIu32 "' count='%"
		        PRIu32 "'/>\n", e->clusters[i].start, e->clusters[i].count);
	fprintf(x, "    <hashdigest type='xxh3-128'>%s</hashdigest>\n"
	        "    <dredge:id>%" PRIu64 "</dredge:id>\n"
	        "    <dredge:format>%s</dredge:format>\n"
	        "    <dredge:type>%s</dredge:type>\n"
	        "    <dredge:status>%s</dredge:status>\n",
	        e->hash, e->id, e->format, e->ext, status);
	if (e->duplicate_of)
		fprintf(x, "    <dredge:duplicate_of>%" PRIu64
		        "</dredge:duplicate_of>\n", e->duplicate_of);
	if (e->reason) {
		fputs("    <dredge:reason>", x);
		xml_text(x, e->reason);
		fputs("</dredge:reason>\n", x);
	}
	for (unsigned i = 0; e->res && i < e->res->nmeta; i++) {
		fputs("    <dredge:meta name='", x);
		xml_text(x, e->res->meta[i].key);
		fputs("'>", x);
		xml_text(x, e->res->meta[i].val);
		fputs("</dredge:meta>\n", x);
	}
	fputs("  </fileobject>\n", x);

	fprintf(j, "{\"id\":%" PRIu64 ",\"filename\":", e->id);
	json_string(j, e->filename);
	fprintf(j, ",\"format\":\"%s\",\"type\":\"%s\",\"status\":\"%s\","
	        "\"offset\":%" PRIu64 ",\"sector\":%" PRIu64 ",\"size\":%"
	        PRIu64 ",\"runs\":[", e->format, e->ext, status,
	        e->runs[0].img_off, e->runs[0].img_off / e->sector_size,
	        e->size);
	lo = 0;
	for (unsigned i = 0; i < e->nruns; i++) {
		fprintf(j, "%s{\"offset\":%" PRIu64 ",\"img_offset\":%" PRIu64
		        ",\"len\":%" PRIu64 "}", i ? "," : "", lo,
		        e->runs[i].img_off, e->runs[i].len);
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
	fprintf(j, ",\"xxh3_128\":\"%s\",\"duplicate_of\":", e->hash);
	if (e->duplicate_of)
		fprintf(j, "%" PRIu64, e->duplicate_of);
	else
		fputs("null", j);
	fputs(",\"reason\":", j);
	json_string(j, e->reason);
	fputs(",\"meta\":{", j);
	for (unsigned i = 0; e->res && i < e->res->nmeta; i++) {
		if (i)
			fputc(',', j);
		json_string(j, e->res->meta[i].key);
		fputc(':', j);
		json_string(j, e->res->meta[i].val);
	}
	fputs("}}\n", j);
	return report_flush(rep);
}

int report_close(struct report *rep, const struct report_end *end)
{
	char now[32];
	int rc;

	if (rep == NULL)
		return 0;
	report_time(now, sizeof(now));
	FILE *x = rep->xml;
	for (uint64_t i = 0; i < end->nbad; i++)
		fprintf(x, "  <dredge:unreadable img_offset='%" PRIu64
		        "' len='%" PRIu64 "'/>\n", end->bad[i].off,
		        end->bad[i].len);
	fprintf(x, "  <dredge:summary bytes_scanned='%" PRIu64 "' files='%"
	        PRIu64 "' truncated='%" PRIu64 "' duplicates='%" PRIu64
	        "' unreadable_ranges='%" PRIu64 "' status='",
	        end->bytes_scanned, end->files, end->truncated,
	        end->duplicates, end->nbad);
	xml_text(x, end->status);
	fprintf(x, "'/>\n  <rusage>\n    <dredge:end_time>%s</dredge:end_time>\n"
	        "  </rusage>\n</dfxml>\n", now);
	for (uint64_t i = 0; i < end->nbad; i++)
		fprintf(rep->jsonl, "{\"unreadable\":{\"img_offset\":%" PRIu64
		        ",\"len\":%" PRIu64 "}}\n", end->bad[i].off,
		        end->bad[i].len);
	rc = report_flush(rep);
	if (fsync(fileno(rep->xml)) != 0 || fsync(fileno(rep->jsonl)) != 0)
		rc = rc ? rc : -errno;
	if (fclose(rep->xml) != 0 && rc == 0)
		rc = -errno;
	if (fclose(rep->jsonl) != 0 && rc == 0)
		rc = -errno;
	free(rep);
	return rc;
}

/*
 * test_report_read.c - reading report.jsonl lines back: what dredge
 * writes parses to the same facts; anything else is refused whole.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dredge.h"
#include "tap.h"
#include "out/report_read.h"

static const char GOOD[] =
	"{\"id\":7,\"filename\":\"mp4/c0000104.mp4\",\"format\":\"mp4\","
	"\"type\":\"mp4\",\"status\":\"reassembled\",\"offset\":764416,"
	"\"sector\":1493,\"size\":737624,\"runs\":[{\"offset\":0,"
	"\"img_offset\":764416,\"len\":256000},{\"offset\":256000,"
	"\"img_offset\":1309184,\"len\":344064},{\"offset\":600064,"
	"\"img_offset\":2449920,\"len\":137560}],\"cluster\":104,"
	"\"clusters\":[{\"start\":104,\"count\":125},{\"start\":370,"
	"\"count\":168}],\"xxh3_128\":\"817411379b7d6465fae8e9c1945beab2\","
	"\"duplicate_of\":null,\"reason\":null,\"meta\":{\"brand\":\"isom\","
	"\"camera\":\"A \\\"B\\\" \\u00e9\\\\\",\"tracks\":\"1\"}}\n";

/* GOOD with the first occurrence of from replaced by to. */
static int parse_edit(const char *from, const char *to, struct report_rec *r)
{
	char buf[2048];
	const char *at = strstr(GOOD, from);

	if (at == NULL)
		tap_bail("an edit does not match the sample line");
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - GOOD), GOOD, to,
	         at + strlen(from));
	return report_parse_line(buf, r);
}

/* What dredge_report_files gave, and when to stop it. */
struct seen {
	unsigned n, stop_at;
	char names[4][64], reasons[4][64];
	uint64_t offsets[4];
};

static int see(void *arg, const struct dredge_report_file *f)
{
	struct seen *s = arg;

	if (s->n < 4) {
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s:%s:%s",
		         f->filename, f->format, f->status);
		snprintf(s->reasons[s->n], sizeof(s->reasons[0]), "%s",
		         f->reason);
		s->offsets[s->n] = f->offset;
	}
	return ++s->n == s->stop_at;
}

/* Writes GOOD's entry, an unreadable range and the same entry truncated
 * (id 8) to path, then tail; 0 or -1. */
static int write_report(const char *path, const char *tail)
{
	char trunc[2048];
	FILE *f = fopen(path, "w");
	const char *at = strstr(GOOD, "\"reassembled\"");
	const char *rs = strstr(GOOD, "\"reason\":null");

	if (f == NULL || at == NULL || rs == NULL)
		return -1;
	snprintf(trunc, sizeof(trunc), "{\"id\":8%.*s\"truncated\"%.*s"
	         "\"reason\":\"no moov box (recording cut off)\"%s",
	         (int)(at - GOOD - 7), GOOD + 7, (int)(rs - at - 13), at + 13,
	         rs + 13);
	fputs(GOOD, f);
	fputs("{\"unreadable\":{\"img_offset\":512,\"len\":512}}\n", f);
	fputs(trunc, f);
	fputs(tail, f);
	return fclose(f) == 0 ? 0 : -1;
}

/* dredge_report_files: each entry in order, the other lines passed over,
 * a damaged line or a missing file refused with a message. */
static void report_files(void)
{
	static const char path[] = "test_report_read.jsonl";
	struct seen s = { 0 };
	char err[256];

	if (write_report(path, "") != 0)
		tap_bail("cannot write a report to read");
	is_u64(dredge_report_files(path, see, &s, err, sizeof(err)), 0,
	       "report files: a report dredge writes is read whole");
	is_u64(s.n, 2, "report files: two entries, the unreadable range "
	       "passed over");
	is_str(s.names[0], "mp4/c0000104.mp4:mp4:reassembled",
	       "report files: the first entry's name, format and status");
	is_str(s.reasons[0], "", "report files: reason null: \"\"");
	is_u64(s.offsets[0], 764416, "report files: its offset");
	is_str(s.names[1], "mp4/c0000104.mp4:mp4:truncated",
	       "report files: the second entry's status");
	is_str(s.reasons[1], "no moov box (recording cut off)",
	       "report files: its reason");

	s = (struct seen){ .stop_at = 1 };
	is_u64(dredge_report_files(path, see, &s, err, sizeof(err)), 1,
	       "report files: the callback's return stops the reading");
	is_u64(s.n, 1, "report files: ... after one entry");

	if (write_report(path, "{\"id\":9}\n") != 0)
		tap_bail("cannot write a report to read");
	s = (struct seen){ 0 };
	is_u64(dredge_report_files(path, see, &s, err, sizeof(err)),
	       (uint64_t)-EINVAL, "report files: a damaged line is refused");
	is_str(err, "test_report_read.jsonl: line 4 is not a dredge report "
	       "entry", "report files: ... naming its line");
	is_u64(s.n, 2, "report files: ... after the entries before it");
	remove(path);
	is_u64(dredge_report_files(path, see, &s, err, sizeof(err)),
	       (uint64_t)-ENOENT, "report files: a missing report is refused");
	is_str(err, "cannot read 'test_report_read.jsonl': No such file or "
	       "directory", "report files: ... saying why");
}

int main(void)
{
	struct report_rec r;

	is_u64(report_parse_line(GOOD, &r), 0, "a line dredge writes parses");
	is_u64(r.id, 7, "id");
	is_str(r.filename, "mp4/c0000104.mp4", "filename");
	is_str(r.format, "mp4", "format");
	is_str(r.type, "mp4", "type");
	ok(r.complete, "status reassembled: whole");
	is_u64(r.size, 737624, "size");
	is_u64(r.nruns, 3, "three runs");
	ok(r.runs[1].img_off == 1309184 && r.runs[1].len == 344064 &&
	   r.runs[2].img_off == 2449920 && r.runs[2].len == 137560,
	   "runs in order, image offsets and lengths");
	is_str(r.hash, "817411379b7d6465fae8e9c1945beab2", "hash");
	is_u64(r.duplicate_of, 0, "not a duplicate");
	is_str(r.status, "reassembled", "status as written");
	is_str(r.reason, "", "reason null: empty");
	report_rec_free(&r);

	is_u64(parse_edit("\"duplicate_of\":null", "\"duplicate_of\":3", &r), 0,
	       "a duplicate");
	is_u64(r.duplicate_of, 3, "... of entry 3");
	report_rec_free(&r);
	is_u64(parse_edit("\"status\":\"reassembled\"", "\"status\":\"truncated\"",
	                  &r), 0, "a truncated file");
	ok(!r.complete, "... is not complete");
	report_rec_free(&r);
	is_u64(parse_edit("\"reason\":null", "\"reason\":\"no \\\"moov\\\" box\"",
	                  &r), 0, "a reason");
	is_str(r.reason, "no \"moov\" box", "... read, escapes and all");
	report_rec_free(&r);
	char longreason[400];
	memset(longreason, 'r', 300);
	snprintf(longreason + 300, 100, "\"");
	char redit[420];
	snprintf(redit, sizeof(redit), "\"reason\":\"%s", longreason);
	is_u64(parse_edit("\"reason\":null", redit, &r), 0,
	       "a 300-character reason: the line is read");
	is_u64(strlen(r.reason), sizeof(r.reason) - 1,
	       "... the reason cut to what the field holds");
	report_rec_free(&r);
	is_u64(parse_edit("\"status\":\"reassembled\"", "\"status\":\"complete\"",
	                  &r), 0, "status complete");
	ok(r.complete, "... is whole");
	report_rec_free(&r);
	is_u64(parse_edit("\"status\":\"reassembled\"", "\"status\":\"suspect\"",
	                  &r), 0, "a suspect file");
	ok(r.complete && r.suspect, "... is whole by its structure, and suspect");
	report_rec_free(&r);
	is_u64(parse_edit("\"meta\":{", "\"later\":[1,{\"x\":[true,false]}],"
	                  "\"meta\":{", &r), 0, "unknown keys are skipped");
	report_rec_free(&r);
	is_u64(report_parse_line("{\"unreadable\":{\"img_offset\":512,"
	                         "\"len\":512}}\n", &r), 1,
	       "an unreadable-range line is not an entry");

	static const char *const bad[][2] = {
		{ "\"len\":137560}", "\"len\":137561}" },   /* size mismatch */
		{ "{\"offset\":256000,", "{\"offset\":256001," },  /* gap */
		{ "\"xxh3_128\":\"8174", "\"xxh3_128\":\"X174" },
		{ "\"xxh3_128\":\"817411379b7d6465fae8e9c1945beab2\"",
		  "\"xxh3_128\":\"8174\"" },
		{ "\"duplicate_of\":null", "\"duplicate_of\":7" },  /* itself */
		{ "\"id\":7,", "" },
		{ "\"id\":7", "\"id\":0" },
		{ "\"runs\":[{\"offset\":0,\"img_offset\":764416,\"len\":256000},"
		  "{\"offset\":256000,\"img_offset\":1309184,\"len\":344064},"
		  "{\"offset\":600064,\"img_offset\":2449920,\"len\":137560}]",
		  "\"runs\":[]" },
		{ "\"id\":7", "\"id\":99999999999999999999999" },
		{ "\"status\":\"reassembled\"", "\"status\":\"maybe\"" },
		{ "}}\n", "}" },                            /* unclosed */
		{ "}}\n", "}} x" },                         /* trailing junk */
		{ "\"filename\":\"mp4", "\"filename\":\"mp4\n" },
		{ "\\u00e9", "\\u00g9" },
		{ "\"size\":737624", "\"size\":-5" },
		{ "\"reason\":null", "\"reason\":5" },
		{ "\"img_offset\":2449920", "\"img_offset\":18446744073709551615" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_u64(parse_edit(bad[i][0], bad[i][1], &r), (uint64_t)-EINVAL,
		       "refused: damaged line %zu", i + 1);
	is_u64(report_parse_line("", &r), (uint64_t)-EINVAL, "refused: empty");
	is_u64(report_parse_line("[1,2]", &r), (uint64_t)-EINVAL,
	       "refused: not an object");

	/* Deep nesting in an unknown key is bounded, not followed. */
	char deep[4096] = "{\"x\":";
	for (int i = 0; i < 1000; i++)
		strcat(deep, "[");
	is_u64(report_parse_line(deep, &r), (uint64_t)-EINVAL,
	       "refused: 1000 nested arrays");

	/* A long filename does not overflow. */
	char longname[1024];
	memset(longname, 'a', 600);
	longname[600] = '\0';
	char edit[700];
	snprintf(edit, sizeof(edit), "\"filename\":\"%s", longname);
	is_u64(parse_edit("\"filename\":\"mp4", edit, &r), (uint64_t)-EINVAL,
	       "refused: a 600-character filename");

	report_files();
	return tap_done();
}

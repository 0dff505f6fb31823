/*
 * test_report_read.c - reading report.jsonl lines back: what dredge
 * writes parses to the same facts; anything else is refused whole.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
	report_rec_free(&r);

	is_u64(parse_edit("\"duplicate_of\":null", "\"duplicate_of\":3", &r), 0,
	       "a duplicate");
	is_u64(r.duplicate_of, 3, "... of entry 3");
	report_rec_free(&r);
	is_u64(parse_edit("\"status\":\"reassembled\"", "\"status\":\"truncated\"",
	                  &r), 0, "a truncated file");
	ok(!r.complete, "... is not complete");
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
	return tap_done();
}

/*
 * test_formats.c - checks the format table itself: unique names, every
 * format has signatures within reach, sane size limits, a validator.
 */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "formats/format.h"

int main(void)
{
	ok(format_count > 0, "the table lists %u formats", format_count);
	ok(format_table[format_count] == NULL, "the table ends with NULL");
	for (unsigned i = 0; i < format_count; i++) {
		const struct format *f = format_table[i];
		int uniq = 1;

		for (unsigned j = 0; j < i; j++)
			if (strcmp(format_table[j]->name, f->name) == 0)
				uniq = 0;
		ok(uniq, "%s: name is unique", f->name);
		ok(f->ext != NULL && f->ext[0] != '\0' &&
		   strpbrk(f->ext, "/. ") == NULL, "%s: extension is a plain word",
		   f->name);
		ok(f->validate != NULL, "%s: has a validator", f->name);
		ok(f->nsigs > 0, "%s: has signatures", f->name);
		int reach = 1;
		for (unsigned s = 0; s < f->nsigs; s++)
			if (f->sigs[s].len == 0 ||
			    f->sigs[s].len > FORMAT_SIG_MAX_LEN ||
			    f->sigs[s].offset + f->sigs[s].len >
			    FORMAT_SIG_MAX_REACH)
				reach = 0;
		ok(reach, "%s: signatures are 1..%d bytes within %d bytes",
		   f->name, FORMAT_SIG_MAX_LEN, FORMAT_SIG_MAX_REACH);
		int sal = 1;
		for (unsigned s = 0; s < f->nsigs; s++)
			if (f->sigs[s].align & (f->sigs[s].align - 1))
				sal = 0;
		ok(sal, "%s: signature alignments are 0 or powers of two", f->name);
		ok(f->max_size > f->min_size && f->max_size <= (1ull << 42),
		   "%s: size limits are sane", f->name);
		ok(f->align >= 1 && (f->align & (f->align - 1)) == 0,
		   "%s: alignment is a power of two", f->name);
		ok(format_find(f->name) == f, "%s: found by name", f->name);
	}
	ok(format_find("no-such-format") == NULL, "unknown names are not found");
	return tap_done();
}

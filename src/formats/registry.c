/*
 * registry.c - the format table built from formats.def, and lookups on it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "formats/format.h"

#define FORMAT(n) extern const struct format format_##n;
#include "formats/formats.def"
#undef FORMAT

const struct format *const format_table[] = {
#define FORMAT(n) &format_##n,
#include "formats/formats.def"
#undef FORMAT
	NULL,   /* keeps the array non-empty and marks its end */
};

const unsigned format_count =
	sizeof(format_table) / sizeof(format_table[0]) - 1;

const struct format *format_find(const char *name)
{
	for (unsigned i = 0; i < format_count; i++) {
		if (strcasecmp(format_table[i]->name, name) == 0 ||
		    strcasecmp(format_table[i]->ext, name) == 0)
			return format_table[i];
	}
	return NULL;
}

void carve_meta_add(struct carve_result *res, const char *key,
                    const char *fmt, ...)
{
	va_list ap;

	if (res->nmeta >= CARVE_META_MAX)
		return;
	struct carve_meta *m = &res->meta[res->nmeta++];
	snprintf(m->key, sizeof(m->key), "%s", key);
	va_start(ap, fmt);
	vsnprintf(m->val, sizeof(m->val), fmt, ap);
	va_end(ap);
}

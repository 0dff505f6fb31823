/*
 * format_list.c - the format registry as dredge.h shows it.
 *
 * `dredge types` and any other caller of the library learn which formats
 * a scan recovers, and the signatures it looks for, through these few
 * calls; the descriptors themselves (src/formats) stay internal.  They
 * live here, beside the scan context that carries the format table, since
 * src/formats may not include dredge.h.
 */
#include "config.h"

#include <errno.h>

#include "dredge.h"
#include "formats/format.h"

unsigned dredge_format_count(void)
{
	return format_count;
}

int dredge_format_get(unsigned i, struct dredge_format_info *info)
{
	if (i >= format_count)
		return -ENOENT;
	const struct format *f = format_table[i];
	info->name = f->name;
	info->ext = f->ext;
	info->description = f->description;
	info->align = f->align;
	info->nsigs = f->nsigs;
	return 0;
}

int dredge_format_find(const char *name)
{
	const struct format *f = format_find(name);

	for (unsigned i = 0; f != NULL && i < format_count; i++)
		if (format_table[i] == f)
			return (int)i;
	return -ENOENT;
}

int dredge_format_signature(unsigned i, unsigned s,
                            struct dredge_signature *sig)
{
	if (i >= format_count || s >= format_table[i]->nsigs)
		return -ENOENT;
	const struct format_sig *g = &format_table[i]->sigs[s];
	sig->bytes = g->bytes;
	sig->len = g->len;
	sig->offset = g->offset;
	sig->masked = g->mask != NULL;
	sig->align = g->align;
	return 0;
}

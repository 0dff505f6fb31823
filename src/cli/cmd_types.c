/*
 * cmd_types.c - `dredge types`: the formats dredge recovers, with the
 * signatures a scan looks for, as the library's registry describes them.
 */
#include "config.h"

#include <stdio.h>

#include "cli/cmd.h"
#include "dredge.h"

static int cmd_types(int argc, char **argv, const char *cmdline)
{
	printf("%-8s %-5s %-6s %-40s %s\n", "NAME", "EXT", "ALIGN",
	       "SIGNATURES (offset:hex)", "DESCRIPTION");
	for (unsigned i = 0; i < dredge_format_count(); i++) {
		struct dredge_format_info f;
		struct dredge_signature sig;
		char sigs[512] = "";
		size_t n = 0;

		if (dredge_format_get(i, &f) != 0)
			break;
		for (unsigned s = 0; s < f.nsigs && n < sizeof(sigs) - 80; s++) {
			if (dredge_format_signature(i, s, &sig) != 0)
				break;
			n += (size_t)snprintf(sigs + n, sizeof(sigs) - n, "%s%u:",
			                      s ? " " : "", sig.offset);
			for (unsigned b = 0; b < sig.len; b++)
				n += (size_t)snprintf(sigs + n, sizeof(sigs) - n,
				                      "%02x", sig.bytes[b]);
			if (sig.masked)
				n += (size_t)snprintf(sigs + n, sizeof(sigs) - n,
				                      "&mask");
			if (sig.align && sig.align != f.align)
				n += (size_t)snprintf(sigs + n, sizeof(sigs) - n,
				                      "/%u", sig.align);
		}
		printf("%-8s %-5s %-6u %-40s %s\n", f.name, f.ext, f.align,
		       sigs, f.description);
	}
	return 0;
}

const struct cmd_entry cmd_types_entry = {
	.name = "types",
	.usage = "types",
	.about = "list formats and their signatures",
	.exec = cmd_types,
};

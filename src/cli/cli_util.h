/*
 * cli_util.h - option parsing shared by the dredge subcommands.
 */
#ifndef DREDGE_CLI_CLI_UTIL_H
#define DREDGE_CLI_CLI_UTIL_H

#include <stdint.h>

/*
 * Parses a byte count or number: decimal, or hexadecimal after "0x", with
 * an optional K, M or G suffix (powers of 1024, "KiB"/"KB" accepted).
 * Returns 0, or -1 for anything else (sign, overflow, trailing text).
 */
int cli_parse_size(const char *s, uint64_t *out);

/* Parses --direct's argument: "auto" -1, "on" 1, "off" 0; 0 or -1. */
int cli_parse_direct(const char *s, int *out);

#endif

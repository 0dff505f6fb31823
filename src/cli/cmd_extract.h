/*
 * cmd_extract.h - `dredge extract` (cmd_extract.c), called from main.c.
 */
#ifndef DREDGE_CLI_CMD_EXTRACT_H
#define DREDGE_CLI_CMD_EXTRACT_H

/* Runs `dredge extract ...`; argv[0] is "extract".  Returns the exit
 * status. */
int cmd_extract(int argc, char **argv);

#endif

/*
 * cmd_fs.h - the `dredge fs` subcommands (cmd_fs.c), called from main.c.
 */
#ifndef DREDGE_CLI_CMD_FS_H
#define DREDGE_CLI_CMD_FS_H

/* Runs `dredge fs ...`; argv[0] is "fs".  Returns the exit status. */
int cmd_fs(int argc, char **argv);

#endif

/*
 * scan_repair.h - `dredge scan --repair`: after the scan, every MP4 clip
 * it recovered cut off before its index is also written playable.
 */
#ifndef DREDGE_CLI_SCAN_REPAIR_H
#define DREDGE_CLI_SCAN_REPAIR_H

/*
 * Reads OUTDIR/report.jsonl and, for each mp4 file there with status
 * truncated and reason "no moov box (recording cut off)", writes
 * NAME.repaired.mp4 beside it (dredge_repair) with reference as the codec
 * setup, or, with reference NULL, the whole MP4 clip of the scan among
 * the nearest (by source offset) whose setup finds the most frames in it.
 * Each one is listed in OUTDIR/report.repair.jsonl; one that cannot be
 * repaired gets a message on stderr and stays written raw.  Returns how
 * many were written, or -1 after a message on stderr (the report cannot
 * be read, or the list not written).
 */
int scan_repair(const char *outdir, const char *reference);

#endif

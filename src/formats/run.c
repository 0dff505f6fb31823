/*
 * run.c - the one place a format's validate is called (see run.h).
 *
 * What every caller needs from a validation, whoever found the candidate:
 * a reader that cannot run past the candidate's extents or the format's
 * largest file, the format's verdict, and the guarantee that the verdict
 * claims no byte the reader could not serve.  Caller policy (a minimum
 * size, what a vanished source means, which cluster map to try) stays
 * with the caller.
 */
#include "config.h"

#include <string.h>

#include "formats/run.h"

int run_validate(const struct format *fmt, const struct run_req *req,
                 struct carve_result *res, int *io_err)
{
	struct bread br;
	int rc;

	carve_result_clear(res);
	if (io_err != NULL)
		*io_err = 0;
	if (req->win != NULL)
		rc = bread_open_extents_window(&br, req->src, req->ext, req->next,
		                               req->win, req->win_cap);
	else
		rc = bread_open_extents(&br, req->src, req->ext, req->next,
		                        req->win_cap);
	if (rc != 0) {
		carve_reject(res, "reader setup failed");
		return rc;
	}
	if (req->bad != NULL)
		bread_on_bad(&br, req->bad, req->bad_arg);
	br.thorough = req->thorough;
	br.seams_placed = req->seams_placed;
	br.shared = req->shared;
	if (req->mem != NULL && req->next == 1)
		bread_use_memory(&br, req->mem, req->mem_off, req->mem_len);
	if (fmt->max_size != 0)
		bread_limit(&br, fmt->max_size);
	if (req->resume != NULL && fmt->validate_resume != NULL)
		fmt->validate_resume(&br, res, req->resume, req->stable);
	else
		fmt->validate(&br, res);
	if (io_err != NULL)
		*io_err = br.err;
	if (req->searched != NULL)
		*req->searched = br.searched;
	if (res->verdict != CARVE_REJECT && res->length > bread_size(&br))
		carve_truncated(res, bread_size(&br),
		                "validator overran its reader");
	if (res->verdict == CARVE_TRUNCATED && res->length == bread_size(&br))
		res->open_end = true;
	if (!res->open_end || res->vouched > res->length)
		res->vouched = res->open_end ? res->length : 0;
	bread_close(&br);
	return 0;
}

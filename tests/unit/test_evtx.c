/*
 * test_evtx.c - the EVTX validator.  Event logs are written by Windows
 * only, so the samples (tests/data/evtx/make.sh) are built byte by byte
 * from the format description, with right CRCs.  Here they are embedded
 * in random bytes and cut short, and edited into hostile variants (CRCs
 * made right again where the walk must reach the bad field).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "fmt_util.h"
#include "img_check.h"
#include "common/crc32.h"

extern const struct format format_evtx;

static const struct sample {
	const char *file;
	const char *chunks;
	const char *records;
} samples[] = {
	{ "evtx/one.evtx", "1", "3" },
	{ "evtx/two.evtx", "2", "7" },
};

static void check_sample(const struct sample *s)
{
	size_t len;
	uint8_t *f = tu_load_data(s->file, &len);
	struct carve_result res;

	ic_embedded_at(&format_evtx, s->file, f, len, 4096, 3000, 23, &res);
	is_str(tu_meta(&res, "chunks"), s->chunks, "%s: chunks", s->file);
	is_str(tu_meta(&res, "records"), s->records, "%s: records", s->file);
	is_str(tu_meta(&res, "version"), "3.1", "%s: version", s->file);
	ic_cuts(&format_evtx, s->file, f, len);
	free(f);
}

/* Makes the file header's CRC right again. */
static void fix_header(uint8_t *f)
{
	mem_put_le32(f + 124, crc32_update(0, f, 120));
}

/* Makes the CRCs of the chunk at c right again. */
static void fix_chunk(uint8_t *c)
{
	uint32_t free_off = mem_le32(c + 48);
	mem_put_le32(c + 52, crc32_update(0, c + 512, free_off - 512));
	uint32_t crc = crc32_update(0, c, 120);
	mem_put_le32(c + 124, crc32_update(crc, c + 128, 384));
}

static void check_hostile(void)
{
	size_t len;
	uint8_t *f = tu_load_data("evtx/two.evtx", &len);
	struct carve_result res;
	uint8_t *c1 = f + 4096, *c2 = f + 4096 + 65536;

	f[10] ^= 1;
	tu_validate(&format_evtx, f, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "file header CRC wrong: rejected");
	f[10] ^= 1;
	/* 65535 chunks announced */
	f[42] = 0xff;
	f[43] = 0xff;
	fix_header(f);
	tu_validate(&format_evtx, f, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == len,
	   "65535 chunks: truncated at what is there");
	f[42] = 2;
	f[43] = 0;
	fix_header(f);
	c2[600] ^= 1;
	tu_validate(&format_evtx, f, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == 4096 + 65536,
	   "second chunk's records CRC wrong: truncated after the first");
	c2[600] ^= 1;
	c2[200] ^= 1;
	tu_validate(&format_evtx, f, len, 0, &res);
	ok(res.verdict == CARVE_TRUNCATED && res.length == 4096 + 65536,
	   "second chunk's header CRC wrong: truncated after the first");
	c2[200] ^= 1;
	c1[300] ^= 1;
	tu_validate(&format_evtx, f, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "first chunk's header CRC wrong: "
	   "rejected");
	c1[300] ^= 1;
	/* a record of size 0, CRCs made right */
	uint8_t save[4];
	memcpy(save, c1 + 516, 4);
	memset(c1 + 516, 0, 4);
	fix_chunk(c1);
	tu_validate(&format_evtx, f, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "record of size 0: rejected");
	/* a record claiming the rest of the chunk */
	mem_put_le32(c1 + 516, 0xfffffff0);
	fix_chunk(c1);
	tu_validate(&format_evtx, f, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "record past the free space: rejected");
	memcpy(c1 + 516, save, 4);
	/* free space offset past the chunk */
	uint32_t free_off = mem_le32(c1 + 48);
	mem_put_le32(c1 + 48, 70000);
	uint32_t crc = crc32_update(0, c1, 120);
	mem_put_le32(c1 + 124, crc32_update(crc, c1 + 128, 384));
	tu_validate(&format_evtx, f, len, 0, &res);
	ok(res.verdict == CARVE_REJECT, "free space past the chunk: rejected");
	mem_put_le32(c1 + 48, free_off);
	fix_chunk(c1);
	tu_validate(&format_evtx, f, len, 0, &res);
	ok(res.verdict == CARVE_ACCEPT && res.length == len, "restored: "
	   "accepted");
	free(f);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		check_sample(&samples[i]);
	check_hostile();
	return tap_done();
}

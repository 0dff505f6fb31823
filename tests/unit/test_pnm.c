/*
 * test_pnm.c - the Netpbm validator on files from the netpbm tools
 * (tests/data/pnm, see make.sh there): binary and plain PBM, PGM, PPM,
 * 16-bit samples, comments in the header, PAM with and without alpha; on
 * cut copies, samples over maxval, hostile dimensions and headers built
 * here.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "fmt_util.h"
#include "img_check.h"

extern const struct format format_pnm;
static const struct format *F = &format_pnm;

static void check_sample(const char *file, const char *ext, const char *w,
                         const char *h, uint64_t seed)
{
	char name[256];
	size_t len;
	struct carve_result res;

	snprintf(name, sizeof(name), "pnm/%s", file);
	uint8_t *data = tu_load_data(name, &len);
	ic_embedded(F, file, data, len, seed, &res);
	is_str(res.ext, ext, "%s: extension", file);
	is_str(tu_meta(&res, "width"), w, "%s: width", file);
	is_str(tu_meta(&res, "height"), h, "%s: height", file);
	ic_cuts(F, file, data, len);
	free(data);
}

/* Validates a NUL-terminated text followed by random filler. */
static enum carve_verdict text(const char *s, struct carve_result *res)
{
	size_t n = strlen(s);
	uint8_t buf[4096];

	tu_random(buf, sizeof(buf), 21);
	memcpy(buf, s, n);
	return tu_validate(F, buf, sizeof(buf), 0, res);
}

int main(void)
{
	struct carve_result res;
	size_t len;

	check_sample("gradient.pgm", "pgm", "33", "21", 1);
	check_sample("deep.pgm", "pgm", "23", "11", 2);
	check_sample("colour.ppm", "ppm", "31", "17", 3);
	check_sample("checker.pbm", "pbm", "19", "13", 4);
	check_sample("plain.pbm", "pbm", "19", "13", 5);
	check_sample("plain.pgm", "pgm", "9", "5", 6);
	check_sample("plain.ppm", "ppm", "7", "4", 7);
	check_sample("commented.ppm", "ppm", "31", "17", 8);
	check_sample("colour.pam", "pam", "31", "17", 9);
	check_sample("alpha.pam", "pam", "31", "17", 10);
	uint8_t *alpha = tu_load_data("pnm/alpha.pam", &len);
	tu_validate(F, alpha, len, 0, &res);
	free(alpha);
	is_str(tu_meta(&res, "tupltype"), "RGB_ALPHA", "alpha.pam: tupltype");
	is_str(tu_meta(&res, "depth"), "4", "alpha.pam: depth");

	/* A sample over maxval 100 in a binary greymap. */
	{
		uint8_t img[64];
		memcpy(img, "P5\n4 4\n100\n", 11);
		memset(img + 11, 50, 16);
		img[11 + 9] = 101;
		is_u64(tu_validate(F, img, 27, 0, &res), CARVE_TRUNCATED,
		       "sample over maxval: truncated");
		is_u64(res.length, 11 + 9, "sample over maxval: cut there");
		img[11 + 9] = 100;
		is_u64(tu_validate(F, img, 27, 0, &res), CARVE_ACCEPT,
		       "samples at maxval: accepted");
		is_u64(res.length, 27, "samples at maxval: exact length");
	}
	/* Hostile headers. */
	is_u64(text("P6\n99999999 99999999\n255\n", &res), CARVE_REJECT,
	       "width 99999999: rejected");
	is_u64(text("P6\n1048576 1048576\n255\n", &res), CARVE_REJECT,
	       "a 1M x 1M pixmap (3 TB): rejected");
	is_u64(text("P6\n30000 30000\n255\n", &res), CARVE_TRUNCATED,
	       "a 30000 x 30000 pixmap: truncated where the data end");
	is_u64(res.length, 4096, "a 30000 x 30000 pixmap: what is there");
	is_u64(text("P5\n0 10\n255\n", &res), CARVE_REJECT,
	       "zero width: rejected");
	is_u64(text("P5\n10 10\n65536\n", &res), CARVE_REJECT,
	       "maxval 65536: rejected");
	is_u64(text("P5\n10 10\n0\n", &res), CARVE_REJECT,
	       "maxval 0: rejected");
	is_u64(text("P2\n2 2\n9\n1 2 3 10\n", &res), CARVE_REJECT,
	       "plain sample over maxval: rejected");
	is_u64(text("P2\n2 2\n9\n1 2 x 4\n", &res), CARVE_REJECT,
	       "plain raster with a letter: rejected");
	is_u64(text("P1\n3 1\n1 0 1\n", &res), CARVE_ACCEPT,
	       "tiny plain bitmap: accepted");
	is_u64(res.length, 13, "tiny plain bitmap: length");
	is_u64(text("P1\n3 1\n101\n", &res), CARVE_ACCEPT,
	       "plain bitmap without separators: accepted");
	is_u64(text("P7\nWIDTH 2\nHEIGHT 2\nMAXVAL 255\nENDHDR\n", &res),
	       CARVE_REJECT, "PAM without DEPTH: rejected");
	is_u64(text("P7\nWIDTH 2\nHEIGHT 2\nDEPTH 99\nMAXVAL 255\nENDHDR\n",
	            &res), CARVE_REJECT, "PAM of depth 99: rejected");
	is_u64(text("P7 332\n#XVVERSION:Version 3.10a\n", &res), CARVE_REJECT,
	       "an XV thumbnail header: rejected");
	is_u64(text("P6 is a paper size, not an image\n", &res), CARVE_REJECT,
	       "text starting with P6: rejected");
	/* A header that is all comment: given up after 64 KiB. */
	{
		size_t n = 200000;
		uint8_t *p = malloc(n);
		memset(p, 'x', n);
		memcpy(p, "P5\n#", 4);
		is_u64(tu_validate(F, p, n, 0, &res), CARVE_REJECT,
		       "200 KB comment: rejected");
		free(p);
	}
	/* A plain greymap of 1000 x 1000 whose raster stops at 10,000. */
	{
		size_t n = 12 + 10000 * 2;
		uint8_t *p = malloc(n);
		memcpy(p, "P2 1000 1000", 12);
		for (size_t i = 12; i < n; i += 2)
			memcpy(p + i, " 1", 2);
		is_u64(tu_validate(F, p, n, 0, &res), CARVE_TRUNCATED,
		       "plain raster cut short: truncated");
		is_u64(res.length, n, "plain raster cut short: what is there");
		free(p);
	}
	return tap_done();
}

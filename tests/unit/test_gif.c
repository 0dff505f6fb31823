/*
 * test_gif.c - the GIF validator on real files made by ImageMagick and
 * gifsicle (tests/data/gif), and on hand-built block sequences: a missing
 * trailer, bad LZW code sizes, junk blocks, floods of tiny blocks.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "fmt_util.h"
#include "img_check.h"

extern const struct format format_gif;

static void check_sample(const char *file, const char *w, const char *h,
                         const char *frames, uint64_t seed)
{
	char name[256];
	size_t len;
	struct carve_result res;

	snprintf(name, sizeof(name), "gif/%s", file);
	uint8_t *data = tu_load_data(name, &len);
	ic_embedded(&format_gif, file, data, len, seed, &res);
	is_str(tu_meta(&res, "width"), w, "%s: width", file);
	is_str(tu_meta(&res, "height"), h, "%s: height", file);
	is_str(tu_meta(&res, "frames"), frames, "%s: frames", file);
	unsigned t = ic_cuts(&format_gif, file, data, len);
	ok(t > 0, "%s: cuts come back truncated", file);
	free(data);
}

/* A 2x2 GIF89a with a 2-entry global table and one tiny image. */
static size_t tiny_gif(uint8_t *b)
{
	static const uint8_t gif[] = {
		'G', 'I', 'F', '8', '9', 'a', 2, 0, 2, 0, 0x80, 0, 0,
		0, 0, 0, 0xff, 0xff, 0xff,                  /* colour table */
		0x2c, 0, 0, 0, 0, 2, 0, 2, 0, 0,            /* descriptor */
		2, 2, 0x44, 0x01, 0,                        /* LZW data */
		0x3b,
	};
	memcpy(b, gif, sizeof(gif));
	return sizeof(gif);
}

int main(void)
{
	struct carve_result res;
	size_t len, n;

	check_sample("static.gif", "40", "30", "1", 11);
	check_sample("static87.gif", "40", "30", "1", 12);
	check_sample("anim.gif", "32", "24", "6", 13);
	check_sample("anim-opt.gif", "32", "24", "6", 14);

	uint8_t *anim = tu_load_data("gif/anim.gif", &len);
	uint8_t *buf = malloc(4 << 20);

	/* Trailer missing, zeroed space after: cut where it should be. */
	memcpy(buf, anim, len - 1);
	memset(buf + len - 1, 0, 4096);
	is_u64(tu_validate(&format_gif, buf, len - 1 + 4096, 0, &res),
	       CARVE_TRUNCATED, "no trailer, zeros after: truncated");
	is_u64(res.length, len - 1, "no trailer: length up to the last block");
	is_str(res.reason, "missing trailer", "no trailer: reason");

	/* Trailer missing at the end of the source. */
	is_u64(tu_validate(&format_gif, anim, len - 1, 0, &res),
	       CARVE_TRUNCATED, "no trailer at the end: truncated");
	is_u64(res.length, len - 1, "no trailer at the end: all that is there");

	n = tiny_gif(buf);
	ic_embedded(&format_gif, "tiny", buf, n, 15, &res);

	/* Bad LZW code sizes in the first image. */
	buf[29] = 0;
	is_u64(tu_validate(&format_gif, buf, n, 0, &res), CARVE_REJECT,
	       "LZW code size 0: rejected");
	is_str(res.reason, "bad LZW code size", "LZW code size 0: reason");
	buf[29] = 12;
	is_u64(tu_validate(&format_gif, buf, n, 0, &res), CARVE_REJECT,
	       "LZW code size 12: rejected");
	buf[29] = 2;

	/* A junk block type before any image. */
	buf[19] = 0x99;
	is_u64(tu_validate(&format_gif, buf, n, 0, &res), CARVE_REJECT,
	       "junk block: rejected");
	buf[19] = 0x2c;

	/* Header straight into the trailer. */
	buf[19] = 0x3b;
	is_u64(tu_validate(&format_gif, buf, 20, 0, &res), CARVE_REJECT,
	       "no image: rejected");
	buf[19] = 0x2c;

	/* Zero-sized logical screen: dimensions come from the first frame. */
	buf[6] = buf[8] = 0;
	is_u64(tu_validate(&format_gif, buf, n, 0, &res), CARVE_ACCEPT,
	       "zero screen: accepted");
	is_str(tu_meta(&res, "width"), "2", "zero screen: width of the frame");

	/* A 2nd image with a bad code size after a good one: truncated. */
	n = tiny_gif(buf);
	memcpy(buf + n - 1, buf + 19, 16);
	buf[n - 1 + 10] = 9;
	buf[n - 1 + 16] = 0x3b;
	is_u64(tu_validate(&format_gif, buf, n + 16, 0, &res), CARVE_TRUNCATED,
	       "bad 2nd image: truncated");
	is_u64(res.length, n - 1, "bad 2nd image: cut before it");

	/* A million one-byte sub-blocks: walked to the exact end. */
	n = tiny_gif(buf) - 4;
	for (unsigned i = 0; i < 1000000; i++) {
		buf[n++] = 1;
		buf[n++] = 0x55;
	}
	buf[n++] = 0;
	buf[n++] = 0x3b;
	is_u64(tu_validate(&format_gif, buf, n, 0, &res), CARVE_ACCEPT,
	       "a million sub-blocks: accepted");
	is_u64(res.length, n, "a million sub-blocks: exact length");

	/* More than a million empty extension blocks: a quick rejection. */
	n = tiny_gif(buf) - 1;
	for (unsigned i = 0; i < 1000001; i++) {
		buf[n++] = 0x21;
		buf[n++] = 0xfe;
		buf[n++] = 0;
	}
	buf[n++] = 0x3b;
	is_u64(tu_validate(&format_gif, buf, n, 0, &res), CARVE_REJECT,
	       "a million extensions: rejected");
	is_str(res.reason, "too many blocks", "a million extensions: reason");

	/* Signature and junk. */
	memcpy(buf, "GIF89a", 6);
	unsigned accepted = 0;
	for (unsigned s = 1; s <= 500; s++) {
		tu_random(buf + 6, 2000, s);
		if (tu_validate(&format_gif, buf, 2006, 0, &res) == CARVE_ACCEPT)
			accepted++;
	}
	is_u64(accepted, 0, "signature and junk: never accepted (500 seeds)");

	free(buf);
	free(anim);
	return tap_done();
}

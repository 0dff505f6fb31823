/*
 * test_jdec_stream.c - decoding one whole JPEG stream (jdec_stream, as a
 * TIFF strip or a motion-JPEG frame is decoded): a whole stream, a stream
 * without DHT decoded with the standard tables of T.81 Annex K, an
 * abbreviated stream with its tables given apart (a TIFF's JPEGTables),
 * and the fragmentation point of streams cut and continued by random
 * bytes, a block of zeros, or run past their container.  The sample
 * (tests/data/jpeg/frag_420.jpg) is coded with the standard tables, so
 * decoding it without its DHT segments checks the tables typed here.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"
#include "fmt_util.h"
#include "formats/jpeg_decode.h"
#include "io/source.h"

struct mem {
	int fd;
	struct source src;
	struct bread br;
};

/* A reader over buf[0..len). */
static void mem_open(struct mem *m, const uint8_t *buf, size_t len)
{
	m->fd = memfd_create("dredge-jdec-stream", MFD_CLOEXEC);
	if (m->fd < 0)
		tap_bail("memfd_create failed");
	for (size_t done = 0; done < len;) {
		ssize_t w = write(m->fd, buf + done, len - done);
		if (w <= 0)
			tap_bail("write failed");
		done += (size_t)w;
	}
	if (source_open_fd(&m->src, m->fd, "jdec") != 0 ||
	    bread_open(&m->br, &m->src, 0, len, 0) != 0)
		tap_bail("reader setup failed");
}

static void mem_close(struct mem *m)
{
	bread_close(&m->br);
	source_close(&m->src);
	close(m->fd);
}

/* jdec_stream over buf[0..len) from off, its container ending at end. */
static enum jdec_end stream(struct jdec *d, const uint8_t *buf, size_t len,
                            uint64_t off, uint64_t end, unsigned flags,
                            uint64_t *next, struct jdec_fail *fail)
{
	struct mem m;

	mem_open(&m, buf, len);
	enum jdec_end e = jdec_stream(d, &m.br, off, end, flags, next, fail);
	mem_close(&m);
	return e;
}

/* Copies the segments of jpg (up to its SOS) whose marker keep()
 * selects into out after an SOI; returns the bytes written. */
static size_t segments(const uint8_t *jpg, size_t len, uint8_t *out,
                       bool (*keep)(uint8_t), bool scan)
{
	size_t at = 2, n = 2;

	out[0] = 0xff;
	out[1] = 0xd8;
	while (at + 4 <= len && jpg[at] == 0xff) {
		uint8_t m = jpg[at + 1];
		size_t sl = 2 + ((size_t)jpg[at + 2] << 8 | jpg[at + 3]);
		if (m == 0xda) {
			if (scan) {
				memcpy(out + n, jpg + at, len - at);
				return n + len - at;
			}
			break;
		}
		if (keep(m)) {
			memcpy(out + n, jpg + at, sl);
			n += sl;
		}
		at += sl;
	}
	out[n++] = 0xff;
	out[n++] = 0xd9;
	return n;
}

static bool not_dht(uint8_t m) { return m != 0xc4; }
static bool tables(uint8_t m) { return m == 0xc4 || m == 0xdb; }
static bool not_tables(uint8_t m) { return !tables(m); }

int main(void)
{
	size_t len;
	uint8_t *jpg = tu_load_data("jpeg/frag_420.jpg", &len);
	uint8_t *buf = malloc(2 * len + 65536);
	uint8_t *tab = malloc(len);
	struct jdec *d = jdec_new();
	struct jdec_fail fail;
	uint64_t next = 0;

	if (buf == NULL || tab == NULL || d == NULL)
		tap_bail("out of memory");

	/* Whole, at an offset, with bytes after it. */
	memset(buf, 0x55, 100);
	memcpy(buf + 100, jpg, len);
	memset(buf + 100 + len, 0xaa, 300);
	ok(stream(d, buf, 100 + len + 300, 100, 100 + len, 0, &next,
	          &fail) == JDEC_OK, "a whole stream decodes");
	is_u64(next, 100 + len, "... and ends after its EOI");
	ok(stream(d, buf, 100 + len + 300, 100, 100 + len - 1, 0, &next,
	          &fail) == JDEC_FAIL, "an EOI past its container fails");
	is_u64(fail.bad, 100 + len - 1, "... at the container's end");
	ok(stream(d, buf, 100 + len + 300, 99, 100 + len, 0, &next,
	          &fail) == JDEC_FAIL && fail.bad == 99,
	   "no SOI: fails where the stream should start");

	/* Without DHT: only the standard tables decode it. */
	size_t n = segments(jpg, len, buf, not_dht, true);
	ok(stream(d, buf, n, 0, n, 0, &next, &fail) == JDEC_SKIP,
	   "without DHT and without the standard tables: not decoded");
	ok(stream(d, buf, n, 0, n, JDEC_STD_TABLES, &next, &fail) == JDEC_OK,
	   "without DHT, with the standard tables of Annex K: decodes");
	is_u64(next, n, "... to its EOI");

	/* Abbreviated: tables apart, as TIFF's JPEGTables. */
	size_t tn = segments(jpg, len, tab, tables, false);
	n = segments(jpg, len, buf, not_tables, true);
	ok(jdec_tables(d, tab, tn), "a table specification is taken");
	ok(stream(d, buf, n, 0, n, 0, &next, &fail) == JDEC_OK && next == n,
	   "an abbreviated stream decodes with its table specification");
	ok(stream(d, buf, n, 0, n, 0, &next, &fail) == JDEC_OK,
	   "... again (what a stream defines does not stay)");
	ok(!jdec_tables(d, jpg, len), "a whole image is no table "
	   "specification");
	ok(stream(d, buf, n, 0, n, 0, &next, &fail) == JDEC_SKIP,
	   "... and then the abbreviated stream has no tables");
	ok(!jdec_tables(d, NULL, 0), "no tables");

	/* Cut in the scan data, continued by random bytes or zeros. */
	unsigned bad_lag = 0, bad_good = 0, cuts = 0;
	for (size_t cut = 1024; cut + 512 < len; cut += 512) {
		for (int kind = 0; kind < 2; kind++) {
			memcpy(buf, jpg, cut);
			/* zeros: a zeroed block, then other data (zeros
			 * up to the reader's end prove nothing) */
			tu_random(buf + cut, len, cut);
			if (kind == 1)
				memset(buf + cut, 0, 4096);
			enum jdec_end e = stream(d, buf, cut + len, 0,
			                         cut + len, 0, &next, &fail);
			cuts++;
			if (e != JDEC_FAIL || fail.bad < cut ||
			    fail.bad > cut + 2048) {
				bad_lag++;
				printf("# cut %zu kind %d: end %d bad %" PRIu64
				       "\n", cut, kind, (int)e,
				       e == JDEC_FAIL ? fail.bad : 0);
			}
			if (e == JDEC_FAIL && fail.good > cut)
				bad_good++;
		}
	}
	ok(cuts > 40, "%u cuts tried", cuts);
	is_u64(bad_lag, 0, "every cut fails within 2 KiB after it");
	is_u64(bad_good, 0, "... and nothing past the cut is called good");

	/* A table segment that cannot be one. */
	memcpy(buf, jpg, len);
	buf[177 + 4] = 0x77;   /* the first DHT's class/id */
	ok(stream(d, buf, len, 0, len, 0, &next, &fail) == JDEC_FAIL &&
	   fail.bad == 210 && fail.good <= 177,
	   "a bad DHT fails at its end");

	jdec_free(d);
	free(tab);
	free(buf);
	free(jpg);
	return tap_done();
}

/*
 * test_ts.c - the MPEG transport stream validator on files from ffmpeg
 * (tests/data/ts, see make.sh there): H.264 with AAC, MPEG-2 with MP2,
 * and an AVCHD-style M2TS with 192-byte packets; on cut copies, counter
 * jumps, repeated packets, error flags, broken adaptation fields and
 * packet runs without tables built here.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "media_util.h"

extern const struct format format_ts;
static const struct format *F = &format_ts;

static void check_sample(const char *file, const char *ext,
                         const char *packet, const char *streams,
                         uint64_t seed)
{
	char name[256];
	size_t len;
	struct carve_result res;

	snprintf(name, sizeof(name), "ts/%s", file);
	uint8_t *data = tu_load_data(name, &len);
	mu_check_embedded(F, file, data, len, ext, seed, &res);
	mu_meta_is(&res, "packet", packet, file);
	mu_meta_is(&res, "programs", "1", file);
	mu_meta_is(&res, "streams", streams, file);
	unsigned t = ic_cuts(F, file, data, len);
	ok(t > 0, "%s: cuts come back truncated", file);
	free(data);
}

static unsigned pid_of(const uint8_t *p)
{
	return (unsigned)(p[1] & 0x1f) << 8 | p[2];
}

/* Offset of the n-th packet (from 0) of pid in a 188-byte stream. */
static size_t nth_packet(const uint8_t *f, size_t len, unsigned pid,
                         unsigned n)
{
	for (size_t off = 0; off + 188 <= len; off += 188)
		if (pid_of(f + off) == pid && n-- == 0)
			return off;
	return (size_t)-1;
}

int main(void)
{
	struct carve_result res;
	size_t len;

	check_sample("h264_aac.ts", "ts", "188", "h264,aac", 1);
	check_sample("mpeg2.ts", "ts", "188", "mpeg2video,mpegaudio", 2);
	/* ffmpeg's M2TS mode marks its AAC stream as private data. */
	check_sample("avchd.m2ts", "m2ts", "192", "h264,private", 3);

	uint8_t *ts = tu_load_data("ts/h264_aac.ts", &len);
	uint8_t *buf = malloc(len + 8192);

	/* The video PID's tenth packet gets a counter two ahead. */
	size_t at = nth_packet(ts, len, 0x100, 10);
	ok(at != (size_t)-1, "tenth video packet found");
	memcpy(buf, ts, len);
	buf[at + 3] = (uint8_t)((buf[at + 3] & 0xf0) | ((buf[at + 3] + 2) & 0x0f));
	tu_random(buf + len, 4096, 3);
	is_u64(tu_validate(F, buf, len + 4096, 0, &res), CARVE_TRUNCATED,
	       "counter jump: truncated");
	is_u64(res.length, at, "counter jump: cut before that packet");
	is_str(res.reason, "continuity counter jumps", "counter jump: reason");

	/* A packet sent twice (allowed once) is part of the stream. */
	memcpy(buf, ts, at + 188);
	memcpy(buf + at + 188, ts + at, len - at);
	tu_random(buf + len + 188, 1000, 4);
	is_u64(tu_validate(F, buf, len + 1188, 0, &res), CARVE_ACCEPT,
	       "a repeated packet: accepted");
	is_u64(res.length, len + 188, "a repeated packet: whole length");
	/* Three times is not a repeat. */
	memcpy(buf, ts, at + 188);
	memcpy(buf + at + 188, ts + at, 188);
	memcpy(buf + at + 376, ts + at, len - at);
	is_u64(tu_validate(F, buf, len + 376, 0, &res), CARVE_TRUNCATED,
	       "a packet three times: truncated");
	is_u64(res.length, at + 376, "a packet three times: cut at the third");

	/* The transport error flag on one packet. */
	memcpy(buf, ts, len);
	buf[at + 1] |= 0x80;
	is_u64(tu_validate(F, buf, len, 0, &res), CARVE_TRUNCATED,
	       "transport error flag: truncated");
	is_u64(res.length, at, "transport error flag: cut before it");

	/* An adaptation field longer than the packet. */
	memcpy(buf, ts, len);
	buf[at + 3] = (uint8_t)((buf[at + 3] & 0x0f) | 0x30);
	buf[at + 4] = 200;
	is_u64(tu_validate(F, buf, len, 0, &res), CARVE_TRUNCATED,
	       "adaptation field of 200: truncated");
	is_u64(res.length, at, "adaptation field of 200: cut before it");

	/* A packet of a PID no table names ends the file. */
	memcpy(buf, ts, len);
	buf[at + 1] = (uint8_t)((buf[at + 1] & 0xe0) | 0x07);
	buf[at + 2] = 0x77;
	is_u64(tu_validate(F, buf, len, 0, &res), CARVE_ACCEPT,
	       "unknown PID: the file ends before it");
	is_u64(res.length, at, "unknown PID: length");

	/* A bad PAT CRC on every PAT: no table, no file. */
	memcpy(buf, ts, len);
	for (size_t off = 0; off < len; off += 188)
		if (pid_of(buf + off) == 0)
			buf[off + 10] ^= 0x01;
	is_u64(tu_validate(F, buf, len, 0, &res), CARVE_REJECT,
	       "every PAT broken: rejected");

	/* Seven sync bytes at the stride, then junk. */
	tu_random(buf, 4096, 9);
	for (unsigned k = 0; k < 7; k++)
		buf[k * 188] = 0x47;
	buf[7 * 188] = 0;
	is_u64(tu_validate(F, buf, 4096, 0, &res), CARVE_REJECT,
	       "seven sync bytes: rejected");
	is_str(res.reason, "no run of sync bytes", "seven sync bytes: reason");

	/* 40,000 null packets: sync bytes everywhere, no PAT. */
	{
		size_t n = 40000 * 188;
		uint8_t *p = malloc(n);
		for (size_t off = 0; off < n; off += 188) {
			memset(p + off, 0xff, 188);
			memcpy(p + off, "\x47\x1f\xff\x10", 4);
		}
		is_u64(tu_validate(F, p, n, 0, &res), CARVE_REJECT,
		       "null packets only: rejected");
		is_str(res.reason, "no PAT near the start",
		       "null packets only: reason");
		free(p);
	}
	/* A PMT whose stream loop claims 4095 bytes of descriptors: read
	 * within the section, accepted as a stream of no elementary PID. */
	{
		size_t pmt = nth_packet(ts, len, 0x1000, 0);
		memcpy(buf, ts, len);
		uint8_t *s = buf + pmt + 5;
		size_t slen = ((size_t)(s[1] & 0x0f) << 8 | s[2]) + 3;
		s[12 + (mem_be16(s + 10) & 0x0fff) + 3] |= 0x0f;
		s[12 + (mem_be16(s + 10) & 0x0fff) + 4] = 0xff;
		/* CRC-32/MPEG-2 made right again */
		uint32_t c = 0xffffffffu;
		for (size_t i = 0; i < slen - 4; i++) {
			c ^= (uint32_t)s[i] << 24;
			for (int b = 0; b < 8; b++)
				c = c & 0x80000000u ? (c << 1) ^ 0x04c11db7u : c << 1;
		}
		mem_put_be32(s + slen - 4, c);
		ok(tu_validate(F, buf, len, 0, &res) != CARVE_ACCEPT ||
		   res.length <= len, "hostile PMT: no overrun, no crash");
	}
	free(buf);
	free(ts);
	return tap_done();
}

/*
 * ts.c - MPEG transport streams: broadcast and camera .ts, and the M2TS
 * (.m2ts, .mts) that AVCHD camcorders and Blu-ray write.
 *
 * A transport stream is a run of 188-byte packets, each opening with the
 * sync byte 0x47 and a 13-bit packet ID; M2TS puts a 4-byte arrival time
 * stamp before every packet (192 bytes).  The PAT (PID 0) lists the
 * programs and the PID of each one's PMT; a PMT lists the elementary
 * streams.  Each PID's packets carry a 4-bit continuity counter.
 *
 * One sync byte is a weak magic, so a candidate starts at a block start
 * and must show a run of sync bytes at the packet stride and a PAT among
 * its first packets before anything else is read.  The walk then follows
 * the packets: PAT and PMT sections (with their CRC) say which PIDs the
 * file has, and each PID's continuity counter must step by one.  A
 * stream has no end marker, so the file ends after the last packet of
 * the run: where the sync byte stops, or a packet belongs to no PID the
 * tables named, or a new PAT restarts the counters (the next recording).
 * A counter that jumps without the discontinuity flag, or a packet whose
 * header contradicts itself, is damage: the file is truncated before it.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "formats/format.h"

#define TS_PKT        188
#define TS_M2TS_PKT   192
#define TS_SYNC       0x47
#define TS_RUN        8       /* sync bytes at the stride to believe it */
#define TS_PAT_WITHIN 32      /* packets: a file opens with its tables */
#define TS_NPID       8192
#define TS_PID_NULL   0x1fff
#define TS_MAX_STREAMS 16     /* stream types kept for the metadata */

/* What a PID is to the walk. */
enum pid_role {
	PID_UNKNOWN = 0,
	PID_PAT,
	PID_PMT,
	PID_ES,
	PID_SI,      /* CAT, TSDT, DVB/ATSC tables, NIT: walked, not parsed */
	PID_NULL,
};

struct ts_walk {
	struct bread *br;
	unsigned stride, pre;       /* packet size, bytes before the sync */
	uint8_t role[TS_NPID];
	uint8_t cc[TS_NPID];        /* last counter + 1, 0 when none yet */
	bool dup[TS_NPID];          /* the last packet was a repeat */
	unsigned pmts, pmts_read;   /* PMT PIDs the PAT named, and parsed */
	bool pat;
	uint16_t programs;
	unsigned nstreams;
	uint8_t stream_type[TS_MAX_STREAMS];
};

/* CRC-32/MPEG-2 (MSB first, no final xor) of n bytes. */
static uint32_t ts_crc(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= (uint32_t)p[i] << 24;
		for (int b = 0; b < 8; b++)
			c = c & 0x80000000u ? (c << 1) ^ 0x04c11db7u : c << 1;
	}
	return c;
}

/*
 * The PSI section that starts in this packet's payload (pusi set):
 * *sec and *len when it fits in the packet and its CRC holds.
 */
static bool ts_section(const uint8_t *pl, size_t pl_len, uint8_t table,
                       const uint8_t **sec, size_t *len)
{
	if (pl_len < 1 || (size_t)pl[0] + 1 + 3 > pl_len)
		return false;
	const uint8_t *s = pl + 1 + pl[0];
	size_t room = pl_len - 1 - pl[0];
	size_t slen = ((size_t)(s[1] & 0x0f) << 8 | s[2]) + 3;
	if (s[0] != table || slen < 12 || slen > room ||
	    ts_crc(s, slen) != 0)
		return false;
	*sec = s;
	*len = slen;
	return true;
}

/* Reads the PAT: each program's PMT PID. */
static void ts_pat(struct ts_walk *w, const uint8_t *pl, size_t pl_len)
{
	const uint8_t *s;
	size_t len;

	if (w->pat || !ts_section(pl, pl_len, 0x00, &s, &len))
		return;
	for (size_t i = 8; i + 4 <= len - 4; i += 4) {
		uint16_t prog = mem_be16(s + i);
		uint16_t pid = mem_be16(s + i + 2) & 0x1fff;
		if (pid == 0 || pid == TS_PID_NULL)
			continue;
		if (prog == 0) {            /* the network information table */
			w->role[pid] = PID_SI;
			continue;
		}
		if (w->role[pid] != PID_PMT) {
			w->role[pid] = PID_PMT;
			w->pmts++;
		}
		w->programs++;
	}
	w->pat = true;
}

/* Reads a PMT: its elementary streams' PIDs and types. */
static void ts_pmt(struct ts_walk *w, const uint8_t *pl, size_t pl_len)
{
	const uint8_t *s;
	size_t len;

	if (!ts_section(pl, pl_len, 0x02, &s, &len))
		return;
	size_t pinfo = (size_t)(mem_be16(s + 10) & 0x0fff);
	size_t i = 12 + pinfo;
	while (i + 5 <= len - 4) {
		uint8_t type = s[i];
		uint16_t pid = mem_be16(s + i + 1) & 0x1fff;
		size_t esinfo = (size_t)(mem_be16(s + i + 3) & 0x0fff);
		if (w->role[pid] == PID_UNKNOWN) {
			w->role[pid] = PID_ES;
			if (w->nstreams < TS_MAX_STREAMS)
				w->stream_type[w->nstreams++] = type;
		}
		i += 5 + esinfo;
	}
	w->pmts_read++;
}

/* A short name for a PMT stream type. */
static const char *ts_type_name(uint8_t t)
{
	switch (t) {
	case 0x01: return "mpeg1video";
	case 0x02: return "mpeg2video";
	case 0x03: case 0x04: return "mpegaudio";
	case 0x06: return "private";
	case 0x0f: return "aac";
	case 0x10: return "mpeg4video";
	case 0x11: return "aac-latm";
	case 0x1b: return "h264";
	case 0x24: return "hevc";
	case 0x81: return "ac3";
	case 0x87: return "eac3";
	case 0x90: return "pgs";
	}
	return "other";
}

/* True when the sync byte repeats TS_RUN times at the walk's stride. */
static bool ts_run(struct bread *br, unsigned stride, unsigned pre)
{
	for (unsigned k = 0; k < TS_RUN; k++) {
		uint8_t b;
		if (bread_u8(br, pre + (uint64_t)k * stride, &b) != 0 ||
		    b != TS_SYNC)
			return false;
	}
	return true;
}

enum pkt_rc {
	PKT_OK,
	PKT_END,       /* not a packet of this stream: the file ended */
	PKT_DAMAGED,   /* a packet of this stream that is broken */
};

/* Checks one packet (p: stride bytes) and learns from its tables. */
static enum pkt_rc ts_packet(struct ts_walk *w, const uint8_t *p,
                             const char **why)
{
	const uint8_t *h = p + w->pre;

	if (h[0] != TS_SYNC)
		return PKT_END;
	bool tei = h[1] & 0x80, pusi = h[1] & 0x40;
	uint16_t pid = (uint16_t)((h[1] & 0x1f) << 8 | h[2]);
	unsigned afc = (h[3] >> 4) & 3, cc = h[3] & 0x0f;
	enum pid_role role = (enum pid_role)w->role[pid];

	if (afc == 0)
		return PKT_END;
	/* Once every PMT is read, a PID none of them named is not ours. */
	if (role == PID_UNKNOWN && w->pat && w->pmts_read >= w->pmts)
		return PKT_END;
	if (tei) {
		*why = "transport error flag set";
		return PKT_DAMAGED;
	}
	size_t pl = 4;
	bool disc = false;
	if (afc & 2) {
		unsigned aflen = h[4];
		if ((afc == 2 && aflen != 183) || (afc == 3 && aflen > 182)) {
			*why = "bad adaptation field length";
			return PKT_DAMAGED;
		}
		disc = aflen > 0 && (h[5] & 0x80);
		pl = 5 + aflen;
	}
	if (pid != TS_PID_NULL && (afc & 1)) {
		uint8_t last = w->cc[pid];
		if (last != 0 && cc != (last & 0x0f) && !disc) {
			bool repeat = cc == ((last - 1) & 0x0f) && !w->dup[pid];
			if (!repeat) {
				/* A PAT that breaks the count opens the next
				 * recording written after this one. */
				if (pid == 0 && pusi)
					return PKT_END;
				*why = "continuity counter jumps";
				return PKT_DAMAGED;
			}
			w->dup[pid] = true;
		} else {
			w->dup[pid] = false;
			w->cc[pid] = (uint8_t)(((cc + 1) & 0x0f) | 0x10);
		}
	}
	if (pusi && (afc & 1) && pl < TS_PKT) {
		if (pid == 0)
			ts_pat(w, h + pl, TS_PKT - pl);
		else if (role == PID_PMT)
			ts_pmt(w, h + pl, TS_PKT - pl);
	}
	return PKT_OK;
}

static void ts_meta(struct ts_walk *w, struct carve_result *res,
                    uint64_t packets)
{
	char streams[CARVE_META_VAL] = "";
	size_t n = 0;

	if (w->stride == TS_M2TS_PKT)
		res->ext = "m2ts";
	carve_meta_add(res, "packet", "%u", w->stride);
	carve_meta_add(res, "packets", "%llu", (unsigned long long)packets);
	carve_meta_add(res, "programs", "%u", (unsigned)w->programs);
	for (unsigned i = 0; i < w->nstreams; i++) {
		const char *name = ts_type_name(w->stream_type[i]);
		size_t l = strlen(name);
		if (n + l + 2 > sizeof(streams))
			break;
		if (n)
			streams[n++] = ',';
		memcpy(streams + n, name, l + 1);
		n += l;
	}
	if (n)
		carve_meta_add(res, "streams", "%s", streams);
}

static void ts_validate(struct bread *br, struct carve_result *res)
{
	static const uint16_t si_pids[] = { 1, 2, 3 };
	struct ts_walk *w;
	struct ts_walk walk;

	w = &walk;
	memset(w, 0, sizeof(*w));
	w->br = br;
	if (ts_run(br, TS_PKT, 0)) {
		w->stride = TS_PKT;
	} else if (ts_run(br, TS_M2TS_PKT, 4)) {
		w->stride = TS_M2TS_PKT;
		w->pre = 4;
	} else {
		carve_reject(res, "no run of sync bytes");
		return;
	}
	w->role[0] = PID_PAT;
	w->role[TS_PID_NULL] = PID_NULL;
	for (unsigned i = 0; i < sizeof(si_pids) / sizeof(si_pids[0]); i++)
		w->role[si_pids[i]] = PID_SI;
	for (unsigned pid = 0x10; pid < 0x20; pid++)
		w->role[pid] = PID_SI;

	const uint64_t size = bread_size(br);
	uint64_t off = 0, packets = 0;
	enum pkt_rc rc = PKT_OK;
	const char *why = NULL;

	for (;;) {
		const uint8_t *p = bread_peek(br, off, w->stride);
		if (p == NULL)
			break;   /* the data ran out */
		rc = ts_packet(w, p, &why);
		if (rc != PKT_OK)
			break;
		off += w->stride;
		packets++;
		if (packets == TS_PAT_WITHIN && !w->pat) {
			carve_reject(res, "no PAT near the start");
			return;
		}
	}
	if (!w->pat || w->pmts_read == 0 || packets < TS_RUN) {
		carve_reject(res, !w->pat ? "no PAT" : w->pmts_read == 0 ?
		             "no PMT" : "too few packets");
		return;
	}
	if (rc == PKT_END)
		carve_accept(res, off);
	else if (rc == PKT_DAMAGED)
		carve_truncated(res, off, why);
	else if (off + w->stride <= size)
		carve_truncated(res, off, "read error");
	else {
		/* The source or the largest file size ended the run: what
		 * is there is whole packets of this stream. */
		carve_truncated(res, size, "stream runs past the end");
		res->open_end = true;
		res->vouched = off;
	}
	ts_meta(w, res, packets);
}

static const struct format_sig ts_sigs[] = {
	FORMAT_SIG("\x47", 0),
	FORMAT_SIG("\x47", 4),
};

const struct format format_ts = {
	.name = "ts",
	.ext = "ts",
	.description = "MPEG transport stream (TS, M2TS/MTS, AVCHD)",
	FORMAT_SIGS(ts_sigs),
	/* one sync byte: only at block starts */
	.align = 512,
	.min_size = TS_PKT * TS_RUN,
	.max_size = 1ull << 38,
	.validate = ts_validate,
};

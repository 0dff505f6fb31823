/*
 * mp4_chain.c - structure-guided reassembly of MP4 clips cut off before
 * their movie box.
 *
 * A recorder that loses power before it writes a clip's index leaves an
 * ftyp and an mdat of size 0: nothing says where the samples are.  The
 * media data still has a structure of its own: video samples are chains
 * of 4-byte length-prefixed H.264 or H.265 NAL units, and between them lie
 * other tracks' chunks (AAC frames) of a few hundred bytes.  Knowing where
 * the unit open at a cluster's end stops, the cluster that continues the
 * clip is the one where the rest of that unit is followed by a valid next
 * unit (or, after an audio chunk, where the chain resumes within MC_GAP
 * bytes); a cluster that lies wholly inside a long unit must at least
 * hold none of the byte runs a NAL unit never holds (00 00 00..02,
 * emulation prevention).  The bytes between two units must be the clip's
 * own audio: once its first audio chunk showed AAC frames, every chunk
 * must open with the same first element (its ics_info and section data
 * as AAC-LC writes them) and end where a frame may end (ID_END), so
 * another file's data after a unit's end (a clip's last cluster, older
 * data after it) does not pass for an audio chunk, and a unit seemingly
 * starting inside an audio frame is not taken for where the chain
 * resumes; nor is one running on past the bytes read that is more than
 * MC_LONGER times the clip's longest unit yet (a frame's 00 01 read as a
 * length prefix).
 *
 * The free clusters are numbered in order ("positions") from a little
 * before the clip's start, going on at the card's start after its end
 * (a loop recorder does); another cut-off clip starting among them (the
 * rear clip of a front one) is followed at once, and each position goes
 * to the clip it continues best: a unit start found where one was due,
 * then the chain resumed after a gap, then a cluster inside a unit, ties
 * to the clip that took the position before (recorders write runs of
 * clusters).  A position that continues neither is another file's.  A
 * clip that goes MC_IDLE positions without a cluster, or whose chain
 * stays broken for more than MC_GAP bytes, has ended; so have all once
 * another clip starts (the recorder, powered again, began a new one).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "reassemble/mp4_chain.h"
#include "common/mem.h"
#include "formats/mp4.h"
#include "formats/run.h"

enum { K_AVC = 1, K_HEVC = 2 };
enum { FAIL, WEAK, RESUMED, DUE };   /* how well a cluster continues */

#define MC_STREAMS 2
#define MC_HDR 7            /* length prefix + header + a byte */
#define MC_HEAD 4096u       /* bytes of a first cluster its boxes are
                               looked for in before the media data */
#define MC_LONGER 2u        /* a resumed unit this many times the clip's
                               longest yet, running past what is read,
                               is taken for no unit */
#define MC_AAC_HEAD 128u    /* bytes of an audio chunk its first frame's
                               head (ics_info, section data) is read in */

/* A clip followed. */
struct stream {
	int kind;
	uint64_t rem;              /* bytes left of the unit open at the
	                              end of the last cluster taken */
	bool gap;                  /* between units: carry holds the bytes
	                              since the last unit ended */
	uint8_t carry[MC_GAP];
	size_t ncarry;             /* gap bytes, or a unit's split header */
	unsigned aac;              /* the first element its audio frames
	                              open with (mp4_aac_frame_head) */
	bool aac_known;            /* aac learnt: its audio is AAC */
	uint64_t maxu;             /* its longest unit yet */
	uint32_t *cl;              /* clusters taken, in order */
	unsigned ncl, capcl;
	unsigned start;            /* its first position */
	unsigned last;             /* the last position it took */
	bool done;
};

/* The state a cluster leaves a stream in. */
struct after {
	unsigned units;            /* unit starts found in the cluster */
	uint64_t rem;
	bool gap, broken;
	const uint8_t *carry;
	size_t ncarry;
	unsigned aac;
	bool aac_known;
	uint64_t maxu;
};

static bool avc_header(uint8_t b)
{
	unsigned type = b & 31, ref = (b >> 5) & 3;

	if (b & 0x80 || type == 0 || (type >= 16 && type <= 18) || type >= 22)
		return false;
	if (type == 5 && ref == 0)
		return false;
	return !((type == 6 || (type >= 9 && type <= 12)) && ref != 0);
}

static bool hevc_header(uint8_t b0, uint8_t b1)
{
	unsigned type = (b0 >> 1) & 63, layer = ((b0 & 1u) << 5) | (b1 >> 3);

	if (b0 & 0x80 || (b1 & 7) == 0)
		return false;
	if (!(type <= 9 || (type >= 16 && type <= 21) ||
	      (type >= 32 && type <= 40)))
		return false;
	return layer <= 1;
}

static bool opens_at(int k, const uint8_t *p);

/* The unit at p (MC_HDR bytes readable): its payload length, 0 when the
 * prefix or header is not one of kind k. */
static uint64_t unit_at(int k, const uint8_t *p)
{
	uint64_t len = mem_be32(p);
	unsigned hl = k == K_HEVC ? 2 : 1;

	if (len < hl + 1u || len > MC_MAX_NAL)
		return 0;
	if (k == K_AVC ? !avc_header(p[4]) : !hevc_header(p[4], p[5]))
		return 0;
	return opens_at(k, p) ? len : 0;
}

/* Whether a unit opening a picture (or its parameter sets) is at p. */
static bool opens_at(int k, const uint8_t *p)
{
	if (k == K_AVC) {
		unsigned type = p[4] & 31;
		return ((type == 1 || type == 5) && (p[5] & 0x80)) ||
		       type == 6 || type == 7 || type == 9;
	}
	unsigned type = (p[4] >> 1) & 63;
	return (type < 32 && (p[6] & 0x80)) || (type >= 32 && type <= 35) ||
	       type == 39;
}

/* Whether b[0..n) holds 00 00 00, 00 00 01 or 00 00 02: never inside a
 * NAL unit's payload. */
static bool zero3(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++) {
		if (b[i + 2] > 2) {
			i += 2;
			continue;
		}
		if (b[i] == 0 && b[i + 1] == 0)
			return true;
	}
	return false;
}

/*
 * Where the chain resumes in b[from, len): a unit that opens a picture
 * whose payload (as far as b holds it) has none of the byte runs a NAL
 * unit never holds; searched up to MC_GAP bytes past g0.  len when not
 * found there.
 */
static size_t resync(int k, const uint8_t *b, size_t len, size_t g0,
                     size_t from)
{
	size_t stop = g0 + MC_GAP < len ? g0 + MC_GAP : len;
	unsigned hl = k == K_HEVC ? 2 : 1;

	for (size_t q = from; q < stop && len - q >= MC_HDR; q++) {
		uint64_t u = unit_at(k, b + q);
		if (u == 0)
			continue;
		uint64_t e = q + 4 + u;
		if (!zero3(b + q + 4 + hl, (e < len ? e : len) - (q + 4 + hl)))
			return q;
	}
	return len;
}

/*
 * Whether the gap b[g0, q) between two video samples is an audio chunk of
 * the clip's (*a learns which element its AAC frames open with from the
 * first gap that is one): it opens as the clip's other frames do and its
 * last byte ends a frame.  A clip whose audio is not known to be AAC has
 * nothing to check it by.
 */
static bool audio_gap(struct after *a, const uint8_t *b, size_t g0, size_t q)
{
	size_t n = q - g0 < MC_AAC_HEAD ? q - g0 : MC_AAC_HEAD;
	unsigned elem;

	if (q == g0)
		return true;
	bool ok = mp4_aac_frame_head(b + g0, n, &elem) &&
	          mp4_aac_frame_end(b + q - 1, q - 1 > g0);
	if (!a->aac_known) {
		if (ok) {
			a->aac = elem;
			a->aac_known = true;
		}
		return true;
	}
	return ok && elem == a->aac;
}

/* Whether the gap opening at g (n bytes of it readable) can be no audio
 * chunk of the clip's: too long a head not read as its AAC frames do. */
static bool not_audio(const struct after *a, const uint8_t *g, size_t n)
{
	unsigned elem;

	if (!a->aac_known || n < MC_AAC_HEAD)
		return false;
	return !mp4_aac_frame_head(g, MC_AAC_HEAD, &elem) || elem != a->aac;
}

/* Whether the unit at b + q, where the chain would resume, runs on past
 * the len bytes in b (nothing after it to check it by) and is longer than
 * MC_LONGER times the clip's longest unit yet: a length prefix read in
 * an audio frame, not a unit. */
static bool too_long(const struct after *a, const uint8_t *b, size_t len,
                     size_t q)
{
	uint64_t u = mem_be32(b + q);

	return a->maxu > 0 && q + 4 + u > len && u > MC_LONGER * a->maxu;
}

/* Whether the gap opening at g (n bytes of it readable) opens as the
 * clip's audio frames do. */
static bool is_audio(const struct after *a, const uint8_t *g, size_t n)
{
	unsigned elem;

	return a->aac_known &&
	       mp4_aac_frame_head(g, n < MC_AAC_HEAD ? n : MC_AAC_HEAD,
	                          &elem) && elem == a->aac;
}

/*
 * How well the cluster c (cs bytes) continues stream s, and the state it
 * leaves (*a; its carry points into buf, which holds MC_GAP + cs bytes).
 * With start set, c is the stream's first cluster and its media data
 * begin at *start.
 */
static int step(const struct stream *s, const uint8_t *c, size_t cs,
                uint8_t *buf, const size_t *start, struct after *a)
{
	memset(a, 0, sizeof(*a));
	a->aac = s->aac;
	a->aac_known = s->aac_known;
	a->maxu = s->maxu;
	if (start == NULL && memcmp(c + 4, "ftyp", 4) == 0)
		return FAIL;
	if (start == NULL && !s->gap && s->ncarry == 0 && s->rem >= cs) {
		if (zero3(c, cs))
			return FAIL;
		a->rem = s->rem - cs;
		return WEAK;
	}
	const uint8_t *b = c;
	size_t len = cs, p = 0, g0 = 0, n0 = 0;
	bool gap;
	int how = WEAK;

	if (start != NULL) {
		p = g0 = *start;
		gap = true;
	} else if (s->ncarry > 0) {
		memcpy(buf, s->carry, s->ncarry);
		memcpy(buf + s->ncarry, c, cs);
		b = buf;
		len = n0 = s->ncarry + cs;
		n0 = s->ncarry;
		gap = s->gap;
	} else {
		/* the rest of the open unit first */
		if (zero3(c, s->rem))
			return FAIL;
		p = s->rem;
		gap = false;
	}
	bool due = !gap && start == NULL;
	for (unsigned n = 0; n < 1u << 20; n++) {
		if (gap) {
			if (not_audio(a, b + g0, len - g0)) {
				/* not the clip's audio: the chain broke */
				a->broken = true;
				return how > WEAK ? how : FAIL;
			}
			/* the clip's audio opening where a unit of this
			 * cluster ended shows the cluster its own (the
			 * last one may hold nothing after it) */
			if (start == NULL && g0 >= n0 && how < RESUMED &&
			    is_audio(a, b + g0, len - g0))
				how = RESUMED;
			size_t q = resync(s->kind, b, len, g0, p);
			while (q < len && (too_long(a, b, len, q) ||
			                   !audio_gap(a, b, g0, q)))
				q = resync(s->kind, b, len, g0, q + 1);
			if (q == len) {
				if (len - g0 > MC_GAP) {
					/* the clip ends here: only a
					 * cluster that held units first
					 * is its last one */
					a->broken = true;
					return how > WEAK ? how : FAIL;
				}
				a->gap = true;
				a->carry = b + g0;
				a->ncarry = len - g0;
				return how;
			}
			if (q >= n0 && how < RESUMED)
				how = RESUMED;
			gap = false;
			p = q;
			continue;
		}
		if (p == len)
			return how;
		if (len - p < MC_HDR) {
			a->carry = b + p;
			a->ncarry = len - p;
			return how;
		}
		uint64_t u = unit_at(s->kind, b + p);
		if (u == 0) {
			/* another track's chunk, or not the clip */
			gap = true;
			g0 = p;
			due = false;
			continue;
		}
		if (due && p >= n0)
			how = DUE;
		due = false;
		if (p >= n0)
			a->units++;
		if (u > a->maxu)
			a->maxu = u;
		unsigned hl = s->kind == K_HEVC ? 2 : 1;
		uint64_t e = p + 4 + u;
		size_t body = p + 4 + hl;
		if (e > len) {
			if (zero3(b + body, len - body))
				return FAIL;
			a->rem = e - len;
			return how;
		}
		if (zero3(b + body, e - body))
			return FAIL;
		p = e;
	}
	a->broken = true;
	return how > WEAK ? how : FAIL;
}

static void take(struct stream *s, const struct after *a)
{
	s->aac = a->aac;
	s->aac_known = a->aac_known;
	s->maxu = a->maxu;
	s->rem = a->rem;
	s->gap = a->gap;
	if (a->ncarry > sizeof(s->carry))
		s->done = true;
	s->ncarry = a->ncarry <= sizeof(s->carry) ? a->ncarry : 0;
	if (s->ncarry > 0)
		memmove(s->carry, a->carry, s->ncarry);
	if (a->broken)
		s->done = true;
}

static int push(struct stream *s, uint32_t c)
{
	if (s->ncl == s->capcl) {
		unsigned cap = s->capcl ? s->capcl * 2 : 64;
		uint32_t *n = realloc(s->cl, cap * sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		s->cl = n;
		s->capcl = cap;
	}
	s->cl[s->ncl++] = c;
	return 0;
}

/*
 * The first cluster of a cut-off clip at h (cs bytes): where its media
 * data start, or 0 when it is not one (no ftyp, no open mdat in it).
 */
static size_t open_mdat(const uint8_t *h, size_t cs)
{
	size_t p = 0;

	if (memcmp(h + 4, "ftyp", 4) != 0)
		return 0;
	for (unsigned n = 0; n < 16 && p + 16 <= cs; n++) {
		uint64_t sz = mem_be32(h + p);
		if (memcmp(h + p + 4, "mdat", 4) == 0)
			return sz == 0 ? p + 8 : 0;
		if (sz < 8 || sz > cs - p)
			return 0;
		p += sz;
	}
	return 0;
}

/* The codec whose chain runs longer from the media data's start (a unit
 * that opens a picture there counts as one that runs on), 0 for none. */
static int pick_kind(const uint8_t *h, size_t cs, size_t at)
{
	unsigned best = 0;
	int kind = 0;

	for (int k = K_AVC; k <= K_HEVC; k++) {
		size_t q = resync(k, h, cs, at, at);
		unsigned n = 0;
		if (q + MC_HDR <= cs && unit_at(k, h + q) != 0 &&
		    opens_at(k, h + q))
			n++;
		while (q + MC_HDR <= cs && n < 32) {
			uint64_t u = unit_at(k, h + q);
			if (u == 0)
				break;
			n += 2;
			q += 4 + u;
		}
		if (n > best) {
			best = n;
			kind = k;
		}
	}
	return best >= 3 ? kind : 0;
}

static int read_cluster(const struct fsview *v, const struct source *src,
                        uint64_t size, uint32_t c, uint8_t *buf);

/*
 * Which stream the cluster clu at position q continues (a[i], how[i]
 * filled for each tried): its index, MC_STREAMS for none, MC_STREAMS + 1
 * when more than one holds it only inside a unit (how[] says which) and
 * prev is not among them.
 */
static unsigned choose(struct stream *st, unsigned nst, unsigned q,
                       const uint8_t *clu, size_t cs, uint8_t **buf,
                       struct after *a, int *how, unsigned prev,
                       unsigned *budget)
{
	unsigned best = 0, who = MC_STREAMS, weak = 0;

	for (unsigned i = 0; i < nst; i++) {
		how[i] = FAIL;
		if (st[i].done || q < st[i].start || *budget == 0)
			continue;
		--*budget;
		if (q == st[i].start) {
			size_t a0 = open_mdat(clu, cs);
			(void)step(&st[i], clu, cs, buf[i], &a0, &a[i]);
			how[i] = DUE;
			return i;
		}
		how[i] = step(&st[i], clu, cs, buf[i], NULL, &a[i]);
		weak += how[i] == WEAK;
		/* the more unit starts a cluster shows where they were
		 * due, the surer the continuation */
		unsigned rank = how[i] == FAIL ? 0 : how[i] == WEAK ? 1 :
		                2 + 2 * a[i].units + (how[i] == DUE);
		if (rank > best || (rank == best && rank > 0 && i == prev)) {
			best = rank;
			who = i;
		}
	}
	if (best == 0)
		return MC_STREAMS;
	if (best == 1 && weak > 1 && who != prev)
		return MC_STREAMS + 1;
	return who;
}

/*
 * How well the clusters after position q bear out giving q to stream
 * forced: the streams are followed on copies for MC_AHEAD positions, each
 * scoring what its clusters show.
 */
static int ahead(const struct fsview *v, const struct source *src,
                 uint64_t size, const uint32_t *pos, unsigned npos,
                 const struct stream *st, unsigned nst, unsigned q,
                 unsigned forced, size_t cs, unsigned *budget)
{
	struct stream cp[MC_STREAMS];
	uint8_t *clu = malloc(cs), *buf[MC_STREAMS] = { NULL };
	int score = 0;

	for (unsigned i = 0; i < nst; i++)
		buf[i] = malloc(MC_GAP + cs);
	if (clu == NULL || buf[0] == NULL || (nst > 1 && buf[1] == NULL))
		goto out;
	memcpy(cp, st, nst * sizeof(*cp));
	unsigned prev = forced;
	for (unsigned k = q; k < npos && k < q + MC_AHEAD; k++) {
		if (read_cluster(v, src, size, pos[k], clu) != 0)
			break;
		struct after a[MC_STREAMS];
		int how[MC_STREAMS];
		unsigned who;
		if (k == q) {
			who = forced;
			if (step(&cp[who], clu, cs, buf[who], NULL, &a[who]) ==
			    FAIL)
				break;
		} else {
			who = choose(cp, nst, k, clu, cs, buf, a, how, prev,
			             budget);
			if (who == MC_STREAMS) {
				score -= 3;
				continue;
			}
			if (who == MC_STREAMS + 1)
				who = prev < nst && how[prev] == WEAK ? prev
				      : 0;
			score += how[who] == DUE ? 4 : how[who] == RESUMED ? 2
			         : 0;
			if (how[who] == FAIL)
				score -= 3;
		}
		take(&cp[who], &a[who]);
		prev = who;
	}
out:
	free(clu);
	for (unsigned i = 0; i < MC_STREAMS; i++)
		free(buf[i]);
	return score;
}

static int read_cluster(const struct fsview *v, const struct source *src,
                        uint64_t size, uint32_t c, uint8_t *buf)
{
	uint64_t off = fsview_offset(v, c);

	if (off >= size || v->cluster_size > size - off)
		return -1;
	return source_read_full(src, buf, v->cluster_size, off) == 0 ? 0 : -1;
}

int mp4_chain_reassemble(const struct fsview *v, const struct source *src,
                         uint64_t size, uint64_t off, struct extent **ext,
                         unsigned *next, uint64_t *length)
{
	uint32_t c0 = fsview_cluster(v, off);
	size_t cs = v->cluster_size;
	struct stream *st = NULL;
	uint32_t *pos = NULL;
	uint8_t *clu = NULL, *buf[MC_STREAMS] = { NULL };
	unsigned npos = 0, nst = 0, p0 = 0;
	int rc = 0;

	*ext = NULL;
	*next = 0;
	*length = 0;
	if (c0 == 0 || fsview_offset(v, c0) != off || cs < 512 ||
	    cs > (4u << 20))
		return 0;
	st = calloc(MC_STREAMS, sizeof(*st));
	pos = malloc((MC_BACK + MC_SPAN) * sizeof(*pos));
	clu = malloc(cs);
	for (unsigned i = 0; i < MC_STREAMS; i++)
		buf[i] = malloc(MC_GAP + cs);
	if (st == NULL || pos == NULL || clu == NULL || buf[0] == NULL ||
	    buf[1] == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	size_t at = 0;
	if (read_cluster(v, src, size, c0, clu) != 0 ||
	    (at = open_mdat(clu, cs)) == 0 ||
	    (st[0].kind = pick_kind(clu, cs, at)) == 0)
		goto out;

	/* positions: free clusters a little before c0, then from c0 on,
	 * going on at the card's start after its end (a loop recorder
	 * does) */
	bool cut;
	npos = fsview_lay_out(v, size, c0, MC_BACK, UINT32_MAX, pos,
	                      MC_BACK + MC_SPAN, &p0, &cut);
	st[0].start = p0;
	nst = 1;

	/* a partner: the nearest other cut-off clip starting among the
	 * positions round c0 */
	for (unsigned d = 1; d <= MC_BACK && nst < MC_STREAMS; d++) {
		for (int sgn = -1; sgn <= 1 && nst < MC_STREAMS; sgn += 2) {
			long q = (long)p0 + sgn * (long)d;
			if (q < 0 || q >= (long)npos)
				continue;
			if (read_cluster(v, src, size, pos[q], clu) != 0)
				continue;
			size_t a2 = open_mdat(clu, cs);
			int k2 = a2 ? pick_kind(clu, cs, a2) : 0;
			if (k2 != 0) {
				st[1].kind = k2;
				st[1].start = (unsigned)q;
				nst = 2;
			}
		}
	}

	unsigned budget = MC_BUDGET, prev = MC_STREAMS;
	for (unsigned q = 0; q < npos && budget > 0; q++) {
		bool live = false;
		for (unsigned i = 0; i < nst; i++) {
			if (!st[i].done && q > st[i].start &&
			    q - st[i].last > MC_IDLE)
				st[i].done = true;
			live |= !st[i].done;
		}
		if (!live || st[0].done)
			break;
		if (read_cluster(v, src, size, pos[q], clu) != 0)
			break;
		/* another clip's start: the recorder began a new
		 * recording, so the ones followed have ended */
		bool other = memcmp(clu + 4, "ftyp", 4) == 0;
		for (unsigned i = 0; i < nst && other; i++)
			other = q != st[i].start;
		if (other && q > st[0].start)
			break;
		struct after a[MC_STREAMS];
		int how[MC_STREAMS];
		unsigned who = choose(st, nst, q, clu, cs, buf, a, how, prev,
		                      &budget);
		if (who == MC_STREAMS)
			continue;
		if (who == MC_STREAMS + 1) {
			/* two clips the cluster could continue alike:
			 * the one whose choice the clusters after bear out */
			int sc[MC_STREAMS];
			for (unsigned i = 0; i < nst; i++)
				sc[i] = how[i] == WEAK ?
				        ahead(v, src, size, pos, npos, st, nst,
				              q, i, cs, &budget) : -1000000;
			who = prev < nst && how[prev] == WEAK ? prev : 0;
			for (unsigned i = 0; i < nst; i++)
				if (how[i] == WEAK && sc[i] > sc[who])
					who = i;
			if (read_cluster(v, src, size, pos[q], clu) != 0)
				break;
			(void)step(&st[who], clu, cs, buf[who], NULL, &a[who]);
		}
		/* the carry points into that stream's buf or clu: kept
		 * before the next cluster is read */
		take(&st[who], &a[who]);
		st[who].last = q;
		rc = push(&st[who], pos[q]);
		if (rc != 0)
			goto out;
		prev = who;
	}

	if (st[0].ncl < 2)
		goto out;
	struct extent *e = malloc(st[0].ncl * sizeof(*e));
	if (e == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	unsigned n = 0;
	for (unsigned i = 0; i < st[0].ncl; i++) {
		uint64_t o = fsview_offset(v, st[0].cl[i]);
		if (n > 0 && e[n - 1].img_off + e[n - 1].len == o) {
			e[n - 1].len += cs;
		} else {
			e[n].img_off = o;
			e[n].len = cs;
			n++;
		}
	}
	*ext = e;
	*next = n;
	*length = (uint64_t)st[0].ncl * cs;
	rc = 1;
out:
	if (st != NULL)
		for (unsigned i = 0; i < MC_STREAMS; i++)
			free(st[i].cl);
	free(st);
	free(pos);
	free(clu);
	for (unsigned i = 0; i < MC_STREAMS; i++)
		free(buf[i]);
	return rc;
}

int mp4_chain_tail(const struct source *src, const struct extent *ext,
                   unsigned n, uint64_t len, size_t cs, uint8_t *win,
                   size_t win_cap, struct carve_result *res)
{
	struct bread br;
	size_t have;
	const uint8_t *h;

	if (res->verdict != CARVE_TRUNCATED ||
	    res->note != CARVE_NOTE_NO_INDEX || cs == 0 ||
	    res->length / cs + 1 > len / cs)
		return 0;
	uint64_t e = res->length, edge = (e / cs + 1) * cs;
	int rc = bread_open_extents_window(&br, src, ext, n, win, win_cap);
	if (rc != 0)
		return rc;
	/* where the media data start, in the clip's first cluster */
	have = cs < MC_HEAD ? cs : MC_HEAD;
	size_t at = (h = bread_peek(&br, 0, have)) != NULL ?
	            open_mdat(h, have) : 0;
	uint64_t end = at != 0 ? mp4_aac_tail(&br, at, e, edge) : e;
	bread_close(&br);
	if (end > e)
		res->length = end;
	return 0;
}

int mp4_chain_place(const struct fsview *v, const struct source *src,
                    uint64_t size, const struct format *fmt, uint64_t off,
                    uint8_t *win, size_t win_cap, struct reasm_result *out)
{
	struct extent *ext;
	unsigned n;
	uint64_t len;

	memset(out, 0, sizeof(*out));
	if (win == NULL)
		return 0;
	int rc = mp4_chain_reassemble(v, src, size, off, &ext, &n, &len);
	if (rc <= 0)
		return rc;
	/* the clusters the chain placed: a map, checked as one */
	struct run_req req = {
		.src = src, .ext = ext, .next = n,
		.win = win, .win_cap = win_cap,
		.thorough = n > 1,
	};
	out->validations = 1;
	run_validate(fmt, &req, &out->res, NULL);
	if (out->res.verdict != CARVE_TRUNCATED || out->res.length == 0 ||
	    out->res.length > len) {
		free(ext);
		memset(&out->res, 0, sizeof(out->res));
		return 0;
	}
	if (out->res.note == CARVE_NOTE_NO_INDEX) {
		rc = mp4_chain_tail(src, ext, n, len, v->cluster_size, win,
		                    win_cap, &out->res);
		if (rc < 0) {
			free(ext);
			memset(&out->res, 0, sizeof(out->res));
			return rc;
		}
	}
	out->ext = ext;
	out->next = reasm_trim(ext, n, out->res.length);
	return 1;
}

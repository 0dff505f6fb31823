/*
 * mp4_index.c - index-guided reassembly of MP4 clips recorded at once.
 *
 * A recorder writing a front and a rear clip at once takes the free
 * clusters in turn, so each clip's clusters interleave with its
 * partner's; once both are deleted, nothing on the card says which
 * cluster is whose.  Each clip's movie box does, though: it is written
 * after the media data, and its sample tables (stco/co64, stsc, stsz) give
 * every sample's offset and size in the file.  A video sample is a chain
 * of length-prefixed NAL units that ends exactly at the sample's end, an
 * AAC frame opens with a syntax element, so a cluster put at the wrong
 * place in a clip shows at the first sample boundary it holds.
 *
 * The free clusters are numbered in order from a little before the clip's
 * start ("positions").  The clip's media data ends at E (its mdat header);
 * the cluster holding E holds the movie box's start, found by looking at
 * E's place in the clusters that follow; its rest in the clusters after
 * that one, or after a partner's chunk written between, and when the
 * boxes of that rest do not hold together (box_tree_ok), each of its
 * clusters is looked for in turn (the one position with which they do),
 * and when none near does, the rest is looked for far on (moov_far: past
 * clips kept on the card that the recorder wrote round).
 * Every other clip starting in the range (a cluster opening with ftyp,
 * its own movie box found the same way) whose range overlaps is taken
 * along, and the clips starting in the ranges of those (add_partners),
 * up to MI_MAX_STREAMS.  When they cannot be placed together,
 * partners whose first clusters were written over (a later recording
 * took them) are looked for by their movie boxes alone, in the clip's
 * range: such a headless clip starts at a position that opens exactly
 * one of its logical clusters with a video sample's units, and takes
 * what follows from there as any clip does.
 * Then the positions are walked in order, each given to one clip or to
 * none: to a clip whose next sample boundaries it passes first, to a clip
 * it tells nothing about (inside a long sample) next, preferring the clip
 * the previous position went to (recorders write runs of clusters), to
 * none only when no clip's boundary passes.  A clip must have exactly its
 * media data's clusters when its movie box's position comes, and the tail
 * of its media data in that cluster must pass too.  A choice that leads
 * to a contradiction is undone (depth-first search), within MI_BUDGET
 * checks.  When the clips together cannot be placed, the clip is tried on
 * its own.  Before all that, the clip alone is tried as two or three runs
 * of positions, its head from its start on, maybe a middle run, and the
 * rest just before its movie box (runs_place: a recorder that wrote it
 * around other files, which the sharing cannot tell from clusters with
 * nothing to check in them when thousands lie between); on a card of one
 * channel most fragmented clips are such, and the sharings with their
 * neighbours would not place them.  The result is only a proposal:
 * reassemble() validates it.
 *
 * A cluster that lies wholly inside one NAL unit holds no boundary to
 * check: with small clusters (4 KiB) a front clip's samples span several,
 * and where the clip took such clusters and left others it could have
 * taken, the sharing is a guess (doubt_at).  A guess is settled by
 * decoding the H.264 samples over it (h264_decode.h) with the clusters it
 * gave them (vouch); when one does not decode, the sharing runs again
 * deciding by decoding (settle) the samples that end at or past the first
 * guessed position, when at most MI_MAX_DECODES do (before it the first
 * sharing guessed nothing).  Without libavcodec the guess stays one.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "reassemble/mp4_index.h"
#include "common/find.h"
#include "common/mem.h"
#include "common/zeros.h"
#include "formats/h264_decode.h"
#include "formats/mp4.h"
#include "io/source_map.h"

#define FCC(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
                         (uint32_t)(c) << 8 | (uint32_t)(d))
#define NONE_POS UINT32_MAX
#define MOOV FCC('m', 'o', 'o', 'v')
#define CACHE 16
#define VIEWS 32                /* views of the source clusters are read
                                   through, where it can be viewed: */
#define VIEWS_OWN 4             /* ... this many each placing may hold, */
#define VIEWS_SHARED (64u << 20) /* and more while the placings of all
                                   threads hold less than this */
#define VIEW_BYTES (2u << 20)   /* ... each of this aligned piece, or on
                                   to the end of the bytes asked */
#define PEEK_VIEW_CS (16u << 10) /* on grids of clusters up to this,
                                   the looks at a few bytes of each
                                   (peek_pos) go through views too */
#define MI_BAD 8                /* offsets a cluster breaks payloads at,
                                   kept (payload_in) */
#define STRIP (256u << 10)      /* a look at a few bytes of each of many
                                   small clusters in a row reads this
                                   much at once */

enum kind { K_OTHER, K_H264, K_H265, K_AAC };

struct sample {
	uint64_t off;
	uint32_t size;
	uint8_t kind, lsz;
	uint8_t dec;            /* its track's avcC is the stream's cfg */
};

struct stream {
	uint32_t start;         /* position of its first cluster */
	uint32_t anchor;        /* position of the cluster its moov opens in */
	uint32_t moov_n;        /* clusters the moov needs from the anchor */
	uint32_t *mq;           /* their positions, mq[0] the anchor */
	uint64_t mdat_lo, e;    /* media data [mdat_lo, e) */
	uint64_t length;        /* the file's bytes: e + the moov */
	uint32_t need;          /* logical clusters before the anchor's */
	struct sample *s;
	uint32_t ns;
	uint8_t *cfg;           /* the first H.264 track's avcC payload */
	uint32_t cfg_len;
	uint32_t *lpos;         /* per logical cluster below the anchor's:
	                           its position on the path being tried */
	bool headless;          /* its first clusters are gone (a partner
	                           whose head was written over): it starts
	                           wherever a position opens one of its
	                           logical clusters (headless_start) */
	uint32_t *startl;       /* headless: per position from lo, the
	                           logical cluster it would start at there,
	                           0 none, NONE_L not looked at yet */
};

/* Where a clip's checking has got to; copied on every choice. */
struct sstate {
	uint32_t l;             /* the next logical cluster to fill */
	uint32_t last;          /* position of logical cluster l - 1 */
	uint32_t si;            /* the sample checked next */
	uint64_t p;             /* logical offset checked next */
	uint64_t pay;           /* end of the NAL unit checked last */
	uint32_t blind;         /* the first logical cluster that held
	                           nothing to check and that no decoded
	                           sample covers yet, or NONE_L */
	uint32_t dsi;           /* an H.264 sample whose units all passed,
	                           to decode once its bytes are placed, or
	                           NONE_L */
	uint8_t sure;           /* this placing decoded a sample over
	                           every blind cluster before it */
	uint8_t thin;           /* the cluster's checks were only audio
	                           frames' first bytes (one byte each: a
	                           foreign cluster passes them often) */
	uint32_t l0;            /* the first logical cluster placed (not 0
	                           for a headless stream) */
};

#define NONE_L UINT32_MAX

struct opt {
	uint8_t who;            /* stream, or MI_MAX_STREAMS for none */
	struct sstate st;
};

/*
 * The sharing's choice at one position.  A sharing keeps one a position,
 * tens of thousands on a card of small clusters, so each is sized to the
 * streams being shared (most placings share one or two of MI_MAX_STREAMS):
 * its nst states, then its nst + 1 options (frame_opt), frame_bytes in
 * all.  The pages a sharing writes are new memory the first time, which
 * costs a page fault a page.
 */
struct frame {
	uint8_t nopt, cur;
	uint8_t nstrong;        /* options passing a check come first */
	int8_t r0;              /* what the first stream's check said (-2:
	                           payload bytes no unit holds, at the
	                           logical cluster it had there), or
	                           R0_CERTAIN when it cannot have the
	                           position wherever its clusters lie */
	struct sstate in[];     /* per stream: its state before here */
};

#define R0_CERTAIN (-3)

struct ctx {
	const struct fsview *v;
	const struct source *src;
	uint64_t size;
	uint32_t cs;
	uint32_t *pos;          /* positions: free cluster numbers in order */
	uint32_t npos;
	uint8_t *cache;         /* CACHE clusters */
	uint8_t *strip;         /* STRIP bytes of the image from strip_off, */
	uint64_t strip_off;     /* strip_len of them read (peek_pos) */
	size_t strip_len;
	uint32_t cache_pos[CACHE];
	unsigned cache_next;
	uint64_t checks;
	bool decodes;           /* the sharing decodes H.264 samples */
	uint32_t decodes_left;  /* ... this many more */
	bool search_decoding;   /* a guess is decoded where it guesses, and
	                           shared again deciding by decoding when
	                           that does not settle it */
	uint32_t doubts[MI_VOUCH_STRETCHES][2];  /* the guessed stretches of
	                           positions [a, b) of the last sharing */
	unsigned ndoubts;       /* how many, or MI_VOUCH_STRETCHES + 1 */
	uint32_t bad_si[MI_MAX_STREAMS];  /* per stream: the sample that */
	unsigned bad_n[MI_MAX_STREAMS];   /* failed to decode last, times */
	int viewable;           /* an image file: its pieces are held in
	                           views or copies (source_piece) */
	struct source_map view[VIEWS];
	uint64_t view_off[VIEWS];
	uint64_t view_used[VIEWS];  /* when each was last looked in */
	uint64_t view_clock;
	struct stream st[MI_MAX_STREAMS];
	unsigned nst;
	uint8_t *fixed;         /* per position: 0 free, 1 + stream taken */
	uint32_t *nfixed;       /* fixed positions before lo + k, from lo */
	uint32_t lo;            /* the first position shared */
	uint8_t *clean;         /* per position: 0 not known, 1 the cluster
	                           passes zeros_payload_ok whole, 2 it does
	                           not, 2 + k: it breaks it at the k offsets
	                           bad[position][0, k) only */
	uint32_t (*bad)[MI_BAD];
	uint32_t doubt;         /* the first position shared by a guess */
	uint32_t decode_from;   /* a sharing deciding by decoding decodes
	                           the samples that end at this position or
	                           after it: before it, the sharing that
	                           did not decode guessed nothing */
	uint64_t budget;        /* checks a sharing may take, and steps
	                           back */
	uint32_t per_pos;       /* ... and per position shared, 0: no bound */
	uint64_t far_left;      /* bytes moov_far may still read */
};

/* ------------------------------------------------------------ frames */

/* The bytes of a frame for nst streams. */
static size_t frame_bytes(unsigned nst)
{
	return sizeof(struct frame) + nst * sizeof(struct sstate) +
	       (nst + 1u) * sizeof(struct opt);
}

/* Frame k of the sharing's frames fr. */
static struct frame *frame_at(const struct ctx *c, const void *fr,
                              uint32_t k)
{
	return (struct frame *)((uintptr_t)fr + k * frame_bytes(c->nst));
}

/* The options of frame f, after its states. */
static struct opt *frame_opt(const struct ctx *c, const struct frame *f)
{
	return (struct opt *)(uintptr_t)(f->in + c->nst);
}

/* ------------------------------------------------------------ reading */

/* [img, img + n) from a view already made, or NULL. */
static const uint8_t *in_view(struct ctx *c, uint64_t img, size_t n)
{
	for (unsigned i = 0; i < VIEWS; i++) {
		const struct source_map *m = &c->view[i];
		if (m->p != NULL && img >= c->view_off[i] &&
		    img - c->view_off[i] + n <= source_map_bytes(m)) {
			c->view_used[i] = ++c->view_clock;
			return m->p + (img - c->view_off[i]);
		}
	}
	return NULL;
}

/* The bytes of views and copies all placings hold (VIEWS_SHARED). */
static atomic_uint_fast64_t views_held;

/* The memory a piece holds. */
static size_t piece_bytes(const struct source_map *m)
{
	return m->base == NULL ? 0 : m->copied ? m->cap : m->len;
}

static void view_drop(struct ctx *c, unsigned i)
{
	atomic_fetch_sub(&views_held, piece_bytes(&c->view[i]));
	source_unmap(&c->view[i]);
	c->view_used[i] = 0;
}

/*
 * [img, img + n) through a piece of the image held in memory, a view of
 * the page cache or a copy where views cost more (source_piece): no
 * system call per cluster, as the sharing looks at every cluster of the
 * span, some many times.  NULL when the source is not an image file or
 * this part cannot be held (read the usual way then).  A piece is the
 * VIEW_BYTES-aligned one holding img (and on to img + n), so two seldom
 * hold the same bytes.
 * The sharing sweeps its span again and again (each stream, each
 * sharing), so the one least recently looked in is replaced, and a
 * placing keeps up to VIEWS of them while all placings hold less than
 * VIEWS_SHARED: a span of up to 64 MiB is mapped once, not once a sweep.
 */
static const uint8_t *view_of(struct ctx *c, uint64_t img, size_t n)
{
	const uint8_t *p = in_view(c, img, n);
	if (p != NULL || !c->viewable)
		return p;
	uint64_t from = img - img % VIEW_BYTES;
	size_t len = VIEW_BYTES;
	if (len < img - from + n)
		len = (size_t)(img - from) + n;
	if (c->size - from < len)
		len = (size_t)(c->size - from);
	unsigned i = VIEWS, held = 0;
	for (unsigned k = 0; k < VIEWS; k++)
		held += c->view[k].base != NULL;
	/* an empty slot while it may hold one more, else the view least
	 * recently looked in */
	if (held < VIEWS_OWN ||
	    atomic_load(&views_held) + len <= VIEWS_SHARED)
		for (unsigned k = 0; k < VIEWS && i == VIEWS; k++)
			if (c->view[k].base == NULL)
				i = k;
	if (i == VIEWS)
		for (unsigned k = 0; k < VIEWS; k++)
			if (c->view[k].base != NULL &&
			    (i == VIEWS || c->view_used[k] < c->view_used[i]))
				i = k;
	/* (a copy's memory is used again: new memory costs a fault a page) */
	size_t before = piece_bytes(&c->view[i]);
	int rc = source_piece(c->src, from, len, &c->view[i]);
	atomic_fetch_add(&views_held, piece_bytes(&c->view[i]));
	atomic_fetch_sub(&views_held, before);
	if (rc != 0) {
		c->view_used[i] = 0;
		return NULL;
	}
	c->view_off[i] = from;
	c->view_used[i] = ++c->view_clock;
	return c->view[i].p + (img - from);
}

/* The bytes of the cluster at position q, or NULL when unreadable. */
static const uint8_t *cluster(struct ctx *c, uint32_t q)
{
	for (unsigned i = 0; i < CACHE; i++)
		if (c->cache_pos[i] == q)
			return c->cache + (size_t)i * c->cs;
	uint64_t img = fsview_offset(c->v, c->pos[q]);
	if (img >= c->size || c->size - img < c->cs)
		return NULL;
	const uint8_t *v = view_of(c, img, c->cs);
	if (v != NULL)
		return v;
	unsigned i = c->cache_next++ % CACHE;
	uint8_t *b = c->cache + (size_t)i * c->cs;
	c->cache_pos[i] = NONE_POS;
	if (source_read_full(c->src, b, c->cs, img) != 0)
		return NULL;
	c->cache_pos[i] = q;
	return b;
}

/* n bytes at offset in of position q and the positions after it. */
static bool read_pos(struct ctx *c, uint32_t q, uint64_t in, uint8_t *dst,
                     size_t n)
{
	while (n > 0) {
		q += (uint32_t)(in / c->cs);
		in %= c->cs;
		if (q >= c->npos)
			return false;
		const uint8_t *b = cluster(c, q);
		if (b == NULL)
			return false;
		size_t k = c->cs - in < n ? c->cs - in : n;
		memcpy(dst, b + in, k);
		dst += k;
		n -= k;
		in += k;
	}
	return true;
}

/* As read_pos, for a few bytes: read without filling the cache (through
 * the strip, on a grid of small clusters). */
static bool peek_pos(struct ctx *c, uint32_t q, uint64_t in, uint8_t *dst,
                     size_t n)
{
	if (in + n > c->cs)
		return read_pos(c, q, in, dst, n);
	for (unsigned i = 0; i < CACHE; i++)
		if (c->cache_pos[i] == q) {
			memcpy(dst, c->cache + (size_t)i * c->cs + in, n);
			return true;
		}
	uint64_t img = fsview_offset(c->v, c->pos[q]) + in;
	if (img + n > c->size)
		return false;
	/* small clusters: a view serves the looks at many */
	const uint8_t *v = c->cs <= PEEK_VIEW_CS ? view_of(c, img, n)
	                   : in_view(c, img, n);
	if (v != NULL) {
		memcpy(dst, v, n);
		return true;
	}
	if (c->strip != NULL) {
		if (img < c->strip_off ||
		    img + n > c->strip_off + c->strip_len) {
			/* the next clusters' looks from the same read (the
			 * search for a movie box, for partners' starts) */
			size_t len = c->size - img < STRIP
			             ? (size_t)(c->size - img) : STRIP;
			c->strip_len = 0;
			if (source_read_full(c->src, c->strip, len, img) == 0) {
				c->strip_off = img;
				c->strip_len = len;
			}
		}
		if (c->strip_len > 0) {
			memcpy(dst, c->strip + (img - c->strip_off), n);
			return true;
		}
	}
	return source_read_full(c->src, dst, n, img) == 0;
}

/* ------------------------------------------------------------ the index */

/* The first child of type t in [lo, hi) of b: its payload in *plo, *phi. */
static bool child(const uint8_t *b, uint64_t lo, uint64_t hi, uint32_t t,
                  uint64_t *plo, uint64_t *phi)
{
	for (unsigned n = 0; lo + 8 <= hi && n < 4096; n++) {
		struct mp4_box_hdr x;
		if (mp4_box_header(b + lo, hi - lo, hi - lo, &x) != 0 ||
		    x.size > hi - lo)
			return false;
		if (x.type == t) {
			*plo = lo + x.hdr;
			*phi = lo + x.size;
			return true;
		}
		lo += x.size;
	}
	return false;
}

static int push_sample(struct stream *s, uint32_t *cap, uint64_t off,
                       uint32_t size, uint8_t kind, uint8_t lsz, uint8_t dec)
{
	if (s->ns >= MI_MAX_SAMPLES)
		return -1;
	if (s->ns == *cap) {
		uint32_t n = *cap ? *cap * 2 : 1024;
		struct sample *p = realloc(s->s, n * sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		s->s = p;
		*cap = n;
	}
	s->s[s->ns++] = (struct sample){ off, size, kind, lsz, dec };
	return 0;
}

/* The avcC payload cfg[0..n) of a track: the stream's when it has none
 * yet; *dec tells whether the track's samples decode with the stream's.
 * 0 or -ENOMEM. */
static int keep_cfg(struct stream *s, const uint8_t *cfg, uint64_t n,
                    uint8_t *dec)
{
	*dec = 0;
	if (n == 0 || n > H264_DECODE_MAX_CONFIG)
		return 0;
	if (s->cfg == NULL) {
		s->cfg = malloc(n);
		if (s->cfg == NULL)
			return -ENOMEM;
		memcpy(s->cfg, cfg, n);
		s->cfg_len = (uint32_t)n;
	}
	*dec = s->cfg_len == n && memcmp(s->cfg, cfg, n) == 0;
	return 0;
}

/* One track's samples from its stbl [lo, hi). */
static int track(const uint8_t *b, uint64_t lo, uint64_t hi, struct stream *s,
                 uint32_t *cap)
{
	uint64_t a, z, sa, sz, ca, cz, oa, oz;
	uint8_t kind = K_OTHER, lsz = 4, dec = 0;
	bool wide = false;

	if (!child(b, lo, hi, FCC('s', 't', 's', 'd'), &a, &z) || z - a < 16)
		return -1;
	uint64_t ea = a + 8, ez;
	uint32_t esz = mem_be32(b + ea), et = mem_be32(b + ea + 4);
	if (esz < 8 || esz > z - ea)
		return -1;
	ez = ea + esz;
	uint64_t ca2, cz2;
	switch (et) {
	case FCC('a', 'v', 'c', '1'): case FCC('a', 'v', 'c', '3'):
		kind = K_H264;
		if (ea + 86 <= ez && child(b, ea + 86, ez, FCC('a', 'v', 'c', 'C'),
		                           &ca2, &cz2) && cz2 - ca2 >= 5) {
			lsz = (b[ca2 + 4] & 3) + 1;
			int rc = keep_cfg(s, b + ca2, cz2 - ca2, &dec);
			if (rc != 0)
				return rc;
		}
		break;
	case FCC('h', 'v', 'c', '1'): case FCC('h', 'e', 'v', '1'):
		kind = K_H265;
		if (ea + 86 <= ez && child(b, ea + 86, ez, FCC('h', 'v', 'c', 'C'),
		                           &ca2, &cz2) && cz2 - ca2 >= 22)
			lsz = (b[ca2 + 21] & 3) + 1;
		break;
	case FCC('m', 'p', '4', 'a'):
		kind = K_AAC;
		break;
	default:
		break;
	}
	if (lsz < 3)
		kind = K_OTHER;   /* short prefixes: not checked */
	if (!child(b, lo, hi, FCC('s', 't', 's', 'z'), &sa, &sz) || sz - sa < 12)
		return -1;
	if (!child(b, lo, hi, FCC('s', 't', 's', 'c'), &ca, &cz) || cz - ca < 8)
		return -1;
	if (!child(b, lo, hi, FCC('s', 't', 'c', 'o'), &oa, &oz)) {
		if (!child(b, lo, hi, FCC('c', 'o', '6', '4'), &oa, &oz))
			return -1;
		wide = true;
	}
	if (oz - oa < 8)
		return -1;
	uint32_t fixed = mem_be32(b + sa + 4), nsamp = mem_be32(b + sa + 8);
	uint32_t nsc = mem_be32(b + ca + 4), nco = mem_be32(b + oa + 4);
	if ((fixed == 0 && nsamp > (sz - sa - 12) / 4) ||
	    nsc > (cz - ca - 8) / 12 || nco > (oz - oa - 8) / (wide ? 8 : 4) ||
	    nsamp > MI_MAX_SAMPLES)
		return -1;
	uint32_t k = 0, e = 0;
	for (uint32_t ch = 1; ch <= nco && k < nsamp; ch++) {
		while (e + 1 < nsc && mem_be32(b + ca + 8 + 12 * (e + 1)) <= ch)
			e++;
		if (nsc == 0)
			return -1;
		uint32_t per = mem_be32(b + ca + 8 + 12 * e + 4);
		uint64_t o = wide ? mem_be64(b + oa + 8 + 8 * (uint64_t)(ch - 1))
		             : mem_be32(b + oa + 8 + 4 * (uint64_t)(ch - 1));
		for (uint32_t i = 0; i < per && k < nsamp; i++, k++) {
			uint32_t n = fixed ? fixed : mem_be32(b + sa + 12 + 4 * (uint64_t)k);
			int rc = push_sample(s, cap, o, n, kind, lsz, dec);
			if (rc != 0)
				return rc;
			o += n;
		}
	}
	return k == nsamp ? 0 : -1;
}

static int cmp_sample(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The samples of every track of the moov payload b[0..n). 0, 1 when it
 * does not parse or its samples do not lie in the media data, -errno. */
static int parse_moov(const uint8_t *b, uint64_t n, struct stream *s)
{
	uint32_t cap = 0;
	uint64_t lo = 0;

	s->ns = 0;
	free(s->cfg);
	s->cfg = NULL;
	s->cfg_len = 0;
	for (unsigned t = 0; t < 64; t++) {
		uint64_t ta, tz, ma, mz, ia, iz, sa, sz;
		if (!child(b, lo, n, FCC('t', 'r', 'a', 'k'), &ta, &tz))
			break;
		lo = tz;
		if (!child(b, ta, tz, FCC('m', 'd', 'i', 'a'), &ma, &mz) ||
		    !child(b, ma, mz, FCC('m', 'i', 'n', 'f'), &ia, &iz) ||
		    !child(b, ia, iz, FCC('s', 't', 'b', 'l'), &sa, &sz))
			return 1;
		int rc = track(b, sa, sz, s, &cap);
		if (rc < 0)
			return rc == -1 ? 1 : rc;
	}
	if (s->ns == 0)
		return 1;
	qsort(s->s, s->ns, sizeof(*s->s), cmp_sample);
	for (uint32_t i = 0; i < s->ns; i++) {
		const struct sample *x = &s->s[i];
		if (x->off < s->mdat_lo || x->off + x->size > s->e ||
		    (i + 1 < s->ns && x->off + x->size > s->s[i + 1].off))
			return 1;
	}
	return 0;
}

/* Whether ch is a byte a box type may hold: printable, or the (c) of
 * the iTunes metadata items. */
static bool type_char(uint8_t ch)
{
	return (ch >= 0x20 && ch <= 0x7e) || ch == 0xa9;
}

/* The boxes ISO/IEC 14496-12 and QuickTime put in a moov, trak, mdia,
 * minf or stbl (NULL for another parent: any type). */
static const char *known_children(uint32_t parent)
{
	switch (parent) {
	case FCC('m', 'o', 'o', 'v'):
		return "mvhd trak udta meta iods mvex free skip uuid prfl "
		       "clip ctab cmov rmra pnot wide";
	case FCC('t', 'r', 'a', 'k'):
		return "tkhd edts mdia udta tref meta free skip uuid tapt "
		       "clip matt load imap txas kmat wide";
	case FCC('m', 'd', 'i', 'a'):
		return "mdhd hdlr minf udta elng meta free skip uuid wide";
	case FCC('m', 'i', 'n', 'f'):
		return "vmhd smhd hmhd nmhd gmhd sthd hdlr dinf stbl free "
		       "skip uuid wide";
	case FCC('s', 't', 'b', 'l'):
		return "stsd stts ctts cslg stss stsh stsc stsz stz2 stco "
		       "co64 sdtp sbgp sgpd subs saiz saio stps padb stdp "
		       "free skip uuid wide";
	default:
		return NULL;
	}
}

/* Whether the type at t may be a child of parent. */
static bool child_ok(uint32_t parent, const uint8_t *t)
{
	const char *k = known_children(parent);

	for (unsigned i = 0; i < 4; i++)
		if (!type_char(t[i]))
			return false;
	if (k == NULL)
		return true;
	for (; *k != '\0'; k += k[4] == ' ' ? 5 : 4)
		if (memcmp(k, t, 4) == 0)
			return true;
	return false;
}

/*
 * Whether the children of box `parent` in b[lo, hi) of a moov hold
 * together as far as its first `have` bytes go (what lies past them is
 * not known yet): every box header there lies inside its parent, with a
 * type its parent may hold (child_ok), and the children of the
 * containers (trak, mdia, ..., the user data and its metadata items)
 * fill them exactly.  Tables are not looked into (parse_moov does).
 */
static bool box_tree_ok(const uint8_t *b, uint64_t lo, uint64_t hi,
                        uint64_t have, unsigned depth, uint32_t parent)
{
	for (uint64_t a = lo; a < hi;) {
		if (a + 8 > have)
			return true;
		uint64_t sz = mem_be32(b + a), h = 8;
		if (sz == 1) {
			if (a + 16 > have)
				return true;
			sz = mem_be64(b + a + 8);
			h = 16;
		}
		if (sz < h || sz > hi - a || !child_ok(parent, b + a + 4))
			return false;
		uint32_t t = mem_be32(b + a + 4);
		uint64_t in = a + h;
		bool sub = parent == FCC('i', 'l', 's', 't');   /* an item */
		switch (t) {
		case FCC('t', 'r', 'a', 'k'): case FCC('m', 'd', 'i', 'a'):
		case FCC('m', 'i', 'n', 'f'): case FCC('s', 't', 'b', 'l'):
		case FCC('e', 'd', 't', 's'): case FCC('d', 'i', 'n', 'f'):
		case FCC('u', 'd', 't', 'a'): case FCC('m', 'v', 'e', 'x'):
		case FCC('i', 'l', 's', 't'):
			sub = true;
			break;
		case FCC('m', 'e', 't', 'a'):
			/* ISO's has a version and flags before its children,
			 * QuickTime's not: whichever opens with its hdlr */
			sub = true;
			if (in + 12 <= have && in + 12 <= a + sz &&
			    mem_be32(b + in + 8) == FCC('h', 'd', 'l', 'r'))
				in += 4;
			else if (!(in + 8 <= have && in + 8 <= a + sz &&
			           mem_be32(b + in + 4) == FCC('h', 'd', 'l', 'r')))
				sub = false;
			break;
		default:
			break;
		}
		if (sub && depth < 8 &&
		    !box_tree_ok(b, in, a + sz, have, depth + 1, t))
			return false;
		a += sz;
	}
	return true;
}

/*
 * The moov of m bytes opening at offset in of position t, its clusters
 * not one after another: each next one the one of the MI_MOOV_SKIP
 * positions after the one before with which the boxes still hold
 * together (a recorder that wrote the moov's end after a partner's
 * chunk).  When two such positions with other bytes do (the piece lies
 * inside a table, whose bytes no header checks), there is no telling
 * which is the box's.  True with mq[0..n) and mb[0..m) filled, its
 * boxes holding together whole (the last piece is checked with all m
 * bytes).
 */
static bool moov_pieces(struct ctx *c, uint32_t t, uint64_t in, uint64_t m,
                        uint32_t n, uint8_t *mb, uint32_t *mq)
{
	uint64_t have = c->cs - in;

	if (have >= m || !read_pos(c, t, in, mb, have))
		return false;
	mq[0] = t;
	uint8_t *first = malloc(c->cs);
	bool ok = first != NULL;
	for (uint32_t k = 1; ok && k < n; k++) {
		uint64_t len = m - have < c->cs ? m - have : c->cs;
		uint32_t found = NONE_POS;
		for (uint32_t q = mq[k - 1] + 1, j = 0;
		     j < MI_MOOV_SKIP && q < c->npos; j++, q++) {
			if (!read_pos(c, q, 0, mb + have, len))
				break;
			if (!box_tree_ok(mb, 8, m, have + len, 0, MOOV))
				continue;
			if (found == NONE_POS) {
				found = q;
				memcpy(first, mb + have, len);
			} else if (memcmp(first, mb + have, len) != 0) {
				/* two hold together (the piece lies inside a
				 * table whose bytes no header checks): which
				 * is the box's cannot be told */
				ok = false;
				break;
			}
		}
		if (found == NONE_POS)
			ok = false;
		if (ok) {
			mq[k] = found;
			memcpy(mb + have, first, len);
		}
		have += len;
	}
	free(first);
	return ok;
}

/*
 * The movie box of m bytes opening at offset in of position t, its first
 * k pieces in t and the positions after it and the rest in positions one
 * after another from a later one (up to position far): a recorder that
 * wrote the box's end after clips kept on the card (event clips), which
 * may lie hundreds of positions on.  Only the rest that makes the boxes
 * hold together and the samples lie in the media data will do, and it
 * must be the only one: two rests with other bytes that both do are no
 * telling which.  All such searches of a candidate read MI_MOOV_FAR_BYTES
 * at most (c->far_left).  True with mq[0..n) and mb[0..m) filled and s
 * parsed.
 */
static bool moov_far(struct ctx *c, uint32_t t, uint64_t in, uint64_t m,
                     uint32_t n, uint32_t far, uint8_t *mb, uint32_t *mq,
                     struct stream *s)
{
	uint8_t *first = malloc(m);
	uint32_t found = NONE_POS, fk = 0;
	bool ok = first != NULL && read_pos(c, t, in, mb, c->cs - in);

	for (uint32_t k = 1; ok && k < n; k++) {
		uint64_t head = (uint64_t)k * c->cs - in;
		/* the first k pieces: piece k - 1 is new (the last split's
		 * rests were read over it), those before it are there */
		if (k > 1 && !read_pos(c, t + k - 1, 0, mb + head - c->cs, c->cs))
			break;
		/* each try reads the rest: n - k clusters */
		uint64_t cost = (uint64_t)c->cs * (n - k);
		for (uint32_t q = t + k + MI_MOOV_SKIP; ok && q + (n - k) <= far &&
		     q + (n - k) <= c->npos && c->far_left >= cost; q++) {
			c->far_left -= cost;
			bool rest = true;
			for (uint32_t j = 0; rest && k + j < n; j++) {
				uint64_t a = head + (uint64_t)j * c->cs;
				uint64_t len = m - a < c->cs ? m - a : c->cs;
				rest = read_pos(c, q + j, 0, mb + a, len);
			}
			if (!rest || !box_tree_ok(mb, 8, m, m, 0, MOOV) ||
			    parse_moov(mb + 8, m - 8, s) != 0)
				continue;
			if (found == NONE_POS) {
				found = q;
				fk = k;
				memcpy(first, mb, m);
			} else if (memcmp(first, mb, m) != 0) {
				ok = false;   /* two would do */
			}
		}
	}
	ok = ok && found != NONE_POS && parse_moov(first + 8, m - 8, s) == 0;
	if (ok) {
		memcpy(mb, first, m);
		for (uint32_t j = 0; j < n; j++)
			mq[j] = j < fk ? t + j : found + (j - fk);
	}
	free(first);
	return ok;
}

/*
 * The movie box of m bytes whose header lies at offset in of position t:
 * its first bytes there, its rest in the positions after t, or after a
 * partner's chunk written between, or in pieces (moov_pieces), or far on
 * up to position far (moov_far; 0: not looked for).  0 with s's samples
 * read and s->anchor, s->mq and s->moov_n set; 1 when it does not parse;
 * -errno.
 */
static int read_moov(struct ctx *c, uint32_t t, uint64_t in, uint64_t m,
                     uint32_t far, struct stream *s)
{
	uint32_t n = (uint32_t)((in + m + c->cs - 1) / c->cs), t2 = t + 1;
	uint8_t *mb = malloc(m);
	uint32_t *mq = malloc((size_t)n * sizeof(*mq));
	if (mb == NULL || mq == NULL) {
		free(mb);
		free(mq);
		return -ENOMEM;
	}
	/* The moov's first bytes in t; the rest in the clusters after t,
	 * or after a partner's chunk written between. */
	uint64_t head = c->cs - in < m ? c->cs - in : m;
	int rc = read_pos(c, t, in, mb, head) ? 1 : -1;
	for (unsigned k = 0; rc == 1 && k < MI_MOOV_SKIP; k++, t2++) {
		if (n > 1 && !read_pos(c, t2, 0, mb + head, m - head))
			break;
		rc = parse_moov(mb + 8, m - 8, s);
		if (rc != 1 || n == 1)
			break;
	}
	for (uint32_t k = 0; k < n; k++)
		mq[k] = k == 0 ? t : t2 + k - 1;
	/* Its rest in pieces: when the clusters after the second do not
	 * hold together with it, or do not parse at all. */
	if ((rc == 1 || (rc == 0 && !box_tree_ok(mb, 8, m, m, 0, MOOV))) &&
	    n > 2 && n <= MI_MOOV_PIECES && m <= MI_MOOV_PIECE_BYTES) {
		uint8_t *mb2 = malloc(m);
		uint32_t *mq2 = malloc((size_t)n * sizeof(*mq2));
		/* (moov_pieces checked the whole of its boxes) */
		int r2 = mb2 == NULL || mq2 == NULL ? -ENOMEM
		         : !moov_pieces(c, t, in, m, n, mb2, mq2) ? 1
		         : parse_moov(mb2 + 8, m - 8, s);
		if (r2 == 0) {
			free(mq);
			mq = mq2;
			mq2 = NULL;
			rc = 0;
		} else if (r2 < 0 && r2 != -1) {
			rc = r2;
		} else if (rc == 0) {
			/* the one that ran on after all */
			rc = parse_moov(mb + 8, m - 8, s);
		}
		free(mb2);
		free(mq2);
	}
	/* Its rest far on: when nothing nearer holds together with it. */
	if (rc == 1 && n >= 2 && n <= MI_MOOV_PIECES &&
	    m <= MI_MOOV_PIECE_BYTES && far > t + MI_MOOV_SKIP)
		rc = moov_far(c, t, in, m, n, far, mb, mq, s) ? 0 : 1;
	free(mb);
	if (rc != 0) {
		free(mq);
		return rc < 0 && rc != -1 ? rc : 1;
	}
	s->anchor = t;
	s->moov_n = n;
	s->mq = mq;
	return 0;
}

/*
 * The clip starting at position q: its media data from the first
 * cluster's boxes, its movie box at the media data's end in a later
 * position.  0 with *s filled, 1 when it is not such a clip, -errno.
 */
static int find_stream(struct ctx *c, uint32_t q, struct stream *s)
{
	const uint8_t *b = cluster(c, q);
	uint64_t o = 0;

	memset(s, 0, sizeof(*s));
	if (b == NULL || c->cs < 64 || mem_be32(b + 4) != FCC('f', 't', 'y', 'p'))
		return 1;
	for (unsigned n = 0;; n++) {
		if (n >= 16 || o + 16 > c->cs)
			return 1;
		uint64_t sz = mem_be32(b + o), h = 8;
		uint32_t t = mem_be32(b + o + 4);
		if (sz == 1) {
			sz = mem_be64(b + o + 8);
			h = 16;
		}
		if (t == FCC('m', 'd', 'a', 't')) {
			if (sz < h)
				return 1;   /* no size: no index to follow */
			s->mdat_lo = o + h;
			s->e = o + sz;
			break;
		}
		if (t == FCC('m', 'o', 'o', 'v') || sz < 8 || sz > c->cs)
			return 1;
		o += sz;
	}
	s->start = q;
	s->need = (uint32_t)(s->e / c->cs);
	if (s->need == 0 || s->e / c->cs >= MI_SPAN)
		return 1;
	uint64_t in = s->e % c->cs;
	/* Clips written at once share the clusters: the moov lies within
	 * a few times the media data's clusters. */
	uint64_t last = (uint64_t)q + (uint64_t)s->need * MI_REACH + MI_REACH_MIN;
	if (last > c->npos)
		last = c->npos;
	for (uint32_t t = q + s->need; t < last; t++) {
		uint8_t h[MP4_BOX_PROBE];
		if (!peek_pos(c, t, in, h, sizeof(h)))
			return 1;
		if (mem_be32(h + 4) != FCC('m', 'o', 'o', 'v') ||
		    !mp4_box_follows_mdat(h))
			continue;
		uint64_t m = mem_be32(h);
		if (m < 16 || m > MI_MAX_MOOV)
			continue;
		int rc = read_moov(c, t, in, m, (uint32_t)last, s);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			s->length = s->e + m;
			s->lpos = malloc(((size_t)s->need + 1) * sizeof(*s->lpos));
			if (s->lpos == NULL)
				return -ENOMEM;
			return 0;
		}
	}
	return 1;
}

static void stream_free(struct stream *s);

/*
 * A clip whose head is gone (written over, or a live file's now) whose
 * movie box opens at offset in of position t, m bytes long: its media
 * data end E lies just past its last sample, at the offset in of a
 * cluster.  0 with *s filled (headless), 1 when it is not such a clip,
 * -errno.
 */
static int find_headless(struct ctx *c, uint32_t t, uint64_t in, uint64_t m,
                         struct stream *s)
{
	memset(s, 0, sizeof(*s));
	s->e = UINT64_MAX;   /* not known before the samples are */
	int rc = read_moov(c, t, in, m, 0, s);
	if (rc != 0)
		return rc;
	const struct sample *z = &s->s[s->ns - 1];
	uint64_t end = z->off + z->size;
	s->e = end + (in + c->cs - end % c->cs) % c->cs;
	s->mdat_lo = s->s[0].off;
	s->need = (uint32_t)(s->e / c->cs);
	if (s->mdat_lo < 16 || s->need < 2 || s->e / c->cs >= MI_SPAN)
		return 1;
	s->headless = true;
	s->start = 0;
	s->length = s->e + m;
	s->lpos = malloc(((size_t)s->need + 1) * sizeof(*s->lpos));
	return s->lpos == NULL ? -ENOMEM : 0;
}

/*
 * Partners whose heads are gone: movie boxes that open in a position
 * after the first stream's start and no later than MI_MOOV_SKIP after its
 * anchor, and are no stream's found so far, each taken as a headless
 * stream while there is room.  Only the box's header whole in one
 * cluster is looked for.  Returns how many were added, or -errno.
 */
static int add_headless(struct ctx *c)
{
	const struct stream *s0 = &c->st[0];
	uint64_t hi = (uint64_t)s0->anchor + MI_MOOV_SKIP;
	int added = 0;

	if (hi > c->npos)
		hi = c->npos;
	for (uint32_t q = s0->start + 1; q < hi && c->nst < MI_MAX_STREAMS;
	     q++) {
		const uint8_t *b = cluster(c, q);
		if (b == NULL)
			continue;
		for (uint32_t o = 4; o + 12 <= c->cs && c->nst < MI_MAX_STREAMS;
		     o++) {
			/* a box type at o, its header's 12 bytes in b */
			const uint8_t *x = mem_find(b + o, c->cs - 8 - o,
			                            "moov", 4);
			if (x == NULL)
				break;
			o = (uint32_t)(x - b);
			uint32_t h = o - 4;
			uint8_t probe[MP4_BOX_PROBE];
			if (!peek_pos(c, q, h, probe, sizeof(probe)) ||
			    !mp4_box_follows_mdat(probe))
				continue;
			uint64_t m = mem_be32(probe);
			bool known = m < 16 || m > MI_MAX_MOOV;
			for (unsigned i = 0; i < c->nst && !known; i++)
				known = c->st[i].anchor == q &&
				        c->st[i].e % c->cs == h;
			if (known)
				continue;
			struct stream *s = &c->st[c->nst];
			int rc = find_headless(c, q, h, m, s);
			if (rc < 0) {
				stream_free(s);
				return rc;
			}
			if (rc == 0 && s->anchor > s0->start) {
				c->nst++;
				added++;
			} else {
				stream_free(s);
			}
		}
	}
	return added;
}

/* Whether a headless stream from n0 on started at some position in the
 * last sharing (its data lie there). */
static bool headless_seen(const struct ctx *c, unsigned n0)
{
	for (unsigned i = n0; i < c->nst; i++) {
		const struct stream *s = &c->st[i];
		if (!s->headless || s->startl == NULL)
			continue;
		for (uint32_t k = 0; k < s->anchor - c->lo; k++)
			if (s->startl[k] != 0 && s->startl[k] != NONE_L)
				return true;
	}
	return false;
}

/* ------------------------------------------------------------ checking */

static bool nal_ok(uint8_t kind, const uint8_t *h)
{
	if (h[0] & 0x80)
		return false;
	if (kind == K_H264) {
		unsigned t = h[0] & 0x1f;
		return t >= 1 && t <= 23;
	}
	unsigned t = h[0] >> 1 & 0x3f, layer = (h[0] & 1) << 5 | h[1] >> 3;
	return t <= 40 && layer == 0 && (h[1] & 7) != 0;
}

/* The first byte of a raw AAC frame: a syntax element that may open one. */
static bool aac_ok(uint8_t b)
{
	unsigned id = b >> 5, tag = b >> 1 & 0xf;
	return ((id == 0 || id == 1 || id == 3) && tag == 0) || id == 4 ||
	       id == 6;
}

/* Byte at logical x of stream s: logical cluster l at position q, l - 1
 * at st->last. */
static bool lbyte(struct ctx *c, const struct sstate *st, uint32_t q,
                  uint64_t x, uint8_t *out)
{
	uint64_t k = x / c->cs;
	uint32_t at;
	if (k == st->l)
		at = q;
	else if (k + 1 == st->l && st->last != NONE_POS)
		at = st->last;
	else
		return false;
	const uint8_t *b = cluster(c, at);
	if (b == NULL)
		return false;
	*out = b[x % c->cs];
	return true;
}

/* The part of payload [a, e) in the cluster at q (logical cluster l). */
static bool payload_in(struct ctx *c, uint32_t l, uint32_t q, uint64_t a,
                       uint64_t e)
{
	uint64_t lo = (uint64_t)l * c->cs, hi = lo + c->cs;
	if (a < lo)
		a = lo;
	if (e > hi)
		e = hi;
	if (a + 3 > e)
		return true;
	const uint8_t *b = cluster(c, q);
	if (b == NULL)
		return false;
	/* Most clusters hold nothing a payload may not, and the others a
	 * few such bytes, at units' length fields: known once, a range of
	 * the cluster is judged by where they are, at no cost. */
	if (c->clean[q] == 0) {
		unsigned k = zeros_payload_bad(b, c->cs, c->bad[q], MI_BAD);
		c->clean[q] = k == 0 ? 1 : k > MI_BAD ? 2 : (uint8_t)(2 + k);
	}
	if (c->clean[q] == 2)
		return zeros_payload_ok(b + (a - lo), (size_t)(e - a));
	for (unsigned i = 0; i + 2 < c->clean[q]; i++)
		if (c->bad[q][i] >= a - lo && c->bad[q][i] + 3 <= e - lo)
			return false;
	return true;
}

/*
 * The decoder's verdict on sample m of s, its logical cluster k at
 * position lp[k], but l (when below UINT32_MAX) at q.
 */
static enum h264_verdict decode_sample(struct ctx *c, const struct stream *s,
                                       const uint32_t *lp, uint32_t l,
                                       uint32_t q, const struct sample *m)
{
	uint64_t k0 = m->off / c->cs, k1 = (m->off + m->size - 1) / c->cs;
	enum h264_verdict v = H264_UNKNOWN;

	if ((l != UINT32_MAX && k1 > l) || k1 - k0 >= MI_DECODE_CLUSTERS ||
	    c->decodes_left == 0)
		return v;
	c->decodes_left--;
	struct extent *e = malloc((size_t)(k1 - k0 + 1) * sizeof(*e));
	unsigned n = 0;
	if (e == NULL)
		return v;
	for (uint64_t k = k0; k <= k1; k++) {
		uint32_t at = k == l ? q : lp[k];
		uint64_t img = fsview_offset(c->v, c->pos[at]);
		if (n > 0 && e[n - 1].img_off + e[n - 1].len == img)
			e[n - 1].len += c->cs;
		else
			e[n++] = (struct extent){ img, c->cs };
	}
	/* The slice over the sample's first cluster boundary must read its
	 * own last bytes too: a foreign cluster can parse to the last
	 * macroblock, and then the slice's own bytes after it are never
	 * read (h264_decode.h). */
	uint64_t at = m->off - k0 * c->cs;
	uint64_t seam = k1 > k0 ? c->cs : UINT64_MAX;
	struct bread br;
	if (bread_open_extents(&br, c->src, e, n, 0) == 0) {
		v = h264_decode_check(&br, s->cfg, s->cfg_len, m->lsz, at,
		                      m->size, seam);
		bread_close(&br);
	}
	free(e);
	c->checks += MI_DECODE_CHECKS;
	return v;
}

/*
 * The sample st->dsi, once its bytes end in logical cluster st->l or
 * before: decoded when one of its clusters held nothing to check (the
 * NAL units' lengths could not tell such a cluster from another clip's).
 * -1 when it does not decode; 1 when it does, every blind cluster then
 * covered; 0 when not decoded (yet) or the decoder cannot tell.
 */
static int settle(struct ctx *c, const struct stream *s, struct sstate *st,
                  uint32_t q)
{
	if (st->dsi == NONE_L)
		return 0;
	const struct sample *m = &s->s[st->dsi];
	if (m->off + m->size > ((uint64_t)st->l + 1) * c->cs)
		return 0;
	st->dsi = NONE_L;
	/* a sample begun in clusters that are gone cannot be decoded */
	if (m->off / c->cs < st->l0)
		return 0;
	/* a blind cluster before the sample: its decoding cannot vouch */
	if (st->blind == NONE_L || st->blind < m->off / c->cs)
		return 0;
	/* A sample that no placing of its clusters tried so far decodes
	 * (the clusters before it went wrong, or the clip has a partner not
	 * found) is left to the other checks after a few tries. */
	unsigned i = (unsigned)(s - c->st);
	uint32_t si = (uint32_t)(m - s->s);
	if (c->bad_si[i] == si && c->bad_n[i] >= MI_DECODE_TRIES)
		return 0;
	if (q < c->decode_from) {
		/* where nothing was guessed: as good as decoded */
		st->blind = NONE_L;
		return 0;
	}
	enum h264_verdict v = decode_sample(c, s, s->lpos, st->l, q, m);
	if (v == H264_BROKEN) {
		if (c->bad_si[i] != si) {
			c->bad_si[i] = si;
			c->bad_n[i] = 0;
		}
		c->bad_n[i]++;
		return -1;
	}
	if (v != H264_CLEAN)
		return 0;
	st->blind = NONE_L;
	st->sure = 1;
	return 1;
}

/*
 * Puts position q at logical cluster st->l of stream s and checks the
 * sample boundaries whose bytes it completes, and decodes an H.264 sample
 * it completes when a cluster of it held nothing to check.  1: at least
 * one was checked and all passed; 0: none to check; -1: one failed; -2:
 * bytes no NAL unit's payload holds, wherever the cluster were put.
 */
static int advance(struct ctx *c, const struct stream *s, struct sstate *st,
                   uint32_t q)
{
	uint64_t hi = ((uint64_t)st->l + 1) * c->cs;
	int seen = 0;
	bool units = false;

	c->checks++;
	st->sure = 0;
	if (st->pay > hi - c->cs &&
	    !payload_in(c, st->l, q, hi - c->cs, st->pay))
		return -2;
	while (st->si < s->ns) {
		const struct sample *m = &s->s[st->si];
		uint64_t end = m->off + m->size;
		if (st->p < m->off)
			st->p = m->off;
		if (m->kind == K_OTHER || m->size == 0) {
			st->si++;
			continue;
		}
		unsigned nb = m->kind == K_AAC ? 1 : m->lsz + 2u;
		if (st->p + nb > hi)
			break;
		if (st->p + nb > end)
			return -1;
		uint8_t h[8];
		for (unsigned i = 0; i < nb; i++)
			if (!lbyte(c, st, q, st->p + i, &h[i]))
				return -1;
		seen = 1;
		if (m->kind == K_AAC) {
			if (!aac_ok(h[0]))
				return -1;
			st->si++;
			continue;
		}
		uint64_t n = mem_be_n(h, m->lsz);
		if (n < 2 || n > end - st->p - m->lsz || !nal_ok(m->kind, h + m->lsz))
			return -1;
		units = true;
		st->pay = st->p + m->lsz + n;
		if (!payload_in(c, st->l, q, st->p + m->lsz + 2, st->pay))
			return -2;
		st->p = st->pay;
		if (st->p == end) {
			if (m->kind == K_H264 && m->dec && c->decodes) {
				/* the one before, if it ended here too */
				if (settle(c, s, st, q) < 0)
					return -1;
				st->dsi = st->si;
			}
			st->si++;
		}
	}
	int r = settle(c, s, st, q);
	if (r < 0)
		return -1;
	if (r > 0)
		seen = 1;
	else if (!seen && st->blind == NONE_L)
		st->blind = st->l;
	st->thin = seen && !units && r <= 0;
	st->last = q;
	st->l++;
	return seen;
}

/* ------------------------------------------------------------ sharing */

/*
 * Whether the media clusters the streams have still to place fit in the
 * positions left.  Those of stream i lie in the free positions of
 * [q, its anchor), so for each anchor a, the clusters of every stream
 * whose anchor is at or before a must fit in the free positions of
 * [q, a).  When the clips take every position between them (a pair
 * recorded at once, nothing else written meanwhile), a position given
 * to none shows here at once rather than at the last anchor.
 */
static bool room_for_all(const struct ctx *c, const struct sstate *in,
                         uint32_t q)
{
	for (unsigned k = 0; k < c->nst; k++) {
		uint32_t a = c->st[k].anchor;
		if (a <= q)
			continue;
		uint64_t want = 0;
		for (unsigned i = 0; i < c->nst; i++) {
			const struct stream *s = &c->st[i];
			if (s->anchor > a || s->anchor <= q)
				continue;
			/* not started: all but its (fixed) first cluster;
			 * a headless one may have lost any number */
			if (s->headless)
				want += in[i].l == 0 ? 0 : s->need - in[i].l;
			else
				want += q <= s->start ? s->need - 1u
				        : s->need - in[i].l;
		}
		uint64_t fixed = c->nfixed[a - c->lo] - c->nfixed[q - c->lo];
		if (want > a - q - fixed)
			return false;
	}
	return true;
}

/* The state of headless stream s starting at logical cluster l: checked
 * from the first sample that starts in l on (the units of one begun
 * before are not known). */
static struct sstate headless_state(const struct ctx *c,
                                    const struct stream *s, uint32_t l)
{
	uint64_t x = (uint64_t)l * c->cs;
	uint32_t a = 0, b = s->ns;

	while (a < b) {
		uint32_t m = a + (b - a) / 2;
		if (s->s[m].off < x)
			a = m + 1;
		else
			b = m;
	}
	return (struct sstate){ .l = l, .l0 = l, .last = NONE_POS,
	                        .blind = NONE_L, .dsi = NONE_L, .si = a,
	                        .p = a < s->ns ? s->s[a].off : x };
}

/*
 * Whether headless stream i may start at position q: exactly one of its
 * logical clusters (after the first, which held the file's header)
 * passes there with a video sample's units checked, not only audio
 * frames' first bytes, and leaves room for the rest before the anchor.
 * The state after it into *t.  What a position gives is kept (startl):
 * the sharing comes back to it.
 */
static bool headless_start(struct ctx *c, unsigned i, uint32_t q,
                           struct sstate *t)
{
	const struct stream *s = &c->st[i];
	uint32_t *memo = &s->startl[q - c->lo];

	if (q >= s->anchor)
		return false;
	if (*memo == NONE_L) {
		uint64_t checks = c->checks;
		uint32_t found = 0, n = 0;
		for (uint32_t l = 1; l < s->need && n < 2; l++) {
			struct sstate u = headless_state(c, s, l);
			if (advance(c, s, &u, q) > 0 && !u.thin) {
				found = l;
				n++;
			}
		}
		/* one look at the position, whatever it looked through */
		c->checks = checks + 1;
		*memo = n == 1 ? found : 0;
	}
	if (*memo == 0 || s->anchor - q < s->need - *memo)
		return false;
	*t = headless_state(c, s, *memo);
	c->checks++;
	return advance(c, s, t, q) > 0;
}

/* Options for position q given the states in f->in; prev is the stream
 * the position before went to. */
static void options(struct ctx *c, struct frame *f, uint32_t q, unsigned prev)
{
	struct opt strong[MI_MAX_STREAMS], weak[MI_MAX_STREAMS];
	struct opt *opt = frame_opt(c, f);
	unsigned ns = 0, nw = 0;

	f->nopt = 0;
	f->cur = 0;
	f->nstrong = 0;
	f->r0 = R0_CERTAIN;
	/* a stream that can no longer fill its media data before its
	 * anchor, or streams that together cannot: a dead end */
	for (unsigned i = 0; i < c->nst; i++) {
		const struct stream *s = &c->st[i];
		if (q > s->start && q < s->anchor && f->in[i].l > 0 &&
		    s->anchor - q < s->need - f->in[i].l)
			return;
	}
	if (!room_for_all(c, f->in, q))
		return;
	if (c->fixed[q]) {
		unsigned i = c->fixed[q] - 1u;
		const struct stream *s = &c->st[i];
		struct sstate t = f->in[i];
		if (q == s->start && !s->headless) {
			t.l = 0;
			t.last = NONE_POS;
			t.si = 0;
			t.p = 0;
			t.pay = 0;
			t.blind = NONE_L;
			t.dsi = NONE_L;
			if (advance(c, s, &t, q) < 0)
				return;
		} else if (q == s->anchor && !(s->headless && t.l == 0)) {
			/* (a headless stream that never started takes its
			 * movie box's positions alone) */
			if (t.l != s->need || advance(c, s, &t, q) < 0 ||
			    t.si < s->ns)
				return;
		}
		if (i == 0 && (q == s->start || q == s->anchor))
			f->r0 = 1;
		opt[f->nopt++] = (struct opt){ (uint8_t)i, t };
		f->nstrong = 1;
		return;
	}
	unsigned order[MI_MAX_STREAMS], no = 0;
	/* the stream the position before went to first */
	if (prev < c->nst)
		order[no++] = prev;
	for (unsigned i = 0; i < c->nst; i++)
		if (i != prev)
			order[no++] = i;
	for (unsigned k = 0; k < no; k++) {
		unsigned i = order[k];
		const struct stream *s = &c->st[i];
		if (s->headless && f->in[i].l == 0) {
			struct sstate t;
			if (headless_start(c, i, q, &t))
				strong[ns++] = (struct opt){ (uint8_t)i, t };
			continue;
		}
		if (q < s->start || q > s->anchor || f->in[i].l >= s->need)
			continue;
		if (s->anchor - q < s->need - f->in[i].l)
			continue;   /* not enough room left before the anchor */
		struct sstate t = f->in[i];
		int r = advance(c, s, &t, q);
		if (i == 0)
			f->r0 = (int8_t)r;
		if (r > 0)
			strong[ns++] = (struct opt){ (uint8_t)i, t };
		else if (r == 0)
			weak[nw++] = (struct opt){ (uint8_t)i, t };
	}
	for (unsigned k = 0; k < ns; k++)
		opt[f->nopt++] = strong[k];
	for (unsigned k = 0; k < nw; k++)
		opt[f->nopt++] = weak[k];
	f->nstrong = (uint8_t)ns;
	if (ns == 0)
		opt[f->nopt++] = (struct opt){ .who = MI_MAX_STREAMS };
}

/* Swaps tried per stretch (left clusters times weak ones), at most. */
#define SWAP_TRIES 256

/*
 * Whether a position in [ka, kb) (from lo) that the first stream left
 * with advance's -2 passes as one of the logical clusters it took there
 * with nothing to check: checked from the stream's state before that
 * one, without decoding.
 */
static bool swap_passes(struct ctx *c, const void *fr,
                        const uint8_t *owner, uint32_t ka, uint32_t kb,
                        uint32_t lo)
{
	const struct stream *s = &c->st[0];
	bool decodes = c->decodes, found = false;
	unsigned tries = 0;

	c->decodes = false;
	for (uint32_t j = ka; j < kb && !found; j++) {
		const struct frame *h = frame_at(c, fr, j);
		if (owner[j] == 0 || h->r0 != -2 ||
		    (h->cur < h->nstrong && !frame_opt(c, h)[h->cur].st.thin))
			continue;
		for (uint32_t w = ka; w < kb && !found; w++) {
			if (owner[w] != 0)
				continue;
			if (++tries > SWAP_TRIES) {
				found = true;   /* not known: a guess */
				break;
			}
			struct sstate t = frame_at(c, fr, w)->in[0];
			found = advance(c, s, &t, lo + j) >= 0;
		}
	}
	c->decodes = decodes;
	return found;
}

/*
 * Where the sharing of the first stream's clusters turns into a guess.
 * Between two positions that passed its checks, the clusters it took with
 * nothing in them to check and the ones it did not take may have been
 * swapped: when both happen there (and what it did not take failed only
 * a check that depends on where the cluster is put, or went to another
 * clip that had nothing to check either, or only audio frames' first
 * bytes, which a foreign cluster passes often), the stretch from the
 * first pass is a guess; a cluster a stream took with nothing in it to
 * check counts as checked once a sample decoded over it (advance).
 * A cluster it left because bytes there cannot lie inside a NAL unit
 * (advance's -2) was ruled out only as the logical cluster it would have
 * been on this path; it is a swap too when it passes as one of the
 * logical clusters taken with nothing to check in the stretch (swapped,
 * so would be the indices of all between).
 * Returns the first such position, NONE_POS when nothing is; the
 * stretches of positions that are guesses go to c->doubts.
 */
static uint32_t doubt_at(struct ctx *c, const void *fr,
                         const uint8_t *owner, uint32_t lo, uint32_t n)
{
	uint32_t first = NONE_POS;
	uint32_t from = NONE_POS, kfrom = 0;
	bool took_weak = false, left_unsure = false, left_payload = false;
	/* A stream's clusters up to the last position where a decoded
	 * sample covered every one it took with nothing to check are as
	 * good as checked. */
	uint32_t sure[MI_MAX_STREAMS + 1] = { 0 };

	for (uint32_t k = 0; k < n; k++) {
		const struct frame *h = frame_at(c, fr, k);
		if (owner[k] < MI_MAX_STREAMS && frame_opt(c, h)[h->cur].st.sure)
			sure[owner[k]] = k + 1;
	}
	for (uint32_t k = 0; k < n; k++) {
		const struct frame *h = frame_at(c, fr, k);
		bool strong = (h->cur < h->nstrong &&
		               !frame_opt(c, h)[h->cur].st.thin) ||
		              k < sure[owner[k]];
		if (owner[k] == 0 && strong) {
			if (took_weak && !left_unsure && left_payload)
				left_unsure = swap_passes(c, fr, owner, kfrom, k,
				                          lo);
			if (took_weak && left_unsure) {
				if (first == NONE_POS)
					first = from;
				if (c->ndoubts < MI_VOUCH_STRETCHES) {
					c->doubts[c->ndoubts][0] = from;
					c->doubts[c->ndoubts][1] = lo + k;
				}
				if (c->ndoubts <= MI_VOUCH_STRETCHES)
					c->ndoubts++;
			}
			from = lo + k + 1;
			kfrom = k + 1;
			took_weak = left_unsure = left_payload = false;
		} else if (owner[k] == 0) {
			took_weak = true;
		} else if (from != NONE_POS && !strong &&
		           (h->r0 == 0 || h->r0 == -1)) {
			left_unsure = true;
		} else if (from != NONE_POS && !strong && h->r0 == -2) {
			left_payload = true;
		}
	}
	return first;
}

/* The H.264 samples of the streams that can be decoded. */
static uint64_t decodable(const struct ctx *c)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < c->nst; i++)
		for (uint32_t k = 0; k < c->st[i].ns; k++)
			n += c->st[i].s[k].kind == K_H264 && c->st[i].s[k].dec;
	return n;
}

/* Those a sharing deciding by decoding from position `from` may have to
 * decode each: the ones that end past the clusters each stream took
 * before it in the sharing owner[] (from position lo). */
static uint64_t decodable_from(const struct ctx *c, const uint8_t *owner,
                               uint32_t lo, uint32_t from)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < c->nst; i++) {
		uint64_t l = 0;
		for (uint32_t k = lo; k < from; k++)
			l += owner[k - lo] == i;
		const struct stream *s = &c->st[i];
		for (uint32_t k = 0; k < s->ns; k++)
			n += s->s[k].kind == K_H264 && s->s[k].dec &&
			     s->s[k].off + s->s[k].size > l * c->cs;
	}
	return n;
}

/*
 * Whether the guessed stretches of stream 0's sharing (c->doubts) are
 * right after all: every sample of the stream holding a cluster it took
 * there is an H.264 one that decodes with the clusters the sharing gave
 * it (owner[], from position lo).  A decoded sample is as good as a
 * checked boundary in every cluster it covers.
 */
static bool vouch(struct ctx *c, const uint8_t *owner, uint32_t lo,
                  uint32_t n)
{
	const struct stream *s = &c->st[0];
	uint32_t *lp = malloc(((size_t)s->need + 1) * sizeof(*lp));
	uint32_t nl = 0, si = 0;
	bool ok = lp != NULL && c->ndoubts <= MI_VOUCH_STRETCHES;

	for (uint32_t k = 0; ok && k < n && nl <= s->need; k++)
		if (owner[k] == 0)
			lp[nl++] = lo + k;
	/* the stretches come in order of position */
	uint32_t la = 0, lb;
	for (unsigned d = 0; ok && d < c->ndoubts; d++) {
		/* the stream's logical clusters in [a, b) */
		while (la < nl && lp[la] < c->doubts[d][0])
			la++;
		lb = la;
		while (lb < nl && lp[lb] < c->doubts[d][1])
			lb++;
		if (la == lb)
			continue;
		uint64_t x = (uint64_t)la * c->cs, y = (uint64_t)lb * c->cs;
		while (si < s->ns && s->s[si].off + s->s[si].size <= x)
			si++;
		for (uint32_t i = si; ok && i < s->ns && s->s[i].off < y; i++) {
			const struct sample *m = &s->s[i];
			/* an audio frame is checked where it starts; only
			 * a video sample's units hide a cluster */
			if (m->size == 0 || m->off + m->size <= x ||
			    m->kind == K_AAC)
				continue;
			ok = m->kind == K_H264 && m->dec &&
			     (m->off + m->size - 1) / c->cs < nl &&
			     decode_sample(c, s, lp, UINT32_MAX, 0, m) ==
			     H264_CLEAN;
		}
	}
	free(lp);
	return ok;
}

/*
 * States a sharing found to lead nowhere.  What a position's options are,
 * and so whether any sharing of the positions after it passes, depends
 * on the position and the streams' states before it (struct sstate: where
 * each stream stands in its clusters, samples and units), not on the path
 * that led there; deciding by decoding, also on where the clusters of the
 * samples still to be decoded lie.  Paths through clusters that have
 * nothing to check (inside one clip's units, the other clips' taken
 * blind) come to the same states many times over, and the search undid
 * each again position by position: four clips sharing 395 clusters round
 * a card's end spent the sharing's checks 35 positions past one wrong
 * choice.  A state whose every option failed is remembered (a 64-bit hash
 * of it and its depth) and gone back from at once when met again.
 * Without decoding nothing passes that would not have, and the first
 * sharing that passes is the one found without this, within fewer
 * checks.  Deciding by decoding, a state also depends on the decodings
 * the sharing has left (MI_MAX_DECODES, MI_DECODE_TRIES): one that failed
 * with its samples decoded is not tried again where they would not be.
 */
#define DEAD_SLOTS (1u << 16)   /* remembered at most per sharing: */
#define DEAD_FILL (DEAD_SLOTS / 4 * 3)  /* ... this many */
#define DEAD_LPOS 64            /* clusters of samples still to decode a
                                   state remembered deciding by decoding
                                   may name */

struct dead {
	uint64_t *slot;         /* hashes, 0: empty */
	unsigned n;
};

static uint64_t dead_key(const struct ctx *c, uint32_t d,
                         const struct sstate *in)
{
	/* What decides the options ahead: where each stream stands in its
	 * clusters, samples and units; the cluster before only while a unit
	 * header left in it is still to be read (lbyte), the end of the
	 * last unit only while it runs on into clusters ahead (advance).
	 * Deciding by decoding, also where the clusters of the samples still
	 * to be decoded lie, and the state of the decoding (settle). */
	uint32_t b[1 + MI_MAX_STREAMS * (10 + DEAD_LPOS)], *p = b;
	*p++ = d;
	for (unsigned i = 0; i < c->nst; i++) {
		const struct sstate *t = &in[i];
		const struct stream *s = &c->st[i];
		uint64_t at = (uint64_t)t->l * c->cs;
		uint64_t pay = t->pay > at ? t->pay : 0;
		*p++ = t->l;
		*p++ = t->p < at ? t->last : NONE_POS;
		*p++ = t->si;
		*p++ = t->l0;
		*p++ = (uint32_t)t->p;
		*p++ = (uint32_t)(t->p >> 32);
		*p++ = (uint32_t)pay;
		*p++ = (uint32_t)(pay >> 32);
		if (!c->decodes)
			continue;
		*p++ = t->blind;
		*p++ = t->dsi;
		uint64_t k0 = t->si < s->ns ? s->s[t->si].off / c->cs : t->l;
		if (t->dsi != NONE_L && s->s[t->dsi].off / c->cs < k0)
			k0 = s->s[t->dsi].off / c->cs;
		if (k0 < t->l0)
			k0 = t->l0;
		if (k0 < t->l && t->l - k0 > DEAD_LPOS)
			return 0;   /* not remembered */
		for (uint64_t k = k0; k < t->l; k++)
			*p++ = s->lpos[k];
	}
	uint64_t h = XXH3_64bits(b, (size_t)(p - b) * sizeof(*b));
	return h != 0 ? h : 1;
}

/* Whether the state at depth d is known to lead nowhere. */
static bool dead_seen(const struct dead *dd, uint64_t h)
{
	if (dd->slot == NULL)
		return false;
	for (uint32_t i = (uint32_t)h & (DEAD_SLOTS - 1);;
	     i = (i + 1) & (DEAD_SLOTS - 1)) {
		if (dd->slot[i] == h)
			return true;
		if (dd->slot[i] == 0)
			return false;
	}
}

static void dead_add(struct dead *dd, uint64_t h)
{
	if (dd->n >= DEAD_FILL)
		return;
	if (dd->slot == NULL &&
	    (dd->slot = calloc(DEAD_SLOTS, sizeof(*dd->slot))) == NULL)
		return;   /* only more checks */
	uint32_t i = (uint32_t)h & (DEAD_SLOTS - 1);
	while (dd->slot[i] != 0 && dd->slot[i] != h)
		i = (i + 1) & (DEAD_SLOTS - 1);
	if (dd->slot[i] == 0) {
		dd->slot[i] = h;
		dd->n++;
	}
}

/*
 * Shares positions [lo, hi] among the streams.  1 with owner[] filled
 * (per position from lo: a stream, or MI_MAX_STREAMS), 0 when no sharing
 * passes within the budget, -errno.
 */
static int share(struct ctx *c, uint32_t lo, uint32_t hi, uint8_t *owner)
{
	uint32_t n = hi - lo + 1, d = 0;
	uint64_t budget = c->budget;
	/* a sharing that passes takes a few checks per position and clip
	 * pair (a position is checked against each clip); one that takes
	 * many more is lost among clusters it cannot tell apart */
	uint64_t per = (uint64_t)c->per_pos * n * (c->nst > 2 ? c->nst : 2) / 2;
	if (c->per_pos != 0 && c->checks + per + MI_GRID_FLOOR < budget)
		budget = c->checks + per + MI_GRID_FLOOR;
	size_t in_bytes = c->nst * sizeof(struct sstate);
	void *fr = malloc(n * frame_bytes(c->nst));
	struct dead dd = { NULL, 0 };
	int rc = 0;

	if (fr == NULL)
		return -ENOMEM;
	memset(frame_at(c, fr, 0)->in, 0, in_bytes);
	options(c, frame_at(c, fr, 0), lo, MI_MAX_STREAMS);
	for (;;) {
		if (c->checks > budget)
			break;
		struct frame *f = frame_at(c, fr, d);
		if (f->cur >= f->nopt) {
			if (d == 0)
				break;
			uint64_t key = dead_key(c, d, f->in);
			if (key != 0)
				dead_add(&dd, key);
			/* Going back costs a check too: a choice made early
			 * with a long run of positions after it that tell
			 * nothing (fixed ones, or none to check) is undone a
			 * position at a time, and was seen taking 35 million
			 * steps for 50,000 checks. */
			d--;
			frame_at(c, fr, d)->cur++;
			c->checks++;
			continue;
		}
		const struct opt *o = &frame_opt(c, f)[f->cur];
		owner[d] = o->who;
		if (d + 1 == n) {
			c->ndoubts = 0;
			c->doubt = doubt_at(c, fr, owner, lo, n);
			rc = 1;
			break;
		}
		struct frame *g = frame_at(c, fr, d + 1);
		memcpy(g->in, f->in, in_bytes);
		if (o->who < MI_MAX_STREAMS) {
			g->in[o->who] = o->st;
			/* where the path put it, for the decoding of the
			 * samples it holds */
			struct stream *s = &c->st[o->who];
			if (o->st.l > 0 && o->st.l - 1 <= s->need)
				s->lpos[o->st.l - 1] = lo + d;
		}
		d++;
		/* (no state to hash while none is remembered) */
		uint64_t key = dd.n > 0 ? dead_key(c, d, g->in) : 0;
		if (key != 0 && dead_seen(&dd, key)) {
			g->nopt = 0;   /* gone back from at once */
			g->cur = 0;
			continue;
		}
		options(c, g, lo + d, o->who);
	}
	free(dd.slot);
	free(fr);
	return rc;
}

/* ------------------------------------------------------------ runs */

/* Appends the image bytes [img, img + len) to the extents e[0..*n) of
 * room *cap, joining the last when they follow it: 0, 1 when
 * BREAD_MAX_EXTENTS are full, -ENOMEM. */
static int ext_add(struct extent **e, unsigned *n, unsigned *cap,
                   uint64_t img, uint64_t len)
{
	struct extent *x = *e;

	if (*n > 0 && x[*n - 1].img_off + x[*n - 1].len == img) {
		x[*n - 1].len += len;
		return 0;
	}
	if (*n == BREAD_MAX_EXTENTS)
		return 1;
	if (*n == *cap) {
		x = realloc(x, 2 * *cap * sizeof(*x));
		if (x == NULL)
			return -ENOMEM;
		*cap *= 2;
		*e = x;
	}
	x[(*n)++] = (struct extent){ img, len };
	return 0;
}

/* The state of a stream before its first cluster. */
static struct sstate first_state(void)
{
	return (struct sstate){ .last = NONE_POS, .blind = NONE_L,
	                        .dsi = NONE_L };
}

/* What a walk of stream 0's clusters placed one after another came to. */
enum { RUN_FAIL, RUN_JOIN, RUN_PASS };

/*
 * Walks stream 0's logical clusters [l, stop) at positions off + l from
 * state *st, within *left checks: RUN_FAIL when a check fails (or the
 * checks run out), RUN_JOIN once the state before a cluster is ref's
 * there (a walk of the same positions from a later l, whose verdict is
 * then this one's), else RUN_PASS with *st the state before stop.  rec:
 * where the states before each cluster go, or NULL; at: where the walk
 * stopped (the cluster that failed, or stop), or NULL.
 */
static int walk_run(struct ctx *c, struct sstate *st, uint32_t l,
                    uint32_t stop, uint32_t off, const struct sstate *ref,
                    struct sstate *rec, uint64_t *left, uint32_t *at)
{
	const struct stream *s = &c->st[0];
	int r = RUN_PASS;

	for (; l < stop; l++) {
		if (ref != NULL && ref[l].l == l && st->si == ref[l].si &&
		    st->p == ref[l].p && st->pay == ref[l].pay &&
		    st->last == ref[l].last) {
			r = RUN_JOIN;
			break;
		}
		if (rec != NULL)
			rec[l] = *st;
		if (*left == 0) {
			r = RUN_FAIL;
			break;
		}
		(*left)--;
		if (advance(c, s, st, off + l) < 0) {
			r = RUN_FAIL;
			break;
		}
	}
	if (at != NULL)
		*at = l;
	return r;
}

/* Whether stream 0's anchor passes after its media clusters (state st). */
static bool anchor_ok(struct ctx *c, struct sstate st)
{
	const struct stream *s = &c->st[0];

	return st.l == s->need && advance(c, s, &st, s->anchor) >= 0 &&
	       st.si >= s->ns;
}

/*
 * The splits of a run whose states before logical clusters [lo, f] are
 * in[l], with the rest at positions t0 + l up to the anchor: those after
 * which all the rest passes go to pass[] (the longest run first), *np of
 * them.  The longest run's rest is walked first, as the reference the
 * others' walks join once they reach the same sample boundary: as far as
 * they may take to join it (the zone), then theirs, then it on to the
 * anchor, so that the clusters round the split are read while at hand.
 * false when the checks ran out.
 */
static bool splits(struct ctx *c, const struct sstate *in, uint32_t lo,
                   uint32_t f, uint32_t t0, struct sstate *ref,
                   uint64_t *left, uint32_t *pass, uint32_t *np)
{
	const uint32_t N = c->st[0].need;
	uint32_t zone = N - f > 2 * MI_RUN_SEAMS ? f + 2 * MI_RUN_SEAMS : N;
	uint8_t verdict[MI_RUN_SEAMS];

	*np = 0;
	if (lo + MI_RUN_SEAMS <= f)
		lo = f - MI_RUN_SEAMS + 1;
	for (uint32_t l = lo; l <= zone; l++)
		ref[l].l = NONE_L;
	struct sstate rt = in[f];
	int rr = walk_run(c, &rt, f, zone, t0, NULL, ref, left, NULL);
	for (uint32_t h = f; h-- > lo && *left > 0;) {
		struct sstate u = in[h];
		int r = walk_run(c, &u, h, zone, t0, ref, NULL, left, NULL);
		if (r == RUN_PASS)
			r = walk_run(c, &u, zone, N, t0, NULL, NULL, left,
			             NULL) == RUN_PASS && anchor_ok(c, u)
			    ? RUN_PASS : RUN_FAIL;
		verdict[f - h] = (uint8_t)r;
	}
	bool rv = rr == RUN_PASS &&
	          walk_run(c, &rt, zone, N, t0, NULL, NULL, left, NULL) ==
	          RUN_PASS && anchor_ok(c, rt);
	if (*left == 0)
		return false;
	for (uint32_t h = f + 1; h-- > lo;) {
		uint8_t r = h == f ? (rv ? RUN_PASS : RUN_FAIL) : verdict[f - h];
		if (r == RUN_PASS || (r == RUN_JOIN && rv))
			pass[(*np)++] = h;
	}
	return true;
}

/* A placing of stream 0 in runs of positions: logical cluster l at
 * off[k] + l in run k, which holds [cut[k - 1], cut[k]) (from 0; the last
 * run ends at need), its anchor after them. */
struct runs {
	unsigned n;
	uint32_t off[3];
	uint32_t cut[2];
};

static uint32_t run_pos(const struct runs *r, uint32_t l)
{
	unsigned k = 0;

	while (k + 1 < r->n && l >= r->cut[k])
		k++;
	return r->off[k] + l;
}

/* Whether stream 0's H.264 samples over logical clusters [lo, hi) decode
 * when placed as r (lp: need + 1 entries to fill). */
static bool runs_decode(struct ctx *c, const struct runs *r, uint32_t *lp,
                        uint32_t lo, uint32_t hi)
{
	const struct stream *s = &c->st[0];
	uint64_t x = (uint64_t)lo * c->cs, y = (uint64_t)hi * c->cs;

	for (uint32_t l = 0; l <= s->need; l++)
		lp[l] = l == s->need ? s->anchor : run_pos(r, l);
	for (uint32_t i = 0; i < s->ns; i++) {
		const struct sample *m = &s->s[i];
		if (m->size == 0 || m->off + m->size <= x || m->off >= y ||
		    m->kind != K_H264)
			continue;
		if (!m->dec || (m->off + m->size - 1) / c->cs > s->need ||
		    decode_sample(c, s, lp, UINT32_MAX, 0, m) != H264_CLEAN)
			return false;
	}
	return true;
}

/*
 * Of the placings rs[0..n) that differ in logical clusters [lo, hi), the
 * one whose samples there decode: its index, or n when none or more than
 * one does (or the decoder cannot tell).
 */
static unsigned runs_pick(struct ctx *c, const struct runs *rs, unsigned n,
                          uint32_t *lp, uint32_t lo, uint32_t hi)
{
	unsigned one = n, k1 = 0;

	if (n == 1)
		return 0;
	if (!h264_decode_available())
		return n;
	c->decodes_left = MI_MAX_DECODES;
	for (unsigned k = 0; k < n && k1 < 2; k++)
		if (runs_decode(c, &rs[k], lp, lo, hi)) {
			one = k;
			k1++;
		}
	return k1 == 1 ? one : n;
}

/* The extents of stream 0 placed as r: 1 with them, 0 when they cannot
 * be made, -errno. */
static int runs_extents(struct ctx *c, const struct runs *r,
                        struct extent **ext, unsigned *next,
                        uint64_t *length)
{
	const struct stream *s = &c->st[0];
	const uint32_t N = s->need;
	unsigned cap = 4, n = 0;
	struct extent *e = malloc(cap * sizeof(*e));
	uint64_t rest = s->length;

	if (e == NULL)
		return -ENOMEM;
	for (uint32_t l = 0; rest > 0 && l < N + s->moov_n; l++) {
		uint32_t q = l < N ? run_pos(r, l) : s->mq[l - N];
		if (q >= c->npos)
			break;
		uint64_t len = rest < c->cs ? rest : c->cs;
		int added = ext_add(&e, &n, &cap,
		                    fsview_offset(c->v, c->pos[q]), len);
		if (added < 0) {
			free(e);
			return added;
		}
		if (added > 0)
			break;
		rest -= len;
	}
	if (rest > 0) {
		free(e);
		return 0;
	}
	*ext = e;
	*next = n;
	*length = s->length;
	return 1;
}

/*
 * The first video sample starting at or past logical byte x whose first
 * unit's length and header lie in the cluster it starts in, or NULL.
 */
static const struct sample *first_unit_at(const struct ctx *c, uint64_t x)
{
	const struct stream *s = &c->st[0];

	for (uint32_t i = 0; i < s->ns; i++) {
		const struct sample *m = &s->s[i];
		if (m->off >= x && (m->kind == K_H264 || m->kind == K_H265) &&
		    m->size > m->lsz + 2u && m->off / c->cs < s->need &&
		    m->off % c->cs + m->lsz + 2u <= c->cs)
			return m;
	}
	return NULL;
}

/* Whether the cluster at position q opens a NAL unit of sample m at m's
 * offset in its cluster (length and header). */
static bool unit_at(struct ctx *c, uint32_t q, const struct sample *m)
{
	uint8_t h[8];

	if (!peek_pos(c, q, m->off % c->cs, h, m->lsz + 2u))
		return false;
	uint64_t n = mem_be_n(h, m->lsz);
	return n >= 2 && n <= m->size - m->lsz && nal_ok(m->kind, h + m->lsz);
}

/*
 * Stream 0 alone, stored in two or three runs of positions: its head from
 * its start on, maybe a middle run, and the rest just before its anchor
 * (a recorder that wrote the clip around other files, deleted since).
 * The head is walked from the start until a check fails at logical
 * cluster f; the split lies at or before it, so the MI_RUN_SEAMS splits
 * up to f are tried with the rest just before the anchor (splits()).
 * When none passes, a middle run is looked for: the positions that open
 * the first video sample past f as it opens (its first unit's length and
 * header), MI_RUN_MIDDLES at most, each taken as the middle run's place
 * and walked from the longest head until a check fails, the other heads
 * joining that walk, and its splits tried with the rest before the
 * anchor.  Exactly one placing must pass, or exactly one decode where
 * the passing ones differ.  1 with the extents, 0 when no single placing
 * passes within the budget, -errno.
 */
static int runs_place(struct ctx *c, struct extent **ext, unsigned *next,
                      uint64_t *length)
{
	const struct stream *s = &c->st[0];
	uint32_t N = s->need, p0 = s->start, a = s->anchor;
	uint64_t left = c->budget;
	int rc = 0;

	if (a <= p0 || a - p0 <= N || a >= c->npos || N == 0)
		return 0;
	uint32_t t0 = a - N;
	struct sstate *hs = malloc(((size_t)N + 1) * sizeof(*hs));
	struct sstate *ms = malloc(((size_t)N + 1) * sizeof(*ms));
	struct sstate *ref = malloc(((size_t)N + 1) * sizeof(*ref));
	uint32_t *lp = malloc(((size_t)N + 1) * sizeof(*lp));
	struct runs found[MI_RUN_PLACINGS];
	unsigned nf = 0;
	uint32_t pass[MI_RUN_SEAMS], np = 0;
	if (hs == NULL || ms == NULL || ref == NULL || lp == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	/* the head: hs[l] is the state before logical cluster l */
	struct sstate st = first_state();
	uint32_t f;
	if (walk_run(c, &st, 0, N, p0, NULL, hs, &left, &f) == RUN_PASS)
		hs[N] = st;
	if (left == 0 || f == 0)
		goto out;
	/* two runs */
	if (!splits(c, hs, 1, f, t0, ref, &left, pass, &np) ||
	    np > MI_RUN_PLACINGS)
		goto out;   /* out of checks, or too many to tell apart */
	for (uint32_t k = 0; k < np; k++)
		found[nf++] = (struct runs){ .n = 2, .off = { p0, t0 },
		                             .cut = { pass[k] } };
	uint32_t dlo = np > 0 ? pass[np - 1] : 0, dhi = np > 0 ? pass[0] : 0;
	/* three runs: the middle run's places */
	const struct sample *m = nf == 0 && f < N
	                         ? first_unit_at(c, (uint64_t)f * c->cs) : NULL;
	uint32_t lx = m != NULL ? (uint32_t)(m->off / c->cs) : 0;
	uint32_t h_lo = f > MI_RUN_SEAMS ? f - MI_RUN_SEAMS + 1 : 1;
	unsigned middles = 0;
	if (m != NULL) {
		dlo = UINT32_MAX;
		/* the heads' walks join the longest's from f on only */
		for (uint32_t l = h_lo; l < f; l++)
			ms[l].l = NONE_L;
	}
	for (uint32_t q = p0 + lx + 1; m != NULL && q < t0 + lx && left > 0;
	     q++) {
		left--;
		if (!unit_at(c, q, m))
			continue;
		if (++middles > MI_RUN_MIDDLES) {
			nf = 0;
			goto out;
		}
		uint32_t m0 = q - lx, f2;
		/* the longest head's walk through the middle run */
		struct sstate u = hs[f];
		if (walk_run(c, &u, f, N, m0, NULL, ms, &left, &f2) == RUN_PASS)
			ms[N] = u;
		if (left == 0 || f2 <= lx)
			continue;   /* ran out, or failed before the sample */
		/* the shorter heads, each until it joins that walk */
		uint32_t heads[MI_RUN_SEAMS], nh = 0;
		heads[nh++] = f;
		for (uint32_t h = f; h-- > h_lo && left > 0;) {
			struct sstate v = hs[h];
			if (walk_run(c, &v, h, f2, m0, ms, NULL, &left,
			             NULL) == RUN_JOIN)
				heads[nh++] = h;
		}
		if (!splits(c, ms, f + 1, f2, t0, ref, &left, pass, &np))
			goto out;
		for (uint32_t i = 0; i < nh; i++)
			for (uint32_t k = 0; k < np; k++) {
				if (nf == MI_RUN_PLACINGS) {
					nf = 0;
					goto out;
				}
				found[nf++] = (struct runs){
					.n = 3, .off = { p0, m0, t0 },
					.cut = { heads[i], pass[k] } };
				if (heads[i] < dlo)
					dlo = heads[i];
				if (pass[k] > dhi)
					dhi = pass[k];
			}
	}
	if (left == 0 || nf == 0)
		goto out;
	/* several: the one that decodes where they differ */
	unsigned pick = runs_pick(c, found, nf, lp, dlo, dhi + 1);
	if (pick < nf)
		rc = runs_extents(c, &found[pick], ext, next, length);
out:
	free(hs);
	free(ms);
	free(ref);
	free(lp);
	return rc;
}

/* ------------------------------------------------------------ entry */

static void stream_free(struct stream *s)
{
	free(s->s);
	free(s->cfg);
	free(s->lpos);
	free(s->mq);
	free(s->startl);
	s->s = NULL;
	s->cfg = NULL;
	s->lpos = NULL;
	s->mq = NULL;
	s->startl = NULL;
}

static void free_streams(struct ctx *c)
{
	for (unsigned i = 0; i < c->nst; i++)
		stream_free(&c->st[i]);
	c->nst = 0;
}

/* Marks the streams' fixed positions; false when two claim one. */
static bool mark_fixed(struct ctx *c, uint32_t lo, uint32_t hi)
{
	memset(c->fixed + lo, 0, hi - lo + 1);
	for (unsigned i = 0; i < c->nst; i++) {
		const struct stream *s = &c->st[i];
		if (!s->headless) {
			if (c->fixed[s->start])
				return false;
			c->fixed[s->start] = (uint8_t)(i + 1);
		}
		for (uint32_t k = 0; k < s->moov_n; k++) {
			uint32_t q = s->mq[k];
			if (q >= c->npos || c->fixed[q])
				return false;
			c->fixed[q] = (uint8_t)(i + 1);
		}
	}
	return true;
}

/* Shares the streams out; 1 with the first stream's extents, 0, -errno. */
static int place(struct ctx *c, struct extent **ext, unsigned *next,
                 uint64_t *length)
{
	uint32_t lo = UINT32_MAX, hi = 0;

	for (unsigned i = 0; i < c->nst; i++) {
		const struct stream *s = &c->st[i];
		if (!s->headless && s->start < lo)
			lo = s->start;
		uint32_t last = s->mq[s->moov_n - 1];
		if (last > hi)
			hi = last;
	}
	if (lo == UINT32_MAX || hi < lo || hi >= c->npos ||
	    !mark_fixed(c, lo, hi))
		return 0;
	/* a headless stream's starts, not looked at yet (NONE_L) */
	size_t nstart = ((size_t)hi - lo + 1) * sizeof(uint32_t);
	for (unsigned i = 0; i < c->nst; i++) {
		struct stream *s = &c->st[i];
		if (!s->headless)
			continue;
		free(s->startl);
		if ((s->startl = malloc(nstart)) == NULL)
			return -ENOMEM;
		memset(s->startl, 0xff, nstart);
	}
	uint8_t *owner = malloc(hi - lo + 1);
	c->nfixed = malloc(((size_t)hi - lo + 2) * sizeof(*c->nfixed));
	if (owner == NULL || c->nfixed == NULL) {
		free(owner);
		free(c->nfixed);
		c->nfixed = NULL;
		return -ENOMEM;
	}
	c->lo = lo;
	c->nfixed[0] = 0;
	for (uint32_t k = lo; k <= hi; k++)
		c->nfixed[k - lo + 1] = c->nfixed[k - lo] + (c->fixed[k] != 0);
	/* First without decoding; a sharing that guesses is decoded where
	 * it guesses, and when that does not settle it, shared again,
	 * deciding by decoding. */
	c->decodes = false;
	c->decodes_left = MI_MAX_DECODES;
	c->decode_from = 0;
	int rc = share(c, lo, hi, owner);
	/* (libavcodec is loaded only now: most scans never get here) */
	uint64_t nd = rc == 1 && c->doubt != NONE_POS && c->search_decoding
	              ? decodable(c) : 0;
	if (nd > 0 && h264_decode_available()) {
		uint32_t from = c->doubt;
		if (vouch(c, owner, lo, hi - lo + 1)) {
			c->doubt = NONE_POS;
		} else if (decodable_from(c, owner, lo, from) <=
		           MI_MAX_DECODES) {
			c->decodes = true;
			c->decodes_left = MI_MAX_DECODES;
			c->decode_from = from;
			rc = share(c, lo, hi, owner);
			/* Deciding by decoding settles a sample only where it
			 * covers every cluster taken blind before it; a guess
			 * it left is vouched for as the first one was. */
			c->decodes = false;
			if (rc == 1 && c->doubt != NONE_POS &&
			    vouch(c, owner, lo, hi - lo + 1))
				c->doubt = NONE_POS;
		}
	}
	c->decodes = false;
	free(c->nfixed);
	c->nfixed = NULL;
	if (rc == 1) {
		const struct stream *s = &c->st[0];
		unsigned cap = 16, n = 0;
		struct extent *e = malloc(cap * sizeof(*e));
		uint64_t left = s->length;
		uint32_t end = hi;
		if (c->doubt != NONE_POS) {
			/* the media data before the first guess */
			end = c->doubt - 1;
			left = s->e;
			rc = 2;
		}
		if (e == NULL)
			rc = -ENOMEM;
		for (uint32_t q = lo; rc > 0 && q <= end && left > 0; q++) {
			if (owner[q - lo] != 0)
				continue;
			uint64_t len = left < c->cs ? left : c->cs;
			left -= len;
			int r = ext_add(&e, &n, &cap,
			                fsview_offset(c->v, c->pos[q]), len);
			if (r != 0)
				rc = r < 0 ? r : 0;
		}
		if (rc == 1 && left == 0) {
			*ext = e;
			*next = n;
			*length = s->length;
		} else if (rc == 2 && n > 0) {
			*ext = e;
			*next = n;
			*length = s->e - left;
		} else {
			free(e);
			if (rc > 0)
				rc = 0;
		}
	}
	free(owner);
	return rc;
}

/*
 * Partners of the clip st[0] starting at position p0: the clips starting
 * from MI_BACK positions before p0 up to the last movie box of those
 * taken, whose ranges (start to movie box) overlap theirs.  Taking one
 * widens the range (a recording written round event clips kept on the
 * card spans them, and its partner's range then holds clips the first
 * clip's does not); when it starts earlier, the positions are looked at
 * again.  0, or -errno.
 */
static int add_partners(struct ctx *c, uint32_t p0)
{
	uint32_t lo = c->st[0].start, hi = c->st[0].anchor;
	/* clips found and not taken: where they start, and where their
	 * movie boxes are (0: none found) */
	uint32_t left[MI_PARTNER_LOOKS][2];
	unsigned nleft = 0;
	bool again = true;

	for (unsigned pass = 0; again && pass < MI_MAX_STREAMS; pass++) {
		again = false;
		for (uint32_t q = p0 > MI_BACK ? p0 - MI_BACK : 0;
		     q < hi && c->nst < MI_MAX_STREAMS; q++) {
			bool known = false;
			for (unsigned i = 0; i < c->nst && !known; i++)
				known = c->st[i].start == q;
			for (unsigned i = 0; i < nleft && !known; i++)
				known = left[i][0] == q && left[i][1] <= lo;
			uint8_t h[8];
			if (known || !peek_pos(c, q, 0, h, sizeof(h)) ||
			    mem_be32(h + 4) != FCC('f', 't', 'y', 'p'))
				continue;
			struct stream *s = &c->st[c->nst];
			int r = find_stream(c, q, s);
			if (r < 0) {
				stream_free(s);
				return r;
			}
			if (r != 0 || s->anchor <= lo) {
				if (nleft < MI_PARTNER_LOOKS) {
					left[nleft][0] = q;
					left[nleft++][1] = r != 0 ? 0 : s->anchor;
				}
				stream_free(s);
				continue;
			}
			c->nst++;
			if (q < lo) {
				lo = q;
				again = true;
			}
			if (s->anchor > hi)
				hi = s->anchor;
		}
	}
	return 0;
}

/*
 * The positions from cluster c0, as fsview_lay_out lays them out: up to
 * back free clusters before it (none more than span before it), c0, and
 * the free clusters after it, round the card's end.  Returns c0's
 * position; *cut tells whether the walk round the end stopped at the ones
 * kept before c0.
 */
static uint32_t lay_out(struct ctx *c, uint32_t c0, unsigned back,
                        uint32_t span, bool *cut)
{
	unsigned p0;

	c->npos = fsview_lay_out(c->v, c->size, c0, back, span, c->pos,
	                         MI_SPAN, &p0, cut);
	return p0;
}

/* Forgets what was learnt of the positions, before they are laid out
 * anew, and starts the checks' count again. */
static void forget_positions(struct ctx *c)
{
	for (unsigned i = 0; i < CACHE; i++)
		c->cache_pos[i] = NONE_POS;
	memset(c->clean, 0, MI_SPAN);
	for (unsigned i = 0; i < MI_MAX_STREAMS; i++) {
		c->bad_si[i] = NONE_L;
		c->bad_n[i] = 0;
	}
	c->far_left = MI_MOOV_FAR_BYTES;
	c->checks = 0;
}

/* A placing set aside while another is tried. */
struct placing {
	struct extent *ext;
	unsigned next;
	uint64_t length;
};

/* Sets the placing in *ext, *next and *length aside, leaving none there. */
static struct placing set_aside(struct extent **ext, unsigned *next,
                                uint64_t *length)
{
	struct placing p = { *ext, *next, *length };

	*ext = NULL;
	*next = 0;
	*length = 0;
	return p;
}

/* Ends a try: when take, the placing tried stays and the one set aside
 * is freed; otherwise the one tried (if any) is freed and the one set
 * aside put back. */
static void keep_one(struct placing *old, bool take, struct extent **ext,
                     unsigned *next, uint64_t *length)
{
	if (take) {
		free(old->ext);
		return;
	}
	free(*ext);
	*ext = old->ext;
	*next = old->next;
	*length = old->length;
}

/*
 * Places the clip whose first cluster is position p0 (with the positions
 * laid out), as mp4_index_reassemble says; the streams it found are left
 * for free_streams.
 */
static int place_from(struct ctx *c, uint32_t p0, struct extent **ext,
                      unsigned *next, uint64_t *length, unsigned *clips)
{
	int rc = find_stream(c, p0, &c->st[0]);

	if (rc != 0) {
		stream_free(&c->st[0]);
		return rc < 0 ? rc : 0;
	}
	c->nst = 1;
	/* A clip written round other files in two or three runs (a
	 * recorder's, round the event clips and logs it keeps) is placed by
	 * its runs alone, whatever its neighbours: tried first, that spares
	 * it the sharings with them, which cannot place it whole when the
	 * files it was written round are not clips.  Its checks are not
	 * counted against the sharings'. */
	uint64_t checks0 = c->checks;
	rc = runs_place(c, ext, next, length);
	if (rc != 0)
		return rc;
	c->checks = checks0;
	rc = add_partners(c, p0);
	if (rc < 0)
		return rc;
	c->doubt = NONE_POS;
	rc = place(c, ext, next, length);
	unsigned shared = 0;
	if (rc >= 0 && rc != 1) {
		/* with partners whose heads are gone, kept when that places
		 * the clip whole */
		unsigned n0 = c->nst;
		int added = add_headless(c);
		if (added < 0) {
			rc = added;
		} else if (added > 0) {
			struct placing old = set_aside(ext, next, length);
			c->checks = 0;
			c->doubt = NONE_POS;
			int r = place(c, ext, next, length);
			keep_one(&old, r == 1, ext, next, length);
			if (r == 1) {
				rc = 1;
			} else {
				if (r < 0)
					rc = r;
				/* one whose data lie among the clip's clusters
				 * is a partner all the same: no search over the
				 * clusters alone can tell them apart */
				if (headless_seen(c, n0))
					shared = c->nst;
				while (c->nst > n0)
					stream_free(&c->st[--c->nst]);
				c->doubt = NONE_POS;
			}
		}
	}
	*clips = c->nst > shared ? c->nst : shared;
	if (rc != 1 && rc >= 0 && c->nst > 1) {
		/* on its own, kept when that places more */
		struct placing old = set_aside(ext, next, length);
		int r1 = rc;
		for (unsigned i = 1; i < c->nst; i++)
			stream_free(&c->st[i]);
		c->nst = 1;
		c->checks = 0;
		c->doubt = NONE_POS;
		rc = place(c, ext, next, length);
		bool worse = rc >= 0 && r1 == 2 &&
		             (rc == 0 || (rc == 2 && *length <= old.length));
		keep_one(&old, !worse, ext, next, length);
		if (worse)
			rc = 2;
	}
	if (rc >= 0 && rc != 1 && c->nst == 1) {
		/* a clip written around other files, in runs */
		struct placing old = set_aside(ext, next, length);
		int r2 = runs_place(c, ext, next, length);
		keep_one(&old, r2 == 1, ext, next, length);
		if (r2 < 0 || r2 == 1)
			rc = r2;
	}
	return rc;
}

int mp4_index_reassemble(const struct fsview *v, const struct source *src,
                         uint64_t size, uint64_t off, uint64_t budget,
                         struct extent **ext, unsigned *next,
                         uint64_t *length, unsigned *clips)
{
	return mp4_index_reassemble_bounded(v, src, size, off, budget, 0, true,
	                                    ext, next, length, clips);
}

int mp4_index_reassemble_bounded(const struct fsview *v,
                                 const struct source *src, uint64_t size,
                                 uint64_t off, uint64_t budget,
                                 uint32_t per_pos, bool search_decoding,
                                 struct extent **ext, unsigned *next,
                                 uint64_t *length, unsigned *clips)
{
	struct ctx c;
	uint32_t c0 = fsview_cluster(v, off);
	int rc = 0;

	*ext = NULL;
	*next = 0;
	*length = 0;
	*clips = 1;
	if (c0 == 0 || fsview_offset(v, c0) != off || v->cluster_size < 64 ||
	    v->cluster_size > (4u << 20))
		return 0;
	memset(&c, 0, sizeof(c));
	c.v = v;
	c.src = src;
	c.size = size;
	c.cs = v->cluster_size;
	c.budget = budget;
	c.per_pos = per_pos;
	c.search_decoding = search_decoding;
	c.viewable = source_can_map(src);
	c.pos = malloc(MI_SPAN * sizeof(*c.pos));
	c.cache = malloc((size_t)CACHE * c.cs);
	/* small clusters: a read serves the looks at many (a failed
	 * allocation only means one read a look) */
	if (c.cs <= STRIP / 32)
		c.strip = malloc(STRIP);
	c.fixed = malloc(MI_SPAN);
	c.clean = calloc(MI_SPAN, 1);
	c.bad = malloc(MI_SPAN * sizeof(*c.bad));
	if (c.pos == NULL || c.cache == NULL || c.fixed == NULL ||
	    c.clean == NULL || c.bad == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	forget_positions(&c);

	bool cut;
	uint32_t p0 = lay_out(&c, c0, MI_BACK, UINT32_MAX, &cut);
	rc = place_from(&c, p0, ext, next, length, clips);
	free_streams(&c);
	if (cut && (rc == 0 || rc == 2)) {
		/* The free clusters before c0 kept back for a partner's
		 * start may be the ones the clip, or a partner, wrapped
		 * round the card's end to: laid out again with only a few
		 * kept back, and only near c0, kept when that places
		 * more. */
		struct placing old = set_aside(ext, next, length);
		unsigned k1 = *clips;
		forget_positions(&c);
		p0 = lay_out(&c, c0, MI_BACK_WRAPPED, MI_BACK_NEAR, &cut);
		int r = place_from(&c, p0, ext, next, length, clips);
		bool take = r == 1 || (r == 2 && rc == 0);
		keep_one(&old, take, ext, next, length);
		if (take || r < 0)
			rc = r;
		if (!take)
			*clips = k1;
	}
out:
	if (rc < 0) {
		free(*ext);
		*ext = NULL;
		*next = 0;
		*length = 0;
	}
	free_streams(&c);
	free(c.pos);
	for (unsigned i = 0; i < VIEWS; i++)
		view_drop(&c, i);
	free(c.cache);
	free(c.strip);
	free(c.fixed);
	free(c.clean);
	free(c.bad);
	return rc;
}

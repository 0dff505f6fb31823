/*
 * match.c - the scalar signature matcher.
 *
 * Block mode visits one position per block and tries each signature there.
 * Any-offset mode looks at every byte once: a table keyed by byte value
 * lists the signatures whose bytes could begin there, so most bytes cost a
 * single table lookup.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/match.h"

int match_init(struct matcher *m, const struct format *const *formats,
               unsigned nformats, uint32_t block, int any_offset)
{
	unsigned n = 0;

	memset(m, 0, sizeof(*m));
	if (block == 0)
		return -EINVAL;
	for (unsigned f = 0; f < nformats; f++)
		n += formats[f]->nsigs;
	m->sigs = calloc(n ? n : 1, sizeof(*m->sigs));
	m->anchor = calloc(n ? n : 1, sizeof(*m->anchor));
	if (m->sigs == NULL || m->anchor == NULL) {
		match_free(m);
		return -ENOMEM;
	}
	m->block = block;
	m->any_offset = any_offset;
	for (unsigned f = 0; f < nformats; f++) {
		for (unsigned s = 0; s < formats[f]->nsigs; s++) {
			const struct format_sig *fs = &formats[f]->sigs[s];
			struct match_sig *ms = &m->sigs[m->nsigs++];

			if (fs->len == 0 ||
			    fs->offset + fs->len > FORMAT_SIG_MAX_REACH) {
				match_free(m);
				return -EINVAL;
			}
			memcpy(ms->bytes, fs->bytes, fs->len);
			ms->exact = 1;
			for (unsigned i = 0; i < fs->len; i++) {
				ms->mask[i] = fs->mask ? fs->mask[i] : 0xff;
				if (ms->mask[i] != 0xff)
					ms->exact = 0;
				ms->bytes[i] &= ms->mask[i];
			}
			ms->len = fs->len;
			ms->offset = fs->offset;
			ms->reach = (uint8_t)(fs->offset + fs->len);
			ms->fmt = (uint16_t)f;
			uint32_t a = formats[f]->align ? formats[f]->align : 1;
			if (!any_offset && a < block)
				a = block;
			ms->align = a;
			if (ms->reach > m->reach)
				m->reach = ms->reach;
		}
	}
	/* Group signatures by their first byte for the per-byte table; a
	 * masked first byte falls back to every value it can take. */
	unsigned k = 0;
	for (unsigned b = 0; b < 256; b++) {
		m->first[b] = (uint16_t)k;
		for (unsigned s = 0; s < m->nsigs && k < m->nsigs; s++) {
			const struct match_sig *ms = &m->sigs[s];
			if ((b & ms->mask[0]) == ms->bytes[0] && ms->mask[0] == 0xff)
				m->anchor[k++] = (uint16_t)s;
		}
		m->count[b] = (uint16_t)(k - m->first[b]);
	}
	for (unsigned s = 0; s < m->nsigs; s++) {
		if (m->sigs[s].mask[0] != 0xff) {
			/* Masked anchors are rare; any-offset falls back to
			 * testing them at every position (see match_scan). */
			m->sigs[s].exact = 0;
		}
	}
	return 0;
}

void match_free(struct matcher *m)
{
	free(m->sigs);
	free(m->anchor);
	memset(m, 0, sizeof(*m));
}

static inline int sig_equal(const struct match_sig *s, const uint8_t *p)
{
	if (s->exact)
		return memcmp(p, s->bytes, s->len) == 0;
	for (unsigned i = 0; i < s->len; i++)
		if ((p[i] & s->mask[i]) != s->bytes[i])
			return 0;
	return 1;
}

/* Tests signature s for a start at source offset start. */
static inline void try_sig(const struct matcher *m, unsigned si,
                           const uint8_t *data, size_t len, uint64_t data_off,
                           uint64_t start, uint64_t need_end,
                           match_emit_fn emit, void *arg)
{
	const struct match_sig *s = &m->sigs[si];
	uint64_t at = start + s->offset;

	if (start < m->base || (start - m->base) % s->align != 0 ||
	    at < data_off ||
	    at + s->len > data_off + len || start + s->reach <= need_end)
		return;
	if (sig_equal(s, data + (at - data_off)))
		emit(arg, start, s->fmt);
}

static void scan_blocks(const struct matcher *m, const uint8_t *data,
                        size_t len, uint64_t data_off, uint64_t lo,
                        uint64_t hi, uint64_t need_end, match_emit_fn emit,
                        void *arg)
{
	uint64_t p = lo <= m->base ? m->base :
	             m->base + (lo - m->base + m->block - 1) / m->block * m->block;

	for (; p < hi; p += m->block)
		for (unsigned s = 0; s < m->nsigs; s++)
			try_sig(m, s, data, len, data_off, p, need_end, emit, arg);
}

static void scan_bytes(const struct matcher *m, const uint8_t *data,
                       size_t len, uint64_t data_off, uint64_t lo,
                       uint64_t hi, uint64_t need_end, match_emit_fn emit,
                       void *arg)
{
	/* A start p is found through its first signature byte at p+offset,
	 * so look at bytes from lo (offset 0) to hi + max offset. */
	uint64_t q_lo = lo > data_off ? lo - data_off : 0;
	uint64_t q_hi = hi - data_off + m->reach;
	if (q_hi > len)
		q_hi = len;

	for (uint64_t q = q_lo; q < q_hi; q++) {
		unsigned c = m->count[data[q]];
		if (c == 0)
			continue;
		const uint16_t *a = m->anchor + m->first[data[q]];
		for (unsigned i = 0; i < c; i++) {
			const struct match_sig *s = &m->sigs[a[i]];
			uint64_t at = data_off + q;
			if (at < s->offset)
				continue;
			uint64_t start = at - s->offset;
			if (start >= lo && start < hi)
				try_sig(m, a[i], data, len, data_off, start,
				        need_end, emit, arg);
		}
	}
	/* Signatures with a masked first byte are not in the table. */
	for (unsigned s = 0; s < m->nsigs; s++) {
		if (m->sigs[s].mask[0] == 0xff)
			continue;
		for (uint64_t p = lo; p < hi; p++)
			try_sig(m, s, data, len, data_off, p, need_end, emit,
			        arg);
	}
}

void match_scan(const struct matcher *m, const uint8_t *data, size_t len,
                uint64_t data_off, uint64_t own_lo, uint64_t own_hi,
                uint64_t need_end, match_emit_fn emit, void *arg)
{
	if (own_lo < data_off)
		own_lo = data_off;
	if (own_hi > data_off + len)
		own_hi = data_off + len;
	if (own_lo >= own_hi)
		return;
	if (m->any_offset)
		scan_bytes(m, data, len, data_off, own_lo, own_hi, need_end,
		           emit, arg);
	else
		scan_blocks(m, data, len, data_off, own_lo, own_hi, need_end,
		            emit, arg);
}

/*
 * reader_impl.h - what the read engines share inside src/io.
 */
#ifndef DREDGE_IO_READER_IMPL_H
#define DREDGE_IO_READER_IMPL_H

#include "io/reader.h"

/* One run of the reader: its settings, its sink, and its own state. */
struct reader {
	const struct reader_config *cfg;
	const struct reader_sink *sink;
	uint64_t nchunks;
	int direct;                  /* reading with O_DIRECT now */
};

/* Source byte where chunk seq starts, and its length. */
uint64_t reader_chunk_off(const struct reader *r, uint64_t seq);
size_t reader_chunk_len(const struct reader *r, uint64_t seq);

/* Sets c up as chunk seq of the range. */
void reader_place(const struct reader *r, struct chunk *c, uint64_t seq);

/* Whether the sink wants any of chunk seq (sink->wanted). */
int reader_wants(const struct reader *r, uint64_t seq);

/* Unless wanted (reader_wants of its chunk), marks c (chunk.skip) as
 * counting as read, for the engine to hand off unread; whether it did. */
int reader_skip(struct chunk *c, int wanted);

/* Fills c->buf[from..c->len) through source_read, isolating unreadable
 * sectors (zero-filled, recorded).  0, or -errno for a failure that must
 * stop the reading (told to the sink). */
int reader_fill(const struct reader *r, struct chunk *c, size_t from);

/* The engines' bodies; 0 or -errno. */
int reader_pread_run(struct reader *r);
int reader_uring_run(struct reader *r);
int reader_mmap_run(struct reader *r);

#endif

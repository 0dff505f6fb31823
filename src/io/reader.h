/*
 * reader.h - the reader stage: fills numbered chunks from a source, in
 * order, and hands them on.
 *
 * The reader sees the rest of the pipeline only through the sink below: it
 * asks for a chunk slot (which may wait, to bound the chunks alive), hands
 * a filled chunk off, asks whether to stop, reports a failure, and records
 * unreadable ranges.  Two engines fill the same chunks in the same order:
 * io_uring, with several large reads in flight (reader_uring.c), and plain
 * synchronous reads (reader_pread.c).  Both read through the source object;
 * a read error is isolated down to the sector (source_read), zero-filled,
 * recorded, and the reading goes on.  A chunk the sink wants nothing of
 * (a file system's live clusters, in a scan of the others) is handed off
 * in its place, unread.
 */
#ifndef DREDGE_IO_READER_H
#define DREDGE_IO_READER_H

#include <stddef.h>
#include <stdint.h>

#include "io/source.h"

/* One slot of chunk memory, lent by the sink to the reader and on to the
 * scan.  Its buffer is 4096-aligned (O_DIRECT, registered buffers). */
struct chunk {
	uint8_t *buf;
	unsigned index;      /* slot number (registered buffer index) */
	uint64_t seq;        /* chunk number within the range read */
	uint64_t off;        /* source offset of buf[0] */
	size_t len;          /* valid bytes */
	size_t done;         /* bytes read so far (reader's bookkeeping) */
	int skip;            /* nothing in it is wanted (sink->wanted): not
	                        read, buf holds nothing of it */
	/* The mmap engine points buf into a mapping of the source instead
	 * of filling the slot: the mapping (NULL when none) and the slot's
	 * own buffer, which chunk_unview puts back. */
	void *map;
	size_t map_len;
	uint8_t *slot_buf;
};

enum reader_engine {
	READER_PREAD,
	READER_URING,
	READER_MMAP,
};

struct reader_config {
	const struct source *src;
	uint64_t start, end;         /* source range read */
	size_t chunk_size;           /* bytes a chunk (the last: less) */
	unsigned depth;              /* reads in flight (io_uring) */
	int direct;                  /* read with O_DIRECT where it works */
	enum reader_engine engine;
	/* The sink's slots, registered as io_uring fixed buffers when
	 * given (each chunk_size bytes); NULL: plain reads. */
	struct chunk *slots;
	unsigned nslots;
};

struct reader_sink {
	void *arg;                   /* passed to every callback */
	/* Waits for a chunk slot (and the right to fill it); NULL: stop. */
	struct chunk *(*acquire)(void *arg);
	/* A slot if one can be had at once, else NULL at once. */
	struct chunk *(*try_acquire)(void *arg);
	/* Gives back a slot that was not handed off. */
	void (*release)(void *arg, struct chunk *c);
	/* Hands a filled chunk off; it is the sink's from then on, whatever
	 * it returns.  Non-zero: stop reading. */
	int (*deliver)(void *arg, struct chunk *c);
	/* Whether to stop before reading the chunk at source offset off. */
	int (*stop)(void *arg, uint64_t off);
	/* Whether any of [off, off + len) is wanted; a chunk none of whose
	 * bytes is, is handed off unread (chunk.skip).  NULL: all is. */
	int (*wanted)(void *arg, uint64_t off, size_t len);
	/* A failure that ends the reading: code (-errno) and a message. */
	void (*fail)(void *arg, int code, const char *msg);
	/* Told of each unreadable piece (zero-filled); may be NULL. */
	source_bad_fn bad;
};

struct reader_result {
	int direct;                  /* O_DIRECT still in use at the end */
	double cpu_seconds;          /* CPU the calling thread spent in it */
};

/*
 * Reads cfg's range into chunks handed to sink, in chunk order (io_uring
 * may complete them out of order; their numbers say where they go).
 * Returns 0 when done or told to stop, or -errno after a failure (already
 * told to sink->fail when it came from reading the source).
 */
int reader_run(const struct reader_config *cfg, const struct reader_sink *sink,
               struct reader_result *res);

/* Ends a chunk's view of a mapping (the mmap engine), if it has one:
 * buf is the slot's own buffer again.  Whoever gives a chunk back to its
 * pool calls it. */
void chunk_unview(struct chunk *c);

/* Whether the mmap engine can read src (0: a regular file with a
 * descriptor) or why not (-errno). */
int reader_mmap_probe(const struct source *src);

/* Whether io_uring can be set up here (0) or why not (-errno). */
int reader_uring_probe(unsigned depth);

/* CPU seconds (user and system) used so far by who: RUSAGE_SELF (the
 * whole process, io_uring's workers included) or RUSAGE_THREAD. */
double rusage_seconds(int who);

#endif

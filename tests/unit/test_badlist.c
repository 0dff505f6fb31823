/*
 * test_badlist.c - the unreadable-range list: ranges met out of order
 * (io_uring completes chunks out of order; validators and the writer meet
 * bad sectors too) come out sorted, with overlapping and adjacent ones
 * merged, and taking the list leaves it empty.
 */
#include "config.h"

#include <stdlib.h>

#include "tap.h"
#include "io/badlist.h"

struct range {
	uint64_t off, len;
};

struct seen {
	struct range v[16];
	size_t n;
};

static int collect(void *arg, uint64_t off, uint64_t len)
{
	struct seen *s = arg;

	if (s->n == sizeof(s->v) / sizeof(s->v[0]))
		return 1;
	s->v[s->n].off = off;
	s->v[s->n++].len = len;
	return 0;
}

/* Whether bl holds exactly want[0..n). */
static int holds(struct badlist *bl, const struct range *want, size_t n)
{
	struct seen s = { .n = 0 };

	badlist_each(bl, collect, &s);
	if (s.n != n || badlist_count(bl) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s.v[i].off != want[i].off || s.v[i].len != want[i].len)
			return 0;
	return 1;
}

static void test_out_of_order(void)
{
	static const struct range in[] = {
		{ 8192, 512 }, { 0, 512 }, { 4096, 1024 }, { 512, 512 },
		{ 9216, 512 }, { 8704, 512 }, { 4608, 256 }, { 20000, 100 },
		{ 3000, 1096 }, { 0, 512 }, { 19000, 2000 },
	};
	static const struct range want[] = {
		{ 0, 1024 }, { 3000, 2120 }, { 8192, 1536 }, { 19000, 2000 },
	};
	struct badlist bl;

	ok(badlist_init(&bl) == 0, "an empty list");
	ok(holds(&bl, NULL, 0), "holds nothing");
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		badlist_add(&bl, in[i].off, in[i].len);
	ok(holds(&bl, want, sizeof(want) / sizeof(want[0])),
	   "unreadable ranges met out of order come out sorted and merged");
	badlist_destroy(&bl);
}

static void test_merging(void)
{
	struct badlist bl;

	badlist_init(&bl);
	badlist_add(&bl, 2048, 512);
	badlist_add(&bl, 1024, 512);
	ok(holds(&bl, (const struct range[]){ { 1024, 512 }, { 2048, 512 } },
	         2), "a gap keeps two ranges apart");
	badlist_add(&bl, 1536, 512);
	ok(holds(&bl, (const struct range[]){ { 1024, 1536 } }, 1),
	   "a range adjacent on both sides joins them into one");
	badlist_add(&bl, 4096, 512);
	badlist_add(&bl, 8192, 512);
	badlist_add(&bl, 0, 10000);
	ok(holds(&bl, (const struct range[]){ { 0, 10000 } }, 1),
	   "a range over several swallows them all");
	badlist_add(&bl, 100, 50);
	ok(holds(&bl, (const struct range[]){ { 0, 10000 } }, 1),
	   "a range inside one changes nothing");
	badlist_add(&bl, 10000, 0);
	ok(holds(&bl, (const struct range[]){ { 0, 10000 } }, 1),
	   "an empty range is not recorded");
	badlist_note(&bl, 9000, 2000, 5);
	ok(holds(&bl, (const struct range[]){ { 0, 11000 } }, 1),
	   "badlist_note records as a source_bad_fn, overlapping the end");

	struct bad_range *v = NULL;
	size_t n = badlist_take(&bl, &v);
	ok(n == 1 && v != NULL && v[0].off == 0 && v[0].len == 11000,
	   "take hands the ranges over");
	ok(badlist_count(&bl) == 0, "and leaves the list empty");
	free(v);
	badlist_add(&bl, 512, 512);
	ok(holds(&bl, (const struct range[]){ { 512, 512 } }, 1),
	   "the list works again after a take");
	badlist_destroy(&bl);
}

/* Many ranges, added from both ends toward the middle, every other
 * sector first and then every sector from the end down: one range. */
static void test_many(void)
{
	struct badlist bl;
	struct seen s = { .n = 0 };

	badlist_init(&bl);
	for (uint64_t k = 0; k < 1000; k += 2) {
		badlist_add(&bl, k * 512, 512);
		badlist_add(&bl, (1999 - k) * 512, 512);
	}
	ok(badlist_count(&bl) == 1000, "1000 disjoint sectors, 1000 ranges");
	for (uint64_t k = 2000; k-- > 0;)
		badlist_add(&bl, k * 512, 512);
	badlist_each(&bl, collect, &s);
	ok(s.n == 1 && s.v[0].off == 0 && s.v[0].len == 2000 * 512,
	   "filling the gaps leaves one range");
	badlist_destroy(&bl);
}

int main(void)
{
	test_out_of_order();
	test_merging();
	test_many();
	return tap_done();
}

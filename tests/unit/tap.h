/*
 * tap.h - a tiny TAP producer for the unit tests (automake's tap-driver
 * reads the output).  Each check prints one "ok N - what" line; the plan
 * line is printed at the end, and the exit status says whether all passed.
 */
#ifndef DREDGE_TESTS_TAP_H
#define DREDGE_TESTS_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n;
static int tap_failed;

__attribute__((format(printf, 2, 3), unused))
static int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

#define is_u64(got, want, ...)                                            \
	do {                                                              \
		uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);     \
		if (!tap_ok(g_ == w_, __VA_ARGS__))                       \
			printf("#   got %" PRIu64 ", want %" PRIu64 "\n",     \
			       g_, w_);                                   \
	} while (0)

#define is_str(got, want, ...)                                            \
	do {                                                              \
		const char *g_ = (got), *w_ = (want);                     \
		int eq_ = g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_;      \
		if (!tap_ok(eq_, __VA_ARGS__))                            \
			printf("#   got \"%s\", want \"%s\"\n",               \
			       g_ ? g_ : "(null)", w_ ? w_ : "(null)");   \
	} while (0)

__attribute__((unused))
static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

__attribute__((unused, noreturn))
static void tap_bail(const char *why)
{
	printf("Bail out! %s\n", why);
	exit(1);
}

#endif

/*
 * progress.c - the progress thread (see progress.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "out/progress.h"

#define PROGRESS_PERIOD_NS (250 * 1000000L)

struct progress {
	struct progress_feed feed;
	progress_fn fn;
	void *fn_arg;
	struct timespec t0;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stop;
};

static double progress_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void progress_report(struct progress *pr, int final)
{
	struct dredge_progress now = {
		.done = pr->feed.done(pr->feed.arg),
		.total = pr->feed.total,
		.files = pr->feed.files(pr->feed.arg),
		.seconds = progress_since(&pr->t0),
		.final = final,
	};

	pr->fn(pr->fn_arg, &now);
}

static void *progress_main(void *arg)
{
	struct progress *pr = arg;
	struct timespec ts;

	pthread_mutex_lock(&pr->lock);
	while (!pr->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += PROGRESS_PERIOD_NS;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&pr->cond, &pr->lock, &ts);
		if (!pr->stop)
			progress_report(pr, 0);
	}
	pthread_mutex_unlock(&pr->lock);
	progress_report(pr, 1);
	return NULL;
}

int progress_start(struct progress **pp, progress_fn fn, void *fn_arg,
                   const struct progress_feed *feed)
{
	struct progress *pr;

	*pp = NULL;
	if (fn == NULL)
		return 0;
	pr = calloc(1, sizeof(*pr));
	if (pr == NULL)
		return -ENOMEM;
	pr->feed = *feed;
	pr->fn = fn;
	pr->fn_arg = fn_arg;
	clock_gettime(CLOCK_MONOTONIC, &pr->t0);
	pthread_mutex_init(&pr->lock, NULL);
	pthread_cond_init(&pr->cond, NULL);
	if (pthread_create(&pr->thread, NULL, progress_main, pr) != 0) {
		pthread_mutex_destroy(&pr->lock);
		pthread_cond_destroy(&pr->cond);
		free(pr);
		return 0;
	}
	*pp = pr;
	return 0;
}

void progress_stop(struct progress *pr)
{
	if (pr == NULL)
		return;
	pthread_mutex_lock(&pr->lock);
	pr->stop = 1;
	pthread_cond_signal(&pr->cond);
	pthread_mutex_unlock(&pr->lock);
	pthread_join(pr->thread, NULL);
	pthread_mutex_destroy(&pr->lock);
	pthread_cond_destroy(&pr->cond);
	free(pr);
}

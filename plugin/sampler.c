/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sampler thread: wakes every interval on the monotonic clock. */
#include "sampler.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

double sampler_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	struct timespec next;
	sigset_t all;

	/* Signals sent to slurmstepd are its business, not this thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	pthread_mutex_lock(&s->lock);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!s->stop) {
		next.tv_sec += s->interval_s;
		while (!s->stop &&
		       pthread_cond_timedwait(&s->wake, &s->lock, &next) != ETIMEDOUT)
			;
		if (s->stop)
			break;
		meter_sample(s->meter, sampler_now(), false);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int sampler_start(struct sampler *s, struct meter *m, int interval_s)
{
	pthread_condattr_t attr;
	int rc;

	memset(s, 0, sizeof(*s));
	s->meter = m;
	s->interval_s = interval_s > 0 ? interval_s : 1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &attr);
	pthread_condattr_destroy(&attr);
	rc = pthread_create(&s->thread, NULL, sampler_main, s);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	s->running = true;
	return 0;
}

void sampler_stop(struct sampler *s)
{
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	if (s->running)
		pthread_join(s->thread, NULL);
	s->running = false;
	meter_sample(s->meter, sampler_now(), true);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
}

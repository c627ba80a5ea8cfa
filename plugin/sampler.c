/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sampler thread: periodic, wrap-safe accumulation of counter deltas. */
#include "sampler.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

static double wall_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One reading of every counter; called with s->lock held. A counter that
 * fails to read keeps its previous value, so it contributes nothing now and
 * the full delta at its next good reading. */
static void take_sample(struct sampler *s)
{
	uint64_t now_uj[RAPL_MAX_DOMAINS];
	size_t i;

	memcpy(now_uj, s->last_uj, sizeof(now_uj));
	if (rapl_read_uj(s->rapl, now_uj) < 0)
		s->read_errors++;
	for (i = 0; i < s->rapl->n; i++) {
		uint64_t d = counter_delta(s->last_uj[i], now_uj[i],
					   s->rapl->d[i].max_range_uj);
		s->energy_j[s->rapl->d[i].domain] += (double)d / 1e6;
	}
	memcpy(s->last_uj, now_uj, sizeof(now_uj));
	s->last_s = wall_now_s();
	s->samples++;
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
		take_sample(s);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int sampler_start(struct sampler *s, const struct rapl *rapl, int interval_s)
{
	pthread_condattr_t attr;
	int rc;

	memset(s, 0, sizeof(*s));
	s->rapl = rapl;
	s->interval_s = interval_s;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &attr);
	pthread_condattr_destroy(&attr);

	rapl_read_uj(rapl, s->last_uj);
	s->first_s = s->last_s = wall_now_s();
	if (rapl->n == 0)
		return 0;	/* nothing to sample between start and stop */
	rc = pthread_create(&s->thread, NULL, sampler_main, s);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	s->running = true;
	return 0;
}

void sampler_stop(struct sampler *s, double energy_j[DOMAIN_COUNT],
		  uint32_t *samples, double *first_s, double *last_s,
		  uint32_t *read_errors)
{
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	if (s->running)
		pthread_join(s->thread, NULL);
	s->running = false;

	pthread_mutex_lock(&s->lock);
	if (s->rapl->n > 0)
		take_sample(s);
	else
		s->last_s = wall_now_s();	/* no counters: only the times */
	memcpy(energy_j, s->energy_j, sizeof(s->energy_j));
	*samples = s->samples;
	*first_s = s->first_s;
	*last_s = s->last_s;
	*read_errors = s->read_errors;
	pthread_mutex_unlock(&s->lock);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
}

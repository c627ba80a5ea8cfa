/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sampler: a thread in slurmstepd that samples the step's meter every
 * interval, so that counters never wrap unseen, the job's share is split
 * interval by interval and the hour buckets are right. */
#ifndef CARBON_SAMPLER_H
#define CARBON_SAMPLER_H

#include <pthread.h>
#include <stdbool.h>

#include "meter.h"

struct sampler {
	pthread_t thread;
	pthread_mutex_t lock;	/* guards the meter while the thread runs */
	pthread_cond_t wake;
	bool running;
	bool stop;
	int interval_s;
	struct meter *meter;
};

/* Start the thread; the meter has taken its first readings. Returns 0, or
 * -1 (errno) when the thread could not be started: sampler_stop() then
 * still takes the final sample, so the energy is that of the whole step in
 * one interval. */
int sampler_start(struct sampler *s, struct meter *m, int interval_s);

/* Stop the thread and take the final sample. */
void sampler_stop(struct sampler *s);

/* Wall clock, seconds since the epoch. */
double sampler_now(void);

#endif

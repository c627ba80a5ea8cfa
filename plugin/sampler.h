/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sampler: a thread in slurmstepd that reads the step's sensors every
 * interval and accumulates wrap-safe energy per domain. */
#ifndef CARBON_SAMPLER_H
#define CARBON_SAMPLER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "energy.h"
#include "sensor_rapl.h"

struct sampler {
	pthread_t thread;
	pthread_mutex_t lock;	/* guards everything below */
	pthread_cond_t wake;
	bool running;
	bool stop;
	int interval_s;
	const struct rapl *rapl;
	uint64_t last_uj[RAPL_MAX_DOMAINS];
	double energy_j[DOMAIN_COUNT];
	uint32_t samples;
	uint32_t read_errors;
	double first_s;		/* wall clock of the first reading (UTC epoch) */
	double last_s;		/* wall clock of the latest reading */
};

/* Take the first reading now and start the thread.
 * Returns 0, or -1 (errno) when the thread could not be started; the first
 * reading is kept either way, so sampler_stop() still gives the energy. */
int sampler_start(struct sampler *s, const struct rapl *rapl, int interval_s);

/* Stop the thread, take the final reading and copy the totals out.
 * Safe to call when sampler_start() failed to start the thread. */
void sampler_stop(struct sampler *s, double energy_j[DOMAIN_COUNT],
		  uint32_t *samples, double *first_s, double *last_s,
		  uint32_t *read_errors);

#endif

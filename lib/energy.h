/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Energy counter arithmetic and the domains a record carries. */
#ifndef CARBON_ENERGY_H
#define CARBON_ENERGY_H

#include <stdint.h>

enum energy_domain {
	DOMAIN_CPU,	/* RAPL package domains, all sockets */
	DOMAIN_DRAM,	/* RAPL dram domains, all sockets */
	DOMAIN_GPU,	/* NVML, all of the step's GPUs */
	DOMAIN_OTHER,	/* anything measured outside the three above */
	DOMAIN_COUNT
};

/* "cpu", "dram", "gpu", "other": the names used in SQL columns and JSON. */
const char *energy_domain_name(enum energy_domain d);

/* Energy between two readings of a counter that counts up to max_range and
 * then starts again from zero (powercap's energy_uj wraps at
 * max_energy_range_uj). A reading below the previous one is one wrap:
 * cur + max_range - prev. Units are the counter's own (µJ for powercap).
 * max_range == 0 means "never wraps": a decrease then counts as 0. */
uint64_t counter_delta(uint64_t prev, uint64_t cur, uint64_t max_range);

#define JOULES_PER_KWH 3.6e6

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How far a measured energy may be from the true one, per measurement
 * method: data/uncertainty.csv compiled in by build-aux/embed-uncertainty.sh
 * (report/uncertainty_data.c); sources in data/SOURCES.md. */
#ifndef CARBON_UNCERTAINTY_H
#define CARBON_UNCERTAINTY_H

#include <stddef.h>

/* The true energy lies in [E x (1 - low_pct/100), E x (1 + high_pct/100)]
 * for energy E measured by method: "counter" (RAPL or NVML energy
 * counters), "sampling" (power sampled and integrated), "model" (thermal
 * design power), "imported" (CodeCarbon's figures). */
struct uncertainty_band {
	const char *method;
	double low_pct, high_pct;
	const char *source;	/* short; in full in data/SOURCES.md */
};

extern const struct uncertainty_band uncertainty_bands[];
extern const size_t uncertainty_bands_len;

#endif

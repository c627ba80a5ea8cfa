/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What-if figures of the statement: counterfactual, never in its totals.
 * The same facility energy priced in other zones (the five lowest of the
 * annual table, and the zones the user names), and the same work moved to
 * the lowest-carbon contiguous hours of its week where the statement's
 * zone has an hourly series. Numbers in, numbers out; statement_query.c
 * fills it, statement_render.c renders it. */
#ifndef CARBON_WHATIF_H
#define CARBON_WHATIF_H

#include <stdbool.h>
#include <stddef.h>

#define WHAT_IF_LOWEST 5	/* the lowest-intensity zones shown */
#define WHAT_IF_MAX_NAMED 16	/* --what-if-zone, at most */
#define WHAT_IF_WEEK_HOURS 168

struct what_if_zone {
	char zone[64];
	double g_per_kwh;
	int year;
	char dataset[160];
	bool named;		/* given with --what-if-zone */
	double co2e_kg;		/* the facility energy at g_per_kwh */
};

/* The work moved within its week (what_if_shift). */
struct what_if_shift {
	bool done;		/* false: why says why not */
	const char *why;
	char zone[64];
	double week_start_s;	/* Monday 00:00 UTC of the week of the work's start */
	unsigned hours;		/* the work's length, whole hours */
	double actual_start_s, best_start_s;
	double actual_kg, best_kg;	/* the energy spread evenly over the hours */
};

struct what_if {
	bool done;		/* computed (statement_what_if) */
	double facility_kwh;
	struct what_if_zone zones[WHAT_IF_LOWEST + WHAT_IF_MAX_NAMED];
	size_t n_zones;
	struct what_if_shift shift;
};

/* Each zone's co2e_kg: facility_kwh x g_per_kwh / 1000. */
void what_if_price(struct what_if *w);

/* The start, among g[0..n-1] (g per kWh of consecutive hours; NAN where
 * unknown), of the hours-long window with the lowest sum, every hour known;
 * the earliest of equal ones. Returns 0 and sets *best and *sum, or -1 when
 * no window is whole. */
int what_if_best_window(const double *g, size_t n, size_t hours, size_t *best, double *sum);

/* Fill w->shift from the week's hourly series g[0..WHAT_IF_WEEK_HOURS-1]
 * (NAN where none) for work from start_s to end_s of facility_kwh: the
 * work takes ceil((end - its start hour) / 1 h) hours from its start hour;
 * the energy is spread evenly over them; the best window is the whole one
 * of the same length with the least carbon, within the week. */
void what_if_shift(struct what_if *w, const double *g, double week_start_s, double start_s,
		   double end_s);

/* Monday 00:00 UTC of the week holding t (seconds since the epoch). */
double what_if_week_start(double t);

#endif

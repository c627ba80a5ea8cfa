/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What-if figures of the statement (whatif.h). */
#include "whatif.h"

#include <math.h>

void what_if_price(struct what_if *w)
{
	size_t i;

	for (i = 0; i < w->n_zones; i++)
		w->zones[i].co2e_kg = w->facility_kwh * w->zones[i].g_per_kwh / 1000.0;
}

int what_if_best_window(const double *g, size_t n, size_t hours, size_t *best, double *sum)
{
	size_t s, h;
	int found = -1;

	if (hours == 0 || hours > n)
		return -1;
	for (s = 0; s + hours <= n; s++) {
		double x = 0.0;

		for (h = 0; h < hours && !isnan(g[s + h]); h++)
			x += g[s + h];
		if (h < hours)
			continue;
		if (found < 0 || x < *sum) {
			*best = s;
			*sum = x;
			found = 0;
		}
	}
	return found;
}

double what_if_week_start(double t)
{
	/* 1970-01-01 was a Thursday: Monday 1969-12-29 is 3 days before. */
	const double week = 7 * 86400.0, monday0 = -3 * 86400.0;

	return monday0 + floor((t - monday0) / week) * week;
}

void what_if_shift(struct what_if *w, const double *g, double week_start_s, double start_s,
		   double end_s)
{
	struct what_if_shift *sh = &w->shift;
	double start_h = floor(start_s / 3600.0) * 3600.0, hours, actual = 0.0, best_sum;
	size_t first, best, h;

	sh->done = false;
	sh->week_start_s = week_start_s;
	hours = ceil((end_s - start_h) / 3600.0);
	if (!(hours >= 1))
		hours = 1;
	first = (size_t)((start_h - week_start_s) / 3600.0);
	if (start_h < week_start_s || first + hours > WHAT_IF_WEEK_HOURS) {
		sh->why = "the work does not lie within one week (Monday to Monday, UTC)";
		return;
	}
	sh->hours = (unsigned)hours;
	for (h = first; h < first + sh->hours; h++) {
		if (isnan(g[h])) {
			sh->why = "the hourly series does not cover every hour of the work";
			return;
		}
		actual += g[h];
	}
	/* The work's own window is whole, so a best one is found. */
	(void)what_if_best_window(g, WHAT_IF_WEEK_HOURS, sh->hours, &best, &best_sum);
	sh->actual_start_s = start_h;
	sh->best_start_s = week_start_s + 3600.0 * (double)best;
	sh->actual_kg = w->facility_kwh / hours * actual / 1000.0;
	sh->best_kg = w->facility_kwh / hours * best_sum / 1000.0;
	sh->done = true;
	sh->why = NULL;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of report/whatif.c: the statement's what-if figures against
 * hand computations. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "whatif.h"

#define MONDAY 1795996800.0	/* 2026-11-30T00:00:00Z, a Monday */

/* 120 kWh at 20, 56 and 367.8 g/kWh: 2.4, 6.72 and 44.136 kg. */
static void test_price(void **state)
{
	struct what_if w = { .facility_kwh = 120.0, .n_zones = 3,
			     .zones = { { .g_per_kwh = 20 }, { .g_per_kwh = 56 },
					{ .g_per_kwh = 367.8 } } };

	(void)state;
	what_if_price(&w);
	assert_true(fabs(w.zones[0].co2e_kg - 2.4) < 1e-12);
	assert_true(fabs(w.zones[1].co2e_kg - 6.72) < 1e-12);
	assert_true(fabs(w.zones[2].co2e_kg - 44.136) < 1e-12);
}

/* Windows of 2 hours over 5 4 1 3 NaN 0 0: those at 0, 1, 2 sum to 9, 5
 * and 4; the two touching the NaN (at 3 and 4) are skipped; 0 + 0 at 5 is
 * the least. */
static void test_best_window(void **state)
{
	const double g[] = { 5, 4, 1, 3, NAN, 0, 0 };
	const double h[] = { 5, 4, 1, 3 };
	size_t best = 99;
	double sum = -1;

	(void)state;
	assert_int_equal(what_if_best_window(g, 7, 2, &best, &sum), 0);
	assert_int_equal(best, 5);
	assert_true(sum == 0.0);
	/* Over 5 4 1 3: 9, 5, 4, so 1 + 3 at 2. */
	assert_int_equal(what_if_best_window(h, 4, 2, &best, &sum), 0);
	assert_int_equal(best, 2);
	assert_true(sum == 4.0);
	/* Of equal sums, the earliest. */
	assert_int_equal(what_if_best_window((const double[]){ 2, 2, 2 }, 3, 1, &best, &sum), 0);
	assert_int_equal(best, 0);
	assert_int_equal(what_if_best_window(h, 4, 5, &best, &sum), -1);
	assert_int_equal(what_if_best_window((const double[]){ NAN, 1, NAN }, 3, 2, &best, &sum), -1);
}

static void test_week_start(void **state)
{
	(void)state;
	assert_true(what_if_week_start(MONDAY) == MONDAY);
	assert_true(what_if_week_start(1796321700.0) == MONDAY);	/* Thu 2026-12-03 18:15 */
	assert_true(what_if_week_start(MONDAY - 1) == MONDAY - 7 * 86400.0);
	assert_true(what_if_week_start(0) == -3 * 86400.0);	/* Thu 1970-01-01 */
}

/* A week at 300 g/kWh but for hours 100..102 at 30, 60 and 90. Work of
 * 40 kWh from Monday 10:20 to 12:50 takes 3 hours (10, 11, 12): 40/3 kWh
 * an hour x 900 g = 12 kg. Moved to hours 100..102: 40/3 x (30 + 60 + 90)
 * = 2.4 kg, from Friday 04:00 (hour 100). */
static void test_shift(void **state)
{
	double g[WHAT_IF_WEEK_HOURS];
	struct what_if w = { .facility_kwh = 40.0 };
	size_t i;

	(void)state;
	for (i = 0; i < WHAT_IF_WEEK_HOURS; i++)
		g[i] = 300;
	g[100] = 30;
	g[101] = 60;
	g[102] = 90;
	what_if_shift(&w, g, MONDAY, MONDAY + 10 * 3600 + 20 * 60, MONDAY + 12 * 3600 + 50 * 60);
	assert_true(w.shift.done);
	assert_int_equal(w.shift.hours, 3);
	assert_true(w.shift.actual_start_s == MONDAY + 10 * 3600);
	assert_true(w.shift.best_start_s == MONDAY + 100 * 3600);
	assert_true(fabs(w.shift.actual_kg - 12.0) < 1e-12);
	assert_true(fabs(w.shift.best_kg - 2.4) < 1e-12);

	/* An hour of the work without a figure: not computed, saying why. */
	g[11] = NAN;
	what_if_shift(&w, g, MONDAY, MONDAY + 10 * 3600, MONDAY + 12 * 3600);
	assert_false(w.shift.done);
	assert_non_null(strstr(w.shift.why, "every hour of the work"));
	/* Work past the week's end. */
	g[11] = 300;
	what_if_shift(&w, g, MONDAY, MONDAY + 160 * 3600, MONDAY + 170 * 3600);
	assert_false(w.shift.done);
	assert_non_null(strstr(w.shift.why, "within one week"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_price),
		cmocka_unit_test(test_best_window),
		cmocka_unit_test(test_week_start),
		cmocka_unit_test(test_shift),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

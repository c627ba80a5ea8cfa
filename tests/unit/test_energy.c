/* SPDX-License-Identifier: GPL-2.0-or-later */
/* counter_delta: powercap wrap arithmetic, edges included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "energy.h"

/* Real max_energy_range_uj of a Xeon package zone (2^38 - 1 scaled). */
#define XEON_RANGE_UJ 262143328850ULL

static void test_counter_delta_table(void **state)
{
	static const struct {
		uint64_t prev, cur, max, expected;
		const char *what;
	} cases[] = {
		{ 100, 250, 1000, 150, "plain increase" },
		{ 500, 500, 1000, 0, "no change" },
		{ 900, 100, 1000, 200, "one wrap" },
		{ 999, 0, 1000, 1, "wrap from just below the maximum to zero" },
		{ 1000, 0, 1000, 0, "previous reading at the maximum itself" },
		{ 0, 1000, 1000, 1000, "from zero up to the maximum" },
		{ XEON_RANGE_UJ - 5, 7, XEON_RANGE_UJ, 12, "real Xeon range" },
		{ 10, 5, 0, 0, "unknown range: a decrease counts nothing" },
		{ 2000, 5, 1000, 0, "previous beyond range: reset, count nothing" },
		{ 0, UINT64_MAX, UINT64_MAX, UINT64_MAX, "64-bit extreme" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t got = counter_delta(cases[i].prev, cases[i].cur, cases[i].max);

		if (got != cases[i].expected)
			fail_msg("%s: counter_delta(%llu, %llu, %llu) = %llu, want %llu",
				 cases[i].what, (unsigned long long)cases[i].prev,
				 (unsigned long long)cases[i].cur,
				 (unsigned long long)cases[i].max,
				 (unsigned long long)got,
				 (unsigned long long)cases[i].expected);
	}
}

/* Many wraps read at a fine interval add up to the true energy exactly. */
static void test_counter_delta_accumulates_over_wraps(void **state)
{
	const uint64_t max = 1000003, step = 77777;
	uint64_t truth = 0, sum = 0, prev = 0;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		uint64_t cur;

		truth += step;
		cur = truth % max;
		sum += counter_delta(prev, cur, max);
		prev = cur;
	}
	assert_int_equal(sum, truth);
}

static void test_domain_names(void **state)
{
	(void)state;
	assert_string_equal(energy_domain_name(DOMAIN_CPU), "cpu");
	assert_string_equal(energy_domain_name(DOMAIN_DRAM), "dram");
	assert_string_equal(energy_domain_name(DOMAIN_GPU), "gpu");
	assert_string_equal(energy_domain_name(DOMAIN_OTHER), "other");
	assert_string_equal(energy_domain_name(DOMAIN_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_delta_table),
		cmocka_unit_test(test_counter_delta_accumulates_over_wraps),
		cmocka_unit_test(test_domain_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

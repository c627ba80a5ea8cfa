/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sacct's time forms and the filter options of the report commands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "filter.h"

#define NOW 1795795200.0	/* 2026-11-27T16:00:00Z */

static void test_times(void **state)
{
	static const struct {
		const char *text;
		double want;
	} ok[] = {
		{ "2026-11-01", 1793491200.0 },
		{ "2026-11-01T08:00", 1793491200.0 + 8 * 3600 },
		{ "2026-11-01T08:00:30", 1793491200.0 + 8 * 3600 + 30 },
		{ "2026-11-01 08:00", 1793491200.0 + 8 * 3600 },
		{ "2026-11-01T08:00Z", 1793491200.0 + 8 * 3600 },
		{ "2026-11-01T10:00+02:00", 1793491200.0 + 8 * 3600 },
		{ "now", NOW },
		{ "now-7days", NOW - 7 * 86400 },
		{ "now-3hours", NOW - 3 * 3600 },
		{ "now+1hour", NOW + 3600 },
		{ "now-30minutes", NOW - 1800 },
		{ "now-2weeks", NOW - 14 * 86400 },
		{ "now-90", NOW - 90 },
		{ "today", NOW - 16 * 3600 },
		{ "midnight-1day", NOW - 40 * 3600 },
	};
	static const char *const bad[] = {
		"", "yesterday", "2026-13-01", "2026-11-01T25:00", "2026-11", "26-11-01",
		"now-7fortnights", "now-", "2026-11-01T08", "2026-11-01x",
	};
	size_t i;
	double t;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (parse_time(ok[i].text, NOW, &t) != 0)
			fail_msg("'%s' refused", ok[i].text);
		if (fabs(t - ok[i].want) > 1e-6)
			fail_msg("'%s': %.0f, want %.0f", ok[i].text, t, ok[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_time(bad[i], NOW, &t) == 0)
			fail_msg("'%s' accepted", bad[i]);
}

static void test_options(void **state)
{
	struct filter_args a;

	(void)state;
	filter_init(&a);
	assert_false(filter_any(&a));
	assert_int_equal(filter_option(&a, 'j', "4242,4243"), 1);
	assert_int_equal(filter_option(&a, 'j', "7"), 1);
	assert_int_equal(a.f.n_ids, 3);
	assert_true(a.f.ids[2] == 7);
	assert_int_equal(filter_option(&a, 'j', "42x"), -1);
	assert_int_equal(filter_option(&a, 'A', "neuclir"), 1);
	assert_int_equal(filter_option(&a, 't', "bad tag"), -1);
	assert_int_equal(filter_option(&a, 'S', "2026-11-01"), 1);
	assert_int_equal(filter_option(&a, 'E', "2026-10-01"), -1);	/* before -S */
	assert_int_equal(filter_option(&a, 'S', "whenever"), -1);
	assert_int_equal(filter_option(&a, 'x', "?"), 0);
	assert_true(filter_any(&a));
	filter_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_options),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

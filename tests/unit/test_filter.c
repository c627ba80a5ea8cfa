/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The filter options of the report commands (the time forms of -S and -E:
 * test_utctime). */
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
	assert_true(a.f.start_s == 1793491200.0);	/* UTC, whatever TZ says */
	assert_int_equal(filter_option(&a, 'E', "2026-10-01"), -1);	/* before -S */
	assert_int_equal(filter_option(&a, 'S', "whenever"), -1);
	assert_int_equal(filter_option(&a, 'S', "2026-02-31"), -1);	/* not 03-03 */
	assert_true(a.f.start_s == 1793491200.0);
	assert_int_equal(filter_option(&a, 'x', "?"), 0);
	assert_true(filter_any(&a));
	filter_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
	};

	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

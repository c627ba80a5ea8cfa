/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The filter options of the report commands (the time forms of -S and -E:
 * test_utctime). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "filter.h"

/* sacct -j's lists: job numbers, each once. */
static void test_job_ids(void **state)
{
	static const struct {
		const char *list;
		const char *want;	/* the ids, or the item refused in brackets */
	} cases[] = {
		{ "4242", "4242" },
		{ "4242,4243", "4242 4243" },
		{ "4243,4242,4243", "4243 4242" },
		{ " 7 , 8 ", "7 8" },
		{ "9223372036854775807", "9223372036854775807" },
		{ "9223372036854775808", "[9223372036854775808]" },
		{ "4242-4245", "[4242-4245]" },
		{ "42x", "[42x]" },
		{ "1,,2", "[]" },
		{ "4242,", "[]" },
		{ "", "[]" },
		{ "-1", "[-1]" },
		{ "4242.0", "[4242.0]" },
	};
	long long *ids = NULL;
	size_t n, cap = 0, i, k, len, used;
	const char *bad;
	char got[128];

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = 0;
		used = 0;
		got[0] = '\0';
		if (job_ids_add(cases[i].list, &ids, &n, &cap, &bad, &len) == 0)
			for (k = 0; k < n; k++)
				used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%lld",
							 k ? " " : "", ids[k]);
		else
			snprintf(got, sizeof(got), "[%.*s]", (int)len, bad);
		if (strcmp(got, cases[i].want))
			fail_msg("'%s': %s, want %s", cases[i].list, got, cases[i].want);
	}
	/* Ids already there stay, new ones are added, the array grows. */
	n = 0;
	for (i = 0; i < 100; i++) {
		snprintf(got, sizeof(got), "%zu,%zu", i, i / 2);
		assert_int_equal(job_ids_add(got, &ids, &n, &cap, &bad, &len), 0);
	}
	assert_int_equal(n, 100);
	assert_true(cap >= 100 && ids[99] == 99);
	free(ids);
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
	assert_int_equal(filter_option(&a, 'j', "4243"), 1);	/* once */
	assert_int_equal(a.f.n_ids, 3);
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
		cmocka_unit_test(test_job_ids),
		cmocka_unit_test(test_options),
	};

	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

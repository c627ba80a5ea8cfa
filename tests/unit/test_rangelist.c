/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Slurm's range lists: items, ranges, bounds, overflow, counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rangelist.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void test_items(void **state)
{
	static const struct {
		const char *list;
		const char *want;	/* the items, each in brackets */
	} cases[] = {
		{ "0-3,5,7-8", "[0-3][5][7-8]" },
		{ "5", "[5]" },
		{ "", "[]" },
		{ "a,", "[a][]" },
		{ ",a", "[][a]" },
		{ "1,,2", "[1][][2]" },
		{ " 1 ,\t2-3\t, GPU-x ", "[1][2-3][GPU-x]" },
		{ "  ", "[]" },
	};
	char got[128];
	const char *pos, *item;
	size_t i, len, used;

	(void)state;
	for (i = 0; i < N_OF(cases); i++) {
		pos = cases[i].list;
		used = 0;
		got[0] = '\0';
		while (rangelist_next(&pos, &item, &len))
			used += (size_t)snprintf(got + used, sizeof(got) - used, "[%.*s]", (int)len,
						 item);
		assert_null(pos);
		assert_false(rangelist_next(&pos, &item, &len));
		if (strcmp(got, cases[i].want))
			fail_msg("'%s': %s, want %s", cases[i].list, got, cases[i].want);
	}
}

static void test_ranges(void **state)
{
	static const struct {
		const char *item;
		uint64_t max;
		int err;	/* 0: parsed */
		uint64_t lo, hi;
	} cases[] = {
		{ "7", 100, 0, 7, 7 },
		{ "0", 0, 0, 0, 0 },
		{ "3-5", 100, 0, 3, 5 },
		{ "5-5", 100, 0, 5, 5 },
		{ "007", 100, 0, 7, 7 },
		{ "100", 100, 0, 100, 100 },
		{ "0-18446744073709551615", UINT64_MAX, 0, 0, UINT64_MAX },
		{ "101", 100, ERANGE, 0, 0 },			/* above max */
		{ "90-101", 100, ERANGE, 0, 0 },
		{ "5-3", 100, ERANGE, 0, 0 },			/* end before start */
		{ "18446744073709551616", UINT64_MAX, ERANGE, 0, 0 },	/* 2^64 */
		{ "99999999999999999999999", UINT64_MAX, ERANGE, 0, 0 },
		{ "", 100, EINVAL, 0, 0 },
		{ "-", 100, EINVAL, 0, 0 },
		{ "-3", 100, EINVAL, 0, 0 },
		{ "3-", 100, EINVAL, 0, 0 },
		{ "1-2-3", 100, EINVAL, 0, 0 },
		{ "3x", 100, EINVAL, 0, 0 },
		{ "99999999999999999999999x", 100, EINVAL, 0, 0 },	/* not a number first */
		{ "+3", 100, EINVAL, 0, 0 },
		{ " 3", 100, EINVAL, 0, 0 },
		{ "0x10", 100, EINVAL, 0, 0 },
		{ "GPU-1234", 100, EINVAL, 0, 0 },
		{ "3 - 5", 100, EINVAL, 0, 0 },
	};
	uint64_t lo, hi;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < N_OF(cases); i++) {
		lo = hi = 42;
		errno = 0;
		rc = range_parse(cases[i].item, strlen(cases[i].item), cases[i].max, &lo, &hi);
		if (cases[i].err) {
			if (rc != -1 || errno != cases[i].err)
				fail_msg("'%s': rc %d errno %d, want errno %d", cases[i].item, rc,
					 errno, cases[i].err);
			assert_true(lo == 42 && hi == 42);	/* untouched */
		} else if (rc != 0 || lo != cases[i].lo || hi != cases[i].hi) {
			fail_msg("'%s': rc %d %llu-%llu", cases[i].item, rc,
				 (unsigned long long)lo, (unsigned long long)hi);
		}
	}
	/* Only len bytes are read: "3" of "3-5". */
	assert_int_equal(range_parse("3-5", 1, 100, &lo, &hi), 0);
	assert_true(lo == 3 && hi == 3);
}

static void test_count(void **state)
{
	static const struct {
		const char *list;
		uint64_t max;
		int64_t want;	/* -1: refused, with err */
		int err;
	} cases[] = {
		{ "0-3,8,10-11", 65535, 7, 0 },
		{ "0-3,5,7-8", 65535, 7, 0 },
		{ "5", 65535, 1, 0 },
		{ "", 65535, 0, 0 },
		{ " ", 65535, 0, 0 },
		{ "0-65535", 65535, 65536, 0 },
		{ "0-65536", 65535, -1, ERANGE },
		{ "3-1", 65535, -1, ERANGE },
		{ "1,,2", 65535, -1, EINVAL },
		{ "1,", 65535, -1, EINVAL },
		{ "0-3,x", 65535, -1, EINVAL },
		{ "0-3 8", 65535, -1, EINVAL },
		/* The count itself would not fit an int64_t. */
		{ "0-9223372036854775807", UINT64_MAX, -1, ERANGE },
		{ "0-9223372036854775806", UINT64_MAX, INT64_MAX, 0 },
		{ "0-9223372036854775805,0", UINT64_MAX, INT64_MAX, 0 },
		{ "0-9223372036854775805,0,0", UINT64_MAX, -1, ERANGE },
	};
	size_t i;
	int64_t n;

	(void)state;
	for (i = 0; i < N_OF(cases); i++) {
		errno = 0;
		n = rangelist_count(cases[i].list, cases[i].max);
		if (n != cases[i].want || (n < 0 && errno != cases[i].err))
			fail_msg("'%s': %lld errno %d, want %lld errno %d", cases[i].list,
				 (long long)n, errno, (long long)cases[i].want, cases[i].err);
	}
	assert_int_equal(rangelist_count(NULL, 10), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_items),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

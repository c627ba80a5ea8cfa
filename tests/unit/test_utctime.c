/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UTC times: the calendar, the formatters, ISO 8601 and sacct's forms, all
 * against a fixed "now". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "utctime.h"

#define NOW 1795795200.0	/* 2026-11-27T16:00:00Z, a Friday */
#define DAY 86400.0
#define NOV1 1793491200.0	/* 2026-11-01T00:00:00Z */
#define NOV1_2025 1761955200.0	/* 2025-11-01T00:00:00Z */
#define DEC1_2025 1764547200.0	/* 2025-12-01T00:00:00Z */
#define NOV27 (NOW - 16 * 3600)	/* 2026-11-27T00:00:00Z */

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void test_calendar(void **state)
{
	static const struct {
		int64_t y;
		int m, d;
		int64_t days;
	} dates[] = {
		{ 1970, 1, 1, 0 }, { 1969, 12, 31, -1 }, { 2000, 2, 29, 11016 },
		{ 2000, 3, 1, 11017 }, { 2026, 11, 27, 20784 }, { 1900, 3, 1, -25508 },
		{ 0, 1, 1, -719528 }, { 9999, 12, 31, 2932896 },
	};
	int64_t days, y;
	int m, d;
	size_t i;

	(void)state;
	for (i = 0; i < N_OF(dates); i++) {
		assert_int_equal(utc_days_from_civil(dates[i].y, dates[i].m, dates[i].d), dates[i].days);
		utc_civil_from_days(dates[i].days, &y, &m, &d);
		assert_int_equal(y, dates[i].y);
		assert_int_equal(m, dates[i].m);
		assert_int_equal(d, dates[i].d);
	}
	/* Every day of 1600 to 2400 reads back, and each is the day after the
	 * one before. */
	for (days = utc_days_from_civil(1600, 1, 1); days < utc_days_from_civil(2400, 1, 1); days++) {
		utc_civil_from_days(days, &y, &m, &d);
		assert_true(m >= 1 && m <= 12 && d >= 1 && d <= utc_days_in_month(y, m));
		assert_int_equal(utc_days_from_civil(y, m, d), days);
	}
	assert_true(utc_is_leap_year(2024));
	assert_true(utc_is_leap_year(2000));
	assert_false(utc_is_leap_year(1900));
	assert_false(utc_is_leap_year(2026));
	assert_int_equal(utc_days_in_month(2024, 2), 29);
	assert_int_equal(utc_days_in_month(2100, 2), 28);
	assert_int_equal(utc_days_in_month(2026, 4), 30);
	assert_int_equal(utc_days_in_month(2026, 12), 31);
}

static void test_format(void **state)
{
	static const struct {
		double t;
		enum utc_form form;
		const char *want;
	} cases[] = {
		{ 0, UTC_SECOND, "1970-01-01T00:00:00Z" },
		/* 2026-11-27T10:00:00Z, with a fraction that must not round up */
		{ 1795773600.9, UTC_SECOND, "2026-11-27T10:00:00Z" },
		{ 1795773600.9, UTC_MINUTE, "2026-11-27T10:00Z" },
		{ 1795773600.9, UTC_DATE, "2026-11-27" },
		{ NOW - 1, UTC_DATE, "2026-11-27" },
		{ NOV27 - 0.5, UTC_DATE, "2026-11-26" },	/* down, not towards 0 */
		{ -0.5, UTC_SECOND, "1969-12-31T23:59:59Z" },
		{ 1795773600.25, UTC_PG_US, "2026-11-27 10:00:00.250000+00" },
		{ 1795773599.9999999, UTC_PG_US, "2026-11-27 10:00:00.000000+00" },
		{ -62167219200.0, UTC_SECOND, "0000-01-01T00:00:00Z" },
		{ 253402300799.0, UTC_SECOND, "9999-12-31T23:59:59Z" },
		/* no date for what is not a time (found by fuzz_label) */
		{ NAN, UTC_SECOND, "?" },
		{ INFINITY, UTC_SECOND, "?" },
		{ -INFINITY, UTC_PG_US, "?" },
		{ 5.26521e+170, UTC_SECOND, "?" },
		{ 253402300800.0, UTC_DATE, "?" },
		{ -62167219201.0, UTC_DATE, "?" },
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < N_OF(cases); i++) {
		assert_ptr_equal(utc_format(cases[i].t, cases[i].form, buf, sizeof(buf)), buf);
		if (strcmp(buf, cases[i].want))
			fail_msg("%.17g form %d: '%s', want '%s'", cases[i].t, cases[i].form, buf,
				 cases[i].want);
	}
	assert_string_equal(utc_iso8601(0, buf, sizeof(buf)), "1970-01-01T00:00:00Z");
	assert_string_equal(utc_timestamp_us(1795773600.25, buf, sizeof(buf)),
			    "2026-11-27 10:00:00.250000+00");
	/* A buffer too small: "?", never a partial time. */
	assert_string_equal(utc_iso8601(0, buf, 20), "?");
	assert_string_equal(utc_iso8601(0, buf, 21), "1970-01-01T00:00:00Z");
	assert_string_equal(utc_iso8601(0, buf, 1), "");
	assert_string_equal(utc_format(0, UTC_DATE, buf, 11), "1970-01-01");
}

/* Parsed by utc_parse_time (with NOW), and, in ISO form, by utc_parse_iso8601. */
static const struct {
	const char *text;
	double want;
} good[] = {
	/* ISO 8601: UTC unless a zone is written */
	{ "2026-11-01", NOV1 },
	{ "2026-11-01T08:00", NOV1 + 8 * 3600 },
	{ "2026-11-01T08:00:30", NOV1 + 8 * 3600 + 30 },
	{ "2026-11-01 08:00", NOV1 + 8 * 3600 },
	{ "2026-11-01t08:00", NOV1 + 8 * 3600 },
	{ "2026-11-01T08:00Z", NOV1 + 8 * 3600 },
	{ "2026-11-01T08:00z", NOV1 + 8 * 3600 },
	{ "2026-11-01Z", NOV1 },
	{ "2026-11-01T10:00+02:00", NOV1 + 8 * 3600 },
	{ "2026-11-01T10:00+0200", NOV1 + 8 * 3600 },
	{ "2026-11-01T10:00+02", NOV1 + 8 * 3600 },
	{ "2026-11-01T03:30-04:30", NOV1 + 8 * 3600 },
	{ "2026-11-01T00:00:00.25Z", NOV1 + 0.25 },
	{ "2026-11-01T00:00:00,5", NOV1 + 0.5 },
	{ "2026-11-01T00:00:00.000", NOV1 },
	{ "2026-11-01T23:59:59", NOV1 + DAY - 1 },
	/* leap years */
	{ "2024-02-29", 1709164800.0 },
	{ "2000-02-29T12:00", 951825600.0 },
	{ "1969-12-31T23:59:59Z", -1 },
};

/* A parser's rc, reason and time (read once the parser has run) for text,
 * against the time wanted. */
static void expect_time(int rc, const char *why, const char *text, const double *t,
			double want)
{
	if (rc != 0)
		fail_msg("'%s' refused: %s", text, why);
	if (fabs(*t - want) > 1e-6)
		fail_msg("'%s': %.3f, want %.3f", text, *t, want);
}

static void test_iso8601(void **state)
{
	static const struct {
		const char *text;
		const char *why;	/* a part of the reason */
	} bad[] = {
		{ "", "YYYY-MM-DD" },
		{ "2026-02-31", "day 31 is not in February 2026 (1 to 28)" },
		{ "2026-02-29", "day 29 is not in February 2026" },
		{ "1900-02-29", "day 29 is not in February 1900" },
		{ "2026-04-31", "April 2026 (1 to 30)" },
		{ "2026-11-00", "day 0" },
		{ "2026-13-01", "month 13 is not 1 to 12" },
		{ "2026-00-01", "month 0" },
		{ "2026-11-01T24:00", "hour 24 is not 0 to 23" },
		{ "2026-11-01T25:00", "hour 25" },
		{ "2026-11-01T23:60", "minute 60" },
		{ "2026-11-01T23:59:60", "second 60" },
		{ "2026-11-01T08", "HH:MM" },
		{ "2026-11-01T8:00", "HH:MM" },
		{ "2026-11-01T08:00:3", "HH:MM" },
		{ "2026-11-01T08:00:00.", "no digits" },
		{ "2026-11-01T08:00+24:00", "beyond 23:59" },
		{ "2026-11-01T08:00+02:60", "beyond 23:59" },
		{ "2026-11-01T08:00+2", "UTC offset" },
		{ "2026-11-01T08:00+02:0", "UTC offset" },
		{ "2026-11-01x", "unexpected 'x' after the date" },
		{ "2026-11-01T08:00 junk", "unexpected ' junk' after the time" },
		{ "2026-11-01T08:00Zulu", "unexpected 'ulu' after the UTC offset" },
		{ "2026-11", "YYYY-MM-DD" },
		{ "26-11-01", "YYYY-MM-DD" },
		{ "2026-1-01", "YYYY-MM-DD" },
		{ "+2026-11-01", "YYYY-MM-DD" },
	};
	char why[128];
	double t;
	size_t i;

	(void)state;
	for (i = 0; i < N_OF(good); i++) {
		if (good[i].text[0] < '0' || good[i].text[0] > '9')
			continue;
		expect_time(utc_parse_iso8601(good[i].text, 0, &t, why, sizeof(why)), why,
			    good[i].text, &t, good[i].want);
	}
	for (i = 0; i < N_OF(bad); i++) {
		why[0] = '\0';
		if (utc_parse_iso8601(bad[i].text, 0, &t, why, sizeof(why)) == 0)
			fail_msg("'%s' accepted", bad[i].text);
		if (!strstr(why, bad[i].why))
			fail_msg("'%s': '%s', want '%s'", bad[i].text, why, bad[i].why);
		/* utc_parse_time reads ISO 8601 the same way */
		assert_int_equal(utc_parse_time(bad[i].text, NOW, &t, NULL, 0), -1);
	}
	/* What the importers ask for */
	assert_int_equal(utc_parse_iso8601("2026-11-01T08:00Z", UTC_ZONE_REQUIRED, &t, why, sizeof(why)), 0);
	assert_int_equal(utc_parse_iso8601("2026-11-01Z", UTC_ZONE_REQUIRED, &t, why, sizeof(why)), 0);
	assert_int_equal(utc_parse_iso8601("2026-11-01T08:00", UTC_ZONE_REQUIRED, &t, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no UTC offset"));
	assert_int_equal(utc_parse_iso8601("2026-11-01T08:00", UTC_TIME_REQUIRED, &t, why, sizeof(why)), 0);
	assert_int_equal(utc_parse_iso8601("2026-11-01Z", UTC_TIME_REQUIRED, &t, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no time of day"));
	/* why may be NULL */
	assert_int_equal(utc_parse_iso8601("2026-02-31", 0, &t, NULL, 0), -1);
}

static void test_sacct(void **state)
{
	static const struct {
		const char *text;
		double want;
	} ok[] = {
		{ "now", NOW },
		{ "NOW", NOW },
		{ "now-7days", NOW - 7 * DAY },
		{ "Now-7Days", NOW - 7 * DAY },
		{ "now-3hours", NOW - 3 * 3600 },
		{ "now+1hour", NOW + 3600 },
		{ "now-30minutes", NOW - 1800 },
		{ "now-2weeks", NOW - 14 * DAY },
		{ "now-1week", NOW - 7 * DAY },
		{ "now-90", NOW - 90 },
		{ "now-90seconds", NOW - 90 },
		{ "now-1.5hours", NOW - 5400 },
		{ "now-2h", NOW - 7200 },
		{ "now-2d", NOW - 2 * DAY },
		{ "now-1w", NOW - 7 * DAY },
		{ "now-5min", NOW - 300 },
		{ "now-5m", NOW - 300 },
		{ "now-5s", NOW - 5 },
		{ "today", NOV27 },
		{ "midnight", NOV27 },
		{ "midnight-1day", NOV27 - DAY },
		{ "noon", NOV27 + 12 * 3600 },
		{ "noon-30minutes", NOV27 + 11.5 * 3600 },
		{ "elevenses", NOV27 + 11 * 3600 },
		{ "fika", NOV27 + 15 * 3600 },
		{ "teatime", NOV27 + 16 * 3600 },
		{ "tomorrow", NOV27 + DAY },
		/* MM/DD: this year, or last year's when the month is still to come */
		{ "11/01", NOV1 },
		{ "11.01", NOV1 },
		{ "1101", NOV1 },
		{ "11/1", NOV1 },
		{ "12/01", DEC1_2025 },
		{ "1201", DEC1_2025 },
		{ "11/01/25", NOV1_2025 },
		{ "11.01.25", NOV1_2025 },
		{ "11/01/2025", NOV1_2025 },
		{ "110125", NOV1_2025 },
		{ "11/01-08:30", NOV1 + 8.5 * 3600 },
		{ "11/01/25-08:30:15", NOV1_2025 + 8.5 * 3600 + 15 },
		{ "1101T08:30", NOV1 + 8.5 * 3600 },
		{ "02/29/24", 1709164800.0 },
		/* HH:MM[:SS]: today */
		{ "08:30", NOV27 + 8.5 * 3600 },
		{ "8:30", NOV27 + 8.5 * 3600 },
		{ "23:59:59", NOV27 + DAY - 1 },
	};
	static const struct {
		const char *text;
		const char *why;
	} bad[] = {
		{ "", "no time" },
		{ "yesterday", "not a time" },
		{ "whenever", "not a time" },
		{ "now-", "no number after 'now-'" },
		{ "now-7fortnights", "unit 'fortnights'" },
		{ "now-7 days", "unit ' days'" },
		{ "now-1.hours", "no digits" },
		{ "nowish", "after 'now' comes +N or -N" },
		{ "noon7", "after 'noon'" },
		{ "now-99999999999999weeks", "too large" },
		{ "now+999999999weeks", "beyond the years" },
		{ "02/29", "day 29 is not in February 2026" },
		{ "0229", "February 2026" },
		{ "13/01", "month 13" },
		{ "11/31", "day 31 is not in November 2026" },
		{ "11/01/2", "a year is YY or YYYY" },
		{ "11/01/202", "a year is YY or YYYY" },
		{ "11/01x", "unexpected 'x' after the date" },
		{ "11/01-08:30x", "unexpected 'x' after the time" },
		{ "11/01-24:00", "hour 24" },
		{ "11/01-8", "HH:MM" },
		{ "11/", "MM/DD" },
		{ "11/01.25", "unexpected '.25'" },
		{ "101", "not a time" },
		{ "11011", "not a time" },
		{ "24:00", "hour 24" },
		{ "08:61", "minute 61" },
		{ "08:30pm", "unexpected 'pm'" },
		{ "123:00", "not a time" },
	};
	char why[128];
	double t;
	size_t i;

	(void)state;
	for (i = 0; i < N_OF(good); i++)
		expect_time(utc_parse_time(good[i].text, NOW, &t, why, sizeof(why)), why,
			    good[i].text, &t, good[i].want);
	for (i = 0; i < N_OF(ok); i++)
		expect_time(utc_parse_time(ok[i].text, NOW, &t, why, sizeof(why)), why,
			    ok[i].text, &t, ok[i].want);
	for (i = 0; i < N_OF(bad); i++) {
		why[0] = '\0';
		if (utc_parse_time(bad[i].text, NOW, &t, why, sizeof(why)) == 0)
			fail_msg("'%s' accepted", bad[i].text);
		if (!strstr(why, bad[i].why))
			fail_msg("'%s': '%s', want '%s'", bad[i].text, why, bad[i].why);
	}
	/* In a leap year, 02/29 without a year is a date. */
	assert_int_equal(utc_parse_time("02/29", 1709164800.0 + 5 * DAY, &t, why, sizeof(why)), 0);
	assert_true(t == 1709164800.0);
	/* In January, a month still to come is last year's. */
	assert_int_equal(utc_parse_time("0315", 1767225600.0 /* 2026-01-01 */, &t, NULL, 0), 0);
	assert_true(t == 1741996800.0 /* 2025-03-15 */);
	/* now itself must be a time */
	assert_int_equal(utc_parse_time("now", NAN, &t, why, sizeof(why)), -1);
}

/* The local time zone plays no part. */
static void test_no_local_time(void **state)
{
	double a, b;

	(void)state;
	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	assert_int_equal(utc_parse_time("today", NOW, &a, NULL, 0), 0);
	assert_int_equal(utc_parse_time("2026-11-01", NOW, &b, NULL, 0), 0);
	assert_true(a == NOV27);
	assert_true(b == NOV1);
	setenv("TZ", "America/Los_Angeles", 1);
	tzset();
	assert_int_equal(utc_parse_time("11/01", NOW, &b, NULL, 0), 0);
	assert_true(b == NOV1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_iso8601),
		cmocka_unit_test(test_sacct),
		cmocka_unit_test(test_no_local_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

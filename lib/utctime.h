/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UTC times: the calendar, the one formatter family and the one parser of
 * ISO 8601 and of sacct's time forms, for the plugin and carbon-report. Every
 * time is seconds since the epoch (UTC) in a double; nothing here reads the
 * local time zone or the clock. */
#ifndef CARBON_UTCTIME_H
#define CARBON_UTCTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTC_DAY_S 86400

/* --- the calendar (proleptic Gregorian) ----------------------------------- */

bool utc_is_leap_year(int64_t y);

/* Days in month m (1 to 12) of year y. */
int utc_days_in_month(int64_t y, int m);

/* Days from 1970-01-01 to y-m-d (m 1 to 12, d 1 to its month's days);
 * negative before 1970. */
int64_t utc_days_from_civil(int64_t y, int m, int d);

/* The date of day days since 1970-01-01. */
void utc_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* --- formatting ------------------------------------------------------------ */

enum utc_form {
	UTC_DATE,	/* "2026-11-27": the UTC day (summary --by day) */
	UTC_MINUTE,	/* "2026-11-27T10:00Z" */
	UTC_SECOND,	/* "2026-11-27T10:00:00Z": what reports print */
	UTC_PG_US,	/* "2026-11-27 10:00:00.123456+00": PostgreSQL timestamptz
			 * input, to the microsecond (rounded) */
};

/* Format t in form into buf (n bytes). The seconds are t rounded down (to
 * the microsecond for UTC_PG_US). A t that is not finite or outside the years
 * 0000 to 9999, or a buf too small for the whole text, gives "?" (cut to ""
 * when n is 1); never a partial timestamp. Returns buf. Never allocates. */
const char *utc_format(double t, enum utc_form form, char *buf, size_t n);

/* utc_format(t, UTC_SECOND, buf, n). */
const char *utc_iso8601(double t, char *buf, size_t n);

/* utc_format(t, UTC_PG_US, buf, n); buf of at least 32 bytes. */
const char *utc_timestamp_us(double t, char *buf, size_t n);

/* --- parsing --------------------------------------------------------------- */

#define UTC_ZONE_REQUIRED 0x1u	/* a time without a zone is refused */
#define UTC_TIME_REQUIRED 0x2u	/* a date without a time of day is refused */

/* Parse ISO 8601: "YYYY-MM-DD", then optionally 'T', 't' or a space and
 * "HH:MM[:SS[.fraction]]" (',' too), then optionally a zone: 'Z', 'z', or an
 * offset "+HH", "+HH:MM", "+HHMM" (or '-'). Without a zone the time is UTC
 * (unless flags has UTC_ZONE_REQUIRED). Every field is checked against the
 * calendar: no 31 February, no month 13, no hour 24, no second 60, no offset
 * beyond 23:59, and nothing after the text.
 * Returns 0 with *t (the fraction kept), or -1 with a one-line reason in why
 * (why may be NULL). */
int utc_parse_iso8601(const char *s, unsigned flags, double *t, char *why, size_t whylen);

/* Parse a time as sacct's -S and -E do, but in UTC unless a zone is written
 * (sacct reads the local time), relative to now (seconds since the epoch):
 *   ISO 8601 as utc_parse_iso8601 (a zone allowed, the time of day optional);
 *   MMDD[YY], MM/DD[/YY] or MM.DD[.YY], then optionally "-HH:MM[:SS]" or
 *     "THH:MM[:SS]": a year YY is 20YY; without one the date is in now's
 *     year, or the year before when its month is after now's (sacct's rule
 *     for -S and -E);
 *   HH:MM[:SS]: that time of now's day;
 *   now, today and midnight (00:00 of now's day), noon (12:00), elevenses
 *     (11:00), fika (15:00), teatime (16:00), tomorrow (00:00 of the next
 *     day), any of them followed by +N or -N and a unit: seconds (the
 *     default), minutes, hours, days or weeks, singular, plural or
 *     abbreviated (s, sec, m, min, h, d, w); N may have a fraction.
 * Words are case-insensitive. Returns 0 with *t, or -1 with a one-line
 * reason in why (why may be NULL). */
int utc_parse_time(const char *s, double now, double *t, char *why, size_t whylen);

#endif

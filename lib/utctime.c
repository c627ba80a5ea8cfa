/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UTC times: calendar arithmetic, formatting, and parsing of ISO 8601 and of
 * sacct's time forms. */
#include "utctime.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HOUR_S 3600
/* 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the times with a
 * four-digit year. */
#define UTC_FIRST_S (-62167219200.0)
#define UTC_END_S 253402300800.0

/* --- the calendar ---------------------------------------------------------- */

bool utc_is_leap_year(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int utc_days_in_month(int64_t y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && utc_is_leap_year(y) ? 29 : days[m - 1];
}

/* Howard Hinnant's days_from_civil and civil_from_days
 * (https://howardhinnant.github.io/date_algorithms.html): the calendar in
 * 400-year eras of 146097 days, each year counted from 1 March so that the
 * leap day comes last. */
int64_t utc_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void utc_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468, era, doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* --- formatting ------------------------------------------------------------ */

const char *utc_format(double t, enum utc_form form, char *buf, size_t n)
{
	char text[48];
	double secs;
	long usec = 0;
	int64_t days, sod, y;
	int m, d, len = -1;

	if (n == 0)
		return buf;
	if (!(t >= UTC_FIRST_S && t < UTC_END_S))	/* NaN too */
		goto unknown;
	secs = floor(t);
	if (form == UTC_PG_US) {
		usec = (long)floor((t - secs) * 1e6 + 0.5);
		if (usec >= 1000000) {
			secs += 1.0;
			usec -= 1000000;
		}
		if (secs >= UTC_END_S)
			goto unknown;
	}
	days = (int64_t)floor(secs / UTC_DAY_S);
	sod = (int64_t)secs - days * UTC_DAY_S;
	utc_civil_from_days(days, &y, &m, &d);
	switch (form) {
	case UTC_DATE:
		len = snprintf(text, sizeof(text), "%04lld-%02d-%02d", (long long)y, m, d);
		break;
	case UTC_MINUTE:
		len = snprintf(text, sizeof(text), "%04lld-%02d-%02dT%02d:%02dZ", (long long)y, m,
			       d, (int)(sod / HOUR_S), (int)(sod % HOUR_S / 60));
		break;
	case UTC_SECOND:
		len = snprintf(text, sizeof(text), "%04lld-%02d-%02dT%02d:%02d:%02dZ",
			       (long long)y, m, d, (int)(sod / HOUR_S), (int)(sod % HOUR_S / 60),
			       (int)(sod % 60));
		break;
	case UTC_PG_US:
		len = snprintf(text, sizeof(text), "%04lld-%02d-%02d %02d:%02d:%02d.%06ld+00",
			       (long long)y, m, d, (int)(sod / HOUR_S), (int)(sod % HOUR_S / 60),
			       (int)(sod % 60), usec);
		break;
	}
	if (len < 0 || (size_t)len >= n)
		goto unknown;
	memcpy(buf, text, (size_t)len + 1);
	return buf;
unknown:
	snprintf(buf, n, "?");
	return buf;
}

const char *utc_iso8601(double t, char *buf, size_t n)
{
	return utc_format(t, UTC_SECOND, buf, n);
}

const char *utc_timestamp_us(double t, char *buf, size_t n)
{
	return utc_format(t, UTC_PG_US, buf, n);
}

/* --- parsing --------------------------------------------------------------- */

static const char *const month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

static int fail(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Exactly n digits at *p, advancing it. */
static bool digits(const char **p, int n, int *v)
{
	*v = 0;
	while (n--) {
		if (!is_digit(**p))
			return false;
		*v = *v * 10 + (*(*p)++ - '0');
	}
	return true;
}

/* One or two digits at *p, advancing it. */
static bool one_or_two_digits(const char **p, int *v)
{
	if (!digits(p, 1, v))
		return false;
	if (is_digit(**p))
		*v = *v * 10 + (*(*p)++ - '0');
	return true;
}

/* Up to 16 bytes of rest, for a message: printable ASCII, others as '?'. */
static const char *snip(const char *rest, char *buf, size_t n)
{
	size_t i;

	for (i = 0; rest[i] && i + 1 < n && i < 16; i++)
		buf[i] = rest[i] >= ' ' && rest[i] <= '~' ? rest[i] : '?';
	buf[i] = '\0';
	return buf;
}

static int check_date(int64_t y, int m, int d, char *why, size_t whylen)
{
	if (m < 1 || m > 12)
		return fail(why, whylen, "month %d is not 1 to 12", m);
	if (d < 1 || d > utc_days_in_month(y, m))
		return fail(why, whylen, "day %d is not in %s %04lld (1 to %d)", d,
			    month_names[m - 1], (long long)y, utc_days_in_month(y, m));
	return 0;
}

static int check_clock(int h, int mi, int s, char *why, size_t whylen)
{
	if (h > 23)
		return fail(why, whylen, "hour %d is not 0 to 23", h);
	if (mi > 59)
		return fail(why, whylen, "minute %d is not 0 to 59", mi);
	if (s > 59)
		return fail(why, whylen, "second %d is not 0 to 59", s);
	return 0;
}

/* "H:MM" or "HH:MM", then optionally ":SS", at *p; checked. */
static int read_clock(const char **p, int *h, int *mi, int *s, char *why, size_t whylen)
{
	*s = 0;
	if (!one_or_two_digits(p, h) || *(*p)++ != ':' || !digits(p, 2, mi))
		return fail(why, whylen, "a time of day is HH:MM or HH:MM:SS");
	if (**p == ':') {
		(*p)++;
		if (!digits(p, 2, s))
			return fail(why, whylen, "a time of day is HH:MM or HH:MM:SS");
	}
	return check_clock(*h, *mi, *s, why, whylen);
}

/* *t = v when v is a time of the years 0000 to 9999. */
static int in_range(double v, double *t, char *why, size_t whylen)
{
	if (!(v >= UTC_FIRST_S && v < UTC_END_S))
		return fail(why, whylen, "the time is beyond the years 0000 to 9999");
	*t = v;
	return 0;
}

static int trailing(const char *p, const char *after, char *why, size_t whylen)
{
	char b[20];

	return fail(why, whylen, "unexpected '%s' after the %s", snip(p, b, sizeof(b)), after);
}

int utc_parse_iso8601(const char *s, unsigned flags, double *t, char *why, size_t whylen)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 1, c;
	double frac = 0.0, scale = 0.1;
	bool have_time = false, zone = false;

	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d))
		return fail(why, whylen, "a date is YYYY-MM-DD");
	if (check_date(y, mo, d, why, whylen) < 0)
		return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			return fail(why, whylen, "a time of day is HH:MM or HH:MM:SS");
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &sec))
				return fail(why, whylen, "a time of day is HH:MM or HH:MM:SS");
			if (*p == '.' || *p == ',') {
				if (!is_digit(*++p))
					return fail(why, whylen, "no digits after the decimal sign of the seconds");
				for (; is_digit(*p); p++, scale /= 10)
					frac += (*p - '0') * scale;
			}
		}
		if (check_clock(h, mi, sec, why, whylen) < 0)
			return -1;
		have_time = true;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
		zone = true;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (!digits(&p, 2, &oh))
			return fail(why, whylen, "a UTC offset is +HH, +HH:MM or +HHMM (or -)");
		if (*p == ':' || is_digit(*p)) {
			if (*p == ':')
				p++;
			if (!digits(&p, 2, &om))
				return fail(why, whylen, "a UTC offset is +HH, +HH:MM or +HHMM (or -)");
		}
		if (oh > 23 || om > 59)
			return fail(why, whylen, "UTC offset %c%02d:%02d is beyond 23:59",
				    sign < 0 ? '-' : '+', oh, om);
		zone = true;
	}
	if (*p)
		return trailing(p, zone ? "UTC offset" : have_time ? "time" : "date", why, whylen);
	if (!have_time && (flags & UTC_TIME_REQUIRED))
		return fail(why, whylen, "no time of day: write YYYY-MM-DDTHH:MM:SS");
	if (!zone && (flags & UTC_ZONE_REQUIRED))
		return fail(why, whylen, "no UTC offset: end the time with Z or +HH:MM");
	c = h * HOUR_S + mi * 60 + sec - sign * (oh * HOUR_S + om * 60);
	return in_range((double)utc_days_from_civil(y, mo, d) * UTC_DAY_S + c + frac, t, why,
			whylen);
}

/* "+N[unit]" or "-N[unit]" after a word: base moved by it. */
static int add_offset(const char *word, const char *p, double base, double *t, char *why,
		      size_t whylen)
{
	static const struct {
		const char *name;
		double s;
	} units[] = {
		{ "", 1 },	/* sacct: a bare number is seconds */
		{ "s", 1 }, { "sec", 1 }, { "secs", 1 }, { "second", 1 }, { "seconds", 1 },
		{ "m", 60 }, { "min", 60 }, { "mins", 60 }, { "minute", 60 }, { "minutes", 60 },
		{ "h", HOUR_S }, { "hour", HOUR_S }, { "hours", HOUR_S },
		{ "d", UTC_DAY_S }, { "day", UTC_DAY_S }, { "days", UTC_DAY_S },
		{ "w", 7 * UTC_DAY_S }, { "week", 7 * UTC_DAY_S }, { "weeks", 7 * UTC_DAY_S },
	};
	double amount = 0.0, scale = 0.1;
	char b[20];
	int sign;
	size_t i;

	if (!*p)
		return in_range(base, t, why, whylen);
	if (*p != '+' && *p != '-')
		return fail(why, whylen, "after '%s' comes +N or -N and a unit, e.g. now-7days, not '%s'",
			    word, snip(p, b, sizeof(b)));
	sign = *p++ == '-' ? -1 : 1;
	if (!is_digit(*p))
		return fail(why, whylen, "no number after '%s%c', e.g. now-7days", word,
			    sign < 0 ? '-' : '+');
	for (; is_digit(*p); p++)
		if ((amount = amount * 10 + (*p - '0')) > 1e12)
			return fail(why, whylen, "the number after '%s%c' is too large", word,
				    sign < 0 ? '-' : '+');
	if (*p == '.') {
		if (!is_digit(*++p))
			return fail(why, whylen, "no digits after the decimal point");
		for (; is_digit(*p); p++, scale /= 10)
			amount += (*p - '0') * scale;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcasecmp(p, units[i].name))
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return fail(why, whylen, "unit '%s' is not seconds, minutes, hours, days or weeks",
			    snip(p, b, sizeof(b)));
	return in_range(base + sign * amount * units[i].s, t, why, whylen);
}

/* MMDD[YY], MM/DD[/YY], MM.DD[.YY] (or /YYYY), then -HH:MM[:SS] or
 * THH:MM[:SS]. */
static int parse_sacct_date(const char *s, double now, double *t, char *why, size_t whylen)
{
	const char *p = s;
	int64_t now_y, y;
	int now_m, now_d, mo, d, year = -1, v, h = 0, mi = 0, sec = 0;
	size_t n = strspn(s, "0123456789"), k;
	bool have_time = false;
	char sep;

	if (n == 4 || n == 6) {
		digits(&p, 2, &mo);
		digits(&p, 2, &d);
		if (n == 6 && digits(&p, 2, &v))
			year = 2000 + v;
	} else if ((n == 1 || n == 2) && (s[n] == '/' || s[n] == '.')) {
		sep = s[n];
		one_or_two_digits(&p, &mo);
		p++;
		if (!one_or_two_digits(&p, &d))
			return fail(why, whylen, "a date is MM/DD, MM/DD/YY or MMDD[YY]");
		if (*p == sep) {
			k = strspn(++p, "0123456789");
			if (k != 2 && k != 4)
				return fail(why, whylen, "a year is YY or YYYY, as in 11/01/26");
			digits(&p, (int)k, &v);
			year = k == 2 ? 2000 + v : v;
		}
	} else {
		return fail(why, whylen, "not a time");
	}
	/* sacct: the year given, else now's, unless the month is still to come
	 * (then the year before). */
	utc_civil_from_days((int64_t)floor(now / UTC_DAY_S), &now_y, &now_m, &now_d);
	y = year >= 0 ? year : mo > now_m ? now_y - 1 : now_y;
	if (check_date(y, mo, d, why, whylen) < 0)
		return -1;
	if (*p == '-' || *p == 'T' || *p == 't') {
		p++;
		if (read_clock(&p, &h, &mi, &sec, why, whylen) < 0)
			return -1;
		have_time = true;
	}
	if (*p)
		return trailing(p, have_time ? "time" : "date", why, whylen);
	return in_range((double)utc_days_from_civil(y, mo, d) * UTC_DAY_S + h * HOUR_S + mi * 60 +
			sec, t, why, whylen);
}

int utc_parse_time(const char *s, double now, double *t, char *why, size_t whylen)
{
	static const struct {
		const char *word;
		double at;	/* seconds after 00:00 of now's day; < 0: now */
	} words[] = {
		{ "now", -1 }, { "today", 0 }, { "midnight", 0 }, { "noon", 12 * HOUR_S },
		{ "elevenses", 11 * HOUR_S }, { "fika", 15 * HOUR_S },
		{ "teatime", 16 * HOUR_S }, { "tomorrow", UTC_DAY_S },
	};
	double today;
	const char *p;
	size_t i, n;
	int h, mi, sec;

	if (!s || !*s)
		return fail(why, whylen, "no time given");
	if (!(now >= UTC_FIRST_S && now < UTC_END_S))
		return fail(why, whylen, "the current time is unknown");
	today = floor(now / UTC_DAY_S) * UTC_DAY_S;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		n = strlen(words[i].word);
		if (!strncasecmp(s, words[i].word, n))
			return add_offset(words[i].word, s + n,
					  words[i].at < 0 ? now : today + words[i].at, t, why,
					  whylen);
	}
	n = strspn(s, "0123456789");
	if (n == 4 && s[4] == '-')
		return utc_parse_iso8601(s, 0, t, why, whylen);
	if ((n == 1 || n == 2) && s[n] == ':') {
		p = s;
		if (read_clock(&p, &h, &mi, &sec, why, whylen) < 0)
			return -1;
		if (*p)
			return trailing(p, "time", why, whylen);
		return in_range(today + h * HOUR_S + mi * 60 + sec, t, why, whylen);
	}
	return parse_sacct_date(s, now, t, why, whylen);
}

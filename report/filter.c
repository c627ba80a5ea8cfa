/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sacct's filter options and time forms. */
#define _GNU_SOURCE	/* timegm */
#include "filter.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "record.h"

/* "now-7days": seconds in one unit, by sacct's names and ours. */
static double unit_seconds(const char *u)
{
	static const struct {
		const char *name;
		double s;
	} units[] = {
		{ "s", 1 }, { "sec", 1 }, { "secs", 1 }, { "second", 1 }, { "seconds", 1 },
		{ "m", 60 }, { "min", 60 }, { "mins", 60 }, { "minute", 60 }, { "minutes", 60 },
		{ "h", 3600 }, { "hour", 3600 }, { "hours", 3600 },
		{ "d", 86400 }, { "day", 86400 }, { "days", 86400 },
		{ "w", 604800 }, { "week", 604800 }, { "weeks", 604800 },
		{ "", 1 },	/* sacct: a bare number is seconds */
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcasecmp(u, units[i].name))
			return units[i].s;
	return -1;
}

static double local_midnight(double now)
{
	time_t t = (time_t)now;
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (double)mktime(&tm);
}

int parse_time(const char *s, double now, double *t)
{
	struct tm tm;
	const char *p;
	char *end;
	int n = 0, off_h = 0, off_m = 0;
	bool zone = false;
	double base, amount, unit;

	if (!s || !*s)
		return -1;
	if (!strncasecmp(s, "now", 3) || !strncasecmp(s, "today", 5) ||
	    !strncasecmp(s, "midnight", 8)) {
		base = !strncasecmp(s, "now", 3) ? now : local_midnight(now);
		p = s + (!strncasecmp(s, "now", 3) ? 3 : !strncasecmp(s, "today", 5) ? 5 : 8);
		if (!*p) {
			*t = base;
			return 0;
		}
		if (*p != '-' && *p != '+')
			return -1;
		errno = 0;
		amount = strtod(p + 1, &end);
		if (errno || end == p + 1 || amount < 0 || !isfinite(amount))
			return -1;
		unit = unit_seconds(end);
		if (unit < 0)
			return -1;
		*t = base + (*p == '-' ? -1 : 1) * amount * unit;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3 || n != 10)
		return -1;
	p = s + n;
	if (*p == 'T' || *p == ' ') {
		int m = 0;

		if (sscanf(p + 1, "%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &m) != 2 || m != 5)
			return -1;
		p += 1 + m;
		if (*p == ':') {
			if (sscanf(p + 1, "%2d%n", &tm.tm_sec, &m) != 1 || m != 2)
				return -1;
			p += 1 + m;
		}
	}
	if (*p == 'Z') {
		zone = true;
		p++;
	} else if (*p == '+' || *p == '-') {
		int m = 0, sign = *p == '-' ? -1 : 1;

		if (sscanf(p + 1, "%2d:%2d%n", &off_h, &off_m, &m) != 2 || m != 5)
			return -1;
		off_h *= sign;
		off_m *= sign;
		zone = true;
		p += 1 + m;
	}
	if (*p || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if (zone) {
		*t = (double)timegm(&tm) - off_h * 3600.0 - off_m * 60.0;
	} else {
		tm.tm_isdst = -1;
		*t = (double)mktime(&tm);
	}
	return 0;
}

void filter_init(struct filter_args *a)
{
	memset(a, 0, sizeof(*a));
	a->f.start_s = NAN;
	a->f.end_s = NAN;
}

void filter_free(struct filter_args *a)
{
	free(a->ids);
	filter_init(a);
}

/* "4242,4243" into a->ids. */
static int add_ids(struct filter_args *a, const char *list)
{
	const char *p = list;

	while (*p) {
		char *end;
		long long id;

		errno = 0;
		id = strtoll(p, &end, 10);
		if (errno || end == p || id < 0 || (*end && *end != ',')) {
			fprintf(stderr, "carbon-report: -j %s: '%s' is not a job id; give job numbers, e.g. -j 4242,4243\n",
				list, p);
			return -1;
		}
		if (a->f.n_ids == a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 16;
			long long *ids = realloc(a->ids, cap * sizeof(*ids));

			if (!ids) {
				fputs("carbon-report: out of memory\n", stderr);
				return -1;
			}
			a->ids = ids;
			a->cap = cap;
		}
		a->ids[a->f.n_ids++] = id;
		a->f.ids = a->ids;
		p = *end ? end + 1 : end;
	}
	return 0;
}

int filter_option(struct filter_args *a, int c, const char *arg)
{
	const char *why;
	double t;

	switch (c) {
	case 'j':
		return add_ids(a, arg) < 0 ? -1 : 1;
	case 'u':
		a->f.user = arg;
		return 1;
	case 'A':
	case 't':
		if (!label_is_valid(arg, &why)) {
			fprintf(stderr, "carbon-report: %s '%s': %s (a project or tag is 1 to 64 of A-Z a-z 0-9 . _ : + / -)\n",
				c == 'A' ? "-A" : "-t", arg, why);
			return -1;
		}
		if (c == 'A')
			a->f.project = arg;
		else
			a->f.tag = arg;
		return 1;
	case 'S':
	case 'E':
		if (parse_time(arg, (double)time(NULL), &t) < 0) {
			fprintf(stderr, "carbon-report: %s '%s' is not a time; give e.g. 2026-11-01, 2026-11-01T08:00 or now-7days\n",
				c == 'S' ? "-S" : "-E", arg);
			return -1;
		}
		if (c == 'S') {
			a->f.start_s = t;
			a->start_text = arg;
		} else {
			a->f.end_s = t;
			a->end_text = arg;
		}
		if (!isnan(a->f.start_s) && !isnan(a->f.end_s) && a->f.end_s <= a->f.start_s) {
			fprintf(stderr, "carbon-report: -E %s is not after -S %s\n", a->end_text,
				a->start_text);
			return -1;
		}
		return 1;
	case 'M':
		a->f.cluster = arg;
		return 1;
	default:
		return 0;
	}
}

bool filter_any(const struct filter_args *a)
{
	return a->f.n_ids || a->f.user || a->f.project || a->f.tag || a->f.cluster ||
	       !isnan(a->f.start_s) || !isnan(a->f.end_s);
}

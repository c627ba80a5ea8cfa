/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sacct's filter options and time forms. */
#include "filter.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "rangelist.h"
#include "record.h"
#include "utctime.h"

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

int job_ids_add(const char *list, long long **ids, size_t *n, size_t *cap,
		const char **bad, size_t *badlen)
{
	const char *pos = list, *item;
	uint64_t lo, hi;
	size_t len, i;

	while (rangelist_next(&pos, &item, &len)) {
		if (range_parse(item, len, INT64_MAX, &lo, &hi) < 0 || lo != hi) {
			*bad = item;
			*badlen = len;
			errno = EINVAL;
			return -1;
		}
		for (i = 0; i < *n && (*ids)[i] != (long long)lo; i++)
			;
		if (i < *n)
			continue;
		if (*n == *cap) {
			size_t grow = *cap ? *cap * 2 : 16;
			long long *more = realloc(*ids, grow * sizeof(*more));

			if (!more)
				return -1;
			*ids = more;
			*cap = grow;
		}
		(*ids)[(*n)++] = (long long)lo;
	}
	return 0;
}

/* -j LIST into a->ids. */
static int add_ids(struct filter_args *a, const char *list)
{
	const char *bad;
	size_t len;

	if (job_ids_add(list, &a->ids, &a->f.n_ids, &a->cap, &bad, &len) < 0) {
		if (errno == EINVAL)
			fprintf(stderr, "carbon-report: -j %s: '%.*s' is not a job id; give job numbers, e.g. -j 4242,4243\n",
				list, (int)len, bad);
		else
			fputs("carbon-report: out of memory\n", stderr);
		return -1;
	}
	a->f.ids = a->ids;
	return 0;
}

int filter_option(struct filter_args *a, int c, const char *arg)
{
	const char *why;
	char reason[160];
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
		if (utc_parse_time(arg, (double)time(NULL), &t, reason, sizeof(reason)) < 0) {
			fprintf(stderr, "carbon-report: %s '%s': %s; give a time in UTC such as 2026-11-01, 2026-11-01T08:00, 11/01 or now-7days (a zone only when written: 2026-11-01T08:00+01:00)\n",
				c == 'S' ? "-S" : "-E", arg, reason);
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

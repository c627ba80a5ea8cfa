/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sacct's filter options for the report commands: -j, -u, -A, -t, -S, -E,
 * -M; the times of -S and -E are read by utc_parse_time (utctime.h). */
#ifndef CARBON_FILTER_H
#define CARBON_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "jobset.h"

/* Add the job ids of list ("4242,4243", as sacct -j takes them) to *ids
 * (*n of them in room for *cap, grown with realloc; the caller frees it),
 * each id once. Returns 0, or -1: errno ENOMEM, or EINVAL with the item that
 * is not a job id (a number up to INT64_MAX; a range is none) in *bad, *badlen
 * bytes of list. */
int job_ids_add(const char *list, long long **ids, size_t *n, size_t *cap,
		const char **bad, size_t *badlen);

/* The filter options of a command, as parsed. */
struct filter_args {
	struct job_filter f;
	long long *ids;		/* owned storage behind f.ids */
	size_t cap;
	const char *start_text;	/* -S as given, for messages */
	const char *end_text;
};

/* The short and long options handled by filter_option(). */
#define FILTER_SHORTOPTS "j:u:A:t:S:E:M:"
#define FILTER_LONGOPTS \
	{ "jobs", required_argument, NULL, 'j' }, \
	{ "user", required_argument, NULL, 'u' }, \
	{ "account", required_argument, NULL, 'A' }, \
	{ "project", required_argument, NULL, 'A' }, \
	{ "tag", required_argument, NULL, 't' }, \
	{ "starttime", required_argument, NULL, 'S' }, \
	{ "endtime", required_argument, NULL, 'E' }, \
	{ "cluster", required_argument, NULL, 'M' }

void filter_init(struct filter_args *a);
void filter_free(struct filter_args *a);

/* Take option c (one of FILTER_SHORTOPTS) with its argument. Returns 1 when
 * c is a filter option and was taken, 0 when c is not one, -1 after printing
 * what is wrong and what to type instead. */
int filter_option(struct filter_args *a, int c, const char *arg);

/* Whether any filter is set. */
bool filter_any(const struct filter_args *a);

#endif

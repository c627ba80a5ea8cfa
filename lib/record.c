/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Step record helpers: label validation, step names, UTC timestamps. */
#include "record.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Step ids Slurm reserves (slurm.h); repeated here so lib/ needs no Slurm. */
#define STEP_ID_PENDING 0xfffffffdu
#define STEP_ID_EXTERN 0xfffffffcu
#define STEP_ID_BATCH 0xfffffffbu
#define STEP_ID_INTERACTIVE 0xfffffffau

bool label_is_valid(const char *s, const char **why)
{
	size_t n = strlen(s);
	const char *reason = NULL;

	if (n == 0)
		reason = "it is empty";
	else if (n > RECORD_LABEL_MAX)
		reason = "it is longer than 64 characters";
	else if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			   "0123456789._:+/-") != n)
		reason = "it may only hold letters, digits and . _ : + / -";
	if (why)
		*why = reason;
	return reason == NULL;
}

const char *step_id_name(uint32_t step_id, char *buf, size_t n)
{
	switch (step_id) {
	case STEP_ID_BATCH:
		snprintf(buf, n, "batch");
		break;
	case STEP_ID_EXTERN:
		snprintf(buf, n, "extern");
		break;
	case STEP_ID_INTERACTIVE:
		snprintf(buf, n, "interactive");
		break;
	case STEP_ID_PENDING:
		snprintf(buf, n, "pending");
		break;
	default:
		snprintf(buf, n, "%u", step_id);
	}
	return buf;
}

/* Times outside ±1e15 s (NaN, infinity, PostgreSQL's 'infinity') have no
 * calendar date worth printing, and converting them to time_t is undefined. */
static bool printable_time(double t)
{
	return t > -1e15 && t < 1e15;
}

const char *utc_iso8601(double t, char *buf, size_t n)
{
	time_t secs = printable_time(t) ? (time_t)t : 0;
	struct tm tm;

	if (!printable_time(t) || !gmtime_r(&secs, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "?");
	return buf;
}

const char *utc_timestamp_us(double t, char *buf, size_t n)
{
	time_t secs = printable_time(t) ? (time_t)t : 0;
	long usec = printable_time(t) ? (long)((t - (double)secs) * 1e6 + 0.5) : 0;
	struct tm tm;
	char date[32];

	if (usec >= 1000000) {
		secs++;
		usec -= 1000000;
	}
	if (!printable_time(t) || !gmtime_r(&secs, &tm) ||
	    !strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, n, "?");
	else
		snprintf(buf, n, "%s.%06ld+00", date, usec);
	return buf;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Step record helpers: label validation, step names, exit statuses, hour
 * buckets. */
#include "record.h"

#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* 2: a signal, 1: a non-zero exit, 0: exit 0. */
static int exit_rank(int status)
{
	if (WIFSIGNALED(status))
		return 2;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

bool exit_status_worse(int b, int a)
{
	return exit_rank(b) > exit_rank(a);
}

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

void record_note(struct step_record *r, const char *text)
{
	size_t len = strlen(r->notes);

	if (strstr(r->notes, text))
		return;
	snprintf(r->notes + len, sizeof(r->notes) - len, "%s%s", len ? "; " : "", text);
}

/* The bucket for the hour starting at hour: the last one, or a new one. */
static struct hour_bucket *hour_slot(struct step_record *r, int64_t hour)
{
	struct hour_bucket *b;

	if (r->n_hours > 0 && r->hours[r->n_hours - 1].hour >= hour)
		return &r->hours[r->n_hours - 1];	/* same hour, or clock went back */
	if (r->n_hours == RECORD_MAX_HOURS) {
		record_note(r, "hours past the 744th are in the last hour's bucket");
		return &r->hours[r->n_hours - 1];
	}
	b = &r->hours[r->n_hours++];
	memset(b, 0, sizeof(*b));
	b->hour = hour;
	return b;
}

void record_add_hours(struct step_record *r, double t0, double t1,
		      const double j[DOMAIN_COUNT])
{
	double span = t1 - t0, from = t0;
	int d;

	if (!(span > 0.0)) {	/* an instant (or NaN): all of it in t0's hour */
		struct hour_bucket *b = hour_slot(r, (int64_t)floor(t0 / 3600.0) * 3600);

		for (d = 0; d < DOMAIN_COUNT; d++)
			b->j[d] += j[d];
		return;
	}
	while (from < t1) {
		int64_t hour = (int64_t)floor(from / 3600.0) * 3600;
		double to = (double)(hour + 3600) < t1 ? (double)(hour + 3600) : t1;
		struct hour_bucket *b = hour_slot(r, hour);

		for (d = 0; d < DOMAIN_COUNT; d++)
			b->j[d] += j[d] * (to - from) / span;
		if (to <= from)
			break;	/* no progress: t0 too large to step through */
		from = to;
	}
}

int record_hours_json(const struct step_record *r, char *buf, size_t n)
{
	size_t len = 0;
	uint32_t h;
	int w;

	w = snprintf(buf, n, "[");
	if (w < 0 || (size_t)w >= n)
		return -1;
	len = (size_t)w;
	for (h = 0; h < r->n_hours; h++) {
		const struct hour_bucket *b = &r->hours[h];
		char when[32];

		w = snprintf(buf + len, n - len,
			     "%s{\"hour\":\"%s\",\"cpu_j\":%.6f,\"dram_j\":%.6f,\"gpu_j\":%.6f,\"other_j\":%.6f}",
			     h ? "," : "", utc_iso8601((double)b->hour, when, sizeof(when)),
			     b->j[DOMAIN_CPU], b->j[DOMAIN_DRAM], b->j[DOMAIN_GPU],
			     b->j[DOMAIN_OTHER]);
		if (w < 0 || (size_t)w >= n - len)
			return -1;
		len += (size_t)w;
	}
	w = snprintf(buf + len, n - len, "]");
	if (w < 0 || (size_t)w >= n - len)
		return -1;
	return (int)(len + (size_t)w);
}

bool record_text_is_safe(const char *s, size_t max, enum record_text_kind kind,
			 const char **why)
{
	static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				    "0123456789";
	const char *reason = NULL;
	size_t n = strnlen(s, max + 1), i;

	if (n == 0) {
		reason = "it is empty";
	} else if (n > max) {
		reason = "it is too long";
	} else {
		switch (kind) {
		case RECORD_TEXT_NAME:
			if (!strchr(alnum, s[0]) && s[0] != '_')
				reason = "it must start with a letter, a digit or _";
			for (i = 0; !reason && i < n; i++)
				if (!strchr(alnum, s[i]) && !strchr("._@-", s[i]))
					reason = "it may only hold letters, digits and . _ @ -";
			break;
		case RECORD_TEXT_LABEL:
			label_is_valid(s, &reason);
			break;
		case RECORD_TEXT_GPU_LIST:
			for (i = 0; !reason && i < n; i++)
				if (!strchr(alnum, s[i]) && !strchr(",-/:", s[i]))
					reason = "it may only hold letters, digits and , - / :";
			break;
		default:
			reason = "unknown kind of text";
		}
	}
	if (why)
		*why = reason;
	return reason == NULL;
}

char *record_text_printable(char *s)
{
	char *p;

	for (p = s; *p; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '\\')
			*p = '?';
	return s;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sacct's lines of ended jobs (see sacct.h). */
#include "sacct.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "record.h"
#include "utctime.h"

#define SACCT_FIELD_COUNT 5

/* Slurm's job state names (slurm.h job_states, as job_state_string()
 * spells them) that sacct -X prints, and what reports call them;
 * JOB_STATE_COUNT: valid, but not an end state reports name. */
static const struct {
	const char *slurm;
	enum job_state state;
} slurm_states[] = {
	{ "COMPLETED", JOB_COMPLETED },
	{ "FAILED", JOB_FAILED },
	{ "CANCELLED", JOB_CANCELLED },
	{ "TIMEOUT", JOB_TIMEOUT },
	{ "OUT_OF_MEMORY", JOB_OUT_OF_MEMORY },
	{ "NODE_FAIL", JOB_NODE_FAIL },
	{ "PREEMPTED", JOB_PREEMPTED },
	{ "PENDING", JOB_STATE_COUNT },
	{ "RUNNING", JOB_STATE_COUNT },
	{ "SUSPENDED", JOB_STATE_COUNT },
	{ "COMPLETING", JOB_STATE_COUNT },
	{ "CONFIGURING", JOB_STATE_COUNT },
	{ "REQUEUED", JOB_STATE_COUNT },
	{ "REQUEUE_FED", JOB_STATE_COUNT },
	{ "REQUEUE_HOLD", JOB_STATE_COUNT },
	{ "RESIZING", JOB_STATE_COUNT },
	{ "RESV_DEL_HOLD", JOB_STATE_COUNT },
	{ "REVOKED", JOB_STATE_COUNT },
	{ "SIGNALING", JOB_STATE_COUNT },
	{ "SPECIAL_EXIT", JOB_STATE_COUNT },
	{ "STAGE_OUT", JOB_STATE_COUNT },
	{ "STOPPED", JOB_STATE_COUNT },
	{ "BOOT_FAIL", JOB_STATE_COUNT },
	{ "DEADLINE", JOB_STATE_COUNT },
};

/* A whole number of 1 to max_digits decimal digits in [s, s + n), without
 * sign or space, no greater than max. */
static bool decimal(const char *s, size_t n, size_t max_digits, unsigned long long max,
		    unsigned long long *v)
{
	unsigned long long x = 0;
	size_t i;

	if (n == 0 || n > max_digits)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (unsigned long long)(s[i] - '0');
	}
	if (x > max)
		return false;
	*v = x;
	return true;
}

/* "STATE" or "CANCELLED by UID": the state, JOB_STATE_COUNT for one that
 * reports do not name; false for anything else. */
static bool parse_state(const char *s, size_t n, enum job_state *state)
{
	unsigned long long uid;
	size_t i, len;

	if (n > 13 && !strncmp(s, "CANCELLED by ", 13)) {
		if (!decimal(s + 13, n - 13, 10, 4294967295ULL, &uid))
			return false;
		*state = JOB_CANCELLED;
		return true;
	}
	for (i = 0; i < sizeof(slurm_states) / sizeof(slurm_states[0]); i++) {
		len = strlen(slurm_states[i].slurm);
		if (len == n && !strncmp(s, slurm_states[i].slurm, n)) {
			*state = slurm_states[i].state;
			return true;
		}
	}
	return false;
}

/* "YYYY-MM-DDTHH:MM:SS" in UTC. */
static bool parse_start(const char *s, size_t n, double *t)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	char utc[sizeof(shape) + 1];
	size_t i;

	if (n != sizeof(shape) - 1)
		return false;
	for (i = 0; i < n; i++) {
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return false;
	}
	memcpy(utc, s, n);
	utc[n] = 'Z';
	utc[n + 1] = '\0';
	return utc_parse_iso8601(utc, 0, t, NULL, 0) == 0 && *t >= 0.0;
}

enum sacct_line_result sacct_parse_line(const char *line, struct sacct_row *row,
					const char **why)
{
	const char *field[SACCT_FIELD_COUNT], *p = line, *bar;
	size_t len[SACCT_FIELD_COUNT], k;
	unsigned long long v, code, sig;
	const char *colon, *name_why = NULL;
	bool skip = false;

	memset(row, 0, sizeof(*row));
	for (k = 0; k < SACCT_FIELD_COUNT; k++) {
		bar = strchr(p, '|');
		if ((bar == NULL) != (k == SACCT_FIELD_COUNT - 1)) {
			*why = "not five fields separated by '|' (" SACCT_FIELDS ")";
			return SACCT_LINE_BAD;
		}
		field[k] = p;
		len[k] = bar ? (size_t)(bar - p) : strlen(p);
		p = bar ? bar + 1 : p + len[k];
	}

	if (!decimal(field[0], len[0], 10, 4294967294ULL, &v) || v == 0) {
		*why = "JobIDRaw is not a job id (1 to 4294967294)";
		return SACCT_LINE_BAD;
	}
	row->job_id = (uint32_t)v;

	if (len[1] >= sizeof(row->cluster)) {
		*why = "Cluster is too long";
		return SACCT_LINE_BAD;
	}
	memcpy(row->cluster, field[1], len[1]);
	row->cluster[len[1]] = '\0';
	if (!record_text_is_safe(row->cluster, sizeof(row->cluster) - 1, RECORD_TEXT_NAME,
				 &name_why)) {
		*why = "Cluster is not a cluster name";
		return SACCT_LINE_BAD;
	}

	if (!parse_state(field[3], len[3], &row->state)) {
		*why = "State is not a Slurm job state";
		return SACCT_LINE_BAD;
	}
	if (row->state == JOB_STATE_COUNT)
		skip = true;

	colon = memchr(field[4], ':', len[4]);
	if (!colon || !decimal(field[4], (size_t)(colon - field[4]), 3, 255, &code) ||
	    !decimal(colon + 1, len[4] - (size_t)(colon - field[4]) - 1, 3, 255, &sig)) {
		*why = "ExitCode is not CODE:SIGNAL (each 0 to 255)";
		return SACCT_LINE_BAD;
	}
	row->exit_code = (int)code;
	row->exit_signal = (int)sig;

	if ((len[2] == 7 && !strncmp(field[2], "Unknown", 7)) ||
	    (len[2] == 4 && !strncmp(field[2], "None", 4))) {
		skip = true;	/* never started: no instance */
	} else if (!parse_start(field[2], len[2], &row->start_s)) {
		*why = "Start is not a time YYYY-MM-DDTHH:MM:SS";
		return SACCT_LINE_BAD;
	}
	return skip ? SACCT_LINE_SKIP : SACCT_LINE_OK;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One step's energy on one node: what the plugin writes and the reporter reads. */
#ifndef CARBON_RECORD_H
#define CARBON_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "energy.h"

#define RECORD_LABEL_MAX 64	/* tag and project: DESIGN §3.2 */

struct step_record {
	char cluster[128];
	uint32_t job_id;
	char step[16];		/* "batch", "extern", "interactive" or a number */
	char node[128];
	uint32_t uid;
	char user[64];
	char account[128];
	char project[RECORD_LABEL_MAX + 1];
	char tag[RECORD_LABEL_MAX + 1];
	double start_s;		/* UTC, seconds since the epoch, µs resolution */
	double end_s;
	double energy_j[DOMAIN_COUNT];
	uint32_t samples;
	char method[64];	/* e.g. "rapl", "none" */
	bool partial;		/* a checkpoint of a step still running */
};

/* Is s a valid --carbon-tag / --carbon-project value: 1 to 64 characters of
 * [A-Za-z0-9._:+/-]? When not, and why is non-NULL, *why says what is wrong. */
bool label_is_valid(const char *s, const char **why);

/* Slurm's name for a step id: "batch", "extern", "interactive", "pending" or
 * the decimal number. Writes into buf (size n) and returns it. */
const char *step_id_name(uint32_t step_id, char *buf, size_t n);

/* The n-th host name (from 0) of a Slurm hostlist expression such as
 * "c[1-3,7],gpu[01-02],login" into out. Returns 0, or -1 when n is out of
 * range or the expression is not understood (two bracket groups in one
 * name, a range that runs backwards, a name that does not fit in out). */
int hostlist_nth(const char *list, unsigned n, char *out, size_t outlen);

/* Format t (seconds since the epoch) as "2026-11-27T10:00:00Z" into buf. */
const char *utc_iso8601(double t, char *buf, size_t n);

/* Format t as PostgreSQL timestamptz input with microseconds,
 * "2026-11-27 10:00:00.123456+00", into buf (at least 32 bytes). */
const char *utc_timestamp_us(double t, char *buf, size_t n);

#endif

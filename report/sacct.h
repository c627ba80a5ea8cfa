/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Slurm's own account of how jobs ended: the lines of
 *   sacct -X -n -P -D --noconvert -o JobIDRaw,Cluster,Start,State,ExitCode
 * run with TZ=UTC (so Start is UTC) and SLURM_TIME_FORMAT=standard, read
 * for `carbon-report db sync-states` (sql/016 carbon.job_state). */
#ifndef CARBON_SACCT_H
#define CARBON_SACCT_H

#include <stdint.h>

#include "jobset.h"

/* sacct's -o list, in the order sacct_parse_line() reads it. */
#define SACCT_FIELDS "JobIDRaw,Cluster,Start,State,ExitCode"

/* One job instance as sacct gives it. */
struct sacct_row {
	uint32_t job_id;
	char cluster[128];
	double start_s;		/* the job's StartTime, seconds since the epoch:
				 * with cluster and job_id, the instance (sql/014) */
	enum job_state state;
	int exit_code;		/* 0..255 */
	int exit_signal;	/* 0..255 */
};

enum sacct_line_result {
	SACCT_LINE_OK,		/* *row holds an ended job instance */
	SACCT_LINE_SKIP,	/* a valid line of a job that has not ended
				 * (PENDING, RUNNING, REQUEUED, ...), never
				 * started (Start "Unknown" or "None"), or
				 * ended in a state reports do not name
				 * (BOOT_FAIL, DEADLINE, ...) */
	SACCT_LINE_BAD,		/* not such a line: *why says which field */
};

/* Parse one line (without its newline; NUL-terminated) of that sacct
 * output, every field checked where it enters: JobIDRaw a job id of 1 to
 * 4294967294 in decimal; Cluster a name (record_text_is_safe(),
 * RECORD_TEXT_NAME); Start "YYYY-MM-DDTHH:MM:SS" (UTC); State one of
 * Slurm's job state names, "CANCELLED by UID" read as CANCELLED; ExitCode
 * "CODE:SIGNAL", each 0 to 255. Exactly five fields. *why (when the
 * result is SACCT_LINE_BAD) is a static string that never quotes the
 * line. Never allocates. */
enum sacct_line_result sacct_parse_line(const char *line, struct sacct_row *row,
					const char **why);

#endif

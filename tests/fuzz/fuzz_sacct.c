/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: sacct_parse_line() on any bytes. A line taken gives a
 * row within its rules, which written back as sacct would write it parses
 * to the same row; a line refused says why. */
#define _GNU_SOURCE
#include "sacct.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "record.h"

static void check(int ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_sacct: invariant broken: %s\n", what);
	abort();
}

static const char *slurm_name(enum job_state s)
{
	switch (s) {
	case JOB_COMPLETED: return "COMPLETED";
	case JOB_FAILED: return "FAILED";
	case JOB_CANCELLED: return "CANCELLED";
	case JOB_TIMEOUT: return "TIMEOUT";
	case JOB_OUT_OF_MEMORY: return "OUT_OF_MEMORY";
	case JOB_NODE_FAIL: return "NODE_FAIL";
	case JOB_PREEMPTED: return "PREEMPTED";
	default: return NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy, so ASan sees any read past the terminator. */
	char *line = malloc(size + 1), again[512], start[32];
	struct sacct_row row, back;
	const char *why = NULL, *name;
	enum sacct_line_result r;
	time_t t;
	struct tm tm;

	if (!line)
		abort();
	memcpy(line, data, size);
	line[size] = '\0';
	r = sacct_parse_line(line, &row, &why);
	check(r == SACCT_LINE_OK || r == SACCT_LINE_SKIP || r == SACCT_LINE_BAD, "a result");
	if (r == SACCT_LINE_BAD)
		check(why && why[0], "a refused line says why");
	if (r == SACCT_LINE_OK) {
		check(row.job_id >= 1 && row.job_id <= 4294967294u, "a job id");
		check(record_text_is_safe(row.cluster, sizeof(row.cluster) - 1, RECORD_TEXT_NAME,
					  NULL), "a cluster name");
		check(row.exit_code >= 0 && row.exit_code <= 255 && row.exit_signal >= 0 &&
		      row.exit_signal <= 255, "exit code and signal 0 to 255");
		name = slurm_name(row.state);
		check(name != NULL, "a state reports name");
		check(row.start_s >= 0 && row.start_s == (double)(time_t)row.start_s,
		      "a start in whole seconds");
		t = (time_t)row.start_s;
		check(gmtime_r(&t, &tm) != NULL, "a start gmtime can give");
		strftime(start, sizeof(start), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(again, sizeof(again), "%u|%s|%s|%s|%d:%d", (unsigned)row.job_id,
			 row.cluster, start, name, row.exit_code, row.exit_signal);
		check(sacct_parse_line(again, &back, &why) == SACCT_LINE_OK, "written back, taken");
		check(back.job_id == row.job_id && !strcmp(back.cluster, row.cluster) &&
		      back.start_s == row.start_s && back.state == row.state &&
		      back.exit_code == row.exit_code && back.exit_signal == row.exit_signal,
		      "written back, the same row");
	}
	free(line);
	return 0;
}

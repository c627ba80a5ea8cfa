/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lines of `sacct -X -n -P -o JobIDRaw,Cluster,Start,State,ExitCode`:
 * what is taken, what is skipped, and what is refused (and why). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sacct.h"

static void test_lines(void **state)
{
	static const struct {
		const char *line;
		enum sacct_line_result result;
		uint32_t job_id;
		const char *cluster;
		double start_s;
		enum job_state state;
		int code, sig;
		const char *why;	/* a word of *why, for SACCT_LINE_BAD */
	} cases[] = {
		{ "1|carbontest|2026-12-03T12:51:47|OUT_OF_MEMORY|0:125", SACCT_LINE_OK,
		  1, "carbontest", 1796302307, JOB_OUT_OF_MEMORY, 0, 125, NULL },
		{ "2|carbontest|2026-12-03T12:51:52|TIMEOUT|0:0", SACCT_LINE_OK,
		  2, "carbontest", 1796302312, JOB_TIMEOUT, 0, 0, NULL },
		{ "4294967294|hpc1|1970-01-01T00:00:00|COMPLETED|0:0", SACCT_LINE_OK,
		  4294967294u, "hpc1", 0, JOB_COMPLETED, 0, 0, NULL },
		{ "77|hpc1|2026-11-27T10:00:00|FAILED|2:0", SACCT_LINE_OK,
		  77, "hpc1", 1795773600, JOB_FAILED, 2, 0, NULL },
		{ "77|hpc1|2026-11-27T10:00:00|CANCELLED by 1001|0:15", SACCT_LINE_OK,
		  77, "hpc1", 1795773600, JOB_CANCELLED, 0, 15, NULL },
		{ "77|hpc1|2026-11-27T10:00:00|CANCELLED|0:15", SACCT_LINE_OK,
		  77, "hpc1", 1795773600, JOB_CANCELLED, 0, 15, NULL },
		{ "78|hpc1|2026-11-27T10:00:00|NODE_FAIL|1:0", SACCT_LINE_OK,
		  78, "hpc1", 1795773600, JOB_NODE_FAIL, 1, 0, NULL },
		{ "79|hpc1|2026-11-27T10:00:00|PREEMPTED|0:0", SACCT_LINE_OK,
		  79, "hpc1", 1795773600, JOB_PREEMPTED, 0, 0, NULL },
		{ "80|hpc1|2026-11-27T10:00:00|FAILED|255:255", SACCT_LINE_OK,
		  80, "hpc1", 1795773600, JOB_FAILED, 255, 255, NULL },
		/* not ended, never started, or a state reports do not name */
		{ .line = "81|hpc1|2026-11-27T10:00:00|RUNNING|0:0", .result = SACCT_LINE_SKIP },
		{ .line = "82|hpc1|Unknown|PENDING|0:0", .result = SACCT_LINE_SKIP },
		{ .line = "83|hpc1|None|CANCELLED by 0|0:0", .result = SACCT_LINE_SKIP },
		{ .line = "84|hpc1|2026-11-27T10:00:00|REQUEUED|0:0", .result = SACCT_LINE_SKIP },
		{ .line = "85|hpc1|2026-11-27T10:00:00|BOOT_FAIL|0:0", .result = SACCT_LINE_SKIP },
		{ .line = "86|hpc1|2026-11-27T10:00:00|DEADLINE|0:0", .result = SACCT_LINE_SKIP },
		/* refused, every field where it enters */
		{ .line = "", .result = SACCT_LINE_BAD, .why = "five fields" },
		{ .line = "1|hpc1|2026-11-27T10:00:00|COMPLETED", .result = SACCT_LINE_BAD, .why = "five fields" },
		{ .line = "1|hpc1|2026-11-27T10:00:00|COMPLETED|0:0|", .result = SACCT_LINE_BAD, .why = "five fields" },
		{ .line = "1|hpc1|2026-11-27T10:00:00|COMPLETED|0:0|x", .result = SACCT_LINE_BAD, .why = "five fields" },
		{ .line = "0|hpc1|2026-11-27T10:00:00|COMPLETED|0:0", .result = SACCT_LINE_BAD, .why = "JobIDRaw" },
		{ .line = "4294967295|hpc1|2026-11-27T10:00:00|COMPLETED|0:0", .result = SACCT_LINE_BAD, .why = "JobIDRaw" },
		{ .line = "99999999999|hpc1|2026-11-27T10:00:00|COMPLETED|0:0", .result = SACCT_LINE_BAD, .why = "JobIDRaw" },
		{ .line = "12_3|hpc1|2026-11-27T10:00:00|COMPLETED|0:0", .result = SACCT_LINE_BAD, .why = "JobIDRaw" },
		{ .line = "12.batch|hpc1|2026-11-27T10:00:00|COMPLETED|0:0", .result = SACCT_LINE_BAD, .why = "JobIDRaw" },
		{ .line = "+12|hpc1|2026-11-27T10:00:00|COMPLETED|0:0", .result = SACCT_LINE_BAD, .why = "JobIDRaw" },
		{ .line = "|hpc1|2026-11-27T10:00:00|COMPLETED|0:0", .result = SACCT_LINE_BAD, .why = "JobIDRaw" },
		{ .line = "1||2026-11-27T10:00:00|COMPLETED|0:0", .result = SACCT_LINE_BAD, .why = "Cluster" },
		{ .line = "1|../x|2026-11-27T10:00:00|COMPLETED|0:0", .result = SACCT_LINE_BAD, .why = "Cluster" },
		{ .line = "1|a b|2026-11-27T10:00:00|COMPLETED|0:0", .result = SACCT_LINE_BAD, .why = "Cluster" },
		{ .line = "1|-x|2026-11-27T10:00:00|COMPLETED|0:0", .result = SACCT_LINE_BAD, .why = "Cluster" },
		{ .line = "1|hpc1|2026-11-27 10:00:00|COMPLETED|0:0", .result = SACCT_LINE_BAD, .why = "Start" },
		{ .line = "1|hpc1|2026-11-27T10:00|COMPLETED|0:0", .result = SACCT_LINE_BAD, .why = "Start" },
		{ .line = "1|hpc1|2026-11-27T10:00:00Z|COMPLETED|0:0", .result = SACCT_LINE_BAD, .why = "Start" },
		{ .line = "1|hpc1|now|COMPLETED|0:0", .result = SACCT_LINE_BAD, .why = "Start" },
		{ .line = "1|hpc1|2026-11-27T10:00:00|completed|0:0", .result = SACCT_LINE_BAD, .why = "State" },
		{ .line = "1|hpc1|2026-11-27T10:00:00|COMPLETED+|0:0", .result = SACCT_LINE_BAD, .why = "State" },
		{ .line = "1|hpc1|2026-11-27T10:00:00|CANCELLED by |0:0", .result = SACCT_LINE_BAD, .why = "State" },
		{ .line = "1|hpc1|2026-11-27T10:00:00|CANCELLED by x|0:0", .result = SACCT_LINE_BAD, .why = "State" },
		{ .line = "1|hpc1|2026-11-27T10:00:00||0:0", .result = SACCT_LINE_BAD, .why = "State" },
		{ .line = "1|hpc1|2026-11-27T10:00:00|COMPLETED|0", .result = SACCT_LINE_BAD, .why = "ExitCode" },
		{ .line = "1|hpc1|2026-11-27T10:00:00|COMPLETED|256:0", .result = SACCT_LINE_BAD, .why = "ExitCode" },
		{ .line = "1|hpc1|2026-11-27T10:00:00|COMPLETED|0:-1", .result = SACCT_LINE_BAD, .why = "ExitCode" },
		{ .line = "1|hpc1|2026-11-27T10:00:00|COMPLETED|:0", .result = SACCT_LINE_BAD, .why = "ExitCode" },
		{ .line = "1|hpc1|2026-11-27T10:00:00|COMPLETED|0:0:0", .result = SACCT_LINE_BAD, .why = "ExitCode" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sacct_row row;
		const char *why = NULL;
		enum sacct_line_result got = sacct_parse_line(cases[i].line, &row, &why);

		if (got != cases[i].result)
			fail_msg("line '%s': result %d, expected %d (%s)", cases[i].line, (int)got,
				 (int)cases[i].result, why ? why : "");
		if (got == SACCT_LINE_BAD) {
			assert_non_null(why);
			if (!strstr(why, cases[i].why))
				fail_msg("line '%s': why '%s' does not name %s", cases[i].line, why,
					 cases[i].why);
			continue;
		}
		if (got != SACCT_LINE_OK)
			continue;
		assert_int_equal(row.job_id, cases[i].job_id);
		assert_string_equal(row.cluster, cases[i].cluster);
		if (row.start_s != cases[i].start_s)
			fail_msg("line '%s': start %.0f, expected %.0f", cases[i].line, row.start_s,
				 cases[i].start_s);
		assert_int_equal(row.state, cases[i].state);
		assert_int_equal(row.exit_code, cases[i].code);
		assert_int_equal(row.exit_signal, cases[i].sig);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

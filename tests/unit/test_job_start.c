/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The note of a job's start in the spool directory (plugin/job_start.c):
 * what is written reads back; a note that is not a plain file of this
 * user, not a plausible time, or older than the node's boot is not
 * believed; outside slurmstepd (no slurm_load_job) the start is unknown,
 * with a reason, and nothing is noted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "job_start.h"

static char dir[] = "/tmp/test_job_start.XXXXXX";

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_note_round_trip(void **state)
{
	double t = 0.0;

	(void)state;
	assert_false(job_start_note_read(dir, 7, &t));
	assert_true(job_start_note_write(dir, 7, 1796300399.0));
	assert_true(job_start_note_read(dir, 7, &t));
	assert_true(t == 1796300399.0);
	assert_false(job_start_note_read(dir, 8, &t));	/* another job */
	job_start_forget(7, dir);
	assert_false(job_start_note_read(dir, 7, &t));
}

static void test_note_refused(void **state)
{
	char path[256], link_to[256];
	struct timeval old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	double t = 0.0;

	(void)state;
	put(".job.9.start", "12\n");			/* 1970 */
	assert_false(job_start_note_read(dir, 9, &t));
	put(".job.9.start", "1796300399 junk\n");
	assert_false(job_start_note_read(dir, 9, &t));
	put(".job.9.start", "99999999999\n");		/* beyond 2200 */
	assert_false(job_start_note_read(dir, 9, &t));
	put(".job.9.start", "1796300399\n");
	assert_true(job_start_note_read(dir, 9, &t));
	/* Older than the node's boot: a job's note that a crash left. */
	snprintf(path, sizeof(path), "%s/.job.9.start", dir);
	assert_int_equal(utimes(path, old), 0);
	assert_false(job_start_note_read(dir, 9, &t));
	/* A link is not followed. */
	unlink(path);
	put("elsewhere", "1796300399\n");
	snprintf(link_to, sizeof(link_to), "%s/elsewhere", dir);
	assert_int_equal(symlink(link_to, path), 0);
	assert_false(job_start_note_read(dir, 9, &t));
	unlink(path);
	unlink(link_to);
}

/* No slurmstepd here: no slurm_load_job to ask. */
static void test_unknown_outside_slurmstepd(void **state)
{
	char why[256];
	double t;

	(void)state;
	t = job_start_get(11, dir, 1.0, why, sizeof(why));
	assert_true(t == 0.0);
	assert_non_null(strstr(why, "slurm_load_job"));
	assert_false(job_start_note_read(dir, 11, &t));
	/* A note of an earlier step is taken without asking. */
	assert_true(job_start_note_write(dir, 11, 1796300400.0));
	assert_true(job_start_get(11, dir, 1.0, why, sizeof(why)) == 1796300400.0);
	job_start_forget(11, dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_note_round_trip),
		cmocka_unit_test(test_note_refused),
		cmocka_unit_test(test_unknown_outside_slurmstepd),
	};
	int rc;

	if (!mkdtemp(dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}

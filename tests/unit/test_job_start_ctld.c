/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The job start asked of slurmctld (plugin/job_start.c), against a stand-in
 * for the slurmstepd's API: this program exports slurm_load_job and its
 * friends (linked with --export-dynamic) as slurmstepd does, so that the
 * plugin's dlsym(RTLD_DEFAULT) finds them. The stand-in answers, fails,
 * gives no start (a job still pending), or does not answer at all (a
 * slurmctld that is down or stopped): the step waits at most its timeout,
 * and only an answer is noted. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <slurm/slurm.h>

#include "job_start.h"

static char dir[] = "/tmp/test_job_start_ctld.XXXXXX";

/* What the stand-in slurmctld does. */
static enum { CTLD_ANSWER, CTLD_ERROR, CTLD_NO_START, CTLD_HANG } ctld;
static time_t ctld_start = 1796300400;
static volatile int ctld_calls, ctld_frees;
static volatile int ctld_errno;

/* Declared by slurm.h; defined here as slurmstepd defines them (the name in
 * parentheses: 26.05's slurm.h also has a slurm_load_job macro). 26.05
 * takes the job as a step id by value, with no step and no SLUID. */
#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(26, 5, 0)
int (slurm_load_job)(job_info_msg_t **resp, slurm_step_id_t step_id, uint16_t show_flags)
{
	uint32_t job_id = step_id.job_id;
	job_info_msg_t *msg;

	assert_true(step_id.sluid == 0);
	assert_int_equal(step_id.step_id, NO_VAL);
	assert_int_equal(step_id.step_het_comp, NO_VAL);
#else
int (slurm_load_job)(job_info_msg_t **resp, uint32_t job_id, uint16_t show_flags)
{
	job_info_msg_t *msg;

#endif
	(void)show_flags;
	ctld_calls++;
	*resp = NULL;
	switch (ctld) {
	case CTLD_HANG:
		sleep(1);	/* longer than the test's timeout */
		ctld_errno = ETIMEDOUT;
		return -1;
	case CTLD_ERROR:
		ctld_errno = ECONNREFUSED;
		return -1;
	case CTLD_ANSWER:
	case CTLD_NO_START:
		break;
	}
	msg = calloc(1, sizeof(*msg));
	assert_non_null(msg);
	msg->record_count = 1;
	msg->job_array = calloc(1, sizeof(*msg->job_array));
	assert_non_null(msg->job_array);
	msg->job_array[0].job_id = job_id;
	msg->job_array[0].start_time = ctld == CTLD_ANSWER ? ctld_start : 0;
	*resp = msg;
	return 0;
}

void slurm_free_job_info_msg(job_info_msg_t *msg)
{
	ctld_frees++;
	if (msg)
		free(msg->job_array);
	free(msg);
}

int slurm_get_errno(void)
{
	return ctld_errno;
}

char *slurm_strerror(int errnum)
{
	return strerror(errnum);
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* slurmctld answers: the start is returned and noted; the job's next step
 * takes the note without asking again. */
static void test_answer_noted(void **state)
{
	char why[256];
	double t;
	int calls;

	(void)state;
	ctld = CTLD_ANSWER;
	calls = ctld_calls;
	t = job_start_get(21, dir, 2.0, why, sizeof(why));
	assert_true(t == (double)ctld_start);
	assert_int_equal(ctld_calls, calls + 1);
	assert_true(job_start_note_read(dir, 21, &t));
	assert_true(t == (double)ctld_start);
	assert_true(job_start_get(21, dir, 2.0, why, sizeof(why)) == (double)ctld_start);
	assert_int_equal(ctld_calls, calls + 1);
	job_start_forget(21, dir);
	assert_false(job_start_note_read(dir, 21, &t));
}

/* slurmctld refuses or gives a job with no start: unknown, with
 * slurmctld's reason, and nothing noted. */
static void test_error_and_no_start(void **state)
{
	char why[256];
	double t;

	(void)state;
	ctld = CTLD_ERROR;
	assert_true(job_start_get(22, dir, 2.0, why, sizeof(why)) == 0.0);
	assert_non_null(strstr(why, "slurmctld: "));
	assert_non_null(strstr(why, strerror(ECONNREFUSED)));
	assert_false(job_start_note_read(dir, 22, &t));

	ctld = CTLD_NO_START;
	assert_true(job_start_get(23, dir, 2.0, why, sizeof(why)) == 0.0);
	assert_non_null(strstr(why, "no start time"));
	assert_false(job_start_note_read(dir, 23, &t));
}

/* slurmctld does not answer: the step goes on after its timeout, not after
 * slurmctld's, and the late answer (here a failure) is dropped safely. */
static void test_no_answer(void **state)
{
	char why[256];
	double t0, waited, t;
	int frees;

	(void)state;
	ctld = CTLD_HANG;
	frees = ctld_frees;
	t0 = seconds();
	assert_true(job_start_get(24, dir, 0.2, why, sizeof(why)) == 0.0);
	waited = seconds() - t0;
	assert_true(waited >= 0.15);
	assert_true(waited < 0.9);	/* the stand-in answers after 1 s */
	assert_non_null(strstr(why, "did not answer"));
	assert_false(job_start_note_read(dir, 24, &t));
	/* The lookup's thread ends on its own once the stand-in returns. */
	sleep(2);
	assert_int_equal(ctld_frees, frees);
	assert_false(job_start_note_read(dir, 24, &t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_noted),
		cmocka_unit_test(test_error_and_no_start),
		cmocka_unit_test(test_no_answer),
	};
	int rc;

	if (!mkdtemp(dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}

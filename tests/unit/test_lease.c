/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Leases: one holder at a time, handover with the time charged up to, the
 * jobs present on a node and their weights. Other holders are children. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "lease.h"

static char dir[256];

/* In a child: take name and report 1 (held) or 0 on the pipe; keep it until
 * the parent closes its end. */
static pid_t holder(const char *name, double until, unsigned cpus, int *done_fd)
{
	int up[2], down[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct lease l = LEASE_INIT;
		char err[256];
		int rc = lease_try(&l, dir, name, err, sizeof(err));

		if (rc == 1)
			lease_write(&l, until, cpus);
		c = (char)('0' + rc);
		(void)!write(up[1], &c, 1);
		(void)!read(down[0], &c, 1);	/* until the parent says */
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	assert_int_equal(read(up[0], &c, 1), 1);
	close(up[0]);
	assert_int_equal(c, '1');
	*done_fd = down[1];
	return pid;
}

static void release_child(pid_t pid, int done_fd)
{
	int status;

	/* A byte, not EOF: later children hold copies of this pipe's end. */
	assert_int_equal(write(done_fd, "x", 1), 1);
	close(done_fd);
	waitpid(pid, &status, 0);
}

static void test_one_holder_and_handover(void **state)
{
	struct lease a = LEASE_INIT;
	double until;
	unsigned cpus;
	char err[256];
	int fd;
	pid_t pid;

	(void)state;
	pid = holder("n1.job.7", 1000.5, 3, &fd);
	/* Held elsewhere: not ours. */
	assert_int_equal(lease_try(&a, dir, "n1.job.7", err, sizeof(err)), 0);
	assert_false(lease_held(&a));
	/* The holder ends (its flock goes with it): ours, from where it stopped. */
	release_child(pid, fd);
	assert_int_equal(lease_try(&a, dir, "n1.job.7", err, sizeof(err)), 1);
	assert_int_equal(lease_read(&a, &until, &cpus), 0);
	assert_true(until == 1000.5);
	assert_int_equal(cpus, 3);
	assert_int_equal(lease_try(&a, dir, "n1.job.7", err, sizeof(err)), 1);	/* still */
	lease_release(&a);
}

static void test_jobs_present(void **state)
{
	struct lease own = LEASE_INIT;
	double total;
	unsigned jobs;
	char err[256];
	int fd1, fd2, fd3;
	pid_t p1, p2, p3;

	(void)state;
	p1 = holder("n1.job.11", 5.0, 2, &fd1);
	p3 = holder("n2.job.14", 5.0, 8, &fd3);	/* another node's */
	p2 = holder("n1.job.12.gpu.GPU-1", 5.0, 0, &fd2);	/* not a job lease */
	assert_int_equal(lease_try(&own, dir, "n1.job.13", err, sizeof(err)), 1);
	lease_write(&own, 5.0, 1);
	assert_int_equal(lease_jobs_present(dir, "n1", 2000, 2010, &total, &jobs), 0);
	assert_int_equal(jobs, 2);	/* job.11 and ours; job.7's file is free */
	assert_true(total == 3);
	release_child(p1, fd1);
	release_child(p2, fd2);
	release_child(p3, fd3);
	assert_int_equal(lease_jobs_present(dir, "n1", 2000, 2010, &total, &jobs), 0);
	assert_int_equal(jobs, 1);
	assert_true(total == 1);
	/* job.11 left at 5.0, half way through 4..6: its 2 CPUs count half;
	 * job.7 charged up to 1000.5, past the interval: whole. */
	assert_int_equal(lease_jobs_present(dir, "n1", 4, 6, &total, &jobs), 0);
	assert_int_equal(jobs, 3);
	assert_true(fabs(total - (1 + 1 + 3)) < 1e-9);
	lease_release(&own);
}

static void test_bad_dir(void **state)
{
	struct lease l = LEASE_INIT;
	char path[300], err[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/open", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(lease_try(&l, path, "n1.job.1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "chmod 0700"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_holder_and_handover),
		cmocka_unit_test(test_jobs_present),
		cmocka_unit_test(test_bad_dir),
	};
	char tmpl[] = "/tmp/test_lease.XXXXXX", cmd[300];
	int rc;

	if (!mkdtemp(tmpl))
		return 1;
	snprintf(dir, sizeof(dir), "%s/lease", tmpl);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpl);
	return rc;
}

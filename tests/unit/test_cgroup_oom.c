/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A step's OOM kills from fake cgroup v1 and v2 trees in the kernel's layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cgroup_oom.h"

static char root[256];

static int make_root(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(root, sizeof(root), "%s/test_cgroup_oom.XXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(root) ? 0 : -1;
}

static int remove_root(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write text into root/rel, making its directories. */
static void put(const char *rel, const char *text)
{
	char path[600], *p;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* cgroup_oom_kills on the job directory job_dir (v1 "uid_<uid>/job_<id>",
 * v2 "job_<id>" or 26.05's SLUID) under prefix. */
static long long kills(enum cputime_source hier, const char *prefix, const char *job_dir,
		       const char *step)
{
	struct cputime_cgroup cg = { .hier = hier };

	snprintf(cg.prefix, sizeof(cg.prefix), "%s", prefix);
	snprintf(cg.job_dir, sizeof(cg.job_dir), "%s", job_dir);
	return cgroup_oom_kills(root, &cg, step);
}

static void test_kill_line(void **state)
{
	static const struct {
		const char *text;
		long long expected;
	} cases[] = {
		{ "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", 3 },
		{ "low 0\nhigh 0\nmax 7\noom 2\noom_kill 1\noom_group_kill 0\n", 1 },
		{ "oom_kill 0", 0 },
		/* a kernel before 4.13: no such line */
		{ "oom_kill_disable 0\nunder_oom 0\n", -1 },
		{ "oom_kill_disable 0\n", -1 },
		{ "", -1 },
		{ "oom_kill \n", -1 },
		{ "oom_kill -1\n", -1 },
		{ "oom_kill 12x\n", -1 },
		{ "oom_kill 99999999999999999999999\n", -1 },
		{ "xoom_kill 4\n", -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(cgroup_oom_kill_line(cases[i].text), cases[i].expected);
}

/* v1 counts a kill in the victim's own cgroup only: the step's and its
 * tasks' counters add up; other steps' and the job's do not count. */
static void test_v1_sums_the_step_and_its_tasks(void **state)
{
	(void)state;
	put("memory/slurm_n1/uid_1001/job_7/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 5\n");
	put("memory/slurm_n1/uid_1001/job_7/step_batch/memory.oom_control", "under_oom 0\noom_kill 0\n");
	put("memory/slurm_n1/uid_1001/job_7/step_batch/task_0/memory.oom_control", "under_oom 0\noom_kill 2\n");
	put("memory/slurm_n1/uid_1001/job_7/step_batch/task_1/memory.oom_control", "under_oom 0\noom_kill 1\n");
	put("memory/slurm_n1/uid_1001/job_7/step_0/task_0/memory.oom_control", "oom_kill 9\n");
	put("memory/slurm_n1/uid_1001/job_7/step_0/memory.oom_control", "oom_kill 0\n");
	put("memory/slurm_n1/uid_1001/job_7/step_1/memory.oom_control", "oom_kill_disable 0\n");
	assert_int_equal(kills(CPUTIME_CGROUP_V1, "/slurm_n1", "uid_1001/job_7", "batch"), 3);
	assert_int_equal(kills(CPUTIME_CGROUP_V1, "/slurm_n1", "uid_1001/job_7", "0"), 9);
	/* no oom_kill line (an old kernel), no such step, user or job */
	assert_int_equal(kills(CPUTIME_CGROUP_V1, "/slurm_n1", "uid_1001/job_7", "1"), -1);
	assert_int_equal(kills(CPUTIME_CGROUP_V1, "/slurm_n1", "uid_1001/job_7", "2"), -1);
	assert_int_equal(kills(CPUTIME_CGROUP_V1, "/slurm_n1", "uid_1002/job_7", "batch"), -1);
	assert_int_equal(kills(CPUTIME_CGROUP_V1, "/slurm", "uid_1001/job_7", "batch"), -1);
	/* a step name that is not a plain name is never a path */
	assert_int_equal(kills(CPUTIME_CGROUP_V1, "/slurm_n1", "uid_1001/job_7", "../step_0"), -1);
	assert_int_equal(kills(CPUTIME_CGROUP_V1, "/slurm_n1", "uid_1001/job_7", ""), -1);
	assert_int_equal(kills(CPUTIME_PROC, "/slurm_n1", "uid_1001/job_7", "batch"), -1);
}

/* v2's memory.events counts the subtree: the step's own file. */
static void test_v2_reads_the_step(void **state)
{
	(void)state;
	put("system.slice/slurmstepd.scope/job_8/memory.events", "oom 1\noom_kill 4\n");
	put("system.slice/slurmstepd.scope/job_8/step_batch/memory.events",
	    "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n");
	put("system.slice/slurmstepd.scope/job_8/step_batch/user/task_0/memory.events", "oom_kill 1\n");
	put("system.slice/slurmstepd.scope/job_8/step_0/memory.events", "low 0\n");
	assert_int_equal(kills(CPUTIME_CGROUP_V2, "/system.slice/slurmstepd.scope", "job_8", "batch"), 1);
	assert_int_equal(kills(CPUTIME_CGROUP_V2, "/system.slice/slurmstepd.scope", "job_8", "0"), -1);
	assert_int_equal(kills(CPUTIME_CGROUP_V2, "/system.slice/slurmstepd.scope", "job_8", "extern"), -1);
}

/* 26.05 names the job's directory by its SLUID (CgroupJobIdPaths=yes keeps
 * job_<id>); the step's cgroup below it is as before. */
static void test_v2_sluid_job_directory(void **state)
{
	(void)state;
	put("system.slice/slurmstepd.scope/sEKNKTV3WPV500/step_batch/memory.events",
	    "oom 2\noom_kill 2\n");
	put("system.slice/slurmstepd.scope/job_9/step_batch/memory.events", "oom_kill 6\n");
	assert_int_equal(kills(CPUTIME_CGROUP_V2, "/system.slice/slurmstepd.scope",
			       "sEKNKTV3WPV500", "batch"), 2);
	assert_int_equal(kills(CPUTIME_CGROUP_V2, "/system.slice/slurmstepd.scope", "job_9",
			       "batch"), 6);
	/* another job's SLUID, no job directory, one that leaves the prefix */
	assert_int_equal(kills(CPUTIME_CGROUP_V2, "/system.slice/slurmstepd.scope",
			       "sEKNKTV3WPV501", "batch"), -1);
	assert_int_equal(kills(CPUTIME_CGROUP_V2, "/system.slice/slurmstepd.scope", "",
			       "batch"), -1);
	assert_int_equal(kills(CPUTIME_CGROUP_V2, "/system.slice/slurmstepd.scope",
			       "../slurmstepd.scope/job_9", "batch"), -1);
	assert_int_equal(kills(CPUTIME_CGROUP_V2, "/system.slice", "/slurmstepd.scope/job_9",
			       "batch"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_line),
		cmocka_unit_test(test_v1_sums_the_step_and_its_tasks),
		cmocka_unit_test(test_v2_reads_the_step),
		cmocka_unit_test(test_v2_sluid_job_directory),
	};

	return cmocka_run_group_tests(tests, make_root, remove_root);
}

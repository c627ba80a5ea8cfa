/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Step, job, Slurm and node CPU time from fake cgroup v1/v2 and /proc trees. */
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

#include "cputime.h"

#define STEPD 4000
#define JOB 1
#define UID 1001

static char tmpdir[256];
static char cg_root[300], proc_root[300];

static int make_tmpdir(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_cputime.XXXXXX",
		 base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(cg_root, sizeof(cg_root), "%s/cgroup", tmpdir);
	snprintf(proc_root, sizeof(proc_root), "%s/proc", tmpdir);
	return 0;
}

static int remove_tmpdir(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* mkdir -p tmpdir/rel, for rel naming a directory. */
static void make_dirs(const char *rel)
{
	char path[600], *p;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	for (p = path + strlen(tmpdir) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
}

/* Write tmpdir/rel (its directories made as needed), truncating it in place
 * so that a descriptor already open on it sees the new text. */
__attribute__((format(printf, 2, 3)))
static void put(const char *rel, const char *fmt, ...)
{
	char path[600], dir[600], *slash;
	va_list ap;
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		make_dirs(dir);
	}
	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	fp = fopen(path, "w");
	if (!fp)
		fail_msg("%s: %s", path, strerror(errno));
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	fclose(fp);
}

/* put of text into tmpdir/dir/rel. */
static void put_in(const char *dir, const char *rel, const char *text)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	put(path, "%s", text);
}

/* A /proc/<pid>/stat line (proc(5)) with the fields cputime reads. */
static void put_pid(int pid, const char *comm, int ppid, unsigned utime,
		    unsigned stime, unsigned cutime, unsigned cstime)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "proc/%d/stat", pid);
	put(rel, "%d (%s) S %d %d %d 0 -1 4194560 120 0 0 0 %u %u %u %u 20 0 1 0 "
	    "1234 10000000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3\n",
	    pid, comm, ppid, pid, pid, utime, stime, cutime, cstime);
}

/* The process exited and was reaped: its /proc entry goes. */
static void drop_pid(int pid)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%d/stat", proc_root, pid);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/%d", proc_root, pid);
	assert_int_equal(rmdir(path), 0);
}

/* /proc/stat: 150 busy ticks (user 100, system 40, irq 4, softirq 6), plus
 * steal 7 that is not counted; cpus online: 0, 1 and 3. */
static void put_proc_stat(void)
{
	put("proc/stat",
	    "cpu  100 0 40 1000 3 4 6 7 0 0\n"
	    "cpu0 50 0 20 500 1 2 3 3 0 0\n"
	    "cpu1 50 0 20 500 2 2 3 4 0 0\n"
	    "cpu3 0 0 0 0 0 0 0 0 0 0\n"
	    "intr 12345 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"
	    " 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"
	    " 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"
	    " 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"
	    " 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 cpu9 0 0\n"
	    "ctxt 99\n");
}

static uint64_t ticks_ns(uint64_t ticks)
{
	return ticks * 1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK);
}

/* slurmstepd with no child yet: its own threads' time must never count. */
static void put_stepd(const char *cgroup)
{
	put("proc/4000/cgroup", "%s", cgroup);
	put_pid(STEPD, "slurmstepd", 1, 500, 500, 0, 0);
	put_proc_stat();
}

static const char v1_cgroup[] =
	"7:devices:/slurm_vm/uid_1001/job_1/step_0\n"
	"6:freezer:/slurm_vm/uid_1001/job_1\n"
	"5:net_cls,net_prio:/\n"
	"4:memory:/\n"
	"3:cpuset:/\n"
	"2:cpuacct:/\n"
	"1:cpu:/\n"
	"0::/system.slice/slurmd.service\n";

static void test_v1_cpuacct(void **state)
{
	struct cputime_scope s;
	struct cputime_sample c;

	(void)state;
	put_stepd(v1_cgroup);
	put("cgroup/cpuacct/slurm_vm/cpuacct.usage", "9000000000\n");
	put("cgroup/cpuacct/slurm_vm/uid_1001/job_1/cpuacct.usage", "5000000000\n");
	put("cgroup/cpuacct/slurm_vm/uid_1001/job_1/step_0/cpuacct.usage", "3000000000\n");
	put("cgroup/cpuacct/slurm_vm/uid_1001/job_1/step_0/task_0/cpuacct.usage",
	    "3000000000\n");
	assert_int_equal(cputime_open(&s, cg_root, proc_root, STEPD, JOB, UID, "0", NULL), 0);
	assert_int_equal(s.cg.hier, CPUTIME_CGROUP_V1);
	assert_string_equal(s.cg.prefix, "/slurm_vm");

	assert_int_equal(cputime_read(&s, &c), 0);
	assert_int_equal(c.source, CPUTIME_CGROUP_V1);
	assert_true(c.have_step && c.have_job && c.have_all && c.have_node);
	assert_int_equal(c.step_ns, 3000000000ull);
	assert_int_equal(c.job_ns, 5000000000ull);
	assert_int_equal(c.all_ns, 9000000000ull);
	assert_int_equal(c.node_ns, ticks_ns(150));

	/* The same descriptors read the counters again. */
	put("cgroup/cpuacct/slurm_vm/uid_1001/job_1/step_0/cpuacct.usage", "3500000000\n");
	put("cgroup/cpuacct/slurm_vm/cpuacct.usage", "12000000000\n");
	assert_int_equal(cputime_read(&s, &c), 0);
	assert_int_equal(c.step_ns, 3500000000ull);
	assert_int_equal(c.all_ns, 12000000000ull);
	cputime_close(&s);
}

/* cpu and cpuacct co-mounted, the single-slurmd prefix, the batch step. */
static void test_v1_cpu_cpuacct(void **state)
{
	struct cputime_scope s;
	struct cputime_sample c;

	(void)state;
	put_stepd("4:freezer:/slurm/uid_1001/job_1\n"
		  "3:cpu,cpuacct:/\n");
	put("cgroup/cpu,cpuacct/slurm/cpuacct.usage", "70\n");
	put("cgroup/cpu,cpuacct/slurm/uid_1001/job_1/cpuacct.usage", "50\n");
	put("cgroup/cpu,cpuacct/slurm/uid_1001/job_1/step_batch/cpuacct.usage", "20\n");
	put("cgroup/cpu,cpuacct/slurm/uid_1001/job_1/step_0/cpuacct.usage", "30\n");
	assert_int_equal(cputime_open(&s, cg_root, proc_root, STEPD, JOB, UID, "batch", NULL), 0);
	assert_string_equal(s.cg.prefix, "/slurm");
	assert_int_equal(cputime_read(&s, &c), 0);
	assert_int_equal(c.source, CPUTIME_CGROUP_V1);
	assert_int_equal(c.step_ns, 20);
	assert_int_equal(c.job_ns, 50);
	assert_int_equal(c.all_ns, 70);
	cputime_close(&s);
}

/* Which lines of /proc/<stepd>/cgroup give the hierarchy and the prefix. */
static void test_prefix_detection(void **state)
{
	static const struct {
		const char *cgroup;	/* NULL: no cgroup file at all */
		enum cputime_source hier;
		const char *prefix;
	} cases[] = {
		{ "6:freezer:/slurm/uid_1001/job_1\n", CPUTIME_CGROUP_V1, "/slurm" },
		{ "6:freezer:/slurm_vm/uid_1001/job_1/step_0\n", CPUTIME_CGROUP_V1,
		  "/slurm_vm" },
		{ "6:freezer:/site/slurm_n01/uid_1001/job_1\n", CPUTIME_CGROUP_V1,
		  "/site/slurm_n01" },
		/* freezer wins over another controller that names the job */
		{ "7:memory:/other/uid_1001/job_1\n6:freezer:/slurm_vm/uid_1001/job_1\n",
		  CPUTIME_CGROUP_V1, "/slurm_vm" },
		/* no freezer (proctrack/linuxproc): any v1 line naming the job */
		{ "6:freezer:/\n4:memory:/slurm/uid_1001/job_1/step_0/task_0\n",
		  CPUTIME_CGROUP_V1, "/slurm" },
		/* job_12 and another user's job_1 are not ours */
		{ "6:freezer:/slurm/uid_1001/job_12\n", CPUTIME_PROC, "" },
		{ "6:freezer:/slurm/uid_1002/job_1\n", CPUTIME_PROC, "" },
		{ "0::/system.slice/slurmstepd.scope/job_1/step_0/slurm\n",
		  CPUTIME_CGROUP_V2, "/system.slice/slurmstepd.scope" },
		{ "0::/system.slice/vm_slurmstepd.scope/job_1/step_batch/slurm\n",
		  CPUTIME_CGROUP_V2, "/system.slice/vm_slurmstepd.scope" },
		{ "0::/system.slice/slurmstepd.scope/job_10/step_0/slurm\n", CPUTIME_PROC, "" },
		/* hybrid: the v1 line, not systemd's unified one */
		{ v1_cgroup, CPUTIME_CGROUP_V1, "/slurm_vm" },
		{ "0::/system.slice/slurmd.service\n", CPUTIME_PROC, "" },
		{ "4:freezer:/\n2:cpuacct:/\n", CPUTIME_PROC, "" },
		{ "garbage\n::\n", CPUTIME_PROC, "" },
		{ "", CPUTIME_PROC, "" },
		{ NULL, CPUTIME_PROC, "" },
	};
	size_t i;

	(void)state;
	put_stepd("");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cputime_scope s;
		char path[600];

		snprintf(path, sizeof(path), "%s/4000/cgroup", proc_root);
		if (cases[i].cgroup)
			put("proc/4000/cgroup", "%s", cases[i].cgroup);
		else
			unlink(path);
		assert_int_equal(cputime_open(&s, cg_root, proc_root, STEPD, JOB, UID, "0", NULL), 0);
		if (s.cg.hier != cases[i].hier || strcmp(s.cg.prefix, cases[i].prefix) != 0)
			fail_msg("case %zu: hier %s prefix \"%s\", want %s \"%s\"", i,
				 cputime_source_name(s.cg.hier), s.cg.prefix,
				 cputime_source_name(cases[i].hier), cases[i].prefix);
		cputime_close(&s);
	}
}

/* The step tree of test_proc_fallback, in ticks: what it must count. */
static uint64_t put_step_tree(void)
{
	put_pid(STEPD, "slurmstepd", 1, 500, 500, 30, 10);	/* reaped: 40 */
	put_pid(4001, "bash", STEPD, 10, 5, 0, 0);		/* 15 */
	put_pid(4005, "a (b) c)", 4001, 4, 3, 2, 1);		/* 10, odd name */
	put_pid(3990, "wrapped", 4005, 2, 0, 0, 0);		/* 2, pid wrapped */
	put_pid(4002, "sshd", 1, 100, 100, 0, 0);		/* someone else's */
	put_pid(4010, "bash", 4002, 50, 0, 0, 0);
	put_pid(4003, "kworker/0:1", 2, 9, 9, 0, 0);		/* kernel thread */
	make_dirs("proc/self");
	return 40 + 15 + 10 + 2;
}

/* jobacct_gather/none and task/none: a freezer cgroup, nothing to read. */
static void test_v1_without_cpuacct(void **state)
{
	struct cputime_scope s;
	struct cputime_sample c;
	uint64_t want;

	(void)state;
	put_stepd(v1_cgroup);
	want = put_step_tree();
	assert_int_equal(cputime_open(&s, cg_root, proc_root, STEPD, JOB, UID, "0", NULL), 0);
	assert_int_equal(s.cg.hier, CPUTIME_CGROUP_V1);
	assert_int_equal(cputime_read(&s, &c), 0);
	assert_int_equal(c.source, CPUTIME_PROC);
	assert_int_equal(c.step_ns, ticks_ns(want));
	assert_false(c.have_job);
	assert_false(c.have_all);
	assert_true(c.have_node);
	cputime_close(&s);
}

static void test_proc_fallback(void **state)
{
	struct cputime_scope s;
	struct cputime_sample c;
	uint64_t want;

	(void)state;
	put_stepd("4:freezer:/\n2:cpuacct:/\n");
	want = put_step_tree();
	assert_int_equal(cputime_open(&s, cg_root, proc_root, STEPD, JOB, UID, "0", NULL), 0);
	assert_int_equal(s.cg.hier, CPUTIME_PROC);
	assert_int_equal(cputime_read(&s, &c), 0);
	assert_int_equal(c.source, CPUTIME_PROC);
	assert_true(c.have_step && c.have_node);
	assert_false(c.have_job || c.have_all);
	assert_int_equal(c.step_ns, ticks_ns(want));
	assert_int_equal(c.job_ns, c.step_ns);
	assert_int_equal(c.node_ns, ticks_ns(150));

	/* 4001 reaps 4005: its 10 ticks move to 4001's cutime and still
	 * count. 3990, orphaned, leaves the tree with its 2 ticks: the step's
	 * time seems to drop, yet is never reported lower than before. */
	put_pid(4001, "bash", STEPD, 10, 5, 10, 0);
	drop_pid(4005);
	put_pid(3990, "wrapped", 1, 2, 0, 0, 0);
	assert_int_equal(cputime_read(&s, &c), 0);
	assert_int_equal(c.step_ns, ticks_ns(want));

	/* 4001 runs 4 more ticks, exits and is reaped by slurmstepd: its own
	 * 19 and its reaped 10 move to slurmstepd's cutime. */
	put_pid(STEPD, "slurmstepd", 1, 500, 500, 30 + 19 + 10, 10);
	drop_pid(4001);
	assert_int_equal(cputime_read(&s, &c), 0);
	assert_int_equal(c.step_ns, ticks_ns(40 + 29));
	cputime_close(&s);
}

/* The step's cgroup appears once its tasks start, after cputime_open: until
 * then, with Slurm's cgroup there, the step has used nothing. */
static void test_step_cgroup_appears(void **state)
{
	struct cputime_scope s;
	struct cputime_sample c;

	(void)state;
	put_stepd(v1_cgroup);
	put_pid(4001, "sleep", STEPD, 2, 0, 0, 0);
	put("cgroup/cpuacct/slurm_vm/cpuacct.usage", "900000000\n");
	assert_int_equal(cputime_open(&s, cg_root, proc_root, STEPD, JOB, UID, "0", NULL), 0);

	/* Slurm's cgroup is there, the step's and job's not yet: they have
	 * used nothing so far (slurmstepd itself is never in them). */
	assert_int_equal(cputime_read(&s, &c), 0);
	assert_int_equal(c.source, CPUTIME_CGROUP_V1);
	assert_int_equal(c.step_ns, 0);
	assert_true(c.have_all);
	assert_true(c.have_job);
	assert_int_equal(c.job_ns, 0);

	/* Now there: counted from their own counters. */
	put("cgroup/cpuacct/slurm_vm/uid_1001/job_1/cpuacct.usage", "1000\n");
	put("cgroup/cpuacct/slurm_vm/uid_1001/job_1/step_0/cpuacct.usage", "1000\n");
	assert_int_equal(cputime_read(&s, &c), 0);
	assert_int_equal(c.source, CPUTIME_CGROUP_V1);
	assert_int_equal(c.step_ns, 1000);
	assert_true(c.have_job);
	assert_int_equal(c.job_ns, 1000);

	put("cgroup/cpuacct/slurm_vm/uid_1001/job_1/step_0/cpuacct.usage", "800000000\n");
	assert_int_equal(cputime_read(&s, &c), 0);
	assert_int_equal(c.step_ns, 800000000ull);
	cputime_close(&s);
}

static void test_v2(void **state)
{
	struct cputime_scope s;
	struct cputime_sample c;
	const char *scope = "cgroup/system.slice/slurmstepd.scope";

	(void)state;
	put_stepd("0::/system.slice/slurmstepd.scope/job_1/step_extern/slurm\n");
	put_in(scope, "cpu.stat", "usage_usec 9000\nuser_usec 8000\nsystem_usec 1000\n");
	put_in(scope, "job_1/cpu.stat", "usage_usec 5000\nuser_usec 4000\nsystem_usec 1000\n");
	put_in(scope, "job_1/step_extern/cpu.stat", "usage_usec 3500\nuser_usec 3000\nsystem_usec 500\n");
	put_in(scope, "job_1/step_extern/slurm/cpu.stat",
	       "usage_usec 500\nuser_usec 400\nsystem_usec 100\n");
	put_in(scope, "job_1/step_extern/user/cpu.stat",
	       "usage_usec 3000\nuser_usec 2600\nsystem_usec 400\n"
	       "nr_periods 0\nnr_throttled 0\nthrottled_usec 0\n");
	assert_int_equal(cputime_open(&s, cg_root, proc_root, STEPD, JOB, UID, "extern", NULL), 0);
	assert_int_equal(s.cg.hier, CPUTIME_CGROUP_V2);
	assert_int_equal(cputime_read(&s, &c), 0);
	assert_int_equal(c.source, CPUTIME_CGROUP_V2);
	assert_int_equal(c.step_ns, 3000000);
	assert_int_equal(c.job_ns, 5000000);
	assert_int_equal(c.all_ns, 9000000);
	assert_int_equal(c.node_ns, ticks_ns(150));
	cputime_close(&s);
}

/* The cgroup v2 layouts of Slurm's cgroup/v2 plugin, from each release's
 * src/plugins/cgroup/v2/cgroup_v2.c, as slurmstepd's own /proc/<pid>/cgroup
 * shows them: <slice>/[<node>_]slurmstepd.scope/<job>/step_<name>/slurm. */
static const struct {
	const char *layout;	/* which release and configuration */
	const char *cgroup;	/* slurmstepd's "0::" line */
	const char *step;
	enum cputime_source hier;
	const char *prefix, *job_dir;
} v2_layouts[] = {
	{ "23.11-25.11", "0::/system.slice/slurmstepd.scope/job_1/step_batch/slurm\n", "batch",
	  CPUTIME_CGROUP_V2, "/system.slice/slurmstepd.scope", "job_1" },
	{ "23.11-25.11 multiple slurmd", "0::/system.slice/n1_slurmstepd.scope/job_1/step_0/slurm\n",
	  "0", CPUTIME_CGROUP_V2, "/system.slice/n1_slurmstepd.scope", "job_1" },
	{ "25.11 CgroupSlice=slurm.slice",
	  "0::/slurm.slice/slurmstepd.scope/job_1/step_extern/slurm\n", "extern",
	  CPUTIME_CGROUP_V2, "/slurm.slice/slurmstepd.scope", "job_1" },
	{ "26.05 SLUID", "0::/system.slice/slurmstepd.scope/sEKNKTV3WPV500/step_batch/slurm\n",
	  "batch", CPUTIME_CGROUP_V2, "/system.slice/slurmstepd.scope", "sEKNKTV3WPV500" },
	{ "26.05 SLUID, interactive step",
	  "0::/system.slice/slurmstepd.scope/s0123456789ABC/step_interactive/slurm\n",
	  "interactive", CPUTIME_CGROUP_V2, "/system.slice/slurmstepd.scope", "s0123456789ABC" },
	{ "26.05 SLUID, multiple slurmd",
	  "0::/system.slice/n1_slurmstepd.scope/sZYXWVTSRQPNMK/step_0/slurm\n", "0",
	  CPUTIME_CGROUP_V2, "/system.slice/n1_slurmstepd.scope", "sZYXWVTSRQPNMK" },
	{ "26.05 CgroupJobIdPaths=yes", "0::/system.slice/slurmstepd.scope/job_1/step_0/slurm\n",
	  "0", CPUTIME_CGROUP_V2, "/system.slice/slurmstepd.scope", "job_1" },
	/* not a job's directory: slurmstepd not in its step yet (the scope's
	 * "system" leaf), a SLUID without a step below, names that are not
	 * SLUIDs (lower case, 12 or 14 digits, I, L, O and U are not in
	 * Crockford's alphabet), another job's id */
	{ "scope leaf", "0::/system.slice/slurmstepd.scope/system\n", "0", CPUTIME_PROC, "", "" },
	{ "SLUID alone", "0::/system.slice/slurmstepd.scope/sEKNKTV3WPV500\n", "0",
	  CPUTIME_PROC, "", "" },
	{ "SLUID, user/", "0::/system.slice/slurmstepd.scope/sEKNKTV3WPV500/user\n", "0",
	  CPUTIME_PROC, "", "" },
	{ "lower case", "0::/system.slice/slurmstepd.scope/seknktv3wpv500/step_0/slurm\n", "0",
	  CPUTIME_PROC, "", "" },
	{ "short", "0::/system.slice/slurmstepd.scope/sEKNKTV3WPV50/step_0/slurm\n", "0",
	  CPUTIME_PROC, "", "" },
	{ "long", "0::/system.slice/slurmstepd.scope/sEKNKTV3WPV5000/step_0/slurm\n", "0",
	  CPUTIME_PROC, "", "" },
	{ "not Crockford", "0::/system.slice/slurmstepd.scope/sEKNKTV3WPVU00/step_0/slurm\n", "0",
	  CPUTIME_PROC, "", "" },
	{ "S", "0::/system.slice/slurmstepd.scope/SEKNKTV3WPV500/step_0/slurm\n", "0",
	  CPUTIME_PROC, "", "" },
	{ "other job", "0::/system.slice/slurmstepd.scope/job_11/step_0/slurm\n", "0",
	  CPUTIME_PROC, "", "" },
};

/* cputime_slurm_cgroup finds each layout's prefix and job directory. */
static void test_v2_layouts_found(void **state)
{
	size_t i;

	(void)state;
	put_stepd("");
	for (i = 0; i < sizeof(v2_layouts) / sizeof(v2_layouts[0]); i++) {
		struct cputime_cgroup cg;

		put("proc/4000/cgroup", "%s", v2_layouts[i].cgroup);
		assert_int_equal(cputime_slurm_cgroup(proc_root, STEPD, JOB, UID, &cg),
				 v2_layouts[i].hier);
		if (cg.hier != v2_layouts[i].hier || strcmp(cg.prefix, v2_layouts[i].prefix) ||
		    strcmp(cg.job_dir, v2_layouts[i].job_dir))
			fail_msg("%s: %s \"%s\" \"%s\", want %s \"%s\" \"%s\"",
				 v2_layouts[i].layout, cputime_source_name(cg.hier), cg.prefix,
				 cg.job_dir, cputime_source_name(v2_layouts[i].hier),
				 v2_layouts[i].prefix, v2_layouts[i].job_dir);
	}
}

/* Every layout's counters are read: the step's user/ cgroup, the job's and
 * the scope's, each in a tree made to that layout. */
static void test_v2_layouts_read(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v2_layouts) / sizeof(v2_layouts[0]); i++) {
		struct cputime_scope s;
		struct cputime_sample c;
		char scope[300], job[330], step[360];

		if (v2_layouts[i].hier == CPUTIME_PROC)
			continue;
		remove_tmpdir(NULL);
		assert_int_equal(make_tmpdir(NULL), 0);
		put_stepd(v2_layouts[i].cgroup);
		snprintf(scope, sizeof(scope), "cgroup%s", v2_layouts[i].prefix);
		snprintf(job, sizeof(job), "%s/%s", scope, v2_layouts[i].job_dir);
		snprintf(step, sizeof(step), "%s/step_%s", job, v2_layouts[i].step);
		put_in(scope, "cpu.stat", "usage_usec 9000\nuser_usec 8000\nsystem_usec 1000\n");
		put_in(job, "cpu.stat", "usage_usec 5000\n");
		put_in(step, "slurm/cpu.stat", "usage_usec 500\n");
		put_in(step, "user/cpu.stat", "usage_usec 3000\nuser_usec 2600\nsystem_usec 400\n");
		assert_int_equal(cputime_open(&s, cg_root, proc_root, STEPD, JOB, UID,
					      v2_layouts[i].step, "n1"), 0);
		assert_int_equal(cputime_read(&s, &c), 0);
		if (c.source != CPUTIME_CGROUP_V2 || c.step_ns != 3000000 || c.job_ns != 5000000 ||
		    c.all_ns != 9000000)
			fail_msg("%s: %s step %llu job %llu all %llu", v2_layouts[i].layout,
				 cputime_source_name(c.source), (unsigned long long)c.step_ns,
				 (unsigned long long)c.job_ns, (unsigned long long)c.all_ns);
		cputime_close(&s);
	}
}

/* 26.05 before slurmstepd joins its step: the scope is there, the job's
 * SLUID directory cannot be told from the others; once slurmstepd is in
 * it, its own cgroup names it. A slurmd that is one of several on the host
 * has its node's scope. */
static void test_v2_sluid_learnt_when_stepd_joins(void **state)
{
	const char *scope = "cgroup/system.slice/n1_slurmstepd.scope";
	struct cputime_scope s;
	struct cputime_sample c;

	(void)state;
	put_stepd("0::/system.slice/n1_slurmstepd.scope/system\n");
	put_in(scope, "cpu.stat", "usage_usec 9000\n");
	/* another job's step, which must never be taken for ours */
	put_in(scope, "sAAAAAAAAAAAAA/step_0/user/cpu.stat", "usage_usec 7777\n");
	put("cgroup/system.slice/slurmstepd.scope/cpu.stat", "usage_usec 1\n");
	assert_int_equal(cputime_open(&s, cg_root, proc_root, STEPD, JOB, UID, "0", "n1"), 0);
	assert_int_equal(s.cg.hier, CPUTIME_CGROUP_V2);
	assert_string_equal(s.cg.prefix, "/system.slice/n1_slurmstepd.scope");
	assert_string_equal(s.cg.job_dir, "");
	assert_int_equal(cputime_read(&s, &c), 0);
	assert_int_equal(c.source, CPUTIME_CGROUP_V2);
	assert_int_equal(c.step_ns, 0);
	assert_int_equal(c.all_ns, 9000000);

	put_in(scope, "sEKNKTV3WPV500/cpu.stat", "usage_usec 2500\n");
	put_in(scope, "sEKNKTV3WPV500/step_0/user/cpu.stat", "usage_usec 2000\n");
	put_in(scope, "cpu.stat", "usage_usec 12000\n");
	put("proc/4000/cgroup", "0::/system.slice/n1_slurmstepd.scope/sEKNKTV3WPV500/step_0/slurm\n");
	assert_int_equal(cputime_read(&s, &c), 0);
	assert_string_equal(s.cg.job_dir, "sEKNKTV3WPV500");
	assert_false(c.rebased);	/* the scope's counter was read all along */
	assert_int_equal(c.step_ns, 2000000);
	assert_int_equal(c.job_ns, 2500000);
	assert_int_equal(c.all_ns, 12000000);
	cputime_close(&s);
}

static void test_nothing_readable(void **state)
{
	struct cputime_scope s;
	struct cputime_sample c;

	(void)state;
	/* No /proc/<stepd> at all: no cgroup, no fallback, no node. */
	assert_int_equal(cputime_open(&s, cg_root, proc_root, STEPD, JOB, UID, "0", NULL), 0);
	assert_int_equal(s.cg.hier, CPUTIME_PROC);
	assert_int_equal(cputime_read(&s, &c), -1);
	assert_false(c.have_step || c.have_job || c.have_all || c.have_node);
	assert_int_equal(c.source, CPUTIME_NONE);
	cputime_close(&s);
}

static void test_bad_step_names(void **state)
{
	static const char *const bad[] = { "", "../0", "0/..", "step 0", "Batch", NULL };
	struct cputime_scope s;
	size_t i;

	(void)state;
	put_stepd(v1_cgroup);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_int_equal(cputime_open(&s, cg_root, proc_root, STEPD, JOB, UID,
					      bad[i], NULL), -1);
		assert_int_equal(errno, EINVAL);
		cputime_close(&s);	/* harmless after a failed open */
	}
}

static void test_node_cpus(void **state)
{
	(void)state;
	assert_int_equal(cputime_node_cpus(proc_root), 0);
	put_proc_stat();
	assert_int_equal(cputime_node_cpus(proc_root), 3);
}

static void test_source_names(void **state)
{
	(void)state;
	assert_string_equal(cputime_source_name(CPUTIME_CGROUP_V1), "cgroup-v1");
	assert_string_equal(cputime_source_name(CPUTIME_CGROUP_V2), "cgroup-v2");
	assert_string_equal(cputime_source_name(CPUTIME_PROC), "proc");
	assert_string_equal(cputime_source_name(CPUTIME_NONE), "none");
}

#define TREE_TEST(f) cmocka_unit_test_setup_teardown(f, make_tmpdir, remove_tmpdir)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TREE_TEST(test_v1_cpuacct),
		TREE_TEST(test_v1_cpu_cpuacct),
		TREE_TEST(test_prefix_detection),
		TREE_TEST(test_v1_without_cpuacct),
		TREE_TEST(test_proc_fallback),
		TREE_TEST(test_step_cgroup_appears),
		TREE_TEST(test_v2),
		TREE_TEST(test_v2_layouts_found),
		TREE_TEST(test_v2_layouts_read),
		TREE_TEST(test_v2_sluid_learnt_when_stepd_joins),
		TREE_TEST(test_nothing_readable),
		TREE_TEST(test_bad_step_names),
		TREE_TEST(test_node_cpus),
		cmocka_unit_test(test_source_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

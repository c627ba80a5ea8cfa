/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The meter on fake trees: the split by CPU time, the job's share charged
 * by one step at a time (and taken over when it ends), idle intervals, and
 * matching the step's GPUs to NVML devices through the test double. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "meter.h"
#include "node_state.h"

static char dir[128];

static void put(const char *rel, const char *fmt, ...)
{
	char path[512], text[128];
	va_list ap;
	FILE *fp;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void mkdirs(const char *rel)
{
	char path[512], *p;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (p = path + strlen(dir) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

#define CG "cgroup/cpuacct/slurm_n1"
#define JOB CG "/uid_1000/job_7"

/* The GPUs open_step gives a step, the NVML it loads, and where the meter's
 * log lines go. */
static const char *step_gpus = "";
static const char *step_nvml;
static meter_log_fn step_log;

/* Counters: package energy (µJ) and CPU times (ns) of all, job, steps. */
static void set_counters(uint64_t pkg_uj, uint64_t all, uint64_t job, uint64_t batch,
			 uint64_t step0)
{
	put("powercap/intel-rapl:0/energy_uj", "%llu\n", (unsigned long long)pkg_uj);
	put(CG "/cpuacct.usage", "%llu\n", (unsigned long long)all);
	put(JOB "/cpuacct.usage", "%llu\n", (unsigned long long)job);
	put(JOB "/step_batch/cpuacct.usage", "%llu\n", (unsigned long long)batch);
	put(JOB "/step_0/cpuacct.usage", "%llu\n", (unsigned long long)step0);
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/test_meter.XXXXXX";

	(void)state;
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(dir, sizeof(dir), "%s", tmpl);
	mkdirs("powercap/intel-rapl:0");
	put("powercap/intel-rapl:0/name", "package-0\n");
	put("powercap/intel-rapl:0/max_energy_range_uj", "262143328850\n");
	put("powercap/intel-rapl:0/constraint_0_max_power_uw", "200000000\n");
	mkdirs(JOB "/step_batch");
	mkdirs(JOB "/step_0");
	mkdirs("proc");
	put("proc/stat", "cpu  1 0 1 100 0 0 0 0 0 0\ncpu0 1 0 1 100 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0 0 0\n");
	set_counters(1000000000, 0, 0, 0, 0);
	step_gpus = "";		/* not what a failed test left */
	step_nvml = NULL;
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void open_step(struct meter *m, struct step_record *r, const char *step,
		      struct carbon_conf *c, double now)
{
	char powercap[300], cgroup[300], proc[300], cpuinfo[300];
	struct meter_setup set = {
		.conf = c, .stepd_pid = 999999, .job_id = 7, .uid = 1000, .step = step,
		.alloc_cpus = 2, .alloc_mem_gb = 1, .gpus = step_gpus,
		.powercap_root = powercap, .cgroup_root = cgroup, .proc_root = proc,
		.cpuinfo = cpuinfo, .nvml_library = step_nvml,
	};

	snprintf(powercap, sizeof(powercap), "%s/powercap", dir);
	snprintf(cgroup, sizeof(cgroup), "%s/cgroup", dir);
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	snprintf(cpuinfo, sizeof(cpuinfo), "%s/proc/cpuinfo", dir);
	memset(r, 0, sizeof(*r));
	r->job_id = 7;
	snprintf(r->step, sizeof(r->step), "%s", step);
	snprintf(r->node, sizeof(r->node), "n1");
	r->start_s = now;
	meter_open(m, &set, r, now, step_log);
}

/* carbon.conf for a node meter of kind: the spool (and the leases) in the
 * test's directory, samples every 10 s, no checkpoints. */
static void node_conf(struct carbon_conf *c, enum node_meter kind)
{
	conf_defaults(c);
	snprintf(c->spool_dir, sizeof(c->spool_dir), "%s/spool", dir);
	snprintf(c->node_pm_counters, sizeof(c->node_pm_counters), "%s/pmc", dir);
	snprintf(c->node_hwmon_root, sizeof(c->node_hwmon_root), "%s/hwmon", dir);
	snprintf(c->node_state_file, sizeof(c->node_state_file), "%s/node_energy", dir);
	c->node_meter = kind;
	c->checkpoint_s = 0;
	c->interval_s = 10;
}

/* A pm_counters tree at its first reading: 5 000 J at 1000 s. */
static void pmc_start(void)
{
	mkdirs("pmc");
	put("pmc/energy", "5000 J 1000000000 us\n");
	put("pmc/freshness", "1\n");
	put("pmc/startup", "17\n");
}

static void test_split_and_handover(void **state)
{
	static struct step_record ra, rb;
	static struct meter a, b;
	struct carbon_conf c;

	(void)state;
	if (geteuid() != 0)
		skip();		/* the spool and lease directories are root's */
	conf_defaults(&c);
	snprintf(c.spool_dir, sizeof(c.spool_dir), "%s/spool", dir);
	c.checkpoint_s = 0;

	/* The batch step starts first: it holds the job's lease. */
	open_step(&a, &ra, "batch", &c, 1000.0);
	open_step(&b, &rb, "0", &c, 1000.0);
	assert_true(lease_held(&a.job_lease));
	assert_false(lease_held(&b.job_lease));

	/* 100 J; all jobs 4 CPU-s, this job 2 (batch 0.5, step 0 1.5). */
	set_counters(1100000000, 4000000000, 2000000000, 500000000, 1500000000);
	meter_sample(&a, 1010.0, false);
	meter_sample(&b, 1010.0, false);
	assert_true(fabs(ra.energy_j[DOMAIN_CPU] - 12.5) < 1e-6);	/* 100 x 1/2 x 1/4 */
	assert_true(fabs(rb.energy_j[DOMAIN_CPU] - 37.5) < 1e-6);	/* 100 x 1/2 x 3/4 */
	assert_true(fabs(ra.job_j[DOMAIN_CPU] - 50.0) < 1e-6);	/* the job's half, once */
	assert_true(rb.job_j[DOMAIN_CPU] == 0.0);
	assert_string_equal(ra.split, "cgroup-v1");
	assert_string_equal(ra.method, "rapl");

	/* Nobody busy: the only job present (2 allocated CPUs) gets it all,
	 * and within the job its holder. */
	set_counters(1140000000, 4000000001, 2000000001, 500000000, 1500000001);
	meter_sample(&a, 1020.0, false);
	meter_sample(&b, 1020.0, false);
	assert_true(fabs(ra.job_j[DOMAIN_CPU] - 90.0) < 1e-6);
	assert_true(fabs(ra.energy_j[DOMAIN_CPU] - 52.5) < 1e-6);
	assert_true(fabs(rb.energy_j[DOMAIN_CPU] - 37.5) < 1e-6);

	/* The batch step ends; step 0 takes the lease over at its next
	 * sample, from where the batch step stopped charging. */
	set_counters(1160000000, 4000000002, 2000000002, 500000000, 1500000002);
	meter_sample(&a, 1025.0, true);
	meter_close(&a);
	assert_true(fabs(ra.job_j[DOMAIN_CPU] - 110.0) < 1e-6);
	set_counters(1200000000, 8000000002, 4000000002, 500000000, 3500000002);
	meter_sample(&b, 1030.0, false);
	assert_true(lease_held(&b.job_lease));
	/* 1020..1030 brought 60 J; the job's share is 1/2 of the node's
	 * CPU time (2 of 4 s), and half of the interval (1020..1025) was
	 * charged already: 60 x 1/2 x 1/2. */
	assert_true(fabs(rb.job_j[DOMAIN_CPU] - 15.0) < 1e-6);
	/* Hour buckets hold what job_j holds. */
	assert_int_equal(ra.n_hours, 1);
	assert_true(fabs(ra.hours[0].j[DOMAIN_CPU] - ra.job_j[DOMAIN_CPU]) < 1e-6);
	meter_close(&b);
}

/* A GPU test double built by make check (tests/fixtures/.libs/SONAME) in
 * buf; false when it is not there. */
static bool fixture_lib(char *buf, size_t n, const char *soname)
{
	const char *top = getenv("top_builddir");

	snprintf(buf, n, "%s/tests/fixtures/.libs/%s", top ? top : ".", soname);
	return access(buf, R_OK) == 0;
}

/* How many times the loaded NVML double (lib) read GPU index's energy
 * counter since its init: its own nvml_double_energy_reads. */
static unsigned double_energy_reads(const char *lib, unsigned index)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_NOLOAD);
	unsigned (*reads)(unsigned);
	unsigned n;

	assert_non_null(h);
	*(void **)&reads = dlsym(h, "nvml_double_energy_reads");
	assert_non_null(reads);
	n = reads(index);
	dlclose(h);
	return n;
}

static void test_match_gpus(void **state)
{
	char lib[512], err[256];
	struct nvml nv;
	unsigned idx[NVML_MAX_GPUS], unknown, n;

	(void)state;
	if (!fixture_lib(lib, sizeof(lib), "libnvidia-ml.so.1"))
		skip();
	setenv("NVML_DOUBLE_GPUS", "counter:300,power:150,mig:100", 1);
	unsetenv("NVML_DOUBLE_FAIL");
	assert_int_equal(nvml_open(&nv, lib, err, sizeof(err)), 3);
	n = meter_match_gpus(&nv, "2,0", idx, NVML_MAX_GPUS, &unknown);
	assert_int_equal(n, 2);
	assert_int_equal(nv.gpu[idx[0]].index, 2);
	assert_int_equal(unknown, 0);
	n = meter_match_gpus(&nv, "0-2,7", idx, NVML_MAX_GPUS, &unknown);
	assert_int_equal(n, 3);
	assert_int_equal(unknown, 1);
	n = meter_match_gpus(&nv, nv.gpu[1].uuid, idx, NVML_MAX_GPUS, &unknown);
	assert_int_equal(n, 1);
	assert_int_equal(idx[0], 1);
	n = meter_match_gpus(&nv, "GPU-nope,0,0", idx, NVML_MAX_GPUS, &unknown);
	assert_int_equal(n, 1);		/* a GPU named twice counts once */
	assert_int_equal(unknown, 1);
	assert_int_equal(meter_match_gpus(&nv, "", idx, NVML_MAX_GPUS, &unknown), 0);
	nvml_close(&nv);
}

/* A pm_counters node meter beside RAPL: other = node - package, split by
 * allocated CPUs; a stale reading waits, and the method names the meter. */
static void test_node_meter(void **state)
{
	static struct step_record r;
	static struct meter m;
	struct carbon_conf c;

	(void)state;
	if (geteuid() != 0)
		skip();		/* the spool and lease directories are root's */
	pmc_start();
	node_conf(&c, NODE_METER_PM_COUNTERS);
	c.psys = true;

	open_step(&m, &r, "extern", &c, 1000.0);
	assert_int_equal(m.node.kind, NODE_METER_PM_COUNTERS);
	assert_non_null(strstr(r.notes, "psys not read"));

	/* 100 J of package, 250 J at the wall: other 150 J, the job's whole
	 * (its lease is the only one: 2 of 2 allocated CPUs). */
	set_counters(1100000000, 4000000000, 2000000000, 0, 0);
	put("pmc/energy", "5250 J 1010000000 us\n");
	put("pmc/freshness", "2\n");
	meter_sample(&m, 1010.0, false);
	assert_true(fabs(r.job_j[DOMAIN_OTHER] - 150.0) < 1e-6);
	assert_string_equal(r.method, "rapl+pm_counters");

	/* The controller stalls: no other, the package's 50 J wait... */
	set_counters(1150000000, 4000000001, 2000000001, 0, 0);
	meter_sample(&m, 1020.0, false);
	assert_true(fabs(r.job_j[DOMAIN_OTHER] - 150.0) < 1e-6);
	assert_non_null(strstr(r.notes, "node meter stale"));
	/* ... and are set against its next reading: 300 - 50 - 60. */
	set_counters(1210000000, 4000000002, 2000000002, 0, 0);
	put("pmc/energy", "5550 J 1030000000 us\n");
	put("pmc/freshness", "3\n");
	meter_sample(&m, 1030.0, false);
	assert_true(fabs(r.job_j[DOMAIN_OTHER] - 340.0) < 1e-6);

	/* A restart of the controller: nothing invented for that reading. */
	set_counters(1310000000, 4000000003, 2000000003, 0, 0);
	put("pmc/energy", "20 J 1040000000 us\n");
	put("pmc/freshness", "1\n");
	put("pmc/startup", "18\n");
	meter_sample(&m, 1040.0, true);
	assert_true(fabs(r.job_j[DOMAIN_OTHER] - 340.0) < 1e-6);
	assert_non_null(strstr(r.notes, "node meter restarted"));
	meter_close(&m);
}

/* pm_counters with accelerator files: its "energy" holds the GPUs, so
 * other = node - package - the accelerators' own counters. */
static void test_node_meter_accels(void **state)
{
	static struct step_record r;
	static struct meter m;
	struct carbon_conf c;
	char lib[512];

	(void)state;
	if (geteuid() != 0)
		skip();		/* the spool and lease directories are root's */
	pmc_start();
	put("pmc/accel0_energy", "1000 J 1000000000 us\n");
	put("pmc/accel1_energy", "500 J 1000000000 us\n");
	node_conf(&c, NODE_METER_PM_COUNTERS);
	step_gpus = "";

	open_step(&m, &r, "extern", &c, 1000.0);
	assert_int_equal(m.node.pmc.n_accel, 2);
	assert_true(m.node.includes_gpus);
	/* 10 s: the node 4 000 J, the accelerators 1 500 + 1 000 J, the
	 * package 100 J: other 1 400 J, the job's whole. */
	set_counters(1100000000, 4000000000, 2000000000, 0, 0);
	put("pmc/energy", "9000 J 1010000000 us\n");
	put("pmc/accel0_energy", "2500 J 1010000000 us\n");
	put("pmc/accel1_energy", "1500 J 1010000000 us\n");
	put("pmc/freshness", "2\n");
	meter_sample(&m, 1010.0, true);
	assert_true(fabs(r.job_j[DOMAIN_OTHER] - 1400.0) < 1e-6);
	assert_string_equal(r.method, "rapl+pm_counters_incl_gpu");
	meter_close(&m);

	/* A step measuring its own GPUs through NVML: their energy is the
	 * step's gpu, and the accelerator files alone are subtracted, not
	 * NVML's readings of the same GPUs a second time. The next 10 s, as
	 * the first: other 1 400 J. */
	if (!fixture_lib(lib, sizeof(lib), "libnvidia-ml.so.1"))
		return;
	setenv("NVML_DOUBLE_GPUS", "counter:300,power:150", 1);
	unsetenv("NVML_DOUBLE_FAIL");
	step_gpus = "0,1";
	step_nvml = lib;
	open_step(&m, &r, "extern", &c, 1010.0);
	assert_int_equal(m.n_gpus, 2);
	assert_int_equal(m.n_node_gpus, 0);
	set_counters(1200000000, 8000000000, 4000000000, 0, 0);
	put("pmc/energy", "13000 J 1020000000 us\n");
	put("pmc/accel0_energy", "4000 J 1020000000 us\n");
	put("pmc/accel1_energy", "2500 J 1020000000 us\n");
	put("pmc/freshness", "3\n");
	meter_sample(&m, 1020.0, true);
	assert_true(fabs(r.job_j[DOMAIN_OTHER] - 1400.0) < 1e-6);
	assert_true(r.job_j[DOMAIN_GPU] > 0);
	assert_string_equal(r.method, "rapl+nvml+nvml_power+pm_counters_incl_gpu");
	meter_close(&m);
}

/* A chassis meter (hwmon here; Redfish and IPMI the same) holds every GPU
 * of the node: each is read by power and subtracted, the step's own and
 * the GPUs it does not hold alike. */
static void test_chassis_meter_gpus(void **state)
{
	static struct step_record r;
	static struct meter m;
	struct carbon_conf c;
	char lib[512];

	(void)state;
	if (geteuid() != 0)
		skip();
	if (!fixture_lib(lib, sizeof(lib), "libnvidia-ml.so.1"))
		skip();
	setenv("NVML_DOUBLE_GPUS", "counter:300,power:150", 1);
	unsetenv("NVML_DOUBLE_FAIL");
	mkdirs("hwmon/hwmon0");
	put("hwmon/hwmon0/name", "power_meter\n");
	put("hwmon/hwmon0/energy1_input", "1000000000\n");	/* µJ */
	node_conf(&c, NODE_METER_HWMON);
	step_gpus = "0";	/* the step holds GPU 0 only */
	step_nvml = lib;

	open_step(&m, &r, "extern", &c, 1000.0);
	assert_int_equal(m.node.kind, NODE_METER_HWMON);
	assert_int_equal(m.n_node_gpus, 2);
	/* The energy counter (milliseconds a reading with a real driver) is
	 * read at the start for the step's own GPU only, once. */
	assert_int_equal(double_energy_reads(lib, 0), 1);
	assert_int_equal(double_energy_reads(lib, 1), 0);
	/* 10 s: the chassis 10 000 J, the package 100 J, the GPUs 300 W and
	 * 150 W, 4 500 J: other 5 400 J. */
	set_counters(1100000000, 4000000000, 2000000000, 0, 0);
	put("hwmon/hwmon0/energy1_input", "11000000000\n");
	meter_sample(&m, 1010.0, true);
	assert_true(fabs(r.job_j[DOMAIN_OTHER] - 5400.0) < 1e-6);
	assert_string_equal(r.method, "rapl+nvml+hwmon_incl_gpu");
	meter_close(&m);

	/* A step that holds no GPU loads NVML for the subtraction alone, and
	 * reads no energy counter, neither at its start nor at a sample. The
	 * next 10 s, as the first: other 5 400 J. */
	step_gpus = "";
	open_step(&m, &r, "extern", &c, 1010.0);
	assert_int_equal(m.n_gpus, 0);
	assert_int_equal(m.n_node_gpus, 2);
	set_counters(1200000000, 8000000000, 4000000000, 0, 0);
	put("hwmon/hwmon0/energy1_input", "21000000000\n");
	meter_sample(&m, 1020.0, true);
	assert_int_equal(double_energy_reads(lib, 0), 0);
	assert_int_equal(double_energy_reads(lib, 1), 0);
	assert_true(fabs(r.job_j[DOMAIN_OTHER] - 5400.0) < 1e-6);
	meter_close(&m);
	step_nvml = NULL;
}

/* carbon-nodemeter's state file: each reading carried to the instant the
 * step reads it by its power, an unchanged one standing for an interval,
 * stale after; the daemon's word for how it read the BMC is the method's. */
static void test_state_file_meter(void **state)
{
	static struct step_record r;
	static struct meter m;
	struct carbon_conf c;
	struct node_state st = { .energy_j = 1000, .time_us = 1000000000, .power_w = 100,
				 .startup_us = 1, .freshness = 1, .interval_s = 10,
				 .meter = "redfish_power", .status = "ok" };
	char err[256];

	(void)state;
	if (geteuid() != 0)
		skip();		/* the state file must be root's */
	node_conf(&c, NODE_METER_REDFISH);
	step_gpus = "";
	if (node_state_write(c.node_state_file, &st, err, sizeof(err)) < 0)
		fail_msg("%s", err);

	/* Read 2 s after the daemon's reading: 200 J on top of it. */
	open_step(&m, &r, "extern", &c, 1002.0);
	assert_int_equal(m.node.kind, NODE_METER_REDFISH);
	/* The next reading, again read 2 s late: the node's 1 000 J from
	 * 1002 to 1012, less the package's 100 J. */
	set_counters(1100000000, 4000000000, 2000000000, 0, 0);
	st.energy_j = 2000;
	st.time_us = 1010000000;
	st.freshness = 2;
	assert_int_equal(node_state_write(c.node_state_file, &st, err, sizeof(err)), 0);
	meter_sample(&m, 1012.0, false);
	assert_true(fabs(r.job_j[DOMAIN_OTHER] - 900.0) < 1e-6);
	assert_null(strstr(r.notes, "node meter"));
	/* The daemon missed a reading: unchanged, and older than an
	 * interval at 1022: stale, nothing guessed. */
	set_counters(1200000000, 4000000001, 2000000001, 0, 0);
	meter_sample(&m, 1022.0, true);
	assert_true(fabs(r.job_j[DOMAIN_OTHER] - 900.0) < 1e-6);
	assert_non_null(strstr(r.notes, "node meter stale"));
	assert_string_equal(r.method, "rapl+redfish_power");
	meter_close(&m);
}

/* Slurm's GPU list against ROCm SMI's devices: indices and GPU- ids. */
static void test_match_rocm_gpus(void **state)
{
	char lib[512], err[256];
	struct rocm r;
	unsigned idx[ROCM_MAX_GPUS], unknown, n;

	(void)state;
	if (!fixture_lib(lib, sizeof(lib), "librocm_smi64.so.1"))
		skip();
	setenv("ROCM_DOUBLE_GPUS", "counter:300,power:150", 1);
	unsetenv("ROCM_DOUBLE_FAIL");
	assert_int_equal(rocm_open(&r, lib, err, sizeof(err)), 2);
	n = meter_match_rocm_gpus(&r, "1,0,5", idx, ROCM_MAX_GPUS, &unknown);
	assert_int_equal(n, 2);
	assert_int_equal(r.gpu[idx[0]].index, 1);
	assert_int_equal(unknown, 1);
	if (r.gpu[1].uuid[0]) {
		n = meter_match_rocm_gpus(&r, r.gpu[1].uuid, idx, ROCM_MAX_GPUS, &unknown);
		assert_int_equal(n, 1);
		assert_int_equal(idx[0], 1);
	}
	rocm_close(&r);
}

/* The hardware a record carries (sql/010): the CPU model of cpuinfo, the
 * job's CPUs, and the step's GPUs with the first one's NVML name; without
 * NVML the count of the GPU list. */
static void test_hardware(void **state)
{
	static struct step_record r;
	static struct meter m;
	struct carbon_conf c;
	char lib[512], missing[600];

	(void)state;
	conf_defaults(&c);
	snprintf(c.spool_dir, sizeof(c.spool_dir), "%s/spool", dir);
	c.checkpoint_s = 0;
	put("proc/cpuinfo", "processor\t: 0\nmodel name\t: Test CPU 9000 @ 2.00GHz\n\n"
	    "processor\t: 1\nmodel name\t: Test CPU 9000 @ 2.00GHz\n");

	open_step(&m, &r, "batch", &c, 1000.0);
	assert_true(r.has_hw);
	assert_string_equal(r.cpu_model, "Test CPU 9000 @ 2.00GHz");
	assert_int_equal(r.alloc_cpus, 2);
	assert_string_equal(r.gpu_model, "");
	assert_int_equal(r.gpus, 0);
	meter_close(&m);

	/* A GPU list but no NVML: the list's entries, models unknown. */
	snprintf(missing, sizeof(missing), "%s/no-such-libnvidia-ml.so.1", dir);
	step_gpus = "0-2,5";
	step_nvml = missing;
	open_step(&m, &r, "0", &c, 1000.0);
	assert_int_equal(r.gpus, 4);
	assert_string_equal(r.gpu_model, "");
	meter_close(&m);

	/* NVML's GPUs: the double names them "Simulated GPU N", so two are of
	 * "several models" and the record says so. */
	if (fixture_lib(lib, sizeof(lib), "libnvidia-ml.so.1")) {
		setenv("NVML_DOUBLE_GPUS", "counter:300,counter:300,counter:300", 1);
		unsetenv("NVML_DOUBLE_FAIL");
		step_gpus = "2,0,9";
		step_nvml = lib;
		open_step(&m, &r, "1", &c, 1000.0);
		assert_int_equal(r.gpus, 2);
		assert_string_equal(r.gpu_model, "Simulated GPU 2");
		assert_non_null(strstr(r.notes, "several models"));
		meter_close(&m);
	}
	step_gpus = "";
	step_nvml = NULL;
}

/* What the meter said: each line with its kind. */
static char said[4096];

static void note_said(bool fault, const char *msg)
{
	size_t n = strlen(said);

	snprintf(said + n, sizeof(said) - n, "%s %s\n", fault ? "error" : "info", msg);
}

/* How the node is (no usable RAPL, a CPU the TDP table lacks, no NVML) is
 * said at info; what an administrator must fix (a spool directory the
 * meter refuses) is an error. */
static void test_log_kinds(void **state)
{
	static struct step_record r;
	static struct meter m;
	struct carbon_conf c;
	char missing[600];

	(void)state;
	if (geteuid() != 0)
		skip();		/* the spool and lease directories are root's */
	conf_defaults(&c);
	snprintf(c.spool_dir, sizeof(c.spool_dir), "%s/spool", dir);
	c.checkpoint_s = 0;
	put("proc/cpuinfo", "processor\t: 0\nmodel name\t: Test CPU 9000 @ 2.00GHz\n");
	put("powercap/intel-rapl:0/energy_uj", "not a number\n");
	snprintf(missing, sizeof(missing), "%s/no-such-libnvidia-ml.so.1", dir);
	step_gpus = "0";
	step_nvml = missing;
	step_log = note_said;
	said[0] = '\0';
	open_step(&m, &r, "batch", &c, 1000.0);
	meter_close(&m);
	assert_non_null(strstr(said, "info RAPL not usable"));
	assert_non_null(strstr(said, "info CPU model not in the TDP table"));
	assert_non_null(strstr(said, "info no NVML"));
	assert_null(strstr(said, "error "));

	/* The spool directory is a file: a fault. */
	put("spool-file", "x\n");
	snprintf(c.spool_dir, sizeof(c.spool_dir), "%s/spool-file", dir);
	step_gpus = "";
	step_nvml = NULL;
	said[0] = '\0';
	open_step(&m, &r, "0", &c, 1000.0);
	meter_close(&m);
	assert_non_null(strstr(said, "error spool directory refused"));
	step_log = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_split_and_handover, setup, teardown),
		cmocka_unit_test(test_match_gpus),
		cmocka_unit_test_setup_teardown(test_node_meter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_meter_accels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chassis_meter_gpus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_file_meter, setup, teardown),
		cmocka_unit_test(test_match_rocm_gpus),
		cmocka_unit_test_setup_teardown(test_hardware, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_kinds, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

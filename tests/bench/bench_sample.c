/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Benchmark (issue 4, "Cost"): the CPU time of one meter_sample(), all of a
 * step's sensors, with RAPL simulated in the kernel's powercap layout, CPU
 * time from a fake Slurm cgroup tree or the real /proc, and optionally two
 * GPUs behind the NVML test double. Not a test: it prints figures.
 *
 * Usage: bench_sample [-n SAMPLES] [-g NVML_DOUBLE_LIBRARY]
 * Run as root (meter_open refuses a spool directory root does not own). */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "meter.h"
#include "record.h"

#define SOCKETS 2
#define JOB_ID 4242
#define JOB_UID 1000
#define NODE "bench"
#define INTERVAL_S 10
#define RAPL_RANGE_UJ 262143328850ULL	/* a common max_energy_range_uj */
#define PACKAGE_W 40
#define DRAM_W 5
#define RECORD_LEN 24			/* fixed-width counter files, as the
					 * simulator writes them */

/* A counter file the benchmark advances between samples (not timed). */
struct fake_counter {
	int fd;
	uint64_t value;
	uint64_t step;			/* added before every sample */
	uint64_t wrap;			/* 0: never wraps */
};

struct bench {
	char dir[PATH_MAX];		/* the temporary directory */
	char powercap[PATH_MAX + 16];
	char cgroup[PATH_MAX + 16];	/* fake v1 tree with the job's cgroups */
	char empty[PATH_MAX + 16];	/* no cgroups here, or no /proc */
	char spool[PATH_MAX + 16];
	struct fake_counter rapl[2 * SOCKETS];
	struct fake_counter cg[3];	/* all, job, step */
	unsigned n_rapl, n_cg;
};

/* One configuration to measure. */
struct scenario {
	const char *name;
	bool cgroup;			/* the fake Slurm cgroup tree */
	bool proc;			/* the real /proc, else an empty directory */
	bool gpus;			/* two GPUs through the NVML test double */
};

static void die(const char *what, const char *path)
{
	fprintf(stderr, "bench_sample: %s %s: %s\n", what, path ? path : "", strerror(errno));
	exit(1);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) < 0)
		die("cannot write", path);
}

static void make_dir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die("mkdir", path);
}

/* Rewrite c's file in place with its current value, padded to RECORD_LEN. */
static void counter_store(struct fake_counter *c)
{
	char buf[RECORD_LEN + 1];
	int len = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", c->value);

	memset(buf + len, ' ', RECORD_LEN - len);
	if (pwrite(c->fd, buf, RECORD_LEN, 0) != RECORD_LEN)
		die("cannot update a counter", NULL);
}

static void counter_open(struct fake_counter *c, const char *path, uint64_t step, uint64_t wrap)
{
	c->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (c->fd < 0)
		die("cannot create", path);
	c->value = 0;
	c->step = step;
	c->wrap = wrap;
	counter_store(c);
}

static void counters_advance(struct fake_counter *c, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		c[i].value += c[i].step;
		if (c[i].wrap)
			c[i].value %= c[i].wrap;
		counter_store(&c[i]);
	}
}

/* One powercap zone: name, energy_uj and max_energy_range_uj in dir. */
static void rapl_zone(struct bench *b, const char *dir, const char *name, unsigned watts)
{
	char path[PATH_MAX + 64], range[32];

	make_dir(dir);
	snprintf(path, sizeof(path), "%s/name", dir);
	snprintf(range, sizeof(range), "%llu\n", RAPL_RANGE_UJ);
	write_file(path, name);
	snprintf(path, sizeof(path), "%s/max_energy_range_uj", dir);
	write_file(path, range);
	snprintf(path, sizeof(path), "%s/energy_uj", dir);
	counter_open(&b->rapl[b->n_rapl++], path, (uint64_t)watts * INTERVAL_S * 1000000,
		     RAPL_RANGE_UJ);
}

/* As /sys/class/powercap lays it out: intel-rapl:N (package-N) holding its
 * dram subzone intel-rapl:N:0, which also has a link at the top. */
static void make_powercap(struct bench *b)
{
	char pkg[PATH_MAX + 64], sub[PATH_MAX + 96], link[PATH_MAX + 64], target[64], name[32];
	unsigned s;

	make_dir(b->powercap);
	for (s = 0; s < SOCKETS; s++) {
		snprintf(pkg, sizeof(pkg), "%s/intel-rapl:%u", b->powercap, s);
		snprintf(name, sizeof(name), "package-%u\n", s);
		rapl_zone(b, pkg, name, PACKAGE_W);
		snprintf(sub, sizeof(sub), "%s/intel-rapl:%u:0", pkg, s);
		rapl_zone(b, sub, "dram\n", DRAM_W);
		snprintf(link, sizeof(link), "%s/intel-rapl:%u:0", b->powercap, s);
		snprintf(target, sizeof(target), "intel-rapl:%u/intel-rapl:%u:0", s, s);
		if (symlink(target, link) < 0)
			die("symlink", link);
	}
}

/* Slurm's cgroup v1 layout under cpuacct: slurm_<node>/uid_U/job_J/step_0,
 * each with cpuacct.usage (ns). The job keeps one CPU busy. */
static void make_cgroup(struct bench *b)
{
	char path[PATH_MAX + 128], file[PATH_MAX + 160];
	static const char *const levels[] = { "", "/uid_1000", "/job_4242", "/step_0" };
	size_t i;

	make_dir(b->cgroup);
	snprintf(path, sizeof(path), "%s/cpuacct", b->cgroup);
	make_dir(path);
	snprintf(path, sizeof(path), "%s/cpuacct/slurm_" NODE, b->cgroup);
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		strncat(path, levels[i], sizeof(path) - strlen(path) - 1);
		make_dir(path);
		if (i == 1)
			continue;	/* the uid level's counter is not read */
		snprintf(file, sizeof(file), "%s/cpuacct.usage", path);
		counter_open(&b->cg[b->n_cg++], file, (uint64_t)INTERVAL_S * 1000000000, 0);
	}
}

static double thread_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Processes in /proc: what the fallback scans at every sample. */
static unsigned count_processes(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	unsigned n = 0;

	while (d && (e = readdir(d)) != NULL)
		n += e->d_name[0] >= '0' && e->d_name[0] <= '9';
	if (d)
		closedir(d);
	return n;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

static void log_once(bool fault, const char *msg)
{
	fprintf(stderr, "bench_sample: meter says (%s): %s\n", fault ? "error" : "info", msg);
}

/* Measure one scenario: open a meter, take samples, report the CPU time of
 * meter_sample alone: CLOCK_THREAD_CPUTIME_ID, user and system time of this
 * thread, as the sampler thread would spend it. The counter updates between
 * samples are not timed; the cost of one clock reading, measured apart, is
 * taken off each sample. */
static void run(struct bench *b, const struct scenario *sc, unsigned samples,
		const char *nvml_library, double clock_us, double *per_sample)
{
	struct carbon_conf conf;
	struct meter_setup set;
	struct step_record rec;
	struct meter m;
	double now = 1795773600.0, sum = 0.0;
	unsigned i;

	conf_defaults(&conf);
	conf.checkpoint_s = 0;		/* no checkpoint writes in the loop */
	conf.interval_s = INTERVAL_S;
	conf_copy_str(conf.spool_dir, sizeof(conf.spool_dir), b->spool);
	memset(&rec, 0, sizeof(rec));
	rec.job_id = JOB_ID;
	rec.uid = JOB_UID;
	snprintf(rec.step, sizeof(rec.step), "0");
	snprintf(rec.node, sizeof(rec.node), NODE);
	memset(&set, 0, sizeof(set));
	set.conf = &conf;
	set.stepd_pid = getpid();
	set.job_id = JOB_ID;
	set.uid = JOB_UID;
	set.step = rec.step;
	set.alloc_cpus = 1;
	set.alloc_mem_gb = 4;
	set.gpus = sc->gpus ? "0,1" : NULL;
	set.powercap_root = b->powercap;
	set.cgroup_root = sc->cgroup ? b->cgroup : b->empty;
	set.proc_root = sc->proc ? "/proc" : b->empty;
	set.cpuinfo = "/proc/cpuinfo";
	set.nvml_library = nvml_library;

	meter_open(&m, &set, &rec, now, log_once);
	for (i = 0; i < samples; i++) {
		double t0, t1;

		counters_advance(b->rapl, b->n_rapl);
		if (sc->cgroup)
			counters_advance(b->cg, b->n_cg);
		now += INTERVAL_S;
		t0 = thread_cpu_us();
		meter_sample(&m, now, false);
		t1 = thread_cpu_us();
		per_sample[i] = t1 - t0 - clock_us;
		sum += per_sample[i];
	}
	qsort(per_sample, samples, sizeof(*per_sample), cmp_double);
	printf("| %s | %.1f | %.1f | %.1f | %.1f | %s, %s |\n", sc->name, sum / samples,
	       per_sample[samples / 2], per_sample[samples * 99 / 100],
	       per_sample[samples - 1], rec.method, rec.split[0] ? rec.split : "none");
	meter_close(&m);
}

int main(int argc, char **argv)
{
	static const struct scenario scenarios[] = {
		{ "RAPL only (no CPU time: empty proc and cgroup roots)", false, false, false },
		{ "RAPL + cgroup v1 CPU time", true, true, false },
		{ "RAPL + /proc fallback (no Slurm cgroup)", false, true, false },
		{ "RAPL + cgroup v1 + 2 GPUs (NVML test double)", true, true, true },
	};
	const char *nvml_library = NULL;
	struct bench b;
	unsigned samples = 20000, i;
	double *per_sample, clock_us, t0;
	char tmpl[] = "/tmp/carbon-bench-sample.XXXXXX";
	pid_t child;
	int opt;

	while ((opt = getopt(argc, argv, "n:g:")) != -1) {
		switch (opt) {
		case 'n':
			samples = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'g':
			nvml_library = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench_sample [-n SAMPLES] [-g NVML_DOUBLE_LIBRARY]\n");
			return 2;
		}
	}
	if (samples < 100) {
		fprintf(stderr, "bench_sample: at least 100 samples\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bench_sample: run as root (the meter's spool directory must be root's)\n");
		return 2;
	}
	memset(&b, 0, sizeof(b));
	if (!mkdtemp(tmpl))
		die("mkdtemp", tmpl);
	snprintf(b.dir, sizeof(b.dir), "%s", tmpl);
	snprintf(b.powercap, sizeof(b.powercap), "%s/powercap", b.dir);
	snprintf(b.cgroup, sizeof(b.cgroup), "%s/cgroup", b.dir);
	snprintf(b.empty, sizeof(b.empty), "%s/empty", b.dir);
	snprintf(b.spool, sizeof(b.spool), "%s/spool", b.dir);
	make_powercap(&b);
	make_cgroup(&b);
	make_dir(b.empty);
	if (mkdir(b.spool, 0700) < 0)
		die("mkdir", b.spool);
	setenv("NVML_DOUBLE_GPUS", "counter:300,counter:150", 0);

	/* One child, as a step's task would be: the /proc fallback finds it
	 * below "slurmstepd" (this process). */
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	per_sample = calloc(samples, sizeof(*per_sample));
	if (!per_sample || child < 0)
		die("setup", NULL);

	/* What one clock reading costs: a timed sample holds about one. */
	t0 = thread_cpu_us();
	for (i = 0; i < samples; i++)
		thread_cpu_us();
	clock_us = (thread_cpu_us() - t0) / samples;

	printf("%u samples per row, simulated interval %d s; %u processes in /proc; "
	       "clock reading %.2f µs (taken off)\n\n", samples, INTERVAL_S, count_processes(),
	       clock_us);
	printf("| sensors | mean CPU µs/sample | median | p99 | max | method, split |\n");
	printf("|---|---|---|---|---|---|\n");
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (scenarios[i].gpus && !nvml_library)
			continue;
		run(&b, &scenarios[i], samples, nvml_library, clock_us, per_sample);
	}

	kill(child, SIGTERM);
	waitpid(child, NULL, 0);
	free(per_sample);
	if (nftw(b.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		fprintf(stderr, "bench_sample: could not remove %s\n", b.dir);
	return 0;
}

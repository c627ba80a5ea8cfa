/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Benchmark (issue 4, "Cost"): the CPU time of one meter_sample(), all of a
 * step's sensors, with RAPL simulated in the kernel's powercap layout, CPU
 * time from a fake Slurm cgroup tree or the real /proc, and optionally two
 * GPUs behind the NVML test double. Not a test: it prints figures.
 *
 * With -o RUNS (and -r ROCM_DOUBLE_LIBRARY), first what a step's start and
 * end cost the meter (meter_open + meter_close), each run in a fresh child
 * process, as every step is its own slurmstepd: the GPU libraries are
 * loaded for the first time in each. Beside a chassis meter (hwmon here)
 * every step looks for the node's GPUs, to take them out of its reading.
 *
 * Usage: bench_sample [-n SAMPLES] [-g NVML_DOUBLE_LIBRARY]
 *                     [-o RUNS -r ROCM_DOUBLE_LIBRARY]
 * Run as root (meter_open refuses a spool directory root does not own). */
#define _GNU_SOURCE

#include <dirent.h>
#include <dlfcn.h>
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
	char hwmon[PATH_MAX + 16];	/* an ACPI power meter's hwmon tree */
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

/* An ACPI power meter as the kernel shows it: hwmon0/{name,power1_average,
 * power1_average_interval}, 1 kW averaged over 1 s. */
static void make_hwmon(struct bench *b)
{
	char path[PATH_MAX + 64];

	make_dir(b->hwmon);
	snprintf(path, sizeof(path), "%s/hwmon0", b->hwmon);
	make_dir(path);
	snprintf(path, sizeof(path), "%s/hwmon0/name", b->hwmon);
	write_file(path, "power_meter\n");
	snprintf(path, sizeof(path), "%s/hwmon0/power1_average", b->hwmon);
	write_file(path, "1000000000\n");
	snprintf(path, sizeof(path), "%s/hwmon0/power1_average_interval", b->hwmon);
	write_file(path, "1000\n");
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

/* The benchmark's step 0 of job JOB_ID: carbon.conf with the spool in the
 * bench's directory, no checkpoints; its record; the meter's setup, every
 * root the bench's own but for the caller's choices (CPU time, GPUs, the
 * node meter, the libraries). */
static void step_setup(const struct bench *b, struct carbon_conf *conf, struct step_record *rec,
		       struct meter_setup *set)
{
	conf_defaults(conf);
	conf->checkpoint_s = 0;		/* no checkpoint writes in the loop */
	conf->interval_s = INTERVAL_S;
	conf_copy_str(conf->spool_dir, sizeof(conf->spool_dir), b->spool);
	conf_copy_str(conf->node_hwmon_root, sizeof(conf->node_hwmon_root), b->hwmon);
	memset(rec, 0, sizeof(*rec));
	rec->job_id = JOB_ID;
	rec->uid = JOB_UID;
	snprintf(rec->step, sizeof(rec->step), "0");
	snprintf(rec->node, sizeof(rec->node), NODE);
	memset(set, 0, sizeof(*set));
	set->conf = conf;
	set->stepd_pid = getpid();
	set->job_id = JOB_ID;
	set->uid = JOB_UID;
	set->step = rec->step;
	set->alloc_cpus = 1;
	set->powercap_root = b->powercap;
	set->cgroup_root = b->cgroup;
	set->proc_root = "/proc";
	set->cpuinfo = "/proc/cpuinfo";
}

/* One step's start and end, as the meter sees them. */
struct open_scenario {
	const char *name;
	bool chassis;			/* [node] meter = hwmon */
	const char *gpus;		/* the step's GPUs; NULL: none */
	const char *nvml_gpus;		/* NVML_DOUBLE_GPUS; NULL: no GPU library
					 * on the node at all */
	bool rocm;			/* the ROCm SMI double beside NVML's */
	bool dlopen_only;		/* no meter: the two vendors' dlopen
					 * calls alone, on a node without them */
};

static double clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* How many times the NVML double at library read an energy counter in
 * this process (its own nvml_double_energy_reads); 0 where it is not
 * loaded. */
static unsigned nvml_energy_reads(const char *library)
{
	void *h = library ? dlopen(library, RTLD_NOW | RTLD_NOLOAD) : NULL;
	unsigned (*reads)(unsigned) = NULL;
	unsigned n = 0, i;

	if (!h)
		return 0;
	*(void **)&reads = dlsym(h, "nvml_double_energy_reads");
	for (i = 0; reads && i < NVML_MAX_GPUS; i++)
		n += reads(i);
	dlclose(h);
	return n;
}

/* In a fresh child: meter_open then meter_close of one step; its wall and
 * CPU time (µs, the process's: NVML may start threads) into out[0..1], how
 * many node GPUs the meter found into out[2], and how many energy counter
 * readings NVML made into out[3]. Returns 0, or -1. */
static int open_once(const struct bench *b, const struct open_scenario *sc,
		     const char *nvml_library, const char *rocm_library, double out[4])
{
	int fd[2];
	pid_t pid;
	ssize_t got;

	if (pipe(fd) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		static struct meter m;
		static struct step_record rec;
		struct carbon_conf conf;
		struct meter_setup set;
		double r[4], w0, c0, w1, c1;

		close(fd[0]);
		step_setup(b, &conf, &rec, &set);
		conf.node_meter = sc->chassis ? NODE_METER_HWMON : NODE_METER_NONE;
		set.gpus = sc->gpus;
		/* Without a library on the node: names that dlopen searches
		 * for in vain, as on a node without the vendors' packages. */
		set.nvml_library = sc->nvml_gpus ? nvml_library : "libnvidia-ml-absent.so.1";
		set.rocm_library = sc->rocm ? rocm_library : "librocm_smi64-absent.so.1";
		if (sc->nvml_gpus)
			setenv("NVML_DOUBLE_GPUS", sc->nvml_gpus, 1);
		unsetenv("ROCM_DOUBLE_GPUS");
		w0 = clock_us(CLOCK_MONOTONIC);
		c0 = clock_us(CLOCK_PROCESS_CPUTIME_ID);
		if (sc->dlopen_only) {
			void *h1 = dlopen(NVML_DEFAULT_LIBRARY, RTLD_NOW | RTLD_LOCAL);
			void *h2 = dlopen(ROCM_DEFAULT_LIBRARY, RTLD_NOW | RTLD_LOCAL);

			r[1] = clock_us(CLOCK_PROCESS_CPUTIME_ID) - c0;
			r[0] = clock_us(CLOCK_MONOTONIC) - w0;
			r[2] = 0;
			r[3] = h1 || h2 ? -1 : 0;	/* -1: a library is installed */
			_exit(write(fd[1], r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1);
		}
		meter_open(&m, &set, &rec, 1795773600.0, NULL);
		w1 = clock_us(CLOCK_MONOTONIC);
		c1 = clock_us(CLOCK_PROCESS_CPUTIME_ID);
		r[2] = m.n_node_gpus;
		r[3] = nvml_energy_reads(set.nvml_library);	/* not timed */
		w0 -= clock_us(CLOCK_MONOTONIC) - w1;
		c0 -= clock_us(CLOCK_PROCESS_CPUTIME_ID) - c1;
		meter_close(&m);
		r[1] = clock_us(CLOCK_PROCESS_CPUTIME_ID) - c0;
		r[0] = clock_us(CLOCK_MONOTONIC) - w0;
		_exit(write(fd[1], r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1);
	}
	close(fd[1]);
	got = read(fd[0], out, 4 * sizeof(double));
	close(fd[0]);
	waitpid(pid, NULL, 0);
	return got == (ssize_t)(4 * sizeof(double)) ? 0 : -1;
}

static void run_open(const struct bench *b, const struct open_scenario *sc, unsigned runs,
		     const char *nvml_library, const char *rocm_library, double *wall,
		     double *cpu)
{
	double r[4] = { 0, 0, 0, 0 }, wsum = 0.0, csum = 0.0;
	unsigned i;

	for (i = 0; i < runs; i++) {
		if (open_once(b, sc, nvml_library, rocm_library, r) < 0)
			die("a child's meter_open", NULL);
		wall[i] = r[0];
		cpu[i] = r[1];
		wsum += r[0];
		csum += r[1];
	}
	qsort(wall, runs, sizeof(*wall), cmp_double);
	qsort(cpu, runs, sizeof(*cpu), cmp_double);
	printf("| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |\n", sc->name, wsum / runs,
	       wall[runs / 2], wall[runs * 99 / 100], csum / runs, cpu[runs / 2], r[2], r[3]);
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

	step_setup(b, &conf, &rec, &set);
	set.alloc_mem_gb = 4;
	set.gpus = sc->gpus ? "0,1" : NULL;
	set.cgroup_root = sc->cgroup ? b->cgroup : b->empty;
	set.proc_root = sc->proc ? "/proc" : b->empty;
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
	static const struct open_scenario open_scenarios[] = {
		{ "no node meter, a step without GPUs",
		  false, NULL, "counter:300,counter:150", true, false },
		{ "no node meter, a step holding 2 GPUs (NVML double)",
		  false, "0,1", "counter:300,counter:150", true, false },
		{ "chassis meter, no GPU library on the node",
		  true, NULL, NULL, false, false },
		{ "(within it: dlopen of libnvidia-ml.so.1 and librocm_smi64.so.1, both absent)",
		  false, NULL, NULL, false, true },
		{ "chassis meter, both doubles loadable, no GPU",
		  true, NULL, "", true, false },
		{ "chassis meter, 2 GPUs (NVML double), a step holding none",
		  true, NULL, "counter:300,counter:150", true, false },
		{ "chassis meter, 2 GPUs (NVML double), a step holding both",
		  true, "0,1", "counter:300,counter:150", true, false },
	};
	const char *nvml_library = NULL, *rocm_library = NULL;
	struct bench b;
	unsigned samples = 20000, open_runs = 0, i;
	double *per_sample, clock_us, t0;
	char tmpl[] = "/tmp/carbon-bench-sample.XXXXXX";
	pid_t child;
	int opt;

	while ((opt = getopt(argc, argv, "n:g:o:r:")) != -1) {
		switch (opt) {
		case 'n':
			samples = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'g':
			nvml_library = optarg;
			break;
		case 'o':
			open_runs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rocm_library = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench_sample [-n SAMPLES] [-g NVML_DOUBLE_LIBRARY] "
					"[-o RUNS -r ROCM_DOUBLE_LIBRARY]\n");
			return 2;
		}
	}
	if (samples < 100) {
		fprintf(stderr, "bench_sample: at least 100 samples\n");
		return 2;
	}
	if (open_runs > 0 && (open_runs < 10 || !nvml_library || !rocm_library)) {
		fprintf(stderr, "bench_sample: -o takes at least 10 runs, and -g and -r\n");
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
	snprintf(b.hwmon, sizeof(b.hwmon), "%s/hwmon", b.dir);
	make_powercap(&b);
	make_hwmon(&b);
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
	per_sample = calloc(samples > 2 * open_runs ? samples : 2 * open_runs, sizeof(*per_sample));
	if (!per_sample || child < 0)
		die("setup", NULL);

	/* Before any sample: this process has loaded no GPU library yet, so
	 * neither has any child. */
	if (open_runs > 0) {
		printf("meter_open + meter_close of one step, each in a fresh child process, "
		       "%u runs per row\n\n", open_runs);
		printf("| step | mean wall µs | median | p99 | mean CPU µs | median | node GPUs "
		       "subtracted | NVML energy readings |\n");
		printf("|---|---|---|---|---|---|---|---|\n");
		for (i = 0; i < sizeof(open_scenarios) / sizeof(open_scenarios[0]); i++)
			run_open(&b, &open_scenarios[i], open_runs, nvml_library, rocm_library,
				 per_sample, per_sample + open_runs);
		printf("\n");
	}

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

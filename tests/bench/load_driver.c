/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Load driver: many simulated nodes end jobs at once and write their
 * records with the plugin's own store code, Slurm not involved.
 *
 * Each node is a process with a spool directory of its own. For each of its
 * jobs it does what spank_carbon.so does at a job's end (plugin/
 * spank_stepd.c): every step's record is appended to the node's spool
 * (spool_append()), then the job's last step calls carbon_store_spool() of
 * spank_carbon_store.so, loaded with dlopen as slurmstepd loads it, which
 * stores the node's spool within connect_timeout + 1 s or leaves it there.
 * All nodes are released at the same instant, so --nodes job ends compete
 * for the database at once. The time of each carbon_store_spool() call is
 * one job-end write.
 *
 * Prints key=value lines (see usage()); the records a job end could not
 * store stay in the node's spool, DIR/NODE, for `carbon-report spool flush`.
 * Exit status 0 when every node ran (a job end that spooled is no failure:
 * that is the plugin's way), 1 on a setup error. */
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "record.h"
#include "spool.h"
#include "store.h"

/* What one job end did, in memory shared with the parent. */
struct job_end {
	double write_s;		/* carbon_store_spool(), seconds */
	int result;		/* enum carbon_store_result; -1: not run */
	unsigned stored;	/* rows it stored */
	char why[160];		/* its error when not CARBON_STORE_OK */
};

struct options {
	const char *module, *conninfo, *dir, *cluster;
	unsigned nodes, jobs, steps, first_job;
	int timeout_s;
};

static char node_name[32] = "driver";

/* The Slurm log calls spank_carbon_store.so makes (slurmstepd provides
 * them to the plugin); exported by this program (-export-dynamic). Errors
 * go to stderr with the node's name; the rest is dropped. */
void slurm_error(const char *fmt, ...);
void slurm_info(const char *fmt, ...);
void slurm_debug(const char *fmt, ...);

void slurm_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "load_driver: %s: ", node_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void slurm_info(const char *fmt, ...)
{
	(void)fmt;
}

void slurm_debug(const char *fmt, ...)
{
	(void)fmt;
}

static void usage(FILE *f)
{
	fputs("usage: load_driver -m PATH/spank_carbon_store.so -d CONNINFO -s DIR\n"
	      "                   [-n NODES (200)] [-j JOBS_PER_NODE (1)] [-k STEPS_PER_JOB (3)]\n"
	      "                   [-c CLUSTER (load)] [-f FIRST_JOB_ID (1000000)] [-t CONNECT_TIMEOUT_S (3)]\n"
	      "NODES processes (nodes ld00000, ld00001, ...), spools DIR/NODE, end JOBS_PER_NODE\n"
	      "jobs each, all nodes at once; job ids FIRST_JOB_ID + node * JOBS_PER_NODE + j;\n"
	      "STEPS_PER_JOB records a job (batch, extern, 0, 1, ...). Prints key=value lines:\n"
	      "records, job_ends, job_ends_ok, job_ends_spooled, stored_direct, wall_s,\n"
	      "records_per_s, write_p50_ms, write_p99_ms, write_max_ms.\n",
	      f);
}

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The record of step k of job job_id on node, as the plugin would have
 * measured it: a two-minute step, its energy in its hour. */
static void make_record(struct step_record *r, const struct options *o, unsigned node,
			uint32_t job_id, unsigned k)
{
	double j[DOMAIN_COUNT] = { 0 };
	time_t t = time(NULL);

	memset(r, 0, sizeof(*r));
	snprintf(r->cluster, sizeof(r->cluster), "%s", o->cluster);
	r->job_id = job_id;
	r->job_start_s = (double)(t - 180);
	if (k == 0)
		snprintf(r->step, sizeof(r->step), "batch");
	else if (k == 1)
		snprintf(r->step, sizeof(r->step), "extern");
	else
		snprintf(r->step, sizeof(r->step), "%u", k - 2);
	snprintf(r->node, sizeof(r->node), "%s", node_name);
	r->uid = 1000 + node % 50;
	snprintf(r->user, sizeof(r->user), "user%u", node % 50);
	snprintf(r->account, sizeof(r->account), "proj%u", node % 7);
	snprintf(r->project, sizeof(r->project), "proj%u", node % 7);
	r->start_s = (double)(t - 150);
	r->end_s = (double)(t - 30);
	/* 120 s at 100 W package, 8 W DRAM: the same on every node, so the
	 * database's sum checks that nothing is lost or counted twice. */
	r->energy_j[DOMAIN_CPU] = 12000.0;
	r->energy_j[DOMAIN_DRAM] = 960.0;
	r->samples = 12;
	snprintf(r->method, sizeof(r->method), "rapl");
	r->has_job = true;
	j[DOMAIN_CPU] = r->energy_j[DOMAIN_CPU];
	j[DOMAIN_DRAM] = r->energy_j[DOMAIN_DRAM];
	memcpy(r->job_j, j, sizeof(j));
	r->cpu_time_s = 118.5;
	snprintf(r->split, sizeof(r->split), "cgroup-v1");
	r->has_hw = true;
	snprintf(r->cpu_model, sizeof(r->cpu_model), "Load Driver CPU");
	r->alloc_cpus = 4;
	r->has_exit = true;
	r->exit_status = 0;
	record_add_hours(r, r->start_s, r->end_s, j);
}

/* One node: say it is ready (a byte on ready_fd), wait for the start
 * (start_fd closes), then end its jobs. */
static int run_node(const struct options *o, unsigned node, carbon_store_spool_fn store,
		    int ready_fd, int start_fd, struct job_end *ends)
{
	struct carbon_conf conf;
	static struct step_record r;
	char err[1024], buf[1];
	unsigned job, k;

	snprintf(node_name, sizeof(node_name), "ld%05u", node);
	conf_defaults(&conf);
	snprintf(conf.conninfo, sizeof(conf.conninfo), "%s", o->conninfo);
	conf.connect_timeout_s = o->timeout_s;
	if ((size_t)snprintf(conf.spool_dir, sizeof(conf.spool_dir), "%s/%s", o->dir, node_name) >=
	    sizeof(conf.spool_dir)) {
		slurm_error("spool directory name too long");
		return 1;
	}
	if (spool_check_dir(conf.spool_dir, true, err, sizeof(err)) < 0) {
		slurm_error("%s", err);
		return 1;
	}
	buf[0] = 'r';
	if (write(ready_fd, buf, 1) != 1) {
		slurm_error("cannot tell the driver it is ready: %s", strerror(errno));
		return 1;
	}
	close(ready_fd);
	while (read(start_fd, buf, 1) < 0 && errno == EINTR)
		;
	for (job = 0; job < o->jobs; job++) {
		struct job_end *e = &ends[node * o->jobs + job];
		uint32_t job_id = o->first_job + node * o->jobs + job;
		double t0;

		for (k = 0; k < o->steps; k++) {
			make_record(&r, o, node, job_id, k);
			if (spool_append(conf.spool_dir, &r, NULL, 0, err, sizeof(err)) < 0) {
				slurm_error("job %u: spool: %s", job_id, err);
				return 1;
			}
		}
		t0 = now_s();
		e->result = (int)store(&conf, &e->stored, err, sizeof(err));
		e->write_s = now_s() - t0;
		if (e->result != CARBON_STORE_OK)
			snprintf(e->why, sizeof(e->why), "%.159s", err);
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile (0..1) of n sorted values, nearest rank. */
static double quantile(const double *v, size_t n, double q)
{
	size_t i = (size_t)ceil(q * (double)n);

	return n ? v[i ? i - 1 : 0] : 0.0;
}

int main(int argc, char **argv)
{
	struct options o = { .cluster = "load", .nodes = 200, .jobs = 1, .steps = 3,
			     .first_job = 1000000, .timeout_s = 3 };
	unsigned timeout = 3, node, i, n_ends, ok = 0, spooled = 0, failed_nodes = 0, shown = 0;
	unsigned long stored = 0;
	struct job_end *ends;
	carbon_store_spool_fn store;
	void *module, *fn;
	double t0, wall_s, *times;
	int c, start[2], ready[2];
	unsigned ready_n = 0;
	char byte;
	pid_t *pids;

	while ((c = getopt(argc, argv, "m:d:s:n:j:k:c:f:t:h")) != -1) {
		switch (c) {
		case 'm': o.module = optarg; break;
		case 'd': o.conninfo = optarg; break;
		case 's': o.dir = optarg; break;
		case 'c': o.cluster = optarg; break;
		case 'n':
			if (parse_uint(optarg, 1, 100000, &o.nodes) < 0)
				goto bad;
			break;
		case 'j':
			if (parse_uint(optarg, 1, 100000, &o.jobs) < 0)
				goto bad;
			break;
		case 'k':
			if (parse_uint(optarg, 1, 1000, &o.steps) < 0)
				goto bad;
			break;
		case 'f':
			if (parse_uint(optarg, 1, 2000000000, &o.first_job) < 0)
				goto bad;
			break;
		case 't':
			if (parse_uint(optarg, 1, 600, &timeout) < 0)
				goto bad;
			o.timeout_s = (int)timeout;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (!o.module || !o.conninfo || !o.dir || optind != argc ||
	    (unsigned long)o.nodes * o.jobs > 10000000UL ||
	    o.first_job + (unsigned long)o.nodes * o.jobs > 4000000000UL)
		goto bad;
	if (!record_text_is_safe(o.cluster, 64, RECORD_TEXT_NAME, NULL)) {
		fprintf(stderr, "load_driver: -c: a cluster name of letters, digits, . _ @ -\n");
		return 1;
	}

	/* As slurmstepd loads it: RTLD_LOCAL, resolved now. */
	module = dlopen(o.module, RTLD_NOW | RTLD_LOCAL);
	if (!module) {
		fprintf(stderr, "load_driver: cannot load %s: %s\n", o.module, dlerror());
		return 1;
	}
	fn = dlsym(module, CARBON_STORE_SPOOL_SYMBOL);
	if (!fn) {
		fprintf(stderr, "load_driver: %s lacks %s\n", o.module, CARBON_STORE_SPOOL_SYMBOL);
		return 1;
	}
	memcpy(&store, &fn, sizeof(fn));	/* POSIX: dlsym gives functions */
	if (mkdir(o.dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "load_driver: %s: %s\n", o.dir, strerror(errno));
		return 1;
	}

	n_ends = o.nodes * o.jobs;
	ends = mmap(NULL, sizeof(*ends) * n_ends, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pids = calloc(o.nodes, sizeof(*pids));
	times = calloc(n_ends, sizeof(*times));
	if (ends == MAP_FAILED || !pids || !times || pipe(start) < 0 || pipe(ready) < 0) {
		fprintf(stderr, "load_driver: out of memory\n");
		return 1;
	}
	for (i = 0; i < n_ends; i++)
		ends[i].result = -1;
	for (node = 0; node < o.nodes; node++) {
		pids[node] = fork();
		if (pids[node] < 0) {
			fprintf(stderr, "load_driver: fork: %s\n", strerror(errno));
			o.nodes = node;
			break;
		}
		if (pids[node] == 0) {
			close(start[1]);
			close(ready[0]);
			_exit(run_node(&o, node, store, ready[1], start[0], ends));
		}
	}
	close(start[0]);
	close(ready[1]);
	/* Every node at its start line (or gone: end of file), then all
	 * released together. */
	while (ready_n < o.nodes) {
		ssize_t got = read(ready[0], &byte, 1);

		if (got == 1)
			ready_n++;
		else if (got == 0 || errno != EINTR)
			break;
	}
	close(ready[0]);
	t0 = now_s();
	close(start[1]);
	for (node = 0; node < o.nodes; node++) {
		int status;

		while (waitpid(pids[node], &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed_nodes++;
	}
	wall_s = now_s() - t0;

	n_ends = 0;
	for (i = 0; i < o.nodes * o.jobs; i++) {
		if (ends[i].result < 0)
			continue;
		times[n_ends++] = ends[i].write_s;
		stored += ends[i].stored;
		if (ends[i].result == CARBON_STORE_OK) {
			ok++;
		} else {
			spooled++;
			if (shown++ < 5)
				fprintf(stderr, "load_driver: job %u spooled: %s\n",
					o.first_job + i, ends[i].why);
		}
	}
	qsort(times, n_ends, sizeof(*times), cmp_double);
	printf("nodes=%u\njobs_per_node=%u\nsteps_per_job=%u\n", o.nodes, o.jobs, o.steps);
	printf("records=%lu\njob_ends=%u\njob_ends_ok=%u\njob_ends_spooled=%u\n",
	       (unsigned long)o.nodes * o.jobs * o.steps, n_ends, ok, spooled);
	printf("stored_direct=%lu\nwall_s=%.3f\nrecords_per_s=%.0f\n", stored, wall_s,
	       wall_s > 0 ? (double)stored / wall_s : 0.0);
	printf("write_p50_ms=%.1f\nwrite_p99_ms=%.1f\nwrite_max_ms=%.1f\n",
	       quantile(times, n_ends, 0.50) * 1000, quantile(times, n_ends, 0.99) * 1000,
	       n_ends ? times[n_ends - 1] * 1000 : 0.0);
	printf("failed_nodes=%u\n", failed_nodes);
	return failed_nodes ? 1 : 0;
bad:
	usage(stderr);
	return 1;
}

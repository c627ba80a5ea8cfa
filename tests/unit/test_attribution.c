/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Attribution from tables: one interval's readings in, the step's and the
 * job's joules out; the CPU time of an interval from two readings; the
 * unclaimed part of an interval; and the jobs of a node charged its energy,
 * never more. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "attribution.h"

#define T0 1700000000.0
#define NS(cpu_s) ((uint64_t)((cpu_s) * 1e9 + 0.5))
/* CPU-seconds of the step, its job and all jobs, read from the job's cgroup. */
#define CPU(s, j, a) { .have = true, .step_ns = NS(s), .job_ns = NS(j), .all_ns = NS(a), \
		       .have_all = true, .job_cgroup = true }
/* Read from /proc: the step's time stands for the job's, and the node's busy
 * time is the denominator. */
#define PROC(s, node) { .have = true, .step_ns = NS(s), .job_ns = NS(s), .all_ns = NS(node), \
			.have_all = true }
/* A node without RAPL: 100 W a socket, 2 sockets, 8 CPUs (25 W a busy CPU);
 * 0.5 W per GB of the job's 4 GB (2 W). */
#define MODEL { .cpu = true, .cpu_tdp_per_socket_w = 100, .sockets = 2, .cpus = 8, \
		.memory_w_per_gb = 0.5, .memory_gb = 4 }
#define RANGE_UJ 262143328850ULL	/* a Xeon package's max_energy_range_uj */

struct want {
	double step[DOMAIN_COUNT], job[DOMAIN_COUNT], est;
	enum attribution_split split;
	bool model;
};

static void check_close(const char *what, const char *field, double got, double want)
{
	if (!(fabs(got - want) <= 1e-9 * (fabs(want) > 1 ? fabs(want) : 1)))
		fail_msg("%s: %s = %.12g, want %.12g", what, field, got, want);
}

static void check_row(const char *what, const struct attribution_in *in, const struct want *w)
{
	struct attribution_out out;
	char field[32];
	int d;

	attribution_interval(in, &out);
	for (d = 0; d < DOMAIN_COUNT; d++) {
		snprintf(field, sizeof(field), "step %s", energy_domain_name(d));
		check_close(what, field, out.step_j[d], w->step[d]);
		snprintf(field, sizeof(field), "job %s", energy_domain_name(d));
		check_close(what, field, out.job_j[d], w->job[d]);
	}
	check_close(what, "estimated", out.estimated_j, w->est);
	if (out.split != w->split)
		fail_msg("%s: split %d, want %d", what, (int)out.split, (int)w->split);
	if (out.model_used != w->model)
		fail_msg("%s: model_used %d, want %d", what, out.model_used, w->model);
}

static void test_interval_table(void **state)
{
	const struct {
		const char *what;
		struct attribution_in in;
		struct want want;
	} rows[] = {
		{ "shared node: the job's half of every domain, the step's quarter of that",
		  { .prev_s = T0, .now_s = T0 + 10,
		    .node_j = { [DOMAIN_CPU] = 100, [DOMAIN_DRAM] = 20, [DOMAIN_OTHER] = 40 },
		    .cpu = CPU(0.5, 2, 4), .charges_job = true, .alloc_cpus = 2 },
		  { .step = { [DOMAIN_CPU] = 12.5, [DOMAIN_DRAM] = 2.5, [DOMAIN_OTHER] = 5 },
		    .job = { [DOMAIN_CPU] = 50, [DOMAIN_DRAM] = 10, [DOMAIN_OTHER] = 20 },
		    .split = ATTRIBUTION_SPLIT_CPU } },
		{ "shared node, another step of the job charges it: the step's share only",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 100 },
		    .cpu = CPU(1.5, 2, 4), .alloc_cpus = 2 },
		  { .step = { [DOMAIN_CPU] = 37.5 }, .split = ATTRIBUTION_SPLIT_CPU } },
		{ "a step alone on the node: all of it",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 100, [DOMAIN_DRAM] = 8 },
		    .cpu = CPU(3, 3, 3), .charges_job = true },
		  { .step = { [DOMAIN_CPU] = 100, [DOMAIN_DRAM] = 8 },
		    .job = { [DOMAIN_CPU] = 100, [DOMAIN_DRAM] = 8 }, .split = ATTRIBUTION_SPLIT_CPU } },
		{ "no job cgroups: the node's busy time (slurmd's too) is the denominator",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 100 },
		    .cpu = PROC(1.5, 3), .charges_job = true },
		  { .step = { [DOMAIN_CPU] = 50 }, .job = { [DOMAIN_CPU] = 50 },
		    .split = ATTRIBUTION_SPLIT_CPU } },
		{ "counters a little apart: a job's share is at most the node's",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 100 },
		    .cpu = CPU(2, 5, 4), .charges_job = true },
		  { .step = { [DOMAIN_CPU] = 40 }, .job = { [DOMAIN_CPU] = 100 },
		    .split = ATTRIBUTION_SPLIT_CPU } },
		{ "counter wrap: the node's energy across the wrap, split as usual",
		  { .prev_s = T0, .now_s = T0 + 10,
		    .node_j = { [DOMAIN_CPU] = (double)counter_delta(RANGE_UJ - 40000000, 60000000,
								    RANGE_UJ) / 1e6 },
		    .cpu = CPU(1, 2, 4), .charges_job = true },
		  { .step = { [DOMAIN_CPU] = 25 }, .job = { [DOMAIN_CPU] = 50 },
		    .split = ATTRIBUTION_SPLIT_CPU } },
		{ "idle node (1 % of a CPU): by allocated CPUs, 2 of the 3 present, all to the holder",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 300 },
		    .cpu = CPU(0, 0, 0.1), .charges_job = true, .alloc_cpus = 2, .present_cpus = 3 },
		  { .step = { [DOMAIN_CPU] = 200 }, .job = { [DOMAIN_CPU] = 200 },
		    .split = ATTRIBUTION_SPLIT_ALLOC } },
		{ "idle node, the job's CPUs unknown: it weighs one CPU",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 300 },
		    .cpu = CPU(0, 0, 0.1), .charges_job = true, .present_cpus = 3 },
		  { .step = { [DOMAIN_CPU] = 100 }, .job = { [DOMAIN_CPU] = 100 },
		    .split = ATTRIBUTION_SPLIT_ALLOC } },
		{ "idle node, no lease to count the jobs present by: the node is the job's",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 300 },
		    .cpu = CPU(0, 0, 0.1), .charges_job = true, .alloc_cpus = 2 },
		  { .step = { [DOMAIN_CPU] = 300 }, .job = { [DOMAIN_CPU] = 300 },
		    .split = ATTRIBUTION_SPLIT_ALLOC } },
		{ "idle node, a step that does not charge the job: nothing",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 300 },
		    .cpu = CPU(0, 0, 0.1), .alloc_cpus = 2, .present_cpus = 3 },
		  { .split = ATTRIBUTION_SPLIT_ALLOC } },
		{ "busy node, idle job: the job's share by CPU time, all to the holder",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 100 },
		    .cpu = CPU(0, 0.1, 4), .charges_job = true },
		  { .step = { [DOMAIN_CPU] = 2.5 }, .job = { [DOMAIN_CPU] = 2.5 },
		    .split = ATTRIBUTION_SPLIT_CPU } },
		{ "no CPU times to split by: the node is the job's, all to the holder",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 100 },
		    .charges_job = true },
		  { .step = { [DOMAIN_CPU] = 100 }, .job = { [DOMAIN_CPU] = 100 },
		    .split = ATTRIBUTION_SPLIT_NONE } },
		{ "no CPU times to split by, not the holder: nothing",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 100 } },
		  { .split = ATTRIBUTION_SPLIT_NONE } },
		{ "the job's cgroup gone (the job ending): the previous interval's shares",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 100 },
		    .cpu = PROC(3, 3), .charges_job = true, .cgroup_seen = true,
		    .last_f_job = 0.25, .last_f_step = 0.5 },
		  { .step = { [DOMAIN_CPU] = 12.5 }, .job = { [DOMAIN_CPU] = 25 },
		    .split = ATTRIBUTION_SPLIT_KEPT } },
		{ "lease taken over mid-interval: the job only from where the last holder stopped",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 100 },
		    .cpu = CPU(0.5, 2, 4), .charges_job = true, .job_charged_until = T0 + 5 },
		  { .step = { [DOMAIN_CPU] = 12.5 }, .job = { [DOMAIN_CPU] = 25 },
		    .split = ATTRIBUTION_SPLIT_CPU } },
		{ "the last holder charged past now: nothing more for the job",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 100 },
		    .cpu = CPU(0.5, 2, 4), .charges_job = true, .job_charged_until = T0 + 20 },
		  { .step = { [DOMAIN_CPU] = 12.5 }, .split = ATTRIBUTION_SPLIT_CPU } },
		{ "model, no RAPL: 25 W a busy CPU, memory the job's own, all estimated",
		  { .prev_s = T0, .now_s = T0 + 10, .cpu = CPU(1, 2, 4), .charges_job = true,
		    .model = MODEL },
		  { .step = { [DOMAIN_CPU] = 25, [DOMAIN_DRAM] = 10 },
		    .job = { [DOMAIN_CPU] = 50, [DOMAIN_DRAM] = 20 }, .est = 70,
		    .split = ATTRIBUTION_SPLIT_CPU, .model = true } },
		{ "model, idle job: memory still drawn, to the holder",
		  { .prev_s = T0, .now_s = T0 + 10, .cpu = CPU(0, 0, 0), .charges_job = true,
		    .present_cpus = 2, .alloc_cpus = 2, .model = MODEL },
		  { .step = { [DOMAIN_DRAM] = 20 }, .job = { [DOMAIN_DRAM] = 20 }, .est = 20,
		    .split = ATTRIBUTION_SPLIT_ALLOC, .model = true } },
		{ "model, no denominator: the step's own CPU time",
		  { .prev_s = T0, .now_s = T0 + 10, .charges_job = true,
		    .cpu = { .have = true, .step_ns = NS(2), .job_ns = NS(2) }, .model = MODEL },
		  { .step = { [DOMAIN_CPU] = 50, [DOMAIN_DRAM] = 20 },
		    .job = { [DOMAIN_CPU] = 50, [DOMAIN_DRAM] = 20 }, .est = 70,
		    .split = ATTRIBUTION_SPLIT_NONE, .model = true } },
		{ "model, not the holder: the step's share, nothing estimated for the job",
		  { .prev_s = T0, .now_s = T0 + 10, .cpu = CPU(1, 2, 4), .model = MODEL },
		  { .step = { [DOMAIN_CPU] = 25, [DOMAIN_DRAM] = 10 },
		    .split = ATTRIBUTION_SPLIT_CPU, .model = true } },
		{ "GPU only: the step has all its GPUs, the job those whose lease it holds",
		  { .prev_s = T0, .now_s = T0 + 10,
		    .gpu = (const struct attribution_gpu[]){ { .j = 3000, .charges_job = true },
							     { .j = 1500 } },
		    .n_gpus = 2 },
		  { .step = { [DOMAIN_GPU] = 4500 }, .job = { [DOMAIN_GPU] = 3000 } } },
		{ "a GPU's lease taken over mid-interval: the job from where it stopped",
		  { .prev_s = T0, .now_s = T0 + 10,
		    .gpu = (const struct attribution_gpu[]){
			    { .j = 100, .charges_job = true, .charged_until = T0 + 2.5 } },
		    .n_gpus = 1 },
		  { .step = { [DOMAIN_GPU] = 100 }, .job = { [DOMAIN_GPU] = 75 } } },
		{ "a GPU modelled at its TDP: estimated where charged to the job",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 100 },
		    .cpu = CPU(1, 2, 4),
		    .gpu = (const struct attribution_gpu[]){
			    { .j = 2000, .modelled = true, .charges_job = true },
			    { .j = 500, .modelled = true } },
		    .n_gpus = 2 },
		  { .step = { [DOMAIN_CPU] = 25, [DOMAIN_GPU] = 2500 },
		    .job = { [DOMAIN_GPU] = 2000 }, .est = 2000,
		    .split = ATTRIBUTION_SPLIT_CPU, .model = true } },
		{ "RAPL and GPU together: CPU split by time, GPU whole",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 100 },
		    .cpu = CPU(2, 2, 4), .charges_job = true,
		    .gpu = (const struct attribution_gpu[]){ { .j = 3000, .charges_job = true } },
		    .n_gpus = 1 },
		  { .step = { [DOMAIN_CPU] = 50, [DOMAIN_GPU] = 3000 },
		    .job = { [DOMAIN_CPU] = 50, [DOMAIN_GPU] = 3000 },
		    .split = ATTRIBUTION_SPLIT_CPU } },
		/* spank_carbon(8)'s worked example: 2000 J; job A 12 CPU-s of the
		 * node's 18 (its srun step 11.9, its batch script 0.1), B 6. */
		{ "worked example: A's srun step",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 2000 },
		    .cpu = CPU(11.9, 12, 18) },
		  { .step = { [DOMAIN_CPU] = 2000.0 * 12 / 18 * 11.9 / 12 },
		    .split = ATTRIBUTION_SPLIT_CPU } },
		{ "worked example: A's batch step",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 2000 },
		    .cpu = CPU(0.1, 12, 18) },
		  { .step = { [DOMAIN_CPU] = 2000.0 * 12 / 18 * 0.1 / 12 },
		    .split = ATTRIBUTION_SPLIT_CPU } },
		{ "worked example: A's extern step, which holds A's lease",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 2000 },
		    .cpu = CPU(0, 12, 18), .charges_job = true },
		  { .job = { [DOMAIN_CPU] = 2000.0 * 12 / 18 }, .split = ATTRIBUTION_SPLIT_CPU } },
		{ "worked example, next interval idle: A (2 of 3 allocated CPUs)",
		  { .prev_s = T0 + 10, .now_s = T0 + 20, .node_j = { [DOMAIN_CPU] = 400 },
		    .cpu = CPU(0, 0, 0), .charges_job = true, .alloc_cpus = 2, .present_cpus = 3 },
		  { .job = { [DOMAIN_CPU] = 400.0 * 2 / 3 }, .step = { [DOMAIN_CPU] = 400.0 * 2 / 3 },
		    .split = ATTRIBUTION_SPLIT_ALLOC } },
		{ "a 0 s interval (the final sample at the previous one's instant): no 0 / 0",
		  { .prev_s = T0, .now_s = T0, .node_j = { [DOMAIN_CPU] = 0.25 },
		    .cpu = CPU(0, 0, 0), .charges_job = true, .alloc_cpus = 2 },
		  { .step = { [DOMAIN_CPU] = 0.25 }, .job = { [DOMAIN_CPU] = 0.25 },
		    .split = ATTRIBUTION_SPLIT_ALLOC } },
		{ "an interval that runs backwards (a clock step) is 0 s long",
		  { .prev_s = T0 + 10, .now_s = T0, .cpu = CPU(0, 0, 0), .charges_job = true,
		    .model = MODEL },
		  { .split = ATTRIBUTION_SPLIT_ALLOC, .model = true } },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_row(rows[i].what, &rows[i].in, &rows[i].want);
}

/* A whole-node meter: other = node - (cpu + dram + the GPUs the meter
 * includes), never below 0, set against each reading, split by allocated
 * CPUs. Each row: the interval, and the step's and job's other and what
 * waits for the meter's next reading. */
#define NODE(r, n, g, p) { .have = true, .reading = ATTRIBUTION_NODE_##r, .node_j = (n), \
			   .gpu_j = (g), .pending_j = (p) }
static void test_node_meter_table(void **state)
{
	const struct {
		const char *what;
		struct attribution_in in;
		double step_other, job_other, pending, cpu_job;
	} rows[] = {
		/* spank_carbon(8)'s worked example: 10 s, the meter 6 000 J,
		 * packages 2 800 J, DRAM 400 J, two GPUs 1 800 J inside the
		 * meter: other 1 000 J; A holds 48 of the 64 allocated CPUs. */
		{ "worked example: job A, 48 of 64 allocated CPUs",
		  { .prev_s = T0, .now_s = T0 + 10,
		    .node_j = { [DOMAIN_CPU] = 2800, [DOMAIN_DRAM] = 400 },
		    .cpu = CPU(6, 6, 8), .charges_job = true, .alloc_cpus = 48, .present_cpus = 64,
		    .node = NODE(READ, 6000, 1800, 0) },
		  750, 750, 0, 2100 },
		{ "worked example: job B, 16 of 64",
		  { .prev_s = T0, .now_s = T0 + 10,
		    .node_j = { [DOMAIN_CPU] = 2800, [DOMAIN_DRAM] = 400 },
		    .cpu = CPU(2, 2, 8), .charges_job = true, .alloc_cpus = 16, .present_cpus = 64,
		    .node = NODE(READ, 6000, 1800, 0) },
		  250, 250, 0, 700 },
		{ "a step of A that does not hold A's lease: its CPU-time share of A's other",
		  { .prev_s = T0, .now_s = T0 + 10,
		    .node_j = { [DOMAIN_CPU] = 2800, [DOMAIN_DRAM] = 400 },
		    .cpu = CPU(1.5, 6, 8), .alloc_cpus = 48, .present_cpus = 64,
		    .node = NODE(READ, 6000, 1800, 0) },
		  187.5, 0, 0, 0 },
		{ "the meter below the parts (a lagging average): 0, not negative",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 2800 },
		    .charges_job = true, .node = NODE(READ, 2700, 0, 0) },
		  0, 0, 0, 2800 },
		{ "between readings: no other, the parts wait",
		  { .prev_s = T0, .now_s = T0 + 10,
		    .node_j = { [DOMAIN_CPU] = 300, [DOMAIN_DRAM] = 50 },
		    .charges_job = true, .node = NODE(WAIT, 0, 0, 100) },
		  0, 0, 450, 300 },
		{ "the next reading: set against the waiting parts too",
		  { .prev_s = T0, .now_s = T0 + 10,
		    .node_j = { [DOMAIN_CPU] = 300, [DOMAIN_DRAM] = 50 },
		    .charges_job = true, .alloc_cpus = 4, .present_cpus = 8,
		    .node = NODE(READ, 1000, 0, 450) },
		  100, 100, 0, 300 },
		{ "the meter restarted: no other invented, the waiting parts dropped",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 300 },
		    .charges_job = true, .node = NODE(LOST, 50, 0, 450) },
		  0, 0, 0, 300 },
		{ "RAPL's psys excess is not used beside a node meter",
		  { .prev_s = T0, .now_s = T0 + 10,
		    .node_j = { [DOMAIN_CPU] = 300, [DOMAIN_OTHER] = 200 },
		    .charges_job = true, .node = NODE(READ, 400, 0, 0) },
		  100, 100, 0, 300 },
		{ "no lease to count the jobs present by: the node's other is the job's",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 300 },
		    .cpu = CPU(1, 1, 4), .charges_job = true, .alloc_cpus = 4,
		    .node = NODE(READ, 500, 0, 0) },
		  200, 200, 0, 75 },
		{ "the job's lease taken over mid-interval: the job's other from there",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 300 },
		    .charges_job = true, .job_charged_until = T0 + 5, .alloc_cpus = 2,
		    .present_cpus = 4, .node = NODE(READ, 700, 0, 0) },
		  200, 100, 0, 150 },
		{ "a neighbour of 2 CPUs that left half way: it weighs 1 CPU over the interval",
		  { .prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 300 },
		    .charges_job = true, .alloc_cpus = 4, .present_cpus = 4 + 2 * 0.5,
		    .node = NODE(READ, 800, 0, 0) },
		  400, 400, 0, 300 },
		{ "a whole-module meter without RAPL: the model's CPU is subtracted",
		  { .prev_s = T0, .now_s = T0 + 10, .cpu = CPU(1, 2, 4), .charges_job = true,
		    .model = MODEL, .node = NODE(READ, 3000, 2000, 0) },
		  450, 900, 0, 50 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct attribution_out out;

		attribution_interval(&rows[i].in, &out);
		check_close(rows[i].what, "step other", out.step_j[DOMAIN_OTHER], rows[i].step_other);
		check_close(rows[i].what, "job other", out.job_j[DOMAIN_OTHER], rows[i].job_other);
		check_close(rows[i].what, "waiting", out.pending_j, rows[i].pending);
		check_close(rows[i].what, "job cpu", out.job_j[DOMAIN_CPU], rows[i].cpu_job);
	}
}

static void test_cpu_interval_table(void **state)
{
	const struct cputime_sample cg0 = {
		.step_ns = 1000, .job_ns = 5000, .all_ns = 9000, .node_ns = 20000,
		.have_step = true, .have_job = true, .have_all = true, .have_node = true,
		.source = CPUTIME_CGROUP_V1,
	};
	const struct cputime_sample proc0 = {
		.step_ns = 1000, .job_ns = 1000, .node_ns = 20000,
		.have_step = true, .have_node = true, .source = CPUTIME_PROC,
	};
	const struct {
		const char *what;
		const struct cputime_sample *prev, *cur;
		struct attribution_cpu want;
	} rows[] = {
		{ "first reading: nothing to take a delta from", NULL, &cg0,
		  { .job_cgroup = true } },
		{ "a failed reading: nothing", &cg0, NULL, { 0 } },
		{ "cgroups: the step's, the job's and all jobs' time",
		  &cg0,
		  &(const struct cputime_sample){
			  .step_ns = 1500, .job_ns = 6000, .all_ns = 12000, .node_ns = 30000,
			  .have_step = true, .have_job = true, .have_all = true, .have_node = true,
			  .source = CPUTIME_CGROUP_V1 },
		  { .have = true, .step_ns = 500, .job_ns = 1000, .all_ns = 3000, .have_all = true,
		    .job_cgroup = true } },
		{ "/proc: the step's time stands for the job's, the node's for all",
		  &proc0,
		  &(const struct cputime_sample){
			  .step_ns = 1700, .job_ns = 1700, .node_ns = 25000,
			  .have_step = true, .have_node = true, .source = CPUTIME_PROC },
		  { .have = true, .step_ns = 700, .job_ns = 700, .all_ns = 5000, .have_all = true } },
		{ "no all-jobs counter this time: the node's busy time",
		  &cg0,
		  &(const struct cputime_sample){
			  .step_ns = 1500, .job_ns = 6000, .node_ns = 30000,
			  .have_step = true, .have_job = true, .have_node = true,
			  .source = CPUTIME_CGROUP_V2 },
		  { .have = true, .step_ns = 500, .job_ns = 1000, .all_ns = 10000, .have_all = true,
		    .job_cgroup = true } },
		{ "neither all jobs' nor the node's time: no denominator",
		  &proc0,
		  &(const struct cputime_sample){
			  .step_ns = 1700, .job_ns = 1700, .have_step = true,
			  .source = CPUTIME_PROC },
		  { .have = true, .step_ns = 700, .job_ns = 700 } },
		{ "a counter that went down counts 0",
		  &cg0,
		  &(const struct cputime_sample){
			  .step_ns = 900, .job_ns = 5000, .all_ns = 8000, .node_ns = 20001,
			  .have_step = true, .have_job = true, .have_all = true, .have_node = true,
			  .source = CPUTIME_CGROUP_V1 },
		  { .have = true, .have_all = true, .job_cgroup = true } },
		{ "cgroups found only now: the step's, job's and all jobs' time from 0",
		  &proc0,
		  &(const struct cputime_sample){
			  .step_ns = 300, .job_ns = 400, .all_ns = 800, .node_ns = 26000,
			  .have_step = true, .have_job = true, .have_all = true, .have_node = true,
			  .rebased = true, .source = CPUTIME_CGROUP_V2 },
		  { .have = true, .step_ns = 300, .job_ns = 400, .all_ns = 800, .have_all = true,
		    .job_cgroup = true } },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct attribution_cpu got;
		const struct attribution_cpu *w = &rows[i].want;

		attribution_cpu_interval(rows[i].prev, rows[i].cur, &got);
		if (got.have != w->have || got.step_ns != w->step_ns || got.job_ns != w->job_ns ||
		    got.all_ns != w->all_ns || got.have_all != w->have_all ||
		    got.job_cgroup != w->job_cgroup)
			fail_msg("%s: have %d step %llu job %llu all %llu have_all %d job_cgroup %d",
				 rows[i].what, got.have, (unsigned long long)got.step_ns,
				 (unsigned long long)got.job_ns, (unsigned long long)got.all_ns,
				 got.have_all, got.job_cgroup);
	}
}

static void test_unclaimed_and_seconds(void **state)
{
	static const struct {
		double prev, now, until, want;
		const char *what;
	} rows[] = {
		{ 100, 110, 0, 1.0, "nobody charged: all of it" },
		{ 100, 110, 100, 1.0, "charged up to the interval's start: all of it" },
		{ 100, 110, 104, 0.6, "charged into the interval: the rest" },
		{ 100, 110, 110, 0.0, "charged up to now: nothing" },
		{ 100, 110, 120, 0.0, "charged past now: nothing" },
		{ 100, 100, 100, 1.0, "an empty interval nobody charged" },
		{ 100, 100, 105, 0.0, "an empty interval charged past" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_close(rows[i].what, "unclaimed",
			    attribution_unclaimed(rows[i].prev, rows[i].now, rows[i].until),
			    rows[i].want);
	check_close("forwards", "seconds", attribution_seconds(100, 110.5), 10.5);
	check_close("backwards", "seconds", attribution_seconds(110, 100), 0);
}

/* Three jobs on a node, each charged by its holder: busy, the node's energy
 * by CPU time; idle, by allocated CPUs. Together never more than the node,
 * and all of it when the jobs' time is all the node's. */
static void test_jobs_share_the_node(void **state)
{
	const double job_s[3] = { 1.0, 2.5, 0.5 }, idle_s[3] = { 0.01, 0, 0.02 };
	const unsigned alloc[3] = { 4, 2, 2 };
	double busy_sum = 0, idle_sum = 0;
	int k;

	(void)state;
	for (k = 0; k < 3; k++) {
		struct attribution_in in = {
			.prev_s = T0, .now_s = T0 + 10, .node_j = { [DOMAIN_CPU] = 800 },
			.cpu = CPU(job_s[k], job_s[k], 4.0), .charges_job = true,
			.alloc_cpus = alloc[k], .present_cpus = 8,
		};
		struct attribution_out out;

		assert_false(attribution_is_idle(&in));
		attribution_interval(&in, &out);
		busy_sum += out.job_j[DOMAIN_CPU];
		in.cpu = (struct attribution_cpu)CPU(idle_s[k], idle_s[k], 0.03);
		assert_true(attribution_is_idle(&in));
		attribution_interval(&in, &out);
		idle_sum += out.job_j[DOMAIN_CPU];
	}
	check_close("busy node", "sum of the jobs", busy_sum, 800);
	check_close("idle node", "sum of the jobs", idle_sum, 800);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval_table),
		cmocka_unit_test(test_node_meter_table),
		cmocka_unit_test(test_cpu_interval_table),
		cmocka_unit_test(test_unclaimed_and_seconds),
		cmocka_unit_test(test_jobs_share_the_node),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

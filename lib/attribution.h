/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Attribution: one interval's readings in, the step's and the job's joules
 * out (spank_carbon(8), "Attribution"). Pure arithmetic: no I/O, no clock,
 * no state but what the caller passes in; the meter reads the sensors,
 * calls these, and adds the result to the record.
 *
 * Each interval [prev_s, now_s] on a node:
 *   node energy E        the counters' deltas (RAPL package, dram, psys
 *                        excess), or the model where the node has no RAPL;
 *   job share  f_job     the job's CPU time / all jobs' CPU time on the node
 *                        (the node's busy time where there are no job
 *                        cgroups); when nothing is busy, the job's allocated
 *                        CPUs / the allocated CPUs of all jobs present;
 *                        1 when there is nothing to split by;
 *   step share f_step    the step's CPU time / the job's CPU time; while the
 *                        job idles, 1 for the step that charges the job.
 * The step's own figure is E x f_job x f_step. The job's figure is
 * E x f_job, but only in the step that charges the job (holds the job's
 * lease on the node), and only for the part of the interval after what the
 * lease's previous holder charged: so the steps of a job side by side count
 * it once. A GPU's energy is the step's own whole, and the job's in the
 * step that holds that GPU's lease. Memory under the model is the job's own
 * (W per GB of its memory), split among its steps by f_step.
 *
 * Where a whole-node meter is read (struct attribution_node), the node's
 * "other" energy is what the meter saw beyond the parts the record counts:
 *   other = max(0, node - (cpu + dram + the GPUs the meter includes)),
 * set against each reading of the meter (the parts of the intervals since
 * its previous reading wait for it), split among the jobs on the node by
 * allocated CPUs: f_alloc = the job's allocated CPUs / the allocated CPUs
 * of all jobs present (1 where that is unknown), and within the job by
 * f_step. RAPL's psys excess is then not used: the meter is the one source
 * of "other". */
#ifndef CARBON_ATTRIBUTION_H
#define CARBON_ATTRIBUTION_H

#include <stdbool.h>
#include <stdint.h>

#include "cputime.h"
#include "energy.h"

/* Below this share of one CPU over the interval, nothing is busy. */
#define ATTRIBUTION_IDLE_CPU_SHARE 0.02

/* CPU time used in the interval, in nanoseconds. */
struct attribution_cpu {
	bool have;		/* two readings: the deltas below mean something */
	uint64_t step_ns;	/* the step's */
	uint64_t job_ns;	/* the job's on the node; the step's where the
				 * job's own counter is missing */
	uint64_t all_ns;	/* the split's denominator: all jobs' CPU time
				 * on the node, else the node's busy time */
	bool have_all;		/* all_ns was read both times */
	bool job_cgroup;	/* this reading came from the job's cgroup */
};

/* The CPU time of the interval between two readings (cputime_read):
 * prev NULL where there was no earlier reading, cur NULL where this one
 * failed. A counter that went down counts 0 (counter_delta without a
 * range). Where cur->rebased (the cgroups were found only now), the step's,
 * job's and all jobs' times count from 0. */
void attribution_cpu_interval(const struct cputime_sample *prev,
			      const struct cputime_sample *cur,
			      struct attribution_cpu *out);

/* The model's parameters, where the node has no RAPL (lib/model.h). */
struct attribution_model {
	bool cpu;			/* CPU and memory from the model */
	double cpu_tdp_per_socket_w;
	unsigned sockets, cpus;		/* cpus: logical CPUs */
	double memory_w_per_gb;
	double memory_gb;		/* the job's memory on the node */
};

/* One GPU the step holds. */
struct attribution_gpu {
	double j;		/* its energy over the interval, J */
	bool modelled;		/* j is the model's (TDP), not a reading */
	bool charges_job;	/* this step holds the GPU's lease */
	double charged_until;	/* up to where the lease's holders charged,
				 * seconds since the epoch (0: nobody) */
};

/* What the node meter said at the end of the interval. */
enum attribution_node_reading {
	ATTRIBUTION_NODE_WAIT,	/* no new reading (not due yet, or the meter
				 * is stale or unreadable): the interval's
				 * parts wait for the next reading, no other */
	ATTRIBUTION_NODE_READ,	/* a new reading: node_j since the previous */
	ATTRIBUTION_NODE_LOST,	/* the meter's counters restarted: its energy
				 * since the previous reading is unknown, so
				 * no other, and the waiting parts are dropped */
};

/* The whole-node meter's part of the interval. */
struct attribution_node {
	bool have;		/* a node meter is read: it is the source of
				 * "other" */
	enum attribution_node_reading reading;
	double node_j;		/* ATTRIBUTION_NODE_READ: the meter's energy
				 * since its previous reading, J */
	double gpu_j;		/* the GPUs the meter includes, J, to subtract:
				 * over this interval (or, read with the meter,
				 * over its span: pm_counters' accel files) */
	double pending_j;	/* cpu + dram + included GPUs of the intervals
				 * since the meter's previous reading, J: the
				 * previous interval's out.pending_j */
};

struct attribution_in {
	double prev_s, now_s;	/* the interval, seconds since the epoch; one
				 * that runs backwards counts as 0 s long */
	double node_j[DOMAIN_COUNT];	/* the node's counters over the
					 * interval, J (0 where none) */
	struct attribution_cpu cpu;
	bool charges_job;	/* this step holds the job's lease */
	double job_charged_until;	/* up to where the lease's holders
					 * charged the job (0: nobody) */
	unsigned alloc_cpus;	/* the job's CPUs on the node; 0: unknown */
	double present_cpus;	/* allocated CPUs of all jobs present on the
				 * node over the interval (their leases:
				 * lease_jobs_present); read only where
				 * attribution_is_idle() or node.have;
				 * 0: unknown */
	struct attribution_model model;
	/* what the previous intervals left */
	bool cgroup_seen;	/* an earlier reading came from the job's
				 * cgroup: where it has gone now (removed as
				 * the job ends), the previous shares hold */
	double last_f_job, last_f_step;
	const struct attribution_gpu *gpu;	/* n_gpus of them */
	unsigned n_gpus;
	struct attribution_node node;
};

/* How the node's energy was split in the interval. */
enum attribution_split {
	ATTRIBUTION_SPLIT_NONE,		/* nothing to split by: f_job 1 */
	ATTRIBUTION_SPLIT_CPU,		/* by CPU time */
	ATTRIBUTION_SPLIT_ALLOC,	/* idle: by allocated CPUs */
	ATTRIBUTION_SPLIT_KEPT,		/* the job's cgroup is gone: the
					 * previous interval's shares */
};

struct attribution_out {
	double step_j[DOMAIN_COUNT];	/* the step's own share, J */
	double job_j[DOMAIN_COUNT];	/* the job's share this step charges, J */
	double estimated_j;	/* the part of job_j from the model */
	double f_job, f_step;	/* the shares used: the next interval's
				 * last_f_job and last_f_step */
	enum attribution_split split;
	bool model_used;	/* some of the energy came from the model */
	/* with a node meter */
	double other_node_j;	/* the node's other, before the split, J */
	double f_alloc;		/* the job's share of the node's other */
	double pending_j;	/* the parts still waiting for a reading: the
				 * next interval's node.pending_j */
};

/* Whether the interval is idle with CPU times to split by: the node's
 * energy then goes by allocated CPUs, and the caller must fill
 * in->present_cpus before attribution_interval. */
bool attribution_is_idle(const struct attribution_in *in);

/* The step's and the job's joules of one interval. Never fails; every
 * figure is finite and >= 0 when the inputs are. */
void attribution_interval(const struct attribution_in *in, struct attribution_out *out);

/* The length of [prev_s, now_s] in seconds: 0 for one that runs backwards
 * (a clock stepped back). */
double attribution_seconds(double prev_s, double now_s);

/* The share of [prev_s, now_s] a lease holder may still charge: the part
 * after charged_until, what the lease's previous holders charged. 1 when
 * nothing of it was charged, 0 when all was (or the interval is empty). */
double attribution_unclaimed(double prev_s, double now_s, double charged_until);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Attribution: the step's and the job's share of an interval's energy. */
#include "attribution.h"

#include <string.h>

#include "model.h"

void attribution_cpu_interval(const struct cputime_sample *prev,
			      const struct cputime_sample *cur,
			      struct attribution_cpu *out)
{
	struct cputime_sample last;

	memset(out, 0, sizeof(*out));
	if (!cur)
		return;
	out->job_cgroup = cur->source != CPUTIME_PROC && cur->have_job;
	if (!prev)
		return;
	last = *prev;
	if (cur->rebased) {
		/* The cgroups were made after the previous reading: their
		 * counters count from 0. */
		last.step_ns = last.job_ns = last.all_ns = 0;
		last.have_all = true;
	}
	out->have = true;
	out->step_ns = cur->have_step ? counter_delta(last.step_ns, cur->step_ns, 0) : 0;
	out->job_ns = cur->have_job ? counter_delta(last.job_ns, cur->job_ns, 0) : out->step_ns;
	/* The node's CPU time outside jobs (slurmd's, the system's) is
	 * overhead the jobs present share: all jobs' time is the
	 * denominator; the node's busy time only where job cgroups are
	 * absent. */
	if (cur->have_all && last.have_all) {
		out->all_ns = counter_delta(last.all_ns, cur->all_ns, 0);
		out->have_all = true;
	} else if (cur->have_node && last.have_node) {
		out->all_ns = counter_delta(last.node_ns, cur->node_ns, 0);
		out->have_all = true;
	}
}

double attribution_unclaimed(double prev_s, double now_s, double charged_until)
{
	if (charged_until <= prev_s)
		return 1.0;
	if (charged_until >= now_s || now_s <= prev_s)
		return 0.0;
	return (now_s - charged_until) / (now_s - prev_s);
}

double attribution_seconds(double prev_s, double now_s)
{
	return now_s > prev_s ? now_s - prev_s : 0.0;
}

static double interval_s(const struct attribution_in *in)
{
	return attribution_seconds(in->prev_s, in->now_s);
}

/* At least ATTRIBUTION_IDLE_CPU_SHARE of one CPU over dt, and some CPU time
 * at all: over a 0 s interval nothing used is not busy (and not 0 / 0). */
static bool is_busy(uint64_t ns, double dt)
{
	return ns > 0 && (double)ns >= ATTRIBUTION_IDLE_CPU_SHARE * dt * 1e9;
}

static bool split_by_cpu(const struct attribution_in *in)
{
	return in->cpu.have && in->cpu.have_all;
}

bool attribution_is_idle(const struct attribution_in *in)
{
	return split_by_cpu(in) && !is_busy(in->cpu.all_ns, interval_s(in));
}

static double at_most_1(double f)
{
	return f > 1.0 ? 1.0 : f;
}

/* The job's share of what is split by allocated CPUs: its CPUs (one where
 * unknown) over those of all jobs present; 1 where those are unknown. */
static double alloc_share(const struct attribution_in *in)
{
	if (in->present_cpus <= 0)
		return 1.0;
	return at_most_1((double)(in->alloc_cpus ? in->alloc_cpus : 1) / in->present_cpus);
}

/* f_job and f_step of the interval. */
static void shares(const struct attribution_in *in, struct attribution_out *out)
{
	const struct attribution_cpu *c = &in->cpu;
	double dt = interval_s(in);

	out->f_job = 1.0;	/* nothing to split by: the node is the job's */
	out->f_step = in->charges_job ? 1.0 : 0.0;
	out->split = ATTRIBUTION_SPLIT_NONE;
	if (!split_by_cpu(in))
		return;
	if (!attribution_is_idle(in)) {
		out->f_job = at_most_1((double)c->job_ns / (double)c->all_ns);
		out->split = ATTRIBUTION_SPLIT_CPU;
	} else {
		out->f_job = alloc_share(in);
		out->split = ATTRIBUTION_SPLIT_ALLOC;
	}
	/* While the job idles, the step that charges it takes it all. */
	if (is_busy(c->job_ns, dt))
		out->f_step = at_most_1((double)c->step_ns / (double)c->job_ns);
	if (in->cgroup_seen && !c->job_cgroup) {
		out->f_job = in->last_f_job;
		out->f_step = in->last_f_step;
		out->split = ATTRIBUTION_SPLIT_KEPT;
	}
}

/* The node meter's other for the interval, into out->other_node_j, and
 * what waits for its next reading, into out->pending_j; parts_j: the
 * interval's cpu + dram. */
static void node_other(const struct attribution_node *nm, double parts_j,
		       struct attribution_out *out)
{
	double parts = nm->pending_j + parts_j + nm->gpu_j;

	out->other_node_j = 0.0;
	out->pending_j = 0.0;
	switch (nm->reading) {
	case ATTRIBUTION_NODE_WAIT:
		out->pending_j = parts;
		break;
	case ATTRIBUTION_NODE_READ:
		/* Never below 0: the parts are read one after the other and a
		 * meter's average lags, so a few joules either way are
		 * expected; clamped per reading, none borrows from another. */
		if (nm->node_j > parts)
			out->other_node_j = nm->node_j - parts;
		break;
	case ATTRIBUTION_NODE_LOST:
		break;
	}
}

void attribution_interval(const struct attribution_in *in, struct attribution_out *out)
{
	const struct attribution_model *mo = &in->model;
	double node[DOMAIN_COUNT], dt = interval_s(in), share;
	unsigned i;
	int d;

	memset(out, 0, sizeof(*out));
	shares(in, out);
	memcpy(node, in->node_j, sizeof(node));

	/* The model, where there is no RAPL: the node's CPUs draw their share
	 * of TDP per busy CPU-second, split like measured energy; memory is
	 * the job's own, per GB allocated. */
	if (mo->cpu)
		node[DOMAIN_CPU] = model_cpu_energy_j(mo->cpu_tdp_per_socket_w, mo->sockets, mo->cpus,
						      (double)(split_by_cpu(in) ? in->cpu.all_ns
									       : in->cpu.step_ns) / 1e9);
	/* A node meter: other is the meter's, split by allocated CPUs (and
	 * RAPL's psys excess is not used). */
	if (in->node.have) {
		node_other(&in->node, node[DOMAIN_CPU] + node[DOMAIN_DRAM], out);
		node[DOMAIN_OTHER] = 0.0;
	}
	for (d = 0; d < DOMAIN_COUNT; d++) {
		out->job_j[d] = node[d] * out->f_job;
		out->step_j[d] = out->job_j[d] * out->f_step;
	}
	if (in->node.have) {
		out->f_alloc = alloc_share(in);
		out->job_j[DOMAIN_OTHER] = out->other_node_j * out->f_alloc;
		out->step_j[DOMAIN_OTHER] = out->job_j[DOMAIN_OTHER] * out->f_step;
	}
	if (mo->cpu) {
		out->job_j[DOMAIN_DRAM] = model_memory_energy_j(mo->memory_w_per_gb, mo->memory_gb, dt);
		out->step_j[DOMAIN_DRAM] = out->job_j[DOMAIN_DRAM] * out->f_step;
		out->estimated_j = out->job_j[DOMAIN_CPU] + out->job_j[DOMAIN_DRAM];
		out->model_used = true;
	}

	/* The job's share, once: only its lease's holder, only what is
	 * unclaimed. */
	if (in->charges_job) {
		share = attribution_unclaimed(in->prev_s, in->now_s, in->job_charged_until);
		for (d = 0; d < DOMAIN_COUNT; d++)
			out->job_j[d] *= share;
		out->estimated_j *= share;
	} else {
		memset(out->job_j, 0, sizeof(out->job_j));
		out->estimated_j = 0.0;
	}

	/* GPUs: the step's own figure has all of its GPUs; the job's only the
	 * ones whose lease this step holds. */
	for (i = 0; i < in->n_gpus; i++) {
		const struct attribution_gpu *g = &in->gpu[i];

		out->step_j[DOMAIN_GPU] += g->j;
		if (g->charges_job) {
			share = attribution_unclaimed(in->prev_s, in->now_s, g->charged_until);
			out->job_j[DOMAIN_GPU] += g->j * share;
			if (g->modelled)
				out->estimated_j += g->j * share;
		}
		out->model_used |= g->modelled;
	}
}

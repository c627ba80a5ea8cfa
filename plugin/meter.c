/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The meter: sensors in, the step's share and the job's share out. It
 * reads the counters, CPU times and leases; the rule that splits the
 * interval's energy is attribution_interval (lib/attribution.h). */
#include "meter.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "rangelist.h"
#include "spool.h"

/* NVML's energy counter costs milliseconds a reading (3.8 ms on an H200),
 * its power reading microseconds: power every sample, the counter, which
 * corrects the integrated power, at each checkpoint and at the end. */
#define GPU_COUNTER_EVERY_DEFAULT 60

/* A note in the record, and one log line: a fault (something an
 * administrator must fix) or how the node is (no RAPL, no NVML, a CPU the
 * TDP table lacks: expected, said at info). Each is said at most once a
 * step: at the step's start. */
enum say_kind { NODE_IS, FAULT };

static void say(meter_log_fn log_fn, enum say_kind kind, struct step_record *r,
		const char *note, const char *detail)
{
	char msg[1400];

	record_note(r, note);
	if (log_fn) {
		snprintf(msg, sizeof(msg), "%s%s%s", note, detail && detail[0] ? ": " : "",
			 detail ? detail : "");
		log_fn(kind == FAULT, msg);
	}
}

/* Put NVML device i in out[] (n of max used), once: a GPU named twice
 * counts once. */
static void add_gpu(unsigned *out, unsigned *n, unsigned max, unsigned i)
{
	unsigned k;

	for (k = 0; k < *n && out[k] != i; k++)
		;
	if (k == *n && *n < max)
		out[(*n)++] = i;
}

static bool is_uuid(const char *item, size_t len)
{
	return len >= 4 && (!strncmp(item, "GPU-", 4) || !strncmp(item, "MIG-", 4));
}

unsigned meter_match_gpus(const struct nvml *nv, const char *list, unsigned *out,
			  unsigned max, unsigned *unknown)
{
	const char *pos = list, *item;
	uint64_t lo, hi, k;
	unsigned n = 0, i;
	size_t len;

	*unknown = 0;
	while (list && rangelist_next(&pos, &item, &len)) {
		if (len == 0)
			continue;
		if (is_uuid(item, len)) {
			for (i = 0; i < nv->n; i++)
				if ((strlen(nv->gpu[i].uuid) == len &&
				     !strncmp(nv->gpu[i].uuid, item, len)) ||
				    (!strncmp(item, "MIG-", 4) && nv->gpu[i].mig))
					break;
			if (i < nv->n)
				add_gpu(out, &n, max, i);
			else
				(*unknown)++;
			continue;
		}
		if (range_parse(item, len, UINT32_MAX, &lo, &hi) < 0) {
			(*unknown)++;
			continue;
		}
		for (k = lo; k <= hi && k < lo + NVML_MAX_GPUS; k++) {
			for (i = 0; i < nv->n && nv->gpu[i].index != k; i++)
				;
			if (i < nv->n)
				add_gpu(out, &n, max, i);
			else
				(*unknown)++;
		}
	}
	return n;
}

/* How many GPUs a list names ("0,1", "0-3", UUIDs), for a record where
 * NVML cannot say which they are: a range counts whole unless it is wider
 * than NVML_MAX_GPUS, anything else counts one. */
static unsigned gpu_list_count(const char *list)
{
	const char *pos = list, *item;
	uint64_t lo, hi;
	unsigned n = 0;
	size_t len;

	while (list && rangelist_next(&pos, &item, &len))
		if (len > 0)
			n += range_parse(item, len, UINT32_MAX, &lo, &hi) == 0 &&
					     hi - lo < NVML_MAX_GPUS
				     ? (unsigned)(hi - lo + 1)
				     : 1;
	return n;
}

/* A lease's file name (lease.c adds ".lease" in the lease directory): one
 * name in that directory, neither a path nor a hidden or relative name. */
static bool lease_name_ok(const char *name)
{
	return name[0] && name[0] != '.' && !strchr(name, '/');
}

/* The step's GPUs for the record: how many, and the first's model. */
static void record_gpus(struct meter *m, meter_log_fn log_fn)
{
	struct step_record *r = m->rec;
	unsigned i;

	r->gpus = m->n_gpus;
	if (m->n_gpus == 0)
		return;
	conf_copy_str(r->gpu_model, sizeof(r->gpu_model), m->nvml.gpu[m->gpu[0].nv].name);
	record_text_printable(r->gpu_model);	/* the driver's words: spool-safe */
	for (i = 1; i < m->n_gpus; i++) {
		if (strcmp(m->nvml.gpu[m->gpu[i].nv].name, r->gpu_model)) {
			say(log_fn, NODE_IS, r, "GPUs of several models: gpu_model is the first's",
			    m->nvml.gpu[m->gpu[i].nv].name);
			break;
		}
	}
}

static void open_gpus(struct meter *m, const struct meter_setup *set,
		      meter_log_fn log_fn)
{
	char err[512], detail[640];
	unsigned idx[NVML_MAX_GPUS], n, unknown, i;
	int rc;

	if (!set->gpus || !set->gpus[0])
		return;		/* the step holds no GPU: NVML is not even loaded */
	rc = nvml_open(&m->nvml, set->nvml_library, err, sizeof(err));
	if (rc <= 0) {
		char marker[sizeof(m->lease_dir) + 16];
		int fd;

		snprintf(detail, sizeof(detail), "%s (GPUs %s)", err[0] ? err : "no GPU", set->gpus);
		m->rec->gpus = gpu_list_count(set->gpus);	/* models unknown */
		if (rc < 0) {
			say(log_fn, FAULT, m->rec, "nvml failed: GPUs not measured", detail);
			return;
		}
		/* No driver is how the node is, not an error: said once a
		 * node (the first step to find it leaves a marker), noted in
		 * every record. */
		snprintf(marker, sizeof(marker), "%s/no-nvml", m->lease_dir);
		fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0 || errno != EEXIST)
			say(log_fn, NODE_IS, m->rec, "no NVML: GPUs not measured", detail);
		else
			record_note(m->rec, "no NVML: GPUs not measured");
		if (fd >= 0)
			close(fd);
		return;
	}
	n = meter_match_gpus(&m->nvml, set->gpus, idx, NVML_MAX_GPUS, &unknown);
	if (unknown) {
		snprintf(detail, sizeof(detail), "%s", set->gpus);
		say(log_fn, FAULT, m->rec, "some of the step's GPUs are not known to NVML", detail);
	}
	for (i = 0; i < n; i++) {
		struct meter_gpu *g = &m->gpu[m->n_gpus];
		const struct nvml_gpu *ng = &m->nvml.gpu[idx[i]];
		uint32_t mw;

		memset(g, 0, sizeof(*g));
		g->nv = idx[i];
		g->lease.fd = -1;
		if (ng->mig)
			say(log_fn, NODE_IS, m->rec, "MIG: the whole GPU is measured, instances are not separable",
			    ng->uuid);
		if (ng->has_energy && nvml_read_energy_mj(&m->nvml, idx[i], &g->last_mj) == 0) {
			g->mode = GPU_COUNTER;
		} else if (nvml_read_power_mw(&m->nvml, idx[i], &mw) == 0) {
			g->mode = GPU_POWER;
			g->last_w = mw / 1000.0;
			g->have_w = true;
		} else {
			g->mode = GPU_MODEL;
			g->tdp_w = model_gpu_board_tdp_w(ng->name, set->conf->model_gpu_tdp_w, NULL);
			say(log_fn, NODE_IS, m->rec, "a GPU has neither energy nor power readings: modelled at its TDP",
			    ng->name);
		}
		if (g->mode == GPU_COUNTER && nvml_read_power_mw(&m->nvml, idx[i], &mw) == 0) {
			g->last_w = mw / 1000.0;
			g->have_w = true;
		}
		m->n_gpus++;
	}
	record_gpus(m, log_fn);
}

/* Where Slurm does not say a job's memory: its CPUs' share of the node's
 * (MemTotal of PROC/meminfo), for the model's memory figure. Read only where
 * the model is used, not at every step start. */
static double node_memory_share_gb(const char *proc_root, unsigned alloc_cpus, unsigned cpus)
{
	char path[512], line[256];
	unsigned long long kb = 0;
	FILE *fp;

	if (cpus == 0 || alloc_cpus == 0)
		return 0.0;
	snprintf(path, sizeof(path), "%s/meminfo", proc_root);
	fp = fopen(path, "re");
	if (!fp)
		return 0.0;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	fclose(fp);
	if (alloc_cpus > cpus)
		alloc_cpus = cpus;
	return (double)kb / (1024.0 * 1024.0) * alloc_cpus / cpus;
}

/* The model's figures, where the node has no RAPL. */
static void open_model(struct meter *m, const struct meter_setup *set,
		       struct model_cpuinfo ci, meter_log_fn log_fn)
{
	const struct carbon_conf *c = set->conf;
	const char *source = "default";
	char detail[400];
	double tdp;

	if (ci.cpus == 0) {
		ci.sockets = 1;
		ci.cpus = ci.cores = cputime_node_cpus(set->proc_root);
	}
	if (ci.cpus == 0)
		ci.cpus = ci.cores = 1;
	if (ci.sockets == 0)
		ci.sockets = 1;
	tdp = model_cpu_socket_tdp_w(&ci, c->model_cpu_tdp_w, &source);
	if (!strcmp(source, "default")) {
		snprintf(detail, sizeof(detail), "'%s'; set [model] cpu_tdp", ci.name[0] ? ci.name : "unknown CPU");
		say(log_fn, NODE_IS, m->rec, "CPU model not in the TDP table: modelled at the default watts per core",
		    detail);
	}
	m->model.cpu = true;
	m->model.cpu_tdp_per_socket_w = tdp;
	m->model.sockets = ci.sockets;
	m->model.cpus = ci.cpus;
	m->model.memory_w_per_gb = c->model_memory_w_per_gb;
	m->model.memory_gb = set->alloc_mem_gb > 0 ? set->alloc_mem_gb :
			     node_memory_share_gb(set->proc_root, set->alloc_cpus, ci.cpus);
}

void meter_open(struct meter *m, const struct meter_setup *set,
		struct step_record *rec, double now, meter_log_fn log_fn)
{
	struct model_cpuinfo ci;
	char err[1024];
	int n;

	memset(m, 0, sizeof(*m));
	m->rec = rec;
	/* The node's hardware, read once a step (issue 6: the statement's
	 * hardware and activity). */
	memset(&ci, 0, sizeof(ci));
	if (model_read_cpuinfo(set->cpuinfo, &ci) < 0)
		memset(&ci, 0, sizeof(ci));
	rec->has_hw = true;
	conf_copy_str(rec->cpu_model, sizeof(rec->cpu_model), ci.name);
	record_text_printable(rec->cpu_model);	/* the kernel's words: spool-safe */
	rec->alloc_cpus = set->alloc_cpus;
	m->job_lease.fd = -1;
	m->alloc_cpus = set->alloc_cpus;
	m->spool_dir = set->conf->spool_dir;
	m->checkpoint_every = set->conf->checkpoint_s > 0 ?
		(set->conf->checkpoint_s + set->conf->interval_s - 1) / set->conf->interval_s : 0;
	m->gpu_counter_every = m->checkpoint_every > 0 ? m->checkpoint_every :
			       GPU_COUNTER_EVERY_DEFAULT;
	snprintf(m->lease_dir, sizeof(m->lease_dir), "%s/lease", set->conf->spool_dir);
	snprintf(m->job_lease_name, sizeof(m->job_lease_name), "%s.job.%u", rec->node,
		 (unsigned)set->job_id);

	n = rapl_open_ex(&m->rapl, set->powercap_root, set->conf->psys, err, sizeof(err));
	if (n < 0) {
		say(log_fn, NODE_IS, rec, "RAPL not usable: cpu and dram modelled", err);
		n = 0;
	}
	if (n > 0)
		rapl_read_uj(&m->rapl, m->rapl_last);
	else
		open_model(m, set, ci, log_fn);

	cputime_open(&m->cpu, set->cgroup_root, set->proc_root, set->stepd_pid, set->job_id,
		     set->uid, set->step, rec->node);
	m->have_cpu_last = cputime_read(&m->cpu, &m->cpu_last) == 0;

	m->last_wall = now;
	rec->has_job = true;
	/* Take the job's lease now if nobody has it: the first step of a job
	 * on a node (the extern step, where there is one) charges the job. The
	 * leases live in the spool directory, root's alone. */
	if (spool_check_dir(m->spool_dir, true, err, sizeof(err)) < 0) {
		say(log_fn, FAULT, rec, "spool directory refused: no checkpoints, and this step charges the job as if alone",
		    err);
		m->no_leases = true;
	} else if (!lease_name_ok(m->job_lease_name)) {
		/* The caller gives a checked node name; this is the last guard
		 * before a file root creates. */
		say(log_fn, FAULT, rec, "node name unfit for a lease file name: this step charges the job as if alone",
		    NULL);
		m->no_leases = true;
	} else if (lease_try(&m->job_lease, m->lease_dir, m->job_lease_name, err, sizeof(err)) < 0) {
		say(log_fn, FAULT, rec, "no lease directory: this step charges the job as if alone", err);
		m->no_leases = true;
	} else if (lease_held(&m->job_lease)) {
		unsigned cpus, total, jobs;

		lease_read(&m->job_lease, &m->job_charged_until, &cpus);
		/* A job new on this node: sweep the leases of jobs long gone. */
		if (m->job_charged_until == 0.0)
			lease_jobs_present(m->lease_dir, rec->node, &total, &jobs);
		lease_write(&m->job_lease, now > m->job_charged_until ? now : m->job_charged_until,
			    m->alloc_cpus);
	}
	/* After the lease directory exists: it holds the no-NVML marker. */
	open_gpus(m, set, log_fn);
}

int meter_interval(struct meter *m, int interval_s, meter_log_fn log_fn)
{
	char msg[512];
	int safe = interval_s;

	if (m->rapl.n > 0 && rapl_check_interval(&m->rapl, interval_s, &safe, msg, sizeof(msg)) < 0 &&
	    safe < interval_s) {
		say(log_fn, NODE_IS, m->rec, "interval shortened below the RAPL wrap period", msg);
		return safe;
	}
	return interval_s;
}

/* Energy from power readings over dt: the mean of the last reading and
 * this one (trapezoid). Returns 0, or -1 when the reading failed. */
static int gpu_power_j(struct meter *m, struct meter_gpu *g, double dt, double *j)
{
	uint32_t mw;
	double w;

	*j = 0.0;
	if (nvml_read_power_mw(&m->nvml, g->nv, &mw) < 0)
		return -1;
	w = mw / 1000.0;
	*j = (g->have_w ? (g->last_w + w) / 2.0 : w) * dt;
	g->last_w = w;
	g->have_w = true;
	return 0;
}

/* GPU energy of g over [prev, now]. */
static double gpu_interval_j(struct meter *m, struct meter_gpu *g, double dt, bool counter_now)
{
	uint64_t mj;
	double j = 0.0;

	switch (g->mode) {
	case GPU_COUNTER:
		if (gpu_power_j(m, g, dt, &j) < 0)
			counter_now = true;	/* no power: every interval from the counter */
		g->since_counter_j += j;
		if (counter_now) {
			if (nvml_read_energy_mj(&m->nvml, g->nv, &mj) == 0) {
				/* The counter is the truth: the power-integrated
				 * figures since its last reading are corrected
				 * here, in this interval; an overestimate larger
				 * than this interval is taken from the next ones. */
				double exact = (double)counter_delta(g->last_mj, mj, 0) / 1000.0;

				j += exact - g->since_counter_j;
				g->since_counter_j = 0;
				if (j < 0) {
					g->since_counter_j = -j;
					j = 0;
				}
				g->last_mj = mj;
			} else {
				record_note(m->rec, "nvml: a GPU energy reading failed");
			}
		}
		return j;
	case GPU_POWER:
		if (gpu_power_j(m, g, dt, &j) < 0) {
			j = g->last_w * dt;	/* 0 when never read */
			record_note(m->rec, "nvml: a GPU power reading failed (last power kept)");
		}
		return j;
	case GPU_MODEL:
		return model_gpu_energy_j(g->tdp_w, 1.0, dt);
	default:
		return 0.0;
	}
}

static void checkpoint(struct meter *m, double now)
{
	char err[512];

	m->rec->partial = true;
	m->rec->end_s = now;
	if (spool_check_dir(m->spool_dir, true, err, sizeof(err)) < 0 ||
	    spool_checkpoint(m->spool_dir, m->rec, err, sizeof(err)) < 0)
		record_note(m->rec, "checkpoint failed");
	m->rec->partial = false;
}

/* The node's energy over the interval from RAPL, into node_j. */
static void read_node_j(struct meter *m, double node_j[DOMAIN_COUNT])
{
	uint64_t cur[RAPL_MAX_DOMAINS];

	if (m->rapl.n == 0)
		return;
	/* A failed reading is skipped whole: the next good one then holds
	 * its energy, and psys - package - dram stays exact. */
	memcpy(cur, m->rapl_last, sizeof(cur));
	if (rapl_read_uj(&m->rapl, cur) == 0) {
		rapl_add_interval_j(&m->rapl, m->rapl_last, cur, node_j);
		memcpy(m->rapl_last, cur, sizeof(cur));
	} else {
		record_note(m->rec, "a RAPL reading failed (its energy counts at the next one)");
	}
	m->used_rapl = true;
}

/* The step's, the job's and all jobs' CPU time over the interval. */
static void read_cpu(struct meter *m, struct attribution_cpu *cpu)
{
	struct step_record *r = m->rec;
	struct cputime_sample cs;
	bool have = cputime_read(&m->cpu, &cs) == 0;

	attribution_cpu_interval(m->have_cpu_last ? &m->cpu_last : NULL, have ? &cs : NULL, cpu);
	if (!have)
		return;
	/* The best source the step had: /proc only stands in at the edges,
	 * before and after its cgroups. */
	if (cpu->have && (cs.source != CPUTIME_PROC || !m->cgroup_seen))
		conf_copy_str(r->split, sizeof(r->split), cputime_source_name(cs.source));
	m->cpu_last = cs;
	m->have_cpu_last = true;
	if (cs.have_step)
		r->cpu_time_s = (double)cs.step_ns / 1e9;	/* since the step began */
}

/* Whether this step charges the job now: it holds the job's lease, or takes
 * it over from a holder that ended, from where that one stopped. */
static bool take_job_lease(struct meter *m)
{
	unsigned unused;

	if (!lease_held(&m->job_lease) && !m->no_leases &&
	    lease_try(&m->job_lease, m->lease_dir, m->job_lease_name, NULL, 0) == 1)
		lease_read(&m->job_lease, &m->job_charged_until, &unused);
	return lease_held(&m->job_lease) || m->no_leases;
}

/* Each GPU's energy over the interval, into out[0..n_gpus-1], and whether
 * this step charges it to the job (holds, or now takes, its lease). */
static void read_gpus(struct meter *m, double dt, bool final, struct attribution_gpu *out)
{
	struct step_record *r = m->rec;
	unsigned i, unused;

	for (i = 0; i < m->n_gpus; i++) {
		struct meter_gpu *g = &m->gpu[i];
		bool counter_now = final || m->samples % (unsigned)m->gpu_counter_every == 0;
		char name[400];

		memset(&out[i], 0, sizeof(out[i]));
		out[i].j = gpu_interval_j(m, g, dt, counter_now);
		if (g->mode == GPU_LOST)
			continue;
		m->used_nvml |= g->mode != GPU_MODEL;
		if (!lease_held(&g->lease) && !m->no_leases) {
			/* Named only while it is to be taken, not every sample. */
			snprintf(name, sizeof(name), "%s.job.%u.gpu.%s", r->node, (unsigned)r->job_id,
				 m->nvml.gpu[g->nv].uuid[0] ? m->nvml.gpu[g->nv].uuid : "unknown");
			if (lease_name_ok(name) &&
			    lease_try(&g->lease, m->lease_dir, name, NULL, 0) == 1)
				lease_read(&g->lease, &g->charged_until, &unused);
		}
		out[i].modelled = g->mode == GPU_MODEL;
		out[i].charges_job = lease_held(&g->lease) || m->no_leases;
		out[i].charged_until = g->charged_until;
	}
}

/* The leases this step charged through, now charged up to now. */
static void write_leases(struct meter *m, const struct attribution_in *in, double now)
{
	unsigned i;

	if (in->charges_job) {
		m->job_charged_until = now;
		lease_write(&m->job_lease, now, m->alloc_cpus);
	}
	for (i = 0; i < m->n_gpus; i++) {
		if (in->gpu[i].charges_job) {
			m->gpu[i].charged_until = now;
			lease_write(&m->gpu[i].lease, now, 0);
		}
	}
}

/* The sensors that counted, for the record. */
static void record_method(struct meter *m)
{
	struct step_record *r = m->rec;

	snprintf(r->method, sizeof(r->method), "%s%s%s%s%s",
		 m->used_rapl ? "rapl" : "",
		 m->used_rapl && m->used_nvml ? "+" : "",
		 m->used_nvml ? "nvml" : "",
		 (m->used_rapl || m->used_nvml) && m->used_model ? "+" : "",
		 m->used_model ? "model" : "");
	if (!r->method[0])
		conf_copy_str(r->method, sizeof(r->method), "none");
}

void meter_sample(struct meter *m, double now, bool final)
{
	struct step_record *r = m->rec;
	struct attribution_gpu gpu[NVML_MAX_GPUS];
	struct attribution_in in = {
		.prev_s = m->last_wall, .now_s = now, .alloc_cpus = m->alloc_cpus,
		.model = m->model, .cgroup_seen = m->cgroup_seen,
		.last_f_job = m->last_f_job, .last_f_step = m->last_f_step,
		.gpu = gpu, .n_gpus = m->n_gpus,
	};
	struct attribution_out out;
	unsigned total, jobs;
	int d;

	m->samples++;
	r->samples = m->samples;
	read_node_j(m, in.node_j);
	read_cpu(m, &in.cpu);
	in.charges_job = take_job_lease(m);
	in.job_charged_until = m->job_charged_until;
	read_gpus(m, attribution_seconds(m->last_wall, now), final, gpu);
	if (attribution_is_idle(&in) &&
	    lease_jobs_present(m->lease_dir, r->node, &total, &jobs) == 0)
		in.present_cpus = total;

	attribution_interval(&in, &out);

	write_leases(m, &in, now);
	m->last_f_job = out.f_job;
	m->last_f_step = out.f_step;
	m->cgroup_seen |= in.cpu.job_cgroup;
	m->used_model |= out.model_used;
	if (out.split == ATTRIBUTION_SPLIT_NONE && !r->split[0])
		conf_copy_str(r->split, sizeof(r->split), "none");
	for (d = 0; d < DOMAIN_COUNT; d++) {
		r->energy_j[d] += out.step_j[d];
		r->job_j[d] += out.job_j[d];
	}
	r->estimated_j += out.estimated_j;
	record_add_hours(r, m->last_wall, now, out.job_j);
	r->end_s = now;
	m->last_wall = now;
	record_method(m);

	if (!final && m->checkpoint_every > 0 && m->samples % (unsigned)m->checkpoint_every == 0)
		checkpoint(m, now);
}

void meter_close(struct meter *m)
{
	unsigned i;

	for (i = 0; i < m->n_gpus; i++)
		lease_release(&m->gpu[i].lease);
	lease_release(&m->job_lease);
	nvml_close(&m->nvml);
	cputime_close(&m->cpu);
	rapl_close(&m->rapl);
}

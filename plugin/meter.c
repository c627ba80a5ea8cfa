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

/* How the node is, said once a node (the first step to find it leaves a
 * marker in the lease directory) and noted in every record. */
static void say_once_a_node(struct meter *m, meter_log_fn log_fn, const char *marker_name,
			    const char *note, const char *detail)
{
	char marker[sizeof(m->lease_dir) + 32];
	int fd;

	snprintf(marker, sizeof(marker), "%s/%s", m->lease_dir, marker_name);
	fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0 || errno != EEXIST)
		say(log_fn, NODE_IS, m->rec, note, detail);
	else
		record_note(m->rec, note);
	if (fd >= 0)
		close(fd);
}

/* Put device i in out[] (n of max used), once: a GPU named twice counts
 * once. */
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

/* What a GPU list is matched against: one device of a vendor library. */
struct gpu_id {
	unsigned index;		/* the library's device index */
	const char *uuid;	/* "GPU-...", "" when the device has none */
	bool mig;		/* a "MIG-" word names it */
};

static unsigned match_gpus(const struct gpu_id *ids, unsigned n_ids, const char *list,
			   unsigned *out, unsigned max, unsigned *unknown)
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
			for (i = 0; i < n_ids; i++)
				if ((strlen(ids[i].uuid) == len && !strncmp(ids[i].uuid, item, len)) ||
				    (!strncmp(item, "MIG-", 4) && ids[i].mig))
					break;
			if (i < n_ids)
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
			for (i = 0; i < n_ids && ids[i].index != k; i++)
				;
			if (i < n_ids)
				add_gpu(out, &n, max, i);
			else
				(*unknown)++;
		}
	}
	return n;
}

unsigned meter_match_gpus(const struct nvml *nv, const char *list, unsigned *out,
			  unsigned max, unsigned *unknown)
{
	struct gpu_id ids[NVML_MAX_GPUS];
	unsigned i;

	for (i = 0; i < nv->n; i++)
		ids[i] = (struct gpu_id){ nv->gpu[i].index, nv->gpu[i].uuid, nv->gpu[i].mig };
	return match_gpus(ids, nv->n, list, out, max, unknown);
}

unsigned meter_match_rocm_gpus(const struct rocm *r, const char *list, unsigned *out,
			       unsigned max, unsigned *unknown)
{
	struct gpu_id ids[ROCM_MAX_GPUS];
	unsigned i;

	for (i = 0; i < r->n; i++)
		ids[i] = (struct gpu_id){ r->gpu[i].index, r->gpu[i].uuid, false };
	return match_gpus(ids, r->n, list, out, max, unknown);
}

/* A GPU's model name and unique id, from its vendor's library. */
static const char *gpu_name(const struct meter *m, enum gpu_vendor v, unsigned dev)
{
	return v == GPU_AMD ? m->rocm.gpu[dev].name : m->nvml.gpu[dev].name;
}

static const char *gpu_uuid(const struct meter *m, enum gpu_vendor v, unsigned dev)
{
	return v == GPU_AMD ? m->rocm.gpu[dev].uuid : m->nvml.gpu[dev].uuid;
}

/* Power of a GPU in W. Returns 0, or -1. */
static int gpu_read_power_w(const struct meter *m, enum gpu_vendor v, unsigned dev, double *w)
{
	uint32_t mw;
	uint64_t uw;

	if (v == GPU_AMD) {
		if (rocm_read_power_uw(&m->rocm, dev, &uw) < 0)
			return -1;
		*w = (double)uw / 1e6;
		return 0;
	}
	if (nvml_read_power_mw(&m->nvml, dev, &mw) < 0)
		return -1;
	*w = mw / 1000.0;
	return 0;
}

/* A GPU's energy counter in µJ. Returns 0, or -1. */
static int gpu_read_energy_uj(const struct meter *m, enum gpu_vendor v, unsigned dev,
			      uint64_t *uj)
{
	uint64_t mj;

	if (v == GPU_AMD)
		return rocm_read_energy_uj(&m->rocm, dev, uj);
	if (nvml_read_energy_mj(&m->nvml, dev, &mj) < 0)
		return -1;
	*uj = mj * 1000;
	return 0;
}

/* Energy over dt from two power readings, the last (have_last: there was
 * one) and w: their mean (the trapezoid rule), the one integration of a
 * GPU's power, a step's or a node's. */
static double power_interval_j(double last_w, bool have_last, double w, double dt)
{
	return (have_last ? (last_w + w) / 2.0 : w) * dt;
}

/* Whether to try a GPU's energy counter: ROCm SMI learnt it when it
 * opened; NVML only by reading it (nvml_open does not, for its cost). */
static bool gpu_has_energy(const struct meter *m, enum gpu_vendor v, unsigned dev)
{
	return v == GPU_AMD ? m->rocm.gpu[dev].has_energy : true;
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
	const char *name;
	unsigned i;

	r->gpus = m->n_gpus;
	if (m->n_gpus == 0)
		return;
	conf_copy_str(r->gpu_model, sizeof(r->gpu_model),
		      gpu_name(m, m->gpu[0].vendor, m->gpu[0].dev));
	record_text_printable(r->gpu_model);	/* the driver's words: spool-safe */
	for (i = 1; i < m->n_gpus; i++) {
		name = gpu_name(m, m->gpu[i].vendor, m->gpu[i].dev);
		if (strcmp(name, r->gpu_model)) {
			say(log_fn, NODE_IS, r, "GPUs of several models: gpu_model is the first's", name);
			break;
		}
	}
}

/* The library that reads the node's GPUs: NVML where it finds any, else
 * ROCm SMI. Returns how many GPUs it has, with the vendor in *v; 0 when
 * neither has any, or -1 when NVML failed and ROCm SMI has none, with the
 * reasons in err. Once a step: the step's GPUs and a chassis meter's
 * subtraction ask the same question. */
static int open_gpu_library(struct meter *m, const struct meter_setup *set, enum gpu_vendor *v,
			    char *err, size_t errlen)
{
	char nerr[512] = "", rerr[512] = "";
	int nrc, rrc;

	m->gpu_library_tried = true;
	nrc = nvml_open(&m->nvml, set->nvml_library, nerr, sizeof(nerr));
	if (nrc > 0) {
		*v = GPU_NVIDIA;
		return nrc;
	}
	rrc = rocm_open(&m->rocm, set->rocm_library, rerr, sizeof(rerr));
	if (rrc > 0) {
		*v = GPU_AMD;
		return rrc;
	}
	if (nrc < 0)
		snprintf(err, errlen, "%s", nerr);
	else
		snprintf(err, errlen, "%s; %s", nerr[0] ? nerr : "NVML: no GPU",
			 rerr[0] ? rerr : "ROCm SMI: no GPU");
	return nrc < 0 ? -1 : 0;
}

static void open_gpus(struct meter *m, const struct meter_setup *set,
		      meter_log_fn log_fn)
{
	char err[700], detail[900];
	unsigned idx[NVML_MAX_GPUS], n, unknown, i;
	enum gpu_vendor vendor = GPU_NVIDIA;
	int rc;

	if (!set->gpus || !set->gpus[0])
		return;		/* the step holds no GPU: no library is even loaded */
	rc = open_gpu_library(m, set, &vendor, err, sizeof(err));
	if (rc <= 0) {
		snprintf(detail, sizeof(detail), "%s (GPUs %s)", err[0] ? err : "no GPU", set->gpus);
		m->rec->gpus = gpu_list_count(set->gpus);	/* models unknown */
		if (rc < 0) {
			say(log_fn, FAULT, m->rec, "nvml failed: GPUs not measured", detail);
			return;
		}
		say_once_a_node(m, log_fn, "no-nvml", "no NVML: GPUs not measured", detail);
		return;
	}
	n = vendor == GPU_AMD ? meter_match_rocm_gpus(&m->rocm, set->gpus, idx, NVML_MAX_GPUS, &unknown)
			      : meter_match_gpus(&m->nvml, set->gpus, idx, NVML_MAX_GPUS, &unknown);
	if (unknown) {
		snprintf(detail, sizeof(detail), "%s", set->gpus);
		say(log_fn, FAULT, m->rec,
		    vendor == GPU_AMD ? "some of the step's GPUs are not known to ROCm SMI"
				      : "some of the step's GPUs are not known to NVML",
		    detail);
	}
	for (i = 0; i < n; i++) {
		struct meter_gpu *g = &m->gpu[m->n_gpus];
		double w;

		memset(g, 0, sizeof(*g));
		g->vendor = vendor;
		g->dev = idx[i];
		g->lease.fd = -1;
		if (vendor == GPU_NVIDIA && m->nvml.gpu[idx[i]].mig)
			say(log_fn, NODE_IS, m->rec, "MIG: the whole GPU is measured, instances are not separable",
			    m->nvml.gpu[idx[i]].uuid);
		if (gpu_has_energy(m, vendor, idx[i]) &&
		    gpu_read_energy_uj(m, vendor, idx[i], &g->last_uj) == 0) {
			g->mode = GPU_COUNTER;
		} else if (gpu_read_power_w(m, vendor, idx[i], &w) == 0) {
			g->mode = GPU_POWER;
			g->last_w = w;
			g->have_w = true;
		} else {
			g->mode = GPU_MODEL;
			g->tdp_w = model_gpu_board_tdp_w(gpu_name(m, vendor, idx[i]),
							 set->conf->model_gpu_tdp_w, NULL);
			say(log_fn, NODE_IS, m->rec, "a GPU has neither energy nor power readings: modelled at its TDP",
			    gpu_name(m, vendor, idx[i]));
		}
		if (g->mode == GPU_COUNTER && gpu_read_power_w(m, vendor, idx[i], &w) == 0) {
			g->last_w = w;
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

/* Every GPU of the node, for a chassis meter (hwmon, Redfish, IPMI) that
 * measures them too: read by power each sample and subtracted from the
 * meter's energy. The step's GPU library where it loaded one, else the
 * first that finds GPUs; a node without any has none to subtract. */
static void open_node_gpus(struct meter *m, const struct meter_setup *set)
{
	enum gpu_vendor vendor = m->rocm.n > 0 ? GPU_AMD : GPU_NVIDIA;
	char err[700];
	unsigned i, n = vendor == GPU_AMD ? m->rocm.n : m->nvml.n;
	double w;

	if (!m->node.includes_gpus || m->node.kind == NODE_METER_PM_COUNTERS)
		return;		/* pm_counters says its accelerators' part itself */
	if (n == 0 && !m->gpu_library_tried && open_gpu_library(m, set, &vendor, err, sizeof(err)) > 0)
		n = vendor == GPU_AMD ? m->rocm.n : m->nvml.n;
	for (i = 0; i < n && i < NVML_MAX_GPUS; i++) {
		struct meter_node_gpu *g = &m->node_gpu[m->n_node_gpus++];

		g->vendor = vendor;
		g->dev = i;
		g->have_w = gpu_read_power_w(m, vendor, i, &w) == 0;
		g->last_w = g->have_w ? w : 0.0;
	}
}

/* The node's GPUs' energy over dt, for the node meter's subtraction. */
static double node_gpus_j(struct meter *m, double dt)
{
	double j = 0.0, w;
	unsigned i;

	for (i = 0; i < m->n_node_gpus; i++) {
		struct meter_node_gpu *g = &m->node_gpu[i];

		if (gpu_read_power_w(m, g->vendor, g->dev, &w) < 0) {
			j += g->last_w * dt;	/* the last power kept */
			continue;
		}
		j += power_interval_j(g->last_w, g->have_w, w, dt);
		g->last_w = w;
		g->have_w = true;
	}
	return j;
}

void meter_open(struct meter *m, const struct meter_setup *set,
		struct step_record *rec, double now, meter_log_fn log_fn)
{
	char node_err[512];
	int node_rc;

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

	/* The node meter first: where there is one, it is the source of
	 * other, and RAPL's psys zone is not read. */
	node_rc = node_sensor_open(&m->node, set->conf, now, node_err, sizeof(node_err));
	n = rapl_open_ex(&m->rapl, set->powercap_root, set->conf->psys && node_rc <= 0, err,
			 sizeof(err));
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
		unsigned cpus, jobs;
		double total;

		lease_read(&m->job_lease, &m->job_charged_until, &cpus);
		/* A job new on this node: sweep the leases of jobs long gone. */
		if (m->job_charged_until == 0.0)
			lease_jobs_present(m->lease_dir, rec->node, now, now, &total, &jobs);
		lease_write(&m->job_lease, now > m->job_charged_until ? now : m->job_charged_until,
			    m->alloc_cpus);
	}
	/* After the lease directory exists: it holds the no-NVML and
	 * no-node-meter markers. */
	if (node_rc < 0)
		say(log_fn, FAULT, rec, "node meter failed: other not measured", node_err);
	else if (node_rc == 0 && set->conf->node_meter != NODE_METER_NONE)
		say_once_a_node(m, log_fn, "no-node-meter", "no node meter: other not measured",
				node_err);
	else if (node_rc > 0 && set->conf->psys)
		say(log_fn, NODE_IS, rec, "psys not read: the node meter gives other", NULL);
	open_gpus(m, set, log_fn);
	open_node_gpus(m, set);
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

/* Energy from power readings over dt. Returns 0, or -1 when the reading
 * failed. */
static int gpu_power_j(struct meter *m, struct meter_gpu *g, double dt, double *j)
{
	double w;

	*j = 0.0;
	if (gpu_read_power_w(m, g->vendor, g->dev, &w) < 0)
		return -1;
	*j = power_interval_j(g->last_w, g->have_w, w, dt);
	g->last_w = w;
	g->have_w = true;
	return 0;
}

/* The vendor's word for notes and the method. */
static const char *gpu_library_word(enum gpu_vendor v)
{
	return v == GPU_AMD ? "rocm" : "nvml";
}

/* GPU energy of g over [prev, now]. */
static double gpu_interval_j(struct meter *m, struct meter_gpu *g, double dt, bool counter_now)
{
	char note[96];
	uint64_t uj;
	double j = 0.0;

	switch (g->mode) {
	case GPU_COUNTER:
		if (gpu_power_j(m, g, dt, &j) < 0)
			counter_now = true;	/* no power: every interval from the counter */
		g->since_counter_j += j;
		if (counter_now) {
			if (gpu_read_energy_uj(m, g->vendor, g->dev, &uj) == 0) {
				/* The counter is the truth: the power-integrated
				 * figures since its last reading are corrected
				 * here, in this interval; an overestimate larger
				 * than this interval is taken from the next ones.
				 * A counter that went down (a driver reload)
				 * counts 0. */
				double exact = (double)counter_delta(g->last_uj, uj, 0) / 1e6;

				j += exact - g->since_counter_j;
				g->since_counter_j = 0;
				if (j < 0) {
					g->since_counter_j = -j;
					j = 0;
				}
				g->last_uj = uj;
			} else {
				snprintf(note, sizeof(note), "%s: a GPU energy reading failed",
					 gpu_library_word(g->vendor));
				record_note(m->rec, note);
			}
		}
		return j;
	case GPU_POWER:
		if (gpu_power_j(m, g, dt, &j) < 0) {
			j = g->last_w * dt;	/* 0 when never read */
			snprintf(note, sizeof(note), "%s: a GPU power reading failed (last power kept)",
				 gpu_library_word(g->vendor));
			record_note(m->rec, note);
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
		if (g->mode == GPU_COUNTER) {
			m->used_nvml |= g->vendor == GPU_NVIDIA;
			m->used_rocm |= g->vendor == GPU_AMD;
		} else if (g->mode == GPU_POWER) {
			m->used_nvml_power |= g->vendor == GPU_NVIDIA;
			m->used_rocm_power |= g->vendor == GPU_AMD;
		}
		if (!lease_held(&g->lease) && !m->no_leases) {
			/* Named only while it is to be taken, not every sample. */
			const char *uuid = gpu_uuid(m, g->vendor, g->dev);

			if (uuid[0])
				snprintf(name, sizeof(name), "%s.job.%u.gpu.%s", r->node,
					 (unsigned)r->job_id, uuid);
			else
				snprintf(name, sizeof(name), "%s.job.%u.gpu.%s%u", r->node,
					 (unsigned)r->job_id, gpu_library_word(g->vendor), g->dev);
			if (lease_name_ok(name) &&
			    lease_try(&g->lease, m->lease_dir, name, NULL, 0) == 1)
				lease_read(&g->lease, &g->charged_until, &unused);
		}
		out[i].modelled = g->mode == GPU_MODEL;
		out[i].charges_job = lease_held(&g->lease) || m->no_leases;
		out[i].charged_until = g->charged_until;
	}
}

/* The node meter's part of the interval: its reading, where one was due,
 * and the GPUs it includes. */
static void read_node_meter(struct meter *m, double now, double dt, bool final,
			    struct attribution_node *node)
{
	const char *why;

	memset(node, 0, sizeof(*node));
	if (m->node.kind == NODE_METER_NONE)
		return;
	node->have = true;
	node->reading = node_sensor_read(&m->node, now, final, &node->node_j, &node->gpu_j, &why);
	node->gpu_j += node_gpus_j(m, dt);
	node->pending_j = m->node_pending_j;
	if (why)
		record_note(m->rec, why);
	m->used_node = true;
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

/* The sensors that counted, for the record: "rapl+nvml", "rapl+nvml_power" (a
 * GPU without an energy counter, by its power readings), "rapl+hwmon_averaged",
 * "rapl+nvml+pm_counters_incl_gpu" (spank_carbon(8), "Methods"). */
static void record_method(struct meter *m)
{
	struct step_record *r = m->rec;
	char node[48] = "";
	const char *word[7];
	size_t n = 0, i, len = 0;

	if (m->used_node)
		snprintf(node, sizeof(node), "%s%s", m->node.method,
			 m->node.pmc.n_accel > 0 || m->n_node_gpus > 0 ? "_incl_gpu" : "");
	if (m->used_rapl)
		word[n++] = "rapl";
	if (m->used_nvml)
		word[n++] = "nvml";
	if (m->used_nvml_power)
		word[n++] = "nvml_power";
	if (m->used_rocm)
		word[n++] = "rocm";
	if (m->used_rocm_power)
		word[n++] = "rocm_power";
	if (m->used_model)
		word[n++] = "model";
	if (node[0])
		word[n++] = node;
	r->method[0] = '\0';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(r->method + len, len < sizeof(r->method) ? sizeof(r->method) - len : 0,
					"%s%s", i ? "+" : "", word[i]);
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
	double dt = attribution_seconds(m->last_wall, now);
	double total;
	unsigned jobs;
	int d;

	m->samples++;
	r->samples = m->samples;
	read_node_j(m, in.node_j);
	read_cpu(m, &in.cpu);
	in.charges_job = take_job_lease(m);
	in.job_charged_until = m->job_charged_until;
	read_gpus(m, dt, final, gpu);
	read_node_meter(m, now, dt, final, &in.node);
	if ((in.node.have || attribution_is_idle(&in)) &&
	    lease_jobs_present(m->lease_dir, r->node, m->last_wall, now, &total, &jobs) == 0)
		in.present_cpus = total;

	attribution_interval(&in, &out);

	m->node_pending_j = out.pending_j;
	if (final && in.node.have && out.pending_j > 0)
		record_note(r, "node meter: no reading at the end, other of the last intervals not counted");

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
	rocm_close(&m->rocm);
	node_sensor_close(&m->node);
	cputime_close(&m->cpu);
	rapl_close(&m->rapl);
}

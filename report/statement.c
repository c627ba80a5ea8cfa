/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The emission statement's arithmetic: its jobs and imported runs added up
 * into the model of statement.h. Numbers in, numbers out: no I/O. */
#include "statement.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The whole-node meters' method words (plugin/node_sensor.c,
 * carbon-nodemeter's state file), what each is, and how it measures:
 * an energy counter, or power readings integrated over the interval. A
 * Redfish BMC's EnergykWh is a counter; its PowerWatts alone
 * ("redfish_power") and IPMI DCMI's power reading are sampled. */
static const struct {
	const char *word, *words;
	enum energy_method how;
} node_meters[] = {
	{ "pm_counters", "HPE Cray pm_counters, the node's own energy counter", EM_COUNTER },
	{ "hwmon", "the node's power meter's energy counter (hwmon)", EM_COUNTER },
	{ "hwmon_power", "the node's power meter's power readings (hwmon), integrated", EM_SAMPLING },
	{ "hwmon_averaged",
	  "the node's power meter's averaged power (hwmon, the ACPI power meter), integrated",
	  EM_SAMPLING },
	{ "redfish", "the BMC's chassis energy counter, read over Redfish", EM_COUNTER },
	{ "redfish_power", "the BMC's chassis power readings, read over Redfish and integrated",
	  EM_SAMPLING },
	{ "ipmi", "the BMC's DCMI power reading over IPMI, integrated", EM_SAMPLING },
};

#define INCL_GPU "_incl_gpu"

const char *statement_node_meter(const char *word, size_t len, enum energy_method *how,
				 bool *incl_gpu)
{
	size_t i, suffix = strlen(INCL_GPU);

	*incl_gpu = len > suffix && !strncmp(word + len - suffix, INCL_GPU, suffix);
	if (*incl_gpu)
		len -= suffix;
	for (i = 0; i < sizeof(node_meters) / sizeof(node_meters[0]); i++) {
		if (strlen(node_meters[i].word) == len && !strncmp(node_meters[i].word, word, len)) {
			*how = node_meters[i].how;
			return node_meters[i].words;
		}
	}
	return NULL;
}

/* The sensors of one method string ("rapl+nvml") as M_* bits; each new
 * name is kept in st->methods as well. *sampled: a node meter among them
 * read power, not an energy counter (a GPU measured by power readings is
 * M_GPU_POWER). */
static unsigned method_bits(struct statement *st, const char *method, bool *sampled)
{
	unsigned bits = 0;
	const char *p = method;
	enum energy_method how;
	bool incl_gpu;
	size_t len, i;

	*sampled = false;
	while (*p) {
		len = strcspn(p, "+");
		if (len == 4 && !strncmp(p, "rapl", 4))
			bits |= M_RAPL;
		else if (len == 4 && !strncmp(p, "nvml", 4))
			bits |= M_NVML;
		else if (len == 10 && !strncmp(p, "nvml_power", 10))
			bits |= M_NVML | M_GPU_POWER;
		else if (len == 4 && !strncmp(p, "rocm", 4))
			bits |= M_ROCM;
		else if (len == 10 && !strncmp(p, "rocm_power", 10))
			bits |= M_ROCM | M_GPU_POWER;
		else if (len == 5 && !strncmp(p, "model", 5))
			bits |= M_MODEL;
		else if (statement_node_meter(p, len, &how, &incl_gpu)) {
			bits |= M_NODE;
			*sampled |= how == EM_SAMPLING;
		} else if (len)
			bits |= M_OTHER;
		for (i = 0; i < st->n_methods; i++)
			if (strlen(st->methods[i]) == len && !strncmp(st->methods[i], p, len))
				break;
		if (len && i == st->n_methods && i < STATEMENT_MAX_METHODS && len < sizeof(st->methods[i])) {
			memcpy(st->methods[i], p, len);
			st->methods[i][len] = '\0';
			st->n_methods++;
		}
		p += len;
		if (*p == '+')
			p++;
	}
	return bits;
}

/* Which sensor measured component d of a record with sensors bits: RAPL
 * reads CPU and DRAM, NVML and ROCm SMI the GPUs, a node meter the rest of
 * the node (other), and the model fills in what none had a counter for. */
static unsigned domain_bits(int d, unsigned bits)
{
	switch (d) {
	case DOMAIN_CPU:
	case DOMAIN_DRAM:
		return bits & M_RAPL ? M_RAPL : bits & (M_MODEL | M_OTHER);
	case DOMAIN_GPU:
		return bits & (M_NVML | M_ROCM) ? bits & (M_NVML | M_ROCM | M_GPU_POWER)
						: bits & (M_MODEL | M_OTHER);
	default:
		return bits & M_NODE ? M_NODE : bits & (M_MODEL | M_OTHER);
	}
}

/* Seconds of job on each of its nodes, from the node's first record to its
 * last, added up. */
static double job_node_s(const struct job *job)
{
	double total = 0.0, lo, hi;
	size_t i, k;

	for (i = 0; i < job->n; i++) {
		const char *node = job->rows[i].node;

		for (k = 0; k < i && strcmp(job->rows[k].node, node); k++)
			;
		if (k < i)
			continue;	/* counted with its first record */
		lo = job->rows[i].start_s;
		hi = job->rows[i].end_s;
		for (k = i + 1; k < job->n; k++) {
			if (strcmp(job->rows[k].node, node))
				continue;
			lo = fmin(lo, job->rows[k].start_s);
			hi = fmax(hi, job->rows[k].end_s);
		}
		total += hi - lo;
	}
	return total;
}

/* Merge a job's intensity source into the statement's: one source stays
 * itself, several become "mixed" (the value is energy-weighted later). */
static void merge_intensity(struct statement *st, const struct intensity *in)
{
	struct intensity *m = &st->in;

	if (!st->have_in) {
		*m = *in;
		st->have_in = true;
		return;
	}
	m->hours += in->hours;
	if (strcmp(m->level, in->level) || strcmp(m->dataset, in->dataset) ||
	    strcmp(m->zone, in->zone) || m->year != in->year) {
		snprintf(m->level, sizeof(m->level), "mixed");
		snprintf(m->dataset, sizeof(m->dataset), "several");
		m->licence[0] = '\0';
		m->year = 0;
		if (strcmp(m->zone, in->zone))
			m->zone[0] = '\0';
	}
	if (strcmp(m->resolution, in->resolution))
		snprintf(m->resolution, sizeof(m->resolution), "mixed");
}

/* A (model, node) pair, to count each model's distinct nodes. */
struct model_node {
	const char *model, *node;
};

static int cmp_model_node(const void *a, const void *b)
{
	const struct model_node *x = a, *y = b;
	int c = strcmp(x->model, y->model);

	return c ? c : strcmp(x->node, y->node);
}

static int cmp_model_nodes(const void *a, const void *b)
{
	const struct model_nodes *x = a, *y = b;

	if (x->nodes != y->nodes)
		return x->nodes < y->nodes ? 1 : -1;
	return strcmp(x->model, y->model);
}

/* Distinct models of pairs[0..n-1] with their distinct nodes, most nodes
 * first (then by name), into *out (NULL when n is 0). */
static int count_models(struct model_node *pairs, size_t n, struct model_nodes **out,
			size_t *n_out)
{
	size_t i;

	*out = NULL;
	*n_out = 0;
	if (n == 0)
		return 0;
	*out = calloc(n, sizeof(**out));
	if (!*out)
		return -1;
	qsort(pairs, n, sizeof(*pairs), cmp_model_node);
	for (i = 0; i < n; i++) {
		if (i && !strcmp(pairs[i].model, pairs[i - 1].model)) {
			if (strcmp(pairs[i].node, pairs[i - 1].node))
				(*out)[*n_out - 1].nodes++;
			continue;
		}
		(*out)[*n_out].model = pairs[i].model;
		(*out)[(*n_out)++].nodes = 1;
	}
	qsort(*out, *n_out, sizeof(**out), cmp_model_nodes);
	return 0;
}

/* The hardware and its use, from the records that say (sql/010):
 *   models     each distinct CPU (GPU) model with the nodes that ran it;
 *   cpu_count  the most CPUs one job held: the sum over its nodes of the
 *              job's CPUs there (gpu_count likewise, of the most GPUs any
 *              step of the job held on the node);
 *   core_hours the job's CPUs on each node x its time on the node (first
 *              record's start to last record's end), summed: the cores
 *              allocated, busy or not;
 *   gpu_hours  the jobs' GPU-seconds (struct job), in hours. */
static int hardware_add(struct statement *st, const struct jobset *set, size_t n_rows)
{
	struct model_node *cpu = NULL, *gpu = NULL;
	size_t n_cpu = 0, n_gpu = 0, i, k, j;
	int rc = -1;

	st->cpu_count = st->gpu_count = -1;
	st->gpu_hours = st->core_hours = NAN;
	cpu = calloc(n_rows ? n_rows : 1, sizeof(*cpu));
	gpu = calloc(n_rows ? n_rows : 1, sizeof(*gpu));
	if (!cpu || !gpu)
		goto out;
	for (i = 0; i < set->n; i++) {
		const struct job *job = &set->jobs[i];
		long job_cpus = -1, job_gpus = -1;

		for (k = 0; k < job->n; k++) {
			const struct step_row *r = &job->rows[k];
			long cpus = -1, gpus = -1;
			double lo = r->start_s, hi = r->end_s;

			if (r->gpus < 0)
				st->rows_without_hardware++;
			if (r->cpu_model)
				cpu[n_cpu++] = (struct model_node){ r->cpu_model, r->node };
			if (r->gpu_model && r->gpus > 0)
				gpu[n_gpu++] = (struct model_node){ r->gpu_model, r->node };
			for (j = 0; j < k && strcmp(job->rows[j].node, r->node); j++)
				;
			if (j < k)
				continue;	/* the node was added up with its first record */
			for (j = k; j < job->n; j++) {
				const struct step_row *q = &job->rows[j];

				if (strcmp(q->node, r->node))
					continue;
				lo = fmin(lo, q->start_s);
				hi = fmax(hi, q->end_s);
				cpus = q->alloc_cpus > cpus ? q->alloc_cpus : cpus;
				gpus = q->gpus > gpus ? q->gpus : gpus;
			}
			if (cpus >= 0) {
				job_cpus = (job_cpus < 0 ? 0 : job_cpus) + cpus;
				st->core_hours = (isnan(st->core_hours) ? 0.0 : st->core_hours) +
						 (double)cpus * (hi - lo) / 3600.0;
			}
			if (gpus >= 0)
				job_gpus = (job_gpus < 0 ? 0 : job_gpus) + gpus;
		}
		if (!isnan(job->gpu_s))
			st->gpu_hours = (isnan(st->gpu_hours) ? 0.0 : st->gpu_hours) +
					job->gpu_s / 3600.0;
		st->cpu_count = job_cpus > st->cpu_count ? job_cpus : st->cpu_count;
		st->gpu_count = job_gpus > st->gpu_count ? job_gpus : st->gpu_count;
	}
	if (count_models(cpu, n_cpu, &st->cpu_models, &st->n_cpu_models) < 0 ||
	    count_models(gpu, n_gpu, &st->gpu_models, &st->n_gpu_models) < 0)
		goto out;
	rc = 0;
out:
	free(cpu);
	free(gpu);
	return rc;
}

int statement_add_jobs(struct statement *st, const struct jobset *set)
{
	size_t i, k, n_rows = 0;
	int d;

	for (i = 0; i < set->n; i++)
		n_rows += set->jobs[i].n;
	st->nodes = calloc(n_rows ? n_rows : 1, sizeof(*st->nodes));
	if (!st->nodes)
		return -1;
	for (i = 0; i < set->n; i++) {
		const struct job *job = &set->jobs[i];
		bool partial = false;
		double sampled_j = 0.0, sampled_gpu_j = 0.0;

		st->jobs++;
		st->jobs_by_state[job->state]++;
		st->records += job->n;
		if (!st->start_given && (i == 0 || job->start_s < st->start_s))
			st->start_s = job->start_s;
		if (!st->end_given && (i == 0 || job->end_s > st->end_s))
			st->end_s = job->end_s;
		st->wall_s += job->end_s - job->start_s;
		st->node_s += job_node_s(job);
		for (k = 0; k < job->n; k++) {
			const struct step_row *r = &job->rows[k];
			bool sampled;
			unsigned bits = method_bits(st, r->method, &sampled);

			partial |= r->partial;
			st->nodes[st->n_nodes++] = r->node;
			if (r->cpu_time_s >= 0)
				st->cpu_time_s += r->cpu_time_s;
			else
				st->rows_without_cpu_time++;
			for (d = 0; d < DOMAIN_COUNT && r->measured; d++)
				if ((r->has_job ? r->job_j[d] : r->energy_j[d]) > 0)
					st->domain_methods[d] |= domain_bits(d, bits);
			if (r->measured && bits & M_NODE)
				st->node_meter_records++;
			else if (r->measured)
				st->records_without_node_meter++;
			if (r->measured && job->measured && sampled)
				sampled_j += r->has_job ? r->job_j[DOMAIN_OTHER] : r->energy_j[DOMAIN_OTHER];
			if (r->measured && job->measured && bits & M_GPU_POWER)
				sampled_gpu_j += r->has_job ? r->job_j[DOMAIN_GPU] : r->energy_j[DOMAIN_GPU];
		}
		st->partial_jobs += partial;
		if (job_state_unsuccessful(job->state))
			st->fc_jobs++;
		if (!job->measured) {
			st->unmeasured_jobs++;
			continue;
		}
		for (d = 0; d < DOMAIN_COUNT; d++)
			st->energy_kwh[d] += job->energy_kwh[d];
		st->it_kwh += job->it_kwh;
		st->facility_kwh += job->facility_kwh;
		st->estimated_kwh += fmin(job->estimated_kwh, job->it_kwh);
		st->sampled_kwh += fmin(sampled_j / 3.6e6, job->energy_kwh[DOMAIN_OTHER]) +
				   fmin(sampled_gpu_j / 3.6e6, job->energy_kwh[DOMAIN_GPU]);
		st->co2e_kg += job->co2e_kg;
		merge_intensity(st, &job->in);
		if (job_state_unsuccessful(job->state)) {
			st->fc_it_kwh += job->it_kwh;
			st->fc_facility_kwh += job->facility_kwh;
			st->fc_co2e_kg += job->co2e_kg;
		}
	}
	qsort(st->nodes, st->n_nodes, sizeof(*st->nodes), cmp_str);
	for (i = k = 0; i < st->n_nodes; i++)
		if (!k || strcmp(st->nodes[k - 1], st->nodes[i]))
			st->nodes[k++] = st->nodes[i];
	st->n_nodes = k;
	if (st->facility_kwh > 0)
		st->in.g_per_kwh = st->co2e_kg * 1000.0 / st->facility_kwh;
	return hardware_add(st, set, n_rows);
}

/* Add the imported runs to the totals, the methods and the period; the PUE
 * and intensity stay those of the jobs (the runs carry their own). */
void statement_add_imported(struct statement *st, bool have_jobs)
{
	const struct imported_runs *imp = &st->imp;
	int d;

	if (!imp->runs)
		return;
	for (d = 0; d < DOMAIN_COUNT; d++) {
		st->energy_kwh[d] += imp->energy_kwh[d];
		if (imp->energy_kwh[d] > 0)
			st->domain_methods[d] |= M_CODECARBON;
	}
	st->it_kwh += imp->it_kwh;
	st->facility_kwh += imp->facility_kwh;
	st->co2e_kg += imp->co2e_kg;
	if (st->n_methods < STATEMENT_MAX_METHODS)
		snprintf(st->methods[st->n_methods++], sizeof(st->methods[0]), "%s",
			 IMPORTED_METHOD);
	if (!st->start_given && (!have_jobs || imp->first_s < st->start_s))
		st->start_s = imp->first_s;
	if (!st->end_given && (!have_jobs || imp->last_s > st->end_s))
		st->end_s = imp->last_s;
}

/* "rapl", "rapl+model", or NULL when no record had energy there. */
const char *statement_methods_str(unsigned bits, char *buf, size_t n)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ M_RAPL, "rapl" }, { M_NVML, "nvml" }, { M_ROCM, "rocm" },
		{ M_MODEL, "model" }, { M_OTHER, "other" },
		{ M_NODE, "node_meter" }, { M_CODECARBON, IMPORTED_METHOD },
	};
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (bits & names[i].bit)
			snprintf(buf + strlen(buf), n - strlen(buf), "%s%s",
				 buf[0] ? "+" : "", names[i].name);
	return buf[0] ? buf : NULL;
}

/* Of the IT energy: what our counters measured (not modelled, not imported). */
double statement_measured_kwh(const struct statement *st)
{
	return st->it_kwh - st->estimated_kwh - st->imp.it_kwh;
}

double statement_measured_fraction(const struct statement *st)
{
	return st->it_kwh > 0 ? statement_measured_kwh(st) / st->it_kwh : 0.0;
}

double statement_modelled_fraction(const struct statement *st)
{
	return st->it_kwh > 0 ? st->estimated_kwh / st->it_kwh : 0.0;
}

double statement_imported_fraction(const struct statement *st)
{
	return st->it_kwh > 0 ? st->imp.it_kwh / st->it_kwh : 0.0;
}

double statement_offset_cost_usd(const struct statement *st)
{
	return st->co2e_kg / 1000.0 * st->offset_price;
}

/* Embodied emissions: the footprint of making a node (a GPU), spread evenly
 * over its lifetime's hours and charged by the hours jobs held it: the
 * allocated core-hours over the node's cores, the GPU-hours. Computed where
 * carbon.conf gives a node's footprint and cores. */
void statement_set_embodied(struct statement *st, const struct carbon_conf *c)
{
	struct embodied *e = &st->emb;
	double life_h = c->embodied_lifetime_years * 365.25 * 24.0;

	memset(e, 0, sizeof(*e));
	e->configured = c->embodied_node_kg >= 0 && c->embodied_node_cores > 0;
	e->node_kg = c->embodied_node_kg;
	e->node_cores = c->embodied_node_cores;
	e->gpu_kg = c->embodied_gpu_kg;
	e->lifetime_years = c->embodied_lifetime_years;
	e->kg = e->cpu_kg = e->gpu_kg_part = NAN;
	if (!e->configured || isnan(st->core_hours))
		return;
	e->cpu_kg = st->core_hours / e->node_cores * e->node_kg / life_h;
	e->gpu_kg_part = e->gpu_kg >= 0 ? (isnan(st->gpu_hours) ? 0.0 : st->gpu_hours) *
						  e->gpu_kg / life_h
					: 0.0;
	e->kg = e->cpu_kg + e->gpu_kg_part;
}

double statement_sci_units(const struct statement *st)
{
	return (double)(st->jobs + st->imp.runs);
}

bool statement_sci_embodied(const struct statement *st)
{
	return st->emb.configured && !isnan(st->emb.kg);
}

double statement_sci_scope_kg(const struct statement *st)
{
	return st->co2e_kg + (statement_sci_embodied(st) ? st->emb.kg : 0.0);
}

double statement_sci_kg_per_job(const struct statement *st)
{
	double r = statement_sci_units(st);

	return r > 0 ? statement_sci_scope_kg(st) / r : NAN;
}

static const char *const method_names[EM_COUNT] = {
	[EM_COUNTER] = "counter", [EM_SAMPLING] = "sampling", [EM_MODEL] = "model",
	[EM_IMPORTED] = "imported",
};

const char *statement_method_name(enum energy_method m)
{
	return method_names[m];
}

const struct uncertainty_band *statement_method_band(enum energy_method m)
{
	size_t i;

	for (i = 0; i < uncertainty_bands_len; i++)
		if (!strcmp(uncertainty_bands[i].method, method_names[m]))
			return &uncertainty_bands[i];
	return NULL;
}

double statement_method_kwh(const struct statement *st, enum energy_method m)
{
	switch (m) {
	case EM_COUNTER:
		return fmax(statement_measured_kwh(st) - st->sampled_kwh, 0.0);
	case EM_SAMPLING:
		return st->sampled_kwh;
	case EM_MODEL:
		return st->estimated_kwh;
	case EM_IMPORTED:
		return st->imp.it_kwh;
	default:
		return 0.0;
	}
}

double statement_method_share(const struct statement *st, enum energy_method m)
{
	return st->it_kwh > 0 ? statement_method_kwh(st, m) / st->it_kwh : 0.0;
}

/* Σ over methods of share x the band's low (high) percentage. */
static double band_pct(const struct statement *st, bool high)
{
	const struct uncertainty_band *b;
	double pct = 0.0;
	int m;

	for (m = 0; m < EM_COUNT; m++)
		if ((b = statement_method_band((enum energy_method)m)))
			pct += statement_method_share(st, (enum energy_method)m) *
			       (high ? b->high_pct : b->low_pct);
	return pct;
}

double statement_band_low_pct(const struct statement *st)
{
	return band_pct(st, false);
}

double statement_band_high_pct(const struct statement *st)
{
	return band_pct(st, true);
}

double statement_band_low_kg(const struct statement *st)
{
	return st->co2e_kg * (1.0 - statement_band_low_pct(st) / 100.0);
}

double statement_band_high_kg(const struct statement *st)
{
	return st->co2e_kg * (1.0 + statement_band_high_pct(st) / 100.0);
}

void statement_free(struct statement *st)
{
	free(st->nodes);
	free(st->cpu_models);
	free(st->gpu_models);
	free(st->pue_sources);
	st->pue_sources = NULL;
	free(st->imp.estimated_how);
	st->imp.estimated_how = NULL;
	st->n_pue_sources = 0;
	st->nodes = NULL;
	st->cpu_models = st->gpu_models = NULL;
	st->n_nodes = st->n_cpu_models = st->n_gpu_models = 0;
	group_list_free(&st->track);
	if (st->set) {
		jobset_free(st->set);
		free(st->set);
		st->set = NULL;
	}
}

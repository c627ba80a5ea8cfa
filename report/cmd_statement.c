/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report statement (-t TAG | -A PROJECT | -u USER): the emission
 * statement of a run, a project or a user, its imported CodeCarbon runs
 * included. */
#include "report.h"

#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "energy.h"
#include "filter.h"
#include "json.h"
#include "jobset.h"
#include "record.h"
#include "table.h"

/* The default offset price, in US dollars per tonne of CO2e, from the
 * NeuCLIR track's own guidance to its participants ("Tracking Carbon
 * Emissions for your NeuCLIR Submission", neuclir.github.io/carbon-tracking):
 * its example offsets about 250 kg CO2e for 4 USD through a UN cook stove
 * programme in Kenya, 16 USD a tonne. A typical figure, not a quote:
 * --offset-price sets another. */
#define OFFSET_PRICE_USD_PER_T 16.0
#define OFFSET_PRICE_SOURCE \
	"NeuCLIR, Tracking Carbon Emissions for your NeuCLIR Submission (neuclir.github.io/carbon-tracking.html): about 250 kg CO2e offset for 4 USD"

#define MAX_METHODS 8

/* Sensors named in records' method ("rapl+nvml"), as bits; M_CODECARBON:
 * runs imported from CodeCarbon (carbon.imported_run). */
enum { M_RAPL = 1, M_NVML = 2, M_MODEL = 4, M_OTHER = 8, M_CODECARBON = 16 };

/* The method label of imported runs (sql/007). */
#define IMPORTED_METHOD "codecarbon"

/* What the CodeCarbon runs of the scope add up to, as imported: measured by
 * CodeCarbon off the cluster, not by us. */
struct imported_runs {
	size_t runs;
	double energy_kwh[DOMAIN_COUNT];	/* cpu, ram as dram, gpu; other */
	double it_kwh, facility_kwh, co2e_kg, duration_s;
	double first_s, last_s;	/* earliest start (timestamp - duration), latest end */
};

/* A CPU or GPU model and how many distinct nodes ran it. */
struct model_nodes {
	const char *model;
	size_t nodes;
};

/* What the statement adds up over its jobs. */
struct statement {
	const char *by;		/* "tag", "project" or "user" */
	const char *who;
	size_t jobs, partial_jobs, unmeasured_jobs, records;
	/* How the jobs ended (sql/012; jobset.h enum job_state), and what the
	 * failed and cancelled ones add to the totals below. */
	size_t jobs_by_state[JOB_STATE_COUNT];
	size_t fc_jobs;
	double fc_it_kwh, fc_facility_kwh, fc_co2e_kg;
	double start_s, end_s;	/* the period: as given, else the jobs' */
	bool start_given, end_given;
	const char **nodes;	/* distinct, sorted; point into the jobset */
	size_t n_nodes;
	char methods[MAX_METHODS][16];	/* distinct sensors, first seen first */
	size_t n_methods;
	unsigned domain_methods[DOMAIN_COUNT];	/* M_* per component */
	double cpu_time_s;
	size_t rows_without_cpu_time;
	/* The hardware (sql/010; see hardware_add): distinct models with the
	 * number of nodes that ran them, most nodes first; point into the
	 * jobset. */
	struct model_nodes *cpu_models, *gpu_models;
	size_t n_cpu_models, n_gpu_models;
	long cpu_count, gpu_count;	/* the most one job held; -1: unknown */
	size_t rows_without_hardware;
	double gpu_hours, core_hours;	/* NAN: no record says */
	double wall_s, node_s;
	double energy_kwh[DOMAIN_COUNT];
	double it_kwh, facility_kwh, estimated_kwh, co2e_kg;
	double pue;
	char pue_source[40];	/* carbon.conf, period, or both */
	struct intensity in;	/* merged over the measured jobs */
	bool have_in;
	double offset_price;	/* USD per tonne */
	bool offset_price_given;
	/* Embodied emissions, from carbon.conf [embodied] (embodied_set). */
	struct embodied {
		bool configured;	/* node_kg and node_cores are set */
		double node_kg, gpu_kg;	/* gpu_kg < 0: GPUs not counted */
		int node_cores;
		double lifetime_years;
		double kg;		/* NAN: configured, but no record says
					 * the cores allocated */
		double cpu_kg, gpu_kg_part;
	} emb;
	/* Included in the totals above (energy_kwh, it_kwh, facility_kwh,
	 * co2e_kg) by statement_add_imported; pue and in are the jobs' own. */
	struct imported_runs imp;
};

/* The fixed list of what the method cannot see (doc/spank_carbon.8). */
static const char *const limitations[] = {
	"RAPL counts the CPU packages and DRAM only: disks, network, fans, power supplies and the rest of a node are not measured",
	"a node's energy is split among the jobs on it by their CPU time (by allocated CPUs while all are idle)",
	"a GPU is charged whole to the job that holds it",
	"energy without a counter is modelled from thermal design power (see coverage): an estimate",
	"carbon intensity is location-based and an average of the grid mix, neither market-based nor marginal",
	"embodied emissions (making the hardware) are not part of the operational figure: where carbon.conf [embodied] gives the hardware's footprint they are estimated apart, spread evenly over its lifetime",
	"a job's state is Slurm's where its accounting was copied in (carbon-report db sync-states), else out_of_memory where a record counts an OOM kill, else how its tasks ended (the batch step's, else its steps' worst): failed is a non-zero exit code, cancelled an end by a signal (scancel, the time limit, a kill), unknown where no record says (records from before migration 012); jobs of every state count in the totals; records marked partial (a killed step) count as far as they go",
};

#define N_LIMITATIONS (sizeof(limitations) / sizeof(limitations[0]))

/* One more, when records from before migration 010 do not say. */
static const char hardware_limitation[] =
	"CPU and GPU models and counts are not recorded in records written before migration 010 (see hardware: records_without_hardware)";

/* One more, when the statement counts imported runs. */
static const char imported_limitation[] =
	"imported CodeCarbon runs are CodeCarbon's own figures (its power estimates, intensity and PUE), not measured or checked by slurm-carbon";

static void usage(FILE *fp)
{
	fputs("Usage: carbon-report statement (-t TAG | -A PROJECT | -u USER) [-S START] [-E END]\n"
	      "                              [-M CLUSTER] [--offset-price USD_PER_TONNE]\n"
	      "  -t, --tag TAG        the jobs submitted with --carbon-tag=TAG (a run)\n"
	      "  -A, --project NAME   the jobs of a project\n"
	      "  -u, --user NAME      the jobs of a user\n"
	      "  -S, --starttime T    only jobs that end at or after T (e.g. 2026-11-01)\n"
	      "  -E, --endtime T      only jobs that start before T\n"
	      "  -M, --cluster NAME   only jobs of this cluster\n"
	      "      --offset-price P price of an offset in USD per tonne CO2e, for the\n"
	      "                       offsets estimate (default 16, see carbon-report(1))\n"
	      "The emission statement of those jobs: scope, hardware, activity, energy per\n"
	      "component, PUE, carbon intensity, CO2e, an offsets estimate, and the method's\n"
	      "limitations; as text (default), --format markdown or --json. CodeCarbon runs\n"
	      "imported for the tag, project or user (import codecarbon) count too, apart\n"
	      "and in the totals, with method codecarbon.\n",
	      fp);
}

/* ---- adding up ---------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sensors of one method string ("rapl+nvml") as M_* bits; each new
 * name is kept in st->methods as well. */
static unsigned method_bits(struct statement *st, const char *method)
{
	unsigned bits = 0;
	const char *p = method;
	size_t len, i;

	while (*p) {
		len = strcspn(p, "+");
		if (len == 4 && !strncmp(p, "rapl", 4))
			bits |= M_RAPL;
		else if (len == 4 && !strncmp(p, "nvml", 4))
			bits |= M_NVML;
		else if (len == 5 && !strncmp(p, "model", 5))
			bits |= M_MODEL;
		else if (len)
			bits |= M_OTHER;
		for (i = 0; i < st->n_methods; i++)
			if (strlen(st->methods[i]) == len && !strncmp(st->methods[i], p, len))
				break;
		if (len && i == st->n_methods && i < MAX_METHODS && len < sizeof(st->methods[i])) {
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
 * reads CPU and DRAM, NVML the GPUs, and the model fills in what neither
 * had a counter for. */
static unsigned domain_bits(int d, unsigned bits)
{
	switch (d) {
	case DOMAIN_CPU:
	case DOMAIN_DRAM:
		return bits & M_RAPL ? M_RAPL : bits & (M_MODEL | M_OTHER);
	case DOMAIN_GPU:
		return bits & M_NVML ? M_NVML : bits & (M_MODEL | M_OTHER);
	default:
		return bits & (M_MODEL | M_OTHER);
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
 *   gpu_hours  on each node of each job, the most GPUs a record held x the
 *              union of the windows of the records that held GPUs, summed:
 *              a batch step and the srun step inside it that see the same
 *              GPUs count them once. */
static int hardware_add(struct statement *st, const struct jobset *set, size_t n_rows)
{
	struct model_node *cpu = NULL, *gpu = NULL;
	double (*win)[2] = NULL;
	size_t n_cpu = 0, n_gpu = 0, i, k, j;
	int rc = -1;

	st->cpu_count = st->gpu_count = -1;
	st->gpu_hours = st->core_hours = NAN;
	cpu = calloc(n_rows ? n_rows : 1, sizeof(*cpu));
	gpu = calloc(n_rows ? n_rows : 1, sizeof(*gpu));
	win = calloc(n_rows ? n_rows : 1, sizeof(*win));
	if (!cpu || !gpu || !win)
		goto out;
	for (i = 0; i < set->n; i++) {
		const struct job *job = &set->jobs[i];
		long job_cpus = -1, job_gpus = -1;

		for (k = 0; k < job->n; k++) {
			const struct step_row *r = &job->rows[k];
			long cpus = -1, gpus = -1;
			double lo = r->start_s, hi = r->end_s;
			size_t n_win = 0;

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
				if (q->gpus > 0) {
					win[n_win][0] = q->start_s;
					win[n_win++][1] = q->end_s;
				}
			}
			if (cpus >= 0) {
				job_cpus = (job_cpus < 0 ? 0 : job_cpus) + cpus;
				st->core_hours = (isnan(st->core_hours) ? 0.0 : st->core_hours) +
						 (double)cpus * (hi - lo) / 3600.0;
			}
			if (gpus >= 0) {
				job_gpus = (job_gpus < 0 ? 0 : job_gpus) + gpus;
				st->gpu_hours = (isnan(st->gpu_hours) ? 0.0 : st->gpu_hours) +
						(double)gpus * windows_union_s(win, n_win) / 3600.0;
			}
		}
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
	free(win);
	return rc;
}

static int statement_add(struct statement *st, const struct jobset *set)
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
			unsigned bits = method_bits(st, r->method);

			partial |= r->partial;
			st->nodes[st->n_nodes++] = r->node;
			if (r->cpu_time_s >= 0)
				st->cpu_time_s += r->cpu_time_s;
			else
				st->rows_without_cpu_time++;
			for (d = 0; d < DOMAIN_COUNT && r->measured; d++)
				if ((r->has_job ? r->job_j[d] : r->energy_j[d]) > 0)
					st->domain_methods[d] |= domain_bits(d, bits);
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

/* Append s to a PostgreSQL array literal as a quoted element. */
static void array_add_text(char *buf, size_t n, const char *s)
{
	size_t len = strlen(buf);

	if (len + 4 > n)
		return;
	if (len > 1)
		buf[len++] = ',';	/* after "{" and an element */
	buf[len++] = '"';
	for (; *s && len + 3 < n; s++) {
		if (*s == '"' || *s == '\\')
			buf[len++] = '\\';
		buf[len++] = *s;
	}
	buf[len++] = '"';
	buf[len] = '\0';
}

/* Where the PUE of the statement's energy came from: carbon.pue_at's source
 * for every hour bucket and job start, as the totals used it (sql/005). */
static const char pue_source_sql[] =
	"SELECT DISTINCT p.source FROM ("
	" SELECT h.cluster AS c, h.hour AS t FROM carbon.job_energy_hour h"
	"  JOIN unnest($1::text[], $2::bigint[]) AS j(c, id)"
	"  ON h.cluster = j.c AND h.job_id = j.id"
	" UNION SELECT j.c, to_timestamp(j.s) FROM unnest($1::text[], $3::float8[]) AS j(c, s)"
	") x CROSS JOIN LATERAL carbon.pue_at(x.c, x.t, $4::float8) p ORDER BY 1";

static int read_pue_source(PGconn *conn, const struct jobset *set,
			   const struct report_env *env, struct statement *st)
{
	size_t i, cap = 16;
	char *clusters, *ids, *starts, pue[32];
	const char *params[4];
	PGresult *res = NULL;
	int rc = -1, r;

	for (i = 0; i < set->n; i++)
		cap += 2 * strlen(set->jobs[i].rows[0].cluster) + 48;
	clusters = calloc(1, cap);
	ids = calloc(1, cap);
	starts = calloc(1, cap);
	if (!clusters || !ids || !starts) {
		fputs("carbon-report: out of memory\n", stderr);
		goto out;
	}
	strcpy(clusters, "{");
	strcpy(ids, "{");
	strcpy(starts, "{");
	for (i = 0; i < set->n; i++) {
		const struct job *job = &set->jobs[i];

		array_add_text(clusters, cap, job->rows[0].cluster);
		snprintf(ids + strlen(ids), cap - strlen(ids), "%s%lld", i ? "," : "",
			 job->rows[0].job_id);
		snprintf(starts + strlen(starts), cap - strlen(starts), "%s%.6f", i ? "," : "",
			 job->start_s);
	}
	strcat(clusters, "}");
	strcat(ids, "}");
	strcat(starts, "}");
	snprintf(pue, sizeof(pue), "%.17g", env->conf.pue);
	params[0] = clusters;
	params[1] = ids;
	params[2] = starts;
	params[3] = pue;
	res = PQexecParams(conn, pue_source_sql, 4, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "carbon-report: cannot read where the PUE comes from (%s); run 'carbon-report db upgrade'\n",
			PQresultErrorMessage(res));
		goto out;
	}
	st->pue_source[0] = '\0';
	for (r = 0; r < PQntuples(res); r++)
		snprintf(st->pue_source + strlen(st->pue_source),
			 sizeof(st->pue_source) - strlen(st->pue_source), "%s%s",
			 r ? " and " : "", PQgetvalue(res, r, 0));
	if (!st->pue_source[0])
		snprintf(st->pue_source, sizeof(st->pue_source), "carbon.conf");
	rc = 0;
out:
	PQclear(res);
	free(clusters);
	free(ids);
	free(starts);
	return rc;
}

/* The CodeCarbon runs of the scope (sql/007 carbon.imported_run): the
 * project, tag or importing role, and the row's timestamp (the run's end) in
 * -S/-E. Energies: cpu, ram and gpu kWh as CPU, DRAM and GPU; IT is
 * energy_consumed / PUE where the row has a PUE (the rest is "other"), else
 * the three added up, else energy_consumed; facility is energy_consumed. */
static const char imported_sql[] =
	"SELECT count(*) AS runs,"
	" coalesce(sum(coalesce(cpu_kwh, 0)), 0) AS cpu_kwh,"
	" coalesce(sum(coalesce(ram_kwh, 0)), 0) AS dram_kwh,"
	" coalesce(sum(coalesce(gpu_kwh, 0)), 0) AS gpu_kwh,"
	" coalesce(sum(it - parts), 0) AS other_kwh,"
	" coalesce(sum(it), 0) AS it_kwh,"
	" coalesce(sum(greatest(energy_kwh, it)), 0) AS facility_kwh,"
	" coalesce(sum(emissions_kg), 0) AS co2e_kg,"
	" coalesce(sum(duration_s), 0) AS duration_s,"
	" min(end_epoch - duration_s) AS first_epoch, max(end_epoch) AS last_epoch"
	" FROM (SELECT r.*, extract(epoch FROM r.\"timestamp\")::float8 AS end_epoch, p.parts,"
	"  CASE WHEN r.pue IS NOT NULL THEN greatest(r.energy_kwh / r.pue, p.parts)"
	"   WHEN coalesce(r.cpu_kwh, r.ram_kwh, r.gpu_kwh) IS NOT NULL THEN p.parts"
	"   ELSE r.energy_kwh END AS it"
	"  FROM carbon.imported_run r CROSS JOIN LATERAL (SELECT coalesce(r.cpu_kwh, 0)"
	"   + coalesce(r.ram_kwh, 0) + coalesce(r.gpu_kwh, 0) AS parts) p"
	"  WHERE ($1::text IS NULL OR r.project = $1) AND ($2::text IS NULL OR r.tag = $2)"
	"  AND ($3::text IS NULL OR r.user_name = $3)"
	"  AND ($4::float8 IS NULL OR r.\"timestamp\" >= to_timestamp($4))"
	"  AND ($5::float8 IS NULL OR r.\"timestamp\" < to_timestamp($5))) x";

static double field_number(const PGresult *res, const char *name)
{
	int col = PQfnumber(res, name);

	if (col < 0 || PQgetisnull(res, 0, col))
		return NAN;
	return strtod(PQgetvalue(res, 0, col), NULL);
}

/* Read into imp the imported runs f selects. Runs have no cluster: with -M
 * none count. Row-level security shows a participant their own imports and
 * those of their projects, as with jobs. Returns 0, or -1 after printing why. */
static int read_imported(PGconn *conn, const struct job_filter *f, struct imported_runs *imp)
{
	char start[32], end[32];
	const char *params[5];
	PGresult *res = NULL;
	int rc = -1;

	memset(imp, 0, sizeof(*imp));
	if (f->cluster)
		return 0;
	snprintf(start, sizeof(start), "%.6f", f->start_s);
	snprintf(end, sizeof(end), "%.6f", f->end_s);
	params[0] = f->project;
	params[1] = f->tag;
	params[2] = f->user;
	params[3] = isnan(f->start_s) ? NULL : start;
	params[4] = isnan(f->end_s) ? NULL : end;
	res = PQexecParams(conn, imported_sql, 5, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		fprintf(stderr, "carbon-report: cannot read the imported CodeCarbon runs (%s); run 'carbon-report db upgrade'\n",
			PQresultErrorMessage(res));
		goto out;
	}
	imp->runs = (size_t)field_number(res, "runs");
	imp->energy_kwh[DOMAIN_CPU] = field_number(res, "cpu_kwh");
	imp->energy_kwh[DOMAIN_DRAM] = field_number(res, "dram_kwh");
	imp->energy_kwh[DOMAIN_GPU] = field_number(res, "gpu_kwh");
	imp->energy_kwh[DOMAIN_OTHER] = field_number(res, "other_kwh");
	imp->it_kwh = field_number(res, "it_kwh");
	imp->facility_kwh = field_number(res, "facility_kwh");
	imp->co2e_kg = field_number(res, "co2e_kg");
	imp->duration_s = field_number(res, "duration_s");
	imp->first_s = field_number(res, "first_epoch");
	imp->last_s = field_number(res, "last_epoch");
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* Add the imported runs to the totals, the methods and the period; the PUE
 * and intensity stay those of the jobs (the runs carry their own). */
static void statement_add_imported(struct statement *st, bool have_jobs)
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
	if (st->n_methods < MAX_METHODS)
		snprintf(st->methods[st->n_methods++], sizeof(st->methods[0]), "%s",
			 IMPORTED_METHOD);
	if (!st->start_given && (!have_jobs || imp->first_s < st->start_s))
		st->start_s = imp->first_s;
	if (!st->end_given && (!have_jobs || imp->last_s > st->end_s))
		st->end_s = imp->last_s;
}

/* "rapl", "rapl+model", or NULL when no record had energy there. */
static const char *bits_str(unsigned bits, char *buf, size_t n)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ M_RAPL, "rapl" }, { M_NVML, "nvml" }, { M_MODEL, "model" }, { M_OTHER, "other" },
		{ M_CODECARBON, IMPORTED_METHOD },
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
static double measured_kwh(const struct statement *st)
{
	return st->it_kwh - st->estimated_kwh - st->imp.it_kwh;
}

static double measured_fraction(const struct statement *st)
{
	return st->it_kwh > 0 ? measured_kwh(st) / st->it_kwh : 0.0;
}

static double imported_fraction(const struct statement *st)
{
	return st->it_kwh > 0 ? st->imp.it_kwh / st->it_kwh : 0.0;
}

static double offset_cost_usd(const struct statement *st)
{
	return st->co2e_kg / 1000.0 * st->offset_price;
}

/* Embodied emissions: the footprint of making a node (a GPU), spread evenly
 * over its lifetime's hours and charged by the hours jobs held it: the
 * allocated core-hours over the node's cores, the GPU-hours. Computed where
 * carbon.conf gives a node's footprint and cores. */
static void embodied_set(struct statement *st, const struct carbon_conf *c)
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

/* ---- JSON ------------------------------------------------------------------ */

static void json_time(struct json_writer *w, const char *key, double t)
{
	char buf[32];

	json_kv_string(w, key, utc_iso8601(t, buf, sizeof(buf)));
}

/* "imported": the CodeCarbon runs, also when there are none (runs 0). */
static void print_json_imported(struct json_writer *w, const struct imported_runs *imp)
{
	int d;

	json_key(w, "imported");
	json_begin_object(w);
	json_kv_string(w, "method", IMPORTED_METHOD);
	json_kv_int(w, "runs", (long long)imp->runs);
	json_kv_string(w, "coverage",
		       "imported with carbon-report import codecarbon: CodeCarbon's figures, not measured by slurm-carbon");
	json_key(w, "period");
	if (imp->runs) {
		json_begin_object(w);
		json_time(w, "start", imp->first_s);
		json_time(w, "end", imp->last_s);
		json_end_object(w);
	} else {
		json_null(w);
	}
	json_kv_number(w, "duration_hours", imp->duration_s / 3600.0);
	json_key(w, "energy_kwh");
	json_begin_object(w);
	for (d = 0; d < DOMAIN_COUNT; d++)
		json_kv_number(w, energy_domain_name(d), imp->energy_kwh[d]);
	json_kv_number(w, "it", imp->it_kwh);
	json_kv_number(w, "facility", imp->facility_kwh);
	json_end_object(w);
	json_kv_number(w, "co2e_kg", imp->co2e_kg);
	json_kv_string(w, "co2e_source", "as imported (CodeCarbon's own intensity and PUE)");
	json_end_object(w);
}

/* What cpu_model, cpu_count and the others of "hardware" mean. */
#define HARDWARE_NOTE \
	"cpu_model and gpu_model: the model on most nodes (cpu_models, gpu_models: each with its nodes); cpu_count and gpu_count: the most one job held, summed over its nodes"

/* A count, or null when no record says (< 0). */
static void json_kv_count(struct json_writer *w, const char *key, long v)
{
	if (v >= 0)
		json_kv_int(w, key, v);
	else
		json_kv_null(w, key);
}

static void json_models(struct json_writer *w, const char *key, const struct model_nodes *m,
			size_t n)
{
	size_t i;

	json_key(w, key);
	json_begin_array(w);
	for (i = 0; i < n; i++) {
		json_begin_object(w);
		json_kv_string(w, "model", m[i].model);
		json_kv_int(w, "nodes", (long long)m[i].nodes);
		json_end_object(w);
	}
	json_end_array(w);
}

static void print_json(const struct statement *st, const struct data_version *dv)
{
	struct json_writer w;
	char buf[64];
	size_t i;
	int d;

	json_init(&w, stdout);
	json_begin_object(&w);
	json_key(&w, "scope");
	json_begin_object(&w);
	json_kv_string(&w, "by", st->by);
	json_kv_string(&w, st->by, st->who);
	json_kv_int(&w, "jobs", (long long)st->jobs);
	json_kv_int(&w, "partial_jobs", (long long)st->partial_jobs);
	json_kv_int(&w, "unmeasured_jobs", (long long)st->unmeasured_jobs);
	json_kv_int(&w, "records", (long long)st->records);
	json_kv_int(&w, "imported_runs", (long long)st->imp.runs);
	/* sql/012: every job counts in the totals; these say how many of them
	 * failed or were cancelled, and what those add. */
	json_key(&w, "jobs_by_state");
	json_begin_object(&w);
	for (i = JOB_COMPLETED; i < JOB_STATE_COUNT; i++)
		json_kv_int(&w, job_state_name((enum job_state)i),
			    (long long)st->jobs_by_state[i]);
	json_kv_int(&w, job_state_name(JOB_UNKNOWN), (long long)st->jobs_by_state[JOB_UNKNOWN]);
	json_end_object(&w);
	json_key(&w, "failed_or_cancelled");
	json_begin_object(&w);
	json_kv_int(&w, "jobs", (long long)st->fc_jobs);
	json_key(&w, "energy_kwh");
	json_begin_object(&w);
	json_kv_number(&w, "it", st->fc_it_kwh);
	json_kv_number(&w, "facility", st->fc_facility_kwh);
	json_end_object(&w);
	json_kv_number(&w, "co2e_kg", st->fc_co2e_kg);
	json_end_object(&w);
	json_end_object(&w);
	json_kv_int(&w, "jobs", (long long)st->jobs);
	json_key(&w, "period");
	json_begin_object(&w);
	json_time(&w, "start", st->start_s);
	json_time(&w, "end", st->end_s);
	json_kv_string(&w, "from", st->start_given || st->end_given ?
		       "options -S/-E, else the jobs" : "the jobs");
	json_end_object(&w);

	json_key(&w, "methods");
	json_begin_array(&w);
	for (i = 0; i < st->n_methods; i++)
		json_string(&w, st->methods[i]);
	json_end_array(&w);
	json_key(&w, "hardware");
	json_begin_object(&w);
	json_key(&w, "nodes");
	json_begin_array(&w);
	for (i = 0; i < st->n_nodes; i++)
		json_string(&w, st->nodes[i]);
	json_end_array(&w);
	json_kv_int(&w, "node_count", (long long)st->n_nodes);
	json_kv_string(&w, "cpu_model", st->n_cpu_models ? st->cpu_models[0].model : NULL);
	json_kv_count(&w, "cpu_count", st->cpu_count);
	json_kv_string(&w, "gpu_model", st->n_gpu_models ? st->gpu_models[0].model : NULL);
	json_kv_count(&w, "gpu_count", st->gpu_count);
	json_models(&w, "cpu_models", st->cpu_models, st->n_cpu_models);
	json_models(&w, "gpu_models", st->gpu_models, st->n_gpu_models);
	json_kv_int(&w, "records_without_hardware", (long long)st->rows_without_hardware);
	json_kv_string(&w, "note", HARDWARE_NOTE);
	json_end_object(&w);

	json_key(&w, "activity");
	json_begin_object(&w);
	json_kv_number(&w, "cpu_hours", st->cpu_time_s / 3600.0);
	json_kv_number(&w, "wall_hours", st->wall_s / 3600.0);
	json_kv_number(&w, "node_hours", st->node_s / 3600.0);
	json_kv_int(&w, "records_without_cpu_time", (long long)st->rows_without_cpu_time);
	json_kv_number(&w, "gpu_hours", st->gpu_hours);
	json_kv_number(&w, "core_hours_allocated", st->core_hours);
	json_end_object(&w);

	json_key(&w, "energy_kwh");
	json_begin_object(&w);
	for (d = 0; d < DOMAIN_COUNT; d++)
		json_kv_number(&w, energy_domain_name(d), st->energy_kwh[d]);
	json_kv_number(&w, "it", st->it_kwh);
	json_kv_number(&w, "facility", st->facility_kwh);
	json_end_object(&w);
	json_key(&w, "energy_methods");
	json_begin_object(&w);
	for (d = 0; d < DOMAIN_COUNT; d++)
		json_kv_string(&w, energy_domain_name(d),
			       bits_str(st->domain_methods[d], buf, sizeof(buf)));
	json_end_object(&w);
	json_key(&w, "coverage");
	json_begin_object(&w);
	json_kv_number(&w, "measured_kwh", measured_kwh(st));
	json_kv_number(&w, "modelled_kwh", st->estimated_kwh);
	json_kv_number(&w, "imported_kwh", st->imp.it_kwh);
	json_kv_number(&w, "measured_fraction", measured_fraction(st));
	json_kv_number(&w, "modelled_fraction",
		       st->it_kwh > 0 ? st->estimated_kwh / st->it_kwh : 0.0);
	json_kv_number(&w, "imported_fraction", imported_fraction(st));
	json_end_object(&w);
	print_json_imported(&w, &st->imp);

	json_kv_number(&w, "pue", st->pue);
	json_kv_string(&w, "pue_source", st->pue_source);
	json_kv_number(&w, "intensity_g_per_kwh", st->have_in ? st->in.g_per_kwh : NAN);
	json_key(&w, "intensity_source");
	json_begin_object(&w);
	json_kv_string(&w, "basis", "location-based");
	json_kv_string(&w, "kind", "average");
	json_kv_string(&w, "level", st->have_in ? st->in.level : NULL);
	json_kv_string(&w, "dataset", st->have_in ? st->in.dataset : NULL);
	if (st->in.year)
		json_kv_int(&w, "year", st->in.year);
	else
		json_kv_null(&w, "year");
	json_kv_string(&w, "zone", st->in.zone[0] ? st->in.zone : NULL);
	json_kv_string(&w, "resolution", st->have_in ? st->in.resolution : NULL);
	json_kv_string(&w, "licence", st->in.licence[0] ? st->in.licence : NULL);
	json_end_object(&w);

	json_kv_number(&w, "co2e_kg", st->co2e_kg);
	json_key(&w, "embodied");
	json_begin_object(&w);
	json_kv_number(&w, "co2e_kg", st->emb.kg);
	json_kv_bool(&w, "part_of_operational", false);
	if (!st->emb.configured) {
		json_kv_string(&w, "status", "not configured");
	} else {
		json_kv_string(&w, "status", isnan(st->emb.kg) ?
			       "configured; the records do not say the cores allocated" :
			       "configured");
		json_kv_number(&w, "cpu_kg", st->emb.cpu_kg);
		json_kv_number(&w, "gpu_kg", st->emb.gpu_kg_part);
		json_kv_number(&w, "node_kg", st->emb.node_kg);
		json_kv_int(&w, "node_cores", st->emb.node_cores);
		if (st->emb.gpu_kg >= 0)
			json_kv_number(&w, "gpu_unit_kg", st->emb.gpu_kg);
		else
			json_kv_null(&w, "gpu_unit_kg");
		json_kv_number(&w, "lifetime_years", st->emb.lifetime_years);
		json_kv_string(&w, "method",
			       "footprint of making the hardware spread evenly over its lifetime, charged by the allocated core-hours (node_kg / node_cores per core) and GPU-hours (gpu_unit_kg per GPU)");
	}
	json_end_object(&w);
	json_key(&w, "offsets");
	json_begin_object(&w);
	json_kv_bool(&w, "estimate", true);
	json_kv_bool(&w, "part_of_emissions", false);
	json_kv_number(&w, "tonnes_co2e", st->co2e_kg / 1000.0);
	json_kv_number(&w, "price_usd_per_tonne", st->offset_price);
	json_kv_string(&w, "price_source", st->offset_price_given ? "--offset-price" :
		       OFFSET_PRICE_SOURCE);
	json_kv_number(&w, "cost_usd", offset_cost_usd(st));
	json_end_object(&w);

	json_key(&w, "software");
	json_begin_object(&w);
	json_kv_string(&w, "carbon_report", CARBON_VERSION);
	json_end_object(&w);
	json_key(&w, "data_version");
	json_begin_object(&w);
	json_kv_int(&w, "schema", dv->schema);
	json_kv_int(&w, "annual_rows", dv->annual_rows);
	json_kv_int(&w, "annual_latest_year", dv->annual_latest_year);
	json_kv_int(&w, "series_rows", dv->series_rows);
	json_kv_string(&w, "series_imported_at",
		       dv->series_imported_at[0] ? dv->series_imported_at : NULL);
	json_end_object(&w);
	json_key(&w, "limitations");
	json_begin_array(&w);
	for (i = 0; i < N_LIMITATIONS; i++)
		json_string(&w, limitations[i]);
	if (st->rows_without_hardware)
		json_string(&w, hardware_limitation);
	if (st->imp.runs)
		json_string(&w, imported_limitation);
	json_end_array(&w);
	json_end_object(&w);
	putchar('\n');
	if (json_finish(&w) < 0)
		fputs("carbon-report: could not write the JSON output\n", stderr);
}

/* ---- text and Markdown ----------------------------------------------------- */


static void heading(bool md, const char *title)
{
	printf(md ? "\n### %s\n\n" : "\n%s\n", title);
}

/* The start of a "key: value" line: a list item in Markdown, indented in text. */
static void label(bool md, const char *key)
{
	if (md)
		printf("- %s: ", key);
	else
		printf("  %-20s ", key);
}

/* One "key: value" line. */
static void item(bool md, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void item(bool md, const char *key, const char *fmt, ...)
{
	va_list ap;

	label(md, key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

enum { COL_PART, COL_KWH, COL_METHOD, N_COLS };

static const struct table_column energy_columns[N_COLS] = {
	[COL_PART] = { "COMPONENT", false },
	[COL_KWH] = { "kWh", true },
	[COL_METHOD] = { "METHOD", false },
};

static int print_energy_table(const struct statement *st, bool md)
{
	static const char *const label[DOMAIN_COUNT] = {
		[DOMAIN_CPU] = "CPU", [DOMAIN_DRAM] = "DRAM",
		[DOMAIN_GPU] = "GPU", [DOMAIN_OTHER] = "other",
	};
	struct table t;
	char buf[64];
	unsigned all = 0;
	int d, rc = -1;

	table_init(&t, energy_columns, N_COLS);
	for (d = 0; d < DOMAIN_COUNT; d++) {
		const char *m = bits_str(st->domain_methods[d], buf, sizeof(buf));

		all |= st->domain_methods[d];
		if (table_add_row(&t) < 0)
			goto out;
		table_cell(&t, COL_PART, "%s", label[d]);
		table_cell(&t, COL_KWH, "%.6f", st->energy_kwh[d]);
		table_cell(&t, COL_METHOD, "%s", m ? m : "-");
	}
	if (table_add_row(&t) < 0)
		goto out;
	table_cell(&t, COL_PART, "IT (sum)");
	table_cell(&t, COL_KWH, "%.6f", st->it_kwh);
	table_cell(&t, COL_METHOD, "%s", bits_str(all, buf, sizeof(buf)) ?
		   buf : "-");
	if (table_add_row(&t) < 0)
		goto out;
	table_cell(&t, COL_PART, "facility");
	table_cell(&t, COL_KWH, "%.6f", st->facility_kwh);
	table_cell(&t, COL_METHOD, st->imp.runs ? "IT x PUE; imported: as imported" : "IT x PUE");
	if (t.failed)
		goto out;
	if (md)
		table_print_markdown(&t, stdout);
	else
		table_print_text(&t, stdout);
	rc = 0;
out:
	if (rc < 0)
		fputs("carbon-report: out of memory\n", stderr);
	table_free(&t);
	return rc;
}

static const char *or_none(const char *s)
{
	return s && *s ? s : "none";
}

/* The section on imported CodeCarbon runs (only when there are some). */
static void print_imported(const struct imported_runs *imp, bool md)
{
	char a[32], b[32], x[32], y[32];

	heading(md, "Imported runs (method codecarbon)");
	item(md, "runs", "%zu, imported with 'carbon-report import codecarbon': CodeCarbon's figures, not measured by slurm-carbon",
	     imp->runs);
	item(md, "period", "%s .. %s (%s hours of runs)", utc_iso8601(imp->first_s, a, sizeof(a)),
	     utc_iso8601(imp->last_s, b, sizeof(b)), table_sig4(imp->duration_s / 3600.0, x, sizeof(x)));
	item(md, "energy", "CPU %.6f, DRAM (RAM) %.6f, GPU %.6f, other %.6f: IT %.6f kWh",
	     imp->energy_kwh[DOMAIN_CPU], imp->energy_kwh[DOMAIN_DRAM],
	     imp->energy_kwh[DOMAIN_GPU], imp->energy_kwh[DOMAIN_OTHER], imp->it_kwh);
	item(md, "facility energy", "%s kWh (energy_consumed, as imported)",
	     table_sig4(imp->facility_kwh, y, sizeof(y)));
	item(md, "emissions", "%s kg CO2e (as imported; included in the totals)",
	     table_sig4(imp->co2e_kg, x, sizeof(x)));
}

/* "Model A (2 nodes), Model B (1 node); at most 16 CPUs in one job"; unit
 * singular ("CPU"). */
static void print_models(bool md, const char *key, const struct model_nodes *m, size_t n,
			 long count, const char *unit, size_t rows_without)
{
	size_t i;

	label(md, key);
	if (count < 0) {
		puts("unknown (not recorded)");
		return;
	}
	if (count == 0 && n == 0) {
		printf("none%s\n", rows_without ? " (some records do not say)" : "");
		return;
	}
	for (i = 0; i < n; i++)
		printf("%s%s (%zu node%s)", i ? ", " : "", m[i].model, m[i].nodes,
		       m[i].nodes == 1 ? "" : "s");
	printf("%sat most %ld %s%s in one job%s\n", n ? "; " : "model unknown; ", count, unit,
	       count == 1 ? "" : "s", rows_without ? " (some records do not say)" : "");
}

static int print_text(const struct statement *st, const struct data_version *dv, bool md)
{
	const struct intensity *in = &st->in;
	char a[32], b[32], x[32], y[32], z[32], z1[32], z2[32], z3[32], z4[32], z5[64], z6[32];
	size_t i;

	utc_iso8601(st->start_s, a, sizeof(a));
	utc_iso8601(st->end_s, b, sizeof(b));
	printf(md ? "## Emission statement: %s %s\n\n" : "Emission statement: %s %s\n",
	       st->by, st->who);
	/* The one sentence a paper quotes; the sections below qualify it. */
	printf("%zu job%s", st->jobs, st->jobs == 1 ? "" : "s");
	if (st->imp.runs)
		printf(" and %zu imported run%s", st->imp.runs, st->imp.runs == 1 ? "" : "s");
	printf(", %s to %s: %s kWh IT energy, %s kWh facility energy, ",
	       a, b, table_sig4(st->it_kwh, x, sizeof(x)), table_sig4(st->facility_kwh, y, sizeof(y)));
	printf(md ? "**%s kg CO2e** (operational, location-based).\n" :
	       "%s kg CO2e (operational, location-based).\n", table_sig4(st->co2e_kg, z, sizeof(z)));

	heading(md, "Scope");
	item(md, st->by, "%s", st->who);
	item(md, "jobs", "%zu (%zu partial: a step record marked partial, e.g. a killed step)",
	     st->jobs, st->partial_jobs);
	if (st->unmeasured_jobs)
		item(md, "unmeasured jobs", "%zu (no energy counters; no energy counted)",
		     st->unmeasured_jobs);
	label(md, "jobs by state");
	printf("%zu completed, %zu failed, %zu cancelled", st->jobs_by_state[JOB_COMPLETED],
	       st->jobs_by_state[JOB_FAILED], st->jobs_by_state[JOB_CANCELLED]);
	/* Slurm's other end states (sql/016), where a job had one. */
	for (i = JOB_TIMEOUT; i < JOB_STATE_COUNT; i++)
		if (st->jobs_by_state[i])
			printf(", %zu %s", st->jobs_by_state[i], job_state_name((enum job_state)i));
	if (st->jobs_by_state[JOB_UNKNOWN])
		printf(", %zu unknown (no record says how it ended)",
		       st->jobs_by_state[JOB_UNKNOWN]);
	putchar('\n');
	item(md, "failed or cancelled",
	     "%zu job%s: %s kWh IT energy, %s kWh facility energy, %s kg CO2e (included in the totals)",
	     st->fc_jobs, st->fc_jobs == 1 ? "" : "s", table_sig4(st->fc_it_kwh, x, sizeof(x)),
	     table_sig4(st->fc_facility_kwh, y, sizeof(y)), table_sig4(st->fc_co2e_kg, z, sizeof(z)));
	item(md, "step records", "%zu (one per step per node)", st->records);
	if (st->imp.runs)
		item(md, "imported runs", "%zu (CodeCarbon, see Imported runs)", st->imp.runs);
	item(md, "period", "%s .. %s (%s)", a, b,
	     st->start_given || st->end_given ? "-S/-E as given, else the jobs'; jobs that ran in it count whole" :
	     st->imp.runs ? "the first start and last end of the jobs and imported runs" :
	     "the jobs' first start and last end");

	heading(md, "Hardware");
	label(md, "nodes");
	printf("%zu (", st->n_nodes);
	for (i = 0; i < st->n_nodes; i++)
		printf("%s%s", i ? ", " : "", st->nodes[i]);
	puts(")");
	label(md, "measured with");
	for (i = 0; i < st->n_methods; i++)
		printf("%s%s", i ? ", " : "", st->methods[i]);
	putchar('\n');
	print_models(md, "CPU model, count", st->cpu_models, st->n_cpu_models, st->cpu_count,
		     "CPU", st->rows_without_hardware);
	print_models(md, "GPU model, count", st->gpu_models, st->n_gpu_models, st->gpu_count,
		     "GPU", st->rows_without_hardware);

	heading(md, "Activity");
	item(md, "CPU time", "%s CPU-hours%s", table_sig4(st->cpu_time_s / 3600.0, x, sizeof(x)),
	     st->rows_without_cpu_time ? " (some records lack CPU time)" : "");
	item(md, "wall time", "%s hours (sum of the jobs' durations)",
	     table_sig4(st->wall_s / 3600.0, x, sizeof(x)));
	item(md, "node time", "%s node-hours", table_sig4(st->node_s / 3600.0, x, sizeof(x)));
	if (isnan(st->core_hours))
		item(md, "allocated cores", "unknown (not recorded)");
	else
		item(md, "allocated cores", "%s core-hours (the job's CPUs x its time on each node)",
		     table_sig4(st->core_hours, x, sizeof(x)));
	if (isnan(st->gpu_hours))
		item(md, "GPU time", "unknown (not recorded)");
	else
		item(md, "GPU time", "%s GPU-hours (the GPUs the steps held x their time)",
		     table_sig4(st->gpu_hours, x, sizeof(x)));

	heading(md, "Energy");
	if (print_energy_table(st, md) < 0)
		return -1;
	putchar('\n');
	label(md, "coverage");
	printf("%.1f %% of the IT energy measured by counters, %.1f %% modelled",
	       100.0 * measured_fraction(st),
	       st->it_kwh > 0 ? 100.0 * st->estimated_kwh / st->it_kwh : 0.0);
	if (st->imp.runs)
		printf(", %.1f %% imported (CodeCarbon, not measured by slurm-carbon)",
		       100.0 * imported_fraction(st));
	putchar('\n');
	item(md, "PUE", "%.4g (from %s)%s", st->pue, st->pue_source,
	     st->imp.runs ? ", of the jobs; imported runs as imported" : "");
	item(md, "facility energy", "%s kWh", table_sig4(st->facility_kwh, x, sizeof(x)));
	if (st->imp.runs)
		print_imported(&st->imp, md);

	heading(md, "Carbon");
	if (st->have_in) {
		item(md, "intensity", "%.4g gCO2e/kWh, location-based, average (energy-weighted)",
		     in->g_per_kwh);
		item(md, "source", "%s, dataset %s, year %s, zone %s, resolution %s%s%s",
		     in->level, in->dataset, in->year ? (snprintf(y, sizeof(y), "%d", in->year), y) : "-",
		     in->zone[0] ? in->zone : "-", in->resolution,
		     in->licence[0] ? ", licence " : "", in->licence);
	} else {
		item(md, "intensity", "none (no energy measured)");
	}
	item(md, "operational", md ? "**%s kg CO2e**" : "%s kg CO2e",
	     table_sig4(st->co2e_kg, x, sizeof(x)));
	if (st->imp.runs)
		item(md, "of which imported", "%s kg CO2e (CodeCarbon, as imported)",
		     table_sig4(st->imp.co2e_kg, x, sizeof(x)));
	if (!st->emb.configured)
		item(md, "embodied", "not configured (not included above)");
	else if (isnan(st->emb.kg))
		item(md, "embodied", "unknown: the records do not say the cores allocated (not included above)");
	else
		item(md, "embodied",
		     "%s kg CO2e, kept apart from the operational figure: %s kg for %s allocated core-hours (a %s kg node of %d CPUs) + %s kg for %s GPU-hours (%s), each spread over a %g-year life",
		     table_sig4(st->emb.kg, x, sizeof(x)), table_sig4(st->emb.cpu_kg, y, sizeof(y)),
		     table_sig4(st->core_hours, z1, sizeof(z1)), table_sig4(st->emb.node_kg, z2, sizeof(z2)),
		     st->emb.node_cores, table_sig4(st->emb.gpu_kg_part, z3, sizeof(z3)),
		     table_sig4(isnan(st->gpu_hours) ? 0.0 : st->gpu_hours, z4, sizeof(z4)),
		     st->emb.gpu_kg >= 0 ? (snprintf(z5, sizeof(z5), "%s kg a GPU",
						       table_sig4(st->emb.gpu_kg, z6, sizeof(z6))), z5)
					 : "GPUs not configured",
		     st->emb.lifetime_years);

	heading(md, "Offsets (an estimate, not part of the emissions)");
	item(md, "offsets", "%s t CO2e x %.2f USD/t = %s USD",
	     table_sig4(st->co2e_kg / 1000.0, x, sizeof(x)), st->offset_price,
	     table_sig4(offset_cost_usd(st), y, sizeof(y)));
	item(md, "price", "%s", st->offset_price_given ? "given with --offset-price" :
	     OFFSET_PRICE_SOURCE);

	heading(md, "Software and data");
	item(md, "software", "carbon-report %s", CARBON_VERSION);
	item(md, "data", "schema %d; %ld annual intensities (latest year %s); %ld series rows, imported %s",
	     dv->schema, dv->annual_rows,
	     dv->annual_latest_year ? (snprintf(z, sizeof(z), "%d", dv->annual_latest_year), z) : "-",
	     dv->series_rows, or_none(dv->series_imported_at));

	heading(md, "Limitations");
	for (i = 0; i < N_LIMITATIONS; i++)
		printf(md ? "- %s\n" : "  - %s\n", limitations[i]);
	if (st->rows_without_hardware)
		printf(md ? "- %s\n" : "  - %s\n", hardware_limitation);
	if (st->imp.runs)
		printf(md ? "- %s\n" : "  - %s\n", imported_limitation);
	return 0;
}

/* ---- the command ------------------------------------------------------------- */

static int run_statement(PGconn *conn, struct statement *st, const struct job_filter *f,
			 const struct report_env *env)
{
	struct jobset set;
	int rc = EXIT_NODATA;

	if (jobset_load(conn, f, env, &set) < 0)
		return EXIT_NODATA;
	if (read_imported(conn, f, &st->imp) < 0)
		goto out;
	if (set.n == 0 && st->imp.runs == 0) {
		fprintf(stderr, "carbon-report statement: no jobs with energy records for %s %s%s (unknown, not yours, or outside -S/-E)\n",
			st->by, st->who, f->cluster ? " on that cluster" : "");
		rc = report_empty(env);
		goto out;
	}
	if (statement_add(st, &set) < 0) {
		fputs("carbon-report: out of memory\n", stderr);
		goto out;
	}
	st->pue = st->it_kwh > 0 ? st->facility_kwh / st->it_kwh : env->conf.pue;
	if (set.n == 0)
		snprintf(st->pue_source, sizeof(st->pue_source), "carbon.conf");
	else if (read_pue_source(conn, &set, env, st) < 0)
		goto out;
	statement_add_imported(st, set.n > 0);
	embodied_set(st, &env->conf);
	if (env->format == FMT_JSON)
		print_json(st, &set.data);
	else if (print_text(st, &set.data, env->format == FMT_MARKDOWN) < 0)
		goto out;
	rc = EXIT_OK;
out:
	free(st->nodes);
	st->nodes = NULL;
	free(st->cpu_models);
	free(st->gpu_models);
	st->cpu_models = st->gpu_models = NULL;
	jobset_free(&set);
	return rc;
}

/* --offset-price: a finite price, zero or more. */
static int parse_price(const char *s, double *price)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !isfinite(v) || v < 0) {
		fprintf(stderr, "carbon-report statement: --offset-price '%s' is not a price; give US dollars per tonne CO2e, e.g. --offset-price 15\n",
			s);
		return -1;
	}
	*price = v;
	return 0;
}

int cmd_statement(struct report_env *env, int argc, char **argv)
{
	enum { OPT_PRICE = 256 };
	static const struct option longopts[] = {
		FILTER_LONGOPTS,
		{ "offset-price", required_argument, NULL, OPT_PRICE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct statement st = { .offset_price = OFFSET_PRICE_USD_PER_T };
	struct filter_args fa;
	PGconn *conn = NULL;
	char scopes[8] = "";
	size_t n_scopes = 0;
	int rc = EXIT_USAGE, c, r;

	filter_init(&fa);
	optind = 1;
	while ((c = getopt_long(argc, argv, "ht:A:u:S:E:M:j:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			rc = EXIT_OK;
			goto out;
		case OPT_PRICE:
			if (parse_price(optarg, &st.offset_price) < 0)
				goto out;
			st.offset_price_given = true;
			continue;
		case 'j':
			fputs("carbon-report statement: a statement covers a tag, project or user, not job ids; for jobs type 'carbon-report job JOBID...'\n",
			      stderr);
			goto out;
		case 't':
		case 'A':
		case 'u':
			if (n_scopes < sizeof(scopes) - 1)
				scopes[n_scopes++] = (char)c;
			break;
		default:
			break;
		}
		r = filter_option(&fa, c, optarg);
		if (r < 0)
			goto out;
		if (r == 0) {
			fputs("Try 'carbon-report statement --help'.\n", stderr);
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "carbon-report statement: unexpected '%s'; the scope is an option, e.g. 'carbon-report statement -t run3'\n",
			argv[optind]);
		goto out;
	}
	if (n_scopes != 1) {
		if (n_scopes)
			fprintf(stderr, "carbon-report statement: %zu scope options given (-%c and -%c); a statement covers exactly one tag, project or user: keep one of -t TAG, -A PROJECT, -u USER\n",
				n_scopes, scopes[0], scopes[1]);
		else
			fputs("carbon-report statement: say whose statement: exactly one of -t TAG, -A PROJECT or -u USER, e.g. 'carbon-report statement -t run3'\n",
			      stderr);
		goto out;
	}
	if (env->format == FMT_CSV) {
		fputs("carbon-report statement: --format csv is not available for a statement; use --format markdown, --json or the default text\n",
		      stderr);
		goto out;
	}
	st.by = scopes[0] == 't' ? "tag" : scopes[0] == 'A' ? "project" : "user";
	st.who = scopes[0] == 't' ? fa.f.tag : scopes[0] == 'A' ? fa.f.project : fa.f.user;
	st.start_given = !isnan(fa.f.start_s);
	st.end_given = !isnan(fa.f.end_s);
	st.start_s = fa.f.start_s;
	st.end_s = fa.f.end_s;

	rc = EXIT_NODATA;
	conn = report_connect(env);
	if (!conn)
		goto out;
	rc = run_statement(conn, &st, &fa.f, env);
out:
	PQfinish(conn);
	filter_free(&fa);
	return rc;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report job JOBID...: a job's energy and CO2e, per step per node. */
#include "report.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "energy.h"
#include "json.h"
#include "record.h"
#include "table.h"
#include "union.h"

/* World average carbon intensity of electricity, gCO2e/kWh: the WORLD row of
 * Green Algorithms data v3.0 (CI_aggregated.csv, CC BY 4.0), which takes it
 * from the IEA Global Energy & CO2 Status Report 2019. Used when carbon.conf
 * sets no [site] intensity; zone data will come before it. */

/* One row of carbon.step_energy; the strings point into the PGresult. */
struct step_row {
	long long job_id;
	const char *cluster;
	const char *step;
	const char *node;
	const char *user;
	const char *project;	/* NULL when not set */
	const char *tag;	/* NULL when not set */
	const char *method;
	double start_s;
	double end_s;
	double energy_j[DOMAIN_COUNT];
	long long samples;
	bool measured;		/* the record comes from counters */
	double counted;		/* share of energy_j in the job total (union) */
	/* Since migration 003 (has_job): the job's share this record charged. */
	bool has_job;
	double job_j[DOMAIN_COUNT];
	double estimated_j;
	double cpu_time_s;	/* < 0: not recorded */
	const char *split;	/* NULL when not recorded */
	const char *notes;
	bool partial;
};

/* Where a job's carbon intensity comes from: the one source of all of its
 * hours, or "mixed" (then g_per_kwh is the energy-weighted mean). */
struct intensity {
	double g_per_kwh;
	char level[16];		/* site, series, zone, country, cloud, world, mixed */
	char dataset[160];
	int year;		/* 0: none */
	char zone[64];
	char resolution[16];	/* fixed, hourly, daily, monthly, annual */
	char licence[32];	/* the data's, to credit it; "" when none */
	unsigned hours;		/* hour buckets the figure was computed over */
};

/* The data a report used (sql/005 carbon.data_version). */
struct data_version {
	int schema;
	long annual_rows;
	int annual_latest_year;
	long series_rows;
	char series_imported_at[40];	/* "" when none */
};
static struct data_version data_version;

/* One job on one cluster: rows[0..n-1], and what it adds up to. */
struct job {
	struct step_row *rows;
	size_t n;
	double start_s;
	double end_s;
	double energy_kwh[DOMAIN_COUNT];
	double it_kwh;
	double facility_kwh;
	double co2e_kg;
	double estimated_kwh;	/* of it_kwh, from the model */
	bool measured;		/* at least one record from counters */
	double pue;		/* facility_kwh / it_kwh: one period's, or the mean */
	double it_hours_kwh;	/* of it_kwh, in hour buckets */
	struct intensity in;
	bool have_source;	/* in holds the first source seen */
};


struct job_query {
	long long *ids;		/* as asked, without repeats */
	size_t n_ids;
	const char *cluster;	/* NULL: every cluster */
};

static void usage(FILE *fp)
{
	fputs("Usage: carbon-report job JOBID... [-M CLUSTER] [--format table|json|markdown]\n"
	      "  JOBID              a Slurm job id; several ids, or comma-separated lists\n"
	      "  -j, --jobs LIST    job ids, comma-separated (like sacct -j)\n"
	      "  -M, --cluster NAME only the job of this cluster\n"
	      "For each job: the energy of every step on every node, and the job's\n"
	      "total (each node's time counted once), facility energy and CO2e.\n",
	      fp);
}

static int add_job_ids(struct job_query *q, size_t cap, const char *list)
{
	const char *p = list;
	char *end;
	unsigned long long v;
	size_t i;

	for (;;) {
		if (!isdigit((unsigned char)*p))
			goto bad;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno || v > INT64_MAX || (*end && *end != ','))
			goto bad;
		for (i = 0; i < q->n_ids && q->ids[i] != (long long)v; i++)
			;
		if (i == q->n_ids) {
			if (q->n_ids == cap)
				goto bad;
			q->ids[q->n_ids++] = (long long)v;
		}
		if (!*end)
			return 0;
		p = end + 1;
	}
bad:
	fprintf(stderr, "carbon-report job: '%s' is not a job id (a number, e.g. 'carbon-report job 4242')\n",
		list);
	return -1;
}

/* How many ids a list can hold at most: one per comma, plus one. */
static size_t count_ids(const char *list)
{
	size_t n = 1;

	for (; *list; list++)
		n += *list == ',';
	return n;
}

static const char job_sql[] =
	"SELECT job_id, cluster, step, node, user_name, project, tag,"
	" extract(epoch FROM start_time)::float8 AS start_epoch,"
	" extract(epoch FROM end_time)::float8 AS end_epoch,"
	" cpu_j, dram_j, gpu_j, other_j, samples, method, partial,"
	" job_cpu_j, job_dram_j, job_gpu_j, job_other_j, estimated_j, cpu_time_s,"
	" split, notes"
	" FROM carbon.step_energy"
	" WHERE job_id = ANY($1::bigint[])"
	" AND ($2::text IS NULL OR cluster = $2::text)"
	" ORDER BY job_id, cluster, start_time, step, node";

/* "{1,2,3}": the ids as one bigint[] parameter. */
static char *id_array(const struct job_query *q)
{
	char *s, *p;
	size_t i;

	s = malloc(q->n_ids * 21 + 3);
	if (!s)
		return NULL;
	p = s;
	*p++ = '{';
	for (i = 0; i < q->n_ids; i++)
		p += sprintf(p, "%s%lld", i ? "," : "", q->ids[i]);
	*p++ = '}';
	*p = '\0';
	return s;
}

static const char *text_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* Read res into rows (n of them). Returns 0, or -1 after printing why. */
static int parse_rows(const PGresult *res, struct step_row *rows)
{
	static const char *const energy_col[DOMAIN_COUNT] = {
		[DOMAIN_CPU] = "cpu_j",
		[DOMAIN_DRAM] = "dram_j",
		[DOMAIN_GPU] = "gpu_j",
		[DOMAIN_OTHER] = "other_j",
	};
	int c_job = PQfnumber(res, "job_id"), c_cluster = PQfnumber(res, "cluster"),
	    c_step = PQfnumber(res, "step"), c_node = PQfnumber(res, "node"),
	    c_user = PQfnumber(res, "user_name"), c_project = PQfnumber(res, "project"),
	    c_tag = PQfnumber(res, "tag"), c_start = PQfnumber(res, "start_epoch"),
	    c_end = PQfnumber(res, "end_epoch"), c_samples = PQfnumber(res, "samples"),
	    c_method = PQfnumber(res, "method"), c_partial = PQfnumber(res, "partial"),
	    c_est = PQfnumber(res, "estimated_j"), c_cpu_time = PQfnumber(res, "cpu_time_s"),
	    c_split = PQfnumber(res, "split"), c_notes = PQfnumber(res, "notes");
	static const char *const job_col[DOMAIN_COUNT] = {
		[DOMAIN_CPU] = "job_cpu_j",
		[DOMAIN_DRAM] = "job_dram_j",
		[DOMAIN_GPU] = "job_gpu_j",
		[DOMAIN_OTHER] = "job_other_j",
	};
	int c_energy[DOMAIN_COUNT], c_job_energy[DOMAIN_COUNT];
	int i, d, n = PQntuples(res);

	for (d = 0; d < DOMAIN_COUNT; d++) {
		c_energy[d] = PQfnumber(res, energy_col[d]);
		c_job_energy[d] = PQfnumber(res, job_col[d]);
		if (c_energy[d] < 0 || c_job_energy[d] < 0)
			goto bad;
	}
	if (c_job < 0 || c_cluster < 0 || c_step < 0 || c_node < 0 || c_user < 0 ||
	    c_project < 0 || c_tag < 0 || c_start < 0 || c_end < 0 ||
	    c_samples < 0 || c_method < 0 || c_partial < 0 || c_est < 0 ||
	    c_cpu_time < 0 || c_split < 0 || c_notes < 0)
		goto bad;

	for (i = 0; i < n; i++) {
		struct step_row *r = &rows[i];

		r->job_id = strtoll(PQgetvalue(res, i, c_job), NULL, 10);
		r->cluster = PQgetvalue(res, i, c_cluster);
		r->step = PQgetvalue(res, i, c_step);
		r->node = PQgetvalue(res, i, c_node);
		r->user = PQgetvalue(res, i, c_user);
		r->project = text_or_null(res, i, c_project);
		r->tag = text_or_null(res, i, c_tag);
		r->method = PQgetvalue(res, i, c_method);
		r->start_s = strtod(PQgetvalue(res, i, c_start), NULL);
		r->end_s = strtod(PQgetvalue(res, i, c_end), NULL);
		for (d = 0; d < DOMAIN_COUNT; d++)
			r->energy_j[d] = strtod(PQgetvalue(res, i, c_energy[d]), NULL);
		r->samples = strtoll(PQgetvalue(res, i, c_samples), NULL, 10);
		r->measured = strcmp(r->method, "none") != 0;
		r->partial = PQgetvalue(res, i, c_partial)[0] == 't';
		r->has_job = !PQgetisnull(res, i, c_job_energy[DOMAIN_CPU]);
		for (d = 0; d < DOMAIN_COUNT && r->has_job; d++)
			r->job_j[d] = PQgetisnull(res, i, c_job_energy[d]) ? 0.0 :
				      strtod(PQgetvalue(res, i, c_job_energy[d]), NULL);
		r->estimated_j = strtod(PQgetvalue(res, i, c_est), NULL);
		r->cpu_time_s = PQgetisnull(res, i, c_cpu_time) ? -1.0 :
				strtod(PQgetvalue(res, i, c_cpu_time), NULL);
		r->split = text_or_null(res, i, c_split);
		r->notes = text_or_null(res, i, c_notes);
	}
	return 0;
bad:
	fputs("carbon-report: carbon.step_energy lacks a column this version reads (run 'carbon-report db upgrade')\n",
	      stderr);
	return -1;
}

/* Totals of job (rows already set): each node's energy counted once. A
 * record of the measurement engine (has_job) holds the job's share it
 * charged, and on each node one record at a time charges it, so those add
 * up. A record from before (whole-node energy over its window) counts the
 * part of its window no earlier such record on its node covers. */
static int job_total(struct job *job)
{
	int rc = -1;
	struct step_span *spans = NULL;
	double *fraction = NULL;
	double it = 0.0;
	size_t i;
	int d;

	spans = calloc(job->n, sizeof(*spans));
	fraction = calloc(job->n, sizeof(*fraction));
	if (!spans || !fraction)
		goto out;
	for (i = 0; i < job->n; i++) {
		spans[i].node = job->rows[i].node;
		spans[i].start_s = job->rows[i].start_s;
		spans[i].end_s = job->rows[i].end_s;
		spans[i].counted = job->rows[i].measured && !job->rows[i].has_job;
	}
	if (span_union_fractions(spans, job->n, fraction) < 0)
		goto out;

	job->start_s = job->rows[0].start_s;
	job->end_s = job->rows[0].end_s;
	job->measured = false;
	memset(job->energy_kwh, 0, sizeof(job->energy_kwh));
	job->estimated_kwh = 0.0;
	for (i = 0; i < job->n; i++) {
		struct step_row *r = &job->rows[i];

		r->counted = r->has_job ? 1.0 : fraction[i];
		if (r->start_s < job->start_s)
			job->start_s = r->start_s;
		if (r->end_s > job->end_s)
			job->end_s = r->end_s;
		if (!r->measured)
			continue;
		job->measured = true;
		for (d = 0; d < DOMAIN_COUNT; d++)
			job->energy_kwh[d] += (r->has_job ? r->job_j[d] :
					       r->energy_j[d] * r->counted) / JOULES_PER_KWH;
		job->estimated_kwh += r->estimated_j / JOULES_PER_KWH;
	}
	for (d = 0; d < DOMAIN_COUNT; d++)
		it += job->energy_kwh[d];
	job->it_kwh = it;
	rc = 0;
out:
	free(spans);
	free(fraction);
	return rc;
}

static double row_it_kwh(const struct step_row *r)
{
	double j = 0.0;
	int d;

	for (d = 0; d < DOMAIN_COUNT; d++)
		j += r->energy_j[d];
	return j / JOULES_PER_KWH;
}

/* A job's project or tag: the first step that has one. The extern step runs
 * without the job's options and environment, so it carries neither. */
static const char *job_label(const struct job *job, size_t field)
{
	size_t i;

	for (i = 0; i < job->n; i++) {
		const char *v = *(const char *const *)((const char *)&job->rows[i] + field);

		if (v)
			return v;
	}
	return NULL;
}
#define JOB_PROJECT(job) job_label((job), offsetof(struct step_row, project))
#define JOB_TAG(job) job_label((job), offsetof(struct step_row, tag))

/* ---- JSON ---------------------------------------------------------------- */

static void json_time(struct json_writer *w, const char *key, double t)
{
	char buf[32];

	json_kv_string(w, key, utc_iso8601(t, buf, sizeof(buf)));
}

static void json_job(struct json_writer *w, const struct job *job)
{
	const struct intensity *in = &job->in;
	const struct step_row *first = &job->rows[0];
	size_t i;
	int d;

	json_begin_object(w);
	json_kv_int(w, "job_id", first->job_id);
	json_kv_string(w, "cluster", first->cluster);
	json_kv_string(w, "user", first->user);
	json_kv_string(w, "project", JOB_PROJECT(job));
	json_kv_string(w, "tag", JOB_TAG(job));
	json_time(w, "start", job->start_s);
	json_time(w, "end", job->end_s);
	json_kv_number_fixed(w, "start_epoch", job->start_s, 6);
	json_kv_number_fixed(w, "end_epoch", job->end_s, 6);
	json_kv_bool(w, "measured", job->measured);
	json_key(w, "energy_kwh");
	json_begin_object(w);
	for (d = 0; d < DOMAIN_COUNT; d++)
		json_kv_number(w, energy_domain_name(d), job->energy_kwh[d]);
	json_kv_number(w, "it", job->it_kwh);
	json_kv_number(w, "facility", job->facility_kwh);
	json_end_object(w);
	json_kv_number(w, "pue", job->pue);
	json_kv_number(w, "intensity_g_per_kwh", in->g_per_kwh);
	json_key(w, "intensity_source");
	json_begin_object(w);
	json_kv_string(w, "level", in->level);
	json_kv_string(w, "dataset", in->dataset);
	if (in->year)
		json_kv_int(w, "year", in->year);
	else
		json_kv_null(w, "year");
	json_kv_string(w, "zone", in->zone[0] ? in->zone : NULL);
	json_kv_string(w, "resolution", in->resolution);
	json_kv_string(w, "licence", in->licence[0] ? in->licence : NULL);
	json_kv_int(w, "hours", in->hours);
	json_end_object(w);
	json_kv_number(w, "co2e_kg", job->co2e_kg);
	json_key(w, "data_version");
	json_begin_object(w);
	json_kv_int(w, "schema", data_version.schema);
	json_kv_int(w, "annual_rows", data_version.annual_rows);
	json_kv_int(w, "annual_latest_year", data_version.annual_latest_year);
	json_kv_int(w, "series_rows", data_version.series_rows);
	json_kv_string(w, "series_imported_at",
		       data_version.series_imported_at[0] ? data_version.series_imported_at : NULL);
	json_kv_string(w, "carbon_report", CARBON_VERSION);
	json_end_object(w);
	json_kv_number(w, "estimated_fraction",
		       job->it_kwh > 0 ? fmin(1.0, job->estimated_kwh / job->it_kwh) : 0.0);

	json_key(w, "steps");
	json_begin_array(w);
	for (i = 0; i < job->n; i++) {
		const struct step_row *r = &job->rows[i];

		json_begin_object(w);
		json_kv_string(w, "step", r->step);
		json_kv_string(w, "node", r->node);
		json_time(w, "start", r->start_s);
		json_time(w, "end", r->end_s);
		json_kv_number_fixed(w, "start_epoch", r->start_s, 6);
		json_kv_number_fixed(w, "end_epoch", r->end_s, 6);
		json_key(w, "energy_kwh");
		json_begin_object(w);
		for (d = 0; d < DOMAIN_COUNT; d++)
			json_kv_number(w, energy_domain_name(d),
				       r->energy_j[d] / JOULES_PER_KWH);
		json_kv_number(w, "it", row_it_kwh(r));
		json_end_object(w);
		json_kv_string(w, "method", r->method);
		json_kv_int(w, "samples", r->samples);
		json_kv_number(w, "counted_fraction", r->counted);
		json_kv_bool(w, "partial", r->partial);
		if (r->has_job) {
			double jt = 0.0;

			json_key(w, "job_energy_kwh");
			json_begin_object(w);
			for (d = 0; d < DOMAIN_COUNT; d++) {
				json_kv_number(w, energy_domain_name(d), r->job_j[d] / JOULES_PER_KWH);
				jt += r->job_j[d];
			}
			json_kv_number(w, "it", jt / JOULES_PER_KWH);
			json_end_object(w);
			json_kv_number(w, "estimated_kwh", r->estimated_j / JOULES_PER_KWH);
		}
		if (r->cpu_time_s >= 0)
			json_kv_number(w, "cpu_time_s", r->cpu_time_s);
		json_kv_string(w, "split", r->split);
		json_kv_string(w, "notes", r->notes);
		json_end_object(w);
	}
	json_end_array(w);
	json_end_object(w);
}

/* ---- table and Markdown ------------------------------------------------- */

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* "1h 00m 00s", or "2d 03h 04m 05s". */
static const char *duration_str(double seconds, char *buf, size_t n)
{
	long long s = llround(seconds > 0.0 ? seconds : 0.0);
	long long days = s / 86400;

	if (days)
		snprintf(buf, n, "%lldd %02lldh %02lldm %02llds", days,
			 s % 86400 / 3600, s % 3600 / 60, s % 60);
	else
		snprintf(buf, n, "%lldh %02lldm %02llds", s / 3600,
			 s % 3600 / 60, s % 60);
	return buf;
}

enum { COL_STEP, COL_NODE, COL_START, COL_END, COL_CPU, COL_DRAM, COL_GPU,
       COL_OTHER, COL_IT, COL_METHOD, COL_SAMPLES, N_COLS };

static const struct table_column job_columns[N_COLS] = {
	[COL_STEP] = { "STEP", false },
	[COL_NODE] = { "NODE", false },
	[COL_START] = { "START", false },
	[COL_END] = { "END", false },
	[COL_CPU] = { "CPU kWh", true },
	[COL_DRAM] = { "DRAM kWh", true },
	[COL_GPU] = { "GPU kWh", true },
	[COL_OTHER] = { "OTHER kWh", true },
	[COL_IT] = { "IT kWh", true },
	[COL_METHOD] = { "METHOD", false },
	[COL_SAMPLES] = { "SAMPLES", true },
};

static void energy_cells(struct table *t, const double *kwh, double it)
{
	table_cell(t, COL_CPU, "%.6f", kwh[DOMAIN_CPU]);
	table_cell(t, COL_DRAM, "%.6f", kwh[DOMAIN_DRAM]);
	table_cell(t, COL_GPU, "%.6f", kwh[DOMAIN_GPU]);
	table_cell(t, COL_OTHER, "%.6f", kwh[DOMAIN_OTHER]);
	table_cell(t, COL_IT, "%.6f", it);
}

static int fill_job_table(struct table *t, const struct job *job)
{
	char a[32], b[32];
	double kwh[DOMAIN_COUNT];
	size_t i;
	int d;

	for (i = 0; i < job->n; i++) {
		const struct step_row *r = &job->rows[i];

		if (table_add_row(t) < 0)
			return -1;
		table_cell(t, COL_STEP, "%s", r->step);
		table_cell(t, COL_NODE, "%s", r->node);
		table_cell(t, COL_START, "%s", utc_iso8601(r->start_s, a, sizeof(a)));
		table_cell(t, COL_END, "%s", utc_iso8601(r->end_s, b, sizeof(b)));
		if (r->measured) {
			for (d = 0; d < DOMAIN_COUNT; d++)
				kwh[d] = r->energy_j[d] / JOULES_PER_KWH;
			energy_cells(t, kwh, row_it_kwh(r));
		} else {
			for (d = COL_CPU; d <= COL_IT; d++)
				table_cell(t, d, "-");
		}
		table_cell(t, COL_METHOD, "%s", r->method);
		table_cell(t, COL_SAMPLES, "%lld", r->samples);
	}
	if (job->measured && job->n > 1) {
		if (table_add_row(t) < 0)
			return -1;
		table_cell(t, COL_STEP, "total");
		table_cell(t, COL_START, "%s", utc_iso8601(job->start_s, a, sizeof(a)));
		table_cell(t, COL_END, "%s", utc_iso8601(job->end_s, b, sizeof(b)));
		energy_cells(t, job->energy_kwh, job->it_kwh);
	}
	return t->failed ? -1 : 0;
}

/* Is every record of node in job without counters? */
static bool node_unmeasured(const struct job *job, const char *node)
{
	size_t i;

	for (i = 0; i < job->n; i++)
		if (!strcmp(job->rows[i].node, node) && job->rows[i].measured)
			return false;
	return true;
}

static void print_unmeasured_nodes(const struct job *job, bool markdown)
{
	size_t i, j;

	for (i = 0; i < job->n; i++) {
		const char *node = job->rows[i].node;

		for (j = 0; j < i && strcmp(job->rows[j].node, node); j++)
			;
		if (j < i || !node_unmeasured(job, node))
			continue;	/* said already, or measured */
		printf("%sno energy counters on %s: energy not measured\n",
		       markdown ? "\n" : "", node);
	}
}

/* Does the total count less than the steps' sum (nested steps)? */
static bool job_has_overlap(const struct job *job)
{
	size_t i;

	for (i = 0; i < job->n; i++)
		if (job->rows[i].measured && job->rows[i].counted < 1.0 - 1e-9)
			return true;
	return false;
}

/* Any record of the measurement engine (a step share and a job share). */
static bool job_has_shares(const struct job *job)
{
	size_t i;

	for (i = 0; i < job->n; i++)
		if (job->rows[i].has_job)
			return true;
	return false;
}

static void print_intensity(const struct intensity *in)
{
	const char *level = !strcmp(in->level, "world") ? "world average" : in->level;

	if (!strcmp(in->level, "mixed"))
		printf("%.4g gCO2e/kWh (mean over %u hours of several sources)", in->g_per_kwh,
		       in->hours);
	else if (!strcmp(in->level, "series"))
		printf("%.4g gCO2e/kWh (%s series for %s, %s)", in->g_per_kwh,
		       in->resolution, in->zone, in->dataset);
	else if (in->year)
		printf("%.4g gCO2e/kWh (%s%s%s, %s, %d%s%s)", in->g_per_kwh, level,
		       in->zone[0] && strcmp(in->level, "world") ? " " : "",
		       strcmp(in->level, "world") ? in->zone : "", in->dataset, in->year,
		       in->licence[0] ? ", " : "", in->licence);
	else
		printf("%.4g gCO2e/kWh (%s)", in->g_per_kwh, level);
}

/* Four significant digits, trailing zeros kept: "1.640", "0.008333". */
static const char *sig4(double v, char *buf, size_t n)
{
	if (fabs(v) >= 1000.0)
		snprintf(buf, n, "%.1f", v);
	else if (v == 0.0)
		snprintf(buf, n, "0");
	else
		snprintf(buf, n, "%#.4g", v);
	return buf;
}

static int print_job_table(const struct job *job, bool markdown)
{
	const struct intensity *in = &job->in;
	const struct step_row *first = &job->rows[0];
	int rc = -1;
	struct table t;
	char a[32], b[32], dur[48], it[32], fac[32], co2[32];

	table_init(&t, job_columns, N_COLS);
	if (fill_job_table(&t, job) < 0) {
		fputs("carbon-report: out of memory\n", stderr);
		goto out;
	}
	utc_iso8601(job->start_s, a, sizeof(a));
	utc_iso8601(job->end_s, b, sizeof(b));
	duration_str(job->end_s - job->start_s, dur, sizeof(dur));
	if (markdown) {
		printf("### Job %lld\n\n", first->job_id);
		printf("cluster %s, user %s, project %s, tag %s; %s .. %s (%s)\n\n",
		       first->cluster, first->user, or_dash(JOB_PROJECT(job)),
		       or_dash(JOB_TAG(job)), a, b, dur);
		table_print_markdown(&t, stdout);
	} else {
		printf("Job %lld  cluster %s  user %s  project %s  tag %s\n",
		       first->job_id, first->cluster, first->user,
		       or_dash(JOB_PROJECT(job)), or_dash(JOB_TAG(job)));
		printf("%s .. %s (%s)\n", a, b, dur);
		table_print_text(&t, stdout);
	}
	if (job_has_overlap(job))
		printf("%sThe total counts each node's time once: steps that run inside the batch or\n"
		       "extern step on the same node are not added again.\n",
		       markdown ? "\n" : "");
	if (job_has_shares(job))
		printf("%sSteps show their own share (their CPU time); the total is the job's share\n"
		       "of each node, counted once, idle time included.\n", markdown ? "\n" : "");
	if (job->estimated_kwh > 0)
		printf("%sEstimated (no counter, see spank_carbon(8)): %s kWh of the IT energy.\n",
		       markdown ? "\n" : "", sig4(job->estimated_kwh, it, sizeof(it)));
	print_unmeasured_nodes(job, markdown);
	printf(markdown ? "\n**Total**: " : "Total   ");
	if (job->measured) {
		printf("IT %s kWh × PUE %.4g = %s kWh facility; ",
		       sig4(job->it_kwh, it, sizeof(it)), job->pue,
		       sig4(job->facility_kwh, fac, sizeof(fac)));
		print_intensity(in);
		printf(" → %s kg CO2e\n", sig4(job->co2e_kg, co2, sizeof(co2)));
	} else {
		printf("energy not measured (no energy counters), so no CO2e\n");
	}
	rc = 0;
out:
	table_free(&t);
	return rc;
}

/* ---- the command ---------------------------------------------------------- */

static int print_jobs(struct job *jobs, size_t n_jobs,
		      const struct job_query *q, const struct report_env *env)
{
	int rc = EXIT_OK;
	struct json_writer w;
	bool as_array = q->n_ids > 1 || n_jobs > 1;
	size_t i, j, printed = 0;

	json_init(&w, stdout);
	if (env->format == FMT_JSON && n_jobs && as_array)
		json_begin_array(&w);
	/* In the order asked for; one id may be a job on several clusters. */
	for (i = 0; i < q->n_ids; i++) {
		bool found = false;

		for (j = 0; j < n_jobs; j++) {
			if (jobs[j].rows[0].job_id != q->ids[i])
				continue;
			found = true;
			if (env->format == FMT_JSON) {
				json_job(&w, &jobs[j]);
			} else {
				if (printed)
					putchar('\n');
				if (print_job_table(&jobs[j], env->format == FMT_MARKDOWN) < 0)
					rc = EXIT_NODATA;
			}
			printed++;
		}
		if (!found) {
			fprintf(stderr, "carbon-report: job %lld: no energy records (unknown job, not yours, or not finished yet)\n",
				q->ids[i]);
			rc = EXIT_NODATA;
		}
	}
	if (env->format == FMT_JSON && n_jobs) {
		if (as_array)
			json_end_array(&w);
		putchar('\n');
		if (json_finish(&w) < 0) {
			fputs("carbon-report: could not write the JSON output\n", stderr);
			rc = EXIT_NODATA;
		}
	}
	return rc;
}

/* Each hour bucket of the jobs' energy with the PUE of its period and the
 * intensity that applies to it (sql/005), in job order. */
static const char hours_sql[] =
	"SELECT h.job_id, h.cluster, h.j, p.pue, i.g_per_kwh, i.level, i.dataset,"
	" coalesce(i.year, 0) AS year, coalesce(i.zone, '') AS zone, i.resolution,"
	" coalesce(i.licence, '') AS licence"
	" FROM (SELECT job_id, cluster, hour, sum(cpu_j + dram_j + gpu_j + other_j) AS j"
	"       FROM carbon.job_energy_hour"
	"       WHERE job_id = ANY($1::bigint[]) AND ($2::text IS NULL OR cluster = $2::text)"
	"       GROUP BY job_id, cluster, hour) h"
	" CROSS JOIN LATERAL carbon.pue_at(h.cluster, h.hour, $3::float8) p"
	" CROSS JOIN LATERAL carbon.intensity_at($4::text, h.hour, $5::float8) i"
	" ORDER BY h.job_id, h.cluster, h.hour";

/* Energy without hour buckets (records from before migration 003): the
 * intensity and PUE at the job's start. */
static const char instant_sql[] =
	"SELECT p.pue, i.g_per_kwh, i.level, i.dataset, coalesce(i.year, 0) AS year,"
	" coalesce(i.zone, '') AS zone, i.resolution, coalesce(i.licence, '') AS licence"
	" FROM carbon.pue_at($1::text, to_timestamp($2::float8), $3::float8) p,"
	"      carbon.intensity_at($4::text, to_timestamp($2::float8), $5::float8) i";

/* Add it_j joules used under pue and the intensity of res's row to job. */
static void add_carbon(struct job *job, double it_j, double pue, const PGresult *res, int row,
		       int c_g)
{
	struct intensity *in = &job->in;
	double kwh = it_j / JOULES_PER_KWH, g = strtod(PQgetvalue(res, row, c_g), NULL);
	const char *level = PQgetvalue(res, row, c_g + 1),
		   *dataset = PQgetvalue(res, row, c_g + 2),
		   *zone = PQgetvalue(res, row, c_g + 4),
		   *resolution = PQgetvalue(res, row, c_g + 5),
		   *licence = PQgetvalue(res, row, c_g + 6);
	int year = atoi(PQgetvalue(res, row, c_g + 3));

	job->facility_kwh += kwh * pue;
	job->co2e_kg += kwh * pue * g / 1000.0;
	in->hours++;
	if (!job->have_source) {
		snprintf(in->level, sizeof(in->level), "%s", level);
		snprintf(in->dataset, sizeof(in->dataset), "%s", dataset);
		snprintf(in->zone, sizeof(in->zone), "%s", zone);
		snprintf(in->resolution, sizeof(in->resolution), "%s", resolution);
		snprintf(in->licence, sizeof(in->licence), "%s", licence);
		in->year = year;
		in->g_per_kwh = g;
		job->have_source = true;
	} else if (strcmp(in->level, level) || strcmp(in->dataset, dataset) ||
		   strcmp(in->zone, zone) || in->year != year) {
		snprintf(in->level, sizeof(in->level), "mixed");
		snprintf(in->dataset, sizeof(in->dataset), "several");
		in->licence[0] = '\0';
		in->year = 0;
		if (strcmp(in->resolution, resolution))
			snprintf(in->resolution, sizeof(in->resolution), "mixed");
	}
}

static void read_data_version(PGconn *conn)
{
	PGresult *res = PQexec(conn,
		"SELECT schema_version, annual_rows, coalesce(annual_latest_year, 0),"
		" series_rows, coalesce(to_char(series_imported_at AT TIME ZONE 'UTC',"
		" 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') FROM carbon.data_version");

	memset(&data_version, 0, sizeof(data_version));
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		data_version.schema = atoi(PQgetvalue(res, 0, 0));
		data_version.annual_rows = atol(PQgetvalue(res, 0, 1));
		data_version.annual_latest_year = atoi(PQgetvalue(res, 0, 2));
		data_version.series_rows = atol(PQgetvalue(res, 0, 3));
		snprintf(data_version.series_imported_at, sizeof(data_version.series_imported_at),
			 "%s", PQgetvalue(res, 0, 4));
	}
	PQclear(res);
}

/* Facility energy and CO2e of each job from its hour buckets: the PUE of
 * each hour's period times the intensity of that hour (DESIGN §4). */
static int job_carbon(PGconn *conn, struct job *jobs, size_t n_jobs, const char *ids,
		      const char *cluster, const struct report_env *env)
{
	char pue[32], fixed[32], start[32];
	const char *zone = env->conf.zone[0] ? env->conf.zone : NULL;
	const char *params[5];
	PGresult *res;
	size_t i, j = 0;
	int r, n;

	snprintf(pue, sizeof(pue), "%.17g", env->conf.pue);
	snprintf(fixed, sizeof(fixed), "%.17g", env->conf.intensity_g_per_kwh);
	params[0] = ids;
	params[1] = cluster;
	params[2] = pue;
	params[3] = zone;
	params[4] = env->conf.intensity_g_per_kwh >= 0 ? fixed : NULL;
	read_data_version(conn);
	for (i = 0; i < n_jobs; i++) {
		memset(&jobs[i].in, 0, sizeof(jobs[i].in));
		jobs[i].facility_kwh = jobs[i].co2e_kg = 0.0;
		jobs[i].have_source = false;
	}
	res = PQexecParams(conn, hours_sql, 5, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "carbon-report: cannot compute carbon (%s); if the database predates this carbon-report, run 'carbon-report db upgrade'\n",
			PQresultErrorMessage(res));
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	for (r = 0; r < n; r++) {
		long long id = strtoll(PQgetvalue(res, r, 0), NULL, 10);
		const char *cl = PQgetvalue(res, r, 1);

		/* Both in job and cluster order. */
		while (j < n_jobs && (jobs[j].rows[0].job_id != id ||
				      strcmp(jobs[j].rows[0].cluster, cl)))
			j++;
		if (j == n_jobs)
			break;
		if (!jobs[j].measured)
			continue;
		jobs[j].it_hours_kwh += strtod(PQgetvalue(res, r, 2), NULL) / JOULES_PER_KWH;
		add_carbon(&jobs[j], strtod(PQgetvalue(res, r, 2), NULL),
			   strtod(PQgetvalue(res, r, 3), NULL), res, r, 4);
	}
	PQclear(res);

	for (i = 0; i < n_jobs; i++) {
		struct job *job = &jobs[i];
		double rest = job->it_kwh - job->it_hours_kwh;

		if (rest > 1e-12 || !job->have_source) {
			/* Energy without hour buckets, or a job without any:
			 * the intensity and PUE at its start. */
			snprintf(start, sizeof(start), "%.6f", job->start_s);
			params[0] = job->rows[0].cluster;
			params[1] = start;
			params[2] = pue;
			params[3] = zone;
			params[4] = env->conf.intensity_g_per_kwh >= 0 ? fixed : NULL;
			res = PQexecParams(conn, instant_sql, 5, NULL, params, NULL, NULL, 0);
			if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
				fprintf(stderr, "carbon-report: cannot compute carbon (%s); run 'carbon-report db upgrade'\n",
					PQresultErrorMessage(res));
				PQclear(res);
				return -1;
			}
			add_carbon(job, rest > 0 ? rest * JOULES_PER_KWH : 0.0,
				   strtod(PQgetvalue(res, 0, 0), NULL), res, 0, 1);
			job->in.hours--;	/* not an hour bucket */
			PQclear(res);
		}
		job->pue = job->it_kwh > 0 ? job->facility_kwh / job->it_kwh : env->conf.pue;
		if (job->facility_kwh > 0)
			job->in.g_per_kwh = job->co2e_kg * 1000.0 / job->facility_kwh;
	}
	return 0;
}

static int run_query(PGconn *conn, const struct job_query *q,
		     const struct report_env *env)
{
	int rc = EXIT_NODATA;
	PGresult *res = NULL;
	struct step_row *rows = NULL;
	struct job *jobs = NULL;
	char *ids = NULL;
	const char *params[2];
	size_t n_rows, n_jobs = 0, i;

	ids = id_array(q);
	if (!ids)
		goto nomem;
	params[0] = ids;
	params[1] = q->cluster;
	res = PQexecParams(conn, job_sql, 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "carbon-report: cannot read carbon.step_energy: %s",
			PQresultErrorMessage(res));
		goto out;
	}
	n_rows = (size_t)PQntuples(res);
	rows = calloc(n_rows ? n_rows : 1, sizeof(*rows));
	jobs = calloc(n_rows ? n_rows : 1, sizeof(*jobs));
	if (!rows || !jobs)
		goto nomem;
	if (parse_rows(res, rows) < 0)
		goto out;

	/* Rows come ordered by job and cluster: each run of them is a job. */
	for (i = 0; i < n_rows; i++) {
		struct job *cur = n_jobs ? &jobs[n_jobs - 1] : NULL;

		if (!cur || cur->rows[0].job_id != rows[i].job_id ||
		    strcmp(cur->rows[0].cluster, rows[i].cluster)) {
			cur = &jobs[n_jobs++];
			cur->rows = &rows[i];
		}
		cur->n++;
	}
	for (i = 0; i < n_jobs; i++)
		if (job_total(&jobs[i]) < 0)
			goto nomem;
	if (job_carbon(conn, jobs, n_jobs, ids, q->cluster, env) < 0)
		goto out;
	rc = print_jobs(jobs, n_jobs, q, env);
	goto out;
nomem:
	fputs("carbon-report: out of memory\n", stderr);
out:
	free(jobs);
	free(rows);
	free(ids);
	PQclear(res);
	return rc;
}

int cmd_job(struct report_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cluster", required_argument, NULL, 'M' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct job_query q = { 0 };
	PGconn *conn = NULL;
	size_t cap = 0;
	int rc = EXIT_USAGE, c, i;

	/* Room for every id the arguments can spell. */
	for (i = 1; i < argc; i++)
		cap += count_ids(argv[i]);
	q.ids = calloc(cap ? cap : 1, sizeof(*q.ids));
	if (!q.ids) {
		fputs("carbon-report: out of memory\n", stderr);
		rc = EXIT_NODATA;
		goto out;
	}

	optind = 1;
	while ((c = getopt_long(argc, argv, "hM:j:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			rc = EXIT_OK;
			goto out;
		case 'M':
			q.cluster = optarg;
			break;
		case 'j':
			if (add_job_ids(&q, cap, optarg) < 0)
				goto out;
			break;
		default:
			fputs("Try 'carbon-report job --help'.\n", stderr);
			goto out;
		}
	}
	for (i = optind; i < argc; i++)
		if (add_job_ids(&q, cap, argv[i]) < 0)
			goto out;
	if (q.n_ids == 0) {
		fputs("carbon-report job: give at least one job id, e.g. 'carbon-report job 4242'\n",
		      stderr);
		goto out;
	}
	if (env->format == FMT_CSV) {
		fputs("carbon-report: --format csv for job is not available yet; use --json\n",
		      stderr);
		goto out;
	}

	rc = EXIT_NODATA;
	conn = report_connect(env);
	if (!conn)
		goto out;
	rc = run_query(conn, &q, env);
out:
	PQfinish(conn);
	free(q.ids);
	return rc;
}

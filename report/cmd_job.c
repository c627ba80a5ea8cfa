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
#include <sys/wait.h>

#include "codecarbon.h"
#include "energy.h"
#include "filter.h"
#include "json.h"
#include "record.h"
#include "table.h"
#include "jobset.h"
#include "site_source.h"


struct job_query {
	long long *ids;		/* as asked, without repeats */
	size_t n_ids;
	const char *cluster;	/* NULL: every cluster */
	struct table_style style;	/* -P, -n, -o */
};

static void usage(FILE *fp)
{
	fputs("Usage: carbon-report job JOBID... [-M CLUSTER] [--format table|json|csv|markdown]\n"
	      "          [-P] [-n] [-o FIELDS]\n"
	      "  JOBID              a Slurm job id; several ids, or comma-separated lists\n"
	      "  -j, --jobs LIST    job ids, comma-separated (like sacct -j)\n"
	      "  -M, --cluster NAME only the job of this cluster\n"
	      "  -P, --parsable2    the table's cells joined by '|', one header for all\n"
	      "                     jobs; the other lines go to stderr (as with -n)\n"
	      "  -n, --noheader     no header line\n"
	      "  -o, --fields LIST  these columns, e.g. jobid,step,node,it (any case; also\n"
	      "                     jobid and cluster, which the table leaves out)\n"
	      "For each job: the energy of every step on every node, and the job's\n"
	      "total (each node's time counted once), facility energy and CO2e.\n"
	      "--format csv writes CodeCarbon's emissions.csv, one row per job.\n",
	      fp);
}

static int add_job_ids(struct job_query *q, size_t *cap, const char *list)
{
	const char *bad;
	size_t len;

	if (job_ids_add(list, &q->ids, &q->n_ids, cap, &bad, &len) == 0)
		return 0;
	if (errno == EINVAL)
		fprintf(stderr, "carbon-report job: '%.*s' is not a job id (a number, e.g. 'carbon-report job 4242')\n",
			(int)len, bad);
	else
		fputs("carbon-report: out of memory\n", stderr);
	return -1;
}

static double row_it_kwh(const struct step_row *r)
{
	double j = 0.0;
	int d;

	for (d = 0; d < DOMAIN_COUNT; d++)
		j += r->energy_j[d];
	return j / JOULES_PER_KWH;
}

#define JOB_PROJECT(job) job_project(job)
#define JOB_TAG(job) job_tag(job)

/* ---- JSON ---------------------------------------------------------------- */

static void json_time(struct json_writer *w, const char *key, double t)
{
	char buf[32];

	json_kv_string(w, key, utc_iso8601(t, buf, sizeof(buf)));
}

static void json_job(struct json_writer *w, const struct job *job,
		     const struct data_version *dv)
{
	const struct intensity *in = &job->in;
	const struct step_row *first = &job->rows[0];
	size_t i;
	int d;

	json_begin_object(w);
	json_kv_int(w, "job_id", first->job_id);
	json_kv_string(w, "cluster", first->cluster);
	/* The job instance (sql/014): Slurm's start of the job, null where
	 * the records do not say (stored before 014). */
	if (isnan(first->job_start_s)) {
		json_kv_null(w, "job_start");
		json_kv_null(w, "job_start_epoch");
	} else {
		json_time(w, "job_start", first->job_start_s);
		json_kv_number_fixed(w, "job_start_epoch", first->job_start_s, 0);
	}
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
	json_kv_int(w, "schema", dv->schema);
	json_kv_int(w, "annual_rows", dv->annual_rows);
	json_kv_int(w, "annual_latest_year", dv->annual_latest_year);
	json_kv_int(w, "series_rows", dv->series_rows);
	json_kv_string(w, "series_imported_at",
		       dv->series_imported_at[0] ? dv->series_imported_at : NULL);
	json_kv_string(w, "carbon_report", CARBON_VERSION);
	json_end_object(w);
	/* Records keep joules to the µJ, each rounded on its own: an estimate
	 * that differs from the whole by that rounding (36 µJ) is the whole. */
	json_kv_number(w, "estimated_fraction",
		       job->it_kwh <= 0 ? 0.0 :
		       job->it_kwh - job->estimated_kwh <= 1e-11 ? 1.0 :
		       fmin(1.0, job->estimated_kwh / job->it_kwh));
	json_kv_string(w, "state", job_state_name(job->state));
	/* accounting: Slurm's (sql/016, db sync-states); records: the
	 * records' exit statuses and OOM kills. */
	json_kv_string(w, "state_source", job_state_source_name(job->state_source));

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
		/* sql/010; null where the record does not say (older plugins). */
		json_key(w, "hardware");
		json_begin_object(w);
		json_kv_string(w, "cpu_model", r->cpu_model);
		if (r->alloc_cpus >= 0)
			json_kv_int(w, "cpus", r->alloc_cpus);
		else
			json_kv_null(w, "cpus");
		json_kv_string(w, "gpu_model", r->gpu_model);
		if (r->gpus >= 0)
			json_kv_int(w, "gpus", r->gpus);
		else
			json_kv_null(w, "gpus");
		json_end_object(w);
		/* sql/016: the step's processes the OOM killer killed. */
		json_kv_int(w, "oom_kills", r->oom_kills);
		/* sql/012: how the step's worst task ended; null where no
		 * record says (the extern step, older plugins). */
		if (r->has_exit) {
			json_key(w, "exit");
			json_begin_object(w);
			if (WIFSIGNALED(r->exit_status)) {
				json_kv_null(w, "code");
				json_kv_int(w, "signal", WTERMSIG(r->exit_status));
			} else {
				json_kv_int(w, "code", WEXITSTATUS(r->exit_status));
				json_kv_null(w, "signal");
			}
			json_end_object(w);
		} else {
			json_kv_null(w, "exit");
		}
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

enum { COL_JOBID, COL_CLUSTER, COL_STEP, COL_NODE, COL_START, COL_END, COL_CPU, COL_DRAM,
       COL_GPU, COL_OTHER, COL_IT, COL_METHOD, COL_SAMPLES, N_COLS };

/* Energies with their unit in each cell (table_amount). The job id and
 * cluster are in the heading; -o prints them in each row too. */
static const struct table_column job_columns[N_COLS] = {
	[COL_JOBID] = { .header = "JOBID", .right = true, .hidden = true },
	[COL_CLUSTER] = { .header = "CLUSTER", .hidden = true },
	[COL_STEP] = { .header = "STEP" },
	[COL_NODE] = { .header = "NODE" },
	[COL_START] = { .header = "START" },
	[COL_END] = { .header = "END" },
	[COL_CPU] = { .header = "CPU", .right = true },
	[COL_DRAM] = { .header = "DRAM", .right = true },
	[COL_GPU] = { .header = "GPU", .right = true },
	[COL_OTHER] = { .header = "OTHER", .right = true },
	[COL_IT] = { .header = "IT", .right = true },
	[COL_METHOD] = { .header = "METHOD" },
	[COL_SAMPLES] = { .header = "SAMPLES", .right = true },
};

static void energy_cells(struct table *t, const double *kwh, double it)
{
	static const size_t col[DOMAIN_COUNT] = {
		[DOMAIN_CPU] = COL_CPU, [DOMAIN_DRAM] = COL_DRAM,
		[DOMAIN_GPU] = COL_GPU, [DOMAIN_OTHER] = COL_OTHER,
	};
	char x[32];
	int d;

	for (d = 0; d < DOMAIN_COUNT; d++)
		table_cell(t, col[d], "%s", table_amount(kwh[d], TABLE_KWH, x, sizeof(x)));
	table_cell(t, COL_IT, "%s", table_amount(it, TABLE_KWH, x, sizeof(x)));
}

static void id_cells(struct table *t, const struct step_row *first)
{
	table_cell(t, COL_JOBID, "%lld", first->job_id);
	table_cell(t, COL_CLUSTER, "%s", first->cluster);
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
		id_cells(t, &job->rows[0]);
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
		id_cells(t, &job->rows[0]);
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

static void print_unmeasured_nodes(FILE *fp, const struct job *job, bool markdown)
{
	size_t i, j;

	for (i = 0; i < job->n; i++) {
		const char *node = job->rows[i].node;

		for (j = 0; j < i && strcmp(job->rows[j].node, node); j++)
			;
		if (j < i || !node_unmeasured(job, node))
			continue;	/* said already, or measured */
		fprintf(fp, "%sno energy counters on %s: energy not measured\n",
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

static void print_intensity(FILE *fp, const struct intensity *in)
{
	const char *level = !strcmp(in->level, "world") ? "world average" : in->level;

	if (!strcmp(in->level, "mixed"))
		fprintf(fp, "%.4g gCO2e/kWh (mean over %u hours of several sources)",
			in->g_per_kwh, in->hours);
	else if (!strcmp(in->level, "site"))
		fprintf(fp, "%.4g gCO2e/kWh (fixed, %s)", in->g_per_kwh, in->dataset);
	else if (!strcmp(in->level, "series"))
		fprintf(fp, "%.4g gCO2e/kWh (%s series for %s, %s)", in->g_per_kwh,
			in->resolution, in->zone, in->dataset);
	else if (in->year)
		fprintf(fp, "%.4g gCO2e/kWh (%s%s%s, %s, %d%s%s)", in->g_per_kwh, level,
			in->zone[0] && strcmp(in->level, "world") ? " " : "",
			strcmp(in->level, "world") ? in->zone : "", in->dataset, in->year,
			in->licence[0] ? ", " : "", in->licence);
	else
		fprintf(fp, "%.4g gCO2e/kWh (%s)", in->g_per_kwh, level);
}


/* The job's table on stdout, as style says; its heading, notes and total
 * on stdout too, or (-P, -n) on stderr. */
static int print_job_table(const struct job *job, const struct table_style *style, bool markdown)
{
	const struct intensity *in = &job->in;
	const struct step_row *first = &job->rows[0];
	FILE *out = table_style_notes(style);
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
		table_print_markdown(&t, style, stdout);
	} else {
		fprintf(out, "Job %lld  cluster %s  user %s  project %s  tag %s\n",
			first->job_id, first->cluster, first->user,
			or_dash(JOB_PROJECT(job)), or_dash(JOB_TAG(job)));
		fprintf(out, "%s .. %s (%s)\n", a, b, dur);
		fflush(out);
		table_print_text(&t, style, stdout);
		fflush(stdout);
	}
	if (job_has_overlap(job))
		fprintf(out, "%sThe total counts each node's time once: steps that run inside the batch or\n"
			"extern step on the same node are not added again.\n",
			markdown ? "\n" : "");
	if (job_has_shares(job))
		fprintf(out, "%sSteps show their own share (their CPU time); the total is the job's share\n"
			"of each node, counted once, idle time included.\n", markdown ? "\n" : "");
	if (job->estimated_kwh > 0)
		fprintf(out, "%sEstimated (no counter, see spank_carbon(8)): %s of the IT energy.\n",
			markdown ? "\n" : "",
			table_amount(job->estimated_kwh, TABLE_KWH, it, sizeof(it)));
	print_unmeasured_nodes(out, job, markdown);
	fputs(markdown ? "\n**Total**: " : "Total   ", out);
	if (job->measured) {
		fprintf(out, "IT %s × PUE %.4g = %s facility; ",
			table_amount(job->it_kwh, TABLE_KWH, it, sizeof(it)), job->pue,
			table_amount(job->facility_kwh, TABLE_KWH, fac, sizeof(fac)));
		print_intensity(out, in);
		fprintf(out, " → %s CO2e\n", table_amount(job->co2e_kg, TABLE_KG, co2, sizeof(co2)));
	} else {
		fputs("energy not measured (no energy counters), so no CO2e\n", out);
	}
	rc = 0;
out:
	table_free(&t);
	return rc;
}

/* ---- CSV: CodeCarbon's emissions.csv ---------------------------------------- */

/* Where the intensity's zone is a country ("DE") or a zone of one
 * ("US-CAL-CISO", "AU-NSW"), its two-letter country code; else NULL (world,
 * cloud regions, a site figure without a zone). */
static const char *zone_country(const char *zone, char *buf, size_t n)
{
	if (!isupper((unsigned char)zone[0]) || !isupper((unsigned char)zone[1]) ||
	    (zone[2] && zone[2] != '-') || !strcmp(zone, "WORLD"))
		return NULL;
	snprintf(buf, n, "%.2s", zone);
	return buf;
}

/* One job as one CodeCarbon row, with CodeCarbon's PUE semantics
 * (cc_row_set_energy; the mapping is in doc/carbon-report.1). */
static int csv_job(FILE *fp, const struct job *job)
{
	const struct step_row *first = &job->rows[0];
	const char *zone = job->in.zone;
	char run_id[160], country[4];
	struct cc_row r;
	bool subzone;

	cc_row_init(&r);
	r.timestamp = job->end_s;
	r.project_name = JOB_PROJECT(job) ? JOB_PROJECT(job) : first->user;
	snprintf(run_id, sizeof(run_id), "%s:%lld", first->cluster, first->job_id);
	r.run_id = run_id;
	r.experiment_id = JOB_TAG(job);
	r.duration = job->end_s - job->start_s;
	r.tracking_mode = "machine";
	if (job->measured) {
		r.emissions = job->co2e_kg;
		cc_row_set_energy(&r, job->energy_kwh, job->facility_kwh, job->pue);
	}
	if (zone[0] && strcmp(job->in.level, "cloud") && strcmp(job->in.level, "world")) {
		r.country_iso_code = zone_country(zone, country, sizeof(country));
		subzone = r.country_iso_code && zone[2] == '-';
		/* A zone that is a country names no region within it. */
		if (!r.country_iso_code || subzone)
			r.region = zone;
	}
	return cc_write_row(fp, &r);
}

static int print_csv(const struct jobset *set, const struct job_query *q)
{
	const struct job *jobs = set->jobs;
	int rc = EXIT_OK;
	size_t i, j;
	bool header = false;

	for (i = 0; i < q->n_ids; i++) {
		bool found = false;

		for (j = 0; j < set->n; j++) {
			if (jobs[j].rows[0].job_id != q->ids[i])
				continue;
			found = true;
			if (!jobs[j].measured)
				fprintf(stderr, "carbon-report: job %lld: energy not measured (no energy counters); its row has no energy or emissions\n",
					q->ids[i]);
			if ((!header && cc_write_header(stdout) < 0) || csv_job(stdout, &jobs[j]) < 0) {
				fputs("carbon-report: could not write the CSV output\n", stderr);
				return EXIT_NODATA;
			}
			header = true;
		}
		if (!found)
			fprintf(stderr, "carbon-report: job %lld: no energy records (unknown job, not yours, or not finished yet)\n",
				q->ids[i]);
	}
	if (!header && cc_write_header(stdout) < 0)
		rc = EXIT_NODATA;
	if (fflush(stdout) != 0) {
		fputs("carbon-report: could not write the CSV output\n", stderr);
		rc = EXIT_NODATA;
	}
	return rc;
}

/* ---- the command ---------------------------------------------------------- */

static int print_jobs(const struct jobset *set, const struct job_query *q,
		      const struct report_env *env)
{
	const struct job *jobs = set->jobs;
	size_t n_jobs = set->n;
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
				json_job(&w, &jobs[j], &set->data);
			} else {
				/* -P: one header, then every job's rows. */
				struct table_style style = q->style;

				style.noheader = style.noheader || (style.parsable && printed);
				if (printed)
					fputc('\n', table_style_notes(&style));
				if (print_job_table(&jobs[j], &style, env->format == FMT_MARKDOWN) < 0)
					rc = EXIT_NODATA;
			}
			printed++;
		}
		/* Said, and not a failure: as sacct, an unknown job is
		 * nothing to show (exit 0; JSON [] when no job is). */
		if (!found)
			fprintf(stderr, "carbon-report: job %lld: no energy records (unknown job, not yours, or not finished yet)\n",
				q->ids[i]);
	}
	if (n_jobs == 0)
		return report_empty(env);
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

static int run_query(PGconn *conn, const struct job_query *q,
		     const struct report_env *env)
{
	struct job_filter f = {
		.ids = q->ids, .n_ids = q->n_ids, .cluster = q->cluster,
		.start_s = NAN, .end_s = NAN,
	};
	struct jobset set;
	int rc;

	if (jobset_load(conn, &f, env, &set) < 0)
		return EXIT_NODATA;
	if (site_source_name_intensity(conn, env, &set) < 0) {
		jobset_free(&set);
		return EXIT_NODATA;
	}
	if (env->format == FMT_CSV)
		rc = print_csv(&set, q);
	else
		rc = print_jobs(&set, q, env);
	jobset_free(&set);
	return rc;
}

int cmd_job(struct report_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cluster", required_argument, NULL, 'M' },
		{ "jobs", required_argument, NULL, 'j' },
		TABLE_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct job_query q = { 0 };
	PGconn *conn = NULL;
	size_t cap = 0;
	int rc = EXIT_USAGE, c, i;

	table_style_init(&q.style);
	optind = 1;
	while ((c = getopt_long(argc, argv, "hM:j:" TABLE_SHORTOPTS, longopts, NULL)) != -1) {
		if (table_style_option(&q.style, c, optarg))
			continue;
		switch (c) {
		case 'h':
			usage(stdout);
			rc = EXIT_OK;
			goto out;
		case 'M':
			q.cluster = optarg;
			break;
		case 'j':
			if (add_job_ids(&q, &cap, optarg) < 0)
				goto out;
			break;
		default:
			fputs("Try 'carbon-report job --help'.\n", stderr);
			goto out;
		}
	}
	for (i = optind; i < argc; i++)
		if (add_job_ids(&q, &cap, argv[i]) < 0)
			goto out;
	if (q.n_ids == 0) {
		fputs("carbon-report job: give at least one job id, e.g. 'carbon-report job 4242'\n",
		      stderr);
		goto out;
	}
	if (report_table_style(env, &q.style, job_columns, N_COLS, "carbon-report job") < 0)
		goto out;
	rc = EXIT_NODATA;
	conn = report_connect(env);
	if (!conn)
		goto out;
	rc = run_query(conn, &q, env);
out:
	PQfinish(conn);
	free(q.ids);
	table_style_free(&q.style);
	return rc;
}

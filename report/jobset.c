/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A set of jobs with their totals (see jobset.h). */
#include "jobset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "record_fields.h"
#include "union.h"

/* The records of the jobs a filter selects ($1 ids, $2 cluster, $3 user,
 * $4 project, $5 tag, $6 from, $7 to), in job order, after "SELECT " and
 * the select list of the record's fields (record_fields_select());
 * JOB_SQL_NEEDS_RECORDS keeps only those of the jobs sql/008 cannot add up. */
#define JOB_SQL_FROM \
	" FROM carbon.step_energy s" \
	" WHERE ($1::bigint[] IS NULL OR job_id = ANY($1::bigint[]))" \
	" AND ($2::text IS NULL OR cluster = $2::text)" \
	" AND ($3::text IS NULL OR user_name = $3::text)" \
	" AND ($4::text IS NULL OR (cluster, job_id, job_start) IN" \
	"      (SELECT cluster, job_id, job_start FROM carbon.step_energy WHERE project = $4::text))" \
	" AND ($5::text IS NULL OR (cluster, job_id, job_start) IN" \
	"      (SELECT cluster, job_id, job_start FROM carbon.step_energy WHERE tag = $5::text))" \
	" AND ($6::float8 IS NULL AND $7::float8 IS NULL OR (cluster, job_id, job_start) IN" \
	"      (SELECT cluster, job_id, job_start FROM carbon.step_energy" \
	"       GROUP BY cluster, job_id, job_start" \
	"       HAVING ($6::float8 IS NULL OR max(end_time) >= to_timestamp($6::float8))" \
	"       AND ($7::float8 IS NULL OR min(start_time) < to_timestamp($7::float8))))"
/* The table's columns (the select list names its times' epochs alike). */
#define JOB_SQL_ORDER " ORDER BY s.job_id, s.cluster, s.job_start, s.start_time, s.step, s.node"
#define JOB_SQL_NEEDS_RECORDS \
	" AND (cluster, job_id, job_start) IN (SELECT cluster, job_id, job_start FROM carbon.job_total" \
	"      WHERE needs_records)"

/* The fields of the record that no report reads. */
static const char *const fields_not_read[] = { "uid", "account", "hours", NULL };

/* Is name among the columns in res (one a row)? */
static bool has_column(const char *name, void *arg)
{
	const PGresult *res = arg;
	int i;

	for (i = 0; i < PQntuples(res); i++)
		if (!strcmp(PQgetvalue(res, i, 0), name))
			return true;
	return false;
}

/* The query of the records f selects, to free. A field whose column the
 * database lacks (one from before the field's migration, e.g. exit_status
 * of sql/012) reads as NULL, as in a record of an older plugin. NULL after
 * printing why. */
static char *job_sql(PGconn *conn, const struct job_filter *f)
{
	PGresult *cols = PQexec(conn,
		"SELECT attname FROM pg_catalog.pg_attribute"
		" WHERE attrelid = 'carbon.step_energy'::regclass AND attnum > 0"
		" AND NOT attisdropped");
	char list[4096], *sql = NULL;
	size_t n;

	if (PQresultStatus(cols) != PGRES_TUPLES_OK) {
		report_sql_error("cannot read carbon.step_energy", cols);
		goto out;
	}
	if (record_fields_select(list, sizeof(list), fields_not_read, has_column, cols) < 0) {
		fputs("carbon-report: the select list of a record is too long\n", stderr);
		goto out;
	}
	n = strlen("SELECT ") + strlen(list) + sizeof(JOB_SQL_FROM JOB_SQL_NEEDS_RECORDS JOB_SQL_ORDER);
	sql = malloc(n);
	if (!sql) {
		fputs("carbon-report: out of memory\n", stderr);
		goto out;
	}
	snprintf(sql, n, "SELECT %s%s%s", list,
		 f->needs_records_only ? JOB_SQL_FROM JOB_SQL_NEEDS_RECORDS : JOB_SQL_FROM,
		 JOB_SQL_ORDER);
out:
	PQclear(cols);
	return sql;
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
	    c_job_start = PQfnumber(res, "job_start"),
	    c_step = PQfnumber(res, "step"), c_node = PQfnumber(res, "node"),
	    c_user = PQfnumber(res, "user_name"), c_project = PQfnumber(res, "project"),
	    c_tag = PQfnumber(res, "tag"), c_start = PQfnumber(res, "start_time"),
	    c_end = PQfnumber(res, "end_time"), c_samples = PQfnumber(res, "samples"),
	    c_method = PQfnumber(res, "method"), c_partial = PQfnumber(res, "partial"),
	    c_est = PQfnumber(res, "estimated_j"), c_cpu_time = PQfnumber(res, "cpu_time_s"),
	    c_split = PQfnumber(res, "split"), c_notes = PQfnumber(res, "notes"),
	    c_cpu_model = PQfnumber(res, "cpu_model"), c_alloc_cpus = PQfnumber(res, "alloc_cpus"),
	    c_gpu_model = PQfnumber(res, "gpu_model"), c_gpus = PQfnumber(res, "gpus"),
	    c_exit = PQfnumber(res, "exit_status"), c_oom = PQfnumber(res, "oom_kills");
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
	if (c_job < 0 || c_cluster < 0 || c_job_start < 0 || c_step < 0 || c_node < 0 || c_user < 0 ||
	    c_project < 0 || c_tag < 0 || c_start < 0 || c_end < 0 ||
	    c_samples < 0 || c_method < 0 || c_partial < 0 || c_est < 0 ||
	    c_cpu_time < 0 || c_split < 0 || c_notes < 0 || c_cpu_model < 0 ||
	    c_alloc_cpus < 0 || c_gpu_model < 0 || c_gpus < 0 || c_exit < 0 || c_oom < 0)
		goto bad;

	for (i = 0; i < n; i++) {
		struct step_row *r = &rows[i];

		r->job_id = strtoll(PQgetvalue(res, i, c_job), NULL, 10);
		r->cluster = PQgetvalue(res, i, c_cluster);
		/* -Infinity (stored before sql/014) or NULL (a database
		 * without 014): the instance's start is unknown. */
		r->job_start_s = PQgetisnull(res, i, c_job_start) ? NAN :
				 strtod(PQgetvalue(res, i, c_job_start), NULL);
		if (!isfinite(r->job_start_s))
			r->job_start_s = NAN;
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
		r->cpu_model = text_or_null(res, i, c_cpu_model);
		r->alloc_cpus = PQgetisnull(res, i, c_alloc_cpus) ? -1 :
				strtol(PQgetvalue(res, i, c_alloc_cpus), NULL, 10);
		r->gpu_model = text_or_null(res, i, c_gpu_model);
		r->gpus = PQgetisnull(res, i, c_gpus) ? -1 :
			  strtol(PQgetvalue(res, i, c_gpus), NULL, 10);
		r->has_exit = !PQgetisnull(res, i, c_exit);
		r->exit_status = r->has_exit ? atoi(PQgetvalue(res, i, c_exit)) : 0;
		r->oom_kills = PQgetisnull(res, i, c_oom) ? 0 :
			       strtoll(PQgetvalue(res, i, c_oom), NULL, 10);
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

/* The order of job_sql and hours_sql: job id, cluster, then the instance
 * (its start; NaN, unknown, first). */
static int job_cmp(const struct job *job, long long id, const char *cluster, double job_start)
{
	double a = job->rows[0].job_start_s;
	int c;

	if (job->rows[0].job_id != id)
		return job->rows[0].job_id < id ? -1 : 1;
	c = strcmp(job->rows[0].cluster, cluster);
	if (c)
		return c;
	if (isnan(a) || isnan(job_start))
		return isnan(a) == isnan(job_start) ? 0 : isnan(a) ? -1 : 1;
	return (a > job_start) - (a < job_start);
}

/* Each hour bucket of the jobs' energy with the PUE of its period and the
 * intensity that applies to it (sql/005), in job order. */
static const char hours_sql[] =
	"SELECT h.job_id, h.cluster, h.j, p.pue, i.g_per_kwh, i.level, i.dataset,"
	" coalesce(i.year, 0) AS year, coalesce(i.zone, '') AS zone, i.resolution,"
	" coalesce(i.licence, '') AS licence,"
	" extract(epoch FROM h.job_start)::float8 AS job_start_epoch"
	" FROM (SELECT job_id, cluster, job_start, hour, sum(cpu_j + dram_j + gpu_j + other_j) AS j"
	"       FROM carbon.job_energy_hour"
	"       WHERE job_id = ANY($1::bigint[]) AND ($2::text IS NULL OR cluster = $2::text)"
	"       GROUP BY job_id, cluster, job_start, hour) h"
	" LEFT JOIN carbon.cluster_site cs ON cs.cluster = h.cluster"
	" CROSS JOIN LATERAL carbon.pue_at(h.cluster, h.hour,"
	"      CASE WHEN $6::bool THEN $3::float8 ELSE coalesce(cs.pue, $3::float8) END) p"
	" CROSS JOIN LATERAL carbon.intensity_at(coalesce($4::text, cs.zone), h.hour,"
	"      CASE WHEN $6::bool OR $5::float8 IS NOT NULL THEN $5::float8 ELSE cs.intensity END) i"
	" ORDER BY h.job_id, h.cluster, h.job_start, h.hour";

/* Energy without hour buckets (records from before migration 003): the
 * intensity and PUE at the job's start. */
static const char instant_sql[] =
	"SELECT p.pue, i.g_per_kwh, i.level, i.dataset, coalesce(i.year, 0) AS year,"
	" coalesce(i.zone, '') AS zone, i.resolution, coalesce(i.licence, '') AS licence"
	" FROM (SELECT $1::text AS cluster) c"
	" LEFT JOIN carbon.cluster_site cs ON cs.cluster = c.cluster"
	" CROSS JOIN LATERAL carbon.pue_at(c.cluster, to_timestamp($2::float8),"
	"      CASE WHEN $6::bool THEN $3::float8 ELSE coalesce(cs.pue, $3::float8) END) p"
	" CROSS JOIN LATERAL carbon.intensity_at(coalesce($4::text, cs.zone), to_timestamp($2::float8),"
	"      CASE WHEN $6::bool OR $5::float8 IS NOT NULL THEN $5::float8 ELSE cs.intensity END) i";

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

static void read_data_version(PGconn *conn, struct data_version *dv)
{
	PGresult *res = PQexec(conn,
		"SELECT schema_version, annual_rows, coalesce(annual_latest_year, 0),"
		" series_rows, coalesce(to_char(series_imported_at AT TIME ZONE 'UTC',"
		" 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') FROM carbon.data_version");

	memset(dv, 0, sizeof(*dv));
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		dv->schema = atoi(PQgetvalue(res, 0, 0));
		dv->annual_rows = atol(PQgetvalue(res, 0, 1));
		dv->annual_latest_year = atoi(PQgetvalue(res, 0, 2));
		dv->series_rows = atol(PQgetvalue(res, 0, 3));
		snprintf(dv->series_imported_at, sizeof(dv->series_imported_at),
			 "%s", PQgetvalue(res, 0, 4));
	}
	PQclear(res);
}

/* Facility energy and CO2e of each job from its hour buckets: the PUE of
 * each hour's period times the intensity of that hour (DESIGN §4). */
static int job_carbon(PGconn *conn, struct job *jobs, size_t n_jobs, const char *ids,
		      const char *cluster, const struct report_env *env, struct data_version *dv)
{
	char pue[32], fixed[32], start[32];
	const char *zone = env->conf.zone[0] ? env->conf.zone : NULL;
	const char *params[6];
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
	/* The reporter's own carbon.conf, when it has one, speaks for the
	 * site; else each cluster's recorded settings (sql/006). */
	params[5] = env->have_config ? "true" : "false";
	read_data_version(conn, dv);
	for (i = 0; i < n_jobs; i++) {
		memset(&jobs[i].in, 0, sizeof(jobs[i].in));
		jobs[i].facility_kwh = jobs[i].co2e_kg = 0.0;
		jobs[i].have_source = false;
	}
	res = PQexecParams(conn, hours_sql, 6, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		report_sql_error("cannot compute carbon", res);
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	for (r = 0; r < n; r++) {
		long long id = strtoll(PQgetvalue(res, r, 0), NULL, 10);
		const char *cl = PQgetvalue(res, r, 1);
		double at = strtod(PQgetvalue(res, r, 11), NULL);

		if (!isfinite(at))
			at = NAN;
		/* Both in job, cluster and instance order; hours of a job the
		 * filter left out (the same id on another cluster, another
		 * instance) are skipped. */
		while (j < n_jobs && job_cmp(&jobs[j], id, cl, at) < 0)
			j++;
		if (j == n_jobs)
			break;
		if (job_cmp(&jobs[j], id, cl, at) > 0)
			continue;
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
			params[5] = env->have_config ? "true" : "false";
			res = PQexecParams(conn, instant_sql, 6, NULL, params, NULL, NULL, 0);
			if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
				report_sql_error("cannot compute carbon", res);
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

/* The states Slurm's accounting gave the job instances (sql/016), in job
 * order; the instance's start is a whole second in both tables. */
static const char states_sql[] =
	"SELECT job_id, cluster, extract(epoch FROM job_start)::float8, state"
	" FROM carbon.job_state"
	" WHERE job_id = ANY($1::bigint[]) AND ($2::text IS NULL OR cluster = $2::text)"
	" ORDER BY job_id, cluster, job_start";

/* Set the state of each of jobs[0..n_jobs-1] that accounting knows. A
 * database without sql/016 knows none. Returns 0, or -1 after printing
 * why. */
static int job_states_from_accounting(PGconn *conn, struct job *jobs, size_t n_jobs,
				      const char *ids, const char *cluster)
{
	const char *params[2] = { ids, cluster };
	PGresult *res = PQexecParams(conn, states_sql, 2, NULL, params, NULL, NULL, 0);
	const char *sqlstate;
	size_t j = 0;
	int r, n, rc = -1;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (sqlstate && !strcmp(sqlstate, "42P01")) {
			rc = 0;	/* no carbon.job_state: a schema before 016 */
			goto out;
		}
		report_sql_error("cannot read carbon.job_state", res);
		goto out;
	}
	n = PQntuples(res);
	for (r = 0; r < n; r++) {
		long long id = strtoll(PQgetvalue(res, r, 0), NULL, 10);
		const char *cl = PQgetvalue(res, r, 1);
		double at = strtod(PQgetvalue(res, r, 2), NULL);
		enum job_state state;

		while (j < n_jobs && job_cmp(&jobs[j], id, cl, at) < 0)
			j++;
		if (j == n_jobs)
			break;
		if (job_cmp(&jobs[j], id, cl, at) > 0)
			continue;	/* an instance the filter left out */
		if (!job_state_from_name(PQgetvalue(res, r, 3), &state))
			continue;	/* a state of a later version */
		jobs[j].state = state;
		jobs[j].state_source = JOB_STATE_FROM_ACCOUNTING;
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* "{1,2,3}" of the jobs' ids, for hours_sql. */
static char *jobs_id_array(const struct jobset *set)
{
	char *s = malloc(set->n * 21 + 3), *p;
	size_t i;

	if (!s)
		return NULL;
	p = s;
	*p++ = '{';
	for (i = 0; i < set->n; i++)
		p += sprintf(p, "%s%lld", i ? "," : "", set->jobs[i].rows[0].job_id);
	*p++ = '}';
	*p = '\0';
	return s;
}

int jobset_load(PGconn *conn, const struct job_filter *f, const struct report_env *env,
		struct jobset *set)
{
	struct job_filter_params fp;
	char *all_ids = NULL, *sql = NULL;
	size_t n_rows, i;
	int rc = -1;

	memset(set, 0, sizeof(*set));
	if (job_filter_params(f, &fp) < 0)
		goto out;
	sql = job_sql(conn, f);
	if (!sql)
		goto out;
	set->res = PQexecParams(conn, sql, JOB_FILTER_PARAMS, NULL, fp.v, NULL, NULL, 0);
	if (PQresultStatus(set->res) != PGRES_TUPLES_OK) {
		report_sql_error("cannot read carbon.step_energy", set->res);
		goto out;
	}
	n_rows = (size_t)PQntuples(set->res);
	set->rows = calloc(n_rows ? n_rows : 1, sizeof(*set->rows));
	set->jobs = calloc(n_rows ? n_rows : 1, sizeof(*set->jobs));
	if (!set->rows || !set->jobs)
		goto nomem;
	if (parse_rows(set->res, set->rows) < 0)
		goto out;
	/* Rows come ordered by job, cluster and instance: each run of them is a
	 * job. */
	for (i = 0; i < n_rows; i++) {
		struct job *cur = set->n ? &set->jobs[set->n - 1] : NULL;

		if (!cur || job_cmp(cur, set->rows[i].job_id, set->rows[i].cluster,
				    set->rows[i].job_start_s)) {
			cur = &set->jobs[set->n++];
			cur->rows = &set->rows[i];
		}
		cur->n++;
	}
	for (i = 0; i < set->n; i++) {
		if (job_total(&set->jobs[i]) < 0)
			goto nomem;
		set->jobs[i].state = job_state_of(&set->jobs[i]);
		set->jobs[i].state_source = JOB_STATE_FROM_RECORDS;
	}
	all_ids = jobs_id_array(set);
	if (!all_ids)
		goto nomem;
	if (set->n && job_states_from_accounting(conn, set->jobs, set->n, all_ids, f->cluster) < 0)
		goto out;
	if (set->n && job_carbon(conn, set->jobs, set->n, all_ids, f->cluster, env, &set->data) < 0)
		goto out;
	rc = 0;
	goto out;
nomem:
	fputs("carbon-report: out of memory\n", stderr);
out:
	job_filter_params_free(&fp);
	free(all_ids);
	free(sql);
	if (rc < 0)
		jobset_free(set);
	return rc;
}

int job_filter_params(const struct job_filter *f, struct job_filter_params *p)
{
	char *q;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (f->n_ids) {
		p->ids = malloc(f->n_ids * 21 + 3);
		if (!p->ids) {
			fputs("carbon-report: out of memory\n", stderr);
			return -1;
		}
		q = p->ids;
		*q++ = '{';
		for (i = 0; i < f->n_ids; i++)
			q += sprintf(q, "%s%lld", i ? "," : "", f->ids[i]);
		*q++ = '}';
		*q = '\0';
	}
	snprintf(p->start, sizeof(p->start), "%.6f", f->start_s);
	snprintf(p->end, sizeof(p->end), "%.6f", f->end_s);
	p->v[0] = p->ids;
	p->v[1] = f->cluster;
	p->v[2] = f->user;
	p->v[3] = f->project;
	p->v[4] = f->tag;
	p->v[5] = isnan(f->start_s) ? NULL : p->start;
	p->v[6] = isnan(f->end_s) ? NULL : p->end;
	return 0;
}

void job_filter_params_free(struct job_filter_params *p)
{
	free(p->ids);
	p->ids = NULL;
}

void jobset_free(struct jobset *set)
{
	free(set->jobs);
	free(set->rows);
	PQclear(set->res);
	memset(set, 0, sizeof(*set));
}

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

const char *job_project(const struct job *job)
{
	return job_label(job, offsetof(struct step_row, project));
}

const char *job_tag(const struct job *job)
{
	return job_label(job, offsetof(struct step_row, tag));
}

static int cmp_window(const void *a, const void *b)
{
	const double *x = a, *y = b;

	return (x[0] > y[0]) - (x[0] < y[0]);
}

double windows_union_s(double (*w)[2], size_t n)
{
	double total = 0.0, lo, hi;
	size_t i;

	if (n == 0)
		return 0.0;
	qsort(w, n, sizeof(*w), cmp_window);
	lo = w[0][0];
	hi = w[0][1];
	for (i = 1; i < n; i++) {
		if (w[i][0] > hi) {
			total += hi - lo;
			lo = w[i][0];
			hi = w[i][1];
		} else if (w[i][1] > hi) {
			hi = w[i][1];
		}
	}
	return total + hi - lo;
}

double job_gpu_s(const struct job *job)
{
	double (*win)[2], total = NAN;
	size_t k, j, n_win;
	long gpus;

	win = malloc((job->n ? job->n : 1) * sizeof(*win));
	if (!win)
		return NAN;
	for (k = 0; k < job->n; k++) {
		const char *node = job->rows[k].node;

		for (j = 0; j < k && strcmp(job->rows[j].node, node); j++)
			;
		if (j < k)
			continue;	/* the node was added up with its first record */
		gpus = -1;
		n_win = 0;
		for (j = k; j < job->n; j++) {
			const struct step_row *q = &job->rows[j];

			if (strcmp(q->node, node))
				continue;
			gpus = q->gpus > gpus ? q->gpus : gpus;
			if (q->gpus > 0) {
				win[n_win][0] = q->start_s;
				win[n_win++][1] = fmax(q->start_s, q->end_s);
			}
		}
		if (gpus >= 0)
			total = (isnan(total) ? 0.0 : total) +
				(double)gpus * windows_union_s(win, n_win);
	}
	free(win);
	return total;
}

/* 3: a signal, 2: a non-zero exit, 1: exit 0 (wait(2) status; sql/012). */
static int exit_rank(int status)
{
	if (WIFSIGNALED(status))
		return 3;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 1 : 2;
}

enum job_state job_state_of(const struct job *job)
{
	static const enum job_state of_rank[] = {
		JOB_UNKNOWN, JOB_COMPLETED, JOB_FAILED, JOB_CANCELLED
	};
	int worst = 0, batch = 0;
	size_t i;

	for (i = 0; i < job->n; i++) {
		const struct step_row *r = &job->rows[i];
		int rank;

		if (!r->has_exit)
			continue;
		rank = exit_rank(r->exit_status);
		if (!strcmp(r->step, "batch") && rank > batch)
			batch = rank;
		if (rank > worst)
			worst = rank;
	}
	/* Killed for its memory, whatever its tasks' statuses say: the batch
	 * script may go on after one of its processes was killed, and Slurm
	 * still calls the job out of memory. */
	for (i = 0; i < job->n; i++)
		if (job->rows[i].oom_kills > 0)
			return JOB_OUT_OF_MEMORY;
	return of_rank[batch ? batch : worst];
}

static const char *const state_names[JOB_STATE_COUNT] = {
	[JOB_UNKNOWN] = "unknown",
	[JOB_COMPLETED] = "completed",
	[JOB_FAILED] = "failed",
	[JOB_CANCELLED] = "cancelled",
	[JOB_TIMEOUT] = "timeout",
	[JOB_OUT_OF_MEMORY] = "out_of_memory",
	[JOB_NODE_FAIL] = "node_fail",
	[JOB_PREEMPTED] = "preempted",
};

bool job_state_from_name(const char *name, enum job_state *state)
{
	int i;

	for (i = 0; i < JOB_STATE_COUNT; i++) {
		if (!strcmp(state_names[i], name)) {
			*state = (enum job_state)i;
			return true;
		}
	}
	return false;
}

bool job_state_unsuccessful(enum job_state state)
{
	return state != JOB_UNKNOWN && state != JOB_COMPLETED && state < JOB_STATE_COUNT;
}

const char *job_state_source_name(enum job_state_source source)
{
	return source == JOB_STATE_FROM_ACCOUNTING ? "accounting" : "records";
}

const char *job_state_name(enum job_state state)
{
	return (unsigned)state < JOB_STATE_COUNT ? state_names[state] : "unknown";
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A set of jobs with their totals (see jobset.h). */
#include "jobset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "pgresult.h"
#include "record_fields.h"
#include "utctime.h"

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
		r->project = pg_text_or_null(res, i, c_project);
		r->tag = pg_text_or_null(res, i, c_tag);
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
		r->split = pg_text_or_null(res, i, c_split);
		r->notes = pg_text_or_null(res, i, c_notes);
		r->cpu_model = pg_text_or_null(res, i, c_cpu_model);
		r->alloc_cpus = PQgetisnull(res, i, c_alloc_cpus) ? -1 :
				strtol(PQgetvalue(res, i, c_alloc_cpus), NULL, 10);
		r->gpu_model = pg_text_or_null(res, i, c_gpu_model);
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

/* The order of job_sql and of the figures' queries: job id, cluster, then
 * the instance (its start; NaN, unknown, first). */
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

/* Each job instance's totals, GPU-seconds and carbon (sql/functions/
 * job_rules.sql) for the instances $1 .. $3 (jobset_arrays_build), the
 * records of user $4 (NULL: all), and a report with PUE $5, zone $6, fixed
 * intensity $7 and its own carbon.conf or not ($8), in job order. */
static const char figures_sql[] =
	"SELECT t.job_id, t.cluster, extract(epoch FROM t.job_start)::float8 AS job_start,"
	" extract(epoch FROM t.start_time)::float8 AS start_time,"
	" extract(epoch FROM t.end_time)::float8 AS end_time,"
	" t.cpu_j, t.dram_j, t.gpu_j, t.other_j, t.estimated_j, t.cpu_time_s, t.cpu_time_rows,"
	" t.measured, t.gpu_s, c.facility_kwh, c.co2e_kg, c.pue, c.g_per_kwh, c.hours, c.level,"
	" c.dataset, c.year, c.zone, c.resolution, c.licence"
	" FROM carbon.job_totals_of($1::text[], $2::bigint[], $3::timestamptz[], $4::text) t"
	" JOIN carbon.job_carbon_of($1::text[], $2::bigint[], $3::timestamptz[], $4::text, false,"
	"  $5::float8, $6::text, $7::float8, $8::bool) c"
	" ON c.cluster = t.cluster AND c.job_id = t.job_id AND c.job_start = t.job_start"
	" ORDER BY t.job_id, t.cluster, t.job_start";

/* The share of each record that its job's totals count, for the same
 * instances and user, in job order. */
static const char shares_sql[] =
	"SELECT job_id, cluster, extract(epoch FROM job_start)::float8 AS job_start, step, node,"
	" counted"
	" FROM carbon.job_step_shares($1::text[], $2::bigint[], $3::timestamptz[], $4::text)"
	" ORDER BY job_id, cluster, job_start";

static const char *field_text(const PGresult *res, int row, const char *col)
{
	int c = PQfnumber(res, col);

	return c < 0 ? "" : PQgetvalue(res, row, c);
}

/* The job of res's row among jobs[*j..n_jobs-1], both in job order: *j
 * moves on to it. NULL where it is not there (an instance of the same id
 * that the filter left out). */
static struct job *job_of_row(struct job *jobs, size_t n_jobs, size_t *j, const PGresult *res,
			      int row)
{
	long long id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
	const char *cl = PQgetvalue(res, row, 1);
	double at = strtod(PQgetvalue(res, row, 2), NULL);

	if (!isfinite(at))
		at = NAN;
	while (*j < n_jobs && job_cmp(&jobs[*j], id, cl, at) < 0)
		(*j)++;
	if (*j == n_jobs || job_cmp(&jobs[*j], id, cl, at) > 0)
		return NULL;
	return &jobs[*j];
}

/* Set job from row of figures_sql's result. */
static void job_figures(struct job *job, const PGresult *res, int row)
{
	static const char *const energy_col[DOMAIN_COUNT] = {
		[DOMAIN_CPU] = "cpu_j",
		[DOMAIN_DRAM] = "dram_j",
		[DOMAIN_GPU] = "gpu_j",
		[DOMAIN_OTHER] = "other_j",
	};
	struct intensity *in = &job->in;
	int d;

	job->start_s = pg_number(res, row, "start_time");
	job->end_s = pg_number(res, row, "end_time");
	job->it_kwh = 0.0;
	for (d = 0; d < DOMAIN_COUNT; d++) {
		job->energy_kwh[d] = pg_number(res, row, energy_col[d]) / JOULES_PER_KWH;
		job->it_kwh += job->energy_kwh[d];
	}
	job->estimated_kwh = pg_number(res, row, "estimated_j") / JOULES_PER_KWH;
	job->cpu_time_rows = (size_t)pg_number(res, row, "cpu_time_rows");
	job->cpu_time_s = job->cpu_time_rows ? pg_number(res, row, "cpu_time_s") : 0.0;
	job->measured = field_text(res, row, "measured")[0] == 't';
	job->gpu_s = pg_number(res, row, "gpu_s");
	job->facility_kwh = pg_number(res, row, "facility_kwh");
	job->co2e_kg = pg_number(res, row, "co2e_kg");
	job->pue = pg_number(res, row, "pue");
	in->g_per_kwh = pg_number(res, row, "g_per_kwh");
	in->hours = (unsigned)pg_number(res, row, "hours");
	in->year = (int)pg_number(res, row, "year");
	snprintf(in->level, sizeof(in->level), "%s", field_text(res, row, "level"));
	snprintf(in->dataset, sizeof(in->dataset), "%s", field_text(res, row, "dataset"));
	snprintf(in->zone, sizeof(in->zone), "%s", field_text(res, row, "zone"));
	snprintf(in->resolution, sizeof(in->resolution), "%s", field_text(res, row, "resolution"));
	snprintf(in->licence, sizeof(in->licence), "%s", field_text(res, row, "licence"));
}

/* The jobs' totals, GPU-seconds, carbon and records' shares, as the
 * database's rules compute them. Returns 0, or -1 after printing why. */
static int jobs_figures(PGconn *conn, struct jobset *set, const struct jobset_arrays *a,
			const struct job_filter *f, const struct report_env *env)
{
	char pue[32], fixed[32];
	const char *params[8];
	PGresult *res = NULL;
	unsigned char *seen = calloc(set->n, 1);
	size_t i, j = 0, k;
	int r, n, rc = -1;
	struct job *job;

	if (!seen) {
		fputs("carbon-report: out of memory\n", stderr);
		return -1;
	}
	snprintf(pue, sizeof(pue), "%.17g", env->conf.pue);
	snprintf(fixed, sizeof(fixed), "%.17g", env->conf.intensity_g_per_kwh);
	params[0] = a->clusters;
	params[1] = a->ids;
	params[2] = a->instances;
	params[3] = f->user;
	params[4] = pue;
	params[5] = env->conf.zone[0] ? env->conf.zone : NULL;
	params[6] = env->conf.intensity_g_per_kwh >= 0 ? fixed : NULL;
	/* The reporter's own carbon.conf, when it has one, speaks for the
	 * site; else each cluster's recorded settings (sql/006). */
	params[7] = env->have_config ? "true" : "false";
	res = PQexecParams(conn, figures_sql, 8, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		report_sql_error("cannot compute the jobs' totals and carbon (run 'carbon-report db upgrade')",
				 res);
		goto out;
	}
	n = PQntuples(res);
	for (r = 0; r < n; r++) {
		job = job_of_row(set->jobs, set->n, &j, res, r);
		if (job) {
			job_figures(job, res, r);
			seen[job - set->jobs]++;
		}
	}
	for (i = 0; i < set->n; i++) {
		if (seen[i] != 1) {
			fprintf(stderr, "carbon-report: the records of job %lld changed while it was read; run the report again\n",
				set->jobs[i].rows[0].job_id);
			goto out;
		}
	}
	PQclear(res);
	res = PQexecParams(conn, shares_sql, 4, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		report_sql_error("cannot read the records' shares of their jobs", res);
		goto out;
	}
	n = PQntuples(res);
	j = 0;
	for (r = 0; r < n; r++) {
		job = job_of_row(set->jobs, set->n, &j, res, r);
		for (k = 0; job && k < job->n; k++) {
			if (!strcmp(job->rows[k].step, PQgetvalue(res, r, 3)) &&
			    !strcmp(job->rows[k].node, PQgetvalue(res, r, 4))) {
				job->rows[k].counted = strtod(PQgetvalue(res, r, 5), NULL);
				break;
			}
		}
	}
	rc = 0;
out:
	PQclear(res);
	free(seen);
	return rc;
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

int jobset_arrays_build(const struct jobset *set, struct jobset_arrays *a)
{
	FILE *fp[4] = { NULL, NULL, NULL, NULL };
	size_t len[4], i;
	char **out[4] = { &a->clusters, &a->ids, &a->instances, &a->starts };
	char at[40];
	const char *s;
	int k, rc = -1;

	memset(a, 0, sizeof(*a));
	for (k = 0; k < 4; k++) {
		fp[k] = open_memstream(out[k], &len[k]);
		if (!fp[k])
			goto out;
		fputc('{', fp[k]);
	}
	for (i = 0; i < set->n; i++) {
		const struct step_row *r = &set->jobs[i].rows[0];
		const char *sep = i ? "," : "";

		fprintf(fp[0], "%s\"", sep);
		for (s = r->cluster; *s; s++) {
			if (*s == '"' || *s == '\\')
				fputc('\\', fp[0]);
			fputc(*s, fp[0]);
		}
		fputc('"', fp[0]);
		fprintf(fp[1], "%s%lld", sep, r->job_id);
		fprintf(fp[2], "%s\"%s\"", sep, isnan(r->job_start_s) ? "-infinity" :
			utc_timestamp_us(r->job_start_s, at, sizeof(at)));
		fprintf(fp[3], "%s%.6f", sep, set->jobs[i].start_s);
	}
	rc = 0;
out:
	for (k = 0; k < 4; k++) {
		if (!fp[k])
			continue;
		fputc('}', fp[k]);
		if (ferror(fp[k]))
			rc = -1;
		if (fclose(fp[k]) != 0)
			rc = -1;
	}
	if (rc < 0)
		jobset_arrays_free(a);
	return rc;
}

void jobset_arrays_free(struct jobset_arrays *a)
{
	free(a->clusters);
	free(a->ids);
	free(a->instances);
	free(a->starts);
	memset(a, 0, sizeof(*a));
}

int jobset_load(PGconn *conn, const struct job_filter *f, const struct report_env *env,
		struct jobset *set)
{
	struct job_filter_params fp;
	char *sql = NULL;
	struct jobset_arrays a = { NULL, NULL, NULL, NULL };
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
		set->jobs[i].state = job_state_of(&set->jobs[i]);
		set->jobs[i].state_source = JOB_STATE_FROM_RECORDS;
	}
	if (!set->n) {
		rc = 0;
		goto out;
	}
	if (jobset_arrays_build(set, &a) < 0)
		goto nomem;
	if (job_states_from_accounting(conn, set->jobs, set->n, a.ids, f->cluster) < 0 ||
	    jobs_figures(conn, set, &a, f, env) < 0)
		goto out;
	read_data_version(conn, &set->data);
	rc = 0;
	goto out;
nomem:
	fputs("carbon-report: out of memory\n", stderr);
out:
	job_filter_params_free(&fp);
	free(sql);
	jobset_arrays_free(&a);
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

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Jobs added up by group in PostgreSQL (see jobsum.h). */
#define _GNU_SOURCE	/* asprintf */
#include "jobsum.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimate.h"
#include "pgresult.h"
#include "utctime.h"

/* Per group (the key expressions of key_sql) of the jobs the filter
 * selects ($1 .. $7 as jobset.c's job_sql) that job_total can add up. A
 * job's carbon is the one stored with it (sql/011) where that was computed
 * with the settings this report uses ($8 pue, $9 zone, $10 fixed intensity,
 * $11 the reporter has a carbon.conf: carbon.report_site) from the current data;
 * the other jobs' carbon is left to stale_fmt. */
#define FILTER_SQL \
	" WHERE NOT t.needs_records" \
	" AND ($1::bigint[] IS NULL OR t.job_id = ANY($1::bigint[]))" \
	" AND ($2::text IS NULL OR t.cluster = $2::text)" \
	" AND ($3::text IS NULL OR t.user_name = $3::text)" \
	" AND ($4::text IS NULL OR $4::text = ANY(t.projects))" \
	" AND ($5::text IS NULL OR $5::text = ANY(t.tags))" \
	" AND ($6::float8 IS NULL OR t.end_time >= to_timestamp($6::float8))" \
	" AND ($7::float8 IS NULL OR t.start_time < to_timestamp($7::float8))"
/* The clusters of carbon.job_total, by index probes: one each. */
#define CLUSTERS_SQL \
	"WITH RECURSIVE c AS (" \
	" (SELECT t.cluster FROM carbon.job_total t ORDER BY t.cluster LIMIT 1)" \
	" UNION ALL" \
	" SELECT (SELECT t.cluster FROM carbon.job_total t WHERE t.cluster > c.cluster" \
	"  ORDER BY t.cluster LIMIT 1) FROM c WHERE c.cluster IS NOT NULL" \
	")"
/* The settings of job t's cluster for this report (carbon.report_site),
 * and the span of that cluster's rate for it (carbon.rate_spans) in which
 * its first part lies: the earlier of its start (where its rest is
 * counted) and its first hour bucket (sql/025). As all_stored_sql resolved
 * them once a cluster ($12 .. $19, one element a span: the cluster, its
 * PUE, zone and fixed intensity, the span's start and end, its PUE and
 * intensity), joined by hash on the cluster and by range on the instant:
 * the spans of a cluster partition time (the last one, to infinity, holds
 * infinity itself too), so that each job has one, and they are few. From parameters rather than from CLUSTERS_SQL in the same query:
 * a recursive query keeps the whole scan of job_total in one process
 * (PostgreSQL does not run a CTE in parallel workers), and a lateral call
 * per job costs an index probe each. */
#define SITE_OF_JOB_SQL \
	" JOIN unnest($12::text[], $13::float8[], $14::text[], $15::float8[], $16::timestamptz[]," \
	"  $17::timestamptz[], $18::float8[], $19::float8[])" \
	"  AS rs(cluster, pue, zone, fixed, span_start, span_end, span_pue, span_g)" \
	" ON rs.cluster = t.cluster AND least(t.first_hour, t.start_time) >= rs.span_start" \
	" AND (least(t.first_hour, t.start_time) < rs.span_end OR rs.span_end = 'infinity')"
/* Whether the carbon stored with job t applies to this report: it is of
 * the current data (not carbon.job_carbon_is_stale) and was computed with
 * this report's settings for its cluster. */
#define STORED_SQL \
	"coalesce(carbon.job_carbon_is_stale(t, (SELECT gen FROM carbon.rate_generation)) IS FALSE" \
	" AND t.rate_pue = rs.pue AND t.rate_zone IS NOT DISTINCT FROM rs.zone" \
	" AND t.rate_fixed IS NOT DISTINCT FROM rs.fixed, false)"
/* Whether all of job t's parts lie in its span (its start and last hour
 * bucket before the span's end) and the span has a rate: the job is then
 * priced at once, at that rate (SPAN_FACILITY_SQL, SPAN_CO2E_SQL); else
 * hour by hour (stale_fmt). A job whose buckets hold energy but whose row
 * has no first hour (written by the functions of before 025 while db
 * upgrade ran) goes hour by hour too. */
#define SPAN_PRICED_SQL \
	"(greatest(t.last_hour, t.start_time) < rs.span_end AND rs.span_pue IS NOT NULL" \
	" AND (t.first_hour IS NOT NULL OR t.hours_j = 0))"
/* The facility energy and CO2e by group of the jobs whose stored carbon
 * does not apply and that lie in one span of their cluster's rate for this
 * report: the rate factors out of the sum over their parts, so that each
 * job's energy (carbon.stored_parts_j) is priced once, in the scan of
 * job_total, and not hour by hour (stale_fmt). */
#define SPAN_RATE_SQL(expr) \
	" + coalesce(sum(" expr ") FILTER (WHERE t.measured AND NOT " STORED_SQL \
	" AND " SPAN_PRICED_SQL "), 0)"
#define SPAN_FACILITY_SQL \
	SPAN_RATE_SQL("carbon.facility_kwh(carbon.stored_parts_j(t), rs.span_pue)")
#define SPAN_CO2E_SQL \
	SPAN_RATE_SQL("carbon.co2e_kg(carbon.stored_parts_j(t), rs.span_pue, rs.span_g)")

/* Instant x as text that reads back the same whatever the session's
 * DateStyle and TimeZone: ISO 8601 in UTC, or -infinity and infinity. */
#define UTC_TEXT(x) \
	"CASE WHEN isfinite(" x ") THEN to_char(" x " AT TIME ZONE 'UTC'," \
	" 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') ELSE " x "::text END"

/* Whether the carbon stored with every job the filter may select applies
 * ($2 .. $11): no job's is of older data (or was never computed), and each
 * cluster's settings for this report are those its jobs' carbon was
 * computed with. Index probes only: the clusters come from job_total's
 * primary key, one probe each, and the oldest generation from its index on
 * rate_gen. Then each cluster's settings for this report and the spans
 * of its rate (carbon.rate_spans), as the arrays SITE_OF_JOB_SQL reads. */
static const char all_stored_sql[] =
	CLUSTERS_SQL
	" SELECT coalesce((SELECT min(t.rate_gen) FROM carbon.job_total t)"
	"  >= (SELECT gen FROM carbon.rate_generation), true)"
	" AND NOT EXISTS (SELECT FROM carbon.job_total t WHERE t.rate_gen IS NULL)"
	" AND coalesce(bool_and(rs.pue = st.pue AND rs.zone IS NOT DISTINCT FROM st.zone"
	"  AND rs.fixed IS NOT DISTINCT FROM st.fixed), true) AS all_stored,"
	" array_agg(c.cluster) AS clusters, array_agg(rs.pue) AS pues,"
	" array_agg(rs.zone) AS zones, array_agg(rs.fixed) AS fixeds,"
	" array_agg(" UTC_TEXT("sp.span_start") ") AS span_starts,"
	" array_agg(" UTC_TEXT("sp.span_end") ") AS span_ends,"
	" array_agg(sp.pue) AS span_pues, array_agg(sp.g_per_kwh) AS span_gs,"
	" coalesce(bool_or(sp.pue IS NOT NULL), false) AS any_span"
	" FROM c"
	" CROSS JOIN LATERAL carbon.report_site(c.cluster, $8, $9, $10, $11) rs"
	" CROSS JOIN LATERAL carbon.rate_spans(c.cluster, $8, $9, $10, $11) sp"
	" CROSS JOIN LATERAL carbon.stored_site(c.cluster) st"
	" WHERE c.cluster IS NOT NULL AND ($2::text IS NULL OR c.cluster = $2::text)";

/* The sums by group, as a format: the key and sub key as text (from
 * key_text_sql), their expressions (from key_sql), then whether a job's stored carbon applies ("true", or
 * STORED_SQL), each with what the other jobs add to the facility energy
 * and CO2e ("", or SPAN_FACILITY_SQL and SPAN_CO2E_SQL) and what
 * excludes a job from stale ("", or that a span prices it), then the
 * join these need ("", or SITE_OF_JOB_SQL). Times are added up as intervals and
 * turned into seconds once a group: far cheaper than once a job. */
static const char sum_fmt[] =
	"SELECT %s AS key1, %s AS key2, jobs, cpu_time_s, cpu_time_rows,"
	" extract(epoch FROM wall)::float8 AS wall_s, cpu_j, dram_j, gpu_j, other_j,"
	" extract(epoch FROM first_start)::float8 AS first_start,"
	" extract(epoch FROM last_end)::float8 AS last_end, gpu_s, gpu_jobs,"
	" facility_kwh, co2e_kg, stale"
	" FROM (SELECT %s AS key1, %s AS key2, count(*) AS jobs,"
	"  coalesce(sum(t.cpu_time_s), 0) AS cpu_time_s, sum(t.cpu_time_rows) AS cpu_time_rows,"
	"  sum(t.end_time - t.start_time) AS wall, sum(t.cpu_j) AS cpu_j,"
	"  sum(t.dram_j) AS dram_j, sum(t.gpu_j) AS gpu_j, sum(t.other_j) AS other_j,"
	"  min(t.start_time) AS first_start, max(t.end_time) AS last_end,"
	"  coalesce(sum(t.gpu_s), 0) AS gpu_s, count(t.gpu_s) AS gpu_jobs,"
	"  coalesce(sum(t.facility_kwh) FILTER (WHERE %s), 0)%s AS facility_kwh,"
	"  coalesce(sum(t.co2e_kg) FILTER (WHERE %s), 0)%s AS co2e_kg,"
	"  count(*) FILTER (WHERE t.measured AND NOT %s%s) AS stale"
	"  FROM carbon.job_total t%s"
	FILTER_SQL
	"  GROUP BY 1, 2) g";

/* The types of the 19 parameters: a query need not use them all. */
#define N_PARAMS 19
static const Oid param_types[N_PARAMS] = {
	1016 /* int8[] */, 25 /* text */, 25, 25, 25, 701 /* float8 */, 701, 701, 25, 701,
	16 /* bool */, 1009 /* text[] */, 1022 /* float8[] */, 1009, 1022,
	1185 /* timestamptz[] */, 1185, 1022, 1022,
};

/* The expression of each key in sum_fmt and stale_fmt. */
static const char *const key_sql[] = {
	[JOB_KEY_NONE] = "NULL::text", [JOB_KEY_USER] = "t.user_name",
	[JOB_KEY_PROJECT] = "t.project", [JOB_KEY_TAG] = "t.tag",
	[JOB_KEY_DAY] = "(t.end_time AT TIME ZONE 'UTC')::date",
};

/* Key key of the grouped rows, their column key1 (which 0) or key2 (1),
 * as the report's text, once a group. A day is grouped as a date: the
 * planner knows how many there are and adds up the groups in parallel
 * (as text, to_char's, it expects one a job, and formatting every row
 * costs more than the sum); it reads as YYYY-MM-DD (the UTC day, as -S
 * and -E read a date) whatever the session's DateStyle and TimeZone. */
static const char *key_text_sql(enum job_key key, int which)
{
	static const char *const col[] = { "key1", "key2" };
	static const char *const day[] = {
		"to_char(key1::timestamp, 'YYYY-MM-DD')",
		"to_char(key2::timestamp, 'YYYY-MM-DD')",
	};

	return key == JOB_KEY_DAY ? day[which] : col[which];
}

/* The facility energy and CO2e by group of the jobs whose stored carbon
 * sum_fmt left out (those that no span of their cluster's rate prices:
 * the others it priced itself), as a format of the key and sub key expressions
 * (key_sql), then as text (key_text_sql): from
 * what carbon.job_total and job_hour hold of their energy, hour by hour,
 * by the rules carbon.job_energy_parts applies (sql/functions/
 * job_rules.sql: carbon.stored_rest_j, hour_rate, facility_kwh, co2e_kg),
 * in one query so that the keys travel with the parts: each job's hour
 * buckets and rest, joined by hash to the rates of their distinct hours. */
static const char stale_fmt[] =
	"WITH j AS MATERIALIZED ("
	" SELECT t.cluster, t.job_id, t.job_start, t.start_time, %s AS key1, %s AS key2,"
	"  carbon.stored_rest_j(t) AS rest_j"
	" FROM carbon.job_total t" SITE_OF_JOB_SQL
	FILTER_SQL " AND NOT " STORED_SQL " AND t.measured AND NOT " SPAN_PRICED_SQL
	"), part AS MATERIALIZED ("
	" SELECT j.key1, j.key2, x.cluster, x.hour AS at, x.j"
	" FROM j JOIN carbon.job_hour x"
	"  ON x.cluster = j.cluster AND x.job_id = j.job_id AND x.job_start = j.job_start"
	" UNION ALL"
	" SELECT j.key1, j.key2, j.cluster, j.start_time, j.rest_j FROM j WHERE j.rest_j IS NOT NULL"
	"), rate AS MATERIALIZED ("
	" SELECT c.cluster, c.at, r.pue, r.g_per_kwh"
	" FROM (SELECT DISTINCT part.cluster, part.at FROM part) c"
	" CROSS JOIN LATERAL carbon.hour_rate(c.cluster, c.at, $8, $9, $10, $11) r"
	")"
	" SELECT %s AS key1, %s AS key2, sum(carbon.facility_kwh(part.j, r.pue)) AS facility_kwh,"
	"  sum(carbon.co2e_kg(part.j, r.pue, r.g_per_kwh)) AS co2e_kg"
	" FROM part JOIN rate r ON r.cluster = part.cluster AND r.at = part.at"
	" GROUP BY part.key1, part.key2";

/* The key of job (read record by record); day is written into buf. */
static const char *job_key_of(const struct job *job, enum job_key key, char *buf, size_t n)
{
	switch (key) {
	case JOB_KEY_USER:
		return job->rows[0].user;
	case JOB_KEY_PROJECT:
		return job_project(job);
	case JOB_KEY_TAG:
		return job_tag(job);
	case JOB_KEY_DAY:
		/* The UTC day, as -S and -E read a date. */
		return strcmp(utc_format(job->end_s, UTC_DATE, buf, n), "?") ? buf : NULL;
	case JOB_KEY_NONE:
		break;
	}
	return NULL;
}

/* Add part to the group of key (and its sub group of sub) and to all.
 * Returns 0, or -1 after saying that memory ran out. */
static int add_part(struct group_list *groups, const char *key, enum job_key sub_key,
		    const char *sub, struct job_totals *all, const struct job_totals *part)
{
	struct group *g = group_get(groups, key), *s = NULL;

	if (!g || (sub_key != JOB_KEY_NONE && !(s = group_get(&g->sub, sub)))) {
		fputs("carbon-report: out of memory\n", stderr);
		return -1;
	}
	totals_add(&g->t, part);
	if (s)
		totals_add(&s->t, part);
	totals_add(all, part);
	return 0;
}

/* The jobs read record by record: all of them (needs_records_only false),
 * or those job_total cannot add up. */
static int add_jobs(PGconn *conn, const struct job_filter *f, const struct report_env *env,
		    enum job_key key, enum job_key sub_key, struct group_list *groups,
		    struct job_totals *all)
{
	struct jobset set;
	struct job_totals one;
	char day[16], sub_day[16];
	size_t i;
	int rc = -1;

	if (jobset_load(conn, f, env, &set) < 0)
		return -1;
	for (i = 0; i < set.n; i++) {
		totals_init(&one);
		totals_add_job(&one, &set.jobs[i]);
		if (add_part(groups, job_key_of(&set.jobs[i], key, day, sizeof(day)), sub_key,
			     job_key_of(&set.jobs[i], sub_key, sub_day, sizeof(sub_day)), all,
			     &one) < 0)
			goto out;
	}
	rc = 0;
out:
	jobset_free(&set);
	return rc;
}

/* A figure of res's row: 0 where null (a group without it). */
static double number(const PGresult *res, int row, const char *col)
{
	return pg_number_or(res, row, col, 0.0);
}


int jobsum_catch_up(PGconn *conn)
{
	PGresult *res = PQexec(conn,
		"SELECT to_regproc('carbon.job_totals_catch_up') IS NOT NULL");
	int rc = -1;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		fprintf(stderr, "carbon-report: cannot read the schema: %s",
			PQresultErrorMessage(res));
		goto out;
	}
	rc = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	res = NULL;
	if (rc) {
		res = PQexec(conn, "SELECT carbon.job_totals_catch_up()");
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			/* A standby, a role without the right: slower, not wrong. */
			fprintf(stderr,
				"carbon-report: warning: cannot bring the per-job totals up to date: %s"
				"carbon-report: adding up every record instead (slower)\n",
				PQresultErrorMessage(res));
			rc = 0;
		}
	}
out:
	PQclear(res);
	return rc;
}

/* The carbon of the jobs whose stored carbon does not apply (stale_fmt),
 * added to their groups. */
static int add_stale(PGconn *conn, const char *const *params, enum job_key key,
		     enum job_key sub_key, struct group_list *groups, struct job_totals *all)
{
	struct job_totals part;
	PGresult *res = NULL;
	char *sql;
	int rc = -1, row, n;

	if (asprintf(&sql, stale_fmt, key_sql[key], key_sql[sub_key], key_text_sql(key, 0),
		     key_text_sql(sub_key, 1)) < 0) {
		fputs("carbon-report: out of memory\n", stderr);
		return -1;
	}
	/* The parts and the rates of their hours are sets the planner has no
	 * statistics of: it would sort all the parts to merge them with the
	 * rates rather than hash the rates (a few thousand) once; and, as for
	 * jobsum_load()'s sums, compiling the query (jit) costs more than it
	 * saves. The settings are the transaction's only (SET LOCAL), so that
	 * no session state is left behind, through a pooler too. */
	PQclear(PQexec(conn, "BEGIN"));
	PQclear(PQexec(conn, "SET LOCAL enable_mergejoin = off"));
	PQclear(PQexec(conn, "SET LOCAL jit = off"));
	res = PQexecParams(conn, sql, N_PARAMS, param_types, params, NULL, NULL, 0);
	PQclear(PQexec(conn, "COMMIT"));
	free(sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		report_sql_error("cannot resolve the carbon of jobs by hour", res);
		goto out;
	}
	n = PQntuples(res);
	for (row = 0; row < n; row++) {
		totals_init(&part);
		part.facility_kwh = number(res, row, "facility_kwh");
		part.co2e_kg = number(res, row, "co2e_kg");
		if (add_part(groups, pg_text_or_null(res, row, 0), sub_key, pg_text_or_null(res, row, 1),
			     all, &part) < 0)
			goto out;
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* The imported runs by group, as a format of the key and sub key as text
 * (key_text_sql), then their expressions (key_sql: the function's columns
 * have job_total's names). */
static const char imported_fmt[] =
	"SELECT %s AS key1, %s AS key2, runs, cpu_kwh, dram_kwh, gpu_kwh, other_kwh, it_kwh,"
	" facility_kwh, co2e_kg, duration_s, first_start, last_end"
	" FROM (SELECT %s AS key1, %s AS key2, count(*) AS runs, sum(t.cpu_kwh) AS cpu_kwh,"
	"  sum(t.dram_kwh) AS dram_kwh, sum(t.gpu_kwh) AS gpu_kwh, sum(t.other_kwh) AS other_kwh,"
	"  sum(t.it_kwh) AS it_kwh, sum(t.facility_kwh) AS facility_kwh,"
	"  sum(t.co2e_kg) AS co2e_kg, sum(t.duration_s) AS duration_s,"
	"  extract(epoch FROM min(t.start_time))::float8 AS first_start,"
	"  extract(epoch FROM max(t.end_time))::float8 AS last_end"
	"  FROM carbon.imported_runs($1::bigint[], $2::text, $3::text, $4::text, $5::text,"
	"   $6::float8, $7::float8) t GROUP BY 1, 2) g";

/* The estimated runs among them (method 'estimate'), and how each kind
 * was estimated, distinct, joined by "; ". */
static const char estimated_sql[] =
	"SELECT count(*) AS runs, coalesce(sum(t.facility_kwh), 0) AS facility_kwh,"
	" coalesce(sum(t.co2e_kg), 0) AS co2e_kg,"
	" coalesce(string_agg(DISTINCT t.how, '; '), '') AS how"
	" FROM carbon.imported_runs($1::bigint[], $2::text, $3::text, $4::text, $5::text,"
	"  $6::float8, $7::float8) t WHERE t.method = '" ESTIMATE_METHOD "'";

int jobsum_estimated(PGconn *conn, const struct job_filter *f, size_t *runs,
		     double *facility_kwh, double *co2e_kg, char **how)
{
	struct job_filter_params fp;
	PGresult *res = NULL;
	int rc = -1;

	*how = NULL;
	if (job_filter_params(f, &fp) < 0)
		goto out;
	res = PQexecParams(conn, estimated_sql, JOB_FILTER_PARAMS, param_types, fp.v, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		report_sql_error("cannot read the estimated runs", res);
		goto out;
	}
	*runs = (size_t)number(res, 0, "runs");
	*facility_kwh = number(res, 0, "facility_kwh");
	*co2e_kg = number(res, 0, "co2e_kg");
	*how = strdup(PQgetvalue(res, 0, 3));
	if (!*how) {
		fputs("carbon-report: out of memory\n", stderr);
		goto out;
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

int jobsum_add_imported(PGconn *conn, const struct job_filter *f, enum job_key key,
			enum job_key sub_key, struct group_list *groups, struct job_totals *all)
{
	static const char *const energy_col[DOMAIN_COUNT] = {
		[DOMAIN_CPU] = "cpu_kwh",
		[DOMAIN_DRAM] = "dram_kwh",
		[DOMAIN_GPU] = "gpu_kwh",
		[DOMAIN_OTHER] = "other_kwh",
	};
	struct job_filter_params fp;
	struct job_totals part;
	char *sql = NULL;
	PGresult *res = NULL;
	int rc = -1, row, d;

	if (job_filter_params(f, &fp) < 0)
		goto out;
	if (asprintf(&sql, imported_fmt, key_text_sql(key, 0), key_text_sql(sub_key, 1),
		     key_sql[key], key_sql[sub_key]) < 0) {
		sql = NULL;
		fputs("carbon-report: out of memory\n", stderr);
		goto out;
	}
	res = PQexecParams(conn, sql, JOB_FILTER_PARAMS, param_types, fp.v, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		report_sql_error("cannot read the imported CodeCarbon runs", res);
		goto out;
	}
	/* Every figure of these totals is imported. */
	for (row = 0; row < PQntuples(res); row++) {
		totals_init(&part);
		part.imported_runs = (size_t)number(res, row, "runs");
		for (d = 0; d < DOMAIN_COUNT; d++)
			part.energy_kwh[d] = number(res, row, energy_col[d]);
		part.it_kwh = part.imported_kwh = number(res, row, "it_kwh");
		part.facility_kwh = number(res, row, "facility_kwh");
		part.co2e_kg = part.imported_kg = number(res, row, "co2e_kg");
		part.imported_s = number(res, row, "duration_s");
		part.first_start_s = number(res, row, "first_start");
		part.last_end_s = number(res, row, "last_end");
		if (add_part(groups, pg_text_or_null(res, row, 0), sub_key, pg_text_or_null(res, row, 1),
			     all, &part) < 0)
			goto out;
	}
	rc = 0;
out:
	PQclear(res);
	free(sql);
	job_filter_params_free(&fp);
	return rc;
}

int jobsum_load(PGconn *conn, const struct job_filter *f, const struct report_env *env,
		enum job_key key, enum job_key sub_key, struct group_list *groups,
		struct job_totals *all)
{
	static const char *const energy_col[DOMAIN_COUNT] = {
		[DOMAIN_CPU] = "cpu_j",
		[DOMAIN_DRAM] = "dram_j",
		[DOMAIN_GPU] = "gpu_j",
		[DOMAIN_OTHER] = "other_j",
	};
	struct job_filter slow = *f;
	struct job_totals part;
	struct job_filter_params fp = { .ids = NULL };
	char pue[32], fixed[32];
	const char *params[N_PARAMS];
	PGresult *res = NULL, *sites = NULL;
	int rc = -1, have, row, n, d;
	double stale = 0;
	const char *stored;
	char *sql = NULL;
	bool all_stored, spans;

	totals_init(all);
	have = jobsum_catch_up(conn);
	if (have < 0)
		return -1;
	if (!have)
		return add_jobs(conn, f, env, key, sub_key, groups, all) < 0 ? -1 :
		       jobsum_add_imported(conn, f, key, sub_key, groups, all);

	if (job_filter_params(f, &fp) < 0)
		goto out;
	memcpy(params, fp.v, sizeof(fp.v));
	snprintf(pue, sizeof(pue), "%.17g", env->conf.pue);
	snprintf(fixed, sizeof(fixed), "%.17g", env->conf.intensity_g_per_kwh);
	params[7] = pue;
	params[8] = env->conf.zone[0] ? env->conf.zone : NULL;
	params[9] = env->conf.intensity_g_per_kwh >= 0 ? fixed : NULL;
	params[10] = env->have_config ? "true" : "false";
	for (d = 11; d < N_PARAMS; d++)
		params[d] = NULL;
	/* A few large scans and hash joins: compiling them costs more than
	 * it saves. For these two queries' transaction only (SET LOCAL), so
	 * that no session state is left, through a pooler too. */
	PQclear(PQexec(conn, "BEGIN"));
	PQclear(PQexec(conn, "SET LOCAL jit = off"));
	sites = PQexecParams(conn, all_stored_sql, N_PARAMS, param_types, params, NULL, NULL, 0);
	if (PQresultStatus(sites) != PGRES_TUPLES_OK || PQntuples(sites) != 1) {
		report_sql_error("cannot read carbon.job_total", sites);
		goto out;
	}
	all_stored = PQgetvalue(sites, 0, PQfnumber(sites, "all_stored"))[0] == 't';
	params[11] = pg_text_or_null(sites, 0, PQfnumber(sites, "clusters"));
	params[12] = pg_text_or_null(sites, 0, PQfnumber(sites, "pues"));
	params[13] = pg_text_or_null(sites, 0, PQfnumber(sites, "zones"));
	params[14] = pg_text_or_null(sites, 0, PQfnumber(sites, "fixeds"));
	params[15] = pg_text_or_null(sites, 0, PQfnumber(sites, "span_starts"));
	params[16] = pg_text_or_null(sites, 0, PQfnumber(sites, "span_ends"));
	params[17] = pg_text_or_null(sites, 0, PQfnumber(sites, "span_pues"));
	params[18] = pg_text_or_null(sites, 0, PQfnumber(sites, "span_gs"));
	/* The sums at a span's rate only where a span has one: they cost
	 * the others' reports a third more time in this query. */
	spans = !all_stored && PQgetvalue(sites, 0, PQfnumber(sites, "any_span"))[0] == 't';
	stored = all_stored ? "true" : STORED_SQL;
	if (asprintf(&sql, sum_fmt, key_text_sql(key, 0), key_text_sql(sub_key, 1),
		     key_sql[key], key_sql[sub_key],
		     stored, spans ? SPAN_FACILITY_SQL : "",
		     stored, spans ? SPAN_CO2E_SQL : "",
		     stored, spans ? " AND NOT " SPAN_PRICED_SQL : "",
		     all_stored ? "" : SITE_OF_JOB_SQL)
	    < 0) {
		sql = NULL;
		fputs("carbon-report: out of memory\n", stderr);
		goto out;
	}
	/* The groups are few (projects x users, days), but the planner, with
	 * no statistics of the key expressions, expects up to one a job and
	 * sorts every job row on disk to group them (0.5-0.7 s of 1 M
	 * records' track); hashing spills in batches where groups are many.
	 * With work_mem's default 4 MB it spilled already at 10 M records
	 * (2.5 M jobs) for track's days: 69 000 groups (projects x days) need
	 * 33-41 MB, and the spill, 129 batches and 240 MB written to disk, was
	 * a third of that query's time. */
	PQclear(PQexec(conn, "SET LOCAL enable_sort = off"));
	PQclear(PQexec(conn, "SET LOCAL work_mem = '64MB'"));
	res = PQexecParams(conn, sql, N_PARAMS, param_types, params, NULL, NULL, 0);
	PQclear(PQexec(conn, "COMMIT"));
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		report_sql_error("cannot add up carbon.job_total", res);
		goto out;
	}
	n = PQntuples(res);
	for (row = 0; row < n; row++) {
		totals_init(&part);
		part.jobs = (size_t)number(res, row, "jobs");
		part.cpu_time_s = number(res, row, "cpu_time_s");
		part.cpu_time_rows = (size_t)number(res, row, "cpu_time_rows");
		part.wall_s = number(res, row, "wall_s");
		part.gpu_s = number(res, row, "gpu_s");
		part.gpu_jobs = (size_t)number(res, row, "gpu_jobs");
		for (d = 0; d < DOMAIN_COUNT; d++) {
			part.energy_kwh[d] = number(res, row, energy_col[d]) / JOULES_PER_KWH;
			part.it_kwh += part.energy_kwh[d];
		}
		part.facility_kwh = number(res, row, "facility_kwh");
		part.co2e_kg = number(res, row, "co2e_kg");
		part.first_start_s = number(res, row, "first_start");
		part.last_end_s = number(res, row, "last_end");
		stale += number(res, row, "stale");
		if (add_part(groups, pg_text_or_null(res, row, 0), sub_key, pg_text_or_null(res, row, 1),
			     all, &part) < 0)
			goto out;
	}
	if (stale > 0 && add_stale(conn, params, key, sub_key, groups, all) < 0)
		goto out;
	slow.needs_records_only = true;
	if (add_jobs(conn, &slow, env, key, sub_key, groups, all) < 0 ||
	    jobsum_add_imported(conn, f, key, sub_key, groups, all) < 0)
		goto out;
	rc = 0;
out:
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, "ROLLBACK"));
	PQclear(res);
	PQclear(sites);
	free(sql);
	job_filter_params_free(&fp);
	return rc;
}

int jobsum_load_track(PGconn *conn, const struct job_filter *f, const struct report_env *env,
		      struct group_list *projects, struct job_totals *all)
{
	struct group_list by_day = { 0 };
	struct job_totals all_days;
	size_t i;
	int rc = -1;

	if (jobsum_load(conn, f, env, JOB_KEY_PROJECT, JOB_KEY_USER, projects, all) < 0 ||
	    jobsum_load(conn, f, env, JOB_KEY_PROJECT, JOB_KEY_DAY, &by_day, &all_days) < 0)
		goto out;
	group_list_sort_by_key(projects);
	for (i = 0; i < projects->n; i++)
		group_list_sort_by_key(&projects->g[i].sub);
	/* The same jobs by day: each project's days move to it. */
	for (i = 0; i < by_day.n; i++) {
		struct group *p = group_find(projects, by_day.g[i].key);

		if (!p)
			continue;	/* a job that ended between the two queries */
		p->days = by_day.g[i].sub;
		memset(&by_day.g[i].sub, 0, sizeof(by_day.g[i].sub));
		group_list_sort_by_key(&p->days);
	}
	rc = 0;
out:
	group_list_free(&by_day);
	return rc;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The emission statement from the database: its jobs (jobset.c), where
 * their PUE came from, and the CodeCarbon runs imported for its scope. */
#include "statement.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where the PUE of the statement's energy came from: carbon.pue_at's source
 * for every hour bucket and start of the job instances (cluster $1, job id
 * $2, instance $3, as jobset_arrays_build() writes them), as the totals used it
 * (sql/005, sql/014); $4: each job's first record's start. */
static const char pue_source_sql[] =
	"SELECT DISTINCT p.source FROM ("
	" SELECT h.cluster AS c, h.hour AS t FROM carbon.job_energy_hour h"
	"  JOIN unnest($1::text[], $2::bigint[], $3::timestamptz[]) AS j(c, id, js)"
	"  ON h.cluster = j.c AND h.job_id = j.id AND h.job_start = j.js"
	" UNION SELECT j.c, to_timestamp(j.s) FROM unnest($1::text[], $4::float8[]) AS j(c, s)"
	") x CROSS JOIN LATERAL carbon.pue_at(x.c, x.t, $5::float8) p ORDER BY 1";

static int read_pue_source(PGconn *conn, const struct jobset *set,
			   const struct report_env *env, struct statement *st)
{
	struct jobset_arrays a;
	char pue[32];
	const char *params[5];
	PGresult *res = NULL;
	int rc = -1, r;

	if (jobset_arrays_build(set, &a) < 0) {
		fputs("carbon-report: out of memory\n", stderr);
		return -1;
	}
	snprintf(pue, sizeof(pue), "%.17g", env->conf.pue);
	params[0] = a.clusters;
	params[1] = a.ids;
	params[2] = a.instances;
	params[3] = a.starts;
	params[4] = pue;
	res = PQexecParams(conn, pue_source_sql, 5, NULL, params, NULL, NULL, 0);
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
	jobset_arrays_free(&a);
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

int statement_load(PGconn *conn, const struct job_filter *f, const struct report_env *env,
		   struct statement *st)
{
	struct jobset *set;

	set = calloc(1, sizeof(*set));
	if (!set) {
		fputs("carbon-report: out of memory\n", stderr);
		return -1;
	}
	if (jobset_load(conn, f, env, set) < 0) {
		free(set);
		return -1;
	}
	st->set = set;
	st->data = set->data;
	st->software = CARBON_VERSION;
	if (read_imported(conn, f, &st->imp) < 0)
		return -1;
	if (set->n == 0 && st->imp.runs == 0) {
		fprintf(stderr, "carbon-report statement: no jobs with energy records for %s %s%s (unknown, not yours, or outside -S/-E)\n",
			st->by, st->who, f->cluster ? " on that cluster" : "");
		return 1;
	}
	if (statement_add_jobs(st, set) < 0) {
		fputs("carbon-report: out of memory\n", stderr);
		return -1;
	}
	st->pue = st->it_kwh > 0 ? st->facility_kwh / st->it_kwh : env->conf.pue;
	if (set->n == 0)
		snprintf(st->pue_source, sizeof(st->pue_source), "carbon.conf");
	else if (read_pue_source(conn, set, env, st) < 0)
		return -1;
	statement_add_imported(st, set->n > 0);
	statement_set_embodied(st, &env->conf);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The emission statement from the database: its jobs (jobset.c), where
 * their PUE came from, and the CodeCarbon runs imported for its scope. */
#include "statement.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intensity_csv.h"
#include "jobsum.h"
#include "pgresult.h"

/* Where the PUE of the statement's energy came from, for every hour bucket
 * and start of the job instances (cluster $1, job id $2, instance $3: the
 * job's start as slurmctld gave it, NULL for the instance '-infinity' of
 * records that do not say, as jobset_arrays_build() writes them; $4: each
 * job's first record's start), as the totals used it (sql/005, sql/014): the PUE period in force (sql/020
 * carbon.pue_period_at), else the setting, with when the cluster's site
 * settings were recorded where they hold a PUE (site_source_setting picks
 * carbon.conf, those, or the default). */
static const char pue_source_sql[] =
	"SELECT DISTINCT extract(epoch FROM pp.valid_from)::float8 AS valid_from,"
	" extract(epoch FROM pp.valid_to)::float8 AS valid_to,"
	" CASE WHEN pp.valid_from IS NULL AND cs.pue IS NOT NULL"
	"  THEN extract(epoch FROM cs.updated_at)::float8 END AS recorded"
	" FROM ("
	" SELECT h.cluster AS c, h.hour AS t FROM carbon.job_energy_hour h"
	"  JOIN unnest($1::text[], $2::bigint[], $3::timestamptz[]) AS j(c, id, js)"
	"  ON h.cluster = j.c AND h.job_id = j.id AND h.job_start = j.js"
	" UNION SELECT j.c, to_timestamp(j.s) FROM unnest($1::text[], $4::float8[]) AS j(c, s)"
	") x LEFT JOIN carbon.cluster_site cs ON cs.cluster = x.c"
	" LEFT JOIN LATERAL carbon.pue_period_at(x.c, x.t) pp ON true"
	" ORDER BY 1, 2, 3";


static bool same_source(const struct site_source *a, const struct site_source *b)
{
	return a->kind == b->kind && (a->kind == SOURCE_CONF || a->kind == SOURCE_DEFAULT ||
				      (a->from_s == b->from_s &&
				       (a->to_s == b->to_s || (isnan(a->to_s) && isnan(b->to_s)))));
}

static int read_pue_source(PGconn *conn, const struct jobset *set,
			   const struct report_env *env, struct statement *st)
{
	struct jobset_arrays a;
	const char *params[4];
	PGresult *res = NULL;
	int rc = -1, r, n;
	size_t k;

	if (jobset_arrays_build(set, &a) < 0) {
		fputs("carbon-report: out of memory\n", stderr);
		return -1;
	}
	params[0] = a.clusters;
	params[1] = a.ids;
	params[2] = a.instances;
	params[3] = a.starts;
	res = PQexecParams(conn, pue_source_sql, 4, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		report_sql_error("cannot read where the PUE comes from", res);
		goto out;
	}
	n = PQntuples(res);
	st->pue_sources = calloc(n ? (size_t)n : 1, sizeof(*st->pue_sources));
	if (!st->pue_sources) {
		fputs("carbon-report: out of memory\n", stderr);
		goto out;
	}
	for (r = 0; r < n; r++) {
		struct site_source s;
		double from = pg_number(res, r, "valid_from");

		if (!isnan(from)) {
			memset(&s, 0, sizeof(s));
			s.kind = SOURCE_PERIOD;
			s.from_s = from;
			s.to_s = pg_number(res, r, "valid_to");
		} else {
			site_source_setting(&s, env, pg_number(res, r, "recorded"));
		}
		for (k = 0; k < st->n_pue_sources && !same_source(&st->pue_sources[k], &s); k++)
			;
		if (k == st->n_pue_sources)
			st->pue_sources[st->n_pue_sources++] = s;
	}
	if (!st->n_pue_sources)
		site_source_setting(&st->pue_sources[st->n_pue_sources++], env, NAN);
	rc = 0;
out:
	PQclear(res);
	jobset_arrays_free(&a);
	return rc;
}

/* Read into imp the imported runs f selects, added up as summary and track
 * add them (jobsum_add_imported: every figure of its totals is imported).
 * Returns 0, or -1 after printing why. */
static int read_imported(PGconn *conn, const struct job_filter *f, struct imported_runs *imp)
{
	struct group_list none = { 0 };
	struct job_totals all;
	int rc;

	totals_init(&all);
	rc = jobsum_add_imported(conn, f, JOB_KEY_NONE, JOB_KEY_NONE, &none, &all);
	group_list_free(&none);
	memset(imp, 0, sizeof(*imp));
	imp->runs = all.imported_runs;
	memcpy(imp->energy_kwh, all.energy_kwh, sizeof(imp->energy_kwh));
	imp->it_kwh = all.it_kwh;
	imp->facility_kwh = all.facility_kwh;
	imp->co2e_kg = all.co2e_kg;
	imp->duration_s = all.imported_s;
	imp->first_s = all.first_start_s;
	imp->last_s = all.last_end_s;
	if (rc == 0 && imp->runs)
		rc = jobsum_estimated(conn, f, &imp->estimated_runs, &imp->estimated_facility_kwh,
				      &imp->estimated_kg, &imp->estimated_how);
	return rc;
}

/* The jobs and runs per project and user, as track adds them up, for the
 * JSON's track member. */
static int read_track(PGconn *conn, const struct job_filter *f, const struct report_env *env,
		      struct statement *st)
{
	struct job_totals all;

	return jobsum_load_track(conn, f, env, &st->track, &all);
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
	if (site_source_name_intensity(conn, env, set) < 0) {
		jobset_free(set);
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
	if (set->n == 0) {
		/* No jobs: the PUE shown is carbon.conf's or the default. */
		st->pue_sources = calloc(1, sizeof(*st->pue_sources));
		if (!st->pue_sources) {
			fputs("carbon-report: out of memory\n", stderr);
			return -1;
		}
		site_source_setting(&st->pue_sources[st->n_pue_sources++], env, NAN);
	} else if (read_pue_source(conn, set, env, st) < 0) {
		return -1;
	}
	statement_add_imported(st, set->n > 0);
	statement_set_embodied(st, &env->conf);
	return read_track(conn, f, env, st);
}

/* ---- what if (counterfactual) ------------------------------------------- */

/* Each zone's latest annual figure (not the world's); $1: one zone, or NULL
 * for all; ordered lowest first, at most $2. */
static const char what_if_zones_sql[] =
	"SELECT zone, g_per_kwh, year, dataset FROM ("
	" SELECT DISTINCT ON (zone) zone, g_per_kwh, year, dataset FROM carbon.intensity_annual"
	" WHERE kind <> 'world' AND ($1::text IS NULL OR zone = $1::text)"
	" ORDER BY zone, year DESC, dataset) a"
	" ORDER BY g_per_kwh, zone LIMIT $2::int";

/* The zone's hourly series over the week from $2 (epoch seconds): one row
 * per hour, NULL where no row of at most an hour covers its start; the
 * average signal, lifecycle before direct, as carbon.intensity_at. */
static const char what_if_week_sql[] =
	"SELECT (SELECT s.g_per_kwh FROM carbon.intensity_series s"
	"  WHERE s.zone = $1 AND s.signal = 'average' AND s.start_time <= h AND s.end_time > h"
	"  AND s.end_time - s.start_time <= interval '1 hour'"
	"  ORDER BY s.scope = 'lifecycle' DESC LIMIT 1) AS g_per_kwh"
	" FROM generate_series(to_timestamp($2::float8),"
	"  to_timestamp($2::float8) + interval '167 hours', interval '1 hour') AS h ORDER BY h";

/* Add the zones res holds to w, marked named or not; skips one already in. */
static void add_zones(struct what_if *w, const PGresult *res, bool named)
{
	int r;
	size_t i;

	for (r = 0; r < PQntuples(res) && w->n_zones < sizeof(w->zones) / sizeof(w->zones[0]); r++) {
		struct what_if_zone *z = &w->zones[w->n_zones];
		const char *zone = PQgetvalue(res, r, 0);

		for (i = 0; i < w->n_zones && strcmp(w->zones[i].zone, zone); i++)
			;
		if (i < w->n_zones) {
			w->zones[i].named |= named;
			continue;
		}
		snprintf(z->zone, sizeof(z->zone), "%s", zone);
		z->g_per_kwh = strtod(PQgetvalue(res, r, 1), NULL);
		z->year = atoi(PQgetvalue(res, r, 2));
		snprintf(z->dataset, sizeof(z->dataset), "%s", PQgetvalue(res, r, 3));
		z->named = named;
		w->n_zones++;
	}
}

int statement_what_if(PGconn *conn, struct statement *st, const char *const *zones, size_t n)
{
	struct what_if *w = &st->what_if;
	double g[WHAT_IF_WEEK_HOURS];
	char limit[16], week[32];
	const char *params[2];
	PGresult *res = NULL;
	size_t i;
	int h, known = 0, rc = -1;

	memset(w, 0, sizeof(*w));
	w->facility_kwh = st->facility_kwh;
	/* The lowest first, then the named ones (i - 1). */
	for (i = 0; i <= n; i++) {
		const char *zone = i ? zones[i - 1] : NULL;

		params[0] = zone;
		snprintf(limit, sizeof(limit), "%d", zone ? 1 : WHAT_IF_LOWEST);
		params[1] = limit;
		res = PQexecParams(conn, what_if_zones_sql, 2, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			report_sql_error("cannot read the annual intensities for the what-if", res);
			goto out;
		}
		if (zone && PQntuples(res) == 0) {
			fprintf(stderr, "carbon-report statement: --what-if-zone %s: " ZONE_UNKNOWN_HINT "\n",
				zone);
			rc = -2;
			goto out;
		}
		add_zones(w, res, zone != NULL);
		PQclear(res);
		res = NULL;
	}
	what_if_price(w);

	w->shift.why = "the statement's intensity has no zone";
	if (st->in.zone[0] && st->jobs) {
		double ws = what_if_week_start(st->start_s);

		snprintf(w->shift.zone, sizeof(w->shift.zone), "%s", st->in.zone);
		snprintf(week, sizeof(week), "%.0f", ws);
		params[0] = st->in.zone;
		params[1] = week;
		res = PQexecParams(conn, what_if_week_sql, 2, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != WHAT_IF_WEEK_HOURS) {
			report_sql_error("cannot read the hourly intensity series for the what-if", res);
			goto out;
		}
		for (h = 0; h < WHAT_IF_WEEK_HOURS; h++) {
			g[h] = PQgetisnull(res, h, 0) ? NAN : strtod(PQgetvalue(res, h, 0), NULL);
			known += !PQgetisnull(res, h, 0);
		}
		if (known)
			what_if_shift(w, g, ws, st->start_s, st->end_s);
		else
			w->shift.why = "no hourly intensity series for the zone in the week of the work";
	}
	w->done = true;
	rc = 0;
out:
	PQclear(res);
	return rc;
}

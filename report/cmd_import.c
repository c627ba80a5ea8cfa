/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report import intensity: a carbon-intensity time series into
 * carbon.intensity_series; import codecarbon: CodeCarbon runs into
 * carbon.imported_run. All of a file or nothing. import estimate: work that
 * was not tracked, from hardware x hours x place, as one imported run. */
#include "report.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecarbon_csv.h"
#include "db.h"
#include "estimate.h"
#include "intensity_csv.h"
#include "utctime.h"

#define COPY_CHUNK 65536	/* bytes of COPY text sent at a time */
#define ZONES_LISTED 3		/* more zones are printed as a count */

static void usage(FILE *fp)
{
	fputs("Usage: carbon-report import intensity FILE [--zone ZONE]\n"
	      "       carbon-report import codecarbon FILE -A PROJECT [-t TAG]\n"
	      "       carbon-report import estimate --gpu MODEL --count N --hours H\n"
	      "             --zone ZONE -A PROJECT [-t TAG] [--cpu MODEL --cpu-count N]\n"
	      "             [--pue X]\n\n"
	      "Load a carbon-intensity time series into carbon.intensity_series.\n"
	      "FILE is an Electricity Maps CSV export (both the direct and the LCA\n"
	      "intensity are loaded) or a CSV with the header zone,start,g_per_kwh and\n"
	      "optionally end, signal (average|marginal), scope (direct|lifecycle).\n"
	      "A row without an end lasts until the next row of its zone; the last one\n"
	      "lasts as long as the file's spacing (hourly, daily, monthly), else 1 hour.\n"
	      "The whole file is checked first: one bad row and nothing is imported.\n"
	      "Importing a file again updates its rows; nothing is doubled.\n\n"
	      "  --zone ZONE  the zone of every row (e.g. DE, US-CAL-CISO), for files\n"
	      "               without one or to override the file's\n\n"
	      "import codecarbon adds the rows of a CodeCarbon emissions.csv (work done\n"
	      "off the cluster) to carbon.imported_run, as runs of PROJECT (and TAG), in\n"
	      "your name, method 'codecarbon'. Columns are found by name; one bad row\n"
	      "and nothing is imported; rows imported before are not added again.\n"
	      "  -A, --project PROJECT  the project the runs count for (required)\n"
	      "  -t, --tag TAG          their tag\n\n"
	      "import estimate adds one run that was not tracked, estimated as the ML CO2\n"
	      "Impact calculator does: each GPU (and CPU socket) at its TDP from the\n"
	      "tables of data/ for the whole time, times the PUE, times ZONE's annual\n"
	      "intensity (carbon.intensity_annual, e.g. aws:us-east-1, gcp:europe-west1,\n"
	      "azure:westus2, DE). Method 'estimate'; statements count it as estimated.\n"
	      "  --gpu MODEL, --count N      GPU model (e.g. \"A100 PCIe\") and how many\n"
	      "  --cpu MODEL, --cpu-count N  CPU model and sockets (optional)\n"
	      "  --hours H                   how long the hardware ran (up to 8784)\n"
	      "  --pue X                     the data centre's PUE, 1.0 to 3.0 (default 1.0)\n",
	      fp);
}

static const char temp_table_sql[] =
	"CREATE TEMP TABLE intensity_in ("
	" zone text NOT NULL, start_time timestamptz NOT NULL,"
	" end_time timestamptz NOT NULL, g_per_kwh float8 NOT NULL,"
	" signal text NOT NULL, scope text NOT NULL) ON COMMIT DROP";

/* Rows of the file already stored, before the upsert changes them. */
static const char existing_sql[] =
	"SELECT count(*) AS existing FROM pg_temp.intensity_in i"
	" JOIN carbon.intensity_series s USING (zone, start_time, signal, scope)";

/* A stored row whose values are the file's is left alone (not "updated"). */
static const char upsert_sql[] =
	"INSERT INTO carbon.intensity_series AS s"
	" (zone, start_time, end_time, g_per_kwh, signal, scope, dataset)"
	" SELECT zone, start_time, end_time, g_per_kwh, signal, scope, $1::text"
	" FROM pg_temp.intensity_in"
	" ON CONFLICT (zone, start_time, signal, scope) DO UPDATE"
	" SET end_time = EXCLUDED.end_time, g_per_kwh = EXCLUDED.g_per_kwh,"
	"  dataset = EXCLUDED.dataset, imported_at = now()"
	" WHERE (s.end_time, s.g_per_kwh, s.dataset)"
	"  IS DISTINCT FROM (EXCLUDED.end_time, EXCLUDED.g_per_kwh, EXCLUDED.dataset)";

/* After the upsert: does a stored row of another start overlap one of the
 * file's? The file's intervals do not overlap each other and the stored ones
 * did not either, so looking at each row's neighbours in its series (an
 * index range each, through the primary key) is enough. */
static const char overlap_sql[] =
	"SELECT i.zone, i.signal, i.scope,"
	" to_char(i.start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS file_start,"
	" to_char(o.start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS stored_start,"
	" to_char(o.end_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS stored_end,"
	" o.dataset"
	" FROM pg_temp.intensity_in i"
	" CROSS JOIN LATERAL ("
	"  (SELECT s.start_time, s.end_time, s.dataset FROM carbon.intensity_series s"
	"   WHERE s.zone = i.zone AND s.signal = i.signal AND s.scope = i.scope"
	"   AND s.start_time < i.start_time ORDER BY s.start_time DESC LIMIT 1)"
	"  UNION ALL"
	"  (SELECT s.start_time, s.end_time, s.dataset FROM carbon.intensity_series s"
	"   WHERE s.zone = i.zone AND s.signal = i.signal AND s.scope = i.scope"
	"   AND s.start_time > i.start_time ORDER BY s.start_time LIMIT 1)) o"
	" WHERE o.start_time < i.end_time AND o.end_time > i.start_time"
	" ORDER BY i.zone, i.start_time LIMIT 1";

struct import_counts {
	size_t added, updated, unchanged;
};

/* Send the values as COPY text. Zones hold no tab, newline or backslash
 * (intensity_zone_valid), so no field needs escaping. */
static int copy_values(PGconn *conn, const struct intensity_file *f,
		       struct progress *progress, char *err, size_t errlen)
{
	char *buf = NULL, start[40], end[40];
	size_t len = 0, i, sent = 0;
	PGresult *res = NULL;
	int rc = -1;

	if (db_exec(conn, "COPY pg_temp.intensity_in FROM STDIN", err, errlen) < 0)
		goto out;
	buf = malloc(COPY_CHUNK + 512);
	if (!buf) {
		PQputCopyEnd(conn, "out of memory");
		snprintf(err, errlen, "out of memory");
		goto drain;
	}
	for (i = 0; i < f->n_values; i++) {
		const struct intensity_value *v = &f->values[i];

		len += (size_t)snprintf(buf + len, 512, "%s\t%s\t%s\t%.17g\t%s\t%s\n", v->zone,
					utc_timestamp_us((double)v->start_s, start, sizeof(start)),
					utc_timestamp_us((double)v->end_s, end, sizeof(end)), v->g_per_kwh,
					intensity_signal_name(v->signal),
					intensity_scope_name(v->scope));
		if (len >= COPY_CHUNK || i + 1 == f->n_values) {
			if (PQputCopyData(conn, buf, (int)len) != 1) {
				db_error_line(conn, err, errlen);
				PQputCopyEnd(conn, "sending failed");
				goto drain;
			}
			len = 0;
			progress_advance(progress, i + 1 - sent);
			sent = i + 1;
		}
	}
	if (PQputCopyEnd(conn, NULL) != 1) {
		db_error_line(conn, err, errlen);
		goto drain;
	}
	res = PQgetResult(conn);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_error_line(conn, err, errlen);
		goto drain;
	}
	rc = 0;
drain:
	/* Read what is left of the COPY's results, so the connection is
	 * ready for ROLLBACK. */
	PQclear(res);
	while ((res = PQgetResult(conn)))
		PQclear(res);
out:
	free(buf);
	return rc;
}

static int count_existing(PGconn *conn, size_t *existing, char *err, size_t errlen)
{
	PGresult *res = PQexec(conn, existing_sql);
	int rc = -1;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		db_error_line(conn, err, errlen);
		goto out;
	}
	*existing = strtoul(PQgetvalue(res, 0, PQfnumber(res, "existing")), NULL, 10);
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* Returns 0, 1 when stored rows overlap the file's (reason in err), or -1. */
static int check_overlaps(PGconn *conn, char *err, size_t errlen)
{
	PGresult *res = PQexec(conn, overlap_sql);
	int rc = -1;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_error_line(conn, err, errlen);
		goto out;
	}
	rc = 0;
	if (PQntuples(res) == 0)
		goto out;
	snprintf(err, errlen,
		 "the file's %s %s %s value at %s overlaps a stored one (%s .. %s) of dataset '%s';"
		 " remove those rows first if the file replaces them",
		 PQgetvalue(res, 0, PQfnumber(res, "zone")),
		 PQgetvalue(res, 0, PQfnumber(res, "signal")),
		 PQgetvalue(res, 0, PQfnumber(res, "scope")),
		 PQgetvalue(res, 0, PQfnumber(res, "file_start")),
		 PQgetvalue(res, 0, PQfnumber(res, "stored_start")),
		 PQgetvalue(res, 0, PQfnumber(res, "stored_end")),
		 PQgetvalue(res, 0, PQfnumber(res, "dataset")));
	rc = 1;
out:
	PQclear(res);
	return rc;
}

/* Store f's values under dataset in one transaction. Returns 0, or -1 (or 1:
 * a conflict with stored rows) with the reason in err and nothing stored. */
static int store_series(PGconn *conn, const struct intensity_file *f,
			const char *dataset, struct import_counts *c,
			struct progress *progress, char *err, size_t errlen)
{
	const char *params[1] = { dataset };
	PGresult *res = NULL;
	size_t existing = 0, changed;
	bool in_tx = false;
	int rc = -1, r;

	if (db_exec(conn, "BEGIN", err, errlen) < 0)
		goto out;
	in_tx = true;
	/* The connection's statement timeout is for queries; a year of
	 * values for many zones may take longer. Concurrent imports wait for
	 * each other, so the counts below are exact; readers never wait. */
	if (db_exec(conn, "SET LOCAL statement_timeout = 0", err, errlen) < 0 ||
	    db_exec(conn, temp_table_sql, err, errlen) < 0 ||
	    copy_values(conn, f, progress, err, errlen) < 0 ||
	    db_exec(conn, "LOCK TABLE carbon.intensity_series IN SHARE ROW EXCLUSIVE MODE",
		    err, errlen) < 0 ||
	    count_existing(conn, &existing, err, errlen) < 0)
		goto out;
	res = PQexecParams(conn, upsert_sql, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_error_line(conn, err, errlen);
		goto out;
	}
	changed = strtoul(PQcmdTuples(res), NULL, 10);
	if ((r = check_overlaps(conn, err, errlen)) != 0) {
		rc = r;
		goto out;
	}
	in_tx = false;
	if (db_exec(conn, "COMMIT", err, errlen) < 0)
		goto out;
	c->added = f->n_values - existing;
	c->updated = changed - c->added;
	c->unchanged = existing - c->updated;
	rc = 0;
out:
	PQclear(res);
	if (in_tx)
		PQclear(PQexec(conn, "ROLLBACK"));
	return rc;
}

/* "DE", "DE, FR" or "12 zones": the zones in the order of the file. */
static void zone_list(const struct intensity_file *f, char *buf, size_t n)
{
	const char *seen[ZONES_LISTED];
	size_t n_seen = 0, n_zones = 0, i, j, len = 0;

	buf[0] = '\0';
	for (i = 0; i < f->n_values; i++) {
		const char *z = f->values[i].zone;

		for (j = 0; j < i && strcmp(f->values[j].zone, z); j++)
			;
		if (j < i)
			continue;
		n_zones++;
		if (n_seen < ZONES_LISTED)
			seen[n_seen++] = z;
	}
	if (n_zones > ZONES_LISTED) {
		snprintf(buf, n, "%zu zones", n_zones);
		return;
	}
	for (i = 0; i < n_seen && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", seen[i]);
}

static void print_summary(const char *path, const struct intensity_file *f,
			  const struct import_counts *c)
{
	char zones[256], spacing[32], a[32], b[32];
	int64_t first = f->values[0].start_s, last = f->values[0].end_s;
	size_t i;

	for (i = 1; i < f->n_values; i++) {
		if (f->values[i].start_s < first)
			first = f->values[i].start_s;
		if (f->values[i].end_s > last)
			last = f->values[i].end_s;
	}
	zone_list(f, zones, sizeof(zones));
	intensity_spacing_name(f, spacing, sizeof(spacing));
	printf("imported %zu %s%svalues for %s (%s .. %s) from %s: %zu new, %zu updated, %zu unchanged\n",
	       f->n_values, spacing, spacing[0] ? " " : "", zones,
	       utc_format((double)first, UTC_MINUTE, a, sizeof(a)),
	       utc_format((double)last, UTC_MINUTE, b, sizeof(b)), path,
	       c->added, c->updated, c->unchanged);
}

static int import_intensity(struct report_env *env, const char *path, const char *zone)
{
	struct intensity_file f = { 0 };
	struct import_counts counts = { 0 };
	char err[1024], dataset[512];
	const char *base;
	PGconn *conn = NULL;
	unsigned line = 0;
	FILE *fp;
	int rc = EXIT_USAGE, r;

	fp = fopen(path, "r");
	if (!fp) {
		fprintf(stderr, "carbon-report: cannot read %s: %s\n", path, strerror(errno));
		goto out;
	}
	r = intensity_csv_parse(fp, zone, &f, &line, err, sizeof(err));
	fclose(fp);
	if (r < 0) {
		fprintf(stderr, "carbon-report: %s:%u: %s\n"
			"carbon-report: nothing was imported; correct the file and run the import again\n",
			path, line, err);
		goto out;
	}

	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (f.format == INTENSITY_ELECTRICITY_MAPS)
		snprintf(dataset, sizeof(dataset), "Electricity Maps (%s)", base);
	else
		snprintf(dataset, sizeof(dataset), "%s", base);

	rc = EXIT_NODATA;
	conn = report_connect(env);
	if (!conn)
		goto out;
	progress_begin(&env->progress, f.n_values, PROGRESS_COUNT, "import intensity", "values");
	r = store_series(conn, &f, dataset, &counts, &env->progress, err, sizeof(err));
	progress_end(&env->progress);
	if (r != 0) {
		fprintf(stderr, "carbon-report: import of %s failed, nothing was imported: %s\n",
			path, err);
		goto out;
	}
	print_summary(path, &f, &counts);
	db_refresh_job_carbon(conn, &env->progress);
	rc = EXIT_OK;
out:
	PQfinish(conn);
	intensity_file_free(&f);
	return rc;
}

/* ---- import codecarbon --------------------------------------------------- */

/* One run; the row already there (same project, run, experiment and time)
 * stays, so that a file imported twice is counted once. cpu_kwh, gpu_kwh
 * and ram_kwh are IT energy (cc_run_it_kwh), energy_kwh the facility
 * energy (energy_consumed) and pue the row's, as sql/007 and 020 keep them. */
static const char insert_run_sql[] =
	"INSERT INTO carbon.imported_run (project, tag, run_id, experiment_id, \"timestamp\","
	" duration_s, emissions_kg, cpu_kwh, gpu_kwh, ram_kwh, energy_kwh, pue,"
	" country_iso_code, region, source_file)"
	" VALUES ($1, $2, $3, $4, to_timestamp($5::float8), $6, $7, $8, $9, $10, $11,"
	" $12, $13, $14, $15)"
	" ON CONFLICT (project, run_id, experiment_id, \"timestamp\") DO NOTHING";

#define RUN_PARAMS 15
#define NUM_TEXT 32	/* "%.17g" of a double, with the NUL */

/* v as a parameter: NULL for NaN (an empty cell), all 17 digits otherwise,
 * so the database holds the file's number. */
static const char *num_param(double v, char *buf)
{
	if (isnan(v))
		return NULL;
	snprintf(buf, NUM_TEXT, "%.17g", v);
	return buf;
}

static const char *text_param(const char *s)
{
	return *s ? s : NULL;
}

/* Store f's runs in one transaction; *added: how many were new. Returns 0,
 * or -1 with the reason in err and nothing stored. */
static int store_runs(PGconn *conn, const struct cc_file *f, const char *project,
		      const char *tag, const char *source, size_t *added,
		      struct progress *progress, char *err, size_t errlen)
{
	char nums[8][NUM_TEXT];
	const char *params[RUN_PARAMS];
	PGresult *res = NULL;
	bool in_tx = false;
	size_t i;
	int rc = -1;

	*added = 0;
	if (db_exec(conn, "BEGIN", err, errlen) < 0)
		goto out;
	in_tx = true;
	for (i = 0; i < f->n_runs; i++) {
		const struct cc_run *r = &f->runs[i];

		params[0] = project;
		params[1] = tag;
		params[2] = r->run_id;
		params[3] = r->experiment_id;
		params[4] = num_param(r->timestamp, nums[0]);
		params[5] = num_param(r->duration_s, nums[1]);
		params[6] = num_param(r->emissions_kg, nums[2]);
		params[7] = num_param(cc_run_it_kwh(r, r->cpu_kwh), nums[3]);
		params[8] = num_param(cc_run_it_kwh(r, r->gpu_kwh), nums[4]);
		params[9] = num_param(cc_run_it_kwh(r, r->ram_kwh), nums[5]);
		params[10] = num_param(r->energy_kwh, nums[6]);
		params[11] = num_param(r->pue, nums[7]);
		params[12] = text_param(r->country_iso_code);
		params[13] = text_param(r->region);
		params[14] = source;
		res = PQexecParams(conn, insert_run_sql, RUN_PARAMS, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			char why[512];

			db_error_line(conn, why, sizeof(why));
			snprintf(err, errlen, "line %u: %s", r->line, why);
			goto out;
		}
		*added += strtoul(PQcmdTuples(res), NULL, 10);
		PQclear(res);
		res = NULL;
		progress_advance(progress, 1);
	}
	in_tx = false;
	if (db_exec(conn, "COMMIT", err, errlen) < 0)
		goto out;
	rc = 0;
out:
	PQclear(res);
	if (in_tx)
		PQclear(PQexec(conn, "ROLLBACK"));
	return rc;
}

static int import_codecarbon(struct report_env *env, const char *path, const char *project,
			     const char *tag)
{
	struct cc_file f = { 0 };
	char err[1024];
	const char *base;
	PGconn *conn = NULL;
	double kg = 0.0, kwh = 0.0;
	size_t added = 0, i;
	unsigned line = 0;
	FILE *fp;
	int rc = EXIT_USAGE, r;

	fp = fopen(path, "r");
	if (!fp) {
		fprintf(stderr, "carbon-report: cannot read %s: %s\n", path, strerror(errno));
		goto out;
	}
	r = cc_csv_parse(fp, &f, &line, err, sizeof(err));
	fclose(fp);
	if (r < 0) {
		fprintf(stderr, "carbon-report: %s:%u: %s\n"
			"carbon-report: nothing was imported; correct the file and run the import again\n",
			path, line, err);
		goto out;
	}
	for (i = 0; i < f.n_runs; i++) {
		kg += f.runs[i].emissions_kg;
		kwh += f.runs[i].energy_kwh;
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;

	rc = EXIT_NODATA;
	conn = report_connect(env);
	if (!conn)
		goto out;
	progress_begin(&env->progress, f.n_runs, PROGRESS_COUNT, "import codecarbon", "runs");
	r = store_runs(conn, &f, project, tag, base, &added, &env->progress, err, sizeof(err));
	progress_end(&env->progress);
	if (r < 0) {
		fprintf(stderr, "carbon-report: import of %s failed, nothing was imported: %s\n",
			path, err);
		goto out;
	}
	printf("imported %zu CodeCarbon run%s (%.6g kWh, %.6g kg CO2e) for project %s%s%s from %s: %zu new, %zu already there\n",
	       f.n_runs, f.n_runs == 1 ? "" : "s", kwh, kg, project, tag ? " tag " : "",
	       tag ? tag : "", path, added, f.n_runs - added);
	rc = EXIT_OK;
out:
	PQfinish(conn);
	cc_file_free(&f);
	return rc;
}

/* ---- import estimate ------------------------------------------------------ */

/* The zone's latest annual figure: db init and db upgrade load data/. */
static const char zone_annual_sql[] =
	"SELECT g_per_kwh, year, dataset FROM carbon.intensity_annual"
	" WHERE zone = $1 ORDER BY year DESC, dataset LIMIT 1";

/* The estimate as one run: IT energy by component, the facility energy,
 * the PUE and the zone; source_file says how it was estimated. */
static const char insert_estimate_sql[] =
	"INSERT INTO carbon.imported_run (project, tag, \"timestamp\", duration_s,"
	" emissions_kg, cpu_kwh, gpu_kwh, energy_kwh, pue, region, method, source_file)"
	" VALUES ($1, $2, now(), $3, $4, $5, $6, $7, $8, $9, '" ESTIMATE_METHOD "', $10)";

#define ESTIMATE_PARAMS 10

/* What the estimate assumed, in words, for source_file and the output. Only
 * the tables' model names, the numbers and the validated zone go in. */
static void estimate_words(const struct estimate_input *in, const struct estimate *e,
			   const char *zone, double g, int year, const char *dataset,
			   char *buf, size_t n)
{
	int len = 0;

	if (in->gpu)
		len = snprintf(buf, n, "%ld x %s at %g W (TDP, data/gpu_tdp.csv)", in->gpu_count,
			       e->gpu_model, e->gpu_w);
	if (in->cpu && len >= 0 && (size_t)len < n)
		len += snprintf(buf + len, n - (size_t)len, "%s%ld x %s at %g W (TDP, data/cpu_tdp.csv)",
				in->gpu ? " and " : "", in->cpu_count, e->cpu_model, e->cpu_w);
	if (len >= 0 && (size_t)len < n)
		snprintf(buf + len, n - (size_t)len,
			 " for %g h, PUE %g, in %s at %g g/kWh (%s, %d)", in->hours, in->pue, zone,
			 g, dataset, year);
}

static int import_estimate(struct report_env *env, const struct estimate_input *in,
			   const char *zone, const char *project, const char *tag)
{
	struct estimate e;
	char err[1024], words[1024], nums[7][NUM_TEXT];
	const char *params[ESTIMATE_PARAMS];
	PGconn *conn = NULL;
	PGresult *res = NULL;
	double g, kg;
	int year, rc = EXIT_USAGE;

	if (estimate_energy(in, &e, err, sizeof(err)) < 0) {
		fprintf(stderr, "carbon-report import estimate: %s\n", err);
		goto out;
	}
	rc = EXIT_NODATA;
	conn = report_connect(env);
	if (!conn)
		goto out;
	params[0] = zone;
	res = PQexecParams(conn, zone_annual_sql, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_error_line(conn, err, sizeof(err));
		fprintf(stderr, "carbon-report import estimate: %s\n", err);
		goto out;
	}
	if (PQntuples(res) == 0) {
		fprintf(stderr, "carbon-report import estimate: --zone %s: " ZONE_UNKNOWN_HINT "\n",
			zone);
		rc = EXIT_USAGE;
		goto out;
	}
	g = strtod(PQgetvalue(res, 0, 0), NULL);
	year = atoi(PQgetvalue(res, 0, 1));
	estimate_words(in, &e, zone, g, year, PQgetvalue(res, 0, 2), words, sizeof(words));
	PQclear(res);
	res = NULL;
	kg = estimate_co2e_kg(&e, g);

	params[0] = project;
	params[1] = tag;
	params[2] = num_param(in->hours * 3600.0, nums[0]);
	params[3] = num_param(kg, nums[1]);
	params[4] = in->cpu ? num_param(e.cpu_kwh, nums[2]) : NULL;
	params[5] = in->gpu ? num_param(e.gpu_kwh, nums[3]) : NULL;
	params[6] = num_param(e.facility_kwh, nums[4]);
	params[7] = num_param(in->pue, nums[5]);
	params[8] = zone;
	params[9] = words;
	res = PQexecParams(conn, insert_estimate_sql, ESTIMATE_PARAMS, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_error_line(conn, err, sizeof(err));
		fprintf(stderr, "carbon-report import estimate: nothing was stored: %s\n", err);
		goto out;
	}
	printf("imported an estimated run (%.6g kWh, %.6g kg CO2e) for project %s%s%s: %s\n",
	       e.facility_kwh, kg, project, tag ? " tag " : "", tag ? tag : "", words);
	rc = EXIT_OK;
out:
	PQclear(res);
	PQfinish(conn);
	return rc;
}

/* ---- the command ----------------------------------------------------------- */

int cmd_import(struct report_env *env, int argc, char **argv)
{
	enum { OPT_GPU = 256, OPT_COUNT, OPT_CPU, OPT_CPU_COUNT, OPT_HOURS, OPT_PUE };
	static const struct option longopts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "project", required_argument, NULL, 'A' },
		{ "account", required_argument, NULL, 'A' },
		{ "tag", required_argument, NULL, 't' },
		{ "gpu", required_argument, NULL, OPT_GPU },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "cpu", required_argument, NULL, OPT_CPU },
		{ "cpu-count", required_argument, NULL, OPT_CPU_COUNT },
		{ "hours", required_argument, NULL, OPT_HOURS },
		{ "pue", required_argument, NULL, OPT_PUE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct estimate_input est = { .pue = 1.0 };
	bool est_given = false, hours_given = false;
	const char *zone = NULL, *project = NULL, *tag = NULL, *kind;
	char err[256];
	double v;
	int rc = EXIT_USAGE, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hA:t:", longopts, NULL)) != -1) {
		switch (c) {
		case 'z':
			if (!intensity_zone_valid(optarg)) {
				fprintf(stderr, "carbon-report import: --zone '%s': " ZONE_ID_RULE "\n",
					optarg);
				goto out;
			}
			zone = optarg;
			break;
		case 'A':
		case 't':
			if (!*optarg) {
				fprintf(stderr, "carbon-report import: -%c needs a name, e.g. -%c %s\n",
					c, c, c == 'A' ? "neuclir" : "run3");
				goto out;
			}
			*(c == 'A' ? &project : &tag) = optarg;
			break;
		case OPT_GPU:
		case OPT_CPU:
			if (!*optarg) {
				fprintf(stderr, "carbon-report import: --%s needs a model, e.g. %s\n",
					c == OPT_GPU ? "gpu" : "cpu",
					c == OPT_GPU ? "--gpu \"A100 PCIe\"" : "--cpu \"AMD EPYC 7763\"");
				goto out;
			}
			*(c == OPT_GPU ? &est.gpu : &est.cpu) = optarg;
			est_given = true;
			break;
		case OPT_COUNT:
		case OPT_CPU_COUNT:
			if (estimate_number(c == OPT_COUNT ? "--count" : "--cpu-count", optarg, 1,
					    (double)ESTIMATE_MAX_COUNT, 1, &v, err, sizeof(err)) < 0) {
				fprintf(stderr, "carbon-report import: %s\n", err);
				goto out;
			}
			*(c == OPT_COUNT ? &est.gpu_count : &est.cpu_count) = (long)v;
			est_given = true;
			break;
		case OPT_HOURS:
		case OPT_PUE:
			if (estimate_number(c == OPT_HOURS ? "--hours" : "--pue", optarg,
					    c == OPT_HOURS ? ESTIMATE_MIN_HOURS : ESTIMATE_MIN_PUE,
					    c == OPT_HOURS ? ESTIMATE_MAX_HOURS : ESTIMATE_MAX_PUE, 0, &v,
					    err, sizeof(err)) < 0) {
				fprintf(stderr, "carbon-report import: %s\n", err);
				goto out;
			}
			*(c == OPT_HOURS ? &est.hours : &est.pue) = v;
			hours_given |= c == OPT_HOURS;
			est_given = true;
			break;
		case 'h':
			usage(stdout);
			rc = EXIT_OK;
			goto out;
		default:
			fputs("Try 'carbon-report import --help'.\n", stderr);
			goto out;
		}
	}
	kind = argc - optind ? argv[optind] : NULL;
	if (!kind || (strcmp(kind, "intensity") && strcmp(kind, "codecarbon") &&
		      strcmp(kind, "estimate"))) {
		fprintf(stderr, "carbon-report import: %s; this version imports 'intensity', 'codecarbon' or 'estimate', e.g. 'carbon-report import codecarbon emissions.csv -A neuclir'\n",
			kind ? "unknown kind of data" : "missing kind of data");
		goto out;
	}
	if (est_given && strcmp(kind, "estimate")) {
		fprintf(stderr, "carbon-report import %s: --gpu, --count, --cpu, --cpu-count, --hours and --pue are for 'import estimate'\n",
			kind);
		goto out;
	}
	if (!strcmp(kind, "estimate")) {
		if (argc - optind != 1) {
			fputs("carbon-report import estimate: takes no FILE; describe the run with --gpu, --count, --hours and --zone\n",
			      stderr);
			goto out;
		}
		if (!project || !zone || !hours_given || (est.gpu && !est.gpu_count) ||
		    (est.cpu && !est.cpu_count) || (!est.gpu && est.gpu_count) ||
		    (!est.cpu && est.cpu_count)) {
			fputs("carbon-report import estimate: give the project, the hardware with its count, the hours and the zone, e.g. 'carbon-report import estimate --gpu \"A100 PCIe\" --count 8 --hours 336 --zone aws:us-east-1 -A neuclir'\n",
			      stderr);
			goto out;
		}
		rc = import_estimate(env, &est, zone, project, tag);
		goto out;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "carbon-report import %s: %s; give one file\n", kind,
			argc - optind < 2 ? "missing FILE" : "too many arguments");
		goto out;
	}
	if (!strcmp(kind, "intensity")) {
		if (project || tag) {
			fputs("carbon-report import intensity: -A and -t are for 'import codecarbon'; an intensity series belongs to no project\n",
			      stderr);
			goto out;
		}
		rc = import_intensity(env, argv[optind + 1], zone);
	} else {
		if (zone) {
			fputs("carbon-report import codecarbon: --zone is for 'import intensity'; the file's rows carry their own emissions\n",
			      stderr);
			goto out;
		}
		if (!project) {
			fprintf(stderr, "carbon-report import codecarbon: give the project the runs count for, e.g. 'carbon-report import codecarbon %s -A neuclir [-t TAG]'\n",
				argv[optind + 1]);
			goto out;
		}
		rc = import_codecarbon(env, argv[optind + 1], project, tag);
	}
out:
	return rc;
}

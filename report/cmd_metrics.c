/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report metrics: Prometheus' text format for node_exporter's
 * textfile collector, from the carbon_api views (sql/functions/views.sql). */
#define _GNU_SOURCE	/* strdup */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobsum.h"
#include "metrics.h"
#include "pgresult.h"
#include "prom.h"
#include "report.h"

static void usage(FILE *fp)
{
	fputs("Usage: carbon-report metrics [--output FILE] [--spool-dir DIR | --no-spool]\n"
	      "Print Prometheus metrics in the text format that node_exporter's textfile\n"
	      "collector reads: facility and IT kWh, kg CO2e and jobs by cluster, project\n"
	      "and user; records and the newest record's age by cluster; the imported\n"
	      "runs' kWh, kg CO2e and runs by project, user and method; the spool's\n"
	      "backlog. Row-level security applies: a participant's figures are their\n"
	      "own and their projects' jobs and imports.\n\n"
	      "  --output FILE    replace FILE (e.g. DIR/slurm_carbon.prom in node_exporter's\n"
	      "                   --collector.textfile.directory) atomically, instead of\n"
	      "                   printing to standard output\n"
	      "  --spool-dir DIR  the spool whose backlog to count (default: [spool] dir\n"
	      "                   of the config file)\n"
	      "  --no-spool       no spool figures (where the plugin's [spool] metrics_file\n"
	      "                   already gives them to the same node_exporter)\n"
	      "With the database out of reach, slurm_carbon_database_up is 0, the spool's\n"
	      "figures are still written, and the exit status is 1.\n",
	      fp);
}

static char *dup_text(const PGresult *res, int row, int col)
{
	const char *v = pg_text_or_null(res, row, col);

	return strdup(v ? v : "");
}

/* One row of res into elem; 0, or -1 when memory ran out. */
typedef int (*row_fn)(const PGresult *res, int row, void *elem);

static int usage_row(const PGresult *res, int row, void *elem)
{
	struct metrics_usage *u = elem;

	u->cluster = dup_text(res, row, 0);
	u->project = dup_text(res, row, 1);
	u->user = dup_text(res, row, 2);
	u->jobs = pg_number_or(res, row, "jobs", 0);
	u->records = pg_number_or(res, row, "records", 0);
	u->it_kwh = pg_number_or(res, row, "it_kwh", 0);
	u->facility_kwh = pg_number_or(res, row, "facility_kwh", 0);
	u->co2e_kg = pg_number_or(res, row, "co2e_kg", 0);
	return u->cluster && u->project && u->user ? 0 : -1;
}

static int imported_row(const PGresult *res, int row, void *elem)
{
	struct metrics_imported *r = elem;

	r->project = dup_text(res, row, 0);
	r->user = dup_text(res, row, 1);
	r->method = dup_text(res, row, 2);
	r->runs = pg_number_or(res, row, "runs", 0);
	r->it_kwh = pg_number_or(res, row, "it_kwh", 0);
	r->facility_kwh = pg_number_or(res, row, "facility_kwh", 0);
	r->co2e_kg = pg_number_or(res, row, "co2e_kg", 0);
	return r->project && r->user && r->method ? 0 : -1;
}

static int cluster_row(const PGresult *res, int row, void *elem)
{
	struct metrics_cluster *c = elem;

	c->cluster = dup_text(res, row, 0);
	c->newest_record_age_s = pg_number_or(res, row, "newest_record_age_s", -1);
	return c->cluster ? 0 : -1;
}

/* The rows of query sql (of the view named by what) into a new array of
 * elements of size size at *rows, *n of them, each filled by fn (the
 * array is zeroed first, so that metrics_free() frees what was filled).
 * Returns 0, or -1 after saying why. */
static int read_rows(PGconn *conn, const char *sql, const char *what, size_t size,
		     void **rows, size_t *n, row_fn fn)
{
	PGresult *res = PQexec(conn, sql);
	char msg[128];
	int rc = -1, row, count;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(msg, sizeof(msg), "cannot read %s", what);
		report_sql_error(msg, res);
		goto out;
	}
	count = PQntuples(res);
	*rows = calloc((size_t)count + 1, size);
	if (!*rows)
		goto oom;
	for (row = 0; row < count; row++) {
		++*n;
		if (fn(res, row, (char *)*rows + (size_t)row * size) < 0)
			goto oom;
	}
	rc = 0;
	goto out;
oom:
	fputs("carbon-report: out of memory\n", stderr);
out:
	PQclear(res);
	return rc;
}

/* The figures of the database into m: 0, or -1 after saying why. */
static int read_database(const struct report_env *env, struct metrics *m)
{
	PGconn *conn = report_connect(env);
	void *usage = NULL, *clusters = NULL, *imported = NULL;
	int rc = -1;

	if (!conn)
		return -1;
	/* A few scans and aggregates: compiling them costs more than it saves. */
	PQclear(PQexec(conn, "SET jit = off"));
	if (jobsum_catch_up(conn) < 0)
		goto out;
	rc = read_rows(conn,
		       "SELECT cluster, project, user_name, jobs, records, it_kwh, facility_kwh,"
		       " co2e_kg"
		       " FROM carbon_api.usage ORDER BY cluster, project NULLS FIRST, user_name",
		       "carbon_api.usage", sizeof(*m->usage), &usage, &m->n_usage, usage_row);
	m->usage = usage;
	if (rc < 0)
		goto out;
	rc = read_rows(conn,
		       "SELECT cluster, newest_record_age_s"
		       " FROM carbon_api.cluster_status ORDER BY cluster",
		       "carbon_api.cluster_status", sizeof(*m->clusters), &clusters,
		       &m->n_clusters, cluster_row);
	m->clusters = clusters;
	if (rc < 0)
		goto out;
	/* Every run, each with its figures as track adds them (the function
	 * splits a run's energy for every report). */
	rc = read_rows(conn,
		       "SELECT project, user_name, method, count(*) AS runs, sum(it_kwh) AS it_kwh,"
		       " sum(facility_kwh) AS facility_kwh, sum(co2e_kg) AS co2e_kg"
		       " FROM carbon.imported_runs(NULL::bigint[], NULL::text, NULL::text,"
		       "  NULL::text, NULL::text, NULL::float8, NULL::float8)"
		       " GROUP BY 1, 2, 3 ORDER BY project NULLS FIRST, user_name, method",
		       "the imported runs", sizeof(*m->imported), &imported, &m->n_imported,
		       imported_row);
	m->imported = imported;
out:
	PQfinish(conn);
	return rc;
}

static int fill(FILE *fp, void *arg, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	metrics_render(fp, arg);
	return 0;
}

int cmd_metrics(struct report_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "spool-dir", required_argument, NULL, 'D' },
		{ "no-spool", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct metrics m = { .database_up = false };
	const char *output = NULL, *spool_dir = env->conf.spool_dir;
	bool no_spool = false;
	char err[1024];
	int rc = EXIT_USAGE, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'D':
			spool_dir = optarg;
			break;
		case 'N':
			no_spool = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			fputs("Try 'carbon-report metrics --help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "carbon-report metrics: unexpected argument '%s' (see carbon-report metrics --help)\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (env->format != FMT_TABLE) {
		fputs("carbon-report metrics: the output is Prometheus' text format; --format and --json do not apply\n",
		      stderr);
		return EXIT_USAGE;
	}
	if (output && !*output) {
		fputs("carbon-report metrics: --output: give a file name\n", stderr);
		return EXIT_USAGE;
	}

	m.database_up = read_database(env, &m) == 0;
	if (!no_spool) {
		if (spool_backlog(spool_dir, 0, &m.spool, err, sizeof(err)) == 0)
			m.spool_dir = spool_dir;
		else
			fprintf(stderr, "carbon-report metrics: warning: no spool figures: %s (run it as root, or give --no-spool)\n",
				err);
	}
	rc = m.database_up ? EXIT_OK : EXIT_NODATA;
	if (!output) {
		metrics_render(stdout, &m);
	} else if (prom_write_file(output, fill, &m, err, sizeof(err)) < 0) {
		fprintf(stderr, "carbon-report metrics: %s\n", err);
		rc = EXIT_NODATA;
	}
	metrics_free(&m);
	return rc;
}

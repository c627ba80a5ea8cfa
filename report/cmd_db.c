/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report db init|upgrade|status: the compiled-in sql/ migrations and
 * the annual intensities of data/. */
#include "report.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "intensity_data.h"
#include "json.h"
#include "record.h"
#include "table.h"

/* Key of the advisory lock that serialises concurrent `db init` runs: an
 * arbitrary number, the same in every version of carbon-report. */
#define MIGRATION_LOCK_KEY "6367826101"

static const char bootstrap_sql[] =
	"CREATE SCHEMA IF NOT EXISTS carbon;"
	" CREATE TABLE IF NOT EXISTS carbon.schema_migrations ("
	"  version int PRIMARY KEY,"
	"  name text NOT NULL,"
	"  applied_at timestamptz NOT NULL DEFAULT now())";

static void usage(FILE *fp)
{
	fputs("Usage: carbon-report db init|upgrade|status|sync-states|sync-users|maintain|prune\n"
	      "  init, upgrade  apply every migration the database lacks, each in its\n"
	      "                 own transaction (needs a role that may create roles),\n"
	      "                 then re-apply the rules of sql/functions/, load\n"
	      "                 the annual intensities of data/ and make the month\n"
	      "                 partitions of the records 3 months ahead\n"
	      "  status         list the migrations, applied or pending, and count\n"
	      "                 the annual intensities by kind\n"
	      "  sync-states    store the states Slurm's accounting gives ended jobs\n"
	      "                 (sacct; 'carbon-report db sync-states --help')\n"
	      "  sync-users     make participants' roles and project memberships match\n"
	      "                 Slurm's associations or a CSV file\n"
	      "                 ('carbon-report db sync-users --help')\n"
	      "  maintain       make the month partitions ahead ('db maintain --help')\n"
	      "  prune          remove the records of jobs that began before a date\n"
	      "                 ('db prune --help')\n",
	      fp);
}

/* Inside a transaction: wait for any other carbon-report migrating. */
static int take_migration_lock(PGconn *conn, char *err, size_t errlen)
{
	int rc = -1;
	PGresult *res = NULL;
	const char *params[1] = { MIGRATION_LOCK_KEY };

	res = PQexecParams(conn, "SELECT pg_advisory_xact_lock($1::bigint)", 1,
			   NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_error_line(conn, err, errlen);
		goto out;
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

static void rollback(PGconn *conn)
{
	PQclear(PQexec(conn, "ROLLBACK"));
}

/* Create carbon.schema_migrations when missing. */
static int bootstrap(PGconn *conn)
{
	int rc = -1;
	char err[1024];

	if (db_exec(conn, "BEGIN", err, sizeof(err)) < 0)
		goto fail;
	if (take_migration_lock(conn, err, sizeof(err)) < 0 ||
	    db_exec(conn, bootstrap_sql, err, sizeof(err)) < 0 ||
	    db_exec(conn, "COMMIT", err, sizeof(err)) < 0) {
		rollback(conn);
		goto fail;
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "carbon-report: cannot create carbon.schema_migrations: %s\n",
		err);
out:
	return rc;
}

/* Apply m in one transaction unless it is already recorded. Sets *applied.
 * Returns 0, or -1 after printing why. */
static int apply_migration(PGconn *conn, const struct migration *m,
			   bool *applied)
{
	int rc = -1;
	PGresult *res = NULL;
	char err[1024], version[16];
	const char *params[2];
	bool in_tx = false;

	*applied = false;
	snprintf(version, sizeof(version), "%d", m->version);
	params[0] = version;
	params[1] = m->name;

	if (db_exec(conn, "BEGIN", err, sizeof(err)) < 0)
		goto fail;
	in_tx = true;
	if (take_migration_lock(conn, err, sizeof(err)) < 0)
		goto fail;
	/* Checked under the lock: another run may have applied it meanwhile. */
	res = PQexecParams(conn,
			   "SELECT 1 FROM carbon.schema_migrations WHERE version = $1::int",
			   1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		db_error_line(conn, err, sizeof(err));
		goto fail;
	}
	if (PQntuples(res) == 0) {
		if (db_exec(conn, m->sql, err, sizeof(err)) < 0)
			goto fail;
		PQclear(res);
		res = PQexecParams(conn,
				   "INSERT INTO carbon.schema_migrations (version, name)"
				   " VALUES ($1::int, $2::text)",
				   2, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			db_error_line(conn, err, sizeof(err));
			goto fail;
		}
		*applied = true;
	}
	in_tx = false;
	if (db_exec(conn, "COMMIT", err, sizeof(err)) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	if (in_tx)
		rollback(conn);
	*applied = false;
	fprintf(stderr, "carbon-report: migration %03d_%s failed: %s\n",
		m->version, m->name, err);
out:
	PQclear(res);
	return rc;
}

/* Re-apply every file of sql/functions/, all in one transaction: each is
 * CREATE OR REPLACE, so this brings the rules to this carbon-report's.
 * Returns 0, or -1 after printing why. */
static int apply_functions(PGconn *conn)
{
	const struct sql_file *f = carbon_functions;
	char err[1024];

	if (!f->name)
		return 0;
	if (db_exec(conn, "BEGIN", err, sizeof(err)) < 0 ||
	    take_migration_lock(conn, err, sizeof(err)) < 0)
		goto fail;
	for (; f->name; f++)
		if (db_exec(conn, f->sql, err, sizeof(err)) < 0)
			goto fail;
	if (db_exec(conn, "COMMIT", err, sizeof(err)) < 0)
		goto fail;
	return 0;
fail:
	rollback(conn);
	fprintf(stderr, "carbon-report: sql/functions/%s.sql failed: %s\n",
		f->name ? f->name : "(commit)", err);
	return -1;
}

/* Highest applied version, or -1 after printing why. */
static int applied_version(PGconn *conn)
{
	int version = -1;
	PGresult *res = NULL;
	char err[1024];

	res = PQexec(conn, "SELECT coalesce(max(version), 0) AS version"
			   " FROM carbon.schema_migrations");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		db_error_line(conn, err, sizeof(err));
		fprintf(stderr, "carbon-report: cannot read carbon.schema_migrations: %s\n",
			err);
		goto out;
	}
	version = atoi(PQgetvalue(res, 0, PQfnumber(res, "version")));
out:
	PQclear(res);
	return version;
}

/* Upsert the annual intensities compiled from data/ in one transaction,
 * under the migration lock. Rows that already hold the same figures are left
 * alone, so a second run changes nothing. Returns 0, or -1 after printing
 * why. */
static int load_intensities(PGconn *conn)
{
	int rc = -1;
	PGresult *res = NULL;
	char err[1024], changed[32] = "";
	bool in_tx = false;

	if (db_exec(conn, "BEGIN", err, sizeof(err)) < 0)
		goto fail;
	in_tx = true;
	if (take_migration_lock(conn, err, sizeof(err)) < 0)
		goto fail;
	res = PQexec(conn, carbon_intensity_data_sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_error_line(conn, err, sizeof(err));
		goto fail;
	}
	snprintf(changed, sizeof(changed), "%s", PQcmdTuples(res));
	in_tx = false;
	if (db_exec(conn, "COMMIT", err, sizeof(err)) < 0)
		goto fail;
	printf("loaded %d annual intensities (data/intensity_*.csv: %s new or changed)\n",
	       carbon_intensity_data_rows, changed);
	rc = 0;
	goto out;
fail:
	if (in_tx)
		rollback(conn);
	fprintf(stderr, "carbon-report: cannot load the annual intensities of data/: %s\n",
		err);
out:
	PQclear(res);
	return rc;
}

/* Record the site settings of the configuration file given (its [site]
 * cluster, zone, pue and intensity) for the reports of that cluster. */
static int record_site(PGconn *conn, const struct report_env *env)
{
	char pue[32], intensity[32];
	const char *params[4];
	PGresult *res;
	int rc = 0;

	if (!env->have_config)
		return 0;
	if (!env->conf.cluster[0]) {
		printf("site settings not recorded: the configuration sets no [site] cluster (set it to the cluster's name, then run db upgrade again)\n");
		return 0;
	}
	snprintf(pue, sizeof(pue), "%.17g", env->conf.pue);
	snprintf(intensity, sizeof(intensity), "%.17g", env->conf.intensity_g_per_kwh);
	params[0] = env->conf.cluster;
	params[1] = env->conf.zone[0] ? env->conf.zone : NULL;
	params[2] = pue;
	params[3] = env->conf.intensity_g_per_kwh >= 0 ? intensity : NULL;
	res = PQexecParams(conn,
		"INSERT INTO carbon.cluster_site (cluster, zone, pue, intensity)"
		" VALUES ($1, $2, $3::float8, $4::float8)"
		" ON CONFLICT (cluster) DO UPDATE SET zone = EXCLUDED.zone, pue = EXCLUDED.pue,"
		" intensity = EXCLUDED.intensity, updated_at = now()",
		4, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "carbon-report: cannot record the site settings of cluster %s: %s",
			env->conf.cluster, PQresultErrorMessage(res));
		rc = -1;
	} else {
		printf("site of cluster %s: zone %s, pue %g, intensity %s\n", env->conf.cluster,
		       params[1] ? params[1] : "(none)", env->conf.pue,
		       params[3] ? params[3] : "(from data)");
	}
	PQclear(res);
	return rc;
}

/* Jobs a call of carbon.job_carbon_refresh_stale(integer) recomputes: each
 * call is a transaction of its own, between which the progress line moves.
 * Each call also scans job_total for the stale jobs, so a large recompute
 * is cut into at most REFRESH_BATCHES calls. */
#define REFRESH_BATCH_MIN_JOBS 1000
#define REFRESH_BATCHES 50

/* The stale jobs counted, then recomputed a batch at a time. Returns the
 * jobs recomputed, or -1 with res holding the failed result. */
static long long refresh_in_batches(PGconn *conn, struct progress *progress, PGresult **res)
{
	const char *params[1];
	char batch[24];
	long long total, done = 0, n;

	*res = PQexec(conn, "SELECT carbon.job_carbon_stale_count()");
	if (PQresultStatus(*res) != PGRES_TUPLES_OK || PQntuples(*res) != 1)
		return -1;
	total = strtoll(PQgetvalue(*res, 0, 0), NULL, 10);
	if (total <= 0)
		return 0;
	n = (total + REFRESH_BATCHES - 1) / REFRESH_BATCHES;
	snprintf(batch, sizeof(batch), "%lld", n > REFRESH_BATCH_MIN_JOBS ? n : REFRESH_BATCH_MIN_JOBS);
	params[0] = batch;
	progress_begin(progress, (uint64_t)total, PROGRESS_COUNT, "recomputing stored carbon",
		       "jobs");
	/* A job left stale (no energy rows to recompute from) would be taken
	 * again: stop once as many were taken as there were. */
	while (done < total) {
		PQclear(*res);
		*res = PQexecParams(conn, "SELECT carbon.job_carbon_refresh_stale($1::integer)", 1,
				    NULL, params, NULL, NULL, 0);
		if (PQresultStatus(*res) != PGRES_TUPLES_OK || PQntuples(*res) != 1) {
			progress_end(progress);
			return -1;
		}
		n = strtoll(PQgetvalue(*res, 0, 0), NULL, 10);
		if (n <= 0)
			break;
		done += n;
		progress_advance(progress, (uint64_t)n);
	}
	progress_end(progress);
	return done;
}

int db_refresh_job_carbon(PGconn *conn, struct progress *progress)
{
	PGresult *res;
	long long n;
	int rc = -1;

	res = PQexec(conn, "SELECT to_regprocedure('carbon.job_carbon_stale_count()') IS NOT NULL,"
			   " to_regprocedure('carbon.job_carbon_refresh_stale()') IS NOT NULL");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		goto fail;
	if (PQgetvalue(res, 0, 0)[0] == 't') {
		PQclear(res);
		n = refresh_in_batches(conn, progress, &res);
		if (n < 0)
			goto fail;
	} else if (PQgetvalue(res, 0, 1)[0] == 't') {
		/* functions older than this carbon-report: all in one call */
		PQclear(res);
		res = PQexec(conn, "SELECT carbon.job_carbon_refresh_stale()");
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
			goto fail;
		n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	} else {
		n = 0;		/* a database before sql/011: nothing is stored */
	}
	if (n > 0)
		printf("recomputed the stored carbon of %lld jobs with the new data\n", n);
	rc = 0;
	goto out;
fail:
	fprintf(stderr,
		"carbon-report: warning: cannot recompute the jobs' stored carbon: %s"
		"carbon-report: reports stay right but resolve those jobs hour by hour (slower);"
		" run `carbon-report db upgrade` as the database owner to recompute it\n",
		PQresultErrorMessage(res));
out:
	PQclear(res);
	return rc;
}

static int db_upgrade(PGconn *conn, struct report_env *env)
{
	int rc = EXIT_NODATA;
	const struct migration *m;
	int n_applied = 0, version;
	bool applied;

	if (bootstrap(conn) < 0)
		goto out;
	for (m = carbon_migrations; m->version; m++) {
		if (apply_migration(conn, m, &applied) < 0)
			goto out;
		if (applied) {
			printf("applied %03d_%s\n", m->version, m->name);
			n_applied++;
		}
	}
	if (n_applied == 0) {
		version = applied_version(conn);
		if (version < 0)
			goto out;
		printf("database is up to date (version %d)\n", version);
	}
	if (apply_functions(conn) < 0)
		goto out;
	if (load_intensities(conn) < 0 || record_site(conn, env) < 0 ||
	    db_make_partitions_ahead(conn, DB_MONTHS_AHEAD_DEFAULT) < 0)
		goto out;
	db_refresh_job_carbon(conn, &env->progress);
	/* The refresh may have rewritten every job's totals and hours (it
	 * catches up the jobs the writers noted first): fresh statistics, so
	 * that the reports run right after plan their joins of those tables by
	 * hash, not by an index probe per job as for a table they take to be
	 * empty. Autovacuum would analyze them too, but only later. */
	PQclear(PQexec(conn, "ANALYZE carbon.job_total, carbon.job_hour"));
	rc = EXIT_OK;
out:
	return rc;
}

/* One line of `db status`: a migration this program knows, or one the
 * database holds from a newer carbon-report. */
struct migration_state {
	int version;
	const char *name;
	bool applied;
	double applied_s;	/* seconds since the epoch, when applied */
	bool known;		/* compiled into this carbon-report */
};

static void print_status_json(const struct migration_state *st, size_t n)
{
	struct json_writer w;
	char when[32];
	size_t i;

	json_init(&w, stdout);
	json_begin_array(&w);
	for (i = 0; i < n; i++) {
		json_begin_object(&w);
		json_kv_int(&w, "version", st[i].version);
		json_kv_string(&w, "name", st[i].name);
		if (st[i].applied)
			json_kv_string(&w, "applied_at",
				       utc_iso8601(st[i].applied_s, when, sizeof(when)));
		else
			json_kv_null(&w, "applied_at");
		json_end_object(&w);
	}
	json_end_array(&w);
	fputc('\n', stdout);
}

static void print_status_csv(const struct migration_state *st, size_t n)
{
	char when[32];
	size_t i;

	/* Names are sql/ file names: no comma, quote or newline to escape. */
	printf("version,name,applied_at\n");
	for (i = 0; i < n; i++)
		printf("%d,%s,%s\n", st[i].version, st[i].name,
		       st[i].applied ? utc_iso8601(st[i].applied_s, when, sizeof(when)) : "");
}

static int print_status_table(const struct migration_state *st, size_t n,
			      bool markdown)
{
	static const struct table_column cols[] = {
		{ .header = "VERSION" }, { .header = "NAME" }, { .header = "STATE" },
	};
	int rc = -1;
	struct table t;
	char when[32];
	size_t i, pending = 0;

	table_init(&t, cols, 3);
	for (i = 0; i < n; i++) {
		if (table_add_row(&t) < 0)
			goto out;
		table_cell(&t, 0, "%03d", st[i].version);
		table_cell(&t, 1, "%s", st[i].name);
		if (st[i].applied)
			table_cell(&t, 2, "applied at %s%s",
				   utc_iso8601(st[i].applied_s, when, sizeof(when)),
				   st[i].known ? "" : " (newer than this carbon-report)");
		else
			table_cell(&t, 2, "pending");
		if (!st[i].applied)
			pending++;
	}
	if (t.failed)
		goto out;
	if (markdown)
		table_print_markdown(&t, NULL, stdout);
	else
		table_print_text(&t, NULL, stdout);
	if (pending)
		printf("%s%zu migration%s pending: run 'carbon-report db upgrade'\n",
		       markdown ? "\n" : "", pending, pending == 1 ? "" : "s");
	rc = 0;
out:
	if (rc < 0)
		fputs("carbon-report: out of memory\n", stderr);
	table_free(&t);
	return rc;
}

/* One line under the table of `db status`: the annual intensities by
 * kind, once migration 004 has created their table. Returns 0, or -1 after
 * printing why. */
static int print_intensity_counts(PGconn *conn)
{
	static const char *const kinds[] = { "country", "zone", "cloud", "world" };
	int rc = -1;
	PGresult *res = NULL;
	char err[1024];
	size_t i;

	res = PQexec(conn, "SELECT to_regclass('carbon.intensity_annual') IS NOT NULL AS present");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		goto db_error;
	if (strcmp(PQgetvalue(res, 0, PQfnumber(res, "present")), "t") != 0) {
		rc = 0;
		goto out;
	}
	PQclear(res);
	res = PQexec(conn,
		     "SELECT count(*) FILTER (WHERE kind = 'country') AS country,"
		     " count(*) FILTER (WHERE kind = 'zone') AS zone,"
		     " count(*) FILTER (WHERE kind = 'cloud') AS cloud,"
		     " count(*) FILTER (WHERE kind = 'world') AS world"
		     " FROM carbon.intensity_annual");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		goto db_error;
	printf("annual intensities:");
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		printf("%s %s %s", i ? "," : "",
		       PQgetvalue(res, 0, PQfnumber(res, kinds[i])), kinds[i]);
	printf("\n");
	rc = 0;
	goto out;
db_error:
	db_error_line(conn, err, sizeof(err));
	fprintf(stderr, "carbon-report: cannot read carbon.intensity_annual: %s\n",
		err);
out:
	PQclear(res);
	return rc;
}

static int db_status(const struct report_env *env, PGconn *conn)
{
	int rc = EXIT_NODATA;
	PGresult *res = NULL;
	struct migration_state *st = NULL;
	size_t n_known = 0, n = 0, i, r, nrows = 0;
	int col_version, col_name, col_applied;
	char err[1024];

	for (n_known = 0; carbon_migrations[n_known].version; n_known++)
		;
	res = PQexec(conn, "SELECT to_regclass('carbon.schema_migrations') IS NOT NULL AS present");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		goto db_error;
	if (strcmp(PQgetvalue(res, 0, PQfnumber(res, "present")), "t") == 0) {
		PQclear(res);
		res = PQexec(conn,
			     "SELECT version, name,"
			     " extract(epoch FROM applied_at)::float8 AS applied_epoch"
			     " FROM carbon.schema_migrations ORDER BY version");
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			goto db_error;
		nrows = (size_t)PQntuples(res);
	}
	st = calloc(n_known + nrows + 1, sizeof(*st));
	if (!st) {
		fputs("carbon-report: out of memory\n", stderr);
		goto out;
	}
	for (i = 0; i < n_known; i++) {
		st[n].version = carbon_migrations[i].version;
		st[n].name = carbon_migrations[i].name;
		st[n].known = true;
		n++;
	}
	col_version = PQfnumber(res, "version");
	col_name = PQfnumber(res, "name");
	col_applied = PQfnumber(res, "applied_epoch");
	for (r = 0; r < nrows; r++) {
		int version = atoi(PQgetvalue(res, (int)r, col_version));

		for (i = 0; i < n && st[i].version != version; i++)
			;
		if (i == n) {
			st[n].version = version;
			st[n].name = PQgetvalue(res, (int)r, col_name);
			n++;
		}
		st[i].applied = true;
		st[i].applied_s = strtod(PQgetvalue(res, (int)r, col_applied), NULL);
	}

	switch (env->format) {
	case FMT_JSON:
		print_status_json(st, n);
		break;
	case FMT_CSV:
		print_status_csv(st, n);
		break;
	default:
		if (print_status_table(st, n, env->format == FMT_MARKDOWN) < 0)
			goto out;
		/* Markdown: a paragraph of its own under the table. */
		if (env->format == FMT_MARKDOWN)
			putchar('\n');
		if (print_intensity_counts(conn) < 0)
			goto out;
	}
	/* Pending migrations: exit 1, so that a script (or a package's
	 * postinst) can tell that `db upgrade` is due. */
	rc = EXIT_OK;
	for (i = 0; i < n; i++)
		if (!st[i].applied)
			rc = EXIT_NODATA;
	goto out;
db_error:
	db_error_line(conn, err, sizeof(err));
	fprintf(stderr, "carbon-report: cannot read carbon.schema_migrations: %s\n",
		err);
out:
	free(st);
	PQclear(res);
	return rc;
}

int cmd_db(struct report_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int rc = EXIT_USAGE, c;
	const char *action;
	PGconn *conn = NULL;

	/* sync-states and sync-users have options of their own. */
	for (c = 1; c < argc && argv[c][0] == '-' && strcmp(argv[c], "--"); c++)
		;
	if (c < argc && !strcmp(argv[c], "sync-states"))
		return cmd_db_sync_states(env, argc - c, argv + c);
	if (c < argc && !strcmp(argv[c], "sync-users"))
		return cmd_db_sync_users(env, argc - c, argv + c);
	if (c < argc && (!strcmp(argv[c], "maintain") || !strcmp(argv[c], "prune")))
		return cmd_db_partitions(env, argc - c, argv + c);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			rc = EXIT_OK;
			goto out;
		default:
			fputs("Try 'carbon-report db --help'.\n", stderr);
			goto out;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "carbon-report db: %s; say what to do, e.g. 'carbon-report db status'\n",
			argc - optind ? "too many arguments" : "missing action");
		usage(stderr);
		goto out;
	}
	action = argv[optind];
	if (strcmp(action, "init") && strcmp(action, "upgrade") &&
	    strcmp(action, "status")) {
		fprintf(stderr, "carbon-report db: unknown action '%s'\n", action);
		usage(stderr);
		goto out;
	}

	/* No statement timeout: a migration may rewrite a large table. */
	rc = EXIT_NODATA;
	conn = report_connect_timeout(env, 0);
	if (!conn)
		goto out;
	if (!strcmp(action, "status"))
		rc = db_status(env, conn);
	else
		rc = db_upgrade(conn, env);
out:
	PQfinish(conn);
	return rc;
}

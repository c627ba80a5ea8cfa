/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report db maintain and db prune: the month partitions of
 * carbon.step_energy (sql/023), made ahead and dropped for retention. The
 * work is done by carbon.maintain_partitions() and carbon.prune(); this file
 * checks the arguments and says what was done. */
#include "report.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "utctime.h"

#define MONTHS_AHEAD_MAX 120

/* SQLSTATE of "permission denied". */
#define SQLSTATE_INSUFFICIENT_PRIVILEGE "42501"

static bool permission_denied(const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return state && !strcmp(state, SQLSTATE_INSUFFICIENT_PRIVILEGE);
}

static void say_admin_needed(const char *what)
{
	fprintf(stderr,
		"carbon-report db %s: permission denied: this needs an administrator's connection"
		" (a role granted carbon_admin, or the database's owner); connect as one with -d\n",
		what);
}

int db_make_partitions_ahead(PGconn *conn, int months_ahead)
{
	int rc = -1, i;
	PGresult *res = NULL;
	char months[16];
	const char *params[1] = { months };

	res = PQexec(conn, "SELECT to_regproc('carbon.maintain_partitions') IS NOT NULL AS present");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		goto fail;
	if (PQgetvalue(res, 0, PQfnumber(res, "present"))[0] != 't') {
		rc = 0;		/* a database before sql/023: nothing partitioned */
		goto out;
	}
	PQclear(res);
	snprintf(months, sizeof(months), "%d", months_ahead);
	res = PQexecParams(conn,
			   "SELECT partition_name, records_moved"
			   " FROM carbon.maintain_partitions($1::int)",
			   1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		goto fail;
	for (i = 0; i < PQntuples(res); i++)
		printf("made partition carbon.%s (%s records moved from the default partition)\n",
		       PQgetvalue(res, i, PQfnumber(res, "partition_name")),
		       PQgetvalue(res, i, PQfnumber(res, "records_moved")));
	rc = 0;
	goto out;
fail:
	if (permission_denied(res))
		say_admin_needed("maintain");
	else
		fprintf(stderr, "carbon-report: cannot make the partitions ahead: %s",
			PQresultErrorMessage(res));
out:
	PQclear(res);
	return rc;
}

/* Say how many records wait in the default partition, for months that have
 * no partition of their own. */
static int report_default_partition(PGconn *conn)
{
	int rc = -1;
	PGresult *res;

	res = PQexec(conn, "SELECT records, array_to_string(months, ' ') AS months"
			   " FROM carbon.step_energy_waiting()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		fprintf(stderr, "carbon-report: cannot count the records in carbon.step_energy_default: %s",
			PQresultErrorMessage(res));
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, PQfnumber(res, "records")), "0"))
		printf("%s records of months later than those made wait in carbon.step_energy_default"
		       " (job instances that began in %s); they move into their month's partition"
		       " when it is made (--months-ahead, or SELECT carbon.make_partitions(FROM, TO))\n",
		       PQgetvalue(res, 0, PQfnumber(res, "records")),
		       PQgetvalue(res, 0, PQfnumber(res, "months")));
	rc = 0;
out:
	PQclear(res);
	return rc;
}

static void maintain_usage(FILE *fp)
{
	fputs("Usage: carbon-report db maintain [--months-ahead N]\n"
	      "  Make the month partitions of carbon.step_energy for this month and\n"
	      "  the N after it (default 3, at most 120), and for every earlier month\n"
	      "  with records in the default partition, moving those records into\n"
	      "  them. Run it as an administrator (carbon_admin), e.g. monthly from\n"
	      "  cron; db upgrade does it too.\n",
	      fp);
}

static int cmd_db_maintain(struct report_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "months-ahead", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int rc = EXIT_USAGE, c, months = DB_MONTHS_AHEAD_DEFAULT;
	char *end;
	long v;
	PGconn *conn = NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 0 || v > MONTHS_AHEAD_MAX) {
				fprintf(stderr, "carbon-report db maintain: --months-ahead '%s' is not a"
					" whole number from 0 to %d\n", optarg, MONTHS_AHEAD_MAX);
				goto out;
			}
			months = (int)v;
			break;
		case 'h':
			maintain_usage(stdout);
			rc = EXIT_OK;
			goto out;
		default:
			fputs("Try 'carbon-report db maintain --help'.\n", stderr);
			goto out;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "carbon-report db maintain: unexpected argument '%s'\n", argv[optind]);
		goto out;
	}
	rc = EXIT_NODATA;
	/* No statement timeout: moving a month out of the default partition
	 * may take a while. */
	conn = report_connect_timeout(env, 0);
	if (!conn)
		goto out;
	if (db_make_partitions_ahead(conn, months) < 0 || report_default_partition(conn) < 0)
		goto out;
	rc = EXIT_OK;
out:
	PQfinish(conn);
	return rc;
}

/* carbon.prune() says "carbon.prune: step I of N" as a notice after each
 * part it removes (a month, the rest, the derived tables): the progress
 * line follows those; every other notice is dropped, as db_connect's are. */
static void prune_notice(void *arg, const PGresult *res)
{
	struct progress *progress = arg;
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	unsigned long step, steps;

	if (!msg || sscanf(msg, "carbon.prune: step %lu of %lu", &step, &steps) != 2 || step == 0)
		return;
	if (!progress->active)
		progress_begin(progress, steps, PROGRESS_COUNT, "db prune", "parts");
	progress_advance(progress, 1);
}

static void prune_usage(FILE *fp)
{
	fputs("Usage: carbon-report db prune --before DATE [--dry-run]\n"
	      "  Remove the records of the job instances that began before DATE (UTC;\n"
	      "  -S's spellings, e.g. 2025-01-01), and their totals, hours and states:\n"
	      "  month partitions that end by DATE are dropped whole, the rest deleted.\n"
	      "  Records whose job instance is unknown go with their job once all of\n"
	      "  them ended before DATE. DATE may not be in the future. Prints what it\n"
	      "  removed; --dry-run prints what it would remove and changes nothing.\n"
	      "  Needs an administrator's connection (carbon_admin).\n",
	      fp);
}

/* Print carbon.prune()'s rows. */
static void print_pruned(const PGresult *res, bool dry_run)
{
	int i, c_what = PQfnumber(res, "what"), c_records = PQfnumber(res, "records"),
	       c_jobs = PQfnumber(res, "jobs");

	for (i = 0; i < PQntuples(res); i++) {
		if (PQgetisnull(res, i, c_jobs))
			printf("%s %s %s\n", dry_run ? "would remove" : "removed",
			       PQgetvalue(res, i, c_records), PQgetvalue(res, i, c_what));
		else
			printf("%s %s records of %s job instances: %s\n",
			       dry_run ? "would remove" : "removed",
			       PQgetvalue(res, i, c_records), PQgetvalue(res, i, c_jobs),
			       PQgetvalue(res, i, c_what));
	}
}

static int cmd_db_prune(struct report_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "before", required_argument, NULL, 'b' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int rc = EXIT_USAGE, c;
	const char *before_text = NULL;
	bool dry_run = false;
	double now = (double)time(NULL), before;
	char before_iso[40], why[160];
	const char *params[2];
	PGconn *conn = NULL;
	PGresult *res = NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			before_text = optarg;
			break;
		case 'n':
			dry_run = true;
			break;
		case 'h':
			prune_usage(stdout);
			rc = EXIT_OK;
			goto out;
		default:
			fputs("Try 'carbon-report db prune --help'.\n", stderr);
			goto out;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "carbon-report db prune: unexpected argument '%s'\n", argv[optind]);
		goto out;
	}
	if (!before_text) {
		fputs("carbon-report db prune: say what to remove with --before DATE,"
		      " e.g. --before 2025-01-01 (records of jobs that began before it)\n", stderr);
		goto out;
	}
	if (utc_parse_time(before_text, now, &before, why, sizeof(why)) < 0) {
		fprintf(stderr, "carbon-report db prune: --before '%s': %s\n", before_text, why);
		goto out;
	}
	if (before > now) {
		fprintf(stderr, "carbon-report db prune: --before %s is in the future; prune removes"
			" only what began before a date that has passed\n",
			utc_iso8601(before, before_iso, sizeof(before_iso)));
		goto out;
	}
	if (before < 0) {
		fprintf(stderr, "carbon-report db prune: --before '%s' is before 1970\n", before_text);
		goto out;
	}
	rc = EXIT_NODATA;
	conn = report_connect_timeout(env, 0);
	if (!conn)
		goto out;
	params[0] = utc_timestamp_us(before, before_iso, sizeof(before_iso));
	params[1] = dry_run ? "true" : "false";
	PQsetNoticeReceiver(conn, prune_notice, &env->progress);
	res = PQexecParams(conn, "SELECT what, records, jobs FROM carbon.prune($1::timestamptz, $2::boolean)",
			   2, NULL, params, NULL, NULL, 0);
	progress_end(&env->progress);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (permission_denied(res))
			say_admin_needed("prune");
		else
			report_sql_error("carbon-report db prune", res);
		goto out;
	}
	print_pruned(res, dry_run);
	rc = EXIT_OK;
out:
	PQclear(res);
	PQfinish(conn);
	return rc;
}

int cmd_db_partitions(struct report_env *env, int argc, char **argv)
{
	if (!strcmp(argv[0], "maintain"))
		return cmd_db_maintain(env, argc, argv);
	return cmd_db_prune(env, argc, argv);
}

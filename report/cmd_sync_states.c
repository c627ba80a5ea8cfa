/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report db sync-states: the states Slurm's accounting gave the job
 * instances (sacct), into carbon.job_state (sql/016). Run by an
 * administrator, from cron or a timer, on a host where sacct works. */
#include "report.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter.h"
#include "record.h"
#include "sacct.h"
#include "slurm_command.h"
#include "utctime.h"

/* The default window: jobs of the last week. */
#define SYNC_DEFAULT_START "now-7days"

static void usage(FILE *fp)
{
	fputs("Usage: carbon-report db sync-states [-S START] [-E END] [-M CLUSTER]\n"
	      "  Store the state Slurm's accounting gives each job that ended in the\n"
	      "  window (sacct -X: COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY,\n"
	      "  NODE_FAIL, PREEMPTED); reports then name those states. Run it as an\n"
	      "  administrator (carbon_admin), e.g. hourly from cron.\n"
	      "  -S, --starttime START  sacct's -S (default " SYNC_DEFAULT_START ")\n"
	      "  -E, --endtime END      sacct's -E (default now)\n"
	      "  -M, --cluster CLUSTER  sacct's -M (default: sacct's own cluster)\n",
	      fp);
}

/* A time as sacct reads it with TZ=UTC. */
static void utc_arg(double t, char *buf, size_t n)
{
	utc_iso8601(t, buf, n);
	buf[strcspn(buf, "Z")] = '\0';	/* sacct takes no zone: TZ=UTC says it */
}

/* The rows read, as the arrays of the upsert's parameters. */
struct state_arrays {
	char *p[6];
	size_t len[6], cap[6];
	size_t n;
};

static int append(struct state_arrays *a, int k, const char *text)
{
	size_t need = a->len[k] + strlen(text) + 4;

	if (need > a->cap[k]) {
		size_t cap = a->cap[k] ? a->cap[k] * 2 : 4096;
		char *p;

		while (cap < need)
			cap *= 2;
		p = realloc(a->p[k], cap);
		if (!p)
			return -1;
		a->p[k] = p;
		a->cap[k] = cap;
	}
	a->len[k] += (size_t)sprintf(a->p[k] + a->len[k], "%s%s", a->n ? "," : "{", text);
	return 0;
}

static int add_row(struct state_arrays *a, const struct sacct_row *row)
{
	char buf[6][160];
	int k;

	/* The cluster is a name (letters, digits, . _ @ -): quoted all the
	 * same, as an array element. */
	snprintf(buf[0], sizeof(buf[0]), "\"%s\"", row->cluster);
	snprintf(buf[1], sizeof(buf[1]), "%u", (unsigned)row->job_id);
	snprintf(buf[2], sizeof(buf[2]), "%.0f", row->start_s);
	snprintf(buf[3], sizeof(buf[3]), "%s", job_state_name(row->state));
	snprintf(buf[4], sizeof(buf[4]), "%d", row->exit_code);
	snprintf(buf[5], sizeof(buf[5]), "%d", row->exit_signal);
	for (k = 0; k < 6; k++)
		if (append(a, k, buf[k]) < 0)
			return -1;
	a->n++;
	return 0;
}

static void arrays_free(struct state_arrays *a)
{
	int k;

	for (k = 0; k < 6; k++)
		free(a->p[k]);
}

/* What read_line() fills: the rows, and how many lines were skipped. */
struct sacct_read {
	struct state_arrays *a;
	size_t skipped;
};

static int read_line(void *arg, const char *line, const char **why)
{
	struct sacct_read *r = arg;
	struct sacct_row row;

	switch (sacct_parse_line(line, &row, why)) {
	case SACCT_LINE_OK:
		if (add_row(r->a, &row) < 0) {
			*why = "out of memory";
			return -1;
		}
		return 0;
	case SACCT_LINE_SKIP:
		r->skipped++;
		return 0;
	case SACCT_LINE_BAD:
		break;
	}
	return -1;
}

/* Each instance once (sacct -D may list one twice); a state that changed
 * is replaced, an unchanged one left as it was. */
static const char upsert_sql[] =
	"WITH v AS (SELECT DISTINCT ON (cluster, job_id, start_s) *"
	"           FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::text[],"
	"                       $5::integer[], $6::integer[])"
	"                AS v(cluster, job_id, start_s, state, exit_code, exit_signal)"
	"           ORDER BY cluster, job_id, start_s),"
	" up AS (INSERT INTO carbon.job_state AS s"
	"            (cluster, job_id, job_start, state, exit_code, exit_signal, source)"
	"        SELECT cluster, job_id, to_timestamp(start_s), state, exit_code, exit_signal,"
	"               'sacct' FROM v"
	"        ON CONFLICT (cluster, job_id, job_start) DO UPDATE SET"
	"            state = EXCLUDED.state, exit_code = EXCLUDED.exit_code,"
	"            exit_signal = EXCLUDED.exit_signal, source = EXCLUDED.source,"
	"            updated_at = now()"
	"        WHERE (s.state, s.exit_code, s.exit_signal, s.source)"
	"              IS DISTINCT FROM (EXCLUDED.state, EXCLUDED.exit_code,"
	"                                EXCLUDED.exit_signal, EXCLUDED.source)"
	"        RETURNING 1)"
	" SELECT count(*) FROM up";

int cmd_db_sync_states(struct report_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "starttime", required_argument, NULL, 'S' },
		{ "endtime", required_argument, NULL, 'E' },
		{ "cluster", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *start_text = SYNC_DEFAULT_START, *end_text = "now", *cluster = NULL;
	const char *why = NULL;
	char start_arg[32], end_arg[32];
	char *sacct_argv[16];
	struct state_arrays a;
	double now = (double)time(NULL), start_s, end_s;
	struct sacct_read r = { .a = &a };
	size_t n = 0;
	PGconn *conn = NULL;
	PGresult *res = NULL;
	int rc = EXIT_USAGE, c, k;

	memset(&a, 0, sizeof(a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "S:E:M:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'S':
			start_text = optarg;
			break;
		case 'E':
			end_text = optarg;
			break;
		case 'M':
			cluster = optarg;
			break;
		case 'h':
			usage(stdout);
			rc = EXIT_OK;
			goto out;
		default:
			fputs("Try 'carbon-report db sync-states --help'.\n", stderr);
			goto out;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "carbon-report db sync-states: unexpected argument '%s'\n",
			argv[optind]);
		goto out;
	}
	if (utc_parse_time(start_text, now, &start_s, NULL, 0) < 0 ||
	    utc_parse_time(end_text, now, &end_s, NULL, 0) < 0 || start_s < 0 || end_s < start_s) {
		fprintf(stderr, "carbon-report db sync-states: -S and -E must be times, the end not before the start (e.g. -S now-2days, -S 2026-11-01)\n");
		goto out;
	}
	if (cluster && !record_text_is_safe(cluster, 127, RECORD_TEXT_NAME, &why)) {
		fprintf(stderr, "carbon-report db sync-states: -M: not a cluster name: %s\n", why);
		goto out;
	}
	utc_arg(start_s, start_arg, sizeof(start_arg));
	utc_arg(end_s, end_arg, sizeof(end_arg));
	k = 0;
	sacct_argv[k++] = "sacct";
	sacct_argv[k++] = "-X";		/* jobs, not their steps */
	sacct_argv[k++] = "-a";		/* every user's (as root or an operator) */
	sacct_argv[k++] = "-D";		/* every instance of a requeued job */
	sacct_argv[k++] = "-n";
	sacct_argv[k++] = "-P";
	sacct_argv[k++] = "--noconvert";
	sacct_argv[k++] = "-o";
	sacct_argv[k++] = SACCT_FIELDS;
	sacct_argv[k++] = "-S";
	sacct_argv[k++] = start_arg;
	sacct_argv[k++] = "-E";
	sacct_argv[k++] = end_arg;
	if (cluster) {
		sacct_argv[k++] = "-M";
		sacct_argv[k++] = (char *)cluster;
	}
	sacct_argv[k] = NULL;

	rc = EXIT_NODATA;
	if (slurm_command_lines(sacct_argv, read_line, &r) < 0)
		goto out;
	if (a.n) {
		const char *params[6];

		conn = report_connect(env);
		if (!conn)
			goto out;
		for (k = 0; k < 6; k++) {
			a.p[k][a.len[k]++] = '}';
			a.p[k][a.len[k]] = '\0';
			params[k] = a.p[k];
		}
		res = PQexecParams(conn, upsert_sql, 6, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			report_sql_error("cannot store the job states", res);
			goto out;
		}
		n = (size_t)strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	}
	printf("synced %zu job state%s from sacct (%zu new or changed; %zu line%s of jobs not ended, never started or in another state skipped)\n",
	       a.n, a.n == 1 ? "" : "s", n, r.skipped, r.skipped == 1 ? "" : "s");
	rc = EXIT_OK;
out:
	PQclear(res);
	PQfinish(conn);
	arrays_free(&a);
	return rc;
}

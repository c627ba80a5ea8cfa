/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Spool replay: idempotent, batched, with COPY (the part of the spool that
 * needs libpq; writing and parsing are in spool.c). */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"

/* ---- replay ------------------------------------------------------------ */

static const char temp_table_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS spool_in ("
	" cluster text, job_id bigint, step text, node text, uid bigint,"
	" user_name text, account text, project text, tag text,"
	" start_time timestamptz, end_time timestamptz,"
	" cpu_j float8, dram_j float8, gpu_j float8, other_j float8,"
	" samples integer, method text, partial boolean)"
	" ON COMMIT DELETE ROWS";

/* One record as a line of COPY's text format. Text fields hold no tabs,
 * newlines or backslashes (spool_parse guarantees it); empty optional
 * fields are NULL (\N). */
static int copy_line(const struct step_record *r, char *buf, size_t n)
{
	char start[40], end[40];
	int len;

	len = snprintf(buf, n,
		       "%s\t%" PRIu32 "\t%s\t%s\t%" PRIu32 "\t%s\t%s\t%s\t%s\t%s\t%s\t"
		       "%.6f\t%.6f\t%.6f\t%.6f\t%" PRIu32 "\t%s\t%s\n",
		       r->cluster, r->job_id, r->step, r->node, r->uid, r->user,
		       r->account[0] ? r->account : "\\N",
		       r->project[0] ? r->project : "\\N",
		       r->tag[0] ? r->tag : "\\N",
		       utc_timestamp_us(r->start_s, start, sizeof(start)),
		       utc_timestamp_us(r->end_s, end, sizeof(end)),
		       r->energy_j[DOMAIN_CPU], r->energy_j[DOMAIN_DRAM],
		       r->energy_j[DOMAIN_GPU], r->energy_j[DOMAIN_OTHER], r->samples,
		       r->method, r->partial ? "t" : "f");
	return (len < 0 || (size_t)len >= n) ? -1 : len;
}

static int exec_ok(PGconn *conn, const char *sql, ExecStatusType want, char *err,
		   size_t errlen)
{
	PGresult *res = PQexec(conn, sql);
	int rc = 0;

	if (PQresultStatus(res) != want) {
		db_error_line(conn, err, errlen);
		rc = -1;
	}
	PQclear(res);
	return rc;
}

static int is_spool_file(const struct dirent *e)
{
	size_t n = strlen(e->d_name), s = strlen(SPOOL_SUFFIX);

	return e->d_name[0] != '.' && n > s && !strcmp(e->d_name + n - s, SPOOL_SUFFIX);
}

static void reject(const char *dir, const char *name, const char *why,
		   struct spool_stats *st, spool_report_fn report, void *arg)
{
	char from[1024], to[1100], msg[2600];

	snprintf(from, sizeof(from), "%s/%s", dir, name);
	snprintf(to, sizeof(to), "%s.bad", from);
	if (rename(from, to) == 0)
		snprintf(msg, sizeof(msg), "%s; kept as %s", why, to);
	else
		snprintf(msg, sizeof(msg), "%s; cannot rename it: %s", why, strerror(errno));
	st->rejected++;
	if (report)
		report(msg, arg);
}

/* Send one batch: COPY the records, merge, commit, then remove the files. */
static int flush_batch(PGconn *conn, const char *dir, char **names,
		       const struct step_record *recs, unsigned n,
		       struct spool_stats *st, char *err, size_t errlen)
{
	PGresult *res = NULL;
	char line[2048], path[1024];
	unsigned i, merged;
	int rc = -1;

	if (exec_ok(conn, "BEGIN", PGRES_COMMAND_OK, err, errlen) < 0 ||
	    exec_ok(conn, temp_table_sql, PGRES_COMMAND_OK, err, errlen) < 0 ||
	    exec_ok(conn, "COPY pg_temp.spool_in FROM STDIN", PGRES_COPY_IN, err, errlen) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		int len = copy_line(&recs[i], line, sizeof(line));

		if (len < 0 || PQputCopyData(conn, line, len) != 1) {
			PQputCopyEnd(conn, "record too long");
			db_error_line(conn, err, errlen);
			goto out;
		}
	}
	if (PQputCopyEnd(conn, NULL) != 1) {
		db_error_line(conn, err, errlen);
		goto out;
	}
	res = PQgetResult(conn);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		db_error_line(conn, err, errlen);
		goto out;
	}
	PQclear(res);
	res = PQexec(conn, "SELECT carbon.merge_spool_in() AS merged");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		db_error_line(conn, err, errlen);
		goto out;
	}
	merged = (unsigned)strtoul(PQgetvalue(res, 0, PQfnumber(res, "merged")), NULL, 10);
	PQclear(res);
	res = NULL;
	if (exec_ok(conn, "COMMIT", PGRES_COMMAND_OK, err, errlen) < 0)
		goto out;
	/* Committed: only now may the files go. A crash before this point
	 * leaves them for the next flush, which the merge rule makes harmless. */
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	st->stored += merged;
	st->already += n - (merged > n ? n : merged);
	rc = 0;
out:
	PQclear(res);
	if (rc < 0) {
		/* Drain anything left of a failed COPY before ROLLBACK. */
		while ((res = PQgetResult(conn)) != NULL)
			PQclear(res);
		if (PQstatus(conn) == CONNECTION_OK)
			PQclear(PQexec(conn, "ROLLBACK"));
	}
	return rc;
}

int spool_flush(PGconn *conn, const char *dir, unsigned max_files,
		unsigned batch, double deadline, struct spool_stats *st,
		spool_report_fn report, void *arg, char *err, size_t errlen)
{
	struct dirent **entries = NULL;
	struct step_record *recs = NULL;
	char **names = NULL;
	char why[1024], path[1024];
	int count, i, rc = -1;
	unsigned n = 0;

	memset(st, 0, sizeof(*st));
	if (batch == 0)
		batch = 1000;
	count = scandir(dir, &entries, is_spool_file, alphasort);
	if (count < 0) {
		snprintf(err, errlen, "cannot read spool directory %s: %s", dir, strerror(errno));
		return -1;
	}
	recs = calloc(batch, sizeof(*recs));
	names = calloc(batch, sizeof(*names));
	if (!recs || !names) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < count; i++) {
		if ((max_files && st->files >= max_files) ||
		    (deadline > 0 && spool_monotonic_s() > deadline))
			break;
		snprintf(path, sizeof(path), "%s/%s", dir, entries[i]->d_name);
		st->files++;
		if (spool_read_file(path, &recs[n], why, sizeof(why)) < 0) {
			reject(dir, entries[i]->d_name, why, st, report, arg);
			continue;
		}
		names[n++] = entries[i]->d_name;
		if (n == batch) {
			if (flush_batch(conn, dir, names, recs, n, st, err, errlen) < 0)
				goto out;
			n = 0;
		}
	}
	if (n > 0 && flush_batch(conn, dir, names, recs, n, st, err, errlen) < 0)
		goto out;
	rc = 0;
out:
	for (i = 0; i < count; i++)
		free(entries[i]);
	free(entries);
	free(recs);
	free(names);
	return rc;
}

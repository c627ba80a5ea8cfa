/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PostgreSQL connection and the step record INSERT. */
#include "db.h"

#include "record_fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void drop_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static void one_line(char *s)
{
	char *p;

	for (p = s; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	while (p > s && p[-1] == ' ')
		*--p = '\0';
}

void db_error_line(PGconn *conn, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", conn ? PQerrorMessage(conn) : "out of memory");
	one_line(err);
}

int db_exec(PGconn *conn, const char *sql, char *err, size_t errlen)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_COPY_IN) {
		db_error_line(conn, err, errlen);
		rc = -1;
	}
	PQclear(res);
	return rc;
}

PGconn *db_connect(const char *conninfo, int timeout_s, const char *app_name,
		   char *err, size_t errlen)
{
	char timeout[16], options[64], user_timeout_ms[24];
	const char *keys[6], *values[6];
	int n = 0;
	PGconn *conn;

	keys[n] = "dbname";
	values[n++] = conninfo;
	keys[n] = "application_name";
	values[n++] = app_name;
	if (timeout_s > 0) {
		snprintf(timeout, sizeof(timeout), "%d", timeout_s);
		snprintf(options, sizeof(options), "-c statement_timeout=%d",
			 timeout_s * 1000);
		keys[n] = "connect_timeout";
		values[n++] = timeout;
		keys[n] = "options";
		values[n++] = options;
		/* Over TCP, a server that stops answering after the connection
		 * was made is given up on too (Linux TCP_USER_TIMEOUT). */
		snprintf(user_timeout_ms, sizeof(user_timeout_ms), "%d", timeout_s * 1000);
		keys[n] = "tcp_user_timeout";
		values[n++] = user_timeout_ms;
	}
	keys[n] = NULL;
	values[n] = NULL;

	conn = PQconnectdbParams(keys, values, 1);
	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		db_error_line(conn, err, errlen);
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, drop_notice, NULL);
	return conn;
}

/* The one write: carbon.put_steps (sql/013), which the writer role may call
 * and nothing else, reading only its argument. One row a refusal (ord, why
 * NULL when none). */
static const char put_steps_sql[] =
	"SELECT p.stored, u.ord, u.why FROM carbon.put_steps($1::jsonb) AS p"
	" LEFT JOIN LATERAL unnest(p.refused, p.why) AS u(ord, why) ON true";

int db_put_steps(PGconn *conn, const char *rows_json, unsigned *stored,
		 db_refused_fn refused, void *arg, char *err, size_t errlen)
{
	const char *v[1] = { rows_json };
	PGresult *res;
	int rc = -1, i, c_stored, c_ord, c_why;

	*stored = 0;
	res = PQexecParams(conn, put_steps_sql, 1, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) < 1) {
		snprintf(err, errlen, "%s", PQresultErrorMessage(res));
		one_line(err);
		goto out;
	}
	c_stored = PQfnumber(res, "stored");
	c_ord = PQfnumber(res, "ord");
	c_why = PQfnumber(res, "why");
	*stored = (unsigned)strtoul(PQgetvalue(res, 0, c_stored), NULL, 10);
	for (i = 0; i < PQntuples(res); i++) {
		if (PQgetisnull(res, i, c_ord))
			continue;
		if (refused)
			refused((unsigned)strtoul(PQgetvalue(res, i, c_ord), NULL, 10),
				PQgetvalue(res, i, c_why), arg);
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* The reason the only record of a call was refused. */
static void one_refusal(unsigned ord, const char *why, void *arg)
{
	char **first = arg;

	(void)ord;
	if (!*first)
		*first = strdup(why);
}

int db_insert_record(PGconn *conn, const struct step_record *r, char *err,
		     size_t errlen)
{
	struct record_rows rows = RECORD_ROWS_INIT;
	const char *json;
	char *why = NULL;
	unsigned stored;
	int rc = -1;

	if (record_rows_add(&rows, r) < 0 || !(json = record_rows_json(&rows))) {
		snprintf(err, errlen, "out of memory for the record");
		goto out;
	}
	if (db_put_steps(conn, json, &stored, one_refusal, &why, err, errlen) < 0)
		goto out;
	if (why) {
		snprintf(err, errlen, "the database refused the record: %s", why);
		goto out;
	}
	rc = 0;
out:
	free(why);
	record_rows_free(&rows);
	return rc;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PostgreSQL access shared by the plugin (writes) and carbon-report (reads). */
#ifndef CARBON_DB_H
#define CARBON_DB_H

#include <libpq-fe.h>
#include <stddef.h>

#include "record.h"

/* Connect with conninfo (libpq keywords or a URI; may be empty to use libpq's
 * environment defaults). timeout_s > 0 bounds the connection: the whole login,
 * all hosts of the conninfo together, is given up on after timeout_s seconds
 * (non-blocking connect and poll(2); a host name is still resolved
 * beforehand without a bound: give hostaddr= to avoid that). Several hosts
 * ("host=db1,db2 port=5432,5432 target_session_attrs=read-write") are tried
 * in their order, one connection each, as libpq would: each is given an
 * equal part of the time left, so that one that never answers leaves the
 * next its part, and one that fails at once (refused, or not what
 * target_session_attrs asks) passes its time on; prefer-standby takes the
 * first standby, else the first server that answered. A host list from
 * PGHOST or a service file is one attempt, as libpq makes it. Over TCP
 * timeout_s also bounds unacknowledged data (tcp_user_timeout); statements
 * are bounded by db_set_deadline() only. Nothing is set for the session (no
 * "options" startup parameter, no SET), so the connection may go through a
 * pooler in transaction mode (PgBouncer). libpq notices are
 * dropped, never written to stderr. Returns the connection, in libpq's
 * ordinary blocking mode with no deadline, or NULL with a one-line reason in
 * err (never the password). The caller PQfinish()es it. */
PGconn *db_connect(const char *conninfo, int timeout_s, const char *app_name,
		   char *err, size_t errlen);

/* How long a call whose deadline passed waits for the server to take the
 * cancel request, in seconds (see db_set_deadline()). */
#define DB_CANCEL_WAIT_S 0.2

/* Put every later db_put_rows(), db_insert_record() and db_exec() on conn
 * under deadline_s, CLOCK_MONOTONIC seconds (spool_monotonic_s()); 0 removes
 * it (the default: such calls wait as long as the server takes). With a
 * deadline the connection is non-blocking, and a call waits with poll(2):
 * when the deadline passes before the answer, the call asks the server to
 * cancel the statement (waiting at most DB_CANCEL_WAIT_S), shuts the
 * connection down and returns -1 with "the database did not answer within
 * N s" in err; every later call on conn then fails at once with that reason,
 * and so does a call made after the deadline. So a call returns at most
 * DB_CANCEL_WAIT_S after the deadline. Calls of libpq itself (PQexec) are not
 * bounded. The deadline lives with conn and is freed by PQfinish(). Returns
 * 0, or -1 when it cannot be set (out of memory). */
int db_set_deadline(PGconn *conn, double deadline_s);

/* Called for each record carbon.put_rows refused: its place in the
 * array (from 1) and the database's reason. */
typedef void (*db_refused_fn)(unsigned ordinal, const char *why, void *arg);

/* Store the records of rows (an array literal of carbon.step_in, see
 * record_rows_literal()) through carbon.put_rows in one statement: a row already there for
 * (cluster, job, step, node) is kept unless it is partial and the new one
 * is complete or a later checkpoint of the same user, so a repeated write is
 * harmless. *stored: rows added or upgraded. Refused records (bounds,
 * characters) are passed to refused (may be NULL); the others are stored.
 * Under conn's deadline (db_set_deadline()). Returns 0, or -1 with a
 * one-line reason in err (nothing stored, unless the deadline passed: then
 * the server may still have stored them, which a repeat makes harmless). */
int db_put_rows(PGconn *conn, const char *rows, unsigned *stored,
		 db_refused_fn refused, void *arg, char *err, size_t errlen);

/* db_put_rows() in two halves, so that the caller can prepare its next
 * batch while the server stores this one: db_put_rows_send() sends rows
 * (libpq copies them: the caller may reuse the buffer at once) and returns
 * 0, or -1 with a reason in err; then db_put_rows_result() waits for the
 * answer and returns what db_put_rows() would. Between the two, conn takes
 * no other call. conn's deadline bounds both (db_set_deadline()). */
int db_put_rows_send(PGconn *conn, const char *rows, char *err, size_t errlen);
int db_put_rows_result(PGconn *conn, unsigned *stored, db_refused_fn refused, void *arg,
		       char *err, size_t errlen);

/* db_put_rows_send() for rows in the binary form (record_rows_binary(),
 * len bytes). */
int db_put_rows_send_binary(PGconn *conn, const char *rows, size_t len, char *err,
			    size_t errlen);

/* What carbon.step_in is on conn's server (one query, under conn's
 * deadline), into t (record_sql_types_set()). Returns 0; 1 when its fields
 * are not those of record_fields (then only the array literal fits); -1 with
 * a reason in err. */
struct record_sql_types;
int db_step_in_types(PGconn *conn, struct record_sql_types *t, char *err, size_t errlen);

/* Store the one record r (db_put_rows). Returns 0, or -1 with a one-line
 * reason in err (a refusal: "the database refused the record: WHY"). */
int db_insert_record(PGconn *conn, const struct step_record *r, char *err,
		     size_t errlen);

/* Run sql (no parameters; may hold several statements) under conn's
 * deadline (db_set_deadline()). Success is a command, rows, or the start of
 * a COPY FROM STDIN. Returns 0, or -1 with the reason in err as one line. */
int db_exec(PGconn *conn, const char *sql, char *err, size_t errlen);

/* Copy libpq's last error for conn into err as one line. */
void db_error_line(PGconn *conn, char *err, size_t errlen);

#endif

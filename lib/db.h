/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PostgreSQL access shared by the plugin (writes) and carbon-report (reads). */
#ifndef CARBON_DB_H
#define CARBON_DB_H

#include <libpq-fe.h>
#include <stddef.h>

#include "record.h"

/* Connect with conninfo (libpq keywords or a URI; may be empty to use libpq's
 * environment defaults). timeout_s > 0 bounds the connection (connect_timeout),
 * every statement on it (statement_timeout) and, over TCP, unacknowledged
 * data (tcp_user_timeout). libpq notices are dropped,
 * never written to stderr. Returns the connection, or NULL with a one-line
 * reason in err (never the password). The caller PQfinish()es it. */
PGconn *db_connect(const char *conninfo, int timeout_s, const char *app_name,
		   char *err, size_t errlen);

/* Called for each record carbon.put_steps refused: its place in the
 * array (from 1) and the database's reason. */
typedef void (*db_refused_fn)(unsigned ordinal, const char *why, void *arg);

/* Store the records of rows_json (a JSON array, see record_rows_json())
 * through carbon.put_steps in one statement: a row already there for
 * (cluster, job, step, node) is kept unless it is partial and the new one
 * is complete or a later checkpoint of the same user, so a repeated write is
 * harmless. *stored: rows added or upgraded. Refused records (bounds,
 * characters) are passed to refused (may be NULL); the others are stored.
 * Returns 0, or -1 with a one-line reason in err (nothing stored). */
int db_put_steps(PGconn *conn, const char *rows_json, unsigned *stored,
		 db_refused_fn refused, void *arg, char *err, size_t errlen);

/* Store the one record r (db_put_steps). Returns 0, or -1 with a one-line
 * reason in err (a refusal: "the database refused the record: WHY"). */
int db_insert_record(PGconn *conn, const struct step_record *r, char *err,
		     size_t errlen);

/* Run sql (no parameters; may hold several statements). Success is a
 * command, rows, or the start of a COPY FROM STDIN. Returns 0, or -1 with
 * libpq's reason in err as one line. */
int db_exec(PGconn *conn, const char *sql, char *err, size_t errlen);

/* Copy libpq's last error for conn into err as one line. */
void db_error_line(PGconn *conn, char *err, size_t errlen);

#endif

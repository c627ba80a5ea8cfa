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

/* Store r through carbon.put_step: a row already there for (cluster, job,
 * step, node) is kept unless it is partial and r is complete or a later
 * checkpoint, so a repeated insert is harmless. Every value travels as a
 * parameter.
 * Returns 0, or -1 with a one-line reason in err. */
int db_insert_record(PGconn *conn, const struct step_record *r, char *err,
		     size_t errlen);

/* Run sql (no parameters; may hold several statements). Success is a
 * command, rows, or the start of a COPY FROM STDIN. Returns 0, or -1 with
 * libpq's reason in err as one line. */
int db_exec(PGconn *conn, const char *sql, char *err, size_t errlen);

/* Copy libpq's last error for conn into err as one line. */
void db_error_line(PGconn *conn, char *err, size_t errlen);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PostgreSQL connection and the step record writes, each under a deadline
 * when the caller sets one (non-blocking libpq, poll(2), cancel). */
#include "db.h"

#include "record_fields.h"
#include "spool.h"

#include <errno.h>
#include <libpq-events.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/* The error of res as one line, else libpq's last one for conn. */
static void result_error_line(PGconn *conn, const PGresult *res, char *err, size_t errlen)
{
	const char *msg = PQresultErrorMessage(res);

	if (!msg[0])
		msg = PQerrorMessage(conn);
	snprintf(err, errlen, "%s", msg);
	one_line(err);
}

/* ---- the deadline of a connection ---------------------------------------
 * Kept as libpq instance data of an event procedure, so that it is freed
 * with the connection however the caller closes it, and a new connection
 * that libpq happens to place at the same address never inherits it. */
struct db_deadline {
	double deadline_s;	/* CLOCK_MONOTONIC seconds; 0: none */
	double sent_s;		/* when the call awaited was sent */
	char gave_up[96];	/* once a call got no answer in time: why later calls fail */
};

static int deadline_event(PGEventId id, void *info, void *pass_through)
{
	(void)pass_through;
	if (id == PGEVT_CONNDESTROY)
		free(PQinstanceData(((PGEventConnDestroy *)info)->conn, deadline_event));
	return 1;	/* 0 would turn every result into an error */
}

static struct db_deadline *deadline_of(const PGconn *conn)
{
	return PQinstanceData(conn, deadline_event);
}

int db_set_deadline(PGconn *conn, double deadline_s)
{
	struct db_deadline *d = deadline_of(conn);

	if (!d) {
		if (deadline_s <= 0)
			return 0;
		d = calloc(1, sizeof(*d));
		if (!d || !PQregisterEventProc(conn, deadline_event, "carbon deadline", NULL) ||
		    !PQsetInstanceData(conn, deadline_event, d)) {
			free(d);
			return -1;
		}
	}
	d->deadline_s = deadline_s > 0 ? deadline_s : 0;
	/* Non-blocking: sending to a server that stopped reading must not
	 * block either, nor the goodbye PQfinish() sends. */
	return PQsetnonblocking(conn, deadline_s > 0) == 0 ? 0 : -1;
}

/* Wait until conn's socket is ready for events (POLLIN, POLLOUT), or until
 * deadline_s (0: none). Returns 1 when ready, 0 when the deadline passed,
 * -1 with a reason in err. */
static int wait_socket(PGconn *conn, short events, double deadline_s, char *err,
		       size_t errlen)
{
	struct pollfd p = { .fd = PQsocket(conn), .events = events };
	int timeout_ms = -1, n;

	if (p.fd < 0) {
		db_error_line(conn, err, errlen);
		if (!err[0])
			snprintf(err, errlen, "no connection to the server");
		return -1;
	}
	for (;;) {
		if (deadline_s > 0) {
			double left_s = deadline_s - spool_monotonic_s();

			if (left_s <= 0)
				return 0;
			timeout_ms = (int)(left_s * 1000.0) + 1;
		}
		n = poll(&p, 1, timeout_ms);
		if (n > 0)
			return 1;	/* POLLERR, POLLHUP too: libpq says what */
		if (n < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
	}
}

/* Ask the server to cancel what conn is running, waiting at most wait_s.
 * PQcancel() opens a connection of its own and waits, without a limit, for
 * the server to close it: a server that stopped answering would hold it as
 * long as the call it cancels (libpq 17's PQcancelPoll() would bound it; 15
 * has none). So it runs in a child process, killed and reaped when it takes
 * longer. PQcancel() is async-signal-safe (libpq means it for signal
 * handlers), which is all the child of a threaded process such as
 * slurmstepd may call. */
static void cancel_briefly(PGconn *conn, double wait_s)
{
	const struct timespec tick = { 0, 5 * 1000 * 1000 };
	PGcancel *cancel = PQgetCancel(conn);
	double until_s = spool_monotonic_s() + wait_s;
	pid_t pid, done;

	if (!cancel)
		return;
	pid = fork();
	if (pid == 0) {
		char why[256];

		_exit(PQcancel(cancel, why, sizeof(why)) ? 0 : 1);
	}
	while (pid > 0) {
		done = waitpid(pid, NULL, WNOHANG);
		if (done == pid || (done < 0 && errno != EINTR))
			break;
		if (spool_monotonic_s() >= until_s) {
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			break;
		}
		nanosleep(&tick, NULL);
	}
	PQfreeCancel(cancel);
}

/* The deadline passed with a call outstanding: cancel it (briefly), then
 * shut the connection down, so that nothing on it can block again and the
 * server sees it closed; later calls fail at once (d->gave_up). */
static void give_up(PGconn *conn, struct db_deadline *d, double waited_s, char *err,
		    size_t errlen)
{
	cancel_briefly(conn, DB_CANCEL_WAIT_S);
	if (PQsocket(conn) >= 0)
		shutdown(PQsocket(conn), SHUT_RDWR);
	snprintf(d->gave_up, sizeof(d->gave_up),
		 "the database did not answer within %.1f s; connection closed", waited_s);
	snprintf(err, errlen, "%s", d->gave_up);
}

/* Flush what is still to be sent and read until PQgetResult() will not
 * block, or until deadline_s (0: none). Returns 1 when a result is ready, 0
 * when the deadline passed, -1 with a reason in err. */
static int await_result(PGconn *conn, double deadline_s, char *err, size_t errlen)
{
	for (;;) {
		int unsent = PQflush(conn), w;

		if (unsent < 0) {
			db_error_line(conn, err, errlen);
			return -1;
		}
		if (!unsent && !PQisBusy(conn))
			return 1;
		/* Read while sending too, as libpq asks: the server may be
		 * waiting for us to take its output before it reads more. */
		w = wait_socket(conn, POLLIN | (unsent ? POLLOUT : 0), deadline_s, err, errlen);
		if (w <= 0)
			return w;
		if (!PQconsumeInput(conn)) {
			/* The connection is lost: PQgetResult() returns at once
			 * with what the server said last, as PQexec() would. */
			if (PQstatus(conn) == CONNECTION_BAD)
				return 1;
			db_error_line(conn, err, errlen);
			return -1;
		}
	}
}

/* Send sql, with nparams parameters (the extended protocol; text unless
 * lengths and formats say otherwise, as for PQsendQueryParams), or with
 * nparams < 0 as a simple query (which may hold several statements), under
 * conn's deadline; db_await() waits for its results. Returns 0, or -1 with a
 * reason in err. */
static int db_send_params(PGconn *conn, const char *sql, int nparams,
			  const char *const *values, const int *lengths, const int *formats,
			  char *err, size_t errlen)
{
	struct db_deadline *d = deadline_of(conn);
	double now_s;
	int sent;

	if (d && d->gave_up[0]) {
		snprintf(err, errlen, "%s", d->gave_up);
		return -1;
	}
	now_s = spool_monotonic_s();
	if (d && d->deadline_s > 0 && now_s >= d->deadline_s) {
		snprintf(err, errlen, "no time left for the database (its deadline passed)");
		return -1;
	}
	if (d)
		d->sent_s = now_s;
	if (nparams < 0)
		sent = PQsendQuery(conn, sql);
	else
		sent = PQsendQueryParams(conn, sql, nparams, NULL, values, lengths, formats, 0);
	if (!sent) {
		db_error_line(conn, err, errlen);
		return -1;
	}
	return 0;
}

/* db_send_params() with text parameters. */
static int db_send(PGconn *conn, const char *sql, int nparams, const char *const *values,
		   char *err, size_t errlen)
{
	return db_send_params(conn, sql, nparams, values, NULL, NULL, err, errlen);
}

/* Wait under conn's deadline for the results of what db_send() sent.
 * Returns the last result (the first error when there is one; the start of
 * a COPY ends the wait), which the caller PQclear()s, or NULL with a reason
 * in err. */
static PGresult *db_await(PGconn *conn, char *err, size_t errlen)
{
	struct db_deadline *d = deadline_of(conn);
	double deadline_s = d ? d->deadline_s : 0;
	PGresult *last = NULL, *res;
	ExecStatusType st;
	int w;

	for (;;) {
		w = await_result(conn, deadline_s, err, errlen);
		if (w == 0)
			give_up(conn, d, spool_monotonic_s() - d->sent_s, err, errlen);
		if (w <= 0) {
			PQclear(last);
			return NULL;
		}
		res = PQgetResult(conn);
		if (!res)
			break;
		st = PQresultStatus(res);
		if (last && PQresultStatus(last) == PGRES_FATAL_ERROR) {
			PQclear(res);
		} else {
			PQclear(last);
			last = res;
		}
		if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH ||
		    PQstatus(conn) == CONNECTION_BAD)
			break;
	}
	if (!last)
		db_error_line(conn, err, errlen);
	return last;
}

/* db_send() of one parameter in the binary form. */
static int db_send_binary(PGconn *conn, const char *sql, const char *value, size_t len,
			  char *err, size_t errlen)
{
	const char *values[1] = { value };
	int lengths[1] = { (int)len }, formats[1] = { 1 };

	if (len > (size_t)0x7fffffff) {
		snprintf(err, errlen, "a batch of records too large to send");
		return -1;
	}
	return db_send_params(conn, sql, 1, values, lengths, formats, err, errlen);
}

/* db_send() and db_await(). */
static PGresult *db_run(PGconn *conn, const char *sql, int nparams,
			const char *const *values, char *err, size_t errlen)
{
	if (db_send(conn, sql, nparams, values, err, errlen) < 0)
		return NULL;
	return db_await(conn, err, errlen);
}

int db_exec(PGconn *conn, const char *sql, char *err, size_t errlen)
{
	PGresult *res = db_run(conn, sql, -1, NULL, err, errlen);
	ExecStatusType st;
	int rc = 0;

	if (!res)
		return -1;
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_COPY_IN) {
		result_error_line(conn, res, err, errlen);
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/* ---- several hosts in one conninfo ---------------------------------------
 * libpq tries the hosts of "host=a,b port=p,q" in turn, but bounds each by
 * connect_timeout only in its blocking connect; here the login has one
 * deadline. So that a hung first host (a machine that died, its SYNs
 * unanswered) does not take all of it, the hosts are tried here, one
 * connection each, in their order: each gets an equal part of the time
 * left, and one that fails at once (refused; read-only under
 * target_session_attrs=read-write, which libpq checks per host) passes its
 * time on. prefer-standby is libpq's rule: the first standby (the server's
 * in_hot_standby), else the first server that answered. */
#define CONNINFO_ITEM_MAX 1024	/* a host: a name, or a socket directory */

struct conn_hosts {
	PQconninfoOption *opts;	/* the conninfo parsed; NULL: one attempt as given */
	const char *host, *hostaddr, *port;	/* their lists, or NULL */
	int n;			/* hosts to try */
	bool prefer_standby;
};

/* Elements of a comma-separated list (0 for NULL or ""). */
static int list_count(const char *list)
{
	int n = 1;

	if (!list || !*list)
		return 0;
	for (; *list; list++)
		n += *list == ',';
	return n;
}

/* Element i of list into buf; a list of one element (a port) is every
 * host's, and an empty one stays empty. */
static const char *list_item(const char *list, int i, char *buf, size_t len)
{
	size_t n;

	if (list_count(list) <= 1)
		return list;
	for (; i > 0 && list; i--) {
		list = strchr(list, ',');
		if (list)
			list++;
	}
	if (!list)
		return "";
	n = strcspn(list, ",");
	snprintf(buf, len, "%.*s", (int)n, list);
	return buf;
}

static void conn_hosts_parse(struct conn_hosts *h, const char *conninfo)
{
	PQconninfoOption *o;
	int n_host, n_addr, n_port;

	memset(h, 0, sizeof(*h));
	h->opts = PQconninfoParse(conninfo, NULL);
	for (o = h->opts; o && o->keyword; o++) {
		if (!strcmp(o->keyword, "host"))
			h->host = o->val;
		else if (!strcmp(o->keyword, "hostaddr"))
			h->hostaddr = o->val;
		else if (!strcmp(o->keyword, "port"))
			h->port = o->val;
		else if (!strcmp(o->keyword, "target_session_attrs"))
			h->prefer_standby = o->val && !strcmp(o->val, "prefer-standby");
	}
	if (!h->port || !*h->port)	/* libpq takes PGPORT then */
		h->port = getenv("PGPORT");
	n_host = list_count(h->host);
	n_addr = list_count(h->hostaddr);
	n_port = list_count(h->port);
	h->n = n_host > n_addr ? n_host : n_addr;
	/* One host, or lists libpq refuses (it says why): one attempt. */
	if (h->n < 2 || (n_host && n_addr && n_host != n_addr) || (n_port > 1 && n_port != h->n)) {
		PQconninfoFree(h->opts);
		h->opts = NULL;
		h->n = 1;
		h->prefer_standby = false;
	}
}

/* Start connecting to host i of h (h not split: conninfo as it is), with
 * the extra keys, which win. */
static PGconn *conn_hosts_start(const struct conn_hosts *h, const char *conninfo, int i,
				const char *const *extra_keys, const char *const *extra_values)
{
	char host[CONNINFO_ITEM_MAX], hostaddr[64], port[32];
	const char **keys, **values;
	const PQconninfoOption *o;
	PGconn *conn;
	size_t n = 0, cap = 2;

	for (o = h->opts; o && o->keyword; o++)
		cap++;
	for (; extra_keys[n]; n++)
		cap++;
	keys = calloc(cap, sizeof(*keys));
	values = calloc(cap, sizeof(*values));
	if (!keys || !values) {
		free(keys);
		free(values);
		return NULL;
	}
	n = 0;
	if (!h->opts) {
		keys[n] = "dbname";	/* expanded by libpq */
		values[n++] = conninfo;
	}
	for (o = h->opts; o && o->keyword; o++) {
		if (!strcmp(o->keyword, "port") && o->val != h->port) {
			if (h->port) {	/* PGPORT's list */
				keys[n] = "port";
				values[n++] = list_item(h->port, i, port, sizeof(port));
			}
			continue;
		}
		if (!o->val)
			continue;
		keys[n] = o->keyword;
		values[n] = o->val;
		if (o->val == h->host)
			values[n] = list_item(o->val, i, host, sizeof(host));
		else if (o->val == h->hostaddr)
			values[n] = list_item(o->val, i, hostaddr, sizeof(hostaddr));
		else if (o->val == h->port)
			values[n] = list_item(o->val, i, port, sizeof(port));
		else if (h->prefer_standby && !strcmp(o->keyword, "target_session_attrs"))
			values[n] = "any";	/* which one: decided here */
		n++;
	}
	for (; *extra_keys; extra_keys++, extra_values++) {
		keys[n] = *extra_keys;
		values[n++] = *extra_values;
	}
	keys[n] = NULL;
	values[n] = NULL;
	conn = PQconnectStartParams(keys, values, !h->opts);
	free(keys);
	free(values);
	return conn;
}

/* Connect to host i of h by deadline_s (0: none). Returns the connection,
 * or NULL with a one-line reason in err. */
static PGconn *connect_host(const struct conn_hosts *h, const char *conninfo, int i,
			    const char *const *keys, const char *const *values,
			    double deadline_s, char *err, size_t errlen)
{
	PostgresPollingStatusType progress = PGRES_POLLING_WRITING;
	double start_s = spool_monotonic_s();
	PGconn *conn = conn_hosts_start(h, conninfo, i, keys, values);
	int w;

	if (!conn || PQstatus(conn) == CONNECTION_BAD) {
		db_error_line(conn, err, errlen);
		goto fail;
	}
	while (progress != PGRES_POLLING_OK) {
		if (progress == PGRES_POLLING_FAILED) {
			db_error_line(conn, err, errlen);
			goto fail;
		}
		w = wait_socket(conn, progress == PGRES_POLLING_READING ? POLLIN : POLLOUT,
				deadline_s, err, errlen);
		/* One host has the whole timeout, in whole seconds; one of
		 * several, its part, to a tenth. */
		if (w == 0)
			snprintf(err, errlen, "no answer from the server (host %s, port %s) within %.*f s",
				 PQhost(conn), PQport(conn), h->n > 1 ? 1 : 0, deadline_s - start_s);
		if (w <= 0)
			goto fail;
		progress = PQconnectPoll(conn);
	}
	return conn;
fail:
	PQfinish(conn);
	return NULL;
}

/* True when conn's server is a standby (in_hot_standby, reported by
 * PostgreSQL 14 and later). */
static bool is_standby(const PGconn *conn)
{
	const char *v = PQparameterStatus(conn, "in_hot_standby");

	return v && !strcmp(v, "on");
}

PGconn *db_connect(const char *conninfo, int timeout_s, const char *app_name,
		   char *err, size_t errlen)
{
	char timeout[16], user_timeout_ms[24], why[512];
	const char *keys[5], *values[5];
	struct conn_hosts hosts;
	double deadline_s = 0, now_s;
	PGconn *conn = NULL, *first_up = NULL;
	int n = 0, i;
	size_t used = 0;

	keys[n] = "application_name";
	values[n++] = app_name;
	if (timeout_s > 0) {
		/* No statement_timeout in the startup packet ("options"): a
		 * pooler in transaction mode (PgBouncer) refuses that session
		 * setting, and the deadline (db_set_deadline()) bounds a
		 * call on our side, cancelling it on the server. */
		snprintf(timeout, sizeof(timeout), "%d", timeout_s);
		keys[n] = "connect_timeout";
		values[n++] = timeout;
		/* Over TCP, a server that stops answering after the connection
		 * was made is given up on too (Linux TCP_USER_TIMEOUT). */
		snprintf(user_timeout_ms, sizeof(user_timeout_ms), "%d", timeout_s * 1000);
		keys[n] = "tcp_user_timeout";
		values[n++] = user_timeout_ms;
		deadline_s = spool_monotonic_s() + timeout_s;
	}
	keys[n] = NULL;
	values[n] = NULL;

	/* libpq enforces connect_timeout only in its blocking connect, and per
	 * host; a server that accepts and then says nothing, or answers the
	 * login slowly, is bounded here (see struct conn_hosts). */
	conn_hosts_parse(&hosts, conninfo);
	err[0] = '\0';
	for (i = 0; i < hosts.n && !conn; i++) {
		now_s = spool_monotonic_s();
		conn = connect_host(&hosts, conninfo, i, keys, values,
				    deadline_s > 0 ? now_s + (deadline_s - now_s) / (hosts.n - i) : 0,
				    why, sizeof(why));
		if (!conn) {
			snprintf(err + used, errlen - used, "%s%s", used ? "; " : "", why);
			used = strlen(err);
		} else if (hosts.prefer_standby && !is_standby(conn)) {
			if (!first_up)
				first_up = conn;
			else
				PQfinish(conn);
			conn = NULL;
		}
	}
	if (!conn) {
		conn = first_up;
		first_up = NULL;
	}
	PQfinish(first_up);
	PQconninfoFree(hosts.opts);
	if (conn)
		PQsetNoticeProcessor(conn, drop_notice, NULL);
	return conn;
}

/* The one write: carbon.put_rows (sql/013), which the writer role may call
 * and nothing else, reading only its argument. One row a refusal (ord, why
 * NULL when none). */
static const char put_rows_sql[] =
	"SELECT p.stored, u.ord, u.why FROM carbon.put_rows($1::carbon.step_in[]) AS p"
	" LEFT JOIN LATERAL unnest(p.refused, p.why) AS u(ord, why) ON true";

int db_put_rows_send(PGconn *conn, const char *rows, char *err, size_t errlen)
{
	const char *v[1] = { rows };

	return db_send(conn, put_rows_sql, 1, v, err, errlen);
}

int db_put_rows_send_binary(PGconn *conn, const char *rows, size_t len, char *err,
			    size_t errlen)
{
	return db_send_binary(conn, put_rows_sql, rows, len, err, errlen);
}

int db_step_in_types(PGconn *conn, struct record_sql_types *t, char *err, size_t errlen)
{
	PGresult *res = db_run(conn,
		"SELECT t.oid, a.attname, a.atttypid FROM pg_catalog.pg_type t"
		" JOIN pg_catalog.pg_attribute a ON a.attrelid = t.typrelid"
		" WHERE t.oid = 'carbon.step_in'::pg_catalog.regtype"
		" AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
		0, NULL, err, errlen);
	const char *names[RECORD_FIELD_MAX];
	uint32_t types[RECORD_FIELD_MAX];
	int rc = -1, i, n, c_oid, c_name, c_type;

	if (!res)
		goto out;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		result_error_line(conn, res, err, errlen);
		goto out;
	}
	n = PQntuples(res);
	rc = 1;
	if (n < 1 || n > RECORD_FIELD_MAX)
		goto out;
	c_oid = PQfnumber(res, "oid");
	c_name = PQfnumber(res, "attname");
	c_type = PQfnumber(res, "atttypid");
	for (i = 0; i < n; i++) {
		names[i] = PQgetvalue(res, i, c_name);
		types[i] = (uint32_t)strtoul(PQgetvalue(res, i, c_type), NULL, 10);
	}
	if (record_sql_types_set(t, (uint32_t)strtoul(PQgetvalue(res, 0, c_oid), NULL, 10),
				 (size_t)n, names, types) == 0)
		rc = 0;
out:
	PQclear(res);
	return rc;
}

int db_put_rows_result(PGconn *conn, unsigned *stored, db_refused_fn refused, void *arg,
		       char *err, size_t errlen)
{
	PGresult *res;
	int rc = -1, i, c_stored, c_ord, c_why;

	*stored = 0;
	res = db_await(conn, err, errlen);
	if (!res)
		goto out;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		result_error_line(conn, res, err, errlen);
		goto out;
	}
	if (PQntuples(res) < 1) {
		snprintf(err, errlen, "carbon.put_rows returned no row");
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

int db_put_rows(PGconn *conn, const char *rows, unsigned *stored,
		 db_refused_fn refused, void *arg, char *err, size_t errlen)
{
	*stored = 0;
	if (db_put_rows_send(conn, rows, err, errlen) < 0)
		return -1;
	return db_put_rows_result(conn, stored, refused, arg, err, errlen);
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
	const char *lit;
	char *why = NULL;
	unsigned stored;
	int rc = -1;

	if (record_rows_add_literal(&rows, r) < 0 || !(lit = record_rows_literal(&rows))) {
		snprintf(err, errlen, "out of memory for the record");
		goto out;
	}
	if (db_put_rows(conn, lit, &stored, one_refusal, &why, err, errlen) < 0)
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

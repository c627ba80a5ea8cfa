/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PostgreSQL connection and the step record INSERT. */
#include "db.h"

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

/* Through carbon.put_step (sql/002, with the columns of sql/003, sql/010
 * and sql/012): the writer role may call it and do nothing else; it applies the
 * rule for records that arrive twice. Records without job_j (has_job false)
 * store NULL there, records without hardware (has_hw false) NULL in its
 * columns, records without a task's end (has_exit false) NULL exit_status. */
static const char insert_sql[] =
	"SELECT carbon.put_step($1, $2, $3, $4, $5, $6, $7, $8, $9,"
	"  to_timestamp($10::float8), to_timestamp($11::float8),"
	"  $12, $13, $14, $15, $16, $17, $18, $19::float8, $20::float8, $21::float8,"
	"  $22::float8, $23::float8, $24::float8, $25, $26, $27::jsonb,"
	"  $28::text, $29::integer, $30::text, $31::integer, $32::integer)";

int db_insert_record(PGconn *conn, const struct step_record *r, char *err,
		     size_t errlen)
{
	enum { NPARAMS = 32 };
	char job[16], uid[16], start[32], end[32], energy[DOMAIN_COUNT][32],
		job_energy[DOMAIN_COUNT][32], samples[16], estimated[32], cpu_time[32],
		alloc_cpus[16], gpus[16], exit_status[16];
	const char *v[NPARAMS];
	char *hours = NULL;
	PGresult *res = NULL;
	int rc = -1;
	int d;

	snprintf(job, sizeof(job), "%u", r->job_id);
	snprintf(uid, sizeof(uid), "%u", r->uid);
	snprintf(start, sizeof(start), "%.6f", r->start_s);
	snprintf(end, sizeof(end), "%.6f", r->end_s);
	for (d = 0; d < DOMAIN_COUNT; d++) {
		snprintf(energy[d], sizeof(energy[d]), "%.6f", r->energy_j[d]);
		snprintf(job_energy[d], sizeof(job_energy[d]), "%.6f", r->job_j[d]);
	}
	snprintf(samples, sizeof(samples), "%u", r->samples);
	snprintf(estimated, sizeof(estimated), "%.6f", r->estimated_j);
	snprintf(cpu_time, sizeof(cpu_time), "%.6f", r->cpu_time_s);
	snprintf(alloc_cpus, sizeof(alloc_cpus), "%u", r->alloc_cpus);
	snprintf(gpus, sizeof(gpus), "%u", r->gpus);
	snprintf(exit_status, sizeof(exit_status), "%d", r->exit_status);
	if (r->has_job) {
		hours = malloc(RECORD_HOURS_JSON_MAX);
		if (!hours || record_hours_json(r, hours, RECORD_HOURS_JSON_MAX) < 0) {
			snprintf(err, errlen, "out of memory for the hour buckets");
			goto out;
		}
	}

	v[0] = r->cluster;
	v[1] = job;
	v[2] = r->step;
	v[3] = r->node;
	v[4] = uid;
	v[5] = r->user;
	v[6] = r->account[0] ? r->account : NULL;
	v[7] = r->project[0] ? r->project : NULL;
	v[8] = r->tag[0] ? r->tag : NULL;
	v[9] = start;
	v[10] = end;
	v[11] = energy[DOMAIN_CPU];
	v[12] = energy[DOMAIN_DRAM];
	v[13] = energy[DOMAIN_GPU];
	v[14] = energy[DOMAIN_OTHER];
	v[15] = samples;
	v[16] = r->method;
	v[17] = r->partial ? "true" : "false";
	v[18] = r->has_job ? job_energy[DOMAIN_CPU] : NULL;
	v[19] = r->has_job ? job_energy[DOMAIN_DRAM] : NULL;
	v[20] = r->has_job ? job_energy[DOMAIN_GPU] : NULL;
	v[21] = r->has_job ? job_energy[DOMAIN_OTHER] : NULL;
	v[22] = estimated;
	v[23] = r->has_job ? cpu_time : NULL;
	v[24] = r->split[0] ? r->split : NULL;
	v[25] = r->notes[0] ? r->notes : NULL;
	v[26] = hours;
	v[27] = r->has_hw && r->cpu_model[0] ? r->cpu_model : NULL;
	v[28] = r->has_hw && r->alloc_cpus ? alloc_cpus : NULL;
	v[29] = r->has_hw && r->gpu_model[0] ? r->gpu_model : NULL;
	v[30] = r->has_hw ? gpus : NULL;
	v[31] = r->has_exit ? exit_status : NULL;

	res = PQexecParams(conn, insert_sql, NPARAMS, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "%s", PQresultErrorMessage(res));
		one_line(err);
		goto out;
	}
	rc = 0;
out:
	PQclear(res);
	free(hours);
	return rc;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spank_carbon_store.so: write one step record, replay a little spool. */
#include "store.h"

#include <slurm/spank.h>
#include <stdio.h>

#include "db.h"
#include "spool.h"

/* How much of the spool a job's last step stores: its own job's records and
 * a short outage's (a spool file up to this size), never for long, so that
 * the job's end is not delayed. A larger file waits for `carbon-report spool
 * flush`. */
#define SPOOL_FLUSH_MAX_BYTES (4L << 20)	/* about 3 000 records */
#define SPOOL_FLUSH_BUDGET_S 1.0

/* A step end waits for the database at most connect_timeout plus this, in
 * seconds, whatever the server does: the login has connect_timeout, and
 * everything (login, write, spool replay) must be over this much later. */
#define STORE_GRACE_S 1.0
/* Of that, what stays for the work after a call is given up on: the cancel
 * (DB_CANCEL_WAIT_S), closing the connection, and the caller's spool append. */
#define STORE_CLOSE_S (DB_CANCEL_WAIT_S + 0.1)

static void log_rejected_spool_file(const char *message, void *arg)
{
	(void)arg;
	slurm_error("carbon: spool: %s", message);
}

/* Replay a little of the spool of dir on conn, until deadline_s at the
 * latest (conn's own deadline bounds each write too). Returns 0, or -1 with
 * the reason in err when it stopped on an error. */
static int flush_some_spool(PGconn *conn, const char *dir, double deadline_s, unsigned *stored,
			    char *err, size_t errlen)
{
	double budget_s = spool_monotonic_s() + SPOOL_FLUSH_BUDGET_S;
	struct spool_stats st;
	long waiting = 0;
	int rc = 0;

	*stored = 0;
	if (spool_check_dir(dir, false, err, errlen) < 0)
		return 0;	/* no spool yet, or refused: said when writing */
	if (spool_flush(conn, dir, SPOOL_FLUSH_MAX_BYTES, 1000,
			budget_s < deadline_s ? budget_s : deadline_s, &st, &waiting,
			log_rejected_spool_file, NULL, NULL, err, errlen) < 0)
		rc = -1;
	*stored = st.stored;
	if (st.records)
		slurm_debug("carbon: stored %u spooled records from %s (%u new, %u already there, %u rejected)",
			    st.records, dir, st.stored, st.already, st.rejected);
	if (waiting)
		slurm_info("carbon: %ld bytes of spooled records wait in %s, more than a job's end stores: run carbon-report spool flush",
			   waiting, dir);
	return rc;
}

/* A connection to conf's database whose every call ends by the deadline
 * (NULL with the reason in err). */
static PGconn *connect_bounded(const struct carbon_conf *conf, double deadline_s, char *err,
			       size_t errlen)
{
	/* A server that takes the login and then says nothing must not hold
	 * the step's end (and the job in COMPLETING): tcp_user_timeout needs
	 * data left unacknowledged, so the deadline bounds every call. */
	PGconn *conn = db_connect(conf->conninfo, conf->connect_timeout_s, "spank_carbon", err,
				  errlen);

	if (conn && db_set_deadline(conn, deadline_s) < 0) {
		snprintf(err, errlen, "cannot put a deadline on the connection (out of memory)");
		PQfinish(conn);
		conn = NULL;
	}
	return conn;
}

static double store_deadline_s(const struct carbon_conf *conf)
{
	return spool_monotonic_s() + conf->connect_timeout_s + STORE_GRACE_S - STORE_CLOSE_S;
}

enum carbon_store_result carbon_store_spool(const struct carbon_conf *conf, unsigned *stored,
					    char *err, size_t errlen)
{
	double deadline_s = store_deadline_s(conf);
	PGconn *conn = connect_bounded(conf, deadline_s, err, errlen);
	enum carbon_store_result rc = CARBON_STORE_NO_CONNECTION;

	*stored = 0;
	if (!conn)
		return rc;
	rc = flush_some_spool(conn, conf->spool_dir, deadline_s, stored, err, errlen) < 0 ?
	     CARBON_STORE_WRITE_FAILED : CARBON_STORE_OK;
	PQfinish(conn);
	return rc;
}

enum carbon_store_result carbon_store_record(const struct carbon_conf *conf,
					     const struct step_record *r, char *err,
					     size_t errlen)
{
	double deadline_s = store_deadline_s(conf);
	PGconn *conn = connect_bounded(conf, deadline_s, err, errlen);
	enum carbon_store_result rc = CARBON_STORE_NO_CONNECTION;
	char flush_err[512];
	unsigned stored;

	if (!conn)
		goto out;
	rc = CARBON_STORE_WRITE_FAILED;
	if (db_insert_record(conn, r, err, errlen) < 0)
		goto out;
	rc = CARBON_STORE_OK;
	slurm_debug("carbon: job %u step %s on %s: cpu %.1f J, dram %.1f J over %.1f s, %u samples, stored",
		    r->job_id, r->step, r->node, r->energy_j[DOMAIN_CPU],
		    r->energy_j[DOMAIN_DRAM], r->end_s - r->start_s, r->samples);
	if (flush_some_spool(conn, conf->spool_dir, deadline_s, &stored, flush_err,
			     sizeof(flush_err)) < 0)
		slurm_error("carbon: spool flush from %s stopped: %s", conf->spool_dir, flush_err);
out:
	PQfinish(conn);
	return rc;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spank_carbon_store.so: write one step record, replay a little spool. */
#include "store.h"

#include <slurm/spank.h>

#include "db.h"
#include "spool.h"

/* How much of the spool a step replays after its own insert: bounded so that
 * step end is never delayed for long. */
#define SPOOL_FLUSH_MAX_FILES 50
#define SPOOL_FLUSH_BUDGET_S 1.0

static void log_rejected_spool_file(const char *message, void *arg)
{
	(void)arg;
	slurm_error("carbon: spool: %s", message);
}

static void flush_some_spool(PGconn *conn, const char *dir)
{
	struct spool_stats st;
	char err[1024];

	if (spool_check_dir(dir, false, err, sizeof(err)) < 0)
		return;		/* no spool yet, or refused: said when writing */
	if (spool_flush(conn, dir, SPOOL_FLUSH_MAX_FILES, SPOOL_FLUSH_MAX_FILES,
			spool_monotonic_s() + SPOOL_FLUSH_BUDGET_S, &st,
			log_rejected_spool_file, NULL, err, sizeof(err)) < 0)
		slurm_error("carbon: spool flush from %s stopped: %s", dir, err);
	else if (st.files)
		slurm_info("carbon: replayed %u spooled records from %s (%u stored, %u already there, %u rejected)",
			   st.files, dir, st.stored, st.already, st.rejected);
}

enum carbon_store_result carbon_store_record(const struct carbon_conf *conf,
					     const struct step_record *r, char *err,
					     size_t errlen)
{
	enum carbon_store_result rc = CARBON_STORE_NO_CONNECTION;
	PGconn *conn;

	conn = db_connect(conf->conninfo, conf->connect_timeout_s, "spank_carbon", err,
			  errlen);
	if (!conn)
		goto out;
	rc = CARBON_STORE_WRITE_FAILED;
	if (db_insert_record(conn, r, err, errlen) < 0)
		goto out;
	rc = CARBON_STORE_OK;
	slurm_debug("carbon: job %u step %s on %s: cpu %.1f J, dram %.1f J over %.1f s, %u samples, stored",
		    r->job_id, r->step, r->node, r->energy_j[DOMAIN_CPU],
		    r->energy_j[DOMAIN_DRAM], r->end_s - r->start_s, r->samples);
	flush_some_spool(conn, conf->spool_dir);
out:
	PQfinish(conn);
	return rc;
}

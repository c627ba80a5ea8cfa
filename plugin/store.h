/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spank_carbon_store.so: the database half of the plugin. spank_carbon.so
 * loads it with dlopen at step end only, so that sbatch, srun and the start
 * of every step never load libpq and the TLS and Kerberos libraries it
 * pulls in (about 4 ms a process). */
#ifndef CARBON_STORE_H
#define CARBON_STORE_H

#include <stddef.h>

#include "conf.h"
#include "record.h"

#define CARBON_STORE_MODULE "spank_carbon_store.so"
#define CARBON_STORE_SYMBOL "carbon_store_record"
#define CARBON_STORE_SPOOL_SYMBOL "carbon_store_spool"

enum carbon_store_result {
	CARBON_STORE_OK = 0,
	CARBON_STORE_NO_CONNECTION = 1,	/* err: why the connection failed */
	CARBON_STORE_WRITE_FAILED = 2,	/* err: the database's error */
};

/* Store r in the database of conf through carbon.put_rows, then replay up
 * to a few older spool files of conf->spool_dir on the same connection
 * (logging what it replays or rejects). Returns within
 * conf->connect_timeout_s plus one second whatever the server does, or does
 * not (db_set_deadline()): a login that takes longer is given up on, and a
 * write that gets no answer in time is cancelled and its connection closed
 * (CARBON_STORE_WRITE_FAILED, "the database did not answer within N s").
 * Only resolving a host name is not bounded. The caller spools r when the
 * result is not CARBON_STORE_OK. */
typedef enum carbon_store_result (*carbon_store_fn)(const struct carbon_conf *conf,
						    const struct step_record *r,
						    char *err, size_t errlen);

enum carbon_store_result carbon_store_record(const struct carbon_conf *conf,
					     const struct step_record *r, char *err,
					     size_t errlen);

/* The job's last step on the node (see spank_carbon(8), "One connection a
 * job"): store what the node's spool holds, the job's records among them,
 * in one connection, batches of records a statement (spool_flush()), under
 * the same bound as carbon_store_record(). *stored: rows stored. With the
 * database out of reach or the bound reached, the records stay in the
 * spool for the next job's end or `carbon-report spool flush`. */
typedef enum carbon_store_result (*carbon_store_spool_fn)(const struct carbon_conf *conf,
							  unsigned *stored, char *err,
							  size_t errlen);

enum carbon_store_result carbon_store_spool(const struct carbon_conf *conf, unsigned *stored,
					    char *err, size_t errlen);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The spool's backlog as Prometheus metrics: the node's file for
 * node_exporter's textfile collector ([spool] metrics_file), written by the
 * plugin and by `carbon-report spool flush`, and the same families in
 * `carbon-report metrics`. */
#ifndef CARBON_SPOOL_METRICS_H
#define CARBON_SPOOL_METRICS_H

#include <stddef.h>
#include <stdio.h>

#include "spool.h"

/* How much of a spool the plugin reads to count its records at a step's
 * end: a short outage's (about 12 000 records). A larger backlog's records
 * are counted by `carbon-report spool flush` and `metrics`; meanwhile the
 * plugin's file gives its bytes and files only. */
#define SPOOL_METRICS_READ_MAX (16LL << 20)

/* The families slurm_carbon_spool_records (where b->records_counted),
 * _bytes and _files (gauges) of b, labelled dir="DIR". */
void spool_metrics_print(FILE *fp, const char *dir, const struct spool_backlog *b);

/* Count the backlog of dir (spool_backlog(), reading at most max_read_bytes;
 * 0: no limit) and replace path with its metrics (prom_write_file()).
 * Returns 0, or -1 with a reason in err. */
int spool_metrics_write(const char *path, const char *dir, long long max_read_bytes,
			char *err, size_t errlen);

#endif

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

/* The families slurm_carbon_spool_records, _bytes and _files (gauges) of
 * b, labelled dir="DIR". */
void spool_metrics_print(FILE *fp, const char *dir, const struct spool_backlog *b);

/* Count the backlog of dir (spool_backlog()) and replace path with its
 * metrics (prom_write_file()). Returns 0, or -1 with a reason in err. */
int spool_metrics_write(const char *path, const char *dir, char *err, size_t errlen);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report metrics: the figures (filled from the carbon_api views) and
 * their rendering in Prometheus' text format. */
#ifndef CARBON_REPORT_METRICS_H
#define CARBON_REPORT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "spool.h"

/* The jobs of one (cluster, project, user): carbon_api.usage. */
struct metrics_usage {
	char *cluster, *project, *user;	/* project "": jobs without one */
	double jobs, records, it_kwh, facility_kwh, co2e_kg;
};

/* The imported runs of one (project, user, method): carbon.imported_runs
 * (CodeCarbon imports, import estimate), which ran off the clusters. */
struct metrics_imported {
	char *project, *user, *method;	/* project "": runs without one */
	double runs, it_kwh, facility_kwh, co2e_kg;
};

/* One cluster: carbon_api.cluster_status. */
struct metrics_cluster {
	char *cluster;
	double newest_record_age_s;	/* < 0: no record */
};

struct metrics {
	bool database_up;		/* the figures below were read */
	struct metrics_usage *usage;
	size_t n_usage;
	struct metrics_cluster *clusters;
	size_t n_clusters;
	struct metrics_imported *imported;
	size_t n_imported;
	const char *spool_dir;		/* NULL: no spool figures */
	struct spool_backlog spool;
};

/* Write m in Prometheus' text exposition format: each family once, with
 * its HELP and TYPE lines, even without samples. */
void metrics_render(FILE *fp, const struct metrics *m);

/* Free what m's arrays hold (not m). */
void metrics_free(struct metrics *m);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report metrics: rendering (see metrics.h). */
#include "metrics.h"

#include <stdlib.h>
#include <string.h>

#include "prom.h"
#include "spool_metrics.h"

/* The families of the (cluster, project, user) groups: name, help, and
 * which figure of a group. */
static const struct {
	const char *name, *help;
	size_t offset;
} usage_families[] = {
	{ "slurm_carbon_energy_kwh_total",
	  "Facility energy of the jobs (IT energy x PUE), kWh.",
	  offsetof(struct metrics_usage, facility_kwh) },
	{ "slurm_carbon_it_energy_kwh_total",
	  "IT energy of the jobs (CPU, DRAM, GPU and other), kWh.",
	  offsetof(struct metrics_usage, it_kwh) },
	{ "slurm_carbon_co2e_kg_total",
	  "Emissions of the jobs' facility energy at the grid's carbon intensity, kg CO2e.",
	  offsetof(struct metrics_usage, co2e_kg) },
	{ "slurm_carbon_jobs_total", "Jobs with records in the database.",
	  offsetof(struct metrics_usage, jobs) },
};

/* The records of cluster: its groups' (the usage view holds every job). */
static double cluster_records(const struct metrics *m, const char *cluster)
{
	double records = 0;
	size_t i;

	for (i = 0; i < m->n_usage; i++)
		if (!strcmp(m->usage[i].cluster, cluster))
			records += m->usage[i].records;
	return records;
}

void metrics_render(FILE *fp, const struct metrics *m)
{
	size_t f, i;

	prom_family(fp, "slurm_carbon_database_up", "gauge",
		    "1 when carbon-report read the figures from the database, 0 when it could not.");
	prom_sample(fp, "slurm_carbon_database_up", NULL, 0, m->database_up ? 1 : 0);
	if (m->database_up) {
		for (f = 0; f < sizeof(usage_families) / sizeof(usage_families[0]); f++) {
			prom_family(fp, usage_families[f].name, "counter", usage_families[f].help);
			for (i = 0; i < m->n_usage; i++) {
				const struct metrics_usage *u = &m->usage[i];
				const char *labels[] = { "cluster", u->cluster, "project", u->project,
							 "user", u->user };

				prom_sample(fp, usage_families[f].name, labels, 3,
					    *(const double *)((const char *)u +
							      usage_families[f].offset));
			}
		}
		prom_family(fp, "slurm_carbon_records_total", "counter",
			    "Step records in the database.");
		for (i = 0; i < m->n_clusters; i++) {
			const char *labels[] = { "cluster", m->clusters[i].cluster };

			prom_sample(fp, "slurm_carbon_records_total", labels, 1,
				    cluster_records(m, m->clusters[i].cluster));
		}
		prom_family(fp, "slurm_carbon_newest_record_age_seconds", "gauge",
			    "Seconds since the end of the newest step record of the cluster.");
		for (i = 0; i < m->n_clusters; i++) {
			const char *labels[] = { "cluster", m->clusters[i].cluster };

			if (m->clusters[i].newest_record_age_s >= 0)
				prom_sample(fp, "slurm_carbon_newest_record_age_seconds", labels, 1,
					    m->clusters[i].newest_record_age_s);
		}
	}
	if (m->spool_dir)
		spool_metrics_print(fp, m->spool_dir, &m->spool);
}

void metrics_free(struct metrics *m)
{
	size_t i;

	for (i = 0; i < m->n_usage; i++) {
		free(m->usage[i].cluster);
		free(m->usage[i].project);
		free(m->usage[i].user);
	}
	free(m->usage);
	for (i = 0; i < m->n_clusters; i++)
		free(m->clusters[i].cluster);
	free(m->clusters);
	m->usage = NULL;
	m->clusters = NULL;
	m->n_usage = m->n_clusters = 0;
}

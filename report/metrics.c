/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report metrics: rendering (see metrics.h). */
#include "metrics.h"

#include <stdlib.h>
#include <string.h>

#include "prom.h"
#include "spool_metrics.h"

/* A family of counters over rows of figures: name, help, and which
 * figure of a row (a double at offset). */
struct family {
	const char *name, *help;
	size_t offset;
};

/* The families of the (cluster, project, user) groups. */
static const struct family usage_families[] = {
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

/* The families of the imported runs' (project, user, method) groups: what
 * carbon-report track adds to the jobs' figures. */
static const struct family imported_families[] = {
	{ "slurm_carbon_imported_energy_kwh_total",
	  "Facility energy of the imported runs (CodeCarbon's energy consumed, or the estimate's), kWh.",
	  offsetof(struct metrics_imported, facility_kwh) },
	{ "slurm_carbon_imported_it_energy_kwh_total",
	  "IT energy of the imported runs, kWh.",
	  offsetof(struct metrics_imported, it_kwh) },
	{ "slurm_carbon_imported_co2e_kg_total",
	  "Emissions of the imported runs as imported, kg CO2e.",
	  offsetof(struct metrics_imported, co2e_kg) },
	{ "slurm_carbon_imported_runs_total",
	  "Runs imported (carbon-report import codecarbon, import estimate).",
	  offsetof(struct metrics_imported, runs) },
};

#define N_LABELS 3

static void usage_labels(const void *row, const char *labels[2 * N_LABELS])
{
	const struct metrics_usage *u = row;

	labels[0] = "cluster", labels[1] = u->cluster;
	labels[2] = "project", labels[3] = u->project;
	labels[4] = "user", labels[5] = u->user;
}

static void imported_labels(const void *row, const char *labels[2 * N_LABELS])
{
	const struct metrics_imported *r = row;

	labels[0] = "project", labels[1] = r->project;
	labels[2] = "user", labels[3] = r->user;
	labels[4] = "method", labels[5] = r->method;
}

/* Each family of f[0..nf-1] with a sample per row of rows[0..n-1] (each
 * size bytes), labelled by labels_of. */
static void render_families(FILE *fp, const struct family *f, size_t nf, const void *rows,
			    size_t n, size_t size,
			    void (*labels_of)(const void *row, const char *labels[2 * N_LABELS]))
{
	const char *labels[2 * N_LABELS];
	size_t i, j;

	for (i = 0; i < nf; i++) {
		prom_family(fp, f[i].name, "counter", f[i].help);
		for (j = 0; j < n; j++) {
			const char *row = (const char *)rows + j * size;

			labels_of(row, labels);
			prom_sample(fp, f[i].name, labels, N_LABELS,
				    *(const double *)(row + f[i].offset));
		}
	}
}

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
	size_t i;

	prom_family(fp, "slurm_carbon_database_up", "gauge",
		    "1 when carbon-report read the figures from the database, 0 when it could not.");
	prom_sample(fp, "slurm_carbon_database_up", NULL, 0, m->database_up ? 1 : 0);
	if (m->database_up) {
		render_families(fp, usage_families,
				sizeof(usage_families) / sizeof(usage_families[0]), m->usage,
				m->n_usage, sizeof(*m->usage), usage_labels);
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
		render_families(fp, imported_families,
				sizeof(imported_families) / sizeof(imported_families[0]),
				m->imported, m->n_imported, sizeof(*m->imported), imported_labels);
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
	for (i = 0; i < m->n_imported; i++) {
		free(m->imported[i].project);
		free(m->imported[i].user);
		free(m->imported[i].method);
	}
	free(m->imported);
	m->usage = NULL;
	m->clusters = NULL;
	m->imported = NULL;
	m->n_usage = m->n_clusters = m->n_imported = 0;
}

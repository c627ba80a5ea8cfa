/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CodeCarbon's emissions.csv: the same columns in the same order, with
 * CodeCarbon's units (kWh, kg, W, s), so that tools reading its files read
 * ours. What slurm-carbon cannot know stays empty, never invented. */
#ifndef CARBON_CODECARBON_H
#define CARBON_CODECARBON_H

#include <stdio.h>

/* One row. Numbers that are NaN, counts that are < 0 and NULL strings are
 * written as empty fields. */
struct cc_row {
	double timestamp;	/* seconds since the epoch; written ISO 8601 */
	const char *project_name;
	const char *run_id;
	const char *experiment_id;
	double duration;	/* s */
	double emissions;	/* kg CO2e */
	double cpu_power, gpu_power, ram_power;	/* W, mean over duration */
	double cpu_energy, gpu_energy, ram_energy;	/* kWh */
	double energy_consumed;	/* kWh */
	const char *country_name;
	const char *country_iso_code;
	const char *region;
	const char *cloud_provider;
	const char *cloud_region;
	const char *os;
	int cpu_count;
	const char *cpu_model;
	int gpu_count;
	const char *gpu_model;
	double ram_total_size;	/* GB */
	const char *tracking_mode;
	double pue;
};

/* A row with every field empty. */
void cc_row_init(struct cc_row *r);

/* The header line, then rows. Return 0, or -1 on a write error. */
int cc_write_header(FILE *fp);
int cc_write_row(FILE *fp, const struct cc_row *r);

/* The column names, in order, and their number. */
extern const char *const cc_columns[];
extern const int cc_n_columns;

#endif

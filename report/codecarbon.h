/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CodeCarbon's emissions.csv: the same columns in the same order, with
 * CodeCarbon's units (kWh, kg, W, s) and its PUE semantics, so that tools
 * reading its files read ours. What slurm-carbon cannot know stays empty,
 * never invented.
 *
 * PUE, as CodeCarbon applies it (codecarbon/emissions_tracker.py,
 * EmissionsTracker._do_measurements, since 2.2.3 and as of 3.3.0): each
 * measurement's energy is multiplied by pue before it is added to the
 * component's total (cpu_energy, gpu_energy, ram_energy) and to
 * energy_consumed, from which emissions are computed. So the three energy
 * columns and energy_consumed include the PUE, and energy_consumed is their
 * sum; the power columns (cpu_power, ...) are the hardware's, without it. */
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
	double cpu_power, gpu_power, ram_power;	/* W, mean IT power over duration */
	double cpu_energy, gpu_energy, ram_energy;	/* kWh, IT energy x pue */
	double energy_consumed;	/* kWh, facility energy */
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

/* Fill r's energy and power columns from IT energy it_kwh[DOMAIN_*] (kWh),
 * facility_kwh and the PUE that made one from the other, the way CodeCarbon
 * fills them: cpu_energy, gpu_energy and ram_energy are CPU, GPU and DRAM
 * IT energy x pue; energy_consumed is facility_kwh (which also holds the
 * "other" energy, that has no column of its own); the powers are the mean
 * IT power over r->duration (set it first; NaN without one); pue is pue.
 * A NaN pue (no IT energy to take it from) leaves the components IT. */
void cc_row_set_energy(struct cc_row *r, const double *it_kwh, double facility_kwh,
		       double pue);

/* The header line, then rows. Return 0, or -1 on a write error. */
int cc_write_header(FILE *fp);
int cc_write_row(FILE *fp, const struct cc_row *r);

/* The column names, in order, and their number. */
extern const char *const cc_columns[];
extern const int cc_n_columns;

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Jobs added up by group (user, project, tag, day), and the cells, JSON and
 * CodeCarbon rows of a group's totals: what summary and track share. */
#ifndef CARBON_AGGREGATE_H
#define CARBON_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>

#include "codecarbon.h"
#include "energy.h"
#include "json.h"
#include "jobset.h"
#include "table.h"

/* What some jobs, and the runs imported for them, add up to. */
struct job_totals {
	size_t jobs;
	double cpu_time_s;	/* Σ cpu_time_s of the records that have one */
	size_t cpu_time_rows;	/* records that have one; 0: CPU time unknown */
	double wall_s;		/* Σ over jobs of end - start */
	double gpu_s;		/* Σ GPU-seconds (struct job) of the jobs that know theirs */
	size_t gpu_jobs;	/* jobs that know; 0: GPU time unknown */
	double energy_kwh[DOMAIN_COUNT];
	double it_kwh;
	double facility_kwh;
	double co2e_kg;
	double first_start_s;	/* of the earliest job or run; NaN: none */
	double last_end_s;
	/* The CodeCarbon runs imported with 'carbon-report import codecarbon'
	 * (jobsum_add_imported): their energy and CO2e are in the figures
	 * above, and in the period; jobs, times and GPU-hours are the jobs'
	 * alone. Of them: the runs, their IT kWh, kg CO2e and seconds. */
	size_t imported_runs;
	double imported_kwh, imported_kg, imported_s;
};

void totals_init(struct job_totals *t);
void totals_add_job(struct job_totals *t, const struct job *job);
/* Add the totals of other jobs (part) to t. */
void totals_add(struct job_totals *t, const struct job_totals *part);

/* part's share of whole in percent; 0 when whole is 0. */
double share_pct(double part, double whole);

/* A group: its key (NULL: the jobs that have none), its totals, and the
 * groups within it (track's users within a project). */
struct group_list {
	struct group *g;
	size_t n;
	size_t cap;
	/* The index of the keys, for group_find in constant time: open
	 * addressing with linear probing, each slot 0 (empty) or 1 + the
	 * place in g of the first group of its key; n_slots is a power of 2
	 * at least twice n, or 0 while l is empty. Kept by group_add, the
	 * sorts and group_list_free: fill and reorder l only with those. */
	size_t *slot;
	size_t n_slots;
};

struct group {
	char *key;
	struct job_totals t;
	struct group_list sub;
	/* track: the group's jobs by the UTC day they ended ("2026-03-02"),
	 * each with its totals (jobsum_load_track); the timeline's data. */
	struct group_list days;
	size_t origin;	/* track --from: 1 + the index of the statement it
			 * came from (track_from.h); 0: the database */
};

/* The group of key in l, added when it is not there (key copied). Returns
 * NULL when out of memory. */
struct group *group_get(struct group_list *l, const char *key);
/* The group of key in l, or NULL when there is none. */
struct group *group_find(const struct group_list *l, const char *key);
/* A group of key (copied) added at the end of l even when one is there
 * (group_get looks first): for a list filled from others' data, checked
 * once with group_list_twice; group_find finds the first. Returns NULL
 * when out of memory. Expected time of each: constant. */
struct group *group_add(struct group_list *l, const char *key);
/* Two groups of l with the same key (or both without): true with *first
 * and *second set to them, in l's order (the first group that repeats an
 * earlier one's key, and that earlier one); false when every key is once
 * in l.
 * By l's index: expected time n. */
bool group_list_twice(const struct group_list *l, const struct group **first,
		      const struct group **second);
/* How many different keys the groups within l's groups (their sub) hold
 * together, into *n: track's users over all projects. Returns 0, or -1
 * when out of memory. By an index of its own: expected time n. */
int group_list_sub_keys(const struct group_list *l, size_t *n);
void group_list_free(struct group_list *l);

/* Orders: by key (the keyless group last), or by kg CO2e, largest first,
 * ties by key. */
void group_list_sort_by_key(struct group_list *l);
void group_list_sort_by_co2e(struct group_list *l);

/* The columns of totals in a table, from column col0 on, in this order. */
enum { TOT_JOBS, TOT_CPU_H, TOT_GPU_H, TOT_WALL_H, TOT_IT, TOT_FACILITY, TOT_CO2E, TOT_SHARE,
       TOT_IMPORTED, TOT_COLUMNS };
extern const struct table_column totals_columns[TOT_COLUMNS];
void totals_cells(struct table *tb, size_t col0, const struct job_totals *t,
		  double all_co2e_kg);

/* The members of a JSON object for t: jobs, core_hours, gpu_hours (null when
 * unknown),
 * wall_hours, energy_kwh {cpu, dram, gpu, other, it, facility}, co2e_kg,
 * share_pct, then what of these the imported runs are: imported_runs,
 * imported_kwh (IT), imported_kg. */
void totals_json(struct json_writer *w, const struct job_totals *t, double all_co2e_kg);

/* t as one CodeCarbon emissions.csv row named name (NULL: empty). */
int totals_cc_row(FILE *fp, const char *name, const struct job_totals *t);

/* The note under a text table on what the columns count. */
extern const char totals_note[];

#endif

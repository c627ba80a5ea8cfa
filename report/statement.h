/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The emission statement as data: what the jobs of a tag, project or user,
 * and the CodeCarbon runs imported for it, add up to. statement_query.c
 * fills one from the database, statement_render.c renders it; a fixture
 * filled by hand renders the same way (tests/unit/test_statement_render.c). */
#ifndef CARBON_STATEMENT_H
#define CARBON_STATEMENT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "aggregate.h"
#include "energy.h"
#include "jobset.h"
#include "report.h"
#include "uncertainty.h"
#include "site_source.h"
#include "whatif.h"

#define STATEMENT_MAX_METHODS 8

/* Sensors named in records' method ("rapl+nvml"), as bits; M_CODECARBON:
 * runs imported from CodeCarbon (carbon.imported_run); M_NODE: a
 * whole-node meter ("pm_counters", "hwmon_averaged", "redfish", ...; see
 * statement_node_meter). */
enum { M_RAPL = 1, M_NVML = 2, M_MODEL = 4, M_OTHER = 8, M_CODECARBON = 16, M_NODE = 32,
       M_ROCM = 64,		/* AMD GPUs through ROCm SMI */
       M_GPU_POWER = 128 };	/* a GPU by its power readings: nvml_power, rocm_power */

/* The method label of imported runs (sql/007). */
#define IMPORTED_METHOD "codecarbon"

/* The default offset price, in US dollars per tonne of CO2e, from the
 * NeuCLIR track's own guidance to its participants ("Tracking Carbon
 * Emissions for your NeuCLIR Submission", neuclir.github.io/carbon-tracking):
 * its example offsets about 250 kg CO2e for 4 USD through a UN cook stove
 * programme in Kenya, 16 USD a tonne. A typical figure, not a quote:
 * --offset-price sets another. */
#define OFFSET_PRICE_USD_PER_T 16.0

/* What the CodeCarbon runs of the scope add up to, as imported: measured by
 * CodeCarbon off the cluster, not by us. */
struct imported_runs {
	size_t runs;
	double energy_kwh[DOMAIN_COUNT];	/* cpu, ram as dram, gpu; other */
	double it_kwh, facility_kwh, co2e_kg, duration_s;
	double first_s, last_s;	/* earliest start (timestamp - duration), latest end */
	/* Of these, the runs of 'carbon-report import estimate' (hardware x
	 * hours x place, not measured): facility kWh, kg CO2e and how they
	 * were estimated (allocated by statement_load; a fixture's may be
	 * static; NULL: none). */
	size_t estimated_runs;
	double estimated_facility_kwh, estimated_kg;
	char *estimated_how;
};

/* A CPU or GPU model and how many distinct nodes ran it. */
struct model_nodes {
	const char *model;
	size_t nodes;
};

/* Embodied emissions, from carbon.conf [embodied] (statement_set_embodied). */
struct embodied {
	bool configured;	/* node_kg and node_cores are set */
	double node_kg, gpu_kg;	/* gpu_kg < 0: GPUs not counted */
	int node_cores;
	double lifetime_years;
	double kg;		/* NAN: configured, but no record says the cores
				 * allocated */
	double cpu_kg, gpu_kg_part;
};

/* The statement. Strings (who, nodes, models) are borrowed: from the
 * options and the jobs read (statement_load), or a fixture's literals. */
struct statement {
	const char *by;		/* "tag", "project" or "user" */
	const char *who;
	size_t jobs, partial_jobs, unmeasured_jobs, records;
	/* How the jobs ended (sql/012; jobset.h enum job_state), and what the
	 * failed and cancelled ones add to the totals below. */
	size_t jobs_by_state[JOB_STATE_COUNT];
	size_t fc_jobs;
	double fc_it_kwh, fc_facility_kwh, fc_co2e_kg;
	double start_s, end_s;	/* the period: as given, else the jobs' */
	bool start_given, end_given;
	const char **nodes;	/* distinct, sorted */
	size_t n_nodes;
	char methods[STATEMENT_MAX_METHODS][32];	/* distinct sensors, first seen first:
						 * "rapl", "redfish_power_incl_gpu" */
	size_t n_methods;
	unsigned domain_methods[DOMAIN_COUNT];	/* M_* per component */
	double cpu_time_s;
	size_t rows_without_cpu_time;
	/* The hardware (sql/010): distinct models with the number of nodes
	 * that ran them, most nodes first. */
	struct model_nodes *cpu_models, *gpu_models;
	size_t n_cpu_models, n_gpu_models;
	long cpu_count, gpu_count;	/* the most one job held; -1: unknown */
	size_t rows_without_hardware;
	double gpu_hours, core_hours;	/* NAN: no record says */
	double wall_s, node_s;
	double energy_kwh[DOMAIN_COUNT];
	double it_kwh, facility_kwh, estimated_kwh, co2e_kg;
	/* Measured records with a whole-node meter, and without one; of
	 * other, the kWh a node meter gave from sampled power (EM_SAMPLING). */
	size_t node_meter_records, records_without_node_meter;
	double sampled_kwh;
	double pue;
	/* Where the PUE came from: each setting and period the jobs' hours
	 * used, in the database's order; without jobs, the setting alone
	 * (statement_load allocates it; a fixture's may be static). */
	struct site_source *pue_sources;
	size_t n_pue_sources;
	struct intensity in;	/* merged over the measured jobs */
	bool have_in;
	double offset_price;	/* USD per tonne */
	bool offset_price_given;
	struct embodied emb;
	/* Included in the totals above (energy_kwh, it_kwh, facility_kwh,
	 * co2e_kg) by statement_add_imported; pue and in are the jobs' own. */
	struct imported_runs imp;
	/* Counterfactual figures, never in the totals (statement_what_if). */
	struct what_if what_if;
	struct data_version data;	/* of the database the figures came from */
	const char *software;	/* carbon-report's version */
	/* The same jobs and runs added up per project and per user within it,
	 * as track adds them up (jobsum_load), in key order: the JSON's
	 * "track" member (track_block.h), what track --from reads. Empty in a
	 * fixture: no member. */
	struct group_list track;
	/* The jobs read, which the strings point into (statement_load). */
	struct jobset *set;
};

/* Fill st->what_if (after statement_load): the facility energy priced in
 * the WHAT_IF_LOWEST lowest-intensity zones of carbon.intensity_annual and
 * in zones[0..n-1] (valid zone ids), and the work moved within its week
 * where st's zone has an hourly series. Returns 0, or after printing why
 * -2 (a named zone without an annual figure) or -1 (a database error). */
int statement_what_if(PGconn *conn, struct statement *st, const char *const *zones, size_t n);

/* ---- adding up (statement.c): numbers in, numbers out ------------------ */

/* Add the jobs of set to st: counts, states, period (where not given),
 * nodes, methods, hardware, activity and totals. st's arrays (nodes,
 * models) are allocated and point into set, which must outlive st. Returns
 * 0, or -1 when out of memory. */
int statement_add_jobs(struct statement *st, const struct jobset *set);

/* Add st->imp to the totals, the methods and the period (where not given);
 * PUE and intensity stay the jobs'. have_jobs: st holds jobs already. */
void statement_add_imported(struct statement *st, bool have_jobs);

/* The embodied share from carbon.conf's [embodied] and st's allocated core-
 * and GPU-hours. */
void statement_set_embodied(struct statement *st, const struct carbon_conf *c);

/* Figures derived from the totals. Of the IT energy: measured by our
 * counters (not modelled, not imported), and the shares; the offsets'
 * price in USD. */
double statement_measured_kwh(const struct statement *st);
double statement_measured_fraction(const struct statement *st);
double statement_modelled_fraction(const struct statement *st);
double statement_imported_fraction(const struct statement *st);
double statement_offset_cost_usd(const struct statement *st);

/* The Software Carbon Intensity of ISO/IEC 21031:2024, (E x I + M) per R:
 * E x I the operational CO2e (co2e_kg, imported runs included), M the
 * embodied share (emb.kg; 0 where not configured or unknown, and then
 * statement_sci_embodied() is false), R the functional units. Per job: R is
 * the jobs and imported runs (each a unit of work; NaN when there are none);
 * for the scope (the tag, project or user) R is 1. */
double statement_sci_units(const struct statement *st);
double statement_sci_scope_kg(const struct statement *st);
double statement_sci_kg_per_job(const struct statement *st);
bool statement_sci_embodied(const struct statement *st);

/* How the IT energy was measured, for its uncertainty band. Records do not
 * tell an NVML energy counter from sampled NVML power (the plugin samples
 * power only where a GPU has no counter), so the GPUs' measured energy
 * counts as EM_COUNTER; EM_SAMPLING is the other energy of whole-node
 * meters read by power (statement_node_meter). */
enum energy_method { EM_COUNTER, EM_SAMPLING, EM_MODEL, EM_IMPORTED, EM_COUNT };

/* A whole-node meter's method word, word[0..len-1], as the plugin writes
 * it into a record's method (spank_carbon(8), "Methods": "pm_counters",
 * "hwmon", "hwmon_power", "hwmon_averaged", "redfish", "redfish_power",
 * "ipmi", each possibly with "_incl_gpu"). Returns what the meter is, in
 * words, for the statement's readers, with *how set to EM_COUNTER (an
 * energy counter) or EM_SAMPLING (power readings integrated) and
 * *incl_gpu to whether the meter held the GPUs (they were subtracted); NULL
 * when the word names no node meter. Pure. */
const char *statement_node_meter(const char *word, size_t len, enum energy_method *how,
				 bool *incl_gpu);

/* The method's name in data/uncertainty.csv: "counter", "sampling", ... */
const char *statement_method_name(enum energy_method m);
/* Its band (NULL when data/uncertainty.csv has none: counted as 0 %), its
 * IT kWh and share of the IT energy (0 when there is none). */
const struct uncertainty_band *statement_method_band(enum energy_method m);
double statement_method_kwh(const struct statement *st, enum energy_method m);
double statement_method_share(const struct statement *st, enum energy_method m);

/* The combined band of the operational CO2e: each method's band weighted by
 * its share of the IT energy and added up linearly (a worst case: errors
 * of one method taken as fully correlated, of different methods as adding
 * up), as percentages, and as kg: co2e_kg x (1 - low %), x (1 + high %).
 * The band is the energy measurement's alone: neither the intensity, the
 * PUE nor the split of a node among its jobs is in it. */
double statement_band_low_pct(const struct statement *st);
double statement_band_high_pct(const struct statement *st);
double statement_band_low_kg(const struct statement *st);
double statement_band_high_kg(const struct statement *st);

/* "rapl", "rapl+model", ... of M_* bits into buf; NULL when bits is 0. */
const char *statement_methods_str(unsigned bits, char *buf, size_t n);

/* Release what statement_add_jobs and statement_load allocated (nodes,
 * models, pue_sources, set); the borrowed strings go with set. A fixture of static
 * arrays is not freed. */
void statement_free(struct statement *st);

/* ---- from the database (statement_query.c) ---------------------------- */

/* Fill st (by, who, the period given, the offset price already set by the
 * caller) from the jobs and imported runs f selects. Returns 1 when there
 * are none (after saying so on stderr), 0 on success, -1 after printing
 * why. st must be statement_free'd in every case. */
int statement_load(PGconn *conn, const struct job_filter *f, const struct report_env *env,
		   struct statement *st);

/* ---- rendering (statement_render.c) ----------------------------------- */

/* Render st to fp as format: FMT_TABLE (text), FMT_MARKDOWN, FMT_JSON,
 * FMT_PARAGRAPH (a paragraph for a paper) or FMT_LATEX (a table of the
 * figures and the paragraph, a fragment for a document's body). Returns 0,
 * or -1 when out of memory or fp reports an error. */
int statement_render(const struct statement *st, enum output_format format, FILE *fp);

#endif

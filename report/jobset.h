/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A set of jobs read from carbon.step_energy with their totals, GPU-seconds
 * and carbon as the database computes them (sql/functions/job_rules.sql).
 * What every report command (job, and the aggregates) starts from. */
#ifndef CARBON_JOBSET_H
#define CARBON_JOBSET_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "energy.h"
#include "report.h"

/* One row of carbon.step_energy; the strings point into the PGresult. */
struct step_row {
	long long job_id;
	const char *cluster;
	double job_start_s;	/* the job instance (sql/014); NaN: unknown */
	const char *step;
	const char *node;
	const char *user;
	const char *project;	/* NULL when not set */
	const char *tag;	/* NULL when not set */
	const char *method;
	double start_s;
	double end_s;
	double energy_j[DOMAIN_COUNT];
	long long samples;
	bool measured;		/* the record comes from counters */
	double counted;		/* share of energy_j in the job total (carbon.job_step_shares) */
	/* Since migration 003 (has_job): the job's share this record charged. */
	bool has_job;
	double job_j[DOMAIN_COUNT];
	double estimated_j;
	double cpu_time_s;	/* < 0: not recorded */
	const char *split;	/* NULL when not recorded */
	const char *notes;
	bool partial;
	/* Since migration 010: the hardware; NULL / -1 where not recorded. */
	const char *cpu_model;
	long alloc_cpus;	/* the job's CPUs on the node */
	const char *gpu_model;
	long gpus;		/* the step's GPUs; 0: none */
	/* Since migration 012: the wait(2) status of the step's worst task on
	 * the node; has_exit false where no record says (NULL). */
	bool has_exit;
	int exit_status;
	/* Since migration 016: the step's processes the OOM killer killed,
	 * as its memory cgroup counted them; 0 also where none was counted. */
	long long oom_kills;
};

/* How a job ended. Where Slurm's accounting gave it (sql/016
 * carbon.job_state, `carbon-report db sync-states`), Slurm's state of the
 * job instance. Otherwise from its records: out_of_memory where a record
 * counts an OOM kill (sql/016 oom_kills); else the batch step's exit
 * status where it has one, else the worst of its steps' (sql/012):
 * completed: exit 0; failed: a non-zero exit code; cancelled: ended by a
 * signal (scancel, the time limit, a kill); unknown: no record says.
 * timeout, node_fail and preempted come only from accounting. */
enum job_state {
	JOB_UNKNOWN, JOB_COMPLETED, JOB_FAILED, JOB_CANCELLED,
	JOB_TIMEOUT, JOB_OUT_OF_MEMORY, JOB_NODE_FAIL, JOB_PREEMPTED,
	JOB_STATE_COUNT
};

/* Where a job's state came from. */
enum job_state_source { JOB_STATE_FROM_RECORDS, JOB_STATE_FROM_ACCOUNTING };

/* Where a job's carbon intensity comes from: the one source of all of its
 * hours, or "mixed" (then g_per_kwh is the energy-weighted mean). */
struct intensity {
	double g_per_kwh;
	char level[16];		/* site, series, zone, country, cloud, world, mixed */
	char dataset[160];
	int year;		/* 0: none */
	char zone[64];
	char resolution[16];	/* fixed, hourly, daily, monthly, annual */
	char licence[32];	/* the data's, to credit it; "" when none */
	unsigned hours;		/* hour buckets the figure was computed over */
};

/* The data a report used (sql/005 carbon.data_version). */
struct data_version {
	int schema;
	long annual_rows;
	int annual_latest_year;
	long series_rows;
	char series_imported_at[40];	/* "" when none */
};

/* One job instance on one cluster: rows[0..n-1], and what they add up to,
 * as sql/functions/job_rules.sql computes it (carbon.job_totals_of and
 * carbon.job_carbon_of). */
struct job {
	struct step_row *rows;
	size_t n;
	double start_s;
	double end_s;
	double energy_kwh[DOMAIN_COUNT];
	double it_kwh;
	double facility_kwh;
	double co2e_kg;
	double estimated_kwh;	/* of it_kwh, from the model */
	bool measured;		/* at least one record from counters */
	double pue;		/* facility_kwh / it_kwh: one period's, or the mean */
	double cpu_time_s;	/* Σ cpu_time_s of the records that have one */
	size_t cpu_time_rows;	/* records that have one */
	/* GPU-seconds: on each node, the most GPUs one of its records held x
	 * the union of the windows of its records that held GPUs, summed over
	 * nodes; NaN where no record says how many GPUs it held. */
	double gpu_s;
	struct intensity in;
	enum job_state state;	/* accounting's, else job_state_of() */
	enum job_state_source state_source;
};

/* Which jobs: every field is a condition; NULL / 0 / NaN: any. */
struct job_filter {
	const long long *ids;	/* job ids */
	size_t n_ids;
	const char *cluster;
	const char *user;	/* user name */
	const char *project;	/* a job is its project's when any record says so */
	const char *tag;
	double start_s;		/* jobs that end at or after (NaN: open) */
	double end_s;		/* jobs that start before (NaN: open) */
	/* Only the jobs whose totals need their records (sql/008
	 * carbon.job_total.needs_records); the database must have 008. */
	bool needs_records_only;
};

/* The parameters $1 .. $7 of a query on the jobs f selects: the job ids as
 * a PostgreSQL array literal, cluster, user, project, tag, and -S and -E in
 * seconds since the epoch; NULL where f does not say. */
#define JOB_FILTER_PARAMS 7
struct job_filter_params {
	const char *v[JOB_FILTER_PARAMS];	/* point into f and the buffers */
	char *ids;				/* allocated */
	char start[32], end[32];
};

/* Fill p from f. Returns 0, or -1 when out of memory (after saying so);
 * job_filter_params_free(p) either way. */
int job_filter_params(const struct job_filter *f, struct job_filter_params *p);
void job_filter_params_free(struct job_filter_params *p);

struct jobset {
	struct job *jobs;	/* in job id, cluster, then instance order */
	size_t n;
	struct step_row *rows;
	PGresult *res;		/* the rows' strings point into it */
	struct data_version data;
};

/* Read the jobs f selects, and their totals and carbon for env (PUE, zone,
 * fixed intensity from its carbon.conf) as the database's rules give them
 * (sql/functions/job_rules.sql). Returns 0, or -1 after printing why to
 * stderr. */
int jobset_load(PGconn *conn, const struct job_filter *f, const struct report_env *env,
		struct jobset *set);

void jobset_free(struct jobset *set);

/* A job's project or tag: the first record that has one (the extern step
 * runs without the job's options and environment, so it carries neither). */
const char *job_project(const struct job *job);
const char *job_tag(const struct job *job);

/* The job instances of set as PostgreSQL array literals, element i of
 * jobs[i]: clusters (text[]), ids (bigint[]), instances (timestamptz[]:
 * the instance's start, '-infinity' where the records do not say) and
 * starts (float8[]: the epoch of each job's first record). Returns 0, or
 * -1 when out of memory; free with jobset_arrays_free(). */
struct jobset_arrays {
	char *clusters, *ids, *instances, *starts;
};
int jobset_arrays_build(const struct jobset *set, struct jobset_arrays *a);
void jobset_arrays_free(struct jobset_arrays *a);

/* How job ended by its records (see enum job_state), and the state's name:
 * "completed", "failed", "cancelled", "timeout", "out_of_memory",
 * "node_fail", "preempted", "unknown" (the spelling of `job --json` and of
 * carbon.job_state). */
enum job_state job_state_of(const struct job *job);
const char *job_state_name(enum job_state state);

/* The state whose job_state_name() is name; false when there is none. */
bool job_state_from_name(const char *name, enum job_state *state);

/* Did the job end otherwise than completed (and is it known)? What a
 * statement counts as "failed or cancelled". */
bool job_state_unsuccessful(enum job_state state);

/* "accounting" or "records". */
const char *job_state_source_name(enum job_state_source source);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Jobs added up by group in PostgreSQL (sql/008 carbon.job_total and
 * job_hour), with the same totals jobset.c and totals_add_job() give: what
 * summary and track read instead of every record. */
#ifndef CARBON_JOBSUM_H
#define CARBON_JOBSUM_H

#include <libpq-fe.h>

#include "aggregate.h"
#include "jobset.h"
#include "report.h"

/* What groups jobs: a job's first record's user, its project or tag (the
 * first record that has one, as job_project()), the UTC day it ended. */
enum job_key { JOB_KEY_NONE, JOB_KEY_USER, JOB_KEY_PROJECT, JOB_KEY_TAG, JOB_KEY_DAY };

/* Whether the per-job totals (carbon.job_total) can be used: the database
 * has sql/011, and the jobs its writers noted since are added in
 * (carbon.job_totals_catch_up). 1 yes, 0 no (the caller reads the records
 * instead; a warning says why where the catch-up failed), -1 after printing
 * why not. */
int jobsum_catch_up(PGconn *conn);

/* Add up the jobs f selects into groups by key (and within each group into
 * its sub list by sub_key, unless JOB_KEY_NONE) and into *all (initialised
 * here), computing carbon for env as jobset_load() does. Jobs whose totals
 * need their records (sql/008), and every job of a database without 008,
 * are read through jobset_load(). groups must be empty; the caller frees it
 * with group_list_free() either way. Returns 0, or -1 after printing why to
 * stderr. */
int jobsum_load(PGconn *conn, const struct job_filter *f, const struct report_env *env,
		enum job_key key, enum job_key sub_key, struct group_list *groups,
		struct job_totals *all);

/* What track shows of the jobs and runs f selects: projects (each with its
 * users in sub, and its days in days, both in key order) in key order, and
 * *all. Returns 0, or -1 after printing why; the caller frees projects. */
int jobsum_load_track(PGconn *conn, const struct job_filter *f, const struct report_env *env,
		      struct group_list *projects, struct job_totals *all);

/* Add the CodeCarbon runs imported for f's scope (sql/functions/imported.sql)
 * to groups by key (and sub_key) and to *all, as jobsum_load does with jobs
 * (it calls this): a run's user is its importer, its day the UTC day it
 * ended. Returns 0, or -1 after printing why. */
int jobsum_add_imported(PGconn *conn, const struct job_filter *f, enum job_key key,
			enum job_key sub_key, struct group_list *groups, struct job_totals *all);

/* The runs of 'carbon-report import estimate' among the imported runs of
 * f's scope: how many, their facility kWh and kg CO2e, and how they were
 * estimated (*how: allocated, "" when none). Returns 0, or -1 after
 * printing why. */
int jobsum_estimated(PGconn *conn, const struct job_filter *f, size_t *runs,
		     double *facility_kwh, double *co2e_kg, char **how);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One step's energy on one node: what the plugin writes and the reporter reads. */
#ifndef CARBON_RECORD_H
#define CARBON_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "energy.h"
#include "utctime.h"	/* utc_iso8601, utc_timestamp_us: how records write times */

#define RECORD_LABEL_MAX 64	/* tag and project: DESIGN §3.2 */
#define RECORD_MAX_HOURS 744	/* 31 days of hourly buckets */

/* Energy in one UTC hour. */
struct hour_bucket {
	int64_t hour;			/* start of the hour, seconds since the epoch */
	double j[DOMAIN_COUNT];
};

struct step_record {
	char cluster[128];
	uint32_t job_id;
	/* The job's start time as slurmctld gives it: with cluster and job_id
	 * the job instance (sql/014), since Slurm reuses job ids. 0: unknown
	 * (the database then takes the id's latest instance). */
	double job_start_s;
	char step[16];		/* "batch", "extern", "interactive" or a number */
	char node[128];
	uint32_t uid;
	char user[64];
	char account[128];
	char project[RECORD_LABEL_MAX + 1];
	char tag[RECORD_LABEL_MAX + 1];
	double start_s;		/* UTC, seconds since the epoch, µs resolution */
	double end_s;
	double energy_j[DOMAIN_COUNT];	/* the step's own share (its CPU time) */
	uint32_t samples;
	char method[64];	/* sensors: "rapl+nvml", "rapl+model", "model", "none" */
	bool partial;		/* a checkpoint of a step still running */
	/* Since migration 003 (DESIGN §4; spank_carbon(8) "Attribution"). */
	bool has_job;		/* false: a record from before 003 (whole-node
				 * energy over the step's window, no job_j) */
	double job_j[DOMAIN_COUNT];	/* the job's share of the node charged
					 * by this record: job totals add these */
	double estimated_j;	/* how much of job_j came from the model */
	double cpu_time_s;	/* the step's CPU time */
	char split[32];		/* how CPU time was read: "cgroup-v1",
				 * "cgroup-v2", "proc", "none" */
	char notes[256];	/* what went wrong or was approximated */
	/* Since migration 010 (issue 6: the statement's hardware and
	 * activity). has_hw false: a record from before (NULL in the table). */
	bool has_hw;
	char cpu_model[128];	/* /proc/cpuinfo "model name"; "": unknown */
	uint32_t alloc_cpus;	/* the job's CPUs on the node; 0: unknown */
	char gpu_model[96];	/* NVML name of the step's first GPU; "": none
				 * or unknown */
	uint32_t gpus;		/* the step's GPUs matched to NVML; without
				 * NVML the entries of its GPU list */
	/* Since migration 012 (issue 6: failed and cancelled jobs). */
	bool has_exit;		/* false: no task's end was seen (NULL) */
	int exit_status;	/* the worst task's wait(2) status: see
				 * exit_status_worse() */
	/* Since migration 016: processes of the step the kernel's OOM killer
	 * killed, as the step's memory cgroup counted them (cgroup_oom.h);
	 * 0: none counted, or no memory cgroup to count in (NULL). */
	uint32_t oom_kills;
	uint32_t n_hours;
	struct hour_bucket hours[RECORD_MAX_HOURS];	/* job_j by UTC hour */
};

/* Add energy j[] spent evenly over [t0, t1] (seconds since the epoch) to
 * r's hour buckets, cut at UTC hour boundaries. Buckets stay in time order;
 * past RECORD_MAX_HOURS the rest goes to the last bucket (and notes says
 * so). Never allocates. */
void record_add_hours(struct step_record *r, double t0, double t1,
		      const double j[DOMAIN_COUNT]);

/* r's hour buckets as the JSON array of the hours column (sql/003) into
 * buf. Returns the length, or -1 when buf is too small (RECORD_HOURS_JSON_MAX
 * always suffices). */
#define RECORD_HOURS_JSON_MAX (RECORD_MAX_HOURS * 160 + 8)
int record_hours_json(const struct step_record *r, char *buf, size_t n);

/* Append "; text" (or text when empty) to r->notes unless it is there. */
void record_note(struct step_record *r, const char *text);

/* Is s a valid --carbon-tag / --carbon-project value: 1 to 64 characters of
 * [A-Za-z0-9._:+/-]? When not, and why is non-NULL, *why says what is wrong. */
bool label_is_valid(const char *s, const char **why);

/* What a text that reaches a record, a file name or a log line may hold.
 * Every such text from a source the job's user controls (the job's
 * environment) is checked here where it enters, and so are names of the
 * node and of Slurm's configuration, before they are used. */
enum record_text_kind {
	/* A host, cluster, account or user name: letters, digits and
	 * . _ @ -, the first a letter, digit or _ (so never "..", never a
	 * '/', never an option). */
	RECORD_TEXT_NAME,
	/* A --carbon-tag / --carbon-project value: label_is_valid(). */
	RECORD_TEXT_LABEL,
	/* A GPU list ("0,1", "0-3", "GPU-<uuid>,..."): letters, digits and
	 * , - / : */
	RECORD_TEXT_GPU_LIST,
};

/* Is s a safe text of that kind: 1 to max bytes (RECORD_TEXT_LABEL: at
 * most RECORD_LABEL_MAX too) of its characters? When not, and why is
 * non-NULL, *why says what is wrong in words that never quote s (it may
 * hold newlines). Never allocates. */
bool record_text_is_safe(const char *s, size_t max, enum record_text_kind kind,
			 const char **why);

/* Replace every byte of s that a spool line cannot hold (control
 * characters, bytes above 0x7e, backslash) with '?', in place: for names
 * read from the hardware (/proc/cpuinfo, NVML), which root trusts but does
 * not choose. Returns s. */
char *record_text_printable(char *s);

/* Step ids Slurm reserves (slurm.h); repeated here so lib/ needs no Slurm. */
#define STEP_ID_PENDING 0xfffffffdu
#define STEP_ID_EXTERN 0xfffffffcu
#define STEP_ID_BATCH 0xfffffffbu
#define STEP_ID_INTERACTIVE 0xfffffffau

/* Slurm's name for a step id: "batch", "extern", "interactive", "pending" or
 * the decimal number. Writes into buf (size n) and returns it. */
const char *step_id_name(uint32_t step_id, char *buf, size_t n);

/* Is wait(2) status b worse than a, the step's worst so far: a task ended
 * by a signal is worse than one that exited non-zero, which is worse than
 * one that exited 0; between two of the same kind the first seen stays. */
bool exit_status_worse(int b, int a);

#endif

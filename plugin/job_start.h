/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The job instance's start time (sql/014): asked of slurmctld once a job a
 * node, and kept in the spool directory for the job's later steps there. */
#ifndef CARBON_JOB_START_H
#define CARBON_JOB_START_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How long a step's start waits for slurmctld's answer at most. */
#define JOB_START_TIMEOUT_S 2.0

/* The start time of job job_id (seconds since the epoch): from the spool
 * directory's note of it when an earlier step of the job on this node left
 * one, else from slurmctld (slurm_load_job, the API of the slurmstepd that
 * loaded the plugin), waiting at most timeout_s; the answer is then noted.
 * Returns 0 when it is unknown, with the reason in why. Never reads the
 * job's environment. */
double job_start_get(uint32_t job_id, const char *spool_dir, double timeout_s, char *why,
		     size_t n);

/* Remove the note of job_id: its last step on this node has ended. */
void job_start_forget(uint32_t job_id, const char *spool_dir);

/* The note itself: read (true with *start set when a note of this boot,
 * owned by this process's user, holds a plausible time) and write (true
 * when written whole). */
bool job_start_note_read(const char *dir, uint32_t job_id, double *start);
bool job_start_note_write(const char *dir, uint32_t job_id, double start);

#endif

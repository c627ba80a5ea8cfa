/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Leases: on each node, one step of a job at a time charges the job's share
 * of the node (and each of its GPUs), so that nothing is counted twice while
 * the batch step, the extern step and srun steps run side by side. A lease
 * is an flock on DIR/NAME.lease: the kernel drops it when its holder ends,
 * however it ends, and another step of the job takes it over at its next
 * sample, from the time the file says the holder charged up to. */
#ifndef CARBON_LEASE_H
#define CARBON_LEASE_H

#include <stdbool.h>
#include <stddef.h>

struct lease {
	int fd;			/* the open lease file; -1 when not held */
	char path[512];
};

#define LEASE_INIT { .fd = -1 }

/* Try to take dir/name.lease (dir: root-only, created 0700 when missing).
 * Returns 1 when this process holds it (already, or from now on), 0 when
 * another process does, -1 with a reason in err. Never blocks. */
int lease_try(struct lease *l, const char *dir, const char *name, char *err, size_t errlen);

static inline bool lease_held(const struct lease *l)
{
	return l->fd >= 0;
}

/* The holder's note in the file: the time (seconds since the epoch) up to
 * which it charged, and the job's allocated CPUs on the node (its weight
 * when the node is idle). Returns 0, or -1. */
int lease_write(struct lease *l, double charged_until, unsigned alloc_cpus);

/* What the previous holder wrote; 0 (and charged_until 0) when nothing. */
int lease_read(const struct lease *l, double *charged_until, unsigned *alloc_cpus);

/* Give the lease up (the file stays, for a successor to read). */
void lease_release(struct lease *l);

/* Over the job leases of node in dir ("NODE.job.N.lease": the node's name
 * keeps nodes apart should a spool directory ever be shared): the jobs
 * present on the node over [since_s, now_s] (seconds since the epoch), for
 * splitting the node among them by allocated CPUs. A lease some process
 * holds now counts its job's CPUs whole; one given up in between (its
 * holder charged up to a time after since_s) counts them for the part of
 * the interval up to that time, so a job that left during an interval is
 * not charged to its neighbours for all of it. *total_cpus is the sum of
 * those weighted CPUs, *jobs the number of leases counted. Lease files
 * nobody has held for a day are removed on the way. Returns 0, or -1 when
 * dir cannot be read. */
int lease_jobs_present(const char *dir, const char *node, double since_s, double now_s,
		       double *total_cpus, unsigned *jobs);

#endif

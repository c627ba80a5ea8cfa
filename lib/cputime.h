/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CPU time of a Slurm step, its job, all Slurm jobs and the whole node, so
 * that the node's RAPL energy can be shared out by CPU time (DESIGN §4). */
#ifndef CARBON_CPUTIME_H
#define CARBON_CPUTIME_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define CPUTIME_CGROUP_ROOT "/sys/fs/cgroup"
#define CPUTIME_PROC_ROOT "/proc"

/* Where a step's CPU time comes from; also the name of the method to record. */
enum cputime_source {
	CPUTIME_NONE,		/* not read */
	CPUTIME_CGROUP_V1,	/* cpuacct.usage, ns */
	CPUTIME_CGROUP_V2,	/* cpu.stat usage_usec, µs */
	CPUTIME_PROC,		/* /proc/<pid>/stat utime+stime, clock ticks */
};

/* "none", "cgroup-v1", "cgroup-v2", "proc". */
const char *cputime_source_name(enum cputime_source src);

#define CPUTIME_PATH_MAX 512
#define CPUTIME_PREFIX_MAX 256
#define CPUTIME_SCAN_MAX 8192	/* processes the /proc fallback can look at */

/* One counter file, opened when it first exists and kept open. */
struct cputime_file {
	char path[CPUTIME_PATH_MAX];	/* empty: no such counter here */
	int fd;				/* -1 until opened */
	bool seen;			/* opened once: missing now means removed */
};

#define CPUTIME_JOB_DIR_MAX 48

/* Where Slurm keeps one job's cgroups on this node. The job's cgroup is
 * <cgroup_root>[/<v1 controller>]<prefix>/<job_dir>, its steps' are
 * step_<name> below that. */
struct cputime_cgroup {
	enum cputime_source hier;	/* CPUTIME_CGROUP_V1 or _V2; CPUTIME_PROC:
					 * none found */
	char prefix[CPUTIME_PREFIX_MAX];	/* the Slurm part of the path:
					 * "/slurm", "/slurm_vm",
					 * "/system.slice/slurmstepd.scope",
					 * "/system.slice/n1_slurmstepd.scope" */
	char job_dir[CPUTIME_JOB_DIR_MAX];	/* v1: "uid_<uid>/job_<id>";
					 * v2: "job_<id>" (to 25.11, and 26.05 with
					 * CgroupJobIdPaths=yes), or the job's SLUID
					 * (26.05: "s" and 13 characters of Crockford's
					 * base 32, "sEKNKTV3WPV500"); empty: not known
					 * yet (v2 before slurmstepd joins the job) */
};

/* The fields are the module's; callers read only cg (to log). */
struct cputime_scope {
	struct cputime_cgroup cg;	/* what cputime_open found */
	pid_t stepd_pid;
	long ticks_per_s;		/* USER_HZ, the unit of /proc times */
	struct cputime_file step, job, all;	/* cgroup counters */
	int node_fd;			/* <proc_root>/stat */
	int stepd_fd;			/* <proc_root>/<stepd_pid>/stat */
	DIR *proc_dir;			/* <proc_root>, rewound for each scan */
	struct cputime_proc *scan;	/* the fallback's pid table */
	uint64_t last_ns[4];		/* step, job, all, node: kept monotonic */
	/* What cputime_open was given, to locate the cgroups later when
	 * they are not there yet (slurmstepd joins its job's cgroups only
	 * when it starts the tasks). */
	char cgroup_root[CPUTIME_PATH_MAX / 2];
	char proc_root[CPUTIME_PATH_MAX / 2];
	char step_name[32];
	char node[64];
	uint32_t job_id, uid;
};

/* Prepare to read step `step` ("batch", "extern", "interactive", "0", ...)
 * of job job_id of user uid on this node, from the slurmstepd whose pid is
 * stepd_pid (getpid() in the plugin). cgroup_root and proc_root are
 * CPUTIME_CGROUP_ROOT and CPUTIME_PROC_ROOT in production; tests pass fake
 * trees.
 * Where the job's cgroups are comes from cputime_slurm_cgroup; when
 * slurmstepd is in none yet, from the first of "/slurm_<node>", "/slurm"
 * under the v1 cpuacct mount, or (no v1 cpuacct) the v2 scope
 * "/system.slice/<node>_slurmstepd.scope" or "/system.slice/slurmstepd.scope"
 * that exists; in v2 the job's directory is then learnt at a later read,
 * once slurmstepd has joined it. With none, hier is CPUTIME_PROC.
 * v1 counters live in cpuacct, mounted as <cgroup_root>/cpuacct or
 * <cgroup_root>/cpu,cpuacct. The counter files need not exist yet: each
 * is opened by the first cputime_read that finds it.
 * Allocates the fallback's pid table (about 200 KiB) here, so that reads
 * never allocate. Must run as root (or the owner of stepd_pid).
 * Returns 0 (also when no cgroup is usable), or -1 with errno EINVAL when
 * step is not a plain name or a path would not fit; s is then closed. */
/* node: the Slurm node name, for the prefixes "/slurm_<node>" (v1) and
 * "/system.slice/<node>_slurmstepd.scope" (v2) that slurmd uses where one
 * host may run several slurmd (Debian's build), tried before the plain ones
 * when slurmstepd is not in a job cgroup yet; NULL: the plain ones only. */
int cputime_open(struct cputime_scope *s, const char *cgroup_root,
		 const char *proc_root, pid_t stepd_pid, uint32_t job_id,
		 uint32_t uid, const char *step, const char *node);

/* Counters in nanoseconds whatever the source, since some fixed origin.
 * Each one never decreases from one read to the next (a smaller reading,
 * e.g. after a switch of source or a child being reaped between two files,
 * repeats the previous value), so callers may take plain deltas. */
struct cputime_sample {
	uint64_t step_ns;	/* the step's processes; slurmstepd excluded */
	uint64_t job_ns;	/* the job on this node, all its steps (in v2 with
				 * their slurmstepds) */
	uint64_t all_ns;	/* all Slurm jobs on this node (the prefix's cgroup) */
	uint64_t node_ns;	/* every busy CPU of the node: user + nice +
				 * system + irq + softirq of /proc/stat */
	bool have_step, have_job, have_all, have_node;
	bool rebased;		/* the cgroups were found only now: their
				 * counters started after the previous read,
				 * so count the step, job and all deltas
				 * from 0 */
	enum cputime_source source;	/* where step_ns came from */
};

/* Read the counters into out. A cgroup counter not open yet is opened if it
 * now exists (a step's cgroup appears when its tasks start). While the
 * step's cgroup does not exist, step_ns comes from /proc: utime + stime +
 * cutime + cstime of every live descendant of stepd_pid, plus slurmstepd's
 * cutime + cstime (not its own threads' time); source is
 * then CPUTIME_PROC, job_ns = step_ns and have_job is false. all_ns comes
 * only from cgroups: where have_all is false, use node_ns.
 * The fallback scans <proc_root>: at most CPUTIME_SCAN_MAX processes, and
 * processes that left the step's tree (double fork) are missed.
 * Never allocates. Not for concurrent use on one scope.
 * Returns 0, or -1 when step_ns could not be read (the other have_* flags
 * still say what was). */
int cputime_read(struct cputime_scope *s, struct cputime_sample *out);

/* Close what cputime_open and cputime_read opened; s may then be opened
 * again. Safe on a scope that failed to open. */
void cputime_close(struct cputime_scope *s);

/* Where Slurm keeps the cgroups of job job_id of user uid, learnt from the
 * cgroups its slurmstepd (stepd_pid) is in, <proc_root>/<stepd_pid>/cgroup
 * (the kernel's word, never the job's environment):
 *   v1: a line whose path holds "/uid_<uid>/job_<job_id>" as whole
 *       components (freezer first; everything before it is the prefix);
 *   v2: else the "0::" line's component "job_<job_id>", or a SLUID-named
 *       component followed by a "step_" one (26.05 names the job's directory
 *       by its SLUID, which no SPANK item gives; slurmstepd's own cgroup is
 *       <prefix>/<SLUID>/step_<name>/slurm).
 * Fills *out and returns out->hier; CPUTIME_PROC (prefix and job_dir empty)
 * when slurmstepd is in no cgroup of the job. */
enum cputime_source cputime_slurm_cgroup(const char *proc_root, pid_t stepd_pid,
					 uint32_t job_id, uint32_t uid,
					 struct cputime_cgroup *out);

/* Number of CPUs online: the "cpuN" lines of <proc_root>/stat. Returns 0 when
 * the file cannot be read. */
unsigned cputime_node_cpus(const char *proc_root);

#endif

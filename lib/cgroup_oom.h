/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How many processes of a Slurm step the kernel's OOM killer killed, as the
 * step's memory cgroup counts them: how a site without Slurm's accounting
 * still tells an out-of-memory job from one cancelled. */
#ifndef CARBON_CGROUP_OOM_H
#define CARBON_CGROUP_OOM_H

#include <stdint.h>

#include "cputime.h"

/* The OOM kills in the memory cgroup of step `step` ("batch", "0", ...) of
 * the job whose cgroups cg locates (as cputime_slurm_cgroup() gives it),
 * under cgroup_root (CPUTIME_CGROUP_ROOT; tests pass a fake tree):
 *   v1: the "oom_kill" line of memory.oom_control (Linux 4.13 and later) in
 *       <root>/memory<prefix>/<job_dir>/step_<step> and in every
 *       cgroup below it, summed: cgroup v1 counts a kill only in the cgroup
 *       of the process killed, and Slurm's task/cgroup puts each task in a
 *       task_<N> cgroup of its own under the step's;
 *   v2: the "oom_kill" line of memory.events in
 *       <root><prefix>/<job_dir>/step_<step>, which counts its subtree
 *       (job_dir "job_<id>", or 26.05's SLUID).
 * Read while the step's cgroups exist: slurmstepd removes them before the
 * plugin's exit callback, and keeps them until after each task's
 * task_exit callback.
 * Returns the count, or -1 when there is none to read (no memory
 * controller, the cgroup gone, a kernel without the line; a step name that
 * is not a plain name; no job_dir). Opens a few files and directories; not for the
 * sampler thread. */
long long cgroup_oom_kills(const char *cgroup_root, const struct cputime_cgroup *cg,
			   const char *step);

/* The value of the "oom_kill N" line of a memory.oom_control or
 * memory.events text (NUL-terminated), or -1 when it has none. */
long long cgroup_oom_kill_line(const char *text);

#endif

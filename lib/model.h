/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The energy model used where no counter exists: TDP and memory figures
 * from data/ (see data/SOURCES.md). Energy from it is always an estimate. */
#ifndef CARBON_MODEL_H
#define CARBON_MODEL_H

#include <stddef.h>

/* Watts per GB of memory (Green Algorithms data v3.0, memoryPower). */
#define MODEL_MEMORY_W_PER_GB 0.3725
/* Watts per physical core of a CPU missing from the table (Green
 * Algorithms data v3.0, TDP_cpu.csv, row "Any"). */
#define MODEL_CPU_W_PER_CORE 12.0
/* Watts of a GPU missing from the table (Green Algorithms data v3.0,
 * TDP_gpu.csv, row "Any"). */
#define MODEL_GPU_TDP_W 200.0

#define MODEL_NAME_MAX 128

/* What /proc/cpuinfo says about the node's CPUs. */
struct model_cpuinfo {
	char name[MODEL_NAME_MAX];	/* first "model name", as written (trimmed,
					 * truncated); "" where there is none
					 * (most ARM kernels) */
	unsigned sockets;		/* distinct "physical id" values; >= 1 */
	unsigned cpus;			/* "processor" entries: logical CPUs; >= 1 */
	unsigned cores;			/* physical cores: "cpu cores" x sockets,
					 * at most cpus; cpus where not given */
};

/* Read a cpuinfo file ("/proc/cpuinfo" in production) into *ci.
 * Returns 0, or -1 with errno set: from fopen/read, or EINVAL when the file
 * has no "processor" line. Only the first MODEL_NAME_MAX - 1 bytes of the
 * name are kept; at most 64 distinct physical ids are counted. */
int model_read_cpuinfo(const char *path, struct model_cpuinfo *ci);

/* TDP per socket of a CPU model name, from data/cpu_tdp.csv. Both sides are
 * compared after removing what /proc/cpuinfo adds to a model: case,
 * bracketed marks ("(R)", "(TM)"), the words "CPU" and "Processor", the
 * clock ("@ 2.10GHz"), core counts ("64-Core"), "11th Gen", "with Radeon
 * Graphics" and repeated spaces. Returns 0 and sets *tdp_w and *matched
 * (the table's row name, static) or -1 when the model is unknown or empty.
 * matched may be NULL. A scan of about 4,600 rows: call it once per step. */
int model_cpu_tdp(const char *model_name, double *tdp_w, const char **matched);

/* TDP of a GPU from its NVML name ("NVIDIA H100 80GB HBM3", "Tesla
 * V100-SXM2-32GB"), from data/gpu_tdp.csv. Names are split into words at
 * anything not a letter or digit, case ignored, without the brand words
 * NVIDIA, Tesla and GeForce; a row matches when each of its words is one of
 * the name's, and the row with most words wins ("H100 PCIe" over "H100").
 * Returns 0 and sets *tdp_w and *matched (static; may be NULL), or -1. */
int model_gpu_tdp(const char *gpu_name, double *tdp_w, const char **matched);

/* The TDP per socket to use on this node: conf_tdp_w when > 0 (*source
 * "carbon.conf"); else the table's row for ci->name (*source: the row
 * name); else MODEL_CPU_W_PER_CORE x physical cores per socket (*source
 * "default"). Never fails; source may be NULL and points to static text. */
double model_cpu_socket_tdp_w(const struct model_cpuinfo *ci, double conf_tdp_w,
			      const char **source);

/* The same for one GPU: conf_tdp_w when > 0, else the table's row for
 * gpu_name, else MODEL_GPU_TDP_W. */
double model_gpu_board_tdp_w(const char *gpu_name, double conf_tdp_w,
			     const char **source);

/* Joules used by a node's CPUs that were busy for busy_cpu_s CPU-seconds
 * (summed over logical CPUs): each logical CPU draws an equal share of the
 * sockets' TDP while busy, so
 *   energy = tdp_per_socket_w x sockets / cpus x busy_cpu_s.
 * Returns 0 when cpus or sockets is 0 or an input is negative. */
double model_cpu_energy_j(double tdp_per_socket_w, unsigned sockets,
			  unsigned cpus, double busy_cpu_s);

/* Joules used by gb gigabytes of memory over seconds: w_per_gb x gb x
 * seconds. Returns 0 when an input is negative. */
double model_memory_energy_j(double w_per_gb, double gb, double seconds);

/* Joules used by a GPU of tdp_w watts over seconds at utilisation util
 * (0..1, clamped): tdp_w x util x seconds. */
double model_gpu_energy_j(double tdp_w, double util, double seconds);

#endif

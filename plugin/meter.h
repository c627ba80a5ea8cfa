/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The meter: every sensor of one step on one node, read each interval and
 * turned into the step's share and the job's share by attribution_interval
 * (lib/attribution.h; spank_carbon(8), "Attribution"). The sampler thread
 * calls meter_sample() every interval; nothing here blocks on anything but
 * local files. */
#ifndef CARBON_METER_H
#define CARBON_METER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "attribution.h"
#include "conf.h"
#include "cputime.h"
#include "lease.h"
#include "node_sensor.h"
#include "record.h"
#include "sensor_nvml.h"
#include "sensor_rapl.h"
#include "sensor_rocm.h"

/* Whose library reads a GPU. */
enum gpu_vendor { GPU_NVIDIA, GPU_AMD };

/* One GPU the step holds. */
struct meter_gpu {
	enum gpu_vendor vendor;
	unsigned dev;			/* index into nvml.gpu[] or rocm.gpu[] */
	enum { GPU_COUNTER, GPU_POWER, GPU_MODEL, GPU_LOST } mode;
	uint64_t last_uj;		/* the counter at the last counter reading */
	double last_w;			/* the last power reading, W */
	bool have_w;
	double since_counter_j;		/* power-integrated since the last counter reading */
	double tdp_w;			/* the model's figure (GPU_MODEL) */
	struct lease lease;		/* held: this step charges the GPU to the job */
	double charged_until;
};

/* What the meter needs to know of the step, given by the caller. */
struct meter_setup {
	const struct carbon_conf *conf;
	pid_t stepd_pid;
	uint32_t job_id;
	uint32_t uid;
	const char *step;		/* "batch", "extern", "0", ... */
	unsigned alloc_cpus;		/* the job's CPUs on this node (0: unknown) */
	double alloc_mem_gb;		/* the job's memory on this node (0: unknown;
					 * the model then takes its CPUs' share) */
	const char *gpus;		/* the step's GPUs (indices or UUIDs) as
					 * Slurm set them for this step: the caller
					 * passes only a list Slurm wrote (see
					 * spank_carbon(8), "What the plugin
					 * trusts"); NULL or "": none */
	const char *powercap_root;	/* RAPL_DEFAULT_ROOT */
	const char *cgroup_root;	/* "/sys/fs/cgroup" */
	const char *proc_root;		/* "/proc" */
	const char *cpuinfo;		/* "/proc/cpuinfo" */
	const char *nvml_library;	/* NULL: libnvidia-ml.so.1 */
	const char *rocm_library;	/* NULL: librocm_smi64.so.1 */
};

/* A GPU of the node read for a node meter that includes it: its power,
 * integrated as a step's GPU in power mode. */
struct meter_node_gpu {
	enum gpu_vendor vendor;
	unsigned dev;
	double last_w;
	bool have_w;
};

struct meter {
	struct step_record *rec;	/* where the figures go; rec->node names
					 * the lease files, so the caller checks it
					 * (record_text_is_safe) before meter_open */
	char lease_dir[CONF_STR_MAX + 16];
	char job_lease_name[160];
	unsigned alloc_cpus;
	int checkpoint_every;		/* samples between checkpoints; 0: none */
	int gpu_counter_every;		/* samples between GPU counter readings */
	const char *spool_dir;

	struct rapl rapl;
	uint64_t rapl_last[RAPL_MAX_DOMAINS];

	struct nvml nvml;
	struct rocm rocm;
	bool gpu_library_tried;		/* open_gpu_library ran: its answer stands
					 * for the step */
	struct meter_gpu gpu[NVML_MAX_GPUS];
	unsigned n_gpus;

	/* the whole-node meter, the source of "other" */
	struct node_sensor node;
	double node_pending_j;		/* parts waiting for its next reading */
	struct meter_node_gpu node_gpu[NVML_MAX_GPUS];	/* a chassis meter's GPUs */
	unsigned n_node_gpus;

	struct cputime_scope cpu;
	struct cputime_sample cpu_last;
	bool have_cpu_last;

	/* the model, where no counter exists */
	struct attribution_model model;	/* .cpu: no RAPL, CPU and memory
					 * from the model */

	double last_f_job, last_f_step;	/* the shares of the previous interval */
	bool cgroup_seen;		/* CPU times came from the job's cgroup */
	bool no_leases;			/* the lease directory is unusable: this
					 * step charges the job as if alone */
	struct lease job_lease;
	double job_charged_until;
	double last_wall;		/* time of the previous sample */
	unsigned samples;
	bool used_model, used_rapl, used_nvml, used_rocm, used_node;
	/* a GPU of the vendor measured by its power readings (no energy
	 * counter): "nvml_power", "rocm_power" */
	bool used_nvml_power, used_rocm_power;
};

/* How the meter says what it could not do, one line each: fault true for
 * what an administrator must fix (slurmd's log: error), false for how the
 * node is, expected where it lacks a sensor (no RAPL, no NVML, a CPU the
 * TDP table lacks: info). */
typedef void (*meter_log_fn)(bool fault, const char *msg);

/* Open every sensor (as root: the counters are root-only) and take the
 * first readings at time now. Problems become one log line each through
 * log_fn (at most one a kind a step) and a note in the record; the meter
 * then measures what it can. */
void meter_open(struct meter *m, const struct meter_setup *setup,
		struct step_record *rec, double now,
		meter_log_fn log_fn);

/* One sample at time now: charge the interval since the previous one to
 * the step and, where this step holds the job's lease, to the job. final:
 * the step's end (no checkpoint is written). */
void meter_sample(struct meter *m, double now, bool final);

/* The shortest wrap period of the node's counters allows this interval;
 * returns the interval to use (see rapl_check_interval). */
int meter_interval(struct meter *m, int interval_s, meter_log_fn log_fn);

void meter_close(struct meter *m);

/* Parse a GPU list ("0,1", "GPU-..,GPU-..", "0-3") and find each entry's
 * NVML device: a number is NVML's index, a "GPU-"/"MIG-" word a UUID.
 * Writes the nv indices to out (at most max) and returns how many; entries
 * without a device are skipped and counted in *unknown. */
unsigned meter_match_gpus(const struct nvml *nv, const char *list, unsigned *out,
			  unsigned max, unsigned *unknown);

/* The same for ROCm SMI's devices: a number is ROCm SMI's index, a "GPU-"
 * word the unique id as ROCR_VISIBLE_DEVICES spells it (struct rocm_gpu). */
unsigned meter_match_rocm_gpus(const struct rocm *r, const char *list, unsigned *out,
			       unsigned max, unsigned *unknown);

#endif

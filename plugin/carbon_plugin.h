/* SPDX-License-Identifier: GPL-2.0-or-later */
/* State shared by the SPANK callbacks of spank_carbon.so: one instance per
 * process that loads the plugin (sbatch, srun, or one slurmstepd). */
#ifndef CARBON_PLUGIN_H
#define CARBON_PLUGIN_H

#include <slurm/spank.h>
#include <stdbool.h>

#include "conf.h"
#include "record.h"
#include "meter.h"
#include "sampler.h"

#ifndef CARBON_DEFAULT_CONFIG
#define CARBON_DEFAULT_CONFIG "/etc/slurm/carbon.conf"
#endif

struct plugin_context {
	char config_path[CONF_STR_MAX];
	struct carbon_conf conf;
	bool conf_ok;		/* false: carbon.conf was refused; measure nothing */
	char opt_tag[RECORD_LABEL_MAX + 1];	/* --carbon-tag, as given */
	char opt_project[RECORD_LABEL_MAX + 1];	/* --carbon-project */
	bool opt_bad;		/* an option value was invalid (remote side) */
	/* slurmstepd only */
	bool measuring;
	struct meter meter;
	struct sampler sampler;
	struct step_record rec;
	/* The worst task end seen so far (exit_status_worse()), written by
	 * task_exit in slurmstepd's main thread and copied into rec once the
	 * sampler has stopped: the sampler thread writes rec meanwhile. */
	bool exit_seen;
	int exit_status;
	bool exit_item_failed;	/* logged once */
	/* The most OOM kills the step's memory cgroup counted at a task's
	 * end (cgroup_oom.h); -1: none read. Main thread only. */
	long long oom_kills;
	/* From slurm.conf, for choosing the step that writes the job's records
	 * on this node (see step_writes_job()). */
	bool job_has_extern;	/* PrologFlags=Contain (or X11): an extern step */
	char slurmd_spool[512];	/* SlurmdSpoolDir=, %n and %h not expanded */
};

extern struct plugin_context carbon_ctx;

/* plugin arguments from plugstack.conf: config=PATH. Logs unknown ones. */
void carbon_parse_args(int ac, char **av, bool log_errors);

/* sbatch / salloc / srun side: option values validated at submission. */
int carbon_submit_check_env(void);
int carbon_option_cb(int val, const char *optarg, int remote);

/* slurmstepd side. Each returns 0 whatever happens: a job is never failed. */
int carbon_stepd_init(spank_t sp);
int carbon_stepd_post_opt(spank_t sp);
int carbon_stepd_task_exit(spank_t sp);
int carbon_stepd_exit(spank_t sp);

enum carbon_option { OPT_TAG = 1, OPT_PROJECT = 2 };

#endif

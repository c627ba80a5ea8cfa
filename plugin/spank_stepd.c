/* SPDX-License-Identifier: GPL-2.0-or-later */
/* slurmstepd: measure one step on one node and store its record.
 * Runs as root in every step (batch, extern, each srun step). Nothing here
 * may fail or hang the step: every callback returns 0, errors are one line
 * in slurmd's log. */
#define _GNU_SOURCE	/* dladdr */
#include <dlfcn.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <unistd.h>

#include "carbon_plugin.h"
#include "spool.h"
#include "store.h"

static void getenv_into(spank_t sp, const char *name, char *buf, size_t n)
{
	if (spank_getenv(sp, name, buf, (int)n) != ESPANK_SUCCESS)
		buf[0] = '\0';
}

/* ClusterName= from slurm.conf, for steps whose environment lacks
 * SLURM_CLUSTER_NAME (the extern step). Returns 0 when found. */
static int slurm_conf_cluster_name(char *buf, size_t n)
{
	const char *path = getenv("SLURM_CONF");
	char line[512];
	FILE *fp;
	int rc = -1;

	fp = fopen(path && path[0] ? path : "/etc/slurm/slurm.conf", "r");
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		char *p = line + strspn(line, " \t");

		if (strncasecmp(p, "ClusterName=", 12) != 0)
			continue;
		p += 12;
		p[strcspn(p, " \t#\r\n")] = '\0';
		if (p[0] && conf_copy_str(buf, n, p))
			rc = 0;
		break;
	}
	fclose(fp);
	return rc;
}

int carbon_stepd_init(spank_t sp)
{
	char err[1024];

	conf_defaults(&carbon_ctx.conf);
	carbon_ctx.conf_ok = conf_load(carbon_ctx.config_path, CONF_TRUST_ROOT_ONLY,
				       &carbon_ctx.conf, err, sizeof(err)) == 0;
	if (!carbon_ctx.conf_ok)
		slurm_error("carbon: %s; this step is not measured (fix the file; see carbon.conf(5))",
			    err);
	return 0;
}

/* This node's Slurm name: its place (S_JOB_NODEID) in the step's node list,
 * since the job environment an srun inside a batch script passes on names
 * the batch host. The batch step runs on the job's first node. Else (the
 * extern step has neither list) the short host name. */
static void node_name(spank_t sp, bool batch_step, char *buf, size_t n)
{
	char list[4096];
	uint32_t node_id;

	if (spank_get_item(sp, S_JOB_NODEID, &node_id) == ESPANK_SUCCESS) {
		getenv_into(sp, batch_step ? "SLURM_JOB_NODELIST" : "SLURM_STEP_NODELIST",
			    list, sizeof(list));
		if (list[0] && hostlist_nth(list, node_id, buf, n) == 0)
			return;
	}
	if (gethostname(buf, n) != 0)
		conf_copy_str(buf, n, "unknown");
	buf[n - 1] = '\0';
	buf[strcspn(buf, ".")] = '\0';	/* Slurm node names are short host names */
}

/* Who and what the step is, from Slurm and the job's environment. */
static void fill_identity(spank_t sp, struct step_record *r)
{
	uint32_t job_id = 0, step_id = 0;
	uid_t uid = (uid_t)-1;
	char env_tag[RECORD_LABEL_MAX + 2];
	struct passwd pw, *pwp = NULL;
	char pwbuf[4096];

	spank_get_item(sp, S_JOB_ID, &job_id);
	spank_get_item(sp, S_JOB_STEPID, &step_id);
	spank_get_item(sp, S_JOB_UID, &uid);
	r->job_id = job_id;
	r->uid = (uint32_t)uid;
	step_id_name(step_id, r->step, sizeof(r->step));

	if (carbon_ctx.conf.cluster[0])
		conf_copy_str(r->cluster, sizeof(r->cluster), carbon_ctx.conf.cluster);
	else
		getenv_into(sp, "SLURM_CLUSTER_NAME", r->cluster, sizeof(r->cluster));
	if (!r->cluster[0] && slurm_conf_cluster_name(r->cluster, sizeof(r->cluster)) < 0)
		conf_copy_str(r->cluster, sizeof(r->cluster), "unknown");

	node_name(sp, !strcmp(r->step, "batch"), r->node, sizeof(r->node));

	if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &pwp) == 0 && pwp)
		conf_copy_str(r->user, sizeof(r->user), pw.pw_name);
	else
		snprintf(r->user, sizeof(r->user), "%u", (unsigned)uid);

	getenv_into(sp, "SLURM_JOB_ACCOUNT", r->account, sizeof(r->account));

	if (carbon_ctx.opt_project[0])
		conf_copy_str(r->project, sizeof(r->project), carbon_ctx.opt_project);
	else if (label_is_valid(r->account, NULL))
		conf_copy_str(r->project, sizeof(r->project), r->account);

	if (carbon_ctx.opt_tag[0]) {
		conf_copy_str(r->tag, sizeof(r->tag), carbon_ctx.opt_tag);
	} else {
		getenv_into(sp, "CARBON_TAG", env_tag, sizeof(env_tag));
		if (label_is_valid(env_tag, NULL))
			conf_copy_str(r->tag, sizeof(r->tag), env_tag);
	}
}

/* How many CPUs a Slurm CPU list ("0-3,8,10-11") names. */
static unsigned count_cpu_list(const char *list)
{
	unsigned n = 0;
	const char *p = list;

	while (p && *p) {
		char *end;
		unsigned long lo = strtoul(p, &end, 10), hi = lo;

		if (end == p)
			break;
		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		if (hi >= lo && hi - lo < 65536)
			n += (unsigned)(hi - lo + 1);
		p = *end == ',' ? end + 1 : NULL;
	}
	return n;
}

static void log_line(const char *msg)
{
	slurm_error("carbon: job %u step %s: %s", carbon_ctx.rec.job_id, carbon_ctx.rec.step, msg);
}

int carbon_stepd_post_opt(spank_t sp)
{
	struct meter_setup set;
	char cores[1024] = "", gpus[1024] = "";
	uint64_t mem_mb = 0;
	char *list = NULL;
	int interval;

	if (!carbon_ctx.conf_ok)
		return 0;
	memset(&carbon_ctx.rec, 0, sizeof(carbon_ctx.rec));
	fill_identity(sp, &carbon_ctx.rec);
	if (carbon_ctx.opt_bad)
		slurm_error("carbon: job %u: an invalid --carbon-tag/--carbon-project reached the step and was ignored",
			    carbon_ctx.rec.job_id);

	/* The job's CPUs and memory on this node (its weight when the node
	 * idles; the model's memory) and the step's GPUs. */
	if (spank_get_item(sp, S_JOB_ALLOC_CORES, &list) == ESPANK_SUCCESS && list)
		conf_copy_str(cores, sizeof(cores), list);
	spank_get_item(sp, S_JOB_ALLOC_MEM, &mem_mb);
	if (mem_mb == 0) {	/* Slurm tracks memory only with CR_*_Memory */
		char env[32] = "";

		getenv_into(sp, "SLURM_MEM_PER_NODE", env, sizeof(env));
		mem_mb = strtoull(env, NULL, 10);
	}
	getenv_into(sp, "SLURM_STEP_GPUS", gpus, sizeof(gpus));
	if (!gpus[0])
		getenv_into(sp, "SLURM_JOB_GPUS", gpus, sizeof(gpus));
	if (!gpus[0])
		getenv_into(sp, "CUDA_VISIBLE_DEVICES", gpus, sizeof(gpus));

	memset(&set, 0, sizeof(set));
	set.conf = &carbon_ctx.conf;
	set.stepd_pid = getpid();
	set.job_id = carbon_ctx.rec.job_id;
	set.uid = carbon_ctx.rec.uid;
	set.step = carbon_ctx.rec.step;
	set.alloc_cpus = count_cpu_list(cores);
	set.alloc_mem_gb = (double)mem_mb / 1024.0;
	set.gpus = gpus;
	set.powercap_root = RAPL_DEFAULT_ROOT;
	set.cgroup_root = CPUTIME_CGROUP_ROOT;
	set.proc_root = CPUTIME_PROC_ROOT;
	set.cpuinfo = "/proc/cpuinfo";
	set.nvml_library = NULL;

	/* Counters are root-only (since Linux 5.10): open them now, as root. */
	carbon_ctx.rec.start_s = sampler_now();
	meter_open(&carbon_ctx.meter, &set, &carbon_ctx.rec, carbon_ctx.rec.start_s, log_line);
	interval = meter_interval(&carbon_ctx.meter, carbon_ctx.conf.interval_s, log_line);
	if (sampler_start(&carbon_ctx.sampler, &carbon_ctx.meter, interval) < 0)
		slurm_error("carbon: job %u step %s: cannot start the sampler thread (%m); energy is taken from the first and last readings only",
			    carbon_ctx.rec.job_id, carbon_ctx.rec.step);
	carbon_ctx.measuring = true;
	return 0;
}

/* The database is out of reach: keep the record in the spool, and say so in
 * one line either way. */
static void spool_record(const struct step_record *r, const char *what, const char *db_err)
{
	const char *dir = carbon_ctx.conf.spool_dir;
	char err[1024], path[1024];

	if (spool_check_dir(dir, true, err, sizeof(err)) == 0 &&
	    spool_append(dir, r, path, sizeof(path), err, sizeof(err)) == 0) {
		slurm_error("carbon: job %u step %s: %s%s; record spooled to %s (carbon-report spool flush replays it)",
			    r->job_id, r->step, what, db_err, path);
		return;
	}
	slurm_error("carbon: job %u step %s: record lost: %s%s, and the spool failed too: %s",
		    r->job_id, r->step, what, db_err, err);
}

/* Load spank_carbon_store.so (see store.h) from the directory this plugin
 * was loaded from; once per slurmstepd, at step end. Loading it in a
 * background thread at step start was measured and did not shorten
 * `srun -n1 true` (doc/benchmarks.md). Returns its entry point, or NULL with
 * the reason in err. */
static carbon_store_fn load_store(char *err, size_t errlen)
{
	char path[PATH_MAX];
	const char *slash;
	carbon_store_fn store = NULL;
	Dl_info self;
	void *module, *fn;

	if (!dladdr((void *)load_store, &self) || !self.dli_fname ||
	    !(slash = strrchr(self.dli_fname, '/'))) {
		snprintf(err, errlen, "cannot tell where spank_carbon.so was loaded from");
		return NULL;
	}
	snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - self.dli_fname),
		 self.dli_fname, CARBON_STORE_MODULE);
	module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!module) {
		snprintf(err, errlen, "cannot load %s (%s)", path, dlerror());
		return NULL;
	}
	fn = dlsym(module, CARBON_STORE_SYMBOL);
	if (!fn) {
		snprintf(err, errlen, "%s lacks %s", path, CARBON_STORE_SYMBOL);
		dlclose(module);
		return NULL;
	}
	memcpy(&store, &fn, sizeof(fn));	/* POSIX: dlsym gives functions too */
	return store;
}

/* One task of the step ended (slurmstepd, as root, after its wait()): keep
 * the worst status. The extern step's only task is Slurm's own placeholder,
 * killed when the job ends: it says nothing of how the job went. */
int carbon_stepd_task_exit(spank_t sp)
{
	int status = 0;

	if (!carbon_ctx.measuring || !strcmp(carbon_ctx.rec.step, "extern"))
		return 0;
	if (spank_get_item(sp, S_TASK_EXIT_STATUS, &status) != ESPANK_SUCCESS) {
		if (!carbon_ctx.exit_item_failed)
			slurm_error("carbon: job %u step %s: slurmstepd gave no task exit status; the record's exit status may be unknown",
				    carbon_ctx.rec.job_id, carbon_ctx.rec.step);
		carbon_ctx.exit_item_failed = true;
		return 0;
	}
	if (!carbon_ctx.exit_seen || exit_status_worse(status, carbon_ctx.exit_status))
		carbon_ctx.exit_status = status;
	carbon_ctx.exit_seen = true;
	return 0;
}

int carbon_stepd_exit(spank_t sp)
{
	struct step_record *r = &carbon_ctx.rec;
	char err[1024];
	carbon_store_fn store;
	enum carbon_store_result result;

	if (!carbon_ctx.measuring)
		return 0;
	carbon_ctx.measuring = false;
	sampler_stop(&carbon_ctx.sampler);
	meter_close(&carbon_ctx.meter);
	r->partial = false;
	r->has_exit = carbon_ctx.exit_seen;
	r->exit_status = carbon_ctx.exit_seen ? carbon_ctx.exit_status : 0;

	store = load_store(err, sizeof(err));
	if (!store) {
		spool_record(r, "", err);
		spool_checkpoint_remove(carbon_ctx.conf.spool_dir, r);
		return 0;
	}
	result = store(&carbon_ctx.conf, r, err, sizeof(err));
	if (result == CARBON_STORE_NO_CONNECTION) {
		char what[96];

		snprintf(what, sizeof(what), "cannot connect to the database within %d s: ",
			 carbon_ctx.conf.connect_timeout_s);
		spool_record(r, what, err);
	} else if (result != CARBON_STORE_OK) {
		spool_record(r, "database write failed: ", err);
	}
	/* Stored or spooled: the checkpoint has served. */
	spool_checkpoint_remove(carbon_ctx.conf.spool_dir, r);
	return 0;
}

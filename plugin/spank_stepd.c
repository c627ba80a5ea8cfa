/* SPDX-License-Identifier: GPL-2.0-or-later */
/* slurmstepd: measure one step on one node and store its record.
 * Runs as root in every step (batch, extern, each srun step). Nothing here
 * may fail or hang the step: every callback returns 0, errors are one line
 * in slurmd's log. */
#define _GNU_SOURCE	/* dladdr */
#include <ctype.h>
#include <dlfcn.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "carbon_plugin.h"
#include "cgroup_oom.h"
#include "job_start.h"
#include "rangelist.h"
#include "spool.h"
#include "spool_metrics.h"
#include "store.h"

/* A text of the job's environment, which the job's user sets as they
 * please (export before sbatch or srun): into buf only when
 * record_text_is_safe() passes it as that kind of text, at most max bytes;
 * else "" and one line in slurmd's log, which never quotes the value. An
 * absent or empty variable is "" without a word. Every value the plugin
 * takes from the job's environment enters here. */
static void job_env_text(spank_t sp, const struct step_record *r, const char *name,
			 enum record_text_kind kind, size_t max, char *buf, size_t n)
{
	char value[4096];
	const char *why = NULL;
	spank_err_t rc;

	buf[0] = '\0';
	rc = spank_getenv(sp, name, value, (int)sizeof(value));
	if (rc == ESPANK_ENV_NOEXIST || (rc == ESPANK_SUCCESS && !value[0]))
		return;
	if (rc == ESPANK_NOSPACE)
		why = "it is too long";
	else if (rc != ESPANK_SUCCESS)
		return;
	if (max >= n)
		max = n - 1;
	if (!why && record_text_is_safe(value, max, kind, &why)) {
		conf_copy_str(buf, n, value);
		return;
	}
	slurm_error("carbon: job %u step %s: %s of the job's environment ignored: %s",
		    r->job_id, r->step, name, why);
}

/* What the node's slurm.conf says (the file slurmd reads: SLURM_CONF of
 * slurmstepd's own environment, which is slurmd's and not the job's). */
struct slurm_conf_facts {
	char cluster[128];	/* ClusterName=, lower case as Slurm has it; "" */
	bool gres_gpu;		/* GresTypes= names gpu: slurmstepd then sets
				 * (or clears) the steps' GPU lists itself */
	bool contain;		/* PrologFlags= names Contain or X11 (which
				 * implies it): every job has an extern step */
	char spool_dir[512];	/* SlurmdSpoolDir=, where slurmd keeps a
				 * socket a step; "": Slurm's default */
};

/* Does the comma list hold word (any case)? */
static bool list_has(const char *list, const char *word)
{
	const char *pos = list, *item;
	size_t len;

	while (rangelist_next(&pos, &item, &len))
		if (len == strlen(word) && !strncasecmp(item, word, len))
			return true;
	return false;
}

/* Read path's key=value words (several may share a line), following
 * Include lines (a relative path is taken from path's directory) two deep. */
static void slurm_conf_scan(const char *path, int depth, struct slurm_conf_facts *f)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *fp = fopen(path, "re");

	if (!fp)
		return;
	while (getline(&line, &cap, fp) > 0) {
		char *save = NULL, *tok;

		line[strcspn(line, "#\r\n")] = '\0';
		tok = strtok_r(line, " \t", &save);
		if (tok && !strcasecmp(tok, "include")) {
			char inc[PATH_MAX];
			const char *slash = strrchr(path, '/');

			tok = strtok_r(NULL, " \t", &save);
			if (!tok || depth >= 2)
				continue;
			if (tok[0] == '/' || !slash)
				snprintf(inc, sizeof(inc), "%s", tok);
			else
				snprintf(inc, sizeof(inc), "%.*s/%s", (int)(slash - path), path, tok);
			slurm_conf_scan(inc, depth + 1, f);
			continue;
		}
		for (; tok; tok = strtok_r(NULL, " \t", &save)) {
			char *value = strchr(tok, '='), *p;

			if (!value)
				continue;
			*value++ = '\0';
			if (*value == '"') {
				value++;
				value[strcspn(value, "\"")] = '\0';
			}
			if (!strcasecmp(tok, "ClusterName") && !f->cluster[0] &&
			    conf_copy_str(f->cluster, sizeof(f->cluster), value)) {
				for (p = f->cluster; *p; p++)
					*p = (char)tolower((unsigned char)*p);
			} else if (!strcasecmp(tok, "GresTypes")) {
				f->gres_gpu = list_has(value, "gpu");
			} else if (!strcasecmp(tok, "PrologFlags")) {
				f->contain = list_has(value, "contain") || list_has(value, "x11");
			} else if (!strcasecmp(tok, "SlurmdSpoolDir")) {
				conf_copy_str(f->spool_dir, sizeof(f->spool_dir), value);
			}
		}
	}
	free(line);
	fclose(fp);
}

static void slurm_conf_read(struct slurm_conf_facts *f)
{
	const char *path = getenv("SLURM_CONF");

	memset(f, 0, sizeof(*f));
	slurm_conf_scan(path && path[0] ? path : "/etc/slurm/slurm.conf", 0, f);
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

/* Whether a name from the node or from a configuration file may go into
 * the record and the lease files' names (record_text_is_safe()); when not,
 * one line in slurmd's log says which name and why. */
static bool name_is_safe(const struct step_record *r, const char *what, const char *name,
			 size_t max)
{
	const char *why;

	if (record_text_is_safe(name, max, RECORD_TEXT_NAME, &why))
		return true;
	slurm_error("carbon: job %u step %s: %s not used: %s", r->job_id, r->step, what, why);
	return false;
}

/* This node's Slurm name: SLURMD_NODENAME of slurmstepd's own environment,
 * which slurmstepd sets from slurmd's NodeName before any plugin runs (the
 * job's environment, which its user controls, is another one); else the
 * short host name. Never from the job's node lists. */
static void node_name(const struct step_record *r, char *buf, size_t n)
{
	const char *slurm_name = getenv("SLURMD_NODENAME");
	size_t max = n - 1 < 63 ? n - 1 : 63;	/* a host name label */

	if (slurm_name && slurm_name[0] &&
	    name_is_safe(r, "SLURMD_NODENAME", slurm_name, max) &&
	    conf_copy_str(buf, n, slurm_name))
		return;
	if (gethostname(buf, n) != 0)
		buf[0] = '\0';
	buf[n - 1] = '\0';
	buf[strcspn(buf, ".")] = '\0';	/* Slurm node names are short host names */
	if (!name_is_safe(r, "the host name", buf, max))
		conf_copy_str(buf, n, "unknown");
}

/* Who and what the step is: from Slurm's items, the node and carbon.conf;
 * the job's environment gives only the account (a default project) and
 * CARBON_TAG, both checked on entry. */
static void fill_identity(spank_t sp, struct step_record *r, const struct slurm_conf_facts *sc)
{
	uint32_t job_id = 0, step_id = 0;
	uid_t uid = (uid_t)-1;
	char env_tag[RECORD_LABEL_MAX + 1];
	struct passwd pw, *pwp = NULL;
	char pwbuf[4096];

	spank_get_item(sp, S_JOB_ID, &job_id);
	spank_get_item(sp, S_JOB_STEPID, &step_id);
	spank_get_item(sp, S_JOB_UID, &uid);
	r->job_id = job_id;
	r->uid = (uint32_t)uid;
	step_id_name(step_id, r->step, sizeof(r->step));

	/* carbon.conf's, else slurm.conf's: what Slurm itself calls the
	 * cluster, never the job's SLURM_CLUSTER_NAME. */
	if (carbon_ctx.conf.cluster[0] &&
	    name_is_safe(r, "[site] cluster of carbon.conf", carbon_ctx.conf.cluster,
			 sizeof(r->cluster) - 1))
		conf_copy_str(r->cluster, sizeof(r->cluster), carbon_ctx.conf.cluster);
	else if (sc->cluster[0] &&
		 name_is_safe(r, "ClusterName of slurm.conf", sc->cluster, sizeof(r->cluster) - 1))
		conf_copy_str(r->cluster, sizeof(r->cluster), sc->cluster);
	else
		conf_copy_str(r->cluster, sizeof(r->cluster), "unknown");

	node_name(r, r->node, sizeof(r->node));

	if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &pwp) == 0 && pwp &&
	    name_is_safe(r, "the user name", pw.pw_name, sizeof(r->user) - 1))
		conf_copy_str(r->user, sizeof(r->user), pw.pw_name);
	else
		snprintf(r->user, sizeof(r->user), "%u", (unsigned)uid);

	/* Only a default label: Slurm does not set it before the step runs. */
	job_env_text(sp, r, "SLURM_JOB_ACCOUNT", RECORD_TEXT_NAME, sizeof(r->account) - 1,
		     r->account, sizeof(r->account));

	if (carbon_ctx.opt_project[0])
		conf_copy_str(r->project, sizeof(r->project), carbon_ctx.opt_project);
	else if (label_is_valid(r->account, NULL))
		conf_copy_str(r->project, sizeof(r->project), r->account);

	if (carbon_ctx.opt_tag[0]) {
		conf_copy_str(r->tag, sizeof(r->tag), carbon_ctx.opt_tag);
	} else {
		job_env_text(sp, r, "CARBON_TAG", RECORD_TEXT_LABEL, RECORD_LABEL_MAX, env_tag,
			     sizeof(env_tag));
		conf_copy_str(r->tag, sizeof(r->tag), env_tag);
	}
}

/* The step's GPUs, as slurmstepd set them for this step from the job's
 * allocation before any plugin ran: SLURM_JOB_GPUS in the batch and
 * interactive steps (gres_g_job_set_env), SLURM_STEP_GPUS in an srun step
 * (gres_g_step_set_env). Slurm sets or clears them only where slurm.conf
 * loads the gpu gres plugin (GresTypes=gpu); elsewhere they are whatever
 * the job's user exported, and no GPU is charged. The extern step is given
 * no GPU list by Slurm, and CUDA_VISIBLE_DEVICES is never read (the user
 * may set it as they like). */
static void step_gpus(spank_t sp, const struct step_record *r, const struct slurm_conf_facts *sc,
		      char *buf, size_t n)
{
	const char *var = NULL;

	buf[0] = '\0';
	if (!strcmp(r->step, "batch") || !strcmp(r->step, "interactive"))
		var = "SLURM_JOB_GPUS";
	else if (r->step[0] >= '0' && r->step[0] <= '9')
		var = "SLURM_STEP_GPUS";
	if (!var)
		return;
	if (!sc->gres_gpu) {
		char peek[2];
		spank_err_t rc = spank_getenv(sp, var, peek, (int)sizeof(peek));

		if ((rc == ESPANK_SUCCESS && peek[0]) || rc == ESPANK_NOSPACE)
			slurm_debug("carbon: job %u step %s: %s ignored: slurm.conf has no GresTypes=gpu, so Slurm did not set it; no GPU is charged",
				    r->job_id, r->step, var);
		return;
	}
	job_env_text(sp, r, var, RECORD_TEXT_GPU_LIST, n - 1, buf, n);
}

/* The highest CPU number a node's CPU list may hold (Linux's NR_CPUS is at
 * most 8192). */
#define CPU_ID_MAX 65535u

/* How many CPUs the job's CPU list on this node ("0-3,8,10-11", Slurm's
 * S_JOB_ALLOC_CORES) names; 0, logged, when it cannot be read. */
static unsigned count_cpu_list(const char *list)
{
	int64_t n = rangelist_count(list, CPU_ID_MAX);

	if (n < 0 || n > (int64_t)CPU_ID_MAX + 1) {
		slurm_error("carbon: job %u step %s: the job's CPU list '%s' is not a list of CPU numbers 0 to %u; its CPUs are taken as unknown",
			    carbon_ctx.rec.job_id, carbon_ctx.rec.step, list, CPU_ID_MAX);
		return 0;
	}
	return (unsigned)n;
}

static void log_line(bool fault, const char *msg)
{
	if (fault)
		slurm_error("carbon: job %u step %s: %s", carbon_ctx.rec.job_id,
			    carbon_ctx.rec.step, msg);
	else
		slurm_info("carbon: job %u step %s: %s", carbon_ctx.rec.job_id,
			   carbon_ctx.rec.step, msg);
}

/* The job instance (sql/014): the job's start time, from slurmctld or an
 * earlier step's note in the spool directory, set before the first
 * checkpoint so that every record of the step carries the same. Unknown:
 * one line in slurmd's log; the database then takes the job id's latest
 * instance. */
static void job_instance(struct step_record *r)
{
	char why[256] = "", err[256];
	const char *dir = carbon_ctx.conf.spool_dir;

	if (spool_check_dir(dir, true, err, sizeof(err)) < 0)
		dir = NULL;	/* no note; the record's own spooling says why */
	r->job_start_s = job_start_get(r->job_id, dir, JOB_START_TIMEOUT_S, why, sizeof(why));
	if (r->job_start_s <= 0.0)
		slurm_error("carbon: job %u step %s: the job's start time is unknown (%s); its records join the job id's latest instance in the database",
			    r->job_id, r->step, why);
}

int carbon_stepd_post_opt(spank_t sp)
{
	struct meter_setup set;
	struct slurm_conf_facts sc;
	char cores[1024] = "", gpus[1024] = "";
	uint64_t mem_mb = 0;
	char *list = NULL;
	int interval;

	if (!carbon_ctx.conf_ok)
		return 0;
	memset(&carbon_ctx.rec, 0, sizeof(carbon_ctx.rec));
	slurm_conf_read(&sc);
	carbon_ctx.job_has_extern = sc.contain;
	conf_copy_str(carbon_ctx.slurmd_spool, sizeof(carbon_ctx.slurmd_spool),
		      sc.spool_dir[0] ? sc.spool_dir : "/var/spool/slurmd");
	fill_identity(sp, &carbon_ctx.rec, &sc);
	job_instance(&carbon_ctx.rec);
	if (carbon_ctx.opt_bad)
		slurm_error("carbon: job %u: an invalid --carbon-tag/--carbon-project reached the step and was ignored",
			    carbon_ctx.rec.job_id);

	/* The job's CPUs and memory on this node (its weight when the node
	 * idles; the model's memory) and the step's GPUs. */
	if (spank_get_item(sp, S_JOB_ALLOC_CORES, &list) == ESPANK_SUCCESS && list)
		conf_copy_str(cores, sizeof(cores), list);
	/* Slurm's figures only (0 where it tracks no memory, without
	 * CR_*_Memory: the model then takes the CPUs' share of the node's). */
	if (spank_get_item(sp, S_JOB_ALLOC_MEM, &mem_mb) != ESPANK_SUCCESS)
		mem_mb = 0;
	if (mem_mb == 0 && spank_get_item(sp, S_STEP_ALLOC_MEM, &mem_mb) != ESPANK_SUCCESS)
		mem_mb = 0;
	step_gpus(sp, &carbon_ctx.rec, &sc, gpus, sizeof(gpus));

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
	carbon_ctx.oom_kills = -1;
	carbon_ctx.measuring = true;
	return 0;
}


/* Load spank_carbon_store.so (see store.h) from the directory this plugin
 * was loaded from, once per slurmstepd at step end, and return its entry
 * point symbol, or NULL with the reason in err. Loading it in a background
 * thread at step start was measured and did not shorten `srun -n1 true`
 * (doc/benchmarks.md). */
static void *load_store(const char *symbol, char *err, size_t errlen)
{
	char path[PATH_MAX];
	const char *slash;
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
	fn = dlsym(module, symbol);
	if (!fn) {
		snprintf(err, errlen, "%s lacks %s", path, symbol);
		dlclose(module);
		return NULL;
	}
	return fn;
}

/* slurmd's spool directory (SlurmdSpoolDir, where it keeps a socket a
 * step), with %n (the node) and %h (the host) expanded, into dir. */
static void slurmd_spool_dir(const struct step_record *r, char *dir, size_t len)
{
	char host[256] = "";
	const char *p;
	size_t n = 0;

	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	for (p = carbon_ctx.slurmd_spool; *p && n + 300 < len; p++) {
		if (p[0] == '%' && (p[1] == 'n' || p[1] == 'h')) {
			n += (size_t)snprintf(dir + n, len - n, "%s", p[1] == 'n' ? r->node : host);
			p++;
		} else {
			dir[n++] = *p;
		}
	}
	dir[n] = '\0';
}

/* Is slurmd's socket of the job's step step_id there: does that step run
 * on this node now? */
static bool step_present(const struct step_record *r, uint32_t step_id)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	struct stat st;

	slurmd_spool_dir(r, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s_%u.%u", dir, r->node, r->job_id, step_id);
	return stat(path, &st) == 0;
}

/* Does another step of the job than r's own run on this node? */
static bool other_steps_present(const struct step_record *r, uint32_t own_step_id)
{
	char dir[PATH_MAX], prefix[300], own[320];
	struct dirent *e;
	bool found = false;
	DIR *d;

	slurmd_spool_dir(r, dir, sizeof(dir));
	snprintf(prefix, sizeof(prefix), "%s_%u.", r->node, r->job_id);
	snprintf(own, sizeof(own), "%s%u", prefix, own_step_id);
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (e = readdir(d)) != NULL)
		found = !strncmp(e->d_name, prefix, strlen(prefix)) && strcmp(e->d_name, own);
	closedir(d);
	return found;
}

/* How long the extern step waits for the job's other steps on the node to
 * end (and spool their records) before it stores them: a cancelled job's
 * steps are all signalled at once, and the extern step can end first. */
#define OTHER_STEPS_WAIT_S 1.0

/* Whether this step writes the job's records on this node: the job's last
 * step here, so that a job opens one connection a node. That is the extern
 * step where slurm.conf has PrologFlags=Contain (it starts first and ends
 * last); otherwise the batch step; otherwise, on a node without the batch
 * step, each step. */
static bool step_writes_job(const struct step_record *r)
{
	if (!strcmp(r->step, "extern")) {
		double until = spool_monotonic_s() + OTHER_STEPS_WAIT_S;
		const struct timespec tick = { 0, 20 * 1000 * 1000 };

		while (other_steps_present(r, STEP_ID_EXTERN) && spool_monotonic_s() < until)
			nanosleep(&tick, NULL);
		return true;
	}
	/* A step that ends after the extern step (it outlived its wait)
	 * writes what it left. */
	if (carbon_ctx.job_has_extern)
		return !step_present(r, STEP_ID_EXTERN);
	if (!strcmp(r->step, "batch"))
		return true;
	return !step_present(r, STEP_ID_BATCH);
}

/* The OOM kills the step's memory cgroup has counted so far, kept in
 * carbon_ctx.oom_kills: from root's files, found by Slurm's items (job id,
 * uid, step) and slurmstepd's own cgroups, never by the job's environment.
 * Slurm removes the step's cgroups before the exit callback: read while a
 * task ends. */
static void note_oom_kills(const struct step_record *r)
{
	struct cputime_cgroup cg;
	long long kills;

	if (cputime_slurm_cgroup(CPUTIME_PROC_ROOT, getpid(), r->job_id, r->uid, &cg) ==
	    CPUTIME_PROC)
		return;
	kills = cgroup_oom_kills(CPUTIME_CGROUP_ROOT, &cg, r->step);
	if (kills > carbon_ctx.oom_kills)
		carbon_ctx.oom_kills = kills;
}

/* One task of the step ended (slurmstepd, as root, after its wait()): keep
 * the worst status and the OOM kills so far. The extern step's only task is Slurm's own placeholder,
 * killed when the job ends: it says nothing of how the job went. */
int carbon_stepd_task_exit(spank_t sp)
{
	int status = 0;

	if (!carbon_ctx.measuring || !strcmp(carbon_ctx.rec.step, "extern"))
		return 0;
	note_oom_kills(&carbon_ctx.rec);
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

/* The spool failed: write r on its own connection, or say it is lost. */
static void store_alone(const struct step_record *r, const char *spool_err)
{
	char err[1024];
	void *fn = load_store(CARBON_STORE_SYMBOL, err, sizeof(err));
	carbon_store_fn store;

	if (fn) {
		memcpy(&store, &fn, sizeof(fn));	/* POSIX: dlsym gives functions too */
		if (store(&carbon_ctx.conf, r, err, sizeof(err)) == CARBON_STORE_OK) {
			slurm_error("carbon: job %u step %s: the spool failed (%s); record stored on its own connection",
				    r->job_id, r->step, spool_err);
			return;
		}
	}
	slurm_error("carbon: job %u step %s: record lost: the spool failed (%s), and so did the database: %s",
		    r->job_id, r->step, spool_err, err);
}

/* The job's last step on the node: store the node's spool, the job's
 * records among them, in one connection. */
static void store_spool(const struct step_record *r)
{
	char err[1024], what[96] = "";
	void *fn = load_store(CARBON_STORE_SPOOL_SYMBOL, err, sizeof(err));
	carbon_store_spool_fn store;
	enum carbon_store_result result = CARBON_STORE_NO_CONNECTION;
	unsigned stored = 0;

	if (fn) {
		memcpy(&store, &fn, sizeof(fn));
		result = store(&carbon_ctx.conf, &stored, err, sizeof(err));
	}
	if (result == CARBON_STORE_OK) {
		slurm_debug("carbon: job %u step %s: the job's records on %s stored (%u rows)",
			    r->job_id, r->step, r->node, stored);
		return;
	}
	if (result == CARBON_STORE_NO_CONNECTION && fn)
		snprintf(what, sizeof(what), "cannot connect to the database within %d s: ",
			 carbon_ctx.conf.connect_timeout_s);
	else if (fn)
		snprintf(what, sizeof(what), "database write failed: ");
	slurm_error("carbon: job %u step %s: %s%s; the job's records stay in the spool %s (carbon-report spool flush stores them)",
		    r->job_id, r->step, what, err, carbon_ctx.conf.spool_dir);
}

/* The node's spool backlog for node_exporter's textfile collector, where
 * root's carbon.conf names a file ([spool] metrics_file). A failure is
 * logged and changes nothing else. */
static void write_spool_metrics(const struct step_record *r)
{
	const struct carbon_conf *c = &carbon_ctx.conf;
	char err[1024];

	if (c->spool_metrics_file[0] &&
	    spool_metrics_write(c->spool_metrics_file, c->spool_dir, SPOOL_METRICS_READ_MAX,
				err, sizeof(err)) < 0)
		slurm_error("carbon: job %u step %s: spool metrics not written: %s",
			    r->job_id, r->step, err);
}

int carbon_stepd_exit(spank_t sp)
{
	struct step_record *r = &carbon_ctx.rec;
	const char *dir = carbon_ctx.conf.spool_dir;
	char err[1024];

	if (!carbon_ctx.measuring)
		return 0;
	carbon_ctx.measuring = false;
	sampler_stop(&carbon_ctx.sampler);
	meter_close(&carbon_ctx.meter);
	r->partial = false;
	r->has_exit = carbon_ctx.exit_seen;
	r->exit_status = carbon_ctx.exit_seen ? carbon_ctx.exit_status : 0;
	if (strcmp(r->step, "extern"))
		note_oom_kills(r);	/* where the cgroup is still there */
	r->oom_kills = carbon_ctx.oom_kills <= 0 ? 0 :
		       carbon_ctx.oom_kills > UINT32_MAX ? UINT32_MAX :
		       (uint32_t)carbon_ctx.oom_kills;

	/* Every record goes to the node's spool first: an fsync'd append, no
	 * connection. Only where the spool fails is the record written alone. */
	if (spool_check_dir(dir, true, err, sizeof(err)) < 0 ||
	    spool_append(dir, r, NULL, 0, err, sizeof(err)) < 0) {
		store_alone(r, err);
		spool_checkpoint_remove(dir, r);
		write_spool_metrics(r);
		return 0;
	}
	/* Spooled: the checkpoint has served. */
	spool_checkpoint_remove(dir, r);
	if (step_writes_job(r)) {
		store_spool(r);
		job_start_forget(r->job_id, dir);
	}
	write_spool_metrics(r);
	return 0;
}

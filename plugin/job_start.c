/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The job instance's start time (see job_start.h). */
#define _GNU_SOURCE	/* RTLD_DEFAULT */
#include "job_start.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <slurm/slurm.h>

/* Plausible start times: from 2001 to 2200. */
#define START_MIN 1e9
#define START_MAX 7258118400.0

static void note_path(const char *dir, uint32_t job_id, bool tmp, char *buf, size_t n)
{
	snprintf(buf, n, "%s/.job.%" PRIu32 ".start%s", dir, job_id, tmp ? ".tmp" : "");
}

/* When the node booted (/proc/stat btime), or 0. A note older than that
 * was left by a job that the node's crash ended before its last step could
 * remove it: a later job may have the same id. */
static time_t boot_time(void)
{
	char line[256];
	long long t = 0;
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lld", &t) == 1)
			break;
	fclose(f);
	return (time_t)t;
}

bool job_start_note_read(const char *dir, uint32_t job_id, double *start)
{
	char path[4096], buf[32];
	struct stat st;
	long long v;
	char *end;
	ssize_t got;
	int fd;

	note_path(dir, job_id, false, path, sizeof(path));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    st.st_mtime < boot_time()) {
		close(fd);
		return false;
	}
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return false;
	buf[got] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || end == buf || strcmp(end, "\n") || v < START_MIN || v > START_MAX)
		return false;
	*start = (double)v;
	return true;
}

bool job_start_note_write(const char *dir, uint32_t job_id, double start)
{
	char tmp[4096], path[4096], buf[32];
	int fd, len = snprintf(buf, sizeof(buf), "%lld\n", (long long)start);
	bool ok;

	note_path(dir, job_id, true, tmp, sizeof(tmp));
	note_path(dir, job_id, false, path, sizeof(path));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	ok = write(fd, buf, (size_t)len) == len;
	ok = close(fd) == 0 && ok;
	ok = ok && rename(tmp, path) == 0;
	if (!ok)
		unlink(tmp);
	return ok;
}

void job_start_forget(uint32_t job_id, const char *spool_dir)
{
	char path[4096];

	note_path(spool_dir, job_id, false, path, sizeof(path));
	unlink(path);
}

/* One question to slurmctld, on a thread of its own so that the step waits
 * at most the timeout: whichever of the two ends last frees it. */
struct lookup {
	pthread_mutex_t mu;
	pthread_cond_t done_cv;
	int refs;
	bool done;
	uint32_t job_id;
	double start;
	char why[160];
};

static void lookup_put(struct lookup *l)
{
	bool last;

	pthread_mutex_lock(&l->mu);
	last = --l->refs == 0;
	pthread_mutex_unlock(&l->mu);
	if (last) {
		pthread_mutex_destroy(&l->mu);
		pthread_cond_destroy(&l->done_cv);
		free(l);
	}
}

/* slurm_load_job as slurmstepd exports it. 26.05 names the job by a step id
 * (job id, step and the job's SLUID), passed by value; earlier releases by
 * the job id. The plugin is built for one release (plugin_version must
 * match it), so the release's header decides. */
#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(26, 5, 0)
typedef int (*load_job_fn)(job_info_msg_t **, slurm_step_id_t, uint16_t);

static int load_job_by_id(load_job_fn load, job_info_msg_t **msg, uint32_t job_id)
{
	slurm_step_id_t id = { .sluid = 0, .job_id = job_id, .step_het_comp = NO_VAL,
			       .step_id = NO_VAL };

	return load(msg, id, SHOW_ALL);
}
#else
typedef int (*load_job_fn)(job_info_msg_t **, uint32_t, uint16_t);

static int load_job_by_id(load_job_fn load, job_info_msg_t **msg, uint32_t job_id)
{
	return load(msg, job_id, SHOW_ALL);
}
#endif
typedef void (*free_job_fn)(job_info_msg_t *);
typedef int (*get_errno_fn)(void);
typedef char *(*strerror_fn)(int);

static void *lookup_main(void *arg)
{
	struct lookup *l = arg;
	void *p_load = dlsym(RTLD_DEFAULT, "slurm_load_job"),
	     *p_free = dlsym(RTLD_DEFAULT, "slurm_free_job_info_msg"),
	     *p_errno = dlsym(RTLD_DEFAULT, "slurm_get_errno"),
	     *p_strerror = dlsym(RTLD_DEFAULT, "slurm_strerror");
	job_info_msg_t *msg = NULL;
	load_job_fn load;
	free_job_fn free_msg;
	double start = 0.0;
	char why[160] = "";
	uint32_t i;

	if (!p_load || !p_free) {
		snprintf(why, sizeof(why), "this slurmstepd offers no slurm_load_job");
	} else {
		memcpy(&load, &p_load, sizeof(load));	/* POSIX: dlsym gives functions */
		memcpy(&free_msg, &p_free, sizeof(free_msg));
		if (load_job_by_id(load, &msg, l->job_id) != 0 || !msg) {
			int e = errno;

			if (p_errno && p_strerror) {
				get_errno_fn get_errno;
				strerror_fn str;

				memcpy(&get_errno, &p_errno, sizeof(get_errno));
				memcpy(&str, &p_strerror, sizeof(str));
				e = get_errno();
				snprintf(why, sizeof(why), "slurmctld: %s", str(e));
			} else {
				snprintf(why, sizeof(why), "slurmctld: error %d", e);
			}
		} else {
			for (i = 0; i < msg->record_count; i++)
				if (msg->job_array[i].job_id == l->job_id)
					start = (double)msg->job_array[i].start_time;
			free_msg(msg);
			if (start < START_MIN || start > START_MAX) {
				start = 0.0;
				snprintf(why, sizeof(why), "slurmctld gave no start time for the job");
			}
		}
	}
	pthread_mutex_lock(&l->mu);
	l->start = start;
	snprintf(l->why, sizeof(l->why), "%s", why);
	l->done = true;
	pthread_cond_signal(&l->done_cv);
	pthread_mutex_unlock(&l->mu);
	lookup_put(l);
	return NULL;
}

static double ask_slurmctld(uint32_t job_id, double timeout_s, char *why, size_t n)
{
	struct lookup *l = calloc(1, sizeof(*l));
	pthread_attr_t attr;
	struct timespec until;
	pthread_t t;
	double start = 0.0;
	int rc;

	if (!l) {
		snprintf(why, n, "out of memory");
		return 0.0;
	}
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->done_cv, NULL);
	l->refs = 2;
	l->job_id = job_id;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, lookup_main, l);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		snprintf(why, n, "cannot start a thread: %s", strerror(rc));
		l->refs = 1;
		lookup_put(l);
		return 0.0;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)timeout_s;
	until.tv_nsec += (long)((timeout_s - (double)(time_t)timeout_s) * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&l->mu);
	rc = 0;
	while (!l->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&l->done_cv, &l->mu, &until);
	if (l->done) {
		start = l->start;
		snprintf(why, n, "%s", l->why);
	} else {
		snprintf(why, n, "slurmctld did not answer within %.0f s", timeout_s);
	}
	pthread_mutex_unlock(&l->mu);
	lookup_put(l);
	return start;
}

double job_start_get(uint32_t job_id, const char *spool_dir, double timeout_s, char *why,
		     size_t n)
{
	double start = 0.0;

	why[0] = '\0';
	if (spool_dir && spool_dir[0] && job_start_note_read(spool_dir, job_id, &start))
		return start;
	start = ask_slurmctld(job_id, timeout_s, why, n);
	if (start > 0.0 && spool_dir && spool_dir[0])
		job_start_note_write(spool_dir, job_id, start);
	return start;
}

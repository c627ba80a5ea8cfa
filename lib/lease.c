/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Leases on a node: flock on small files in a root-only directory. */
#include "lease.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LEASE_SUFFIX ".lease"
#define LEASE_TEXT_LEN 40	/* "%20.6f %10u\n" plus room */
#define LEASE_STALE_S (24 * 3600)

static int ensure_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077)) {
		snprintf(err, errlen,
			 "%s refused: it must be a directory owned by root with mode 0700 (chown root: %s; chmod 0700 %s)",
			 dir, dir, dir);
		return -1;
	}
	return 0;
}

int lease_try(struct lease *l, const char *dir, const char *name, char *err, size_t errlen)
{
	struct stat by_fd, by_path;
	int fd;

	if (l->fd >= 0)
		return 1;
	if (ensure_dir(dir, err, errlen) < 0)
		return -1;
	snprintf(l->path, sizeof(l->path), "%s/%s" LEASE_SUFFIX, dir, name);
	fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", l->path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		if (errno == EWOULDBLOCK)
			return 0;
		snprintf(err, errlen, "%s: lock: %s", l->path, strerror(errno));
		return -1;
	}
	/* A stale-file sweep may have removed the file between our open and
	 * our lock: a lock on a removed file guards nothing. */
	if (fstat(fd, &by_fd) < 0 || stat(l->path, &by_path) < 0 ||
	    by_fd.st_ino != by_path.st_ino || by_fd.st_dev != by_path.st_dev) {
		close(fd);
		return 0;	/* try again at the next sample */
	}
	l->fd = fd;
	return 1;
}

int lease_write(struct lease *l, double charged_until, unsigned alloc_cpus)
{
	char text[LEASE_TEXT_LEN + 8];
	int n;

	if (l->fd < 0)
		return -1;
	n = snprintf(text, sizeof(text), "%20.6f %10u\n", charged_until, alloc_cpus);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -1;
	return pwrite(l->fd, text, (size_t)n, 0) == n ? 0 : -1;
}

static int parse_lease(int fd, double *charged_until, unsigned *alloc_cpus)
{
	char text[LEASE_TEXT_LEN + 8];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);

	*charged_until = 0.0;
	*alloc_cpus = 0;
	if (n <= 0)
		return 0;
	text[n] = '\0';
	if (sscanf(text, "%lf %u", charged_until, alloc_cpus) != 2) {
		*charged_until = 0.0;
		*alloc_cpus = 0;
	}
	return 0;
}

int lease_read(const struct lease *l, double *charged_until, unsigned *alloc_cpus)
{
	if (l->fd < 0)
		return -1;
	return parse_lease(l->fd, charged_until, alloc_cpus);
}

void lease_release(struct lease *l)
{
	if (l->fd >= 0)
		close(l->fd);	/* drops the flock */
	l->fd = -1;
}

/* "NODE.job.N.lease" exactly: the node's job leases, not its GPU ones
 * ("NODE.job.N.gpu.U.lease"). */
static int is_job_lease(const char *name, const char *node)
{
	const char *p = name;
	size_t n = strlen(node);

	if (strncmp(p, node, n) != 0 || strncmp(p + n, ".job.", 5) != 0)
		return 0;
	p += n + 5;
	n = strspn(p, "0123456789");
	return n > 0 && !strcmp(p + n, LEASE_SUFFIX);
}

int lease_jobs_present(const char *dir, const char *node, double since_s, double now_s,
		       double *total_cpus, unsigned *jobs)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	time_t now = time(NULL);

	*total_cpus = 0.0;
	*jobs = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[1024];
		double until;
		unsigned cpus;
		struct stat st;
		int fd;

		if (!strstr(e->d_name, LEASE_SUFFIX))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_SH | LOCK_NB) < 0) {
			/* Held (by another step, or by this process through
			 * another open file): a job present on the node. */
			if (errno == EWOULDBLOCK && is_job_lease(e->d_name, node)) {
				parse_lease(fd, &until, &cpus);
				*total_cpus += cpus ? cpus : 1;
				(*jobs)++;
			}
		} else if (is_job_lease(e->d_name, node) && parse_lease(fd, &until, &cpus) == 0 &&
			   until > since_s && now_s > since_s) {
			/* Given up during the interval: present up to until. */
			*total_cpus += (cpus ? cpus : 1) *
				       (until < now_s ? (until - since_s) / (now_s - since_s) : 1.0);
			(*jobs)++;
		} else if (fstat(fd, &st) == 0 && now - st.st_mtime > LEASE_STALE_S) {
			unlink(path);	/* nobody's for a day: a job long gone */
		}
		close(fd);
	}
	closedir(d);
	return 0;
}

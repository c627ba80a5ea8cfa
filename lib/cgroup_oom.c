/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OOM kills of a step from its memory cgroup (see cgroup_oom.h). */
#include "cgroup_oom.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* How deep below the step's cgroup v1 kills are looked for: task_<N>, and
 * one more level for a site's own layout. */
#define OOM_V1_DEPTH 2
/* Directories below the step's read at most (a step of many tasks). */
#define OOM_V1_DIRS_MAX 4096

long long cgroup_oom_kill_line(const char *text)
{
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, "oom_kill ", 9)) {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(p + 9, &end, 10);
			if (end != p + 9 && (*end == '\n' || *end == '\0') && !errno &&
			    v <= (unsigned long long)INT64_MAX)
				return (long long)v;
			return -1;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/* The oom_kill line of dir/file, or -1. */
static long long read_kills(int dirfd, const char *file)
{
	char buf[1024];
	ssize_t n;
	int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return cgroup_oom_kill_line(buf);
}

/* v1: the sum of the kills of the cgroup dirfd and the cgroups below it,
 * depth levels down; *dirs counts the directories read. -1: dirfd's own
 * counter cannot be read. Closes dirfd. */
static long long v1_sum(int dirfd, int depth, unsigned *dirs)
{
	long long total = read_kills(dirfd, "memory.oom_control");
	DIR *d;
	struct dirent *e;

	if (total < 0 || depth == 0) {
		close(dirfd);
		return total;
	}
	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return total;
	}
	while ((e = readdir(d)) != NULL && *dirs < OOM_V1_DIRS_MAX) {
		long long sub;
		int fd;

		if (e->d_name[0] == '.' || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
			continue;
		fd = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		(*dirs)++;
		sub = v1_sum(fd, depth - 1, dirs);
		if (sub > 0)
			total += sub;
	}
	closedir(d);
	return total;
}

static bool plain_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

long long cgroup_oom_kills(const char *cgroup_root, const struct cputime_cgroup *cg,
			   const char *step)
{
	char path[CPUTIME_PATH_MAX * 2];
	unsigned dirs = 0;
	int len, fd;

	if (!step || !plain_name(step) || !cg->job_dir[0] || cg->job_dir[0] == '/' ||
	    strstr(cg->prefix, "..") || strstr(cg->job_dir, ".."))
		return -1;
	if (cg->hier == CPUTIME_CGROUP_V1)
		len = snprintf(path, sizeof(path), "%s/memory%s/%s/step_%s", cgroup_root,
			       cg->prefix, cg->job_dir, step);
	else if (cg->hier == CPUTIME_CGROUP_V2)
		len = snprintf(path, sizeof(path), "%s%s/%s/step_%s", cgroup_root, cg->prefix,
			       cg->job_dir, step);
	else
		return -1;
	if (len < 0 || (size_t)len >= sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (cg->hier == CPUTIME_CGROUP_V2) {
		long long kills = read_kills(fd, "memory.events");

		close(fd);
		return kills;
	}
	return v1_sum(fd, OOM_V1_DEPTH, &dirs);
}

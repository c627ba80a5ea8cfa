/* SPDX-License-Identifier: GPL-2.0-or-later */
/* HPE Cray pm_counters. Each counter file holds one line, the value, its
 * unit and the controller's timestamp in microseconds: "123456 J
 * 1700000000123456 us" ("350 W ..." for the power files); freshness,
 * generation, startup and raw_scan_hz hold a bare number. Energy counters
 * are whole joules and count up from the controller's start (HPE's "User
 * Access to Compute Node Power Data", CSM documentation). */
#include "sensor_pmc.h"
#include "energy.h"
#include "sysfs_attr.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PMC_READ_TRIES 3

int pmc_parse_counter(const char *text, uint64_t *value, uint64_t *time_us)
{
	const char *p = text;

	*time_us = 0;
	if (sysfs_parse_u64(p, value) < 0)
		return -1;
	while (isspace((unsigned char)*p))
		p++;
	while (isdigit((unsigned char)*p))
		p++;
	while (isspace((unsigned char)*p))
		p++;
	while (*p && !isspace((unsigned char)*p))	/* the unit */
		p++;
	if (sysfs_parse_u64(p, time_us) < 0)
		*time_us = 0;
	return 0;
}

static int read_counter(int fd, uint64_t *value, uint64_t *time_us)
{
	char buf[96];
	uint64_t ignored;

	if (sysfs_pread_text(fd, buf, sizeof(buf)) < 0)
		return -1;
	return pmc_parse_counter(buf, value, time_us ? time_us : &ignored);
}

/* A bare number from an optional file; 0 when fd is -1. */
static int read_optional(int fd, uint64_t *v)
{
	*v = 0;
	return fd < 0 ? 0 : sysfs_pread_u64(fd, v);
}

/* Open root/file into *fd and read it once: a counter ("VALUE UNIT
 * TIMESTAMP us") or a bare number. A missing file leaves *fd at -1 and
 * returns 0; any other failure returns -1 with err naming the file. */
static int open_checked(const struct pmc *p, const char *file, bool counter,
			int *fd, char *err, size_t errlen)
{
	char path[512];
	uint64_t v, t;
	int len = snprintf(path, sizeof(path), "%s/%s", p->root, file);

	*fd = -1;
	if (len < 0 || (size_t)len >= sizeof(path)) {
		snprintf(err, errlen, "%s/%s: path too long", p->root, file);
		return -1;
	}
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: cannot open it (pm_counters): %s", path,
			 strerror(errno));
		return -1;
	}
	if ((counter ? read_counter(*fd, &v, &t) : sysfs_pread_u64(*fd, &v)) < 0) {
		snprintf(err, errlen, "%s: cannot read a number from it (pm_counters): %s",
			 path, errno == EINVAL ? "not a number" : strerror(errno));
		return -1;
	}
	return 0;
}

/* Which accelerator a file counts: "accelN_energy" (EX) is N, XC's one
 * "accel_energy" is 0. Returns N, PMC_MAX_ACCELS for an N too large, or
 * -1 for any other file. */
static int accel_index(const char *name)
{
	char *end;
	long n;

	if (strcmp(name, "accel_energy") == 0)
		return 0;
	if (strncmp(name, "accel", 5) != 0 || !isdigit((unsigned char)name[5]))
		return -1;
	n = strtol(name + 5, &end, 10);
	if (strcmp(end, "_energy") != 0)
		return -1;
	return n < PMC_MAX_ACCELS ? (int)n : PMC_MAX_ACCELS;
}

static int open_accels(struct pmc *p, char *err, size_t errlen)
{
	struct dirent **entries = NULL;
	int count, i, rc = 0;

	count = scandir(p->root, &entries, NULL, alphasort);
	if (count < 0) {
		snprintf(err, errlen, "%s: cannot list it (pm_counters): %s",
			 p->root, strerror(errno));
		return -1;
	}
	for (i = 0; i < count && rc == 0; i++) {
		int k = accel_index(entries[i]->d_name);

		if (k < 0)
			continue;
		if (k == PMC_MAX_ACCELS || p->accel_fd[k] >= 0) {
			snprintf(err, errlen,
				 "%s/%s: more than %d accelerators, or two files for one",
				 p->root, entries[i]->d_name, PMC_MAX_ACCELS);
			rc = -1;
			break;
		}
		rc = open_checked(p, entries[i]->d_name, true, &p->accel_fd[k], err, errlen);
		if (rc == 0 && p->accel_fd[k] >= 0)
			p->n_accel++;
	}
	for (i = 0; i < count; i++)
		free(entries[i]);
	free(entries);
	return rc;
}

int pmc_open(struct pmc *p, const char *root, char *err, size_t errlen)
{
	char text[32];
	uint64_t hz;
	int rc = -1, k;

	memset(p, 0, sizeof(*p));
	p->energy_fd = p->cpu_fd = p->memory_fd = -1;
	p->freshness_fd = p->startup_fd = p->generation_fd = -1;
	for (k = 0; k < PMC_MAX_ACCELS; k++)
		p->accel_fd[k] = -1;
	if (!root)
		root = PMC_DEFAULT_ROOT;
	if (strlen(root) >= sizeof(p->root)) {
		snprintf(err, errlen, "%s: path too long", root);
		return -1;
	}
	snprintf(p->root, sizeof(p->root), "%s", root);
	if (open_checked(p, "energy", true, &p->energy_fd, err, errlen) < 0)
		goto out;
	if (p->energy_fd < 0) {
		snprintf(err, errlen, "no pm_counters (%s/energy does not exist): no node meter",
			 p->root);
		rc = 0;
		goto out;
	}
	if (open_checked(p, "cpu_energy", true, &p->cpu_fd, err, errlen) < 0 ||
	    open_checked(p, "memory_energy", true, &p->memory_fd, err, errlen) < 0 ||
	    open_checked(p, "freshness", false, &p->freshness_fd, err, errlen) < 0 ||
	    open_checked(p, "startup", false, &p->startup_fd, err, errlen) < 0 ||
	    open_checked(p, "generation", false, &p->generation_fd, err, errlen) < 0 ||
	    open_accels(p, err, errlen) < 0)
		goto out;
	if (sysfs_read_text(p->root, "raw_scan_hz", text, sizeof(text)) == 0 &&
	    sysfs_parse_u64(text, &hz) == 0 && hz < 1000000)
		p->scan_hz = (unsigned)hz;
	rc = 1;
out:
	if (rc != 1)
		pmc_close(p);
	return rc;
}

/* One pass over every file, freshness first and last. Returns 0 with
 * *moved telling whether freshness changed during it, or -1. */
static int read_once(const struct pmc *p, struct pmc_reading *r, bool *moved)
{
	uint64_t fresh_after, v, t;
	int k;

	memset(r, 0, sizeof(*r));
	if (read_optional(p->freshness_fd, &r->freshness) < 0 ||
	    read_counter(p->energy_fd, &r->node_j, &r->time_us) < 0 ||
	    (p->cpu_fd >= 0 && read_counter(p->cpu_fd, &r->cpu_j, NULL) < 0) ||
	    (p->memory_fd >= 0 && read_counter(p->memory_fd, &r->memory_j, NULL) < 0) ||
	    read_optional(p->startup_fd, &r->startup) < 0 ||
	    read_optional(p->generation_fd, &r->generation) < 0)
		return -1;
	for (k = 0; k < PMC_MAX_ACCELS; k++) {
		if (p->accel_fd[k] < 0)
			continue;
		if (read_counter(p->accel_fd[k], &v, &t) < 0)
			return -1;
		r->accel_j += v;
	}
	if (read_optional(p->freshness_fd, &fresh_after) < 0)
		return -1;
	*moved = fresh_after != r->freshness;
	return 0;
}

int pmc_read(const struct pmc *p, struct pmc_reading *r)
{
	bool moved = true;
	int i;

	for (i = 0; i < PMC_READ_TRIES && moved; i++)
		if (read_once(p, r, &moved) < 0)
			return -1;
	if (moved) {
		errno = EAGAIN;
		return -1;
	}
	return 0;
}

void pmc_interval(const struct pmc_reading *prev, const struct pmc_reading *cur,
		  struct pmc_interval *out)
{
	memset(out, 0, sizeof(*out));
	out->restarted = cur->startup != prev->startup || cur->node_j < prev->node_j;
	out->cap_changed = cur->generation != prev->generation;
	if (out->restarted) {
		out->node_j = (double)cur->node_j;
		out->accel_j = (double)cur->accel_j;
		out->cpu_j = (double)cur->cpu_j;
		out->memory_j = (double)cur->memory_j;
		return;
	}
	/* max_range 0: these never wrap, and a part that went down while
	 * the node's counter did not counts 0. */
	out->node_j = (double)counter_delta(prev->node_j, cur->node_j, 0);
	out->accel_j = (double)counter_delta(prev->accel_j, cur->accel_j, 0);
	out->cpu_j = (double)counter_delta(prev->cpu_j, cur->cpu_j, 0);
	out->memory_j = (double)counter_delta(prev->memory_j, cur->memory_j, 0);
}

void pmc_close(struct pmc *p)
{
	int *fds[] = { &p->energy_fd, &p->cpu_fd, &p->memory_fd,
		       &p->freshness_fd, &p->startup_fd, &p->generation_fd };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	for (i = 0; i < PMC_MAX_ACCELS; i++) {
		if (p->accel_fd[i] >= 0)
			close(p->accel_fd[i]);
		p->accel_fd[i] = -1;
	}
	p->n_accel = 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RAPL through powercap sysfs (Documentation/power/powercap/powercap.rst):
 * each zone directory holds "name", "energy_uj" (µJ, wraps) and
 * "max_energy_range_uj" (the value at which energy_uj wraps). */
#include "sensor_rapl.h"
#include "conf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Read a small sysfs file at dir/file into buf, without the newline. */
static int read_attr(const char *dir, const char *file, char *buf, size_t n)
{
	char path[512];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, n - 1);
	close(fd);
	if (len < 0)
		return -1;
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	return 0;
}

/* Zones are "intel-rapl:N" (a package) and "intel-rapl:N:M" (its subzones). */
static int is_zone_entry(const struct dirent *e)
{
	return strncmp(e->d_name, "intel-rapl:", 11) == 0;
}

static int zone_domain(const char *name, enum energy_domain *dom)
{
	if (strncmp(name, "package-", 8) == 0) {
		*dom = DOMAIN_CPU;
		return 0;
	}
	if (strcmp(name, "dram") == 0) {
		*dom = DOMAIN_DRAM;
		return 0;
	}
	return -1;	/* core, uncore, psys: not counted */
}

int rapl_open(struct rapl *r, const char *root, char *err, size_t errlen)
{
	struct dirent **entries = NULL;
	int count, i, rc = -1;

	memset(r, 0, sizeof(*r));
	count = scandir(root, &entries, is_zone_entry, alphasort);
	if (count < 0) {
		rc = 0;		/* no powercap at all */
		goto out;
	}
	for (i = 0; i < count; i++) {
		char dir[512], name[64], range[64], path[600];
		struct rapl_domain *d;
		enum energy_domain dom;

		snprintf(dir, sizeof(dir), "%s/%s", root, entries[i]->d_name);
		if (read_attr(dir, "name", name, sizeof(name)) < 0 ||
		    zone_domain(name, &dom) < 0)
			continue;
		if (r->n == RAPL_MAX_DOMAINS)
			break;
		d = &r->d[r->n];
		d->domain = dom;
		conf_copy_str(d->name, sizeof(d->name), name);
		if (read_attr(dir, "max_energy_range_uj", range, sizeof(range)) < 0 ||
		    parse_u64(range, &d->max_range_uj) < 0) {
			snprintf(err, errlen, "%s/max_energy_range_uj: cannot read it", dir);
			goto out;
		}
		snprintf(path, sizeof(path), "%s/energy_uj", dir);
		d->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (d->fd < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		r->n++;
	}
	rc = (int)r->n;
out:
	for (i = 0; i < count; i++)
		free(entries[i]);
	free(entries);
	if (rc < 0)
		rapl_close(r);
	return rc;
}

int rapl_read_uj(const struct rapl *r, uint64_t *energy_uj)
{
	char buf[32];
	int rc = 0;
	size_t i;

	for (i = 0; i < r->n; i++) {
		ssize_t len = pread(r->d[i].fd, buf, sizeof(buf) - 1, 0);
		uint64_t v;

		if (len <= 0) {
			rc = -1;
			continue;
		}
		buf[len] = '\0';
		if (parse_u64(buf, &v) < 0) {
			rc = -1;
			continue;
		}
		energy_uj[i] = v;
	}
	return rc;
}

void rapl_close(struct rapl *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->d[i].fd >= 0)
			close(r->d[i].fd);
	r->n = 0;
}

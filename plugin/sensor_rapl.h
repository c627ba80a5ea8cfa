/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RAPL energy counters through the kernel's powercap sysfs interface. */
#ifndef CARBON_SENSOR_RAPL_H
#define CARBON_SENSOR_RAPL_H

#include <stddef.h>
#include <stdint.h>

#include "energy.h"

#define RAPL_MAX_DOMAINS 32
#define RAPL_DEFAULT_ROOT "/sys/class/powercap"

struct rapl_domain {
	int fd;				/* energy_uj, kept open: root-only since 5.10 */
	enum energy_domain domain;	/* DOMAIN_CPU (package) or DOMAIN_DRAM */
	uint64_t max_range_uj;		/* the counter wraps here */
	char name[32];			/* the zone's "name", e.g. "package-0" */
};

struct rapl {
	size_t n;
	struct rapl_domain d[RAPL_MAX_DOMAINS];
};

/* Open every package and dram zone under root (intel-rapl:N and
 * intel-rapl:N:M entries; core, uncore and psys zones are skipped since the
 * package zone already holds them). Must run while still root.
 * Returns the number of zones opened (0: no RAPL here, not an error), or -1
 * with a reason in err when a zone exists but cannot be read. */
int rapl_open(struct rapl *r, const char *root, char *err, size_t errlen);

/* Read every zone's counter into energy_uj[0..r->n-1], in microjoules.
 * Returns 0, or -1 when a counter could not be read (its slot keeps the
 * previous value). Never allocates; safe in the sampler thread. */
int rapl_read_uj(const struct rapl *r, uint64_t *energy_uj);

void rapl_close(struct rapl *r);

#endif

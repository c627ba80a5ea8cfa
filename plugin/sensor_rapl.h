/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RAPL energy counters through the kernel's powercap sysfs interface. */
#ifndef CARBON_SENSOR_RAPL_H
#define CARBON_SENSOR_RAPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "energy.h"

#define RAPL_MAX_DOMAINS 32
#define RAPL_DEFAULT_ROOT "/sys/class/powercap"

/* Maximum power assumed for a zone without any constraint_N_max_power_uw
 * (or where all are 0), in watts. They only bound the wrap period, so they
 * err high: above the largest server package's and DIMM set's power and
 * any client platform's. */
#define RAPL_ASSUMED_PACKAGE_W 500.0
#define RAPL_ASSUMED_DRAM_W 150.0
#define RAPL_ASSUMED_PSYS_W 1000.0

struct rapl_domain {
	int fd;				/* energy_uj, kept open: root-only since 5.10 */
	enum energy_domain domain;	/* DOMAIN_CPU (package), DOMAIN_DRAM, or
					 * DOMAIN_OTHER for psys (see psys) */
	bool psys;			/* the platform zone: it holds the package
					 * and dram energy too, so its delta is not
					 * other energy as it stands; see
					 * rapl_add_interval_j */
	uint64_t max_range_uj;		/* the counter wraps here */
	double max_power_w;		/* largest constraint_N_max_power_uw, or
					 * RAPL_ASSUMED_*_W when assumed */
	bool max_power_assumed;		/* no constraint gave a maximum power */
	char name[32];			/* the zone's "name", e.g. "package-0" */
	char zone[32];			/* its directory, e.g. "intel-rapl:0:0" */
};

struct rapl {
	size_t n;
	struct rapl_domain d[RAPL_MAX_DOMAINS];
};

/* Open every package and dram zone under root, every socket: intel-rapl:N
 * entries and their intel-rapl:N:M subzones, whether root lists them all
 * (the kernel's /sys/class/powercap, where each is a symlink into
 * /sys/devices/virtual/powercap) or nests the subzones in their package's
 * directory (/sys/devices/virtual/powercap/intel-rapl), or both; a zone
 * reached twice is opened once. AMD's powercap zones have the same names
 * (package-N; "core" subzones, usually no dram). Zones named core and
 * uncore are skipped since their package zone already counts them; the
 * platform zone (name "psys") is opened only when psys is true, as
 * DOMAIN_OTHER with .psys set. Must run while still root.
 * Returns the number of zones opened (0: no RAPL here, not an error), or -1
 * with a reason in err, naming the file, when a zone exists but its
 * max_energy_range_uj or energy_uj cannot be read, or when there are more
 * than RAPL_MAX_DOMAINS zones. On -1 nothing stays open. */
int rapl_open_ex(struct rapl *r, const char *root, bool psys, char *err,
		 size_t errlen);

/* rapl_open_ex without the platform zone. */
int rapl_open(struct rapl *r, const char *root, char *err, size_t errlen);

/* Read every zone's counter into energy_uj[0..r->n-1], in microjoules.
 * Returns 0, or -1 when a counter could not be read (its slot keeps the
 * previous value). Never allocates; safe in the sampler thread. */
int rapl_read_uj(const struct rapl *r, uint64_t *energy_uj);

/* Add the energy between two readings of every zone (prev_uj and cur_uj as
 * rapl_read_uj fills them, each zone's wrap undone) to energy_j[], in
 * joules: package zones to DOMAIN_CPU, dram zones to DOMAIN_DRAM. A psys
 * zone adds psys - package - dram of this same interval to DOMAIN_OTHER,
 * or nothing where that is negative (the zones are read one after the
 * other, so a few µJ of jitter either way is expected). Per interval, not
 * per step: the difference only means something between the same two
 * instants. Other domains of energy_j are left alone. After a
 * rapl_read_uj that returned -1, a zone that kept its previous value adds
 * nothing now and all at its next good reading, so psys's excess is off in
 * both intervals: a caller that wants other exact keeps prev_uj and skips
 * such a reading. */
void rapl_add_interval_j(const struct rapl *r, const uint64_t *prev_uj,
			 const uint64_t *cur_uj, double energy_j[DOMAIN_COUNT]);

/* The shortest time in which one of r's counters can run through its whole
 * range, in seconds: min over zones of max_range_uj / max_power_w. Two
 * readings further apart than this could be a whole wrap apart, which
 * counter_delta cannot see. INFINITY when no zone is open (or none wraps). */
double rapl_wrap_period_s(const struct rapl *r);

/* Check a sampling interval against rapl_wrap_period_s: a reading less
 * often than that could miss a whole wrap, and energy would be lost.
 * Returns 0 with *safe_interval_s = interval_s when interval_s is shorter
 * than the wrap period. Otherwise returns -1, sets *safe_interval_s to half
 * the wrap period (at least 1 s; the half leaves room for a package that
 * runs above its largest power constraint for a while) and puts in msg a
 * sentence to log that names the zone, its range and power, the interval
 * used instead and the value to configure. */
int rapl_check_interval(const struct rapl *r, int interval_s,
			int *safe_interval_s, char *msg, size_t msglen);

void rapl_close(struct rapl *r);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whole-node energy of HPE Cray EX and XC nodes through pm_counters, the
 * sysfs directory the blade controller keeps up to date (about 10 times a
 * second): "energy" is the node's, accelerators included where the node
 * has them; "cpu_energy", "memory_energy" and "accelN_energy" its parts. */
#ifndef CARBON_SENSOR_PMC_H
#define CARBON_SENSOR_PMC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PMC_DEFAULT_ROOT "/sys/cray/pm_counters"
#define PMC_MAX_ACCELS 16

struct pmc {
	int energy_fd;			/* "energy", kept open; -1 when closed */
	int cpu_fd;			/* "cpu_energy", or -1 when absent */
	int memory_fd;			/* "memory_energy", or -1 */
	int accel_fd[PMC_MAX_ACCELS];	/* "accelN_energy" by N (or XC's one
					 * "accel_energy") */
	unsigned n_accel;		/* accelerator files: when > 0, "energy"
					 * holds the accelerators' energy too */
	int freshness_fd;		/* "freshness", or -1: steps at each
					 * update of the counters */
	int startup_fd;			/* "startup", or -1: changes when the
					 * controller restarts its counters */
	int generation_fd;		/* "generation", or -1: changes when a
					 * power cap is set */
	unsigned scan_hz;		/* "raw_scan_hz": updates per second, 0
					 * when the file is absent */
	char root[256];			/* for messages */
};

/* One consistent reading of every counter, in joules. */
struct pmc_reading {
	uint64_t node_j;	/* "energy" */
	uint64_t accel_j;	/* the sum of the accelerator files; 0 without */
	uint64_t cpu_j;		/* 0 without cpu_energy */
	uint64_t memory_j;	/* 0 without memory_energy */
	uint64_t time_us;	/* when the controller took "energy": the
				 * timestamp after its unit, µs since the epoch;
				 * 0 where the file has none */
	uint64_t startup, generation, freshness;	/* 0 when absent */
};

/* The energy between two readings, in joules. */
struct pmc_interval {
	double node_j;
	double accel_j;
	double cpu_j;
	double memory_j;
	bool restarted;		/* the counters started again from 0 in between
				 * ("startup" changed, or "energy" went down):
				 * each figure is then its counter's whole
				 * current value, the energy since the restart
				 * (a lower bound) */
	bool cap_changed;	/* "generation" changed: a power cap was set */
};

/* Open the counters under root (NULL: PMC_DEFAULT_ROOT) and take one
 * reading to check them. Must run while still root. Returns 1 (a node
 * meter), 0 when root or its "energy" file does not exist (no pm_counters
 * here, not an error; err says so for one log line), or -1 with a reason
 * in err, naming the file, when a file exists but cannot be opened or read
 * or does not start with a number, or when there are more than
 * PMC_MAX_ACCELS accelerator files. On 0 and -1 nothing stays open. */
int pmc_open(struct pmc *p, const char *root, char *err, size_t errlen);

/* Read every counter into *r. The controller may update the files while
 * they are read one after the other: "freshness" is read before and after,
 * and the reading is taken again (three tries in all) when it moved.
 * Returns 0, or -1 with errno set (EINVAL: a file does not start with a
 * number; EAGAIN: the counters moved during every try). Never allocates;
 * safe in the sampler thread. */
int pmc_read(const struct pmc *p, struct pmc_reading *r);

/* The energy between prev and cur (see struct pmc_interval). Pure. */
void pmc_interval(const struct pmc_reading *prev, const struct pmc_reading *cur,
		  struct pmc_interval *out);

/* One counter line, "VALUE UNIT TIMESTAMP us" (e.g. "123456 J
 * 1700000000123456 us"): the value, and the timestamp when there is one
 * (else *time_us = 0); the unit is not checked. Returns 0, or -1 with
 * errno EINVAL when text does not start with a number. Pure. */
int pmc_parse_counter(const char *text, uint64_t *value, uint64_t *time_us);

/* Close every file. Safe on a closed p, or one pmc_open left. */
void pmc_close(struct pmc *p);

#endif

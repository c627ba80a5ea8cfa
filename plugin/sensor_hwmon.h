/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A whole-node power meter through the kernel's hwmon class: the ACPI
 * power meter (driver acpi_power_meter, hwmon name "power_meter") or any
 * hwmon device named in carbon.conf. An energy counter (energyN_input, µJ)
 * is used where the device has one; else averaged power (powerN_average,
 * µW, over powerN_average_interval ms), else instantaneous power
 * (powerN_input, µW), integrated over each interval (see
 * hwmon_power_interval_j). */
#ifndef CARBON_SENSOR_HWMON_H
#define CARBON_SENSOR_HWMON_H

#include <stddef.h>
#include <stdint.h>

#define HWMON_DEFAULT_ROOT "/sys/class/hwmon"
#define HWMON_DEFAULT_NAME "power_meter"	/* acpi_power_meter's */
#define HWMON_MAX_METERS 8

enum hwmon_kind {
	HWMON_ENERGY,		/* energy1_input: µJ, counts up */
	HWMON_POWER_AVERAGE,	/* power1_average: µW, the mean over window_s
				 * before the reading */
	HWMON_POWER_INPUT,	/* power1_input: µW, now */
};

struct hwmon_meter {
	int fd;			/* the value file, kept open; -1 when closed */
	enum hwmon_kind kind;
	double window_s;	/* power1_average_interval in seconds; 0 for
				 * the other kinds, or where the device does
				 * not say */
	char dir[64];		/* under root, e.g. "hwmon3" or "hwmon3/device"
				 * (older kernels keep acpi_power_meter's files
				 * on the ACPI device) */
	char file[24];		/* e.g. "power1_average" */
	char label[64];		/* power1_oem_info, or else power1_label /
				 * energy1_label; "" without: e.g. "Module
				 * Power Socket 0" on Grace Hopper */
};

struct hwmon {
	size_t n;
	struct hwmon_meter m[HWMON_MAX_METERS];
};

/* Open every hwmon device under root (NULL: HWMON_DEFAULT_ROOT) whose
 * "name" (in hwmonN/ or hwmonN/device/) is name (NULL: HWMON_DEFAULT_NAME),
 * whose label starts with label_prefix (NULL: any label, or none), and
 * that has energy1_input, power1_average or power1_input, taken in that
 * order of preference. Several such devices are all opened, and their
 * energies add up (hwmon_node_interval_j): where one meter contains
 * another (Grace Hopper's "Module Power Socket N" holds its "Grace Power"
 * and "CPU Power"), label_prefix must pick the outer ones. Must run while
 * still root.
 * Returns the number of meters opened (0: none here, not an error; err
 * says so for one log line), or -1 with a reason in err, naming the file,
 * when a matching device's value file cannot be opened or read or holds no
 * number, or when more than HWMON_MAX_METERS devices match. On 0 and -1
 * nothing stays open. */
int hwmon_open(struct hwmon *hw, const char *root, const char *name,
	       const char *label_prefix, char *err, size_t errlen);

/* Read every meter's value into value[0..hw->n-1]: µJ for HWMON_ENERGY, µW
 * for the power kinds. Returns 0, or -1 with errno set when a meter could
 * not be read (its slot keeps the previous value; the ACPI power meter
 * answers ENODATA until its first average is ready). Never allocates. */
int hwmon_read(const struct hwmon *hw, uint64_t *value);

/* The energy in joules of an interval dt_s long that ends at a reading of
 * cur_w, the previous reading being prev_w, from averaged power: each
 * reading is the mean power over the window_s before it. The last
 * min(window_s, dt_s) of the interval are known exactly (cur_w); the rest,
 * between the two windows, is taken at (prev_w + cur_w) / 2, the mean of
 * the straight line through the two readings placed at their windows'
 * middles. So window_s = 0 (instantaneous power) is the trapezoid rule,
 * and window_s >= dt_s is cur_w x dt_s. The estimate lags the truth by up
 * to one window: record the method as averaged power. Pure. */
double hwmon_power_interval_j(double prev_w, double cur_w, double dt_s,
			      double window_s);

/* The energy of meter m between two readings (prev, cur as hwmon_read gave
 * them) dt_s apart, in joules: the counter's delta (a decrease counts 0),
 * or hwmon_power_interval_j. Pure. */
double hwmon_meter_interval_j(const struct hwmon_meter *m, uint64_t prev,
			      uint64_t cur, double dt_s);

/* The sum of hwmon_meter_interval_j over every meter: the node's energy
 * between the two readings, in joules. */
double hwmon_node_interval_j(const struct hwmon *hw, const uint64_t *prev,
			     const uint64_t *cur, double dt_s);

void hwmon_close(struct hwmon *hw);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Node power meters through hwmon (Documentation/hwmon/sysfs-interface.rst:
 * powerN_average and powerN_input in µW, powerN_average_interval in ms,
 * energyN_input in µJ; Documentation/hwmon/acpi_power_meter.rst). */
#include "sensor_hwmon.h"
#include "energy.h"
#include "sysfs_attr.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The value files a meter may offer, in order of preference. */
static const struct {
	const char *file;
	enum hwmon_kind kind;
} value_files[] = {
	{ "energy1_input", HWMON_ENERGY },
	{ "power1_average", HWMON_POWER_AVERAGE },
	{ "power1_input", HWMON_POWER_INPUT },
};

static int is_hwmon_entry(const struct dirent *e)
{
	return strncmp(e->d_name, "hwmon", 5) == 0 && isdigit((unsigned char)e->d_name[5]);
}

/* hwmon2 before hwmon10: by the number, as the kernel gave them out. */
static int by_hwmon_number(const struct dirent **a, const struct dirent **b)
{
	unsigned long na = strtoul((*a)->d_name + 5, NULL, 10);
	unsigned long nb = strtoul((*b)->d_name + 5, NULL, 10);

	return na < nb ? -1 : na > nb;
}

/* The device's label into buf ("" without one): acpi_power_meter's
 * power1_oem_info, else the hwmon ABI's power1_label or energy1_label. */
static void read_label(const char *path, char *buf, size_t n)
{
	static const char *const files[] = { "power1_oem_info", "power1_label",
					     "energy1_label" };
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (sysfs_read_text(path, files[i], buf, n) == 0)
			return;
	buf[0] = '\0';
}

/* Open the value file of the device in root/dir, if it has one, as meter
 * hw->m[hw->n]. Returns 1 (opened), 0 (no value file here) or -1 with err
 * set. */
static int open_meter(struct hwmon *hw, const char *root, const char *dir,
		      const char *label, char *err, size_t errlen)
{
	struct hwmon_meter *m = &hw->m[hw->n];
	char path[512], text[32];
	uint64_t v;
	size_t i;
	int len;

	for (i = 0; i < sizeof(value_files) / sizeof(value_files[0]); i++) {
		len = snprintf(path, sizeof(path), "%s/%s/%s", root, dir, value_files[i].file);
		if (len < 0 || (size_t)len >= sizeof(path)) {
			snprintf(err, errlen, "%s/%s: path too long", root, dir);
			return -1;
		}
		if (access(path, F_OK) == 0)
			break;
	}
	if (i == sizeof(value_files) / sizeof(value_files[0]))
		return 0;
	if (hw->n == HWMON_MAX_METERS) {
		snprintf(err, errlen, "%s: more than %d hwmon power meters", path,
			 HWMON_MAX_METERS);
		return -1;
	}
	memset(m, 0, sizeof(*m));
	m->kind = value_files[i].kind;
	snprintf(m->dir, sizeof(m->dir), "%s", dir);
	snprintf(m->file, sizeof(m->file), "%s", value_files[i].file);
	snprintf(m->label, sizeof(m->label), "%s", label);
	m->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0) {
		snprintf(err, errlen, "%s: cannot open it (hwmon power meter): %s", path,
			 strerror(errno));
		return -1;
	}
	hw->n++;	/* hwmon_close closes it from here on */
	/* ENODATA: the meter has no average yet (acpi_power_meter right after
	 * it was loaded); the readings will come. */
	if (sysfs_pread_u64(m->fd, &v) < 0 && errno != ENODATA) {
		snprintf(err, errlen, "%s: cannot read a number from it (hwmon power meter): %s",
			 path, errno == EINVAL ? "not a number" : strerror(errno));
		return -1;
	}
	if (m->kind == HWMON_POWER_AVERAGE) {
		char adir[512];

		snprintf(adir, sizeof(adir), "%s/%s", root, dir);
		if (sysfs_read_text(adir, "power1_average_interval", text, sizeof(text)) == 0 &&
		    sysfs_parse_u64(text, &v) == 0)
			m->window_s = (double)v / 1000.0;
	}
	return 1;
}

/* The device hwmonN under root, when it is called name: its "name" and
 * value files sit in hwmonN/ (drivers that register with hwmon's info
 * API) or in hwmonN/device/ (older ones, acpi_power_meter among them). */
static int scan_device(struct hwmon *hw, const char *root, const char *entry,
		       const char *name, const char *label_prefix, char *err,
		       size_t errlen)
{
	static const char *const subdirs[] = { "", "/device" };
	size_t i;

	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		char dir[64], path[512], text[64], label[64];
		int rc;

		snprintf(dir, sizeof(dir), "%s%s", entry, subdirs[i]);
		snprintf(path, sizeof(path), "%s/%s", root, dir);
		if (sysfs_read_text(path, "name", text, sizeof(text)) < 0 ||
		    strcmp(text, name) != 0)
			continue;
		read_label(path, label, sizeof(label));
		if (label_prefix && strncmp(label, label_prefix, strlen(label_prefix)) != 0)
			return 0;
		rc = open_meter(hw, root, dir, label, err, errlen);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	return 0;
}

int hwmon_open(struct hwmon *hw, const char *root, const char *name,
	       const char *label_prefix, char *err, size_t errlen)
{
	struct dirent **entries = NULL;
	int count, i, rc = 0;

	memset(hw, 0, sizeof(*hw));
	if (!root)
		root = HWMON_DEFAULT_ROOT;
	if (!name)
		name = HWMON_DEFAULT_NAME;
	count = scandir(root, &entries, is_hwmon_entry, by_hwmon_number);
	for (i = 0; i < count && rc == 0; i++)
		rc = scan_device(hw, root, entries[i]->d_name, name, label_prefix,
				 err, errlen);
	for (i = 0; i < count; i++)
		free(entries[i]);
	free(entries);
	if (rc < 0) {
		hwmon_close(hw);
		return -1;
	}
	if (hw->n == 0)
		snprintf(err, errlen,
			 "no hwmon device named %s%s%s with energy1_input, power1_average or power1_input under %s: no node meter",
			 name, label_prefix ? " labelled " : "",
			 label_prefix ? label_prefix : "", root);
	return (int)hw->n;
}

int hwmon_read(const struct hwmon *hw, uint64_t *value)
{
	int rc = 0, saved = 0;
	size_t i;

	for (i = 0; i < hw->n; i++) {
		uint64_t v;

		if (sysfs_pread_u64(hw->m[i].fd, &v) < 0) {
			saved = errno;
			rc = -1;
			continue;
		}
		value[i] = v;
	}
	if (rc < 0)
		errno = saved;
	return rc;
}

double hwmon_power_interval_j(double prev_w, double cur_w, double dt_s,
			      double window_s)
{
	double known_s;

	if (dt_s <= 0)
		return 0;
	known_s = window_s < dt_s ? (window_s > 0 ? window_s : 0) : dt_s;
	return cur_w * known_s + (prev_w + cur_w) / 2 * (dt_s - known_s);
}

double hwmon_meter_interval_j(const struct hwmon_meter *m, uint64_t prev,
			      uint64_t cur, double dt_s)
{
	if (m->kind == HWMON_ENERGY)
		return (double)counter_delta(prev, cur, 0) / 1e6;
	return hwmon_power_interval_j((double)prev / 1e6, (double)cur / 1e6, dt_s,
				      m->kind == HWMON_POWER_AVERAGE ? m->window_s : 0);
}

double hwmon_node_interval_j(const struct hwmon *hw, const uint64_t *prev,
			     const uint64_t *cur, double dt_s)
{
	double j = 0;
	size_t i;

	for (i = 0; i < hw->n; i++)
		j += hwmon_meter_interval_j(&hw->m[i], prev[i], cur[i], dt_s);
	return j;
}

void hwmon_close(struct hwmon *hw)
{
	size_t i;

	for (i = 0; i < hw->n; i++)
		if (hw->m[i].fd >= 0)
			close(hw->m[i].fd);
	hw->n = 0;
}

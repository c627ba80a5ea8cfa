/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The whole-node meter: pm_counters, hwmon, or carbon-nodemeter's state. */
#include "node_sensor.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "node_state.h"

/* "" in carbon.conf: the reader's own default. */
static const char *or_default(const char *s)
{
	return s[0] ? s : NULL;
}

/* The method word of an hwmon meter: "hwmon" for an energy counter,
 * "hwmon_power" for instantaneous power (the trapezoid rule), and
 * "hwmon_averaged" as soon as one device gives averaged power: the
 * estimate then lags by up to its window. */
static const char *hwmon_method(const struct hwmon *hw)
{
	const char *word = "hwmon";
	size_t i;

	for (i = 0; i < hw->n; i++) {
		if (hw->m[i].kind == HWMON_POWER_AVERAGE)
			return "hwmon_averaged";
		if (hw->m[i].kind == HWMON_POWER_INPUT)
			word = "hwmon_power";
	}
	return word;
}

/* carbon-nodemeter's state file as a pm_counters reading, and in *lag_j
 * the energy since that reading up to now (s since the epoch): the daemon
 * reads the BMC up to an interval before a step reads the file. *late: the
 * reading is older than that (node_state_lag_j). Returns 1, 0 when there
 * is none yet (no daemon has written it: err says so, for one log line),
 * or -1 with a reason in err. */
static int state_reading(const struct node_sensor *nm, double now, struct pmc_reading *r,
			 double *lag_j, bool *late, struct node_state *out, char *err,
			 size_t errlen)
{
	struct node_state st;
	bool within;

	if (node_state_read(nm->state_file, &st) < 0) {
		if (errno == ENOENT) {
			snprintf(err, errlen, "%s: none yet (is carbon-nodemeter running?)",
				 nm->state_file);
			return 0;
		}
		snprintf(err, errlen, "%s: %s", nm->state_file,
			 errno == EPERM ? "not a file of root's" :
			 errno == EINVAL ? "not a carbon-nodemeter state file" : strerror(errno));
		return -1;
	}
	node_state_reading(&st, r);
	*lag_j = node_state_lag_j(&st, now > 0 ? (uint64_t)(now * 1e6) : 0, &within);
	*late = !within;
	if (out)
		*out = st;
	return 1;
}

int node_sensor_open(struct node_sensor *nm, const struct carbon_conf *conf, double now,
		    char *err, size_t errlen)
{
	struct node_state st;
	const char *name;
	bool late;
	int n;

	memset(nm, 0, sizeof(*nm));
	nm->pmc.energy_fd = -1;
	err[0] = '\0';
	switch (conf->node_meter) {
	case NODE_METER_NONE:
		return 0;
	case NODE_METER_HWMON:
		n = hwmon_open(&nm->hwmon, or_default(conf->node_hwmon_root),
			       or_default(conf->node_hwmon_name), or_default(conf->node_hwmon_label),
			       err, errlen);
		if (n <= 0)
			return n;
		/* ENODATA until the meter's first average: counted from the
		 * first good reading on. */
		if (hwmon_read(&nm->hwmon, nm->hwmon_last) < 0)
			memset(nm->hwmon_last, 0, sizeof(nm->hwmon_last));
		nm->includes_gpus = true;
		snprintf(nm->method, sizeof(nm->method), "%s", hwmon_method(&nm->hwmon));
		break;
	case NODE_METER_PM_COUNTERS:
		n = pmc_open(&nm->pmc, or_default(conf->node_pm_counters), err, errlen);
		if (n <= 0)
			return n;
		if (pmc_read(&nm->pmc, &nm->pmc_last) < 0) {
			snprintf(err, errlen, "%s: cannot be read", nm->pmc.root);
			pmc_close(&nm->pmc);
			return -1;
		}
		/* pm_counters' "energy" holds the accelerators where it has
		 * their files. */
		nm->includes_gpus = nm->pmc.n_accel > 0;
		snprintf(nm->method, sizeof(nm->method), "%s", conf_node_meter_name(conf->node_meter));
		break;
	case NODE_METER_REDFISH:
	case NODE_METER_IPMI:
		/* carbon-nodemeter reads the BMC, outside the steps; a step
		 * only reads the state file it publishes. */
		snprintf(nm->state_file, sizeof(nm->state_file), "%s", conf->node_state_file);
		n = state_reading(nm, now, &nm->pmc_last, &nm->lag_last_j, &late, &st, err,
				  errlen);
		if (n <= 0)
			return n;
		/* A BMC measures the whole chassis: its GPUs too. */
		nm->includes_gpus = true;
		/* The daemon's word says how it read the BMC ("redfish_power"),
		 * where it is one of this meter's. */
		name = conf_node_meter_name(conf->node_meter);
		snprintf(nm->method, sizeof(nm->method), "%s",
			 !strncmp(st.meter, name, strlen(name)) &&
					 (!st.meter[strlen(name)] ||
					  !strcmp(st.meter + strlen(name), "_power")) ?
				 st.meter : name);
		break;
	default:
		snprintf(err, errlen, "unknown node meter");
		return -1;
	}
	nm->kind = conf->node_meter;
	nm->last_s = now;
	nm->every_s = conf->node_interval_s > 0 ? conf->node_interval_s : conf->interval_s;
	return 1;
}

/* The controller did not move its counters on since the last reading: its
 * "freshness" (or, without it, the timestamp of "energy") is the same. */
static bool pmc_stale(const struct pmc_reading *last, const struct pmc_reading *cur)
{
	if (cur->freshness || last->freshness)
		return cur->freshness == last->freshness;
	return cur->time_us && cur->time_us == last->time_us;
}

enum attribution_node_reading node_sensor_read(struct node_sensor *nm, double now, bool final,
					      double *node_j, double *gpu_j, const char **why)
{
	uint64_t cur[HWMON_MAX_METERS];
	struct pmc_reading r;
	char err[CONF_STR_MAX + 64];
	struct pmc_interval iv;
	double lag_j = 0.0;
	bool late = false;

	*node_j = *gpu_j = 0.0;
	*why = NULL;
	/* Half a sample early still counts as due: samples are not exactly
	 * every_s apart. */
	if (nm->kind == NODE_METER_NONE || (!final && now - nm->last_s < nm->every_s - 0.5))
		return ATTRIBUTION_NODE_WAIT;
	if (nm->kind == NODE_METER_HWMON) {
		memcpy(cur, nm->hwmon_last, sizeof(cur));
		if (hwmon_read(&nm->hwmon, cur) < 0) {
			*why = "node meter unreadable: its energy counts at the next reading";
			return ATTRIBUTION_NODE_WAIT;
		}
		*node_j = hwmon_node_interval_j(&nm->hwmon, nm->hwmon_last, cur, now - nm->last_s);
		memcpy(nm->hwmon_last, cur, sizeof(cur));
		nm->last_s = now;
		return ATTRIBUTION_NODE_READ;
	}
	if (nm->kind == NODE_METER_PM_COUNTERS ? pmc_read(&nm->pmc, &r) < 0
					       : state_reading(nm, now, &r, &lag_j, &late, NULL, err,
							       sizeof(err)) <= 0) {
		*why = "node meter unreadable: its energy counts at the next reading";
		return ATTRIBUTION_NODE_WAIT;
	}
	/* The state file's unchanged reading still stands for now while it
	 * is at most an interval old (its power carries it to now): the
	 * daemon's readings and the steps' are not in step. */
	if (pmc_stale(&nm->pmc_last, &r) && (nm->kind == NODE_METER_PM_COUNTERS || late)) {
		*why = "node meter stale: its energy counts when it moves on";
		return ATTRIBUTION_NODE_WAIT;
	}
	pmc_interval(&nm->pmc_last, &r, &iv);
	nm->pmc_last = r;
	nm->last_s = now;
	/* The state file's readings stand for the instants they are read
	 * at: the energy between the two instants, never below 0. */
	iv.node_j = fmax(0.0, iv.node_j + lag_j - nm->lag_last_j);
	nm->lag_last_j = lag_j;
	if (iv.restarted) {
		*why = "node meter restarted: other not counted for one reading";
		return ATTRIBUTION_NODE_LOST;
	}
	*node_j = iv.node_j;
	*gpu_j = nm->pmc.n_accel > 0 ? iv.accel_j : 0.0;
	return ATTRIBUTION_NODE_READ;
}

void node_sensor_close(struct node_sensor *nm)
{
	if (nm->kind == NODE_METER_HWMON)
		hwmon_close(&nm->hwmon);
	else if (nm->kind == NODE_METER_PM_COUNTERS)
		pmc_close(&nm->pmc);
	nm->kind = NODE_METER_NONE;
}

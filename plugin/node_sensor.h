/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The whole-node meter carbon.conf's [node] meter names, read beside RAPL
 * and the GPUs at each sample: HPE Cray pm_counters, an hwmon power meter
 * (the ACPI power meter), or carbon-nodemeter's state file for a BMC read
 * over Redfish or IPMI (plugin/node_state.h: pm_counters' counter lines). I/O only: what a reading
 * means for the interval is attribution_interval's (lib/attribution.h). */
#ifndef CARBON_NODE_SENSOR_H
#define CARBON_NODE_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attribution.h"
#include "conf.h"
#include "sensor_hwmon.h"
#include "sensor_pmc.h"

struct node_sensor {
	enum node_meter kind;		/* NODE_METER_NONE: no meter open */
	struct pmc pmc;			/* pm_counters */
	char state_file[CONF_STR_MAX];	/* redfish, ipmi: carbon-nodemeter's */
	struct pmc_reading pmc_last;	/* pm_counters, redfish, ipmi */
	double lag_last_j;		/* redfish, ipmi: node_state_lag_j of
					 * pmc_last when it was read */
	struct hwmon hwmon;		/* hwmon */
	uint64_t hwmon_last[HWMON_MAX_METERS];
	double last_s;			/* when the last good reading was taken */
	double every_s;			/* seconds between readings */
	bool includes_gpus;		/* the meter's energy holds the node's
					 * GPUs: pm_counters with accelerator
					 * files, and every chassis or module
					 * meter (hwmon, redfish, ipmi) */
	char method[32];		/* the record's method word for it */
};

/* Open the meter of conf's [node] section at time now, as root, and take
 * its first reading. Returns 1 (open), 0 when conf names none or the node
 * has none (err says why, for one log line), or -1 with a reason in err
 * when it is there but cannot be read. */
int node_sensor_open(struct node_sensor *nm, const struct carbon_conf *conf, double now,
		    char *err, size_t errlen);

/* Read the meter at time now when a reading is due (every_s since the last
 * good one, or final). Returns ATTRIBUTION_NODE_READ with the meter's
 * energy since its last good reading in *node_j and, where its own files
 * say (pm_counters' accelerators), the included GPUs' in *gpu_j;
 * ATTRIBUTION_NODE_WAIT when no reading was due, or the reading was stale
 * (the counters did not move on) or failed, with *why set for the latter
 * two; ATTRIBUTION_NODE_LOST when the meter's counters restarted (*why
 * says so). Never allocates. */
enum attribution_node_reading node_sensor_read(struct node_sensor *nm, double now, bool final,
					      double *node_j, double *gpu_j, const char **why);

void node_sensor_close(struct node_sensor *nm);

#endif

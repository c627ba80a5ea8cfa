/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon.conf: the site's settings, shared by the plugin and carbon-report. */
#ifndef CARBON_CONF_H
#define CARBON_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define CONF_STR_MAX 256
#define CONF_CONNINFO_MAX 1024

/* Which meter measures the whole node ([node] meter). */
enum node_meter {
	NODE_METER_NONE,
	NODE_METER_PM_COUNTERS,	/* HPE Cray pm_counters, read by the plugin */
	NODE_METER_HWMON,	/* hwmon power_meter, read by the plugin */
	NODE_METER_REDFISH,	/* the BMC over HTTPS, read by carbon-nodemeter */
	NODE_METER_IPMI,	/* the BMC's DCMI power reading, read by
				 * carbon-nodemeter */
};

#define CONF_NODE_STATE_FILE "/run/slurm-carbon/node_energy"

/* "none", "pm_counters", "hwmon", "redfish", "ipmi": carbon.conf's spelling. */
const char *conf_node_meter_name(enum node_meter m);

struct carbon_conf {
	/* [site] */
	char cluster[CONF_STR_MAX];	/* empty: ClusterName of slurm.conf */
	char zone[CONF_STR_MAX];	/* grid zone; empty: unknown */
	double pue;			/* power usage effectiveness, >= 1.0 */
	double intensity_g_per_kwh;	/* fixed intensity; < 0 when not set */
	/* [database] */
	char conninfo[CONF_CONNINFO_MAX];	/* the plugin's (the writer's) */
	int connect_timeout_s;
	/* [report]: carbon-report's own connection (every command but spool
	 * flush, which writes as the plugin does); "": libpq's defaults */
	char report_conninfo[CONF_CONNINFO_MAX];
	/* [sampling] */
	int interval_s;
	int checkpoint_s;		/* a running step's record is checkpointed
					 * to the spool this often; 0: never */
	bool psys;			/* also read RAPL's platform (psys) zone */
	/* [spool] */
	char spool_dir[CONF_STR_MAX];
	char spool_metrics_file[CONF_STR_MAX];	/* the backlog for node_exporter's
						 * textfile collector; "": none */
	/* [model]: the estimate where no counter exists (see model.h) */
	double model_cpu_tdp_w;		/* per socket; < 0: from the table */
	double model_memory_w_per_gb;	/* >= 0; 0 counts no memory */
	double model_gpu_tdp_w;		/* per GPU; < 0: from the table */
	/* [embodied]: making the hardware, shared over its life by the hours
	 * jobs held it (carbon-report statement); < 0: not configured */
	double embodied_node_kg;	/* kg CO2e of one compute node, no GPUs */
	int embodied_node_cores;	/* its CPUs (as Slurm counts them); 0: not set */
	double embodied_gpu_kg;		/* kg CO2e of one GPU */
	double embodied_lifetime_years;	/* > 0 */
	/* [node]: the whole-node meter (see carbon-nodemeter(8)) */
	enum node_meter node_meter;
	int node_interval_s;		/* seconds between node meter readings;
					 * 0: [sampling] interval */
	char node_state_file[CONF_STR_MAX];	/* carbon-nodemeter's state file */
	char redfish_url[CONF_STR_MAX];		/* http(s)://host[:port] */
	char redfish_chassis[CONF_STR_MAX];	/* a Chassis id or its path;
						 * "": the first with power */
	char redfish_user[CONF_STR_MAX];	/* "": no authentication */
	char redfish_password_file[CONF_STR_MAX];
	char redfish_ca_file[CONF_STR_MAX];	/* "": the system's CAs */
	bool redfish_insecure;		/* no TLS certificate check */
	int redfish_timeout_ms;		/* each request, all in */
	char ipmi_device[CONF_STR_MAX];	/* the in-band driver's device */
	/* "": the reader's default (plugin/sensor_pmc.h, sensor_hwmon.h) */
	char node_pm_counters[CONF_STR_MAX];	/* pm_counters' directory */
	char node_hwmon_root[CONF_STR_MAX];	/* the hwmon class directory */
	char node_hwmon_name[CONF_STR_MAX];	/* the meter's hwmon "name" */
	char node_hwmon_label[CONF_STR_MAX];	/* a label prefix; "": any */
};

/* Fill c with the documented defaults (see carbon.conf(5)). */
void conf_defaults(struct carbon_conf *c);

/* How strictly conf_load checks the file before trusting it. */
enum conf_trust {
	CONF_TRUST_ANY,		/* carbon-report: the caller chose the file */
	CONF_TRUST_ROOT_ONLY,	/* plugin: root-owned, not world-writable, and
				 * not world-readable when it holds a password */
};

/* Read path into c (which must hold defaults or earlier values).
 * Returns 0, or -1 with a message in err naming the file, the line and the
 * key, e.g. "carbon.conf:7: [site] pue: 'abc' is not a number >= 1.0".
 * On error c keeps the values read before the bad line. */
int conf_load(const char *path, enum conf_trust trust, struct carbon_conf *c,
	      char *err, size_t errlen);

/* Copy src to dst (capacity n), truncating. Returns true when it fitted. */
bool conf_copy_str(char *dst, size_t n, const char *src);

#endif

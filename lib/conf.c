/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon.conf parsing with inih: every key validated, every error located. */
#include "conf.h"
#include "model.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct parse_state {
	struct carbon_conf *c;
	char msg[512];		/* first error, without the file:line prefix */
};

bool conf_copy_str(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (len >= n) {
		memcpy(dst, src, n - 1);
		dst[n - 1] = '\0';
		return false;
	}
	memcpy(dst, src, len + 1);
	return true;
}

void conf_defaults(struct carbon_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->pue = 1.0;
	c->intensity_g_per_kwh = -1.0;
	conf_copy_str(c->conninfo, sizeof(c->conninfo),
		      "dbname=carbon user=carbon_writer");
	c->connect_timeout_s = 3;
	c->interval_s = 10;
	c->checkpoint_s = 60;
	c->psys = false;
	c->embodied_node_kg = -1.0;
	c->embodied_node_cores = 0;
	c->embodied_gpu_kg = -1.0;
	c->embodied_lifetime_years = 4.0;
	conf_copy_str(c->spool_dir, sizeof(c->spool_dir),
		      "/var/spool/slurm-carbon");
	c->model_cpu_tdp_w = -1.0;
	c->model_memory_w_per_gb = MODEL_MEMORY_W_PER_GB;
	c->model_gpu_tdp_w = -1.0;
	c->node_meter = NODE_METER_NONE;
	c->node_interval_s = 0;
	conf_copy_str(c->node_state_file, sizeof(c->node_state_file),
		      CONF_NODE_STATE_FILE);
	c->redfish_insecure = false;
	c->redfish_timeout_ms = 2000;
	conf_copy_str(c->ipmi_device, sizeof(c->ipmi_device), "/dev/ipmi0");
}

static const char *const node_meter_names[] = {
	[NODE_METER_NONE] = "none",
	[NODE_METER_PM_COUNTERS] = "pm_counters",
	[NODE_METER_HWMON] = "hwmon",
	[NODE_METER_REDFISH] = "redfish",
	[NODE_METER_IPMI] = "ipmi",
};

const char *conf_node_meter_name(enum node_meter m)
{
	if ((size_t)m >= sizeof(node_meter_names) / sizeof(node_meter_names[0]))
		return "?";
	return node_meter_names[m];
}

static bool parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || !isfinite(*out))
		return false;
	while (*end == ' ' || *end == '\t')
		end++;
	return *end == '\0';
}

static bool parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v < lo || v > hi)
		return false;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '\0')
		return false;
	*out = (int)v;
	return true;
}

/* "yes" or "no", in any case: the spelling carbon.conf(5) documents. */
static bool parse_yes_no(const char *s, bool *out)
{
	if (!strcasecmp(s, "yes")) {
		*out = true;
		return true;
	}
	if (!strcasecmp(s, "no")) {
		*out = false;
		return true;
	}
	return false;
}

static int set_str(struct parse_state *ps, char *dst, size_t n,
		   const char *section, const char *key, const char *value)
{
	if (conf_copy_str(dst, n, value))
		return 1;
	snprintf(ps->msg, sizeof(ps->msg), "[%s] %s: value longer than %zu characters",
		 section, key, n - 1);
	return 0;
}

/* A path: absolute, as the daemon and the plugin run from anywhere. */
static int set_path(struct parse_state *ps, char *dst, size_t n,
		    const char *section, const char *key, const char *value)
{
	if (value[0] != '\0' && value[0] != '/') {
		snprintf(ps->msg, sizeof(ps->msg), "[%s] %s: '%s' is not an absolute path",
			 section, key, value);
		return 0;
	}
	return set_str(ps, dst, n, section, key, value);
}

/* [node]: the whole-node meter. Returns as on_key does. */
static int on_node_key(struct parse_state *ps, const char *key, const char *value)
{
	struct carbon_conf *c = ps->c;
	double v;
	size_t i;

	if (!strcmp(key, "meter")) {
		for (i = 0; i < sizeof(node_meter_names) / sizeof(node_meter_names[0]); i++) {
			if (!strcmp(value, node_meter_names[i])) {
				c->node_meter = (enum node_meter)i;
				return 1;
			}
		}
		snprintf(ps->msg, sizeof(ps->msg),
			 "[node] meter: '%s' is not none, pm_counters, hwmon, redfish or ipmi",
			 value);
		return 0;
	}
	if (!strcmp(key, "interval")) {
		if (value[0] == '\0') {
			c->node_interval_s = 0;
			return 1;
		}
		if (parse_int(value, 1, 3600, &c->node_interval_s))
			return 1;
		snprintf(ps->msg, sizeof(ps->msg),
			 "[node] interval: '%s' is not a whole number of seconds from 1 to 3600 (leave it empty for [sampling] interval)",
			 value);
		return 0;
	}
	if (!strcmp(key, "state_file"))
		return set_path(ps, c->node_state_file, sizeof(c->node_state_file),
				"node", key, value[0] ? value : CONF_NODE_STATE_FILE);
	if (!strcmp(key, "redfish_url")) {
		if (value[0] == '\0' || !strncmp(value, "https://", 8) ||
		    !strncmp(value, "http://", 7))
			return set_str(ps, c->redfish_url, sizeof(c->redfish_url),
				       "node", key, value);
		snprintf(ps->msg, sizeof(ps->msg),
			 "[node] redfish_url: '%s' does not start with https:// (or http://)",
			 value);
		return 0;
	}
	if (!strcmp(key, "redfish_chassis"))
		return set_str(ps, c->redfish_chassis, sizeof(c->redfish_chassis),
			       "node", key, value);
	if (!strcmp(key, "redfish_user"))
		return set_str(ps, c->redfish_user, sizeof(c->redfish_user),
			       "node", key, value);
	if (!strcmp(key, "redfish_password_file"))
		return set_path(ps, c->redfish_password_file,
				sizeof(c->redfish_password_file), "node", key, value);
	if (!strcmp(key, "redfish_ca_file"))
		return set_path(ps, c->redfish_ca_file, sizeof(c->redfish_ca_file),
				"node", key, value);
	if (!strcmp(key, "redfish_insecure")) {
		if (parse_yes_no(value, &c->redfish_insecure))
			return 1;
		snprintf(ps->msg, sizeof(ps->msg),
			 "[node] redfish_insecure: '%s' is not yes or no", value);
		return 0;
	}
	if (!strcmp(key, "redfish_timeout")) {
		if (parse_double(value, &v) && v >= 0.1 && v <= 60.0) {
			c->redfish_timeout_ms = (int)(v * 1000.0 + 0.5);
			return 1;
		}
		snprintf(ps->msg, sizeof(ps->msg),
			 "[node] redfish_timeout: '%s' is not a number of seconds from 0.1 to 60",
			 value);
		return 0;
	}
	if (!strcmp(key, "ipmi_device"))
		return set_path(ps, c->ipmi_device, sizeof(c->ipmi_device), "node", key,
				value[0] ? value : "/dev/ipmi0");
	if (!strcmp(key, "pm_counters"))
		return set_path(ps, c->node_pm_counters, sizeof(c->node_pm_counters), "node", key,
				value);
	if (!strcmp(key, "hwmon_root"))
		return set_path(ps, c->node_hwmon_root, sizeof(c->node_hwmon_root), "node", key,
				value);
	if (!strcmp(key, "hwmon_name"))
		return set_str(ps, c->node_hwmon_name, sizeof(c->node_hwmon_name), "node", key,
			       value);
	if (!strcmp(key, "hwmon_label"))
		return set_str(ps, c->node_hwmon_label, sizeof(c->node_hwmon_label), "node", key,
			       value);
	snprintf(ps->msg, sizeof(ps->msg), "unknown key '%s' in [node]", key);
	return 0;
}

/* inih handler: returns 1 to go on, 0 to stop with the line number. */
static int on_key(void *user, const char *section, const char *key,
		  const char *value)
{
	struct parse_state *ps = user;
	struct carbon_conf *c = ps->c;
	double v;

	if (!strcmp(section, "site")) {
		if (!strcmp(key, "cluster"))
			return set_str(ps, c->cluster, sizeof(c->cluster), section, key, value);
		if (!strcmp(key, "zone"))
			return set_str(ps, c->zone, sizeof(c->zone), section, key, value);
		if (!strcmp(key, "pue")) {
			if (parse_double(value, &v) && v >= 1.0 && v <= 5.0) {
				c->pue = v;
				return 1;
			}
			snprintf(ps->msg, sizeof(ps->msg),
				 "[site] pue: '%s' is not a number between 1.0 and 5.0", value);
			return 0;
		}
		if (!strcmp(key, "intensity")) {
			if (value[0] == '\0') {
				c->intensity_g_per_kwh = -1.0;
				return 1;
			}
			if (parse_double(value, &v) && v >= 0.0) {
				c->intensity_g_per_kwh = v;
				return 1;
			}
			snprintf(ps->msg, sizeof(ps->msg),
				 "[site] intensity: '%s' is not a number of gCO2e/kWh >= 0 (leave it empty to use the zone's data)",
				 value);
			return 0;
		}
	} else if (!strcmp(section, "database")) {
		if (!strcmp(key, "conninfo"))
			return set_str(ps, c->conninfo, sizeof(c->conninfo), section, key, value);
		if (!strcmp(key, "connect_timeout")) {
			if (parse_int(value, 1, 60, &c->connect_timeout_s))
				return 1;
			snprintf(ps->msg, sizeof(ps->msg),
				 "[database] connect_timeout: '%s' is not a whole number of seconds from 1 to 60",
				 value);
			return 0;
		}
	} else if (!strcmp(section, "report")) {
		if (!strcmp(key, "conninfo"))
			return set_str(ps, c->report_conninfo, sizeof(c->report_conninfo),
				       section, key, value);
	} else if (!strcmp(section, "sampling")) {
		if (!strcmp(key, "interval")) {
			if (parse_int(value, 1, 3600, &c->interval_s))
				return 1;
			snprintf(ps->msg, sizeof(ps->msg),
				 "[sampling] interval: '%s' is not a whole number of seconds from 1 to 3600",
				 value);
			return 0;
		}
		if (!strcmp(key, "checkpoint")) {
			if (parse_int(value, 0, 86400, &c->checkpoint_s))
				return 1;
			snprintf(ps->msg, sizeof(ps->msg),
				 "[sampling] checkpoint: '%s' is not a whole number of seconds from 0 (never) to 86400",
				 value);
			return 0;
		}
		if (!strcmp(key, "psys")) {
			if (parse_yes_no(value, &c->psys))
				return 1;
			snprintf(ps->msg, sizeof(ps->msg),
				 "[sampling] psys: '%s' is not yes or no", value);
			return 0;
		}
	} else if (!strcmp(section, "spool")) {
		if (!strcmp(key, "dir"))
			return set_str(ps, c->spool_dir, sizeof(c->spool_dir), section, key, value);
		if (!strcmp(key, "metrics_file")) {
			size_t n = strlen(value);

			/* The textfile collector reads only *.prom files. */
			if (n && (n <= 5 || strcmp(value + n - 5, ".prom") != 0)) {
				snprintf(ps->msg, sizeof(ps->msg),
					 "[spool] metrics_file: '%s' does not end in .prom (node_exporter's textfile collector reads only those; leave it empty for none)",
					 value);
				return 0;
			}
			return set_path(ps, c->spool_metrics_file, sizeof(c->spool_metrics_file),
					section, key, value);
		}
	} else if (!strcmp(section, "model")) {
		if (!strcmp(key, "cpu_tdp")) {
			if (value[0] == '\0') {
				c->model_cpu_tdp_w = -1.0;
				return 1;
			}
			if (parse_double(value, &v) && v >= 1.0 && v <= 1000.0) {
				c->model_cpu_tdp_w = v;
				return 1;
			}
			snprintf(ps->msg, sizeof(ps->msg),
				 "[model] cpu_tdp: '%s' is not a number of watts per socket from 1 to 1000 (leave it empty to look the CPU up in the table)",
				 value);
			return 0;
		}
		if (!strcmp(key, "memory_w_per_gb")) {
			if (value[0] == '\0') {
				c->model_memory_w_per_gb = MODEL_MEMORY_W_PER_GB;
				return 1;
			}
			if (parse_double(value, &v) && v >= 0.0 && v <= 10.0) {
				c->model_memory_w_per_gb = v;
				return 1;
			}
			snprintf(ps->msg, sizeof(ps->msg),
				 "[model] memory_w_per_gb: '%s' is not a number of watts per GB from 0 to 10",
				 value);
			return 0;
		}
		if (!strcmp(key, "gpu_tdp")) {
			if (value[0] == '\0') {
				c->model_gpu_tdp_w = -1.0;
				return 1;
			}
			if (parse_double(value, &v) && v >= 1.0 && v <= 2000.0) {
				c->model_gpu_tdp_w = v;
				return 1;
			}
			snprintf(ps->msg, sizeof(ps->msg),
				 "[model] gpu_tdp: '%s' is not a number of watts per GPU from 1 to 2000 (leave it empty to look each GPU up in the table by its NVML name)",
				 value);
			return 0;
		}
	} else if (!strcmp(section, "embodied")) {
		if (!strcmp(key, "node_kg") || !strcmp(key, "gpu_kg")) {
			double *dst = key[0] == 'n' ? &c->embodied_node_kg : &c->embodied_gpu_kg;

			if (value[0] == '\0') {
				*dst = -1.0;
				return 1;
			}
			if (parse_double(value, &v) && v >= 0.0 && v <= 100000.0) {
				*dst = v;
				return 1;
			}
			snprintf(ps->msg, sizeof(ps->msg),
				 "[embodied] %s: '%s' is not a number of kg CO2e from 0 to 100000 (the manufacturer's footprint of one %s; leave it empty when unknown)",
				 key, value, key[0] == 'n' ? "node without its GPUs" : "GPU");
			return 0;
		}
		if (!strcmp(key, "node_cores")) {
			if (value[0] == '\0') {
				c->embodied_node_cores = 0;
				return 1;
			}
			if (parse_int(value, 1, 65536, &c->embodied_node_cores))
				return 1;
			snprintf(ps->msg, sizeof(ps->msg),
				 "[embodied] node_cores: '%s' is not a whole number of CPUs from 1 to 65536 (the node's CPUs as Slurm counts them)",
				 value);
			return 0;
		}
		if (!strcmp(key, "lifetime_years")) {
			if (parse_double(value, &v) && v >= 1.0 && v <= 20.0) {
				c->embodied_lifetime_years = v;
				return 1;
			}
			snprintf(ps->msg, sizeof(ps->msg),
				 "[embodied] lifetime_years: '%s' is not a number of years from 1 to 20",
				 value);
			return 0;
		}
	} else if (!strcmp(section, "node")) {
		return on_node_key(ps, key, value);
	} else {
		snprintf(ps->msg, sizeof(ps->msg),
			 "unknown section [%s] (known: site, database, report, sampling, spool, model, embodied, node)",
			 section);
		return 0;
	}
	snprintf(ps->msg, sizeof(ps->msg), "unknown key '%s' in [%s]", key, section);
	return 0;
}

/* A conninfo that carries a password must not be readable by other users:
 * the section that holds one, or NULL. */
static const char *section_with_password(const struct carbon_conf *c)
{
	if (strstr(c->conninfo, "password"))
		return "database";
	if (strstr(c->report_conninfo, "password"))
		return "report";
	return NULL;
}

int conf_load(const char *path, enum conf_trust trust, struct carbon_conf *c,
	      char *err, size_t errlen)
{
	int rc = -1;
	FILE *fp = NULL;
	struct stat st;
	struct parse_state ps = { .c = c, .msg = "" };
	int line;

	fp = fopen(path, "r");
	if (!fp) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fileno(fp), &st) < 0) {
		snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
		goto out;
	}
	if (trust == CONF_TRUST_ROOT_ONLY) {
		if (st.st_uid != 0 || (st.st_mode & S_IWOTH) || (st.st_mode & S_IWGRP)) {
			snprintf(err, errlen,
				 "%s: refused: it must be owned by root and writable by root only (chown root: %s; chmod 0644 %s)",
				 path, path, path);
			goto out;
		}
	}
	line = ini_parse_file(fp, on_key, &ps);
	if (line < 0) {
		snprintf(err, errlen, "%s: cannot read the file", path);
		goto out;
	}
	if (line > 0) {
		snprintf(err, errlen, "%s:%d: %s", path, line,
			 ps.msg[0] ? ps.msg : "syntax error (expected [section] or key = value)");
		goto out;
	}
	if (trust == CONF_TRUST_ROOT_ONLY && section_with_password(c) &&
	    (st.st_mode & S_IROTH)) {
		snprintf(err, errlen,
			 "%s: refused: [%s] conninfo holds a password but the file is readable by all users (chmod 0600 %s)",
			 path, section_with_password(c), path);
		goto out;
	}
	rc = 0;
out:
	if (fp)
		fclose(fp);
	return rc;
}

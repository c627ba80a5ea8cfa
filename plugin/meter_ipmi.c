/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DCMI power readings through libfreeipmi (see meter_ipmi.h). */
#include "config.h"
#include "meter_ipmi.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_FREEIPMI
#include <freeipmi/freeipmi.h>

const int ipmi_built_in = 1;

struct ipmi_meter {
	ipmi_ctx_t ctx;
	fiid_obj_t rs;
	char device[CONF_STR_MAX];
};

int ipmi_meter_open(struct ipmi_meter **out, const struct carbon_conf *c, char *err,
		    size_t errlen)
{
	struct ipmi_meter *m = NULL;
	int rc = -1;

	*out = NULL;
	if (access(c->ipmi_device, R_OK | W_OK) < 0) {
		snprintf(err, errlen, "no BMC (%s): %s%s", c->ipmi_device, strerror(errno),
			 errno == ENOENT ? " (is there a BMC? modprobe ipmi_si ipmi_devintf)" : "");
		return -1;
	}
	m = calloc(1, sizeof(*m));
	if (!m || !(m->ctx = ipmi_ctx_create()) ||
	    !(m->rs = fiid_obj_create(tmpl_cmd_dcmi_get_power_reading_rs))) {
		snprintf(err, errlen, "ipmi: out of memory");
		goto out;
	}
	conf_copy_str(m->device, sizeof(m->device), c->ipmi_device);
	if (ipmi_ctx_open_inband(m->ctx, IPMI_DEVICE_OPENIPMI, 0, 0, 0, m->device, 0,
				 IPMI_FLAGS_DEFAULT) < 0) {
		snprintf(err, errlen, "no BMC (%s): %s", m->device, ipmi_ctx_errormsg(m->ctx));
		goto out;
	}
	*out = m;
	m = NULL;
	rc = 0;
out:
	ipmi_meter_close(m);
	return rc;
}

/* Field name of the response into *v. */
static int field(struct ipmi_meter *m, const char *name, uint64_t *v, char *err,
		 size_t errlen)
{
	if (FIID_OBJ_GET(m->rs, name, v) != 1) {
		snprintf(err, errlen, "%s: DCMI Get Power Reading: no %s in the answer: %s",
			 m->device, name, fiid_obj_errormsg(m->rs));
		return -1;
	}
	return 0;
}

int ipmi_meter_read(struct ipmi_meter *m, struct node_sample *s, char *err,
		    size_t errlen)
{
	uint64_t current, average, period_ms, active;
	struct timespec ts;

	fiid_obj_clear(m->rs);
	if (ipmi_cmd_dcmi_get_power_reading(m->ctx,
					    IPMI_DCMI_POWER_READING_MODE_SYSTEM_POWER_STATISTICS,
					    0, m->rs) < 0) {
		snprintf(err, errlen, "%s: DCMI Get Power Reading: %s", m->device,
			 ipmi_ctx_errormsg(m->ctx));
		return -1;
	}
	if (field(m, "current_power", &current, err, errlen) < 0 ||
	    field(m, "average_power_over_sampling_duration", &average, err, errlen) < 0 ||
	    field(m, "statistics_reporting_time_period", &period_ms, err, errlen) < 0 ||
	    field(m, "power_reading_state.power_measurement", &active, err, errlen) < 0)
		return -1;
	if (!active) {
		snprintf(err, errlen, "%s: DCMI Get Power Reading: the BMC says power measurement is not active",
			 m->device);
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	s->time_us = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	/* The statistics reporting period is in milliseconds (DCMI 1.5, Get
	 * Power Reading); the average covers it. */
	if (period_ms > 0) {
		s->power_w = (double)average;
		s->window_s = (double)period_ms / 1000.0;
	} else {
		s->power_w = (double)current;
		s->window_s = 0.0;
	}
	s->counter_j = -1.0;
	return 0;
}

void ipmi_meter_close(struct ipmi_meter *m)
{
	if (!m)
		return;
	if (m->rs)
		fiid_obj_destroy(m->rs);
	if (m->ctx) {
		ipmi_ctx_close(m->ctx);
		ipmi_ctx_destroy(m->ctx);
	}
	free(m);
}

#else /* !HAVE_FREEIPMI */

const int ipmi_built_in = 0;

int ipmi_meter_open(struct ipmi_meter **out, const struct carbon_conf *c, char *err,
		    size_t errlen)
{
	*out = NULL;
	snprintf(err, errlen,
		 "[node] meter = ipmi: IPMI DCMI is not built in (configure found no libfreeipmi; install libfreeipmi-dev and build again)");
	return -1;
}

int ipmi_meter_read(struct ipmi_meter *m, struct node_sample *s, char *err,
		    size_t errlen)
{
	snprintf(err, errlen, "IPMI DCMI is not built in");
	return -1;
}

void ipmi_meter_close(struct ipmi_meter *m)
{
}

#endif

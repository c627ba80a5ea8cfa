/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The chassis' power from its BMC over Redfish (DMTF DSP0266), for
 * carbon-nodemeter: the Chassis' EnvironmentMetrics (EnergykWh.Reading, an
 * energy counter, preferred; PowerWatts.Reading), else its deprecated Power
 * resource (PowerControl[0].PowerConsumedWatts). Every request is bounded:
 * one reading, discovery included, takes at most [node] redfish_timeout. */
#ifndef CARBON_METER_REDFISH_H
#define CARBON_METER_REDFISH_H

#include <stddef.h>

#include "conf.h"
#include "node_counter.h"

struct redfish;

/* Whether Redfish support was built in (libcurl found at configure time). */
extern const int redfish_built_in;

/* Prepare to read the BMC that c's [node] redfish_* keys name: checks the
 * URL and reads the password file (a regular file owned by root, readable
 * by root only; its first line is the password). Sends nothing: the
 * chassis is found at the first reading. Starts libcurl (curl_global_init,
 * so not while other threads run). Returns 0 with *out set, or -1 with a reason in err
 * (no URL; a password over plain http; the password file; Redfish not
 * built in). */
int redfish_open(struct redfish **out, const struct carbon_conf *c, char *err,
		 size_t errlen);

/* Take one reading into *s (time_us: when its answer began to come). Finds the
 * chassis first when that is not done yet: GET /redfish/v1/Chassis, the
 * first member with EnvironmentMetrics or Power (or [node]
 * redfish_chassis). Returns 0, or -1 with a reason in err naming the URL
 * (timed out, refused, HTTP status, not JSON, no reading, a reading out of
 * range). */
int redfish_read(struct redfish *r, struct node_sample *s, char *err, size_t errlen);

/* What the last good reading read, e.g. "EnvironmentMetrics EnergykWh". */
const char *redfish_source(const struct redfish *r);

/* Free r; NULL is fine. */
void redfish_close(struct redfish *r);

#endif

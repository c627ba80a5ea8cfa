/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where a report's PUE or fixed carbon intensity came from, named as it is:
 * the carbon.conf carbon-report read, the site settings a db init or
 * upgrade recorded for the cluster (sql/006 carbon.cluster_site), a PUE
 * period (sql/004 carbon.pue_period), or the built-in default. */
#ifndef CARBON_SITE_SOURCE_H
#define CARBON_SITE_SOURCE_H

#include <libpq-fe.h>
#include <stddef.h>

#include "jobset.h"
#include "report.h"

enum site_source_kind {
	SOURCE_CONF,		/* the reporter's carbon.conf */
	SOURCE_SITE,		/* the cluster's recorded site settings */
	SOURCE_PERIOD,		/* a PUE period */
	SOURCE_DEFAULT,		/* no file, nothing recorded: carbon.conf(5)'s default */
};

struct site_source {
	enum site_source_kind kind;
	const char *path;	/* SOURCE_CONF: the file read (borrowed) */
	double from_s;		/* SOURCE_SITE: when recorded; SOURCE_PERIOD: valid
				 * from (seconds since the epoch) */
	double to_s;		/* SOURCE_PERIOD: valid to; NaN: open */
};

/* The kind's short name, as the statement's JSON pue_source has it:
 * "carbon.conf", "site settings", "period" or "default". */
const char *site_source_kind_name(enum site_source_kind kind);

/* s in words into buf (n bytes), which it returns: "carbon.conf
 * (/etc/slurm/carbon.conf)", "site settings recorded 2026-03-01", "PUE
 * period 2026-01-01–2026-07-01" (from 2026-01-01 when open; a bound not at
 * midnight UTC with its time), "default (no carbon.conf read)". */
const char *site_source_str(const struct site_source *s, char *buf, size_t n);

/* The setting a report takes outside any PUE period (report/jobset.c): the
 * carbon.conf env read, else the cluster's recorded settings where they set
 * it (recorded_s, when they were recorded: not NaN), else the default. */
void site_source_setting(struct site_source *s, const struct report_env *env,
			 double recorded_s);

/* Name the fixed intensities of set's jobs (intensity level "site", whose
 * dataset sql/005 calls "carbon.conf [site] intensity" whoever set it) by
 * where they came from: in.dataset becomes site_source_str of the setting.
 * Returns 0, or -1 after printing why. */
int site_source_name_intensity(PGconn *conn, const struct report_env *env, struct jobset *set);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sources of a report's PUE and fixed intensity, named. */
#include "site_source.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utctime.h"

const char *site_source_kind_name(enum site_source_kind kind)
{
	static const char *const names[] = {
		[SOURCE_CONF] = "carbon.conf", [SOURCE_SITE] = "site settings",
		[SOURCE_PERIOD] = "period", [SOURCE_DEFAULT] = "default",
	};

	return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "default";
}

/* A day, or a minute where t is not a midnight UTC. */
static const char *day_or_minute(double t, char *buf, size_t n)
{
	return utc_format(t, fmod(t, UTC_DAY_S) == 0 ? UTC_DATE : UTC_MINUTE, buf, n);
}

const char *site_source_str(const struct site_source *s, char *buf, size_t n)
{
	char a[40], b[40];

	switch (s->kind) {
	case SOURCE_CONF:
		snprintf(buf, n, "carbon.conf (%s)", s->path ? s->path : "?");
		break;
	case SOURCE_SITE:
		snprintf(buf, n, "site settings recorded %s", utc_format(s->from_s, UTC_DATE, a, sizeof(a)));
		break;
	case SOURCE_PERIOD:
		if (isnan(s->to_s))
			snprintf(buf, n, "PUE period from %s", day_or_minute(s->from_s, a, sizeof(a)));
		else
			snprintf(buf, n, "PUE period %s–%s", day_or_minute(s->from_s, a, sizeof(a)),
				 day_or_minute(s->to_s, b, sizeof(b)));
		break;
	case SOURCE_DEFAULT:
		snprintf(buf, n, "default (no carbon.conf read)");
		break;
	}
	return buf;
}

void site_source_setting(struct site_source *s, const struct report_env *env,
			 double recorded_s)
{
	memset(s, 0, sizeof(*s));
	s->to_s = NAN;
	if (env->have_config) {
		s->kind = SOURCE_CONF;
		s->path = env->config_path;
	} else if (!isnan(recorded_s)) {
		s->kind = SOURCE_SITE;
		s->from_s = recorded_s;
	} else {
		s->kind = SOURCE_DEFAULT;
	}
}

/* When each cluster's site settings were recorded. */
static const char recorded_sql[] =
	"SELECT cluster, extract(epoch FROM updated_at)::float8 AS recorded"
	" FROM carbon.cluster_site";

int site_source_name_intensity(PGconn *conn, const struct report_env *env, struct jobset *set)
{
	PGresult *res = NULL;
	struct site_source s;
	size_t i;
	int rc = -1, r, n = 0;

	for (i = 0; i < set->n && strcmp(set->jobs[i].in.level, "site"); i++)
		;
	if (i == set->n)
		return 0;
	if (!env->have_config) {
		res = PQexec(conn, recorded_sql);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			report_sql_error("cannot read the recorded site settings", res);
			goto out;
		}
		n = PQntuples(res);
	}
	for (; i < set->n; i++) {
		struct job *job = &set->jobs[i];
		double recorded = NAN;

		if (strcmp(job->in.level, "site"))
			continue;
		/* A fixed intensity without carbon.conf is the cluster's
		 * recorded one (jobset.c's rule). */
		for (r = 0; r < n; r++)
			if (!strcmp(PQgetvalue(res, r, 0), job->rows[0].cluster))
				recorded = strtod(PQgetvalue(res, r, 1), NULL);
		site_source_setting(&s, env, recorded);
		site_source_str(&s, job->in.dataset, sizeof(job->in.dataset));
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

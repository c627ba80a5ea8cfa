/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "track" member of a statement's JSON, written and read (see
 * track_block.h). */
#include "track_block.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "json_pointer.h"

/* The totals' members: each a number in struct job_totals, a count (whole)
 * or a figure (>= 0), or a time (null: none). */
enum kind { K_COUNT, K_FIGURE, K_TIME };

struct member {
	const char *name;
	size_t off;
	enum kind kind;
};

#define T(name, field, kind) { name, offsetof(struct job_totals, field), kind }

static const struct member members[] = {
	T("jobs", jobs, K_COUNT),
	T("cpu_time_s", cpu_time_s, K_FIGURE),
	T("cpu_time_rows", cpu_time_rows, K_COUNT),
	T("wall_s", wall_s, K_FIGURE),
	T("gpu_s", gpu_s, K_FIGURE),
	T("gpu_jobs", gpu_jobs, K_COUNT),
	T("it_kwh", it_kwh, K_FIGURE),
	T("facility_kwh", facility_kwh, K_FIGURE),
	T("co2e_kg", co2e_kg, K_FIGURE),
	T("first_start_s", first_start_s, K_TIME),
	T("last_end_s", last_end_s, K_TIME),
	T("imported_runs", imported_runs, K_COUNT),
	T("imported_kwh", imported_kwh, K_FIGURE),
	T("imported_kg", imported_kg, K_FIGURE),
	T("imported_s", imported_s, K_FIGURE),
};

#define N_MEMBERS (sizeof(members) / sizeof(members[0]))

/* The largest count read: more jobs than any campaign runs, and exact in a
 * double. */
#define COUNT_MAX 1e12

static void totals_block(struct json_writer *w, const struct job_totals *t)
{
	const char *p = (const char *)t;
	size_t i;
	int d;

	json_begin_object(w);
	for (i = 0; i < N_MEMBERS; i++) {
		const struct member *m = &members[i];

		if (m->kind == K_COUNT)
			json_kv_int(w, m->name, (long long)*(const size_t *)(p + m->off));
		else if (m->kind == K_TIME)
			/* Seconds since the epoch need ten digits and more. */
			json_kv_number_fixed(w, m->name, *(const double *)(p + m->off), 3);
		else
			json_kv_number(w, m->name, *(const double *)(p + m->off));
	}
	json_key(w, "energy_kwh");
	json_begin_object(w);
	for (d = 0; d < DOMAIN_COUNT; d++)
		json_kv_number(w, energy_domain_name(d), t->energy_kwh[d]);
	json_end_object(w);
	json_end_object(w);
}

void track_block_json(struct json_writer *w, const struct group_list *projects)
{
	size_t i, j;

	json_begin_object(w);
	json_kv_int(w, "version", TRACK_BLOCK_VERSION);
	json_key(w, "projects");
	json_begin_array(w);
	for (i = 0; i < projects->n; i++) {
		const struct group *p = &projects->g[i];

		json_begin_object(w);
		json_kv_string(w, "project", p->key);
		json_key(w, "totals");
		totals_block(w, &p->t);
		json_key(w, "users");
		json_begin_array(w);
		for (j = 0; j < p->sub.n; j++) {
			json_begin_object(w);
			json_kv_string(w, "user", p->sub.g[j].key);
			json_key(w, "totals");
			totals_block(w, &p->sub.g[j].t);
			json_end_object(w);
		}
		json_end_array(w);
		json_key(w, "days");
		json_begin_array(w);
		for (j = 0; j < p->days.n; j++) {
			json_begin_object(w);
			json_kv_string(w, "day", p->days.g[j].key);
			json_kv_number(w, "co2e_kg", p->days.g[j].t.co2e_kg);
			json_end_object(w);
		}
		json_end_array(w);
		json_end_object(w);
	}
	json_end_array(w);
	json_end_object(w);
}

/* ---- reading ----------------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static int fail(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Is s UTF-8 text a table, a page and a terminal can show: well-formed,
 * no C0, DEL or C1 control character (an escape sequence from a hostile
 * file)? */
static bool name_printable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t k, more;
		unsigned cp;

		if (*p < 0x20 || *p == 0x7f)
			return false;
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0)
			more = 1, cp = *p & 0x1f;
		else if ((*p & 0xf0) == 0xe0)
			more = 2, cp = *p & 0x0f;
		else if ((*p & 0xf8) == 0xf0)
			more = 3, cp = *p & 0x07;
		else
			return false;
		for (k = 1; k <= more; k++) {
			if ((p[k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[k] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond U+10FFFF, and C1. */
		if ((more == 1 && cp < 0x80) || (more == 2 && cp < 0x800) ||
		    (more == 3 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) ||
		    cp > 0x10ffff || (cp >= 0x80 && cp <= 0x9f))
			return false;
		p += more + 1;
	}
	return true;
}

/* Is s a day as "2026-03-02"? */
static bool day_valid(const char *s)
{
	int i, month, day;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	month = (s[5] - '0') * 10 + (s[6] - '0');
	day = (s[8] - '0') * 10 + (s[9] - '0');
	return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/* The totals object at pointer of the block doc into *t. */
static int read_totals(const char *doc, size_t len, const char *at, struct job_totals *t,
		       char *why, size_t n)
{
	char ptr[128];
	char *p = (char *)t;
	double v;
	size_t i;
	int r;

	totals_init(t);
	for (i = 0; i < N_MEMBERS + DOMAIN_COUNT; i++) {
		const struct member *m = i < N_MEMBERS ? &members[i] : NULL;
		const char *name = m ? m->name : energy_domain_name((int)(i - N_MEMBERS));

		snprintf(ptr, sizeof(ptr), "%s/totals/%s%s", at, m ? "" : "energy_kwh/", name);
		r = json_pointer_number(doc, len, ptr, &v);
		if (r < 0)
			return fail(why, n, "%s: not well-formed JSON", ptr);
		if (r == 0) {
			if (m && m->kind == K_TIME) {
				struct json_span s;

				if (json_pointer_find(doc, len, ptr, &s) == 1 && s.type == JSON_NULL)
					continue;	/* no job: no period */
			}
			return fail(why, n, "%s: no number", ptr);
		}
		if (!isfinite(v) || (v < 0 && !(m && m->kind == K_TIME)))
			return fail(why, n, "%s: %g is not a figure (finite, >= 0)", ptr, v);
		if (!m) {
			t->energy_kwh[i - N_MEMBERS] = v;
		} else if (m->kind == K_COUNT) {
			if (v != floor(v) || v > COUNT_MAX)
				return fail(why, n, "%s: %g is not a count", ptr, v);
			*(size_t *)(p + m->off) = (size_t)v;
		} else {
			*(double *)(p + m->off) = v;
		}
	}
	if (t->gpu_jobs > t->jobs)
		return fail(why, n, "%s/totals: more GPU jobs than jobs", at);
	return 0;
}

/* The name (string, or null where null_ok) at ptr into buf; *is_null. */
static int read_name(const char *doc, size_t len, const char *ptr, bool null_ok, char *buf,
		     size_t size, bool *is_null, char *why, size_t n)
{
	struct json_span s;

	*is_null = false;
	if (json_pointer_find(doc, len, ptr, &s) != 1)
		return fail(why, n, "%s: missing", ptr);
	if (s.type == JSON_NULL && null_ok) {
		*is_null = true;
		return 0;
	}
	if (s.type != JSON_STRING || json_pointer_string(doc, len, ptr, buf, size) != 1)
		return fail(why, n, "%s: not a name of at most %d bytes", ptr,
			    TRACK_BLOCK_MAX_NAME);
	if (!*buf || !name_printable(buf))
		return fail(why, n, "%s: empty, not UTF-8, or holds control characters", ptr);
	return 0;
}

int track_block_read(const char *doc, size_t len, struct group_list *projects, char *why,
		     size_t n)
{
	char name[TRACK_BLOCK_MAX_NAME + 1], ptr[96], err[256];
	struct json_span block, s;
	const char *b;
	size_t blen, i, j, groups = 0;
	double version;
	bool is_null;
	int r;

	r = json_pointer_find(doc, len, "/track", &block);
	if (r < 0)
		return fail(why, n, "not well-formed JSON (carbon-report statement --json writes one object)");
	if (r == 0 || block.type != JSON_OBJECT)
		return fail(why, n,
			    "no \"track\" member: the statement was made by a carbon-report without track --from support; ask the team for a statement made with this version's 'carbon-report statement --json'");
	b = doc + block.start;
	blen = block.end - block.start;
	if (blen > TRACK_BLOCK_MAX_BYTES)
		return fail(why, n, "the track block is larger than %zu bytes", TRACK_BLOCK_MAX_BYTES);
	if (json_pointer_number(b, blen, "/version", &version) != 1 ||
	    version != TRACK_BLOCK_VERSION)
		return fail(why, n, "track/version is not %d: made by another carbon-report version",
			    TRACK_BLOCK_VERSION);
	if (json_pointer_find(b, blen, "/projects", &s) != 1 || s.type != JSON_ARRAY)
		return fail(why, n, "track/projects is not an array");
	for (i = 0;; i++) {
		struct json_span ps;
		struct group *p;
		const char *pd;
		size_t plen;

		snprintf(ptr, sizeof(ptr), "/projects/%zu", i);
		if (json_pointer_find(b, blen, ptr, &ps) != 1)
			break;
		if (ps.type != JSON_OBJECT)
			return fail(why, n, "track%s is not an object", ptr);
		if (++groups > TRACK_BLOCK_MAX_GROUPS)
			return fail(why, n, "more than %d projects, users and days", TRACK_BLOCK_MAX_GROUPS);
		/* The project's own object: its lookups cost its size only. */
		pd = b + ps.start;
		plen = ps.end - ps.start;
		if (read_name(pd, plen, "/project", true, name, sizeof(name), &is_null, err,
			      sizeof(err)) < 0)
			return fail(why, n, "track%s%s", ptr, err);
		if (group_find(projects, is_null ? NULL : name))
			return fail(why, n, "track%s: project '%s' twice", ptr, is_null ? "-" : name);
		p = group_get(projects, is_null ? NULL : name);
		if (!p)
			return fail(why, n, "out of memory");
		if (read_totals(pd, plen, "", &p->t, err, sizeof(err)) < 0)
			return fail(why, n, "track%s%s", ptr, err);
		for (j = 0;; j++) {
			struct group *u;
			char uptr[64];

			snprintf(uptr, sizeof(uptr), "/users/%zu", j);
			if (json_pointer_find(pd, plen, uptr, &s) != 1)
				break;
			if (s.type != JSON_OBJECT)
				return fail(why, n, "track%s%s is not an object", ptr, uptr);
			if (++groups > TRACK_BLOCK_MAX_GROUPS)
				return fail(why, n, "more than %d projects, users and days",
					    TRACK_BLOCK_MAX_GROUPS);
			snprintf(uptr, sizeof(uptr), "/users/%zu/user", j);
			if (read_name(pd, plen, uptr, false, name, sizeof(name), &is_null, err,
				      sizeof(err)) < 0)
				return fail(why, n, "track%s%s", ptr, err);
			if (group_find(&p->sub, name))
				return fail(why, n, "track%s: user '%s' twice", ptr, name);
			if (!(u = group_get(&p->sub, name)))
				return fail(why, n, "out of memory");
			snprintf(uptr, sizeof(uptr), "/users/%zu", j);
			if (read_totals(pd, plen, uptr, &u->t, err, sizeof(err)) < 0)
				return fail(why, n, "track%s%s", ptr, err);
		}
		for (j = 0;; j++) {
			struct group *day;
			char dptr[64];
			double kg;

			snprintf(dptr, sizeof(dptr), "/days/%zu", j);
			if (json_pointer_find(pd, plen, dptr, &s) != 1)
				break;
			if (++groups > TRACK_BLOCK_MAX_GROUPS)
				return fail(why, n, "more than %d projects, users and days",
					    TRACK_BLOCK_MAX_GROUPS);
			snprintf(dptr, sizeof(dptr), "/days/%zu/day", j);
			if (json_pointer_string(pd, plen, dptr, name, sizeof(name)) != 1 ||
			    !day_valid(name))
				return fail(why, n, "track%s%s: not a day (2026-03-02)", ptr, dptr);
			if (group_find(&p->days, name))
				return fail(why, n, "track%s: day %s twice", ptr, name);
			snprintf(dptr, sizeof(dptr), "/days/%zu/co2e_kg", j);
			if (json_pointer_number(pd, plen, dptr, &kg) != 1 || !isfinite(kg) || kg < 0)
				return fail(why, n, "track%s%s: not a figure (finite, >= 0)", ptr, dptr);
			if (!(day = group_get(&p->days, name)))
				return fail(why, n, "out of memory");
			day->t.co2e_kg = kg;
		}
	}
	return 0;
}

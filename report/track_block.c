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
/* The latest time read: 9999-12-31T23:59:59Z, the last a timestamp shows. */
#define TIME_MAX 253402300799.0

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

/* Where a value lies: its span, and for messages, its place: member name
 * (or element index) of up; a root has no up, its name its path. */
struct at {
	struct json_span s;
	const struct at *up;
	const char *name;
	size_t index;
};

/* v's path ("track/projects/0/users/2") at buf[*k..n-1]. */
static void path_put(const struct at *v, char *buf, size_t n, size_t *k)
{
	if (v->up) {
		path_put(v->up, buf, n, k);
		if (*k < n)
			*k += (size_t)(v->name ? snprintf(buf + *k, n - *k, "/%s", v->name)
					       : snprintf(buf + *k, n - *k, "/%zu", v->index));
	} else if (*k < n) {
		*k += (size_t)snprintf(buf + *k, n - *k, "%s", v->name);
	}
}

/* fail(), the message v's path and then what fmt says. */
__attribute__((format(printf, 4, 5)))
static int fail_at(char *why, size_t n, const struct at *v, const char *fmt, ...)
{
	size_t k = 0;
	va_list ap;

	path_put(v, why, n, &k);
	if (k < n) {
		va_start(ap, fmt);
		vsnprintf(why + k, n - k, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The members named names[0..n-1] of the object at obj, into out[0..n-1]
 * (a span of type 0: absent), in one walk over the object. Members of
 * other names are passed over (a later writer's additions); one of these
 * names twice is refused, as JSON readers differ on which of the two they
 * take. */
static int object_members(const char *doc, size_t len, const struct at *obj,
			  const char *const *names, size_t n, struct at *out, char *why,
			  size_t wn)
{
	struct json_span key, value;
	struct json_iter it;
	char name[32];
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		memset(&out[i].s, 0, sizeof(out[i].s));
		out[i].up = obj;
		out[i].name = names[i];
	}
	if (json_iter_begin(&it, doc, len, &obj->s) != 1)
		return fail_at(why, wn, obj, " is not an object");
	while ((r = json_iter_next(&it, &key, &value)) == 1) {
		if (json_span_string(doc, &key, name, sizeof(name)) != 1)
			continue;	/* longer than any name of ours */
		for (i = 0; i < n && strcmp(name, names[i]); i++)
			;
		if (i == n)
			continue;
		if (out[i].s.type)
			return fail_at(why, wn, &out[i],
				       ": twice (JSON readers differ on which counts): write each member once");
		out[i].s = value;
	}
	if (r < 0)
		return fail_at(why, wn, obj, ": not well-formed JSON");
	return 0;
}

/* Begin the walk over the array at arr (absent: as an empty one). */
static int array_begin(struct json_iter *it, const char *doc, size_t len, const struct at *arr,
		       char *why, size_t wn)
{
	static const struct json_span empty = { JSON_ARRAY, 0, 2 };

	if (!arr->s.type)	/* absent: as [] */
		return json_iter_begin(it, "[]", 2, &empty) == 1 ? 0 : -1;
	if (json_iter_begin(it, doc, len, &arr->s) != 1 || arr->s.type != JSON_ARRAY)
		return fail_at(why, wn, arr, " is not an array");
	return 0;
}

/* The next element of the walk over arr into *el: 1, 0 after the last, -1. */
static int array_next(struct json_iter *it, const struct at *arr, struct at *el, char *why,
		      size_t wn)
{
	size_t i = it->index;
	int r = json_iter_next(it, NULL, &el->s);

	if (r < 0)
		return fail_at(why, wn, arr, ": not well-formed JSON");
	el->up = arr;
	el->name = NULL;
	el->index = i;
	return r;
}

/* The figure at v into *out: a number, finite, >= 0; a count whole; a time
 * of the years 1970 to 9999, or null (none: NaN). */
static int read_figure(const char *doc, const struct at *v, enum kind kind, double *out,
		       char *why, size_t n)
{
	if (kind == K_TIME && v->s.type == JSON_NULL) {
		*out = NAN;	/* no job: no period */
		return 0;
	}
	if (json_span_number(doc, &v->s, out) != 1)
		return fail_at(why, n, v, ": no number");
	if (!isfinite(*out) || *out < 0)
		return fail_at(why, n, v, ": %g is not a figure (finite, >= 0)", *out);
	if (kind == K_TIME && *out > TIME_MAX)
		return fail_at(why, n, v, ": %g is not a time (seconds since 1970, before 10000)",
			       *out);
	if (kind == K_COUNT && (*out != floor(*out) || *out > COUNT_MAX))
		return fail_at(why, n, v, ": %g is not a count", *out);
	return 0;
}

/* The totals object at tot into *t. */
static int read_totals(const char *doc, size_t len, const struct at *tot, struct job_totals *t,
		       char *why, size_t n)
{
	const char *names[N_MEMBERS + 1], *domains[DOMAIN_COUNT];
	struct at at[N_MEMBERS + 1], energy[DOMAIN_COUNT];
	char *p = (char *)t;
	double v;
	size_t i;

	totals_init(t);
	for (i = 0; i < N_MEMBERS; i++)
		names[i] = members[i].name;
	names[N_MEMBERS] = "energy_kwh";
	for (i = 0; i < DOMAIN_COUNT; i++)
		domains[i] = energy_domain_name((enum energy_domain)i);
	if (object_members(doc, len, tot, names, N_MEMBERS + 1, at, why, n) < 0)
		return -1;
	for (i = 0; i < N_MEMBERS; i++) {
		const struct member *m = &members[i];

		if (read_figure(doc, &at[i], m->kind, &v, why, n) < 0)
			return -1;
		if (m->kind == K_COUNT)
			*(size_t *)(p + m->off) = (size_t)v;
		else
			*(double *)(p + m->off) = v;
	}
	if (at[N_MEMBERS].s.type != JSON_OBJECT)
		return fail_at(why, n, &at[N_MEMBERS], ": no object of each domain's kWh");
	if (object_members(doc, len, &at[N_MEMBERS], domains, DOMAIN_COUNT, energy, why, n) < 0)
		return -1;
	for (i = 0; i < DOMAIN_COUNT; i++)
		if (read_figure(doc, &energy[i], K_FIGURE, &t->energy_kwh[i], why, n) < 0)
			return -1;
	if (t->gpu_jobs > t->jobs)
		return fail_at(why, n, tot, ": more GPU jobs than jobs");
	return 0;
}

/* The name (string, or null where null_ok) at v into buf; *is_null. */
static int read_name(const char *doc, const struct at *v, bool null_ok, char *buf, size_t size,
		     bool *is_null, char *why, size_t n)
{
	*is_null = false;
	if (!v->s.type)
		return fail_at(why, n, v, ": missing");
	if (v->s.type == JSON_NULL && null_ok) {
		*is_null = true;
		return 0;
	}
	if (json_span_string(doc, &v->s, buf, size) != 1)
		return fail_at(why, n, v, ": not a name of at most %d bytes",
			    TRACK_BLOCK_MAX_NAME);
	if (!*buf || !name_printable(buf))
		return fail_at(why, n, v, ": empty, not UTF-8, or holds control characters");
	return 0;
}

/* Refuse a key twice in l, read from the array at arr (group i from its
 * element i); what: the key's meaning. The element named is the first
 * that repeats an earlier one's key. */
static int check_once(const struct group_list *l, const struct at *arr, const char *what,
		      char *why, size_t n)
{
	const struct group *first, *second;
	struct at el = { .up = arr };

	if (!group_list_twice(l, &first, &second))
		return 0;
	el.index = (size_t)(second - l->g);
	return fail_at(why, n, &el, ": %s '%s' twice", what, second->key ? second->key : "-");
}

/* A list of the block: its elements' members, the key they are told apart
 * by, and how one element (its members m[], as names lists them) is added
 * to the list l as a group. */
#define LIST_MAX_MEMBERS 4

struct list_kind {
	const char *names[LIST_MAX_MEMBERS];
	size_t n_names;
	const char *what;
	int (*add)(const char *doc, size_t len, const struct at *m, struct group_list *l,
		   size_t *groups, char *why, size_t n);
};

/* The objects of the array at arr (absent: none) added to l as kind says,
 * each one group more; then a key twice in l refused. */
static int read_list(const char *doc, size_t len, const struct at *arr,
		     const struct list_kind *kind, struct group_list *l, size_t *groups,
		     char *why, size_t n)
{
	struct at el = { .up = arr }, m[LIST_MAX_MEMBERS];
	struct json_iter it;
	int r;

	if (array_begin(&it, doc, len, arr, why, n) < 0)
		return -1;
	while ((r = array_next(&it, arr, &el, why, n)) == 1) {
		if (el.s.type != JSON_OBJECT)
			return fail_at(why, n, &el, " is not an object");
		if (++*groups > TRACK_BLOCK_MAX_GROUPS)
			return fail(why, n, "more than %d projects, users and days",
				    TRACK_BLOCK_MAX_GROUPS);
		if (object_members(doc, len, &el, kind->names, kind->n_names, m, why, n) < 0 ||
		    kind->add(doc, len, m, l, groups, why, n) < 0)
			return -1;
	}
	return r < 0 ? -1 : check_once(l, arr, kind->what, why, n);
}

/* A user: m[] its name and totals. */
static int add_user(const char *doc, size_t len, const struct at *m, struct group_list *l,
		    size_t *groups, char *why, size_t n)
{
	char name[TRACK_BLOCK_MAX_NAME + 1];
	struct group *u;
	bool is_null;

	(void)groups;
	if (read_name(doc, &m[0], false, name, sizeof(name), &is_null, why, n) < 0)
		return -1;
	if (!(u = group_add(l, name)))
		return fail(why, n, "out of memory");
	return read_totals(doc, len, &m[1], &u->t, why, n);
}

/* A day of the timeline: m[] its day and kg. */
static int add_day(const char *doc, size_t len, const struct at *m, struct group_list *l,
		   size_t *groups, char *why, size_t n)
{
	struct group *g;
	char day[16];
	double kg;

	(void)len;
	(void)groups;
	if (json_span_string(doc, &m[0].s, day, sizeof(day)) != 1 || !day_valid(day))
		return fail_at(why, n, &m[0], ": not a day (2026-03-02)");
	if (read_figure(doc, &m[1], K_FIGURE, &kg, why, n) < 0)
		return -1;
	if (!(g = group_add(l, day)))
		return fail(why, n, "out of memory");
	g->t.co2e_kg = kg;
	return 0;
}

static const struct list_kind users = {
	{ "user", "totals" }, 2, "user", add_user,
};

static const struct list_kind days = {
	{ "day", "co2e_kg" }, 2, "day", add_day,
};

/* A project: m[] its name (null: jobs of no project), totals, users and
 * days. */
static int add_project(const char *doc, size_t len, const struct at *m, struct group_list *l,
		       size_t *groups, char *why, size_t n)
{
	char name[TRACK_BLOCK_MAX_NAME + 1];
	struct group *p;
	bool is_null;

	if (read_name(doc, &m[0], true, name, sizeof(name), &is_null, why, n) < 0)
		return -1;
	if (!(p = group_add(l, is_null ? NULL : name)))
		return fail(why, n, "out of memory");
	if (read_totals(doc, len, &m[1], &p->t, why, n) < 0 ||
	    read_list(doc, len, &m[2], &users, &p->sub, groups, why, n) < 0 ||
	    read_list(doc, len, &m[3], &days, &p->days, groups, why, n) < 0)
		return -1;
	return 0;
}

static const struct list_kind projects_kind = {
	{ "project", "totals", "users", "days" }, 4, "project", add_project,
};

int track_block_read(const char *doc, size_t len, struct group_list *projects, char *why,
		     size_t n)
{
	static const char *const top_names[] = { "track" };
	static const char *const block_names[] = { "version", "projects" };
	struct at top = { .name = "statement" }, member, block = { .name = "track" }, at[2];
	size_t groups = 0;
	double version;

	if (json_pointer_find(doc, len, "", &top.s) < 0)
		return fail(why, n, "not well-formed JSON (carbon-report statement --json writes one object)");
	if (top.s.type == JSON_OBJECT &&
	    object_members(doc, len, &top, top_names, 1, &member, why, n) < 0)
		return -1;
	if (top.s.type != JSON_OBJECT || member.s.type != JSON_OBJECT)
		return fail(why, n,
			    "no \"track\" member: the statement was made by a carbon-report without track --from support; ask the team for a statement made with this version's 'carbon-report statement --json'");
	block.s = member.s;	/* the root of the block's paths */
	if (block.s.end - block.s.start > TRACK_BLOCK_MAX_BYTES)
		return fail(why, n, "the track block is larger than %zu bytes", TRACK_BLOCK_MAX_BYTES);
	if (object_members(doc, len, &block, block_names, 2, at, why, n) < 0)
		return -1;
	if (json_span_number(doc, &at[0].s, &version) != 1 || version != TRACK_BLOCK_VERSION)
		return fail(why, n, "track/version is not %d: made by another carbon-report version",
			    TRACK_BLOCK_VERSION);
	if (at[1].s.type != JSON_ARRAY)
		return fail(why, n, "track/projects is not an array");
	return read_list(doc, len, &at[1], &projects_kind, projects, &groups, why, n);
}

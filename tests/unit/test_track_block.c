/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The track member of a statement's JSON (report/track_block.c): what one
 * statement writes, the next reads back figure for figure; and hostile
 * blocks, from a table, are refused with a message saying where. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "track_block.h"

/* Project "alpha" with users ann and bob, and the jobs of no project. */
static void fixture(struct group_list *l)
{
	struct group *p, *u;

	memset(l, 0, sizeof(*l));
	p = group_get(l, "alpha");
	p->t.jobs = 3;
	p->t.cpu_time_s = 7200.5;
	p->t.cpu_time_rows = 4;
	p->t.wall_s = 5400;
	p->t.gpu_s = 3600.25;
	p->t.gpu_jobs = 1;
	p->t.energy_kwh[0] = 0.125;
	p->t.energy_kwh[2] = 1.5e-7;
	p->t.it_kwh = 0.2;
	p->t.facility_kwh = 0.26;
	p->t.co2e_kg = 0.0912345678;
	p->t.first_start_s = 1772438400.5;
	p->t.last_end_s = 1772611200;
	p->t.imported_runs = 1;
	p->t.imported_kwh = 0.01;
	p->t.imported_kg = 0.004;
	p->t.imported_s = 60;
	u = group_get(&p->sub, "ann");
	u->t = p->t;
	u->t.jobs = 2;
	u = group_get(&p->sub, "bob\xc3\xa9");	/* "bobé" */
	u->t.jobs = 1;
	u->t.co2e_kg = 0.01;
	group_get(&p->days, "2026-03-02")->t.co2e_kg = 0.05;
	group_get(&p->days, "2026-03-04")->t.co2e_kg = 0.0412345678;
	p = group_get(l, NULL);
	p->t.jobs = 1;
	p->t.co2e_kg = 2;
}

/* The statement's JSON around the block written for l. */
static char *write_doc(const struct group_list *l)
{
	struct json_writer w;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	json_init(&w, fp);
	json_begin_object(&w);
	json_kv_int(&w, "jobs", 4);
	json_key(&w, "track");
	track_block_json(&w, l);
	json_end_object(&w);
	assert_int_equal(json_finish(&w), 0);
	fclose(fp);
	return buf;
}

static void assert_totals_equal(const struct job_totals *a, const struct job_totals *b)
{
	const double *x[] = { &a->cpu_time_s, &a->wall_s, &a->gpu_s, &a->it_kwh, &a->facility_kwh,
			      &a->co2e_kg, &a->imported_kwh, &a->imported_kg, &a->imported_s,
			      &a->energy_kwh[0], &a->energy_kwh[2] };
	const double *y[] = { &b->cpu_time_s, &b->wall_s, &b->gpu_s, &b->it_kwh, &b->facility_kwh,
			      &b->co2e_kg, &b->imported_kwh, &b->imported_kg, &b->imported_s,
			      &b->energy_kwh[0], &b->energy_kwh[2] };
	size_t i;

	assert_int_equal(a->jobs, b->jobs);
	assert_int_equal(a->cpu_time_rows, b->cpu_time_rows);
	assert_int_equal(a->gpu_jobs, b->gpu_jobs);
	assert_int_equal(a->imported_runs, b->imported_runs);
	for (i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		assert_true(fabs(*x[i] - *y[i]) <= 1e-8 * fabs(*x[i]));
	/* The period to the millisecond; none stays none. */
	assert_true(isnan(a->first_start_s) ? isnan(b->first_start_s)
					     : fabs(a->first_start_s - b->first_start_s) < 1e-3);
	assert_true(isnan(a->last_end_s) ? isnan(b->last_end_s)
					  : fabs(a->last_end_s - b->last_end_s) < 1e-3);
}

static void test_round_trip(void **state)
{
	struct group_list in, out = { 0 };
	char why[512] = "";
	char *doc;
	size_t i, j;

	(void)state;
	fixture(&in);
	doc = write_doc(&in);
	assert_int_equal(track_block_read(doc, strlen(doc), &out, why, sizeof(why)), 0);
	assert_int_equal(out.n, in.n);
	for (i = 0; i < in.n; i++) {
		struct group *g = group_find(&out, in.g[i].key);

		assert_non_null(g);
		assert_totals_equal(&in.g[i].t, &g->t);
		assert_int_equal(g->sub.n, in.g[i].sub.n);
		for (j = 0; j < in.g[i].sub.n; j++) {
			struct group *u = group_find(&g->sub, in.g[i].sub.g[j].key);

			assert_non_null(u);
			assert_totals_equal(&in.g[i].sub.g[j].t, &u->t);
		}
		/* The timeline's days: each day's kg. */
		assert_int_equal(g->days.n, in.g[i].days.n);
		for (j = 0; j < in.g[i].days.n; j++) {
			struct group *d = group_find(&g->days, in.g[i].days.g[j].key);

			assert_non_null(d);
			assert_true(fabs(d->t.co2e_kg - in.g[i].days.g[j].t.co2e_kg) <=
				    1e-8 * d->t.co2e_kg);
		}
	}
	free(doc);
	group_list_free(&in);
	group_list_free(&out);
}

/* Replace the first from in s by to. */
static char *replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	char *r;

	assert_non_null(at);
	r = malloc(strlen(s) - strlen(from) + strlen(to) + 1);
	assert_non_null(r);
	sprintf(r, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
	return r;
}

static void test_hostile(void **state)
{
	static const struct {
		const char *from, *to;
		const char *says;	/* in the message */
	} cases[] = {
		{ "\"track\"", "\"trick\"", "no \"track\" member" },
		{ "\"version\": 1", "\"version\": 2", "version" },
		{ "\"jobs\": 3", "\"jobs\": -3", "/projects/0/totals/jobs" },
		{ "\"jobs\": 3", "\"jobs\": 3.5", "not a count" },
		{ "\"jobs\": 3", "\"jobs\": 1e300", "not a count" },
		{ "\"jobs\": 3", "\"jobs\": \"3\"", "no number" },
		{ "\"co2e_kg\": 0.0912345678", "\"co2e_kg\": 1e999", "no number" },
		{ "\"co2e_kg\": 0.0912345678", "\"co2e_kg\": -1", "not a figure" },
		{ "\"gpu_jobs\": 1", "\"gpu_jobs\": 9", "more GPU jobs" },
		{ "\"project\": \"alpha\"", "\"project\": \"al\\u001b[2Jpha\"", "control" },
		{ "\"project\": \"alpha\"", "\"project\": \"al\\u0085pha\"", "control" },
		{ "\"project\": \"alpha\"", "\"project\": \"\"", "empty" },
		{ "\"project\": \"alpha\"", "\"project\": 7", "not a name" },
		{ "\"project\": \"alpha\"", "\"project\": null", "track/projects/1: project '-' twice" },
		{ "\"user\": \"ann\"", "\"user\": null", "/users/0/user" },
		{ "\"user\": \"ann\"", "\"user\": \"bob\\u00e9\"", "user 'bob\xc3\xa9' twice" },
		{ "\"user\": \"ann\"", "\"user\": \"ann\xff\"", "not UTF-8" },
		{ "\"users\": [", "\"users\": [1, ", "not an object" },
		{ "\"projects\": [", "\"projects\": [[], ", "not an object" },
		{ "\"jobs\": 4", "\"jobs\": 4,", "not well-formed" },
		{ "\"day\": \"2026-03-02\"", "\"day\": \"2026-13-02\"", "not a day" },
		{ "\"day\": \"2026-03-02\"", "\"day\": \"../../etc\"", "not a day" },
		{ "\"day\": \"2026-03-02\"", "\"day\": \"2026-03-04\"", "day '2026-03-04' twice" },
		{ "\"co2e_kg\": 0.05", "\"co2e_kg\": -0.05", "/days/0/co2e_kg" },
		{ "\"last_end_s\": 1772611200.000", "\"last_end_s\": 1e300", "not a time" },
		{ "\"last_end_s\": 1772611200.000", "\"last_end_s\": -1", "not a figure" },
		/* A member twice: readers differ on which counts, so neither does. */
		{ "\"track\": {", "\"track\": {}, \"track\": {", "statement/track: twice" },
		{ "\"version\": 1", "\"version\": 1, \"version\": 2", "track/version: twice" },
		{ "\"project\": \"alpha\"", "\"project\": \"alpha\", \"project\": \"beta\"",
		  "track/projects/0/project: twice" },
		{ "\"jobs\": 3", "\"jobs\": 3, \"jobs\": 4", "track/projects/0/totals/jobs: twice" },
		{ "\"cpu\": ", "\"cpu\": 1, \"cpu\": ", "totals/energy_kwh/cpu: twice" },
		{ "\"user\": \"ann\"", "\"\\u0075ser\": \"ann\", \"user\": \"x\"",
		  "track/projects/0/users/0/user: twice" },
		{ "\"day\": \"2026-03-02\"", "\"day\": \"2026-03-02\", \"day\": \"2026-03-03\"",
		  "days/0/day: twice" },
		/* The shapes: each member where the block has it. */
		{ "\"totals\": {", "\"t\": {", "track/projects/0/totals is not an object" },
		{ "\"energy_kwh\": {", "\"energy_kwh\": 0, \"e\": {", "no object of each domain" },
		{ "\"cpu\": ", "\"c\": ", "energy_kwh/cpu: no number" },
		{ "\"users\": [", "\"users\": {}, \"u\": [", "users is not an array" },
		{ "\"days\": [", "\"days\": [null, ", "track/projects/0/days/0 is not an object" },
		{ "\"projects\": [", "\"projects\": {}, \"p\": [", "track/projects is not an array" },
		{ "\"track\": {", "\"track\": [], \"t\": {", "no \"track\" member" },
	};
	struct group_list in;
	char *doc;
	size_t i;

	(void)state;
	fixture(&in);
	doc = write_doc(&in);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct group_list out = { 0 };
		char why[512] = "";
		char *bad = replace(doc, cases[i].from, cases[i].to);

		if (track_block_read(bad, strlen(bad), &out, why, sizeof(why)) != -1 ||
		    !strstr(why, cases[i].says))
			fail_msg("case %zu (%s -> %s): got '%s'", i, cases[i].from, cases[i].to, why);
		group_list_free(&out);
		free(bad);
	}
	free(doc);
	group_list_free(&in);
}

/* More groups than TRACK_BLOCK_MAX_GROUPS: refused, not read slowly. */
static void test_too_many(void **state)
{
	struct group_list in = { 0 }, out = { 0 };
	char why[512] = "", name[32];
	char *doc;
	int i;

	(void)state;
	for (i = 0; i <= TRACK_BLOCK_MAX_GROUPS; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		assert_non_null(group_get(&in, name));
	}
	doc = write_doc(&in);
	assert_int_equal(track_block_read(doc, strlen(doc), &out, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "more than"));
	free(doc);
	group_list_free(&in);
	group_list_free(&out);
}

/* The checks a statement's lists get (report/aggregate.c): a key twice,
 * the keyless group included, and the users over all projects. */
static void test_once(void **state)
{
	static const struct {
		const char *keys[5];	/* "-": the keyless group; NULL ends */
		int twice;
		const char *key;	/* the key found twice */
	} cases[] = {
		{ { NULL }, 0, NULL },
		{ { "a", NULL }, 0, NULL },
		{ { "b", "a", "-", "c", NULL }, 0, NULL },
		{ { "b", "a", "c", "a", NULL }, 1, "a" },
		{ { "-", "a", "-", NULL }, 1, "-" },
		{ { "a", "A", "a ", NULL }, 0, NULL },
	};
	const struct group *first, *second;
	struct group_list l, projects = { 0 };
	size_t i, j, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&l, 0, sizeof(l));
		for (j = 0; cases[i].keys[j]; j++)
			assert_non_null(group_add(&l, strcmp(cases[i].keys[j], "-") ? cases[i].keys[j]
										  : NULL));
		assert_int_equal(group_list_twice(&l, &first, &second), cases[i].twice);
		if (cases[i].twice) {
			assert_true(first < second);
			assert_string_equal(second->key ? second->key : "-", cases[i].key);
			assert_true(first->key ? second->key && !strcmp(first->key, second->key)
					       : !second->key);
		}
		group_list_free(&l);
	}
	/* Users over projects: ann in both counts once. */
	assert_int_equal(group_list_sub_keys(&projects, &n), 0);
	assert_int_equal(n, 0);
	assert_non_null(group_add(&group_add(&projects, "p")->sub, "ann"));
	assert_non_null(group_add(&projects.g[0].sub, "bob"));
	assert_non_null(group_add(&group_add(&projects, "q")->sub, "ann"));
	assert_non_null(group_add(&projects.g[1].sub, NULL));
	assert_int_equal(group_list_sub_keys(&projects, &n), 0);
	assert_int_equal(n, 3);
	group_list_free(&projects);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

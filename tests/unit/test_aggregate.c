/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The groups of summary and track (report/aggregate.c): group_get and
 * group_find through the list's index of keys, with many keys, keys that
 * share a slot, keys that are not there, the index growing, and the sorts
 * and group_add keeping it true. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "aggregate.h"

/* The slot an empty list of 16 slots puts key in: where its hash lands. */
static size_t home_slot(const char *key)
{
	struct group_list l = { 0 };
	size_t i, home = SIZE_MAX;

	assert_non_null(group_add(&l, key));
	assert_int_equal(l.n_slots, 16);
	for (i = 0; i < l.n_slots; i++)
		if (l.slot[i])
			home = i;
	group_list_free(&l);
	assert_true(home != SIZE_MAX);
	return home;
}

/* Many keys: each got once, at its place in the order it came; a second
 * get returns the same group; keys never added are not found. */
static void test_many(void **state)
{
	struct group_list l = { 0 };
	char key[32];
	size_t i, n = 100000;

	(void)state;
	assert_null(group_find(&l, "x"));
	assert_null(group_find(&l, NULL));
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "project-%zu", i);
		assert_non_null(group_get(&l, key));
		assert_int_equal(l.n, i + 1);
		assert_true(l.n_slots >= 2 * l.n);
	}
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "project-%zu", i);
		assert_ptr_equal(group_get(&l, key), &l.g[i]);
		assert_ptr_equal(group_find(&l, key), &l.g[i]);
		assert_string_equal(l.g[i].key, key);
		snprintf(key, sizeof(key), "project-%zu", n + i);
		assert_null(group_find(&l, key));
	}
	assert_int_equal(l.n, n);
	assert_null(group_find(&l, NULL));
	assert_null(group_find(&l, ""));
	assert_null(group_find(&l, "project-"));
	group_list_free(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.slot);
	assert_int_equal(l.n_slots, 0);
}

/* Keys that all land on one slot, including the last one so that probing
 * wraps: each found at its place, as are absent keys of that slot; then
 * they stay found as the index grows past 16 slots. */
static void test_colliding(void **state)
{
	struct group_list l = { 0 };
	struct group *g;
	char keys[7][16], absent[3][16], key[16];
	size_t want = 15, k = 0, a = 0, i;

	(void)state;
	for (i = 0; k < 7 || a < 3; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		if (home_slot(key) != want)
			continue;
		if (k < 7)
			strcpy(keys[k++], key);
		else
			strcpy(absent[a++], key);
	}
	for (k = 0; k < 7; k++) {
		/* group_get may move l.g: take its place after. */
		g = group_get(&l, keys[k]);
		assert_ptr_equal(g, &l.g[k]);
	}
	assert_int_equal(l.n_slots, 16);
	/* Seven keys of slot 15: its chain wrapped to slots 0-5. */
	for (i = 0; i < 6; i++)
		assert_int_equal(l.slot[i], i + 2);
	assert_int_equal(l.slot[15], 1);
	for (k = 0; k < 7; k++)
		assert_ptr_equal(group_find(&l, keys[k]), &l.g[k]);
	for (a = 0; a < 3; a++)
		assert_null(group_find(&l, absent[a]));
	assert_null(group_find(&l, NULL));
	/* The keyless group and the empty key are two groups. */
	g = group_get(&l, NULL);
	assert_ptr_equal(g, &l.g[7]);
	g = group_get(&l, "");
	assert_ptr_equal(g, &l.g[8]);
	assert_int_equal(l.n_slots, 32);
	assert_null(l.g[7].key);
	assert_string_equal(l.g[8].key, "");
	for (k = 0; k < 7; k++)
		assert_ptr_equal(group_get(&l, keys[k]), &l.g[k]);
	for (a = 0; a < 3; a++)
		assert_null(group_find(&l, absent[a]));
	assert_ptr_equal(group_find(&l, NULL), &l.g[7]);
	assert_ptr_equal(group_find(&l, ""), &l.g[8]);
	assert_int_equal(l.n, 9);
	group_list_free(&l);
}

/* group_add puts a key in twice: group_find finds the first, in the order
 * of the list, also after sorting; the sorts keep the index true. */
static void test_add_and_sort(void **state)
{
	struct group_list l = { 0 };
	const struct group *first, *second;
	char key[32];
	size_t i, n = 1000;

	(void)state;
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "u%04zu", n - 1 - i);
		assert_non_null(group_add(&l, key));
		l.g[i].t.co2e_kg = (double)i;
	}
	assert_non_null(group_add(&l, NULL));
	assert_non_null(group_add(&l, "u0500"));
	l.g[n + 1].t.co2e_kg = 1e6;
	assert_ptr_equal(group_find(&l, "u0500"), &l.g[n - 1 - 500]);
	assert_int_equal(group_list_twice(&l, &first, &second), 1);
	assert_string_equal(first->key, "u0500");
	assert_ptr_equal(second, &l.g[n + 1]);

	group_list_sort_by_key(&l);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "u%04zu", i);
		assert_ptr_equal(group_find(&l, key), &l.g[i + (i > 500)]);
	}
	assert_ptr_equal(group_find(&l, NULL), &l.g[n + 1]);

	/* By CO2e: the second u0500 (1e6 kg) first, then u0000 (n - 1 kg). */
	group_list_sort_by_co2e(&l);
	assert_ptr_equal(group_find(&l, "u0500"), &l.g[0]);
	assert_ptr_equal(group_find(&l, "u0000"), &l.g[1]);
	for (i = 0; i < l.n; i++)
		if (l.g[i].key && strcmp(l.g[i].key, "u0500"))
			assert_ptr_equal(group_find(&l, l.g[i].key), &l.g[i]);
	assert_null(group_find(&l, "u1000"));
	group_list_free(&l);
}

/* Groups within groups: each sub list has its own index, which moves with
 * its group when the outer list grows; group_list_sub_keys counts keys. */
static void test_sub(void **state)
{
	struct group_list l = { 0 };
	char key[32];
	size_t i, j, n;

	(void)state;
	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "p%zu", i);
		for (j = 0; j < 20; j++) {
			char user[32];

			snprintf(user, sizeof(user), "user%zu", (i + j) % 50);
			assert_non_null(group_get(&group_get(&l, key)->sub, user));
		}
	}
	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "p%zu", i);
		assert_int_equal(group_find(&l, key)->sub.n, 20);
		snprintf(key, sizeof(key), "user%zu", (i + 19) % 50);
		assert_ptr_equal(group_find(&l.g[i].sub, key), &l.g[i].sub.g[19]);
		assert_null(group_find(&l.g[i].sub, "user50"));
	}
	assert_int_equal(group_list_sub_keys(&l, &n), 0);
	assert_int_equal(n, 50);
	group_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_colliding),
		cmocka_unit_test(test_add_and_sort),
		cmocka_unit_test(test_sub),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The record's one list of fields (lib/record_fields.c) against the SQL
 * type it is written for (carbon.step_in, sql/013), and the rows of
 * carbon.put_rows: escaping, NULLs of absent groups, numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "record_fields.h"

/* The field names of "CREATE TYPE carbon.step_in AS (...)" in FILE, in
 * order, into names (at most max); returns how many, -1 when not found. */
static int sql_type_fields(const char *file, char names[][64], int max)
{
	char line[512];
	int n = -1;
	FILE *fp = fopen(file, "r");

	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		char name[64];

		if (n < 0) {
			if (strstr(line, "CREATE TYPE carbon.step_in AS ("))
				n = 0;
			continue;
		}
		if (line[0] == ')')
			break;
		if (sscanf(line, " %63[a-z_]", name) == 1 && n < max)
			strcpy(names[n++], name);
	}
	fclose(fp);
	return n;
}

static void test_fields_match_sql(void **state)
{
	const char *top = getenv("top_srcdir");
	char path[1024], names[64][64];
	int n;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/sql/013_write_path.sql", top ? top : ".");
	n = sql_type_fields(path, names, 64);
	if (n < 0)
		fail_msg("cannot read carbon.step_in from %s", path);
	assert_int_equal((size_t)n, record_field_count);
	for (i = 0; i < record_field_count; i++)
		if (strcmp(names[i], record_fields[i].name))
			fail_msg("field %zu: C says %s, SQL says %s", i, record_fields[i].name,
				 names[i]);
}

static struct step_record *sample(void)
{
	static struct step_record r;

	memset(&r, 0, sizeof(r));
	strcpy(r.cluster, "c1");
	r.job_id = 42;
	strcpy(r.step, "batch");
	strcpy(r.node, "n1");
	r.uid = 1001;
	strcpy(r.user, "alice");
	strcpy(r.account, "acct\"x\\y\nz\xff");
	strcpy(r.tag, "run3");
	r.start_s = 1795773600.5;
	r.end_s = 1795777200.0;
	r.energy_j[DOMAIN_CPU] = 12.5;
	r.samples = 3;
	strcpy(r.method, "rapl");
	return &r;
}

/* The array literal of carbon.put_rows: a record a quoted element, each
 * text quoted for the record and escaped again for the array, NULL empty. */
static void test_literal_row(void **state)
{
	struct record_rows rows = RECORD_ROWS_INIT;
	struct step_record *r = sample();
	const char *lit;

	(void)state;
	assert_string_equal(record_rows_literal(&rows), "{}");
	strcpy(r->account, "a\"b\\c");
	assert_int_equal(record_rows_add_literal(&rows, r), 0);
	assert_int_equal(record_rows_add_literal(&rows, r), 0);
	lit = record_rows_literal(&rows);
	assert_non_null(lit);
	assert_non_null(strstr(lit, "{\"(\\\"c1\\\",42,\\\"batch\\\","));
	/* a"b\c: the quote and the backslash each \\\ before them */
	assert_non_null(strstr(lit, "\\\"a\\\\\\\"b\\\\\\\\c\\\""));
	assert_non_null(strstr(lit, ",2026-11-27 10:00:00.500000+00,"));
	assert_non_null(strstr(lit, ",f,,,,,"));	/* partial, then the NULL job_*_j */
	assert_non_null(strstr(lit, ")\",\"("));
	assert_int_equal(lit[strlen(lit) - 1], '}');
	/* A record of an older plugin: its later groups are NULL. */
	assert_non_null(strstr(lit, ",,,,,)\"}"));	/* hours, hardware, exit */

	/* Control characters and bytes above 0x7e, a number that is not
	 * finite, the groups present. */
	record_rows_reset(&rows);
	assert_string_equal(record_rows_literal(&rows), "{}");
	strcpy(r->account, "acct\nz\xff");
	r->has_job = true;
	r->job_j[DOMAIN_GPU] = INFINITY;
	r->has_exit = true;
	r->exit_status = 768;
	assert_int_equal(record_rows_add_literal(&rows, r), 0);
	lit = record_rows_literal(&rows);
	assert_non_null(strstr(lit, "\\\"acct?z?\\\""));
	assert_non_null(strstr(lit, ",NaN,"));
	assert_non_null(strstr(lit, ",\\\"[]\\\","));	/* no hour bucket yet */
	assert_non_null(strstr(lit, ",768)\"}"));
	assert_int_equal(rows.n, 1);
	record_rows_free(&rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_match_sql),
		cmocka_unit_test(test_literal_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

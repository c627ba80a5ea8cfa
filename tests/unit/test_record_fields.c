/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The record's one list of fields (lib/record_fields.c) against the SQL
 * type it is written for (carbon.step_in, sql/013 and later), and the rows of
 * carbon.put_rows: escaping, NULLs of absent groups, numbers. */
#include <glob.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "record_fields.h"

/* The field names of carbon.step_in as the migrations in DIR make it, in
 * order: "CREATE TYPE carbon.step_in AS (...)", then each "ALTER TYPE
 * carbon.step_in ADD ATTRIBUTE name" of a later migration. Into names (at
 * most max); returns how many, -1 when the type is not found. */
static int sql_type_fields(const char *dir, char names[][64], int max)
{
	glob_t g;
	size_t f;
	int n = -1;
	char pattern[1100];

	snprintf(pattern, sizeof(pattern), "%s/[0-9][0-9][0-9]_*.sql", dir);
	if (glob(pattern, 0, NULL, &g) != 0)
		return -1;
	for (f = 0; f < g.gl_pathc; f++) {
		char line[512], name[64];
		bool in_type = false;
		FILE *fp = fopen(g.gl_pathv[f], "r");

		if (!fp)
			continue;
		while (fgets(line, sizeof(line), fp)) {
			if (strstr(line, "CREATE TYPE carbon.step_in AS (")) {
				n = 0;
				in_type = true;
			} else if (in_type) {
				if (line[0] == ')')
					in_type = false;
				else if (sscanf(line, " %63[a-z_]", name) == 1 && n < max)
					strcpy(names[n++], name);
			} else if (n >= 0 && n < max &&
				   sscanf(line, "ALTER TYPE carbon.step_in ADD ATTRIBUTE %63[a-z_]",
					  name) == 1) {
				strcpy(names[n++], name);
			}
		}
		fclose(fp);
	}
	globfree(&g);
	return n;
}

static void test_fields_match_sql(void **state)
{
	const char *top = getenv("top_srcdir");
	char path[1024], names[64][64];
	int n;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/sql", top ? top : ".");
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
	assert_non_null(strstr(lit, ",,,,,,)\"}"));	/* hours, hardware, exit, start */

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
	r->job_start_s = 1795773000.0;
	assert_int_equal(record_rows_add_literal(&rows, r), 0);
	lit = record_rows_literal(&rows);
	assert_non_null(strstr(lit, ",768,)\",\"("));	/* no job start: NULL */
	assert_non_null(strstr(lit, ",768,2026-11-27 09:50:00.000000+00)\"}"));
	assert_int_equal(rows.n, 2);
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

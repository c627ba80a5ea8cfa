/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sources of db sync-users: lines of `sacctmgr -n -P show associations
 * format=cluster,account,user` and user,project CSV files; what is taken,
 * what is skipped, what is refused (and why), hostile names first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "participants.h"

static void test_assoc_lines(void **state)
{
	static const struct {
		const char *line;
		enum assoc_line_result result;
		const char *user, *project;
		const char *why;	/* a word of *why, for ASSOC_LINE_BAD */
	} cases[] = {
		{ "hpc1|neuclir|alice", ASSOC_LINE_OK, "alice", "neuclir", NULL },
		{ "hpc1|chem-2|bob.smith", ASSOC_LINE_OK, "bob.smith", "chem-2", NULL },
		{ "hpc1|a|_svc@EXAMPLE.ORG", ASSOC_LINE_OK, "_svc@EXAMPLE.ORG", "a", NULL },
		{ "hpc1|trec:2026/run+1|u1", ASSOC_LINE_OK, "u1", "trec:2026/run+1", NULL },
		/* an account's own association; Slurm's root account */
		{ .line = "hpc1|neuclir|", .result = ASSOC_LINE_SKIP },
		{ .line = "hpc1|root|root", .result = ASSOC_LINE_SKIP },
		{ .line = "hpc1|root|", .result = ASSOC_LINE_SKIP },
		/* refused, every field where it enters */
		{ .line = "", .result = ASSOC_LINE_BAD, .why = "3 fields" },
		{ .line = "hpc1|neuclir", .result = ASSOC_LINE_BAD, .why = "3 fields" },
		{ .line = "hpc1|neuclir|alice|x", .result = ASSOC_LINE_BAD, .why = "3 fields" },
		{ .line = "hpc1|neuclir|al|ice", .result = ASSOC_LINE_BAD, .why = "'|' in a name" },
		{ .line = "|neuclir|alice", .result = ASSOC_LINE_BAD, .why = "cluster" },
		{ .line = "hp c1|neuclir|alice", .result = ASSOC_LINE_BAD, .why = "cluster" },
		{ .line = "hpc1||alice", .result = ASSOC_LINE_BAD, .why = "account" },
		{ .line = "hpc1|neu clir|alice", .result = ASSOC_LINE_BAD, .why = "account" },
		{ .line = "hpc1|x';DROP TABLE t;--|alice", .result = ASSOC_LINE_BAD, .why = "account" },
		{ .line = "hpc1|neuclir|al ice", .result = ASSOC_LINE_BAD, .why = "user" },
		{ .line = "hpc1|neuclir|alice\"", .result = ASSOC_LINE_BAD, .why = "user" },
		{ .line = "hpc1|neuclir|x\";DROP ROLE postgres;--", .result = ASSOC_LINE_BAD, .why = "user" },
		{ .line = "hpc1|neuclir|-alice", .result = ASSOC_LINE_BAD, .why = "user" },
		{ .line = "hpc1|neuclir|../etc", .result = ASSOC_LINE_BAD, .why = "user" },
		{ .line = "hpc1|neuclir|pg_monitor", .result = ASSOC_LINE_BAD, .why = "pg_" },
		{ .line = "hpc1|neuclir|PG_x", .result = ASSOC_LINE_BAD, .why = "pg_" },
		{ .line = "hpc1|neuclir|\xc3\xa9mile", .result = ASSOC_LINE_BAD, .why = "user" },
		{ .line = "hpc1|neuclir|"
			  "u123456789u123456789u123456789u123456789u123456789u123456789u123",
		  .result = ASSOC_LINE_BAD, .why = "63" },
		{ .line = "hpc1|"
			  "a123456789a123456789a123456789a123456789a123456789a123456789a1234|u",
		  .result = ASSOC_LINE_BAD, .why = "64" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct participant p;
		const char *why = NULL;
		enum assoc_line_result r = participants_parse_assoc(cases[i].line, &p, &why);

		if (r != cases[i].result)
			fail_msg("case %zu: result %d, expected %d (%s)", i, r, cases[i].result,
				 why ? why : "");
		if (r == ASSOC_LINE_OK) {
			assert_string_equal(p.user, cases[i].user);
			assert_string_equal(p.project, cases[i].project);
		}
		if (r == ASSOC_LINE_BAD && !strstr(why, cases[i].why))
			fail_msg("case %zu: why lacks \"%s\": %s", i, cases[i].why, why);
	}
	/* The longest names that fit. */
	{
		struct participant p;
		const char *why = NULL;

		assert_int_equal(participants_parse_assoc(
			"hpc1|a123456789a123456789a123456789a123456789a123456789a123456789a123|"
			"u123456789u123456789u123456789u123456789u123456789u123456789u12", &p, &why),
			ASSOC_LINE_OK);
		assert_int_equal(strlen(p.user), 63);
		assert_int_equal(strlen(p.project), 64);
	}
}

static int read_text(const char *text, struct participant_list *l, char *err, size_t n)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	int rc;

	assert_non_null(fp);
	rc = participants_read_csv(fp, "users.csv", l, err, n);
	fclose(fp);
	return rc;
}

static void test_csv(void **state)
{
	struct participant_list l = { 0 };
	char err[512] = "";

	(void)state;
	assert_int_equal(read_text("user,project\nalice,neuclir\r\n\"bob\", chem\ncarl,\n", &l, err,
				   sizeof(err)), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].user, "alice");
	assert_string_equal(l.v[0].project, "neuclir");
	assert_string_equal(l.v[1].user, "bob");
	assert_string_equal(l.v[1].project, "chem");
	assert_string_equal(l.v[2].user, "carl");
	assert_string_equal(l.v[2].project, "");
	/* Columns by name, in either order. */
	assert_int_equal(read_text("project,user\npb,dora\n", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[3].user, "dora");
	assert_string_equal(l.v[3].project, "pb");
	/* A header alone: nobody (a sync then removes everyone it made). */
	assert_int_equal(read_text("user,project\n", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 4);
	participants_free(&l);
}

static void test_csv_refused(void **state)
{
	static const struct {
		const char *text;
		const char *must[2];
	} cases[] = {
		{ "", { "users.csv:", "header user,project" } },
		{ "name,project\n", { "users.csv:1:", "header" } },
		{ "user,project,extra\n", { "users.csv:1:", "header" } },
		{ "user,user\n", { "users.csv:1:", "header" } },
		{ "user\n", { "users.csv:1:", "header" } },
		{ "user,project\nalice,pa\nbob\n", { "users.csv:3:", "2 fields" } },
		{ "user,project\nalice,pa,x\n", { "users.csv:2:", "2 fields" } },
		{ "user,project\n,pa\n", { "users.csv:2:", "user" } },
		{ "user,project\n\"x\"\";DROP ROLE postgres;--\",pa\n", { "users.csv:2:", "user" } },
		{ "user,project\n\"al ice\",pa\n", { "users.csv:2:", "user" } },
		{ "user,project\n\"a,b\",pa\n", { "users.csv:2:", "user" } },
		{ "user,project\npg_read_server_files,pa\n", { "users.csv:2:", "pg_" } },
		{ "user,project\nalice,\"p'a\"\n", { "users.csv:2:", "project" } },
		{ "user,project\nalice,p a\n", { "users.csv:2:", "project" } },
		{ "user,project\nalice,\"pa\n", { "users.csv:2:", "quote" } },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct participant_list l = { 0 };
		char err[512] = "";

		if (read_text(cases[i].text, &l, err, sizeof(err)) == 0)
			fail_msg("case %zu accepted", i);
		if (l.n != 0)
			fail_msg("case %zu: %zu rows kept from a refused file", i, l.n);
		if (!strstr(err, cases[i].must[0]) || !strstr(err, cases[i].must[1]))
			fail_msg("case %zu: \"%s\" lacks \"%s\" or \"%s\"", i, err,
				 cases[i].must[0], cases[i].must[1]);
		participants_free(&l);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assoc_lines),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

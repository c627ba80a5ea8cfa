/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Label validation (DESIGN §3.2), step names and UTC timestamps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "record.h"

static void test_labels(void **state)
{
	static const struct {
		const char *label;
		int valid;
	} cases[] = {
		{ "neuclir-run3", 1 },
		{ "team.a_b:c+d/e-f", 1 },
		{ "x", 1 },
		{ "", 0 },
		{ "x;drop table", 0 },
		{ "x drop", 0 },
		{ "it's", 0 },
		{ "tag\n", 0 },
		{ "ümlaut", 0 },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1 },  /* 64 */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0 }, /* 65 */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = "unset";
		int got = label_is_valid(cases[i].label, &why);

		if (got != cases[i].valid)
			fail_msg("label_is_valid(\"%s\") = %d, want %d", cases[i].label,
				 got, cases[i].valid);
		if (got)
			assert_null(why);
		else
			assert_non_null(why);
	}
}

static void test_label_reasons(void **state)
{
	const char *why;
	char long_label[101];

	(void)state;
	memset(long_label, 'a', 100);
	long_label[100] = '\0';
	assert_false(label_is_valid(long_label, &why));
	assert_string_equal(why, "it is longer than 64 characters");
	assert_false(label_is_valid("x;drop table", &why));
	assert_non_null(strstr(why, "letters, digits"));
}

static void test_step_names(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(step_id_name(0xfffffffbu, buf, sizeof(buf)), "batch");
	assert_string_equal(step_id_name(0xfffffffcu, buf, sizeof(buf)), "extern");
	assert_string_equal(step_id_name(0xfffffffau, buf, sizeof(buf)), "interactive");
	assert_string_equal(step_id_name(0, buf, sizeof(buf)), "0");
	assert_string_equal(step_id_name(17, buf, sizeof(buf)), "17");
}

/* Energy over an interval is cut at UTC hour boundaries, in proportion. */
static void test_hours(void **state)
{
	static struct step_record r;
	double j[DOMAIN_COUNT] = { 100.0, 10.0, 0.0, 0.0 };
	double none[DOMAIN_COUNT] = { 0 };
	uint32_t i;

	(void)state;
	memset(&r, 0, sizeof(r));
	/* 10:45 to 13:15: a quarter, two whole hours, a quarter. */
	record_add_hours(&r, 1795776300.0, 1795785300.0, j);
	assert_int_equal(r.n_hours, 4);
	assert_int_equal(r.hours[0].hour, 1795773600);
	assert_true(fabs(r.hours[0].j[DOMAIN_CPU] - 10.0) < 1e-9);
	assert_true(fabs(r.hours[1].j[DOMAIN_CPU] - 40.0) < 1e-9);
	assert_true(fabs(r.hours[3].j[DOMAIN_DRAM] - 1.0) < 1e-9);
	/* The next interval continues the last bucket. */
	record_add_hours(&r, 1795785300.0, 1795785400.0, j);
	assert_int_equal(r.n_hours, 4);
	assert_true(fabs(r.hours[3].j[DOMAIN_CPU] - 110.0) < 1e-9);
	/* An instant lands in its hour. */
	record_add_hours(&r, 1795791600.0, 1795791600.0, j);
	assert_int_equal(r.n_hours, 5);
	/* Past the last bucket: the rest goes to the last one, and notes say so. */
	memset(&r, 0, sizeof(r));
	for (i = 0; i < RECORD_MAX_HOURS + 2; i++)
		record_add_hours(&r, 3600.0 * i, 3600.0 * i + 1, i < RECORD_MAX_HOURS ? none : j);
	assert_int_equal(r.n_hours, RECORD_MAX_HOURS);
	assert_true(fabs(r.hours[RECORD_MAX_HOURS - 1].j[DOMAIN_CPU] - 200.0) < 1e-9);
	assert_non_null(strstr(r.notes, "last hour"));
}

/* The step keeps its worst task end: a signal over a non-zero exit over 0;
 * between two of a kind, the first seen (worse is strict). wait(2) status:
 * code << 8 for an exit, the signal number for a kill. */
static void test_exit_worse(void **state)
{
	static const struct {
		int b, a;
		bool worse;
	} cases[] = {
		{ 1 << 8, 0, true },	/* exit 1 over exit 0 */
		{ 0, 1 << 8, false },
		{ 9, 3 << 8, true },	/* SIGKILL over exit 3 */
		{ 3 << 8, 15, false },
		{ 15, 0, true },
		{ 2 << 8, 1 << 8, false },	/* the first non-zero stays */
		{ 9, 15, false },	/* the first signal stays */
		{ 0, 0, false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (exit_status_worse(cases[i].b, cases[i].a) != cases[i].worse)
			fail_msg("case %zu: %#x worse than %#x should be %d", i, cases[i].b,
				 cases[i].a, cases[i].worse);
}

/* The one check of texts that reach a record, a file name or a log line
 * from outside root's control: which pass, by kind and length. */
static void test_text_is_safe(void **state)
{
	static const struct {
		const char *text;
		size_t max;
		enum record_text_kind kind;
		int safe;
	} cases[] = {
		{ "physics", 127, RECORD_TEXT_NAME, 1 },
		{ "c1", 63, RECORD_TEXT_NAME, 1 },
		{ "gpu-node_07.cluster", 63, RECORD_TEXT_NAME, 1 },
		{ "_svc", 63, RECORD_TEXT_NAME, 1 },
		{ "alice@example.org", 63, RECORD_TEXT_NAME, 1 },
		{ "", 63, RECORD_TEXT_NAME, 0 },
		{ "acct\nslurm-carbon spool 1\njob_id=1", 127, RECORD_TEXT_NAME, 0 },
		{ "acct\n", 127, RECORD_TEXT_NAME, 0 },
		{ "../../x", 63, RECORD_TEXT_NAME, 0 },
		{ "..", 63, RECORD_TEXT_NAME, 0 },
		{ ".hidden", 63, RECORD_TEXT_NAME, 0 },
		{ "a/b", 63, RECORD_TEXT_NAME, 0 },
		{ "-rf", 63, RECORD_TEXT_NAME, 0 },
		{ "two words", 63, RECORD_TEXT_NAME, 0 },
		{ "back\\slash", 63, RECORD_TEXT_NAME, 0 },
		{ "caf\xc3\xa9", 63, RECORD_TEXT_NAME, 0 },
		{ "abc", 3, RECORD_TEXT_NAME, 1 },
		{ "abcd", 3, RECORD_TEXT_NAME, 0 },
		{ "neuclir-run3", 64, RECORD_TEXT_LABEL, 1 },
		{ "team/a:b+c", 64, RECORD_TEXT_LABEL, 1 },
		{ "run\n3", 64, RECORD_TEXT_LABEL, 0 },
		{ "run3", 3, RECORD_TEXT_LABEL, 0 },
		{ "0,1", 1023, RECORD_TEXT_GPU_LIST, 1 },
		{ "0-3", 1023, RECORD_TEXT_GPU_LIST, 1 },
		{ "GPU-8e6d0b2a-1c1f-4b7e-9f6c-2a5b4e1d3c7f,MIG-1/2/3", 1023, RECORD_TEXT_GPU_LIST, 1 },
		{ "0\n1", 1023, RECORD_TEXT_GPU_LIST, 0 },
		{ "0 1", 1023, RECORD_TEXT_GPU_LIST, 0 },
		{ "", 1023, RECORD_TEXT_GPU_LIST, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = "unset";
		int got = record_text_is_safe(cases[i].text, cases[i].max, cases[i].kind, &why);

		if (got != cases[i].safe)
			fail_msg("case %zu: record_text_is_safe = %d, want %d", i, got, cases[i].safe);
		if (got)
			assert_null(why);
		else if (!why || strchr(why, '\n'))
			fail_msg("case %zu: no reason, or a reason that is not one line", i);
	}
	assert_true(record_text_is_safe("x", 1, RECORD_TEXT_NAME, NULL));
	/* Longer than max, however long: found without reading it all. */
	{
		static char huge[1 << 16];

		memset(huge, 'a', sizeof(huge) - 1);
		assert_false(record_text_is_safe(huge, 127, RECORD_TEXT_NAME, NULL));
	}
}

static void test_text_printable(void **state)
{
	char s[] = "Intel(R) Xeon\t\\ caf\xc3\xa9\x7f @ 2GHz";

	(void)state;
	assert_string_equal(record_text_printable(s), "Intel(R) Xeon?? caf??? @ 2GHz");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_label_reasons),
		cmocka_unit_test(test_step_names),
		cmocka_unit_test(test_hours),
		cmocka_unit_test(test_exit_worse),
		cmocka_unit_test(test_text_is_safe),
		cmocka_unit_test(test_text_printable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

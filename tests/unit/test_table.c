/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of report/table.c: amounts in units people read, four
 * significant digits without exponents, and sacct's -P, -n and -o. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "table.h"

struct amount_case {
	double v;
	enum table_unit unit;
	const char *want;
};

static const struct amount_case amounts[] = {
	{ 0.0, TABLE_KWH, "0 kWh" },
	{ 0.0, TABLE_KG, "0 kg" },
	{ 1.64, TABLE_KWH, "1.640 kWh" },
	{ 1234.5, TABLE_KG, "1234.5 kg" },
	{ 0.02208, TABLE_KWH, "22.08 Wh" },
	{ 2.208e-05, TABLE_KWH, "22.08 mWh" },
	{ 0.01047, TABLE_KG, "10.47 g" },
	{ 1.047e-05, TABLE_KG, "10.47 mg" },
	{ 0.4, TABLE_KWH, "400.0 Wh" },
	{ 0.1406, TABLE_KG, "140.6 g" },
	{ 3.8e-05, TABLE_KWH, "38.00 mWh" },
	{ 3.8e-08, TABLE_KWH, "38.00 µWh" },
	{ 1.2341e-05, TABLE_KG, "12.34 mg" },
	{ 1.2341e-08, TABLE_KG, "12.34 µg" },
	{ 5.5e-09, TABLE_KWH, "5.500 µWh" },
	{ 7.25e-09, TABLE_KG, "7.250 µg" },
	/* below 1 µ: in µ, still without an exponent */
	{ 5e-13, TABLE_KWH, "0.0005000 µWh" },
	/* what rounds to 1.000 stays in the larger unit; 999.9 does not */
	{ 0.99996, TABLE_KWH, "1.000 kWh" },
	{ 0.99994, TABLE_KWH, "999.9 Wh" },
	{ 0.00099996, TABLE_KG, "1.000 g" },
	{ 1.0, TABLE_KG, "1.000 kg" },
	{ 1e-3, TABLE_KG, "1.000 g" },
};

static void test_amount(void **state)
{
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++) {
		table_amount(amounts[i].v, amounts[i].unit, buf, sizeof(buf));
		if (strcmp(buf, amounts[i].want))
			fail_msg("table_amount(%g): got '%s', want '%s'", amounts[i].v, buf,
				 amounts[i].want);
	}
}

struct sig4_case {
	double v;
	const char *want;
};

static const struct sig4_case sig4s[] = {
	{ 0.0, "0" },
	{ 1.64, "1.640" },
	{ 0.008333, "0.008333" },
	{ 0.0002778, "0.0002778" },
	{ 1.047e-05, "0.00001047" },
	{ 1e-05, "0.00001000" },
	{ 9.99996e-05, "0.0001000" },
	{ 999.9, "999.9" },
	{ 999.97, "1000.0" },
	{ 1234.5, "1234.5" },
	{ -1.047e-05, "-0.00001047" },
};

static void test_sig4(void **state)
{
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sig4s) / sizeof(sig4s[0]); i++) {
		table_sig4(sig4s[i].v, buf, sizeof(buf));
		if (strcmp(buf, sig4s[i].want))
			fail_msg("table_sig4(%g): got '%s', want '%s'", sig4s[i].v, buf,
				 sig4s[i].want);
	}
}

/* ---- sacct's -P, -n, -o ------------------------------------------------------ */

static const struct table_column cols[] = {
	{ .header = "JOBID", .right = true, .hidden = true },
	{ .header = "STEP" },
	{ .header = "IT", .right = true },
	{ .header = "wall h", .right = true, .name = "wall-h" },
};

#define N_COLS (sizeof(cols) / sizeof(cols[0]))

/* The table of two rows printed as the options say, markdown or text; NULL
 * when -o is refused. */
static char *printed(const char *opts, const char *fields, bool markdown)
{
	struct table_style s;
	struct table t;
	char *out = NULL;
	size_t n;
	FILE *fp;

	table_style_init(&s);
	for (; *opts; opts++)
		table_style_option(&s, *opts, NULL);
	if (fields)
		table_style_option(&s, 'o', fields);
	if (table_style_columns(&s, cols, N_COLS, "test") < 0)
		return NULL;
	table_init(&t, cols, N_COLS);
	assert_int_equal(table_add_row(&t), 0);
	table_cell(&t, 0, "4242");
	table_cell(&t, 1, "batch");
	table_cell(&t, 2, "22.08 Wh");
	table_cell(&t, 3, "1.000");
	assert_int_equal(table_add_row(&t), 0);
	table_cell(&t, 0, "4242");
	table_cell(&t, 1, "total");
	table_cell(&t, 2, "1.640 kWh");
	fp = open_memstream(&out, &n);
	assert_non_null(fp);
	if (markdown)
		table_print_markdown(&t, &s, fp);
	else
		table_print_text(&t, &s, fp);
	fclose(fp);
	table_free(&t);
	table_style_free(&s);
	return out;
}

struct style_case {
	const char *name;
	const char *opts;	/* of "Pn" */
	const char *fields;	/* -o; NULL: none */
	bool markdown;
	const char *want;	/* NULL: refused */
};

static const struct style_case styles[] = {
	{ "aligned, the hidden column left out", "", NULL, false,
	  "STEP          IT  wall h\n"
	  "batch   22.08 Wh   1.000\n"
	  "total  1.640 kWh\n" },
	{ "-n: no header", "n", NULL, false,
	  "batch   22.08 Wh  1.000\n"
	  "total  1.640 kWh\n" },
	{ "-P: '|' between cells, none after, no padding", "P", NULL, false,
	  "STEP|IT|wall h\n"
	  "batch|22.08 Wh|1.000\n"
	  "total|1.640 kWh|\n" },
	{ "-P -n", "Pn", NULL, false,
	  "batch|22.08 Wh|1.000\n"
	  "total|1.640 kWh|\n" },
	{ "-o: in the order named, any case, a hidden column too", "P", "it,JobId,Step", false,
	  "IT|JOBID|STEP\n"
	  "22.08 Wh|4242|batch\n"
	  "1.640 kWh|4242|total\n" },
	{ "-o: a header with a blank by its name or as written", "P", "WALL-H,wall h", false,
	  "wall h|wall h\n"
	  "1.000|1.000\n"
	  "|\n" },
	{ "-o: a column twice", "", "step,step", false,
	  "STEP   STEP\n"
	  "batch  batch\n"
	  "total  total\n" },
	{ "-o in Markdown", "", "step,it", true,
	  "| STEP | IT |\n"
	  "|:---|---:|\n"
	  "| batch | 22.08 Wh |\n"
	  "| total | 1.640 kWh |\n" },
	{ "-o: an unknown name is refused", "", "step,kwh", false, NULL },
	{ "-o: an empty name is refused", "", "step,,it", false, NULL },
	{ "-o: nothing is refused", "", "", false, NULL },
};

static void test_style(void **state)
{
	size_t i;
	char *got;

	(void)state;
	for (i = 0; i < sizeof(styles) / sizeof(styles[0]); i++) {
		const struct style_case *c = &styles[i];

		print_message("# %s\n", c->name);
		got = printed(c->opts, c->fields, c->markdown);
		if (!c->want) {
			if (got)
				fail_msg("%s: printed '%s', want a refusal", c->name, got);
			continue;
		}
		if (!got)
			fail_msg("%s: refused", c->name);
		if (strcmp(got, c->want))
			fail_msg("%s: got\n%s\nwant\n%s", c->name, got, c->want);
		free(got);
	}
}

static void test_notes(void **state)
{
	struct table_style s;

	(void)state;
	table_style_init(&s);
	assert_ptr_equal(table_style_notes(NULL), stdout);
	assert_ptr_equal(table_style_notes(&s), stdout);
	assert_false(table_style_given(&s));
	assert_int_equal(table_style_option(&s, 'o', "a"), 1);
	assert_true(table_style_given(&s));
	assert_ptr_equal(table_style_notes(&s), stdout);
	assert_int_equal(table_style_option(&s, 'n', NULL), 1);
	assert_ptr_equal(table_style_notes(&s), stderr);
	assert_int_equal(table_style_option(&s, 'j', "1"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amount),
		cmocka_unit_test(test_sig4),
		cmocka_unit_test(test_style),
		cmocka_unit_test(test_notes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

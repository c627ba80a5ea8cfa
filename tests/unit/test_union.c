/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of report/union.c: a job's nested steps are counted once. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "union.h"

#define MAX_SPANS 6
#define EPS 1e-12

struct span_case {
	const char *name;
	struct step_span spans[MAX_SPANS];
	size_t n;
	double fraction[MAX_SPANS];	/* expected */
};

#define S(node, a, b) { node, a, b, true }
#define NONE(node, a, b) { node, a, b, false }

static const struct span_case cases[] = {
	{ "one step counts whole",
	  { S("n01", 0, 100) }, 1, { 1 } },
	{ "nested steps: only the outer batch step counts",
	  { S("n01", 0, 100), S("n01", 10, 40), S("n01", 50, 90) }, 3, { 1, 0, 0 } },
	{ "nested, given inner first",
	  { S("n01", 50, 90), S("n01", 10, 40), S("n01", 0, 100) }, 3, { 0, 0, 1 } },
	{ "sequential steps add up",
	  { S("n01", 0, 10), S("n01", 10, 30), S("n01", 40, 50) }, 3, { 1, 1, 1 } },
	{ "partial overlap counts the uncovered share",
	  { S("n01", 0, 10), S("n01", 5, 15) }, 2, { 1, 0.5 } },
	{ "overlapping steps: each counts what earlier-starting ones left",
	  { S("n01", 0, 10), S("n01", 20, 30), S("n01", 5, 25) }, 3, { 1, 0.5, 0.75 } },
	{ "same start: the longer one is the outer step",
	  { S("n01", 0, 90), S("n01", 0, 100) }, 2, { 0, 1 } },
	{ "extern around batch around steps",
	  { S("n01", 0, 101), S("n01", 0.5, 100), S("n01", 10, 40) }, 3, { 1, 0, 0 } },
	{ "nodes are independent",
	  { S("n01", 0, 100), S("n02", 10, 40), S("n01", 10, 40), S("n02", 30, 60) },
	  4, { 1, 1, 0, 2.0 / 3.0 } },
	{ "a step without counters covers nothing and counts nothing",
	  { NONE("n01", 0, 100), S("n01", 10, 40), S("n01", 30, 50) }, 3, { 0, 1, 0.5 } },
	{ "zero-length step outside any other counts",
	  { S("n01", 0, 10), S("n01", 20, 20) }, 2, { 1, 1 } },
	{ "zero-length step inside another does not",
	  { S("n01", 0, 10), S("n01", 5, 5) }, 2, { 1, 0 } },
	{ "identical windows: the first counts",
	  { S("n01", 0, 10), S("n01", 0, 10) }, 2, { 1, 0 } },
	{ "no spans",
	  { { 0 } }, 0, { 0 } },
};

static void assert_close(double got, double want, double eps)
{
	if (fabs(got - want) > eps)
		fail_msg("got %.12g, want %.12g", got, want);
}

static void test_fractions(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct span_case *c = &cases[i];
		double got[MAX_SPANS] = { -1, -1, -1, -1, -1, -1 };

		print_message("# %s\n", c->name);
		assert_int_equal(span_union_fractions(c->spans, c->n, got), 0);
		for (k = 0; k < c->n; k++)
			assert_close(got[k], c->fraction[k], EPS);
	}
}

/* The batch step's energy is the job's: 100 s at 300 W with two srun steps
 * inside gives 30 kJ, not 30 + 9 + 12 kJ. */
static void test_job_energy_equals_outer_step(void **state)
{
	const struct step_span spans[] = {
		S("n01", 0, 100), S("n01", 10, 40), S("n01", 50, 90),
	};
	const double energy_j[] = { 30000, 9000, 12000 };
	double f[3], total = 0;
	size_t i;

	(void)state;
	assert_int_equal(span_union_fractions(spans, 3, f), 0);
	for (i = 0; i < 3; i++)
		total += energy_j[i] * f[i];
	assert_close(total, 30000, 1e-6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fractions),
		cmocka_unit_test(test_job_energy_equals_outer_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

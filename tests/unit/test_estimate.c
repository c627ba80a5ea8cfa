/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of report/estimate.c: NeuCLIR's own example reproduced from the
 * tables of data/, and bad input refused with a message. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "estimate.h"

/* The g/kWh data/intensity_cloud.csv ships for zone, or NAN. */
static double shipped_intensity(const char *zone)
{
	const char *top = getenv("top_srcdir");
	char path[4096], line[512];
	size_t n = strlen(zone);
	double g = NAN;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/data/intensity_cloud.csv", top ? top : ".");
	fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp))
		if (!strncmp(line, zone, n) && line[n] == ',') {
			g = strtod(strchr(line + n + 1, ',') + 1, NULL);
			break;
		}
	fclose(fp);
	return g;
}

/* NeuCLIR's page ("Tracking Carbon Emissions for your NeuCLIR Submission")
 * says two weeks of a p4d.24xlarge in us-east-1 emit "~250 kg CO2 eq.", as
 * the ML CO2 Impact calculator gives it. Its assumptions, each stated:
 *  - hardware: 8 NVIDIA A100 GPUs; the calculator takes the A100 PCIe, whose
 *    TDP is 250 W (data/gpu_tdp.csv); the CPUs are not counted;
 *  - time: two weeks, 14 x 24 = 336 h, each GPU at its TDP all the time;
 *  - PUE: 1.0 (the calculator's table gives no PUE for AWS regions);
 *  - place: aws:us-east-1 at 367.8 g/kWh, eGRID 2016 as the calculator has
 *    it (data/intensity_cloud.csv).
 * 8 x 250 W x 336 h = 672 kWh; x 367.8 g/kWh = 247.16 kg. */
static void test_neuclir_example(void **state)
{
	struct estimate_input in = { .gpu = "A100 PCIe", .gpu_count = 8, .hours = 336, .pue = 1.0 };
	struct estimate e;
	char err[512];
	double g = shipped_intensity("aws:us-east-1");

	(void)state;
	assert_true(g == 367.8);
	assert_int_equal(estimate_energy(&in, &e, err, sizeof(err)), 0);
	assert_true(e.gpu_w == 250.0);
	assert_string_equal(e.gpu_model, "NVIDIA A100 PCIe");
	assert_true(fabs(e.gpu_kwh - 672.0) < 1e-9);
	assert_true(e.cpu_kwh == 0.0);
	assert_true(fabs(e.facility_kwh - 672.0) < 1e-9);
	assert_true(fabs(estimate_co2e_kg(&e, g) - 247.1616) < 1e-9);
	/* "~250 kg": within the page's rounding. */
	assert_true(fabs(estimate_co2e_kg(&e, g) - 250.0) < 5.0);
}

/* CPUs add their sockets' TDP; the PUE multiplies the IT energy. */
static void test_cpu_and_pue(void **state)
{
	struct estimate_input in = { .gpu = "H100 PCIe", .gpu_count = 4, .cpu = "AMD EPYC 7763",
				     .cpu_count = 2, .hours = 10, .pue = 1.5 };
	struct estimate e;
	char err[512];

	(void)state;
	assert_int_equal(estimate_energy(&in, &e, err, sizeof(err)), 0);
	assert_true(e.gpu_w == 350.0);
	assert_true(e.cpu_w > 0);
	assert_true(fabs(e.gpu_kwh - 4 * 350.0 * 10 / 1000) < 1e-9);
	assert_true(fabs(e.cpu_kwh - 2 * e.cpu_w * 10 / 1000) < 1e-9);
	assert_true(fabs(e.facility_kwh - 1.5 * (e.gpu_kwh + e.cpu_kwh)) < 1e-9);
}

static void test_unknown_hardware(void **state)
{
	struct estimate_input in = { .gpu = "Quantum Flux 9000", .gpu_count = 1, .hours = 1,
				     .pue = 1.0 };
	struct estimate_input none = { .hours = 1, .pue = 1.0 };
	struct estimate e;
	char err[512];

	(void)state;
	assert_int_equal(estimate_energy(&in, &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'Quantum Flux 9000' is not in the GPU TDP table"));
	in = (struct estimate_input){ .cpu = "'; DROP TABLE x; --", .cpu_count = 1, .hours = 1,
				      .pue = 1.0 };
	assert_int_equal(estimate_energy(&in, &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not in the CPU TDP table"));
	assert_int_equal(estimate_energy(&none, &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "name the hardware"));
}

/* Negative hours, absurd counts, not numbers: each refused, saying why. */
static void test_bad_numbers(void **state)
{
	static const struct {
		const char *opt, *s;
		double lo, hi;
		int integer;
		const char *why;
	} bad[] = {
		{ "--hours", "-336", ESTIMATE_MIN_HOURS, ESTIMATE_MAX_HOURS, 0, "out of range" },
		{ "--hours", "0", ESTIMATE_MIN_HOURS, ESTIMATE_MAX_HOURS, 0, "out of range" },
		{ "--hours", "1e6", ESTIMATE_MIN_HOURS, ESTIMATE_MAX_HOURS, 0, "out of range" },
		{ "--hours", "nan", ESTIMATE_MIN_HOURS, ESTIMATE_MAX_HOURS, 0, "not a number" },
		{ "--hours", "inf", ESTIMATE_MIN_HOURS, ESTIMATE_MAX_HOURS, 0, "not a number" },
		{ "--hours", "336h", ESTIMATE_MIN_HOURS, ESTIMATE_MAX_HOURS, 0, "not a number" },
		{ "--hours", "", ESTIMATE_MIN_HOURS, ESTIMATE_MAX_HOURS, 0, "not a number" },
		{ "--count", "0", 1, (double)ESTIMATE_MAX_COUNT, 1, "out of range" },
		{ "--count", "-8", 1, (double)ESTIMATE_MAX_COUNT, 1, "out of range" },
		{ "--count", "1000000000", 1, (double)ESTIMATE_MAX_COUNT, 1, "out of range" },
		{ "--count", "99999999999999999999999", 1, (double)ESTIMATE_MAX_COUNT, 1, "out of range" },
		{ "--count", "2.5", 1, (double)ESTIMATE_MAX_COUNT, 1, "not a whole number" },
		{ "--pue", "0.5", ESTIMATE_MIN_PUE, ESTIMATE_MAX_PUE, 0, "out of range" },
		{ "--pue", "50", ESTIMATE_MIN_PUE, ESTIMATE_MAX_PUE, 0, "out of range" },
	};
	char err[512];
	double v = -1;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(estimate_number(bad[i].opt, bad[i].s, bad[i].lo, bad[i].hi,
						 bad[i].integer, &v, err, sizeof(err)), -1);
		assert_non_null(strstr(err, bad[i].why));
		assert_non_null(strstr(err, "give one from"));
	}
	assert_true(v == -1);
	assert_int_equal(estimate_number("--hours", "336", ESTIMATE_MIN_HOURS, ESTIMATE_MAX_HOURS, 0,
					 &v, err, sizeof(err)), 0);
	assert_true(v == 336.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_neuclir_example),
		cmocka_unit_test(test_cpu_and_pue),
		cmocka_unit_test(test_unknown_hardware),
		cmocka_unit_test(test_bad_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

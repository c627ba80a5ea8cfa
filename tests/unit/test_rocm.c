/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ROCm SMI sensor against the ROCm SMI test double (tests/fixtures):
 * discovery, the energy accumulator and power-only GPUs, a failing
 * driver, a library that is not ROCm SMI, no library at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "sensor_rocm.h"

static char double_path[512];
static char other_path[512];	/* a library that is not ROCm SMI */

static int find_double(void **state)
{
	const char *b = getenv("top_builddir");

	(void)state;
	snprintf(double_path, sizeof(double_path), "%s/tests/fixtures/.libs/librocm_smi64.so.1",
		 b ? b : ".");
	snprintf(other_path, sizeof(other_path), "%s/tests/fixtures/.libs/libnvidia-ml.so.1",
		 b ? b : ".");
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Two GPUs: one with the energy accumulator, one with power only. */
static void test_counter_and_power(void **state)
{
	struct rocm r;
	char err[256] = "";
	uint64_t e0, e1, uw;
	double t0, t1, truth_uj;
	struct timespec nap = { 0, 200 * 1000 * 1000 };

	(void)state;
	setenv("ROCM_DOUBLE_GPUS", "counter:300,power:150", 1);
	unsetenv("ROCM_DOUBLE_FAIL");
	if (rocm_open(&r, double_path, err, sizeof(err)) != 2)
		fail_msg("rocm_open: %s", err);
	assert_true(r.gpu[0].has_energy);
	assert_false(r.gpu[1].has_energy);
	assert_true(r.gpu[0].resolution_uj > 15.2 && r.gpu[0].resolution_uj < 15.3);
	assert_int_equal(r.gpu[1].index, 1);
	assert_string_equal(r.gpu[1].name, "Simulated AMD GPU 1");
	assert_string_equal(r.gpu[0].uuid, "GPU-9c8e1b2a63a51c00");
	assert_int_equal(r.gpu[1].unique_id, 0x9c8e1b2a63a51c01ULL);
	assert_int_equal(r.gpu[1].pci_bdf, 0xc200);

	t0 = now_s();
	assert_int_equal(rocm_read_energy_uj(&r, 0, &e0), 0);
	nanosleep(&nap, NULL);
	assert_int_equal(rocm_read_energy_uj(&r, 0, &e1), 0);
	t1 = now_s();
	/* 300 W for the time between the readings, within that time's bounds */
	truth_uj = 300 * (t1 - t0) * 1e6;
	assert_true(e1 > e0);
	assert_true((double)(e1 - e0) <= truth_uj + 100);
	assert_true((double)(e1 - e0) > 300 * 0.2 * 1e6 - 100);

	assert_int_equal(rocm_read_energy_uj(&r, 1, &e0), -1);	/* power only */
	assert_int_equal(rocm_read_power_uw(&r, 1, &uw), 0);
	assert_int_equal(uw, 150000000);
	assert_int_equal(rocm_read_power_uw(&r, 0, &uw), 0);
	assert_int_equal(uw, 300000000);
	assert_int_equal(rocm_read_energy_uj(&r, 7, &e0), -1);	/* no such GPU */
	assert_int_equal(rocm_read_power_uw(&r, 7, &uw), -1);
	rocm_close(&r);
	assert_null(r.lib);
	rocm_close(&r);		/* twice is fine */
}

/* Every GPU power-only (before MI200): found, measured by power. */
static void test_power_mode(void **state)
{
	struct rocm r;
	char err[256] = "";
	uint64_t uw, uj;
	unsigned i;

	(void)state;
	setenv("ROCM_DOUBLE_GPUS", "power:250,power:90.5", 1);
	if (rocm_open(&r, double_path, err, sizeof(err)) != 2)
		fail_msg("rocm_open: %s", err);
	for (i = 0; i < r.n; i++) {
		assert_false(r.gpu[i].has_energy);
		assert_int_equal(rocm_read_energy_uj(&r, i, &uj), -1);
	}
	assert_int_equal(rocm_read_power_uw(&r, 1, &uw), 0);
	assert_int_equal(uw, 90500000);
	rocm_close(&r);
}

static void test_failing_driver(void **state)
{
	struct rocm r;
	char err[256] = "";

	(void)state;
	setenv("ROCM_DOUBLE_FAIL", "1", 1);
	assert_int_equal(rocm_open(&r, double_path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "rsmi_init: RSMI_STATUS_INIT_ERROR"));
	assert_null(r.lib);
	unsetenv("ROCM_DOUBLE_FAIL");
}

static void test_not_rocm_smi(void **state)
{
	struct rocm r;
	char err[256] = "";

	(void)state;
	assert_int_equal(rocm_open(&r, other_path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ROCm SMI library lacks rsmi_init"));
	assert_null(r.lib);
}

static void test_no_library(void **state)
{
	struct rocm r;
	char err[256] = "";

	(void)state;
	assert_int_equal(rocm_open(&r, "/nonexistent/librocm_smi64.so.1", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "no ROCm SMI"));
	assert_non_null(strstr(err, "AMD GPUs are not measured"));
	assert_int_equal(r.n, 0);
	rocm_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_and_power),
		cmocka_unit_test(test_power_mode),
		cmocka_unit_test(test_failing_driver),
		cmocka_unit_test(test_not_rocm_smi),
		cmocka_unit_test(test_no_library),
	};

	return cmocka_run_group_tests(tests, find_double, NULL);
}

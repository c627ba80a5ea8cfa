/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The NVML sensor against the NVML test double (tests/fixtures): discovery,
 * counter and power-only GPUs, MIG, a failing driver, no library at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "sensor_nvml.h"

static char double_path[512];

static int find_double(void **state)
{
	const char *b = getenv("top_builddir");

	(void)state;
	snprintf(double_path, sizeof(double_path), "%s/tests/fixtures/.libs/libnvidia-ml.so.1",
		 b ? b : ".");
	return 0;
}

static void test_discovery_and_counters(void **state)
{
	struct nvml nv;
	char err[256] = "";
	uint64_t e0, e1;
	uint32_t mw;
	struct timespec nap = { 0, 200 * 1000 * 1000 };

	(void)state;
	setenv("NVML_DOUBLE_GPUS", "counter:300,power:150,mig:100", 1);
	unsetenv("NVML_DOUBLE_FAIL");
	if (nvml_open(&nv, double_path, err, sizeof(err)) != 3)
		fail_msg("nvml_open: %s", err);
	assert_true(nv.gpu[2].mig);
	assert_false(nv.gpu[0].mig);
	assert_string_equal(nv.gpu[1].name, "Simulated GPU 1");
	assert_non_null(strstr(nv.gpu[0].uuid, "GPU-"));

	assert_int_equal(nvml_read_energy_mj(&nv, 0, &e0), 0);
	nanosleep(&nap, NULL);
	assert_int_equal(nvml_read_energy_mj(&nv, 0, &e1), 0);
	/* 300 W for about 0.2 s: about 60 J */
	assert_true(e1 - e0 > 55000 && e1 - e0 < 80000);
	assert_int_equal(nvml_read_energy_mj(&nv, 1, &e0), -1);	/* power only */
	assert_int_equal(nvml_read_power_mw(&nv, 1, &mw), 0);
	assert_int_equal(mw, 150000);
	assert_int_equal(nvml_read_energy_mj(&nv, 7, &e0), -1);	/* no such GPU */
	nvml_close(&nv);
	assert_null(nv.lib);
}

static void test_failing_driver(void **state)
{
	struct nvml nv;
	char err[256] = "";

	(void)state;
	setenv("NVML_DOUBLE_FAIL", "1", 1);
	assert_int_equal(nvml_open(&nv, double_path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Driver Not Loaded"));
	assert_null(nv.lib);
	unsetenv("NVML_DOUBLE_FAIL");
}

static void test_no_library(void **state)
{
	struct nvml nv;
	char err[256] = "";

	(void)state;
	assert_int_equal(nvml_open(&nv, "/nonexistent/libnvidia-ml.so.1", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "no NVML"));
	nvml_close(&nv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discovery_and_counters),
		cmocka_unit_test(test_failing_driver),
		cmocka_unit_test(test_no_library),
	};

	return cmocka_run_group_tests(tests, find_double, NULL);
}

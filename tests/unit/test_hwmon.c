/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The hwmon node meter against hwmon trees built in a temporary directory:
 * the ACPI power meter in the old (device/) and new layouts, energy
 * counters preferred to power, µW to W, the averaged-power rule, several
 * meters, absent and unreadable files. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sensor_hwmon.h"
#include "sysfs_tree.h"

#define assert_near(a, b, eps) do { \
		double a_ = (a), b_ = (b); \
		if (!(fabs(a_ - b_) <= (eps))) \
			fail_msg("%s is %.9g, expected %.9g", #a, a_, b_); \
	} while (0)

/* A hwmon device dir (under tree_root) called name. */
static void mkdevice(const char *dir, const char *name)
{
	char rel[512], text[64];

	tree_mkdirs(dir);
	snprintf(rel, sizeof(rel), "%s/name", dir);
	snprintf(text, sizeof(text), "%s\n", name);
	tree_put(rel, text);
}

static int open_at(struct hwmon *hw, const char *rel, const char *name, char *err,
		   size_t errlen)
{
	char root[512];

	tree_path(root, sizeof(root), rel);
	return hwmon_open(hw, root, name, NULL, err, errlen);
}

/* acpi_power_meter as older kernels show it: the class device has no
 * name; the attributes sit on the ACPI device. Other hwmon devices around. */
static void test_acpi_power_meter(void **state)
{
	struct hwmon hw;
	uint64_t v0[HWMON_MAX_METERS], v1[HWMON_MAX_METERS];
	char err[256] = "";

	(void)state;
	mkdevice("acpi/hwmon0", "coretemp");
	tree_put_u64("acpi/hwmon0", "temp1_input", 45000);
	mkdevice("acpi/hwmon1", "nvme");
	tree_put_u64("acpi/hwmon1", "power1_input", 9000000);	/* not ours */
	mkdevice("acpi/hwmon2/device", "power_meter");
	tree_put_u64("acpi/hwmon2/device", "power1_average", 350000000);
	tree_put_u64("acpi/hwmon2/device", "power1_average_interval", 1000);
	tree_put_u64("acpi/hwmon2/device", "power1_average_interval_min", 1000);
	tree_put_u64("acpi/hwmon2/device", "power1_accuracy", 95000);
	tree_put("acpi/hwmon2/device/power1_is_battery", "0\n");

	if (open_at(&hw, "acpi", NULL, err, sizeof(err)) != 1)
		fail_msg("hwmon_open: %zu meters, %s", hw.n, err);
	assert_int_equal(hw.m[0].kind, HWMON_POWER_AVERAGE);
	assert_string_equal(hw.m[0].dir, "hwmon2/device");
	assert_string_equal(hw.m[0].file, "power1_average");
	assert_near(hw.m[0].window_s, 1.0, 1e-12);
	assert_int_equal(hwmon_read(&hw, v0), 0);
	assert_int_equal(v0[0], 350000000);

	/* 350 W, then 450 W averaged over the last second of 10 s. */
	tree_put_u64("acpi/hwmon2/device", "power1_average", 450000000);
	assert_int_equal(hwmon_read(&hw, v1), 0);
	assert_near(hwmon_node_interval_j(&hw, v0, v1, 10.0),
		    450.0 * 1 + (350.0 + 450.0) / 2 * 9, 1e-9);
	hwmon_close(&hw);
	assert_int_equal(hw.n, 0);
}

/* Newer kernels: name and values on the class device. An energy counter
 * wins over power; two devices of one name add up; hwmon10 sorts after
 * hwmon9. */
static void test_energy_and_several(void **state)
{
	struct hwmon hw;
	uint64_t v0[HWMON_MAX_METERS], v1[HWMON_MAX_METERS];
	char err[256] = "";

	(void)state;
	mkdevice("multi/hwmon9", "node_meter");
	tree_put_u64("multi/hwmon9", "energy1_input", 5000000);
	tree_put_u64("multi/hwmon9", "power1_average", 100000000);
	mkdevice("multi/hwmon10", "node_meter");
	tree_put_u64("multi/hwmon10", "power1_input", 200000000);
	mkdevice("multi/hwmon11", "power_meter");
	tree_put_u64("multi/hwmon11", "power1_average", 1);

	if (open_at(&hw, "multi", "node_meter", err, sizeof(err)) != 2)
		fail_msg("hwmon_open: %zu meters, %s", hw.n, err);
	assert_string_equal(hw.m[0].dir, "hwmon9");
	assert_int_equal(hw.m[0].kind, HWMON_ENERGY);
	assert_string_equal(hw.m[1].dir, "hwmon10");
	assert_int_equal(hw.m[1].kind, HWMON_POWER_INPUT);
	assert_near(hw.m[1].window_s, 0, 0);
	assert_int_equal(hwmon_read(&hw, v0), 0);
	tree_put_u64("multi/hwmon9", "energy1_input", 5000000 + 1500000000ULL);
	tree_put_u64("multi/hwmon10", "power1_input", 220000000);
	assert_int_equal(hwmon_read(&hw, v1), 0);
	/* 1500 J counted, and (200 + 220) / 2 W for 10 s */
	assert_near(hwmon_node_interval_j(&hw, v0, v1, 10.0), 1500 + 2100, 1e-9);

	/* A value that cannot be read keeps its slot and fails the reading. */
	tree_put("multi/hwmon10/power1_input", "garbage\n");
	errno = 0;
	assert_int_equal(hwmon_read(&hw, v1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(v1[1], 220000000);
	hwmon_close(&hw);
}

/* Grace Hopper: four ACPI power meters per module, one holding the rest;
 * the label picks the module ones, from both sockets. */
static void test_grace_hopper(void **state)
{
	static const char *const labels[] = {
		"Module Power Socket 0", "Grace Power Socket 0", "CPU Power Socket 0",
		"SysIO Power Socket 0", "Module Power Socket 1", "Grace Power Socket 1",
	};
	struct hwmon hw;
	char dir[64], root[512], err[256] = "";
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		char rel[128], text[64];

		snprintf(dir, sizeof(dir), "gh/hwmon%zu/device", i + 1);
		mkdevice(dir, "power_meter");
		tree_put_u64(dir, "power1_average", 100000000 * (i + 1));
		tree_put_u64(dir, "power1_average_interval", 50);
		snprintf(rel, sizeof(rel), "%s/power1_oem_info", dir);
		snprintf(text, sizeof(text), "%s\n", labels[i]);
		tree_put(rel, text);
	}
	tree_path(root, sizeof(root), "gh");
	if (hwmon_open(&hw, root, NULL, "Module Power", err, sizeof(err)) != 2)
		fail_msg("hwmon_open: %zu meters, %s", hw.n, err);
	assert_string_equal(hw.m[0].label, "Module Power Socket 0");
	assert_string_equal(hw.m[1].dir, "hwmon5/device");
	assert_near(hw.m[1].window_s, 0.05, 1e-12);
	hwmon_close(&hw);

	assert_int_equal(open_at(&hw, "gh", NULL, err, sizeof(err)), 6);	/* no filter */
	hwmon_close(&hw);
	assert_int_equal(hwmon_open(&hw, root, NULL, "Chassis", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "labelled Chassis"));
}

/* The averaged-power rule, from a table. */
static void test_power_rule(void **state)
{
	const struct {
		const char *what;
		double prev_w, cur_w, dt_s, window_s, joules;
	} cases[] = {
		{ "instantaneous: trapezoid", 100, 300, 10, 0, 2000 },
		{ "steady", 250, 250, 10, 1, 2500 },
		{ "window of 1 s in 10 s", 100, 300, 10, 1, 300 * 1 + 200 * 9 },
		{ "window as long as the interval", 100, 300, 10, 10, 3000 },
		{ "window longer than the interval", 100, 300, 10, 60, 3000 },
		{ "no time", 100, 300, 0, 1, 0 },
		{ "negative window read as 0", 100, 300, 10, -1, 2000 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double j = hwmon_power_interval_j(cases[i].prev_w, cases[i].cur_w,
						  cases[i].dt_s, cases[i].window_s);

		if (fabs(j - cases[i].joules) > 1e-9)
			fail_msg("%s: %.9g J, expected %.9g", cases[i].what, j, cases[i].joules);
	}
}

/* The true power steps; a meter averaging over exactly the sampling
 * interval gives the exact energy, and µW become W on the way. */
static void test_integration(void **state)
{
	const double power_w[] = { 200, 200, 200, 450, 450, 310, 310, 310, 120, 500 };
	const size_t n = sizeof(power_w) / sizeof(power_w[0]);
	struct hwmon_meter avg = { .fd = -1, .kind = HWMON_POWER_AVERAGE, .window_s = 10 };
	struct hwmon_meter input = { .fd = -1, .kind = HWMON_POWER_INPUT };
	struct hwmon_meter counter = { .fd = -1, .kind = HWMON_ENERGY };
	double truth = 0, est = 0;
	uint64_t prev = 200000000;
	size_t i;

	(void)state;
	for (i = 0; i < n; i++) {
		/* the reading at the end of interval i is its mean power */
		uint64_t cur = (uint64_t)(power_w[i] * 1e6);

		truth += power_w[i] * 10;
		est += hwmon_meter_interval_j(&avg, prev, cur, 10);
		prev = cur;
	}
	assert_near(est, truth, 1e-6);

	assert_near(hwmon_meter_interval_j(&input, 350000000, 350000000, 10), 3500, 1e-9);
	assert_near(hwmon_meter_interval_j(&counter, 1000000, 3500000, 10), 2.5, 1e-12);
	/* a counter that went down (driver reloaded) counts nothing */
	assert_near(hwmon_meter_interval_j(&counter, 3500000, 1000, 10), 0, 0);
}

static void test_absent(void **state)
{
	struct hwmon hw;
	char err[256] = "";

	(void)state;
	assert_int_equal(open_at(&hw, "no/such/root", NULL, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "no hwmon device named power_meter"));

	/* Named right, but with nothing to read. */
	mkdevice("novalue/hwmon0", "power_meter");
	tree_put_u64("novalue/hwmon0", "power1_cap", 500000000);
	err[0] = '\0';
	assert_int_equal(open_at(&hw, "novalue", NULL, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "no hwmon device"));
	assert_int_equal(hw.n, 0);
}

static void test_unreadable(void **state)
{
	struct hwmon hw;
	char err[256] = "", path[512];

	(void)state;
	mkdevice("bad/hwmon0", "power_meter");
	tree_put("bad/hwmon0/power1_average", "n/a\n");
	assert_int_equal(open_at(&hw, "bad", NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad/hwmon0/power1_average"));
	assert_non_null(strstr(err, "not a number"));
	assert_int_equal(hw.n, 0);

	/* A directory where the value should be: EISDIR. */
	mkdevice("baddir/hwmon0/device", "power_meter");
	tree_mkdirs("baddir/hwmon0/device/energy1_input");
	err[0] = '\0';
	assert_int_equal(open_at(&hw, "baddir", NULL, err, sizeof(err)), -1);
	tree_path(path, sizeof(path), "baddir/hwmon0/device/energy1_input");
	assert_non_null(strstr(err, path));
	assert_int_equal(hw.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acpi_power_meter),
		cmocka_unit_test(test_energy_and_several),
		cmocka_unit_test(test_grace_hopper),
		cmocka_unit_test(test_power_rule),
		cmocka_unit_test(test_integration),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_unreadable),
	};

	return cmocka_run_group_tests(tests, tree_setup, tree_teardown);
}

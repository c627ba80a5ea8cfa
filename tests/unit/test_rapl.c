/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The RAPL sensor against powercap trees built in a temporary directory:
 * Intel and AMD layouts, the kernel's symlinks, psys, wraps, bad zones and
 * the wrap-period bound on the sampling interval. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "sensor_rapl.h"
#include "sysfs_tree.h"

#define NO_POWER (-1)	/* mkzone: write no constraint_0_max_power_uw */

/* cmocka's assert_float_equal works in float: too coarse for joules. */
#define assert_near(a, b, eps) do { \
		double a_ = (a), b_ = (b); \
		if (!(fabs(a_ - b_) <= (eps))) \
			fail_msg("%s is %.9g, expected %.9g", #a, a_, b_); \
	} while (0)

/* A zone directory tree_root/dir as the kernel fills it. */
static void mkzone(const char *dir, const char *name, uint64_t range_uj,
		   uint64_t energy_uj, long long max_power_uw)
{
	char rel[512], text[64];

	tree_mkdirs(dir);
	snprintf(rel, sizeof(rel), "%s/name", dir);
	snprintf(text, sizeof(text), "%s\n", name);
	tree_put(rel, text);
	tree_put_u64(dir, "max_energy_range_uj", range_uj);
	tree_put_u64(dir, "energy_uj", energy_uj);
	if (max_power_uw >= 0)
		tree_put_u64(dir, "constraint_0_max_power_uw", (uint64_t)max_power_uw);
}

static int open_at(struct rapl *r, const char *rel, bool psys, char *err,
		   size_t errlen)
{
	char root[512];

	tree_path(root, sizeof(root), rel);
	return rapl_open_ex(r, root, psys, err, errlen);
}

static size_t count_domain(const struct rapl *r, enum energy_domain dom)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		n += r->d[i].domain == dom;
	return n;
}

static const struct rapl_domain *find_zone(const struct rapl *r, const char *zone)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->d[i].zone, zone))
			return &r->d[i];
	fail_msg("zone %s not opened", zone);
	return NULL;
}

/* Open file descriptors of this process, to catch a leak on error paths. */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Intel, two sockets, as powercap_sim lays it out: dram nested in its
 * package and also a top-level symlink; core and uncore are skipped. */
static void test_intel_two_sockets(void **state)
{
	struct rapl r;
	char err[256] = "";
	const struct rapl_domain *d;

	(void)state;
	tree_mkdirs("intel/root");
	mkzone("intel/root/intel-rapl:0", "package-0", 262143328850ULL, 1000, NO_POWER);
	mkzone("intel/root/intel-rapl:0/intel-rapl:0:0", "dram", 65712999613ULL, 2000, NO_POWER);
	mkzone("intel/root/intel-rapl:0/intel-rapl:0:1", "core", 262143328850ULL, 3, NO_POWER);
	mkzone("intel/root/intel-rapl:0/intel-rapl:0:2", "uncore", 262143328850ULL, 4, NO_POWER);
	mkzone("intel/root/intel-rapl:1", "package-1", 262143328850ULL, 5000, NO_POWER);
	mkzone("intel/root/intel-rapl:1/intel-rapl:1:0", "dram", 65712999613ULL, 6000, NO_POWER);
	tree_link("intel-rapl:0/intel-rapl:0:0", "intel/root/intel-rapl:0:0");
	tree_link("intel-rapl:0/intel-rapl:0:1", "intel/root/intel-rapl:0:1");
	tree_link("intel-rapl:1/intel-rapl:1:0", "intel/root/intel-rapl:1:0");

	if (open_at(&r, "intel/root", false, err, sizeof(err)) != 4)
		fail_msg("rapl_open_ex: %zu zones, %s", r.n, err);
	assert_int_equal(count_domain(&r, DOMAIN_CPU), 2);
	assert_int_equal(count_domain(&r, DOMAIN_DRAM), 2);
	d = find_zone(&r, "intel-rapl:0");
	assert_string_equal(d->name, "package-0");
	assert_int_equal(d->max_range_uj, 262143328850ULL);
	assert_false(d->psys);
	d = find_zone(&r, "intel-rapl:1:0");
	assert_string_equal(d->name, "dram");
	assert_int_equal(d->domain, DOMAIN_DRAM);
	rapl_close(&r);
	assert_int_equal(r.n, 0);

	/* The old entry point finds the same zones. */
	{
		char root[512];

		tree_path(root, sizeof(root), "intel/root");
		assert_int_equal(rapl_open(&r, root, err, sizeof(err)), 4);
		rapl_close(&r);
	}
}

/* AMD Zen: intel-rapl:N zones named package-N, each with a "core" subzone
 * and no dram. Only the packages count; core is inside them. */
static void test_amd_layout(void **state)
{
	struct rapl r;
	char err[256] = "";
	size_t i;

	(void)state;
	tree_mkdirs("amd/root");
	mkzone("amd/root/intel-rapl:0", "package-0", 65712999613ULL, 100, NO_POWER);
	mkzone("amd/root/intel-rapl:0/intel-rapl:0:0", "core", 65712999613ULL, 50, NO_POWER);
	mkzone("amd/root/intel-rapl:1", "package-1", 65712999613ULL, 200, NO_POWER);
	mkzone("amd/root/intel-rapl:1/intel-rapl:1:0", "core", 65712999613ULL, 60, NO_POWER);
	tree_link("intel-rapl:0/intel-rapl:0:0", "amd/root/intel-rapl:0:0");
	tree_link("intel-rapl:1/intel-rapl:1:0", "amd/root/intel-rapl:1:0");

	if (open_at(&r, "amd/root", false, err, sizeof(err)) != 2)
		fail_msg("rapl_open_ex: %zu zones, %s", r.n, err);
	for (i = 0; i < r.n; i++) {
		assert_int_equal(r.d[i].domain, DOMAIN_CPU);
		assert_non_null(strstr(r.d[i].name, "package-"));
	}
	assert_int_equal(count_domain(&r, DOMAIN_DRAM), 0);
	rapl_close(&r);
}

/* The kernel's own layout: /sys/class/powercap holds symlinks into
 * /sys/devices/virtual/powercap/intel-rapl, the control type's directory,
 * where subzones sit inside their package. Every zone counts once, from
 * either root. */
static void test_kernel_symlinks(void **state)
{
	struct rapl r;
	char err[256] = "";
	static const char dev[] = "../../devices/virtual/powercap/intel-rapl";

	(void)state;
	tree_mkdirs("kern/sys/class/powercap");
	mkzone("kern/sys/devices/virtual/powercap/intel-rapl/intel-rapl:0", "package-0",
	       262143328850ULL, 1, NO_POWER);
	mkzone("kern/sys/devices/virtual/powercap/intel-rapl/intel-rapl:0/intel-rapl:0:0",
	       "dram", 65712999613ULL, 2, NO_POWER);
	mkzone("kern/sys/devices/virtual/powercap/intel-rapl/intel-rapl:1", "package-1",
	       262143328850ULL, 3, NO_POWER);
	mkzone("kern/sys/devices/virtual/powercap/intel-rapl/intel-rapl:1/intel-rapl:1:0",
	       "dram", 65712999613ULL, 4, NO_POWER);
	tree_put("kern/sys/devices/virtual/powercap/intel-rapl/enabled", "1\n");
	{
		char target[256];
		static const char *zones[] = {
			"intel-rapl:0", "intel-rapl:0/intel-rapl:0:0",
			"intel-rapl:1", "intel-rapl:1/intel-rapl:1:0",
		};
		size_t i;

		tree_link(dev, "kern/sys/class/powercap/intel-rapl");
		for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
			char link[128];
			const char *base = strrchr(zones[i], '/');

			snprintf(target, sizeof(target), "%s/%s", dev, zones[i]);
			snprintf(link, sizeof(link), "kern/sys/class/powercap/%s",
				 base ? base + 1 : zones[i]);
			tree_link(target, link);
		}
	}

	if (open_at(&r, "kern/sys/class/powercap", false, err, sizeof(err)) != 4)
		fail_msg("from the class directory: %zu zones, %s", r.n, err);
	assert_int_equal(count_domain(&r, DOMAIN_CPU), 2);
	assert_int_equal(count_domain(&r, DOMAIN_DRAM), 2);
	rapl_close(&r);

	if (open_at(&r, "kern/sys/devices/virtual/powercap/intel-rapl", false, err,
		    sizeof(err)) != 4)
		fail_msg("from the device directory: %zu zones, %s", r.n, err);
	rapl_close(&r);
}

/* A laptop-like node: one package with dram, and a platform zone. */
static void make_psys_tree(void)
{
	tree_mkdirs("psys/root");
	mkzone("psys/root/intel-rapl:0", "package-0", 262143328850ULL, 0, NO_POWER);
	mkzone("psys/root/intel-rapl:0/intel-rapl:0:0", "dram", 262143328850ULL, 0, NO_POWER);
	mkzone("psys/root/intel-rapl:1", "psys", 262143328850ULL, 0, NO_POWER);
	tree_link("intel-rapl:0/intel-rapl:0:0", "psys/root/intel-rapl:0:0");
}

static void set_energies(uint64_t pkg, uint64_t dram, uint64_t psys)
{
	tree_put_u64("psys/root/intel-rapl:0", "energy_uj", pkg);
	tree_put_u64("psys/root/intel-rapl:0/intel-rapl:0:0", "energy_uj", dram);
	tree_put_u64("psys/root/intel-rapl:1", "energy_uj", psys);
}

/* psys is opened only when asked for, flagged, and only its excess over
 * package + dram of the same interval becomes other energy. */
static void test_psys(void **state)
{
	struct rapl r;
	char err[256] = "";
	uint64_t prev[RAPL_MAX_DOMAINS], cur[RAPL_MAX_DOMAINS];
	double j[DOMAIN_COUNT] = { 0 };
	const struct rapl_domain *d;

	(void)state;
	make_psys_tree();
	if (open_at(&r, "psys/root", false, err, sizeof(err)) != 2)
		fail_msg("psys off: %zu zones, %s", r.n, err);
	assert_int_equal(count_domain(&r, DOMAIN_OTHER), 0);
	rapl_close(&r);

	if (open_at(&r, "psys/root", true, err, sizeof(err)) != 3)
		fail_msg("psys on: %zu zones, %s", r.n, err);
	d = find_zone(&r, "intel-rapl:1");
	assert_true(d->psys);
	assert_int_equal(d->domain, DOMAIN_OTHER);
	assert_false(find_zone(&r, "intel-rapl:0")->psys);

	/* 10 J package, 2 J dram, 15 J platform: 3 J elsewhere. */
	set_energies(1000000, 500000, 2000000);
	assert_int_equal(rapl_read_uj(&r, prev), 0);
	set_energies(11000000, 2500000, 17000000);
	assert_int_equal(rapl_read_uj(&r, cur), 0);
	rapl_add_interval_j(&r, prev, cur, j);
	assert_near(j[DOMAIN_CPU], 10.0, 1e-9);
	assert_near(j[DOMAIN_DRAM], 2.0, 1e-9);
	assert_near(j[DOMAIN_OTHER], 3.0, 1e-9);
	assert_near(j[DOMAIN_GPU], 0.0, 0);

	/* psys a little below package + dram (read a moment earlier): other
	 * gains nothing, never loses. */
	memcpy(prev, cur, sizeof(prev));
	set_energies(21000000, 3500000, 27900000);
	assert_int_equal(rapl_read_uj(&r, cur), 0);
	rapl_add_interval_j(&r, prev, cur, j);
	assert_near(j[DOMAIN_CPU], 20.0, 1e-9);
	assert_near(j[DOMAIN_DRAM], 3.0, 1e-9);
	assert_near(j[DOMAIN_OTHER], 3.0, 1e-9);
	rapl_close(&r);
}

/* Counters are read through the descriptors opened at rapl_open, and a
 * reading below the previous one is a wrap at max_energy_range_uj. */
static void test_read_and_wrap(void **state)
{
	struct rapl r;
	char err[256] = "";
	uint64_t prev[RAPL_MAX_DOMAINS], cur[RAPL_MAX_DOMAINS];
	double j[DOMAIN_COUNT] = { 0 };

	(void)state;
	tree_mkdirs("wrap/root");
	mkzone("wrap/root/intel-rapl:0", "package-0", 1000000, 900000, NO_POWER);
	mkzone("wrap/root/intel-rapl:0/intel-rapl:0:0", "dram", 5000000, 100, NO_POWER);
	if (open_at(&r, "wrap/root", false, err, sizeof(err)) != 2)
		fail_msg("rapl_open_ex: %zu zones, %s", r.n, err);
	assert_string_equal(r.d[0].name, "package-0");
	assert_int_equal(rapl_read_uj(&r, prev), 0);
	assert_int_equal(prev[0], 900000);
	assert_int_equal(prev[1], 100);

	/* package: 900000 -> wrap at 1000000 -> 100000 is 200000 µJ */
	tree_put_u64("wrap/root/intel-rapl:0", "energy_uj", 100000);
	tree_put_u64("wrap/root/intel-rapl:0/intel-rapl:0:0", "energy_uj", 400100);
	assert_int_equal(rapl_read_uj(&r, cur), 0);
	assert_int_equal(cur[0], 100000);
	rapl_add_interval_j(&r, prev, cur, j);
	assert_near(j[DOMAIN_CPU], 0.2, 1e-9);
	assert_near(j[DOMAIN_DRAM], 0.4, 1e-9);
	assert_near(j[DOMAIN_OTHER], 0.0, 0);

	/* A counter that stops making sense: -1, and its slot keeps its value. */
	tree_put("wrap/root/intel-rapl:0/energy_uj", "garbage\n");
	tree_put_u64("wrap/root/intel-rapl:0/intel-rapl:0:0", "energy_uj", 500000);
	assert_int_equal(rapl_read_uj(&r, cur), -1);
	assert_int_equal(cur[0], 100000);
	assert_int_equal(cur[1], 500000);
	rapl_close(&r);
}

/* A zone whose counter or range cannot be read fails rapl_open with the
 * file's path and the reason, and leaves nothing open. */
static void test_unreadable_zone(void **state)
{
	static const struct {
		const char *what;	/* how the second package is broken */
		const char *must[2];
	} cases[] = {
		{ "missing", { "intel-rapl:1/energy_uj", "No such file" } },
		{ "directory", { "intel-rapl:1/energy_uj", "Is a directory" } },
		{ "empty", { "intel-rapl:1/energy_uj", "not a number" } },
		{ "no-range", { "intel-rapl:1/max_energy_range_uj", "package-1" } },
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rapl r;
		char err[512] = "", dir[64], rel[128], path[512];
		int fds;

		snprintf(dir, sizeof(dir), "bad%zu/root", i);
		tree_mkdirs(dir);
		snprintf(rel, sizeof(rel), "%s/intel-rapl:0", dir);
		mkzone(rel, "package-0", 262143328850ULL, 1, NO_POWER);
		snprintf(rel, sizeof(rel), "%s/intel-rapl:0/intel-rapl:0:0", dir);
		mkzone(rel, "dram", 65712999613ULL, 1, NO_POWER);
		snprintf(rel, sizeof(rel), "%s/intel-rapl:1", dir);
		mkzone(rel, "package-1", 262143328850ULL, 1, NO_POWER);
		snprintf(rel, sizeof(rel), "%s/intel-rapl:1/%s", dir,
			 !strcmp(cases[i].what, "no-range") ? "max_energy_range_uj" : "energy_uj");
		tree_path(path, sizeof(path), rel);
		assert_int_equal(unlink(path), 0);
		if (!strcmp(cases[i].what, "directory"))
			tree_mkdirs(rel);
		else if (!strcmp(cases[i].what, "empty"))
			tree_put(rel, "");

		fds = open_fds();
		if (open_at(&r, dir, false, err, sizeof(err)) != -1)
			fail_msg("%s: accepted", cases[i].what);
		assert_int_equal(r.n, 0);
		assert_int_equal(open_fds(), fds);
		for (k = 0; k < 2; k++)
			if (!strstr(err, cases[i].must[k]))
				fail_msg("%s: message lacks \"%s\": %s", cases[i].what,
					 cases[i].must[k], err);
	}
}

/* No powercap at all is no error: no zones, no wrap, any interval. */
static void test_no_rapl(void **state)
{
	struct rapl r;
	char err[256] = "", msg[256] = "x";
	int safe = 0;

	(void)state;
	assert_int_equal(open_at(&r, "does-not-exist", false, err, sizeof(err)), 0);
	tree_mkdirs("empty/root");
	tree_mkdirs("empty/root/intel-rapl");	/* a control type with no zone */
	assert_int_equal(open_at(&r, "empty/root", true, err, sizeof(err)), 0);
	assert_true(isinf(rapl_wrap_period_s(&r)));
	assert_int_equal(rapl_check_interval(&r, 3600, &safe, msg, sizeof(msg)), 0);
	assert_int_equal(safe, 3600);
	assert_string_equal(msg, "");
	rapl_close(&r);
}

/* Wrap period = max_energy_range_uj / the largest constraint's max power,
 * or an assumed power where the zone has none; the interval must stay
 * below the shortest one. */
static void test_wrap_period(void **state)
{
	struct rapl r;
	char err[256] = "", msg[512];
	int safe;
	const struct rapl_domain *d;

	(void)state;
	/* package-0: 262143328850 µJ at max(800, 1000) W = 262.1 s;
	 * dram: 65712999613 µJ at an assumed 150 W = 438 s. */
	tree_mkdirs("period/root");
	mkzone("period/root/intel-rapl:0", "package-0", 262143328850ULL, 1, 800000000);
	tree_put_u64("period/root/intel-rapl:0", "constraint_1_max_power_uw", 1000000000);
	tree_put_u64("period/root/intel-rapl:0", "constraint_2_max_power_uw", 0);
	mkzone("period/root/intel-rapl:0/intel-rapl:0:0", "dram", 65712999613ULL, 1, NO_POWER);
	if (open_at(&r, "period/root", false, err, sizeof(err)) != 2)
		fail_msg("rapl_open_ex: %zu zones, %s", r.n, err);
	d = find_zone(&r, "intel-rapl:0");
	assert_near(d->max_power_w, 1000.0, 1e-9);
	assert_false(d->max_power_assumed);
	d = find_zone(&r, "intel-rapl:0:0");
	assert_near(d->max_power_w, RAPL_ASSUMED_DRAM_W, 1e-9);
	assert_true(d->max_power_assumed);
	assert_near(rapl_wrap_period_s(&r), 262.14332885, 1e-6);

	assert_int_equal(rapl_check_interval(&r, 10, &safe, msg, sizeof(msg)), 0);
	assert_int_equal(safe, 10);
	assert_string_equal(msg, "");
	assert_int_equal(rapl_check_interval(&r, 262, &safe, msg, sizeof(msg)), 0);

	assert_int_equal(rapl_check_interval(&r, 600, &safe, msg, sizeof(msg)), -1);
	assert_int_equal(safe, 131);
	assert_string_equal(msg,
		"[sampling] interval = 600 s is longer than the shortest RAPL counter wrap period on this node (262 s for package-0 in intel-rapl:0: max_energy_range_uj 262143328850 at 1000 W); sampling every 131 s instead; set interval ≤ 131");
	assert_int_equal(rapl_check_interval(&r, 263, &safe, msg, sizeof(msg)), -1);
	assert_int_equal(safe, 131);
	rapl_close(&r);

	/* No constraint anywhere: 500 W per package, 150 W per dram assumed;
	 * here the small dram range wraps first (1500 J / 150 W = 10 s). */
	tree_mkdirs("period2/root");
	mkzone("period2/root/intel-rapl:0", "package-0", 262143328850ULL, 1, 0);
	mkzone("period2/root/intel-rapl:0/intel-rapl:0:0", "dram", 1500000000ULL, 1, NO_POWER);
	if (open_at(&r, "period2/root", false, err, sizeof(err)) != 2)
		fail_msg("rapl_open_ex: %zu zones, %s", r.n, err);
	assert_near(find_zone(&r, "intel-rapl:0")->max_power_w,
			   RAPL_ASSUMED_PACKAGE_W, 1e-9);
	assert_near(rapl_wrap_period_s(&r), 10.0, 1e-9);
	assert_int_equal(rapl_check_interval(&r, 10, &safe, msg, sizeof(msg)), -1);
	assert_int_equal(safe, 5);
	assert_non_null(strstr(msg, "interval = 10 s is as long as"));
	assert_non_null(strstr(msg, "10 s for dram in intel-rapl:0:0"));
	assert_non_null(strstr(msg, "max_energy_range_uj 1500000000 at 150 W, assumed"));
	assert_non_null(strstr(msg, "set interval ≤ 5"));
	rapl_close(&r);

	/* A wrap period under 2 s still samples every second. */
	tree_mkdirs("period3/root");
	mkzone("period3/root/intel-rapl:0", "package-0", 1000000, 1, NO_POWER);
	if (open_at(&r, "period3/root", false, err, sizeof(err)) != 1)
		fail_msg("rapl_open_ex: %zu zones, %s", r.n, err);
	assert_int_equal(rapl_check_interval(&r, 1, &safe, msg, sizeof(msg)), -1);
	assert_int_equal(safe, 1);
	rapl_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intel_two_sockets),
		cmocka_unit_test(test_amd_layout),
		cmocka_unit_test(test_kernel_symlinks),
		cmocka_unit_test(test_psys),
		cmocka_unit_test(test_read_and_wrap),
		cmocka_unit_test(test_unreadable_zone),
		cmocka_unit_test(test_no_rapl),
		cmocka_unit_test(test_wrap_period),
	};

	return cmocka_run_group_tests(tests, tree_setup, tree_teardown);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pm_counters sensor against pm_counters directories built in a
 * temporary directory: EX and XC layouts, accelerators, consistent
 * readings, a controller restart, a power cap change, absent and
 * unreadable files. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sensor_pmc.h"
#include "sysfs_tree.h"

/* dir/file = "VALUE UNIT TIMESTAMP us", as the controller writes it. */
static void put_counter(const char *dir, const char *file, uint64_t value,
			const char *unit, uint64_t time_us)
{
	char rel[512], text[96];

	snprintf(rel, sizeof(rel), "%s/%s", dir, file);
	snprintf(text, sizeof(text), "%llu %s %llu us\n", (unsigned long long)value,
		 unit, (unsigned long long)time_us);
	tree_put(rel, text);
}

/* An HPE Cray EX node with four accelerators, at one instant. */
static void ex_node(const char *dir, uint64_t node_j, uint64_t accel_j_each,
		    uint64_t startup, uint64_t generation, uint64_t time_us)
{
	char file[32];
	int k;

	tree_mkdirs(dir);
	put_counter(dir, "energy", node_j, "J", time_us);
	put_counter(dir, "power", 1200, "W", time_us);
	put_counter(dir, "cpu_energy", node_j / 4, "J", time_us);
	put_counter(dir, "cpu_power", 300, "W", time_us);
	put_counter(dir, "memory_energy", node_j / 20, "J", time_us);
	put_counter(dir, "power_cap", 0, "W", time_us);
	for (k = 0; k < 4; k++) {
		snprintf(file, sizeof(file), "accel%d_energy", k);
		put_counter(dir, file, accel_j_each, "J", time_us);
		snprintf(file, sizeof(file), "accel%d_power", k);
		put_counter(dir, file, 200, "W", time_us);
	}
	tree_put_u64(dir, "freshness", time_us / 100000);
	tree_put_u64(dir, "startup", startup);
	tree_put_u64(dir, "generation", generation);
	tree_put_u64(dir, "raw_scan_hz", 10);
	tree_put_u64(dir, "version", 2);
}

static int open_at(struct pmc *p, const char *rel, char *err, size_t errlen)
{
	char root[512];

	tree_path(root, sizeof(root), rel);
	return pmc_open(p, root, err, errlen);
}

static void test_ex_node(void **state)
{
	struct pmc p;
	struct pmc_reading r0, r1;
	struct pmc_interval iv;
	char err[256] = "";

	(void)state;
	ex_node("ex", 5000000, 100000, 1700000000, 3, 1700000000000000ULL);
	if (open_at(&p, "ex", err, sizeof(err)) != 1)
		fail_msg("pmc_open: %s", err);
	assert_int_equal(p.n_accel, 4);
	assert_true(p.cpu_fd >= 0 && p.memory_fd >= 0);
	assert_int_equal(p.scan_hz, 10);
	assert_int_equal(pmc_read(&p, &r0), 0);
	assert_int_equal(r0.node_j, 5000000);
	assert_int_equal(r0.accel_j, 400000);
	assert_int_equal(r0.cpu_j, 1250000);
	assert_int_equal(r0.memory_j, 250000);
	assert_int_equal(r0.time_us, 1700000000000000ULL);
	assert_int_equal(r0.startup, 1700000000);
	assert_int_equal(r0.generation, 3);

	/* 10 s later at 1200 W, 800 W of it in the accelerators. */
	ex_node("ex", 5012000, 102000, 1700000000, 3, 1700000010000000ULL);
	assert_int_equal(pmc_read(&p, &r1), 0);
	pmc_interval(&r0, &r1, &iv);
	assert_false(iv.restarted);
	assert_false(iv.cap_changed);
	assert_true(fabs(iv.node_j - 12000) < 1e-9);
	assert_true(fabs(iv.accel_j - 8000) < 1e-9);
	assert_true(fabs(iv.cpu_j - 3000) < 1e-9);
	assert_true(fabs(iv.memory_j - 600) < 1e-9);
	assert_int_equal(r1.time_us - r0.time_us, 10000000);
	pmc_close(&p);
	assert_int_equal(p.energy_fd, -1);
	pmc_close(&p);		/* twice is fine */
}

static void test_restart_and_cap(void **state)
{
	const struct {
		const char *what;
		uint64_t node_j, startup, generation;
		bool restarted, cap_changed;
		double node_delta_j;
	} cases[] = {
		{ "steady", 1000500, 7, 1, false, false, 500 },
		{ "power cap set", 1000500, 7, 2, false, true, 500 },
		{ "controller restarted", 300, 8, 1, true, false, 300 },
		{ "restarted, startup kept", 200, 7, 1, true, false, 200 },
		{ "restarted and counted past", 1000600, 8, 1, true, false, 1000600 },
	};
	struct pmc_reading prev = { .node_j = 1000000, .startup = 7, .generation = 1 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pmc_reading cur = { .node_j = cases[i].node_j,
					   .startup = cases[i].startup,
					   .generation = cases[i].generation };
		struct pmc_interval iv;

		pmc_interval(&prev, &cur, &iv);
		if (iv.restarted != cases[i].restarted ||
		    iv.cap_changed != cases[i].cap_changed ||
		    fabs(iv.node_j - cases[i].node_delta_j) > 1e-9)
			fail_msg("%s: restarted %d cap_changed %d node %.1f J", cases[i].what,
				 iv.restarted, iv.cap_changed, iv.node_j);
	}
}

/* Through the files too: startup moves, every counter starts from 0. */
static void test_restart_files(void **state)
{
	struct pmc p;
	struct pmc_reading r0, r1;
	struct pmc_interval iv;
	char err[256] = "";

	(void)state;
	ex_node("restart", 9000000, 500000, 100, 1, 1700000000000000ULL);
	if (open_at(&p, "restart", err, sizeof(err)) != 1)
		fail_msg("pmc_open: %s", err);
	assert_int_equal(pmc_read(&p, &r0), 0);
	ex_node("restart", 4000, 250, 101, 1, 1700000010000000ULL);
	assert_int_equal(pmc_read(&p, &r1), 0);
	pmc_interval(&r0, &r1, &iv);
	assert_true(iv.restarted);
	assert_true(fabs(iv.node_j - 4000) < 1e-9);
	assert_true(fabs(iv.accel_j - 1000) < 1e-9);
	pmc_close(&p);
}

/* A node without accelerators, XC's one accel_energy, files without a
 * timestamp, and none of the optional files. */
static void test_layouts(void **state)
{
	struct pmc p;
	struct pmc_reading r;
	char err[256] = "";

	(void)state;
	tree_mkdirs("cpuonly");
	put_counter("cpuonly", "energy", 42, "J", 1);
	tree_put_u64("cpuonly", "freshness", 5);
	if (open_at(&p, "cpuonly", err, sizeof(err)) != 1)
		fail_msg("pmc_open: %s", err);
	assert_int_equal(p.n_accel, 0);
	assert_int_equal(p.cpu_fd, -1);
	assert_int_equal(p.startup_fd, -1);
	assert_int_equal(p.scan_hz, 0);
	assert_int_equal(pmc_read(&p, &r), 0);
	assert_int_equal(r.node_j, 42);
	assert_int_equal(r.accel_j, 0);
	assert_int_equal(r.startup, 0);
	pmc_close(&p);

	tree_mkdirs("xc");
	tree_put("xc/energy", "1234 J\n");
	tree_put("xc/accel_energy", "34 J\n");
	tree_put("xc/accel_power", "5 W\n");
	if (open_at(&p, "xc", err, sizeof(err)) != 1)
		fail_msg("pmc_open: %s", err);
	assert_int_equal(p.n_accel, 1);
	assert_int_equal(pmc_read(&p, &r), 0);
	assert_int_equal(r.node_j, 1234);
	assert_int_equal(r.accel_j, 34);
	assert_int_equal(r.time_us, 0);
	pmc_close(&p);
}

static void test_absent(void **state)
{
	struct pmc p;
	char err[256] = "";

	(void)state;
	assert_int_equal(open_at(&p, "no/such/dir", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "no pm_counters"));
	assert_int_equal(p.energy_fd, -1);

	tree_mkdirs("empty");
	tree_put("empty/power", "100 W 1 us\n");	/* power, but no energy */
	err[0] = '\0';
	assert_int_equal(open_at(&p, "empty", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "empty/energy does not exist"));
}

static void test_unreadable(void **state)
{
	const struct {
		const char *file;	/* made unreadable */
		const char *why;	/* in the message */
	} cases[] = {
		{ "energy", "not a number" },
		{ "memory_energy", "not a number" },
		{ "accel2_energy", "not a number" },
		{ "startup", "not a number" },
		{ "cpu_energy", NULL },		/* a directory: EISDIR */
	};
	struct pmc p;
	char dir[32], rel[64], err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(dir, sizeof(dir), "bad%zu", i);
		ex_node(dir, 100, 10, 1, 1, 1);
		snprintf(rel, sizeof(rel), "%s/%s", dir, cases[i].file);
		if (cases[i].why) {
			tree_put(rel, "garbage\n");
		} else {
			char path[512];

			tree_path(path, sizeof(path), rel);
			assert_int_equal(remove(path), 0);
			tree_mkdirs(rel);
		}
		err[0] = '\0';
		assert_int_equal(open_at(&p, dir, err, sizeof(err)), -1);
		if (!strstr(err, rel) || (cases[i].why && !strstr(err, cases[i].why)))
			fail_msg("%s: %s", cases[i].file, err);
		assert_int_equal(p.energy_fd, -1);	/* nothing left open */
		assert_int_equal(p.accel_fd[0], -1);
	}
}

/* Opened fine, then a counter holds no number: the reading fails. */
static void test_read_error(void **state)
{
	struct pmc p;
	struct pmc_reading r;
	char err[256] = "";

	(void)state;
	ex_node("later", 100, 10, 1, 1, 1);
	if (open_at(&p, "later", err, sizeof(err)) != 1)
		fail_msg("pmc_open: %s", err);
	tree_put("later/accel3_energy", "\n");
	errno = 0;
	assert_int_equal(pmc_read(&p, &r), -1);
	assert_int_equal(errno, EINVAL);
	pmc_close(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ex_node),
		cmocka_unit_test(test_restart_and_cap),
		cmocka_unit_test(test_restart_files),
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_read_error),
	};

	return cmocka_run_group_tests(tests, tree_setup, tree_teardown);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-nodemeter's arithmetic and its state file: power and energy
 * counter readings into one energy count, gaps that restart it, and the
 * file's text, parsed back and read as a pm_counters reading. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "node_counter.h"
#include "node_state.h"

#define T0 1700000000000000ULL	/* µs since the epoch */
#define S 1000000ULL		/* one second in µs */

static void test_counter_table(void **state)
{
	/* Each row: a sequence of readings (time in s after T0; power, W,
	 * or -1; counter, J, or -1; window, s) and the count after it. */
	static const struct {
		const char *what;
		struct { double t, w, j, win; } r[5];
		int n;
		double energy_j;
		enum node_step last;
	} cases[] = {
		{ "constant power, trapezoid", { { 0, 350, -1, 0 }, { 10, 350, -1, 0 },
		  { 20, 350, -1, 0 } }, 3, 7000, NODE_COUNTED },
		{ "a ramp, trapezoid", { { 0, 100, -1, 0 }, { 10, 300, -1, 0 } }, 2,
		  2000, NODE_COUNTED },
		{ "averaged power, window >= interval", { { 0, 100, -1, 30 },
		  { 10, 300, -1, 30 } }, 2, 3000, NODE_COUNTED },
		{ "energy counter preferred to power", { { 0, 999, 5000, 0 },
		  { 10, 999, 8500, 0 } }, 2, 3500, NODE_COUNTED },
		{ "counter went down (BMC reset): power instead", { { 0, 200, 9000, 0 },
		  { 10, 200, 100, 0 } }, 2, 2000, NODE_COUNTED },
		{ "counter only", { { 0, -1, 100, 0 }, { 5, -1, 600, 0 },
		  { 10, -1, 1100, 0 } }, 3, 1000, NODE_COUNTED },
		{ "same instant twice: counted once", { { 0, 100, -1, 0 },
		  { 10, 100, -1, 0 }, { 10, 500, -1, 0 } }, 3, 1000, NODE_COUNTED },
		{ "gap of exactly two intervals: bridged", { { 0, 100, -1, 0 },
		  { 20, 100, -1, 0 } }, 2, 2000, NODE_COUNTED },
		{ "gap longer than two intervals: restart, nothing invented",
		  { { 0, 100, -1, 0 }, { 10, 100, -1, 0 }, { 31, 100, -1, 0 },
		    { 41, 100, -1, 0 } }, 4, 1000, NODE_COUNTED },
		{ "the restart itself", { { 0, 100, -1, 0 }, { 21, 100, -1, 0 } }, 2, 0,
		  NODE_RESTARTED },
		{ "clock went back: restart", { { 10, 100, -1, 0 }, { 5, 100, -1, 0 } },
		  2, 0, NODE_RESTARTED },
		{ "no power and no counter to pair: restart", { { 0, 100, -1, 0 },
		  { 10, -1, 500, 0 } }, 2, 0, NODE_RESTARTED },
		{ "first reading", { { 0, 100, -1, 0 } }, 1, 0, NODE_STARTED },
	};
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct node_counter c;
		enum node_step step = NODE_STARTED;

		node_counter_init(&c, 20 * S);
		for (k = 0; k < cases[i].n; k++) {
			struct node_sample s = {
				.time_us = T0 + (uint64_t)(cases[i].r[k].t * S),
				.power_w = cases[i].r[k].w,
				.counter_j = cases[i].r[k].j,
				.window_s = cases[i].r[k].win,
			};
			step = node_counter_add(&c, &s);
		}
		if (fabs(c.energy_j - cases[i].energy_j) > 1e-6 || step != cases[i].last)
			fail_msg("%s: %.6f J (step %d), want %.6f J (step %d)", cases[i].what,
				 c.energy_j, step, cases[i].energy_j, cases[i].last);
	}
}

static void test_counter_startup(void **state)
{
	struct node_counter c;
	struct node_sample s = { .time_us = T0, .power_w = 100, .counter_j = -1 };
	uint64_t first;

	(void)state;
	node_counter_init(&c, 20 * S);
	assert_int_equal(node_counter_add(&c, &s), NODE_STARTED);
	assert_int_equal(c.startup_us, T0);
	first = c.startup_us;
	s.time_us = T0 + 100 * S;
	assert_int_equal(node_counter_add(&c, &s), NODE_RESTARTED);
	assert_true(c.startup_us == T0 + 100 * S && c.startup_us != first);
	/* the clock went back to the instant of the startup: a reader must
	 * still see a new one */
	c.prev.time_us = T0 + 200 * S;
	assert_int_equal(node_counter_add(&c, &s), NODE_RESTARTED);
	assert_int_equal(c.startup_us, T0 + 100 * S + 1);
}

static void test_state_text(void **state)
{
	struct node_state s = {
		.energy_j = 1234567, .time_us = T0 + 5, .power_w = 350,
		.startup_us = T0 - 60 * S, .freshness = 42, .interval_s = 10,
		.meter = "redfish", .status = "error: two\nlines",
	}, back;
	struct pmc_reading r;
	char text[NODE_STATE_MAX];
	int len = node_state_format(&s, text, sizeof(text));

	(void)state;
	assert_true(len > 0);
	assert_non_null(strstr(text, "energy 1234567 J 1700000000000005 us\n"));
	assert_non_null(strstr(text, "status error: two lines\n"));
	assert_int_equal(node_state_parse(text, (size_t)len, &back), 0);
	assert_true(back.energy_j == s.energy_j && back.time_us == s.time_us &&
		    back.power_w == 350 && back.startup_us == s.startup_us &&
		    back.freshness == 42 && back.interval_s == 10);
	assert_string_equal(back.meter, "redfish");
	assert_string_equal(back.status, "error: two lines");
	node_state_reading(&back, &r);
	assert_true(r.node_j == 1234567 && r.time_us == T0 + 5 &&
		    r.startup == T0 - 60 * S && r.freshness == 42);
	assert_int_equal(node_state_format(&s, text, 40), -1);
}

static void test_state_parse_table(void **state)
{
	static const struct {
		const char *text;
		int rc;
	} cases[] = {
		{ "energy 1 J 2 us\nstartup 3\ninterval 1\n", 0 },
		{ "energy 1 J 2 us\nstartup 3\ninterval 1", 0 },	/* no last newline */
		{ "future line\nenergy 1 J 2 us\nstartup 3\ninterval 1\nnew 7\n", 0 },
		{ "energy 1 J 2 us\nstartup 3\n", -1 },			/* no interval */
		{ "startup 3\ninterval 1\n", -1 },			/* no energy */
		{ "energy 1 J 2 us\ninterval 1\n", -1 },		/* no startup */
		{ "energy x J 2 us\nstartup 3\ninterval 1\n", -1 },
		{ "energy 1 J 2 us\nstartup 3\ninterval 0\n", -1 },
		{ "energy 1 J 2 us\nstartup -3\ninterval 1\n", -1 },
		{ "", -1 },
	};
	struct node_state s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = node_state_parse(cases[i].text, strlen(cases[i].text), &s);

		if (rc != cases[i].rc)
			fail_msg("'%s': %d, want %d", cases[i].text, rc, cases[i].rc);
	}
}

static void test_stale(void **state)
{
	struct node_state s = { .time_us = T0, .interval_s = 10 };

	(void)state;
	assert_false(node_state_stale(&s, T0));
	assert_false(node_state_stale(&s, T0 - S));	/* the reader's clock behind */
	assert_false(node_state_stale(&s, T0 + 20 * S));
	assert_true(node_state_stale(&s, T0 + 20 * S + 1));
	s.time_us = 0;
	assert_true(node_state_stale(&s, T0));
}

/* The energy since a reading, up to the instant it is read: its power
 * over the time since, at most one interval. */
static void test_lag(void **state)
{
	static const struct {
		uint64_t power_w, time_us, now_us;
		unsigned interval_s;
		double want_j;
		bool within;
	} cases[] = {
		{ 350, T0, T0, 10, 0.0, true },		/* read as it was taken */
		{ 350, T0, T0 + S / 4, 10, 87.5, true },	/* a quarter second late */
		{ 120, T0, T0 + 3 * S, 10, 360.0, true },
		{ 120, T0, T0 + S, 1, 120.0, true },	/* one interval: still whole */
		{ 120, T0, T0 + 3 * S, 1, 120.0, false },	/* at most one interval */
		{ 120, T0, T0 - S, 1, 0.0, true },	/* the reader's clock behind */
		{ 0, T0, T0 + S, 10, 0.0, true },	/* no power known */
		{ 120, 0, T0, 10, 0.0, false },		/* no reading yet */
	};
	bool within;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct node_state s = { .power_w = cases[i].power_w, .time_us = cases[i].time_us,
					.interval_s = cases[i].interval_s };

		assert_float_equal(node_state_lag_j(&s, cases[i].now_us, &within), cases[i].want_j,
				   1e-9);
		assert_int_equal(within, cases[i].within);
	}
}

static void test_state_file(void **state)
{
	char dir[] = "/tmp/test_node_meter.XXXXXX", path[64], err[256];
	struct node_state s = { .energy_j = 7, .time_us = T0, .startup_us = T0,
				.interval_s = 1, .status = "ok" }, back;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/node_energy", dir);
	errno = 0;
	assert_int_equal(node_state_read(path, &back), -1);
	assert_int_equal(errno, ENOENT);
	if (node_state_write(path, &s, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	s.energy_j = 8;
	assert_int_equal(node_state_write(path, &s, err, sizeof(err)), 0);
	if (geteuid() == 0) {
		assert_int_equal(node_state_read(path, &back), 0);
		assert_true(back.energy_j == 8);
		assert_int_equal(chown(path, 1, 1), 0);
		assert_int_equal(node_state_read(path, &back), -1);
		assert_int_equal(errno, EPERM);	/* not root's: refused */
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_table),
		cmocka_unit_test(test_counter_startup),
		cmocka_unit_test(test_state_text),
		cmocka_unit_test(test_state_parse_table),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_lag),
		cmocka_unit_test(test_state_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

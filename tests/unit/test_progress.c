/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The progress line: its text (share, rate, time left, units, no division
 * by zero, an unknown total), and when it is drawn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "progress.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void test_format(void **state)
{
	static const struct {
		enum progress_kind kind;
		const char *unit;
		uint64_t done, total;
		double elapsed_s;
		const char *want;
	} cases[] = {
		/* rate and time left: 1200 in 2 s, 7560 to go at 600/s */
		{ PROGRESS_COUNT, "rows", 1200, 8760, 2, "t: 1200/8760 rows (13%), 600 rows/s, 0:13 left" },
		{ PROGRESS_COUNT, "rows", 8760, 8760, 4, "t: 8760/8760 rows (100%), 2190 rows/s, 0:00 left" },
		/* no time passed: no rate, no time left (no division by zero) */
		{ PROGRESS_COUNT, "rows", 0, 100, 0, "t: 0/100 rows (0%), - rows/s, - left" },
		{ PROGRESS_COUNT, "rows", 50, 100, 0, "t: 50/100 rows (50%), - rows/s, - left" },
		/* time passed, nothing done: rate 0, time left unknown */
		{ PROGRESS_COUNT, "jobs", 0, 10, 3, "t: 0/10 jobs (0%), 0.0 jobs/s, - left" },
		/* total not known */
		{ PROGRESS_COUNT, "jobs", 1200, 0, 0.5, "t: 1200 jobs, 2400 jobs/s" },
		{ PROGRESS_COUNT, "jobs", 0, 0, 0, "t: 0 jobs, - jobs/s" },
		/* slow: a rate below 100 keeps a decimal; hours */
		{ PROGRESS_COUNT, "runs", 3, 40000, 4, "t: 3/40000 runs (0%), 0.8 runs/s, 14:48:49 left" },
		/* more done than the total said: counts as the total */
		{ PROGRESS_COUNT, "rows", 120, 100, 1, "t: 100/100 rows (100%), 100 rows/s, 0:00 left" },
		/* bytes, scaled by the total */
		{ PROGRESS_BYTES, NULL, 1572864, 4194304, 2, "t: 1.5/4.0 MiB (37%), 768.0 KiB/s, 0:03 left" },
		{ PROGRESS_BYTES, NULL, 100, 1000, 1, "t: 100/1000 B (10%), 100.0 B/s, 0:09 left" },
		{ PROGRESS_BYTES, NULL, 3072, 0, 1, "t: 3.0 KiB, 3.0 KiB/s" },
		{ PROGRESS_BYTES, NULL, 0, 0, 0, "t: 0 B, - B/s" },
		{ PROGRESS_BYTES, NULL, 0, 5368709120ULL, 0, "t: 0.0/5.0 GiB (0%), - GiB/s, - left" },
	};
	char got[160];
	size_t i;
	int len;

	(void)state;
	for (i = 0; i < N_OF(cases); i++) {
		len = progress_format(got, sizeof(got), "t", cases[i].kind,
				      cases[i].unit ? cases[i].unit : "", cases[i].done,
				      cases[i].total, cases[i].elapsed_s);
		if (strcmp(got, cases[i].want) != 0 || len != (int)strlen(got))
			fail_msg("case %zu: got '%s' (%d), want '%s'", i, got, len, cases[i].want);
	}
}

static void test_format_cut(void **state)
{
	char small[12];
	int len;

	(void)state;
	len = progress_format(small, sizeof(small), "spool flush", PROGRESS_COUNT, "records",
			      1, 2, 1);
	assert_int_equal(len, (int)sizeof(small) - 1);
	assert_string_equal(small, "spool flush");
}

/* The text drawn into a file, as a terminal would get it. */
static const char *drawn(FILE *f)
{
	static char buf[1024];
	size_t n;

	fflush(f);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	return buf;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

static void test_drawing(void **state)
{
	struct progress p;
	FILE *f = tmpfile();
	static const enum progress_mode quiet[] = { PROGRESS_AUTO, PROGRESS_OFF };
	const char *text;
	size_t i;

	(void)state;
	assert_non_null(f);
	/* Off, or AUTO on a stream that is no terminal: nothing, ever. */
	for (i = 0; i < N_OF(quiet); i++) {
		progress_init(&p, quiet[i], f);
		assert_false(p.on);
		progress_begin(&p, 10, PROGRESS_COUNT, "quiet", "rows");
		sleep_s(PROGRESS_REDRAW_S + 0.05);
		progress_advance(&p, 5);
		progress_end(&p);
		assert_string_equal(drawn(f), "");
	}

	/* On a terminal (AUTO; set by hand here, the file is none): work
	 * shorter than one redraw leaves no line. */
	progress_init(&p, PROGRESS_OFF, f);
	p.on = true;
	progress_begin(&p, 10, PROGRESS_COUNT, "short", "rows");
	progress_advance(&p, 10);
	progress_end(&p);
	assert_string_equal(drawn(f), "");

	/* Forced on (--progress): even short work leaves its last line. */
	progress_init(&p, PROGRESS_ON, f);
	assert_true(p.on);
	progress_begin(&p, 10, PROGRESS_COUNT, "short", "rows");
	progress_advance(&p, 10);
	progress_end(&p);
	assert_non_null(strstr(drawn(f), "\rshort: 10/10 rows (100%), "));
	fclose(f);
	f = tmpfile();
	assert_non_null(f);
	progress_init(&p, PROGRESS_ON, f);	/* the line draws on the new file */

	/* Longer: drawn after the interval, redrawn in place (\r), a last
	 * time at the end with all that was done, then a newline. */
	progress_begin(&p, 10, PROGRESS_COUNT, "long", "rows");
	sleep_s(PROGRESS_REDRAW_S + 0.05);
	progress_advance(&p, 4);
	progress_advance(&p, 1);	/* within the interval: not drawn */
	text = drawn(f);
	assert_non_null(strstr(text, "\rlong: 4/10 rows (40%), "));
	assert_null(strstr(text, "5/10"));
	progress_end(&p);
	text = drawn(f);
	assert_non_null(strstr(text, "\rlong: 5/10 rows (50%), "));
	assert_int_equal(text[strlen(text) - 1], '\n');
	assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1);	/* one line */
	fclose(f);

	/* NULL: no-ops. */
	progress_init(NULL, PROGRESS_ON, stderr);
	progress_begin(NULL, 1, PROGRESS_COUNT, "x", "y");
	progress_advance(NULL, 1);
	progress_end(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_cut),
		cmocka_unit_test(test_drawing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

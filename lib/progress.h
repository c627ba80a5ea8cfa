/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A progress line for long work (spool flush, db upgrade, imports): done of
 * total, rate and time left, redrawn in place on a terminal. */
#ifndef CARBON_PROGRESS_H
#define CARBON_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Whether to draw: AUTO draws when the stream is a terminal (--progress
 * forces ON, --no-progress OFF). */
enum progress_mode { PROGRESS_AUTO, PROGRESS_ON, PROGRESS_OFF };

/* What is counted: things (rows, records, jobs; unit names them) or bytes
 * (shown in KiB, MiB, GiB). */
enum progress_kind { PROGRESS_COUNT, PROGRESS_BYTES };

/* Redrawn at most this often, in seconds (the last state is always drawn
 * by progress_end). */
#define PROGRESS_REDRAW_S 0.25

/* One progress line. The caller owns it, usually one per program, set up
 * once by progress_init; begin/advance/end then serve one piece of work
 * after another. Every function takes NULL (and a line that is off) and
 * then does nothing, so code that may run without a terminal, or in the
 * plugin, passes NULL. */
struct progress {
	bool on;		/* draw at all (progress_init) */
	bool forced;		/* PROGRESS_ON: a last line even for short work */
	FILE *out;		/* where: stderr */
	char label[48];		/* "spool flush" */
	char unit[16];		/* "rows" (PROGRESS_COUNT) */
	enum progress_kind kind;
	uint64_t total;		/* 0: not known */
	uint64_t done;
	double t0_s;		/* CLOCK_MONOTONIC at begin */
	double drawn_s;		/* when the line was last drawn; < 0: never */
	size_t width;		/* characters of the line last drawn */
	bool active;		/* between begin and end */
};

/* Set p up for out (a stream whose fd is checked for AUTO). Never draws. */
void progress_init(struct progress *p, enum progress_mode mode, FILE *out);

/* Start counting: total things of kind, 0 when not known (the line then
 * shows what is done and the rate, no share or time left). label and unit
 * are copied (cut to fit). Draws nothing yet. */
void progress_begin(struct progress *p, uint64_t total, enum progress_kind kind,
		    const char *label, const char *unit);

/* n more are done; redraws the line when PROGRESS_REDRAW_S has passed. */
void progress_advance(struct progress *p, uint64_t n);

/* Take a drawn line off the terminal (blanks over it), so that a message
 * can be printed; the next redraw puts it back. */
void progress_hide(struct progress *p);

/* Finish: when the line was drawn at all, draw it a last time with what was
 * done and end it with a newline. Work that ended before the first redraw
 * leaves no line on a terminal (PROGRESS_AUTO); with PROGRESS_ON it leaves
 * its last line (what was done, at what rate), as a log would want it. */
void progress_end(struct progress *p);

/* The line's text (no \r, no newline) for done of total (0: not known)
 * after elapsed_s seconds, into buf (size n; 128 suffices):
 *   "spool flush: 1.5/4.0 MiB (37%), 0.8 MiB/s, 0:03 left"
 *   "import intensity: 1200/8760 rows (13%), 3400 rows/s, 0:02 left"
 *   "db upgrade: 1200 jobs, 3400 jobs/s"                   (total not known)
 * The rate is "-" before any time has passed, the time left "-" while the
 * rate is 0; done past total counts as total. Pure: for the tests. Returns
 * the length written (as snprintf, cut to n - 1). */
int progress_format(char *buf, size_t n, const char *label, enum progress_kind kind,
		    const char *unit, uint64_t done, uint64_t total, double elapsed_s);

#endif

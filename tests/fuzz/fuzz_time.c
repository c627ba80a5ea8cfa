/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: utc_parse_iso8601() and utc_parse_time() on any text,
 * and utc_format() in every form with any double and any buffer size; what
 * is formatted reads back as the same time. */
#include "utctime.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1795795200.0	/* 2026-11-27T16:00:00Z */
#define FIRST_S (-62167219200.0)	/* 0000-01-01T00:00:00Z */
#define END_S 253402300800.0	/* 10000-01-01T00:00:00Z */

static void check(int ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_time: invariant broken: %s\n", what);
	abort();
}

/* A reason: written, terminated within its buffer, not empty. */
static void check_why(const char *why, size_t n)
{
	check(memchr(why, '\0', n) != NULL, "why is terminated within its buffer");
	check(n == 1 || why[0] != '\0', "a refusal says why");
}

static void parse_text(const char *s, double now)
{
	static const unsigned flag_sets[] = {
		0, UTC_ZONE_REQUIRED, UTC_TIME_REQUIRED, UTC_ZONE_REQUIRED | UTC_TIME_REQUIRED,
	};
	char why[128], tiny[3], back_text[32];
	double t, t0 = NAN, u, back;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]); i++) {
		why[0] = '\0';
		rc = utc_parse_iso8601(s, flag_sets[i], &t, why, sizeof(why));
		if (rc < 0) {
			check_why(why, sizeof(why));
			continue;
		}
		check(rc == 0, "utc_parse_iso8601 returns 0 or -1");
		check(t >= FIRST_S && t < END_S, "a parsed time is of the years 0000-9999");
		if (i == 0)
			t0 = t;
		check(!isnan(t0), "flags only refuse more");
		check(t == t0, "flags do not change the time");
		/* The time, formatted, reads back as the same second. */
		check(strcmp(utc_iso8601(t, back_text, sizeof(back_text)), "?") != 0,
		      "a parsed time formats");
		check(utc_parse_iso8601(back_text, UTC_ZONE_REQUIRED | UTC_TIME_REQUIRED,
					&back, why, sizeof(why)) == 0,
		      "utc_iso8601's text parses");
		check(back == floor(t), "and reads back as the same second");
		/* sacct's parser takes ISO 8601 the same way. */
		check(utc_parse_time(s, now, &u, NULL, 0) == 0 && u == t,
		      "utc_parse_time reads ISO 8601 as utc_parse_iso8601");
	}
	rc = utc_parse_time(s, now, &t, why, sizeof(why));
	if (rc < 0)
		check_why(why, sizeof(why));
	else
		check(rc == 0 && t >= FIRST_S && t < END_S,
		      "utc_parse_time gives a time of the years 0000-9999");
	/* A reason cut to a tiny buffer is still terminated; why may be NULL. */
	if (utc_parse_time(s, now, &u, tiny, sizeof(tiny)) < 0)
		check_why(tiny, sizeof(tiny));
	check(utc_parse_time(s, now, &u, NULL, 0) == rc, "why may be NULL");
	if (rc == 0)
		check(u == t, "the same text, the same time");
}

static void format_double(double t, size_t n)
{
	static const enum utc_form forms[] = { UTC_DATE, UTC_MINUTE, UTC_SECOND, UTC_PG_US };
	char *buf = malloc(n), full[48];
	double back;
	size_t i, len;

	if (!buf)
		abort();
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		check(utc_format(t, forms[i], buf, n) == buf, "utc_format returns buf");
		check(memchr(buf, '\0', n) != NULL, "utc_format terminates within n");
		utc_format(t, forms[i], full, sizeof(full));
		len = strlen(full);
		/* All of it, or "?" (cut to "" when n is 1). */
		check(!strcmp(buf, full) || !strcmp(buf, n > 1 ? "?" : ""),
		      "a partial timestamp is never written");
		if (!strcmp(full, "?")) {
			check(!(t >= FIRST_S && t < END_S) || forms[i] == UTC_PG_US,
			      "only times outside the years 0000-9999 have no text");
			continue;
		}
		check(len >= 10 && full[4] == '-' && full[7] == '-', "a text starts YYYY-MM-DD");
		check(utc_parse_iso8601(full, 0, &back, NULL, 0) == 0, "the text parses");
		switch (forms[i]) {
		case UTC_DATE:
			check(back == floor(floor(t) / UTC_DAY_S) * UTC_DAY_S,
			      "the date is t's UTC day");
			break;
		case UTC_MINUTE:
			check(back == floor(floor(t) / 60) * 60, "the minute is t's");
			break;
		case UTC_SECOND:
			check(back == floor(t), "the second is t's");
			break;
		case UTC_PG_US:
			check(fabs(back - t) <= 0.5e-6 + fabs(t) * 1e-15,
			      "the timestamptz is t to the microsecond");
			break;
		}
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy, so ASan sees any read past the terminator. */
	char *s = malloc(size + 1);
	double t;

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	parse_text(s, NOW);
	if (size >= sizeof(t) + 1) {
		memcpy(&t, data, sizeof(t));
		format_double(t, 1 + data[sizeof(t)] % 64);	/* around the 30 needed */
		if (t >= FIRST_S && t < END_S)
			parse_text(s + sizeof(t) + 1, t);	/* another now */
	}
	free(s);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: label_is_valid() against a reference written here, and
 * utc_iso8601() with any double and any buffer size. */
#define _GNU_SOURCE
#include "record.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* First and last second that glibc's "%Y" prints with four digits (it does not
 * pad years below 1000): 1000-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define YEAR_1000_S (-30610224000.0)
#define YEAR_9999_END_S 253402300799.0
#define ISO8601_LEN 20	/* "2026-11-27T10:00:00Z" */

static void check(int ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_label: invariant broken: %s\n", what);
	abort();
}

/* DESIGN §3.2 spelled out character by character, independent of strspn. */
static bool reference_label_ok(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++) {
		char ch = s[n];

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9'))
			continue;
		if (ch == '.' || ch == '_' || ch == ':' || ch == '+' || ch == '/' ||
		    ch == '-')
			continue;
		return false;
	}
	return n >= 1 && n <= RECORD_LABEL_MAX;
}

static void fuzz_label(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy, so ASan sees any read past the terminator. */
	char *s = malloc(size + 1);
	const char *why = NULL;
	bool ok;

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	ok = label_is_valid(s, &why);
	check(ok == reference_label_ok(s), "label_is_valid agrees with the reference");
	check(ok ? why == NULL : (why != NULL && why[0] != '\0'),
	      "why is set exactly when the label is refused");
	check(label_is_valid(s, NULL) == ok, "why may be NULL");
	free(s);
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* "YYYY-MM-DDTHH:MM:SSZ", read back into seconds since the epoch. */
static bool parse_iso8601(const char *s, time_t *t)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm tm = { 0 };
	size_t i;

	if (strlen(s) != ISO8601_LEN)
		return false;
	for (i = 0; i < ISO8601_LEN; i++)
		if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != shape[i])
			return false;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*t = timegm(&tm);
	return true;
}

static void fuzz_iso8601(const uint8_t *data, size_t size)
{
	double t;
	size_t n;
	char *buf;
	time_t back;

	if (size < sizeof(t) + 1)
		return;
	memcpy(&t, data, sizeof(t));
	n = 1 + data[sizeof(t)] % 64;	/* 1 to 64 bytes, around the 21 needed */
	buf = malloc(n);
	if (!buf)
		abort();
	check(utc_iso8601(t, buf, n) == buf, "utc_iso8601 returns buf");
	check(memchr(buf, '\0', n) != NULL, "utc_iso8601 terminates within n");
	if (n > ISO8601_LEN && t >= YEAR_1000_S && t <= YEAR_9999_END_S) {
		check(parse_iso8601(buf, &back), "a year 1000-9999 time is YYYY-MM-DDTHH:MM:SSZ");
		check(back == (time_t)t, "the text reads back as the same second");
	} else {
		/* Otherwise a whole timestamp or "?" (cut to "" when n is 1). */
		size_t len = strlen(buf);

		check((len > 0 && buf[len - 1] == 'Z' && strchr(buf, 'T')) ||
		      strcmp(buf, n > 1 ? "?" : "") == 0,
		      "a partial timestamp is never written");
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_label(data, size);
	fuzz_iso8601(data, size);
	return 0;
}

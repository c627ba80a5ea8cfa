/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CSV reader: records, quotes, line ends, blanks, and what it refuses. */
#define _GNU_SOURCE	/* fmemopen */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "csv.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Read text (len bytes) to the end: each record as "LINE:field|field",
 * records joined by newlines, into out. Returns csv_read's last result;
 * *line is the reader's line then, err its reason. */
static int read_all(const char *text, size_t len, unsigned flags, size_t max, char *out,
		    size_t n, unsigned *line, char *err, size_t errlen)
{
	FILE *fp = fmemopen((void *)text, len, "r");
	struct csv_reader r;
	size_t used = 0, i;
	int rc;

	assert_non_null(fp);
	out[0] = '\0';
	csv_init(&r, fp, flags, max);
	while ((rc = csv_read(&r, err, errlen)) > 0) {
		assert_true(r.n_fields >= 1 && r.n_fields <= max);
		used += (size_t)snprintf(out + used, n - used, "%s%u:", used ? "\n" : "", r.line);
		for (i = 0; i < r.n_fields; i++)
			used += (size_t)snprintf(out + used, n - used, "%s%s", i ? "|" : "",
						 r.field[i]);
		assert_true(used < n);
	}
	*line = r.line;
	csv_free(&r);
	fclose(fp);
	return rc;
}

static void test_records(void **state)
{
	static const struct {
		const char *text;
		unsigned flags;
		const char *want;
		unsigned lines;		/* r.line at the end of the file */
	} cases[] = {
		{ "a,b\n", 0, "1:a|b", 1 },
		{ "a,b", 0, "1:a|b", 1 },				/* no last newline */
		{ "a,b\r\nc,d\r\n", 0, "1:a|b\n2:c|d", 2 },		/* CRLF */
		{ "\xef\xbb\xbf" "a,b\n", 0, "1:a|b", 1 },		/* a byte-order mark */
		{ "x\n\xef\xbb\xbf" "a\n", 0, "1:x\n2:\xef\xbb\xbf" "a", 2 },	/* only first */
		{ "\n \t\na\n\n", 0, "3:a", 4 },			/* blank lines */
		{ "", 0, "", 0 },
		{ "a,,b,\n", 0, "1:a||b|", 1 },				/* empty fields */
		{ ",\n", 0, "1:|", 1 },
		{ "\"a,b\",\"say \"\"hi\"\"\"\n", 0, "1:a,b|say \"hi\"", 1 },
		{ "\"\",x\n", 0, "1:|x", 1 },				/* an empty quoted field */
		{ "\"\"\"\"\n", 0, "1:\"", 1 },				/* one quote */
		{ "ab\"c,d\n", 0, "1:ab\"c|d", 1 },			/* a quote inside: kept */
		{ " a , b \n", 0, "1: a | b ", 1 },			/* blanks kept */
		{ " \"a\"x\n", 0, "1: \"a\"x", 1 },			/* not a quoted field */
		{ " a , \"b \" ,c\t\n", CSV_TRIM, "1:a|b |c", 1 },	/* blanks dropped */
		{ "\t\"a, b\"\t,\n", CSV_TRIM, "1:a, b|", 1 },
		{ "a\rb,c\r\n", 0, "1:a\rb|c", 1 },			/* a lone CR is text */
		{ "h1,h2\n1,2\n\n3,4\n", 0, "1:h1|h2\n2:1|2\n4:3|4", 4 },
	};
	char out[512], err[128];
	unsigned line;
	size_t i;

	(void)state;
	for (i = 0; i < N_OF(cases); i++) {
		int rc = read_all(cases[i].text, strlen(cases[i].text), cases[i].flags, 8, out,
				  sizeof(out), &line, err, sizeof(err));

		if (rc != 0)
			fail_msg("case %zu: refused at line %u: %s", i, line, err);
		if (strcmp(out, cases[i].want))
			fail_msg("case %zu: got\n%s\nwant\n%s", i, out, cases[i].want);
		assert_int_equal(line, cases[i].lines);
	}
}

static void test_refused(void **state)
{
	static const struct {
		const char *text;
		size_t len;	/* 0: strlen */
		unsigned flags;
		size_t max;
		unsigned line;
		const char *why;	/* a part of the reason */
	} cases[] = {
		{ "\"abc\n", 0, 0, 8, 1, "a quoted field is not closed on its line (field 1)" },
		{ "a,\"b\nc\"\n", 0, 0, 8, 1, "not closed on its line (field 2)" },
		{ "a\n\"x\"y,z\n", 0, 0, 8, 2, "text after the closing quote of field 1" },
		{ "\"x\" ,z\n", 0, 0, 8, 1, "text after the closing quote of field 1" },
		{ "\"x\" y\n", 0, CSV_TRIM, 8, 1, "text after the closing quote" },
		{ "a,b,c\n", 0, 0, 2, 1, "more than 2 fields" },
		{ "a\nb\0c\n", 6, 0, 8, 2, "a NUL byte" },
	};
	char out[512], err[128];
	unsigned line;
	size_t i;

	(void)state;
	for (i = 0; i < N_OF(cases); i++) {
		const char *t = cases[i].text;
		int rc = read_all(t, cases[i].len ? cases[i].len : strlen(t), cases[i].flags,
				  cases[i].max, out, sizeof(out), &line, err, sizeof(err));

		if (rc != -1 || line != cases[i].line || !strstr(err, cases[i].why))
			fail_msg("case %zu: rc %d, line %u: '%s'; want line %u, '%s'", i, rc, line,
				 err, cases[i].line, cases[i].why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: csv_read() on any bytes, with and without CSV_TRIM and
 * with a small field limit; every record it gives, written back with every
 * field quoted, reads back as the same fields. */
#define _GNU_SOURCE	/* fmemopen, open_memstream */
#include "csv.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 8

static void check(int ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_csv: invariant broken: %s\n", what);
	abort();
}

/* fields as one RFC 4180 line, every field quoted; malloc'd, *len bytes. */
static char *quote_all(char **fields, size_t n, size_t *len)
{
	char *text = NULL;
	FILE *out = open_memstream(&text, len);
	size_t i;
	const char *c;

	if (!out)
		abort();
	for (i = 0; i < n; i++) {
		fputs(i ? ",\"" : "\"", out);
		for (c = fields[i]; *c; c++) {
			if (*c == '"')
				fputc('"', out);
			fputc(*c, out);
		}
		fputc('"', out);
	}
	fputs("\r\n", out);
	if (fclose(out) != 0)
		abort();
	return text;
}

/* The record in r, written back and read again, is the same. */
static void round_trip(const struct csv_reader *r)
{
	size_t len, i;
	char *text = quote_all(r->field, r->n_fields, &len), err[128];
	FILE *fp = fmemopen(text, len, "r");
	struct csv_reader again;

	if (!fp)
		abort();
	csv_init(&again, fp, 0, MAX_FIELDS);
	check(csv_read(&again, err, sizeof(err)) == 1, "a written record reads back");
	check(again.n_fields == r->n_fields, "with as many fields");
	for (i = 0; i < r->n_fields; i++)
		check(!strcmp(again.field[i], r->field[i]), "and the same fields");
	check(csv_read(&again, err, sizeof(err)) == 0, "and nothing after it");
	csv_free(&again);
	fclose(fp);
	free(text);
}

static void read_all(const uint8_t *data, size_t size, unsigned flags)
{
	FILE *fp = fmemopen((void *)data, size, "r");
	struct csv_reader r;
	unsigned last = 0;
	char err[128];
	size_t i;
	int rc;

	if (!fp)
		abort();
	csv_init(&r, fp, flags, MAX_FIELDS);
	while ((rc = csv_read(&r, err, sizeof(err))) > 0) {
		check(r.line > last, "records come in line order");
		last = r.line;
		check(r.n_fields >= 1 && r.n_fields <= MAX_FIELDS, "1 to max_fields fields");
		for (i = 0; i < r.n_fields; i++)
			check(!strchr(r.field[i], '\n'), "no field holds a newline");
		round_trip(&r);
	}
	check(rc == 0 || rc == -1, "csv_read returns 1, 0 or -1");
	if (rc < 0)
		check(err[0] != '\0' && r.line >= 1, "a refusal says why, and where");
	csv_free(&r);
	fclose(fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;	/* fmemopen wants a buffer */
	read_all(data, size, 0);
	read_all(data, size, CSV_TRIM);
	return 0;
}

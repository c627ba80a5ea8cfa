/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CSV reader of carbon-report's imports (intensity series, CodeCarbon's
 * emissions.csv): RFC 4180 records, one to a line. */
#ifndef CARBON_CSV_H
#define CARBON_CSV_H

#include <stddef.h>
#include <stdio.h>

/* Drop spaces and tabs around every field (outside its quotes). Without it
 * they are part of an unquoted field, as RFC 4180 has it. */
#define CSV_TRIM 0x1u

struct csv_reader {
	/* After csv_read: the record's fields, NUL-terminated, valid until
	 * the next csv_read or csv_free. */
	char **field;
	size_t n_fields;
	/* The line of the record read, or at fault; at the end of the file,
	 * how many lines the file has. From 1. */
	unsigned line;
	/* Private. */
	FILE *fp;
	unsigned flags;
	size_t max_fields;
	size_t field_cap;
	char *buf;
	size_t cap;
};

/* Read records from fp, at most max_fields fields to a record (>= 1). */
void csv_init(struct csv_reader *r, FILE *fp, unsigned flags, size_t max_fields);

/* Read the next record, skipping blank lines (empty, or spaces and tabs).
 * Lines end in LF or CRLF, or at the end of the file; a UTF-8 byte-order mark
 * before the first line is skipped. Fields are separated by commas. A field
 * that starts with a double quote (after blanks, with CSV_TRIM) runs to the
 * closing quote, "" inside it standing for one quote; it may hold commas,
 * must close on its line, and only a comma (or, with CSV_TRIM, blanks) may
 * follow it. A quote inside an unquoted field is kept as it is.
 * Returns 1 with the record in r->field[0 .. r->n_fields - 1] (n_fields >= 1)
 * and r->line; 0 at the end of the file; -1 with a one-line reason in err
 * (a NUL byte, an unclosed quote, text after a closing quote, more than
 * max_fields fields, a read error, no memory) and r->line at fault. */
int csv_read(struct csv_reader *r, char *err, size_t errlen);

void csv_free(struct csv_reader *r);

#endif

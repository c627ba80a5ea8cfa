/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text tables for carbon-report: aligned columns, or a Markdown pipe table. */
#ifndef CARBON_TABLE_H
#define CARBON_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct table_column {
	const char *header;	/* e.g. "CPU"; a unit where every cell has it ("share %") */
	bool right;		/* right-aligned: numbers */
	const char *name;	/* its name for -o/--fields; NULL: the header */
	bool hidden;		/* printed only where -o names it */
};

/* How a text table is printed: sacct's -P/--parsable2 (cells joined by '|',
 * no padding, no trailing '|'), -n/--noheader, and -o/--fields (the columns
 * named, in that order; names as the headers, or the columns' names, in any
 * case). All zero: aligned columns with a header, every column not hidden. */
struct table_style {
	bool parsable;
	bool noheader;
	const char *fields;	/* -o as given; NULL: none */
	size_t *show;		/* from fields by table_style_columns; NULL: default */
	size_t n_show;
};

#define TABLE_SHORTOPTS "Pno:"
#define TABLE_LONGOPTS \
	{ "parsable2", no_argument, NULL, 'P' }, \
	{ "noheader", no_argument, NULL, 'n' }, \
	{ "fields", required_argument, NULL, 'o' }

void table_style_init(struct table_style *s);
void table_style_free(struct table_style *s);

/* Take option c (one of TABLE_SHORTOPTS) with its argument: returns 1 when
 * c is one of them, 0 when not. */
int table_style_option(struct table_style *s, int c, const char *arg);

/* Whether -P, -n or -o was given. */
bool table_style_given(const struct table_style *s);

/* Where the lines that are not table rows go (headings, notes, totals in
 * words): stderr under -P or -n, so that stdout holds the table alone;
 * else stdout. s may be NULL. */
FILE *table_style_notes(const struct table_style *s);

/* Resolve s->fields against cols (the columns of the table to print).
 * Returns 0, or -1 after printing to stderr, after "PROG: ", what name is
 * unknown and the names there are (a usage error); -1 too when out of
 * memory. */
int table_style_columns(struct table_style *s, const struct table_column *cols, size_t ncols,
			const char *prog);

/* Rows of cells, each cell a copy the table owns. An allocation failure is
 * remembered and reported by table_add_row/table_cell (and table_failed);
 * the table can still be freed. */
struct table {
	const struct table_column *cols;
	size_t ncols;
	char **cells;		/* nrows * ncols; NULL prints as empty */
	size_t nrows;
	size_t cap_rows;
	bool failed;
};

/* cols must outlive the table. */
void table_init(struct table *t, const struct table_column *cols, size_t ncols);

/* Add an empty row; its cells are then set with table_cell. Returns 0, or -1
 * (out of memory). */
int table_add_row(struct table *t);

/* Set cell col of the last row from a printf format. Returns 0, or -1 (no
 * row, col out of range, or out of memory). */
int table_cell(struct table *t, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Aligned columns, two spaces apart, headers first; no trailing blanks. Or
 * as s says (NULL: so); its columns resolved against t's. */
void table_print_text(const struct table *t, const struct table_style *s, FILE *fp);

/* A GitHub-flavoured Markdown pipe table; '|' in cells is escaped. s: its
 * columns (-o), or NULL; -P and -n do not apply. */
void table_print_markdown(const struct table *t, const struct table_style *s, FILE *fp);

void table_free(struct table *t);

/* v with four significant digits, trailing zeros kept ("1.640",
 * "0.008333", "0.00001047": never an exponent); from 999.95 on with one
 * decimal ("1000.0", "1234.5"); 0 as "0". Into buf. */
const char *table_sig4(double v, char *buf, size_t n);

/* The units the text forms scale an amount into. */
enum table_unit {
	TABLE_KWH,	/* energy: kWh, Wh, mWh, µWh */
	TABLE_KG,	/* mass (of CO2e): kg, g, mg, µg */
};

/* v, in kWh or kg, as people read it: in the largest unit of its scale in
 * which it is 1 or more (below 1 µWh or 1 µg: in µWh, µg), with four
 * significant digits as table_sig4, then a blank and the unit: "1.640 kWh",
 * "38.00 mWh", "12.34 mg", "1234.5 kg"; 0 is "0 kWh", "0 kg". Into buf
 * (32 bytes hold any). The text forms write every energy and CO2e so; JSON
 * and CSV keep kWh and kg. */
const char *table_amount(double v, enum table_unit unit, char *buf, size_t n);

#endif

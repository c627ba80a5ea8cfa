/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text tables for carbon-report: aligned columns, or a Markdown pipe table. */
#ifndef CARBON_TABLE_H
#define CARBON_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct table_column {
	const char *header;	/* with its unit, e.g. "CPU kWh" */
	bool right;		/* right-aligned: numbers */
};

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

/* Aligned columns, two spaces apart, headers first; no trailing blanks. */
void table_print_text(const struct table *t, FILE *fp);

/* A GitHub-flavoured Markdown pipe table; '|' in cells is escaped. */
void table_print_markdown(const struct table *t, FILE *fp);

void table_free(struct table *t);

/* v with four significant digits, trailing zeros kept ("1.640",
 * "0.008333"); 1000 and more with one decimal; 0 as "0". Into buf. */
const char *table_sig4(double v, char *buf, size_t n);

#endif

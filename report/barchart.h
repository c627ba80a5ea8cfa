/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A horizontal bar chart as inline SVG, and HTML escaping, for the pages of
 * carbon-report track: no script, no fonts or images to fetch. */
#ifndef CARBON_BARCHART_H
#define CARBON_BARCHART_H

#include <stddef.h>
#include <stdio.h>

#include "table.h"

struct bar {
	const char *label;	/* NULL: written as "-" */
	double value;		/* >= 0 */
};

/* Write bars[0..n-1] as one <svg> element, one bar a row in the order
 * given, each bar as long as its value relative to the largest, with its
 * label on the left and on the right its value, in unit scaled as the text
 * forms do (table_amount), then suffix (" CO2e"). Each bar is a
 * <rect class="bar" data-project="LABEL" data-rank="R" data-value="V">, R
 * counting from 1 in that order, so that a test can find it. title is the
 * chart's accessible name. standalone: add the XML declaration. */
void barchart_svg(FILE *fp, const struct bar *bars, size_t n, const char *title,
		  enum table_unit unit, const char *suffix, int standalone);

/* A stacked bar chart: one bar a row (rows[r], in the order given), made
 * of one segment per series (series[s], NULL written as "-") as long as
 * values[r * n_series + s] (>= 0) relative to the largest row's sum, left to
 * right in series order, each in barchart_series_fill(s); the row's sum on
 * the right, and a legend of the series under the bars (squares of
 * LEGEND_BOX px, smaller than a bar). Each segment is a
 * <rect class="seg" data-project="SERIES" data-week="ROW" data-value="V">
 * (none where V is 0), so that a test can find it. */
void barchart_stacked_svg(FILE *fp, const char *const *rows, size_t n_rows,
			  const char *const *series, size_t n_series, const double *values,
			  const char *title, enum table_unit unit, const char *suffix,
			  int standalone);

/* The colour of series s ("#1f77b4"), cycling through eight. */
const char *barchart_series_fill(size_t s);

/* s with &, <, >, " and ' as character references (text and attributes). */
void html_escape(FILE *fp, const char *s);

#endif

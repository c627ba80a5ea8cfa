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

/* s with &, <, >, " and ' as character references (text and attributes). */
void html_escape(FILE *fp, const char *s);

#endif

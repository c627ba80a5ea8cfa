/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text tables for carbon-report. */
#include "table.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void table_init(struct table *t, const struct table_column *cols, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols;
}

int table_add_row(struct table *t)
{
	char **cells;
	size_t cap;

	if (t->failed)
		return -1;
	if (t->nrows == t->cap_rows) {
		cap = t->cap_rows ? 2 * t->cap_rows : 16;
		cells = realloc(t->cells, cap * t->ncols * sizeof(*cells));
		if (!cells) {
			t->failed = true;
			return -1;
		}
		t->cells = cells;
		t->cap_rows = cap;
	}
	memset(&t->cells[t->nrows * t->ncols], 0, t->ncols * sizeof(*t->cells));
	t->nrows++;
	return 0;
}

int table_cell(struct table *t, size_t col, const char *fmt, ...)
{
	va_list ap;
	char **cell;
	char *s = NULL;
	int n;

	if (t->failed || t->nrows == 0 || col >= t->ncols)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n >= 0)
		s = malloc((size_t)n + 1);
	if (!s) {
		t->failed = true;
		return -1;
	}
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	cell = &t->cells[(t->nrows - 1) * t->ncols + col];
	free(*cell);
	*cell = s;
	return 0;
}

static const char *cell_at(const struct table *t, size_t row, size_t col)
{
	const char *s = t->cells[row * t->ncols + col];

	return s ? s : "";
}

/* Width on a terminal: UTF-8 continuation bytes take no column. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* Blanks are held back until something follows them: no trailing blanks. */
static void print_text_row(const struct table *t, FILE *fp, const size_t *width,
			   size_t row, bool header)
{
	size_t c, w, blanks = 0;
	const char *s;

	for (c = 0; c < t->ncols; c++) {
		s = header ? t->cols[c].header : cell_at(t, row, c);
		w = text_width(s);
		if (c > 0)
			blanks += 2;
		if (t->cols[c].right)
			blanks += width[c] - w;
		if (*s) {
			for (; blanks; blanks--)
				fputc(' ', fp);
			fputs(s, fp);
		}
		if (!t->cols[c].right)
			blanks += width[c] - w;
	}
	fputc('\n', fp);
}

void table_print_text(const struct table *t, FILE *fp)
{
	size_t *width;
	size_t r, c, w;

	width = calloc(t->ncols ? t->ncols : 1, sizeof(*width));
	if (!width)
		return;
	for (c = 0; c < t->ncols; c++) {
		width[c] = text_width(t->cols[c].header);
		for (r = 0; r < t->nrows; r++) {
			w = text_width(cell_at(t, r, c));
			if (w > width[c])
				width[c] = w;
		}
	}
	print_text_row(t, fp, width, 0, true);
	for (r = 0; r < t->nrows; r++)
		print_text_row(t, fp, width, r, false);
	free(width);
}

static void print_markdown_cell(FILE *fp, const char *s)
{
	fputs("| ", fp);
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', fp);
		fputc(*s == '\n' ? ' ' : *s, fp);
	}
	fputc(' ', fp);
}

void table_print_markdown(const struct table *t, FILE *fp)
{
	size_t r, c;

	for (c = 0; c < t->ncols; c++)
		print_markdown_cell(fp, t->cols[c].header);
	fputs("|\n", fp);
	for (c = 0; c < t->ncols; c++)
		fputs(t->cols[c].right ? "|---:" : "|:---", fp);
	fputs("|\n", fp);
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++)
			print_markdown_cell(fp, cell_at(t, r, c));
		fputs("|\n", fp);
	}
}

void table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
	t->cap_rows = 0;
}

const char *table_sig4(double v, char *buf, size_t n)
{
	if (fabs(v) >= 1000.0)
		snprintf(buf, n, "%.1f", v);
	else if (v == 0.0)
		snprintf(buf, n, "0");
	else
		snprintf(buf, n, "%#.4g", v);
	return buf;
}

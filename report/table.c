/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text tables for carbon-report. */
#include "table.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* How many entries a map of the columns to print needs. */
static size_t map_size(const struct table *t, const struct table_style *s)
{
	size_t n = s && s->n_show > t->ncols ? s->n_show : t->ncols;

	return n ? n : 1;
}

/* The columns to print, in order, into map (map_size entries); returns how
 * many: those s names, else every column that is not hidden. */
static size_t shown_columns(const struct table *t, const struct table_style *s, size_t *map)
{
	size_t c, n = 0;

	if (s && s->show) {
		for (c = 0; c < s->n_show; c++)
			if (s->show[c] < t->ncols)
				map[n++] = s->show[c];
		return n;
	}
	for (c = 0; c < t->ncols; c++)
		if (!t->cols[c].hidden)
			map[n++] = c;
	return n;
}

/* Blanks are held back until something follows them: no trailing blanks.
 * width NULL: -P, cells joined by '|' as they are. */
static void print_text_row(const struct table *t, FILE *fp, const size_t *map, size_t n,
			   const size_t *width, size_t row, bool header)
{
	size_t i, c, w, blanks = 0;
	const char *s;

	for (i = 0; i < n; i++) {
		c = map[i];
		s = header ? t->cols[c].header : cell_at(t, row, c);
		if (!width) {
			fprintf(fp, "%s%s", i ? "|" : "", s);
			continue;
		}
		w = text_width(s);
		if (i > 0)
			blanks += 2;
		if (t->cols[c].right)
			blanks += width[i] - w;
		if (*s) {
			for (; blanks; blanks--)
				fputc(' ', fp);
			fputs(s, fp);
		}
		if (!t->cols[c].right)
			blanks += width[i] - w;
	}
	fputc('\n', fp);
}

void table_print_text(const struct table *t, const struct table_style *s, FILE *fp)
{
	size_t *width, *map;
	size_t r, i, n, w;
	bool parsable = s && s->parsable;

	width = calloc(map_size(t, s), sizeof(*width));
	map = calloc(map_size(t, s), sizeof(*map));
	if (!width || !map)
		goto out;
	n = shown_columns(t, s, map);
	for (i = 0; i < n && !parsable; i++) {
		width[i] = s && s->noheader ? 0 : text_width(t->cols[map[i]].header);
		for (r = 0; r < t->nrows; r++) {
			w = text_width(cell_at(t, r, map[i]));
			if (w > width[i])
				width[i] = w;
		}
	}
	if (!(s && s->noheader))
		print_text_row(t, fp, map, n, parsable ? NULL : width, 0, true);
	for (r = 0; r < t->nrows; r++)
		print_text_row(t, fp, map, n, parsable ? NULL : width, r, false);
out:
	free(width);
	free(map);
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

void table_print_markdown(const struct table *t, const struct table_style *s, FILE *fp)
{
	size_t *map;
	size_t r, i, n;

	map = calloc(map_size(t, s), sizeof(*map));
	if (!map)
		return;
	n = shown_columns(t, s, map);
	for (i = 0; i < n; i++)
		print_markdown_cell(fp, t->cols[map[i]].header);
	fputs("|\n", fp);
	for (i = 0; i < n; i++)
		fputs(t->cols[map[i]].right ? "|---:" : "|:---", fp);
	fputs("|\n", fp);
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < n; i++)
			print_markdown_cell(fp, cell_at(t, r, map[i]));
		fputs("|\n", fp);
	}
	free(map);
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
	char e[16];
	int exp10;

	if (fabs(v) >= 999.95) {
		snprintf(buf, n, "%.1f", v);
	} else if (v == 0.0) {
		snprintf(buf, n, "0");
	} else {
		/* %g's exponent is that of v rounded to 4 digits; where %g would
		 * write it (below 1e-4), as many decimals as 4 digits need. */
		snprintf(e, sizeof(e), "%.3e", v);
		exp10 = atoi(strchr(e, 'e') + 1);
		if (exp10 >= -4)
			snprintf(buf, n, "%#.4g", v);
		else
			snprintf(buf, n, "%.*f", exp10 < -20 ? 23 : 3 - exp10, v);
	}
	return buf;
}

static const char *const unit_scale[][4] = {
	[TABLE_KWH] = { "kWh", "Wh", "mWh", "µWh" },
	[TABLE_KG] = { "kg", "g", "mg", "µg" },
};

const char *table_amount(double v, enum table_unit unit, char *buf, size_t n)
{
	char num[32];
	double x = v;
	int k = 0;

	/* Down a unit while x would not read as 1.000 or more. */
	while (k < 3 && x != 0.0 && fabs(x) < 0.99995) {
		x *= 1000.0;
		k++;
	}
	snprintf(buf, n, "%s %s", table_sig4(x, num, sizeof(num)), unit_scale[unit][k]);
	return buf;
}

/* ---- sacct's -P, -n and -o --------------------------------------------------- */

void table_style_init(struct table_style *s)
{
	memset(s, 0, sizeof(*s));
}

void table_style_free(struct table_style *s)
{
	free(s->show);
	s->show = NULL;
	s->n_show = 0;
}

int table_style_option(struct table_style *s, int c, const char *arg)
{
	switch (c) {
	case 'P':
		s->parsable = true;
		return 1;
	case 'n':
		s->noheader = true;
		return 1;
	case 'o':
		s->fields = arg;
		return 1;
	default:
		return 0;
	}
}

bool table_style_given(const struct table_style *s)
{
	return s->parsable || s->noheader || s->fields;
}

FILE *table_style_notes(const struct table_style *s)
{
	return s && (s->parsable || s->noheader) ? stderr : stdout;
}

static const char *column_name(const struct table_column *col)
{
	return col->name ? col->name : col->header;
}

/* The column named by the n bytes at name: its -o name or its header. */
static long find_column(const struct table_column *cols, size_t ncols, const char *name,
			size_t n)
{
	size_t c;

	for (c = 0; c < ncols; c++)
		if ((strlen(column_name(&cols[c])) == n &&
		     !strncasecmp(column_name(&cols[c]), name, n)) ||
		    (strlen(cols[c].header) == n && !strncasecmp(cols[c].header, name, n)))
			return (long)c;
	return -1;
}

int table_style_columns(struct table_style *s, const struct table_column *cols, size_t ncols,
			const char *prog)
{
	const char *p = s->fields;
	size_t n, c, max = 1;
	long col;

	table_style_free(s);
	if (!p)
		return 0;
	for (n = 0; p[n]; n++)
		max += p[n] == ',';
	s->show = calloc(max, sizeof(*s->show));
	if (!s->show) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	for (;;) {
		n = strcspn(p, ",");
		col = find_column(cols, ncols, p, n);
		if (col < 0) {
			fprintf(stderr, "%s: -o/--fields: no column named '%.*s'; the columns are ",
				prog, (int)n, p);
			for (c = 0; c < ncols; c++)
				fprintf(stderr, "%s%s", c ? "," : "", column_name(&cols[c]));
			fputs(" (in any case, comma-separated)\n", stderr);
			table_style_free(s);
			return -1;
		}
		s->show[s->n_show++] = (size_t)col;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

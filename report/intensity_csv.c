/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Carbon-intensity CSV files: read, check, and give every row its interval. */
#include "intensity_csv.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "utctime.h"

#define MAX_FIELDS 64
#define HOUR_S 3600
#define DAY_S 86400
#define NO_END INT64_MIN	/* end_s of a row that gave none */
#define HEADER_NAME_MAX 128

struct parser {
	const char *zone;		/* --zone, or NULL */
	struct intensity_file *f;
	size_t cap;			/* of f->values */
	unsigned err_line;		/* 0 while there is no error */
	char *err;
	size_t errlen;
	size_t n_cols;
	/* Column positions, -1 when the header has no such column. */
	int col_time, col_zone, col_direct, col_lifecycle;	/* Electricity Maps */
	int col_start, col_end, col_value, col_signal, col_scope;	/* plain */
};

static void fail(struct parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Keep the error of the earliest line: the file is read in order, but
 * ordering and overlaps are checked per series afterwards. */
static void fail(struct parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (p->err_line && p->err_line <= line)
		return;
	p->err_line = line;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
}

/* --- times ------------------------------------------------------------- */

/* Is t the 1st of a month at 00:00 UTC? Then *next is the next month's. */
static bool month_start(int64_t t, int64_t *next)
{
	int64_t y;
	int m, d;

	if (t % DAY_S != 0)
		return false;
	utc_civil_from_days(t / DAY_S, &y, &m, &d);
	if (d != 1)
		return false;
	if (++m > 12) {
		m = 1;
		y++;
	}
	*next = utc_days_from_civil(y, m, 1) * DAY_S;
	return true;
}

/* A time of these files (utc_parse_iso8601; without an offset it is UTC
 * when utc_default, else an error) in whole seconds: intervals are whole
 * seconds. Returns 0, or -1 with a reason in why. */
static int parse_time(const char *s, bool utc_default, int64_t *t, char *why, size_t whylen)
{
	double v;

	if (utc_parse_iso8601(s, utc_default ? 0 : UTC_ZONE_REQUIRED, &v, why, whylen) < 0)
		return -1;
	if (v != floor(v)) {
		snprintf(why, whylen, "a fraction of a second (intervals are whole seconds)");
		return -1;
	}
	*t = (int64_t)v;
	return 0;
}

/* --- fields ------------------------------------------------------------ */

/* A header name lowercased, with "₂" (UTF-8 E2 82 82) read as "2". */
static void normalize_name(const char *in, char *out, size_t n)
{
	size_t o = 0;

	while (*in && o + 1 < n) {
		if (!strncmp(in, "\xe2\x82\x82", 3)) {
			out[o++] = '2';
			in += 3;
		} else {
			out[o++] = (char)tolower((unsigned char)*in++);
		}
	}
	out[o] = '\0';
}

int intensity_zone_valid(const char *zone)
{
	size_t n = strlen(zone), i;

	if (n == 0 || n >= INTENSITY_ZONE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)zone[i]) && !strchr("-_.:/", zone[i]))
			return 0;
	return 1;
}

/* Parse a non-negative finite decimal number. Returns 0, -1 (not a number)
 * or -2 (negative). */
static int parse_g_per_kwh(const char *s, double *v)
{
	char *end;

	if (!*s || strspn(s, "0123456789.eE+-") != strlen(s))
		return -1;
	*v = strtod(s, &end);
	if (*end || !isfinite(*v))
		return -1;
	if (*v < 0)
		return -2;
	*v += 0.0;	/* -0 becomes 0 */
	return 0;
}

/* --- header ------------------------------------------------------------ */

static void set_column(struct parser *p, int *col, int i, const char *name,
		       unsigned line)
{
	if (*col >= 0)
		fail(p, line, "two columns named '%s' (columns %d and %d)", name,
		     *col + 1, i + 1);
	*col = i;
}

static int read_header(struct parser *p, char **fields, size_t n, unsigned line)
{
	char names[MAX_FIELDS][HEADER_NAME_MAX];
	bool em = false, plain = false;
	size_t i;

	p->n_cols = n;
	for (i = 0; i < n; i++) {
		normalize_name(fields[i], names[i], sizeof(names[i]));
		if (!strcmp(names[i], "datetime (utc)"))
			em = true;
		if (!strcmp(names[i], "zone") || !strcmp(names[i], "start") ||
		    !strcmp(names[i], "g_per_kwh"))
			plain = true;
	}
	if (em) {
		p->f->format = INTENSITY_ELECTRICITY_MAPS;
		for (i = 0; i < n; i++) {
			const char *h = names[i];
			int c = (int)i;

			if (!strcmp(h, "datetime (utc)"))
				set_column(p, &p->col_time, c, fields[i], line);
			else if (!strcmp(h, "zone id"))
				set_column(p, &p->col_zone, c, fields[i], line);
			else if (!strncmp(h, "carbon intensity gco2eq/kwh", 27) &&
				 strstr(h, "(direct)"))
				set_column(p, &p->col_direct, c, fields[i], line);
			else if (!strncmp(h, "carbon intensity gco2eq/kwh", 27) &&
				 (strstr(h, "(lca)") || strstr(h, "(life cycle)") ||
				  strstr(h, "(lifecycle)")))
				set_column(p, &p->col_lifecycle, c, fields[i], line);
		}
		if (p->col_direct < 0 && p->col_lifecycle < 0)
			fail(p, line, "an Electricity Maps header without a column 'Carbon Intensity gCO2eq/kWh (direct)' or '... (LCA)'");
		else if (p->col_zone < 0 && !p->zone)
			fail(p, line, "no 'Zone Id' column: give the zone with --zone ZONE");
	} else if (plain) {
		p->f->format = INTENSITY_PLAIN;
		for (i = 0; i < n; i++) {
			const char *h = names[i];
			int c = (int)i;

			if (!strcmp(h, "zone"))
				set_column(p, &p->col_zone, c, h, line);
			else if (!strcmp(h, "start"))
				set_column(p, &p->col_start, c, h, line);
			else if (!strcmp(h, "end"))
				set_column(p, &p->col_end, c, h, line);
			else if (!strcmp(h, "g_per_kwh"))
				set_column(p, &p->col_value, c, h, line);
			else if (!strcmp(h, "signal"))
				set_column(p, &p->col_signal, c, h, line);
			else if (!strcmp(h, "scope"))
				set_column(p, &p->col_scope, c, h, line);
			else
				fail(p, line, "unknown column '%s': the columns are zone, start, g_per_kwh and optionally end, signal, scope",
				     fields[i]);
		}
		if (p->col_start < 0 || p->col_value < 0)
			fail(p, line, "no column '%s': the header needs zone, start and g_per_kwh",
			     p->col_start < 0 ? "start" : "g_per_kwh");
		else if (p->col_zone < 0 && !p->zone)
			fail(p, line, "no column 'zone': add one or give the zone with --zone ZONE");
	} else {
		fail(p, line, "unknown header: expected an Electricity Maps export (\"Datetime (UTC),...,Zone Id,Carbon Intensity gCO2eq/kWh (direct),...\") or \"zone,start,g_per_kwh\"");
	}
	return p->err_line ? -1 : 0;
}

/* --- rows -------------------------------------------------------------- */

static struct intensity_value *add_value(struct parser *p)
{
	struct intensity_file *f = p->f;

	if (f->n_values == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct intensity_value *v = realloc(f->values, cap * sizeof(*v));

		if (!v)
			return NULL;
		f->values = v;
		p->cap = cap;
	}
	memset(&f->values[f->n_values], 0, sizeof(f->values[0]));
	return &f->values[f->n_values++];
}

/* The zone of a row: --zone, else its cell. Returns NULL after fail(). */
static const char *row_zone(struct parser *p, char **fields, unsigned line)
{
	const char *zone = p->zone;

	if (!zone && p->col_zone >= 0)
		zone = fields[p->col_zone];
	if (!zone || !*zone) {
		fail(p, line, "no zone: fill the %s column or give --zone ZONE",
		     p->f->format == INTENSITY_PLAIN ? "zone" : "Zone Id");
		return NULL;
	}
	if (!intensity_zone_valid(zone)) {
		fail(p, line, "zone '%s': a zone id is 1 to 63 letters, digits or - _ . : /",
		     zone);
		return NULL;
	}
	return zone;
}

static int read_value(struct parser *p, const char *cell, const char *what,
		      unsigned line, double *v)
{
	switch (parse_g_per_kwh(cell, v)) {
	case 0:
		return 0;
	case -2:
		fail(p, line, "%s %s is negative: an intensity is 0 or more gCO2e/kWh",
		     what, cell);
		return -1;
	default:
		fail(p, line, "%s '%s' is not a number (write it like 311 or 311.5)",
		     what, cell);
		return -1;
	}
}

/* One Electricity Maps row: a value per intensity column, NAN where the cell
 * is empty (dropped once the intervals are known). */
static int read_em_row(struct parser *p, char **fields, unsigned line)
{
	static const enum intensity_scope scopes[2] = { INTENSITY_DIRECT, INTENSITY_LIFECYCLE };
	const int cols[2] = { p->col_direct, p->col_lifecycle };
	const char *zone, *when = fields[p->col_time];
	struct intensity_value *v;
	double g[2] = { NAN, NAN };
	int64_t t;
	int k;
	char why[128];

	if (!(zone = row_zone(p, fields, line)))
		return -1;
	if (parse_time(when, true, &t, why, sizeof(why)) < 0) {
		fail(p, line, "Datetime (UTC) '%s' is not a time like 2024-01-01 00:00:00: %s",
		     when, why);
		return -1;
	}
	for (k = 0; k < 2; k++)
		if (cols[k] >= 0 && *fields[cols[k]] &&
		    read_value(p, fields[cols[k]],
			       k == 0 ? "carbon intensity (direct)" : "carbon intensity (LCA)",
			       line, &g[k]) < 0)
			return -1;
	for (k = 0; k < 2; k++) {
		if (cols[k] < 0)
			continue;
		if (!(v = add_value(p)))
			return -1;
		snprintf(v->zone, sizeof(v->zone), "%s", zone);
		v->start_s = t;
		v->end_s = NO_END;
		v->g_per_kwh = g[k];
		v->signal = INTENSITY_AVERAGE;
		v->scope = scopes[k];
		v->line = line;
	}
	return 0;
}

static int read_plain_row(struct parser *p, char **fields, unsigned line)
{
	const char *zone, *cell;
	struct intensity_value *v;
	double g;
	int64_t start, end = NO_END;
	enum intensity_signal signal = INTENSITY_AVERAGE;
	enum intensity_scope scope = INTENSITY_LIFECYCLE;
	char a[32], b[32], why[128];

	if (!(zone = row_zone(p, fields, line)))
		return -1;
	cell = fields[p->col_start];
	if (parse_time(cell, false, &start, why, sizeof(why)) < 0) {
		fail(p, line, "start '%s' is not a time with a UTC offset like 2026-11-27T10:00:00Z: %s",
		     cell, why);
		return -1;
	}
	if (p->col_end >= 0 && *(cell = fields[p->col_end])) {
		if (parse_time(cell, false, &end, why, sizeof(why)) < 0) {
			fail(p, line, "end '%s' is not a time with a UTC offset like 2026-11-27T11:00:00Z: %s",
			     cell, why);
			return -1;
		}
		if (end <= start) {
			fail(p, line, "end %s is not after start %s",
			     utc_iso8601((double)end, a, sizeof(a)), utc_iso8601((double)start, b, sizeof(b)));
			return -1;
		}
	}
	if (read_value(p, fields[p->col_value], "g_per_kwh", line, &g) < 0)
		return -1;
	if (p->col_signal >= 0 && *(cell = fields[p->col_signal])) {
		if (!strcmp(cell, "marginal"))
			signal = INTENSITY_MARGINAL;
		else if (strcmp(cell, "average")) {
			fail(p, line, "signal '%s': write average or marginal", cell);
			return -1;
		}
	}
	if (p->col_scope >= 0 && *(cell = fields[p->col_scope])) {
		if (!strcmp(cell, "direct"))
			scope = INTENSITY_DIRECT;
		else if (strcmp(cell, "lifecycle")) {
			fail(p, line, "scope '%s': write direct or lifecycle", cell);
			return -1;
		}
	}
	if (!(v = add_value(p)))
		return -1;
	snprintf(v->zone, sizeof(v->zone), "%s", zone);
	v->start_s = start;
	v->end_s = end;
	v->g_per_kwh = g;
	v->signal = signal;
	v->scope = scope;
	v->line = line;
	return 0;
}

/* --- series ------------------------------------------------------------ */

/* By series, then by position in the file (the values are one array). */
static int series_cmp(const void *a, const void *b)
{
	const struct intensity_value *x = *(const struct intensity_value *const *)a;
	const struct intensity_value *y = *(const struct intensity_value *const *)b;
	int c = strcmp(x->zone, y->zone);

	if (c)
		return c;
	if (x->signal != y->signal)
		return x->signal < y->signal ? -1 : 1;
	if (x->scope != y->scope)
		return x->scope < y->scope ? -1 : 1;
	return x < y ? -1 : x > y;
}

static bool same_series(const struct intensity_value *x, const struct intensity_value *y)
{
	return !strcmp(x->zone, y->zone) && x->signal == y->signal && x->scope == y->scope;
}

/* From the gaps between consecutive starts of every series. */
static void find_spacing(struct intensity_file *f, struct intensity_value *const *order)
{
	bool even = true, monthly = true, any = false;
	int64_t step = 0, next;
	size_t k;

	for (k = 0; k + 1 < f->n_values; k++) {
		const struct intensity_value *a = order[k], *b = order[k + 1];
		int64_t gap = b->start_s - a->start_s;

		if (!same_series(a, b))
			continue;
		if (!any)
			step = gap;
		else if (gap != step)
			even = false;
		any = true;
		if (!month_start(a->start_s, &next) || next != b->start_s)
			monthly = false;
	}
	f->spacing = INTENSITY_IRREGULAR;
	if (any && monthly) {
		f->spacing = INTENSITY_MONTHLY;
	} else if (any && even) {
		f->spacing = INTENSITY_EVEN;
		f->step_s = step;
	}
}

static int64_t last_end(const struct intensity_file *f, int64_t start)
{
	int64_t next;

	if (f->spacing == INTENSITY_MONTHLY && month_start(start, &next))
		return next;
	if (f->spacing == INTENSITY_EVEN)
		return start + f->step_s;
	return start + HOUR_S;
}

/* Order, overlaps and the intervals of rows without an end. */
static int build_series(struct parser *p)
{
	struct intensity_file *f = p->f;
	struct intensity_value **order = NULL;
	size_t k, kept;
	char a[32], b[32], c[32];
	int rc = -1;

	order = malloc((f->n_values ? f->n_values : 1) * sizeof(*order));
	if (!order) {
		fail(p, 1, "out of memory");
		goto out;
	}
	for (k = 0; k < f->n_values; k++)
		order[k] = &f->values[k];
	qsort(order, f->n_values, sizeof(*order), series_cmp);

	for (k = 0; k + 1 < f->n_values; k++) {
		const struct intensity_value *x = order[k], *y = order[k + 1];

		if (!same_series(x, y) || y->start_s > x->start_s)
			continue;
		if (y->start_s == x->start_s)
			fail(p, y->line, "zone %s has a second value for %s (the first is on line %u)",
			     y->zone, utc_iso8601((double)y->start_s, a, sizeof(a)), x->line);
		else
			fail(p, y->line, "rows out of order: zone %s at %s comes after %s (line %u); sort the file by time",
			     y->zone, utc_iso8601((double)y->start_s, a, sizeof(a)),
			     utc_iso8601((double)x->start_s, b, sizeof(b)), x->line);
	}
	if (p->err_line)
		goto out;
	find_spacing(f, order);

	for (k = 0; k < f->n_values; k++) {
		struct intensity_value *x = order[k];
		const struct intensity_value *y = k + 1 < f->n_values ? order[k + 1] : NULL;

		if (y && !same_series(x, y))
			y = NULL;
		if (x->end_s == NO_END)
			x->end_s = y ? y->start_s : last_end(f, x->start_s);
		else if (y && x->end_s > y->start_s)
			fail(p, y->line, "zone %s at %s starts before the interval of line %u ends (%s .. %s)",
			     y->zone, utc_iso8601((double)y->start_s, a, sizeof(a)), x->line,
			     utc_iso8601((double)x->start_s, b, sizeof(b)),
			     utc_iso8601((double)x->end_s, c, sizeof(c)));
	}
	if (p->err_line)
		goto out;

	/* Empty Electricity Maps cells only bounded their neighbours. */
	for (k = kept = 0; k < f->n_values; k++)
		if (!isnan(f->values[k].g_per_kwh))
			f->values[kept++] = f->values[k];
	f->n_values = kept;
	if (!kept) {
		fail(p, 1, "no intensity values: every carbon intensity cell is empty");
		goto out;
	}
	rc = 0;
out:
	free(order);
	return rc;
}

/* --- the file ---------------------------------------------------------- */

int intensity_csv_parse(FILE *fp, const char *zone, struct intensity_file *f,
			unsigned *err_line, char *err, size_t errlen)
{
	struct parser p = {
		.zone = zone, .f = f, .err = err, .errlen = errlen,
		.col_time = -1, .col_zone = -1, .col_direct = -1, .col_lifecycle = -1,
		.col_start = -1, .col_end = -1, .col_value = -1, .col_signal = -1,
		.col_scope = -1,
	};
	struct csv_reader csv;
	bool header = false;
	char why[128];
	int rc = -1, r;

	memset(f, 0, sizeof(*f));
	csv_init(&csv, fp, CSV_TRIM, MAX_FIELDS);
	if (errlen)
		err[0] = '\0';
	if (zone && !intensity_zone_valid(zone)) {
		fail(&p, 1, "--zone '%s': a zone id is 1 to 63 letters, digits or - _ . : /", zone);
		goto out;
	}
	while ((r = csv_read(&csv, why, sizeof(why))) > 0) {
		char **fields = csv.field;
		size_t n = csv.n_fields;
		unsigned lineno = csv.line;

		if (!header) {
			if (read_header(&p, fields, n, lineno) < 0)
				goto out;
			header = true;
			continue;
		}
		if (n != p.n_cols) {
			fail(&p, lineno, "%zu fields where the header has %zu", n, p.n_cols);
			goto out;
		}
		f->n_rows++;
		if ((f->format == INTENSITY_ELECTRICITY_MAPS ? read_em_row(&p, fields, lineno)
							       : read_plain_row(&p, fields, lineno)) < 0) {
			if (!p.err_line)
				fail(&p, lineno, "out of memory");
			goto out;
		}
	}
	if (r < 0) {
		fail(&p, csv.line, "%s", why);
		goto out;
	}
	if (!header) {
		fail(&p, 1, "empty file: expected a header line");
		goto out;
	}
	if (!f->n_rows) {
		fail(&p, csv.line, "no data rows after the header");
		goto out;
	}
	if (build_series(&p) < 0)
		goto out;
	rc = 0;
out:
	csv_free(&csv);
	if (rc < 0) {
		*err_line = p.err_line;
		intensity_file_free(f);
	}
	return rc;
}

void intensity_file_free(struct intensity_file *f)
{
	free(f->values);
	f->values = NULL;
	f->n_values = 0;
}

const char *intensity_spacing_name(const struct intensity_file *f, char *buf,
				   size_t n)
{
	int64_t s = f->step_s;

	if (f->spacing == INTENSITY_MONTHLY)
		snprintf(buf, n, "monthly");
	else if (f->spacing != INTENSITY_EVEN)
		snprintf(buf, n, "%s", "");
	else if (s == HOUR_S)
		snprintf(buf, n, "hourly");
	else if (s == DAY_S)
		snprintf(buf, n, "daily");
	else if (s == 7 * DAY_S)
		snprintf(buf, n, "weekly");
	else if (s % DAY_S == 0)
		snprintf(buf, n, "%" PRId64 "-day", s / DAY_S);
	else if (s % HOUR_S == 0)
		snprintf(buf, n, "%" PRId64 "-hour", s / HOUR_S);
	else if (s % 60 == 0)
		snprintf(buf, n, "%" PRId64 "-minute", s / 60);
	else
		snprintf(buf, n, "%" PRId64 "-second", s);
	return buf;
}

const char *intensity_signal_name(enum intensity_signal signal)
{
	return signal == INTENSITY_MARGINAL ? "marginal" : "average";
}

const char *intensity_scope_name(enum intensity_scope scope)
{
	return scope == INTENSITY_DIRECT ? "direct" : "lifecycle";
}

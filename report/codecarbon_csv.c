/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CodeCarbon's emissions.csv: columns found by name, every row checked,
 * all of a file or nothing. */
#include "codecarbon_csv.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "utctime.h"

#define MAX_FIELDS 128		/* CodeCarbon 3 writes 38 */

/* What the reader takes from a file, and where the header put it. */
enum cc_col {
	C_TIMESTAMP, C_DURATION, C_EMISSIONS, C_ENERGY,	/* required */
	C_PROJECT, C_RUN_ID, C_EXPERIMENT_ID, C_CPU, C_GPU, C_RAM, C_PUE,
	C_COUNTRY, C_REGION, N_CC_COLS
};
#define N_REQUIRED 4

static const char *const col_names[N_CC_COLS] = {
	[C_TIMESTAMP] = "timestamp", [C_DURATION] = "duration",
	[C_EMISSIONS] = "emissions", [C_ENERGY] = "energy_consumed",
	[C_PROJECT] = "project_name", [C_RUN_ID] = "run_id",
	[C_EXPERIMENT_ID] = "experiment_id", [C_CPU] = "cpu_energy",
	[C_GPU] = "gpu_energy", [C_RAM] = "ram_energy", [C_PUE] = "pue",
	[C_COUNTRY] = "country_iso_code", [C_REGION] = "region",
};

struct reader {
	int col[N_CC_COLS];	/* field index, -1: absent */
	size_t n_fields;	/* of the header */
	char *err;
	size_t errlen;
};

static int fail(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int read_header(struct reader *r, char **fields, size_t n)
{
	size_t i;
	int c;

	for (c = 0; c < N_CC_COLS; c++)
		r->col[c] = -1;
	for (i = 0; i < n; i++) {
		for (c = 0; c < N_CC_COLS && strcmp(fields[i], col_names[c]); c++)
			;
		if (c == N_CC_COLS)
			continue;	/* a column this reader does not use */
		if (r->col[c] >= 0)
			return fail(r, "column '%s' appears twice in the header", col_names[c]);
		r->col[c] = (int)i;
	}
	for (c = 0; c < N_REQUIRED; c++)
		if (r->col[c] < 0)
			return fail(r, "the header has no '%s' column; is this CodeCarbon's emissions.csv?",
				    col_names[c]);
	r->n_fields = n;
	return 0;
}

/* A number cell: empty gives NaN when allowed, else it must be finite and at
 * least min (strictly above it when above). */
static int number(struct reader *r, char **fields, enum cc_col c, bool required,
		  double min, bool above, double *v)
{
	const char *cell = r->col[c] >= 0 ? fields[r->col[c]] : "";
	char *end;

	*v = NAN;
	if (!*cell) {
		if (required)
			return fail(r, "%s is empty", col_names[c]);
		return 0;
	}
	*v = strtod(cell, &end);
	if (end == cell || *end || !isfinite(*v))
		return fail(r, "%s '%s' is not a number", col_names[c], cell);
	if (*v < min || (above && *v == min))
		return fail(r, "%s %s is %s %g", col_names[c], cell,
			    above ? "not above" : "below", min);
	return 0;
}

static int text(struct reader *r, char **fields, enum cc_col c, char *out)
{
	const char *cell = r->col[c] >= 0 ? fields[r->col[c]] : "";

	if (strlen(cell) >= CC_TEXT_MAX)
		return fail(r, "%s is longer than %d bytes", col_names[c], CC_TEXT_MAX - 1);
	strcpy(out, cell);
	return 0;
}

static int read_row(struct reader *r, char **fields, size_t n, struct cc_run *run)
{
	const char *when;
	char why[128];

	if (n != r->n_fields)
		return fail(r, "%zu fields where the header has %zu", n, r->n_fields);
	when = fields[r->col[C_TIMESTAMP]];
	/* Without an offset, UTC: CodeCarbon writes the local time of the
	 * machine it ran on, which the file does not say. */
	if (utc_parse_iso8601(when, UTC_TIME_REQUIRED, &run->timestamp, why, sizeof(why)) < 0)
		return fail(r, "timestamp '%s' is not a time like 2026-11-27T10:00:00 (optionally with Z or +HH:MM): %s",
			    when, why);
	if (number(r, fields, C_DURATION, true, 0.0, false, &run->duration_s) < 0 ||
	    number(r, fields, C_EMISSIONS, true, 0.0, false, &run->emissions_kg) < 0 ||
	    number(r, fields, C_ENERGY, true, 0.0, false, &run->energy_kwh) < 0 ||
	    number(r, fields, C_CPU, false, 0.0, false, &run->cpu_kwh) < 0 ||
	    number(r, fields, C_GPU, false, 0.0, false, &run->gpu_kwh) < 0 ||
	    number(r, fields, C_RAM, false, 0.0, false, &run->ram_kwh) < 0 ||
	    number(r, fields, C_PUE, false, 0.0, true, &run->pue) < 0 ||
	    text(r, fields, C_PROJECT, run->project_name) < 0 ||
	    text(r, fields, C_RUN_ID, run->run_id) < 0 ||
	    text(r, fields, C_EXPERIMENT_ID, run->experiment_id) < 0 ||
	    text(r, fields, C_COUNTRY, run->country_iso_code) < 0 ||
	    text(r, fields, C_REGION, run->region) < 0)
		return -1;
	return 0;
}

int cc_csv_parse(FILE *fp, struct cc_file *f, unsigned *err_line, char *err,
		 size_t errlen)
{
	struct reader r = { .err = err, .errlen = errlen };
	struct csv_reader csv;
	size_t n_alloc = 0;
	bool have_header = false;
	int rc = -1, got;

	memset(f, 0, sizeof(*f));
	csv_init(&csv, fp, 0, MAX_FIELDS);
	while ((got = csv_read(&csv, err, errlen)) > 0) {
		if (!have_header) {
			if (read_header(&r, csv.field, csv.n_fields) < 0)
				goto out;
			have_header = true;
			continue;
		}
		if (f->n_runs == n_alloc) {
			size_t grow = n_alloc ? 2 * n_alloc : 16;
			struct cc_run *runs = realloc(f->runs, grow * sizeof(*runs));

			if (!runs) {
				fail(&r, "out of memory");
				goto out;
			}
			f->runs = runs;
			n_alloc = grow;
		}
		memset(&f->runs[f->n_runs], 0, sizeof(f->runs[0]));
		f->runs[f->n_runs].line = csv.line;
		if (read_row(&r, csv.field, csv.n_fields, &f->runs[f->n_runs]) < 0)
			goto out;
		f->n_runs++;
	}
	if (got < 0)
		goto out;
	if (!have_header) {
		csv.line = 1;
		fail(&r, "the file is empty; expected CodeCarbon's header line (timestamp,project_name,run_id,...)");
		goto out;
	}
	if (f->n_runs == 0) {
		fail(&r, "the file has a header but no rows");
		goto out;
	}
	rc = 0;
out:
	if (rc < 0) {
		*err_line = csv.line;
		cc_file_free(f);
	}
	csv_free(&csv);
	return rc;
}

void cc_file_free(struct cc_file *f)
{
	free(f->runs);
	f->runs = NULL;
	f->n_runs = 0;
}

double cc_run_it_kwh(const struct cc_run *run, double kwh)
{
	return isnan(run->pue) ? kwh : kwh / run->pue;
}

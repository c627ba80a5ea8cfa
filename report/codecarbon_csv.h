/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading CodeCarbon's emissions.csv, for `carbon-report import codecarbon`:
 * parsing and validation only (no database). */
#ifndef CARBON_CODECARBON_CSV_H
#define CARBON_CODECARBON_CSV_H

#include <stddef.h>
#include <stdio.h>

#define CC_TEXT_MAX 128		/* bytes of a text field kept, with the NUL */

/* One row of the file. Numbers that were empty are NaN; text that was
 * empty or whose column is absent is "". */
struct cc_run {
	unsigned line;		/* of the file, from 1 (the header) */
	double timestamp;	/* seconds since the epoch, UTC */
	char project_name[CC_TEXT_MAX];
	char run_id[CC_TEXT_MAX];
	char experiment_id[CC_TEXT_MAX];
	double duration_s;	/* >= 0 */
	double emissions_kg;	/* >= 0 */
	/* As the file says them: with CodeCarbon's PUE applied (codecarbon.h);
	 * cc_run_it_kwh takes it out. */
	double cpu_kwh, gpu_kwh, ram_kwh;	/* >= 0 or NaN */
	double energy_kwh;	/* energy_consumed, >= 0: facility energy */
	double pue;		/* > 0 or NaN */
	char country_iso_code[CC_TEXT_MAX];
	char region[CC_TEXT_MAX];
};

struct cc_file {
	struct cc_run *runs;	/* in the file's order */
	size_t n_runs;
};

/* Read a whole emissions.csv from fp and check every row; nothing is kept
 * from a file with an error.
 *
 * Columns are found by their names in the header (after an optional UTF-8
 * byte-order mark), in any order; columns this reader does not use are
 * ignored. timestamp, duration, emissions and energy_consumed must be there;
 * run_id, experiment_id, project_name, cpu_energy, gpu_energy, ram_energy,
 * pue, country_iso_code and region are read when present. A name twice in
 * the header is an error.
 *
 * Every data line must have as many fields as the header (read by
 * csv_read: RFC 4180 quoting, on one line; LF or CRLF; blank lines
 * skipped). timestamp is ISO 8601 with a time of day (utc_parse_iso8601),
 * "2026-11-27T10:00:00", with optional fraction and an optional "Z" or
 * +HH:MM offset; without an offset it is read as UTC (CodeCarbon writes the
 * local time of the machine it ran on, which the file does not say).
 * duration, emissions and energy_consumed are finite numbers >= 0; the
 * other energies are empty or such numbers; pue is empty or > 0. Text
 * fields longer than CC_TEXT_MAX - 1 bytes are an error. A file without
 * data rows is an error.
 *
 * Returns 0 with f filled (free it with cc_file_free), or -1 with *err_line
 * set to the line at fault and a one-line reason in err (without the line
 * number). */
int cc_csv_parse(FILE *fp, struct cc_file *f, unsigned *err_line, char *err,
		 size_t errlen);

void cc_file_free(struct cc_file *f);

/* The IT energy of one of run's energy columns (kwh: run->cpu_kwh, gpu_kwh
 * or ram_kwh): kwh / run->pue where the row has a PUE, as CodeCarbon
 * multiplied it in; kwh itself where it has none; NaN stays NaN. */
double cc_run_it_kwh(const struct cc_run *run, double kwh);

#endif

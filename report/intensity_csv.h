/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Carbon-intensity time series from CSV files: Electricity Maps' exports and
 * a plain zone,start,g_per_kwh format. Parsing and validation only (no
 * database), for `carbon-report import intensity`. */
#ifndef CARBON_INTENSITY_CSV_H
#define CARBON_INTENSITY_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define INTENSITY_ZONE_MAX 64	/* bytes of a zone id, with the NUL */

enum intensity_format {
	INTENSITY_ELECTRICITY_MAPS,	/* header "Datetime (UTC),...,Zone Id,..." */
	INTENSITY_PLAIN,		/* header "zone,start,g_per_kwh[,end,signal,scope]" */
};

/* The values of carbon.intensity_series.signal and .scope (sql/004). */
enum intensity_signal { INTENSITY_AVERAGE, INTENSITY_MARGINAL };
enum intensity_scope { INTENSITY_DIRECT, INTENSITY_LIFECYCLE };

/* One row of carbon.intensity_series: the interval [start_s, end_s). */
struct intensity_value {
	char zone[INTENSITY_ZONE_MAX];
	int64_t start_s;	/* seconds since the epoch, UTC */
	int64_t end_s;		/* > start_s */
	double g_per_kwh;	/* gCO2e per kWh, finite, >= 0 */
	enum intensity_signal signal;
	enum intensity_scope scope;
	unsigned line;		/* of the file, from 1 (the header) */
};

/* How the rows' start times are spaced, over every series of the file. */
enum intensity_spacing {
	INTENSITY_IRREGULAR,	/* uneven, or one row per series */
	INTENSITY_EVEN,		/* every gap is step_s */
	INTENSITY_MONTHLY,	/* every start on the 1st at 00:00, a month apart */
};

struct intensity_file {
	enum intensity_format format;
	enum intensity_spacing spacing;
	int64_t step_s;		/* INTENSITY_EVEN: the gap, in seconds */
	struct intensity_value *values;	/* in the file's order */
	size_t n_values;
	unsigned n_rows;	/* data lines read */
};

/* Read a whole file from fp and validate it; nothing is kept from a file with
 * an error. The header line (after an optional UTF-8 byte-order mark) picks
 * the format. Records are read by csv_read with CSV_TRIM: lines may end in
 * LF or CRLF; blank lines are skipped; fields may be quoted as in RFC 4180,
 * on one line; blanks around a field are dropped.
 *
 * zone, when not NULL, is the zone of every row (it overrides the file's).
 *
 * A series is the rows of one (zone, signal, scope). Within a series, start
 * times must increase down the file and intervals must not overlap. A row
 * without an end time (Electricity Maps rows never have one) lasts until the
 * next start of its series; the last one lasts one step of the file's
 * spacing when the file is evenly spaced (every gap between consecutive
 * starts the same, or whole calendar months), else one hour.
 *
 * Electricity Maps: columns found by name, case and "CO2"/"CO₂" spelling
 * aside; "Carbon Intensity gCO2eq/kWh (direct)" gives scope direct,
 * "(LCA)" or "(Life cycle)" scope lifecycle, both signal average; the zone
 * comes from "Zone Id"; times without an offset are UTC. An empty intensity
 * cell is no value for that scope (the row still bounds its neighbour's
 * interval). Other columns are ignored.
 *
 * Plain: columns zone, start and g_per_kwh, optional end, signal (average,
 * the default, or marginal) and scope (lifecycle, the default, or direct),
 * in any order; times ISO 8601 with a UTC offset ("2026-11-27T10:00:00Z",
 * "2026-11-27 10:00:00+00").
 *
 * Returns 0 with f filled (free it with intensity_file_free), or -1 with
 * *err_line set to the line at fault (the first one, in file order) and a
 * one-line reason in err (without the line number). errno is not set. */
int intensity_csv_parse(FILE *fp, const char *zone, struct intensity_file *f,
			unsigned *err_line, char *err, size_t errlen);

void intensity_file_free(struct intensity_file *f);

/* Is zone a usable zone id: 1 to 63 letters, digits or - _ . : / ? */
int intensity_zone_valid(const char *zone);

/* What a zone id is, for the message when one is not. */
#define ZONE_ID_RULE "a zone id is 1 to 63 letters, digits or - _ . : / (e.g. DE, US-CAL-CISO)"

/* What to give when a zone has no annual figure. */
#define ZONE_UNKNOWN_HINT \
	"no annual intensity is known for this zone; give a zone of data/intensity_*.csv (e.g. DE, US-CAL-CISO, gcp:europe-west1, aws:us-east-1), or run 'carbon-report db upgrade' to load them"


/* "hourly", "daily", "monthly", "15-minute", ... for f's spacing, or "" when
 * it is irregular. Returns buf. */
const char *intensity_spacing_name(const struct intensity_file *f, char *buf,
				   size_t n);

const char *intensity_signal_name(enum intensity_signal signal);
const char *intensity_scope_name(enum intensity_scope scope);

#endif

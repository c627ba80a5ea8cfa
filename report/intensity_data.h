/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The annual grid intensities of data/intensity_*.csv, compiled in by
 * build-aux/embed-intensity.sh (report/intensity_data.c). */
#ifndef CARBON_INTENSITY_DATA_H
#define CARBON_INTENSITY_DATA_H

/* One SQL statement that inserts every row of data/intensity_*.csv into
 * carbon.intensity_annual, or updates a row with the same (zone, year,
 * dataset) whose g_per_kwh, kind or licence differ; rows that already hold
 * the same figures are left alone, so running it again changes nothing and
 * PQcmdTuples() counts only rows added or changed. Needs migration 004. */
extern const char carbon_intensity_data_sql[];

/* The number of rows the statement holds (every data row of the CSVs). */
extern const int carbon_intensity_data_rows;

#endif

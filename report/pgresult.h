/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a libpq result by column name, one way for every report. */
#ifndef CARBON_REPORT_PGRESULT_H
#define CARBON_REPORT_PGRESULT_H

#include <libpq-fe.h>

/* Column col of row as a number: dflt where the column is null or absent. */
double pg_number_or(const PGresult *res, int row, const char *col, double dflt);

/* Column col of row as a number; NaN where it is null or absent. */
double pg_number(const PGresult *res, int row, const char *col);

/* Column number col of row as text; NULL where it is null. */
const char *pg_text_or_null(const PGresult *res, int row, int col);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a libpq result by column name (see pgresult.h). */
#include "pgresult.h"

#include <math.h>
#include <stdlib.h>

double pg_number_or(const PGresult *res, int row, const char *col, double dflt)
{
	int c = PQfnumber(res, col);

	if (c < 0 || PQgetisnull(res, row, c))
		return dflt;
	return strtod(PQgetvalue(res, row, c), NULL);
}

double pg_number(const PGresult *res, int row, const char *col)
{
	return pg_number_or(res, row, col, NAN);
}

const char *pg_text_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

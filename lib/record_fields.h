/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fields of a step record, listed once: their names (the columns of
 * carbon.step_energy and the fields of the SQL type carbon.step_in,
 * sql/013), their C types and whether they may be absent. The rows that
 * carbon.put_rows takes, from the plugin and from a spool flush alike, are
 * written from this table. */
#ifndef CARBON_RECORD_FIELDS_H
#define CARBON_RECORD_FIELDS_H

#include <stddef.h>

#include "record.h"

enum record_field_type {
	RF_TEXT,	/* char[size]; FLAG_EMPTY_NULL: "" is NULL */
	RF_U32,		/* uint32_t; FLAG_ZERO_NULL: 0 is NULL */
	RF_INT,		/* int */
	RF_F64,		/* double, joules or seconds */
	RF_TIME,	/* double, seconds since the epoch: a timestamptz */
	RF_BOOL,	/* bool */
	RF_HOURS,	/* the hour buckets: the JSON array of record_hours_json() */
};

/* Which presence flag of struct step_record a field belongs to: the field
 * is NULL when the flag is false (a record of an older plugin). */
enum record_field_group {
	RG_ALWAYS,
	RG_JOB,		/* has_job: the measurement engine's fields */
	RG_HW,		/* has_hw: the node's hardware */
	RG_EXIT,	/* has_exit: how the step's tasks ended */
};

#define RF_EMPTY_NULL 1u	/* text "" is NULL */
#define RF_ZERO_NULL 2u		/* a number 0 is NULL */

struct record_field {
	const char *name;
	enum record_field_type type;
	size_t offset;
	size_t size;		/* RF_TEXT: the array's size */
	enum record_field_group group;
	unsigned flags;
};

extern const struct record_field record_fields[];
extern const size_t record_field_count;

/* Rows for carbon.put_rows: an array literal of the type carbon.step_in,
 * one element a record, its fields in the order of record_fields. */
struct record_rows {
	char *p;		/* "{"(...)","(...)"" while open; see record_rows_literal() */
	size_t len, cap;
	unsigned n;		/* records added */
};

#define RECORD_ROWS_INIT { NULL, 0, 0, 0 }

/* Append r as one element of an array literal of carbon.step_in,
 * {"(f1,f2,...)",...}, the form carbon.put_rows takes as one parameter
 * (PostgreSQL's own array and record parsers read it, faster than JSON).
 * A double that is not finite is sent as NaN, which the database refuses
 * record by record. Returns 0, or -1 when out of memory. */
int record_rows_add_literal(struct record_rows *rows, const struct step_record *r);

/* The literal, NUL-terminated ("{}" when empty); valid until the next add,
 * reset or free. NULL when out of memory. */
const char *record_rows_literal(struct record_rows *rows);

/* Empty the array, keeping its memory. */
void record_rows_reset(struct record_rows *rows);

void record_rows_free(struct record_rows *rows);

#endif

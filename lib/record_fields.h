/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fields of a step record, listed once: their names (the columns of
 * carbon.step_energy and the fields of the SQL type carbon.step_in,
 * sql/013), their C types and whether they may be absent. The JSON rows
 * that carbon.put_steps takes, from the plugin and from a spool flush alike,
 * are written from this table. */
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

/* Rows for carbon.put_steps: a JSON array of objects, one per record, keyed
 * by record_fields' names (carbon.put_steps), or an array literal of the
 * type carbon.step_in (carbon.put_rows). */
struct record_rows {
	char *p;		/* "[{...},{...}" while open; see record_rows_json() */
	size_t len, cap;
	unsigned n;		/* records added */
};

#define RECORD_ROWS_INIT { NULL, 0, 0, 0 }

/* Append r as one JSON object. Text is escaped (control characters and
 * bytes above 0x7e as \u00XX), numbers that are not finite are sent as
 * the string "NaN", which the database refuses row by row. Returns 0, or -1
 * when out of memory. */
int record_rows_add(struct record_rows *rows, const struct step_record *r);

/* Append r as one element of an array literal of carbon.step_in,
 * {"(f1,f2,...)",...}, the form carbon.put_rows takes as one parameter
 * (PostgreSQL's own array and record parsers read it, faster than JSON).
 * The buffer then holds that literal: use one kind a buffer. Returns 0, or
 * -1 when out of memory. */
int record_rows_add_literal(struct record_rows *rows, const struct step_record *r);

/* The literal, NUL-terminated ("{}" when empty); valid until the next add,
 * reset or free. NULL when out of memory. */
const char *record_rows_literal(struct record_rows *rows);

/* The array as a NUL-terminated JSON text ("[]" when empty); valid until
 * the next add, reset or free. NULL when out of memory. */
const char *record_rows_json(struct record_rows *rows);

/* Empty the array, keeping its memory. */
void record_rows_reset(struct record_rows *rows);

void record_rows_free(struct record_rows *rows);

#endif

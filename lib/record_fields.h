/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fields of a step record, listed once (lib/record_fields.c): their
 * names (the columns of carbon.step_energy and the fields of the SQL type
 * carbon.step_in), their spool keys, C types, units, whether they may be
 * absent and the rule their values obey. From this table the rows that
 * carbon.put_rows takes are written (from the plugin and from a spool flush
 * alike), the spool's text is written and parsed (lib/spool.c), and the
 * reports' select list is made.
 *
 * Adding a field: a member of struct step_record, one line in
 * record_fields[] at its place in carbon.step_in, and one migration that
 * adds the column and the type's field and has carbon.put_rows store it
 * (tests/unit/test_record_fields checks the table against the migrations).
 * Make it RF_OPTIONAL (or give it a group): the spool files of older
 * plugins lack its key. */
#ifndef CARBON_RECORD_FIELDS_H
#define CARBON_RECORD_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

enum record_field_type {
	RF_TEXT,	/* char[size]; RF_EMPTY_NULL: "" is NULL */
	RF_U32,		/* uint32_t, a whole number */
	RF_INT,		/* int */
	RF_F64,		/* double, a number >= 0 of its unit */
	RF_TIME,	/* double, seconds since the epoch: a timestamptz */
	RF_BOOL,	/* bool; 0 or 1 in the spool */
	RF_HOURS,	/* the hour buckets (hours, n_hours): the JSON array of
			 * record_hours_json(), one spool line a bucket */
};

/* Which presence flag of struct step_record a field belongs to: the field
 * is NULL when the flag is false (a record of an older plugin). In the
 * spool a group's keys come together, and any of them sets the flag. */
enum record_field_group {
	RG_ALWAYS,
	RG_JOB,		/* has_job: the measurement engine's fields (003) */
	RG_HW,		/* has_hw: the node's hardware (010) */
	RG_EXIT,	/* has_exit: how the step's tasks ended (012) */
	RG_COUNT
};

/* What a value must be: the spool's parser takes only such a value, and
 * its writer writes only a record whose values all are, so that what is
 * written reads back as it was. Texts are printable ASCII without
 * backslash, NUL-terminated within their array. */
enum record_field_rule {
	RR_NUMBER,		/* by the type: RF_U32 and RF_INT whole numbers,
				 * RF_F64 finite and >= 0, RF_TIME >= 0 and
				 * before 5138 (1e11 s) */
	RR_WAIT_STATUS,		/* RF_INT: a wait(2) status, 0 to 65535 */
	RR_WORD,		/* 1 or more characters, no space */
	RR_WORD_OR_NONE,	/* the same; "" is written as "none" */
	RR_WORD_OR_EMPTY,	/* the same, or nothing */
	RR_LABEL_OR_EMPTY,	/* label_is_valid(), or nothing */
	RR_PHRASE,		/* characters and spaces, or nothing */
};

#define RF_EMPTY_NULL 1u	/* text "" is NULL */
#define RF_ZERO_NULL 2u		/* a number 0 is NULL */
#define RF_OPTIONAL 4u		/* a field of RG_ALWAYS that a record may lack
				 * (the spool of a plugin from before it): then
				 * it is zero; the spool leaves out its key when
				 * it is NULL (RF_EMPTY_NULL, RF_ZERO_NULL) */

struct record_field {
	const char *name;	/* the column and the field of carbon.step_in */
	const char *key;	/* the spool's key */
	enum record_field_type type;
	size_t offset;		/* in struct step_record */
	size_t size;		/* RF_TEXT: the array's size */
	const char *unit;	/* RF_F64: "joules" or "seconds"; else "" */
	enum record_field_group group;
	unsigned flags;
	enum record_field_rule rule;
};

/* In the order of the fields of carbon.step_in. */
extern const struct record_field record_fields[];
extern const size_t record_field_count;
#define RECORD_FIELD_MAX 64	/* record_field_count stays below */

/* Required: a field every record has (RG_ALWAYS, not RF_OPTIONAL). */
bool record_field_required(const struct record_field *f);

/* The presence flag of group g in r (has_job, has_hw, has_exit), or NULL
 * for RG_ALWAYS. */
bool *record_group_flag(struct step_record *r, enum record_field_group g);

/* Is f NULL in r: its group absent, or its value the NULL of its flags. */
bool record_field_is_null(const struct step_record *r, const struct record_field *f);

/* The select list of the fields a report reads from carbon.step_energy:
 * every field but those named in omit (a NULL-terminated list; may be
 * NULL), each under its own name, a time (RF_TIME) as float8 seconds since
 * the epoch, the hour buckets as jsonb. A field whose column the database
 * lacks (has_column says so: a database from before the field's migration)
 * is selected as a NULL, as in a record of an older plugin; has_column
 * NULL: every column is there. Returns the length written into buf (size
 * n), or -1 when buf is too small. */
int record_fields_select(char *buf, size_t n, const char *const *omit,
			 bool (*has_column)(const char *name, void *arg), void *arg);

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

/* The SQL type of carbon.step_in and of each of its fields, as the server
 * has them (pg_type OIDs): what PostgreSQL's binary form of a record names
 * and checks. */
struct record_sql_types {
	uint32_t step_in;
	uint32_t field[RECORD_FIELD_MAX];
};

/* Fill t from what the server says carbon.step_in is: its OID, and n
 * fields with their names and type OIDs, in order. Returns 0 when those are
 * record_fields' names, each of a type its C type can be sent as (text,
 * bigint or integer, float8, timestamptz, boolean, jsonb); -1 otherwise
 * (then only the array literal fits). */
int record_sql_types_set(struct record_sql_types *t, uint32_t step_in, size_t n,
			 const char *const *names, const uint32_t *types);

/* Append r as one element of carbon.step_in[] in PostgreSQL's binary form
 * (array_recv, record_recv): the values the array literal holds, as the
 * server would read them from it (a double rounded as the literal writes
 * it, a time to the microsecond, the same NULLs, '?' for the same
 * characters), with nothing left for the server to parse. A rows holds one
 * form only until reset. t: from record_sql_types_set(). Returns 0, or -1
 * when out of memory. */
int record_rows_add_binary(struct record_rows *rows, const struct step_record *r,
			   const struct record_sql_types *t);

/* The binary array, *len bytes; valid until the next add, reset or free.
 * NULL when out of memory. */
const char *record_rows_binary(struct record_rows *rows, const struct record_sql_types *t,
			       size_t *len);

/* Empty the array, keeping its memory. */
void record_rows_reset(struct record_rows *rows);

void record_rows_free(struct record_rows *rows);

#endif

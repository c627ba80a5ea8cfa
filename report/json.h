/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small streaming JSON writer: carbon-report's --json output. */
#ifndef CARBON_JSON_H
#define CARBON_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

/* Writes one JSON value to fp as it is built, on one line, with ", " and ": "
 * between items. The writer inserts the commas itself: the caller only says
 * what comes next. Misuse (a value in an object without a key, a key outside
 * an object, closing what is not open, nesting deeper than JSON_MAX_DEPTH)
 * writes nothing and is remembered: json_finish() then reports it.
 * Nothing is allocated; the writer lives wherever the caller puts it. */
struct json_writer {
	FILE *fp;
	int depth;			/* open containers */
	char kind[JSON_MAX_DEPTH];	/* '{' or '[' per open container */
	bool has_items[JSON_MAX_DEPTH];	/* a member was written at that level */
	bool want_value;		/* a key was written, its value is due */
	bool done;			/* the top-level value is complete */
	bool misused;
};

/* Start a writer that writes to fp. */
void json_init(struct json_writer *w, FILE *fp);

void json_begin_object(struct json_writer *w);
void json_end_object(struct json_writer *w);
void json_begin_array(struct json_writer *w);
void json_end_array(struct json_writer *w);

/* The key of the next member of the current object. */
void json_key(struct json_writer *w, const char *key);

/* Values. json_string escapes '"', '\\' and control characters (other bytes
 * pass through, so s must be UTF-8); a NULL s writes null. json_number writes
 * %.9g, enough to tell apart two numbers that differ by 1e-8 relative; NaN
 * and infinities, which JSON cannot hold, become null. */
void json_string(struct json_writer *w, const char *s);
void json_number(struct json_writer *w, double v);
void json_int(struct json_writer *w, long long v);
/* v with a fixed number of decimals (%.*f), for numbers %.9g would round,
 * such as seconds since the epoch with their microseconds (decimals 6). */
void json_number_fixed(struct json_writer *w, double v, int decimals);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);

/* Key and value in one call, for the members of an object. */
void json_kv_string(struct json_writer *w, const char *key, const char *s);
void json_kv_number(struct json_writer *w, const char *key, double v);
void json_kv_int(struct json_writer *w, const char *key, long long v);
void json_kv_number_fixed(struct json_writer *w, const char *key, double v,
			  int decimals);
void json_kv_bool(struct json_writer *w, const char *key, bool v);
void json_kv_null(struct json_writer *w, const char *key);

/* Returns 0 when exactly one complete value was written without misuse and
 * fp reports no error, -1 otherwise. Writes nothing (no newline). */
int json_finish(const struct json_writer *w);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The step record's fields, and the rows of carbon.put_rows written from them. */
#include "record_fields.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT(name, member, group, flags) \
	{ name, RF_TEXT, offsetof(struct step_record, member), \
	  sizeof(((struct step_record *)0)->member), group, flags }
#define FIELD(name, type, member, group, flags) \
	{ name, type, offsetof(struct step_record, member), 0, group, flags }

/* In the order of carbon.step_in (sql/013). */
const struct record_field record_fields[] = {
	TEXT("cluster", cluster, RG_ALWAYS, 0),
	FIELD("job_id", RF_U32, job_id, RG_ALWAYS, 0),
	TEXT("step", step, RG_ALWAYS, 0),
	TEXT("node", node, RG_ALWAYS, 0),
	FIELD("uid", RF_U32, uid, RG_ALWAYS, 0),
	TEXT("user_name", user, RG_ALWAYS, 0),
	TEXT("account", account, RG_ALWAYS, RF_EMPTY_NULL),
	TEXT("project", project, RG_ALWAYS, RF_EMPTY_NULL),
	TEXT("tag", tag, RG_ALWAYS, RF_EMPTY_NULL),
	FIELD("start_time", RF_TIME, start_s, RG_ALWAYS, 0),
	FIELD("end_time", RF_TIME, end_s, RG_ALWAYS, 0),
	FIELD("cpu_j", RF_F64, energy_j[DOMAIN_CPU], RG_ALWAYS, 0),
	FIELD("dram_j", RF_F64, energy_j[DOMAIN_DRAM], RG_ALWAYS, 0),
	FIELD("gpu_j", RF_F64, energy_j[DOMAIN_GPU], RG_ALWAYS, 0),
	FIELD("other_j", RF_F64, energy_j[DOMAIN_OTHER], RG_ALWAYS, 0),
	FIELD("samples", RF_U32, samples, RG_ALWAYS, 0),
	TEXT("method", method, RG_ALWAYS, 0),
	FIELD("partial", RF_BOOL, partial, RG_ALWAYS, 0),
	FIELD("job_cpu_j", RF_F64, job_j[DOMAIN_CPU], RG_JOB, 0),
	FIELD("job_dram_j", RF_F64, job_j[DOMAIN_DRAM], RG_JOB, 0),
	FIELD("job_gpu_j", RF_F64, job_j[DOMAIN_GPU], RG_JOB, 0),
	FIELD("job_other_j", RF_F64, job_j[DOMAIN_OTHER], RG_JOB, 0),
	FIELD("estimated_j", RF_F64, estimated_j, RG_ALWAYS, 0),
	FIELD("cpu_time_s", RF_F64, cpu_time_s, RG_JOB, 0),
	TEXT("split", split, RG_ALWAYS, RF_EMPTY_NULL),
	TEXT("notes", notes, RG_ALWAYS, RF_EMPTY_NULL),
	FIELD("hours", RF_HOURS, hours, RG_JOB, 0),
	TEXT("cpu_model", cpu_model, RG_HW, RF_EMPTY_NULL),
	FIELD("alloc_cpus", RF_U32, alloc_cpus, RG_HW, RF_ZERO_NULL),
	TEXT("gpu_model", gpu_model, RG_HW, RF_EMPTY_NULL),
	FIELD("gpus", RF_U32, gpus, RG_HW, 0),
	FIELD("exit_status", RF_INT, exit_status, RG_EXIT, 0),
	FIELD("job_start", RF_TIME, job_start_s, RG_ALWAYS, RF_ZERO_NULL),
};
const size_t record_field_count = sizeof(record_fields) / sizeof(record_fields[0]);

/* The most one record's element can take: every text escaped at 4 bytes a
 * byte (with room to spare), numbers, and the hour buckets with the room
 * put_value() writes their JSON in before escaping it. */
#define ROW_MAX (sizeof(struct step_record) - sizeof(((struct step_record *)0)->hours)) * 6 + \
	4096 + 5 * RECORD_HOURS_JSON_MAX + 16

static bool present(const struct step_record *r, enum record_field_group g)
{
	switch (g) {
	case RG_JOB:
		return r->has_job;
	case RG_HW:
		return r->has_hw;
	case RG_EXIT:
		return r->has_exit;
	case RG_ALWAYS:
		break;
	}
	return true;
}

/* A double as float8 input: NaN where it is not finite, which the
 * database refuses record by record. */
static char *put_double(char *o, double v)
{
	if (!isfinite(v))
		return o + sprintf(o, "NaN");
	if (fabs(v) < 1e15)
		return o + sprintf(o, "%.6f", v);
	return o + sprintf(o, "%.17g", v);
}

static int reserve(struct record_rows *rows)
{
	size_t need = rows->len + ROW_MAX + 4;

	if (need > rows->cap) {
		size_t cap = rows->cap ? rows->cap : 65536;
		char *p;

		while (cap < need)
			cap *= 2;
		p = realloc(rows->p, cap);
		if (!p)
			return -1;
		rows->p = p;
		rows->cap = cap;
	}
	return 0;
}

/* A field of a record inside an array literal of records,
 * {"(f1,f2,...)",...}: quoted for the record ("...", with " and \ escaped)
 * and again for the array (each " and \ of that escaped). Characters below
 * 0x20 or above 0x7e (never in a record the spool codec accepts) become '?'. */
static char *put_literal_text(char *o, const char *s, size_t max)
{
	size_t i;

	memcpy(o, "\\\"", 2);	/* the record's opening quote, escaped for the array */
	o += 2;
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			/* \" or \\ for the record, each character escaped again */
			memcpy(o, "\\\\\\", 3);
			o += 3;
			*o++ = (char)c;
		} else {
			*o++ = c < 0x20 || c > 0x7e ? '?' : (char)c;
		}
	}
	memcpy(o, "\\\"", 2);
	return o + 2;
}

/* One field's value at o as its type's input text inside the literal;
 * NULL as nothing. */
static char *put_value(char *o, const struct record_field *f, const struct step_record *r)
{
	const char *at = (const char *)r + f->offset;

	if (!present(r, f->group))
		return o;
	switch (f->type) {
	case RF_TEXT:
		if ((f->flags & RF_EMPTY_NULL) && !at[0])
			return o;
		return put_literal_text(o, at, f->size);
	case RF_U32: {
		uint32_t v;

		memcpy(&v, at, sizeof(v));
		if ((f->flags & RF_ZERO_NULL) && v == 0)
			return o;
		return o + sprintf(o, "%" PRIu32, v);
	}
	case RF_INT: {
		int v;

		memcpy(&v, at, sizeof(v));
		return o + sprintf(o, "%d", v);
	}
	case RF_F64: {
		double v;

		memcpy(&v, at, sizeof(v));
		return put_double(o, v);
	}
	case RF_TIME: {
		double v;
		char when[48];

		memcpy(&v, at, sizeof(v));
		if (!isfinite(v) || v < 0 || v > 1e11 || ((f->flags & RF_ZERO_NULL) && v == 0))
			return o;
		return o + sprintf(o, "%s", utc_timestamp_us(v, when, sizeof(when)));
	}
	case RF_BOOL: {
		bool v;

		memcpy(&v, at, sizeof(v));
		return o + sprintf(o, v ? "t" : "f");
	}
	case RF_HOURS: {
		/* The JSON is written past where its escaped form (at most 4
		 * bytes a byte) can reach, then escaped into place. */
		char *json = o + 4 * RECORD_HOURS_JSON_MAX + 8;
		int w = record_hours_json(r, json, RECORD_HOURS_JSON_MAX);

		return w < 0 ? o : put_literal_text(o, json, (size_t)w);
	}
	}
	return o;
}

int record_rows_add_literal(struct record_rows *rows, const struct step_record *r)
{
	size_t i;
	char *o;

	if (reserve(rows) < 0)
		return -1;
	o = rows->p + rows->len;
	o += sprintf(o, "%s\"(", rows->n ? "," : "{");
	for (i = 0; i < record_field_count; i++) {
		if (i)
			*o++ = ',';
		o = put_value(o, &record_fields[i], r);
	}
	o += sprintf(o, ")\"");
	rows->len = (size_t)(o - rows->p);
	rows->n++;
	return 0;
}

const char *record_rows_literal(struct record_rows *rows)
{
	if (rows->cap < rows->len + 3) {
		char *p = realloc(rows->p, rows->len + 3);

		if (!p)
			return NULL;
		rows->p = p;
		rows->cap = rows->len + 3;
	}
	if (rows->n == 0) {
		memcpy(rows->p, "{}", 3);
		return rows->p;
	}
	rows->p[rows->len] = '}';
	rows->p[rows->len + 1] = '\0';
	return rows->p;
}

void record_rows_reset(struct record_rows *rows)
{
	rows->len = 0;
	rows->n = 0;
}

void record_rows_free(struct record_rows *rows)
{
	free(rows->p);
	rows->p = NULL;
	rows->len = rows->cap = 0;
	rows->n = 0;
}

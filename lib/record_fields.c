/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The step record's fields, and the rows of carbon.put_rows written from them. */
#include "record_fields.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One field: its name (SQL), spool key, type, member of struct
 * step_record, unit, group, flags and rule. */
#define F(name, key, type, member, unit, group, flags, rule) \
	{ name, key, type, offsetof(struct step_record, member), \
	  type == RF_TEXT ? sizeof(((struct step_record *)0)->member) : 0, \
	  unit, group, flags, rule }

/* In the order of carbon.step_in (sql/013). */
const struct record_field record_fields[] = {
	/* name		spool key	type	  member		unit	   group      flags	     rule */
	F("cluster",	"cluster",	RF_TEXT,  cluster,		"",	   RG_ALWAYS, 0,	     RR_WORD),
	F("job_id",	"job_id",	RF_U32,	  job_id,		"",	   RG_ALWAYS, 0,	     RR_NUMBER),
	F("step",	"step",		RF_TEXT,  step,			"",	   RG_ALWAYS, 0,	     RR_WORD),
	F("node",	"node",		RF_TEXT,  node,			"",	   RG_ALWAYS, 0,	     RR_WORD),
	F("uid",	"uid",		RF_U32,	  uid,			"",	   RG_ALWAYS, 0,	     RR_NUMBER),
	F("user_name",	"user",		RF_TEXT,  user,			"",	   RG_ALWAYS, 0,	     RR_WORD),
	F("account",	"account",	RF_TEXT,  account,		"",	   RG_ALWAYS, RF_EMPTY_NULL, RR_WORD_OR_EMPTY),
	F("project",	"project",	RF_TEXT,  project,		"",	   RG_ALWAYS, RF_EMPTY_NULL, RR_LABEL_OR_EMPTY),
	F("tag",	"tag",		RF_TEXT,  tag,			"",	   RG_ALWAYS, RF_EMPTY_NULL, RR_LABEL_OR_EMPTY),
	F("start_time",	"start",	RF_TIME,  start_s,		"seconds", RG_ALWAYS, 0,	     RR_NUMBER),
	F("end_time",	"end",		RF_TIME,  end_s,		"seconds", RG_ALWAYS, 0,	     RR_NUMBER),
	F("cpu_j",	"cpu_j",	RF_F64,	  energy_j[DOMAIN_CPU],	"joules",  RG_ALWAYS, 0,	     RR_NUMBER),
	F("dram_j",	"dram_j",	RF_F64,	  energy_j[DOMAIN_DRAM], "joules", RG_ALWAYS, 0,	     RR_NUMBER),
	F("gpu_j",	"gpu_j",	RF_F64,	  energy_j[DOMAIN_GPU],	"joules",  RG_ALWAYS, 0,	     RR_NUMBER),
	F("other_j",	"other_j",	RF_F64,	  energy_j[DOMAIN_OTHER], "joules", RG_ALWAYS, 0,	     RR_NUMBER),
	F("samples",	"samples",	RF_U32,	  samples,		"",	   RG_ALWAYS, 0,	     RR_NUMBER),
	F("method",	"method",	RF_TEXT,  method,		"",	   RG_ALWAYS, 0,	     RR_WORD),
	F("partial",	"partial",	RF_BOOL,  partial,		"",	   RG_ALWAYS, 0,	     RR_NUMBER),
	F("job_cpu_j",	"job_cpu_j",	RF_F64,	  job_j[DOMAIN_CPU],	"joules",  RG_JOB,    0,	     RR_NUMBER),
	F("job_dram_j",	"job_dram_j",	RF_F64,	  job_j[DOMAIN_DRAM],	"joules",  RG_JOB,    0,	     RR_NUMBER),
	F("job_gpu_j",	"job_gpu_j",	RF_F64,	  job_j[DOMAIN_GPU],	"joules",  RG_JOB,    0,	     RR_NUMBER),
	F("job_other_j", "job_other_j",	RF_F64,	  job_j[DOMAIN_OTHER],	"joules",  RG_JOB,    0,	     RR_NUMBER),
	F("estimated_j", "estimated_j",	RF_F64,	  estimated_j,		"joules",  RG_JOB,    0,	     RR_NUMBER),
	F("cpu_time_s",	"cpu_time_s",	RF_F64,	  cpu_time_s,		"seconds", RG_JOB,    0,	     RR_NUMBER),
	F("split",	"split",	RF_TEXT,  split,		"",	   RG_JOB,    RF_EMPTY_NULL, RR_WORD_OR_NONE),
	F("notes",	"notes",	RF_TEXT,  notes,		"",	   RG_JOB,    RF_EMPTY_NULL, RR_PHRASE),
	F("hours",	"hour",		RF_HOURS, hours,		"joules",  RG_JOB,    0,	     RR_NUMBER),
	F("cpu_model",	"cpu_model",	RF_TEXT,  cpu_model,		"",	   RG_HW,     RF_EMPTY_NULL, RR_PHRASE),
	F("alloc_cpus",	"alloc_cpus",	RF_U32,	  alloc_cpus,		"",	   RG_HW,     RF_ZERO_NULL,  RR_NUMBER),
	F("gpu_model",	"gpu_model",	RF_TEXT,  gpu_model,		"",	   RG_HW,     RF_EMPTY_NULL, RR_PHRASE),
	F("gpus",	"gpus",		RF_U32,	  gpus,			"",	   RG_HW,     0,	     RR_NUMBER),
	F("exit_status", "exit_status",	RF_INT,	  exit_status,		"",	   RG_EXIT,   0,	     RR_WAIT_STATUS),
	F("job_start",	"job_start",	RF_TIME,  job_start_s,		"seconds", RG_ALWAYS, RF_OPTIONAL | RF_ZERO_NULL, RR_NUMBER),
	F("oom_kills",	"oom_kills",	RF_U32,	  oom_kills,		"",	   RG_ALWAYS, RF_OPTIONAL | RF_ZERO_NULL, RR_NUMBER),
};
const size_t record_field_count = sizeof(record_fields) / sizeof(record_fields[0]);
_Static_assert(sizeof(record_fields) / sizeof(record_fields[0]) < RECORD_FIELD_MAX,
	       "RECORD_FIELD_MAX bounds the fields");

/* The most one record's element can take: every text escaped at 4 bytes a
 * byte (with room to spare), numbers, and the hour buckets with the room
 * put_value() writes their JSON in before escaping it. */
#define ROW_MAX (sizeof(struct step_record) - sizeof(((struct step_record *)0)->hours)) * 6 + \
	4096 + 5 * RECORD_HOURS_JSON_MAX + 16

bool record_field_required(const struct record_field *f)
{
	return f->group == RG_ALWAYS && !(f->flags & RF_OPTIONAL);
}

bool *record_group_flag(struct step_record *r, enum record_field_group g)
{
	switch (g) {
	case RG_JOB:
		return &r->has_job;
	case RG_HW:
		return &r->has_hw;
	case RG_EXIT:
		return &r->has_exit;
	case RG_ALWAYS:
	case RG_COUNT:
		break;
	}
	return NULL;
}

static bool present(const struct step_record *r, enum record_field_group g)
{
	const bool *flag = record_group_flag((struct step_record *)r, g);

	return !flag || *flag;
}

bool record_field_is_null(const struct step_record *r, const struct record_field *f)
{
	const char *at = (const char *)r + f->offset;

	if (!present(r, f->group))
		return true;
	if (f->type == RF_TEXT)
		return (f->flags & RF_EMPTY_NULL) && !at[0];
	if (!(f->flags & RF_ZERO_NULL))
		return false;
	switch (f->type) {
	case RF_U32: {
		uint32_t v;

		memcpy(&v, at, sizeof(v));
		return v == 0;
	}
	case RF_INT: {
		int v;

		memcpy(&v, at, sizeof(v));
		return v == 0;
	}
	case RF_F64:
	case RF_TIME: {
		double v;

		memcpy(&v, at, sizeof(v));
		return v == 0;
	}
	case RF_TEXT:
	case RF_BOOL:
	case RF_HOURS:
		break;
	}
	return false;
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

	if (record_field_is_null(r, f))
		return o;
	switch (f->type) {
	case RF_TEXT:
		return put_literal_text(o, at, f->size);
	case RF_U32: {
		uint32_t v;

		memcpy(&v, at, sizeof(v));
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
		if (!isfinite(v) || v < 0 || v > 1e11)
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

/* The SQL type a NULL of f is selected as. */
static const char *select_null_type(const struct record_field *f)
{
	switch (f->type) {
	case RF_TEXT:
		return "text";
	case RF_U32:
		return "bigint";
	case RF_INT:
		return "integer";
	case RF_F64:
	case RF_TIME:
		return "float8";
	case RF_BOOL:
		return "boolean";
	case RF_HOURS:
		return "jsonb";
	}
	return "text";
}

int record_fields_select(char *buf, size_t n, const char *const *omit,
			 bool (*has_column)(const char *name, void *arg), void *arg)
{
	size_t i, len = 0;
	const char *const *o;
	int w;

	if (n == 0)
		return -1;
	buf[0] = '\0';
	for (i = 0; i < record_field_count; i++) {
		const struct record_field *f = &record_fields[i];

		for (o = omit; o && *o && strcmp(*o, f->name); o++)
			;
		if (o && *o)
			continue;
		if (has_column && !has_column(f->name, arg))
			w = snprintf(buf + len, n - len, "%sNULL::%s AS %s", len ? ", " : "",
				     select_null_type(f), f->name);
		else if (f->type == RF_TIME)
			w = snprintf(buf + len, n - len, "%sextract(epoch FROM %s)::float8 AS %s",
				     len ? ", " : "", f->name, f->name);
		else
			w = snprintf(buf + len, n - len, "%s%s", len ? ", " : "", f->name);
		if (w < 0 || (size_t)w >= n - len)
			return -1;
		len += (size_t)w;
	}
	return (int)len;
}

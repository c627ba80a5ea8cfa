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

/* ---- the binary form ------------------------------------------------------
 * PostgreSQL's array_recv: ndim, has-null flag, element type, then per
 * dimension its length and lower bound; each element as its length and
 * record_recv's form: the number of fields, then per field its type OID,
 * its length (-1: NULL) and the type's own binary form. Integers are big
 * endian. */

/* pg_type OIDs of the built-in types a field can be sent as
 * (src/include/catalog/pg_type.dat, fixed since PostgreSQL 7.x / 9.4). */
#define OID_BOOL 16u
#define OID_INT8 20u
#define OID_INT4 23u
#define OID_TEXT 25u
#define OID_FLOAT8 701u
#define OID_TIMESTAMPTZ 1184u
#define OID_JSONB 3802u

/* Seconds from the Unix epoch to PostgreSQL's, 2000-01-01 00:00:00 UTC. */
#define PG_EPOCH_S 946684800LL

#define ARRAY_HEADER 20		/* ndim, flags, element type, length, lower bound */

static bool type_fits(enum record_field_type type, uint32_t oid)
{
	switch (type) {
	case RF_TEXT:
		return oid == OID_TEXT;
	case RF_U32:
		return oid == OID_INT8 || oid == OID_INT4;
	case RF_INT:
		return oid == OID_INT4;
	case RF_F64:
		return oid == OID_FLOAT8;
	case RF_TIME:
		return oid == OID_TIMESTAMPTZ;
	case RF_BOOL:
		return oid == OID_BOOL;
	case RF_HOURS:
		return oid == OID_JSONB;
	}
	return false;
}

int record_sql_types_set(struct record_sql_types *t, uint32_t step_in, size_t n,
			 const char *const *names, const uint32_t *types)
{
	size_t i;

	if (n != record_field_count || n >= RECORD_FIELD_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], record_fields[i].name) != 0 ||
		    !type_fits(record_fields[i].type, types[i]))
			return -1;
		t->field[i] = types[i];
	}
	t->step_in = step_in;
	return 0;
}

static char *put_u32(char *o, uint32_t v)
{
	o[0] = (char)(v >> 24);
	o[1] = (char)(v >> 16);
	o[2] = (char)(v >> 8);
	o[3] = (char)v;
	return o + 4;
}

static char *put_u64(char *o, uint64_t v)
{
	return put_u32(put_u32(o, (uint32_t)(v >> 32)), (uint32_t)v);
}

/* The double the server reads from what put_double() writes for v. */
static double literal_double(double v)
{
	char text[64];

	if (!isfinite(v))
		return NAN;
	put_double(text, v);
	return strtod(text, NULL);
}

/* A time in microseconds since PostgreSQL's epoch, rounded as
 * utc_timestamp_us() rounds it for the literal. */
static int64_t pg_time_us(double t)
{
	int64_t secs = (int64_t)t;
	long usec = (long)((t - (double)secs) * 1e6 + 0.5);

	if (usec >= 1000000) {
		secs++;
		usec -= 1000000;
	}
	return (secs - PG_EPOCH_S) * 1000000 + usec;
}

/* Text bytes as put_literal_text() sends them: '?' for a byte below 0x20
 * or above 0x7e. Returns the end. */
static char *put_binary_text(char *o, const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		*o++ = c < 0x20 || c > 0x7e ? '?' : (char)c;
	}
	return o;
}

/* One field at o: its type OID, its length and its value, or length -1
 * where put_value() writes nothing (NULL). */
static char *put_binary(char *o, const struct record_field *f, uint32_t oid,
			const struct step_record *r)
{
	const char *at = (const char *)r + f->offset;
	char *len = put_u32(o, oid), *v = len + 4, *end = NULL;

	if (record_field_is_null(r, f))
		goto null;
	switch (f->type) {
	case RF_TEXT:
		end = put_binary_text(v, at, f->size);
		break;
	case RF_U32: {
		uint32_t u;

		memcpy(&u, at, sizeof(u));
		end = oid == OID_INT8 ? put_u64(v, u) : put_u32(v, u);
		break;
	}
	case RF_INT: {
		int i;

		memcpy(&i, at, sizeof(i));
		end = put_u32(v, (uint32_t)i);
		break;
	}
	case RF_F64: {
		double d;
		uint64_t bits;

		memcpy(&d, at, sizeof(d));
		d = literal_double(d);
		memcpy(&bits, &d, sizeof(bits));
		end = put_u64(v, bits);
		break;
	}
	case RF_TIME: {
		double t;

		memcpy(&t, at, sizeof(t));
		if (!isfinite(t) || t < 0 || t > 1e11)
			goto null;
		end = put_u64(v, (uint64_t)pg_time_us(t));
		break;
	}
	case RF_BOOL: {
		bool b;

		memcpy(&b, at, sizeof(b));
		*v = b ? 1 : 0;
		end = v + 1;
		break;
	}
	case RF_HOURS: {
		/* jsonb_recv: a version byte (1), then the JSON text */
		int w = record_hours_json(r, v + 1, RECORD_HOURS_JSON_MAX);

		if (w < 0)
			goto null;
		*v = 1;
		end = put_binary_text(v + 1, v + 1, (size_t)w);
		break;
	}
	}
	if (!end)
		goto null;
	put_u32(len, (uint32_t)(end - v));
	return end;
null:
	return put_u32(len, UINT32_MAX);	/* -1 */
}

int record_rows_add_binary(struct record_rows *rows, const struct step_record *r,
			   const struct record_sql_types *t)
{
	char *o, *start;
	size_t i;

	if (reserve(rows) < 0)
		return -1;
	if (rows->n == 0)
		rows->len = ARRAY_HEADER;	/* written by record_rows_binary() */
	start = rows->p + rows->len;
	o = put_u32(start + 4, (uint32_t)record_field_count);
	for (i = 0; i < record_field_count; i++)
		o = put_binary(o, &record_fields[i], t->field[i], r);
	put_u32(start, (uint32_t)(o - start - 4));
	rows->len = (size_t)(o - rows->p);
	rows->n++;
	return 0;
}

const char *record_rows_binary(struct record_rows *rows, const struct record_sql_types *t,
			       size_t *len)
{
	char *o;

	if (rows->cap < ARRAY_HEADER) {
		char *p = realloc(rows->p, ARRAY_HEADER);

		if (!p)
			return NULL;
		rows->p = p;
		rows->cap = ARRAY_HEADER;
	}
	o = put_u32(rows->p, rows->n ? 1 : 0);	/* dimensions: none when empty */
	o = put_u32(o, 0);			/* no NULL element */
	o = put_u32(o, t->step_in);
	if (rows->n == 0) {
		*len = (size_t)(o - rows->p);
		return rows->p;
	}
	o = put_u32(o, rows->n);
	put_u32(o, 1);				/* lower bound */
	*len = rows->len;
	return rows->p;
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

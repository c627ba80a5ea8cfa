/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The record's one list of fields (lib/record_fields.c) against the SQL
 * type it is written for (carbon.step_in) and the table it is read from
 * (carbon.step_energy), as the migrations make them; the rows of
 * carbon.put_rows (escaping, NULLs of absent groups, numbers) and the
 * reports' select list written from it. The spool keys: test_spool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <glob.h>
#include <stdbool.h>

#include "record_fields.h"

/* What the migrations, applied in order, make of the record in SQL: the
 * fields of the type carbon.step_in and the columns of the table
 * carbon.step_energy, each with its type. */
struct sql_fields {
	int n;
	char name[RECORD_FIELD_MAX * 2][64];
	char type[RECORD_FIELD_MAX * 2][32];
};

static void sql_add(struct sql_fields *s, const char *name, const char *type)
{
	if (s->n < RECORD_FIELD_MAX * 2) {
		snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
		snprintf(s->type[s->n], sizeof(s->type[0]), "%s", type);
		s->n++;
	}
}

/* "name type" after the first of the words at in line, if any. */
static void sql_add_after(struct sql_fields *s, const char *line, const char *at)
{
	const char *p = strstr(line, at);
	char name[64], type[32];

	if (!p)
		return;
	p += strlen(at);
	if (!strncmp(p, "IF NOT EXISTS ", 14))
		p += 14;
	if (sscanf(p, "%63[a-z_] %31[a-z0-9]", name, type) == 2)
		sql_add(s, name, type);
}

/* Read every sql/NNN_*.sql under top in order into type (carbon.step_in:
 * CREATE TYPE, then ALTER TYPE ... ADD ATTRIBUTE) and table
 * (carbon.step_energy: CREATE TABLE, then ALTER TABLE ... ADD COLUMN).
 * Returns the number of files read. */
static int read_migrations(const char *top, struct sql_fields *type, struct sql_fields *table)
{
	enum { NONE, IN_TYPE, IN_TABLE, ALTER_TYPE, ALTER_TABLE } state = NONE;
	char pattern[1024], line[512], name[64], sqltype[32];
	glob_t g;
	size_t i;

	memset(type, 0, sizeof(*type));
	memset(table, 0, sizeof(*table));
	snprintf(pattern, sizeof(pattern), "%s/sql/[0-9][0-9][0-9]_*.sql", top);
	if (glob(pattern, 0, NULL, &g) != 0)
		return 0;
	for (i = 0; i < g.gl_pathc; i++) {
		FILE *fp = fopen(g.gl_pathv[i], "r");

		if (!fp)
			continue;
		while (fgets(line, sizeof(line), fp)) {
			switch (state) {
			case NONE:
				if (strstr(line, "CREATE TYPE carbon.step_in AS (")) {
					type->n = 0;
					state = IN_TYPE;
				} else if (strstr(line, "CREATE TABLE carbon.step_energy (")) {
					table->n = 0;
					state = IN_TABLE;
				} else if (strstr(line, "ALTER TYPE carbon.step_in")) {
					state = ALTER_TYPE;
				} else if (strstr(line, "ALTER TABLE carbon.step_energy")) {
					state = ALTER_TABLE;
				}
				if (state == ALTER_TYPE || state == ALTER_TABLE) {
					sql_add_after(state == ALTER_TYPE ? type : table, line,
						      state == ALTER_TYPE ? "ADD ATTRIBUTE " :
									    "ADD COLUMN ");
					if (strchr(line, ';'))
						state = NONE;
				}
				break;
			case IN_TYPE:
			case IN_TABLE:
				if (line[0] == ')') {
					state = NONE;
					break;
				}
				/* constraints are in capitals: not a name */
				if (sscanf(line, " %63[a-z_] %31[a-z0-9]", name, sqltype) == 2)
					sql_add(state == IN_TYPE ? type : table, name, sqltype);
				break;
			case ALTER_TYPE:
			case ALTER_TABLE:
				sql_add_after(state == ALTER_TYPE ? type : table, line,
					      state == ALTER_TYPE ? "ADD ATTRIBUTE " : "ADD COLUMN ");
				if (strchr(line, ';'))
					state = NONE;
				break;
			}
		}
		fclose(fp);
	}
	globfree(&g);
	return (int)i;
}

/* Whether a SQL type holds a field of C type t. */
static bool sql_type_holds(const char *sql, enum record_field_type t)
{
	switch (t) {
	case RF_TEXT:
		return !strcmp(sql, "text");
	case RF_U32:
		return !strcmp(sql, "bigint") || !strcmp(sql, "integer");
	case RF_INT:
		return !strcmp(sql, "integer");
	case RF_F64:
		return !strcmp(sql, "float8");
	case RF_TIME:
		return !strcmp(sql, "timestamptz");
	case RF_BOOL:
		return !strcmp(sql, "boolean");
	case RF_HOURS:
		return !strcmp(sql, "jsonb");
	}
	return false;
}

/* The C table is the SQL type carbon.step_in, field by field and in order,
 * and every field is a column of carbon.step_energy of the same type. */
static void test_fields_match_sql(void **state)
{
	static struct sql_fields type, table;
	const char *top = getenv("top_srcdir");
	size_t i;
	int c;

	(void)state;
	if (read_migrations(top ? top : ".", &type, &table) < 13)
		fail_msg("cannot read the migrations under %s/sql", top ? top : ".");
	assert_int_equal((size_t)type.n, record_field_count);
	for (i = 0; i < record_field_count; i++) {
		const struct record_field *f = &record_fields[i];

		if (strcmp(type.name[i], f->name))
			fail_msg("field %zu: C says %s, carbon.step_in says %s", i, f->name,
				 type.name[i]);
		if (!sql_type_holds(type.type[i], f->type))
			fail_msg("field %s: carbon.step_in's %s does not hold its C type", f->name,
				 type.type[i]);
		for (c = 0; c < table.n && strcmp(table.name[c], f->name); c++)
			;
		if (c == table.n)
			fail_msg("field %s is no column of carbon.step_energy", f->name);
		if (strcmp(table.type[c], type.type[i]))
			fail_msg("field %s: carbon.step_energy says %s, carbon.step_in %s", f->name,
				 table.type[c], type.type[i]);
	}
}

/* The table itself: one name and one spool key a field, a rule that fits
 * the type, units on the numbers that have one. */
static void test_table_consistent(void **state)
{
	size_t i, j;

	(void)state;
	assert_true(record_field_count < RECORD_FIELD_MAX);
	for (i = 0; i < record_field_count; i++) {
		const struct record_field *f = &record_fields[i];
		bool text = f->type == RF_TEXT;

		for (j = 0; j < i; j++) {
			if (!strcmp(record_fields[j].name, f->name) ||
			    !strcmp(record_fields[j].key, f->key))
				fail_msg("fields %zu and %zu share a name or a key", j, i);
		}
		if (!f->key[0] || strchr(f->key, '=') || strchr(f->key, ' '))
			fail_msg("field %s: the spool key must be a word", f->name);
		if (text != (f->rule >= RR_WORD))
			fail_msg("field %s: texts take a text rule, numbers a number's", f->name);
		if (f->rule == RR_WAIT_STATUS && f->type != RF_INT)
			fail_msg("field %s: a wait status is an int", f->name);
		if (text && f->size < 2)
			fail_msg("field %s: no room for a text", f->name);
		if (f->type == RF_F64 && strcmp(f->unit, "joules") && strcmp(f->unit, "seconds"))
			fail_msg("field %s: a number of joules or seconds", f->name);
		if ((f->flags & RF_EMPTY_NULL) && !text)
			fail_msg("field %s: only a text is NULL when empty", f->name);
		if ((f->flags & RF_ZERO_NULL) && (text || f->type == RF_BOOL || f->type == RF_HOURS))
			fail_msg("field %s: only a number is NULL when 0", f->name);
		if ((f->flags & RF_OPTIONAL) && f->group != RG_ALWAYS)
			fail_msg("field %s: a group's fields come together", f->name);
	}
	/* The record's key (cluster, job, step, node) is required. */
	for (i = 0; i < 4; i++)
		assert_true(record_field_required(&record_fields[i]));
}

/* The reports' select list: every field by its name, times as seconds
 * since the epoch, the columns an older database lacks as NULLs, the ones
 * a report does not read left out. */
static bool no_exit_column(const char *name, void *arg)
{
	(*(int *)arg)++;
	return strcmp(name, "exit_status") != 0;
}

static void test_select_list(void **state)
{
	static const char *const omit[] = { "uid", "account", "hours", NULL };
	char buf[4096];
	int len, asked = 0;
	size_t i;

	(void)state;
	len = record_fields_select(buf, sizeof(buf), NULL, NULL, NULL);
	assert_true(len > 0 && (size_t)len == strlen(buf));
	assert_true(!strncmp(buf, "cluster, job_id, step, node, uid, user_name, ", 45));
	assert_non_null(strstr(buf, ", extract(epoch FROM start_time)::float8 AS start_time, "));
	assert_non_null(strstr(buf, ", hours, "));
	assert_non_null(strstr(buf, ", exit_status"));
	for (i = 0; i < record_field_count; i++)
		assert_non_null(strstr(buf, record_fields[i].name));

	len = record_fields_select(buf, sizeof(buf), omit, no_exit_column, &asked);
	assert_true(len > 0);
	assert_int_equal(asked, (int)record_field_count - 3);
	assert_null(strstr(buf, "uid"));
	assert_null(strstr(buf, "account"));
	assert_null(strstr(buf, "hours"));
	assert_non_null(strstr(buf, ", NULL::integer AS exit_status"));
	assert_null(strstr(buf, ", exit_status"));
	assert_int_equal(record_fields_select(buf, 40, NULL, NULL, NULL), -1);
}

static struct step_record *sample(void)
{
	static struct step_record r;

	memset(&r, 0, sizeof(r));
	strcpy(r.cluster, "c1");
	r.job_id = 42;
	strcpy(r.step, "batch");
	strcpy(r.node, "n1");
	r.uid = 1001;
	strcpy(r.user, "alice");
	strcpy(r.account, "acct\"x\\y\nz\xff");
	strcpy(r.tag, "run3");
	r.start_s = 1795773600.5;
	r.end_s = 1795777200.0;
	r.energy_j[DOMAIN_CPU] = 12.5;
	r.samples = 3;
	strcpy(r.method, "rapl");
	return &r;
}

/* That field name of the one record in lit, whose texts hold no comma,
 * is want. */
static void assert_literal_field(const char *lit, const char *name, const char *want)
{
	const char *p = lit + 3, *end;	/* past {"( */
	size_t i;

	assert_true(!strncmp(lit, "{\"(", 3));
	for (i = 0; i < record_field_count && strcmp(record_fields[i].name, name); i++) {
		p = strchr(p, ',');
		assert_non_null(p);
		p++;
	}
	assert_true(i < record_field_count);
	end = p + strcspn(p, ",)");
	if (strlen(want) != (size_t)(end - p) || strncmp(p, want, (size_t)(end - p)))
		fail_msg("%s is \"%.*s\", want \"%s\"", name, (int)(end - p), p, want);
}

/* The array literal of carbon.put_rows: a record a quoted element, each
 * text quoted for the record and escaped again for the array, NULL empty. */
static void test_literal_row(void **state)
{
	struct record_rows rows = RECORD_ROWS_INIT;
	struct step_record *r = sample();
	const char *lit;

	(void)state;
	assert_string_equal(record_rows_literal(&rows), "{}");
	strcpy(r->account, "a\"b\\c");
	assert_int_equal(record_rows_add_literal(&rows, r), 0);
	assert_int_equal(record_rows_add_literal(&rows, r), 0);
	lit = record_rows_literal(&rows);
	assert_non_null(lit);
	assert_non_null(strstr(lit, "{\"(\\\"c1\\\",42,\\\"batch\\\","));
	/* a"b\c: the quote and the backslash each \\\ before them */
	assert_non_null(strstr(lit, "\\\"a\\\\\\\"b\\\\\\\\c\\\""));
	assert_non_null(strstr(lit, ",2026-11-27 10:00:00.500000+00,"));
	assert_non_null(strstr(lit, ",f,,,,,"));	/* partial, then the NULL job_*_j */
	assert_non_null(strstr(lit, ")\",\"("));
	assert_int_equal(lit[strlen(lit) - 1], '}');
	/* A record of an older plugin: its later groups are NULL. */
	assert_non_null(strstr(lit, ",,,,,)\"}"));	/* hours, hardware, exit */

	/* Control characters and bytes above 0x7e, a number that is not
	 * finite, the groups present. */
	record_rows_reset(&rows);
	assert_string_equal(record_rows_literal(&rows), "{}");
	strcpy(r->account, "acct\nz\xff");
	r->has_job = true;
	r->job_j[DOMAIN_GPU] = INFINITY;
	r->has_exit = true;
	r->exit_status = 768;
	assert_int_equal(record_rows_add_literal(&rows, r), 0);
	lit = record_rows_literal(&rows);
	assert_non_null(strstr(lit, "\\\"acct?z?\\\""));
	assert_non_null(strstr(lit, ",NaN,"));
	assert_non_null(strstr(lit, ",\\\"[]\\\","));	/* no hour bucket yet */
	assert_literal_field(lit, "exit_status", "768");
	assert_string_equal(lit + strlen(lit) - 3, ")\"}");
	assert_int_equal(rows.n, 1);
	record_rows_free(&rows);
}

/* carbon.step_in's types as the migrations declare them (pg_type OIDs). */
static void sql_types(struct record_sql_types *t)
{
	const char *names[RECORD_FIELD_MAX];
	uint32_t types[RECORD_FIELD_MAX];
	size_t i;

	for (i = 0; i < record_field_count; i++) {
		const char *n = record_fields[i].name;

		names[i] = n;
		switch (record_fields[i].type) {
		case RF_TEXT: types[i] = 25; break;
		case RF_U32:
			types[i] = !strcmp(n, "job_id") || !strcmp(n, "uid") || !strcmp(n, "oom_kills") ? 20 : 23;
			break;
		case RF_INT: types[i] = 23; break;
		case RF_F64: types[i] = 701; break;
		case RF_TIME: types[i] = 1184; break;
		case RF_BOOL: types[i] = 16; break;
		case RF_HOURS: types[i] = 3802; break;
		}
	}
	assert_int_equal(record_sql_types_set(t, 77777, record_field_count, names, types), 0);
	/* Another type than its C type can be sent as, another name, another
	 * number of fields: only the literal fits. */
	types[0] = 23;
	assert_int_equal(record_sql_types_set(t, 77777, record_field_count, names, types), -1);
	types[0] = 25;
	names[1] = "job";
	assert_int_equal(record_sql_types_set(t, 77777, record_field_count, names, types), -1);
	names[1] = "job_id";
	assert_int_equal(record_sql_types_set(t, 77777, record_field_count - 1, names, types), -1);
	assert_int_equal(record_sql_types_set(t, 77777, record_field_count, names, types), 0);
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_u64(const unsigned char *p)
{
	return (uint64_t)get_u32(p) << 32 | get_u32(p + 4);
}

/* One field of the binary element at *p: its type, its length (-1: NULL)
 * and where its value starts; advances *p past it. */
struct bin_field {
	uint32_t oid;
	int32_t len;
	const unsigned char *v;
};

static void get_fields(const unsigned char *elem, struct bin_field *f)
{
	const unsigned char *p = elem + 4;
	size_t i;

	assert_int_equal(get_u32(p), record_field_count);
	p += 4;
	for (i = 0; i < record_field_count; i++) {
		f[i].oid = get_u32(p);
		f[i].len = (int32_t)get_u32(p + 4);
		f[i].v = p + 8;
		p += 8 + (f[i].len > 0 ? f[i].len : 0);
	}
	assert_ptr_equal(p, elem + 4 + get_u32(elem));
}

static size_t field_index(const char *name)
{
	size_t i;

	for (i = 0; i < record_field_count; i++)
		if (!strcmp(record_fields[i].name, name))
			return i;
	fail_msg("no field %s", name);
	return 0;
}

/* Where field i of the first record of an array literal starts. */
static const char *literal_field(const char *lit, size_t i)
{
	const char *p = lit + 3;	/* {"( */
	int quoted = 0;

	while (i > 0) {
		if (*p == '"' && p[-1] == '\\')
			quoted = !quoted;
		else if (*p == ',' && !quoted)
			i--;
		p++;
	}
	return p;
}

static double literal_number(const char *lit, size_t i)
{
	return strtod(literal_field(lit, i), NULL);
}

/* The binary form holds the literal's values: same NULLs, the doubles the
 * server would read from the literal, times to the microsecond, '?' for
 * the same bytes. */
static void test_binary_row(void **state)
{
	struct record_rows rows = RECORD_ROWS_INIT, text = RECORD_ROWS_INIT;
	struct record_sql_types t;
	struct bin_field f[RECORD_FIELD_MAX];
	struct step_record *r = sample();
	const unsigned char *b;
	const char *lit;
	double d;
	size_t len, i;

	(void)state;
	sql_types(&t);
	b = (const unsigned char *)record_rows_binary(&rows, &t, &len);
	assert_int_equal(len, 12);	/* empty: no dimension */
	assert_int_equal(get_u32(b), 0);
	assert_int_equal(get_u32(b + 8), 77777);

	strcpy(r->account, "acct\nz\xff");
	r->energy_j[DOMAIN_DRAM] = 0.1234567;	/* the literal rounds it to the uJ */
	r->start_s = 1795773600.9999996;	/* rounds up to the next second */
	assert_int_equal(record_rows_add_binary(&rows, r, &t), 0);
	assert_int_equal(record_rows_add_literal(&text, r), 0);
	r->has_job = true;
	r->job_j[DOMAIN_GPU] = INFINITY;
	r->has_hw = true;
	strcpy(r->cpu_model, "Xeon");
	r->has_exit = true;
	r->exit_status = 768;
	r->job_start_s = 1795770000.25;
	assert_int_equal(record_rows_add_binary(&rows, r, &t), 0);
	b = (const unsigned char *)record_rows_binary(&rows, &t, &len);
	assert_non_null(b);
	assert_int_equal(rows.n, 2);
	assert_int_equal(get_u32(b), 1);	/* one dimension */
	assert_int_equal(get_u32(b + 4), 0);	/* no NULL element */
	assert_int_equal(get_u32(b + 8), 77777);
	assert_int_equal(get_u32(b + 12), 2);
	assert_int_equal(get_u32(b + 16), 1);

	/* The first record: an older plugin's, as the literal has it. */
	get_fields(b + 20, f);
	lit = record_rows_literal(&text);
	for (i = 0; i < record_field_count; i++)
		assert_int_equal(f[i].oid, t.field[i]);
	i = field_index("job_id");
	assert_int_equal(f[i].len, 8);
	assert_int_equal(get_u64(f[i].v), 42);
	i = field_index("samples");
	assert_int_equal(f[i].len, 4);
	assert_int_equal(get_u32(f[i].v), 3);
	i = field_index("account");
	assert_int_equal(f[i].len, 7);
	assert_memory_equal(f[i].v, "acct?z?", 7);
	assert_non_null(strstr(lit, "\\\"acct?z?\\\""));
	i = field_index("dram_j");
	assert_int_equal(f[i].len, 8);
	d = literal_number(lit, i);
	assert_true(d == 0.123457);
	{
		uint64_t bits = get_u64(f[i].v);
		double got;

		memcpy(&got, &bits, sizeof(got));
		assert_true(got == d);
	}
	i = field_index("start_time");
	assert_int_equal(f[i].len, 8);
	assert_non_null(strstr(lit, ",2026-11-27 10:00:01.000000+00,"));
	assert_int_equal((int64_t)get_u64(f[i].v), (1795773601LL - 946684800LL) * 1000000);
	i = field_index("partial");
	assert_int_equal(f[i].len, 1);
	assert_int_equal(f[i].v[0], 0);
	/* NULL exactly where the literal has nothing */
	for (i = 0; i < record_field_count; i++) {
		const char *v = literal_field(lit, i);

		if ((*v == ',' || *v == ')') != (f[i].len == -1))
			fail_msg("field %s: length %d, literal %.12s", record_fields[i].name, f[i].len, v);
	}

	/* The second: the groups present, a number that is not finite. */
	get_fields(b + 20 + 4 + get_u32(b + 20), f);
	i = field_index("job_gpu_j");
	assert_int_equal(f[i].len, 8);
	{
		uint64_t bits = get_u64(f[i].v);
		double got;

		memcpy(&got, &bits, sizeof(got));
		assert_true(isnan(got));
	}
	i = field_index("hours");
	assert_int_equal(f[i].len, 3);		/* version 1, then [] */
	assert_memory_equal(f[i].v, "\001[]", 3);
	i = field_index("cpu_model");
	assert_int_equal(f[i].len, 4);
	assert_memory_equal(f[i].v, "Xeon", 4);
	i = field_index("alloc_cpus");
	assert_int_equal(f[i].len, -1);		/* 0: unknown */
	i = field_index("gpus");
	assert_int_equal(f[i].len, 4);
	assert_int_equal(get_u32(f[i].v), 0);
	i = field_index("exit_status");
	assert_int_equal(f[i].len, 4);
	assert_int_equal(get_u32(f[i].v), 768);
	i = field_index("job_start");
	assert_int_equal(f[i].len, 8);
	assert_int_equal((int64_t)get_u64(f[i].v), (1795770000LL - 946684800LL) * 1000000 + 250000);
	record_rows_free(&rows);
	record_rows_free(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_match_sql),
		cmocka_unit_test(test_table_consistent),
		cmocka_unit_test(test_select_list),
		cmocka_unit_test(test_literal_row),
		cmocka_unit_test(test_binary_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

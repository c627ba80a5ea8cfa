/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness for spool files: spool_parse() on any bytes. Whatever it
 * accepts must be a record the database would take, and must survive a
 * round trip through spool_format() unchanged: every field of the record's
 * table (lib/record_fields.c), and the text written from it. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record_fields.h"
#include "spool.h"

/* The rows of carbon.put_rows hold printable ASCII only, and one element
 * "(...)" whose escapes leave no quote unescaped inside. */
static void check_literal_row(const struct step_record *r)
{
	struct record_rows rows = RECORD_ROWS_INIT;
	const char *lit, *p;

	if (record_rows_add_literal(&rows, r) < 0 || !(lit = record_rows_literal(&rows)))
		abort();
	if (strncmp(lit, "{\"(", 3) || strcmp(lit + strlen(lit) - 3, ")\"}"))
		abort();
	for (p = lit + 3; p < lit + strlen(lit) - 3; p++) {
		if (*p < 0x20 || *p > 0x7e || *p == '"')
			abort();
		if (*p == '\\')
			p++;	/* an escaped character, a quote among them */
	}
	record_rows_free(&rows);
}

static void check_text(const char *s, size_t cap, bool may_be_empty)
{
	size_t n = strnlen(s, cap);

	if (n == cap || (!may_be_empty && n == 0))
		abort();
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e || *s == '\\')
			abort();
}

/* Every field of the record's table that is not a number of the text's
 * six decimals comes back from a round trip exactly: texts, whole numbers,
 * flags, the groups present, the hour buckets' times. */
static void check_same(const struct step_record *a, const struct step_record *b)
{
	size_t i;
	uint32_t h;

	if (a->has_job != b->has_job || a->has_hw != b->has_hw || a->has_exit != b->has_exit ||
	    a->n_hours != b->n_hours)
		abort();
	for (h = 0; h < a->n_hours; h++)
		if (a->hours[h].hour != b->hours[h].hour)
			abort();
	for (i = 0; i < record_field_count; i++) {
		const struct record_field *f = &record_fields[i];
		const char *x = (const char *)a + f->offset, *y = (const char *)b + f->offset;

		switch (f->type) {
		case RF_TEXT:
			if (strcmp(x, y))
				abort();
			break;
		case RF_U32:
		case RF_INT:
			if (memcmp(x, y, 4))
				abort();
			break;
		case RF_BOOL:
			if (*(const bool *)x != *(const bool *)y)
				abort();
			break;
		case RF_F64:
		case RF_TIME:
		case RF_HOURS:
			break;
		}
	}
}

static void on_record(const char *text, size_t len, int line, const struct step_record *r,
		      int rc, int bad_line, const char *why, void *arg)
{
	size_t *total = arg;

	(void)r;
	(void)text;
	if (line < 1 || len == 0 || (rc < 0 && (!why[0] || bad_line < 0)))
		abort();
	*total += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t total = 0;

	/* The records of a file cover the file exactly. */
	spool_parse_file_text((const char *)data, size, on_record, &total);
	if (total != size)
		abort();

	static struct step_record r, again;
	static char text[SPOOL_RECORD_MAX], text2[SPOOL_RECORD_MAX];
	char err[256];
	int line, len, d;

	if (spool_parse((const char *)data, size, &r, &line, err, sizeof(err)) < 0) {
		if (!err[0] || line < 0)
			abort();
		return 0;
	}
	check_text(r.cluster, sizeof(r.cluster), false);
	check_text(r.step, sizeof(r.step), false);
	check_text(r.node, sizeof(r.node), false);
	check_text(r.user, sizeof(r.user), false);
	check_text(r.account, sizeof(r.account), true);
	check_text(r.method, sizeof(r.method), false);
	if ((r.project[0] && !label_is_valid(r.project, NULL)) ||
	    (r.tag[0] && !label_is_valid(r.tag, NULL)))
		abort();
	if (!(r.start_s >= 0 && r.end_s >= r.start_s && r.end_s < 1e11))
		abort();
	for (d = 0; d < DOMAIN_COUNT; d++)
		if (!isfinite(r.energy_j[d]) || r.energy_j[d] < 0)
			abort();

	check_literal_row(&r);
	len = spool_format(&r, text, SPOOL_RECORD_MAX);
	if (len < 0)
		abort();
	if (spool_parse(text, (size_t)len, &again, &line, err, sizeof(err)) < 0)
		abort();
	check_same(&r, &again);
	/* What was written once is written again byte for byte. */
	if (spool_format(&again, text2, SPOOL_RECORD_MAX) != len || memcmp(text, text2, (size_t)len))
		abort();
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness for spool files: spool_parse() on any bytes. Whatever it
 * accepts must be a record the database would take, and must survive a
 * round trip through spool_format() unchanged. */
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

	struct step_record r, again;
	char err[256], text[4096];
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
	len = spool_format(&r, text, sizeof(text));
	if (len < 0)
		abort();
	if (spool_parse(text, (size_t)len, &again, &line, err, sizeof(err)) < 0)
		abort();
	if (strcmp(r.cluster, again.cluster) || r.job_id != again.job_id ||
	    strcmp(r.step, again.step) || strcmp(r.node, again.node) ||
	    strcmp(r.tag, again.tag) || strcmp(r.project, again.project) ||
	    r.partial != again.partial || r.samples != again.samples)
		abort();
	return 0;
}

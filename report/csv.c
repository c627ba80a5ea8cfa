/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 4180 records, one to a line, cut into fields in place. */
#define _GNU_SOURCE	/* getline */
#include "csv.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define UTF8_BOM "\xef\xbb\xbf"

void csv_init(struct csv_reader *r, FILE *fp, unsigned flags, size_t max_fields)
{
	memset(r, 0, sizeof(*r));
	r->fp = fp;
	r->flags = flags;
	r->max_fields = max_fields ? max_fields : 1;
}

void csv_free(struct csv_reader *r)
{
	free(r->field);
	free(r->buf);
	r->field = NULL;
	r->buf = NULL;
	r->n_fields = r->field_cap = r->cap = 0;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static char *skip_blanks(char *s)
{
	while (blank(*s))
		s++;
	return s;
}

/* Room for one more field pointer. */
static int add_field(struct csv_reader *r, char *field, char *err, size_t errlen)
{
	if (r->n_fields == r->max_fields)
		return fail(err, errlen, "more than %zu fields", r->max_fields);
	if (r->n_fields == r->field_cap) {
		size_t cap = r->field_cap ? 2 * r->field_cap : 16;
		char **f;

		if (cap > r->max_fields)
			cap = r->max_fields;
		f = realloc(r->field, cap * sizeof(*f));
		if (!f)
			return fail(err, errlen, "out of memory");
		r->field = f;
		r->field_cap = cap;
	}
	r->field[r->n_fields++] = field;
	return 0;
}

/* Cut line (its end of line removed) into fields, in place. */
static int split(struct csv_reader *r, char *line, char *err, size_t errlen)
{
	bool trim = r->flags & CSV_TRIM, last;
	char *in = line, *out, *start;

	r->n_fields = 0;
	for (;;) {
		if (trim)
			in = skip_blanks(in);
		start = out = in;
		if (add_field(r, start, err, errlen) < 0)
			return -1;
		if (*in == '"') {
			for (in++;; in++) {
				if (*in == '\0')
					return fail(err, errlen,
						    "a quoted field is not closed on its line (field %zu)",
						    r->n_fields);
				if (*in == '"' && in[1] != '"')
					break;
				if (*in == '"')
					in++;	/* "" is one quote */
				*out++ = *in;
			}
			in++;
			if (trim)
				in = skip_blanks(in);
			if (*in != ',' && *in != '\0')
				return fail(err, errlen, "text after the closing quote of field %zu",
					    r->n_fields);
		} else {
			in += strcspn(in, ",");
			out = in;
			while (trim && out > start && blank(out[-1]))
				out--;
		}
		last = *in == '\0';
		*out = '\0';
		if (last)
			return 0;
		in++;
	}
}

int csv_read(struct csv_reader *r, char *err, size_t errlen)
{
	ssize_t len;
	char *s;

	if (errlen)
		err[0] = '\0';
	for (;;) {
		len = getline(&r->buf, &r->cap, r->fp);
		if (len < 0) {
			if (ferror(r->fp)) {
				r->line++;
				return fail(err, errlen, "read error");
			}
			return 0;
		}
		r->line++;
		if ((size_t)len != strlen(r->buf))
			return fail(err, errlen, "a NUL byte; this is not a text file");
		while (len > 0 && (r->buf[len - 1] == '\n' || r->buf[len - 1] == '\r'))
			r->buf[--len] = '\0';
		s = r->buf;
		if (r->line == 1 && !strncmp(s, UTF8_BOM, strlen(UTF8_BOM)))
			s += strlen(UTF8_BOM);
		if (*skip_blanks(s) == '\0')
			continue;
		return split(r, s, err, errlen) < 0 ? -1 : 1;
	}
}

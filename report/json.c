/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small streaming JSON writer (RFC 8259 output, one line). */
#include "json.h"

#include <math.h>
#include <string.h>

void json_init(struct json_writer *w, FILE *fp)
{
	memset(w, 0, sizeof(*w));
	w->fp = fp;
}

/* Check that a value may come now and write the comma before it. */
static bool begin_value(struct json_writer *w)
{
	if (w->misused)
		return false;
	if (w->depth == 0) {
		if (w->done)
			w->misused = true;
	} else if (w->kind[w->depth - 1] == '{') {
		if (!w->want_value)
			w->misused = true;	/* a member needs a key first */
		w->want_value = false;
	} else {
		if (w->has_items[w->depth - 1])
			fputs(", ", w->fp);
		w->has_items[w->depth - 1] = true;
	}
	return !w->misused;
}

static void end_value(struct json_writer *w)
{
	if (w->depth == 0)
		w->done = true;
}

static void write_escaped(FILE *fp, const char *s)
{
	const unsigned char *p;

	fputc('"', fp);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\b':
			fputs("\\b", fp);
			break;
		case '\f':
			fputs("\\f", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(fp, "\\u%04x", *p);
			else
				fputc(*p, fp);
		}
	}
	fputc('"', fp);
}

static void begin_container(struct json_writer *w, char kind)
{
	if (!begin_value(w))
		return;
	if (w->depth >= JSON_MAX_DEPTH) {
		w->misused = true;
		return;
	}
	fputc(kind, w->fp);
	w->kind[w->depth] = kind;
	w->has_items[w->depth] = false;
	w->depth++;
}

static void end_container(struct json_writer *w, char kind)
{
	if (w->misused)
		return;
	if (w->depth == 0 || w->kind[w->depth - 1] != kind || w->want_value) {
		w->misused = true;
		return;
	}
	w->depth--;
	fputc(kind == '{' ? '}' : ']', w->fp);
	end_value(w);
}

void json_begin_object(struct json_writer *w)
{
	begin_container(w, '{');
}

void json_end_object(struct json_writer *w)
{
	end_container(w, '{');
}

void json_begin_array(struct json_writer *w)
{
	begin_container(w, '[');
}

void json_end_array(struct json_writer *w)
{
	end_container(w, '[');
}

void json_key(struct json_writer *w, const char *key)
{
	if (w->misused)
		return;
	if (w->depth == 0 || w->kind[w->depth - 1] != '{' || w->want_value ||
	    !key) {
		w->misused = true;
		return;
	}
	if (w->has_items[w->depth - 1])
		fputs(", ", w->fp);
	w->has_items[w->depth - 1] = true;
	write_escaped(w->fp, key);
	fputs(": ", w->fp);
	w->want_value = true;
}

void json_null(struct json_writer *w)
{
	if (!begin_value(w))
		return;
	fputs("null", w->fp);
	end_value(w);
}

void json_string(struct json_writer *w, const char *s)
{
	if (!s) {
		json_null(w);
		return;
	}
	if (!begin_value(w))
		return;
	write_escaped(w->fp, s);
	end_value(w);
}

void json_number(struct json_writer *w, double v)
{
	if (!isfinite(v)) {
		json_null(w);
		return;
	}
	if (!begin_value(w))
		return;
	fprintf(w->fp, "%.9g", v);
	end_value(w);
}

void json_number_fixed(struct json_writer *w, double v, int decimals)
{
	if (!isfinite(v)) {
		json_null(w);
		return;
	}
	if (!begin_value(w))
		return;
	fprintf(w->fp, "%.*f", decimals, v);
	end_value(w);
}

void json_int(struct json_writer *w, long long v)
{
	if (!begin_value(w))
		return;
	fprintf(w->fp, "%lld", v);
	end_value(w);
}

void json_bool(struct json_writer *w, bool v)
{
	if (!begin_value(w))
		return;
	fputs(v ? "true" : "false", w->fp);
	end_value(w);
}

void json_kv_string(struct json_writer *w, const char *key, const char *s)
{
	json_key(w, key);
	json_string(w, s);
}

void json_kv_number(struct json_writer *w, const char *key, double v)
{
	json_key(w, key);
	json_number(w, v);
}

void json_kv_int(struct json_writer *w, const char *key, long long v)
{
	json_key(w, key);
	json_int(w, v);
}

void json_kv_number_fixed(struct json_writer *w, const char *key, double v,
			  int decimals)
{
	json_key(w, key);
	json_number_fixed(w, v, decimals);
}

void json_kv_bool(struct json_writer *w, const char *key, bool v)
{
	json_key(w, key);
	json_bool(w, v);
}

void json_kv_null(struct json_writer *w, const char *key)
{
	json_key(w, key);
	json_null(w);
}

int json_finish(const struct json_writer *w)
{
	if (w->misused || !w->done || ferror(w->fp))
		return -1;
	return 0;
}

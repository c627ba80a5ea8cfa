/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of report/json.c: escaping, numbers, commas, misuse. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

/* A writer on a memory stream, read back as a string. */
struct sink {
	char *buf;
	size_t len;
	FILE *fp;
	struct json_writer w;
};

static int sink_open(void **state)
{
	struct sink *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->fp = open_memstream(&s->buf, &s->len);
	assert_non_null(s->fp);
	json_init(&s->w, s->fp);
	*state = s;
	return 0;
}

static int sink_close(void **state)
{
	struct sink *s = *state;

	fclose(s->fp);
	free(s->buf);
	free(s);
	return 0;
}

static const char *sink_text(struct sink *s)
{
	fflush(s->fp);
	return s->buf;
}

static void test_string_escapes(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{ "", "\"\"" },
		{ "plain", "\"plain\"" },
		{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
		{ "C:\\dir", "\"C:\\\\dir\"" },
		{ "a\nb\tc\rd", "\"a\\nb\\tc\\rd\"" },
		{ "\b\f", "\"\\b\\f\"" },
		{ "\x01\x1f", "\"\\u0001\\u001f\"" },
		{ "\x7f", "\"\\u007f\"" },
		{ "CO\xe2\x82\x82 \xc3\xa9", "\"CO\xe2\x82\x82 \xc3\xa9\"" },	/* UTF-8 as is */
		{ "</script>", "\"</script>\"" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sink *s;
		void *st;

		sink_open(&st);
		s = st;
		json_string(&s->w, cases[i].in);
		assert_string_equal(sink_text(s), cases[i].out);
		assert_int_equal(json_finish(&s->w), 0);
		sink_close(&st);
	}
}

static void test_numbers(void **state)
{
	static const struct {
		double in;
		const char *out;
	} cases[] = {
		{ 0.0, "0" },
		{ 1.25, "1.25" },
		{ -3.5, "-3.5" },
		{ 475.0, "475" },
		{ 0.000277777778, "0.000277777778" },
		{ 1.0 / 3.0, "0.333333333" },
		{ 123456789012.0, "1.23456789e+11" },
		{ 1e-12, "1e-12" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sink *s;
		void *st;

		sink_open(&st);
		s = st;
		json_number(&s->w, cases[i].in);
		assert_string_equal(sink_text(s), cases[i].out);
		sink_close(&st);
	}
}

/* Seconds since the epoch keep their microseconds, which %.9g would not. */
static void test_number_fixed(void **state)
{
	struct sink *s = *state;

	json_begin_array(&s->w);
	json_number_fixed(&s->w, 1795777205.25, 6);
	json_number_fixed(&s->w, 2.5, 0);
	json_number_fixed(&s->w, NAN, 3);
	json_end_array(&s->w);
	assert_string_equal(sink_text(s), "[1795777205.250000, 2, null]");
	assert_int_equal(json_finish(&s->w), 0);
}

/* %.9g keeps 1e-8 relative: enough to check energy to 0.1 %. */
static void test_number_precision(void **state)
{
	struct sink *s = *state;
	double v = 2.05000001;

	json_number(&s->w, v);
	assert_true(fabs(strtod(sink_text(s), NULL) - v) <= v * 1e-8);
}

static void test_non_finite_is_null(void **state)
{
	struct sink *s = *state;

	json_begin_array(&s->w);
	json_number(&s->w, NAN);
	json_number(&s->w, INFINITY);
	json_number(&s->w, -INFINITY);
	json_end_array(&s->w);
	assert_string_equal(sink_text(s), "[null, null, null]");
	assert_int_equal(json_finish(&s->w), 0);
}

static void test_nested_and_commas(void **state)
{
	struct sink *s = *state;

	json_begin_object(&s->w);
	json_kv_int(&s->w, "job_id", 4242);
	json_kv_string(&s->w, "tag", NULL);
	json_key(&s->w, "energy_kwh");
	json_begin_object(&s->w);
	json_kv_number(&s->w, "cpu", 0.41);
	json_kv_number(&s->w, "it", 1.64);
	json_end_object(&s->w);
	json_kv_bool(&s->w, "measured", true);
	json_kv_bool(&s->w, "partial", false);
	json_kv_null(&s->w, "year");
	json_key(&s->w, "steps");
	json_begin_array(&s->w);
	json_begin_object(&s->w);
	json_kv_string(&s->w, "step", "batch");
	json_end_object(&s->w);
	json_begin_object(&s->w);
	json_end_object(&s->w);
	json_begin_array(&s->w);
	json_end_array(&s->w);
	json_end_array(&s->w);
	json_end_object(&s->w);
	assert_string_equal(sink_text(s),
			    "{\"job_id\": 4242, \"tag\": null, \"energy_kwh\": "
			    "{\"cpu\": 0.41, \"it\": 1.64}, \"measured\": true, "
			    "\"partial\": false, \"year\": null, \"steps\": "
			    "[{\"step\": \"batch\"}, {}, []]}");
	assert_int_equal(json_finish(&s->w), 0);
}

static void test_keys_are_escaped(void **state)
{
	struct sink *s = *state;

	json_begin_object(&s->w);
	json_kv_int(&s->w, "a\"b", 1);
	json_end_object(&s->w);
	assert_string_equal(sink_text(s), "{\"a\\\"b\": 1}");
	assert_int_equal(json_finish(&s->w), 0);
}

static void test_empty_containers(void **state)
{
	struct sink *s = *state;

	json_begin_array(&s->w);
	json_begin_object(&s->w);
	json_end_object(&s->w);
	json_end_array(&s->w);
	assert_string_equal(sink_text(s), "[{}]");
	assert_int_equal(json_finish(&s->w), 0);
}

/* Each misuse: what was written before it stays, nothing after, and
 * json_finish says so. */
static void misuse_value_without_key(struct json_writer *w)
{
	json_begin_object(w);
	json_int(w, 1);
}

static void misuse_key_in_array(struct json_writer *w)
{
	json_begin_array(w);
	json_key(w, "k");
}

static void misuse_key_twice(struct json_writer *w)
{
	json_begin_object(w);
	json_key(w, "a");
	json_key(w, "b");
}

static void misuse_wrong_close(struct json_writer *w)
{
	json_begin_object(w);
	json_end_array(w);
}

static void misuse_close_nothing(struct json_writer *w)
{
	json_end_object(w);
}

static void misuse_close_after_key(struct json_writer *w)
{
	json_begin_object(w);
	json_key(w, "a");
	json_end_object(w);
}

static void misuse_two_values(struct json_writer *w)
{
	json_int(w, 1);
	json_int(w, 2);
}

static void misuse_unclosed(struct json_writer *w)
{
	json_begin_array(w);
	json_int(w, 1);
}

static void misuse_nothing_written(struct json_writer *w)
{
	(void)w;
}

static void misuse_too_deep(struct json_writer *w)
{
	int i;

	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		json_begin_array(w);
}

static void test_misuse(void **state)
{
	static const struct {
		void (*build)(struct json_writer *w);
		const char *written;
	} cases[] = {
		{ misuse_value_without_key, "{" },
		{ misuse_key_in_array, "[" },
		{ misuse_key_twice, "{\"a\": " },
		{ misuse_wrong_close, "{" },
		{ misuse_close_nothing, "" },
		{ misuse_close_after_key, "{\"a\": " },
		{ misuse_two_values, "1" },
		{ misuse_unclosed, "[1" },
		{ misuse_nothing_written, "" },
		{ misuse_too_deep, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sink *s;
		void *st;

		sink_open(&st);
		s = st;
		cases[i].build(&s->w);
		if (cases[i].written)
			assert_string_equal(sink_text(s) ? sink_text(s) : "",
					    cases[i].written);
		assert_int_equal(json_finish(&s->w), -1);
		sink_close(&st);
	}
}

static void test_deepest_allowed(void **state)
{
	struct sink *s = *state;
	int i;

	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_begin_array(&s->w);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_end_array(&s->w);
	assert_int_equal(strlen(sink_text(s)), 2 * JSON_MAX_DEPTH);
	assert_int_equal(json_finish(&s->w), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string_escapes),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test_setup_teardown(test_number_precision, sink_open, sink_close),
		cmocka_unit_test_setup_teardown(test_number_fixed, sink_open, sink_close),
		cmocka_unit_test_setup_teardown(test_non_finite_is_null, sink_open, sink_close),
		cmocka_unit_test_setup_teardown(test_nested_and_commas, sink_open, sink_close),
		cmocka_unit_test_setup_teardown(test_keys_are_escaped, sink_open, sink_close),
		cmocka_unit_test_setup_teardown(test_empty_containers, sink_open, sink_close),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test_setup_teardown(test_deepest_allowed, sink_open, sink_close),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

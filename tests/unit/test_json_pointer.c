/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON Pointer reader: the Redfish fields carbon-nodemeter reads, the
 * pointer syntax, and bodies that are not JSON, from tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "json_pointer.h"

static const char metrics[] =
	"{\"@odata.id\": \"/redfish/v1/Chassis/1/EnvironmentMetrics\",\n"
	" \"PowerWatts\": {\"DataSourceUri\": \"/x\", \"Reading\": 374.5},\n"
	" \"EnergykWh\": {\"Reading\": 1234.000125},\n"
	" \"FanSpeedsPercent\": [{\"Reading\": 40}, {\"Reading\": null}],\n"
	" \"a/b\": {\"m~n\": -2e3}, \"Oem\": {\"Vendor\": [[], {}, true, false]}}";

static void test_numbers(void **state)
{
	static const struct {
		const char *pointer;
		int rc;
		double value;
	} cases[] = {
		{ "/PowerWatts/Reading", 1, 374.5 },
		{ "/EnergykWh/Reading", 1, 1234.000125 },
		{ "/FanSpeedsPercent/0/Reading", 1, 40 },
		{ "/FanSpeedsPercent/1/Reading", 0, 0 },	/* null */
		{ "/FanSpeedsPercent/2/Reading", 0, 0 },	/* no element 2 */
		{ "/FanSpeedsPercent/01/Reading", 0, 0 },	/* not an index */
		{ "/a~1b/m~0n", 1, -2000 },
		{ "/PowerWatts", 0, 0 },			/* an object */
		{ "/@odata.id", 0, 0 },				/* a string */
		{ "/Missing/Reading", 0, 0 },
		{ "PowerWatts", -1, 0 },			/* no leading '/' */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double v = -1;
		int rc = json_pointer_number(metrics, strlen(metrics), cases[i].pointer, &v);

		if (rc != cases[i].rc)
			fail_msg("%s: returned %d, want %d", cases[i].pointer, rc, cases[i].rc);
		if (rc == 1 && v != cases[i].value)
			fail_msg("%s: %g, want %g", cases[i].pointer, v, cases[i].value);
	}
}

static void test_strings(void **state)
{
	static const char doc[] =
		"{\"Members\": [{\"@odata.id\": \"/redfish/v1/Chassis/1\"},"
		" {\"@odata.id\": \"/redfish\\/v1\\/Chassis\\/Enc \\u00e9\\ud83d\\ude00\"},"
		" {\"@odata.id\": \"lone \\ud800 and \\u0000\"}],"
		" \"Members@odata.count\": 3, \"\": \"empty key\"}";
	char buf[64], small[8];

	(void)state;
	assert_int_equal(json_pointer_string(doc, strlen(doc), "/Members/0/@odata.id",
					     buf, sizeof(buf)), 1);
	assert_string_equal(buf, "/redfish/v1/Chassis/1");
	assert_int_equal(json_pointer_string(doc, strlen(doc), "/Members/1/@odata.id",
					     buf, sizeof(buf)), 1);
	assert_string_equal(buf, "/redfish/v1/Chassis/Enc \xc3\xa9\xf0\x9f\x98\x80");
	assert_int_equal(json_pointer_string(doc, strlen(doc), "/Members/2/@odata.id",
					     buf, sizeof(buf)), 1);
	assert_string_equal(buf, "lone \xef\xbf\xbd and \xef\xbf\xbd");
	assert_int_equal(json_pointer_string(doc, strlen(doc), "/", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "empty key");
	/* too long for the buffer: none, and the buffer is empty */
	assert_int_equal(json_pointer_string(doc, strlen(doc), "/Members/0/@odata.id",
					     small, sizeof(small)), 0);
	assert_string_equal(small, "");
	assert_int_equal(json_pointer_string(doc, strlen(doc), "/Members@odata.count",
					     buf, sizeof(buf)), 0);
}

static void test_spans(void **state)
{
	static const char doc[] = " [1, {\"k\": [true]}, \"s\"] ";
	struct json_span s;

	(void)state;
	assert_int_equal(json_pointer_find(doc, strlen(doc), "", &s), 1);
	assert_int_equal(s.type, JSON_ARRAY);
	assert_int_equal(s.start, 1);
	assert_int_equal(s.end, strlen(doc) - 1);
	assert_int_equal(json_pointer_find(doc, strlen(doc), "/1/k/0", &s), 1);
	assert_int_equal(s.type, JSON_BOOL);
	assert_int_equal(json_pointer_find(doc, strlen(doc), "/2", &s), 1);
	assert_int_equal(s.type, JSON_STRING);
	assert_int_equal(s.end - s.start, 3);
	/* the first of two equal keys */
	assert_int_equal(json_pointer_find("{\"a\":1,\"a\":\"x\"}", 15, "/a", &s), 1);
	assert_int_equal(s.type, JSON_NUMBER);
}

/* Bodies a broken or hostile BMC might send: all refused, nothing read. */
static void test_not_json(void **state)
{
	static const char *const bodies[] = {
		"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}",
		"{\"PowerWatts\": {\"Reading\": 35", "<html>502 Bad Gateway</html>",
		"{\"x\": 01}", "{\"x\": 1.}", "{\"x\": .5}", "{\"x\": -}", "{\"x\": 1e}",
		"{\"x\": tru}", "{\"x\": nul}", "{\"x\": \"\\q\"}", "{\"x\": \"\\u12\"}",
		"{\"x\": \"tab\there\"}", "{\"x\": 1} {}", "{\"x\": 1}]", "\"unterminated",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
		"{\"x\": NaN}", "{\"x\": Infinity}",
	};
	size_t i;
	double v;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		if (json_pointer_number(bodies[i], strlen(bodies[i]), "/x", &v) != -1)
			fail_msg("accepted as JSON: %s", bodies[i]);
	/* a NUL inside is not JSON either; length, not the NUL, ends it */
	assert_int_equal(json_pointer_number("{\"x\": 1}\0", 9, "/x", &v), -1);
	assert_int_equal(json_pointer_number("{\"x\": 1}garbage", 8, "/x", &v), 1);
	/* a number JSON allows that no double holds */
	assert_int_equal(json_pointer_number("{\"x\": 1e999}", 12, "/x", &v), 0);
	/* 64 levels are fine */
	{
		char deep[200];
		int k;

		for (k = 0; k < 64; k++)
			deep[k] = '[';
		deep[64] = '1';
		for (k = 0; k < 64; k++)
			deep[65 + k] = ']';
		assert_int_equal(json_pointer_find(deep, 129, "", &(struct json_span){ 0 }), 1);
	}
}

/* Walks: every value of a container in order, each with its span, a key
 * twice returned twice; the string of values joined with '|'. */
static void test_iter(void **state)
{
	static const struct {
		const char *doc, *pointer;
		int rc;			/* of the walk's end: 0, or -1 */
		const char *values;	/* the values' text, '|' between */
		const char *keys;	/* an object's keys as written */
	} cases[] = {
		{ "[1, \"a\" , [2,3],{\"k\":null} ,true]", "", 0,
		  "1|\"a\"|[2,3]|{\"k\":null}|true", "" },
		{ " { \"a\" : 1 , \"b\":{\"c\":[]}, \"a\": \"x\" } ", "", 0,
		  "1|{\"c\":[]}|\"x\"", "\"a\"|\"b\"|\"a\"" },
		{ "{\"x\": [], \"y\": {}}", "/x", 0, "", "" },
		{ "{\"x\": [], \"y\": {}}", "/y", 0, "", "" },
		{ "{\"x\": [[[]]], \"y\": {}}", "/x/0", 0, "[]", "" },
		{ "{\"e\\u0301\": [0, -1.5e3]}", "", 0, "[0, -1.5e3]", "\"e\\u0301\"" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *doc = cases[i].doc;
		char values[128] = "", keys[128] = "";
		struct json_span c, k, v;
		struct json_iter it;
		size_t n = 0;
		int rc;

		assert_int_equal(json_pointer_find(doc, strlen(doc), cases[i].pointer, &c), 1);
		assert_int_equal(json_iter_begin(&it, doc, strlen(doc), &c), 1);
		while ((rc = json_iter_next(&it, &k, &v)) == 1) {
			snprintf(values + strlen(values), sizeof(values) - strlen(values), "%s%.*s",
				 n ? "|" : "", (int)(v.end - v.start), doc + v.start);
			if (c.type == JSON_OBJECT) {
				assert_int_equal(k.type, JSON_STRING);
				snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys), "%s%.*s",
					 n ? "|" : "", (int)(k.end - k.start), doc + k.start);
			} else {
				assert_int_equal(k.type, 0);
			}
			n++;
		}
		if (rc != cases[i].rc || strcmp(values, cases[i].values) || strcmp(keys, cases[i].keys))
			fail_msg("case %zu: rc %d, values '%s', keys '%s'", i, rc, values, keys);
		assert_int_equal(it.index, n);
		/* past the end it stays there */
		assert_int_equal(json_iter_next(&it, NULL, &v), 0);
	}
}

/* What a walk is begun on, and walks over text that was never checked:
 * each value is checked as it is read, the walk stops at the first bad
 * one and stays stopped, and it never reads past the span's end. */
static void test_iter_unchecked(void **state)
{
	static const struct {
		const char *doc;
		enum json_type type;
		size_t good;	/* values returned before -1 */
	} cases[] = {
		{ "[1, 2,]", JSON_ARRAY, 2 },
		{ "[1 2]", JSON_ARRAY, 0 },
		{ "[1, tru]", JSON_ARRAY, 1 },
		{ "[1, \"\\q\"]", JSON_ARRAY, 1 },
		{ "[1, {\"a\" 1}]", JSON_ARRAY, 1 },
		{ "{\"a\": 1, b: 2}", JSON_OBJECT, 1 },
		{ "{\"a\": 1, \"b\" 2}", JSON_OBJECT, 1 },
		{ "{\"a\": 1, \"b\": }", JSON_OBJECT, 1 },
		{ "{\"a\"}", JSON_OBJECT, 0 },
		{ "[1, 2", JSON_ARRAY, 1 },
		{ "{\"a\": [1, 2]", JSON_OBJECT, 0 },
		{ "[\"a\xff\", 1,", JSON_ARRAY, 2 },
		{ "1, 2]", JSON_ARRAY, 0 },		/* no opening bracket */
		{ "{\"a\": 1]", JSON_OBJECT, 0 },	/* the wrong close */
	};
	char deep[2 * JSON_POINTER_MAX_DEPTH + 8];
	struct json_span c, v;
	struct json_iter it;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		c = (struct json_span){ cases[i].type, 0, strlen(cases[i].doc) };
		assert_int_equal(json_iter_begin(&it, cases[i].doc, c.end, &c), 1);
		for (n = 0; (rc = json_iter_next(&it, NULL, &v)) == 1; n++)
			assert_true(v.end <= c.end);
		if (rc != -1 || n != cases[i].good)
			fail_msg("case %zu (%s): rc %d after %zu values", i, cases[i].doc, rc, n);
		assert_int_equal(json_iter_next(&it, NULL, &v), -1);
	}
	/* Only a span within the document, of an array or object, is walked. */
	c = (struct json_span){ JSON_STRING, 0, 3 };
	assert_int_equal(json_iter_begin(&it, "\"a\"", 3, &c), 0);
	c = (struct json_span){ JSON_ARRAY, 0, 4 };
	assert_int_equal(json_iter_begin(&it, "[1]", 3, &c), 0);
	c = (struct json_span){ JSON_ARRAY, 2, 2 };
	assert_int_equal(json_iter_begin(&it, "[1]", 3, &c), 0);
	/* The walk ends where the span does, whatever follows it. */
	c = (struct json_span){ JSON_ARRAY, 0, 3 };
	assert_int_equal(json_iter_begin(&it, "[1]]]", 5, &c), 1);
	assert_int_equal(json_iter_next(&it, NULL, &v), 1);
	assert_int_equal(json_iter_next(&it, NULL, &v), 0);
	/* A walk nests as deep as a whole document may (the container the
	 * document's top), not deeper. */
	for (n = 0; n < JSON_POINTER_MAX_DEPTH; n++)
		deep[n] = '[';
	deep[n++] = '1';
	for (i = 0; i < JSON_POINTER_MAX_DEPTH; i++)
		deep[n++] = ']';
	assert_int_equal(json_pointer_find(deep, n, "", &c), 1);
	assert_int_equal(json_iter_begin(&it, deep, n, &c), 1);
	assert_int_equal(json_iter_next(&it, NULL, &v), 1);
	memmove(deep + 1, deep, n++);
	c = (struct json_span){ JSON_ARRAY, 0, ++n };
	deep[n - 1] = ']';
	assert_int_equal(json_pointer_find(deep, n, "", &v), -1);
	assert_int_equal(json_iter_begin(&it, deep, n, &c), 1);
	assert_int_equal(json_iter_next(&it, NULL, &v), -1);
}

/* A span's number or string: what the look-ups return, for any span. */
static void test_span_values(void **state)
{
	static const char doc[] = "[12.5, \"caf\\u00e9\", 1e999, null, \"long string\"]";
	struct json_span c, v[5];
	struct json_iter it;
	char buf[8];
	double x = 0;
	size_t i;

	(void)state;
	assert_int_equal(json_pointer_find(doc, strlen(doc), "", &c), 1);
	assert_int_equal(json_iter_begin(&it, doc, strlen(doc), &c), 1);
	for (i = 0; i < 5; i++)
		assert_int_equal(json_iter_next(&it, NULL, &v[i]), 1);
	assert_int_equal(json_span_number(doc, &v[0], &x), 1);
	assert_true(x == 12.5);
	assert_int_equal(json_span_number(doc, &v[1], &x), 0);	/* a string */
	assert_int_equal(json_span_number(doc, &v[2], &x), 0);	/* no double holds it */
	assert_int_equal(json_span_number(doc, &v[3], &x), 0);	/* null */
	assert_int_equal(json_span_string(doc, &v[1], buf, sizeof(buf)), 1);
	assert_string_equal(buf, "caf\xc3\xa9");
	assert_int_equal(json_span_string(doc, &v[4], buf, sizeof(buf)), 0);	/* too long */
	assert_string_equal(buf, "");
	assert_int_equal(json_span_string(doc, &v[0], buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_iter),
		cmocka_unit_test(test_iter_unchecked),
		cmocka_unit_test(test_span_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

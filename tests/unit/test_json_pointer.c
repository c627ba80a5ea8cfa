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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_not_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: arbitrary bytes as a BMC's Redfish answer, read as
 * carbon-nodemeter reads one; walked container by container, as
 * carbon-report track --from walks a statement; and as carbon-nodemeter's
 * state file. */
#include "json_pointer.h"
#include "node_state.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(int ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_json_pointer: invariant broken: %s\n", what);
	abort();
}

/* Walk container c of the checked doc and every container in it: each
 * walk ends (0), each value and key lies inside its container, keys before
 * their values, values in order. Returns how many values were walked. */
static size_t walk(const char *doc, size_t size, const struct json_span *c)
{
	struct json_span k, v;
	struct json_iter it;
	size_t n = 0, last = c->start;
	int rc;

	check(json_iter_begin(&it, doc, size, c) == 1, "a container is walked");
	while ((rc = json_iter_next(&it, &k, &v)) == 1) {
		check(v.start > last && v.start < v.end && v.end < c->end, "value inside, in order");
		if (c->type == JSON_OBJECT)
			check(k.type == JSON_STRING && k.start > last && k.end < v.start,
			      "key before its value");
		else
			check(k.type == 0, "no key in an array");
		if (v.type == JSON_ARRAY || v.type == JSON_OBJECT)
			n += walk(doc, size, &v);
		last = v.end;
		n++;
	}
	check(rc == 0, "a checked document walks to its end");
	check(json_iter_next(&it, &k, &v) == 0, "the end stays the end");
	return n;
}

/* Walk the bytes as an array or object, unchecked: the walk stays inside
 * them, and on a well-formed document, agrees with the look-ups. */
static void walk_unchecked(const char *doc, size_t size, int whole)
{
	struct json_span c = { doc[0] == '[' ? JSON_ARRAY : JSON_OBJECT, 0, size }, v, at;
	struct json_iter it;
	char pointer[32];
	int rc;

	check(json_iter_begin(&it, doc, size, &c) == 1, "raw bytes are walked");
	while ((rc = json_iter_next(&it, NULL, &v)) == 1) {
		check(v.start < v.end && v.end <= size, "value inside the bytes");
		if (whole == 1 && c.type == JSON_ARRAY && it.index <= 4) {
			snprintf(pointer, sizeof(pointer), "/%zu", it.index - 1);
			check(json_pointer_find(doc, size, pointer, &at) == 1 &&
			      at.start == v.start && at.end == v.end && at.type == v.type,
			      "element i is what /i finds");
		}
	}
	check(whole != 1 || rc == 0, "a well-formed document walks to its end");
	check(json_iter_next(&it, NULL, &v) == rc, "a walk's end stays");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const numbers[] = {
		"/PowerWatts/Reading", "/EnergykWh/Reading",
		"/PowerControl/0/PowerConsumedWatts", "/a~1b/0/~0",
	};
	const char *doc = (const char *)data;
	struct json_span span;
	struct node_state st;
	char buf[64], pointer[32];
	size_t i;
	double v;
	int whole, rc;

	/* Well-formed or not, every look-up agrees with the whole document. */
	whole = json_pointer_find(doc, size, "", &span);
	check(whole == -1 || whole == 1, "the document is a value or not JSON");
	if (whole == 1)
		check(span.start < span.end && span.end <= size, "span inside the body");
	for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		rc = json_pointer_number(doc, size, numbers[i], &v);
		check(whole < 0 ? rc == -1 : rc >= 0, "number: same verdict");
		if (rc == 1)
			check(v == v, "a number is not NaN");
	}
	for (i = 0; i < 4; i++) {
		snprintf(pointer, sizeof(pointer), "/Members/%zu/@odata.id", i);
		memset(buf, 'X', sizeof(buf));
		rc = json_pointer_string(doc, size, pointer, buf, sizeof(buf));
		check(whole < 0 ? rc == -1 : rc >= 0, "string: same verdict");
		check(memchr(buf, '\0', sizeof(buf)) != NULL, "string terminated");
		check(rc == 1 || buf[0] == '\0', "no string, empty buffer");
		rc = json_pointer_find(doc, size, pointer, &span);
		if (rc == 1)
			check(span.end <= size, "member span inside the body");
	}

	if (whole == 1 && (span.type == JSON_ARRAY || span.type == JSON_OBJECT))
		walk(doc, size, &span);
	if (size > 0 && (doc[0] == '[' || doc[0] == '{'))
		walk_unchecked(doc, size, whole);

	/* The same bytes as a state file. */
	if (node_state_parse(doc, size, &st) == 0) {
		check(st.interval_s >= 1, "accepted interval >= 1");
		check(memchr(st.meter, '\0', sizeof(st.meter)) != NULL, "meter terminated");
		check(memchr(st.status, '\0', sizeof(st.status)) != NULL, "status terminated");
	}
	return 0;
}

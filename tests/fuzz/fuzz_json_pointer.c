/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: arbitrary bytes as a BMC's Redfish answer, read as
 * carbon-nodemeter reads one, and as carbon-nodemeter's state file. */
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

	/* The same bytes as a state file. */
	if (node_state_parse(doc, size, &st) == 0) {
		check(st.interval_s >= 1, "accepted interval >= 1");
		check(memchr(st.meter, '\0', sizeof(st.meter)) != NULL, "meter terminated");
		check(memchr(st.status, '\0', sizeof(st.status)) != NULL, "status terminated");
	}
	return 0;
}

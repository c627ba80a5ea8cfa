/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: label_is_valid() against a reference written here (the
 * time formatters are fuzz_time's). */
#include "record.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(int ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_label: invariant broken: %s\n", what);
	abort();
}

/* DESIGN §3.2 spelled out character by character, independent of strspn. */
static bool reference_label_ok(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++) {
		char ch = s[n];

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9'))
			continue;
		if (ch == '.' || ch == '_' || ch == ':' || ch == '+' || ch == '/' ||
		    ch == '-')
			continue;
		return false;
	}
	return n >= 1 && n <= RECORD_LABEL_MAX;
}

static void fuzz_label(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy, so ASan sees any read past the terminator. */
	char *s = malloc(size + 1);
	const char *why = NULL;
	bool ok;

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	ok = label_is_valid(s, &why);
	check(ok == reference_label_ok(s), "label_is_valid agrees with the reference");
	check(ok ? why == NULL : (why != NULL && why[0] != '\0'),
	      "why is set exactly when the label is refused");
	check(label_is_valid(s, NULL) == ok, "why may be NULL");
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_label(data, size);
	return 0;
}

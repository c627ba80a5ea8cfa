/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small, strict JSON reader for a few fields of a document, named by
 * JSON Pointer (RFC 6901), e.g. "/PowerControl/0/PowerConsumedWatts": what
 * carbon-nodemeter needs from a BMC's Redfish answers, and carbon-report
 * verify from a signed statement, and nothing more. Documents come from the
 * network or from other people: every call checks the whole document
 * (RFC 8259 grammar, nesting at most JSON_POINTER_MAX_DEPTH) before it
 * answers, reads only doc[0..len-1] (no terminating NUL needed) and never
 * allocates. */
#ifndef CARBON_JSON_POINTER_H
#define CARBON_JSON_POINTER_H

#include <stddef.h>

#define JSON_POINTER_MAX_DEPTH 64

enum json_type {
	JSON_NULL = 1,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/* Where a value lies in the document: doc[start..end-1], the quotes of a
 * string included. */
struct json_span {
	enum json_type type;
	size_t start, end;
};

/* Find the value at pointer ("" is the whole document; "/a/0/b~1c" is
 * member "b/c" of element 0 of member "a"; ~0 is '~'). Where an object
 * has a key twice, the first counts. Returns 1 with *out set, 0 when the
 * document is well-formed but holds nothing there, or -1 when the
 * document is not one well-formed JSON value (trailing blanks allowed),
 * nests too deep, or pointer is not a JSON Pointer (it must be "" or
 * start with '/'). */
int json_pointer_find(const char *doc, size_t len, const char *pointer,
		      struct json_span *out);

/* The number at pointer, into *out. Returns 1, 0 when there is no number
 * there (absent, null, or another type: a Redfish reading the BMC does not
 * have is null), or -1 as json_pointer_find. A number JSON allows but a
 * double cannot hold (1e999) counts as no number. */
int json_pointer_number(const char *doc, size_t len, const char *pointer,
			double *out);

/* The string at pointer, its escapes decoded (\u as UTF-8; a surrogate
 * without its pair, and \u0000, become U+FFFD), into buf (capacity n,
 * always terminated when n > 0). Returns 1, 0 when there is no string
 * there or it does not fit in buf, or -1 as json_pointer_find. */
int json_pointer_string(const char *doc, size_t len, const char *pointer,
			char *buf, size_t n);

#endif

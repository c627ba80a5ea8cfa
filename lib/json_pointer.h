/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small, strict JSON reader for a few fields of a document, named by
 * JSON Pointer (RFC 6901), e.g. "/PowerControl/0/PowerConsumedWatts": what
 * carbon-nodemeter needs from a BMC's Redfish answers, and carbon-report
 * verify from a signed statement, and nothing more. Documents come from the
 * network or from other people: every call checks the whole document
 * (RFC 8259 grammar, nesting at most JSON_POINTER_MAX_DEPTH) before it
 * answers, reads only doc[0..len-1] (no terminating NUL needed) and never
 * allocates. An iterator walks the values of one array or object of a
 * document a look-up checked, each value read once: reading every element
 * of a container costs its size, where a look-up per element would cost
 * the container's size for each. */
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

/* The number span s of doc holds, into *out. Returns 1, or 0 when s is not
 * a number or one a double cannot hold (1e999). */
int json_span_number(const char *doc, const struct json_span *s, double *out);

/* The string span s of doc holds, decoded as json_pointer_string decodes,
 * into buf (capacity n, always terminated when n > 0). Returns 1, or 0 when
 * s is not a string or it does not fit in buf. */
int json_span_string(const char *doc, const struct json_span *s, char *buf, size_t n);

/* Where a walk over one container stands. */
struct json_iter {
	const char *doc;
	size_t len;
	size_t pos;		/* the next member's place in doc */
	size_t index;		/* how many values were returned */
	enum json_type type;	/* JSON_ARRAY or JSON_OBJECT */
	int state;		/* 0 walking, 1 past the last value, -1 not JSON */
};

/* Begin a walk over the array or object at span *container of
 * doc[0..len-1]: a span json_pointer_find or json_iter_next returned for
 * this doc, after json_pointer_find checked the whole of it. Returns 1, or
 * 0 when *container is not an array or object. */
int json_iter_begin(struct json_iter *it, const char *doc, size_t len,
		    const struct json_span *container);

/* The next value of the walk: its span into *value and, in an object, its
 * member's key (the quoted string, as a span of JSON_STRING: read it with
 * json_span_string) into *key, which may be NULL; in an array *key is
 * zeroed. Keys are returned as written, a key twice included: whether that
 * is allowed is the caller's to say. Each value is checked as it is read
 * (grammar, at most JSON_POINTER_MAX_DEPTH levels below the container), so
 * a walk over a span of an unchecked document stays within doc[0..len-1]
 * and answers -1 where the text is not JSON. Returns 1, 0 after the last
 * value (and on every later call), or -1 (and on every later call). */
int json_iter_next(struct json_iter *it, struct json_span *key, struct json_span *value);

#endif

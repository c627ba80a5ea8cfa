/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON Pointer look-ups over a document that is checked as it is walked:
 * one recursive descent over the whole text, which notes the span of the
 * value the pointer names on its way. */
#include "json_pointer.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const char *p, *end;
	const char *base;
	struct json_span *found;
	bool hit;
};

static void skip_blanks(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at s (at least 4 bytes before end), or -1. */
static long hex4(const char *s, const char *end)
{
	long v = 0;
	int i, d;

	if (end - s < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		d = hex_digit(s[i]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Append code point cp as UTF-8 to out (capacity n) at *len; what does not
 * fit only counts. */
static void put_utf8(char *out, size_t n, size_t *len, uint32_t cp)
{
	char b[4];
	size_t k, i;

	if (cp < 0x80) {
		b[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	for (i = 0; i < k; i++, (*len)++)
		if (out && *len < n)
			out[*len] = b[i];
}

/* A string at ps->p (its opening quote), decoded into out (capacity n, not
 * terminated; NULL: only checked); *len is its decoded length, which may
 * exceed n. Returns 0, or -1 when it is not a well-formed string. */
static int parse_string(struct parser *ps, char *out, size_t n, size_t *len)
{
	*len = 0;
	if (ps->p >= ps->end || *ps->p != '"')
		return -1;
	ps->p++;
	while (ps->p < ps->end) {
		unsigned char c = (unsigned char)*ps->p++;
		long cp, lo;

		if (c == '"')
			return 0;
		if (c < 0x20)
			return -1;
		if (c != '\\') {
			if (out && *len < n)
				out[*len] = (char)c;
			(*len)++;
			continue;
		}
		if (ps->p >= ps->end)
			return -1;
		c = (unsigned char)*ps->p++;
		switch (c) {
		case '"': case '\\': case '/':
			break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u':
			cp = hex4(ps->p, ps->end);
			if (cp < 0)
				return -1;
			ps->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && ps->end - ps->p >= 6 &&
			    ps->p[0] == '\\' && ps->p[1] == 'u' &&
			    (lo = hex4(ps->p + 2, ps->end)) >= 0xdc00 && lo < 0xe000) {
				ps->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if ((cp >= 0xd800 && cp < 0xe000) || cp == 0) {
				cp = 0xfffd;
			}
			put_utf8(out, n, len, (uint32_t)cp);
			continue;
		default:
			return -1;
		}
		if (out && *len < n)
			out[*len] = (char)c;
		(*len)++;
	}
	return -1;
}

static bool is_digit(const struct parser *ps)
{
	return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9';
}

static int parse_number(struct parser *ps)
{
	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (!is_digit(ps))
		return -1;
	if (*ps->p == '0')
		ps->p++;
	else
		while (is_digit(ps))
			ps->p++;
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (!is_digit(ps))
			return -1;
		while (is_digit(ps))
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!is_digit(ps))
			return -1;
		while (is_digit(ps))
			ps->p++;
	}
	return 0;
}

static int parse_literal(struct parser *ps, const char *word)
{
	size_t k = strlen(word);

	if ((size_t)(ps->end - ps->p) < k || memcmp(ps->p, word, k) != 0)
		return -1;
	ps->p += k;
	return 0;
}

/* The next reference token of pointer ptr (at a '/'): its text is
 * ptr[1..*toklen], *next the rest of the pointer. */
static void next_token(const char *ptr, size_t *toklen, const char **next)
{
	const char *slash = strchr(ptr + 1, '/');

	*toklen = slash ? (size_t)(slash - ptr - 1) : strlen(ptr + 1);
	*next = ptr + 1 + *toklen;
}

/* Whether reference token tok[0..toklen-1] (~0 for '~', ~1 for '/')
 * names key[0..keylen-1]. */
static bool token_is(const char *tok, size_t toklen, const char *key, size_t keylen)
{
	size_t i = 0, k = 0;

	while (i < toklen) {
		char c = tok[i++];

		if (c == '~') {
			if (i >= toklen || (tok[i] != '0' && tok[i] != '1'))
				return false;
			c = tok[i++] == '0' ? '~' : '/';
		}
		if (k >= keylen || key[k++] != c)
			return false;
	}
	return k == keylen;
}

/* Whether token tok names array index idx: decimal, no leading zero. */
static bool token_is_index(const char *tok, size_t toklen, size_t idx)
{
	size_t v = 0, i;

	if (toklen == 0 || toklen > 9 || (toklen > 1 && tok[0] == '0'))
		return false;
	for (i = 0; i < toklen; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return false;
		v = v * 10 + (size_t)(tok[i] - '0');
	}
	return v == idx;
}

/* After a member of a container that ends with close: 1 when a ',' says
 * another follows, 0 when close ends it (both consumed), -1 otherwise. */
static int after_member(struct parser *ps, char close)
{
	skip_blanks(ps);
	if (ps->p < ps->end && (*ps->p == ',' || *ps->p == close))
		return *ps->p++ == ',';
	return -1;
}

/* Whether the container that ends with close is empty (close consumed). */
static bool empty_container(struct parser *ps, char close)
{
	ps->p++;
	skip_blanks(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return true;
	}
	return false;
}

/* One value at ps->p. ptr: what is left of the pointer when this value
 * lies on its path ("" when it is the target), NULL when it does not. */
static int parse_value(struct parser *ps, const char *ptr, int depth)
{
	const char *start;
	enum json_type type;
	char key[256];
	size_t keylen, toklen = 0, idx = 0;
	const char *next = NULL;
	int rc = 0;

	if (depth > JSON_POINTER_MAX_DEPTH)
		return -1;
	skip_blanks(ps);
	if (ps->p >= ps->end)
		return -1;
	start = ps->p;
	if (ptr && *ptr)
		next_token(ptr, &toklen, &next);
	switch (*ps->p) {
	case '{':
		type = JSON_OBJECT;
		if (empty_container(ps, '}'))
			break;
		for (;;) {
			const char *child = NULL;

			skip_blanks(ps);
			if (parse_string(ps, key, sizeof(key), &keylen) < 0)
				return -1;
			if (ptr && *ptr && !ps->hit && keylen <= sizeof(key) &&
			    token_is(ptr + 1, toklen, key, keylen))
				child = next;
			skip_blanks(ps);
			if (ps->p >= ps->end || *ps->p++ != ':')
				return -1;
			if (parse_value(ps, child, depth + 1) < 0 ||
			    (rc = after_member(ps, '}')) < 0)
				return -1;
			if (rc == 0)
				break;
		}
		rc = 0;
		break;
	case '[':
		type = JSON_ARRAY;
		if (empty_container(ps, ']'))
			break;
		for (;; idx++) {
			const char *child = NULL;

			if (ptr && *ptr && !ps->hit && token_is_index(ptr + 1, toklen, idx))
				child = next;
			if (parse_value(ps, child, depth + 1) < 0 ||
			    (rc = after_member(ps, ']')) < 0)
				return -1;
			if (rc == 0)
				break;
		}
		rc = 0;
		break;
	case '"':
		type = JSON_STRING;
		rc = parse_string(ps, NULL, 0, &keylen);
		break;
	case 't':
		type = JSON_BOOL;
		rc = parse_literal(ps, "true");
		break;
	case 'f':
		type = JSON_BOOL;
		rc = parse_literal(ps, "false");
		break;
	case 'n':
		type = JSON_NULL;
		rc = parse_literal(ps, "null");
		break;
	default:
		type = JSON_NUMBER;
		rc = parse_number(ps);
		break;
	}
	if (rc < 0)
		return -1;
	if (ptr && *ptr == '\0' && !ps->hit) {
		ps->hit = true;
		ps->found->type = type;
		ps->found->start = (size_t)(start - ps->base);
		ps->found->end = (size_t)(ps->p - ps->base);
	}
	return 0;
}

int json_pointer_find(const char *doc, size_t len, const char *pointer,
		      struct json_span *out)
{
	struct parser ps = { .p = doc, .end = doc + len, .base = doc, .found = out };

	if (!doc || !pointer || (*pointer && *pointer != '/'))
		return -1;
	if (parse_value(&ps, pointer, 0) < 0)
		return -1;
	skip_blanks(&ps);
	if (ps.p != ps.end)
		return -1;
	return ps.hit ? 1 : 0;
}

int json_span_number(const char *doc, const struct json_span *s, double *out)
{
	char text[64];
	size_t k = s->end - s->start;
	char *end;
	double v;

	if (s->type != JSON_NUMBER || k >= sizeof(text))
		return 0;
	memcpy(text, doc + s->start, k);
	text[k] = '\0';
	v = strtod(text, &end);
	if (*end != '\0' || !isfinite(v))
		return 0;
	*out = v;
	return 1;
}

int json_span_string(const char *doc, const struct json_span *s, char *buf, size_t n)
{
	struct parser ps = { .p = doc + s->start, .end = doc + s->end, .base = doc };
	size_t k;

	if (n > 0)
		buf[0] = '\0';
	if (s->type != JSON_STRING || n == 0)
		return 0;
	if (parse_string(&ps, buf, n, &k) < 0 || k >= n) {
		buf[0] = '\0';
		return 0;
	}
	buf[k] = '\0';
	return 1;
}

int json_pointer_number(const char *doc, size_t len, const char *pointer,
			double *out)
{
	struct json_span s;
	int rc = json_pointer_find(doc, len, pointer, &s);

	return rc <= 0 ? rc : json_span_number(doc, &s, out);
}

int json_pointer_string(const char *doc, size_t len, const char *pointer,
			char *buf, size_t n)
{
	struct json_span s;
	int rc = json_pointer_find(doc, len, pointer, &s);

	if (n > 0)
		buf[0] = '\0';
	return rc <= 0 ? rc : json_span_string(doc, &s, buf, n);
}

int json_iter_begin(struct json_iter *it, const char *doc, size_t len,
		    const struct json_span *container)
{
	memset(it, 0, sizeof(*it));
	if ((container->type != JSON_ARRAY && container->type != JSON_OBJECT) ||
	    container->start >= container->end || container->end > len)
		return 0;
	it->doc = doc;
	it->len = container->end;
	it->pos = container->start;
	it->type = container->type;
	return 1;
}

int json_iter_next(struct json_iter *it, struct json_span *key, struct json_span *value)
{
	char close = it->type == JSON_ARRAY ? ']' : '}';
	struct parser ps = { .p = it->doc + it->pos, .end = it->doc + it->len,
			     .base = it->doc, .found = value };
	size_t klen;
	int more;

	if (key)
		memset(key, 0, sizeof(*key));
	if (it->state != 0)
		return it->state > 0 ? 0 : -1;
	if (it->index == 0) {
		if (ps.p >= ps.end || *ps.p != (close == ']' ? '[' : '{'))
			goto bad;
		if (empty_container(&ps, close)) {
			it->state = 1;
			return 0;
		}
	}
	if (it->type == JSON_OBJECT) {
		skip_blanks(&ps);
		if (key) {
			key->type = JSON_STRING;
			key->start = (size_t)(ps.p - ps.base);
		}
		if (parse_string(&ps, NULL, 0, &klen) < 0)
			goto bad;
		if (key)
			key->end = (size_t)(ps.p - ps.base);
		skip_blanks(&ps);
		if (ps.p >= ps.end || *ps.p++ != ':')
			goto bad;
	}
	/* "": the value itself is the target, its span noted. */
	if (parse_value(&ps, "", 1) < 0 || (more = after_member(&ps, close)) < 0)
		goto bad;
	it->pos = (size_t)(ps.p - ps.base);
	it->index++;
	if (!more)
		it->state = 1;
	return 1;
bad:
	it->state = -1;
	return -1;
}

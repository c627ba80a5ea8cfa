/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Signed statements (report/sign.c): the key pair keygen writes, what is
 * signed (the canonical form), and verify on untouched, changed, re-signed,
 * unsigned and malformed files, JSON and Markdown. */
#define _GNU_SOURCE	/* open_memstream, asprintf */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "sign.h"

/* A statement's JSON as carbon-report writes it: one object, one line. */
static const char statement_json[] =
	"{\"scope\": {\"by\": \"tag\", \"tag\": \"run3\", \"jobs\": 2, \"imported_runs\": 0}, "
	"\"jobs\": 2, \"period\": {\"start\": \"2026-03-02T10:00:00Z\", "
	"\"end\": \"2026-03-02T12:00:00Z\", \"from\": \"the jobs\"}, "
	"\"energy_kwh\": {\"cpu\": 1.7, \"dram\": 0.17, \"gpu\": 2, \"other\": 0, \"it\": 3.87, "
	"\"facility\": 4.8375}, \"pue\": 1.25, \"intensity_g_per_kwh\": 300, "
	"\"co2e_kg\": 1.45125, \"limitations\": [\"a \\\"quoted\\\" word\", \"\\u00e9\"]}\n";

static const char statement_md[] =
	"## Emission statement: tag run3\n\n"
	"2 jobs, 2026-03-02T10:00:00Z to 2026-03-02T12:00:00Z: 3.87 kWh IT energy, "
	"4.84 kWh facility energy, **1.45 kg CO2e** (operational, location-based).\n\n"
	"### Energy\n\n- IT: 3.87 kWh\n\n";

struct fixture {
	char dir[512];
	char *key_path, *pub_path, *other_path, *other_pub;
	struct sign_key *key, *pub, *other, *other_public;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char why[512];

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "%s/test_sign.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	assert_true(asprintf(&fx->key_path, "%s/site.key", fx->dir) > 0);
	assert_true(asprintf(&fx->pub_path, "%s/site.key.pub", fx->dir) > 0);
	assert_true(asprintf(&fx->other_path, "%s/other.key", fx->dir) > 0);
	assert_true(asprintf(&fx->other_pub, "%s/other.key.pub", fx->dir) > 0);
	fx->key = sign_keygen(fx->key_path, why, sizeof(why));
	if (!fx->key)
		fail_msg("keygen: %s", why);
	fx->other = sign_keygen(fx->other_path, why, sizeof(why));
	assert_non_null(fx->other);
	fx->pub = sign_key_load_public(fx->pub_path, why, sizeof(why));
	if (!fx->pub)
		fail_msg("load public: %s", why);
	fx->other_public = sign_key_load_public(fx->other_pub, why, sizeof(why));
	assert_non_null(fx->other_public);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	sign_key_free(fx->key);
	sign_key_free(fx->pub);
	sign_key_free(fx->other);
	sign_key_free(fx->other_public);
	unlink(fx->key_path);
	unlink(fx->pub_path);
	unlink(fx->other_path);
	unlink(fx->other_pub);
	rmdir(fx->dir);
	free(fx->key_path);
	free(fx->pub_path);
	free(fx->other_path);
	free(fx->other_pub);
	free(fx);
	return 0;
}

/* The signed JSON of statement_json with key for site, in a buffer. */
static char *signed_json(const struct sign_key *key, const char *site, size_t *len)
{
	struct sign_signature sig;
	char why[512], *buf = NULL;
	FILE *fp;

	if (sign_json(key, site, statement_json, strlen(statement_json), &sig, why,
		      sizeof(why)) < 0)
		fail_msg("sign_json: %s", why);
	fp = open_memstream(&buf, len);
	assert_non_null(fp);
	assert_int_equal(sign_write_json(fp, statement_json, strlen(statement_json), &sig), 0);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

/* Not inlined: GCC 12 then takes the returned buffer for a pointer to the
 * local that open_memstream filled in (-Wdangling-pointer). */
static __attribute__((noinline)) char *signed_markdown(const struct sign_key *key, size_t *len)
{
	struct sign_signature sig;
	char why[512], *buf = NULL;
	FILE *fp;

	assert_int_equal(sign_json(key, "hpc1", statement_json, strlen(statement_json), &sig, why,
				   sizeof(why)), 0);
	assert_int_equal(sign_markdown(key, statement_md, strlen(statement_md), &sig, why,
				       sizeof(why)), 0);
	fp = open_memstream(&buf, len);
	assert_non_null(fp);
	assert_int_equal(sign_write_markdown(fp, statement_md, strlen(statement_md), &sig), 0);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static enum sign_status check(const char *doc, size_t len, const struct sign_key *key,
			      struct sign_check *out)
{
	const struct sign_key *keys[1] = { key };

	return sign_verify(doc, len, keys, key ? 1 : 0, out);
}

static void test_keygen(void **state)
{
	struct fixture *fx = *state;
	struct stat sb;
	char why[512];
	struct sign_key *again;

	assert_int_equal(stat(fx->key_path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(stat(fx->pub_path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	/* The id is a prefix of the fingerprint; two keys differ. */
	assert_int_equal(strlen(sign_key_id(fx->key)), SIGN_KEY_ID_HEX);
	assert_int_equal(strlen(sign_key_fingerprint(fx->key)), SIGN_FINGERPRINT_HEX);
	assert_memory_equal(sign_key_id(fx->key), sign_key_fingerprint(fx->key), SIGN_KEY_ID_HEX);
	assert_string_equal(sign_key_id(fx->key), sign_key_id(fx->pub));
	assert_string_not_equal(sign_key_id(fx->key), sign_key_id(fx->other));
	/* Never over an existing key. */
	again = sign_keygen(fx->key_path, why, sizeof(why));
	assert_null(again);
	assert_non_null(strstr(why, "exists"));
	/* A private key others may read is refused; a public key cannot sign. */
	assert_int_equal(chmod(fx->key_path, 0640), 0);
	again = sign_key_load_private(fx->key_path, why, sizeof(why));
	assert_null(again);
	assert_non_null(strstr(why, "chmod 600"));
	assert_int_equal(chmod(fx->key_path, 0600), 0);
	again = sign_key_load_private(fx->key_path, why, sizeof(why));
	assert_non_null(again);
	assert_string_equal(sign_key_id(again), sign_key_id(fx->key));
	sign_key_free(again);
	/* The private key is not a public key file, nor the reverse. */
	assert_null(sign_key_load_public(fx->key_path, why, sizeof(why)));
	assert_null(sign_key_load_private(fx->pub_path, why, sizeof(why)));
}

/* The canonical form: SHA-256 of the object as written, newline aside. */
static void test_canonical(void **state)
{
	struct fixture *fx = *state;
	struct sign_signature sig;
	char why[512], *doc;
	size_t len, body = strlen(statement_json) - 1;

	assert_int_equal(sign_json(fx->key, "hpc1", "{}\n", 3, &sig, why, sizeof(why)), 0);
	assert_string_equal(sig.digest,
			    "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
	assert_string_equal(sig.key_id, sign_key_id(fx->key));
	assert_int_equal(strlen(sig.value), SIGN_VALUE_B64);
	/* Ed25519 is deterministic: the same statement, the same signature. */
	{
		struct sign_signature again;

		assert_int_equal(sign_json(fx->key, "hpc1", "{}", 2, &again, why, sizeof(why)), 0);
		assert_string_equal(again.value, sig.value);
	}
	/* The signed file is the statement up to its last '}', then the block. */
	doc = signed_json(fx->key, "hpc1", &len);
	assert_memory_equal(doc, statement_json, body - 1);
	assert_non_null(strstr(doc + body - 1, ", \"signature\": {\"algorithm\": \"Ed25519\""));
	assert_int_equal(doc[len - 1], '\n');
	assert_int_equal(doc[len - 2], '}');
	free(doc);
	/* Not an object, or a site that cannot be named. */
	assert_int_equal(sign_json(fx->key, "hpc1", "[1]", 3, &sig, why, sizeof(why)), -1);
	assert_int_equal(sign_json(fx->key, "hpc1", "{} {}", 5, &sig, why, sizeof(why)), -1);
	assert_int_equal(sign_json(fx->key, "hpc 1", "{}", 2, &sig, why, sizeof(why)), -1);
	assert_int_equal(sign_json(fx->key, "", "{}", 2, &sig, why, sizeof(why)), -1);
	assert_int_equal(sign_json(fx->pub, "hpc1", "{}", 2, &sig, why, sizeof(why)), -1);
}

static void test_untouched(void **state)
{
	struct fixture *fx = *state;
	struct sign_check chk;
	size_t len;
	char *doc = signed_json(fx->key, "hpc1,hpc2", &len);

	assert_int_equal(check(doc, len, fx->pub, &chk), SIGN_OK);
	assert_false(chk.markdown);
	assert_ptr_equal(chk.key, fx->pub);
	assert_string_equal(chk.sig.site, "hpc1,hpc2");
	assert_string_equal(chk.sig.key_id, sign_key_id(fx->pub));
	/* Among several keys, the one the signature names. */
	{
		const struct sign_key *keys[2] = { fx->other_public, fx->pub };

		assert_int_equal(sign_verify(doc, len, keys, 2, &chk), SIGN_OK);
		assert_ptr_equal(chk.key, fx->pub);
	}
	/* Without a key: the form and digest hold, the signer is unknown. */
	assert_int_equal(check(doc, len, NULL, &chk), SIGN_NO_KEY);
	free(doc);
}

/* Every single byte changed, anywhere in the file, fails. */
static void test_every_byte(void **state)
{
	struct fixture *fx = *state;
	struct sign_check chk;
	size_t len, i, cut;
	char *doc = signed_json(fx->key, "hpc1", &len);
	enum sign_status s;

	cut = strlen(statement_json) - 2;	/* the statement's last '}' */
	for (i = 0; i < len; i++) {
		char was = doc[i];

		doc[i] = (char)(was == '1' ? '2' : was ^ 0x01);
		s = check(doc, len, fx->pub, &chk);
		if (s == SIGN_OK)
			fail_msg("byte %zu changed ('%c' to '%c') still verifies", i, was, doc[i]);
		/* In the figures: "changed", unless the JSON broke. */
		if (i < cut && s != SIGN_CHANGED && s != SIGN_MALFORMED && s != SIGN_UNSIGNED)
			fail_msg("byte %zu: status %d", i, s);
		doc[i] = was;
	}
	assert_int_equal(check(doc, len, fx->pub, &chk), SIGN_OK);
	/* A figure changed, still JSON: said so. */
	{
		char *p = strstr(doc, "\"co2e_kg\": 1.45125");

		assert_non_null(p);
		p[strlen("\"co2e_kg\": 0")] = '0';
		assert_int_equal(check(doc, len, fx->pub, &chk), SIGN_CHANGED);
		assert_non_null(strstr(chk.why, "changed after it was signed"));
	}
	free(doc);
}

static void test_other_key(void **state)
{
	struct fixture *fx = *state;
	struct sign_check chk;
	size_t len;
	char *doc = signed_json(fx->other, "hpc1", &len), *p;

	/* Signed by another key: named as such. */
	assert_int_equal(check(doc, len, fx->pub, &chk), SIGN_NO_KEY);
	assert_non_null(strstr(chk.why, "signed by another key"));
	assert_int_equal(check(doc, len, fx->other_public, &chk), SIGN_OK);
	/* Another key's signature under the site's key id: a bad signature. */
	p = strstr(doc, sign_key_id(fx->other));
	assert_non_null(p);
	memcpy(p, sign_key_id(fx->pub), SIGN_KEY_ID_HEX);
	assert_int_equal(check(doc, len, fx->pub, &chk), SIGN_BAD_SIGNATURE);
	assert_non_null(strstr(chk.why, "bad signature"));
	free(doc);
	/* The site's own statement, its site renamed in the block. */
	doc = signed_json(fx->key, "hpc1", &len);
	p = strstr(doc, "\"site\": \"hpc1\"");
	assert_non_null(p);
	p[strlen("\"site\": \"hpc")] = '2';
	assert_int_equal(check(doc, len, fx->pub, &chk), SIGN_BAD_SIGNATURE);
	free(doc);
}

/* Untrusted files that are not signed statements, from a table. */
static void test_malformed(void **state)
{
	static const struct {
		const char *name;
		const char *doc;
		enum sign_status want;
	} cases[] = {
		{ "empty", "", SIGN_UNSIGNED },
		{ "unsigned JSON", "{\"jobs\": 2}\n", SIGN_UNSIGNED },
		{ "not JSON", "{\"jobs\": 2\n", SIGN_MALFORMED },
		{ "an array", "[{\"signature\": {}}]", SIGN_UNSIGNED },
		{ "signature not an object", "{\"jobs\": 2, \"signature\": \"x\"}\n", SIGN_MALFORMED },
		{ "signature first", "{\"signature\": {}, \"jobs\": 2}\n", SIGN_MALFORMED },
		{ "empty block", "{\"jobs\": 2, \"signature\": {}}\n", SIGN_MALFORMED },
		{ "nested too deep",
		  "{\"a\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], \"signature\": {}}\n",
		  SIGN_MALFORMED },
		{ "plain Markdown", "## Emission statement: tag x\n\n2 jobs\n", SIGN_UNSIGNED },
		{ "Markdown, no final newline", "## x\nSigned for site `a`", SIGN_UNSIGNED },
		{ "Markdown, broken line", "## x\nSigned for site `a` with Ed25519 key `b`\n",
		  SIGN_MALFORMED },
	};
	struct fixture *fx = *state;
	struct sign_check chk;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum sign_status s = check(cases[i].doc, strlen(cases[i].doc), fx->pub, &chk);

		if (s != cases[i].want)
			fail_msg("%s: status %d, want %d (%s)", cases[i].name, s, cases[i].want,
				 chk.why);
		if (!chk.why[0])
			fail_msg("%s: no reason given", cases[i].name);
	}
}

/* The signed file reformatted (a space more, the block's members in
 * another order, another base64 of the same bytes) no longer verifies. */
static void test_reformatted(void **state)
{
	struct fixture *fx = *state;
	struct sign_check chk;
	size_t len;
	char *doc = signed_json(fx->key, "hpc1", &len), *p, *copy;

	/* Without the final newline, or with two. */
	assert_int_equal(check(doc, len - 1, fx->pub, &chk), SIGN_MALFORMED);
	copy = malloc(len + 2);
	assert_non_null(copy);
	memcpy(copy, doc, len);
	copy[len] = '\n';
	assert_int_equal(check(copy, len + 1, fx->pub, &chk), SIGN_MALFORMED);
	/* A space inserted before the block. */
	p = strstr(doc, ", \"signature\"");
	memcpy(copy, doc, (size_t)(p - doc));
	copy[p - doc] = ' ';
	memcpy(copy + (p - doc) + 1, p, len - (size_t)(p - doc));
	assert_int_equal(check(copy, len + 1, fx->pub, &chk), SIGN_CHANGED);
	free(copy);
	/* A NUL inside: not JSON. */
	doc[10] = '\0';
	assert_int_equal(check(doc, len, fx->pub, &chk), SIGN_MALFORMED);
	free(doc);
}

static void test_markdown(void **state)
{
	struct fixture *fx = *state;
	struct sign_check chk;
	size_t len, i;
	char *doc = signed_markdown(fx->key, &len), *fig;
	struct sign_signature sig;
	char why[512];

	assert_int_equal(check(doc, len, fx->pub, &chk), SIGN_OK);
	assert_true(chk.markdown);
	assert_string_equal(chk.sig.site, "hpc1");
	/* The line names the JSON statement's digest. */
	assert_int_equal(sign_json(fx->key, "hpc1", statement_json, strlen(statement_json), &sig,
				   why, sizeof(why)), 0);
	assert_string_equal(chk.sig.digest, sig.digest);
	assert_int_equal(check(doc, len, fx->other_public, &chk), SIGN_NO_KEY);
	for (i = 0; i < len; i++) {
		char was = doc[i];

		doc[i] = (char)(was ^ 0x01);
		if (check(doc, len, fx->pub, &chk) == SIGN_OK)
			fail_msg("Markdown byte %zu changed still verifies", i);
		doc[i] = was;
	}
	/* A figure changed in the text. */
	fig = strstr(doc, "1.45 kg");
	assert_non_null(fig);
	*fig = '7';
	assert_int_equal(check(doc, len, fx->pub, &chk), SIGN_CHANGED);
	free(doc);
}

static void test_read_file(void **state)
{
	struct fixture *fx = *state;
	char why[512], *buf = NULL;
	size_t len;

	assert_int_equal(sign_read_file(fx->pub_path, SIGN_FILE_MAX, &buf, &len, why, sizeof(why)),
			 0);
	assert_non_null(buf);
	assert_true(len > 0);
	assert_int_equal(buf[len], '\0');
	free(buf);
	buf = NULL;
	/* Too large, a directory, missing. */
	assert_int_equal(sign_read_file(fx->pub_path, 10, &buf, &len, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "more than"));
	assert_int_equal(sign_read_file(fx->dir, SIGN_FILE_MAX, &buf, &len, why, sizeof(why)), -1);
	assert_int_equal(sign_read_file("/nonexistent/x", SIGN_FILE_MAX, &buf, &len, why,
					sizeof(why)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keygen),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_untouched),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_other_key),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_reformatted),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_read_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: arbitrary bytes as a statement handed to carbon-report
 * verify (report/sign.c), JSON or Markdown, checked with a key made once. */
#include "sign.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct sign_key *key;

static void check(int ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_verify: invariant broken: %s\n", what);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/fuzz_verify.XXXXXX", path[64], pub[72], why[512];

	(void)argc;
	(void)argv;
	check(mkdtemp(dir) != NULL, "a temporary directory");
	snprintf(path, sizeof(path), "%s/k", dir);
	snprintf(pub, sizeof(pub), "%s/k.pub", dir);
	key = sign_keygen(path, why, sizeof(why));
	check(key != NULL, "a key");
	unlink(path);
	unlink(pub);
	rmdir(dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sign_key *keys[1] = { key };
	struct sign_check chk;
	enum sign_status s;

	s = sign_verify((const char *)data, size, keys, 1, &chk);
	check(s == chk.status, "the status returned is the one recorded");
	/* Nobody but the key's holder can make a signature that passes. */
	check(s != SIGN_OK, "a signature nobody made verifies");
	check(chk.why[0] != '\0', "a failure says why");
	check(memchr(chk.why, '\0', sizeof(chk.why)) != NULL, "the reason is terminated");
	s = sign_verify((const char *)data, size, NULL, 0, &chk);
	check(s != SIGN_OK, "without a key nothing passes");
	return 0;
}

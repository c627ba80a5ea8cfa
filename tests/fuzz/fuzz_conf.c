/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: arbitrary bytes as carbon.conf through conf_load(). */
#define _GNU_SOURCE
#include "conf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The input lives in one memfd, rewritten for every run, and conf_load opens
 * it by its /proc/self/fd path: no file system is touched, and lib/ needs no
 * entry point that takes a buffer. */
static int input_fd = -1;
static char input_path[64];

/* A broken invariant aborts: libFuzzer reports a crash and keeps the input. */
static void check(int ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_conf: invariant broken: %s\n", what);
	abort();
}

static int terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct carbon_conf c;
	char err[1024];
	int rc;

	if (input_fd < 0) {
		input_fd = memfd_create("carbon.conf", 0);
		if (input_fd < 0) {
			perror("fuzz_conf: memfd_create");
			abort();
		}
		snprintf(input_path, sizeof(input_path), "/proc/self/fd/%d", input_fd);
	}
	if (ftruncate(input_fd, 0) < 0 ||
	    (size && pwrite(input_fd, data, size, 0) != (ssize_t)size)) {
		perror("fuzz_conf: writing the memfd");
		abort();
	}

	conf_defaults(&c);
	memset(err, 'X', sizeof(err));	/* an unterminated message shows */
	rc = conf_load(input_path, CONF_TRUST_ANY, &c, err, sizeof(err));
	check(rc == 0 || rc == -1, "conf_load returns 0 or -1");

	/* Whatever happened, every string stays within its buffer ... */
	check(terminated(c.cluster, sizeof(c.cluster)), "cluster terminated");
	check(terminated(c.zone, sizeof(c.zone)), "zone terminated");
	check(terminated(c.conninfo, sizeof(c.conninfo)), "conninfo terminated");
	check(terminated(c.spool_dir, sizeof(c.spool_dir)), "spool_dir terminated");
	/* ... and an integer is only stored once it is in range. */
	check(c.interval_s >= 1 && c.interval_s <= 3600, "interval in [1, 3600]");
	check(c.connect_timeout_s >= 1 && c.connect_timeout_s <= 60,
	      "connect_timeout in [1, 60]");

	if (rc == 0) {
		check(c.pue >= 1.0 && c.pue <= 5.0, "accepted pue in [1, 5]");
		check(c.intensity_g_per_kwh == -1.0 || c.intensity_g_per_kwh >= 0.0,
		      "accepted intensity unset (-1) or >= 0");
	} else {
		/* The message is there, terminated, and names the file. */
		check(terminated(err, sizeof(err)), "error message terminated");
		check(err[0] != '\0', "error message not empty");
		check(strncmp(err, input_path, strlen(input_path)) == 0,
		      "error message starts with the file name");
	}
	return 0;
}

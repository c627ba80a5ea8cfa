/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Benchmark: the CPU time of summary's and track's group lookup
 * (report/aggregate.c group_get), as jobsum adds up its rows: N groups
 * added with group_get, then each looked up again LOOKUPS times, in a
 * scattered order, as rows of many groups come. Not a test: it prints
 * figures. It uses group_get and group_list_free alone, so that
 * tests/bench/bench_groups.sh can build it against an older aggregate.c.
 *
 * Usage: bench_groups [-n GROUPS (100000)] [-l LOOKUPS (10)] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aggregate.h"

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Project and day, as track's keys of project x day: "p00042|2026-03-02". */
static void key_of(size_t i, char *key, size_t len)
{
	snprintf(key, len, "p%05zu|2026-%02zu-%02zu", i / 365, 1 + i % 365 / 31,
		 1 + i % 31);
}

int main(int argc, char **argv)
{
	struct group_list l = { 0 };
	size_t n = 100000, lookups = 10, i, j, step;
	double t0, t_add, t_get;
	char key[64];
	int opt;

	while ((opt = getopt(argc, argv, "n:l:")) != -1) {
		if (opt == 'n')
			n = strtoul(optarg, NULL, 10);
		else if (opt == 'l')
			lookups = strtoul(optarg, NULL, 10);
		else {
			fputs("usage: bench_groups [-n GROUPS] [-l LOOKUPS]\n", stderr);
			return 2;
		}
	}
	if (!n) {
		fputs("bench_groups: -n must be at least 1\n", stderr);
		return 2;
	}
	t0 = cpu_s();
	for (i = 0; i < n; i++) {
		key_of(i, key, sizeof(key));
		if (!group_get(&l, key)) {
			fputs("bench_groups: out of memory\n", stderr);
			return 1;
		}
	}
	t_add = cpu_s() - t0;
	/* A stride prime to n visits every group once per round, scattered. */
	for (step = n / 2 + 1; n > 1; step++) {
		size_t a = step, b = n;

		while (b) {
			size_t r = a % b;

			a = b;
			b = r;
		}
		if (a == 1)
			break;
	}
	t0 = cpu_s();
	for (j = 0; j < lookups; j++)
		for (i = 0; i < n; i++) {
			key_of((i * step) % n, key, sizeof(key));
			if (!group_get(&l, key) || l.n != n) {
				fputs("bench_groups: a group was lost\n", stderr);
				return 1;
			}
		}
	t_get = cpu_s() - t0;
	printf("| %zu | %zu | %.3f | %.3f | %.0f |\n", n, lookups * n, t_add, t_get,
	       1e9 * t_get / (double)(lookups * n));
	group_list_free(&l);
	return 0;
}

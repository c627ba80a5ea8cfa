/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: arbitrary bytes as a team's statement handed to
 * carbon-report track --from (report/track_block.c): refused with a reason,
 * or read into groups that hold only what the reader promises, and that
 * written again read back the same. */
#include "track_block.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(int ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_track_block: invariant broken: %s\n", what);
	abort();
}

static void check_totals(const struct job_totals *t)
{
	int d;

	check(t->gpu_jobs <= t->jobs, "GPU jobs <= jobs");
	check(isfinite(t->co2e_kg) && t->co2e_kg >= 0, "kg a figure");
	check(isfinite(t->it_kwh) && t->it_kwh >= 0, "kWh a figure");
	for (d = 0; d < DOMAIN_COUNT; d++)
		check(isfinite(t->energy_kwh[d]) && t->energy_kwh[d] >= 0, "domain kWh a figure");
}

/* How many groups l holds, each checked. */
static size_t check_groups(const struct group_list *l)
{
	size_t i, j, n = 0;

	for (i = 0; i < l->n; i++) {
		const struct group *p = &l->g[i];

		check(!p->key || (*p->key && strlen(p->key) <= TRACK_BLOCK_MAX_NAME),
		      "a project's name");
		check_totals(&p->t);
		for (j = 0; j < p->sub.n; j++) {
			check(p->sub.g[j].key && *p->sub.g[j].key &&
			      strlen(p->sub.g[j].key) <= TRACK_BLOCK_MAX_NAME, "a user's name");
			check_totals(&p->sub.g[j].t);
		}
		for (j = 0; j < p->days.n; j++)
			check(p->days.g[j].key && strlen(p->days.g[j].key) == 10, "a day");
		n += 1 + p->sub.n + p->days.n;
	}
	check(n <= TRACK_BLOCK_MAX_GROUPS, "at most TRACK_BLOCK_MAX_GROUPS groups");
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct group_list read = { 0 }, again = { 0 };
	struct json_writer w;
	char why[512] = "", *doc = NULL;
	size_t len = 0, n;
	FILE *fp;

	if (track_block_read((const char *)data, size, &read, why, sizeof(why)) < 0) {
		check(why[0] != '\0', "a refusal says why");
		check(memchr(why, '\0', sizeof(why)) != NULL, "the reason terminated");
		group_list_free(&read);
		return 0;
	}
	n = check_groups(&read);
	/* What was read, written as a statement writes it, reads back. */
	fp = open_memstream(&doc, &len);
	check(fp != NULL, "a memory stream");
	json_init(&w, fp);
	json_begin_object(&w);
	json_key(&w, "track");
	track_block_json(&w, &read);
	json_end_object(&w);
	check(json_finish(&w) == 0 && fclose(fp) == 0, "written");
	check(track_block_read(doc, len, &again, why, sizeof(why)) == 0, "written, read back");
	check(check_groups(&again) == n && again.n == read.n, "the same groups");
	free(doc);
	group_list_free(&read);
	group_list_free(&again);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: the sources of db sync-users on any bytes, as a line of
 * sacctmgr's associations and as a user,project CSV file. Whatever is taken
 * is a name that may become a role and a project name; whatever is refused
 * says why and leaves nothing behind. */
#define _GNU_SOURCE
#include "participants.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(int ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_participants: invariant broken: %s\n", what);
	abort();
}

static void check_taken(const struct participant *p)
{
	check(participant_user_is_valid(p->user, NULL), "a user name that may be a role");
	check(!p->project[0] || participant_project_is_valid(p->project, NULL), "a project name");
	check(!strpbrk(p->user, "\"'\\\\ ,|") && !strpbrk(p->project, "\"'\\\\ ,|"),
	      "nothing an array literal or SQL would need quoted");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy, so ASan sees any read past the terminator. */
	char *line = malloc(size + 1), err[512];
	struct participant p;
	struct participant_list l = { 0 };
	const char *why = NULL;
	enum assoc_line_result r;
	FILE *fp;
	size_t i;

	if (!line)
		abort();
	memcpy(line, data, size);
	line[size] = '\0';
	r = participants_parse_assoc(line, &p, &why);
	check(r == ASSOC_LINE_OK || r == ASSOC_LINE_SKIP || r == ASSOC_LINE_BAD, "a result");
	if (r == ASSOC_LINE_BAD)
		check(why && why[0], "a refused line says why");
	if (r == ASSOC_LINE_OK)
		check_taken(&p);

	fp = fmemopen(line, size, "r");
	if (fp) {
		if (participants_read_csv(fp, "f.csv", &l, err, sizeof(err)) == 0) {
			for (i = 0; i < l.n; i++)
				check_taken(&l.v[i]);
		} else {
			check(l.n == 0, "a refused file leaves nothing");
			check(!strncmp(err, "f.csv", 5), "a refused file is named");
		}
		fclose(fp);
	}
	participants_free(&l);
	free(line);
	return 0;
}

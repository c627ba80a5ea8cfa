/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who takes part, and in which projects: the source of `carbon-report db
 * sync-users`, read from Slurm's associations or from a CSV file. Every
 * name is checked where it enters: it becomes a PostgreSQL role name. */
#ifndef CARBON_PARTICIPANTS_H
#define CARBON_PARTICIPANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "record.h"

/* A PostgreSQL role name is at most NAMEDATALEN - 1 = 63 bytes. */
#define PARTICIPANT_USER_MAX 63

/* sacctmgr's format list, in the order participants_parse_assoc() reads it. */
#define PARTICIPANT_ASSOC_FIELDS "cluster,account,user"

/* One user, and one project of theirs ("" when the source names none). */
struct participant {
	char user[PARTICIPANT_USER_MAX + 1];
	char project[RECORD_LABEL_MAX + 1];
};

struct participant_list {
	struct participant *v;
	size_t n, cap;
};

/* Is user a name that may become a participant's role: a Slurm user name
 * (record_text_is_safe(), RECORD_TEXT_NAME) of at most 63 bytes that does
 * not start with "pg_" (PostgreSQL's own roles)? When not, *why says what
 * is wrong without quoting it. */
bool participant_user_is_valid(const char *user, const char **why);

/* Is project a project name (label_is_valid(): the spelling of
 * --carbon-project, which defaults to the Slurm account)? */
bool participant_project_is_valid(const char *project, const char **why);

/* Add user and project (both checked before) to l. Returns 0, or -1 when
 * out of memory. */
int participants_add(struct participant_list *l, const char *user, const char *project);

void participants_free(struct participant_list *l);

enum assoc_line_result {
	ASSOC_LINE_OK,		/* *p holds a user and their account */
	ASSOC_LINE_SKIP,	/* an account's own association (no user), or
				 * one of Slurm's root account, which holds
				 * the administrators, not a project */
	ASSOC_LINE_BAD,		/* *why says which field is wrong */
};

/* Parse one line (NUL-terminated, without its newline) of
 *   sacctmgr -n -P show associations format=cluster,account,user
 * Exactly three fields separated by '|': cluster a name
 * (RECORD_TEXT_NAME), account a project name, user empty or a participant
 * name. *why (when ASSOC_LINE_BAD) is a static string that never quotes
 * the line. Never allocates. */
enum assoc_line_result participants_parse_assoc(const char *line, struct participant *p,
						const char **why);

/* Read a CSV file (report/csv.c) whose header names the columns user and
 * project, in either order, and nothing else; every row one user and one
 * of their projects (project may be empty: a participant in no project).
 * name is the file's name for messages. All of the file or nothing:
 * returns 0 with the rows added to l, or -1 with "NAME:LINE: reason" in
 * err (a bad header, a row with too few or too many fields, a name that is
 * not valid) and l as it was. */
int participants_read_csv(FILE *fp, const char *name, struct participant_list *l,
			  char *err, size_t errlen);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The source of db sync-users: Slurm's associations or a CSV file. */
#include "participants.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"

#define CSV_MAX_FIELDS 8

bool participant_user_is_valid(const char *user, const char **why)
{
	if (!record_text_is_safe(user, PARTICIPANT_USER_MAX, RECORD_TEXT_NAME, why))
		return false;
	if (!strncasecmp(user, "pg_", 3)) {
		if (why)
			*why = "names that start with pg_ are PostgreSQL's own roles";
		return false;
	}
	return true;
}

bool participant_project_is_valid(const char *project, const char **why)
{
	return record_text_is_safe(project, RECORD_LABEL_MAX, RECORD_TEXT_LABEL, why);
}

int participants_add(struct participant_list *l, const char *user, const char *project)
{
	struct participant *p;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct participant *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	p = &l->v[l->n++];
	snprintf(p->user, sizeof(p->user), "%s", user);
	snprintf(p->project, sizeof(p->project), "%s", project);
	return 0;
}

void participants_free(struct participant_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Split line into exactly n fields at '|', each copied into field[i]
 * (capacity cap[i]). Returns -1 when there are fewer or more fields, else
 * the index of the first field that does not fit, else n. */
static int split_fields(const char *line, size_t n, char *const field[], const size_t cap[])
{
	const char *s = line;
	int too_long = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		size_t len = strcspn(s, "|");

		if (len < cap[i]) {
			memcpy(field[i], s, len);
			field[i][len] = '\0';
		} else if (too_long < 0) {
			too_long = (int)i;
		}
		s += len;
		if (i + 1 < n) {
			if (*s != '|')
				return -1;
			s++;
		}
	}
	if (*s)
		return -1;
	return too_long >= 0 ? too_long : (int)n;
}

enum assoc_line_result participants_parse_assoc(const char *line, struct participant *p,
						const char **why)
{
	char cluster[128], account[RECORD_LABEL_MAX + 1];
	char *const field[3] = { cluster, account, p->user };
	const size_t cap[3] = { sizeof(cluster), sizeof(account), sizeof(p->user) };
	static const char *const too_long[3] = {
		"cluster is too long for a cluster name",
		"account is longer than 64 characters, too long for a project name",
		"user is longer than 63 characters, too long for a PostgreSQL role",
	};
	int r;

	memset(p, 0, sizeof(*p));
	r = split_fields(line, 3, field, cap);
	if (r < 0) {
		*why = "expected 3 fields (cluster|account|user): a '|' in a name, or a field missing";
		return ASSOC_LINE_BAD;
	}
	if (r < 3) {
		*why = too_long[r];
		return ASSOC_LINE_BAD;
	}
	if (!record_text_is_safe(cluster, sizeof(cluster) - 1, RECORD_TEXT_NAME, NULL)) {
		*why = "cluster is not a cluster name";
		return ASSOC_LINE_BAD;
	}
	if (!participant_project_is_valid(account, NULL)) {
		*why = "account is not a valid project name (letters, digits and . _ : + / -)";
		return ASSOC_LINE_BAD;
	}
	if (!p->user[0] || !strcmp(account, "root")) {
		p->user[0] = '\0';
		return ASSOC_LINE_SKIP;
	}
	if (!participant_user_is_valid(p->user, NULL)) {
		*why = !strncasecmp(p->user, "pg_", 3) ?
			"user starts with pg_, which PostgreSQL keeps for its own roles" :
			"user is not a valid user name (letters, digits and . _ @ -, the first a letter, digit or _)";
		return ASSOC_LINE_BAD;
	}
	snprintf(p->project, sizeof(p->project), "%s", account);
	return ASSOC_LINE_OK;
}

int participants_read_csv(FILE *fp, const char *name, struct participant_list *l,
			  char *err, size_t errlen)
{
	struct csv_reader csv;
	char why[256];
	const char *reason = NULL;
	size_t n0 = l->n, i;
	int r, col_user = -1, col_project = -1, rc = -1;

	csv_init(&csv, fp, CSV_TRIM, CSV_MAX_FIELDS);
	r = csv_read(&csv, why, sizeof(why));
	if (r < 0) {
		snprintf(err, errlen, "%s:%u: %s", name, csv.line, why);
		goto out;
	}
	if (r == 0) {
		snprintf(err, errlen, "%s: empty file: expected the header user,project", name);
		goto out;
	}
	for (i = 0; i < csv.n_fields; i++) {
		if (!strcmp(csv.field[i], "user") && col_user < 0)
			col_user = (int)i;
		else if (!strcmp(csv.field[i], "project") && col_project < 0)
			col_project = (int)i;
		else
			break;
	}
	if (i != csv.n_fields || col_user < 0 || col_project < 0) {
		snprintf(err, errlen, "%s:%u: the header must be user,project (the two columns, once each)",
			 name, csv.line);
		goto out;
	}
	while ((r = csv_read(&csv, why, sizeof(why))) > 0) {
		const char *user, *project;

		if (csv.n_fields != 2) {
			snprintf(err, errlen, "%s:%u: expected 2 fields (user,project), found %zu",
				 name, csv.line, csv.n_fields);
			goto out;
		}
		user = csv.field[col_user];
		project = csv.field[col_project];
		if (!participant_user_is_valid(user, &reason)) {
			snprintf(err, errlen, "%s:%u: user is not a valid user name: %s",
				 name, csv.line, reason);
			goto out;
		}
		if (project[0] && !participant_project_is_valid(project, &reason)) {
			snprintf(err, errlen, "%s:%u: project is not a valid project name: %s",
				 name, csv.line, reason);
			goto out;
		}
		if (participants_add(l, user, project) < 0) {
			snprintf(err, errlen, "%s:%u: out of memory", name, csv.line);
			goto out;
		}
	}
	if (r < 0) {
		snprintf(err, errlen, "%s:%u: %s", name, csv.line, why);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		l->n = n0;
	csv_free(&csv);
	return rc;
}

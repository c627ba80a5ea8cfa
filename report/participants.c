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

/* Copy field [*s, next '|' or end) into dst (capacity n); move *s past it.
 * Returns its length, or -1 when it does not fit. */
static long take_field(const char **s, char *dst, size_t n)
{
	size_t len = strcspn(*s, "|");

	if (len >= n)
		return -1;
	memcpy(dst, *s, len);
	dst[len] = '\0';
	*s += len;
	return (long)len;
}

enum assoc_line_result participants_parse_assoc(const char *line, struct participant *p,
						const char **why)
{
	char cluster[128], account[RECORD_LABEL_MAX + 1];
	const char *s = line, *reason = NULL;

	memset(p, 0, sizeof(*p));
	if (take_field(&s, cluster, sizeof(cluster)) < 0 || *s != '|') {
		*why = *s == '|' || *s ? "cluster is too long" : "expected 3 fields (cluster|account|user)";
		return ASSOC_LINE_BAD;
	}
	s++;
	if (take_field(&s, account, sizeof(account)) < 0) {
		*why = "account is longer than 64 characters, too long for a project name";
		return ASSOC_LINE_BAD;
	}
	if (*s != '|') {
		*why = "expected 3 fields (cluster|account|user)";
		return ASSOC_LINE_BAD;
	}
	s++;
	if (take_field(&s, p->user, sizeof(p->user)) < 0) {
		*why = "user is longer than 63 characters, too long for a PostgreSQL role";
		return ASSOC_LINE_BAD;
	}
	if (*s) {
		*why = "expected 3 fields (cluster|account|user): a '|' in a name";
		return ASSOC_LINE_BAD;
	}
	if (!record_text_is_safe(cluster, sizeof(cluster) - 1, RECORD_TEXT_NAME, NULL)) {
		*why = "cluster is not a cluster name";
		return ASSOC_LINE_BAD;
	}
	if (!participant_project_is_valid(account, &reason)) {
		*why = "account is not a valid project name (letters, digits and . _ : + / -)";
		return ASSOC_LINE_BAD;
	}
	if (!p->user[0] || !strcmp(account, "root"))
		return ASSOC_LINE_SKIP;
	if (!participant_user_is_valid(p->user, &reason)) {
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

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report db sync-users: the participants' roles and project
 * memberships, made to match Slurm's associations (sacctmgr) or a CSV file,
 * through carbon.sync_users (sql/functions/sync_users.sql), in one
 * transaction. Run by the database's owner, from cron or a timer. */
#include "report.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "participants.h"
#include "record.h"
#include "slurm_command.h"

static void usage(FILE *fp)
{
	fputs("Usage: carbon-report db sync-users [--from-sacctmgr [-M CLUSTER] | --from-csv FILE]\n"
	      "                                  [--dry-run]\n"
	      "  Make the participants' PostgreSQL roles and project memberships match\n"
	      "  Slurm's associations (sacctmgr -n -P show associations\n"
	      "  format=" PARTICIPANT_ASSOC_FIELDS "; an account is a project) or a CSV file\n"
	      "  with the header user,project. A new user gets a LOGIN role of their name\n"
	      "  in carbon_user; a user gone from the source loses carbon_user and the\n"
	      "  memberships synced before (the role and its records are kept).\n"
	      "  Superusers, slurm-carbon's own roles and roles with more rights are\n"
	      "  refused, never changed. Prints every change. Run it as the database's\n"
	      "  owner (a role that may create roles), e.g. hourly from cron.\n"
	      "      --from-sacctmgr    read Slurm's associations (the default)\n"
	      "      --from-csv FILE    read user,project rows from FILE ('-': stdin)\n"
	      "  -M, --cluster CLUSTER  only the associations of CLUSTER (sacctmgr)\n"
	      "      --dry-run          print what would change; change nothing\n",
	      fp);
}

/* An array literal of the users or the projects of l: every name was
 * checked (no quote, backslash, comma or space), so "..." holds it as it
 * is. Returns a string to free, or NULL when out of memory. */
static char *array_literal(const struct participant_list *l, bool projects)
{
	size_t cap = 3, i, len = 0;
	char *s;

	for (i = 0; i < l->n; i++)
		cap += 3 + strlen(projects ? l->v[i].project : l->v[i].user);
	s = malloc(cap);
	if (!s)
		return NULL;
	s[len++] = '{';
	for (i = 0; i < l->n; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s\"%s\"", i ? "," : "",
					projects ? l->v[i].project : l->v[i].user);
	s[len++] = '}';
	s[len] = '\0';
	return s;
}

static int read_assoc_line(void *arg, const char *line, const char **why)
{
	struct participant_list *l = arg;
	struct participant p;

	switch (participants_parse_assoc(line, &p, why)) {
	case ASSOC_LINE_OK:
		if (participants_add(l, p.user, p.project) < 0) {
			*why = "out of memory";
			return -1;
		}
		return 0;
	case ASSOC_LINE_SKIP:
		return 0;
	case ASSOC_LINE_BAD:
		break;
	}
	return -1;
}

static int read_sacctmgr(const char *cluster, struct participant_list *l)
{
	char where[160];
	char *argv[12];
	int k = 0;

	argv[k++] = "sacctmgr";
	argv[k++] = "-n";
	argv[k++] = "-P";
	argv[k++] = "show";
	argv[k++] = "associations";
	if (cluster) {
		snprintf(where, sizeof(where), "cluster=%s", cluster);
		argv[k++] = where;
	}
	argv[k++] = "format=" PARTICIPANT_ASSOC_FIELDS;
	argv[k] = NULL;
	return slurm_command_lines(argv, read_assoc_line, l);
}

static int read_csv_file(const char *path, struct participant_list *l)
{
	char err[512];
	FILE *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
	int rc;

	if (!fp) {
		fprintf(stderr, "carbon-report db sync-users: %s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = participants_read_csv(fp, path, l, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "carbon-report db sync-users: %s; nothing changed\n", err);
	if (fp != stdin)
		fclose(fp);
	return rc;
}

enum change_kind { CREATE_ROLE, ADD_ROLE, REMOVE_ROLE, REFUSE_ROLE, ADD_MEMBER, REMOVE_MEMBER, N_CHANGES };

static const char *const change_names[N_CHANGES] = {
	[CREATE_ROLE] = "create role", [ADD_ROLE] = "add role",
	[REMOVE_ROLE] = "remove role", [REFUSE_ROLE] = "refuse role",
	[ADD_MEMBER] = "add member", [REMOVE_MEMBER] = "remove member",
};

static const char sync_sql[] =
	"SELECT change, member_role, member_project, detail"
	" FROM carbon.sync_users($1::text[], $2::text[], $3)";

int cmd_db_sync_users(struct report_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from-csv", required_argument, NULL, 'f' },
		{ "from-sacctmgr", no_argument, NULL, 's' },
		{ "cluster", required_argument, NULL, 'M' },
		{ "dry-run", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *csv = NULL, *cluster = NULL, *why = NULL, *params[3];
	struct participant_list l = { 0 };
	size_t count[N_CHANGES] = { 0 };
	char *users = NULL, *projects = NULL;
	bool dry_run = false, in_tx = false, from_sacctmgr = false;
	PGconn *conn = NULL;
	PGresult *res = NULL;
	int rc = EXIT_USAGE, c, i, k;

	optind = 1;
	while ((c = getopt_long(argc, argv, "M:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			csv = optarg;
			break;
		case 's':
			from_sacctmgr = true;
			break;
		case 'M':
			cluster = optarg;
			break;
		case 'D':
			dry_run = true;
			break;
		case 'h':
			usage(stdout);
			rc = EXIT_OK;
			goto out;
		default:
			fputs("Try 'carbon-report db sync-users --help'.\n", stderr);
			goto out;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "carbon-report db sync-users: unexpected argument '%s'\n",
			argv[optind]);
		goto out;
	}
	if (from_sacctmgr && csv) {
		fputs("carbon-report db sync-users: --from-sacctmgr and --from-csv: give one source\n",
		      stderr);
		goto out;
	}
	if (cluster && csv) {
		fputs("carbon-report db sync-users: -M chooses the associations of a cluster; a CSV file has none\n",
		      stderr);
		goto out;
	}
	if (cluster && !record_text_is_safe(cluster, 127, RECORD_TEXT_NAME, &why)) {
		fprintf(stderr, "carbon-report db sync-users: -M: not a cluster name: %s\n", why);
		goto out;
	}

	rc = EXIT_NODATA;
	if (csv ? read_csv_file(csv, &l) < 0 : read_sacctmgr(cluster, &l) < 0)
		goto out;
	users = array_literal(&l, false);
	projects = array_literal(&l, true);
	if (!users || !projects) {
		fputs("carbon-report db sync-users: out of memory\n", stderr);
		goto out;
	}
	params[0] = users;
	params[1] = projects;
	params[2] = csv ? "csv" : "sacctmgr";

	/* No statement timeout: a large site's first sync makes many roles. */
	conn = report_connect_timeout(env, 0);
	if (!conn)
		goto out;
	res = PQexec(conn, "BEGIN");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		report_sql_error("cannot start a transaction", res);
		goto out;
	}
	in_tx = true;
	PQclear(res);
	res = PQexecParams(conn, sync_sql, 3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		report_sql_error("cannot sync the participants", res);
		goto out;
	}
	for (i = 0; i < PQntuples(res); i++) {
		const char *change = PQgetvalue(res, i, 0);
		const char *role = PQgetvalue(res, i, 1);
		const char *project = PQgetvalue(res, i, 2);
		const char *detail = PQgetvalue(res, i, 3);

		for (k = 0; k < N_CHANGES && strcmp(change, change_names[k]); k++)
			;
		if (k < N_CHANGES)
			count[k]++;
		printf("%s%-13s %s%s%s%s%s%s\n", dry_run ? "would " : "", change, role,
		       PQgetisnull(res, i, 2) ? "" : " in project ", project,
		       PQgetisnull(res, i, 3) ? "" : " (", detail,
		       PQgetisnull(res, i, 3) ? "" : ")");
		if (k == REFUSE_ROLE)
			fprintf(stderr, "carbon-report db sync-users: refused user %s: %s; rename the Slurm user, or take the role out of the source\n",
				role, detail);
	}
	PQclear(res);
	res = PQexec(conn, dry_run ? "ROLLBACK" : "COMMIT");
	in_tx = false;
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		report_sql_error("cannot commit the changes", res);
		goto out;
	}
	printf("%s from %s (%zu %s%s)%s: roles %zu created, %zu added, %zu removed, %zu refused; memberships %zu added, %zu removed\n",
	       dry_run ? "dry run" : "synced", csv ? csv : "sacctmgr", l.n,
	       csv ? "row" : "association", l.n == 1 ? "" : "s",
	       dry_run ? ", nothing changed" : "", count[CREATE_ROLE], count[ADD_ROLE],
	       count[REMOVE_ROLE], count[REFUSE_ROLE], count[ADD_MEMBER], count[REMOVE_MEMBER]);
	rc = count[REFUSE_ROLE] ? EXIT_NODATA : EXIT_OK;
out:
	if (in_tx)
		PQclear(PQexec(conn, "ROLLBACK"));
	PQclear(res);
	PQfinish(conn);
	free(users);
	free(projects);
	participants_free(&l);
	return rc;
}

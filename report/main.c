/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report: global options, configuration, connection, command dispatch. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codecarbon.h"
#include "db.h"
#include "table.h"

#define PROGRAM "carbon-report"

/* Whose connection a command uses. */
enum command_role {
	ROLE_REPORT,	/* -d, else [report] conninfo, else libpq's defaults */
	ROLE_WRITER,	/* -d, else [database] conninfo (the plugin's), else
			 * libpq's defaults: spool flush stores what the
			 * plugin could not */
};

struct command {
	const char *name;
	int (*run)(struct report_env *env, int argc, char **argv);
	const char *synopsis;
	const char *summary;
	enum command_role role;
};

static const struct command commands[] = {
	{ "db", cmd_db, "db init|upgrade|status|sync-states|sync-users|maintain|prune",
	  "create or upgrade the schema, list its migrations, sync job states or participants;"
	  " partitions ahead, retention",
	  ROLE_REPORT },
	{ "import", cmd_import, "import intensity|codecarbon FILE, estimate",
	  "load an intensity series, CodeCarbon runs or an estimate (-A PROJECT)",
	  ROLE_REPORT },
	{ "keygen", cmd_keygen, "keygen KEYFILE",
	  "make the site's key for signing statements (KEYFILE, KEYFILE.pub)",
	  ROLE_REPORT },
	{ "job", cmd_job, "job JOBID... [-M CLUSTER]",
	  "energy and CO2e of jobs: totals and one row per step per node",
	  ROLE_REPORT },
	{ "metrics", cmd_metrics, "metrics [--output FILE] [--spool-dir DIR]",
	  "Prometheus metrics (kWh, CO2e, jobs, records, spool) for node_exporter",
	  ROLE_REPORT },
	{ "spool", cmd_spool, "spool flush [--dir DIR]",
	  "store the records the plugin spooled while the database was down",
	  ROLE_WRITER },
	{ "statement", cmd_statement, "statement -t TAG|-A PROJECT|-u USER",
	  "the emission statement of a run, a project or a user",
	  ROLE_REPORT },
	{ "summary", cmd_summary, "summary --by user|project|tag|day [FILTERS]",
	  "jobs, CPU-hours, kWh and CO2e per user, project, tag or day",
	  ROLE_REPORT },
	{ "track", cmd_track, "track [FILTERS]",
	  "a campaign's totals per project and user; --format html draws a chart",
	  ROLE_REPORT },
	{ "verify", cmd_verify, "verify FILE... --key SITE.pub",
	  "check a signed statement (JSON or Markdown) and say what it covers",
	  ROLE_REPORT },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_commands(FILE *fp)
{
	size_t i;
	int width = 0;

	for (i = 0; i < N_COMMANDS; i++)
		if ((int)strlen(commands[i].synopsis) > width)
			width = (int)strlen(commands[i].synopsis);
	fputs("Commands:\n", fp);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(fp, "  %-*s  %s\n", width, commands[i].synopsis,
			commands[i].summary);
}

static void usage(FILE *fp)
{
	fputs("Usage: " PROGRAM " [OPTIONS] COMMAND [ARGS]\n"
	      "Energy and carbon reports from the records of spank_carbon.so.\n\n",
	      fp);
	print_commands(fp);
	fputs("\nOptions (before or after the command):\n"
	      "  -d, --db CONNINFO    libpq connection string or URI; default: [report]\n"
	      "                       conninfo of the config file ([database], the\n"
	      "                       plugin's, for spool flush only), else libpq's\n"
	      "                       defaults (PGHOST, PGUSER, PGDATABASE, ~/.pgpass, ...)\n"
	      "      --config FILE    site settings (PUE, intensity, database); default:\n"
	      "                       " CARBON_DEFAULT_CONFIG " when readable\n"
	      "      --format FORMAT  table (default), json, csv, markdown; html or svg\n"
	      "                       for the commands that draw a chart (track);\n"
	      "                       paragraph or latex for a statement\n"
	      "      --json           same as --format json\n"
	      "      --progress       show long work's progress on stderr (spool flush,\n"
	      "                       db upgrade, imports); the default on a terminal\n"
	      "      --no-progress    never show it\n"
	      "  -h, --help           this help; '" PROGRAM " COMMAND --help' for a command\n"
	      "  -V, --version        the version\n\n"
	      "See carbon-report(1).\n",
	      fp);
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* Does argv[*i] spell option lng ("--db") or shrt ("-d", may be NULL) with a
 * value ("--db=X", "--db X", "-dX", "-d X")? Returns 1 and sets *value (and
 * moves *i past a separate value), 0 when it is another option, -1 when the
 * value is missing. */
int report_empty(const struct report_env *env)
{
	if (env->format == FMT_JSON)
		puts("[]");
	else if (env->format == FMT_CSV && cc_write_header(stdout) < 0)
		return EXIT_NODATA;
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_NODATA;
}

int report_table_style(const struct report_env *env, struct table_style *s,
		       const struct table_column *cols, size_t ncols, const char *prog)
{
	if ((s->parsable || s->noheader) && env->format != FMT_TABLE) {
		fprintf(stderr, "%s: -P/--parsable2 and -n/--noheader shape the text table; they go with --format table only\n",
			prog);
		return -1;
	}
	if (s->fields && env->format != FMT_TABLE && env->format != FMT_MARKDOWN) {
		fprintf(stderr, "%s: -o/--fields chooses the columns of a table; it goes with --format table or markdown only\n",
			prog);
		return -1;
	}
	return table_style_columns(s, cols, ncols, prog);
}

void report_sql_error(const char *what, const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	if (state && (!strcmp(state, "3F000") || !strcmp(state, "42P01")))
		fprintf(stderr, "carbon-report: %s: the database has no carbon schema (run 'carbon-report db init' as the database's owner; see carbon-report(1))\n",
			what);
	else if (state && (!strcmp(state, "42703") || !strcmp(state, "42883")))
		fprintf(stderr, "carbon-report: %s: the database's schema is older than this carbon-report (run 'carbon-report db upgrade')\n",
			what);
	else if (state && !strcmp(state, "42501"))
		fprintf(stderr, "carbon-report: %s: permission denied to the role you logged in as (reports need a member of carbon_user or carbon_admin; see CONNECTION in carbon-report(1)): %s",
			what, PQresultErrorMessage(res));
	else
		fprintf(stderr, "carbon-report: %s: %s", what, PQresultErrorMessage(res));
}

static int option_value(int argc, char **argv, int *i, const char *lng,
			const char *shrt, const char **value)
{
	const char *arg = argv[*i];
	size_t n = strlen(lng);
	bool match = false;

	if (!strncmp(arg, lng, n) && arg[n] == '=') {
		*value = arg + n + 1;
		return 1;
	}
	if (!strcmp(arg, lng))
		match = true;
	else if (shrt && !strncmp(arg, shrt, 2)) {
		if (arg[2]) {
			*value = arg + 2;
			return 1;
		}
		match = true;
	}
	if (!match)
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*value = argv[++*i];
	return 1;
}

/* Pages and charts (html, svg) exist for the commands that draw one, the
 * paragraph and LaTeX forms for the statement. */
static bool format_supported(const struct command *cmd, enum output_format format)
{
	if (format == FMT_HTML || format == FMT_SVG)
		return !strcmp(cmd->name, "track");
	if (format == FMT_PARAGRAPH || format == FMT_LATEX)
		return !strcmp(cmd->name, "statement");
	return true;
}

static int parse_format(const char *s, enum output_format *format)
{
	if (!strcmp(s, "table"))
		*format = FMT_TABLE;
	else if (!strcmp(s, "json"))
		*format = FMT_JSON;
	else if (!strcmp(s, "csv"))
		*format = FMT_CSV;
	else if (!strcmp(s, "markdown") || !strcmp(s, "md"))
		*format = FMT_MARKDOWN;
	else if (!strcmp(s, "html"))
		*format = FMT_HTML;
	else if (!strcmp(s, "svg"))
		*format = FMT_SVG;
	else if (!strcmp(s, "paragraph"))
		*format = FMT_PARAGRAPH;
	else if (!strcmp(s, "latex"))
		*format = FMT_LATEX;
	else
		return -1;
	return 0;
}

PGconn *report_connect_timeout(const struct report_env *env, int timeout_s)
{
	char err[1024];
	PGconn *conn;

	conn = db_connect(env->conninfo, timeout_s, PROGRAM, err, sizeof(err));
	if (!conn) {
		fprintf(stderr, PROGRAM ": cannot connect to the database: %s\n", err);
		if (!env->conninfo[0])
			fprintf(stderr, PROGRAM ": no -d/--db was given and no config file named a [%s] conninfo,\n"
				PROGRAM ": so libpq's defaults were used (PGHOST, PGUSER, PGDATABASE, ~/.pgpass);\n"
				PROGRAM ": give one, e.g. -d 'host=db1 dbname=carbon'%s\n",
				env->writer ? "database" : "report",
				!env->writer && env->conf.conninfo[0] ?
				"\n" PROGRAM ": ([database] conninfo is the plugin's, used by spool flush only)" : "");
	}
	return conn;
}

PGconn *report_connect(const struct report_env *env)
{
	/* connect_timeout bounds connecting only: a report over a large
	 * campaign may rightly take long, while a server that stops answering
	 * is still given up on (tcp_user_timeout). No session setting is
	 * made, so that the reports run through a pooler in transaction mode. */
	return report_connect_timeout(env, env->conf.connect_timeout_s);
}

/* Read --config FILE, else the default file when it can be read. The
 * conninfo is cleared first: the built-in default names the plugin's role,
 * which must not be used unless a file asks for it. */
static int load_config(struct report_env *env, const char *path)
{
	char err[1024];

	conf_defaults(&env->conf);
	env->conf.conninfo[0] = '\0';
	if (!path && access(CARBON_DEFAULT_CONFIG, R_OK) == 0)
		path = CARBON_DEFAULT_CONFIG;
	if (!path)
		return 0;
	if (conf_load(path, CONF_TRUST_ANY, &env->conf, err, sizeof(err)) < 0) {
		fprintf(stderr, PROGRAM ": %s\n", err);
		return -1;
	}
	env->have_config = true;
	env->config_path = path;
	return 0;
}

int main(int argc, char **argv)
{
	struct report_env env = { .format = FMT_TABLE };
	const struct command *cmd = NULL;
	const char *db = NULL, *config = NULL, *format = NULL, *value;
	char **cmd_argv = NULL;
	char prog[64];
	int cmd_argc = 0, rc = EXIT_USAGE, i, r;
	bool help = false, version = false, positional = false;
	enum progress_mode progress = PROGRESS_AUTO;

	cmd_argv = calloc((size_t)argc + 1, sizeof(*cmd_argv));
	if (!cmd_argv) {
		fputs(PROGRAM ": out of memory\n", stderr);
		rc = EXIT_NODATA;
		goto out;
	}
	/* Global options may come anywhere; the rest is the command's. */
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (positional || arg[0] != '-' || !arg[1]) {
			cmd_argv[cmd_argc++] = argv[i];
			continue;
		}
		if (!strcmp(arg, "--")) {
			positional = true;
			if (cmd_argc)
				cmd_argv[cmd_argc++] = argv[i];
			continue;
		}
		if ((r = option_value(argc, argv, &i, "--db", "-d", &value)) ||
		    (r = option_value(argc, argv, &i, "--config", NULL, &value)) ||
		    (r = option_value(argc, argv, &i, "--format", NULL, &value))) {
			if (r < 0) {
				fprintf(stderr, PROGRAM ": option %s needs a value (see " PROGRAM " --help)\n",
					arg);
				goto out;
			}
			if (!strncmp(arg, "--config", 8))
				config = value;
			else if (!strncmp(arg, "--format", 8))
				format = value;
			else
				db = value;
		} else if (!strcmp(arg, "--json")) {
			format = "json";
		} else if (!strcmp(arg, "--progress")) {
			progress = PROGRESS_ON;
		} else if (!strcmp(arg, "--no-progress")) {
			progress = PROGRESS_OFF;
		} else if (!strcmp(arg, "-V") || !strcmp(arg, "--version")) {
			version = true;
		} else if (!cmd_argc && (!strcmp(arg, "-h") || !strcmp(arg, "--help"))) {
			help = true;
		} else if (!cmd_argc) {
			fprintf(stderr, PROGRAM ": unknown option '%s' (see " PROGRAM " --help)\n",
				arg);
			goto out;
		} else {
			cmd_argv[cmd_argc++] = argv[i];	/* the command's own */
		}
	}

	if (version) {
		printf(PROGRAM " " CARBON_VERSION "\n");
		rc = EXIT_OK;
		goto out;
	}
	if (help) {
		usage(stdout);
		rc = EXIT_OK;
		goto out;
	}
	if (format && parse_format(format, &env.format) < 0) {
		fprintf(stderr, PROGRAM ": --format '%s': expected table, json, csv, markdown, html, svg, paragraph or latex\n",
			format);
		goto out;
	}
	if (!cmd_argc) {
		fputs(PROGRAM ": no command given\n", stderr);
		usage(stderr);
		goto out;
	}
	cmd = find_command(cmd_argv[0]);
	if (!cmd) {
		fprintf(stderr, PROGRAM ": unknown command '%s'\n", cmd_argv[0]);
		print_commands(stderr);
		goto out;
	}
	if (!format_supported(cmd, env.format)) {
		if (env.format == FMT_PARAGRAPH || env.format == FMT_LATEX)
			fprintf(stderr, PROGRAM " %s: --format %s is a form of the emission statement, which only 'statement' gives; use --format table, json, csv or markdown\n",
				cmd->name, format);
		else
			fprintf(stderr, PROGRAM " %s: --format %s draws a chart, which only 'track' does; use --format table, json, csv or markdown\n",
				cmd->name, format);
		goto out;
	}
	if (load_config(&env, config) < 0)
		goto out;
	/* A report never borrows the plugin's login: a carbon.conf that users
	 * may read names carbon_writer in [database]. */
	env.writer = cmd->role == ROLE_WRITER;
	env.conninfo = db ? db : env.writer ? env.conf.conninfo : env.conf.report_conninfo;
	progress_init(&env.progress, progress, stderr);

	/* getopt's messages then read "carbon-report job: ...". */
	snprintf(prog, sizeof(prog), PROGRAM " %s", cmd->name);
	cmd_argv[0] = prog;
	rc = cmd->run(&env, cmd_argc, cmd_argv);
out:
	free(cmd_argv);
	if (fflush(stdout) != 0 && rc == EXIT_OK) {
		perror(PROGRAM ": stdout");
		rc = EXIT_NODATA;
	}
	return rc;
}

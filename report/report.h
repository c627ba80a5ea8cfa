/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report: shared declarations of the commands. */
#ifndef CARBON_REPORT_H
#define CARBON_REPORT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "progress.h"

/* One numbered migration from sql/, compiled in (report/migrations.c). */
struct migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct migration carbon_migrations[];	/* ends with version 0 */

/* One file of sql/functions/: the rules (carbon, GPU-seconds, totals) as SQL
 * functions, each CREATE OR REPLACE, so that every db init/upgrade re-applies
 * the whole file after the migrations. */
struct sql_file {
	const char *name;
	const char *sql;
};
extern const struct sql_file carbon_functions[];	/* ends with name NULL */

/* Exit codes: the usual convention. */
enum { EXIT_OK = 0, EXIT_NODATA = 1, EXIT_USAGE = 2 };

/* html and svg: pages and charts, for the commands that draw one (track);
 * paragraph and latex: the forms of a statement for a paper (statement). */
enum output_format {
	FMT_TABLE, FMT_JSON, FMT_CSV, FMT_MARKDOWN, FMT_HTML, FMT_SVG, FMT_PARAGRAPH, FMT_LATEX
};

/* What every command gets: the site settings and how to connect. */
struct report_env {
	struct carbon_conf conf;	/* defaults, or read from --config */
	bool have_config;
	const char *config_path;	/* the file read when have_config */
	const char *conninfo;		/* -d/--db, else [report] conninfo (spool
					 * flush: [database]), else "" */
	bool writer;			/* the command writes as the plugin
					 * (spool flush) */
	enum output_format format;
	struct progress progress;	/* long work's progress line on stderr
					 * (--progress, --no-progress; a terminal) */
};

/* Connect for env, or print why to stderr and return NULL. */
PGconn *report_connect(const struct report_env *env);

/* The same with a timeout of timeout_s seconds on connecting and on every
 * statement; 0: none (db init, whose migrations may take long). */
PGconn *report_connect_timeout(const struct report_env *env, int timeout_s);

/* A report that matched nothing (after its command said why on stderr):
 * JSON "[]", CSV the header alone, the other formats nothing; returns
 * EXIT_OK, as sacct does, so that scripts tell "nothing" from a failure. */
int report_empty(const struct report_env *env);

struct table_style;
struct table_column;

/* Check sacct's -P, -n and -o of a command (prog: "carbon-report job")
 * against env's format: -P and -n shape the text table (--format table),
 * -o chooses the columns of it or of a Markdown table; then resolve -o
 * against cols. Returns 0, or -1 after printing why (a usage error). */
int report_table_style(const struct report_env *env, struct table_style *s,
		       const struct table_column *cols, size_t ncols, const char *prog);

/* Say on stderr that what failed, from res's error: where the database has
 * no carbon schema, "run 'carbon-report db init'"; where its schema is
 * older than this carbon-report (a column or function missing), "run
 * 'carbon-report db upgrade'"; else the server's message. */
void report_sql_error(const char *what, const PGresult *res);

int cmd_db(struct report_env *env, int argc, char **argv);
/* db sync-states (report/cmd_sync_states.c): argv[0] is "sync-states". */
int cmd_db_sync_states(struct report_env *env, int argc, char **argv);
/* db sync-users (report/cmd_sync_users.c): argv[0] is "sync-users". */
int cmd_db_sync_users(struct report_env *env, int argc, char **argv);
/* db maintain and db prune (report/cmd_partitions.c): argv[0] is the action. */
int cmd_db_partitions(struct report_env *env, int argc, char **argv);
/* Make the month partitions of carbon.step_energy (sql/023) for this month
 * and the months_ahead after it, and for earlier months with records in the
 * default partition (carbon.maintain_partitions), printing each one made;
 * nothing on a database before 023. Returns 0, or -1 after printing why. */
int db_make_partitions_ahead(PGconn *conn, int months_ahead);
#define DB_MONTHS_AHEAD_DEFAULT 3	/* db upgrade's, and db maintain's default */

/* After intensity, PUE or site data changed: recompute the carbon stored
 * with the jobs whose stored figure is of older data (sql/011), printing how
 * many; progress (NULL: none) follows it, a batch of jobs at a time. A failure is only a warning (reports then resolve those jobs hour
 * by hour): returns 0, or -1 after printing it. */
int db_refresh_job_carbon(PGconn *conn, struct progress *progress);
int cmd_import(struct report_env *env, int argc, char **argv);
int cmd_job(struct report_env *env, int argc, char **argv);
int cmd_metrics(struct report_env *env, int argc, char **argv);
int cmd_spool(struct report_env *env, int argc, char **argv);
int cmd_statement(struct report_env *env, int argc, char **argv);
int cmd_summary(struct report_env *env, int argc, char **argv);
int cmd_track(struct report_env *env, int argc, char **argv);
/* keygen and verify (report/cmd_sign.c): signed statements. */
int cmd_keygen(struct report_env *env, int argc, char **argv);
int cmd_verify(struct report_env *env, int argc, char **argv);

#endif

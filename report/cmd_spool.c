/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report spool flush: replay the records the plugin could not store. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "report.h"
#include "spool.h"
#include "spool_metrics.h"

static void usage(FILE *fp)
{
	fputs("Usage: carbon-report spool flush [--dir DIR] [--batch N] [--jobs N]\n"
	      "Replay the step records spank_carbon.so spooled while the database was\n"
	      "out of reach, then remove their files. Safe to run twice, or after an\n"
	      "interrupted run: a record is never stored twice.\n\n"
	      "  --dir DIR    spool directory (default: [spool] dir of the config file,\n"
	      "               else /var/spool/slurm-carbon)\n"
	      "  --batch N    records per transaction (default 1000)\n"
	      "  --jobs N     database connections storing batches at once, 1 to 16\n"
	      "               (default 2; more are opened only for a spool of more batches)\n"
	      "Run it as root on the node that holds the spool.\n",
	      fp);
}

/* Another connection for the flush, made as the first was; a failure is
 * said once, and the flush goes on with those it has. */
static PGconn *connect_another(void *arg)
{
	struct report_env *env = arg;
	char err[1024];
	PGconn *conn;

	conn = db_connect(env->conninfo, env->conf.connect_timeout_s, "carbon-report", err,
			  sizeof(err));
	if (!conn) {
		progress_hide(&env->progress);
		fprintf(stderr, "carbon-report: spool flush: no further database connection (%s); going on with those open\n",
			err);
	}
	return conn;
}

/* arg: the progress line, taken off the terminal for the message. */
static void print_rejected(const char *message, void *arg)
{
	progress_hide(arg);
	fprintf(stderr, "carbon-report: spool: %s\n", message);
}

int cmd_spool(struct report_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'D' },
		{ "batch", required_argument, NULL, 'b' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = env->conf.spool_dir;
	unsigned long batch = 1000, jobs = 2;
	struct spool_stats st;
	PGconn *conn = NULL;
	char err[1024], *end;
	int rc = EXIT_USAGE, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'D':
			dir = optarg;
			break;
		case 'b':
			batch = strtoul(optarg, &end, 10);
			if (*end || batch == 0 || batch > 100000) {
				fprintf(stderr, "carbon-report spool: --batch '%s': give a number from 1 to 100000\n",
					optarg);
				goto out;
			}
			break;
		case 'j':
			jobs = strtoul(optarg, &end, 10);
			if (*end || !isdigit((unsigned char)optarg[0]) || jobs == 0 ||
			    jobs > SPOOL_FLUSH_JOBS_MAX) {
				fprintf(stderr, "carbon-report spool: --jobs '%s': give a number of connections from 1 to %d\n",
					optarg, SPOOL_FLUSH_JOBS_MAX);
				goto out;
			}
			break;
		case 'h':
			usage(stdout);
			rc = EXIT_OK;
			goto out;
		default:
			fputs("Try 'carbon-report spool --help'.\n", stderr);
			goto out;
		}
	}
	if (argc - optind != 1 || strcmp(argv[optind], "flush") != 0) {
		fprintf(stderr, "carbon-report spool: %s; the one action is 'carbon-report spool flush'\n",
			argc - optind ? "unknown action" : "missing action");
		goto out;
	}
	rc = EXIT_NODATA;
	if (spool_check_dir(dir, false, err, sizeof(err)) < 0) {
		fprintf(stderr, "carbon-report: %s\n", err);
		goto out;
	}
	if (access(dir, R_OK | W_OK | X_OK) < 0) {
		fprintf(stderr, "carbon-report: cannot read spool directory %s: %s; it is root's: run this as root\n",
			dir, strerror(errno));
		goto out;
	}
	conn = report_connect(env);
	if (!conn)
		goto out;
	if (spool_flush_jobs(conn, (unsigned)jobs, connect_another, env, dir, 0, (unsigned)batch, 0,
			     &st, NULL, print_rejected, &env->progress, &env->progress, err,
			     sizeof(err)) < 0) {
		fprintf(stderr, "carbon-report: spool flush of %s stopped after %u records: %s; run it again when the database is back (nothing is lost or doubled)\n",
			dir, st.records, err);
		goto out;
	}
	printf("spool flush of %s: %u records in %u files, %u stored, %u already there, %u rejected\n",
	       dir, st.records, st.files, st.stored, st.already, st.rejected);
	rc = st.rejected ? EXIT_NODATA : EXIT_OK;
out:
	/* The node's backlog file, as the plugin keeps it, after whatever the
	 * flush did (a partial flush included). */
	if (rc != EXIT_USAGE && env->conf.spool_metrics_file[0] &&
	    !strcmp(dir, env->conf.spool_dir) &&
	    spool_metrics_write(env->conf.spool_metrics_file, dir, 0, err, sizeof(err)) < 0)
		fprintf(stderr, "carbon-report: warning: spool metrics not written: %s\n", err);
	PQfinish(conn);
	return rc;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report summary --by user|project|tag|day: jobs added up by group. */
#include "report.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "aggregate.h"
#include "filter.h"
#include "jobsum.h"
#include "json.h"
#include "table.h"

enum summary_by { BY_USER, BY_PROJECT, BY_TAG, BY_DAY };

static const char *const by_names[] = {
	[BY_USER] = "user", [BY_PROJECT] = "project", [BY_TAG] = "tag", [BY_DAY] = "day",
};

static void usage(FILE *fp)
{
	fputs("Usage: carbon-report summary --by user|project|tag|day [FILTERS]\n"
	      "          [--format table|json|csv|markdown] [-P] [-n] [-o FIELDS]\n"
	      "One row per group with its jobs, CPU-hours used, wall hours, IT and\n"
	      "facility energy, CO2e, share of the total and the CO2e of imported\n"
	      "runs, CodeCarbon's and estimates (included in the others), then the total.\n"
	      "  --by user|project|tag|day  how to group; day: the UTC day a job ended\n"
	      "  -P, --parsable2       cells joined by '|'; the notes go to stderr (as with -n)\n"
	      "  -n, --noheader        no header line\n"
	      "  -o, --fields LIST     these columns, e.g. user,jobs,it,co2e (any case)\n"
	      "Filters (as sacct):\n"
	      "  -j, --jobs LIST       job ids, comma-separated\n"
	      "  -u, --user USER       jobs of this user\n"
	      "  -A, --account PROJECT jobs of this project\n"
	      "  -t, --tag TAG         jobs with this tag\n"
	      "  -S, --starttime TIME  jobs that end at or after TIME (UTC: 2026-11-01, 11/01, now-7days)\n"
	      "  -E, --endtime TIME    jobs that start before TIME\n"
	      "  -M, --cluster NAME    jobs of this cluster\n"
	      "Imported runs (CodeCarbon's, and estimates) count by their project, tag,\n"
	      "importing user and end time; -j and -M select none of them.\n"
	      "csv: one CodeCarbon emissions.csv row per group (project_name = the group).\n",
	      fp);
}

#define N_COLS (1 + TOT_COLUMNS)

/* The table's columns: the group, named after the grouping in capitals
 * (into header), then the totals. */
static void summary_columns(struct table_column *cols, char *header, size_t n,
			    enum summary_by by)
{
	size_t i;

	for (i = 0; by_names[by][i] && i + 1 < n; i++)
		header[i] = (char)(by_names[by][i] - 'a' + 'A');
	header[i] = '\0';
	cols[0] = (struct table_column){ .header = header };
	memcpy(&cols[1], totals_columns, sizeof(totals_columns));
}

static int print_table(const struct group_list *l, const struct job_totals *all,
		       enum summary_by by, const struct table_style *style, bool markdown)
{
	struct table_column cols[N_COLS];
	char header[16];
	struct table tb;
	size_t i;
	int rc = -1;

	summary_columns(cols, header, sizeof(header), by);
	table_init(&tb, cols, N_COLS);
	for (i = 0; i < l->n; i++) {
		if (table_add_row(&tb) < 0)
			goto out;
		table_cell(&tb, 0, "%s", l->g[i].key ? l->g[i].key : "-");
		totals_cells(&tb, 1, &l->g[i].t, all->co2e_kg);
	}
	if (table_add_row(&tb) < 0)
		goto out;
	table_cell(&tb, 0, "total");
	totals_cells(&tb, 1, all, all->co2e_kg);
	if (tb.failed)
		goto out;
	if (markdown) {
		printf("### Summary by %s\n\n", by_names[by]);
		table_print_markdown(&tb, style, stdout);
		putchar('\n');
	} else {
		table_print_text(&tb, style, stdout);
		fflush(stdout);
	}
	fputs(totals_note, table_style_notes(style));
	rc = 0;
out:
	table_free(&tb);
	if (rc < 0)
		fputs("carbon-report: out of memory\n", stderr);
	return rc;
}

static int print_json(const struct group_list *l, const struct job_totals *all,
		      enum summary_by by)
{
	struct json_writer w;
	size_t i;

	json_init(&w, stdout);
	json_begin_object(&w);
	json_kv_string(&w, "by", by_names[by]);
	json_key(&w, "groups");
	json_begin_array(&w);
	for (i = 0; i < l->n; i++) {
		json_begin_object(&w);
		json_kv_string(&w, "group", l->g[i].key);
		totals_json(&w, &l->g[i].t, all->co2e_kg);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_key(&w, "total");
	json_begin_object(&w);
	totals_json(&w, all, all->co2e_kg);
	json_end_object(&w);
	json_end_object(&w);
	putchar('\n');
	if (json_finish(&w) < 0) {
		fputs("carbon-report: could not write the JSON output\n", stderr);
		return -1;
	}
	return 0;
}

static int print_csv(const struct group_list *l)
{
	size_t i;

	if (cc_write_header(stdout) < 0)
		return -1;
	for (i = 0; i < l->n; i++)
		if (totals_cc_row(stdout, l->g[i].key, &l->g[i].t) < 0)
			return -1;
	return 0;
}

static const enum job_key by_keys[] = {
	[BY_USER] = JOB_KEY_USER, [BY_PROJECT] = JOB_KEY_PROJECT,
	[BY_TAG] = JOB_KEY_TAG, [BY_DAY] = JOB_KEY_DAY,
};

static int summarize(PGconn *conn, const struct job_filter *f, enum summary_by by,
		     const struct table_style *style, const struct report_env *env)
{
	struct group_list l = { 0 };
	struct job_totals all;
	int rc = EXIT_NODATA;

	if (jobsum_load(conn, f, env, by_keys[by], JOB_KEY_NONE, &l, &all) < 0)
		goto out;
	if (all.jobs == 0 && all.imported_runs == 0) {
		fputs("carbon-report summary: no energy records match (none in the period, or none you may see)\n",
		      stderr);
		rc = report_empty(env);
		goto out;
	}
	group_list_sort_by_key(&l);
	switch (env->format) {
	case FMT_JSON:
		if (print_json(&l, &all, by) < 0)
			goto out;
		break;
	case FMT_CSV:
		if (print_csv(&l) < 0)
			goto out;
		break;
	default:
		if (print_table(&l, &all, by, style, env->format == FMT_MARKDOWN) < 0)
			goto out;
		break;
	}
	rc = EXIT_OK;
out:
	group_list_free(&l);
	return rc;
}

int cmd_summary(struct report_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		FILTER_LONGOPTS,
		TABLE_LONGOPTS,
		{ "by", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct table_column cols[N_COLS];
	char header[16];
	struct table_style style;
	struct filter_args fa;
	PGconn *conn = NULL;
	int by = -1, rc = EXIT_USAGE, c, r, i;

	filter_init(&fa);
	table_style_init(&style);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h" FILTER_SHORTOPTS TABLE_SHORTOPTS, longopts,
				NULL)) != -1) {
		if ((r = filter_option(&fa, c, optarg)) < 0)
			goto out;
		if (r || table_style_option(&style, c, optarg))
			continue;
		switch (c) {
		case 'h':
			usage(stdout);
			rc = EXIT_OK;
			goto out;
		case 'b':
			for (i = 0; i < (int)(sizeof(by_names) / sizeof(by_names[0])); i++)
				if (!strcmp(optarg, by_names[i]))
					by = i;
			if (by < 0) {
				fprintf(stderr, "carbon-report summary: --by '%s': give user, project, tag or day, e.g. --by project\n",
					optarg);
				goto out;
			}
			break;
		default:
			fputs("Try 'carbon-report summary --help'.\n", stderr);
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "carbon-report summary: unexpected '%s'; jobs are chosen with -j, e.g. -j %s\n",
			argv[optind], argv[optind]);
		goto out;
	}
	if (by < 0) {
		fputs("carbon-report summary: say how to group, e.g. 'carbon-report summary --by project'\n",
		      stderr);
		goto out;
	}
	summary_columns(cols, header, sizeof(header), (enum summary_by)by);
	if (report_table_style(env, &style, cols, N_COLS, "carbon-report summary") < 0)
		goto out;

	rc = EXIT_NODATA;
	conn = report_connect(env);
	if (!conn)
		goto out;
	rc = summarize(conn, &fa.f, (enum summary_by)by, &style, env);
out:
	PQfinish(conn);
	filter_free(&fa);
	table_style_free(&style);
	return rc;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report track: a campaign's totals for its organisers, per project
 * (team) and per user within it, as text, JSON, CodeCarbon CSV, or an HTML
 * page or SVG with a bar chart of the projects. */
#include "report.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "barchart.h"
#include "filter.h"
#include "jobsum.h"
#include "json.h"
#include "record.h"
#include "table.h"

static void usage(FILE *fp)
{
	fputs("Usage: carbon-report track [FILTERS] [--format table|json|csv|markdown|html|svg]\n"
	      "          [-P] [-n] [-o FIELDS]\n"
	      "A campaign's totals: every project (team) with its users, jobs, CPU-hours\n"
	      "used, kWh, CO2e, share of the total and the CO2e of imported CodeCarbon\n"
	      "runs (included in the others), and the grand total.\n"
	      "  -P, --parsable2       cells joined by '|'; the other lines go to stderr\n"
	      "                        (as with -n)\n"
	      "  -n, --noheader        no header line\n"
	      "  -o, --fields LIST     these columns, e.g. project,user,co2e (any case)\n"
	      "Filters (as sacct):\n"
	      "  -j, --jobs LIST       job ids, comma-separated\n"
	      "  -u, --user USER       jobs of this user\n"
	      "  -A, --account PROJECT jobs of this project\n"
	      "  -t, --tag TAG         jobs with this tag (e.g. the campaign's)\n"
	      "  -S, --starttime TIME  jobs that end at or after TIME (UTC: 2026-11-01, 11/01, now-7days)\n"
	      "  -E, --endtime TIME    jobs that start before TIME\n"
	      "  -M, --cluster NAME    jobs of this cluster\n"
	      "Imported CodeCarbon runs count by their project, tag, importing user and\n"
	      "end time; -j and -M select none of them.\n"
	      "csv: one CodeCarbon emissions.csv row per project. html: one page with the\n"
	      "table and a bar chart of CO2e per project; svg: the chart alone.\n",
	      fp);
}

/* Projects, each with its users; the jobs of no project under NULL. */
struct campaign {
	struct group_list projects;
	struct job_totals all;
	size_t users;
};

static int campaign_build(struct campaign *c, PGconn *conn, const struct job_filter *f,
			  const struct report_env *env)
{
	struct group_list users = { 0 };
	size_t i, j;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	if (jobsum_load(conn, f, env, JOB_KEY_PROJECT, JOB_KEY_USER, &c->projects, &c->all) < 0)
		goto out;
	for (i = 0; i < c->projects.n; i++)
		for (j = 0; j < c->projects.g[i].sub.n; j++)
			if (!group_get(&users, c->projects.g[i].sub.g[j].key)) {
				fputs("carbon-report: out of memory\n", stderr);
				goto out;
			}
	/* The largest emitters first, as in the chart. */
	group_list_sort_by_co2e(&c->projects);
	for (i = 0; i < c->projects.n; i++)
		group_list_sort_by_co2e(&c->projects.g[i].sub);
	c->users = users.n;
	rc = 0;
out:
	group_list_free(&users);
	return rc;
}

/* ---- table, Markdown and HTML ---------------------------------------------- */

enum { COL_PROJECT, COL_USER, COL_TOTALS };
enum row_kind { ROW_PROJECT, ROW_USER, ROW_TOTAL };

static const char *const row_class[] = {
	[ROW_PROJECT] = "project", [ROW_USER] = "user", [ROW_TOTAL] = "total",
};

#define N_COLS (COL_TOTALS + TOT_COLUMNS)

static void track_columns(struct table_column *cols)
{
	cols[COL_PROJECT] = (struct table_column){ .header = "PROJECT" };
	cols[COL_USER] = (struct table_column){ .header = "USER" };
	memcpy(&cols[COL_TOTALS], totals_columns, sizeof(totals_columns));
}

/* The table and what each of its rows is (kinds, one per row). */
static int fill_table(struct table *tb, struct table_column *cols, enum row_kind **kinds,
		      const struct campaign *c)
{
	size_t i, j, n = 1;

	track_columns(cols);
	table_init(tb, cols, N_COLS);
	for (i = 0; i < c->projects.n; i++)
		n += 1 + c->projects.g[i].sub.n;
	*kinds = calloc(n, sizeof(**kinds));
	if (!*kinds)
		return -1;
	for (i = 0; i < c->projects.n; i++) {
		const struct group *p = &c->projects.g[i];

		if (table_add_row(tb) < 0)
			return -1;
		(*kinds)[tb->nrows - 1] = ROW_PROJECT;
		table_cell(tb, COL_PROJECT, "%s", p->key ? p->key : "-");
		table_cell(tb, COL_USER, "(all)");
		totals_cells(tb, COL_TOTALS, &p->t, c->all.co2e_kg);
		for (j = 0; j < p->sub.n; j++) {
			if (table_add_row(tb) < 0)
				return -1;
			(*kinds)[tb->nrows - 1] = ROW_USER;
			table_cell(tb, COL_USER, "%s", p->sub.g[j].key);
			totals_cells(tb, COL_TOTALS, &p->sub.g[j].t, c->all.co2e_kg);
		}
	}
	if (table_add_row(tb) < 0)
		return -1;
	(*kinds)[tb->nrows - 1] = ROW_TOTAL;
	table_cell(tb, COL_PROJECT, "total");
	totals_cells(tb, COL_TOTALS, &c->all, c->all.co2e_kg);
	return tb->failed ? -1 : 0;
}

/* "8 jobs and 1 imported run, 3 projects, 4 users; 2026-03-02T08:00:00Z .. 2026-03-04T12:00:00Z" */
static void print_scope(FILE *fp, const struct campaign *c)
{
	char a[32], b[32];

	fprintf(fp, "%zu jobs", c->all.jobs);
	if (c->all.imported_runs)
		fprintf(fp, " and %zu imported run%s", c->all.imported_runs,
			c->all.imported_runs == 1 ? "" : "s");
	fprintf(fp, ", %zu projects, %zu users; %s .. %s", c->projects.n, c->users,
		utc_iso8601(c->all.first_start_s, a, sizeof(a)),
		utc_iso8601(c->all.last_end_s, b, sizeof(b)));
}

static void print_html_table(FILE *fp, const struct table *tb, const enum row_kind *kinds)
{
	size_t r, col;

	fputs("<table>\n<thead><tr>", fp);
	for (col = 0; col < tb->ncols; col++) {
		fputs(tb->cols[col].right ? "<th class=\"num\">" : "<th>", fp);
		html_escape(fp, tb->cols[col].header);
		fputs("</th>", fp);
	}
	fputs("</tr></thead>\n<tbody>\n", fp);
	for (r = 0; r < tb->nrows; r++) {
		fprintf(fp, "<tr class=\"%s\">", row_class[kinds[r]]);
		for (col = 0; col < tb->ncols; col++) {
			const char *cell = tb->cells[r * tb->ncols + col];

			fputs(tb->cols[col].right ? "<td class=\"num\">" : "<td>", fp);
			html_escape(fp, cell ? cell : "");
			fputs("</td>", fp);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</tbody>\n</table>\n", fp);
}

static const char chart_title[] = "CO2e by project";

static int print_chart(FILE *fp, const struct campaign *c, int standalone)
{
	struct bar *bars = calloc(c->projects.n ? c->projects.n : 1, sizeof(*bars));
	size_t i;

	if (!bars) {
		fputs("carbon-report: out of memory\n", stderr);
		return -1;
	}
	/* Projects are in rank order already: CO2e, largest first. */
	for (i = 0; i < c->projects.n; i++) {
		bars[i].label = c->projects.g[i].key;
		bars[i].value = c->projects.g[i].t.co2e_kg;
	}
	barchart_svg(fp, bars, c->projects.n, chart_title, TABLE_KG, " CO2e", standalone);
	free(bars);
	return 0;
}

static const char page_css[] =
	"body { font-family: sans-serif; margin: 2em; color: #222; }\n"
	"table { border-collapse: collapse; margin: 1em 0; }\n"
	"th, td { padding: 0.25em 0.8em; border-bottom: 1px solid #ddd; text-align: left; }\n"
	".num { text-align: right; font-variant-numeric: tabular-nums; }\n"
	"tr.project td { font-weight: bold; background: #f4f8f4; }\n"
	"tr.user td:nth-child(2) { padding-left: 2em; }\n"
	"tr.total td { font-weight: bold; border-top: 2px solid #222; }\n"
	"svg.chart text.value { fill: #222; }\n"
	"p.note { color: #555; font-size: 0.9em; }\n";

static int print_page(const struct campaign *c, const struct table *tb,
		      const enum row_kind *kinds)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<title>Campaign emissions</title>\n<style>\n", stdout);
	fputs(page_css, stdout);
	fputs("</style>\n</head>\n<body>\n<h1>Campaign emissions</h1>\n<p>", stdout);
	print_scope(stdout, c);
	fputs("</p>\n", stdout);
	print_html_table(stdout, tb, kinds);
	fputs("<h2>CO2e by project</h2>\n", stdout);
	if (print_chart(stdout, c, 0) < 0)
		return -1;
	fputs("<p class=\"note\">", stdout);
	html_escape(stdout, totals_note);
	fputs("</p>\n</body>\n</html>\n", stdout);
	return 0;
}

static int print_tables(const struct campaign *c, const struct table_style *style,
			enum output_format format)
{
	struct table_column cols[N_COLS];
	FILE *notes = table_style_notes(style);
	enum row_kind *kinds = NULL;
	struct table tb;
	int rc = -1;

	if (fill_table(&tb, cols, &kinds, c) < 0) {
		fputs("carbon-report: out of memory\n", stderr);
		goto out;
	}
	switch (format) {
	case FMT_HTML:
		if (print_page(c, &tb, kinds) < 0)
			goto out;
		break;
	case FMT_MARKDOWN:
		fputs("### Campaign emissions\n\n", stdout);
		print_scope(stdout, c);
		fputs("\n\n", stdout);
		table_print_markdown(&tb, style, stdout);
		putchar('\n');
		fputs(totals_note, stdout);
		break;
	default:
		fputs("Campaign emissions: ", notes);
		print_scope(notes, c);
		fputc('\n', notes);
		fflush(notes);
		table_print_text(&tb, style, stdout);
		fflush(stdout);
		fputs(totals_note, notes);
		break;
	}
	rc = 0;
out:
	table_free(&tb);
	free(kinds);
	return rc;
}

/* ---- JSON and CSV ------------------------------------------------------------ */

static int print_json(const struct campaign *c)
{
	struct json_writer w;
	size_t i, j;

	json_init(&w, stdout);
	json_begin_object(&w);
	json_key(&w, "projects");
	json_begin_array(&w);
	for (i = 0; i < c->projects.n; i++) {
		const struct group *p = &c->projects.g[i];

		json_begin_object(&w);
		json_kv_string(&w, "project", p->key);
		totals_json(&w, &p->t, c->all.co2e_kg);
		json_key(&w, "users");
		json_begin_array(&w);
		for (j = 0; j < p->sub.n; j++) {
			json_begin_object(&w);
			json_kv_string(&w, "user", p->sub.g[j].key);
			totals_json(&w, &p->sub.g[j].t, c->all.co2e_kg);
			json_end_object(&w);
		}
		json_end_array(&w);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_key(&w, "total");
	json_begin_object(&w);
	json_kv_int(&w, "projects", (long long)c->projects.n);
	json_kv_int(&w, "users", (long long)c->users);
	totals_json(&w, &c->all, c->all.co2e_kg);
	json_end_object(&w);
	json_end_object(&w);
	putchar('\n');
	if (json_finish(&w) < 0) {
		fputs("carbon-report: could not write the JSON output\n", stderr);
		return -1;
	}
	return 0;
}

static int print_csv(const struct campaign *c)
{
	size_t i;

	if (cc_write_header(stdout) < 0)
		return -1;
	for (i = 0; i < c->projects.n; i++)
		if (totals_cc_row(stdout, c->projects.g[i].key, &c->projects.g[i].t) < 0)
			return -1;
	return 0;
}

static int report(PGconn *conn, const struct job_filter *f, const struct table_style *style,
		  const struct report_env *env)
{
	struct campaign c;
	int rc = EXIT_NODATA;

	if (campaign_build(&c, conn, f, env) < 0)
		goto out;
	if (c.all.jobs == 0 && c.all.imported_runs == 0) {
		fputs("carbon-report track: no energy records match (none in the period, or none you may see)\n",
		      stderr);
		rc = report_empty(env);
		goto out;
	}
	switch (env->format) {
	case FMT_JSON:
		if (print_json(&c) < 0)
			goto out;
		break;
	case FMT_CSV:
		if (print_csv(&c) < 0)
			goto out;
		break;
	case FMT_SVG:
		if (print_chart(stdout, &c, 1) < 0)
			goto out;
		break;
	default:
		if (print_tables(&c, style, env->format) < 0)
			goto out;
		break;
	}
	rc = EXIT_OK;
out:
	group_list_free(&c.projects);
	return rc;
}

int cmd_track(struct report_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		FILTER_LONGOPTS,
		TABLE_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct table_column cols[N_COLS];
	struct table_style style;
	struct filter_args fa;
	PGconn *conn = NULL;
	int rc = EXIT_USAGE, c, r;

	filter_init(&fa);
	table_style_init(&style);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h" FILTER_SHORTOPTS TABLE_SHORTOPTS, longopts,
				NULL)) != -1) {
		if ((r = filter_option(&fa, c, optarg)) < 0)
			goto out;
		if (r || table_style_option(&style, c, optarg))
			continue;
		if (c == 'h') {
			usage(stdout);
			rc = EXIT_OK;
			goto out;
		}
		fputs("Try 'carbon-report track --help'.\n", stderr);
		goto out;
	}
	if (optind < argc) {
		fprintf(stderr, "carbon-report track: unexpected '%s'; choose jobs with filters, e.g. -t %s or -A %s\n",
			argv[optind], argv[optind], argv[optind]);
		goto out;
	}
	track_columns(cols);
	if (report_table_style(env, &style, cols, N_COLS, "carbon-report track") < 0)
		goto out;

	rc = EXIT_NODATA;
	conn = report_connect(env);
	if (!conn)
		goto out;
	rc = report(conn, &fa.f, &style, env);
out:
	PQfinish(conn);
	filter_free(&fa);
	table_style_free(&style);
	return rc;
}

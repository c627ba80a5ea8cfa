/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report track: a campaign's totals for its organisers, per project
 * (team) and per user within it, as text, JSON, CodeCarbon CSV, or an HTML
 * page or SVG with a bar chart of the projects. */
#include "report.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aggregate.h"
#include "barchart.h"
#include "filter.h"
#include "jobsum.h"
#include "json.h"
#include "record.h"
#include "table.h"
#include "track_from.h"

static void usage(FILE *fp)
{
	fputs("Usage: carbon-report track [FILTERS] [--format table|json|csv|markdown|html|svg]\n"
	      "          [-P] [-n] [-o FIELDS]\n"
	      "       carbon-report track --from FILE|DIR... [--key SITE.pub]... [--format ...]\n"
	      "A campaign's totals: every project (team) with its users, jobs, CPU-hours\n"
	      "used, kWh, CO2e, share of the total and the CO2e of imported runs\n"
	      "(CodeCarbon's and estimates; included in the others), and the grand total.\n"
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
	      "Imported runs (CodeCarbon's, and estimates) count by their project, tag,\n"
	      "importing user and end time; -j and -M select none of them.\n"
	      "csv: one CodeCarbon emissions.csv row per project. html: one page with the\n"
	      "table and a bar chart of CO2e per project; svg: the chart alone.\n"
	      "From statements, not a database:\n"
	      "      --from FILE|DIR   the teams' statements (statement --json, signed or\n"
	      "                        not); a directory: its *.json files. More files may\n"
	      "                        follow. The same columns, and STATEMENT: verified,\n"
	      "                        unsigned, no key, CHANGED, BAD SIGNATURE\n"
	      "      --key SITE.pub    a site's public key to check signatures with\n"
	      "                        (repeatable)\n",
	      fp);
}

/* Projects, each with its users; the jobs of no project under NULL. From
 * statements (track --from): src, which each project's origin indexes. */
struct campaign {
	struct group_list projects;
	struct job_totals all;
	size_t users;
	const struct track_sources *src;
};

/* The users and the order of c->projects, loaded from the database or
 * from statements. */
static int campaign_finish(struct campaign *c)
{
	size_t i;

	if (group_list_sub_keys(&c->projects, &c->users) < 0) {
		fputs("carbon-report: out of memory\n", stderr);
		return -1;
	}
	/* The largest emitters first, as in the chart. */
	group_list_sort_by_co2e(&c->projects);
	for (i = 0; i < c->projects.n; i++)
		group_list_sort_by_co2e(&c->projects.g[i].sub);
	return 0;
}

static int campaign_build(struct campaign *c, PGconn *conn, const struct job_filter *f,
			  const struct report_env *env)
{
	memset(c, 0, sizeof(*c));
	if (jobsum_load_track(conn, f, env, &c->projects, &c->all) < 0)
		return -1;
	return campaign_finish(c);
}

/* The campaign of the statements src holds, read into projects: the total
 * is their sum. */
static int campaign_from(struct campaign *c, struct group_list *projects,
			 const struct track_sources *src)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->projects = *projects;
	memset(projects, 0, sizeof(*projects));
	c->src = src;
	totals_init(&c->all);
	for (i = 0; i < c->projects.n; i++)
		totals_add(&c->all, &c->projects.g[i].t);
	return campaign_finish(c);
}

/* The statement project p came from, or NULL (the database). */
static const struct track_source *origin(const struct campaign *c, const struct group *p)
{
	return c->src && p->origin ? &c->src->s[p->origin - 1] : NULL;
}

/* ---- the timeline and each team's rates ------------------------------------ */

/* kg CO2e per week and project: weeks (Mondays, "2026-03-02", UTC) in
 * order, kg[w * n + p] for project p of the campaign's order (n of them). */
struct timeline {
	char (*weeks)[11];
	size_t n_weeks;
	double *kg;
	size_t n;
};

/* The Monday of the week of day ("2026-03-04" -> "2026-03-02"), into out;
 * false when day is not a date. */
static bool week_of(const char *day, char out[11])
{
	struct tm tm = { 0 };
	time_t t;

	if (sscanf(day, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	if (t == (time_t)-1 || !gmtime_r(&t, &tm))
		return false;
	t -= (time_t)((tm.tm_wday + 6) % 7) * 86400;	/* back to Monday */
	return gmtime_r(&t, &tm) && strftime(out, 11, "%Y-%m-%d", &tm) == 10;
}

static int by_week(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int timeline_build(struct timeline *tl, const struct campaign *c)
{
	size_t i, j, w, cap = 0;
	char week[11];

	memset(tl, 0, sizeof(*tl));
	tl->n = c->projects.n;
	for (i = 0; i < c->projects.n; i++)
		cap += c->projects.g[i].days.n;
	tl->weeks = calloc(cap ? cap : 1, sizeof(*tl->weeks));
	if (!tl->weeks)
		return -1;
	for (i = 0; i < c->projects.n; i++)
		for (j = 0; j < c->projects.g[i].days.n; j++) {
			if (!week_of(c->projects.g[i].days.g[j].key, week))
				continue;
			for (w = 0; w < tl->n_weeks && strcmp(tl->weeks[w], week); w++)
				;
			if (w == tl->n_weeks)
				memcpy(tl->weeks[tl->n_weeks++], week, sizeof(week));
		}
	if (tl->n_weeks)
		qsort(tl->weeks, tl->n_weeks, sizeof(*tl->weeks), by_week);
	tl->kg = calloc(tl->n_weeks * tl->n + 1, sizeof(*tl->kg));
	if (!tl->kg)
		return -1;
	for (i = 0; i < c->projects.n; i++)
		for (j = 0; j < c->projects.g[i].days.n; j++) {
			const struct group *d = &c->projects.g[i].days.g[j];

			if (!week_of(d->key, week))
				continue;
			for (w = 0; strcmp(tl->weeks[w], week); w++)
				;
			tl->kg[w * tl->n + i] += d->t.co2e_kg;
		}
	return 0;
}

static void timeline_free(struct timeline *tl)
{
	free(tl->weeks);
	free(tl->kg);
}

static const char timeline_title[] = "kg CO2e per week, by project";
static const char timeline_note[] =
	"Weeks from Monday, UTC; a job counts in the week of the day it ended.";

static int print_timeline(FILE *fp, const struct campaign *c, int standalone)
{
	const char **rows = NULL, **series = NULL;
	struct timeline tl;
	size_t i;
	int rc = -1;

	if (timeline_build(&tl, c) < 0)
		goto out;
	rows = calloc(tl.n_weeks + 1, sizeof(*rows));
	series = calloc(c->projects.n + 1, sizeof(*series));
	if (!rows || !series)
		goto out;
	for (i = 0; i < tl.n_weeks; i++)
		rows[i] = tl.weeks[i];
	for (i = 0; i < c->projects.n; i++)
		series[i] = c->projects.g[i].key;
	barchart_stacked_svg(fp, rows, tl.n_weeks, series, c->projects.n, tl.kg, timeline_title,
			     TABLE_KG, " CO2e", standalone);
	rc = 0;
out:
	if (rc < 0)
		fputs("carbon-report: out of memory\n", stderr);
	free(rows);
	free(series);
	timeline_free(&tl);
	return rc;
}

/* A team's kg CO2e per GPU-hour (NaN where no GPU-hours are known) and per
 * job (a job or an imported run, as the statement's SCI counts; NaN where
 * none). */
static double kg_per_gpu_hour(const struct job_totals *t)
{
	return t->gpu_jobs && t->gpu_s > 0.0 ? t->co2e_kg / (t->gpu_s / 3600.0) : NAN;
}

static double kg_per_job(const struct job_totals *t)
{
	size_t units = t->jobs + t->imported_runs;

	return units ? t->co2e_kg / (double)units : NAN;
}

/* The page's table of each team's rates. */
static void print_rates(FILE *fp, const struct campaign *c)
{
	char x[32];
	size_t i;

	fputs("<table class=\"rates\">\n<thead><tr><th>PROJECT</th><th class=\"num\">CO2e per GPU-hour</th>"
	      "<th class=\"num\">CO2e per job</th></tr></thead>\n<tbody>\n", fp);
	for (i = 0; i < c->projects.n; i++) {
		const struct group *p = &c->projects.g[i];
		double g = kg_per_gpu_hour(&p->t), j = kg_per_job(&p->t);

		fputs("<tr><td>", fp);
		html_escape(fp, p->key ? p->key : "-");
		fprintf(fp, "</td><td class=\"num\">%s</td>",
			isnan(g) ? "-" : table_amount(g, TABLE_KG, x, sizeof(x)));
		fprintf(fp, "<td class=\"num\">%s</td></tr>\n",
			isnan(j) ? "-" : table_amount(j, TABLE_KG, x, sizeof(x)));
	}
	fputs("</tbody>\n</table>\n", fp);
}

/* ---- table, Markdown and HTML ---------------------------------------------- */

enum { COL_PROJECT, COL_USER, COL_TOTALS, COL_STATEMENT = COL_TOTALS + TOT_COLUMNS };
enum row_kind { ROW_PROJECT, ROW_USER, ROW_TOTAL };

static const char *const row_class[] = {
	[ROW_PROJECT] = "project", [ROW_USER] = "user", [ROW_TOTAL] = "total",
};

#define N_COLS (COL_STATEMENT + 1)

/* STATEMENT: only from statements (hidden over a database). */
static void track_columns(struct table_column *cols, bool from)
{
	cols[COL_PROJECT] = (struct table_column){ .header = "PROJECT" };
	cols[COL_USER] = (struct table_column){ .header = "USER" };
	memcpy(&cols[COL_TOTALS], totals_columns, sizeof(totals_columns));
	cols[COL_STATEMENT] = (struct table_column){ .header = "STATEMENT", .hidden = !from };
}

/* The table and what each of its rows is (kinds, one per row). */
static int fill_table(struct table *tb, struct table_column *cols, enum row_kind **kinds,
		      const struct campaign *c)
{
	size_t i, j, n = 1;

	track_columns(cols, c->src != NULL);
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
		if (origin(c, p))
			table_cell(tb, COL_STATEMENT, "%s", track_source_status(origin(c, p)));
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
	if (c->src)
		fprintf(fp, "; from %zu statement%s", c->src->n, c->src->n == 1 ? "" : "s");
}

/* Each statement read, what its check found, and why where it is not
 * verified: one line each ("- " before it in Markdown), or an HTML list. */
static void print_statements(FILE *fp, const struct campaign *c, enum output_format format)
{
	size_t i;

	if (!c->src)
		return;
	if (format == FMT_HTML)
		fputs("<h2>Statements</h2>\n<ul class=\"statements\">\n", fp);
	for (i = 0; i < c->src->n; i++) {
		const struct track_source *s = &c->src->s[i];
		char line[1024];

		if (s->status == SIGN_OK)
			snprintf(line, sizeof(line), "%s: verified, signed by site %s (key %s)",
				 s->path, s->site, s->key_id);
		else
			snprintf(line, sizeof(line), "%s: %s: %s%s", s->path, track_source_status(s),
				 s->why, s->duplicate ? " (the same as another file: not counted)" : "");
		if (format == FMT_HTML) {
			fputs(s->status == SIGN_OK ? "<li>" : "<li class=\"unverified\">", fp);
			html_escape(fp, line);
			fputs("</li>\n", fp);
		} else {
			fprintf(fp, "%s%s\n", format == FMT_MARKDOWN ? "- " : "", line);
		}
	}
	if (format == FMT_HTML)
		fputs("</ul>\n", fp);
}

static void print_html_table(FILE *fp, const struct table *tb, const enum row_kind *kinds)
{
	size_t r, col;

	fputs("<table>\n<thead><tr>", fp);
	for (col = 0; col < tb->ncols; col++) {
		if (tb->cols[col].hidden)
			continue;
		fputs(tb->cols[col].right ? "<th class=\"num\">" : "<th>", fp);
		html_escape(fp, tb->cols[col].header);
		fputs("</th>", fp);
	}
	fputs("</tr></thead>\n<tbody>\n", fp);
	for (r = 0; r < tb->nrows; r++) {
		fprintf(fp, "<tr class=\"%s\">", row_class[kinds[r]]);
		for (col = 0; col < tb->ncols; col++) {
			const char *cell = tb->cells[r * tb->ncols + col];

			if (tb->cols[col].hidden)
				continue;
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
	"p.note { color: #555; font-size: 0.9em; }\n"
	"li.unverified { color: #b71c1c; }\n";

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
	print_statements(stdout, c, FMT_HTML);
	fputs("<h2>CO2e by project</h2>\n", stdout);
	if (print_chart(stdout, c, 0) < 0)
		return -1;
	fputs("<h2>CO2e per week</h2>\n", stdout);
	if (print_timeline(stdout, c, 0) < 0)
		return -1;
	fputs("<p class=\"note\">", stdout);
	html_escape(stdout, timeline_note);
	fputs("</p>\n<h2>Per GPU-hour and per job</h2>\n", stdout);
	print_rates(stdout, c);
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
		if (c->src) {
			print_statements(stdout, c, FMT_MARKDOWN);
			putchar('\n');
		}
		fputs(totals_note, stdout);
		break;
	default:
		fputs("Campaign emissions: ", notes);
		print_scope(notes, c);
		fputc('\n', notes);
		fflush(notes);
		table_print_text(&tb, style, stdout);
		fflush(stdout);
		print_statements(notes, c, FMT_TABLE);
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

/* A statement read: {"file", "status", "verified", "site", "key_id",
 * "why", "counted"}. */
static void statement_json(struct json_writer *w, const struct track_source *s)
{
	json_begin_object(w);
	json_kv_string(w, "file", s->path);
	json_kv_string(w, "status", track_source_status(s));
	json_kv_bool(w, "verified", s->status == SIGN_OK);
	json_kv_string(w, "site", s->site[0] ? s->site : NULL);
	json_kv_string(w, "key_id", s->key_id[0] ? s->key_id : NULL);
	json_kv_string(w, "why", s->status == SIGN_OK ? NULL : s->why);
	json_kv_bool(w, "counted", !s->duplicate);
	json_end_object(w);
}

/* "timeline": {"note", "weeks": [{"week", "co2e_kg", "projects":
 * [{"project", "co2e_kg"}, ...]}, ...]}, projects in the campaign's order. */
static int timeline_json(struct json_writer *w, const struct campaign *c)
{
	struct timeline tl;
	size_t i, p;

	if (timeline_build(&tl, c) < 0) {
		timeline_free(&tl);
		fputs("carbon-report: out of memory\n", stderr);
		return -1;
	}
	json_key(w, "timeline");
	json_begin_object(w);
	json_kv_string(w, "note", timeline_note);
	json_key(w, "weeks");
	json_begin_array(w);
	for (i = 0; i < tl.n_weeks; i++) {
		double sum = 0.0;

		for (p = 0; p < tl.n; p++)
			sum += tl.kg[i * tl.n + p];
		json_begin_object(w);
		json_kv_string(w, "week", tl.weeks[i]);
		json_kv_number(w, "co2e_kg", sum);
		json_key(w, "projects");
		json_begin_array(w);
		for (p = 0; p < tl.n; p++) {
			json_begin_object(w);
			json_kv_string(w, "project", c->projects.g[p].key);
			json_kv_number(w, "co2e_kg", tl.kg[i * tl.n + p]);
			json_end_object(w);
		}
		json_end_array(w);
		json_end_object(w);
	}
	json_end_array(w);
	json_end_object(w);
	timeline_free(&tl);
	return 0;
}

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
		json_kv_number(&w, "kg_per_gpu_hour", kg_per_gpu_hour(&p->t));
		json_kv_number(&w, "kg_per_job", kg_per_job(&p->t));
		if (origin(c, p)) {
			json_key(&w, "statement");
			statement_json(&w, origin(c, p));
		}
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
	if (timeline_json(&w, c) < 0)
		return -1;
	if (c->src) {
		json_key(&w, "statements");
		json_begin_array(&w);
		for (i = 0; i < c->src->n; i++)
			statement_json(&w, &c->src->s[i]);
		json_end_array(&w);
	}
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

/* Print campaign c as env->format. */
static int report(const struct campaign *c, const struct table_style *style,
		  const struct report_env *env)
{
	if (c->all.jobs == 0 && c->all.imported_runs == 0) {
		fputs(c->src ? "carbon-report track: the statements hold no jobs\n"
			     : "carbon-report track: no energy records match (none in the period, or none you may see)\n",
		      stderr);
		return report_empty(env);
	}
	switch (env->format) {
	case FMT_JSON:
		return print_json(c) < 0 ? EXIT_NODATA : EXIT_OK;
	case FMT_CSV:
		return print_csv(c) < 0 ? EXIT_NODATA : EXIT_OK;
	case FMT_SVG:
		return print_chart(stdout, c, 1) < 0 ? EXIT_NODATA : EXIT_OK;
	default:
		return print_tables(c, style, env->format) < 0 ? EXIT_NODATA : EXIT_OK;
	}
}

/* What track --from is given: the statements and the keys. */
struct from_args {
	char **paths;
	size_t n_paths;
	struct sign_key **keys;
	size_t n_keys;
};

static int from_add(void *arrp, size_t *n, size_t size, const void *item)
{
	char **arr = *(char ***)arrp;

	arr = realloc(arr, (*n + 1) * size);
	if (!arr) {
		fputs("carbon-report: out of memory\n", stderr);
		return -1;
	}
	memcpy((char *)arr + *n * size, item, size);
	*(char ***)arrp = arr;
	(*n)++;
	return 0;
}

static void from_free(struct from_args *fr)
{
	size_t i;

	for (i = 0; i < fr->n_keys; i++)
		sign_key_free(fr->keys[i]);
	free(fr->keys);
	free(fr->paths);
}

static int report_from(const struct from_args *fr, const struct table_style *style,
		       const struct report_env *env)
{
	struct group_list projects = { 0 };
	struct track_sources src;
	struct campaign c = { 0 };
	int rc = EXIT_NODATA;

	if (track_from_load(fr->paths, fr->n_paths, (const struct sign_key *const *)fr->keys,
			    fr->n_keys, &projects, &src) < 0 ||
	    campaign_from(&c, &projects, &src) < 0)
		goto out;
	rc = report(&c, style, env);
out:
	group_list_free(&projects);
	group_list_free(&c.projects);
	track_sources_free(&src);
	return rc;
}

int cmd_track(struct report_env *env, int argc, char **argv)
{
	enum { OPT_FROM = 0x100, OPT_KEY };
	static const struct option longopts[] = {
		FILTER_LONGOPTS,
		TABLE_LONGOPTS,
		{ "from", required_argument, NULL, OPT_FROM },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct table_column cols[N_COLS];
	struct from_args fr = { 0 };
	struct table_style style;
	struct filter_args fa;
	struct campaign camp;
	struct sign_key *key;
	bool filtered = false;
	PGconn *conn = NULL;
	int rc = EXIT_USAGE, c, r;
	char why[512];

	filter_init(&fa);
	table_style_init(&style);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h" FILTER_SHORTOPTS TABLE_SHORTOPTS, longopts,
				NULL)) != -1) {
		if ((r = filter_option(&fa, c, optarg)) < 0)
			goto out;
		if (r) {
			filtered = true;
			continue;
		}
		if (table_style_option(&style, c, optarg))
			continue;
		switch (c) {
		case 'h':
			usage(stdout);
			rc = EXIT_OK;
			goto out;
		case OPT_FROM:
			if (from_add(&fr.paths, &fr.n_paths, sizeof(*fr.paths), &optarg) < 0)
				goto out;
			continue;
		case OPT_KEY:
			key = sign_key_load_public(optarg, why, sizeof(why));
			if (!key) {
				fprintf(stderr, "carbon-report track: --key %s: %s\n", optarg, why);
				goto out;
			}
			if (from_add(&fr.keys, &fr.n_keys, sizeof(*fr.keys), &key) < 0) {
				sign_key_free(key);
				goto out;
			}
			continue;
		}
		fputs("Try 'carbon-report track --help'.\n", stderr);
		goto out;
	}
	if (fr.n_paths) {
		/* More statements may follow --from FILE. */
		for (; optind < argc; optind++)
			if (from_add(&fr.paths, &fr.n_paths, sizeof(*fr.paths), &argv[optind]) < 0)
				goto out;
		if (filtered) {
			fputs("carbon-report track: filters choose jobs in a database; with --from, give the statements of the teams to add up\n",
			      stderr);
			goto out;
		}
	} else if (fr.n_keys) {
		fputs("carbon-report track: --key checks the statements of --from FILE|DIR\n", stderr);
		goto out;
	}
	if (optind < argc) {
		fprintf(stderr, "carbon-report track: unexpected '%s'; choose jobs with filters, e.g. -t %s or -A %s, or give statements with --from\n",
			argv[optind], argv[optind], argv[optind]);
		goto out;
	}
	track_columns(cols, fr.n_paths > 0);
	if (report_table_style(env, &style, cols, N_COLS, "carbon-report track") < 0)
		goto out;

	rc = EXIT_NODATA;
	if (fr.n_paths) {
		rc = report_from(&fr, &style, env);
		goto out;
	}
	conn = report_connect(env);
	if (!conn)
		goto out;
	if (campaign_build(&camp, conn, &fa.f, env) == 0)
		rc = report(&camp, &style, env);
	group_list_free(&camp.projects);
out:
	PQfinish(conn);
	filter_free(&fa);
	table_style_free(&style);
	from_free(&fr);
	return rc;
}

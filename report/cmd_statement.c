/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report statement (-t TAG | -A PROJECT | -u USER): the options of
 * the emission statement of a run, a project or a user, its imported
 * CodeCarbon runs included; the statement itself is statement.h's. */
#include "report.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "intensity_csv.h"
#include "statement.h"

static void usage(FILE *fp)
{
	fputs("Usage: carbon-report statement (-t TAG | -A PROJECT | -u USER) [-S START] [-E END]\n"
	      "                              [-M CLUSTER] [--offset-price USD_PER_TONNE]\n"
	      "  -t, --tag TAG        the jobs submitted with --carbon-tag=TAG (a run)\n"
	      "  -A, --project NAME   the jobs of a project\n"
	      "  -u, --user NAME      the jobs of a user\n"
	      "  -S, --starttime T    only jobs that end at or after T (UTC: 2026-11-01, 11/01)\n"
	      "  -E, --endtime T      only jobs that start before T\n"
	      "  -M, --cluster NAME   only jobs of this cluster\n"
	      "      --offset-price P price of an offset in USD per tonne CO2e, for the\n"
	      "                       offsets estimate (default 16, see carbon-report(1))\n"
	      "      --what-if-zone Z also price the energy in zone Z in the what-if\n"
	      "                       (counterfactual, not in the totals); repeatable\n"
	      "The emission statement of those jobs: scope, hardware, activity, energy per\n"
	      "component, PUE, carbon intensity, CO2e, an offsets estimate, and the method's\n"
	      "limitations; as text (default), --format markdown or --json. --format\n"
	      "paragraph: a paragraph to paste into a paper (figures, methods, sources);\n"
	      "--format latex: a table of the figures and that paragraph, for a LaTeX\n"
	      "document's body. CodeCarbon runs imported for the tag, project or user\n"
	      "(import codecarbon) count too, apart and in the totals, with method\n"
	      "codecarbon.\n",
	      fp);
}

/* ---- the command ------------------------------------------------------------- */

static int run_statement(PGconn *conn, struct statement *st, const struct job_filter *f,
			 const struct report_env *env, const char *const *zones, size_t n_zones)
{
	int rc, r, w = 0;

	r = statement_load(conn, f, env, st);
	if (r == 0)
		w = statement_what_if(conn, st, zones, n_zones);
	if (w == -2)
		rc = EXIT_USAGE;
	else if (w < 0)
		rc = EXIT_NODATA;
	else if (r > 0)
		rc = report_empty(env);
	else if (r == 0 && statement_render(st, env->format, stdout) == 0)
		rc = EXIT_OK;
	else
		rc = EXIT_NODATA;
	statement_free(st);
	return rc;
}

/* --offset-price: a finite price, zero or more. */
static int parse_price(const char *s, double *price)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !isfinite(v) || v < 0) {
		fprintf(stderr, "carbon-report statement: --offset-price '%s' is not a price; give US dollars per tonne CO2e, e.g. --offset-price 15\n",
			s);
		return -1;
	}
	*price = v;
	return 0;
}

int cmd_statement(struct report_env *env, int argc, char **argv)
{
	enum { OPT_PRICE = 256, OPT_WHAT_IF_ZONE };
	static const struct option longopts[] = {
		FILTER_LONGOPTS,
		{ "offset-price", required_argument, NULL, OPT_PRICE },
		{ "what-if-zone", required_argument, NULL, OPT_WHAT_IF_ZONE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct statement st = { .offset_price = OFFSET_PRICE_USD_PER_T };
	struct filter_args fa;
	PGconn *conn = NULL;
	const char *zones[WHAT_IF_MAX_NAMED];
	char scopes[8] = "";
	size_t n_scopes = 0, n_zones = 0;
	int rc = EXIT_USAGE, c, r;

	filter_init(&fa);
	optind = 1;
	while ((c = getopt_long(argc, argv, "ht:A:u:S:E:M:j:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			rc = EXIT_OK;
			goto out;
		case OPT_PRICE:
			if (parse_price(optarg, &st.offset_price) < 0)
				goto out;
			st.offset_price_given = true;
			continue;
		case OPT_WHAT_IF_ZONE:
			if (!intensity_zone_valid(optarg)) {
				fprintf(stderr, "carbon-report statement: --what-if-zone '%s': " ZONE_ID_RULE "\n",
					optarg);
				goto out;
			}
			if (n_zones == WHAT_IF_MAX_NAMED) {
				fprintf(stderr, "carbon-report statement: more than %d --what-if-zone; name at most %d zones\n",
					WHAT_IF_MAX_NAMED, WHAT_IF_MAX_NAMED);
				goto out;
			}
			zones[n_zones++] = optarg;
			continue;
		case 'j':
			fputs("carbon-report statement: a statement covers a tag, project or user, not job ids; for jobs type 'carbon-report job JOBID...'\n",
			      stderr);
			goto out;
		case 't':
		case 'A':
		case 'u':
			if (n_scopes < sizeof(scopes) - 1)
				scopes[n_scopes++] = (char)c;
			break;
		default:
			break;
		}
		r = filter_option(&fa, c, optarg);
		if (r < 0)
			goto out;
		if (r == 0) {
			fputs("Try 'carbon-report statement --help'.\n", stderr);
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "carbon-report statement: unexpected '%s'; the scope is an option, e.g. 'carbon-report statement -t run3'\n",
			argv[optind]);
		goto out;
	}
	if (n_scopes != 1) {
		if (n_scopes)
			fprintf(stderr, "carbon-report statement: %zu scope options given (-%c and -%c); a statement covers exactly one tag, project or user: keep one of -t TAG, -A PROJECT, -u USER\n",
				n_scopes, scopes[0], scopes[1]);
		else
			fputs("carbon-report statement: say whose statement: exactly one of -t TAG, -A PROJECT or -u USER, e.g. 'carbon-report statement -t run3'\n",
			      stderr);
		goto out;
	}
	if (env->format == FMT_CSV) {
		fputs("carbon-report statement: --format csv is not available for a statement; use --format markdown, paragraph, latex, --json or the default text\n",
		      stderr);
		goto out;
	}
	st.by = scopes[0] == 't' ? "tag" : scopes[0] == 'A' ? "project" : "user";
	st.who = scopes[0] == 't' ? fa.f.tag : scopes[0] == 'A' ? fa.f.project : fa.f.user;
	st.start_given = !isnan(fa.f.start_s);
	st.end_given = !isnan(fa.f.end_s);
	st.start_s = fa.f.start_s;
	st.end_s = fa.f.end_s;

	rc = EXIT_NODATA;
	conn = report_connect(env);
	if (!conn)
		goto out;
	rc = run_statement(conn, &st, &fa.f, env, zones, n_zones);
out:
	PQfinish(conn);
	filter_free(&fa);
	return rc;
}

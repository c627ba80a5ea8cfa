/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report statement (-t TAG | -A PROJECT | -u USER): the options of
 * the emission statement of a run, a project or a user, its imported
 * CodeCarbon runs included; the statement itself is statement.h's. */
#define _GNU_SOURCE	/* open_memstream */
#include "report.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "sign.h"
#include "intensity_csv.h"
#include "statement.h"

static void usage(FILE *fp)
{
	fputs("Usage: carbon-report statement (-t TAG | -A PROJECT | -u USER) [-S START] [-E END]\n"
	      "                              [-M CLUSTER] [--offset-price USD_PER_TONNE]\n"
	      "                              [--sign KEYFILE [--site NAME]]\n"
	      "  -t, --tag TAG        the jobs submitted with --carbon-tag=TAG (a run)\n"
	      "  -A, --project NAME   the jobs of a project\n"
	      "  -u, --user NAME      the jobs of a user\n"
	      "  -S, --starttime T    only jobs that end at or after T (UTC: 2026-11-01, 11/01)\n"
	      "  -E, --endtime T      only jobs that start before T\n"
	      "  -M, --cluster NAME   only jobs of this cluster\n"
	      "      --offset-price P price of an offset in USD per tonne CO2e, for the\n"
	      "                       offsets estimate (default 16, see carbon-report(1))\n"
	      "      --sign KEYFILE   sign the statement (--json or --format markdown) with the\n"
	      "                       site's private key (carbon-report keygen); check it with\n"
	      "                       carbon-report verify FILE --key KEYFILE.pub\n"
	      "      --site NAME      the site named in the signature (default: [site] cluster\n"
	      "                       of carbon.conf, else the clusters of the jobs)\n"
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

/* ---- signing ------------------------------------------------------------------- */

/* What signing needs besides the statement: the key and the site. */
struct signing {
	struct sign_key *key;	/* NULL: not signing */
	const char *site;	/* --site, else NULL */
};

/* Is item one of the ','-separated names of list? */
static bool list_has(const char *list, const char *item)
{
	size_t k = strlen(item);
	const char *p;

	for (p = list; (p = strstr(p, item)); p += k)
		if ((p == list || p[-1] == ',') && (p[k] == ',' || !p[k]))
			return true;
	return false;
}

/* The site a signature names: --site, else [site] cluster, else the
 * clusters of the jobs (distinct, in the jobs' order, ',' between them),
 * into buf. Returns 0, or -1 after saying why. */
static int signing_site(const struct signing *sg, const struct statement *st,
			const struct report_env *env, char *buf, size_t n)
{
	size_t i, len = 0;

	buf[0] = '\0';
	if (sg->site)
		snprintf(buf, n, "%s", sg->site);
	else if (env->conf.cluster[0] && strlen(env->conf.cluster) < n)
		memcpy(buf, env->conf.cluster, strlen(env->conf.cluster) + 1);
	else
		for (i = 0; st->set && i < st->set->n; i++) {
			const char *c = st->set->jobs[i].n ? st->set->jobs[i].rows[0].cluster : NULL;

			if (!c || !*c || list_has(buf, c))
				continue;
			if (len + strlen(c) + 2 > n)
				break;
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? "," : "", c);
		}
	if (!sign_site_valid(buf)) {
		if (buf[0])
			fprintf(stderr, "carbon-report statement: the site '%s' cannot be named in a signature: at most %d characters of letters, digits and ._:+/-; give --site NAME\n",
				buf, SIGN_SITE_MAX);
		else
			fputs("carbon-report statement: say which site signs: --site NAME, or [site] cluster in carbon.conf (--config)\n",
			      stderr);
		return -1;
	}
	return 0;
}

/* Render st as env->format into a buffer (*buf, *len; free it). */
static int render_to(const struct statement *st, enum output_format format, char **buf,
		     size_t *len)
{
	FILE *fp = open_memstream(buf, len);
	int rc;

	if (!fp) {
		fputs("carbon-report: out of memory\n", stderr);
		return -1;
	}
	rc = statement_render(st, format, fp);
	/* The verification line stands apart from the last section. */
	if (format == FMT_MARKDOWN)
		fputc('\n', fp);
	if (fclose(fp) != 0)
		rc = -1;
	if (rc < 0) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

/* Sign st's JSON, and write the signed JSON or Markdown to stdout. */
static int render_signed(const struct statement *st, const struct signing *sg,
			 const struct report_env *env)
{
	struct sign_signature sig;
	char site[SIGN_SITE_MAX + 1], why[512];
	char *json = NULL, *md = NULL;
	size_t json_len = 0, md_len = 0;
	int rc = -1;

	if (signing_site(sg, st, env, site, sizeof(site)) < 0 ||
	    render_to(st, FMT_JSON, &json, &json_len) < 0)
		goto out;
	if (sign_json(sg->key, site, json, json_len, &sig, why, sizeof(why)) < 0) {
		fprintf(stderr, "carbon-report statement: --sign: %s\n", why);
		goto out;
	}
	if (env->format == FMT_JSON) {
		rc = sign_write_json(stdout, json, json_len, &sig);
		goto out;
	}
	if (render_to(st, FMT_MARKDOWN, &md, &md_len) < 0)
		goto out;
	if (sign_markdown(sg->key, md, md_len, &sig, why, sizeof(why)) < 0) {
		fprintf(stderr, "carbon-report statement: --sign: %s\n", why);
		goto out;
	}
	rc = sign_write_markdown(stdout, md, md_len, &sig);
out:
	free(json);
	free(md);
	return rc;
}

/* ---- the command ------------------------------------------------------------- */

static int run_statement(PGconn *conn, struct statement *st, const struct job_filter *f,
			 const struct report_env *env, const struct signing *sg,
			 const char *const *zones, size_t n_zones)
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
	else if (r == 0 && (sg->key ? render_signed(st, sg, env)
				    : statement_render(st, env->format, stdout)) == 0)
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
	enum { OPT_PRICE = 256, OPT_SIGN, OPT_SITE, OPT_WHAT_IF_ZONE };
	static const struct option longopts[] = {
		FILTER_LONGOPTS,
		{ "offset-price", required_argument, NULL, OPT_PRICE },
		{ "sign", required_argument, NULL, OPT_SIGN },
		{ "site", required_argument, NULL, OPT_SITE },
		{ "what-if-zone", required_argument, NULL, OPT_WHAT_IF_ZONE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct statement st = { .offset_price = OFFSET_PRICE_USD_PER_T };
	struct filter_args fa;
	struct signing sg = { .key = NULL };
	const char *key_path = NULL;
	char why[512];
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
		case OPT_SIGN:
			key_path = optarg;
			continue;
		case OPT_SITE:
			sg.site = optarg;
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
	if (sg.site && !key_path) {
		fputs("carbon-report statement: --site names the site in a signature; it goes with --sign KEYFILE\n",
		      stderr);
		goto out;
	}
	if (key_path) {
		if (env->format != FMT_JSON && env->format != FMT_MARKDOWN) {
			fputs("carbon-report statement: --sign signs the JSON or the Markdown statement: add --json or --format markdown\n",
			      stderr);
			goto out;
		}
		sg.key = sign_key_load_private(key_path, why, sizeof(why));
		if (!sg.key) {
			fprintf(stderr, "carbon-report statement: --sign: %s\n", why);
			goto out;
		}
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
	rc = run_statement(conn, &st, &fa.f, env, &sg, zones, n_zones);
out:
	sign_key_free(sg.key);
	PQfinish(conn);
	filter_free(&fa);
	return rc;
}

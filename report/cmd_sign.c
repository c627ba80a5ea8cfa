/* SPDX-License-Identifier: GPL-2.0-or-later */
/* carbon-report keygen and verify: a site's signing key, and the check of a
 * signed statement (sign.h); statement --sign is in cmd_statement.c. */
#include "report.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_pointer.h"
#include "sign.h"

/* The most --key options verify takes: one per team's site. */
#define VERIFY_MAX_KEYS 64

static void keygen_usage(FILE *fp)
{
	fputs("Usage: carbon-report keygen KEYFILE\n"
	      "Make the site's Ed25519 signing key: the private key in KEYFILE (mode 0600;\n"
	      "keep it on the machine that signs statements) and the public key in\n"
	      "KEYFILE.pub (publish it, with its fingerprint). Never overwrites a file.\n"
	      "Sign with 'carbon-report statement ... --sign KEYFILE'; see carbon-report(1),\n"
	      "\"Signed statements\".\n",
	      fp);
}

int cmd_keygen(struct report_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sign_key *k;
	char why[512];
	int c;

	(void)env;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h') {
			keygen_usage(stdout);
			return EXIT_OK;
		}
		fputs("Try 'carbon-report keygen --help'.\n", stderr);
		return EXIT_USAGE;
	}
	if (argc - optind != 1) {
		fputs("carbon-report keygen: give the file for the private key, e.g. 'carbon-report keygen /etc/slurm/carbon-site.key' (the public key goes beside it, with .pub)\n",
		      stderr);
		return EXIT_USAGE;
	}
	k = sign_keygen(argv[optind], why, sizeof(why));
	if (!k) {
		fprintf(stderr, "carbon-report keygen: %s\n", why);
		return EXIT_NODATA;
	}
	printf("private key: %s (mode 0600: keep it secret, on the machine that signs)\n"
	       "public key:  %s.pub (publish it)\n"
	       "key id:      %s\n"
	       "fingerprint: SHA256:%s\n",
	       argv[optind], argv[optind], sign_key_id(k), sign_key_fingerprint(k));
	sign_key_free(k);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_NODATA;
}

static void verify_usage(FILE *fp)
{
	fputs("Usage: carbon-report verify FILE... --key SITE.pub [--key OTHER.pub ...]\n"
	      "Check signed emission statements, JSON or Markdown, as carbon-report statement\n"
	      "--sign wrote them: unchanged since they were signed, and signed with one of\n"
	      "the keys given (the one whose key id the signature names). Says what each\n"
	      "statement covers. Exit status 0 when every FILE passes, 1 otherwise (the\n"
	      "reason on stderr: changed, signed by another key, unsigned, malformed).\n"
	      "  -k, --key FILE   a site's public key (KEYFILE.pub of carbon-report keygen)\n",
	      fp);
}

/* s for a terminal: control characters (an escape sequence in a hostile
 * file), C0, DEL and C1 (U+0080..U+009F, UTF-8 C2 80..C2 9F), become '?'. */
static void put_clean(const char *s, FILE *fp)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			fputc('?', fp);
			p++;
		} else {
			fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, fp);
		}
	}
}

static void json_text(const char *doc, size_t len, const char *pointer, char *buf, size_t n)
{
	struct json_span sp;
	double v;

	if (json_pointer_string(doc, len, pointer, buf, n) == 1)
		return;
	if (json_pointer_number(doc, len, pointer, &v) == 1) {
		snprintf(buf, n, "%.9g", v);
		return;
	}
	snprintf(buf, n, "%s", json_pointer_find(doc, len, pointer, &sp) == 1 ? "(not a value)" : "(none)");
}

/* What a signed JSON statement covers: its scope, period, jobs and totals. */
static void covers_json(const char *doc, size_t len, FILE *fp)
{
	char by[16], who[256], ptr[64], a[48], b[48], jobs[32], runs[32], it[32], fac[32], kg[32];

	json_text(doc, len, "/scope/by", by, sizeof(by));
	if (strcmp(by, "tag") && strcmp(by, "project") && strcmp(by, "user"))
		snprintf(by, sizeof(by), "?");
	snprintf(ptr, sizeof(ptr), "/scope/%s", by);
	json_text(doc, len, ptr, who, sizeof(who));
	json_text(doc, len, "/period/start", a, sizeof(a));
	json_text(doc, len, "/period/end", b, sizeof(b));
	json_text(doc, len, "/jobs", jobs, sizeof(jobs));
	json_text(doc, len, "/scope/imported_runs", runs, sizeof(runs));
	json_text(doc, len, "/energy_kwh/it", it, sizeof(it));
	json_text(doc, len, "/energy_kwh/facility", fac, sizeof(fac));
	json_text(doc, len, "/co2e_kg", kg, sizeof(kg));
	fputs("  statement:   ", fp);
	put_clean(by, fp);
	fputc(' ', fp);
	put_clean(who, fp);
	fputs("\n  period:      ", fp);
	put_clean(a, fp);
	fputs(" to ", fp);
	put_clean(b, fp);
	fputs("\n  jobs:        ", fp);
	put_clean(jobs, fp);
	fputs(" (and ", fp);
	put_clean(runs, fp);
	fputs(" imported runs)\n  energy:      ", fp);
	put_clean(it, fp);
	fputs(" kWh IT, ", fp);
	put_clean(fac, fp);
	fputs(" kWh facility\n  emissions:   ", fp);
	put_clean(kg, fp);
	fputs(" kg CO2e\n", fp);
}

/* A Markdown statement: its heading and its headline sentence, the first
 * two lines with text ("## Emission statement: tag run3", "2 jobs, ..."). */
static void covers_markdown(const char *doc, size_t len, FILE *fp)
{
	const char *p = doc, *end = doc + len, *nl;
	int lines = 0;
	char buf[512];

	while (p < end && lines < 2) {
		size_t n;

		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		if (n) {
			snprintf(buf, sizeof(buf), "%.*s", (int)(n < sizeof(buf) ? n : sizeof(buf) - 1), p);
			fputs(lines ? "  figures:     " : "  statement:   ", fp);
			put_clean(buf + (lines == 0 && !strncmp(buf, "## ", 3) ? 3 : 0), fp);
			fputc('\n', fp);
			lines++;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
}

static int verify_file(const char *path, const struct sign_key *const *keys, size_t n_keys)
{
	struct sign_check chk;
	char *doc = NULL, why[512];
	size_t len;
	int rc = EXIT_NODATA;

	if (sign_read_file(path, SIGN_FILE_MAX, &doc, &len, why, sizeof(why)) < 0) {
		fprintf(stderr, "carbon-report verify: %s\n", why);
		return EXIT_NODATA;
	}
	if (sign_verify(doc, len, keys, n_keys, &chk) != SIGN_OK) {
		fprintf(stderr, "carbon-report verify: %s: FAILED: ", path);
		put_clean(chk.why, stderr);
		fputc('\n', stderr);
		goto out;
	}
	printf("%s: OK: unchanged since it was signed for site %s with key %s\n"
	       "  fingerprint: SHA256:%s\n",
	       path, chk.sig.site, chk.sig.key_id, sign_key_fingerprint(chk.key));
	if (chk.markdown) {
		covers_markdown(doc, len, stdout);
		printf("  json digest: %s (the JSON statement of the same figures)\n", chk.sig.digest);
	} else {
		covers_json(doc, len, stdout);
		printf("  digest:      %s\n", chk.sig.digest);
	}
	rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_NODATA;
out:
	free(doc);
	return rc;
}

int cmd_verify(struct report_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sign_key *keys[VERIFY_MAX_KEYS];
	size_t n_keys = 0, i;
	char why[512];
	int rc = EXIT_USAGE, c, r;

	(void)env;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hk:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			verify_usage(stdout);
			rc = EXIT_OK;
			goto out;
		case 'k':
			if (n_keys == VERIFY_MAX_KEYS) {
				fprintf(stderr, "carbon-report verify: more than %d --key options\n",
					VERIFY_MAX_KEYS);
				goto out;
			}
			keys[n_keys] = sign_key_load_public(optarg, why, sizeof(why));
			if (!keys[n_keys]) {
				fprintf(stderr, "carbon-report verify: --key: %s\n", why);
				goto out;
			}
			n_keys++;
			break;
		default:
			fputs("Try 'carbon-report verify --help'.\n", stderr);
			goto out;
		}
	}
	if (optind == argc || !n_keys) {
		fputs("carbon-report verify: give the statement and the site's public key, e.g. 'carbon-report verify statement.json --key site.pub'\n",
		      stderr);
		goto out;
	}
	rc = EXIT_OK;
	for (; optind < argc; optind++) {
		r = verify_file(argv[optind], (const struct sign_key *const *)keys, n_keys);
		if (r != EXIT_OK)
			rc = r;
	}
out:
	for (i = 0; i < n_keys; i++)
		sign_key_free(keys[i]);
	return rc;
}

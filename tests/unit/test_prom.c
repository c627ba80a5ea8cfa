/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Prometheus' text format: label values a user wrote are escaped, samples
 * and families are spelled as the format asks, files are replaced whole;
 * the spool backlog counts records; carbon-report metrics renders its
 * figures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"
#include "prom.h"
#include "spool.h"
#include "spool_metrics.h"

/* What fn writes into a memory stream, NUL-terminated (freed by caller). */
static char *captured(void (*fn)(FILE *, const void *), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	fn(fp, arg);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static void write_label(FILE *fp, const void *v)
{
	prom_label_value(fp, v);
}

static void test_label_escaping(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "alice", "\"alice\"" },
		{ "", "\"\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "a\\b", "\"a\\\\b\"" },
		{ "a\nb", "\"a\\nb\"" },
		/* a value that tries to end the label and add its own sample */
		{ "x\"} 1\nslurm_carbon_co2e_kg_total{user=\"y",
		  "\"x\\\"} 1\\nslurm_carbon_co2e_kg_total{user=\\\"y\"" },
		/* other control characters and DEL: U+FFFD */
		{ "a\rb\tc\x7f", "\"a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\"" },
		/* valid UTF-8 kept; invalid, overlong and surrogates replaced */
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
		{ "\xe2\x82\xac", "\"\xe2\x82\xac\"" },
		{ "\xf0\x9f\x8c\x8d", "\"\xf0\x9f\x8c\x8d\"" },
		{ "a\xffz", "\"a\xef\xbf\xbdz\"" },
		{ "\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "\xc3", "\"\xef\xbf\xbd\"" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = captured(write_label, cases[i].in);

		assert_string_equal(got, cases[i].out);
		free(got);
	}
	{
		char *got = captured(write_label, NULL);

		assert_string_equal(got, "\"\"");
		free(got);
	}
}

struct sample_case {
	const char *name;
	const char *const *labels;
	size_t n;
	double v;
};

static void write_sample(FILE *fp, const void *arg)
{
	const struct sample_case *c = arg;

	prom_sample(fp, c->name, c->labels, c->n, c->v);
}

static void test_samples(void **state)
{
	static const char *const two[] = { "cluster", "hpc1", "user", "o\"neil" };
	const struct {
		struct sample_case c;
		const char *out;
	} cases[] = {
		{ { "m", NULL, 0, 0 }, "m 0\n" },
		{ { "m", NULL, 0, 2.5 }, "m 2.5\n" },
		{ { "m", NULL, 0, 0.1 }, "m 0.1\n" },
		{ { "m", NULL, 0, 1.0 / 3 }, "m 0.3333333333333333\n" },
		{ { "m", NULL, 0, 1e21 }, "m 1e+21\n" },
		{ { "m", NULL, 0, NAN }, "m NaN\n" },
		{ { "m", NULL, 0, INFINITY }, "m +Inf\n" },
		{ { "m", NULL, 0, -INFINITY }, "m -Inf\n" },
		{ { "m_total", two, 2, 3 }, "m_total{cluster=\"hpc1\",user=\"o\\\"neil\"} 3\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = captured(write_sample, &cases[i].c);

		assert_string_equal(got, cases[i].out);
		free(got);
	}
}

static void write_family(FILE *fp, const void *arg)
{
	(void)arg;
	prom_family(fp, "m_total", "counter", "a\\b\nc \"d\"");
}

static void test_family(void **state)
{
	char *got = captured(write_family, NULL);

	(void)state;
	assert_string_equal(got, "# HELP m_total a\\\\b\\nc \"d\"\n# TYPE m_total counter\n");
	free(got);
}

/* A temporary directory of the test's own. */
static char *temp_dir(void)
{
	char *d = strdup("/tmp/test_prom.XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static char *read_file(const char *path)
{
	static char buf[8192];
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void remove_dir(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* The backlog counts header lines of spool.log, segments and record files;
 * not checkpoints, rejected records or hidden files. */
static void test_spool_backlog(void **state)
{
	static const char rec[] = "slurm-carbon spool 1\nkey=value\n";
	struct spool_backlog b;
	char *dir = temp_dir(), err[256], missing[600], text[4096];
	int i;

	(void)state;
	assert_int_equal(spool_backlog(dir, 0, &b, err, sizeof(err)), 0);
	assert_int_equal(b.records, 0);
	assert_int_equal(b.files, 0);
	assert_int_equal(b.bytes, 0);

	text[0] = '\0';
	for (i = 0; i < 3; i++)
		strcat(text, rec);
	write_file(dir, SPOOL_ACTIVE, text);
	write_file(dir, "1.2.3" SPOOL_SEGMENT_SUFFIX, rec);
	write_file(dir, "9" SPOOL_RECORD_SUFFIX, rec);
	/* a header not at a line's start, and one cut short, are not records */
	write_file(dir, "8" SPOOL_RECORD_SUFFIX, "x slurm-carbon spool 1\nslurm-carbon spool\n");
	write_file(dir, "7.batch.1" SPOOL_CHECKPOINT_SUFFIX, rec);
	write_file(dir, "1.2.3" SPOOL_SEGMENT_SUFFIX ".bad", rec);
	write_file(dir, ".hidden" SPOOL_RECORD_SUFFIX, rec);
	assert_int_equal(spool_backlog(dir, 0, &b, err, sizeof(err)), 0);
	assert_int_equal(b.records, 5);
	assert_int_equal(b.files, 4);
	assert_int_equal(b.bytes, 5 * strlen(rec) + strlen("x slurm-carbon spool 1\nslurm-carbon spool\n"));

	assert_true(b.records_counted);
	/* reading limited to less than the files hold: bytes and files still
	 * counted, the records not */
	assert_int_equal(spool_backlog(dir, (long long)strlen(rec), &b, err, sizeof(err)), 0);
	assert_false(b.records_counted);
	assert_int_equal(b.files, 4);
	assert_int_equal(b.bytes, 5 * strlen(rec) + strlen("x slurm-carbon spool 1\nslurm-carbon spool\n"));
	assert_int_equal(spool_backlog(dir, 1 << 20, &b, err, sizeof(err)), 0);
	assert_true(b.records_counted);
	assert_int_equal(b.records, 5);

	/* a spool directory not made yet: nothing waits */
	snprintf(missing, sizeof(missing), "%s/none", dir);
	assert_int_equal(spool_backlog(missing, 0, &b, err, sizeof(err)), 0);
	assert_int_equal(b.records, 0);
	/* a file where the directory should be: an error that says so */
	snprintf(missing, sizeof(missing), "%s/%s", dir, SPOOL_ACTIVE);
	assert_int_equal(spool_backlog(missing, 0, &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read spool directory"));
	remove_dir(dir);
	free(dir);
}

/* The node's file: written whole under its name, mode 0644, no temporary
 * file left; a failing write leaves the old file. */
static void test_spool_metrics_file(void **state)
{
	static const char rec[] = "slurm-carbon spool 1\nkey=value\n";
	char *dir = temp_dir(), path[600], bad[600], err[512], *got;
	struct stat st;
	char cmd[700];
	FILE *ls;
	int entries = 0;

	(void)state;
	write_file(dir, SPOOL_ACTIVE, rec);
	snprintf(path, sizeof(path), "%s/slurm_carbon_spool.prom", dir);
	assert_int_equal(spool_metrics_write(path, dir, 0, err, sizeof(err)), 0);
	got = read_file(path);
	assert_non_null(strstr(got, "# TYPE slurm_carbon_spool_records gauge\n"));
	assert_non_null(strstr(got, "slurm_carbon_spool_records{dir=\""));
	assert_non_null(strstr(got, "\"} 1\n"));
	assert_non_null(strstr(got, "slurm_carbon_spool_bytes{"));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	/* only spool.log and the metrics file: no temporary file left over */
	snprintf(cmd, sizeof(cmd), "ls -A '%s'", dir);
	ls = popen(cmd, "r");
	assert_non_null(ls);
	while (fgets(cmd, sizeof(cmd), ls))
		entries++;
	pclose(ls);
	assert_int_equal(entries, 2);

	/* a directory that does not exist: an error naming it */
	snprintf(bad, sizeof(bad), "%s/no/such.prom", dir);
	assert_int_equal(spool_metrics_write(bad, dir, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "temporary file"));
	remove_dir(dir);
	free(dir);
}

static void render(FILE *fp, const void *m)
{
	metrics_render(fp, m);
}

/* carbon-report metrics' families, whatever names users gave. */
static void test_metrics_render(void **state)
{
	struct metrics_usage usage[] = {
		{ "hpc1", "", "alice", 2, 5, 1.5, 2.0, 0.8 },
		{ "hpc1", "neu\"clir", "b\\ob\n", 1, 2, 0.5, 0.625, 0.25 },
	};
	struct metrics_cluster clusters[] = {
		{ "hpc1", 42.5 },
		{ "empty", -1 },
	};
	struct metrics_imported imported[] = {
		{ "", "carol", "codecarbon", 3, 0.4, 0.5, 0.1 },
		{ "neuclir", "dave", "estimate", 1, 672, 672, 247.1616 },
	};
	struct metrics m = {
		.database_up = true, .usage = usage, .n_usage = 2,
		.clusters = clusters, .n_clusters = 2, .spool_dir = "/var/spool/slurm-carbon",
		.imported = imported, .n_imported = 2,
		.spool = { .files = 1, .records = 3, .bytes = 900, .records_counted = true },
	};
	struct metrics down = { .database_up = false };
	char *got;

	(void)state;
	got = captured(render, &m);
	assert_non_null(strstr(got, "# TYPE slurm_carbon_co2e_kg_total counter\n"
				    "slurm_carbon_co2e_kg_total{cluster=\"hpc1\",project=\"\",user=\"alice\"} 0.8\n"
				    "slurm_carbon_co2e_kg_total{cluster=\"hpc1\",project=\"neu\\\"clir\",user=\"b\\\\ob\\n\"} 0.25\n"));
	assert_non_null(strstr(got, "slurm_carbon_energy_kwh_total{cluster=\"hpc1\",project=\"\",user=\"alice\"} 2\n"));
	assert_non_null(strstr(got, "slurm_carbon_it_energy_kwh_total{cluster=\"hpc1\",project=\"\",user=\"alice\"} 1.5\n"));
	assert_non_null(strstr(got, "slurm_carbon_jobs_total{cluster=\"hpc1\",project=\"\",user=\"alice\"} 2\n"));
	assert_non_null(strstr(got, "slurm_carbon_records_total{cluster=\"hpc1\"} 7\n"));
	assert_non_null(strstr(got, "slurm_carbon_records_total{cluster=\"empty\"} 0\n"));
	assert_non_null(strstr(got, "slurm_carbon_newest_record_age_seconds{cluster=\"hpc1\"} 42.5\n"));
	assert_null(strstr(got, "slurm_carbon_newest_record_age_seconds{cluster=\"empty\"}"));
	assert_non_null(strstr(got, "slurm_carbon_spool_records{dir=\"/var/spool/slurm-carbon\"} 3\n"));
	assert_non_null(strstr(got, "slurm_carbon_database_up 1\n"));
	/* the imported runs: families of their own, by project, user and method */
	assert_non_null(strstr(got, "# TYPE slurm_carbon_imported_co2e_kg_total counter\n"
				    "slurm_carbon_imported_co2e_kg_total{project=\"\",user=\"carol\",method=\"codecarbon\"} 0.1\n"
				    "slurm_carbon_imported_co2e_kg_total{project=\"neuclir\",user=\"dave\",method=\"estimate\"} 247.1616\n"));
	assert_non_null(strstr(got, "slurm_carbon_imported_energy_kwh_total{project=\"\",user=\"carol\",method=\"codecarbon\"} 0.5\n"));
	assert_non_null(strstr(got, "slurm_carbon_imported_it_energy_kwh_total{project=\"\",user=\"carol\",method=\"codecarbon\"} 0.4\n"));
	assert_non_null(strstr(got, "slurm_carbon_imported_runs_total{project=\"neuclir\",user=\"dave\",method=\"estimate\"} 1\n"));
	free(got);

	/* no imports: the families are there, without samples */
	m.n_imported = 0;
	got = captured(render, &m);
	assert_non_null(strstr(got, "# TYPE slurm_carbon_imported_co2e_kg_total counter\n"
				    "# HELP slurm_carbon_imported_runs_total "));
	assert_null(strstr(got, "slurm_carbon_imported_co2e_kg_total{"));
	m.n_imported = 2;
	free(got);

	/* a spool too large to count its records: no records sample */
	m.spool.records_counted = false;
	got = captured(render, &m);
	assert_null(strstr(got, "slurm_carbon_spool_records"));
	assert_non_null(strstr(got, "slurm_carbon_spool_bytes{dir=\"/var/spool/slurm-carbon\"} 900\n"));
	free(got);

	/* database out of reach: up 0 and nothing of it */
	got = captured(render, &down);
	assert_string_equal(got, "# HELP slurm_carbon_database_up 1 when carbon-report read the figures from the database, 0 when it could not.\n"
				 "# TYPE slurm_carbon_database_up gauge\n"
				 "slurm_carbon_database_up 0\n");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_spool_backlog),
		cmocka_unit_test(test_spool_metrics_file),
		cmocka_unit_test(test_metrics_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

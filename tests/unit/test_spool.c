/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Spool files: round trip, atomic write, and every malformed input located. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>
#include <cmocka.h>

#include "spool.h"

static struct step_record sample(void)
{
	struct step_record r;

	memset(&r, 0, sizeof(r));
	strcpy(r.cluster, "hpc1");
	r.job_id = 4242;
	strcpy(r.step, "batch");
	strcpy(r.node, "n01");
	r.uid = 1001;
	strcpy(r.user, "alice");
	strcpy(r.project, "neuclir");
	strcpy(r.tag, "run3");
	r.start_s = 1795773600.123456;
	r.end_s = 1795777200.654321;
	r.energy_j[DOMAIN_CPU] = 1476000.5;
	r.energy_j[DOMAIN_DRAM] = 108000.25;
	r.samples = 360;
	strcpy(r.method, "rapl");
	return r;
}

static void test_round_trip(void **state)
{
	struct step_record in = sample(), out;
	char text[4096], err[256];
	int len, line;

	(void)state;
	len = spool_format(&in, text, sizeof(text));
	assert_true(len > 0);
	if (spool_parse(text, (size_t)len, &out, &line, err, sizeof(err)) != 0)
		fail_msg("line %d: %s", line, err);
	assert_string_equal(out.cluster, "hpc1");
	assert_int_equal(out.job_id, 4242);
	assert_string_equal(out.step, "batch");
	assert_string_equal(out.node, "n01");
	assert_int_equal(out.uid, 1001);
	assert_string_equal(out.user, "alice");
	assert_string_equal(out.account, "");
	assert_string_equal(out.project, "neuclir");
	assert_string_equal(out.tag, "run3");
	assert_true(out.start_s == 1795773600.123456);
	assert_true(out.end_s == 1795777200.654321);
	assert_true(out.energy_j[DOMAIN_CPU] == 1476000.5);
	assert_true(out.energy_j[DOMAIN_DRAM] == 108000.25);
	assert_int_equal(out.samples, 360);
	assert_string_equal(out.method, "rapl");
	assert_false(out.partial);
}

/* Replace the value of key in a formatted sample (or drop the line). */
static int edited(char *buf, size_t n, const char *key, const char *value)
{
	struct step_record r = sample();
	char text[4096], *p, *eol = NULL;
	size_t klen = strlen(key);

	spool_format(&r, text, sizeof(text));
	for (p = text; *p; p = eol + 1) {
		eol = strchr(p, '\n');
		if (!strncmp(p, key, klen) && p[klen] == '=')
			break;
	}
	assert_true(*p);
	*p = '\0';
	if (value)
		return snprintf(buf, n, "%s%s=%s\n%s", text, key, value, eol + 1);
	return snprintf(buf, n, "%s%s", text, eol + 1);
}

static void test_malformed(void **state)
{
	static const struct {
		const char *key, *value;	/* value NULL: drop the line */
		int line;
		const char *reason;
	} cases[] = {
		{ "job_id", "12x", 3, "job_id" },
		{ "job_id", "-1", 3, "job_id" },
		{ "job_id", "99999999999", 3, "job_id" },
		{ "tag", "x;drop table", 10, "tag" },
		{ "tag", "x\tb", 10, "tag" },
		{ "user", "", 7, "user" },
		{ "user", "a\\b", 7, "user" },
		{ "cpu_j", "-5", 13, "cpu_j" },
		{ "cpu_j", "nan", 13, "cpu_j" },
		{ "cpu_j", "inf", 13, "cpu_j" },
		{ "partial", "yes", 19, "partial" },
		{ "end", "1000", 0, "end is before start" },
		{ "method", NULL, 0, "missing key 'method'" },
	};
	char text[4096], err[256];
	struct step_record r;
	size_t i;
	int len, line;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = edited(text, sizeof(text), cases[i].key, cases[i].value);
		if (spool_parse(text, (size_t)len, &r, &line, err, sizeof(err)) == 0)
			fail_msg("case %zu (%s=%s) accepted", i, cases[i].key,
				 cases[i].value ? cases[i].value : "(dropped)");
		if (line != cases[i].line || !strstr(err, cases[i].reason))
			fail_msg("case %zu: got line %d \"%s\", want line %d \"%s\"", i, line,
				 err, cases[i].line, cases[i].reason);
	}
}

static void test_structure(void **state)
{
	static const struct {
		const char *text;
		int line;
		const char *reason;
	} cases[] = {
		{ "", 0, "empty" },
		{ "hello\n", 1, "not a slurm-carbon spool file" },
		{ "slurm-carbon spool 1\ncluster=a", 2, "ends inside a line" },
		{ "slurm-carbon spool 1\nnonsense\n", 2, "key=value" },
		{ "slurm-carbon spool 1\ncolour=blue\n", 2, "unknown key 'colour'" },
		{ "slurm-carbon spool 1\ncluster=a\ncluster=b\n", 3, "twice" },
	};
	struct step_record r;
	char err[256];
	size_t i;
	int line;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (spool_parse(cases[i].text, strlen(cases[i].text), &r, &line, err,
				sizeof(err)) == 0)
			fail_msg("case %zu accepted", i);
		if (line != cases[i].line || !strstr(err, cases[i].reason))
			fail_msg("case %zu: got line %d \"%s\", want line %d \"%s\"", i, line,
				 err, cases[i].line, cases[i].reason);
	}
}

static void test_write_and_read(void **state)
{
	char dir[] = "/tmp/test_spool.XXXXXX", path[1024], err[1024], cmd[128];
	struct step_record in = sample(), out;
	struct dirent *e;
	DIR *d;
	int files = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(spool_write(dir, &in, path, sizeof(path), err, sizeof(err)), 0);
	assert_non_null(strstr(path, "/4242.batch.n01.hpc1.rec"));
	/* a second write for the same step replaces the file */
	in.partial = true;
	assert_int_equal(spool_write(dir, &in, path, sizeof(path), err, sizeof(err)), 0);
	d = opendir(dir);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			files++;
		else
			assert_true(!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."));
	closedir(d);
	assert_int_equal(files, 1);	/* and no temporary file is left */
	if (geteuid() == 0) {
		assert_int_equal(spool_read_file(path, &out, err, sizeof(err)), 0);
		assert_true(out.partial);
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(spool_read_file(path, &out, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "not owned by root"));
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_dir_check(void **state)
{
	char base[] = "/tmp/test_spool.XXXXXX", dir[256], err[512], cmd[128];

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_non_null(mkdtemp(base));
	snprintf(dir, sizeof(dir), "%s/spool", base);
	assert_int_equal(spool_check_dir(dir, false, err, sizeof(err)), -1);
	assert_int_equal(spool_check_dir(dir, true, err, sizeof(err)), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(spool_check_dir(dir, true, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "chmod 0700"));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_write_and_read),
		cmocka_unit_test(test_dir_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Spool files: round trip, atomic write, and every malformed input located. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include "record_fields.h"
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

/* A record of the measurement engine (migration 003): the job's share, the
 * model's part, notes with spaces, hour buckets across two hours. */
static void test_round_trip_measurement(void **state)
{
	static struct step_record in, out;
	static char text[SPOOL_RECORD_MAX];
	double j[DOMAIN_COUNT] = { 7200.0, 720.0, 3600.0, 0.0 };
	char err[256];
	int len, line;

	(void)state;
	in = sample();
	in.has_job = true;
	in.job_j[DOMAIN_CPU] = 7200.0;
	in.job_j[DOMAIN_DRAM] = 720.0;
	in.job_j[DOMAIN_GPU] = 3600.0;
	in.estimated_j = 720.0;
	in.cpu_time_s = 12.5;
	strcpy(in.split, "cgroup-v1");
	strcpy(in.notes, "nvml: a GPU energy reading failed; MIG: whole GPU");
	/* 1795773600 is 2026-11-27T10:00:00Z: 30 min in hour 10, 30 in 11. */
	record_add_hours(&in, 1795775400.0, 1795779000.0, j);
	assert_int_equal(in.n_hours, 2);
	len = spool_format(&in, text, sizeof(text));
	assert_true(len > 0);
	if (spool_parse(text, (size_t)len, &out, &line, err, sizeof(err)) != 0)
		fail_msg("line %d: %s", line, err);
	assert_true(out.has_job);
	assert_true(out.job_j[DOMAIN_CPU] == 7200.0);
	assert_true(out.job_j[DOMAIN_GPU] == 3600.0);
	assert_true(out.estimated_j == 720.0);
	assert_true(out.cpu_time_s == 12.5);
	assert_string_equal(out.split, "cgroup-v1");
	assert_string_equal(out.notes, in.notes);
	assert_int_equal(out.n_hours, 2);
	assert_int_equal(out.hours[0].hour, 1795773600);
	assert_int_equal(out.hours[1].hour, 1795777200);
	assert_true(out.hours[0].j[DOMAIN_CPU] == 3600.0);
	assert_true(out.hours[1].j[DOMAIN_GPU] == 1800.0);

	/* Hour lines out of order, or not on an hour, are refused. */
	memcpy(strstr(text, "hour=1795777200"), "hour=1795773600", 15);
	assert_int_equal(spool_parse(text, strlen(text), &out, &line, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "after the previous hour"));
	len = spool_format(&in, text, sizeof(text));
	memcpy(strstr(text, "hour=1795777200"), "hour=1795777201", 15);
	assert_int_equal(spool_parse(text, strlen(text), &out, &line, err, sizeof(err)), -1);
}

/* The node's hardware (migration 010): a model name with spaces and
 * brackets, the job's CPUs, the step's GPUs. A record without the keys (an
 * older plugin's) parses as before, with has_hw false. */
static void test_round_trip_hardware(void **state)
{
	static struct step_record in, out;
	static char text[SPOOL_RECORD_MAX];
	char err[256];
	int len, line;

	(void)state;
	in = sample();
	len = spool_format(&in, text, sizeof(text));
	assert_null(strstr(text, "cpu_model="));
	assert_int_equal(spool_parse(text, (size_t)len, &out, &line, err, sizeof(err)), 0);
	assert_false(out.has_hw);
	assert_int_equal(out.gpus, 0);

	in.has_hw = true;
	strcpy(in.cpu_model, "Intel(R) Xeon(R) Platinum 8480+ @ 2.00GHz");
	in.alloc_cpus = 16;
	strcpy(in.gpu_model, "NVIDIA H100 80GB HBM3");
	in.gpus = 2;
	len = spool_format(&in, text, sizeof(text));
	assert_true(len > 0);
	if (spool_parse(text, (size_t)len, &out, &line, err, sizeof(err)) != 0)
		fail_msg("line %d: %s", line, err);
	assert_true(out.has_hw);
	assert_false(out.has_job);
	assert_string_equal(out.cpu_model, in.cpu_model);
	assert_int_equal(out.alloc_cpus, 16);
	assert_string_equal(out.gpu_model, "NVIDIA H100 80GB HBM3");
	assert_int_equal(out.gpus, 2);

	/* Unknown models are empty values; no GPU is 0. */
	in.cpu_model[0] = in.gpu_model[0] = '\0';
	in.gpus = 0;
	len = spool_format(&in, text, sizeof(text));
	assert_int_equal(spool_parse(text, (size_t)len, &out, &line, err, sizeof(err)), 0);
	assert_true(out.has_hw);
	assert_string_equal(out.cpu_model, "");
	assert_string_equal(out.gpu_model, "");
	assert_int_equal(out.gpus, 0);
}

/* How the step's tasks ended (migration 012): a wait status, 0 included,
 * round-trips; a record without the key (an older plugin's, or a step whose
 * tasks' end was not seen) parses with has_exit false; bad values are
 * refused on their line. */
static void test_exit_status(void **state)
{
	static const struct {
		int status;
	} cases[] = { { 0 }, { 3 << 8 }, { 9 }, { 15 }, { (1 << 8) | 0x7f } };
	static const char *const bad[] = { "exit_status=-1\n", "exit_status=65536\n",
					   "exit_status=x\n", "exit_status=\n" };
	static struct step_record in, out;
	static char text[SPOOL_RECORD_MAX];
	char err[256];
	size_t i;
	int len, line;

	(void)state;
	in = sample();
	len = spool_format(&in, text, sizeof(text));
	assert_null(strstr(text, "exit_status="));
	assert_int_equal(spool_parse(text, (size_t)len, &out, &line, err, sizeof(err)), 0);
	assert_false(out.has_exit);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		in.has_exit = true;
		in.exit_status = cases[i].status;
		len = spool_format(&in, text, sizeof(text));
		assert_true(len > 0);
		if (spool_parse(text, (size_t)len, &out, &line, err, sizeof(err)) != 0)
			fail_msg("status %d: line %d: %s", cases[i].status, line, err);
		assert_true(out.has_exit);
		assert_int_equal(out.exit_status, cases[i].status);
	}
	in.has_exit = false;
	len = spool_format(&in, text, sizeof(text));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char edited_text[4200];
		int n = snprintf(edited_text, sizeof(edited_text), "%.*s%s", len, text, bad[i]);

		if (spool_parse(edited_text, (size_t)n, &out, &line, err, sizeof(err)) == 0)
			fail_msg("bad case %zu accepted", i);
		if (!strstr(err, "exit_status"))
			fail_msg("bad case %zu: \"%s\" does not name exit_status", i, err);
	}
}

/* The hardware keys: bad values located, and the four come together. */
static void test_malformed_hardware(void **state)
{
	static const struct {
		const char *text;
		int line;
		const char *reason;
	} cases[] = {
		{ "alloc_cpus=many\n", 20, "alloc_cpus" },
		{ "gpus=-1\n", 20, "gpus" },
		{ "cpu_model=a\\b\n", 20, "cpu_model" },
		{ "gpu_model=a\tb\n", 20, "gpu_model" },
		{ "cpu_model=x\nalloc_cpus=4\ngpu_model=\n", 0, "come together" },
	};
	struct step_record r = sample();
	char base[4096], text[4200], err[256];
	size_t i;
	int len, line;

	(void)state;
	len = spool_format(&r, base, sizeof(base));
	assert_true(len > 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = snprintf(text, sizeof(text), "%s%s", base, cases[i].text);
		if (spool_parse(text, (size_t)len, &r, &line, err, sizeof(err)) == 0)
			fail_msg("case %zu accepted", i);
		if (line != cases[i].line || !strstr(err, cases[i].reason))
			fail_msg("case %zu: got line %d \"%s\", want line %d \"%s\"", i, line,
				 err, cases[i].line, cases[i].reason);
	}
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

/* A record in which every field is set: the measurement engine's keys,
 * the hardware, the exit status, hour buckets. */
static struct step_record full_sample(void)
{
	struct step_record r = sample();
	double j[DOMAIN_COUNT] = { 7200.0, 720.0, 3600.0, 12.5 };

	strcpy(r.account, "physics");
	r.energy_j[DOMAIN_GPU] = 3600.125;
	r.energy_j[DOMAIN_OTHER] = 1.5;
	r.partial = true;
	r.has_job = true;
	r.job_j[DOMAIN_CPU] = 7200.0;
	r.job_j[DOMAIN_DRAM] = 720.0;
	r.job_j[DOMAIN_GPU] = 3600.0;
	r.job_j[DOMAIN_OTHER] = 12.5;
	r.estimated_j = 720.5;
	r.cpu_time_s = 12.25;
	strcpy(r.split, "cgroup-v2");
	strcpy(r.notes, "MIG: the whole GPU is measured; checkpoint failed");
	r.has_hw = true;
	strcpy(r.cpu_model, "AMD EPYC 9654 96-Core Processor");
	r.alloc_cpus = 96;
	strcpy(r.gpu_model, "NVIDIA H200");
	r.gpus = 4;
	r.has_exit = true;
	r.exit_status = 3 << 8;
	record_add_hours(&r, 1795775400.0, 1795779000.0, j);
	return r;
}

/* Format, then parse: every field comes back as it was (numbers to the
 * microjoule and microsecond the text holds, exactly for these). */
static void test_round_trip_exact(void **state)
{
	static struct step_record in, out;
	static char text[SPOOL_RECORD_MAX], again[SPOOL_RECORD_MAX];
	char err[256];
	int len, len2, line, d;
	uint32_t h;

	(void)state;
	in = full_sample();
	assert_null(spool_format_error(&in, err, sizeof(err)));
	len = spool_format(&in, text, sizeof(text));
	assert_true(len > 0);
	if (spool_parse(text, (size_t)len, &out, &line, err, sizeof(err)) != 0)
		fail_msg("line %d: %s", line, err);
	assert_string_equal(out.cluster, in.cluster);
	assert_int_equal(out.job_id, in.job_id);
	assert_string_equal(out.step, in.step);
	assert_string_equal(out.node, in.node);
	assert_int_equal(out.uid, in.uid);
	assert_string_equal(out.user, in.user);
	assert_string_equal(out.account, in.account);
	assert_string_equal(out.project, in.project);
	assert_string_equal(out.tag, in.tag);
	assert_true(out.start_s == in.start_s && out.end_s == in.end_s);
	for (d = 0; d < DOMAIN_COUNT; d++) {
		assert_true(out.energy_j[d] == in.energy_j[d]);
		assert_true(out.job_j[d] == in.job_j[d]);
	}
	assert_int_equal(out.samples, in.samples);
	assert_string_equal(out.method, in.method);
	assert_int_equal(out.partial, in.partial);
	assert_true(out.has_job && out.has_hw && out.has_exit);
	assert_true(out.estimated_j == in.estimated_j && out.cpu_time_s == in.cpu_time_s);
	assert_string_equal(out.split, in.split);
	assert_string_equal(out.notes, in.notes);
	assert_string_equal(out.cpu_model, in.cpu_model);
	assert_int_equal(out.alloc_cpus, in.alloc_cpus);
	assert_string_equal(out.gpu_model, in.gpu_model);
	assert_int_equal(out.gpus, in.gpus);
	assert_int_equal(out.exit_status, in.exit_status);
	assert_int_equal(out.n_hours, in.n_hours);
	for (h = 0; h < in.n_hours; h++) {
		assert_int_equal(out.hours[h].hour, in.hours[h].hour);
		for (d = 0; d < DOMAIN_COUNT; d++)
			assert_true(out.hours[h].j[d] == in.hours[h].j[d]);
	}
	/* And the text of what came back is the text that went in. */
	len2 = spool_format(&out, again, sizeof(again));
	assert_int_equal(len2, len);
	assert_memory_equal(again, text, (size_t)len);
}

/* The text on disk, byte for byte, as every plugin since the format's
 * version 1 wrote it: the required keys, then the hardware (migration
 * 010), the exit status (012) and the job's share with its hour lines (003)
 * last. Each text parses back to a record that is written as the same
 * text: spool files of older plugins (which lack the later groups) replay. */
#define TEXT_REQUIRED(account, gpu_j, other_j, partial) \
	"slurm-carbon spool 1\n" \
	"cluster=hpc1\n" \
	"job_id=4242\n" \
	"step=batch\n" \
	"node=n01\n" \
	"uid=1001\n" \
	"user=alice\n" \
	"account=" account "\n" \
	"project=neuclir\n" \
	"tag=run3\n" \
	"start=1795773600.123456\n" \
	"end=1795777200.654321\n" \
	"cpu_j=1476000.500000\n" \
	"dram_j=108000.250000\n" \
	"gpu_j=" gpu_j "\n" \
	"other_j=" other_j "\n" \
	"samples=360\n" \
	"method=rapl\n" \
	"partial=" partial "\n"
#define TEXT_HW \
	"cpu_model=AMD EPYC 9654 96-Core Processor\n" \
	"alloc_cpus=96\n" \
	"gpu_model=NVIDIA H200\n" \
	"gpus=4\n"
#define TEXT_EXIT "exit_status=768\n"
#define TEXT_JOB(split) \
	"job_cpu_j=7200.000000\n" \
	"job_dram_j=720.000000\n" \
	"job_gpu_j=3600.000000\n" \
	"job_other_j=12.500000\n" \
	"estimated_j=720.500000\n" \
	"cpu_time_s=12.250000\n" \
	"split=" split "\n" \
	"notes=MIG: the whole GPU is measured; checkpoint failed\n" \
	"hour=1795773600 3600.000000 360.000000 1800.000000 6.250000\n" \
	"hour=1795777200 3600.000000 360.000000 1800.000000 6.250000\n"

static void test_format_on_disk(void **state)
{
	enum { SAMPLE, FULL, FULL_NO_SPLIT, NO_JOB, JOB_ONLY, HW_ONLY };
	static const struct {
		int record;
		const char *text;
	} cases[] = {
		{ SAMPLE, TEXT_REQUIRED("", "0.000000", "0.000000", "0") },
		{ FULL, TEXT_REQUIRED("physics", "3600.125000", "1.500000", "1") TEXT_HW TEXT_EXIT
			TEXT_JOB("cgroup-v2") },
		{ FULL_NO_SPLIT, TEXT_REQUIRED("physics", "3600.125000", "1.500000", "1") TEXT_HW
			TEXT_EXIT TEXT_JOB("none") },
		{ NO_JOB, TEXT_REQUIRED("physics", "3600.125000", "1.500000", "1") TEXT_HW
			TEXT_EXIT },
		/* a plugin of migration 003 */
		{ JOB_ONLY, TEXT_REQUIRED("physics", "3600.125000", "1.500000", "1")
			TEXT_JOB("cgroup-v2") },
		/* a plugin of migration 010 whose step's end was not seen */
		{ HW_ONLY, TEXT_REQUIRED("physics", "3600.125000", "1.500000", "1") TEXT_HW },
	};
	static struct step_record r, back;
	static char text[SPOOL_RECORD_MAX];
	char err[256];
	size_t i;
	int len, line;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = cases[i].record == SAMPLE ? sample() : full_sample();
		if (cases[i].record == FULL_NO_SPLIT)
			r.split[0] = '\0';	/* written as "none" */
		if (cases[i].record == NO_JOB || cases[i].record == HW_ONLY)
			r.has_job = false;
		if (cases[i].record == JOB_ONLY)
			r.has_hw = false;
		if (cases[i].record == JOB_ONLY || cases[i].record == HW_ONLY)
			r.has_exit = false;
		len = spool_format(&r, text, sizeof(text));
		assert_true(len > 0);
		if ((size_t)len != strlen(cases[i].text) || memcmp(text, cases[i].text, (size_t)len))
			fail_msg("case %zu written as:\n%.*s", i, len, text);
		/* The text of an older plugin reads back as the same record. */
		if (spool_parse(cases[i].text, strlen(cases[i].text), &back, &line, err,
				sizeof(err)) != 0)
			fail_msg("case %zu: line %d: %s", i, line, err);
		assert_int_equal(back.has_job, r.has_job);
		assert_int_equal(back.has_hw, r.has_hw);
		assert_int_equal(back.has_exit, r.has_exit);
		len = spool_format(&back, text, sizeof(text));
		assert_int_equal((size_t)len, strlen(cases[i].text));
		assert_memory_equal(text, cases[i].text, (size_t)len);
	}
}

/* The spool's keys are the table's (lib/record_fields.c): a record with
 * every group holds each field's key once (hour once a bucket) and nothing
 * else; without a required key a record is refused, without one key of a
 * group too (a group's keys come together), without its hour lines it is a
 * record without buckets. */
static void test_keys_of_table(void **state)
{
	static struct step_record in, out;
	static char text[SPOOL_RECORD_MAX], cut[SPOOL_RECORD_MAX];
	char err[256], key[80];
	size_t i, lines = 1;
	int len, line, n;
	const char *p;

	(void)state;
	in = full_sample();
	len = spool_format(&in, text, sizeof(text));
	assert_true(len > 0);
	for (i = 0; i < record_field_count; i++) {
		const struct record_field *f = &record_fields[i];
		size_t want = f->type == RF_HOURS ? in.n_hours : 1, seen = 0, klen;

		if ((f->flags & RF_OPTIONAL) && record_field_is_null(&in, f))
			want = 0;	/* left out */
		char *o = cut;

		snprintf(key, sizeof(key), "\n%s=", f->key);
		klen = strlen(key);
		for (p = text; (p = strstr(p, key)); p += klen)
			seen++;
		if (seen != want)
			fail_msg("key %s: %zu lines, want %zu", f->key, seen, want);
		lines += want;

		/* The text without the key's lines. */
		for (p = text; *p;) {
			const char *eol = strchr(p, '\n') + 1;

			if (strncmp(p, key + 1, klen - 1)) {
				memcpy(o, p, (size_t)(eol - p));
				o += eol - p;
			}
			p = eol;
		}
		n = spool_parse(cut, (size_t)(o - cut), &out, &line, err, sizeof(err));
		if (f->type == RF_HOURS) {
			if (n != 0 || out.n_hours != 0)
				fail_msg("without hour lines: %s", n ? err : "buckets left");
		} else if (record_field_required(f)) {
			snprintf(key, sizeof(key), "missing key '%s'", f->key);
			if (n == 0 || strcmp(err, key))
				fail_msg("without %s: \"%s\"", f->key, n ? err : "accepted");
		} else if (!(f->flags & RF_OPTIONAL)) {
			/* refused, or (the group's only key) a record without the group */
			if (n == 0 ? *record_group_flag(&out, f->group) :
				     !strstr(err, "come together") || !strstr(err, f->key))
				fail_msg("without %s: \"%s\"", f->key, n ? err : "accepted");
		}
	}
	for (p = text, n = 0; (p = strchr(p, '\n')); p++)
		n++;
	assert_int_equal((size_t)n, lines);
}

/* What spool_format() refuses: any value it could not write back as it
 * is. A newline in the account would otherwise end the line and begin a
 * record of the user's making, for a job that is not theirs. */
static void test_format_refuses(void **state)
{
	enum field { ACCOUNT, CLUSTER, NODE, USER, STEP, METHOD, PROJECT, TAG, NOTES,
		     CPU_MODEL, GPU_MODEL, SPLIT, CPU_J, JOB_GPU_J, START, END, EXIT, HOUR,
		     HOUR_J };
	static const struct {
		enum field field;
		const char *text;	/* text fields */
		double number;		/* numeric ones */
		const char *reason;
	} cases[] = {
		{ ACCOUNT, "acct\nslurm-carbon spool 1\ncluster=hpc1\njob_id=999999\nstep=batch\nnode=n01\nuid=0\nuser=root\naccount=x",
		  0, "account" },
		{ ACCOUNT, "acct\n", 0, "account" },
		{ ACCOUNT, "a\rb", 0, "account" },
		{ ACCOUNT, "a\\nb", 0, "account" },
		{ ACCOUNT, "two words", 0, "account" },
		{ ACCOUNT, "\x1b[31mred", 0, "account" },
		{ ACCOUNT, "caf\xc3\xa9", 0, "account" },
		{ CLUSTER, "", 0, "cluster" },
		{ CLUSTER, "hpc1\njob_id=1", 0, "cluster" },
		{ NODE, "n01\n", 0, "node" },
		{ NODE, "", 0, "node" },
		{ USER, "al\tice", 0, "user" },
		{ STEP, "0\n", 0, "step" },
		{ METHOD, "rapl\n", 0, "method" },
		{ PROJECT, "x;drop", 0, "project" },
		{ TAG, "run\n3", 0, "tag" },
		{ NOTES, "fine\nslurm-carbon spool 1", 0, "notes" },
		{ NOTES, "back\\slash", 0, "notes" },
		{ CPU_MODEL, "Xeon\n", 0, "cpu_model" },
		{ GPU_MODEL, "H100\x7f", 0, "gpu_model" },
		{ SPLIT, "proc\n", 0, "split" },
		{ CPU_J, NULL, -1.0, "cpu_j is not a number of joules" },
		{ CPU_J, NULL, NAN, "cpu_j" },
		{ CPU_J, NULL, INFINITY, "cpu_j" },
		{ JOB_GPU_J, NULL, -0.0, "job_gpu_j" },
		{ START, NULL, -1.0, "start" },
		{ END, NULL, 1e12, "end" },
		{ END, NULL, 1000.0, "end is before start" },
		{ EXIT, NULL, 70000, "exit_status" },
		{ HOUR, NULL, 1795773601, "hour" },
		/* Numbers the parser takes, on a line longer than it reads. */
		{ HOUR_J, NULL, 1e200, "too large" },
	};
	static struct step_record r;
	static char text[SPOOL_RECORD_MAX];
	char dir[] = "/tmp/test_spool_refuse.XXXXXX", path[256], err[256], reason[256];
	size_t i;
	int d;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why;
		char *t = NULL;
		size_t cap = 0;

		r = full_sample();
		switch (cases[i].field) {
		case ACCOUNT: t = r.account; cap = sizeof(r.account); break;
		case CLUSTER: t = r.cluster; cap = sizeof(r.cluster); break;
		case NODE: t = r.node; cap = sizeof(r.node); break;
		case USER: t = r.user; cap = sizeof(r.user); break;
		case STEP: t = r.step; cap = sizeof(r.step); break;
		case METHOD: t = r.method; cap = sizeof(r.method); break;
		case PROJECT: t = r.project; cap = sizeof(r.project); break;
		case TAG: t = r.tag; cap = sizeof(r.tag); break;
		case NOTES: t = r.notes; cap = sizeof(r.notes); break;
		case CPU_MODEL: t = r.cpu_model; cap = sizeof(r.cpu_model); break;
		case GPU_MODEL: t = r.gpu_model; cap = sizeof(r.gpu_model); break;
		case SPLIT: t = r.split; cap = sizeof(r.split); break;
		case CPU_J: r.energy_j[DOMAIN_CPU] = cases[i].number; break;
		case JOB_GPU_J: r.job_j[DOMAIN_GPU] = cases[i].number; break;
		case START: r.start_s = cases[i].number; break;
		case END: r.end_s = cases[i].number; break;
		case EXIT: r.exit_status = (int)cases[i].number; break;
		case HOUR: r.hours[0].hour = (int64_t)cases[i].number; break;
		case HOUR_J:
			for (d = 0; d < DOMAIN_COUNT; d++)
				r.hours[0].j[d] = cases[i].number;
			break;
		}
		if (t) {
			assert_true(strlen(cases[i].text) < cap);
			strcpy(t, cases[i].text);
		}
		if (spool_format(&r, text, sizeof(text)) != -1)
			fail_msg("case %zu written:\n%s", i, text);
		why = spool_format_error(&r, reason, sizeof(reason));
		if (!why || !strstr(why, cases[i].reason)) {
			/* A number too large is found while writing. */
			if (why || strcmp(cases[i].reason, "too large"))
				fail_msg("case %zu: reason \"%s\", want \"%s\"", i,
					 why ? why : "(none)", cases[i].reason);
		}
		/* The spool's writers refuse it as well, saying why. */
		if (spool_append(dir, &r, path, sizeof(path), err, sizeof(err)) != -1)
			fail_msg("case %zu appended to %s", i, path);
		if (!strstr(err, "refused") || !strstr(err, cases[i].reason))
			fail_msg("case %zu: append said \"%s\"", i, err);
		/* The value never reaches the message. */
		if (t && cases[i].text[0] && strstr(err, cases[i].text))
			fail_msg("case %zu: the message quotes the value", i);
		if (spool_checkpoint(dir, &r, err, sizeof(err)) != -1)
			fail_msg("case %zu checkpointed", i);
	}
	/* Nothing was written. */
	snprintf(path, sizeof(path), "%s/" SPOOL_ACTIVE, dir);
	{
		struct stat st;

		assert_true(stat(path, &st) != 0 || st.st_size == 0);
	}
	unlink(path);
	rmdir(dir);
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

/* What spool_parse_file_text saw, record by record. */
struct seen {
	int n, lines[8], rcs[8], bad_lines[8];
	uint32_t jobs[8];
};

static void collect(const char *text, size_t len, int line, const struct step_record *r,
		    int rc, int bad_line, const char *why, void *arg)
{
	struct seen *s = arg;

	(void)text;
	(void)len;
	(void)why;
	if (s->n < 8) {
		s->lines[s->n] = line;
		s->rcs[s->n] = rc;
		s->bad_lines[s->n] = rc < 0 ? line + bad_line - 1 : 0;
		s->jobs[s->n] = rc == 0 ? r->job_id : 0;
	}
	s->n++;
}

static void test_file_of_records(void **state)
{
	struct step_record r = sample();
	char text[16384], one[4096], bad[4096];
	struct seen seen = { 0 };
	size_t len = 0;
	int n;

	(void)state;
	n = spool_format(&r, one, sizeof(one));	/* 19 lines */
	memcpy(text, one, (size_t)n);
	len += (size_t)n;
	edited(bad, sizeof(bad), "cpu_j", "lots");	/* lines 20-38, bad at 32 */
	memcpy(text + len, bad, strlen(bad));
	len += strlen(bad);
	r.job_id = 7;
	n = spool_format(&r, one, sizeof(one));	/* lines 39-57 */
	memcpy(text + len, one, (size_t)n);
	len += (size_t)n;
	assert_int_equal(spool_parse_file_text(text, len, collect, &seen), 3);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.lines[0], 1);
	assert_int_equal(seen.rcs[0], 0);
	assert_int_equal(seen.jobs[0], 4242);
	assert_int_equal(seen.lines[1], 20);
	assert_int_equal(seen.rcs[1], -1);
	assert_int_equal(seen.bad_lines[1], 32);
	assert_int_equal(seen.lines[2], 39);
	assert_int_equal(seen.jobs[2], 7);

	/* a record cut short by a crash at the end of the file */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(spool_parse_file_text(text, len - 10, collect, &seen), 3);
	assert_int_equal(seen.rcs[2], -1);
	/* garbage before the first record is one bad record, the rest survive */
	memset(&seen, 0, sizeof(seen));
	memmove(text + 6, text, len);
	memcpy(text, "junk\n\n", 6);
	assert_int_equal(spool_parse_file_text(text, len + 6, collect, &seen), 4);
	assert_int_equal(seen.rcs[0], -1);
	assert_int_equal(seen.jobs[1], 4242);
	assert_int_equal(seen.lines[1], 3);
}

static void test_append(void **state)
{
	char dir[] = "/tmp/test_spool.XXXXXX", path[1024], err[1024], cmd[128];
	char text[16384];
	struct step_record in = sample();
	struct seen seen = { 0 };
	ssize_t len;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(spool_append(dir, &in, path, sizeof(path), err, sizeof(err)), 0);
	assert_non_null(strstr(path, "/" SPOOL_ACTIVE));
	in.job_id = 4243;
	in.partial = true;
	assert_int_equal(spool_append(dir, &in, path, sizeof(path), err, sizeof(err)), 0);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	len = read(fd, text, sizeof(text));
	close(fd);
	assert_int_equal(spool_parse_file_text(text, (size_t)len, collect, &seen), 2);
	assert_int_equal(seen.jobs[0], 4242);
	assert_int_equal(seen.jobs[1], 4243);
	assert_int_equal(seen.lines[1], 20);
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
		cmocka_unit_test(test_round_trip_measurement),
		cmocka_unit_test(test_round_trip_hardware),
		cmocka_unit_test(test_malformed_hardware),
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_round_trip_exact),
		cmocka_unit_test(test_format_on_disk),
		cmocka_unit_test(test_keys_of_table),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_file_of_records),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_dir_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

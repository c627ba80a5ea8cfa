/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of report/codecarbon_csv.c: CodeCarbon's own files, our writer's
 * files read back, and every kind of bad file rejected whole at its line. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codecarbon.h"
#include "codecarbon_csv.h"
#include "energy.h"

/* A CodeCarbon 2.x header and row, as its CSV output writes them. */
#define CC2_HEADER "timestamp,project_name,run_id,duration,emissions,emissions_rate," \
	"cpu_power,gpu_power,ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed," \
	"country_name,country_iso_code,region,cloud_provider,cloud_region,os," \
	"python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model," \
	"longitude,latitude,ram_total_size,tracking_mode,on_cloud,pue\n"
#define CC2_ROW "2024-03-05T14:07:31,my-model,5b0fa12a-3dd7-45bb-9766-cc326314d9f1," \
	"120.5,0.0012,1e-05,42.5,0.0,11.7,0.0014,0,0.0004,0.0018," \
	"France,FRA,Île-de-France,,,Linux-6.1,3.11.4,2.3.4,16,\"AMD EPYC 7513, 32-Core\",0,," \
	"2.35,48.85,31.2,machine,N,1.0\n"

static int parse_text(const char *text, struct cc_file *f, unsigned *line, char *err,
		      size_t errlen)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	int rc;

	assert_non_null(fp);
	rc = cc_csv_parse(fp, f, line, err, errlen);
	fclose(fp);
	return rc;
}

static void codecarbon_file(void **state)
{
	struct cc_file f;
	char err[256];
	unsigned line = 0;
	const struct cc_run *r;

	(void)state;
	assert_int_equal(parse_text(CC2_HEADER CC2_ROW, &f, &line, err, sizeof(err)), 0);
	assert_int_equal(f.n_runs, 1);
	r = &f.runs[0];
	assert_int_equal(r->line, 2);
	assert_true(r->timestamp == 1709647651.0);	/* 2024-03-05T14:07:31Z */
	assert_string_equal(r->project_name, "my-model");
	assert_string_equal(r->run_id, "5b0fa12a-3dd7-45bb-9766-cc326314d9f1");
	assert_string_equal(r->experiment_id, "");	/* no such column in 2.x */
	assert_true(r->duration_s == 120.5);
	assert_true(r->emissions_kg == 0.0012);
	assert_true(r->cpu_kwh == 0.0014 && r->gpu_kwh == 0.0 && r->ram_kwh == 0.0004);
	assert_true(r->energy_kwh == 0.0018);
	assert_true(r->pue == 1.0);
	assert_string_equal(r->country_iso_code, "FRA");
	assert_string_equal(r->region, "Île-de-France");
	cc_file_free(&f);
}

/* Columns in another order, extra ones, a byte-order mark, CRLF, blank
 * lines, empty optional cells, offsets and fractions. */
static void any_order(void **state)
{
	static const char text[] =
		"\xef\xbb\xbf" "energy_consumed,extra,emissions,duration,timestamp,cpu_energy\r\n"
		"\r\n"
		"2.5,x,0.5,3600,2026-11-27T11:00:00+01:00,\r\n"
		"1,,0.25,60,2026-11-27 10:00:00.25Z,0.5\r\n";
	struct cc_file f;
	char err[256];
	unsigned line = 0;

	(void)state;
	assert_int_equal(parse_text(text, &f, &line, err, sizeof(err)), 0);
	assert_int_equal(f.n_runs, 2);
	assert_int_equal(f.runs[0].line, 3);
	assert_true(f.runs[0].timestamp == 1795773600.0);	/* 2026-11-27T10:00:00Z */
	assert_true(f.runs[0].energy_kwh == 2.5 && f.runs[0].emissions_kg == 0.5);
	assert_true(isnan(f.runs[0].cpu_kwh) && isnan(f.runs[0].pue));
	assert_true(f.runs[1].timestamp == 1795773600.25);
	assert_true(f.runs[1].cpu_kwh == 0.5);
	assert_int_equal(f.runs[1].line, 4);
	cc_file_free(&f);
}

/* What report/codecarbon.c writes reads back to the same numbers. */
static void round_trip(void **state)
{
	struct cc_row w;
	struct cc_file f;
	char err[256], *buf = NULL;
	size_t len = 0;
	unsigned line = 0;
	FILE *fp = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(fp);
	cc_row_init(&w);
	w.timestamp = 1795777200.0;
	w.project_name = "neuclir, \"v2\"";	/* quoted on the way out */
	w.run_id = "hpc1:4242";
	w.experiment_id = "run3";
	w.duration = 7261.5;
	w.emissions = 0.123456789012;
	w.cpu_energy = 0.4123456789;
	w.gpu_energy = 1.2;
	w.ram_energy = 0.03;
	w.energy_consumed = 2.0512345678;
	w.pue = 1.25;
	w.country_iso_code = "DE";
	w.tracking_mode = "machine";
	assert_int_equal(cc_write_header(fp), 0);
	assert_int_equal(cc_write_row(fp, &w), 0);
	fclose(fp);
	assert_int_equal(parse_text(buf, &f, &line, err, sizeof(err)), 0);
	assert_int_equal(f.n_runs, 1);
	assert_true(f.runs[0].timestamp == w.timestamp);
	assert_string_equal(f.runs[0].project_name, w.project_name);
	assert_string_equal(f.runs[0].run_id, "hpc1:4242");
	assert_string_equal(f.runs[0].experiment_id, "run3");
	assert_true(fabs(f.runs[0].emissions_kg / w.emissions - 1) < 1e-9);
	assert_true(fabs(f.runs[0].cpu_kwh / w.cpu_energy - 1) < 1e-9);
	assert_true(fabs(f.runs[0].energy_kwh / w.energy_consumed - 1) < 1e-9);
	assert_true(f.runs[0].duration_s == w.duration && f.runs[0].pue == 1.25);
	assert_string_equal(f.runs[0].country_iso_code, "DE");
	assert_string_equal(f.runs[0].region, "");
	cc_file_free(&f);
	free(buf);
}

/* Numbers as CodeCarbon writes them (Python's repr of a float: exponents
 * below 1e-4, "3.0") and as printf's %g does, each read whole. */
static void number_forms(void **state)
{
	static const struct {
		const char *cell;
		double value;
	} cases[] = {
		{ "1.2e-05", 1.2e-05 },
		{ "1.2E-05", 1.2e-05 },
		{ "5.551115123125783e-17", 5.551115123125783e-17 },
		{ "0.00011666166805720846", 0.00011666166805720846 },
		{ "3.0", 3.0 },
		{ "3", 3.0 },
		{ "1e+20", 1e+20 },
		{ ".5", 0.5 },
		{ "0", 0.0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256], err[256];
		struct cc_file f;
		unsigned line = 0;

		snprintf(text, sizeof(text),
			 "timestamp,duration,emissions,energy_consumed,cpu_energy,pue\n"
			 "2026-01-01T00:00:00,%s,%s,%s,%s,1.5\n",
			 cases[i].cell, cases[i].cell, cases[i].cell, cases[i].cell);
		print_message("case %zu: %s\n", i, cases[i].cell);
		assert_int_equal(parse_text(text, &f, &line, err, sizeof(err)), 0);
		assert_true(f.runs[0].duration_s == cases[i].value);
		assert_true(f.runs[0].emissions_kg == cases[i].value);
		assert_true(f.runs[0].energy_kwh == cases[i].value);
		assert_true(f.runs[0].cpu_kwh == cases[i].value);
		cc_file_free(&f);
	}
}

/* CodeCarbon's PUE both ways: a row with pue 1.5 (components and
 * energy_consumed with the PUE in, as CodeCarbon writes them) read as IT
 * energy (cc_run_it_kwh), written back from that IT energy
 * (cc_row_set_energy), reads back to the file's own numbers. */
static void pue_round_trip(void **state)
{
	static const char text[] =
		"timestamp,duration,emissions,cpu_energy,gpu_energy,ram_energy,energy_consumed,pue\n"
		"2026-01-01T00:00:00,3600.0,0.0123,0.0006,0.0012,1.2e-05,0.001812,1.5\n";
	struct cc_file in, back;
	struct cc_row w;
	double it[DOMAIN_COUNT] = { 0 };
	char err[256], *buf = NULL;
	size_t len = 0;
	unsigned line = 0;
	const struct cc_run *r;
	FILE *fp;

	(void)state;
	assert_int_equal(parse_text(text, &in, &line, err, sizeof(err)), 0);
	r = &in.runs[0];
	it[DOMAIN_CPU] = cc_run_it_kwh(r, r->cpu_kwh);
	it[DOMAIN_GPU] = cc_run_it_kwh(r, r->gpu_kwh);
	it[DOMAIN_DRAM] = cc_run_it_kwh(r, r->ram_kwh);
	assert_true(fabs(it[DOMAIN_CPU] - 0.0004) < 1e-15);	/* 0.0006 / 1.5 */
	assert_true(fabs(it[DOMAIN_DRAM] - 8e-06) < 1e-15);

	cc_row_init(&w);
	w.timestamp = r->timestamp;
	w.duration = r->duration_s;
	w.emissions = r->emissions_kg;
	cc_row_set_energy(&w, it, r->energy_kwh, r->pue);
	assert_true(fabs(w.cpu_power - 0.4) < 1e-12);	/* IT power: 0.4 Wh in an hour */
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_int_equal(cc_write_header(fp), 0);
	assert_int_equal(cc_write_row(fp, &w), 0);
	fclose(fp);
	print_message("%s", buf);
	assert_int_equal(parse_text(buf, &back, &line, err, sizeof(err)), 0);
	assert_true(back.runs[0].cpu_kwh == r->cpu_kwh);
	assert_true(back.runs[0].gpu_kwh == r->gpu_kwh);
	assert_true(back.runs[0].ram_kwh == r->ram_kwh);
	assert_true(back.runs[0].energy_kwh == r->energy_kwh);
	assert_true(back.runs[0].pue == 1.5);
	assert_true(back.runs[0].emissions_kg == r->emissions_kg);
	/* Without a pue, the components are IT energy as they stand. */
	in.runs[0].pue = NAN;
	assert_true(cc_run_it_kwh(&in.runs[0], 0.0006) == 0.0006);
	cc_file_free(&back);
	cc_file_free(&in);
	free(buf);
}

#define H "timestamp,duration,emissions,energy_consumed,pue,run_id\n"
#define OK_ROW "2026-01-01T00:00:00,60,0.1,0.2,1.2,a\n"

/* Bad files: each is refused whole, at the line and for the reason given. */
static void bad_files(void **state)
{
	static const struct {
		const char *text;
		unsigned line;
		const char *reason;	/* a part of the message */
	} cases[] = {
		{ "", 1, "empty" },
		{ "\n\n", 1, "empty" },
		{ H, 1, "no rows" },
		{ "timestamp,duration,emissions\n" OK_ROW, 1, "no 'energy_consumed' column" },
		{ "timestamp,duration,emissions,energy_consumed,duration\n", 1, "appears twice" },
		{ H OK_ROW "2026-01-01T00:00:00,60,0.1,0.2,1.2\n", 3, "5 fields where the header has 6" },
		{ H OK_ROW "2026-01-01T00:00:00,60,0.1,0.2,1.2,a,b\n", 3, "7 fields" },
		{ H "2026-13-01T00:00:00,60,0.1,0.2,1.2,a\n", 2, "timestamp '2026-13-01" },
		{ H "2026-02-29T00:00:00,60,0.1,0.2,1.2,a\n", 2, "timestamp" },
		{ H "2026-01-01,60,0.1,0.2,1.2,a\n", 2, "timestamp" },
		{ H "2026-01-01T00:00:00+1,60,0.1,0.2,1.2,a\n", 2, "timestamp" },
		{ H "2026-01-01T00:00:00,,0.1,0.2,1.2,a\n", 2, "duration is empty" },
		{ H "2026-01-01T00:00:00,-1,0.1,0.2,1.2,a\n", 2, "duration -1 is below 0" },
		{ H OK_ROW "2026-01-01T00:00:00,60,x,0.2,1.2,a\n", 3, "emissions 'x' is not a number" },
		{ H "2026-01-01T00:00:00,60,nan,0.2,1.2,a\n", 2, "not a number" },
		{ H "2026-01-01T00:00:00,60,0.1,inf,1.2,a\n", 2, "energy_consumed 'inf'" },
		{ H "2026-01-01T00:00:00,60,0.1,0.2,0,a\n", 2, "pue 0 is not above 0" },
		{ H "2026-01-01T00:00:00,60,1.2e-05x,0.2,1.5,a\n", 2, "emissions '1.2e-05x' is not a number" },
		{ H "2026-01-01T00:00:00,60,0.1,1,5,1.5,a\n", 2, "7 fields" },
		{ H "2026-01-01T00:00:00,60,0.1,0.2,1.2,\"a\n", 2, "not closed" },
		{ H "2026-01-01T00:00:00,60,0.1,0.2,1.2,\"a\"b\n", 2, "after the closing quote" },
		{ H OK_ROW OK_ROW "2026-01-01T00:00:00,60,0.1,0.2,1.2,"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		  4, "run_id is longer than 127 bytes" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cc_file f = { 0 };
		char err[256];
		unsigned line = 0;

		print_message("case %zu: expect line %u, '%s'\n", i, cases[i].line, cases[i].reason);
		assert_int_equal(parse_text(cases[i].text, &f, &line, err, sizeof(err)), -1);
		print_message("  got line %u: %s\n", line, err);
		assert_int_equal(line, cases[i].line);
		assert_non_null(strstr(err, cases[i].reason));
		assert_null(f.runs);
		assert_int_equal(f.n_runs, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codecarbon_file),
		cmocka_unit_test(any_order),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(number_forms),
		cmocka_unit_test(pue_round_trip),
		cmocka_unit_test(bad_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of report/intensity_csv.c: both formats, the interval rule, and
 * every kind of bad file rejected whole at the right line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "intensity_csv.h"

#define T0 1704067200	/* 2024-01-01T00:00:00Z */
#define H 3600
#define D 86400

/* The header of Electricity Maps' hourly exports, with "CO₂" in UTF-8. */
#define EM_HEADER "Datetime (UTC),Country,Zone Name,Zone Id," \
	"Carbon Intensity gCO\xe2\x82\x82" "eq/kWh (direct)," \
	"Carbon Intensity gCO\xe2\x82\x82" "eq/kWh (LCA)," \
	"Low Carbon Percentage,Renewable Percentage,Data Source,Data Estimated," \
	"Data Estimation Method\n"

static int parse_text(const char *text, const char *zone, struct intensity_file *f,
		      unsigned *line, char *err, size_t errlen)
{
	FILE *fp = tmpfile();
	int rc;

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) < 0 && *text, 0);
	rewind(fp);
	rc = intensity_csv_parse(fp, zone, f, line, err, errlen);
	fclose(fp);
	return rc;
}

static void assert_value(const struct intensity_value *v, const char *zone,
			 int64_t start, int64_t end, double g,
			 enum intensity_signal signal, enum intensity_scope scope)
{
	assert_string_equal(v->zone, zone);
	assert_int_equal(v->start_s, start);
	assert_int_equal(v->end_s, end);
	assert_true(v->g_per_kwh == g);
	assert_int_equal(v->signal, signal);
	assert_int_equal(v->scope, scope);
}

static void test_electricity_maps_hourly(void **state)
{
	static const char text[] = EM_HEADER
		"2024-01-01 00:00:00,Germany,Germany,DE,312.5,376.13,55.1,51.86,entsoe.eu,false,\n"
		"2024-01-01 01:00:00,Germany,Germany,DE,305,369.4,56.27,53.02,entsoe.eu,false,\n"
		"2024-01-01 02:00:00,Germany,Germany,DE,298.77,363.05,57.3,54.1,entsoe.eu,true,TIME_SLICER_AVERAGE\n";
	struct intensity_file f;
	char err[256], name[32];
	unsigned line = 0;

	(void)state;
	assert_int_equal(parse_text(text, NULL, &f, &line, err, sizeof(err)), 0);
	assert_int_equal(f.format, INTENSITY_ELECTRICITY_MAPS);
	assert_int_equal(f.n_rows, 3);
	assert_int_equal(f.n_values, 6);
	assert_value(&f.values[0], "DE", T0, T0 + H, 312.5, INTENSITY_AVERAGE, INTENSITY_DIRECT);
	assert_value(&f.values[1], "DE", T0, T0 + H, 376.13, INTENSITY_AVERAGE, INTENSITY_LIFECYCLE);
	assert_value(&f.values[2], "DE", T0 + H, T0 + 2 * H, 305, INTENSITY_AVERAGE, INTENSITY_DIRECT);
	/* The last row lasts one step of the file's spacing. */
	assert_value(&f.values[5], "DE", T0 + 2 * H, T0 + 3 * H, 363.05, INTENSITY_AVERAGE,
		     INTENSITY_LIFECYCLE);
	assert_int_equal(f.values[5].line, 4);
	assert_string_equal(intensity_spacing_name(&f, name, sizeof(name)), "hourly");
	intensity_file_free(&f);
}

static void test_electricity_maps_variants(void **state)
{
	/* "CO2" spelt plainly, other column names and order, quoted fields, a
	 * byte-order mark, CRLF, an empty LCA cell, --zone filling a missing
	 * column, daily rows. */
	static const char text[] =
		"\xef\xbb\xbf\"Zone Name\",Datetime (UTC),carbon intensity gCO2eq/kWh (Life cycle),"
		"Carbon Intensity gCO2eq/kWh (direct)\r\n"
		"\"Bonaire, Sint Eustatius and Saba\",2024-01-01 00:00:00,500,400\r\n"
		"\"Bonaire, Sint Eustatius and Saba\",2024-01-02 00:00:00,,410\r\n"
		"\r\n"
		"\"Bonaire, Sint Eustatius and Saba\",2024-01-03T00:00:00Z,520,420\r\n";
	struct intensity_file f;
	char err[256], name[32];
	unsigned line = 0;

	(void)state;
	assert_int_equal(parse_text(text, NULL, &f, &line, err, sizeof(err)), -1);
	assert_int_equal(line, 1);
	assert_non_null(strstr(err, "--zone"));

	assert_int_equal(parse_text(text, "BQ", &f, &line, err, sizeof(err)), 0);
	assert_int_equal(f.n_values, 5);
	assert_value(&f.values[0], "BQ", T0, T0 + D, 400, INTENSITY_AVERAGE, INTENSITY_DIRECT);
	/* Day 2's LCA cell is empty, yet day 2 still ends day 1's interval. */
	assert_value(&f.values[1], "BQ", T0, T0 + D, 500, INTENSITY_AVERAGE, INTENSITY_LIFECYCLE);
	assert_value(&f.values[2], "BQ", T0 + D, T0 + 2 * D, 410, INTENSITY_AVERAGE,
		     INTENSITY_DIRECT);
	assert_value(&f.values[3], "BQ", T0 + 2 * D, T0 + 3 * D, 420, INTENSITY_AVERAGE,
		     INTENSITY_DIRECT);
	assert_value(&f.values[4], "BQ", T0 + 2 * D, T0 + 3 * D, 520, INTENSITY_AVERAGE,
		     INTENSITY_LIFECYCLE);
	assert_int_equal(f.values[4].line, 5);
	assert_string_equal(intensity_spacing_name(&f, name, sizeof(name)), "daily");
	intensity_file_free(&f);
}

static void test_monthly_and_irregular(void **state)
{
	static const char monthly[] =
		"zone,start,g_per_kwh\n"
		"SE,2024-01-01T00:00:00Z,40\n"
		"SE,2024-02-01T00:00:00Z,35\n"
		"SE,2024-03-01T00:00:00Z,30\n";
	static const char irregular[] =
		"zone,start,g_per_kwh\n"
		"SE,2024-01-01T00:00:00Z,40\n"
		"SE,2024-01-01T00:15:00Z,35\n"
		"SE,2024-01-01T01:00:00Z,30\n";
	struct intensity_file f;
	char err[256], name[32];
	unsigned line = 0;

	(void)state;
	assert_int_equal(parse_text(monthly, NULL, &f, &line, err, sizeof(err)), 0);
	assert_string_equal(intensity_spacing_name(&f, name, sizeof(name)), "monthly");
	assert_int_equal(f.values[0].end_s, T0 + 31 * D);
	assert_int_equal(f.values[1].end_s, T0 + 60 * D);	/* 2024 is a leap year */
	assert_int_equal(f.values[2].end_s, T0 + 91 * D);	/* March has 31 days */
	intensity_file_free(&f);

	assert_int_equal(parse_text(irregular, NULL, &f, &line, err, sizeof(err)), 0);
	assert_string_equal(intensity_spacing_name(&f, name, sizeof(name)), "");
	assert_int_equal(f.values[1].end_s, T0 + H);
	assert_int_equal(f.values[2].end_s, T0 + 2 * H);	/* one hour */
	intensity_file_free(&f);
}

static void test_plain(void **state)
{
	static const char text[] =
		"zone,start,end,g_per_kwh,signal,scope\n"
		"FR,2026-11-27T10:00:00Z,,52.5,average,lifecycle\n"
		"FR,2026-11-27 12:00:00+01,,48,,\n"
		"DE,2026-11-27T10:00:00Z,,380,marginal,direct\n"
		"FR,2026-11-27T12:00:00Z,2026-11-27T14:00:00Z,61.25,average,lifecycle\n"
		"FR,2026-11-27T10:00:00.000+00:00,,420,marginal,lifecycle\n";
	const int64_t t = 1795773600;	/* 2026-11-27T10:00:00Z */
	struct intensity_file f;
	char err[256], name[32];
	unsigned line = 0;

	(void)state;
	assert_int_equal(parse_text(text, NULL, &f, &line, err, sizeof(err)), 0);
	assert_int_equal(f.format, INTENSITY_PLAIN);
	assert_int_equal(f.n_values, 5);
	assert_value(&f.values[0], "FR", t, t + H, 52.5, INTENSITY_AVERAGE, INTENSITY_LIFECYCLE);
	assert_value(&f.values[1], "FR", t + H, t + 2 * H, 48, INTENSITY_AVERAGE,
		     INTENSITY_LIFECYCLE);
	assert_value(&f.values[2], "DE", t, t + H, 380, INTENSITY_MARGINAL, INTENSITY_DIRECT);
	assert_value(&f.values[3], "FR", t + 2 * H, t + 4 * H, 61.25, INTENSITY_AVERAGE,
		     INTENSITY_LIFECYCLE);
	assert_value(&f.values[4], "FR", t, t + H, 420, INTENSITY_MARGINAL, INTENSITY_LIFECYCLE);
	assert_string_equal(intensity_spacing_name(&f, name, sizeof(name)), "hourly");
	intensity_file_free(&f);

	/* --zone overrides the file's zone. */
	assert_int_equal(parse_text("zone,g_per_kwh,start\nXX,10,2026-11-27T10:00:00Z\n", "PL",
				    &f, &line, err, sizeof(err)), 0);
	assert_value(&f.values[0], "PL", t, t + H, 10, INTENSITY_AVERAGE, INTENSITY_LIFECYCLE);
	intensity_file_free(&f);
}

static void test_bad_files(void **state)
{
	static const struct {
		const char *name;
		const char *text;
		const char *zone;
		unsigned line;
		const char *reason;	/* a part of the message */
	} cases[] = {
		{ "empty file", "", NULL, 1, "empty file" },
		{ "header only", "zone,start,g_per_kwh\n", NULL, 1, "no data rows" },
		{ "unknown header", "time,value\n2024-01-01,3\n", NULL, 1, "unknown header" },
		{ "unknown plain column",
		  "zone,start,g_per_kwh,comment\nDE,2024-01-01T00:00Z,3,x\n", NULL, 1,
		  "unknown column 'comment'" },
		{ "plain without g_per_kwh", "zone,start\nDE,2024-01-01T00:00Z\n", NULL, 1,
		  "no column 'g_per_kwh'" },
		{ "Electricity Maps without an intensity column",
		  "Datetime (UTC),Zone Id\n2024-01-01 00:00:00,DE\n", NULL, 1,
		  "Carbon Intensity" },
		{ "a field too many",
		  "zone,start,g_per_kwh\nDE,2024-01-01T00:00Z,3\nDE,2024-01-01T01:00Z,3,5\n"
		  "DE,2024-01-01T02:00Z,abc\n", NULL, 3, "4 fields where the header has 3" },
		{ "not a number",
		  "zone,start,g_per_kwh\nDE,2024-01-01T00:00Z,3\nDE,2024-01-01T01:00Z,1x\n",
		  NULL, 3, "'1x' is not a number" },
		{ "empty plain value",
		  "zone,start,g_per_kwh\nDE,2024-01-01T00:00Z,\n", NULL, 2, "is not a number" },
		{ "infinity", "zone,start,g_per_kwh\nDE,2024-01-01T00:00Z,inf\n", NULL, 2,
		  "is not a number" },
		{ "negative value",
		  "zone,start,g_per_kwh\nDE,2024-01-01T00:00Z,3\nDE,2024-01-01T01:00Z,-4\n",
		  NULL, 3, "negative" },
		{ "negative Electricity Maps value",
		  EM_HEADER "2024-01-01 00:00:00,Germany,Germany,DE,1,2,,,,,\n"
		  "2024-01-01 01:00:00,Germany,Germany,DE,1,-2,,,,,\n", NULL, 3, "negative" },
		{ "bad time",
		  "zone,start,g_per_kwh\nDE,2024-01-01T00:00Z,3\nDE,2024-02-30T00:00Z,3\n",
		  NULL, 3, "not a time" },
		{ "time without an offset in a plain file",
		  "zone,start,g_per_kwh\nDE,2024-01-01 00:00:00,3\n", NULL, 2, "UTC offset" },
		{ "bad Electricity Maps time",
		  EM_HEADER "2024-01-01 24:00:00,Germany,Germany,DE,1,2,,,,,\n", NULL, 2,
		  "not a time" },
		{ "end before start",
		  "zone,start,end,g_per_kwh\nDE,2024-01-01T01:00Z,2024-01-01T01:00Z,3\n", NULL, 2,
		  "not after start" },
		{ "rows out of order",
		  "zone,start,g_per_kwh\nDE,2024-01-01T00:00Z,3\nFR,2024-01-01T00:00Z,3\n"
		  "DE,2024-01-01T02:00Z,3\nDE,2024-01-01T01:00Z,3\n", NULL, 5, "out of order" },
		{ "rows out of order in an Electricity Maps file",
		  EM_HEADER "2024-01-01 01:00:00,Germany,Germany,DE,1,2,,,,,\n"
		  "2024-01-01 00:00:00,Germany,Germany,DE,1,2,,,,,\n", NULL, 3, "out of order" },
		{ "the same hour twice",
		  "zone,start,g_per_kwh\nDE,2024-01-01T00:00Z,3\nDE,2024-01-01 01:00+01,4\n",
		  NULL, 3, "second value" },
		{ "overlapping intervals",
		  "zone,start,end,g_per_kwh\nDE,2024-01-01T00:00Z,2024-01-01T02:00Z,3\n"
		  "DE,2024-01-01T01:00Z,,3\n", NULL, 3, "before the interval of line 2 ends" },
		{ "missing zone",
		  "zone,start,g_per_kwh\nDE,2024-01-01T00:00Z,3\n,2024-01-01T01:00Z,3\n", NULL, 3,
		  "no zone" },
		{ "no zone column without --zone", "start,g_per_kwh\n2024-01-01T00:00Z,3\n", NULL, 1,
		  "--zone" },
		{ "bad zone", "zone,start,g_per_kwh\nDE FR,2024-01-01T00:00Z,3\n", NULL, 2,
		  "zone 'DE FR'" },
		{ "bad signal", "zone,start,g_per_kwh,signal\nDE,2024-01-01T00:00Z,3,mean\n", NULL,
		  2, "signal 'mean'" },
		{ "bad scope", "zone,start,g_per_kwh,scope\nDE,2024-01-01T00:00Z,3,lca\n", NULL, 2,
		  "scope 'lca'" },
		{ "unclosed quote", "zone,start,g_per_kwh\n\"DE,2024-01-01T00:00Z,3\n", NULL, 2,
		  "quote" },
		{ "the earliest line wins",
		  "zone,start,g_per_kwh\nDE,2024-01-01T00:00Z,3\nFR,2024-01-01T05:00Z,3\n"
		  "FR,2024-01-01T04:00Z,3\nDE,2024-01-01T00:00Z,3\n", NULL, 4, "out of order" },
		{ "bad --zone", "zone,start,g_per_kwh\nDE,2024-01-01T00:00Z,3\n", "", 1, "--zone" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct intensity_file f;
		char err[512] = "";
		unsigned line = 0;
		int rc = parse_text(cases[i].text, cases[i].zone, &f, &line, err, sizeof(err));

		if (rc != -1 || line != cases[i].line || !strstr(err, cases[i].reason))
			fail_msg("%s: got %d, line %u: %s", cases[i].name, rc, line, err);
		assert_null(f.values);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_electricity_maps_hourly),
		cmocka_unit_test(test_electricity_maps_variants),
		cmocka_unit_test(test_monthly_and_irregular),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_bad_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

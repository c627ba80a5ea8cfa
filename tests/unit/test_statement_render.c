/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The emission statement's renderer on fixture models, without a database:
 * each fixture in each format equals its golden file under
 * tests/golden/statement-model/ (GOLDEN_UPDATE=1 rewrites them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "statement.h"

/* jobset.c, linked for its job states and time windows, reports SQL errors
 * through carbon-report's main.c; no SQL runs here. */
void report_sql_error(const char *what, const PGresult *res)
{
	(void)res;
	fail_msg("report_sql_error(%s) called without a database", what);
}

static const char *two_nodes[] = { "n1", "n2" };
static struct model_nodes cpus_ab[] = { { "Test CPU A", 1 }, { "Test CPU B", 1 } };
static struct model_nodes gpus_h100[] = { { "NVIDIA H100 80GB HBM3", 1 } };

/* Where the fixtures' PUE came from: each kind of source once. */
static struct site_source pue_conf[] = {
	{ .kind = SOURCE_CONF, .path = "/etc/slurm/carbon.conf", .to_s = NAN },
};
static struct site_source pue_periods[] = {	/* 2026-01-01 .. 2026-03-01T06:00Z, then open */
	{ .kind = SOURCE_PERIOD, .from_s = 1767225600.0, .to_s = 1772344800.0 },
	{ .kind = SOURCE_PERIOD, .from_s = 1772344800.0, .to_s = NAN },
};
static struct site_source pue_site[] = {	/* recorded 2026-02-15T09:30Z */
	{ .kind = SOURCE_SITE, .from_s = 1771147800.0, .to_s = NAN },
};
static struct site_source pue_default[] = {
	{ .kind = SOURCE_DEFAULT, .to_s = NAN },
};

#define SET_PUE_SOURCES(st, a) ((st)->pue_sources = (a), \
				(st)->n_pue_sources = sizeof(a) / sizeof((a)[0]))

/* A tag's two jobs on two nodes, measured by RAPL and NVML, one cancelled,
 * one partial; a fixed intensity and PUE; no imports, no embodied figures. */
static void fixture_tag(struct statement *st)
{
	memset(st, 0, sizeof(*st));
	st->by = "tag";
	st->who = "runA";
	st->jobs = 2;
	st->partial_jobs = 1;
	st->records = 3;
	st->jobs_by_state[JOB_COMPLETED] = 1;
	st->jobs_by_state[JOB_CANCELLED] = 1;
	st->fc_jobs = 1;
	st->fc_it_kwh = 2.77;
	st->fc_facility_kwh = 2.77 * 1.25;
	st->fc_co2e_kg = 2.77 * 1.25 * 0.3;
	st->start_s = 1772445600.0;	/* 2026-03-02T10:00:00Z */
	st->end_s = 1772452800.0;	/* 2026-03-02T12:00:00Z */
	st->nodes = two_nodes;
	st->n_nodes = 2;
	strcpy(st->methods[0], "rapl");
	strcpy(st->methods[1], "nvml");
	st->n_methods = 2;
	st->domain_methods[DOMAIN_CPU] = M_RAPL;
	st->domain_methods[DOMAIN_DRAM] = M_RAPL;
	st->domain_methods[DOMAIN_GPU] = M_NVML;
	st->cpu_time_s = 2.5 * 3600;
	st->cpu_models = cpus_ab;
	st->n_cpu_models = 2;
	st->gpu_models = gpus_h100;
	st->n_gpu_models = 1;
	st->cpu_count = 32;
	st->gpu_count = 4;
	st->gpu_hours = 5.0;
	st->core_hours = 48.0;
	st->wall_s = 2.5 * 3600;
	st->node_s = 3.5 * 3600;
	st->energy_kwh[DOMAIN_CPU] = 1.62;
	st->energy_kwh[DOMAIN_DRAM] = 0.25;
	st->energy_kwh[DOMAIN_GPU] = 2.0;
	st->it_kwh = 3.87;
	st->facility_kwh = 3.87 * 1.25;
	st->co2e_kg = 3.87 * 1.25 * 0.3;
	st->pue = 1.25;
	SET_PUE_SOURCES(st, pue_conf);
	st->have_in = true;
	st->in.g_per_kwh = 300.0;
	strcpy(st->in.level, "site");
	strcpy(st->in.dataset, "carbon.conf (/etc/slurm/carbon.conf)");
	strcpy(st->in.resolution, "fixed");
	st->offset_price = OFFSET_PRICE_USD_PER_T;
	st->emb.kg = st->emb.cpu_kg = st->emb.gpu_kg_part = NAN;
	st->emb.gpu_kg = -1;
	st->data.schema = 14;
	st->software = "0.0-test";
}

static const char *one_node[] = { "n3" };
static struct model_nodes cpus_a[] = { { "Test CPU A", 1 } };

/* A project's job, modelled in part, from an older plugin (no hardware, no
 * exit status), and two CodeCarbon runs; an intensity of the zone's annual
 * series; the offset price given. */
static void fixture_project(struct statement *st)
{
	memset(st, 0, sizeof(*st));
	st->by = "project";
	st->who = "pb";
	st->jobs = 1;
	st->records = 1;
	st->jobs_by_state[JOB_UNKNOWN] = 1;
	st->start_s = 1772524800.0;	/* 2026-03-03T08:00:00Z */
	st->end_s = 1772787600.0;	/* 2026-03-06T09:00:00Z */
	st->nodes = one_node;
	st->n_nodes = 1;
	strcpy(st->methods[0], "model");
	strcpy(st->methods[1], "rapl");
	strcpy(st->methods[2], IMPORTED_METHOD);
	st->n_methods = 3;
	st->domain_methods[DOMAIN_CPU] = M_RAPL | M_MODEL | M_CODECARBON;
	st->domain_methods[DOMAIN_DRAM] = M_RAPL | M_CODECARBON;
	st->domain_methods[DOMAIN_GPU] = M_CODECARBON;
	st->domain_methods[DOMAIN_OTHER] = M_CODECARBON;
	st->cpu_time_s = 7200;
	st->rows_without_cpu_time = 0;
	st->cpu_models = cpus_a;
	st->n_cpu_models = 1;
	st->cpu_count = 4;
	st->gpu_count = 0;
	st->rows_without_hardware = 1;
	st->gpu_hours = 0.0;
	st->core_hours = 2.0;
	st->wall_s = 3600;
	st->node_s = 3600;
	st->energy_kwh[DOMAIN_CPU] = 0.9;
	st->energy_kwh[DOMAIN_DRAM] = 0.1;
	st->energy_kwh[DOMAIN_GPU] = 0.4;
	st->energy_kwh[DOMAIN_OTHER] = 0.2;
	st->it_kwh = 1.6;
	st->estimated_kwh = 0.3;
	st->facility_kwh = 0.4 * 1.4 + 1.4;
	st->co2e_kg = 0.4 * 1.4 * 0.45 + 0.35;
	st->pue = 1.4;
	SET_PUE_SOURCES(st, pue_periods);
	st->have_in = true;
	st->in.g_per_kwh = 450.0;
	strcpy(st->in.level, "country");
	strcpy(st->in.dataset, "Ember, yearly electricity data");
	st->in.year = 2024;
	strcpy(st->in.zone, "DE");
	strcpy(st->in.resolution, "annual");
	strcpy(st->in.licence, "CC-BY-4.0");
	st->offset_price = 25.0;
	st->offset_price_given = true;
	st->emb.kg = st->emb.cpu_kg = st->emb.gpu_kg_part = NAN;
	st->emb.gpu_kg = -1;
	st->imp.runs = 2;
	st->imp.energy_kwh[DOMAIN_CPU] = 0.5;
	st->imp.energy_kwh[DOMAIN_DRAM] = 0.1;
	st->imp.energy_kwh[DOMAIN_GPU] = 0.4;
	st->imp.energy_kwh[DOMAIN_OTHER] = 0.2;
	st->imp.it_kwh = 1.2;
	st->imp.facility_kwh = 1.4;
	st->imp.co2e_kg = 0.35;
	st->imp.duration_s = 5400;
	st->imp.first_s = 1772622000.0;	/* 2026-03-04T11:00:00Z */
	st->imp.last_s = 1772787600.0;
	st->data.schema = 14;
	st->data.annual_rows = 408;
	st->data.annual_latest_year = 2024;
	st->data.series_rows = 8760;
	strcpy(st->data.series_imported_at, "2026-02-01T00:00:00Z");
	st->software = "0.0-test";
}

/* A user's one short job on one node: a few mWh, milligrams of CO2e, the
 * embodied share configured; -S and -E given. */
static void fixture_small(struct statement *st)
{
	memset(st, 0, sizeof(*st));
	st->by = "user";
	st->who = "alice";
	st->jobs = 1;
	st->records = 2;
	st->jobs_by_state[JOB_COMPLETED] = 1;
	st->start_s = 1772409600.0;	/* 2026-03-02T00:00:00Z, -S */
	st->end_s = 1772496000.0;	/* 2026-03-03T00:00:00Z, -E */
	st->start_given = st->end_given = true;
	st->nodes = one_node;
	st->n_nodes = 1;
	strcpy(st->methods[0], "rapl");
	st->n_methods = 1;
	st->domain_methods[DOMAIN_CPU] = M_RAPL;
	st->domain_methods[DOMAIN_DRAM] = M_RAPL;
	st->cpu_time_s = 2.9;
	st->cpu_models = cpus_a;
	st->n_cpu_models = 1;
	st->cpu_count = 1;
	st->gpu_count = 0;
	st->gpu_hours = 0.0;
	st->core_hours = 3.0 / 3600;
	st->wall_s = 3.0;
	st->node_s = 3.0;
	st->energy_kwh[DOMAIN_CPU] = 3.40329681e-05;
	st->energy_kwh[DOMAIN_DRAM] = 4.25412083e-06;
	st->it_kwh = 3.82870889e-05;
	st->facility_kwh = 4.78588611e-05;
	st->co2e_kg = 1.43576583e-05;
	st->pue = 1.25;
	SET_PUE_SOURCES(st, pue_site);
	st->have_in = true;
	st->in.g_per_kwh = 300.0;
	strcpy(st->in.level, "site");
	strcpy(st->in.dataset, "site settings recorded 2026-02-15");
	strcpy(st->in.resolution, "fixed");
	st->offset_price = OFFSET_PRICE_USD_PER_T;
	st->emb.configured = true;
	st->emb.node_kg = 2000;
	st->emb.node_cores = 64;
	st->emb.gpu_kg = 150;
	st->emb.lifetime_years = 4;
	st->emb.cpu_kg = st->core_hours / 64 * 2000 / (4 * 365.25 * 24);
	st->emb.gpu_kg_part = 0.0;
	st->emb.kg = st->emb.cpu_kg;
	st->data.schema = 14;
	st->software = "0.0-test";
}

/* One job on a node with an ACPI power meter read as averaged power
 * (hwmon_averaged), which holds the GPUs: other is the meter less RAPL and
 * the GPUs, sampled power (the sampling band). */
static void fixture_node_meter(struct statement *st)
{
	fixture_small(st);	/* its node, CPU, site intensity and PUE */
	st->by = "tag";
	st->who = "neuclir-node";
	st->records = 3;
	st->node_meter_records = 3;
	st->start_s = 1772409600.0;	/* 2026-03-02T00:00:00Z */
	st->end_s = 1772413200.0;	/* one hour */
	st->start_given = st->end_given = false;
	strcpy(st->methods[1], "nvml");
	strcpy(st->methods[2], "hwmon_averaged_incl_gpu");
	st->n_methods = 3;
	st->domain_methods[DOMAIN_GPU] = M_NVML;
	st->domain_methods[DOMAIN_OTHER] = M_NODE;
	st->cpu_time_s = 3600.0 * 16;
	st->gpu_models = gpus_h100;
	st->n_gpu_models = 1;
	st->cpu_count = 16;
	st->gpu_count = 1;
	st->gpu_hours = 1.0;
	st->core_hours = 16.0;
	st->wall_s = st->node_s = 3600.0;
	st->energy_kwh[DOMAIN_CPU] = 0.2;
	st->energy_kwh[DOMAIN_DRAM] = 0.03;
	st->energy_kwh[DOMAIN_GPU] = 0.55;
	st->energy_kwh[DOMAIN_OTHER] = 0.12;
	st->sampled_kwh = 0.12;
	st->it_kwh = 0.9;
	st->facility_kwh = 1.125;
	st->co2e_kg = 0.3375;
	st->emb.cpu_kg = st->core_hours / 64 * 2000 / (4 * 365.25 * 24);
	st->emb.gpu_kg_part = st->gpu_hours * 150 / (4 * 365.25 * 24);
	st->emb.kg = st->emb.cpu_kg + st->emb.gpu_kg_part;
}

/* Only imported runs: no jobs, no nodes, no intensity of our own. */
static void fixture_imported_only(struct statement *st)
{
	memset(st, 0, sizeof(*st));
	st->by = "project";
	st->who = "offsite";
	st->start_s = 1772622000.0;
	st->end_s = 1772787600.0;
	strcpy(st->methods[0], IMPORTED_METHOD);
	st->n_methods = 1;
	st->domain_methods[DOMAIN_OTHER] = M_CODECARBON;
	st->cpu_count = st->gpu_count = -1;
	st->gpu_hours = st->core_hours = NAN;
	st->energy_kwh[DOMAIN_OTHER] = 0.2;
	st->it_kwh = 0.2;
	st->facility_kwh = 0.2;
	st->co2e_kg = 0.05;
	st->pue = 1.0;
	SET_PUE_SOURCES(st, pue_default);
	st->offset_price = OFFSET_PRICE_USD_PER_T;
	st->emb.kg = st->emb.cpu_kg = st->emb.gpu_kg_part = NAN;
	st->emb.gpu_kg = -1;
	st->imp.runs = 1;
	st->imp.energy_kwh[DOMAIN_OTHER] = 0.2;
	st->imp.it_kwh = 0.2;
	st->imp.facility_kwh = 0.2;
	st->imp.co2e_kg = 0.05;
	st->imp.duration_s = 1800;
	st->imp.first_s = 1772622000.0;
	st->imp.last_s = 1772787600.0;
	st->data.schema = 14;
	st->software = "0.0-test";
}

static const struct {
	const char *name;
	void (*fill)(struct statement *st);
} fixtures[] = {
	{ "tag", fixture_tag },
	{ "project", fixture_project },
	{ "small", fixture_small },
	{ "imported-only", fixture_imported_only },
	{ "node-meter", fixture_node_meter },
};

static const struct {
	enum output_format format;
	const char *ext;
} formats[] = {
	{ FMT_TABLE, "txt" },
	{ FMT_MARKDOWN, "md" },
	{ FMT_JSON, "json" },
	{ FMT_PARAGRAPH, "paragraph" },
	{ FMT_LATEX, "tex" },
};

static char *read_file(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	char *s = NULL;
	long len;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (len = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
		s = malloc((size_t)len + 1);
		if (s && fread(s, 1, (size_t)len, fp) == (size_t)len) {
			s[len] = '\0';
			*n = (size_t)len;
		} else {
			free(s);
			s = NULL;
		}
	}
	fclose(fp);
	return s;
}

static void test_goldens(void **state)
{
	const char *top = getenv("top_srcdir");
	const char *update = getenv("GOLDEN_UPDATE");
	char path[4096];
	size_t i, k, n, want_n;
	int failures = 0;

	(void)state;
	if (!top)
		top = ".";
	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		for (k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
			struct statement st;
			char *got = NULL, *want;
			FILE *fp = open_memstream(&got, &n);

			assert_non_null(fp);
			fixtures[i].fill(&st);
			assert_int_equal(statement_render(&st, formats[k].format, fp), 0);
			assert_int_equal(fclose(fp), 0);
			snprintf(path, sizeof(path), "%s/tests/golden/statement-model/%s.%s", top,
				 fixtures[i].name, formats[k].ext);
			if (update && !strcmp(update, "1")) {
				FILE *out = fopen(path, "wb");

				assert_non_null(out);
				assert_int_equal(fwrite(got, 1, n, out), n);
				assert_int_equal(fclose(out), 0);
			}
			want = read_file(path, &want_n);
			if (!want) {
				print_error("%s: missing (GOLDEN_UPDATE=1 writes it)\n", path);
				failures++;
			} else if (want_n != n || memcmp(want, got, n)) {
				print_error("%s differs; the output was:\n%s\n", path, got);
				failures++;
			}
			free(want);
			free(got);
		}
	}
	assert_int_equal(failures, 0);
}

/* The JSON carries the contract's members whatever the fixture. */
static void test_json_contract(void **state)
{
	static const char *const keys[] = {
		"\"jobs\": ", "\"energy_kwh\": {\"cpu\": ", "\"co2e_kg\": ", "\"pue\": ",
		"\"intensity_g_per_kwh\": ", "\"period\": {\"start\": ", "\"methods\": [",
		"\"hardware\": {\"nodes\": [", "\"sci\": {\"standard\": ", "\"kg_per_job\": ",
		"\"functional_unit\": ", "\"uncertainty\": {\"low_kg\": ", "\"high_kg\": ",
	};
	size_t i, k, n;

	(void)state;
	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		struct statement st;
		char *got = NULL;
		FILE *fp = open_memstream(&got, &n);

		assert_non_null(fp);
		fixtures[i].fill(&st);
		assert_int_equal(statement_render(&st, FMT_JSON, fp), 0);
		assert_int_equal(fclose(fp), 0);
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strstr(got, keys[k]))
				fail_msg("fixture %s: no %s in %s", fixtures[i].name, keys[k], got);
		free(got);
	}
}

/* Every measurement method has a band in data/uncertainty.csv, and the
 * combined band is the energy-weighted sum of the methods': a statement of
 * 6 kWh by counters, 3 modelled and 1 imported, 2 kg CO2e. */
static void test_band_and_sci(void **state)
{
	struct statement st;
	const struct uncertainty_band *b[EM_COUNT];
	double low, high;
	int m;

	(void)state;
	for (m = 0; m < EM_COUNT; m++) {
		b[m] = statement_method_band((enum energy_method)m);
		assert_non_null(b[m]);
		assert_true(b[m]->low_pct >= 0 && b[m]->low_pct < 100 && b[m]->high_pct >= 0);
	}
	memset(&st, 0, sizeof(st));
	st.it_kwh = 10.0;
	st.estimated_kwh = 3.0;
	st.imp.it_kwh = 1.0;
	st.imp.runs = 2;
	st.jobs = 3;
	st.co2e_kg = 2.0;
	low = 0.6 * b[EM_COUNTER]->low_pct + 0.3 * b[EM_MODEL]->low_pct +
	      0.1 * b[EM_IMPORTED]->low_pct;
	high = 0.6 * b[EM_COUNTER]->high_pct + 0.3 * b[EM_MODEL]->high_pct +
	       0.1 * b[EM_IMPORTED]->high_pct;
	assert_float_equal(statement_method_share(&st, EM_COUNTER), 0.6, 1e-12);
	assert_float_equal(statement_method_share(&st, EM_SAMPLING), 0.0, 1e-12);
	assert_float_equal(statement_band_low_pct(&st), low, 1e-9);
	assert_float_equal(statement_band_high_pct(&st), high, 1e-9);
	assert_float_equal(statement_band_low_kg(&st), 2.0 * (1 - low / 100), 1e-12);
	assert_float_equal(statement_band_high_kg(&st), 2.0 * (1 + high / 100), 1e-12);
	/* SCI: (E x I + M) / R, R = 3 jobs + 2 runs; M only where known. */
	st.emb.kg = NAN;
	assert_false(statement_sci_embodied(&st));
	assert_float_equal(statement_sci_kg_per_job(&st), 2.0 / 5, 1e-12);
	st.emb.configured = true;
	st.emb.kg = 0.5;
	assert_float_equal(statement_sci_scope_kg(&st), 2.5, 1e-12);
	assert_float_equal(statement_sci_kg_per_job(&st), 2.5 / 5, 1e-12);
}

/* The node meters' method words, as the plugin writes them: what each
 * is, whether it reads an energy counter or power, with the GPUs or not. */
static void test_node_meter_words(void **state)
{
	static const struct {
		const char *word;
		bool is_meter;
		enum energy_method how;
		bool incl_gpu;
	} cases[] = {
		{ "pm_counters", true, EM_COUNTER, false },
		{ "pm_counters_incl_gpu", true, EM_COUNTER, true },
		{ "hwmon", true, EM_COUNTER, false },
		{ "hwmon_power", true, EM_SAMPLING, false },
		{ "hwmon_averaged", true, EM_SAMPLING, false },
		{ "hwmon_averaged_incl_gpu", true, EM_SAMPLING, true },
		{ "redfish", true, EM_COUNTER, false },
		{ "redfish_power_incl_gpu", true, EM_SAMPLING, true },
		{ "ipmi_incl_gpu", true, EM_SAMPLING, true },
		{ "rapl", false, EM_COUNTER, false },
		{ "nvml", false, EM_COUNTER, false },
		{ "rocm", false, EM_COUNTER, false },
		{ "_incl_gpu", false, EM_COUNTER, true },
		{ "hwmon_", false, EM_COUNTER, false },
		{ "pm_counters_incl", false, EM_COUNTER, false },
	};
	enum energy_method how;
	bool incl_gpu;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *words;

		how = EM_IMPORTED;
		words = statement_node_meter(cases[i].word, strlen(cases[i].word), &how, &incl_gpu);
		if ((words != NULL) != cases[i].is_meter)
			fail_msg("%s: %s", cases[i].word, words ? words : "not a node meter");
		if (words && (how != cases[i].how || incl_gpu != cases[i].incl_gpu))
			fail_msg("%s: measures %s, includes GPUs %d", cases[i].word,
				 statement_method_name(how), incl_gpu);
	}
	/* A word inside a method string: only its own length counts. */
	assert_non_null(statement_node_meter("ipmi+rapl", 4, &how, &incl_gpu));
	assert_null(statement_node_meter("ipmi+rapl", 9, &how, &incl_gpu));
}

/* GPUs by their power readings (nvml_power, rocm_power: no energy counter)
 * are sampled energy; AMD's count as GPU counters as NVIDIA's do; the
 * paragraph names both libraries and the power readings. */
static void test_gpu_power_records(void **state)
{
	struct step_row rows[] = {
		{ .node = "n1", .method = "rapl+nvml_power", .measured = true, .has_job = true,
		  .job_j = { 1000, 100, 1800, 0 }, .start_s = 0, .end_s = 10, .cpu_time_s = 5 },
		{ .node = "n2", .method = "rapl+rocm", .measured = true, .has_job = true,
		  .job_j = { 1000, 100, 3600, 0 }, .start_s = 0, .end_s = 10, .cpu_time_s = 5 },
	};
	struct job job = { .rows = rows, .n = 2, .start_s = 0, .end_s = 10, .measured = true,
			   .energy_kwh = { 2000 / 3.6e6, 200 / 3.6e6, 5400 / 3.6e6, 0 },
			   .state = JOB_COMPLETED };
	struct jobset set = { .jobs = &job, .n = 1 };
	struct statement st;
	char buf[64];

	(void)state;
	job.it_kwh = 7600 / 3.6e6;
	memset(&st, 0, sizeof(st));
	assert_int_equal(statement_add_jobs(&st, &set), 0);
	assert_int_equal(st.domain_methods[DOMAIN_GPU], M_NVML | M_ROCM | M_GPU_POWER);
	assert_string_equal(statement_methods_str(st.domain_methods[DOMAIN_GPU], buf, sizeof(buf)),
			    "nvml+rocm");
	assert_float_equal(statement_method_kwh(&st, EM_SAMPLING), 1800 / 3.6e6, 1e-15);
	assert_float_equal(statement_method_kwh(&st, EM_COUNTER), 5800 / 3.6e6, 1e-12);
	statement_free(&st);
}

/* Records with a node meter: other is the node meter's, counted under
 * its method; power-read meters' other is sampled energy, and the
 * limitations say the whole node was counted, and RAPL alone where a
 * record had no node meter. */
static void test_node_meter_records(void **state)
{
	struct step_row rows[] = {
		{ .node = "n1", .method = "rapl+nvml+hwmon_averaged_incl_gpu", .measured = true,
		  .has_job = true, .job_j = { 1000, 100, 2000, 720 }, .start_s = 0, .end_s = 10,
		  .cpu_time_s = 5 },
		{ .node = "n1", .method = "rapl+pm_counters", .measured = true, .has_job = true,
		  .job_j = { 1000, 100, 0, 360 }, .start_s = 0, .end_s = 10, .cpu_time_s = 5 },
		{ .node = "n2", .method = "rapl", .measured = true, .has_job = true,
		  .job_j = { 1000, 100, 0, 0 }, .start_s = 0, .end_s = 10, .cpu_time_s = 5 },
	};
	struct job job = { .rows = rows, .n = 3, .start_s = 0, .end_s = 10, .measured = true,
			   .energy_kwh = { 3000 / 3.6e6, 300 / 3.6e6, 2000 / 3.6e6, 1080 / 3.6e6 },
			   .state = JOB_COMPLETED };
	struct jobset set = { .jobs = &job, .n = 1 };
	struct statement st;
	char *got = NULL;
	size_t n;
	FILE *fp;

	(void)state;
	job.it_kwh = (3000 + 300 + 2000 + 1080) / 3.6e6;
	memset(&st, 0, sizeof(st));
	assert_int_equal(statement_add_jobs(&st, &set), 0);
	assert_int_equal(st.domain_methods[DOMAIN_OTHER], M_NODE);
	assert_int_equal(st.domain_methods[DOMAIN_CPU], M_RAPL);
	assert_int_equal(st.domain_methods[DOMAIN_GPU], M_NVML);
	assert_int_equal(st.node_meter_records, 2);
	assert_int_equal(st.records_without_node_meter, 1);
	/* hwmon_averaged's other is sampled; pm_counters' a counter's. */
	assert_float_equal(statement_method_kwh(&st, EM_SAMPLING), 720 / 3.6e6, 1e-15);
	assert_float_equal(statement_method_kwh(&st, EM_COUNTER), (6380 - 720) / 3.6e6, 1e-12);
	/* What the query would add, for the renderer. */
	st.by = "tag";
	st.who = "mixed-nodes";
	st.cpu_count = st.gpu_count = -1;
	st.gpu_hours = st.core_hours = NAN;
	st.pue = 1.0;
	SET_PUE_SOURCES(&st, pue_default);
	st.offset_price = OFFSET_PRICE_USD_PER_T;
	st.emb.kg = st.emb.cpu_kg = st.emb.gpu_kg_part = NAN;
	st.emb.gpu_kg = -1;
	st.software = "0.0-test";
	fp = open_memstream(&got, &n);
	assert_non_null(fp);
	assert_int_equal(statement_render(&st, FMT_JSON, fp), 0);
	fclose(fp);
	if (!strstr(got, "a whole-node meter (see methods) counted the whole node") ||
	    !strstr(got, "where no whole-node meter was read (some of these records), RAPL counts") ||
	    strstr(got, "\"RAPL counts the CPU packages and DRAM only"))
		fail_msg("limitations: %s", got);
	if (!strstr(got, "\"method\": \"hwmon_averaged_incl_gpu\"") ||
	    !strstr(got, "\"measures\": \"sampling\"") ||
	    !strstr(got, "\"method\": \"pm_counters\""))
		fail_msg("node_meters: %s", got);
	free(got);
	free(st.nodes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_goldens),
		cmocka_unit_test(test_json_contract),
		cmocka_unit_test(test_band_and_sci),
		cmocka_unit_test(test_node_meter_words),
		cmocka_unit_test(test_node_meter_records),
		cmocka_unit_test(test_gpu_power_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

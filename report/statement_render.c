/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The emission statement rendered from one list of fields: text, Markdown,
 * JSON, a paragraph for a paper, and LaTeX. */
#include "statement.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimate.h"
#include "json.h"
#include "track_block.h"
#include "record.h"
#include "table.h"

#define OFFSET_PRICE_SOURCE \
	"NeuCLIR, Tracking Carbon Emissions for your NeuCLIR Submission (neuclir.github.io/carbon-tracking.html): about 250 kg CO2e offset for 4 USD"

/* What RAPL cannot see, where no whole-node meter was read; the first
 * limitation (doc/spank_carbon.8). */
static const char rapl_limitation[] =
	"RAPL counts the CPU packages and DRAM only: disks, network, fans, power supplies and the rest of a node are not measured";

/* Its place, where a whole-node meter was read ("Whole-node meters" in
 * spank_carbon(8)); and, where some records had none, the first again for
 * those. */
static const char node_meter_limitation[] =
	"a whole-node meter (see methods) counted the whole node: what the CPU, DRAM and GPU counters do not see (disks, network, fans, power supplies, the board) is other, the meter's energy less the CPU packages, DRAM and the GPUs it includes, per interval and never below 0, split among the jobs on a node by their allocated CPUs; where the meter gave no reading (stale, restarted, a BMC that did not answer) other is missing for that time, not estimated";
static const char rapl_elsewhere_limitation[] =
	"where no whole-node meter was read (some of these records), RAPL counts the CPU packages and DRAM only: disks, network, fans, power supplies and the rest of a node are not measured there";

/* The fixed list of what the method cannot see (doc/spank_carbon.8), after
 * the first. */
static const char *const limitations[] = {
	"a node's energy is split among the jobs on it by their CPU time (by allocated CPUs while all are idle)",
	"a GPU is charged whole to the job that holds it",
	"energy without a counter is modelled from thermal design power (see coverage): an estimate",
	"carbon intensity is location-based and an average of the grid mix, neither market-based nor marginal",
	"embodied emissions (making the hardware) are not part of the operational figure: where carbon.conf [embodied] gives the hardware's footprint they are estimated apart, spread evenly over its lifetime",
	"a job's state is Slurm's where its accounting was copied in (carbon-report db sync-states), else out_of_memory where a record counts an OOM kill, else how its tasks ended (the batch step's, else its steps' worst): failed is a non-zero exit code, cancelled an end by a signal (scancel, the time limit, a kill), unknown where no record says (records from before migration 012); jobs of every state count in the totals; records marked partial (a killed step) count as far as they go",
};

#define N_LIMITATIONS (sizeof(limitations) / sizeof(limitations[0]))

/* One more, when records from before migration 010 do not say. */
static const char hardware_limitation[] =
	"CPU and GPU models and counts are not recorded in records written before migration 010 (see hardware: records_without_hardware)";

/* One more, when the statement counts imported runs. */
static const char imported_limitation[] =
	"imported CodeCarbon runs are CodeCarbon's own figures (its power estimates, intensity and PUE), not measured or checked by slurm-carbon";

/* What cpu_model, cpu_count and the others of "hardware" mean. */
#define HARDWARE_NOTE \
	"cpu_model and gpu_model: the model on most nodes (cpu_models, gpu_models: each with its nodes); cpu_count and gpu_count: the most one job held, summed over its nodes"

/* ---- numbers as people read them ------------------------------------------ */

/* Energy and CO2e, given in kWh and kg, with units that suit them for the
 * text forms: "1.640 kWh", "38.00 mWh", "12.34 g CO2e". */
static const char *text_kwh(double kwh, char *buf, size_t n)
{
	return table_amount(kwh, TABLE_KWH, buf, n);
}

static const char *text_kg(double kg, char *buf, size_t n)
{
	char v[32];

	snprintf(buf, n, "%s CO2e", table_amount(kg, TABLE_KG, v, sizeof(v)));
	return buf;
}

/* ---- the fields ------------------------------------------------------------ */

/* Where a field's value is in the statement, and of what type. */
enum field_type {
	T_NONE,		/* only the field's own writers */
	T_SIZE,		/* size_t member: a count */
	T_LONG,		/* long member: a count, < 0 unknown (null) */
	T_DOUBLE,	/* double member; NaN null */
	T_STRING,	/* const char * member; NULL null */
	T_CHARS,	/* char array member; "" null */
	T_INT,		/* int member */
	T_NUMBER_FN,	/* number(): a figure derived from others */
	T_STRING_FN,	/* string(): words derived from others */
	T_CONST,	/* a fixed string, const_str */
	T_TRUE,		/* the JSON true and false */
	T_FALSE,
};

/* How a number is written in the text forms. */
enum field_unit {
	U_PLAIN,	/* as it comes: counts and strings */
	U_KWH,		/* energy: text_kwh */
	U_KG,		/* CO2e: text_kg */
	U_SIG4,		/* four significant digits, then suffix ("node-hours") */
	U_TIME,		/* seconds since the epoch, ISO 8601 UTC; JSON too */
};

/* When a field is shown. */
enum {
	F_BY = 1,		/* the key and label are st->by ("tag": "run3") */
	F_BOLD = 2,		/* the figure a reader looks for: bold in Markdown */
	F_TEXT_NONZERO = 4,	/* in the text forms only when its count is not 0 */
	F_FIGURE = 8,		/* in LaTeX's table of the figures */
	F_FIGURE_ONLY = 16,	/* there alone (the text forms have it in a table) */
};

/* One field of the statement: its JSON member, its label in the text forms,
 * where its value is, and how it is written. A field is in the JSON when it
 * has a key, in the text forms when it has a label; the two orders differ
 * in places (the JSON's is the contract's), so a figure placed differently
 * has two fields that read the same member. */
struct field {
	const char *key;	/* JSON member path: "scope.jobs" */
	const char *section;	/* heading in the text forms */
	const char *label;
	enum field_type type;
	size_t off;		/* offsetof the member */
	double (*number)(const struct statement *st);
	const char *(*string)(const struct statement *st);
	const char *const_str;
	enum field_unit unit;
	const char *suffix;	/* after a U_SIG4 number: "hours" */
	const char *note;	/* after the value in text: "(one per step per node)" */
	unsigned flags;
	bool (*when)(const struct statement *st);	/* NULL: always */
	bool (*text_when)(const struct statement *st);	/* the text forms too */
	/* The field's own writers, where the above does not say it: the text
	 * value (after the label), a block of text in place of "label: value",
	 * the JSON value (after the key). */
	void (*text)(const struct statement *st, FILE *fp);
	int (*block)(const struct statement *st, enum output_format format, FILE *fp);
	void (*json)(const struct statement *st, struct json_writer *w);
};

#define M(type_, member) .type = (type_), .off = offsetof(struct statement, member)

static const void *member(const struct statement *st, const struct field *f)
{
	return (const char *)st + f->off;
}

/* ---- what the fields say in words ------------------------------------------ */

static bool has_imported(const struct statement *st)
{
	return st->imp.runs > 0;
}

static bool has_estimated(const struct statement *st)
{
	return st->imp.estimated_runs > 0;
}

static bool no_imported(const struct statement *st)
{
	return st->imp.runs == 0;
}

static bool has_intensity(const struct statement *st)
{
	return st->have_in;
}

static bool emb_configured(const struct statement *st)
{
	return st->emb.configured;
}

static const char *or_none(const char *s)
{
	return s && *s ? s : "none";
}

static void text_jobs(const struct statement *st, FILE *fp)
{
	fprintf(fp, "%zu (%zu partial: a step record marked partial, e.g. a killed step)", st->jobs,
		st->partial_jobs);
}

static void text_states(const struct statement *st, FILE *fp)
{
	size_t i;

	fprintf(fp, "%zu completed, %zu failed, %zu cancelled", st->jobs_by_state[JOB_COMPLETED],
		st->jobs_by_state[JOB_FAILED], st->jobs_by_state[JOB_CANCELLED]);
	/* Slurm's other end states (sql/016), where a job had one. */
	for (i = JOB_TIMEOUT; i < JOB_STATE_COUNT; i++)
		if (st->jobs_by_state[i])
			fprintf(fp, ", %zu %s", st->jobs_by_state[i], job_state_name((enum job_state)i));
	if (st->jobs_by_state[JOB_UNKNOWN])
		fprintf(fp, ", %zu unknown (no record says how it ended)",
			st->jobs_by_state[JOB_UNKNOWN]);
}

static void json_states(const struct statement *st, struct json_writer *w)
{
	size_t i;

	json_begin_object(w);
	for (i = JOB_COMPLETED; i < JOB_STATE_COUNT; i++)
		json_kv_int(w, job_state_name((enum job_state)i), (long long)st->jobs_by_state[i]);
	json_kv_int(w, job_state_name(JOB_UNKNOWN), (long long)st->jobs_by_state[JOB_UNKNOWN]);
	json_end_object(w);
}

static void text_failed(const struct statement *st, FILE *fp)
{
	char a[48], b[48], c[48];

	fprintf(fp, "%zu job%s: %s IT energy, %s facility energy, %s (included in the totals)",
		st->fc_jobs, st->fc_jobs == 1 ? "" : "s", text_kwh(st->fc_it_kwh, a, sizeof(a)),
		text_kwh(st->fc_facility_kwh, b, sizeof(b)), text_kg(st->fc_co2e_kg, c, sizeof(c)));
}

static void text_period(const struct statement *st, FILE *fp)
{
	char a[32], b[32];

	fprintf(fp, "%s .. %s (%s)", utc_iso8601(st->start_s, a, sizeof(a)),
		utc_iso8601(st->end_s, b, sizeof(b)),
		st->start_given || st->end_given ? "-S/-E as given, else the jobs'; jobs that ran in it count whole" :
		st->imp.runs ? "the first start and last end of the jobs and imported runs" :
		"the jobs' first start and last end");
}

static const char *period_from(const struct statement *st)
{
	return st->start_given || st->end_given ? "options -S/-E, else the jobs" : "the jobs";
}

static void json_methods(const struct statement *st, struct json_writer *w)
{
	size_t i;

	json_begin_array(w);
	for (i = 0; i < st->n_methods; i++)
		json_string(w, st->methods[i]);
	json_end_array(w);
}

/* The methods' words; a node meter's with what it is. */
static void text_methods(const struct statement *st, FILE *fp)
{
	enum energy_method how;
	const char *words;
	bool incl_gpu;
	size_t i;

	for (i = 0; i < st->n_methods; i++) {
		fprintf(fp, "%s%s", i ? ", " : "", st->methods[i]);
		words = statement_node_meter(st->methods[i], strlen(st->methods[i]), &how, &incl_gpu);
		if (words)
			fprintf(fp, " (%s%s)", words,
				incl_gpu ? "; it includes the GPUs, whose own readings were subtracted" : "");
	}
}

static bool has_node_meter(const struct statement *st)
{
	return st->node_meter_records > 0;
}

/* Each node meter among the methods: its word, what it is, and whether
 * it read an energy counter or power. */
static void json_node_meters(const struct statement *st, struct json_writer *w)
{
	enum energy_method how;
	const char *words;
	bool incl_gpu;
	size_t i;

	json_begin_array(w);
	for (i = 0; i < st->n_methods; i++) {
		words = statement_node_meter(st->methods[i], strlen(st->methods[i]), &how, &incl_gpu);
		if (!words)
			continue;
		json_begin_object(w);
		json_kv_string(w, "method", st->methods[i]);
		json_kv_string(w, "meter", words);
		json_kv_string(w, "measures", statement_method_name(how));
		json_kv_bool(w, "includes_gpus", incl_gpu);
		json_end_object(w);
	}
	json_end_array(w);
}

static void json_nodes(const struct statement *st, struct json_writer *w)
{
	size_t i;

	json_begin_array(w);
	for (i = 0; i < st->n_nodes; i++)
		json_string(w, st->nodes[i]);
	json_end_array(w);
}

static void text_nodes(const struct statement *st, FILE *fp)
{
	size_t i;

	fprintf(fp, "%zu (", st->n_nodes);
	for (i = 0; i < st->n_nodes; i++)
		fprintf(fp, "%s%s", i ? ", " : "", st->nodes[i]);
	fputc(')', fp);
}

/* "Model A (2 nodes), Model B (1 node); at most 16 CPUs in one job"; unit
 * singular ("CPU"). */
static void text_models(FILE *fp, const struct model_nodes *m, size_t n, long count,
			const char *unit, size_t rows_without)
{
	size_t i;

	if (count < 0) {
		fputs("unknown (not recorded)", fp);
		return;
	}
	if (count == 0 && n == 0) {
		fprintf(fp, "none%s", rows_without ? " (some records do not say)" : "");
		return;
	}
	for (i = 0; i < n; i++)
		fprintf(fp, "%s%s (%zu node%s)", i ? ", " : "", m[i].model, m[i].nodes,
			m[i].nodes == 1 ? "" : "s");
	fprintf(fp, "%sat most %ld %s%s in one job%s", n ? "; " : "model unknown; ", count, unit,
		count == 1 ? "" : "s", rows_without ? " (some records do not say)" : "");
}

static void text_cpu_models(const struct statement *st, FILE *fp)
{
	text_models(fp, st->cpu_models, st->n_cpu_models, st->cpu_count, "CPU",
		    st->rows_without_hardware);
}

static void text_gpu_models(const struct statement *st, FILE *fp)
{
	text_models(fp, st->gpu_models, st->n_gpu_models, st->gpu_count, "GPU",
		    st->rows_without_hardware);
}

static void json_models(struct json_writer *w, const struct model_nodes *m, size_t n)
{
	size_t i;

	json_begin_array(w);
	for (i = 0; i < n; i++) {
		json_begin_object(w);
		json_kv_string(w, "model", m[i].model);
		json_kv_int(w, "nodes", (long long)m[i].nodes);
		json_end_object(w);
	}
	json_end_array(w);
}

static void json_cpu_models(const struct statement *st, struct json_writer *w)
{
	json_models(w, st->cpu_models, st->n_cpu_models);
}

static void json_gpu_models(const struct statement *st, struct json_writer *w)
{
	json_models(w, st->gpu_models, st->n_gpu_models);
}

static void json_cpu_model(const struct statement *st, struct json_writer *w)
{
	json_string(w, st->n_cpu_models ? st->cpu_models[0].model : NULL);
}

static void json_gpu_model(const struct statement *st, struct json_writer *w)
{
	json_string(w, st->n_gpu_models ? st->gpu_models[0].model : NULL);
}

static double cpu_hours(const struct statement *st)
{
	return st->cpu_time_s / 3600.0;
}

static double wall_hours(const struct statement *st)
{
	return st->wall_s / 3600.0;
}

static double node_hours(const struct statement *st)
{
	return st->node_s / 3600.0;
}

static void text_cpu_time(const struct statement *st, FILE *fp)
{
	char x[32];

	fprintf(fp, "%s CPU-hours%s", table_sig4(cpu_hours(st), x, sizeof(x)),
		st->rows_without_cpu_time ? " (some records lack CPU time)" : "");
}

static void text_cores(const struct statement *st, FILE *fp)
{
	char x[32];

	if (isnan(st->core_hours))
		fputs("unknown (not recorded)", fp);
	else
		fprintf(fp, "%s core-hours (the job's CPUs x its time on each node)",
			table_sig4(st->core_hours, x, sizeof(x)));
}

static void text_gpu_time(const struct statement *st, FILE *fp)
{
	char x[32];

	if (isnan(st->gpu_hours))
		fputs("unknown (not recorded)", fp);
	else
		fprintf(fp, "%s GPU-hours (the GPUs the steps held x their time)",
			table_sig4(st->gpu_hours, x, sizeof(x)));
}

/* energy_kwh and energy_methods: one member per component, then it and
 * facility. */
static void json_energy(const struct statement *st, struct json_writer *w)
{
	int d;

	json_begin_object(w);
	for (d = 0; d < DOMAIN_COUNT; d++)
		json_kv_number(w, energy_domain_name(d), st->energy_kwh[d]);
	json_kv_number(w, "it", st->it_kwh);
	json_kv_number(w, "facility", st->facility_kwh);
	json_end_object(w);
}

static void json_energy_methods(const struct statement *st, struct json_writer *w)
{
	char buf[64];
	int d;

	json_begin_object(w);
	for (d = 0; d < DOMAIN_COUNT; d++)
		json_kv_string(w, energy_domain_name(d),
			       statement_methods_str(st->domain_methods[d], buf, sizeof(buf)));
	json_end_object(w);
}

enum { COL_PART, COL_KWH, COL_METHOD, N_COLS };

static const struct table_column energy_columns[N_COLS] = {
	[COL_PART] = { .header = "COMPONENT" },
	[COL_KWH] = { .header = "ENERGY", .right = true },
	[COL_METHOD] = { .header = "METHOD" },
};

static const char *const domain_label[DOMAIN_COUNT] = {
	[DOMAIN_CPU] = "CPU", [DOMAIN_DRAM] = "DRAM", [DOMAIN_GPU] = "GPU", [DOMAIN_OTHER] = "other",
};

/* The energy per component, with the sensors that measured it: a table,
 * then a blank line. */
static int block_energy(const struct statement *st, enum output_format format, FILE *fp)
{
	struct table t;
	char buf[64], x[32];
	unsigned all = 0;
	int d, rc = -1;

	table_init(&t, energy_columns, N_COLS);
	for (d = 0; d < DOMAIN_COUNT; d++) {
		const char *m = statement_methods_str(st->domain_methods[d], buf, sizeof(buf));

		all |= st->domain_methods[d];
		if (table_add_row(&t) < 0)
			goto out;
		table_cell(&t, COL_PART, "%s", domain_label[d]);
		table_cell(&t, COL_KWH, "%s", text_kwh(st->energy_kwh[d], x, sizeof(x)));
		table_cell(&t, COL_METHOD, "%s", m ? m : "-");
	}
	if (table_add_row(&t) < 0)
		goto out;
	table_cell(&t, COL_PART, "IT (sum)");
	table_cell(&t, COL_KWH, "%s", text_kwh(st->it_kwh, x, sizeof(x)));
	table_cell(&t, COL_METHOD, "%s", statement_methods_str(all, buf, sizeof(buf)) ? buf : "-");
	if (table_add_row(&t) < 0)
		goto out;
	table_cell(&t, COL_PART, "facility");
	table_cell(&t, COL_KWH, "%s", text_kwh(st->facility_kwh, x, sizeof(x)));
	table_cell(&t, COL_METHOD, st->imp.runs ? "IT x PUE; imported: as imported" : "IT x PUE");
	if (t.failed)
		goto out;
	if (format == FMT_MARKDOWN)
		table_print_markdown(&t, NULL, fp);
	else
		table_print_text(&t, NULL, fp);
	fputc('\n', fp);
	rc = 0;
out:
	table_free(&t);
	return rc;
}

static void text_coverage(const struct statement *st, FILE *fp)
{
	fprintf(fp, "%.1f %% of the IT energy measured by counters, %.1f %% modelled",
		100.0 * statement_measured_fraction(st), 100.0 * statement_modelled_fraction(st));
	if (st->imp.runs)
		fprintf(fp, ", %.1f %% imported (CodeCarbon, not measured by slurm-carbon)",
			100.0 * statement_imported_fraction(st));
}

static double imported_hours(const struct statement *st)
{
	return st->imp.duration_s / 3600.0;
}

static void json_imported_energy(const struct statement *st, struct json_writer *w)
{
	int d;

	json_begin_object(w);
	for (d = 0; d < DOMAIN_COUNT; d++)
		json_kv_number(w, energy_domain_name(d), st->imp.energy_kwh[d]);
	json_kv_number(w, "it", st->imp.it_kwh);
	json_kv_number(w, "facility", st->imp.facility_kwh);
	json_end_object(w);
}

static void json_null_value(const struct statement *st, struct json_writer *w)
{
	(void)st;
	json_null(w);
}

static void text_imported_scope(const struct statement *st, FILE *fp)
{
	const struct imported_runs *imp = &st->imp;

	if (imp->estimated_runs)
		fprintf(fp, "%zu (%zu CodeCarbon, %zu estimated; see Imported runs and Estimated runs)",
			imp->runs, imp->runs - imp->estimated_runs, imp->estimated_runs);
	else
		fprintf(fp, "%zu (CodeCarbon, see Imported runs)", imp->runs);
}

static void text_imported_runs(const struct statement *st, FILE *fp)
{
	const struct imported_runs *imp = &st->imp;

	if (imp->estimated_runs)
		fprintf(fp, "%zu: %zu imported with 'carbon-report import codecarbon' (CodeCarbon's figures) and %zu with 'carbon-report import estimate' (see Estimated runs); not measured by slurm-carbon",
			imp->runs, imp->runs - imp->estimated_runs, imp->estimated_runs);
	else
		fprintf(fp, "%zu, imported with 'carbon-report import codecarbon': CodeCarbon's figures, not measured by slurm-carbon",
			imp->runs);
}

static void text_estimated_runs(const struct statement *st, FILE *fp)
{
	fprintf(fp, "%zu of the imported runs, with 'carbon-report import estimate': each GPU and CPU at its TDP for the whole time, x PUE, x the zone's annual intensity; not measured",
		st->imp.estimated_runs);
}

static void text_imported_period(const struct statement *st, FILE *fp)
{
	char a[32], b[32], x[32];

	fprintf(fp, "%s .. %s (%s hours of runs)", utc_iso8601(st->imp.first_s, a, sizeof(a)),
		utc_iso8601(st->imp.last_s, b, sizeof(b)),
		table_sig4(imported_hours(st), x, sizeof(x)));
}

static void text_imported_energy(const struct statement *st, FILE *fp)
{
	const struct imported_runs *imp = &st->imp;
	char c[32], d[32], g[32], o[32], it[32];

	fprintf(fp, "CPU %s, DRAM (RAM) %s, GPU %s, other %s: IT %s",
		text_kwh(imp->energy_kwh[DOMAIN_CPU], c, sizeof(c)),
		text_kwh(imp->energy_kwh[DOMAIN_DRAM], d, sizeof(d)),
		text_kwh(imp->energy_kwh[DOMAIN_GPU], g, sizeof(g)),
		text_kwh(imp->energy_kwh[DOMAIN_OTHER], o, sizeof(o)), text_kwh(imp->it_kwh, it, sizeof(it)));
}

/* Where the PUE came from, in words: "carbon.conf (/etc/slurm/carbon.conf)
 * and PUE period 2026-01-01–2026-07-01". */
static void text_pue_sources(const struct statement *st, FILE *fp)
{
	char buf[320];
	size_t i;

	for (i = 0; i < st->n_pue_sources; i++)
		fprintf(fp, "%s%s", i ? " and " : "",
			site_source_str(&st->pue_sources[i], buf, sizeof(buf)));
	if (!st->n_pue_sources)
		fputc('-', fp);
}

static void text_pue(const struct statement *st, FILE *fp)
{
	fprintf(fp, "%.4g, from ", st->pue);
	text_pue_sources(st, fp);
	if (st->imp.runs)
		fputs(", of the jobs; imported runs as imported", fp);
}

/* pue_source: the kinds alone ("carbon.conf", "period", "site settings",
 * "default"), each once, joined by " and ". */
static void json_pue_source(const struct statement *st, struct json_writer *w)
{
	char buf[128] = "";
	size_t i, j, len = 0;

	for (i = 0; i < st->n_pue_sources; i++) {
		for (j = 0; j < i && st->pue_sources[j].kind != st->pue_sources[i].kind; j++)
			;
		if (j < i)
			continue;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? " and " : "",
					site_source_kind_name(st->pue_sources[i].kind));
		if (len >= sizeof(buf))
			break;
	}
	json_string(w, buf[0] ? buf : NULL);
}

/* pue_sources: each source with its kind, its words and its particulars. */
static void json_pue_sources(const struct statement *st, struct json_writer *w)
{
	char buf[320];
	size_t i;

	json_begin_array(w);
	for (i = 0; i < st->n_pue_sources; i++) {
		const struct site_source *src = &st->pue_sources[i];

		json_begin_object(w);
		json_kv_string(w, "kind", site_source_kind_name(src->kind));
		json_kv_string(w, "description", site_source_str(src, buf, sizeof(buf)));
		if (src->kind == SOURCE_CONF)
			json_kv_string(w, "path", src->path);
		if (src->kind == SOURCE_SITE)
			json_kv_string(w, "recorded_at", utc_iso8601(src->from_s, buf, sizeof(buf)));
		if (src->kind == SOURCE_PERIOD) {
			json_kv_string(w, "from", utc_iso8601(src->from_s, buf, sizeof(buf)));
			if (isnan(src->to_s))
				json_kv_null(w, "to");
			else
				json_kv_string(w, "to", utc_iso8601(src->to_s, buf, sizeof(buf)));
		}
		json_end_object(w);
	}
	json_end_array(w);
}

static double intensity(const struct statement *st)
{
	return st->have_in ? st->in.g_per_kwh : NAN;
}

static void text_intensity(const struct statement *st, FILE *fp)
{
	if (st->have_in)
		fprintf(fp, "%.4g gCO2e/kWh, location-based, average (energy-weighted)",
			st->in.g_per_kwh);
	else
		fputs("none (no energy measured)", fp);
}

static void text_source(const struct statement *st, FILE *fp)
{
	const struct intensity *in = &st->in;

	fprintf(fp, "%s, dataset %s, year ", in->level, in->dataset);
	if (in->year)
		fprintf(fp, "%d", in->year);
	else
		fputc('-', fp);
	fprintf(fp, ", zone %s, resolution %s%s%s", in->zone[0] ? in->zone : "-", in->resolution,
		in->licence[0] ? ", licence " : "", in->licence);
}

/* The members of intensity_source that are null without an intensity. */
static void json_in_string(struct json_writer *w, const struct statement *st, const char *s)
{
	json_string(w, st->have_in ? s : NULL);
}

static void json_in_level(const struct statement *st, struct json_writer *w)
{
	json_in_string(w, st, st->in.level);
}

static void json_in_dataset(const struct statement *st, struct json_writer *w)
{
	json_in_string(w, st, st->in.dataset);
}

static void json_in_year(const struct statement *st, struct json_writer *w)
{
	if (st->in.year)
		json_int(w, st->in.year);
	else
		json_null(w);
}

static void json_in_resolution(const struct statement *st, struct json_writer *w)
{
	json_in_string(w, st, st->in.resolution);
}

static void text_embodied(const struct statement *st, FILE *fp)
{
	const struct embodied *e = &st->emb;
	char x[48], y[48], z1[32], z2[32], z3[48], z4[32], z6[32];

	if (!e->configured) {
		fputs("not configured (not included above)", fp);
		return;
	}
	if (isnan(e->kg)) {
		fputs("unknown: the records do not say the cores allocated (not included above)", fp);
		return;
	}
	fprintf(fp, "%s, kept apart from the operational figure: %s for %s allocated core-hours (a %s node of %d CPUs) + %s for %s GPU-hours (",
		text_kg(e->kg, x, sizeof(x)), table_amount(e->cpu_kg, TABLE_KG, y, sizeof(y)),
		table_sig4(st->core_hours, z1, sizeof(z1)),
		table_amount(e->node_kg, TABLE_KG, z2, sizeof(z2)), e->node_cores,
		table_amount(e->gpu_kg_part, TABLE_KG, z3, sizeof(z3)),
		table_sig4(isnan(st->gpu_hours) ? 0.0 : st->gpu_hours, z4, sizeof(z4)));
	if (e->gpu_kg >= 0)
		fprintf(fp, "%s a GPU", table_amount(e->gpu_kg, TABLE_KG, z6, sizeof(z6)));
	else
		fputs("GPUs not configured", fp);
	fprintf(fp, "), each spread over a %g-year life", e->lifetime_years);
}

static const char *embodied_status(const struct statement *st)
{
	if (!st->emb.configured)
		return "not configured";
	return isnan(st->emb.kg) ? "configured; the records do not say the cores allocated" :
				   "configured";
}

static void json_gpu_unit_kg(const struct statement *st, struct json_writer *w)
{
	if (st->emb.gpu_kg >= 0)
		json_number(w, st->emb.gpu_kg);
	else
		json_null(w);
}

#define SCI_STANDARD "ISO/IEC 21031:2024 Software Carbon Intensity (SCI)"

/* "610.0 g CO2e per job (ISO/IEC 21031:2024: ...)" */
static void text_sci(const struct statement *st, FILE *fp)
{
	char x[48], y[48];

	fprintf(fp, "%s per job ((E x I + M) / R of ISO/IEC 21031:2024, R = %zu job%s",
		text_kg(statement_sci_kg_per_job(st), x, sizeof(x)), st->jobs,
		st->jobs == 1 ? "" : "s");
	if (st->imp.runs)
		fprintf(fp, " + %zu imported run%s", st->imp.runs, st->imp.runs == 1 ? "" : "s");
	fprintf(fp, "; %s for the %s; %s)", text_kg(statement_sci_scope_kg(st), y, sizeof(y)),
		st->by,
		statement_sci_embodied(st) ? "M the embodied share above" :
					     "M left out: embodied not known");
}

static void json_sci_embodied(const struct statement *st, struct json_writer *w)
{
	json_bool(w, statement_sci_embodied(st));
}

/* The combined band, then each method that measured energy. */
static void text_band(const struct statement *st, FILE *fp)
{
	const struct uncertainty_band *b;
	char x[48], y[48];
	int m;

	fprintf(fp, "%s .. %s (-%.1f %% / +%.1f %%:",
		table_amount(statement_band_low_kg(st), TABLE_KG, x, sizeof(x)),
		text_kg(statement_band_high_kg(st), y, sizeof(y)), statement_band_low_pct(st),
		statement_band_high_pct(st));
	for (m = 0; m < EM_COUNT; m++) {
		if (statement_method_kwh(st, (enum energy_method)m) <= 0)
			continue;
		b = statement_method_band((enum energy_method)m);
		fprintf(fp, " %s %.1f %% of the energy at -%g/+%g %%;",
			statement_method_name((enum energy_method)m),
			100.0 * statement_method_share(st, (enum energy_method)m), b ? b->low_pct : 0.0,
			b ? b->high_pct : 0.0);
	}
	fputs(" bands weighted by energy and added linearly; the energy measurement only)", fp);
}

static void json_bands(const struct statement *st, struct json_writer *w)
{
	const struct uncertainty_band *b;
	int m;

	json_begin_array(w);
	for (m = 0; m < EM_COUNT; m++) {
		b = statement_method_band((enum energy_method)m);
		json_begin_object(w);
		json_kv_string(w, "method", statement_method_name((enum energy_method)m));
		json_kv_number(w, "energy_kwh", statement_method_kwh(st, (enum energy_method)m));
		json_kv_number(w, "share", statement_method_share(st, (enum energy_method)m));
		json_kv_number(w, "low_pct", b ? b->low_pct : NAN);
		json_kv_number(w, "high_pct", b ? b->high_pct : NAN);
		json_kv_string(w, "source", b ? b->source : NULL);
		json_end_object(w);
	}
	json_end_array(w);
}

static double offset_tonnes(const struct statement *st)
{
	return st->co2e_kg / 1000.0;
}

/* The CO2e as the other text figures have it (the price is per tonne). */
static void text_offsets(const struct statement *st, FILE *fp)
{
	char x[48], y[32];

	fprintf(fp, "%s x %.2f USD/t = %s USD", text_kg(st->co2e_kg, x, sizeof(x)),
		st->offset_price, table_sig4(statement_offset_cost_usd(st), y, sizeof(y)));
}

static const char *price_source(const struct statement *st, bool json)
{
	if (st->offset_price_given)
		return json ? "--offset-price" : "given with --offset-price";
	return OFFSET_PRICE_SOURCE;
}

static void text_price(const struct statement *st, FILE *fp)
{
	fputs(price_source(st, false), fp);
}

static void json_price_source(const struct statement *st, struct json_writer *w)
{
	json_string(w, price_source(st, true));
}

static void text_software(const struct statement *st, FILE *fp)
{
	fprintf(fp, "carbon-report %s", st->software);
}

static void text_data(const struct statement *st, FILE *fp)
{
	const struct data_version *dv = &st->data;

	fprintf(fp, "schema %d; %ld annual intensities (latest year ", dv->schema, dv->annual_rows);
	if (dv->annual_latest_year)
		fprintf(fp, "%d", dv->annual_latest_year);
	else
		fputc('-', fp);
	fprintf(fp, "); %ld series rows, imported %s", dv->series_rows,
		or_none(dv->series_imported_at));
}

static void json_series_imported_at(const struct statement *st, struct json_writer *w)
{
	json_string(w, st->data.series_imported_at[0] ? st->data.series_imported_at : NULL);
}

/* The limitations that apply to st, in order; NULL after the last. */
static const char *limitation(const struct statement *st, size_t i)
{
	if (!st->node_meter_records && i-- == 0)
		return rapl_limitation;
	if (st->node_meter_records && i-- == 0)
		return node_meter_limitation;
	if (st->node_meter_records && st->records_without_node_meter && i-- == 0)
		return rapl_elsewhere_limitation;
	if (i < N_LIMITATIONS)
		return limitations[i];
	i -= N_LIMITATIONS;
	if (st->rows_without_hardware && i-- == 0)
		return hardware_limitation;
	if (st->imp.runs && i-- == 0)
		return imported_limitation;
	return NULL;
}

static void json_limitations(const struct statement *st, struct json_writer *w)
{
	const char *s;
	size_t i;

	json_begin_array(w);
	for (i = 0; (s = limitation(st, i)); i++)
		json_string(w, s);
	json_end_array(w);
}

static int block_limitations(const struct statement *st, enum output_format format, FILE *fp)
{
	const char *s;
	size_t i;

	for (i = 0; (s = limitation(st, i)); i++)
		fprintf(fp, format == FMT_MARKDOWN ? "- %s\n" : "  - %s\n", s);
	return 0;
}

static bool has_track(const struct statement *st)
{
	return st->track.n > 0;
}

static void json_track(const struct statement *st, struct json_writer *w)
{
	track_block_json(w, &st->track);
}

/* ---- what if (counterfactual, never in the totals) ------------------------- */

#define WHAT_IF_NOTE "counterfactual: the same facility energy at other intensities; not part of the statement's figures or totals"
#define WHAT_IF_SHIFT_RULE "the work's hours (from its first start hour to its last end, whole hours) moved as one block to the contiguous hours of the same UTC week (Monday to Monday) with the least carbon in the zone's hourly series; its facility energy spread evenly over those hours"

static bool has_what_if(const struct statement *st)
{
	return st->what_if.done;
}

static void json_what_if_shift(const struct what_if_shift *sh, struct json_writer *w)
{
	char a[32];

	json_begin_object(w);
	json_kv_string(w, "rule", WHAT_IF_SHIFT_RULE);
	json_kv_string(w, "zone", sh->zone[0] ? sh->zone : NULL);
	json_kv_bool(w, "computed", sh->done);
	if (!sh->done) {
		json_kv_string(w, "reason", sh->why);
	} else {
		json_kv_string(w, "week_start", utc_iso8601(sh->week_start_s, a, sizeof(a)));
		json_kv_int(w, "hours", sh->hours);
		json_kv_string(w, "actual_start", utc_iso8601(sh->actual_start_s, a, sizeof(a)));
		json_kv_number(w, "actual_co2e_kg", sh->actual_kg);
		json_kv_string(w, "best_start", utc_iso8601(sh->best_start_s, a, sizeof(a)));
		json_kv_number(w, "best_co2e_kg", sh->best_kg);
		json_kv_number(w, "saved_co2e_kg", sh->actual_kg - sh->best_kg);
	}
	json_end_object(w);
}

static void json_what_if(const struct statement *st, struct json_writer *w)
{
	const struct what_if *wi = &st->what_if;
	size_t i;

	json_begin_object(w);
	json_kv_bool(w, "counterfactual", true);
	json_kv_bool(w, "part_of_totals", false);
	json_kv_string(w, "note", WHAT_IF_NOTE);
	json_kv_number(w, "facility_kwh", wi->facility_kwh);
	json_key(w, "zones");
	json_begin_array(w);
	for (i = 0; i < wi->n_zones; i++) {
		const struct what_if_zone *z = &wi->zones[i];

		json_begin_object(w);
		json_kv_string(w, "zone", z->zone);
		json_kv_string(w, "chosen", z->named ? "named" : "lowest");
		json_kv_number(w, "g_per_kwh", z->g_per_kwh);
		json_kv_string(w, "dataset", z->dataset);
		json_kv_int(w, "year", z->year);
		json_kv_number(w, "co2e_kg", z->co2e_kg);
		json_end_object(w);
	}
	json_end_array(w);
	json_key(w, "shift");
	json_what_if_shift(&wi->shift, w);
	json_end_object(w);
}

/* One line per zone and one for the shift, under the section's heading. */
static int block_what_if(const struct statement *st, enum output_format format, FILE *fp)
{
	const struct what_if *wi = &st->what_if;
	const struct what_if_shift *sh = &wi->shift;
	const char *item = format == FMT_MARKDOWN ? "- " : "  ";
	char a[32], b[32], x[48], y[48];
	size_t i;

	fprintf(fp, "%s%s\n", item, WHAT_IF_NOTE);
	for (i = 0; i < wi->n_zones; i++) {
		const struct what_if_zone *z = &wi->zones[i];

		fprintf(fp, "%s%s in %s at %.4g g/kWh (%s, %d; %s)\n", item,
			text_kg(z->co2e_kg, x, sizeof(x)), z->zone, z->g_per_kwh, z->dataset, z->year,
			z->named ? "named" : "one of the lowest");
	}
	if (sh->done)
		fprintf(fp, "%smoved in time: %u h from %s in %s, %s; from %s instead, %s (%s)\n", item,
			sh->hours, utc_iso8601(sh->actual_start_s, a, sizeof(a)), sh->zone,
			text_kg(sh->actual_kg, x, sizeof(x)),
			utc_iso8601(sh->best_start_s, b, sizeof(b)), text_kg(sh->best_kg, y, sizeof(y)),
			WHAT_IF_SHIFT_RULE);
	else
		fprintf(fp, "%smoved in time: not computed: %s\n", item, sh->why);
	return 0;
}

/* The lowest zone's figure, for the LaTeX table. */
static void text_what_if(const struct statement *st, FILE *fp)
{
	const struct what_if *wi = &st->what_if;
	char x[48];
	size_t i;

	for (i = 0; i < wi->n_zones; i++)
		fprintf(fp, "%s%s in %s", i ? "; " : "", text_kg(wi->zones[i].co2e_kg, x, sizeof(x)),
			wi->zones[i].zone);
	if (wi->shift.done)
		fprintf(fp, "; moved in time %s", text_kg(wi->shift.best_kg, x, sizeof(x)));
	fputs(" (counterfactual, not in the totals)", fp);
}

/* The statement, field by field: the JSON's members in the contract's
 * order, the text forms' lines under their headings. */
static const struct field fields[] = {
	{ .key = "scope.by", M(T_STRING, by) },
	{ .key = "scope", .section = "Scope", M(T_STRING, who), .flags = F_BY },
	{ .key = "scope.jobs", .section = "Scope", .label = "jobs", M(T_SIZE, jobs),
	  .text = text_jobs, .flags = F_FIGURE },
	{ .key = "scope.partial_jobs", M(T_SIZE, partial_jobs) },
	{ .key = "scope.unmeasured_jobs", .section = "Scope", .label = "unmeasured jobs",
	  M(T_SIZE, unmeasured_jobs), .note = "(no energy counters; no energy counted)",
	  .flags = F_TEXT_NONZERO },
	{ .key = "scope.records", M(T_SIZE, records) },
	{ .key = "scope.imported_runs", M(T_SIZE, imp.runs) },
	{ .key = "scope.jobs_by_state", .section = "Scope", .label = "jobs by state",
	  .text = text_states, .json = json_states },
	{ .key = "scope.failed_or_cancelled.jobs", .section = "Scope",
	  .label = "failed or cancelled", M(T_SIZE, fc_jobs), .text = text_failed },
	{ .key = "scope.failed_or_cancelled.energy_kwh.it", M(T_DOUBLE, fc_it_kwh) },
	{ .key = "scope.failed_or_cancelled.energy_kwh.facility", M(T_DOUBLE, fc_facility_kwh) },
	{ .key = "scope.failed_or_cancelled.co2e_kg", M(T_DOUBLE, fc_co2e_kg) },
	{ .section = "Scope", .label = "step records", M(T_SIZE, records),
	  .note = "(one per step per node)" },
	{ .section = "Scope", .label = "imported runs", M(T_SIZE, imp.runs),
	  .text = text_imported_scope, .flags = F_TEXT_NONZERO },
	{ .key = "jobs", M(T_SIZE, jobs) },
	{ .key = "period.start", .section = "Scope", .label = "period", M(T_DOUBLE, start_s),
	  .unit = U_TIME, .text = text_period, .flags = F_FIGURE },
	{ .key = "period.end", M(T_DOUBLE, end_s), .unit = U_TIME },
	{ .key = "period.from", .type = T_STRING_FN, .string = period_from },
	{ .key = "methods", .json = json_methods },
	{ .key = "node_meters", .json = json_node_meters, .when = has_node_meter },
	{ .key = "hardware.nodes", .section = "Hardware", .label = "nodes", .text = text_nodes,
	  .json = json_nodes, .flags = F_FIGURE },
	{ .section = "Hardware", .label = "measured with", .text = text_methods,
	  .flags = F_FIGURE },
	{ .key = "hardware.node_count", M(T_SIZE, n_nodes) },
	{ .key = "hardware.cpu_model", .section = "Hardware", .label = "CPU model, count",
	  .text = text_cpu_models, .json = json_cpu_model, .flags = F_FIGURE },
	{ .key = "hardware.cpu_count", M(T_LONG, cpu_count) },
	{ .key = "hardware.gpu_model", .section = "Hardware", .label = "GPU model, count",
	  .text = text_gpu_models, .json = json_gpu_model, .flags = F_FIGURE },
	{ .key = "hardware.gpu_count", M(T_LONG, gpu_count) },
	{ .key = "hardware.cpu_models", .json = json_cpu_models },
	{ .key = "hardware.gpu_models", .json = json_gpu_models },
	{ .key = "hardware.records_without_hardware", M(T_SIZE, rows_without_hardware) },
	{ .key = "hardware.note", .type = T_CONST, .const_str = HARDWARE_NOTE },
	{ .key = "activity.cpu_hours", .section = "Activity", .label = "CPU time",
	  .type = T_NUMBER_FN, .number = cpu_hours, .text = text_cpu_time, .flags = F_FIGURE },
	{ .key = "activity.wall_hours", .section = "Activity", .label = "wall time",
	  .type = T_NUMBER_FN, .number = wall_hours, .unit = U_SIG4, .suffix = "hours",
	  .note = "(sum of the jobs' durations)" },
	{ .key = "activity.node_hours", .section = "Activity", .label = "node time",
	  .type = T_NUMBER_FN, .number = node_hours, .unit = U_SIG4, .suffix = "node-hours" },
	{ .key = "activity.records_without_cpu_time", M(T_SIZE, rows_without_cpu_time) },
	{ .key = "activity.gpu_hours", M(T_DOUBLE, gpu_hours) },
	{ .key = "activity.core_hours_allocated", .section = "Activity", .label = "allocated cores",
	  M(T_DOUBLE, core_hours), .text = text_cores },
	{ .section = "Activity", .label = "GPU time", .text = text_gpu_time, .flags = F_FIGURE },
	{ .key = "energy_kwh", .section = "Energy", .json = json_energy, .block = block_energy },
	{ .key = "energy_methods", .json = json_energy_methods },
	{ .key = "coverage.measured_kwh", .section = "Energy", .label = "coverage",
	  .type = T_NUMBER_FN, .number = statement_measured_kwh, .text = text_coverage,
	  .flags = F_FIGURE },
	{ .key = "coverage.modelled_kwh", M(T_DOUBLE, estimated_kwh) },
	{ .key = "coverage.imported_kwh", M(T_DOUBLE, imp.it_kwh) },
	{ .key = "coverage.measured_fraction", .type = T_NUMBER_FN,
	  .number = statement_measured_fraction },
	{ .key = "coverage.modelled_fraction", .type = T_NUMBER_FN,
	  .number = statement_modelled_fraction },
	{ .key = "coverage.imported_fraction", .type = T_NUMBER_FN,
	  .number = statement_imported_fraction },
	{ .key = "imported.method", .type = T_CONST, .const_str = IMPORTED_METHOD },
	{ .key = "imported.runs", M(T_SIZE, imp.runs) },
	{ .key = "imported.coverage", .type = T_CONST,
	  .const_str = "imported with carbon-report import codecarbon: CodeCarbon's figures, not measured by slurm-carbon" },
	{ .key = "imported.period.start", M(T_DOUBLE, imp.first_s), .unit = U_TIME,
	  .when = has_imported },
	{ .key = "imported.period.end", M(T_DOUBLE, imp.last_s), .unit = U_TIME,
	  .when = has_imported },
	{ .key = "imported.period", .json = json_null_value, .when = no_imported },
	{ .key = "imported.duration_hours", .type = T_NUMBER_FN, .number = imported_hours },
	{ .key = "imported.energy_kwh", .json = json_imported_energy },
	{ .key = "imported.co2e_kg", M(T_DOUBLE, imp.co2e_kg) },
	{ .key = "imported.co2e_source", .type = T_CONST,
	  .const_str = "as imported (CodeCarbon's own intensity and PUE)" },
	{ .key = "imported.estimated.method", .type = T_CONST, .const_str = ESTIMATE_METHOD,
	  .when = has_estimated },
	{ .key = "imported.estimated.runs", M(T_SIZE, imp.estimated_runs), .when = has_estimated },
	{ .key = "imported.estimated.facility_kwh", M(T_DOUBLE, imp.estimated_facility_kwh),
	  .when = has_estimated },
	{ .key = "imported.estimated.co2e_kg", M(T_DOUBLE, imp.estimated_kg), .when = has_estimated },
	{ .key = "imported.estimated.how", M(T_STRING, imp.estimated_how), .when = has_estimated },
	{ .section = "Energy", .label = "IT energy", M(T_DOUBLE, it_kwh), .unit = U_KWH,
	  .flags = F_FIGURE | F_FIGURE_ONLY },
	{ .key = "pue", .section = "Energy", .label = "PUE", M(T_DOUBLE, pue), .text = text_pue,
	  .flags = F_FIGURE },
	{ .key = "pue_source", .json = json_pue_source },
	{ .key = "pue_sources", .json = json_pue_sources },
	{ .section = "Energy", .label = "facility energy", M(T_DOUBLE, facility_kwh),
	  .unit = U_KWH, .flags = F_FIGURE },
	{ .section = "Imported runs (method codecarbon)", .label = "runs",
	  .text = text_imported_runs, .when = has_imported },
	{ .section = "Imported runs (method codecarbon)", .label = "period",
	  .text = text_imported_period, .when = has_imported },
	{ .section = "Imported runs (method codecarbon)", .label = "energy",
	  .text = text_imported_energy, .when = has_imported },
	{ .section = "Imported runs (method codecarbon)", .label = "facility energy",
	  M(T_DOUBLE, imp.facility_kwh), .unit = U_KWH, .note = "(energy_consumed, as imported)",
	  .when = has_imported },
	{ .section = "Imported runs (method codecarbon)", .label = "emissions",
	  M(T_DOUBLE, imp.co2e_kg), .unit = U_KG, .note = "(as imported; included in the totals)",
	  .when = has_imported },
#define ESTIMATED "Estimated runs (method " ESTIMATE_METHOD ", counterpart of the ML CO2 Impact calculator)"
	{ .section = ESTIMATED, .label = "runs", .text = text_estimated_runs, .when = has_estimated },
	{ .section = ESTIMATED, .label = "facility energy", M(T_DOUBLE, imp.estimated_facility_kwh),
	  .unit = U_KWH, .note = "(estimated; part of the imported runs' figures and the totals)",
	  .when = has_estimated },
	{ .section = ESTIMATED, .label = "emissions", M(T_DOUBLE, imp.estimated_kg), .unit = U_KG,
	  .note = "(estimated)", .when = has_estimated },
	{ .section = ESTIMATED, .label = "how", M(T_STRING, imp.estimated_how),
	  .when = has_estimated },
#undef ESTIMATED
	{ .key = "intensity_g_per_kwh", .section = "Carbon", .label = "intensity",
	  .type = T_NUMBER_FN, .number = intensity, .text = text_intensity, .flags = F_FIGURE },
	{ .key = "intensity_source.basis", .type = T_CONST, .const_str = "location-based" },
	{ .key = "intensity_source.kind", .type = T_CONST, .const_str = "average" },
	{ .key = "intensity_source.level", .section = "Carbon", .label = "source",
	  .json = json_in_level, .text = text_source, .text_when = has_intensity,
	  .flags = F_FIGURE },
	{ .key = "intensity_source.dataset", .json = json_in_dataset },
	{ .key = "intensity_source.year", .json = json_in_year },
	{ .key = "intensity_source.zone", M(T_CHARS, in.zone) },
	{ .key = "intensity_source.resolution", .json = json_in_resolution },
	{ .key = "intensity_source.licence", M(T_CHARS, in.licence) },
	{ .key = "co2e_kg", .section = "Carbon", .label = "operational", M(T_DOUBLE, co2e_kg),
	  .unit = U_KG, .flags = F_BOLD | F_FIGURE },
	{ .section = "Carbon", .label = "of which imported", M(T_DOUBLE, imp.co2e_kg),
	  .unit = U_KG, .note = "(CodeCarbon, as imported)", .when = has_imported },
	{ .key = "embodied.co2e_kg", .section = "Carbon", .label = "embodied", M(T_DOUBLE, emb.kg),
	  .text = text_embodied, .flags = F_FIGURE },
	{ .key = "embodied.part_of_operational", .type = T_FALSE },
	{ .key = "embodied.status", .type = T_STRING_FN, .string = embodied_status },
	{ .key = "embodied.cpu_kg", M(T_DOUBLE, emb.cpu_kg), .when = emb_configured },
	{ .key = "embodied.gpu_kg", M(T_DOUBLE, emb.gpu_kg_part), .when = emb_configured },
	{ .key = "embodied.node_kg", M(T_DOUBLE, emb.node_kg), .when = emb_configured },
	{ .key = "embodied.node_cores", M(T_INT, emb.node_cores), .when = emb_configured },
	{ .key = "embodied.gpu_unit_kg", .json = json_gpu_unit_kg, .when = emb_configured },
	{ .key = "embodied.lifetime_years", M(T_DOUBLE, emb.lifetime_years),
	  .when = emb_configured },
	{ .key = "embodied.method", .type = T_CONST, .when = emb_configured,
	  .const_str = "footprint of making the hardware spread evenly over its lifetime, charged by the allocated core-hours (node_kg / node_cores per core) and GPU-hours (gpu_unit_kg per GPU)" },
	{ .key = "sci.standard", .type = T_CONST, .const_str = SCI_STANDARD },
	{ .key = "sci.formula", .type = T_CONST, .const_str = "(E x I + M) / R" },
	{ .key = "sci.functional_unit", .type = T_CONST,
	  .const_str = "job (a Slurm job or an imported CodeCarbon run)" },
	{ .key = "sci.r", .type = T_NUMBER_FN, .number = statement_sci_units },
	{ .key = "sci.kg_per_job", .section = "Carbon", .label = "SCI", .type = T_NUMBER_FN,
	  .number = statement_sci_kg_per_job, .text = text_sci, .flags = F_FIGURE },
	{ .key = "sci.scope_kg", .type = T_NUMBER_FN, .number = statement_sci_scope_kg },
	{ .key = "sci.operational_kg", M(T_DOUBLE, co2e_kg) },
	{ .key = "sci.embodied_included", .json = json_sci_embodied },
	{ .key = "uncertainty.low_kg", .section = "Carbon", .label = "uncertainty",
	  .type = T_NUMBER_FN, .number = statement_band_low_kg, .text = text_band,
	  .flags = F_FIGURE },
	{ .key = "uncertainty.high_kg", .type = T_NUMBER_FN, .number = statement_band_high_kg },
	{ .key = "uncertainty.low_pct", .type = T_NUMBER_FN, .number = statement_band_low_pct },
	{ .key = "uncertainty.high_pct", .type = T_NUMBER_FN, .number = statement_band_high_pct },
	{ .key = "uncertainty.of", .type = T_CONST,
	  .const_str = "co2e_kg (operational), from the energy measurement alone: not the intensity, the PUE or the split of a node among its jobs" },
	{ .key = "uncertainty.combination", .type = T_CONST,
	  .const_str = "energy-weighted: each method's band times its share of the IT energy, added linearly (a worst case)" },
	{ .key = "uncertainty.methods", .json = json_bands },
	{ .key = "offsets.estimate", .type = T_TRUE },
	{ .key = "offsets.part_of_emissions", .type = T_FALSE },
	{ .key = "offsets.tonnes_co2e", .section = "Offsets (an estimate, not part of the emissions)",
	  .label = "offsets", .type = T_NUMBER_FN, .number = offset_tonnes, .text = text_offsets },
	{ .key = "offsets.price_usd_per_tonne", M(T_DOUBLE, offset_price) },
	{ .key = "offsets.price_source", .section = "Offsets (an estimate, not part of the emissions)",
	  .label = "price", .text = text_price, .json = json_price_source },
	{ .key = "offsets.cost_usd", .type = T_NUMBER_FN, .number = statement_offset_cost_usd },
#define WHAT_IF "What if (counterfactual, not part of the totals)"
	{ .key = "what_if", .section = WHAT_IF, .json = json_what_if, .block = block_what_if,
	  .when = has_what_if },
	{ .section = WHAT_IF, .label = "what if", .text = text_what_if, .when = has_what_if,
	  .flags = F_FIGURE | F_FIGURE_ONLY },
#undef WHAT_IF
	{ .key = "software.carbon_report", .section = "Software and data", .label = "software",
	  M(T_STRING, software), .text = text_software },
	{ .key = "data_version.schema", .section = "Software and data", .label = "data",
	  M(T_INT, data.schema), .text = text_data },
	{ .key = "data_version.annual_rows", M(T_LONG, data.annual_rows) },
	{ .key = "data_version.annual_latest_year", M(T_INT, data.annual_latest_year) },
	{ .key = "data_version.series_rows", M(T_LONG, data.series_rows) },
	{ .key = "data_version.series_imported_at", .json = json_series_imported_at },
	{ .key = "limitations", .section = "Limitations", .json = json_limitations,
	  .block = block_limitations },
	{ .key = "track", .json = json_track, .when = has_track },
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

/* ---- one field's value ------------------------------------------------------ */

static bool shown(const struct statement *st, const struct field *f)
{
	return !f->when || f->when(st);
}

static double field_number(const struct statement *st, const struct field *f)
{
	switch (f->type) {
	case T_SIZE:
		return (double)*(const size_t *)member(st, f);
	case T_LONG:
		return (double)*(const long *)member(st, f);
	case T_INT:
		return *(const int *)member(st, f);
	case T_DOUBLE:
		return *(const double *)member(st, f);
	case T_NUMBER_FN:
		return f->number(st);
	default:
		return NAN;
	}
}

static const char *field_string(const struct statement *st, const struct field *f)
{
	const char *s;

	switch (f->type) {
	case T_STRING:
		return *(const char *const *)member(st, f);
	case T_CHARS:
		s = member(st, f);
		return *s ? s : NULL;
	case T_CONST:
		return f->const_str;
	case T_STRING_FN:
		return f->string(st);
	default:
		return NULL;
	}
}

/* The value of f in the text forms, with its unit and note. */
static void field_text(const struct statement *st, const struct field *f, FILE *fp)
{
	char buf[64];
	const char *s;
	double v;

	if (f->text) {
		f->text(st, fp);
		return;
	}
	switch (f->type) {
	case T_SIZE:
		fprintf(fp, "%zu", *(const size_t *)member(st, f));
		break;
	case T_LONG:
		fprintf(fp, "%ld", *(const long *)member(st, f));
		break;
	case T_INT:
		fprintf(fp, "%d", *(const int *)member(st, f));
		break;
	case T_DOUBLE:
	case T_NUMBER_FN:
		v = field_number(st, f);
		if (f->unit == U_KWH)
			fputs(text_kwh(v, buf, sizeof(buf)), fp);
		else if (f->unit == U_KG)
			fputs(text_kg(v, buf, sizeof(buf)), fp);
		else if (f->unit == U_TIME)
			fputs(utc_iso8601(v, buf, sizeof(buf)), fp);
		else
			fprintf(fp, "%s%s%s", table_sig4(v, buf, sizeof(buf)), f->suffix ? " " : "",
				f->suffix ? f->suffix : "");
		break;
	default:
		s = field_string(st, f);
		fputs(s ? s : "-", fp);
		break;
	}
	if (f->note)
		fprintf(fp, " %s", f->note);
}

/* The same into a string the caller frees; NULL when out of memory. */
static char *field_text_alloc(const struct statement *st, const struct field *f)
{
	char *s = NULL;
	size_t n;
	FILE *fp = open_memstream(&s, &n);

	if (!fp)
		return NULL;
	field_text(st, f, fp);
	if (fclose(fp) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* Is f in the text forms (figures_only: in LaTeX's table of the figures)? */
static bool text_shown(const struct statement *st, const struct field *f, bool figures_only)
{
	if (!f->label && !f->block && !(f->flags & F_BY))
		return false;
	if (figures_only ? !(f->flags & F_FIGURE) : (f->flags & F_FIGURE_ONLY))
		return false;
	if (!shown(st, f) || (f->text_when && !f->text_when(st)))
		return false;
	return !(f->flags & F_TEXT_NONZERO) || field_number(st, f) != 0;
}

static const char *field_label(const struct statement *st, const struct field *f)
{
	return f->flags & F_BY ? st->by : f->label;
}

/* ---- JSON ------------------------------------------------------------------ */

static void field_json(const struct statement *st, const struct field *f, struct json_writer *w)
{
	char buf[32];
	double v;

	if (f->json) {
		f->json(st, w);
		return;
	}
	switch (f->type) {
	case T_SIZE:
	case T_INT:
		json_int(w, (long long)field_number(st, f));
		break;
	case T_LONG:
		v = field_number(st, f);
		if (v >= 0)
			json_int(w, (long long)v);
		else
			json_null(w);
		break;
	case T_DOUBLE:
	case T_NUMBER_FN:
		if (f->unit == U_TIME)
			json_string(w, utc_iso8601(field_number(st, f), buf, sizeof(buf)));
		else
			json_number(w, field_number(st, f));
		break;
	case T_TRUE:
	case T_FALSE:
		json_bool(w, f->type == T_TRUE);
		break;
	default:
		json_string(w, field_string(st, f));
		break;
	}
}

/* The objects a field's key opens, as "a.b." prefixes of it. */
#define JSON_PATH_MAX 8

struct json_path {
	const char *name[JSON_PATH_MAX];
	size_t len[JSON_PATH_MAX];
	size_t depth;
};

/* Split key at its dots into p; the last part is the member's name unless
 * by_key (then every part is an object, and the member is named by st->by). */
static void json_path_of(const char *key, struct json_path *p)
{
	const char *s = key;

	p->depth = 0;
	while (p->depth < JSON_PATH_MAX) {
		size_t n = strcspn(s, ".");

		p->name[p->depth] = s;
		p->len[p->depth++] = n;
		if (!s[n])
			break;
		s += n + 1;
	}
}

static int render_json(const struct statement *st, FILE *fp)
{
	struct json_writer w;
	struct json_path open = { .depth = 0 }, p;
	size_t i, k, objects;
	char name[64];

	json_init(&w, fp);
	json_begin_object(&w);
	for (i = 0; i < N_FIELDS; i++) {
		const struct field *f = &fields[i];

		if (!f->key || !shown(st, f))
			continue;
		json_path_of(f->key, &p);
		objects = f->flags & F_BY ? p.depth : p.depth - 1;
		for (k = 0; k < open.depth && k < objects; k++)
			if (open.len[k] != p.len[k] || strncmp(open.name[k], p.name[k], p.len[k]))
				break;
		while (open.depth > k) {
			json_end_object(&w);
			open.depth--;
		}
		for (; k < objects; k++) {
			snprintf(name, sizeof(name), "%.*s", (int)p.len[k], p.name[k]);
			json_key(&w, name);
			json_begin_object(&w);
			open.name[k] = p.name[k];
			open.len[k] = p.len[k];
			open.depth++;
		}
		if (f->flags & F_BY) {
			json_key(&w, st->by);
		} else {
			snprintf(name, sizeof(name), "%.*s", (int)p.len[objects], p.name[objects]);
			json_key(&w, name);
		}
		field_json(st, f, &w);
	}
	while (open.depth--)
		json_end_object(&w);
	json_end_object(&w);
	fputc('\n', fp);
	if (json_finish(&w) < 0) {
		fputs("carbon-report: could not write the JSON output\n", stderr);
		return -1;
	}
	return 0;
}

/* ---- text and Markdown ----------------------------------------------------- */

/* "3 jobs and 2 imported runs, START to END: ..., 1.2 kg CO2e (operational,
 * location-based)." with bold around the CO2e (Markdown's "**", LaTeX's). */
static void headline(const struct statement *st, FILE *fp, const char *bold, const char *unbold)
{
	char a[32], b[32], x[48], y[48], z[48];

	fprintf(fp, "%zu job%s", st->jobs, st->jobs == 1 ? "" : "s");
	if (st->imp.runs)
		fprintf(fp, " and %zu imported run%s", st->imp.runs, st->imp.runs == 1 ? "" : "s");
	fprintf(fp, ", %s to %s: %s IT energy, %s facility energy, %s%s%s (operational, location-based).",
		utc_iso8601(st->start_s, a, sizeof(a)), utc_iso8601(st->end_s, b, sizeof(b)),
		text_kwh(st->it_kwh, x, sizeof(x)), text_kwh(st->facility_kwh, y, sizeof(y)), bold,
		text_kg(st->co2e_kg, z, sizeof(z)), unbold);
}

static int render_text(const struct statement *st, enum output_format format, FILE *fp)
{
	bool md = format == FMT_MARKDOWN;
	const char *section = NULL;
	char *value;
	size_t i;

	fprintf(fp, md ? "## Emission statement: %s %s\n\n" : "Emission statement: %s %s\n", st->by,
		st->who);
	/* The one sentence a paper quotes; the sections below qualify it. */
	headline(st, fp, md ? "**" : "", md ? "**" : "");
	fputc('\n', fp);
	for (i = 0; i < N_FIELDS; i++) {
		const struct field *f = &fields[i];

		if (!text_shown(st, f, false))
			continue;
		if (!section || strcmp(section, f->section)) {
			section = f->section;
			fprintf(fp, md ? "\n### %s\n\n" : "\n%s\n", section);
		}
		if (f->block) {
			if (f->block(st, format, fp) < 0)
				return -1;
			continue;
		}
		value = field_text_alloc(st, f);
		if (!value)
			return -1;
		if (md)
			fprintf(fp, "- %s: %s%s%s\n", field_label(st, f), f->flags & F_BOLD ? "**" : "",
				value, f->flags & F_BOLD ? "**" : "");
		else
			fprintf(fp, "  %-20s %s\n", field_label(st, f), value);
		free(value);
	}
	return 0;
}

/* ---- a paragraph for a paper, and LaTeX ------------------------------------- */

/* "a", "a and b", "a, b and c" of the models' names. */
static void model_names(FILE *fp, const struct model_nodes *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(fp, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", m[i].model);
}

/* How the energy was measured, from the sensors behind each component. */
/* How the GPUs were measured, for the paragraph: by their energy counters,
 * or by their power readings where a GPU has none; through NVML, ROCm SMI,
 * or both. */
static const char *gpu_words(unsigned bits)
{
	static const char *const words[2][3] = {
		{ "the GPUs' own energy counters, read through NVML",
		  "the GPUs' own energy counters, read through ROCm SMI",
		  "the GPUs' own energy counters, read through NVML and ROCm SMI" },
		{ "the GPUs' own energy counters, or their power readings where a GPU has no counter, read through NVML",
		  "the GPUs' own energy counters, or their power readings where a GPU has no counter, read through ROCm SMI",
		  "the GPUs' own energy counters, or their power readings where a GPU has no counter, read through NVML and ROCm SMI" },
	};
	int vendor = (bits & M_NVML) && (bits & M_ROCM) ? 2 : (bits & M_ROCM) ? 1 : 0;

	return words[(bits & M_GPU_POWER) != 0][vendor];
}

static void paragraph_methods(const struct statement *st, FILE *fp)
{
	unsigned all = 0;
	const char *part[5];
	char node[256] = "";
	enum energy_method how;
	const char *words;
	bool incl_gpu;
	size_t n = 0, i;
	int d;

	for (d = 0; d < DOMAIN_COUNT; d++)
		all |= st->domain_methods[d];
	for (i = 0; i < st->n_methods && !node[0]; i++) {
		words = statement_node_meter(st->methods[i], strlen(st->methods[i]), &how, &incl_gpu);
		if (words)
			snprintf(node, sizeof(node), "a whole-node meter for the rest of the node (%s%s)",
				 words, incl_gpu ? ", the GPUs' own readings subtracted from it" : "");
	}
	if (all & M_RAPL)
		part[n++] = "the processors' RAPL energy counters (CPU packages and memory)";
	if (all & (M_NVML | M_ROCM))
		part[n++] = gpu_words(all);
	if (node[0] && all & M_NODE)
		part[n++] = node;
	if (all & (M_MODEL | M_OTHER))
		part[n++] = "a model from thermal design power where no counter was available";
	if (n == 0)
		return;
	fputs("slurm-carbon's Slurm plugin measured the energy of every job step on every node with ",
	      fp);
	for (i = 0; i < n; i++)
		fprintf(fp, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", part[i]);
	fputs(", sharing a node's energy among the jobs on it by their CPU time", fp);
	if (st->domain_methods[DOMAIN_GPU] & ~M_CODECARBON)
		fputs(" and charging each GPU to the job that held it", fp);
	fputs(". ", fp);
}

/* The statement in a few sentences a paper can quote: what ran where, how
 * it was measured, the energy, the PUE and intensity with their sources,
 * and the emissions. */
/* The what-if in a sentence or two, labelled counterfactual. */
static void paragraph_what_if(const struct statement *st, FILE *fp)
{
	const struct what_if *wi = &st->what_if;
	const struct what_if_shift *sh = &wi->shift;
	char x[48], y[48];
	size_t i;

	if (wi->n_zones) {
		fprintf(fp, "Counterfactually, and not part of these figures, the same %s of facility energy would have emitted ",
			text_kwh(wi->facility_kwh, x, sizeof(x)));
		for (i = 0; i < wi->n_zones; i++)
			fprintf(fp, "%s%s in %s (%.4g gCO2e/kWh)",
				i == 0 ? "" : i + 1 == wi->n_zones ? " and " : ", ",
				text_kg(wi->zones[i].co2e_kg, x, sizeof(x)), wi->zones[i].zone,
				wi->zones[i].g_per_kwh);
		fputs(" at annual average intensities. ", fp);
	}
	if (sh->done)
		fprintf(fp, "Moved to the %u contiguous hours of the same week with the least carbon in zone %s, the work would have emitted %s instead of %s (counterfactual; its energy spread evenly over its hours). ",
			sh->hours, sh->zone, text_kg(sh->best_kg, x, sizeof(x)),
			text_kg(sh->actual_kg, y, sizeof(y)));
}

static void paragraph(const struct statement *st, FILE *fp)
{
	const struct intensity *in = &st->in;
	char a[32], b[32], x[48], y[48], z[48];

	utc_iso8601(st->start_s, a, sizeof(a));
	utc_iso8601(st->end_s, b, sizeof(b));
	a[10] = b[10] = '\0';	/* the days */
	fprintf(fp, "The computations of %s %s ran as ", st->by, st->who);
	if (st->jobs)
		fprintf(fp, "%zu Slurm job%s", st->jobs, st->jobs == 1 ? "" : "s");
	if (st->jobs && st->imp.runs)
		fputs(" and ", fp);
	if (st->imp.estimated_runs)
		fprintf(fp, "%zu run%s done off the cluster (%zu measured with CodeCarbon, %zu not measured but estimated from hardware, hours and place)",
			st->imp.runs, st->imp.runs == 1 ? "" : "s",
			st->imp.runs - st->imp.estimated_runs, st->imp.estimated_runs);
	else if (st->imp.runs)
		fprintf(fp, "%zu run%s measured off the cluster with CodeCarbon", st->imp.runs,
			st->imp.runs == 1 ? "" : "s");
	if (strcmp(a, b))
		fprintf(fp, " between %s and %s (UTC)", a, b);
	else
		fprintf(fp, " on %s (UTC)", a);
	if (st->n_nodes)
		fprintf(fp, ", on %zu node%s", st->n_nodes, st->n_nodes == 1 ? "" : "s");
	if (st->n_cpu_models) {
		fputs(" with processors of type ", fp);
		model_names(fp, st->cpu_models, st->n_cpu_models);
	}
	if (st->n_gpu_models) {
		fputs(st->n_cpu_models ? " and GPUs of type " : " with GPUs of type ", fp);
		model_names(fp, st->gpu_models, st->n_gpu_models);
	}
	fputs(". ", fp);
	if (st->jobs) {
		fprintf(fp, "The jobs took %s CPU-hours", table_sig4(st->cpu_time_s / 3600.0, x, sizeof(x)));
		if (!isnan(st->gpu_hours) && st->gpu_hours > 0)
			fprintf(fp, " and %s GPU-hours", table_sig4(st->gpu_hours, y, sizeof(y)));
		fputs(". ", fp);
	}
	paragraph_methods(st, fp);
	fprintf(fp, "In all, the IT equipment used %s of electricity, %s at the facility", text_kwh(st->it_kwh, x, sizeof(x)),
		text_kwh(st->facility_kwh, y, sizeof(y)));
	if (st->jobs) {
		fprintf(fp, " with a power usage effectiveness (PUE) of %.4g, from ", st->pue);
		text_pue_sources(st, fp);
	}
	fputs(". ", fp);
	fprintf(fp, "Total operational emissions are estimated at %s", text_kg(st->co2e_kg, x, sizeof(x)));
	if (st->have_in) {
		fprintf(fp, ", at a location-based average carbon intensity of %.4g gCO2e/kWh (%s, %s",
			in->g_per_kwh, in->level, in->dataset);
		if (in->year)
			fprintf(fp, ", %d", in->year);
		if (in->zone[0])
			fprintf(fp, ", zone %s", in->zone);
		fputc(')', fp);
	}
	if (st->imp.estimated_runs)
		fprintf(fp, ", of which %s come from the runs done off the cluster (%s of them estimated from hardware, hours and place)",
			text_kg(st->imp.co2e_kg, y, sizeof(y)),
			text_kg(st->imp.estimated_kg, z, sizeof(z)));
	else if (st->imp.runs)
		fprintf(fp, ", of which %s are CodeCarbon's own estimate for the imported runs",
			text_kg(st->imp.co2e_kg, y, sizeof(y)));
	fputs(". ", fp);
	if (st->emb.configured && !isnan(st->emb.kg))
		fprintf(fp, "Making the hardware adds an estimated %s of embodied emissions, counted apart. ",
			text_kg(st->emb.kg, x, sizeof(x)));
	fprintf(fp, "Allowing for the accuracy of each measurement method (bands weighted by energy and added linearly), the operational emissions lie between %s and %s. ",
		table_amount(statement_band_low_kg(st), TABLE_KG, x, sizeof(x)),
		text_kg(statement_band_high_kg(st), y, sizeof(y)));
	if (statement_sci_units(st) > 0)
		fprintf(fp, "The Software Carbon Intensity (ISO/IEC 21031:2024, operational plus embodied emissions per functional unit) is %s per job%s. ",
			text_kg(statement_sci_kg_per_job(st), x, sizeof(x)),
			statement_sci_embodied(st) ? "" : ", without embodied emissions");
	fprintf(fp, "Of the IT energy, %.1f %% was measured by energy counters%s%.1f %% modelled",
		100.0 * statement_measured_fraction(st), st->imp.runs ? ", " : " and ",
		100.0 * statement_modelled_fraction(st));
	if (st->imp.runs)
		fprintf(fp, " and %.1f %% imported", 100.0 * statement_imported_fraction(st));
	fputs(". ", fp);
	if (st->what_if.done)
		paragraph_what_if(st, fp);
	fprintf(fp, "The figures were computed with carbon-report %s of slurm-carbon.", st->software);
}

/* s with LaTeX's special characters escaped, for text mode. */
static void latex_escaped(const char *s, FILE *fp)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\':
			fputs("\\textbackslash{}", fp);
			break;
		case '{':
		case '}':
		case '$':
		case '&':
		case '#':
		case '_':
		case '%':
			fprintf(fp, "\\%c", *s);
			break;
		case '^':
			fputs("\\textasciicircum{}", fp);
			break;
		case '\xc2':	/* the micro sign of µWh, µg: math mode needs no package */
			if (s[1] == '\xb5') {
				fputs("$\\mu$", fp);
				s++;
			} else {
				fputc(*s, fp);
			}
			break;
		case '~':
			fputs("\\textasciitilde{}", fp);
			break;
		default:
			fputc(*s, fp);
		}
	}
}

/* What fn writes, into a string the caller frees; NULL when out of memory. */
static char *written(const struct statement *st, void (*fn)(const struct statement *, FILE *))
{
	char *s = NULL;
	size_t n;
	FILE *fp = open_memstream(&s, &n);

	if (!fp)
		return NULL;
	fn(st, fp);
	if (fclose(fp) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* A table of the figures (the fields marked F_FIGURE) and the paragraph,
 * in LaTeX that needs no package: a fragment for a document's body. */
static int render_latex(const struct statement *st, FILE *fp)
{
	char *s;
	size_t i;

	fputs("% The emission statement of slurm-carbon (carbon-report statement --format latex).\n"
	      "\\begin{center}\n"
	      "\\begin{tabular}{@{}lp{0.6\\linewidth}@{}}\n"
	      "\\hline\n"
	      "\\multicolumn{2}{@{}l}{\\textbf{Emission statement: ", fp);
	latex_escaped(st->by, fp);
	fputc(' ', fp);
	latex_escaped(st->who, fp);
	fputs("}}\\\\\n\\hline\n", fp);
	for (i = 0; i < N_FIELDS; i++) {
		const struct field *f = &fields[i];

		if (!text_shown(st, f, true))
			continue;
		s = field_text_alloc(st, f);
		if (!s)
			return -1;
		latex_escaped(field_label(st, f), fp);
		fputs(" & ", fp);
		if (f->flags & F_BOLD)
			fputs("\\textbf{", fp);
		latex_escaped(s, fp);
		if (f->flags & F_BOLD)
			fputc('}', fp);
		fputs(" \\\\\n", fp);
		free(s);
	}
	fputs("\\hline\n\\end{tabular}\n\\end{center}\n\n", fp);
	s = written(st, paragraph);
	if (!s)
		return -1;
	latex_escaped(s, fp);
	fputc('\n', fp);
	free(s);
	return 0;
}

int statement_render(const struct statement *st, enum output_format format, FILE *fp)
{
	int rc;

	switch (format) {
	case FMT_JSON:
		rc = render_json(st, fp);
		break;
	case FMT_PARAGRAPH:
		paragraph(st, fp);
		fputc('\n', fp);
		rc = 0;
		break;
	case FMT_LATEX:
		rc = render_latex(st, fp);
		break;
	default:
		rc = render_text(st, format, fp);
		break;
	}
	if (rc < 0)
		fputs("carbon-report: out of memory\n", stderr);
	return rc < 0 || ferror(fp) ? -1 : 0;
}

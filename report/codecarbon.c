/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writing CodeCarbon's emissions.csv (column names and order as CodeCarbon
 * 2.x and 3.x write them). */
#include "codecarbon.h"

#include <math.h>
#include <string.h>

#include "energy.h"
#include "record.h"

const char *const cc_columns[] = {
	"timestamp", "project_name", "run_id", "experiment_id", "duration", "emissions",
	"emissions_rate", "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy",
	"ram_energy", "energy_consumed", "water_consumed", "country_name", "country_iso_code",
	"region", "cloud_provider", "cloud_region", "os", "python_version",
	"codecarbon_version", "cpu_count", "cpu_model", "gpu_count", "gpu_model", "longitude",
	"latitude", "ram_total_size", "tracking_mode", "cpu_utilization_percent",
	"gpu_utilization_percent", "ram_utilization_percent", "ram_used_gb", "on_cloud",
	"pue", "wue",
};
const int cc_n_columns = (int)(sizeof(cc_columns) / sizeof(cc_columns[0]));

void cc_row_init(struct cc_row *r)
{
	memset(r, 0, sizeof(*r));
	r->timestamp = r->duration = r->emissions = NAN;
	r->cpu_power = r->gpu_power = r->ram_power = NAN;
	r->cpu_energy = r->gpu_energy = r->ram_energy = r->energy_consumed = NAN;
	r->ram_total_size = r->pue = NAN;
	r->cpu_count = r->gpu_count = -1;
}

/* kWh over duration_s as a mean power in W; NaN when there is no duration. */
static double mean_w(double kwh, double duration_s)
{
	return duration_s > 0 ? kwh * JOULES_PER_KWH / duration_s : NAN;
}

void cc_row_set_energy(struct cc_row *r, const double *it_kwh, double facility_kwh,
		       double pue)
{
	double k = isnan(pue) ? 1.0 : pue;

	r->cpu_energy = it_kwh[DOMAIN_CPU] * k;
	r->gpu_energy = it_kwh[DOMAIN_GPU] * k;
	r->ram_energy = it_kwh[DOMAIN_DRAM] * k;
	r->energy_consumed = facility_kwh;
	r->cpu_power = mean_w(it_kwh[DOMAIN_CPU], r->duration);
	r->gpu_power = mean_w(it_kwh[DOMAIN_GPU], r->duration);
	r->ram_power = mean_w(it_kwh[DOMAIN_DRAM], r->duration);
	r->pue = pue;
}

/* A text field, quoted when it holds a comma, a quote or a line break. */
static void text(FILE *fp, const char *s, bool last)
{
	if (s && strpbrk(s, ",\"\r\n")) {
		fputc('"', fp);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', fp);
			fputc(*s, fp);
		}
		fputc('"', fp);
	} else if (s) {
		fputs(s, fp);
	}
	fputc(last ? '\n' : ',', fp);
}

static void number(FILE *fp, double v)
{
	if (!isnan(v))
		fprintf(fp, "%.10g", v);
	fputc(',', fp);
}

static void count(FILE *fp, int v)
{
	if (v >= 0)
		fprintf(fp, "%d", v);
	fputc(',', fp);
}

int cc_write_header(FILE *fp)
{
	int i;

	for (i = 0; i < cc_n_columns; i++)
		fprintf(fp, "%s%c", cc_columns[i], i + 1 < cc_n_columns ? ',' : '\n');
	return ferror(fp) ? -1 : 0;
}

int cc_write_row(FILE *fp, const struct cc_row *r)
{
	char when[32];
	double rate = NAN;

	if (!isnan(r->emissions) && !isnan(r->duration) && r->duration > 0)
		rate = r->emissions / r->duration;
	text(fp, isnan(r->timestamp) ? NULL : utc_iso8601(r->timestamp, when, sizeof(when)), false);
	text(fp, r->project_name, false);
	text(fp, r->run_id, false);
	text(fp, r->experiment_id, false);
	number(fp, r->duration);
	number(fp, r->emissions);
	number(fp, rate);
	number(fp, r->cpu_power);
	number(fp, r->gpu_power);
	number(fp, r->ram_power);
	number(fp, r->cpu_energy);
	number(fp, r->gpu_energy);
	number(fp, r->ram_energy);
	number(fp, r->energy_consumed);
	number(fp, NAN);		/* water_consumed: not known */
	text(fp, r->country_name, false);
	text(fp, r->country_iso_code, false);
	text(fp, r->region, false);
	text(fp, r->cloud_provider, false);
	text(fp, r->cloud_region, false);
	text(fp, r->os, false);
	text(fp, NULL, false);		/* python_version: not Python */
	text(fp, NULL, false);		/* codecarbon_version: not CodeCarbon */
	count(fp, r->cpu_count);
	text(fp, r->cpu_model, false);
	count(fp, r->gpu_count);
	text(fp, r->gpu_model, false);
	number(fp, NAN);		/* longitude */
	number(fp, NAN);		/* latitude */
	number(fp, r->ram_total_size);
	text(fp, r->tracking_mode, false);
	number(fp, NAN);		/* cpu_utilization_percent */
	number(fp, NAN);		/* gpu_utilization_percent */
	number(fp, NAN);		/* ram_utilization_percent */
	number(fp, NAN);		/* ram_used_gb */
	text(fp, r->cloud_provider ? "Y" : "N", false);
	number(fp, r->pue);
	text(fp, NULL, true);		/* wue */
	return ferror(fp) ? -1 : 0;
}

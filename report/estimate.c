/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Work that was not tracked: hardware x hours x place (estimate.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "estimate.h"
#include "model.h"

int estimate_number(const char *opt, const char *s, double lo, double hi, int integer,
		    double *v, char *err, size_t errlen)
{
	char *end;
	double x = strtod(s, &end);

	if (end == s || *end || !isfinite(x) || (integer && x != floor(x))) {
		snprintf(err, errlen, "%s '%s' is not %s; give one from %g to %g", opt, s,
			 integer ? "a whole number" : "a number", lo, hi);
		return -1;
	}
	if (x < lo || x > hi) {
		snprintf(err, errlen, "%s %s is out of range; give one from %g to %g", opt, s,
			 lo, hi);
		return -1;
	}
	*v = x;
	return 0;
}

int estimate_energy(const struct estimate_input *in, struct estimate *e, char *err,
		    size_t errlen)
{
	*e = (struct estimate){ 0 };
	if (!in->gpu && !in->cpu) {
		snprintf(err, errlen,
			 "name the hardware: --gpu MODEL --count N and/or --cpu MODEL --cpu-count N");
		return -1;
	}
	if (in->gpu && model_gpu_tdp(in->gpu, &e->gpu_w, &e->gpu_model) < 0) {
		snprintf(err, errlen,
			 "--gpu '%s' is not in the GPU TDP table (data/gpu_tdp.csv); give a model it lists, e.g. \"A100 PCIe\" or \"H100\"",
			 in->gpu);
		return -1;
	}
	if (in->cpu && model_cpu_tdp(in->cpu, &e->cpu_w, &e->cpu_model) < 0) {
		snprintf(err, errlen,
			 "--cpu '%s' is not in the CPU TDP table (data/cpu_tdp.csv); give the model as the vendor names it, e.g. \"AMD EPYC 7763\"",
			 in->cpu);
		return -1;
	}
	e->gpu_kwh = in->gpu ? e->gpu_w * (double)in->gpu_count * in->hours / 1000.0 : 0.0;
	e->cpu_kwh = in->cpu ? e->cpu_w * (double)in->cpu_count * in->hours / 1000.0 : 0.0;
	e->it_kwh = e->gpu_kwh + e->cpu_kwh;
	e->facility_kwh = e->it_kwh * in->pue;
	return 0;
}

double estimate_co2e_kg(const struct estimate *e, double g_per_kwh)
{
	return e->facility_kwh * g_per_kwh / 1000.0;
}

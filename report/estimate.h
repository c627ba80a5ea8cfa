/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Work that was not tracked, estimated from hardware x hours x place as the
 * ML CO2 Impact calculator does (carbon-report import estimate): each board
 * at its thermal design power for the whole time, times the PUE, times the
 * zone's annual intensity. Numbers in, numbers out; cmd_import.c stores the
 * result as an imported run with method ESTIMATE_METHOD. */
#ifndef CARBON_ESTIMATE_H
#define CARBON_ESTIMATE_H

#include <stddef.h>

/* The method word of an estimated imported run (carbon.imported_run). */
#define ESTIMATE_METHOD "estimate"

/* Bounds of what a run can be: more than these is a typing error, not work
 * done (the largest clusters hold about 100,000 GPUs; a leap year is 8,784
 * hours, and less than 0.01 h (36 s) is no run; PUE 1.0 is a perfect data centre, 3.0 a very poor one). */
#define ESTIMATE_MAX_COUNT 100000L
#define ESTIMATE_MIN_HOURS 0.01
#define ESTIMATE_MAX_HOURS 8784.0
#define ESTIMATE_MIN_PUE 1.0
#define ESTIMATE_MAX_PUE 3.0

struct estimate_input {
	const char *gpu;	/* model name as written, e.g. "A100 PCIe"; NULL: none */
	long gpu_count;
	const char *cpu;	/* CPU model, e.g. "AMD EPYC 7763"; NULL: none */
	long cpu_count;		/* sockets */
	double hours;
	double pue;
};

struct estimate {
	double gpu_w, cpu_w;	/* TDP of one board, one socket */
	const char *gpu_model, *cpu_model;	/* the table rows matched (static) */
	double gpu_kwh, cpu_kwh, it_kwh, facility_kwh;
};

/* Parse a number of option opt within [lo, hi] (integer: a whole number).
 * Returns 0, or -1 with a message saying what is wrong and what to give. */
int estimate_number(const char *opt, const char *s, double lo, double hi, int integer,
		    double *v, char *err, size_t errlen);

/* Look up the TDPs (data/gpu_tdp.csv, data/cpu_tdp.csv) and work out the
 * energy: board W x count x hours / 1000, the IT energy times the PUE.
 * Returns 0, or -1 with the reason in err (no hardware, unknown model). */
int estimate_energy(const struct estimate_input *in, struct estimate *e, char *err,
		    size_t errlen);

/* kg CO2e of the facility energy at g_per_kwh. */
double estimate_co2e_kg(const struct estimate *e, double g_per_kwh);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TDP tables compiled from data/ by build-aux/embed-tdp.sh; read by model.c. */
#ifndef CARBON_TDP_TABLE_H
#define CARBON_TDP_TABLE_H

#include <stddef.h>

struct tdp_row {
	const char *model;	/* as in data/cpu_tdp.csv or gpu_tdp.csv; sorted */
	double tdp_w;		/* per socket (CPU) or per board (GPU) */
};

extern const struct tdp_row tdp_cpu_table[];
extern const size_t tdp_cpu_table_len;
extern const struct tdp_row tdp_gpu_table[];
extern const size_t tdp_gpu_table_len;

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Energy counter arithmetic. */
#include "energy.h"

const char *energy_domain_name(enum energy_domain d)
{
	static const char *const names[DOMAIN_COUNT] = {
		[DOMAIN_CPU] = "cpu",
		[DOMAIN_DRAM] = "dram",
		[DOMAIN_GPU] = "gpu",
		[DOMAIN_OTHER] = "other",
	};

	return (unsigned)d < DOMAIN_COUNT ? names[d] : "unknown";
}

uint64_t counter_delta(uint64_t prev, uint64_t cur, uint64_t max_range)
{
	if (cur >= prev)
		return cur - prev;
	if (max_range == 0 || prev > max_range)
		return 0;	/* no wrap possible: a reset, count nothing */
	return cur + (max_range - prev);
}
